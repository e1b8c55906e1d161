/* SPDX-License-Identifier: MIT */
/* test_cmd.c — Tasmota's command-line rules: case, index default 1, payload, unknown. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cmd/cmd.h"

static int echo(void *ctx, const struct cmd_req *req, struct jw *reply, const char **why)
{
	char key[48];

	(void)ctx;
	(void)why;
	snprintf(key, sizeof(key), "%s%d", req->name, req->index);
	jw_key(reply, key);
	jw_str(reply, req->payload);
	return 0;
}

static int fails(void *ctx, const struct cmd_req *req, struct jw *reply, const char **why)
{
	(void)ctx;
	(void)req;
	jw_key(reply, "partial");
	jw_int(reply, 1);
	*why = "bad value";
	return -EINVAL;
}

static const struct cmd_def table[] = {
	{ "MI32Option", echo, CMD_F_INDEXED, "" },
	{ "MI32Cfg", echo, 0, "" },
	{ "MI32Key", fails, 0, "" },
	{ "Status", echo, CMD_F_INDEXED, "" },
};
#define N (sizeof(table) / sizeof(table[0]))

static void parse_rules(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(cmd_exec(table, N, NULL, "mi32option3 1", out, sizeof(out)), 0);
	assert_string_equal(out, "{\"MI32Option3\":\"1\"}");
	assert_int_equal(cmd_exec(table, N, NULL, "MI32OPTION", out, sizeof(out)), 0);
	assert_string_equal(out, "{\"MI32Option1\":\"\"}");
	assert_int_equal(cmd_exec(table, N, NULL, "  MI32Cfg   ", out, sizeof(out)), 0);
	assert_string_equal(out, "{\"MI32Cfg1\":\"\"}");
	assert_int_equal(cmd_exec(table, N, NULL, "status 8", out, sizeof(out)), 0);
	assert_string_equal(out, "{\"Status1\":\"8\"}");
	assert_int_equal(cmd_exec(table, N, NULL, "Status0", out, sizeof(out)), 0);
	assert_string_equal(out, "{\"Status0\":\"\"}");
}

static void unknown_and_errors(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(cmd_exec(table, N, NULL, "MI32Cfg2", out, sizeof(out)), -ENOENT);
	assert_string_equal(out, "{\"Command\":\"Unknown\"}");
	assert_int_equal(cmd_exec(table, N, NULL, "MI32Optionx", out, sizeof(out)), -ENOENT);
	assert_int_equal(cmd_exec(table, N, NULL, "", out, sizeof(out)), -ENOENT);
	assert_int_equal(cmd_exec(table, N, NULL, "MI32Key abc", out, sizeof(out)), -EINVAL);
	assert_string_equal(out, "{\"MI32Key\":\"Error\",\"Reason\":\"bad value\"}");
}

static void split_form(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(cmd_exec_split(table, N, NULL, "MI32Option2", "0", out, sizeof(out)), 0);
	assert_string_equal(out, "{\"MI32Option2\":\"0\"}");
	assert_int_equal(cmd_exec_split(table, N, NULL, "MI32Option2 1", "0", out, sizeof(out)),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_rules),
		cmocka_unit_test(unknown_and_errors),
		cmocka_unit_test(split_form),
	};
	return cmocka_run_group_tests_name("cmd", tests, NULL, NULL);
}
