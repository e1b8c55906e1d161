/* SPDX-License-Identifier: MIT */
/* qingping.h — Qingping/ClearGrass sensors on service data 0xFDCD (CGD1, CGG1, CGP1W...). */
#ifndef MI32_QINGPING_H
#define MI32_QINGPING_H

#include "decode/decoded.h"

/* Decode a Qingping payload (the bytes after UUID 0xFDCD): every TLV, not just the first
 * (Tasmota stopped after one). Fills out->format, pid (registry.h), mac (except CGDN1, whose
 * frame carries another address), counter (TLV 0x0F) and the readings.
 * Returns the number of readings (0 with DECODED_F_NO_OBJECTS for a frame without
 * values), or -EBADMSG (short header, a TLV running past the end, a known TLV with a
 * length other than its own). */
int qingping_decode(const uint8_t *data, size_t len, struct decoded *out);

/* The product id for Qingping device-id byte @device_id (PID_QP_GENERIC if unknown). */
uint16_t qingping_pid(uint8_t device_id);

#endif
