/* SPDX-License-Identifier: MIT */
/* wr.c — see wr.h: the one piece of it that is not inline, text (the Prometheus metrics, an
 * SVG). */
#include <stdarg.h>
#include <stdio.h>

#include "util/wr.h"

void wr_printf(struct wr *w, const char *fmt, ...)
{
	va_list ap;
	size_t room = w->size - w->off;
	int n;

	if (w->err || !room) {
		w->err = true;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf((char *)w->p + w->off, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		w->p[w->off] = '\0'; /* nothing of it: the text so far stays whole */
		w->err = true;
		return;
	}
	w->off += (size_t)n;
}
