/* SPDX-License-Identifier: MIT */
/* fuzz_relay.c — the raw-advert JSON another node publishes (mqtt-raw-in): parse, and when
 * accepted, encode again and parse that to the same advert. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sink/relay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char node[RELAY_NODE_MAX], node2[RELAY_NODE_MAX], out[RELAY_JSON_MAX];
	struct adv a, b;
	int n;

	if (relay_decode((const char *)data, size, &a, node) < 0)
		return 0;
	/* abort(), not assert(): the replay build has NDEBUG */
	n = relay_encode(&a, node, out, sizeof(out));
	if (n <= 0 || relay_decode(out, (size_t)n, &b, node2) != 0)
		abort();
	if (memcmp(a.addr, b.addr, 6) != 0 || a.len != b.len ||
	    memcmp(a.data, b.data, a.len) != 0 || a.rssi != b.rssi ||
	    a.addr_type != b.addr_type || a.evt_type != b.evt_type ||
	    a.time_us != b.time_us || strcmp(node, node2) != 0)
		abort();
	return 0;
}
