/* SPDX-License-Identifier: MIT */
/* pair_commands.h — MI32Pair <MAC>[/r] [<PIN>]: pair with a phone or tag through bluetoothd
 * (gatt_pair()), take its IRK and keep it as a PID-0000 entry of the sensor list (the seed's
 * "IRK grabber" without a script), so its private addresses resolve to it. Answers
 * {"MI32Pair":"Pending"}; the outcome follows as a RESULT
 * {"MI32Pair":{"MAC","Error"[,"Reason"][,"PID","Slot","MI32Cfg"]}}. The IRK itself is never
 * in the RESULT (it goes where keys go: the mi32cfg file and the password-protected editor). */
#ifndef MI32_PAIR_COMMANDS_H
#define MI32_PAIR_COMMANDS_H

#include "cmd/cmd.h"

int pair_commands_pair(void *ctx, const struct cmd_req *req, struct jw *w, const char **why);

/* MI32Irk <MAC> <IRK> [<name>]: keep an IRK learnt elsewhere (a script's BLE.info() after a
 * phone paired with mi32's server: the seed's IRK grabber) as MI32Pair keeps its own: a
 * PID-0000 entry (added, or its key replaced), MI32Option5 on, the list written. Answers
 * {"MI32Irk":{"MAC","PID","Slot","MI32Cfg"}}. */
int pair_commands_irk(void *ctx, const struct cmd_req *req, struct jw *w, const char **why);

#endif
