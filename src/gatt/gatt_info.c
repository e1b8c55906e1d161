/* SPDX-License-Identifier: MIT */
/* gatt_info.c — gatt_info(): the seed's BLE.info() from bluetoothd's object tree (the
 * adapter's address and version, paired devices, links, names, the MTU its characteristics
 * carry), the IRKs pairing learnt (gatt_pair.c's New IRK events) and bluetoothd's bond store
 * (IRKs, and whether a bond's key was made with MITM protection). */
#define _GNU_SOURCE
#include <string.h>

#include "gatt/bond_store.h"
#include "gatt/gatt_int.h"

/* The address in a device's object path (…/dev_AA_BB_CC_DD_EE_FF): the one bluetoothd
 * first met it with, which stays when pairing teaches it the identity. */
static bool path_mac(const char *path, uint8_t mac[6])
{
	const char *p = strrchr(path, '/');
	unsigned int b[6];
	int n = 0;

	if (!p || strlen(p) != 5 + 17 ||
	    sscanf(p, "/dev_%2x_%2x_%2x_%2x_%2x_%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &n) != 6 || n != 22)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return true;
}

/* @d is @mac: by its Address (the identity, once paired) or the address in its path */
static bool is(const struct bluez_obj *d, const uint8_t mac[6])
{
	uint8_t met[6];

	return !memcmp(d->mac, mac, 6) || (path_mac(d->path, met) && !memcmp(met, mac, 6));
}

/* The IRK (MSB first) and the authentication of @d's bond: the latest New IRK event, else
 * the bond store, which bluetoothd keeps under the identity address. */
static void bond_of(const struct gatt *g, const uint8_t local[6], const struct bluez_obj *d,
		    struct gatt_info *out)
{
	const struct gatt_irk *k = gatt__irk_find(g, d->mac);
	struct bond_info b;
	const uint8_t *lsb = NULL;

	out->conn.authenticated = d->paired ? -1 : 0; /* a link without pairing is not */
	if (bond_store_read(g->bond_dir, local, d->mac, &b) == 0) {
		if (d->paired)
			out->conn.authenticated = b.ltk_auth;
		if (!b.irk_status)
			lsb = b.irk;
	}
	if (k)
		lsb = k->irk;
	if (!lsb)
		return;
	out->conn.has_irk = true;
	for (int i = 0; i < 16; i++)
		out->conn.irk[i] = lsb[15 - i];
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
	/* HCI versions 6-8 are Core 4.0-4.2, 9-13 are 5.0-5.4, 14 is 6.0 (Assigned Numbers) */
	out->version = a->version >= 14 ? 6 : a->version >= 9 ? 5 : a->version >= 6 ? 4 : 0;
	for (const struct bluez_obj *o = NULL; (o = bluez_next(g->bz, o, BLUEZ_DEVICE, a->path));) {
		out->bonds += o->paired;
		if (!d && (mac ? is(o, mac) : o->connected))
			d = o;
	}
	if (!d)
		return;
	out->conn.known = true;
	out->conn.up = d->connected;
	if (!path_mac(d->path, out->conn.peer))
		memcpy(out->conn.peer, d->mac, 6);
	out->conn.random = d->random;
	/* an RPA (top bits 01) or a non-resolvable address (00) is no identity until pairing
	 * gives one; bluetoothd then puts it in Device1.Address (device_update_addr) */
	out->conn.has_id = !d->random || (d->mac[0] & 0xC0) == 0xC0;
	if (out->conn.has_id)
		memcpy(out->conn.id, d->mac, 6);
	out->conn.paired = d->paired;
	out->conn.bonded = d->bonded || d->paired;
	/* pairing leaves the link encrypted, and bluetoothd raises a paired device's ATT link
	 * to security level medium (encrypted) in either role (device.c device_attach_att,
	 * device_connect_le); nothing on D-Bus or mgmt says it directly */
	out->conn.encrypted = d->connected && d->paired;
	/* a central of our server's, else a link of our client (or of another program on
	 * the same bluetoothd: D-Bus does not tell them apart) */
	out->conn.central = !gatt__server_has_central(g, d->path);
	out->conn.rssi = d->rssi;
	memcpy(out->conn.name, d->name, sizeof(out->conn.name));
	for (const struct bluez_obj *s = NULL; (s = bluez_next(g->bz, s, BLUEZ_SERVICE_OBJ, d->path));)
		for (const struct bluez_obj *c = NULL; (c = bluez_next(g->bz, c, BLUEZ_CHAR, s->path));)
			if (c->mtu > out->conn.mtu)
				out->conn.mtu = c->mtu;
	bond_of(g, a->mac, d, out);
	if (d->connected)
		out->role = out->conn.central ? "central" : "peripheral";
}
