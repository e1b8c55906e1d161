/* SPDX-License-Identifier: MIT */
/* test_miauth.c — standard-auth crypto against the vectors of shared/notes/mi-activation.md
 * §8: 8.1 registration (dnandha/miauth testRegister: app scalar, device public key, shared
 * secret, HKDF "mible-setup-info", token/bind key/A key, the sealed DID), 8.2 login
 * (testLogin: HKDF "mible-login-info", both HMAC confirmations), 8.3 the DID seal of a
 * TelinkFlasher-style DID; then the failures: a point off the curve, a flipped DID tag, a
 * zero scalar, and two fresh key pairs agreeing on one secret. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "activate/miauth.h"
#include "util/hex.h"

static void unhex(const char *s, uint8_t *out, size_t n)
{
	assert_int_equal(hex_decode(s, out, n), (int)n);
}

#define APP_PRIV "6b243de1b1cfee581130b070c635c8957ac56f0c2c3d40b1af8732d6cd6ec183"
#define APP_PUB "4925e4cf05129fa65116a4a324fc86eefd4cd176717f0938ccbd2387fd52d0ef" \
		"d85162c20c0fcc72ca85a8b18f61ef980a70e1a6e7ff15f5289881ee59b8f4af"
#define DEV_PUB "2afe2a8c1c56e5e70721665cd20d017273111ecaeceb1e4d641e7b7a122a9c30" \
		"41e5cbc962eefbdb155ffd95847a0d8762803291fc2866c5672ceee0e77d77fc"
#define SECRET "fac3a6fd591dcea21f9f4fefe297804f49291527ae818b285f4a75a6fab72af8"
#define TOKEN "0cf5615003810d89c233a12a"

static void register_8_1(void **state)
{
	uint8_t priv[32], pub[64], want_pub[64], dev[64], secret[32], want[32], okm[64],
		want_okm[64], did[20], ct[24], want_ct[24], back[20];
	struct miauth_keypair *kp = NULL;
	struct miauth_reg_keys k;
	uint8_t info[24];

	(void)state;
	unhex(APP_PRIV, priv, 32);
	unhex(APP_PUB, want_pub, 64);
	unhex(DEV_PUB, dev, 64);
	unhex(SECRET, want, 32);
	assert_int_equal(miauth_keypair_from_private(priv, &kp, pub), 0);
	assert_memory_equal(pub, want_pub, 64);
	assert_int_equal(miauth_shared(kp, dev, secret), 0);
	assert_memory_equal(secret, want, 32);
	miauth_keypair_free(kp);

	assert_int_equal(miauth_hkdf(secret, 32, NULL, 0, "mible-setup-info", okm, 64), 0);
	unhex("0cf5615003810d89c233a12a8fc5100e31299d80c4c290dc7d33f19ec42ea48a95c5544f105fe7eb"
	      "b8b39233c6542b1fff90b2206265080bf516365fd8d758fe", want_okm, 64);
	assert_memory_equal(okm, want_okm, 64);

	assert_int_equal(miauth_reg_keys(secret, &k), 0);
	unhex(TOKEN, want, 12);
	assert_memory_equal(k.token, want, 12);
	unhex("8fc5100e31299d80c4c290dc7d33f19e", want, 16);
	assert_memory_equal(k.bind_key, want, 16);
	unhex("c42ea48a95c5544f105fe7ebb8b39233", want, 16);
	assert_memory_equal(k.a_key, want, 16);

	/* the device info of the vector: version 1, io 0, then the DID */
	unhex("0100000000626c742e342e31386e35383236366b67673030", info, 24);
	memcpy(did, info + 4, 20);
	assert_int_equal(miauth_did_seal(k.a_key, did, ct), 0);
	unhex("646735cc7a96373aabbd93afa089bb6cd2d080302101007a", want_ct, 24);
	assert_memory_equal(ct, want_ct, 24);
	assert_int_equal(miauth_did_open(k.a_key, ct, back), 0);
	assert_memory_equal(back, did, 20);
}

static void login_8_2(void **state)
{
	uint8_t token[12], app[16], dev[16], okm[64], want[64], salt[32], hmac[32];
	struct miauth_login_keys k;

	(void)state;
	unhex(TOKEN, token, 12);
	unhex("a8699783c1f03c7b73a046cdb613a9bf", app, 16);
	unhex("90fdec0ece05016d7f116b50fca4b4bf", dev, 16);
	memcpy(salt, app, 16);
	memcpy(salt + 16, dev, 16);
	assert_int_equal(miauth_hkdf(token, 12, salt, 32, "mible-login-info", okm, 64), 0);
	unhex("3c2fdae69f8746663a7d91029724b07212a4122dbe3cf60f3bdcb37139c34611cd016050c87de6f1"
	      "71d2ebdcec94f5359e2fd0c907254fe75992107830c2a9d6", want, 64);
	assert_memory_equal(okm, want, 64);

	assert_int_equal(miauth_login_keys(token, app, dev, &k), 0);
	unhex("3c2fdae69f8746663a7d91029724b072", want, 16);
	assert_memory_equal(k.dev_key, want, 16);
	unhex("12a4122dbe3cf60f3bdcb37139c34611", want, 16);
	assert_memory_equal(k.app_key, want, 16);
	unhex("cd016050", want, 4);
	assert_memory_equal(k.dev_iv, want, 4);
	unhex("c87de6f1", want, 4);
	assert_memory_equal(k.app_iv, want, 4);

	assert_int_equal(miauth_confirm(k.dev_key, dev, app, hmac), 0);
	unhex("471467ea7ed6064f8dd72f416c079dcb3bb78e3c94a51e97b98ef7623a7798e5", want, 32);
	assert_memory_equal(hmac, want, 32);
	assert_int_equal(miauth_confirm(k.app_key, app, dev, hmac), 0);
	unhex("bbb99b6a6f1ae419e3b13db93514f3e12a1843033f276392eea99068affca753", want, 32);
	assert_memory_equal(hmac, want, 32);
}

static void did_seal_8_3(void **state)
{
	uint8_t a_key[16], did[20], ct[24], want[24];

	(void)state;
	unhex("6dbe8f8c87d58e61c2ec29321f42e9ff", a_key, 16);
	memcpy(did, "\0blt.3.129vI5ktDUATC", 20);
	assert_int_equal(miauth_did_seal(a_key, did, ct), 0);
	unhex("a2bbe65fcc7d13a8aeef2309055c3e2d24cd2f07bd2265cc", want, 24);
	assert_memory_equal(ct, want, 24);
}

static void flipped_did_tag_is_refused(void **state)
{
	uint8_t a_key[16], did[20], ct[24], back[20];

	(void)state;
	unhex("6dbe8f8c87d58e61c2ec29321f42e9ff", a_key, 16);
	memcpy(did, "\0blt.3.129vI5ktDUATC", 20);
	assert_int_equal(miauth_did_seal(a_key, did, ct), 0);
	ct[23] ^= 1;
	assert_int_equal(miauth_did_open(a_key, ct, back), -EBADMSG);
	ct[23] ^= 1;
	ct[0] ^= 0x80;
	assert_int_equal(miauth_did_open(a_key, ct, back), -EBADMSG);
}

static void point_off_the_curve_is_refused(void **state)
{
	uint8_t priv[32], pub[64], dev[64], secret[32];
	struct miauth_keypair *kp = NULL;

	(void)state;
	unhex(APP_PRIV, priv, 32);
	assert_int_equal(miauth_keypair_from_private(priv, &kp, pub), 0);
	unhex(DEV_PUB, dev, 64);
	dev[63] ^= 1;
	assert_int_equal(miauth_shared(kp, dev, secret), -EINVAL);
	memset(dev, 0, 64);
	assert_int_equal(miauth_shared(kp, dev, secret), -EINVAL);
	miauth_keypair_free(kp);
}

static void zero_scalar_is_refused(void **state)
{
	uint8_t priv[32] = { 0 }, pub[64];
	struct miauth_keypair *kp = NULL;

	(void)state;
	assert_int_equal(miauth_keypair_from_private(priv, &kp, pub), -EINVAL);
	memset(priv, 0xff, 32); /* above the group order */
	assert_int_equal(miauth_keypair_from_private(priv, &kp, pub), -EINVAL);
	assert_null(kp);
}

static void fresh_pairs_agree(void **state)
{
	uint8_t pa[64], pb[64], sa[32], sb[32];
	struct miauth_keypair *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(miauth_keypair_new(&a, pa), 0);
	assert_int_equal(miauth_keypair_new(&b, pb), 0);
	assert_memory_not_equal(pa, pb, 64);
	assert_int_equal(miauth_shared(a, pb, sa), 0);
	assert_int_equal(miauth_shared(b, pa, sb), 0);
	assert_memory_equal(sa, sb, 32);
	miauth_keypair_free(a);
	miauth_keypair_free(b);
	miauth_keypair_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(register_8_1),
		cmocka_unit_test(login_8_2),
		cmocka_unit_test(did_seal_8_3),
		cmocka_unit_test(flipped_did_tag_is_refused),
		cmocka_unit_test(point_off_the_curve_is_refused),
		cmocka_unit_test(zero_scalar_is_refused),
		cmocka_unit_test(fresh_pairs_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
