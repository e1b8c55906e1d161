/* SPDX-License-Identifier: MIT */
/* scripts.h — the daemon's scripts: every *.lua of the scripts folder (sorted by name) and
 * every --script FILE, each in its own sandbox (script.h), plus the console state in which
 * the `Script <lua>` command evaluates lines (variables persist between lines, as in
 * Tasmota's Berry console). Status and /metrics read the counters from here. */
#ifndef MI32_SCRIPTS_H
#define MI32_SCRIPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "script/script.h"
#include "util/jw.h"

struct scripts;

struct scripts_opts {
	struct script_limits lim;
	const char *dir;            /* the scripts folder; may be missing; NULL = none */
	char *const *files;         /* --script FILE..., in the order given */
	size_t n_files;
	/* called for each new state, before its file runs: the modules (mi32, MI32, BLE).
	 * Runs inside a protected call; returns nothing, raises a Lua error on failure. */
	void (*open)(lua_State *L, void *data);
	void *open_data;
	/* optional: more members of each script's object in the status (the commands it added),
	 * with open_data */
	void (*status)(const struct script *s, struct jw *w, void *data);
};

/* Returns 0 with *@out set, or -ENOMEM. Nothing runs yet. */
int scripts_new(const struct scripts_opts *o, struct scripts **out);
void scripts_free(struct scripts *h); /* NULL is a no-op */

/* Load and run every script. A script that fails is logged, counted and kept in the list
 * (stopped). Returns the number that failed. */
unsigned int scripts_start(struct scripts *h);

/* Evaluate @code in the console state: as an expression first ("return <code>"), else as a
 * statement. The value(s) go to @reply as the member "Script" (a string, number, boolean or
 * null, an array for several; "Done" for none). Returns 0, or -EINVAL with *@why the error
 * (valid until the next call). */
int scripts_eval(struct scripts *h, const char *code, struct jw *reply, const char **why);

/* Load the script named @name again from its file, in a new state: the old one's timers,
 * callbacks and pending GATT operations end with it. Returns 0, -ENOENT (no such script;
 * the console has no file), -EBUSY (a script reloading itself), -ENOMEM, or -EINVAL when the
 * new top level failed (kept, stopped, as at start); *@why says which. */
int scripts_reload(struct scripts *h, const char *name, const char **why);

/* The status: {"Scripts":[{"Name","Errors","LastError","Slow","Timeouts","MaxMs","MemKB",
 * "Stopped", and what the status hook adds}...],"Errors":N} as members of the object open in
 * @w. */
void scripts_status(const struct scripts *h, struct jw *w);

/* Every script, the console's too once a Script line made it. */
size_t scripts_count(const struct scripts *h);
const struct script *scripts_at(const struct scripts *h, size_t i);

#endif
