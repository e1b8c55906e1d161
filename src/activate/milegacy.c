/* SPDX-License-Identifier: MIT */
/* milegacy.c — see milegacy.h. */
#include <string.h>

#include "activate/milegacy.h"

const uint8_t milegacy_start[4] = { 0x90, 0xca, 0x85, 0xde };
const uint8_t milegacy_finish[4] = { 0x92, 0xab, 0x54, 0xfa };

void milegacy_rc4(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len,
		  uint8_t *out)
{
	uint8_t s[256], t;
	unsigned int i, j = 0;

	for (i = 0; i < 256; i++)
		s[i] = (uint8_t)i;
	for (i = 0; i < 256; i++) {
		j = (j + s[i] + key[i % key_len]) & 0xff;
		t = s[i];
		s[i] = s[j];
		s[j] = t;
	}
	i = j = 0;
	for (size_t n = 0; n < len; n++) {
		i = (i + 1) & 0xff;
		j = (j + s[i]) & 0xff;
		t = s[i];
		s[i] = s[j];
		s[j] = t;
		out[n] = in[n] ^ s[(s[i] + s[j]) & 0xff];
	}
	memset(s, 0, sizeof(s));
}

/* rmac = the MAC least significant byte first, as the air carries it */
static void reverse(const uint8_t mac[6], uint8_t rmac[6])
{
	for (int i = 0; i < 6; i++)
		rmac[i] = mac[5 - i];
}

void milegacy_mix_a(const uint8_t mac[6], uint16_t pid, uint8_t out[MILEGACY_MIX_LEN])
{
	uint8_t r[6];

	reverse(mac, r);
	out[0] = r[0];
	out[1] = r[2];
	out[2] = r[5];
	out[3] = (uint8_t)pid;
	out[4] = (uint8_t)pid;
	out[5] = r[4];
	out[6] = r[5];
	out[7] = r[1];
}

void milegacy_mix_b(const uint8_t mac[6], uint16_t pid, uint8_t out[MILEGACY_MIX_LEN])
{
	uint8_t r[6];

	reverse(mac, r);
	out[0] = r[0];
	out[1] = r[2];
	out[2] = r[5];
	out[3] = (uint8_t)(pid >> 8);
	out[4] = r[4];
	out[5] = r[0];
	out[6] = r[5];
	out[7] = (uint8_t)pid;
}

void milegacy_expand_key(const uint8_t k12[MILEGACY_KEY12_LEN], uint8_t out[16])
{
	static const uint8_t mid[4] = { 0x8d, 0x3d, 0x3c, 0x97 };

	memcpy(out, k12, 6);
	memcpy(out + 6, mid, 4);
	memcpy(out + 10, k12 + 6, 6);
}
