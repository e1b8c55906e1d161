/* SPDX-License-Identifier: MIT */
/* test_http.c — HAP's HTTP: what hap-controller sends, requests arriving in pieces or two at
 * once, and every refusal (two lengths, chunked, oversized, bad request line). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hap/http.h"

#define REQ(s) ((const uint8_t *)(s)), (sizeof(s) - 1)

static void pair_setup_post(void **state)
{
	static const char r[] = "POST /pair-setup HTTP/1.1\r\nHost: 127.0.0.1:51826\r\n"
				"Content-Type: application/pairing+tlv8\r\nContent-Length: 6\r\n"
				"\r\n\x06\x01\x01\x00\x01\x00";
	struct http_req q;

	(void)state;
	assert_int_equal(http_parse(REQ(r), &q), 1);
	assert_int_equal(q.method, HTTP_POST);
	assert_string_equal(q.path, "/pair-setup");
	assert_string_equal(q.content_type, "application/pairing+tlv8");
	assert_int_equal(q.body_len, 6);
	assert_memory_equal(q.body, "\x06\x01\x01\x00\x01\x00", 6);
	assert_int_equal(q.total, sizeof(r) - 1);
	/* every shorter prefix asks for more */
	for (size_t n = 0; n < sizeof(r) - 1; n++)
		assert_int_equal(http_parse((const uint8_t *)r, n, &q), 0);
}

static void get_with_query_and_pipelined(void **state)
{
	static const char r[] = "GET /characteristics?id=2.10,2.11&meta=1&ev=1 HTTP/1.1\r\n\r\n"
				"GET /accessories HTTP/1.1\r\n\r\n";
	struct http_req q;
	char v[32];

	(void)state;
	assert_int_equal(http_parse(REQ(r), &q), 1);
	assert_int_equal(q.method, HTTP_GET);
	assert_int_equal(q.body_len, 0);
	assert_int_equal(http_query(q.path, "id", v, sizeof(v)), 9);
	assert_string_equal(v, "2.10,2.11");
	assert_int_equal(http_query(q.path, "ev", v, sizeof(v)), 1);
	assert_string_equal(v, "1");
	assert_int_equal(http_query(q.path, "perms", v, sizeof(v)), -ENOENT);
	assert_int_equal(http_query(q.path, "id", v, 5), -E2BIG);
	assert_int_equal(http_parse((const uint8_t *)r + q.total, sizeof(r) - 1 - q.total, &q), 1);
	assert_string_equal(q.path, "/accessories");
}

static void refusals(void **state)
{
	struct http_req q;
	uint8_t big[HTTP_HEAD_MAX + 10];

	(void)state;
	assert_int_equal(http_parse(REQ("PUT /x HTTP/1.1\r\nContent-Length: 1\r\n"
					"Content-Length: 1\r\n\r\nab"), &q), -EBADMSG);
	assert_int_equal(http_parse(REQ("PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
				    &q), -ENOSYS);
	assert_int_equal(http_parse(REQ("PUT /x HTTP/1.1\r\nContent-Length: 99999\r\n\r\n"), &q),
			 -E2BIG);
	assert_int_equal(http_parse(REQ("PUT /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), &q),
			 -EBADMSG);
	assert_int_equal(http_parse(REQ("PUT /x HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n"), &q),
			 -EBADMSG);
	assert_int_equal(http_parse(REQ("DELETE /x HTTP/1.1\r\n\r\n"), &q), -ENOSYS);
	assert_int_equal(http_parse(REQ("GET /x HTTP/1.0\r\n\r\n"), &q), -EBADMSG);
	assert_int_equal(http_parse(REQ("GET x HTTP/1.1\r\n\r\n"), &q), -EBADMSG);
	assert_int_equal(http_parse(REQ("GET /a b HTTP/1.1\r\n\r\n"), &q), -EBADMSG);
	assert_int_equal(http_parse(REQ("GET /x HTTP/1.1\r\nNoColon\r\n\r\n"), &q), -EBADMSG);
	assert_int_equal(http_parse(REQ("GET /x HTTP/1.1\r\n: v\r\n\r\n"), &q), -EBADMSG);
	assert_int_equal(http_parse(REQ("GET /x\rHTTP/1.1\r\n\r\n"), &q), -EBADMSG);
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	assert_int_equal(http_parse(big, sizeof(big), &q), -E2BIG);
}

static void responses(void **state)
{
	uint8_t buf[256];
	struct wr w = wr_init(buf, sizeof(buf));
	static const char want[] = "HTTP/1.1 200 OK\r\nContent-Type: application/hap+json\r\n"
				   "Content-Length: 2\r\n\r\n{}";
	static const char want204[] = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";
	static const char want_ev[] = "EVENT/1.0 200 OK\r\nContent-Type: application/hap+json\r\n"
				      "Content-Length: 2\r\n\r\n{}";

	(void)state;
	http_response(&w, 200, "application/hap+json", "{}", 2);
	assert_int_equal(wr_len(&w), sizeof(want) - 1);
	assert_memory_equal(buf, want, sizeof(want) - 1);
	w = wr_init(buf, sizeof(buf));
	http_response(&w, 204, "application/hap+json", NULL, 0);
	assert_memory_equal(buf, want204, sizeof(want204) - 1);
	w = wr_init(buf, sizeof(buf));
	http_event(&w, "{}", 2);
	assert_memory_equal(buf, want_ev, sizeof(want_ev) - 1);
	/* no room: the sticky error, not an overrun */
	w = wr_init(buf, 10);
	http_event(&w, "{}", 2);
	assert_false(wr_ok(&w));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pair_setup_post),
		cmocka_unit_test(get_with_query_and_pipelined),
		cmocka_unit_test(refusals),
		cmocka_unit_test(responses),
	};
	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
