/* SPDX-License-Identifier: MIT */
/* xiaomi.h — Xiaomi formats outside MiBeacon: Mi Scale (0x181D), Mi Body Composition Scale
 * (0x181B) and the HHCCJCY10 flower pot (0xFD50). */
#ifndef MI32_XIAOMI_H
#define MI32_XIAOMI_H

#include "decode/ad.h"
#include "decode/decoded.h"

#define XIAOMI_SCALE1_LEN 10
#define XIAOMI_SCALE2_LEN 13
#define XIAOMI_HHCC_LEN 9

/* Decode one of the three formats by its service @uuid. Weight is reported in kg
 * (pound and catty frames converted, as xiaomi-ble does) and only once the scale says the
 * weight is stable and still on it; impedance only when that is stable too.
 * Returns the number of readings (0 with DECODED_F_NO_OBJECTS for an unstable weight), or
 * -EBADMSG (a length other than the format's), -ENOMSG (@uuid not one of the three). */
int xiaomi_decode(uint16_t uuid, const uint8_t *data, size_t len, struct decoded *out);

#endif
