/* SPDX-License-Identifier: MIT */
/* fuzz_bytes.c — the scripts' `bytes` type and the seed's advert buffer layout (advbuf.c)
 * on arbitrary input: the pure integer readers and writers (a value written must read back,
 * nothing outside the buffer is touched), the advert layout's indexes, then a
 * program of method calls with arbitrary offsets, sizes and strings run in a sandboxed
 * script. A Lua error is fine (caught); a crash, a leak past the cap or a broken invariant is
 * not. Input: [n][n bytes of the first buffer] then ops [op][x][y][len][len%16 bytes]. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "script/advbuf.h"
#include "script/bytes.h"
#include "script/script.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char prog[] =
	"local M = { 'get', 'geti', 'set', 'add', 'append', 'setbytes', 'tohex', 'fromhex',\n"
	"  'fromstring', 'asstring', 'tob64', 'fromb64', 'reverse', 'resize', 'clear', 'copy',\n"
	"  'slice', 'size', 'idx', 'newidx', 'concat', 'eq', 'tostring', 'new', 'newhex',\n"
	"  'getbits', 'setbits' }\n"
	"local function step(b, op, x, y, s)\n"
	"  local m = M[op % #M + 1]\n"
	"  if m == 'idx' then return b[x]\n"
	"  elseif m == 'newidx' then b[x] = y\n"
	"  elseif m == 'fromhex' or m == 'fromstring' or m == 'fromb64' or m == 'append' then\n"
	"    return b[m](b, s)\n"
	"  elseif m == 'setbytes' then return b:setbytes(x, bytes():fromstring(s), y)\n"
	"  elseif m == 'set' or m == 'add' then return b[m](b, x, y * 65537, y % 9 - 4)\n"
	"  elseif m == 'concat' then return b .. s, s .. b, b + b\n"
	"  elseif m == 'eq' then return b == bytes():fromstring(s)\n"
	"  elseif m == 'tostring' then return tostring(b)\n"
	"  elseif m == 'new' then return bytes(x * y)\n"
	"  elseif m == 'newhex' then return bytes(s)\n"
	"  elseif m == 'getbits' then return b:getbits(x, y % 40)\n"
	"  elseif m == 'setbits' then return b:setbits(x, y % 40, x * y)\n"
	"  else return b[m](b, x, y % 9 - 4) end\n"
	"end\n"
	"return function(data)\n"
	"  local n = data:byte(1) or 0\n"
	"  local b = bytes():fromstring(data:sub(2, 1 + n))\n"
	"  local fixed = bytes(-(n % 32 + 1)) -- bytes(-0) is bytes(0): empty, not fixed\n"
	"  local i = 2 + n\n"
	"  while i + 3 <= #data do\n"
	"    local op, x, y, l = data:byte(i, i + 3)\n"
	"    local s = data:sub(i + 4, i + 3 + l % 16)\n"
	"    i = i + 4 + l % 16\n"
	"    pcall(step, op % 2 == 0 and b or fixed, op // 2, x - 128, y - 128, s)\n"
	"    assert(#fixed == n % 32 + 1, 'a fixed buffer changed size')\n"
	"  end\n"
	"end\n";

static struct script *s;

static void pure(const uint8_t *data, size_t size)
{
	uint8_t buf[16 + 2];

	for (size_t i = 0; i + 3 <= size; i += 3) {
		int64_t off = data[i] % 20, got, v = (int64_t)(data[i + 2] * 0x01010101u);
		int sz = (int)(data[i + 1] % 9) - 4;
		bool in = sz && off + abs(sz) <= 16;

		memset(buf, 0xA5, sizeof(buf));
		if (bytes_set_int(buf, 16, off, sz, v) != in)
			abort();
		if (buf[16] != 0xA5 || buf[17] != 0xA5)
			abort(); /* wrote past the end */
		if (bytes_get_int(buf, 16, off, sz, false, &got) != in)
			abort();
		if (in && got != (int64_t)((uint64_t)v & (~0ull >> (64 - 8 * abs(sz)))))
			abort();
		if (!in && got != 0)
			abort();
	}
	/* bits: 1..32 from any bit of 16 bytes; a value written reads back, the rest stays */
	for (size_t i = 0; i + 3 <= size; i += 3) {
		int64_t off = data[i] % 140;
		int n = data[i + 1] % 34;
		uint32_t v = data[i + 2] * 0x01020408u, got;
		bool in = n >= 1 && off + n <= 128;

		memset(buf, 0xA5, sizeof(buf));
		if (bytes_set_bits(buf, 16, off, n, v) != in || buf[16] != 0xA5 || buf[17] != 0xA5)
			abort();
		if (bytes_get_bits(buf, 16, off, n, &got) != in)
			abort();
		if (in && got != (n == 32 ? v : v & ((1u << n) - 1)))
			abort();
		if (!in && got != 0)
			abort();
	}
}

/* The seed's advert buffer: the indexes point inside what was copied, at the data of an
 * element of their type. */
static void advbuf(const uint8_t *data, size_t size)
{
	struct adv a = { .addr = { 1, 2, 3, 4, 5, 6 }, .addr_type = 1, .rssi = -70 };
	uint8_t out[ADVBUF_HEAD + ADV_DATA_MAX];
	unsigned int svc, manu;
	size_t cap = size ? ADVBUF_HEAD + (size_t)(data[0] % 64) : sizeof(out), n;

	a.len = (uint8_t)(size > ADV_DATA_MAX ? ADV_DATA_MAX : size);
	memcpy(a.data, data, a.len);
	for (int k = 0; k < 2; k++, cap = sizeof(out)) {
		n = advbuf_fill(&a, out, cap, &svc, &manu);
		if (n > cap || out[7] != 186 || out[8] != n - ADVBUF_HEAD)
			abort();
		if ((svc && (svc < ADVBUF_HEAD + 2 || svc >= n || out[svc - 1] != 0x16)) ||
		    (manu && (manu < ADVBUF_HEAD + 2 || manu >= n || out[manu - 1] != 0xFF)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lua_State *L;
	char err[256];

	pure(data, size);
	advbuf(data, size);
	if (!s) {
		struct script_limits lim = { 4u << 20, 2000000, 2000000, 0 };

		log_set_level(0); /* the errors of the program are expected: not to stderr */
		if (script_new("fuzz", NULL, &lim, &s) < 0 ||
		    script_load_string(s, prog, "=fuzz", err, sizeof(err)) < 0 ||
		    script_call(s, 0, 1, "prog") < 0)
			abort();
		lua_setglobal(script_lua(s), "run");
	}
	L = script_lua(s);
	lua_getglobal(L, "run");
	lua_pushlstring(L, (const char *)data, size);
	if (script_call(s, 1, 0, "run") < 0 &&
	    strstr(script_stats(s)->last_error, "fixed buffer changed"))
		abort();
	if (lua_gettop(L) != 0)
		abort();
	lua_gc(L, LUA_GCCOLLECT);
	return 0;
}
