/* SPDX-License-Identifier: MIT */
/* radio.c — glue between the radio sources (mgmt.c, hci.c, h4.c behind struct source_ops),
 * which know nothing of event loops, and sd-event: one io source on their fd, a tick for
 * time-outs and the scan watchdog. Which source the config asks for is a row of
 * openers[]; everything after opening goes through source.h, so a new source kind is a
 * new file and a new row. The sources stamp adverts with CLOCK_MONOTONIC for the
 * watchdog; the store wants wall time, so each advert is re-stamped here (a copy on the
 * stack, no allocation). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source/h4.h"
#include "source/hci.h"
#include "source/mgmt.h"
#include "source/rfkill.h"
#include "util/clock.h"
#include "util/hex.h"
#include "app/config.h"
#include "util/log.h"
#include "app/radio.h"

/* Backoff between attempts to open the source again while it is down. */
#define RADIO_RETRY_MIN_S 1u
#define RADIO_RETRY_MAX_S 30u
#define RFKILL_HINT	  "rfkill unblock bluetooth"

struct radio {
	struct radio_opts opts;
	struct radio_opener opener;
	sd_event *ev;
	struct source *src; /* NULL while down */
	sd_event_source *io;
	source_adv_fn cb;
	void *user_data;
	uint64_t started_us;   /* monotonic, for the watchdog's grace period */
	uint64_t restarts;
	uint64_t reopens;
	bool ran;      /* the source reached RUNNING at least once */
	bool rearming; /* we restarted the scan: PAUSED until RUNNING again */
	bool down;     /* the source is closed; retry_at says when to try again */
	bool rfkilled; /* down because rfkill blocks the radio: try as soon as it lifts */
	uint64_t retry_at;
	unsigned int backoff_s;
	char name[32];
	const char *how;
	char reason[256]; /* why DOWN/PAUSED; the last one logged */
};

/* One way to open a source from the config (radio_opener.open with the config as ctx). */
struct opener {
	bool (*wanted)(const struct config *cfg); /* NULL: the default */
	struct source *(*open)(const void *ctx, source_adv_fn cb, void *user_data,
			       char name[32], const char **how, char err[256], int *rc);
};

static uint16_t adapter_index(const struct config *cfg)
{
	return cfg->hci >= 0 ? (uint16_t)cfg->hci : 0;
}

/* A constructor that failed leaves the fd to us. */
static struct source *opened(struct source *s, int fd, char err[256], int *rc)
{
	if (s)
		return s;
	if (fd >= 0) {
		close(fd);
		snprintf(err, 256, "out of memory");
		fd = -ENOMEM;
	}
	*rc = fd;
	return NULL;
}

static bool want_h4(const struct config *cfg)
{
	return cfg->hci_uart;
}

static struct source *open_h4(const void *ctx, source_adv_fn cb, void *user_data, char name[32],
			      const char **how, char err[256], int *rc)
{
	const struct config *cfg = ctx;
	int fd = h4_open_tty(cfg->hci_uart,
			     cfg->hci_uart_baud ? cfg->hci_uart_baud : H4_DEFAULT_BAUD, false,
			     err);

	snprintf(name, 32, "%s", "H4 UART");
	*how = cfg->hci_uart;
	return opened(fd >= 0 ? h4_source(h4_new(fd, cb, user_data, NULL)) : NULL, fd, err, rc);
}

static bool want_hci(const struct config *cfg)
{
	return cfg->hci_raw || cfg->hci_user;
}

static struct source *open_hci(const void *ctx, source_adv_fn cb, void *user_data,
			       char name[32], const char **how, char err[256], int *rc)
{
	const struct config *cfg = ctx;
	uint16_t index = adapter_index(cfg);
	int fd =
		hci_open_socket(index, cfg->hci_user ? HCI_CHANNEL_USER : HCI_CHANNEL_RAW, err);
	enum hci_mode mode = cfg->hci_user ? HCI_MODE_USER : HCI_MODE_RAW;

	snprintf(name, 32, "hci%u", index);
	*how = cfg->hci_user ? "HCI user channel" : "raw HCI";
	return opened(fd >= 0 ? hci_source(hci_new(fd, mode, cb, user_data, NULL)) : NULL, fd,
		      err, rc);
}

static struct source *open_mgmt(const void *ctx, source_adv_fn cb, void *user_data,
				char name[32], const char **how, char err[256], int *rc)
{
	const struct config *cfg = ctx;
	uint16_t index = adapter_index(cfg);
	int fd = mgmt_open_socket(err);

	snprintf(name, 32, "hci%u", index);
	*how = "kernel management socket";
	return opened(fd >= 0 ? mgmt_source(mgmt_new(fd, index, cb, user_data, NULL)) : NULL,
		      fd, err, rc);
}

/* First match wins; the last row is the default. */
static const struct opener openers[] = {
	{ want_h4, open_h4 },
	{ want_hci, open_hci },
	{ NULL, open_mgmt },
};

static void on_adv(const struct adv *adv, void *user_data)
{
	struct radio *r = user_data;
	struct adv a = *adv;

	a.time_us = clock_real_us();
	r->cb(&a, r->user_data);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *user_data);

/* @reason, prefixed with the adapter's name unless it names it first already. */
static void log_reason(const struct radio *r, const char *reason, const char *then)
{
	size_t n = strlen(r->name);

	if (strncmp(reason, r->name, n) == 0 && reason[n] == ':')
		log_err("%s%s", reason, then);
	else
		log_err("%s: %s%s", r->name, reason, then);
}

/* Say @reason once (not again while it stays the same). */
static void set_reason(struct radio *r, const char *reason, const char *then)
{
	if (strcmp(r->reason, reason) != 0)
		log_reason(r, reason, then);
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
}

/* Close the source and try again after the backoff. */
static void go_down(struct radio *r, uint64_t mono, const char *reason)
{
	char then[48];

	r->io = sd_event_source_disable_unref(r->io);
	source_free(r->src);
	r->src = NULL;
	r->down = true;
	r->backoff_s = r->backoff_s ? r->backoff_s * 2 : RADIO_RETRY_MIN_S;
	if (r->backoff_s > RADIO_RETRY_MAX_S)
		r->backoff_s = RADIO_RETRY_MAX_S;
	r->retry_at = mono + (uint64_t)r->backoff_s * 1000000u;
	snprintf(then, sizeof(then), "; trying again every %u s at most", RADIO_RETRY_MAX_S);
	set_reason(r, reason, then);
}

/* Open the source and listen on its fd. 0, or -errno with a sentence in @err. */
static int open_source(struct radio *r, char err[256])
{
	int rc = 0;

	err[0] = '\0';
	r->src = r->opener.open(r->opener.ctx, on_adv, r, r->name, &r->how, err, &rc);
	if (!r->src)
		return rc < 0 ? rc : -EIO;
	rc = sd_event_add_io(r->ev, &r->io, source_fd(r->src), EPOLLIN, on_io, r);
	if (rc >= 0)
		rc = source_start(r->src, r->opts.active);
	if (rc < 0) {
		snprintf(err, 256, "%s: could not start scanning: %s", r->name, strerror(-rc));
		r->io = sd_event_source_disable_unref(r->io);
		source_free(r->src);
		r->src = NULL;
		return rc;
	}
	r->down = false;
	r->started_us = clock_mono_us();
	return 0;
}

/* The source stopped with @err: wait for the kernel (adapter removed), try again later,
 * or, when the adapter never existed and nobody asked to wait for it, stop the daemon so
 * that the user (or systemd's Restart=) sees it. */
static void failed(struct radio *r, int err)
{
	struct source_status st;
	char reason[256];

	source_get_status(r->src, &st);
	snprintf(reason, sizeof(reason), "%s", st.error[0] ? st.error : strerror(-err));
	r->rfkilled = err == -ERFKILL;
	if (err == -ERFKILL && !strstr(reason, "rfkill") &&
	    strlen(reason) + sizeof(" (" RFKILL_HINT ")") <= sizeof(reason))
		strcat(reason, " (" RFKILL_HINT ")");
	if (st.state == SOURCE_STATE_GONE) {
		/* the source re-arms itself when the kernel reports the adapter back */
		set_reason(r, reason, "; waiting for it to come back");
		return;
	}
	if (!r->ran && err == -ENODEV && !r->opts.wait_adapter) {
		log_reason(r, reason, " (--wait-adapter keeps mi32 running until one appears)");
		r->io = sd_event_source_disable_unref(r->io);
		sd_event_exit(r->ev, err);
		return;
	}
	go_down(r, clock_mono_us(), reason);
}

/* Follow the source: RUNNING ends a pause and the backoff. */
static void follow(struct radio *r)
{
	struct source_status st;

	if (!r->src)
		return;
	source_get_status(r->src, &st);
	if (st.state != SOURCE_STATE_RUNNING)
		return;
	if (r->reason[0] && !r->rearming)
		log_info("%s: scanning again", r->name);
	r->ran = true;
	r->rearming = false;
	r->backoff_s = 0;
	r->reason[0] = '\0';
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *user_data)
{
	struct radio *r = user_data;
	int err;

	(void)s;
	(void)fd;
	(void)revents;
	err = source_process(r->src);
	if (err < 0 && err != -EAGAIN)
		failed(r, err);
	else
		follow(r);
	return 0;
}

int radio_new_with(struct radio **out, const struct radio_opts *opts,
		   const struct radio_opener *opener, sd_event *ev, source_adv_fn cb,
		   void *user_data, char err[256])
{
	struct radio *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r) {
		snprintf(err, 256, "out of memory");
		return -ENOMEM;
	}
	r->opts = *opts;
	r->opener = *opener;
	r->ev = ev;
	r->cb = cb;
	r->user_data = user_data;
	r->how = "";
	rc = open_source(r, err);
	if (rc == -ENODEV && opts->wait_adapter) {
		go_down(r, clock_mono_us(), err);
	} else if (rc < 0) {
		radio_free(r);
		return rc;
	} else {
		log_info("listening on %s (%s, %s scanning)", r->name, r->how,
			 r->opts.active ? "active" : "passive");
	}
	*out = r;
	return 0;
}

int radio_new(struct radio **out, const struct config *cfg, sd_event *ev, source_adv_fn cb,
	      void *user_data, char err[256])
{
	const struct opener *o = openers;
	struct radio_opts opts = {
		.active = cfg->option[4] == 1,
		.watchdog_s = cfg->scan_watchdog,
		.wait_adapter = cfg->wait_adapter,
	};
	struct radio_opener opener;

	while (o->wanted && !o->wanted(cfg))
		o++;
	opener.open = o->open;
	opener.ctx = cfg;
	return radio_new_with(out, &opts, &opener, ev, cb, user_data, err);
}

void radio_free(struct radio *r)
{
	if (!r)
		return;
	sd_event_source_disable_unref(r->io);
	source_free(r->src);
	free(r);
}

static void retry(struct radio *r, uint64_t mono)
{
	char err[256];

	r->reopens++;
	if (open_source(r, err) < 0) {
		go_down(r, mono, err);
		return;
	}
	log_info("%s: opened again (%s), setting it up", r->name, r->how);
}

/* The rfkill block that took the radio down is gone (`rfkill unblock`): a sysfs read once
 * a second, so scanning resumes at once rather than at the end of the backoff. The kernel
 * itself says nothing on the mgmt socket when a block lifts. */
static bool unblocked(const struct radio *r)
{
	int index;

	if (!r->rfkilled)
		return false;
	index = mgmt_index_from_name(r->name);
	return index >= 0 && rfkill_blocked(r->opts.sysfs, (uint16_t)index) == 0;
}

void radio_tick(struct radio *r, uint64_t mono)
{
	struct source_status st;
	uint64_t last;
	int err;

	if (!r)
		return;
	if (r->down) {
		if (mono >= r->retry_at || unblocked(r))
			retry(r, mono);
		return;
	}
	if (!r->src || !r->io)
		return; /* stopping the daemon */
	err = source_tick(r->src, mono);
	if (err < 0) {
		failed(r, err);
		return;
	}
	follow(r);
	source_get_status(r->src, &st);
	if (!r->opts.watchdog_s || st.state == SOURCE_STATE_GONE)
		return;
	/* the later of the last advert and the last (re)start: one restart per silent
	 * period, not one a second once the first has not helped */
	last = st.last_adv_us > r->started_us ? st.last_adv_us : r->started_us;
	if (mono - last > (uint64_t)r->opts.watchdog_s * 1000000u) {
		r->restarts++;
		log_warn("%s: no advertisement for %u s, restarting the scan (restart %llu)",
			 r->name, r->opts.watchdog_s, (unsigned long long)r->restarts);
		snprintf(r->reason, sizeof(r->reason),
			 "restarting the scan: no advertisement for %u s", r->opts.watchdog_s);
		r->rearming = true;
		r->started_us = mono;
		err = source_restart(r->src);
		if (err < 0)
			failed(r, err);
	}
}

int radio_set_active(struct radio *r, bool active)
{
	if (!r || r->opts.active == active)
		return 0;
	r->opts.active = active;
	if (!r->src)
		return 0; /* applies when the source is open again */
	log_info("%s: switching to %s scanning", r->name, active ? "active" : "passive");
	snprintf(r->reason, sizeof(r->reason), "switching to %s scanning",
		 active ? "active" : "passive");
	r->rearming = true;
	source_stop(r->src);
	return source_start(r->src, active);
}

int radio_address(struct radio *r, char *buf, size_t size)
{
	struct source_status st;

	if (!r || !r->src || size < 13)
		return -ENODATA;
	source_get_status(r->src, &st);
	if (!st.have_addr)
		return -ENODATA;
	hex_encode(st.addr, 6, buf, 1);
	return 0;
}

void radio_get_status(const struct radio *r, struct radio_status *out)
{
	struct source_status st = { 0 };

	memset(out, 0, sizeof(*out));
	snprintf(out->adapter, sizeof(out->adapter), "%s", r->name);
	out->active = r->opts.active;
	out->restarts = r->restarts;
	out->reopens = r->reopens;
	if (r->src)
		source_get_status(r->src, &st);
	out->scan_interval = st.scan_interval;
	out->scan_window = st.scan_window;
	out->duty_percent = st.duty_percent;
	if (!r->src || r->down || st.state == SOURCE_STATE_GONE ||
	    st.state == SOURCE_STATE_FAILED) {
		uint64_t now = clock_mono_us();

		out->state = RADIO_STATE_DOWN;
		if (r->down && r->retry_at > now)
			out->retry_in_s =
				(unsigned int)((r->retry_at - now + 999999u) / 1000000u);
	} else if (st.state == SOURCE_STATE_RUNNING) {
		out->state = RADIO_STATE_SCANNING;
		return;
	} else {
		out->state = r->rearming ? RADIO_STATE_PAUSED : RADIO_STATE_STARTING;
		if (!r->rearming)
			return;
	}
	snprintf(out->reason, sizeof(out->reason), "%s", r->reason);
}

void radio_describe(const struct radio *r, char *buf, size_t size)
{
	struct radio_status st;
	char duty[32] = "the kernel's duty cycle";

	radio_get_status(r, &st);
	if (st.duty_percent)
		snprintf(duty, sizeof(duty), "duty %u %%", st.duty_percent);
	switch (st.state) {
	case RADIO_STATE_SCANNING:
		snprintf(buf, size, "scanning on %s (%s, %s)", st.adapter,
			 st.active ? "active" : "passive", duty);
		return;
	case RADIO_STATE_STARTING:
		snprintf(buf, size, "starting %s", st.adapter);
		return;
	case RADIO_STATE_PAUSED:
		snprintf(buf, size, "paused on %s: %s", st.adapter, st.reason);
		return;
	case RADIO_STATE_DOWN:
		if (st.retry_in_s)
			snprintf(buf, size, "radio down on %s: %s; next try in %u s",
				 st.adapter, st.reason, st.retry_in_s);
		else
			snprintf(buf, size, "radio down on %s: %s", st.adapter, st.reason);
		return;
	}
	snprintf(buf, size, "%s", radio_state_name(st.state));
}

const char *radio_state_name(enum radio_state state)
{
	switch (state) {
	case RADIO_STATE_STARTING:
		return "starting";
	case RADIO_STATE_SCANNING:
		return "scanning";
	case RADIO_STATE_PAUSED:
		return "paused";
	case RADIO_STATE_DOWN:
		return "down";
	}
	return "unknown";
}
