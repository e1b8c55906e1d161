/* SPDX-License-Identifier: MIT */
/* test_exe.c — the running binary's real path, for the setcap hint (it named build/mi32). */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/exe.h"

static void real_path(void **state)
{
	char buf[PATH_MAX], want[PATH_MAX];
	const char *p = exe_path(buf, sizeof(buf));

	(void)state;
	assert_ptr_equal(p, buf);
	assert_non_null(realpath("/proc/self/exe", want));
	assert_string_equal(p, want);
	assert_true(p[0] == '/');
	assert_string_equal(strrchr(p, '/'), "/test_exe");
}

/* A path that does not fit is not cut into a wrong one: the bare name instead. */
static void too_small(void **state)
{
	char buf[8];

	(void)state;
	assert_string_equal(exe_path(buf, sizeof(buf)), "mi32");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_path),
		cmocka_unit_test(too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
