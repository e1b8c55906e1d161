/* SPDX-License-Identifier: MIT */
/* test_web_limit.c — wrong passwords per address: free tries, then lockouts that double up
 * to the cap, an address never locked by another's guesses, IPv6 counted per /64, a right
 * password starting over, forgetting after an hour, and a full table keeping the locked. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sink/web_int.h"

#define S 1000000ull

static struct sockaddr_storage addr(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':')) {
		ss.ss_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text,
					   &((struct sockaddr_in6 *)&ss)->sin6_addr), 1);
	} else {
		ss.ss_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, text,
					   &((struct sockaddr_in *)&ss)->sin_addr), 1);
	}
	return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))

static void test_lockout_and_backoff(void **state)
{
	struct web__limit *l = calloc(1, sizeof(*l));
	struct sockaddr_storage a = addr("192.0.2.1"), b = addr("192.0.2.2");
	uint64_t t = 1000 * S;

	(void)state;
	for (int i = 1; i < WEB_LIMIT_FREE; i++)
		assert_int_equal(web__limit_fail(l, SA(a), t), 0);
	assert_int_equal(web__limit_locked(l, SA(a), t), 0);
	assert_int_equal(web__limit_fail(l, SA(a), t), WEB_LIMIT_BASE_S);
	assert_int_equal(web__limit_locked(l, SA(a), t), WEB_LIMIT_BASE_S);
	assert_int_equal(web__limit_locked(l, SA(b), t), 0);
	/* refused while locked: not counted, no new lockout */
	assert_int_equal(web__limit_fail(l, SA(a), t + S), 0);
	/* a right password during the lockout does not end it */
	web__limit_ok(l, SA(a), t + S);
	assert_int_equal(web__limit_locked(l, SA(a), t + S), WEB_LIMIT_BASE_S - 1);
	t += WEB_LIMIT_BASE_S * S;
	assert_int_equal(web__limit_locked(l, SA(a), t), 0);
	/* after a lockout one more wrong password locks again, twice as long, up to the cap */
	unsigned int want = 2 * WEB_LIMIT_BASE_S;
	for (int i = 0; i < 12; i++) {
		unsigned int got = web__limit_fail(l, SA(a), t);

		assert_int_equal(got, want > WEB_LIMIT_MAX_S ? WEB_LIMIT_MAX_S : want);
		t += got * S;
		want *= 2;
	}
	/* a right password starts over */
	web__limit_ok(l, SA(a), t);
	for (int i = 1; i < WEB_LIMIT_FREE; i++)
		assert_int_equal(web__limit_fail(l, SA(a), t), 0);
	/* and an hour without a wrong one too */
	t += WEB_LIMIT_FORGET_S * S;
	for (int i = 1; i < WEB_LIMIT_FREE; i++)
		assert_int_equal(web__limit_fail(l, SA(a), t), 0);
	free(l);
}

static void test_ipv6_per_64(void **state)
{
	struct web__limit *l = calloc(1, sizeof(*l));
	struct sockaddr_storage a = addr("2001:db8:1:2::1"), b = addr("2001:db8:1:2::ffff"),
				c = addr("2001:db8:1:3::1"), m = addr("::ffff:192.0.2.9"),
				v4 = addr("192.0.2.9");

	(void)state;
	for (int i = 0; i < WEB_LIMIT_FREE; i++)
		web__limit_fail(l, SA(a), S);
	assert_true(web__limit_locked(l, SA(b), S) > 0);
	assert_int_equal(web__limit_locked(l, SA(c), S), 0);
	/* a v4-mapped client is the IPv4 address */
	for (int i = 0; i < WEB_LIMIT_FREE; i++)
		web__limit_fail(l, SA(m), S);
	assert_true(web__limit_locked(l, SA(v4), S) > 0);
	free(l);
}

static void test_full_table_keeps_the_locked(void **state)
{
	struct web__limit *l = calloc(1, sizeof(*l));
	struct sockaddr_storage a = addr("198.51.100.1");
	char text[32];

	(void)state;
	for (int i = 0; i < WEB_LIMIT_FREE; i++)
		web__limit_fail(l, SA(a), S);
	/* many other addresses, one wrong password each, fill and churn the table */
	for (int i = 0; i < 4 * WEB_LIMIT_ADDRS; i++) {
		struct sockaddr_storage o;

		snprintf(text, sizeof(text), "10.%d.%d.1", i / 256, i % 256);
		o = addr(text);
		web__limit_fail(l, SA(o), 2 * S);
	}
	assert_true(web__limit_locked(l, SA(a), 3 * S) > 0);
	assert_int_equal(web__limit_locked(l, NULL, S), 0);
	assert_int_equal(web__limit_fail(l, NULL, S), 0);
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lockout_and_backoff),
		cmocka_unit_test(test_ipv6_per_64),
		cmocka_unit_test(test_full_table_keeps_the_locked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
