/* SPDX-License-Identifier: MIT */
/* fuzz_envsensing.c — service data 0x181A (ATC1441 and pvvx, plain and encrypted) through
 * decode_service_data(), with and without a key. Input byte 0:
 *   bit 0  pass the key
 *   bit 1  "seal": the rest is counter + plaintext (6 bytes: custom, 3: atc1441); encrypt
 *          it with the key so the field decoding behind a valid MIC is reached
 * The rest is the service data. Seeds: build with -DFUZZ_ENVSENSING_SEEDS and run
 *   cc -DFUZZ_ENVSENSING_SEEDS -Isrc fuzz/fuzz_envsensing.c src/decode/[a-z]*.c \
 *      -lcrypto -lm -o mkseeds && ./mkseeds fuzz/corpus/envsensing
 * which writes frames made by atc_encode() and pvvx_encode(). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/atc.h"
#include "decode/decode.h"
#include "decode/pvvx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fuzz_addr[6] = { 0xA4, 0xC1, 0x38, 0x12, 0x34, 0x56 };
static const uint8_t fuzz_key_raw[16] = { 0xb9, 0x1e, 0x89, 0x5f, 0x0c, 0x7e, 0xea, 0x6d,
					  0x30, 0x53, 0x24, 0x32, 0xa5, 0x16, 0xf3, 0x07 };

static const struct aes_key *fuzz_key(void)
{
	static struct aes_key k;

	if (!aes_key_valid(&k) && aes_key_set(&k, fuzz_key_raw) < 0)
		abort();
	return &k;
}

/* Encrypt counter + plaintext as pvvx does (nonce: MAC LSB-first, AD length, 0x16,
 * UUID, counter; AAD 0x11; 4-byte MIC). Returns the frame length, 0 if @len fits no
 * encrypted format. */
static size_t seal(const uint8_t *p, size_t len, uint8_t *out)
{
	uint8_t nonce[11], aad = 0x11;
	size_t pt_len = len >= 7 ? 6 : len >= 4 ? 3 : 0;
	size_t frame = pt_len + 5;

	if (!pt_len)
		return 0;
	for (int i = 0; i < 6; i++)
		nonce[i] = fuzz_addr[5 - i];
	nonce[6] = (uint8_t)(frame + 3);
	nonce[7] = 0x16;
	nonce[8] = 0x1a;
	nonce[9] = 0x18;
	nonce[10] = p[0];
	out[0] = p[0];
	if (aes_ccm_encrypt(fuzz_key(), nonce, 11, &aad, 1, p + 1, pt_len, out + 1,
			    out + 1 + pt_len, 4) < 0)
		abort();
	return frame;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct aes_key *key;
	uint8_t sealed[16];
	bool was_sealed = data && size && (data[0] & 2);
	struct decoded d;
	int r;

	if (size < 1)
		return 0;
	key = data[0] & 1 ? fuzz_key() : NULL;
	if (was_sealed) {
		key = fuzz_key();
		size = seal(data + 1, size - 1, sealed);
		data = sealed;
		if (!size)
			return 0;
	} else {
		data++;
		size--;
	}
	r = decode_service_data(UUID_ENV_SENSING, data, size, fuzz_addr, key, &d);
	if (d.n > DECODE_MAX_READINGS || (r >= 0 && r != d.n))
		abort();
	/* sealed frames must authenticate */
	if (was_sealed && r < 0)
		abort();
	/* and both decoders on their own, whatever the length */
	decoded_reset(&d);
	(void)atc_decode(data, size, &d);
	decoded_reset(&d);
	(void)pvvx_decode(data, size, fuzz_addr, key, &d);
	return 0;
}

#ifdef FUZZ_ENVSENSING_SEEDS
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
	const struct atc_frame atc = { { 0xA4, 0xC1, 0x38, 0x12, 0x34, 0x56 }, 215, 48, 87,
				       2987, 17 };
	const struct atc_frame atc_cold = { { 0xA4, 0xC1, 0x38, 0x12, 0x34, 0x56 }, -123, 91,
					    12, 2105, 200 };
	const struct pvvx_frame pv = { { 0xA4, 0xC1, 0x38, 0x12, 0x34, 0x56 }, 2151, 4560,
				       3012, 91, 33, 0x05 };
	const struct pvvx_frame pv_cold = { { 0xA4, 0xC1, 0x38, 0x12, 0x34, 0x56 }, -1995, 9999,
					    2200, 3, 250, 0x1a };
	const uint8_t sealed_custom[7] = { 0x44, 0x2a, 0xf8, 0x10, 0x27, 0x64, 0x01 };
	const uint8_t sealed_atc[4] = { 0x45, 0x3c, 0x50, 0xe4 };
	const struct aes_key *k = fuzz_key();
	uint8_t b[32];
	const char *dir;

	if (argc != 2) {
		fprintf(stderr, "usage: %s corpus-dir\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	put(dir, "atc", 0, b, atc_encode(&atc, b, sizeof(b)));
	put(dir, "atc-cold", 0, b, atc_encode(&atc_cold, b, sizeof(b)));
	put(dir, "pvvx", 0, b, pvvx_encode(PVVX_VARIANT_CUSTOM, &pv, NULL, NULL, b, sizeof(b)));
	put(dir, "pvvx-cold", 1, b,
	    pvvx_encode(PVVX_VARIANT_CUSTOM, &pv_cold, NULL, NULL, b, sizeof(b)));
	put(dir, "pvvx-enc", 1, b,
	    pvvx_encode(PVVX_VARIANT_CUSTOM_ENC, &pv, fuzz_addr, k, b, sizeof(b)));
	put(dir, "pvvx-enc-nokey", 0, b,
	    pvvx_encode(PVVX_VARIANT_CUSTOM_ENC, &pv_cold, fuzz_addr, k, b, sizeof(b)));
	put(dir, "pvvx-atc-enc", 1, b,
	    pvvx_encode(PVVX_VARIANT_ATC_ENC, &pv, fuzz_addr, k, b, sizeof(b)));
	put(dir, "pvvx-atc-enc-nokey", 0, b,
	    pvvx_encode(PVVX_VARIANT_ATC_ENC, &pv_cold, fuzz_addr, k, b, sizeof(b)));
	put(dir, "seal-custom", 2, sealed_custom, sizeof(sealed_custom));
	put(dir, "seal-atc", 2, sealed_atc, sizeof(sealed_atc));
	return 0;
}
#endif
