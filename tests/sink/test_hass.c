/* SPDX-License-Identifier: MIT */
/* test_hass.c — Home Assistant discovery payloads (hass_entity.c): the entities of each kind
 * of sensor, exact bytes for a few configs, the keys every component needs, name overrides
 * in templates, and the learned availability timeout. The runtime (hass.c) is tested against
 * a real broker in tests/integration/test_06_hass_*.py. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "decode/decode.h"
#include "sink/hass.h"
#include "store/interval.h"
#include "store/sensor.h"
#include "store/store.h"

#define SEC 1000000ull

static const struct hass_ctx CTX = { "homeassistant", "mi32_node1", "0.1.0", false, false };
static const struct hass_ctx CTX_RADIO = { "homeassistant", "mi32_node1", "0.1.0", true, false };

struct msg {
	char topic[HASS_TOPIC_MAX];
	char *payload;
};
static struct msg msgs[128];
static int n_msgs;

static int collect(void *ud, const char *topic, const char *payload)
{
	(void)ud;
	if (n_msgs >= (int)(sizeof(msgs) / sizeof(msgs[0])))
		return -ENOSPC;
	snprintf(msgs[n_msgs].topic, sizeof(msgs[n_msgs].topic), "%s", topic);
	msgs[n_msgs].payload = strdup(payload);
	n_msgs++;
	return 0;
}

static void reset(void)
{
	for (int i = 0; i < n_msgs; i++)
		free(msgs[i].payload);
	n_msgs = 0;
}

static const char *find(const char *topic)
{
	for (int i = 0; i < n_msgs; i++)
		if (strcmp(msgs[i].topic, topic) == 0)
			return msgs[i].payload;
	return NULL;
}

static int count_prefix(const char *prefix)
{
	int n = 0;

	for (int i = 0; i < n_msgs; i++)
		n += strncmp(msgs[i].topic, prefix, strlen(prefix)) == 0;
	return n;
}

static struct decoded d;

static void frame(void)
{
	decoded_reset(&d);
	d.format = DECODE_FORMAT_BTHOME;
}

static void apply(struct store *s, unsigned int slot, uint64_t t_s)
{
	assert_int_equal(store_apply_decoded(s, slot, &d, -70, t_s * SEC), 0);
}

static unsigned int add_sensor(struct store *s, const uint8_t mac[6], uint16_t pid)
{
	unsigned int slot;

	assert_int_equal(store_add_sensor(s, mac, pid, &slot), 0);
	return slot;
}

static int configs(struct store *s, unsigned int slot, bool heard)
{
	reset();
	return hass_sensor_configs(&CTX, store_sensor(s, slot), heard, collect, NULL);
}

/* Every config: valid JSON, the keys its component requires, one unique_id each. */
static void check_all(void)
{
	for (int i = 0; i < n_msgs; i++) {
		cJSON *j = cJSON_Parse(msgs[i].payload);
		char comp[32];

		assert_non_null(j);
		sscanf(msgs[i].topic, "homeassistant/%31[^/]/", comp);
		assert_non_null(cJSON_GetObjectItem(j, "device"));
		if (strcmp(comp, "device_automation") == 0) {
			assert_non_null(cJSON_GetObjectItem(j, "topic"));
			assert_non_null(cJSON_GetObjectItem(j, "type"));
			assert_non_null(cJSON_GetObjectItem(j, "subtype"));
			assert_string_equal(cJSON_GetObjectItem(j, "automation_type")->valuestring,
					    "trigger");
		} else {
			assert_non_null(cJSON_GetObjectItem(j, "unique_id"));
			assert_non_null(cJSON_GetObjectItem(j, "state_topic"));
			for (int k = 0; k < i; k++) {
				cJSON *o = cJSON_Parse(msgs[k].payload);
				cJSON *u = cJSON_GetObjectItem(o, "unique_id");

				if (u)
					assert_string_not_equal(
						u->valuestring,
						cJSON_GetObjectItem(j, "unique_id")->valuestring);
				cJSON_Delete(o);
			}
		}
		if (strcmp(comp, "event") == 0)
			assert_non_null(cJSON_GetObjectItem(j, "event_types"));
		if (strcmp(comp, "number") == 0)
			assert_non_null(cJSON_GetObjectItem(j, "command_topic"));
		assert_non_null(strstr(msgs[i].topic, "/config"));
		cJSON_Delete(j);
	}
}

static const uint8_t MAC_ATC[6] = { 0xA4, 0xC1, 0x38, 0x11, 0x22, 0x33 };

/* exact bytes: an ATC thermometer's temperature, and this node's RSSI diagnostic */
static void test_atc_exact(void **state)
{
	struct store *s = store_new(NULL);
	unsigned int slot = add_sensor(s, MAC_ATC, PID_ATC);

	(void)state;
	assert_int_equal(configs(s, slot, true), 6);
	check_all();
	assert_string_equal(
		find("homeassistant/sensor/mi32_a4c138112233/temperature/config"),
		"{\"name\":\"Temperature\",\"unique_id\":\"mi32_a4c138112233_temperature\","
		"\"state_topic\":\"tele/+/a4c138112233/SENSOR\",\"value_template\":\"{% set s = "
		"value_json['ATC-112233'] | default({}) %}{{ s['Temperature'] if s['Temperature'] "
		"is defined else '' }}\",\"device_class\":\"temperature\",\"state_class\":"
		"\"measurement\",\"unit_of_measurement\":\"°C\",\"availability_topic\":"
		"\"tele/+/a4c138112233/availability\",\"device\":{\"identifiers\":"
		"[\"A4C138112233\"],\"connections\":[[\"mac\",\"a4:c1:38:11:22:33\"]],\"name\":"
		"\"ATC-112233\",\"model\":\"ATC1441\",\"model_id\":\"ATC\",\"manufacturer\":"
		"\"ATC1441 custom firmware\",\"via_device\":\"mi32_hub\"},\"origin\":{\"name\":"
		"\"mi32\",\"sw_version\":\"0.1.0\"}}");
	assert_string_equal(
		find("homeassistant/sensor/mi32_a4c138112233/rssi_mi32_node1/config"),
		"{\"name\":\"\u2192 mi32_node1\",\"unique_id\":\"mi32_a4c138112233_rssi_mi32_node1\","
		"\"state_topic\":\"tele/mi32_node1/a4c138112233/SENSOR\",\"value_template\":\"{% set s = "
		"value_json['ATC-112233'] | default({}) %}{{ s['RSSI'] if s['RSSI'] is defined else "
		"'' }}\",\"device_class\":\"signal_strength\",\"state_class\":\"measurement\","
		"\"unit_of_measurement\":\"dBm\",\"icon\":\"mdi:bluetooth\",\"entity_category\":"
		"\"diagnostic\",\"json_attributes_topic\":\"tele/mi32_node1/a4c138112233/presence\","
		"\"availability\":[{\"topic\":\"tele/mi32_node1/LWT\",\"payload_available\":"
		"\"Online\",\"payload_not_available\":\"Offline\"},{\"topic\":"
		"\"tele/mi32_node1/a4c138112233/rssi\",\"value_template\":\"{{ 'online' if "
		"value_json.online else 'offline' }}\"}],\"availability_mode\":\"all\",\"device\":"
		"{\"identifiers\":[\"A4C138112233\"],\"connections\":[[\"mac\",\"a4:c1:38:11:22:33\"]],"
		"\"name\":\"ATC-112233\",\"model\":\"ATC1441\",\"model_id\":\"ATC\",\"manufacturer\":"
		"\"ATC1441 custom firmware\",\"via_device\":\"mi32_hub\"},\"origin\":{\"name\":"
		"\"mi32\",\"sw_version\":\"0.1.0\"}}");
	assert_non_null(find("homeassistant/sensor/mi32_a4c138112233/humidity/config"));
	assert_non_null(find("homeassistant/sensor/mi32_a4c138112233/dewpoint/config"));
	assert_non_null(find("homeassistant/sensor/mi32_a4c138112233/battery/config"));
	assert_non_null(find("homeassistant/sensor/mi32_a4c138112233/nearest/config"));
	/* not heard by this node: no RSSI diagnostic of its own */
	assert_int_equal(configs(s, slot, false), 5);
	reset();
	store_free(s);
}

/* Flora: conductivity, moisture, illuminance (what disco.be left out) */
static void test_flora(void **state)
{
	static const uint8_t mac[6] = { 0xC4, 0x7C, 0x8D, 0x6A, 0x1B, 0x01 };
	struct store *s = store_new(NULL);
	unsigned int slot = add_sensor(s, mac, PID_FLORA);
	uint64_t sig;
	cJSON *j;

	(void)state;
	/* temperature, moisture, conductivity, illuminance, nearest: no battery (GATT only) */
	assert_int_equal(configs(s, slot, false), 5);
	assert_null(find("homeassistant/sensor/mi32_c47c8d6a1b01/battery/config"));
	check_all();
	j = cJSON_Parse(find("homeassistant/sensor/mi32_c47c8d6a1b01/fertility/config"));
	assert_string_equal(cJSON_GetObjectItem(j, "device_class")->valuestring, "conductivity");
	assert_string_equal(cJSON_GetObjectItem(j, "unit_of_measurement")->valuestring, "µS/cm");
	assert_string_equal(cJSON_GetObjectItem(j, "name")->valuestring, "Conductivity");
	cJSON_Delete(j);
	assert_non_null(find("homeassistant/sensor/mi32_c47c8d6a1b01/moisture/config"));
	assert_non_null(find("homeassistant/sensor/mi32_c47c8d6a1b01/illuminance/config"));
	j = cJSON_Parse(find("homeassistant/sensor/mi32_c47c8d6a1b01/moisture/config"));
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "device"), "sw_version"));
	cJSON_Delete(j);
	/* MI32Firmware learnt its version: the device's sw_version, announced again */
	sig = hass_sensor_signature(store_sensor(s, slot));
	assert_int_equal(store_set_firmware(s, slot, "3.2.1"), 0);
	assert_int_not_equal(hass_sensor_signature(store_sensor(s, slot)), sig);
	configs(s, slot, false);
	check_all();
	j = cJSON_Parse(find("homeassistant/sensor/mi32_c47c8d6a1b01/moisture/config"));
	assert_string_equal(
		cJSON_GetObjectItem(cJSON_GetObjectItem(j, "device"), "sw_version")->valuestring,
		"3.2.1");
	cJSON_Delete(j);
	reset();
	store_free(s);
}

/* Battery only when the type sends it in its adverts, or once a value was seen: not for a
 * stock LYWSD03MMC (its battery object is ignored) nor a LYWSD02 (GATT only), until a level
 * arrives (custom firmware); a MJ_HT_V1 sends one, so it has it at once (issue 17 #4). A
 * Voltage estimated from the battery is no HA entity (issue 17 #9); a measured one is. */
static void test_battery_only_when_sent(void **state)
{
	static const uint8_t m1[6] = { 0xA4, 0xC1, 0x38, 0xA1, 0xB2, 0x04 };
	static const uint8_t m2[6] = { 0xE7, 0x2E, 0x00, 0x11, 0x22, 0x03 };
	static const uint8_t m3[6] = { 0x58, 0x2D, 0x34, 0x35, 0x93, 0x02 };
	struct store *s = store_new(NULL);
	unsigned int a = add_sensor(s, m1, PID_LYWSD03), b = add_sensor(s, m2, PID_LYWSD02),
		     c = add_sensor(s, m3, PID_MJ_HT_V1);

	(void)state;
	configs(s, a, false);
	assert_non_null(find("homeassistant/sensor/mi32_a4c138a1b204/temperature/config"));
	assert_null(find("homeassistant/sensor/mi32_a4c138a1b204/battery/config"));
	/* the stock firmware's battery object: ignored, still no entity */
	decoded_reset(&d);
	d.format = DECODE_FORMAT_MIBEACON;
	decoded_add(&d, READING_BATTERY, 0, 0, 100);
	decoded_add(&d, READING_VOLTAGE, 0, 3, 3.1);
	apply(s, a, 10);
	configs(s, a, false);
	assert_null(find("homeassistant/sensor/mi32_a4c138a1b204/battery/config"));
	assert_null(find("homeassistant/sensor/mi32_a4c138a1b204/voltage/config"));
	/* custom firmware on it: the level and the measured voltage arrive */
	decoded_reset(&d);
	d.format = DECODE_FORMAT_ATC;
	decoded_add(&d, READING_BATTERY, 0, 0, 87);
	decoded_add(&d, READING_VOLTAGE, 0, 3, 2.95);
	apply(s, a, 20);
	configs(s, a, false);
	assert_non_null(find("homeassistant/sensor/mi32_a4c138a1b204/battery/config"));
	configs(s, b, false);
	assert_null(find("homeassistant/sensor/mi32_e72e00112203/battery/config"));
	/* MJ_HT_V1: announced before its first packet; its estimated Voltage never is */
	configs(s, c, false);
	assert_non_null(find("homeassistant/sensor/mi32_582d34359302/battery/config"));
	decoded_reset(&d);
	d.format = DECODE_FORMAT_MIBEACON;
	decoded_add(&d, READING_BATTERY, 0, 0, 80);
	decoded_add(&d, READING_VOLTAGE, 0, 3, 1.44);
	apply(s, c, 10);
	configs(s, c, false);
	assert_non_null(find("homeassistant/sensor/mi32_582d34359302/battery/config"));
	assert_null(find("homeassistant/sensor/mi32_582d34359302/voltage/config"));
	reset();
	store_free(s);
}

/* binary sensors: motion with its off delay, door, leak — the leak now updates (#3) */
static void test_binary(void **state)
{
	static const uint8_t m1[6] = { 0xE4, 0xAA, 0xEC, 0xD4, 0xE5, 0x08 };
	static const uint8_t m2[6] = { 0x54, 0xEF, 0x44, 0x01, 0x0E, 0x14 };
	static const uint8_t m3[6] = { 0xE4, 0xAA, 0xEC, 0x02, 0x0C, 0x13 };
	struct store *s = store_new(NULL);
	unsigned int a = add_sensor(s, m1, PID_MJYD2S), b = add_sensor(s, m2, PID_SJWS01L),
		     c = add_sensor(s, m3, PID_MCCGQ02);
	cJSON *j;

	(void)state;
	configs(s, a, false);
	check_all();
	j = cJSON_Parse(find("homeassistant/binary_sensor/mi32_e4aaecd4e508/motion/config"));
	assert_string_equal(cJSON_GetObjectItem(j, "device_class")->valuestring, "motion");
	assert_int_equal(cJSON_GetObjectItem(j, "off_delay")->valueint, 30);
	assert_string_equal(cJSON_GetObjectItem(j, "payload_on")->valuestring, "1");
	cJSON_Delete(j);
	assert_true(hass_event_only(store_sensor(s, a)));
	configs(s, b, false);
	check_all();
	j = cJSON_Parse(find("homeassistant/binary_sensor/mi32_54ef44010e14/leak/config"));
	assert_string_equal(cJSON_GetObjectItem(j, "device_class")->valuestring, "moisture");
	cJSON_Delete(j);
	/* SJWS01L's button: an event entity and disco.be's three triggers */
	assert_non_null(find("homeassistant/event/mi32_54ef44010e14/button0/config"));
	assert_int_equal(count_prefix("homeassistant/device_automation/mi32_54ef44010e14/"), 3);
	configs(s, c, false);
	check_all();
	j = cJSON_Parse(find("homeassistant/binary_sensor/mi32_e4aaec020c13/door/config"));
	assert_string_equal(cJSON_GetObjectItem(j, "device_class")->valuestring, "door");
	cJSON_Delete(j);
	assert_true(hass_event_only(store_sensor(s, c)));
	reset();
	store_free(s);
}

/* YLYK01: six keys; YLKG08: knob number + hold + its button */
static void test_buttons_knob(void **state)
{
	static const uint8_t m1[6] = { 0xF8, 0x24, 0x41, 0xAA, 0xBB, 0x09 };
	static const uint8_t m2[6] = { 0xF8, 0x24, 0x41, 0xC5, 0x98, 0x16 };
	struct store *s = store_new(NULL);
	unsigned int a = add_sensor(s, m1, PID_YLYK01), b = add_sensor(s, m2, PID_YLKG08);
	cJSON *j;

	(void)state;
	configs(s, a, false);
	check_all();
	assert_int_equal(count_prefix("homeassistant/event/mi32_f82441aabb09/"), 6);
	assert_int_equal(count_prefix("homeassistant/device_automation/mi32_f82441aabb09/"), 18);
	assert_string_equal(
		find("homeassistant/device_automation/mi32_f82441aabb09/button2_long/config"),
		"{\"automation_type\":\"trigger\",\"topic\":\"tele/+/f82441aabb09/SENSOR\",\"type\":"
		"\"button_long_press\",\"subtype\":\"button2\",\"payload\":\"3\",\"value_template\":"
		"\"{% set s = value_json['YLYK01-aabb09'] | default({}) %}{{ s['Button2'] if "
		"s['Button2'] is defined else '' }}\",\"device\":{\"identifiers\":[\"F82441AABB09\"],"
		"\"connections\":[[\"mac\",\"f8:24:41:aa:bb:09\"]],\"name\":\"YLYK01-aabb09\","
		"\"model\":\"YLYK01YL\",\"model_id\":\"YLYK01\",\"manufacturer\":\"Yeelight\","
		"\"via_device\":\"mi32_hub\"},\"origin\":{\"name\":\"mi32\",\"sw_version\":"
		"\"0.1.0\"}}");
	configs(s, b, false);
	check_all();
	j = cJSON_Parse(find("homeassistant/number/mi32_f82441c59816/knob/config"));
	assert_int_equal(cJSON_GetObjectItem(j, "min")->valueint, 0);
	assert_int_equal(cJSON_GetObjectItem(j, "max")->valueint, 100);
	assert_string_equal(cJSON_GetObjectItem(j, "state_topic")->valuestring,
			    "tele/+/f82441c59816/knob");
	assert_string_equal(cJSON_GetObjectItem(j, "command_topic")->valuestring,
			    "mi32/f82441c59816/knob/set");
	cJSON_Delete(j);
	assert_non_null(find("homeassistant/sensor/mi32_f82441c59816/hold/config"));
	assert_non_null(find("homeassistant/event/mi32_f82441c59816/button0/config"));
	reset();
	store_free(s);
}

/* BTHome: entities come from what it sent; a name override renames device and templates */
static void test_bthome_learned_and_name(void **state)
{
	static const uint8_t m[6] = { 0xE8, 0xAA, 0xEC, 0x00, 0x00, 0x19 };
	struct store *s = store_new(NULL);
	unsigned int slot = add_sensor(s, m, PID_BTHOME);
	uint64_t sig0 = hass_sensor_signature(store_sensor(s, slot));
	cJSON *j, *dev;

	(void)state;
	assert_int_equal(configs(s, slot, false), 1); /* only "Nearest node" */
	frame();
	decoded_add(&d, READING_PRESSURE, 0, 2, 1013.25);
	decoded_add(&d, READING_WINDOW, 0, 0, 1);
	decoded_add(&d, READING_CO2, 0, 0, 600);
	decoded_add(&d, READING_BUTTON, 1, 0, 2);
	apply(s, slot, 100);
	assert_int_not_equal(hass_sensor_signature(store_sensor(s, slot)), sig0);
	configs(s, slot, true);
	check_all();
	j = cJSON_Parse(find("homeassistant/sensor/mi32_e8aaec000019/pressure/config"));
	assert_string_equal(cJSON_GetObjectItem(j, "unit_of_measurement")->valuestring, "hPa");
	cJSON_Delete(j);
	j = cJSON_Parse(find("homeassistant/binary_sensor/mi32_e8aaec000019/window/config"));
	assert_string_equal(cJSON_GetObjectItem(j, "device_class")->valuestring, "window");
	cJSON_Delete(j);
	assert_non_null(find("homeassistant/sensor/mi32_e8aaec000019/co2/config"));
	assert_non_null(find("homeassistant/event/mi32_e8aaec000019/button1/config"));
	assert_false(hass_event_only(store_sensor(s, slot))); /* CO2: reports on a schedule */

	assert_int_equal(store_set_name(s, slot, "Kid's room"), 0);
	configs(s, slot, false);
	j = cJSON_Parse(find("homeassistant/sensor/mi32_e8aaec000019/co2/config"));
	dev = cJSON_GetObjectItem(j, "device");
	assert_string_equal(cJSON_GetObjectItem(dev, "name")->valuestring, "Kid's room");
	assert_string_equal(cJSON_GetObjectItem(dev, "manufacturer")->valuestring, "BTHome");
	assert_string_equal(cJSON_GetObjectItem(j, "value_template")->valuestring,
			    "{% set s = value_json['Kid\\'s room'] | default({}) %}"
			    "{{ s['CO2'] if s['CO2'] is defined else '' }}");
	/* the unique id stays: HA keeps the entity, its history and its settings */
	assert_string_equal(cJSON_GetObjectItem(j, "unique_id")->valuestring,
			    "mi32_e8aaec000019_co2");
	cJSON_Delete(j);
	reset();
	store_free(s);
}

/* a generic device / tag: a device_tracker, home while a node hears it */
static void test_tracker(void **state)
{
	static const uint8_t m[6] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x20 };
	struct store *s = store_new(NULL);
	unsigned int slot = add_sensor(s, m, PID_GENERIC);
	cJSON *j;

	(void)state;
	assert_int_equal(configs(s, slot, true), 2);
	check_all();
	j = cJSON_Parse(find("homeassistant/device_tracker/mi32_112233445520/tracker/config"));
	assert_string_equal(cJSON_GetObjectItem(j, "source_type")->valuestring, "bluetooth_le");
	assert_string_equal(cJSON_GetObjectItem(j, "state_topic")->valuestring,
			    "tele/+/112233445520/presence");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "name")));
	cJSON_Delete(j);
	assert_true(hass_is_tracker(store_sensor(s, slot)));
	assert_false(hass_event_only(store_sensor(s, slot)));
	reset();
	store_free(s);
}

static void test_node(void **state)
{
	(void)state;
	reset();
	assert_int_equal(hass_node_configs(&CTX, collect, NULL), 4);
	check_all();
	assert_string_equal(
		find("homeassistant/binary_sensor/mi32_hub/mi32_node1/config"),
		"{\"name\":\"mi32_node1\",\"unique_id\":\"mi32_hub_mi32_node1\",\"state_topic\":"
		"\"tele/mi32_node1/LWT\",\"payload_on\":\"Online\",\"payload_off\":\"Offline\","
		"\"device_class\":\"connectivity\",\"device\":{\"identifiers\":[\"mi32_hub\"],"
		"\"name\":\"mi32 BLE hub\",\"model\":\"BLE hub\",\"manufacturer\":\"mi32\"},"
		"\"origin\":{\"name\":\"mi32\",\"sw_version\":\"0.1.0\"}}");
	assert_non_null(find("homeassistant/sensor/mi32_node_mi32_node1/adverts/config"));
	assert_non_null(find("homeassistant/sensor/mi32_node_mi32_node1/uptime/config"));
	reset();
}

/* a node with a radio has its state as a diagnostic entity: scanning / paused / down, with
 * the adapter, duty cycle, counters and reason as attributes (issue 17 #1) */
static void test_node_radio(void **state)
{
	(void)state;
	reset();
	assert_int_equal(hass_node_configs(&CTX_RADIO, collect, NULL), 5);
	check_all();
	assert_string_equal(
		find("homeassistant/sensor/mi32_node_mi32_node1/radio/config"),
		"{\"name\":\"Radio\",\"unique_id\":\"mi32_node_mi32_node1_radio\",\"state_topic\":"
		"\"tele/mi32_node1/NODE\",\"value_template\":\"{{ value_json.Radio }}\","
		"\"json_attributes_topic\":\"tele/mi32_node1/NODE\",\"json_attributes_template\":"
		"\"{{ value_json.RadioInfo | tojson }}\",\"device_class\":\"enum\",\"options\":"
		"[\"starting\",\"scanning\",\"paused\",\"down\"],\"icon\":\"mdi:bluetooth-settings\","
		"\"entity_category\":\"diagnostic\",\"availability_topic\":\"tele/mi32_node1/LWT\","
		"\"payload_available\":\"Online\",\"payload_not_available\":\"Offline\",\"device\":"
		"{\"identifiers\":[\"mi32_node_mi32_node1\"],\"name\":\"mi32_node1\",\"model\":"
		"\"mi32 node\",\"manufacturer\":\"mi32\",\"sw_version\":\"0.1.0\",\"via_device\":"
		"\"mi32_hub\"},\"origin\":{\"name\":\"mi32\",\"sw_version\":\"0.1.0\"}}");
	reset();
	/* a replay has no radio: no entity that could never have a value */
	assert_int_equal(hass_node_configs(&CTX, collect, NULL), 4);
	assert_null(find("homeassistant/sensor/mi32_node_mi32_node1/radio/config"));
	reset();
}

/* a failing publisher stops the walk and its code comes back */
static int refuse(void *ud, const char *topic, const char *payload)
{
	(void)ud;
	(void)topic;
	(void)payload;
	return -EIO;
}

static void test_emit_error(void **state)
{
	struct store *s = store_new(NULL);
	unsigned int slot = add_sensor(s, MAC_ATC, PID_ATC);

	(void)state;
	assert_int_equal(hass_sensor_configs(&CTX, store_sensor(s, slot), true, refuse, NULL),
			 -EIO);
	assert_int_equal(hass_node_configs(&CTX, refuse, NULL), -EIO);
	store_free(s);
}

/* timeout = max(5 × median interval, floor); the fallback until 3 intervals are known */
static void test_timeout(void **state)
{
	float iv[] = { 10, 12, 600, 11, 9 };

	(void)state;
	assert_true(interval_timeout(iv, 2, 300, 1800) == 1800);
	assert_true(interval_timeout(iv, 2, 300, 100) == 300);
	/* median of 10 12 600 11 9 is 11: one long gap does not stretch it */
	assert_true(interval_timeout(iv, 5, 30, 1800) == 55);
	assert_true(interval_timeout(iv, 5, 300, 1800) == 300);
	assert_true(interval_timeout(iv, 4, 10, 1800) == 5 * 11.5);
}

static void test_mac_id(void **state)
{
	char id[13];

	(void)state;
	hass_mac_id(MAC_ATC, id);
	assert_string_equal(id, "a4c138112233");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atc_exact),
		cmocka_unit_test(test_flora),
		cmocka_unit_test(test_battery_only_when_sent),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_buttons_knob),
		cmocka_unit_test(test_bthome_learned_and_name),
		cmocka_unit_test(test_tracker),
		cmocka_unit_test(test_node),
		cmocka_unit_test(test_node_radio),
		cmocka_unit_test(test_emit_error),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_mac_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
