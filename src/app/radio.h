/* SPDX-License-Identifier: MIT */
/* radio.h — the live source the config asks for (kernel mgmt socket by default, raw or user
 * HCI channel, or an H4 UART), on the daemon's sd-event loop, with its scan watchdog. */
#ifndef MI32_RADIO_H
#define MI32_RADIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "source/source.h"

struct config;
struct radio;

/* Open the source of @cfg and start scanning (passive unless option 4). Adverts reach @cb
 * stamped with the wall clock. Returns 0, or -errno with one sentence in @err saying what
 * to do (missing adapter, missing capability, no kernel support). */
int radio_new(struct radio **out, const struct config *cfg, sd_event *ev, source_adv_fn cb,
	      void *user_data, char err[256]);
void radio_free(struct radio *r); /* NULL is a no-op */

/* Once a second: command time-outs, and the watchdog that restarts a silent scan. */
void radio_tick(struct radio *r, uint64_t now_us);

/* MI32Option4: switch between passive and active scanning (restarts the scan). */
int radio_set_active(struct radio *r, bool active);

/* The adapter address as 12 upper-case hex digits, once known. 0 or -ENODATA. */
int radio_address(struct radio *r, char *buf, size_t size);

#endif
