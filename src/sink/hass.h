/* SPDX-License-Identifier: MIT */
/* hass.h — Home Assistant MQTT discovery, built in (SPEC §12, decision #15): one HA device per
 * BLE sensor whatever node hears it, one entity per feature, each node's RSSI as a diagnostic,
 * the node itself as a device under a virtual hub, per-sensor availability learned from each
 * sensor's own advertising interval, and the best-hearing node per sensor (room presence).
 * hass.c is the runtime (announcing, learning), hass_link.c the consensus between nodes;
 * hass_entity.c (which entities) and hass_config.c (their JSON) are pure, store in and JSON
 * out, so tests check them byte for byte. It talks MQTT through the MQTT sink it is given.
 *
 * Topics (<mac> = 12 lower-case hex digits, <node> = a node's MQTT topic):
 *   <prefix>/<component>/mi32_<mac>/<object>/config    the sensor's entities (retained)
 *   tele/<node>/<mac>/SENSOR        {"Time":…,"<key>":{…}}: the sensor's values as this
 *                                   node heard them (retained; events not); its entities
 *                                   read it
 *   tele/<node>/<mac>/rssi          {"rssi":-71.5,"online":true}: this node's link (retained)
 *   tele/<node>/<mac>/availability  online/offline: any live node hears it (retained)
 *   tele/<node>/<mac>/presence      {"best":"<node>","rssi":{...}}: best node (retained)
 *   tele/<node>/<mac>/knob          YLKG07/08 knob position 0..100 (retained)
 *   mi32/<mac>/knob/set             HA sets the knob position
 *   tele/<node>/NODE                node statistics and the radio's state (retained)
 *   tele/<node>/HASS                {"sensors":[<mac>...]}: what this node announces (retained)
 * Each node also reads the others' rssi topics, LWTs and inventories. */
#ifndef MI32_HASS_H
#define MI32_HASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "sink/sink.h"

struct mqtt_sink;
struct store;
struct sensor;
struct hass;

#define HASS_HUB_ID "mi32_hub"
#define HASS_TOPIC_MAX 256
#define HASS_PAYLOAD_MAX 4096

/* What the payload writers need to know about this node. Strings are borrowed. */
struct hass_ctx {
	const char *prefix;  /* discovery prefix, "homeassistant" */
	const char *node;    /* this node's MQTT topic */
	const char *version; /* mi32's version, for "origin" */
	bool radio;          /* the node has a radio (not a replay): its diagnostic entity */
	bool disco_ids;      /* disco.be's unique ids where it had the entity */
};

/* One discovery message: @payload "" deletes the config. Return <0 to stop the walk. */
typedef int (*hass_emit_fn)(void *ud, const char *topic, const char *payload);

/* Emit every discovery config of sensor @s: its device's entities (shared by every node,
 * the same bytes whoever publishes them) and, when @heard, this node's RSSI diagnostic for
 * it. Returns the number emitted, or the first negative code of @emit. */
int hass_sensor_configs(const struct hass_ctx *ctx, const struct sensor *s, bool heard,
			hass_emit_fn emit, void *ud);

/* Emit only this node's RSSI diagnostic of @s (the sensor was heard for the first time:
 * its other configs are out already). Returns 1, or the negative code of @emit. */
int hass_sensor_rssi_config(const struct hass_ctx *ctx, const struct sensor *s,
			    hass_emit_fn emit, void *ud);

/* Emit the node's own device (adverts/s, sensors, uptime, and the radio's state as a
 * diagnostic when @ctx->radio) and its entry on the hub. */
int hass_node_configs(const struct hass_ctx *ctx, hass_emit_fn emit, void *ud);

/* A digest of the entity set of @s (features, readings seen, button numbers, name) and of
 * its device (the firmware version MI32Firmware learnt): when it changes, the sensor's
 * configs are announced again. Being heard for the first time is not in it: that adds only
 * the RSSI diagnostic (hass_sensor_rssi_config). */
uint64_t hass_sensor_signature(const struct sensor *s);

/* True for sensors that only speak when something happens (motion, door, leak, buttons,
 * knobs): they are never made unavailable for being quiet. */
bool hass_event_only(const struct sensor *s);

/* True for generic devices and RPA-tracked phones/tags (PID 0000): a device_tracker. */
bool hass_is_tracker(const struct sensor *s);

/* "a4c138a1b204" into @out (13 bytes). */
void hass_mac_id(const uint8_t mac[6], char out[13]);

/* What discovery needs to know, filled by the app layer. Strings are borrowed. */
struct hass_opts {
	const char *prefix;        /* discovery prefix; NULL = "homeassistant" */
	const char *topic;         /* this node's MQTT topic */
	const char *version;       /* mi32's version, for "origin" */
	unsigned int stale_min_s;  /* floor of the learned unavailable timeout, 0 = never */
	unsigned int stale_s;      /* the timeout while none is learned yet, 0 = 1800 s */
	struct sink_clock clock;
	struct sink_radio_src radio; /* the radio's state for tele/<node>/NODE */
	struct report_opts report;   /* decimals of tele/<node>/<mac>/SENSOR, as SENSOR's */
	bool disco_ids;              /* --hass-unique-ids disco */
};

/* The outputs of discovery, for the daemon's array. Its stop (sensors unavailable) must
 * come before the MQTT sink's (Offline and disconnect). */
extern const struct sink_ops hass_ops;

/* Start discovery on @ev for the sensors of @store, talking through @mqtt (a running MQTT
 * sink that outlives it). Switches MI32Option0 and MI32Option2 on: Home Assistant needs
 * every accepted packet's values at once. Returns 0 (*@out set), -EINVAL (no @mqtt) or
 * -ENOMEM / -ENOSPC (nothing left registered). */
int hass_new(sd_event *ev, struct store *store, struct mqtt_sink *mqtt,
	     const struct hass_opts *opts, struct hass **out);
void hass_free(struct hass *h); /* NULL is a no-op */

/* Delete disco.be's retained discovery configs (device via "Tasmota BLE", and its hub
 * entity): subscribes to <prefix>/+/+/config and, for the next HASS_DISCO_WINDOW_S seconds,
 * publishes an empty retained payload over each one the broker sends. @data is the hass.
 * Returns 0, -ENOTCONN (not connected to the broker: nothing done) or what
 * mqtt_sink_subscribe() returns. */
#define HASS_DISCO_WINDOW_S 10
int hass_clear_disco(void *data);

#endif
