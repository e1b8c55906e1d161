/* SPDX-License-Identifier: MIT */
/* pair_commands.c — MI32Pair (pair_commands.h). The IRK becomes a generic device (PID 0000)
 * whose key is the IRK, as Tasmota's mi32cfg has it (SPEC §6.2): the store resolves the
 * peer's RPAs with it while generic tracking (MI32Option5) is on, which MI32Pair switches
 * on as loading such an entry does; the list is then written like MI32Cfg writes it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/registry.h"
#include "gatt/gatt.h"
#include "store/sensor.h"
#include "store/store.h"
#include "util/hex.h"
#include "util/log.h"
#include "cmd/commands.h"
#include "cmd/gatt_commands.h"
#include "cmd/pair_commands.h"

/* The IRK of @r into the store; the slot, or -errno with @why set. */
static int keep(struct commands_ctx *c, const uint8_t *mac, const uint8_t irk[16],
		const char **why)
{
	unsigned int slot;
	int r = store_add_sensor(c->store, mac, PID_GENERIC, &slot);

	if (r == -EEXIST && sensor_pid(store_sensor(c->store, slot)) != PID_GENERIC) {
		*why = "this address is a sensor of another type in the list: the IRK was not kept";
		return -EEXIST;
	}
	if ((r < 0 && r != -EEXIST) || (r = store_set_key(c->store, slot, irk)) < 0) {
		*why = "the IRK could not be kept (out of memory?)";
		return r;
	}
	store_set_option(c->store, STORE_OPTION_GENERIC, 1);
	return (int)slot;
}

static void kept(struct commands_ctx *c, struct jw *w, int slot);

static void on_paired(const struct gatt_result *r, void *user_data)
{
	struct commands_ctx *c = user_data;
	const uint8_t *mac = r->error ? r->mac : r->buf + 1;
	const char *why = NULL;
	char buf[512];
	struct jw w;
	int slot = -1;

	if (r->op != GATT_OP_PAIR)
		return;
	if (!r->error && r->buf[0] == 23) {
		slot = keep(c, mac, r->buf + 8, &why);
		if (slot >= 0)
			log_info("MI32Pair: %02X%02X%02X%02X%02X%02X: IRK kept in slot %d", mac[0],
				 mac[1], mac[2], mac[3], mac[4], mac[5], slot);
	}
	if (!c->result)
		return;
	jw_init(&w, buf, sizeof(buf));
	jw_obj_begin(&w);
	jw_key(&w, "MI32Pair");
	jw_obj_begin(&w);
	jw_key(&w, "MAC");
	jw_hex(&w, mac, 6, true);
	jw_key(&w, "Error");
	jw_int(&w, r->error ? r->error : slot < 0 ? GATT_ERR_NO_IRK : 0);
	if (r->error || slot < 0) {
		jw_key(&w, "Reason");
		jw_str(&w, r->error ? gatt_strerror(r->error) : why);
	} else {
		kept(c, &w, slot);
	}
	jw_obj_end(&w);
	jw_obj_end(&w);
	if (jw_finish(&w) >= 0)
		c->result(c->host, buf);
}

/* MI32Pair <MAC>[/r] [<PIN>] */
int pair_commands_pair(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	struct commands_ctx *c = ctx;
	char buf[CMD_LINE_MAX], *tok[3] = { NULL }, *save = NULL, *end;
	struct gatt_ctx g;
	int n = 0, r;

	if (!c->gatt) {
		*why = COMMANDS_GATT_OFF;
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", req->payload);
	for (char *t = strtok_r(buf, " ", &save); t && n < 3; t = strtok_r(NULL, " ", &save))
		tok[n++] = t;
	*why = "MI32Pair <MAC>[/r] [<PIN>]: the device's address (/r: a random one) and, if it "
	       "asks for one, the 6-digit passkey";
	gatt_ctx_init(&g, (const uint8_t[6]){ 0 }, 0, NULL, NULL, 0);
	if (n < 1 || n > 2 || gatt_commands_peer(tok[0], &g) < 0)
		return -EINVAL;
	if (tok[1]) {
		long pin = strtol(tok[1], &end, 10);

		if (*end || pin < 0 || pin > 999999 || !*tok[1])
			return -EINVAL;
		g.pin = (int32_t)pin;
	}
	r = gatt_pair(c->gatt, &g, on_paired, c);
	if (r < 0) {
		*why = gatt_commands_start_error(r);
		return r;
	}
	jw_key(w, "MI32Pair");
	jw_str(w, "Pending");
	return 0;
}

/* The answer both commands give once an IRK is kept: the slot and whether the list was
 * written (never the key). */
static void kept(struct commands_ctx *c, struct jw *w, int slot)
{
	char err[256];

	jw_key(w, "PID");
	jw_str(w, "0000");
	jw_key(w, "Slot");
	jw_int(w, slot);
	jw_key(w, "MI32Cfg");
	if (commands_save_mi32cfg(c, err) < 0) {
		char note[300];

		snprintf(note, sizeof(note), "not saved: %s", err);
		jw_str(w, note);
	} else {
		jw_str(w, "saved");
	}
}

/* MI32Irk <MAC> <IRK> [<name>] */
int pair_commands_irk(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	struct commands_ctx *c = ctx;
	char buf[CMD_LINE_MAX], *mac_s, *irk_s, *name, *save = NULL;
	uint8_t mac[6], irk[16];
	int slot;

	snprintf(buf, sizeof(buf), "%s", req->payload);
	mac_s = strtok_r(buf, " ", &save);
	irk_s = strtok_r(NULL, " ", &save);
	name = strtok_r(NULL, "", &save);
	*why = "MI32Irk <MAC> <IRK> [<name>]: the device's identity address (12 hex digits) and "
	       "its IRK (32 hex digits, MSB first as mi32cfg has it)";
	if (!mac_s || !irk_s || hex_decode(mac_s, mac, 6) != 6 || hex_decode(irk_s, irk, 16) != 16)
		return -EINVAL;
	while (name && *name == ' ')
		name++;
	if (name && strlen(name) >= STORE_NAME_MAX) {
		*why = "the name is too long (63 bytes at most)";
		return -ENAMETOOLONG;
	}
	slot = keep(c, mac, irk, why);
	if (slot < 0)
		return slot;
	if (name && *name)
		store_set_name(c->store, (unsigned int)slot, name);
	{
		char m[HEX_MAC_LEN];

		hex_mac(mac, m);
		log_info("MI32Irk: %s: IRK kept in slot %d", m, slot);
	}
	jw_key(w, "MI32Irk");
	jw_obj_begin(w);
	jw_key(w, "MAC");
	jw_hex(w, mac, 6, true);
	kept(c, w, slot);
	jw_obj_end(w);
	return 0;
}
