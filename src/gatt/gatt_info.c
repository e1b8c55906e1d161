/* SPDX-License-Identifier: MIT */
/* gatt_info.c — gatt_info(): the seed's BLE.info() from bluetoothd's object tree (the
 * adapter's address, paired devices, links, the MTU its characteristics carry) and the IRKs
 * pairing learnt (gatt_pair.c's New IRK events, else bluetoothd's bond store). */
#define _GNU_SOURCE
#include <string.h>

#include "gatt/bond_store.h"
#include "gatt/gatt_int.h"

/* The IRK of @mac, MSB first: the latest New IRK event, else the bond store */
static bool irk_of(const struct gatt *g, const uint8_t local[6], const uint8_t mac[6],
		   uint8_t irk[16])
{
	const struct gatt_irk *k = gatt__irk_find(g, mac);
	uint8_t lsb[16];

	if (k)
		memcpy(lsb, k->irk, 16);
	else if (bond_store_irk(g->bond_dir, local, mac, lsb) < 0)
		return false;
	for (int i = 0; i < 16; i++)
		irk[i] = lsb[15 - i];
	return true;
}

void gatt_info(struct gatt *g, const uint8_t mac[6], struct gatt_info *out)
{
	const struct bluez_obj *a, *d = NULL;

	memset(out, 0, sizeof(*out));
	out->role = "none";
	if (!gatt_ready(g) || !(a = bluez_adapter(g->bz, g->adapter)))
		return;
	out->ready = true;
	memcpy(out->local, a->mac, 6);
	for (const struct bluez_obj *o = NULL; (o = bluez_next(g->bz, o, BLUEZ_DEVICE, a->path));) {
		out->bonds += o->paired;
		if (!d && (mac ? !memcmp(o->mac, mac, 6) : o->connected))
			d = o;
	}
	if (!d)
		return;
	out->conn.known = true;
	out->conn.up = d->connected;
	memcpy(out->conn.peer, d->mac, 6);
	out->conn.random = d->random;
	out->conn.paired = d->paired;
	out->conn.bonded = d->bonded || d->paired;
	/* a central of our server's, else a link of our client (or of another program on
	 * the same bluetoothd: D-Bus does not tell them apart) */
	out->conn.central = !gatt__server_has_central(g, d->path);
	out->conn.rssi = d->rssi;
	for (const struct bluez_obj *s = NULL; (s = bluez_next(g->bz, s, BLUEZ_SERVICE_OBJ, d->path));)
		for (const struct bluez_obj *c = NULL; (c = bluez_next(g->bz, c, BLUEZ_CHAR, s->path));)
			if (c->mtu > out->conn.mtu)
				out->conn.mtu = c->mtu;
	out->conn.has_irk = irk_of(g, a->mac, d->mac, out->conn.irk);
	if (d->connected)
		out->role = out->conn.central ? "central" : "peripheral";
}
