/* SPDX-License-Identifier: MIT */
/* pvvx.c — the pvvx custom firmware's formats on service data 0x181A: the plain "custom"
 * format and the two AES-CCM encrypted ones. ATC1441's plain 13-byte format is atc.c's;
 * decode_service_data() picks between the two by length. */
#include <errno.h>
#include <string.h>

#include "decode/ad.h"
#include "decode/pvvx.h"
#include "util/rd.h"
#include "decode/registry.h"

#define PVVX_MIC_LEN 4
#define PVVX_NONCE_LEN 11
#define PVVX_AAD 0x11
#define AD_TYPE_SERVICE_DATA16 0x16

/*
 * Nonce of both encrypted formats (pvvx/ATC_MiThermometer; the same construction in
 * ble_monitor ble_parser/atc.py decrypt_atc()):
 *
 *   0           6        7      8    9    10
 *   +-----------+--------+------+----+----+---------+
 *   | MAC       | AD len | 0x16 | 0x1A 0x18 | counter |
 *   | LSB-first | len+3  | type | UUID LE   |         |
 *   +-----------+--------+------+----+----+---------+
 *
 * i.e. the MAC as the radio sends it followed by the first five bytes of the AD element
 * itself (length, type, UUID, counter); AAD is the single byte 0x11, the MIC 4 bytes.
 * The AD length counts type + UUID + payload, hence payload length + 3.
 */
static void make_nonce(uint8_t nonce[PVVX_NONCE_LEN], const uint8_t addr[6], size_t len,
		       uint8_t counter)
{
	for (int i = 0; i < 6; i++)
		nonce[i] = addr[5 - i];
	nonce[6] = (uint8_t)(len + 3);
	nonce[7] = AD_TYPE_SERVICE_DATA16;
	nonce[8] = (uint8_t)(UUID_ENV_SENSING & 0xff);
	nonce[9] = (uint8_t)(UUID_ENV_SENSING >> 8);
	nonce[10] = counter;
}

/*
 * The encrypted formats drop the battery voltage. ble_monitor publishes the estimate
 * 2.2 V + 0.9 V × battery % instead, and setups moving from it expect a Voltage, so we
 * publish the same estimate (3 decimals, as the plain formats).
 */
static void add_estimated_voltage(struct decoded *out, unsigned int battery)
{
	if (battery > 100)
		battery = 100;
	decoded_add(out, READING_VOLTAGE, 0, 3, 2.2 + 0.9 * battery / 100.0);
}

/*
 * Custom format, plain (pvvx/ATC_MiThermometer README "Custom format", all little-endian):
 *
 *   0      6       8       10     12    13    14
 *   +------+-------+-------+------+-----+-----+-------+
 *   | MAC  | temp  | hum   | mV   | bat | cnt | flags |
 *   | LSB  | s16   | u16   | u16  | %   | u8  | u8    |
 *   | first| .01°C | .01 % |      |     |     |       |
 *   +------+-------+-------+------+-----+-----+-------+
 */
static int decode_custom(struct rd *rd, struct decoded *out)
{
	uint8_t mac[6];
	int16_t temp;
	uint16_t hum, mv;
	uint8_t bat, cnt, flags;

	rd_bytes(rd, mac, 6);
	temp = (int16_t)rd_le16(rd);
	hum = rd_le16(rd);
	mv = rd_le16(rd);
	bat = rd_u8(rd);
	cnt = rd_u8(rd);
	flags = rd_u8(rd);
	if (!rd_ok(rd))
		return -EBADMSG;

	for (int i = 0; i < 6; i++)
		out->mac[i] = mac[5 - i];
	out->has_mac = true;
	out->counter = cnt;
	out->has_counter = true;
	decoded_add(out, READING_TEMPERATURE, 0, 2, temp / 100.0);
	decoded_add(out, READING_HUMIDITY, 0, 2, hum / 100.0);
	decoded_add(out, READING_BATTERY, 0, 0, bat);
	decoded_add(out, READING_VOLTAGE, 0, 3, mv / 1000.0);
	/* ble_monitor's "opening" is bit 0 as sent: (~trg ^ 1) & 1 == trg & 1. */
	decoded_add(out, READING_DOOR, 0, 0, flags & PVVX_FLAG_REED);
	return out->n;
}

/*
 * Encrypted formats (pvvx README "Encrypted custom format" / "Encrypted atc1441 format";
 * field decoding as ble_monitor ble_parser/atc.py):
 *
 *   custom, 11 bytes:   0     1                         7
 *                       +-----+-------------------------+-----+
 *                       | cnt | CCM(temp s16 .01°C,     | MIC |
 *                       |     |  hum u16 .01 %, bat %,  | 4   |
 *                       |     |  flags)  6 bytes        |     |
 *                       +-----+-------------------------+-----+
 *
 *   atc1441, 8 bytes:   0     1                         4
 *                       +-----+-------------------------+-----+
 *                       | cnt | CCM(temp u8: t/2 - 40,  | MIC |
 *                       |     |  hum u8: h/2,           | 4   |
 *                       |     |  bit7 trg | bat 7 bits) |     |
 *                       +-----+-------------------------+-----+
 */
static int decode_encrypted(struct rd *rd, size_t len, const uint8_t addr[6],
			    const struct aes_key *key, struct decoded *out)
{
	uint8_t nonce[PVVX_NONCE_LEN], aad = PVVX_AAD, pt[6];
	size_t ct_len = len - 1 - PVVX_MIC_LEN;
	const uint8_t *ct, *mic;
	uint8_t cnt;
	int err;

	cnt = rd_u8(rd);
	ct = rd_take(rd, ct_len);
	mic = rd_take(rd, PVVX_MIC_LEN);
	if (!rd_ok(rd))
		return -EBADMSG;

	out->encrypted = true;
	out->counter = cnt;
	out->has_counter = true;
	if (!aes_key_valid(key))
		return -ENOKEY;
	if (!addr)
		return -EINVAL;

	make_nonce(nonce, addr, len, cnt);
	err = aes_ccm_decrypt(key, nonce, sizeof(nonce), &aad, 1, ct, ct_len, mic,
			      PVVX_MIC_LEN, pt);
	if (err == -EBADMSG)
		return -EKEYREJECTED;
	if (err < 0)
		return err;

	if (len == PVVX_ENC_LEN) {
		int16_t temp = (int16_t)(pt[0] | pt[1] << 8);
		uint16_t hum = (uint16_t)(pt[2] | pt[3] << 8);

		decoded_add(out, READING_TEMPERATURE, 0, 2, temp / 100.0);
		decoded_add(out, READING_HUMIDITY, 0, 2, hum / 100.0);
		decoded_add(out, READING_BATTERY, 0, 0, pt[4]);
		add_estimated_voltage(out, pt[4]);
		decoded_add(out, READING_DOOR, 0, 0, pt[5] & PVVX_FLAG_REED);
	} else {
		/* Bit 7 of the battery byte is the trigger output, not a reed switch: no Door. */
		uint8_t bat = pt[2] & 0x7f;

		decoded_add(out, READING_TEMPERATURE, 0, 1, pt[0] / 2.0 - 40.0);
		decoded_add(out, READING_HUMIDITY, 0, 1, pt[1] / 2.0);
		decoded_add(out, READING_BATTERY, 0, 0, bat);
		add_estimated_voltage(out, bat);
	}
	return out->n;
}

int pvvx_decode(const uint8_t *data, size_t len, const uint8_t addr[6],
		const struct aes_key *key, struct decoded *out)
{
	struct rd rd = rd_init(data, len);

	out->format = DECODE_FORMAT_PVVX;
	out->pid = PID_PVVX;
	if (!data)
		return -EBADMSG;
	/* SPEC decision 7: only the lengths pvvx sends; Tasmota took any length as custom. */
	switch (len) {
	case PVVX_LEN:
		return decode_custom(&rd, out);
	case PVVX_ENC_LEN:
	case PVVX_ATC_ENC_LEN:
		return decode_encrypted(&rd, len, addr, key, out);
	default:
		return -EBADMSG;
	}
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

int pvvx_encode(enum pvvx_variant variant, const struct pvvx_frame *f, const uint8_t addr[6],
		const struct aes_key *key, uint8_t *out, size_t size)
{
	uint8_t nonce[PVVX_NONCE_LEN], aad = PVVX_AAD, pt[6];
	size_t len, pt_len;
	int t, h;

	switch (variant) {
	case PVVX_VARIANT_CUSTOM:
		if (size < PVVX_LEN)
			return -ENOSPC;
		for (int i = 0; i < 6; i++)
			out[i] = f->mac[5 - i];
		put_le16(out + 6, (uint16_t)f->temp_x100);
		put_le16(out + 8, f->hum_x100);
		put_le16(out + 10, f->mv);
		out[12] = f->battery;
		out[13] = f->counter;
		out[14] = f->flags;
		return PVVX_LEN;
	case PVVX_VARIANT_CUSTOM_ENC:
		len = PVVX_ENC_LEN;
		put_le16(pt, (uint16_t)f->temp_x100);
		put_le16(pt + 2, f->hum_x100);
		pt[4] = f->battery;
		pt[5] = f->flags;
		pt_len = 6;
		break;
	case PVVX_VARIANT_ATC_ENC:
		len = PVVX_ATC_ENC_LEN;
		/* 0.5 steps, rounded to nearest: byte = (t + 40 °C) × 2, h × 2 */
		t = (f->temp_x100 + 4000 + 25) / 50;
		h = (f->hum_x100 + 25) / 50;
		if (f->temp_x100 < -4000 || t > 255 || h > 255 || f->battery > 0x7f)
			return -EINVAL;
		pt[0] = (uint8_t)t;
		pt[1] = (uint8_t)h;
		pt[2] = (uint8_t)(f->battery | (f->flags & PVVX_FLAG_TRG_OUT ? 0x80 : 0));
		pt_len = 3;
		break;
	default:
		return -EINVAL;
	}

	if (!aes_key_valid(key) || !addr)
		return -EINVAL;
	if (size < len)
		return -ENOSPC;
	out[0] = f->counter;
	make_nonce(nonce, addr, len, f->counter);
	if (aes_ccm_encrypt(key, nonce, sizeof(nonce), &aad, 1, pt, pt_len, out + 1,
			    out + 1 + pt_len, PVVX_MIC_LEN) < 0)
		return -EINVAL;
	return (int)len;
}
