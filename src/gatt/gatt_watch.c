/* SPDX-License-Identifier: MIT */
/* gatt_watch.c — gatt_watch(): one device's adverts through a discovery of bluetoothd's.
 * `mi32 activate` checks a new bind key on the sensor's next encrypted advert with it: the
 * tool already talks to bluetoothd, which scans for it, so it needs no mgmt socket and no
 * CAP_NET_ADMIN of its own. DuplicateData makes bluetoothd report every advert, not only
 * those whose data changed. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gatt/gatt_int.h"
#include "util/log.h"

static int on_start_reply(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct gatt *g = data;
	const sd_bus_error *err = sd_bus_message_get_error(m);

	(void)e;
	g->watch.start = sd_bus_slot_unref(g->watch.start);
	/* InProgress: a connection's discovery of ours runs; it keeps running for the watch
	 * (gatt.c's stop_discovery) */
	if (err && strcmp(err->name, "org.bluez.Error.InProgress")) {
		log_notice("gatt: watching adverts: bluetoothd refused the discovery: %s",
			   err->message ? err->message : err->name);
		return 0;
	}
	g->watch.discovering = true;
	return 0;
}

void gatt__watch_filter(struct gatt *g)
{
	const struct bluez_obj *a = bluez_adapter(g->bz, g->adapter);

	if (a)
		sd_bus_call_method_async(g->bus, NULL, BLUEZ_SERVICE, a->path,
					 "org.bluez.Adapter1", "SetDiscoveryFilter", NULL, NULL,
					 "a{sv}", 2, "Transport", "s", "le", "DuplicateData", "b",
					 1);
}

static void start(struct gatt *g)
{
	const struct bluez_obj *a = bluez_adapter(g->bz, g->adapter);

	if (!a) {
		log_notice("gatt: watching adverts: no adapter %s at bluetoothd",
			   g->adapter ? g->adapter : "powered");
		return;
	}
	snprintf(g->watch.adapter, sizeof(g->watch.adapter), "%s", a->path);
	gatt__watch_filter(g);
	g->watch.start = sd_bus_slot_unref(g->watch.start);
	if (sd_bus_call_method_async(g->bus, &g->watch.start, BLUEZ_SERVICE, a->path,
				     "org.bluez.Adapter1", "StartDiscovery", on_start_reply, g,
				     "") < 0)
		log_notice("gatt: watching adverts: cannot ask bluetoothd for a discovery");
}

int gatt_watch(struct gatt *g, const uint8_t mac[6], gatt_adv_fn fn, void *user_data)
{
	if (g->watch.fn)
		return -EBUSY;
	memcpy(g->watch.mac, mac, 6);
	g->watch.fn = fn;
	g->watch.user_data = user_data;
	g->watch.discovering = false;
	if (gatt_ready(g))
		start(g);
	return 0;
}

void gatt_unwatch(struct gatt *g)
{
	if (!g->watch.fn)
		return;
	g->watch.fn = NULL;
	g->watch.start = sd_bus_slot_unref(g->watch.start);
	if (g->watch.discovering && g->bus)
		sd_bus_call_method_async(g->bus, NULL, BLUEZ_SERVICE, g->watch.adapter,
					 "org.bluez.Adapter1", "StopDiscovery", NULL, NULL, "");
	g->watch.discovering = false;
}

bool gatt__watching(const struct gatt *g)
{
	return g->watch.fn != NULL;
}

void gatt__watch_presence(struct gatt *g, bool present)
{
	if (!g->watch.fn)
		return;
	/* bluetoothd restarted: its discovery went with it */
	g->watch.discovering = false;
	if (present)
		start(g);
}

void gatt__watch_data(void *data, const struct bluez_obj *dev, uint16_t uuid16,
		      const uint8_t *v, size_t len)
{
	struct gatt *g = data;

	if (g->watch.fn && !memcmp(dev->mac, g->watch.mac, 6))
		g->watch.fn(dev->mac, uuid16, v, len, dev->rssi, g->watch.user_data);
}
