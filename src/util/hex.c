/* SPDX-License-Identifier: MIT */
/* hex.c — strict hex conversion; Tasmota accepted any character as a digit (SPEC §7.2),
 * we reject them so a typo in a key is an error, not a silently different key. */
#include <stdio.h>
#include <errno.h>

#include "util/hex.h"

int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (*s == ':' || *s == '-' || *s == ' ') {
			if (hi >= 0)
				return -EINVAL; /* separator inside a byte */
			continue;
		}
		v = hex_nibble(*s);
		if (v < 0)
			return -EINVAL;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= max)
			return -E2BIG;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return -EINVAL;
	return (int)n;
}

void hex_encode(const uint8_t *p, size_t n, char *out, int upper)
{
	const char *d = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void hex_mac(const uint8_t mac[6], char out[HEX_MAC_LEN])
{
	snprintf(out, HEX_MAC_LEN, "%02X:%02X:%02X:%02X:%02X:%02X", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
}
