/* SPDX-License-Identifier: MIT */
/* lib.h — the modules a script gets, as globals (Berry's `import X` has no Lua line to port:
 * the names are simply there): `mi32` (Tasmota's `tasmota` object: publish, cmd, timers,
 * log, time, and commands of the script's own (lib_cmd.c); also reachable as `tasmota`),
 * `MI32` (the sensor list: devices, get_name, get_MAC, set_bat/set_hum/set_temp, widget)
 * and `BLE` (lib_ble.c). docs/scripting.md documents each function with the seed's name. */
#ifndef MI32_SCRIPT_LIB_H
#define MI32_SCRIPT_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>
#include <systemd/sd-event.h>

struct adv;
struct ble;
struct commands_ctx;
struct jw;
struct lib_cmd_call;
struct lib_cmds;
struct script;
struct gatt;
struct store;
struct widgets;

/* What the modules work on; the daemon (or `mi32 script`) owns it and every pointer. */
struct script_env {
	sd_event *ev;                /* timers */
	struct store *store;         /* MI32 */
	struct commands_ctx *cmd;    /* mi32.cmd */
	/* mi32.publish: NULL = no MQTT (publish returns false) */
	int (*publish)(void *data, const char *topic, const void *payload, size_t len,
		       bool retain);
	void *publish_data;
	/* the dashboard's script boxes (MI32.widget, widgets.h); NULL = no dashboard */
	struct widgets *widget;
	struct gatt *gatt;           /* BLE.run; NULL = GATT is off */
	unsigned int timers;         /* pending mi32.add_timer()s, over every script */
	struct ble *ble_listeners;   /* lib_ble.c's: scripts with a BLE.adv_cb */
	struct lib_cmds *cmds;       /* lib_cmd.c's: scripts with commands (mi32.add_cmd) */
	struct lib_cmd_call *cmd_call; /* lib_cmd.c's: the script command running now */
};

/* Open every module in @L with @env (a struct script_env): the scripts_opts.open hook.
 * Raises a Lua error on failure (call it protected). */
void lib_open(lua_State *L, void *env);

/* The members the modules add to script @s's object in the status (scripts_opts.status):
 * "Commands", the names it added with mi32.add_cmd. */
void lib_status(const struct script *s, struct jw *w, void *env);

/* Open `mi32` (and `tasmota`, the same table) and `MI32` in @L. */
void lib_mi32_open(lua_State *L, struct script_env *env);

/* Add mi32.add_cmd, remove_cmd and the resp_cmnd functions (lib_cmd.c) to the `mi32`
 * table on the top of @L's stack. */
void lib_cmd_open(lua_State *L, struct script_env *env);

/* "Commands":[...]: the names script @s added, in the order added, as a member in @w. */
void lib_cmd_status(struct script_env *env, const struct script *s, struct jw *w);

/* Whether @line ("<name>[<idx>] [payload]") names a command a script added. */
bool lib_cmd_has(struct script_env *env, const char *line);

/* Run @line if it names a command a script added: its JSON reply goes to @out and *@rc is 0
 * or a negative errno (the callback failed, the script is stopped, ...). Returns false, and
 * writes nothing, when no script has such a command. */
bool lib_cmd_exec(struct script_env *env, const char *line, char *out, size_t size, int *rc);

/* Open `BLE` (lib_ble.c) in @L. */
void lib_ble_open(lua_State *L, struct script_env *env);

/* An advertisement for the scripts' BLE.adv_cb (queued, delivered from the loop). The
 * daemon calls it for every advert it handles. */
void lib_ble_adv(struct script_env *env, const struct adv *adv);

/* Push the JSON text @json as a Lua value (objects and arrays as tables). Returns false (and
 * pushes nothing) when it does not parse. */
bool lib_push_json(lua_State *L, const char *json);

#endif
