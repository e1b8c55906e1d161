/* SPDX-License-Identifier: MIT */
/* fuzz_tlv8.c — the TLV8 reader on arbitrary bytes (what a controller's pair-setup or
 * pairings request carries). Every type is looked up; a value that is found must re-encode
 * and read back the same. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hap/tlv8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t v[4096], enc[4096 + 64], back[4096];
	int ok = tlv8_check(data, size) == 0;

	for (int t = 0; t < 256; t++) {
		ssize_t n = tlv8_get(data, size, (uint8_t)t, v, sizeof(v));
		struct wr w = wr_init(enc, sizeof(enc));
		uint8_t b;

		if (!ok && n != -EBADMSG)
			abort(); /* malformed input must be said, for every type */
		(void)tlv8_get_u8(data, size, (uint8_t)t, &b);
		if (n < 0)
			continue;
		tlv8_put(&w, (uint8_t)t, v, (size_t)n);
		if (!wr_ok(&w) || tlv8_get(enc, wr_len(&w), (uint8_t)t, back, sizeof(back)) != n ||
		    memcmp(v, back, (size_t)n) != 0)
			abort();
	}
	return 0;
}
