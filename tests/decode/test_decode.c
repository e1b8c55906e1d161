/* SPDX-License-Identifier: MIT */
/* test_decode.c — the dispatcher: the {uuid, decoder} table, which service-data element
 * wins, and that the hot path (no ad_info) and the full path give the same answer. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decode/decode.h"
#include "util/hex.h"

/* A 13-byte ATC1441 frame (test_atc.c): -12.3 °C, 45 %, 67 %, 2.999 V, 4 readings */
#define ATC_FRAME "112233445566ff852d430bb7a5"
#define ATC_ELEM "10161A18" ATC_FRAME /* as a 16-bit service-data element */

static int adv_hex(const char *hex, struct adv *a)
{
	int n;

	memset(a, 0, sizeof(*a));
	n = hex_decode(hex, a->data, sizeof(a->data));
	assert_true(n >= 0);
	a->len = (uint8_t)n;
	return n;
}

/* Every UUID of the table reaches a decoder (whatever it makes of one junk byte); others
 * are not sensors. */
static void table_has_each_uuid(void **state)
{
	static const uint16_t known[] = { UUID_MIBEACON,  UUID_BTHOME_V2,    UUID_BTHOME_V1,
					  UUID_BTHOME_V1_ENC, UUID_QINGPING, UUID_ENV_SENSING,
					  UUID_XIAOMI_FD50, UUID_WEIGHT_SCALE, UUID_BODY_COMP };
	static const uint16_t unknown[] = { 0x0000, 0x180F, 0xFD6F, 0xFE9F, 0xFFFF };
	static const uint8_t addr[6] = { 0xA4, 0xC1, 0x38, 0, 0, 1 };
	const uint8_t junk[1] = { 0xFF };
	struct decoded d;

	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		assert_int_not_equal(decode_service_data(known[i], junk, 1, addr, NULL, &d),
				     -ENOMSG);
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		assert_int_equal(decode_service_data(unknown[i], junk, 1, addr, NULL, &d),
				 -ENOMSG);
}

static void first_known_element_wins(void **state)
{
	struct adv a;
	struct decoded d;

	(void)state;
	/* flags, battery service data (not ours), then the ATC frame */
	adv_hex("020106" "04160F1864" ATC_ELEM, &a);
	assert_int_equal(decode_adv(&a, NULL, &d, NULL), 4);
	assert_int_equal(d.format, DECODE_FORMAT_ATC);
	/* a malformed tail after it does not void it */
	adv_hex(ATC_ELEM "05", &a);
	assert_int_equal(decode_adv(&a, NULL, &d, NULL), 4);
}

/* ingest.c takes the hot path (no ad_info), `mi32 decode` and the vectors the full one:
 * both run the same walk, so they must agree on every input. */
static void both_paths_agree(void **state)
{
	static const struct {
		const char *hex;
		int rc;
	} rows[] = {
		{ ATC_ELEM, 4 },
		{ "020106" ATC_ELEM "0000", 4 },
		{ "0201060BFF4C000215E2C56DB5DFFB", -ENOMSG },  /* no service data */
		{ "", -ENOMSG },
		{ "000000", -ENOMSG },                         /* padding only */
		/* a zero length before data, at the start: malformed. The hot path used to
		 * call this "not a sensor" while the full walk called it malformed. */
		{ "00" ATC_ELEM, -EBADMSG },
		{ "FF0102", -EBADMSG },                        /* a length past the end */
		{ "020106" "FF0102", -ENOMSG },                /* ... after a good element */
		/* a sensor's element after four others: the full path kept only four service
		 * data elements and missed it, the hot path found it */
		{ "03160F1803160F1803160F1803160F18" ATC_ELEM, 4 },
		{ "0316" "95FE", -EBADMSG },                   /* MiBeacon too short */
	};
	struct adv a;
	struct decoded fast, full;
	struct ad_info ad;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int rc_fast, rc_full;

		adv_hex(rows[i].hex, &a);
		rc_fast = decode_adv(&a, NULL, &fast, NULL);
		rc_full = decode_adv(&a, NULL, &full, &ad);
		if (rc_fast != rows[i].rc || rc_full != rows[i].rc)
			fail_msg("row %zu: hot path %d, full path %d, want %d", i, rc_fast, rc_full,
				 rows[i].rc);
		assert_int_equal(fast.format, full.format);
		assert_int_equal(fast.n, full.n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_has_each_uuid),
		cmocka_unit_test(first_known_element_wins),
		cmocka_unit_test(both_paths_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
