/* SPDX-License-Identifier: MIT */
/* homekit.h — the daemon's HomeKit bridge: the state file in the state directory, the
 * accessory server on the event loop, and what the user must be told (the setup code and
 * the QR payload while unpaired). */
#ifndef MI32_APP_HOMEKIT_H
#define MI32_APP_HOMEKIT_H

#include <systemd/sd-event.h>

#include "app/config.h"
#include "store/store.h"

struct homekit;

/* Starts the bridge when cfg->homekit is set (*out stays NULL otherwise). Returns 0 or
 * -errno after logging why (a broken state file, a port in use). */
int homekit_start(struct homekit **out, sd_event *ev, struct store *st,
		  const struct config *cfg);
void homekit_free(struct homekit *hk);

#endif
