/* SPDX-License-Identifier: MIT */
/* test_mgmt_watch.c — the management events the GATT engine listens to: Device
 * Disconnected (its reason as an HCI code) and New Identity Resolving Key, as the kernel
 * sends them (mgmt-api.txt), and packets whose lengths do not add up. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gatt/mgmt_watch.h"

struct seen {
	int n;
	uint16_t index;
	uint8_t mac[6], rpa[6], type, irk[16];
	int hci;
};

static void on_down(void *data, uint16_t index, const uint8_t mac[6], uint8_t type, int hci)
{
	struct seen *s = data;

	s->n++;
	s->index = index;
	memcpy(s->mac, mac, 6);
	s->type = type;
	s->hci = hci;
}

static void on_irk(void *data, uint16_t index, const uint8_t rpa[6], const uint8_t mac[6],
		   uint8_t type, const uint8_t irk[16])
{
	struct seen *s = data;

	memcpy(s->rpa, rpa, 6);
	s->n++;
	s->index = index;
	memcpy(s->mac, mac, 6);
	s->type = type;
	memcpy(s->irk, irk, 16);
}

static const struct mgmt_watch_events cb = { .disconnected = on_down, .new_irk = on_irk };
static const uint8_t peer[6] = { 0x00, 0xAA, 0x01, 0x01, 0x00, 0x01 };

static void disconnected(void **state)
{
	/* hci1, LE public 00:AA:01:01:00:01, reason 3 (remote) */
	uint8_t ev[] = { 0x0C, 0x00, 0x01, 0x00, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0xAA,
			 0x00, 0x01, 0x03 };
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(mgmt_watch_feed(&cb, &s, ev, sizeof(ev)), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.index, 1);
	assert_memory_equal(s.mac, peer, 6);
	assert_int_equal(s.type, 1);
	assert_int_equal(s.hci, 0x13);
	ev[13] = 1; /* timeout */
	assert_int_equal(mgmt_watch_feed(&cb, &s, ev, sizeof(ev)), 0);
	assert_int_equal(s.hci, 0x08);
	ev[13] = 0; /* unknown: no code */
	assert_int_equal(mgmt_watch_feed(&cb, &s, ev, sizeof(ev)), 0);
	assert_int_equal(s.hci, -1);
	ev[13] = 9; /* a reason this kernel does not have yet */
	assert_int_equal(mgmt_watch_feed(&cb, &s, ev, sizeof(ev)), 0);
	assert_int_equal(s.hci, -1);
	assert_int_equal(s.n, 4);
}

static void new_irk(void **state)
{
	uint8_t ev[6 + 30] = { 0x18, 0x00, 0x00, 0x00, 30, 0x00, 0x01 };
	struct seen s = { 0 };

	(void)state;
	memcpy(ev + 7, (const uint8_t[]){ 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 }, 6); /* RPA */
	memcpy(ev + 13, (const uint8_t[]){ 0x01, 0x00, 0x01, 0x01, 0xAA, 0x00 }, 6);
	ev[19] = 1;
	for (int i = 0; i < 16; i++)
		ev[20 + i] = (uint8_t)(0xA0 + i);
	assert_int_equal(mgmt_watch_feed(&cb, &s, ev, sizeof(ev)), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.index, 0);
	assert_memory_equal(s.mac, peer, 6);
	assert_memory_equal(s.rpa, ((const uint8_t[]){ 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 }), 6);
	assert_int_equal(s.irk[0], 0xA0);
	assert_int_equal(s.irk[15], 0xAF);
}

static void bad_lengths(void **state)
{
	uint8_t ev[] = { 0x0C, 0x00, 0x01, 0x00, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0xAA,
			 0x00, 0x01, 0x03 };
	uint8_t other[] = { 0x06, 0x00, 0x00, 0x00, 0x04, 0x00, 1, 2, 3, 4 }; /* New Settings */
	struct seen s = { 0 };

	(void)state;
	for (size_t n = 0; n < sizeof(ev); n++)
		assert_int_equal(mgmt_watch_feed(&cb, &s, ev, n), -EBADMSG);
	ev[4] = 7; /* says 7, has 8 */
	assert_int_equal(mgmt_watch_feed(&cb, &s, ev, sizeof(ev)), -EBADMSG);
	ev[4] = 8;
	ev[0] = 0x18; /* a New IRK of a disconnect's length */
	assert_int_equal(mgmt_watch_feed(&cb, &s, ev, sizeof(ev)), -EBADMSG);
	assert_int_equal(mgmt_watch_feed(&cb, &s, other, sizeof(other)), 0);
	assert_int_equal(s.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(disconnected),
		cmocka_unit_test(new_irk),
		cmocka_unit_test(bad_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
