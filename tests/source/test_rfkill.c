/* SPDX-License-Identifier: MIT */
/* test_rfkill.c — reading an adapter's rfkill block from a folder that plays sysfs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "source/rfkill.h"
#include "../util/fakesys.h"

static void test_blocks_are_read(void **state)
{
	char root[64];

	(void)state;
	fakesys_new(root);
	assert_int_equal(rfkill_blocked(root, 0), -ENOENT); /* no adapter */
	fakesys_rfkill(root, 0, 3, 0, 0);
	assert_int_equal(rfkill_blocked(root, 0), 0);
	fakesys_rfkill(root, 0, 3, 1, 0);
	assert_int_equal(rfkill_blocked(root, 0), RFKILL_SOFT);
	fakesys_rfkill(root, 0, 3, 0, 1);
	assert_int_equal(rfkill_blocked(root, 0), RFKILL_HARD);
	fakesys_rfkill(root, 0, 3, 1, 1);
	assert_int_equal(rfkill_blocked(root, 0), RFKILL_SOFT | RFKILL_HARD);
	assert_int_equal(rfkill_blocked(root, 1), -ENOENT);
	fakesys_free(root);
}

static void test_adapter_without_switch_or_garbage(void **state)
{
	char root[64], p[128];

	(void)state;
	fakesys_new(root);
	fakesys_rfkill(root, 2, 0, 1, 0);
	snprintf(p, sizeof(p), "%s/class/bluetooth/hci2/rfkill0/soft", root);
	fakesys_write(p, "x\n");
	assert_int_equal(rfkill_blocked(root, 2), -EBADMSG);
	snprintf(p, sizeof(p), "rm -r '%s/class/bluetooth/hci2/rfkill0'", root);
	assert_int_equal(system(p), 0);
	assert_int_equal(rfkill_blocked(root, 2), -ENOENT); /* an adapter without a switch */
	fakesys_free(root);
}

static void test_sentences(void **state)
{
	char s[192];

	(void)state;
	rfkill_describe(0, RFKILL_SOFT, s, sizeof(s));
	assert_string_equal(s, "hci0: the radio is blocked by rfkill (soft block): "
			    "rfkill unblock bluetooth");
	rfkill_describe(1, RFKILL_HARD, s, sizeof(s));
	assert_string_equal(s, "hci1: the radio is blocked by rfkill (hard block: a hardware "
			       "switch or the firmware turned the radio off)");
	rfkill_describe(1, RFKILL_HARD | RFKILL_SOFT, s, sizeof(s));
	assert_non_null(strstr(s, "soft-blocked too (rfkill unblock bluetooth)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks_are_read),
		cmocka_unit_test(test_adapter_without_switch_or_garbage),
		cmocka_unit_test(test_sentences),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
