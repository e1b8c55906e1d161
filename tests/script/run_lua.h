/* SPDX-License-Identifier: MIT */
/* run_lua.h — for the script tests: run a chunk of Lua in a script's state. */
#ifndef MI32_TEST_RUN_LUA_H
#define MI32_TEST_RUN_LUA_H

#include <errno.h>
#include <stdio.h>

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

#endif
