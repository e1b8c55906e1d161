/* SPDX-License-Identifier: MIT */
/* console.c — command lines from standard input (console.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/console.h"
#include "util/log.h"

#define LINE_MAX_ 4096

struct console {
	console_line_fn line_fn;
	console_eof_fn eof_fn;
	void *user_data;
	sd_event_source *src;
	bool wait;               /* a pipe, file or socket: read it to its end before exit */
	bool deferred;           /* a regular file, read on console_read_deferred() */
	bool discard;            /* the rest of an over-long line: up to its newline */
	char line[LINE_MAX_];
	size_t len;
};

static void one_line(struct console *c, char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line && *line != '#')
		c->line_fn(line, c->user_data);
}

static int on_stdin(sd_event_source *s, int fd, uint32_t revents, void *user_data)
{
	struct console *c = user_data;
	ssize_t n;

	(void)revents;
	n = read(fd, c->line + c->len, sizeof(c->line) - 1 - c->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		if (c->len && !c->discard) { /* a last line without a newline */
			c->line[c->len] = '\0';
			one_line(c, c->line);
		}
		c->len = 0;
		sd_event_source_unref(s);
		c->src = NULL;
		c->eof_fn(c->user_data);
		return 0;
	}
	c->len += (size_t)n;
	for (;;) {
		char *nl = memchr(c->line, '\n', c->len);
		size_t used;

		if (!nl) {
			if (c->len == sizeof(c->line) - 1) {
				if (!c->discard)
					log_warn("console line longer than %zu bytes ignored",
						 sizeof(c->line) - 1);
				c->len = 0;
				c->discard = true;
			}
			break;
		}
		*nl = '\0';
		if (nl > c->line && nl[-1] == '\r')
			nl[-1] = '\0';
		/* the tail of a refused line is not a command of its own */
		if (!c->discard)
			one_line(c, c->line);
		c->discard = false;
		used = (size_t)(nl - c->line) + 1;
		memmove(c->line, nl + 1, c->len - used);
		c->len -= used;
	}
	return 0;
}

/* A regular file on stdin: epoll cannot watch it, so it is read whole, at once. */
static void read_file(struct console *c)
{
	char buf[LINE_MAX_];
	FILE *f = fdopen(dup(STDIN_FILENO), "r");

	c->deferred = false;
	while (f && fgets(buf, sizeof(buf), f)) {
		size_t n = strlen(buf);

		if (n == sizeof(buf) - 1 && buf[n - 1] != '\n') {
			int ch;

			log_warn("console line longer than %zu bytes ignored", sizeof(buf) - 2);
			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
			continue;
		}
		buf[strcspn(buf, "\r\n")] = '\0';
		one_line(c, buf);
	}
	if (f)
		fclose(f);
}

int console_new(sd_event *ev, bool defer_file, console_line_fn line, console_eof_fn eof,
		void *user_data, struct console **out)
{
	struct console *c = calloc(1, sizeof(*c));
	struct stat st;

	*out = c;
	if (!c)
		return -ENOMEM;
	c->line_fn = line;
	c->eof_fn = eof;
	c->user_data = user_data;
	if (fstat(STDIN_FILENO, &st) < 0)
		return 0;
	/* /dev/null (systemd) gives nothing */
	if (S_ISCHR(st.st_mode) && !isatty(STDIN_FILENO))
		return 0;
	if (S_ISREG(st.st_mode)) {
		/* after a replay, as a pipe's lines under --fast: now they would see an empty
		 * store at 1970-01-01 (issue 17 #9) */
		if (defer_file)
			c->deferred = true;
		else
			read_file(c);
		return 0;
	}
	c->wait = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
	if (sd_event_add_io(ev, &c->src, STDIN_FILENO, EPOLLIN, on_stdin, c) < 0)
		c->wait = false;
	return 0;
}

bool console_pending(const struct console *c)
{
	return c && c->wait && c->src;
}

void console_read_deferred(struct console *c)
{
	if (c && c->deferred)
		read_file(c);
}

void console_free(struct console *c)
{
	if (!c)
		return;
	sd_event_source_unref(c->src);
	free(c);
}
