/* SPDX-License-Identifier: MIT */
/* atc.h — the ATC1441 custom firmware's 13-byte format on service data 0x181A. */
#ifndef MI32_ATC_H
#define MI32_ATC_H

#include "decode/decoded.h"

#define ATC_LEN 13

/* One ATC1441 frame's fields, in the units the frame carries. */
struct atc_frame {
	uint8_t mac[6];     /* display order (the frame carries it MSB-first, as displayed) */
	int16_t temp_x10;   /* °C × 10 */
	uint8_t humidity;   /* % */
	uint8_t battery;    /* % */
	uint16_t mv;        /* battery voltage, mV */
	uint8_t counter;    /* frame counter */
};

/* Decode a 13-byte ATC1441 payload (the bytes after UUID 0x181A). Fills out->format,
 * pid (PID_ATC), mac, counter and the readings Temperature, Humidity, Battery, Voltage.
 * Returns the number of readings, or -EBADMSG when @len is not ATC_LEN. */
int atc_decode(const uint8_t *data, size_t len, struct decoded *out);

/* Encode @f as the 13-byte payload into @out (the simulator's, benchmark's and tests'
 * encoder). Returns ATC_LEN, or -ENOSPC when @size is smaller. */
int atc_encode(const struct atc_frame *f, uint8_t *out, size_t size);

#endif
