/* SPDX-License-Identifier: MIT */
/* web_gate.c — the gate every request passes before a handler runs: the Host names this
 * server answers to (a page of another site that rebinds its name to our address is
 * refused), the Origin of writes, the route table and who may use each route. Pure: the
 * headers come in as strings, so the route fuzzer drives it without a socket. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sink/web_int.h"

/* ---- Host ---------------------------------------------------------------------------------- */

/* Split "name[:port]" or "[v6][:port]" into the name (without brackets, lowercased, without
 * a trailing dot) and the port text. Returns false for what is no host at all. */
static bool host_split(const char *host, char *name, size_t size, const char **port)
{
	const char *end, *p;
	size_t n;

	*port = NULL;
	if (host[0] == '[') {
		end = strchr(host, ']');
		if (!end)
			return false;
		p = end + 1;
		host++;
	} else {
		end = strchr(host, ':');
		if (!end)
			end = host + strlen(host);
		p = end;
	}
	if (*p == ':') {
		*port = p + 1;
		if (!**port || strlen(*port) > 5 || strspn(*port, "0123456789") != strlen(*port))
			return false;
	} else if (*p) {
		return false;
	}
	n = (size_t)(end - host);
	if (n && host[n - 1] == '.')
		n--; /* "localhost." is localhost */
	if (!n || n >= size)
		return false;
	for (size_t i = 0; i < n; i++)
		name[i] = (char)tolower((unsigned char)host[i]);
	name[n] = '\0';
	return true;
}

/* @name (lowercased) in the comma-separated @list, case-insensitively. */
static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	while (list && *list) {
		size_t k = strcspn(list, ",");

		while (k && list[k - 1] == ' ')
			k--;
		if (k == n && !strncasecmp(list, name, n))
			return true;
		list += strcspn(list, ",");
		list += strspn(list, ", ");
	}
	return false;
}

static bool addr_eq(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	int fa = strchr(a, ':') ? AF_INET6 : AF_INET, fb = strchr(b, ':') ? AF_INET6 : AF_INET;

	return fa == fb && inet_pton(fa, a, x) == 1 && inet_pton(fb, b, y) == 1 &&
	       !memcmp(x, y, fa == AF_INET ? 4 : 16);
}

bool web__host_ok(const struct web__names *n, const char *host)
{
	char name[256], v6[16];
	const char *port;
	struct in_addr v4;
	bool literal;

	/* HTTP/1.0 without Host: no browser sends that, and a rebinding page is a browser's */
	if (!host)
		return true;
	if (!host_split(host, name, sizeof(name), &port))
		return false;
	literal = inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, v6) == 1;
	if (host[0] == '[' && !strchr(name, ':'))
		return false;
	if (literal) {
		/* an address typed into the address bar: the page's origin is that address,
		 * which no other site can take (rebinding needs a name) */
		return n->bound_any || addr_eq(name, "127.0.0.1") || addr_eq(name, "::1") ||
		       (n->bound && addr_eq(name, n->bound));
	}
	if (!strcmp(name, "localhost"))
		return true;
	if (n->hostname && n->hostname[0]) {
		size_t k = strlen(n->hostname);

		/* the machine's own name and its mDNS name: "raspberrypi", "raspberrypi.local" */
		if (!strcasecmp(name, n->hostname) ||
		    (!strncasecmp(name, n->hostname, k) && !strcmp(name + k, ".local")))
			return true;
	}
	return in_list(n->hosts, name);
}

/* ---- Origin -------------------------------------------------------------------------------- */

/* "host[:port]" without the scheme's default port, into @out */
static void authority(const char *a, size_t n, bool tls, char *out, size_t size)
{
	const char *dflt = tls ? ":443" : ":80";
	size_t d = strlen(dflt);

	if (n > d && !strncmp(a + n - d, dflt, d))
		n -= d;
	if (n >= size)
		n = size - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)a[i]);
	out[n] = '\0';
}

bool web__origin_ok(const char *origin, const char *host, bool tls)
{
	const char *scheme = tls ? "https://" : "http://";
	size_t sl = strlen(scheme);
	char o[300], h[300];

	if (!origin)
		return true; /* not a browser's cross-origin request: those always carry it */
	if (!host || strncasecmp(origin, scheme, sl))
		return false; /* "null" (sandboxed frames, file: pages), another scheme */
	origin += sl;
	if (strlen(origin) >= sizeof(o) || strlen(host) >= sizeof(h) || strchr(origin, '/'))
		return false;
	authority(origin, strlen(origin), tls, o, sizeof(o));
	authority(host, strlen(host), tls, h, sizeof(h));
	return !strcmp(o, h);
}

/* ---- routes -------------------------------------------------------------------------------- */

static const struct web__route routes[] = {
	/* the login form and what it needs */
	{ "GET", "/login", WEB_ACCESS_PASSWORD, 0, WEB_ROUTE_ASSET, "/login.html" },
	{ "POST", "/login", WEB_ACCESS_OPEN, 0, WEB_ROUTE_LOGIN, NULL },
	{ "GET", "/style.css", WEB_ACCESS_OPEN, 0, WEB_ROUTE_ASSET, "/style.css" },
	{ "GET", "/login.js", WEB_ACCESS_OPEN, 0, WEB_ROUTE_ASSET, "/login.js" },
	{ "GET", "/favicon.svg", WEB_ACCESS_OPEN, 0, WEB_ROUTE_ASSET, "/favicon.svg" },
	{ "GET", "/common.js", WEB_ACCESS_OPEN, 0, WEB_ROUTE_ASSET, "/common.js" },
	{ "GET", "/api/session", WEB_ACCESS_OPEN, 0, WEB_ROUTE_SESSION, NULL },
	/* pages */
	{ "GET", "/", WEB_ACCESS_PASSWORD, 0, WEB_ROUTE_ASSET, "/index.html" },
	{ "GET", "/index.html", WEB_ACCESS_PASSWORD, 0, WEB_ROUTE_ASSET, "/index.html" },
	{ "GET", "/m32", WEB_ACCESS_PASSWORD, 0, WEB_ROUTE_ASSET, "/m32.html" },
	{ "GET", "/cfg", WEB_ACCESS_PASSWORD, 0, WEB_ROUTE_ASSET, "/cfg.html" },
	{ "GET", "/cs", WEB_ACCESS_PASSWORD, 0, WEB_ROUTE_ASSET, "/cs.html" },
	{ "GET", "/activate", WEB_ACCESS_PASSWORD, 0, WEB_ROUTE_ASSET, "/activate.html" },
	/* Tasmota's command API: GET takes ?user=admin&password=… itself and runs only
	 * commands that change nothing */
	{ "GET", "/cm", WEB_ACCESS_OPEN, 0, WEB_ROUTE_CM_GET, NULL },
	{ "POST", "/cm", WEB_ACCESS_PASSWORD, WEB_CSRF, WEB_ROUTE_CM_POST, NULL },
	/* data */
	{ "GET", "/events", WEB_ACCESS_PASSWORD, 0, WEB_ROUTE_EVENTS, NULL },
	{ "GET", "/metrics", WEB_ACCESS_PASSWORD, 0, WEB_ROUTE_METRICS, NULL },
	{ "GET", "/api/sensors", WEB_ACCESS_PASSWORD, 0, WEB_ROUTE_SENSORS, NULL },
	{ "GET", "/api/node", WEB_ACCESS_PASSWORD, 0, WEB_ROUTE_NODE, NULL },
	{ "GET", "/api/types", WEB_ACCESS_PASSWORD, 0, WEB_ROUTE_TYPES, NULL },
	{ "GET", "/api/widgets", WEB_ACCESS_PASSWORD, 0, WEB_ROUTE_WIDGETS, NULL },
	{ "GET", "/api/log", WEB_ACCESS_KEYS, 0, WEB_ROUTE_LOG, "the log needs the password" },
	{ "GET", "/api/mi32cfg", WEB_ACCESS_PASSWORD, 0, WEB_ROUTE_CFG, NULL },
	{ "GET", "/api/homekit", WEB_ACCESS_KEYS, 0, WEB_ROUTE_HOMEKIT,
	  "the HomeKit setup code needs the web password (or a loopback client)" },
	/* state changes */
	{ "POST", "/logout", WEB_ACCESS_PASSWORD, WEB_CSRF, WEB_ROUTE_LOGOUT, NULL },
	{ "POST", "/api/mi32cfg/check", WEB_ACCESS_PASSWORD, WEB_CSRF, WEB_ROUTE_CFG_CHECK, NULL },
	{ "POST", "/api/mi32cfg", WEB_ACCESS_KEYS, WEB_CSRF, WEB_ROUTE_CFG_SAVE,
	  "saving keys needs the web password (or a loopback client)" },
};

const struct web__route *web__route_find(const char *method, const char *url)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (!strcmp(routes[i].method, method) && !strcmp(routes[i].path, url))
			return &routes[i];
	return NULL;
}

/* ---- the gate ------------------------------------------------------------------------------ */

static struct web__verdict deny(unsigned int status, const char *why)
{
	return (struct web__verdict){ .status = status, .why = why };
}

struct web__verdict web__gate(const struct web__names *names, const struct web__gate_in *in,
			      const struct web__who *who, const char *want_csrf)
{
	bool get = !strcmp(in->method, "GET") || !strcmp(in->method, "HEAD");
	struct web__verdict v = { 0 };

	if (!get && strcmp(in->method, "POST"))
		return deny(MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and POST are served");
	if (!web__host_ok(names, in->host))
		return deny(MHD_HTTP_MISDIRECTED_REQUEST,
			    "this Host is not a name of this server (add it with --web-host NAME)");
	/* a write comes from a page of ours or from no page at all, never another site's */
	if (!get && !web__origin_ok(in->origin, in->host, names->tls))
		return deny(MHD_HTTP_FORBIDDEN, "a write from another origin is refused");
	if (who->locked)
		return deny(MHD_HTTP_TOO_MANY_REQUESTS,
			    "too many wrong passwords from your address: wait and try again");
	v.route = web__route_find(get ? "GET" : "POST", in->url);
	if (!v.route) {
		if (!who->authed)
			return deny(MHD_HTTP_UNAUTHORIZED, "this needs the web password");
		/* the pages' scripts, styles and images, never under /api/ */
		if (get && strncmp(in->url, "/api/", 5))
			v.asset = true;
		else
			v = deny(MHD_HTTP_NOT_FOUND, "no such page");
		return v;
	}
	if (v.route->access != WEB_ACCESS_OPEN && !who->authed) {
		v.status = MHD_HTTP_UNAUTHORIZED;
		v.why = "this needs the web password";
		return v; /* with the route: a page answers with the login form */
	}
	if ((v.route->flags & WEB_CSRF) &&
	    !web__csrf_match(in->site, in->csrf, want_csrf))
		return deny(MHD_HTTP_FORBIDDEN, "missing or wrong CSRF token (reload the page)");
	if (v.route->access == WEB_ACCESS_KEYS && !who->keys)
		return deny(MHD_HTTP_FORBIDDEN, v.route->arg);
	return v;
}

bool web__csrf_match(const char *site, const char *token, const char *want)
{
	/* browsers say where a request comes from; only our own pages (or the address bar) */
	if (site && strcmp(site, "same-origin") && strcmp(site, "none"))
		return false;
	return token && want && want[0] && web_secret_eq(token, want);
}
