/* SPDX-License-Identifier: MIT */
/* commands.c — the daemon's command handlers. Replies follow Tasmota (SPEC §8): the key is
 * the command as spelled in the table (with the index where it takes one), values are the
 * resulting state. Where Tasmota said nothing or "Done" for a bad argument, we answer
 * {"<Cmd>":"Error","Reason":"..."} and change nothing. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mibeacon.h"
#include "decode/registry.h"
#include "store/mi32cfg.h"
#include "store/mi32cfg_store.h"
#include "store/report.h"
#include "store/sensor.h"
#include "store/store.h"
#include "util/hex.h"
#include "util/name.h"
#include "util/timefmt.h"
#include "cmd/commands.h"
#include "cmd/commands_int.h"
#include "cmd/filter_commands.h"
#include "cmd/activate_commands.h"
#include "cmd/gatt_commands.h"
#include "cmd/script_commands.h"
#include "cmd/info_commands.h"
#include "cmd/pair_commands.h"
#include "cmd/server_commands.h"

/* Devices whose frames use the legacy (v2/v3) scheme with a 12-byte beaconkey. */
static bool uses_beaconkey(uint16_t pid)
{
	return pid == PID_YLKG08;
}

static void reply_str(struct jw *w, const char *key, const char *val)
{
	jw_key(w, key);
	jw_str(w, val);
}

/* Parse an integer payload strictly: the whole payload, optional sign. */
static int parse_int(const char *s, long *v)
{
	char *end;

	if (!*s)
		return -ENODATA;
	errno = 0;
	*v = strtol(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

static int cmd_mi32key(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	struct commands_ctx *c = ctx;
	char hex[64];
	uint8_t raw[22], key[16];
	size_t n = 0, len = strlen(req->payload);
	int slot, klen, err, check;
	bool force = false;
	const struct sensor *s;

	/* "<key><mac> force": set a key even though it fails the last frame heard */
	while (len && isspace((unsigned char)req->payload[len - 1]))
		len--;
	if (len > 5 && !strncasecmp(req->payload + len - 5, "force", 5) &&
	    isspace((unsigned char)req->payload[len - 6])) {
		force = true;
		len -= 5;
	}
	/* spaces and colons are what people paste; the digits are what counts */
	for (size_t i = 0; i < len && n < sizeof(hex) - 1; i++)
		if (!isspace((unsigned char)req->payload[i]) && req->payload[i] != ':' &&
		    req->payload[i] != '-')
			hex[n++] = req->payload[i];
	hex[n] = '\0';
	if (n != 44 && n != 36) {
		*why = "give the 32-hex-digit bind key followed by the 12-hex-digit MAC (44 digits),"
		       " or a 24-digit YLKG07/08 beaconkey followed by the MAC (36 digits)";
		return -EINVAL;
	}
	if (hex_decode(hex, raw, sizeof(raw)) != (int)n / 2) {
		*why = "the key and MAC must be hex digits";
		return -EINVAL;
	}
	klen = (int)n / 2 - 6;
	slot = store_find(c->store, raw + klen);
	if (slot < 0) {
		*why = "no sensor with this MAC has been heard yet (with MI32Option3 1 new sensors "
		       "are added when first heard)";
		return -ENOENT;
	}
	s = store_sensor(c->store, (unsigned int)slot);
	if (klen == 12) {
		if (!uses_beaconkey(sensor_pid(s))) {
			*why = "24 hex digits is the Mi token, not the bind key: MiBeacon v4/v5 "
			       "devices need the 32-digit bind key (only YLKG07/08 use a 24-digit "
			       "beaconkey)";
			return -EINVAL;
		}
		mibeacon_expand_beaconkey(raw, key);
	} else {
		memcpy(key, raw, 16);
	}
	/* Keys that just work: check it against the last encrypted frame heard before it
	 * replaces anything, so a typo cannot break a sensor that decodes (issue 17 #3) */
	check = store_try_key(c->store, (unsigned int)slot, key);
	if (check == -EKEYREJECTED && !force) {
		*why = "wrong key: it does not decrypt the last encrypted frame heard from this "
		       "sensor, so the key in use is kept (add \" force\" after the MAC to set it "
		       "anyway)";
		return check;
	}
	err = store_set_key(c->store, (unsigned int)slot, key);
	if (err < 0) {
		*why = "the key could not be prepared";
		return err;
	}
	reply_str(w, "MI32Key", "Done");
	switch (check) {
	case 0:
		reply_str(w, "Check", "decrypts");
		break;
	case -EKEYREJECTED:
		reply_str(w, "Check", "wrong key: it does not decrypt the last frame; set anyway "
				      "(force)");
		break;
	case -ENODATA:
		reply_str(w, "Check", "no encrypted frame heard yet");
		break;
	default:
		reply_str(w, "Check", "the last frame could not be checked");
		break;
	}
	return 0;
}

static int cmd_mi32name(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	struct commands_ctx *c = ctx;
	unsigned int count = store_sensor_count(c->store);
	/* the reason outlives this call until cmd_exec() writes it (single-threaded) */
	static char bad[NAME_WHY_LEN + 16];
	char name[STORE_NAME_MAX + 16], nwhy[NAME_WHY_LEN];
	int err;

	/* SPEC §8: the slot is 0-based, and a bare MI32Name means slot 1 (Tasmota's rule) */
	if ((unsigned int)req->index >= count) {
		*why = count ? "no sensor in this slot (slots count from 0; see Status 8)"
			     : "there are no sensors yet";
		return -ENOENT;
	}
	/* names go into SENSOR JSON, MQTT and Home Assistant: clean UTF-8 text only */
	if (name_check(req->payload, strlen(req->payload), nwhy) < 0) {
		snprintf(bad, sizeof(bad), "name: %s", nwhy);
		*why = bad;
		return -EINVAL;
	}
	err = store_set_name(c->store, (unsigned int)req->index, req->payload);
	if (err == -ENAMETOOLONG) {
		*why = "the name is too long (63 bytes at most)";
		return err;
	}
	if (err < 0) {
		*why = "the name could not be set";
		return err;
	}
	sensor_name(store_sensor(c->store, (unsigned int)req->index), name, sizeof(name));
	reply_str(w, "MI32Name", name);
	return 0;
}

/* Write the store's list to the file: every sensor (@order NULL), or those of @order. */
static int save_list(struct commands_ctx *c, const struct mi32cfg *order, char err[256])
{
	struct mi32cfg *cfg;
	char e2[MI32CFG_ERR_LEN];
	int rc = mi32cfg_from_store(c->store, order, &cfg);

	if (rc < 0) {
		snprintf(err, 256, "out of memory");
		return rc;
	}
	if (!order && mi32cfg_count(cfg) == 0)
		rc = -ENODATA, snprintf(err, 256, "no sensors: nothing written");
	else if ((rc = mi32cfg_save(c->mi32cfg_path, cfg, e2)) < 0)
		snprintf(err, 256, "%s", e2);
	mi32cfg_free(cfg);
	return rc;
}

int commands_save_mi32cfg(struct commands_ctx *c, char err[256])
{
	return save_list(c, NULL, err);
}

int commands_replace_mi32cfg(struct commands_ctx *c, const struct mi32cfg *cfg, bool *all_kept,
			     char err[256])
{
	unsigned int n;
	int rc = mi32cfg_apply(c->store, cfg);

	if (rc < 0) {
		snprintf(err, 256, "%s", rc == -ENOMEM ? "out of memory" : "the list could not be applied");
		return rc;
	}
	n = store_sensor_count(c->store);
	*all_kept = true;
	for (unsigned int i = 0; i < n; i++)
		if (mi32cfg_find(cfg, sensor_mac(store_sensor(c->store, i))) < 0)
			*all_kept = false;
	rc = save_list(c, cfg, err);
	if (rc == 0)
		c->mi32cfg_broken = false;
	return rc;
}

static int cmd_mi32cfg(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	struct commands_ctx *c = ctx;
	static char err[256];

	if (req->payload[0]) {
		*why = "MI32Cfg takes no argument: it saves the sensor list";
		return -EINVAL;
	}
	if (commands_save_mi32cfg(c, err) < 0) {
		*why = err;
		return -EIO;
	}
	reply_str(w, "MI32Cfg", "Done");
	if (c->mi32cfg_broken) {
		/* the user saved explicitly: the refused file is replaced now, as promised */
		reply_str(w, "Note", "replaced the file that was refused at start");
		c->mi32cfg_broken = false;
	}
	return 0;
}

static int cmd_mi32option(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	struct commands_ctx *c = ctx;
	char key[24];
	long v;
	int err;

	if (req->index < 0 || req->index >= STORE_OPTIONS) {
		*why = "options are MI32Option0 to MI32Option5";
		return -EINVAL;
	}
	err = parse_int(req->payload, &v);
	if (err == -EINVAL) {
		*why = "the value must be a number (0 or 1)";
		return err;
	}
	if (err == 0) {
		store_set_option(c->store, (unsigned int)req->index, v != 0);
		if (c->changed)
			c->changed(c->host, COMMANDS_CHANGED_OPTION, req->index);
	}
	snprintf(key, sizeof(key), "MI32Option%d", req->index);
	jw_key(w, key);
	jw_int(w, store_option(c->store, (unsigned int)req->index));
	return 0;
}

static int cmd_teleperiod(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	struct commands_ctx *c = ctx;
	long v;
	int err = parse_int(req->payload, &v);

	if (err == -EINVAL || (err == 0 && (v < 0 || v > 3600))) {
		*why = "TelePeriod is 0 (off), 1 (default 300) or 10..3600 seconds";
		return -EINVAL;
	}
	if (err == 0) {
		/* Tasmota: 1 resets to the default, 2..9 are raised to the minimum of 10 */
		c->teleperiod = v == 1 ? 300 : (v > 0 && v < 10) ? 10 : (unsigned int)v;
		if (c->changed)
			c->changed(c->host, COMMANDS_CHANGED_TELEPERIOD, (int)c->teleperiod);
	}
	jw_key(w, "TelePeriod");
	jw_uint(w, c->teleperiod);
	return 0;
}

static int cmd_topic(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	struct commands_ctx *c = ctx;

	if (req->payload[0]) {
		*why = "the topic is read only here: set `topic` in the config file";
		return -EPERM;
	}
	reply_str(w, "Topic", c->topic ? c->topic : "");
	return 0;
}

/* Backlog cmd1; cmd2; ...: each command in turn, as Tasmota. The reply merges the members of
 * theirs: {"TelePeriod":60,"MI32Option2":1}. A command that fails does not stop the others
 * (Tasmota neither); its error is in the reply. A Backlog inside a Backlog refuses the
 * whole line. */
static int cmd_backlog(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	static char line[CMD_LINE_MAX + 1], one[CMD_REPLY_MAX];
	static bool running; /* a command of it (a script's) ran mi32.cmd("Backlog ..."): the
			      * buffers above are in use */
	char *save = NULL, *cmd;
	unsigned int n = 0;

	if (running) {
		*why = "no Backlog inside a Backlog";
		return -EINVAL;
	}
	if (!req->payload[0]) {
		*why = "Backlog takes commands separated by \";\"";
		return -EINVAL;
	}
	if (strlen(req->payload) > CMD_LINE_MAX) {
		*why = "the Backlog is too long (1024 bytes at most)";
		return -E2BIG;
	}
	/* refused whole before anything runs: a Backlog never stops half-way */
	for (const char *p = req->payload; p; p = strchr(p, ';')) {
		p += *p == ';';
		while (isspace((unsigned char)*p))
			p++;
		if (!strncasecmp(p, "Backlog", 7) && (!p[7] || isspace((unsigned char)p[7]) ||
						    p[7] == ';')) {
			*why = "no Backlog inside a Backlog";
			return -EINVAL;
		}
	}
	snprintf(line, sizeof(line), "%s", req->payload);
	running = true;
	for (cmd = strtok_r(line, ";", &save); cmd; cmd = strtok_r(NULL, ";", &save)) {
		size_t len;

		while (isspace((unsigned char)*cmd))
			cmd++;
		if (!*cmd)
			continue;
		commands_exec(ctx, cmd, one, sizeof(one));
		/* the members of {...}: between the braces */
		len = strlen(one);
		if (len < 2 || one[0] != '{' || one[len - 1] != '}')
			continue;
		one[len - 1] = '\0';
		/* members at the object's level: jw_raw puts the comma as for a value */
		if (one[1])
			jw_raw(w, one + 1);
		n++;
	}
	running = false;
	if (!n) {
		*why = "Backlog takes commands separated by \";\"";
		return -EINVAL;
	}
	return 0;
}

/* HassClearDisco: a one-time clean-up after migrating from Tasmota + disco.be (README). */
static int cmd_hass_clear_disco(void *ctx, const struct cmd_req *req, struct jw *w,
				const char **why)
{
	struct commands_ctx *c = ctx;
	int r;

	if (req->payload[0]) {
		*why = "HassClearDisco takes no argument";
		return -EINVAL;
	}
	if (!c->hass_clear_disco) {
		*why = "Home Assistant discovery is off: it needs MQTT (mqtt-host) and hass on";
		return -ENOTSUP;
	}
	r = c->hass_clear_disco(c->hass_data);
	if (r == -ENOTCONN) {
		*why = "not connected to the MQTT broker: try again once connected";
		return r;
	}
	if (r < 0) {
		*why = "could not subscribe to the discovery configs";
		return r;
	}
	jw_key(w, "HassClearDisco");
	jw_str(w, "Started");
	jw_key(w, "Note");
	jw_str(w, "disco.be's retained configs are deleted as the broker sends them, for "
		  "10 s; the log names each");
	return 0;
}

/* HomeKitReset: un-pair every controller (README, "Apple Home"). */
static int cmd_homekit_reset(void *ctx, const struct cmd_req *req, struct jw *w,
			     const char **why)
{
	struct commands_ctx *c = ctx;
	static char err[256];
	struct sink_homekit before;
	int r;

	if (req->payload[0] && strcmp(req->payload, "1")) {
		*why = "HomeKitReset takes no argument (or 1)";
		return -EINVAL;
	}
	if (!sink_homekit_get(&c->homekit, &before) || !c->homekit.reset) {
		*why = "the HomeKit bridge is off: start mi32 with --homekit (config: homekit yes)";
		return -ENOTSUP;
	}
	r = c->homekit.reset(c->homekit.data, err, sizeof(err));
	if (r < 0) {
		*why = err;
		return r;
	}
	jw_key(w, "HomeKitReset");
	jw_str(w, "Done");
	jw_key(w, "Removed");
	jw_uint(w, before.controllers);
	jw_key(w, "Note");
	jw_str(w, "every controller is un-paired; remove the old bridge from the Home app, then "
		  "add it again with the setup code (web UI, or the log)");
	return 0;
}

/* Rule<n>: Tasmota's rules (the seed's key example is one) are not here: say what is. */
static int cmd_rule(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	(void)ctx;
	(void)req;
	(void)w;
	*why = "rules are not supported: mi32 has no Tasmota rule engine; Lua scripts take their "
	       "place (--script, the Script command). To set a bind key use MI32Key <32 hex "
	       "key><12 hex MAC> or the mi32cfg file";
	return -EOPNOTSUPP;
}

const struct cmd_def commands_table[] = {
	{ "MI32Cfg", cmd_mi32cfg, CMD_F_WRITES, "save the sensor list (mi32cfg)" },
	{ "MI32Key", cmd_mi32key, CMD_F_WRITES, "<32 hex key><12 hex MAC>: set a bind key" },
	{ "MI32Name", cmd_mi32name, CMD_F_INDEXED | CMD_F_WRITES,
	  "<slot> [name]: set (or with no name, remove) a sensor's name" },
	{ "MI32Option", cmd_mi32option, CMD_F_INDEXED | CMD_F_WRITES,
	  "<n> [0|1]: query or set option n (0..5)" },
	{ "MI32Watch", filter_commands_watch, CMD_F_INDEXED | CMD_F_WRITES,
	  "[0|1] [MAC]: show, add (1) or remove (0) a watched address; non-empty = only these" },
	{ "MI32Block", filter_commands_block, CMD_F_INDEXED | CMD_F_WRITES,
	  "[0|1] [MAC]: show, add (1) or remove (0) a blocked address; 0 alone empties" },
	{ "TelePeriod", cmd_teleperiod, CMD_F_WRITES, "[seconds]: 0 off, 10..3600" },
	{ "Status", commands__status, 0,
	  "[0|1|2|3|4|5|8|10|11]: device, parameters, firmware, logging, memory, network, "
	  "sensors, state" },
	{ "Topic", cmd_topic, 0, "the MQTT topic (read only)" },
	{ "State", commands__state, 0, "uptime, memory, load, counters and the radio" },
	{ "Backlog", cmd_backlog, CMD_F_WRITES, "<cmd>; <cmd>; ...: run commands in turn" },
	{ "HassClearDisco", cmd_hass_clear_disco, CMD_F_WRITES,
	  "delete disco.be's retained Home Assistant configs (once, after migrating)" },
	{ "HomeKitReset", cmd_homekit_reset, CMD_F_WRITES,
	  "un-pair every HomeKit controller (the bridge can then be added again)" },
	{ "Rule", cmd_rule, CMD_F_INDEXED, "not supported: Tasmota rules (use Lua scripts)" },
	/* through bluetoothd (gatt_commands.c): the reply says Pending, a RESULT follows */
	{ "MI32Battery", gatt_commands_battery, CMD_F_INDEXED | CMD_F_WRITES,
	  "<slot>: read the battery by GATT (LYWSD02, LYWSD03MMC, MHO-C401, Flora, CGD1)" },
	{ "MI32Time", gatt_commands_time, CMD_F_INDEXED | CMD_F_WRITES,
	  "<slot>: set the clock of a LYWSD02 or MHO-C303 to this machine's" },
	{ "MI32Unit", gatt_commands_unit, CMD_F_INDEXED | CMD_F_WRITES,
	  "<slot> C|F: set the unit a LYWSD02 or MHO-C303 shows" },
	{ "MI32Firmware", gatt_commands_firmware, CMD_F_INDEXED | CMD_F_WRITES,
	  "<slot>: read a Flora's firmware version (and battery) by GATT" },
	{ "MI32Gatt", gatt_commands_op, CMD_F_WRITES,
	  "<op>[r] <MAC>[/r] [<svc> [<chr>|0x<handle> [<hex>]]]: one GATT client op (SPEC 11.2)" },
	{ "MI32Activate", activate_commands_run, CMD_F_WRITES,
	  "<MAC>|<slot> [legacy]: register a Xiaomi sensor here to learn its bind key (unbinds it "
	  "from Mi Home)" },
	{ "Script", script_commands_script, CMD_F_WRITES,
	  "[<lua>]: evaluate a line of Lua (Tasmota's Br); alone: the scripts' status" },
	{ "ScriptReload", script_commands_reload, CMD_F_WRITES,
	  "<name>: load a script again from its file (the old one's timers and GATT ops end)" },
	{ "MI32Server", server_commands_op, CMD_F_WRITES,
	  "201|202|211[r]|231|232|233 <args> | stop: GATT server and advertising ops (SPEC 11.2)" },
	{ "MI32Pair", pair_commands_pair, CMD_F_WRITES,
	  "<MAC>[/r] [<PIN>]: pair with a phone or tag and keep its IRK (a PID 0000 entry)" },
	{ "MI32Irk", pair_commands_irk, CMD_F_WRITES,
	  "<MAC> <IRK> [<name>]: track a device with a private address by its IRK (a PID 0000 "
	  "entry)" },
	{ "MI32Info", info_commands_info, 0,
	  "[<MAC>]: role, own address, bonds and a link's peer, RSSI, MTU (the seed's BLE.info)" },
};
const size_t commands_count = sizeof(commands_table) / sizeof(commands_table[0]);

/* The table's command @line names, or NULL (NULL too without memory: cmd_exec says so). */
static const struct cmd_def *in_table(const char *line)
{
	size_t len = strlen(line) + 1;
	char *buf = malloc(len);
	struct cmd_req req;
	const struct cmd_def *d;

	if (!buf)
		return NULL;
	d = cmd_lookup(commands_table, commands_count, line, &req, buf, len);
	free(buf);
	return d;
}

int commands_exec(struct commands_ctx *ctx, const char *line, char *out, size_t size)
{
	int rc;

	/* the table's first: a script cannot add a name of it, but a built-in always wins */
	if (ctx->script_env && !in_table(line) &&
	    script_commands_exec(ctx, line, out, size, &rc))
		return rc;
	return cmd_exec(commands_table, commands_count, ctx, line, out, size);
}

int commands_exec_split(struct commands_ctx *ctx, const char *name, const char *payload,
			char *out, size_t size)
{
	char *line;
	int err = cmd_join(name, payload, &line, out, size);

	if (err < 0)
		return err;
	err = commands_exec(ctx, line, out, size);
	free(line);
	return err;
}

bool commands_writes(const struct commands_ctx *ctx, const char *line)
{
	struct cmd_req req;
	char buf[CMD_LINE_MAX + 1];
	const struct cmd_def *d;

	if (strlen(line) > CMD_LINE_MAX)
		return true;
	d = cmd_lookup(commands_table, commands_count, line, &req, buf, sizeof(buf));
	if (d)
		return d->flags & CMD_F_WRITES;
	return script_commands_has(ctx, line);
}

void commands_set_state_extra(struct commands_ctx *ctx, void (*fn)(void *data, struct jw *w),
			      void *data)
{
	ctx->state_extra = fn;
	ctx->state_extra_data = data;
}

void commands_set_hass(struct commands_ctx *ctx, int (*fn)(void *data), void *data)
{
	ctx->hass_clear_disco = fn;
	ctx->hass_data = data;
}

void commands_set_mi32cfg_broken(struct commands_ctx *ctx, bool broken)
{
	ctx->mi32cfg_broken = broken;
}
