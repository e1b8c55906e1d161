/* SPDX-License-Identifier: MIT */
/* test_doctor.c — the self-check's questions that need no Bluetooth, against real sockets
 * and files made here: a listening and a closed port for the broker and the web port, a
 * valid, a missing and a broken sensor list, a writable, a missing and a non-directory
 * state directory. (The Bluetooth questions run in the real-stack VM.) */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/doctor.h"
#include "../util/fakesys.h"

/* A TCP socket listening on 127.0.0.1 (an ephemeral port, in *@port). */
static int listener(unsigned int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void expect_line(const struct doctor_report *r, unsigned int i,
			enum doctor_verdict v, const char *text)
{
	assert_true(i < r->n);
	assert_int_equal(r->line[i].verdict, v);
	assert_string_equal(r->line[i].text, text);
}

static void test_broker(void **state)
{
	struct doctor_report r = { 0 };
	unsigned int port;
	int fd = listener(&port);
	char want[160];

	(void)state;
	doctor_check_broker(&r, "127.0.0.1", port, 2000);
	snprintf(want, sizeof(want), "the MQTT broker 127.0.0.1 port %u accepts connections",
		 port);
	expect_line(&r, 0, DOCTOR_OK, want);
	close(fd); /* now nobody listens there */
	doctor_check_broker(&r, "127.0.0.1", port, 2000);
	snprintf(want, sizeof(want), "the MQTT broker 127.0.0.1 port %u cannot be reached: "
				     "Connection refused (is it running? mqtt-host and "
				     "mqtt-port in mi32.conf)", port);
	expect_line(&r, 1, DOCTOR_FAIL, want);
	doctor_check_broker(&r, NULL, 1883, 2000);
	expect_line(&r, 2, DOCTOR_NOTE, "no MQTT broker is set (mqtt-host): readings go to the "
					"web page and --json only");
	doctor_check_broker(&r, "no-such-host.invalid", 1883, 2000);
	assert_int_equal(r.line[3].verdict, DOCTOR_FAIL);
	assert_non_null(strstr(r.line[3].text, "no-such-host.invalid does not resolve"));
	assert_int_equal(r.failed, 2);
}

static void test_web_port(void **state)
{
	struct doctor_report r = { 0 };
	unsigned int port;
	int fd = listener(&port);
	char want[200];

	(void)state;
	doctor_check_web_port(&r, NULL, false, port);
	snprintf(want, sizeof(want), "the web port %u on 127.0.0.1 is in use by another "
				     "program (mi32 itself, if it runs already): choose another "
				     "with web-port", port);
	expect_line(&r, 0, DOCTOR_FAIL, want);
	close(fd);
	doctor_check_web_port(&r, "localhost", false, port);
	snprintf(want, sizeof(want), "the web port %u on 127.0.0.1 is free", port);
	expect_line(&r, 1, DOCTOR_OK, want);
	doctor_check_web_port(&r, NULL, false, 0);
	expect_line(&r, 2, DOCTOR_NOTE, "the web page is off (web-port 0)");
	doctor_check_web_port(&r, "not-an-address", false, 8080);
	expect_line(&r, 3, DOCTOR_FAIL, "web-bind not-an-address is not an IPv4 or IPv6 "
					"address");
	assert_int_equal(r.failed, 2);
}

static void test_mi32cfg(void **state)
{
	struct doctor_report r = { 0 };
	char dir[64], path[128], want[300];

	(void)state;
	fakesys_new(dir);
	snprintf(path, sizeof(path), "%s/mi32cfg", dir);
	doctor_check_mi32cfg(&r, path);
	snprintf(want, sizeof(want), "there is no sensor list %s yet: mi32 starts with an "
				     "empty one", path);
	expect_line(&r, 0, DOCTOR_NOTE, want);
	fakesys_write(path, "[{\"MAC\":\"A4C138A1B2C3\",\"PID\":\"055b\",\"key\":\"\"}]");
	doctor_check_mi32cfg(&r, path);
	snprintf(want, sizeof(want), "the sensor list %s is readable and valid (1 sensor)",
		 path);
	expect_line(&r, 1, DOCTOR_OK, want);
	fakesys_write(path, "[{\"MAC\":\"A4C138A1B2C3\",\"PID\":\"055b\",\"key\":\"00\"}]");
	doctor_check_mi32cfg(&r, path);
	assert_int_equal(r.line[2].verdict, DOCTOR_FAIL);
	assert_non_null(strstr(r.line[2].text, "key must be 32 hex digits"));
	assert_int_equal(r.failed, 1);
	fakesys_free(dir);
}

static void test_state_dir(void **state)
{
	struct doctor_report r = { 0 };
	char dir[64], path[128], want[300];

	(void)state;
	fakesys_new(dir);
	doctor_check_state_dir(&r, dir);
	snprintf(want, sizeof(want), "the state directory %s is writable", dir);
	expect_line(&r, 0, DOCTOR_OK, want);
	snprintf(path, sizeof(path), "%s/missing", dir);
	doctor_check_state_dir(&r, path);
	snprintf(want, sizeof(want), "the state directory %s does not exist: create it "
				     "(mkdir -p), or let the systemd unit make it "
				     "(StateDirectory=)", path);
	expect_line(&r, 1, DOCTOR_FAIL, want);
	snprintf(path, sizeof(path), "%s/file", dir);
	fakesys_write(path, "x");
	doctor_check_state_dir(&r, path);
	snprintf(want, sizeof(want), "the state directory %s is not a directory", path);
	expect_line(&r, 2, DOCTOR_FAIL, want);
	assert_int_equal(r.failed, 2);
	fakesys_free(dir);
}

static void test_print_and_overflow(void **state)
{
	struct doctor_report *r = calloc(1, sizeof(*r));
	char buf[512] = "";
	FILE *f;

	(void)state;
	assert_non_null(r);
	doctor_say(r, DOCTOR_OK, "one");
	doctor_say(r, DOCTOR_NOTE, "two");
	f = fmemopen(buf, sizeof(buf), "w");
	doctor_print(r, f);
	fclose(f);
	assert_string_equal(buf, "  ok    one\n  note  two\nmi32 doctor: ready to run\n");
	/* past the last line a failure still counts */
	for (int i = 0; i < DOCTOR_LINES_MAX + 3; i++)
		doctor_say(r, DOCTOR_FAIL, "bad %d", i);
	assert_int_equal(r->n, DOCTOR_LINES_MAX);
	assert_int_equal(r->failed, DOCTOR_LINES_MAX + 3);
	f = fmemopen(buf, sizeof(buf), "w");
	setvbuf(f, NULL, _IONBF, 0);
	r->n = 1;
	doctor_print(r, f);
	fclose(f);
	assert_string_equal(buf, "  ok    one\nmi32 doctor: 43 things are not ready\n");
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_broker),
		cmocka_unit_test(test_web_port),
		cmocka_unit_test(test_mi32cfg),
		cmocka_unit_test(test_state_dir),
		cmocka_unit_test(test_print_and_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
