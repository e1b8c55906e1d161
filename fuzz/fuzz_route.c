/* SPDX-License-Identifier: MIT */
/* fuzz_route.c — request routing on arbitrary requests: the gate (Host, Origin, lockout,
 * the route table, password, CSRF token, key access) that every request of the web
 * interface passes, and the per-address password limit. The input is lines: a flags byte,
 * then method, URL, Host, Origin, Sec-Fetch-Site, X-CSRF-Token, --web-host and a client
 * address (16 bytes), each line optional ("-" alone = absent). Whatever the bytes, a request
 * the gate lets through must meet every rule the route table promises. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "sink/web_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { F_METHOD, F_URL, F_HOST, F_ORIGIN, F_SITE, F_CSRF, F_HOSTS, F_ADDR, F_N };

static struct web__limit limit;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *f[F_N] = { 0 }, *p;
	uint8_t flags = size ? data[0] : 0;
	struct web__who who = { .authed = flags & 1, .keys = flags & 2, .locked = flags & 4 };
	struct web__names names = { .bound = flags & 8 ? "::1" : "127.0.0.1",
				    .bound_any = flags & 16, .tls = flags & 32,
				    .hostname = "raspberrypi" };
	const char *want = flags & 64 ? "" : "0123456789abcdef0123456789abcdef";
	struct web__gate_in in;
	struct web__verdict v;
	bool get;

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	p = size ? s + 1 : s;
	for (int i = 0; i < F_N && p; i++) {
		f[i] = p;
		p = strchr(p, '\n');
		if (p)
			*p++ = '\0';
		if (!strcmp(f[i], "-"))
			f[i] = NULL;
	}
	in = (struct web__gate_in){ .method = f[F_METHOD] ? f[F_METHOD] : "GET",
				    .url = f[F_URL] ? f[F_URL] : "/", .host = f[F_HOST],
				    .origin = f[F_ORIGIN], .site = f[F_SITE], .csrf = f[F_CSRF] };
	names.hosts = f[F_HOSTS];
	v = web__gate(&names, &in, &who, want);
	get = !strcmp(in.method, "GET") || !strcmp(in.method, "HEAD");

	/* a refusal says why; a pass never breaks a rule */
	if (v.status && !v.why)
		abort();
	if (!v.status) {
		if (!web__host_ok(&names, in.host) || who.locked)
			abort();
		if (!get && (strcmp(in.method, "POST") || !web__origin_ok(in.origin, in.host,
									  names.tls)))
			abort();
		if (v.asset && (v.route || !get || !who.authed || !strncmp(in.url, "/api/", 5)))
			abort();
		if (!v.asset) {
			const struct web__route *r = v.route;

			if (!r || r != web__route_find(get ? "GET" : "POST", in.url))
				abort();
			if (r->access != WEB_ACCESS_OPEN && !who.authed)
				abort();
			if (r->access == WEB_ACCESS_KEYS && !who.keys)
				abort();
			/* a write: always the token, never an empty one */
			if ((r->flags & WEB_CSRF) && (!in.csrf || !want[0] || strcmp(in.csrf, want)))
				abort();
			if (!get && !(r->flags & WEB_CSRF) && r->kind != WEB_ROUTE_LOGIN)
				abort();
			if (get && (r->flags & WEB_CSRF))
				abort();
		}
	}

	/* the limiter on the same bytes: a locked address reports a lockout within its cap */
	if (f[F_ADDR] && strlen(f[F_ADDR]) >= 16) {
		struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6 };
		struct sockaddr_in sa4 = { .sin_family = AF_INET };
		const struct sockaddr *sa = flags & 128 ? (const struct sockaddr *)&sa4
							: (const struct sockaddr *)&sa6;
		uint64_t now = (uint64_t)(uint8_t)f[F_ADDR][0] << 32;
		unsigned int lock;

		memcpy(&sa6.sin6_addr, f[F_ADDR], 16);
		memcpy(&sa4.sin_addr, f[F_ADDR], 4);
		lock = web__limit_fail(&limit, sa, now);
		if (lock > WEB_LIMIT_MAX_S || web__limit_locked(&limit, sa, now) > WEB_LIMIT_MAX_S)
			abort();
		if (lock && web__limit_locked(&limit, sa, now) != lock)
			abort();
		if (flags & 1)
			web__limit_ok(&limit, sa, now + WEB_LIMIT_MAX_S * 1000000ull);
	}
	free(s);
	return 0;
}
