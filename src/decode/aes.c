/* SPDX-License-Identifier: MIT */
/* aes.c — CCM built on libcrypto's AES-128-ECB. libcrypto's own CCM mode needs four
 * parameter calls and a re-key per message (several hundred ns); these frames are one or
 * two blocks, so we key an ECB context once and do CCM's few block operations ourselves. */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "decode/aes.h"

int aes_key_set(struct aes_key *k, const uint8_t raw[AES_KEY_LEN])
{
	EVP_CIPHER_CTX *ctx;

	aes_key_clear(k);
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, raw, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return -EIO;
	}
	memcpy(k->raw, raw, AES_KEY_LEN);
	k->ctx = ctx;
	return 0;
}

void aes_key_clear(struct aes_key *k)
{
	if (!k)
		return;
	if (k->ctx)
		EVP_CIPHER_CTX_free(k->ctx);
	memset(k, 0, sizeof(*k));
}

/* Encrypt @n whole blocks in one call: independent blocks (counter mode) go together. */
static int ecb(const struct aes_key *k, const uint8_t *in, uint8_t *out, size_t n)
{
	int outl = 0;

	if (!aes_key_valid(k))
		return -EINVAL;
	if (EVP_EncryptUpdate(k->ctx, out, &outl, in, (int)(16 * n)) != 1 ||
	    outl != (int)(16 * n))
		return -EIO;
	return 0;
}

int aes_encrypt_block(const struct aes_key *k, const uint8_t in[16], uint8_t out[16])
{
	return ecb(k, in, out, 1);
}

#define CCM_MAX_MSG 255

static bool ccm_args_ok(size_t nonce_len, size_t aad_len, size_t len, size_t tag_len)
{
	return nonce_len >= 7 && nonce_len <= 13 && aad_len <= 14 && len <= CCM_MAX_MSG &&
	       tag_len <= 16 && tag_len >= 4 && tag_len % 2 == 0;
}

/* Counter block A_i: flags = L-1, nonce, counter i big-endian in the L remaining bytes. */
static void ctr_block(uint8_t a[16], const uint8_t *nonce, size_t nonce_len, unsigned int i)
{
	size_t l = 15 - nonce_len;

	memset(a, 0, 16);
	a[0] = (uint8_t)(l - 1);
	memcpy(a + 1, nonce, nonce_len);
	a[15] = (uint8_t)i;
	a[14] = (uint8_t)(i >> 8);
}

/* Keystream S_0..S_n into @s (S_0 masks the tag, S_1.. the message); one libcrypto call. */
static int keystream(const struct aes_key *k, const uint8_t *nonce, size_t nonce_len,
		     size_t len, uint8_t *s)
{
	uint8_t a[(CCM_MAX_MSG / 16 + 2) * 16];
	size_t nblk = (len + 15) / 16 + 1;

	for (size_t i = 0; i < nblk; i++)
		ctr_block(a + 16 * i, nonce, nonce_len, (unsigned int)i);
	return ecb(k, a, s, nblk);
}

/* CBC-MAC over B_0, the AAD block and the message (RFC 3610 2.2). */
static int cbc_mac(const struct aes_key *k, const uint8_t *nonce, size_t nonce_len,
		   const uint8_t *aad, size_t aad_len, const uint8_t *msg, size_t len,
		   size_t tag_len, uint8_t x[16])
{
	size_t l = 15 - nonce_len;
	uint8_t b[16];
	int err;

	memset(b, 0, 16);
	b[0] = (uint8_t)((aad_len ? 0x40 : 0) | ((tag_len - 2) / 2) << 3 | (l - 1));
	memcpy(b + 1, nonce, nonce_len);
	b[15] = (uint8_t)len;
	b[14] = (uint8_t)(len >> 8);
	if ((err = ecb(k, b, x, 1)))
		return err;
	if (aad_len) {
		/* Our AADs are short (one byte for Xiaomi): length + AAD fit one block. */
		memset(b, 0, 16);
		b[1] = (uint8_t)aad_len;
		memcpy(b + 2, aad, aad_len);
		for (int i = 0; i < 16; i++)
			x[i] ^= b[i];
		if ((err = ecb(k, x, x, 1)))
			return err;
	}
	for (size_t off = 0; off < len; off += 16) {
		size_t n = len - off < 16 ? len - off : 16;

		for (size_t i = 0; i < n; i++)
			x[i] ^= msg[off + i];
		if ((err = ecb(k, x, x, 1)))
			return err;
	}
	return 0;
}

int aes_ccm_decrypt(const struct aes_key *k, const uint8_t *nonce, size_t nonce_len,
		    const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t len,
		    const uint8_t *tag, size_t tag_len, uint8_t *out)
{
	uint8_t s[(CCM_MAX_MSG / 16 + 2) * 16];
	uint8_t x[16];
	uint8_t diff = 0;
	int err;

	if (!ccm_args_ok(nonce_len, aad_len, len, tag_len) || !aes_key_valid(k))
		return -EINVAL;
	if ((err = keystream(k, nonce, nonce_len, len, s)))
		return err;
	for (size_t i = 0; i < len; i++)
		out[i] = ct[i] ^ s[16 + i];
	if ((err = cbc_mac(k, nonce, nonce_len, aad, aad_len, out, len, tag_len, x)))
		return err;
	for (size_t i = 0; i < tag_len; i++)
		diff |= (uint8_t)(x[i] ^ s[i] ^ tag[i]);
	if (diff) {
		memset(out, 0, len);
		return -EBADMSG;
	}
	return 0;
}

int aes_ccm_encrypt(const struct aes_key *k, const uint8_t *nonce, size_t nonce_len,
		    const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t len,
		    uint8_t *out, uint8_t *tag, size_t tag_len)
{
	uint8_t s[(CCM_MAX_MSG / 16 + 2) * 16];
	uint8_t x[16];
	int err;

	if (!ccm_args_ok(nonce_len, aad_len, len, tag_len) || !aes_key_valid(k))
		return -EINVAL;
	if ((err = cbc_mac(k, nonce, nonce_len, aad, aad_len, pt, len, tag_len, x)))
		return err;
	if ((err = keystream(k, nonce, nonce_len, len, s)))
		return err;
	for (size_t i = 0; i < len; i++)
		out[i] = pt[i] ^ s[16 + i];
	for (size_t i = 0; i < tag_len; i++)
		tag[i] = x[i] ^ s[i];
	return 0;
}

int aes_ccm_ctr(const struct aes_key *k, const uint8_t *nonce, size_t nonce_len,
		const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t s[(CCM_MAX_MSG / 16 + 2) * 16];
	int err;

	if (nonce_len < 7 || nonce_len > 13 || len > CCM_MAX_MSG || !aes_key_valid(k))
		return -EINVAL;
	if ((err = keystream(k, nonce, nonce_len, len, s)))
		return err;
	for (size_t i = 0; i < len; i++)
		out[i] = in[i] ^ s[16 + i];
	return 0;
}
