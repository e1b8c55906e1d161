/* SPDX-License-Identifier: MIT */
/* web_api.c — the pure half of the web interface: form bodies (on libmicrohttpd's decoder), the JSON
 * of /api/sensors and the dashboard's SSE updates, the node widget, Prometheus metrics and
 * the mi32cfg editor's check. No sockets and no loop here, so cmocka and libFuzzer reach it
 * all. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "decode/reading.h"
#include "decode/registry.h"
#include "script/scripts.h"
#include "store/mi32cfg.h"
#include "store/mi32cfg_rows.h"
#include "store/sensor.h"
#include "store/store.h"
#include "util/hex.h"
#include "util/wr.h"
#include "sink/web.h"

/* ---- parsing ----------------------------------------------------------------------------- */

int web_url_decode(const char *in, size_t n, char *out, size_t size)
{
	size_t len = n;
	char *buf;

	/* MHD_http_unescape() decodes, but passes a malformed %xx through and stops at %00:
	 * refuse those here, and count what the decoded text needs */
	for (size_t i = 0; i < n; i++) {
		if (in[i] == '\0')
			return -EINVAL;
		if (in[i] != '%')
			continue;
		if (n - i < 3 || hex_nibble(in[i + 1]) < 0 || hex_nibble(in[i + 2]) < 0 ||
		    (in[i + 1] == '0' && in[i + 2] == '0'))
			return -EINVAL;
		i += 2;
		len -= 2;
	}
	if (len >= size)
		return -E2BIG;
	/* decoding shrinks in place: @out holds it when the escaped text fits */
	buf = n < size ? out : malloc(n + 1);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		buf[i] = in[i] == '+' ? ' ' : in[i]; /* a form's space; "%2B" stays a '+' */
	buf[n] = '\0';
	MHD_http_unescape(buf);
	if (buf != out) {
		memcpy(out, buf, len + 1);
		free(buf);
	}
	return (int)len;
}

int web_form_get(const char *body, size_t len, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name);
	size_t i = 0;

	while (i < len) {
		size_t end = i, eq;

		while (end < len && body[end] != '&' && body[end] != ';')
			end++;
		eq = i;
		while (eq < end && body[eq] != '=')
			eq++;
		if (eq - i == nl && memcmp(body + i, name, nl) == 0)
			return web_url_decode(body + eq + (eq < end), end - eq - (eq < end), out,
					      size);
		i = end + 1;
	}
	return -ENOENT;
}

bool web_secret_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), n = la > lb ? la : lb;
	unsigned int d = la != lb;

	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(i < la ? a[i] : 0) ^ (unsigned char)(i < lb ? b[i] : 0);
	return d == 0;
}

/* ---- sensors ----------------------------------------------------------------------------- */

bool web_sensor_dimmed(const struct sensor *s)
{
	uint32_t st = sensor_status(s), feat = sensor_feat(s);

	if (!(st & SENSOR_S_SEEN) || sensor_rssi(s) == 0)
		return true;
	if ((feat & MI_FEAT_NEEDS_KEY) && !sensor_key(s))
		return true;
	if (st & (SENSOR_S_WRONG_KEY | SENSOR_S_STALE))
		return true;
	if ((st & SENSOR_S_UNBOUND) && sensor_pid(s) != PID_CGD1)
		return true;
	return (feat & ~MI_FEAT_NEEDS_KEY) == 0 && sensor_pid(s) != PID_GENERIC;
}

static int local_hour(uint64_t us)
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;

	localtime_r(&t, &tm);
	return tm.tm_hour;
}

static void json_hist(struct jw *w, const char *key, const uint8_t *h)
{
	jw_key(w, key);
	jw_arr_begin(w);
	for (int i = 0; i < 24; i++)
		jw_uint(w, (h[i] & SENSOR_HIST_VALID) ? (h[i] & 0x7f) : 0);
	jw_arr_end(w);
}

static void json_str_or_null(struct jw *w, const char *key, const char *v)
{
	jw_key(w, key);
	if (v)
		jw_str(w, v);
	else
		jw_null(w);
}

void web_json_sensor(const struct store *st, unsigned int slot, const struct web_json_opts *o,
		     struct jw *w)
{
	const struct sensor *s = store_sensor(st, slot);
	const struct device_info *dev;
	struct reading r[48];
	char buf[96];
	uint32_t status, feat;
	size_t n;
	unsigned int bn, bk;
	const uint8_t *p;

	if (!s) {
		jw_null(w);
		return;
	}
	dev = sensor_device(s);
	status = sensor_status(s);
	feat = sensor_feat(s);
	jw_obj_begin(w);
	jw_key(w, "slot");
	jw_uint(w, slot);
	sensor_name(s, buf, sizeof(buf));
	jw_key(w, "name");
	jw_str(w, buf);
	sensor_json_key(s, buf, sizeof(buf));
	jw_key(w, "id");
	jw_str(w, buf);
	jw_key(w, "mac");
	jw_hex(w, sensor_mac(s), 6, true);
	snprintf(buf, sizeof(buf), "%04x", sensor_pid(s));
	jw_key(w, "pid");
	jw_str(w, buf);
	json_str_or_null(w, "type", dev ? dev->type : NULL);
	json_str_or_null(w, "model", dev ? dev->model : NULL);
	json_str_or_null(w, "vendor", dev ? dev->vendor : NULL);
	jw_key(w, "feat");
	jw_uint(w, feat);
	jw_key(w, "flags");
	jw_obj_begin(w);
	jw_key(w, "seen");
	jw_bool(w, status & SENSOR_S_SEEN);
	jw_key(w, "stale");
	jw_bool(w, status & SENSOR_S_STALE);
	jw_key(w, "wrong_key");
	jw_bool(w, status & SENSOR_S_WRONG_KEY);
	jw_key(w, "unbound");
	jw_bool(w, status & SENSOR_S_UNBOUND);
	jw_key(w, "needs_key");
	jw_bool(w, feat & MI_FEAT_NEEDS_KEY);
	jw_key(w, "has_key");
	jw_bool(w, sensor_key(s) != NULL);
	jw_key(w, "auto");
	jw_bool(w, status & SENSOR_S_AUTO);
	jw_obj_end(w);
	jw_key(w, "dim");
	jw_bool(w, web_sensor_dimmed(s));
	if (o->fresh) {
		jw_key(w, "fresh");
		jw_bool(w, true);
	}
	jw_key(w, "rssi");
	jw_int(w, sensor_rssi(s));
	jw_key(w, "last");
	jw_uint(w, sensor_last_us(s) / 1000000u);
	jw_key(w, "ago");
	if (sensor_last_us(s) && o->now_us >= sensor_last_us(s))
		jw_uint(w, (o->now_us - sensor_last_us(s)) / 1000000u);
	else
		jw_null(w);
	if (sensor_key(s) && o->show_keys) {
		jw_key(w, "bindkey");
		jw_hex(w, sensor_key(s), 16, true);
	}

	n = sensor_values(s, r, sizeof(r) / sizeof(r[0]));
	jw_key(w, "values");
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		const struct reading_info *ri = reading_info(r[i].type);

		if (!ri || !ri->key)
			continue;
		reading_key(&r[i], buf, sizeof(buf));
		jw_obj_begin(w);
		jw_key(w, "k");
		jw_str(w, buf);
		jw_key(w, "v");
		jw_double(w, r[i].value, r[i].decimals);
		jw_key(w, "u");
		jw_str(w, ri->unit ? ri->unit : "");
		if (ri->flags & (READING_F_BINARY | READING_F_EVENT)) {
			jw_key(w, "f");
			jw_uint(w, ri->flags);
		}
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (!isnan(sensor_dew_point(s))) {
		jw_key(w, "dew");
		jw_double(w, sensor_dew_point(s), 1);
	}
	if (feat & (MI_FEAT_MOTION | MI_FEAT_DOOR)) {
		jw_key(w, "events");
		jw_uint(w, sensor_events(s));
	}
	if (feat & (MI_FEAT_NMT | MI_FEAT_MOTION)) {
		jw_key(w, "nmt");
		jw_uint(w, sensor_nmt(s));
	}
	if (sensor_door(s) >= 0) {
		jw_key(w, "door");
		jw_int(w, sensor_door(s));
	}
	if (sensor_leak(s) >= 0) {
		jw_key(w, "leak");
		jw_int(w, sensor_leak(s));
	}
	if (sensor_button(s, &bn, &bk)) {
		jw_key(w, "button");
		jw_obj_begin(w);
		jw_key(w, "n");
		jw_uint(w, bn);
		jw_key(w, "kind");
		jw_uint(w, bk);
		jw_obj_end(w);
	}
	p = sensor_payload(s, &n);
	if (p && n) {
		jw_key(w, "payload");
		jw_hex(w, p, n, true);
	}
	jw_key(w, "hist");
	jw_obj_begin(w);
	if (feat & (MI_FEAT_TEMP | MI_FEAT_TEMP_HUM))
		json_hist(w, "temp", sensor_history(s, SENSOR_HIST_TEMP));
	if (feat & (MI_FEAT_HUM | MI_FEAT_TEMP_HUM))
		json_hist(w, "hum", sensor_history(s, SENSOR_HIST_HUM));
	if (feat & MI_FEAT_LUX)
		json_hist(w, "lux", sensor_history(s, SENSOR_HIST_LUX));
	if (sensor_pid(s) == PID_GENERIC || (feat & MI_FEAT_PAYLOAD))
		json_hist(w, "seen", sensor_history(s, SENSOR_HIST_SIGHTINGS));
	jw_obj_end(w);
	jw_key(w, "heard");
	jw_uint(w, sensor_heard(s));
	jw_obj_end(w);
}

void web_json_sensors(const struct store *st, const struct web_json_opts *o, struct jw *w)
{
	unsigned int n = store_sensor_count(st);

	jw_obj_begin(w);
	jw_key(w, "now");
	jw_uint(w, o->now_us / 1000000u);
	jw_key(w, "hour");
	jw_int(w, local_hour(o->now_us));
	jw_key(w, "sensors");
	jw_arr_begin(w);
	for (unsigned int i = 0; i < n; i++)
		web_json_sensor(st, i, o, w);
	jw_arr_end(w);
	jw_obj_end(w);
}

static uint64_t decode_errors(const struct store_stats *s)
{
	return s->malformed + s->no_key + s->wrong_key + s->unsupported;
}

/* {"state":"down","adapter":"hci0","active":false,"duty":100,"restarts":0,"reopens":2,
 * "retry_in":4,"reason":"no Bluetooth adapter hci0 ..."} */
static void json_radio(const struct sink_radio *r, struct jw *w)
{
	jw_obj_begin(w);
	jw_key(w, "state");
	jw_str(w, r->state);
	jw_key(w, "adapter");
	jw_str(w, r->adapter);
	jw_key(w, "active");
	jw_bool(w, r->active);
	jw_key(w, "duty");
	jw_uint(w, r->duty_percent);
	jw_key(w, "restarts");
	jw_uint(w, r->restarts);
	jw_key(w, "reopens");
	jw_uint(w, r->reopens);
	jw_key(w, "retry_in");
	jw_uint(w, r->retry_in_s);
	jw_key(w, "reason");
	jw_str(w, r->reason);
	jw_obj_end(w);
}

/* {"paired":true,"controllers":2,"connections":1,"config_number":3,"accessories":20,
 * "left_out":0,"port":51826,"mdns":"announced","announced":true,"mdns_reason":""}: no
 * setup code (that is /api/homekit's, for the password only) */
static void json_homekit(const struct sink_homekit *h, struct jw *w)
{
	jw_obj_begin(w);
	jw_key(w, "paired");
	jw_bool(w, h->paired);
	jw_key(w, "controllers");
	jw_uint(w, h->controllers);
	jw_key(w, "connections");
	jw_uint(w, h->connections);
	jw_key(w, "config_number");
	jw_uint(w, h->config_number);
	jw_key(w, "accessories");
	jw_uint(w, h->accessories);
	jw_key(w, "left_out");
	jw_uint(w, h->left_out);
	jw_key(w, "port");
	jw_uint(w, h->port);
	jw_key(w, "mdns");
	jw_str(w, h->mdns);
	jw_key(w, "announced");
	jw_bool(w, h->announced);
	jw_key(w, "mdns_reason");
	jw_str(w, h->mdns_reason);
	jw_obj_end(w);
}

void web_json_node(const struct store *st, const struct web_node *n, uint64_t now_us,
		   struct jw *w)
{
	const struct store_stats *s = store_stats(st);

	jw_obj_begin(w);
	jw_key(w, "now");
	jw_uint(w, now_us / 1000000u);
	jw_key(w, "hour");
	jw_int(w, local_hour(now_us));
	jw_key(w, "topic");
	jw_str(w, n->topic ? n->topic : "");
	jw_key(w, "version");
	jw_str(w, n->version ? n->version : "");
	jw_key(w, "sensors");
	jw_uint(w, store_sensor_count(st));
	jw_key(w, "uptime");
	jw_uint(w, n->uptime_s);
	jw_key(w, "adverts");
	jw_uint(w, s->adverts);
	jw_key(w, "decoded");
	jw_uint(w, s->decoded);
	jw_key(w, "errors");
	jw_uint(w, decode_errors(s));
	jw_key(w, "rate");
	jw_double(w, n->adverts_per_s, 1);
	jw_key(w, "mqtt");
	if (n->mqtt_connected >= 0) {
		char b[200];

		snprintf(b, sizeof(b), "%s (%s)", n->mqtt ? n->mqtt : "",
			 n->mqtt_connected ? "connected" : "disconnected");
		jw_str(w, b);
	} else {
		jw_str(w, n->mqtt ? n->mqtt : "off");
	}
	jw_key(w, "options");
	jw_arr_begin(w);
	for (unsigned int i = 0; i < STORE_OPTIONS; i++)
		jw_int(w, store_option(st, i));
	jw_arr_end(w);
	jw_key(w, "radio");
	if (n->has_radio)
		json_radio(&n->radio, w);
	else
		jw_null(w);
	jw_key(w, "homekit");
	if (n->has_homekit)
		json_homekit(&n->homekit, w);
	else
		jw_null(w);
	jw_obj_end(w);
}

/* ---- metrics ------------------------------------------------------------------------------ */

/* A Prometheus label value: backslash, quote and newline escaped. */
static void label_escape(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (; *in && o + 3 < size; in++) {
		if (*in == '\\' || *in == '"') {
			out[o++] = '\\';
			out[o++] = *in;
		} else if (*in == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

static void metric_head(struct wr *o, const char *name, const char *type, const char *help)
{
	wr_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The radio: up (scanning or re-arming a scan), its duty cycle and restart counters. */
static void metrics_radio(struct wr *o, const struct sink_radio *r)
{
	char adapter[80];
	static const char *const states[] = { "starting", "scanning", "paused", "down" };

	label_escape(r->adapter, adapter, sizeof(adapter));
	metric_head(o, "mi32_radio_up", "gauge",
		    "1 while the radio scans (or re-arms its scan), 0 while starting or down.");
	wr_printf(o, "mi32_radio_up{adapter=\"%s\"} %d\n", adapter,
	     !strcmp(r->state, "scanning") || !strcmp(r->state, "paused"));
	metric_head(o, "mi32_radio_state", "gauge", "1 for the radio's current state.");
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		wr_printf(o, "mi32_radio_state{adapter=\"%s\",state=\"%s\"} %d\n", adapter, states[i],
		     !strcmp(r->state, states[i]));
	metric_head(o, "mi32_radio_duty_percent", "gauge",
		    "Scan window / scan interval in use, percent (0 = unknown).");
	wr_printf(o, "mi32_radio_duty_percent{adapter=\"%s\"} %u\n", adapter, r->duty_percent);
	metric_head(o, "mi32_radio_scan_restarts_total", "counter",
		    "Scans restarted by the scan watchdog.");
	wr_printf(o, "mi32_radio_scan_restarts_total{adapter=\"%s\"} %llu\n", adapter,
	     (unsigned long long)r->restarts);
	metric_head(o, "mi32_radio_reopens_total", "counter",
		    "Attempts to open the adapter again while it was down.");
	wr_printf(o, "mi32_radio_reopens_total{adapter=\"%s\"} %llu\n", adapter,
	     (unsigned long long)r->reopens);
}

/* The HomeKit bridge: paired, controllers, sessions, the announcement. */
static void metrics_homekit(struct wr *o, const struct sink_homekit *h)
{
	metric_head(o, "mi32_homekit_paired", "gauge", "1 when a HomeKit controller is paired.");
	wr_printf(o, "mi32_homekit_paired %d\n", h->paired);
	metric_head(o, "mi32_homekit_controllers", "gauge", "HomeKit pairings kept.");
	wr_printf(o, "mi32_homekit_controllers %u\n", h->controllers);
	metric_head(o, "mi32_homekit_connections", "gauge", "HomeKit controllers connected now.");
	wr_printf(o, "mi32_homekit_connections %u\n", h->connections);
	metric_head(o, "mi32_homekit_accessories", "gauge",
		    "Sensors bridged to HomeKit (the bridge not counted).");
	wr_printf(o, "mi32_homekit_accessories %u\n", h->accessories);
	metric_head(o, "mi32_homekit_config_number", "gauge",
		    "HomeKit configuration number (c#): rises when the accessories change.");
	wr_printf(o, "mi32_homekit_config_number %u\n", h->config_number);
	metric_head(o, "mi32_homekit_mdns_announced", "gauge",
		    "1 while avahi-daemon announces the bridge (_hap._tcp).");
	wr_printf(o, "mi32_homekit_mdns_announced %d\n", h->announced);
}

/* The scripts: errors, slow and stopped calls, memory, per script. */
static void metrics_scripts(struct wr *o, const struct scripts *h)
{
	static const struct {
		const char *name, *type, *help;
	} m[] = {
		{ "mi32_script_errors_total", "counter",
		  "Errors of a script (compile, run, callbacks), each logged with file:line." },
		{ "mi32_script_slow_calls_total", "counter",
		  "Calls into a script that took longer than script-slow." },
		{ "mi32_script_timeouts_total", "counter",
		  "Calls into a script stopped at script-timeout (endless loops)." },
		{ "mi32_script_memory_bytes", "gauge", "Memory a script's state holds." },
		{ "mi32_script_stopped", "gauge",
		  "1 when a script's callbacks were stopped after errors in a row." },
	};

	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		metric_head(o, m[k].name, m[k].type, m[k].help);
		for (size_t i = 0; i < scripts_count(h); i++) {
			const struct script *s = scripts_at(h, i);
			const struct script_stats *st = script_stats(s);
			uint64_t v[] = { st->errors, st->slow, st->timeouts, st->mem, st->stopped };
			char name[160];

			label_escape(script_name(s), name, sizeof(name));
			wr_printf(o, "%s{script=\"%s\"} %llu\n", m[k].name, name,
			     (unsigned long long)v[k]);
		}
	}
}

int web_metrics(const struct store *st, const struct web_node *n, uint64_t now_us, char *buf,
		size_t size)
{
	const struct store_stats *s = store_stats(st);
	struct wr o = wr_init((uint8_t *)buf, size);
	unsigned int count = store_sensor_count(st);
	static const struct {
		const char *reason;
		size_t off;
	} reasons[] = {
		{ "malformed", offsetof(struct store_stats, malformed) },
		{ "no_key", offsetof(struct store_stats, no_key) },
		{ "wrong_key", offsetof(struct store_stats, wrong_key) },
		{ "unsupported", offsetof(struct store_stats, unsupported) },
		{ "duplicate", offsetof(struct store_stats, duplicates) },
		{ "replay", offsetof(struct store_stats, replays) },
		{ "not_sensor", offsetof(struct store_stats, not_sensor) },
		{ "dropped_cap", offsetof(struct store_stats, dropped_cap) },
		{ "filtered", offsetof(struct store_stats, filtered) },
	};

	(void)now_us; /* uptime comes from @n; kept for per-sensor ages later */
	if (!size)
		return -ENOSPC;
	metric_head(&o, "mi32_adverts_received_total", "counter", "Advertisements received.");
	wr_printf(&o, "mi32_adverts_received_total %llu\n", (unsigned long long)s->adverts);
	metric_head(&o, "mi32_adverts_decoded_total", "counter",
		    "Sensor frames decoded and accepted.");
	wr_printf(&o, "mi32_adverts_decoded_total %llu\n", (unsigned long long)s->decoded);
	metric_head(&o, "mi32_generic_sightings_total", "counter",
		    "Generic BLE device sightings accepted.");
	wr_printf(&o, "mi32_generic_sightings_total %llu\n", (unsigned long long)s->generic);
	metric_head(&o, "mi32_adverts_rejected_total", "counter",
		    "Advertisements not accepted, by reason.");
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		wr_printf(&o, "mi32_adverts_rejected_total{reason=\"%s\"} %llu\n", reasons[i].reason,
		     (unsigned long long)*(const uint64_t *)((const char *)s + reasons[i].off));
	metric_head(&o, "mi32_decode_errors_total", "counter",
		    "Decode errors (malformed, no key, wrong key, unsupported).");
	wr_printf(&o, "mi32_decode_errors_total %llu\n", (unsigned long long)decode_errors(s));
	metric_head(&o, "mi32_sensors", "gauge", "Sensors in the list.");
	wr_printf(&o, "mi32_sensors %u\n", count);
	metric_head(&o, "mi32_mqtt_enabled", "gauge", "1 when an MQTT broker is configured.");
	wr_printf(&o, "mi32_mqtt_enabled{broker=\"%s\"} %d\n",
	     n->mqtt && strcmp(n->mqtt, "off") ? n->mqtt : "", n->mqtt && strcmp(n->mqtt, "off"));
	metric_head(&o, "mi32_mqtt_connected", "gauge", "1 while connected to the broker.");
	wr_printf(&o, "mi32_mqtt_connected %d\n", n->mqtt_connected > 0);
	metric_head(&o, "mi32_mqtt_pending", "gauge",
		    "Messages handed to libmosquitto and not yet written (bounded).");
	wr_printf(&o, "mi32_mqtt_pending %u\n", n->mqtt_pending);
	metric_head(&o, "mi32_mqtt_dropped_total", "counter",
		    "SENSOR messages dropped: queue full while the broker was away or stalled.");
	wr_printf(&o, "mi32_mqtt_dropped_total %llu\n", (unsigned long long)n->mqtt_dropped);
	metric_head(&o, "mi32_uptime_seconds", "gauge", "Seconds since the daemon started.");
	wr_printf(&o, "mi32_uptime_seconds %llu\n", (unsigned long long)n->uptime_s);
	if (n->has_radio)
		metrics_radio(&o, &n->radio);
	if (n->has_homekit)
		metrics_homekit(&o, &n->homekit);
	if (n->scripts)
		metrics_scripts(&o, n->scripts);

	metric_head(&o, "mi32_sensor_last_seen_timestamp_seconds", "gauge",
		    "Unix time of the last accepted frame (0 = never since start).");
	for (int pass = 0; pass < 3; pass++) {
		if (pass == 1)
			metric_head(&o, "mi32_sensor_rssi_dbm", "gauge",
				    "RSSI of the last accepted frame.");
		if (pass == 2)
			metric_head(&o, "mi32_sensor_value", "gauge",
				    "Latest value of each reading of each sensor.");
		for (unsigned int i = 0; i < count; i++) {
			const struct sensor *se = store_sensor(st, i);
			char name[96], esc[200], mac[13];
			struct reading r[48];
			size_t nr;

			sensor_json_key(se, name, sizeof(name));
			label_escape(name, esc, sizeof(esc));
			hex_encode(sensor_mac(se), 6, mac, 1);
			if (pass == 0) {
				wr_printf(&o, "mi32_sensor_last_seen_timestamp_seconds{sensor=\"%s\","
					 "mac=\"%s\"} %llu\n", esc, mac,
				     (unsigned long long)(sensor_last_us(se) / 1000000u));
				continue;
			}
			if (pass == 1) {
				if (sensor_rssi(se))
					wr_printf(&o, "mi32_sensor_rssi_dbm{sensor=\"%s\",mac=\"%s\"} %d\n",
					     esc, mac, sensor_rssi(se));
				continue;
			}
			nr = sensor_values(se, r, sizeof(r) / sizeof(r[0]));
			for (size_t k = 0; k < nr; k++) {
				const struct reading_info *ri = reading_info(r[k].type);
				char key[64];

				if (!ri || !ri->key || (ri->flags & READING_F_EVENT) ||
				    !isfinite(r[k].value))
					continue;
				reading_key(&r[k], key, sizeof(key));
				wr_printf(&o, "mi32_sensor_value{sensor=\"%s\",mac=\"%s\",reading=\"%s\"} "
					 "%.*f\n", esc, mac, key, r[k].decimals, r[k].value);
			}
		}
	}
	return wr_ok(&o) ? (int)wr_len(&o) : -ENOSPC;
}

/* ---- mi32cfg editor ------------------------------------------------------------------------ */

static void json_entry(struct jw *w, const struct mi32cfg_entry *e, bool show_keys,
		       const char *error)
{
	const struct device_info *dev = registry_find(e->pid);
	char buf[40];

	jw_obj_begin(w);
	jw_key(w, "mac");
	jw_hex(w, e->mac, 6, true);
	snprintf(buf, sizeof(buf), "%04x", e->pid);
	jw_key(w, "pid");
	jw_str(w, buf);
	if (dev)
		snprintf(buf, sizeof(buf), "%s", dev->type);
	else if (e->pid == PID_GENERIC)
		snprintf(buf, sizeof(buf), "generic (IRK)");
	else
		snprintf(buf, sizeof(buf), "MI_%04X", e->pid);
	jw_key(w, "type");
	jw_str(w, buf);
	jw_key(w, "key");
	if (e->has_key && show_keys)
		jw_hex(w, e->key, 16, true);
	else if (e->has_key)
		jw_null(w);
	else
		jw_str(w, "");
	jw_key(w, "has_key");
	jw_bool(w, e->has_key);
	jw_key(w, "name");
	jw_str(w, e->has_name ? e->name : "");
	jw_key(w, "feat");
	if (e->has_feat)
		jw_uint(w, e->feat);
	else
		jw_null(w);
	if (error) {
		jw_key(w, "error");
		jw_str(w, error);
	}
	jw_obj_end(w);
}

/* A row that did not parse: its MAC, PID and name as written, and why. */
static void raw_row(struct jw *w, const struct mi32cfg_row *row)
{
	jw_obj_begin(w);
	jw_key(w, "mac");
	jw_str(w, row->mac);
	jw_key(w, "pid");
	jw_str(w, row->pid);
	jw_key(w, "type");
	jw_str(w, "?");
	jw_key(w, "key");
	jw_str(w, "");
	jw_key(w, "has_key");
	jw_bool(w, false);
	jw_key(w, "name");
	jw_str(w, row->name);
	jw_key(w, "feat");
	jw_null(w);
	jw_key(w, "error");
	jw_str(w, row->error);
	jw_obj_end(w);
}

struct rows_ctx {
	struct jw *w;
	bool show_keys;
};

static void on_row(void *ud, const struct mi32cfg_row *row)
{
	struct rows_ctx *rc = ud;

	if (row->entry)
		json_entry(rc->w, row->entry, rc->show_keys, NULL);
	else
		raw_row(rc->w, row);
}

int web_json_cfg(const struct mi32cfg *cfg, bool show_keys, struct jw *w)
{
	size_t n = mi32cfg_count(cfg);
	char *out = NULL;
	int r = 0;

	jw_obj_begin(w);
	jw_key(w, "ok");
	jw_bool(w, true);
	jw_key(w, "rows");
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		json_entry(w, mi32cfg_get(cfg, i), show_keys, NULL);
	jw_arr_end(w);
	if (show_keys) {
		r = mi32cfg_format(cfg, &out, NULL);
		if (r == 0) {
			jw_key(w, "text");
			jw_str(w, out);
		}
		free(out);
	}
	jw_obj_end(w);
	return r;
}

int web_json_cfg_check(const char *text, size_t len, bool show_keys, struct jw *w)
{
	struct mi32cfg *cfg = NULL;
	char err[MI32CFG_ERR_LEN];
	struct rows_ctx rc = { w, show_keys };
	int r = mi32cfg_parse(text, len, &cfg, err);

	if (r == 0) {
		r = web_json_cfg(cfg, show_keys, w);
		mi32cfg_free(cfg);
		return r;
	}
	jw_obj_begin(w);
	if (r == -ENOMEM) {
		jw_obj_end(w);
		return r;
	}
	/* refused: say which rows are wrong, each checked on its own */
	jw_key(w, "ok");
	jw_bool(w, false);
	jw_key(w, "error");
	jw_str(w, err);
	jw_key(w, "rows");
	jw_arr_begin(w);
	r = mi32cfg_rows(text, len, on_row, &rc);
	jw_arr_end(w);
	jw_obj_end(w);
	return r == -ENOMEM ? r : -EBADMSG;
}

void web_json_types(struct jw *w)
{
	size_t n;
	const struct device_info *d = registry_all(&n);
	char pid[8];

	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		jw_obj_begin(w);
		snprintf(pid, sizeof(pid), "%04x", d[i].pid);
		jw_key(w, "pid");
		jw_str(w, pid);
		jw_key(w, "type");
		jw_str(w, d[i].type ? d[i].type : "");
		jw_key(w, "model");
		jw_str(w, d[i].model ? d[i].model : "");
		jw_key(w, "vendor");
		jw_str(w, d[i].vendor ? d[i].vendor : "");
		jw_key(w, "key");
		jw_bool(w, d[i].feat & MI_FEAT_NEEDS_KEY);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}
