/* SPDX-License-Identifier: MIT */
/* test_radio.c — the radio's state model against a scripted kernel: a mgmt source over a
 * socketpair (tests/util/seqpair.h) whose far end answers like net/bluetooth/mgmt.c, with
 * an adapter that can be missing, removed and added back, or rfkill-blocked. Time is
 * passed to radio_tick(); nothing sleeps. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/radio.h"
#include "source/mgmt.h"
#include "util/clock.h"
#include "../util/fakesys.h"
#include "../util/seqpair.h"

struct kernel {
	int kfd;	 /* our end of the current socketpair, -1: none */
	bool absent;	 /* hci0 is not in the index list */
	bool unopenable; /* the opener fails with -ENODEV, as hci/h4 do without a device */
	bool rfkill;	 /* Set Powered answers RFKilled */
	bool failed;	 /* Set Powered answers Failed, as the kernel does when soft-blocked */
	char sysfs[64];	 /* plays /sys for the rfkill block */
	bool unpowered;	 /* Read Info says not powered */
	int opens;
	int adverts;
	struct radio *r;
	sd_event *ev;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void send_ev(struct kernel *k, uint16_t ev, const uint8_t *p, size_t len)
{
	uint8_t buf[400];

	put16(buf, ev);
	put16(buf + 2, 0);
	put16(buf + 4, (uint16_t)len);
	if (len)
		memcpy(buf + 6, p, len);
	seqpair_send(k->kfd, buf, 6 + len);
}

static void answer(struct kernel *k, uint16_t op, uint8_t status, const uint8_t *r, size_t rlen)
{
	uint8_t p[300];

	put16(p, op);
	p[2] = status;
	if (rlen)
		memcpy(p + 3, r, rlen);
	send_ev(k, status ? MGMT_EV_CMD_STATUS : MGMT_EV_CMD_COMPLETE, p,
		status ? 3 : 3 + rlen);
}

/* Answer every command the source has sent, as a kernel with hci0 would. */
static void serve(struct kernel *k)
{
	struct pollfd pfd = { .fd = k->kfd, .events = POLLIN };
	uint8_t cmd[600], r[300] = { 0 };

	while (k->kfd >= 0 && poll(&pfd, 1, 0) == 1) {
		size_t n = seqpair_recv(k->kfd, cmd, sizeof(cmd));
		uint16_t op;

		if (n == 0) { /* the radio closed the source */
			close(k->kfd);
			k->kfd = -1;
			return;
		}
		assert_true(n >= 6);
		op = (uint16_t)(cmd[0] | cmd[1] << 8);
		memset(r, 0, sizeof(r));
		switch (op) {
		case MGMT_OP_READ_VERSION:
			answer(k, op, 0, (const uint8_t[]){ 1, 22, 0 }, 3);
			break;
		case MGMT_OP_READ_INDEX_LIST:
			if (k->absent)
				answer(k, op, 0, r, 2);
			else
				answer(k, op, 0, (const uint8_t[]){ 1, 0, 0, 0 }, 4);
			break;
		case MGMT_OP_READ_INFO:
			memcpy(r, "\x66\x55\x44\x33\x22\x11", 6);
			put16(r + 13, k->unpowered ? 0x0200 : 0x0201); /* LE (+ powered) */
			answer(k, op, 0, r, 280);
			break;
		case MGMT_OP_SET_POWERED:
			answer(k, op, k->rfkill ? 0x12 : k->failed ? 0x03 : 0,
			       (const uint8_t[]){ 1, 2, 0, 0 }, 4);
			break;
		case MGMT_OP_ADD_ADV_PATTERNS_MONITOR:
			answer(k, op, 0, (const uint8_t[]){ 1, 0 }, 2);
			break;
		default:
			answer(k, op, 0, cmd + 6, n > 7 ? 1 : 0);
			break;
		}
	}
}

/* Let the radio read what the kernel said, and the kernel answer, until quiet. */
static void pump(struct kernel *k)
{
	for (int i = 0; i < 20; i++) {
		serve(k);
		while (sd_event_run(k->ev, 0) > 0)
			;
	}
}

static struct source *open_mgmt(const void *ctx, source_adv_fn cb, void *user_data,
				char name[32], const char **how, char err[256], int *rc)
{
	struct kernel *k = (struct kernel *)ctx;
	struct mgmt *m;
	int sv[2];

	snprintf(name, 32, "hci0");
	*how = "test kernel";
	k->opens++;
	if (k->unopenable) {
		snprintf(err, 256, "no Bluetooth adapter hci0");
		*rc = -ENODEV;
		return NULL;
	}
	if (k->kfd >= 0)
		close(k->kfd);
	seqpair_open(sv);
	k->kfd = sv[1];
	m = mgmt_new(sv[0], 0, cb, user_data, NULL);
	assert_non_null(m);
	mgmt_set_sysfs(m, k->sysfs);
	return mgmt_source(m);
}

static void on_adv(const struct adv *a, void *user_data)
{
	(void)a;
	((struct kernel *)user_data)->adverts++;
}

static struct kernel *kernel_new(void)
{
	struct kernel *k = calloc(1, sizeof(*k));

	assert_non_null(k);
	k->kfd = -1;
	fakesys_new(k->sysfs);
	assert_int_equal(sd_event_new(&k->ev), 0);
	return k;
}

static int start(struct kernel *k, bool wait_adapter, unsigned int watchdog_s)
{
	struct radio_opts o = { .wait_adapter = wait_adapter, .watchdog_s = watchdog_s,
				.sysfs = k->sysfs };
	struct radio_opener op = { open_mgmt, k };
	char err[256];

	return radio_new_with(&k->r, &o, &op, k->ev, on_adv, k, err);
}

static void kernel_free(struct kernel *k)
{
	radio_free(k->r);
	if (k->kfd >= 0)
		close(k->kfd);
	sd_event_unref(k->ev);
	fakesys_free(k->sysfs);
	free(k);
}

static enum radio_state state_of(struct kernel *k, struct radio_status *st)
{
	radio_get_status(k->r, st);
	return st->state;
}

static void scanning(void **state)
{
	struct kernel *k = kernel_new();
	struct radio_status st;

	(void)state;
	assert_int_equal(start(k, false, 0), 0);
	assert_int_equal(state_of(k, &st), RADIO_STATE_STARTING);
	pump(k);
	assert_int_equal(state_of(k, &st), RADIO_STATE_SCANNING);
	assert_string_equal(st.adapter, "hci0");
	assert_int_equal(st.duty_percent, 100);
	assert_int_equal(st.scan_interval, 0x60);
	assert_string_equal(st.reason, "");
	assert_string_equal(radio_state_name(st.state), "scanning");
	kernel_free(k);
}

static void removed_and_back(void **state)
{
	struct kernel *k = kernel_new();
	struct radio_status st;

	(void)state;
	assert_int_equal(start(k, false, 0), 0);
	pump(k);
	send_ev(k, MGMT_EV_INDEX_REMOVED, NULL, 0);
	pump(k);
	assert_int_equal(state_of(k, &st), RADIO_STATE_DOWN);
	assert_non_null(strstr(st.reason, "hci0 was removed"));
	assert_int_equal(st.retry_in_s, 0); /* the kernel will say when it is back */
	send_ev(k, MGMT_EV_INDEX_ADDED, NULL, 0);
	pump(k);
	assert_int_equal(state_of(k, &st), RADIO_STATE_SCANNING);
	assert_string_equal(st.reason, "");
	assert_int_equal(k->opens, 1);
	kernel_free(k);
}

static void rfkill_then_unblocked(void **state)
{
	struct kernel *k = kernel_new();
	struct radio_status st;

	(void)state;
	k->unpowered = true;
	k->rfkill = true;
	assert_int_equal(start(k, false, 0), 0);
	pump(k);
	assert_int_equal(state_of(k, &st), RADIO_STATE_DOWN);
	assert_non_null(strstr(st.reason, "RFKilled"));
	assert_non_null(strstr(st.reason, "rfkill unblock bluetooth"));
	assert_true(st.retry_in_s >= 1);
	/* still blocked at the first retry: down again, the backoff doubles */
	radio_tick(k->r, clock_mono_us() + 1500000u);
	pump(k);
	assert_int_equal(k->opens, 2);
	assert_int_equal(state_of(k, &st), RADIO_STATE_DOWN);
	assert_true(st.retry_in_s >= 2);
	radio_tick(k->r, clock_mono_us() + 1000000u); /* not yet */
	assert_int_equal(k->opens, 2);
	k->rfkill = false;
	radio_tick(k->r, clock_mono_us() + 3000000u);
	pump(k);
	assert_int_equal(k->opens, 3);
	assert_int_equal(state_of(k, &st), RADIO_STATE_SCANNING);
	assert_int_equal(st.reopens, 2);
	kernel_free(k);
}

static void powered_off_and_blocked(void **state)
{
	struct kernel *k = kernel_new();
	struct radio_status st;

	(void)state;
	assert_int_equal(start(k, false, 0), 0);
	pump(k);
	assert_int_equal(state_of(k, &st), RADIO_STATE_SCANNING);
	k->unpowered = true;
	k->rfkill = true;
	send_ev(k, MGMT_EV_NEW_SETTINGS, (const uint8_t[]){ 0x00, 0x02, 0, 0 }, 4);
	pump(k);
	assert_int_equal(state_of(k, &st), RADIO_STATE_DOWN);
	assert_non_null(strstr(st.reason, "Set Powered failed: RFKilled"));
	assert_non_null(strstr(st.reason, "(rfkill unblock bluetooth)"));
	kernel_free(k);
}

/* The kernel's real answer to a soft block is Failed: the reason names rfkill and its fix
 * once, and scanning resumes at the next tick after `rfkill unblock`, not at the end of
 * the backoff. */
static void soft_block_lifted_resumes_at_once(void **state)
{
	struct kernel *k = kernel_new();
	struct radio_status st;

	(void)state;
	assert_int_equal(start(k, false, 0), 0);
	pump(k);
	assert_int_equal(state_of(k, &st), RADIO_STATE_SCANNING);
	fakesys_rfkill(k->sysfs, 0, 0, 1, 0);
	k->unpowered = true;
	k->failed = true;
	send_ev(k, MGMT_EV_NEW_SETTINGS, (const uint8_t[]){ 0x00, 0x02, 0, 0 }, 4);
	pump(k);
	assert_int_equal(state_of(k, &st), RADIO_STATE_DOWN);
	assert_string_equal(st.reason,
			    "hci0: the radio is blocked by rfkill (soft block): "
			    "rfkill unblock bluetooth");
	/* still blocked: no attempt before the backoff ends */
	radio_tick(k->r, clock_mono_us() + 100000u);
	assert_int_equal(k->opens, 1);
	fakesys_rfkill(k->sysfs, 0, 0, 0, 0);
	k->unpowered = false;
	k->failed = false;
	radio_tick(k->r, clock_mono_us() + 100000u);
	pump(k);
	assert_int_equal(k->opens, 2);
	assert_int_equal(state_of(k, &st), RADIO_STATE_SCANNING);
	kernel_free(k);
}

static void no_adapter_at_start(void **state)
{
	struct kernel *k = kernel_new();
	struct radio_status st;
	int code = 0;

	(void)state;
	/* mgmt: the socket opens, the index list says no hci0: stop the daemon */
	k->absent = true;
	assert_int_equal(start(k, false, 0), 0);
	pump(k);
	assert_int_equal(sd_event_get_exit_code(k->ev, &code), 0);
	assert_int_equal(code, -ENODEV);
	kernel_free(k);

	/* ... unless told to wait: then it is picked up when it appears */
	k = kernel_new();
	k->absent = true;
	assert_int_equal(start(k, true, 0), 0);
	pump(k);
	assert_int_equal(sd_event_get_exit_code(k->ev, &code), -ENODATA);
	assert_int_equal(state_of(k, &st), RADIO_STATE_DOWN);
	assert_non_null(strstr(st.reason, "no Bluetooth adapter hci0"));
	k->absent = false;
	radio_tick(k->r, clock_mono_us() + 2000000u);
	pump(k);
	assert_int_equal(state_of(k, &st), RADIO_STATE_SCANNING);
	kernel_free(k);

	/* hci/h4: the open itself fails */
	k = kernel_new();
	k->unopenable = true;
	assert_int_equal(start(k, false, 0), -ENODEV);
	assert_null(k->r);
	assert_int_equal(start(k, true, 0), 0);
	assert_int_equal(state_of(k, &st), RADIO_STATE_DOWN);
	assert_string_equal(st.reason, "no Bluetooth adapter hci0");
	k->unopenable = false;
	radio_tick(k->r, clock_mono_us() + 2000000u);
	pump(k);
	assert_int_equal(state_of(k, &st), RADIO_STATE_SCANNING);
	kernel_free(k);
}

/* ATC advert from A4:C1:38:03:02:01 as Device Found. */
static void device_found(struct kernel *k)
{
	uint8_t p[40] = { 0x01, 0x02, 0x03, 0x38, 0xC1, 0xA4, 2 /* LE random */, 0xC0 };

	put16(p + 12, 3);
	memcpy(p + 14, "\x02\x01\x06", 3);
	send_ev(k, MGMT_EV_DEVICE_FOUND, p, 17);
}

static void watchdog_restarts_once_per_silence(void **state)
{
	struct kernel *k = kernel_new();
	struct radio_status st;
	uint64_t t;

	(void)state;
	assert_int_equal(start(k, false, 5), 0);
	pump(k);
	device_found(k);
	pump(k);
	assert_int_equal(k->adverts, 1);
	t = clock_mono_us();
	radio_tick(k->r, t + 6000000u);
	assert_int_equal(state_of(k, &st), RADIO_STATE_PAUSED);
	assert_non_null(strstr(st.reason, "no advertisement for 5 s"));
	assert_int_equal(st.restarts, 1);
	pump(k);
	assert_int_equal(state_of(k, &st), RADIO_STATE_SCANNING);
	/* a second later, still silent: not restarted again until another 5 s passed */
	radio_tick(k->r, t + 7000000u);
	radio_get_status(k->r, &st);
	assert_int_equal(st.restarts, 1);
	radio_tick(k->r, t + 12000000u);
	radio_get_status(k->r, &st);
	assert_int_equal(st.restarts, 2);
	kernel_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scanning),
		cmocka_unit_test(removed_and_back),
		cmocka_unit_test(rfkill_then_unblocked),
		cmocka_unit_test(soft_block_lifted_resumes_at_once),
		cmocka_unit_test(powered_off_and_blocked),
		cmocka_unit_test(no_adapter_at_start),
		cmocka_unit_test(watchdog_restarts_once_per_silence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
