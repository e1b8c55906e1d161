/* SPDX-License-Identifier: MIT */
/* gatt_connect.c — bringing a job's link up through bluetoothd: Device1.Connect for a
 * device it knows, Adapter1.ConnectDevice for one it does not (bluetoothd -E), else a short
 * LE discovery first; Connects that fail at once are tried again while the connect
 * time-out runs. gatt.c's queue calls gatt__connect_dev() and goes on from its device
 * events (Connected, ServicesResolved). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "gatt/gatt_int.h"
#include "util/hex.h"
#include "util/log.h"

#define CONNECT_RETRY_US 250000ull /* between Connects that failed at once */

static int on_connect_reply(sd_bus_message *m, void *data, sd_bus_error *e);

void gatt__stop_discovery(struct conn *c)
{
	const struct bluez_obj *a = bluez_adapter(c->g->bz, c->g->adapter);

	if (c->discovering && a && gatt__watching(c->g))
		gatt__watch_filter(c->g); /* the watch's discovery goes on, with its filter */
	else if (c->discovering && a)
		sd_bus_call_method_async(c->g->bus, NULL, BLUEZ_SERVICE, a->path,
					 "org.bluez.Adapter1", "StopDiscovery", NULL, NULL, "");
	c->discovering = false;
}

/* Device1.Connect on c->dev; the op ends with error 1 if it cannot be called. */
void gatt__call_connect(struct conn *c)
{
	if (sd_bus_call_method_async(c->g->bus, &c->call, BLUEZ_SERVICE, c->dev,
				     "org.bluez.Device1", "Connect", on_connect_reply, c, "") < 0) {
		gatt__stop_timer(c);
		gatt__finish(c, GATT_ERR_CONNECT);
	}
}

/* The device turned up in our discovery: connect to it. */
void gatt__connect_found(struct conn *c, const struct bluez_obj *d)
{
	gatt__stop_discovery(c);
	snprintf(c->dev, sizeof(c->dev), "%s", d->path);
	gatt__call_connect(c);
}

static int on_discovery_reply(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct conn *c = data;
	const char *name = NULL;
	const struct bluez_obj *d;

	(void)e;
	/* InProgress: someone else's discovery finds it as well */
	if (gatt__call_done(m, c, &name) < 0 && strcmp(name, "org.bluez.Error.InProgress")) {
		gatt__stop_timer(c);
		gatt__finish(c, GATT_ERR_CONNECT);
		return 0;
	}
	c->discovering = true;
	if ((d = gatt__device(c)))
		gatt__connect_found(c, d);
	return 0;
}

/* bluetoothd without experimental features has no ConnectDevice: a short LE discovery
 * (filtered, so a non-discoverable peer is reported too), then Device1.Connect. */
static void discover(struct conn *c)
{
	const struct bluez_obj *a = bluez_adapter(c->g->bz, c->g->adapter);
	int r = -ENODEV;

	if (a) {
		sd_bus_call_method_async(c->g->bus, NULL, BLUEZ_SERVICE, a->path,
					 "org.bluez.Adapter1", "SetDiscoveryFilter", NULL, NULL,
					 "a{sv}", 1, "Transport", "s", "le");
		r = sd_bus_call_method_async(c->g->bus, &c->call, BLUEZ_SERVICE, a->path,
					     "org.bluez.Adapter1", "StartDiscovery",
					     on_discovery_reply, c, "");
	}
	if (r < 0) {
		gatt__stop_timer(c);
		gatt__finish(c, GATT_ERR_CONNECT);
	}
}

static int on_retry(sd_event_source *s, uint64_t usec, void *data)
{
	struct conn *c = data;

	(void)s;
	(void)usec;
	c->retry = sd_event_source_disable_unref(c->retry);
	gatt__call_connect(c);
	return 0;
}

/* A Connect that failed at once is tried again while the connect time-out runs: a job
 * queued behind a one-shot (or an op 5) connects the moment the last link went down, and
 * a peer that has not restarted its advertising yet makes the controller give up at once
 * (bluetoothd: le-connection-abort-by-local), where a moment later it would connect.
 * Returns whether a retry was armed. */
static bool retry_connect(struct conn *c, const char *name)
{
	if (!c->timer || !c->dev[0] || !name ||
	    (strcmp(name, "org.bluez.Error.Failed") && strcmp(name, "org.bluez.Error.InProgress") &&
	     strcmp(name, "org.bluez.Error.NotReady")))
		return false;
	c->retry = sd_event_source_disable_unref(c->retry);
	return sd_event_add_time_relative(c->g->ev, &c->retry, CLOCK_MONOTONIC, CONNECT_RETRY_US,
					  10000, on_retry, c) >= 0;
}

static int on_connect_reply(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct conn *c = data;
	const char *name = NULL, *path;
	const struct bluez_obj *d;

	(void)e;
	if (gatt__call_done(m, c, &name) < 0) {
		char mac[HEX_MAC_LEN];

		hex_mac(c->mac, mac);
		if (name && !strcmp(name, "org.freedesktop.DBus.Error.UnknownMethod") &&
		    !c->discovering) {
			log_info("gatt: %s: bluetoothd has no ConnectDevice (not run with -E): "
				 "discovering it first", mac);
			discover(c);
			return 0;
		}
		if (name && !strcmp(name, "org.bluez.Error.AlreadyExists")) {
			/* bluetoothd knew it after all (its signal was not in yet) */
			const struct bluez_obj *a = bluez_adapter(c->g->bz, c->g->adapter);

			if (!c->dev[0] && a && strlen(a->path) < BLUEZ_PATH_MAX - 24)
				snprintf(c->dev, sizeof(c->dev),
					 "%s/dev_%.2s_%.2s_%.2s_%.2s_%.2s_%.2s", a->path, mac,
					 mac + 3, mac + 6, mac + 9, mac + 12, mac + 15);
			if (c->dev[0]) {
				gatt__call_connect(c);
				return 0;
			}
		}
		if (retry_connect(c, name)) {
			log_info("gatt: %s: not connected yet (%s): trying again", mac, name);
			return 0;
		}
		log_notice("gatt: %s: could not connect (%s)", mac, name);
		gatt__stop_timer(c);
		gatt__finish(c, GATT_ERR_CONNECT);
		return 0;
	}
	if (sd_bus_message_read(m, "o", &path) > 0)
		snprintf(c->dev, sizeof(c->dev), "%s", path);
	d = gatt__device(c);
	if (d) {
		snprintf(c->dev, sizeof(c->dev), "%s", d->path);
		if (d->connected && d->resolved)
			gatt__execute(c);
	}
	/* else: Connected and ServicesResolved come as signals (on_device) */
	return 0;
}

void gatt__connect_dev(struct conn *c)
{
	const struct bluez_obj *a = bluez_adapter(c->g->bz, c->g->adapter);
	const struct bluez_obj *d = a ? bluez_device(c->g->bz, a->path, c->mac) : NULL;
	char mac[HEX_MAC_LEN];
	int r;

	if (!a) {
		log_notice("gatt: no powered Bluetooth adapter%s%s in bluetoothd",
			   c->g->adapter ? " " : "", c->g->adapter ? c->g->adapter : "");
		gatt__finish(c, GATT_ERR_CONNECT);
		return;
	}
	c->state = CONN_CONNECTING;
	gatt__start_timer(c, c->g->connect_timeout_us);
	if (d) {
		log_debug("gatt: connecting %s: connected %d (said %d), resolved %d", d->path,
			  d->connected, d->connected_prop, d->resolved);
		snprintf(c->dev, sizeof(c->dev), "%s", d->path);
		if (d->connected && d->resolved) {
			gatt__execute(c);
			return;
		}
		/* services are being resolved: on_device() goes on (and connects if this was
		 * the previous link, going down) */
		if (!d->connected)
			gatt__call_connect(c);
		return;
	}
	/* a device bluetoothd has not seen: ConnectDevice (bluetoothd -E) */
	hex_mac(c->mac, mac);
	r = sd_bus_call_method_async(c->g->bus, &c->call, BLUEZ_SERVICE, a->path,
				     "org.bluez.Adapter1", "ConnectDevice", on_connect_reply, c,
				     "a{sv}", 2, "Address", "s", mac, "AddressType", "s",
				     c->queue->ctx.addr_type & 1 ? "random" : "public");
	if (r < 0) {
		gatt__stop_timer(c);
		gatt__finish(c, GATT_ERR_CONNECT);
	}
}
