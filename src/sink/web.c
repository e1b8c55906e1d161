/* SPDX-License-Identifier: MIT */
/* web.c — the HTTP side of the web interface: libmicrohttpd in external-epoll mode driven by
 * the daemon's sd-event loop (its epoll fd is one io source, MHD_get_timeout one timer), and
 * what answers each route. The gate every request passes first (Host, Origin, the route table,
 * who may use each route) is web_gate.c; authentication web_auth.c, wrong passwords per
 * address web_limit.c, connection deadlines web_conn.c, HTTPS files web_tls.c, the console
 * web_console.c, the live updates web_events.c, the JSON the pages read web_api.c. Nothing
 * here blocks the loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <systemd/sd-event.h>

#include "util/log.h"
#include "cmd/commands.h"
#include "script/widgets.h"
#include "store/mi32cfg.h"
#include "store/mi32cfg_store.h"
#include "store/sensor.h"
#include "store/store.h"
#include "util/timefmt.h"
#include "sink/mqtt.h"
#include "sink/web_int.h"

/* build/web_assets.c, generated from web/ at build time */
struct web_asset {
	const char *path;
	const char *type;
	const unsigned char *data;
	size_t len;
};
extern const struct web_asset web_assets[];
extern const size_t web_assets_count;

/* ---- small helpers ------------------------------------------------------------------------ */

uint64_t web__mono_us(struct web *w)
{
	uint64_t t = 0;

	sd_event_now(w->ev, CLOCK_MONOTONIC, &t);
	return t;
}

void web__security_headers(struct MHD_Response *r, bool html)
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

enum MHD_Result web__reply_buf(struct MHD_Connection *c, unsigned int status, const char *type,
			       char *buf, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, buf, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	web__security_headers(r, strncmp(type, "text/html", 9) == 0);
	/* curl and scrapers learn of Basic auth; a browser's own fetches must not pop its
	 * password dialog over our login form (browsers send Sec-Fetch-*) */
	if (status == MHD_HTTP_UNAUTHORIZED && strncmp(type, "application/json", 16) == 0 &&
	    !MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site"))
		MHD_add_response_header(r, "WWW-Authenticate", "Basic realm=\"mi32\"");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result web__reply_json(struct MHD_Connection *c, unsigned int status,
				const char *json)
{
	return web__reply_buf(c, status, "application/json", (char *)json, strlen(json),
			 MHD_RESPMEM_MUST_COPY);
}

enum MHD_Result web__reply_error(struct MHD_Connection *c, unsigned int status,
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
	return web__reply_json(c, status, buf);
}

enum MHD_Result web__reply_built(struct web *w, struct MHD_Connection *c,
				 const struct web__who *who, web__json_fn fn, void *arg)
{
	size_t size = 16384;

	for (;;) {
		char *buf = malloc(size);
		struct jw jw;
		int status;

		if (!buf)
			return web__reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		jw_init(&jw, buf, size);
		status = fn(w, who, arg, &jw);
		if (jw_finish(&jw) >= 0)
			return web__reply_buf(c, status > 0 ? (unsigned int)status : MHD_HTTP_OK,
					 "application/json", buf, jw.len, MHD_RESPMEM_MUST_FREE);
		free(buf);
		if (size >= (64u << 20))
			return web__reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "reply too large");
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
	return web__reply_buf(c, status, a->type, (char *)a->data, a->len, MHD_RESPMEM_PERSISTENT);
}

/* ---- JSON builders ------------------------------------------------------------------------- */

void web__node_facts(struct web *w, struct web_node *n)
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
	n->has_radio = sink_radio_get(&w->o.radio, &n->radio);
	n->has_homekit = sink_homekit_get(&w->o.homekit, &n->homekit);
	n->scripts = w->cmds ? w->cmds->scripts : NULL;
}

static int build_sensors(struct web *w, const struct web__who *who, void *arg, struct jw *jw)
{
	struct web_json_opts o = { .now_us = sink_now(&w->o.clock), .show_keys = who->keys };

	(void)arg;
	web_json_sensors(w->store, &o, jw);
	return 0;
}

static int build_node(struct web *w, const struct web__who *who, void *arg, struct jw *jw)
{
	struct web_node n;

	(void)who;
	(void)arg;
	web__node_facts(w, &n);
	web_json_node(w->store, &n, sink_now(&w->o.clock), jw);
	return 0;
}

/* {"widgets":[{"name","html"}…]}: the scripts' boxes; asking runs their callbacks (which
 * may change them: the dashboards hear of it on the next tick) */
static int build_widgets(struct web *w, const struct web__who *who, void *arg, struct jw *jw)
{
	(void)who;
	(void)arg;
	if (w->o.widgets)
		widgets_request(w->o.widgets);
	jw_obj_begin(jw);
	jw_key(jw, "widgets");
	widgets_json(w->o.widgets, jw);
	jw_obj_end(jw);
	return 0;
}

static int build_types(struct web *w, const struct web__who *who, void *arg, struct jw *jw)
{
	(void)w;
	(void)who;
	(void)arg;
	web_json_types(jw);
	return 0;
}

static int build_cfg_current(struct web *w, const struct web__who *who, void *arg, struct jw *jw)
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

static int build_cfg_check(struct web *w, const struct web__who *who, void *arg, struct jw *jw)
{
	const struct web__req *q = arg;

	(void)w;
	return web_json_cfg_check(q->body ? q->body : "", q->len, who->keys, jw) == -ENOMEM
		       ? MHD_HTTP_INTERNAL_SERVER_ERROR
		       : 0;
}

static int build_cfg_save(struct web *w, const struct web__who *who, void *arg, struct jw *jw)
{
	const struct web__req *q = arg;
	const char *body = q->body ? q->body : "";
	struct mi32cfg *cfg = NULL;
	char err[MI32CFG_ERR_LEN];
	bool all_kept = true;
	size_t ws = 0;
	int r;

	/* an empty body (a failed upload, a script's empty variable) once wrote "[]" over
	 * every key; emptying the file takes an explicit [] and ?confirm_empty=1 (issue 10 #6) */
	while (ws < q->len && body[ws] && strchr(" \t\r\n", body[ws]))
		ws++;
	if (ws == q->len) {
		jw_obj_begin(jw);
		jw_key(jw, "MI32Cfg");
		jw_str(jw, "Error");
		jw_key(jw, "error");
		jw_str(jw, "the body is empty: nothing was saved (to remove every sensor, send [] "
			   "to /api/mi32cfg?confirm_empty=1)");
		jw_obj_end(jw);
		return MHD_HTTP_BAD_REQUEST;
	}
	if (mi32cfg_parse(body, q->len, &cfg, err) < 0) {
		web_json_cfg_check(body, q->len, who->keys, jw);
		return MHD_HTTP_BAD_REQUEST;
	}
	if (mi32cfg_count(cfg) == 0 && !q->confirm_empty) {
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
		web__log(w, "CFG: ", line);
	}
	mi32cfg_free(cfg);
	return r < 0 ? MHD_HTTP_INTERNAL_SERVER_ERROR : 0;
}

static enum MHD_Result route_metrics(struct web *w, struct MHD_Connection *c,
				     struct web__req *q, struct web__who *who)
{
	struct web_node n;
	size_t size = 65536;

	(void)q;
	(void)who;
	web__node_facts(w, &n);
	for (;;) {
		char *buf = malloc(size);
		int len;

		if (!buf)
			return web__reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		len = web_metrics(w->store, &n, sink_now(&w->o.clock), buf, size);
		if (len >= 0)
			return web__reply_buf(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
					 buf, (size_t)len, MHD_RESPMEM_MUST_FREE);
		free(buf);
		if (size >= (64u << 20))
			return web__reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "metrics too large");
		size *= 4;
	}
}

/* POST /api/mi32cfg[?confirm_empty=1] */
static enum MHD_Result route_cfg_save(struct web *w, struct MHD_Connection *c,
				      struct web__req *q, struct web__who *who)
{
	const char *ce = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "confirm_empty");

	q->confirm_empty = ce && !strcmp(ce, "1");
	return web__reply_built(w, c, who, build_cfg_save, q);
}

/* ---- routing ------------------------------------------------------------------------------ */

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* what answers each kind of route: a handler, or a JSON builder */
static enum MHD_Result dispatch(struct web *w, struct MHD_Connection *c, struct web__req *q,
				struct web__who *who, const struct web__route *r)
{
	static const web__handler handlers[] = {
		[WEB_ROUTE_LOGIN] = web__route_login, [WEB_ROUTE_LOGOUT] = web__route_logout,
		[WEB_ROUTE_SESSION] = web__route_session, [WEB_ROUTE_CM_GET] = web__route_cm_get,
		[WEB_ROUTE_CM_POST] = web__route_cm_post, [WEB_ROUTE_EVENTS] = web__route_events,
		[WEB_ROUTE_METRICS] = route_metrics, [WEB_ROUTE_LOG] = web__route_log,
		[WEB_ROUTE_CFG_SAVE] = route_cfg_save,
	};
	static const web__json_fn builds[] = {
		[WEB_ROUTE_SENSORS] = build_sensors, [WEB_ROUTE_NODE] = build_node,
		[WEB_ROUTE_TYPES] = build_types, [WEB_ROUTE_CFG] = build_cfg_current,
		[WEB_ROUTE_CFG_CHECK] = build_cfg_check, [WEB_ROUTE_HOMEKIT] = web__build_homekit,
		[WEB_ROUTE_WIDGETS] = build_widgets,
	};

	if (r->kind == WEB_ROUTE_ASSET)
		return reply_asset(c, MHD_HTTP_OK, asset_find(r->arg));
	if (r->kind < sizeof(handlers) / sizeof(handlers[0]) && handlers[r->kind])
		return handlers[r->kind](w, c, q, who);
	if (r->kind >= sizeof(builds) / sizeof(builds[0]) || !builds[r->kind])
		return web__reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "no handler");
	return web__reply_built(w, c, who, builds[r->kind], q);
}

static enum MHD_Result route(struct web *w, struct MHD_Connection *c, const char *url,
			     const char *method, struct web__req *q)
{
	struct web__gate_in in = {
		.method = method, .url = url, .host = header(c, "Host"),
		.origin = header(c, "Origin"), .site = header(c, "Sec-Fetch-Site"),
		.csrf = header(c, "X-CSRF-Token"),
	};
	struct web__who who = { 0 };
	struct web__verdict v;
	const struct web_asset *a;

	/* a refused Host learns nothing else: not even whether its password is right */
	if (web__host_ok(&w->names, in.host))
		who = web__who_of(w, c);
	v = web__gate(&w->names, &in, &who, web__csrf_of(w, &who));
	if (v.status == MHD_HTTP_UNAUTHORIZED && v.route && v.route->kind == WEB_ROUTE_ASSET)
		return reply_asset(c, MHD_HTTP_UNAUTHORIZED, asset_find("/login.html"));
	if (v.status == MHD_HTTP_TOO_MANY_REQUESTS)
		return web__reply_locked(w, c);
	if (v.status)
		return web__reply_error(c, v.status, v.why);
	if (v.asset)
		return (a = asset_find(url)) ? reply_asset(c, MHD_HTTP_OK, a)
					     : web__reply_error(c, MHD_HTTP_NOT_FOUND, "no such page");
	return dispatch(w, c, q, &who, v.route);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	struct web *w = cls;
	struct web__req *q = *con_cls;

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
			return web__reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "the body is too large");
		}
		return MHD_YES;
	}
	if (*upload_size) {
		/* a chunked body says its size only by growing: read it to its end (the request
		 * deadline bounds that) and answer 413 then. Answering in the middle closes a
		 * socket with unread bytes, and the client sees a reset instead of the answer. */
		if (!q->answered && q->len + *upload_size > WEB_BODY_MAX) {
			q->too_large = true;
			free(q->body);
			q->body = NULL;
			q->len = 0;
		}
		if (!q->answered && !q->too_large) {
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
	if (q->too_large)
		return web__reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "the body is too large");
	web__conn_stamp(w, c, false); /* in whole: the handler's time (an SSE stream's) is not cut */
	return route(w, c, url, method, q);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct web__req *q = *con_cls;

	(void)toe;
	web__conn_stamp(cls, c, true); /* the next request on this connection has its own deadline */
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
		sd_event_source_set_time(w->timer, web__mono_us(w) + (uint64_t)ms * 1000u);
		sd_event_source_set_enabled(w->timer, SD_EVENT_ONESHOT);
	} else {
		sd_event_source_set_enabled(w->timer, SD_EVENT_OFF);
	}
}

void web__run(struct web *w)
{
	MHD_run(w->mhd);
	rearm(w);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	(void)s;
	(void)fd;
	(void)revents;
	web__run(data);
	return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *data)
{
	(void)s;
	(void)usec;
	web__run(data);
	return 0;
}

static int on_wake(sd_event_source *s, void *data)
{
	(void)s;
	web__run(data);
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

/* libmicrohttpd's own messages: why a start failed (a bad certificate, a port in use) is
 * worth a warning; afterwards they are about single clients */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct web *w = cls;
	char buf[512];
	size_t n;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	if (w->mhd)
		log_debug("web: libmicrohttpd: %s", buf);
	else
		log_warn("web: libmicrohttpd: %s", buf);
}

static void say_where(struct web *w, bool v6)
{
	const char *scheme = w->names.tls ? "https" : "http";
	const char *l = v6 ? "[" : "", *r = v6 ? "]" : "";

	if (w->password) {
		log_info("web: dashboard at %s://%s%s%s:%u/ (password set)", scheme, l, w->bound,
			 r, w->o.port);
	} else if (!w->names.bound_any && (!strcmp(w->bound, "127.0.0.1") ||
					   !strcmp(w->bound, "::1"))) {
		/* a headless machine's user learns here why the dashboard is not on the LAN */
		log_info("web: dashboard at %s://%s%s%s:%u/ (this machine only: no password); "
			 "open it to the LAN with --web-password PASSWORD (it then listens on "
			 "every address; --web-bind ADDR picks one)", scheme, l, w->bound, r,
			 w->o.port);
	} else {
		log_info("web: dashboard at %s://%s%s%s:%u/ (no password: anyone who reaches it "
			 "may change settings; keys shown to loopback clients only)", scheme, l,
			 w->bound, r, w->o.port);
	}
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
	snprintf(w->mqtt, sizeof(w->mqtt), "%s", opts->mqtt_addr ? opts->mqtt_addr : "off");
	if ((r = bind_addr(w, &ss, &v6)) < 0)
		goto fail;
	if (v6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, w->bound,
			  sizeof(w->bound));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, w->bound,
			  sizeof(w->bound));
	if (gethostname(w->hostname, sizeof(w->hostname) - 1) < 0)
		w->hostname[0] = '\0';
	w->names = (struct web__names){
		.bound = w->bound,
		.bound_any = !strcmp(w->bound, "0.0.0.0") || !strcmp(w->bound, "::"),
		.hosts = opts->hosts, .hostname = w->hostname,
		.tls = opts->cert && *opts->cert,
	};
	if (w->names.tls) {
		if (!opts->key || !*opts->key) {
			log_err("web: --web-cert needs --web-key (the certificate's private key)");
			r = -EINVAL;
			goto fail;
		}
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			log_err("web: this libmicrohttpd has no TLS: --web-cert cannot be served");
			r = -ENOTSUP;
			goto fail;
		}
		if ((r = web__read_pem(opts->cert, "--web-cert", &w->tls_cert)) < 0 ||
		    (r = web__read_pem(opts->key, "--web-key", &w->tls_key)) < 0)
			goto fail;
	} else if (opts->key && *opts->key) {
		log_err("web: --web-key needs --web-cert (the certificate to serve)");
		r = -EINVAL;
		goto fail;
	}
	/* the CSRF token guards every state change: without randomness there are no pages */
	if ((r = web__token(w->csrf)) < 0) {
		log_err("web: no random bytes for the CSRF token (%s); running without the web "
			"interface", strerror(-r));
		web_free(w);
		return 0;
	}
	w->hub = sse_hub_new(SSE_QUEUE_MAX, web__wake_mhd, w);
	if (!w->hub) {
		r = -ENOMEM;
		goto fail;
	}
	w->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
					  (v6 ? MHD_USE_IPv6 : 0) | (w->names.tls ? MHD_USE_TLS : 0),
				  (uint16_t)opts->port, NULL, NULL, on_request, w,
				  MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, w,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)WEB_CONN_MAX,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)WEB_CONN_PER_ADDR,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)WEB_IDLE_S,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, w,
				  MHD_OPTION_NOTIFY_CONNECTION, web__on_connection, w,
				  w->names.tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
				  w->tls_cert, MHD_OPTION_HTTPS_MEM_KEY, w->tls_key, MHD_OPTION_END);
	if (!w->mhd && w->names.tls) {
		/* HTTPS was asked for: no plain fallback, and the line above says why */
		log_err("web: cannot serve HTTPS with --web-cert %s --web-key %s on port %u",
			opts->cert, opts->key, opts->port);
		r = -EINVAL;
		goto fail;
	}
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
	    (r = sd_event_add_time(ev, &w->flush, CLOCK_MONOTONIC, 0, 10000, web__on_flush, w)) < 0 ||
	    (r = sd_event_add_time_relative(ev, &w->tick, CLOCK_MONOTONIC, 1000000u, 50000,
					    web__on_tick, w)) < 0)
		goto fail;
	sd_event_source_set_enabled(w->wake, SD_EVENT_OFF);
	sd_event_source_set_enabled(w->flush, SD_EVENT_OFF);
	sd_event_source_set_enabled(w->tick, SD_EVENT_ON);
	rearm(w);
	w->sub = store_subscribe(store, STORE_EVENT_ALL, web__on_store_event, w, NULL);
	if (!w->sub) {
		r = -ENOMEM;
		goto fail;
	}
	say_where(w, v6);
	log_set_listener(web__on_log, w);
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
	web__log_free(w);
	free(w->tls_cert);
	if (w->tls_key)
		explicit_bzero(w->tls_key, strlen(w->tls_key));
	free(w->tls_key);
	free(w->dirty);
	free(w);
}
