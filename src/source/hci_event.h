/* SPDX-License-Identifier: MIT */
/* hci_event.h — turn HCI LE advertising report events (Core Vol 4 Part E 7.7.65.2 and
 * 7.7.65.13) into adv records. Pure codec shared by every HCI-speaking source. */
#ifndef MI32_HCI_EVENT_H
#define MI32_HCI_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "decode/adv.h"

#define HCI_H4_EVENT 0x04
#define HCI_EV_LE_META 0x3E
#define HCI_EV_LE_ADV_REPORT 0x02
#define HCI_EV_LE_EXT_ADV_REPORT 0x0D

/* Parse one HCI event packet starting at the event code (no H4 type byte). Fills up to @max
 * records in @out, stamped with @time_us. Returns the number filled, -ENOMSG when the event
 * is not an LE advertising report, -EBADMSG when it is one but its lengths do not add up
 * (nothing is returned from such an event). */
int hci_event_adv_reports(const uint8_t *evt, size_t len, uint64_t time_us, struct adv *out,
			  size_t max);

#endif
