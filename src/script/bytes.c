/* SPDX-License-Identifier: MIT */
/* bytes.c — the `bytes` userdata (bytes.h). Berry's names and conventions: 0-based indexes,
 * negative indexes count from the end, get/set sizes 1..4 with a negative size for big
 * endian, out-of-range get() = 0 and set() = no-op (what Berry does), out-of-range b[i] =
 * an error. A fixed buffer (bytes(-n)) never changes size: C fills callback buffers in place. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <openssl/evp.h>

#include "script/bytes.h"
#include "util/hex.h"

#define META "mi32.bytes"

struct lbytes {
	size_t len, cap;
	bool fixed;
	uint8_t *d; /* from the state's allocator: the script's memory cap counts it */
};

/* ---- pure helpers ----------------------------------------------------------------------- */

bool bytes_get_int(const uint8_t *d, size_t len, int64_t off, int size, bool sign,
		   int64_t *out)
{
	int n = size < 0 ? -size : size;
	uint64_t v = 0;

	*out = 0;
	if (n < 1 || n > 4 || off < 0 || (uint64_t)off > len || len - (size_t)off < (size_t)n)
		return false;
	for (int i = 0; i < n; i++) {
		/* little endian: byte i weighs 8i bits; big endian: the first byte weighs most */
		int shift = size > 0 ? 8 * i : 8 * (n - 1 - i);

		v |= (uint64_t)d[off + i] << shift;
	}
	if (sign && (v & (1ull << (8 * n - 1))))
		v |= ~0ull << (8 * n);
	*out = (int64_t)v;
	return true;
}

bool bytes_set_int(uint8_t *d, size_t len, int64_t off, int size, int64_t v)
{
	int n = size < 0 ? -size : size;

	if (n < 1 || n > 4 || off < 0 || (uint64_t)off > len || len - (size_t)off < (size_t)n)
		return false;
	for (int i = 0; i < n; i++) {
		int shift = size > 0 ? 8 * i : 8 * (n - 1 - i);

		d[off + i] = (uint8_t)((uint64_t)v >> shift);
	}
	return true;
}

/* Berry's bit order: bit i is bit (i % 8) of byte i / 8, the value's LSB first */
static bool bits_inside(size_t len, int64_t off, int n)
{
	return n >= 1 && n <= 32 && off >= 0 && (uint64_t)off <= (uint64_t)len * 8 &&
	       (uint64_t)len * 8 - (uint64_t)off >= (uint64_t)n;
}

bool bytes_get_bits(const uint8_t *d, size_t len, int64_t off, int n, uint32_t *out)
{
	uint32_t v = 0;

	*out = 0;
	if (!bits_inside(len, off, n))
		return false;
	for (int i = 0; i < n; i++, off++)
		v |= (uint32_t)(d[off / 8] >> (off % 8) & 1) << i;
	*out = v;
	return true;
}

bool bytes_set_bits(uint8_t *d, size_t len, int64_t off, int n, uint32_t v)
{
	if (!bits_inside(len, off, n))
		return false;
	for (int i = 0; i < n; i++, off++) {
		uint8_t m = (uint8_t)(1u << (off % 8));

		d[off / 8] = (uint8_t)((v >> i & 1) ? d[off / 8] | m : d[off / 8] & ~m);
	}
	return true;
}

/* ---- storage ---------------------------------------------------------------------------- */

static struct lbytes *check(lua_State *L, int idx)
{
	return luaL_checkudata(L, idx, META);
}

/* Make room for @need bytes (the size is not changed). */
static void reserve(lua_State *L, struct lbytes *b, size_t need)
{
	void *ud;
	lua_Alloc f = lua_getallocf(L, &ud);
	size_t cap;
	uint8_t *p;

	if (need <= b->cap)
		return;
	if (need > BYTES_MAX)
		luaL_error(L, "bytes: %I bytes is more than a buffer may hold (%d)",
			   (LUAI_UACINT)need, (int)BYTES_MAX);
	cap = b->cap ? b->cap : 16;
	while (cap < need)
		cap *= 2;
	if (cap > BYTES_MAX)
		cap = BYTES_MAX;
	p = f(ud, b->d, b->cap, cap);
	if (!p)
		luaL_error(L, "not enough memory");
	b->d = p;
	b->cap = cap;
}

static void resize(lua_State *L, struct lbytes *b, size_t n)
{
	if (n > b->len) {
		reserve(L, b, n);
		memset(b->d + b->len, 0, n - b->len);
	}
	b->len = n;
}

static void not_fixed(lua_State *L, const struct lbytes *b, const char *what)
{
	if (b->fixed)
		luaL_error(L, "bytes: %s on a fixed-size buffer (made with bytes(-n))", what);
}

static struct lbytes *push_new(lua_State *L, size_t reserve_n)
{
	struct lbytes *b = lua_newuserdatauv(L, sizeof(*b), 0);

	memset(b, 0, sizeof(*b));
	luaL_setmetatable(L, META);
	if (reserve_n)
		reserve(L, b, reserve_n);
	return b;
}

static void append(lua_State *L, struct lbytes *b, const void *p, size_t n)
{
	size_t old = b->len;
	/* b:append(b): growing may move the source too */
	bool self = b->d && (const uint8_t *)p >= b->d && (const uint8_t *)p < b->d + b->cap;
	size_t off = self ? (size_t)((const uint8_t *)p - b->d) : 0;

	if (!n)
		return;
	resize(L, b, old + n);
	memmove(b->d + old, self ? b->d + off : p, n);
}

void bytes_push(lua_State *L, const uint8_t *data, size_t len)
{
	struct lbytes *b = push_new(L, len);

	append(L, b, data, len);
}

/* never NULL for a buffer, even an empty one: callers test the pointer */
static uint8_t *data_of(struct lbytes *b)
{
	static uint8_t empty[1];

	return b->d ? b->d : empty;
}

uint8_t *bytes_test(lua_State *L, int idx, size_t *len)
{
	struct lbytes *b = luaL_testudata(L, idx, META);

	if (!b)
		return NULL;
	*len = b->len;
	return data_of(b);
}

uint8_t *bytes_check(lua_State *L, int idx, size_t *len)
{
	struct lbytes *b = check(L, idx);

	*len = b->len;
	return data_of(b);
}

void bytes_store(lua_State *L, int idx, const uint8_t *d, size_t n)
{
	struct lbytes *b = check(L, idx);

	if (b->fixed) {
		if (n && b->len)
			memcpy(b->d, d, n < b->len ? n : b->len);
		return;
	}
	b->len = 0;
	append(L, b, d, n);
}

bool bytes_fixed(lua_State *L, int idx)
{
	struct lbytes *b = luaL_testudata(L, idx, META);

	return b && b->fixed;
}

/* Decode hex text into @b (appended). Separators as util/hex.c allows. */
static void append_hex(lua_State *L, struct lbytes *b, const char *s, size_t n)
{
	size_t old = b->len;
	int r;

	resize(L, b, old + n / 2 + 1);
	r = hex_decode(s, b->d + old, n / 2 + 1);
	if (r < 0) {
		b->len = old;
		luaL_error(L, "bytes: '%s' is not hex", s);
	}
	b->len = old + (size_t)r;
}

/* A byte index of @b, Berry's way: negative counts from the end. -1 when outside. */
static int64_t index_of(const struct lbytes *b, lua_Integer i)
{
	if (i < 0)
		i += (lua_Integer)b->len;
	return i >= 0 && (uint64_t)i < b->len ? i : -1;
}

/* ---- the constructor -------------------------------------------------------------------- */

/* bytes() | bytes("hex") | bytes(n): empty, room for n | bytes(-n): fixed n zero bytes |
 * bytes(other): a copy */
static int l_new(lua_State *L)
{
	struct lbytes *b, *o;
	const char *s;
	size_t n;

	switch (lua_type(L, 1)) {
	case LUA_TNONE:
	case LUA_TNIL:
		push_new(L, 0);
		return 1;
	case LUA_TNUMBER: {
		lua_Integer k = luaL_checkinteger(L, 1);

		if (k < -(lua_Integer)BYTES_MAX || k > (lua_Integer)BYTES_MAX)
			return luaL_error(L, "bytes(%I): size out of range", (LUAI_UACINT)k);
		if (k >= 0) {
			push_new(L, (size_t)k);
			return 1;
		}
		b = push_new(L, (size_t)-k);
		resize(L, b, (size_t)-k);
		b->fixed = true;
		return 1;
	}
	case LUA_TSTRING:
		s = lua_tolstring(L, 1, &n);
		b = push_new(L, 0);
		append_hex(L, b, s, n);
		return 1;
	default:
		o = check(L, 1);
		b = push_new(L, o->len);
		append(L, b, o->d, o->len);
		return 1;
	}
}

/* ---- methods ---------------------------------------------------------------------------- */

static int l_size(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)check(L, 1)->len);
	return 1;
}

static int get_common(lua_State *L, bool sign)
{
	struct lbytes *b = check(L, 1);
	lua_Integer off = luaL_checkinteger(L, 2);
	lua_Integer size = luaL_optinteger(L, 3, 1);
	int64_t v;

	if (size < -4 || size > 4)
		size = 0; /* no such size: Berry's 0 */
	bytes_get_int(b->d, b->len, off, (int)size, sign, &v);
	lua_pushinteger(L, (lua_Integer)v);
	return 1;
}

static int l_get(lua_State *L)
{
	return get_common(L, false);
}

static int l_geti(lua_State *L)
{
	return get_common(L, true);
}

/* set(offset, value[, size]): returns the buffer, for chaining */
static int l_set(lua_State *L)
{
	struct lbytes *b = check(L, 1);
	lua_Integer off = luaL_checkinteger(L, 2);
	lua_Integer v = luaL_checkinteger(L, 3);
	lua_Integer size = luaL_optinteger(L, 4, 1);

	if (size >= -4 && size <= 4)
		bytes_set_int(b->d, b->len, off, (int)size, v);
	lua_settop(L, 1);
	return 1;
}

/* getbits(offset_bits, len_bits) -> unsigned value; setbits(offset_bits, len_bits, value) ->
 * the buffer. 1..32 bits inside the buffer, else an error (Berry raises too) */
static int bits_args(lua_State *L, struct lbytes *b, int64_t *off, int *n, const char *what)
{
	lua_Integer o = luaL_checkinteger(L, 2), k = luaL_checkinteger(L, 3);

	if (k < 1 || k > 32)
		return luaL_error(L, "bytes.%s: 1 to 32 bits, not %I", what, (LUAI_UACINT)k);
	if (!bits_inside(b->len, o, (int)k))
		return luaL_error(L, "bytes.%s: bits %I..%I are outside the %d-byte buffer", what,
				  (LUAI_UACINT)o, (LUAI_UACINT)(o + k - 1), (int)b->len);
	*off = o;
	*n = (int)k;
	return 0;
}

static int l_getbits(lua_State *L)
{
	struct lbytes *b = check(L, 1);
	int64_t off;
	int n;
	uint32_t v;

	bits_args(L, b, &off, &n, "getbits");
	bytes_get_bits(b->d, b->len, off, n, &v);
	lua_pushinteger(L, (lua_Integer)v);
	return 1;
}

static int l_setbits(lua_State *L)
{
	struct lbytes *b = check(L, 1);
	lua_Integer v = luaL_checkinteger(L, 4);
	int64_t off;
	int n;

	bits_args(L, b, &off, &n, "setbits");
	bytes_set_bits(b->d, b->len, off, n, (uint32_t)v);
	lua_settop(L, 1);
	return 1;
}

/* add(value[, size]): append an integer of |size| bytes */
static int l_add(lua_State *L)
{
	struct lbytes *b = check(L, 1);
	lua_Integer v = luaL_checkinteger(L, 2);
	lua_Integer size = luaL_optinteger(L, 3, 1);
	size_t old = b->len;

	if (size == 0 || size < -4 || size > 4)
		return luaL_error(L, "bytes.add: size must be 1..4 or -1..-4");
	not_fixed(L, b, "add");
	resize(L, b, old + (size_t)(size < 0 ? -size : size));
	bytes_set_int(b->d, b->len, (int64_t)old, (int)size, v);
	lua_settop(L, 1);
	return 1;
}

/* append(bytes | string): the other's bytes (a string's raw bytes) at the end */
static int l_append(lua_State *L)
{
	struct lbytes *b = check(L, 1), *o;
	const char *s;
	size_t n;

	not_fixed(L, b, "append");
	if (lua_type(L, 2) == LUA_TSTRING) {
		s = lua_tolstring(L, 2, &n);
		append(L, b, s, n);
	} else {
		o = check(L, 2);
		append(L, b, o->d, o->len); /* memmove: b:append(b) works */
	}
	lua_settop(L, 1);
	return 1;
}

/* setbytes(offset, other[, from[, len]]): copy into this buffer, cut at its end (Berry) */
static int l_setbytes(lua_State *L)
{
	struct lbytes *b = check(L, 1), *o = check(L, 3);
	lua_Integer off = luaL_checkinteger(L, 2);
	lua_Integer from = luaL_optinteger(L, 4, 0);
	lua_Integer n = luaL_optinteger(L, 5, (lua_Integer)o->len);

	if (off < 0 || from < 0 || n < 0)
		return luaL_error(L, "bytes.setbytes: negative offset or length");
	if ((uint64_t)from > o->len)
		from = (lua_Integer)o->len;
	if ((uint64_t)n > o->len - (size_t)from)
		n = (lua_Integer)(o->len - (size_t)from);
	if ((uint64_t)off < b->len) {
		if ((uint64_t)n > b->len - (size_t)off)
			n = (lua_Integer)(b->len - (size_t)off);
		memmove(b->d + off, o->d + from, (size_t)n);
	}
	lua_settop(L, 1);
	return 1;
}

static int l_tohex(lua_State *L)
{
	struct lbytes *b = check(L, 1);
	luaL_Buffer lb;
	char *p = luaL_buffinitsize(L, &lb, 2 * b->len + 1);

	hex_encode(b->d, b->len, p, 1);
	luaL_pushresultsize(&lb, 2 * b->len);
	return 1;
}

/* fromhex(s) / fromstring(s) / fromb64(s): the buffer's content becomes the decoded text */
static void replace_begin(lua_State *L, struct lbytes *b, const char *what)
{
	not_fixed(L, b, what);
	b->len = 0;
}

/* fromhex(s) (hex text) and fromstring(s) (raw bytes): replace the content */
static int from_text(lua_State *L, bool hex)
{
	struct lbytes *b = check(L, 1);
	size_t n;
	const char *s = luaL_checklstring(L, 2, &n);

	replace_begin(L, b, hex ? "fromhex" : "fromstring");
	if (hex)
		append_hex(L, b, s, n);
	else
		append(L, b, s, n);
	lua_settop(L, 1);
	return 1;
}

static int l_fromhex(lua_State *L)
{
	return from_text(L, true);
}

static int l_fromstring(lua_State *L)
{
	return from_text(L, false);
}

static int l_asstring(lua_State *L)
{
	struct lbytes *b = check(L, 1);

	lua_pushlstring(L, (const char *)b->d, b->len);
	return 1;
}

static int l_tob64(lua_State *L)
{
	struct lbytes *b = check(L, 1);
	luaL_Buffer lb;
	size_t n = 4 * ((b->len + 2) / 3);
	char *p = luaL_buffinitsize(L, &lb, n + 1);

	EVP_EncodeBlock((unsigned char *)p, b->d, (int)b->len);
	luaL_pushresultsize(&lb, n);
	return 1;
}

static int l_fromb64(lua_State *L)
{
	struct lbytes *b = check(L, 1);
	size_t n, pad = 0;
	const char *s = luaL_checklstring(L, 2, &n);
	int r;

	replace_begin(L, b, "fromb64");
	if (n % 4)
		return luaL_error(L, "bytes.fromb64: the length is not a multiple of 4");
	if (n > BYTES_MAX)
		return luaL_error(L, "bytes.fromb64: too long");
	resize(L, b, n / 4 * 3 + 1);
	r = EVP_DecodeBlock(b->d, (const unsigned char *)s, (int)n);
	if (r < 0) {
		b->len = 0;
		return luaL_error(L, "bytes.fromb64: not base64");
	}
	/* EVP_DecodeBlock counts the '=' padding as zero bytes */
	for (size_t i = n; i > 0 && pad < 2 && s[i - 1] == '='; i--)
		pad++;
	b->len = (size_t)r - pad;
	lua_settop(L, 1);
	return 1;
}

/* reverse([index[, len]]): in place, returns the buffer */
static int l_reverse(lua_State *L)
{
	struct lbytes *b = check(L, 1);
	lua_Integer i = luaL_optinteger(L, 2, 0);
	lua_Integer n = luaL_optinteger(L, 3, (lua_Integer)b->len);

	if (i < 0 || (uint64_t)i > b->len)
		i = (lua_Integer)b->len;
	if (n < 0 || (uint64_t)n > b->len - (size_t)i)
		n = (lua_Integer)(b->len - (size_t)i);
	for (lua_Integer a = i, z = i + n - 1; a < z; a++, z--) {
		uint8_t t = b->d[a];

		b->d[a] = b->d[z];
		b->d[z] = t;
	}
	lua_settop(L, 1);
	return 1;
}

static int l_resize(lua_State *L)
{
	struct lbytes *b = check(L, 1);
	lua_Integer n = luaL_checkinteger(L, 2);

	not_fixed(L, b, "resize");
	if (n < 0 || n > (lua_Integer)BYTES_MAX)
		return luaL_error(L, "bytes.resize: %I is out of range", (LUAI_UACINT)n);
	resize(L, b, (size_t)n);
	lua_settop(L, 1);
	return 1;
}

static int l_clear(lua_State *L)
{
	struct lbytes *b = check(L, 1);

	replace_begin(L, b, "clear");
	lua_settop(L, 1);
	return 1;
}

static int l_copy(lua_State *L)
{
	struct lbytes *b = check(L, 1);

	bytes_push(L, b->d, b->len);
	return 1;
}

/* slice(i[, j]): bytes i..j inclusive, 0-based, negative from the end; Berry's b[i..j] */
static int l_slice(lua_State *L)
{
	struct lbytes *b = check(L, 1);
	lua_Integer len = (lua_Integer)b->len;
	lua_Integer i = luaL_checkinteger(L, 2);
	lua_Integer j = luaL_optinteger(L, 3, len - 1);

	if (i < 0)
		i += len;
	if (j < 0)
		j += len;
	if (i < 0)
		i = 0;
	if (j >= len)
		j = len - 1;
	if (i > j) {
		push_new(L, 0);
		return 1;
	}
	bytes_push(L, b->d + i, (size_t)(j - i + 1));
	return 1;
}

/* ---- metamethods ------------------------------------------------------------------------ */

static const luaL_Reg methods[] = {
	{ "size", l_size }, { "get", l_get }, { "geti", l_geti }, { "set", l_set },
	{ "seti", l_set }, { "add", l_add }, { "append", l_append }, { "setbytes", l_setbytes },
	{ "tohex", l_tohex }, { "fromhex", l_fromhex }, { "fromstring", l_fromstring },
	{ "asstring", l_asstring }, { "tob64", l_tob64 }, { "fromb64", l_fromb64 },
	{ "reverse", l_reverse }, { "resize", l_resize }, { "clear", l_clear },
	{ "copy", l_copy }, { "slice", l_slice }, { "getbits", l_getbits },
	{ "setbits", l_setbits }, { NULL, NULL },
};

static int m_index(lua_State *L)
{
	struct lbytes *b = check(L, 1);
	int64_t i;

	if (lua_type(L, 2) == LUA_TSTRING) {
		luaL_getmetafield(L, 1, "methods");
		lua_pushvalue(L, 2);
		lua_rawget(L, -2);
		return 1;
	}
	i = index_of(b, luaL_checkinteger(L, 2));
	if (i < 0)
		return luaL_error(L, "bytes index %I out of range (size %I)",
				  (LUAI_UACINT)lua_tointeger(L, 2), (LUAI_UACINT)b->len);
	lua_pushinteger(L, b->d[i]);
	return 1;
}

static int m_newindex(lua_State *L)
{
	struct lbytes *b = check(L, 1);
	int64_t i = index_of(b, luaL_checkinteger(L, 2));
	lua_Integer v = luaL_checkinteger(L, 3);

	if (i < 0)
		return luaL_error(L, "bytes index %I out of range (size %I)",
				  (LUAI_UACINT)lua_tointeger(L, 2), (LUAI_UACINT)b->len);
	b->d[i] = (uint8_t)v;
	return 0;
}

static int m_len(lua_State *L)
{
	return l_size(L);
}

/* a .. b and a + b: a new buffer; a string on either side counts as its raw bytes */
static int m_concat(lua_State *L)
{
	const uint8_t *p[2];
	size_t n[2];
	struct lbytes *r;

	for (int k = 0; k < 2; k++) {
		p[k] = bytes_test(L, k + 1, &n[k]);
		if (!p[k] && !(n[k] = 0, lua_type(L, k + 1) == LUA_TSTRING))
			return luaL_error(L, "bytes: cannot join with a %s", luaL_typename(L, k + 1));
		if (!p[k])
			p[k] = (const uint8_t *)lua_tolstring(L, k + 1, &n[k]);
	}
	r = push_new(L, n[0] + n[1]);
	append(L, r, p[0], n[0]);
	append(L, r, p[1], n[1]);
	return 1;
}

static int m_eq(lua_State *L)
{
	struct lbytes *a = luaL_testudata(L, 1, META), *b = luaL_testudata(L, 2, META);

	lua_pushboolean(L, a && b && a->len == b->len && (!a->len || !memcmp(a->d, b->d, a->len)));
	return 1;
}

static int m_tostring(lua_State *L)
{
	check(L, 1);
	lua_pushliteral(L, "bytes('");
	l_tohex(L);
	lua_pushliteral(L, "')");
	lua_concat(L, 3);
	return 1;
}

static int m_gc(lua_State *L)
{
	struct lbytes *b = check(L, 1);
	void *ud;
	lua_Alloc f = lua_getallocf(L, &ud);

	if (b->d)
		f(ud, b->d, b->cap, 0);
	b->d = NULL;
	b->len = b->cap = 0;
	return 0;
}

static const luaL_Reg metamethods[] = {
	{ "__index", m_index }, { "__newindex", m_newindex }, { "__len", m_len },
	{ "__concat", m_concat }, { "__add", m_concat }, { "__eq", m_eq },
	{ "__tostring", m_tostring }, { "__gc", m_gc }, { NULL, NULL },
};

void bytes_open(lua_State *L)
{
	luaL_newmetatable(L, META);
	luaL_setfuncs(L, metamethods, 0);
	luaL_newlib(L, methods);
	lua_setfield(L, -2, "methods");
	lua_pop(L, 1);
	lua_pushcfunction(L, l_new);
	lua_setglobal(L, "bytes");
}
