/* SPDX-License-Identifier: MIT */
/* server_commands.h — MI32Server: the seed's server and broadcaster ops (BLE.run 201, 202,
 * 211, 231-233, src/gatt/gatt.h) from the console, MQTT or the web, for users and tests
 * without a script. It answers {"MI32Server":"Pending"} and every result and server event
 * (221-230) follows as a RESULT {"MI32Server":{"Op","Error","UUID","Handle","Data"[,"MAC"]}}. */
#ifndef MI32_SERVER_COMMANDS_H
#define MI32_SERVER_COMMANDS_H

#include "cmd/cmd.h"

int server_commands_op(void *ctx, const struct cmd_req *req, struct jw *w, const char **why);

#endif
