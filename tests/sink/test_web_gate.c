/* SPDX-License-Identifier: MIT */
/* test_web_gate.c — the gate's decisions without a socket: the Host names a server answers
 * to (a wildcard bind takes any address literal, never a name it was not given), the Origin
 * of writes, the order of refusals, and the route table's promises (every POST is a CSRF
 * write; keys only to who may see them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sink/web_int.h"

static const struct web__names loop = { .bound = "127.0.0.1", .hosts = "mi32.lan,Dash.Example",
					.hostname = "raspberrypi" };
static const struct web__names any = { .bound = "0.0.0.0", .bound_any = true,
				       .hostname = "raspberrypi" };

static void test_host(void **state)
{
	static const char *const good[] = {
		"localhost", "localhost:8080", "LocalHost.", "127.0.0.1", "127.0.0.1:1", "[::1]",
		"[::1]:8080", "mi32.lan", "MI32.LAN:80", "dash.example", "raspberrypi",
		"raspberrypi.local:8080", "RaspberryPi.Local", "mi32.lan.",
	};
	static const char *const bad[] = {
		"", ":8080", "evil.example", "localhost.evil.example", "127.0.0.1.evil",
		"x.mi32.lan", "127.0.0.2", "192.168.1.5", "[::1", "[::1]x", "::1", "localhost:",
		"localhost:80x", "localhost:123456", "a:1:2", "[127.0.0.1]", "raspberrypi.evil",
		"raspberrypi.local.evil", "[fe80::1]:80",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(web__host_ok(&loop, good[i]) || (print_error("%s\n", good[i]), 0));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(web__host_ok(&loop, bad[i]) && (print_error("%s\n", bad[i]), 1));
	/* HTTP/1.0 without a Host is no browser's */
	assert_true(web__host_ok(&loop, NULL));
	/* bound to every address: any address literal, still no foreign name */
	assert_true(web__host_ok(&any, "192.168.1.5:8080"));
	assert_true(web__host_ok(&any, "[fe80::1]:80"));
	assert_false(web__host_ok(&any, "evil.example"));
	assert_false(web__host_ok(&any, "mi32.lan"));
}

static void test_origin(void **state)
{
	(void)state;
	assert_true(web__origin_ok(NULL, "127.0.0.1:8080", false));
	assert_true(web__origin_ok("http://127.0.0.1:8080", "127.0.0.1:8080", false));
	assert_true(web__origin_ok("HTTP://LOCALHOST:8080", "localhost:8080", false));
	assert_true(web__origin_ok("http://mi32.lan", "mi32.lan:80", false));
	assert_true(web__origin_ok("https://mi32.lan:443", "mi32.lan", true));
	assert_false(web__origin_ok("null", "127.0.0.1:8080", false));
	assert_false(web__origin_ok("http://evil.example:8080", "127.0.0.1:8080", false));
	assert_false(web__origin_ok("https://127.0.0.1:8080", "127.0.0.1:8080", false));
	assert_false(web__origin_ok("http://127.0.0.1:8080", "127.0.0.1:8080", true));
	assert_false(web__origin_ok("http://127.0.0.1:8080/", "127.0.0.1:8080", false));
	assert_false(web__origin_ok("http://127.0.0.1", "127.0.0.1:8080", false));
	assert_false(web__origin_ok("http://127.0.0.1:8080", NULL, false));
}

static struct web__verdict gate(const char *method, const char *url, const char *host,
				const char *origin, const char *csrf, struct web__who who)
{
	struct web__gate_in in = { .method = method, .url = url, .host = host,
				   .origin = origin, .csrf = csrf };

	return web__gate(&loop, &in, &who, "tok");
}

static void test_gate_order(void **state)
{
	struct web__who anon = { 0 }, user = { .authed = true }, keys = { .authed = true, .keys = true };
	struct web__who locked = { .locked = true };

	(void)state;
	assert_int_equal(gate("PUT", "/", "localhost", NULL, NULL, keys).status, 405);
	assert_int_equal(gate("GET", "/api/sensors", "evil", NULL, NULL, keys).status, 421);
	assert_int_equal(gate("POST", "/cm", "localhost", "http://evil", "tok", keys).status, 403);
	assert_int_equal(gate("GET", "/api/sensors", "localhost", NULL, NULL, locked).status, 429);
	assert_int_equal(gate("GET", "/api/sensors", "localhost", NULL, NULL, anon).status, 401);
	assert_int_equal(gate("GET", "/api/sensors", "localhost", NULL, NULL, user).status, 0);
	/* a page answers a stranger with the login form: the route comes with the 401 */
	assert_non_null(gate("GET", "/m32", "localhost", NULL, NULL, anon).route);
	assert_int_equal(gate("POST", "/cm", "localhost", NULL, NULL, user).status, 403);
	assert_int_equal(gate("POST", "/cm", "localhost", NULL, "tox", user).status, 403);
	assert_int_equal(gate("POST", "/cm", "localhost", NULL, "tok", user).status, 0);
	assert_int_equal(gate("POST", "/logout", "localhost", NULL, NULL, user).status, 403);
	assert_int_equal(gate("POST", "/api/mi32cfg", "localhost", NULL, "tok", user).status, 403);
	assert_int_equal(gate("POST", "/api/mi32cfg", "localhost", NULL, "tok", keys).status, 0);
	assert_int_equal(gate("GET", "/api/log", "localhost", NULL, NULL, user).status, 403);
	assert_true(gate("GET", "/app.js", "localhost", NULL, NULL, user).asset);
	assert_int_equal(gate("GET", "/api/nope", "localhost", NULL, NULL, user).status, 404);
	assert_int_equal(gate("GET", "/app.js", "localhost", NULL, NULL, anon).status, 401);
}

static void test_route_table(void **state)
{
	static const char *const posts[] = { "/cm", "/logout", "/api/mi32cfg",
					     "/api/mi32cfg/check" };

	(void)state;
	/* every POST but the login form is a CSRF-checked write */
	for (size_t i = 0; i < sizeof(posts) / sizeof(posts[0]); i++) {
		const struct web__route *r = web__route_find("POST", posts[i]);

		assert_non_null(r);
		assert_true(r->flags & WEB_CSRF);
		assert_int_not_equal(r->access, WEB_ACCESS_OPEN);
	}
	assert_int_equal(web__route_find("POST", "/login")->access, WEB_ACCESS_OPEN);
	assert_null(web__route_find("POST", "/api/sensors"));
	assert_null(web__route_find("GET", "/logout"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_gate_order),
		cmocka_unit_test(test_route_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
