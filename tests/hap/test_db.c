/* SPDX-License-Identifier: MIT */
/* test_db.c — the accessory database from a real store: which sensors become accessories
 * (listed ones, not auto-added), their aids (by MAC, stable when the list changes), the
 * services per type, values as HAP wants them (negative temperatures, 0 lux, contact sense,
 * low battery), "No Response" before a sensor is heard, the configuration number, and the
 * events a frame causes (a button press each time). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "decode/adv.h"
#include "decode/decoded.h"
#include "decode/reading.h"
#include "decode/registry.h"
#include "hap/db.h"
#include "store/sensor.h"

#include "../util/tmpdir.h"

static char dir[64], path[96];
static const struct hap_db_opts opts = { .low_battery = 20, .bridge_name = "mi32 bridge",
					 .firmware = "0.9.0" };

static const uint8_t mac_t[6] = { 0xA4, 0xC1, 0x38, 0x11, 0x22, 0x33 };	/* LYWSD03 */
static const uint8_t mac_d[6] = { 0xE4, 0xAA, 0xEC, 0x01, 0x02, 0x03 };	/* MCCGQ02 */
static const uint8_t mac_r[6] = { 0xF8, 0x24, 0x41, 0x0A, 0x0B, 0x0C };	/* YLYK01 */
static const uint8_t mac_f[6] = { 0xC4, 0x7C, 0x8D, 0x65, 0x43, 0x21 };	/* Flora */

static int setup(void **state)
{
	(void)state;
	if (tmpdir_make(dir, "hapdb") < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/homekit.json", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir);
}

/* A frame of readings for @slot, as the decoders would hand it over. */
static void frame(struct store *st, unsigned int slot, uint64_t t, unsigned int n,
		  const struct reading *r)
{
	struct decoded d;

	decoded_reset(&d);
	d.format = DECODE_FORMAT_ATC;
	d.n = (uint8_t)n;
	memcpy(d.r, r, n * sizeof(*r));
	int rc = store_apply_decoded(st, slot, &d, -60, t);

	if (rc)
		fail_msg("apply slot %u: %d", slot, rc);
}

static cJSON *read_json(const struct hap_db *db, const struct store *st, unsigned int aid,
			unsigned int iid, int *status)
{
	static char buf[512];
	struct jw w;

	jw_init(&w, buf, sizeof(buf));
	*status = hap_db_read(db, st, &opts, 0, (struct hap_ref){ aid, iid }, true, true, true,
			      true, false, &w);
	assert_true(jw_finish(&w) > 0);
	return cJSON_Parse(buf);
}

static double read_num(const struct hap_db *db, const struct store *st, unsigned int aid,
		       unsigned int iid)
{
	int status;
	cJSON *j = read_json(db, st, aid, iid, &status);
	double v;

	assert_int_equal(status, 0);
	v = cJSON_GetObjectItem(j, "value")->valuedouble;
	cJSON_Delete(j);
	return v;
}

static void accessories(void **state)
{
	struct store *st = store_new(NULL);
	struct hap_store *hs;
	struct hap_db db;
	unsigned int t, d, r, f, a, auto_slot;
	char err[256], *buf = malloc(65536);
	bool created;
	struct jw w;
	cJSON *j, *accs;
	int status;

	(void)state;
	assert_int_equal(hap_store_open(&hs, path, NULL, &created, err, sizeof(err)), 0);
	assert_int_equal(store_add_sensor(st, mac_t, PID_LYWSD03, &t), 0);
	assert_int_equal(store_add_sensor(st, mac_d, PID_MCCGQ02, &d), 0);
	assert_int_equal(store_add_sensor(st, mac_r, PID_YLYK01, &r), 0);
	/* an auto-added sensor (an ATC advert heard) never becomes an accessory */
	{
		struct adv adv = { .addr = { 0xA4, 0xC1, 0x38, 9, 9, 9 }, .rssi = -50 };
		static const uint8_t ad[] = { 0x02, 0x01, 0x06, 0x10, 0x16, 0x1A, 0x18, 0xA4, 0xC1,
					      0x38, 9, 9, 9, 0x00, 0xD2, 0x32, 0x50, 0x0B, 0xB8,
					      0x01 };

		memcpy(adv.data, ad, sizeof(ad));
		adv.len = sizeof(ad);
		assert_int_equal(store_handle_adv(st, &adv, 500000), 0);
		assert_int_equal(store_sensor_count(st), 4);
		auto_slot = 3;
		assert_true(sensor_status(store_sensor(st, auto_slot)) & SENSOR_S_AUTO);
	}
	assert_int_equal(hap_db_build(&db, st, hs, err, sizeof(err)), 0);
	assert_int_equal(db.n, 3);
	assert_int_equal(hap_store_config_number(hs), 2);

	/* before any frame: no values, "No Response" */
	assert_non_null(j = read_json(&db, st, 2, 9, &status));
	assert_int_equal(status, HAP_STATUS_NO_RESPONSE);
	cJSON_Delete(j);

	{
		const struct reading tr[] = { { READING_TEMPERATURE, 0, 1, -7.5 },
					      { READING_HUMIDITY, 0, 0, 55 },
					      { READING_BATTERY, 0, 0, 19 } };
		const struct reading dr[] = { { READING_DOOR, 0, 0, 1 } };

		frame(st, t, 1000000, 3, tr);
		frame(st, d, 1000000, 1, dr);
	}
	/* -7.5 °C is not clamped to 0, battery 19 % is low (threshold 20) */
	assert_true(fabs(read_num(&db, st, 2, 9) + 7.5) < 1e-9);
	assert_true(fabs(read_num(&db, st, 2, 17) - 55) < 1e-9);
	assert_true(fabs(read_num(&db, st, 2, 25) - 19) < 1e-9);
	assert_true(fabs(read_num(&db, st, 2, 27) - 1) < 1e-9);
	assert_true(fabs(read_num(&db, st, 2, 26) - 2) < 1e-9);
	/* an open door: contact not detected = 1 */
	assert_true(fabs(read_num(&db, st, 3, 49) - 1) < 1e-9);
	/* unknown ids */
	assert_non_null(j = read_json(&db, st, 2, 49, &status));
	assert_int_equal(status, HAP_STATUS_NO_RESOURCE);
	cJSON_Delete(j);
	assert_non_null(j = read_json(&db, st, 99, 9, &status));
	assert_int_equal(status, HAP_STATUS_NO_RESOURCE);
	cJSON_Delete(j);
	assert_int_equal(hap_db_can_notify(&db, (struct hap_ref){ 2, 9 }), 0);
	assert_int_equal(hap_db_can_notify(&db, (struct hap_ref){ 4, 74 }),
			 HAP_STATUS_NOTIFY_UNSUPPORTED);

	/* /accessories parses, the bridge is aid 1, the remote has six switches */
	jw_init(&w, buf, 65536);
	hap_db_accessories(&db, st, &opts, 0, &w);
	assert_true(jw_finish(&w) > 0);
	j = cJSON_Parse(buf);
	assert_non_null(j);
	accs = cJSON_GetObjectItem(j, "accessories");
	assert_int_equal(cJSON_GetArraySize(accs), 4);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(accs, 0), "aid")->valueint, 1);
	a = 0;
	{
		cJSON *svc;

		cJSON_ArrayForEach(svc, cJSON_GetObjectItem(cJSON_GetArrayItem(accs, 3), "services"))
			a += !strcmp(cJSON_GetObjectItem(svc, "type")->valuestring, "89");
	}
	assert_int_equal(a, 6);
	{
		/* the thermometer's temperature allows below zero */
		cJSON *svc = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(accs, 1),
								    "services"), 1);
		cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(svc, "characteristics"), 0);

		assert_string_equal(cJSON_GetObjectItem(svc, "type")->valuestring, "8A");
		assert_int_equal(cJSON_GetObjectItem(c, "minValue")->valueint, -40);
		assert_true(fabs(cJSON_GetObjectItem(c, "value")->valuedouble + 7.5) < 1e-9);
	}
	cJSON_Delete(j);

	/* a button press is an event every time, with its kind; a read shows null */
	{
		const struct reading br[] = { { READING_BUTTON, 2, 0, 2 } };
		struct store_event ev = { 0 };
		struct hap_ref refs[8];
		char eb[128];
		size_t n;

		frame(st, r, 2000000, 1, br);
		ev.kind = STORE_EVENT_UPDATE;
		ev.slot = r;
		ev.sensor = store_sensor(st, r);
		ev.updated[READING_BUTTON / 64] |= 1ull << (READING_BUTTON % 64);
		n = hap_db_changed(&db, &ev, refs, 8);
		assert_int_equal(n, 1);
		assert_int_equal(refs[0].aid, 4);
		assert_int_equal(refs[0].iid, 72 + 16 + 1);
		jw_init(&w, eb, sizeof(eb));
		hap_db_event(&db, st, &opts, 0, refs[0], &w);
		assert_true(jw_finish(&w) > 0);
		assert_non_null(strstr(eb, "\"value\":1")); /* double press */
		assert_non_null(j = read_json(&db, st, 4, 89, &status));
		assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "value")));
		cJSON_Delete(j);
	}

	/* a new sensor: a new aid, c# rises; the others keep theirs */
	assert_int_equal(store_add_sensor(st, mac_f, PID_FLORA, &f), 0);
	assert_int_equal(hap_db_build(&db, st, hs, err, sizeof(err)), 0);
	assert_int_equal(hap_store_config_number(hs), 3);
	assert_int_equal(db.acc[0].aid, 2);
	assert_int_equal(db.acc[3].aid, 5);
	/* the same list again: no change */
	assert_int_equal(hap_db_build(&db, st, hs, err, sizeof(err)), 0);
	assert_int_equal(hap_store_config_number(hs), 3);
	/* 0 lux is HAP's minimum, not out of range */
	{
		const struct reading lr[] = { { READING_ILLUMINANCE, 0, 0, 0 } };

		frame(st, f, 3000000, 1, lr);
		assert_true(fabs(read_num(&db, st, 5, 33) - 0.0001) < 1e-9);
	}
	hap_store_free(hs);
	store_free(st);
	free(buf);
}

/* The event of @ref as a HAP value: 0 single, 1 double, 2 long; -1 null. */
static int event_value(const struct hap_db *db, const struct store *st, struct hap_ref ref)
{
	char eb[128];
	struct jw w;
	cJSON *j, *v;
	int r;

	jw_init(&w, eb, sizeof(eb));
	hap_db_event(db, st, &opts, 0, ref, &w);
	assert_true(jw_finish(&w) > 0);
	j = cJSON_Parse(eb);
	assert_non_null(j);
	assert_int_equal(cJSON_GetObjectItem(j, "aid")->valueint, (int)ref.aid);
	assert_int_equal(cJSON_GetObjectItem(j, "iid")->valueint, (int)ref.iid);
	v = cJSON_GetObjectItem(j, "value");
	r = cJSON_IsNull(v) ? -1 : v->valueint;
	cJSON_Delete(j);
	return r;
}

/* What one frame of @r makes the database send: refs into out[], their count. */
static size_t frame_events(struct hap_db *db, struct store *st, unsigned int slot, uint64_t t,
			   const struct reading *r, struct hap_ref *out)
{
	struct store_event ev = { 0 };

	frame(st, slot, t, 1, r);
	ev.kind = STORE_EVENT_UPDATE;
	ev.slot = slot;
	ev.sensor = store_sensor(st, slot);
	ev.updated[r->type / 64] |= 1ull << (r->type % 64);
	return hap_db_changed(db, &ev, out, 8);
}

/* The YLKG07/08 dimmer: its button and two knob switches (right, left); a turn is a single
 * press, a turn while pressed and a hold are long presses; a triple press has no HAP word */
static void dimmer_knob(void **state)
{
	static const uint8_t mac_k[6] = { 0xF8, 0x24, 0x41, 0xC5, 0x98, 0x8B };
	struct store *st = store_new(NULL);
	struct hap_store *hs;
	struct hap_db db;
	struct hap_ref refs[8];
	char err[256], *buf = malloc(65536);
	unsigned int k, labels = 0;
	bool created;
	struct jw w;
	cJSON *j, *svc;

	(void)state;
	assert_int_equal(hap_store_open(&hs, path, NULL, &created, err, sizeof(err)), 0);
	assert_int_equal(store_add_sensor(st, mac_k, PID_YLKG08, &k), 0);
	assert_int_equal(hap_db_build(&db, st, hs, err, sizeof(err)), 0);
	assert_int_equal(db.acc[0].buttons, 3);
	assert_true(db.acc[0].knob);

	/* three switches under a service label, label indices 1, 2, 3 */
	jw_init(&w, buf, 65536);
	hap_db_accessories(&db, st, &opts, 0, &w);
	assert_true(jw_finish(&w) > 0);
	j = cJSON_Parse(buf);
	cJSON_ArrayForEach(svc, cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j,
			   "accessories"), 1), "services")) {
		const char *type = cJSON_GetObjectItem(svc, "type")->valuestring;

		if (!strcmp(type, "CC"))
			labels += 100;
		if (!strcmp(type, "89")) {
			cJSON *idx = cJSON_GetArrayItem(cJSON_GetObjectItem(svc, "characteristics"), 1);

			assert_string_equal(cJSON_GetObjectItem(idx, "type")->valuestring, "CB");
			labels += (unsigned int)cJSON_GetObjectItem(idx, "value")->valueint;
		}
	}
	assert_int_equal(labels, 100 + 1 + 2 + 3);
	cJSON_Delete(j);

	{
		const struct reading right[] = { { READING_DIMMER, 0, 0, 2 } };
		const struct reading left[] = { { READING_DIMMER, 0, 0, -1 } };
		const struct reading pressed[] = { { READING_DIMMER_P, 0, 0, -3 } };
		const struct reading hold[] = { { READING_HOLD, 0, 0, 4 } };
		const struct reading dbl[] = { { READING_BUTTON, 0, 0, 2 } };
		const struct reading triple[] = { { READING_BUTTON, 0, 0, 4 } };
		unsigned int aid = db.acc[0].aid;

		assert_int_equal(frame_events(&db, st, k, 1000000, right, refs), 1);
		assert_int_equal(refs[0].iid, 72 + 8 + 1);	/* switch 2: turned right */
		assert_int_equal(event_value(&db, st, refs[0]), 0);
		assert_int_equal(frame_events(&db, st, k, 2000000, left, refs), 1);
		assert_int_equal(refs[0].iid, 72 + 16 + 1);	/* switch 3: turned left */
		assert_int_equal(event_value(&db, st, refs[0]), 0);
		assert_int_equal(frame_events(&db, st, k, 3000000, pressed, refs), 1);
		assert_int_equal(refs[0].iid, 72 + 16 + 1);	/* left while pressed: long */
		assert_int_equal(event_value(&db, st, refs[0]), 2);
		assert_int_equal(frame_events(&db, st, k, 4000000, hold, refs), 1);
		assert_int_equal(refs[0].iid, 72 + 1);		/* the button held: long */
		assert_int_equal(event_value(&db, st, refs[0]), 2);
		assert_int_equal(frame_events(&db, st, k, 5000000, dbl, refs), 1);
		assert_int_equal(refs[0].iid, 72 + 1);
		assert_int_equal(event_value(&db, st, refs[0]), 1);
		assert_int_equal(frame_events(&db, st, k, 6000000, triple, refs), 0);
		/* a plain read of a switch is null, whatever was pressed */
		assert_int_equal(event_value(&db, st, (struct hap_ref){ aid, 72 + 1, 0 }), -1);
	}
	hap_store_free(hs);
	store_free(st);
	free(buf);
}

/* A sensor gone stale answers "No Response"; heard again, its value; the low-battery
 * threshold is the configured one */
static void stale_and_low_battery(void **state)
{
	struct store *st = store_new(NULL);
	struct hap_store *hs;
	struct hap_db db;
	struct hap_db_opts o10 = opts;
	char err[256], eb[256];
	unsigned int t;
	bool created;
	int status;
	struct jw w;
	cJSON *j;
	const struct reading tr[] = { { READING_TEMPERATURE, 0, 1, -12.5 },
				      { READING_BATTERY, 0, 0, 15 } };

	(void)state;
	assert_int_equal(hap_store_open(&hs, path, NULL, &created, err, sizeof(err)), 0);
	assert_int_equal(store_add_sensor(st, mac_t, PID_LYWSD03, &t), 0);
	assert_int_equal(hap_db_build(&db, st, hs, err, sizeof(err)), 0);
	frame(st, t, 1000000, 2, tr);
	assert_true(fabs(read_num(&db, st, 2, 9) + 12.5) < 1e-9);
	assert_true(fabs(read_num(&db, st, 2, 27) - 1) < 1e-9); /* 15 % <= 20 % */
	o10.low_battery = 10;
	jw_init(&w, eb, sizeof(eb));
	assert_int_equal(hap_db_read(&db, st, &o10, 0, (struct hap_ref){ 2, 27, 0 }, false, false,
				     false, false, false, &w), 0);
	assert_true(jw_finish(&w) > 0);
	assert_non_null(strstr(eb, "\"value\":0")); /* 15 % > 10 % */

	/* 1801 s unheard (the store's stale time is 1800 s) */
	store_tick(st, 1000000 + 1801ull * 1000000);
	assert_true(sensor_status(store_sensor(st, t)) & SENSOR_S_STALE);
	assert_non_null(j = read_json(&db, st, 2, 9, &status));
	assert_int_equal(status, HAP_STATUS_NO_RESPONSE);
	cJSON_Delete(j);
	assert_non_null(j = read_json(&db, st, 2, 25, &status));
	assert_int_equal(status, HAP_STATUS_NO_RESPONSE);
	cJSON_Delete(j);
	/* heard again */
	frame(st, t, 1000000 + 1900ull * 1000000, 2, tr);
	assert_true(fabs(read_num(&db, st, 2, 9) + 12.5) < 1e-9);
	hap_store_free(hs);
	store_free(st);
}

/* "No Response" after the learned interval: a thermometer heard every 10 s is missed after
 * 5 gaps (50 s), well before the store's stale time; the floor holds; a rebuild keeps what
 * was learned; a door sensor (no schedule) never goes silent this way */
static void learned_interval(void **state)
{
	struct store *st = store_new(NULL);
	struct hap_store *hs;
	struct hap_db db;
	struct hap_db_opts o = opts;
	char err[256], eb[256];
	unsigned int t, d, f;
	uint64_t at = 0;
	bool created;
	struct jw w;
	const struct reading tr[] = { { READING_TEMPERATURE, 0, 1, 21.5 } };
	const struct reading dr[] = { { READING_DOOR, 0, 0, 0 } };

	(void)state;
	o.stale_min_s = 30;
	o.stale_s = 1800;
	assert_int_equal(hap_store_open(&hs, path, NULL, &created, err, sizeof(err)), 0);
	assert_int_equal(store_add_sensor(st, mac_t, PID_LYWSD03, &t), 0);
	assert_int_equal(store_add_sensor(st, mac_d, PID_MCCGQ02, &d), 0);
	assert_int_equal(hap_db_build(&db, st, hs, err, sizeof(err)), 0);
	for (int i = 0; i < 4; i++) {
		struct store_event ev = { .kind = STORE_EVENT_UPDATE, .slot = t };

		at = 1000000 + (uint64_t)i * 10000000;
		frame(st, t, at, 1, tr);
		ev.time_us = at;
		hap_db_heard(&db, &ev);
		ev.slot = d;
		frame(st, d, at, 1, dr);
		hap_db_heard(&db, &ev);
	}
	/* a sensor added: the database is rebuilt, the thermometer's gaps are kept */
	assert_int_equal(store_add_sensor(st, mac_f, PID_FLORA, &f), 0);
	assert_int_equal(hap_db_build(&db, st, hs, err, sizeof(err)), 0);
	assert_int_equal(db.acc[0].learned.n, 3);

#define READ_AT(when, aid, iid)                                                                  \
	(jw_init(&w, eb, sizeof(eb)),                                                            \
	 hap_db_read(&db, st, &o, (when), (struct hap_ref){ (aid), (iid), 0 }, false, false,      \
		     false, false, false, &w))
	assert_int_equal(READ_AT(at + 49000000, 2, 9), HAP_STATUS_OK);	   /* 49 s: heard */
	assert_int_equal(READ_AT(at + 51000000, 2, 9), HAP_STATUS_NO_RESPONSE); /* 51 s: missed */
	assert_int_equal(READ_AT(at + 51000000, 3, 49), HAP_STATUS_OK);	   /* a door waits */
	/* /accessories says null for the missed thermometer's value */
	{
		char *buf = malloc(65536);

		jw_init(&w, buf, 65536);
		hap_db_accessories(&db, st, &o, at + 51000000, &w);
		assert_true(jw_finish(&w) > 0);
		assert_non_null(strstr(buf, "\"type\":\"11\",\"perms\":[\"pr\",\"ev\"],"
					    "\"format\":\"float\",\"unit\":\"celsius\",\"minValue\":-40.0,"
					    "\"maxValue\":100,\"minStep\":0.1,\"value\":null"));
		free(buf);
	}
	/* a floor above 5 gaps: 60 s */
	o.stale_min_s = 60;
	assert_int_equal(READ_AT(at + 55000000, 2, 9), HAP_STATUS_OK);
	assert_int_equal(READ_AT(at + 61000000, 2, 9), HAP_STATUS_NO_RESPONSE);
	/* off: only the store's stale flag counts */
	o.stale_min_s = 0;
	assert_int_equal(READ_AT(at + 600000000, 2, 9), HAP_STATUS_OK);
#undef READ_AT
	hap_store_free(hs);
	store_free(st);
}

/* HAP's 150 accessories: 149 sensors and the bridge; the rest are counted as left out */
static void accessory_limit(void **state)
{
	struct store *st = store_new(NULL);
	struct hap_store *hs;
	struct hap_db db;
	char err[256];
	bool created;

	(void)state;
	assert_int_equal(hap_store_open(&hs, path, NULL, &created, err, sizeof(err)), 0);
	for (unsigned int i = 0; i < HAP_DB_MAX + 2; i++) {
		const uint8_t mac[6] = { 0xA4, 0xC1, 0x38, 0x00, (uint8_t)(i >> 8), (uint8_t)i };
		unsigned int slot;

		assert_int_equal(store_add_sensor(st, mac, PID_LYWSD03, &slot), 0);
	}
	assert_int_equal(hap_db_build(&db, st, hs, err, sizeof(err)), 0);
	assert_int_equal(db.n, 149);
	assert_int_equal(db.left_out, 2);
	/* every aid distinct, none is the bridge's */
	for (size_t i = 0; i < db.n; i++) {
		assert_true(db.acc[i].aid >= 2);
		for (size_t k = 0; k < i; k++)
			assert_int_not_equal(db.acc[i].aid, db.acc[k].aid);
	}
	hap_store_free(hs);
	store_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(accessories, setup, teardown),
		cmocka_unit_test_setup_teardown(dimmer_knob, setup, teardown),
		cmocka_unit_test_setup_teardown(stale_and_low_battery, setup, teardown),
		cmocka_unit_test_setup_teardown(learned_interval, setup, teardown),
		cmocka_unit_test_setup_teardown(accessory_limit, setup, teardown),
	};
	return cmocka_run_group_tests_name("hap_db", tests, NULL, NULL);
}
