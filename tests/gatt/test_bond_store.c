/* SPDX-License-Identifier: MIT */
/* test_bond_store.c — the IRK of bluetoothd's info key file: the group and key as BlueZ
 * writes them, other groups' Key lines ignored, blanks and CRs, bad keys, and the file found
 * under <dir>/<adapter>/<peer>/info; the LTK's Authenticated= key type. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "gatt/bond_store.h"

static const uint8_t want[16] = { 0x0F, 0x1E, 0x2D, 0x3C, 0x4B, 0x5A, 0x69, 0x78,
				  0x87, 0x96, 0xA5, 0xB4, 0xC3, 0xD2, 0xE1, 0xF0 };
static const char info[] = "[General]\nName=peer\nAddressType=public\n\n"
			   "[LongTermKey]\nKey=00112233445566778899AABBCCDDEEFF\nEncSize=16\n\n"
			   "[IdentityResolvingKey]\nKey=0F1E2D3C4B5A69788796A5B4C3D2E1F0\n";

static int parse(const char *s, uint8_t irk[16])
{
	return bond_store_parse(s, strlen(s), irk);
}

static void parse_irk(void **state)
{
	uint8_t irk[16];

	(void)state;
	assert_int_equal(parse(info, irk), 0);
	assert_memory_equal(irk, want, 16);
	/* blanks, CRLF, lower case; no final newline */
	memset(irk, 0, 16);
	assert_int_equal(parse("[IdentityResolvingKey]\r\n  Key = 0f1e2d3c4b5a69788796a5b4c3d2e1f0 \r",
			       irk), 0);
	assert_memory_equal(irk, want, 16);
	/* only other groups' keys, or a KeyType line: no IRK */
	assert_int_equal(parse("[LongTermKey]\nKey=00112233445566778899AABBCCDDEEFF\n", irk),
			 -ENOENT);
	assert_int_equal(parse("[IdentityResolvingKey]\nKeyType=1\n# Key=00\n", irk), -ENOENT);
	assert_int_equal(parse("", irk), -ENOENT);
	assert_int_equal(parse("[IdentityResolvingKey]x\nKey=0F1E2D3C4B5A69788796A5B4C3D2E1F0\n",
			       irk), -ENOENT);
	/* a key that is not 32 hex digits */
	assert_int_equal(parse("[IdentityResolvingKey]\nKey=0F1E\n", irk), -EBADMSG);
	assert_int_equal(parse("[IdentityResolvingKey]\nKey=0F1E2D3C4B5A69788796A5B4C3D2E1FG\n", irk),
			 -EBADMSG);
}

/* Authenticated= of the LTK groups: 1 and 3 were made with MITM protection (mgmt key
 * types), any group saying so is enough, other groups and bad values say nothing */
static void ltk_auth(void **state)
{
	static const struct {
		const char *text;
		int want;
	} cases[] = {
		{ "[LongTermKey]\nKey=00\nAuthenticated=3\n", 1 },
		{ "[LongTermKey]\nAuthenticated=1\n", 1 },
		{ "[LongTermKey]\nAuthenticated=2\n", 0 },
		{ "[LongTermKey]\nAuthenticated = 0\r\n", 0 },
		{ "[LongTermKey]\nAuthenticated=4\n", 0 }, /* a debug key */
		{ "[SlaveLongTermKey]\nAuthenticated=2\n[PeripheralLongTermKey]\nAuthenticated=3\n",
		  1 },
		{ "[PeripheralLongTermKey]\nAuthenticated=3\n[LongTermKey]\nAuthenticated=0\n", 1 },
		{ "[General]\nAuthenticated=3\n", -1 },
		{ "[LongTermKey]\nAuthenticated=9\n", -1 },
		{ "[LongTermKey]\nAuthenticated=33\n", -1 },
		{ "[LongTermKey]\nAuthenticatedX=3\n", -1 },
		{ "", -1 },
	};
	struct bond_info in;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bond_store_parse_info(cases[i].text, strlen(cases[i].text), &in);
		if (in.ltk_auth != cases[i].want)
			fail_msg("case %zu: %d, want %d", i, in.ltk_auth, cases[i].want);
		assert_int_equal(in.irk_status, -ENOENT);
	}
	bond_store_parse_info(info, strlen(info), &in);
	assert_int_equal(in.irk_status, 0);
	assert_memory_equal(in.irk, want, 16);
	assert_int_equal(in.ltk_auth, -1); /* the file above has no Authenticated line */
}

static void read_file(void **state)
{
	static const uint8_t adapter[6] = { 0x00, 0xAA, 0x01, 0x00, 0x00, 0x00 };
	static const uint8_t peer[6] = { 0x00, 0xAA, 0x01, 0x01, 0x00, 0x01 };
	char dir[] = "/tmp/mi32-bond-XXXXXX", path[128];
	uint8_t irk[16];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(bond_store_irk(dir, adapter, peer, irk), -ENOENT);
	snprintf(path, sizeof(path), "%s/00:AA:01:00:00:00", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/00:AA:01:00:00:00/00:AA:01:01:00:01", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/00:AA:01:00:00:00/00:AA:01:01:00:01/info", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(info, f);
	fclose(f);
	assert_int_equal(bond_store_irk(dir, adapter, peer, irk), 0);
	assert_memory_equal(irk, want, 16);
	unlink(path);
	snprintf(path, sizeof(path), "%s/00:AA:01:00:00:00/00:AA:01:01:00:01", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/00:AA:01:00:00:00", dir);
	rmdir(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_irk),
		cmocka_unit_test(ltk_auth),
		cmocka_unit_test(read_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
