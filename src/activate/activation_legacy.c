/* SPDX-License-Identifier: MIT */
/* activation_legacy.c — legacy auth (activation.h, notes §7): 90CA85DE on 0x0010, our random
 * token RC4'd with mixA on 0x0001, the device's answer checked with mixB, the finish write,
 * then the 12-byte beacon key from 0x0014 and the version from 0x0004, both RC4'd with the
 * token. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "activate/activation_int.h"
#include "activate/miauth.h"
#include "activate/milegacy.h"
#include "gatt/gatt.h"

void activation__leg_begin(struct activation *a)
{
	activation__progress(a, ACTIVATION_STEP_KEYS, "legacy authentication");
	activation__enter(a, ST_LEG_SUBSCRIBE);
	activation__io_put(a, GATT_OP_WRITE, CHR_CTRL, milegacy_start, sizeof(milegacy_start),
			   true);
	activation__io_put(a, GATT_OP_SUBSCRIBE, CHR_LEGACY_TOKEN, NULL, 0, false);
}

void activation__leg_subscribed(struct activation *a)
{
	uint8_t mix[MILEGACY_MIX_LEN], out[MILEGACY_TOKEN_LEN];

	if (miauth_random(a->leg_token, sizeof(a->leg_token)) < 0) {
		activation__fail(a, ACTIVATION_ERR_INTERNAL, "no random numbers for the token");
		return;
	}
	milegacy_mix_a(a->o.mac, a->res.pid, mix);
	milegacy_rc4(mix, sizeof(mix), a->leg_token, sizeof(a->leg_token), out);
	activation__enter(a, ST_LEG_TOKEN);
	activation__io_put(a, GATT_OP_WRITE, CHR_LEGACY_TOKEN, out, sizeof(out), true);
}

void activation__leg_token(struct activation *a, const uint8_t *v, size_t len)
{
	uint8_t mix_a[MILEGACY_MIX_LEN], mix_b[MILEGACY_MIX_LEN], t[MILEGACY_TOKEN_LEN];
	uint8_t fin[sizeof(milegacy_finish)];

	if (a->state != ST_LEG_TOKEN)
		return;
	if (len != MILEGACY_TOKEN_LEN) {
		activation__fail(a, ACTIVATION_ERR_PROTOCOL,
				 "the device's answer is %zu bytes, not 12", len);
		return;
	}
	milegacy_mix_a(a->o.mac, a->res.pid, mix_a);
	milegacy_mix_b(a->o.mac, a->res.pid, mix_b);
	milegacy_rc4(mix_a, sizeof(mix_a), v, len, t);
	milegacy_rc4(mix_b, sizeof(mix_b), t, sizeof(t), t);
	if (CRYPTO_memcmp(t, a->leg_token, sizeof(t))) {
		activation__fail(
			a, ACTIVATION_ERR_LOGIN_FAILED,
			"the device's legacy answer does not match our token: the product id 0x%04x "
			"may be wrong, or the device is not in pairing mode (long-press its button "
			"until the LED blinks)",
			a->res.pid);
		return;
	}
	milegacy_rc4(a->leg_token, sizeof(a->leg_token), milegacy_finish, sizeof(fin), fin);
	activation__enter(a, ST_LEG_KEY);
	activation__progress(a, ACTIVATION_STEP_REGISTER, "reading the beacon key");
	activation__io_put(a, GATT_OP_WRITE, CHR_LEGACY_TOKEN, fin, sizeof(fin), true);
	activation__io_put(a, GATT_OP_READ, CHR_BEACON_KEY, NULL, 0, false);
}

void activation__leg_read(struct activation *a, uint16_t uuid, const uint8_t *v, size_t len)
{
	if (uuid == CHR_BEACON_KEY) {
		if (len != MILEGACY_KEY12_LEN) {
			activation__fail(a, ACTIVATION_ERR_PROTOCOL,
					 "the beacon key is %zu bytes, not 12", len);
			return;
		}
		milegacy_rc4(a->leg_token, sizeof(a->leg_token), v, len, a->res.key12);
		milegacy_expand_key(a->res.key12, a->res.bind_key);
		if (!activation__has_char(a, CHR_VERSION)) {
			activation__succeed(a);
			return;
		}
		/* the sequence the device expects ends with this read (notes §7) */
		activation__enter(a, ST_LEG_VERSION);
		activation__io_put(a, GATT_OP_READ, CHR_VERSION, NULL, 0, false);
		return;
	}
	if (uuid == CHR_VERSION) {
		char ver[sizeof(a->res.version)];
		size_t n = len < sizeof(ver) - 1 ? len : sizeof(ver) - 1;

		milegacy_rc4(a->leg_token, sizeof(a->leg_token), v, n, (uint8_t *)ver);
		ver[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if (ver[i] < 0x20 || ver[i] >= 0x7f)
				ver[i] = '?';
		snprintf(a->res.version, sizeof(a->res.version), "%s", ver);
		activation__succeed(a);
	}
}
