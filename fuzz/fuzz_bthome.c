/* SPDX-License-Identifier: MIT */
/* fuzz_bthome.c — bthome_decode() on every UUID, with and without a key. Input byte 0:
 *   bits 0-1  UUID: 0/3 0xFCD2 (v2), 1 0x181C (v1), 2 0x181E (v1 encrypted)
 *   bit 2     pass the key
 *   bit 3     "seal": the rest is plaintext objects; encrypt them with the key so the
 *             object walk behind a valid MIC is reached (a fuzzer never forges a MIC).
 *             For v2 the next byte is the device-info byte.
 * The rest is the service data. Seeds: build with -DFUZZ_BTHOME_SEEDS and run
 *   cc -DFUZZ_BTHOME_SEEDS -Isrc fuzz/fuzz_bthome.c src/decode/bthome.c \
 *      src/decode/aes.c -lcrypto -lm -o mkseeds
 *   ./mkseeds fuzz/corpus/bthome
 * which writes frames made by bthome_encode(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/bthome.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fuzz_mac[6] = { 0x54, 0x48, 0xE6, 0x8F, 0x80, 0xA5 };
static const uint8_t fuzz_key_raw[16] = { 0x23, 0x1d, 0x39, 0xc1, 0xd7, 0xcc, 0x1a, 0xb1,
					  0xae, 0xe2, 0x24, 0xcd, 0x09, 0x6d, 0xb9, 0x32 };

static const struct aes_key *fuzz_key(void)
{
	static struct aes_key k;

	if (!aes_key_valid(&k) && aes_key_set(&k, fuzz_key_raw) < 0)
		abort();
	return &k;
}

/* Encrypt @pt as a v2 (info byte first) or v1 frame into @out; returns its length. */
static size_t seal(uint16_t uuid, const uint8_t *pt, size_t len, uint8_t *out)
{
	uint8_t nonce[13], info = 0;
	size_t pos = 0, nl;

	if (uuid == UUID_BTHOME_V2) {
		if (len < 1)
			return 0;
		info = (uint8_t)((pt[0] & ~BTHOME_INFO_MAC) | BTHOME_INFO_ENCRYPTED);
		out[pos++] = info;
		pt++;
		len--;
	}
	if (len > 200)
		len = 200;
	memcpy(nonce, fuzz_mac, 6);
	nonce[6] = uuid & 0xff;
	nonce[7] = uuid >> 8;
	nl = 8;
	if (uuid == UUID_BTHOME_V2)
		nonce[nl++] = info;
	memset(nonce + nl, 0x5a, 4); /* counter */
	nl += 4;
	if (aes_ccm_encrypt(fuzz_key(), nonce, nl, uuid == UUID_BTHOME_V2 ? NULL :
			    (const uint8_t[]){ 0x11 }, uuid == UUID_BTHOME_V2 ? 0 : 1,
			    pt, len, out + pos, out + pos + len + 4, 4) < 0)
		return 0;
	memset(out + pos + len, 0x5a, 4);
	return pos + len + 8;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t uuids[4] = { UUID_BTHOME_V2, UUID_BTHOME_V1, UUID_BTHOME_V1_ENC,
					   UUID_BTHOME_V2 };
	uint8_t sealed[256];
	const struct aes_key *key;
	struct decoded d;
	uint16_t uuid;
	int r;

	if (size < 1)
		return 0;
	uuid = uuids[data[0] & 3];
	key = data[0] & 4 ? fuzz_key() : NULL;
	if (data[0] & 8) {
		if (uuid == UUID_BTHOME_V1)
			uuid = UUID_BTHOME_V1_ENC;
		key = fuzz_key();
		size = seal(uuid, data + 1, size - 1, sealed);
		data = sealed;
	} else {
		data++;
		size--;
	}
	decoded_reset(&d);
	r = bthome_decode(uuid, data, size, fuzz_mac, key, &d);
	if (d.n > DECODE_MAX_READINGS || (r >= 0 && r != d.n))
		abort();
	return 0;
}

#ifdef FUZZ_BTHOME_SEEDS
#include <stdio.h>

static void put(const char *dir, const char *name, uint8_t sel, const uint8_t *p, int n)
{
	char path[512];
	FILE *f;

	if (n < 0) {
		fprintf(stderr, "%s: encode failed (%d)\n", name, n);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(&sel, 1, 1, f) != 1 || fwrite(p, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	const struct bthome_obj thb[] = { { .id = 0x00, .value = 9 },
					  { .id = 0x01, .value = 93 },
					  { .id = 0x02, .value = 23.97 },
					  { .id = 0x03, .value = 63.27 } };
	const struct bthome_obj events[] = { { .id = 0x3A, .value = 0 },
					     { .id = 0x3A, .value = 1 },
					     { .id = 0x3A, .value = 8 },
					     { .id = 0x3C, .value = -3 } };
	const struct bthome_obj misc[] = {
		{ .id = 0x04, .value = 1008.83 }, { .id = 0x0B, .value = 69.14 },
		{ .id = 0x21, .value = 1 },       { .id = 0x3E, .value = 556969523 },
		{ .id = 0x50, .value = 1684093277 },
		{ .id = 0x53, .data = (const uint8_t *)"Hello", .data_len = 5 },
		{ .id = 0x54, .data = (const uint8_t *)"\x01\x02", .data_len = 2 },
		{ .id = 0x5C, .value = -12.78 },  { .id = 0x62, .value = -2.123456 },
		{ .id = 0x64, .value = 2 },       { .id = 0xF0, .value = 1 },
		{ .id = 0xF2, .value = 0x060100 },
	};
	const struct aes_key *k = fuzz_key();
	uint8_t b[256];
	const char *dir;

	if (argc != 2) {
		fprintf(stderr, "usage: %s corpus-dir\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	/* selector byte: see the top of the file */
	put(dir, "v2-thb", 0, b, bthome_encode(thb, 4, 0, NULL, NULL, 0, b, sizeof(b)));
	put(dir, "v2-events-trigger", 0, b,
	    bthome_encode(events, 4, BTHOME_ENC_TRIGGER, NULL, NULL, 0, b, sizeof(b)));
	put(dir, "v2-misc", 0, b, bthome_encode(misc, 12, 0, NULL, NULL, 0, b, sizeof(b)));
	put(dir, "v2-mac", 0, b,
	    bthome_encode(thb, 4, BTHOME_ENC_MAC, fuzz_mac, NULL, 0, b, sizeof(b)));
	put(dir, "v2-enc-thb", 4, b, bthome_encode(thb, 4, 0, fuzz_mac, k, 7, b, sizeof(b)));
	put(dir, "v2-enc-nokey", 0, b, bthome_encode(thb, 4, 0, fuzz_mac, k, 7, b, sizeof(b)));
	put(dir, "v2-enc-events", 4, b,
	    bthome_encode(events, 4, BTHOME_ENC_MAC, fuzz_mac, k, 8, b, sizeof(b)));
	put(dir, "v2-downgrade", 4, b, bthome_encode(thb, 4, 0, NULL, NULL, 0, b, sizeof(b)));
	put(dir, "v1-thb", 1, b, bthome_encode(thb, 4, BTHOME_ENC_V1, NULL, NULL, 0, b, sizeof(b)));
	put(dir, "v1-misc", 1, b,
	    bthome_encode(misc, 12, BTHOME_ENC_V1, NULL, NULL, 0, b, sizeof(b)));
	put(dir, "v1-enc-thb", 2 | 4, b,
	    bthome_encode(thb, 4, BTHOME_ENC_V1, fuzz_mac, k, 9, b, sizeof(b)));
	/* "seal" seeds: plaintext the harness encrypts (v2: the info byte comes first, as
	 * in a plain frame) */
	put(dir, "seal-v2-misc", 8, b, bthome_encode(misc, 12, 0, NULL, NULL, 0, b, sizeof(b)));
	put(dir, "seal-v1-misc", 8 | 1, b,
	    bthome_encode(misc, 12, BTHOME_ENC_V1, NULL, NULL, 0, b, sizeof(b)));
	return 0;
}
#endif
