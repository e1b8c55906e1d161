/* SPDX-License-Identifier: MIT */
/* mgmt_watch.h — what the kernel's management interface tells about links and bonds that
 * bluetoothd's D-Bus API does not: why a link ended (Device Disconnected's reason; BlueZ
 * before 5.83 has no Device1.Disconnected) and a bonded peer's IRK (New Identity Resolving
 * Key: never on D-Bus). A control-channel socket of its own that only listens; the kernel
 * sends these events only to a socket opened with CAP_NET_ADMIN, so without it nothing
 * arrives and the GATT engine says less (error 2 instead of a reason). */
#ifndef MI32_GATT_MGMT_WATCH_H
#define MI32_GATT_MGMT_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

struct mgmt_watch;

struct mgmt_watch_events {
	/* A link of adapter @index (hciN) ended. @mac in display order, @type the mgmt address
	 * type (1 LE public, 2 LE random), @hci the reason as the HCI code of its class (0x08
	 * timeout, 0x16 local host, 0x13 remote, 0x05 authentication, 0x15 suspend) or -1. */
	void (*disconnected)(void *data, uint16_t index, const uint8_t mac[6], uint8_t type,
			     int hci);
	/* A peer bonded on adapter @index gave its IRK: @mac is its identity address, @rpa
	 * the private address it was connected with (00:00:… when it used its identity),
	 * both in display order; @irk as the kernel sends it (LSB first, as on the air). */
	void (*new_irk)(void *data, uint16_t index, const uint8_t rpa[6], const uint8_t mac[6],
			uint8_t type, const uint8_t irk[16]);
};

/* Listen on @ev. Returns 0, or -errno when the socket cannot be opened (no Bluetooth in
 * the kernel); @cb is copied. */
int mgmt_watch_new(sd_event *ev, const struct mgmt_watch_events *cb, void *data,
		   struct mgmt_watch **out);
void mgmt_watch_free(struct mgmt_watch *w); /* NULL is a no-op */

/* One packet as the socket gives it (header + parameters): report what it says to @cb. 0
 * (also for events of no interest), or -EBADMSG when its lengths do not add up. */
int mgmt_watch_feed(const struct mgmt_watch_events *cb, void *data, const uint8_t *pkt,
		    size_t len);

/* Read what the socket holds now and report it (before trusting that an event the kernel
 * sent at the same time as a D-Bus reply has not come yet). */
void mgmt_watch_drain(struct mgmt_watch *w);

/* The HCI code standing for a mgmt disconnect reason (0..5), or -1 for "unknown". */
int mgmt_watch_reason_hci(unsigned int mgmt_reason);

#endif
