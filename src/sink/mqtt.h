/* SPDX-License-Identifier: MIT */
/* mqtt.h — the MQTT sink: Tasmota's topics and payloads on a broker (tele/<topic>/LWT, STATE,
 * SENSOR; cmnd/<topic>/<Command> and cmnd/<group>/<Command> answered on stat/<topic>/RESULT),
 * and the raw-advert relay between nodes (tele/<topic>/BLE out, mqtt-raw-in in).
 *
 * libmosquitto runs in "bring your own loop" mode on the daemon's sd-event loop: its socket
 * is an io source (EPOLLOUT only while it has something to write), keepalive a 1 s timer.
 * Connecting never blocks the loop: host names are resolved by getaddrinfo_a() off the loop,
 * the TCP connect is non-blocking. While the broker is away, or stalls so that libmosquitto
 * holds 1,000 unwritten messages, SENSOR messages wait in a bounded queue (mqtt-queue
 * messages, oldest dropped and counted) and go out in order once it takes them again;
 * reconnects back off from 1 s to 10 s (Tasmota's MqttRetry). */
#ifndef MI32_MQTT_H
#define MI32_MQTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "sink/sink.h"

struct commands_ctx;
struct mqtt_sink;
struct store;

/* What the sink needs to know, filled by the app layer from mi32.conf / the command line.
 * Strings are borrowed: they must outlive the sink. */
struct mqtt_opts {
	const char *host;        /* broker name or address; required */
	unsigned int port;
	const char *user, *password;  /* NULL = none */
	const char *client_id;   /* NULL = the topic */
	const char *cafile, *certfile, *keyfile; /* TLS; NULL = none */
	const char *topic;       /* this node's topic, e.g. "mi32_a1b2c3" */
	const char *group_topic; /* NULL = none */
	unsigned int queue;      /* SENSOR messages kept while disconnected, 0 = 1000 */
	bool raw_out;            /* publish every raw advertisement on tele/<topic>/BLE */
	const char *raw_in;      /* topic filter of other nodes' raw adverts, NULL = none */
	struct sink_clock clock;
	/* an advertisement relayed from another node (raw_in), to be decoded like our own;
	 * @node names the node that heard it. Required with raw_in. */
	void (*inject)(void *data, const struct adv *adv, const char *node);
	void *inject_data;
};

/* The sink's outputs, for the daemon's array. */
extern const struct sink_ops mqtt_sink_ops;

/* Create the sink on @ev: commands arrive on cmnd/<topic>/ and run through @cmds (which
 * gets the "MQTT" member of State); the raw relay looks sensors up in @store. Starts
 * connecting in the background. Returns 0 with *@out set, or -EINVAL (bad TLS/credential
 * settings; logged) or -ENOMEM. */
int mqtt_sink_new(sd_event *ev, struct store *store, struct commands_ctx *cmds,
		  const struct mqtt_opts *opts, struct mqtt_sink **out);

/* Free the sink; NULL is a no-op. The daemon calls the output's stop first, which publishes
 * "Offline" on the LWT topic and disconnects cleanly. */
void mqtt_sink_free(struct mqtt_sink *m);

/* For other sinks (Home Assistant discovery) sharing the connection. */

/* Publish @len bytes of @payload on @topic (QoS 1 when @retain, else 0). Returns 0, or
 * -ENOTCONN while the broker is away (nothing queued: republish from the on-connect hook),
 * -EINVAL, -EIO. */
int mqtt_sink_publish(struct mqtt_sink *m, const char *topic, const void *payload, size_t len,
		      bool retain);
/* Call @fn for every message on a topic matching @pattern (subscribed now and on every
 * reconnect). The topic and payload are valid during the call. Returns 0, -EINVAL, -ENOSPC
 * (8 patterns at most) or -ENOMEM. */
int mqtt_sink_subscribe(struct mqtt_sink *m, const char *pattern,
			void (*fn)(void *data, const char *topic, const void *payload,
				   size_t len),
			void *data);
/* Call @fn(@data) after every (re)connect, once "Online" and the subscriptions are out.
 * One hook; a second call replaces it. */
void mqtt_sink_on_connect(struct mqtt_sink *m, void (*fn)(void *data), void *data);
/* Drop every subscription and the on-connect hook that carry @data (a sink going away
 * before the connection does). */
void mqtt_sink_forget(struct mqtt_sink *m, void *data);
bool mqtt_sink_connected(const struct mqtt_sink *m);
/* SENSOR messages dropped since start (the queue full: the broker away or stalled), and
 * messages in libmosquitto's buffer now (at most PENDING_MAX of mqtt_int.h, plus the few
 * that bypass the bound: State, replies, discovery). 0 for NULL. */
uint64_t mqtt_sink_dropped(const struct mqtt_sink *m);
unsigned int mqtt_sink_pending(const struct mqtt_sink *m);

#endif
