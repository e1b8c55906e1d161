/* SPDX-License-Identifier: MIT */
/* setup.c — see setup.h. The payload layout is HAP's (R17, §4.2.1): a 45-bit number
 * (version 0, reserved 0, category << 31, flags << 27 with 1 << 28 = IP and 1 << 27 =
 * paired, the code as a decimal number in the low 27 bits) in 9 base-36 digits. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "hap/hap_crypto.h"
#include "hap/setup.h"

bool setup_code_valid(const char *code)
{
	static const char *const forbidden[] = { "123-45-678", "876-54-321" };
	bool all_same = true;

	if (!code || strlen(code) != SETUP_CODE_LEN)
		return false;
	for (int i = 0; i < SETUP_CODE_LEN; i++) {
		if (i == 3 || i == 6) {
			if (code[i] != '-')
				return false;
		} else if (code[i] < '0' || code[i] > '9') {
			return false;
		} else if (code[i] != code[0]) {
			all_same = false;
		}
	}
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
		if (!strcmp(code, forbidden[i]))
			return false;
	return !all_same;
}

int setup_code_generate(char out[SETUP_CODE_LEN + 1])
{
	do {
		uint8_t r[8];
		int d = 0;

		if (hapc_random(r, sizeof(r)) < 0)
			return -EIO;
		for (int i = 0; i < SETUP_CODE_LEN; i++)
			/* 256 % 10 != 0: a bias of 6 in 256 toward 0..5 is harmless for a
			 * code that HAP rate-limits to 100 tries */
			out[i] = (i == 3 || i == 6) ? '-' : (char)('0' + r[d++] % 10);
		out[SETUP_CODE_LEN] = '\0';
	} while (!setup_code_valid(out));
	return 0;
}

static const char base36[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

bool setup_id_valid(const char *id)
{
	if (!id || strlen(id) != SETUP_ID_LEN)
		return false;
	for (int i = 0; i < SETUP_ID_LEN; i++)
		if (!strchr(base36, id[i]) || !id[i])
			return false;
	return true;
}

int setup_id_generate(char id[SETUP_ID_LEN + 1])
{
	uint8_t r[SETUP_ID_LEN];

	if (hapc_random(r, sizeof(r)) < 0)
		return -EIO;
	for (int i = 0; i < SETUP_ID_LEN; i++)
		id[i] = base36[r[i] % 36];
	id[SETUP_ID_LEN] = '\0';
	return 0;
}

int setup_payload(char out[SETUP_PAYLOAD_LEN + 1], const char *code, const char *setup_id,
		  unsigned int category, bool paired)
{
	uint64_t v = (uint64_t)(category & 0xff) << 31 | 1ull << 28;

	if ((code && !setup_code_valid(code)) || !setup_id_valid(setup_id))
		return -EINVAL;
	if (paired)
		v |= 1ull << 27;
	if (code) {
		uint64_t n = 0;

		for (const char *p = code; *p; p++)
			if (*p != '-')
				n = n * 10 + (uint64_t)(*p - '0');
		v |= n;
	}
	memcpy(out, "X-HM://", 7);
	for (int i = 15; i >= 7; i--) {
		out[i] = base36[v % 36];
		v /= 36;
	}
	memcpy(out + 16, setup_id, SETUP_ID_LEN);
	out[SETUP_PAYLOAD_LEN] = '\0';
	return 0;
}

int setup_hash(char out[SETUP_HASH_LEN + 1], const char *setup_id, const char *device_id)
{
	uint8_t h[64];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && setup_id_valid(setup_id) && EVP_DigestInit_ex(c, EVP_sha512(), NULL) &&
		 EVP_DigestUpdate(c, setup_id, SETUP_ID_LEN) &&
		 EVP_DigestUpdate(c, device_id, strlen(device_id)) &&
		 EVP_DigestFinal_ex(c, h, NULL);

	EVP_MD_CTX_free(c);
	if (!ok)
		return -EINVAL;
	EVP_EncodeBlock((unsigned char *)out, h, 4);
	return 0;
}
