/* SPDX-License-Identifier: MIT */
/* test_gatt_poll.c — the battery poll (--battery-poll H) against a fake org.bluez: the first
 * round a minute after start, then every H hours, a read per sensor whose type has a GATT
 * battery (an ATC, which has none, is skipped), and the value in the store. MI32Firmware's
 * version and battery into the store. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "cmd/commands.h"
#include "cmd/gatt_commands.h"
#include "decode/reading.h"
#include "decode/registry.h"
#include "gatt/gatt.h"
#include "store/sensor.h"
#include "store/store.h"
#include "util/clock.h"
#include "../gatt/fakebus.h"

#define PEER "A4:C1:38:00:00:01"
#define SVC_MI "EBE0CCB0-7A0A-4B0C-8A1A-6FF2997DA3A6"
#define CHR_BAT "EBE0CCC4-7A0A-4B0C-8A1A-6FF2997DA3A6"
#define MIN_US 60000000ull
#define HOUR_US (60 * MIN_US)

static const uint8_t peer_mac[6] = { 0xA4, 0xC1, 0x38, 0x00, 0x00, 0x01 };
static const uint8_t atc_mac[6] = { 0xA4, 0xC1, 0x38, 0x00, 0x00, 0x02 };

static int reads(struct fakebus *fb)
{
	sd_bus_message *m = NULL;
	const char *s;
	int n = 0;

	assert_int_equal(fakebus_ctl(fb, &m, "Calls", NULL), 0);
	assert_true(sd_bus_message_read(m, "s", &s) > 0);
	for (const char *p = s; (p = strstr(p, "ReadValue")); p++)
		n++;
	sd_bus_message_unref(m);
	return n;
}

/* Run the loop until @n reads happened and the poll has nothing pending (bounded). */
static void settle(sd_event *ev, struct fakebus *fb, struct commands_ctx *c, int n)
{
	uint64_t end = clock_mono_us() + 30000000ull;

	while ((reads(fb) < n || c->gatt_pending) && clock_mono_us() < end)
		sd_event_run(ev, 100000);
	assert_int_equal(reads(fb), n);
	assert_null(c->gatt_pending);
}

/* Run the loop until the fake bluetoothd's tree is loaded (bounded). */
static void ready(sd_event *ev, struct gatt *g)
{
	uint64_t end = clock_mono_us() + 30000000ull;

	while (!gatt_ready(g) && clock_mono_us() < end)
		sd_event_run(ev, 100000);
	assert_true(gatt_ready(g));
}

static void poll_rounds(void **state)
{
	struct store_config cfg = STORE_CONFIG_DEFAULT;
	struct gatt_opts o = { .connect_timeout_ms = 5000 };
	struct commands_ctx c = { 0 };
	struct fakebus fb;
	sd_event *ev;
	unsigned int lyw, atc;
	uint64_t t0 = 1000 * HOUR_US;
	double v;

	(void)state;
	assert_int_equal(fakebus_start(&fb), 0);
	assert_int_equal(fakebus_ctl(&fb, NULL, "AddPeer", "sss", PEER, "public", "ok"), 0);
	assert_int_equal(fakebus_ctl(&fb, NULL, "AddService", "ssq", PEER, SVC_MI, 0x30), 0);
	assert_int_equal(fakebus_ctl(&fb, NULL, "AddChar", "sssssq", PEER, SVC_MI, CHR_BAT,
				     "read", "39", 0x31), 0);
	assert_int_equal(sd_event_new(&ev), 0);
	o.bus_address = fb.address;
	c.store = store_new(&cfg);
	assert_non_null(c.store);
	assert_int_equal(store_add_sensor(c.store, peer_mac, PID_LYWSD02, &lyw), 0);
	assert_int_equal(store_add_sensor(c.store, atc_mac, PID_ATC, &atc), 0);
	assert_int_equal(gatt_new(ev, &o, &c.gatt), 0);
	ready(ev, c.gatt);
	c.battery_poll_h = 2;

	/* the first tick arms the first round a minute later */
	gatt_commands_tick(&c, t0);
	gatt_commands_tick(&c, t0 + MIN_US - 1);
	settle(ev, &fb, &c, 0);
	/* the first round: the LYWSD02's battery, not the ATC (no GATT battery) */
	gatt_commands_tick(&c, t0 + MIN_US);
	settle(ev, &fb, &c, 1);
	assert_true(sensor_value(store_sensor(c.store, lyw), READING_BATTERY, &v, NULL));
	assert_true(v == 57);
	assert_false(sensor_value(store_sensor(c.store, atc), READING_BATTERY, &v, NULL));
	/* nothing until two hours later */
	gatt_commands_tick(&c, t0 + MIN_US + 2 * HOUR_US - 1);
	settle(ev, &fb, &c, 1);
	assert_int_equal(fakebus_ctl(&fb, NULL, "SetValue", "sss", PEER, CHR_BAT, "38"), 0);
	gatt_commands_tick(&c, t0 + MIN_US + 2 * HOUR_US);
	settle(ev, &fb, &c, 2);
	assert_true(sensor_value(store_sensor(c.store, lyw), READING_BATTERY, &v, NULL));
	assert_true(v == 56);

	gatt_commands_stop(&c);
	gatt_free(c.gatt);
	store_free(c.store);
	sd_event_unref(ev);
	fakebus_stop(&fb);
}

static char last_result[512];

static void on_result(void *host, const char *json)
{
	(void)host;
	snprintf(last_result, sizeof(last_result), "%s", json);
}

/* MI32Firmware (issue 12): the Flora's version goes into the store (the SENSOR JSON and
 * Home Assistant read it there), its battery too, and the RESULT says it */
static void firmware_into_store(void **state)
{
	static const uint8_t flora_mac[6] = { 0xC4, 0x7C, 0x8D, 0x00, 0x00, 0x01 };
	struct gatt_opts o = { .connect_timeout_ms = 5000 };
	struct commands_ctx c = { 0 };
	struct cmd_req req = { .name = "MI32Firmware", .payload = "0" };
	const char *why = NULL;
	char out[256];
	struct fakebus fb;
	struct jw w;
	sd_event *ev;
	unsigned int slot;
	double v;

	(void)state;
	assert_int_equal(fakebus_start(&fb), 0);
	assert_int_equal(fakebus_ctl(&fb, NULL, "AddPeer", "sss", "C4:7C:8D:00:00:01", "public",
				     "ok"), 0);
	assert_int_equal(fakebus_ctl(&fb, NULL, "AddService", "ssq", "C4:7C:8D:00:00:01",
				     "1204", 0x30), 0);
	/* [battery 99][?][ASCII "3.2.1"] as the seed's Flora script reads it */
	assert_int_equal(fakebus_ctl(&fb, NULL, "AddChar", "sssssq", "C4:7C:8D:00:00:01", "1204",
				     "1A02", "read", "6315332e322e31", 0x31), 0);
	assert_int_equal(sd_event_new(&ev), 0);
	o.bus_address = fb.address;
	c.store = store_new(NULL);
	c.result = on_result;
	assert_int_equal(store_add_sensor(c.store, flora_mac, PID_FLORA, &slot), 0);
	assert_int_equal(gatt_new(ev, &o, &c.gatt), 0);
	ready(ev, c.gatt);
	jw_init(&w, out, sizeof(out));
	assert_int_equal(gatt_commands_firmware(&c, &req, &w, &why), 0);
	{
		uint64_t end = clock_mono_us() + 30000000ull;

		while (c.gatt_pending && clock_mono_us() < end)
			sd_event_run(ev, 100000);
		assert_null(c.gatt_pending);
	}
	assert_string_equal(last_result, "{\"MI32Firmware\":\"3.2.1\",\"Slot\":0}");
	assert_string_equal(sensor_firmware(store_sensor(c.store, slot)), "3.2.1");
	assert_true(sensor_value(store_sensor(c.store, slot), READING_BATTERY, &v, NULL));
	assert_true(v == 99);

	gatt_commands_stop(&c);
	gatt_free(c.gatt);
	store_free(c.store);
	sd_event_unref(ev);
	fakebus_stop(&fb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(poll_rounds),
		cmocka_unit_test(firmware_into_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
