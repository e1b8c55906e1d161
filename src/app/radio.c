/* SPDX-License-Identifier: MIT */
/* radio.c — glue between the radio sources (mgmt.c, hci.c, h4.c), which know nothing of
 * event loops, and sd-event: one io source on their fd, a tick for time-outs and the scan
 * watchdog. The sources stamp adverts with CLOCK_MONOTONIC for the watchdog; the store
 * wants wall time, so each advert is re-stamped here (a copy on the stack, no allocation). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "source/h4.h"
#include "source/hci.h"
#include "source/mgmt.h"
#include "util/hex.h"
#include "util/timefmt.h"
#include "app/config.h"
#include "util/log.h"
#include "app/radio.h"

enum radio_kind { RADIO_MGMT, RADIO_HCI, RADIO_H4 };

struct radio {
	enum radio_kind kind;
	struct mgmt *mgmt;
	struct hci *hci;
	struct h4 *h4;
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

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void on_adv(const struct adv *adv, void *user_data)
{
	struct radio *r = user_data;
	struct adv a = *adv;

	a.time_us = timefmt_now_us();
	r->cb(&a, r->user_data);
}

static const char *error_of(struct radio *r)
{
	static char e[256];

	if (r->kind == RADIO_MGMT) {
		struct mgmt_info i;

		mgmt_get_info(r->mgmt, &i);
		snprintf(e, sizeof(e), "%s", i.error);
	} else {
		struct hci_info i;

		hci_get_info(r->kind == RADIO_H4 ? h4_hci(r->h4) : r->hci, &i);
		snprintf(e, sizeof(e), "%s", i.error);
	}
	return e;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *user_data)
{
	struct radio *r = user_data;
	int err = 0;

	(void)fd;
	(void)revents;
	switch (r->kind) {
	case RADIO_MGMT:
		err = mgmt_process(r->mgmt);
		break;
	case RADIO_HCI:
		err = hci_process(r->hci);
		break;
	case RADIO_H4:
		err = h4_process(r->h4);
		break;
	}
	if (err < 0 && err != -EAGAIN) {
		/* the adapter went away or refused a command: say so once and stop listening;
		 * the daemon keeps serving what it has (a restart brings the radio back) */
		log_err("%s: %s", r->name, *error_of(r) ? error_of(r) : strerror(-err));
		sd_event_source_set_enabled(s, SD_EVENT_OFF);
		r->failed = true;
	}
	return 0;
}

static int start(struct radio *r)
{
	switch (r->kind) {
	case RADIO_MGMT:
		return mgmt_start(r->mgmt, r->active);
	case RADIO_HCI:
		return hci_start(r->hci, r->active);
	case RADIO_H4:
		return h4_start(r->h4, r->active);
	}
	return -EINVAL;
}

static int restart(struct radio *r)
{
	switch (r->kind) {
	case RADIO_MGMT:
		return mgmt_restart(r->mgmt);
	case RADIO_HCI:
		return hci_restart(r->hci);
	case RADIO_H4:
		return h4_restart(r->h4);
	}
	return -EINVAL;
}

int radio_new(struct radio **out, const struct config *cfg, sd_event *ev, source_adv_fn cb,
	      void *user_data, char err[256])
{
	struct radio *r = calloc(1, sizeof(*r));
	uint16_t index = cfg->hci >= 0 ? (uint16_t)cfg->hci : 0;
	int fd, rc;

	*out = NULL;
	if (!r) {
		snprintf(err, 256, "out of memory");
		return -ENOMEM;
	}
	r->cb = cb;
	r->user_data = user_data;
	r->watchdog_s = cfg->scan_watchdog;
	r->active = cfg->option[4] == 1;
	if (cfg->hci_uart) {
		r->kind = RADIO_H4;
		fd = h4_open_tty(cfg->hci_uart, cfg->hci_uart_baud ? cfg->hci_uart_baud : 115200,
				 false, err);
		if (fd >= 0 && !(r->h4 = h4_new(fd, on_adv, r, NULL)))
			fd = -ENOMEM;
		snprintf(r->name, sizeof(r->name), "%s", "H4 UART");
	} else if (cfg->hci_raw || cfg->hci_user) {
		r->kind = RADIO_HCI;
		fd = hci_open_socket(index, cfg->hci_user ? HCI_CHANNEL_USER : HCI_CHANNEL_RAW, err);
		if (fd >= 0 &&
		    !(r->hci = hci_new(fd, cfg->hci_user ? HCI_MODE_USER : HCI_MODE_RAW, on_adv, r,
				       NULL)))
			fd = -ENOMEM;
		snprintf(r->name, sizeof(r->name), "hci%u", index);
	} else {
		r->kind = RADIO_MGMT;
		fd = mgmt_open_socket(err);
		if (fd >= 0 && !(r->mgmt = mgmt_new(fd, index, on_adv, r, NULL)))
			fd = -ENOMEM;
		snprintf(r->name, sizeof(r->name), "hci%u", index);
	}
	if (fd == -ENOMEM)
		snprintf(err, 256, "out of memory");
	if (fd < 0) {
		radio_free(r);
		return fd;
	}
	rc = sd_event_add_io(ev, &r->io,
			     r->kind == RADIO_MGMT  ? mgmt_fd(r->mgmt)
			     : r->kind == RADIO_HCI ? hci_fd(r->hci)
						    : h4_fd(r->h4),
			     EPOLLIN, on_io, r);
	if (rc >= 0)
		rc = start(r);
	if (rc < 0) {
		snprintf(err, 256, "%s: could not start scanning: %s", r->name, strerror(-rc));
		radio_free(r);
		return rc;
	}
	r->started_us = mono_us();
	log_info("listening on %s (%s, %s scanning)", r->name,
		 r->kind == RADIO_MGMT ? "kernel management socket"
		 : r->kind == RADIO_HCI ? (cfg->hci_user ? "HCI user channel" : "raw HCI")
					: cfg->hci_uart,
		 r->active ? "active" : "passive");
	*out = r;
	return 0;
}

void radio_free(struct radio *r)
{
	if (!r)
		return;
	sd_event_source_disable_unref(r->io);
	mgmt_free(r->mgmt);
	hci_free(r->hci);
	h4_free(r->h4);
	free(r);
}

void radio_tick(struct radio *r, uint64_t now_us)
{
	uint64_t mono = mono_us(), last = 0;
	int err = 0;

	(void)now_us;
	if (!r || r->failed)
		return;
	switch (r->kind) {
	case RADIO_MGMT:
		err = mgmt_tick(r->mgmt, mono);
		last = mgmt_last_adv_time(r->mgmt);
		break;
	case RADIO_HCI:
		err = hci_tick(r->hci, mono);
		last = hci_last_adv_time(r->hci);
		break;
	case RADIO_H4:
		err = h4_tick(r->h4, mono);
		last = h4_last_adv_time(r->h4);
		break;
	}
	if (err < 0) {
		log_err("%s: %s", r->name, error_of(r));
		r->failed = true;
		return;
	}
	if (!r->watchdog_s)
		return;
	if (!last)
		last = r->started_us;
	if (mono - last > (uint64_t)r->watchdog_s * 1000000u) {
		r->restarts++;
		log_warn("%s: no advertisement for %u s, restarting the scan (restart %llu)",
			 r->name, r->watchdog_s, (unsigned long long)r->restarts);
		r->started_us = mono;
		if (restart(r) < 0)
			log_err("%s: the scan could not be restarted", r->name);
	}
}

int radio_set_active(struct radio *r, bool active)
{
	if (!r || r->active == active)
		return 0;
	r->active = active;
	log_info("%s: switching to %s scanning", r->name, active ? "active" : "passive");
	switch (r->kind) {
	case RADIO_MGMT:
		mgmt_stop(r->mgmt);
		break;
	case RADIO_HCI:
		hci_stop(r->hci);
		break;
	case RADIO_H4:
		break;
	}
	return start(r);
}

int radio_address(struct radio *r, char *buf, size_t size)
{
	bool have;
	uint8_t addr[6];

	if (!r || size < 13)
		return -ENODATA;
	if (r->kind == RADIO_MGMT) {
		struct mgmt_info i;

		mgmt_get_info(r->mgmt, &i);
		have = i.have_addr;
		memcpy(addr, i.addr, 6);
	} else {
		struct hci_info i;

		hci_get_info(r->kind == RADIO_H4 ? h4_hci(r->h4) : r->hci, &i);
		have = i.have_addr;
		memcpy(addr, i.addr, 6);
	}
	if (!have)
		return -ENODATA;
	hex_encode(addr, 6, buf, 1);
	return 0;
}
