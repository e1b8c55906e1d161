/* SPDX-License-Identifier: MIT */
/* decoded.h — what a decoder returns: the format, the frame's header fields and the
 * readings. A leaf: every decoder fills one and the dispatcher (decode.h) hands it on, so
 * decoders include this and never their caller. Pure value type, no allocation. */
#ifndef MI32_DECODED_H
#define MI32_DECODED_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/reading.h"

enum decode_format {
	DECODE_FORMAT_NONE = 0,
	DECODE_FORMAT_MIBEACON,
	DECODE_FORMAT_ATC,
	DECODE_FORMAT_PVVX,
	DECODE_FORMAT_BTHOME,
	DECODE_FORMAT_QINGPING,
	DECODE_FORMAT_XIAOMI, /* Xiaomi formats outside MiBeacon: scales, FD50 */
	DECODE_FORMAT_GENERIC,
};

#define DECODE_MAX_READINGS 32

/* decoded.flags */
#define DECODED_F_UNBOUND 0x01  /* MiBeacon advertises "not paired" (0x28 at offset 11) */
#define DECODED_F_REGISTERED 0x02 /* MiBeacon frame control bit 8 */
#define DECODED_F_NO_OBJECTS 0x04 /* a valid frame that carried no values */
#define DECODED_F_BOGUS_BATTERY 0x08 /* a battery object was dropped (SPEC decision 5) */

struct decoded {
	uint8_t format;    /* enum decode_format */
	uint8_t version;   /* MiBeacon 2..5, BTHome 1/2, pvvx/atc 0 */
	uint16_t pid;      /* product id, or the fake ids of registry.h */
	uint32_t counter;  /* frame counter / packet id, valid when has_counter */
	bool has_counter;
	bool encrypted;
	bool has_mac;      /* the frame carried the device MAC (mac[], display order) */
	uint8_t flags;     /* DECODED_F_* */
	uint8_t mac[6];
	uint8_t capability; /* MiBeacon capability byte, 0 when absent */
	uint16_t io_cap;    /* MiBeacon IO capability extension, 0 when absent */
	uint8_t n;          /* readings in r[] */
	struct reading r[DECODE_MAX_READINGS];
};

static inline void decoded_reset(struct decoded *d)
{
	d->format = DECODE_FORMAT_NONE;
	d->version = 0;
	d->pid = 0;
	d->counter = 0;
	d->has_counter = false;
	d->encrypted = false;
	d->has_mac = false;
	d->flags = 0;
	d->capability = 0;
	d->io_cap = 0;
	d->n = 0;
}

/* Append one reading. Returns 0, or -ENOSPC when r[] is full (the reading is dropped). */
static inline int decoded_add(struct decoded *d, unsigned int type, unsigned int index,
			      unsigned int decimals, double value)
{
	struct reading *r;

	if (d->n >= DECODE_MAX_READINGS)
		return -ENOSPC;
	r = &d->r[d->n++];
	r->type = (uint16_t)type;
	r->index = (uint8_t)index;
	r->decimals = (uint8_t)decimals;
	r->value = value;
	return 0;
}

/* The first reading of @type, or NULL. */
static inline const struct reading *decoded_find(const struct decoded *d, unsigned int type)
{
	for (unsigned int i = 0; i < d->n; i++)
		if (d->r[i].type == type)
			return &d->r[i];
	return NULL;
}

#endif
