/* SPDX-License-Identifier: MIT */
/* test_wr.c — the packet writer: little-endian layout, and an overrun that is sticky and
 * writes nothing past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/wr.h"

static void layout(void **state)
{
	uint8_t b[16];
	struct wr w = wr_init(b, sizeof(b));

	(void)state;
	wr_u8(&w, 0x01);
	wr_le16(&w, 0x200C);
	wr_bytes(&w, "\xAA\xBB", 2);
	wr_bytes(&w, NULL, 0);
	wr_zero(&w, 3);
	assert_true(wr_ok(&w));
	assert_int_equal(wr_len(&w), 8);
	assert_memory_equal(b, "\x01\x0C\x20\xAA\xBB\x00\x00\x00", 8);
}

static void overrun_is_sticky(void **state)
{
	uint8_t b[4] = { 0xEE, 0xEE, 0xEE, 0xEE };
	struct wr w = wr_init(b, 3);

	(void)state;
	wr_le16(&w, 0x1234);
	wr_le16(&w, 0x5678); /* one byte short: nothing written */
	assert_false(wr_ok(&w));
	assert_int_equal(wr_len(&w), 2);
	assert_int_equal(b[2], 0xEE);
	wr_u8(&w, 0x99); /* would fit, but the error sticks */
	assert_false(wr_ok(&w));
	assert_int_equal(b[2], 0xEE);
	assert_null(wr_put(&w, 0));
	assert_memory_equal(b, "\x34\x12\xEE\xEE", 4);
}

/* wr_printf: text appended, NUL after it, nothing of a piece that does not fit, sticky */
static void text(void **state)
{
	char b[12];
	struct wr w = wr_init((uint8_t *)b, sizeof(b));

	(void)state;
	wr_printf(&w, "M%d %d", 4, 4);
	wr_printf(&w, "h%d", 7);
	assert_true(wr_ok(&w));
	assert_int_equal(wr_len(&w), 6);
	assert_string_equal(b, "M4 4h7");
	wr_printf(&w, "v1h-%dz", 7777); /* 8 characters + NUL do not fit in the 6 left */
	assert_false(wr_ok(&w));
	assert_int_equal(wr_len(&w), 6);
	assert_string_equal(b, "M4 4h7");
	wr_printf(&w, "z");
	assert_int_equal(wr_len(&w), 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layout),
		cmocka_unit_test(overrun_is_sticky),
		cmocka_unit_test(text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
