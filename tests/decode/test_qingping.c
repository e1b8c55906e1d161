/* SPDX-License-Identifier: MIT */
/* test_qingping.c — the Qingping 0xFDCD format: every TLV we decode (all of them in one
 * frame, not only the first as Tasmota did), device ids → pids, the CGDN1 address quirk,
 * exact TLV lengths, truncation at every byte. The published frames run through
 * test_vectors.c. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decode/decode.h"
#include "decode/qingping.h"
#include "decode/registry.h"
#include "util/hex.h"
#include "../util/decoded_assert.h"

static int decode_hex(const char *hex, struct decoded *d)
{
	uint8_t b[64];
	int n = hex_decode(hex, b, sizeof(b));

	assert_true(n >= 0);
	decoded_reset(d);
	return qingping_decode(b, (size_t)n, d);
}

/* Hand-built frame with every TLV we decode, an unknown one between them:
 *   08 07 | 665544332211 | 01 04 85ff c801 (-12.3 °C, 45.6 %) | 02 01 37 (55 %)
 *   04 01 02 (left open) | 07 02 9a27 (1013.8 hPa) | 08 04 01 a08601 (motion, 100000 lx)
 *   15 02 3412 (VOC index: skipped) | 09 04 39300000 (12345 lx) | 0f 01 2a (packet 42)
 *   11 01 01 (light) | 12 04 0c00 1900 (PM 12 / 25) | 13 02 e803 (1000 ppm) */
static const char all_hex[] = "0807665544332211"
			      "010485ffc801"
			      "020137"
			      "040102"
			      "07029a27"
			      "080401a08601"
			      "15023412"
			      "090439300000"
			      "0f012a"
			      "110101"
			      "12040c001900"
			      "1302e803";

static void qingping_every_tlv(void **state)
{
	static const uint8_t mac[6] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
	struct decoded d;
	const struct reading *r;
	unsigned int lux = 0;

	(void)state;
	assert_int_equal(decode_hex(all_hex, &d), 13);
	assert_int_equal(d.format, DECODE_FORMAT_QINGPING);
	assert_int_equal(d.pid, PID_CGG1);
	assert_true(d.has_mac);
	assert_memory_equal(d.mac, mac, 6);
	assert_true(d.has_counter);
	assert_int_equal(d.counter, 42);
	assert_near(value_of(&d, READING_TEMPERATURE), -12.3, 1e-9);
	assert_near(value_of(&d, READING_HUMIDITY), 45.6, 1e-9);
	assert_near(value_of(&d, READING_BATTERY), 55, 0);
	assert_near(value_of(&d, READING_DOOR), 1, 0);
	assert_near(value_of(&d, READING_TIMEOUT), 1, 0);
	assert_near(value_of(&d, READING_PRESSURE), 1013.8, 1e-9);
	assert_near(value_of(&d, READING_MOTION), 1, 0);
	assert_near(value_of(&d, READING_LIGHT), 1, 0);
	assert_near(value_of(&d, READING_PM25), 12, 0);
	assert_near(value_of(&d, READING_PM10), 25, 0);
	assert_near(value_of(&d, READING_CO2), 1000, 0);
	/* both illuminance TLVs, in frame order: the 24-bit one (above 65535) first */
	for (unsigned int i = 0; i < d.n; i++) {
		r = &d.r[i];
		if (r->type != READING_ILLUMINANCE)
			continue;
		assert_near(r->value, lux == 0 ? 100000 : 12345, 0);
		lux++;
	}
	assert_int_equal(lux, 2);
	assert_int_equal(d.flags & DECODED_F_NO_OBJECTS, 0);
}

static void qingping_battery_and_door(void **state)
{
	struct decoded d;

	(void)state;
	/* 0xFF = mains powered, reported as full (qingping-ble) */
	assert_int_equal(decode_hex("0801665544332211" "0201ff", &d), 1);
	assert_near(value_of(&d, READING_BATTERY), 100, 0);
	assert_int_equal(decode_hex("0801665544332211" "020100", &d), 1);
	assert_near(value_of(&d, READING_BATTERY), 0, 0);
	/* door: 0 open, 1 closed, 2 left open; other values carry nothing we know */
	assert_int_equal(decode_hex("0804665544332211" "040100", &d), 2);
	assert_int_equal(d.pid, PID_QP_CGH1);
	assert_near(value_of(&d, READING_DOOR), 1, 0);
	assert_near(value_of(&d, READING_TIMEOUT), 0, 0);
	assert_int_equal(decode_hex("0804665544332211" "040101", &d), 2);
	assert_near(value_of(&d, READING_DOOR), 0, 0);
	assert_near(value_of(&d, READING_TIMEOUT), 0, 0);
	assert_int_equal(decode_hex("0804665544332211" "040103", &d), 0);
	assert_true(d.flags & DECODED_F_NO_OBJECTS);
}

static void qingping_extremes(void **state)
{
	struct decoded d;

	(void)state;
	assert_int_equal(decode_hex("0801665544332211" "01040080ffff", &d), 2);
	assert_near(value_of(&d, READING_TEMPERATURE), -3276.8, 1e-9);
	assert_near(value_of(&d, READING_HUMIDITY), 6553.5, 1e-9);
	assert_int_equal(decode_hex("0812665544332211" "0904ffffffff" "080400ffffff", &d), 3);
	assert_near(d.r[0].value, 4294967295.0, 0);
	assert_near(value_of(&d, READING_MOTION), 0, 0);
	assert_near(d.r[2].value, 16777215, 0);
}

static void qingping_pids(void **state)
{
	struct decoded d;

	(void)state;
	assert_int_equal(qingping_pid(0x01), PID_CGG1);
	assert_int_equal(qingping_pid(0x07), PID_CGG1);
	assert_int_equal(qingping_pid(0x0C), PID_CGD1);
	assert_int_equal(qingping_pid(0x09), PID_QP_CGP1W);
	assert_int_equal(qingping_pid(0x12), PID_QP_CGPR1);
	assert_int_equal(qingping_pid(0x18), PID_QP_CGP23W);
	assert_int_equal(qingping_pid(0x26), PID_QP_CGP23W);
	assert_int_equal(qingping_pid(0x33), PID_QP_CGP22C);
	assert_int_equal(qingping_pid(0x5D), PID_QP_CGP22C);
	assert_int_equal(qingping_pid(0x0E), PID_QP_CGDN1);
	assert_int_equal(qingping_pid(0x24), PID_QP_CGDN1);
	assert_int_equal(qingping_pid(0x00), PID_QP_GENERIC);
	assert_int_equal(qingping_pid(0xFF), PID_QP_GENERIC);
	/* an unknown device still decodes */
	assert_int_equal(decode_hex("08fe665544332211" "020150", &d), 1);
	assert_int_equal(d.pid, PID_QP_GENERIC);
	assert_true(d.has_mac);
}

/* CGDN1 carries an address other than the advertiser's: not reported as the MAC. */
static void qingping_cgdn1_mac(void **state)
{
	struct decoded d;

	(void)state;
	assert_int_equal(decode_hex("080e665544332211" "1302e803", &d), 1);
	assert_false(d.has_mac);
	assert_int_equal(decode_hex("0824665544332211" "1302e803", &d), 1);
	assert_false(d.has_mac);
	assert_int_equal(d.pid, PID_QP_CGDN1);
}

static void qingping_header_only(void **state)
{
	struct decoded d;

	(void)state;
	assert_int_equal(decode_hex("0807665544332211", &d), 0);
	assert_true(d.flags & DECODED_F_NO_OBJECTS);
	assert_true(d.has_mac);
	/* an unknown TLV of length 0 is fine, too */
	assert_int_equal(decode_hex("0807665544332211" "3000", &d), 0);
}

/* A known TLV of another length is malformed (SPEC decision 7), not skipped. */
static void qingping_wrong_tlv_length(void **state)
{
	static const char *bad[] = {
		"0807665544332211" "010385ffc8",
		"0807665544332211" "01050085ffc801",
		"0807665544332211" "02020000",
		"0807665544332211" "070100",
		"0807665544332211" "08030100a0",
		"0807665544332211" "0902a086",
		"0807665544332211" "0f00",
		"0807665544332211" "11020101",
		"0807665544332211" "13030000e8",
		"0807665544332211" "1203000000",
		"0807665544332211" "04020000",
	};
	struct decoded d;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(decode_hex(bad[i], &d), -EBADMSG);
}

/* Every prefix: a short header or a cut TLV is malformed; a cut between TLVs is a shorter
 * valid frame. Never a read past the end (ASan). */
static void qingping_truncated(void **state)
{
	static const size_t boundaries[] = { 8, 14, 17, 20, 24, 30, 34, 40, 43, 46, 52, 56 };
	uint8_t b[64], *copy;
	int n = hex_decode(all_hex, b, sizeof(b));
	struct decoded d;

	(void)state;
	assert_int_equal(n, 56);
	for (size_t len = 0; len <= (size_t)n; len++) {
		bool whole = false;
		int r;

		for (size_t i = 0; i < sizeof(boundaries) / sizeof(boundaries[0]); i++)
			whole |= boundaries[i] == len;
		/* an exact-size heap copy, so ASan sees any overrun */
		copy = test_malloc(len ? len : 1);
		memcpy(copy, b, len);
		decoded_reset(&d);
		r = qingping_decode(copy, len, &d);
		test_free(copy);
		if (whole)
			assert_true(r >= 0);
		else
			assert_int_equal(r, -EBADMSG);
		assert_int_equal(d.format, DECODE_FORMAT_QINGPING);
	}
	decoded_reset(&d);
	assert_int_equal(qingping_decode(NULL, 0, &d), -EBADMSG);
}

static void qingping_dispatch(void **state)
{
	static const uint8_t addr[6] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
	uint8_t b[64];
	int n = hex_decode(all_hex, b, sizeof(b));
	struct decoded d;

	(void)state;
	assert_int_equal(decode_service_data(UUID_QINGPING, b, (size_t)n, addr, NULL, &d), 13);
	assert_int_equal(d.format, DECODE_FORMAT_QINGPING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(qingping_every_tlv),
		cmocka_unit_test(qingping_battery_and_door),
		cmocka_unit_test(qingping_extremes),
		cmocka_unit_test(qingping_pids),
		cmocka_unit_test(qingping_cgdn1_mac),
		cmocka_unit_test(qingping_header_only),
		cmocka_unit_test(qingping_wrong_tlv_length),
		cmocka_unit_test(qingping_truncated),
		cmocka_unit_test(qingping_dispatch),
	};

	return cmocka_run_group_tests_name("qingping", tests, NULL, NULL);
}
