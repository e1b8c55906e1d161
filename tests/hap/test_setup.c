/* SPDX-License-Identifier: MIT */
/* test_setup.c — setup codes, ids, the QR payload and the setup hash against HomeKitADK's
 * vectors (HAPAccessorySetupGetSetupPayloadTest.c, ...GetSetupHashTest.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hap/setup.h"

static void codes(void **state)
{
	(void)state;
	assert_true(setup_code_valid("518-08-582"));
	assert_true(setup_code_valid("031-45-154"));
	assert_false(setup_code_valid("111-11-111"));
	assert_false(setup_code_valid("000-00-000"));
	assert_false(setup_code_valid("123-45-678"));
	assert_false(setup_code_valid("876-54-321"));
	assert_false(setup_code_valid("51808582"));
	assert_false(setup_code_valid("518-08-58"));
	assert_false(setup_code_valid("518-08-5821"));
	assert_false(setup_code_valid("518_08-582"));
	assert_false(setup_code_valid("51a-08-582"));
	assert_false(setup_code_valid(NULL));
}

/* every generated code is valid, and they differ (a constant would pass the first check) */
static void generated(void **state)
{
	char a[SETUP_CODE_LEN + 1], b[SETUP_CODE_LEN + 1], id[SETUP_ID_LEN + 1];
	int same = 0;

	(void)state;
	for (int i = 0; i < 200; i++) {
		assert_int_equal(setup_code_generate(a), 0);
		assert_true(setup_code_valid(a));
		assert_int_equal(setup_code_generate(b), 0);
		same += !strcmp(a, b);
	}
	assert_true(same < 3);
	assert_int_equal(setup_id_generate(id), 0);
	assert_true(setup_id_valid(id));
	assert_false(setup_id_valid("7osx"));
	assert_false(setup_id_valid("7OS"));
	assert_false(setup_id_valid("7OSX1"));
}

static void payloads(void **state)
{
	char p[SETUP_PAYLOAD_LEN + 1];

	(void)state;
	assert_int_equal(setup_payload(p, "518-08-582", "7OSX", 7, false), 0);
	assert_string_equal(p, "X-HM://0071WK4SM7OSX");
	assert_int_equal(setup_payload(p, NULL, "0000", 7, true), 0);
	assert_string_equal(p, "X-HM://00739MG3K0000");
	assert_int_equal(setup_payload(p, "518-08-582", "7OSX", SETUP_CATEGORY_BRIDGE, false), 0);
	assert_string_equal(p, "X-HM://0024BRZUU7OSX");
	assert_int_equal(setup_payload(p, "111-11-111", "7OSX", 2, false), -EINVAL);
	assert_int_equal(setup_payload(p, "518-08-582", "7os", 2, false), -EINVAL);
}

static void hash(void **state)
{
	char h[SETUP_HASH_LEN + 1];

	(void)state;
	assert_int_equal(setup_hash(h, "7OSX", "E1:91:1A:70:85:AA"), 0);
	assert_string_equal(h, "yf4bzw==");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codes),
		cmocka_unit_test(generated),
		cmocka_unit_test(payloads),
		cmocka_unit_test(hash),
	};
	return cmocka_run_group_tests_name("setup", tests, NULL, NULL);
}
