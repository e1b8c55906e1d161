/* SPDX-License-Identifier: MIT */
/* fuzz_qingping.c — qingping_decode() over service data 0xFDCD: the whole input is the
 * payload (header + TLVs). Seeds in fuzz/corpus/qingping/ are hand-built frames (one per
 * TLV kind, several TLVs per frame, a cut TLV), named after what they hold. */
#include <stdint.h>
#include <stdlib.h>

#include "decode/qingping.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decoded d;
	int r;

	decoded_reset(&d);
	r = qingping_decode(data, size, &d);
	if (d.n > DECODE_MAX_READINGS || (r >= 0 && r != d.n) || d.format != DECODE_FORMAT_QINGPING)
		abort();
	return 0;
}
