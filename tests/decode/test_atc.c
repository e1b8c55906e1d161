/* SPDX-License-Identifier: MIT */
/* test_atc.c — the ATC1441 13-byte format: every field, signed and extreme values, exact
 * length (SPEC decision 7), truncation at every byte, encoder round trip. The published
 * ATC frames run through test_vectors.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decode/atc.h"
#include "decode/decode.h"
#include "decode/registry.h"
#include "util/hex.h"
#include "../util/decoded_assert.h"

/* A hand-built frame: MAC 11:22:33:44:55:66, -12.3 °C, 45 %, 67 %, 2.999 V, counter 0xA5 */
static const char frame_hex[] = "112233445566ff852d430bb7a5";

static void atc_fields(void **state)
{
	static const uint8_t mac[6] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
	uint8_t b[ATC_LEN];
	struct decoded d;

	(void)state;
	assert_int_equal(hex_decode(frame_hex, b, sizeof(b)), ATC_LEN);
	decoded_reset(&d);
	assert_int_equal(atc_decode(b, sizeof(b), &d), 4);
	assert_int_equal(d.format, DECODE_FORMAT_ATC);
	assert_int_equal(d.pid, PID_ATC);
	assert_false(d.encrypted);
	assert_true(d.has_mac);
	assert_memory_equal(d.mac, mac, 6);
	assert_true(d.has_counter);
	assert_int_equal(d.counter, 0xA5);
	assert_near(value_of(&d, READING_TEMPERATURE), -12.3, 1e-9);
	assert_int_equal(decoded_find(&d, READING_TEMPERATURE)->decimals, 1);
	assert_near(value_of(&d, READING_HUMIDITY), 45, 0);
	assert_near(value_of(&d, READING_BATTERY), 67, 0);
	assert_near(value_of(&d, READING_VOLTAGE), 2.999, 1e-9);
	assert_int_equal(decoded_find(&d, READING_VOLTAGE)->decimals, 3);
}

/* int16 BE extremes and the byte order of every multi-byte field */
static void atc_extremes(void **state)
{
	static const struct {
		int16_t t;
		uint16_t mv;
	} rows[] = { { -32768, 0 }, { 32767, 65535 }, { -1, 1 }, { 0, 256 }, { 255, 3300 } };
	struct atc_frame f = { { 1, 2, 3, 4, 5, 6 }, 0, 255, 0, 0, 255 };
	uint8_t b[ATC_LEN];
	struct decoded d;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		f.temp_x10 = rows[i].t;
		f.mv = rows[i].mv;
		assert_int_equal(atc_encode(&f, b, sizeof(b)), ATC_LEN);
		decoded_reset(&d);
		assert_int_equal(atc_decode(b, sizeof(b), &d), 4);
		assert_near(value_of(&d, READING_TEMPERATURE), rows[i].t / 10.0, 1e-9);
		assert_near(value_of(&d, READING_VOLTAGE), rows[i].mv / 1000.0, 1e-9);
		assert_near(value_of(&d, READING_HUMIDITY), 255, 0);
		assert_near(value_of(&d, READING_BATTERY), 0, 0);
		assert_int_equal(d.counter, 255);
	}
}

static void atc_round_trip(void **state)
{
	struct atc_frame f = { { 0xA4, 0xC1, 0x38, 0x00, 0x00, 0x00 }, 0, 0, 0, 0, 0 };
	uint8_t b[ATC_LEN];
	struct decoded d;

	(void)state;
	for (int t = -400; t <= 850; t += 7) {
		f.temp_x10 = (int16_t)t;
		f.humidity = (uint8_t)(t & 0x7f);
		f.battery = (uint8_t)(t % 101 < 0 ? -(t % 101) : t % 101);
		f.mv = (uint16_t)(2000 + t);
		f.counter = (uint8_t)t;
		f.mac[5] = (uint8_t)t;
		assert_int_equal(atc_encode(&f, b, sizeof(b)), ATC_LEN);
		decoded_reset(&d);
		assert_int_equal(atc_decode(b, sizeof(b), &d), 4);
		assert_memory_equal(d.mac, f.mac, 6);
		assert_int_equal(d.counter, f.counter);
		assert_near(value_of(&d, READING_TEMPERATURE), t / 10.0, 1e-9);
		assert_near(value_of(&d, READING_HUMIDITY), f.humidity, 0);
		assert_near(value_of(&d, READING_BATTERY), f.battery, 0);
		assert_near(value_of(&d, READING_VOLTAGE), f.mv / 1000.0, 1e-9);
	}
}

/* Every shorter prefix and any longer frame is malformed, and says it was ATC. */
static void atc_truncated_and_long(void **state)
{
	uint8_t b[ATC_LEN + 4] = { 0 };
	struct decoded d;

	(void)state;
	assert_int_equal(hex_decode(frame_hex, b, ATC_LEN), ATC_LEN);
	for (size_t n = 0; n < sizeof(b); n++) {
		if (n == ATC_LEN)
			continue;
		decoded_reset(&d);
		assert_int_equal(atc_decode(b, n, &d), -EBADMSG);
		assert_int_equal(d.n, 0);
		assert_int_equal(d.format, DECODE_FORMAT_ATC);
	}
	decoded_reset(&d);
	assert_int_equal(atc_decode(NULL, 0, &d), -EBADMSG);
}

static void atc_encode_short_buffer(void **state)
{
	struct atc_frame f = { { 0 }, 0, 0, 0, 0, 0 };
	uint8_t b[ATC_LEN];

	(void)state;
	assert_int_equal(atc_encode(&f, b, ATC_LEN - 1), -ENOSPC);
}

/* 0x181A of exactly 13 bytes goes to the ATC decoder (SPEC §5.1). */
static void atc_dispatch(void **state)
{
	static const uint8_t addr[6] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
	uint8_t b[ATC_LEN];
	struct decoded d;

	(void)state;
	assert_int_equal(hex_decode(frame_hex, b, sizeof(b)), ATC_LEN);
	assert_int_equal(decode_service_data(UUID_ENV_SENSING, b, sizeof(b), addr, NULL, &d), 4);
	assert_int_equal(d.format, DECODE_FORMAT_ATC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(atc_fields),
		cmocka_unit_test(atc_extremes),
		cmocka_unit_test(atc_round_trip),
		cmocka_unit_test(atc_truncated_and_long),
		cmocka_unit_test(atc_encode_short_buffer),
		cmocka_unit_test(atc_dispatch),
	};

	return cmocka_run_group_tests_name("atc", tests, NULL, NULL);
}
