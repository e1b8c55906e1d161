/* SPDX-License-Identifier: MIT */
/* advbuf.h — an advertisement in the seed's BLE.adv_cb buffer layout (SPEC §11.2): bytes
 * 0-5 the MAC (display order), 6 the address type, 7 the RSSI as an unsigned byte (-70 ->
 * 186), 8 the payload length, 9... the payload (AD structures); and the `svc` and `manu`
 * indexes: where the data of the last Service Data 16-bit (0x16) / Manufacturer Specific
 * (0xFF) element starts (svc points at the UUID's low byte), 0 when there is none. Elements
 * shorter than 3 bytes are skipped; the walk stops at a zero or overlong length. Pure. */
#ifndef MI32_ADVBUF_H
#define MI32_ADVBUF_H

#include <stddef.h>
#include <stdint.h>

#include "decode/adv.h"

#define ADVBUF_HEAD 9u

/* Fill @out (@size bytes, at least ADVBUF_HEAD) with @adv, the payload cut to what fits;
 * the length byte says what was copied. Returns the bytes used; *@svc and *@manu get the
 * indexes (within what was copied). */
size_t advbuf_fill(const struct adv *adv, uint8_t *out, size_t size, unsigned int *svc,
		   unsigned int *manu);

#endif
