/* SPDX-License-Identifier: MIT */
/* commands_int.h — what the files of the command table share (not public): Tasmota's Status
 * and State replies (commands_status.c) for the table in commands.c. */
#ifndef MI32_COMMANDS_INT_H
#define MI32_COMMANDS_INT_H

#include "cmd/cmd.h"

/* Status [0|1|2|3|4|5|8|10|11] and State, as cmd_fn handlers on a struct commands_ctx. */
int commands__status(void *ctx, const struct cmd_req *req, struct jw *w, const char **why);
int commands__state(void *ctx, const struct cmd_req *req, struct jw *w, const char **why);

#endif
