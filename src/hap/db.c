/* SPDX-License-Identifier: MIT */
/* db.c — see db.h. The services are one static table; an accessory is a sensor slot, its aid
 * and the features it had when the database was built. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/hex.h"
#include "decode/reading.h"
#include "decode/registry.h"
#include "hap/db.h"
#include "store/sensor.h"

enum val {
	V_TEMP, V_HUM, V_BAT, V_CHARGING, V_BAT_LOW, V_LUX, V_MOTION, V_CONTACT, V_LEAK,
	V_LABEL_NS, V_BTN_EVENT, V_BTN_INDEX,
};

#define PR 1u
#define EV 2u

struct chr {
	unsigned int iid;	/* within the service's block (the service is iid 0 of it) */
	const char *type;	/* short UUID */
	const char *format;
	unsigned int perms;
	enum val v;
	double min, max, step;	/* min == max: no constraints */
	const char *unit;
};

struct svc {
	unsigned int iid;
	const char *type;
	uint32_t feat;		/* present when the sensor has this feature */
	const struct chr *chars;
	size_t n;
};

static const struct chr temp_c[] = {
	{ 1, "11", "float", PR | EV, V_TEMP, -40, 100, 0.1, "celsius" } };
static const struct chr hum_c[] = {
	{ 1, "10", "float", PR | EV, V_HUM, 0, 100, 1, "percentage" } };
static const struct chr bat_c[] = {
	{ 1, "68", "uint8", PR | EV, V_BAT, 0, 100, 1, "percentage" },
	{ 2, "8F", "uint8", PR | EV, V_CHARGING, 0, 2, 1, NULL },
	{ 3, "79", "uint8", PR | EV, V_BAT_LOW, 0, 1, 1, NULL } };
static const struct chr lux_c[] = {
	{ 1, "6B", "float", PR | EV, V_LUX, 0.0001, 100000, 0, "lux" } };
static const struct chr motion_c[] = { { 1, "22", "bool", PR | EV, V_MOTION, 0, 0, 0, NULL } };
static const struct chr contact_c[] = {
	{ 1, "6A", "uint8", PR | EV, V_CONTACT, 0, 1, 1, NULL } };
static const struct chr leak_c[] = { { 1, "70", "uint8", PR | EV, V_LEAK, 0, 1, 1, NULL } };
static const struct chr label_c[] = { { 1, "CD", "uint8", PR, V_LABEL_NS, 0, 1, 1, NULL } };
static const struct chr button_c[] = {
	{ 1, "73", "uint8", PR | EV, V_BTN_EVENT, 0, 2, 1, NULL },
	{ 2, "CB", "uint8", PR, V_BTN_INDEX, 1, 255, 1, NULL } };

#define SVC(iid, type, feat, c) { iid, type, feat, c, sizeof(c) / sizeof(c[0]) }
static const struct svc svcs[] = {
	SVC(8, "8A", MI_FEAT_TEMP, temp_c),
	SVC(16, "82", MI_FEAT_HUM, hum_c),
	SVC(24, "96", MI_FEAT_BAT, bat_c),
	SVC(32, "84", MI_FEAT_LUX, lux_c),
	SVC(40, "85", MI_FEAT_MOTION, motion_c),
	SVC(48, "80", MI_FEAT_DOOR, contact_c),
	SVC(56, "83", MI_FEAT_LEAK, leak_c),
	SVC(64, "CC", MI_FEAT_BTN | MI_FEAT_KNOB, label_c),
};
#define N_SVCS (sizeof(svcs) / sizeof(svcs[0]))
#define BUTTON_IID(k) (72u + 8u * (k))

/* ---- building ---- */

static unsigned int buttons_of(uint16_t pid, uint32_t feat)
{
	if (!(feat & MI_FEAT_BTN))
		return 0;
	switch (pid) {
	case PID_YLYK01: return 6;
	case PID_K9B_3BTN: return 3;
	case PID_K9B_2BTN:
	case PID_XMWXKG01YL: return 2;
	default: return 1;
	}
}

/* The switch of a knob turn: "turned right" or "turned left" (the last two). */
static unsigned int knob_switch(const struct hap_db_acc *a, double steps)
{
	return a->buttons - (steps > 0 ? 2 : 1);
}

int hap_db_build(struct hap_db *db, const struct store *st, struct hap_store *hs, char *err,
		 size_t errlen)
{
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	unsigned int n = store_sensor_count(st);
	/* what was learned of each sensor's interval outlives a rebuild (a sensor added) */
	size_t had = db->n;
	struct hap_db_acc *old = had ? malloc(had * sizeof(*old)) : NULL;
	int r;

	if (old)
		memcpy(old, db->acc, had * sizeof(*old));
	memset(db, 0, sizeof(*db));
	if (!h || !EVP_DigestInit_ex(h, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(h);
		free(old);
		return -ENOMEM;
	}
	for (unsigned int slot = 0; slot < n; slot++) {
		const struct sensor *s = store_sensor(st, slot);
		struct hap_db_acc *a;

		if (!s || (sensor_status(s) & SENSOR_S_AUTO))
			continue;
		if (db->n == HAP_DB_MAX) {
			db->left_out++;
			continue;
		}
		a = &db->acc[db->n];
		a->aid = hap_store_aid(hs, sensor_mac(s), err, errlen);
		if (!a->aid) {
			EVP_MD_CTX_free(h);
			free(old);
			return -EIO;
		}
		for (size_t i = 0; old && i < had; i++)
			if (old[i].aid == a->aid)
				a->learned = old[i].learned;
		a->slot = slot;
		a->feat = sensor_feat(s);
		a->buttons = buttons_of(sensor_pid(s), a->feat);
		a->knob = (a->feat & MI_FEAT_KNOB) != 0;
		a->buttons += a->knob ? 2 : 0;
		db->n++;
		/* what a controller caches: the ids and the services (names may change freely) */
		EVP_DigestUpdate(h, &a->aid, sizeof(a->aid));
		EVP_DigestUpdate(h, &a->feat, sizeof(a->feat));
		EVP_DigestUpdate(h, &a->buttons, sizeof(a->buttons));
	}
	EVP_DigestFinal_ex(h, db->hash, NULL);
	EVP_MD_CTX_free(h);
	free(old);
	r = hap_store_note_db(hs, db->hash, err, errlen);
	return r < 0 ? r : 0;
}

/* ---- values ---- */

static const struct hap_db_acc *acc_of(const struct hap_db *db, unsigned int aid)
{
	for (size_t i = 0; i < db->n; i++)
		if (db->acc[i].aid == aid)
			return &db->acc[i];
	return NULL;
}

static bool has_svc(const struct hap_db_acc *a, const struct svc *s)
{
	return (a->feat & s->feat) != 0;
}

/* The characteristic at @iid of @a, and its button number for switches. */
static const struct chr *chr_of(const struct hap_db_acc *a, unsigned int iid, unsigned int *btn)
{
	for (size_t i = 0; i < N_SVCS; i++) {
		const struct svc *s = &svcs[i];

		if (!has_svc(a, s) || iid <= s->iid || iid > s->iid + s->n)
			continue;
		return &s->chars[iid - s->iid - 1];
	}
	for (unsigned int k = 0; k < a->buttons; k++) {
		if (iid > BUTTON_IID(k) && iid <= BUTTON_IID(k) + 2) {
			*btn = k;
			return &button_c[iid - BUTTON_IID(k) - 1];
		}
	}
	return NULL;
}

/* Writes the value of @c, or returns a status when there is none to give. */
static int value(const struct chr *c, const struct sensor *s, const struct hap_db_opts *o,
		 unsigned int btn, struct jw *w)
{
	double v;
	int i;

	switch (c->v) {
	case V_TEMP:
		if (!sensor_value(s, READING_TEMPERATURE, &v, NULL))
			return HAP_STATUS_NO_RESPONSE;
		jw_double(w, v < c->min ? c->min : v > c->max ? c->max : v, 1);
		return 0;
	case V_HUM:
		if (!sensor_value(s, READING_HUMIDITY, &v, NULL))
			return HAP_STATUS_NO_RESPONSE;
		jw_double(w, v < 0 ? 0 : v > 100 ? 100 : v, 1);
		return 0;
	case V_BAT:
	case V_BAT_LOW:
		if (!sensor_value(s, READING_BATTERY, &v, NULL))
			return HAP_STATUS_NO_RESPONSE;
		v = v < 0 ? 0 : v > 100 ? 100 : v;
		jw_uint(w, c->v == V_BAT ? (unsigned int)lround(v) : v <= o->low_battery);
		return 0;
	case V_CHARGING:
		jw_uint(w, 2); /* not chargeable */
		return 0;
	case V_LUX:
		if (!sensor_value(s, READING_ILLUMINANCE, &v, NULL))
			return HAP_STATUS_NO_RESPONSE;
		/* HAP's range starts at 0.0001: a dark room is that, not an error */
		jw_double(w, v < c->min ? c->min : v > c->max ? c->max : v, 4);
		return 0;
	case V_MOTION:
		if (!sensor_value(s, READING_MOTION, &v, NULL))
			return HAP_STATUS_NO_RESPONSE;
		jw_bool(w, v != 0);
		return 0;
	case V_CONTACT:
		i = sensor_door(s);
		if (i < 0)
			return HAP_STATUS_NO_RESPONSE;
		jw_uint(w, i != 0); /* 0 = contact (closed), 1 = open */
		return 0;
	case V_LEAK:
		i = sensor_leak(s);
		if (i < 0)
			return HAP_STATUS_NO_RESPONSE;
		jw_uint(w, i != 0);
		return 0;
	case V_LABEL_NS:
		jw_uint(w, 1); /* arabic numerals */
		return 0;
	case V_BTN_EVENT:
		/* a read is null (HAP 9.75); only the event carries the press (hap_db_event) */
		jw_null(w);
		return 0;
	case V_BTN_INDEX:
		jw_uint(w, btn + 1);
		return 0;
	}
	return HAP_STATUS_NO_RESOURCE;
}

static void perms_of(const struct chr *c, struct jw *w)
{
	jw_arr_begin(w);
	if (c->perms & PR)
		jw_str(w, "pr");
	if (c->perms & EV)
		jw_str(w, "ev");
	jw_arr_end(w);
}

static void meta_of(const struct chr *c, struct jw *w)
{
	jw_key(w, "format");
	jw_str(w, c->format);
	if (c->unit) {
		jw_key(w, "unit");
		jw_str(w, c->unit);
	}
	if (c->min != c->max) {
		jw_key(w, "minValue");
		jw_double(w, c->min, c->min < 1 && c->min > 0 ? 4 : 1);
		jw_key(w, "maxValue");
		jw_double(w, c->max, 0);
		if (c->step > 0) {
			jw_key(w, "minStep");
			jw_double(w, c->step, c->step < 1 ? 1 : 0);
		}
	}
}

/* A characteristic of /accessories: iid, type, perms, format, constraints, value. */
static void chr_json(const struct chr *c, unsigned int iid, const struct sensor *s,
		     const struct hap_db_opts *o, unsigned int btn, bool stale, struct jw *w)
{
	jw_obj_begin(w);
	jw_key(w, "iid");
	jw_uint(w, iid);
	jw_key(w, "type");
	jw_str(w, c->type);
	jw_key(w, "perms");
	perms_of(c, w);
	meta_of(c, w);
	jw_key(w, "value");
	if (stale && c->v != V_LABEL_NS && c->v != V_BTN_INDEX && c->v != V_CHARGING)
		jw_null(w);
	else if (value(c, s, o, btn, w) != 0)
		jw_null(w);
	jw_obj_end(w);
}

static void str_chr(struct jw *w, unsigned int iid, const char *type, const char *v)
{
	jw_obj_begin(w);
	jw_key(w, "iid");
	jw_uint(w, iid);
	jw_key(w, "type");
	jw_str(w, type);
	jw_key(w, "perms");
	jw_arr_begin(w);
	jw_str(w, "pr");
	jw_arr_end(w);
	jw_key(w, "format");
	jw_str(w, "string");
	jw_key(w, "value");
	jw_str(w, v);
	jw_obj_end(w);
}

static void info_service(struct jw *w, const char *maker, const char *model, const char *name,
			 const char *serial, const char *fw)
{
	jw_obj_begin(w);
	jw_key(w, "iid");
	jw_uint(w, 1);
	jw_key(w, "type");
	jw_str(w, "3E");
	jw_key(w, "characteristics");
	jw_arr_begin(w);
	jw_obj_begin(w);
	jw_key(w, "iid");
	jw_uint(w, 2);
	jw_key(w, "type");
	jw_str(w, "14");
	jw_key(w, "perms");
	jw_arr_begin(w);
	jw_str(w, "pw");
	jw_arr_end(w);
	jw_key(w, "format");
	jw_str(w, "bool");
	jw_obj_end(w);
	str_chr(w, 3, "20", maker);
	str_chr(w, 4, "21", model);
	str_chr(w, 5, "23", name);
	str_chr(w, 6, "30", serial);
	str_chr(w, 7, "52", fw);
	jw_arr_end(w);
	jw_obj_end(w);
}

static void service_begin(struct jw *w, unsigned int iid, const char *type)
{
	jw_obj_begin(w);
	jw_key(w, "iid");
	jw_uint(w, iid);
	jw_key(w, "type");
	jw_str(w, type);
	jw_key(w, "characteristics");
	jw_arr_begin(w);
}

static void service_end(struct jw *w)
{
	jw_arr_end(w);
	jw_obj_end(w);
}

/* Not heard yet, stale in the store, or (a sensor that reports on a schedule) silent past
 * its learned interval. */
static bool is_stale(const struct hap_db_acc *a, const struct sensor *s,
		     const struct hap_db_opts *o, uint64_t now_us)
{
	if ((sensor_status(s) & SENSOR_S_STALE) || !(sensor_status(s) & SENSOR_S_SEEN))
		return true;
	/* thermometers report on a schedule; motion (and its light level, as the MJYD2S
	 * sends it), doors, leaks and buttons speak when something happens */
	if (!o->stale_min_s || !(a->feat & (MI_FEAT_TEMP | MI_FEAT_HUM)))
		return false;
	return interval_silent(&a->learned, now_us, o->stale_min_s,
			       o->stale_s ? o->stale_s : 1e12);
}

void hap_db_accessories(const struct hap_db *db, const struct store *st,
			const struct hap_db_opts *o, uint64_t now_us, struct jw *w)
{
	jw_obj_begin(w);
	jw_key(w, "accessories");
	jw_arr_begin(w);
	/* the bridge */
	jw_obj_begin(w);
	jw_key(w, "aid");
	jw_uint(w, 1);
	jw_key(w, "services");
	jw_arr_begin(w);
	info_service(w, "mi32", "BLE bridge", o->bridge_name, "mi32", o->firmware);
	jw_arr_end(w);
	jw_obj_end(w);

	for (size_t i = 0; i < db->n; i++) {
		const struct hap_db_acc *a = &db->acc[i];
		const struct sensor *s = store_sensor(st, a->slot);
		const struct device_info *d = s ? sensor_device(s) : NULL;
		char name[64], serial[HEX_MAC_LEN];
		const uint8_t *m;
		bool stale;

		if (!s)
			continue;
		m = sensor_mac(s);
		stale = is_stale(a, s, o, now_us);
		sensor_name(s, name, sizeof(name));
		hex_mac(m, serial);
		jw_obj_begin(w);
		jw_key(w, "aid");
		jw_uint(w, a->aid);
		jw_key(w, "services");
		jw_arr_begin(w);
		info_service(w, d && d->vendor ? d->vendor : "unknown",
			     d && d->model ? d->model : name, name, serial, o->firmware);
		for (size_t k = 0; k < N_SVCS; k++) {
			const struct svc *sv = &svcs[k];

			if (!has_svc(a, sv))
				continue;
			service_begin(w, sv->iid, sv->type);
			for (size_t c = 0; c < sv->n; c++)
				chr_json(&sv->chars[c], sv->iid + sv->chars[c].iid, s, o, 0, stale, w);
			service_end(w);
		}
		for (unsigned int b = 0; b < a->buttons; b++) {
			service_begin(w, BUTTON_IID(b), "89");
			for (size_t c = 0; c < 2; c++)
				chr_json(&button_c[c], BUTTON_IID(b) + button_c[c].iid, s, o, b, false,
					 w);
			service_end(w);
		}
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

int hap_db_can_notify(const struct hap_db *db, struct hap_ref ref)
{
	const struct hap_db_acc *a = acc_of(db, ref.aid);
	unsigned int btn = 0;
	const struct chr *c = a ? chr_of(a, ref.iid, &btn) : NULL;

	if (!c)
		return HAP_STATUS_NO_RESOURCE;
	return (c->perms & EV) ? HAP_STATUS_OK : HAP_STATUS_NOTIFY_UNSUPPORTED;
}

int hap_db_read(const struct hap_db *db, const struct store *st, const struct hap_db_opts *o,
		uint64_t now_us, struct hap_ref ref, bool meta, bool perms, bool type,
		bool ev, bool subscribed, struct jw *w)
{
	const struct hap_db_acc *a = acc_of(db, ref.aid);
	const struct sensor *s = a ? store_sensor(st, a->slot) : NULL;
	unsigned int btn = 0;
	const struct chr *c = s ? chr_of(a, ref.iid, &btn) : NULL;
	int status = HAP_STATUS_OK;

	jw_obj_begin(w);
	jw_key(w, "aid");
	jw_uint(w, ref.aid);
	jw_key(w, "iid");
	jw_uint(w, ref.iid);
	if (!c) {
		/* the information service's strings are read through /accessories */
		status = HAP_STATUS_NO_RESOURCE;
	} else if (is_stale(a, s, o, now_us) && c->v != V_LABEL_NS && c->v != V_BTN_INDEX &&
		   c->v != V_CHARGING && c->v != V_BTN_EVENT) {
		status = HAP_STATUS_NO_RESPONSE;
	} else {
		struct jw probe = *w;

		jw_key(&probe, "value");
		status = value(c, s, o, btn, &probe);
		if (status == HAP_STATUS_OK)
			*w = probe;
	}
	if (status != HAP_STATUS_OK) {
		jw_key(w, "status");
		jw_int(w, status);
	} else {
		if (type) {
			jw_key(w, "type");
			jw_str(w, c->type);
		}
		if (perms) {
			jw_key(w, "perms");
			perms_of(c, w);
		}
		if (meta)
			meta_of(c, w);
		if (ev) {
			jw_key(w, "ev");
			jw_bool(w, subscribed);
		}
	}
	jw_obj_end(w);
	return status;
}

/* Every accepted advert comes here: acc[] is in slot order (hap_db_build walks the slots
 * upwards), so a binary search, not a walk of up to 149. */
static struct hap_db_acc *acc_of_slot(const struct hap_db *db, unsigned int slot)
{
	for (size_t lo = 0, hi = db->n; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (db->acc[mid].slot == slot)
			return (struct hap_db_acc *)&db->acc[mid];
		if (db->acc[mid].slot < slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void hap_db_heard(struct hap_db *db, const struct store_event *ev)
{
	struct hap_db_acc *a = ev->kind == STORE_EVENT_UPDATE ? acc_of_slot(db, ev->slot) : NULL;

	if (a)
		interval_heard(&a->learned, ev->time_us);
}

size_t hap_db_changed(const struct hap_db *db, const struct store_event *ev, struct hap_ref *out,
		      size_t max)
{
	static const struct {
		unsigned int type, iid;
	} map[] = {
		{ READING_TEMPERATURE, 9 }, { READING_HUMIDITY, 17 }, { READING_BATTERY, 25 },
		{ READING_BATTERY, 27 },    { READING_ILLUMINANCE, 33 }, { READING_MOTION, 41 },
		{ READING_DOOR, 49 },       { READING_LEAK, 57 },
	};
	const struct hap_db_acc *a;
	unsigned int num, kind;
	size_t n = 0;

	if (ev->kind != STORE_EVENT_UPDATE && ev->kind != STORE_EVENT_STALE)
		return 0;
	a = acc_of_slot(db, ev->slot);
	if (!a)
		return 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]) && n < max; i++) {
		unsigned int btn = 0;

		if (!chr_of(a, map[i].iid, &btn))
			continue;
		/* coming back from stale: every value is news */
		if (ev->kind == STORE_EVENT_STALE || store_type_has(ev->changed, map[i].type))
			out[n++] = (struct hap_ref){ a->aid, map[i].iid };
	}
	if (ev->kind != STORE_EVENT_UPDATE || !ev->sensor)
		return n;
	/* presses: 1 single, 2 double, 3 long in the store, as in HAP plus one */
	if (store_type_has(ev->updated, READING_BUTTON) && sensor_button(ev->sensor, &num, &kind) &&
	    num < a->buttons - (a->knob ? 2 : 0) && kind >= 1 && kind <= 3 && n < max)
		out[n++] = (struct hap_ref){ a->aid, BUTTON_IID(num) + 1, kind };
	/* YLKG07/08: holding the knob down is its button's long press */
	if (store_type_has(ev->updated, READING_HOLD) && a->knob && a->buttons > 2 && n < max)
		out[n++] = (struct hap_ref){ a->aid, BUTTON_IID(0) + 1, 3 };
	for (unsigned int t = READING_DIMMER; t <= READING_DIMMER_P && a->knob; t++) {
		double steps;

		if (store_type_has(ev->updated, t) && sensor_value(ev->sensor, t, &steps, NULL) &&
		    steps != 0 && n < max)
			out[n++] = (struct hap_ref){ a->aid, BUTTON_IID(knob_switch(a, steps)) + 1,
						     t == READING_DIMMER ? 1u : 3u };
	}
	return n;
}


void hap_db_event(const struct hap_db *db, const struct store *st, const struct hap_db_opts *o,
		  uint64_t now_us, struct hap_ref ref, struct jw *w)
{
	const struct hap_db_acc *a = acc_of(db, ref.aid);
	const struct sensor *s = a ? store_sensor(st, a->slot) : NULL;
	unsigned int btn = 0;
	const struct chr *c = s ? chr_of(a, ref.iid, &btn) : NULL;

	jw_obj_begin(w);
	jw_key(w, "aid");
	jw_uint(w, ref.aid);
	jw_key(w, "iid");
	jw_uint(w, ref.iid);
	jw_key(w, "value");
	if (c && c->v == V_BTN_EVENT && ref.press)
		jw_uint(w, ref.press - 1);
	else if (!c || is_stale(a, s, o, now_us) || value(c, s, o, btn, w) != 0)
		jw_null(w); /* gone stale: the next read says -70402 */
	jw_obj_end(w);
}
