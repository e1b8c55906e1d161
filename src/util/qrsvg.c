/* SPDX-License-Identifier: MIT */
/* qrsvg.c — see qrsvg.h. */
#include <errno.h>
#include <stdint.h>

#include <qrencode.h>

#include "util/qrsvg.h"
#include "util/wr.h"

int qrsvg(const char *text, char *out, size_t size)
{
	struct wr o = wr_init((uint8_t *)out, size);
	QRcode *q;
	int w, side;

	if (!size)
		return -ENOSPC;
	out[0] = '\0';
	if (!text || !text[0])
		return -EINVAL;
	/* case-sensitive 8-bit hint: libqrencode still picks alphanumeric mode for what fits
	 * it, as the upper-case "X-HM://…" does */
	q = QRcode_encodeString(text, 0, QR_ECLEVEL_Q, QR_MODE_8, 1);
	if (!q)
		return errno == ENOMEM ? -ENOMEM : -EINVAL;
	w = q->width;
	side = w + 2 * QRSVG_QUIET;
	wr_printf(&o, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		"shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
		"<path fill=\"#000\" d=\"", side, side, side, side);
	for (int y = 0; y < w; y++) {
		for (int x = 0; x < w;) {
			int run = 0;

			/* bit 0 of each byte is the module's colour (1 = dark) */
			while (x + run < w && (q->data[y * w + x + run] & 1))
				run++;
			if (run)
				wr_printf(&o, "M%d %dh%dv1h-%dz", x + QRSVG_QUIET, y + QRSVG_QUIET, run, run);
			x += run ? run : 1;
		}
	}
	wr_printf(&o, "\"/></svg>");
	QRcode_free(q);
	if (!wr_ok(&o)) {
		out[0] = '\0';
		return -ENOSPC;
	}
	return (int)wr_len(&o);
}
