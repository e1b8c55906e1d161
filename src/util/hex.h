/* SPDX-License-Identifier: MIT */
/* hex.h — hex text to bytes and back, strict: every character must be a hex digit or one of
 * the separators ':', '-', ' ' between bytes. */
#ifndef MI32_HEX_H
#define MI32_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit, or -1. */
int hex_nibble(char c);

/* Decode @s into at most @max bytes. Returns the number of bytes, or -EINVAL (a non-hex
 * character, an odd digit count) / -E2BIG (more than @max bytes). */
int hex_decode(const char *s, uint8_t *out, size_t max);

/* Encode @n bytes as 2n hex digits + NUL into @out (size >= 2n+1). */
void hex_encode(const uint8_t *p, size_t n, char *out, int upper);

/* A MAC (display order) as "AA:BB:CC:DD:EE:FF" + NUL into out[18]. */
#define HEX_MAC_LEN 18
void hex_mac(const uint8_t mac[6], char out[HEX_MAC_LEN]);

#endif
