/* SPDX-License-Identifier: MIT */
/* run_lua.h — for the script tests: run a chunk of Lua in a script's state, write a script
 * file. */
#ifndef MI32_TEST_RUN_LUA_H
#define MI32_TEST_RUN_LUA_H

#include <errno.h>
#include <stdio.h>

#include <lauxlib.h>

#include "script/lib.h"
#include "script/script.h"

/* Run @code as a chunk named "=t" (so errors read "t:LINE: ..."): 0, -EBADMSG (does not
 * compile), or what script_call() returns. */
static inline int run(struct script *s, const char *code)
{
	char err[256];

	if (script_load_string(s, code, "=t", err, sizeof(err)) < 0) {
		fprintf(stderr, "compile: %s\n", err);
		return -EBADMSG;
	}
	return script_call(s, 0, 0, "test");
}

static inline int run_lua_open_lib(lua_State *L)
{
	lib_open(L, lua_touserdata(L, 1));
	return 0;
}

/* A script named @name with the modules (mi32, MI32, BLE) on @env. */
static inline struct script *script_with_lib(const char *name, struct script_env *env)
{
	struct script_limits lim = SCRIPT_LIMITS_DEFAULT;
	struct script *s;

	assert_int_equal(script_new(name, NULL, &lim, &s), 0);
	lua_pushcfunction(script_lua(s), run_lua_open_lib);
	lua_pushlightuserdata(script_lua(s), env);
	assert_int_equal(script_call(s, 1, 0, "open"), 0);
	return s;
}

/* Write @text to the file @path (a script the test loads). */
static inline void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

#endif
