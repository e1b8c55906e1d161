/* SPDX-License-Identifier: MIT */
/* test_hci_event.c — LE advertising reports: legacy, extended, several per event, and every
 * way the lengths can disagree. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "source/hci_event.h"
#include "util/hex.h"

static int parse(const char *h, struct adv *out, size_t max)
{
	uint8_t b[300];
	int n = hex_decode(h, b, sizeof(b));

	assert_true(n > 0);
	return hci_event_adv_reports(b, (size_t)n, 42, out, max);
}

static void legacy_report(void **state)
{
	struct adv a[2];

	(void)state;
	/* ADV_IND from public 58:2D:34:35:93:21, 3 bytes of flags, RSSI -60 */
	assert_int_equal(parse("3E0F" "02" "01" "00" "00" "219335342D58" "03" "020106" "C4",
			       a, 2),
			 1);
	assert_int_equal(a[0].addr[0], 0x58);
	assert_int_equal(a[0].addr[5], 0x21);
	assert_int_equal(a[0].addr_type, 0);
	assert_int_equal(a[0].rssi, -60);
	assert_int_equal(a[0].len, 3);
	assert_int_equal(a[0].data[2], 0x06);
	assert_int_equal(a[0].time_us, 42);
}

static void two_reports(void **state)
{
	struct adv a[2];

	(void)state;
	assert_int_equal(parse("3E1B" "02" "02"
			       "04" "01" "010000000000" "01" "AA" "B0"
			       "00" "00" "020000000000" "02" "BBCC" "B1",
			       a, 2),
			 -EBADMSG); /* length byte 0x1B is 2 too many */
	assert_int_equal(parse("3E19" "02" "02"
			       "04" "01" "010000000000" "01" "AA" "B0"
			       "00" "00" "020000000000" "02" "BBCC" "B1",
			       a, 2),
			 2);
	assert_int_equal(a[0].evt_type, 4);
	assert_int_equal(a[0].addr_type, 1);
	assert_int_equal(a[1].addr[5], 2);
	assert_int_equal(a[1].rssi, (int8_t)0xB1);
}

static void extended_report(void **state)
{
	struct adv a[1];

	(void)state;
	assert_int_equal(parse("3E1D" "0D" "01" "1300" "00" "8B376338C1A4" "01" "00" "FF" "7F"
			       "BA" "0000" "00" "000000000000" "03" "020106",
			       a, 1),
			 1);
	assert_int_equal(a[0].addr[0], 0xA4);
	assert_int_equal(a[0].rssi, -70);
	assert_int_equal(a[0].len, 3);
}

static void not_a_report(void **state)
{
	struct adv a[1];

	(void)state;
	assert_int_equal(parse("0E0401030C00", a, 1), -ENOMSG);  /* Command Complete */
	assert_int_equal(parse("3E0301FF00", a, 1), -ENOMSG);      /* other LE subevent */
	assert_int_equal(parse("3E0102", a, 1), -EBADMSG);         /* no report count */
	assert_int_equal(parse("3E020200", a, 1), -EBADMSG);       /* zero reports */
}

/* Data length pointing past the end; every truncation of a valid event. */
static void lengths_lie(void **state)
{
	uint8_t b[64];
	int n = hex_decode("3E0F" "02" "01" "00" "00" "219335342D58" "03" "020106" "C4", b, 64);
	struct adv a[1];

	(void)state;
	b[12] = 0x20; /* data length 32 */
	assert_int_equal(hci_event_adv_reports(b, (size_t)n, 0, a, 1), -EBADMSG);
	b[12] = 0x03;
	for (int len = 0; len < n; len++) {
		int r = hci_event_adv_reports(b, (size_t)len, 0, a, 1);

		assert_true(r == -EBADMSG || r == -ENOMSG);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(legacy_report),
		cmocka_unit_test(two_reports),
		cmocka_unit_test(extended_report),
		cmocka_unit_test(not_a_report),
		cmocka_unit_test(lengths_lie),
	};
	return cmocka_run_group_tests_name("hci_event", tests, NULL, NULL);
}
