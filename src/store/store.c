/* SPDX-License-Identifier: MIT */
/* store.c — the sensor list: slots, MAC lookup, adding sensors (SPEC §2.3 step 3, option 3,
 * max_auto), keys, names, options, counters, event subscriptions, the 1 s tick. The
 * per-advert path is ingest.c, naming and accessors sensor.c, the 24 h history history.c,
 * SENSOR JSON report.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define US_PER_S 1000000ull

/* ---- MAC hash (open addressing, linear probing; sensors are never removed) ---- */

static uint64_t mac_u64(const uint8_t m[6])
{
	return (uint64_t)m[0] << 40 | (uint64_t)m[1] << 32 | (uint64_t)m[2] << 24 |
	       (uint64_t)m[3] << 16 | (uint64_t)m[4] << 8 | m[5];
}

unsigned int store__mac_hash(const uint8_t m[6])
{
	uint64_t x = mac_u64(m) * 0x9E3779B97F4A7C15ull;

	return (unsigned int)(x >> 32);
}

int store__ht_find(const struct store *s, const uint8_t mac[6])
{
	unsigned int i = store__mac_hash(mac) & s->ht_mask;

	while (s->ht[i]) {
		const struct sensor *se = s->slots[s->ht[i] - 1];

		if (memcmp(se->mac, mac, 6) == 0)
			return (int)s->ht[i] - 1;
		i = (i + 1) & s->ht_mask;
	}
	return -1;
}

static void ht_put(uint32_t *ht, unsigned int mask, const uint8_t mac[6], unsigned int slot)
{
	unsigned int i = store__mac_hash(mac) & mask;

	while (ht[i])
		i = (i + 1) & mask;
	ht[i] = slot + 1;
}

/* Keep the table at most half full. */
static int ht_reserve(struct store *s, unsigned int n)
{
	unsigned int size = s->ht_mask + 1;
	uint32_t *ht;

	if (2 * n <= size)
		return 0;
	while (2 * n > size)
		size *= 2;
	ht = calloc(size, sizeof(*ht));
	if (!ht)
		return -ENOMEM;
	for (unsigned int i = 0; i < s->n; i++)
		ht_put(ht, size - 1, s->slots[i]->mac, i);
	free(s->ht);
	s->ht = ht;
	s->ht_mask = size - 1;
	return 0;
}

/* ---- events ---- */

static void subs_compact(struct store *s)
{
	unsigned int j = 0;

	for (unsigned int i = 0; i < s->n_subs; i++)
		if (s->subs[i].cb)
			s->subs[j++] = s->subs[i];
	s->n_subs = j;
	s->dirty_subs = false;
}

static void destroy(struct store *s)
{
	for (unsigned int i = 0; i < s->n_subs; i++) {
		struct store__sub sub = s->subs[i];

		s->subs[i].cb = NULL;
		if (sub.cb && sub.destroy)
			sub.destroy(sub.user_data);
	}
	for (unsigned int i = 0; i < s->n; i++) {
		aes_key_clear(&s->slots[i]->key);
		free(s->slots[i]);
	}
	free(s->slots);
	free(s->ht);
	free(s->irk);
	free(s->subs);
	free(s);
}

/* Deliver @ev. Returns false when the store was freed by a callback: the caller must
 * return at once without touching it. Subscriptions added during the dispatch do not get
 * this event; removed ones are skipped and compacted when the outermost dispatch ends. */
bool store__emit(struct store *s, struct store_event *ev)
{
	unsigned int n = s->n_subs;

	s->depth++;
	for (unsigned int i = 0; i < n && !s->dying; i++) {
		store_event_fn cb = s->subs[i].cb;
		void *ud = s->subs[i].user_data;

		if (!cb || !(s->subs[i].mask & ev->kind))
			continue;
		cb(ev, ud);
	}
	s->depth--;
	if (s->depth == 0) {
		if (s->dying) {
			destroy(s);
			return false;
		}
		if (s->dirty_subs)
			subs_compact(s);
	}
	return !s->dying;
}

void store__event_init(struct store_event *ev, unsigned int kind, const struct sensor *se,
		       uint64_t now_us)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->slot = se->slot;
	ev->sensor = se;
	ev->time_us = now_us;
}

static bool emit_simple(struct store *s, unsigned int kind, struct sensor *se, uint64_t now_us)
{
	struct store_event ev;

	store__event_init(&ev, kind, se, now_us);
	return store__emit(s, &ev);
}

unsigned int store_subscribe(struct store *s, uint32_t mask, store_event_fn cb, void *user_data,
			     void (*destroy_fn)(void *user_data))
{
	struct store__sub *sub;

	if (!s || !cb || !mask || s->dying)
		return 0;
	if (s->n_subs == s->cap_subs) {
		unsigned int cap = s->cap_subs ? 2 * s->cap_subs : 4;
		struct store__sub *p = realloc(s->subs, cap * sizeof(*p));

		if (!p)
			return 0;
		s->subs = p;
		s->cap_subs = cap;
	}
	if (++s->next_id == 0)
		s->next_id = 1;
	sub = &s->subs[s->n_subs++];
	sub->id = s->next_id;
	sub->mask = mask;
	sub->cb = cb;
	sub->user_data = user_data;
	sub->destroy = destroy_fn;
	return sub->id;
}

bool store_unsubscribe(struct store *s, unsigned int id)
{
	if (!s || !id)
		return false;
	for (unsigned int i = 0; i < s->n_subs; i++) {
		struct store__sub sub = s->subs[i];

		if (sub.id != id || !sub.cb)
			continue;
		s->subs[i].cb = NULL;
		if (s->depth)
			s->dirty_subs = true;
		else
			subs_compact(s);
		if (sub.destroy)
			sub.destroy(sub.user_data);
		return true;
	}
	return false;
}

/* ---- life cycle, slots ---- */

struct store *store_new(const struct store_config *cfg)
{
	static const struct store_config def = STORE_CONFIG_DEFAULT;
	struct store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cfg = cfg ? *cfg : def;
	s->opt[STORE_OPTION_AGGREGATE] = true;
	s->opt[STORE_OPTION_AUTO_ADD] = true;
	s->cap = 64;
	s->slots = calloc(s->cap, sizeof(*s->slots));
	s->ht = calloc(128, sizeof(*s->ht));
	if (!s->slots || !s->ht) {
		free(s->slots);
		free(s->ht);
		free(s);
		return NULL;
	}
	s->ht_mask = 127;
	s->irk_gen = 1;
	s->hour = -1;
	advfilter_init(&s->filter);
	return s;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	if (s->depth) {
		s->dying = true;
		return;
	}
	destroy(s);
}

static int add_sensor(struct store *s, const uint8_t mac[6], uint16_t pid, unsigned int *slot)
{
	struct sensor *se;
	int err;

	if (s->n == s->cap) {
		unsigned int cap = 2 * s->cap;
		struct sensor **p = realloc(s->slots, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->slots = p;
		s->cap = cap;
	}
	err = ht_reserve(s, s->n + 1);
	if (err)
		return err;
	se = calloc(1, sizeof(*se));
	if (!se)
		return -ENOMEM;
	store__sensor_init(se, s->n, mac, pid);
	s->slots[s->n] = se;
	ht_put(s->ht, s->ht_mask, mac, s->n);
	*slot = s->n++;
	return 0;
}

int store_add_sensor(struct store *s, const uint8_t mac[6], uint16_t pid, unsigned int *slot)
{
	unsigned int dummy;
	int found, err;

	if (!slot)
		slot = &dummy;
	found = store__ht_find(s, mac);
	if (found >= 0) {
		*slot = (unsigned int)found;
		return -EEXIST;
	}
	err = add_sensor(s, mac, pid, slot);
	if (err)
		return err;
	if (!emit_simple(s, STORE_EVENT_NEW, s->slots[*slot], 0))
		return -ECANCELED;
	return 0;
}

/* A sensor heard for the first time (SPEC §2.3 step 3, option 3 and max_auto). */
int store__auto_add(struct store *s, const uint8_t mac[6], uint16_t pid, uint64_t now_us,
		    struct sensor **out)
{
	unsigned int slot;
	int err;

	if (!s->opt[STORE_OPTION_AUTO_ADD]) {
		s->stats.dropped_cap++;
		return -EPERM;
	}
	if (s->n_auto >= s->cfg.max_auto) {
		s->stats.dropped_cap++;
		return -ENOSPC;
	}
	err = add_sensor(s, mac, pid, &slot);
	if (err)
		return err;
	s->n_auto++;
	*out = s->slots[slot];
	(*out)->status |= SENSOR_S_AUTO;
	if (!emit_simple(s, STORE_EVENT_NEW, *out, now_us))
		return -ECANCELED;
	return 0;
}

struct sensor *store__get(const struct store *s, unsigned int slot)
{
	return s && slot < s->n ? s->slots[slot] : NULL;
}

unsigned int store_sensor_count(const struct store *s)
{
	return s->n;
}

const struct sensor *store_sensor(const struct store *s, unsigned int slot)
{
	return store__get(s, slot);
}

int store_find(const struct store *s, const uint8_t mac[6])
{
	int slot = store__ht_find(s, mac);

	return slot >= 0 ? slot : -ENOENT;
}

int store_option(const struct store *s, unsigned int n)
{
	return n < STORE_OPTIONS ? s->opt[n] : -EINVAL;
}

int store_set_option(struct store *s, unsigned int n, int value)
{
	if (n >= STORE_OPTIONS)
		return -EINVAL;
	s->opt[n] = value != 0;
	return s->opt[n];
}

const struct store_stats *store_stats(const struct store *s)
{
	return &s->stats;
}

/* ---- keys, names, features ---- */

static int irk_add(struct store *s, unsigned int slot)
{
	for (unsigned int i = 0; i < s->n_irk; i++)
		if (s->irk[i] == slot)
			return 0;
	if (s->n_irk == s->cap_irk) {
		unsigned int cap = s->cap_irk ? 2 * s->cap_irk : 4;
		unsigned int *p = realloc(s->irk, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->irk = p;
		s->cap_irk = cap;
	}
	s->irk[s->n_irk++] = slot;
	return 0;
}

static void irk_remove(struct store *s, unsigned int slot)
{
	for (unsigned int i = 0; i < s->n_irk; i++)
		if (s->irk[i] == slot) {
			s->irk[i] = s->irk[--s->n_irk];
			return;
		}
}

int store_set_key(struct store *s, unsigned int slot, const uint8_t key[16])
{
	struct sensor *se = store__get(s, slot);
	int err;

	if (!se)
		return -ENOENT;
	if (se->pid == PID_GENERIC) {
		err = irk_add(s, slot);
		if (err)
			return err;
	}
	err = aes_key_set(&se->key, key);
	if (err) {
		se->has_key = false;
		irk_remove(s, slot);
		s->irk_gen++;
		return err;
	}
	se->has_key = true;
	se->status &= ~SENSOR_S_WRONG_KEY;
	se->noticed = 0;
	se->rpa_valid = false;
	s->irk_gen++;
	return emit_simple(s, STORE_EVENT_CONFIG, se, 0) ? 0 : -ECANCELED;
}

int store_clear_key(struct store *s, unsigned int slot)
{
	struct sensor *se = store__get(s, slot);

	if (!se)
		return -ENOENT;
	aes_key_clear(&se->key);
	se->has_key = false;
	se->status &= ~SENSOR_S_WRONG_KEY;
	se->noticed = 0;
	se->rpa_valid = false;
	irk_remove(s, slot);
	s->irk_gen++;
	return emit_simple(s, STORE_EVENT_CONFIG, se, 0) ? 0 : -ECANCELED;
}

int store_try_key(struct store *s, unsigned int slot, const uint8_t key[16])
{
	struct sensor *se = store__get(s, slot);
	struct aes_key k;
	struct decoded d;
	int err;

	if (!se)
		return -ENOENT;
	if (!se->enc_valid)
		return -ENODATA;
	memset(&k, 0, sizeof(k));
	err = aes_key_set(&k, key);
	if (err)
		return err;
	err = decode_adv(&se->enc, &k, &d, NULL);
	aes_key_clear(&k);
	return err < 0 ? err : 0;
}

void store__copy_name(struct sensor *se, const char *name, size_t len)
{
	memcpy(se->name, name, len);
	se->name[len] = '\0';
}

int store_set_name(struct store *s, unsigned int slot, const char *name)
{
	struct sensor *se = store__get(s, slot);
	size_t len = name ? strlen(name) : 0;

	if (!se)
		return -ENOENT;
	if (len >= STORE_NAME_MAX)
		return -ENAMETOOLONG;
	store__copy_name(se, name ? name : "", len);
	se->name_from_adv = false;
	return emit_simple(s, STORE_EVENT_CONFIG, se, 0) ? 0 : -ECANCELED;
}

int store_set_feat(struct store *s, unsigned int slot, uint32_t feat)
{
	struct sensor *se = store__get(s, slot);

	if (!se)
		return -ENOENT;
	se->feat = feat;
	return emit_simple(s, STORE_EVENT_CONFIG, se, 0) ? 0 : -ECANCELED;
}

/* ---- periodic work ---- */

void store_tick(struct store *s, uint64_t now_us)
{
	uint64_t now_s = now_us / US_PER_S;
	uint64_t stale_us = (uint64_t)s->cfg.stale_s * US_PER_S;

	store__hist_hour_check(s, now_us);
	for (unsigned int i = 0; i < s->n; i++) {
		struct sensor *se = s->slots[i];

		/* Tasmota's 1 s tick: NMT += 1 for motion sensors; we add the seconds that
		 * actually passed, so a late tick does not lose time. */
		if (se->feat & MI_FEAT_MOTION) {
			if (se->nmt_tick_s && now_s > se->nmt_tick_s)
				se->nmt += (uint32_t)(now_s - se->nmt_tick_s);
			se->nmt_tick_s = now_s;
		}
		if (stale_us && (se->status & SENSOR_S_SEEN) && !(se->status & SENSOR_S_STALE) &&
		    now_us > se->last_us && now_us - se->last_us > stale_us) {
			struct store_event ev;

			se->status |= SENSOR_S_STALE;
			store__event_init(&ev, STORE_EVENT_STALE, se, now_us);
			ev.stale = true;
			if (!store__emit(s, &ev))
				return;
		}
	}
}

void store_forget_counters(struct store *s)
{
	for (unsigned int i = 0; i < s->n; i++)
		s->slots[i]->has_cnt = false;
}

void store_clear_pending(struct store *s, bool triggered)
{
	for (unsigned int i = 0; i < s->n; i++) {
		struct sensor *se = s->slots[i];

		if (!triggered && se->pend_trigger)
			continue;
		memset(se->pend, 0, sizeof(se->pend));
		se->pend_flags = 0;
		se->pend_trigger = false;
		for (unsigned int j = 0; j < se->n_extra; j++)
			se->extra[j].pending = false;
	}
}
