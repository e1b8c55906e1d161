/* SPDX-License-Identifier: MIT */
/* test_srp.c — the accessory's SRP-6a against two published vector sets, and the refusals:
 * a wrong proof (a wrong setup code), A = 0 and A = N. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>

#include "hap/srp.h"
#include "util/hex.h"

#include "srp_vectors.h"

/* hex → bytes; the length is the string's */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	int n = hex_decode(s, out, cap);

	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(s) / 2);
	return (size_t)n;
}

static void adk_vectors(void **state)
{
	uint8_t salt[16], b[32], A[SRP_N_LEN], want[SRP_N_LEN], got[SRP_N_LEN];
	uint8_t M1[64], M2[64], K[64], want64[64];
	struct srp *s;

	(void)state;
	unhex(a_s, salt, sizeof(salt));
	unhex(a_b, b, sizeof(b));
	s = srp_new("alice", "password123", salt, b, sizeof(b));
	assert_non_null(s);
	unhex(a_v, want, sizeof(want));
	srp_verifier(s, got);
	assert_memory_equal(got, want, SRP_N_LEN);
	unhex(a_B, want, sizeof(want));
	srp_public(s, got);
	assert_memory_equal(got, want, SRP_N_LEN);
	assert_int_equal(srp_session_key(s, K), -EAGAIN);

	unhex(a_A, A, sizeof(A));
	unhex(a_M1, M1, sizeof(M1));
	assert_int_equal(srp_verify(s, A, SRP_N_LEN, M1, M2), 0);
	unhex(a_M2, want64, sizeof(want64));
	assert_memory_equal(M2, want64, 64);
	assert_int_equal(srp_session_key(s, K), 0);
	unhex(a_K, want64, sizeof(want64));
	assert_memory_equal(K, want64, 64);

	/* one bit off in the proof is a wrong setup code, and the key is not given out */
	M1[10] ^= 0x40;
	assert_int_equal(srp_verify(s, A, SRP_N_LEN, M1, M2), -EACCES);
	assert_int_equal(srp_session_key(s, K), -EAGAIN);
	srp_free(s);
}

static void hap_python_vectors(void **state)
{
	uint8_t salt[16], b[16], A[24], M1[64], M2[64], K[64], want[64];
	size_t alen;
	struct srp *s;

	(void)state;
	unhex(b_s, salt, sizeof(salt));
	unhex(b_b, b, sizeof(b));
	s = srp_new("Pair-Setup", "123-45-543", salt, b, sizeof(b));
	assert_non_null(s);
	alen = unhex(b_A, A, sizeof(A));
	unhex(b_M1, M1, sizeof(M1));
	assert_int_equal(srp_verify(s, A, alen, M1, M2), 0);
	unhex(b_M2, want, sizeof(want));
	assert_memory_equal(M2, want, 64);
	assert_int_equal(srp_session_key(s, K), 0);
	unhex(b_K, want, sizeof(want));
	assert_memory_equal(K, want, 64);
	srp_free(s);
}

/* A ≡ 0 (mod N) would let a client that knows nothing compute S = 0: refused before any
 * proof is checked, as are an empty or oversized A. */
static void degenerate_A(void **state)
{
	uint8_t salt[16] = { 1 }, b[32] = { 2 }, A[SRP_N_LEN + 1], M1[64] = { 0 }, M2[64];
	BIGNUM *N = BN_get_rfc3526_prime_3072(NULL);
	struct srp *s = srp_new("Pair-Setup", "518-08-582", salt, b, sizeof(b));

	(void)state;
	assert_non_null(s);
	memset(A, 0, sizeof(A));
	assert_int_equal(srp_verify(s, A, SRP_N_LEN, M1, M2), -EINVAL);
	assert_int_equal(BN_bn2binpad(N, A, SRP_N_LEN), SRP_N_LEN);
	assert_int_equal(srp_verify(s, A, SRP_N_LEN, M1, M2), -EINVAL);
	assert_int_equal(srp_verify(s, A, 0, M1, M2), -EINVAL);
	assert_int_equal(srp_verify(s, A, SRP_N_LEN + 1, M1, M2), -EINVAL);
	/* a plain A = 2 is fine as a number, but its proof of zeros is wrong */
	A[0] = 2;
	assert_int_equal(srp_verify(s, A, 1, M1, M2), -EACCES);
	BN_free(N);
	srp_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(adk_vectors),
		cmocka_unit_test(hap_python_vectors),
		cmocka_unit_test(degenerate_A),
	};
	return cmocka_run_group_tests_name("srp", tests, NULL, NULL);
}
