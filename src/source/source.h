/* SPDX-License-Identifier: MIT */
/* source.h — the one interface of the live radio sources (mgmt.c, hci.c, h4.c; BlueZ D-Bus
 * next): each turns its input into struct adv records for a callback and fills a
 * struct source_ops. Sources never own an event loop: they expose an fd and a process
 * call (BlueZ mainloop style), so tests drive them over socketpair()/pty/files, and
 * radio.c drives every kind through the source_*() calls below without knowing which. */
#ifndef MI32_SOURCE_H
#define MI32_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/adv.h"

struct source;

/* Called once per advertisement. @adv is valid only during the call; copy what you keep. */
typedef void (*source_adv_fn)(const struct adv *adv, void *user_data);

/* Default scan interval and window (0.625 ms units): a 100 % duty cycle, because a sensor
 * listener misses adverts in every gap. */
#define SOURCE_SCAN_DEFAULT 0x0060

enum source_state {
	SOURCE_STATE_IDLE,     /* created, not started */
	SOURCE_STATE_STARTING, /* set-up commands in flight */
	SOURCE_STATE_RUNNING,  /* scanning; adverts flow */
	SOURCE_STATE_FAILED,   /* a required step failed: see source_status.error */
	SOURCE_STATE_GONE,     /* the adapter went away; the source restarts if it returns */
};

/* What every source can say about itself. */
struct source_status {
	enum source_state state;
	bool have_addr;
	uint8_t addr[6];	/* adapter address, display order (MSB first) */
	uint16_t scan_interval; /* 0.625 ms units in use; 0: the kernel keeps its own */
	uint16_t scan_window;
	unsigned int duty_percent; /* window/interval; 0 when unknown */
	uint64_t last_adv_us;	   /* CLOCK_MONOTONIC µs of the last advert; 0: none */
	char error[256];	   /* why FAILED/GONE, one sentence, or "" */
};

/* The operations a source kind fills; NULL members are not needed by that kind. */
struct source_ops {
	const char *kind; /* "mgmt", "hci", "h4": for messages */
	/* Begin the set-up sequence; passive or @active scanning. 0 or -errno. */
	int (*start)(struct source *s, bool active);
	/* Watchdog: re-arm scanning. 0 or -errno. */
	int (*restart)(struct source *s);
	/* Best effort: stop scanning (NULL: start() stops whatever ran before). */
	int (*stop)(struct source *s);
	/* Handle what one read brought (a packet, or stream bytes). 0 or -errno. */
	int (*input)(struct source *s, const uint8_t *p, size_t len);
	/* Command time-outs at @now_us (CLOCK_MONOTONIC). 0 or -ETIMEDOUT. */
	int (*tick)(struct source *s, uint64_t now_us);
	/* Amend the status source_get_status() filled from the shared fields (NULL: none). */
	void (*status)(const struct source *s, struct source_status *out);
	/* Free the kind's own memory; source__release() does the shared part. */
	void (*free)(struct source *s);
};

/* The part every source shares, embedded first in each kind's struct. Open so it can be
 * embedded; outside src/source touch it only through the source_*() calls. */
struct source {
	const struct source_ops *ops;
	int fd; /* owned: closed by source__release() */
	source_adv_fn cb;
	void *user_data;
	void (*destroy)(void *user_data);

	/* the command sequence: one command in flight at a time */
	enum source_state state;
	int step;	      /* the kind's own step enum; 0 is "none" */
	uint16_t pending_op;  /* command awaiting its answer, 0: none */
	uint64_t cmd_sent_us; /* CLOCK_MONOTONIC */
	bool active;
	bool restarting;
	uint16_t interval, window;
	bool have_addr;
	uint8_t addr[6];
	uint64_t last_adv_us;
	char error[256];

	/* reading */
	uint8_t *buf; /* the kind's read buffer, sized so one read is one packet */
	size_t buf_size;
	unsigned int max_reads; /* per source_process(), so one busy fd cannot starve others */
	bool stream;		/* a byte stream (tty): read(), EIO is a hang-up */
	int busy;		/* > 0 while inside process/input */
	bool dead;		/* source_free() was called from a callback */
};

/* The fd to poll for input. */
int source_fd(const struct source *s);
int source_start(struct source *s, bool active);
int source_restart(struct source *s);
/* Best effort. Returns 0 or -errno. */
int source_stop(struct source *s);
/* Read every pending input (at most max_reads), advance the sequence, deliver adverts.
 * Returns 0, -ECONNRESET on hang-up, -ENODEV when the adapter went away, the first
 * error a command gave (sentence in source_status.error), or -errno from the read. */
int source_process(struct source *s);
/* Feed what one read would bring, as source_process() does; for tests and fuzzers. */
int source_input(struct source *s, const uint8_t *p, size_t len);
int source_tick(struct source *s, uint64_t now_us);
/* LE scan interval and window, 0.625 ms units: 0x0004..0x4000, window <= interval (Core
 * Vol 4 Part E 7.8.10, which the kernel enforces too). Applies at the next start or
 * restart. 0 or -EINVAL. */
int source_set_scan_params(struct source *s, uint16_t interval, uint16_t window);
void source_get_status(const struct source *s, struct source_status *out);
/* Runs @destroy(user_data) and closes the fd. Safe from inside the advert callback (the
 * free is deferred until the source returns). NULL is a no-op. */
void source_free(struct source *s);

/* --- for the files of src/source only --- */

/* A kind's set-up sequence for source__advance(): steps run in order up to @running. */
struct source_seq {
	int running; /* the last step: reaching it means RUNNING */
	/* Is @step needed now (given what is known and whether this is a restart)? */
	bool (*wanted)(const struct source *s, int step);
	/* Send @step's command (source__sent() first); 0, or source__fail()'s error. */
	int (*send)(struct source *s, int step);
};

/* An AF_BLUETOOTH HCI socket (non-blocking, close-on-exec) bound to adapter @dev (0xFFFF:
 * none) on @channel (raw 0, user 1, control 3). Returns the fd; or -errno with a sentence
 * in @err when the socket cannot be made (@what names it: "an HCI socket"); or -errno
 * with @err empty when bind() refused, for the caller to explain. */
int source__hci_socket(uint16_t dev, unsigned short channel, const char *what,
		       char err[static 256]);
/* Fill the shared part: @ops, @fd (owned once this succeeds), @cb (required), defaults.
 * Returns 0 or -EINVAL (bad fd or no callback). */
int source__init(struct source *s, const struct source_ops *ops, int fd, source_adv_fn cb,
		 void *user_data, void (*destroy)(void *user_data));
/* Run @destroy(user_data) and close the fd: the shared half of an ops->free. */
void source__release(struct source *s);
/* Stamp the advert time and hand @adv to the callback. */
void source__deliver(struct source *s, const struct adv *adv);
/* Enter STARTING (a fresh start, or a restart that skips what is known). */
void source__begin(struct source *s, bool restarting);
/* Note that @op was sent at step @step and now awaits its answer. */
void source__sent(struct source *s, int step, uint16_t op);
/* Send the first wanted step at or after @from; RUNNING when none is left. Returns 0 or
 * the send's error. */
int source__advance(struct source *s, int from, const struct source_seq *seq);
/* FAILED with one sentence: the sequence stops; returns @err. */
int source__fail(struct source *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* True when the command in flight has waited @timeout_us or more at @now_us. */
bool source__overdue(const struct source *s, uint64_t now_us, uint64_t timeout_us);

#endif
