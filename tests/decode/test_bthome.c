/* SPDX-License-Identifier: MIT */
/* test_bthome.c — the BTHome decoder and encoder: every object id of the spec table (size
 * and scaling, written here independently from bthome.io/format), encryption round trips
 * and their failures, truncation at every byte, v1 plain and encrypted, button/dimmer
 * events. Published vectors run in test_vectors.c; here only the encoder is checked
 * against the bthome.io encryption example that bthome-ble's tests carry. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "decode/bthome.h"
#include "decode/registry.h"
#include "util/hex.h"

static const uint8_t mac_a[6] = { 0x54, 0x48, 0xE6, 0x8F, 0x80, 0xA5 };
/* bthome.io "Encryption" example key (also bthome-ble's tests) */
static const char *key_hex = "231d39c1d7cc1ab1aee224cd096db932";

struct keys {
	struct aes_key good, bad;
};

static int setup_keys(void **state)
{
	struct keys *k = calloc(1, sizeof(*k));
	uint8_t raw[16];

	assert_non_null(k);
	assert_int_equal(hex_decode(key_hex, raw, 16), 16);
	assert_int_equal(aes_key_set(&k->good, raw), 0);
	raw[0] ^= 0x01;
	assert_int_equal(aes_key_set(&k->bad, raw), 0);
	*state = k;
	return 0;
}

static int teardown_keys(void **state)
{
	struct keys *k = *state;

	aes_key_clear(&k->good);
	aes_key_clear(&k->bad);
	free(k);
	return 0;
}

static int dec(uint16_t uuid, const uint8_t *p, size_t n, const struct aes_key *key,
	       struct decoded *d)
{
	decoded_reset(d);
	return bthome_decode(uuid, p, n, mac_a, key, d);
}

static int dec_hex(uint16_t uuid, const char *hex, const struct aes_key *key,
		   struct decoded *d)
{
	uint8_t b[300];
	int n = hex_decode(hex, b, sizeof(b));

	assert_true(n >= 0);
	return dec(uuid, b, (size_t)n, key, d);
}

static void assert_reading(const struct decoded *d, unsigned int i, const char *key,
			   double value)
{
	char k[32];

	assert_true(i < d->n);
	reading_key(&d->r[i], k, sizeof(k));
	if (strcmp(k, key) != 0)
		fail_msg("reading %u: key %s, want %s", i, k, key);
	if (fabs(d->r[i].value - value) > 1e-9 * fmax(1, fabs(value)))
		fail_msg("%s = %.9g, want %.9g", key, d->r[i].value, value);
}

/* ---- the object table ------------------------------------------------------------- */

/* bthome.io/format, object by object: id, data bytes, the key and value we report
 * (NULL key: an object we size but do not report). */
static const struct obj_case {
	uint8_t id;
	const char *data;
	const char *key;
	double value;
	unsigned int decimals;
} objs[] = {
	{ 0x01, "61", "Battery", 97, 0 },
	{ 0x02, "ca09", "Temperature", 25.06, 2 },
	{ 0x02, "18fc", "Temperature", -10.00, 2 },
	{ 0x03, "bf13", "Humidity", 50.55, 2 },
	{ 0x04, "138a01", "Pressure", 1008.83, 2 },
	{ 0x05, "138a14", "Illuminance", 13460.67, 2 },
	{ 0x06, "5e1f", "Weight", 80.30, 2 },
	{ 0x07, "3e1d", "Weight", 74.86, 2 },
	{ 0x08, "ca06", "DewPoint", 17.38, 2 },
	{ 0x09, "60", "Count", 96, 0 },
	{ 0x0A, "138a14", "Energy", 1346.067, 3 },
	{ 0x0B, "021b00", "Power", 69.14, 2 },
	{ 0x0C, "020c", "Voltage", 3.074, 3 },
	{ 0x0D, "120c", "PM2.5", 3090, 0 },
	{ 0x0E, "021c", "PM10", 7170, 0 },
	{ 0x0F, "01", "Binary", 1, 0 },
	{ 0x10, "01", "PowerOn", 1, 0 },
	{ 0x11, "00", "Door", 0, 0 },
	{ 0x12, "e204", "CO2", 1250, 0 },
	{ 0x13, "3301", "TVOC", 307, 0 },
	{ 0x14, "020c", "Moisture", 30.74, 2 },
	{ 0x15, "01", "BatteryLow", 1, 0 },
	{ 0x16, "01", "Charging", 1, 0 },
	{ 0x17, "01", "CO", 1, 0 },
	{ 0x18, "01", "Cold", 1, 0 },
	{ 0x19, "01", "Connectivity", 1, 0 },
	{ 0x1A, "01", "Door", 1, 0 },
	{ 0x1B, "01", "GarageDoor", 1, 0 },
	{ 0x1C, "00", "GasDetected", 0, 0 },
	{ 0x1D, "01", "Heat", 1, 0 },
	{ 0x1E, "01", "Light", 1, 0 },
	{ 0x1F, "01", "Lock", 1, 0 },
	{ 0x20, "01", "Leak", 1, 0 },
	{ 0x21, "01", "Motion", 1, 0 },
	{ 0x22, "01", "Moving", 1, 0 },
	{ 0x23, "00", "Occupancy", 0, 0 },
	{ 0x24, "01", "Plug", 1, 0 },
	{ 0x25, "01", "Presence", 1, 0 },
	{ 0x26, "01", "Problem", 1, 0 },
	{ 0x27, "00", "Running", 0, 0 },
	{ 0x28, "01", "Safety", 1, 0 },
	{ 0x29, "01", "Smoke", 1, 0 },
	{ 0x2A, "01", "Sound", 1, 0 },
	{ 0x2B, "01", "Tamper", 1, 0 },
	{ 0x2C, "01", "Vibration", 1, 0 },
	{ 0x2D, "01", "Window", 1, 0 },
	{ 0x2E, "33", "Humidity", 51, 0 },
	{ 0x2F, "33", "Moisture", 51, 0 },
	{ 0x3A, "02", "Button1", 2, 0 },
	{ 0x3C, "0103", "Dimmer", -3, 0 },
	{ 0x3C, "0205", "Dimmer", 5, 0 },
	{ 0x3D, "3321", "Count", 8499, 0 },
	{ 0x3E, "33ae3221", "Count", 556969523, 0 },
	{ 0x3F, "020c", "Rotation", 307.4, 1 },
	{ 0x40, "0c00", "Distance", 0.012, 3 },
	{ 0x41, "4e00", "Distance", 7.8, 1 },
	{ 0x42, "4e3400", "Duration", 13.39, 3 },
	{ 0x43, "4e34", "Current", 13.39, 3 },
	{ 0x44, "4e34", "Speed", 133.9, 2 },
	{ 0x45, "1101", "Temperature", 27.3, 1 },
	{ 0x46, "32", "UV", 5.0, 1 },
	{ 0x47, "8756", "Volume", 2215.1, 1 },
	{ 0x48, "dc87", "Volume", 34.78, 3 },
	{ 0x49, "dc87", "VolumeFlow", 34.78, 3 },
	{ 0x4A, "020c", "Voltage", 307.4, 1 },
	{ 0x4B, "138a14", "Gas", 1346.067, 3 },
	{ 0x4C, "41018a01", "Gas", 25821.505, 3 },
	{ 0x4D, "12138a14", "Energy", 344593.17, 3 },
	{ 0x4E, "87562a01", "Volume", 19551.879, 3 },
	{ 0x4F, "87562a01", "Water", 19551.879, 3 },
	{ 0x50, "5d396164", "Timestamp", 1684093277, 0 },
	{ 0x51, "8756", "Acceleration", 22.151, 3 },
	{ 0x52, "8756", "Gyroscope", 22.151, 3 },
	{ 0x53, "0c48656c6c6f20576f726c6421", NULL, 0, 0 },
	{ 0x54, "0c48656c6c6f20576f726c6421", NULL, 0, 0 },
	{ 0x55, "87562a01", "VolumeStorage", 19551.879, 3 },
	{ 0x56, "e803", "Fertility", 1000, 0 },
	{ 0x57, "ea", "Temperature", -22, 0 },
	{ 0x58, "ea", "Temperature", -7.7, 2 },
	{ 0x59, "ea", "Count", -22, 0 },
	{ 0x5A, "eaea", "Count", -5398, 0 },
	{ 0x5B, "ea0234ea", "Count", -365690134, 0 },
	{ 0x5C, "02fbffff", "Power", -12.78, 2 },
	{ 0x5D, "02ea", "Current", -5.63, 3 },
	{ 0x5E, "3f75", "Direction", 300.15, 2 },
	{ 0x5F, "1f0d", "Precipitation", 335.9, 1 },
	{ 0x60, "01", "Channel", 1, 0 },
	{ 0x61, "ac0d", "RPM", 3500, 0 },
	{ 0x62, "4099dfff", "Speed", -2.123456, 6 },
	{ 0x63, "0057d0ff", "Acceleration", -3.123456, 6 },
	{ 0x64, "02", NULL, 0, 0 },
	{ 0xF0, "0100", "DeviceType", 1, 0 },
	{ 0xF1, "00010204", "FirmwareVersion", 0x04020100, 0 },
	{ 0xF2, "000106", "FirmwareVersion", 0x060100, 0 },
};

/* Each object between a packet id and a battery object: a wrong size would misread the
 * battery, a wrong factor the value. */
static void test_object_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		const struct obj_case *c = &objs[i];
		/* the sentinel must not share the case's reading type */
		bool bat = c->id == BTHOME_OBJ_BATTERY;
		const char *sentinel = bat ? "Channel" : "Battery";
		char hex[128];
		struct decoded d;
		int r, data_len = (int)strlen(c->data) / 2;

		snprintf(hex, sizeof(hex), "4000%02x%02x%s%02x2a", 0x07, c->id, c->data,
			 bat ? 0x60 : BTHOME_OBJ_BATTERY);
		r = dec_hex(UUID_BTHOME_V2, hex, NULL, &d);
		assert_int_equal(d.format, DECODE_FORMAT_BTHOME);
		assert_int_equal(d.pid, PID_BTHOME);
		assert_int_equal(d.version, 2);
		assert_true(d.has_counter);
		assert_int_equal(d.counter, 7);
		if (c->key) {
			assert_int_equal(r, 2);
			assert_reading(&d, 0, c->key, c->value);
			assert_int_equal(d.r[0].decimals, c->decimals);
			assert_reading(&d, 1, sentinel, 42);
			assert_int_equal(bthome_obj_size(c->id), data_len);
		} else {
			assert_int_equal(r, 1);
			assert_reading(&d, 0, sentinel, 42);
			if (c->id == BTHOME_OBJ_TEXT || c->id == BTHOME_OBJ_RAW)
				assert_int_equal(bthome_obj_size(c->id), 0);
			else
				assert_int_equal(bthome_obj_size(c->id), data_len);
		}
	}
}

/* Every id the decoder knows is in the case table above, and the other way round. */
static void test_object_table_complete(void **state)
{
	(void)state;
	for (unsigned int id = 1; id < 256; id++) {
		bool listed = false;

		for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
			listed |= objs[i].id == id;
		if (listed != (bthome_obj_size((uint8_t)id) >= 0))
			fail_msg("object 0x%02x: table and test disagree", id);
	}
	assert_int_equal(bthome_obj_size(0x00), 1);
	assert_int_equal(bthome_obj_size(0x30), -1);
	assert_int_equal(bthome_obj_size(0xFF), -1);
}

/* The encoder inverts the decoder for every reported object, plain and encrypted. */
static void test_object_round_trip(void **state)
{
	struct keys *k = *state;

	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		const struct obj_case *c = &objs[i];
		struct bthome_obj o = { .id = c->id, .value = c->value };
		uint8_t buf[64];
		struct decoded d;
		int n;

		if (!c->key)
			continue;
		if (c->id == BTHOME_OBJ_BUTTON) /* key Button1 is the index, value 2 */
			o.value = 2;
		for (int e = 0; e < 3; e++) {
			const struct aes_key *key = e == 1 ? &k->good : NULL;
			unsigned int flags = e == 2 ? BTHOME_ENC_V1 : 0;
			uint16_t uuid = e == 2 ? UUID_BTHOME_V1 : UUID_BTHOME_V2;

			n = bthome_encode(&o, 1, flags, mac_a, key, 99, buf, sizeof(buf));
			assert_true(n > 0);
			assert_int_equal(dec(uuid, buf, (size_t)n, key, &d), 1);
			assert_reading(&d, 0, c->key, c->value);
		}
	}
}

/* ---- encryption ------------------------------------------------------------------- */

/* bthome.io "Encryption" example: MAC 54:48:E6:8F:80:A5, counter 0x33221100, temperature
 * 25.06 and humidity 50.55; the expected bytes are bthome-ble's test_bindkey_correct,
 * read from shared/vectors at run time. */
static void test_encode_spec_example(void **state)
{
	struct keys *k = *state;
	const struct bthome_obj o[] = { { .id = 0x02, .value = 25.06 },
					{ .id = 0x03, .value = 50.55 } };
	char path[512], line[4096];
	uint8_t buf[64], want[64];
	int n, wn = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/bthome_ble.jsonl", MI32_VECTORS_DIR);
	f = fopen(path, "r");
	if (!f)
		skip();
	while (fgets(line, sizeof(line), f)) {
		cJSON *j = cJSON_Parse(line), *id, *sd;

		id = cJSON_GetObjectItemCaseSensitive(j, "id");
		sd = cJSON_GetObjectItemCaseSensitive(j, "service_data");
		if (cJSON_IsString(id) && strcmp(id->valuestring, "bthome-ble:test_bindkey_correct") == 0 &&
		    cJSON_IsString(sd))
			wn = hex_decode(sd->valuestring, want, sizeof(want));
		cJSON_Delete(j);
	}
	fclose(f);
	assert_true(wn > 0);
	n = bthome_encode(o, 2, 0, mac_a, &k->good, 0x33221100, buf, sizeof(buf));
	assert_int_equal(n, wn);
	assert_memory_equal(buf, want, (size_t)n);
}

static void test_encrypted_round_trip(void **state)
{
	struct keys *k = *state;
	const struct bthome_obj o[] = { { .id = 0x00, .value = 5 },
					{ .id = 0x01, .value = 88 },
					{ .id = 0x02, .value = -3.5 },
					{ .id = 0x3A, .value = 1 } };
	uint8_t buf[64];
	struct decoded d;
	int n;

	n = bthome_encode(o, 4, BTHOME_ENC_TRIGGER, mac_a, &k->good, 0xDEADBEEF, buf,
			  sizeof(buf));
	assert_int_equal(n, 1 + 2 + 2 + 3 + 2 + 4 + 4);
	assert_int_equal(buf[0], 0x45);
	assert_int_equal(dec(UUID_BTHOME_V2, buf, (size_t)n, &k->good, &d), 3);
	assert_true(d.encrypted);
	assert_true(d.has_counter);
	assert_int_equal(d.counter, 0xDEADBEEF); /* the CCM counter wins over packet id 5 */
	assert_reading(&d, 0, "Battery", 88);
	assert_reading(&d, 1, "Temperature", -3.5);
	assert_reading(&d, 2, "Button1", 1);

	/* MAC in the frame: the nonce uses it, not the advertiser's address */
	{
		const uint8_t other[6] = { 1, 2, 3, 4, 5, 6 };

		n = bthome_encode(o, 4, BTHOME_ENC_MAC, other, &k->good, 1, buf, sizeof(buf));
		assert_int_equal(buf[0], 0x43);
		assert_int_equal(buf[1], 6);
		assert_int_equal(dec(UUID_BTHOME_V2, buf, (size_t)n, &k->good, &d), 3);
		assert_true(d.has_mac);
		assert_memory_equal(d.mac, other, 6);
	}
}

static void test_encrypted_failures(void **state)
{
	struct keys *k = *state;
	const struct bthome_obj o[] = { { .id = 0x02, .value = 21.5 } };
	uint8_t buf[64], bad[64];
	struct decoded d;
	int n;

	n = bthome_encode(o, 1, 0, mac_a, &k->good, 1234, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(dec(UUID_BTHOME_V2, buf, (size_t)n, NULL, &d), -ENOKEY);
	assert_true(d.encrypted);
	assert_int_equal(d.counter, 1234);
	assert_int_equal(dec(UUID_BTHOME_V2, buf, (size_t)n, &k->bad, &d), -EKEYREJECTED);
	assert_int_equal(d.n, 0);
	/* any flipped bit after the info byte: ciphertext, counter (nonce) or MIC */
	for (int i = 1; i < n; i++) {
		memcpy(bad, buf, (size_t)n);
		bad[i] ^= 0x10;
		assert_int_equal(dec(UUID_BTHOME_V2, bad, (size_t)n, &k->good, &d),
				 -EKEYREJECTED);
	}
	/* the info byte is in the nonce too (encrypted, version 2 kept) */
	memcpy(bad, buf, (size_t)n);
	bad[0] ^= BTHOME_INFO_TRIGGER;
	assert_int_equal(dec(UUID_BTHOME_V2, bad, (size_t)n, &k->good, &d), -EKEYREJECTED);
	/* another advertiser: another nonce */
	decoded_reset(&d);
	assert_int_equal(bthome_decode(UUID_BTHOME_V2, buf, (size_t)n,
				       (const uint8_t[6]){ 0 }, &k->good, &d),
			 -EKEYREJECTED);
	/* too short to hold counter and MIC */
	assert_int_equal(dec(UUID_BTHOME_V2, buf, 9, &k->good, &d), -EBADMSG);
}

/* bthome-ble treats a plain frame from a device with a key as a downgrade and reports
 * nothing (test_downgrade_detected_flag_v1/_v2). */
static void test_downgrade(void **state)
{
	struct keys *k = *state;
	struct decoded d;

	assert_int_equal(dec_hex(UUID_BTHOME_V2, "4002ca09", &k->good, &d), 0);
	assert_false(d.encrypted);
	assert_true(d.flags & DECODED_F_NO_OBJECTS);
	assert_int_equal(dec_hex(UUID_BTHOME_V1, "2302ca09", &k->good, &d), 0);
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "4002ca09", NULL, &d), 1);
}

/* ---- framing ---------------------------------------------------------------------- */

static void test_version(void **state)
{
	struct decoded d;

	(void)state;
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "00", NULL, &d), -ENOTSUP);
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "2002ca09", NULL, &d), -ENOTSUP);
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "6002ca09", NULL, &d), -ENOTSUP);
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "e002ca09", NULL, &d), -ENOTSUP);
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "", NULL, &d), -EBADMSG);
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "40", NULL, &d), 0);
	assert_true(d.flags & DECODED_F_NO_OBJECTS);
	decoded_reset(&d);
	assert_int_equal(bthome_decode(0x1234, NULL, 0, mac_a, NULL, &d), -ENOTSUP);
}

static void test_unknown_object(void **state)
{
	struct decoded d;

	(void)state;
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "40feca09", NULL, &d), -ENOTSUP);
	/* known objects before it stay; nothing after it can be sized */
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "40015dfe5d0903b718", NULL, &d), 1);
	assert_reading(&d, 0, "Battery", 93);
	/* a truncated last object is dropped, the ones before it kept */
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "4002ca0903bf", NULL, &d), 1);
	assert_reading(&d, 0, "Temperature", 25.06);
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "4002ca", NULL, &d), -EBADMSG);
	/* empty text, then a value */
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "405300015d", NULL, &d), 1);
	/* out of numeric order is accepted, as bthome-ble does */
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "4003bf1302ca09", NULL, &d), 2);
	assert_reading(&d, 0, "Humidity", 50.55);
	assert_reading(&d, 1, "Temperature", 25.06);
}

static void test_repeated_and_full(void **state)
{
	struct decoded d;
	char hex[2 + 4 * 40 + 1] = "40";

	(void)state;
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "4002ca0902cf0902cf0803b71803b717015d", NULL,
				 &d), 6);
	assert_reading(&d, 0, "Temperature", 25.06);
	assert_reading(&d, 1, "Temperature2", 25.11);
	assert_reading(&d, 2, "Temperature3", 22.55);
	assert_reading(&d, 3, "Humidity", 63.27);
	assert_reading(&d, 4, "Humidity2", 60.71);
	assert_reading(&d, 5, "Battery", 93);
	/* different object ids, one reading type: Voltage (0x4A) then Voltage2 (0x0C) */
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "4000010b0000004a0d0901330ce90c", NULL, &d), 4);
	assert_reading(&d, 1, "Voltage", 231.7);
	assert_reading(&d, 3, "Voltage2", 3.305);
	/* more objects than readings fit: the rest is dropped, nothing overflows */
	for (int i = 0; i < 40; i++)
		strcat(hex, "0150");
	assert_int_equal(dec_hex(UUID_BTHOME_V2, hex, NULL, &d), DECODE_MAX_READINGS);
}

static void test_events(void **state)
{
	struct decoded d;

	(void)state;
	/* bthome-ble test_bthome_event_triple_button_device: button 1 "none" */
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "403a003a013a03", NULL, &d), 2);
	assert_reading(&d, 0, "Button2", 1);
	assert_reading(&d, 1, "Button3", 4);
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "403a04", NULL, &d), 1);
	assert_reading(&d, 0, "Button1", 3); /* long press */
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "403a05", NULL, &d), 1);
	assert_reading(&d, 0, "Button1", 5);
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "403a06", NULL, &d), 1);
	assert_reading(&d, 0, "Button1", 6);
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "403a80", NULL, &d), 1);
	assert_reading(&d, 0, "Button1", 8); /* hold press */
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "403afe", NULL, &d), 0);
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "403c0000", NULL, &d), 0);
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "403c01ff", NULL, &d), 1);
	assert_reading(&d, 0, "Dimmer", -255);
	assert_int_equal(dec_hex(UUID_BTHOME_V2, "403c0207", NULL, &d), 1);
	assert_reading(&d, 0, "Dimmer", 7);
}

/* Every prefix of every frame kind decodes to a result or an error, never past the end
 * (ASan builds catch a stray read). */
static void test_truncation(void **state)
{
	struct keys *k = *state;
	const struct bthome_obj o[] = { { .id = 0x00, .value = 1 },
					{ .id = 0x02, .value = 20 },
					{ .id = 0x3C, .value = -2 },
					{ .id = 0x53, .data = (const uint8_t *)"hi", .data_len = 2 },
					{ .id = 0xF1, .value = 7 } };
	struct {
		unsigned int flags;
		const struct aes_key *key;
		uint16_t uuid;
	} kinds[] = {
		{ 0, NULL, UUID_BTHOME_V2 },
		{ BTHOME_ENC_MAC, NULL, UUID_BTHOME_V2 },
		{ 0, &k->good, UUID_BTHOME_V2 },
		{ BTHOME_ENC_V1, NULL, UUID_BTHOME_V1 },
		{ BTHOME_ENC_V1, &k->good, UUID_BTHOME_V1_ENC },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		uint8_t buf[64];
		struct decoded d;
		int n = bthome_encode(o, 5, kinds[i].flags, mac_a, kinds[i].key, 42, buf,
				      sizeof(buf));

		assert_true(n > 0);
		for (int len = 0; len <= n; len++) {
			/* a copy of exactly @len bytes so ASan sees any overrun */
			uint8_t *p = malloc(len ? (size_t)len : 1);
			int r;

			memcpy(p, buf, (size_t)len);
			r = dec(kinds[i].uuid, p, (size_t)len, kinds[i].key, &d);
			free(p);
			assert_true(r == -EBADMSG || r == -EKEYREJECTED || r >= 0);
			assert_true(d.n <= DECODE_MAX_READINGS);
			if (len == n)
				assert_int_equal(r, 3);
		}
	}
}

/* ---- v1 --------------------------------------------------------------------------- */

static void test_v1(void **state)
{
	struct keys *k = *state;
	const struct bthome_obj o[] = { { .id = 0x02, .value = 25.06 },
					{ .id = 0x03, .value = 50.55 } };
	uint8_t buf[64];
	struct decoded d;
	int n;

	/* bthome.io/legacy example: 23 02 ca09 (sint, 3 bytes), 03 03 bf13 (uint) */
	assert_int_equal(dec_hex(UUID_BTHOME_V1, "2302ca090303bf13", NULL, &d), 2);
	assert_int_equal(d.version, 1);
	assert_reading(&d, 0, "Temperature", 25.06);
	assert_reading(&d, 1, "Humidity", 50.55);
	n = bthome_encode(o, 2, BTHOME_ENC_V1, NULL, NULL, 0, buf, sizeof(buf));
	assert_int_equal(n, 8);
	assert_int_equal(buf[0], 0x23);
	assert_int_equal(buf[4], 0x03);
	/* packet id, unknown id skipped by its length, zero length, floats (4 and 2 bytes);
	 * bthome-ble scales floats by the object's factor too (parse_float) */
	assert_int_equal(dec_hex(UUID_BTHOME_V1, "020009" "03ff1234" "00"
				 "45020000c841" "4302003c", NULL, &d), 2);
	assert_int_equal(d.counter, 9);
	assert_reading(&d, 0, "Temperature", 0.25);
	assert_reading(&d, 1, "Temperature2", 0.01);
	/* v1 timestamp format 5 (bthome-ble) */
	assert_int_equal(dec_hex(UUID_BTHOME_V1, "a5505d396164", NULL, &d), 1);
	assert_reading(&d, 0, "Timestamp", 1684093277);
	/* encrypted */
	n = bthome_encode(o, 2, BTHOME_ENC_V1, mac_a, &k->good, 0x33221100, buf, sizeof(buf));
	assert_int_equal(n, 8 + 8);
	assert_int_equal(dec(UUID_BTHOME_V1_ENC, buf, (size_t)n, &k->good, &d), 2);
	assert_true(d.encrypted);
	assert_int_equal(d.counter, 0x33221100);
	assert_reading(&d, 1, "Humidity", 50.55);
	assert_int_equal(dec(UUID_BTHOME_V1_ENC, buf, (size_t)n, NULL, &d), -ENOKEY);
	assert_int_equal(dec(UUID_BTHOME_V1_ENC, buf, (size_t)n, &k->bad, &d), -EKEYREJECTED);
	buf[n - 1] ^= 1;
	assert_int_equal(dec(UUID_BTHOME_V1_ENC, buf, (size_t)n, &k->good, &d), -EKEYREJECTED);
}

/* v1 objects whose format and length do not make a value: each is skipped by its length
 * and the battery after them still decodes. */
static void test_v1_odd_objects(void **state)
{
	struct decoded d;

	(void)state;
	assert_int_equal(dec_hex(UUID_BTHOME_V1,
				 "49020000000000003940" /* double 25.0 ×0.01 */
				 "4302ff7f"		/* half NaN: no value */
				 "4402000000"		/* 3-byte float */
				 "0a02000000000000000000" /* 9-byte integer */
				 "023c01"		/* dimmer without steps */
				 "63534142"		/* string */
				 "4321003c"		/* float binary */
				 "02015d",
				 NULL, &d),
			 2);
	assert_reading(&d, 0, "Temperature", 0.25);
	assert_reading(&d, 1, "Battery", 93);
	/* truncated before any object */
	assert_int_equal(dec_hex(UUID_BTHOME_V1, "2302ca", NULL, &d), -EBADMSG);
}

/* ---- encoder errors --------------------------------------------------------------- */

static void test_encode_errors(void **state)
{
	struct keys *k = *state;
	uint8_t buf[8];
	struct bthome_obj o = { .id = 0x01, .value = 256 };

	assert_int_equal(bthome_encode(&o, 1, 0, NULL, NULL, 0, buf, sizeof(buf)), -ERANGE);
	o.value = -1;
	assert_int_equal(bthome_encode(&o, 1, 0, NULL, NULL, 0, buf, sizeof(buf)), -ERANGE);
	o.id = 0x02;
	o.value = 327.68;
	assert_int_equal(bthome_encode(&o, 1, 0, NULL, NULL, 0, buf, sizeof(buf)), -ERANGE);
	o.value = -327.68;
	assert_int_equal(bthome_encode(&o, 1, 0, NULL, NULL, 0, buf, sizeof(buf)), 4);
	o.id = 0x30;
	assert_int_equal(bthome_encode(&o, 1, 0, NULL, NULL, 0, buf, sizeof(buf)), -EINVAL);
	o.id = 0x3A;
	o.value = 7; /* release: no BTHome event code */
	assert_int_equal(bthome_encode(&o, 1, 0, NULL, NULL, 0, buf, sizeof(buf)), -ERANGE);
	o.id = 0x02;
	o.value = 1;
	assert_int_equal(bthome_encode(&o, 1, 0, NULL, NULL, 0, buf, 3), -ENOSPC);
	assert_int_equal(bthome_encode(&o, 1, 0, NULL, &k->good, 0, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(bthome_encode(&o, 1, 0, mac_a, &k->good, 0, buf, sizeof(buf)), -ENOSPC);
	assert_int_equal(bthome_encode(NULL, 0, 0, mac_a, &k->good, 0, buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(bthome_encode(NULL, 0, 0, NULL, NULL, 0, buf, sizeof(buf)), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_table),
		cmocka_unit_test(test_object_table_complete),
		cmocka_unit_test(test_object_round_trip),
		cmocka_unit_test(test_encode_spec_example),
		cmocka_unit_test(test_encrypted_round_trip),
		cmocka_unit_test(test_encrypted_failures),
		cmocka_unit_test(test_downgrade),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_unknown_object),
		cmocka_unit_test(test_repeated_and_full),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_v1),
		cmocka_unit_test(test_v1_odd_objects),
		cmocka_unit_test(test_encode_errors),
	};

	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
