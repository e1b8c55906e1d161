/* SPDX-License-Identifier: MIT */
/* fuzz_decode_line.c — `mi32 decode`'s input parser (hex, JSON with keys) end to end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/decode_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[DECODE_LINE_OUT_MAX];
	char *line = malloc(size + 1);

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	decode_line(line, out, sizeof(out));
	free(line);
	return 0;
}
