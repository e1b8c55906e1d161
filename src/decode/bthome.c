/* SPDX-License-Identifier: MIT */
/* bthome.c — BTHome v1 and v2 service data: the object table, AES-CCM decryption, and the
 * encoder the simulator and tests use. Not here: packet-id duplicate suppression (the store
 * does it from out->counter) and names (the local name is the AD walk's business).
 * Sources: https://bthome.io/format/ and Bluetooth-Devices/bthome-ble parser.py/const.py,
 * which the test vectors of shared/vectors/bthome_ble.jsonl come from. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "decode/bthome.h"
#include "util/rd.h"
#include "decode/registry.h"

/* How an object's bytes become a reading. */
enum bthome_kind {
	BTHOME_K_UINT,      /* little-endian unsigned */
	BTHOME_K_SINT,      /* little-endian two's complement */
	BTHOME_K_BINARY,    /* uint8, 0 = off/closed/clear, anything else = on */
	BTHOME_K_PACKET_ID, /* uint8 → out->counter, no reading */
	BTHOME_K_BUTTON,    /* uint8 event code */
	BTHOME_K_DIMMER,    /* uint8 event code, uint8 steps */
	BTHOME_K_SKIP,      /* known size, nothing we can report (text, raw, light level) */
};

/* One row per BTHome object id. value = raw × mul / 10^dec, so dec is the number of
 * decimals the spec's factor implies (0.01 → 2) and unit changes stay exact (0x40 mm → m
 * is mul 1, dec 3; 0x58 is ×0.35). size 0 = a length byte follows the id (0x53, 0x54). */
struct bthome_obj_info {
	uint8_t id;
	uint8_t size;
	uint8_t kind; /* enum bthome_kind */
	uint8_t dec;
	uint8_t mul;
	uint16_t type; /* enum reading_type */
};

#define U(id, size, dec, type) { id, size, BTHOME_K_UINT, dec, 1, type }
#define S(id, size, dec, type) { id, size, BTHOME_K_SINT, dec, 1, type }
#define B(id, type) { id, 1, BTHOME_K_BINARY, 0, 1, type }

/* BTHome v2 object table (bthome.io/format, "Sensor data", "Binary sensor data", "Events",
 * "Device information"), sorted by id. Where mi32 has no exact type the closest one is
 * used: opening and door both become Door, moisture (binary) becomes Leak, mass in lb
 * keeps its unit under Weight (READING_WEIGHT_LB, unit lb), conductivity becomes Fertility (Tasmota's key for it). */
static const struct bthome_obj_info obj_table[] = {
	{ 0x00, 1, BTHOME_K_PACKET_ID, 0, 1, READING_NONE },
	U(0x01, 1, 0, READING_BATTERY),
	S(0x02, 2, 2, READING_TEMPERATURE),
	U(0x03, 2, 2, READING_HUMIDITY),
	U(0x04, 3, 2, READING_PRESSURE),
	U(0x05, 3, 2, READING_ILLUMINANCE),
	U(0x06, 2, 2, READING_WEIGHT),
	U(0x07, 2, 2, READING_WEIGHT_LB),
	S(0x08, 2, 2, READING_DEW_POINT),
	U(0x09, 1, 0, READING_COUNT),
	U(0x0A, 3, 3, READING_ENERGY),
	U(0x0B, 3, 2, READING_POWER),
	U(0x0C, 2, 3, READING_VOLTAGE),
	U(0x0D, 2, 0, READING_PM25),
	U(0x0E, 2, 0, READING_PM10),
	B(0x0F, READING_GENERIC_BOOL),
	B(0x10, READING_POWER_ON),
	B(0x11, READING_DOOR),
	U(0x12, 2, 0, READING_CO2),
	U(0x13, 2, 0, READING_TVOC),
	U(0x14, 2, 2, READING_MOISTURE),
	B(0x15, READING_BATTERY_LOW),
	B(0x16, READING_CHARGING),
	B(0x17, READING_CO),
	B(0x18, READING_COLD),
	B(0x19, READING_CONNECTIVITY),
	B(0x1A, READING_DOOR),
	B(0x1B, READING_GARAGE_DOOR),
	B(0x1C, READING_GAS_DETECTED),
	B(0x1D, READING_HEAT),
	B(0x1E, READING_LIGHT),
	B(0x1F, READING_LOCK),
	B(0x20, READING_LEAK),
	B(0x21, READING_MOTION),
	B(0x22, READING_MOVING),
	B(0x23, READING_OCCUPANCY),
	B(0x24, READING_PLUG),
	B(0x25, READING_PRESENCE),
	B(0x26, READING_PROBLEM),
	B(0x27, READING_RUNNING),
	B(0x28, READING_SAFETY),
	B(0x29, READING_SMOKE),
	B(0x2A, READING_SOUND),
	B(0x2B, READING_TAMPER),
	B(0x2C, READING_VIBRATION),
	B(0x2D, READING_WINDOW),
	U(0x2E, 1, 0, READING_HUMIDITY),
	U(0x2F, 1, 0, READING_MOISTURE),
	{ 0x3A, 1, BTHOME_K_BUTTON, 0, 1, READING_BUTTON },
	{ 0x3C, 2, BTHOME_K_DIMMER, 0, 1, READING_DIMMER },
	U(0x3D, 2, 0, READING_COUNT),
	U(0x3E, 4, 0, READING_COUNT),
	S(0x3F, 2, 1, READING_ROTATION),
	U(0x40, 2, 3, READING_DISTANCE), /* mm, reported in m */
	U(0x41, 2, 1, READING_DISTANCE),
	U(0x42, 3, 3, READING_DURATION),
	U(0x43, 2, 3, READING_CURRENT),
	U(0x44, 2, 2, READING_SPEED),
	S(0x45, 2, 1, READING_TEMPERATURE),
	U(0x46, 1, 1, READING_UV_INDEX),
	U(0x47, 2, 1, READING_VOLUME),
	U(0x48, 2, 3, READING_VOLUME), /* mL, reported in L */
	U(0x49, 2, 3, READING_VOLUME_FLOW),
	U(0x4A, 2, 1, READING_VOLTAGE),
	U(0x4B, 3, 3, READING_GAS),
	U(0x4C, 4, 3, READING_GAS),
	U(0x4D, 4, 3, READING_ENERGY),
	U(0x4E, 4, 3, READING_VOLUME),
	U(0x4F, 4, 3, READING_WATER),
	U(0x50, 4, 0, READING_TIMESTAMP),
	U(0x51, 2, 3, READING_ACCELERATION),
	U(0x52, 2, 3, READING_GYROSCOPE),
	{ 0x53, 0, BTHOME_K_SKIP, 0, 1, READING_NONE }, /* text: no string readings */
	{ 0x54, 0, BTHOME_K_SKIP, 0, 1, READING_NONE }, /* raw bytes */
	U(0x55, 4, 3, READING_VOLUME_STORAGE),
	U(0x56, 2, 0, READING_FERTILITY),
	S(0x57, 1, 0, READING_TEMPERATURE),
	{ 0x58, 1, BTHOME_K_SINT, 2, 35, READING_TEMPERATURE }, /* ×0.35 °C */
	S(0x59, 1, 0, READING_COUNT),
	S(0x5A, 2, 0, READING_COUNT),
	S(0x5B, 4, 0, READING_COUNT),
	S(0x5C, 4, 2, READING_POWER),
	S(0x5D, 2, 3, READING_CURRENT),
	U(0x5E, 2, 2, READING_DIRECTION),
	U(0x5F, 2, 1, READING_PRECIPITATION),
	U(0x60, 1, 0, READING_CHANNEL),
	U(0x61, 2, 0, READING_RPM),
	S(0x62, 4, 6, READING_SPEED),
	S(0x63, 4, 6, READING_ACCELERATION),
	/* light level (0x64): a step number with no mi32 type yet; its size is known, so the
	 * objects after it still decode. */
	{ 0x64, 1, BTHOME_K_SKIP, 0, 1, READING_NONE },
	U(0xF0, 2, 0, READING_DEVICE_TYPE),
	U(0xF1, 4, 0, READING_FIRMWARE), /* bytes build, patch, minor, major */
	U(0xF2, 3, 0, READING_FIRMWARE), /* bytes patch, minor, major */
};

#undef U
#undef S
#undef B

static const struct bthome_obj_info *obj_find(uint8_t id)
{
	size_t lo = 0, hi = sizeof(obj_table) / sizeof(obj_table[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (obj_table[mid].id == id)
			return &obj_table[mid];
		if (obj_table[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int bthome_obj_size(uint8_t id)
{
	const struct bthome_obj_info *oi = obj_find(id);

	return oi ? oi->size : -1;
}

static const double pow10_tab[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6 };

/* BTHome button event codes (bthome.io "Events": 0x00 none … 0x06 long triple press,
 * 0x80 hold press) → mi32 Button values, which follow Tasmota's MiBeacon numbering
 * (1 single, 2 double, 3 long/hold, 4 triple) extended by 5 long double, 6 long triple,
 * 7 release, 8 hold. BTHome's hold_press is a distinct "still held" event, so it gets 8
 * rather than sharing 3 with long_press; BTHome has no release event, so 7 is never
 * produced here. 0 means "no event": no reading. */
static const struct {
	uint8_t code;
	uint8_t value;
} button_map[] = {
	{ 0x01, 1 }, { 0x02, 2 }, { 0x03, 4 }, { 0x04, 3 },
	{ 0x05, 5 }, { 0x06, 6 }, { 0x80, 8 },
};

static unsigned int button_value(uint8_t code)
{
	for (size_t i = 0; i < sizeof(button_map) / sizeof(button_map[0]); i++)
		if (button_map[i].code == code)
			return button_map[i].value;
	return 0;
}

static int button_code(unsigned int value)
{
	if (value == 0)
		return 0;
	for (size_t i = 0; i < sizeof(button_map) / sizeof(button_map[0]); i++)
		if (button_map[i].value == value)
			return button_map[i].code;
	return -1;
}

#define BTHOME_DIMMER_LEFT 0x01
#define BTHOME_DIMMER_RIGHT 0x02

/* Decoding state of one frame: the readings so far and per-type counts, so repeated
 * objects become Temperature2, … and buttons Button1, Button2, … in frame order. */
struct walk {
	struct decoded *out;
	uint8_t seen[READING__MAX];
	unsigned int objects; /* objects recognised, values or not */
	bool full;
};

static void emit(struct walk *w, unsigned int type, unsigned int dec, double value)
{
	unsigned int idx;

	if (type == READING_NONE || type >= READING__MAX)
		return;
	if (w->seen[type] < UINT8_MAX)
		w->seen[type]++;
	idx = w->seen[type];
	if (decoded_add(w->out, type, idx, dec, value) < 0)
		w->full = true;
}

/* Count an index for an event that says "nothing happened", so the next button object
 * is still Button<n> by its position (bthome-ble numbers them the same way). */
static void skip_index(struct walk *w, unsigned int type)
{
	if (w->seen[type] < UINT8_MAX)
		w->seen[type]++;
}

static uint64_t le_uint(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

static int64_t le_sint(const uint8_t *p, size_t n)
{
	uint64_t v = le_uint(p, n);

	if (n < 8 && (v >> (8 * n - 1)) & 1)
		v |= ~(uint64_t)0 << (8 * n);
	return (int64_t)v;
}

/* IEEE 754 binary16, for BTHome v1's float format with 2 bytes. */
static double half_to_double(uint16_t h)
{
	int e = (h >> 10) & 0x1f;
	int m = h & 0x3ff;
	double v;

	if (e == 0)
		v = ldexp(m, -24);
	else if (e == 31)
		v = m ? NAN : INFINITY;
	else
		v = ldexp(m + 1024, e - 25);
	return (h & 0x8000) ? -v : v;
}

static double scale(const struct bthome_obj_info *oi, double raw)
{
	return raw * oi->mul / pow10_tab[oi->dec];
}

/* One object's data bytes, the layout given by the table (v2, and v1 integers). */
static void emit_object(struct walk *w, const struct bthome_obj_info *oi, const uint8_t *p,
			size_t n, bool is_signed)
{
	w->objects++;
	switch ((enum bthome_kind)oi->kind) {
	case BTHOME_K_PACKET_ID:
		/* An encrypted frame's counter is wider and authenticated: it stays. */
		if (!w->out->encrypted) {
			w->out->counter = (uint32_t)le_uint(p, n > 4 ? 4 : n);
			w->out->has_counter = true;
		}
		return;
	case BTHOME_K_BUTTON: {
		unsigned int v = button_value(p[0]);

		if (v)
			emit(w, oi->type, 0, v);
		else
			skip_index(w, oi->type);
		return;
	}
	case BTHOME_K_DIMMER:
		if (n < 2)
			return;
		if (p[0] == BTHOME_DIMMER_LEFT)
			emit(w, oi->type, 0, -(double)p[1]);
		else if (p[0] == BTHOME_DIMMER_RIGHT)
			emit(w, oi->type, 0, p[1]);
		else
			skip_index(w, oi->type);
		return;
	case BTHOME_K_BINARY:
		emit(w, oi->type, 0, p[0] ? 1 : 0);
		return;
	case BTHOME_K_SKIP:
		return;
	case BTHOME_K_UINT:
	case BTHOME_K_SINT:
		break;
	}
	if (n > 8)
		return;
	if (is_signed)
		emit(w, oi->type, oi->dec, scale(oi, (double)le_sint(p, n)));
	else
		emit(w, oi->type, oi->dec, scale(oi, (double)le_uint(p, n)));
}

/*
 * BTHome v2 objects, after the device-information byte (and decryption):
 *
 *   +----+------------------+----+------------------+---
 *   | id | data (size(id))  | id | data             | ...
 *   +----+------------------+----+------------------+---
 *   0x53 text, 0x54 raw:  | id | len | len bytes |
 *
 * The size comes from the id alone, so an unknown id ends the walk: bthome-ble stops there
 * and keeps what it had, and so do we. A truncated last object is dropped the same way
 * (vector test_bthome_invalid_object_payload_data_length). The spec asks for ascending ids
 * but receivers accept any order; so do we.
 */
static int walk_v2(struct walk *w, const uint8_t *p, size_t len)
{
	struct rd rd = rd_init(p, len);
	bool unknown = false, truncated = false;

	while (rd_left(&rd) > 0 && !w->full) {
		const struct bthome_obj_info *oi = obj_find(rd_u8(&rd));
		const uint8_t *d;
		size_t n;

		if (!oi) {
			unknown = true;
			break;
		}
		n = oi->size ? oi->size : rd_u8(&rd);
		d = rd_take(&rd, n);
		if (!rd_ok(&rd)) {
			truncated = true;
			break;
		}
		if (n == 0) /* an empty text or raw object */
			continue;
		emit_object(w, oi, d, n, oi->kind == BTHOME_K_SINT);
	}
	if (w->objects == 0 && unknown)
		return -ENOTSUP;
	if (w->objects == 0 && truncated)
		return -EBADMSG;
	return w->out->n;
}

/*
 * BTHome v1 objects (service data 0x181C, or 0x181E after decryption):
 *
 *   +-------------------------+----+----------------+---
 *   | fmt (bits 5-7) | len (0-4) | id | data (len - 1) | ...
 *   +-------------------------+----+----------------+---
 *   fmt: 0 uint, 1 sint, 2 float, 3 string, 4 raw, 5 timestamp (bthome-ble; a uint).
 *   len counts the id byte.
 *
 * The length is in the frame, so unknown ids are skipped rather than ending the walk.
 * A zero length byte is skipped alone, as bthome-ble does.
 */
enum { V1_UINT, V1_SINT, V1_FLOAT, V1_STRING, V1_RAW, V1_TIMESTAMP };

static int walk_v1(struct walk *w, const uint8_t *p, size_t len)
{
	struct rd rd = rd_init(p, len);
	bool truncated = false;

	while (rd_left(&rd) > 0 && !w->full) {
		uint8_t ctl = rd_u8(&rd);
		unsigned int fmt = ctl >> 5, l = ctl & 0x1f;
		const struct bthome_obj_info *oi;
		const uint8_t *d;
		uint8_t id;

		if (l == 0)
			continue;
		id = rd_u8(&rd);
		d = rd_take(&rd, l - 1);
		if (!rd_ok(&rd)) {
			truncated = true;
			break;
		}
		oi = obj_find(id);
		if (!oi || l == 1)
			continue;
		switch (fmt) {
		case V1_UINT:
		case V1_SINT:
		case V1_TIMESTAMP:
			emit_object(w, oi, d, l - 1, fmt == V1_SINT);
			break;
		case V1_FLOAT: {
			double v;

			if (oi->kind != BTHOME_K_UINT && oi->kind != BTHOME_K_SINT)
				break;
			if (l - 1 == 2) {
				v = half_to_double((uint16_t)le_uint(d, 2));
			} else if (l - 1 == 4) {
				uint32_t u = (uint32_t)le_uint(d, 4);
				float f;

				memcpy(&f, &u, sizeof(f));
				v = f;
			} else if (l - 1 == 8) {
				uint64_t u = le_uint(d, 8);

				memcpy(&v, &u, sizeof(v));
			} else {
				break;
			}
			w->objects++;
			if (isfinite(v))
				emit(w, oi->type, oi->dec, scale(oi, v));
			break;
		}
		default: /* string, raw, reserved formats: no reading types for them */
			w->objects++;
			break;
		}
	}
	if (w->objects == 0 && truncated)
		return -EBADMSG;
	return w->out->n;
}

/* Decrypt @ct‖counter‖MIC (the tail of both encrypted layouts) into @plain. */
static int decrypt(const struct aes_key *key, const uint8_t *nonce, size_t nonce_len,
		   const uint8_t *aad, size_t aad_len, struct rd *rd, uint8_t *plain,
		   size_t *plain_len, struct decoded *out)
{
	size_t left = rd_left(rd);
	const uint8_t *ct, *ctr, *mic;
	uint8_t nc[13];

	/* At least one byte of objects: nothing shorter is worth a key check. */
	if (left < BTHOME_COUNTER_LEN + BTHOME_MIC_LEN + 1 || left > 255)
		return -EBADMSG;
	*plain_len = left - BTHOME_COUNTER_LEN - BTHOME_MIC_LEN;
	ct = rd_take(rd, *plain_len);
	ctr = rd_take(rd, BTHOME_COUNTER_LEN);
	mic = rd_take(rd, BTHOME_MIC_LEN);
	if (!rd_ok(rd))
		return -EBADMSG;
	out->counter = (uint32_t)le_uint(ctr, BTHOME_COUNTER_LEN);
	out->has_counter = true;
	if (!aes_key_valid(key))
		return -ENOKEY;
	memcpy(nc, nonce, nonce_len - BTHOME_COUNTER_LEN);
	memcpy(nc + nonce_len - BTHOME_COUNTER_LEN, ctr, BTHOME_COUNTER_LEN);
	if (aes_ccm_decrypt(key, nc, nonce_len, aad, aad_len, ct, *plain_len, mic,
			    BTHOME_MIC_LEN, plain) < 0)
		return -EKEYREJECTED;
	return 0;
}

/*
 * BTHome v2, service data 0xFCD2 (bthome.io/format; bthome-ble parser.py):
 *
 *   +------+-------------------+---------------------------------------------+
 *   | info | MAC, LSB first    | objects                                     |  plain
 *   +------+-------------------+---------------------------------------------+
 *   | info | (if info bit 1)   | ciphertext | counter LE32 | MIC (4)         |  bit 0 set
 *   +------+-------------------+---------------------------------------------+
 *   info: bit 0 encrypted, bit 1 MAC included, bit 2 trigger based, bits 5-7 version (2)
 *
 *   CCM nonce (13) = MAC (display order) ‖ D2 FC ‖ info ‖ counter;  no AAD;  tag 4.
 * The nonce MAC is the one in the frame when present, else the advertiser's address.
 */
static int decode_v2(struct walk *w, const uint8_t *data, size_t len, const uint8_t addr[6],
		     const struct aes_key *key)
{
	struct decoded *out = w->out;
	struct rd rd = rd_init(data, len);
	uint8_t info, plain[255], nonce[13];
	size_t plain_len;
	int err;

	info = rd_u8(&rd);
	if (!rd_ok(&rd))
		return -EBADMSG;
	if (info >> BTHOME_INFO_VERSION_SHIFT != 2)
		return -ENOTSUP;
	out->version = 2;
	memcpy(out->mac, addr, 6);
	if (info & BTHOME_INFO_MAC) {
		const uint8_t *m = rd_take(&rd, 6);

		if (!m)
			return -EBADMSG;
		for (int i = 0; i < 6; i++)
			out->mac[i] = m[5 - i];
		out->has_mac = true;
	}
	if (!(info & BTHOME_INFO_ENCRYPTED)) {
		if (aes_key_valid(key)) {
			out->flags |= DECODED_F_NO_OBJECTS;
			return 0;
		}
		size_t n = rd_left(&rd);

		return walk_v2(w, rd_take(&rd, n), n);
	}
	out->encrypted = true;
	memcpy(nonce, out->mac, 6);
	nonce[6] = UUID_BTHOME_V2 & 0xff;
	nonce[7] = UUID_BTHOME_V2 >> 8;
	nonce[8] = info;
	err = decrypt(key, nonce, sizeof(nonce), NULL, 0, &rd, plain, &plain_len, out);
	if (err)
		return err;
	return walk_v2(w, plain, plain_len);
}

/*
 * BTHome v1 (bthome.io/legacy; bthome-ble bthome_v1_encryption.py):
 *   0x181C: objects
 *   0x181E: ciphertext | counter LE32 | MIC (4)
 *   CCM nonce (12) = MAC (display order) ‖ 1E 18 ‖ counter;  AAD = one byte 0x11;  tag 4.
 * The AAD byte is what bthome-ble's v1 code authenticates; without it no v1 vector checks.
 */
static int decode_v1(struct walk *w, uint16_t uuid, const uint8_t *data, size_t len,
		     const uint8_t addr[6], const struct aes_key *key)
{
	static const uint8_t aad = 0x11;
	struct decoded *out = w->out;
	struct rd rd = rd_init(data, len);
	uint8_t plain[255], nonce[12];
	size_t plain_len;
	int err;

	out->version = 1;
	if (uuid == UUID_BTHOME_V1) {
		if (aes_key_valid(key)) {
			out->flags |= DECODED_F_NO_OBJECTS;
			return 0;
		}
		return walk_v1(w, data, len);
	}
	out->encrypted = true;
	memcpy(nonce, addr, 6);
	nonce[6] = UUID_BTHOME_V1_ENC & 0xff;
	nonce[7] = UUID_BTHOME_V1_ENC >> 8;
	err = decrypt(key, nonce, sizeof(nonce), &aad, 1, &rd, plain, &plain_len, out);
	if (err)
		return err;
	return walk_v1(w, plain, plain_len);
}

int bthome_decode(uint16_t uuid, const uint8_t *data, size_t len, const uint8_t addr[6],
		  const struct aes_key *key, struct decoded *out)
{
	struct walk w;
	int r;

	memset(&w, 0, sizeof(w));
	w.out = out;
	out->format = DECODE_FORMAT_BTHOME;
	out->pid = PID_BTHOME;
	switch (uuid) {
	case UUID_BTHOME_V2:
		r = decode_v2(&w, data, len, addr, key);
		break;
	case UUID_BTHOME_V1:
	case UUID_BTHOME_V1_ENC:
		r = decode_v1(&w, uuid, data, len, addr, key);
		break;
	default:
		return -ENOTSUP;
	}
	if (r == 0)
		out->flags |= DECODED_F_NO_OBJECTS;
	return r;
}

/* ---- encoder ---------------------------------------------------------------------- */

/* Put one object's data bytes for @o at @p (room checked by the caller); returns the
 * number of bytes or -ERANGE. */
static int encode_value(const struct bthome_obj_info *oi, const struct bthome_obj *o,
			uint8_t *p)
{
	int64_t raw;
	size_t n = oi->size;

	switch ((enum bthome_kind)oi->kind) {
	case BTHOME_K_BUTTON: {
		int c = o->value >= 0 && o->value <= 255 ? button_code((unsigned int)o->value) : -1;

		if (c < 0)
			return -ERANGE;
		p[0] = (uint8_t)c;
		return 1;
	}
	case BTHOME_K_DIMMER:
		if (fabs(o->value) > 255)
			return -ERANGE;
		p[0] = o->value < 0 ? BTHOME_DIMMER_LEFT : o->value > 0 ? BTHOME_DIMMER_RIGHT : 0;
		p[1] = (uint8_t)fabs(o->value);
		return 2;
	case BTHOME_K_BINARY:
		p[0] = o->value != 0;
		return 1;
	case BTHOME_K_SKIP:
		if (oi->size == 0) {
			if (o->data_len && !o->data)
				return -EINVAL;
			if (o->data_len)
				memcpy(p, o->data, o->data_len);
			return o->data_len;
		}
		break; /* fixed size (light level): skipped on decode, encoded as an integer */
	case BTHOME_K_PACKET_ID:
	case BTHOME_K_UINT:
	case BTHOME_K_SINT:
		break;
	}
	if (!isfinite(o->value))
		return -ERANGE;
	raw = llround(o->value * pow10_tab[oi->dec] / oi->mul);
	if (oi->kind == BTHOME_K_SINT) {
		int64_t lim = (int64_t)1 << (8 * n - 1);

		if (raw < -lim || raw >= lim)
			return -ERANGE;
	} else if (raw < 0 || (uint64_t)raw >= (uint64_t)1 << (8 * n)) {
		return -ERANGE;
	}
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)((uint64_t)raw >> (8 * i));
	return (int)n;
}

/* Objects in v2 (id, data) or v1 (ctl, id, data) layout into @p; returns the length. */
static int encode_objects(const struct bthome_obj *obj, size_t n, bool v1, uint8_t *p,
			  size_t size)
{
	size_t pos = 0;

	for (size_t i = 0; i < n; i++) {
		const struct bthome_obj_info *oi = obj_find(obj[i].id);
		size_t hdr, need;
		int l;

		if (!oi)
			return -EINVAL;
		hdr = v1 || oi->size == 0 ? 2 : 1;
		need = hdr + (oi->size ? oi->size : obj[i].data_len);
		if (size - pos < need)
			return -ENOSPC;
		l = encode_value(oi, &obj[i], p + pos + hdr);
		if (l < 0)
			return l;
		if (v1) {
			unsigned int fmt = oi->kind == BTHOME_K_SINT ? V1_SINT : V1_UINT;

			if (oi->id == BTHOME_OBJ_TEXT)
				fmt = V1_STRING;
			else if (oi->id == BTHOME_OBJ_RAW)
				fmt = V1_RAW;
			if (l + 1 > 0x1f)
				return -ERANGE;
			p[pos] = (uint8_t)(fmt << 5 | (unsigned int)(l + 1));
			p[pos + 1] = oi->id;
		} else {
			p[pos] = oi->id;
			if (oi->size == 0)
				p[pos + 1] = (uint8_t)l;
		}
		pos += hdr + (size_t)l;
	}
	return (int)pos;
}

int bthome_encode(const struct bthome_obj *obj, size_t n, unsigned int flags,
		  const uint8_t mac[6], const struct aes_key *key, uint32_t counter,
		  uint8_t *out, size_t size)
{
	bool v1 = flags & BTHOME_ENC_V1, enc = aes_key_valid(key);
	uint8_t plain[255], nonce[13], info = 2 << BTHOME_INFO_VERSION_SHIFT;
	size_t pos = 0, nonce_len;
	int l;

	if ((!obj && n) || !out || ((enc || (flags & BTHOME_ENC_MAC)) && !mac))
		return -EINVAL;
	if (v1 && (flags & (BTHOME_ENC_MAC | BTHOME_ENC_TRIGGER)))
		return -EINVAL;
	if (!v1) {
		if (enc)
			info |= BTHOME_INFO_ENCRYPTED;
		if (flags & BTHOME_ENC_MAC)
			info |= BTHOME_INFO_MAC;
		if (flags & BTHOME_ENC_TRIGGER)
			info |= BTHOME_INFO_TRIGGER;
		if (size < 1 + (flags & BTHOME_ENC_MAC ? 6u : 0u))
			return -ENOSPC;
		out[pos++] = info;
		if (flags & BTHOME_ENC_MAC)
			for (int i = 0; i < 6; i++)
				out[pos++] = mac[5 - i];
	}
	if (!enc) {
		l = encode_objects(obj, n, v1, out + pos, size - pos);
		return l < 0 ? l : (int)pos + l;
	}
	l = encode_objects(obj, n, v1, plain, sizeof(plain));
	if (l < 0)
		return l;
	if (l == 0) /* the decoder wants at least one byte of objects to check a key on */
		return -EINVAL;
	if (size - pos < (size_t)l + BTHOME_COUNTER_LEN + BTHOME_MIC_LEN)
		return -ENOSPC;
	memcpy(nonce, mac, 6);
	if (v1) {
		nonce[6] = UUID_BTHOME_V1_ENC & 0xff;
		nonce[7] = UUID_BTHOME_V1_ENC >> 8;
		nonce_len = 12;
	} else {
		nonce[6] = UUID_BTHOME_V2 & 0xff;
		nonce[7] = UUID_BTHOME_V2 >> 8;
		nonce[8] = info;
		nonce_len = 13;
	}
	for (size_t i = 0; i < BTHOME_COUNTER_LEN; i++)
		nonce[nonce_len - BTHOME_COUNTER_LEN + i] = (uint8_t)(counter >> (8 * i));
	{
		static const uint8_t aad = 0x11;
		uint8_t *ct = out + pos, *ctr = ct + l, *mic = ctr + BTHOME_COUNTER_LEN;

		if (aes_ccm_encrypt(key, nonce, nonce_len, v1 ? &aad : NULL, v1 ? 1 : 0, plain,
				    (size_t)l, ct, mic, BTHOME_MIC_LEN) < 0)
			return -ENOSPC;
		memcpy(ctr, nonce + nonce_len - BTHOME_COUNTER_LEN, BTHOME_COUNTER_LEN);
	}
	return (int)pos + l + BTHOME_COUNTER_LEN + BTHOME_MIC_LEN;
}
