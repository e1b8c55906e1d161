/* SPDX-License-Identifier: MIT */
/* jw.h — a JSON writer into a caller's fixed buffer, for the per-packet output (decode
 * results, SENSOR messages). No allocation; overflow is sticky and reported by jw_finish(). */
#ifndef MI32_JW_H
#define MI32_JW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jw {
	char *buf;
	size_t size;
	size_t len;
	bool overflow;
	bool need_comma; /* a value was written at the current nesting level */
};

void jw_init(struct jw *w, char *buf, size_t size);

void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key); /* the next value belongs to @key */

void jw_str(struct jw *w, const char *s);
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, long long v);
void jw_uint(struct jw *w, unsigned long long v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* A number with @decimals digits after the point (Tasmota writes 21.4, not 21.400000).
 * NaN and infinities become null. */
void jw_double(struct jw *w, double v, unsigned int decimals);
void jw_hex(struct jw *w, const uint8_t *p, size_t n, bool upper); /* as a string */
void jw_raw(struct jw *w, const char *json); /* already-encoded JSON value */

/* NUL-terminate. Returns the length, or -ENOSPC when the buffer was too small. */
int jw_finish(struct jw *w);

#endif
