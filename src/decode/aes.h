/* SPDX-License-Identifier: MIT */
/* aes.h — AES-128 with a key prepared once (libcrypto underneath), and the two modes the
 * sensors use: CCM (RFC 3610; MiBeacon v2-v5, BTHome, pvvx) and one ECB block (RPA `ah`).
 * Preparing a key allocates (cold path); encrypting and decrypting never do. */
#ifndef MI32_AES_H
#define MI32_AES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AES_KEY_LEN 16

struct aes_key {
	uint8_t raw[AES_KEY_LEN]; /* as given, byte order untouched */
	void *ctx;                /* prepared ECB context; NULL = no key */
};

/* Prepare @k from 16 bytes. Returns 0, or -ENOMEM / -EIO when libcrypto fails.
 * An existing key in @k is released first. */
int aes_key_set(struct aes_key *k, const uint8_t raw[AES_KEY_LEN]);
void aes_key_clear(struct aes_key *k); /* zeroes; a cleared or zeroed key is a no-op */

static inline bool aes_key_valid(const struct aes_key *k)
{
	return k && k->ctx;
}

/* One AES-128 block: out = E(k, in). Returns 0 or -EINVAL (no key). in == out is fine. */
int aes_encrypt_block(const struct aes_key *k, const uint8_t in[16], uint8_t out[16]);

/* CCM decryption of @len bytes at @ct into @out (may alias), authenticating @aad, checking
 * the @tag_len-byte tag. @nonce_len is 7..13. Returns 0, -EBADMSG on tag mismatch (out is
 * then zeroed), -EINVAL on bad sizes. Messages are limited to 255 bytes. */
int aes_ccm_decrypt(const struct aes_key *k, const uint8_t *nonce, size_t nonce_len,
		    const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t len,
		    const uint8_t *tag, size_t tag_len, uint8_t *out);

/* CCM encryption (the simulator's and tests' encoder). Writes @len bytes to @out and the
 * tag to @tag. Returns 0 or -EINVAL. */
int aes_ccm_encrypt(const struct aes_key *k, const uint8_t *nonce, size_t nonce_len,
		    const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t len,
		    uint8_t *out, uint8_t *tag, size_t tag_len);

/* CCM's counter-mode half alone: decrypt without a tag (MiBeacon v2/v3 frames carry none).
 * Returns 0 or -EINVAL. */
int aes_ccm_ctr(const struct aes_key *k, const uint8_t *nonce, size_t nonce_len,
		const uint8_t *in, size_t len, uint8_t *out);

#endif
