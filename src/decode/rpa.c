/* SPDX-License-Identifier: MIT */
/* rpa.c — resolvable private addresses. An RPA is prand(24) || hash(24) with the top two
 * bits of prand = 01; hash = ah(IRK, prand) (Core Vol 3 Part H 2.2.2, Vol 6 Part B 1.3.2.2).
 * Tasmota did not check the marker bits (SPEC §6.2); we do, so a public or static address
 * can never "resolve" by chance (1 in 2^24 per key). */
#include <errno.h>
#include <string.h>

#include "decode/rpa.h"

int rpa_ah(const struct aes_key *irk, const uint8_t prand[3], uint8_t hash[3])
{
	uint8_t b[16];
	int err;

	/* The spec's e() works on MSB-first 128-bit values: r' = padding || r, so prand's most
	 * significant byte sits at index 13, and ah = the least significant 24 bits. */
	memset(b, 0, 13);
	memcpy(b + 13, prand, 3);
	err = aes_encrypt_block(irk, b, b);
	if (err)
		return err;
	memcpy(hash, b + 13, 3);
	return 0;
}

bool rpa_is_rpa(const uint8_t addr[6])
{
	return (addr[0] & 0xC0) == 0x40;
}

bool rpa_resolve(const struct aes_key *irk, const uint8_t addr[6])
{
	uint8_t hash[3];

	if (!rpa_is_rpa(addr) || !aes_key_valid(irk))
		return false;
	if (rpa_ah(irk, addr, hash))
		return false;
	return memcmp(hash, addr + 3, 3) == 0;
}
