/* SPDX-License-Identifier: MIT */
/* script.h — one Lua 5.4 script in its own sandbox: its own lua_State with a memory cap (a
 * custom lua_Alloc), an instruction-count hook that stops a call running past its time
 * (while true do end), only the safe libraries (base without dofile/loadfile outside the
 * script's folder and with text-only load, string, table, math, utf8, coroutine, and an os
 * with time/clock/date/difftime only), print() to the log. Every entry from C into Lua goes
 * through script_call(): errors are caught, logged with file:line, counted, never a crash;
 * a slow call is measured and reported; max_errors errors within 10 s stop the script's
 * callbacks (a broken every_50ms would flood the log). Single-threaded, on the daemon's loop. */
#ifndef MI32_SCRIPT_H
#define MI32_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

struct script;

struct script_limits {
	size_t mem_max;       /* bytes the script's state may hold */
	uint64_t timeout_us;  /* a call (the top level, a callback) is stopped after this */
	uint64_t slow_us;     /* a call longer than this is reported as slow */
	unsigned int max_errors; /* errors within SCRIPT_ERROR_WINDOW_US that stop the script's
				  * callbacks, 0 = never */
};

#define SCRIPT_LIMITS_DEFAULT { 8u << 20, 1000000u, 50000u, 10 }

#define SCRIPT_ERR_LEN 256
#define SCRIPT_ERROR_WINDOW_US 10000000ull

struct script_stats {
	uint64_t calls;     /* protected calls made (top level, callbacks, console lines) */
	uint64_t errors;    /* of which failed */
	uint64_t slow;      /* of which took longer than slow_us */
	uint64_t timeouts;  /* of which were stopped by the time limit */
	uint64_t max_us;    /* the longest call */
	size_t mem, mem_peak; /* bytes held now, most ever */
	unsigned int recent_errors; /* within the current window */
	bool stopped;       /* too many errors too fast: callbacks are no longer called */
	char last_error[SCRIPT_ERR_LEN]; /* "file.lua:3: message", "" = none */
};

/* Create a script named @name (how logs and status name it) whose dofile()/loadfile() may
 * read files of @dir only (NULL: none at all). Returns 0, -ENOMEM. */
int script_new(const char *name, const char *dir, const struct script_limits *lim,
	       struct script **out);
void script_free(struct script *s); /* NULL is a no-op; closes the state (__gc runs) */

lua_State *script_lua(struct script *s);
/* The script that owns @L (any thread of it). */
struct script *script_of(lua_State *L);
const char *script_name(const struct script *s);
const struct script_stats *script_stats(const struct script *s);

/* Compile the file at @path (text only) and run its top level. Returns 0, or -EINVAL when it
 * fails to compile or run (logged, counted, in last_error). */
int script_run_file(struct script *s, const char *path);

/* Call the function below @nargs arguments on the stack, leaving @nresults results (or none
 * on error, when the function and arguments are popped all the same). @what names the call
 * in the log ("adv_cb"). Returns 0, -EINVAL on a Lua error (logged, counted), -ECANCELED
 * when the script was stopped after too many errors (nothing called). */
int script_call(struct script *s, int nargs, int nresults, const char *what);

/* Compile @code (text only, chunk name @chunk) and push it as a function; 0 or -EINVAL with
 * the message in @err (not counted: a console typo is not a script error). */
int script_load_string(struct script *s, const char *code, const char *chunk, char *err,
		       size_t errlen);

/* Whether a call into the script is running (its state must not be freed now). */
bool script_busy(const struct script *s);

/* Take the script's callbacks up again after it was stopped for errors (a reload). */
void script_restart(struct script *s);

#endif
