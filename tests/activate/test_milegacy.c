/* SPDX-License-Identifier: MIT */
/* test_milegacy.c — the legacy RC4 scheme against shared/notes/mi-activation.md §8.4 (MAC
 * AB:CD:EF:12:34:56, pid 950, token 00..0b: mixA, mixB, both writes), RC4 against RFC 6229's
 * first keystream bytes for key 0102030405, and the 12 → 16 byte beacon-key expansion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "activate/milegacy.h"
#include "util/hex.h"

static void unhex(const char *s, uint8_t *out, size_t n)
{
	assert_int_equal(hex_decode(s, out, n), (int)n);
}

static const uint8_t mac[6] = { 0xab, 0xcd, 0xef, 0x12, 0x34, 0x56 };

static void mix_8_4(void **state)
{
	uint8_t m[8], want[8];

	(void)state;
	milegacy_mix_a(mac, 950, m);
	unhex("5612abb6b6cdab34", want, 8);
	assert_memory_equal(m, want, 8);
	milegacy_mix_b(mac, 950, m);
	unhex("5612ab03cd56abb6", want, 8);
	assert_memory_equal(m, want, 8);
}

static void writes_8_4(void **state)
{
	uint8_t token[12], mix[8], out[12], want[12], back[12];

	(void)state;
	unhex("000102030405060708090a0b", token, 12);
	milegacy_mix_a(mac, 950, mix);
	milegacy_rc4(mix, 8, token, 12, out);
	unhex("85a5128e793e3a8d051c2a1f", want, 12);
	assert_memory_equal(out, want, 12);
	milegacy_rc4(mix, 8, out, 12, back); /* RC4 is its own inverse */
	assert_memory_equal(back, token, 12);
	milegacy_rc4(token, 12, milegacy_finish, 4, out);
	unhex("f156d377", want, 4);
	assert_memory_equal(out, want, 4);
}

static void rc4_rfc6229(void **state)
{
	static const uint8_t key[5] = { 1, 2, 3, 4, 5 }, zero[16];
	uint8_t out[16], want[16];

	(void)state;
	milegacy_rc4(key, 5, zero, 16, out);
	unhex("b2396305f03dc027ccc3524a0a1118a8", want, 16);
	assert_memory_equal(out, want, 16);
}

static void expand_key(void **state)
{
	uint8_t k12[12], k16[16], want[16];

	(void)state;
	unhex("00112233445566778899aabb", k12, 12);
	milegacy_expand_key(k12, k16);
	unhex("0011223344558d3d3c9766778899aabb", want, 16);
	assert_memory_equal(k16, want, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mix_8_4),
		cmocka_unit_test(writes_8_4),
		cmocka_unit_test(rc4_rfc6229),
		cmocka_unit_test(expand_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
