/* SPDX-License-Identifier: MIT */
/* test_aes.c — CCM against RFC 3610's packet vectors, and the failure paths. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decode/aes.h"
#include "util/hex.h"

static void unhex(const char *s, uint8_t *out, size_t n)
{
	assert_int_equal(hex_decode(s, out, n), (int)n);
}

/* RFC 3610 section 8, Packet Vector #1: 13-byte nonce, 8-byte header, M = 8 */
static void rfc3610_packet_vector_1(void **state)
{
	uint8_t key[16], nonce[13], aad[8], pt[23], ct[23], tag[8], want[31], back[23];
	struct aes_key k = { 0 };

	(void)state;
	unhex("C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF", key, 16);
	unhex("00000003020100A0A1A2A3A4A5", nonce, 13);
	unhex("0001020304050607", aad, 8);
	unhex("08090A0B0C0D0E0F101112131415161718191A1B1C1D1E", pt, 23);
	unhex("588C979A61C663D2F066D0C2C0F989806D5F6B61DAC38417E8D12CFDF926E0", want, 31);
	assert_int_equal(aes_key_set(&k, key), 0);
	assert_int_equal(aes_ccm_encrypt(&k, nonce, 13, aad, 8, pt, 23, ct, tag, 8), 0);
	assert_memory_equal(ct, want, 23);
	assert_memory_equal(tag, want + 23, 8);
	assert_int_equal(aes_ccm_decrypt(&k, nonce, 13, aad, 8, ct, 23, tag, 8, back), 0);
	assert_memory_equal(back, pt, 23);
	/* a flipped tag bit is a wrong key, and nothing of the plaintext leaks */
	tag[0] ^= 1;
	assert_int_equal(aes_ccm_decrypt(&k, nonce, 13, aad, 8, ct, 23, tag, 8, back),
			 -EBADMSG);
	for (size_t i = 0; i < 23; i++)
		assert_int_equal(back[i], 0);
	aes_key_clear(&k);
}

/* RFC 3610 Packet Vector #2: a 24-byte payload, two CTR blocks */
static void rfc3610_packet_vector_2(void **state)
{
	uint8_t key[16], nonce[13], aad[8], pt[24], ct[24], tag[8], want[32];
	struct aes_key k = { 0 };

	(void)state;
	unhex("C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF", key, 16);
	unhex("00000004030201A0A1A2A3A4A5", nonce, 13);
	unhex("0001020304050607", aad, 8);
	unhex("08090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", pt, 24);
	unhex("72C91A36E135F8CF291CA894085C87E3CC15C439C9E43A3BA091D56E10400916", want, 32);
	assert_int_equal(aes_key_set(&k, key), 0);
	assert_int_equal(aes_ccm_encrypt(&k, nonce, 13, aad, 8, pt, 24, ct, tag, 8), 0);
	assert_memory_equal(ct, want, 24);
	assert_memory_equal(tag, want + 24, 8);
	aes_key_clear(&k);
}

static void bad_arguments(void **state)
{
	uint8_t key[16] = { 0 }, nonce[13] = { 0 }, buf[16] = { 0 }, tag[4] = { 0 };
	struct aes_key k = { 0 };

	(void)state;
	/* no key */
	assert_int_equal(aes_ccm_decrypt(&k, nonce, 12, NULL, 0, buf, 4, tag, 4, buf), -EINVAL);
	assert_int_equal(aes_encrypt_block(&k, buf, buf), -EINVAL);
	assert_int_equal(aes_key_set(&k, key), 0);
	/* nonce sizes outside 7..13, odd tags */
	assert_int_equal(aes_ccm_decrypt(&k, nonce, 6, NULL, 0, buf, 4, tag, 4, buf), -EINVAL);
	assert_int_equal(aes_ccm_decrypt(&k, nonce, 14, NULL, 0, buf, 4, tag, 4, buf), -EINVAL);
	assert_int_equal(aes_ccm_decrypt(&k, nonce, 12, NULL, 0, buf, 4, tag, 3, buf), -EINVAL);
	assert_int_equal(aes_ccm_ctr(&k, nonce, 5, buf, 4, buf), -EINVAL);
	aes_key_clear(&k);
	aes_key_clear(&k); /* twice is fine */
	aes_key_clear(NULL);
}

/* Re-keying one struct must not leak the old context (ASan checks) and must use the new key */
static void rekey(void **state)
{
	uint8_t k1[16] = { 1 }, k2[16] = { 2 }, z[16] = { 0 }, a[16], b[16];
	struct aes_key k = { 0 };

	(void)state;
	assert_int_equal(aes_key_set(&k, k1), 0);
	assert_int_equal(aes_encrypt_block(&k, z, a), 0);
	assert_int_equal(aes_key_set(&k, k2), 0);
	assert_int_equal(aes_encrypt_block(&k, z, b), 0);
	assert_memory_not_equal(a, b, 16);
	aes_key_clear(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc3610_packet_vector_1),
		cmocka_unit_test(rfc3610_packet_vector_2),
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(rekey),
	};
	return cmocka_run_group_tests_name("aes", tests, NULL, NULL);
}
