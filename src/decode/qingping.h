/* SPDX-License-Identifier: MIT */
/* qingping.h — Qingping/ClearGrass sensors on service data 0xFDCD (CGD1, CGG1, CGP1W...). */
#ifndef MI32_QINGPING_H
#define MI32_QINGPING_H

#include "decode/decoded.h"

/*
 * Product ids. Where the same model also speaks MiBeacon its MiBeacon pid is used (CGG1
 * 0x0347, CGD1 PID_CGD1 0x0576), so a sensor heard both ways is one sensor. The others
 * carry no product id anywhere: fake pids 0xCD00 | Qingping device-id byte (first id of
 * the model), 0xCD00 for an unknown device id. 0xCDxx is far above the MiBeacon pids seen
 * so far (< 0x4000) and clear of PID_BTHOME / PID_PVVX.
 */
#define PID_QP_CGG1 0x0347
#define PID_QP_GENERIC 0xCD00 /* unknown device id: values decoded, model unknown */
#define PID_QP_CGH1 0xCD04    /* door/window sensor */
#define PID_QP_CGP1W 0xCD09
#define PID_QP_CGDN1 0xCD0E   /* air monitor lite (ids 0x0E, 0x24) */
#define PID_QP_CGM1 0xCD0F
#define PID_QP_CGPR1 0xCD12   /* motion & light */
#define PID_QP_CGF1W 0xCD15
#define PID_QP_CGP23W 0xCD18  /* ids 0x18, 0x26 */
#define PID_QP_CGC1 0xCD1E
#define PID_QP_CGG3 0xCD4F
#define PID_QP_CGR1PC 0xCD52  /* ids 0x52, 0x62 */
#define PID_QP_CGP22C 0xCD5D  /* ids 0x33, 0x5D */

/* Decode a Qingping payload (the bytes after UUID 0xFDCD): every TLV, not just the first
 * (Tasmota stopped after one). Fills out->format, pid (above), mac (except CGDN1, whose
 * frame carries another address), counter (TLV 0x0F) and the readings.
 * Returns the number of readings (0 with DECODED_F_NO_OBJECTS for a frame without
 * values), or -EBADMSG (short header, a TLV running past the end, a known TLV with a
 * length other than its own). */
int qingping_decode(const uint8_t *data, size_t len, struct decoded *out);

/* The product id for Qingping device-id byte @device_id (PID_QP_GENERIC if unknown). */
uint16_t qingping_pid(uint8_t device_id);

#endif
