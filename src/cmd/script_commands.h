/* SPDX-License-Identifier: MIT */
/* script_commands.h — Script: `Script <lua>` evaluates a line in the console state of the
 * scripts (src/script/scripts.h), as Tasmota's Berry console does, from the console, MQTT
 * (cmnd/<topic>/Script) or HTTP; {"Script":<value>} or {"Script":"Error","Reason":"<lua
 * error>"}. `Script` alone answers the status of every script (errors, slow calls, memory).
 * ScriptReload <name> loads a script again. */
#ifndef MI32_SCRIPT_COMMANDS_H
#define MI32_SCRIPT_COMMANDS_H

#include "cmd/cmd.h"

int script_commands_script(void *ctx, const struct cmd_req *req, struct jw *w,
			   const char **why);
/* ScriptReload <name>: load that script again from its file (scripts_reload());
 * {"ScriptReload":"<name>"} */
int script_commands_reload(void *ctx, const struct cmd_req *req, struct jw *w,
			   const char **why);

#endif
