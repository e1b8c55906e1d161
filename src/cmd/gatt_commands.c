/* SPDX-License-Identifier: MIT */
/* gatt_commands.c — MI32Battery, MI32Time, MI32Unit, MI32Firmware and the battery poll on
 * the GATT client (src/gatt). What each type offers, with its source:
 *   LYWSD02, MHO-C303: service EBE0CCB0-7A0A-4B0C-8A1A-6FF2997DA3A6, clock …CCB7 (write
 *     u32 LE UTC seconds + s8 time-zone hours: the seed's MI32Time script), unit …CCBE (one
 *     byte, 0xFF °C / 0x01 °F: the seed's MI32Unit script, values as the lywsd02 Python
 *     library writes them); LYWSD02 battery …CCC4 (one byte, %).
 *   LYWSD03MMC, MHO-C401: one notification of …CCC1 (s16 LE °C/100, u8 %RH, u16 LE mV),
 *     battery = (mV − 2100) / 12 (the seed's MI32Bat script, op 13).
 *   Flora: service 1204, characteristic 1A02 read: [0] battery %, [2…] firmware in ASCII.
 *   CGD1: 180F / 2A19, one byte (the standard battery service). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/reading.h"
#include "decode/registry.h"
#include "gatt/gatt.h"
#include "store/sensor.h"
#include "store/store.h"
#include "util/hex.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "cmd/commands.h"
#include "cmd/gatt_commands.h"

#define SVC_MI "EBE0CCB0-7A0A-4B0C-8A1A-6FF2997DA3A6"
#define CHR_MI_TIME "EBE0CCB7-7A0A-4B0C-8A1A-6FF2997DA3A6"
#define CHR_MI_UNIT "EBE0CCBE-7A0A-4B0C-8A1A-6FF2997DA3A6"
#define CHR_MI_TH "EBE0CCC1-7A0A-4B0C-8A1A-6FF2997DA3A6"
#define CHR_MI_BATTERY "EBE0CCC4-7A0A-4B0C-8A1A-6FF2997DA3A6"
#define SVC_FLORA "1204"
#define CHR_FLORA_FW_BAT "1A02"
#define SVC_BATTERY "180F"
#define CHR_BATTERY_LEVEL "2A19"
#define UNIT_C 0xFF
#define UNIT_F 0x01

enum what {
	WHAT_BATTERY,
	WHAT_TIME,
	WHAT_UNIT,
	WHAT_FIRMWARE,
};

static const char *const names[] = {
	[WHAT_BATTERY] = "MI32Battery",
	[WHAT_TIME] = "MI32Time",
	[WHAT_UNIT] = "MI32Unit",
	[WHAT_FIRMWARE] = "MI32Firmware",
};

enum bat_fmt {
	BAT_NONE,
	BAT_BYTE,    /* [0] % */
	BAT_FLORA,   /* [0] %, [2…] firmware */
	BAT_THV,     /* notification: temperature, humidity, millivolts */
};

struct profile {
	uint16_t pid;
	const char *bat_svc, *bat_chr;
	enum bat_fmt bat;
	bool clock;     /* MI32Time and MI32Unit */
	bool firmware;
};

static const struct profile profiles[] = {
	{ PID_LYWSD02, SVC_MI, CHR_MI_BATTERY, BAT_BYTE, true, false },
	{ PID_MHOC303, NULL, NULL, BAT_NONE, true, false },
	{ PID_LYWSD03, SVC_MI, CHR_MI_TH, BAT_THV, false, false },
	{ PID_MHOC401, SVC_MI, CHR_MI_TH, BAT_THV, false, false },
	{ PID_FLORA, SVC_FLORA, CHR_FLORA_FW_BAT, BAT_FLORA, false, true },
	{ PID_CGD1, SVC_BATTERY, CHR_BATTERY_LEVEL, BAT_BYTE, false, false },
};

struct gatt_cmd {
	struct gatt_cmd *next;
	struct commands_ctx *c;
	enum what what;
	uint8_t mac[6];
	bool poll;          /* from the battery poll: no RESULT message */
	const char *unit;   /* MI32Unit: "C" or "F" */
	const struct profile *p;
};

static const struct profile *profile_of(uint16_t pid)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (profiles[i].pid == pid)
			return &profiles[i];
	return NULL;
}

static void unlink_cmd(struct commands_ctx *c, struct gatt_cmd *g)
{
	for (struct gatt_cmd **pp = &c->gatt_pending; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			return;
		}
}

/* ---- results ------------------------------------------------------------------------ */

static void send_result(struct gatt_cmd *g, int slot, const char *err, const char *value,
			double num, bool is_num)
{
	char buf[512];
	struct jw w;

	if (g->poll) {
		if (err)
			log_info("battery poll: slot %d: %s", slot, err);
		return;
	}
	if (!g->c->result)
		return;
	jw_init(&w, buf, sizeof(buf));
	jw_obj_begin(&w);
	jw_key(&w, names[g->what]);
	if (err)
		jw_str(&w, "Error");
	else if (is_num)
		jw_double(&w, num, 0);
	else
		jw_str(&w, value);
	jw_key(&w, "Slot");
	jw_int(&w, slot);
	if (err) {
		jw_key(&w, "Reason");
		jw_str(&w, err);
	}
	jw_obj_end(&w);
	if (jw_finish(&w) >= 0)
		g->c->result(g->c->host, buf);
}

/* Battery from the op's buffer; -1 when it does not hold one. Sets T/H for BAT_THV. */
static int battery_of(struct gatt_cmd *g, int slot, const uint8_t *b)
{
	struct store *st = g->c->store;

	switch (g->p->bat) {
	case BAT_BYTE:
	case BAT_FLORA:
		return b[0] >= 1 && b[1] <= 100 ? b[1] : -1;
	case BAT_THV: {
		int mv, pct;

		if (b[0] < 5)
			return -1;
		mv = b[4] | b[5] << 8;
		pct = (mv - 2100) / 12;
		store_set_value(st, (unsigned int)slot, READING_TEMPERATURE,
				(int16_t)(b[1] | b[2] << 8) / 100.0);
		store_set_value(st, (unsigned int)slot, READING_HUMIDITY, b[3]);
		return pct < 0 ? 0 : pct > 100 ? 100 : pct;
	}
	case BAT_NONE:
		break;
	}
	return -1;
}

/* Flora's firmware: the printable ASCII after the battery byte and its neighbour */
static void firmware_of(const uint8_t *b, char out[16])
{
	size_t n = 0;

	for (size_t i = 3; i <= b[0] && n < 15; i++)
		if (isprint(b[i]))
			out[n++] = (char)b[i];
	out[n] = '\0';
}

static void on_done(const struct gatt_result *r, void *user_data)
{
	struct gatt_cmd *g = user_data;
	int slot = store_find(g->c->store, g->mac);
	char why[160];

	if (r->op == GATT_OP_NOTIFICATION)
		return; /* not subscribed by the commands: never happens */
	unlink_cmd(g->c, g);
	if (slot < 0) {
		send_result(g, -1, "the sensor was removed meanwhile", NULL, 0, false);
	} else if (r->error) {
		snprintf(why, sizeof(why), "%s%s", gatt_strerror(r->error),
			 r->error == GATT_ERR_CONNECT
				 ? ": the device did not answer (out of range, or connected "
				   "elsewhere)"
				 : "");
		send_result(g, slot, why, NULL, 0, false);
	} else if (g->what == WHAT_BATTERY) {
		int pct = battery_of(g, slot, r->buf);

		if (pct < 0) {
			send_result(g, slot, "the device sent no battery value", NULL, 0, false);
		} else {
			store_set_value(g->c->store, (unsigned int)slot, READING_BATTERY, pct);
			if (g->poll)
				log_info("battery poll: slot %d: %d %%", slot, pct);
			send_result(g, slot, NULL, NULL, pct, true);
		}
	} else if (g->what == WHAT_FIRMWARE) {
		char fw[16];

		firmware_of(r->buf, fw);
		if (!fw[0]) {
			send_result(g, slot, "the device sent no firmware version", NULL, 0, false);
		} else {
			int pct = battery_of(g, slot, r->buf);

			if (pct >= 0)
				store_set_value(g->c->store, (unsigned int)slot, READING_BATTERY, pct);
			if (store_set_firmware(g->c->store, (unsigned int)slot, fw) < 0)
				log_warn("MI32Firmware: slot %d: \"%s\" not kept", slot, fw);
			send_result(g, slot, NULL, fw, 0, false);
		}
	} else if (g->what == WHAT_UNIT) {
		send_result(g, slot, NULL, g->unit, 0, false);
	} else {
		send_result(g, slot, NULL, "Done", 0, false);
	}
	free(g);
}

/* ---- starting --------------------------------------------------------------------- */

const char *gatt_commands_start_error(int r)
{
	return r == -ENOTCONN ? "no D-Bus system bus: GATT commands talk to bluetoothd over "
				"D-Bus (see the README, GATT)"
	       : r == -EHOSTDOWN ? "bluetoothd is not running: GATT commands need it "
				   "(systemctl start bluetooth)"
				 : "the operation could not be started";
}

/* Queue @ctx for @slot; 0, or -errno with @why set. */
static int start(struct commands_ctx *c, enum what what, unsigned int slot,
		 struct gatt_ctx *ctx, const struct profile *p, bool poll, const char **why)
{
	struct gatt_cmd *g = calloc(1, sizeof(*g));
	bool f = what == WHAT_UNIT && ctx->buf[1] == UNIT_F;
	int r;

	if (!g) {
		*why = "out of memory";
		return -ENOMEM;
	}
	g->c = c;
	g->what = what;
	g->poll = poll;
	g->p = p;
	g->unit = f ? "F" : "C";
	memcpy(g->mac, sensor_mac(store_sensor(c->store, slot)), 6);
	r = gatt_run(c->gatt, ctx, on_done, g);
	if (r < 0) {
		free(g);
		*why = gatt_commands_start_error(r);
		return r;
	}
	g->next = c->gatt_pending;
	c->gatt_pending = g;
	return 0;
}

/* The slot of "<slot> …" in the payload, or of the index (MI32Battery2). Returns the
 * slot's profile, or NULL with @why set. @rest: what follows the slot. */
static const struct profile *target(struct commands_ctx *c, const struct cmd_req *req,
				    unsigned int *slot, const char **rest, const char **why)
{
	const char *p = req->payload;
	unsigned int count = store_sensor_count(c->store);
	const struct profile *pr;
	char *end;

	if (!c->gatt) {
		*why = COMMANDS_GATT_OFF;
		return NULL;
	}
	if (isdigit((unsigned char)*p)) {
		*slot = (unsigned int)strtoul(p, &end, 10);
		p = end;
	} else if (req->has_index) {
		*slot = (unsigned int)req->index;
	} else {
		*why = "give the sensor's slot (slots count from 0; see Status 8)";
		return NULL;
	}
	while (*p == ' ')
		p++;
	*rest = p;
	if (*slot >= count) {
		*why = count ? "no sensor in this slot (slots count from 0; see Status 8)"
			     : "there are no sensors yet";
		return NULL;
	}
	pr = profile_of(sensor_pid(store_sensor(c->store, *slot)));
	if (!pr)
		*why = "this type has no GATT commands here (LYWSD02, MHO-C303, LYWSD03MMC, "
		       "MHO-C401, Flora and CGD1 have)";
	return pr;
}

static void battery_ctx(const struct profile *p, const uint8_t *mac, struct gatt_ctx *ctx)
{
	/* the seed reads, or for the T/H characteristic waits for its first notification */
	gatt_ctx_init(ctx, mac, 0, p->bat_svc, p->bat_chr,
		      GATT_OP_ONESHOT + (p->bat == BAT_THV ? GATT_OP_SUBSCRIBE : GATT_OP_READ));
}

/* The operation of @what for a sensor of profile @p, with the arguments @rest after the
 * slot, into @g. Returns NULL, or why it cannot be done. */
static const char *prepare(enum what what, const struct profile *p, const char *rest,
			   const uint8_t *mac, struct gatt_ctx *g)
{
	time_t now = (time_t)(timefmt_now_us() / 1000000u);
	struct tm tm;

	switch (what) {
	case WHAT_BATTERY:
		if (*rest || p->bat == BAT_NONE)
			return *rest ? "MI32Battery takes only the slot"
				     : "this type's battery cannot be read by GATT";
		battery_ctx(p, mac, g);
		return NULL;
	case WHAT_FIRMWARE:
		if (*rest || !p->firmware)
			return *rest ? "MI32Firmware takes only the slot"
				     : "only the Flora tells its firmware version by GATT";
		gatt_ctx_init(g, mac, 0, SVC_FLORA, CHR_FLORA_FW_BAT,
			      GATT_OP_ONESHOT + GATT_OP_READ);
		return NULL;
	case WHAT_TIME:
		if (*rest || !p->clock)
			return *rest ? "MI32Time takes only the slot: it sends this machine's clock"
				     : "only LYWSD02 and MHO-C303 have a clock to set";
		localtime_r(&now, &tm);
		gatt_ctx_init(g, mac, 0, SVC_MI, CHR_MI_TIME, GATT_OP_ONESHOT + GATT_OP_WRITE);
		g->buf[0] = 5;
		for (int i = 0; i < 4; i++)
			g->buf[1 + i] = (uint8_t)((uint32_t)now >> (8 * i));
		g->buf[5] = (uint8_t)(int8_t)(tm.tm_gmtoff / 3600);
		break;
	case WHAT_UNIT:
		if (!p->clock)
			return "only LYWSD02 and MHO-C303 show a unit to set";
		if (strcasecmp(rest, "C") && strcasecmp(rest, "F"))
			return "give the slot and C or F: MI32Unit 0 C";
		gatt_ctx_init(g, mac, 0, SVC_MI, CHR_MI_UNIT, GATT_OP_ONESHOT + GATT_OP_WRITE);
		g->buf[0] = 1;
		g->buf[1] = toupper((unsigned char)*rest) == 'F' ? UNIT_F : UNIT_C;
		break;
	}
	g->response = true; /* the seed's scripts write with response */
	return NULL;
}

/* MI32Battery, MI32Firmware, MI32Time, MI32Unit: check, start, say Pending */
static int run_what(void *ctx, const struct cmd_req *req, struct jw *w, const char **why,
		    enum what what)
{
	struct commands_ctx *c = ctx;
	const struct profile *p;
	struct gatt_ctx g;
	unsigned int slot;
	const char *rest;
	int r;

	if (!(p = target(c, req, &slot, &rest, why)))
		return -EINVAL;
	if ((*why = prepare(what, p, rest, sensor_mac(store_sensor(c->store, slot)), &g)))
		return -EINVAL;
	if ((r = start(c, what, slot, &g, p, false, why)) < 0)
		return r;
	jw_key(w, names[what]);
	jw_str(w, "Pending");
	jw_key(w, "Slot");
	jw_uint(w, slot);
	return 0;
}

int gatt_commands_battery(void *ctx, const struct cmd_req *req, struct jw *w,
			  const char **why)
{
	return run_what(ctx, req, w, why, WHAT_BATTERY);
}

int gatt_commands_firmware(void *ctx, const struct cmd_req *req, struct jw *w,
			   const char **why)
{
	return run_what(ctx, req, w, why, WHAT_FIRMWARE);
}

int gatt_commands_time(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	return run_what(ctx, req, w, why, WHAT_TIME);
}

int gatt_commands_unit(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	return run_what(ctx, req, w, why, WHAT_UNIT);
}

/* ---- MI32Gatt: any client op of the seed, from the console ----------------------- */

/* Every result of MI32Gatt (and op 3's notifications and disconnect) as a RESULT */
static void on_op(const struct gatt_result *r, void *user_data)
{
	struct commands_ctx *c = user_data;
	char buf[1024];
	struct jw w;

	if (!c->result)
		return;
	jw_init(&w, buf, sizeof(buf));
	jw_obj_begin(&w);
	jw_key(&w, "MI32Gatt");
	jw_obj_begin(&w);
	jw_key(&w, "MAC");
	jw_hex(&w, r->mac, 6, true);
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
	jw_obj_end(&w);
	jw_obj_end(&w);
	if (jw_finish(&w) >= 0)
		c->result(c->host, buf);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	char hex[13];
	size_t n = 0;

	for (; *s && n < 12; s++)
		if (*s != ':')
			hex[n++] = *s;
	hex[n] = '\0';
	if (n != 12 || *s)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		unsigned int b;

		if (!isxdigit((unsigned char)hex[2 * i]) || !isxdigit((unsigned char)hex[2 * i + 1]))
			return -EINVAL;
		sscanf(hex + 2 * i, "%2x", &b);
		mac[i] = (uint8_t)b;
	}
	return 0;
}

int gatt_commands_peer(char *tok, struct gatt_ctx *g)
{
	char *slash = strchr(tok, '/');

	if (slash) {
		if (strcmp(slash, "/r"))
			return -EINVAL;
		*slash = '\0';
		g->addr_type = 1;
	}
	return parse_mac(tok, g->mac);
}

/* MI32Gatt <op>[r] <MAC>[/r] [<service>|- [<characteristic>|0x<handle>|- [<hex>]]] */
int gatt_commands_op(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	struct commands_ctx *c = ctx;
	char buf[CMD_LINE_MAX], *tok[5] = { NULL }, *save = NULL, *end;
	struct gatt_ctx g;
	int n = 0, r;
	long op;

	if (!c->gatt) {
		*why = COMMANDS_GATT_OFF;
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", req->payload);
	for (char *t = strtok_r(buf, " ", &save); t && n < 5; t = strtok_r(NULL, " ", &save))
		tok[n++] = t;
	*why = "MI32Gatt <op>[r] <MAC>[/r] [<service>|- [<characteristic>|0x<handle>|- [<hex>]]]"
	       ": op 1..7 or 11..17 (SPEC 11.2), r = with response, /r = random address";
	if (n < 2 || strtok_r(NULL, " ", &save))
		return -EINVAL;
	op = strtol(tok[0], &end, 10);
	gatt_ctx_init(&g, (const uint8_t[6]){ 0 }, 0, NULL, NULL, (int)op);
	g.response = *end == 'r';
	if ((*end && strcmp(end, "r")) || gatt_commands_peer(tok[1], &g) < 0)
		return -EINVAL;
	if (tok[2] && strcmp(tok[2], "-"))
		snprintf(g.svc, sizeof(g.svc), "%s", tok[2]);
	if (tok[3] && !strncasecmp(tok[3], "0x", 2))
		g.handle = (int)strtol(tok[3], NULL, 16);
	else if (tok[3] && strcmp(tok[3], "-"))
		snprintf(g.chr, sizeof(g.chr), "%s", tok[3]);
	if (tok[4]) {
		int len = hex_decode(tok[4], g.buf + 1, GATT_BUF_MAX - 1);

		if (len < 0 || (size_t)len * 2 != strlen(tok[4]))
			return -EINVAL;
		g.buf[0] = (uint8_t)len;
	}
	r = gatt_run(c->gatt, &g, on_op, c);
	if (r == -EINVAL)
		return r;
	if (r < 0) {
		*why = gatt_commands_start_error(r);
		return r;
	}
	jw_key(w, "MI32Gatt");
	jw_str(w, "Pending");
	return 0;
}

void gatt_commands_tick(struct commands_ctx *c, uint64_t now_us)
{
	unsigned int n;

	if (!c->gatt || !c->battery_poll_h)
		return;
	if (!c->next_poll_us) {
		/* the first round a minute after start: the scan has found the sensors */
		c->next_poll_us = now_us + 60 * 1000000ull;
		return;
	}
	if (now_us < c->next_poll_us)
		return;
	c->next_poll_us = now_us + c->battery_poll_h * 3600 * 1000000ull;
	if (!gatt_ready(c->gatt)) {
		log_info("battery poll: bluetoothd is not running; next round in %u h",
			 c->battery_poll_h);
		return;
	}
	n = store_sensor_count(c->store);
	for (unsigned int slot = 0; slot < n; slot++) {
		const struct sensor *s = store_sensor(c->store, slot);
		const struct profile *p = profile_of(sensor_pid(s));
		const char *why;
		struct gatt_ctx g;

		if (!p || p->bat == BAT_NONE)
			continue;
		battery_ctx(p, sensor_mac(s), &g);
		if (start(c, WHAT_BATTERY, slot, &g, p, true, &why) < 0)
			log_info("battery poll: slot %u: %s", slot, why);
	}
}

void gatt_commands_stop(struct commands_ctx *c)
{
	if (c->gatt)
		gatt_cancel(c->gatt, c); /* MI32Gatt's */
	while (c->gatt_pending) {
		struct gatt_cmd *g = c->gatt_pending;

		c->gatt_pending = g->next;
		if (c->gatt)
			gatt_cancel(c->gatt, g);
		free(g);
	}
}
