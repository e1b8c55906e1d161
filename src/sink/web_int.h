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

struct store_event;

#define WEB_FLUSH_MS 250        /* SSE: at most one update per sensor per this */
#define WEB_SESSIONS 16
#define WEB_SESSION_TTL_S (7u * 24 * 3600)
#define WEB_LOG_LINES 200
#define WEB_LOG_LINE_MAX 8192
#define WEB_LOGIN_FAILS 10      /* per minute, then 429 */
#define WEB_TOKEN_LEN 32        /* hex digits of a session id or CSRF token (128 bits) */

struct web__session {
	char id[WEB_TOKEN_LEN + 1];
	char csrf[WEB_TOKEN_LEN + 1];  /* this session's CSRF token: made at login, gone at logout */
	uint64_t expires_us;
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
	struct web__log_line log[WEB_LOG_LINES];
	uint64_t log_seq;
};

/* per request */
struct web__req {
	char *body;     /* NUL-terminated; NULL without a body */
	size_t len;
	bool answered;  /* an early reply (413) was queued */
	bool confirm_empty; /* POST /api/mi32cfg?confirm_empty=1: [] may empty the file */
};

/* what the request may do */
struct web__who {
	bool authed;    /* may use every page and API */
	bool keys;      /* may see keys (authenticated, or no password and on loopback) */
	struct web__session *session; /* the login session it came with, or NULL */
};

/* A route's handler: answers @c (queues a response) or returns MHD_NO. */
typedef enum MHD_Result (*web__handler)(struct web *w, struct MHD_Connection *c,
					struct web__req *q, struct web__who *who);

/* web.c: replies. JSON bodies are copied; reply_buf's @buf follows @mode. */
uint64_t web__mono_us(struct web *w);
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

/* web_auth.c */
/* A fresh random token of WEB_TOKEN_LEN hex digits into @out. Fails closed: returns 0, or
 * -errno when the kernel gives no randomness (then @out is "" and must not be used). */
int web__token(char out[WEB_TOKEN_LEN + 1]);
struct web__who web__who_of(struct web *w, struct MHD_Connection *c);
/* A state-changing request must come from our own pages: same origin, with the token of
 * the session it comes with (the daemon's token without one). */
bool web__csrf_ok(struct web *w, struct MHD_Connection *c, const struct web__who *who);
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

#endif
