/* SPDX-License-Identifier: MIT */
/* test_store.c — the sensor list: slots and naming, the advert path (auto-add, option 3,
 * cap, dedupe, replay, keys, generic devices and RPAs), triggers, NMT, stale, events and
 * their re-entrancy, OOM, and that a known sensor's advert allocates nothing. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode/atc.h"
#include "decode/bthome.h"
#include "decode/rpa.h"
#include "store/sensor.h"
#include "store/store.h"
#include "store/store_int.h"

/* store.c is the module that allocates: its copy here fails on demand (STYLE §6) */
#include "../util/failalloc.h"
#define calloc(n, size) t_calloc(n, size)
#define realloc(p, n) t_realloc(p, n)
#include "../../src/store/store.c"
#undef calloc
#undef realloc

#define T0 (1714564800ull * 1000000ull) /* 2024-05-01T12:00:00Z */
#define SEC 1000000ull

static const uint8_t MAC_ATC[6] = { 0xA4, 0xC1, 0x38, 0x11, 0x22, 0x33 };
static const uint8_t MAC_LYW[6] = { 0xA4, 0xC1, 0x38, 0xA1, 0xB2, 0xC3 };
static const uint8_t MAC_BTH[6] = { 0xE8, 0xAA, 0xEC, 0x00, 0x00, 0x01 };

static void adv_svc(struct adv *a, const uint8_t addr[6], uint16_t uuid, const uint8_t *p,
		    size_t n, int8_t rssi)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->addr, addr, 6);
	a->rssi = rssi;
	a->data[0] = (uint8_t)(n + 3);
	a->data[1] = 0x16;
	a->data[2] = uuid & 0xff;
	a->data[3] = uuid >> 8;
	memcpy(a->data + 4, p, n);
	a->len = (uint8_t)(n + 4);
}

static void adv_atc(struct adv *a, const uint8_t mac[6], int16_t t10, uint8_t hum, uint8_t bat,
		    uint8_t cnt)
{
	struct atc_frame f = { { 0 }, t10, hum, bat, 2950, cnt };
	uint8_t p[ATC_LEN];

	memcpy(f.mac, mac, 6);
	assert_int_equal(atc_encode(&f, p, sizeof(p)), ATC_LEN);
	adv_svc(a, mac, 0x181A, p, sizeof(p), -60);
}

static void adv_bthome(struct adv *a, const uint8_t mac[6], const struct aes_key *key,
		       uint32_t counter, double temp)
{
	struct bthome_obj o[1] = { { BTHOME_OBJ_TEMPERATURE, temp, NULL, 0 } };
	uint8_t p[64];
	int n = bthome_encode(o, 1, 0, mac, key, counter, p, sizeof(p));

	assert_true(n > 0);
	adv_svc(a, mac, 0xFCD2, p, (size_t)n, -70);
}

static void decoded_one(struct decoded *d, unsigned int type, unsigned int index, double v)
{
	decoded_reset(d);
	d->format = DECODE_FORMAT_MIBEACON;
	decoded_add(d, type, index, 0, v);
}

static void setup_tz(void)
{
	setenv("TZ", "UTC", 1);
}

/* ---- event recorder ---- */

#define REC_MAX 64
struct rec {
	unsigned int n;
	struct store_event ev[REC_MAX];
	unsigned int destroyed;
};

static void rec_cb(const struct store_event *ev, void *ud)
{
	struct rec *r = ud;

	if (r->n < REC_MAX)
		r->ev[r->n] = *ev;
	r->n++;
}

static void rec_destroy(void *ud)
{
	((struct rec *)ud)->destroyed++;
}

static const struct store_event *rec_find(const struct rec *r, unsigned int kind)
{
	for (unsigned int i = 0; i < r->n && i < REC_MAX; i++)
		if (r->ev[i].kind == kind)
			return &r->ev[i];
	return NULL;
}

/* ---- slots and names ---- */

static void test_add_find_names(void **state)
{
	static const uint8_t m[4][6] = {
		{ 0xA4, 0xC1, 0x38, 0xA1, 0xB2, 0xC3 },
		{ 0x11, 0x22, 0x33, 0xAA, 0xBB, 0xCC },
		{ 0x12, 0x34, 0x56, 0xDD, 0xEE, 0xFF },
		{ 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF },
	};
	struct store *s = store_new(NULL);
	unsigned int slot;
	char buf[80];

	(void)state;
	assert_non_null(s);
	assert_int_equal(store_add_sensor(s, m[0], PID_LYWSD03, &slot), 0);
	assert_int_equal(slot, 0);
	assert_null(registry_find(0x7FFE));
	assert_int_equal(store_add_sensor(s, m[1], 0x7FFE, &slot), 0);
	assert_int_equal(store_add_sensor(s, m[2], 0x0000, &slot), 0);
	assert_int_equal(store_add_sensor(s, m[3], 0x0000, &slot), 0);
	assert_int_equal(slot, 3);
	assert_int_equal(store_add_sensor(s, m[1], PID_LYWSD03, &slot), -EEXIST);
	assert_int_equal(slot, 1);
	assert_int_equal(store_sensor_count(s), 4);
	assert_int_equal(store_find(s, m[2]), 2);
	assert_int_equal(store_find(s, MAC_ATC), -ENOENT);

	sensor_json_key(store_sensor(s, 0), buf, sizeof(buf));
	assert_string_equal(buf, "LYWSD03-a1b2c3");
	sensor_json_key(store_sensor(s, 1), buf, sizeof(buf));
	assert_string_equal(buf, "MI_7FFE-aabbcc");
	sensor_json_key(store_sensor(s, 3), buf, sizeof(buf));
	assert_string_equal(buf, "BLE_03-ddeeff");
	sensor_name(store_sensor(s, 3), buf, sizeof(buf));
	assert_string_equal(buf, "BLE_03");
	assert_int_equal(sensor_feat(store_sensor(s, 0)), MI_FEAT_THB);

	assert_int_equal(store_set_name(s, 0, "Kitchen"), 0);
	sensor_json_key(store_sensor(s, 0), buf, sizeof(buf));
	assert_string_equal(buf, "Kitchen");
	assert_string_equal(sensor_name_override(store_sensor(s, 0)), "Kitchen");
	assert_int_equal(store_set_name(s, 0, NULL), 0);
	assert_null(sensor_name_override(store_sensor(s, 0)));
	memset(buf, 'x', 70);
	buf[70] = '\0';
	assert_int_equal(store_set_name(s, 0, buf), -ENAMETOOLONG);
	assert_int_equal(store_set_name(s, 9, "x"), -ENOENT);
	/* truncation keeps a NUL */
	assert_int_equal(sensor_json_key(store_sensor(s, 0), buf, 8), 7);
	assert_string_equal(buf, "LYWSD03");
	assert_int_equal(store_set_feat(s, 1, 0x86), 0);
	assert_int_equal(sensor_feat(store_sensor(s, 1)), 0x86);
	store_free(s);
}

static void test_many_sensors(void **state)
{
	struct store *s = store_new(NULL);
	uint8_t mac[6] = { 0x10, 0, 0, 0, 0, 0 };

	(void)state;
	for (unsigned int i = 0; i < 1000; i++) {
		unsigned int slot;

		mac[3] = (uint8_t)(i >> 8);
		mac[5] = (uint8_t)i;
		assert_int_equal(store_add_sensor(s, mac, PID_ATC, &slot), 0);
		assert_int_equal(slot, i);
	}
	for (unsigned int i = 0; i < 1000; i++) {
		mac[3] = (uint8_t)(i >> 8);
		mac[5] = (uint8_t)i;
		assert_int_equal(store_find(s, mac), (int)i);
		assert_memory_equal(sensor_mac(store_sensor(s, i)), mac, 6);
	}
	store_free(s);
}

static void test_options(void **state)
{
	struct store *s = store_new(NULL);

	(void)state;
	assert_int_equal(store_option(s, 0), 1);
	assert_int_equal(store_option(s, 1), 0);
	assert_int_equal(store_option(s, 2), 0);
	assert_int_equal(store_option(s, 3), 1); /* user's document: 1 = add new sensors */
	assert_int_equal(store_option(s, 4), 0);
	assert_int_equal(store_option(s, 5), 0);
	assert_int_equal(store_set_option(s, 2, 7), 1);
	assert_int_equal(store_option(s, 2), 1);
	assert_int_equal(store_option(s, 6), -EINVAL);
	assert_int_equal(store_set_option(s, 6, 1), -EINVAL);
	store_free(s);
}

/* ---- the advert path ---- */

static void test_atc_auto_add_and_dedupe(void **state)
{
	struct store *s = store_new(NULL);
	struct rec r = { 0 };
	const struct sensor *se;
	struct adv a;
	double v;
	unsigned int dec;

	(void)state;
	assert_true(store_subscribe(s, STORE_EVENT_ALL, rec_cb, &r, rec_destroy) > 0);
	adv_atc(&a, MAC_ATC, 214, 48, 87, 7);
	assert_int_equal(store_handle_adv(s, &a, T0), 0);
	assert_int_equal(store_sensor_count(s), 1);
	se = store_sensor(s, 0);
	assert_int_equal(sensor_pid(se), PID_ATC);
	assert_true(sensor_value(se, READING_TEMPERATURE, &v, &dec));
	assert_true(fabs(v - 21.4) < 1e-9);
	assert_int_equal(dec, 1);
	assert_true(sensor_value(se, READING_VOLTAGE, &v, &dec));
	assert_int_equal(dec, 3);
	assert_int_equal(sensor_rssi(se), -60);
	assert_int_equal(sensor_last_us(se), T0);
	assert_true(sensor_status(se) & SENSOR_S_AUTO);
	assert_non_null(rec_find(&r, STORE_EVENT_NEW));
	assert_non_null(rec_find(&r, STORE_EVENT_UPDATE));
	assert_true(store_type_has(rec_find(&r, STORE_EVENT_UPDATE)->updated, READING_HUMIDITY));
	assert_false(rec_find(&r, STORE_EVENT_UPDATE)->publish);

	/* the same counter again: duplicate; a new one: accepted */
	assert_int_equal(store_handle_adv(s, &a, T0 + SEC), -EALREADY);
	adv_atc(&a, MAC_ATC, 215, 48, 87, 8);
	assert_int_equal(store_handle_adv(s, &a, T0 + 2 * SEC), 0);
	assert_int_equal(store_stats(s)->adverts, 3);
	assert_int_equal(store_stats(s)->decoded, 2);
	assert_int_equal(store_stats(s)->duplicates, 1);
	/* unchanged humidity is updated but not changed */
	assert_true(store_type_has(r.ev[r.n - 1].updated, READING_HUMIDITY));
	assert_false(store_type_has(r.ev[r.n - 1].changed, READING_HUMIDITY));
	assert_true(store_type_has(r.ev[r.n - 1].changed, READING_TEMPERATURE));
	store_free(s);
	assert_int_equal(r.destroyed, 1);
}

static void test_atc_identity_is_frame_mac(void **state)
{
	static const uint8_t other[6] = { 0x11, 0x11, 0x11, 0x11, 0x11, 0x11 };
	struct store *s = store_new(NULL);
	struct adv a;

	(void)state;
	adv_atc(&a, MAC_ATC, 214, 48, 87, 7);
	memcpy(a.addr, other, 6);
	assert_int_equal(store_handle_adv(s, &a, T0), 0);
	assert_int_equal(store_find(s, MAC_ATC), 0);
	assert_int_equal(store_find(s, other), -ENOENT);
	store_free(s);
}

static void test_option3_and_cap(void **state)
{
	struct store_config cfg = STORE_CONFIG_DEFAULT;
	struct store *s;
	struct adv a;
	uint8_t mac[6] = { 0xA4, 0xC1, 0x38, 0, 0, 0 };
	unsigned int slot;

	(void)state;
	cfg.max_auto = 2;
	s = store_new(&cfg);
	assert_int_equal(store_add_sensor(s, MAC_LYW, PID_LYWSD03, &slot), 0); /* not counted */
	store_set_option(s, STORE_OPTION_AUTO_ADD, 0);
	adv_atc(&a, MAC_ATC, 214, 48, 87, 7);
	assert_int_equal(store_handle_adv(s, &a, T0), -EPERM);
	assert_int_equal(store_stats(s)->dropped_cap, 1);
	store_set_option(s, STORE_OPTION_AUTO_ADD, 1);
	for (int i = 0; i < 3; i++) {
		mac[5] = (uint8_t)i;
		adv_atc(&a, mac, 214, 48, 87, 7);
		assert_int_equal(store_handle_adv(s, &a, T0), i < 2 ? 0 : -ENOSPC);
	}
	assert_int_equal(store_sensor_count(s), 3);
	assert_int_equal(store_stats(s)->dropped_cap, 2);
	store_free(s);
}

static void test_errors_counted(void **state)
{
	static const uint8_t bad[5] = { 1, 2, 3, 4, 5 };
	struct store *s = store_new(NULL);
	struct adv a;

	(void)state;
	adv_svc(&a, MAC_ATC, 0x181A, bad, sizeof(bad), -50); /* pvvx/atc: impossible length */
	assert_int_equal(store_handle_adv(s, &a, T0), -EBADMSG);
	assert_int_equal(store_stats(s)->malformed, 1);
	adv_svc(&a, MAC_ATC, 0x1234, bad, sizeof(bad), -50);
	assert_int_equal(store_handle_adv(s, &a, T0), -ENOMSG);
	assert_int_equal(store_stats(s)->not_sensor, 1);
	assert_int_equal(store_sensor_count(s), 0);
	store_free(s);
}

/* ---- counters: replay protection ---- */

static void enc(struct decoded *d, uint32_t counter)
{
	decoded_one(d, READING_TEMPERATURE, 0, 20.0);
	d->encrypted = true;
	d->has_counter = true;
	d->counter = counter;
}

static void test_replay(void **state)
{
	struct store *s = store_new(NULL);
	struct decoded d;
	unsigned int slot;
	uint64_t t = T0;

	(void)state;
	store_add_sensor(s, MAC_LYW, PID_LYWSD03, &slot);
	/* 8-bit counters */
	enc(&d, 100);
	assert_int_equal(store_apply_decoded(s, slot, &d, -70, t += SEC), 0);
	enc(&d, 99);
	assert_int_equal(store_apply_decoded(s, slot, &d, -70, t += SEC), -ESTALE);
	enc(&d, 100);
	assert_int_equal(store_apply_decoded(s, slot, &d, -70, t += SEC), -EALREADY);
	enc(&d, 101);
	assert_int_equal(store_apply_decoded(s, slot, &d, -70, t += SEC), 0);
	enc(&d, 250);
	assert_int_equal(store_apply_decoded(s, slot, &d, -70, t += SEC), 0);
	enc(&d, 5); /* wrap-around */
	assert_int_equal(store_apply_decoded(s, slot, &d, -70, t += SEC), 0);
	enc(&d, 161); /* 100 behind, far for an 8-bit counter (> 64): a reboot */
	assert_int_equal(store_apply_decoded(s, slot, &d, -70, t += SEC), 0);
	/* 32-bit counters */
	enc(&d, 5000);
	assert_int_equal(store_apply_decoded(s, slot, &d, -70, t += SEC), 0);
	enc(&d, 4500);
	assert_int_equal(store_apply_decoded(s, slot, &d, -70, t += SEC), -ESTALE);
	enc(&d, 3000); /* 2000 behind: reboot */
	assert_int_equal(store_apply_decoded(s, slot, &d, -70, t += SEC), 0);
	enc(&d, 2990); /* 10 behind, but after 11 minutes of silence: reboot */
	assert_int_equal(store_apply_decoded(s, slot, &d, -70, t += 660 * SEC), 0);
	enc(&d, 2980);
	assert_int_equal(store_apply_decoded(s, slot, &d, -70, t += SEC), -ESTALE);
	enc(&d, 0xFFFFFFF0u); /* 3006 behind modulo 2^32: a reboot */
	assert_int_equal(store_apply_decoded(s, slot, &d, -70, t += SEC), 0);
	enc(&d, 5); /* 32-bit wrap-around */
	assert_int_equal(store_apply_decoded(s, slot, &d, -70, t += SEC), 0);
	enc(&d, 0xFFFFFFFFu); /* 6 behind across the wrap */
	assert_int_equal(store_apply_decoded(s, slot, &d, -70, t += SEC), -ESTALE);
	assert_int_equal(store_stats(s)->replays, 4);
	assert_int_equal(store_stats(s)->duplicates, 1);
	/* plain frames are not replay-checked, only deduped */
	decoded_one(&d, READING_TEMPERATURE, 0, 20.0);
	d.has_counter = true;
	d.counter = 10;
	assert_int_equal(store_apply_decoded(s, slot, &d, -70, t += SEC), 0);
	assert_true(sensor_feat(store_sensor(s, slot)) & MI_FEAT_NEEDS_KEY);
	assert_int_equal(store_apply_decoded(s, 7, &d, -70, t), -ENOENT);
	store_free(s);
}

/* ---- keys ---- */

static void test_keys_bthome(void **state)
{
	static const uint8_t raw[16] = { 0x23, 0x1d, 0x39, 0xc1, 0xd7, 0xcc, 0x1a, 0xb1,
					 0xae, 0xe2, 0x24, 0xcd, 0x09, 0x6d, 0xb9, 0x32 };
	static const uint8_t wrong[16] = { 1 };
	struct store *s = store_new(NULL);
	struct aes_key k = { { 0 }, NULL };
	struct rec r = { 0 };
	const struct store_event *ev;
	struct adv a;
	unsigned int slot;

	(void)state;
	assert_int_equal(aes_key_set(&k, raw), 0);
	store_subscribe(s, STORE_EVENT_KEY_PROBLEM, rec_cb, &r, NULL);
	adv_bthome(&a, MAC_BTH, &k, 1, 21.5);
	assert_int_equal(store_try_key(s, 0, raw), -ENOENT);

	/* no key: auto-added, needsKey, one notice only */
	assert_int_equal(store_handle_adv(s, &a, T0), -ENOKEY);
	assert_int_equal(store_sensor_count(s), 1);
	slot = 0;
	assert_true(sensor_feat(store_sensor(s, slot)) & MI_FEAT_NEEDS_KEY);
	assert_int_equal(store_handle_adv(s, &a, T0 + SEC), -ENOKEY);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ev[0].error, -ENOKEY);
	assert_int_equal(store_stats(s)->no_key, 2);

	/* the buffered frame validates keys */
	assert_int_equal(store_try_key(s, slot, wrong), -EKEYREJECTED);
	assert_int_equal(store_try_key(s, slot, raw), 0);

	/* a wrong key: flagged, one notice */
	assert_int_equal(store_set_key(s, slot, wrong), 0);
	assert_int_equal(store_handle_adv(s, &a, T0 + 2 * SEC), -EKEYREJECTED);
	assert_int_equal(store_handle_adv(s, &a, T0 + 3 * SEC), -EKEYREJECTED);
	assert_true(sensor_status(store_sensor(s, slot)) & SENSOR_S_WRONG_KEY);
	assert_int_equal(r.n, 2);
	ev = &r.ev[1];
	assert_int_equal(ev->error, -EKEYREJECTED);
	assert_int_equal(store_stats(s)->wrong_key, 2);

	/* the right key: decodes, status cleared */
	assert_int_equal(store_set_key(s, slot, raw), 0);
	assert_false(sensor_status(store_sensor(s, slot)) & SENSOR_S_WRONG_KEY);
	assert_memory_equal(sensor_key(store_sensor(s, slot)), raw, 16);
	assert_int_equal(store_handle_adv(s, &a, T0 + 4 * SEC), 0);
	assert_int_equal(store_handle_adv(s, &a, T0 + 5 * SEC), -EALREADY); /* same counter */
	adv_bthome(&a, MAC_BTH, &k, 0, 21.5); /* replayed older counter */
	assert_int_equal(store_handle_adv(s, &a, T0 + 6 * SEC), -ESTALE);
	assert_int_equal(store_clear_key(s, slot), 0);
	assert_null(sensor_key(store_sensor(s, slot)));
	aes_key_clear(&k);
	store_free(s);
}

static void test_try_key_nodata(void **state)
{
	static const uint8_t raw[16] = { 0 };
	struct store *s = store_new(NULL);

	(void)state;
	store_add_sensor(s, MAC_LYW, PID_LYWSD03, NULL);
	assert_int_equal(store_try_key(s, 0, raw), -ENODATA);
	store_free(s);
}

/* ---- generic devices and RPAs (SPEC §6) ---- */

static void adv_plain(struct adv *a, const uint8_t addr[6], uint8_t type, const char *name)
{
	size_t n = strlen(name);

	memset(a, 0, sizeof(*a));
	memcpy(a->addr, addr, 6);
	a->addr_type = type;
	a->rssi = -80;
	a->data[0] = 2;
	a->data[1] = 0x01;
	a->data[2] = 0x06;
	a->data[3] = (uint8_t)(n + 1);
	a->data[4] = 0x09;
	memcpy(a->data + 5, name, n);
	a->len = (uint8_t)(5 + n);
}

static void test_generic_public(void **state)
{
	static const uint8_t mac[6] = { 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF };
	struct store *s = store_new(NULL);
	const struct sensor *se;
	struct adv a;
	size_t len;
	char buf[32];

	(void)state;
	adv_plain(&a, mac, ADV_ADDR_PUBLIC, "Tag");
	assert_int_equal(store_handle_adv(s, &a, T0), -ENOMSG); /* option 5 off */
	store_set_option(s, STORE_OPTION_GENERIC, 1);
	assert_int_equal(store_handle_adv(s, &a, T0), 0);
	assert_int_equal(store_handle_adv(s, &a, T0 + SEC), 0);
	se = store_sensor(s, 0);
	assert_int_equal(sensor_pid(se), 0);
	assert_true(sensor_feat(se) & MI_FEAT_PAYLOAD);
	assert_memory_equal(sensor_payload(se, &len), a.data, a.len);
	assert_int_equal(len, a.len);
	sensor_json_key(se, buf, sizeof(buf));
	assert_string_equal(buf, "Tag");
	assert_int_equal(store_stats(s)->generic, 2);
	/* an advertised name keeps what mi32cfg can hold: up to a control character or bad
	 * UTF-8 (a saved list must load again; issue 10 #9) */
	a.addr[5] ^= 2;
	adv_plain(&a, a.addr, ADV_ADDR_PUBLIC, "Ti\xC3\xA9\x01rs\xFF");
	assert_int_equal(store_handle_adv(s, &a, T0), 0);
	assert_string_equal(sensor_name_override(store_sensor(s, 1)), "Ti\xC3\xA9");
	/* random address without IRKs: ignored */
	a.addr_type = ADV_ADDR_RANDOM;
	a.addr[5] ^= 1;
	assert_int_equal(store_handle_adv(s, &a, T0), -ENOMSG);
	store_free(s);
}

static void test_generic_rpa(void **state)
{
	static const uint8_t irk[16] = { 0xec, 0x02, 0x34, 0xa3, 0x57, 0xc8, 0xad, 0x05,
					 0x34, 0x10, 0x10, 0xa6, 0x0a, 0x39, 0x7d, 0x9b };
	static const uint8_t identity[6] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
	struct store *s = store_new(NULL);
	struct aes_key k = { { 0 }, NULL };
	uint8_t rpa[6] = { 0x70, 0x81, 0x94 };
	const struct sensor *se;
	unsigned int slot;
	struct adv a;
	char buf[32];

	(void)state;
	assert_int_equal(aes_key_set(&k, irk), 0);
	assert_int_equal(rpa_ah(&k, rpa, rpa + 3), 0);
	assert_true(rpa_resolve(&k, rpa));
	store_set_option(s, STORE_OPTION_GENERIC, 1);
	assert_int_equal(store_add_sensor(s, identity, 0, &slot), 0);
	assert_int_equal(store_set_name(s, slot, "iPhone"), 0);

	adv_plain(&a, rpa, ADV_ADDR_RANDOM, "x");
	assert_int_equal(store_handle_adv(s, &a, T0), -ENOMSG); /* no IRK yet */
	assert_int_equal(store_set_key(s, slot, irk), 0);
	assert_int_equal(store_handle_adv(s, &a, T0), 0);
	assert_int_equal(store_handle_adv(s, &a, T0 + SEC), 0); /* cached */
	assert_int_equal(store_sensor_count(s), 1);
	se = store_sensor(s, slot);
	assert_int_equal(sensor_rssi(se), -80);
	sensor_json_key(se, buf, sizeof(buf));
	assert_string_equal(buf, "iPhone"); /* the user's name wins over the AD name */
	assert_memory_equal(sensor_mac(se), identity, 6);
	/* an RPA of another key: not resolved, twice (second time from the miss cache) */
	a.addr[5] ^= 0x55;
	assert_int_equal(store_handle_adv(s, &a, T0 + 2 * SEC), -ENOMSG);
	assert_int_equal(store_handle_adv(s, &a, T0 + 3 * SEC), -ENOMSG);
	assert_int_equal(store_sensor_count(s), 1);
	aes_key_clear(&k);
	store_free(s);
}

/* ---- triggers, button/knob state, motion and NMT ---- */

static void test_triggers(void **state)
{
	struct store *s = store_new(NULL);
	struct rec r = { 0 };
	struct decoded d;
	unsigned int slot, num, kind;

	(void)state;
	store_add_sensor(s, MAC_LYW, PID_LYWSD03, &slot);
	store_subscribe(s, STORE_EVENT_UPDATE, rec_cb, &r, NULL);
	decoded_one(&d, READING_TEMPERATURE, 0, 21.0);
	store_apply_decoded(s, slot, &d, -70, T0);
	assert_false(r.ev[0].trigger);
	assert_false(r.ev[0].publish);
	store_set_option(s, STORE_OPTION_DIRECT, 1);
	store_apply_decoded(s, slot, &d, -70, T0);
	assert_false(r.ev[1].trigger);
	assert_true(r.ev[1].publish);
	store_set_option(s, STORE_OPTION_DIRECT, 0);
	decoded_one(&d, READING_BUTTON, 2, 1);
	store_apply_decoded(s, slot, &d, -70, T0);
	assert_true(r.ev[2].trigger);
	assert_true(r.ev[2].publish);
	assert_true(r.ev[2].feat_added & MI_FEAT_BTN);
	assert_true(sensor_button(store_sensor(s, slot), &num, &kind));
	assert_int_equal(num, 2);
	assert_int_equal(kind, 1);
	decoded_one(&d, READING_LEAK, 0, 0);
	store_apply_decoded(s, slot, &d, -70, T0);
	assert_false(r.ev[3].trigger);
	decoded_one(&d, READING_LEAK, 0, 1);
	store_apply_decoded(s, slot, &d, -70, T0);
	assert_true(r.ev[4].trigger);
	assert_int_equal(sensor_leak(store_sensor(s, slot)), 1);
	decoded_one(&d, READING_DOOR, 0, 1);
	store_apply_decoded(s, slot, &d, -70, T0);
	assert_true(r.ev[5].trigger);
	assert_int_equal(sensor_door(store_sensor(s, slot)), 1);
	assert_int_equal(sensor_events(store_sensor(s, slot)), 1);
	decoded_one(&d, READING_DIMMER, 0, -2);
	store_apply_decoded(s, slot, &d, -70, T0);
	assert_true(r.ev[6].trigger);
	store_free(s);
}

static void test_motion_nmt_tick(void **state)
{
	static const uint8_t mac[6] = { 0xE4, 0xAA, 0xEC, 0xD4, 0xE5, 0xF6 };
	struct store *s = store_new(NULL);
	struct decoded d;
	unsigned int slot;

	(void)state;
	store_add_sensor(s, mac, PID_MJYD2S, &slot);
	store_tick(s, T0);
	store_tick(s, T0 + 1 * SEC);
	store_tick(s, T0 + 3 * SEC); /* a late tick still counts two seconds */
	assert_int_equal(sensor_nmt(store_sensor(s, slot)), 3);
	decoded_one(&d, READING_MOTION, 0, 1);
	decoded_add(&d, READING_ILLUMINANCE, 0, 0, 3);
	store_apply_decoded(s, slot, &d, -79, T0 + 3 * SEC);
	assert_int_equal(sensor_nmt(store_sensor(s, slot)), 0);
	assert_int_equal(sensor_events(store_sensor(s, slot)), 1);
	store_tick(s, T0 + 4 * SEC);
	assert_int_equal(sensor_nmt(store_sensor(s, slot)), 1);
	decoded_one(&d, READING_NMT, 0, 120);
	store_apply_decoded(s, slot, &d, -79, T0 + 4 * SEC);
	assert_int_equal(sensor_nmt(store_sensor(s, slot)), 120);
	store_free(s);
}

static void test_stale(void **state)
{
	struct store_config cfg = STORE_CONFIG_DEFAULT;
	struct store *s;
	struct rec r = { 0 };
	struct adv a;

	(void)state;
	cfg.stale_s = 60;
	s = store_new(&cfg);
	store_subscribe(s, STORE_EVENT_STALE, rec_cb, &r, NULL);
	store_add_sensor(s, MAC_LYW, PID_LYWSD03, NULL); /* never seen: never stale */
	adv_atc(&a, MAC_ATC, 214, 48, 87, 1);
	store_handle_adv(s, &a, T0);
	store_tick(s, T0 + 60 * SEC);
	assert_int_equal(r.n, 0);
	store_tick(s, T0 + 61 * SEC);
	store_tick(s, T0 + 62 * SEC);
	assert_int_equal(r.n, 1);
	assert_true(r.ev[0].stale);
	assert_int_equal(r.ev[0].slot, 1);
	assert_true(sensor_status(store_sensor(s, 1)) & SENSOR_S_STALE);
	adv_atc(&a, MAC_ATC, 214, 48, 87, 2);
	store_handle_adv(s, &a, T0 + 63 * SEC);
	assert_int_equal(r.n, 2);
	assert_false(r.ev[1].stale);
	assert_false(sensor_status(store_sensor(s, 1)) & SENSOR_S_STALE);
	store_free(s);
}

static void test_bogus_battery(void **state)
{
	struct store *s = store_new(NULL);
	struct decoded d;
	unsigned int slot;

	(void)state;
	store_add_sensor(s, MAC_LYW, PID_LYWSD03, &slot);
	decoded_one(&d, READING_BATTERY, 0, 5);
	store_apply_decoded(s, slot, &d, -70, T0);
	assert_false(sensor_value(store_sensor(s, slot), READING_BATTERY, NULL, NULL));
	d.format = DECODE_FORMAT_ATC; /* flashed with custom firmware: trusted */
	store_apply_decoded(s, slot, &d, -70, T0);
	assert_true(sensor_value(store_sensor(s, slot), READING_BATTERY, NULL, NULL));
	store_free(s);
}

static void test_set_value(void **state)
{
	struct store *s = store_new(NULL);
	double v;

	(void)state;
	store_add_sensor(s, MAC_LYW, PID_LYWSD03, NULL);
	store_add_sensor(s, MAC_BTH, PID_YLYK01, NULL); /* YLYK01: no temperature */
	assert_int_equal(store_set_value(s, 0, READING_BATTERY, 77), 0);
	assert_true(sensor_value(store_sensor(s, 0), READING_BATTERY, &v, NULL));
	assert_true(v == 77);
	assert_int_equal(store_set_value(s, 1, READING_TEMPERATURE, 20), -EPERM);
	assert_int_equal(store_set_value(s, 0, READING__MAX, 20), -EINVAL);
	assert_int_equal(store_set_value(s, 5, READING_BATTERY, 20), -ENOENT);
	store_free(s);
}

static void test_indexed_values(void **state)
{
	struct store *s = store_new(NULL);
	struct reading out[8];
	struct decoded d;

	(void)state;
	store_add_sensor(s, MAC_BTH, PID_BTHOME, NULL);
	decoded_one(&d, READING_TEMPERATURE, 0, 20);
	decoded_add(&d, READING_TEMPERATURE, 2, 1, 25.5);
	decoded_add(&d, READING_BUTTON, 0, 0, 1);
	decoded_add(&d, READING_BUTTON, 1, 0, 2);
	store_apply_decoded(s, 0, &d, -70, T0);
	assert_int_equal(sensor_values(store_sensor(s, 0), out, 8), 4);
	assert_int_equal(out[0].type, READING_TEMPERATURE);
	assert_int_equal(out[1].type, READING_TEMPERATURE);
	assert_int_equal(out[1].index, 2);
	assert_true(out[1].value == 25.5);
	assert_int_equal(out[2].type, READING_BUTTON);
	assert_int_equal(out[3].index, 1);
	store_free(s);
}

/* ---- events: re-entrancy ---- */

struct reent {
	struct store *s;
	unsigned int self, other;
	unsigned int calls;
	unsigned int mode; /* 0 unsub self, 1 unsub other, 2 subscribe, 3 free store, 4 add */
	struct rec *rec;
};

static void reent_cb(const struct store_event *ev, void *ud)
{
	struct reent *r = ud;
	static const uint8_t mac[6] = { 9, 9, 9, 9, 9, 9 };

	(void)ev;
	r->calls++;
	switch (r->mode) {
	case 0:
		assert_true(store_unsubscribe(r->s, r->self));
		assert_false(store_unsubscribe(r->s, r->self));
		break;
	case 1:
		assert_true(store_unsubscribe(r->s, r->other));
		break;
	case 2:
		assert_true(store_subscribe(r->s, STORE_EVENT_ALL, rec_cb, r->rec, rec_destroy) > 0);
		break;
	case 3:
		store_free(r->s);
		break;
	case 4:
		if (r->calls == 1)
			store_add_sensor(r->s, mac, 0, NULL);
		break;
	}
}

static void test_reentrancy(void **state)
{
	struct rec other = { 0 }, added = { 0 };
	struct reent re = { 0 };
	struct decoded d;

	(void)state;
	decoded_one(&d, READING_TEMPERATURE, 0, 20);

	/* unsubscribe self: called once, destroy runs, later subscribers still called */
	re.s = store_new(NULL);
	store_add_sensor(re.s, MAC_LYW, PID_LYWSD03, NULL);
	re.mode = 0;
	re.self = store_subscribe(re.s, STORE_EVENT_UPDATE, reent_cb, &re, NULL);
	store_subscribe(re.s, STORE_EVENT_UPDATE, rec_cb, &other, rec_destroy);
	store_apply_decoded(re.s, 0, &d, -70, T0);
	store_apply_decoded(re.s, 0, &d, -70, T0);
	assert_int_equal(re.calls, 1);
	assert_int_equal(other.n, 2);
	store_free(re.s);
	assert_int_equal(other.destroyed, 1);

	/* unsubscribe a later subscriber: it is not called, its destroy runs once */
	memset(&other, 0, sizeof(other));
	memset(&re, 0, sizeof(re));
	re.s = store_new(NULL);
	store_add_sensor(re.s, MAC_LYW, PID_LYWSD03, NULL);
	re.mode = 1;
	re.self = store_subscribe(re.s, STORE_EVENT_UPDATE, reent_cb, &re, NULL);
	re.other = store_subscribe(re.s, STORE_EVENT_UPDATE, rec_cb, &other, rec_destroy);
	store_apply_decoded(re.s, 0, &d, -70, T0);
	assert_int_equal(other.n, 0);
	assert_int_equal(other.destroyed, 1);
	store_free(re.s);
	assert_int_equal(other.destroyed, 1);

	/* subscribe during a dispatch: the new one sees the next event, not this one */
	memset(&re, 0, sizeof(re));
	re.s = store_new(NULL);
	store_add_sensor(re.s, MAC_LYW, PID_LYWSD03, NULL);
	re.mode = 2;
	re.rec = &added;
	re.self = store_subscribe(re.s, STORE_EVENT_UPDATE, reent_cb, &re, NULL);
	for (int i = 0; i < 5; i++) /* enough to grow the array during dispatch */
		store_apply_decoded(re.s, 0, &d, -70, T0);
	assert_int_equal(added.n, 0 + 1 + 2 + 3 + 4);
	store_free(re.s);
	assert_int_equal(added.destroyed, 5);

	/* free the store inside a callback: the emitting call returns -ECANCELED */
	memset(&other, 0, sizeof(other));
	memset(&re, 0, sizeof(re));
	re.s = store_new(NULL);
	store_add_sensor(re.s, MAC_LYW, PID_LYWSD03, NULL);
	re.mode = 3;
	re.self = store_subscribe(re.s, STORE_EVENT_UPDATE, reent_cb, &re, NULL);
	store_subscribe(re.s, STORE_EVENT_UPDATE, rec_cb, &other, rec_destroy);
	assert_int_equal(store_apply_decoded(re.s, 0, &d, -70, T0), -ECANCELED);
	assert_int_equal(other.n, 0);
	assert_int_equal(other.destroyed, 1);

	/* free inside the NEW event of an auto-add from store_handle_adv */
	{
		struct adv a;

		memset(&re, 0, sizeof(re));
		re.s = store_new(NULL);
		re.mode = 3;
		store_subscribe(re.s, STORE_EVENT_NEW, reent_cb, &re, NULL);
		adv_atc(&a, MAC_ATC, 214, 48, 87, 1);
		assert_int_equal(store_handle_adv(re.s, &a, T0), -ECANCELED);
		assert_int_equal(re.calls, 1);
	}

	/* add a sensor (grows the table) from a callback */
	memset(&re, 0, sizeof(re));
	re.s = store_new(NULL);
	store_add_sensor(re.s, MAC_LYW, PID_LYWSD03, NULL);
	re.mode = 4;
	store_subscribe(re.s, STORE_EVENT_UPDATE | STORE_EVENT_NEW, reent_cb, &re, NULL);
	assert_int_equal(store_apply_decoded(re.s, 0, &d, -70, T0), 0);
	assert_int_equal(store_sensor_count(re.s), 2);
	assert_int_equal(re.calls, 2); /* UPDATE, then the NEW of the nested add */
	store_free(re.s);

	/* bad arguments */
	re.s = store_new(NULL);
	assert_int_equal(store_subscribe(re.s, 0, rec_cb, &other, NULL), 0);
	assert_int_equal(store_subscribe(re.s, STORE_EVENT_ALL, NULL, &other, NULL), 0);
	assert_false(store_unsubscribe(re.s, 0));
	assert_false(store_unsubscribe(re.s, 42));
	store_free(re.s);
	store_free(NULL);
}

/* ---- memory ---- */

static void test_oom(void **state)
{
	bool done = false;

	(void)state;
	for (long n = 0; n < 200 && !done; n++) {
		struct store *s;
		uint8_t mac[6] = { 1, 2, 3, 4, 5, 0 };
		int err = 0;

		alloc_budget = n;
		s = store_new(NULL);
		if (!s)
			continue;
		/* 70 sensors: the slot array (64) and the hash table (128) both grow */
		for (unsigned int i = 0; i < 70 && !err; i++) {
			mac[5] = (uint8_t)i;
			err = store_add_sensor(s, mac, PID_ATC, NULL);
		}
		if (!err && !store_subscribe(s, STORE_EVENT_ALL, rec_cb, NULL, NULL))
			err = -ENOMEM;
		if (!err)
			done = true;
		else
			assert_int_equal(err, -ENOMEM);
		alloc_budget = -1;
		store_free(s);
	}
	alloc_budget = -1;
	assert_true(done);
}

/* A known sensor's advert must not allocate (requirement 9): with every store allocation
 * failing, the hot path still works. */
static void test_hot_path_no_alloc(void **state)
{
	struct store *s = store_new(NULL);
	struct adv a;

	(void)state;
	adv_atc(&a, MAC_ATC, 214, 48, 87, 1);
	assert_int_equal(store_handle_adv(s, &a, T0), 0);
	alloc_budget = 0;
	for (int i = 2; i < 200; i++) {
		adv_atc(&a, MAC_ATC, (int16_t)(200 + i), 48, 87, (uint8_t)i);
		assert_int_equal(store_handle_adv(s, &a, T0 + (uint64_t)i * 3600 * SEC), 0);
	}
	store_tick(s, T0 + 1000 * 3600 * SEC);
	alloc_budget = -1;
	store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_find_names),
		cmocka_unit_test(test_many_sensors),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_atc_auto_add_and_dedupe),
		cmocka_unit_test(test_atc_identity_is_frame_mac),
		cmocka_unit_test(test_option3_and_cap),
		cmocka_unit_test(test_errors_counted),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_keys_bthome),
		cmocka_unit_test(test_try_key_nodata),
		cmocka_unit_test(test_generic_public),
		cmocka_unit_test(test_generic_rpa),
		cmocka_unit_test(test_triggers),
		cmocka_unit_test(test_motion_nmt_tick),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_bogus_battery),
		cmocka_unit_test(test_set_value),
		cmocka_unit_test(test_indexed_values),
		cmocka_unit_test(test_reentrancy),
		cmocka_unit_test(test_oom),
		cmocka_unit_test(test_hot_path_no_alloc),
	};

	setup_tz();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
