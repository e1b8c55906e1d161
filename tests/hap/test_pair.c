/* SPDX-License-Identifier: MIT */
/* test_pair.c — pair-setup, pair-verify and pairings end to end against a controller written
 * here from the HAP specification (its own SRP client on BIGNUM), then the session framing
 * both ways, and every refusal: a wrong setup code (and the 100-try limit), a second setup
 * while one runs, setup when already paired, a forged M5 or M3, an unknown controller, a
 * non-admin's pairings request, removing the last admin. The store is a real file; it is
 * reopened to show what survives. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/evp.h>

#include "hap/hap_crypto.h"
#include "hap/hap_store.h"
#include "hap/pair.h"
#include "hap/session.h"
#include "hap/tlv8.h"

#include "../util/tmpdir.h"

#define CODE "518-08-582"

static char dir[64], path[96];

/* ---- the controller ---- */

struct ctl {
	char id[40];
	uint8_t ltsk[32], ltpk[32];
	uint8_t K[64];
	uint8_t acc_ltpk[32];
	char acc_id[18];
	struct session sess;
};

static void sha512(uint8_t out[64], const void *a, size_t an, const void *b, size_t bn,
		   const void *c, size_t cn)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();

	assert_true(EVP_DigestInit_ex(m, EVP_sha512(), NULL));
	EVP_DigestUpdate(m, a, an);
	if (b)
		EVP_DigestUpdate(m, b, bn);
	if (c)
		EVP_DigestUpdate(m, c, cn);
	EVP_DigestFinal_ex(m, out, NULL);
	EVP_MD_CTX_free(m);
}

/* The client half of SRP-6a: from salt and B, A and M1 (and K, and the M2 to expect). */
static void srp_client(const char *code, const uint8_t *salt, const uint8_t *Bb, uint8_t A[384],
		       uint8_t M1[64], uint8_t M2[64], uint8_t K[64])
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *N = BN_get_rfc3526_prime_3072(NULL), *g = BN_new(), *a = BN_new(), *Abn = BN_new();
	BIGNUM *B = BN_bin2bn(Bb, 384, NULL), *x, *k, *u, *t = BN_new(), *e = BN_new(), *S = BN_new();
	uint8_t h[64], hx[64], Np[384], gp[384], Ap[384], Sb[384], hn[64], hg[64], hi[64], five = 5;
	uint8_t Amin[384], Bmin[384];
	size_t an, bn, sn;
	char up[64];

	BN_set_word(g, 5);
	BN_rand(a, 256, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
	BN_mod_exp(Abn, g, a, N, ctx);
	BN_bn2binpad(Abn, A, 384);
	snprintf(up, sizeof(up), "Pair-Setup:%s", code);
	sha512(h, up, strlen(up), NULL, 0, NULL, 0);
	sha512(hx, salt, 16, h, 64, NULL, 0);
	x = BN_bin2bn(hx, 64, NULL);
	BN_bn2binpad(N, Np, 384);
	BN_bn2binpad(g, gp, 384);
	sha512(h, Np, 384, gp, 384, NULL, 0);
	k = BN_bin2bn(h, 64, NULL);
	BN_bn2binpad(Abn, Ap, 384);
	sha512(h, Ap, 384, Bb, 384, NULL, 0);
	u = BN_bin2bn(h, 64, NULL);
	/* S = (B - k g^x)^(a + u x) */
	BN_mod_exp(t, g, x, N, ctx);
	BN_mod_mul(t, k, t, N, ctx);
	BN_mod_sub(t, B, t, N, ctx);
	BN_mul(e, u, x, ctx);
	BN_add(e, e, a);
	BN_mod_exp(S, t, e, N, ctx);
	sn = (size_t)BN_bn2bin(S, Sb);
	sha512(K, Sb, sn, NULL, 0, NULL, 0);
	sha512(hn, Np, 384, NULL, 0, NULL, 0);
	sha512(hg, &five, 1, NULL, 0, NULL, 0);
	for (int i = 0; i < 64; i++)
		hn[i] ^= hg[i];
	sha512(hi, "Pair-Setup", 10, NULL, 0, NULL, 0);
	an = (size_t)BN_bn2bin(Abn, Amin);
	bn = (size_t)BN_bn2bin(B, Bmin);
	{
		EVP_MD_CTX *m = EVP_MD_CTX_new();

		EVP_DigestInit_ex(m, EVP_sha512(), NULL);
		EVP_DigestUpdate(m, hn, 64);
		EVP_DigestUpdate(m, hi, 64);
		EVP_DigestUpdate(m, salt, 16);
		EVP_DigestUpdate(m, Amin, an);
		EVP_DigestUpdate(m, Bmin, bn);
		EVP_DigestUpdate(m, K, 64);
		EVP_DigestFinal_ex(m, M1, NULL);
		EVP_MD_CTX_free(m);
	}
	sha512(M2, Amin, an, M1, 64, K, 64);
	BN_free(N), BN_free(g), BN_free(a), BN_free(Abn), BN_free(B), BN_free(x), BN_free(k);
	BN_free(u), BN_free(t), BN_free(e), BN_free(S);
	BN_CTX_free(ctx);
}

static void ctl_new(struct ctl *c, const char *id)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	assert_int_equal(hapc_ed25519_keypair(c->ltsk, c->ltpk), 0);
}


static size_t call_setup(struct pair_setup *ps, const void *owner, struct hap_store *st,
			 const uint8_t *req, size_t len, uint8_t *out, struct pair_result *res)
{
	struct wr w = wr_init(out, 2048);

	assert_int_equal(pair_setup_handle(ps, owner, st, req, len, &w, res), 0);
	assert_true(wr_ok(&w));
	return wr_len(&w);
}

static uint8_t u8_of(const uint8_t *b, size_t n, uint8_t type)
{
	uint8_t v = 0xEE;

	(void)tlv8_get_u8(b, n, type, &v);
	return v;
}

/* M1..M6 with @code; returns the TLV8 error of the first refusal, 0 when paired. */
static int pair_setup(struct pair_setup *ps, struct hap_store *st, struct ctl *c,
		      const char *code, const void *owner)
{
	uint8_t req[1024], out[2048], salt[16], B[384], A[384], M1[64], M2[64], want_m2[64];
	uint8_t key[32], x[32], sub[512], info[200], sig[64], nonce[12], enc[600];
	struct pair_result res;
	struct wr w = wr_init(req, sizeof(req));
	size_t n, sl;
	ssize_t el;

	tlv8_put_u8(&w, TLV8_STATE, 1);
	tlv8_put_u8(&w, TLV8_METHOD, 0);
	n = call_setup(ps, owner, st, req, wr_len(&w), out, &res);
	if (tlv8_get(out, n, TLV8_ERROR, sub, 1) == 1)
		return sub[0];
	assert_int_equal(u8_of(out, n, TLV8_STATE), 2);
	assert_int_equal(tlv8_get(out, n, TLV8_SALT, salt, 16), 16);
	assert_int_equal(tlv8_get(out, n, TLV8_PUBLIC_KEY, B, 384), 384);

	srp_client(code, salt, B, A, M1, want_m2, c->K);
	w = wr_init(req, sizeof(req));
	tlv8_put_u8(&w, TLV8_STATE, 3);
	tlv8_put(&w, TLV8_PUBLIC_KEY, A, 384);
	tlv8_put(&w, TLV8_PROOF, M1, 64);
	n = call_setup(ps, owner, st, req, wr_len(&w), out, &res);
	assert_int_equal(u8_of(out, n, TLV8_STATE), 4);
	if (tlv8_get(out, n, TLV8_ERROR, sub, 1) == 1)
		return sub[0];
	assert_int_equal(tlv8_get(out, n, TLV8_PROOF, M2, 64), 64);
	assert_memory_equal(M2, want_m2, 64); /* the accessory knows the code too */

	/* M5: our id and key, signed over iOSDeviceX */
	assert_int_equal(hapc_hkdf(c->K, 64, "Pair-Setup-Encrypt-Salt", "Pair-Setup-Encrypt-Info",
				   key, 32), 0);
	assert_int_equal(hapc_hkdf(c->K, 64, "Pair-Setup-Controller-Sign-Salt",
				   "Pair-Setup-Controller-Sign-Info", x, 32), 0);
	memcpy(info, x, 32);
	memcpy(info + 32, c->id, strlen(c->id));
	memcpy(info + 32 + strlen(c->id), c->ltpk, 32);
	assert_int_equal(hapc_ed25519_sign(c->ltsk, info, 64 + strlen(c->id), sig), 0);
	w = wr_init(sub, sizeof(sub));
	tlv8_put(&w, TLV8_IDENTIFIER, c->id, strlen(c->id));
	tlv8_put(&w, TLV8_PUBLIC_KEY, c->ltpk, 32);
	tlv8_put(&w, TLV8_SIGNATURE, sig, 64);
	sl = wr_len(&w);
	hapc_nonce_label(nonce, "PS-Msg05");
	assert_int_equal(hapc_seal(key, nonce, NULL, 0, sub, sl, enc, enc + sl), 0);
	w = wr_init(req, sizeof(req));
	tlv8_put_u8(&w, TLV8_STATE, 5);
	tlv8_put(&w, TLV8_ENCRYPTED_DATA, enc, sl + 16);
	n = call_setup(ps, owner, st, req, wr_len(&w), out, &res);
	assert_int_equal(u8_of(out, n, TLV8_STATE), 6);
	if (tlv8_get(out, n, TLV8_ERROR, sub, 1) == 1)
		return sub[0];
	assert_true(res.paired);

	/* M6: the accessory's id and key, its signature checked */
	el = tlv8_get(out, n, TLV8_ENCRYPTED_DATA, enc, sizeof(enc));
	assert_true(el > 16);
	hapc_nonce_label(nonce, "PS-Msg06");
	assert_int_equal(hapc_open(key, nonce, NULL, 0, enc, (size_t)el - 16, sub, enc + el - 16), 0);
	sl = (size_t)el - 16;
	assert_int_equal(tlv8_get(sub, sl, TLV8_IDENTIFIER, (uint8_t *)c->acc_id, 17), 17);
	assert_int_equal(tlv8_get(sub, sl, TLV8_PUBLIC_KEY, c->acc_ltpk, 32), 32);
	assert_int_equal(tlv8_get(sub, sl, TLV8_SIGNATURE, sig, 64), 64);
	assert_int_equal(hapc_hkdf(c->K, 64, "Pair-Setup-Accessory-Sign-Salt",
				   "Pair-Setup-Accessory-Sign-Info", x, 32), 0);
	memcpy(info, x, 32);
	memcpy(info + 32, c->acc_id, 17);
	memcpy(info + 49, c->acc_ltpk, 32);
	assert_int_equal(hapc_ed25519_verify(c->acc_ltpk, info, 81, sig), 0);
	assert_string_equal(c->acc_id, hap_store_device_id(st));
	return 0;
}

/* M1..M4; returns the TLV8 error, or 0 with c->sess keyed. @forge spoils our signature. */
static int pair_verify(struct pair_verify *pv, struct hap_store *st, struct ctl *c, bool forge)
{
	uint8_t req[512], out[1024], sk[32], pk[32], acc[32], shared[32], key[32], nonce[12];
	uint8_t enc[400], sub[400], sig[64], info[200];
	char aid[18] = { 0 };
	struct pair_result res;
	struct wr w = wr_init(req, sizeof(req)), o = wr_init(out, sizeof(out));
	ssize_t el;
	size_t n, sl;

	assert_int_equal(hapc_x25519_keypair(sk, pk), 0);
	tlv8_put_u8(&w, TLV8_STATE, 1);
	tlv8_put(&w, TLV8_PUBLIC_KEY, pk, 32);
	assert_int_equal(pair_verify_handle(pv, st, req, wr_len(&w), &o, &res), 0);
	n = wr_len(&o);
	assert_int_equal(u8_of(out, n, TLV8_STATE), 2);
	assert_int_equal(tlv8_get(out, n, TLV8_PUBLIC_KEY, acc, 32), 32);
	assert_int_equal(hapc_x25519_shared(sk, acc, shared), 0);
	assert_int_equal(hapc_hkdf(shared, 32, "Pair-Verify-Encrypt-Salt",
				   "Pair-Verify-Encrypt-Info", key, 32), 0);
	el = tlv8_get(out, n, TLV8_ENCRYPTED_DATA, enc, sizeof(enc));
	assert_true(el > 16);
	hapc_nonce_label(nonce, "PV-Msg02");
	assert_int_equal(hapc_open(key, nonce, NULL, 0, enc, (size_t)el - 16, sub, enc + el - 16), 0);
	sl = (size_t)el - 16;
	assert_int_equal(tlv8_get(sub, sl, TLV8_IDENTIFIER, (uint8_t *)aid, 17), 17);
	assert_int_equal(tlv8_get(sub, sl, TLV8_SIGNATURE, sig, 64), 64);
	memcpy(info, acc, 32);
	memcpy(info + 32, aid, 17);
	memcpy(info + 49, pk, 32);
	assert_int_equal(hapc_ed25519_verify(hap_store_ltpk(st), info, 81, sig), 0);

	memcpy(info, pk, 32);
	memcpy(info + 32, c->id, strlen(c->id));
	memcpy(info + 32 + strlen(c->id), acc, 32);
	assert_int_equal(hapc_ed25519_sign(c->ltsk, info, 64 + strlen(c->id), sig), 0);
	if (forge)
		sig[5] ^= 1;
	w = wr_init(sub, sizeof(sub));
	tlv8_put(&w, TLV8_IDENTIFIER, c->id, strlen(c->id));
	tlv8_put(&w, TLV8_SIGNATURE, sig, 64);
	sl = wr_len(&w);
	hapc_nonce_label(nonce, "PV-Msg03");
	assert_int_equal(hapc_seal(key, nonce, NULL, 0, sub, sl, enc, enc + sl), 0);
	w = wr_init(req, sizeof(req));
	tlv8_put_u8(&w, TLV8_STATE, 3);
	tlv8_put(&w, TLV8_ENCRYPTED_DATA, enc, sl + 16);
	o = wr_init(out, sizeof(out));
	assert_int_equal(pair_verify_handle(pv, st, req, wr_len(&w), &o, &res), 0);
	n = wr_len(&o);
	assert_int_equal(u8_of(out, n, TLV8_STATE), 4);
	if (tlv8_get(out, n, TLV8_ERROR, sub, 1) == 1) {
		assert_false(res.verified);
		return sub[0];
	}
	assert_true(res.verified);
	assert_string_equal(pv->controller, c->id);
	assert_memory_equal(pv->shared, shared, 32);
	assert_int_equal(session_init(&c->sess, shared, 0), 0);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	if (tmpdir_make(dir, "hap") < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/homekit.json", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir);
}

static struct hap_store *open_store(const char *code, bool want_created)
{
	struct hap_store *st;
	char err[256];
	bool created;

	assert_int_equal(hap_store_open(&st, path, code, &created, err, sizeof(err)), 0);
	assert_int_equal(created, want_created);
	return st;
}

static void setup_verify_session(void **state)
{
	struct hap_store *st = open_store(CODE, true);
	struct pair_setup ps;
	struct pair_verify pv = { 0 };
	struct session acc;
	struct ctl c;
	uint8_t sealed[3000], plain[2100], msg[2100];
	ssize_t n;
	size_t used;
	struct stat sb;

	(void)state;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	pair_setup_init(&ps);
	ctl_new(&c, "9A1F1F2E-3C7B-4E55-9D0B-0C8B3A6E7D11");
	assert_int_equal(pair_setup(&ps, st, &c, CODE, &c), 0);
	assert_true(hap_store_paired(st));
	assert_true(hap_store_find(st, c.id)->admin);

	assert_int_equal(pair_verify(&pv, st, &c, false), 0);
	assert_int_equal(session_init(&acc, pv.shared, 1), 0);
	/* 2,100 bytes: three frames (1024, 1024, 52), both ways, in pieces */
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 31);
	n = session_seal(&c.sess, msg, sizeof(msg), sealed, sizeof(sealed));
	assert_int_equal(n, (ssize_t)session_sealed_len(sizeof(msg)));
	assert_int_equal(n, 2100 + 3 * 18);
	assert_int_equal(session_open(&acc, sealed, 1000, &used, plain, sizeof(plain)), 0);
	assert_int_equal(used, 0);
	assert_int_equal(session_open(&acc, sealed, 1100, &used, plain, sizeof(plain)), 1024);
	assert_int_equal(used, 1042);
	assert_int_equal(session_open(&acc, sealed + 1042, (size_t)n - 1042, &used, plain + 1024,
				      sizeof(plain) - 1024), 1076);
	assert_memory_equal(plain, msg, sizeof(msg));
	n = session_seal(&acc, msg, 10, sealed, sizeof(sealed));
	assert_int_equal(session_open(&c.sess, sealed, (size_t)n, &used, plain, sizeof(plain)), 10);
	/* a replayed frame (old counter) does not authenticate */
	assert_int_equal(session_open(&c.sess, sealed, (size_t)n, &used, plain, sizeof(plain)),
			 -EBADMSG);
	/* a frame longer than 1024 is refused before any decryption */
	sealed[0] = 0x01, sealed[1] = 0x04;
	assert_int_equal(session_open(&acc, sealed, 1100, &used, plain, sizeof(plain)), -EBADMSG);

	/* the next controller cannot pair-setup: the bridge is paired */
	{
		struct ctl d;

		ctl_new(&d, "second");
		assert_int_equal(pair_setup(&ps, st, &d, CODE, &d), TLV8_ERR_UNAVAILABLE);
	}
	hap_store_free(st);

	/* after a restart: the same identity, the pairing, verify works */
	st = open_store(NULL, false);
	assert_string_equal(hap_store_device_id(st), c.acc_id);
	assert_memory_equal(hap_store_ltpk(st), c.acc_ltpk, 32);
	assert_string_equal(hap_store_setup_code(st), CODE);
	assert_int_equal(pair_verify(&pv, st, &c, false), 0);
	/* a forged signature, and a controller that never paired */
	assert_int_equal(pair_verify(&pv, st, &c, true), TLV8_ERR_AUTHENTICATION);
	{
		struct ctl stranger;

		ctl_new(&stranger, "stranger");
		assert_int_equal(pair_verify(&pv, st, &stranger, false), TLV8_ERR_AUTHENTICATION);
	}
	pair_verify_wipe(&pv);
	hap_store_free(st);
}

static void wrong_code_and_limits(void **state)
{
	struct hap_store *st = open_store(CODE, true);
	struct pair_setup ps;
	struct ctl c, d;
	uint8_t req[64], out[2048];
	struct pair_result res;
	struct wr w = wr_init(req, sizeof(req));
	size_t n;

	(void)state;
	pair_setup_init(&ps);
	ctl_new(&c, "c");
	ctl_new(&d, "d");
	assert_int_equal(pair_setup(&ps, st, &c, "518-08-583", &c), TLV8_ERR_AUTHENTICATION);
	assert_int_equal(ps.failures, 1);
	assert_false(hap_store_paired(st));

	/* while c's setup runs, d is busy; when c goes away, d may */
	tlv8_put_u8(&w, TLV8_STATE, 1);
	tlv8_put_u8(&w, TLV8_METHOD, 1);
	n = call_setup(&ps, &c, st, req, wr_len(&w), out, &res);
	assert_int_equal(u8_of(out, n, TLV8_STATE), 2);
	assert_int_equal(pair_setup(&ps, st, &d, CODE, &d), TLV8_ERR_BUSY);
	pair_setup_drop(&ps, &c);
	/* M3 out of order (no M1 on this connection) */
	w = wr_init(req, sizeof(req));
	tlv8_put_u8(&w, TLV8_STATE, 3);
	n = call_setup(&ps, &d, st, req, wr_len(&w), out, &res);
	assert_int_equal(u8_of(out, n, TLV8_ERROR), TLV8_ERR_UNKNOWN);

	/* 100 wrong codes, then even the right one is refused */
	ps.failures = PAIR_MAX_TRIES - 1;
	assert_int_equal(pair_setup(&ps, st, &d, "111-22-333", &d), TLV8_ERR_AUTHENTICATION);
	assert_int_equal(pair_setup(&ps, st, &d, CODE, &d), TLV8_ERR_MAX_TRIES);
	assert_false(hap_store_paired(st));

	/* malformed requests are not answered at all */
	{
		static const uint8_t bad[] = { 0x06, 0x05, 0x01 };
		struct wr o = wr_init(out, sizeof(out));

		assert_int_equal(pair_setup_handle(&ps, &d, st, bad, sizeof(bad), &o, &res),
				 -EBADMSG);
		assert_int_equal(pair_setup_handle(&ps, &d, st, NULL, 0, &o, &res), -EBADMSG);
	}
	hap_store_free(st);
}

/* list, add, remove, the admin rule, and the last admin taking every pairing with it */
static void pairings(void **state)
{
	struct hap_store *st = open_store(CODE, true);
	struct pair_setup ps;
	struct ctl admin, guest;
	uint8_t req[256], out[2048], id[80];
	struct pair_result res;
	struct wr w, o;
	size_t n;

	(void)state;
	pair_setup_init(&ps);
	ctl_new(&admin, "admin-id");
	ctl_new(&guest, "guest-id");
	assert_int_equal(pair_setup(&ps, st, &admin, CODE, &admin), 0);

	w = wr_init(req, sizeof(req));
	tlv8_put_u8(&w, TLV8_STATE, 1);
	tlv8_put_u8(&w, TLV8_METHOD, 3);
	tlv8_put(&w, TLV8_IDENTIFIER, guest.id, strlen(guest.id));
	tlv8_put(&w, TLV8_PUBLIC_KEY, guest.ltpk, 32);
	tlv8_put_u8(&w, TLV8_PERMISSIONS, 0);
	o = wr_init(out, sizeof(out));
	assert_int_equal(pairings_handle(st, admin.id, req, wr_len(&w), &o, &res), 0);
	assert_int_equal(u8_of(out, wr_len(&o), TLV8_ERROR), 0xEE);
	assert_int_equal(hap_store_pairing_count(st), 2);
	assert_false(hap_store_find(st, guest.id)->admin);

	/* the guest may not list or add */
	w = wr_init(req, sizeof(req));
	tlv8_put_u8(&w, TLV8_STATE, 1);
	tlv8_put_u8(&w, TLV8_METHOD, 5);
	o = wr_init(out, sizeof(out));
	assert_int_equal(pairings_handle(st, guest.id, req, wr_len(&w), &o, &res), 0);
	assert_int_equal(u8_of(out, wr_len(&o), TLV8_ERROR), TLV8_ERR_AUTHENTICATION);
	/* the admin lists both, separated */
	o = wr_init(out, sizeof(out));
	assert_int_equal(pairings_handle(st, admin.id, req, wr_len(&w), &o, &res), 0);
	n = wr_len(&o);
	assert_int_equal(tlv8_get(out, n, TLV8_IDENTIFIER, id, sizeof(id)), 8);
	assert_memory_equal(id, "admin-id", 8);
	{
		/* the separator item, found by walking items (a key may hold 0xFF bytes) */
		const uint8_t *sep = NULL;

		for (size_t off = 0; off + 2 <= n && !sep; off += 2 + (size_t)out[off + 1])
			if (out[off] == TLV8_SEPARATOR)
				sep = out + off;
		assert_non_null(sep);
		assert_int_equal(tlv8_get(sep + 2, n - (size_t)(sep + 2 - out), TLV8_IDENTIFIER, id,
					  sizeof(id)), 8);
		assert_memory_equal(id, "guest-id", 8);
	}

	/* the same id with another key is refused */
	w = wr_init(req, sizeof(req));
	tlv8_put_u8(&w, TLV8_STATE, 1);
	tlv8_put_u8(&w, TLV8_METHOD, 3);
	tlv8_put(&w, TLV8_IDENTIFIER, guest.id, strlen(guest.id));
	tlv8_put(&w, TLV8_PUBLIC_KEY, admin.ltpk, 32);
	tlv8_put_u8(&w, TLV8_PERMISSIONS, 1);
	o = wr_init(out, sizeof(out));
	assert_int_equal(pairings_handle(st, admin.id, req, wr_len(&w), &o, &res), 0);
	assert_int_equal(u8_of(out, wr_len(&o), TLV8_ERROR), TLV8_ERR_UNKNOWN);

	/* removing the only admin removes the guest too */
	w = wr_init(req, sizeof(req));
	tlv8_put_u8(&w, TLV8_STATE, 1);
	tlv8_put_u8(&w, TLV8_METHOD, 4);
	tlv8_put(&w, TLV8_IDENTIFIER, admin.id, strlen(admin.id));
	o = wr_init(out, sizeof(out));
	assert_int_equal(pairings_handle(st, admin.id, req, wr_len(&w), &o, &res), 0);
	assert_true(res.removed);
	assert_true(res.removed_all);
	assert_string_equal(res.removed_id, admin.id);
	assert_false(hap_store_paired(st));
	hap_store_free(st);

	/* and that is what a restart sees */
	st = open_store(NULL, false);
	assert_false(hap_store_paired(st));
	hap_store_free(st);
}

/* accessory ids by MAC, stable across a restart; c# rises only when the database changes */
static void aids_and_config_number(void **state)
{
	static const uint8_t m1[6] = { 0xA4, 0xC1, 0x38, 1, 2, 3 }, m2[6] = { 0xA4, 0xC1, 0x38, 4, 5, 6 };
	uint8_t h1[32] = { 1 }, h2[32] = { 2 };
	struct hap_store *st = open_store(NULL, true);
	char err[256], code[16];
	bool created;

	(void)state;
	strcpy(code, hap_store_setup_code(st));
	assert_int_equal(hap_store_aid(st, m1, err, sizeof(err)), 2);
	assert_int_equal(hap_store_aid(st, m2, err, sizeof(err)), 3);
	assert_int_equal(hap_store_aid(st, m1, err, sizeof(err)), 2);
	assert_int_equal(hap_store_config_number(st), 1);
	assert_int_equal(hap_store_note_db(st, h1, err, sizeof(err)), 1);
	assert_int_equal(hap_store_note_db(st, h1, err, sizeof(err)), 0);
	assert_int_equal(hap_store_config_number(st), 2);
	hap_store_free(st);

	st = open_store(NULL, false);
	assert_string_equal(hap_store_setup_code(st), code); /* a generated code is kept */
	assert_int_equal(hap_store_aid(st, m2, err, sizeof(err)), 3);
	assert_int_equal(hap_store_note_db(st, h1, err, sizeof(err)), 0);
	assert_int_equal(hap_store_note_db(st, h2, err, sizeof(err)), 1);
	assert_int_equal(hap_store_config_number(st), 3);
	hap_store_free(st);

	/* a bad configured code, and a broken file: refused, the file untouched */
	assert_int_equal(hap_store_open(&st, path, "123-45-678", &created, err, sizeof(err)),
			 -EINVAL);
	{
		FILE *f = fopen(path, "r+");

		assert_non_null(f);
		fputs("{\"version\":1,", f); /* the rest is now garbage */
		fclose(f);
	}
	assert_int_equal(hap_store_open(&st, path, NULL, &created, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "broken HomeKit state"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(setup_verify_session, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_code_and_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(pairings, setup, teardown),
		cmocka_unit_test_setup_teardown(aids_and_config_number, setup, teardown),
	};
	return cmocka_run_group_tests_name("pair", tests, NULL, NULL);
}
