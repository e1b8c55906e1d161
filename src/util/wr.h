/* SPDX-License-Identifier: MIT */
/* wr.h — the writing twin of rd.h: a bounds-checked cursor that builds a packet in a
 * caller's buffer. An overrun is sticky: it sets w->err and writes nothing more, so an
 * encoder writes a whole layout and checks wr_ok() once before sending it. */
#ifndef MI32_WR_H
#define MI32_WR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wr {
	uint8_t *p;
	size_t size;
	size_t off;
	bool err;
};

static inline struct wr wr_init(uint8_t *p, size_t size)
{
	struct wr w = { p, size, 0, false };
	return w;
}

/* Bytes written so far. */
static inline size_t wr_len(const struct wr *w)
{
	return w->off;
}

static inline bool wr_ok(const struct wr *w)
{
	return !w->err;
}

/* Room for @n more bytes: a pointer to them, or NULL (and the sticky error) when full. */
static inline uint8_t *wr_put(struct wr *w, size_t n)
{
	uint8_t *q;

	if (w->err || w->size - w->off < n) {
		w->err = true;
		return NULL;
	}
	q = w->p + w->off;
	w->off += n;
	return q;
}

static inline void wr_u8(struct wr *w, uint8_t v)
{
	uint8_t *q = wr_put(w, 1);

	if (q)
		q[0] = v;
}

static inline void wr_le16(struct wr *w, uint16_t v)
{
	uint8_t *q = wr_put(w, 2);

	if (q) {
		q[0] = (uint8_t)v;
		q[1] = (uint8_t)(v >> 8);
	}
}

/* Copy @n bytes from @src (NULL with @n 0 is fine). */
static inline void wr_bytes(struct wr *w, const void *src, size_t n)
{
	uint8_t *q = wr_put(w, n);

	if (q && n)
		memcpy(q, src, n);
}

/* @n zero bytes (padding, reserved fields). */
static inline void wr_zero(struct wr *w, size_t n)
{
	uint8_t *q = wr_put(w, n);

	if (q)
		memset(q, 0, n);
}

/* Text: printf into the buffer, always NUL-terminated after what fits (the NUL is not
 * counted in wr_len(), so the next call writes over it). Text that does not fit sets the
 * sticky error and writes nothing (wr.c). */
void wr_printf(struct wr *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
