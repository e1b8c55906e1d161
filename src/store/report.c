/* SPDX-License-Identifier: MIT */
/* report.c — SENSOR JSON (SPEC §9.2-9.4). The keys Tasmota writes come first, in its order
 * (§9.3 items 1-15), so a Tasmota user's Home Assistant templates keep matching; our extra
 * readings (Leak, Voltage, Pressure, ...) follow in reading-type order. Differences, by
 * decision: a TelePeriod message carries every latest value (#1), Leak is published (#3),
 * DewPoint accompanies every temperature/humidity pair. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <string.h>

#include "store/report.h"
#include "store/store_int.h"

static const struct report_opts default_opts = REPORT_OPTS_DEFAULT;

static bool pend(const struct sensor *se, unsigned int t)
{
	return store_type_has(se->pend, t);
}

/* Reading types with a Tasmota key and place (§9.3); everything else is an extra. */
static bool tasmota_type(unsigned int t)
{
	switch (t) {
	case READING_TEMPERATURE:
	case READING_HUMIDITY:
	case READING_ILLUMINANCE:
	case READING_MOISTURE:
	case READING_FERTILITY:
	case READING_BUTTON:
	case READING_DIMMER:
	case READING_DIMMER_P:
	case READING_HOLD:
	case READING_MOTION:
	case READING_DOOR:
	case READING_NMT:
	case READING_BATTERY:
		return true;
	default:
		return false;
	}
}

static void key_val(struct jw *w, const char *key, double v, unsigned int dec)
{
	jw_key(w, key);
	jw_double(w, v, dec);
}

static void key_int(struct jw *w, const char *key, long long v)
{
	jw_key(w, key);
	jw_int(w, v);
}

static const struct store__val *val(const struct sensor *se, unsigned int t)
{
	return se->val[t].known ? &se->val[t] : NULL;
}

/* Our readings beyond Tasmota's keys. Events only in triggered messages, when pending. */
static void write_extras(const struct sensor *se, bool trig, bool all, bool did_dew,
			 struct jw *w)
{
	char key[48];

	for (unsigned int t = 1; t < READING__MAX; t++) {
		const struct reading_info *ri = reading_info(t);
		bool event = ri->flags & READING_F_EVENT;
		const struct store__val *v = val(se, t);

		if (!tasmota_type(t) && v && !(t == READING_DEW_POINT && did_dew) &&
		    (event ? trig && pend(se, t) : all || pend(se, t))) {
			struct reading r = { (uint16_t)t, 0, v->dec, v->v };

			reading_key(&r, key, sizeof(key));
			key_val(w, key, v->v, v->dec);
		}
		if (t == READING_BUTTON)
			continue;
		for (unsigned int i = 0; i < se->n_extra; i++) {
			const struct store__extra *x = &se->extra[i];
			struct reading r;

			if (x->type != t || (event ? !(trig && x->pending) : !(all || x->pending)))
				continue;
			r.type = x->type;
			r.index = x->index;
			r.decimals = x->dec;
			r.value = x->v;
			reading_key(&r, key, sizeof(key));
			key_val(w, key, x->v, x->dec);
		}
	}
}

/* The value of one sensor object, keys in the order of SPEC §9.3. */
static void write_object(const struct store *s, const struct sensor *se, enum report_kind kind,
			 const struct report_opts *o, struct jw *w)
{
	bool trig = kind == REPORT_TRIGGERED;
	/* decision #1: a TelePeriod message reports like an aggregated triggered one */
	bool all = !trig || s->opt[STORE_OPTION_AGGREGATE];
	const struct store__val *t = val(se, READING_TEMPERATURE);
	const struct store__val *h = val(se, READING_HUMIDITY);
	const struct store__val *v;
	uint32_t f = se->feat;
	bool did_dew = false;

	jw_obj_begin(w);
	/* 1-3 temperature, humidity, dew point */
	if ((f & MI_FEAT_TEMP_HUM) && (all || (se->pend_flags & PEND_TEMPHUM)) && t && h) {
		key_val(w, "Temperature", t->v, o->temp_res);
		key_val(w, "Humidity", h->v, o->hum_res);
		key_val(w, "DewPoint", sensor_magnus_dew_point(t->v, h->v), o->temp_res);
		did_dew = true;
	} else {
		if ((f & MI_FEAT_TEMP) && t && (all || pend(se, READING_TEMPERATURE)))
			key_val(w, "Temperature", t->v, o->temp_res);
		if ((f & MI_FEAT_HUM) && h && (all || pend(se, READING_HUMIDITY)))
			key_val(w, "Humidity", h->v, o->hum_res);
	}
	/* 4-6 */
	if ((f & MI_FEAT_LUX) && (v = val(se, READING_ILLUMINANCE)) &&
	    (all || pend(se, READING_ILLUMINANCE)))
		key_int(w, "Illuminance", (long long)v->v);
	if ((f & MI_FEAT_MOIST) && (v = val(se, READING_MOISTURE)) &&
	    (all || pend(se, READING_MOISTURE)))
		key_int(w, "Moisture", (long long)v->v);
	if ((f & MI_FEAT_FERT) && (v = val(se, READING_FERTILITY)) &&
	    (all || pend(se, READING_FERTILITY)))
		key_int(w, "Fertility", (long long)v->v);
	/* 7-8 momentary: buttons and the knob, triggered messages only */
	if (trig) {
		char key[24];

		for (unsigned int i = 0; i < se->n_extra; i++) {
			const struct store__extra *x = &se->extra[i];
			struct reading r = { x->type, x->index, x->dec, x->v };

			if (x->type != READING_BUTTON || !x->pending)
				continue;
			reading_key(&r, key, sizeof(key));
			key_int(w, key, (long long)x->v);
		}
		if (pend(se, READING_DIMMER) && (v = val(se, READING_DIMMER)))
			key_int(w, "Dimmer", (long long)v->v);
		if (pend(se, READING_DIMMER_P) && (v = val(se, READING_DIMMER_P)))
			key_int(w, "Dimmer_P", (long long)v->v);
		if (pend(se, READING_HOLD) && (v = val(se, READING_HOLD)))
			key_int(w, "Hold", (long long)v->v);
	}
	/* 9 motion */
	if (f & MI_FEAT_MOTION) {
		v = val(se, READING_MOTION);
		if (!trig) {
			key_int(w, "Events", se->events);
		} else if (pend(se, READING_MOTION) && v && v->v != 0) {
			key_int(w, "Motion", 1);
			key_int(w, "Events", se->events);
		} else if ((pend(se, READING_MOTION) && v) || (se->pend_flags & PEND_NOMOTION)) {
			key_int(w, "Motion", 0);
		}
	}
	/* 10 door: the state is also in TelePeriod messages (decision #1) */
	if (f & MI_FEAT_DOOR) {
		v = val(se, READING_DOOR);
		if (v && (!trig || pend(se, READING_DOOR)))
			key_int(w, "Door", (long long)v->v);
		if (!trig || pend(se, READING_DOOR))
			key_int(w, "Events", se->events);
	}
	/* 12 NMT: the value of the last no-motion object, when it is news */
	if (pend(se, READING_NMT) && (v = val(se, READING_NMT)))
		key_int(w, "NMT", (long long)v->v);
	/* 13-14 */
	if ((f & MI_FEAT_BAT) && (v = val(se, READING_BATTERY)) &&
	    (all || pend(se, READING_BATTERY)))
		key_int(w, "Battery", (long long)v->v);
	if ((f & MI_FEAT_PAYLOAD) && se->payload_len && (all || (se->pend_flags & PEND_PAYLOAD))) {
		jw_key(w, "Payload");
		jw_hex(w, se->payload, se->payload_len, true);
	}
	/* 15 */
	key_int(w, "RSSI", se->rssi);
	if (!trig)
		key_int(w, "Time", se->last_us ? (long long)(se->last_us / 1000000u) +
					o->time_offset_s : 0);
	jw_key(w, "MAC");
	jw_hex(w, se->mac, 6, true);
	write_extras(se, trig, all, did_dew, w);
	/* a string, unlike BTHome's numeric FirmwareVersion: what the device told by GATT */
	if (se->firmware[0] && (all || (se->pend_flags & PEND_FIRMWARE))) {
		jw_key(w, "Firmware");
		jw_str(w, se->firmware);
	}
	jw_obj_end(w);
}

static bool included(const struct store *s, const struct sensor *se, enum report_kind kind)
{
	if (kind == REPORT_TRIGGERED)
		return store__pending(se);
	return !s->opt[STORE_OPTION_NO_SUMMARY];
}

static void write_member(const struct store *s, const struct sensor *se, enum report_kind kind,
			 const struct report_opts *o, struct jw *w)
{
	char key[STORE_NAME_MAX + 8];

	sensor_json_key(se, key, sizeof(key));
	jw_key(w, key);
	write_object(s, se, kind, o, w);
}

int report_members(const struct store *s, enum report_kind kind, const struct report_opts *o,
		   struct jw *w)
{
	int n = 0;

	if (!o)
		o = &default_opts;
	for (unsigned int i = 0; i < s->n; i++) {
		if (!included(s, s->slots[i], kind))
			continue;
		write_member(s, s->slots[i], kind, o, w);
		n++;
	}
	return n;
}

int report_member(const struct store *s, unsigned int slot, enum report_kind kind,
		  const struct report_opts *o, struct jw *w)
{
	if (slot >= s->n)
		return -ENOENT;
	write_member(s, s->slots[slot], kind, o ? o : &default_opts, w);
	return 0;
}

int report_object(const struct store *s, unsigned int slot, enum report_kind kind,
		  const struct report_opts *o, struct jw *w)
{
	if (slot >= s->n)
		return -ENOENT;
	write_object(s, s->slots[slot], kind, o ? o : &default_opts, w);
	return 0;
}

/* Tasmota appends TempUnit when "Temperature" occurs anywhere in the message. */
static void temp_unit(struct jw *w, size_t from, const struct report_opts *o)
{
	char unit[2] = { o->temp_unit ? o->temp_unit : 'C', '\0' };

	if (w->overflow || !memmem(w->buf + from, w->len - from, "Temperature", 11))
		return;
	jw_key(w, "TempUnit");
	jw_str(w, unit);
}

int report_sensor(struct store *s, enum report_kind kind, const char *time_iso,
		  const struct report_opts *o, struct jw *w)
{
	size_t start = w->len;
	unsigned int n = 0;
	int count;

	if (!o)
		o = &default_opts;
	for (unsigned int i = 0; i < s->n; i++)
		n += included(s, s->slots[i], kind);
	if (n == 0)
		return 0;
	jw_obj_begin(w);
	jw_key(w, "Time");
	jw_str(w, time_iso ? time_iso : "");
	count = report_members(s, kind, o, w);
	temp_unit(w, start, o);
	jw_obj_end(w);
	if (jw_finish(w) < 0)
		return -ENOSPC;
	store_clear_pending(s, kind == REPORT_TRIGGERED);
	return count;
}

int report_status(const struct store *s, const char *time_iso, const struct report_opts *o,
		  struct jw *w)
{
	size_t start = w->len;

	if (!o)
		o = &default_opts;
	jw_obj_begin(w);
	jw_key(w, "StatusSNS");
	jw_obj_begin(w);
	jw_key(w, "Time");
	jw_str(w, time_iso ? time_iso : "");
	for (unsigned int i = 0; i < s->n; i++)
		write_member(s, s->slots[i], REPORT_TELE, o, w);
	temp_unit(w, start, o);
	jw_obj_end(w);
	jw_obj_end(w);
	return jw_finish(w);
}
