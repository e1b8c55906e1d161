/* SPDX-License-Identifier: MIT */
/* filter_commands.h — MI32Watch and MI32Block: the store's watch and block lists
 * (store/advfilter.h) from the console, MQTT or the web. Tasmota's old MI32Block syntax:
 * "MI32Block <MAC>" or "MI32Block1 <MAC>" adds, "MI32Block0 <MAC>" removes, "MI32Block0"
 * empties the list, "MI32Block" shows it; MI32Watch the same for the watch list (the seed's
 * BLE.adv_watch, which had no command and could not be undone). */
#ifndef MI32_FILTER_COMMANDS_H
#define MI32_FILTER_COMMANDS_H

#include "cmd/cmd.h"

int filter_commands_watch(void *ctx, const struct cmd_req *req, struct jw *w, const char **why);
int filter_commands_block(void *ctx, const struct cmd_req *req, struct jw *w, const char **why);

#endif
