/* SPDX-License-Identifier: MIT */
/* ad.h — walk the AD structures of an advertisement (Core Vol 3 Part C 11) into pointers,
 * one element at a time (ad_next) or all at once (ad_parse). Pointers borrow the caller's
 * buffer; nothing is copied or allocated. */
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

/* Service data UUIDs we decode (Bluetooth SIG member UUIDs / GATT service UUIDs); the
 * decoder for each is a row of decode.c's table. */
#define UUID_MIBEACON 0xFE95   /* Xiaomi */
#define UUID_BTHOME_V2 0xFCD2  /* Allterco (BTHome v2) */
#define UUID_BTHOME_V1 0x181C  /* BTHome v1, plain (User Data service UUID reused) */
#define UUID_BTHOME_V1_ENC 0x181E /* BTHome v1, encrypted (Bond Management reused) */
#define UUID_QINGPING 0xFDCD   /* Qingping */
#define UUID_ENV_SENSING 0x181A /* ATC1441 / pvvx custom firmware */
#define UUID_XIAOMI_FD50 0xFD50 /* HHCCJCY10 flower pot */
#define UUID_WEIGHT_SCALE 0x181D /* Mi Scale v1 */
#define UUID_BODY_COMP 0x181B  /* Mi Body Composition Scale */

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

/* One AD element as ad_next() yields it. */
struct ad_elem {
	uint8_t type;        /* AD_TYPE_* */
	uint8_t len;         /* bytes of data after the type */
	const uint8_t *data;
};

/* A cursor over AD structures: ad_iter_init(), then ad_next() until it returns false. */
struct ad_iter {
	const uint8_t *start;
	const uint8_t *p;    /* the next length byte */
	const uint8_t *end;
	uint8_t n;           /* elements yielded so far */
	int err;             /* 0, or -EBADMSG once ad_next() stopped at a malformed length */
	uint8_t err_off;     /* offset of the offending length byte */
};

static inline void ad_iter_init(struct ad_iter *it, const uint8_t *data, size_t len)
{
	it->start = data;
	it->p = data;
	it->end = data + len;
	it->n = 0;
	it->err = 0;
	it->err_off = 0;
}

/* Why ad_next() stops at the length byte @p: 0 for a zero length followed by zero padding
 * only (the clean end), -EBADMSG otherwise. Out of line: it runs once per advert at most. */
int ad__stop(const uint8_t *p, const uint8_t *end);

/* The next element into @el: true, or false at the end. The end is the end of the data,
 * a zero length followed by zeros only (controllers pad legacy PDUs), or a malformed length
 * (a zero length before non-zero bytes, or a length past the end): then it->err is -EBADMSG
 * and it->err_off says where. The one AD walker: ad_parse() and decode_adv() both use it.
 * Inline because every advertisement in the air passes through it, most of them not
 * sensors, and this is the whole cost of rejecting one: an out-of-line call per element
 * tripled that cost (`mi32 bench`, case unrelated). */
static inline bool ad_next(struct ad_iter *it, struct ad_elem *el)
{
	const uint8_t *p = it->p;
	size_t left = (size_t)(it->end - p);

	if (left == 0)
		return false;
	if (p[0] == 0 || p[0] >= left) { /* a zero length, or one past the end */
		it->err = ad__stop(p, it->end);
		if (it->err)
			it->err_off = (uint8_t)(p - it->start);
		it->p = it->end;
		return false;
	}
	el->type = p[1];
	el->len = (uint8_t)(p[0] - 1);
	el->data = p + 2;
	it->p = p + p[0] + 1;
	it->n++;
	return true;
}

/* Walk @len bytes of AD structures. Returns 0 when every element was well formed, or
 * -EBADMSG when a zero length before the end (other than trailing zero padding) or a length
 * past the end stopped the walk; what was found before that is still filled in. */
int ad_parse(const uint8_t *data, size_t len, struct ad_info *out);

/* The first service-data element with 16-bit UUID @uuid, or NULL. */
const struct ad_svc *ad_find_svc(const struct ad_info *ad, uint16_t uuid);

#endif
