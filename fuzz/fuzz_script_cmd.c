/* SPDX-License-Identifier: MIT */
/* fuzz_script_cmd.c — a command line of "F" and arbitrary bytes through the command table
 * with a script's commands Fz and Fuzz_x added (lib_cmd.c): the name, its index and the
 * payload as cmd_lookup
 * reads them, the payload decoded as JSON into Lua (payload_json), the callback walking
 * every value and answering with the resp_ form the payload asks for. Whatever the bytes,
 * the reply is one JSON object, the script is never stopped, and its state keeps within
 * its memory cap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <lauxlib.h>

#include "cmd/commands.h"
#include "script/lib.h"
#include "script/script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* walks payload_json to the bottom (a table may hold itself only through a bug) and answers
 * by the payload's first byte */
static const char LUA[] =
	"local function walk(v, d)\n"
	"  if d > 2000 then error('too deep') end\n"
	"  if type(v) == 'table' then for k, x in pairs(v) do walk(k, d + 1) walk(x, d + 1) end end\n"
	"end\n"
	"local function cb(cmd, idx, payload, json)\n"
	"  assert(type(cmd) == 'string' and math.type(idx) == 'integer' and idx >= 0)\n"
	"  assert(type(payload) == 'string')\n"
	"  walk(json, 0)\n"
	"  local c = payload:sub(1, 1)\n"
	"  if c == 'd' then mi32.resp_cmnd_done()\n"
	"  elseif c == 'e' then mi32.resp_cmnd_error(payload)\n"
	"  elseif c == 's' then mi32.resp_cmnd_str(payload)\n"
	"  elseif c == '{' then pcall(mi32.resp_cmnd, payload) end\n"
	"end\n"
	"mi32.add_cmd('Fz', cb)\n"
	"mi32.add_cmd('Fuzz_x', cb)\n";

static struct commands_ctx c;
static struct script_env env;
static struct script *s;

static int open_lib(lua_State *L)
{
	lib_open(L, lua_touserdata(L, 1));
	return 0;
}

static void open_once(void)
{
	struct script_limits lim = SCRIPT_LIMITS_DEFAULT;
	lua_State *L;

	lim.max_errors = 0; /* checked below: no input may make the callback fail */
	env.cmd = &c;
	c.script_env = &env;
	if (script_new("fuzz.lua", NULL, &lim, &s) < 0)
		abort();
	L = script_lua(s);
	lua_pushcfunction(L, open_lib);
	lua_pushlightuserdata(L, &env);
	if (script_call(s, 1, 0, "open") < 0 || luaL_loadstring(L, LUA) != LUA_OK ||
	    script_call(s, 0, 0, "top level") < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[CMD_LINE_MAX + 1], out[4096];
	size_t n = size < CMD_LINE_MAX - 1 ? size : CMD_LINE_MAX - 1;
	cJSON *j;

	if (!s)
		open_once();
	/* "F" + the bytes: the script's names and whatever follows them, never a built-in
	 * (none starts with F; those are other targets' to fuzz, against a store) */
	line[0] = 'F';
	memcpy(line + 1, data, n);
	line[n + 1] = '\0';
	if (strlen(line) != n + 1)
		return 0; /* a NUL inside: not a line any channel hands over */
	out[0] = '\0'; /* a path that answers nothing fails below, not on the last reply */
	commands_exec(&c, line, out, sizeof(out));
	j = cJSON_Parse(out);
	if (!cJSON_IsObject(j))
		abort();
	cJSON_Delete(j);
	/* the callback never failed (no error, no time-out, no lack of memory) */
	if (script_stats(s)->errors || script_stats(s)->stopped)
		abort();
	return 0;
}
