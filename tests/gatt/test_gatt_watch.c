/* SPDX-License-Identifier: MIT */
/* test_gatt_watch.c — gatt_watch() against the fake org.bluez: the discovery it asks for
 * (LE, DuplicateData), the watched device's service data (a new device's first advert
 * with its object, then each advert), other devices and 128-bit UUIDs passed over, one
 * watch at a time, the discovery stopped by gatt_unwatch(), and asked for again when
 * bluetoothd restarts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gatt/gatt.h"
#include "util/clock.h"
#include "gatt_fixture.h"

#define PEER "A4:C1:38:00:00:07"
#define OTHER "A4:C1:38:00:00:08"

struct seen {
	unsigned int n;
	uint16_t uuid;
	uint8_t mac[6];
	uint8_t data[32];
	size_t len;
};

static void on_adv(const uint8_t mac[6], uint16_t uuid16, const uint8_t *data, size_t len,
		   int16_t rssi, void *user_data)
{
	struct seen *s = user_data;

	(void)rssi;
	s->n++;
	s->uuid = uuid16;
	memcpy(s->mac, mac, 6);
	s->len = len < sizeof(s->data) ? len : sizeof(s->data);
	memcpy(s->data, data, s->len);
}

static int setup(void **state)
{
	struct gatt_opts o = { .connect_timeout_ms = 3000 };

	return fixture_setup(state, &o);
}

/* One advert through the fake; false when no discovery runs there (nothing reported) */
static bool advertise(struct t *t, const char *mac, const char *uuid, const char *hex)
{
	sd_bus_message *m = NULL;
	int b = 0;

	assert_int_equal(fakebus_ctl(&t->fb, &m, "Advertise", "sss", mac, uuid, hex), 0);
	assert_true(sd_bus_message_read(m, "b", &b) > 0);
	sd_bus_message_unref(m);
	return b;
}

static bool run_until_seen(struct t *t, const struct seen *s, unsigned int n)
{
	uint64_t end = clock_mono_us() + WAIT_MS * 1000ull;

	while (s->n < n && clock_mono_us() < end)
		sd_event_run(t->ev, 100000);
	return s->n >= n;
}

static void watch(void **state)
{
	static const uint8_t mac[6] = { 0xA4, 0xC1, 0x38, 0x00, 0x00, 0x07 };
	struct t *t = *state;
	struct seen s = { 0 };
	uint64_t end;

	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddPeer", "sss", PEER, "public", "ok"), 0);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddPeer", "sss", OTHER, "public", "ok"), 0);
	assert_false(advertise(t, PEER, "fe95", "3050"));
	assert_int_equal(gatt_watch(t->g, mac, on_adv, &s), 0);
	assert_int_equal(gatt_watch(t->g, mac, on_adv, &s), -EBUSY);
	/* the device is new to bluetoothd: its first advert comes with its object */
	end = clock_mono_us() + WAIT_MS * 1000ull;
	while (!advertise(t, PEER, "fe95", "5830") && clock_mono_us() < end)
		sd_event_run(t->ev, 10000);
	assert_true(run_until_seen(t, &s, 1));
	assert_int_equal(s.uuid, 0xfe95);
	assert_memory_equal(s.mac, mac, 6);
	assert_int_equal(s.len, 2);
	assert_memory_equal(s.data, "\x58\x30", 2);
	assert_int_equal(calls(t, "SetDiscoveryFilter le DuplicateData"), 1);
	/* another device, and a 128-bit UUID, are passed over: the next report is the one
	 * after them, in the order the fake sent them */
	assert_true(advertise(t, OTHER, "fe95", "5831"));
	assert_true(advertise(t, PEER, "12345678-1234-5678-9abc-def012345678", "01"));
	assert_true(advertise(t, PEER, "fcd2", "400102"));
	assert_true(run_until_seen(t, &s, 2));
	assert_int_equal(s.uuid, 0xfcd2);
	assert_int_equal(s.len, 3);
	assert_memory_equal(s.data, "\x40\x01\x02", 3);
	/* an unchanged advert is reported again (DuplicateData) */
	assert_true(advertise(t, PEER, "fcd2", "400102"));
	assert_true(run_until_seen(t, &s, 3));
	assert_int_equal(s.n, 3);
	gatt_unwatch(t->g);
	end = clock_mono_us() + WAIT_MS * 1000ull;
	while (calls(t, "StopDiscovery") < 1 && clock_mono_us() < end)
		sd_event_run(t->ev, 10000);
	assert_int_equal(calls(t, "StopDiscovery"), 1);
	assert_false(advertise(t, PEER, "fcd2", "400103"));
	gatt_unwatch(t->g); /* no watch: a no-op */
	assert_int_equal(s.n, 3);
}

/* bluetoothd restarts during a watch: its discovery went with it, and the watch asks the
 * new one for a discovery once its tree is there */
static void watch_survives_restart(void **state)
{
	static const uint8_t mac[6] = { 0xA4, 0xC1, 0x38, 0x00, 0x00, 0x07 };
	struct t *t = *state;
	struct seen s = { 0 };
	uint64_t end;

	assert_int_equal(gatt_watch(t->g, mac, on_adv, &s), 0);
	fakebus_stop_fake(&t->fb);
	assert_true(run_until_ready(t, false));
	assert_int_equal(fakebus_start_fake(&t->fb), 0);
	assert_true(run_until_ready(t, true));
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddPeer", "sss", PEER, "public", "ok"), 0);
	end = clock_mono_us() + WAIT_MS * 1000ull;
	while (!advertise(t, PEER, "fe95", "5830") && clock_mono_us() < end)
		sd_event_run(t->ev, 10000);
	assert_true(run_until_seen(t, &s, 1));
	assert_int_equal(s.uuid, 0xfe95);
	assert_int_equal(calls(t, "StartDiscovery"), 1); /* the new bluetoothd's log */
	gatt_unwatch(t->g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(watch, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(watch_survives_restart, setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
