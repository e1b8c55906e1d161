/* SPDX-License-Identifier: MIT */
/* fuzz_mibeacon.c — mibeacon_decode() on arbitrary bytes, without a key, with the seeds' bind
 * key (so encrypted seeds reach the object walk) and with a legacy beaconkey. Seeds in
 * fuzz/corpus/mibeacon/ were built with mibeacon_encode() using the key below. */
#include <stddef.h>
#include <stdint.h>

#include "decode/mibeacon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t addr[6] = { 0xA4, 0xC1, 0x38, 0x01, 0x02, 0x03 };
static const uint8_t bindkey[16] = { 0x81, 0x4a, 0xac, 0x74, 0xc4, 0xf1, 0x7b, 0x6c,
				     0x15, 0x81, 0xe1, 0xab, 0x87, 0x81, 0x6b, 0x99 };
static const uint8_t beaconkey[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct aes_key key, legacy;
	static int ready;
	struct decoded d;

	if (!ready) {
		uint8_t k16[16];

		mibeacon_expand_beaconkey(beaconkey, k16);
		if (aes_key_set(&key, bindkey) || aes_key_set(&legacy, k16))
			return 0;
		ready = 1;
	}
	(void)mibeacon_decode(data, size, addr, NULL, &d);
	(void)mibeacon_decode(data, size, addr, &key, &d);
	(void)mibeacon_decode(data, size, NULL, &legacy, &d);
	return 0;
}
