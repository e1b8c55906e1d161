/* SPDX-License-Identifier: MIT */
/* test_history.c — the 24 h history of SPEC §10.3: 7-bit scaling with the valid bit, last
 * value in an hour wins, sightings counting, the coming hour cleared when the hour changes
 * (on a record or on the tick), gaps, and the per-hour "heard" bitmap. TZ=UTC here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/sensor.h"
#include "store/store.h"
#include "store/store_int.h"

#define SEC 1000000ull
#define HOUR (3600 * SEC)
#define DAY0 (1714521600ull * SEC) /* 2024-05-01T00:00:00Z */

static const uint8_t MAC[6] = { 0xA4, 0xC1, 0x38, 0x11, 0x22, 0x33 };

static void th(struct store *s, double t, double h, double lux, uint64_t now)
{
	struct decoded d;

	decoded_reset(&d);
	d.format = DECODE_FORMAT_BTHOME;
	decoded_add(&d, READING_TEMPERATURE, 0, 1, t);
	decoded_add(&d, READING_HUMIDITY, 0, 1, h);
	decoded_add(&d, READING_ILLUMINANCE, 0, 0, lux);
	assert_int_equal(store_apply_decoded(s, 0, &d, -60, now), 0);
}

static void test_scale(void **state)
{
	(void)state;
	assert_int_equal(store__hist_scale(-20, -20, 60), 1);
	assert_int_equal(store__hist_scale(-40, -20, 60), 1);
	assert_int_equal(store__hist_scale(60, -20, 60), 127);
	assert_int_equal(store__hist_scale(99, -20, 60), 127);
	assert_int_equal(store__hist_scale(20, -20, 60), 64);
	assert_int_equal(store__hist_scale(21.9, -20, 60), 66); /* integer part only: 21 */
	assert_int_equal(store__hist_scale(0, 0, 100), 1);
	assert_int_equal(store__hist_scale(50, 0, 100), 64);
	assert_int_equal(store__hist_scale(100, 0, 100), 127);
	assert_int_equal(store__hist_scale(5000, 0, 1000), 127);
}

static void test_record_and_invalidate(void **state)
{
	struct store *s = store_new(NULL);
	const struct sensor *se;
	const uint8_t *t, *h, *l;

	(void)state;
	store_add_sensor(s, MAC, PID_BTHOME, NULL);
	se = store_sensor(s, 0);
	t = sensor_history(se, SENSOR_HIST_TEMP);
	h = sensor_history(se, SENSOR_HIST_HUM);
	l = sensor_history(se, SENSOR_HIST_LUX);
	assert_null(sensor_history(se, (enum sensor_hist)9));

	/* a day of data, one record per hour at hh:30 */
	for (unsigned int i = 0; i < 24; i++)
		th(s, 20, 50, 500, DAY0 + i * HOUR + 1800 * SEC);
	for (unsigned int i = 1; i < 24; i++) {
		assert_int_equal(t[i], 0x80 | 64);
		assert_int_equal(h[i], 0x80 | 64);
		assert_int_equal(l[i], 0x80 | 64);
	}
	/* reaching hour 23 cleared the coming hour 00: it is a day old */
	assert_int_equal(t[0], 0);
	assert_int_equal(sensor_heard(se), 0xFFFFFEu);

	/* the next day at 00:10: the coming hour (01) is cleared, 00 rewritten */
	th(s, -20, 0, 0, DAY0 + 24 * HOUR + 600 * SEC);
	assert_int_equal(t[0], 0x80 | 1);
	assert_int_equal(h[0], 0x80 | 1);
	assert_int_equal(l[0], 0x80 | 1);
	assert_int_equal(t[1], 0);
	assert_int_equal(t[2], 0x80 | 64);
	assert_false(sensor_heard(se) & 2);
	/* last value within an hour wins */
	th(s, 60, 100, 1000, DAY0 + 24 * HOUR + 700 * SEC);
	assert_int_equal(t[0], 0x80 | 127);

	/* the tick notices the hour change too (no record needed): 01:00 clears 02 */
	store_tick(s, DAY0 + 25 * HOUR + 5 * SEC);
	assert_int_equal(t[2], 0);
	assert_int_equal(t[3], 0x80 | 64);

	/* a gap of 5 hours (01 -> 06) clears everything in between and 07 */
	th(s, 20, 50, 500, DAY0 + 30 * HOUR);
	for (unsigned int i = 2; i <= 5; i++)
		assert_int_equal(t[i], 0);
	assert_int_equal(t[6], 0x80 | 64);
	assert_int_equal(t[7], 0);
	assert_int_equal(t[8], 0x80 | 64);

	/* more than a day away: all gone but the new hour */
	th(s, 20, 50, 500, DAY0 + 60 * HOUR);
	for (unsigned int i = 0; i < 24; i++)
		assert_int_equal(t[i], i == 12 ? (0x80 | 64) : 0);
	assert_int_equal(sensor_heard(se), 1u << 12);

	/* a clock stepping back an hour clears only the coming hour */
	th(s, 20, 50, 500, DAY0 + 59 * HOUR);
	assert_int_equal(t[11], 0x80 | 64);
	assert_int_equal(t[12], 0);
	store_free(s);
}

static void test_sightings(void **state)
{
	static const uint8_t mac[6] = { 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF };
	struct store *s = store_new(NULL);
	const uint8_t *g;
	struct adv a;

	(void)state;
	store_set_option(s, STORE_OPTION_GENERIC, 1);
	memset(&a, 0, sizeof(a));
	memcpy(a.addr, mac, 6);
	a.rssi = -80;
	a.data[0] = 2;
	a.data[1] = 1;
	a.data[2] = 6;
	a.len = 3;
	for (unsigned int i = 0; i < 130; i++)
		assert_int_equal(store_handle_adv(s, &a, DAY0 + 5 * HOUR + i * SEC), 0);
	store_handle_adv(s, &a, DAY0 + 6 * HOUR);
	g = sensor_history(store_sensor(s, 0), SENSOR_HIST_SIGHTINGS);
	assert_int_equal(g[5], 0x80 | 127);
	assert_int_equal(g[6], 0x80 | 1);
	assert_int_equal(sensor_heard(store_sensor(s, 0)), (1u << 5) | (1u << 6));
	store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_record_and_invalidate),
		cmocka_unit_test(test_sightings),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
