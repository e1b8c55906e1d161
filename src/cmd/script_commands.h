/* SPDX-License-Identifier: MIT */
/* script_commands.h — Script: `Script <lua>` evaluates a line in the console state of the
 * scripts (src/script/scripts.h), as Tasmota's Berry console does, from the console, MQTT
 * (cmnd/<topic>/Script) or HTTP; {"Script":<value>} or {"Script":"Error","Reason":"<lua
 * error>"}. `Script` alone answers the status of every script (errors, slow calls, memory).
 * ScriptReload <name> loads a script again. The commands scripts add (mi32.add_cmd,
 * src/script/lib_cmd.c) run from here too, after the table's. */
#ifndef MI32_SCRIPT_COMMANDS_H
#define MI32_SCRIPT_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

#include "cmd/cmd.h"

struct commands_ctx;

int script_commands_script(void *ctx, const struct cmd_req *req, struct jw *w,
			   const char **why);
/* ScriptReload <name>: load that script again from its file (scripts_reload());
 * {"ScriptReload":"<name>"} */
int script_commands_reload(void *ctx, const struct cmd_req *req, struct jw *w,
			   const char **why);

/* Whether @line names a command a script added (they all count as writes). */
bool script_commands_has(const struct commands_ctx *c, const char *line);

/* Run @line if it names a command a script added: true with the reply in @out and *@rc 0 or
 * a negative errno; false (nothing written) when none has that name. */
bool script_commands_exec(struct commands_ctx *c, const char *line, char *out, size_t size,
			  int *rc);

#endif
