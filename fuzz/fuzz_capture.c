/* SPDX-License-Identifier: MIT */
/* fuzz_capture.c — whole capture files through the reader; every advert that comes out
 * must also survive the writer's event synthesis and hci_event parsing unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "source/btsnoop.h"
#include "source/capture.h"
#include "source/hci_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct adv *a)
{
	uint8_t pkt[258];
	struct adv b;
	int n = btsnoop_h4_adv_event(a, pkt);

	if (n < 0)
		return; /* more data than one event holds; the writer refuses it */
	if (hci_event_adv_reports(pkt + 1, (size_t)n - 1, a->time_us, &b, 1) != 1 ||
	    memcmp(a, &b, offsetof(struct adv, data) + a->len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CAPTURE_ERR_LEN];
	struct capture *c;
	struct adv a;

	if (capture_open_mem(&c, data, size, err) < 0)
		return 0;
	/* Each record consumes its header at least, so this ends. */
	while (capture_next(c, &a) == 1)
		check_round_trip(&a);
	capture_free(c);
	return 0;
}
