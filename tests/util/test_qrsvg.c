/* SPDX-License-Identifier: MIT */
/* test_qrsvg.c — the SVG of a QR code: its path, read back module by module, is libqrencode's
 * matrix shifted by the quiet zone, nothing more; too small a buffer and bad text are
 * refused. (That the image scans is checked with zbarimg in test_08_homekit.py.) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <qrencode.h>

#include "util/qrsvg.h"

#define PAYLOAD "X-HM://0024BRZUU7OSX"

/* The dark modules the path draws, into grid[side * side]. Returns side, or -1. */
static int read_back(const char *svg, unsigned char *grid, int cap)
{
	int side, x, y, run, run2, n;
	const char *p;

	if (sscanf(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\"", &side,
		   &n) != 2 || side != n || side * side > cap)
		return -1;
	memset(grid, 0, (size_t)(side * side));
	p = strstr(svg, " d=\"");
	if (!p)
		return -1;
	p += 4;
	while (*p == 'M') {
		if (sscanf(p, "M%d %dh%dv1h-%dz%n", &x, &y, &run, &run2, &n) != 4 || run != run2 ||
		    run < 1 || x < 0 || y < 0 || x + run > side || y >= side)
			return -1;
		for (int i = 0; i < run; i++) {
			if (grid[y * side + x + i])
				return -1; /* drawn twice */
			grid[y * side + x + i] = 1;
		}
		p += n;
	}
	return strcmp(p, "\"/></svg>") ? -1 : side;
}

static void matrix_with_quiet_zone(void **state)
{
	static char svg[16384];
	static unsigned char grid[64 * 64];
	QRcode *q = QRcode_encodeString(PAYLOAD, 0, QR_ECLEVEL_Q, QR_MODE_8, 1);
	int len, side;

	(void)state;
	assert_non_null(q);
	len = qrsvg(PAYLOAD, svg, sizeof(svg));
	assert_int_equal(len, (int)strlen(svg));
	side = read_back(svg, grid, (int)sizeof(grid));
	assert_int_equal(side, q->width + 2 * QRSVG_QUIET);
	for (int y = 0; y < side; y++) {
		for (int x = 0; x < side; x++) {
			int mx = x - QRSVG_QUIET, my = y - QRSVG_QUIET;
			int dark = mx >= 0 && my >= 0 && mx < q->width && my < q->width &&
				   (q->data[my * q->width + mx] & 1);

			if (grid[y * side + x] != dark)
				fail_msg("module %d,%d: svg %d, matrix %d", x, y, grid[y * side + x],
					 dark);
		}
	}
	/* the top-left finder pattern: a 7-module dark row at the quiet zone's corner */
	assert_non_null(strstr(svg, "M4 4h7v1h-7z"));
	QRcode_free(q);
}

static void refusals(void **state)
{
	char small[64], svg[16384];

	(void)state;
	assert_int_equal(qrsvg(PAYLOAD, small, sizeof(small)), -ENOSPC);
	assert_string_equal(small, "");
	assert_int_equal(qrsvg("", svg, sizeof(svg)), -EINVAL);
	assert_int_equal(qrsvg(NULL, svg, sizeof(svg)), -EINVAL);
	assert_int_equal(qrsvg(PAYLOAD, svg, 0), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(matrix_with_quiet_zone),
		cmocka_unit_test(refusals),
	};
	return cmocka_run_group_tests_name("qrsvg", tests, NULL, NULL);
}
