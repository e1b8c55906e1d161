/* SPDX-License-Identifier: MIT */
/* srp.h — the accessory's side of SRP-6a as HomeKit's pair-setup uses it: RFC 5054's 3072-bit
 * group with g = 5, SHA-512 throughout, user name "Pair-Setup" and the setup code (with its
 * dashes) as the password. OpenSSL's own SRP is SHA-1 only, so this is built on BIGNUM.
 *
 *   x = H(s | H(I | ":" | P))           v = g^x
 *   k = H(N | PAD(g))                   B = k*v + g^b
 *   u = H(PAD(A) | PAD(B))              S = (A * v^u)^b       K = H(S)
 *   M1 = H((H(N) xor H(g)) | H(I) | s | A | B | K)            M2 = H(A | M1 | K)
 * (PAD = left-padded to the length of N; A, B and S otherwise without leading zeros.) */
#ifndef MI32_SRP_H
#define MI32_SRP_H

#include <stddef.h>
#include <stdint.h>

#define SRP_SALT_LEN 16
#define SRP_N_LEN 384		/* bytes of the 3072-bit modulus: B, v, A at most */
#define SRP_HASH_LEN 64		/* SHA-512: K, M1, M2 */

struct srp;

/* A server for @user and @pass with @salt and the secret @b (32 random bytes in use; the
 * tests' vectors give theirs). Computes v and B at once. NULL on a libcrypto failure. */
struct srp *srp_new(const char *user, const char *pass, const uint8_t salt[SRP_SALT_LEN],
		    const uint8_t *b, size_t b_len);
void srp_free(struct srp *s);	/* wipes the secrets; NULL is fine */

/* B, left-padded to SRP_N_LEN bytes. */
void srp_public(const struct srp *s, uint8_t B[SRP_N_LEN]);
/* The verifier v, left-padded (the tests compare it with the published one). */
void srp_verifier(const struct srp *s, uint8_t v[SRP_N_LEN]);

/* The client's public value @A (1..SRP_N_LEN bytes) and proof @M1. Returns 0 and the
 * server's proof in M2 when M1 is right; -EACCES for a wrong proof (a wrong setup code);
 * -EINVAL when A is 0 mod N or too long; -ENOMEM/-EIO from libcrypto. */
int srp_verify(struct srp *s, const uint8_t *A, size_t a_len, const uint8_t M1[SRP_HASH_LEN],
	       uint8_t M2[SRP_HASH_LEN]);

/* The session key K after a successful srp_verify(): 0, or -EAGAIN before one. */
int srp_session_key(const struct srp *s, uint8_t K[SRP_HASH_LEN]);

#endif
