/* SPDX-License-Identifier: MIT */
/* qingping.c — Qingping/ClearGrass sensors' own format on service data 0xFDCD: a short
 * header and then type-length-value records. Their MiBeacon frames are mibeacon.c's. */
#include <errno.h>

#include "decode/qingping.h"
#include "util/rd.h"
#include "decode/registry.h"

/* TLV ids (ble_monitor ble_parser/qingping.py, Bluetooth-Devices/qingping-ble parser.py) */
#define QP_TLV_TEMP_HUM 0x01    /* s16 0.1 °C, u16 0.1 % */
#define QP_TLV_BATTERY 0x02     /* u8 %, 0xFF = mains powered */
#define QP_TLV_DOOR 0x04        /* u8: 0 open, 1 closed, 2 left open */
#define QP_TLV_PRESSURE 0x07    /* u16 0.1 hPa */
#define QP_TLV_MOTION_LUX 0x08  /* u8 motion, u24 lx */
#define QP_TLV_LUX 0x09         /* u32 lx */
#define QP_TLV_PACKET_ID 0x0F   /* u8 */
#define QP_TLV_LIGHT 0x11       /* u8 light detected */
#define QP_TLV_PM 0x12          /* u16 PM2.5, u16 PM10, µg/m³ */
#define QP_TLV_CO2 0x13         /* u16 ppm */

#define QP_BATTERY_MAINS 0xFF
#define QP_DOOR_CLOSED 1
#define QP_DOOR_LEFT_OPEN 2

/* Device-id byte → model (qingping-ble DEVICE_TYPES, ble_monitor qingping.py). */
static const struct {
	uint8_t id;
	uint16_t pid;
	const char *type;
} devices[] = {
	{ 0x01, PID_CGG1, "CGG1" },
	{ 0x04, PID_QP_CGH1, "CGH1" },
	{ 0x07, PID_CGG1, "CGG1" },
	{ 0x09, PID_QP_CGP1W, "CGP1W" },
	{ 0x0C, PID_CGD1, "CGD1" },
	{ 0x0E, PID_QP_CGDN1, "CGDN1" },
	{ 0x0F, PID_QP_CGM1, "CGM1" },
	{ 0x12, PID_QP_CGPR1, "CGPR1" },
	{ 0x15, PID_QP_CGF1W, "CGF1W" },
	{ 0x16, PID_CGG1, "CGG1" },      /* "Temp RH M", a CGG1 variant */
	{ 0x18, PID_QP_CGP23W, "CGP23W" },
	{ 0x1E, PID_QP_CGC1, "CGC1" },
	{ 0x24, PID_QP_CGDN1, "CGDN1" },
	{ 0x26, PID_QP_CGP23W, "CGP23W" },
	{ 0x33, PID_QP_CGP22C, "CGP22C" },
	{ 0x4F, PID_QP_CGG3, "CGG3" },
	{ 0x52, PID_QP_CGR1PC, "CGR1PC" },
	{ 0x5D, PID_QP_CGP22C, "CGP22C" },
	{ 0x62, PID_QP_CGR1PC, "CGR1PC" },
};

uint16_t qingping_pid(uint8_t device_id)
{
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (devices[i].id == device_id)
			return devices[i].pid;
	return PID_QP_GENERIC;
}

/* The length each known TLV must have; 0 for ids we skip (any length). */
static size_t tlv_len(uint8_t id)
{
	switch (id) {
	case QP_TLV_TEMP_HUM:
	case QP_TLV_MOTION_LUX:
	case QP_TLV_LUX:
	case QP_TLV_PM:
		return 4;
	case QP_TLV_PRESSURE:
	case QP_TLV_CO2:
		return 2;
	case QP_TLV_BATTERY:
	case QP_TLV_DOOR:
	case QP_TLV_PACKET_ID:
	case QP_TLV_LIGHT:
		return 1;
	default:
		return 0;
	}
}

static void decode_tlv(uint8_t id, struct rd *v, struct decoded *out)
{
	uint8_t b;

	switch (id) {
	case QP_TLV_TEMP_HUM:
		decoded_add(out, READING_TEMPERATURE, 0, 1, (int16_t)rd_le16(v) / 10.0);
		decoded_add(out, READING_HUMIDITY, 0, 1, rd_le16(v) / 10.0);
		break;
	case QP_TLV_BATTERY:
		/* qingping-ble: 0xFF means externally powered, reported as full. */
		b = rd_u8(v);
		decoded_add(out, READING_BATTERY, 0, 0, b == QP_BATTERY_MAINS ? 100 : b);
		break;
	case QP_TLV_DOOR:
		b = rd_u8(v);
		if (b > QP_DOOR_LEFT_OPEN)
			break;
		decoded_add(out, READING_DOOR, 0, 0, b != QP_DOOR_CLOSED);
		decoded_add(out, READING_TIMEOUT, 0, 0, b == QP_DOOR_LEFT_OPEN);
		break;
	case QP_TLV_PRESSURE:
		decoded_add(out, READING_PRESSURE, 0, 1, rd_le16(v) / 10.0);
		break;
	case QP_TLV_MOTION_LUX:
		/* CGPR1. qingping-ble drops the illuminance of event frames (frame control
		 * bit 6) as unreliable (its issue #84); ble_monitor and the published vectors
		 * keep it, and we follow the vectors. The lux value is 24-bit: ble_monitor's
		 * "low16 + high8" is a bug that only shows above 65535 lx. */
		decoded_add(out, READING_MOTION, 0, 0, rd_u8(v) != 0);
		decoded_add(out, READING_ILLUMINANCE, 0, 0, rd_le24(v));
		break;
	case QP_TLV_LUX:
		decoded_add(out, READING_ILLUMINANCE, 0, 0, rd_le32(v));
		break;
	case QP_TLV_PACKET_ID:
		out->counter = rd_u8(v);
		out->has_counter = true;
		break;
	case QP_TLV_LIGHT:
		decoded_add(out, READING_LIGHT, 0, 0, rd_u8(v) != 0);
		break;
	case QP_TLV_PM:
		decoded_add(out, READING_PM25, 0, 0, rd_le16(v));
		decoded_add(out, READING_PM10, 0, 0, rd_le16(v));
		break;
	case QP_TLV_CO2:
		decoded_add(out, READING_CO2, 0, 0, rd_le16(v));
		break;
	default:
		/* 0x15 VOC index, 0x18 capability bits, 0x19 noise dB...: no reading type
		 * of ours fits; skipped by their length. */
		break;
	}
}

/*
 * Qingping service data 0xFDCD (ble_monitor ble_parser/qingping.py, qingping-ble
 * parser.py; pvvx/TLB2Z ble_scaning.c):
 *
 *   0    1     2          8
 *   +----+-----+----------+----+-----+--------+----+-----+-------- ...
 *   | fc | dev | MAC      | id | len | value  | id | len | value
 *   |    | id  | LSB-first|    |     | len B  |    |     |
 *   +----+-----+----------+----+-----+--------+----+-----+-------- ...
 *
 * fc: frame control; bit 6 set marks an event frame. Values little-endian.
 */
int qingping_decode(const uint8_t *data, size_t len, struct decoded *out)
{
	struct rd rd = rd_init(data, len);
	uint8_t dev, mac[6];

	out->format = DECODE_FORMAT_QINGPING;
	if (!data)
		return -EBADMSG;
	(void)rd_u8(&rd);
	dev = rd_u8(&rd);
	rd_bytes(&rd, mac, 6);
	if (!rd_ok(&rd))
		return -EBADMSG;

	out->pid = qingping_pid(dev);
	/* CGDN1 puts an address other than its advertiser's here (see the ble_monitor
	 * vectors); ble_monitor uses the advertiser's, and so do we. */
	if (out->pid != PID_QP_CGDN1) {
		for (int i = 0; i < 6; i++)
			out->mac[i] = mac[5 - i];
		out->has_mac = true;
	}

	while (rd_left(&rd) > 0) {
		uint8_t id = rd_u8(&rd);
		uint8_t n = rd_u8(&rd);
		const uint8_t *p = rd_take(&rd, n);
		size_t want = tlv_len(id);
		struct rd v;

		/* A TLV running past the end, or a known one of another length, is a broken
		 * frame (SPEC decision 7), not something to guess around. */
		if (!rd_ok(&rd) || (want && n != want))
			return -EBADMSG;
		v = rd_init(p, n);
		decode_tlv(id, &v, out);
	}
	if (out->n == 0)
		out->flags |= DECODED_F_NO_OBJECTS;
	return out->n;
}
