/* SPDX-License-Identifier: MIT */
/* ad.h — walk the AD structures of an advertisement (Core Vol 3 Part C 11) into pointers.
 * Pointers borrow the caller's buffer; nothing is copied or allocated. */
#ifndef MI32_AD_H
#define MI32_AD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* AD types (Bluetooth Assigned Numbers 2.3) */
#define AD_TYPE_FLAGS 0x01
#define AD_TYPE_UUID16_SOME 0x02
#define AD_TYPE_UUID16_ALL 0x03
#define AD_TYPE_NAME_SHORT 0x08
#define AD_TYPE_NAME_COMPLETE 0x09
#define AD_TYPE_TX_POWER 0x0A
#define AD_TYPE_SVC_DATA16 0x16
#define AD_TYPE_SVC_DATA32 0x20
#define AD_TYPE_SVC_DATA128 0x21
#define AD_TYPE_MANUFACTURER 0xFF

#define AD_MAX_SVC 4 /* service-data elements kept; more are counted, not kept */

struct ad_svc {
	uint16_t uuid16;     /* 16-bit UUID; for 32/128-bit data the low 16 bits, see bits */
	uint8_t bits;        /* 16, 32 or 128 */
	uint8_t len;         /* bytes of data after the UUID */
	const uint8_t *uuid; /* the UUID bytes as sent (LE) */
	const uint8_t *data;
};

struct ad_info {
	bool has_flags;
	uint8_t flags;
	bool has_tx_power;
	int8_t tx_power;
	bool name_complete;
	uint8_t name_len;
	const uint8_t *name; /* not NUL-terminated */
	uint8_t n_svc;       /* kept in svc[] */
	uint8_t n_svc_seen;  /* including the ones past AD_MAX_SVC */
	struct ad_svc svc[AD_MAX_SVC];
	uint16_t company;    /* manufacturer data: company id */
	uint8_t mfr_len;     /* bytes after the company id */
	const uint8_t *mfr;  /* NULL when absent (first element wins) */
	uint8_t n_elements;
	int err;             /* 0, or -EBADMSG when the walk stopped early */
	uint8_t err_off;     /* offset of the offending length byte */
};

/* Walk @len bytes of AD structures. Returns 0 when every element was well formed, or
 * -EBADMSG when a zero length before the end (other than trailing zero padding) or a length
 * past the end stopped the walk; what was found before that is still filled in. */
int ad_parse(const uint8_t *data, size_t len, struct ad_info *out);

/* The first service-data element with 16-bit UUID @uuid, or NULL. */
const struct ad_svc *ad_find_svc(const struct ad_info *ad, uint16_t uuid);

#endif
