/* SPDX-License-Identifier: MIT */
/* miauth.c — see miauth.h. Keys are EVP_PKEYs built from OSSL_PARAMs (OpenSSL 3), so no
 * deprecated EC_KEY calls; only the public point of a known scalar is computed with
 * EC_POINT_mul, which OpenSSL 3 keeps. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "decode/aes.h"
#include "activate/miauth.h"

#define CURVE "prime256v1"
#define DID_AAD "devID"

/* The CCM nonce every client and the SDK use for the DID: 10 11 … 1b (notes §4) */
static const uint8_t did_nonce[12] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
				       0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b };

struct miauth_keypair {
	EVP_PKEY *pkey;
};

static int export_pub(EVP_PKEY *pkey, uint8_t pub[MIAUTH_PUB_LEN])
{
	uint8_t raw[1 + MIAUTH_PUB_LEN];
	size_t len = 0;

	if (!EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, raw, sizeof(raw),
					     &len) ||
	    len != sizeof(raw) || raw[0] != 0x04)
		return -EIO;
	memcpy(pub, raw + 1, MIAUTH_PUB_LEN);
	return 0;
}

static int wrap(EVP_PKEY *pkey, struct miauth_keypair **out, uint8_t pub[MIAUTH_PUB_LEN])
{
	struct miauth_keypair *kp;

	if (export_pub(pkey, pub) < 0) {
		EVP_PKEY_free(pkey);
		return -EIO;
	}
	kp = calloc(1, sizeof(*kp));
	if (!kp) {
		EVP_PKEY_free(pkey);
		return -ENOMEM;
	}
	kp->pkey = pkey;
	*out = kp;
	return 0;
}

int miauth_keypair_new(struct miauth_keypair **out, uint8_t pub[MIAUTH_PUB_LEN])
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", CURVE);

	if (!pkey)
		return -EIO;
	return wrap(pkey, out, pub);
}

/* A P-256 key from OSSL_PARAMs: @priv (big-endian scalar) may be NULL for a public key.
 * NULL on a point that is not on the curve. */
static EVP_PKEY *from_params(const uint8_t *priv, const uint8_t point[1 + MIAUTH_PUB_LEN])
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	BIGNUM *bn = priv ? BN_bin2bn(priv, 32, NULL) : NULL;
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pkey = NULL;
	bool ok = c && b && (!priv || bn);

	ok = ok && OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, CURVE, 0) &&
	     OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, point,
					      1 + MIAUTH_PUB_LEN) &&
	     (!priv || OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, bn)) &&
	     (params = OSSL_PARAM_BLD_to_param(b)) && EVP_PKEY_fromdata_init(c) > 0;
	if (ok && EVP_PKEY_fromdata(c, &pkey, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
				    params) <= 0)
		pkey = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	BN_clear_free(bn);
	EVP_PKEY_CTX_free(c);
	return pkey;
}

int miauth_keypair_from_private(const uint8_t priv[32], struct miauth_keypair **out,
				uint8_t pub[MIAUTH_PUB_LEN])
{
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	EC_POINT *q = grp ? EC_POINT_new(grp) : NULL;
	BIGNUM *d = BN_bin2bn(priv, 32, NULL);
	uint8_t point[1 + MIAUTH_PUB_LEN];
	EVP_PKEY *pkey = NULL;
	int r = -EIO;

	if (grp && q && d) {
		r = -EINVAL;
		if (!BN_is_zero(d) && BN_cmp(d, EC_GROUP_get0_order(grp)) < 0 &&
		    EC_POINT_mul(grp, q, d, NULL, NULL, NULL) &&
		    EC_POINT_point2oct(grp, q, POINT_CONVERSION_UNCOMPRESSED, point,
				       sizeof(point), NULL) == sizeof(point))
			pkey = from_params(priv, point);
	}
	BN_clear_free(d);
	EC_POINT_free(q);
	EC_GROUP_free(grp);
	if (!pkey)
		return r;
	return wrap(pkey, out, pub);
}

void miauth_keypair_free(struct miauth_keypair *kp)
{
	if (!kp)
		return;
	EVP_PKEY_free(kp->pkey);
	free(kp);
}

int miauth_shared(const struct miauth_keypair *kp, const uint8_t peer[MIAUTH_PUB_LEN],
		  uint8_t secret[MIAUTH_SECRET_LEN])
{
	uint8_t point[1 + MIAUTH_PUB_LEN];
	EVP_PKEY *pk;
	EVP_PKEY_CTX *c;
	size_t len = MIAUTH_SECRET_LEN;
	int r = -EIO;

	point[0] = 0x04;
	memcpy(point + 1, peer, MIAUTH_PUB_LEN);
	pk = from_params(NULL, point);
	if (!pk)
		return -EINVAL;
	c = EVP_PKEY_CTX_new(kp->pkey, NULL);
	if (c && EVP_PKEY_derive_init(c) > 0 && EVP_PKEY_derive_set_peer(c, pk) > 0 &&
	    EVP_PKEY_derive(c, secret, &len) > 0 && len == MIAUTH_SECRET_LEN)
		r = 0;
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(pk);
	return r;
}

int miauth_hkdf(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
		const char *info, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *c = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[5], *q = p;
	int ok;

	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
	/* no salt: RFC 5869's default of HashLen zero bytes, which is what SJCL's null salt
	 * amounts to (notes §4) */
	if (salt)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
							 salt_len);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
						 strlen(info));
	*q = OSSL_PARAM_construct_end();
	ok = c && EVP_KDF_derive(c, out, out_len, p) > 0;
	EVP_KDF_CTX_free(c);
	EVP_KDF_free(kdf);
	return ok ? 0 : -EIO;
}

int miauth_reg_keys(const uint8_t secret[MIAUTH_SECRET_LEN], struct miauth_reg_keys *out)
{
	uint8_t okm[64];
	int r = miauth_hkdf(secret, MIAUTH_SECRET_LEN, NULL, 0, "mible-setup-info", okm,
			    sizeof(okm));

	if (r == 0) {
		memcpy(out->token, okm, MIAUTH_TOKEN_LEN);
		memcpy(out->bind_key, okm + 12, MIAUTH_KEY_LEN);
		memcpy(out->a_key, okm + 28, MIAUTH_KEY_LEN);
	}
	OPENSSL_cleanse(okm, sizeof(okm));
	return r;
}

int miauth_did_seal(const uint8_t a_key[MIAUTH_KEY_LEN], const uint8_t did[MIAUTH_DID_LEN],
		    uint8_t out[MIAUTH_DID_CT_LEN])
{
	struct aes_key k = { 0 };
	int r = aes_key_set(&k, a_key);

	if (r == 0)
		r = aes_ccm_encrypt(&k, did_nonce, sizeof(did_nonce), (const uint8_t *)DID_AAD,
				    strlen(DID_AAD), did, MIAUTH_DID_LEN, out,
				    out + MIAUTH_DID_LEN, 4);
	aes_key_clear(&k);
	return r < 0 ? -EIO : 0;
}

int miauth_did_open(const uint8_t a_key[MIAUTH_KEY_LEN], const uint8_t in[MIAUTH_DID_CT_LEN],
		    uint8_t did[MIAUTH_DID_LEN])
{
	struct aes_key k = { 0 };
	int r = aes_key_set(&k, a_key);

	if (r == 0)
		r = aes_ccm_decrypt(&k, did_nonce, sizeof(did_nonce), (const uint8_t *)DID_AAD,
				    strlen(DID_AAD), in, MIAUTH_DID_LEN, in + MIAUTH_DID_LEN, 4,
				    did);
	aes_key_clear(&k);
	return r == -EBADMSG ? -EBADMSG : r < 0 ? -EIO : 0;
}

int miauth_login_keys(const uint8_t token[MIAUTH_TOKEN_LEN],
		      const uint8_t app_random[MIAUTH_RANDOM_LEN],
		      const uint8_t dev_random[MIAUTH_RANDOM_LEN], struct miauth_login_keys *out)
{
	uint8_t salt[2 * MIAUTH_RANDOM_LEN], okm[64];
	int r;

	memcpy(salt, app_random, MIAUTH_RANDOM_LEN);
	memcpy(salt + MIAUTH_RANDOM_LEN, dev_random, MIAUTH_RANDOM_LEN);
	r = miauth_hkdf(token, MIAUTH_TOKEN_LEN, salt, sizeof(salt), "mible-login-info", okm,
			sizeof(okm));
	if (r == 0) {
		memcpy(out->dev_key, okm, 16);
		memcpy(out->app_key, okm + 16, 16);
		memcpy(out->dev_iv, okm + 32, 4);
		memcpy(out->app_iv, okm + 36, 4);
	}
	OPENSSL_cleanse(okm, sizeof(okm));
	return r;
}

int miauth_confirm(const uint8_t key[MIAUTH_KEY_LEN], const uint8_t first[MIAUTH_RANDOM_LEN],
		   const uint8_t second[MIAUTH_RANDOM_LEN], uint8_t out[MIAUTH_HMAC_LEN])
{
	uint8_t msg[2 * MIAUTH_RANDOM_LEN];
	size_t len = 0;

	memcpy(msg, first, MIAUTH_RANDOM_LEN);
	memcpy(msg + MIAUTH_RANDOM_LEN, second, MIAUTH_RANDOM_LEN);
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, MIAUTH_KEY_LEN, msg, sizeof(msg),
		       out, MIAUTH_HMAC_LEN, &len) ||
	    len != MIAUTH_HMAC_LEN)
		return -EIO;
	return 0;
}

int miauth_random(uint8_t *out, size_t n)
{
	return RAND_bytes(out, (int)n) == 1 ? 0 : -EIO;
}
