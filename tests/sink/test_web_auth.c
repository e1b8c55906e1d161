/* SPDX-License-Identifier: MIT */
/* test_web_auth.c — the random tokens behind web sessions and the CSRF check fail closed:
 * when the kernel gives no randomness there is no token, never one made from the clock.
 * getrandom() is replaced here (the executable's definition wins over libc's). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

#include <cmocka.h>

#include "sink/web_int.h"

static int fail_errno;     /* 0 = behave, else fail with it */
static bool short_read;    /* return fewer bytes than asked */
static uint8_t next_byte;

ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	(void)flags;
	if (fail_errno) {
		errno = fail_errno;
		return -1;
	}
	if (short_read)
		len /= 2;
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = next_byte++;
	return (ssize_t)len;
}

static void test_token(void **state)
{
	char a[WEB_TOKEN_LEN + 1], b[WEB_TOKEN_LEN + 1];

	(void)state;
	assert_int_equal(web__token(a), 0);
	assert_int_equal(strlen(a), WEB_TOKEN_LEN);
	assert_int_equal(strspn(a, "0123456789abcdef"), WEB_TOKEN_LEN);
	assert_int_equal(web__token(b), 0);
	assert_string_not_equal(a, b);
}

static void test_token_fails_closed(void **state)
{
	char t[WEB_TOKEN_LEN + 1];

	(void)state;
	memset(t, 'x', sizeof(t));
	fail_errno = ENOSYS;
	assert_int_equal(web__token(t), -ENOSYS);
	assert_string_equal(t, "");
	fail_errno = EAGAIN;
	assert_int_equal(web__token(t), -EAGAIN);
	assert_string_equal(t, "");
	fail_errno = 0;
	short_read = true;
	assert_int_equal(web__token(t), -EIO);
	assert_string_equal(t, "");
	short_read = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_token_fails_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
