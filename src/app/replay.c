/* SPDX-License-Identifier: MIT */
/* replay.c — a capture file delivered record by record on the daemon's loop (replay.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "app/replay.h"
#include "source/capture.h"
#include "store/store.h"
#include "util/log.h"
#include "util/timefmt.h"

#define REPLAY_BATCH 256 /* records per loop turn under --fast: other events get a turn */

struct replay {
	struct replay_opts o;
	struct store *store;
	replay_adv_fn adv;
	replay_end_fn end;
	void *user_data;

	struct capture *cap;
	sd_event_source *src;
	uint64_t cap_first_us;   /* timestamp of the capture's first record */
	uint64_t cap_last_us;
	uint64_t wall_first_us;  /* wall clock when it was replayed */
	uint64_t loop_shift_us;  /* added per --loop pass so time keeps moving forward */
	struct adv next;         /* read but not yet due (real-time replay) */
	bool have_next;
};

/* @n: what next_record() said, 0 (the end) or an error */
static void finish(struct replay *r, int n)
{
	/* a failed reopen under --loop is logged already and leaves no capture to ask */
	if (n < 0 && r->cap)
		log_err("replay of %s: %s", r->o.path, capture_error(r->cap));
	sd_event_source_set_enabled(r->src, SD_EVENT_OFF);
	r->end(n < 0, r->user_data);
}

/* Read the next record, restarting the file under --loop. 1 = got one, 0 = done, <0 error */
static int next_record(struct replay *r, struct adv *a)
{
	char err[CAPTURE_ERR_LEN];
	int n = capture_next(r->cap, a);

	if (n == 0 && r->o.loop) {
		capture_free(r->cap);
		r->cap = NULL;
		if (capture_open(&r->cap, r->o.path, err) < 0) {
			log_err("%s", err);
			return -EIO;
		}
		/* the next pass continues where this one ended, a second later */
		r->loop_shift_us += r->cap_last_us - r->cap_first_us + 1000000u;
		store_forget_counters(r->store);
		n = capture_next(r->cap, a);
	}
	if (n <= 0)
		return n;
	if (!r->cap_first_us)
		r->cap_first_us = a->time_us ? a->time_us : 1;
	r->cap_last_us = a->time_us;
	a->time_us += r->loop_shift_us;
	return 1;
}

static int on_fast(sd_event_source *s, void *user_data)
{
	struct replay *r = user_data;
	struct adv a;

	(void)s;
	for (int i = 0; i < REPLAY_BATCH; i++) {
		int n = next_record(r, &a);

		if (n <= 0) {
			finish(r, n);
			return 0;
		}
		r->adv(&a, r->user_data);
	}
	return 0;
}

/* Real time: deliver every record that is due, then sleep until the next one. Records are
 * stamped with the wall clock, so a replayed capture looks live to every output. */
static int on_timer(sd_event_source *s, uint64_t usec, void *user_data)
{
	struct replay *r = user_data;
	uint64_t wall = timefmt_now_us();

	(void)usec;
	for (;;) {
		uint64_t due;

		if (!r->have_next) {
			int n = next_record(r, &r->next);

			if (n <= 0) {
				finish(r, n);
				return 0;
			}
			r->have_next = true;
			if (!r->wall_first_us)
				r->wall_first_us = wall;
		}
		due = r->wall_first_us + (r->next.time_us - r->cap_first_us);
		if (due > wall) {
			uint64_t mono;

			sd_event_now(sd_event_source_get_event(s), CLOCK_MONOTONIC, &mono);
			sd_event_source_set_time(s, mono + (due - wall));
			sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
			return 0;
		}
		r->have_next = false;
		r->next.time_us = wall;
		r->adv(&r->next, r->user_data);
	}
}

static int schedule(struct replay *r, sd_event *ev)
{
	int n;

	if (!r->o.fast)
		return sd_event_add_time(ev, &r->src, CLOCK_MONOTONIC, 0, 1000, on_timer, r);
	/* a defer source is ONESHOT by default: without ON the replay stops after its first
	 * batch and the daemon waits forever */
	n = sd_event_add_defer(ev, &r->src, on_fast, r);
	if (n >= 0)
		n = sd_event_source_set_enabled(r->src, SD_EVENT_ON);
	/* A defer source stays pending with its first iteration stamp, so at equal priority it
	 * always wins: a finite fast replay runs to its end first and piped commands apply
	 * after it (the same output on every run). An endless one (--loop) would starve the
	 * console, timers and sinks: idle priority lets every other event go first. */
	if (n >= 0 && r->o.loop)
		n = sd_event_source_set_priority(r->src, SD_EVENT_PRIORITY_IDLE);
	return n;
}

int replay_new(sd_event *ev, struct store *store, const struct replay_opts *o,
	       replay_adv_fn adv, replay_end_fn end, void *user_data, struct replay **out)
{
	char err[CAPTURE_ERR_LEN];
	struct replay *r = calloc(1, sizeof(*r));
	int n;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	*r = (struct replay){ .o = *o, .store = store, .adv = adv, .end = end,
			      .user_data = user_data };
	n = capture_open(&r->cap, o->path, err);
	if (n < 0) {
		log_err("%s", err);
		free(r);
		return n;
	}
	log_info("replaying %s (%s)%s%s", o->path, capture_format(r->cap), o->fast ? ", fast" : "",
		 o->loop ? ", in a loop" : "");
	n = schedule(r, ev);
	if (n < 0) {
		replay_free(r);
		return n;
	}
	*out = r;
	return 0;
}

void replay_free(struct replay *r)
{
	if (!r)
		return;
	sd_event_source_unref(r->src);
	capture_free(r->cap);
	free(r);
}
