/* SPDX-License-Identifier: MIT */
/* rd.h — a bounds-checked little cursor over a byte buffer, used by every decoder.
 * An overrun is sticky: it sets rd->err, yields 0, and every later read yields 0 too,
 * so a decoder reads a whole layout and checks rd_ok() once before trusting it. */
#ifndef MI32_RD_H
#define MI32_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

static inline struct rd rd_init(const uint8_t *p, size_t len)
{
	struct rd r = { p, len, 0, false };
	return r;
}

static inline size_t rd_left(const struct rd *r)
{
	return r->err ? 0 : r->len - r->off;
}

static inline bool rd_ok(const struct rd *r)
{
	return !r->err;
}

/* Take @n bytes: a pointer to them, or NULL (and the sticky error) when short. */
static inline const uint8_t *rd_take(struct rd *r, size_t n)
{
	const uint8_t *q;

	if (r->err || r->len - r->off < n) {
		r->err = true;
		return NULL;
	}
	q = r->p + r->off;
	r->off += n;
	return q;
}

static inline uint8_t rd_u8(struct rd *r)
{
	const uint8_t *q = rd_take(r, 1);
	return q ? q[0] : 0;
}

static inline int8_t rd_s8(struct rd *r)
{
	return (int8_t)rd_u8(r);
}

static inline uint16_t rd_le16(struct rd *r)
{
	const uint8_t *q = rd_take(r, 2);
	return q ? (uint16_t)(q[0] | q[1] << 8) : 0;
}

static inline uint16_t rd_be16(struct rd *r)
{
	const uint8_t *q = rd_take(r, 2);
	return q ? (uint16_t)(q[0] << 8 | q[1]) : 0;
}

static inline uint32_t rd_le24(struct rd *r)
{
	const uint8_t *q = rd_take(r, 3);
	return q ? (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 : 0;
}

static inline uint32_t rd_le32(struct rd *r)
{
	const uint8_t *q = rd_take(r, 4);
	return q ? (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
			   (uint32_t)q[3] << 24
		 : 0;
}

/* Copy @n bytes into @out (zero-filled on overrun). */
static inline void rd_bytes(struct rd *r, void *out, size_t n)
{
	const uint8_t *q = rd_take(r, n);

	if (q)
		memcpy(out, q, n);
	else
		memset(out, 0, n);
}

static inline void rd_skip(struct rd *r, size_t n)
{
	(void)rd_take(r, n);
}

/* Little-endian helpers on raw pointers, for callers that already checked lengths. */
static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

#endif
