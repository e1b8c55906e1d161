/* SPDX-License-Identifier: MIT */
/* decode.h — what a decoder returns, and the dispatcher that picks the decoder for an
 * advertisement by its service data UUID. Pure: no I/O, no globals, no allocation. */
#ifndef MI32_DECODE_H
#define MI32_DECODE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/ad.h"
#include "decode/adv.h"
#include "decode/aes.h"
#include "decode/reading.h"

/* Service data UUIDs we decode (Bluetooth SIG member UUIDs / GATT service UUIDs) */
#define UUID_MIBEACON 0xFE95   /* Xiaomi */
#define UUID_BTHOME_V2 0xFCD2  /* Allterco (BTHome v2) */
#define UUID_BTHOME_V1 0x181C  /* BTHome v1, plain (User Data service UUID reused) */
#define UUID_BTHOME_V1_ENC 0x181E /* BTHome v1, encrypted (Bond Management reused) */
#define UUID_QINGPING 0xFDCD   /* Qingping */
#define UUID_ENV_SENSING 0x181A /* ATC1441 / pvvx custom firmware */
#define UUID_XIAOMI_FD50 0xFD50 /* HHCCJCY10 flower pot */
#define UUID_WEIGHT_SCALE 0x181D /* Mi Scale v1 */
#define UUID_BODY_COMP 0x181B  /* Mi Body Composition Scale */

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
const struct reading *decoded_find(const struct decoded *d, unsigned int type);

/*
 * Decode one advertisement. @key is the key stored for the advertiser (bind key, BTHome
 * or pvvx key), or NULL. @ad, when not NULL, receives the AD walk (name, manufacturer
 * data), valid as long as @adv is.
 * Returns the number of readings (0 is fine: a valid frame without values), or
 *   -EBADMSG      malformed (truncated, bad lengths, impossible values)
 *   -ENOKEY       encrypted and no key
 *   -EKEYREJECTED encrypted and the key does not authenticate it (wrong key)
 *   -ENOTSUP      a known format in a version or variant we do not handle
 *   -ENOMSG       no service data we decode: not a sensor (generic device)
 * On errors @out still carries format/pid/counter/mac when they were read.
 */
int decode_adv(const struct adv *adv, const struct aes_key *key, struct decoded *out,
	       struct ad_info *ad);

/* Decode one service-data element (UUID + bytes after it) of advertiser @addr (display
 * order). Same returns as decode_adv(). */
int decode_service_data(uint16_t uuid, const uint8_t *data, size_t len, const uint8_t addr[6],
			const struct aes_key *key, struct decoded *out);

/* Short stable names for enum decode_format and for the errors above. */
const char *decode_format_name(unsigned int format);
const char *decode_error_name(int err);     /* "malformed", "no_key", "wrong_key", ... */

#endif
