/* SPDX-License-Identifier: MIT */
/* test_script.c — the sandbox (script.c): libraries, the memory cap, the time limit, errors
 * with file:line, the slow-call report, stopping after errors within 10 s; and the bytes type
 * (bytes.c) with the seed's conventions, checked from Lua with assert(). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <lauxlib.h>

#include "script/bytes.h"
#include "script/script.h"
#include "run_lua.h"
#include "util/clock.h"

static struct script *mk(size_t mem, uint64_t timeout_us, unsigned int max_errors)
{
	struct script_limits lim = SCRIPT_LIMITS_DEFAULT;
	struct script *s;

	lim.mem_max = mem;
	lim.timeout_us = timeout_us;
	lim.max_errors = max_errors;
	assert_int_equal(script_new("test", NULL, &lim, &s), 0);
	return s;
}

static void safe_libs(void **state)
{
	struct script *s = mk(1u << 20, 1000000, 0);

	(void)state;
	assert_int_equal(run(s, "assert(os.execute == nil and os.exit == nil and "
				"os.getenv == nil and os.remove == nil)\n"
				"assert(io == nil and package == nil and require == nil and "
				"debug == nil)\n"
				"assert(type(os.time()) == 'number' and type(os.clock()) == 'number')\n"
				"assert(type(os.date('%Y')) == 'string')\n"
				"assert(string.dump == nil)\n"
				"assert(type(string.format) == 'function' and math.pi and utf8.char "
				"and coroutine.wrap and table.concat)\n"),
			 0);
	/* os.execute is not there: calling it is an error of the script, not a crash */
	assert_int_equal(run(s, "os.execute('touch /tmp/mi32-pwned')"), -EINVAL);
	assert_non_null(strstr(script_stats(s)->last_error, "t:1:"));
	assert_int_equal(access("/tmp/mi32-pwned", F_OK), -1);
	/* no folder: no files at all */
	assert_int_equal(run(s, "dofile('x.lua')"), -EINVAL);
	assert_non_null(strstr(script_stats(s)->last_error, "may not read files"));
	/* load() refuses binary chunks, takes text, keeps an explicit env */
	assert_int_equal(run(s, "local f, e = load('\\27Lua\\84\\0')\n"
				"assert(f == nil and e:find('binary'))\n"
				"assert(load('return 7')() == 7)\n"
				"assert(load('return x', 'c', 't', {x = 3})() == 3)\n"
				"local ok = pcall(load('return print', 'c', 't', nil))\n"
				"assert(not ok)\n"),
			 0);
	script_free(s);
}

static void files_only_in_folder(void **state)
{
	struct script_limits lim = SCRIPT_LIMITS_DEFAULT;
	char dir[] = "/tmp/mi32-script-XXXXXX", path[128];
	struct script *s;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/lib.lua", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("return 41 + 1\n", f);
	fclose(f);
	assert_int_equal(script_new("test", dir, &lim, &s), 0);
	assert_int_equal(run(s, "assert(dofile('lib.lua') == 42)\n"
				"assert(loadfile('lib.lua')() == 42)\n"
				"assert(loadfile('none.lua') == nil)\n"),
			 0);
	assert_int_equal(run(s, "dofile('../etc/passwd')"), -EINVAL);
	assert_int_equal(run(s, "dofile('/etc/passwd')"), -EINVAL);
	assert_int_equal(run(s, "loadfile('.hidden')"), -EINVAL);
	assert_non_null(strstr(script_stats(s)->last_error, "only a file of the scripts folder"));
	script_free(s);
	unlink(path);
	rmdir(dir);
}

static void endless_loop(void **state)
{
	struct script *s = mk(1u << 20, 50000, 0);
	uint64_t t0 = clock_mono_us();

	(void)state;
	assert_int_equal(run(s, "while true do end"), -EINVAL);
	assert_true(clock_mono_us() - t0 < 1000000);
	assert_int_equal(script_stats(s)->timeouts, 1);
	assert_non_null(strstr(script_stats(s)->last_error, "stopped after 50 ms"));
	/* a pcall inside the loop cannot keep it going: every look past the deadline raises */
	t0 = clock_mono_us();
	assert_int_equal(run(s, "while true do pcall(function() while true do end end) end"),
			 -EINVAL);
	assert_true(clock_mono_us() - t0 < 2000000);
	/* the same in a coroutine (threads inherit the hook) */
	assert_int_equal(run(s, "coroutine.wrap(function() while true do end end)()"), -EINVAL);
	/* and the state works on */
	assert_int_equal(run(s, "x = 1 + 1 assert(x == 2)"), 0);
	assert_int_equal(script_stats(s)->timeouts, 3);
	script_free(s);
}

static void memory_bomb(void **state)
{
	struct script *s = mk(1u << 20, 5000000, 0);

	(void)state;
	assert_int_equal(run(s, "local t = {} while true do t[#t + 1] = string.rep('x', 1000) .. #t "
				"end"),
			 -EINVAL);
	assert_non_null(strstr(script_stats(s)->last_error, "out of memory"));
	assert_true(script_stats(s)->mem_peak <= 1u << 20);
	assert_int_equal(run(s, "local s = string.rep('x', 1 << 30)"), -EINVAL);
	assert_int_equal(run(s, "local b = bytes(-(1 << 23))"), -EINVAL);
	assert_int_equal(run(s, "local b = bytes() while true do b:append(b) b:add(1) end"),
			 -EINVAL);
	/* the garbage of the failed calls is given back */
	assert_true(script_stats(s)->mem < 512u * 1024);
	assert_int_equal(run(s, "y = string.rep('y', 1000) assert(#y == 1000)"), 0);
	script_free(s);
}

static void callback_errors(void **state)
{
	struct script *s = mk(1u << 20, 1000000, 3);
	lua_State *L = script_lua(s);

	(void)state;
	assert_int_equal(run(s, "n = 0\nfunction cb(x)\n  n = n + 1\n  if x then error('boom') end\n"
				"  return n\nend\n"),
			 0);
	lua_getglobal(L, "cb");
	lua_pushboolean(L, 0);
	assert_int_equal(script_call(s, 1, 1, "cb"), 0);
	assert_int_equal(lua_tointeger(L, -1), 1);
	lua_pop(L, 1);
	for (int i = 0; i < 3; i++) {
		lua_getglobal(L, "cb");
		lua_pushboolean(L, 1);
		assert_int_equal(script_call(s, 1, 1, "cb"), -EINVAL);
		/* file and line of the error */
		assert_string_equal(script_stats(s)->last_error, "t:4: boom");
	}
	assert_int_equal(lua_gettop(L), 0);
	assert_true(script_stats(s)->stopped);
	lua_getglobal(L, "cb");
	assert_int_equal(script_call(s, 0, 1, "cb"), -ECANCELED);
	assert_int_equal(lua_gettop(L), 0);
	script_restart(s);
	lua_getglobal(L, "cb");
	assert_int_equal(script_call(s, 0, 1, "cb"), 0);
	assert_int_equal(lua_tointeger(L, -1), 5);
	lua_pop(L, 1);
	/* an error object that is not a string */
	assert_int_equal(run(s, "error({})"), -EINVAL);
	assert_non_null(strstr(script_stats(s)->last_error, "error object is a table value"));
	assert_int_equal(script_stats(s)->errors, 4);
	script_free(s);
}

static void slow_call(void **state)
{
	struct script_limits lim = SCRIPT_LIMITS_DEFAULT;
	struct script *s;

	(void)state;
	lim.slow_us = 10000;
	assert_int_equal(script_new("test", NULL, &lim, &s), 0);
	assert_int_equal(run(s, "local t = os.clock() while os.clock() - t < 0.03 do end"), 0);
	assert_int_equal(script_stats(s)->slow, 1);
	assert_true(script_stats(s)->max_us >= 30000);
	assert_int_equal(run(s, "local x = 1"), 0);
	assert_int_equal(script_stats(s)->slow, 1);
	script_free(s);
}

/* The seed's buffers, from Lua: 0-based, get/set sizes, endianness, sign. */
static void bytes_type(void **state)
{
	struct script *s = mk(1u << 20, 1000000, 0);

	(void)state;
	assert_int_equal(run(s,
		"local b = bytes('0201061107')\n"
		"assert(#b == 5 and b:size() == 5 and b[0] == 2 and b[4] == 7 and b[-1] == 7)\n"
		"assert(b:tohex() == '0201061107')\n"
		"assert(tostring(b) == \"bytes('0201061107')\")\n"
		"assert(b:get(0, 2) == 0x0102 and b:get(0, -2) == 0x0201)\n"
		"assert(b:get(1, 4) == 0x07110601 and b:get(1, -4) == 0x01061107)\n"
		"assert(b:get(4, 2) == 0 and b:get(5, 1) == 0 and b:get(-1, 1) == 0)\n"
		"local c = bytes(-8)\n"
		"assert(#c == 8 and c:tohex() == '0000000000000000')\n"
		"c:set(0, -2, 2) assert(c:get(0, 2) == 0xFFFE and c:geti(0, 2) == -2)\n"
		"c:set(2, 0x12345678, -4) assert(c:tohex() == 'FEFF123456780000')\n"
		"c:set(6, 0x1234, 4) assert(c:tohex() == 'FEFF123456780000')\n"
		"c[7] = 0x1AB assert(c[7] == 0xAB)\n"
		"assert(not pcall(function() return c[8] end))\n"
		"assert(not pcall(function() c[8] = 1 end))\n"
		"assert(not pcall(function() c:resize(3) end))\n"
		"assert(not pcall(function() c:add(1) end))\n"
		"assert(bytes():fromhex('aabb'):tohex() == 'AABB')\n"
		"assert(bytes('AA:BB:CC'):tohex() == 'AABBCC')\n"
		"assert(not pcall(bytes, 'xyz'))\n"
		"assert(bytes():fromstring('Hi'):tohex() == '4869')\n"
		"assert(bytes('4869'):asstring() == 'Hi')\n"
		"assert(bytes('010203'):reverse():tohex() == '030201')\n"
		"local m = bytes('A4C138000001') assert(m:copy():reverse():tohex() == '010000"
		"38C1A4' and m:tohex() == 'A4C138000001')\n"
		"assert((bytes('01') + bytes('02')):tohex() == '0102')\n"
		"assert((bytes('01') .. 'A'):tohex() == '0141')\n"
		"assert((bytes() .. 'A'):tohex() == '41' and #(bytes() + bytes()) == 0)\n"
		"assert(bytes('0102') == bytes('0102') and bytes('01') ~= bytes('02'))\n"
		"local cb = bytes(-6) cb:setbytes(1, bytes('AABBCCDDEEFF'))\n"
		"assert(cb:tohex() == '00AABBCCDDEE')\n"
		"cb:setbytes(0, bytes('0100')) assert(cb:tohex() == '0100BBCCDDEE')\n"
		"assert(cb:slice(1, 2):tohex() == '00BB' and cb:slice(-2):tohex() == 'DDEE')\n"
		"assert(#cb:slice(4, 2) == 0)\n"
		"local g = bytes() g:add(0x0201, 2) g:add(0x0304, -2) g:append(bytes('05'))\n"
		"g:append('\\6') assert(g:tohex() == '010203040506')\n"
		"for i = 1, 5 do g:append(g) end assert(#g == 192 and g:get(186, -2) == 0x0102)\n"
		"assert(g:resize(2):tohex() == '0102' and g:resize(3):tohex() == '010200')\n"
		"assert(bytes('00FF10'):tob64() == 'AP8Q')\n"
		"assert(bytes():fromb64('AP8Q'):tohex() == '00FF10')\n"
		"assert(bytes():fromb64('AQ=='):tohex() == '01')\n"
		"assert(bytes(bytes('0A')):tohex() == '0A' and #bytes(16) == 0)\n"
		"-- the seed's LYWSD03 notification: T in 0.01 degC LE16, H, battery mV\n"
		"local n = bytes(-64) n:setbytes(0, bytes('059E0832480C'))\n"
		"assert(n:get(1, 2) / 100.0 == 22.06 and n:get(3, 1) == 50)\n"
		"assert((n:get(4, 2) - 2100) // 12 == 87)\n"),
		0);
	script_free(s);
}

/* Berry's getbits/setbits, LSB first: the seed's air mouse reads 12-bit x and y from bits
 * 12 and 24 of its notification buffer ([len][data]) */
static void bytes_bits(void **state)
{
	struct script *s = mk(1u << 20, 1000000, 0);
	uint8_t d[3] = { 0xff, 0x00, 0xff };
	uint32_t v;

	(void)state;
	assert_int_equal(run(s,
		"local b = bytes('0400F08001')\n"
		"assert(b:getbits(12, 12) == 0xF00 and b:getbits(24, 12) == 0x180)\n"
		"assert(b:getbits(0, 8) == 4 and b:getbits(2, 1) == 1 and b:getbits(3, 1) == 0)\n"
		"assert(b:getbits(0, 32) == 0x80F00004 and b:getbits(8, 32) == 0x0180F000)\n"
		"local c = bytes(-4)\n"
		"assert(c:setbits(4, 12, 0xABC) == c and c:tohex() == 'C0AB0000')\n"
		"c:setbits(30, 2, 3) c:setbits(6, 1, 0) assert(c:tohex() == '80AB00C0')\n"
		"assert(c:getbits(4, 12) == 0xAB8)\n"
		"local ok, e = pcall(c.getbits, c, 24, 9)\n"
		"assert(not ok and e:find('bits 24..32 are outside the 4-byte buffer', 1, true), e)\n"
		"assert(not pcall(c.getbits, c, 0, 0) and not pcall(c.getbits, c, 0, 33))\n"
		"assert(not pcall(c.getbits, c, -1, 1) and not pcall(c.setbits, c, 32, 1, 1))\n"),
		0);
	script_free(s);
	assert_true(bytes_set_bits(d, 3, 6, 4, 0x5));
	assert_int_equal(d[0], 0x7f);
	assert_int_equal(d[1], 0x01);
	assert_int_equal(d[2], 0xff);
	assert_false(bytes_set_bits(d, 3, 20, 5, 0));
	assert_int_equal(d[2], 0xff);
	assert_false(bytes_get_bits(d, 3, INT64_MAX, 1, &v));
	assert_true(bytes_get_bits(d, 3, 16, 8, &v));
	assert_int_equal(v, 0xff);
}

static void bytes_pure(void **state)
{
	uint8_t d[4] = { 0x80, 0x01, 0x02, 0xff };
	int64_t v;

	(void)state;
	assert_true(bytes_get_int(d, 4, 0, 1, true, &v));
	assert_int_equal(v, -128);
	assert_true(bytes_get_int(d, 4, 0, -4, false, &v));
	assert_int_equal(v, 0x800102ff);
	assert_true(bytes_get_int(d, 4, 0, 3, false, &v));
	assert_int_equal(v, 0x020180);
	assert_false(bytes_get_int(d, 4, 1, 4, false, &v));
	assert_int_equal(v, 0);
	assert_false(bytes_get_int(d, 4, 0, 5, false, &v));
	assert_false(bytes_get_int(d, 4, -1, 1, false, &v));
	assert_false(bytes_get_int(d, 4, INT64_MAX, 1, false, &v));
	assert_false(bytes_set_int(d, 4, 3, 2, 0));
	assert_int_equal(d[3], 0xff);
	assert_true(bytes_set_int(d, 4, 2, -2, 0xabcd));
	assert_int_equal(d[2], 0xab);
	assert_int_equal(d[3], 0xcd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(safe_libs),
		cmocka_unit_test(files_only_in_folder),
		cmocka_unit_test(endless_loop),
		cmocka_unit_test(memory_bomb),
		cmocka_unit_test(callback_errors),
		cmocka_unit_test(slow_call),
		cmocka_unit_test(bytes_type),
		cmocka_unit_test(bytes_bits),
		cmocka_unit_test(bytes_pure),
	};
	return cmocka_run_group_tests_name("script", tests, NULL, NULL);
}
