/* SPDX-License-Identifier: MIT */
/* fuzz_xiaomi.c — xiaomi_decode(): Mi Scale, Mi Body Composition Scale, HHCCJCY10.
 * Input byte 0 picks the UUID (0 0x181D, 1 0x181B, 2 0xFD50, 3 another one); the rest is
 * the service data. Seeds in fuzz/corpus/xiaomi/ are hand-built frames named after what
 * they hold (units, stable/removed bits, plant values). */
#include <stdint.h>
#include <stdlib.h>

#include "decode/xiaomi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t uuids[4] = { UUID_WEIGHT_SCALE, UUID_BODY_COMP, UUID_XIAOMI_FD50,
					   UUID_MIBEACON };
	struct decoded d;
	int r;

	if (size < 1)
		return 0;
	decoded_reset(&d);
	r = xiaomi_decode(uuids[data[0] & 3], data + 1, size - 1, &d);
	if (d.n > DECODE_MAX_READINGS || (r >= 0 && r != d.n))
		abort();
	return 0;
}
