/* SPDX-License-Identifier: MIT */
/* fuzz_gatt_mgmt.c — the management events the GATT engine reads (mgmt_watch_feed): any
 * bytes as one packet. */
#include <stddef.h>
#include <stdint.h>

#include "gatt/mgmt_watch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_down(void *data, uint16_t index, const uint8_t mac[6], uint8_t type, int hci)
{
	(void)data;
	(void)index;
	(void)mac;
	(void)type;
	(void)hci;
}

static void on_irk(void *data, uint16_t index, const uint8_t rpa[6], const uint8_t mac[6],
		   uint8_t type, const uint8_t irk[16])
{
	(void)rpa;
	(void)data;
	(void)index;
	(void)mac;
	(void)type;
	(void)irk;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mgmt_watch_events cb = { .disconnected = on_down, .new_irk = on_irk };

	mgmt_watch_feed(&cb, NULL, data, size);
	return 0;
}
