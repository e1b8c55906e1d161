/* SPDX-License-Identifier: MIT */
/* rpa.h — resolvable private addresses (Core Vol 3 Part H 2.2.2 `ah`, Vol 6 Part B 1.3.2.3). */
#ifndef MI32_RPA_H
#define MI32_RPA_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/aes.h"

/* ah(k, r) = e(k, 0^104 || r) mod 2^24. @prand and @hash are 3 bytes, most significant
 * byte first (display order). Returns 0 or -EINVAL (no key). */
int rpa_ah(const struct aes_key *irk, const uint8_t prand[3], uint8_t hash[3]);

/* True when @addr (display order) is an RPA (top bits 01) generated from @irk. The IRK is
 * prepared from its standard MSB-first notation, as mi32cfg writes it. */
bool rpa_resolve(const struct aes_key *irk, const uint8_t addr[6]);

/* True when @addr has the RPA marker bits (0b01 in the top two bits). */
bool rpa_is_rpa(const uint8_t addr[6]);

#endif
