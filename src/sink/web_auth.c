/* SPDX-License-Identifier: MIT */
/* web_auth.c — who a request comes from: Tasmota's WebPassword by HTTP Basic (user "admin"),
 * a session cookie from the login form, or Tasmota's /cm?password=; every password checked
 * through the per-address limit (web_limit.c); the login and logout, /api/session, and the
 * random tokens behind sessions and CSRF, which fail closed. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "sink/web_int.h"
#include "util/log.h"
#include "util/hex.h"

#define COOKIE_NAME "mi32s"

int web__token(char out[WEB_TOKEN_LEN + 1])
{
	uint8_t b[WEB_TOKEN_LEN / 2];
	ssize_t n = getrandom(b, sizeof(b), 0);

	out[0] = '\0';
	/* no fallback to the clock or a counter: a guessable session id is worse than none */
	if (n != (ssize_t)sizeof(b))
		return n < 0 ? -errno : -EIO;
	hex_encode(b, sizeof(b), out, 0);
	return 0;
}

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

static struct web__session *session_find(struct web *w, const char *id)
{
	uint64_t now = web__mono_us(w);

	if (!id || strlen(id) != WEB_TOKEN_LEN)
		return NULL;
	for (int i = 0; i < WEB_SESSIONS; i++) {
		struct web__session *s = &w->sessions[i];

		if (s->id[0] && s->expires_us > now && web_secret_eq(s->id, id))
			return s;
	}
	return NULL;
}

static struct web__session *session_of(struct web *w, struct MHD_Connection *c)
{
	return session_find(w, MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE_NAME));
}

static const struct sockaddr *peer_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	return ci ? ci->client_addr : NULL;
}

int web__password_check(struct web *w, struct MHD_Connection *c, const char *user,
			const char *pass, const char *how)
{
	const struct sockaddr *sa = peer_of(c);
	uint64_t now = web__mono_us(w);
	unsigned int lock_s;
	bool user_ok, pass_ok;

	if (web__limit_locked(&w->limit, sa, now))
		return -EBUSY;
	/* both compared in constant time, whichever is wrong */
	user_ok = web_secret_eq(user ? user : "", WEB_USER);
	pass_ok = web_secret_eq(pass ? pass : "", w->password);
	if (user_ok & pass_ok) {
		web__limit_ok(&w->limit, sa, now);
		return 1;
	}
	lock_s = web__limit_fail(&w->limit, sa, now);
	if (lock_s) {
		char addr[INET6_ADDRSTRLEN] = "?";

		if (sa && sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, addr,
				  sizeof(addr));
		else if (sa && sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, addr,
				  sizeof(addr));
		/* once per lockout: the requests refused during it are not logged */
		log_warn("web: %s locked out for %u s after wrong passwords (the last by %s)",
			 addr, lock_s, how);
	}
	return 0;
}

/* 429 for an address that is locked out: the JSON says how long ("retry_after") and so
 * does a Retry-After header (RFC 6585 §4), so a script or a proxy waits instead of
 * hammering the lockout longer */
enum MHD_Result web__reply_locked(struct web *w, struct MHD_Connection *c)
{
	unsigned int left = web__limit_locked(&w->limit, peer_of(c), web__mono_us(w));
	struct MHD_Response *r;
	enum MHD_Result ret;
	char body[200], secs[16];
	int n;

	if (!left)
		left = 1; /* it ended while we answered: "now" would read as "never" */
	n = snprintf(body, sizeof(body),
		     "{\"error\":\"too many wrong passwords from your address: wait %u s and "
		     "try again\",\"status\":%u,\"retry_after\":%u}",
		     left, MHD_HTTP_TOO_MANY_REQUESTS, left);
	r = MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	snprintf(secs, sizeof(secs), "%u", left);
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Retry-After", secs);
	web__security_headers(r, false);
	ret = MHD_queue_response(c, MHD_HTTP_TOO_MANY_REQUESTS, r);
	MHD_destroy_response(r);
	return ret;
}

/* HTTP Basic with WEB_USER and the password: 1 right, 0 none given, -EACCES wrong,
 * -EBUSY locked out */
static int basic_auth(struct web *w, struct MHD_Connection *c)
{
	char *pass = NULL;
	char *user = MHD_basic_auth_get_username_password(c, &pass);
	int r = 0;

	if (user) {
		r = web__password_check(w, c, user, pass, "HTTP Basic");
		if (r == 0)
			r = -EACCES;
	}
	if (user)
		MHD_free(user);
	if (pass)
		MHD_free(pass);
	return r;
}

struct web__who web__who_of(struct web *w, struct MHD_Connection *c)
{
	struct web__who who = { false, false, NULL, false };
	int r;

	if (!w->password) {
		who.authed = true;
		who.keys = peer_loopback(c);
		return who;
	}
	/* HTTP Basic first: a client presenting the password writes with the daemon's token */
	r = basic_auth(w, c);
	if (r == 1) {
		who.authed = true;
	} else if (r == -EBUSY) {
		who.locked = true;
	} else {
		who.session = session_of(w, c);
		who.authed = who.session != NULL;
	}
	who.keys = who.authed;
	return who;
}

const char *web__csrf_of(struct web *w, const struct web__who *who)
{
	return who->session ? who->session->csrf : w->csrf;
}

static enum MHD_Result reply_cookie(struct MHD_Connection *c, const char *cookie, bool security)
{
	static const char json[] = "{\"ok\":true}";
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(json), (void *)json, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Set-Cookie", cookie);
	if (security)
		web__security_headers(r, false);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result web__route_login(struct web *w, struct MHD_Connection *c, struct web__req *q,
				 struct web__who *who)
{
	char pass[WEB_PARAM_MAX + 1];
	uint64_t now = web__mono_us(w);
	struct web__session *s = NULL;
	char cookie[192];
	int r;

	if (!w->password)
		return web__reply_json(c, MHD_HTTP_OK,
				       "{\"ok\":true,\"note\":\"no password is set\"}");
	if (web_form_get(q->body, q->len, "password", pass, sizeof(pass)) < 0)
		pass[0] = '\0';
	r = web__password_check(w, c, WEB_USER, pass, "the login form");
	if (r == -EBUSY)
		return web__reply_locked(w, c);
	if (r == 0) {
		web__log(w, "WEB: ", "login refused: wrong password");
		return web__reply_error(c, MHD_HTTP_UNAUTHORIZED, "wrong password");
	}
	/* a login replaces the session it came with: new id, new token */
	if ((who->session = session_of(w, c)))
		memset(who->session, 0, sizeof(*who->session));
	for (int i = 0; i < WEB_SESSIONS; i++) {
		struct web__session *t = &w->sessions[i];

		if (!t->id[0] || t->expires_us <= now) {
			s = t;
			break;
		}
		if (!s || t->expires_us < s->expires_us)
			s = t; /* the oldest makes room */
	}
	if (web__token(s->id) < 0 || web__token(s->csrf) < 0) {
		memset(s, 0, sizeof(*s));
		web__log(w, "WEB: ", "login refused: no randomness for a session id");
		return web__reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					"no session can be made now (no randomness); try again");
	}
	s->expires_us = now + WEB_SESSION_TTL_S * 1000000ull;
	snprintf(cookie, sizeof(cookie), COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict; "
		 "Max-Age=%u%s", s->id, WEB_SESSION_TTL_S, w->names.tls ? "; Secure" : "");
	return reply_cookie(c, cookie, true);
}

enum MHD_Result web__route_logout(struct web *w, struct MHD_Connection *c, struct web__req *q,
				  struct web__who *who)
{
	struct web__session *s = who->session ? who->session : session_of(w, c);

	(void)q;
	/* the session and its CSRF token end here */
	if (s)
		memset(s, 0, sizeof(*s));
	return reply_cookie(c, w->names.tls ? COOKIE_NAME "=; Path=/; Max-Age=0; Secure"
					    : COOKIE_NAME "=; Path=/; Max-Age=0", false);
}

static int build_session(struct web *w, const struct web__who *who, void *arg, struct jw *jw)
{
	(void)arg;
	jw_obj_begin(jw);
	jw_key(jw, "auth");
	jw_bool(jw, who->authed);
	jw_key(jw, "password");
	jw_bool(jw, w->password != NULL);
	jw_key(jw, "keys");
	jw_bool(jw, who->keys);
	/* before login: nothing that names this node, its version or its files */
	if (who->authed) {
		jw_key(jw, "user");
		jw_str(jw, WEB_USER);
		jw_key(jw, "csrf");
		jw_str(jw, web__csrf_of(w, who));
		jw_key(jw, "mi32cfg");
		jw_str(jw, w->o.mi32cfg ? w->o.mi32cfg : "");
		jw_key(jw, "topic");
		jw_str(jw, w->o.topic ? w->o.topic : "");
		jw_key(jw, "version");
		jw_str(jw, w->o.version ? w->o.version : "");
	}
	jw_obj_end(jw);
	return 0;
}

enum MHD_Result web__route_session(struct web *w, struct MHD_Connection *c,
				   struct web__req *q, struct web__who *who)
{
	(void)q;
	return web__reply_built(w, c, who, build_session, NULL);
}
