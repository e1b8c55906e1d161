/* SPDX-License-Identifier: MIT */
/* test_report.c — SENSOR JSON, exact bytes: the examples of SPEC §9.4, our decisions #1
 * (TelePeriod carries latest values) and #3 (Leak), extras after Tasmota's keys, which
 * sensors a message lists, and that a TelePeriod never swallows a pending trigger. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode/atc.h"
#include "store/report.h"
#include "store/sensor.h"
#include "store/store.h"

#define SEC 1000000ull
#define TIME_T "2024-05-01T12:00:05"
#define TIME_P "2024-05-01T12:00:00"

static const uint8_t MAC_ATC[6] = { 0xA4, 0xC1, 0x38, 0x11, 0x22, 0x33 };
static const uint8_t MAC_LYW[6] = { 0xA4, 0xC1, 0x38, 0xA1, 0xB2, 0xC3 };
static const uint8_t MAC_MJY[6] = { 0xE4, 0xAA, 0xEC, 0xD4, 0xE5, 0xF6 };
static const uint8_t MAC_YLYK[6] = { 0xF8, 0x24, 0x41, 0xAA, 0xBB, 0xCC };

static char buf[4096];

static const char *report(struct store *s, enum report_kind kind, const char *time)
{
	struct jw w;
	int n;

	jw_init(&w, buf, sizeof(buf));
	n = report_sensor(s, kind, time, NULL, &w);
	if (n <= 0)
		return n == 0 ? "(none)" : "(error)";
	return buf;
}

static struct decoded d;

static void frame(unsigned int format)
{
	decoded_reset(&d);
	d.format = (uint8_t)format;
}

static void add(unsigned int type, unsigned int index, unsigned int dec, double v)
{
	decoded_add(&d, type, index, dec, v);
}

static void apply(struct store *s, unsigned int slot, int8_t rssi, uint64_t epoch_s)
{
	assert_int_equal(store_apply_decoded(s, slot, &d, rssi, epoch_s * SEC), 0);
}

static unsigned int add_sensor(struct store *s, const uint8_t mac[6], uint16_t pid)
{
	unsigned int slot;

	assert_int_equal(store_add_sensor(s, mac, pid, &slot), 0);
	return slot;
}

/* §9.4: triggered, MI32Option2 1, MI32Option0 1, after an ATC packet (21.4 °C, 48 %) */
static void test_triggered_atc(void **state)
{
	struct store *s = store_new(NULL);
	unsigned int slot = add_sensor(s, MAC_ATC, PID_ATC);

	(void)state;
	store_set_option(s, STORE_OPTION_DIRECT, 1);
	frame(DECODE_FORMAT_ATC);
	add(READING_TEMPERATURE, 0, 1, 21.4);
	add(READING_HUMIDITY, 0, 0, 48);
	add(READING_BATTERY, 0, 0, 87);
	apply(s, slot, -60, 1714564805);
	assert_string_equal(report(s, REPORT_TRIGGERED, TIME_T),
			    "{\"Time\":\"2024-05-01T12:00:05\",\"ATC-112233\":{\"Temperature\":21.4,"
			    "\"Humidity\":48.0,\"DewPoint\":9.9,\"Battery\":87,\"RSSI\":-60,"
			    "\"MAC\":\"A4C138112233\"},\"TempUnit\":\"C\"}");
	/* reported: nothing pending any more */
	assert_string_equal(report(s, REPORT_TRIGGERED, TIME_T), "(none)");
	store_free(s);
}

/* The same through the real decoder: the battery voltage follows as an extra. */
static void test_triggered_atc_advert(void **state)
{
	struct atc_frame f = { { 0xA4, 0xC1, 0x38, 0x11, 0x22, 0x33 }, 214, 48, 87, 2950, 1 };
	struct store *s = store_new(NULL);
	struct adv a;

	(void)state;
	memset(&a, 0, sizeof(a));
	memcpy(a.addr, MAC_ATC, 6);
	a.rssi = -60;
	a.data[0] = 16;
	a.data[1] = 0x16;
	a.data[2] = 0x1A;
	a.data[3] = 0x18;
	atc_encode(&f, a.data + 4, ATC_LEN);
	a.len = 4 + ATC_LEN;
	assert_int_equal(store_handle_adv(s, &a, 1714564805 * SEC), 0);
	assert_string_equal(report(s, REPORT_TRIGGERED, TIME_T),
			    "{\"Time\":\"2024-05-01T12:00:05\",\"ATC-112233\":{\"Temperature\":21.4,"
			    "\"Humidity\":48.0,\"DewPoint\":9.9,\"Battery\":87,\"RSSI\":-60,"
			    "\"MAC\":\"A4C138112233\",\"Voltage\":2.950},\"TempUnit\":\"C\"}");
	store_free(s);
}

/* §9.4: MI32Option0 0 after a LYWSD03 temperature-only object */
static void test_triggered_not_aggregated(void **state)
{
	struct store *s = store_new(NULL);
	unsigned int slot = add_sensor(s, MAC_LYW, PID_LYWSD03);

	(void)state;
	store_set_option(s, STORE_OPTION_AGGREGATE, 0);
	frame(DECODE_FORMAT_MIBEACON);
	add(READING_HUMIDITY, 0, 1, 50.0);
	apply(s, slot, -70, 1714564800);
	store_clear_pending(s, true);
	frame(DECODE_FORMAT_MIBEACON);
	add(READING_TEMPERATURE, 0, 1, 21.3);
	apply(s, slot, -70, 1714564805);
	assert_string_equal(report(s, REPORT_TRIGGERED, TIME_T),
			    "{\"Time\":\"2024-05-01T12:00:05\",\"LYWSD03-a1b2c3\":{\"Temperature\":21.3,"
			    "\"RSSI\":-70,\"MAC\":\"A4C138A1B2C3\"},\"TempUnit\":\"C\"}");
	store_free(s);
}

static void motions(struct store *s, unsigned int slot, int n)
{
	for (int i = 0; i < n; i++) {
		frame(DECODE_FORMAT_MIBEACON);
		add(READING_MOTION, 0, 0, 1);
		apply(s, slot, -80, 1714564000);
	}
}

/* §9.4: motion (MJYD2S 0x000F), NMT 120, then illuminance 5 with direct bridging */
static void test_motion(void **state)
{
	struct store *s = store_new(NULL);
	unsigned int slot = add_sensor(s, MAC_MJY, PID_MJYD2S);

	(void)state;
	motions(s, slot, 5);
	frame(DECODE_FORMAT_MIBEACON);
	add(READING_BATTERY, 0, 0, 100);
	apply(s, slot, -80, 1714564700);
	store_clear_pending(s, true);

	frame(DECODE_FORMAT_MIBEACON);
	add(READING_MOTION, 0, 0, 1);
	add(READING_ILLUMINANCE, 0, 0, 3);
	apply(s, slot, -79, 1714564805);
	assert_string_equal(report(s, REPORT_TRIGGERED, TIME_T),
			    "{\"Time\":\"2024-05-01T12:00:05\",\"MJYD2S-d4e5f6\":{\"Illuminance\":3,"
			    "\"Motion\":1,\"Events\":6,\"Battery\":100,\"RSSI\":-79,"
			    "\"MAC\":\"E4AAECD4E5F6\"}}");

	frame(DECODE_FORMAT_MIBEACON);
	add(READING_NMT, 0, 0, 120);
	apply(s, slot, -79, 1714564925);
	assert_string_equal(report(s, REPORT_TRIGGERED, TIME_T),
			    "{\"Time\":\"2024-05-01T12:00:05\",\"MJYD2S-d4e5f6\":{\"Illuminance\":3,"
			    "\"NMT\":120,\"Battery\":100,\"RSSI\":-79,\"MAC\":\"E4AAECD4E5F6\"}}");

	store_set_option(s, STORE_OPTION_DIRECT, 1);
	frame(DECODE_FORMAT_MIBEACON);
	add(READING_ILLUMINANCE, 0, 0, 5);
	apply(s, slot, -79, 1714564930);
	assert_string_equal(report(s, REPORT_TRIGGERED, TIME_T),
			    "{\"Time\":\"2024-05-01T12:00:05\",\"MJYD2S-d4e5f6\":{\"Illuminance\":5,"
			    "\"Motion\":0,\"Battery\":100,\"RSSI\":-79,\"MAC\":\"E4AAECD4E5F6\"}}");
	store_free(s);
}

/* §9.4: remote YLYK01 button 2 single; YLKG08 knob; MCCGQ02 door; a named sensor */
static void test_buttons_knob_door_name(void **state)
{
	static const uint8_t mac_kg[6] = { 0xF8, 0x24, 0x41, 0x11, 0x22, 0x33 };
	static const uint8_t mac_door[6] = { 0x11, 0x22, 0x33, 0xAA, 0xBB, 0xCC };
	struct store *s = store_new(NULL);
	unsigned int yl = add_sensor(s, MAC_YLYK, PID_YLYK01);
	unsigned int kg = add_sensor(s, mac_kg, PID_YLKG08);
	unsigned int door = add_sensor(s, mac_door, PID_MCCGQ02);

	(void)state;
	store_set_option(s, STORE_OPTION_NO_SUMMARY, 1); /* not needed, must not matter */
	frame(DECODE_FORMAT_MIBEACON);
	add(READING_BUTTON, 2, 0, 1);
	apply(s, yl, -65, 1714564805);
	assert_string_equal(report(s, REPORT_TRIGGERED, TIME_T),
			    "{\"Time\":\"2024-05-01T12:00:05\",\"YLYK01-aabbcc\":{\"Button2\":1,"
			    "\"RSSI\":-65,\"MAC\":\"F82441AABBCC\"}}");

	frame(DECODE_FORMAT_MIBEACON);
	add(READING_DIMMER, 0, 0, -2);
	apply(s, kg, -60, 1714564805);
	assert_string_equal(report(s, REPORT_TRIGGERED, "t"),
			    "{\"Time\":\"t\",\"YLKG08-112233\":{\"Dimmer\":-2,\"RSSI\":-60,"
			    "\"MAC\":\"F82441112233\"}}");
	frame(DECODE_FORMAT_MIBEACON);
	add(READING_DIMMER_P, 0, 0, 3);
	apply(s, kg, -60, 1714564806);
	assert_string_equal(report(s, REPORT_TRIGGERED, "t"),
			    "{\"Time\":\"t\",\"YLKG08-112233\":{\"Dimmer_P\":3,\"RSSI\":-60,"
			    "\"MAC\":\"F82441112233\"}}");
	frame(DECODE_FORMAT_MIBEACON);
	add(READING_HOLD, 0, 0, 2);
	apply(s, kg, -60, 1714564807);
	assert_string_equal(report(s, REPORT_TRIGGERED, "t"),
			    "{\"Time\":\"t\",\"YLKG08-112233\":{\"Hold\":2,\"RSSI\":-60,"
			    "\"MAC\":\"F82441112233\"}}");
	frame(DECODE_FORMAT_MIBEACON);
	add(READING_BUTTON, 0, 0, 2);
	apply(s, kg, -60, 1714564808);
	assert_string_equal(report(s, REPORT_TRIGGERED, "t"),
			    "{\"Time\":\"t\",\"YLKG08-112233\":{\"Button0\":2,\"RSSI\":-60,"
			    "\"MAC\":\"F82441112233\"}}");

	for (int i = 0; i < 3; i++) {
		frame(DECODE_FORMAT_MIBEACON);
		add(READING_DOOR, 0, 0, i & 1);
		apply(s, door, -75, 1714564700);
	}
	frame(DECODE_FORMAT_MIBEACON);
	add(READING_BATTERY, 0, 0, 95);
	apply(s, door, -75, 1714564700);
	store_clear_pending(s, true);
	frame(DECODE_FORMAT_MIBEACON);
	add(READING_DOOR, 0, 0, 1);
	apply(s, door, -75, 1714564805);
	assert_string_equal(report(s, REPORT_TRIGGERED, "t"),
			    "{\"Time\":\"t\",\"MCCGQ02-aabbcc\":{\"Door\":1,\"Events\":4,"
			    "\"Battery\":95,\"RSSI\":-75,\"MAC\":\"112233AABBCC\"}}");

	store_set_name(s, yl, "Kitchen");
	frame(DECODE_FORMAT_MIBEACON);
	add(READING_BUTTON, 1, 0, 3);
	add(READING_BUTTON, 3, 0, 1);
	apply(s, yl, -65, 1714564805);
	assert_string_equal(report(s, REPORT_TRIGGERED, "t"),
			    "{\"Time\":\"t\",\"Kitchen\":{\"Button1\":3,\"Button3\":1,\"RSSI\":-65,"
			    "\"MAC\":\"F82441AABBCC\"}}");
	assert_string_equal(report(s, REPORT_TELE, "t"), "(none)"); /* option 1 */
	store_free(s);
}

/* §9.4's TelePeriod example: with only the values that example's sensors had, our
 * TelePeriod message is Tasmota's byte for byte. */
static void tele_fleet(struct store *s)
{
	unsigned int lyw = add_sensor(s, MAC_LYW, PID_LYWSD03);
	unsigned int mjy = add_sensor(s, MAC_MJY, PID_MJYD2S);
	unsigned int atc = add_sensor(s, MAC_ATC, PID_ATC);

	frame(DECODE_FORMAT_MIBEACON);
	d.flags = DECODED_F_NO_OBJECTS;
	apply(s, lyw, -71, 1714564790);
	motions(s, mjy, 5);
	frame(DECODE_FORMAT_MIBEACON);
	add(READING_BATTERY, 0, 0, 100);
	apply(s, mjy, -80, 1714564700);
	frame(DECODE_FORMAT_ATC);
	add(READING_BATTERY, 0, 0, 87);
	apply(s, atc, -60, 1714564795);
}

static void test_tele_example(void **state)
{
	struct store *s = store_new(NULL);

	(void)state;
	tele_fleet(s);
	assert_string_equal(report(s, REPORT_TELE, TIME_P),
			    "{\"Time\":\"2024-05-01T12:00:00\",\"LYWSD03-a1b2c3\":{\"RSSI\":-71,"
			    "\"Time\":1714564790,\"MAC\":\"A4C138A1B2C3\"},\"MJYD2S-d4e5f6\":{"
			    "\"Events\":5,\"Battery\":100,\"RSSI\":-80,\"Time\":1714564700,"
			    "\"MAC\":\"E4AAECD4E5F6\"},\"ATC-112233\":{\"Battery\":87,\"RSSI\":-60,"
			    "\"Time\":1714564795,\"MAC\":\"A4C138112233\"}}");
	store_free(s);
}

/* Decision #1: a TelePeriod message carries each sensor's latest values; never-seen
 * sensors are listed with RSSI 0. */
static void test_tele_latest_values(void **state)
{
	static const uint8_t mac_never[6] = { 1, 2, 3, 4, 5, 6 };
	struct store *s = store_new(NULL);
	unsigned int atc = add_sensor(s, MAC_ATC, PID_ATC);

	(void)state;
	add_sensor(s, mac_never, PID_FLORA);
	frame(DECODE_FORMAT_ATC);
	add(READING_TEMPERATURE, 0, 1, 21.4);
	add(READING_HUMIDITY, 0, 0, 48);
	add(READING_BATTERY, 0, 0, 87);
	add(READING_VOLTAGE, 0, 3, 2.95);
	apply(s, atc, -60, 1714564795);
	assert_string_equal(report(s, REPORT_TELE, TIME_P),
			    "{\"Time\":\"2024-05-01T12:00:00\",\"ATC-112233\":{\"Temperature\":21.4,"
			    "\"Humidity\":48.0,\"DewPoint\":9.9,\"Battery\":87,\"RSSI\":-60,"
			    "\"Time\":1714564795,\"MAC\":\"A4C138112233\",\"Voltage\":2.950},"
			    "\"Flora-040506\":{\"RSSI\":0,\"Time\":0,\"MAC\":\"010203040506\"},"
			    "\"TempUnit\":\"C\"}");
	store_free(s);
}

/* A TelePeriod does not swallow a button press still waiting for its triggered message
 * (Tasmota's bug), but does clear plain value updates. */
static void test_tele_keeps_trigger(void **state)
{
	struct store *s = store_new(NULL);
	unsigned int yl = add_sensor(s, MAC_YLYK, PID_YLYK01);
	unsigned int atc = add_sensor(s, MAC_ATC, PID_ATC);

	(void)state;
	frame(DECODE_FORMAT_MIBEACON);
	add(READING_BUTTON, 2, 0, 1);
	apply(s, yl, -65, 1714564805);
	frame(DECODE_FORMAT_ATC);
	add(READING_BATTERY, 0, 0, 87);
	apply(s, atc, -60, 1714564805);
	assert_string_equal(report(s, REPORT_TELE, TIME_P),
			    "{\"Time\":\"2024-05-01T12:00:00\",\"YLYK01-aabbcc\":{\"RSSI\":-65,"
			    "\"Time\":1714564805,\"MAC\":\"F82441AABBCC\"},\"ATC-112233\":{"
			    "\"Battery\":87,\"RSSI\":-60,\"Time\":1714564805,"
			    "\"MAC\":\"A4C138112233\"}}");
	assert_string_equal(report(s, REPORT_TRIGGERED, TIME_T),
			    "{\"Time\":\"2024-05-01T12:00:05\",\"YLYK01-aabbcc\":{\"Button2\":1,"
			    "\"RSSI\":-65,\"MAC\":\"F82441AABBCC\"}}");
	store_free(s);
}

/* Decision #3: the leak state is published; other readings follow Tasmota's keys. */
static void test_leak_and_extras(void **state)
{
	static const uint8_t mac[6] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
	struct store *s = store_new(NULL);
	unsigned int sj = add_sensor(s, mac, PID_SJWS01L);
	unsigned int bt = add_sensor(s, MAC_ATC, PID_BTHOME);

	(void)state;
	frame(DECODE_FORMAT_MIBEACON);
	add(READING_LEAK, 0, 0, 1);
	apply(s, sj, -70, 1714564805);
	assert_string_equal(report(s, REPORT_TRIGGERED, "t"),
			    "{\"Time\":\"t\",\"SJWS01L-445566\":{\"RSSI\":-70,"
			    "\"MAC\":\"112233445566\",\"Leak\":1}}");

	store_set_option(s, STORE_OPTION_AGGREGATE, 0);
	frame(DECODE_FORMAT_BTHOME);
	add(READING_TEMPERATURE, 0, 2, 21.25);
	add(READING_TEMPERATURE, 2, 1, 30.5);
	add(READING_PRESSURE, 0, 2, 1013.25);
	add(READING_PM25, 0, 0, 12);
	add(READING_COUNT_EVENT, 0, 0, 7);
	apply(s, bt, -50, 1714564805);
	assert_string_equal(report(s, REPORT_TRIGGERED, "t"),
			    "{\"Time\":\"t\",\"BTHOME-112233\":{\"Temperature\":21.2,\"RSSI\":-50,"
			    "\"MAC\":\"A4C138112233\",\"Temperature2\":30.5,\"Pressure\":1013.25,"
			    "\"PM2.5\":12,\"Event\":7},\"TempUnit\":\"C\"}");
	/* the momentary event is not repeated at TelePeriod */
	assert_string_equal(report(s, REPORT_TELE, "t"),
			    "{\"Time\":\"t\",\"SJWS01L-445566\":{\"RSSI\":-70,\"Time\":1714564805,"
			    "\"MAC\":\"112233445566\",\"Leak\":1},\"BTHOME-112233\":{"
			    "\"Temperature\":21.2,\"RSSI\":-50,\"Time\":1714564805,"
			    "\"MAC\":\"A4C138112233\",\"Temperature2\":30.5,\"Pressure\":1013.25,"
			    "\"PM2.5\":12},\"TempUnit\":\"C\"}");
	store_free(s);
}

/* §6.3: a generic device at slot 3 */
static void test_generic_payload(void **state)
{
	static const uint8_t mac[6] = { 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF };
	static const uint8_t ad[7] = { 0x02, 0x01, 0x06, 0x03, 0xFF, 0x4C, 0x00 };
	struct store *s = store_new(NULL);
	struct adv a;

	(void)state;
	tele_fleet(s);
	store_set_option(s, STORE_OPTION_GENERIC, 1);
	memset(&a, 0, sizeof(a));
	memcpy(a.addr, mac, 6);
	a.rssi = -80;
	memcpy(a.data, ad, sizeof(ad));
	a.len = sizeof(ad);
	assert_int_equal(store_handle_adv(s, &a, 1714564799 * SEC), 0);
	store_clear_pending(s, true);
	{
		struct jw w;

		jw_init(&w, buf, sizeof(buf));
		jw_obj_begin(&w);
		report_member(s, 3, REPORT_TELE, NULL, &w);
		jw_obj_end(&w);
		jw_finish(&w);
		assert_string_equal(buf, "{\"BLE_03-ddeeff\":{\"Payload\":\"02010603FF4C00\","
					 "\"RSSI\":-80,\"Time\":1714564799,"
					 "\"MAC\":\"AABBCCDDEEFF\"}}");
	}
	/* without direct bridging a sighting is not a triggered message (Tasmota) */
	assert_string_equal(report(s, REPORT_TRIGGERED, "t"), "(none)");
	store_set_option(s, STORE_OPTION_DIRECT, 1);
	assert_int_equal(store_handle_adv(s, &a, 1714564800 * SEC), 0);
	assert_string_equal(report(s, REPORT_TRIGGERED, "t"),
			    "{\"Time\":\"t\",\"BLE_03-ddeeff\":{\"Payload\":\"02010603FF4C00\","
			    "\"RSSI\":-80,\"MAC\":\"AABBCCDDEEFF\"}}");
	store_free(s);
}

/* MI32Firmware's version (issue 12): a string "Firmware" after the other keys, published at
 * once in a triggered message of its own and kept in every later report; bad strings are
 * refused and change nothing. */
static void test_firmware(void **state)
{
	static const uint8_t mac[6] = { 0xC4, 0x7C, 0x8D, 0x6A, 0x1B, 0x01 };
	struct store *s = store_new(NULL);
	unsigned int slot = add_sensor(s, mac, PID_FLORA);
	char too_long[STORE_FIRMWARE_MAX + 1];

	(void)state;
	assert_null(sensor_firmware(store_sensor(s, slot)));
	assert_int_equal(store_set_firmware(s, 7, "3.2.1"), -ENOENT);
	assert_int_equal(store_set_firmware(s, slot, ""), -EINVAL);
	assert_int_equal(store_set_firmware(s, slot, NULL), -EINVAL);
	assert_int_equal(store_set_firmware(s, slot, "3.2\"1"), 0); /* printable: escaped */
	assert_int_equal(store_set_firmware(s, slot, "3.2\n"), -EINVAL);
	memset(too_long, '1', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	assert_int_equal(store_set_firmware(s, slot, too_long), -ENAMETOOLONG);
	assert_string_equal(report(s, REPORT_TRIGGERED, "t"),
			    "{\"Time\":\"t\",\"Flora-6a1b01\":{\"RSSI\":0,"
			    "\"MAC\":\"C47C8D6A1B01\",\"Firmware\":\"3.2\\\"1\"}}");
	assert_string_equal(report(s, REPORT_TRIGGERED, "t"), "(none)");
	assert_int_equal(store_set_firmware(s, slot, "3.2.1"), 0);
	assert_string_equal(sensor_firmware(store_sensor(s, slot)), "3.2.1");
	assert_non_null(strstr(report(s, REPORT_TRIGGERED, "t"), "\"Firmware\":\"3.2.1\"}"));
	/* the same version again is no news */
	assert_int_equal(store_set_firmware(s, slot, "3.2.1"), 0);
	assert_string_equal(report(s, REPORT_TRIGGERED, "t"), "(none)");
	/* TelePeriod: with the latest values */
	assert_non_null(strstr(report(s, REPORT_TELE, "t"), "\"Firmware\":\"3.2.1\"}"));
	store_free(s);
}

static void test_overflow_keeps_pending(void **state)
{
	struct store *s = store_new(NULL);
	unsigned int yl = add_sensor(s, MAC_YLYK, PID_YLYK01);
	char small[32];
	struct jw w;

	(void)state;
	frame(DECODE_FORMAT_MIBEACON);
	add(READING_BUTTON, 2, 0, 1);
	apply(s, yl, -65, 1714564805);
	jw_init(&w, small, sizeof(small));
	assert_int_equal(report_sensor(s, REPORT_TRIGGERED, "t", NULL, &w), -ENOSPC);
	assert_string_equal(report(s, REPORT_TRIGGERED, "t"),
			    "{\"Time\":\"t\",\"YLYK01-aabbcc\":{\"Button2\":1,\"RSSI\":-65,"
			    "\"MAC\":\"F82441AABBCC\"}}");
	store_free(s);
}

static void test_status_object_opts(void **state)
{
	struct report_opts o = REPORT_OPTS_DEFAULT;
	struct store *s = store_new(NULL);
	unsigned int atc = add_sensor(s, MAC_ATC, PID_ATC);
	struct jw w;

	(void)state;
	frame(DECODE_FORMAT_ATC);
	add(READING_TEMPERATURE, 0, 1, 21.4);
	add(READING_HUMIDITY, 0, 0, 48);
	apply(s, atc, -60, 1714564795);
	store_set_option(s, STORE_OPTION_NO_SUMMARY, 1);
	jw_init(&w, buf, sizeof(buf));
	assert_true(report_status(s, TIME_P, NULL, &w) > 0);
	assert_string_equal(buf, "{\"StatusSNS\":{\"Time\":\"2024-05-01T12:00:00\","
				 "\"ATC-112233\":{\"Temperature\":21.4,\"Humidity\":48.0,"
				 "\"DewPoint\":9.9,\"RSSI\":-60,\"Time\":1714564795,"
				 "\"MAC\":\"A4C138112233\"},\"TempUnit\":\"C\"}}");
	o.temp_res = 2;
	o.hum_res = 0;
	o.time_offset_s = 7200;
	jw_init(&w, buf, sizeof(buf));
	assert_int_equal(report_object(s, atc, REPORT_TELE, &o, &w), 0);
	jw_finish(&w);
	assert_string_equal(buf, "{\"Temperature\":21.40,\"Humidity\":48,\"DewPoint\":9.92,"
				 "\"RSSI\":-60,\"Time\":1714571995,\"MAC\":\"A4C138112233\"}");
	assert_int_equal(report_object(s, 5, REPORT_TELE, &o, &w), -ENOENT);
	assert_int_equal(report_member(s, 5, REPORT_TELE, &o, &w), -ENOENT);
	store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_triggered_atc),
		cmocka_unit_test(test_triggered_atc_advert),
		cmocka_unit_test(test_triggered_not_aggregated),
		cmocka_unit_test(test_motion),
		cmocka_unit_test(test_buttons_knob_door_name),
		cmocka_unit_test(test_tele_example),
		cmocka_unit_test(test_tele_latest_values),
		cmocka_unit_test(test_tele_keeps_trigger),
		cmocka_unit_test(test_leak_and_extras),
		cmocka_unit_test(test_generic_payload),
		cmocka_unit_test(test_firmware),
		cmocka_unit_test(test_overflow_keeps_pending),
		cmocka_unit_test(test_status_object_opts),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
