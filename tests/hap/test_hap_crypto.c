/* SPDX-License-Identifier: MIT */
/* test_hap_crypto.c — the primitives against their RFCs' vectors (RFC 8439 §2.8.2, RFC 8032
 * §7.1 test 1, RFC 7748 §6.1) and HAP's HKDF of the SRP vector's K; then the failures: a
 * flipped tag, a forged signature, a low-order X25519 point. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hap/hap_crypto.h"
#include "util/hex.h"

static void unhex(const char *s, uint8_t *out, size_t n)
{
	assert_int_equal(hex_decode(s, out, n), (int)n);
}

static void chacha20_poly1305_rfc8439(void **state)
{
	static const char pt[] = "Ladies and Gentlemen of the class of '99: If I could offer "
				 "you only one tip for the future, sunscreen would be it.";
	uint8_t key[32], nonce[12], aad[12], ct[114], tag[16], want[114 + 16], back[114];

	(void)state;
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(0x80 + i);
	unhex("070000004041424344454647", nonce, 12);
	unhex("50515253c0c1c2c3c4c5c6c7", aad, 12);
	unhex("d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca967"
	      "1282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee32809"
	      "1b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116"
	      "1ae10b594f09e26a7e902ecbd0600691", want, sizeof(want));
	assert_int_equal(hapc_seal(key, nonce, aad, 12, (const uint8_t *)pt, 114, ct, tag), 0);
	assert_memory_equal(ct, want, 114);
	assert_memory_equal(tag, want + 114, 16);
	assert_int_equal(hapc_open(key, nonce, aad, 12, ct, 114, back, tag), 0);
	assert_memory_equal(back, pt, 114);
	/* in place works too */
	memcpy(back, ct, 114);
	assert_int_equal(hapc_open(key, nonce, aad, 12, back, 114, back, tag), 0);
	assert_memory_equal(back, pt, 114);
	/* a changed tag, AAD or nonce: refused, and nothing of the plaintext is left */
	tag[15] ^= 1;
	assert_int_equal(hapc_open(key, nonce, aad, 12, ct, 114, back, tag), -EBADMSG);
	for (int i = 0; i < 114; i++)
		assert_int_equal(back[i], 0);
	tag[15] ^= 1;
	aad[0] ^= 1;
	assert_int_equal(hapc_open(key, nonce, aad, 12, ct, 114, back, tag), -EBADMSG);
	aad[0] ^= 1;
	nonce[11] ^= 1;
	assert_int_equal(hapc_open(key, nonce, aad, 12, ct, 114, back, tag), -EBADMSG);
}

static void empty_message_has_a_tag(void **state)
{
	uint8_t key[32] = { 7 }, nonce[12], tag[16], out[1];

	(void)state;
	hapc_nonce_label(nonce, "PV-Msg03");
	assert_memory_equal(nonce, "\0\0\0\0PV-Msg03", 12);
	assert_int_equal(hapc_seal(key, nonce, NULL, 0, NULL, 0, out, tag), 0);
	assert_int_equal(hapc_open(key, nonce, NULL, 0, NULL, 0, out, tag), 0);
	tag[0] ^= 0x80;
	assert_int_equal(hapc_open(key, nonce, NULL, 0, NULL, 0, out, tag), -EBADMSG);
}

static void nonce_counter_is_little_endian(void **state)
{
	uint8_t n[12];

	(void)state;
	hapc_nonce_counter(n, 0x0102030405060708ull);
	assert_memory_equal(n, "\0\0\0\0\x08\x07\x06\x05\x04\x03\x02\x01", 12);
}

static void ed25519_rfc8032_test1(void **state)
{
	uint8_t sk[32], pk[32], want_pk[32], sig[64], want_sig[64], pk2[32], sk2[32];

	(void)state;
	unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", sk, 32);
	unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", want_pk, 32);
	unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
	      "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b", want_sig, 64);
	assert_int_equal(hapc_ed25519_public(sk, pk), 0);
	assert_memory_equal(pk, want_pk, 32);
	assert_int_equal(hapc_ed25519_sign(sk, (const uint8_t *)"", 0, sig), 0);
	assert_memory_equal(sig, want_sig, 64);
	assert_int_equal(hapc_ed25519_verify(pk, (const uint8_t *)"", 0, sig), 0);
	assert_int_equal(hapc_ed25519_verify(pk, (const uint8_t *)"x", 1, sig), -EBADMSG);
	sig[63] ^= 0x10;
	assert_int_equal(hapc_ed25519_verify(pk, (const uint8_t *)"", 0, sig), -EBADMSG);

	/* a fresh pair signs and verifies, and its public key is its seed's */
	assert_int_equal(hapc_ed25519_keypair(sk2, pk2), 0);
	assert_int_equal(hapc_ed25519_public(sk2, pk), 0);
	assert_memory_equal(pk, pk2, 32);
	assert_int_equal(hapc_ed25519_sign(sk2, (const uint8_t *)"abc", 3, sig), 0);
	assert_int_equal(hapc_ed25519_verify(pk2, (const uint8_t *)"abc", 3, sig), 0);
	assert_int_equal(hapc_ed25519_verify(want_pk, (const uint8_t *)"abc", 3, sig), -EBADMSG);
}

static void x25519_rfc7748(void **state)
{
	uint8_t a[32], bpub[32], want[32], shared[32], s1[32], p1[32], s2[32], p2[32], k1[32],
		k2[32], zero[32] = { 0 };

	(void)state;
	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a, 32);
	unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", bpub, 32);
	unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", want, 32);
	assert_int_equal(hapc_x25519_shared(a, bpub, shared), 0);
	assert_memory_equal(shared, want, 32);

	assert_int_equal(hapc_x25519_keypair(s1, p1), 0);
	assert_int_equal(hapc_x25519_keypair(s2, p2), 0);
	assert_int_equal(hapc_x25519_shared(s1, p2, k1), 0);
	assert_int_equal(hapc_x25519_shared(s2, p1, k2), 0);
	assert_memory_equal(k1, k2, 32);
	/* the zero point gives a zero secret: refused */
	assert_int_equal(hapc_x25519_shared(s1, zero, k1), -EBADMSG);
}

/* notes/homekit.md: HKDF-SHA-512 of the ADK SRP vector's K with the pair-setup salts */
static void hkdf_pair_setup_encrypt(void **state)
{
	uint8_t K[64], out[32], want[32];

	(void)state;
	unhex("5cbc219db052138ee1148c71cd4498963d682549ce91ca24f098468f06015beb6af245c2093f98c3"
	      "651bca83ab8cab2b580bbf02184fefdf26142f73df95ac50", K, 64);
	unhex("2a05883492dffdd216ca4a3c2aa472b67ddd49e2a061b86929539afcb6abfef4", want, 32);
	assert_int_equal(hapc_hkdf(K, 64, "Pair-Setup-Encrypt-Salt", "Pair-Setup-Encrypt-Info",
				   out, 32), 0);
	assert_memory_equal(out, want, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chacha20_poly1305_rfc8439),
		cmocka_unit_test(empty_message_has_a_tag),
		cmocka_unit_test(nonce_counter_is_little_endian),
		cmocka_unit_test(ed25519_rfc8032_test1),
		cmocka_unit_test(x25519_rfc7748),
		cmocka_unit_test(hkdf_pair_setup_encrypt),
	};
	return cmocka_run_group_tests_name("hap_crypto", tests, NULL, NULL);
}
