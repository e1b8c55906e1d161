/* SPDX-License-Identifier: MIT */
/* scripts.c — the list of scripts and the console state (scripts.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "script/scripts.h"
#include "util/log.h"

#define CONSOLE_NAME "console"

struct entry {
	struct script *s;
	char *path; /* NULL for the console */
};

struct scripts {
	struct scripts_opts o;
	struct entry *v;
	size_t n;
	char *dir;              /* our copy of o.dir */
	struct script *console; /* also in v[] */
	bool in_eval;           /* a Script line is running: a nested one is refused */
	char why[SCRIPT_ERR_LEN + 64];
};

int scripts_new(const struct scripts_opts *o, struct scripts **out)
{
	struct scripts *h = calloc(1, sizeof(*h));

	*out = NULL;
	if (!h)
		return -ENOMEM;
	h->o = *o;
	if (o->dir && !(h->dir = strdup(o->dir))) {
		free(h);
		return -ENOMEM;
	}
	h->o.dir = h->dir;
	*out = h;
	return 0;
}

void scripts_free(struct scripts *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++) {
		script_free(h->v[i].s);
		free(h->v[i].path);
	}
	free(h->v);
	free(h->dir);
	free(h);
}

static int open_modules(lua_State *L)
{
	struct scripts *h = lua_touserdata(L, 1);

	lua_settop(L, 0);
	if (h->o.open)
		h->o.open(L, h->o.open_data);
	return 0;
}

/* A new state named @name with the modules open. NULL on failure (logged). */
static struct script *make(struct scripts *h, const char *name, const char *dir,
			   const struct script_limits *lim)
{
	struct script *s;
	lua_State *L;

	if (script_new(name, dir, lim, &s) < 0) {
		log_err("script %s: out of memory", name);
		return NULL;
	}
	L = script_lua(s);
	lua_pushcfunction(L, open_modules);
	lua_pushlightuserdata(L, h);
	if (script_call(s, 1, 0, "opening the modules") < 0) {
		script_free(s);
		return NULL;
	}
	return s;
}

/* ... and in the list. */
static struct script *add(struct scripts *h, const char *name, const char *path,
			  const char *dir, const struct script_limits *lim)
{
	struct entry *v = realloc(h->v, (h->n + 1) * sizeof(*v));
	struct script *s;

	if (!v) {
		log_err("script %s: out of memory", name);
		return NULL;
	}
	h->v = v;
	if (!(s = make(h, name, dir, lim)))
		return NULL;
	v[h->n].s = s;
	v[h->n].path = path ? strdup(path) : NULL;
	if (path && !v[h->n].path) {
		script_free(s);
		log_err("script %s: out of memory", name);
		return NULL;
	}
	h->n++;
	return s;
}

/* The folder of @path, for dofile() */
static void dir_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, size, ".");
	else if (slash == path)
		snprintf(dir, size, "/");
	else
		snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

static int run_one(struct scripts *h, const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	struct script *s;

	dir_of(path, dir, sizeof(dir));
	s = add(h, slash ? slash + 1 : path, path, dir, &h->o.lim);
	if (!s)
		return -ENOMEM;
	log_info("script %s: loading %s", script_name(s), path);
	return script_run_file(s, path);
}

int scripts_reload(struct scripts *h, const char *name, const char **why)
{
	char dir[4096];
	struct entry *e = NULL;

	*why = h->why;
	for (size_t i = 0; i < h->n && !e; i++)
		if (h->v[i].path && !strcmp(script_name(h->v[i].s), name))
			e = &h->v[i];
	if (!e) {
		snprintf(h->why, sizeof(h->why), "no script named '%.64s'", name);
		return -ENOENT;
	}
	if (script_busy(e->s)) {
		snprintf(h->why, sizeof(h->why), "a script cannot reload itself");
		return -EBUSY;
	}
	/* the old state goes first: its timers, adverts and GATT operations end with it */
	script_free(e->s);
	dir_of(e->path, dir, sizeof(dir));
	e->s = make(h, name, dir, &h->o.lim);
	if (!e->s) {
		free(e->path);
		*e = h->v[--h->n];
		snprintf(h->why, sizeof(h->why), "out of memory");
		return -ENOMEM;
	}
	log_info("script %s: reloading %s", name, e->path);
	if (script_run_file(e->s, e->path) < 0) {
		snprintf(h->why, sizeof(h->why), "%s", script_stats(e->s)->last_error);
		return -EINVAL;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folder's *.lua files, sorted, as paths; *@n of them. NULL when none or no folder. */
static char **dir_files(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;

	*n = 0;
	if (!d) {
		if (errno != ENOENT)
			log_warn("scripts folder %s: %s", dir, strerror(errno));
		return NULL;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char **nv;

		if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".lua"))
			continue;
		nv = realloc(v, (*n + 1) * sizeof(*v));
		if (!nv || asprintf(&nv[*n], "%s/%s", dir, e->d_name) < 0) {
			v = nv ? nv : v;
			log_err("scripts folder %s: out of memory", dir);
			break;
		}
		v = nv;
		(*n)++;
	}
	closedir(d);
	if (v)
		qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

unsigned int scripts_start(struct scripts *h)
{
	unsigned int failed = 0;
	size_t n = 0;
	char **files = h->o.dir ? dir_files(h->o.dir, &n) : NULL;

	for (size_t i = 0; i < n; i++) {
		failed += run_one(h, files[i]) < 0;
		free(files[i]);
	}
	free(files);
	for (size_t i = 0; i < h->o.n_files; i++)
		failed += run_one(h, h->o.files[i]) < 0;
	if (h->n)
		log_info("%zu scripts loaded, %u failed", h->n, failed);
	return failed;
}

/* One Lua value as JSON. */
static void value_json(lua_State *L, int i, struct jw *w)
{
	size_t len;
	const char *s;

	switch (lua_type(L, i)) {
	case LUA_TNIL:
		jw_null(w);
		break;
	case LUA_TBOOLEAN:
		jw_bool(w, lua_toboolean(L, i));
		break;
	case LUA_TNUMBER:
		if (lua_isinteger(L, i)) {
			jw_int(w, (long long)lua_tointeger(L, i));
		} else {
			double d = lua_tonumber(L, i);
			char b[32];

			if (isfinite(d)) {
				snprintf(b, sizeof(b), "%.14g", d);
				jw_raw(w, b);
			} else {
				jw_null(w);
			}
		}
		break;
	default:
		/* strings as they are; tables, functions, bytes as tostring() shows them */
		s = luaL_tolstring(L, i, &len);
		jw_strn(w, s, len);
		lua_pop(L, 1);
		break;
	}
}

/* A call into one of the scripts is running: a Script line now comes from a script (a
 * console line, or mi32.cmd in a timer or a BLE event) and would run inside a running
 * state. */
static bool any_busy(const struct scripts *h)
{
	for (size_t i = 0; i < h->n; i++)
		if (script_busy(h->v[i].s))
			return true;
	return false;
}

int scripts_eval(struct scripts *h, const char *code, struct jw *reply, const char **why)
{
	struct script_limits lim = h->o.lim;
	char err[SCRIPT_ERR_LEN], *expr = NULL;
	struct script *target = NULL;
	lua_State *L;
	int top, n, r;

	*why = h->why;
	if (h->in_eval || any_busy(h)) {
		snprintf(h->why, sizeof(h->why), "Script cannot run from a script");
		return -EINVAL;
	}
	/* "@name <lua>": in that script's own state (its globals, as Berry's console shares
	 * the one VM) */
	if (code[0] == '@') {
		size_t len = strcspn(code + 1, " \t");

		for (size_t i = 0; i < h->n && !target; i++)
			if (strlen(script_name(h->v[i].s)) == len &&
			    !strncmp(script_name(h->v[i].s), code + 1, len))
				target = h->v[i].s;
		if (!target) {
			snprintf(h->why, sizeof(h->why), "no script named '%.*s'", (int)(len > 64 ? 64 : len),
				 code + 1);
			return -ENOENT;
		}
		code += 1 + len;
		code += strspn(code, " \t");
	}
	if (!target && !h->console) {
		lim.max_errors = 0; /* a console is for trying things: never stopped */
		h->console = add(h, CONSOLE_NAME, NULL, h->o.dir, &lim);
		if (!h->console) {
			snprintf(h->why, sizeof(h->why), "out of memory");
			return -ENOMEM;
		}
	}
	if (!target)
		target = h->console;
	L = script_lua(target);
	top = lua_gettop(L);
	/* an expression gives its value, as in lua.c's REPL */
	if (asprintf(&expr, "return %s;", code) < 0) {
		snprintf(h->why, sizeof(h->why), "out of memory");
		return -ENOMEM;
	}
	r = script_load_string(target, expr, "=Script", err, sizeof(err));
	free(expr);
	if (r < 0 && script_load_string(target, code, "=Script", err, sizeof(err)) < 0) {
		snprintf(h->why, sizeof(h->why), "%s", err);
		return -EINVAL;
	}
	h->in_eval = true;
	r = script_call(target, 0, LUA_MULTRET, "Script");
	h->in_eval = false;
	if (r < 0) {
		snprintf(h->why, sizeof(h->why), "%s", script_stats(target)->last_error);
		return -EINVAL;
	}
	n = lua_gettop(L) - top;
	jw_key(reply, "Script");
	if (n == 0)
		jw_str(reply, "Done");
	else if (n == 1)
		value_json(L, top + 1, reply);
	if (n > 1) {
		jw_arr_begin(reply);
		for (int i = 1; i <= n; i++)
			value_json(L, top + i, reply);
		jw_arr_end(reply);
	}
	lua_settop(L, top);
	return 0;
}

void scripts_status(const struct scripts *h, struct jw *w)
{
	uint64_t errors = 0;

	jw_key(w, "Scripts");
	jw_arr_begin(w);
	for (size_t i = 0; i < h->n; i++) {
		const struct script_stats *st = script_stats(h->v[i].s);

		errors += st->errors;
		jw_obj_begin(w);
		jw_key(w, "Name");
		jw_str(w, script_name(h->v[i].s));
		jw_key(w, "Errors");
		jw_uint(w, st->errors);
		jw_key(w, "LastError");
		jw_str(w, st->last_error);
		jw_key(w, "Slow");
		jw_uint(w, st->slow);
		jw_key(w, "Timeouts");
		jw_uint(w, st->timeouts);
		jw_key(w, "MaxMs");
		jw_uint(w, st->max_us / 1000);
		jw_key(w, "MemKB");
		jw_uint(w, (st->mem + 1023) / 1024);
		jw_key(w, "Stopped");
		jw_bool(w, st->stopped);
		if (h->o.status)
			h->o.status(h->v[i].s, w, h->o.open_data);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "Errors");
	jw_uint(w, errors);
}

size_t scripts_count(const struct scripts *h)
{
	return h ? h->n : 0;
}

const struct script *scripts_at(const struct scripts *h, size_t i)
{
	return h->v[i].s;
}
