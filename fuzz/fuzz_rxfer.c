/* SPDX-License-Identifier: MIT */
/* fuzz_rxfer.c — the 0x0019 frame parser and the reassembler on arbitrary bytes, as a peer
 * could notify them. The input is a list of frames, each with a one-byte length before it;
 * the first CMD starts a transfer and data frames go into it. A parsed frame must build back
 * to the same bytes, and the reassembler must never report a complete transfer with a frame
 * missing or a length past its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "activate/rxfer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rxfer_rx rx;
	bool started = false;
	size_t off = 0;

	while (off < size) {
		size_t n = data[off++];
		uint8_t back[RXFER_FRAME_MAX];
		struct rxfer_frame f;
		size_t m = 0;
		int r;

		if (n > size - off)
			n = size - off;
		r = rxfer_parse(data + off, n, &f);
		if (r == 0) {
			switch (f.kind) {
			case RXFER_KIND_CMD:
				m = rxfer_cmd(back, f.code, f.arg);
				started = rxfer_rx_start(&rx, f.code, f.arg) == 0;
				break;
			case RXFER_KIND_ACK:
				m = f.code == RXFER_ACK_LOST ? rxfer_ack_lost(back, f.arg)
							     : rxfer_ack(back, f.code);
				break;
			case RXFER_KIND_DATA:
				memcpy(back, data + off, n); /* the payload is the rest as is */
				m = n;
				if (started && rxfer_rx_put(&rx, &f) == 1 &&
				    (rxfer_rx_missing(&rx) || rx.len > RXFER_DATA_MAX ||
				     rx.len == 0))
					abort();
				break;
			}
			if (m != n || memcmp(back, data + off, n))
				abort();
		}
		off += n;
	}
	return 0;
}
