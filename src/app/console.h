/* SPDX-License-Identifier: MIT */
/* console.h — commands on standard input, a line each (`mi32 run` in a terminal, a pipe, a
 * file, or nothing under systemd). Blank lines and lines starting with '#' are skipped, a
 * trailing CR is dropped, an over-long line is refused with a warning. A pipe or file is
 * read to its end before a finished replay lets the daemon exit, so scripted commands are
 * never cut off. */
#ifndef MI32_CONSOLE_H
#define MI32_CONSOLE_H

#include <stdbool.h>

#include <systemd/sd-event.h>

struct console;

/* One command line, trimmed, never empty; @line may be modified. */
typedef void (*console_line_fn)(char *line, void *user_data);
/* Standard input ended (a pipe closed, or a file was read). */
typedef void (*console_eof_fn)(void *user_data);

/* Watch standard input on @ev. A regular file cannot be watched: it is read now, or, with
 * @defer_file, when console_read_deferred() is called (after a replay, whose state its
 * commands are meant for). /dev/null gives nothing. Returns 0 or -ENOMEM. */
int console_new(sd_event *ev, bool defer_file, console_line_fn line, console_eof_fn eof,
		void *user_data, struct console **out);
/* A pipe (or socket) that has not ended yet: wait for it before exiting. */
bool console_pending(const struct console *c);
/* Read the deferred file, if there is one. */
void console_read_deferred(struct console *c);
void console_free(struct console *c); /* NULL is a no-op */

#endif
