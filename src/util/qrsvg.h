/* SPDX-License-Identifier: MIT */
/* qrsvg.h — a QR code as an SVG image (libqrencode makes the matrix): the HomeKit setup
 * payload on the web page, scanned by the Home app like the code on an accessory's label. */
#ifndef MI32_QRSVG_H
#define MI32_QRSVG_H

#include <stddef.h>

#define QRSVG_QUIET 4	/* modules of white around the code, as ISO/IEC 18004 asks */

/* The QR code of @text (error correction level Q) as a self-contained SVG document into
 * @out: one black path, one row run of dark modules per subpath ("M4 4h7v1h-7z"), a viewBox
 * in modules with the quiet zone. Returns its length, -EINVAL (empty text, or one
 * libqrencode cannot encode), -ENOMEM, or -ENOSPC when @size is too small. */
int qrsvg(const char *text, char *out, size_t size);

#endif
