/* SPDX-License-Identifier: MIT */
/* web_int.h — what the files of the web interface share (not public): the state, who a
 * request comes from, the reply helpers (web.c), authentication (web_auth.c), the console
 * (web_console.c) and the live updates (web_events.c). */
#ifndef MI32_WEB_INT_H
#define MI32_WEB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>
#include <systemd/sd-event.h>

#include "sink/sse.h"
#include "sink/web.h"
#include "util/jw.h"

struct sockaddr;
struct store_event;

#define WEB_FLUSH_MS 250        /* SSE: at most one update per sensor per this */
#define WEB_SESSIONS 16
#define WEB_SESSION_TTL_S (7u * 24 * 3600)
#define WEB_LOG_LINES 200
#define WEB_LOG_LINE_MAX 8192
#define WEB_TOKEN_LEN 32        /* hex digits of a session id or CSRF token (128 bits) */
/* wrong passwords per client address (web_limit.c) */
#define WEB_LIMIT_ADDRS 256     /* addresses remembered */
#define WEB_LIMIT_FREE 5        /* wrong passwords before the first lockout */
#define WEB_LIMIT_BASE_S 30     /* the first lockout; each next one doubles */
#define WEB_LIMIT_MAX_S 3600
#define WEB_LIMIT_FORGET_S 3600 /* an address this long without a wrong password starts over */
/* connections (web.c) */
#define WEB_CONN_MAX 128        /* in all */
#define WEB_CONN_PER_ADDR 32    /* from one address: a few of them cannot fill WEB_CONN_MAX, yet
				 * several browsers (6 each) behind one address fit */
#define WEB_REQUEST_S 10        /* a request's headers and body, from its connection's start
				 * or the end of the request before: slow senders are cut */
#define WEB_IDLE_S 60           /* no byte for this long (libmicrohttpd's timeout) */
#define WEB_CERT_MAX (64u * 1024u) /* largest --web-cert / --web-key file */

struct web__session {
	char id[WEB_TOKEN_LEN + 1];
	char csrf[WEB_TOKEN_LEN + 1];  /* this session's CSRF token: made at login, gone at logout */
	uint64_t expires_us;
};

struct web__limit_entry {
	uint8_t key[16];        /* IPv4 as ::ffff:a.b.c.d, IPv6 the /64 */
	bool used;
	unsigned int fails;     /* wrong passwords since the last lockout or success */
	unsigned int level;     /* lockouts so far: the next one lasts BASE << level */
	uint64_t until_us;      /* locked until */
	uint64_t last_us;       /* the last wrong password */
};

struct web__limit {
	struct web__limit_entry e[WEB_LIMIT_ADDRS];
};

/* the names this server answers to (the Host check) */
struct web__names {
	const char *bound;      /* the bound address literal */
	bool bound_any;         /* 0.0.0.0 or ::: any address literal is ours */
	const char *hosts;      /* --web-host: NAME[,NAME…], or NULL */
	const char *hostname;   /* the machine's name, also answered as NAME.local */
	bool tls;               /* served over HTTPS (Origin's scheme, the cookie's Secure) */
};

/* a connection: when its current request must be complete (web.c) */
struct web__conn {
	struct MHD_Connection *c;
	int fd;
	uint64_t deadline_us;   /* 0 = inside a handled request (an SSE stream), no deadline */
};

struct web__log_line {
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
	/* the CSRF token of requests without a session: every client when no password is set,
	 * HTTP Basic ones when one is (they present the password with every write) */
	char csrf[WEB_TOKEN_LEN + 1];
	char mqtt[160];
	struct web__session sessions[WEB_SESSIONS];
	struct web__limit limit;
	struct web__names names;
	char bound[64];
	char hostname[256];
	char *tls_cert, *tls_key;      /* PEM text of --web-cert/--web-key, or NULL */
	struct web__conn conns[WEB_CONN_MAX];
	uint64_t cut_slow;             /* connections cut at their request deadline */
	/* SSE coalescing: per slot 1 = changed, 2 = new data (flash) */
	uint8_t *dirty;
	size_t dirty_n;
	bool flush_armed;
	/* node widget */
	uint64_t rate_adverts, rate_us;
	double rate;
	unsigned int ticks;
	/* console */
	struct web__log_line log[WEB_LOG_LINES];
	uint64_t log_seq;
};

/* per request */
struct web__req {
	char *body;     /* NUL-terminated; NULL without a body */
	size_t len;
	bool answered;  /* an early reply (413) was queued */
	bool too_large; /* the body grew past WEB_BODY_MAX: read to its end, then 413 */
	bool confirm_empty; /* POST /api/mi32cfg?confirm_empty=1: [] may empty the file */
};

/* what the request may do */
struct web__who {
	bool authed;    /* may use every page and API */
	bool keys;      /* may see keys (authenticated, or no password and on loopback) */
	struct web__session *session; /* the login session it came with, or NULL */
	bool locked;    /* presented a password from an address that is locked out */
};

/* ---- the gate (web_gate.c): pure, the route fuzzer drives it ---- */

enum web__access {
	WEB_ACCESS_OPEN,      /* anyone: the login form and what it needs; or the handler checks */
	WEB_ACCESS_PASSWORD,  /* an authenticated client (anyone when no password is set) */
	WEB_ACCESS_KEYS,      /* one that may see keys: authenticated, or loopback without one */
};

#define WEB_CSRF 0x01 /* a state change: from our own pages only (same origin, with the token) */

enum web__route_kind {
	WEB_ROUTE_ASSET, WEB_ROUTE_LOGIN, WEB_ROUTE_LOGOUT, WEB_ROUTE_SESSION, WEB_ROUTE_CM_GET,
	WEB_ROUTE_CM_POST, WEB_ROUTE_EVENTS, WEB_ROUTE_METRICS, WEB_ROUTE_SENSORS, WEB_ROUTE_NODE,
	WEB_ROUTE_TYPES, WEB_ROUTE_LOG, WEB_ROUTE_CFG, WEB_ROUTE_CFG_CHECK, WEB_ROUTE_CFG_SAVE,
	WEB_ROUTE_HOMEKIT,
	WEB_ROUTE_WIDGETS,
};

struct web__route {
	const char *method;  /* "GET" (HEAD is served as GET) or "POST" */
	const char *path;
	enum web__access access;
	unsigned int flags;
	enum web__route_kind kind;
	const char *arg;     /* ASSET: the embedded file; KEYS: the 403 reason */
};

/* what the gate looks at: the request line and headers, NULL when absent */
struct web__gate_in {
	const char *method, *url;
	const char *host, *origin;
	const char *site;    /* Sec-Fetch-Site */
	const char *csrf;    /* X-CSRF-Token */
};

/* The gate's answer: @status 0 = go on with @route (or, @asset, an embedded file by the
 * URL); else refuse with @status and @why (@route is set on a 401 of a page, which answers
 * with the login form). */
struct web__verdict {
	unsigned int status;
	const char *why;
	const struct web__route *route;
	bool asset;
};

const struct web__route *web__route_find(const char *method, const char *url);
/* @host names this server (see README "Security"): any port, no trailing garbage. */
bool web__host_ok(const struct web__names *n, const char *host);
/* A write's Origin, when present, is this server as the Host names it, same scheme. */
bool web__origin_ok(const char *origin, const char *host, bool tls);
/* Sec-Fetch-Site (if sent) says same-origin or none, and @token is @want (non-empty). */
bool web__csrf_match(const char *site, const char *token, const char *want);
/* Method, Host, Origin of writes, lockout, route, password, CSRF token, key access, in
 * that order. @want_csrf is the token @who's writes must carry. */
struct web__verdict web__gate(const struct web__names *names, const struct web__gate_in *in,
			      const struct web__who *who, const char *want_csrf);

/* ---- wrong passwords per address (web_limit.c) ---- */

/* Seconds @sa stays locked out, 0 = it may try a password. */
unsigned int web__limit_locked(struct web__limit *l, const struct sockaddr *sa,
			       uint64_t now_us);
/* A wrong password from @sa. Returns the seconds of the lockout it starts, else 0 (say it
 * once, then). */
unsigned int web__limit_fail(struct web__limit *l, const struct sockaddr *sa, uint64_t now_us);
/* A right one: the address starts over (unless locked: a lockout runs to its end). */
void web__limit_ok(struct web__limit *l, const struct sockaddr *sa, uint64_t now_us);

/* A route's handler: answers @c (queues a response) or returns MHD_NO. */
typedef enum MHD_Result (*web__handler)(struct web *w, struct MHD_Connection *c,
					struct web__req *q, struct web__who *who);

/* web.c: replies. JSON bodies are copied; reply_buf's @buf follows @mode. */
uint64_t web__mono_us(struct web *w);
void web__run(struct web *w);  /* libmicrohttpd's work now, and its timer rearmed */
void web__security_headers(struct MHD_Response *r, bool html);
enum MHD_Result web__reply_buf(struct MHD_Connection *c, unsigned int status, const char *type,
			       char *buf, size_t len, enum MHD_ResponseMemoryMode mode);
enum MHD_Result web__reply_json(struct MHD_Connection *c, unsigned int status,
				const char *json);
/* {"error":"<why>","status":<status>} */
enum MHD_Result web__reply_error(struct MHD_Connection *c, unsigned int status,
				 const char *why);
/* Build JSON with @fn into a buffer that grows until it fits; replies it (200 or the
 * status @fn returns). */
typedef int (*web__json_fn)(struct web *w, const struct web__who *who, void *arg,
			    struct jw *jw);
enum MHD_Result web__reply_built(struct web *w, struct MHD_Connection *c,
				 const struct web__who *who, web__json_fn fn, void *arg);
void web__node_facts(struct web *w, struct web_node *n);

/* web_homekit.c: GET /api/homekit, the setup code and its QR code (404 with the bridge off) */
int web__build_homekit(struct web *w, const struct web__who *who, void *arg, struct jw *jw);

/* web_auth.c */
/* A fresh random token of WEB_TOKEN_LEN hex digits into @out. Fails closed: returns 0, or
 * -errno when the kernel gives no randomness (then @out is "" and must not be used). */
int web__token(char out[WEB_TOKEN_LEN + 1]);
struct web__who web__who_of(struct web *w, struct MHD_Connection *c);
/* The token a write of @who must carry: its session's, the daemon's without one. */
const char *web__csrf_of(struct web *w, const struct web__who *who);
/* A password presented by @c (login form, HTTP Basic, /cm?password=): checked against the
 * web password unless @c's address is locked out, and counted. Returns 1 right, 0 wrong,
 * -EBUSY locked out (nothing compared). */
int web__password_check(struct web *w, struct MHD_Connection *c, const char *user,
			const char *pass, const char *how);
/* 429 with Retry-After and "retry_after": the seconds left of @c's address's lockout */
enum MHD_Result web__reply_locked(struct web *w, struct MHD_Connection *c);
enum MHD_Result web__route_login(struct web *w, struct MHD_Connection *c, struct web__req *q,
				 struct web__who *who);
enum MHD_Result web__route_logout(struct web *w, struct MHD_Connection *c, struct web__req *q,
				  struct web__who *who);
enum MHD_Result web__route_session(struct web *w, struct MHD_Connection *c,
				   struct web__req *q, struct web__who *who);

/* web_console.c */
void web__log(struct web *w, const char *prefix, const char *text);
void web__on_log(void *user_data, int level, const char *line); /* log.h's listener */
void web__log_free(struct web *w);
enum MHD_Result web__route_log(struct web *w, struct MHD_Connection *c, struct web__req *q,
			       struct web__who *who);
enum MHD_Result web__route_cm_get(struct web *w, struct MHD_Connection *c, struct web__req *q,
				  struct web__who *who);
enum MHD_Result web__route_cm_post(struct web *w, struct MHD_Connection *c,
				   struct web__req *q, struct web__who *who);

/* web_events.c */
void web__wake_mhd(void *data); /* sse.h's wake-up */
enum MHD_Result web__route_events(struct web *w, struct MHD_Connection *c,
				  struct web__req *q, struct web__who *who);
void web__on_store_event(const struct store_event *ev, void *data);
int web__on_flush(sd_event_source *s, uint64_t usec, void *data);
int web__on_tick(sd_event_source *s, uint64_t usec, void *data);

/* web_conn.c: libmicrohttpd's connection notifications keep w->conns; a request that is in
 * stamps its connection (@waiting false: no deadline while it is answered), a finished one
 * starts the next deadline (@waiting true); web__cut_slow() cuts the late (each second). */
void web__on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			enum MHD_ConnectionNotificationCode toe);
void web__conn_stamp(struct web *w, struct MHD_Connection *c, bool waiting);
void web__cut_slow(struct web *w);

/* web_tls.c: the PEM text of @path (@what names the option in errors) into *@out, to free.
 * Returns 0, or -errno after logging what is wrong with the file. */
int web__read_pem(const char *path, const char *what, char **out);

#endif
