/* SPDX-License-Identifier: MIT */
/* test_ble.c — the BLE module (lib_ble.c): adv_cb with the seed's buffer layout, adv_watch
 * and adv_block; conn_cb and run() against the fake org.bluez (tests/gatt/fake_bluez.py):
 * a read, a one-shot read by handle, an error code; and a script freed while its operation
 * is pending (a reload): nothing of it is called again. */
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

#include "decode/adv.h"
#include "gatt/gatt.h"
#include "script/lib.h"
#include "script/script.h"
#include "util/clock.h"
#include "../gatt/fakebus.h"
#include "../util/tmpdir.h"
#include "run_lua.h"

#define PEER "A4:C1:38:00:00:01"
#define WAIT_US 20000000ull /* a safety net: every wait ends on an event */

struct t {
	struct fakebus fb;
	sd_event *ev;
	struct gatt *g;
	struct script_env env;
	char bonds[64]; /* bluetoothd's bond store, as the fake writes it (pairing) */
};

/* Whether the Lua expression @cond is true in @s (a plain pcall: a false one is not one of
 * the script's errors). */
static bool holds(struct script *s, const char *cond)
{
	lua_State *L = script_lua(s);
	char code[256];
	bool ok;

	snprintf(code, sizeof(code), "return %s", cond);
	ok = luaL_loadstring(L, code) == LUA_OK && lua_pcall(L, 0, 1, 0) == LUA_OK &&
	     lua_toboolean(L, -1);
	lua_settop(L, 0);
	return ok;
}

/* Run the loop until the Lua expression @cond is true in @s. */
static bool run_until(struct t *t, struct script *s, const char *cond)
{
	uint64_t end = clock_mono_us() + WAIT_US;

	while (clock_mono_us() < end) {
		if (holds(s, cond))
			return true;
		sd_event_run(t->ev, 50000);
	}
	return false;
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	assert_int_equal(sd_event_new(&t->ev), 0);
	t->env.ev = t->ev;
	*state = t;
	return 0;
}

static int setup_gatt(void **state)
{
	struct t *t;
	struct gatt_opts o = { .connect_timeout_ms = 500 };
	uint64_t end = clock_mono_us() + WAIT_US;

	setup(state);
	t = *state;
	assert_int_equal(tmpdir_make(t->bonds, "ble-bonds"), 0);
	o.bond_dir = t->bonds;
	assert_int_equal(fakebus_start(&t->fb), 0);
	o.bus_address = t->fb.address;
	assert_int_equal(gatt_new(t->ev, &o, &t->g), 0);
	while (!gatt_ready(t->g) && clock_mono_us() < end)
		sd_event_run(t->ev, 100000);
	assert_true(gatt_ready(t->g));
	t->env.gatt = t->g;
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddPeer", "sss", PEER, "public", "ok"), 0);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddService", "ssq", PEER, "180F", 0x10), 0);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddChar", "sssssq", PEER, "180F", "2A19",
				     "read", "39", 0x11), 0);
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	gatt_free(t->g);
	sd_event_unref(t->ev);
	if (t->fb.daemon_pid)
		fakebus_stop(&t->fb);
	if (t->bonds[0])
		tmpdir_remove(t->bonds);
	free(t);
	return 0;
}

static void adverts(void **state)
{
	struct t *t = *state;
	struct script *s = script_with_lib("ble", &t->env);
	/* flags, MiBeacon service data (10 bytes), manufacturer data (4 bytes) */
	static const uint8_t ad[] = { 0x02, 0x01, 0x06, 0x0B, 0x16, 0x95, 0xFE, 0x50, 0x20, 0x5B,
				      0x05, 0x01, 0x02, 0x03, 0x04, 0x05, 0xFF, 0x69, 0x09, 0x01,
				      0x02 };
	struct adv a = { .addr = { 0xA4, 0xC1, 0x38, 0x01, 0x02, 0x03 }, .addr_type = 0,
			 .rssi = -70 };

	memcpy(a.data, ad, sizeof(ad));
	a.len = sizeof(ad);
	assert_int_equal(run(s, "n = 0 buf = bytes(-64)\n"
				"BLE.adv_cb(function(svc, manu)\n"
				"  n = n + 1\n"
				"  got = { mac = buf:slice(0, 5):tohex(), type = buf[6], rssi = buf[7],\n"
				"    len = buf[8], svc = svc, manu = manu,\n"
				"    uuid = svc > 0 and buf:get(svc, 2), svclen = buf[svc - 2] - 1,\n"
				"    company = manu > 0 and buf:get(manu, 2) }\n"
				"end, buf)\n"),
			 0);
	lib_ble_adv(&t->env, &a);
	assert_int_equal(run(s, "assert(n == 0)"), 0); /* never from inside the hot path */
	assert_true(run_until(t, s, "n == 1"));
	assert_int_equal(run(s, "assert(got.mac == 'A4C138010203' and got.type == 0)\n"
				"assert(got.rssi == 186 and got.len == 21)\n"
				"assert(got.svc == 14 and got.uuid == 0xFE95 and got.svclen == 10)\n"
				"assert(got.manu == 26 and got.company == 0x0969)\n"),
			 0);
	/* adv_watch: only the watched addresses; adv_block: never that one */
	assert_int_equal(run(s, "BLE.adv_watch(bytes('A4C1380102FF'))"), 0);
	lib_ble_adv(&t->env, &a);
	a.addr[5] = 0xFF;
	lib_ble_adv(&t->env, &a);
	assert_true(run_until(t, s, "n == 2 and got.mac == 'A4C1380102FF'"));
	assert_int_equal(run(s, "BLE.adv_block(bytes('A4C1380102FF'))"), 0);
	lib_ble_adv(&t->env, &a);
	sd_event_run(t->ev, 0);
	assert_int_equal(run(s, "assert(n == 2)"), 0);
	/* a buffer that is not fixed gets the whole advert; BLE.loop() delivers at once */
	assert_int_equal(run(s, "BLE.adv_cb(function(svc) n = n + 1 got = #big end, big)"),
			 -EINVAL); /* no buffer: a clear error */
	assert_non_null(strstr(script_stats(s)->last_error, "must be a bytes buffer"));
	a.addr[5] = 0x03;
	assert_int_equal(run(s, "big = bytes() BLE.adv_cb(function() n = n + 1 got = #big end, big)"
				"\nBLE.adv_watch(bytes('A4C138010203'))"),
			 0);
	lib_ble_adv(&t->env, &a);
	assert_int_equal(run(s, "BLE.loop() assert(n == 3 and got == 30, got)"), 0);
	/* a slow script loses the oldest adverts, counted */
	for (int i = 0; i < 70; i++)
		lib_ble_adv(&t->env, &a);
	assert_int_equal(run(s, "assert(BLE.info().adverts_dropped == 6)"), 0);
	assert_int_equal(run(s, "BLE.adv_cb(nil)"), 0);
	lib_ble_adv(&t->env, &a);
	assert_null(t->env.ble_listeners);
	script_free(s);
}

static void gatt_ops(void **state)
{
	struct t *t = *state;
	struct script *s = script_with_lib("ble", &t->env);

	assert_int_equal(run(s, "assert(not pcall(BLE.run, 1))\n" /* no conn_cb yet */
				"res = {} cbuf = bytes(-64)\n"
				"BLE.conn_cb(function(err, op, uuid, handle, mac)\n"
				"  res[#res + 1] = { err = err, op = op, uuid = uuid, handle = handle,\n"
				"    data = cbuf:slice(1, cbuf[0]):tohex(), mac = mac:tohex() }\n"
				"end, cbuf)\n"
				"BLE.set_MAC(bytes('A4C138000001'), 0)\n"
				"BLE.set_svc('180F') BLE.set_chr('2A19')\n"
				"BLE.run(1)\n"),
			 0);
	assert_true(run_until(t, s, "#res == 1"));
	assert_int_equal(run(s, "local r = res[1]\n"
				"assert(r.err == 0 and r.op == 1 and r.uuid == 0x2A19, r.err)\n"
				"assert(r.handle == 0x12 and r.data == '39' and r.mac == 'A4C138000001')\n"
				"BLE.set_svc('') BLE.set_chr('') BLE.run(11, false, 0x12)\n"),
			 0);
	assert_true(run_until(t, s, "#res == 2"));
	assert_int_equal(run(s, "assert(res[2].err == 0 and res[2].op == 1 and res[2].data == "
				"'39')\n"
				"BLE.set_svc('1810') BLE.set_chr('2A35') BLE.run(1)\n"),
			 0);
	assert_true(run_until(t, s, "#res == 3"));
	assert_int_equal(run(s, "assert(res[3].err == 3 and res[3].op == 1, res[3].err)\n"
				"assert(BLE.info().gatt == true and BLE.info().role == 2)\n"
				"assert(BLE.store(bytes()) == false and cb.gen_cb(print) == print)\n"
				"assert(tasmota.gen_cb(print) == print)\n"),
			 0);
	script_free(s);
}

/* The script goes (a reload) while its operation waits on a peer that never answers: the
 * operation is cancelled, its timeout comes and goes, nothing calls into the freed state. */
static void freed_while_pending(void **state)
{
	struct t *t = *state;
	struct script *s = script_with_lib("ble", &t->env);
	uint64_t end;

	assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetMode", "ss", PEER, "hang"), 0);
	assert_int_equal(run(s, "cbuf = bytes(-64)\n"
				"BLE.conn_cb(function() error('must not be called') end, cbuf)\n"
				"BLE.set_MAC(bytes('A4C138000001')) BLE.set_svc('180F')\n"
				"BLE.set_chr('2A19') BLE.run(1)\n"),
			 0);
	sd_event_run(t->ev, 50000);
	script_free(s);
	/* past the 500 ms connect timeout: the cancelled callback is not called (ASan would
	 * see a use after free) and a new script runs ops again */
	end = clock_mono_us() + 1500000;
	while (clock_mono_us() < end)
		sd_event_run(t->ev, 100000);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetMode", "ss", PEER, "ok"), 0);
	s = script_with_lib("ble", &t->env);
	assert_int_equal(run(s, "res = nil cbuf = bytes(-64)\n"
				"BLE.conn_cb(function(err, op) res = err end, cbuf)\n"
				"BLE.set_MAC(bytes('A4C138000001')) BLE.set_svc('180F')\n"
				"BLE.set_chr('2A19') BLE.run(11)\n"),
			 0);
	assert_true(run_until(t, s, "res == 0"));
	script_free(s);
}

/* BLE.set_MAC's PIN answers the passkey request of BLE.run(8), mi32's pairing op: the
 * result carries the identity address, its type and the IRK (MI32Pair's layout). */
static void pair(void **state)
{
	struct t *t = *state;
	struct script *s = script_with_lib("ble", &t->env);

	assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetPairing", "ssss", PEER, "passkey 123456",
				     "F0E1D2C3B4A5968778695A4B3C2D1E0F", t->bonds), 0);
	assert_int_equal(run(s, "assert(not pcall(BLE.set_MAC, bytes('A4C138000001'), 0, 1000000))\n"
				"res = {} cbuf = bytes(-64)\n"
				"BLE.conn_cb(function(err, op) res[#res + 1] = { err = err, op = op,\n"
				"  data = cbuf:slice(1, cbuf[0]):tohex() } end, cbuf)\n"
				"BLE.set_MAC(bytes('A4C138000001'), 0, 654321)\n"
				"BLE.run(8)\n"),
			 0);
	assert_true(run_until(t, s, "#res == 1"));
	assert_int_equal(run(s, "assert(res[1].err == 10 and res[1].op == 8, res[1].err)\n"
				"BLE.set_MAC(bytes('A4C138000001'), 0, 123456)\n"
				"BLE.run(8)\n"),
			 0);
	assert_true(run_until(t, s, "#res == 2"));
	assert_int_equal(run(s, "local r = res[2]\n"
				"assert(r.err == 0 and r.op == 8, r.err)\n"
				"assert(r.data == 'A4C13800000101' .. '0F1E2D3C4B5A69788796A5B4C3D2E1F0',"
				" r.data)\n"
				"local i = BLE.info()\n"
				"assert(i.local_addr == '00:AA:01:00:00:00' and i.bonds == 1)\n"
				"assert(i.version == nil and i.power == nil)\n"
				"BLE.set_svc('180F') BLE.run(6)\n"),
			 0);
	/* a link up (op 6 keeps it): the seed's connection map, the IRK in its order */
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetName", "ss", PEER, "Thermo"), 0);
	assert_true(run_until(t, s, "#res == 3 and (BLE.info().connection or {}).name"));
	assert_int_equal(run(s, "local c = BLE.info().connection\n"
				"assert(c.peer_addr == 'A4:C1:38:00:00:01' and c.peerID_addr == "
				"'A4:C1:38:00:00:01')\n"
				"assert(c.master == true and c.bonded and c.encrypted and c.authenticated)\n"
				"assert(c.name == 'Thermo' and c.peer_type == 0)\n"
				"assert(c.IRK == 'F0E1D2C3B4A5968778695A4B3C2D1E0F', c.IRK)\n"
				"assert(bytes(c.IRK):reverse():tohex() == "
				"'0F1E2D3C4B5A69788796A5B4C3D2E1F0')\n"),
			 0);
	script_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(adverts, setup, teardown),
		cmocka_unit_test_setup_teardown(gatt_ops, setup_gatt, teardown),
		cmocka_unit_test_setup_teardown(freed_while_pending, setup_gatt, teardown),
		cmocka_unit_test_setup_teardown(pair, setup_gatt, teardown),
	};
	return cmocka_run_group_tests_name("script_ble", tests, NULL, NULL);
}
