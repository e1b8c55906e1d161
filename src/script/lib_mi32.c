/* SPDX-License-Identifier: MIT */
/* lib_mi32.c — the `mi32` and `MI32` modules (lib.h). Every function gets the environment as
 * its upvalue; a timer's callback runs through script_call() like any other entry into Lua. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <lauxlib.h>

#include "cmd/commands.h"
#include "decode/reading.h"
#include "script/bytes.h"
#include "script/lib.h"
#include "script/script.h"
#include "script/widgets.h"
#include "store/sensor.h"
#include "store/store.h"
#include "util/log.h"
#include "util/timefmt.h"

#define ENV(L) ((struct script_env *)lua_touserdata(L, lua_upvalueindex(1)))
#define TIMER_META "mi32.timer"
#define TIMERS_KEY "mi32.timers" /* registry: id -> timer userdata while pending */

/* ---- JSON to Lua (mi32.cmd's reply) --------------------------------------------------- */

static void push_cjson(lua_State *L, const cJSON *j)
{
	const cJSON *c;
	lua_Integer i = 1;

	luaL_checkstack(L, 4, "JSON too deep");
	if (cJSON_IsString(j)) {
		lua_pushstring(L, j->valuestring);
	} else if (cJSON_IsNumber(j)) {
		double d = j->valuedouble;

		if (d == floor(d) && fabs(d) < 9007199254740992.0)
			lua_pushinteger(L, (lua_Integer)d);
		else
			lua_pushnumber(L, d);
	} else if (cJSON_IsBool(j)) {
		lua_pushboolean(L, cJSON_IsTrue(j));
	} else if (cJSON_IsArray(j)) {
		lua_createtable(L, cJSON_GetArraySize(j), 0);
		cJSON_ArrayForEach(c, j) {
			push_cjson(L, c);
			lua_rawseti(L, -2, i++);
		}
	} else if (cJSON_IsObject(j)) {
		lua_createtable(L, 0, cJSON_GetArraySize(j));
		cJSON_ArrayForEach(c, j) {
			push_cjson(L, c);
			lua_setfield(L, -2, c->string);
		}
	} else {
		lua_pushnil(L); /* null */
	}
}

static int push_cjson_protected(lua_State *L)
{
	push_cjson(L, lua_touserdata(L, 1));
	return 1;
}

bool lib_push_json(lua_State *L, const char *json)
{
	cJSON *j = cJSON_Parse(json);
	int status;

	if (!j)
		return false;
	/* the tree is freed even when Lua raises (no memory for a table, too deep): the text
	 * may come from anyone who can send a command (a script command's payload_json) */
	lua_pushcfunction(L, push_cjson_protected);
	lua_pushlightuserdata(L, j);
	status = lua_pcall(L, 1, 1, 0);
	cJSON_Delete(j);
	if (status != LUA_OK)
		lua_error(L);
	return true;
}

/* ---- mi32 ------------------------------------------------------------------------------ */

/* mi32.publish(topic, payload[, retain]) -> bool: false without MQTT or while it is away */
static int l_publish(lua_State *L)
{
	struct script_env *e = ENV(L);
	const char *topic = luaL_checkstring(L, 1);
	size_t n;
	const char *p;
	uint8_t *b = bytes_test(L, 2, &n);

	p = b ? (const char *)b : luaL_checklstring(L, 2, &n);
	lua_pushboolean(L, e->publish &&
			e->publish(e->publish_data, topic, p, n, lua_toboolean(L, 3)) == 0);
	return 1;
}

/* Run @line; push its reply as a table (@text false; not JSON: as a string) or as the text
 * the console prints (@text true). */
static int run_cmd(lua_State *L, bool text)
{
	struct script_env *e = ENV(L);
	const char *line = luaL_checkstring(L, 1);
	char *out;

	if (!e->cmd)
		return luaL_error(L, "mi32.cmd: no commands here");
	out = malloc(CMD_REPLY_MAX);
	if (!out)
		return luaL_error(L, "not enough memory");
	commands_exec(e->cmd, line, out, CMD_REPLY_MAX);
	if (text || !lib_push_json(L, out))
		lua_pushstring(L, out);
	free(out);
	return 1;
}

/* mi32.cmd(line) -> reply: the command's JSON reply as a table (Tasmota's tasmota.cmd) */
static int l_cmd(lua_State *L)
{
	return run_cmd(L, false);
}

/* mi32.cmd_raw(line) -> the reply's JSON text as the console prints it, its key order kept:
 * for a script that passes a reply on (the Nordic UART console); a Lua table has no order
 * and the seed's Berry map printed itself */
static int l_cmd_raw(lua_State *L)
{
	return run_cmd(L, true);
}

/* mi32.log(msg[, level]) as Tasmota (level 1 error, 2 info, 3-4 debug; default 2), or
 * mi32.log(level, msg) */
static int l_log(lua_State *L)
{
	struct script *s = script_of(L);
	int mi = lua_type(L, 1) == LUA_TNUMBER && lua_type(L, 2) == LUA_TSTRING ? 2 : 1;
	/* the level first: luaL_tolstring pushes the text, which would be read as a level */
	lua_Integer level = luaL_optinteger(L, mi == 1 ? 2 : 1, 2);
	const char *msg = luaL_tolstring(L, mi, NULL);
	int pri = level <= 1 ? LOG_ERR_ : level == 2 ? LOG_INFO_ : LOG_DEBUG_;

	log_msg(pri, "script %s: %s", script_name(s), msg);
	return 0;
}

/* mi32.time() -> seconds since the epoch (with fractions); mi32.millis() -> a monotonic
 * millisecond count (Tasmota's tasmota.millis()) */
static int l_time(lua_State *L)
{
	lua_pushnumber(L, (double)timefmt_now_us() / 1e6);
	return 1;
}

static int l_millis(lua_State *L)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	lua_pushinteger(L, (lua_Integer)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	return 1;
}

/* ---- timers ---------------------------------------------------------------------------- */

struct timer {
	sd_event_source *src;
	struct script_env *env;
	struct script *s;
	lua_Integer id;
};

static void timer_stop(struct timer *t)
{
	if (t->src) {
		sd_event_source_disable_unref(t->src);
		t->src = NULL;
		t->env->timers--;
	}
}

/* The registry's table of pending timers (id -> timer userdata), pushed. */
static void push_timers(lua_State *L)
{
	luaL_getsubtable(L, LUA_REGISTRYINDEX, TIMERS_KEY);
}

/* Protected: unlist timer @1 and call its function (the timer's user value). */
static int fire(lua_State *L)
{
	lua_Integer id = lua_tointeger(L, 1);

	push_timers(L);
	if (lua_rawgeti(L, -1, id) != LUA_TUSERDATA)
		return 0; /* removed meanwhile */
	lua_getiuservalue(L, -1, 1);
	lua_pushnil(L);
	lua_rawseti(L, -4, id);
	lua_call(L, 0, 0);
	return 0;
}

static int on_timer(sd_event_source *src, uint64_t usec, void *data)
{
	struct timer *t = data;
	struct script *s = t->s;
	lua_State *L = script_lua(s);

	(void)src;
	(void)usec;
	timer_stop(t);
	/* everything that touches Lua, even the table lookup (it may allocate), is protected */
	lua_pushcfunction(L, fire);
	lua_pushinteger(L, t->id);
	script_call(s, 1, 0, "timer");
	return 0;
}

static int timer_gc(lua_State *L)
{
	timer_stop(luaL_checkudata(L, 1, TIMER_META));
	return 0;
}

/* mi32.add_timer(ms, fn) -> id: call fn once after ms milliseconds (Tasmota's set_timer) */
static int l_add_timer(lua_State *L)
{
	struct script_env *e = ENV(L);
	lua_Integer ms = luaL_checkinteger(L, 1);
	struct timer *t;
	static lua_Integer next_id;
	int r;

	luaL_checktype(L, 2, LUA_TFUNCTION);
	if (ms < 0 || ms > 31LL * 86400 * 1000)
		return luaL_error(L, "mi32.add_timer: %I ms is out of range", (LUAI_UACINT)ms);
	if (!e->ev)
		return luaL_error(L, "mi32.add_timer: no event loop here");
	t = lua_newuserdatauv(L, sizeof(*t), 1);
	memset(t, 0, sizeof(*t));
	t->env = e;
	t->s = script_of(L);
	t->id = ++next_id;
	luaL_setmetatable(L, TIMER_META);
	lua_pushvalue(L, 2);
	lua_setiuservalue(L, -2, 1);
	r = sd_event_add_time_relative(e->ev, &t->src, CLOCK_MONOTONIC, (uint64_t)ms * 1000, 1000,
				       on_timer, t);
	if (r < 0)
		return luaL_error(L, "mi32.add_timer: %s", strerror(-r));
	e->timers++;
	push_timers(L);
	lua_pushvalue(L, -2);
	lua_rawseti(L, -2, t->id);
	lua_pushinteger(L, t->id);
	return 1;
}

/* mi32.remove_timer(id) -> bool: whether it was pending */
static int l_remove_timer(lua_State *L)
{
	lua_Integer id = luaL_checkinteger(L, 1);
	struct timer *t;

	push_timers(L);
	lua_rawgeti(L, -1, id);
	t = luaL_testudata(L, -1, TIMER_META);
	if (t) {
		timer_stop(t);
		lua_pushnil(L);
		lua_rawseti(L, -3, id);
	}
	lua_pushboolean(L, t != NULL);
	return 1;
}

/* ---- drivers (Tasmota's tasmota.add_driver) ------------------------------------------- */

#define DRIVERS_KEY "mi32.drivers"      /* registry: the drivers, an array */
#define DRIVER_TICK_KEY "mi32.driver.tick" /* registry: the 50 ms timer's userdata */
#define DRIVER_TICK_META "mi32.drivertick"
#define DRIVER_TICK_US 50000

struct driver_tick {
	sd_event_source *src;
	struct script *s;
	unsigned long n;   /* ticks so far */
};

static const struct {
	unsigned int every; /* ticks */
	const char *method;
} driver_methods[] = { { 1, "every_50ms" }, { 2, "every_100ms" }, { 5, "every_250ms" },
		       { 20, "every_second" } };

/* Protected: call method @1 (an index of driver_methods) on every driver that has it, each
 * in its own call so that one failing driver does not stop the others. */
static int call_drivers(lua_State *L)
{
	const char *method = driver_methods[lua_tointeger(L, 1)].method;
	struct script *s = script_of(L);
	lua_Integer n;

	lua_getfield(L, LUA_REGISTRYINDEX, DRIVERS_KEY);
	n = (lua_Integer)lua_rawlen(L, -1);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, 2, i);
		if (lua_getfield(L, -1, method) != LUA_TFUNCTION) {
			lua_pop(L, 2);
			continue;
		}
		lua_insert(L, -2); /* fn, self */
		script_call(s, 1, 0, method);
	}
	return 0;
}

static int on_driver_tick(sd_event_source *src, uint64_t usec, void *data)
{
	struct driver_tick *t = data;
	lua_State *L = script_lua(t->s);

	t->n++;
	for (size_t i = 0; i < sizeof(driver_methods) / sizeof(driver_methods[0]); i++) {
		if (t->n % driver_methods[i].every)
			continue;
		/* nothing that allocates outside the protected call */
		lua_pushcfunction(L, call_drivers);
		lua_pushinteger(L, (lua_Integer)i);
		script_call(t->s, 1, 0, "drivers");
	}
	sd_event_source_set_time(src, usec + DRIVER_TICK_US);
	return 0;
}

static int driver_tick_gc(lua_State *L)
{
	struct driver_tick *t = luaL_checkudata(L, 1, DRIVER_TICK_META);

	sd_event_source_disable_unref(t->src);
	t->src = NULL;
	return 0;
}

/* mi32.add_driver(d): d.every_50ms/every_100ms/every_250ms/every_second(d) are called
 * from then on (Tasmota's tasmota.add_driver); mi32.remove_driver(d) */
static int l_add_driver(lua_State *L)
{
	struct script_env *e = ENV(L);
	struct driver_tick *t;

	luaL_checktype(L, 1, LUA_TTABLE);
	if (!e->ev)
		return luaL_error(L, "mi32.add_driver: no event loop here");
	luaL_getsubtable(L, LUA_REGISTRYINDEX, DRIVERS_KEY);
	lua_pushvalue(L, 1);
	lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	if (lua_getfield(L, LUA_REGISTRYINDEX, DRIVER_TICK_KEY) == LUA_TUSERDATA)
		return 0;
	t = lua_newuserdatauv(L, sizeof(*t), 0);
	memset(t, 0, sizeof(*t));
	t->s = script_of(L);
	luaL_setmetatable(L, DRIVER_TICK_META);
	lua_setfield(L, LUA_REGISTRYINDEX, DRIVER_TICK_KEY);
	if (sd_event_add_time_relative(e->ev, &t->src, CLOCK_MONOTONIC, DRIVER_TICK_US, 1000,
				       on_driver_tick, t) < 0 ||
	    sd_event_source_set_enabled(t->src, SD_EVENT_ON) < 0)
		return luaL_error(L, "mi32.add_driver: no timer");
	return 0;
}

static int l_remove_driver(lua_State *L)
{
	lua_Integer n;

	luaL_getsubtable(L, LUA_REGISTRYINDEX, DRIVERS_KEY);
	n = (lua_Integer)lua_rawlen(L, -1);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, -1, i);
		if (lua_rawequal(L, -1, 1)) {
			lua_pop(L, 1);
			for (; i < n; i++) {
				lua_rawgeti(L, -1, i + 1);
				lua_rawseti(L, -2, i);
			}
			lua_pushnil(L);
			lua_rawseti(L, -2, n);
			lua_pushboolean(L, 1);
			return 1;
		}
		lua_pop(L, 1);
	}
	lua_pushboolean(L, 0);
	return 1;
}

/* mi32.gen_cb(fn), cb.gen_cb(fn) -> fn: Berry needed these to make a C callback of a
 * closure; Lua closures are callbacks as they are, so a ported line keeps working */
static int l_gen_cb(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TFUNCTION);
	lua_settop(L, 1);
	return 1;
}

/* ---- MI32 ------------------------------------------------------------------------------ */

static const struct sensor *slot_arg(lua_State *L, struct script_env *e, int idx)
{
	lua_Integer slot = luaL_checkinteger(L, idx);

	if (!e->store || slot < 0 || slot >= (lua_Integer)store_sensor_count(e->store))
		return NULL;
	return store_sensor(e->store, (unsigned int)slot);
}

/* MI32.devices() -> the number of sensors */
static int l_devices(lua_State *L)
{
	struct script_env *e = ENV(L);

	lua_pushinteger(L, e->store ? store_sensor_count(e->store) : 0);
	return 1;
}

/* MI32.get_name(slot) -> the display name without the MAC suffix; "" out of range */
static int l_get_name(lua_State *L)
{
	const struct sensor *s = slot_arg(L, ENV(L), 1);
	char name[96] = "";

	if (s)
		sensor_name(s, name, sizeof(name));
	lua_pushstring(L, name);
	return 1;
}

/* MI32.get_MAC(slot) -> bytes(6), display order; nil out of range */
static int l_get_mac(lua_State *L)
{
	const struct sensor *s = slot_arg(L, ENV(L), 1);

	if (s)
		bytes_push(L, sensor_mac(s), 6);
	else
		lua_pushnil(L);
	return 1;
}

/* MI32.set_bat/set_hum/set_temp(slot, value) -> bool: set when the sensor has the feature.
 * Floats stay floats (the original truncated to an int). */
static int set_value(lua_State *L, unsigned int type)
{
	struct script_env *e = ENV(L);
	lua_Integer slot = luaL_checkinteger(L, 1);
	lua_Number v = luaL_checknumber(L, 2);

	if (type == READING_BATTERY)
		v = floor(v);
	lua_pushboolean(L, e->store && slot >= 0 && slot <= UINT32_MAX && isfinite(v) &&
			store_set_value(e->store, (unsigned int)slot, type, v) == 0);
	return 1;
}

static int l_set_bat(lua_State *L)
{
	return set_value(L, READING_BATTERY);
}

static int l_set_hum(lua_State *L)
{
	return set_value(L, READING_HUMIDITY);
}

static int l_set_temp(lua_State *L)
{
	return set_value(L, READING_TEMPERATURE);
}

/* MI32.widget: the script's box on the dashboard (widgets.h). Its state is a userdata in
 * the registry whose __gc takes the box away when the script goes. */
#define WIDGET_META "mi32.widget"
#define WIDGET_KEY "mi32.widget.state" /* registry: the script's struct widget */

struct widget {
	struct script_env *env;
	struct script *s;
	int cb;                   /* registry ref of the callback, LUA_NOREF = none */
	sd_event_source *defer;   /* runs the callback after a dashboard asked */
};

static int on_widget_defer(sd_event_source *src, void *data)
{
	struct widget *wd = data;
	lua_State *L = script_lua(wd->s);

	(void)src;
	if (wd->cb != LUA_NOREF) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, wd->cb);
		script_call(wd->s, 0, 0, "widget callback");
	}
	return 0;
}

/* a dashboard asked for the widgets: the callback runs from the loop, not from inside the
 * web server's handler */
static void on_widget_request(void *data)
{
	struct widget *wd = data;

	if (!wd->env->ev)
		return;
	if (!wd->defer && sd_event_add_defer(wd->env->ev, &wd->defer, on_widget_defer, wd) < 0) {
		wd->defer = NULL;
		return;
	}
	sd_event_source_set_enabled(wd->defer, SD_EVENT_ONESHOT);
}

static int widget_gc(lua_State *L)
{
	struct widget *wd = luaL_checkudata(L, 1, WIDGET_META);

	if (wd->env->widget)
		widgets_set(wd->env->widget, script_name(wd->s), NULL);
	sd_event_source_disable_unref(wd->defer);
	wd->defer = NULL;
	return 0;
}

static struct widget *widget_of(lua_State *L, struct script_env *e)
{
	struct widget *wd;

	if (lua_getfield(L, LUA_REGISTRYINDEX, WIDGET_KEY) == LUA_TUSERDATA) {
		wd = lua_touserdata(L, -1);
		lua_pop(L, 1);
		return wd;
	}
	lua_pop(L, 1);
	wd = lua_newuserdatauv(L, sizeof(*wd), 0);
	memset(wd, 0, sizeof(*wd));
	wd->env = e;
	wd->s = script_of(L);
	wd->cb = LUA_NOREF;
	luaL_setmetatable(L, WIDGET_META);
	lua_setfield(L, LUA_REGISTRYINDEX, WIDGET_KEY);
	return wd;
}

/* MI32.widget(html[, cb]) -> bool: the script's box on the dashboard shows @html (in a
 * sandboxed frame); "" takes it away; @cb runs whenever a dashboard asks for the widgets.
 * MI32.widget() -> true: there is no queue to be full (a new fragment replaces the old). */
static int l_widget(lua_State *L)
{
	struct script_env *e = ENV(L);
	const char *html;
	struct widget *wd;
	int r;

	if (lua_isnone(L, 1) || !e->widget) {
		lua_pushboolean(L, lua_isnone(L, 1));
		return 1;
	}
	html = luaL_optstring(L, 1, "");
	if (!lua_isnoneornil(L, 2))
		luaL_checktype(L, 2, LUA_TFUNCTION);
	wd = widget_of(L, e);
	r = widgets_set(e->widget, script_name(wd->s), html);
	if (r == -E2BIG)
		return luaL_error(L, "MI32.widget: the fragment is longer than %d bytes",
				  WIDGETS_HTML_MAX);
	if (r < 0)
		return luaL_error(L, "not enough memory");
	if (lua_isfunction(L, 2)) {
		luaL_unref(L, LUA_REGISTRYINDEX, wd->cb);
		lua_pushvalue(L, 2);
		wd->cb = luaL_ref(L, LUA_REGISTRYINDEX);
	}
	if (*html && wd->cb != LUA_NOREF)
		widgets_set_request(e->widget, script_name(wd->s), on_widget_request, wd);
	lua_pushboolean(L, 1);
	return 1;
}

/* ---- opening ---------------------------------------------------------------------------- */

static const luaL_Reg mi32_fns[] = {
	{ "publish", l_publish }, { "cmd", l_cmd }, { "cmd_raw", l_cmd_raw }, { "log", l_log },
	{ "time", l_time }, { "millis", l_millis }, { "add_timer", l_add_timer },
	{ "remove_timer", l_remove_timer }, { "gen_cb", l_gen_cb },
	{ "add_driver", l_add_driver }, { "remove_driver", l_remove_driver }, { NULL, NULL },
};

static const luaL_Reg MI32_fns[] = {
	{ "devices", l_devices }, { "get_name", l_get_name }, { "get_MAC", l_get_mac },
	{ "set_bat", l_set_bat }, { "set_hum", l_set_hum }, { "set_temp", l_set_temp },
	{ "widget", l_widget }, { NULL, NULL },
};

static void new_module(lua_State *L, const luaL_Reg *fns, struct script_env *env)
{
	lua_newtable(L);
	lua_pushlightuserdata(L, env);
	luaL_setfuncs(L, fns, 1);
}

void lib_mi32_open(lua_State *L, struct script_env *env)
{
	luaL_newmetatable(L, TIMER_META);
	lua_pushcfunction(L, timer_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	luaL_newmetatable(L, DRIVER_TICK_META);
	lua_pushcfunction(L, driver_tick_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	luaL_newmetatable(L, WIDGET_META);
	lua_pushcfunction(L, widget_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	new_module(L, mi32_fns, env);
	lib_cmd_open(L, env);
	/* Tasmota's name for the same one-shot timer */
	lua_getfield(L, -1, "add_timer");
	lua_setfield(L, -2, "set_timer");
	lua_pushvalue(L, -1);
	lua_setglobal(L, "tasmota");
	lua_setglobal(L, "mi32");
	new_module(L, MI32_fns, env);
	lua_setglobal(L, "MI32");
	lua_createtable(L, 0, 1); /* Berry's cb module */
	lua_pushcfunction(L, l_gen_cb);
	lua_setfield(L, -2, "gen_cb");
	lua_setglobal(L, "cb");
}

void lib_status(const struct script *s, struct jw *w, void *env)
{
	lib_cmd_status(env, s, w);
}

void lib_open(lua_State *L, void *env)
{
	lib_mi32_open(L, env);
	lib_ble_open(L, env);
}
