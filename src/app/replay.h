/* SPDX-License-Identifier: MIT */
/* replay.h — `--replay FILE`: a capture fed to the daemon as if it were heard now. In real
 * time each record is delivered when it is due and stamped with the wall clock, so the
 * outputs look live; under --fast the records go out as fast as the loop turns, keeping the
 * capture's own timestamps (the daemon then runs on the capture's clock). --loop starts the
 * file over, a second after its last record, with time still moving forward. */
#ifndef MI32_REPLAY_H
#define MI32_REPLAY_H

#include <stdbool.h>

#include <systemd/sd-event.h>

#include "decode/adv.h"

struct replay;
struct store;

struct replay_opts {
	const char *path;
	bool fast;
	bool loop;
};

/* One record, on the daemon's loop. */
typedef void (*replay_adv_fn)(const struct adv *adv, void *user_data);
/* The capture ended (never under --loop, unless it fails): @failed says it was cut by an
 * error, already logged with the file's name. Called once. */
typedef void (*replay_end_fn)(bool failed, void *user_data);

/* Open @o->path and schedule the replay on @ev. @store's frame counters are forgotten at
 * every --loop pass (the counters start over with the recording: not replays). Returns 0,
 * or a negative errno with the reason logged. */
int replay_new(sd_event *ev, struct store *store, const struct replay_opts *o,
	       replay_adv_fn adv, replay_end_fn end, void *user_data, struct replay **out);
void replay_free(struct replay *r); /* NULL is a no-op */

#endif
