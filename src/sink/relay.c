/* SPDX-License-Identifier: MIT */
/* relay.c — the raw-advert JSON codec, the dedupe window and the per-node RSSI table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sink/relay.h"
#include "util/hex.h"

#define RELAY_NODES_MAX 32
#define PROBE 8 /* slots looked at per lookup in both hash tables */

struct seen {
	uint64_t hash; /* 0 = empty */
	uint64_t t_us;
};

struct rssi_entry {
	uint8_t mac[6];
	uint8_t node;  /* index in nodes[] */
	bool used;
	int8_t rssi;
	uint64_t t_us;
};

struct relay {
	struct seen *win;
	unsigned int win_n;
	struct rssi_entry *ent;   /* in first-heard order */
	unsigned int ent_n, ent_cap;
	uint32_t *idx;            /* hash index into ent[]: entry + 1, 0 = empty */
	unsigned int idx_n;
	char nodes[RELAY_NODES_MAX][RELAY_NODE_MAX];
	unsigned int n_nodes;
};

/* FNV-1a, 64 bit: cheap and good enough to key frames of at most 261 bytes */
static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

int relay_encode(const struct adv *adv, const char *node, char *out, size_t size)
{
	char mac[13];
	struct jw w;

	hex_encode(adv->addr, 6, mac, 1);
	jw_init(&w, out, size);
	jw_obj_begin(&w);
	jw_key(&w, "Node");
	jw_str(&w, node ? node : "");
	jw_key(&w, "MAC");
	jw_str(&w, mac);
	jw_key(&w, "AddrType");
	jw_uint(&w, adv->addr_type);
	jw_key(&w, "RSSI");
	jw_int(&w, adv->rssi);
	jw_key(&w, "Evt");
	jw_uint(&w, adv->evt_type);
	jw_key(&w, "Time");
	jw_uint(&w, adv->time_us / 1000u);
	jw_key(&w, "AD");
	jw_hex(&w, adv->data, adv->len, true);
	jw_obj_end(&w);
	return jw_finish(&w);
}

/* An integer member within [lo, hi], or @def when absent. -EBADMSG when of the wrong type. */
static int get_int(const cJSON *o, const char *key, double lo, double hi, double def,
		   double *out)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!j) {
		*out = def;
		return 0;
	}
	if (!cJSON_IsNumber(j) || j->valuedouble < lo || j->valuedouble > hi ||
	    j->valuedouble != (double)(long long)j->valuedouble)
		return -EBADMSG;
	*out = j->valuedouble;
	return 0;
}

int relay_decode(const char *json, size_t len, struct adv *adv, char node[RELAY_NODE_MAX])
{
	const cJSON *mac, *ad, *nd;
	uint8_t a[6];
	double at, rssi, evt, t;
	cJSON *root;
	int r = -EBADMSG, n;

	memset(adv, 0, sizeof(*adv));
	node[0] = '\0';
	root = cJSON_ParseWithLength(json, len);
	if (!root)
		return -EBADMSG; /* cJSON does not tell ENOMEM apart */
	if (!cJSON_IsObject(root))
		goto out;
	mac = cJSON_GetObjectItemCaseSensitive(root, "MAC");
	ad = cJSON_GetObjectItemCaseSensitive(root, "AD");
	nd = cJSON_GetObjectItemCaseSensitive(root, "Node");
	if (!cJSON_IsString(mac) || !cJSON_IsString(ad) || (nd && !cJSON_IsString(nd)))
		goto out;
	if (strlen(mac->valuestring) != 12 || hex_decode(mac->valuestring, a, 6) != 6)
		goto out;
	n = hex_decode(ad->valuestring, adv->data, ADV_DATA_MAX);
	if (n < 0)
		goto out;
	if (get_int(root, "AddrType", 0, 3, 0, &at) < 0 ||
	    get_int(root, "RSSI", -128, 127, ADV_RSSI_NONE, &rssi) < 0 ||
	    get_int(root, "Evt", 0, 255, 0, &evt) < 0 ||
	    get_int(root, "Time", 0, 9007199254740.0, 0, &t) < 0)
		goto out;
	if (nd) {
		size_t l = strlen(nd->valuestring);

		if (l >= RELAY_NODE_MAX)
			goto out;
		memcpy(node, nd->valuestring, l + 1);
	}
	memcpy(adv->addr, a, 6);
	adv->addr_type = (uint8_t)at;
	adv->rssi = (int8_t)rssi;
	adv->evt_type = (uint8_t)evt;
	adv->len = (uint8_t)n;
	adv->time_us = (uint64_t)t * 1000u;
	r = 0;
out:
	cJSON_Delete(root);
	if (r < 0) {
		memset(adv, 0, sizeof(*adv));
		node[0] = '\0';
	}
	return r;
}

static unsigned int pow2(unsigned int n)
{
	unsigned int p = 16;

	while (p < n && p < (1u << 30))
		p <<= 1;
	return p;
}

struct relay *relay_new(unsigned int window_slots, unsigned int rssi_slots)
{
	struct relay *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->win_n = pow2(window_slots);
	r->ent_cap = rssi_slots ? rssi_slots : 1;
	r->idx_n = pow2(r->ent_cap * 2);
	r->win = calloc(r->win_n, sizeof(*r->win));
	r->ent = calloc(r->ent_cap, sizeof(*r->ent));
	r->idx = calloc(r->idx_n, sizeof(*r->idx));
	if (!r->win || !r->ent || !r->idx) {
		relay_free(r);
		return NULL;
	}
	return r;
}

void relay_free(struct relay *r)
{
	if (!r)
		return;
	free(r->win);
	free(r->ent);
	free(r->idx);
	free(r);
}

bool relay_seen(struct relay *r, const struct adv *adv, uint64_t now_us)
{
	uint64_t h = fnv(0xcbf29ce484222325ull, adv->addr, 6);
	unsigned int i, victim;
	uint64_t oldest = UINT64_MAX;

	h = fnv(h, adv->data, adv->len);
	if (!h)
		h = 1;
	i = (unsigned int)h & (r->win_n - 1);
	victim = i;
	for (unsigned int k = 0; k < PROBE; k++) {
		struct seen *s = &r->win[(i + k) & (r->win_n - 1)];
		bool fresh = s->hash && now_us - s->t_us < RELAY_WINDOW_US &&
			     now_us >= s->t_us;

		if (s->hash == h && fresh) {
			/* keep the first sighting's time: a frame repeated forever is
			 * let through again every window */
			return true;
		}
		if (!fresh) {
			victim = (i + k) & (r->win_n - 1);
			oldest = 0;
			break;
		}
		if (s->t_us < oldest) {
			oldest = s->t_us;
			victim = (i + k) & (r->win_n - 1);
		}
	}
	r->win[victim].hash = h;
	r->win[victim].t_us = now_us;
	return false;
}

static int node_index(struct relay *r, const char *node, bool add)
{
	for (unsigned int i = 0; i < r->n_nodes; i++)
		if (strcmp(r->nodes[i], node) == 0)
			return (int)i;
	if (!add)
		return -ENOENT;
	if (r->n_nodes == RELAY_NODES_MAX || strlen(node) >= RELAY_NODE_MAX)
		return -ENOSPC;
	strcpy(r->nodes[r->n_nodes], node);
	return (int)r->n_nodes++;
}

static uint32_t *find_slot(const struct relay *r, int node, const uint8_t mac[6])
{
	uint8_t key[7];
	unsigned int i;

	memcpy(key, mac, 6);
	key[6] = (uint8_t)node;
	i = (unsigned int)fnv(0xcbf29ce484222325ull, key, 7) & (r->idx_n - 1);
	/* the index is twice the entries and never deleted from: a free slot always ends
	 * the probe sequence */
	for (;; i = (i + 1) & (r->idx_n - 1)) {
		uint32_t e = r->idx[i];

		if (!e)
			return &r->idx[i];
		if (r->ent[e - 1].node == node && memcmp(r->ent[e - 1].mac, mac, 6) == 0)
			return &r->idx[i];
	}
}

int relay_note_rssi(struct relay *r, const char *node, const uint8_t mac[6], int8_t rssi,
		    uint64_t now_us)
{
	struct rssi_entry *e;
	uint32_t *slot;
	int n;

	if (!node || !*node)
		return -EINVAL;
	n = node_index(r, node, true);
	if (n < 0)
		return n;
	slot = find_slot(r, n, mac);
	if (!*slot) {
		if (r->ent_n == r->ent_cap)
			return -ENOSPC;
		e = &r->ent[r->ent_n++];
		memcpy(e->mac, mac, 6);
		e->node = (uint8_t)n;
		e->used = true;
		*slot = r->ent_n;
	}
	e = &r->ent[*slot - 1];
	e->rssi = rssi;
	e->t_us = now_us;
	return 0;
}

int relay_rssi(const struct relay *r, const char *node, const uint8_t mac[6])
{
	int n = node_index((struct relay *)r, node, false);
	const uint32_t *slot;

	if (n < 0)
		return ADV_RSSI_NONE;
	slot = find_slot(r, n, mac);
	return *slot ? r->ent[*slot - 1].rssi : ADV_RSSI_NONE;
}

void relay_write_rssi(const struct relay *r, struct jw *w)
{
	for (unsigned int n = 0; n < r->n_nodes; n++) {
		jw_key(w, r->nodes[n]);
		jw_obj_begin(w);
		for (unsigned int i = 0; i < r->ent_n; i++) {
			char mac[13];

			if (r->ent[i].node != n)
				continue;
			hex_encode(r->ent[i].mac, 6, mac, 1);
			jw_key(w, mac);
			jw_int(w, r->ent[i].rssi);
		}
		jw_obj_end(w);
	}
}
