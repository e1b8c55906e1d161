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

/* The seed's types by SPEC §1.3's numbers (literals on purpose: this is where the names of
 * registry.h are checked against the numbers Tasmota uses). */
static void seed_types(void **state)
{
	static const struct {
		uint16_t pid;
		uint16_t named;
		const char *type;
	} seed[] = {
		{ 0x0098, PID_FLORA, "Flora" },     { 0x01AA, PID_MJ_HT_V1, "MJ_HT_V1" },
		{ 0x045B, PID_LYWSD02, "LYWSD02" }, { 0x055B, PID_LYWSD03, "LYWSD03" },
		{ 0x0347, PID_CGG1, "CGG1" },       { 0x0576, PID_CGD1, "CGD1" },
		{ 0x03DD, PID_NLIGHT, "NLIGHT" },   { 0x07F6, PID_MJYD2S, "MJYD2S" },
		{ 0x0153, PID_YLYK01, "YLYK01" },   { 0x0387, PID_MHOC401, "MHOC401" },
		{ 0x06D3, PID_MHOC303, "MHOC303" }, { 0x0A1C, PID_ATC, "ATC" },
		{ 0x098B, PID_MCCGQ02, "MCCGQ02" }, { 0x0863, PID_SJWS01L, "SJWS01L" },
		{ 0x944A, PID_PVVX, "PVVX" },       { 0x03B6, PID_YLKG08, "YLKG08" },
		{ 0x07BF, PID_YLAI003, "YLAI003" }, { 0xB770, PID_BTHOME, "BTHOME" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(seed) / sizeof(seed[0]); i++) {
		const struct device_info *d = registry_find(seed[i].pid);

		assert_int_equal(seed[i].named, seed[i].pid);
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
