/* SPDX-License-Identifier: MIT */
/* web.c — the HTTP side of the web interface: libmicrohttpd in external-epoll mode driven by
 * the daemon's sd-event loop (its epoll fd is one io source, MHD_get_timeout one timer), the
 * routes, authentication (WebPassword by HTTP Basic or a session cookie), CSRF checks, the
 * console log, and the coalescing of store events into SSE updates (at most one per sensor
 * per WEB_FLUSH_MS). Nothing here blocks the loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <systemd/sd-event.h>

#include "util/log.h"
#include "cmd/commands.h"
#include "store/mi32cfg.h"
#include "store/mi32cfg_store.h"
#include "store/sensor.h"
#include "store/store.h"
#include "util/hex.h"
#include "util/timefmt.h"
#include "sink/sse.h"
#include "sink/mqtt.h"
#include "sink/web.h"

/* build/web_assets.c, generated from web/ at build time */
struct web_asset {
	const char *path;
	const char *type;
	const unsigned char *data;
	size_t len;
};
extern const struct web_asset web_assets[];
extern const size_t web_assets_count;

#define WEB_FLUSH_MS 250        /* SSE: at most one update per sensor per this */
#define WEB_SESSIONS 16
#define WEB_SESSION_TTL_S (7u * 24 * 3600)
#define WEB_LOG_LINES 200
#define WEB_LOG_LINE_MAX 8192
#define WEB_LOGIN_FAILS 10      /* per minute, then 429 */
#define COOKIE_NAME "mi32s"

struct session {
	char id[33];
	uint64_t expires_us;
};

struct log_line {
	uint64_t seq;
	uint64_t time_s;
	char *text;
};

struct web {
	sd_event *ev;
	struct store *store;           /* borrowed */
	struct commands_ctx *cmds;     /* borrowed */
	struct web_opts o;             /* strings borrowed */
	struct MHD_Daemon *mhd;
	sd_event_source *io, *timer, *wake, *flush, *tick;
	struct sse_hub *hub;
	unsigned int sub;
	const char *password;          /* NULL = none */
	char csrf[33];
	char mqtt[160];
	struct session sessions[WEB_SESSIONS];
	unsigned int login_fails;
	uint64_t login_window_us;
	/* SSE coalescing: per slot 1 = changed, 2 = new data (flash) */
	uint8_t *dirty;
	size_t dirty_n;
	bool flush_armed;
	/* node widget */
	uint64_t rate_adverts, rate_us;
	double rate;
	unsigned int ticks;
	/* console */
	struct log_line log[WEB_LOG_LINES];
	uint64_t log_seq;
};

/* per request */
struct req {
	char *body;
	size_t len;
	bool answered;  /* an early reply (413) was queued */
};

/* what the request may do */
struct who {
	bool authed;    /* may use every page and API */
	bool keys;      /* may see keys (authenticated, or no password and on loopback) */
};

/* ---- small helpers ------------------------------------------------------------------------ */

static void random_hex(char out[33])
{
	uint8_t b[16];

	if (getrandom(b, sizeof(b), 0) != sizeof(b)) {
		/* getrandom never fails for 16 bytes after boot; keep going with time bits */
		uint64_t t = timefmt_now_us();

		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (uint8_t)(t >> (i % 8 * 8)) ^ (uint8_t)(uintptr_t)out ^ (uint8_t)i;
	}
	hex_encode(b, sizeof(b), out, 0);
}

static uint64_t mono_us(struct web *w)
{
	uint64_t t = 0;

	sd_event_now(w->ev, CLOCK_MONOTONIC, &t);
	return t;
}

static void add_security_headers(struct MHD_Response *r, bool html)
{
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (html)
		MHD_add_response_header(r, "Content-Security-Policy",
					"default-src 'self'; script-src 'self'; "
					"style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
					"connect-src 'self'; frame-ancestors 'none'; "
					"form-action 'self'; base-uri 'none'");
}

static enum MHD_Result reply_buf(struct MHD_Connection *c, unsigned int status,
				 const char *type, char *buf, size_t len,
				 enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, buf, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	add_security_headers(r, strncmp(type, "text/html", 9) == 0);
	/* curl and scrapers learn of Basic auth; a browser's own fetches must not pop its
	 * password dialog over our login form (browsers send Sec-Fetch-*) */
	if (status == MHD_HTTP_UNAUTHORIZED && strncmp(type, "application/json", 16) == 0 &&
	    !MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site"))
		MHD_add_response_header(r, "WWW-Authenticate", "Basic realm=\"mi32\"");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned int status,
				  const char *json)
{
	return reply_buf(c, status, "application/json", (char *)json, strlen(json),
			 MHD_RESPMEM_MUST_COPY);
}

/* {"error":"<why>"} with @status */
static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned int status,
				   const char *why)
{
	char buf[512];
	struct jw w;

	jw_init(&w, buf, sizeof(buf));
	jw_obj_begin(&w);
	jw_key(&w, "error");
	jw_str(&w, why);
	jw_key(&w, "status");
	jw_uint(&w, status);
	jw_obj_end(&w);
	if (jw_finish(&w) < 0)
		snprintf(buf, sizeof(buf), "{\"error\":\"error\",\"status\":%u}", status);
	return reply_json(c, status, buf);
}

/* Build JSON with @fn into a buffer that grows until it fits; replies it (200 or @status). */
typedef int (*json_fn)(struct web *w, const struct who *who, void *arg, struct jw *jw);

static enum MHD_Result reply_built(struct web *w, struct MHD_Connection *c, const struct who *who,
				   json_fn fn, void *arg)
{
	size_t size = 16384;

	for (;;) {
		char *buf = malloc(size);
		struct jw jw;
		int status;

		if (!buf)
			return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		jw_init(&jw, buf, size);
		status = fn(w, who, arg, &jw);
		if (jw_finish(&jw) >= 0)
			return reply_buf(c, status > 0 ? (unsigned int)status : MHD_HTTP_OK,
					 "application/json", buf, jw.len, MHD_RESPMEM_MUST_FREE);
		free(buf);
		if (size >= (64u << 20))
			return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "reply too large");
		size *= 4;
	}
}

static const struct web_asset *asset_find(const char *path)
{
	for (size_t i = 0; i < web_assets_count; i++)
		if (strcmp(web_assets[i].path, path) == 0)
			return &web_assets[i];
	return NULL;
}

static enum MHD_Result reply_asset(struct MHD_Connection *c, unsigned int status,
				   const struct web_asset *a)
{
	return reply_buf(c, status, a->type, (char *)a->data, a->len, MHD_RESPMEM_PERSISTENT);
}

/* ---- console log -------------------------------------------------------------------------- */

static void log_line(struct web *w, const char *prefix, const char *text);

/* the daemon's own log lines, as Tasmota's console shows them */
static void on_log(void *user_data, int level, const char *line)
{
	(void)level;
	log_line(user_data, "LOG: ", line);
}

static void log_line(struct web *w, const char *prefix, const char *text)
{
	struct log_line *l = &w->log[w->log_seq % WEB_LOG_LINES];
	size_t pl = strlen(prefix), tl = strlen(text);
	char buf[256];
	struct jw jw;
	char *js;
	size_t jsize;

	if (tl > WEB_LOG_LINE_MAX)
		tl = WEB_LOG_LINE_MAX;
	free(l->text);
	l->text = malloc(pl + tl + 1);
	l->seq = ++w->log_seq;
	l->time_s = sink_now(&w->o.clock) / 1000000u;
	if (!l->text)
		return;
	memcpy(l->text, prefix, pl);
	memcpy(l->text + pl, text, tl);
	l->text[pl + tl] = '\0';
	if (!sse_hub_clients(w->hub))
		return;
	jsize = 2 * (pl + tl) + 128;
	js = jsize > sizeof(buf) ? malloc(jsize) : buf;
	if (!js)
		return;
	jw_init(&jw, js, jsize);
	jw_obj_begin(&jw);
	jw_key(&jw, "seq");
	jw_uint(&jw, l->seq);
	jw_key(&jw, "t");
	jw_uint(&jw, l->time_s);
	jw_key(&jw, "text");
	jw_str(&jw, l->text);
	jw_obj_end(&jw);
	if (jw_finish(&jw) >= 0)
		sse_hub_send(w->hub, SSE_TO_KEYS, "log", js);
	if (js != buf)
		free(js);
}

/* ---- authentication ----------------------------------------------------------------------- */

static bool peer_loopback(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	if (!sa)
		return false;
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

static struct session *session_find(struct web *w, const char *id)
{
	uint64_t now = mono_us(w);

	if (strlen(id) != 32)
		return NULL;
	for (int i = 0; i < WEB_SESSIONS; i++) {
		struct session *s = &w->sessions[i];

		if (s->id[0] && s->expires_us > now && web_secret_eq(s->id, id))
			return s;
	}
	return NULL;
}

static struct who who_of(struct web *w, struct MHD_Connection *c)
{
	struct who who = { false, false };
	const char *h;
	char id[64];

	if (!w->password) {
		who.authed = true;
		who.keys = peer_loopback(c);
		return who;
	}
	h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (web_basic_auth_ok(h, w->password))
		who.authed = true;
	h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
	if (!who.authed && web_cookie_get(h, COOKIE_NAME, id, sizeof(id)) > 0 &&
	    session_find(w, id))
		who.authed = true;
	who.keys = who.authed;
	return who;
}

/* A state-changing request must come from our own pages: same origin, with the token. */
static bool csrf_ok(struct web *w, struct MHD_Connection *c)
{
	const char *tok = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");

	if (site && strcmp(site, "same-origin") && strcmp(site, "none"))
		return false;
	return tok && web_secret_eq(tok, w->csrf);
}

/* ---- JSON builders ------------------------------------------------------------------------- */

static void node_facts(struct web *w, struct web_node *n)
{
	n->topic = w->o.topic;
	n->version = w->o.version;
	n->mqtt = w->mqtt;
	/* whether the MQTT sink is connected to its broker right now */
	n->mqtt_connected = w->o.mqtt ? mqtt_sink_connected(w->o.mqtt) : -1;
	n->mqtt_dropped = mqtt_sink_dropped(w->o.mqtt);
	n->mqtt_pending = mqtt_sink_pending(w->o.mqtt);
	n->start_us = sink_start(&w->o.clock);
	/* the daemon's clock: under --replay --fast both ends are capture time, never wall time */
	n->uptime_s = sink_now(&w->o.clock) > n->start_us
			      ? (sink_now(&w->o.clock) - n->start_us) / 1000000u
			      : 0;
	n->adverts_per_s = w->rate;
}

static int build_sensors(struct web *w, const struct who *who, void *arg, struct jw *jw)
{
	struct web_json_opts o = { .now_us = sink_now(&w->o.clock), .show_keys = who->keys };

	(void)arg;
	web_json_sensors(w->store, &o, jw);
	return 0;
}

static int build_node(struct web *w, const struct who *who, void *arg, struct jw *jw)
{
	struct web_node n;

	(void)who;
	(void)arg;
	node_facts(w, &n);
	web_json_node(w->store, &n, sink_now(&w->o.clock), jw);
	return 0;
}

static int build_session(struct web *w, const struct who *who, void *arg, struct jw *jw)
{
	(void)arg;
	jw_obj_begin(jw);
	jw_key(jw, "auth");
	jw_bool(jw, who->authed);
	jw_key(jw, "password");
	jw_bool(jw, w->password != NULL);
	jw_key(jw, "keys");
	jw_bool(jw, who->keys);
	jw_key(jw, "user");
	jw_str(jw, WEB_USER);
	if (who->authed) {
		jw_key(jw, "csrf");
		jw_str(jw, w->csrf);
		jw_key(jw, "mi32cfg");
		jw_str(jw, w->o.mi32cfg ? w->o.mi32cfg : "");
	}
	jw_key(jw, "topic");
	jw_str(jw, w->o.topic ? w->o.topic : "");
	jw_key(jw, "version");
	jw_str(jw, w->o.version ? w->o.version : "");
	jw_obj_end(jw);
	return 0;
}

static int build_types(struct web *w, const struct who *who, void *arg, struct jw *jw)
{
	(void)w;
	(void)who;
	(void)arg;
	web_json_types(jw);
	return 0;
}

static int build_log(struct web *w, const struct who *who, void *arg, struct jw *jw)
{
	uint64_t first = w->log_seq > WEB_LOG_LINES ? w->log_seq - WEB_LOG_LINES + 1 : 1;

	(void)who;
	(void)arg;
	jw_obj_begin(jw);
	jw_key(jw, "lines");
	jw_arr_begin(jw);
	for (uint64_t s = first; s <= w->log_seq; s++) {
		const struct log_line *l = &w->log[(s - 1) % WEB_LOG_LINES];

		if (!l->text || l->seq != s)
			continue;
		jw_obj_begin(jw);
		jw_key(jw, "seq");
		jw_uint(jw, l->seq);
		jw_key(jw, "t");
		jw_uint(jw, l->time_s);
		jw_key(jw, "text");
		jw_str(jw, l->text);
		jw_obj_end(jw);
	}
	jw_arr_end(jw);
	jw_obj_end(jw);
	return 0;
}

static int build_cfg_current(struct web *w, const struct who *who, void *arg, struct jw *jw)
{
	struct mi32cfg *cfg = NULL;
	int r;

	(void)arg;
	if (mi32cfg_from_store(w->store, NULL, &cfg) < 0) {
		jw_obj_begin(jw);
		jw_key(jw, "error");
		jw_str(jw, "out of memory");
		jw_obj_end(jw);
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	/* the rows are whole even when the formatted text could not be added */
	r = web_json_cfg(cfg, who->keys, jw);
	mi32cfg_free(cfg);
	return r < 0 ? MHD_HTTP_INTERNAL_SERVER_ERROR : 0;
}

struct body {
	const char *p;
	size_t len;
	bool confirm_empty; /* POST /api/mi32cfg?confirm_empty=1: [] may empty the file */
};

static int build_cfg_check(struct web *w, const struct who *who, void *arg, struct jw *jw)
{
	const struct body *b = arg;

	(void)w;
	return web_json_cfg_check(b->p, b->len, who->keys, jw) == -ENOMEM
		       ? MHD_HTTP_INTERNAL_SERVER_ERROR
		       : 0;
}

static int build_cfg_save(struct web *w, const struct who *who, void *arg, struct jw *jw)
{
	const struct body *b = arg;
	struct mi32cfg *cfg = NULL;
	char err[MI32CFG_ERR_LEN];
	bool all_kept = true;
	size_t ws = 0;
	int r;

	/* an empty body (a failed upload, a script's empty variable) once wrote "[]" over
	 * every key; emptying the file takes an explicit [] and ?confirm_empty=1 (issue 10 #6) */
	while (ws < b->len && b->p[ws] && strchr(" \t\r\n", b->p[ws]))
		ws++;
	if (ws == b->len) {
		jw_obj_begin(jw);
		jw_key(jw, "MI32Cfg");
		jw_str(jw, "Error");
		jw_key(jw, "error");
		jw_str(jw, "the body is empty: nothing was saved (to remove every sensor, send [] "
			   "to /api/mi32cfg?confirm_empty=1)");
		jw_obj_end(jw);
		return MHD_HTTP_BAD_REQUEST;
	}
	if (mi32cfg_parse(b->p, b->len, &cfg, err) < 0) {
		web_json_cfg_check(b->p, b->len, who->keys, jw);
		return MHD_HTTP_BAD_REQUEST;
	}
	if (mi32cfg_count(cfg) == 0 && !b->confirm_empty) {
		jw_obj_begin(jw);
		jw_key(jw, "MI32Cfg");
		jw_str(jw, "Error");
		jw_key(jw, "error");
		jw_str(jw, "an empty list would remove every sensor and key from the file: nothing "
			   "was saved (to do it, send [] to /api/mi32cfg?confirm_empty=1)");
		jw_obj_end(jw);
		mi32cfg_free(cfg);
		return MHD_HTTP_BAD_REQUEST;
	}
	r = commands_replace_mi32cfg(w->cmds, cfg, &all_kept, err);
	jw_obj_begin(jw);
	if (r < 0) {
		jw_key(jw, "MI32Cfg");
		jw_str(jw, "Error");
		jw_key(jw, "error");
		jw_str(jw, err);
	} else {
		jw_key(jw, "MI32Cfg");
		jw_str(jw, "Done");
		jw_key(jw, "path");
		jw_str(jw, w->o.mi32cfg);
		jw_key(jw, "sensors");
		jw_uint(jw, mi32cfg_count(cfg));
		if (!all_kept) {
			jw_key(jw, "note");
			jw_str(jw, "deleted sensors are gone from the file; they leave the running "
				   "list at the next start");
		}
	}
	jw_obj_end(jw);
	if (r >= 0) {
		char line[160];

		snprintf(line, sizeof(line), "saved %zu sensors to %s (web editor)",
			 mi32cfg_count(cfg), w->o.mi32cfg);
		log_line(w, "CFG: ", line);
	}
	mi32cfg_free(cfg);
	return r < 0 ? MHD_HTTP_INTERNAL_SERVER_ERROR : 0;
}

/* ---- commands ------------------------------------------------------------------------------ */

static enum MHD_Result run_command(struct web *w, struct MHD_Connection *c, const char *line,
				   const char *via)
{
	char *reply = malloc(CMD_REPLY_MAX);
	char topic_line[128];
	enum MHD_Result ret;

	if (!reply)
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	log_line(w, via, line);
	commands_exec(w->cmds, line, reply, CMD_REPLY_MAX);
	snprintf(topic_line, sizeof(topic_line), "RSL: stat/%s/RESULT = ",
		 w->o.topic ? w->o.topic : "mi32");
	log_line(w, topic_line, reply);
	ret = reply_buf(c, MHD_HTTP_OK, "application/json", reply, strlen(reply),
			MHD_RESPMEM_MUST_FREE);
	return ret;
}

/* GET /cm?cmnd=… — Tasmota's HTTP command API, with its ?user=admin&password=… too */
static enum MHD_Result route_cm_get(struct web *w, struct MHD_Connection *c, struct who *who)
{
	const char *line = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cmnd");
	const char *user = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "user");
	const char *pass = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "password");
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");

	if (w->password && !who->authed && user && pass && web_secret_eq(user, WEB_USER) &&
	    web_secret_eq(pass, w->password))
		who->authed = true;
	if (!who->authed)
		return reply_error(c, MHD_HTTP_UNAUTHORIZED, "this needs the web password");
	if (!line || !*line)
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "give a command: /cm?cmnd=Status%208");
	if (strlen(line) > WEB_PARAM_MAX)
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "the command is too long");
	/* a link on another site must not change anything, password or not */
	if (commands_writes(line) && site && strcmp(site, "same-origin") && strcmp(site, "none"))
		return reply_error(c, MHD_HTTP_FORBIDDEN,
				   "commands that change state cannot come from another site");
	return run_command(w, c, line, "CMD: ");
}

/* ---- SSE ---------------------------------------------------------------------------------- */

static void wake_mhd(void *data)
{
	struct web *w = data;

	sd_event_source_set_enabled(w->wake, SD_EVENT_ONESHOT);
}

static void hello_json(struct web *w, char *buf, size_t size)
{
	struct web_node n;
	struct jw jw;

	node_facts(w, &n);
	jw_init(&jw, buf, size);
	web_json_node(w->store, &n, sink_now(&w->o.clock), &jw);
	if (jw_finish(&jw) < 0)
		snprintf(buf, size, "{}");
}

static enum MHD_Result route_events(struct web *w, struct MHD_Connection *c,
				    const struct who *who)
{
	char hello[1024];
	struct MHD_Response *r;
	enum MHD_Result ret;

	hello_json(w, hello, sizeof(hello));
	r = sse_hub_attach(w->hub, c, hello, who->keys);
	if (!r)
		return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "too many event streams");
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static void send_sensor(struct web *w, unsigned int slot, bool fresh)
{
	char stack[8192];
	struct web_json_opts o = { .now_us = sink_now(&w->o.clock), .fresh = fresh };
	struct jw jw;

	for (int keys = 0; keys < 2; keys++) {
		enum sse_to to = keys ? SSE_TO_KEYS : SSE_TO_NO_KEYS;

		if (!sse_hub_count(w->hub, to))
			continue;
		o.show_keys = keys;
		jw_init(&jw, stack, sizeof(stack));
		web_json_sensor(w->store, slot, &o, &jw);
		if (jw_finish(&jw) >= 0)
			sse_hub_send(w->hub, to, "sensor", stack);
	}
}

static int on_flush(sd_event_source *s, uint64_t usec, void *data)
{
	struct web *w = data;

	(void)s;
	(void)usec;
	w->flush_armed = false;
	for (size_t i = 0; i < w->dirty_n; i++) {
		if (!w->dirty[i])
			continue;
		send_sensor(w, (unsigned int)i, w->dirty[i] & 2);
		w->dirty[i] = 0;
	}
	return 0;
}

static void on_store_event(const struct store_event *ev, void *data)
{
	struct web *w = data;

	if (!sse_hub_clients(w->hub))
		return;
	if (ev->slot >= w->dirty_n) {
		size_t n = ev->slot + 64;
		uint8_t *d = realloc(w->dirty, n);

		if (!d)
			return;
		memset(d + w->dirty_n, 0, n - w->dirty_n);
		w->dirty = d;
		w->dirty_n = n;
	}
	w->dirty[ev->slot] |= ev->kind == STORE_EVENT_UPDATE ? 3 : 1;
	if (ev->kind == STORE_EVENT_KEY_PROBLEM || ev->kind == STORE_EVENT_STALE) {
		char name[96], line[160];

		sensor_json_key(ev->sensor, name, sizeof(name));
		if (ev->kind == STORE_EVENT_STALE)
			snprintf(line, sizeof(line), "%s %s", name,
				 ev->stale ? "is stale: not heard for a while" : "is back");
		else
			snprintf(line, sizeof(line), "%s: %s", name,
				 ev->error == -EKEYREJECTED ? "wrong key"
				 : ev->error == -ENOKEY     ? "needs a key (MI32Key)"
							    : "not paired");
		log_line(w, "BLE: ", line);
	}
	if (!w->flush_armed) {
		w->flush_armed = true;
		sd_event_source_set_time(w->flush, mono_us(w) + WEB_FLUSH_MS * 1000u);
		sd_event_source_set_enabled(w->flush, SD_EVENT_ONESHOT);
	}
}

static int on_tick(sd_event_source *s, uint64_t usec, void *data)
{
	struct web *w = data;
	const struct store_stats *st = store_stats(w->store);
	uint64_t now = mono_us(w);

	if (w->rate_us && now > w->rate_us) {
		double r = (double)(st->adverts - w->rate_adverts) * 1e6 / (double)(now - w->rate_us);

		w->rate = w->rate ? 0.7 * w->rate + 0.3 * r : r;
	}
	w->rate_adverts = st->adverts;
	w->rate_us = now;
	w->ticks++;
	if (sse_hub_clients(w->hub)) {
		if (w->ticks % 2 == 0) {
			char buf[1024];

			hello_json(w, buf, sizeof(buf));
			sse_hub_send(w->hub, SSE_TO_ALL, "node", buf);
		}
		if (w->ticks % 15 == 0)
			sse_hub_ping(w->hub);
	}
	sd_event_source_set_time(s, usec + 1000000u);
	return 0;
}

/* ---- app outputs ------------------------------------------------------------------------- */

static void out_sensor(void *sink, const char *json, enum report_kind kind)
{
	struct web *w = sink;
	char prefix[128];

	(void)kind;
	snprintf(prefix, sizeof(prefix), "MQT: tele/%s/SENSOR = ",
		 w->o.topic ? w->o.topic : "mi32");
	log_line(w, prefix, json);
}

static void out_state(void *sink, const char *json)
{
	struct web *w = sink;
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "MQT: tele/%s/STATE = ",
		 w->o.topic ? w->o.topic : "mi32");
	log_line(w, prefix, json);
}

const struct sink_ops web_ops = {
	.sensor = out_sensor,
	.state = out_state,
};

/* ---- routing ------------------------------------------------------------------------------ */

static const char *page_of(const char *url)
{
	if (!strcmp(url, "/") || !strcmp(url, "/index.html"))
		return "/index.html";
	if (!strcmp(url, "/m32"))
		return "/m32.html";
	if (!strcmp(url, "/cfg"))
		return "/cfg.html";
	if (!strcmp(url, "/cs"))
		return "/cs.html";
	if (!strcmp(url, "/login"))
		return "/login.html";
	return NULL;
}

/* assets anyone may fetch: what the login page itself needs */
static bool public_asset(const char *url)
{
	return !strcmp(url, "/style.css") || !strcmp(url, "/login.js") ||
	       !strcmp(url, "/favicon.svg") || !strcmp(url, "/common.js");
}

static enum MHD_Result route_login(struct web *w, struct MHD_Connection *c, const struct req *q)
{
	char pass[WEB_PARAM_MAX + 1];
	uint64_t now = mono_us(w);
	struct session *s = NULL;
	char cookie[160];
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *json = "{\"ok\":true}";

	if (!w->password)
		return reply_json(c, MHD_HTTP_OK, "{\"ok\":true,\"note\":\"no password is set\"}");
	if (now - w->login_window_us > 60000000u) {
		w->login_window_us = now;
		w->login_fails = 0;
	}
	if (w->login_fails >= WEB_LOGIN_FAILS)
		return reply_error(c, MHD_HTTP_TOO_MANY_REQUESTS,
				   "too many wrong passwords: wait a minute");
	if (web_form_get(q->body, q->len, "password", pass, sizeof(pass)) < 0 ||
	    !web_secret_eq(pass, w->password)) {
		w->login_fails++;
		log_line(w, "WEB: ", "login refused: wrong password");
		return reply_error(c, MHD_HTTP_UNAUTHORIZED, "wrong password");
	}
	for (int i = 0; i < WEB_SESSIONS; i++) {
		struct session *t = &w->sessions[i];

		if (!t->id[0] || t->expires_us <= now) {
			s = t;
			break;
		}
		if (!s || t->expires_us < s->expires_us)
			s = t; /* the oldest makes room */
	}
	random_hex(s->id);
	s->expires_us = now + WEB_SESSION_TTL_S * 1000000ull;
	snprintf(cookie, sizeof(cookie), COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict; "
		 "Max-Age=%u", s->id, WEB_SESSION_TTL_S);
	r = MHD_create_response_from_buffer(strlen(json), (void *)json, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Set-Cookie", cookie);
	add_security_headers(r, false);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result route_logout(struct web *w, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
	char id[64];
	struct session *s;
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *json = "{\"ok\":true}";

	if (web_cookie_get(h, COOKIE_NAME, id, sizeof(id)) > 0 && (s = session_find(w, id)))
		memset(s, 0, sizeof(*s));
	r = MHD_create_response_from_buffer(strlen(json), (void *)json, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Set-Cookie", COOKIE_NAME "=; Path=/; Max-Age=0");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result route_metrics(struct web *w, struct MHD_Connection *c)
{
	struct web_node n;
	size_t size = 65536;

	node_facts(w, &n);
	for (;;) {
		char *buf = malloc(size);
		int len;

		if (!buf)
			return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		len = web_metrics(w->store, &n, sink_now(&w->o.clock), buf, size);
		if (len >= 0)
			return reply_buf(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
					 buf, (size_t)len, MHD_RESPMEM_MUST_FREE);
		free(buf);
		if (size >= (64u << 20))
			return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "metrics too large");
		size *= 4;
	}
}

static enum MHD_Result route(struct web *w, struct MHD_Connection *c, const char *url,
			     const char *method, struct req *q)
{
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	bool post = !strcmp(method, "POST");
	struct who who = who_of(w, c);
	const char *page = page_of(url);
	const struct web_asset *a;
	struct body b = { q->body ? q->body : "", q->len, false };

	if (!get && !post)
		return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and POST are served");

	/* open to everyone: the login form and what it needs */
	if (!strcmp(url, "/login") && post)
		return route_login(w, c, q);
	if (get && public_asset(url) && (a = asset_find(url)))
		return reply_asset(c, MHD_HTTP_OK, a);
	if (!strcmp(url, "/api/session") && get)
		return reply_built(w, c, &who, build_session, NULL);

	if (!who.authed) {
		if (page && get)
			return reply_asset(c, MHD_HTTP_UNAUTHORIZED, asset_find("/login.html"));
		if (strcmp(url, "/cm"))
			return reply_error(c, MHD_HTTP_UNAUTHORIZED, "this needs the web password");
	}

	if (get) {
		if (page && (a = asset_find(page)))
			return reply_asset(c, MHD_HTTP_OK, a);
		if (!strcmp(url, "/cm"))
			return route_cm_get(w, c, &who);
		if (!strcmp(url, "/events"))
			return route_events(w, c, &who);
		if (!strcmp(url, "/metrics"))
			return route_metrics(w, c);
		if (!strcmp(url, "/api/sensors"))
			return reply_built(w, c, &who, build_sensors, NULL);
		if (!strcmp(url, "/api/node"))
			return reply_built(w, c, &who, build_node, NULL);
		if (!strcmp(url, "/api/log"))
			return who.keys ? reply_built(w, c, &who, build_log, NULL)
					: reply_error(c, MHD_HTTP_FORBIDDEN, "the log needs the password");
		if (!strcmp(url, "/api/mi32cfg"))
			return reply_built(w, c, &who, build_cfg_current, NULL);
		if (!strcmp(url, "/api/types"))
			return reply_built(w, c, &who, build_types, NULL);
		if (url[0] == '/' && strncmp(url, "/api/", 5) && (a = asset_find(url)))
			return reply_asset(c, MHD_HTTP_OK, a);
		return reply_error(c, MHD_HTTP_NOT_FOUND, "no such page");
	}

	/* POST: state changes, from our own pages only */
	if (!strcmp(url, "/logout"))
		return route_logout(w, c);
	if (strcmp(url, "/cm") && strcmp(url, "/api/mi32cfg") && strcmp(url, "/api/mi32cfg/check"))
		return reply_error(c, MHD_HTTP_NOT_FOUND, "no such page");
	if (!csrf_ok(w, c))
		return reply_error(c, MHD_HTTP_FORBIDDEN,
				   "missing or wrong CSRF token (reload the page)");
	if (!strcmp(url, "/cm")) {
		char line[WEB_PARAM_MAX + 1];
		int n = web_form_get(b.p, b.len, "cmnd", line, sizeof(line));

		if (n == -E2BIG)
			return reply_error(c, MHD_HTTP_BAD_REQUEST, "the command is too long");
		if (n <= 0)
			return reply_error(c, MHD_HTTP_BAD_REQUEST, "give a command: cmnd=…");
		return run_command(w, c, line, "CMD: ");
	}
	if (!strcmp(url, "/api/mi32cfg/check"))
		return reply_built(w, c, &who, build_cfg_check, &b);
	if (!who.keys)
		return reply_error(c, MHD_HTTP_FORBIDDEN,
				   "saving keys needs the web password (or a loopback client)");
	{
		const char *ce = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
							     "confirm_empty");

		b.confirm_empty = ce && !strcmp(ce, "1");
	}
	return reply_built(w, c, &who, build_cfg_save, &b);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	struct web *w = cls;
	struct req *q = *con_cls;

	(void)version;
	if (!q) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);

		q = calloc(1, sizeof(*q));
		if (!q)
			return MHD_NO;
		*con_cls = q;
		if (cl && strtoull(cl, NULL, 10) > WEB_BODY_MAX) {
			q->answered = true;
			return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "the body is too large");
		}
		return MHD_YES;
	}
	if (*upload_size) {
		if (!q->answered && q->len + *upload_size > WEB_BODY_MAX) {
			q->answered = true;
			*upload_size = 0;
			return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "the body is too large");
		}
		if (!q->answered) {
			char *nb = realloc(q->body, q->len + *upload_size + 1);

			if (!nb)
				return MHD_NO;
			q->body = nb;
			memcpy(q->body + q->len, upload, *upload_size);
			q->len += *upload_size;
			q->body[q->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (q->answered)
		return MHD_YES;
	q->answered = true;
	return route(w, c, url, method, q);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req *q = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (q) {
		free(q->body);
		free(q);
		*con_cls = NULL;
	}
}

/* ---- loop glue ---------------------------------------------------------------------------- */

static void rearm(struct web *w)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(w->mhd, &ms) == MHD_YES) {
		sd_event_source_set_time(w->timer, mono_us(w) + (uint64_t)ms * 1000u);
		sd_event_source_set_enabled(w->timer, SD_EVENT_ONESHOT);
	} else {
		sd_event_source_set_enabled(w->timer, SD_EVENT_OFF);
	}
}

static void run(struct web *w)
{
	MHD_run(w->mhd);
	rearm(w);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	(void)s;
	(void)fd;
	(void)revents;
	run(data);
	return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *data)
{
	(void)s;
	(void)usec;
	run(data);
	return 0;
}

static int on_wake(sd_event_source *s, void *data)
{
	(void)s;
	run(data);
	return 0;
}

static int bind_addr(struct web *w, struct sockaddr_storage *ss, bool *v6)
{
	const char *b = w->o.bind;
	unsigned int port = w->o.port;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (!b || !*b)
		b = w->password ? "0.0.0.0" : "127.0.0.1";
	if (!strcmp(b, "localhost"))
		b = "127.0.0.1";
	if (b[0] == '[') {
		static char tmp[64];

		snprintf(tmp, sizeof(tmp), "%s", b + 1);
		tmp[strcspn(tmp, "]")] = '\0';
		b = tmp;
	}
	if (inet_pton(AF_INET, b, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*v6 = false;
		return 0;
	}
	if (inet_pton(AF_INET6, b, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*v6 = true;
		return 0;
	}
	log_err("web: --web-bind '%s' is not an IPv4 or IPv6 address", b);
	return -EINVAL;
}

int web_new(sd_event *ev, struct store *store, struct commands_ctx *cmds,
	    const struct web_opts *opts, struct web **out)
{
	struct web *w = calloc(1, sizeof(*w));
	const union MHD_DaemonInfo *di;
	struct sockaddr_storage ss;
	bool v6 = false;
	int r;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->ev = ev;
	w->store = store;
	w->cmds = cmds;
	w->o = *opts;
	w->password = opts->password && *opts->password ? opts->password : NULL;
	random_hex(w->csrf);
	snprintf(w->mqtt, sizeof(w->mqtt), "%s", opts->mqtt_addr ? opts->mqtt_addr : "off");
	if ((r = bind_addr(w, &ss, &v6)) < 0)
		goto fail;
	w->hub = sse_hub_new(SSE_QUEUE_MAX, wake_mhd, w);
	if (!w->hub) {
		r = -ENOMEM;
		goto fail;
	}
	w->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
					  (v6 ? MHD_USE_IPv6 : 0),
				  (uint16_t)opts->port, NULL, NULL, on_request, w,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)128,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)48,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, w,
				  MHD_OPTION_END);
	if (!w->mhd) {
		/* the rest of the daemon (MQTT, the radio) is worth more than the pages: say so
		 * and run on without them, as another mi32 on the default port is likely */
		log_err("web: cannot listen on port %u (in use, or the address is not ours); "
			"running without the web interface", opts->port);
		web_free(w);
		return 0;
	}
	di = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!di) {
		r = -ENOTSUP;
		log_err("web: libmicrohttpd has no epoll support");
		goto fail;
	}
	if ((r = sd_event_add_io(ev, &w->io, di->epoll_fd, EPOLLIN, on_io, w)) < 0 ||
	    (r = sd_event_add_time(ev, &w->timer, CLOCK_MONOTONIC, 0, 1000, on_timer, w)) < 0 ||
	    (r = sd_event_add_defer(ev, &w->wake, on_wake, w)) < 0 ||
	    (r = sd_event_add_time(ev, &w->flush, CLOCK_MONOTONIC, 0, 10000, on_flush, w)) < 0 ||
	    (r = sd_event_add_time_relative(ev, &w->tick, CLOCK_MONOTONIC, 1000000u, 50000,
					    on_tick, w)) < 0)
		goto fail;
	sd_event_source_set_enabled(w->wake, SD_EVENT_OFF);
	sd_event_source_set_enabled(w->flush, SD_EVENT_OFF);
	sd_event_source_set_enabled(w->tick, SD_EVENT_ON);
	rearm(w);
	w->sub = store_subscribe(store, STORE_EVENT_ALL, on_store_event, w, NULL);
	if (!w->sub) {
		r = -ENOMEM;
		goto fail;
	}
	{
		char addr[INET6_ADDRSTRLEN] = "";

		if (v6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr,
				  sizeof(addr));
		else
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr,
				  sizeof(addr));
		log_info("web: http://%s%s%s:%u/ %s", v6 ? "[" : "", addr, v6 ? "]" : "",
			 opts->port,
			 w->password ? "(password set)" : "(no password: keys shown to loopback "
							  "clients only)");
	}
	log_set_listener(on_log, w);
	*out = w;
	return 0;
fail:
	web_free(w);
	return r;
}

void web_free(struct web *w)
{
	if (!w)
		return;
	log_set_listener(NULL, NULL);
	if (w->sub)
		store_unsubscribe(w->store, w->sub);
	if (w->mhd) {
		/* MHD must hold no suspended connection when it stops */
		sse_hub_close(w->hub);
		MHD_run(w->mhd);
		MHD_stop_daemon(w->mhd);
	}
	sse_hub_free(w->hub);
	sd_event_source_unref(w->io);
	sd_event_source_unref(w->timer);
	sd_event_source_unref(w->wake);
	sd_event_source_unref(w->flush);
	sd_event_source_unref(w->tick);
	for (int i = 0; i < WEB_LOG_LINES; i++)
		free(w->log[i].text);
	free(w->dirty);
	free(w);
}
