/* SPDX-License-Identifier: MIT */
/* log.c — stderr logging with sd-daemon priority prefixes ("<4>..."), which journald turns
 * into priorities and a terminal shows as a short tag. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static int level = LOG_INFO_;

void log_set_level(int l)
{
	level = l;
}

int log_level(void)
{
	return level;
}

void log_msg(int l, const char *fmt, ...)
{
	static const char *tag[] = { "", "", "", "error: ", "warning: ", "", "", "debug: " };
	static int journal = -1;
	va_list ap;

	if (l > level)
		return;
	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL; /* set by systemd for its stream */
	va_start(ap, fmt);
	if (journal)
		fprintf(stderr, "<%d>", l);
	else
		fprintf(stderr, "mi32: %s", tag[l & 7]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
