/* SPDX-License-Identifier: MIT */
/* test_jw.c — the fixed-buffer JSON writer: commas, escapes, numbers, overflow. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/jw.h"

static void nesting_and_commas(void **state)
{
	char b[256];
	struct jw w;
	const uint8_t mac[3] = { 0xA4, 0xC1, 0x38 };

	(void)state;
	jw_init(&w, b, sizeof(b));
	jw_obj_begin(&w);
	jw_key(&w, "a");
	jw_int(&w, -1);
	jw_key(&w, "b");
	jw_arr_begin(&w);
	jw_uint(&w, 1);
	jw_bool(&w, true);
	jw_null(&w);
	jw_obj_begin(&w);
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_key(&w, "c");
	jw_hex(&w, mac, 3, true);
	jw_key(&w, "d");
	jw_raw(&w, "{\"x\":1}");
	jw_obj_end(&w);
	assert_int_equal(jw_finish(&w), (int)strlen(b));
	assert_string_equal(b, "{\"a\":-1,\"b\":[1,true,null,{}],\"c\":\"A4C138\",\"d\":{\"x\":1}}");
}

static void escapes(void **state)
{
	char b[128];
	struct jw w;

	(void)state;
	jw_init(&w, b, sizeof(b));
	jw_str(&w, "q\"b\\n\n\x01\x7f");
	assert_true(jw_finish(&w) > 0);
	assert_string_equal(b, "\"q\\\"b\\\\n\\n\\u0001\\u007f\"");
}

static void numbers(void **state)
{
	char b[128];
	struct jw w;

	(void)state;
	jw_init(&w, b, sizeof(b));
	jw_arr_begin(&w);
	jw_double(&w, 21.35, 1);
	jw_double(&w, 48.0, 1);
	jw_double(&w, -0.04, 1); /* rounds to -0.0: written as 0.0 */
	jw_double(&w, -3.25, 2);
	jw_double(&w, NAN, 1);
	jw_double(&w, 1.5, 0);
	jw_arr_end(&w);
	assert_true(jw_finish(&w) > 0);
	assert_string_equal(b, "[21.4,48.0,0.0,-3.25,null,2]");
}

static void overflow_is_sticky(void **state)
{
	char b[8];
	struct jw w;

	(void)state;
	jw_init(&w, b, sizeof(b));
	jw_str(&w, "1234567");
	jw_int(&w, 1);
	assert_int_equal(jw_finish(&w), -ENOSPC);
	assert_string_equal(b, "");
	/* exactly fitting: 7 characters + NUL */
	jw_init(&w, b, sizeof(b));
	jw_str(&w, "12345");
	assert_int_equal(jw_finish(&w), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nesting_and_commas),
		cmocka_unit_test(escapes),
		cmocka_unit_test(numbers),
		cmocka_unit_test(overflow_is_sticky),
	};
	return cmocka_run_group_tests_name("jw", tests, NULL, NULL);
}
