/* SPDX-License-Identifier: MIT */
/* fuzz_hci_event.c — LE advertising report parsing, then decoding of every report. */
#include <stdint.h>

#include "decode/decode.h"
#include "source/hci_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct adv a[8];
	struct decoded d;
	int n = hci_event_adv_reports(data, size, 0, a, 8);

	for (int i = 0; i < n; i++)
		(void)decode_adv(&a[i], NULL, &d, NULL);
	return 0;
}
