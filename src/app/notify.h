/* SPDX-License-Identifier: MIT */
/* notify.h — systemd's notify protocol (sd_notify(3)), so the unit can run with Type=notify
 * and WatchdogSec=: READY=1 once the daemon is up, STATUS= a line for `systemctl status`
 * (the radio's state), WATCHDOG=1 from the tick. Without $NOTIFY_SOCKET all are no-ops. */
#ifndef MI32_NOTIFY_H
#define MI32_NOTIFY_H

#include <stdbool.h>

struct notify {
	bool watchdog;	  /* $WATCHDOG_USEC is set for us: ping from the tick */
	char status[256]; /* the last STATUS= sent */
};

/* Read the watchdog setting from the environment. */
void notify_init(struct notify *n);
/* READY=1 with the first STATUS=. */
void notify_ready(struct notify *n, const char *status);
/* STATUS=@status, only when it changed. */
void notify_status(struct notify *n, const char *status);
/* WATCHDOG=1 when the unit asked for it; call at least twice per WatchdogSec. */
void notify_watchdog(const struct notify *n);

#endif
