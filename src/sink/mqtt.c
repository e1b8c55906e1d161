/* SPDX-License-Identifier: MIT */
/* mqtt.c — the MQTT sink on the daemon's sd-event loop (libmosquitto without its own loop
 * thread): topics (Tasmota's default FullTopic %prefix%/%topic%/), publishing, commands, the
 * raw relay, last words. The connection itself is mqtt_conn.c; the raw relay's JSON and
 * dedupe are relay.c, the offline queue mqtt_queue.c. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>
#include <systemd/sd-event.h>

#include "util/clock.h"
#include "util/log.h"
#include "cmd/cmd.h"
#include "cmd/commands.h"
#include "store/store.h"
#include "sink/mqtt.h"
#include "sink/mqtt_int.h"

static void on_publish(struct mosquitto *mosq, void *obj, int mid);

/* ---- publishing ------------------------------------------------------------------------- */

/* Publish now when connected; else keep it in the queue when @queue (SENSOR messages).
 * SENSOR messages also wait there, behind what already waits, while libmosquitto holds
 * PENDING_MAX unwritten ones (a stalled broker). Returns 0 when handed over or queued. */
static int publish(struct mqtt_sink *m, const char *topic, const void *p, size_t len,
		   int qos, bool retain, bool queue)
{
	if (m->connected && (!queue || (m->pending < PENDING_MAX && !mqtt_queue_len(m->queue)))) {
		int rc = mosquitto_publish(m->mosq, NULL, topic, (int)len, p, qos, retain);

		if (rc == MOSQ_ERR_SUCCESS) {
			m->sent++;
			m->pending++;
			mqtt__sync_io(m);
			return 0;
		}
		if (rc != MOSQ_ERR_NO_CONN && rc != MOSQ_ERR_CONN_LOST) {
			log_err("MQTT: publishing %zu bytes on %s failed: %s", len, topic,
				mosquitto_strerror(rc));
			return -EIO;
		}
	}
	if (!queue)
		return -ENOTCONN;
	return mqtt_queue_push(m->queue, topic, p, len, retain);
}

static void flush_queue(struct mqtt_sink *m)
{
	const char *topic;
	const void *p;
	size_t len;
	bool retain;

	while (m->connected && m->pending < PENDING_MAX &&
	       mqtt_queue_peek(m->queue, &topic, &p, &len, &retain)) {
		int rc = mosquitto_publish(m->mosq, NULL, topic, (int)len, p, 0, retain);

		if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST)
			return; /* still queued, in order */
		if (rc == MOSQ_ERR_SUCCESS) {
			m->sent++;
			m->pending++;
		}
		mqtt_queue_pop(m->queue);
	}
}

/* libmosquitto wrote some out (on_publish): the queue's turn, from the loop rather than
 * from inside libmosquitto's write. */
static int on_drain(sd_event_source *s, void *user_data)
{
	struct mqtt_sink *m = user_data;

	(void)s;
	flush_queue(m);
	mqtt__sync_io(m);
	return 0;
}

int mqtt_sink_publish(struct mqtt_sink *m, const char *topic, const void *payload, size_t len,
		      bool retain)
{
	if (!m || !topic)
		return -EINVAL;
	return publish(m, topic, payload, len, retain ? 1 : 0, retain, false);
}

/* ---- libmosquitto's callbacks (run inside loop_read/write/misc) ------------------------ */

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mqtt_sink *m = obj;

	if (rc) {
		/* the broker closes the connection next; the disconnect callback retries */
		if (m->last_err != 300000 + rc)
			log_warn("MQTT: %s:%u refused the connection: %s", m->o.host,
				 m->o.port, mosquitto_connack_string(rc));
		m->last_err = 300000 + rc;
		return;
	}
	m->connected = true;
	m->connects++;
	m->retry_ms = RETRY_MIN_MS;
	m->last_err = 0;
	log_info("MQTT: connected to %s:%u as %s", m->o.host, m->o.port,
		 m->o.topic);
	{
		char t[TOPIC_MAX + 2];

		snprintf(t, sizeof(t), "%s#", m->t_cmnd);
		mosquitto_subscribe(mosq, NULL, t, 0);
		if (m->t_group[0]) {
			snprintf(t, sizeof(t), "%s#", m->t_group);
			mosquitto_subscribe(mosq, NULL, t, 0);
		}
	}
	if (m->o.raw_in)
		mosquitto_subscribe(mosq, NULL, m->o.raw_in, 0);
	for (unsigned int i = 0; i < m->n_subs; i++)
		mosquitto_subscribe(mosq, NULL, m->subs[i].pattern, 0);
	/* after the subscriptions: the broker handles a client's packets in order, so whoever
	 * sees "Online" can send commands at once */
	m->pending = 0; /* a (re)connect starts libmosquitto's buffer afresh */
	if (mosquitto_publish(mosq, NULL, m->t_lwt, 6, "Online", 1, true) == MOSQ_ERR_SUCCESS)
		m->pending++;
	flush_queue(m);
	if (m->on_connect_fn)
		m->on_connect_fn(m->on_connect_data);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	(void)mosq;
	mqtt__lost(obj, rc);
}

/* cmnd/<topic>/<Command> or cmnd/<group>/<Command>: the command name, or NULL. */
static const char *command_name(const struct mqtt_sink *m, const char *topic)
{
	size_t n = strlen(m->t_cmnd);
	const char *name = NULL;

	if (strncmp(topic, m->t_cmnd, n) == 0)
		name = topic + n;
	else if (m->t_group[0] && strncmp(topic, m->t_group, n = strlen(m->t_group)) == 0)
		name = topic + n;
	if (!name || !*name || strchr(name, '/'))
		return NULL;
	return name;
}

static void handle_command(struct mqtt_sink *m, const char *name, const char *payload)
{
	char topic[TOPIC_MAX + 32];

	commands_exec_split(m->cmds, name, payload, m->reply, sizeof(m->reply));
	/* Tasmota answers Status <n> on stat/<topic>/STATUS<n>, everything else on RESULT */
	if (strcasecmp(name, "Status") == 0) {
		char *end;
		long n = strtol(payload, &end, 10);

		/* "Status 0" too: stat/<topic>/STATUS0, as Tasmota */
		if (end != payload && n >= 0)
			snprintf(topic, sizeof(topic), "%sSTATUS%ld", m->t_stat, n);
		else
			snprintf(topic, sizeof(topic), "%sSTATUS", m->t_stat);
	} else {
		snprintf(topic, sizeof(topic), "%sRESULT", m->t_stat);
	}
	publish(m, topic, m->reply, strlen(m->reply), 0, false, false);
}

static void handle_raw(struct mqtt_sink *m, const struct mosquitto_message *msg)
{
	char node[RELAY_NODE_MAX];
	struct adv adv;
	uint64_t now;
	bool dup;

	if (strcmp(msg->topic, m->t_ble) == 0) {
		m->raw_own++;
		return;
	}
	if (relay_decode(msg->payload, (size_t)msg->payloadlen, &adv, node) < 0) {
		if (!m->raw_bad++)
			log_warn("MQTT: %s carries something that is not a raw advertisement "
				 "(said once)", msg->topic);
		return;
	}
	if (!node[0])
		snprintf(node, sizeof(node), "%s", msg->topic);
	if (strcmp(node, m->o.topic) == 0) {
		m->raw_own++;
		return;
	}
	m->raw_in++;
	now = sink_now(&m->o.clock);
	/* one frame heard by several nodes is decoded once; every node's RSSI is kept */
	adv.time_us = now;
	dup = relay_seen(m->relay, &adv, now);
	if (dup)
		m->raw_dupes++;
	else
		m->o.inject(m->o.inject_data, &adv, node);
	if (store_find(m->store, adv.addr) >= 0)
		relay_note_rssi(m->relay, node, adv.addr, adv.rssi, now);
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	struct mqtt_sink *m = obj;
	const char *name = command_name(m, msg->topic);
	bool match;

	(void)mosq;
	if (name) {
		/* a retained command would run again at every reconnect */
		if (msg->retain) {
			log_notice("MQTT: retained command on %s ignored", msg->topic);
			return;
		}
		/* libmosquitto NUL-terminates every payload */
		handle_command(m, name, msg->payload ? msg->payload : "");
		return;
	}
	if (m->relay && mosquitto_topic_matches_sub(m->o.raw_in, msg->topic, &match) ==
			MOSQ_ERR_SUCCESS && match) {
		handle_raw(m, msg);
		return;
	}
	for (unsigned int i = 0; i < m->n_subs; i++)
		if (mosquitto_topic_matches_sub(m->subs[i].pattern, msg->topic, &match) ==
				MOSQ_ERR_SUCCESS && match)
			m->subs[i].fn(m->subs[i].data, msg->topic, msg->payload,
				      (size_t)msg->payloadlen);
}

/* ---- the daemon's outputs --------------------------------------------------------------- */

static void out_sensor(void *sink, const char *json, enum report_kind kind)
{
	struct mqtt_sink *m = sink;

	(void)kind; /* TelePeriod and triggered share the topic (SPEC §9.1) */
	publish(m, m->t_sensor, json, strlen(json), 0, false, true);
}

static void out_state(void *sink, const char *json)
{
	struct mqtt_sink *m = sink;

	publish(m, m->t_state, json, strlen(json), 0, false, false);
}

static void out_adv(void *sink, const struct adv *adv)
{
	struct mqtt_sink *m = sink;
	int n;

	if (m->relay)
		relay_seen(m->relay, adv, sink_now(&m->o.clock)); /* heard here first: drop relayed copies */
	if (!m->o.raw_out)
		return;
	if (!m->connected || m->pending >= PENDING_MAX) {
		m->raw_unsent++;
		return;
	}
	n = relay_encode(adv, m->o.topic, m->raw, sizeof(m->raw));
	if (n > 0 && publish(m, m->t_ble, m->raw, (size_t)n, 0, false, false) == 0)
		m->raw_out++;
	else
		m->raw_unsent++;
}

/* Drive the socket without the loop (it has stopped) until @done or the deadline. */
static long elapsed_ms(uint64_t t0_us)
{
	return (long)((clock_mono_us() - t0_us) / 1000u);
}

static void drive(struct mqtt_sink *m, bool (*done)(const struct mqtt_sink *m),
		  uint64_t t0_us, long budget_ms)
{
	while (!done(m) && mosquitto_socket(m->mosq) >= 0) {
		struct pollfd p = { .fd = mosquitto_socket(m->mosq), .events = POLLIN };
		int rc = MOSQ_ERR_SUCCESS;
		long ms;

		if (mosquitto_want_write(m->mosq))
			p.events |= POLLOUT;
		ms = elapsed_ms(t0_us);
		if (ms >= budget_ms || poll(&p, 1, (int)(budget_ms - ms)) <= 0)
			return;
		if (p.revents & (POLLIN | POLLHUP | POLLERR))
			rc = mosquitto_loop_read(m->mosq, 1);
		if (rc == MOSQ_ERR_SUCCESS && (p.revents & POLLOUT))
			rc = mosquitto_loop_write(m->mosq, 1);
		if (rc != MOSQ_ERR_SUCCESS)
			return;
	}
}

static bool is_connected(const struct mqtt_sink *m)
{
	return m->connected || !m->active;
}

static bool offline_acked(const struct mqtt_sink *m)
{
	return m->offline_acked;
}

static bool written(const struct mqtt_sink *m)
{
	return !mosquitto_want_write(m->mosq);
}

static bool has_room(const struct mqtt_sink *m)
{
	return m->pending < PENDING_MAX;
}

/* At stop: what waits in the queue goes out, PENDING_MAX at a time, within STOP_QUEUE_MS. */
static void drain_at_stop(struct mqtt_sink *m)
{
	uint64_t t0 = clock_mono_us();

	while (m->connected && mqtt_queue_len(m->queue) && mosquitto_socket(m->mosq) >= 0 &&
	       elapsed_ms(t0) < STOP_QUEUE_MS) {
		unsigned int before = mqtt_queue_len(m->queue);

		flush_queue(m);
		if (mqtt_queue_len(m->queue) == before && has_room(m))
			break; /* libmosquitto refuses: nothing more to do */
		drive(m, has_room, t0, STOP_QUEUE_MS);
	}
}

static void on_publish(struct mosquitto *mosq, void *obj, int mid)
{
	struct mqtt_sink *m = obj;

	(void)mosq;
	if (mid == m->offline_mid)
		m->offline_acked = true;
	if (m->pending)
		m->pending--;
	if (m->drain && mqtt_queue_len(m->queue) && m->pending < PENDING_MAX)
		sd_event_source_set_enabled(m->drain, SD_EVENT_ONESHOT);
}

/* Last words, the loop having stopped: "Offline" on the LWT topic (a clean disconnect does
 * not fire the will), QoS 1 so its PUBACK says the broker has read everything before it —
 * closing a socket with unread input sends a reset, which would throw away what the broker
 * had not read yet. A connection still on its way (a short replay may end before the
 * CONNACK) gets the same bounded time to come up and deliver the queue. */
static void out_stop(void *sink)
{
	struct mqtt_sink *m = sink;
	uint64_t t0;

	m->stopping = true;
	if (m->retry)
		sd_event_source_set_enabled(m->retry, SD_EVENT_OFF);
	t0 = clock_mono_us();
	drive(m, is_connected, t0, STOP_FLUSH_MS);
	if (!m->connected) {
		if (mqtt_queue_len(m->queue) || mqtt_queue_dropped(m->queue))
			log_warn("MQTT: stopped: %llu sent, %llu dropped (queue full), %u never "
				 "sent (no connection)", (unsigned long long)m->sent,
				 (unsigned long long)mqtt_queue_dropped(m->queue),
				 mqtt_queue_len(m->queue));
		return;
	}
	drain_at_stop(m);
	t0 = clock_mono_us();
	if (mosquitto_publish(m->mosq, &m->offline_mid, m->t_lwt, 7, "Offline", 1, true) ==
	    MOSQ_ERR_SUCCESS)
		drive(m, offline_acked, t0, 2 * STOP_FLUSH_MS);
	mosquitto_disconnect(m->mosq);
	drive(m, written, t0, 2 * STOP_FLUSH_MS + 200);
	/* said once, at the end, with what got lost on the way: the queue's overflow, what
	 * the stop could not hand over in time, what the broker never acknowledged */
	if (mqtt_queue_dropped(m->queue) || mqtt_queue_len(m->queue) || !m->offline_acked)
		log_warn("MQTT: stopped: %llu sent, %llu dropped (queue full), %u not sent and "
			 "%u unconfirmed (stop timed out)", (unsigned long long)m->sent,
			 (unsigned long long)mqtt_queue_dropped(m->queue),
			 mqtt_queue_len(m->queue), m->offline_acked ? 0 : m->pending);
	m->connected = false;
	m->active = false;
	mqtt__drop_io(m);
}

/* a deferred command result goes where the command's reply went */
static void out_result(void *sink, const char *json)
{
	struct mqtt_sink *m = sink;
	char topic[TOPIC_MAX + 32];

	snprintf(topic, sizeof(topic), "%sRESULT", m->t_stat);
	publish(m, topic, json, strlen(json), 0, false, false);
}

const struct sink_ops mqtt_sink_ops = {
	.sensor = out_sensor,
	.state = out_state,
	.result = out_result,
	.adv = out_adv,
	.stop = out_stop,
};

/* "MQTT":{...} at the end of State. */
static void state_extra(void *data, struct jw *w)
{
	struct mqtt_sink *m = data;

	/* Tasmota's MqttCount: the connections made since start */
	jw_key(w, "MqttCount");
	jw_uint(w, m->connects);
	jw_key(w, "MQTT");
	jw_obj_begin(w);
	jw_key(w, "Connected");
	jw_uint(w, m->connected);
	jw_key(w, "Connects");
	jw_uint(w, m->connects);
	jw_key(w, "Sent");
	jw_uint(w, m->sent);
	jw_key(w, "Queued");
	jw_uint(w, mqtt_queue_len(m->queue));
	jw_key(w, "Pending");
	jw_uint(w, m->pending);
	jw_key(w, "Dropped");
	jw_uint(w, mqtt_queue_dropped(m->queue));
	if (m->o.raw_out) {
		jw_key(w, "RawOut");
		jw_uint(w, m->raw_out);
		jw_key(w, "RawUnsent");
		jw_uint(w, m->raw_unsent);
	}
	if (m->relay) {
		jw_key(w, "RawIn");
		jw_uint(w, m->raw_in);
		jw_key(w, "RawDupes");
		jw_uint(w, m->raw_dupes);
		jw_key(w, "RawOwn");
		jw_uint(w, m->raw_own);
		jw_key(w, "RawBad");
		jw_uint(w, m->raw_bad);
		jw_key(w, "Nodes");
		jw_obj_begin(w);
		relay_write_rssi(m->relay, w);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

/* ---- set-up ------------------------------------------------------------------------------ */

static int lib_refs;

/* A TLS file option that names nothing readable: log the option, the path and why. */
static bool tls_file_missing(const char *option, const char *path)
{
	struct stat st;
	int fd;

	if (!path)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		log_err("MQTT: %s %s: %s", option, path, strerror(errno));
		return true;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		log_err("MQTT: %s %s: it is a directory, not a PEM file", option, path);
		return true;
	}
	close(fd);
	return false;
}

static int configure(struct mqtt_sink *m)
{
	const struct mqtt_opts *c = &m->o;
	const char *id = c->client_id ? c->client_id : c->topic;
	const char *group = c->group_topic;
	struct in6_addr a6;
	int rc;

	snprintf(m->t_lwt, TOPIC_MAX, "tele/%s/LWT", m->o.topic);
	snprintf(m->t_state, TOPIC_MAX, "tele/%s/STATE", m->o.topic);
	snprintf(m->t_sensor, TOPIC_MAX, "tele/%s/SENSOR", m->o.topic);
	snprintf(m->t_ble, TOPIC_MAX, "tele/%s/BLE", m->o.topic);
	snprintf(m->t_stat, TOPIC_MAX, "stat/%s/", m->o.topic);
	snprintf(m->t_cmnd, TOPIC_MAX, "cmnd/%s/", m->o.topic);
	if (group && *group && strcmp(group, m->o.topic) != 0)
		snprintf(m->t_group, TOPIC_MAX, "cmnd/%s/", group);

	if (c->raw_in) {
		bool ok = mosquitto_sub_topic_check(c->raw_in) == MOSQ_ERR_SUCCESS;

		if (!ok) {
			log_err("MQTT: mqtt-raw-in '%s' is not a valid topic filter",
				c->raw_in);
			return -EINVAL;
		}
	}
	m->mosq = mosquitto_new(id, true, m);
	if (!m->mosq)
		return errno == EINVAL ? -EINVAL : -ENOMEM;
	mosquitto_connect_callback_set(m->mosq, on_connect);
	mosquitto_disconnect_callback_set(m->mosq, on_disconnect);
	mosquitto_message_callback_set(m->mosq, on_message);
	mosquitto_publish_callback_set(m->mosq, on_publish);
	rc = mosquitto_will_set(m->mosq, m->t_lwt, 7, "Offline", 1, true);
	if (rc == MOSQ_ERR_SUCCESS && (c->user || c->password))
		rc = mosquitto_username_pw_set(m->mosq, c->user ? c->user : "",
					       c->password);
	if (rc != MOSQ_ERR_SUCCESS) {
		log_err("MQTT: %s", mosquitto_strerror(rc));
		return rc == MOSQ_ERR_NOMEM ? -ENOMEM : -EINVAL;
	}
	if ((c->certfile != NULL) != (c->keyfile != NULL)) {
		log_err("MQTT: mqtt-certfile and mqtt-keyfile go together");
		return -EINVAL;
	}
	if (c->certfile && !c->cafile) {
		log_err("MQTT: a client certificate needs mqtt-cafile (TLS)");
		return -EINVAL;
	}
	/* libmosquitto says only "Invalid function arguments" for a file it cannot open */
	if (tls_file_missing("mqtt-cafile", c->cafile) ||
	    tls_file_missing("mqtt-certfile", c->certfile) ||
	    tls_file_missing("mqtt-keyfile", c->keyfile))
		return -EINVAL;
	if (c->cafile) {
		rc = mosquitto_tls_set(m->mosq, c->cafile, NULL, c->certfile,
				       c->keyfile, NULL);
		if (rc != MOSQ_ERR_SUCCESS) {
			log_err("MQTT: TLS settings refused (%s): check mqtt-cafile, "
				"mqtt-certfile and mqtt-keyfile", mosquitto_strerror(rc));
			return -EINVAL;
		}
		m->tls = true;
	}
	m->numeric = inet_pton(AF_INET, c->host, &a6) == 1 ||
		     inet_pton(AF_INET6, c->host, &a6) == 1;
	m->hints.ai_family = AF_UNSPEC;
	m->hints.ai_socktype = SOCK_STREAM;
	return 0;
}

int mqtt_sink_new(sd_event *ev, struct store *store, struct commands_ctx *cmds,
		  const struct mqtt_opts *opts, struct mqtt_sink **out)
{
	struct mqtt_sink *m;
	int r;

	*out = NULL;
	if (!opts->host || (opts->raw_in && !opts->inject))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->ev = ev;
	m->store = store;
	m->cmds = cmds;
	m->o = *opts;
	m->fd = -1;
	m->dns_pipe[0] = m->dns_pipe[1] = -1;
	m->retry_ms = RETRY_MIN_MS;
	if (lib_refs++ == 0)
		mosquitto_lib_init();
	m->queue = mqtt_queue_new(opts->queue ? opts->queue : 1000, QUEUE_MAX_BYTES);
	if (!m->queue) {
		r = -ENOMEM;
		goto fail;
	}
	if (opts->raw_in && !(m->relay = relay_new(4096, 8192))) {
		r = -ENOMEM;
		goto fail;
	}
	r = configure(m);
	if (r < 0)
		goto fail;
	if (!m->numeric) {
		if (pipe2(m->dns_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
			r = -errno;
			goto fail;
		}
		r = sd_event_add_io(ev, &m->dns_src, m->dns_pipe[0], EPOLLIN, mqtt__on_dns, m);
		if (r < 0)
			goto fail;
	}
	r = sd_event_add_time_relative(ev, &m->misc, CLOCK_MONOTONIC, 1000000u, 100000u,
				       mqtt__on_misc, m);
	if (r < 0)
		goto fail;
	sd_event_source_set_enabled(m->misc, SD_EVENT_ON);
	r = sd_event_add_defer(ev, &m->drain, on_drain, m);
	if (r < 0)
		goto fail;
	sd_event_source_set_enabled(m->drain, SD_EVENT_OFF);
	commands_set_state_extra(cmds, state_extra, m);
	mqtt__attempt(m);
	*out = m;
	return 0;
fail:
	mqtt_sink_free(m);
	return r;
}

void mqtt_sink_free(struct mqtt_sink *m)
{
	if (!m)
		return;
	if (m->cmds && m->cmds->state_extra_data == m)
		commands_set_state_extra(m->cmds, NULL, NULL);
	if (m->resolving) {
		/* the resolver thread may still write to the pipe: wait for it */
		if (gai_cancel(&m->gai) != EAI_CANCELED) {
			const struct gaicb *l[1] = { &m->gai };

			while (gai_error(&m->gai) == EAI_INPROGRESS)
				gai_suspend(l, 1, NULL);
		}
		if (m->gai.ar_result)
			freeaddrinfo(m->gai.ar_result);
	}
	mqtt__drop_io(m);
	sd_event_source_disable_unref(m->misc);
	sd_event_source_disable_unref(m->drain);
	sd_event_source_disable_unref(m->retry);
	sd_event_source_disable_unref(m->dns_src);
	if (m->dns_pipe[0] >= 0)
		close(m->dns_pipe[0]);
	if (m->dns_pipe[1] >= 0)
		close(m->dns_pipe[1]);
	if (m->mosq)
		mosquitto_destroy(m->mosq);
	for (unsigned int i = 0; i < m->n_subs; i++)
		free(m->subs[i].pattern);
	mqtt_queue_free(m->queue);
	relay_free(m->relay);
	free(m);
	if (--lib_refs == 0)
		mosquitto_lib_cleanup();
}

int mqtt_sink_subscribe(struct mqtt_sink *m, const char *pattern,
			void (*fn)(void *data, const char *topic, const void *payload,
				   size_t len),
			void *data)
{
	if (!m || !pattern || !fn || mosquitto_sub_topic_check(pattern) != MOSQ_ERR_SUCCESS)
		return -EINVAL;
	if (m->n_subs == SUBS_MAX)
		return -ENOSPC;
	m->subs[m->n_subs].pattern = strdup(pattern);
	if (!m->subs[m->n_subs].pattern)
		return -ENOMEM;
	m->subs[m->n_subs].fn = fn;
	m->subs[m->n_subs].data = data;
	m->n_subs++;
	if (m->connected) {
		mosquitto_subscribe(m->mosq, NULL, pattern, 0);
		mqtt__sync_io(m);
	}
	return 0;
}

void mqtt_sink_forget(struct mqtt_sink *m, void *data)
{
	unsigned int kept = 0;

	if (!m)
		return;
	for (unsigned int i = 0; i < m->n_subs; i++) {
		if (m->subs[i].data == data)
			free(m->subs[i].pattern);
		else
			m->subs[kept++] = m->subs[i];
	}
	m->n_subs = kept;
	if (m->on_connect_data == data) {
		m->on_connect_fn = NULL;
		m->on_connect_data = NULL;
	}
}

void mqtt_sink_on_connect(struct mqtt_sink *m, void (*fn)(void *data), void *data)
{
	if (!m)
		return;
	m->on_connect_fn = fn;
	m->on_connect_data = data;
}

bool mqtt_sink_connected(const struct mqtt_sink *m)
{
	return m && m->connected;
}

uint64_t mqtt_sink_dropped(const struct mqtt_sink *m)
{
	return m ? mqtt_queue_dropped(m->queue) : 0;
}

unsigned int mqtt_sink_pending(const struct mqtt_sink *m)
{
	return m ? m->pending : 0;
}
