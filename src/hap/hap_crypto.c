/* SPDX-License-Identifier: MIT */
/* hap_crypto.c — see hap_crypto.h. All cold path: a pairing or a session frame, never an
 * advertisement. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "hap/hap_crypto.h"

int hapc_hkdf(const uint8_t *ikm, size_t ikm_len, const char *salt, const char *info,
	      uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *c = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA512", 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, strlen(salt)),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info)),
		OSSL_PARAM_construct_end(),
	};
	int ok = c && EVP_KDF_derive(c, out, out_len, p) > 0;

	EVP_KDF_CTX_free(c);
	EVP_KDF_free(kdf);
	return ok ? 0 : -EIO;
}

void hapc_nonce_label(uint8_t nonce[HAPC_NONCE_LEN], const char label[8])
{
	memset(nonce, 0, 4);
	memcpy(nonce + 4, label, 8);
}

void hapc_nonce_counter(uint8_t nonce[HAPC_NONCE_LEN], uint64_t n)
{
	memset(nonce, 0, 4);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(n >> (8 * i));
}

static int aead(int enc, const uint8_t *key, const uint8_t *nonce, const uint8_t *aad,
		size_t aad_len, const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n, ok;

	if (!c)
		return -EIO;
	ok = EVP_CipherInit_ex(c, EVP_chacha20_poly1305(), NULL, NULL, NULL, enc) &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, HAPC_NONCE_LEN, NULL) &&
	     EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc);
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, HAPC_TAG_LEN, tag);
	if (ok && aad_len)
		ok = EVP_CipherUpdate(c, NULL, &n, aad, (int)aad_len);
	if (ok && len)
		ok = EVP_CipherUpdate(c, out, &n, in, (int)len);
	if (ok) {
		ok = EVP_CipherFinal_ex(c, out + len, &n);
		if (!ok && !enc) {
			EVP_CIPHER_CTX_free(c);
			OPENSSL_cleanse(out, len);
			return -EBADMSG;
		}
	}
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, HAPC_TAG_LEN, tag);
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -EIO;
}

int hapc_seal(const uint8_t key[HAPC_KEY_LEN], const uint8_t nonce[HAPC_NONCE_LEN],
	      const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
	      uint8_t tag[HAPC_TAG_LEN])
{
	return aead(1, key, nonce, aad, aad_len, in, len, out, tag);
}

int hapc_open(const uint8_t key[HAPC_KEY_LEN], const uint8_t nonce[HAPC_NONCE_LEN],
	      const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
	      const uint8_t tag[HAPC_TAG_LEN])
{
	return aead(0, key, nonce, aad, aad_len, in, len, out, (uint8_t *)tag);
}

/* A raw key of @type (ED25519, X25519) from 32 secret bytes, or a new random one. */
static EVP_PKEY *key_from(int type, const uint8_t *secret)
{
	EVP_PKEY *k = NULL;

	if (secret)
		return EVP_PKEY_new_raw_private_key(type, NULL, secret, HAPC_KEY_LEN);
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(type, NULL);

	if (c && EVP_PKEY_keygen_init(c) > 0)
		EVP_PKEY_keygen(c, &k);
	EVP_PKEY_CTX_free(c);
	return k;
}

static int keypair(int type, uint8_t secret[HAPC_KEY_LEN], uint8_t pub[HAPC_KEY_LEN],
		   bool fresh)
{
	EVP_PKEY *k = key_from(type, fresh ? NULL : secret);
	size_t sl = HAPC_KEY_LEN, pl = HAPC_KEY_LEN;
	int ok = k && (!fresh || EVP_PKEY_get_raw_private_key(k, secret, &sl) > 0) &&
		 EVP_PKEY_get_raw_public_key(k, pub, &pl) > 0;

	EVP_PKEY_free(k);
	return ok ? 0 : -EIO;
}

int hapc_ed25519_keypair(uint8_t secret[HAPC_KEY_LEN], uint8_t pub[HAPC_KEY_LEN])
{
	return keypair(EVP_PKEY_ED25519, secret, pub, true);
}

int hapc_ed25519_public(const uint8_t secret[HAPC_KEY_LEN], uint8_t pub[HAPC_KEY_LEN])
{
	return keypair(EVP_PKEY_ED25519, (uint8_t *)secret, pub, false);
}

int hapc_ed25519_sign(const uint8_t secret[HAPC_KEY_LEN], const uint8_t *msg, size_t len,
		      uint8_t sig[HAPC_SIG_LEN])
{
	EVP_PKEY *k = key_from(EVP_PKEY_ED25519, secret);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t sl = HAPC_SIG_LEN;
	int ok = k && c && EVP_DigestSignInit(c, NULL, NULL, NULL, k) > 0 &&
		 EVP_DigestSign(c, sig, &sl, msg, len) > 0;

	EVP_MD_CTX_free(c);
	EVP_PKEY_free(k);
	return ok ? 0 : -EIO;
}

int hapc_ed25519_verify(const uint8_t pub[HAPC_KEY_LEN], const uint8_t *msg, size_t len,
			const uint8_t sig[HAPC_SIG_LEN])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, HAPC_KEY_LEN);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int r = -EIO;

	if (k && c && EVP_DigestVerifyInit(c, NULL, NULL, NULL, k) > 0)
		r = EVP_DigestVerify(c, sig, HAPC_SIG_LEN, msg, len) == 1 ? 0 : -EBADMSG;
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(k);
	return r;
}

int hapc_x25519_keypair(uint8_t secret[HAPC_KEY_LEN], uint8_t pub[HAPC_KEY_LEN])
{
	return keypair(EVP_PKEY_X25519, secret, pub, true);
}

int hapc_x25519_shared(const uint8_t secret[HAPC_KEY_LEN], const uint8_t peer[HAPC_KEY_LEN],
		       uint8_t shared[HAPC_KEY_LEN])
{
	EVP_PKEY *k = key_from(EVP_PKEY_X25519, secret);
	EVP_PKEY *p = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, HAPC_KEY_LEN);
	EVP_PKEY_CTX *c = k ? EVP_PKEY_CTX_new(k, NULL) : NULL;
	size_t n = HAPC_KEY_LEN;
	int r = -EIO;

	/* OpenSSL refuses an all-zero result (a low-order peer point) in derive */
	if (c && p && EVP_PKEY_derive_init(c) > 0 && EVP_PKEY_derive_set_peer(c, p) > 0)
		r = EVP_PKEY_derive(c, shared, &n) > 0 ? 0 : -EBADMSG;
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(p);
	EVP_PKEY_free(k);
	return r;
}

int hapc_random(uint8_t *out, size_t len)
{
	return RAND_bytes(out, (int)len) == 1 ? 0 : -EIO;
}
