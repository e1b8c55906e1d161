/* SPDX-License-Identifier: MIT */
/* test_relay.c — the raw-advert JSON (exact bytes, round trip, refusals), the dedupe window
 * and the per-node RSSI table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sink/relay.h"

/* An ATC1441 frame (service data 0x181A, 13 bytes) from A4:C1:38:11:22:33. */
static const struct adv atc = {
	.addr = { 0xA4, 0xC1, 0x38, 0x11, 0x22, 0x33 },
	.addr_type = 0,
	.rssi = -60,
	.evt_type = 0,
	.len = 17,
	.time_us = 1735732881280123ull,
	.data = { 0x10, 0x16, 0x1A, 0x18, 0xA4, 0xC1, 0x38, 0x11, 0x22, 0x33, 0x00, 0xB4,
		  0x3C, 0x57, 0x0B, 0x86, 0x07 },
};

static const char atc_json[] =
	"{\"Node\":\"mi32_a1b2c3\",\"MAC\":\"A4C138112233\",\"AddrType\":0,\"RSSI\":-60,"
	"\"Evt\":0,\"Time\":1735732881280,\"AD\":\"10161A18A4C138112233" "00B43C570B8607\"}";

static void encode_exact(void **state)
{
	char b[RELAY_JSON_MAX];

	(void)state;
	assert_int_equal(relay_encode(&atc, "mi32_a1b2c3", b, sizeof(b)), strlen(atc_json));
	assert_string_equal(b, atc_json);
	assert_int_equal(relay_encode(&atc, "mi32_a1b2c3", b, 20), -ENOSPC);
}

static void round_trip(void **state)
{
	char b[RELAY_JSON_MAX], node[RELAY_NODE_MAX];
	struct adv a = atc, out;
	int n;

	(void)state;
	a.len = ADV_DATA_MAX; /* the largest report */
	a.addr_type = 1;
	a.rssi = -128;
	a.evt_type = 4;
	for (int i = 0; i < ADV_DATA_MAX; i++)
		a.data[i] = (uint8_t)i;
	n = relay_encode(&a, "a-node-name-of-sixty-three-characters-aaaaaaaaaaaaaaaaaaaaaaaaa", b,
			 sizeof(b));
	assert_true(n > 0);
	assert_int_equal(relay_decode(b, (size_t)n, &out, node), 0);
	assert_memory_equal(out.addr, a.addr, 6);
	assert_int_equal(out.addr_type, 1);
	assert_int_equal(out.rssi, -128);
	assert_int_equal(out.evt_type, 4);
	assert_int_equal(out.len, ADV_DATA_MAX);
	assert_memory_equal(out.data, a.data, ADV_DATA_MAX);
	assert_int_equal(out.time_us, a.time_us / 1000 * 1000);
	assert_int_equal(strlen(node), 63);
	/* the worst case: every byte of the longest name escaped as \u00XX (fuzz crash) */
	memset(node, 0x01, 63);
	node[63] = '\0';
	n = relay_encode(&a, node, b, sizeof(b));
	assert_true(n > 0);
	assert_int_equal(relay_decode(b, (size_t)n, &out, node), 0);
	assert_int_equal(node[62], 0x01);
}

static void decode_defaults(void **state)
{
	const char j[] = "{\"MAC\":\"a4c138112233\",\"AD\":\"020106\",\"Extra\":[1,2]}";
	char node[RELAY_NODE_MAX];
	struct adv a;

	(void)state;
	/* not NUL-terminated: the length rules */
	assert_int_equal(relay_decode(j, sizeof(j) - 1, &a, node), 0);
	assert_string_equal(node, "");
	assert_int_equal(a.rssi, ADV_RSSI_NONE);
	assert_int_equal(a.len, 3);
	assert_int_equal(a.addr[5], 0x33);
	assert_int_equal(a.time_us, 0);
}

static void decode_refuses(void **state)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{\"AD\":\"020106\"}",                                   /* no MAC */
		"{\"MAC\":\"A4C138112233\"}",                           /* no AD */
		"{\"MAC\":\"A4C13811223\",\"AD\":\"\"}",                /* short MAC */
		"{\"MAC\":\"A4C1381122334\",\"AD\":\"\"}",              /* long MAC */
		"{\"MAC\":\"A4C13811223G\",\"AD\":\"\"}",
		"{\"MAC\":\"A4C138112233\",\"AD\":\"0\"}",              /* odd digits */
		"{\"MAC\":\"A4C138112233\",\"AD\":\"0201zz\"}",
		"{\"MAC\":\"A4C138112233\",\"AD\":3}",
		"{\"MAC\":\"A4C138112233\",\"AD\":\"\",\"RSSI\":-129}",
		"{\"MAC\":\"A4C138112233\",\"AD\":\"\",\"RSSI\":-60.5}",
		"{\"MAC\":\"A4C138112233\",\"AD\":\"\",\"RSSI\":\"-60\"}",
		"{\"MAC\":\"A4C138112233\",\"AD\":\"\",\"AddrType\":4}",
		"{\"MAC\":\"A4C138112233\",\"AD\":\"\",\"Evt\":256}",
		"{\"MAC\":\"A4C138112233\",\"AD\":\"\",\"Time\":-1}",
		"{\"MAC\":\"A4C138112233\",\"AD\":\"\",\"Node\":5}",
		"{\"MAC\":\"A4C138112233\",\"AD\":\"\",\"Node\":\"0123456789012345678901234567890123456789012345678901234567890123\"}",
		"{\"MAC\":\"A4C138112233\",\"AD\":\"\"",                /* truncated */
	};
	char node[RELAY_NODE_MAX];
	struct adv a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = relay_decode(bad[i], strlen(bad[i]), &a, node);

		if (r != -EBADMSG)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(a.len, 0);
		assert_string_equal(node, "");
	}
	/* 256 AD bytes: one more than a report holds */
	{
		char j[700];
		int n = snprintf(j, sizeof(j), "{\"MAC\":\"A4C138112233\",\"AD\":\"");

		for (int i = 0; i < 256; i++)
			n += snprintf(j + n, sizeof(j) - (size_t)n, "00");
		snprintf(j + n, sizeof(j) - (size_t)n, "\"}");
		assert_int_equal(relay_decode(j, strlen(j), &a, node), -EBADMSG);
	}
}

/* One frame heard by two nodes is seen once; a new frame (other counter) is not a duplicate;
 * the same frame comes through again after the window. */
static void dedupe_window(void **state)
{
	struct relay *r = relay_new(64, 16);
	struct adv b = atc;
	uint64_t t = 1000000000;

	(void)state;
	assert_non_null(r);
	assert_false(relay_seen(r, &atc, t));
	b.rssi = -80; /* another node: other RSSI, same bytes */
	assert_true(relay_seen(r, &b, t + 100000));
	b.data[16]++; /* next frame counter */
	assert_false(relay_seen(r, &b, t + 200000));
	assert_true(relay_seen(r, &b, t + 300000));
	/* another sensor with the same AD bytes is another frame */
	b = atc;
	b.addr[5] ^= 1;
	assert_false(relay_seen(r, &b, t + 300000));
	assert_false(relay_seen(r, &atc, t + RELAY_WINDOW_US));
	/* a clock stepping back does not pin a frame forever */
	assert_false(relay_seen(r, &b, t));
	relay_free(r);
}

/* A tiny window under pressure forgets early but never wrongly calls a new frame a dupe. */
static void dedupe_full(void **state)
{
	struct relay *r = relay_new(16, 1);
	struct adv a = atc;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		a.data[16] = (uint8_t)i;
		a.data[15] = (uint8_t)(i >> 8);
		assert_false(relay_seen(r, &a, 5000000));
	}
	relay_free(r);
}

static void rssi_table(void **state)
{
	struct relay *r = relay_new(16, 3);
	const uint8_t m1[6] = { 0xA4, 0xC1, 0x38, 0x11, 0x22, 0x33 };
	const uint8_t m2[6] = { 0xA4, 0xC1, 0x38, 0x11, 0x22, 0x34 };
	char b[512];
	struct jw w;

	(void)state;
	assert_int_equal(relay_note_rssi(r, "n1", m1, -60, 1), 0);
	assert_int_equal(relay_note_rssi(r, "n2", m1, -75, 2), 0);
	assert_int_equal(relay_note_rssi(r, "n1", m2, -50, 3), 0);
	assert_int_equal(relay_note_rssi(r, "n1", m1, -61, 4), 0); /* update, no new entry */
	assert_int_equal(relay_note_rssi(r, "n2", m2, -70, 5), -ENOSPC);
	assert_int_equal(relay_note_rssi(r, "", m2, -70, 5), -EINVAL);
	assert_int_equal(relay_rssi(r, "n1", m1), -61);
	assert_int_equal(relay_rssi(r, "n2", m1), -75);
	assert_int_equal(relay_rssi(r, "n2", m2), ADV_RSSI_NONE);
	assert_int_equal(relay_rssi(r, "n3", m2), ADV_RSSI_NONE);
	jw_init(&w, b, sizeof(b));
	jw_obj_begin(&w);
	relay_write_rssi(r, &w);
	jw_obj_end(&w);
	assert_true(jw_finish(&w) > 0);
	assert_string_equal(b, "{\"n1\":{\"A4C138112233\":-61,\"A4C138112234\":-50},"
			       "\"n2\":{\"A4C138112233\":-75}}");
	relay_free(r);
	relay_free(NULL);
}

static void many_nodes(void **state)
{
	struct relay *r = relay_new(16, 100);
	char name[16];
	int r_ = 0;

	(void)state;
	for (int i = 0; i < 40 && r_ == 0; i++) {
		snprintf(name, sizeof(name), "node%d", i);
		r_ = relay_note_rssi(r, name, atc.addr, -60, 1);
		if (r_)
			assert_true(i >= 32);
	}
	assert_int_equal(r_, -ENOSPC);
	relay_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encode_exact),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(decode_defaults),
		cmocka_unit_test(decode_refuses),
		cmocka_unit_test(dedupe_window),
		cmocka_unit_test(dedupe_full),
		cmocka_unit_test(rssi_table),
		cmocka_unit_test(many_nodes),
	};
	return cmocka_run_group_tests_name("relay", tests, NULL, NULL);
}
