/* SPDX-License-Identifier: MIT */
/* test_h4.c — the H4 UART source on a pseudo-terminal: the test plays the controller on
 * the master side, answering the init commands with Command Complete, then streams LE
 * advertising reports cut at odd boundaries with noise in between. Framer cases run on
 * bytes alone. Every wait is a poll() with a bounded timeout. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "source/h4.h"
#include "source/hci_event.h"
#include "../util/seqpair.h"

/* --- framer on bytes --- */

struct pkts {
	uint8_t data[8][260];
	size_t len[8];
	int n;
};

static void on_pkt(const uint8_t *p, size_t len, void *user_data)
{
	struct pkts *k = user_data;

	if (k->n < 8) {
		memcpy(k->data[k->n], p, len);
		k->len[k->n++] = len;
	}
}

static void test_framer_byte_by_byte_and_noise(void **state)
{
	static const uint8_t stream[] = {
		0x00, 0xFF, 0x11,                   /* noise: 3 bytes */
		0x04, 0x00,                         /* 0x04 then event code 0: noise, 2 */
		0x02, 0x01, 0x00, 0xFF, 0xFF,       /* ACL with absurd length: noise, 5 */
		0x04, 0x0E, 0x04, 0x01, 0x03, 0x0C, 0x00, /* Command Complete (Reset) */
		0x02, 0x01, 0x20, 0x03, 0x00, 0xAA, 0xBB, 0xCC, /* ACL, skipped */
		0x03, 0x01, 0x00, 0x02, 0x04, 0x04, /* SCO whose payload looks like a header */
		0x05, 0x01, 0x00, 0x01, 0x40, 0x04, /* ISO, RFU bits set, 1 byte payload */
		0x04, 0x13, 0x00,                   /* empty event */
	};
	struct h4_framer f;
	struct pkts k = { 0 };

	(void)state;
	h4_framer_init(&f);
	for (size_t i = 0; i < sizeof(stream); i++)
		h4_framer_feed(&f, stream + i, 1, on_pkt, &k);
	assert_int_equal(k.n, 2);
	assert_int_equal(k.len[0], 7);
	assert_memory_equal(k.data[0], "\x04\x0e\x04\x01\x03\x0c\x00", 7);
	assert_int_equal(k.len[1], 3);
	assert_int_equal(f.stats.packets, 2);
	assert_int_equal(f.stats.skipped_pkts, 3);
	assert_int_equal(f.stats.garbage_bytes, 3 + 2 + 5);

	/* the same stream in one piece gives the same result */
	memset(&k, 0, sizeof(k));
	h4_framer_init(&f);
	h4_framer_feed(&f, stream, sizeof(stream), on_pkt, &k);
	assert_int_equal(k.n, 2);
	assert_int_equal(f.stats.garbage_bytes, 10);
}

static void test_parse_spec(void **state)
{
	char path[64];
	unsigned int baud;
	bool flow;

	(void)state;
	assert_int_equal(h4_parse_spec("/dev/ttyACM0", path, sizeof(path), &baud, &flow), 0);
	assert_string_equal(path, "/dev/ttyACM0");
	assert_int_equal(baud, 115200);
	assert_false(flow);
	assert_int_equal(h4_parse_spec("/dev/ttyUSB1,1000000,crtscts", path, sizeof(path),
				       &baud, &flow), 0);
	assert_string_equal(path, "/dev/ttyUSB1");
	assert_int_equal(baud, 1000000);
	assert_true(flow);
	assert_int_equal(h4_parse_spec("/dev/tty,fast", path, sizeof(path), &baud, &flow),
			 -EINVAL);
	assert_int_equal(h4_parse_spec(",115200", path, sizeof(path), &baud, &flow), -EINVAL);
	assert_int_equal(h4_parse_spec("/dev/tty,", path, sizeof(path), &baud, &flow), -EINVAL);
}

/* --- the source on a pty --- */

struct pty {
	int master;
	struct h4 *h;
	struct sink sink;
};

static int setup(void **state)
{
	struct pty *p = calloc(1, sizeof(*p));
	char err[256];
	int fd;

	assert_non_null(p);
	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(p->master >= 0);
	assert_int_equal(grantpt(p->master), 0);
	assert_int_equal(unlockpt(p->master), 0);
	fd = h4_open_tty(ptsname(p->master), 1000000, false, err);
	assert_true(fd >= 0);
	p->h = h4_new(fd, sink_on_adv, &p->sink, NULL);
	assert_non_null(p->h);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pty *p = *state;

	h4_free(p->h);
	close(p->master);
	free(p);
	return 0;
}

/* Read exactly @len bytes from the master within 1 s. */
static void read_exact(int fd, uint8_t *buf, size_t len)
{
	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		assert_int_equal(poll(&pfd, 1, 1000), 1);
		n = read(fd, buf, len);
		assert_true(n > 0);
		buf += n;
		len -= (size_t)n;
	}
}

static uint16_t read_cmd(int master, uint8_t *param)
{
	uint8_t hdr[4];

	read_exact(master, hdr, 4);
	assert_int_equal(hdr[0], HCI_H4_CMD);
	read_exact(master, param, hdr[3]);
	return (uint16_t)(hdr[1] | hdr[2] << 8);
}

static void write_all(int fd, const uint8_t *p, size_t len)
{
	assert_int_equal(write(fd, p, len), (ssize_t)len);
}

/* Let the source read whatever has reached the slave side. */
static int pump(struct pty *p)
{
	struct pollfd pfd = { .fd = h4_fd(p->h), .events = POLLIN };

	if (poll(&pfd, 1, 1000) != 1)
		return -ETIMEDOUT;
	return h4_process(p->h);
}

static void answer(int master, uint16_t op)
{
	uint8_t e[32] = { HCI_H4_EVENT, HCI_EV_CMD_COMPLETE, 4, 1, (uint8_t)op,
			  (uint8_t)(op >> 8), 0x00 };
	size_t n = 7;

	if (op == HCI_OP_READ_LOCAL_VERSION) {
		memcpy(e + n, "\x09\x00\x00\x09\x5d\x00\x01\x00", 8);
		n += 8;
	} else if (op == HCI_OP_READ_BD_ADDR) {
		memcpy(e + n, "\x01\x02\x03\x04\x05\x06", 6);
		n += 6;
	} else if (op == HCI_OP_LE_READ_LOCAL_FEATURES) {
		memset(e + n, 0, 8); /* a 4.x controller: legacy scanning */
		n += 8;
	}
	e[2] = (uint8_t)(n - 3);
	/* split the answer too: UARTs deliver in arbitrary pieces */
	write_all(master, e, 2);
	write_all(master, e + 2, n - 2);
}

static void init_controller(struct pty *p)
{
	static const uint16_t want[] = {
		HCI_OP_RESET,           HCI_OP_READ_LOCAL_VERSION, HCI_OP_READ_BD_ADDR,
		HCI_OP_LE_READ_LOCAL_FEATURES, HCI_OP_SET_EVENT_MASK,
		HCI_OP_LE_SET_EVENT_MASK, HCI_OP_LE_SET_SCAN_PARAMS, HCI_OP_LE_SET_SCAN_ENABLE,
	};
	uint8_t param[260];
	struct hci_info info;

	assert_int_equal(h4_start(p->h, false), 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint16_t op = read_cmd(p->master, param);

		assert_int_equal(op, want[i]);
		if (op == HCI_OP_LE_SET_SCAN_ENABLE)
			assert_memory_equal(param, "\x01\x00", 2);
		answer(p->master, op);
		/* the answer may take more than one read to arrive whole */
		hci_get_info(h4_hci(p->h), &info);
		for (int tries = 0; tries < 10; tries++) {
			struct pollfd pfd = { .fd = p->master, .events = POLLIN };

			assert_int_equal(pump(p), 0);
			hci_get_info(h4_hci(p->h), &info);
			if (info.state == HCI_STATE_RUNNING || poll(&pfd, 1, 0) == 1)
				break;
		}
	}
	hci_get_info(h4_hci(p->h), &info);
	assert_int_equal(info.state, HCI_STATE_RUNNING);
	assert_memory_equal(info.addr, "\x06\x05\x04\x03\x02\x01", 6);
}

static const uint8_t report1[] = {
	HCI_H4_EVENT, HCI_EV_LE_META, 24, HCI_EV_LE_ADV_REPORT, 1,
	0x00, 0x01, 0x01, 0x02, 0x03, 0x38, 0xC1, 0xA4, 12,
	0x02, 0x01, 0x06, 0x08, 0x16, 0xD2, 0xFC, 0x40, 0x02, 0xC4, 0x09, 0x00, 0xB5,
};

static const uint8_t report2[] = {
	HCI_H4_EVENT, HCI_EV_LE_META, 15, HCI_EV_LE_ADV_REPORT, 1,
	0x03, 0x00, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 3, 0x02, 0x01, 0x04, 0xD0,
};

static void test_init_and_split_reports(void **state)
{
	struct pty *p = *state;
	struct h4_framer_stats fs;
	uint8_t stream[256];
	size_t n = 0;
	static const size_t cuts[] = { 1, 2, 7, 3, 1, 11, 5 };

	init_controller(p);

	stream[n++] = 0x00; /* noise before */
	stream[n++] = 0x7E;
	memcpy(stream + n, report1, sizeof(report1));
	n += sizeof(report1);
	memcpy(stream + n, "\x02\x01\x20\x02\x00\x04\x04", 7); /* ACL, payload looks like H4 */
	n += 7;
	memcpy(stream + n, "\x04\x00\xff", 3); /* noise between: bad event code */
	n += 3;
	memcpy(stream + n, report2, sizeof(report2));
	n += sizeof(report2);

	/* write at odd boundaries, letting the source read between the writes */
	for (size_t off = 0, i = 0; off < n; i++) {
		size_t c = i < sizeof(cuts) / sizeof(cuts[0]) ? cuts[i] : n - off;

		if (c > n - off)
			c = n - off;
		write_all(p->master, stream + off, c);
		off += c;
		assert_int_equal(pump(p), 0);
	}
	for (int tries = 0; tries < 10 && p->sink.n < 2; tries++)
		if (pump(p) < 0)
			break;

	assert_int_equal(p->sink.n, 2);
	assert_memory_equal(p->sink.advs[0].addr, "\xA4\xC1\x38\x03\x02\x01", 6);
	assert_int_equal(p->sink.advs[0].addr_type, ADV_ADDR_RANDOM);
	assert_int_equal(p->sink.advs[0].rssi, -75);
	assert_int_equal(p->sink.advs[0].len, 12);
	assert_memory_equal(p->sink.advs[0].data, report1 + 14, 12);
	assert_memory_equal(p->sink.advs[1].addr, "\x11\x22\x33\x44\x55\x66", 6);
	assert_int_equal(p->sink.advs[1].addr_type, ADV_ADDR_PUBLIC);
	assert_int_equal(p->sink.advs[1].rssi, -48);
	assert_true(h4_last_adv_time(p->h) > 0);

	h4_get_framer_stats(p->h, &fs);
	assert_int_equal(fs.garbage_bytes, 2 + 3);
	assert_int_equal(fs.skipped_pkts, 1);
}

static void test_free_inside_callback(void **state)
{
	struct pty *p = *state;
	uint8_t two[2 * sizeof(report1)];

	init_controller(p);
	memcpy(two, report1, sizeof(report1));
	memcpy(two + sizeof(report1), report1, sizeof(report1));
	p->sink.free_me = h4_source(p->h);
	write_all(p->master, two, sizeof(two));
	assert_int_equal(pump(p), 0);
	p->h = NULL;
	assert_int_equal(p->sink.n, 1);
}

static void test_input_without_tty(void **state)
{
	struct sink s = { 0 };
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	struct h4 *h;

	(void)state;
	assert_true(fd >= 0);
	h = h4_new(fd, sink_on_adv, &s, NULL);
	assert_non_null(h);
	/* adverts flow even before the init sequence finishes */
	assert_int_equal(h4_input(h, report2, sizeof(report2)), 0);
	assert_int_equal(s.n, 1);
	/* a hardware error is reported */
	assert_int_equal(h4_input(h, (const uint8_t *)"\x04\x10\x01\x00", 4), -EIO);
	h4_free(h);
}

static void test_hangup(void **state)
{
	struct pty *p = *state;
	int err;

	close(p->master);
	p->master = open("/dev/null", O_RDONLY | O_CLOEXEC);
	err = pump(p);
	assert_int_equal(err, -ECONNRESET);
}

static void test_open_errors(void **state)
{
	char err[256];

	(void)state;
	assert_true(h4_open_tty("/nonexistent/ttyX", 115200, false, err) < 0);
	assert_non_null(strstr(err, "/nonexistent/ttyX"));
	assert_int_equal(h4_open_tty("/dev/null", 115200, false, err), -ENOTTY);
	assert_non_null(strstr(err, "not a serial port"));
	{
		int m = posix_openpt(O_RDWR | O_NOCTTY);

		assert_true(m >= 0);
		grantpt(m);
		unlockpt(m);
		assert_int_equal(h4_open_tty(ptsname(m), 123456, false, err), -EINVAL);
		assert_non_null(strstr(err, "unsupported baud rate 123456"));
		close(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_framer_byte_by_byte_and_noise),
		cmocka_unit_test(test_parse_spec),
		cmocka_unit_test_setup_teardown(test_init_and_split_reports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_inside_callback, setup, teardown),
		cmocka_unit_test(test_input_without_tty),
		cmocka_unit_test_setup_teardown(test_hangup, setup, teardown),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
