/* SPDX-License-Identifier: MIT */
/* session.h — HAP's encrypted framing after pair-verify: every frame is a 2-byte little-endian
 * length (at most 1024, also the AAD), that many bytes of ChaCha20-Poly1305 ciphertext and a
 * 16-byte tag; the nonce is a 64-bit counter, one per direction, from 0. The accessory reads
 * with the controller's write key and writes with its read key (the names are the
 * controller's). */
#ifndef MI32_HAP_SESSION_H
#define MI32_HAP_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hap/hap_crypto.h"

#define SESSION_FRAME_MAX 1024
#define SESSION_OVERHEAD (2 + HAPC_TAG_LEN)	/* per frame */

struct session {
	uint8_t key_in[HAPC_KEY_LEN];	/* controller → accessory */
	uint8_t key_out[HAPC_KEY_LEN];	/* accessory → controller */
	uint64_t n_in, n_out;
};

/* Keys from pair-verify's shared secret. @accessory: which side this is (the tests play
 * the controller with false). 0 or -EIO. */
int session_init(struct session *s, const uint8_t shared[HAPC_KEY_LEN], int accessory);
void session_wipe(struct session *s);

/* The bytes session_seal() writes for @len bytes of plaintext. */
size_t session_sealed_len(size_t len);

/* Encrypts @len bytes into frames at out[cap]. Returns the bytes written, -ENOSPC when cap
 * is short of session_sealed_len(len), -EIO. */
ssize_t session_seal(struct session *s, const uint8_t *in, size_t len, uint8_t *out,
		     size_t cap);

/* Decrypts the whole frames at the head of in[len] into out[cap]; a partial frame is left
 * for later (*used says how much of @in was consumed). Returns the plaintext bytes, or
 * -EBADMSG for a frame that does not authenticate or is longer than 1024 (the connection must
 * then close: the counters are out of step for good), -ENOSPC when out is too small for even
 * one frame. */
ssize_t session_open(struct session *s, const uint8_t *in, size_t len, size_t *used,
		     uint8_t *out, size_t cap);

#endif
