/* SPDX-License-Identifier: MIT */
/* test_advfilter.c — the watch and block lists: add/remove/order/full, MAC parsing, and the
 * store applying them first (-EACCES, counted as filtered, nothing added). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decode/atc.h"
#include "store/advfilter.h"
#include "store/store.h"

static const uint8_t A[6] = { 0xA4, 0xC1, 0x38, 0x11, 0x22, 0x33 };
static const uint8_t B[6] = { 0xA4, 0xC1, 0x38, 0x44, 0x55, 0x66 };
static const uint8_t C[6] = { 0x58, 0x2D, 0x34, 0x35, 0x93, 0x02 };

static void test_lists(void **state)
{
	struct advfilter f;
	uint8_t mac[6];

	(void)state;
	advfilter_init(&f);
	/* nothing on either list: everything passes */
	assert_true(advfilter_pass(&f, A));
	/* blocked: that one only */
	assert_int_equal(advfilter_add(&f, ADVFILTER_BLOCK, A), 1);
	assert_int_equal(advfilter_add(&f, ADVFILTER_BLOCK, A), 0);
	assert_false(advfilter_pass(&f, A));
	assert_true(advfilter_pass(&f, B));
	/* watched: only those, and a block still wins */
	assert_int_equal(advfilter_add(&f, ADVFILTER_WATCH, B), 1);
	assert_int_equal(advfilter_add(&f, ADVFILTER_WATCH, A), 1);
	assert_true(advfilter_pass(&f, B));
	assert_false(advfilter_pass(&f, C));
	assert_false(advfilter_pass(&f, A));
	/* removal keeps the order given */
	assert_int_equal(advfilter_add(&f, ADVFILTER_WATCH, C), 1);
	assert_int_equal(advfilter_remove(&f, ADVFILTER_WATCH, A), 1);
	assert_int_equal(advfilter_remove(&f, ADVFILTER_WATCH, A), 0);
	assert_int_equal(advfilter_count(&f, ADVFILTER_WATCH), 2);
	assert_memory_equal(advfilter_get(&f, ADVFILTER_WATCH, 0), B, 6);
	assert_memory_equal(advfilter_get(&f, ADVFILTER_WATCH, 1), C, 6);
	assert_null(advfilter_get(&f, ADVFILTER_WATCH, 2));
	advfilter_clear(&f, ADVFILTER_WATCH);
	assert_true(advfilter_pass(&f, C));
	/* full */
	memcpy(mac, C, 6);
	for (unsigned int i = 0; i < ADVFILTER_MAX; i++) {
		mac[5] = (uint8_t)i;
		assert_int_equal(advfilter_add(&f, ADVFILTER_WATCH, mac), 1);
	}
	mac[5] = 0xff;
	assert_int_equal(advfilter_add(&f, ADVFILTER_WATCH, mac), -ENOSPC);
}

static void test_parse_mac(void **state)
{
	uint8_t mac[6];

	(void)state;
	assert_int_equal(advfilter_parse_mac("A4C138112233", mac), 0);
	assert_memory_equal(mac, A, 6);
	assert_int_equal(advfilter_parse_mac("a4:c1:38:44:55:66", mac), 0);
	assert_memory_equal(mac, B, 6);
	assert_int_equal(advfilter_parse_mac("58-2D-34-35-93-02", mac), 0);
	assert_memory_equal(mac, C, 6);
	assert_int_equal(advfilter_parse_mac("", mac), -EINVAL);
	assert_int_equal(advfilter_parse_mac("A4C13811223", mac), -EINVAL);
	assert_int_equal(advfilter_parse_mac("A4C1381122334", mac), -EINVAL);
	assert_int_equal(advfilter_parse_mac("A4C138G12233", mac), -EINVAL);
	assert_int_equal(advfilter_parse_mac("A4:C138:11:22:33:", mac), -EINVAL);
	assert_int_equal(advfilter_parse_mac("A4 C1 38 11 22 33", mac), -EINVAL);
}

static void atc_adv(struct adv *a, const uint8_t mac[6], uint8_t cnt)
{
	struct atc_frame fr = { { 0 }, 215, 50, 90, 2950, cnt };

	memset(a, 0, sizeof(*a));
	memcpy(fr.mac, mac, 6);
	memcpy(a->addr, mac, 6);
	a->rssi = -60;
	a->data[0] = ATC_LEN + 3;
	a->data[1] = 0x16;
	a->data[2] = 0x1A;
	a->data[3] = 0x18;
	assert_int_equal(atc_encode(&fr, a->data + 4, ATC_LEN), ATC_LEN);
	a->len = ATC_LEN + 4;
}

static void test_store_applies_them_first(void **state)
{
	struct store *s = store_new(NULL);
	struct adv a;

	(void)state;
	assert_int_equal(advfilter_add(store_filter(s), ADVFILTER_BLOCK, A), 1);
	atc_adv(&a, A, 1);
	assert_int_equal(store_handle_adv(s, &a, 1), -EACCES);
	assert_int_equal(store_find(s, A), -ENOENT);
	assert_int_equal(store_stats(s)->filtered, 1);
	assert_int_equal(store_stats(s)->adverts, 1);
	atc_adv(&a, B, 1);
	assert_int_equal(store_handle_adv(s, &a, 2), 0);
	assert_int_equal(store_find(s, B), 0);
	/* watching C: B, known already, is not heard any more either */
	assert_int_equal(advfilter_add(store_filter(s), ADVFILTER_WATCH, C), 1);
	atc_adv(&a, B, 2);
	assert_int_equal(store_handle_adv(s, &a, 3), -EACCES);
	atc_adv(&a, C, 1);
	assert_int_equal(store_handle_adv(s, &a, 4), 0);
	assert_int_equal(store_stats(s)->filtered, 2);
	assert_int_equal(store_sensor_count(s), 2);
	store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_parse_mac),
		cmocka_unit_test(test_store_applies_them_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
