/* SPDX-License-Identifier: MIT */
/* atc.c — the ATC1441 custom firmware's advertising format (service data 0x181A, 13 bytes).
 * Plain, big-endian, no encryption; pvvx's formats on the same UUID live in pvvx.c. */
#include <errno.h>

#include "decode/atc.h"
#include "util/rd.h"
#include "decode/registry.h"

/*
 * ATC1441 format (atc1441/ATC_MiThermometer README "Advertising format of the custom
 * firmware"; same layout in ble_monitor ble_parser/atc.py, unpack(">hBBHB")):
 *
 *   0      6        8     9     10     12
 *   +------+--------+-----+-----+------+-----+
 *   | MAC  | temp   | hum | bat | mV   | cnt |
 *   | MSB  | s16 BE | %   | %   | u16BE| u8  |
 *   | first| 0.1 °C |     |     |      |     |
 *   +------+--------+-----+-----+------+-----+
 *
 * Unlike every other format here, this one is big-endian and carries the MAC in
 * display order.
 */
int atc_decode(const uint8_t *data, size_t len, struct decoded *out)
{
	struct rd rd = rd_init(data, len);
	int16_t temp;
	uint8_t hum, bat, cnt;
	uint16_t mv;

	out->format = DECODE_FORMAT_ATC;
	out->pid = PID_ATC;
	/* SPEC decision 7: exact length; anything else is malformed, not guessed. */
	if (!data || len != ATC_LEN)
		return -EBADMSG;

	rd_bytes(&rd, out->mac, 6);
	temp = (int16_t)rd_be16(&rd);
	hum = rd_u8(&rd);
	bat = rd_u8(&rd);
	mv = rd_be16(&rd);
	cnt = rd_u8(&rd);
	if (!rd_ok(&rd))
		return -EBADMSG;

	out->has_mac = true;
	out->counter = cnt;
	out->has_counter = true;
	decoded_add(out, READING_TEMPERATURE, 0, 1, temp / 10.0);
	decoded_add(out, READING_HUMIDITY, 0, 0, hum);
	decoded_add(out, READING_BATTERY, 0, 0, bat);
	decoded_add(out, READING_VOLTAGE, 0, 3, mv / 1000.0);
	return out->n;
}

int atc_encode(const struct atc_frame *f, uint8_t *out, size_t size)
{
	uint16_t t = (uint16_t)f->temp_x10;

	if (size < ATC_LEN)
		return -ENOSPC;
	for (int i = 0; i < 6; i++)
		out[i] = f->mac[i];
	out[6] = (uint8_t)(t >> 8);
	out[7] = (uint8_t)t;
	out[8] = f->humidity;
	out[9] = f->battery;
	out[10] = (uint8_t)(f->mv >> 8);
	out[11] = (uint8_t)f->mv;
	out[12] = f->counter;
	return ATC_LEN;
}
