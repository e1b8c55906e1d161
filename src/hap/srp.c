/* SPDX-License-Identifier: MIT */
/* srp.c — see srp.h. Pair-setup is rare (once per controller), so clarity wins over speed:
 * every value is a BIGNUM, and the byte strings are built only to be hashed. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hap/srp.h"

struct srp {
	BIGNUM *N, *g, *v, *b, *B;
	uint8_t salt[SRP_SALT_LEN];
	uint8_t hI[SRP_HASH_LEN];	/* H(I), for M1 */
	uint8_t K[SRP_HASH_LEN];
	bool have_K;
};

struct part {
	const void *p;
	size_t n;
};

/* SHA-512 over the concatenation of @parts. */
static int hash(uint8_t out[SRP_HASH_LEN], const struct part *parts, size_t nparts)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestInit_ex(c, EVP_sha512(), NULL);

	for (size_t i = 0; ok && i < nparts; i++)
		ok = EVP_DigestUpdate(c, parts[i].p, parts[i].n);
	ok = ok && EVP_DigestFinal_ex(c, out, NULL);
	EVP_MD_CTX_free(c);
	return ok ? 0 : -EIO;
}

/* @bn as bytes: left-padded to SRP_N_LEN (bn_pad), or without leading zeros (bn_min,
 * which returns how many). */
static void bn_pad(const BIGNUM *bn, uint8_t out[SRP_N_LEN])
{
	BN_bn2binpad(bn, out, SRP_N_LEN);
}

static size_t bn_min(const BIGNUM *bn, uint8_t out[SRP_N_LEN])
{
	return (size_t)BN_bn2bin(bn, out);
}

/* H(a) of a number, padded or minimal; the result as a BIGNUM. */
static BIGNUM *hash_bn(const struct part *parts, size_t nparts)
{
	uint8_t h[SRP_HASH_LEN];

	if (hash(h, parts, nparts) < 0)
		return NULL;
	return BN_bin2bn(h, sizeof(h), NULL);
}

struct srp *srp_new(const char *user, const char *pass, const uint8_t salt[SRP_SALT_LEN],
		    const uint8_t *b, size_t b_len)
{
	struct srp *s = calloc(1, sizeof(*s));
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *x = NULL, *k = NULL, *t1 = BN_new(), *t2 = BN_new();
	uint8_t hup[SRP_HASH_LEN], nbuf[SRP_N_LEN], gbuf[SRP_N_LEN];
	bool ok = false;

	if (!s || !ctx || !t1 || !t2)
		goto out;
	memcpy(s->salt, salt, SRP_SALT_LEN);
	s->N = BN_get_rfc3526_prime_3072(NULL);
	s->g = BN_new();
	s->v = BN_new();
	s->B = BN_new();
	s->b = BN_bin2bn(b, (int)b_len, NULL);
	if (!s->N || !s->g || !s->v || !s->B || !s->b || !BN_set_word(s->g, 5))
		goto out;

	/* x = H(s | H(I ":" P)), v = g^x mod N */
	{
		struct part up[] = { { user, strlen(user) }, { ":", 1 }, { pass, strlen(pass) } };
		struct part sx[] = { { salt, SRP_SALT_LEN }, { hup, sizeof(hup) } };
		struct part hi[] = { { user, strlen(user) } };

		if (hash(hup, up, 3) < 0 || hash(s->hI, hi, 1) < 0 || !(x = hash_bn(sx, 2)))
			goto out;
	}
	if (!BN_mod_exp(s->v, s->g, x, s->N, ctx))
		goto out;

	/* k = H(N | PAD(g)), B = (k*v + g^b) mod N */
	bn_pad(s->N, nbuf);
	bn_pad(s->g, gbuf);
	{
		struct part kn[] = { { nbuf, SRP_N_LEN }, { gbuf, SRP_N_LEN } };

		if (!(k = hash_bn(kn, 2)))
			goto out;
	}
	ok = BN_mod_mul(t1, k, s->v, s->N, ctx) && BN_mod_exp(t2, s->g, s->b, s->N, ctx) &&
	     BN_mod_add(s->B, t1, t2, s->N, ctx);
out:
	OPENSSL_cleanse(hup, sizeof(hup));
	BN_clear_free(x);
	BN_free(k);
	BN_clear_free(t1);
	BN_clear_free(t2);
	BN_CTX_free(ctx);
	if (!ok) {
		srp_free(s);
		return NULL;
	}
	return s;
}

void srp_free(struct srp *s)
{
	if (!s)
		return;
	BN_free(s->N);
	BN_free(s->g);
	BN_clear_free(s->v);
	BN_clear_free(s->b);
	BN_free(s->B);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

void srp_public(const struct srp *s, uint8_t B[SRP_N_LEN])
{
	bn_pad(s->B, B);
}

void srp_verifier(const struct srp *s, uint8_t v[SRP_N_LEN])
{
	bn_pad(s->v, v);
}

int srp_verify(struct srp *s, const uint8_t *A, size_t a_len, const uint8_t M1[SRP_HASH_LEN],
	       uint8_t M2[SRP_HASH_LEN])
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *a = NULL, *u = NULL, *S = BN_new(), *t = BN_new();
	uint8_t apad[SRP_N_LEN], bpad[SRP_N_LEN], amin[SRP_N_LEN], bmin[SRP_N_LEN];
	uint8_t sbuf[SRP_N_LEN], nbuf[SRP_N_LEN], hn[SRP_HASH_LEN], hg[SRP_HASH_LEN];
	uint8_t K[SRP_HASH_LEN], m1[SRP_HASH_LEN], g = 5;
	size_t alen, blen, slen;
	int r = -ENOMEM;

	s->have_K = false;
	if (!a_len || a_len > SRP_N_LEN) {
		r = -EINVAL;
		goto out;
	}
	if (!ctx || !S || !t || !(a = BN_bin2bn(A, (int)a_len, NULL)))
		goto out;
	/* A mod N == 0 would make S predictable (RFC 5054 §2.5.4) */
	r = -EIO;
	if (!BN_nnmod(t, a, s->N, ctx))
		goto out;
	if (BN_is_zero(t)) {
		r = -EINVAL;
		goto out;
	}
	bn_pad(a, apad);
	bn_pad(s->B, bpad);
	{
		struct part up[] = { { apad, SRP_N_LEN }, { bpad, SRP_N_LEN } };

		if (!(u = hash_bn(up, 2)))
			goto out;
	}
	/* S = (A * v^u)^b mod N */
	if (!BN_mod_exp(t, s->v, u, s->N, ctx) || !BN_mod_mul(t, a, t, s->N, ctx) ||
	    !BN_mod_exp(S, t, s->b, s->N, ctx))
		goto out;
	slen = bn_min(S, sbuf);
	{
		struct part ks[] = { { sbuf, slen } };

		if (hash(K, ks, 1) < 0)
			goto out;
	}
	/* M1 = H((H(N) xor H(g)) | H(I) | s | A | B | K) */
	bn_pad(s->N, nbuf);
	{
		struct part pn[] = { { nbuf, SRP_N_LEN } }, pg[] = { { &g, 1 } };

		if (hash(hn, pn, 1) < 0 || hash(hg, pg, 1) < 0)
			goto out;
	}
	for (size_t i = 0; i < SRP_HASH_LEN; i++)
		hn[i] ^= hg[i];
	alen = bn_min(a, amin);
	blen = bn_min(s->B, bmin);
	{
		struct part pm[] = { { hn, SRP_HASH_LEN }, { s->hI, SRP_HASH_LEN },
				     { s->salt, SRP_SALT_LEN }, { amin, alen }, { bmin, blen },
				     { K, SRP_HASH_LEN } };

		if (hash(m1, pm, 6) < 0)
			goto out;
	}
	if (CRYPTO_memcmp(m1, M1, SRP_HASH_LEN) != 0) {
		r = -EACCES;
		goto out;
	}
	{
		struct part p2[] = { { amin, alen }, { M1, SRP_HASH_LEN }, { K, SRP_HASH_LEN } };

		if (hash(M2, p2, 3) < 0)
			goto out;
	}
	memcpy(s->K, K, SRP_HASH_LEN);
	s->have_K = true;
	r = 0;
out:
	OPENSSL_cleanse(sbuf, sizeof(sbuf));
	OPENSSL_cleanse(K, sizeof(K));
	BN_free(a);
	BN_free(u);
	BN_clear_free(S);
	BN_clear_free(t);
	BN_CTX_free(ctx);
	return r;
}

int srp_session_key(const struct srp *s, uint8_t K[SRP_HASH_LEN])
{
	if (!s->have_K)
		return -EAGAIN;
	memcpy(K, s->K, SRP_HASH_LEN);
	return 0;
}
