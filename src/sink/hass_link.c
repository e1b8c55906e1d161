/* SPDX-License-Identifier: MIT */
/* hass_link.c — the Home Assistant sink between nodes: this node's link to each sensor
 * (smoothed RSSI, online), the other nodes' links and LWTs read back from the broker, and the
 * consensus every node computes from them alike: a sensor is available while any live node
 * hears it, and its best node changes only past a hysteresis margin. Also the knob position
 * and the MQTT messages the sink subscribes to. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "store/sensor.h"
#include "store/store.h"
#include "util/jw.h"
#include "sink/hass.h"
#include "sink/mqtt.h"
#include "sink/hass_int.h"
#include "util/clock.h"

/* ---- small helpers ----------------------------------------------------------------------- */

uint64_t hass__mono_us(void)
{
	return clock_mono_us();
}

int hass__pub(struct hass *h, const char *topic, const char *payload, bool retain)
{
	return mqtt_sink_publish(h->mqtt, topic, payload, strlen(payload), retain);
}

int hass__parse_mac(const char *s, size_t len, uint8_t mac[6])
{
	if (len != 12)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		unsigned int v;
		char b[3] = { s[2 * i], s[2 * i + 1], 0 };
		char *end;

		v = (unsigned int)strtoul(b, &end, 16);
		if (*end || !((b[0] >= '0' && b[0] <= '9') || (b[0] >= 'a' && b[0] <= 'f')) ||
		    !((b[1] >= '0' && b[1] <= '9') || (b[1] >= 'a' && b[1] <= 'f')))
			return -EINVAL;
		mac[i] = (uint8_t)v;
	}
	return 0;
}

/* Split "tele/<node>/<mac>/<leaf>" or "tele/<node>/<leaf>". Returns the number of levels
 * after "tele" (2 or 3) with @node, @mac (3 only) filled; 0 if the shape differs. */
static int split_tele(const char *topic, char node[NODE_MAX], uint8_t mac[6], const char **leaf)
{
	const char *p, *a, *b;

	if (strncmp(topic, "tele/", 5))
		return 0;
	p = topic + 5;
	a = strchr(p, '/');
	if (!a || a == p || (size_t)(a - p) >= NODE_MAX)
		return 0;
	memcpy(node, p, (size_t)(a - p));
	node[a - p] = '\0';
	b = strchr(a + 1, '/');
	if (!b) {
		*leaf = a + 1;
		return 2;
	}
	if (strchr(b + 1, '/') || hass__parse_mac(a + 1, (size_t)(b - a - 1), mac) < 0)
		return 0;
	*leaf = b + 1;
	return 3;
}

static bool is_self(struct hass *h, const char *node)
{
	return strcmp(node, h->ctx.node) == 0;
}

struct node *hass__node_get(struct hass *h, const char *name, bool create)
{
	struct node *n;

	for (size_t i = 0; i < h->n_nodes; i++)
		if (strcmp(h->nodes[i].name, name) == 0)
			return &h->nodes[i];
	if (!create)
		return NULL;
	n = realloc(h->nodes, (h->n_nodes + 1) * sizeof(*n));
	if (!n)
		return NULL;
	h->nodes = n;
	n = &h->nodes[h->n_nodes++];
	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->alive = true; /* a node that publishes is up until its LWT says otherwise */
	return n;
}

static bool node_alive(struct hass *h, const char *name)
{
	struct node *n = hass__node_get(h, name, false);

	return !n || n->alive;
}

struct hs *hass__hs_get(struct hass *h, unsigned int slot)
{
	if (slot >= h->n_hs) {
		size_t n = slot + 16;
		struct hs *p = realloc(h->hs, n * sizeof(*p));

		if (!p)
			return NULL;
		for (size_t i = h->n_hs; i < n; i++) {
			memset(&p[i], 0, sizeof(p[i]));
			p[i].avail = -1;
		}
		h->hs = p;
		h->n_hs = n;
	}
	return &h->hs[slot];
}

bool hass__in_list(uint8_t (*l)[6], size_t n, const uint8_t mac[6])
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(l[i], mac, 6) == 0)
			return true;
	return false;
}

/* ---- links, consensus ----------------------------------------------------------------- */

void hass__mac_topic(struct hass *h, const char *node, const uint8_t mac[6], const char *leaf,
		      char t[HASS_TOPIC_MAX])
{
	char id[13];

	hass_mac_id(mac, id);
	snprintf(t, HASS_TOPIC_MAX, "tele/%s/%s/%s", node ? node : h->ctx.node, id, leaf);
}

/* Decide availability and the best node of @s from this node's published link and the
 * live other nodes' links, and publish what changed. @self_gone: leave this node out (it
 * is stopping). All nodes see the same retained links, so they agree. */
void hass__consensus(struct hass *h, const struct sensor *s, bool self_gone)
{
	struct hs *x = hass__hs_get(h, sensor_slot(s));
	const uint8_t *mac = sensor_mac(s);
	const char *best = NULL;
	float best_rssi = -1000, cur_rssi = -1000;
	bool online = false, cur_ok = false;
	char t[HASS_TOPIC_MAX], buf[2048];
	struct jw w;
	uint32_t hash = 2166136261u;

	if (!x)
		return;
	jw_init(&w, buf, sizeof(buf));
	jw_obj_begin(&w);
	/* the candidates: this node first, then the others */
	for (size_t i = 0; i <= h->n_rem; i++) {
		const char *node;
		bool on, has;
		float rssi;

		if (i == 0) {
			if (self_gone || !x->pub_done)
				continue;
			node = h->ctx.node;
			on = x->pub_online;
			has = x->pub_has;
			rssi = x->pub_rssi;
		} else {
			struct remote *r = &h->rem[i - 1];

			if (memcmp(r->mac, mac, 6) || !node_alive(h, r->node))
				continue;
			node = r->node;
			on = r->online;
			has = r->has_rssi;
			rssi = r->rssi;
		}
		online |= on;
		if (!on || !has)
			continue;
		if (!best || rssi > best_rssi) {
			best = node;
			best_rssi = rssi;
		}
		if (strcmp(node, x->best) == 0) {
			cur_ok = true;
			cur_rssi = rssi;
		}
	}
	/* hysteresis: the best so far stays until another is HYSTERESIS_DB louder */
	if (cur_ok && best && best_rssi - cur_rssi < HYSTERESIS_DB) {
		best = x->best;
		best_rssi = cur_rssi;
	}
	/* presence: {"best":"node","rssi":{"node":-60.5,...}} */
	jw_key(&w, "best");
	if (best)
		jw_str(&w, best);
	else
		jw_null(&w);
	jw_key(&w, "rssi");
	jw_obj_begin(&w);
	for (size_t i = 0; i <= h->n_rem; i++) {
		if (i == 0) {
			if (!self_gone && x->pub_done && x->pub_online && x->pub_has) {
				jw_key(&w, h->ctx.node);
				jw_double(&w, x->pub_rssi, 0);
			}
			continue;
		}
		if (memcmp(h->rem[i - 1].mac, mac, 6) || !node_alive(h, h->rem[i - 1].node) ||
		    !h->rem[i - 1].online || !h->rem[i - 1].has_rssi)
			continue;
		jw_key(&w, h->rem[i - 1].node);
		jw_double(&w, h->rem[i - 1].rssi, 0);
	}
	jw_obj_end(&w);
	jw_obj_end(&w);
	if (jw_finish(&w) < 0)
		return;
	if (best)
		memmove(x->best, best, strlen(best) + 1);
	else
		x->best[0] = '\0';
	for (const char *p = buf; *p; p++)
		hash = (hash ^ (uint8_t)*p) * 16777619u;
	if (hash != x->presence_hash) {
		x->presence_hash = hash;
		hass__mac_topic(h, NULL, mac, "presence", t);
		hass__pub(h, t, buf, true);
	}
	if (x->avail != (int)online) {
		x->avail = online;
		hass__mac_topic(h, NULL, mac, "availability", t);
		hass__pub(h, t, online ? "online" : "offline", true);
	}
}

/* This node's link to @s, as the others see it: {"rssi":-71.5,"online":true}. */
void hass__publish_link(struct hass *h, const struct sensor *s, bool force)
{
	struct hs *x = hass__hs_get(h, sensor_slot(s));
	uint64_t now = sink_now(&h->clock);
	char t[HASS_TOPIC_MAX], buf[64];
	struct jw w;

	if (!x)
		return;
	if (!force && x->pub_done && x->pub_online == x->online && x->pub_has == x->has_rssi &&
	    (!x->has_rssi || fabsf(x->rssi - x->pub_rssi) < RSSI_STEP_DB ||
	     now - x->pub_us < RSSI_MIN_GAP_US))
		return;
	x->pub_done = true;
	x->pub_online = x->online;
	x->pub_has = x->has_rssi;
	/* as the others will read it back (one decimal): every node decides on equal numbers */
	x->pub_rssi = roundf(x->rssi * 10.0f) / 10.0f;
	x->pub_us = now;
	jw_init(&w, buf, sizeof(buf));
	jw_obj_begin(&w);
	jw_key(&w, "rssi");
	if (x->has_rssi)
		jw_double(&w, x->pub_rssi, 1);
	else
		jw_null(&w);
	jw_key(&w, "online");
	jw_bool(&w, x->online);
	jw_obj_end(&w);
	if (jw_finish(&w) < 0)
		return;
	hass__mac_topic(h, NULL, sensor_mac(s), "rssi", t);
	hass__pub(h, t, buf, true);
	hass__consensus(h, s, false);
}

void hass__publish_knob(struct hass *h, const struct sensor *s)
{
	struct hs *x = hass__hs_get(h, sensor_slot(s));
	char t[HASS_TOPIC_MAX], v[16];

	if (!x || !x->knob_known)
		return;
	snprintf(v, sizeof(v), "%d", x->knob);
	hass__mac_topic(h, NULL, sensor_mac(s), "knob", t);
	hass__pub(h, t, v, true);
}

/* The timeout after which this node stops vouching for @s. 0 = never. */
static size_t parse_inventory(const char *payload, size_t len, uint8_t (**out)[6])
{
	cJSON *j = cJSON_ParseWithLength(payload, len), *arr, *it;
	size_t n = 0, cap;

	*out = NULL;
	arr = cJSON_GetObjectItemCaseSensitive(j, "sensors");
	cap = (size_t)cJSON_GetArraySize(arr);
	if (cap && (*out = calloc(cap, 6)))
		cJSON_ArrayForEach(it, arr)
			if (cJSON_IsString(it) && hass__parse_mac(it->valuestring,
							    strlen(it->valuestring), (*out)[n]) == 0)
				n++;
	cJSON_Delete(j);
	return n;
}

/* ---- MQTT messages ---------------------------------------------------------------------- */

static void node_gone(struct hass *h, const char *name)
{
	struct store *st = h->store;
	char t[HASS_TOPIC_MAX];

	/* its retained consensus may name it best or say online; no one else will fix it */
	for (size_t i = 0; i < h->n_rem; i++) {
		if (strcmp(h->rem[i].node, name))
			continue;
		hass__mac_topic(h, name, h->rem[i].mac, "availability", t);
		hass__pub(h, t, "", true);
		hass__mac_topic(h, name, h->rem[i].mac, "presence", t);
		hass__pub(h, t, "", true);
	}
	for (unsigned int i = 0; i < store_sensor_count(st); i++) {
		struct hs *x = hass__hs_get(h, i);

		if (x)
			x->presence_hash = 0; /* say it again: HA may have read the cleared one */
		if (x && x->avail >= 0)
			x->avail = -1;
		hass__consensus(h, store_sensor(st, i), false);
	}
}

void hass__on_message(void *ud, const char *topic, const char *payload, size_t len)
{
	struct hass *h = ud;
	char node[NODE_MAX], pl[32];
	const char *leaf;
	uint8_t mac[6];
	int lv;

	if (h->stopping)
		return;
	snprintf(pl, sizeof(pl), "%.*s", (int)(len < sizeof(pl) - 1 ? len : sizeof(pl) - 1),
		 payload);
	if (strncmp(topic, h->ctx.prefix, strlen(h->ctx.prefix)) == 0 &&
	    strcmp(topic + strlen(h->ctx.prefix), "/status") == 0) {
		/* Home Assistant's birth: it may have lost every retained config */
		if (strcmp(pl, "online") == 0 && h->connected &&
		    hass__mono_us() - h->announced_mono > 1000000u)
			hass__announce_all(h);
		return;
	}
	if (strncmp(topic, "mi32/", 5) == 0) { /* mi32/<mac>/knob/set */
		int slot;

		if (hass__parse_mac(topic + 5, 12, mac) < 0 || strcmp(topic + 17, "/knob/set"))
			return;
		slot = store_find(h->store, mac);
		if (slot >= 0 && hass__hs_get(h, (unsigned int)slot)) {
			struct hs *x = &h->hs[slot];
			int v = atoi(pl);

			x->knob = v < 0 ? 0 : v > 100 ? 100 : v;
			x->knob_known = true;
			hass__publish_knob(h, store_sensor(h->store, (unsigned int)slot));
		}
		return;
	}
	lv = split_tele(topic, node, mac, &leaf);
	if (lv == 2 && strcmp(leaf, "LWT") == 0) {
		struct node *n;

		if (is_self(h, node))
			return; /* the sink's on-connect hook tells us more reliably */
		n = hass__node_get(h, node, true);
		if (!n)
			return;
		if (strcmp(pl, "Offline") == 0 && n->alive) {
			n->alive = false;
			node_gone(h, node);
		} else if (strcmp(pl, "Online") == 0 && !n->alive) {
			n->alive = true;
		}
		return;
	}
	if (lv == 2 && strcmp(leaf, "HASS") == 0) {
		uint8_t (*inv)[6];
		size_t n = parse_inventory(payload, len, &inv);

		if (is_self(h, node)) {
			hass__set_old_inventory(h, inv, n);
		} else {
			struct node *nd = hass__node_get(h, node, true);

			if (!nd) {
				free(inv);
				return;
			}
			free(nd->inv);
			nd->inv = inv;
			nd->n_inv = n;
		}
		return;
	}
	if (lv != 3)
		return;
	if (strcmp(leaf, "rssi") == 0 && !is_self(h, node)) {
		cJSON *j = len ? cJSON_ParseWithLength(payload, len) : NULL;
		cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "rssi");
		struct remote *e = NULL;
		int slot;

		for (size_t i = 0; i < h->n_rem; i++)
			if (!memcmp(h->rem[i].mac, mac, 6) && !strcmp(h->rem[i].node, node))
				e = &h->rem[i];
		if (!e) {
			struct remote *p = realloc(h->rem, (h->n_rem + 1) * sizeof(*p));

			if (!p) {
				cJSON_Delete(j);
				return;
			}
			h->rem = p;
			e = &h->rem[h->n_rem++];
			memset(e, 0, sizeof(*e));
			memcpy(e->mac, mac, 6);
			snprintf(e->node, sizeof(e->node), "%s", node);
		}
		e->online = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "online"));
		e->has_rssi = cJSON_IsNumber(r);
		e->rssi = e->has_rssi ? (float)r->valuedouble : 0;
		cJSON_Delete(j);
		hass__node_get(h, node, true);
		slot = store_find(h->store, mac);
		if (slot >= 0 && h->connected)
			hass__consensus(h, store_sensor(h->store, (unsigned int)slot), false);
		return;
	}
	if (strcmp(leaf, "knob") == 0 && len) {
		int slot = store_find(h->store, mac);
		struct hs *x = slot >= 0 ? hass__hs_get(h, (unsigned int)slot) : NULL;

		if (!x)
			return;
		/* our own retained value restores the position after a restart; another node's
		 * is adopted unless it is the echo of a turn we counted ourselves */
		if (is_self(h, node) ? !x->knob_known
				     : hass__mono_us() - x->knob_local_mono > KNOB_ECHO_US) {
			x->knob = atoi(pl);
			x->knob_known = true;
		}
	}
}

