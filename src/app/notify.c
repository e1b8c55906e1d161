/* SPDX-License-Identifier: MIT */
/* notify.c — sd_notify() messages; libsystemd does the socket (and $NOTIFY_SOCKET's
 * abstract-namespace form), we only decide what and when. */
#include <stdio.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "app/notify.h"

void notify_init(struct notify *n)
{
	uint64_t usec = 0;

	memset(n, 0, sizeof(*n));
	/* > 0 only when $WATCHDOG_USEC is set (and $WATCHDOG_PID, if set, is us) */
	n->watchdog = sd_watchdog_enabled(0, &usec) > 0 && usec > 0;
}

void notify_ready(struct notify *n, const char *status)
{
	snprintf(n->status, sizeof(n->status), "%s", status);
	sd_notifyf(0, "READY=1\nSTATUS=%s", n->status);
}

void notify_status(struct notify *n, const char *status)
{
	if (strcmp(n->status, status) == 0)
		return;
	snprintf(n->status, sizeof(n->status), "%s", status);
	sd_notifyf(0, "STATUS=%s", n->status);
}

void notify_watchdog(const struct notify *n)
{
	if (n->watchdog)
		sd_notify(0, "WATCHDOG=1");
}
