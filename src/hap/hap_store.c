/* SPDX-License-Identifier: MIT */
/* hap_store.c — see hap_store.h. The file:
 *   {"version":1,"device_id":"XX:..","ltsk":"<64 hex>","setup_id":"7OSX",
 *    "setup_code":"518-08-582","config_number":3,"db_hash":"<64 hex>","next_aid":5,
 *    "aids":{"A4C138AABBCC":2,...},"pairings":[{"id":"...","ltpk":"<64 hex>","admin":true}]}
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "hap/hap_store.h"
#include "hap/setup.h"
#include "util/errbuf.h"
#include "util/hex.h"
#include "util/statefile.h"

#define FORMAT_VERSION 1

struct aid {
	uint8_t mac[6];
	unsigned int aid;
};

struct hap_store {
	char *path;
	char device_id[18];
	uint8_t ltsk[HAPC_KEY_LEN], ltpk[HAPC_KEY_LEN];
	char setup_id[SETUP_ID_LEN + 1];
	char setup_code[SETUP_CODE_LEN + 1];
	unsigned int config_number;
	uint8_t db_hash[HAP_DB_HASH_LEN];
	unsigned int next_aid;
	struct aid *aids;
	size_t n_aids;
	struct hap_pairing pairings[HAP_PAIRINGS_MAX];
	size_t n_pairings;
};

/* ---- identity ---- */

static int new_identity(struct hap_store *s)
{
	uint8_t id[6];

	if (hapc_random(id, sizeof(id)) < 0 || hapc_ed25519_keypair(s->ltsk, s->ltpk) < 0)
		return -EIO;
	hex_mac(id, s->device_id);
	return 0;
}

static bool device_id_valid(const char *id)
{
	uint8_t b[6];

	return strlen(id) == HEX_MAC_LEN - 1 && hex_decode(id, b, sizeof(b)) == 6;
}

static bool pairing_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (!n || n > HAP_PAIRING_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)id[i] < 0x20 || (unsigned char)id[i] > 0x7e)
			return false;
	return true;
}

/* ---- the file ---- */

static void hex_item(cJSON *o, const char *key, const uint8_t *p, size_t n)
{
	char h[2 * 64 + 1];

	hex_encode(p, n, h, 0);
	cJSON_AddStringToObject(o, key, h);
}

static int save(struct hap_store *s, char *err, size_t errlen)
{
	cJSON *o = cJSON_CreateObject(), *aids, *prs;
	char *text = NULL, mac[13];
	int r = -ENOMEM;

	if (!o)
		goto out;
	cJSON_AddNumberToObject(o, "version", FORMAT_VERSION);
	cJSON_AddStringToObject(o, "device_id", s->device_id);
	hex_item(o, "ltsk", s->ltsk, sizeof(s->ltsk));
	cJSON_AddStringToObject(o, "setup_id", s->setup_id);
	cJSON_AddStringToObject(o, "setup_code", s->setup_code);
	cJSON_AddNumberToObject(o, "config_number", s->config_number);
	hex_item(o, "db_hash", s->db_hash, sizeof(s->db_hash));
	cJSON_AddNumberToObject(o, "next_aid", s->next_aid);
	aids = cJSON_AddObjectToObject(o, "aids");
	prs = cJSON_AddArrayToObject(o, "pairings");
	if (!aids || !prs)
		goto out;
	for (size_t i = 0; i < s->n_aids; i++) {
		hex_encode(s->aids[i].mac, 6, mac, 1);
		if (!cJSON_AddNumberToObject(aids, mac, s->aids[i].aid))
			goto out;
	}
	for (size_t i = 0; i < s->n_pairings; i++) {
		cJSON *p = cJSON_CreateObject();

		if (!p || !cJSON_AddItemToArray(prs, p))
			goto out;
		cJSON_AddStringToObject(p, "id", s->pairings[i].id);
		hex_item(p, "ltpk", s->pairings[i].ltpk, HAPC_KEY_LEN);
		cJSON_AddBoolToObject(p, "admin", s->pairings[i].admin);
	}
	text = cJSON_Print(o);
	if (text)
		r = statefile_write(s->path, text, strlen(text), err, errlen);
out:
	if (r == -ENOMEM)
		errbuf_set(err, errlen, "%s: out of memory", s->path);
	if (text) {
		OPENSSL_cleanse(text, strlen(text)); /* it held the long-term secret key */
		free(text);
	}
	cJSON_Delete(o);
	return r;
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(j) ? j->valuestring : NULL;
}

static bool uint_of(const cJSON *o, const char *key, unsigned int max, unsigned int *v)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(j) || j->valuedouble < 0 || j->valuedouble > max ||
	    j->valuedouble != (double)(unsigned int)j->valuedouble)
		return false;
	*v = (unsigned int)j->valuedouble;
	return true;
}

static bool hex_of(const cJSON *o, const char *key, uint8_t *out, size_t n)
{
	const char *h = str_of(o, key);

	return h && strlen(h) == 2 * n && hex_decode(h, out, n) == (int)n;
}

/* Fills @s from the file's JSON; on failure *what names the bad element. */
static int parse(struct hap_store *s, const cJSON *o, const char **what)
{
	const cJSON *aids, *prs, *it;
	const char *v;
	unsigned int n;

	*what = "version";
	if (!uint_of(o, "version", 1000, &n) || n != FORMAT_VERSION)
		return -EINVAL;
	*what = "device_id";
	if (!(v = str_of(o, "device_id")) || !device_id_valid(v))
		return -EINVAL;
	strcpy(s->device_id, v);
	*what = "ltsk";
	if (!hex_of(o, "ltsk", s->ltsk, sizeof(s->ltsk)) ||
	    hapc_ed25519_public(s->ltsk, s->ltpk) < 0)
		return -EINVAL;
	*what = "setup_id";
	if (!(v = str_of(o, "setup_id")) || !setup_id_valid(v))
		return -EINVAL;
	strcpy(s->setup_id, v);
	*what = "setup_code";
	if (!(v = str_of(o, "setup_code")) || !setup_code_valid(v))
		return -EINVAL;
	strcpy(s->setup_code, v);
	*what = "config_number";
	if (!uint_of(o, "config_number", 65535, &s->config_number) || !s->config_number)
		return -EINVAL;
	*what = "db_hash";
	if (!hex_of(o, "db_hash", s->db_hash, sizeof(s->db_hash)))
		return -EINVAL;
	*what = "next_aid";
	if (!uint_of(o, "next_aid", 2 + HAP_AIDS_MAX, &s->next_aid) || s->next_aid < 2)
		return -EINVAL;
	*what = "aids";
	aids = cJSON_GetObjectItemCaseSensitive(o, "aids");
	if (!cJSON_IsObject(aids) || cJSON_GetArraySize(aids) > HAP_AIDS_MAX)
		return -EINVAL;
	s->aids = calloc((size_t)cJSON_GetArraySize(aids) + 1, sizeof(*s->aids));
	if (!s->aids)
		return -ENOMEM;
	cJSON_ArrayForEach(it, aids) {
		struct aid *a = &s->aids[s->n_aids];

		if (!it->string || strlen(it->string) != 12 || hex_decode(it->string, a->mac, 6) != 6 ||
		    !cJSON_IsNumber(it) || it->valuedouble < 2 || it->valuedouble >= s->next_aid ||
		    it->valuedouble != (double)(unsigned int)it->valuedouble)
			return -EINVAL;
		a->aid = (unsigned int)it->valuedouble;
		for (size_t i = 0; i < s->n_aids; i++)
			if (s->aids[i].aid == a->aid || !memcmp(s->aids[i].mac, a->mac, 6))
				return -EINVAL; /* two sensors on one id, or one on two */
		s->n_aids++;
	}
	*what = "pairings";
	prs = cJSON_GetObjectItemCaseSensitive(o, "pairings");
	if (!cJSON_IsArray(prs) || cJSON_GetArraySize(prs) > HAP_PAIRINGS_MAX)
		return -EINVAL;
	cJSON_ArrayForEach(it, prs) {
		struct hap_pairing *p = &s->pairings[s->n_pairings];
		const cJSON *adm = cJSON_GetObjectItemCaseSensitive(it, "admin");

		if (!(v = str_of(it, "id")) || !pairing_id_valid(v) ||
		    !hex_of(it, "ltpk", p->ltpk, HAPC_KEY_LEN) || !cJSON_IsBool(adm))
			return -EINVAL;
		strcpy(p->id, v);
		p->admin = cJSON_IsTrue(adm);
		s->n_pairings++;
	}
	return 0;
}

int hap_store_open(struct hap_store **out, const char *path, const char *setup_code,
		   bool *created, char *err, size_t errlen)
{
	struct hap_store *s;
	char *text = NULL;
	size_t len;
	int r;

	*out = NULL;
	*created = false;
	if (setup_code && !setup_code_valid(setup_code)) {
		errbuf_set(err, errlen, "HomeKit setup code '%s' is not valid: it must be "
			   "eight digits written as 518-08-582, not all the same, not 123-45-678 or 876-54-321",
			   setup_code);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		errbuf_set(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	r = statefile_read(path, HAP_STORE_FILE_MAX, &text, &len, err, errlen);
	if (r == -ENOENT) {
		*created = true;
		s->config_number = 1;
		s->next_aid = 2;
		r = new_identity(s) < 0 || setup_id_generate(s->setup_id) < 0 ||
		    (!setup_code && setup_code_generate(s->setup_code) < 0) ? -EIO : 0;
		if (r < 0)
			errbuf_set(err, errlen, "%s: no random numbers for a new identity", path);
	} else if (r == 0) {
		cJSON *o = cJSON_ParseWithLength(text, len);
		const char *what = "the JSON";

		r = o ? parse(s, o, &what) : -EINVAL;
		if (r < 0)
			errbuf_set(err, errlen, "%s: broken HomeKit state (%s); pairings are kept "
				   "until it is fixed or reset with HomeKitReset", path, what);
		cJSON_Delete(o);
		OPENSSL_cleanse(text, len);
	}
	free(text);
	if (r == 0 && setup_code && strcmp(setup_code, s->setup_code)) {
		strcpy(s->setup_code, setup_code);
		r = 1; /* to be saved */
	}
	if (r == 1 || (r == 0 && *created))
		r = save(s, err, errlen);
	if (r < 0) {
		hap_store_free(s);
		return r;
	}
	*out = s;
	return 0;
}

void hap_store_free(struct hap_store *s)
{
	if (!s)
		return;
	free(s->path);
	free(s->aids);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

const char *hap_store_device_id(const struct hap_store *s)
{
	return s->device_id;
}

const char *hap_store_setup_code(const struct hap_store *s)
{
	return s->setup_code;
}

const char *hap_store_setup_id(const struct hap_store *s)
{
	return s->setup_id;
}

const uint8_t *hap_store_ltsk(const struct hap_store *s)
{
	return s->ltsk;
}

const uint8_t *hap_store_ltpk(const struct hap_store *s)
{
	return s->ltpk;
}

unsigned int hap_store_config_number(const struct hap_store *s)
{
	return s->config_number;
}

int hap_store_note_db(struct hap_store *s, const uint8_t hash[HAP_DB_HASH_LEN], char *err,
		      size_t errlen)
{
	int r;

	if (!memcmp(s->db_hash, hash, HAP_DB_HASH_LEN))
		return 0;
	memcpy(s->db_hash, hash, HAP_DB_HASH_LEN);
	s->config_number = s->config_number >= 65535 ? 1 : s->config_number + 1;
	r = save(s, err, errlen);
	return r < 0 ? r : 1;
}

size_t hap_store_pairing_count(const struct hap_store *s)
{
	return s->n_pairings;
}

const struct hap_pairing *hap_store_pairing(const struct hap_store *s, size_t i)
{
	return i < s->n_pairings ? &s->pairings[i] : NULL;
}

const struct hap_pairing *hap_store_find(const struct hap_store *s, const char *id)
{
	for (size_t i = 0; i < s->n_pairings; i++)
		if (!strcmp(s->pairings[i].id, id))
			return &s->pairings[i];
	return NULL;
}

bool hap_store_paired(const struct hap_store *s)
{
	return s->n_pairings > 0;
}

int hap_store_pair_add(struct hap_store *s, const char *id, const uint8_t ltpk[HAPC_KEY_LEN],
		       bool admin, char *err, size_t errlen)
{
	struct hap_pairing *p = (struct hap_pairing *)hap_store_find(s, id);

	if (!pairing_id_valid(id))
		return -EINVAL;
	if (p) {
		if (CRYPTO_memcmp(p->ltpk, ltpk, HAPC_KEY_LEN))
			return -EEXIST;
		if (p->admin == admin)
			return 0;
		p->admin = admin;
		return save(s, err, errlen);
	}
	if (s->n_pairings == HAP_PAIRINGS_MAX)
		return -ENOSPC;
	p = &s->pairings[s->n_pairings++];
	strcpy(p->id, id);
	memcpy(p->ltpk, ltpk, HAPC_KEY_LEN);
	p->admin = admin;
	return save(s, err, errlen);
}

int hap_store_pair_remove(struct hap_store *s, const char *id, bool *all, char *err,
			  size_t errlen)
{
	const struct hap_pairing *p = hap_store_find(s, id);
	bool admin_left = false;

	*all = false;
	if (!p)
		return 0;
	size_t i = (size_t)(p - s->pairings);

	memmove(&s->pairings[i], &s->pairings[i + 1],
		(s->n_pairings - i - 1) * sizeof(s->pairings[0]));
	s->n_pairings--;
	for (i = 0; i < s->n_pairings; i++)
		admin_left = admin_left || s->pairings[i].admin;
	if (!admin_left && s->n_pairings) {
		s->n_pairings = 0;
		*all = true;
	}
	memset(&s->pairings[s->n_pairings], 0,
	       (HAP_PAIRINGS_MAX - s->n_pairings) * sizeof(s->pairings[0]));
	return save(s, err, errlen);
}

int hap_store_reset(struct hap_store *s, char *err, size_t errlen)
{
	memset(s->pairings, 0, sizeof(s->pairings));
	s->n_pairings = 0;
	if (new_identity(s) < 0) {
		errbuf_set(err, errlen, "%s: no random numbers for a new identity", s->path);
		return -EIO;
	}
	/* a new accessory to every controller: its database is new too */
	s->config_number = 1;
	return save(s, err, errlen);
}

unsigned int hap_store_aid(struct hap_store *s, const uint8_t mac[6], char *err,
			   size_t errlen)
{
	struct aid *a;

	for (size_t i = 0; i < s->n_aids; i++)
		if (!memcmp(s->aids[i].mac, mac, 6))
			return s->aids[i].aid;
	if (s->n_aids == HAP_AIDS_MAX) {
		errbuf_set(err, errlen, "%s: %d accessory ids used up", s->path, HAP_AIDS_MAX);
		return 0;
	}
	a = realloc(s->aids, (s->n_aids + 1) * sizeof(*s->aids));
	if (!a) {
		errbuf_set(err, errlen, "%s: out of memory", s->path);
		return 0;
	}
	s->aids = a;
	memcpy(a[s->n_aids].mac, mac, 6);
	a[s->n_aids].aid = s->next_aid++;
	s->n_aids++;
	if (save(s, err, errlen) < 0)
		return 0;
	return a[s->n_aids - 1].aid;
}
