/* SPDX-License-Identifier: MIT */
/* mqtt_int.h — what mqtt.c (topics, publishing, commands, relay) and mqtt_conn.c (the
 * socket on the loop, connecting, backoff, name resolution) share. Not public. */
#ifndef MI32_MQTT_INT_H
#define MI32_MQTT_INT_H

#include <netdb.h> /* struct gaicb: the .c files define _GNU_SOURCE first */
#include <stdbool.h>
#include <stdint.h>

#include <mosquitto.h>
#include <systemd/sd-event.h>

#include "cmd/cmd.h"
#include "sink/mqtt.h"
#include "sink/mqtt_queue.h"
#include "sink/relay.h"

#define KEEPALIVE_S 30          /* Tasmota's MqttKeepAlive default */
#define RETRY_MIN_MS 1000u
#define RETRY_MAX_MS 10000u     /* Tasmota's MqttRetry default */
/* A server that accepts TCP but never answers CONNECT (not a broker, a TLS port spoken to in
 * plain text, a hung broker) is given up on after this, and said so; libmosquitto alone
 * would wait out the keepalive and retry in silence. */
#define CONNACK_TIMEOUT_S 10
#define QUEUE_MAX_BYTES (16u << 20)
#define TOPIC_MAX 192
#define SUBS_MAX 16
#define STOP_FLUSH_MS 1000
#define STOP_QUEUE_MS 3000      /* at stop, for what still waits in the queue */
/* Messages handed to libmosquitto and not yet written out (QoS 0) or acknowledged (QoS 1).
 * libmosquitto's own buffer has no bound: while a broker stalls (stopped, overloaded, a
 * full TCP window) the connection still looks up and every publish adds to it. Past this
 * many, SENSOR messages wait in the bounded queue (oldest dropped and counted, as while
 * disconnected) and raw adverts are counted unsent. */
#define PENDING_MAX 1000u

struct sub {
	char *pattern;
	void (*fn)(void *data, const char *topic, const void *payload, size_t len);
	void *data;
};

struct mqtt_sink {
	sd_event *ev;
	struct store *store;         /* borrowed: the raw relay looks sensors up */
	struct commands_ctx *cmds;   /* borrowed: commands run here */
	struct mqtt_opts o;          /* strings borrowed */
	struct mosquitto *mosq;
	sd_event_source *io, *misc, *retry;
	int fd;
	uint32_t io_events;
	bool active;      /* a connection is being made or is up */
	bool connected;   /* CONNACK accepted */
	bool stopping;
	int offline_mid;
	bool offline_acked;
	bool tls;
	unsigned int retry_ms;
	uint64_t attempt_us; /* CLOCK_MONOTONIC start of the connection attempt under way */
	int last_err;     /* the last failure logged, so a broker that stays away is said once */

	/* host name resolution off the loop (getaddrinfo_a) */
	bool numeric;             /* mqtt-host is an address: no resolution */
	struct gaicb gai;
	struct gaicb *gaip;
	struct addrinfo hints;
	int dns_pipe[2];
	sd_event_source *dns_src;
	bool resolving;

	struct mqtt_queue *queue;
	unsigned int pending;     /* in libmosquitto's buffer, see PENDING_MAX */
	sd_event_source *drain;   /* flushes the queue once libmosquitto wrote some out */
	struct relay *relay;      /* raw-in only */

	struct sub subs[SUBS_MAX];
	unsigned int n_subs;
	void (*on_connect_fn)(void *data);
	void *on_connect_data;

	/* counters for State */
	uint64_t connects, sent, raw_out, raw_unsent, raw_in, raw_dupes, raw_own, raw_bad;

	char t_lwt[TOPIC_MAX], t_state[TOPIC_MAX], t_sensor[TOPIC_MAX], t_ble[TOPIC_MAX];
	char t_stat[TOPIC_MAX];   /* "stat/<topic>/" */
	char t_cmnd[TOPIC_MAX];   /* "cmnd/<topic>/" */
	char t_group[TOPIC_MAX];  /* "cmnd/<group>/" or "" */
	char raw[RELAY_JSON_MAX];
	char reply[CMD_REPLY_MAX];
};

/* mqtt_conn.c */
void mqtt__drop_io(struct mqtt_sink *m);
/* follow libmosquitto's socket after every call into it (fd, EPOLLOUT) */
void mqtt__sync_io(struct mqtt_sink *m);
/* the connection is gone or never came: retry with backoff (idempotent) */
void mqtt__lost(struct mqtt_sink *m, int rc);
/* connect now (resolving the host off the loop first when it is a name) */
void mqtt__attempt(struct mqtt_sink *m);
int mqtt__on_misc(sd_event_source *s, uint64_t usec, void *user_data);
int mqtt__on_dns(sd_event_source *s, int fd, uint32_t revents, void *user_data);

#endif
