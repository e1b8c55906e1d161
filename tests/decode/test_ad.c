/* SPDX-License-Identifier: MIT */
/* test_ad.c — the AD walker: every element kind, padding, and each way a length can lie. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decode/ad.h"
#include "util/hex.h"

static int parse_hex(const char *h, struct ad_info *ad, uint8_t *buf)
{
	int n = hex_decode(h, buf, 255);

	assert_true(n >= 0);
	return ad_parse(buf, (size_t)n, ad);
}

static void all_elements(void **state)
{
	uint8_t b[255];
	struct ad_info ad;

	(void)state;
	/* flags, short name, complete name, TX power, svc16 FE95, svc32, svc128, mfr Apple */
	assert_int_equal(parse_hex("020106"
				   "0408414243"
				   "0509"
				   "41424344"
				   "020AF4"
				   "0516" "95FE" "AABB"
				   "0620" "78563412" "CC"
				   "1221" "FB349B5F800000800010000095FE0000" "DD"
				   "05FF" "4C00" "0215",
				   &ad, b),
			 0);
	assert_true(ad.has_flags);
	assert_int_equal(ad.flags, 6);
	assert_true(ad.name_complete);
	assert_int_equal(ad.name_len, 4);
	assert_memory_equal(ad.name, "ABCD", 4);
	assert_true(ad.has_tx_power);
	assert_int_equal(ad.tx_power, -12);
	assert_int_equal(ad.n_svc, 3);
	assert_int_equal(ad.svc[0].uuid16, 0xFE95);
	assert_int_equal(ad.svc[0].len, 2);
	assert_int_equal(ad.svc[1].bits, 32);
	assert_int_equal(ad.svc[1].len, 1);
	assert_int_equal(ad.svc[2].bits, 128);
	assert_int_equal(ad.svc[2].uuid16, 0xFE95);
	assert_int_equal(ad.company, 0x004C);
	assert_int_equal(ad.mfr_len, 2);
	assert_non_null(ad_find_svc(&ad, 0xFE95));
	assert_null(ad_find_svc(&ad, 0x181A));
	assert_int_equal(ad.err, 0);
}

static void zero_padding_is_fine(void **state)
{
	uint8_t b[255];
	struct ad_info ad;

	(void)state;
	assert_int_equal(parse_hex("020106000000", &ad, b), 0);
	assert_int_equal(ad.n_elements, 1);
}

static void zero_length_then_data_is_malformed(void **state)
{
	uint8_t b[255];
	struct ad_info ad;

	(void)state;
	assert_int_equal(parse_hex("02010600020106", &ad, b), -EBADMSG);
	assert_int_equal(ad.err_off, 3);
	assert_true(ad.has_flags); /* what came before is kept */
}

static void overlong_length(void **state)
{
	uint8_t b[255];
	struct ad_info ad;

	(void)state;
	assert_int_equal(parse_hex("020106051695FE", &ad, b), -EBADMSG);
	assert_int_equal(ad.err_off, 3);
	assert_int_equal(ad.n_svc, 0);
}

static void short_service_data_ignored(void **state)
{
	uint8_t b[255];
	struct ad_info ad;

	(void)state;
	/* one byte of UUID: too short to be service data; ignored, not malformed */
	assert_int_equal(parse_hex("021695", &ad, b), 0);
	assert_int_equal(ad.n_svc, 0);
	assert_int_equal(ad.n_elements, 1);
}

static void more_services_than_kept(void **state)
{
	uint8_t b[255];
	struct ad_info ad;

	(void)state;
	assert_int_equal(parse_hex("03160100" "03160200" "03160300" "03160400" "03160500", &ad, b),
			 0);
	assert_int_equal(ad.n_svc, AD_MAX_SVC);
	assert_int_equal(ad.n_svc_seen, 5);
}

/* Every prefix of a valid advertisement: never a crash, never an element past the end. */
/* The iterator itself: elements in order, then a stop that says where and why. */
static void next_yields_then_stops(void **state)
{
	static const struct {
		const char *hex;
		unsigned int n;
		int err;
		uint8_t err_off;
	} rows[] = {
		{ "", 0, 0, 0 },
		{ "020106" "0316" "95FE", 2, 0, 0 },
		{ "020106" "01FF" "000000", 2, 0, 0 },  /* a one-byte element, then padding */
		{ "00", 0, 0, 0 },                      /* padding only */
		{ "0002", 0, -EBADMSG, 0 },             /* a zero length before data */
		{ "020106" "0516" "95", 1, -EBADMSG, 3 }, /* a length past the end */
		{ "FF", 0, -EBADMSG, 0 },
	};
	uint8_t b[64];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int n = hex_decode(rows[i].hex, b, sizeof(b));
		struct ad_iter it;
		struct ad_elem e;
		unsigned int got = 0;

		assert_true(n >= 0);
		ad_iter_init(&it, b, (size_t)n);
		while (ad_next(&it, &e)) {
			assert_true(e.data + e.len <= b + n);
			got++;
		}
		assert_int_equal(got, rows[i].n);
		assert_int_equal(it.n, rows[i].n);
		assert_int_equal(it.err, rows[i].err);
		assert_int_equal(it.err_off, rows[i].err_off);
		assert_false(ad_next(&it, &e)); /* stopped stays stopped */
	}
	/* the element's fields point into the buffer */
	assert_int_equal(hex_decode("0316" "95FE", b, sizeof(b)), 4);
	{
		struct ad_iter it;
		struct ad_elem e;

		ad_iter_init(&it, b, 4);
		assert_true(ad_next(&it, &e));
		assert_int_equal(e.type, AD_TYPE_SVC_DATA16);
		assert_int_equal(e.len, 2);
		assert_ptr_equal(e.data, b + 2);
	}
}

static void every_truncation(void **state)
{
	uint8_t b[255];
	int n = hex_decode("0201060E1695FE5020AA01DA219335342D58061010020106", b, sizeof(b));
	struct ad_info ad;

	(void)state;
	for (int len = 0; len <= n; len++) {
		int r = ad_parse(b, (size_t)len, &ad);

		assert_true(r == 0 || r == -EBADMSG);
		for (unsigned int i = 0; i < ad.n_svc; i++)
			assert_true(ad.svc[i].data + ad.svc[i].len <= b + len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_elements),
		cmocka_unit_test(zero_padding_is_fine),
		cmocka_unit_test(zero_length_then_data_is_malformed),
		cmocka_unit_test(overlong_length),
		cmocka_unit_test(short_service_data_ignored),
		cmocka_unit_test(more_services_than_kept),
		cmocka_unit_test(next_yields_then_stops),
		cmocka_unit_test(every_truncation),
	};
	return cmocka_run_group_tests_name("ad", tests, NULL, NULL);
}
