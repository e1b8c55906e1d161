/* SPDX-License-Identifier: MIT */
/* name.c — sensor-name check: UTF-8 decoding by the table of RFC 3629 §4 (the well-formed
 * byte sequences), so overlong forms and surrogates are refused, not merely odd. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "util/name.h"

/* Check and say why in @why (NULL: silently); *@bad gets the offset where the valid
 * prefix ends. */
static int check(const char *s, size_t len, char *why, size_t *bad);

int name_check(const char *s, size_t len, char why[NAME_WHY_LEN])
{
	size_t bad;

	return check(s, len, why, &bad);
}

size_t name_valid_prefix(const char *s, size_t len)
{
	size_t bad = len;

	check(s, len, NULL, &bad);
	return bad;
}

#define SAY(...) (why ? snprintf(why, NAME_WHY_LEN, __VA_ARGS__) : 0)

static int check(const char *s, size_t len, char *why, size_t *bad)
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
				SAY("byte %zu is a control character (0x%02X)", i + 1, c);
				*bad = i;
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
			SAY("byte %zu (0x%02X) is not valid UTF-8", i + 1, c);
			*bad = i;
			return -EILSEQ;
		}
		if (len - i < n) {
			SAY("the UTF-8 sequence at byte %zu is cut short", i + 1);
			*bad = i;
			return -EILSEQ;
		}
		for (size_t k = 1; k < n; k++) {
			uint8_t b = p[i + k];

			if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) {
				SAY("byte %zu (0x%02X) is not valid UTF-8", i + k + 1, b);
				*bad = i;
				return -EILSEQ;
			}
			cp = cp << 6 | (b & 0x3F);
		}
		if (cp <= 0x9F) { /* C1 controls, U+0080–U+009F */
			SAY("byte %zu starts a control character (U+%04X)", i + 1,
			    (unsigned int)cp);
			*bad = i;
			return -EILSEQ;
		}
		i += n;
	}
	*bad = len;
	return 0;
}
