/* SPDX-License-Identifier: MIT */
/* gatt_pair.c — pairing and the peer's IRK (gatt_pair(), op 8): an org.bluez.Agent1 of ours
 * (doc/org.bluez.Agent.rst) answers bluetoothd's passkey questions with the context's PIN,
 * Device1.Pair bonds, and the IRK comes from the kernel's New IRK event (mgmt_watch.c; D-Bus
 * never carries it), else from bluetoothd's bond store (bond_store.c).
 *
 * bluetoothd uses the agent of the process that called Pair, with the IO capability it was
 * registered with, and keeps one agent per D-Bus connection: so before each pairing ours is
 * registered again with the capability that fits the PIN. With a PIN, KeyboardOnly: the PIN
 * is typed in (a peer that shows a passkey, or one that types the same PIN too); without,
 * NoInputNoOutput: "just works", as a phone pairing with a headset. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gatt/bond_store.h"
#include "gatt/gatt_int.h"
#include "util/hex.h"
#include "util/log.h"

#define AGENT_PATH "/org/mi32/agent"
#define IFACE_AGENT_MGR "org.bluez.AgentManager1"
#define ERR_REJECTED "org.bluez.Error.Rejected"
#define PAIR_TIMEOUT_US (60 * 1000000ull) /* bluetoothd's own bonding time-out is 60 s */

/* ---- the agent ------------------------------------------------------------------------ */

/* The connection whose pairing bluetoothd asks about: its running job is op 8 on @dev. */
static struct conn *pairing(struct gatt *g, const char *dev)
{
	for (struct conn *c = g->conns; c; c = c->next)
		if (c->queue && base_op(c->queue) == GATT_OP_PAIR && c->state == CONN_CALLING &&
		    !strcmp(c->dev, dev))
			return c;
	return NULL;
}

/* The device path of an agent call and the pairing it belongs to; NULL (and @m answered
 * with Rejected) when it is nobody's we started. */
static struct conn *asked(sd_bus_message *m, struct gatt *g, const char *what)
{
	const char *dev = NULL;
	struct conn *c;

	if (sd_bus_message_read(m, "o", &dev) < 0 || !(c = pairing(g, dev))) {
		log_info("gatt: agent: %s for %s refused: no pairing of ours", what,
			 dev ? dev : "?");
		sd_bus_reply_method_errorf(m, ERR_REJECTED, "mi32 did not start this pairing");
		return NULL;
	}
	return c;
}

static int agent_passkey(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct conn *c = asked(m, data, "a passkey");

	(void)e;
	if (!c)
		return 1;
	if (c->queue->ctx.pin < 0) {
		log_notice("gatt: the device asks for a passkey: give MI32Pair the PIN");
		return sd_bus_reply_method_errorf(m, ERR_REJECTED, "no PIN given");
	}
	return sd_bus_reply_method_return(m, "u", (uint32_t)c->queue->ctx.pin);
}

static int agent_pincode(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct conn *c = asked(m, data, "a PIN code");
	char pin[12];

	(void)e;
	if (!c)
		return 1;
	if (c->queue->ctx.pin < 0)
		return sd_bus_reply_method_errorf(m, ERR_REJECTED, "no PIN given");
	snprintf(pin, sizeof(pin), "%06d", (int)c->queue->ctx.pin);
	return sd_bus_reply_method_return(m, "s", pin);
}

/* Numeric comparison: with a PIN only the same number; without one, accepted (the peer
 * shows it; nobody here can compare). */
static int agent_confirm(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct conn *c = asked(m, data, "a confirmation");
	uint32_t passkey = 0;

	(void)e;
	if (!c)
		return 1;
	if (sd_bus_message_read(m, "u", &passkey) < 0)
		return sd_bus_reply_method_errorf(m, ERR_REJECTED, "no passkey");
	if (c->queue->ctx.pin >= 0 && passkey != (uint32_t)c->queue->ctx.pin) {
		log_notice("gatt: the device shows %06u, not the PIN given: refused", passkey);
		return sd_bus_reply_method_errorf(m, ERR_REJECTED, "not the PIN");
	}
	return sd_bus_reply_method_return(m, "");
}

static int agent_authorize(sd_bus_message *m, void *data, sd_bus_error *e)
{
	(void)e;
	if (!asked(m, data, "an authorization"))
		return 1;
	return sd_bus_reply_method_return(m, "");
}

/* bluetoothd shows us what the peer must type (we registered as a keyboard, so only when
 * the peer's capabilities make us the display) */
static int agent_display(sd_bus_message *m, void *data, sd_bus_error *e)
{
	const char *dev = NULL;
	uint32_t passkey = 0;

	(void)data;
	(void)e;
	if (sd_bus_message_read(m, "ou", &dev, &passkey) >= 0)
		log_notice("gatt: pairing %s: type %06u on the device", dev, passkey);
	return sd_bus_reply_method_return(m, "");
}

static int agent_display_pin(sd_bus_message *m, void *data, sd_bus_error *e)
{
	const char *dev = NULL, *pin = NULL;

	(void)data;
	(void)e;
	if (sd_bus_message_read(m, "os", &dev, &pin) >= 0)
		log_notice("gatt: pairing %s: type %s on the device", dev, pin);
	return sd_bus_reply_method_return(m, "");
}

static int agent_plain(sd_bus_message *m, void *data, sd_bus_error *e)
{
	(void)data;
	(void)e;
	log_debug("gatt: agent: %s", sd_bus_message_get_member(m));
	return sd_bus_reply_method_return(m, "");
}

static const sd_bus_vtable agent_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("Release", "", "", agent_plain, 0),
	SD_BUS_METHOD("RequestPinCode", "o", "s", agent_pincode, 0),
	SD_BUS_METHOD("DisplayPinCode", "os", "", agent_display_pin, 0),
	SD_BUS_METHOD("RequestPasskey", "o", "u", agent_passkey, 0),
	SD_BUS_METHOD("DisplayPasskey", "ouq", "", agent_display, 0),
	SD_BUS_METHOD("RequestConfirmation", "ou", "", agent_confirm, 0),
	SD_BUS_METHOD("RequestAuthorization", "o", "", agent_authorize, 0),
	SD_BUS_METHOD("AuthorizeService", "os", "", agent_authorize, 0),
	SD_BUS_METHOD("Cancel", "", "", agent_plain, 0),
	SD_BUS_VTABLE_END,
};

/* ---- the IRK ----------------------------------------------------------------------- */

void gatt__pair_new_irk(void *data, uint16_t index, const uint8_t rpa[6], const uint8_t mac[6],
			uint8_t type, const uint8_t irk[16])
{
	struct gatt *g = data;
	struct gatt_irk *k = &g->irks[g->irk_next++ % GATT_IRKS];
	char m[HEX_MAC_LEN];

	hex_mac(mac, m);
	log_info("gatt: hci%u: %s gave its IRK", index, m);
	k->valid = true;
	memcpy(k->rpa, rpa, 6);
	memcpy(k->mac, mac, 6);
	k->type = type;
	memcpy(k->irk, irk, 16);
}

const struct gatt_irk *gatt__irk_find(const struct gatt *g, const uint8_t mac[6])
{
	for (unsigned int i = 1; i <= GATT_IRKS; i++) {
		const struct gatt_irk *k = &g->irks[(g->irk_next - i) % GATT_IRKS];

		if (k->valid && (!memcmp(k->mac, mac, 6) || !memcmp(k->rpa, mac, 6)))
			return k;
	}
	return NULL;
}

/* The IRK of the peer we paired as @c->mac (its identity address, or the RPA it used):
 * the latest New IRK event, else the bond store. 0, or -errno of the bond store. */
static int find_irk(struct conn *c, uint8_t mac[6], uint8_t *type, uint8_t irk[16])
{
	struct gatt *g = c->g;
	const struct gatt_irk *k;
	const struct bluez_obj *a, *d;

	mgmt_watch_drain(g->mw); /* sent with bluetoothd's, maybe not read yet */
	if ((k = gatt__irk_find(g, c->mac))) {
		memcpy(mac, k->mac, 6);
		*type = k->type;
		memcpy(irk, k->irk, 16);
		return 0;
	}
	a = bluez_adapter(g->bz, g->adapter);
	if (!a)
		return -ENODEV;
	/* bluetoothd files the bond under the identity, which it put in Device1.Address when
	 * the peer gave it (a peer met by its RPA) */
	d = c->dev[0] ? bluez_find(g->bz, c->dev) : NULL;
	memcpy(mac, d ? d->mac : c->mac, 6);
	*type = (d ? d->random : c->queue->ctx.addr_type & 1) ? 2 : 1;
	return bond_store_irk(g->bond_dir, a->mac, mac, irk);
}

/* ---- pairing ----------------------------------------------------------------------- */

static int on_pair_reply(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct conn *c = data;
	const char *name = NULL;
	uint8_t mac[6], type, irk[16];
	char who[HEX_MAC_LEN];
	int r;

	(void)e;
	hex_mac(c->mac, who);
	if (gatt__call_done(m, c, &name) < 0 && strcmp(name, "org.bluez.Error.AlreadyExists")) {
		log_notice("gatt: %s: pairing failed (%s)", who, name);
		gatt__finish(c, GATT_ERR_PAIR);
		return 0;
	}
	r = find_irk(c, mac, &type, irk);
	if (r < 0) {
		log_notice("gatt: %s: paired, no IRK: %s%s", who,
			   r == -ENOENT ? "the device sent none"
			   : r == -EACCES
				   ? "bluetoothd's bond store is root's, and no New IRK event came "
				     "(it needs CAP_NET_ADMIN)"
				   : strerror(-r),
			   r == -ENOENT && !c->g->mw ? " (no management socket: CAP_NET_ADMIN?)"
						    : "");
		gatt__finish(c, GATT_ERR_NO_IRK);
		return 0;
	}
	c->res.buf[0] = 23;
	memcpy(c->res.buf + 1, mac, 6);
	c->res.buf[7] = type;
	for (int i = 0; i < 16; i++)
		c->res.buf[8 + i] = irk[15 - i]; /* mi32cfg writes it MSB first */
	gatt__finish(c, GATT_OK);
	return 0;
}

static int on_register_reply(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct conn *c = data;
	sd_bus_message *call = NULL;
	const char *name = NULL;
	int r;

	(void)e;
	if (gatt__call_done(m, c, &name) < 0 && strcmp(name, "org.bluez.Error.AlreadyExists")) {
		gatt__finish(c, GATT_ERR_PAIR);
		return 0;
	}
	r = sd_bus_message_new_method_call(c->g->bus, &call, BLUEZ_SERVICE, c->dev,
					   "org.bluez.Device1", "Pair");
	if (r >= 0)
		r = sd_bus_call_async(c->g->bus, &c->call, call, on_pair_reply, c, PAIR_TIMEOUT_US);
	sd_bus_message_unref(call);
	if (r < 0)
		gatt__finish(c, GATT_ERR_PAIR);
	return 0;
}

void gatt__pair_execute(struct conn *c)
{
	struct gatt *g = c->g;
	const char *cap = c->queue->ctx.pin >= 0 ? "KeyboardOnly" : "NoInputNoOutput";
	int r = 0;

	c->state = CONN_CALLING;
	/* our object, on the bus of now (a new one after the system bus came back) */
	if (g->agent && sd_bus_slot_get_bus(g->agent) != g->bus)
		g->agent = sd_bus_slot_unref(g->agent);
	if (!g->agent)
		r = sd_bus_add_object_vtable(g->bus, &g->agent, AGENT_PATH, "org.bluez.Agent1",
					     agent_vtable, g);
	/* one agent per connection: the capability of this pairing replaces the last one's
	 * (bluetoothd handles our two calls in order) */
	if (r >= 0)
		sd_bus_call_method_async(g->bus, NULL, BLUEZ_SERVICE, "/org/bluez", IFACE_AGENT_MGR,
					 "UnregisterAgent", NULL, NULL, "o", AGENT_PATH);
	if (r >= 0)
		r = sd_bus_call_method_async(g->bus, &c->call, BLUEZ_SERVICE, "/org/bluez",
					     IFACE_AGENT_MGR, "RegisterAgent", on_register_reply, c,
					     "os", AGENT_PATH, cap);
	if (r < 0) {
		log_warn("gatt: no pairing agent: %s", strerror(-r));
		gatt__finish(c, GATT_ERR_PAIR);
	}
}
