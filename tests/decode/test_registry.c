/* SPDX-License-Identifier: MIT */
/* test_registry.c — the device table: unique product ids, and the seed's 17 types with the
 * exact names Tasmota uses (they are JSON keys Home Assistant setups depend on). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decode/registry.h"

static void unique_pids(void **state)
{
	size_t n;
	const struct device_info *d = registry_all(&n);

	(void)state;
	assert_true(n > 60);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(d[i].type);
		assert_true(strlen(d[i].type) > 0);
		for (size_t k = i + 1; k < n; k++)
			if (d[i].pid == d[k].pid)
				fail_msg("pid %04x listed twice (%s, %s)", d[i].pid, d[i].type,
					 d[k].type);
	}
}

static void seed_types(void **state)
{
	static const struct {
		uint16_t pid;
		const char *type;
	} seed[] = { { 0x0098, "Flora" },   { 0x01AA, "MJ_HT_V1" }, { 0x045B, "LYWSD02" },
		     { 0x055B, "LYWSD03" }, { 0x0347, "CGG1" },     { 0x0576, "CGD1" },
		     { 0x03DD, "NLIGHT" },  { 0x07F6, "MJYD2S" },   { 0x0153, "YLYK01" },
		     { 0x0387, "MHOC401" }, { 0x06D3, "MHOC303" },  { 0x0A1C, "ATC" },
		     { 0x098B, "MCCGQ02" }, { 0x0863, "SJWS01L" },  { 0x944A, "PVVX" },
		     { 0x03B6, "YLKG08" },  { 0x07BF, "YLAI003" } };

	(void)state;
	for (size_t i = 0; i < sizeof(seed) / sizeof(seed[0]); i++) {
		const struct device_info *d = registry_find(seed[i].pid);

		assert_non_null(d);
		assert_string_equal(d->type, seed[i].type);
	}
	/* LYWSD03: temp|hum|tempHum|bat = 142 (SPEC §1.2's example) */
	assert_int_equal(registry_find(0x055B)->feat, 142);
	assert_null(registry_find(0xFFFF));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unique_pids),
		cmocka_unit_test(seed_types),
	};
	return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
