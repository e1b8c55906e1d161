/* SPDX-License-Identifier: MIT */
/* script_commands.h — Script: `Script <lua>` evaluates a line in the console state of the
 * scripts (src/script/scripts.h), as Tasmota's Berry console does, from the console, MQTT
 * (cmnd/<topic>/Script) or HTTP; {"Script":<value>} or {"Script":"Error","Reason":"<lua
 * error>"}. `Script` alone answers the status of every script (errors, slow calls, memory). */
#ifndef MI32_SCRIPT_COMMANDS_H
#define MI32_SCRIPT_COMMANDS_H

#include "cmd/cmd.h"

int script_commands_script(void *ctx, const struct cmd_req *req, struct jw *w,
			   const char **why);

#endif
