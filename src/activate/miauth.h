/* SPDX-License-Identifier: MIT */
/* miauth.h — the cryptography of Xiaomi's "standard auth" (Mi Service 0xFE95, characteristics
 * 0x0010/0x0019): registration (ECDH P-256, HKDF-SHA256 "mible-setup-info", the DID sealed
 * with AES-CCM) and the token login (HKDF-SHA256 "mible-login-info", HMAC-SHA256
 * confirmations). Byte layouts and vectors: shared/notes/mi-activation.md §4, §5, §8.
 * libcrypto underneath; cold path (one activation), allocation is fine here. */
#ifndef MI32_MIAUTH_H
#define MI32_MIAUTH_H

#include <stddef.h>
#include <stdint.h>

#define MIAUTH_PUB_LEN 64      /* X‖Y big-endian, no 0x04 prefix (as on the wire) */
#define MIAUTH_SECRET_LEN 32   /* the X coordinate of the ECDH result */
#define MIAUTH_TOKEN_LEN 12
#define MIAUTH_KEY_LEN 16
#define MIAUTH_DID_LEN 20
#define MIAUTH_DID_CT_LEN 24   /* 20 bytes of ciphertext + a 4-byte CCM tag */
#define MIAUTH_RANDOM_LEN 16
#define MIAUTH_HMAC_LEN 32

struct miauth_keypair;

/* What registration derives from the shared secret (HKDF output bytes 0-43). */
struct miauth_reg_keys {
	uint8_t token[MIAUTH_TOKEN_LEN];   /* [0:12]: the long-term login key */
	uint8_t bind_key[MIAUTH_KEY_LEN];  /* [12:28]: the MiBeacon AES key */
	uint8_t a_key[MIAUTH_KEY_LEN];     /* [28:44]: seals the DID, once */
};

/* What a login derives from the token and both randoms (HKDF output bytes 0-39). */
struct miauth_login_keys {
	uint8_t dev_key[MIAUTH_KEY_LEN];
	uint8_t app_key[MIAUTH_KEY_LEN];
	uint8_t dev_iv[4];
	uint8_t app_iv[4];
};

/* A fresh P-256 key pair; its public half into @pub. Returns 0, -ENOMEM or -EIO. */
int miauth_keypair_new(struct miauth_keypair **out, uint8_t pub[MIAUTH_PUB_LEN]);

/* A key pair from a known private scalar (big-endian; the tests' published vectors).
 * Returns 0, -EINVAL (not a valid scalar), -ENOMEM or -EIO. */
int miauth_keypair_from_private(const uint8_t priv[32], struct miauth_keypair **out,
				uint8_t pub[MIAUTH_PUB_LEN]);
void miauth_keypair_free(struct miauth_keypair *kp); /* NULL is a no-op */

/* ECDH with the peer's 64-byte public key. Returns 0, -EINVAL (not a point on P-256) or
 * -EIO. */
int miauth_shared(const struct miauth_keypair *kp, const uint8_t peer[MIAUTH_PUB_LEN],
		  uint8_t secret[MIAUTH_SECRET_LEN]);

/* HKDF-SHA256 (RFC 5869) of @ikm with @salt (NULL: none, i.e. 32 zero bytes) and the ASCII
 * @info, @out_len bytes. Returns 0 or -EIO. */
int miauth_hkdf(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
		const char *info, uint8_t *out, size_t out_len);

/* Registration's keys: HKDF(secret, no salt, "mible-setup-info", 64) split. 0 or -EIO. */
int miauth_reg_keys(const uint8_t secret[MIAUTH_SECRET_LEN], struct miauth_reg_keys *out);

/* Seal the 20-byte DID with the A key: AES-128-CCM, nonce 10..1b, AAD "devID", 4-byte tag.
 * Returns 0 or -EIO. */
int miauth_did_seal(const uint8_t a_key[MIAUTH_KEY_LEN], const uint8_t did[MIAUTH_DID_LEN],
		    uint8_t out[MIAUTH_DID_CT_LEN]);

/* The device's side of the same: 0, or -EBADMSG when the tag does not verify (keys
 * differ). */
int miauth_did_open(const uint8_t a_key[MIAUTH_KEY_LEN], const uint8_t in[MIAUTH_DID_CT_LEN],
		    uint8_t did[MIAUTH_DID_LEN]);

/* Login's keys: HKDF(token, salt = app_random ‖ dev_random, "mible-login-info", 64). */
int miauth_login_keys(const uint8_t token[MIAUTH_TOKEN_LEN],
		      const uint8_t app_random[MIAUTH_RANDOM_LEN],
		      const uint8_t dev_random[MIAUTH_RANDOM_LEN], struct miauth_login_keys *out);

/* A login confirmation: HMAC-SHA256(@key, @first ‖ @second). The device's is (dev_key,
 * dev_random, app_random), the app's (app_key, app_random, dev_random). 0 or -EIO. */
int miauth_confirm(const uint8_t key[MIAUTH_KEY_LEN], const uint8_t first[MIAUTH_RANDOM_LEN],
		   const uint8_t second[MIAUTH_RANDOM_LEN], uint8_t out[MIAUTH_HMAC_LEN]);

/* @n random bytes from libcrypto's generator. 0 or -EIO. */
int miauth_random(uint8_t *out, size_t n);

#endif
