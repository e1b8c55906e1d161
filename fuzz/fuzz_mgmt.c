/* SPDX-License-Identifier: MIT */
/* fuzz_mgmt.c — mgmt event parsing and the command sequence it drives. The input is a
 * series of records, each a little-endian u16 length then that many bytes of one mgmt
 * packet; the first byte picks passive/active. Commands go to /dev/null. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "source/mgmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_adv(const struct adv *a, void *user_data)
{
	(void)a;
	(void)user_data;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	struct mgmt *m;

	if (fd < 0)
		return 0;
	m = mgmt_new(fd, 0, on_adv, NULL, NULL);
	if (!m) {
		close(fd);
		return 0;
	}
	if (size) {
		mgmt_start(m, data[0] & 1);
		data++;
		size--;
	}
	while (size >= 2) {
		size_t len = (size_t)(data[0] | data[1] << 8);

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		mgmt_input(m, data, len);
		data += len;
		size -= len;
	}
	mgmt_restart(m);
	mgmt_free(m);
	return 0;
}
