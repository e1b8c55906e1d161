/* SPDX-License-Identifier: MIT */
/* name.c — sensor-name check: UTF-8 decoding by the table of RFC 3629 §4 (the well-formed
 * byte sequences), so overlong forms and surrogates are refused, not merely odd. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "util/name.h"

int name_check(const char *s, size_t len, char why[NAME_WHY_LEN])
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;

	while (i < len) {
		uint8_t c = p[i];
		uint32_t cp;
		size_t n;
		uint8_t lo = 0x80, hi = 0xBF; /* range of the second byte (RFC 3629 §4) */

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7F) {
				snprintf(why, NAME_WHY_LEN, "byte %zu is a control character "
					 "(0x%02X)", i + 1, c);
				return -EILSEQ;
			}
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 2;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 3;
			cp = c & 0x0F;
			if (c == 0xE0)
				lo = 0xA0;	/* overlong */
			else if (c == 0xED)
				hi = 0x9F;	/* surrogates */
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 4;
			cp = c & 0x07;
			if (c == 0xF0)
				lo = 0x90;	/* overlong */
			else if (c == 0xF4)
				hi = 0x8F;	/* past U+10FFFF */
		} else {
			snprintf(why, NAME_WHY_LEN, "byte %zu (0x%02X) is not valid UTF-8", i + 1,
				 c);
			return -EILSEQ;
		}
		if (len - i < n) {
			snprintf(why, NAME_WHY_LEN, "the UTF-8 sequence at byte %zu is cut short",
				 i + 1);
			return -EILSEQ;
		}
		for (size_t k = 1; k < n; k++) {
			uint8_t b = p[i + k];

			if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) {
				snprintf(why, NAME_WHY_LEN, "byte %zu (0x%02X) is not valid UTF-8",
					 i + k + 1, b);
				return -EILSEQ;
			}
			cp = cp << 6 | (b & 0x3F);
		}
		if (cp <= 0x9F) { /* C1 controls, U+0080–U+009F */
			snprintf(why, NAME_WHY_LEN, "byte %zu starts a control character "
				 "(U+%04X)", i + 1, (unsigned int)cp);
			return -EILSEQ;
		}
		i += n;
	}
	return 0;
}
