/* SPDX-License-Identifier: MIT */
/* radio.h — the live source the config asks for (kernel mgmt socket by default, raw or user
 * HCI channel, or an H4 UART), on the daemon's sd-event loop, with its scan watchdog and
 * its state: scanning, paused, or down with the reason and the fix. While the adapter is
 * gone it tries again with backoff and picks the adapter up when it comes back. */
#ifndef MI32_RADIO_H
#define MI32_RADIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "source/source.h"

struct config;
struct radio;

enum radio_state {
	RADIO_STATE_STARTING, /* setting the adapter up */
	RADIO_STATE_SCANNING, /* adverts flow */
	RADIO_STATE_PAUSED,   /* the scan is being re-armed (watchdog, active/passive switch) */
	RADIO_STATE_DOWN, /* no adapter, or it failed: see reason; tried again with backoff */
};

struct radio_status {
	enum radio_state state;
	char adapter[32];	/* "hci0", "H4 UART" */
	bool active;		/* active scanning (MI32Option4) */
	uint16_t scan_interval; /* 0.625 ms units; 0: the kernel keeps its own */
	uint16_t scan_window;
	unsigned int duty_percent; /* window/interval in use; 0: unknown */
	uint64_t restarts;	   /* scans restarted by the watchdog */
	uint64_t reopens;	   /* attempts to open the source again while down */
	unsigned int retry_in_s;   /* DOWN: seconds to the next attempt; 0: waiting for the
				    * kernel to report the adapter back */
	char reason[256];	   /* DOWN/PAUSED: why, one sentence with the fix; else "" */
};

struct radio_opts {
	bool active;		 /* active scanning */
	unsigned int watchdog_s; /* restart a scan silent this long; 0: off */
	bool wait_adapter;	 /* no adapter at start: wait for one instead of exiting */
	const char *sysfs;	 /* where rfkill blocks are read; NULL: /sys (tests: a folder) */
};

/* How a radio makes its source (radio_new() picks one from the config; tests pass their
 * own). @open returns the source, or NULL with -errno in @rc and a sentence in @err;
 * it fills @name ("hci0") and @how (for the start-up line, static or borrowed). */
struct radio_opener {
	struct source *(*open)(const void *ctx, source_adv_fn cb, void *user_data,
			       char name[32], const char **how, char err[256], int *rc);
	const void *ctx; /* borrowed for the radio's life */
};

/* Open the source of @cfg and start scanning (passive unless option 4). Adverts reach @cb
 * stamped with the wall clock. Returns 0, or -errno with one sentence in @err saying what
 * to do (missing adapter, missing capability, no kernel support). With wait-adapter a
 * missing adapter is not an error: the radio starts DOWN and keeps trying. @cfg is
 * borrowed for the radio's life. */
int radio_new(struct radio **out, const struct config *cfg, sd_event *ev, source_adv_fn cb,
	      void *user_data, char err[256]);
/* The same with an explicit @opener (tests: a source over a socketpair). */
int radio_new_with(struct radio **out, const struct radio_opts *opts,
		   const struct radio_opener *opener, sd_event *ev, source_adv_fn cb,
		   void *user_data, char err[256]);
void radio_free(struct radio *r); /* NULL is a no-op */

/* Once a second, with CLOCK_MONOTONIC µs: command time-outs, the watchdog that restarts a
 * silent scan, and the next attempt while down. */
void radio_tick(struct radio *r, uint64_t mono_us);

/* MI32Option4: switch between passive and active scanning (restarts the scan). */
int radio_set_active(struct radio *r, bool active);

/* The adapter address as 12 upper-case hex digits, once known. 0 or -ENODATA. */
int radio_address(struct radio *r, char *buf, size_t size);

void radio_get_status(const struct radio *r, struct radio_status *out);
/* One line for people (systemd's STATUS=, logs): "scanning on hci0 (passive, duty 100 %)",
 * "radio down on hci0: <reason>; next try in 4 s". */
void radio_describe(const struct radio *r, char *buf, size_t size);
/* "starting", "scanning", "paused", "down". */
const char *radio_state_name(enum radio_state state);

#endif
