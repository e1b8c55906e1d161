/* SPDX-License-Identifier: MIT */
/* test_pvvx.c — pvvx's custom format (plain) and both encrypted formats: every field, the
 * flags byte, negative temperatures, exact lengths (SPEC decision 7), truncation, missing
 * and wrong keys, a flipped MIC/nonce/ciphertext byte, encoder round trips. The published
 * pvvx frames (plain and encrypted) run through test_vectors.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decode/decode.h"
#include "decode/pvvx.h"
#include "decode/registry.h"
#include "util/hex.h"
#include "../util/decoded_assert.h"

static const uint8_t addr[6] = { 0xA4, 0xC1, 0x38, 0x01, 0x02, 0x03 };
static const uint8_t key_raw[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				     0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };

static int setup_key(void **state)
{
	static struct aes_key k;

	memset(&k, 0, sizeof(k));
	if (aes_key_set(&k, key_raw) < 0)
		return -1;
	*state = &k;
	return 0;
}

static int teardown_key(void **state)
{
	aes_key_clear(*state);
	return 0;
}

/* Hand-built: MAC 11:22:33:44:55:66 (sent LSB-first), -12.34 °C, 56.78 %, 2.999 V, 88 %,
 * counter 7, flags 0x01 (reed switch open). */
static const char frame_hex[] = "6655443322112efb2e16b70b580701";

static void pvvx_custom_fields(void **state)
{
	static const uint8_t mac[6] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
	uint8_t b[PVVX_LEN];
	struct decoded d;

	(void)state;
	assert_int_equal(hex_decode(frame_hex, b, sizeof(b)), PVVX_LEN);
	decoded_reset(&d);
	assert_int_equal(pvvx_decode(b, sizeof(b), addr, NULL, &d), 5);
	assert_int_equal(d.format, DECODE_FORMAT_PVVX);
	assert_int_equal(d.pid, PID_PVVX);
	assert_false(d.encrypted);
	assert_true(d.has_mac);
	assert_memory_equal(d.mac, mac, 6);
	assert_true(d.has_counter);
	assert_int_equal(d.counter, 7);
	assert_near(value_of(&d, READING_TEMPERATURE), -12.34, 1e-9);
	assert_int_equal(decoded_find(&d, READING_TEMPERATURE)->decimals, 2);
	assert_near(value_of(&d, READING_HUMIDITY), 56.78, 1e-9);
	assert_near(value_of(&d, READING_VOLTAGE), 2.999, 1e-9);
	assert_near(value_of(&d, READING_BATTERY), 88, 0);
	assert_near(value_of(&d, READING_DOOR), 1, 0);
}

/* Door is bit 0 of the flags byte and nothing else (ble_monitor's "opening"). */
static void pvvx_flags(void **state)
{
	struct pvvx_frame f = { { 1, 2, 3, 4, 5, 6 }, 0, 0, 3000, 50, 0, 0 };
	uint8_t b[PVVX_LEN];
	struct decoded d;

	(void)state;
	for (unsigned int flags = 0; flags < 256; flags++) {
		f.flags = (uint8_t)flags;
		assert_int_equal(pvvx_encode(PVVX_VARIANT_CUSTOM, &f, NULL, NULL, b, sizeof(b)),
				 PVVX_LEN);
		assert_int_equal(b[14], flags);
		decoded_reset(&d);
		assert_int_equal(pvvx_decode(b, sizeof(b), addr, NULL, &d), 5);
		assert_near(value_of(&d, READING_DOOR), flags & PVVX_FLAG_REED, 0);
	}
}

static void pvvx_custom_extremes(void **state)
{
	static const struct {
		int16_t t;
		uint16_t h;
	} rows[] = { { -32768, 0 }, { 32767, 65535 }, { -1, 1 }, { -4000, 10000 }, { 255, 256 } };
	struct pvvx_frame f = { { 9, 8, 7, 6, 5, 4 }, 0, 0, 65535, 255, 255, 0 };
	uint8_t b[PVVX_LEN];
	struct decoded d;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		f.temp_x100 = rows[i].t;
		f.hum_x100 = rows[i].h;
		assert_int_equal(pvvx_encode(PVVX_VARIANT_CUSTOM, &f, NULL, NULL, b, sizeof(b)),
				 PVVX_LEN);
		decoded_reset(&d);
		assert_int_equal(pvvx_decode(b, sizeof(b), addr, NULL, &d), 5);
		assert_memory_equal(d.mac, f.mac, 6);
		assert_near(value_of(&d, READING_TEMPERATURE), rows[i].t / 100.0, 1e-9);
		assert_near(value_of(&d, READING_HUMIDITY), rows[i].h / 100.0, 1e-9);
		assert_near(value_of(&d, READING_VOLTAGE), 65.535, 1e-9);
		assert_near(value_of(&d, READING_BATTERY), 255, 0);
		assert_int_equal(d.counter, 255);
	}
}

/* The encoder's nonce against one built here by hand from the README's description:
 * MAC LSB-first, then the AD element's first bytes (length, 0x16, 0x1A 0x18, counter). */
static void pvvx_encrypted_nonce(void **state)
{
	struct pvvx_frame f = { { 0 }, -567, 4321, 0, 61, 0x42, 0x01 };
	uint8_t nonce[11], pt[6], ct[6], tag[4], b[PVVX_ENC_LEN], aad = 0x11;

	for (int i = 0; i < 6; i++)
		nonce[i] = addr[5 - i];
	nonce[6] = PVVX_ENC_LEN + 3;
	nonce[7] = 0x16;
	nonce[8] = 0x1a;
	nonce[9] = 0x18;
	nonce[10] = 0x42;
	pt[0] = (uint8_t)(-567 & 0xff);
	pt[1] = (uint8_t)((uint16_t)-567 >> 8);
	pt[2] = 4321 & 0xff;
	pt[3] = 4321 >> 8;
	pt[4] = 61;
	pt[5] = 0x01;
	assert_int_equal(aes_ccm_encrypt(*state, nonce, 11, &aad, 1, pt, 6, ct, tag, 4), 0);
	assert_int_equal(pvvx_encode(PVVX_VARIANT_CUSTOM_ENC, &f, addr, *state, b, sizeof(b)),
			 PVVX_ENC_LEN);
	assert_int_equal(b[0], 0x42);
	assert_memory_equal(b + 1, ct, 6);
	assert_memory_equal(b + 7, tag, 4);
}

static void pvvx_encrypted_custom(void **state)
{
	struct pvvx_frame f = { { 0 }, -567, 4321, 0, 61, 0x42, 0x01 };
	uint8_t b[PVVX_ENC_LEN];
	struct decoded d;

	assert_int_equal(pvvx_encode(PVVX_VARIANT_CUSTOM_ENC, &f, addr, *state, b, sizeof(b)),
			 PVVX_ENC_LEN);
	decoded_reset(&d);
	assert_int_equal(pvvx_decode(b, sizeof(b), addr, *state, &d), 5);
	assert_int_equal(d.format, DECODE_FORMAT_PVVX);
	assert_int_equal(d.pid, PID_PVVX);
	assert_true(d.encrypted);
	assert_false(d.has_mac);
	assert_int_equal(d.counter, 0x42);
	assert_near(value_of(&d, READING_TEMPERATURE), -5.67, 1e-9);
	assert_near(value_of(&d, READING_HUMIDITY), 43.21, 1e-9);
	assert_near(value_of(&d, READING_BATTERY), 61, 0);
	/* no voltage in the frame: ble_monitor's estimate 2.2 + 0.9 × 61 % */
	assert_near(value_of(&d, READING_VOLTAGE), 2.749, 1e-9);
	assert_near(value_of(&d, READING_DOOR), 1, 0);

	/* battery above 100 % does not push the estimate above 3.1 V */
	f.battery = 200;
	f.flags = 0;
	assert_int_equal(pvvx_encode(PVVX_VARIANT_CUSTOM_ENC, &f, addr, *state, b, sizeof(b)),
			 PVVX_ENC_LEN);
	decoded_reset(&d);
	assert_int_equal(pvvx_decode(b, sizeof(b), addr, *state, &d), 5);
	assert_near(value_of(&d, READING_BATTERY), 200, 0);
	assert_near(value_of(&d, READING_VOLTAGE), 3.1, 1e-9);
	assert_near(value_of(&d, READING_DOOR), 0, 0);
}

static void pvvx_encrypted_atc(void **state)
{
	struct pvvx_frame f = { { 0 }, 0, 0, 0, 0, 0, 0 };
	uint8_t b[PVVX_ATC_ENC_LEN];
	struct decoded d;

	/* the whole range of the 0.5 °C byte: -40 .. 87.5 °C */
	for (int t = -4000; t <= 8750; t += 50) {
		f.temp_x100 = (int16_t)t;
		f.hum_x100 = (uint16_t)((t + 4000) % 10050);
		f.battery = (uint8_t)((t / 50) & 0x7f);
		f.counter = (uint8_t)t;
		f.flags = (uint8_t)(t & PVVX_FLAG_TRG_OUT);
		assert_int_equal(pvvx_encode(PVVX_VARIANT_ATC_ENC, &f, addr, *state, b,
					     sizeof(b)),
				 PVVX_ATC_ENC_LEN);
		decoded_reset(&d);
		assert_int_equal(pvvx_decode(b, sizeof(b), addr, *state, &d), 4);
		assert_true(d.encrypted);
		assert_int_equal(d.counter, f.counter);
		assert_near(value_of(&d, READING_TEMPERATURE), t / 100.0, 1e-9);
		assert_near(value_of(&d, READING_HUMIDITY), f.hum_x100 / 100.0, 1e-9);
		assert_near(value_of(&d, READING_BATTERY), f.battery, 0);
		/* bit 7 is the trigger output, never a Door */
		assert_null(decoded_find(&d, READING_DOOR));
	}
	/* 0.5 steps round to nearest */
	f.temp_x100 = 2126;
	f.hum_x100 = 4474;
	f.battery = 100;
	assert_int_equal(pvvx_encode(PVVX_VARIANT_ATC_ENC, &f, addr, *state, b, sizeof(b)),
			 PVVX_ATC_ENC_LEN);
	decoded_reset(&d);
	assert_int_equal(pvvx_decode(b, sizeof(b), addr, *state, &d), 4);
	assert_near(value_of(&d, READING_TEMPERATURE), 21.5, 1e-9);
	assert_near(value_of(&d, READING_HUMIDITY), 44.5, 1e-9);
	assert_near(value_of(&d, READING_VOLTAGE), 3.1, 1e-9);
	/* values the format cannot carry */
	f.temp_x100 = -4001;
	assert_int_equal(pvvx_encode(PVVX_VARIANT_ATC_ENC, &f, addr, *state, b, sizeof(b)),
			 -EINVAL);
	f.temp_x100 = 8800;
	assert_int_equal(pvvx_encode(PVVX_VARIANT_ATC_ENC, &f, addr, *state, b, sizeof(b)),
			 -EINVAL);
	f.temp_x100 = 0;
	f.battery = 128;
	assert_int_equal(pvvx_encode(PVVX_VARIANT_ATC_ENC, &f, addr, *state, b, sizeof(b)),
			 -EINVAL);
}

/* No key: -ENOKEY, but the frame still says what it is and its counter. */
static void pvvx_encrypted_no_key(void **state)
{
	struct pvvx_frame f = { { 0 }, 2000, 5000, 0, 90, 9, 0 };
	struct aes_key none = { 0 };
	uint8_t b[PVVX_ENC_LEN];
	struct decoded d;

	assert_int_equal(pvvx_encode(PVVX_VARIANT_CUSTOM_ENC, &f, addr, *state, b, sizeof(b)),
			 PVVX_ENC_LEN);
	decoded_reset(&d);
	assert_int_equal(pvvx_decode(b, sizeof(b), addr, NULL, &d), -ENOKEY);
	assert_int_equal(d.format, DECODE_FORMAT_PVVX);
	assert_int_equal(d.pid, PID_PVVX);
	assert_true(d.encrypted);
	assert_int_equal(d.counter, 9);
	assert_int_equal(d.n, 0);
	decoded_reset(&d);
	assert_int_equal(pvvx_decode(b, 8, addr, &none, &d), -ENOKEY);
	/* the nonce needs the advertiser's address */
	decoded_reset(&d);
	assert_int_equal(pvvx_decode(b, sizeof(b), NULL, *state, &d), -EINVAL);
	assert_int_equal(pvvx_encode(PVVX_VARIANT_CUSTOM_ENC, &f, addr, NULL, b, sizeof(b)),
			 -EINVAL);
	assert_int_equal(pvvx_encode(PVVX_VARIANT_CUSTOM_ENC, &f, NULL, *state, b, sizeof(b)),
			 -EINVAL);
}

/* Wrong key, a flipped bit in any byte (counter = nonce, ciphertext, MIC), or another
 * advertiser's address: -EKEYREJECTED and no readings. */
static void pvvx_encrypted_rejected(void **state)
{
	static const uint8_t other_raw[16] = { 1 };
	static const uint8_t other_addr[6] = { 0xA4, 0xC1, 0x38, 0x01, 0x02, 0x04 };
	struct pvvx_frame f = { { 0 }, 2000, 5000, 0, 90, 9, 0 };
	struct aes_key other = { 0 };
	const enum pvvx_variant variants[] = { PVVX_VARIANT_CUSTOM_ENC, PVVX_VARIANT_ATC_ENC };
	uint8_t b[PVVX_ENC_LEN];
	struct decoded d;

	assert_int_equal(aes_key_set(&other, other_raw), 0);
	for (size_t v = 0; v < 2; v++) {
		int n = pvvx_encode(variants[v], &f, addr, *state, b, sizeof(b));

		assert_true(n == PVVX_ENC_LEN || n == PVVX_ATC_ENC_LEN);
		decoded_reset(&d);
		assert_int_equal(pvvx_decode(b, (size_t)n, addr, &other, &d), -EKEYREJECTED);
		assert_int_equal(d.n, 0);
		decoded_reset(&d);
		assert_int_equal(pvvx_decode(b, (size_t)n, other_addr, *state, &d),
				 -EKEYREJECTED);
		for (int i = 0; i < n; i++) {
			b[i] ^= 0x01;
			decoded_reset(&d);
			assert_int_equal(pvvx_decode(b, (size_t)n, addr, *state, &d),
					 -EKEYREJECTED);
			assert_int_equal(d.n, 0);
			b[i] ^= 0x01;
		}
		decoded_reset(&d);
		assert_true(pvvx_decode(b, (size_t)n, addr, *state, &d) > 0);
	}
	aes_key_clear(&other);
}

/* Only 8, 11 and 15 bytes are pvvx; every other length (every prefix of a real frame
 * included) is malformed, with or without a key. */
static void pvvx_lengths(void **state)
{
	uint8_t b[24] = { 0 };
	struct decoded d;

	assert_int_equal(hex_decode(frame_hex, b, PVVX_LEN), PVVX_LEN);
	for (size_t n = 0; n < sizeof(b); n++) {
		if (n == PVVX_LEN || n == PVVX_ENC_LEN || n == PVVX_ATC_ENC_LEN)
			continue;
		decoded_reset(&d);
		assert_int_equal(pvvx_decode(b, n, addr, NULL, &d), -EBADMSG);
		decoded_reset(&d);
		assert_int_equal(pvvx_decode(b, n, addr, *state, &d), -EBADMSG);
		assert_int_equal(d.n, 0);
		assert_int_equal(d.format, DECODE_FORMAT_PVVX);
	}
	decoded_reset(&d);
	assert_int_equal(pvvx_decode(NULL, 0, addr, NULL, &d), -EBADMSG);
}

static void pvvx_encode_short_buffer(void **state)
{
	struct pvvx_frame f = { { 0 }, 0, 0, 0, 0, 0, 0 };
	uint8_t b[PVVX_LEN];

	assert_int_equal(pvvx_encode(PVVX_VARIANT_CUSTOM, &f, NULL, NULL, b, PVVX_LEN - 1),
			 -ENOSPC);
	assert_int_equal(pvvx_encode(PVVX_VARIANT_CUSTOM_ENC, &f, addr, *state, b,
				     PVVX_ENC_LEN - 1),
			 -ENOSPC);
	assert_int_equal(pvvx_encode(PVVX_VARIANT_ATC_ENC, &f, addr, *state, b,
				     PVVX_ATC_ENC_LEN - 1),
			 -ENOSPC);
}

/* 0x181A of any length but 13 goes to pvvx, which takes only its own lengths. */
static void pvvx_dispatch(void **state)
{
	uint8_t b[PVVX_LEN];
	struct decoded d;

	assert_int_equal(hex_decode(frame_hex, b, sizeof(b)), PVVX_LEN);
	assert_int_equal(decode_service_data(UUID_ENV_SENSING, b, sizeof(b), addr, *state, &d),
			 5);
	assert_int_equal(d.format, DECODE_FORMAT_PVVX);
	assert_int_equal(decode_service_data(UUID_ENV_SENSING, b, 14, addr, *state, &d),
			 -EBADMSG);
	assert_int_equal(d.format, DECODE_FORMAT_PVVX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pvvx_custom_fields),
		cmocka_unit_test(pvvx_flags),
		cmocka_unit_test(pvvx_custom_extremes),
		cmocka_unit_test(pvvx_encrypted_nonce),
		cmocka_unit_test(pvvx_encrypted_custom),
		cmocka_unit_test(pvvx_encrypted_atc),
		cmocka_unit_test(pvvx_encrypted_no_key),
		cmocka_unit_test(pvvx_encrypted_rejected),
		cmocka_unit_test(pvvx_lengths),
		cmocka_unit_test(pvvx_encode_short_buffer),
		cmocka_unit_test(pvvx_dispatch),
	};

	return cmocka_run_group_tests_name("pvvx", tests, setup_key, teardown_key);
}
