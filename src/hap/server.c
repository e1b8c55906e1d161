/* SPDX-License-Identifier: MIT */
/* server.c — see server.h; the routes are in server_routes.c. One struct conn per TCP connection; requests are handled one at a
 * time in arrival order (HAP controllers do not pipeline, but nothing breaks if they do). */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>


#include "hap/server_int.h"
#include "util/clock.h"
#include "util/errbuf.h"
#include "util/log.h"

static void conn_free(struct conn *c);

/* ---- output ---- */

static int out_append(struct conn *c, const uint8_t *p, size_t n)
{
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		uint8_t *b;

		while (cap < c->out_len + n)
			cap *= 2;
		if (cap > OUT_MAX)
			return -ENOBUFS;
		b = realloc(c->out, cap);
		if (!b)
			return -ENOMEM;
		c->out = b;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	return 0;
}

static void flush(struct conn *c)
{
	while (c->out_len) {
		ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			c->closing = true;
			c->out_len = 0;
			break;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	sd_event_source_set_io_events(c->io, EPOLLIN | (c->out_len ? EPOLLOUT : 0));
}

/* Queues a whole HTTP message, encrypted once the session is up. */
void hap__send_msg(struct conn *c, const uint8_t *msg, size_t len)
{
	int r;

	if (c->encrypted) {
		size_t n = session_sealed_len(len);
		uint8_t *enc = malloc(n);
		ssize_t k = enc ? session_seal(&c->sess, msg, len, enc, n) : -ENOMEM;

		r = k < 0 ? (int)k : out_append(c, enc, (size_t)k);
		free(enc);
	} else {
		r = out_append(c, msg, len);
	}
	if (r < 0) {
		log_msg(LOG_WARNING_, "homekit: %s: dropping the connection: %s", c->peer,
			r == -ENOBUFS ? "it reads nothing" : strerror(-r));
		c->closing = true;
	}
}

void hap__respond(struct conn *c, int status, const char *type, const void *body, size_t len)
{
	size_t cap = len + 256;
	uint8_t *buf = malloc(cap);
	struct wr w = wr_init(buf, cap);

	if (!buf) {
		c->closing = true;
		return;
	}
	http_response(&w, status, type, body, len);
	if (wr_ok(&w))
		hap__send_msg(c, buf, wr_len(&w));
	free(buf);
}

void hap__respond_status(struct conn *c, int http, int hap)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "{\"status\":%d}", hap);

	hap__respond(c, http, "application/hap+json", b, (size_t)n);
}

void hap__respond_json(struct conn *c, hap__fill_fn fill, void *arg)
{
	for (size_t cap = JSON_START; cap <= JSON_MAX; cap *= 2) {
		char *buf = malloc(cap);
		struct jw w;
		int status, n;

		if (!buf)
			break;
		jw_init(&w, buf, cap);
		status = fill(c, arg, &w);
		n = jw_finish(&w);
		if (n >= 0) {
			if (status == 204)
				hap__respond(c, 204, NULL, NULL, 0);
			else
				hap__respond(c, status, "application/hap+json", buf, (size_t)n);
			free(buf);
			return;
		}
		free(buf);
	}
	hap__respond_status(c, 500, -70403);
}

/* ---- input ---- */

static void process(struct conn *c)
{
	if (c->encrypted) {
		size_t used;
		ssize_t n = session_open(&c->sess, c->raw, c->raw_len, &used, c->in + c->in_len,
					 sizeof(c->in) - c->in_len);

		if (n < 0) {
			log_msg(LOG_WARNING_, "homekit: %s: a frame that does not decrypt: closed",
				c->peer);
			c->closing = true;
			return;
		}
		c->in_len += (size_t)n;
		memmove(c->raw, c->raw + used, c->raw_len - used);
		c->raw_len -= used;
	} else {
		memcpy(c->in + c->in_len, c->raw, c->raw_len);
		c->in_len += c->raw_len;
		c->raw_len = 0;
	}
	while (c->in_len && !c->closing) {
		struct http_req q;
		bool was_plain = !c->encrypted;
		int r = http_parse(c->in, c->in_len, &q);

		if (r == 0 && c->in_len == sizeof(c->in))
			r = -E2BIG;
		if (r == 0)
			break;
		if (r < 0) {
			log_msg(LOG_WARNING_, "homekit: %s: a bad request (%s): closed", c->peer,
				r == -E2BIG ? "too large" : r == -ENOSYS ? "not HAP" : "malformed");
			hap__respond_status(c, r == -E2BIG ? 413 : 400, -70410);
			c->closing = true;
			break;
		}
		hap__handle(c, &q);
		memmove(c->in, c->in + q.total, c->in_len - q.total);
		c->in_len -= q.total;
		if (was_plain && c->encrypted && c->in_len) {
			/* bytes after M3 were already encrypted: decrypt them now */
			memmove(c->raw + c->in_len, c->raw, c->raw_len);
			memcpy(c->raw, c->in, c->in_len);
			c->raw_len += c->in_len;
			c->in_len = 0;
			process(c);
			return;
		}
	}
}

static int on_conn_io(sd_event_source *src, int fd, uint32_t events, void *data)
{
	struct conn *c = data;

	(void)src;
	if (events & EPOLLIN) {
		ssize_t n = recv(fd, c->raw + c->raw_len, sizeof(c->raw) - c->raw_len, 0);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			c->closing = true;
			c->out_len = 0;
		} else if (n > 0) {
			c->raw_len += (size_t)n;
			process(c);
		}
	}
	flush(c);
	if (c->closing && !c->out_len)
		conn_free(c);
	return 0;
}

/* ---- events ---- */

static void send_events(struct conn *c, const struct hap_ref *refs, size_t n)
{
	struct hap_server *s = c->srv;
	char json[4096];
	uint8_t msg[4096 + 128];
	struct jw w;
	struct wr m = wr_init(msg, sizeof(msg));
	int len;

	jw_init(&w, json, sizeof(json));
	jw_obj_begin(&w);
	jw_key(&w, "characteristics");
	jw_arr_begin(&w);
	for (size_t i = 0; i < n; i++)
		hap_db_event(&s->db, s->o.store, &s->o.db, hap__now(s), refs[i], &w);
	jw_arr_end(&w);
	jw_obj_end(&w);
	len = jw_finish(&w);
	if (len < 0)
		return;
	http_event(&m, json, (size_t)len);
	if (wr_ok(&m))
		hap__send_msg(c, msg, wr_len(&m));
}

static int on_event_timer(sd_event_source *src, uint64_t usec, void *data)
{
	struct conn *c = data;
	struct hap_ref refs[SUBS_MAX];
	uint64_t now = clock_mono_us(), next = 0;
	size_t n = 0;

	(void)src, (void)usec;
	for (size_t i = 0; i < c->n_subs; i++) {
		struct sub *sb = &c->subs[i];

		if (!sb->pending)
			continue;
		if (now - sb->last_us >= EVENT_GAP_US) {
			sb->pending = false;
			sb->last_us = now;
			refs[n++] = sb->ref;
		} else if (!next || sb->last_us + EVENT_GAP_US < next) {
			next = sb->last_us + EVENT_GAP_US;
		}
	}
	if (n)
		send_events(c, refs, n);
	if (next) {
		sd_event_source_set_time(c->timer, next);
		sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
	}
	flush(c);
	if (c->closing && !c->out_len)
		conn_free(c);
	return 0;
}

static void on_store_event(const struct store_event *ev, void *data)
{
	struct hap_server *s = data;
	struct hap_ref changed[16];
	size_t n;

	if (ev->kind == STORE_EVENT_NEW || ev->kind == STORE_EVENT_CONFIG) {
		hap_server_rebuild(s);
		return;
	}
	hap_db_heard(&s->db, ev);
	n = hap_db_changed(&s->db, ev, changed, 16);
	if (!n)
		return;
	for (size_t k = 0; k < HAP_CONN_MAX; k++) {
		struct conn *c = s->conns[k];
		struct hap_ref now_refs[16];
		size_t m = 0;
		bool arm = false;
		uint64_t now = clock_mono_us();

		if (!c || !c->encrypted || c->closing)
			continue;
		for (size_t i = 0; i < n; i++) {
			struct sub *sb = hap__sub_find(c, changed[i]);
			bool button = changed[i].press != 0; /* a press goes out at once */

			if (!sb)
				continue;
			if (button || now - sb->last_us >= EVENT_GAP_US) {
				sb->last_us = now;
				sb->pending = false;
				now_refs[m++] = changed[i];
			} else {
				sb->pending = true;
				arm = true;
			}
		}
		if (m)
			send_events(c, now_refs, m);
		if (arm) {
			sd_event_source_set_time(c->timer, now + EVENT_GAP_US / 4);
			sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
		}
		flush(c);
	}
}

/* ---- connections ---- */

static void conn_free(struct conn *c)
{
	struct hap_server *s = c->srv;

	/* a controller that went away (a phone leaving the Wi-Fi, a hub restarting) */
	if (c->encrypted)
		log_msg(LOG_INFO_, "homekit: %s: the session of %s ended", c->peer,
			c->pv.controller);

	for (size_t i = 0; i < HAP_CONN_MAX; i++)
		if (s->conns[i] == c)
			s->conns[i] = NULL;
	pair_setup_drop(&s->ps, c);
	sd_event_source_disable_unref(c->io);
	sd_event_source_disable_unref(c->timer);
	close(c->fd);
	pair_verify_wipe(&c->pv);
	session_wipe(&c->sess);
	free(c->out);
	free(c);
}

static int on_accept(sd_event_source *src, int fd, uint32_t events, void *data)
{
	struct hap_server *s = data;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int cfd = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct conn *c;
	size_t slot = HAP_CONN_MAX;
	char host[INET6_ADDRSTRLEN] = "?";

	(void)src, (void)events;
	if (cfd < 0)
		return 0;
	for (size_t i = 0; i < HAP_CONN_MAX; i++)
		if (!s->conns[i]) {
			slot = i;
			break;
		}
	if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
	else if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
	if (slot == HAP_CONN_MAX) {
		log_msg(LOG_WARNING_, "homekit: %d controllers connected already: %s refused",
			HAP_CONN_MAX, host);
		close(cfd);
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(cfd);
		return 0;
	}
	c->srv = s;
	c->fd = cfd;
	snprintf(c->peer, sizeof(c->peer), "%s", host);
	if (sd_event_add_io(s->o.ev, &c->io, cfd, EPOLLIN, on_conn_io, c) < 0 ||
	    sd_event_add_time(s->o.ev, &c->timer, CLOCK_MONOTONIC, 0, 10000, on_event_timer,
			      c) < 0) {
		sd_event_source_disable_unref(c->io);
		close(cfd);
		free(c);
		return 0;
	}
	sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
	s->conns[slot] = c;
	return 0;
}

/* ---- the server ---- */

/* HAP's 150 accessories: the sensors past them are not in Home, and the user must know */
static void say_left_out(const struct hap_server *s)
{
	if (s->db.left_out)
		log_msg(LOG_WARNING_, "homekit: %zu sensors left out: HomeKit bridges at most %d",
			s->db.left_out, HAP_DB_MAX);
}

int hap_server_new(struct hap_server **out, const struct hap_server_opts *o, char *err,
		   size_t errlen)
{
	struct hap_server *s = calloc(1, sizeof(*s));
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(o->port) };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(o->port) };
	struct sockaddr *sa = (struct sockaddr *)&a6;
	socklen_t sl = sizeof(a6);
	int one = 1, r;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->o = *o;
	s->fd = -1;
	pair_setup_init(&s->ps);
	if (o->bind && inet_pton(AF_INET, o->bind, &a4.sin_addr) == 1) {
		sa = (struct sockaddr *)&a4;
		sl = sizeof(a4);
	} else if (o->bind && inet_pton(AF_INET6, o->bind, &a6.sin6_addr) != 1) {
		errbuf_set(err, errlen, "homekit: '%s' is not an IP address to listen on", o->bind);
		free(s);
		return -EINVAL;
	} else if (!o->bind) {
		a6.sin6_addr = in6addr_any;
	}
	s->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s->fd, sa, sl) < 0 || listen(s->fd, 16) < 0) {
		r = -errno;
		errbuf_set(err, errlen, "homekit: cannot listen on %s port %u: %s",
			   o->bind ? o->bind : "every address", o->port, strerror(-r));
		hap_server_free(s);
		return r;
	}
	if (getsockname(s->fd, sa, &sl) == 0)
		s->port = ntohs(sa->sa_family == AF_INET ? a4.sin_port : a6.sin6_port);
	r = sd_event_add_io(o->ev, &s->listen, s->fd, EPOLLIN, on_accept, s);
	if (r < 0) {
		errbuf_set(err, errlen, "homekit: %s", strerror(-r));
		hap_server_free(s);
		return r;
	}
	r = hap_db_build(&s->db, o->store, o->hs, err, errlen);
	if (r < 0) {
		hap_server_free(s);
		return r;
	}
	say_left_out(s);
	s->store_sub = store_subscribe(o->store, STORE_EVENT_UPDATE | STORE_EVENT_STALE |
				       STORE_EVENT_NEW | STORE_EVENT_CONFIG, on_store_event, s, NULL);
	*out = s;
	return 0;
}

void hap_server_free(struct hap_server *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < HAP_CONN_MAX; i++)
		if (s->conns[i])
			conn_free(s->conns[i]);
	if (s->store_sub)
		store_unsubscribe(s->o.store, s->store_sub);
	sd_event_source_disable_unref(s->listen);
	if (s->fd >= 0)
		close(s->fd);
	pair_setup_drop(&s->ps, s->ps.owner);
	free(s);
}

uint64_t hap__now(const struct hap_server *s)
{
	return s->o.now_us ? s->o.now_us(s->o.now_data) : clock_real_us();
}

uint16_t hap_server_port(const struct hap_server *s)
{
	return s->port;
}

unsigned int hap_server_connections(const struct hap_server *s)
{
	unsigned int n = 0;

	for (size_t i = 0; i < HAP_CONN_MAX; i++)
		n += s->conns[i] != NULL;
	return n;
}

size_t hap_server_accessories(const struct hap_server *s, size_t *left_out)
{
	*left_out = s->db.left_out;
	return s->db.n;
}

void hap_server_rebuild(struct hap_server *s)
{
	char err[256];
	unsigned int before = hap_store_config_number(s->o.hs);
	size_t left_out = s->db.left_out;

	if (hap_db_build(&s->db, s->o.store, s->o.hs, err, sizeof(err)) < 0)
		log_msg(LOG_ERR_, "%s", err);
	if (s->db.left_out != left_out)
		say_left_out(s);
	if (hap_store_config_number(s->o.hs) != before && s->o.announce)
		s->o.announce(s->o.data);
}

int hap_server_reset(struct hap_server *s, char *err, size_t errlen)
{
	int r;

	for (size_t i = 0; i < HAP_CONN_MAX; i++)
		if (s->conns[i])
			conn_free(s->conns[i]);
	pair_setup_drop(&s->ps, s->ps.owner);
	s->ps.failures = 0;
	r = hap_store_reset(s->o.hs, err, errlen);
	if (r == 0 && s->o.announce)
		s->o.announce(s->o.data);
	return r;
}
