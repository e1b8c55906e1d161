/* SPDX-License-Identifier: MIT */
/* test_hex.c — strict hex: separators between bytes only, no stray characters. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/hex.h"

static void decode(void **state)
{
	uint8_t b[8];
	char s[17];

	(void)state;
	assert_int_equal(hex_decode("A4:c1:38", b, 8), 3);
	assert_int_equal(b[0], 0xA4);
	assert_int_equal(b[1], 0xC1);
	assert_int_equal(hex_decode("a4-c1 38", b, 8), 3);
	assert_int_equal(hex_decode("", b, 8), 0);
	assert_int_equal(hex_decode("a", b, 8), -EINVAL);
	assert_int_equal(hex_decode("a:4", b, 8), -EINVAL);
	assert_int_equal(hex_decode("zz", b, 8), -EINVAL);
	assert_int_equal(hex_decode("000000000000000000", b, 8), -E2BIG);
	hex_encode((const uint8_t *)"\x01\xab", 2, s, 1);
	assert_string_equal(s, "01AB");
	hex_encode((const uint8_t *)"\x01\xab", 2, s, 0);
	assert_string_equal(s, "01ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(decode) };
	return cmocka_run_group_tests_name("hex", tests, NULL, NULL);
}
