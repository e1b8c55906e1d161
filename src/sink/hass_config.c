/* SPDX-License-Identifier: MIT */
/* hass_config.c — the JSON of each discovery config: sensor, binary_sensor, event + device
 * triggers, number (knob), device_tracker, this node's RSSI diagnostic, the node and the
 * hub. Which entities a sensor has is hass_entity.c's; nothing here keeps state. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/sensor.h"
#include "store/store.h"
#include "util/jw.h"
#include "sink/hass.h"
#include "sink/hass_int.h"

/* Tasmota's MI32 button values (SPEC §3.3, reading.h): 1 single, 2 double, 3 hold, ... */
static const char *const button_events[] = { "single", "double", "long", "triple",
					     "long_double", "long_triple", "release" };
/* disco.be's device triggers (SPEC §12.2), kept so migrated automations still fire */
static const struct {
	const char *name, *type, *payload;
} triggers[] = {
	{ "short", "button_short_press", "1" },
	{ "double", "button_double_press", "2" },
	{ "long", "button_long_press", "3" },
};

#define MOTION_OFF_DELAY_S 30 /* disco.be's off_dly: Motion:0 may never come */


struct out {
	const struct hass_ctx *ctx;
	hass_emit_fn emit;
	void *ud;
	int count;
	int err;
	char topic[HASS_TOPIC_MAX];
	char buf[HASS_PAYLOAD_MAX];
	struct jw w;
};

static void kv(struct jw *w, const char *k, const char *v)
{
	jw_key(w, k);
	jw_str(w, v);
}

static void origin(struct out *o)
{
	jw_key(&o->w, "origin");
	jw_obj_begin(&o->w);
	kv(&o->w, "name", "mi32");
	kv(&o->w, "sw_version", o->ctx->version ? o->ctx->version : "");
	jw_obj_end(&o->w);
}

static const char *manufacturer(const struct sensor *s)
{
	const struct device_info *d = sensor_device(s);

	switch (sensor_pid(s)) {
	case PID_ATC:
		return "ATC1441 custom firmware";
	case PID_PVVX:
		return "pvvx custom firmware";
	case PID_GENERIC:
		return "Bluetooth LE";
	default:
		return d ? d->vendor : "Xiaomi";
	}
}

/* Opens the "device" object of a discovery config with its one identifier; the caller adds
 * the rest and closes it. */
static void device_begin(struct out *o, const char *id)
{
	jw_key(&o->w, "device");
	jw_obj_begin(&o->w);
	jw_key(&o->w, "identifiers");
	jw_arr_begin(&o->w);
	jw_str(&o->w, id);
	jw_arr_end(&o->w);
}

/* The HA device of a BLE sensor: identical from every node, so entities published by
 * several nodes land on one device. The identifier is the MAC as mi32cfg writes it, as
 * disco.be did, so a migrated device keeps its id, area and automations. */
static void device(struct out *o, const struct sensor *s)
{
	const uint8_t *m = sensor_mac(s);
	const struct device_info *d = sensor_device(s);
	char id[13], mac[18], name[KEY_MAX], model[16];

	snprintf(id, sizeof(id), "%02X%02X%02X%02X%02X%02X", m[0], m[1], m[2], m[3], m[4], m[5]);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		 m[4], m[5]);
	sensor_json_key(s, name, sizeof(name));
	device_begin(o, id);
	jw_key(&o->w, "connections");
	jw_arr_begin(&o->w);
	jw_arr_begin(&o->w);
	jw_str(&o->w, "mac");
	jw_str(&o->w, mac);
	jw_arr_end(&o->w);
	jw_arr_end(&o->w);
	kv(&o->w, "name", name);
	if (d) {
		kv(&o->w, "model", d->model);
		kv(&o->w, "model_id", d->type);
	} else {
		if (sensor_pid(s) == PID_GENERIC)
			snprintf(model, sizeof(model), "BLE device");
		else
			snprintf(model, sizeof(model), "MI_%04X", sensor_pid(s));
		kv(&o->w, "model", model);
	}
	kv(&o->w, "manufacturer", manufacturer(s));
	if (sensor_firmware(s))
		kv(&o->w, "sw_version", sensor_firmware(s));
	kv(&o->w, "via_device", HASS_HUB_ID);
	jw_obj_end(&o->w);
}

/* The sensor's own state topic, from whichever node heard it (hass.c publish_state). */
static void shared_state(struct out *o, const char *macid)
{
	char t[64];

	snprintf(t, sizeof(t), "tele/+/%s/SENSOR", macid);
	kv(&o->w, "state_topic", t);
}

static void shared_availability(struct out *o, const char *macid)
{
	char t[64];

	snprintf(t, sizeof(t), "tele/+/%s/availability", macid);
	kv(&o->w, "availability_topic", t);
}

/* Jinja string literal contents: a JSON key may hold ' or \ (a name override) */
static void jinja_escape(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in && n + 2 < size; in++) {
		if (*in == '\'' || *in == '\\')
			out[n++] = '\\';
		out[n++] = *in;
	}
	out[n] = '\0';
}

/* The value of field @field of this sensor's object in a SENSOR message, or '' when the
 * message does not carry it: HA ignores an empty result (sensor, binary_sensor, event,
 * device trigger), so a message about other sensors leaves the state as it was. */
static void value_template(const struct sensor *s, const char *field, char *out, size_t size)
{
	char key[KEY_MAX], ek[2 * KEY_MAX], ef[64];

	sensor_json_key(s, key, sizeof(key));
	jinja_escape(key, ek, sizeof(ek));
	jinja_escape(field, ef, sizeof(ef));
	snprintf(out, size,
		 "{%% set s = value_json['%s'] | default({}) %%}"
		 "{{ s['%s'] if s['%s'] is defined else '' }}",
		 ek, ef, ef);
}

static int finish(struct out *o)
{
	if (o->err)
		return o->err;
	if (jw_finish(&o->w) < 0) {
		o->err = -ENOSPC;
		return o->err;
	}
	o->err = o->emit(o->ud, o->topic, o->buf);
	if (o->err < 0)
		return o->err;
	o->err = 0;
	o->count++;
	return 0;
}

/* topic <prefix>/<component>/<node_id>/<object>/config and the common head */
static void begin(struct out *o, const char *component, const char *node_id, const char *object)
{
	snprintf(o->topic, sizeof(o->topic), "%s/%s/%s/%s/config", o->ctx->prefix, component,
		 node_id, object);
	jw_init(&o->w, o->buf, sizeof(o->buf));
	jw_obj_begin(&o->w);
}

/* The features disco.be announced, by its names (SPEC §12.2). */
static const char *disco_feature(unsigned int type)
{
	switch (type) {
	case READING_TEMPERATURE:
		return "Temperature";
	case READING_HUMIDITY:
		return "Humidity";
	case READING_BATTERY:
		return "Battery";
	case READING_ILLUMINANCE:
		return "Illuminance";
	case READING_MOTION:
		return "Motion";
	case READING_DOOR:
		return "Door";
	case READING_LEAK:
		return "Leak";
	case READING_HOLD:
		return "Hold";
	case READING_DIMMER:
		return "Dimmer";
	default:
		return NULL;
	}
}

/* With --hass-unique-ids disco, disco.be's id where it had the entity:
 * "<TYPE>-<last 3 MAC bytes in lower-case hex>.<Feature>" ("LYWSD03-a1b204.Temperature"),
 * so Home Assistant keeps the entity, its entity_id and its history. Else (and for what
 * disco.be never announced) ours, mi32_<mac>_<object>. */
static void entity_uid(struct out *o, const struct sensor *s, const char *macid,
		       const char *object, unsigned int type)
{
	const struct device_info *d = sensor_device(s);
	const char *f = o->ctx->disco_ids && d ? disco_feature(type) : NULL;
	const uint8_t *m = sensor_mac(s);
	char u[128];

	if (!f) {
		snprintf(u, sizeof(u), "mi32_%s_%s", macid, object);
	} else {
		snprintf(u, sizeof(u), "%s-%02x%02x%02x.%s", d->type, m[3], m[4], m[5], f);
	}
	kv(&o->w, "unique_id", u);
}

static void uid(struct out *o, const char *macid, const char *object)
{
	char u[128];

	snprintf(u, sizeof(u), "mi32_%s_%s", macid, object);
	kv(&o->w, "unique_id", u);
}

static void end(struct out *o, const struct sensor *s)
{
	device(o, s);
	origin(o);
	jw_obj_end(&o->w);
	finish(o);
}

/* ---- per-kind configs ------------------------------------------------------------------ */

static void ent_name(const struct hass__ent *e, const char *pretty, char *out, size_t size)
{
	struct reading r = { e->type, e->index, 0, 0 };
	char key[48];

	if (e->type == READING_BUTTON) {
		snprintf(out, size, "Button %u", e->index);
		return;
	}
	reading_key(&r, key, sizeof(key));
	if (pretty && e->index > 1)
		snprintf(out, size, "%s %u", pretty, e->index);
	else
		snprintf(out, size, "%s", pretty ? pretty : key);
}

static void sensor_entity(struct out *o, const struct sensor *s, const char *nid,
			  const char *macid, const struct hass__ent *e)
{
	const struct hass__ent_info *ei = &hass__sensors[e->type];
	const char *unit = ei->unit ? ei->unit : reading_info(e->type)->unit;
	struct reading r = { e->type, e->index, 0, 0 };
	char key[48], obj[48], name[64], tpl[512];

	reading_key(&r, key, sizeof(key));
	hass__id_part(key, obj, sizeof(obj));
	ent_name(e, ei->name, name, sizeof(name));
	value_template(s, key, tpl, sizeof(tpl));
	begin(o, "sensor", nid, obj);
	kv(&o->w, "name", name);
	entity_uid(o, s, macid, obj, e->index > 1 ? READING__MAX : e->type);
	shared_state(o, macid);
	kv(&o->w, "value_template", tpl);
	if (ei->dev_cla)
		kv(&o->w, "device_class", ei->dev_cla);
	if (ei->stat_cla)
		kv(&o->w, "state_class", ei->stat_cla);
	if (unit && *unit)
		kv(&o->w, "unit_of_measurement", unit);
	if (ei->flags & E_PREC0) {
		jw_key(&o->w, "suggested_display_precision");
		jw_int(&o->w, 0);
	}
	if (ei->icon)
		kv(&o->w, "icon", ei->icon);
	if (ei->flags & E_DIAG)
		kv(&o->w, "entity_category", "diagnostic");
	shared_availability(o, macid);
	end(o, s);
}

static void binary_entity(struct out *o, const struct sensor *s, const char *nid,
			  const char *macid, const struct hass__ent *e)
{
	struct reading r = { e->type, e->index, 0, 0 };
	char key[48], obj[48], name[64], tpl[512];

	reading_key(&r, key, sizeof(key));
	hass__id_part(key, obj, sizeof(obj));
	ent_name(e, e->type == READING_DOOR ? "Door" : NULL, name, sizeof(name));
	value_template(s, key, tpl, sizeof(tpl));
	begin(o, "binary_sensor", nid, obj);
	kv(&o->w, "name", name);
	entity_uid(o, s, macid, obj, e->index > 1 ? READING__MAX : e->type);
	shared_state(o, macid);
	kv(&o->w, "value_template", tpl);
	kv(&o->w, "payload_on", "1");
	kv(&o->w, "payload_off", "0");
	if (hass__binaries[e->type] && hass__binaries[e->type][0])
		kv(&o->w, "device_class", hass__binaries[e->type]);
	if (e->type == READING_MOTION) {
		jw_key(&o->w, "off_delay");
		jw_int(&o->w, MOTION_OFF_DELAY_S);
	}
	shared_availability(o, macid);
	end(o, s);
}

static void button_entities(struct out *o, const struct sensor *s, const char *nid,
			    const char *macid, const struct hass__ent *e)
{
	char key[KEY_MAX], ek[2 * KEY_MAX], field[16], obj[32], name[32], tpl[640];

	snprintf(field, sizeof(field), "Button%u", e->index);
	snprintf(obj, sizeof(obj), "button%u", e->index);
	snprintf(name, sizeof(name), "Button %u", e->index);
	sensor_json_key(s, key, sizeof(key));
	jinja_escape(key, ek, sizeof(ek));
	/* an event entity: the template yields {"event_type":"double"} or '' */
	snprintf(tpl, sizeof(tpl),
		 "{%% set s = value_json['%s'] | default({}) %%}"
		 "{%% set b = s['%s'] | default(0) | int(0) %%}"
		 "{{ '{\"event_type\":\"' ~ ['single','double','long','triple','long_double',"
		 "'long_triple','release'][b - 1] ~ '\"}' if 1 <= b <= 7 else '' }}",
		 ek, field);
	begin(o, "event", nid, obj);
	kv(&o->w, "name", name);
	uid(o, macid, obj);
	shared_state(o, macid);
	kv(&o->w, "value_template", tpl);
	jw_key(&o->w, "event_types");
	jw_arr_begin(&o->w);
	for (size_t i = 0; i < sizeof(button_events) / sizeof(button_events[0]); i++)
		jw_str(&o->w, button_events[i]);
	jw_arr_end(&o->w);
	kv(&o->w, "device_class", "button");
	shared_availability(o, macid);
	end(o, s);
	if (o->err)
		return;
	/* device triggers as disco.be named them: automations made on them keep working */
	value_template(s, field, tpl, sizeof(tpl));
	for (size_t i = 0; i < sizeof(triggers) / sizeof(triggers[0]) && !o->err; i++) {
		char tobj[48];

		snprintf(tobj, sizeof(tobj), "button%u_%s", e->index, triggers[i].name);
		begin(o, "device_automation", nid, tobj);
		kv(&o->w, "automation_type", "trigger");
		snprintf(tobj, sizeof(tobj), "tele/+/%s/SENSOR", macid);
		kv(&o->w, "topic", tobj);
		kv(&o->w, "type", triggers[i].type);
		kv(&o->w, "subtype", obj);
		kv(&o->w, "payload", triggers[i].payload);
		kv(&o->w, "value_template", tpl);
		end(o, s);
	}
}

/* YLKG07/08: the node adds the relative steps into a 0..100 position (SPEC §12.2) */
static void knob_entity(struct out *o, const struct sensor *s, const char *nid,
			const char *macid)
{
	char t[64];

	begin(o, "number", nid, "knob");
	kv(&o->w, "name", "Knob");
	entity_uid(o, s, macid, "knob", READING_DIMMER);
	snprintf(t, sizeof(t), "tele/+/%s/knob", macid);
	kv(&o->w, "state_topic", t);
	snprintf(t, sizeof(t), "mi32/%s/knob/set", macid);
	kv(&o->w, "command_topic", t);
	jw_key(&o->w, "min");
	jw_int(&o->w, 0);
	jw_key(&o->w, "max");
	jw_int(&o->w, 100);
	jw_key(&o->w, "step");
	jw_int(&o->w, 1);
	kv(&o->w, "mode", "slider");
	kv(&o->w, "icon", "mdi:knob");
	shared_availability(o, macid);
	end(o, s);
}

static void presence_entity(struct out *o, const struct sensor *s, const char *nid,
			    const char *macid)
{
	char t[64];

	snprintf(t, sizeof(t), "tele/+/%s/presence", macid);
	if (hass_is_tracker(s)) {
		begin(o, "device_tracker", nid, "tracker");
		jw_key(&o->w, "name");
		jw_null(&o->w);
		uid(o, macid, "tracker");
		kv(&o->w, "state_topic", t);
		kv(&o->w, "value_template", "{{ 'home' if value_json.best else 'not_home' }}");
		kv(&o->w, "source_type", "bluetooth_le");
		kv(&o->w, "json_attributes_topic", t);
		end(o, s);
		return;
	}
	begin(o, "sensor", nid, "nearest");
	kv(&o->w, "name", "Nearest node");
	uid(o, macid, "nearest");
	kv(&o->w, "state_topic", t);
	kv(&o->w, "value_template", "{{ value_json.best if value_json.best else 'None' }}");
	kv(&o->w, "json_attributes_topic", t);
	kv(&o->w, "icon", "mdi:map-marker-radius");
	kv(&o->w, "entity_category", "diagnostic");
	end(o, s);
}

/* this node's RSSI for the sensor: "→ <node>", on the sensor's device */
static void rssi_entity(struct out *o, const struct sensor *s, const char *nid,
			const char *macid)
{
	const char *node = o->ctx->node;
	char obj[80], nodeid[72], name[80], t[HASS_TOPIC_MAX], tpl[512];

	hass__id_part(node, nodeid, sizeof(nodeid));
	snprintf(obj, sizeof(obj), "rssi_%s", nodeid);
	snprintf(name, sizeof(name), "\u2192 %s", node);
	value_template(s, "RSSI", tpl, sizeof(tpl));
	begin(o, "sensor", nid, obj);
	kv(&o->w, "name", name);
	uid(o, macid, obj);
	snprintf(t, sizeof(t), "tele/%s/%s/SENSOR", node, macid);
	kv(&o->w, "state_topic", t);
	kv(&o->w, "value_template", tpl);
	kv(&o->w, "device_class", "signal_strength");
	kv(&o->w, "state_class", "measurement");
	kv(&o->w, "unit_of_measurement", "dBm");
	kv(&o->w, "icon", "mdi:bluetooth");
	kv(&o->w, "entity_category", "diagnostic");
	snprintf(t, sizeof(t), "tele/%s/%s/presence", node, macid);
	kv(&o->w, "json_attributes_topic", t);
	jw_key(&o->w, "availability");
	jw_arr_begin(&o->w);
	jw_obj_begin(&o->w);
	snprintf(t, sizeof(t), "tele/%s/LWT", node);
	kv(&o->w, "topic", t);
	kv(&o->w, "payload_available", "Online");
	kv(&o->w, "payload_not_available", "Offline");
	jw_obj_end(&o->w);
	jw_obj_begin(&o->w);
	snprintf(t, sizeof(t), "tele/%s/%s/rssi", node, macid);
	kv(&o->w, "topic", t);
	kv(&o->w, "value_template", "{{ 'online' if value_json.online else 'offline' }}");
	jw_obj_end(&o->w);
	jw_arr_end(&o->w);
	kv(&o->w, "availability_mode", "all");
	end(o, s);
}

/* A fresh writer for the configs of sensor @s: its mac id and HA node id. */
static struct out *sensor_out(const struct hass_ctx *ctx, const struct sensor *s,
			      hass_emit_fn emit, void *ud, char macid[13], char nid[20])
{
	static struct out o; /* 4 kB; single-threaded daemon */

	memset(&o, 0, offsetof(struct out, topic));
	o.ctx = ctx;
	o.emit = emit;
	o.ud = ud;
	hass_mac_id(sensor_mac(s), macid);
	snprintf(nid, 20, "mi32_%s", macid);
	return &o;
}

int hass_sensor_rssi_config(const struct hass_ctx *ctx, const struct sensor *s,
			    hass_emit_fn emit, void *ud)
{
	char macid[13], nid[20];
	struct out *o = sensor_out(ctx, s, emit, ud, macid, nid);

	rssi_entity(o, s, nid, macid);
	return o->err < 0 ? o->err : o->count;
}

int hass_sensor_configs(const struct hass_ctx *ctx, const struct sensor *s, bool heard,
			hass_emit_fn emit, void *ud)
{
	struct hass__ent e[ENT_MAX];
	char macid[13], nid[20];
	struct out *o = sensor_out(ctx, s, emit, ud, macid, nid);
	size_t n = hass__entities(s, e);

	for (size_t i = 0; i < n && !o->err; i++) {
		unsigned int t = e[i].type;

		if (t == READING_BUTTON)
			button_entities(o, s, nid, macid, &e[i]);
		else if (t == READING_DIMMER)
			knob_entity(o, s, nid, macid);
		else if (reading_info(t)->flags & READING_F_BINARY)
			binary_entity(o, s, nid, macid, &e[i]);
		else if (t < READING__MAX && !(hass__sensors[t].flags & E_SKIP) &&
			 (hass__sensors[t].dev_cla || hass__sensors[t].stat_cla || hass__sensors[t].flags ||
			  hass__sensors[t].icon))
			sensor_entity(o, s, nid, macid, &e[i]);
	}
	if (!o->err)
		presence_entity(o, s, nid, macid);
	if (!o->err && heard)
		rssi_entity(o, s, nid, macid);
	return o->err < 0 ? o->err : o->count;
}

/* ---- the node and the hub ------------------------------------------------------------ */

static void hub_device(struct out *o)
{
	device_begin(o, HASS_HUB_ID);
	kv(&o->w, "name", "mi32 BLE hub");
	kv(&o->w, "model", "BLE hub");
	kv(&o->w, "manufacturer", "mi32");
	jw_obj_end(&o->w);
}

static void node_device(struct out *o, const char *nodeid)
{
	char id[96];

	snprintf(id, sizeof(id), "mi32_node_%s", nodeid);
	device_begin(o, id);
	kv(&o->w, "name", o->ctx->node);
	kv(&o->w, "model", "mi32 node");
	kv(&o->w, "manufacturer", "mi32");
	kv(&o->w, "sw_version", o->ctx->version ? o->ctx->version : "");
	kv(&o->w, "via_device", HASS_HUB_ID);
	jw_obj_end(&o->w);
}

static void node_lwt(struct out *o)
{
	char t[HASS_TOPIC_MAX];

	snprintf(t, sizeof(t), "tele/%s/LWT", o->ctx->node);
	kv(&o->w, "availability_topic", t);
	kv(&o->w, "payload_available", "Online");
	kv(&o->w, "payload_not_available", "Offline");
}

/* The radio: scanning / paused / down, with the adapter, duty cycle, restart counters and
 * the reason (with its fix) as attributes. A dead radio shows in HA (issue 17 #1). */
static void radio_entity(struct out *o, const char *nid, const char *nodeid)
{
	char t[HASS_TOPIC_MAX], u[128];

	begin(o, "sensor", nid, "radio");
	kv(&o->w, "name", "Radio");
	snprintf(u, sizeof(u), "%s_radio", nid);
	kv(&o->w, "unique_id", u);
	snprintf(t, sizeof(t), "tele/%s/NODE", o->ctx->node);
	kv(&o->w, "state_topic", t);
	kv(&o->w, "value_template", "{{ value_json.Radio }}");
	kv(&o->w, "json_attributes_topic", t);
	kv(&o->w, "json_attributes_template", "{{ value_json.RadioInfo | tojson }}");
	kv(&o->w, "device_class", "enum");
	jw_key(&o->w, "options");
	jw_arr_begin(&o->w);
	jw_str(&o->w, "starting");
	jw_str(&o->w, "scanning");
	jw_str(&o->w, "paused");
	jw_str(&o->w, "down");
	jw_arr_end(&o->w);
	kv(&o->w, "icon", "mdi:bluetooth-settings");
	kv(&o->w, "entity_category", "diagnostic");
	node_lwt(o);
	node_device(o, nodeid);
	origin(o);
	jw_obj_end(&o->w);
	finish(o);
}

int hass_node_configs(const struct hass_ctx *ctx, hass_emit_fn emit, void *ud)
{
	static const struct {
		const char *obj, *name, *field, *dev_cla, *unit, *icon;
		bool diag;
	} stats[] = {
		{ "adverts", "Adverts per second", "AdvertsPerSec", NULL, "adverts/s",
		  "mdi:bluetooth-audio", false },
		{ "sensors", "Sensors heard", "Heard", NULL, NULL, "mdi:thermometer-bluetooth",
		  false },
		{ "uptime", "Uptime", "UptimeSec", "duration", "s", NULL, true },
	};
	static struct out o;
	char nodeid[72], nid[96], t[HASS_TOPIC_MAX], u[128], tpl[96];

	memset(&o, 0, offsetof(struct out, topic));
	o.ctx = ctx;
	o.emit = emit;
	o.ud = ud;
	hass__id_part(ctx->node, nodeid, sizeof(nodeid));
	snprintf(nid, sizeof(nid), "mi32_node_%s", nodeid);

	/* the hub lists the nodes: one connectivity entity each, from its LWT */
	begin(&o, "binary_sensor", HASS_HUB_ID, nodeid);
	kv(&o.w, "name", ctx->node);
	snprintf(u, sizeof(u), "mi32_hub_%s", nodeid);
	kv(&o.w, "unique_id", u);
	snprintf(t, sizeof(t), "tele/%s/LWT", ctx->node);
	kv(&o.w, "state_topic", t);
	kv(&o.w, "payload_on", "Online");
	kv(&o.w, "payload_off", "Offline");
	kv(&o.w, "device_class", "connectivity");
	hub_device(&o);
	origin(&o);
	jw_obj_end(&o.w);
	finish(&o);

	for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]) && !o.err; i++) {
		begin(&o, "sensor", nid, stats[i].obj);
		kv(&o.w, "name", stats[i].name);
		snprintf(u, sizeof(u), "%s_%s", nid, stats[i].obj);
		kv(&o.w, "unique_id", u);
		snprintf(t, sizeof(t), "tele/%s/NODE", ctx->node);
		kv(&o.w, "state_topic", t);
		snprintf(tpl, sizeof(tpl), "{{ value_json.%s }}", stats[i].field);
		kv(&o.w, "value_template", tpl);
		if (stats[i].dev_cla)
			kv(&o.w, "device_class", stats[i].dev_cla);
		kv(&o.w, "state_class", "measurement");
		if (stats[i].unit)
			kv(&o.w, "unit_of_measurement", stats[i].unit);
		if (stats[i].icon)
			kv(&o.w, "icon", stats[i].icon);
		if (stats[i].diag)
			kv(&o.w, "entity_category", "diagnostic");
		node_lwt(&o);
		node_device(&o, nodeid);
		origin(&o);
		jw_obj_end(&o.w);
		finish(&o);
	}
	if (ctx->radio && !o.err)
		radio_entity(&o, nid, nodeid);
	return o.err < 0 ? o.err : o.count;
}
