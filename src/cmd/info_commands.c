/* SPDX-License-Identifier: MIT */
/* info_commands.c — MI32Info (info_commands.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gatt/gatt.h"
#include "cmd/commands.h"
#include "cmd/gatt_commands.h"
#include "cmd/info_commands.h"

int info_commands_info(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	struct commands_ctx *c = ctx;
	char buf[CMD_LINE_MAX];
	struct gatt_info in;
	struct gatt_ctx g;

	if (!c->gatt) {
		*why = COMMANDS_GATT_OFF;
		return -EINVAL;
	}
	gatt_ctx_init(&g, (const uint8_t[6]){ 0 }, 0, NULL, NULL, 0);
	snprintf(buf, sizeof(buf), "%s", req->payload);
	if (buf[0] && (strchr(buf, ' ') || gatt_commands_peer(buf, &g) < 0)) {
		*why = "MI32Info [<MAC>]: the link to that device, else the first one";
		return -EINVAL;
	}
	gatt_info(c->gatt, buf[0] ? g.mac : NULL, &in);
	if (!in.ready) {
		*why = "bluetoothd is not running, or has no adapter: MI32Info asks it";
		return -EHOSTDOWN;
	}
	if (buf[0] && !in.conn.known) {
		*why = "bluetoothd does not know this device (never seen nor paired)";
		return -ENOENT;
	}
	jw_key(w, "MI32Info");
	jw_obj_begin(w);
	jw_key(w, "Role");
	jw_str(w, in.role);
	jw_key(w, "LocalAddr");
	jw_hex(w, in.local, 6, true);
	if (in.version) {
		jw_key(w, "Version");
		jw_uint(w, in.version);
	}
	jw_key(w, "Bonds");
	jw_uint(w, in.bonds);
	if (in.conn.known) {
		jw_key(w, "Connection");
		jw_obj_begin(w);
		jw_key(w, "MAC");
		jw_hex(w, in.conn.peer, 6, true);
		jw_key(w, "Type");
		jw_str(w, in.conn.random ? "random" : "public");
		if (in.conn.has_id) {
			jw_key(w, "Identity");
			jw_hex(w, in.conn.id, 6, true);
		}
		if (in.conn.name[0]) {
			jw_key(w, "Name");
			jw_str(w, in.conn.name);
		}
		jw_key(w, "Connected");
		jw_bool(w, in.conn.up);
		jw_key(w, "Paired");
		jw_bool(w, in.conn.paired);
		jw_key(w, "Bonded");
		jw_bool(w, in.conn.bonded);
		jw_key(w, "Encrypted");
		jw_bool(w, in.conn.encrypted);
		jw_key(w, "Authenticated");
		if (in.conn.authenticated < 0)
			jw_null(w);
		else
			jw_bool(w, in.conn.authenticated);
		jw_key(w, "RSSI");
		jw_int(w, in.conn.rssi);
		jw_key(w, "MTU");
		jw_uint(w, in.conn.mtu);
		jw_key(w, "IRK");
		jw_bool(w, in.conn.has_irk);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	return 0;
}
