/* SPDX-License-Identifier: MIT */
/* test_replay.c — a capture delivered on an sd-event loop: every record in order with its
 * own timestamps under --fast, the end said once, --loop moving time forward, and a file
 * that vanishes between two passes ending the replay with an error, not a crash. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/replay.h"
#include "source/capture.h"
#include "store/store.h"
#include "../util/tmpdir.h"

#define N_REC 5

struct seen {
	sd_event *ev;
	unsigned int n;
	uint64_t t[64];
	int ends;
	bool failed;
	const char *unlink_after; /* removed once the first pass is delivered */
	unsigned int stop_after;  /* exit the loop after this many records (--loop) */
};

static void on_adv(const struct adv *a, void *user_data)
{
	struct seen *s = user_data;

	if (s->n < 64)
		s->t[s->n] = a->time_us;
	s->n++;
	if (s->unlink_after && s->n == N_REC)
		unlink(s->unlink_after);
	if (s->stop_after && s->n == s->stop_after)
		sd_event_exit(s->ev, 0);
}

static void on_end(bool failed, void *user_data)
{
	struct seen *s = user_data;

	s->ends++;
	s->failed = failed;
	sd_event_exit(s->ev, 0);
}

static void write_capture(const char *path)
{
	char err[CAPTURE_ERR_LEN];
	struct capture_writer *w;

	assert_int_equal(capture_writer_open(&w, path, err), 0);
	for (int i = 0; i < N_REC; i++) {
		struct adv a = { .addr = { 0xa4, 0xc1, 0x38, 0, 0, (uint8_t)i }, .rssi = -60,
				 .len = 3, .data = { 2, 1, 6 },
				 .time_us = 1700000000000000ull + (uint64_t)i * 2000000u };

		assert_int_equal(capture_write_adv(w, &a), 0);
	}
	assert_int_equal(capture_writer_close(w), 0);
}

struct fx {
	char dir[64];
	char path[128];
	struct store *store;
	struct seen seen;
};

static int setup(void **state)
{
	static struct fx fx;
	struct store_config sc = STORE_CONFIG_DEFAULT;

	memset(&fx, 0, sizeof(fx));
	if (tmpdir_make(fx.dir, "replay") < 0)
		return -1;
	snprintf(fx.path, sizeof(fx.path), "%s/cap.btsnoop", fx.dir);
	write_capture(fx.path);
	fx.store = store_new(&sc);
	if (!fx.store || sd_event_new(&fx.seen.ev) < 0)
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	store_free(fx->store);
	sd_event_unref(fx->seen.ev);
	return tmpdir_remove(fx->dir);
}

static void run(struct fx *fx, bool fast, bool loop)
{
	struct replay_opts o = { fx->path, fast, loop };
	struct replay *r;

	assert_int_equal(replay_new(fx->seen.ev, fx->store, &o, on_adv, on_end, &fx->seen, &r), 0);
	assert_true(sd_event_loop(fx->seen.ev) >= 0);
	replay_free(r);
}

static void test_fast_keeps_the_capture_clock(void **state)
{
	struct fx *fx = *state;

	run(fx, true, false);
	assert_int_equal(fx->seen.n, N_REC);
	assert_int_equal(fx->seen.ends, 1);
	assert_false(fx->seen.failed);
	for (int i = 0; i < N_REC; i++)
		assert_true(fx->seen.t[i] == 1700000000000000ull + (uint64_t)i * 2000000u);
}

static void test_loop_moves_time_forward(void **state)
{
	struct fx *fx = *state;

	fx->seen.stop_after = 2 * N_REC + 1;
	run(fx, true, true);
	assert_int_equal(fx->seen.ends, 0);
	/* the second pass starts a second after the first one's last record */
	assert_true(fx->seen.t[N_REC] == fx->seen.t[N_REC - 1] + 1000000u);
	for (unsigned int i = 1; i < fx->seen.n && i < 64; i++)
		assert_true(fx->seen.t[i] > fx->seen.t[i - 1]);
}

static void test_file_gone_between_passes_fails_cleanly(void **state)
{
	struct fx *fx = *state;

	fx->seen.unlink_after = fx->path;
	run(fx, true, true);
	assert_int_equal(fx->seen.n, N_REC);
	assert_int_equal(fx->seen.ends, 1);
	assert_true(fx->seen.failed);
}

static void test_missing_file_is_refused(void **state)
{
	struct fx *fx = *state;
	struct replay_opts o = { "/nonexistent/cap.btsnoop", true, false };
	struct replay *r = (struct replay *)1;

	assert_true(replay_new(fx->seen.ev, fx->store, &o, on_adv, on_end, &fx->seen, &r) < 0);
	assert_null(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fast_keeps_the_capture_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_moves_time_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_gone_between_passes_fails_cleanly, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing_file_is_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
