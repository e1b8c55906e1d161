/* SPDX-License-Identifier: MIT */
/* test_rxfer.c — the 0x0019 framing: the hex strings seen in the activation pages
 * (shared/notes/mi-activation.md §3.2: 000000030400, 00000101, 00000100, 000001050100), a
 * 64-byte public key as 18+18+18+10, reassembly out of order, a lost frame found and then
 * resent, and every malformed shape refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "activate/rxfer.h"
#include "util/hex.h"

static size_t unhex(const char *s, uint8_t *out)
{
	int n = hex_decode(s, out, 64);

	assert_true(n >= 0);
	return (size_t)n;
}

static void hex_of(const uint8_t *p, size_t n, const char *want)
{
	char s[64];

	hex_encode(p, n, s, 0);
	assert_string_equal(s, want);
}

static void builders_match_the_pages(void **state)
{
	uint8_t f[RXFER_FRAME_MAX];

	(void)state;
	hex_of(f, rxfer_cmd(f, RXFER_TYPE_ECC_PUBKEY, 4), "000000030400");
	hex_of(f, rxfer_cmd(f, RXFER_TYPE_PASS_THROUGH, 2), "000000000200");
	hex_of(f, rxfer_cmd(f, RXFER_TYPE_APP_RANDOM, 1), "0000000b0100");
	hex_of(f, rxfer_ack(f, RXFER_ACK_READY), "00000101");
	hex_of(f, rxfer_ack(f, RXFER_ACK_SUCCESS), "00000100");
	hex_of(f, rxfer_ack_lost(f, 1), "000001050100");
}

static void parser_reads_the_pages(void **state)
{
	uint8_t b[32];
	struct rxfer_frame f;
	size_t n;

	(void)state;
	n = unhex("0000000c0200", b);
	assert_int_equal(rxfer_parse(b, n, &f), 0);
	assert_int_equal(f.kind, RXFER_KIND_CMD);
	assert_int_equal(f.code, RXFER_TYPE_DEV_CONFIRMATION);
	assert_int_equal(f.arg, 2);
	n = unhex("00000101", b);
	assert_int_equal(rxfer_parse(b, n, &f), 0);
	assert_int_equal(f.kind, RXFER_KIND_ACK);
	assert_int_equal(f.code, RXFER_ACK_READY);
	n = unhex("000001050100", b);
	assert_int_equal(rxfer_parse(b, n, &f), 0);
	assert_int_equal(f.code, RXFER_ACK_LOST);
	assert_int_equal(f.arg, 1);
	/* a fresh LYWSD03MMC's device info: one data frame of 4 bytes */
	n = unhex("010001000000", b);
	assert_int_equal(rxfer_parse(b, n, &f), 0);
	assert_int_equal(f.kind, RXFER_KIND_DATA);
	assert_int_equal(f.sn, 1);
	assert_int_equal(f.len, 4);
	assert_memory_equal(f.data, b + 2, 4);
}

static void malformed_is_refused(void **state)
{
	static const char *const bad[] = {
		"",             /* nothing */
		"00",           /* half a sequence number */
		"0000",         /* control with no mode */
		"000000",       /* control with no code */
		"00000003",     /* CMD without its count */
		"0000000304",   /* CMD with half a count */
		"00000003040000", /* CMD with a byte too many */
		"0000010001",   /* ACK with a byte too many */
		"0000010501",   /* ACK LOST with half a sequence number */
		"0100",         /* data frame with no data */
		"0100000102030405060708090a0b0c0d0e0f101112", /* 19 data bytes */
	};
	uint8_t b[32];
	struct rxfer_frame f;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = unhex(bad[i], b);

		assert_int_equal(rxfer_parse(b, n, &f), -EBADMSG);
	}
	/* pvvx's inline modes (2..5) are said as such, not as garbage */
	assert_int_equal(rxfer_parse(b, unhex("0000020001000000", b), &f), -EPROTONOSUPPORT);
}

static void pubkey_in_four_frames(void **state)
{
	uint8_t key[64], f[RXFER_FRAME_MAX];
	size_t lens[4];

	(void)state;
	for (int i = 0; i < 64; i++)
		key[i] = (uint8_t)i;
	assert_int_equal(rxfer_frames(64), 4);
	assert_int_equal(rxfer_frames(24), 2);
	assert_int_equal(rxfer_frames(16), 1);
	for (uint16_t sn = 1; sn <= 4; sn++) {
		lens[sn - 1] = rxfer_data(f, key, 64, sn);
		assert_int_equal(f[0], sn);
		assert_int_equal(f[1], 0);
		assert_memory_equal(f + 2, key + (sn - 1) * 18, lens[sn - 1] - 2);
	}
	assert_int_equal(lens[0], 20);
	assert_int_equal(lens[3], 12);
	assert_int_equal(rxfer_data(f, key, 64, 0), 0);
	assert_int_equal(rxfer_data(f, key, 64, 5), 0);
}

/* Send @payload's frames @order (1-based sns) to a receiver; the result of the last put. */
static int feed(struct rxfer_rx *rx, const uint8_t *payload, size_t len, const int *order,
		size_t n)
{
	uint8_t b[RXFER_FRAME_MAX];
	struct rxfer_frame f;
	int r = -1;

	for (size_t i = 0; i < n; i++) {
		size_t m = rxfer_data(b, payload, len, (uint16_t)order[i]);

		assert_int_equal(rxfer_parse(b, m, &f), 0);
		r = rxfer_rx_put(rx, &f);
	}
	return r;
}

static void reassembly_in_any_order(void **state)
{
	static const int order[] = { 3, 1, 4, 2 };
	uint8_t key[64];
	struct rxfer_rx rx;

	(void)state;
	for (int i = 0; i < 64; i++)
		key[i] = (uint8_t)(0xa0 ^ i);
	assert_int_equal(rxfer_rx_start(&rx, RXFER_TYPE_ECC_PUBKEY, 4), 0);
	assert_int_equal(feed(&rx, key, 64, order, 4), 1);
	assert_int_equal(rx.len, 64);
	assert_memory_equal(rx.buf, key, 64);
	assert_int_equal(rxfer_rx_missing(&rx), 0);
}

static void lost_frame_then_resent(void **state)
{
	static const int first[] = { 1, 3, 4 }, again[] = { 2 };
	uint8_t key[64];
	struct rxfer_rx rx;

	(void)state;
	memset(key, 0x5a, 64);
	assert_int_equal(rxfer_rx_start(&rx, RXFER_TYPE_ECC_PUBKEY, 4), 0);
	assert_int_equal(feed(&rx, key, 64, first, 1), 0);
	assert_false(rxfer_rx_saw_last(&rx));
	assert_int_equal(feed(&rx, key, 64, first + 1, 2), 0);
	assert_true(rxfer_rx_saw_last(&rx));
	assert_int_equal(rxfer_rx_missing(&rx), 2); /* → ACK LOST 2 */
	assert_int_equal(feed(&rx, key, 64, again, 1), 1);
	assert_memory_equal(rx.buf, key, 64);
}

static void receiver_refuses_what_cannot_belong(void **state)
{
	uint8_t b[32];
	struct rxfer_rx rx;
	struct rxfer_frame f;

	(void)state;
	assert_int_equal(rxfer_rx_start(&rx, 0, 0), -EMSGSIZE);
	assert_int_equal(rxfer_rx_start(&rx, 0, RXFER_FRAMES_MAX + 1), -EMSGSIZE);
	assert_int_equal(rxfer_rx_start(&rx, 0, 2), 0);
	/* frame 3 of 2 */
	assert_int_equal(rxfer_parse(b, unhex("0300aa", b), &f), 0);
	assert_int_equal(rxfer_rx_put(&rx, &f), -EBADMSG);
	/* a short frame 1 of 2 would leave a hole */
	assert_int_equal(rxfer_parse(b, unhex("0100aabb", b), &f), 0);
	assert_int_equal(rxfer_rx_put(&rx, &f), -EBADMSG);
	/* a control frame is not data */
	assert_int_equal(rxfer_parse(b, unhex("00000100", b), &f), 0);
	assert_int_equal(rxfer_rx_put(&rx, &f), -EBADMSG);
	assert_int_equal(rxfer_rx_missing(&rx), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builders_match_the_pages),
		cmocka_unit_test(parser_reads_the_pages),
		cmocka_unit_test(malformed_is_refused),
		cmocka_unit_test(pubkey_in_four_frames),
		cmocka_unit_test(reassembly_in_any_order),
		cmocka_unit_test(lost_frame_then_resent),
		cmocka_unit_test(receiver_refuses_what_cannot_belong),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
