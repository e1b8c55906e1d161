/* SPDX-License-Identifier: MIT */
/* lib_cmd.c — commands a script adds, as Tasmota's tasmota.add_cmd (lib.h): mi32.add_cmd(name,
 * fn), mi32.remove_cmd(name), and the replies mi32.resp_cmnd(json), resp_cmnd_done(),
 * resp_cmnd_error([reason]), resp_cmnd_failed(), resp_cmnd_str(s). Each script's commands
 * are one userdata in its registry, linked into env->cmds; its __gc unlinks them, so the
 * commands go with the state (ScriptReload, the daemon's end) and nothing calls into a closed
 * state. The command path (commands_exec) runs them after the built-in table, from every
 * channel; a call goes through script_call() as every callback does: errors are counted and
 * logged with file:line, slow calls measured. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <lauxlib.h>

#include "cmd/commands.h"
#include "script/lib.h"
#include "script/script.h"
#include "util/log.h"

#define ENV(L) ((struct script_env *)lua_touserdata(L, lua_upvalueindex(1)))
#define CMDS_META "mi32.cmds"
#define CMDS_KEY "mi32.cmds.state" /* registry: the script's struct lib_cmds */
#define CMDS_MAX 32                /* commands of one script */
#define NEST_MAX 8                 /* script commands running inside one another */

struct lib_cmds {
	struct script_env *env;
	struct script *s;
	struct lib_cmds *next;          /* env->cmds: scripts with commands */
	unsigned int n;
	char names[CMDS_MAX][CMD_NAME_MAX]; /* as registered: the reply's key */
	int refs[CMDS_MAX];             /* the callbacks, registry refs */
	/* the names as a table cmd_lookup() reads: "<name>[<idx>] [payload]" as the built-ins */
	struct cmd_def defs[CMDS_MAX];
};

/* The script command running now (the innermost): where the resp_ functions write. */
struct lib_cmd_call {
	const char *name;
	char *out;
	size_t size;
	bool responded;
	unsigned int depth;
	struct lib_cmd_call *prev;
};

/* ---- the list -------------------------------------------------------------------------- */

static void listed(struct lib_cmds *c, bool on)
{
	struct lib_cmds **p = &c->env->cmds;

	while (*p && *p != c)
		p = &(*p)->next;
	if (on && !*p) {
		c->next = c->env->cmds;
		c->env->cmds = c;
	} else if (!on && *p) {
		*p = c->next;
	}
}

static int cmds_gc(lua_State *L)
{
	listed(luaL_checkudata(L, 1, CMDS_META), false);
	return 0;
}

static struct lib_cmds *cmds_of(lua_State *L)
{
	struct lib_cmds *c;

	lua_getfield(L, LUA_REGISTRYINDEX, CMDS_KEY);
	c = lua_touserdata(L, -1);
	lua_pop(L, 1);
	if (!c)
		luaL_error(L, "mi32.add_cmd: not opened");
	return c;
}

/* The command @line names: its script's list and slot, or NULL; @req as cmd_lookup() fills
 * it (its payload points into @buf). Names are unique and never end in a digit, so at most
 * one script's list matches. */
static struct lib_cmds *find(struct script_env *env, const char *line, struct cmd_req *req,
			     char *buf, size_t size, unsigned int *slot)
{
	for (struct lib_cmds *c = env ? env->cmds : NULL; c; c = c->next) {
		const struct cmd_def *d = cmd_lookup(c->defs, c->n, line, req, buf, size);

		if (d) {
			*slot = (unsigned int)(d - c->defs);
			return c;
		}
	}
	return NULL;
}

/* A command name a user can type everywhere: a letter, then letters, digits or '_', not
 * ending in a digit (the number after a name is its index: gpower2). NULL = fine. */
static const char *name_problem(const char *name, size_t len)
{
	if (len == 0 || len >= CMD_NAME_MAX)
		return "a name of 1 to 31 characters";
	if (!isalpha((unsigned char)name[0]))
		return "a name starts with a letter";
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			return "a name has letters, digits and '_' only";
	if (isdigit((unsigned char)name[len - 1]))
		return "a name does not end in a digit (the number after a name is its index: "
		       "name2)";
	return NULL;
}

/* The list (other than @self) that has a command named @name, case-insensitively. */
static struct lib_cmds *owner(struct script_env *env, const char *name, struct lib_cmds *self,
			      unsigned int *slot)
{
	for (struct lib_cmds *c = env->cmds; c; c = c->next)
		for (unsigned int i = 0; c != self && i < c->n; i++)
			if (!strcasecmp(c->names[i], name)) {
				*slot = i;
				return c;
			}
	return NULL;
}

/* Check @name (argument 1) against the built-ins and the other scripts' commands; the
 * slot of this script's command of that name, or -1. Raises a Lua error on a clash. */
static int check_name(lua_State *L, const char *fn, struct lib_cmds *self)
{
	size_t len;
	const char *name = luaL_checklstring(L, 1, &len);
	const char *why = strlen(name) == len ? name_problem(name, len)
					      : "a name has letters, digits and '_' only";
	struct cmd_req req;
	char buf[CMD_NAME_MAX];
	unsigned int slot;
	struct lib_cmds *other;

	if (why)
		luaL_error(L, "%s: '%s': %s", fn, name, why);
	if (cmd_lookup(commands_table, commands_count, name, &req, buf, sizeof(buf)))
		luaL_error(L, "%s: '%s' is the built-in command %s", fn, name, req.name);
	other = owner(self->env, name, self, &slot);
	if (other)
		luaL_error(L, "%s: '%s' is a command of the script %s", fn, other->names[slot],
			   script_name(other->s));
	for (unsigned int i = 0; i < self->n; i++)
		if (!strcasecmp(self->names[i], name))
			return (int)i;
	return -1;
}

/* mi32.add_cmd(name, fn): `name` becomes a command of the daemon (console, MQTT
 * cmnd/<topic>/<name>, HTTP /cm) calling fn(cmd, idx, payload, payload_json). Adding a name
 * this script has again replaces its function (Tasmota's map does the same). */
static int l_add_cmd(lua_State *L)
{
	struct lib_cmds *c = cmds_of(L);
	int i = check_name(L, "mi32.add_cmd", c), ref;

	luaL_checktype(L, 2, LUA_TFUNCTION);
	if (i < 0 && c->n == CMDS_MAX)
		return luaL_error(L, "mi32.add_cmd: a script has %d commands at most", CMDS_MAX);
	lua_settop(L, 2);
	/* the ref first: it may fail for memory, and then nothing has changed */
	ref = luaL_ref(L, LUA_REGISTRYINDEX);
	if (i < 0)
		i = (int)c->n;
	else
		luaL_unref(L, LUA_REGISTRYINDEX, c->refs[i]);
	c->refs[i] = ref;
	snprintf(c->names[i], sizeof(c->names[i]), "%s", lua_tostring(L, 1));
	c->defs[i] = (struct cmd_def){ c->names[i], NULL, CMD_F_INDEXED | CMD_F_WRITES, NULL };
	if ((unsigned int)i == c->n) {
		c->n++;
		log_info("script %s: command %s added", script_name(c->s), c->names[i]);
	}
	listed(c, true);
	return 0;
}

/* mi32.remove_cmd(name) -> bool: whether this script had it */
static int l_remove_cmd(lua_State *L)
{
	struct lib_cmds *c = cmds_of(L);
	int i = check_name(L, "mi32.remove_cmd", c);

	if (i >= 0) {
		luaL_unref(L, LUA_REGISTRYINDEX, c->refs[i]);
		log_info("script %s: command %s removed", script_name(c->s), c->names[i]);
		c->n--;
		for (unsigned int j = (unsigned int)i; j < c->n; j++) {
			memcpy(c->names[j], c->names[j + 1], sizeof(c->names[j]));
			c->refs[j] = c->refs[j + 1];
			c->defs[j] = (struct cmd_def){ c->names[j], NULL,
						       CMD_F_INDEXED | CMD_F_WRITES, NULL };
		}
		if (!c->n)
			listed(c, false);
	}
	lua_pushboolean(L, i >= 0);
	return 1;
}

/* ---- replies ---------------------------------------------------------------------------- */

/* {"<name>":"<val>"[,"Reason":"<why>"]} into @out */
static void reply(char *out, size_t size, const char *name, const char *val, size_t len,
		  const char *why)
{
	struct jw w;

	jw_init(&w, out, size);
	jw_obj_begin(&w);
	jw_key(&w, name);
	jw_strn(&w, val, len);
	if (why) {
		jw_key(&w, "Reason");
		jw_str(&w, why);
	}
	jw_obj_end(&w);
	if (jw_finish(&w) < 0)
		snprintf(out, size, "{\"%s\":\"Error\",\"Reason\":\"reply too long\"}", name);
}

static struct lib_cmd_call *call_of(lua_State *L, const char *fn)
{
	struct lib_cmd_call *c = ENV(L)->cmd_call;

	if (!c)
		luaL_error(L, "mi32.%s: only while a command of a script runs (mi32.add_cmd)", fn);
	return c;
}

/* mi32.resp_cmnd(json): the reply as it is, a JSON object (Tasmota sent any text; the
 * channels here want JSON: Backlog merges the members, mi32.cmd decodes them) */
static int l_resp_cmnd(lua_State *L)
{
	size_t len;
	const char *json = luaL_checklstring(L, 1, &len);
	struct lib_cmd_call *c = call_of(L, "resp_cmnd");
	cJSON *j = strlen(json) == len ? cJSON_ParseWithOpts(json, NULL, true) : NULL;
	bool object = cJSON_IsObject(j);

	cJSON_Delete(j);
	if (!object) {
		char shown[48];

		snprintf(shown, sizeof(shown), "%.40s", json);
		return luaL_error(L, "mi32.resp_cmnd: not a JSON object: %s", shown);
	}
	if (len >= c->size)
		return luaL_error(L, "mi32.resp_cmnd: the reply is longer than %d bytes",
				  (int)c->size - 1);
	memcpy(c->out, json, len + 1);
	c->responded = true; /* only now: a refused reply (caught by a pcall) is none */
	return 0;
}

static int resp_value(lua_State *L, const char *fn, const char *val, const char *why)
{
	struct lib_cmd_call *c = call_of(L, fn);

	reply(c->out, c->size, c->name, val, strlen(val), why);
	c->responded = true;
	return 0;
}

/* mi32.resp_cmnd_done() -> {"<Cmd>":"Done"} */
static int l_resp_cmnd_done(lua_State *L)
{
	return resp_value(L, "resp_cmnd_done", "Done", NULL);
}

/* mi32.resp_cmnd_error([reason]) -> {"<Cmd>":"Error"[,"Reason":reason]}: Tasmota's takes
 * no argument; the reason is ours, as the built-in commands give one */
static int l_resp_cmnd_error(lua_State *L)
{
	return resp_value(L, "resp_cmnd_error", "Error", luaL_optstring(L, 1, NULL));
}

/* mi32.resp_cmnd_failed() -> {"<Cmd>":"Failed"} */
static int l_resp_cmnd_failed(lua_State *L)
{
	return resp_value(L, "resp_cmnd_failed", "Failed", NULL);
}

/* mi32.resp_cmnd_str(s) -> {"<Cmd>":"<s>"} */
static int l_resp_cmnd_str(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	struct lib_cmd_call *c = call_of(L, "resp_cmnd_str");

	reply(c->out, c->size, c->name, s, len, NULL);
	c->responded = true;
	return 0;
}

/* ---- the command path ------------------------------------------------------------------- */

struct call_args {
	int ref;
	const char *name;
	int idx;
	const char *payload;
};

/* Protected: fn(cmd, idx, payload, payload_json) */
static int call_fn(lua_State *L)
{
	const struct call_args *a = lua_touserdata(L, 1);

	lua_rawgeti(L, LUA_REGISTRYINDEX, a->ref);
	lua_pushstring(L, a->name);
	lua_pushinteger(L, a->idx);
	lua_pushstring(L, a->payload);
	if (!lib_push_json(L, a->payload))
		lua_pushnil(L);
	lua_call(L, 4, 0);
	return 0;
}

void lib_cmd_status(struct script_env *env, const struct script *s, struct jw *w)
{
	const struct lib_cmds *c = env ? env->cmds : NULL;

	while (c && c->s != s)
		c = c->next;
	jw_key(w, "Commands");
	jw_arr_begin(w);
	for (unsigned int i = 0; c && i < c->n; i++)
		jw_str(w, c->names[i]);
	jw_arr_end(w);
}

bool lib_cmd_has(struct script_env *env, const char *line)
{
	size_t len = strlen(line) + 1;
	char *buf = malloc(len);
	struct cmd_req req;
	unsigned int slot;
	bool found;

	/* without memory the line counts as a script's: a write (the caller refuses more) */
	if (!buf)
		return env && env->cmds;
	found = find(env, line, &req, buf, len, &slot) != NULL;
	free(buf);
	return found;
}

static int run(struct script_env *env, struct lib_cmds *c, unsigned int slot,
	       const struct cmd_req *req, char *out, size_t size)
{
	char name[CMD_NAME_MAX], what[CMD_NAME_MAX + 16];
	struct lib_cmd_call call = { .name = name, .out = out, .size = size,
				     .prev = env->cmd_call };
	struct call_args a = { c->refs[slot], name, req->index, req->payload };
	struct script *s = c->s;
	lua_State *L = script_lua(s);
	int r;

	/* copies: the callback may add or remove commands, which moves the list's entries */
	snprintf(name, sizeof(name), "%s", c->names[slot]);
	call.depth = call.prev ? call.prev->depth + 1 : 1;
	if (call.depth > NEST_MAX) {
		reply(out, size, name, "Error", 5, "script commands run inside one another too "
		      "deep (8 at most)");
		return -ELOOP;
	}
	snprintf(what, sizeof(what), "command %s", name);
	lua_pushcfunction(L, call_fn);
	lua_pushlightuserdata(L, &a);
	env->cmd_call = &call;
	r = script_call(s, 1, 0, what);
	env->cmd_call = call.prev;
	if (r == -ECANCELED) {
		char why[160];

		snprintf(why, sizeof(why), "the script %s is stopped after too many errors "
			 "(ScriptReload %s)", script_name(s), script_name(s));
		reply(out, size, name, "Error", 5, why);
		return r;
	}
	if (r < 0) {
		reply(out, size, name, "Error", 5, script_stats(s)->last_error);
		return r;
	}
	/* no reply: Tasmota sends the {"Command":"Error"} it set before any handler ran; the
	 * callback returned without an error, so it is done */
	if (!call.responded)
		reply(out, size, name, "Done", 4, NULL);
	return 0;
}

bool lib_cmd_exec(struct script_env *env, const char *line, char *out, size_t size, int *rc)
{
	size_t len = strlen(line) + 1;
	char *buf = malloc(len);
	struct lib_cmds *c;
	struct cmd_req req;
	unsigned int slot;

	if (!buf) {
		if (!env || !env->cmds)
			return false;
		snprintf(out, size, "{\"Command\":\"Error\",\"Reason\":\"out of memory\"}");
		*rc = -ENOMEM;
		return true;
	}
	c = find(env, line, &req, buf, len, &slot);
	if (c)
		*rc = run(env, c, slot, &req, out, size);
	free(buf);
	return c != NULL;
}

/* ---- opening ----------------------------------------------------------------------------- */

static const luaL_Reg fns[] = {
	{ "add_cmd", l_add_cmd }, { "remove_cmd", l_remove_cmd }, { "resp_cmnd", l_resp_cmnd },
	{ "resp_cmnd_done", l_resp_cmnd_done }, { "resp_cmnd_error", l_resp_cmnd_error },
	{ "resp_cmnd_failed", l_resp_cmnd_failed }, { "resp_cmnd_str", l_resp_cmnd_str },
	{ NULL, NULL },
};

void lib_cmd_open(lua_State *L, struct script_env *env)
{
	struct lib_cmds *c = lua_newuserdatauv(L, sizeof(*c), 0);

	memset(c, 0, sizeof(*c));
	c->env = env;
	c->s = script_of(L);
	luaL_newmetatable(L, CMDS_META);
	lua_pushcfunction(L, cmds_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, CMDS_KEY);
	lua_pushlightuserdata(L, env);
	luaL_setfuncs(L, fns, 1);
}
