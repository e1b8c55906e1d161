/* SPDX-License-Identifier: MIT */
/* mibeacon_obj.c — the MiBeacon object table: one object (id, length, data) in, readings
 * out. Sources for the layouts: Xiaomi's public "object definition" page as read by
 * xiaomi-ble (parser.py) and ble_monitor (ble_parser/xiaomi.py), Tasmota's MI32 driver
 * (SPEC §3.2/§3.3) and the published vectors in shared/vectors. The frame (header,
 * decryption) is mibeacon.c's business; nothing here allocates, logs or keeps state. */
#include <math.h>
#include <string.h>

#include "decode/mibeacon.h"
#include "util/rd.h"
#include "decode/registry.h"

/* Temperatures at or above this are dropped (SPEC §3.2: Tasmota ignores 0x1004 ≥ 60 °C, a
 * value stock thermometers send while their sensor is not ready). Kettles (0x1005) and
 * body thermometers are not room sensors and are not limited. */
#define MIB_TEMP_MAX 60.0
/* Relative humidity above 100 % is impossible; SPEC decision 6 uses one limit for every
 * humidity object (Tasmota used < 101 for 0x1006 but < 100 for 0x100D). */
#define MIB_HUM_MAX 100.0
/* xiaomi-ble treats a no-motion time of up to 30 s as "motion" (the Mi Home app does). */
#define MIB_MOTION_NMT_MAX 30

struct obj_ctx {
	struct decoded *out;
	uint16_t pid;
	bool knob;    /* registry says the device is a YLKG07/08 style knob */
	bool buttons; /* the device may send button objects (unknown pid, or MI_FEAT_BTN) */
};

typedef void (*obj_fn)(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id);

static void add(struct obj_ctx *c, unsigned int type, unsigned int index,
		unsigned int decimals, double value)
{
	/* -ENOSPC only drops the reading: a frame holds far fewer than 32 values. */
	(void)decoded_add(c->out, type, index, decimals, value);
}

static float le_float(struct rd *r)
{
	uint32_t u = rd_le32(r);
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static void add_temp(struct obj_ctx *c, unsigned int decimals, double t)
{
	if (isfinite(t) && t < MIB_TEMP_MAX)
		add(c, READING_TEMPERATURE, 0, decimals, t);
}

static void add_hum(struct obj_ctx *c, unsigned int decimals, double h)
{
	if (isfinite(h) && h >= 0 && h <= MIB_HUM_MAX)
		add(c, READING_HUMIDITY, 0, decimals, h);
}

/* 0x100A / 0x4803 / 0x4C03 / 0x5003 / 0x5403: battery %. */
static void add_battery(struct obj_ctx *c, unsigned int pct, bool with_voltage)
{
	/* SPEC decision 5: the stock LYWSD03MMC and MHO-C401 firmware send a battery value
	 * that does not track the cell; Tasmota ignores it, so do we. */
	if (c->pid == PID_LYWSD03 || c->pid == PID_MHOC401) {
		c->out->flags |= DECODED_F_BOGUS_BATTERY;
		return;
	}
	if (pct > 100)
		return;
	add(c, READING_BATTERY, 0, 0, pct);
	if (!with_voltage)
		return;
	/* The frame carries no voltage. xiaomi-ble publishes a nominal one on a straight
	 * line over the cell's range (2.2-3.1 V for a CR2032; 0.8-1.6 V for the one AAA of
	 * the LYWSDCGQ), and Home Assistant setups migrating from it expect the sensor, so
	 * we derive it the same way (pvvx.c does likewise). */
	if (c->pid == PID_MJ_HT_V1)
		add(c, READING_VOLTAGE, 0, 3, 0.8 + 0.8 * pct / 100.0);
	else
		add(c, READING_VOLTAGE, 0, 3, 2.2 + 0.9 * pct / 100.0);
}

/* The no-motion time: NMT plus the motion state xiaomi-ble derives from it. */
static void add_nmt(struct obj_ctx *c, uint32_t s)
{
	add(c, READING_NMT, 0, 0, s);
	add(c, READING_MOTION, 0, 0, s <= MIB_MOTION_NMT_MAX);
}

/* Button<n> with value 1 single, 2 double, 3 long (reading.h). */
static void add_button(struct obj_ctx *c, unsigned int n, unsigned int value)
{
	add(c, READING_BUTTON, n, 0, value);
}

/* 0x0003: motion (MUE4094RT sends only "detected"). */
static void o_motion(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)r, (void)len, (void)id;
	add(c, READING_MOTION, 0, 0, 1);
}

/* 0x0006: fingerprint, key id le32 + match result (0 match, 1 no match, 2 timeout, 3 low
 * quality, 4 too small area, 5 skin too dry, 6 skin too wet). The key id has no reading
 * type and is not published. */
static void o_fingerprint(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	rd_skip(r, 4);
	add(c, READING_FINGERPRINT, 0, 0, rd_u8(r));
}

static void add_timestamp(struct obj_ctx *c, struct rd *r)
{
	uint32_t ts = rd_le32(r);

	if (rd_ok(r))
		add(c, READING_TIMESTAMP, 0, 0, ts);
}

/* 0x0007: lock door state: 0 open, 1 closed, 2 left open (timeout), 3 knocked (closed),
 * 4 pried (open), 5 stuck (closed); optionally a le32 timestamp. */
static void o_lock_door(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	uint8_t s = rd_u8(r);

	(void)id;
	if (s > 5)
		return;
	add(c, READING_DOOR, 0, 0, s == 0 || s == 2 || s == 4);
	if (s == 2)
		add(c, READING_TIMEOUT, 0, 0, 1);
	if (s == 4)
		add(c, READING_TAMPER, 0, 0, 1);
	if (len >= 5)
		add_timestamp(c, r);
}

/* 0x0008: armed away, byte 0 = 0 armed / 1 disarmed; optionally a le32 timestamp. */
static void o_armed(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)id;
	add(c, READING_ARMED, 0, 0, (rd_u8(r) & 1) ^ 1);
	if (len >= 5)
		add_timestamp(c, r);
}

/* 0x000A: body temperature int16 ×0.01 °C; 0 means "no reading". */
static void o_body_temp(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	int16_t t = (int16_t)rd_le16(r);

	(void)len, (void)id;
	if (t)
		add(c, READING_TEMPERATURE, 0, 2, t / 100.0);
}

/* 0x000B: lock event: byte 0 = action (low nibble) | method << 4, key id le32, timestamp
 * le32. LockEvent carries byte 0 whole so the method is not lost; Lock is the resulting
 * state (1 unlocked) for the actions that define one. */
static void o_lock(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	/* state after each action 0..15: 1 unlocked, 0 locked, -1 none */
	static const int8_t state[16] = { 1, 0, 0, 1, 1, 0, 0, 1, 0, -1, -1, -1, -1, -1, -1, 1 };
	uint8_t b = rd_u8(r);

	(void)len, (void)id;
	rd_skip(r, 4);
	add(c, READING_LOCK_EVENT, 0, 0, b);
	if (state[b & 0x0f] >= 0)
		add(c, READING_LOCK, 0, 0, state[b & 0x0f]);
	add_timestamp(c, r);
}

/* 0x000F: motion with illuminance (24-bit). MJYD02YL and RTCGQ02LM send a light flag, not
 * lux (xiaomi-ble: ≥ 100 = light); the MJYD02YL value is still published as Illuminance
 * for Tasmota compatibility (SPEC §3.2), RTCGQ02LM's 0/256 is not lux at all. */
static void o_motion_lux(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	uint32_t v = rd_le24(r);

	(void)len, (void)id;
	add(c, READING_MOTION, 0, 0, 1);
	add(c, READING_NMT, 0, 0, 0);
	if (c->pid == PID_MJYD2S || c->pid == PID_RTCGQ02LM)
		add(c, READING_LIGHT, 0, 0, v >= 100);
	if (c->pid != PID_RTCGQ02LM)
		add(c, READING_ILLUMINANCE, 0, 0, v);
}

/* 0x0010: toothbrush: byte 0 = 0 on / else off; byte 1 = counter while on, score after. */
static void o_toothbrush(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	uint8_t on = rd_u8(r) == 0;

	(void)id;
	add(c, READING_RUNNING, 0, 0, on);
	if (len >= 2)
		add(c, on ? READING_COUNT : READING_SCORE, 0, 0, rd_u8(r));
}

/* 0x1001: button, d0 = num, d1 = value, d2 = type (SPEC §3.3). */
static void o_button(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	uint8_t num = rd_u8(r), value = rd_u8(r), type = rd_u8(r);
	unsigned int press;

	(void)len, (void)id;
	if (type == 4) {
		/* rotary knob (YLKG07/08): num 0 = turned, value = signed steps;
		 * otherwise turned while pressed, num = signed steps */
		if (num == 0)
			add(c, READING_DIMMER, 0, 0, (int8_t)value);
		else
			add(c, READING_DIMMER_P, 0, 0, (int8_t)num);
		return;
	}
	if (c->knob) {
		/* YLKG07/08: type 3 with num 1 = hold for @value; num 0 = @value presses */
		if (num == 1) {
			add(c, READING_HOLD, 0, 0, value);
			return;
		}
		add_button(c, num, value ? value : 1);
		return;
	}
	switch (type) {
	case 0:
	case 5: /* "short press" of the bathroom heater remotes */
		press = 1;
		break;
	case 1:
		/* the K9B wall switches send 1 for long and 2 for double (xiaomi-ble) */
		press = (c->pid == PID_K9B_1BTN || c->pid == PID_K9B_2BTN ||
			 c->pid == PID_K9B_3BTN) ? 3 : 2;
		break;
	case 2:
		press = (c->pid == PID_K9B_1BTN || c->pid == PID_K9B_2BTN ||
			 c->pid == PID_K9B_3BTN) ? 2 : 3;
		break;
	case 6:
		press = 3;
		break;
	default:
		press = type + 1u;
		break;
	}
	add_button(c, num, press);
}

/* 0x1004: temperature int16 ×0.1 °C */
static void o_temp(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	add_temp(c, 1, (int16_t)rd_le16(r) / 10.0);
}

/* 0x1005: kettle: d0 = state (0 idle, 1 heating, 2 cooling, 3 keep warm), d1 = °C */
static void o_kettle(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	uint8_t state = rd_u8(r), t = rd_u8(r);

	(void)len, (void)id;
	add(c, READING_KETTLE, 0, 0, state);
	add(c, READING_TEMPERATURE, 0, 0, t);
}

/* 0x1006: humidity uint16 ×0.1 % */
static void o_hum(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	add_hum(c, 1, rd_le16(r) / 10.0);
}

/* 0x1007: illuminance, 24-bit lux. MJYD02YL/MCCGQ02HL send 100 for light, 0/1 for dark. */
static void o_lux(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	uint32_t v = rd_le24(r);

	(void)len, (void)id;
	add(c, READING_ILLUMINANCE, 0, 0, v);
	if (c->pid == PID_MJYD2S || c->pid == PID_MCCGQ02)
		add(c, READING_LIGHT, 0, 0, v == 100);
}

/* 0x1008: soil moisture % */
static void o_moisture(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	uint8_t v = rd_u8(r);

	(void)len, (void)id;
	if (v <= 100)
		add(c, READING_MOISTURE, 0, 0, v);
}

/* 0x1009: conductivity uint16 µS/cm */
static void o_fertility(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	add(c, READING_FERTILITY, 0, 0, rd_le16(r));
}

/* 0x100A (with the derived voltage), 0x4803, 0x4C03, 0x5003, 0x5403: battery % */
static void o_battery(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len;
	add_battery(c, rd_u8(r), id == MIBEACON_OBJ_BATTERY);
}

/* 0x100D: temperature int16 ×0.1 + humidity uint16 ×0.1 */
static void o_temp_hum(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	int16_t t = (int16_t)rd_le16(r);
	uint16_t h = rd_le16(r);

	(void)len, (void)id;
	add_temp(c, 1, t / 10.0);
	add_hum(c, 1, h / 10.0);
}

/* 0x100E: lock attribute, bit 0 = 1 locked (xiaomi-ble: lock = bit0 ^ 1, 1 unlocked). */
static void o_lock_attr(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	add(c, READING_LOCK, 0, 0, (rd_u8(r) & 1) ^ 1);
}

/* 0x1010: formaldehyde uint16 ×0.01 mg/m³ */
static void o_formaldehyde(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	add(c, READING_FORMALDEHYDE, 0, 2, rd_le16(r) / 100.0);
}

/* 0x1012: switch on/off */
static void o_switch(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	add(c, READING_POWER_ON, 0, 0, rd_u8(r) != 0);
}

/* 0x1013: consumable left, % */
static void o_consumable(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	add(c, READING_CONSUMABLE, 0, 0, rd_u8(r));
}

/* 0x1014 and 0x4806: leak; 0x1015: smoke; 0x1018: light; 0x484E/0x483C: occupancy.
 * Any non-zero byte means "detected". */
static void o_flag(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	unsigned int type;

	(void)len;
	switch (id) {
	case 0x1014:
	case 0x4806:
		type = READING_LEAK;
		break;
	case 0x1015:
		type = READING_SMOKE;
		break;
	case 0x1018:
		type = READING_LIGHT;
		break;
	case 0x4A01:
	case 0x4E01:
		type = READING_BATTERY_LOW;
		break;
	default:
		type = READING_OCCUPANCY;
		break;
	}
	add(c, type, 0, 0, rd_u8(r) != 0);
}

/* 0x1017: no-motion time uint32 s */
static void o_nmt32(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	add_nmt(c, rd_le32(r));
}

/* 0x1019: door/window: 0 open, 1 closed, 2 left open (timeout), 3 device reset.
 * Tasmota stores the byte as-is (SPEC §3.2), which reads 0 as "closed"; the Xiaomi
 * definition and both reference decoders say 0 = open, and so do the vectors. */
static void o_door(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	uint8_t s = rd_u8(r);

	(void)len, (void)id;
	if (s > 2)
		return;
	add(c, READING_DOOR, 0, 0, s != 1);
	if (s == 2)
		add(c, READING_TIMEOUT, 0, 0, 1);
}

/* 0x101B: no-motion timeout, uint32 s since the last motion */
static void o_motion_timeout(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	add(c, READING_NMT, 0, 0, rd_le32(r));
	add(c, READING_MOTION, 0, 0, 0);
}

/* 0x2000: MMC-T201 body thermometer: two raw sensor temperatures (int16 ×0.01) and the
 * battery. The body temperature is xiaomi-ble's fit of the app's values (36.5-37.8 °C). */
static void o_body_temp2(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	int16_t t1 = (int16_t)rd_le16(r), t2 = (int16_t)rd_le16(r);
	uint8_t bat = rd_u8(r);
	double body = 3.71934e-11 * exp(0.69314 * t1 / 100.0) -
		      1.02801e-8 * exp(0.53871 * t2 / 100.0) + 36.413;

	(void)len, (void)id;
	if (isfinite(body))
		add(c, READING_TEMPERATURE, 0, 2, body);
	add_battery(c, bat, false);
}

/* 0x3003: brushing: byte 0 = 0 start / 1 end, le32 time, optional score */
static void o_brushing(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	uint8_t s = rd_u8(r);

	(void)id;
	add(c, READING_RUNNING, 0, 0, s == 0);
	if (len >= 5)
		add_timestamp(c, r);
	if (len >= 6)
		add(c, READING_SCORE, 0, 0, rd_u8(r));
}

/* 0x4801 / 0x4C01: temperature, float °C */
static void o_temp_f(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len;
	add_temp(c, id == 0x4C01 ? 2 : 1, le_float(r));
}

/* 0x4802 / 0x4C02 / 0x6012: humidity, uint8 % */
static void o_hum8(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	add_hum(c, 0, rd_u8(r));
}

/* 0x4808 / 0x4C08: humidity, float % */
static void o_hum_f(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	add_hum(c, 1, le_float(r));
}

/* 0x605D: temperature, int8 °C (PTX with display) */
static void o_temp8(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	add_temp(c, 0, rd_s8(r));
}

/* 0x4804 (state) and 0x4A12 (event): opening, 1 open, 2 closed */
static void o_opening(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	uint8_t s = rd_u8(r);

	(void)len, (void)id;
	if (s == 1 || s == 2)
		add(c, READING_DOOR, 0, 0, s == 1);
}

/* 0x4805: illuminance, float lux */
static void o_lux_f(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	float v = le_float(r);

	(void)len, (void)id;
	if (isfinite(v) && v >= 0)
		add(c, READING_ILLUMINANCE, 0, 1, v);
}

/* 0x4818: no-motion time, uint16 s */
static void o_nmt16(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	add_nmt(c, rd_le16(r));
}

/* 0x483D / 0x483E: (PS1BB) pressure present / not present for uint32 s.
 * 0x4851 / 0x4852: (ES5BB) someone present / nobody for uint8 minutes.
 * Duration = "present", Duration2 = "not present". */
static void o_duration(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	uint32_t s = id >= 0x4851 ? rd_u8(r) * 60u : rd_le32(r);

	(void)len;
	add(c, READING_DURATION, (id == 0x483E || id == 0x4852) ? 2 : 0, 0, s);
}

/* 0x487B: (SJWS02LM) top splash, Leak2 (the bottom probe is 0x4806, Leak) */
static void o_splash(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	add(c, READING_LEAK, 2, 0, rd_u8(r) != 0);
}

/* 0x4A68: (SJWS02LM) water event: 0/1 bottom wet/dry (Leak), 2/3 top wet/dry (Leak2) */
static void o_water_event(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	uint8_t e = rd_u8(r);

	(void)len, (void)id;
	if (e <= 3)
		add(c, READING_LEAK, e >= 2 ? 2 : 0, 0, !(e & 1));
}

/* 0x4A08: motion with illuminance, float lux */
static void o_motion_lux_f(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	float v = le_float(r);

	(void)len, (void)id;
	add(c, READING_MOTION, 0, 0, 1);
	add(c, READING_NMT, 0, 0, 0);
	if (isfinite(v) && v >= 0)
		add(c, READING_ILLUMINANCE, 0, 1, v);
}

/* 0x4A0C/0x4A0D/0x4A0E, 0x4E0C/0x4E0D/0x4E0E, 0x560C/0x560D/0x560E: single, double and
 * long press. Empty data = the only button; otherwise byte 0 numbers the button: 1..4 on
 * the 0x4E/0x56 families, 0 (left) and 1 (right) on the 0x4A family (XMWS01XS). The
 * XMWXKG01YL sends 3 for "both buttons"; the K9BB single button encodes the press in the
 * byte (1 single, 8 long, 15 double). Tasmota used the length byte as the number
 * (SPEC §3.2), which is 0 for the devices we have frames of. */
static void o_press(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	unsigned int press = (id & 0xff) - 0x0c + 1; /* 0x0C/0x0D/0x0E → 1/2/3 */
	unsigned int n = 1;

	if (!c->buttons)
		return;
	if (len >= 1) {
		n = rd_u8(r);
		if ((id >> 8) == 0x4A)
			n += 1;
	}
	if (c->pid == PID_XMWXKG01YL && n == 3) {
		add_button(c, 1, press);
		add_button(c, 2, press);
		return;
	}
	add_button(c, n, press);
}

/* 0x4A0F: device forcibly removed (opening sensors): Tamper + open */
static void o_removed(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	if (rd_u8(r) == 1) {
		add(c, READING_DOOR, 0, 0, 1);
		add(c, READING_TAMPER, 0, 0, 1);
	}
}

/* 0x4A13: button press (MS1BB), 1 = pressed */
static void o_press1(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	if (rd_u8(r) == 1)
		add_button(c, 1, 1);
}

/* 0x4A1A: door left open, 1 = yes */
static void o_left_open(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	if (rd_u8(r) == 1) {
		add(c, READING_DOOR, 0, 0, 1);
		add(c, READING_TIMEOUT, 0, 0, 1);
	}
}

/* 0x4E16: (S200 scale) profile id, weight uint32 ×0.01 kg, time */
static void o_scale_s200(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	uint32_t w;

	(void)len, (void)id;
	rd_skip(r, 1);
	w = rd_le32(r);
	if (w)
		add(c, READING_WEIGHT, 0, 2, w / 100.0);
}

/* 0x6E16: (S400 scale) profile id, then a le32 packing weight ×0.1 kg (bits 0-10), heart
 * rate − 50 (bits 11-17) and impedance ×0.1 Ω (bits 18-31), then a time. Impedance
 * without a weight is the second ("high frequency") measurement: Impedance2. */
static void o_scale_s400(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	uint32_t v, mass, hr, imp;

	(void)len, (void)id;
	rd_skip(r, 1);
	v = rd_le32(r);
	mass = v & 0x7ff;
	hr = (v >> 11) & 0x7f;
	imp = v >> 18;
	if (mass)
		add(c, READING_WEIGHT, 0, 1, mass / 10.0);
	if (hr > 0 && hr < 127)
		add(c, READING_HEART_RATE, 0, 0, hr + 50);
	if (imp)
		add(c, READING_IMPEDANCE, mass ? 0 : 2, 1, imp / 10.0);
}

/* 0x5413: (ES5BB) occupancy at close range: Occupancy2 */
static void o_occupancy_near(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	(void)len, (void)id;
	add(c, READING_OCCUPANCY, 2, 0, rd_u8(r) != 0);
}

/* 0x5A16: (MJZNZ018H bed sensor) 1 in bed, 2 left the bed, 3 button double press */
static void o_bed(struct obj_ctx *c, struct rd *r, size_t len, uint16_t id)
{
	uint8_t e = rd_u8(r);

	(void)len, (void)id;
	if (e == 1 || e == 2)
		add(c, READING_OCCUPANCY, 0, 0, e == 1);
	else if (e == 3)
		add_button(c, 1, 2);
}

struct obj_def {
	uint16_t id;
	uint8_t min, max; /* accepted data lengths; others are skipped as unknown layouts */
	obj_fn fn;
};

/* Sorted by id (checked by the unit tests: mibeacon__obj_known() is a binary search). */
static const struct obj_def objs[] = {
	{ 0x0003, 0, 255, o_motion },
	{ 0x0006, 5, 5, o_fingerprint },
	{ 0x0007, 1, 5, o_lock_door },
	{ 0x0008, 1, 5, o_armed },
	{ 0x000A, 2, 2, o_body_temp },
	{ 0x000B, 9, 9, o_lock },
	{ 0x000F, 3, 3, o_motion_lux },
	{ 0x0010, 1, 2, o_toothbrush },
	{ 0x1001, 3, 3, o_button },
	{ 0x1004, 2, 2, o_temp },
	{ 0x1005, 2, 2, o_kettle },
	{ 0x1006, 2, 2, o_hum },
	{ 0x1007, 3, 3, o_lux },
	{ 0x1008, 1, 1, o_moisture },
	{ 0x1009, 2, 2, o_fertility },
	{ 0x100A, 1, 1, o_battery },
	{ 0x100D, 4, 4, o_temp_hum },
	{ 0x100E, 1, 1, o_lock_attr },
	{ 0x1010, 2, 2, o_formaldehyde },
	{ 0x1012, 1, 1, o_switch },
	{ 0x1013, 1, 1, o_consumable },
	{ 0x1014, 1, 1, o_flag },
	{ 0x1015, 1, 1, o_flag },
	{ 0x1017, 4, 4, o_nmt32 },
	{ 0x1018, 1, 1, o_flag },
	{ 0x1019, 1, 1, o_door },
	{ 0x101B, 4, 4, o_motion_timeout },
	{ 0x2000, 5, 5, o_body_temp2 },
	{ 0x3003, 1, 6, o_brushing },
	{ 0x4801, 4, 4, o_temp_f },
	{ 0x4802, 1, 1, o_hum8 },
	{ 0x4803, 1, 1, o_battery },
	{ 0x4804, 1, 1, o_opening },
	{ 0x4805, 4, 4, o_lux_f },
	{ 0x4806, 1, 1, o_flag },
	{ 0x4808, 4, 4, o_hum_f },
	{ 0x4818, 2, 2, o_nmt16 },
	{ 0x483C, 1, 1, o_flag },
	{ 0x483D, 4, 4, o_duration },
	{ 0x483E, 4, 4, o_duration },
	{ 0x484E, 1, 1, o_flag },
	{ 0x4851, 1, 1, o_duration },
	{ 0x4852, 1, 1, o_duration },
	{ 0x487B, 1, 1, o_splash },
	{ 0x4A01, 1, 1, o_flag },
	{ 0x4A08, 4, 4, o_motion_lux_f },
	{ 0x4A0C, 0, 1, o_press },
	{ 0x4A0D, 0, 1, o_press },
	{ 0x4A0E, 0, 1, o_press },
	{ 0x4A0F, 1, 1, o_removed },
	{ 0x4A12, 1, 1, o_opening },
	{ 0x4A13, 1, 1, o_press1 },
	{ 0x4A1A, 1, 1, o_left_open },
	{ 0x4A68, 1, 1, o_water_event },
	{ 0x4C01, 4, 4, o_temp_f },
	{ 0x4C02, 1, 1, o_hum8 },
	{ 0x4C03, 1, 1, o_battery },
	{ 0x4C08, 4, 4, o_hum_f },
	{ 0x4E01, 1, 1, o_flag },
	{ 0x4E0C, 0, 1, o_press },
	{ 0x4E0D, 0, 1, o_press },
	{ 0x4E0E, 0, 1, o_press },
	{ 0x4E16, 9, 9, o_scale_s200 },
	{ 0x5003, 1, 1, o_battery },
	{ 0x5403, 1, 1, o_battery },
	{ 0x5413, 1, 1, o_occupancy_near },
	{ 0x560C, 0, 1, o_press },
	{ 0x560D, 0, 1, o_press },
	{ 0x560E, 0, 1, o_press },
	{ 0x5A16, 1, 1, o_bed },
	{ 0x6012, 1, 1, o_hum8 },
	{ 0x605D, 1, 1, o_temp8 },
	{ 0x6E16, 9, 9, o_scale_s400 },
};

static const struct obj_def *find(uint16_t id)
{
	size_t lo = 0, hi = sizeof(objs) / sizeof(objs[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (objs[mid].id == id)
			return &objs[mid];
		if (objs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool mibeacon__obj_known(uint16_t id)
{
	return find(id) != NULL;
}

bool mibeacon__obj_table_sorted(void)
{
	for (size_t i = 1; i < sizeof(objs) / sizeof(objs[0]); i++)
		if (objs[i - 1].id >= objs[i].id)
			return false;
	return true;
}

int mibeacon__decode_object(uint16_t pid, uint16_t id, const uint8_t *data, size_t len,
			    struct decoded *out)
{
	const struct obj_def *def = find(id);
	const struct device_info *dev = registry_find(pid);
	struct obj_ctx c = {
		.out = out,
		.pid = pid,
		.knob = dev && (dev->feat & MI_FEAT_KNOB),
		.buttons = !dev || (dev->feat & MI_FEAT_BTN),
	};
	struct rd r = rd_init(data, len);

	if (!def || len < def->min || len > def->max)
		return 0;
	def->fn(&c, &r, len, id);
	/* every handler reads within [min, max]; a short read would be a table bug */
	return rd_ok(&r) ? 1 : -EBADMSG;
}
