/* SPDX-License-Identifier: MIT */
/* fuzz_ad.c — the AD walker and the whole dispatcher behind it, without a key; the hot path
 * (no ad_info) and the full path must give the same answer. */
#include <stdint.h>
#include <string.h>

#include "decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct adv adv;
	struct decoded d;
	struct ad_info ad;

	memset(&adv, 0, sizeof(adv));
	if (size > ADV_DATA_MAX)
		size = ADV_DATA_MAX;
	memcpy(adv.data, data, size);
	adv.len = (uint8_t)size;
	int full = decode_adv(&adv, NULL, &d, &ad);

	if (decode_adv(&adv, NULL, &d, NULL) != full)
		__builtin_trap();
	return 0;
}
