/* SPDX-License-Identifier: MIT */
/* test_console.c — command lines from standard input: a pipe read as it arrives (blank
 * and '#' lines skipped, CR dropped, a last line without a newline kept, an over-long line
 * refused without losing the next one, the end said), and a regular file read at once or,
 * deferred, only when asked. Standard input is swapped for each case. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/console.h"
#include "util/log.h"
#include "../util/tmpdir.h"

struct got {
	sd_event *ev;
	char lines[8][64];
	unsigned int n;
	int eofs;
};

static void on_line(char *line, void *user_data)
{
	struct got *g = user_data;

	if (g->n < 8)
		snprintf(g->lines[g->n], sizeof(g->lines[0]), "%s", line);
	g->n++;
}

static void on_eof(void *user_data)
{
	struct got *g = user_data;

	g->eofs++;
	sd_event_exit(g->ev, 0);
}

static int saved_stdin = -1;

static int setup(void **state)
{
	static struct got g;

	memset(&g, 0, sizeof(g));
	saved_stdin = dup(STDIN_FILENO);
	if (saved_stdin < 0 || sd_event_new(&g.ev) < 0)
		return -1;
	*state = &g;
	return 0;
}

static int teardown(void **state)
{
	struct got *g = *state;

	dup2(saved_stdin, STDIN_FILENO);
	close(saved_stdin);
	sd_event_unref(g->ev);
	return 0;
}

static void test_pipe(void **state)
{
	struct got *g = *state;
	struct console *c;
	char longline[5000];
	int p[2];
	FILE *w;

	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	assert_int_equal(pipe(p), 0);
	assert_int_equal(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
	close(p[0]);
	assert_int_equal(console_new(g->ev, false, on_line, on_eof, g, &c), 0);
	assert_true(console_pending(c));
	w = fdopen(p[1], "w");
	assert_non_null(w);
	/* written before the loop runs: the whole text is in the pipe at the first read */
	fprintf(w, "Status 0\r\n\n   # a comment\n\tTelePeriod 30\n%s\nMI32Cfg\nState", longline);
	fclose(w);
	assert_true(sd_event_loop(g->ev) >= 0);
	assert_int_equal(g->eofs, 1);
	assert_false(console_pending(c));
	assert_int_equal(g->n, 4);
	assert_string_equal(g->lines[0], "Status 0");
	assert_string_equal(g->lines[1], "TelePeriod 30");
	assert_string_equal(g->lines[2], "MI32Cfg");
	assert_string_equal(g->lines[3], "State");
	console_free(c);
}

static void test_file_deferred_until_asked(void **state)
{
	struct got *g = *state;
	struct console *c;
	char dir[64], path[96];
	FILE *f;
	int fd;

	assert_int_equal(tmpdir_make(dir, "console"), 0);
	snprintf(path, sizeof(path), "%s/cmds", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# after the replay\nMI32Page 3\n", f);
	for (int i = 0; i < 5000; i++) /* an over-long line: refused whole, not in pieces */
		fputc('y', f);
	fputs("\nTelePeriod 10\n", f);
	fclose(f);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);

	assert_int_equal(console_new(g->ev, true, on_line, on_eof, g, &c), 0);
	assert_false(console_pending(c)); /* a file never holds the exit back */
	assert_int_equal(g->n, 0);
	console_read_deferred(c);
	assert_int_equal(g->n, 2);
	assert_string_equal(g->lines[0], "MI32Page 3");
	console_read_deferred(c); /* once */
	assert_int_equal(g->n, 2);
	console_free(c);

	/* not deferred: read at once */
	lseek(STDIN_FILENO, 0, SEEK_SET);
	assert_int_equal(console_new(g->ev, false, on_line, on_eof, g, &c), 0);
	assert_int_equal(g->n, 4);
	assert_string_equal(g->lines[3], "TelePeriod 10");
	assert_int_equal(g->eofs, 0);
	console_free(c);
	assert_int_equal(tmpdir_remove(dir), 0);
}

static void test_dev_null_gives_nothing(void **state)
{
	struct got *g = *state;
	struct console *c;
	int fd = open("/dev/null", O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	assert_int_equal(console_new(g->ev, false, on_line, on_eof, g, &c), 0);
	assert_false(console_pending(c));
	console_read_deferred(c);
	assert_int_equal(g->n, 0);
	console_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pipe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_deferred_until_asked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dev_null_gives_nothing, setup, teardown),
	};

	log_set_level(LOG_ERR_);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
