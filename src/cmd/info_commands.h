/* SPDX-License-Identifier: MIT */
/* info_commands.h — MI32Info [<MAC>]: the seed's BLE.info() as a command (gatt_info()):
 * {"MI32Info":{"Role","LocalAddr","Bonds"[,"Connection":{"MAC","Type","Connected",
 * "Paired","Bonded","RSSI","MTU","IRK"}]}}. Changes nothing; "IRK" says only whether one is
 * known (true/false): a key never goes out in a reply that an open GET /cm can read. */
#ifndef MI32_INFO_COMMANDS_H
#define MI32_INFO_COMMANDS_H

#include "cmd/cmd.h"

int info_commands_info(void *ctx, const struct cmd_req *req, struct jw *w, const char **why);

#endif
