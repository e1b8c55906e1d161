/* SPDX-License-Identifier: MIT */
/* fuzz_h4.c — the H4 framer and the HCI state machine and event handling behind it, fed
 * an arbitrary byte stream as if read from a UART. The first byte picks passive/active;
 * commands go to /dev/null. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "source/h4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_adv(const struct adv *a, void *user_data)
{
	(void)a;
	(void)user_data;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	struct h4 *h;

	if (fd < 0)
		return 0;
	h = h4_new(fd, on_adv, NULL, NULL);
	if (!h) {
		close(fd);
		return 0;
	}
	if (size) {
		h4_start(h, data[0] & 1);
		data++;
		size--;
	}
	/* in two pieces, so packets straddle a feed */
	h4_input(h, data, size / 2);
	h4_input(h, data + size / 2, size - size / 2);
	h4_restart(h);
	h4_free(h);
	return 0;
}
