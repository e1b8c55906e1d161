/* SPDX-License-Identifier: MIT */
/* mqtt_conn.c — the MQTT sink's connection: libmosquitto's socket on the sd-event loop
 * (EPOLLOUT only while it has bytes to write), keepalive, reconnecting with backoff, and
 * host names resolved by getaddrinfo_a() so connecting never blocks the radio. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mosquitto.h>
#include <openssl/ssl.h>
#include <systemd/sd-event.h>

#include "util/log.h"
#include "sink/mqtt_int.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* ---- the socket on the loop ------------------------------------------------------------- */

void mqtt__drop_io(struct mqtt_sink *m)
{
	/* the fd may be closed already (libmosquitto closes before its callbacks): sd-event's
	 * EPOLL_CTL_DEL then fails harmlessly; nothing can have reused the number yet */
	m->io = sd_event_source_disable_unref(m->io);
	m->fd = -1;
	m->io_events = 0;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *user_data);
static void say_failure(struct mqtt_sink *m, int key, const char *what, const char *why);

/* Follow libmosquitto's socket: (re)register it and ask for EPOLLOUT only while it has
 * bytes to write. Called after every call into libmosquitto. */
void mqtt__sync_io(struct mqtt_sink *m)
{
	int fd = mosquitto_socket(m->mosq);
	uint32_t ev;

	if (fd != m->fd)
		mqtt__drop_io(m);
	if (fd < 0)
		return;
	ev = EPOLLIN | (mosquitto_want_write(m->mosq) ? EPOLLOUT : 0);
	if (!m->io) {
		if (sd_event_add_io(m->ev, &m->io, fd, ev, on_io, m) < 0) {
			log_err("MQTT: cannot watch the broker's socket");
			return;
		}
		m->fd = fd;
		m->io_events = ev;
		return;
	}
	if (ev != m->io_events && sd_event_source_set_io_events(m->io, ev) >= 0)
		m->io_events = ev;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *user_data)
{
	struct mqtt_sink *m = user_data;
	int rc = MOSQ_ERR_SUCCESS;

	(void)s;
	(void)fd;
	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		rc = mosquitto_loop_read(m->mosq, 1);
		/* TLS may hold whole packets it already decrypted: the socket will not say so */
		if (m->tls) {
			SSL *ssl = mosquitto_ssl_get(m->mosq);

			for (int i = 0; rc == MOSQ_ERR_SUCCESS && ssl && SSL_pending(ssl) > 0 &&
					i < 64; i++)
				rc = mosquitto_loop_read(m->mosq, 1);
		}
	}
	if (rc == MOSQ_ERR_SUCCESS && (revents & EPOLLOUT))
		rc = mosquitto_loop_write(m->mosq, 1);
	if (rc != MOSQ_ERR_SUCCESS)
		mqtt__lost(m, rc);
	else
		mqtt__sync_io(m);
	return 0;
}

int mqtt__on_misc(sd_event_source *s, uint64_t usec, void *user_data)
{
	struct mqtt_sink *m = user_data;

	/* an attempt with no CONNACK in time is given up, and said why, once; then keepalive:
	 * PINGREQ when due, and a broker that stopped answering is dropped */
	if (m->active && !m->connected && mosquitto_socket(m->mosq) >= 0 &&
	    usec >= m->attempt_us + CONNACK_TIMEOUT_S * 1000000ull) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);

		if (getpeername(mosquitto_socket(m->mosq), (struct sockaddr *)&peer, &plen) < 0)
			say_failure(m, 400001, "no connection to",
				    "the TCP connection was not established within "
				    STRINGIFY(CONNACK_TIMEOUT_S) " s (host down, or a firewall "
				    "dropping packets?)");
		else
			say_failure(m, 400000, "no answer from",
				    "it accepted the TCP connection but sent no CONNACK within "
				    STRINGIFY(CONNACK_TIMEOUT_S) " s (is it an MQTT broker? does that "
				    "port want TLS, or plain MQTT?)");
		mqtt__lost(m, MOSQ_ERR_KEEPALIVE); /* the next attempt closes this socket */
	} else if (m->active && mosquitto_socket(m->mosq) >= 0) {
		int rc = mosquitto_loop_misc(m->mosq);

		if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN)
			mqtt__lost(m, rc);
		else
			mqtt__sync_io(m);
	}
	sd_event_source_set_time(s, usec + 1000000u);
	return 0;
}

/* ---- connecting --------------------------------------------------------------------------- */

static int on_retry(sd_event_source *s, uint64_t usec, void *user_data)
{
	(void)s;
	(void)usec;
	mqtt__attempt(user_data);
	return 0;
}

static void schedule_retry(struct mqtt_sink *m)
{
	uint64_t now;

	if (m->stopping)
		return;
	sd_event_now(m->ev, CLOCK_MONOTONIC, &now);
	if (!m->retry) {
		if (sd_event_add_time(m->ev, &m->retry, CLOCK_MONOTONIC,
				      now + m->retry_ms * 1000ull, 10000, on_retry, m) < 0) {
			log_err("MQTT: cannot arm the reconnect timer");
			return;
		}
	} else {
		sd_event_source_set_time(m->retry, now + m->retry_ms * 1000ull);
	}
	sd_event_source_set_enabled(m->retry, SD_EVENT_ONESHOT);
	m->retry_ms = m->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : m->retry_ms * 2;
}

/* @key tells failures apart (mosquitto and resolver codes are offset to differ) */
static void say_failure(struct mqtt_sink *m, int key, const char *what, const char *why)
{
	if (key == m->last_err)
		return;
	m->last_err = key;
	log_warn("MQTT: %s %s:%u: %s; retrying in the background", what, m->o.host,
		 m->o.port, why);
}

/* The connection is gone (or never came): forget the socket, retry later. Idempotent:
 * libmosquitto's disconnect callback and our own error paths may both call it. */
void mqtt__lost(struct mqtt_sink *m, int rc)
{
	if (!m->active)
		return;
	m->active = false;
	mqtt__drop_io(m);
	if (m->connected) {
		m->connected = false;
		m->last_err = 0;
		if (!m->stopping)
			log_warn("MQTT: connection to %s:%u lost (%s)", m->o.host,
				 m->o.port, mosquitto_strerror(rc));
	}
	schedule_retry(m);
}

static void connect_to(struct mqtt_sink *m, const char *host)
{
	int rc;

	mqtt__drop_io(m);
	m->active = true;
	sd_event_now(m->ev, CLOCK_MONOTONIC, &m->attempt_us);
	rc = mosquitto_connect_async(m->mosq, host, (int)m->o.port, KEEPALIVE_S);
	if (rc != MOSQ_ERR_SUCCESS) {
		m->active = false;
		say_failure(m, rc == MOSQ_ERR_ERRNO ? 100000 + errno : rc, "cannot connect to",
			    rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		schedule_retry(m);
		return;
	}
	mqtt__sync_io(m);
}

/* getaddrinfo_a()'s thread says "done" through a pipe the loop watches. */
static void dns_notify(union sigval sv)
{
	struct mqtt_sink *m = sv.sival_ptr;
	char c = 1;

	if (write(m->dns_pipe[1], &c, 1) < 0) {
		/* the pipe is non-blocking and holds at most one byte in practice */
	}
}

int mqtt__on_dns(sd_event_source *s, int fd, uint32_t revents, void *user_data)
{
	struct mqtt_sink *m = user_data;
	char buf[16], host[INET6_ADDRSTRLEN];
	int err;

	(void)s;
	(void)revents;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (!m->resolving || gai_error(&m->gai) == EAI_INPROGRESS)
		return 0;
	m->resolving = false;
	err = gai_error(&m->gai);
	if (err || !m->gai.ar_result) {
		if (m->gai.ar_result)
			freeaddrinfo(m->gai.ar_result);
		m->gai.ar_result = NULL;
		err = err ? err : EAI_NONAME;
		say_failure(m, 200000 + err, "resolving", gai_strerror(err));
		schedule_retry(m);
		return 0;
	}
	err = getnameinfo(m->gai.ar_result->ai_addr, m->gai.ar_result->ai_addrlen, host,
			  sizeof(host), NULL, 0, NI_NUMERICHOST);
	freeaddrinfo(m->gai.ar_result);
	m->gai.ar_result = NULL;
	if (err) {
		say_failure(m, 200000 + err, "resolving", gai_strerror(err));
		schedule_retry(m);
		return 0;
	}
	/* TLS checks the certificate against the name libmosquitto connects to, so it gets
	 * the name (resolved again, now from a warm cache); plain TCP gets the address */
	connect_to(m, m->tls ? m->o.host : host);
	return 0;
}

void mqtt__attempt(struct mqtt_sink *m)
{
	struct sigevent sev = { 0 };
	int err;

	if (m->stopping || m->active || m->resolving)
		return;
	if (m->numeric) {
		connect_to(m, m->o.host);
		return;
	}
	memset(&m->gai, 0, sizeof(m->gai));
	m->gai.ar_name = m->o.host;
	m->gai.ar_request = &m->hints;
	m->gaip = &m->gai;
	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_notify_function = dns_notify;
	sev.sigev_value.sival_ptr = m;
	err = getaddrinfo_a(GAI_NOWAIT, &m->gaip, 1, &sev);
	if (err) {
		say_failure(m, 200000 + err, "resolving", gai_strerror(err));
		schedule_retry(m);
		return;
	}
	m->resolving = true;
}
