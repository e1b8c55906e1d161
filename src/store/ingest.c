/* SPDX-License-Identifier: MIT */
/* ingest.c — the per-advert path of the store: find the sensor (RPA resolution for
 * generic devices, SPEC §6.2), decode with its key, dedupe and replay-check the counter
 * (§2.3, decision #7), auto-add, and apply each reading (§3.2/§3.3 effects, triggers).
 * Never allocates for a known sensor. The list itself is store.c. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "decode/rpa.h"
#include "store/store_int.h"
#include "util/name.h"

#define US_PER_S 1000000ull
#define REBOOT_SILENCE_US (600 * US_PER_S) /* a counter going back after 10 min: reboot */
#define REBOOT_BACK 1000                   /* ... or going back by this much */

/* ---- applying readings ---- */

static void set_bit(uint64_t *set, unsigned int t)
{
	set[t / 64] |= 1ull << (t % 64);
}

static struct store__extra *extra_slot(struct sensor *se, unsigned int type, unsigned int index)
{
	for (unsigned int i = 0; i < se->n_extra; i++)
		if (se->extra[i].type == type && se->extra[i].index == index)
			return &se->extra[i];
	if (se->n_extra == STORE_EXTRA_MAX)
		return NULL;
	se->extra[se->n_extra].type = (uint16_t)type;
	se->extra[se->n_extra].index = (uint8_t)index;
	se->extra[se->n_extra].v = NAN;
	return &se->extra[se->n_extra++];
}

/* One reading's effect on @se (SPEC §3.2 table, decisions #3 and #5). @now_us 0: not
 * received (store_set_value), no history. */
static void apply_reading(struct store *s, struct sensor *se, const struct reading *r,
			  uint8_t format, uint64_t now_us, struct store_event *ev)
{
	unsigned int t = r->type;
	const struct reading_info *ri;
	uint32_t f;
	bool changed;

	if (t == READING_NONE || t >= READING__MAX || !isfinite(r->value))
		return;
	ri = reading_info(t);
	f = registry_feature_of(t);
	if (f && !(se->feat & f)) {
		se->feat |= f;
		ev->feat_added |= f;
	}
	/* Stock LYWSD03MMC/MHO-C401 firmware sends bogus battery objects (decision #5; the
	 * MiBeacon decoder drops them too, this keeps the rule for any other source). */
	if (t == READING_BATTERY && s->cfg.ignore_bogus_battery &&
	    format == DECODE_FORMAT_MIBEACON && (se->pid == PID_LYWSD03 || se->pid == PID_MHOC401))
		return;

	set_bit(ev->updated, t);
	if ((ri->flags & READING_F_INDEXED) || r->index > 1) {
		struct store__extra *x = extra_slot(se, t, r->index);

		if (!x)
			return;
		changed = !(x->v == r->value) || (ri->flags & READING_F_EVENT);
		x->v = r->value;
		x->dec = r->decimals;
		x->pending = true;
	} else {
		struct store__val *v = &se->val[t];

		changed = !v->known || v->v != r->value || (ri->flags & READING_F_EVENT);
		v->v = r->value;
		v->dec = r->decimals;
		v->known = true;
		set_bit(se->pend, t);
	}
	if (changed)
		set_bit(ev->changed, t);
	if (ri->flags & READING_F_EVENT)
		ev->trigger = true;

	switch (t) {
	case READING_TEMPERATURE:
		if (r->index <= 1 && now_us)
			store__hist_record(s, se, SENSOR_HIST_TEMP, r->value, now_us);
		break;
	case READING_HUMIDITY:
		if (r->index <= 1 && now_us)
			store__hist_record(s, se, SENSOR_HIST_HUM, r->value, now_us);
		break;
	case READING_ILLUMINANCE:
		if (r->index <= 1 && now_us)
			store__hist_record(s, se, SENSOR_HIST_LUX, r->value, now_us);
		break;
	case READING_MOTION:
		if (r->value != 0) {
			se->events++;
			se->nmt = 0;
			ev->trigger = true;
		} else {
			se->pend_flags |= PEND_NOMOTION;
		}
		break;
	case READING_DOOR:
		/* an event is a change of state: pvvx thermometers carry their reed-switch bit
		 * in every frame, and repeating "closed" is not a door event */
		if (changed) {
			se->events++;
			ev->trigger = true;
		}
		break;
	case READING_LEAK:
		if (r->value > 0)
			ev->trigger = true;
		break;
	case READING_NMT:
		se->nmt = r->value < 0 ? 0 : (uint32_t)r->value;
		ev->trigger = true;
		break;
	case READING_BUTTON:
		se->btn_num = r->index;
		se->btn_kind = r->value < 0 ? 0 : (unsigned int)r->value;
		break;
	default:
		break;
	}
}

static void heard(struct store *s, struct sensor *se, int8_t rssi, uint64_t now_us)
{
	if (rssi != ADV_RSSI_NONE)
		se->rssi = rssi;
	se->last_us = now_us;
	se->status |= SENSOR_S_SEEN;
	store__hist_heard(s, se, now_us);
}

/* Returns false when the store went away. */
static bool back_from_stale(struct store *s, struct sensor *se, uint64_t now_us)
{
	struct store_event ev;

	if (!(se->status & SENSOR_S_STALE))
		return true;
	se->status &= ~SENSOR_S_STALE;
	store__event_init(&ev, STORE_EVENT_STALE, se, now_us);
	ev.stale = false;
	return store__emit(s, &ev);
}

/* SPEC §2.3 and decision #7: drop a repeated non-zero counter; reject an encrypted frame
 * whose counter is older than the last accepted one, unless it looks like a reboot. */
static int counter_check(struct store *s, struct sensor *se, const struct decoded *d,
			 uint64_t now_us)
{
	bool wide = se->cnt_wide || d->counter > 0xFF;

	if (se->has_cnt && d->counter != 0 && d->counter == se->last_cnt) {
		se->last_us = now_us; /* heard, as Tasmota refreshes lastTime on duplicates */
		s->stats.duplicates++;
		return -EALREADY;
	}
	if (se->has_cnt && d->encrypted) {
		uint32_t mask = wide ? 0xFFFFFFFFu : 0xFFu;
		uint32_t half = mask / 2 + 1;
		uint32_t back = (se->last_cnt - d->counter) & mask;
		/* An 8-bit counter has no room for "1000 behind": a quarter of its range. */
		uint32_t reboot = wide ? REBOOT_BACK : half / 2;

		if (((d->counter - se->last_cnt) & mask) >= half && back <= reboot &&
		    now_us - se->cnt_us <= REBOOT_SILENCE_US) {
			s->stats.replays++;
			return -ESTALE;
		}
	}
	se->last_cnt = d->counter;
	se->has_cnt = true;
	se->cnt_wide = wide;
	se->cnt_us = now_us;
	return 0;
}

int store_apply_decoded(struct store *s, unsigned int slot, const struct decoded *d,
			int8_t rssi, uint64_t now_us)
{
	struct sensor *se = store__get(s, slot);
	struct store_event ev;
	bool has_t = false, has_h = false, has_motion = false, has_lux = false;
	int err;

	if (!se || !d)
		return -ENOENT;
	if (d->has_counter) {
		err = counter_check(s, se, d, now_us);
		if (err)
			return err;
	}
	s->stats.decoded++;
	heard(s, se, rssi, now_us);
	if (!back_from_stale(s, se, now_us))
		return -ECANCELED;

	store__event_init(&ev, STORE_EVENT_UPDATE, se, now_us);
	if (d->encrypted) {
		if (!(se->feat & MI_FEAT_NEEDS_KEY))
			ev.feat_added |= MI_FEAT_NEEDS_KEY;
		se->feat |= MI_FEAT_NEEDS_KEY;
		se->status &= ~SENSOR_S_WRONG_KEY;
		se->noticed &= ~STORE_NOTICE_WRONG_KEY;
	}
	for (unsigned int i = 0; i < d->n; i++) {
		const struct reading *r = &d->r[i];

		apply_reading(s, se, r, d->format, now_us, &ev);
		if (r->index > 1)
			continue;
		has_t |= r->type == READING_TEMPERATURE;
		has_h |= r->type == READING_HUMIDITY;
		has_motion |= r->type == READING_MOTION;
		has_lux |= r->type == READING_ILLUMINANCE;
	}
	/* Tasmota's eventType.tempHum: one frame with both values reports the pair with its
	 * dew point (SPEC §9.3 item 1); learning the feature this way gives every T/H source
	 * the same output (decision #6). */
	if (has_t && has_h) {
		se->pend_flags |= PEND_TEMPHUM;
		if (!(se->feat & MI_FEAT_TEMP_HUM))
			ev.feat_added |= MI_FEAT_TEMP_HUM;
		se->feat |= MI_FEAT_TEMP_HUM;
	}
	/* MJYD2S: an illuminance object without motion means "no motion" (§3.2, 0x1007) */
	if (has_lux && !has_motion && se->pid == PID_MJYD2S)
		se->pend_flags |= PEND_NOMOTION;
	ev.publish = ev.trigger || (s->opt[STORE_OPTION_DIRECT] && d->n > 0);
	if (ev.publish)
		se->pend_trigger = true;

	if (d->flags & DECODED_F_UNBOUND) {
		se->status |= SENSOR_S_UNBOUND;
		if (!(se->noticed & STORE_NOTICE_UNBOUND)) {
			struct store_event kp;

			se->noticed |= STORE_NOTICE_UNBOUND;
			store__event_init(&kp, STORE_EVENT_KEY_PROBLEM, se, now_us);
			kp.error = -ENOLINK;
			if (!store__emit(s, &kp))
				return -ECANCELED;
		}
	} else if (d->n > 0) {
		se->status &= ~SENSOR_S_UNBOUND;
	}
	return store__emit(s, &ev) ? 0 : -ECANCELED;
}

int store_set_value(struct store *s, unsigned int slot, unsigned int type, double value)
{
	struct sensor *se = store__get(s, slot);
	struct store_event ev;
	struct reading r = { (uint16_t)type, 0, 1, value };
	uint32_t f;

	if (!se)
		return -ENOENT;
	if (type == READING_NONE || type >= READING__MAX)
		return -EINVAL;
	f = registry_feature_of(type);
	if (f && !(se->feat & f))
		return -EPERM;
	r.decimals = type == READING_TEMPERATURE || type == READING_HUMIDITY ? 1 : 0;
	store__event_init(&ev, STORE_EVENT_UPDATE, se, se->last_us);
	apply_reading(s, se, &r, DECODE_FORMAT_NONE, 0, &ev);
	ev.publish = ev.trigger || s->opt[STORE_OPTION_DIRECT];
	if (ev.publish)
		se->pend_trigger = true;
	return store__emit(s, &ev) ? 0 : -ECANCELED;
}

int store_set_firmware(struct store *s, unsigned int slot, const char *fw)
{
	struct sensor *se = store__get(s, slot);
	size_t len = fw ? strlen(fw) : 0;
	struct store_event ev;

	if (!se)
		return -ENOENT;
	if (!len)
		return -EINVAL;
	if (len >= sizeof(se->firmware))
		return -ENAMETOOLONG;
	for (size_t i = 0; i < len; i++)
		if (fw[i] < 0x20 || fw[i] > 0x7e)
			return -EINVAL; /* it goes into JSON and HA's device as it is */
	if (!strcmp(se->firmware, fw))
		return 0;
	memcpy(se->firmware, fw, len + 1);
	se->pend_flags |= PEND_FIRMWARE;
	/* no reading type changed: the event says "publish" so the SENSOR message and Home
	 * Assistant's device (sw_version is part of its signature) follow at once */
	store__event_init(&ev, STORE_EVENT_UPDATE, se, se->last_us);
	ev.publish = true;
	se->pend_trigger = true;
	return store__emit(s, &ev) ? 0 : -ECANCELED;
}

/* ---- the advert path ---- */

static int count_error(struct store *s, int err)
{
	switch (err) {
	case -EBADMSG:
		s->stats.malformed++;
		break;
	case -ENOKEY:
		s->stats.no_key++;
		break;
	case -EKEYREJECTED:
		s->stats.wrong_key++;
		break;
	case -ENOTSUP:
		s->stats.unsupported++;
		break;
	default:
		s->stats.malformed++;
		break;
	}
	return err;
}

/* An encrypted frame we could not read: keep it for store_try_key, flag the sensor, tell
 * the daemon once per sensor (and again after a key change). */
static int key_problem(struct store *s, struct sensor *se, const struct adv *adv, int err,
		       uint64_t now_us)
{
	uint8_t bit = err == -ENOKEY ? STORE_NOTICE_NO_KEY : STORE_NOTICE_WRONG_KEY;
	struct store_event ev;

	memcpy(&se->enc, adv, sizeof(*adv));
	se->enc_valid = true;
	se->enc_us = now_us;
	se->feat |= MI_FEAT_NEEDS_KEY;
	if (err == -EKEYREJECTED)
		se->status |= SENSOR_S_WRONG_KEY;
	heard(s, se, adv->rssi, now_us);
	if (!back_from_stale(s, se, now_us))
		return -ECANCELED;
	if (!(se->noticed & bit)) {
		se->noticed |= bit;
		store__event_init(&ev, STORE_EVENT_KEY_PROBLEM, se, now_us);
		ev.error = err;
		if (!store__emit(s, &ev))
			return -ECANCELED;
	}
	store__event_init(&ev, STORE_EVENT_UPDATE, se, now_us);
	return store__emit(s, &ev) ? err : -ECANCELED;
}

static unsigned int neg_index(const uint8_t addr[6])
{
	return store__mac_hash(addr) % STORE_NEG_CACHE;
}

/* SPEC §6.2: a random address belongs to a PID-0000 sensor whose IRK generates it. The last
 * match per sensor and recent misses are cached, so a phone's RPA costs one AES block per
 * IRK only when it changes (every ~15 min), not per advert. */
static struct sensor *resolve_rpa(struct store *s, const uint8_t addr[6])
{
	unsigned int ni;

	if (!rpa_is_rpa(addr))
		return NULL;
	for (unsigned int i = 0; i < s->n_irk; i++) {
		struct sensor *se = s->slots[s->irk[i]];

		if (se->rpa_valid && memcmp(se->rpa, addr, 6) == 0)
			return se;
	}
	ni = neg_index(addr);
	if (s->neg[ni].gen == s->irk_gen && memcmp(s->neg[ni].addr, addr, 6) == 0)
		return NULL;
	for (unsigned int i = 0; i < s->n_irk; i++) {
		struct sensor *se = s->slots[s->irk[i]];

		if (se->has_key && rpa_resolve(&se->key, addr)) {
			memcpy(se->rpa, addr, 6);
			se->rpa_valid = true;
			return se;
		}
	}
	memcpy(s->neg[ni].addr, addr, 6);
	s->neg[ni].gen = s->irk_gen;
	return NULL;
}

/* SPEC §6: a device without sensor service data, tracked with option 5. */
static int handle_generic(struct store *s, const struct adv *adv, const struct ad_info *ad,
			  struct sensor *se, uint64_t now_us)
{
	struct store_event ev;
	int err;

	if (!s->opt[STORE_OPTION_GENERIC] || (se && se->pid != PID_GENERIC)) {
		s->stats.not_sensor++;
		return -ENOMSG;
	}
	if (!se && adv->addr_type == ADV_ADDR_PUBLIC) {
		err = store__auto_add(s, adv->addr, PID_GENERIC, now_us, &se);
		if (err)
			return err;
	} else if (!se && adv->addr_type == ADV_ADDR_RANDOM) {
		se = resolve_rpa(s, adv->addr);
	}
	if (!se) {
		s->stats.not_sensor++;
		return -ENOMSG;
	}
	s->stats.generic++;
	if (ad->name_len && !se->name[0]) {
		size_t n = ad->name_len < STORE_NAME_MAX - 1 ? ad->name_len : STORE_NAME_MAX - 1;

		/* up to a control character or a UTF-8 sequence the limit cut: a name the
		 * mi32cfg file can hold (a saved list must load again) */
		n = name_valid_prefix((const char *)ad->name, n);
		store__copy_name(se, (const char *)ad->name, n);
		se->name_from_adv = true;
	}
	memcpy(se->payload, adv->data, adv->len);
	se->payload_len = adv->len;
	heard(s, se, adv->rssi, now_us);
	store__hist_record(s, se, SENSOR_HIST_SIGHTINGS, 0, now_us);
	if (!back_from_stale(s, se, now_us))
		return -ECANCELED;
	store__event_init(&ev, STORE_EVENT_UPDATE, se, now_us);
	if (!(se->feat & MI_FEAT_PAYLOAD))
		ev.feat_added = MI_FEAT_PAYLOAD;
	se->feat |= MI_FEAT_PAYLOAD;
	/* Tasmota lists generic devices in triggered messages only with direct bridging */
	ev.publish = s->opt[STORE_OPTION_DIRECT];
	if (ev.publish) {
		se->pend_flags |= PEND_PAYLOAD;
		se->pend_trigger = true;
	}
	return store__emit(s, &ev) ? 0 : -ECANCELED;
}

int store_handle_adv(struct store *s, const struct adv *adv, uint64_t now_us)
{
	struct decoded *d = &s->scratch;
	struct ad_info ad;
	struct sensor *se = NULL;
	const uint8_t *mac = adv->addr;
	int slot, rc;

	s->stats.adverts++;
	if (!advfilter_pass(&s->filter, adv->addr)) {
		s->stats.filtered++;
		return -EACCES;
	}
	slot = store__ht_find(s, adv->addr);
	if (slot >= 0)
		se = s->slots[slot];
	/* No AD walk into ad_info on the hot path: decode_adv's single pass finds the service
	 * data; the walk is done only when a generic device or a BTHome name needs it. */
	rc = decode_adv(adv, se && se->has_key && se->pid != PID_GENERIC ? &se->key : NULL, d,
			NULL);
	if (rc == -ENOMSG) {
		if (!s->opt[STORE_OPTION_GENERIC]) {
			s->stats.not_sensor++;
			return -ENOMSG;
		}
		(void)ad_parse(adv->data, adv->len, &ad);
		return handle_generic(s, adv, &ad, se, now_us);
	}

	/* ATC and pvvx carry the sensor's MAC, which is its identity (SPEC §5.1) */
	if ((d->format == DECODE_FORMAT_ATC || d->format == DECODE_FORMAT_PVVX) && d->has_mac &&
	    memcmp(d->mac, adv->addr, 6) != 0) {
		mac = d->mac;
		slot = store__ht_find(s, mac);
		se = slot >= 0 ? s->slots[slot] : NULL;
	}
	if (rc < 0 && rc != -ENOKEY && rc != -EKEYREJECTED)
		return count_error(s, rc);
	if (!se) {
		int err = store__auto_add(s, mac, d->pid, now_us, &se);

		if (err) {
			/* the decode error is what the caller logs; count it as well */
			if (rc < 0 && err != -ECANCELED)
				count_error(s, rc);
			return err;
		}
	}
	if (rc < 0)
		return key_problem(s, se, adv, count_error(s, rc), now_us);

	/* the last encrypted frame, read or not: MI32Key checks a new key against it */
	if (d->encrypted) {
		memcpy(&se->enc, adv, offsetof(struct adv, data) + adv->len);
		se->enc_valid = true;
		se->enc_us = now_us;
	}

	/* BTHome: the advertised local name names the sensor (SPEC §5.3) */
	if (d->format == DECODE_FORMAT_BTHOME && !se->name[0] &&
	    (ad_parse(adv->data, adv->len, &ad), ad.name_len)) {
		size_t n = ad.name_len < STORE_NAME_MAX - 1 ? ad.name_len : STORE_NAME_MAX - 1;

		n = name_valid_prefix((const char *)ad.name, n); /* as above */
		store__copy_name(se, (const char *)ad.name, n);
		se->name_from_adv = true;
	}
	return store_apply_decoded(s, se->slot, d, adv->rssi, now_us);
}

struct advfilter *store_filter(struct store *s)
{
	return &s->filter;
}
