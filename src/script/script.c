/* SPDX-License-Identifier: MIT */
/* script.c — one sandboxed Lua state (script.h). The techniques are HAProxy's
 * (tune.lua.maxmem: an allocator that counts and refuses) and Redis's (a count hook that
 * checks the clock), as notes/bluez-gatt-lua.md §5 describes. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "script/bytes.h"
#include "script/script.h"
#include "util/clock.h"
#include "util/log.h"

/* VM instructions between two looks at the clock: ~10 µs of Lua, negligible cost */
#define HOOK_COUNT 1000

struct script {
	lua_State *L;
	char *name;
	char *dir;               /* dofile()/loadfile() read here only; NULL = nowhere */
	struct script_limits lim;
	struct script_stats st;
	unsigned int depth;      /* nested script_call()s: the outermost one owns the deadline */
	uint64_t deadline_us;    /* CLOCK_MONOTONIC; 0 = none */
	bool timed_out;          /* the call in progress passed its deadline */
	bool killed;             /* ... and is being unwound: no more memory, a hook per op */
	uint64_t recent_since;   /* CLOCK_MONOTONIC start of the error window */
	char where[128];         /* "file:line" where the deadline struck */
};

/* ---- memory ----------------------------------------------------------------------------- */

/* lua_Alloc with a cap: frees and shrinks always succeed, growth past the cap returns NULL
 * (Lua raises "not enough memory", the call fails, the daemon goes on). */
static void *alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct script *s = ud;
	size_t old = ptr ? osize : 0; /* without ptr, osize is the kind of object */
	void *p;

	if (nsize == 0) {
		free(ptr);
		s->st.mem -= old;
		return NULL;
	}
	if (nsize > old && (s->killed || s->st.mem - old + nsize > s->lim.mem_max))
		return NULL;
	p = realloc(ptr, nsize);
	if (!p)
		return NULL;
	s->st.mem = s->st.mem - old + nsize;
	if (s->st.mem > s->st.mem_peak)
		s->st.mem_peak = s->st.mem;
	return p;
}

/* ---- time ------------------------------------------------------------------------------- */

/* Past the deadline the call is unwound for good: a pcall inside the loop catches one
 * error, so from then on the hook raises at every instruction of the thread it strikes (and
 * threads made later inherit that), and no allocation succeeds, so no new closure or
 * coroutine can dodge it. script_call() lifts both when the outermost call has returned. */
static void hook(lua_State *L, lua_Debug *ar)
{
	struct script *s = script_of(L);

	if (!s->deadline_us || clock_mono_us() <= s->deadline_us)
		return;
	if (!s->timed_out && lua_getinfo(L, "Sl", ar))
		snprintf(s->where, sizeof(s->where), "%s:%d", ar->short_src, ar->currentline);
	s->timed_out = true;
	s->killed = true;
	lua_sethook(L, hook, LUA_MASKCOUNT, 1);
	luaL_error(L, "stopped"); /* the message cannot be allocated: record_error() says it */
}

/* ---- the sandbox's own base functions --------------------------------------------------- */

static int l_print(lua_State *L)
{
	struct script *s = script_of(L);
	int n = lua_gettop(L);
	luaL_Buffer b;

	luaL_buffinit(L, &b);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	log_info("script %s: %s", s->name, lua_tostring(L, -1));
	return 0;
}

/* load(chunk[, name[, mode[, env]]]) with mode forced to text: precompiled chunks can crash
 * the VM. The argument count is kept: an explicit nil env is not the same as none. */
static int l_load(lua_State *L)
{
	int n = lua_gettop(L);

	lua_settop(L, n < 3 ? 3 : n);
	lua_pushliteral(L, "t");
	lua_replace(L, 3);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* A file of the script's folder: a plain name, no directories, no hidden files. */
static const char *dir_file(lua_State *L, const char *name)
{
	struct script *s = script_of(L);

	if (!s->dir)
		luaL_error(L, "this script may not read files");
	if (!*name || name[0] == '.' || strchr(name, '/') || strlen(name) > 200)
		luaL_error(L, "'%s': only a file of the scripts folder (%s), by its name", name,
			   s->dir);
	lua_pushfstring(L, "%s/%s", s->dir, name);
	return lua_tostring(L, -1);
}

static int l_loadfile(lua_State *L)
{
	const char *path = dir_file(L, luaL_checkstring(L, 1));

	if (luaL_loadfilex(L, path, "t") != LUA_OK) {
		luaL_pushfail(L);
		lua_insert(L, -2);
		return 2;
	}
	return 1;
}

static int l_dofile(lua_State *L)
{
	const char *path = dir_file(L, luaL_checkstring(L, 1));

	lua_settop(L, 2);
	if (luaL_loadfilex(L, path, "t") != LUA_OK)
		return lua_error(L);
	lua_call(L, 0, LUA_MULTRET);
	return lua_gettop(L) - 2;
}

/* The libraries a script gets: nothing that runs programs, opens files, loads C code,
 * reads the environment or pokes at other functions' internals (debug). */
static int open_libs(lua_State *L)
{
	static const struct {
		const char *name;
		lua_CFunction open;
	} libs[] = {
		{ LUA_GNAME, luaopen_base }, { LUA_TABLIBNAME, luaopen_table },
		{ LUA_STRLIBNAME, luaopen_string }, { LUA_MATHLIBNAME, luaopen_math },
		{ LUA_UTF8LIBNAME, luaopen_utf8 }, { LUA_COLIBNAME, luaopen_coroutine },
	};
	static const char *const os_keep[] = { "time", "clock", "date", "difftime" };

	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
		luaL_requiref(L, libs[i].name, libs[i].open, 1);
		lua_pop(L, 1);
	}
	/* os: only the clock functions, copied from a private os table */
	lua_pushcfunction(L, luaopen_os);
	lua_call(L, 0, 1);
	lua_createtable(L, 0, 4);
	for (size_t i = 0; i < sizeof(os_keep) / sizeof(os_keep[0]); i++) {
		lua_getfield(L, -2, os_keep[i]);
		lua_setfield(L, -2, os_keep[i]);
	}
	lua_setglobal(L, "os");
	lua_pop(L, 1);
	/* string.dump makes bytecode, which load() refuses anyway: not needed */
	lua_getglobal(L, LUA_STRLIBNAME);
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	lua_pop(L, 1);

	lua_pushcfunction(L, l_print);
	lua_setglobal(L, "print");
	lua_getglobal(L, "load");
	lua_pushcclosure(L, l_load, 1);
	lua_setglobal(L, "load");
	lua_pushcfunction(L, l_dofile);
	lua_setglobal(L, "dofile");
	lua_pushcfunction(L, l_loadfile);
	lua_setglobal(L, "loadfile");
	bytes_open(L);
	return 0;
}

/* ---- life cycle ------------------------------------------------------------------------- */

int script_new(const char *name, const char *dir, const struct script_limits *lim,
	       struct script **out)
{
	struct script *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->lim = *lim;
	s->name = strdup(name);
	s->dir = dir ? strdup(dir) : NULL;
	if (!s->name || (dir && !s->dir))
		goto fail;
	s->L = lua_newstate(alloc, s);
	if (!s->L)
		goto fail;
	*(struct script **)lua_getextraspace(s->L) = s;
	lua_sethook(s->L, hook, LUA_MASKCOUNT, HOOK_COUNT);
	lua_pushcfunction(s->L, open_libs);
	/* opening the libraries can only fail for memory (a cap too small) */
	if (lua_pcall(s->L, 0, 0, 0) != LUA_OK)
		goto fail;
	*out = s;
	return 0;
fail:
	script_free(s);
	return -ENOMEM;
}

void script_free(struct script *s)
{
	if (!s)
		return;
	if (s->L)
		lua_close(s->L);
	free(s->name);
	free(s->dir);
	free(s);
}

lua_State *script_lua(struct script *s)
{
	return s->L;
}

struct script *script_of(lua_State *L)
{
	return *(struct script **)lua_getextraspace(L);
}

const char *script_name(const struct script *s)
{
	return s->name;
}

const struct script_stats *script_stats(const struct script *s)
{
	return &s->st;
}

bool script_busy(const struct script *s)
{
	return s->depth > 0;
}

void script_restart(struct script *s)
{
	s->st.stopped = false;
	s->st.recent_errors = 0;
}

/* ---- calls ------------------------------------------------------------------------------ */

/* The message handler: the error with a traceback, while the stack is still there. */
static int msgh(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (!msg) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			msg = lua_tostring(L, -1);
		else
			msg = lua_pushfstring(L, "(error object is a %s value)",
					      luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

static void record_error(struct script *s, const char *what, const char *msg, int status)
{
	size_t first = strcspn(msg, "\n");

	uint64_t now = clock_mono_us();

	s->st.errors++;
	/* errors within a window: a broken callback among working ones (a bad driver beside
	 * good ones) is caught too, which "in a row" would not */
	if (now - s->recent_since > SCRIPT_ERROR_WINDOW_US) {
		s->recent_since = now;
		s->st.recent_errors = 0;
	}
	s->st.recent_errors++;
	if (s->timed_out)
		snprintf(s->st.last_error, sizeof(s->st.last_error),
			 "%s: stopped after %llu ms: the script did not return (an endless loop?)",
			 s->where, (unsigned long long)(s->lim.timeout_us / 1000));
	else if (status == LUA_ERRMEM)
		snprintf(s->st.last_error, sizeof(s->st.last_error),
			 "out of memory (the cap is %zu kB)", s->lim.mem_max / 1024);
	else
		snprintf(s->st.last_error, sizeof(s->st.last_error), "%.*s", (int)first, msg);
	log_err("script %s: %s: %s", s->name, what, s->st.last_error);
	if (msg[first])
		log_debug("script %s: %s", s->name, msg + first + 1);
	if (s->lim.max_errors && s->st.recent_errors >= s->lim.max_errors && !s->st.stopped) {
		s->st.stopped = true;
		log_err("script %s: %u errors within %d s: its callbacks are no longer called "
			"(ScriptReload to start again)", s->name, s->st.recent_errors,
			(int)(SCRIPT_ERROR_WINDOW_US / 1000000));
	}
}

int script_call(struct script *s, int nargs, int nresults, const char *what)
{
	lua_State *L = s->L;
	int base = lua_gettop(L) - nargs; /* the function's index */
	uint64_t t0 = clock_mono_us(), dt;
	int status;

	if (s->st.stopped) {
		lua_settop(L, base - 1);
		return -ECANCELED;
	}
	lua_pushcfunction(L, msgh);
	lua_insert(L, base);
	if (s->depth++ == 0) {
		s->deadline_us = t0 + s->lim.timeout_us;
		s->timed_out = false;
	}
	status = lua_pcall(L, nargs, nresults, base);
	if (--s->depth == 0) {
		s->deadline_us = 0;
		if (s->killed) {
			s->killed = false;
			lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_COUNT);
		}
	}
	dt = clock_mono_us() - t0;
	s->st.calls++;
	if (dt > s->st.max_us)
		s->st.max_us = dt;
	if (status != LUA_OK) {
		if (s->timed_out && s->depth == 0)
			s->st.timeouts++;
		record_error(s, what, lua_tostring(L, -1) ? lua_tostring(L, -1) : "?", status);
		s->timed_out = s->depth ? s->timed_out : false;
		lua_settop(L, base - 1);
		/* what the failed call left is garbage now; give it back before the next one */
		lua_gc(L, LUA_GCCOLLECT);
		return -EINVAL;
	}
	if (dt > s->lim.slow_us) {
		s->st.slow++;
		log_warn("script %s: %s took %llu ms (slow: the daemon waits for it)", s->name,
			 what, (unsigned long long)(dt / 1000));
	}
	lua_remove(L, base);
	return 0;
}

int script_run_file(struct script *s, const char *path)
{
	const char *base = strrchr(path, '/');
	char what[256];

	snprintf(what, sizeof(what), "loading %s", base ? base + 1 : path);
	if (luaL_loadfilex(s->L, path, "t") != LUA_OK) {
		record_error(s, what, lua_tostring(s->L, -1), LUA_ERRSYNTAX);
		lua_pop(s->L, 1);
		return -EINVAL;
	}
	return script_call(s, 0, 0, what) == 0 ? 0 : -EINVAL;
}

int script_load_string(struct script *s, const char *code, const char *chunk, char *err,
		       size_t errlen)
{
	if (luaL_loadbufferx(s->L, code, strlen(code), chunk, "t") != LUA_OK) {
		snprintf(err, errlen, "%s", lua_tostring(s->L, -1) ? lua_tostring(s->L, -1) : "?");
		lua_pop(s->L, 1);
		return -EINVAL;
	}
	return 0;
}
