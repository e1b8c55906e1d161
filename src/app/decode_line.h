/* SPDX-License-Identifier: MIT */
/* decode_line.h — `mi32 decode`: one input line (hex advertising data, or a JSON object
 * shaped like shared/vectors) in, one JSON result line out. */
#ifndef MI32_DECODE_LINE_H
#define MI32_DECODE_LINE_H

#include <stddef.h>
#include <stdio.h>

#define DECODE_LINE_OUT_MAX 4096

/* Decode @line (NUL-terminated, no newline needed) and write the JSON result to @out.
 * Always writes a JSON object, `"ok":false` with an error name and a sentence on failure.
 * Returns the length written. */
size_t decode_line(const char *line, char *out, size_t size);

/* Read lines from @in, write one result per line to @out. Returns 0. */
int decode_line_stream(FILE *in, FILE *out);

int decode_line_main(int argc, char **argv);

#endif
