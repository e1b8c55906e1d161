/* SPDX-License-Identifier: MIT */
/* hass.c — Home Assistant discovery at run time: announces (hass_entity.c writes the
 * payloads), learns each sensor's advertising interval for its availability, keeps this
 * node's smoothed RSSI per sensor, and agrees with the other nodes on the broker which node
 * hears each sensor best. Every node computes the same consensus from the same retained
 * topics, so the shared entities of a sensor read `tele/+/<mac>/...` whoever wrote it.
 * Not here: the MQTT connection (mqtt.c) and the SENSOR JSON (store/report.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <systemd/sd-event.h>

#include "store/report.h"
#include "store/sensor.h"
#include "store/store.h"
#include "util/jw.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "sink/hass.h"
#include "sink/hass_int.h"
#include "sink/mqtt.h"

/* ---- announcing ----------------------------------------------------------------------- */

static int emit_cb(void *ud, const char *topic, const char *payload)
{
	return hass__pub(ud, topic, payload, true);
}

static void announce_sensor(struct hass *h, const struct sensor *s)
{
	struct hs *x = hass__hs_get(h, sensor_slot(s));

	if (!x)
		return;
	x->sig = hass_sensor_signature(s);
	x->rssi_announced = sensor_status(s) & SENSOR_S_SEEN;
	hass_sensor_configs(&h->ctx, s, x->rssi_announced, emit_cb, h);
}

/* tele/<node>/HASS: the sensors this node announces from its list (not the auto-added
 * ones), so the next run can delete the configs of those removed from mi32cfg */
static void publish_inventory(struct hass *h)
{
	struct store *st = h->store;
	unsigned int n = store_sensor_count(st);
	size_t size = 32 + (size_t)n * 16;
	char *buf = malloc(size), t[HASS_TOPIC_MAX], id[13];
	struct jw w;

	if (!buf)
		return;
	jw_init(&w, buf, size);
	jw_obj_begin(&w);
	jw_key(&w, "sensors");
	jw_arr_begin(&w);
	for (unsigned int i = 0; i < n; i++) {
		const struct sensor *s = store_sensor(st, i);

		if (sensor_status(s) & SENSOR_S_AUTO)
			continue;
		hass_mac_id(sensor_mac(s), id);
		jw_str(&w, id);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	if (jw_finish(&w) >= 0) {
		snprintf(t, sizeof(t), "tele/%s/HASS", h->ctx.node);
		hass__pub(h, t, buf, true);
	}
	free(buf);
}

static void publish_stats(struct hass *h)
{
	struct store *st = h->store;
	unsigned int n = store_sensor_count(st), heard = 0;
	uint64_t now = sink_now(&h->clock);
	uint64_t start = sink_start(&h->clock);
	uint64_t up = now > start ? (now - start) / 1000000u : 0;
	char buf[768], t[HASS_TOPIC_MAX];
	struct sink_radio r;
	struct jw w;

	for (unsigned int i = 0; i < n && i < h->n_hs; i++)
		heard += h->hs[i].online && h->hs[i].has_rssi;
	jw_init(&w, buf, sizeof(buf));
	jw_obj_begin(&w);
	jw_key(&w, "AdvertsPerSec");
	jw_double(&w, h->adverts_per_s, 1);
	jw_key(&w, "Heard");
	jw_uint(&w, heard);
	jw_key(&w, "Sensors");
	jw_uint(&w, n);
	jw_key(&w, "UptimeSec");
	jw_uint(&w, up);
	if (sink_radio_get(&h->radio, &r)) {
		/* the radio diagnostic's state and attributes (hass_node_configs) */
		jw_key(&w, "Radio");
		jw_str(&w, r.state);
		jw_key(&w, "RadioInfo");
		jw_obj_begin(&w);
		jw_key(&w, "Adapter");
		jw_str(&w, r.adapter);
		jw_key(&w, "Scan");
		jw_str(&w, r.active ? "active" : "passive");
		jw_key(&w, "Duty");
		jw_uint(&w, r.duty_percent);
		jw_key(&w, "ScanRestarts");
		jw_uint(&w, r.restarts);
		jw_key(&w, "Reopens");
		jw_uint(&w, r.reopens);
		jw_key(&w, "Reason");
		jw_str(&w, r.reason);
		jw_obj_end(&w);
	}
	jw_obj_end(&w);
	if (jw_finish(&w) < 0)
		return;
	snprintf(t, sizeof(t), "tele/%s/NODE", h->ctx.node);
	hass__pub(h, t, buf, true);
}

static double timeout_s(struct hass *h, const struct sensor *s, const struct hs *x)
{
	if (h->floor_s <= 0 || hass_event_only(s))
		return 0;
	return interval_timeout(x->learned.iv, x->learned.n, h->floor_s, h->fallback_s);
}

/* Once a (store) second: sensors silent past their learned timeout go offline. */
static void sweep(struct hass *h, uint64_t now)
{
	struct store *st = h->store;
	unsigned int n = store_sensor_count(st);

	h->last_sweep_us = now;
	for (unsigned int i = 0; i < n; i++) {
		const struct sensor *s = store_sensor(st, i);
		struct hs *x = hass__hs_get(h, i);
		double to;

		if (!x || !x->online)
			continue;
		to = timeout_s(h, s, x);
		if (to > 0 && x->learned.last_us && now > x->learned.last_us &&
		    (double)(now - x->learned.last_us) / 1e6 > to) {
			x->online = false;
			if (h->connected)
				hass__publish_link(h, s, true);
		}
	}
}

static void publish_state(struct hass *h, const struct sensor *s, bool event);

/* Everything, again: on connect and on Home Assistant's birth message. */
void hass__announce_all(struct hass *h)
{
	struct store *st = h->store;
	unsigned int n = store_sensor_count(st);

	h->announced_mono = hass__mono_us();
	hass_node_configs(&h->ctx, emit_cb, h);
	for (unsigned int i = 0; i < n; i++) {
		const struct sensor *s = store_sensor(st, i);
		struct hs *x = hass__hs_get(h, i);

		if (!x)
			continue;
		announce_sensor(h, s);
		/* the values heard while the broker was away (a short replay is over by now) */
		if (sensor_status(s) & SENSOR_S_SEEN)
			publish_state(h, s, false);
		x->avail = -1;
		x->presence_hash = 0;
		hass__publish_link(h, s, true);
		hass__publish_knob(h, s);
	}
	publish_inventory(h);
	publish_stats(h);
}

/* ---- store events ------------------------------------------------------------------------ */

static void learn(struct hass *h, const struct sensor *s, struct hs *x, uint64_t t)
{
	int8_t rssi = sensor_rssi(s);

	interval_heard(&x->learned, t);
	if (rssi) {
		x->rssi = x->has_rssi ? x->rssi + RSSI_ALPHA * ((float)rssi - x->rssi) : (float)rssi;
		x->has_rssi = true;
	}
	x->online = true;
	(void)h;
}

/* Whether this update carries an event (a button press, a knob turn). */
static bool has_event(const struct store_event *ev)
{
	for (unsigned int t = 1; t < READING__MAX; t++)
		if (store_type_has(ev->updated, t) && (reading_info(t)->flags & READING_F_EVENT))
			return true;
	return false;
}

/* tele/<node>/<mac>/SENSOR: this sensor's values; its entities read this topic, so an advert
 * renders that sensor's templates in Home Assistant, not every sensor's (issue 17 #6).
 * Retained, in the TelePeriod shape (latest values, no events), so a restarted HA has the
 * values at once; an update with an event goes out not retained, in the triggered shape
 * (the values and the event), so a press is never replayed to a new subscriber. */
static void publish_state(struct hass *h, const struct sensor *s, bool event)
{
	char buf[HASS_PAYLOAD_MAX], t[HASS_TOPIC_MAX], tb[TIMEFMT_LEN];
	struct jw w;

	timefmt_iso(sink_now(&h->clock), tb);
	jw_init(&w, buf, sizeof(buf));
	jw_obj_begin(&w);
	jw_key(&w, "Time");
	jw_str(&w, tb);
	if (report_member(h->store, sensor_slot(s), event ? REPORT_TRIGGERED : REPORT_TELE,
			  &h->ropts, &w) < 0)
		return;
	jw_obj_end(&w);
	if (jw_finish(&w) < 0)
		return;
	hass__mac_topic(h, NULL, sensor_mac(s), "SENSOR", t);
	hass__pub(h, t, buf, !event);
}

static void knob_turn(struct hass *h, const struct sensor *s, struct hs *x)
{
	double steps;

	if (!sensor_value(s, READING_DIMMER, &steps, NULL))
		return;
	x->knob = (x->knob_known ? x->knob : 0) + (int)steps;
	x->knob = x->knob < 0 ? 0 : x->knob > 100 ? 100 : x->knob;
	x->knob_known = true;
	x->knob_local_mono = hass__mono_us();
	if (h->connected)
		hass__publish_knob(h, s);
}

static void on_store(const struct store_event *ev, void *user_data)
{
	struct hass *h = user_data;
	struct hs *x = hass__hs_get(h, ev->slot);

	if (!x || h->stopping)
		return;
	switch (ev->kind) {
	case STORE_EVENT_NEW:
		/* event-only sensors are vouched for before their first packet */
		x->online = hass_event_only(ev->sensor);
		if (h->connected) {
			announce_sensor(h, ev->sensor);
			hass__publish_link(h, ev->sensor, true);
			if (!(sensor_status(ev->sensor) & SENSOR_S_AUTO))
				publish_inventory(h);
		}
		break;
	case STORE_EVENT_UPDATE:
		learn(h, ev->sensor, x, ev->time_us);
		if (store_type_has(ev->updated, READING_DIMMER))
			knob_turn(h, ev->sensor, x);
		if (!h->connected)
			break;
		/* once per sensor and run: its configs again only when its entities change (the
		 * first packet adds just this node's RSSI diagnostic), not 2-3 times at start */
		if (hass_sensor_signature(ev->sensor) != x->sig) {
			announce_sensor(h, ev->sensor);
		} else if (!x->rssi_announced) {
			x->rssi_announced = true;
			hass_sensor_rssi_config(&h->ctx, ev->sensor, emit_cb, h);
		}
		publish_state(h, ev->sensor, has_event(ev));
		hass__publish_link(h, ev->sensor, false);
		if (ev->time_us >= h->last_sweep_us + 1000000u)
			sweep(h, ev->time_us);
		break;
	case STORE_EVENT_CONFIG:
		if (h->connected && hass_sensor_signature(ev->sensor) != x->sig)
			announce_sensor(h, ev->sensor);
		if (hass_event_only(ev->sensor) && !x->online) {
			x->online = true;
			if (h->connected)
				hass__publish_link(h, ev->sensor, true);
		}
		break;
	default:
		break;
	}
}

/* ---- removed sensors ------------------------------------------------------------------- */

/* A retained config under mi32_<mac> of a sensor no longer listed: delete it, unless it
 * is shared and another live node still announces the sensor, or it is another node's
 * RSSI diagnostic (that node cleans its own). */
static void on_old_config(void *ud, const char *topic, const void *payload, size_t len)
{
	struct hass *h = ud;
	const char *p = strstr(topic, "/mi32_"), *obj;
	char own[NODE_MAX + 8];
	uint8_t mac[6];

	(void)payload;
	if (!len || !p || strncmp(p + 6, "node_", 5) == 0 || hass__parse_mac(p + 6, 12, mac) < 0 || p[18] != '/')
		return;
	if (!hass__in_list(h->del, h->n_del, mac) || store_find(h->store, mac) >= 0)
		return;
	obj = p + 19;
	snprintf(own, sizeof(own), "rssi_%s/", h->node_id);
	if (strncmp(obj, "rssi_", 5) == 0) {
		if (strncmp(obj, own, strlen(own)))
			return;
	} else {
		for (size_t i = 0; i < h->n_nodes; i++)
			if (h->nodes[i].alive && hass__in_list(h->nodes[i].inv, h->nodes[i].n_inv, mac))
				return;
	}
	hass__pub(h, topic, "", true);
}

/* A retained config of disco.be's (its devices hang off "Tasmota BLE"): delete it while
 * HassClearDisco's window is open. */
static void on_disco_config(void *ud, const char *topic, const void *payload, size_t len)
{
	struct hass *h = ud;
	cJSON *j, *dev, *via, *ids;
	bool disco = false;

	if (!len || hass__mono_us() > h->disco_until)
		return;
	j = cJSON_ParseWithLength(payload, len);
	dev = cJSON_GetObjectItem(j, "dev");
	via = cJSON_GetObjectItem(dev, "via_device");
	ids = cJSON_GetObjectItem(dev, "ids");
	if (cJSON_IsString(via) && !strcmp(via->valuestring, "Tasmota BLE"))
		disco = true;
	if (cJSON_IsArray(ids) && cJSON_GetArraySize(ids) == 1 &&
	    cJSON_IsString(cJSON_GetArrayItem(ids, 0)) &&
	    !strcmp(cJSON_GetArrayItem(ids, 0)->valuestring, "Tasmota BLE"))
		disco = true;
	cJSON_Delete(j);
	if (!disco)
		return;
	hass__pub(h, topic, "", true);
	h->disco_deleted++;
	log_info("HassClearDisco: deleted disco.be's %s (%u so far)", topic, h->disco_deleted);
}

int hass_clear_disco(void *data)
{
	struct hass *h = data;
	char t[HASS_TOPIC_MAX];
	int r;

	if (!h->connected)
		return -ENOTCONN;
	h->disco_until = hass__mono_us() + HASS_DISCO_WINDOW_S * 1000000ull;
	if (h->disco_subscribed) /* retained messages come again only on a new subscription */
		return 0;
	/* disco.be's topics: <prefix>/<component>/<name>_<Feature>/config */
	snprintf(t, sizeof(t), "%s/+/+/config", h->ctx.prefix);
	r = mqtt_sink_subscribe(h->mqtt, t, on_disco_config, h);
	if (r == 0)
		h->disco_subscribed = true;
	return r;
}

static void cleanup(struct hass *h)
{
	static const char *const leaves[] = { "rssi", "availability", "presence", "knob",
					      "SENSOR" };

	h->cleanup_done = true;
	for (size_t i = 0; i < h->n_old_inv; i++) {
		const uint8_t *mac = h->old_inv[i];
		char t[HASS_TOPIC_MAX];
		uint8_t (*d)[6];

		if (store_find(h->store, mac) >= 0 || hass__in_list(h->del, h->n_del, mac))
			continue;
		d = realloc(h->del, (h->n_del + 1) * sizeof(*d));
		if (!d)
			return;
		h->del = d;
		memcpy(h->del[h->n_del++], mac, 6);
		for (size_t k = 0; k < sizeof(leaves) / sizeof(leaves[0]); k++) {
			hass__mac_topic(h, NULL, mac, leaves[k], t);
			hass__pub(h, t, "", true);
		}
	}
	/* their retained configs come back on this subscription and are deleted one by one;
	 * the sink has a few subscription slots, so one pattern for all of them */
	if (h->n_del) {
		char t[HASS_TOPIC_MAX];

		snprintf(t, sizeof(t), "%s/+/+/+/config", h->ctx.prefix);
		mqtt_sink_subscribe(h->mqtt, t, on_old_config, h);
	}
}

/* The inventory the previous run left (our own retained tele/<node>/HASS); takes @inv.
 * Only the first one counts: it is the retained one, sent before the echo of ours. */
void hass__set_old_inventory(struct hass *h, uint8_t (*inv)[6], size_t n)
{
	if (h->cleanup_done || h->got_old_inv) {
		free(inv);
		return;
	}
	h->got_old_inv = true;
	h->old_inv = inv;
	h->n_old_inv = n;
}

/* ---- loop hooks --------------------------------------------------------------------- */

static int on_timer(sd_event_source *s, uint64_t usec, void *user_data)
{
	struct hass *h = user_data;

	if (h->connected && !h->cleanup_done && hass__mono_us() - h->connected_mono >= CLEANUP_DELAY_US)
		cleanup(h);
	if (h->connected)
		sweep(h, sink_now(&h->clock));
	sd_event_source_set_time(s, usec + 1000000u);
	return 0;
}

static void on_state(void *sink, const char *json)
{
	struct hass *h = sink;
	uint64_t now = sink_now(&h->clock);
	uint64_t adverts = store_stats(h->store)->adverts;

	(void)json;
	if (h->stat_us && now > h->stat_us)
		h->adverts_per_s = (double)(adverts - h->stat_adverts) * 1e6 /
				   (double)(now - h->stat_us);
	h->stat_us = now;
	h->stat_adverts = adverts;
	if (h->connected)
		publish_stats(h);
}

/* This node no longer vouches for any sensor: each goes unavailable unless another node
 * still hears it. */
static void withdraw(struct hass *h)
{
	struct store *st = h->store;

	on_state(h, NULL);
	for (unsigned int i = 0; i < store_sensor_count(st); i++)
		hass__consensus(h, store_sensor(st, i), true);
	h->stopping = true;
}

/* The MQTT sink's on-connect hook: "Online" and the subscriptions are out. */
static void on_connected(void *data)
{
	struct hass *h = data;

	if (h->stopping)
		return;
	h->connected = true;
	h->connected_mono = hass__mono_us();
	hass__announce_all(h);
	/* a short replay can end before the broker answers: the sink then connects inside its
	 * own stop, and this is our only chance to say anything at all */
	if (h->stop_requested)
		withdraw(h);
}

/* Last words, before the MQTT sink says Offline (the daemon stops us first). */
static void on_stop(void *sink)
{
	struct hass *h = sink;

	h->stop_requested = true;
	if (h->connected && !h->stopping && mqtt_sink_connected(h->mqtt))
		withdraw(h);
}

static void on_mqtt(void *data, const char *topic, const void *payload, size_t len)
{
	hass__on_message(data, topic, payload, len);
}

const struct sink_ops hass_ops = {
	.state = on_state,
	.stop = on_stop,
};

int hass_new(sd_event *ev, struct store *store, struct mqtt_sink *mqtt,
	     const struct hass_opts *opts, struct hass **out)
{
	static const char *const subs[] = { "tele/+/LWT", "tele/+/HASS", "tele/+/+/rssi",
					    "tele/+/+/knob", "mi32/+/knob/set" };
	struct hass *h;
	char t[HASS_TOPIC_MAX];
	int r = -ENOMEM;

	*out = NULL;
	if (!mqtt)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->store = store;
	h->mqtt = mqtt;
	h->clock = opts->clock;
	h->radio = opts->radio;
	h->ropts = opts->report;
	if (!h->ropts.temp_unit)
		h->ropts = (struct report_opts)REPORT_OPTS_DEFAULT;
	h->ctx.radio = opts->radio.get != NULL;
	h->ctx.disco_ids = opts->disco_ids;
	h->ctx.prefix = opts->prefix ? opts->prefix : "homeassistant";
	h->ctx.node = opts->topic;
	h->ctx.version = opts->version;
	snprintf(h->node_id, sizeof(h->node_id), "%s", opts->topic);
	for (char *p = h->node_id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '-'))
			*p = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : '_';
	h->floor_s = opts->stale_min_s;
	h->fallback_s = opts->stale_s ? opts->stale_s : 1800;
	/* Home Assistant needs each packet's values at once and complete: direct bridging
	 * (option 2) with aggregated objects (option 0), as disco.be set them */
	store_set_option(store, STORE_OPTION_AGGREGATE, 1);
	store_set_option(store, STORE_OPTION_DIRECT, 1);
	for (unsigned int i = 0; i < store_sensor_count(store); i++) {
		struct hs *x = hass__hs_get(h, i);

		if (!x)
			goto fail;
		x->online = hass_event_only(store_sensor(store, i));
	}
	h->sub = store_subscribe(store, STORE_EVENT_NEW | STORE_EVENT_UPDATE |
				 STORE_EVENT_CONFIG, on_store, h, NULL);
	if (!h->sub)
		goto fail;
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if ((r = mqtt_sink_subscribe(mqtt, subs[i], on_mqtt, h)) < 0)
			goto fail;
	snprintf(t, sizeof(t), "%s/status", h->ctx.prefix);
	if ((r = mqtt_sink_subscribe(mqtt, t, on_mqtt, h)) < 0)
		goto fail;
	mqtt_sink_on_connect(mqtt, on_connected, h);
	if (ev && sd_event_add_time_relative(ev, &h->timer, CLOCK_MONOTONIC, 1000000u, 100000u,
					     on_timer, h) >= 0)
		sd_event_source_set_enabled(h->timer, SD_EVENT_ON);
	*out = h;
	return 0;
fail:
	hass_free(h);
	return r;
}

void hass_free(struct hass *h)
{
	if (!h)
		return;
	if (h->sub)
		store_unsubscribe(h->store, h->sub);
	mqtt_sink_forget(h->mqtt, h);
	sd_event_source_unref(h->timer);
	for (size_t i = 0; i < h->n_nodes; i++)
		free(h->nodes[i].inv);
	free(h->nodes);
	free(h->rem);
	free(h->hs);
	free(h->old_inv);
	free(h->del);
	free(h);
}
