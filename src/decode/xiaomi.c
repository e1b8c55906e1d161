/* SPDX-License-Identifier: MIT */
/* xiaomi.c — Xiaomi's sensors that do not speak MiBeacon: the two bathroom scales on the
 * SIG weight / body composition UUIDs and the pink HHCCJCY10 plant sensor on 0xFD50.
 * Plain frames, fixed lengths; layouts and unit handling as xiaomi-ble's parser.py. */
#include <errno.h>

#include "util/rd.h"
#include "decode/registry.h"
#include "decode/xiaomi.h"

/* Mi Scale v1 control byte */
#define SCALE1_LB 0x01
#define SCALE1_CATTY 0x10
#define SCALE1_STABLE 0x20
#define SCALE1_REMOVED 0x80

/* Mi Body Composition Scale, second control byte (the first only has SCALE2_LB) */
#define SCALE2_LB 0x01          /* byte 0 */
#define SCALE2_IMP_STABLE 0x02  /* byte 1 */
#define SCALE2_STABLE 0x20
#define SCALE2_CATTY 0x40
#define SCALE2_REMOVED 0x80

enum mass_unit {
	MASS_KG,    /* kg × 200 */
	MASS_LB,    /* lb × 100 */
	MASS_CATTY, /* catty (jin) × 100 */
};

/* Raw scale units to kg. Pounds win when a frame claims both (as in xiaomi-ble). */
static double mass_kg(uint16_t raw, enum mass_unit unit)
{
	switch (unit) {
	case MASS_LB:
		return raw * 0.0045359237; /* 1 lb = 0.45359237 kg */
	case MASS_CATTY:
		return raw * 0.005;        /* 1 jin = 0.5 kg */
	case MASS_KG:
	default:
		return raw / 200.0;
	}
}

static enum mass_unit unit_of(bool lb, bool catty)
{
	return lb ? MASS_LB : catty ? MASS_CATTY : MASS_KG;
}

/*
 * Mi Smart Scale v1, service data 0x181D, 10 bytes (xiaomi-ble _parse_scale_v1;
 * openScale's MiScale v1 driver):
 *
 *   0       1        3       5    6    7    8    9
 *   +-------+--------+-------+----+----+----+----+----+
 *   | ctrl  | weight | year  | mon| day| h  | min| s  |
 *   |       | u16 LE | u16 LE|    |    |    |    |    |
 *   +-------+--------+-------+----+----+----+----+----+
 *
 * ctrl: bit 0 pounds, bit 4 catty (else kg × 200), bit 5 stable, bit 7 weight removed.
 */
static int decode_scale1(struct rd *rd, struct decoded *out)
{
	uint8_t ctrl = rd_u8(rd);
	uint16_t raw = rd_le16(rd);

	rd_skip(rd, 7); /* the scale's clock: not a reading */
	if (!rd_ok(rd))
		return -EBADMSG;
	if ((ctrl & SCALE1_STABLE) && !(ctrl & SCALE1_REMOVED))
		decoded_add(out, READING_WEIGHT, 0, 2,
			    mass_kg(raw, unit_of(ctrl & SCALE1_LB, ctrl & SCALE1_CATTY)));
	return 0;
}

/*
 * Mi Body Composition Scale, service data 0x181B, 13 bytes (xiaomi-ble _parse_scale_v2):
 *
 *   0     1     2       4    5    6    7    8    9           11
 *   +-----+-----+-------+----+----+----+----+----+-----------+--------+
 *   | c0  | c1  | year  | mon| day| h  | min| s  | impedance | weight |
 *   |     |     | u16 LE|    |    |    |    |    | u16 LE Ω  | u16 LE |
 *   +-----+-----+-------+----+----+----+----+----+-----------+--------+
 *
 * c0 bit 0 pounds; c1 bit 1 impedance stable, bit 5 stable, bit 6 catty, bit 7 removed.
 */
static int decode_scale2(struct rd *rd, struct decoded *out)
{
	uint8_t c0 = rd_u8(rd);
	uint8_t c1 = rd_u8(rd);
	uint16_t imp, raw;

	rd_skip(rd, 7);
	imp = rd_le16(rd);
	raw = rd_le16(rd);
	if (!rd_ok(rd))
		return -EBADMSG;
	if (!(c1 & SCALE2_STABLE) || (c1 & SCALE2_REMOVED))
		return 0;
	decoded_add(out, READING_WEIGHT, 0, 2,
		    mass_kg(raw, unit_of(c0 & SCALE2_LB, c1 & SCALE2_CATTY)));
	if (c1 & SCALE2_IMP_STABLE)
		decoded_add(out, READING_IMPEDANCE, 0, 0, imp);
	return 0;
}

/*
 * HHCCJCY10 (pink plant sensor), service data 0xFD50, 9 bytes, big-endian
 * (xiaomi-ble _parse_hhcc):
 *
 *   0      1        3         6     7
 *   +------+--------+---------+-----+--------+
 *   | moist| temp   | lux     | bat | cond   |
 *   | %    | 0.1 °C | u24 BE  | %   | u16 BE |
 *   +------+--------+---------+-----+--------+
 *
 * xiaomi-ble reads the temperature unsigned; we read it as int16, which is the same for
 * every temperature above 0 °C and gives a sane value below.
 */
static int decode_hhcc(struct rd *rd, struct decoded *out)
{
	uint8_t moist = rd_u8(rd);
	int16_t temp = (int16_t)rd_be16(rd);
	const uint8_t *lux = rd_take(rd, 3);
	uint8_t bat = rd_u8(rd);
	uint16_t cond = rd_be16(rd);

	if (!rd_ok(rd))
		return -EBADMSG;
	decoded_add(out, READING_TEMPERATURE, 0, 1, temp / 10.0);
	decoded_add(out, READING_MOISTURE, 0, 0, moist);
	decoded_add(out, READING_ILLUMINANCE, 0, 0,
		    (uint32_t)lux[0] << 16 | (uint32_t)lux[1] << 8 | lux[2]);
	decoded_add(out, READING_FERTILITY, 0, 0, cond);
	decoded_add(out, READING_BATTERY, 0, 0, bat);
	return 0;
}

int xiaomi_decode(uint16_t uuid, const uint8_t *data, size_t len, struct decoded *out)
{
	struct rd rd = rd_init(data, len);
	size_t want;
	int err;

	out->format = DECODE_FORMAT_XIAOMI;
	switch (uuid) {
	case UUID_WEIGHT_SCALE:
		out->pid = PID_MISCALE;
		want = XIAOMI_SCALE1_LEN;
		break;
	case UUID_BODY_COMP:
		out->pid = PID_MIBCS;
		want = XIAOMI_SCALE2_LEN;
		break;
	case UUID_XIAOMI_FD50:
		out->pid = PID_HHCCJCY10;
		want = XIAOMI_HHCC_LEN;
		break;
	default:
		return -ENOMSG;
	}
	/* SPEC decision 7: exact lengths (xiaomi-ble drops other lengths too). */
	if (!data || len != want)
		return -EBADMSG;

	if (uuid == UUID_WEIGHT_SCALE)
		err = decode_scale1(&rd, out);
	else if (uuid == UUID_BODY_COMP)
		err = decode_scale2(&rd, out);
	else
		err = decode_hhcc(&rd, out);
	if (err < 0)
		return err;
	if (out->n == 0)
		out->flags |= DECODED_F_NO_OBJECTS;
	return out->n;
}
