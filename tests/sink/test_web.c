/* SPDX-License-Identifier: MIT */
/* test_web.c — the pure parts of the web interface: form/query decoding, cookies, Basic auth,
 * the sensor JSON and dimming rules, metrics, and the mi32cfg editor's per-row check. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "decode/decode.h"
#include "decode/reading.h"
#include "decode/registry.h"
#include "sink/web.h"
#include "store/sensor.h"
#include "store/store.h"

static char buf[1 << 16];

static void test_url_decode(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(web_url_decode("a+b%2Bc%20d", 11, out, sizeof(out)), 7);
	assert_string_equal(out, "a b+c d");
	assert_int_equal(web_url_decode("%zz", 3, out, sizeof(out)), -EINVAL);
	assert_int_equal(web_url_decode("%4", 2, out, sizeof(out)), -EINVAL);
	assert_int_equal(web_url_decode("%00", 3, out, sizeof(out)), -EINVAL);
	assert_int_equal(web_url_decode("0123456789abcdef", 16, out, sizeof(out)), -E2BIG);
	assert_int_equal(web_url_decode("", 0, out, sizeof(out)), 0);
}

static void test_form_get(void **state)
{
	const char *f = "x=1&cmnd=Status%208&password=a%26b&empty=&flag";
	char out[32];

	(void)state;
	assert_int_equal(web_form_get(f, strlen(f), "cmnd", out, sizeof(out)), 8);
	assert_string_equal(out, "Status 8");
	assert_int_equal(web_form_get(f, strlen(f), "password", out, sizeof(out)), 3);
	assert_string_equal(out, "a&b");
	assert_int_equal(web_form_get(f, strlen(f), "empty", out, sizeof(out)), 0);
	assert_int_equal(web_form_get(f, strlen(f), "flag", out, sizeof(out)), 0);
	assert_int_equal(web_form_get(f, strlen(f), "cmn", out, sizeof(out)), -ENOENT);
	assert_int_equal(web_form_get(f, strlen(f), "nope", out, sizeof(out)), -ENOENT);
	/* only @len bytes count: the value is cut where the caller's body ends */
	assert_int_equal(web_form_get(f, 10, "cmnd", out, sizeof(out)), 1);
	assert_string_equal(out, "S");
}

/* Basic auth and cookies are libmicrohttpd's now: tests/integration/test_05_web_auth.py */
static void test_secret_eq(void **state)
{
	(void)state;
	assert_true(web_secret_eq("abc", "abc"));
	assert_false(web_secret_eq("abc", "abd"));
	assert_false(web_secret_eq("abc", "abcd"));
	assert_false(web_secret_eq("", "a"));
	assert_true(web_secret_eq("", ""));
}

/* a store with one LYWSD03 that got temperature/humidity at 12:00 UTC, one never heard */
static struct store *fleet(void)
{
	struct store *st = store_new(NULL);
	const uint8_t a[6] = { 0xA4, 0xC1, 0x38, 0xA1, 0xB2, 0xC3 };
	const uint8_t b[6] = { 0xA4, 0xC1, 0x38, 0x00, 0x00, 0x99 };
	struct decoded d;

	assert_non_null(st);
	assert_int_equal(store_add_sensor(st, a, PID_LYWSD03, NULL), 0);
	assert_int_equal(store_add_sensor(st, b, PID_LYWSD03, NULL), 0);
	decoded_reset(&d);
	d.format = DECODE_FORMAT_MIBEACON;
	d.pid = PID_LYWSD03;
	d.n = 2;
	d.r[0] = (struct reading){ .type = READING_TEMPERATURE, .decimals = 1, .value = 21.4 };
	d.r[1] = (struct reading){ .type = READING_HUMIDITY, .decimals = 1, .value = 48.0 };
	assert_int_equal(store_apply_decoded(st, 0, &d, -70, 1735732800ull * 1000000u), 0);
	return st;
}

static void test_sensor_json(void **state)
{
	struct store *st = fleet();
	struct web_json_opts o = { .now_us = 1735732812ull * 1000000u, .show_keys = true };
	struct jw w;
	cJSON *j, *s0, *s1, *v;

	(void)state;
	jw_init(&w, buf, sizeof(buf));
	web_json_sensors(st, &o, &w);
	assert_true(jw_finish(&w) > 0);
	j = cJSON_Parse(buf);
	assert_non_null(j);
	s0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "sensors"), 0);
	s1 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "sensors"), 1);
	assert_string_equal(cJSON_GetObjectItem(s0, "mac")->valuestring, "A4C138A1B2C3");
	assert_string_equal(cJSON_GetObjectItem(s0, "name")->valuestring, "LYWSD03");
	assert_string_equal(cJSON_GetObjectItem(s0, "id")->valuestring, "LYWSD03-a1b2c3");
	assert_int_equal(cJSON_GetObjectItem(s0, "rssi")->valueint, -70);
	assert_int_equal(cJSON_GetObjectItem(s0, "ago")->valueint, 12);
	v = cJSON_GetArrayItem(cJSON_GetObjectItem(s0, "values"), 0);
	assert_string_equal(cJSON_GetObjectItem(v, "k")->valuestring, "Temperature");
	assert_true(cJSON_GetObjectItem(v, "v")->valuedouble == 21.4);
	assert_string_equal(cJSON_GetObjectItem(v, "u")->valuestring, "°C");
	/* the history bucket of that hour (UTC in the test environment) is set */
	assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(s0, "hist"), "temp"));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(s0, "dim")));
	/* never heard: dimmed, no RSSI, no age */
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(s1, "dim")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(s1, "ago")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(s1, "flags"), "seen")));
	cJSON_Delete(j);
	store_free(st);
}

static void test_keys_only_when_allowed(void **state)
{
	struct store *st = fleet();
	const uint8_t key[16] = { 0xAA, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	struct web_json_opts o = { .now_us = 1735732812ull * 1000000u };
	struct jw w;

	(void)state;
	assert_int_equal(store_set_key(st, 0, key), 0);
	jw_init(&w, buf, sizeof(buf));
	web_json_sensor(st, 0, &o, &w);
	assert_true(jw_finish(&w) > 0);
	assert_null(strstr(buf, "AA0102"));
	assert_non_null(strstr(buf, "\"has_key\":true"));
	o.show_keys = true;
	jw_init(&w, buf, sizeof(buf));
	web_json_sensor(st, 0, &o, &w);
	assert_true(jw_finish(&w) > 0);
	assert_non_null(strstr(buf, "\"bindkey\":\"AA0102030405060708090A0B0C0D0E0F\""));
	/* the editor hides keys the same way */
	jw_init(&w, buf, sizeof(buf));
	{
		const char *cfg = "[{\"MAC\":\"A4C138A1B2C3\",\"PID\":\"055b\","
				  "\"key\":\"AA0102030405060708090A0B0C0D0E0F\"}]";

		assert_int_equal(web_json_cfg_check(cfg, strlen(cfg), false, &w), 0);
	}
	assert_true(jw_finish(&w) > 0);
	assert_null(strstr(buf, "AA0102"));
	assert_null(strstr(buf, "\"text\""));
	store_free(st);
}

static void test_dimming(void **state)
{
	struct store *st = fleet();

	(void)state;
	assert_false(web_sensor_dimmed(store_sensor(st, 0)));
	assert_true(web_sensor_dimmed(store_sensor(st, 1))); /* never heard */
	store_set_feat(st, 0, sensor_feat(store_sensor(st, 0)) | MI_FEAT_NEEDS_KEY);
	assert_true(web_sensor_dimmed(store_sensor(st, 0))); /* needs a key, has none */
	store_free(st);
}

static void test_metrics(void **state)
{
	struct store *st = fleet();
	struct web_node n = { .topic = "t", .version = "v", .mqtt = "off", .mqtt_connected = -1,
			       .uptime_s = 5 };
	int len;

	(void)state;
	len = web_metrics(st, &n, 1735732812ull * 1000000u, buf, sizeof(buf));
	assert_true(len > 0);
	assert_non_null(strstr(buf, "# TYPE mi32_adverts_received_total counter\n"));
	assert_non_null(strstr(buf, "mi32_adverts_rejected_total{reason=\"wrong_key\"} 0\n"));
	assert_non_null(strstr(buf, "mi32_sensors 2\n"));
	assert_non_null(strstr(buf, "mi32_mqtt_enabled{broker=\"\"} 0\n"));
	assert_non_null(strstr(buf, "mi32_sensor_last_seen_timestamp_seconds{sensor=\"LYWSD03-a1b2c3\","
				    "mac=\"A4C138A1B2C3\"} 1735732800\n"));
	assert_non_null(strstr(buf, "mi32_sensor_rssi_dbm{sensor=\"LYWSD03-a1b2c3\",mac=\"A4C138A1B2C3\"} -70\n"));
	assert_non_null(strstr(buf, "reading=\"Temperature\"} 21.4\n"));
	assert_int_equal(web_metrics(st, &n, 0, buf, 100), -ENOSPC);
	/* names with quotes are escaped */
	store_set_name(st, 0, "Ki\"tchen");
	assert_true(web_metrics(st, &n, 0, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "sensor=\"Ki\\\"tchen\""));
	store_free(st);
}

/* the radio in /api/node and /metrics: down with its reason, the counters (issue 17 #1) */
static void test_node_radio(void **state)
{
	struct store *st = fleet();
	struct web_node n = { .topic = "t", .version = "v", .mqtt = "off", .mqtt_connected = -1,
			       .has_radio = true };
	struct jw w;

	(void)state;
	n.radio = (struct sink_radio){ .state = "down", .adapter = "hci0", .duty_percent = 100,
				       .restarts = 2, .reopens = 3, .retry_in_s = 4,
				       .reason = "no Bluetooth adapter hci0 (the kernel has: none)" };
	jw_init(&w, buf, sizeof(buf));
	web_json_node(st, &n, 0, &w);
	assert_true(jw_finish(&w) > 0);
	assert_non_null(strstr(buf, ",\"radio\":{\"state\":\"down\",\"adapter\":\"hci0\","
				    "\"active\":false,\"duty\":100,\"restarts\":2,\"reopens\":3,"
				    "\"retry_in\":4,\"reason\":\"no Bluetooth adapter hci0 (the kernel "
				    "has: none)\"},\"homekit\":null}"));
	assert_true(web_metrics(st, &n, 0, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "# TYPE mi32_radio_up gauge\nmi32_radio_up{adapter=\"hci0\"} 0\n"));
	assert_non_null(strstr(buf, "mi32_radio_state{adapter=\"hci0\",state=\"down\"} 1\n"));
	assert_non_null(strstr(buf, "mi32_radio_state{adapter=\"hci0\",state=\"scanning\"} 0\n"));
	assert_non_null(strstr(buf, "mi32_radio_duty_percent{adapter=\"hci0\"} 100\n"));
	assert_non_null(strstr(buf, "mi32_radio_scan_restarts_total{adapter=\"hci0\"} 2\n"));
	assert_non_null(strstr(buf, "mi32_radio_reopens_total{adapter=\"hci0\"} 3\n"));
	snprintf(n.radio.state, sizeof(n.radio.state), "scanning");
	assert_true(web_metrics(st, &n, 0, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "mi32_radio_up{adapter=\"hci0\"} 1\n"));
	/* a replay: no radio at all */
	n.has_radio = false;
	jw_init(&w, buf, sizeof(buf));
	web_json_node(st, &n, 0, &w);
	assert_true(jw_finish(&w) > 0);
	assert_non_null(strstr(buf, ",\"radio\":null,"));
	assert_true(web_metrics(st, &n, 0, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "mi32_radio"));
	store_free(st);
}

/* the HomeKit bridge in /api/node and /metrics: paired or not, controllers, the announcement
 * (issue 16); null and no metrics when it is off */
static void test_node_homekit(void **state)
{
	struct store *st = fleet();
	struct web_node n = { .topic = "t", .version = "v", .mqtt = "off", .mqtt_connected = -1,
			       .has_homekit = true };
	struct jw w;

	(void)state;
	n.homekit = (struct sink_homekit){ .paired = true, .controllers = 2, .connections = 1,
					   .config_number = 3, .accessories = 20, .port = 51826,
					   .mdns = "no avahi-daemon",
					   .mdns_reason = "not running: apt install avahi-daemon" };
	jw_init(&w, buf, sizeof(buf));
	web_json_node(st, &n, 0, &w);
	assert_true(jw_finish(&w) > 0);
	assert_non_null(strstr(buf, ",\"homekit\":{\"paired\":true,\"controllers\":2,"
				    "\"connections\":1,\"config_number\":3,\"accessories\":20,"
				    "\"left_out\":0,\"port\":51826,\"mdns\":\"no avahi-daemon\","
				    "\"announced\":false,\"mdns_reason\":\"not running: apt install "
				    "avahi-daemon\"}}"));
	assert_true(web_metrics(st, &n, 0, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "# TYPE mi32_homekit_paired gauge\nmi32_homekit_paired 1\n"));
	assert_non_null(strstr(buf, "mi32_homekit_controllers 2\n"));
	assert_non_null(strstr(buf, "mi32_homekit_connections 1\n"));
	assert_non_null(strstr(buf, "mi32_homekit_accessories 20\n"));
	assert_non_null(strstr(buf, "mi32_homekit_config_number 3\n"));
	assert_non_null(strstr(buf, "mi32_homekit_mdns_announced 0\n"));
	n.homekit.announced = true;
	n.homekit.paired = false;
	assert_true(web_metrics(st, &n, 0, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "mi32_homekit_mdns_announced 1\n"));
	assert_non_null(strstr(buf, "mi32_homekit_paired 0\n"));
	n.has_homekit = false;
	jw_init(&w, buf, sizeof(buf));
	web_json_node(st, &n, 0, &w);
	assert_true(jw_finish(&w) > 0);
	assert_non_null(strstr(buf, ",\"homekit\":null}"));
	assert_true(web_metrics(st, &n, 0, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "mi32_homekit"));
	store_free(st);
}

static void test_cfg_check(void **state)
{
	const char *good = "[{\"MAC\":\"a4:c1:38:a1:b2:c3\",\"PID\":\"055B\",\"key\":\"\","
			   "\"name\":\"Kitchen\",\"feat\":143}]";
	const char *bad = "[{\"MAC\":\"A4C138A1B2C3\",\"PID\":\"055b\",\"key\":\"\"},"
			  "{\"MAC\":\"A4C138A1B2C4\",\"PID\":\"055b\",\"key\":\"0011\"},"
			  "{\"MAC\":\"A4C138A1B2\",\"PID\":\"055b\"}]";
	struct jw w;
	cJSON *j, *rows;

	(void)state;
	jw_init(&w, buf, sizeof(buf));
	assert_int_equal(web_json_cfg_check(good, strlen(good), true, &w), 0);
	assert_true(jw_finish(&w) > 0);
	j = cJSON_Parse(buf);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "ok")));
	rows = cJSON_GetObjectItem(j, "rows");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 0), "mac")->valuestring,
			    "A4C138A1B2C3");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 0), "type")->valuestring,
			    "LYWSD03");
	/* formatted as MI32Cfg writes it */
	assert_string_equal(cJSON_GetObjectItem(j, "text")->valuestring,
			    "[{\"MAC\":\"A4C138A1B2C3\",\"PID\":\"055b\",\"key\":\"\","
			    "\"name\":\"Kitchen\",\"feat\":143}]");
	cJSON_Delete(j);

	jw_init(&w, buf, sizeof(buf));
	assert_int_equal(web_json_cfg_check(bad, strlen(bad), true, &w), -EBADMSG);
	assert_true(jw_finish(&w) > 0);
	j = cJSON_Parse(buf);
	assert_non_null(j);
	rows = cJSON_GetObjectItem(j, "rows");
	assert_int_equal(cJSON_GetArraySize(rows), 3);
	assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 0), "error"));
	assert_non_null(strstr(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 1), "error")->valuestring,
			       "key must be 32 hex digits"));
	assert_non_null(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 2), "error"));
	cJSON_Delete(j);

	/* a syntax error: one sentence, no rows */
	jw_init(&w, buf, sizeof(buf));
	assert_int_equal(web_json_cfg_check("[{\"MAC\":", 8, true, &w), -EBADMSG);
	assert_true(jw_finish(&w) > 0);
	assert_non_null(strstr(buf, "\"rows\":[]"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_decode),
		cmocka_unit_test(test_form_get),
		cmocka_unit_test(test_secret_eq),
		cmocka_unit_test(test_sensor_json),
		cmocka_unit_test(test_keys_only_when_allowed),
		cmocka_unit_test(test_dimming),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_node_radio),
		cmocka_unit_test(test_node_homekit),
		cmocka_unit_test(test_cfg_check),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
