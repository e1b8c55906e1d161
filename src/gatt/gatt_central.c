/* SPDX-License-Identifier: MIT */
/* gatt_central.c — the centrals that connect to mi32's GATT server, seen through
 * bluetoothd's Device1 objects: events 227 (connected), 228 (disconnected, advertising
 * again) and 230 (bonded), and the server's part in bluetoothd leaving and coming back. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "gatt/gatt_int.h"
#include "gatt/server_int.h"
#include "util/hex.h"
#include "util/log.h"

/* ---- centrals: connected, disconnected, bonded -------------------------------------- */

static struct srv_peer *peer_find(struct gatt_server *s, const char *path)
{
	for (unsigned int i = 0; i < s->n_peers; i++)
		if (!strcmp(s->peers[i].path, path))
			return &s->peers[i];
	return NULL;
}

static void le_mac(const uint8_t mac[6], uint8_t le[6])
{
	for (int i = 0; i < 6; i++)
		le[i] = mac[5 - i];
}

bool gatt__server_has_central(struct gatt *g, const char *path)
{
	return g->server && peer_find(g->server, path);
}

/* bluetoothd's Device1 reports every link alike; a link that our own client did not make
 * while we advertise connectable is a central that connected to us. */
void gatt__server_device(struct gatt *g, const struct bluez_obj *d)
{
	struct gatt_server *s = g->server;
	struct srv_peer *p;
	uint8_t le[6];
	char mac[HEX_MAC_LEN];

	const char *adapter;

	if (!s || !s->adv_wanted)
		return;
	/* only links of the adapter we advertise on: with two adapters, our own client's
	 * view of the other one is a device too */
	adapter = s->adv_adapter[0] ? s->adv_adapter : srv__adapter(s);
	if (!adapter || strcmp(d->parent, adapter))
		return;
	p = peer_find(s, d->path);
	le_mac(d->mac, le);
	hex_mac(d->mac, mac);
	if (d->connected && !p) {
		for (struct conn *c = g->conns; c; c = c->next)
			if (!memcmp(c->mac, d->mac, 6))
				return; /* our client's link */
		if (!srv__adv_connectable(s) || s->n_peers == SRV_PEERS_MAX)
			return;
		p = &s->peers[s->n_peers++];
		memset(p, 0, sizeof(*p));
		memcpy(p->mac, d->mac, 6);
		snprintf(p->path, sizeof(p->path), "%s", d->path);
		log_info("gatt server: central %s connected", mac);
		srv__event(s, GATT_EV_CONNECTED, GATT_OK, NULL, le, 6);
	} else if (!d->connected && p) {
		log_info("gatt server: central %s disconnected; advertising again", mac);
		*p = s->peers[--s->n_peers];
		srv__event(s, GATT_EV_DISCONNECTED, GATT_OK, NULL, NULL, 0);
		/* the kernel stops a connectable advertisement when a central connects; a
		 * registration anew restarts it whatever the kernel did */
		s->adv_dirty = true;
		srv__kick(s);
	}
}

/* Device1.Paired (or Bonded, BlueZ >= 5.73) turning true for a central of ours: 230. The
 * security records NimBLE delivers are not on D-Bus; the buffer is the peer's identity
 * address (LSB first) and its type (README). */
static int on_paired(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct gatt_server *s = data;
	struct srv_peer *p = peer_find(s, sd_bus_message_get_path(m));
	const char *iface, *key;
	int v = 0, hit = 0;

	(void)e;
	if (!p || p->paired || sd_bus_message_read(m, "s", &iface) < 0 ||
	    strcmp(iface, "org.bluez.Device1") ||
	    sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
		return 0;
	while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
		if (sd_bus_message_read(m, "s", &key) < 0)
			return 0;
		if ((!strcmp(key, "Paired") || !strcmp(key, "Bonded")) &&
		    sd_bus_message_read(m, "v", "b", &v) >= 0)
			hit |= v;
		else if (sd_bus_message_skip(m, "v") < 0)
			return 0;
		sd_bus_message_exit_container(m);
	}
	if (hit) {
		const struct bluez_obj *d = bluez_find(s->g->bz, p->path);
		uint8_t b[7];

		p->paired = true;
		/* bluetoothd put the identity in Address when the IRK came (before the LTK
		 * that made the device Paired); the central's RPA until then */
		le_mac(d ? d->mac : p->mac, b);
		b[6] = d && d->random ? 1 : 0;
		char mac[HEX_MAC_LEN];

		hex_mac(p->mac, mac);
		log_info("gatt server: central %s bonded", mac);
		srv__event(s, GATT_EV_BONDED, GATT_OK, NULL, b, 7);
	}
	return 0;
}

void gatt__server_presence(struct gatt *g, bool present)
{
	struct gatt_server *s = g->server;

	if (!s)
		return;
	if (!present) {
		/* bluetoothd forgot our application and advertisement with its restart */
		s->app_call = sd_bus_slot_unref(s->app_call);
		s->adv_call = sd_bus_slot_unref(s->adv_call);
		s->app = SRV_REG_OFF;
		s->adv_reg = SRV_REG_OFF;
		for (unsigned int i = 0; i < s->n_peers; i++)
			srv__event(s, GATT_EV_DISCONNECTED, GATT_ERR_DISCONNECTED, NULL, NULL, 0);
		s->n_peers = 0;
		srv__settle(s, GATT_ERR_CONNECT);
		log_notice("gatt server: bluetoothd left; registering again when it is back");
		return;
	}
	if (s->adv_wanted)
		log_info("gatt server: bluetoothd is back: registering our services and "
			 "advertisement again");
	srv__kick(s);
}

int srv__watch_paired(struct gatt_server *s)
{
	if (s->paired_match)
		return 0;
	return sd_bus_add_match(s->bus, &s->paired_match,
				"type='signal',interface='org.freedesktop.DBus.Properties',"
				"member='PropertiesChanged',path_namespace='/org/bluez',"
				"arg0='org.bluez.Device1'",
				on_paired, s);
}
