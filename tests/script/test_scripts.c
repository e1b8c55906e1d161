/* SPDX-License-Identifier: MIT */
/* test_scripts.c — the daemon's list of scripts (scripts.c): the folder's *.lua in name
 * order then --script files, a failing script kept and counted, the status, and the Script
 * command's console through the command table (what the console, MQTT and HTTP run). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <lauxlib.h>

#include "cmd/commands.h"
#include "script/lib.h"
#include "script/scripts.h"
#include "run_lua.h"

static char dir[] = "/tmp/mi32-scripts-XXXXXX";
static char sdir[64], extra[96];

static int setup(void **state)
{
	char p[128];

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(sdir, sizeof(sdir), "%s/scripts", dir);
	mkdir(sdir, 0700);
	/* order shows in `order`: b runs after a; the failing one is kept */
	snprintf(p, sizeof(p), "%s/b.lua", sdir);
	put(p, "order = (order or '') .. 'b'\n");
	snprintf(p, sizeof(p), "%s/a.lua", sdir);
	put(p, "order = (order or '') .. 'a'\n");
	snprintf(p, sizeof(p), "%s/c.lua", sdir);
	put(p, "local x = nil\nreturn x.field\n");
	snprintf(p, sizeof(p), "%s/notes.txt", sdir);
	put(p, "not a script\n");
	snprintf(extra, sizeof(extra), "%s/extra.lua", dir);
	put(extra, "local lib = dofile('lib.lua')\nassert(lib == 5)\n");
	snprintf(p, sizeof(p), "%s/lib.lua", dir);
	put(p, "return 5\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void folder_and_files(void **state)
{
	char *files[] = { extra };
	struct scripts_opts o = { .lim = SCRIPT_LIMITS_DEFAULT, .dir = sdir, .files = files,
				  .n_files = 1 };
	struct scripts *h;
	char out[2048];
	struct jw w;

	(void)state;
	assert_int_equal(scripts_new(&o, &h), 0);
	assert_int_equal(scripts_start(h), 1); /* c.lua */
	assert_int_equal(scripts_count(h), 4);
	assert_string_equal(script_name(scripts_at(h, 0)), "a.lua");
	assert_string_equal(script_name(scripts_at(h, 2)), "c.lua");
	assert_string_equal(script_stats(scripts_at(h, 2))->last_error,
			    strcat(strcpy(out, sdir), "/c.lua:2: attempt to index a nil value "
						      "(local 'x')"));
	assert_string_equal(script_name(scripts_at(h, 3)), "extra.lua");
	assert_int_equal(script_stats(scripts_at(h, 3))->errors, 0);
	jw_init(&w, out, sizeof(out));
	jw_obj_begin(&w);
	scripts_status(h, &w);
	jw_obj_end(&w);
	assert_true(jw_finish(&w) > 0);
	assert_non_null(strstr(out, "{\"Name\":\"c.lua\",\"Errors\":1,\"LastError\":\""));
	assert_non_null(strstr(out, "],\"Errors\":1}"));
	scripts_free(h);
}

static void script_command(void **state)
{
	struct scripts_opts o = { .lim = SCRIPT_LIMITS_DEFAULT, .dir = sdir };
	struct commands_ctx c = { 0 };
	char out[4096];

	(void)state;
	assert_int_equal(commands_exec(&c, "Script 1+1", out, sizeof(out)), -EOPNOTSUPP);
	assert_string_equal(out, "{\"Script\":\"Error\",\"Reason\":\"scripts are off\"}");
	assert_int_equal(scripts_new(&o, &c.scripts), 0);
	assert_int_equal(commands_exec(&c, "Script 1+1", out, sizeof(out)), 0);
	assert_string_equal(out, "{\"Script\":2}");
	/* variables persist between lines, as in the Berry console */
	assert_int_equal(commands_exec(&c, "script x = bytes('0102')", out, sizeof(out)), 0);
	assert_string_equal(out, "{\"Script\":\"Done\"}");
	assert_int_equal(commands_exec(&c, "Script x:get(0, -2), x:tohex(), 1.5, nil, true", out,
				       sizeof(out)), 0);
	assert_string_equal(out, "{\"Script\":[258,\"0102\",1.5,null,true]}");
	assert_int_equal(commands_exec(&c, "Script x", out, sizeof(out)), 0);
	assert_string_equal(out, "{\"Script\":\"bytes('0102')\"}");
	assert_int_equal(commands_exec(&c, "Script error('boom')", out, sizeof(out)), -EINVAL);
	assert_string_equal(out, "{\"Script\":\"Error\",\"Reason\":\"Script:1: boom\"}");
	assert_int_equal(commands_exec(&c, "Script x = = 1", out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(out, "\"Reason\":\"Script:1: unexpected symbol near '='\""));
	assert_int_equal(commands_exec(&c, "Script while true do end", out, sizeof(out)),
			 -EINVAL);
	assert_non_null(strstr(out, "stopped after 1000 ms"));
	assert_int_equal(commands_exec(&c, "Script os.execute('id')", out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(out, "attempt to call a nil value (field 'execute')"));
	/* the console is never stopped for errors; the status counts them */
	assert_int_equal(commands_exec(&c, "Script 'still' .. ' here'", out, sizeof(out)), 0);
	assert_string_equal(out, "{\"Script\":\"still here\"}");
	assert_int_equal(commands_exec(&c, "Script", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "{\"Script\":{\"Scripts\":[{\"Name\":\"console\",\"Errors\":3,"));
	assert_true(commands_writes(&c, "Script 1"));
	scripts_free(c.scripts);
}

/* Call the global function @fn of the first script as a callback would; the Reason of the
 * command reply it returns. */
static const char *called(struct scripts *h, const char *fn)
{
	static char reason[128];
	struct script *s = (struct script *)scripts_at(h, 0);
	lua_State *L = script_lua(s);

	lua_getglobal(L, fn);
	assert_int_equal(script_call(s, 0, 1, "t"), 0);
	lua_getfield(L, -1, "Reason");
	snprintf(reason, sizeof(reason), "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "");
	lua_settop(L, 0);
	return reason;
}

/* ScriptReload: a fixed file runs anew in a fresh state; a script cannot reload itself
 * (its state is running); unknown names and the console are refused. */
static void reload(void **state)
{
	char path[128], *files[] = { path }, out[2048];
	struct commands_ctx c = { 0 };
	struct script_env env = { .cmd = &c };
	struct scripts_opts o = { .lim = SCRIPT_LIMITS_DEFAULT, .files = files, .n_files = 1,
				  .open = lib_open, .open_data = &env };

	(void)state;
	snprintf(path, sizeof(path), "%s/r.lua", dir);
	put(path, "x = nil\nx.y = 1\n");
	assert_int_equal(scripts_new(&o, &c.scripts), 0);
	assert_int_equal(scripts_start(c.scripts), 1);
	assert_int_equal(commands_exec(&c, "ScriptReload r.lua", out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(out, "r.lua:2: attempt to index a nil value"));
	put(path, "function again() return mi32.cmd('ScriptReload r.lua') end\n"
		  "function console() return mi32.cmd('Script 1+1') end\n"
		  "print('loaded')\n");
	assert_int_equal(commands_exec(&c, "ScriptReload r.lua", out, sizeof(out)), 0);
	assert_string_equal(out, "{\"ScriptReload\":\"r.lua\"}");
	assert_int_equal(script_stats(scripts_at(c.scripts, 0))->errors, 0);
	/* from inside itself: refused, the state lives on */
	assert_string_equal(called(c.scripts, "again"), "a script cannot reload itself");
	/* nor may it run a Script line, from a callback (no console line around it) as from
	 * the console */
	assert_string_equal(called(c.scripts, "console"), "Script cannot run from a script");
	/* Script @name: in that script's own state, its globals */
	assert_int_equal(commands_exec(&c, "Script @r.lua type(again)", out, sizeof(out)), 0);
	assert_string_equal(out, "{\"Script\":\"function\"}");
	assert_int_equal(commands_exec(&c, "Script type(again)", out, sizeof(out)), 0);
	assert_string_equal(out, "{\"Script\":\"nil\"}"); /* the console has no such global */
	assert_int_equal(commands_exec(&c, "Script @x.lua 1", out, sizeof(out)), -ENOENT);
	assert_string_equal(out, "{\"Script\":\"Error\",\"Reason\":\"no script named 'x.lua'\"}");
	assert_int_equal(commands_exec(&c, "ScriptReload nope.lua", out, sizeof(out)), -ENOENT);
	assert_int_equal(commands_exec(&c, "Script 1", out, sizeof(out)), 0);
	assert_int_equal(commands_exec(&c, "ScriptReload console", out, sizeof(out)), -ENOENT);
	assert_int_equal(commands_exec(&c, "ScriptReload", out, sizeof(out)), -EINVAL);
	scripts_free(c.scripts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(folder_and_files),
		cmocka_unit_test(script_command),
		cmocka_unit_test(reload),
	};
	return cmocka_run_group_tests_name("scripts", tests, setup, teardown);
}
