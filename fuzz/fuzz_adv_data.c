/* SPDX-License-Identifier: MIT */
/* fuzz_adv_data.c — the check of op 201/202 buffers (src/gatt/adv_data.c) and the UUID
 * formatting of every element it accepts: a buffer the check passes must walk cleanly, and
 * each element's class must agree with the check's verdict. */
#include <stdint.h>
#include <string.h>

#include "decode/ad.h"
#include "gatt/adv_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct adv_data_err err;
	struct ad_iter it;
	struct ad_elem e;
	char u[37];

	if (size > ADV_DATA_MAX)
		size = ADV_DATA_MAX;
	if (adv_data_check(data, size, &err) < 0) {
		if (err.off >= size && size)
			__builtin_trap();
		return 0;
	}
	ad_iter_init(&it, data, size);
	while (ad_next(&it, &e)) {
		int c = adv_data_class(e.type, e.len);
		unsigned int bits = adv_data_uuid_bits(e.type);

		if (c < 0)
			__builtin_trap();
		if (bits && e.len >= bits / 8)
			adv_data_uuid_str(e.data, bits, u);
	}
	if (it.err)
		__builtin_trap();
	return 0;
}
