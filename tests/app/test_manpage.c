/* SPDX-License-Identifier: MIT */
/* test_manpage.c — the man pages come from the option table: every option is in mi32(8) with
 * its default, every file key in mi32.conf(5), the command-line-only ones are not keys there. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/config.h"
#include "app/manpage.h"

static const struct manpage_cmd cmds[] = {
	{ "run", "the daemon" },
	{ "decode-x", "decode things" },
};

static char *page(int section)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(manpage_write(f, section, cmds, 2), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* "-" is written "\-" in roff. */
static void escaped(const char *name, char *out, size_t n)
{
	size_t k = 0;

	for (; *name && k + 3 < n; name++) {
		if (*name == '-')
			out[k++] = '\\';
		out[k++] = *name;
	}
	out[k] = '\0';
}

static void page8(void **state)
{
	char *p = page(8), want[128], name[64];
	struct config_doc d;

	(void)state;
	assert_non_null(strstr(p, ".TH MI32 8 "));
	assert_non_null(strstr(p, ".TP\n.B decode\\-x\ndecode things.\n"));
	for (unsigned int i = 0; config_doc_row(i, &d) == 0; i++) {
		if (d.heading)
			continue;
		escaped(d.name, name, sizeof(name));
		snprintf(want, sizeof(want), ".TP\n.B \\-\\-%s%s", name, d.arg ? " \\fI" : "\n");
		if (!strstr(p, want))
			fail_msg("mi32(8) lacks --%s", d.name);
	}
	assert_non_null(strstr(p, ".B \\-\\-mqtt\\-port \\fIPORT\\fR\nbroker port.\n"
				  "Default: \\fB1883\\fR.\n"));
	assert_non_null(strstr(p, ".B \\-\\-json\nJSON lines of every SENSOR message on stdout.\n"
				  "Default: \\fBno\\fR.\n"));
	free(p);
}

static void page5(void **state)
{
	char *p = page(5), want[128], name[64];
	struct config_doc d;
	unsigned int keys = 0;

	(void)state;
	assert_non_null(strstr(p, ".TH MI32.CONF 5 "));
	for (unsigned int i = 0; config_doc_row(i, &d) == 0; i++) {
		if (d.heading)
			continue;
		escaped(d.name, name, sizeof(name));
		snprintf(want, sizeof(want), ".TP\n.B %s%s", name, d.arg ? " = \\fI" : "\n");
		if (d.cli_only && strstr(p, want))
			fail_msg("mi32.conf(5) shows the command-line option %s as a key", d.name);
		if (!d.cli_only && !strstr(p, want))
			fail_msg("mi32.conf(5) lacks the key %s", d.name);
		keys += !d.cli_only;
	}
	assert_true(keys > 30);
	assert_non_null(strstr(p, ".B hass\\-prefix = \\fIPREFIX\\fR\n"));
	free(p);
}

static void other_section(void **state)
{
	FILE *f = fopen("/dev/null", "w");

	(void)state;
	assert_non_null(f);
	assert_int_equal(manpage_write(f, 1, cmds, 2), -EINVAL);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(page8),
		cmocka_unit_test(page5),
		cmocka_unit_test(other_section),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
