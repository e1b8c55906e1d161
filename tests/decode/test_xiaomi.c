/* SPDX-License-Identifier: MIT */
/* test_xiaomi.c — Mi Scale (0x181D), Mi Body Composition Scale (0x181B) and HHCCJCY10
 * (0xFD50): every field, the unit bits (kg, lb, catty → kg), stable/removed handling,
 * exact lengths, truncation. The published frames run through test_vectors.c. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decode/decode.h"
#include "decode/registry.h"
#include "decode/xiaomi.h"
#include "util/hex.h"
#include "../util/decoded_assert.h"

static int decode_hex(uint16_t uuid, const char *hex, struct decoded *d)
{
	uint8_t b[32];
	int n = hex_decode(hex, b, sizeof(b));

	assert_true(n >= 0);
	decoded_reset(d);
	return xiaomi_decode(uuid, b, (size_t)n, d);
}

/* Mi Scale v1 frames: ctrl, weight u16 LE, then 2023-01-02 03:04:05 */
#define S1_DATE "e70701020304" "05"

static void scale1_units(void **state)
{
	struct decoded d;

	(void)state;
	/* kg × 200: 14000 = 70.00 kg, stable */
	assert_int_equal(decode_hex(UUID_WEIGHT_SCALE, "20b036" S1_DATE, &d), 1);
	assert_int_equal(d.format, DECODE_FORMAT_XIAOMI);
	assert_int_equal(d.pid, PID_MISCALE);
	assert_false(d.has_mac);
	assert_false(d.has_counter);
	assert_near(value_of(&d, READING_WEIGHT), 70.0, 1e-9);
	assert_int_equal(decoded_find(&d, READING_WEIGHT)->decimals, 2);
	/* lb × 100: 15432 = 154.32 lb */
	assert_int_equal(decode_hex(UUID_WEIGHT_SCALE, "21483c" S1_DATE, &d), 1);
	assert_near(value_of(&d, READING_WEIGHT), 15432 * 0.0045359237, 1e-9);
	/* catty × 100: 14000 = 140 jin = 70 kg */
	assert_int_equal(decode_hex(UUID_WEIGHT_SCALE, "30b036" S1_DATE, &d), 1);
	assert_near(value_of(&d, READING_WEIGHT), 70.0, 1e-9);
	/* both unit bits: pounds win, as in xiaomi-ble */
	assert_int_equal(decode_hex(UUID_WEIGHT_SCALE, "31483c" S1_DATE, &d), 1);
	assert_near(value_of(&d, READING_WEIGHT), 15432 * 0.0045359237, 1e-9);
	/* the full range */
	assert_int_equal(decode_hex(UUID_WEIGHT_SCALE, "20ffff" S1_DATE, &d), 1);
	assert_near(value_of(&d, READING_WEIGHT), 327.675, 1e-9);
}

/* Not stable yet, or stepped off: no Weight at all (xiaomi-ble's "mass" is absent). */
static void scale1_unstable(void **state)
{
	static const char *rows[] = { "00b036" S1_DATE, "02b036" S1_DATE, "a0b036" S1_DATE,
				      "80b036" S1_DATE, "800000" S1_DATE };
	struct decoded d;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(decode_hex(UUID_WEIGHT_SCALE, rows[i], &d), 0);
		assert_true(d.flags & DECODED_F_NO_OBJECTS);
		assert_int_equal(d.pid, PID_MISCALE);
	}
}

/* Body composition scale: c0 c1, date (7), impedance u16 LE, weight u16 LE */
#define S2_DATE "e70701020304" "05"

static void scale2_fields(void **state)
{
	struct decoded d;

	(void)state;
	/* stable, impedance stable: 70.00 kg, 500 Ω */
	assert_int_equal(decode_hex(UUID_BODY_COMP, "0222" S2_DATE "f401" "b036", &d), 2);
	assert_int_equal(d.pid, PID_MIBCS);
	assert_near(value_of(&d, READING_WEIGHT), 70.0, 1e-9);
	assert_near(value_of(&d, READING_IMPEDANCE), 500, 0);
	/* impedance not stable yet: weight only */
	assert_int_equal(decode_hex(UUID_BODY_COMP, "0220" S2_DATE "f401" "b036", &d), 1);
	assert_null(decoded_find(&d, READING_IMPEDANCE));
	/* pounds (c0 bit 0) and catty (c1 bit 6) */
	assert_int_equal(decode_hex(UUID_BODY_COMP, "0320" S2_DATE "0000" "483c", &d), 1);
	assert_near(value_of(&d, READING_WEIGHT), 15432 * 0.0045359237, 1e-9);
	assert_int_equal(decode_hex(UUID_BODY_COMP, "0260" S2_DATE "0000" "b036", &d), 1);
	assert_near(value_of(&d, READING_WEIGHT), 70.0, 1e-9);
	/* not stable, or removed: nothing, impedance included */
	assert_int_equal(decode_hex(UUID_BODY_COMP, "0202" S2_DATE "f401" "b036", &d), 0);
	assert_true(d.flags & DECODED_F_NO_OBJECTS);
	assert_int_equal(decode_hex(UUID_BODY_COMP, "02a2" S2_DATE "f401" "b036", &d), 0);
	assert_int_equal(decode_hex(UUID_BODY_COMP, "0282" S2_DATE "0000" "0000", &d), 0);
}

static void hhcc_fields(void **state)
{
	struct decoded d;

	(void)state;
	/* 30 %, -5.0 °C, 100000 lx, 77 %, 1234 µS/cm (all big-endian) */
	assert_int_equal(decode_hex(UUID_XIAOMI_FD50, "1effce0186a04d04d2", &d), 5);
	assert_int_equal(d.format, DECODE_FORMAT_XIAOMI);
	assert_int_equal(d.pid, PID_HHCCJCY10);
	assert_near(value_of(&d, READING_MOISTURE), 30, 0);
	assert_near(value_of(&d, READING_TEMPERATURE), -5.0, 1e-9);
	assert_int_equal(decoded_find(&d, READING_TEMPERATURE)->decimals, 1);
	assert_near(value_of(&d, READING_ILLUMINANCE), 100000, 0);
	assert_near(value_of(&d, READING_BATTERY), 77, 0);
	assert_near(value_of(&d, READING_FERTILITY), 1234, 0);
	/* extremes */
	assert_int_equal(decode_hex(UUID_XIAOMI_FD50, "ff7fffffffffffffff", &d), 5);
	assert_near(value_of(&d, READING_TEMPERATURE), 3276.7, 1e-9);
	assert_near(value_of(&d, READING_ILLUMINANCE), 16777215, 0);
	assert_near(value_of(&d, READING_FERTILITY), 65535, 0);
}

/* Only each format's own length; every other one (every prefix included) is malformed
 * and touches nothing past the end (exact-size heap copies for ASan). */
static void xiaomi_lengths(void **state)
{
	static const struct {
		uint16_t uuid;
		size_t len;
		uint16_t pid;
	} fmts[] = { { UUID_WEIGHT_SCALE, XIAOMI_SCALE1_LEN, PID_MISCALE },
		     { UUID_BODY_COMP, XIAOMI_SCALE2_LEN, PID_MIBCS },
		     { UUID_XIAOMI_FD50, XIAOMI_HHCC_LEN, PID_HHCCJCY10 } };
	uint8_t b[24];
	struct decoded d;

	(void)state;
	memset(b, 0x22, sizeof(b));
	for (size_t f = 0; f < 3; f++) {
		for (size_t n = 0; n < sizeof(b); n++) {
			uint8_t *copy = test_malloc(n ? n : 1);
			int r;

			memcpy(copy, b, n);
			decoded_reset(&d);
			r = xiaomi_decode(fmts[f].uuid, copy, n, &d);
			test_free(copy);
			if (n == fmts[f].len) {
				assert_true(r >= 0);
				continue;
			}
			assert_int_equal(r, -EBADMSG);
			assert_int_equal(d.n, 0);
			assert_int_equal(d.pid, fmts[f].pid);
		}
		decoded_reset(&d);
		assert_int_equal(xiaomi_decode(fmts[f].uuid, NULL, 0, &d), -EBADMSG);
	}
	decoded_reset(&d);
	assert_int_equal(xiaomi_decode(UUID_MIBEACON, b, 10, &d), -ENOMSG);
}

static void xiaomi_dispatch(void **state)
{
	static const uint8_t addr[6] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
	uint8_t b[16];
	struct decoded d;

	(void)state;
	assert_int_equal(hex_decode("1effce0186a04d04d2", b, sizeof(b)), 9);
	assert_int_equal(decode_service_data(UUID_XIAOMI_FD50, b, 9, addr, NULL, &d), 5);
	assert_int_equal(hex_decode("20b036" S1_DATE, b, sizeof(b)), 10);
	assert_int_equal(decode_service_data(UUID_WEIGHT_SCALE, b, 10, addr, NULL, &d), 1);
	assert_int_equal(hex_decode("0222" S2_DATE "f401" "b036", b, sizeof(b)), 13);
	assert_int_equal(decode_service_data(UUID_BODY_COMP, b, 13, addr, NULL, &d), 2);
	assert_int_equal(d.format, DECODE_FORMAT_XIAOMI);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scale1_units),
		cmocka_unit_test(scale1_unstable),
		cmocka_unit_test(scale2_fields),
		cmocka_unit_test(hhcc_fields),
		cmocka_unit_test(xiaomi_lengths),
		cmocka_unit_test(xiaomi_dispatch),
	};

	return cmocka_run_group_tests_name("xiaomi", tests, NULL, NULL);
}
