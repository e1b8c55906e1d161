/* SPDX-License-Identifier: MIT */
/* homekit.h — the daemon's HomeKit bridge: the state file in the state directory, the
 * accessory server on the event loop, and what the user must be told (the setup code and
 * the QR payload while unpaired). */
#ifndef MI32_APP_HOMEKIT_H
#define MI32_APP_HOMEKIT_H

#include <systemd/sd-event.h>

#include "app/config.h"
#include "hap/setup.h"
#include "sink/sink.h"
#include "store/store.h"

struct homekit;

/* Starts the bridge when cfg->homekit is set (*out stays NULL otherwise); @clock is the
 * store's (the daemon's) clock. Returns 0 or
 * -errno after logging why (a broken state file, a port in use). */
int homekit_start(struct homekit **out, sd_event *ev, struct store *st,
		  const struct config *cfg, const struct sink_clock *clock);
void homekit_free(struct homekit *hk);

/* What the outputs show (STATE, /api/node, /metrics). false (and @out zeroed) when @hk is
 * NULL: the bridge is off. */
bool homekit_status(const struct homekit *hk, struct sink_homekit *out);

/* The setup code and the QR payload, for the web UI behind its password. false when off. */
bool homekit_setup(const struct homekit *hk, char code[SETUP_CODE_LEN + 1],
		   char payload[SETUP_PAYLOAD_LEN + 1]);

/* HomeKitReset: every pairing removed and saved (atomically, like every save of the state
 * file), every session closed, the bridge announced as unpaired again and the setup code
 * logged. The identity (device id, keys) is new, so no controller takes the bridge for the
 * one it knew. 0, or -errno with @err set (-ENOTSUP when @hk is NULL). */
int homekit_reset(struct homekit *hk, char *err, size_t errlen);

#endif
