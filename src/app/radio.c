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
#include "util/clock.h"
#include "util/hex.h"
#include "app/config.h"
#include "util/log.h"
#include "app/radio.h"

struct radio {
	struct source *src;
	sd_event_source *io;
	source_adv_fn cb;
	void *user_data;
	bool active;
	unsigned int watchdog_s;
	uint64_t started_us;   /* monotonic, for the watchdog's grace period */
	uint64_t restarts;
	bool failed;
	char name[32];
};

/* One way to open a source. @open fills @name ("hci0") and @how (for the start-up line),
 * and returns the source, or NULL with a sentence in @err and -errno in @rc. */
struct opener {
	bool (*wanted)(const struct config *cfg); /* NULL: the default */
	struct source *(*open)(const struct config *cfg, source_adv_fn cb, void *user_data,
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

static struct source *open_h4(const struct config *cfg, source_adv_fn cb, void *user_data,
			      char name[32], const char **how, char err[256], int *rc)
{
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

static struct source *open_hci(const struct config *cfg, source_adv_fn cb, void *user_data,
			       char name[32], const char **how, char err[256], int *rc)
{
	uint16_t index = adapter_index(cfg);
	int fd =
		hci_open_socket(index, cfg->hci_user ? HCI_CHANNEL_USER : HCI_CHANNEL_RAW, err);
	enum hci_mode mode = cfg->hci_user ? HCI_MODE_USER : HCI_MODE_RAW;

	snprintf(name, 32, "hci%u", index);
	*how = cfg->hci_user ? "HCI user channel" : "raw HCI";
	return opened(fd >= 0 ? hci_source(hci_new(fd, mode, cb, user_data, NULL)) : NULL, fd,
		      err, rc);
}

static struct source *open_mgmt(const struct config *cfg, source_adv_fn cb, void *user_data,
				char name[32], const char **how, char err[256], int *rc)
{
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

/* Why the source stopped: its own sentence, else the errno's. */
static void log_failure(struct radio *r, int err)
{
	struct source_status st;

	source_get_status(r->src, &st);
	log_err("%s: %s", r->name, st.error[0] ? st.error : strerror(-err));
	r->failed = true;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *user_data)
{
	struct radio *r = user_data;
	int err;

	(void)fd;
	(void)revents;
	err = source_process(r->src);
	if (err < 0 && err != -EAGAIN) {
		/* the adapter went away or refused a command: say so once and stop listening;
		 * the daemon keeps serving what it has (a restart brings the radio back) */
		log_failure(r, err);
		sd_event_source_set_enabled(s, SD_EVENT_OFF);
	}
	return 0;
}

int radio_new(struct radio **out, const struct config *cfg, sd_event *ev, source_adv_fn cb,
	      void *user_data, char err[256])
{
	struct radio *r = calloc(1, sizeof(*r));
	const struct opener *o = openers;
	const char *how = "";
	int rc = 0;

	*out = NULL;
	if (!r) {
		snprintf(err, 256, "out of memory");
		return -ENOMEM;
	}
	r->cb = cb;
	r->user_data = user_data;
	r->watchdog_s = cfg->scan_watchdog;
	r->active = cfg->option[4] == 1;
	while (o->wanted && !o->wanted(cfg))
		o++;
	r->src = o->open(cfg, on_adv, r, r->name, &how, err, &rc);
	if (!r->src) {
		radio_free(r);
		return rc;
	}
	rc = sd_event_add_io(ev, &r->io, source_fd(r->src), EPOLLIN, on_io, r);
	if (rc >= 0)
		rc = source_start(r->src, r->active);
	if (rc < 0) {
		snprintf(err, 256, "%s: could not start scanning: %s", r->name, strerror(-rc));
		radio_free(r);
		return rc;
	}
	r->started_us = clock_mono_us();
	log_info("listening on %s (%s, %s scanning)", r->name, how,
		 r->active ? "active" : "passive");
	*out = r;
	return 0;
}

void radio_free(struct radio *r)
{
	if (!r)
		return;
	sd_event_source_disable_unref(r->io);
	source_free(r->src);
	free(r);
}

void radio_tick(struct radio *r, uint64_t now_us)
{
	uint64_t mono = clock_mono_us(), last;
	struct source_status st;
	int err;

	(void)now_us;
	if (!r || r->failed)
		return;
	err = source_tick(r->src, mono);
	if (err < 0) {
		log_failure(r, err);
		return;
	}
	if (!r->watchdog_s)
		return;
	source_get_status(r->src, &st);
	last = st.last_adv_us ? st.last_adv_us : r->started_us;
	if (mono - last > (uint64_t)r->watchdog_s * 1000000u) {
		r->restarts++;
		log_warn("%s: no advertisement for %u s, restarting the scan (restart %llu)",
			 r->name, r->watchdog_s, (unsigned long long)r->restarts);
		r->started_us = mono;
		if (source_restart(r->src) < 0)
			log_err("%s: the scan could not be restarted", r->name);
	}
}

int radio_set_active(struct radio *r, bool active)
{
	if (!r || r->active == active)
		return 0;
	r->active = active;
	log_info("%s: switching to %s scanning", r->name, active ? "active" : "passive");
	source_stop(r->src);
	return source_start(r->src, active);
}

int radio_address(struct radio *r, char *buf, size_t size)
{
	struct source_status st;

	if (!r || size < 13)
		return -ENODATA;
	source_get_status(r->src, &st);
	if (!st.have_addr)
		return -ENODATA;
	hex_encode(st.addr, 6, buf, 1);
	return 0;
}
