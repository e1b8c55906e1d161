/* SPDX-License-Identifier: MIT */
/* test_mi32cfg_store.c — the one conversion between the sensor list file and the store:
 * what MI32Cfg writes (Tasmota's "features only with a name, or BTHome"), what applying a
 * list does to keys, names and features (the editor's save and the start-up load alike),
 * round trips, and allocation failures. The list's source is included so its allocations
 * can be made to fail (STYLE §6). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../util/failalloc.h"

#define malloc(n) t_malloc(n)
#define realloc(p, n) t_realloc(p, n)
#include "../../src/store/mi32cfg.c"
#undef malloc
#undef realloc

#include "decode/registry.h"
#include "store/mi32cfg_store.h"
#include "store/sensor.h"
#include "store/store.h"

static const uint8_t MAC_LYW[6] = { 0xA4, 0xC1, 0x38, 0xA1, 0xB2, 0xC3 };
static const uint8_t MAC_ATC[6] = { 0xA4, 0xC1, 0x38, 0x11, 0x22, 0x33 };
static const uint8_t MAC_BTH[6] = { 0xE8, 0xAA, 0xEC, 0x00, 0x00, 0x01 };
static const uint8_t MAC_IRK[6] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
static const uint8_t KEY[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF };

static unsigned int add(struct store *st, const uint8_t mac[6], uint16_t pid)
{
	unsigned int slot;

	assert_int_equal(store_add_sensor(st, mac, pid, &slot), 0);
	return slot;
}

/* LYWSD03 with key and name, ATC unnamed with learned features, BTHome unnamed */
static struct store *fleet(void)
{
	struct store *st = store_new(NULL);
	unsigned int s;

	assert_non_null(st);
	s = add(st, MAC_LYW, 0x055B);
	assert_int_equal(store_set_key(st, s, KEY), 0);
	assert_int_equal(store_set_name(st, s, "Kitchen"), 0);
	assert_int_equal(store_set_feat(st, s, 0x7), 0);
	s = add(st, MAC_ATC, PID_ATC);
	assert_int_equal(store_set_feat(st, s, 0x3), 0);
	s = add(st, MAC_BTH, PID_BTHOME);
	assert_int_equal(store_set_feat(st, s, 134), 0);
	return st;
}

static char *text_of(const struct mi32cfg *cfg)
{
	char *t = NULL;

	assert_int_equal(mi32cfg_format(cfg, &t, NULL), 0);
	return t;
}

static void test_from_store_tasmota_rule(void **state)
{
	struct store *st = fleet();
	struct mi32cfg *cfg;
	char *t;

	(void)state;
	assert_int_equal(mi32cfg_from_store(st, NULL, &cfg), 0);
	assert_int_equal(mi32cfg_count(cfg), 3);
	/* named: key, name, features; unnamed ATC: no features; BTHome: features alone */
	assert_true(mi32cfg_get(cfg, 0)->has_feat);
	assert_false(mi32cfg_get(cfg, 1)->has_feat);
	assert_false(mi32cfg_get(cfg, 1)->has_name);
	assert_true(mi32cfg_get(cfg, 2)->has_feat);
	t = text_of(cfg);
	assert_string_equal(t,
		"[{\"MAC\":\"A4C138A1B2C3\",\"PID\":\"055b\","
		"\"key\":\"00112233445566778899AABBCCDDEEFF\",\"name\":\"Kitchen\",\"feat\":7},"
		"{\"MAC\":\"A4C138112233\",\"PID\":\"0a1c\",\"key\":\"\"},"
		"{\"MAC\":\"E8AAEC000001\",\"PID\":\"b770\",\"key\":\"\",\"feat\":134}]");
	free(t);
	mi32cfg_free(cfg);
	store_free(st);
}

static void test_from_store_order(void **state)
{
	struct store *st = fleet();
	struct mi32cfg *order = mi32cfg_new(), *cfg;
	struct mi32cfg_entry e = { 0 };

	(void)state;
	memcpy(e.mac, MAC_BTH, 6);
	assert_int_equal(mi32cfg_put(order, &e), 0);
	memcpy(e.mac, MAC_IRK, 6); /* not in the store: left out */
	assert_int_equal(mi32cfg_put(order, &e), 1);
	memcpy(e.mac, MAC_LYW, 6);
	assert_int_equal(mi32cfg_put(order, &e), 2);
	assert_int_equal(mi32cfg_from_store(st, order, &cfg), 0);
	assert_int_equal(mi32cfg_count(cfg), 2);
	assert_memory_equal(mi32cfg_get(cfg, 0)->mac, MAC_BTH, 6);
	assert_memory_equal(mi32cfg_get(cfg, 1)->mac, MAC_LYW, 6);
	/* the store's state, not the order list's: the key comes from the store */
	assert_true(mi32cfg_get(cfg, 1)->has_key);
	mi32cfg_free(cfg);
	mi32cfg_free(order);
	store_free(st);
}

static struct mi32cfg *parse(const char *text)
{
	struct mi32cfg *cfg = NULL;
	char err[MI32CFG_ERR_LEN];

	assert_int_equal(mi32cfg_parse(text, strlen(text), &cfg, err), 0);
	return cfg;
}

/* The editor's save: the file is the truth for the sensors it lists. */
static void test_apply_clears_absent_key_and_name(void **state)
{
	struct store *st = fleet();
	struct mi32cfg *cfg = parse(
		"[{\"MAC\":\"A4C138A1B2C3\",\"PID\":\"055b\",\"key\":\"\"},"
		"{\"MAC\":\"A4C138112233\",\"PID\":\"0a1c\",\"key\":\"\",\"name\":\"Porch\"}]");
	const struct sensor *lyw, *atc, *bth;

	(void)state;
	assert_int_equal(mi32cfg_apply(st, cfg), 2);
	lyw = store_sensor(st, (unsigned int)store_find(st, MAC_LYW));
	atc = store_sensor(st, (unsigned int)store_find(st, MAC_ATC));
	bth = store_sensor(st, (unsigned int)store_find(st, MAC_BTH));
	assert_null(sensor_key(lyw));
	assert_null(sensor_name_override(lyw));
	assert_int_equal(sensor_feat(lyw), 0x7); /* no "feat": the learned ones stay */
	assert_string_equal(sensor_name_override(atc), "Porch");
	/* not listed: left alone, the store never forgets a running sensor */
	assert_int_equal(store_sensor_count(st), 3);
	assert_int_equal(sensor_feat(bth), 134);
	mi32cfg_free(cfg);
	store_free(st);
}

/* The start-up load: an empty store gets exactly the file. */
static void test_apply_to_empty_store(void **state)
{
	struct store *st = store_new(NULL);
	struct mi32cfg *cfg = parse(
		"[{\"MAC\":\"A4C138A1B2C3\",\"PID\":\"055b\","
		"\"key\":\"00112233445566778899AABBCCDDEEFF\",\"name\":\"Kitchen\",\"feat\":7},"
		"{\"MAC\":\"112233445566\",\"PID\":\"0000\","
		"\"key\":\"0F1E2D3C4B5A69788796A5B4C3D2E1F0\"}]");
	const struct sensor *s;

	(void)state;
	assert_true(mi32cfg_has_generic(cfg));
	assert_int_equal(mi32cfg_apply(st, cfg), 2);
	assert_int_equal(store_sensor_count(st), 2);
	s = store_sensor(st, 0);
	assert_int_equal(sensor_pid(s), 0x055B);
	assert_memory_equal(sensor_key(s), KEY, 16);
	assert_string_equal(sensor_name_override(s), "Kitchen");
	assert_int_equal(sensor_feat(s), 7);
	assert_non_null(sensor_key(store_sensor(st, 1)));
	mi32cfg_free(cfg);
	cfg = parse("[{\"MAC\":\"A4C138A1B2C3\",\"PID\":\"055b\",\"key\":\"\"}]");
	assert_false(mi32cfg_has_generic(cfg));
	mi32cfg_free(cfg);
	store_free(st);
}

/* Save, restart, save: the same bytes. */
static void test_round_trip(void **state)
{
	struct store *a = fleet(), *b = store_new(NULL);
	struct mi32cfg *ca, *cb;
	char *ta, *tb;

	(void)state;
	assert_int_equal(mi32cfg_from_store(a, NULL, &ca), 0);
	assert_int_equal(mi32cfg_apply(b, ca), 3);
	assert_int_equal(mi32cfg_from_store(b, NULL, &cb), 0);
	ta = text_of(ca);
	tb = text_of(cb);
	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
	mi32cfg_free(ca);
	mi32cfg_free(cb);
	store_free(a);
	store_free(b);
}

static void test_from_store_oom(void **state)
{
	struct store *st = fleet();
	bool done = false;

	(void)state;
	for (long n = 0; n < 50 && !done; n++) {
		struct mi32cfg *cfg = (struct mi32cfg *)1;
		int r;

		alloc_budget = n;
		r = mi32cfg_from_store(st, NULL, &cfg);
		alloc_budget = -1;
		if (r == 0) {
			assert_int_equal(mi32cfg_count(cfg), 3);
			done = true;
		} else {
			assert_int_equal(r, -ENOMEM);
			assert_null(cfg);
		}
		mi32cfg_free(r == 0 ? cfg : NULL);
	}
	assert_true(done);
	store_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_store_tasmota_rule),
		cmocka_unit_test(test_from_store_order),
		cmocka_unit_test(test_apply_clears_absent_key_and_name),
		cmocka_unit_test(test_apply_to_empty_store),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_from_store_oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
