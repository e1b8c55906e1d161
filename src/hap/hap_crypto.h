/* SPDX-License-Identifier: MIT */
/* hap_crypto.h — the primitives of HomeKit pairing and sessions, on libcrypto: HKDF-SHA-512,
 * ChaCha20-Poly1305 (RFC 8439), Ed25519 signatures and X25519 key agreement. Thin on
 * purpose: the protocol (what is signed, which salt) lives in the pairing code. Every call
 * returns 0 or a negative errno: -EBADMSG for a tag or signature that does not verify, -EIO
 * for a libcrypto failure. */
#ifndef MI32_HAP_CRYPTO_H
#define MI32_HAP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define HAPC_KEY_LEN 32		/* ChaCha20 key, X25519 and Ed25519 keys */
#define HAPC_NONCE_LEN 12
#define HAPC_TAG_LEN 16
#define HAPC_SIG_LEN 64

/* HKDF-SHA-512 (RFC 5869) with HAP's text salts and infos. */
int hapc_hkdf(const uint8_t *ikm, size_t ikm_len, const char *salt, const char *info,
	      uint8_t *out, size_t out_len);

/* HAP's nonces: four zero bytes, then the 8 bytes of a label ("PS-Msg05") or of a 64-bit
 * little-endian counter (sessions). */
void hapc_nonce_label(uint8_t nonce[HAPC_NONCE_LEN], const char label[8]);
void hapc_nonce_counter(uint8_t nonce[HAPC_NONCE_LEN], uint64_t n);

/* ChaCha20-Poly1305: @len bytes from @in to @out (they may be the same), @tag beside. */
int hapc_seal(const uint8_t key[HAPC_KEY_LEN], const uint8_t nonce[HAPC_NONCE_LEN],
	      const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
	      uint8_t tag[HAPC_TAG_LEN]);
/* The reverse; -EBADMSG when the tag is wrong (out is then zeroed). */
int hapc_open(const uint8_t key[HAPC_KEY_LEN], const uint8_t nonce[HAPC_NONCE_LEN],
	      const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
	      const uint8_t tag[HAPC_TAG_LEN]);

/* Ed25519: a new key pair (secret = the 32-byte seed), the public key of a seed, signing
 * and verifying. */
int hapc_ed25519_keypair(uint8_t secret[HAPC_KEY_LEN], uint8_t pub[HAPC_KEY_LEN]);
int hapc_ed25519_public(const uint8_t secret[HAPC_KEY_LEN], uint8_t pub[HAPC_KEY_LEN]);
int hapc_ed25519_sign(const uint8_t secret[HAPC_KEY_LEN], const uint8_t *msg, size_t len,
		      uint8_t sig[HAPC_SIG_LEN]);
int hapc_ed25519_verify(const uint8_t pub[HAPC_KEY_LEN], const uint8_t *msg, size_t len,
			const uint8_t sig[HAPC_SIG_LEN]);

/* X25519: a new key pair, and the shared secret with a peer's public key (-EBADMSG when
 * it is all zeros, a low-order point). */
int hapc_x25519_keypair(uint8_t secret[HAPC_KEY_LEN], uint8_t pub[HAPC_KEY_LEN]);
int hapc_x25519_shared(const uint8_t secret[HAPC_KEY_LEN], const uint8_t peer[HAPC_KEY_LEN],
		       uint8_t shared[HAPC_KEY_LEN]);

/* Random bytes for keys, salts and SRP secrets (getrandom through libcrypto's DRBG). */
int hapc_random(uint8_t *out, size_t len);

#endif
