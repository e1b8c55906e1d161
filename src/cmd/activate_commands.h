/* SPDX-License-Identifier: MIT */
/* activate_commands.h — MI32Activate <MAC>|<slot> [legacy]: register a Xiaomi sensor locally
 * (src/activate) to learn its bind key, and put the key into the running sensor list (the
 * mi32cfg file is written only on MI32Cfg, as always). The reply is {"MI32Activate":
 * "Pending",…,"Warning":…} at once; RESULT messages follow: "Progress" per step, then
 * "Done" with the key and token (or "Error" with a sentence), then "Decoded" when the next
 * advert from the sensor decodes with the new key ("WrongKey" when none did within
 * ACTIVATION_CHECK_GRACE_S of the first that did not, "NoAdvert" after ACTIVATE_CHECK_S
 * without one). */
#ifndef MI32_ACTIVATE_COMMANDS_H
#define MI32_ACTIVATE_COMMANDS_H

#include "cmd/cmd.h"

struct commands_ctx;

/* How long the check waits for an advert: sensors send an encrypted one every ~10 min */
#define ACTIVATE_CHECK_S 1200

int activate_commands_run(void *ctx, const struct cmd_req *req, struct jw *w, const char **why);

/* Forget the running activations and checks (before gatt_free()); nothing more is sent. */
void activate_commands_stop(struct commands_ctx *c);

#endif
