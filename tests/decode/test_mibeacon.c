/* SPDX-License-Identifier: MIT */
/* test_mibeacon.c — MiBeacon decoder and encoder: every object id, value limits, the two
 * encryption schemes, negative cases (truncation at every byte, wrong key, flipped tag,
 * no key) and encoder round trips. Frames are built with mibeacon_encode(); the published
 * vectors are checked by tests/decode/test_vectors.c and tools/check-vectors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decode/mibeacon.h"
#include "decode/registry.h"

#define PID_TEST 0x9999 /* not in the registry: no device-specific behaviour */

static const uint8_t MAC[6] = { 0xA4, 0xC1, 0x38, 0x01, 0x02, 0x03 };
static const uint8_t ADDR[6] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
static const uint8_t BINDKEY[16] = { 0x81, 0x4a, 0xac, 0x74, 0xc4, 0xf1, 0x7b, 0x6c,
				     0x15, 0x81, 0xe1, 0xab, 0x87, 0x81, 0x6b, 0x99 };

struct fx {
	struct aes_key key;
	struct aes_key other;
	struct decoded d;
	uint8_t frame[MIBEACON_FRAME_MAX];
	uint8_t objs[128];
	size_t objs_len;
};

static int setup(void **state)
{
	static struct fx fx;
	uint8_t other[16];

	memset(&fx, 0, sizeof(fx));
	memset(other, 0x5a, sizeof(other));
	if (aes_key_set(&fx.key, BINDKEY) || aes_key_set(&fx.other, other))
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	aes_key_clear(&fx->key);
	aes_key_clear(&fx->other);
	return 0;
}

static void obj(struct fx *fx, uint16_t id, const void *data, size_t len)
{
	assert_int_equal(mibeacon_put_object(fx->objs, sizeof(fx->objs), &fx->objs_len, id,
					     data, len), 0);
}

/* A v5 frame with the MAC, carrying fx->objs; encrypted when @key. Returns its length. */
static int build(struct fx *fx, uint8_t version, uint16_t pid, const struct aes_key *key)
{
	struct mibeacon_frame f = {
		.version = version,
		.pid = pid,
		.counter = 0x42,
		.ext_counter = 0x000102,
		.mac = MAC,
		.objects = fx->objs,
		.objects_len = fx->objs_len,
	};
	int n = mibeacon_encode(&f, key, ADDR, fx->frame, sizeof(fx->frame));

	assert_true(n > 0);
	return n;
}

static const struct reading *find(const struct decoded *d, unsigned int type,
				  unsigned int index)
{
	for (unsigned int i = 0; i < d->n; i++)
		if (d->r[i].type == type && d->r[i].index == index)
			return &d->r[i];
	return NULL;
}

static void expect_reading(const struct decoded *d, unsigned int type, unsigned int index,
			   double value)
{
	const struct reading *r = find(d, type, index);

	if (!r)
		fail_msg("reading type %u index %u missing", type, index);
	if (fabs(r->value - value) > 1e-3)
		fail_msg("reading type %u: %f, want %f", type, r->value, value);
}

/* One object in a plain v5 frame of an unknown product: decode, expect one value. */
struct obj_case {
	const char *name;
	uint16_t id;
	uint8_t len;
	uint8_t data[9];
	unsigned int type;
	unsigned int index;
	double value;
};

static const struct obj_case obj_cases[] = {
	{ "0x0003 motion", 0x0003, 1, { 1 }, READING_MOTION, 0, 1 },
	{ "0x0006 fingerprint", 0x0006, 5, { 0xff, 0xff, 0xff, 0xff, 0 }, READING_FINGERPRINT, 0, 0 },
	{ "0x0007 lock door open", 0x0007, 1, { 0 }, READING_DOOR, 0, 1 },
	{ "0x0007 door pried", 0x0007, 1, { 4 }, READING_TAMPER, 0, 1 },
	{ "0x0007 door time", 0x0007, 5, { 1, 1, 0, 0, 0 }, READING_TIMESTAMP, 0, 1 },
	{ "0x0008 armed", 0x0008, 1, { 0 }, READING_ARMED, 0, 1 },
	{ "0x000A body temp", 0x000A, 2, { 0x75, 0x0d }, READING_TEMPERATURE, 0, 34.45 },
	{ "0x000B lock", 0x000B, 9, { 0x24, 2, 0, 0, 0, 1, 0, 0, 0 }, READING_LOCK, 0, 1 },
	{ "0x000B lock event", 0x000B, 9, { 0x21, 2, 0, 0, 0, 1, 0, 0, 0 }, READING_LOCK_EVENT, 0, 0x21 },
	{ "0x000F motion", 0x000F, 3, { 100, 0, 0 }, READING_MOTION, 0, 1 },
	{ "0x000F lux", 0x000F, 3, { 100, 1, 0 }, READING_ILLUMINANCE, 0, 356 },
	{ "0x0010 brushing", 0x0010, 2, { 0, 3 }, READING_COUNT, 0, 3 },
	{ "0x0010 score", 0x0010, 2, { 1, 70 }, READING_SCORE, 0, 70 },
	{ "0x1001 button", 0x1001, 3, { 2, 0, 1 }, READING_BUTTON, 2, 2 },
	{ "0x1001 knob", 0x1001, 3, { 0, 0xfe, 4 }, READING_DIMMER, 0, -2 },
	{ "0x1001 knob pressed", 0x1001, 3, { 3, 0, 4 }, READING_DIMMER_P, 0, 3 },
	{ "0x1004 temperature", 0x1004, 2, { 0x1e, 0xff }, READING_TEMPERATURE, 0, -22.6 },
	{ "0x1005 kettle", 0x1005, 2, { 1, 85 }, READING_KETTLE, 0, 1 },
	{ "0x1005 kettle temp", 0x1005, 2, { 1, 85 }, READING_TEMPERATURE, 0, 85 },
	{ "0x1006 humidity", 0x1006, 2, { 0x54, 0x02 }, READING_HUMIDITY, 0, 59.6 },
	{ "0x1007 illuminance", 0x1007, 3, { 0x01, 0x02, 0x03 }, READING_ILLUMINANCE, 0, 0x030201 },
	{ "0x1008 moisture", 0x1008, 1, { 64 }, READING_MOISTURE, 0, 64 },
	{ "0x1009 conductivity", 0x1009, 2, { 0x57, 0x02 }, READING_FERTILITY, 0, 599 },
	{ "0x100A battery", 0x100A, 1, { 59 }, READING_BATTERY, 0, 59 },
	{ "0x100A voltage", 0x100A, 1, { 100 }, READING_VOLTAGE, 0, 3.1 },
	{ "0x100D temperature", 0x100D, 4, { 0xb4, 0, 0x95, 0x02 }, READING_TEMPERATURE, 0, 18.0 },
	{ "0x100D humidity", 0x100D, 4, { 0xb4, 0, 0x95, 0x02 }, READING_HUMIDITY, 0, 66.1 },
	{ "0x100E lock attr", 0x100E, 1, { 1 }, READING_LOCK, 0, 0 },
	{ "0x1010 formaldehyde", 0x1010, 2, { 0x7d, 0 }, READING_FORMALDEHYDE, 0, 1.25 },
	{ "0x1012 switch", 0x1012, 1, { 1 }, READING_POWER_ON, 0, 1 },
	{ "0x1013 consumable", 0x1013, 1, { 90 }, READING_CONSUMABLE, 0, 90 },
	{ "0x1014 leak", 0x1014, 1, { 1 }, READING_LEAK, 0, 1 },
	{ "0x1015 smoke", 0x1015, 1, { 1 }, READING_SMOKE, 0, 1 },
	{ "0x1017 nmt", 0x1017, 4, { 0x2c, 0x01, 0, 0 }, READING_NMT, 0, 300 },
	{ "0x1017 no motion", 0x1017, 4, { 0x2c, 0x01, 0, 0 }, READING_MOTION, 0, 0 },
	{ "0x1018 light", 0x1018, 1, { 1 }, READING_LIGHT, 0, 1 },
	{ "0x1019 door open", 0x1019, 1, { 0 }, READING_DOOR, 0, 1 },
	{ "0x1019 door closed", 0x1019, 1, { 1 }, READING_DOOR, 0, 0 },
	{ "0x1019 door left open", 0x1019, 1, { 2 }, READING_TIMEOUT, 0, 1 },
	{ "0x101B timeout", 0x101B, 4, { 30, 0, 0, 0 }, READING_MOTION, 0, 0 },
	{ "0x2000 body temp", 0x2000, 5, { 0xc6, 0x0d, 0x63, 0x0d, 0x51 }, READING_TEMPERATURE, 0, 36.872 },
	{ "0x2000 battery", 0x2000, 5, { 0xc6, 0x0d, 0x63, 0x0d, 0x51 }, READING_BATTERY, 0, 81 },
	{ "0x3003 brushing", 0x3003, 6, { 1, 3, 0x62, 0x9d, 0x64, 83 }, READING_SCORE, 0, 83 },
	{ "0x4801 temperature", 0x4801, 4, { 0x9a, 0x99, 0xc9, 0x41 }, READING_TEMPERATURE, 0, 25.2 },
	{ "0x4802 humidity", 0x4802, 1, { 39 }, READING_HUMIDITY, 0, 39 },
	{ "0x4803 battery", 0x4803, 1, { 100 }, READING_BATTERY, 0, 100 },
	{ "0x4804 opening", 0x4804, 1, { 1 }, READING_DOOR, 0, 1 },
	{ "0x4805 illuminance", 0x4805, 4, { 0, 0, 0x2d, 0x43 }, READING_ILLUMINANCE, 0, 173 },
	{ "0x4806 leak", 0x4806, 1, { 1 }, READING_LEAK, 0, 1 },
	{ "0x4808 humidity", 0x4808, 4, { 0, 0, 0x34, 0x42 }, READING_HUMIDITY, 0, 45 },
	{ "0x4818 nmt", 0x4818, 2, { 60, 0 }, READING_NMT, 0, 60 },
	{ "0x483C pressure", 0x483C, 1, { 1 }, READING_OCCUPANCY, 0, 1 },
	{ "0x483D present", 0x483D, 4, { 0x78, 0x1e, 0, 0 }, READING_DURATION, 0, 7800 },
	{ "0x483E absent", 0x483E, 4, { 0x78, 0, 0, 0 }, READING_DURATION, 2, 120 },
	{ "0x484E occupancy", 0x484E, 1, { 0x1f }, READING_OCCUPANCY, 0, 1 },
	{ "0x4851 detected", 0x4851, 1, { 2 }, READING_DURATION, 0, 120 },
	{ "0x4852 cleared", 0x4852, 1, { 5 }, READING_DURATION, 2, 300 },
	{ "0x487B splash", 0x487B, 1, { 1 }, READING_LEAK, 2, 1 },
	{ "0x4A01 low battery", 0x4A01, 1, { 1 }, READING_BATTERY_LOW, 0, 1 },
	{ "0x4A08 motion lux", 0x4A08, 4, { 0, 0, 0x64, 0x43 }, READING_ILLUMINANCE, 0, 228 },
	{ "0x4A0C press", 0x4A0C, 0, { 0 }, READING_BUTTON, 1, 1 },
	{ "0x4A0D double", 0x4A0D, 1, { 1 }, READING_BUTTON, 2, 2 },
	{ "0x4A0E long", 0x4A0E, 1, { 0 }, READING_BUTTON, 1, 3 },
	{ "0x4A0F removed", 0x4A0F, 1, { 1 }, READING_TAMPER, 0, 1 },
	{ "0x4A12 opening", 0x4A12, 1, { 2 }, READING_DOOR, 0, 0 },
	{ "0x4A13 button", 0x4A13, 1, { 1 }, READING_BUTTON, 1, 1 },
	{ "0x4A1A left open", 0x4A1A, 1, { 1 }, READING_TIMEOUT, 0, 1 },
	{ "0x4A68 bottom wet", 0x4A68, 1, { 0 }, READING_LEAK, 0, 1 },
	{ "0x4A68 top dry", 0x4A68, 1, { 3 }, READING_LEAK, 2, 0 },
	{ "0x4C01 temperature", 0x4C01, 4, { 0xcd, 0xcc, 0xd0, 0x41 }, READING_TEMPERATURE, 0, 26.1 },
	{ "0x4C02 humidity", 0x4C02, 1, { 58 }, READING_HUMIDITY, 0, 58 },
	{ "0x4C03 battery", 0x4C03, 1, { 50 }, READING_BATTERY, 0, 50 },
	{ "0x4C08 humidity", 0x4C08, 4, { 0, 0, 0x34, 0x42 }, READING_HUMIDITY, 0, 45 },
	{ "0x4E01 low battery", 0x4E01, 1, { 0 }, READING_BATTERY_LOW, 0, 0 },
	{ "0x4E0C press", 0x4E0C, 0, { 0 }, READING_BUTTON, 1, 1 },
	{ "0x4E0C button 4", 0x4E0C, 1, { 4 }, READING_BUTTON, 4, 1 },
	{ "0x4E0D double", 0x4E0D, 0, { 0 }, READING_BUTTON, 1, 2 },
	{ "0x4E0E long", 0x4E0E, 0, { 0 }, READING_BUTTON, 1, 3 },
	{ "0x4E16 S200 weight", 0x4E16, 9, { 1, 0x51, 0x18, 0, 0, 0x8a, 0x1b, 0x11, 0x69 }, READING_WEIGHT, 0, 62.25 },
	{ "0x5003 battery", 0x5003, 1, { 77 }, READING_BATTERY, 0, 77 },
	{ "0x5403 battery", 0x5403, 1, { 76 }, READING_BATTERY, 0, 76 },
	{ "0x5413 close range", 0x5413, 1, { 1 }, READING_OCCUPANCY, 2, 1 },
	{ "0x560C press", 0x560C, 1, { 2 }, READING_BUTTON, 2, 1 },
	{ "0x560D double", 0x560D, 1, { 1 }, READING_BUTTON, 1, 2 },
	{ "0x560E long", 0x560E, 1, { 3 }, READING_BUTTON, 3, 3 },
	{ "0x5A16 in bed", 0x5A16, 1, { 1 }, READING_OCCUPANCY, 0, 1 },
	{ "0x5A16 double", 0x5A16, 1, { 3 }, READING_BUTTON, 1, 2 },
	{ "0x6012 humidity", 0x6012, 1, { 39 }, READING_HUMIDITY, 0, 39 },
	{ "0x605D temperature", 0x605D, 1, { 0xfb }, READING_TEMPERATURE, 0, -5 },
	{ "0x6E16 S400 weight", 0x6E16, 9, { 1, 0xbb, 0x52, 0xe1, 0x54, 0xed, 0x26, 0xf7, 0x67 }, READING_WEIGHT, 0, 69.9 },
	{ "0x6E16 S400 heart rate", 0x6E16, 9, { 1, 0xbb, 0x52, 0xe1, 0x54, 0xed, 0x26, 0xf7, 0x67 }, READING_HEART_RATE, 0, 92 },
	{ "0x6E16 S400 impedance", 0x6E16, 9, { 1, 0xbb, 0x52, 0xe1, 0x54, 0xed, 0x26, 0xf7, 0x67 }, READING_IMPEDANCE, 0, 543.2 },
};

static void test_objects(void **state)
{
	struct fx *fx = *state;

	for (size_t i = 0; i < sizeof(obj_cases) / sizeof(obj_cases[0]); i++) {
		const struct obj_case *c = &obj_cases[i];
		int n;

		fx->objs_len = 0;
		obj(fx, c->id, c->data, c->len);
		n = build(fx, 5, PID_TEST, NULL);
		print_message("%s\n", c->name);
		assert_true(mibeacon__obj_known(c->id));
		assert_true(mibeacon_decode(fx->frame, (size_t)n, ADDR, NULL, &fx->d) > 0);
		expect_reading(&fx->d, c->type, c->index, c->value);
	}
}

static void test_table_sorted(void **state)
{
	(void)state;
	assert_true(mibeacon__obj_table_sorted());
	assert_false(mibeacon__obj_known(0x0002)); /* pairing object: ignored */
}

/* Unknown ids and known ids with a length we do not know are skipped, not errors. */
static void test_unknown_objects_skipped(void **state)
{
	struct fx *fx = *state;
	const uint8_t t[2] = { 0xe2, 0x00 }, odd[3] = { 1, 2, 3 };
	int n;

	fx->objs_len = 0;
	obj(fx, 0x7777, odd, 3);
	obj(fx, 0x1004, odd, 3);
	obj(fx, 0x1004, t, 2);
	n = build(fx, 5, PID_TEST, NULL);
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, ADDR, NULL, &fx->d), 1);
	expect_reading(&fx->d, READING_TEMPERATURE, 0, 22.6);
}

/* Every object of a frame is decoded (Tasmota decoded only the first: SPEC decision 4). */
static void test_all_objects(void **state)
{
	struct fx *fx = *state;
	const uint8_t t[2] = { 0xe2, 0x00 }, h[2] = { 0x54, 0x02 }, b[1] = { 80 };
	int n;

	fx->objs_len = 0;
	obj(fx, 0x1004, t, 2);
	obj(fx, 0x1006, h, 2);
	obj(fx, 0x4803, b, 1);
	n = build(fx, 5, PID_TEST, &fx->key);
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, ADDR, &fx->key, &fx->d), 3);
	expect_reading(&fx->d, READING_TEMPERATURE, 0, 22.6);
	expect_reading(&fx->d, READING_HUMIDITY, 0, 59.6);
	expect_reading(&fx->d, READING_BATTERY, 0, 80);
}

static int decode_one(struct fx *fx, uint16_t pid, uint16_t id, const void *data,
		      size_t len)
{
	int n;

	fx->objs_len = 0;
	obj(fx, id, data, len);
	n = build(fx, 5, pid, NULL);
	return mibeacon_decode(fx->frame, (size_t)n, ADDR, NULL, &fx->d);
}

/* Limits: temperature < 60 °C, humidity ≤ 100 %, battery ≤ 100 %, moisture ≤ 100 %. */
static void test_limits(void **state)
{
	struct fx *fx = *state;
	const uint8_t t599[2] = { 0x57, 0x02 }, t600[2] = { 0x58, 0x02 };
	const uint8_t h1000[2] = { 0xe8, 0x03 }, h1001[2] = { 0xe9, 0x03 };
	const uint8_t th_bad[4] = { 0x58, 0x02, 0xe9, 0x03 };
	const uint8_t b100 = 100, b101 = 101, m101 = 101;

	assert_int_equal(decode_one(fx, PID_TEST, 0x1004, t599, 2), 1);
	expect_reading(&fx->d, READING_TEMPERATURE, 0, 59.9);
	assert_int_equal(decode_one(fx, PID_TEST, 0x1004, t600, 2), 0);
	assert_true(fx->d.flags & DECODED_F_NO_OBJECTS);
	assert_int_equal(decode_one(fx, PID_TEST, 0x1006, h1000, 2), 1);
	assert_int_equal(decode_one(fx, PID_TEST, 0x1006, h1001, 2), 0);
	assert_int_equal(decode_one(fx, PID_TEST, 0x100D, th_bad, 4), 0);
	assert_int_equal(decode_one(fx, PID_TEST, 0x4C03, &b100, 1), 1);
	assert_int_equal(decode_one(fx, PID_TEST, 0x4C03, &b101, 1), 0);
	assert_int_equal(decode_one(fx, PID_TEST, 0x1008, &m101, 1), 0);
}

/* SPEC decision 5: battery of stock LYWSD03MMC / MHO-C401 is dropped and flagged. */
static void test_bogus_battery(void **state)
{
	struct fx *fx = *state;
	const uint8_t b = 90;

	assert_int_equal(decode_one(fx, PID_LYWSD03, 0x100A, &b, 1), 0);
	assert_true(fx->d.flags & DECODED_F_BOGUS_BATTERY);
	assert_int_equal(decode_one(fx, PID_MHOC401, 0x4803, &b, 1), 0);
	assert_true(fx->d.flags & DECODED_F_BOGUS_BATTERY);
	assert_int_equal(decode_one(fx, PID_FLORA, 0x100A, &b, 1), 2); /* battery + voltage */
	assert_false(fx->d.flags & DECODED_F_BOGUS_BATTERY);
}

/* Device-specific meanings chosen by product id. */
static void test_device_specific(void **state)
{
	struct fx *fx = *state;
	const uint8_t press[3] = { 0, 3, 3 }, hold[3] = { 1, 5, 3 }, light[3] = { 100, 0, 0 };
	const uint8_t k9b_long[3] = { 1, 0, 1 }, both = 3, btn[1] = { 1 };

	/* YLKG07/08 (knob in the registry): 3 presses, hold value (SPEC §3.3) */
	assert_int_equal(decode_one(fx, PID_YLKG08, 0x1001, press, 3), 1);
	expect_reading(&fx->d, READING_BUTTON, 0, 3);
	assert_int_equal(decode_one(fx, PID_YLKG08, 0x1001, hold, 3), 1);
	expect_reading(&fx->d, READING_HOLD, 0, 5);
	/* K9B switches swap double and long */
	assert_int_equal(decode_one(fx, PID_K9B_1BTN, 0x1001, k9b_long, 3), 1);
	expect_reading(&fx->d, READING_BUTTON, 1, 3);
	/* MJYD02YL 0x000F: light flag plus lux (Tasmota) */
	assert_true(decode_one(fx, PID_MJYD2S, 0x000F, light, 3) > 0);
	expect_reading(&fx->d, READING_LIGHT, 0, 1);
	expect_reading(&fx->d, READING_ILLUMINANCE, 0, 100);
	/* RTCGQ02LM: no lux */
	assert_true(decode_one(fx, PID_RTCGQ02LM, 0x000F, light, 3) > 0);
	assert_null(find(&fx->d, READING_ILLUMINANCE, 0));
	/* XMWXKG01YL: 3 = both buttons */
	assert_int_equal(decode_one(fx, PID_XMWXKG01YL, 0x4E0C, &both, 1), 2);
	expect_reading(&fx->d, READING_BUTTON, 1, 1);
	expect_reading(&fx->d, READING_BUTTON, 2, 1);
	/* a thermometer without buttons: press objects ignored */
	assert_int_equal(decode_one(fx, PID_MJ_HT_V1, 0x560D, btn, 1), 0);
}

static void test_header_fields(void **state)
{
	struct fx *fx = *state;
	const uint8_t t[2] = { 0xe2, 0x00 };
	struct mibeacon_frame f = {
		.version = 5, .pid = PID_LYWSD03, .counter = 7, .ext_counter = 0x030201,
		.mac = MAC, .has_capability = true, .capability = 0x28, .io_cap = 0xBEEF,
		.fc_extra = MIBEACON_FC_REGISTERED,
	};
	int n;

	fx->objs_len = 0;
	obj(fx, 0x1004, t, 2);
	f.objects = fx->objs;
	f.objects_len = fx->objs_len;
	n = mibeacon_encode(&f, &fx->key, NULL, fx->frame, sizeof(fx->frame));
	assert_int_equal(n, 5 + 6 + 3 + 5 + 7);
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, NULL, &fx->key, &fx->d), 1);
	assert_int_equal(fx->d.format, DECODE_FORMAT_MIBEACON);
	assert_int_equal(fx->d.version, 5);
	assert_int_equal(fx->d.pid, PID_LYWSD03);
	assert_true(fx->d.has_counter);
	assert_int_equal(fx->d.counter, 0x03020107);
	assert_true(fx->d.encrypted);
	assert_true(fx->d.has_mac);
	assert_memory_equal(fx->d.mac, MAC, 6);
	assert_int_equal(fx->d.capability, 0x28);
	assert_int_equal(fx->d.io_cap, 0xBEEF);
	assert_true(fx->d.flags & DECODED_F_REGISTERED);

	/* capability without the IO bit: one byte only */
	f.capability = 0x09;
	n = mibeacon_encode(&f, NULL, NULL, fx->frame, sizeof(fx->frame));
	assert_int_equal(n, 5 + 6 + 1 + 5);
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, NULL, NULL, &fx->d), 1);
	assert_int_equal(fx->d.io_cap, 0);
	assert_int_equal(fx->d.counter, 7);
}

/* No objects: DECODED_F_NO_OBJECTS; the "not paired" 0x28 at offset 11. */
static void test_no_objects_unbound(void **state)
{
	struct fx *fx = *state;
	struct mibeacon_frame f = {
		.version = 5, .pid = PID_LYWSD03, .counter = 1, .mac = MAC,
		.has_capability = true, .capability = 0x28,
	};
	int n = mibeacon_encode(&f, NULL, NULL, fx->frame, sizeof(fx->frame));

	assert_int_equal(n, 14); /* 0x28 has the IO bit: two more bytes */
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, NULL, NULL, &fx->d), 0);
	assert_true(fx->d.flags & DECODED_F_NO_OBJECTS);
	assert_true(fx->d.flags & DECODED_F_UNBOUND);
	f.capability = 0x08;
	n = mibeacon_encode(&f, NULL, NULL, fx->frame, sizeof(fx->frame));
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, NULL, NULL, &fx->d), 0);
	assert_false(fx->d.flags & DECODED_F_UNBOUND);
	/* exactly 11 bytes: nothing at offset 11 */
	f.has_capability = false;
	n = mibeacon_encode(&f, NULL, NULL, fx->frame, sizeof(fx->frame));
	assert_int_equal(n, 11);
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, NULL, NULL, &fx->d), 0);
	assert_false(fx->d.flags & DECODED_F_UNBOUND);
}

static void test_versions_rejected(void **state)
{
	struct fx *fx = *state;
	uint8_t v1[8] = { 0x50, 0x10, 0xaa, 0x01, 1, 0x04, 0x10, 0 };
	uint8_t mesh[8] = { 0xd0, 0x50, 0xaa, 0x01, 1, 0x04, 0x10, 0 };
	uint8_t v6[8] = { 0x50, 0x60, 0xaa, 0x01, 1, 0x04, 0x10, 0 };

	assert_int_equal(mibeacon_decode(v1, sizeof(v1), ADDR, NULL, &fx->d), -ENOTSUP);
	assert_int_equal(mibeacon_decode(mesh, sizeof(mesh), ADDR, NULL, &fx->d), -ENOTSUP);
	assert_int_equal(mibeacon_decode(v6, sizeof(v6), ADDR, NULL, &fx->d), -ENOTSUP);
	assert_int_equal(fx->d.pid, PID_MJ_HT_V1); /* header fields survive errors */
	assert_int_equal(mibeacon_decode(v1, 4, ADDR, NULL, &fx->d), -EBADMSG);
	assert_int_equal(mibeacon_decode(NULL, 0, ADDR, NULL, &fx->d), -EBADMSG);
}

/* Cut a valid frame at every byte: never a crash, and never more readings. */
static void truncate_all(struct fx *fx, int n, const struct aes_key *key, int full)
{
	for (int len = 0; len < n; len++) {
		int r = mibeacon_decode(fx->frame, (size_t)len, ADDR, key, &fx->d);

		if (r >= 0)
			assert_true(r < full || (r == full && len >= n - 2));
		else
			assert_true(r == -EBADMSG || (key && r == -EKEYREJECTED));
	}
}

static void test_truncation(void **state)
{
	struct fx *fx = *state;
	const uint8_t th[4] = { 0xb4, 0, 0x95, 0x02 }, b = 59, lux[3] = { 1, 2, 3 };
	int n;

	fx->objs_len = 0;
	obj(fx, 0x100D, th, 4);
	obj(fx, 0x100A, &b, 1);
	obj(fx, 0x1007, lux, 3);
	n = build(fx, 5, PID_TEST, NULL);
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, ADDR, NULL, &fx->d), 5);
	truncate_all(fx, n, NULL, 5);

	n = build(fx, 5, PID_TEST, &fx->key);
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, ADDR, &fx->key, &fx->d), 5);
	truncate_all(fx, n, &fx->key, 5);

	n = build(fx, 3, PID_TEST, &fx->key);
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, ADDR, &fx->key, &fx->d), 5);
	truncate_all(fx, n, &fx->key, 5);
}

static void test_encrypted_errors(void **state)
{
	struct fx *fx = *state;
	const uint8_t t[2] = { 0xe2, 0x00 };
	int n;

	fx->objs_len = 0;
	obj(fx, 0x1004, t, 2);
	n = build(fx, 5, PID_TEST, &fx->key);
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, ADDR, NULL, &fx->d), -ENOKEY);
	assert_true(fx->d.encrypted);
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, ADDR, &fx->other, &fx->d),
			 -EKEYREJECTED);
	for (int i = 1; i <= 4; i++) {
		fx->frame[n - i] ^= 0x01; /* flip a tag byte */
		assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, ADDR, &fx->key, &fx->d),
				 -EKEYREJECTED);
		fx->frame[n - i] ^= 0x01;
	}
	fx->frame[n - 5] ^= 0x80; /* the extended counter is part of the nonce */
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, ADDR, &fx->key, &fx->d),
			 -EKEYREJECTED);
	fx->frame[n - 5] ^= 0x80;
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, ADDR, &fx->key, &fx->d), 1);
	assert_int_equal(fx->d.n, 1);
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, ADDR, &fx->other, &fx->d),
			 -EKEYREJECTED);
	assert_int_equal(fx->d.n, 0); /* no readings on errors */
}

/* v2/v3 legacy scheme with the YLKG07/08 beaconkey expanded to 16 bytes (SPEC §4.2). */
static void test_legacy_beaconkey(void **state)
{
	struct fx *fx = *state;
	const uint8_t beacon[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	const uint8_t expanded[16] = { 1, 2, 3, 4, 5, 6, 0x8d, 0x3d, 0x3c, 0x97,
				       7, 8, 9, 10, 11, 12 };
	const uint8_t rotate[3] = { 0, 0xff, 4 };
	uint8_t k16[16];
	struct aes_key bk = { 0 };
	int n;

	mibeacon_expand_beaconkey(beacon, k16);
	assert_memory_equal(k16, expanded, 16);
	assert_int_equal(aes_key_set(&bk, k16), 0);

	fx->objs_len = 0;
	obj(fx, 0x1001, rotate, 3);
	n = build(fx, 3, PID_YLKG08, &bk);
	assert_int_equal(n, 5 + 6 + 6 + 4);
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, ADDR, &bk, &fx->d), 1);
	assert_true(fx->d.encrypted);
	assert_int_equal(fx->d.version, 3);
	assert_int_equal(fx->d.counter, 0x42); /* legacy: the counter byte only */
	expect_reading(&fx->d, READING_DIMMER, 0, -1);
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, ADDR, NULL, &fx->d), -ENOKEY);
	/* the other key decrypts to something that is not a 0x10xx object */
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, ADDR, &fx->other, &fx->d),
			 -EKEYREJECTED);
	aes_key_clear(&bk);
}

/* Round trips over versions, MAC in the frame or only the advertiser address. */
static void test_roundtrip(void **state)
{
	struct fx *fx = *state;
	const uint8_t th[4] = { 0x10, 0x01, 0xea, 0x01 };

	for (uint8_t v = 2; v <= 5; v++) {
		for (int with_mac = 0; with_mac < 2; with_mac++) {
			for (int enc = 0; enc < 2; enc++) {
				struct mibeacon_frame f = {
					.version = v, .pid = PID_TEST, .counter = v,
					.ext_counter = 0xabcdef,
					.mac = with_mac ? MAC : NULL,
				};
				int n;

				fx->objs_len = 0;
				obj(fx, 0x100D, th, 4);
				f.objects = fx->objs;
				f.objects_len = fx->objs_len;
				n = mibeacon_encode(&f, enc ? &fx->key : NULL, ADDR, fx->frame,
						    sizeof(fx->frame));
				assert_true(n > 0);
				assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, ADDR,
								 enc ? &fx->key : NULL,
								 &fx->d), 2);
				assert_int_equal(fx->d.version, v);
				assert_int_equal(fx->d.has_mac, with_mac);
				expect_reading(&fx->d, READING_TEMPERATURE, 0, 27.2);
				expect_reading(&fx->d, READING_HUMIDITY, 0, 49.0);
				/* the nonce needs the right address when the frame has no MAC */
				if (enc && !with_mac)
					assert_int_not_equal(mibeacon_decode(fx->frame, (size_t)n,
									     MAC, &fx->key,
									     &fx->d), 2);
			}
		}
	}
}

static void test_encoder_errors(void **state)
{
	struct fx *fx = *state;
	const uint8_t t[2] = { 0xe2, 0x00 };
	struct mibeacon_frame f = { .version = 5, .pid = 1, .mac = MAC };
	struct aes_key none = { 0 };
	size_t pos = 0;

	assert_int_equal(mibeacon_encode(&f, &fx->key, NULL, fx->frame, 64), -EINVAL);
	f.version = 1;
	assert_int_equal(mibeacon_encode(&f, NULL, NULL, fx->frame, 64), -EINVAL);
	f.version = 5;
	fx->objs_len = 0;
	obj(fx, 0x1004, t, 2);
	f.objects = fx->objs;
	f.objects_len = fx->objs_len;
	assert_int_equal(mibeacon_encode(&f, &none, NULL, fx->frame, 64), -EINVAL);
	assert_int_equal(mibeacon_encode(&f, &fx->key, NULL, fx->frame, 22), -ENOSPC);
	assert_int_equal(mibeacon_encode(&f, &fx->key, NULL, fx->frame, 23), 23);
	f.mac = NULL;
	assert_int_equal(mibeacon_encode(&f, &fx->key, NULL, fx->frame, 64), -EINVAL);
	assert_int_equal(mibeacon_put_object(fx->objs, 4, &pos, 0x1004, t, 2), -ENOSPC);
	assert_int_equal(mibeacon_put_object(fx->objs, 5, &pos, 0x1004, t, 2), 0);
	assert_int_equal(pos, 5);
	assert_int_equal(mibeacon_put_object(fx->objs, 5, &pos, 0x4E0C, NULL, 0), -ENOSPC);
}

/* Truncated object list inside a valid encrypted frame: the tag matches, the list lies. */
static void test_bad_object_length(void **state)
{
	struct fx *fx = *state;
	const uint8_t bad[5] = { 0x04, 0x10, 0x09, 0xe2, 0x00 }; /* claims 9 bytes */
	int n;

	memcpy(fx->objs, bad, sizeof(bad));
	fx->objs_len = sizeof(bad);
	n = build(fx, 5, PID_TEST, &fx->key);
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, ADDR, &fx->key, &fx->d),
			 -EBADMSG);
	n = build(fx, 5, PID_TEST, NULL);
	assert_int_equal(mibeacon_decode(fx->frame, (size_t)n, ADDR, NULL, &fx->d), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_sorted),
		cmocka_unit_test(test_objects),
		cmocka_unit_test(test_unknown_objects_skipped),
		cmocka_unit_test(test_all_objects),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_bogus_battery),
		cmocka_unit_test(test_device_specific),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_no_objects_unbound),
		cmocka_unit_test(test_versions_rejected),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_encrypted_errors),
		cmocka_unit_test(test_legacy_beaconkey),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_encoder_errors),
		cmocka_unit_test(test_bad_object_length),
	};

	return cmocka_run_group_tests_name("mibeacon", tests, setup, teardown);
}
