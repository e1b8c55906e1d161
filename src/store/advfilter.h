/* SPDX-License-Identifier: MIT */
/* advfilter.h — the watch list and the block list (the seed's BLE.adv_watch and the older
 * adv_block, SPEC §2.5): addresses whose adverts the store (and scripts) see exclusively, or
 * never. Fixed arrays, no allocation: the check runs on the hot path for every advert.
 *
 * Tasmota puts the watch list on the controller's accept list. mi32 shares the controller
 * with bluetoothd, so it filters in software right after the radio: to the store and the
 * scripts it looks the same, and a block list works without NimBLE's ignore list. */
#ifndef MI32_ADVFILTER_H
#define MI32_ADVFILTER_H

#include <stdbool.h>
#include <stdint.h>

#define ADVFILTER_MAX 64 /* per list */

enum advfilter_list {
	ADVFILTER_WATCH = 0, /* non-empty: only these pass */
	ADVFILTER_BLOCK = 1, /* these never pass */
};

struct advfilter {
	uint8_t addr[2][ADVFILTER_MAX][6];
	unsigned int n[2];
};

void advfilter_init(struct advfilter *f);

/* Add @mac (display order) to @list: 1 added, 0 already there, -ENOSPC full. */
int advfilter_add(struct advfilter *f, enum advfilter_list list, const uint8_t mac[6]);

/* Remove @mac from @list: 1 removed, 0 was not there. */
int advfilter_remove(struct advfilter *f, enum advfilter_list list, const uint8_t mac[6]);

void advfilter_clear(struct advfilter *f, enum advfilter_list list);

unsigned int advfilter_count(const struct advfilter *f, enum advfilter_list list);

/* The @i-th address of @list (in the order added), or NULL. */
const uint8_t *advfilter_get(const struct advfilter *f, enum advfilter_list list,
			     unsigned int i);

/* Whether an advert from @mac is let through: not blocked, and watched if anything is. */
bool advfilter_pass(const struct advfilter *f, const uint8_t mac[6]);

/* Parse "AABBCCDDEEFF" or "AA:BB:CC:DD:EE:FF" (also '-') into @mac: 0 or -EINVAL. */
int advfilter_parse_mac(const char *s, uint8_t mac[6]);

#endif
