/* SPDX-License-Identifier: MIT */
/* pair.c — see pair.h. Names follow the HAP specification (R2, chapter 5): iOSDeviceX,
 * AccessoryInfo and so on, so the code can be read beside it. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hap/hap_crypto.h"
#include "hap/pair.h"
#include "hap/tlv8.h"

#define SUB_MAX 512	/* an encrypted sub-TLV: id (<= 64) + key + signature, with room */

enum { METHOD_SETUP = 0, METHOD_SETUP_AUTH = 1, METHOD_ADD = 3, METHOD_REMOVE = 4,
       METHOD_LIST = 5 };

static void error_reply(struct wr *resp, uint8_t state, uint8_t error)
{
	tlv8_put_u8(resp, TLV8_STATE, state);
	tlv8_put_u8(resp, TLV8_ERROR, error);
}

/* HKDF-SHA-512 of @ikm to 32 bytes with HAP's salt and info. */
static int derive(const uint8_t *ikm, size_t n, const char *salt, const char *info,
		  uint8_t out[HAPC_KEY_LEN])
{
	return hapc_hkdf(ikm, n, salt, info, out, HAPC_KEY_LEN);
}

/* Decrypts the kTLVType_EncryptedData of @req (ciphertext + tag) into sub[]. Returns its
 * length, or -EBADMSG when absent, malformed or not authentic. */
static ssize_t open_sub(const uint8_t *req, size_t len, const uint8_t key[HAPC_KEY_LEN],
			const char nonce_label[8], uint8_t sub[SUB_MAX])
{
	uint8_t enc[SUB_MAX + HAPC_TAG_LEN], nonce[HAPC_NONCE_LEN];
	ssize_t n = tlv8_get(req, len, TLV8_ENCRYPTED_DATA, enc, sizeof(enc));

	if (n < HAPC_TAG_LEN)
		return -EBADMSG;
	n -= HAPC_TAG_LEN;
	hapc_nonce_label(nonce, nonce_label);
	if (hapc_open(key, nonce, NULL, 0, enc, (size_t)n, sub, enc + n) < 0)
		return -EBADMSG;
	return n;
}

/* Encrypts sub[n] and appends it to @resp as kTLVType_EncryptedData. */
static int seal_sub(struct wr *resp, const uint8_t key[HAPC_KEY_LEN], const char label[8],
		    const uint8_t *sub, size_t n)
{
	uint8_t enc[SUB_MAX + HAPC_TAG_LEN], nonce[HAPC_NONCE_LEN];

	if (n > SUB_MAX)
		return -EMSGSIZE;
	hapc_nonce_label(nonce, label);
	if (hapc_seal(key, nonce, NULL, 0, sub, n, enc, enc + n) < 0)
		return -EIO;
	tlv8_put(resp, TLV8_ENCRYPTED_DATA, enc, n + HAPC_TAG_LEN);
	return 0;
}

/* The identifier item as a C string: 0, or -EBADMSG when absent, empty, too long or not
 * printable ASCII. */
static int get_id(const uint8_t *tlv, size_t len, char id[HAP_PAIRING_ID_MAX + 1])
{
	ssize_t n = tlv8_get(tlv, len, TLV8_IDENTIFIER, (uint8_t *)id, HAP_PAIRING_ID_MAX);

	if (n <= 0)
		return -EBADMSG;
	id[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if ((unsigned char)id[i] < 0x20 || (unsigned char)id[i] > 0x7e)
			return -EBADMSG;
	return 0;
}

/* HAP signs "key | pairing id | key" everywhere: writes it to @info, returns its length. */
static size_t info_of(uint8_t *info, const uint8_t a[HAPC_KEY_LEN], const char *id,
		      const uint8_t b[HAPC_KEY_LEN])
{
	size_t idl = strlen(id);

	memcpy(info, a, HAPC_KEY_LEN);
	memcpy(info + HAPC_KEY_LEN, id, idl);
	memcpy(info + HAPC_KEY_LEN + idl, b, HAPC_KEY_LEN);
	return 2 * HAPC_KEY_LEN + idl;
}

/* ---- pair-setup ---- */

void pair_setup_init(struct pair_setup *ps)
{
	memset(ps, 0, sizeof(*ps));
}

static void setup_end(struct pair_setup *ps)
{
	srp_free(ps->srp);
	ps->srp = NULL;
	ps->owner = NULL;
	ps->step = 0;
}

void pair_setup_drop(struct pair_setup *ps, const void *owner)
{
	if (ps->owner == owner)
		setup_end(ps);
}

static int setup_m1(struct pair_setup *ps, const void *owner, struct hap_store *st,
		    const uint8_t *req, size_t len, struct wr *resp, struct pair_result *res)
{
	uint8_t method, salt[SRP_SALT_LEN], b[32], B[SRP_N_LEN];

	if (tlv8_get_u8(req, len, TLV8_METHOD, &method) < 0 ||
	    (method != METHOD_SETUP && method != METHOD_SETUP_AUTH))
		return -EBADMSG;
	if (hap_store_paired(st)) {
		error_reply(resp, 2, TLV8_ERR_UNAVAILABLE);
		res->log = "HomeKit pair-setup refused: already paired (HomeKitReset un-pairs)";
		return 0;
	}
	if (ps->failures >= PAIR_MAX_TRIES) {
		error_reply(resp, 2, TLV8_ERR_MAX_TRIES);
		res->log = "HomeKit pair-setup refused: 100 wrong setup codes (HomeKitReset or "
			   "a restart allows more)";
		return 0;
	}
	if (ps->owner && ps->owner != owner) {
		error_reply(resp, 2, TLV8_ERR_BUSY);
		return 0;
	}
	setup_end(ps);
	if (hapc_random(salt, sizeof(salt)) < 0 || hapc_random(b, sizeof(b)) < 0)
		return -EIO;
	ps->srp = srp_new("Pair-Setup", hap_store_setup_code(st), salt, b, sizeof(b));
	OPENSSL_cleanse(b, sizeof(b));
	if (!ps->srp)
		return -ENOMEM;
	srp_public(ps->srp, B);
	ps->owner = owner;
	ps->step = 2;
	tlv8_put_u8(resp, TLV8_STATE, 2);
	tlv8_put(resp, TLV8_SALT, salt, sizeof(salt));
	tlv8_put(resp, TLV8_PUBLIC_KEY, B, sizeof(B));
	return 0;
}

static int setup_m3(struct pair_setup *ps, const uint8_t *req, size_t len, struct wr *resp,
		    struct pair_result *res)
{
	uint8_t A[SRP_N_LEN], M1[SRP_HASH_LEN], M2[SRP_HASH_LEN];
	ssize_t alen = tlv8_get(req, len, TLV8_PUBLIC_KEY, A, sizeof(A));
	int r;

	if (alen <= 0 || tlv8_get(req, len, TLV8_PROOF, M1, sizeof(M1)) != SRP_HASH_LEN)
		return -EBADMSG;
	r = srp_verify(ps->srp, A, (size_t)alen, M1, M2);
	if (r == -EACCES || r == -EINVAL) {
		ps->failures++;
		setup_end(ps);
		error_reply(resp, 4, TLV8_ERR_AUTHENTICATION);
		res->log = "HomeKit pair-setup: wrong setup code";
		return 0;
	}
	if (r < 0)
		return r;
	ps->step = 4;
	tlv8_put_u8(resp, TLV8_STATE, 4);
	tlv8_put(resp, TLV8_PROOF, M2, sizeof(M2));
	return 0;
}

static int setup_m5(struct pair_setup *ps, struct hap_store *st, const uint8_t *req,
		    size_t len, struct wr *resp, struct pair_result *res)
{
	uint8_t K[SRP_HASH_LEN], key[HAPC_KEY_LEN], x[HAPC_KEY_LEN], sub[SUB_MAX];
	uint8_t ltpk[HAPC_KEY_LEN], sig[HAPC_SIG_LEN], info[HAPC_KEY_LEN + 80 + HAPC_KEY_LEN];
	char id[HAP_PAIRING_ID_MAX + 1];
	const char *aid = hap_store_device_id(st);
	struct wr w;
	ssize_t n;
	size_t il;
	int r = -EIO;

	if (srp_session_key(ps->srp, K) < 0 ||
	    derive(K, sizeof(K), "Pair-Setup-Encrypt-Salt", "Pair-Setup-Encrypt-Info", key) < 0)
		goto out;
	n = open_sub(req, len, key, "PS-Msg05", sub);
	if (n < 0 || get_id(sub, (size_t)n, id) < 0 ||
	    tlv8_get(sub, (size_t)n, TLV8_PUBLIC_KEY, ltpk, sizeof(ltpk)) != HAPC_KEY_LEN ||
	    tlv8_get(sub, (size_t)n, TLV8_SIGNATURE, sig, sizeof(sig)) != HAPC_SIG_LEN) {
		error_reply(resp, 6, TLV8_ERR_AUTHENTICATION);
		res->log = "HomeKit pair-setup: the controller's M5 did not decrypt";
		r = 0;
		goto out;
	}
	/* iOSDeviceInfo = iOSDeviceX | iOSDevicePairingID | iOSDeviceLTPK */
	if (derive(K, sizeof(K), "Pair-Setup-Controller-Sign-Salt",
		   "Pair-Setup-Controller-Sign-Info", x) < 0)
		goto out;
	il = info_of(info, x, id, ltpk);
	if (hapc_ed25519_verify(ltpk, info, il, sig) < 0) {
		error_reply(resp, 6, TLV8_ERR_AUTHENTICATION);
		res->log = "HomeKit pair-setup: the controller's signature is wrong";
		r = 0;
		goto out;
	}
	r = hap_store_pair_add(st, id, ltpk, true, NULL, 0);
	if (r == -ENOSPC || r == -EEXIST) {
		error_reply(resp, 6, r == -ENOSPC ? TLV8_ERR_MAX_PEERS : TLV8_ERR_UNKNOWN);
		r = 0;
		goto out;
	}
	if (r < 0) {
		/* not stored means not paired: say so rather than pair for this run only */
		error_reply(resp, 6, TLV8_ERR_UNKNOWN);
		res->log = "HomeKit pair-setup: the pairing could not be saved";
		r = 0;
		goto out;
	}
	res->paired = true;

	/* AccessoryInfo = AccessoryX | AccessoryPairingID | AccessoryLTPK, signed */
	if (derive(K, sizeof(K), "Pair-Setup-Accessory-Sign-Salt",
		   "Pair-Setup-Accessory-Sign-Info", x) < 0)
		goto out;
	il = info_of(info, x, aid, hap_store_ltpk(st));
	if (hapc_ed25519_sign(hap_store_ltsk(st), info, il, sig) < 0)
		goto out;
	w = wr_init(sub, sizeof(sub));
	tlv8_put(&w, TLV8_IDENTIFIER, aid, strlen(aid));
	tlv8_put(&w, TLV8_PUBLIC_KEY, hap_store_ltpk(st), HAPC_KEY_LEN);
	tlv8_put(&w, TLV8_SIGNATURE, sig, sizeof(sig));
	tlv8_put_u8(resp, TLV8_STATE, 6);
	r = wr_ok(&w) ? seal_sub(resp, key, "PS-Msg06", sub, wr_len(&w)) : -EMSGSIZE;
	res->log = "HomeKit: paired with a new controller (admin)";
out:
	OPENSSL_cleanse(K, sizeof(K));
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(x, sizeof(x));
	setup_end(ps);
	return r;
}

int pair_setup_handle(struct pair_setup *ps, const void *owner, struct hap_store *st,
		      const uint8_t *req, size_t len, struct wr *resp, struct pair_result *res)
{
	uint8_t state;

	memset(res, 0, sizeof(*res));
	if (tlv8_get_u8(req, len, TLV8_STATE, &state) < 0)
		return -EBADMSG;
	if (state == 1)
		return setup_m1(ps, owner, st, req, len, resp, res);
	/* M3 and M5 only in order, on the connection that began */
	if (ps->owner != owner || (state == 3 && ps->step != 2) || (state == 5 && ps->step != 4) ||
	    (state != 3 && state != 5)) {
		error_reply(resp, (uint8_t)(state + 1), TLV8_ERR_UNKNOWN);
		if (ps->owner == owner)
			setup_end(ps);
		return 0;
	}
	return state == 3 ? setup_m3(ps, req, len, resp, res)
			  : setup_m5(ps, st, req, len, resp, res);
}

/* ---- pair-verify ---- */

void pair_verify_wipe(struct pair_verify *pv)
{
	OPENSSL_cleanse(pv, sizeof(*pv));
}

static int verify_m1(struct pair_verify *pv, struct hap_store *st, const uint8_t *req,
		     size_t len, struct wr *resp)
{
	uint8_t info[HAPC_KEY_LEN + 17 + HAPC_KEY_LEN], sig[HAPC_SIG_LEN], key[HAPC_KEY_LEN],
		sub[SUB_MAX];
	const char *aid = hap_store_device_id(st);
	size_t idl = strlen(aid);
	struct wr w;
	int r = -EIO;

	pair_verify_wipe(pv);
	if (tlv8_get(req, len, TLV8_PUBLIC_KEY, pv->peer, sizeof(pv->peer)) != HAPC_KEY_LEN)
		return -EBADMSG;
	if (hapc_x25519_keypair(pv->secret, pv->pub) < 0)
		return -EIO;
	if (hapc_x25519_shared(pv->secret, pv->peer, pv->shared) < 0) {
		error_reply(resp, 2, TLV8_ERR_AUTHENTICATION);
		return 0;
	}
	/* AccessoryInfo = our key | AccessoryPairingID | the controller's key */
	if (hapc_ed25519_sign(hap_store_ltsk(st), info, info_of(info, pv->pub, aid, pv->peer),
			      sig) < 0 ||
	    derive(pv->shared, HAPC_KEY_LEN, "Pair-Verify-Encrypt-Salt",
		   "Pair-Verify-Encrypt-Info", key) < 0)
		goto out;
	w = wr_init(sub, sizeof(sub));
	tlv8_put(&w, TLV8_IDENTIFIER, aid, idl);
	tlv8_put(&w, TLV8_SIGNATURE, sig, sizeof(sig));
	tlv8_put_u8(resp, TLV8_STATE, 2);
	tlv8_put(resp, TLV8_PUBLIC_KEY, pv->pub, HAPC_KEY_LEN);
	r = seal_sub(resp, key, "PV-Msg02", sub, wr_len(&w));
	if (r == 0)
		pv->step = 2;
out:
	OPENSSL_cleanse(key, sizeof(key));
	return r;
}

static int verify_m3(struct pair_verify *pv, struct hap_store *st, const uint8_t *req,
		     size_t len, struct wr *resp, struct pair_result *res)
{
	uint8_t key[HAPC_KEY_LEN], sub[SUB_MAX], sig[HAPC_SIG_LEN];
	uint8_t info[HAPC_KEY_LEN + HAP_PAIRING_ID_MAX + HAPC_KEY_LEN];
	char id[HAP_PAIRING_ID_MAX + 1];
	const struct hap_pairing *p;
	ssize_t n;
	int r = 0;

	if (derive(pv->shared, HAPC_KEY_LEN, "Pair-Verify-Encrypt-Salt",
		   "Pair-Verify-Encrypt-Info", key) < 0)
		return -EIO;
	n = open_sub(req, len, key, "PV-Msg03", sub);
	OPENSSL_cleanse(key, sizeof(key));
	if (n < 0 || get_id(sub, (size_t)n, id) < 0 ||
	    tlv8_get(sub, (size_t)n, TLV8_SIGNATURE, sig, sizeof(sig)) != HAPC_SIG_LEN) {
		res->log = "HomeKit pair-verify: the controller's M3 did not decrypt";
		goto fail;
	}
	p = hap_store_find(st, id);
	if (!p) {
		res->log = "HomeKit pair-verify: a controller that is not paired";
		goto fail;
	}
	/* iOSDeviceInfo = the controller's key | iOSDevicePairingID | our key */
	if (hapc_ed25519_verify(p->ltpk, info, info_of(info, pv->peer, id, pv->pub), sig) < 0) {
		res->log = "HomeKit pair-verify: the controller's signature is wrong";
		goto fail;
	}
	memcpy(pv->controller, id, strlen(id) + 1);
	pv->step = 4;
	res->verified = true;
	tlv8_put_u8(resp, TLV8_STATE, 4);
	return r;
fail:
	pv->step = 0;
	error_reply(resp, 4, TLV8_ERR_AUTHENTICATION);
	return 0;
}

int pair_verify_handle(struct pair_verify *pv, struct hap_store *st, const uint8_t *req,
		       size_t len, struct wr *resp, struct pair_result *res)
{
	uint8_t state;

	memset(res, 0, sizeof(*res));
	if (tlv8_get_u8(req, len, TLV8_STATE, &state) < 0)
		return -EBADMSG;
	if (state == 1)
		return verify_m1(pv, st, req, len, resp);
	if (state == 3 && pv->step == 2)
		return verify_m3(pv, st, req, len, resp, res);
	error_reply(resp, (uint8_t)(state + 1), TLV8_ERR_UNKNOWN);
	return 0;
}

/* ---- pairings ---- */

int pairings_handle(struct hap_store *st, const char *controller, const uint8_t *req,
		    size_t len, struct wr *resp, struct pair_result *res)
{
	const struct hap_pairing *me = hap_store_find(st, controller);
	uint8_t state, method, ltpk[HAPC_KEY_LEN], perms;
	char id[HAP_PAIRING_ID_MAX + 1];
	int r;

	memset(res, 0, sizeof(*res));
	if (tlv8_get_u8(req, len, TLV8_STATE, &state) < 0 || state != 1 ||
	    tlv8_get_u8(req, len, TLV8_METHOD, &method) < 0)
		return -EBADMSG;
	if (!me || !me->admin) {
		error_reply(resp, 2, TLV8_ERR_AUTHENTICATION);
		res->log = "HomeKit: a pairings request from a controller that is not admin";
		return 0;
	}
	switch (method) {
	case METHOD_ADD:
		if (get_id(req, len, id) < 0 ||
		    tlv8_get(req, len, TLV8_PUBLIC_KEY, ltpk, sizeof(ltpk)) != HAPC_KEY_LEN ||
		    tlv8_get_u8(req, len, TLV8_PERMISSIONS, &perms) < 0)
			return -EBADMSG;
		r = hap_store_pair_add(st, id, ltpk, perms & 1, NULL, 0);
		if (r == -ENOSPC || r == -EEXIST || r < 0) {
			error_reply(resp, 2, r == -ENOSPC ? TLV8_ERR_MAX_PEERS : TLV8_ERR_UNKNOWN);
			return 0;
		}
		res->log = "HomeKit: a controller was added";
		tlv8_put_u8(resp, TLV8_STATE, 2);
		return 0;
	case METHOD_REMOVE:
		if (get_id(req, len, id) < 0)
			return -EBADMSG;
		r = hap_store_pair_remove(st, id, &res->removed_all, NULL, 0);
		if (r < 0) {
			error_reply(resp, 2, TLV8_ERR_UNKNOWN);
			return 0;
		}
		res->removed = true;
		memcpy(res->removed_id, id, strlen(id) + 1);
		res->log = res->removed_all ? "HomeKit: the last admin was removed: every "
					      "pairing is gone"
					    : "HomeKit: a controller was removed";
		tlv8_put_u8(resp, TLV8_STATE, 2);
		return 0;
	case METHOD_LIST:
		tlv8_put_u8(resp, TLV8_STATE, 2);
		for (size_t i = 0; i < hap_store_pairing_count(st); i++) {
			const struct hap_pairing *p = hap_store_pairing(st, i);

			if (i)
				tlv8_put(resp, TLV8_SEPARATOR, NULL, 0);
			tlv8_put(resp, TLV8_IDENTIFIER, p->id, strlen(p->id));
			tlv8_put(resp, TLV8_PUBLIC_KEY, p->ltpk, HAPC_KEY_LEN);
			tlv8_put_u8(resp, TLV8_PERMISSIONS, p->admin ? 1 : 0);
		}
		return 0;
	default:
		error_reply(resp, 2, TLV8_ERR_UNKNOWN);
		return 0;
	}
}
