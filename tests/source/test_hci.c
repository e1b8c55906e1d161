/* SPDX-License-Identifier: MIT */
/* test_hci.c — the HCI raw/user channel source against a scripted controller on the
 * other end of a SOCK_SEQPACKET socketpair (one message = H4 type byte + packet, as the
 * kernel's HCI socket delivers). Waits are poll() with bounded timeouts. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "source/hci.h"
#include "source/hci_event.h"
#include "../util/seqpair.h"

struct fixture {
	int cfd; /* the "controller" end */
	struct hci *h;
	struct sink sink;
};

static struct fixture *make(enum hci_mode mode)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int sv[2];

	assert_non_null(f);
	seqpair_open(sv);
	f->cfd = sv[1];
	f->h = hci_new(sv[0], mode, sink_on_adv, &f->sink, sink_on_destroy);
	assert_non_null(f->h);
	return f;
}

static int setup_raw(void **state)
{
	*state = make(HCI_MODE_RAW);
	return 0;
}

static int setup_user(void **state)
{
	*state = make(HCI_MODE_USER);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	hci_free(f->h);
	close(f->cfd);
	free(f);
	return 0;
}

/* Read one command: returns its parameter length, opcode in @op. */
static size_t read_cmd(int cfd, uint16_t *op, uint8_t *param)
{
	uint8_t buf[300];
	size_t n = seqpair_recv(cfd, buf, sizeof(buf));

	assert_true(n >= 4);
	assert_int_equal(buf[0], HCI_H4_CMD);
	*op = (uint16_t)(buf[1] | buf[2] << 8);
	assert_int_equal(buf[3], n - 4);
	memcpy(param, buf + 4, buf[3]);
	return buf[3];
}

static void send_event(int cfd, uint8_t code, const uint8_t *p, size_t len)
{
	uint8_t buf[300] = { HCI_H4_EVENT, code, (uint8_t)len };

	memcpy(buf + 3, p, len);
	seqpair_send(cfd, buf, 3 + len);
}

/* Command Complete for @op with @status and the return parameters a controller gives. */
static void answer(int cfd, uint16_t op, uint8_t status, const uint8_t le_features[8])
{
	uint8_t p[32] = { 1, (uint8_t)op, (uint8_t)(op >> 8), status };
	size_t n = 4;

	if (op == HCI_OP_READ_LOCAL_VERSION && !status) {
		static const uint8_t v[] = { 0x0B, 0x00, 0x00, 0x0B, 0x5D, 0x00, 0x01, 0x00 };

		memcpy(p + n, v, sizeof(v));
		n += sizeof(v);
	} else if (op == HCI_OP_READ_BD_ADDR && !status) {
		static const uint8_t a[] = { 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };

		memcpy(p + n, a, 6);
		n += 6;
	} else if (op == HCI_OP_LE_READ_LOCAL_FEATURES && !status) {
		memcpy(p + n, le_features, 8);
		n += 8;
	}
	send_event(cfd, HCI_EV_CMD_COMPLETE, p, n);
}

static void expect(struct fixture *f, uint16_t want, uint8_t status, const uint8_t *feat,
		   uint8_t *param, size_t *plen)
{
	static const uint8_t none[8];
	uint8_t tmp[300];
	uint16_t op;
	size_t n = read_cmd(f->cfd, &op, param ? param : tmp);

	assert_int_equal(op, want);
	if (plen)
		*plen = n;
	answer(f->cfd, op, status, feat ? feat : none);
}

/* LE Advertising Report with two reports (Core Vol 4 Part E 7.7.65.2). */
static const uint8_t adv_report[] = {
	HCI_EV_LE_ADV_REPORT, 2,
	/* 1: ADV_IND, random, A4:C1:38:03:02:01, 3 bytes, -70 */
	0x00, 0x01, 0x01, 0x02, 0x03, 0x38, 0xC1, 0xA4, 3, 0x02, 0x01, 0x06, 0xBA,
	/* 2: ADV_NONCONN_IND, public, 11:22:33:44:55:66, 0 bytes, -40 */
	0x03, 0x00, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0, 0xD8,
};

static void check_two_adverts(const struct sink *s)
{
	assert_int_equal(s->n, 2);
	assert_memory_equal(s->advs[0].addr, ((uint8_t[]){ 0xA4, 0xC1, 0x38, 0x03, 0x02, 0x01 }),
			    6);
	assert_int_equal(s->advs[0].addr_type, ADV_ADDR_RANDOM);
	assert_int_equal(s->advs[0].rssi, -70);
	assert_int_equal(s->advs[0].len, 3);
	assert_memory_equal(s->advs[0].data, "\x02\x01\x06", 3);
	assert_int_equal(s->advs[1].addr_type, ADV_ADDR_PUBLIC);
	assert_int_equal(s->advs[1].evt_type, 3);
	assert_int_equal(s->advs[1].rssi, -40);
	assert_int_equal(s->advs[1].len, 0);
}

static void test_encode(void **state)
{
	uint8_t out[HCI_CMD_MAX], big[256] = { 0 };

	(void)state;
	assert_int_equal(hci_cmd_encode(out, HCI_OP_RESET, NULL, 0), 4);
	assert_memory_equal(out, "\x01\x03\x0c\x00", 4);
	assert_int_equal(hci_cmd_encode(out, HCI_OP_LE_SET_SCAN_ENABLE,
					(const uint8_t *)"\x01\x00", 2), 6);
	assert_memory_equal(out, "\x01\x0c\x20\x02\x01\x00", 6);
	assert_int_equal(hci_cmd_encode(out, HCI_OP_RESET, big, 256), -EMSGSIZE);
	assert_int_equal(HCI_OP_LE_SET_EXT_SCAN_PARAMS, 0x2041);
	assert_string_equal(hci_cmd_name(0x200B), "LE Set Scan Parameters");
	assert_string_equal(hci_status_str(0x0C), "Command Disallowed");
}

static void test_raw_passive_legacy(void **state)
{
	struct fixture *f = *state;
	struct hci_info info;
	uint8_t p[64];
	size_t n;

	assert_int_equal(hci_start(f->h, false), 0);
	/* raw channel: the kernel owns the controller, so no Reset */
	expect(f, HCI_OP_READ_LOCAL_VERSION, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_READ_BD_ADDR, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_READ_LOCAL_FEATURES, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_SET_EVENT_MASK, 0, NULL, p, &n);
	assert_int_equal(n, 8);
	assert_true(p[7] & 0x20); /* bit 61: LE Meta */
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_SET_EVENT_MASK, 0, NULL, p, &n);
	assert_int_equal(n, 8);
	assert_true(p[0] & 0x02); /* Advertising Report */
	assert_true(p[1] & 0x10); /* Extended Advertising Report */
	assert_int_equal(hci_process(f->h), 0);
	/* the kernel may be scanning: disable first; "already off" is not an error */
	expect(f, HCI_OP_LE_SET_SCAN_ENABLE, 0x0C, NULL, p, &n);
	assert_int_equal(n, 2);
	assert_int_equal(p[0], 0);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_SET_SCAN_PARAMS, 0, NULL, p, &n);
	assert_int_equal(n, 7);
	assert_memory_equal(p, "\x00\x60\x00\x60\x00\x00\x00", 7);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_SET_SCAN_ENABLE, 0, NULL, p, &n);
	assert_memory_equal(p, "\x01\x00", 2); /* duplicates not filtered */
	assert_int_equal(hci_process(f->h), 0);
	seqpair_quiet(f->cfd);

	hci_get_info(f->h, &info);
	assert_int_equal(info.state, HCI_STATE_RUNNING);
	assert_memory_equal(info.addr, ((uint8_t[]){ 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 }), 6);
	assert_int_equal(info.hci_version, 0x0B);
	assert_int_equal(info.manufacturer, 0x5D);
	assert_false(info.extended);
	assert_int_equal(info.duty_percent, 100);

	send_event(f->cfd, HCI_EV_LE_META, adv_report, sizeof(adv_report));
	assert_int_equal(hci_process(f->h), 0);
	check_two_adverts(&f->sink);
	assert_true(hci_last_adv_time(f->h) > 0);
}

static void test_user_extended_active(void **state)
{
	struct fixture *f = *state;
	struct hci_info info;
	/* bit 11 Coded PHY, bit 12 Extended Advertising: byte 1 = 0x18 */
	static const uint8_t feat[8] = { 0x00, 0x18 };
	uint8_t p[64];
	size_t n;

	assert_int_equal(hci_set_scan_params(f->h, 0x0100, 0x0080), 0);
	assert_int_equal(hci_set_scan_params(f->h, 0x0100, 0x0200), -EINVAL);
	assert_int_equal(hci_start(f->h, true), 0);
	expect(f, HCI_OP_RESET, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_READ_LOCAL_VERSION, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_READ_BD_ADDR, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_READ_LOCAL_FEATURES, 0, feat, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_SET_EVENT_MASK, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_SET_EVENT_MASK, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_SET_EXT_SCAN_PARAMS, 0, NULL, p, &n);
	assert_int_equal(n, 3 + 2 * 5);
	assert_memory_equal(p, "\x00\x00\x05\x01\x00\x01\x80\x00\x01\x00\x01\x80\x00", 13);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_SET_EXT_SCAN_ENABLE, 0, NULL, p, &n);
	assert_int_equal(n, 6);
	assert_memory_equal(p, "\x01\x00\x00\x00\x00\x00", 6);
	assert_int_equal(hci_process(f->h), 0);
	seqpair_quiet(f->cfd);
	hci_get_info(f->h, &info);
	assert_int_equal(info.state, HCI_STATE_RUNNING);
	assert_true(info.extended);
	assert_true(info.coded);
	assert_int_equal(info.duty_percent, 50);

	/* LE Extended Advertising Report, one legacy ADV_IND (Core 7.7.65.13) */
	{
		static const uint8_t ext[] = {
			HCI_EV_LE_EXT_ADV_REPORT, 1, 0x13, 0x00, 0x01,
			0x01, 0x02, 0x03, 0x38, 0xC1, 0xA4, 0x01, 0x00, 0xFF, 0x7F, 0xC4,
			0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 3, 0x02, 0x01, 0x06,
		};

		send_event(f->cfd, HCI_EV_LE_META, ext, sizeof(ext));
	}
	assert_int_equal(hci_process(f->h), 0);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.advs[0].rssi, -60);
	assert_int_equal(f->sink.advs[0].addr_type, ADV_ADDR_RANDOM);
	assert_int_equal(f->sink.advs[0].len, 3);
}

static void test_ext_unknown_falls_back_to_legacy(void **state)
{
	struct fixture *f = *state;
	static const uint8_t feat[8] = { 0x00, 0x10 };

	assert_int_equal(hci_start(f->h, false), 0);
	expect(f, HCI_OP_RESET, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_READ_LOCAL_VERSION, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_READ_BD_ADDR, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_READ_LOCAL_FEATURES, 0, feat, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_SET_EVENT_MASK, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_SET_EVENT_MASK, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_SET_EXT_SCAN_PARAMS, 0x01, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_SET_SCAN_PARAMS, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_SET_SCAN_ENABLE, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	seqpair_quiet(f->cfd);
}

static void test_error_names_the_command(void **state)
{
	struct fixture *f = *state;
	struct hci_info info;
	uint8_t p[4];

	assert_int_equal(hci_start(f->h, false), 0);
	expect(f, HCI_OP_READ_LOCAL_VERSION, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	/* a Command Status with success is "pending": keep waiting */
	{
		uint16_t op;
		uint8_t tmp[16];

		read_cmd(f->cfd, &op, tmp);
		assert_int_equal(op, HCI_OP_READ_BD_ADDR);
		p[0] = 0x00;
		p[1] = 1;
		p[2] = (uint8_t)op;
		p[3] = (uint8_t)(op >> 8);
		send_event(f->cfd, HCI_EV_CMD_STATUS, p, 4);
		assert_int_equal(hci_process(f->h), 0);
		seqpair_quiet(f->cfd);
		p[0] = 0x12;
		send_event(f->cfd, HCI_EV_CMD_STATUS, p, 4);
	}
	assert_int_equal(hci_process(f->h), -EIO);
	hci_get_info(f->h, &info);
	assert_int_equal(info.state, HCI_STATE_FAILED);
	assert_string_equal(info.error, "HCI Read BD_ADDR (0x1009) failed: Invalid HCI "
					"Command Parameters (0x12)");
}

static void test_malformed_and_foreign_events(void **state)
{
	struct fixture *f = *state;
	struct hci_stats st;
	uint8_t bad[sizeof(adv_report)];

	/* delivered whatever the state: on the raw channel the kernel may scan too */
	memcpy(bad, adv_report, sizeof(bad));
	bad[10] = 40; /* first report's data length runs past the end */
	send_event(f->cfd, HCI_EV_LE_META, bad, sizeof(bad));
	{
		uint8_t b[] = { HCI_H4_EVENT, HCI_EV_LE_META, 10, 0x02 }; /* length lies */

		assert_int_equal(send(f->cfd, b, sizeof(b), 0), (ssize_t)sizeof(b));
	}
	send_event(f->cfd, HCI_EV_LE_META, (const uint8_t *)"\x01\x00", 2); /* conn complete */
	send_event(f->cfd, 0x05, (const uint8_t *)"\x00\x01\x00\x13", 4); /* disconnect */
	send_event(f->cfd, HCI_EV_CMD_COMPLETE, (const uint8_t *)"\x01\x03\x0c", 3); /* stray */
	assert_int_equal(send(f->cfd, "\x02\x00\x20\x00\x00", 5, 0), 5); /* ACL */
	assert_int_equal(send(f->cfd, "\x04", 1, 0), 1);
	send_event(f->cfd, HCI_EV_LE_META, adv_report, sizeof(adv_report));
	assert_int_equal(hci_process(f->h), 0);
	check_two_adverts(&f->sink);
	hci_get_stats(f->h, &st);
	assert_int_equal(st.malformed, 3);
	assert_int_equal(st.other, 3);
	assert_int_equal(st.adverts, 2);
}

static void test_restart_and_stop(void **state)
{
	struct fixture *f = *state;
	uint8_t p[16];
	size_t n;

	assert_int_equal(hci_start(f->h, true), 0);
	expect(f, HCI_OP_READ_LOCAL_VERSION, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_READ_BD_ADDR, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_READ_LOCAL_FEATURES, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_SET_EVENT_MASK, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_SET_EVENT_MASK, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_SET_SCAN_ENABLE, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_SET_SCAN_PARAMS, 0, NULL, p, &n);
	assert_int_equal(p[0], 1); /* active */
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_SET_SCAN_ENABLE, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);

	assert_int_equal(hci_restart(f->h), 0);
	expect(f, HCI_OP_LE_SET_SCAN_ENABLE, 0, NULL, p, &n);
	assert_int_equal(p[0], 0);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_SET_SCAN_PARAMS, 0, NULL, NULL, NULL);
	assert_int_equal(hci_process(f->h), 0);
	expect(f, HCI_OP_LE_SET_SCAN_ENABLE, 0, NULL, p, &n);
	assert_int_equal(p[0], 1);
	assert_int_equal(hci_process(f->h), 0);
	seqpair_quiet(f->cfd);

	assert_int_equal(hci_stop(f->h), 0);
	{
		uint16_t op;

		read_cmd(f->cfd, &op, p);
		assert_int_equal(op, HCI_OP_LE_SET_SCAN_ENABLE);
		assert_int_equal(p[0], 0);
	}
}

static void test_timeout_and_hw_error(void **state)
{
	struct fixture *f = *state;
	struct hci_info info;
	uint16_t op;
	uint8_t p[16];

	assert_int_equal(hci_start(f->h, false), 0);
	read_cmd(f->cfd, &op, p);
	assert_int_equal(op, HCI_OP_RESET);
	assert_int_equal(hci_tick(f->h, 0), 0);
	assert_int_equal(hci_tick(f->h, UINT64_MAX / 2), -ETIMEDOUT);
	hci_get_info(f->h, &info);
	assert_string_equal(info.error, "no answer from the Bluetooth controller to HCI Reset");

	send_event(f->cfd, HCI_EV_HARDWARE_ERROR, (const uint8_t *)"\x07", 1);
	assert_int_equal(hci_process(f->h), -EIO);
}

static void test_free_inside_callback(void **state)
{
	struct fixture *f = *state;

	f->sink.free_me = hci_source(f->h);
	send_event(f->cfd, HCI_EV_LE_META, adv_report, sizeof(adv_report));
	send_event(f->cfd, HCI_EV_LE_META, adv_report, sizeof(adv_report));
	assert_int_equal(hci_process(f->h), 0);
	f->h = NULL;
	assert_int_equal(f->sink.n, 1); /* no advert after the free */
	assert_int_equal(f->sink.destroyed, 1);
}

static void test_open_socket_message(void **state)
{
	char err[256];
	int fd;

	(void)state;
	fd = hci_open_socket(0, HCI_CHANNEL_USER, err);
	if (fd >= 0)
		close(fd);
	else
		assert_true(strlen(err) > 15);
	assert_int_equal(hci_open_socket(0, 7, err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test_setup_teardown(test_raw_passive_legacy, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_user_extended_active, setup_user, teardown),
		cmocka_unit_test_setup_teardown(test_ext_unknown_falls_back_to_legacy,
						setup_user, teardown),
		cmocka_unit_test_setup_teardown(test_error_names_the_command, setup_raw,
						teardown),
		cmocka_unit_test_setup_teardown(test_malformed_and_foreign_events, setup_raw,
						teardown),
		cmocka_unit_test_setup_teardown(test_restart_and_stop, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_and_hw_error, setup_user, teardown),
		cmocka_unit_test_setup_teardown(test_free_inside_callback, setup_raw, teardown),
		cmocka_unit_test(test_open_socket_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
