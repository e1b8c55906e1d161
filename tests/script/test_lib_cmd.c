/* SPDX-License-Identifier: MIT */
/* test_lib_cmd.c — commands a script adds (lib_cmd.c, Tasmota's tasmota.add_cmd) through the
 * command table as the console, MQTT and HTTP run it: the callback's cmd, idx, payload and
 * payload_json; each resp_ form and no reply at all; names that clash with a built-in or
 * another script's command, or that a user could not type; removal, and the commands going
 * with their script (freed, ScriptReload); an error in the callback, a stopped script, a
 * slow callback; commands inside commands. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <lauxlib.h>

#include "cmd/commands.h"
#include "script/lib.h"
#include "script/script.h"
#include "script/scripts.h"
#include "run_lua.h"

struct fixture {
	struct commands_ctx cmd;
	struct script_env env;
	char out[4096];
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	f.cmd.topic = "t";
	f.env = (struct script_env){ .cmd = &f.cmd };
	f.cmd.script_env = &f.env;
	*state = &f;
	return 0;
}

/* Run @line through the command table: its return, the reply in f->out. */
static int exec(struct fixture *f, const char *line)
{
	return commands_exec(&f->cmd, line, f->out, sizeof(f->out));
}

/* The global @name of @s as a string ("nil" when it is nil). */
static const char *global(struct script *s, const char *name)
{
	static char v[256];
	lua_State *L = script_lua(s);

	lua_getglobal(L, name);
	snprintf(v, sizeof(v), "%s", luaL_tolstring(L, -1, NULL));
	lua_pop(L, 2);
	return v;
}

static void args_and_index(void **state)
{
	struct fixture *f = *state;
	struct script *s = script_with_lib("a.lua", &f->env);

	assert_int_equal(run(s, "mi32.add_cmd('Greet', function(cmd, idx, payload, json)\n"
				"  jt = type(json)\n"
				"  got = string.format('%s|%d|%s|%s', cmd, idx, payload,\n"
				"    type(json) == 'table' and tostring(json.x or json[2])\n"
				"    or tostring(json))\n"
				"  mi32.resp_cmnd_str('hi ' .. payload)\n"
				"end)\n"), 0);
	/* case-insensitive; the callback and the reply get the name as registered */
	assert_int_equal(exec(f, "greet2 {\"x\":5}"), 0);
	assert_string_equal(f->out, "{\"Greet\":\"hi {\\\"x\\\":5}\"}");
	assert_string_equal(global(s, "got"), "Greet|2|{\"x\":5}|5");
	/* no number: index 1 (Tasmota's); no payload: "" and no JSON */
	assert_int_equal(exec(f, "GREET"), 0);
	assert_string_equal(global(s, "got"), "Greet|1||nil");
	assert_int_equal(exec(f, "greet0 on"), 0);
	assert_string_equal(global(s, "got"), "Greet|0|on|nil");
	/* a JSON number or array is decoded too (Berry's json.load) */
	assert_int_equal(exec(f, "Greet 7"), 0);
	assert_string_equal(global(s, "got"), "Greet|1|7|7");
	/* MQTT: cmnd/<topic>/Greet3 with the payload apart */
	assert_int_equal(commands_exec_split(&f->cmd, "Greet3", "[1, 2]", f->out,
					     sizeof(f->out)), 0);
	assert_string_equal(global(s, "got"), "Greet|3|[1, 2]|2");
	/* JSON nested past cJSON's limit is no JSON, not a crash */
	{
		char deep[2 * 1200 + 16] = "Greet ";

		for (int i = 0; i < 1200; i++)
			strcat(deep, "[");
		for (int i = 0; i < 1200; i++)
			strcat(deep, "]");
		assert_int_equal(exec(f, deep), 0);
		assert_string_equal(global(s, "jt"), "nil");
	}
	/* a name with more after it is another command; a built-in still answers */
	assert_int_equal(exec(f, "Greeting"), -ENOENT);
	assert_string_equal(f->out, "{\"Command\":\"Unknown\"}");
	assert_int_equal(exec(f, "Greet2x"), -ENOENT);
	assert_int_equal(exec(f, "Topic"), 0);
	assert_string_equal(f->out, "{\"Topic\":\"t\"}");
	/* every script command is a write (HTTP: POST, CSRF, password) */
	assert_true(commands_writes(&f->cmd, "greet2 1"));
	assert_true(commands_writes(&f->cmd, "Greet"));
	assert_false(commands_writes(&f->cmd, "Status 8"));
	assert_false(commands_writes(&f->cmd, "Greeting"));
	assert_false(commands_writes(NULL, "Greet"));
	assert_true(commands_writes(&f->cmd, "MI32Option2 1"));
	/* in a Backlog, with the others */
	assert_int_equal(exec(f, "Backlog greet 1; Topic"), 0);
	assert_string_equal(f->out, "{\"Greet\":\"hi 1\",\"Topic\":\"t\"}");
	script_free(s);
	assert_null(f->env.cmds);
	assert_int_equal(exec(f, "Greet"), -ENOENT);
}

static void replies(void **state)
{
	struct fixture *f = *state;
	struct script *s = script_with_lib("r.lua", &f->env);
	static const struct {
		const char *lua, *reply;
	} cases[] = {
		{ "mi32.resp_cmnd_done()", "{\"R\":\"Done\"}" },
		{ "mi32.resp_cmnd_error()", "{\"R\":\"Error\"}" },
		{ "mi32.resp_cmnd_error('too \"big\"')",
		  "{\"R\":\"Error\",\"Reason\":\"too \\\"big\\\"\"}" },
		{ "mi32.resp_cmnd_failed()", "{\"R\":\"Failed\"}" },
		{ "mi32.resp_cmnd_str('a\\nb')", "{\"R\":\"a\\nb\"}" },
		{ "tasmota.resp_cmnd('{\"R\":{\"v\":[1,2]}}')", "{\"R\":{\"v\":[1,2]}}" },
		/* a refused reply caught by a pcall is no reply */
		{ "pcall(mi32.resp_cmnd, 'x')", "{\"R\":\"Done\"}" },
		/* the last reply wins, as Tasmota's response buffer */
		{ "mi32.resp_cmnd_error(); mi32.resp_cmnd_done()", "{\"R\":\"Done\"}" },
		/* none: the callback returned without an error (Tasmota: {"Command":"Error"}) */
		{ "local x = 1", "{\"R\":\"Done\"}" },
	};
	char code[256];

	assert_int_equal(run(s, "function r(cmd, idx, payload) load(payload)() end\n"
				"mi32.add_cmd('R', r)\n"), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(code, sizeof(code), "R %s", cases[i].lua);
		assert_int_equal(exec(f, code), 0);
		assert_string_equal(f->out, cases[i].reply);
	}
	/* resp_cmnd takes a JSON object only: anything else fails the callback */
	assert_int_equal(exec(f, "R mi32.resp_cmnd('Done')"), -EINVAL);
	assert_non_null(strstr(f->out, "{\"R\":\"Error\",\"Reason\":\""));
	assert_non_null(strstr(f->out, "mi32.resp_cmnd: not a JSON object: Done"));
	assert_int_equal(exec(f, "R mi32.resp_cmnd('[1]')"), -EINVAL);
	assert_int_equal(exec(f, "R mi32.resp_cmnd('{\"a\":1} x')"), -EINVAL);
	/* outside a command's callback the resp_ functions have nothing to answer */
	assert_int_equal(run(s, "mi32.resp_cmnd_done()"), -EINVAL);
	assert_non_null(strstr(script_stats(s)->last_error,
			       "mi32.resp_cmnd_done: only while a command of a script runs"));
	script_free(s);
}

/* @code fails in @s with a message containing @msg (and @s is not stopped for it) */
static void refused(struct script *s, const char *code, const char *msg)
{
	assert_int_equal(run(s, code), -EINVAL);
	if (!strstr(script_stats(s)->last_error, msg))
		fail_msg("%s: %s, not %s", code, script_stats(s)->last_error, msg);
	script_restart(s);
}

static void names(void **state)
{
	struct fixture *f = *state;
	struct script *a = script_with_lib("a.lua", &f->env);
	struct script *b = script_with_lib("b.lua", &f->env);

	assert_int_equal(run(a, "mi32.add_cmd('lamp', function() end)"), 0);
	/* the built-ins, in any case, with or without their index */
	refused(b, "mi32.add_cmd('status', print)", "mi32.add_cmd: 'status' is the built-in "
						    "command Status");
	refused(b, "mi32.add_cmd('MI32OPTION', print)", "is the built-in command MI32Option");
	refused(b, "mi32.add_cmd('Backlog', print)", "is the built-in command Backlog");
	/* another script's */
	refused(b, "mi32.add_cmd('LAMP', print)", "mi32.add_cmd: 'lamp' is a command of the "
						  "script a.lua");
	refused(b, "mi32.remove_cmd('Lamp')", "mi32.remove_cmd: 'lamp' is a command of the "
					      "script a.lua");
	refused(b, "mi32.remove_cmd('Status')", "is the built-in command Status");
	/* what a user could not type, or would be read as an index */
	refused(b, "mi32.add_cmd('lamp2', print)", "a name does not end in a digit");
	refused(b, "mi32.add_cmd('2lamp', print)", "a name starts with a letter");
	refused(b, "mi32.add_cmd('la mp', print)", "letters, digits and '_' only");
	refused(b, "mi32.add_cmd('a/b', print)", "letters, digits and '_' only");
	refused(b, "mi32.add_cmd('', print)", "a name of 1 to 31 characters");
	refused(b, "mi32.add_cmd(string.rep('a', 32), print)", "a name of 1 to 31 characters");
	refused(b, "mi32.add_cmd('x', 'not a function')", "function expected, got string");
	/* the script's own again: the new function replaces the old */
	assert_int_equal(run(a, "mi32.add_cmd('Lamp', function() mi32.resp_cmnd_str('2') end)"),
			 0);
	assert_int_equal(exec(f, "lamp"), 0);
	assert_string_equal(f->out, "{\"Lamp\":\"2\"}");
	/* removal: the script's own only; false when it has none of that name */
	assert_int_equal(run(b, "mi32.add_cmd('b_one', print) mi32.add_cmd('b_two', print)\n"
				"assert(mi32.remove_cmd('B_ONE') == true)\n"
				"assert(mi32.remove_cmd('b_one') == false)\n"
				"assert(mi32.remove_cmd('nothing') == false)\n"), 0);
	assert_int_equal(exec(f, "b_one"), -ENOENT);
	assert_int_equal(exec(f, "b_two"), 0);
	assert_string_equal(f->out, "{\"b_two\":\"Done\"}");
	/* at most 32 a script */
	refused(b, "for i = 1, 40 do mi32.add_cmd('c' .. i .. 'x', print) end",
		"mi32.add_cmd: a script has 32 commands at most");
	/* the name is free once its script is gone */
	script_free(a);
	assert_int_equal(exec(f, "lamp"), -ENOENT);
	assert_int_equal(run(b, "mi32.remove_cmd('b_two') mi32.add_cmd('lamp', print)"), 0);
	script_free(b);
	assert_null(f->env.cmds);
}

static void errors(void **state)
{
	struct fixture *f = *state;
	struct script *s = script_with_lib("e.lua", &f->env);

	assert_int_equal(run(s, "mi32.add_cmd('Boom', function(cmd, idx, payload)\n"
				"  if payload == 'slow' then\n"
				"    local t = os.clock() while os.clock() - t < 0.06 do end\n"
				"    return\n"
				"  end\n"
				"  mi32.resp_cmnd_done()\n"
				"  error('boom ' .. payload)\n"
				"end)\n"), 0);
	/* the error's reply replaces what the callback answered before it */
	assert_int_equal(exec(f, "boom 1"), -EINVAL);
	assert_string_equal(f->out, "{\"Boom\":\"Error\",\"Reason\":\"t:7: boom 1\"}");
	assert_int_equal(script_stats(s)->errors, 1);
	assert_string_equal(script_stats(s)->last_error, "t:7: boom 1");
	/* a slow callback is measured as every callback */
	assert_int_equal(exec(f, "boom slow"), 0);
	assert_string_equal(f->out, "{\"Boom\":\"Done\"}");
	assert_int_equal(script_stats(s)->slow, 1);
	/* 10 errors within 10 s stop the script's callbacks: its commands say so */
	for (int i = 2; i <= 10; i++)
		assert_int_equal(exec(f, "boom 1"), -EINVAL);
	assert_true(script_stats(s)->stopped);
	assert_int_equal(exec(f, "boom 2"), -ECANCELED);
	assert_string_equal(f->out, "{\"Boom\":\"Error\",\"Reason\":\"the script e.lua is stopped "
				    "after too many errors (ScriptReload e.lua)\"}");
	assert_int_equal(script_stats(s)->errors, 10);
	script_free(s);
}

static void nested(void **state)
{
	struct fixture *f = *state;
	struct script *s = script_with_lib("n.lua", &f->env);

	/* a command running itself through mi32.cmd: the 9th level is refused, the daemon
	 * goes on */
	assert_int_equal(run(s, "n = 0\n"
				"mi32.add_cmd('rec', function()\n"
				"  n = n + 1\n"
				"  mi32.resp_cmnd_str(mi32.cmd('rec').rec .. '<')\n"
				"end)\n"
				"mi32.add_cmd('bl', function() mi32.resp_cmnd(mi32.cmd_raw("
				"'Backlog Topic')) end)\n"), 0);
	assert_int_equal(exec(f, "rec"), 0);
	assert_string_equal(f->out, "{\"rec\":\"Error<<<<<<<<\"}");
	assert_string_equal(global(s, "n"), "8");
	/* a Backlog of a command that runs a Backlog: the inner one is refused, its buffers
	 * are the outer one's */
	assert_int_equal(exec(f, "Backlog bl; Topic"), 0);
	assert_string_equal(f->out, "{\"Backlog\":\"Error\",\"Reason\":\"no Backlog inside a "
				    "Backlog\",\"Topic\":\"t\"}");
	/* alone it runs */
	assert_int_equal(exec(f, "bl"), 0);
	assert_string_equal(f->out, "{\"Topic\":\"t\"}");
	script_free(s);
}

/* ScriptReload: the old state's commands go with it; the new top level adds its own */
static void reload(void **state)
{
	struct fixture *f = *state;
	/* a scripts folder of the test's own (mkdtemp fills in the X), as test_script.c */
	char dir[] = "/tmp/mi32-cmds-XXXXXX", path[128], *files[] = { path };
	struct scripts_opts o = { .lim = SCRIPT_LIMITS_DEFAULT, .files = files, .n_files = 1,
				  .open = lib_open, .open_data = &f->env, .status = lib_status };

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k.lua", dir);
	put(path, "mi32.add_cmd('Old', function() mi32.resp_cmnd_str('old') end)\n");
	assert_int_equal(scripts_new(&o, &f->cmd.scripts), 0);
	assert_int_equal(scripts_start(f->cmd.scripts), 0);
	assert_int_equal(exec(f, "old"), 0);
	assert_string_equal(f->out, "{\"Old\":\"old\"}");
	put(path, "mi32.add_cmd('New', function() mi32.resp_cmnd_str('new') end)\n");
	assert_int_equal(exec(f, "ScriptReload k.lua"), 0);
	assert_int_equal(exec(f, "old"), -ENOENT);
	assert_int_equal(exec(f, "new"), 0);
	assert_string_equal(f->out, "{\"New\":\"new\"}");
	/* a command of the console state (Script <lua>), as Berry's console can add one */
	assert_int_equal(exec(f, "Script mi32.add_cmd('Con', function() end)"), 0);
	assert_int_equal(exec(f, "con"), 0);
	assert_string_equal(f->out, "{\"Con\":\"Done\"}");
	/* a command reloading its own script is refused; the script lives on */
	assert_int_equal(exec(f, "Script @k.lua mi32.add_cmd('Self', function() "
				 "mi32.resp_cmnd(mi32.cmd_raw('ScriptReload k.lua')) end)"), 0);
	assert_int_equal(exec(f, "self"), 0);
	assert_string_equal(f->out, "{\"ScriptReload\":\"Error\",\"Reason\":\"a script cannot "
				    "reload itself\"}");
	/* the status names each script's commands */
	assert_int_equal(exec(f, "Script"), 0);
	assert_non_null(strstr(f->out, "\"Name\":\"k.lua\","));
	assert_non_null(strstr(f->out, "\"Stopped\":false,\"Commands\":[\"New\",\"Self\"]}"));
	assert_non_null(strstr(f->out, "\"Stopped\":false,\"Commands\":[\"Con\"]}"));
	scripts_free(f->cmd.scripts);
	f->cmd.scripts = NULL;
	assert_null(f->env.cmds);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(args_and_index, setup),
		cmocka_unit_test_setup(replies, setup),
		cmocka_unit_test_setup(names, setup),
		cmocka_unit_test_setup(errors, setup),
		cmocka_unit_test_setup(nested, setup),
		cmocka_unit_test_setup(reload, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
