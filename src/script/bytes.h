/* SPDX-License-Identifier: MIT */
/* bytes.h — Berry's `bytes` for Lua scripts: a byte buffer userdata with 0-based indexing,
 * get/set of 1–4 byte integers (negative size = big endian, as Berry), tohex/fromhex and the
 * other methods the seed's scripts use, so that a Berry listing ports line by line. The data
 * lives in memory from the script's own allocator, so the script's memory cap covers it.
 * docs/scripting.md lists every method. */
#ifndef MI32_SCRIPT_BYTES_H
#define MI32_SCRIPT_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

/* The largest buffer a script may make (the memory cap usually says no first). */
#define BYTES_MAX (1u << 24)

/* Register the metatable and the global constructor `bytes(...)` in @L. */
void bytes_open(lua_State *L);

/* Push a new buffer holding a copy of @len bytes of @data. Raises a Lua error (memory) like
 * any allocation: call it from Lua's side of a protected call. */
void bytes_push(lua_State *L, const uint8_t *data, size_t len);

/* The buffer at @idx (raises a Lua type error if it is none). *@len gets its size. The
 * pointer is valid until the buffer is resized or collected. */
uint8_t *bytes_check(lua_State *L, int idx, size_t *len);
/* As bytes_check(), NULL when @idx holds something else (never for a buffer, even empty). */
uint8_t *bytes_test(lua_State *L, int idx, size_t *len);
/* Whether the buffer at @idx was made with a fixed size (bytes(-n)): C fills such buffers in
 * place (the seed's callback buffers) and never resizes them. */
bool bytes_fixed(lua_State *L, int idx);

/* Put @n bytes of @d into the buffer at @idx, as C fills the seed's callback buffers: a
 * fixed buffer gets what fits at its start (the rest is left), any other becomes exactly
 * those bytes. Raises a Lua error on a memory failure (call it protected). */
void bytes_store(lua_State *L, int idx, const uint8_t *d, size_t n);

/* ---- pure helpers (no Lua state; fuzzed by fuzz/fuzz_bytes.c) ---------------------------- */

/* Read an integer of |@size| (1..4) bytes at @off of @d (@len bytes): little endian, big
 * endian when @size < 0; sign-extended when @sign. Returns false (and *@out = 0) when the
 * size is not 1..4 or the bytes are not all inside, Berry's "returns 0" case. */
bool bytes_get_int(const uint8_t *d, size_t len, int64_t off, int size, bool sign,
		   int64_t *out);
/* Write the low |@size| bytes of @v at @off, the same conventions. Returns false and writes
 * nothing when they are not all inside. */
bool bytes_set_int(uint8_t *d, size_t len, int64_t off, int size, int64_t v);

/* Berry's getbits/setbits: @n (1..32) bits from bit @off, bit i being bit (i % 8) of byte
 * i / 8 and the value's bits LSB first. False (and *@out = 0, nothing written) when they are
 * not all inside. */
bool bytes_get_bits(const uint8_t *d, size_t len, int64_t off, int n, uint32_t *out);
bool bytes_set_bits(uint8_t *d, size_t len, int64_t off, int n, uint32_t v);

#endif
