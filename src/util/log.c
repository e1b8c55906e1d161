/* SPDX-License-Identifier: MIT */
/* log.c — stderr logging with sd-daemon priority prefixes ("<4>..."), which journald turns
 * into priorities and a terminal shows as a short tag. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/log.h"

static int level = LOG_INFO_;
static void (*listener)(void *user_data, int level, const char *line);
static void *listener_data;
static int in_listener; /* a listener that logs must not recurse */

void log_set_listener(void (*fn)(void *user_data, int level, const char *line),
		      void *user_data)
{
	listener = fn;
	listener_data = user_data;
}

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
	if (listener && !in_listener) {
		char line[512];
		va_list aq;

		va_copy(aq, ap);
		vsnprintf(line, sizeof(line), fmt, aq);
		va_end(aq);
		in_listener = 1;
		listener(listener_data, l, line);
		in_listener = 0;
	}
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
