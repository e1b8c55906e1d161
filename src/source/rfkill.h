/* SPDX-License-Identifier: MIT */
/* rfkill.h — is an adapter's radio blocked by rfkill? The kernel answers Set Powered on a
 * soft-blocked adapter with the status Failed, not RFKilled (its mgmt_status() has no
 * entry for -ERFKILL), so the block has to be read where the kernel keeps it: the rfkill
 * switch it registers for each adapter, /sys/class/bluetooth/hciN/rfkillM/{soft,hard}
 * (Documentation/ABI/stable/sysfs-class-rfkill). */
#ifndef MI32_RFKILL_H
#define MI32_RFKILL_H

#include <stddef.h>
#include <stdint.h>

#define RFKILL_SYSFS "/sys"
#define RFKILL_SOFT 1 /* a program blocked it: `rfkill unblock bluetooth` lifts it */
#define RFKILL_HARD 2 /* a hardware switch or the firmware blocked it */

/* The block of adapter hci@index under the sysfs root @sysfs (RFKILL_SYSFS; tests pass a
 * folder of their own): RFKILL_SOFT | RFKILL_HARD, 0 when it is not blocked, -ENOENT when
 * there is no such adapter or it has no rfkill switch, or another -errno. */
int rfkill_blocked(const char *sysfs, uint16_t index);

/* One sentence for a @blocked (> 0) adapter: what blocks it and how to lift it. */
void rfkill_describe(uint16_t index, int blocked, char *buf, size_t size);

#endif
