/* SPDX-License-Identifier: MIT */
/* test_lib.c — the `mi32` and `MI32` modules (lib_mi32.c) against a real store, the command
 * table and an sd-event loop: publish, cmd, log, timers (one-shot, removed, failing, freed
 * with their script), devices/get_name/get_MAC and the float setters. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>

#include "cmd/commands.h"
#include "decode/reading.h"
#include "decode/registry.h"
#include "script/lib.h"
#include "script/script.h"
#include "run_lua.h"
#include "store/sensor.h"
#include "store/store.h"
#include "util/clock.h"

static char published[512];

static int publish(void *data, const char *topic, const void *payload, size_t len,
		   bool retain)
{
	(void)data;
	snprintf(published + strlen(published), sizeof(published) - strlen(published),
		 "%s%s=%.*s;", retain ? "R:" : "", topic, (int)len, (const char *)payload);
	return 0;
}

struct fixture {
	sd_event *ev;
	struct store *store;
	struct commands_ctx cmd;
	struct script_env env;
};

static int setup(void **state)
{
	static struct fixture f;
	static const uint8_t mac[6] = { 0xA4, 0xC1, 0x38, 0x01, 0x02, 0x03 };

	memset(&f, 0, sizeof(f));
	published[0] = '\0';
	if (sd_event_new(&f.ev) < 0 || !(f.store = store_new(NULL)))
		return -1;
	if (store_add_sensor(f.store, mac, PID_LYWSD03, NULL) < 0)
		return -1;
	f.cmd.store = f.store;
	f.cmd.topic = "t";
	f.env = (struct script_env){ .ev = f.ev, .store = f.store, .cmd = &f.cmd,
				     .publish = publish };
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_free(f->store);
	sd_event_unref(f->ev);
	return 0;
}

static void mi32_module(void **state)
{
	struct fixture *f = *state;
	struct script *s = script_with_lib("lib", &f->env);

	assert_int_equal(run(s, "assert(mi32.publish('a/b', 'x'))\n"
				"assert(mi32.publish('a/c', bytes('4142'), true))\n"
				"assert(tasmota == mi32 and mi32.set_timer == mi32.add_timer)\n"
				"local r = mi32.cmd('MI32Option2 1')\n"
				"assert(r.MI32Option2 == 1, r.MI32Option2)\n"
				"assert(mi32.cmd('NoSuch').Command == 'Unknown')\n"
				"assert(mi32.cmd_raw('MI32Option2') == '{\"MI32Option2\":1}')\n"
				"mi32.log('hello', 3) mi32.log(1, 'an error line')\n"
				"mi32.log('the default level') mi32.log({})\n"
				"assert(math.abs(mi32.time() - os.time()) < 2)\n"
				"assert(math.type(mi32.millis()) == 'integer')\n"),
			 0);
	assert_string_equal(published, "a/b=x;R:a/c=AB;");
	assert_int_equal(store_option(f->store, 2), 1);
	f->env.publish = NULL;
	assert_int_equal(run(s, "assert(mi32.publish('a/b', 'x') == false)"), 0);
	f->env.publish = publish;
	script_free(s);
}

static void timers(void **state)
{
	struct fixture *f = *state;
	struct script *s = script_with_lib("lib", &f->env);
	struct script *gone = script_with_lib("lib", &f->env);
	uint64_t end = clock_mono_us() + 5000000;

	assert_int_equal(run(s, "order = ''\n"
				"mi32.add_timer(30, function() order = order .. 'b' end)\n"
				"mi32.add_timer(1, function() order = order .. 'a'\n"
				"  mi32.add_timer(60, function() order = order .. 'c' end) end)\n"
				"local id = mi32.add_timer(5, function() order = order .. 'X' end)\n"
				"assert(mi32.remove_timer(id) and not mi32.remove_timer(id))\n"
				"mi32.add_timer(2, function() error('in a timer') end)\n"
				"assert(not pcall(mi32.add_timer, -1, print))\n"
				"assert(not pcall(mi32.add_timer, 1, 'not a function'))\n"),
			 0);
	/* a timer of a script freed before it fires is gone with it */
	assert_int_equal(run(gone, "mi32.add_timer(1, function() error('never') end)"), 0);
	assert_int_equal(f->env.timers, 4);
	script_free(gone);
	assert_int_equal(f->env.timers, 3);
	while (f->env.timers && clock_mono_us() < end)
		sd_event_run(f->ev, 100000);
	assert_int_equal(f->env.timers, 0);
	assert_int_equal(run(s, "assert(order == 'abc', order)"), 0);
	assert_int_equal(script_stats(s)->errors, 1);
	assert_non_null(strstr(script_stats(s)->last_error, "t:7: in a timer"));
	script_free(s);
}

/* Tasmota's drivers: every_50ms .. every_second on one 50 ms tick, a failing driver does
 * not stop the others but the script is stopped after 10 errors within 10 s; remove_driver. */
static void drivers(void **state)
{
	struct fixture *f = *state;
	struct script *s = script_with_lib("lib", &f->env);
	uint64_t end = clock_mono_us() + 5000000;

	assert_int_equal(run(s, "calls = { f = 0, h = 0, q = 0, s = 0 }\n"
				"d = { every_50ms = function(self) calls.f = calls.f + 1 end,\n"
				"  every_100ms = function(self) calls.h = calls.h + 1 end,\n"
				"  every_250ms = function(self) calls.q = calls.q + 1 end,\n"
				"  every_second = function(self) calls.s = calls.s + 1\n"
				"    if calls.s == 1 then mi32.remove_driver(self) end end }\n"
				"mi32.add_driver(d)\n"
				"mi32.add_driver({ every_50ms = function() error('bad driver') end })\n"),
			 0);
	/* one second of ticks: then d removed itself */
	while (clock_mono_us() < end) {
		sd_event_run(f->ev, 100000);
		if (script_stats(s)->stopped)
			break;
	}
	/* the bad driver's 10 errors within 10 s stopped the script's callbacks (after ~0.5 s) */
	assert_true(script_stats(s)->stopped);
	assert_int_equal(script_stats(s)->errors, 10);
	assert_non_null(strstr(script_stats(s)->last_error, "bad driver"));
	script_restart(s);
	assert_int_equal(run(s, "assert(calls.f >= 9 and calls.h >= 4 and calls.q >= 1, calls.f)\n"
				"assert(calls.h * 2 <= calls.f + 1 and calls.s == 0)\n"
				"assert(mi32.remove_driver(d) and not mi32.remove_driver(d))\n"),
			 0);
	script_free(s);
}

static void MI32_module(void **state)
{
	struct fixture *f = *state;
	struct script *s = script_with_lib("lib", &f->env);
	const struct sensor *se = store_sensor(f->store, 0);
	unsigned int dec;
	double v;

	assert_int_equal(run(s, "assert(MI32.devices() == 1)\n"
				"assert(MI32.get_name(0) == 'LYWSD03', MI32.get_name(0))\n"
				"assert(MI32.get_name(1) == '' and MI32.get_name(-1) == '')\n"
				"assert(MI32.get_MAC(0):tohex() == 'A4C138010203')\n"
				"assert(MI32.get_MAC(1) == nil)\n"
				"assert(MI32.set_temp(0, 21.37) and MI32.set_hum(0, 55.5))\n"
				"assert(MI32.set_bat(0, 77.9))\n"
				"assert(not MI32.set_temp(1, 20) and not MI32.set_temp(0, 0/0))\n"),
			 0);
	/* floats stay floats: the original's int truncation is not kept */
	assert_true(sensor_value(se, READING_TEMPERATURE, &v, &dec));
	assert_float_equal(v, 21.37, 1e-9);
	assert_true(sensor_value(se, READING_HUMIDITY, &v, &dec));
	assert_float_equal(v, 55.5, 1e-9);
	assert_true(sensor_value(se, READING_BATTERY, &v, &dec));
	assert_float_equal(v, 77, 1e-9);
	script_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(mi32_module, setup, teardown),
		cmocka_unit_test_setup_teardown(timers, setup, teardown),
		cmocka_unit_test_setup_teardown(drivers, setup, teardown),
		cmocka_unit_test_setup_teardown(MI32_module, setup, teardown),
	};
	return cmocka_run_group_tests_name("script_lib", tests, NULL, NULL);
}
