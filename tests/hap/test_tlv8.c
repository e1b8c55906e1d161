/* SPDX-License-Identifier: MIT */
/* test_tlv8.c — TLV8 reading and writing: fragments of 255 joined and split, separators,
 * absent and malformed items, values that do not fit. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hap/tlv8.h"

static void pair_setup_m1(void **state)
{
	/* hap-controller's M1: state 1, method 0 */
	static const uint8_t m1[] = { 0x06, 0x01, 0x01, 0x00, 0x01, 0x00 };
	uint8_t v;

	(void)state;
	assert_int_equal(tlv8_check(m1, sizeof(m1)), 0);
	assert_int_equal(tlv8_get_u8(m1, sizeof(m1), TLV8_STATE, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(tlv8_get_u8(m1, sizeof(m1), TLV8_METHOD, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(tlv8_get_u8(m1, sizeof(m1), TLV8_PROOF, &v), -ENOENT);
}

/* a 384-byte public key travels as 255 + 129 and comes back whole */
static void fragments_round_trip(void **state)
{
	uint8_t key[384], buf[600], back[400];
	struct wr w = wr_init(buf, sizeof(buf));

	(void)state;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7);
	tlv8_put_u8(&w, TLV8_STATE, 2);
	tlv8_put(&w, TLV8_PUBLIC_KEY, key, sizeof(key));
	tlv8_put(&w, TLV8_SALT, key, 16);
	assert_true(wr_ok(&w));
	assert_int_equal(wr_len(&w), 3 + 2 + 255 + 2 + 129 + 2 + 16);
	assert_int_equal(buf[3], TLV8_PUBLIC_KEY);
	assert_int_equal(buf[4], 255);
	assert_int_equal(buf[3 + 257], TLV8_PUBLIC_KEY);
	assert_int_equal(buf[3 + 258], 129);
	assert_int_equal(tlv8_get(buf, wr_len(&w), TLV8_PUBLIC_KEY, back, sizeof(back)), 384);
	assert_memory_equal(back, key, 384);
	assert_int_equal(tlv8_get(buf, wr_len(&w), TLV8_SALT, back, sizeof(back)), 16);
	assert_memory_equal(back, key, 16);
	/* too small a buffer is said, not overrun */
	assert_int_equal(tlv8_get(buf, wr_len(&w), TLV8_PUBLIC_KEY, back, 300), -EMSGSIZE);
}

/* exactly 255 bytes is one item; the next item of another type ends it */
static void exactly_255(void **state)
{
	uint8_t v[255], buf[300], back[300];
	struct wr w = wr_init(buf, sizeof(buf));

	(void)state;
	memset(v, 0xab, sizeof(v));
	tlv8_put(&w, TLV8_ENCRYPTED_DATA, v, sizeof(v));
	tlv8_put_u8(&w, TLV8_STATE, 5);
	assert_int_equal(wr_len(&w), 257 + 3);
	assert_int_equal(tlv8_get(buf, wr_len(&w), TLV8_ENCRYPTED_DATA, back, sizeof(back)), 255);
}

/* lists (pairings) are items separated by 0xFF: the first of a type is the first entry */
static void separator_ends_a_value(void **state)
{
	static const uint8_t list[] = { 0x01, 0x02, 'a', 'b', 0xff, 0x00, 0x01, 0x01, 'c' };
	uint8_t back[8];

	(void)state;
	assert_int_equal(tlv8_get(list, sizeof(list), TLV8_IDENTIFIER, back, sizeof(back)), 2);
	assert_memory_equal(back, "ab", 2);
}

static void empty_and_malformed(void **state)
{
	static const uint8_t truncated[] = { 0x06, 0x02, 0x01 };
	static const uint8_t lone_type[] = { 0x06, 0x01, 0x01, 0x07 };
	static const uint8_t empty_item[] = { 0x06, 0x00 };
	static const uint8_t two_bytes[] = { 0x06, 0x02, 0x01, 0x02 };
	uint8_t v, buf[4];
	struct wr w = wr_init(buf, sizeof(buf));

	(void)state;
	assert_int_equal(tlv8_check(NULL, 0), 0);
	assert_int_equal(tlv8_get(NULL, 0, TLV8_STATE, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(tlv8_check(truncated, sizeof(truncated)), -EBADMSG);
	assert_int_equal(tlv8_get_u8(truncated, sizeof(truncated), TLV8_STATE, &v), -EBADMSG);
	assert_int_equal(tlv8_check(lone_type, sizeof(lone_type)), -EBADMSG);
	/* an empty item is present but is not a byte */
	assert_int_equal(tlv8_get(empty_item, 2, TLV8_STATE, buf, sizeof(buf)), 0);
	assert_int_equal(tlv8_get_u8(empty_item, 2, TLV8_STATE, &v), -EBADMSG);
	assert_int_equal(tlv8_get_u8(two_bytes, 4, TLV8_STATE, &v), -EBADMSG);
	/* writing: an empty value is one empty item; no room is wr's sticky error */
	tlv8_put(&w, TLV8_SEPARATOR, NULL, 0);
	assert_int_equal(wr_len(&w), 2);
	tlv8_put(&w, TLV8_SALT, "abc", 3);
	assert_false(wr_ok(&w));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pair_setup_m1),
		cmocka_unit_test(fragments_round_trip),
		cmocka_unit_test(exactly_255),
		cmocka_unit_test(separator_ends_a_value),
		cmocka_unit_test(empty_and_malformed),
	};
	return cmocka_run_group_tests_name("tlv8", tests, NULL, NULL);
}
