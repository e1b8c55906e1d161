/* SPDX-License-Identifier: MIT */
/* jw.c — fixed-buffer JSON writer. Commas are placed by tracking whether the current level
 * already holds a value; a key suppresses the comma of the value that follows it. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/jw.h"

void jw_init(struct jw *w, char *buf, size_t size)
{
	w->buf = buf;
	w->size = size;
	w->len = 0;
	w->overflow = size == 0;
	w->need_comma = false;
	if (size)
		buf[0] = '\0';
}

static void put(struct jw *w, const char *s, size_t n)
{
	if (w->overflow)
		return;
	/* keep one byte for the terminating NUL */
	if (w->len + n + 1 > w->size) {
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void putc_(struct jw *w, char c)
{
	put(w, &c, 1);
}

static void value_prefix(struct jw *w)
{
	if (w->need_comma)
		putc_(w, ',');
	w->need_comma = true;
}

void jw_obj_begin(struct jw *w)
{
	value_prefix(w);
	putc_(w, '{');
	w->need_comma = false;
}

void jw_obj_end(struct jw *w)
{
	putc_(w, '}');
	w->need_comma = true;
}

void jw_arr_begin(struct jw *w)
{
	value_prefix(w);
	putc_(w, '[');
	w->need_comma = false;
}

void jw_arr_end(struct jw *w)
{
	putc_(w, ']');
	w->need_comma = true;
}

static void put_escaped(struct jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	putc_(w, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			put(w, e, 2);
		} else if (c == '\n') {
			put(w, "\\n", 2);
		} else if (c < 0x20 || c == 0x7f) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			put(w, e, 6);
		} else {
			putc_(w, (char)c);
		}
	}
	putc_(w, '"');
}

void jw_key(struct jw *w, const char *key)
{
	value_prefix(w);
	put_escaped(w, key, strlen(key));
	putc_(w, ':');
	w->need_comma = false;
}

void jw_str(struct jw *w, const char *s)
{
	jw_strn(w, s, strlen(s));
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
	value_prefix(w);
	put_escaped(w, s, n);
}

void jw_int(struct jw *w, long long v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%lld", v);

	value_prefix(w);
	put(w, b, (size_t)n);
}

void jw_uint(struct jw *w, unsigned long long v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%llu", v);

	value_prefix(w);
	put(w, b, (size_t)n);
}

void jw_bool(struct jw *w, bool v)
{
	value_prefix(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void jw_null(struct jw *w)
{
	value_prefix(w);
	put(w, "null", 4);
}

void jw_double(struct jw *w, double v, unsigned int decimals)
{
	char b[48];
	int n;

	if (!isfinite(v)) {
		jw_null(w);
		return;
	}
	if (decimals > 9)
		decimals = 9;
	n = snprintf(b, sizeof(b), "%.*f", (int)decimals, v);
	if (n < 0 || (size_t)n >= sizeof(b)) {
		jw_null(w);
		return;
	}
	/* "-0.0" reads oddly on a dashboard; a rounded negative zero is zero */
	if (b[0] == '-' && strspn(b + 1, "0.") == (size_t)n - 1) {
		memmove(b, b + 1, (size_t)n);
		n--;
	}
	value_prefix(w);
	put(w, b, (size_t)n);
}

void jw_hex(struct jw *w, const uint8_t *p, size_t n, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	value_prefix(w);
	putc_(w, '"');
	for (size_t i = 0; i < n; i++) {
		char h[2] = { digits[p[i] >> 4], digits[p[i] & 15] };
		put(w, h, 2);
	}
	putc_(w, '"');
}

void jw_raw(struct jw *w, const char *json)
{
	value_prefix(w);
	put(w, json, strlen(json));
}

int jw_finish(struct jw *w)
{
	if (w->overflow) {
		if (w->size)
			w->buf[0] = '\0';
		return -ENOSPC;
	}
	w->buf[w->len] = '\0';
	return (int)w->len;
}
