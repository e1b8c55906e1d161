/* SPDX-License-Identifier: MIT */
/* test_name.c — sensor names: every well-formed UTF-8 length accepted, each malformed form
 * (RFC 3629 §4 table edges) and each control-character range refused with its byte. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/name.h"

static void accepted(void **state)
{
	static const char *ok[] = {
		"", "Kitchen", "Küche", "温度", "😀", "a b/c+#\"\\", "\xC2\xA0", /* U+00A0 */
		"\xEF\xBF\xBF",	/* U+FFFF */
		"\xF4\x8F\xBF\xBF", /* U+10FFFF */
		"\xED\x9F\xBF",	/* U+D7FF, just below the surrogates */
		"~",
	};
	char why[NAME_WHY_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (name_check(ok[i], strlen(ok[i]), why) != 0)
			fail_msg("case %zu refused: %s", i, why);
}

struct bad {
	const char *s;
	size_t len; /* 0 = strlen */
	const char *why;
};

static void refused(void **state)
{
	static const struct bad bad[] = {
		{ "a\x01", 0, "byte 2 is a control character (0x01)" },
		{ "\x1F", 0, "byte 1 is a control character (0x1F)" },
		{ "ab\x7F", 0, "byte 3 is a control character (0x7F)" },
		{ "a\0b", 3, "byte 2 is a control character (0x00)" },
		{ "\xC2\x80", 0, "byte 1 starts a control character (U+0080)" },
		{ "\xC2\x9F", 0, "byte 1 starts a control character (U+009F)" },
		{ "\x80", 0, "byte 1 (0x80) is not valid UTF-8" },
		{ "\xC1\xBF", 0, "byte 1 (0xC1) is not valid UTF-8" },	/* overlong */
		{ "\xE0\x9F\xBF", 0, "byte 2 (0x9F) is not valid UTF-8" }, /* overlong */
		{ "\xED\xA0\x80", 0, "byte 2 (0xA0) is not valid UTF-8" }, /* surrogate */
		{ "\xF0\x8F\xBF\xBF", 0, "byte 2 (0x8F) is not valid UTF-8" }, /* overlong */
		{ "\xF4\x90\x80\x80", 0, "byte 2 (0x90) is not valid UTF-8" }, /* > U+10FFFF */
		{ "\xF5\x80\x80\x80", 0, "byte 1 (0xF5) is not valid UTF-8" },
		{ "\xFF", 0, "byte 1 (0xFF) is not valid UTF-8" },
		{ "x\xE6\xB8", 0, "the UTF-8 sequence at byte 2 is cut short" },
		{ "\xE6\x41\x41", 0, "byte 2 (0x41) is not valid UTF-8" },
		{ "\xF0\x9F\x98\x41", 0, "byte 4 (0x41) is not valid UTF-8" },
	};
	char why[NAME_WHY_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].s);

		why[0] = '\0';
		if (name_check(bad[i].s, len, why) != -EILSEQ || strcmp(why, bad[i].why))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, why, bad[i].why);
	}
}

static void valid_prefix(void **state)
{
	(void)state;
	assert_int_equal(name_valid_prefix("Tag", 3), 3);
	assert_int_equal(name_valid_prefix("", 0), 0);
	assert_int_equal(name_valid_prefix("Ta\x01g", 4), 2);
	assert_int_equal(name_valid_prefix("\n", 1), 0);
	assert_int_equal(name_valid_prefix("K\xC3\xBC" "che", 6), 6);
	assert_int_equal(name_valid_prefix("ab\xE6\xB8", 4), 2);	/* cut by a length limit */
	assert_int_equal(name_valid_prefix("ab\xE6\xB8\xA9" "x\xFF", 7), 6);
	assert_int_equal(name_valid_prefix("x\xC2\x85", 3), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepted),
		cmocka_unit_test(refused),
		cmocka_unit_test(valid_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
