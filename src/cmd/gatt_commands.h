/* SPDX-License-Identifier: MIT */
/* gatt_commands.h — the commands that connect to a sensor through bluetoothd (src/gatt):
 * MI32Battery, MI32Time, MI32Unit and MI32Firmware, the old Tasmota commands the seed
 * replaced by Berry scripts (its Bluetooth_MI32 document, "removed MI32 commands"), and the
 * battery poll. They answer at once with {"<Cmd>":"Pending","Slot":n} and deliver the
 * outcome later through commands_ctx.result as one more RESULT message. */
#ifndef MI32_GATT_COMMANDS_H
#define MI32_GATT_COMMANDS_H

#include <stdint.h>

#include "cmd/cmd.h"

struct commands_ctx;

int gatt_commands_battery(void *ctx, const struct cmd_req *req, struct jw *w, const char **why);
int gatt_commands_time(void *ctx, const struct cmd_req *req, struct jw *w, const char **why);
int gatt_commands_unit(void *ctx, const struct cmd_req *req, struct jw *w, const char **why);
int gatt_commands_firmware(void *ctx, const struct cmd_req *req, struct jw *w,
			   const char **why);
/* MI32Gatt: one of the seed's client ops; every result and notification as a RESULT
 * {"MI32Gatt":{"MAC","Op","Error","UUID","Handle","Data"}} */
int gatt_commands_op(void *ctx, const struct cmd_req *req, struct jw *w, const char **why);

struct gatt_ctx;
/* "<MAC>[/r]" (colons optional; /r: a random address) into @g's mac and addr_type; @tok is
 * changed. 0 or -EINVAL. */
int gatt_commands_peer(char *tok, struct gatt_ctx *g);
/* Why gatt_run() or gatt_pair() could not start, for its -errno */
const char *gatt_commands_start_error(int r);

/* Once a second, with the wall clock: the battery poll (commands_ctx.battery_poll_h). */
void gatt_commands_tick(struct commands_ctx *c, uint64_t now_us);

/* Forget the pending operations (before gatt_free()); their results are never sent. */
void gatt_commands_stop(struct commands_ctx *c);

#endif
