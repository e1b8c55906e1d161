/* SPDX-License-Identifier: MIT */
/* simulate.c — a fleet of simulated sensors, one of every seed type plus pvvx/BTHome and a
 * generic beacon, made with mi32's own encoders. Output: JSON sample lines for `mi32 decode`
 * (--samples), or a btsnoop capture with a matching mi32cfg holding the keys (--out). Values
 * drift smoothly; motion, door, leak and button events happen at random but reproducibly
 * (fixed seed), so the demo capture is the same on every machine. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/atc.h"
#include "decode/bthome.h"
#include "decode/mibeacon.h"
#include "decode/pvvx.h"
#include "decode/registry.h"
#include "source/capture.h"
#include "store/mi32cfg.h"
#include "util/hex.h"
#include "app/simulate.h"

enum sim_kind {
	SIM_MIBEACON,  /* plain or v5-encrypted MiBeacon */
	SIM_MIBEACON_LEGACY, /* v3 legacy encryption with a 12-byte beaconkey */
	SIM_ATC,
	SIM_PVVX,
	SIM_PVVX_ENC,
	SIM_BTHOME,
	SIM_GENERIC,
};

/* What a device reports; the generator picks per frame. */
#define S_TH 0x01      /* temperature + humidity */
#define S_BAT 0x02
#define S_LUX 0x04
#define S_SOIL 0x08    /* moisture + fertility */
#define S_MOTION 0x10
#define S_DOOR 0x20
#define S_LEAK 0x40
#define S_BUTTON 0x80
#define S_KNOB 0x100

struct sim_dev {
	const char *label;
	enum sim_kind kind;
	uint16_t pid;
	uint8_t version;      /* MiBeacon version */
	uint8_t mac[6];
	uint8_t key_len;      /* 0, 12 (beaconkey) or 16 */
	uint8_t key[16];
	unsigned int what;    /* S_* */
	unsigned int period;  /* seconds between regular frames */
	const char *name;     /* advertised local name, or NULL */
};

/* Keys are fixed so the demo capture and its mi32cfg are reproducible. */
#define K16(a) { a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF }

static const struct sim_dev fleet[] = {
	{ "Flora", SIM_MIBEACON, PID_FLORA, 2, { 0xC4, 0x7C, 0x8D, 0x6A, 0x1B, 0x01 }, 0, { 0 },
	  S_TH | S_LUX | S_SOIL, 20, NULL },
	{ "MJ_HT_V1", SIM_MIBEACON, PID_MJ_HT_V1, 2, { 0x58, 0x2D, 0x34, 0x35, 0x93, 0x02 }, 0, { 0 },
	  S_TH | S_BAT, 10, NULL },
	{ "LYWSD02", SIM_MIBEACON, PID_LYWSD02, 3, { 0xE7, 0x2E, 0x00, 0x11, 0x22, 0x03 }, 0, { 0 },
	  S_TH, 10, NULL },
	{ "LYWSD03", SIM_MIBEACON, PID_LYWSD03, 5, { 0xA4, 0xC1, 0x38, 0xA1, 0xB2, 0x04 }, 16,
	  K16(0x04), S_TH | S_BAT, 10, NULL },
	{ "CGG1", SIM_MIBEACON, PID_CGG1, 3, { 0x58, 0x2D, 0x34, 0x12, 0x20, 0x05 }, 0, { 0 },
	  S_TH | S_BAT, 10, NULL },
	{ "CGD1", SIM_MIBEACON, PID_CGD1, 3, { 0x58, 0x2D, 0x34, 0x52, 0x65, 0x06 }, 0, { 0 },
	  S_TH | S_BAT, 10, NULL },
	{ "NLIGHT", SIM_MIBEACON, PID_NLIGHT, 3, { 0x00, 0x17, 0x88, 0x0A, 0x0B, 0x07 }, 0, { 0 },
	  S_MOTION, 60, NULL },
	{ "MJYD2S", SIM_MIBEACON, PID_MJYD2S, 5, { 0xE4, 0xAA, 0xEC, 0xD4, 0xE5, 0x08 }, 16,
	  K16(0x08), S_MOTION | S_LUX | S_BAT, 30, NULL },
	{ "YLYK01", SIM_MIBEACON, PID_YLYK01, 3, { 0xF8, 0x24, 0x41, 0xAA, 0xBB, 0x09 }, 0, { 0 },
	  S_BUTTON, 45, NULL },
	{ "MHOC401", SIM_MIBEACON, PID_MHOC401, 5, { 0xA4, 0xC1, 0x38, 0x0C, 0x40, 0x10 }, 16,
	  K16(0x10), S_TH | S_BAT, 10, NULL },
	{ "MHOC303", SIM_MIBEACON, PID_MHOC303, 3, { 0xE7, 0x2E, 0x01, 0x03, 0x03, 0x11 }, 0, { 0 },
	  S_TH | S_BAT, 10, NULL },
	{ "ATC", SIM_ATC, PID_ATC, 0, { 0xA4, 0xC1, 0x38, 0x11, 0x22, 0x12 }, 0, { 0 },
	  S_TH | S_BAT, 10, "ATC_112212" },
	{ "MCCGQ02", SIM_MIBEACON, PID_MCCGQ02, 5, { 0xE4, 0xAA, 0xEC, 0x02, 0x0C, 0x13 }, 16,
	  K16(0x13), S_DOOR | S_BAT, 40, NULL },
	{ "SJWS01L", SIM_MIBEACON, PID_SJWS01L, 5, { 0x54, 0xEF, 0x44, 0x01, 0x0E, 0x14 }, 16,
	  K16(0x14), S_LEAK | S_BAT, 50, NULL },
	{ "PVVX", SIM_PVVX, PID_PVVX, 0, { 0xA4, 0xC1, 0x38, 0x8D, 0x18, 0x15 }, 0, { 0 },
	  S_TH | S_BAT, 10, "ATC_8D1815" },
	{ "YLKG08", SIM_MIBEACON_LEGACY, PID_YLKG08, 3, { 0xF8, 0x24, 0x41, 0xC5, 0x98, 0x16 }, 12,
	  { 0xB8, 0x53, 0x07, 0x51, 0x00, 0x43, 0xE1, 0x7F, 0xFF, 0xF4, 0x52, 0xD6 },
	  S_KNOB | S_BUTTON, 45, NULL },
	{ "YLAI003", SIM_MIBEACON, PID_YLAI003, 3, { 0xF8, 0x24, 0x41, 0x07, 0xBF, 0x17 }, 0, { 0 },
	  S_BUTTON, 45, NULL },
	{ "PVVX-enc", SIM_PVVX_ENC, PID_PVVX, 0, { 0xA4, 0xC1, 0x38, 0x8D, 0x18, 0x18 }, 16,
	  K16(0x18), S_TH | S_BAT, 10, "ATC_8D1818" },
	{ "BTHome", SIM_BTHOME, PID_BTHOME, 0, { 0xE8, 0xAA, 0xEC, 0x00, 0x00, 0x19 }, 16,
	  K16(0x19), S_TH | S_BAT | S_BUTTON, 10, "Shelly H&T" },
	{ "Beacon", SIM_GENERIC, PID_GENERIC, 0, { 0x11, 0x22, 0x33, 0x44, 0x55, 0x20 }, 0,
	  { 0 }, 0, 5, "Tag" },
};
#define FLEET_N (sizeof(fleet) / sizeof(fleet[0]))

/* xorshift32: reproducible events without libc's rand() state */
static uint32_t rng(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

struct sim_state {
	uint32_t counter[FLEET_N];
	uint32_t seed;
	int door[FLEET_N];
};

static double wave(double t, double period, double phase)
{
	return sin(2 * M_PI * t / period + phase);
}

static void put_svc(struct adv *a, uint16_t uuid, const uint8_t *sd, size_t n,
		    const char *name)
{
	size_t p = 0;

	a->data[p++] = 2;
	a->data[p++] = 0x01;
	a->data[p++] = 0x06;
	a->data[p++] = (uint8_t)(n + 3);
	a->data[p++] = 0x16;
	a->data[p++] = (uint8_t)uuid;
	a->data[p++] = (uint8_t)(uuid >> 8);
	memcpy(a->data + p, sd, n);
	p += n;
	if (name && p + 2 + strlen(name) <= 31) {
		a->data[p++] = (uint8_t)(strlen(name) + 1);
		a->data[p++] = 0x09;
		memcpy(a->data + p, name, strlen(name));
		p += strlen(name);
	}
	a->len = (uint8_t)p;
}

/* One MiBeacon object for @d at step @k: the kinds of report rotate frame by frame. */
static int mibeacon_object(const struct sim_dev *d, unsigned int k, double t, bool event,
			   struct sim_state *st, size_t i, uint8_t *obj, size_t *olen)
{
	double temp = 21.0 + 3.0 * wave(t, 86400, (double)i);
	double hum = 50.0 + 10.0 * wave(t, 43200, (double)i * 0.7);
	int16_t t10 = (int16_t)lround(temp * 10);
	uint16_t h10 = (uint16_t)lround(hum * 10);
	uint8_t b[8];

	*olen = 0;
	if (event && (d->what & S_MOTION)) {
		uint32_t lux = (uint32_t)(100 + 80 * wave(t, 86400, 0));

		b[0] = (uint8_t)lux;
		b[1] = (uint8_t)(lux >> 8);
		b[2] = (uint8_t)(lux >> 16);
		return mibeacon_put_object(obj, 32, olen, 0x000F, b, 3);
	}
	if (event && (d->what & S_DOOR)) {
		st->door[i] = !st->door[i];
		b[0] = (uint8_t)st->door[i];
		return mibeacon_put_object(obj, 32, olen, 0x1019, b, 1);
	}
	if (event && (d->what & S_LEAK)) {
		b[0] = (uint8_t)(rng(&st->seed) % 4 == 0);
		return mibeacon_put_object(obj, 32, olen, 0x1014, b, 1);
	}
	if (event && (d->what & S_KNOB) && rng(&st->seed) % 2) {
		/* rotate by a few steps either way (type 4 = knob, SPEC §3.3) */
		b[0] = 0;
		b[1] = (uint8_t)(int8_t)((int)(rng(&st->seed) % 7) - 3);
		b[2] = 4;
		return mibeacon_put_object(obj, 32, olen, MIBEACON_OBJ_BUTTON, b, 3);
	}
	if (event && (d->what & S_BUTTON)) {
		b[0] = (uint8_t)(rng(&st->seed) % 6); /* button number */
		b[1] = 0;
		b[2] = (uint8_t)(rng(&st->seed) % 3); /* single, double, long */
		if (d->what & S_KNOB) {
			b[0] = 0;
			b[1] = 1 + (uint8_t)(rng(&st->seed) % 2);
			b[2] = 0;
		}
		return mibeacon_put_object(obj, 32, olen, MIBEACON_OBJ_BUTTON, b, 3);
	}
	switch (k % 4) {
	case 0:
		if (d->what & S_TH) {
			b[0] = (uint8_t)t10;
			b[1] = (uint8_t)((uint16_t)t10 >> 8);
			b[2] = (uint8_t)h10;
			b[3] = (uint8_t)(h10 >> 8);
			if (d->what & S_SOIL) /* Flora has no humidity: temperature alone */
				return mibeacon_put_object(obj, 32, olen,
							   MIBEACON_OBJ_TEMPERATURE, b, 2);
			return mibeacon_put_object(obj, 32, olen, MIBEACON_OBJ_TEMP_HUM, b, 4);
		}
		break;
	case 1:
		if (d->what & S_LUX) {
			uint32_t lux = (uint32_t)(400 + 380 * wave(t, 86400, 1));

			b[0] = (uint8_t)lux;
			b[1] = (uint8_t)(lux >> 8);
			b[2] = (uint8_t)(lux >> 16);
			return mibeacon_put_object(obj, 32, olen, 0x1007, b, 3);
		}
		break;
	case 2:
		if (d->what & S_SOIL) {
			b[0] = (uint8_t)(35 + 5 * wave(t, 86400 * 3, 0));
			return mibeacon_put_object(obj, 32, olen, 0x1008, b, 1);
		}
		if (d->what & S_TH) {
			b[0] = (uint8_t)h10;
			b[1] = (uint8_t)(h10 >> 8);
			return mibeacon_put_object(obj, 32, olen, MIBEACON_OBJ_HUMIDITY, b, 2);
		}
		break;
	case 3:
		if (d->what & S_SOIL) {
			uint16_t fert = (uint16_t)(300 + 50 * wave(t, 86400, 2));

			b[0] = (uint8_t)fert;
			b[1] = (uint8_t)(fert >> 8);
			return mibeacon_put_object(obj, 32, olen, 0x1009, b, 2);
		}
		break;
	}
	if (d->what & S_BAT) {
		b[0] = (uint8_t)(95 - (unsigned int)(t / 86400) % 50);
		return mibeacon_put_object(obj, 32, olen, MIBEACON_OBJ_BATTERY, b, 1);
	}
	if (d->what & S_MOTION) { /* no-motion time since the last event */
		uint32_t nmt = 60 * (1 + k % 10);

		memcpy(b, &nmt, 4); /* little-endian host; the object is LE */
		return mibeacon_put_object(obj, 32, olen, 0x1017, b, 4);
	}
	if (d->what & S_TH) {
		b[0] = (uint8_t)t10;
		b[1] = (uint8_t)((uint16_t)t10 >> 8);
		return mibeacon_put_object(obj, 32, olen, MIBEACON_OBJ_TEMPERATURE, b, 2);
	}
	return -ENODATA; /* a button-only device with nothing to say */
}

/* Build frame number @k of device @i at time @t (seconds since the start). Returns 0, or
 * -ENODATA when the device sends nothing this time. */
static int sim_frame(size_t i, unsigned int k, double t, bool event, struct sim_state *st,
		     struct adv *a)
{
	const struct sim_dev *d = &fleet[i];
	struct aes_key key = { 0 };
	uint8_t sd[64], obj[32], k16[16];
	size_t olen = 0;
	int n = -EINVAL;
	double temp = 21.0 + 3.0 * wave(t, 86400, (double)i);
	double hum = 50.0 + 10.0 * wave(t, 43200, (double)i * 0.7);

	memset(a, 0, offsetof(struct adv, data));
	memcpy(a->addr, d->mac, 6);
	a->addr_type = 0;
	a->rssi = (int8_t)(-55 - (int)(i * 3 % 35) - (int)(rng(&st->seed) % 5));
	if (d->key_len == 16)
		memcpy(k16, d->key, 16);
	else if (d->key_len == 12)
		mibeacon_expand_beaconkey(d->key, k16);
	if (d->key_len && aes_key_set(&key, k16) < 0)
		return -EIO;
	st->counter[i]++;
	switch (d->kind) {
	case SIM_MIBEACON:
	case SIM_MIBEACON_LEGACY: {
		struct mibeacon_frame f = { .version = d->version, .pid = d->pid,
					    .counter = (uint8_t)st->counter[i],
					    .ext_counter = st->counter[i] >> 8, .mac = d->mac };

		n = mibeacon_object(d, k, t, event, st, i, obj, &olen);
		if (n < 0)
			break;
		/* button-only remotes send nothing between presses */
		if (!event && (d->what & (S_BUTTON | S_KNOB)) && !(d->what & S_BAT)) {
			n = -ENODATA;
			break;
		}
		f.objects = obj;
		f.objects_len = olen;
		n = mibeacon_encode(&f, d->key_len ? &key : NULL, d->mac, sd, sizeof(sd));
		if (n > 0)
			put_svc(a, UUID_MIBEACON, sd, (size_t)n, d->name);
		break;
	}
	case SIM_ATC: {
		struct atc_frame f = { .temp_x10 = (int16_t)lround(temp * 10),
				       .humidity = (uint8_t)lround(hum), .battery = 87,
				       .mv = 2950, .counter = (uint8_t)st->counter[i] };

		memcpy(f.mac, d->mac, 6);
		n = atc_encode(&f, sd, sizeof(sd));
		if (n > 0)
			put_svc(a, UUID_ENV_SENSING, sd, (size_t)n, d->name);
		break;
	}
	case SIM_PVVX:
	case SIM_PVVX_ENC: {
		struct pvvx_frame f = { .temp_x100 = (int16_t)lround(temp * 100),
					.hum_x100 = (uint16_t)lround(hum * 100), .mv = 2980,
					.battery = 91, .counter = (uint8_t)st->counter[i] };

		memcpy(f.mac, d->mac, 6);
		n = pvvx_encode(d->kind == SIM_PVVX ? PVVX_VARIANT_CUSTOM : PVVX_VARIANT_CUSTOM_ENC,
				&f, d->mac, d->key_len ? &key : NULL, sd, sizeof(sd));
		if (n > 0)
			put_svc(a, UUID_ENV_SENSING, sd, (size_t)n, d->name);
		break;
	}
	case SIM_BTHOME: {
		struct bthome_obj o[4];
		size_t no = 0;

		o[no++] = (struct bthome_obj){ .id = 0x00, .value = st->counter[i] & 0xFF };
		if (event) {
			o[no++] = (struct bthome_obj){ .id = 0x3A,
						       .value = 1 + rng(&st->seed) % 3 };
		} else {
			o[no++] = (struct bthome_obj){ .id = 0x01, .value = 76 };
			o[no++] = (struct bthome_obj){ .id = 0x02, .value = round(temp * 100) / 100 };
			o[no++] = (struct bthome_obj){ .id = 0x03, .value = round(hum * 100) / 100 };
		}
		n = bthome_encode(o, no, 0, d->mac, &key, st->counter[i], sd, sizeof(sd));
		if (n > 0)
			put_svc(a, UUID_BTHOME_V2, sd, (size_t)n, d->name);
		break;
	}
	case SIM_GENERIC: {
		/* an iBeacon-style tag: manufacturer data only, a name */
		static const uint8_t ad[] = { 0x02, 0x01, 0x06, 0x0A, 0xFF, 0x4C, 0x00, 0x10,
					      0x05, 0x01, 0x18, 0x2B, 0x3C, 0x4D, 0x04, 0x09,
					      'T',  'a',  'g' };

		memcpy(a->data, ad, sizeof(ad));
		a->len = sizeof(ad);
		n = (int)sizeof(ad);
		break;
	}
	}
	aes_key_clear(&key);
	if (n < 0)
		st->counter[i]--;
	return n < 0 ? n : 0;
}

static void key_hex(const struct sim_dev *d, char *out)
{
	if (d->key_len)
		hex_encode(d->key, d->key_len, out, 0);
	else
		out[0] = '\0';
}

static int write_samples(FILE *out)
{
	struct sim_state st = { .seed = 0x5EED };

	for (size_t i = 0; i < FLEET_N; i++) {
		/* a regular frame and an event frame of each device (if it has events) */
		for (unsigned int k = 0; k < 3; k++) {
			struct adv a;
			char hex[2 * ADV_DATA_MAX + 1], key[33], mac[18];
			bool event = k == 2;

			if (event && !(fleet[i].what & (S_MOTION | S_DOOR | S_LEAK | S_BUTTON)))
				continue;
			if (sim_frame(i, k, 3600.0 * k, event, &st, &a) < 0)
				continue;
			hex_encode(a.data, a.len, hex, 0);
			key_hex(&fleet[i], key);
			hex_mac(a.addr, mac);
			fprintf(out,
				"{\"id\":\"mi32:%s#%u\",\"mac\":\"%s\",\"addr_type\":0,\"rssi\":%d,"
				"\"raw_adv\":\"%s\",\"bindkey\":%s%s%s}\n",
				fleet[i].label, k, mac, a.rssi, hex, key[0] ? "\"" : "",
				key[0] ? key : "null", key[0] ? "\"" : "");
		}
	}
	return 0;
}

static int write_mi32cfg(const char *path)
{
	struct mi32cfg *cfg = mi32cfg_new();
	char err[MI32CFG_ERR_LEN];
	int rc = 0;

	if (!cfg)
		return -ENOMEM;
	for (size_t i = 0; i < FLEET_N && rc == 0; i++) {
		const struct sim_dev *d = &fleet[i];
		struct mi32cfg_entry e = { 0 };

		memcpy(e.mac, d->mac, 6);
		e.pid = d->pid;
		if (d->key_len == 16) {
			memcpy(e.key, d->key, 16);
			e.has_key = true;
		} else if (d->key_len == 12) {
			mibeacon_expand_beaconkey(d->key, e.key);
			e.has_key = true;
		}
		rc = mi32cfg_put(cfg, &e) < 0 ? -ENOMEM : 0;
	}
	if (rc == 0 && (rc = mi32cfg_save(path, cfg, err)) < 0)
		fprintf(stderr, "mi32 simulate: %s\n", err);
	mi32cfg_free(cfg);
	return rc;
}

static int write_capture(const char *path, unsigned int duration, uint64_t start_us)
{
	struct capture_writer *w;
	struct sim_state st = { .seed = 0x5EED };
	unsigned int steps[FLEET_N] = { 0 };
	char err[CAPTURE_ERR_LEN];
	unsigned long frames = 0;
	int rc;

	rc = capture_writer_open(&w, path, err);
	if (rc < 0) {
		fprintf(stderr, "mi32 simulate: %s\n", err);
		return rc;
	}
	for (unsigned int s = 0; s < duration && rc == 0; s++) {
		for (size_t i = 0; i < FLEET_N && rc == 0; i++) {
			const struct sim_dev *d = &fleet[i];
			bool regular = (s + (unsigned int)i) % d->period == 0;
			/* events: about one a minute per event device */
			bool event = (d->what & (S_MOTION | S_DOOR | S_LEAK | S_BUTTON)) &&
				     rng(&st.seed) % 60 == 0;
			struct adv a;

			if (!regular && !event)
				continue;
			/* sensors repeat a frame a few times; the receiver must dedupe */
			if (sim_frame(i, steps[i]++, s, event && !regular, &st, &a) < 0)
				continue;
			for (int rep = 0; rep < 2 && rc == 0; rep++) {
				a.time_us = start_us + (uint64_t)s * 1000000u +
					    (uint64_t)i * 20000u + (uint64_t)rep * 100000u;
				rc = capture_write_adv(w, &a);
				frames++;
			}
		}
	}
	if (rc < 0)
		fprintf(stderr, "mi32 simulate: writing %s failed: %s\n", path, strerror(-rc));
	if (capture_writer_close(w) < 0 && rc == 0) {
		fprintf(stderr, "mi32 simulate: closing %s failed\n", path);
		rc = -EIO;
	}
	if (rc == 0)
		fprintf(stderr, "mi32 simulate: %lu frames of %zu devices over %u s in %s\n",
			frames, FLEET_N, duration, path);
	return rc;
}

int simulate_main(int argc, char **argv)
{
	const char *out = NULL, *cfg = NULL;
	unsigned int duration = 600;
	uint64_t start_us = 1735732800ull * 1000000u; /* 2025-01-01 12:00 UTC */
	bool samples = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--samples") == 0) {
			samples = true;
		} else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
			out = argv[++i];
		} else if (strcmp(argv[i], "--mi32cfg") == 0 && i + 1 < argc) {
			cfg = argv[++i];
		} else if (strcmp(argv[i], "--duration") == 0 && i + 1 < argc) {
			duration = (unsigned int)strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--start") == 0 && i + 1 < argc) {
			start_us = strtoull(argv[++i], NULL, 10) * 1000000u;
		} else {
			int help = strcmp(argv[i], "--help") == 0;

			fprintf(help ? stdout : stderr,
				"usage: mi32 simulate --samples\n"
				"       mi32 simulate --out FILE.btsnoop [--mi32cfg FILE] "
				"[--duration SECONDS] [--start EPOCH]\n"
				"A fleet of %zu simulated sensors (every seed type, pvvx, BTHome, a "
				"beacon).\n--samples prints one JSON line per frame for `mi32 "
				"decode`;\n--out writes a btsnoop capture, --mi32cfg the keys for "
				"it.\n",
				FLEET_N);
			return help ? 0 : 2;
		}
	}
	if (samples)
		return write_samples(stdout) < 0;
	if (!out && !cfg) {
		fprintf(stderr, "mi32 simulate: give --samples, --out or --mi32cfg (see --help)\n");
		return 2;
	}
	if (cfg && write_mi32cfg(cfg) < 0)
		return 1;
	if (out && write_capture(out, duration, start_us) < 0)
		return 1;
	return 0;
}
