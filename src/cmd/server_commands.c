/* SPDX-License-Identifier: MIT */
/* server_commands.c — MI32Server (server_commands.h). The arguments are the seed's
 * BLE.set_svc/set_chr, the buffer in hex, and run()'s response flag and arg1:
 *   MI32Server 201 <AD hex> [0|2]             advertising data [broadcast|connectable]
 *   MI32Server 202 <AD hex>                   scan-response data
 *   MI32Server 211[r] <svc> <chr> [<hex>|- [<property bits>]]  characteristic, notify
 *   MI32Server 231                            own address (public)
 *   MI32Server 232 <hex>                      [mode][min LE16][max LE16][TX dBm]
 *   MI32Server 233 <name>                     GAP name
 *   MI32Server stop                           withdraw everything (BLE.serv_cb(nil)) */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gatt/gatt.h"
#include "util/hex.h"
#include "util/jw.h"
#include "cmd/commands.h"
#include "cmd/server_commands.h"

#define USAGE                                                                             \
	"MI32Server 201 <hex> [0|2] | 202 <hex> | 211[r] <svc> <chr> [<hex>|- [<bits>]] | " \
	"231 | 232 <hex> | 233 <name> | stop (SPEC 11.2)"

/* Every result and event of the server as a RESULT */
static void on_event(const struct gatt_result *r, void *user_data)
{
	struct commands_ctx *c = user_data;
	static const uint8_t zero[6];
	char buf[1024];
	struct jw w;

	if (!c->result)
		return;
	jw_init(&w, buf, sizeof(buf));
	jw_obj_begin(&w);
	jw_key(&w, "MI32Server");
	jw_obj_begin(&w);
	jw_key(&w, "Op");
	jw_int(&w, r->op);
	jw_key(&w, "Error");
	jw_int(&w, r->error);
	if (r->error) {
		jw_key(&w, "Reason");
		jw_str(&w, gatt_strerror(r->error));
	}
	jw_key(&w, "UUID");
	jw_uint(&w, r->uuid16);
	jw_key(&w, "Handle");
	jw_uint(&w, r->handle);
	jw_key(&w, "Data");
	jw_hex(&w, r->buf + 1, r->buf[0], true);
	if (memcmp(r->mac, zero, 6)) {
		jw_key(&w, "MAC");
		jw_hex(&w, r->mac, 6, true);
	}
	jw_obj_end(&w);
	jw_obj_end(&w);
	if (jw_finish(&w) >= 0)
		c->result(c->host, buf);
}

static int hex_buf(const char *hex, struct gatt_ctx *g)
{
	int n;

	if (!hex || !strcmp(hex, "-"))
		return 0;
	n = hex_decode(hex, g->buf + 1, GATT_BUF_MAX - 1);
	if (n < 0 || (size_t)n * 2 != strlen(hex))
		return -EINVAL;
	g->buf[0] = (uint8_t)n;
	return 0;
}

static int number(const char *s, long max, int *out)
{
	char *end;
	long v;

	if (!s)
		return 0;
	v = strtol(s, &end, 0);
	if (*end || v < 0 || v > max)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

int server_commands_op(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	struct commands_ctx *c = ctx;
	char buf[CMD_LINE_MAX], *tok[5] = { NULL }, *save = NULL, *end, *rest;
	struct gatt_ctx g;
	int n = 0, r;
	long op;

	if (!c->gatt) {
		*why = COMMANDS_GATT_OFF;
		return -EINVAL;
	}
	*why = USAGE;
	snprintf(buf, sizeof(buf), "%s", req->payload);
	if (!strcmp(buf, "stop")) {
		gatt_server_stop(c->gatt);
		jw_key(w, "MI32Server");
		jw_str(w, "Stopped");
		return 0;
	}
	/* 233's name is the rest of the line, spaces included */
	rest = strchr(buf, ' ');
	rest = rest ? rest + strspn(rest, " ") : NULL;
	for (char *t = strtok_r(buf, " ", &save); t && n < 5; t = strtok_r(NULL, " ", &save))
		tok[n++] = t;
	if (n < 1)
		return -EINVAL;
	op = strtol(tok[0], &end, 10);
	gatt_ctx_init(&g, (const uint8_t[6]){ 0 }, 0, NULL, NULL, (int)op);
	g.response = *end == 'r';
	if ((*end && strcmp(end, "r")) || (g.response && op != GATT_OP_CHR))
		return -EINVAL;
	switch (op) {
	case GATT_OP_ADV:
	case GATT_OP_SCAN_RSP:
	case GATT_OP_ADV_PARAMS:
		if (n < 2 || n > (op == GATT_OP_ADV ? 3 : 2) || hex_buf(tok[1], &g) < 0 ||
		    number(tok[2], 2, &g.handle) < 0)
			return -EINVAL;
		break;
	case GATT_OP_CHR:
		if (n < 3 || hex_buf(tok[3], &g) < 0 || number(tok[4], 0xFFFF, &g.handle) < 0)
			return -EINVAL;
		snprintf(g.svc, sizeof(g.svc), "%s", tok[1]);
		snprintf(g.chr, sizeof(g.chr), "%s", tok[2]);
		break;
	case GATT_OP_OWN_ADDR:
		if (n != 1)
			return -EINVAL;
		break;
	case GATT_OP_NAME:
		if (!rest || !*rest || strlen(rest) > GATT_BUF_MAX - 1)
			return -EINVAL;
		/* the untokenised line: strtok_r wrote NULs only into buf's tokens */
		rest = strchr(req->payload, ' ');
		rest += strspn(rest, " ");
		g.buf[0] = (uint8_t)strlen(rest);
		memcpy(g.buf + 1, rest, g.buf[0]);
		break;
	default:
		return -EINVAL;
	}
	r = gatt_run(c->gatt, &g, on_event, c);
	if (r < 0) {
		*why = r == -EINVAL        ? "bluetoothd cannot send that (the log says which byte)"
		       : r == -EOPNOTSUPP  ? "not possible through bluetoothd (the log says why)"
		       : r == -ENOTCONN    ? "no D-Bus system bus"
		       : r == -EHOSTDOWN   ? "bluetoothd is not running: the GATT server needs it"
					   : "the operation could not be started";
		return r;
	}
	jw_key(w, "MI32Server");
	jw_str(w, "Pending");
	return 0;
}
