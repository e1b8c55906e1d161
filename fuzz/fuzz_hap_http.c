/* SPDX-License-Identifier: MIT */
/* fuzz_hap_http.c — HAP's HTTP request parser on arbitrary bytes, as a controller (or anyone
 * on the LAN) can send them before and after pair-verify. A complete request must lie inside
 * the input, and parsing the rest of the input goes on like a server would. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hap/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_req q;
	char v[64];

	while (size) {
		int r = http_parse(data, size, &q);

		if (r != 1)
			break;
		if (q.total == 0 || q.total > size || q.body + q.body_len != data + q.total ||
		    q.path[0] != '/' || strlen(q.path) >= sizeof(q.path))
			abort();
		(void)http_query(q.path, "id", v, sizeof(v));
		data += q.total;
		size -= q.total;
	}
	return 0;
}
