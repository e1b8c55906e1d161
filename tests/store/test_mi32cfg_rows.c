/* SPDX-License-Identifier: MIT */
/* test_mi32cfg_rows.c — the editor's per-row check: every element of a refused text judged
 * on its own, with what a bad row still shows (MAC, PID and name as written). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "store/mi32cfg_rows.h"

struct seen {
	unsigned int n;
	char mac[4][16], error[4][200];
	bool ok[4];
	uint16_t pid[4];
};

static void on_row(void *ud, const struct mi32cfg_row *row)
{
	struct seen *s = ud;

	assert_true(s->n < 4);
	assert_true((row->entry == NULL) != (row->error == NULL));
	snprintf(s->mac[s->n], sizeof(s->mac[0]), "%s", row->mac);
	snprintf(s->error[s->n], sizeof(s->error[0]), "%s", row->error ? row->error : "");
	s->ok[s->n] = row->entry != NULL;
	s->pid[s->n] = row->entry ? row->entry->pid : 0;
	s->n++;
}

static void test_rows(void **state)
{
	const char *t = "[{\"MAC\":\"A4C138A1B2C3\",\"PID\":\"055b\",\"key\":\"\"},"
			"{\"MAC\":\"A4C138112233\",\"PID\":\"0a1c\",\"key\":\"0011\"},"
			"{\"name\":\"continues the one before\"},"
			"42]";
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(mi32cfg_rows(t, strlen(t), on_row, &s), 4);
	assert_int_equal(s.n, 4);
	assert_true(s.ok[0]);
	assert_int_equal(s.pid[0], 0x055B);
	assert_false(s.ok[1]);
	assert_string_equal(s.mac[1], "A4C138112233");
	assert_non_null(strstr(s.error[1], "key must be 32 hex digits"));
	assert_false(s.ok[2]);
	assert_non_null(strstr(s.error[2], "belongs to the element before it"));
	assert_false(s.ok[3]);
	assert_string_equal(s.mac[3], "");
	assert_non_null(strstr(s.error[3], "must be an object, got a number"));
}

static void test_not_an_array(void **state)
{
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(mi32cfg_rows("{}", 2, on_row, &s), -EBADMSG);
	assert_int_equal(mi32cfg_rows("[{", 2, on_row, &s), -EBADMSG);
	assert_int_equal(mi32cfg_rows("[]", 2, on_row, &s), 0);
	assert_int_equal(s.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_not_an_array),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
