/* SPDX-License-Identifier: MIT */
/* milegacy.h — Xiaomi's older "legacy" authentication (YLKG07/08 dimmers, YLYK01 remotes and
 * other MiBeacon v2/v3 devices): plain RC4, keyed by a mix of MAC and product id, then by a
 * random token, which unlocks the 12-byte beacon key on characteristic 0x0014. Layout and
 * vectors: shared/notes/mi-activation.md §7, §8.4. RC4 is written here because OpenSSL 3
 * keeps it only in the legacy provider. */
#ifndef MI32_MILEGACY_H
#define MI32_MILEGACY_H

#include <stddef.h>
#include <stdint.h>

#define MILEGACY_TOKEN_LEN 12
#define MILEGACY_MIX_LEN 8
#define MILEGACY_KEY12_LEN 12

/* What the app writes to 0x0010 to start, and (RC4'd with the token) to 0x0001 to finish. */
extern const uint8_t milegacy_start[4];
extern const uint8_t milegacy_finish[4];

/* RC4 of @len bytes (KSA + PRGA from scratch on every call). @out may be @in. @key_len
 * must be 1..256. */
void milegacy_rc4(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len,
		  uint8_t *out);

/* The 8-byte keys mixA (first write) and mixB (the device's answer) from the MAC (display
 * order) and the product id. */
void milegacy_mix_a(const uint8_t mac[6], uint16_t pid, uint8_t out[MILEGACY_MIX_LEN]);
void milegacy_mix_b(const uint8_t mac[6], uint16_t pid, uint8_t out[MILEGACY_MIX_LEN]);

/* The 16-byte AES key of a 12-byte beacon key: k[0..5] ‖ 8D 3D 3C 97 ‖ k[6..11], as
 * ble_monitor, xiaomi-ble, ESPHome and Tasmota decrypt MiBeacon v2/v3. */
void milegacy_expand_key(const uint8_t k12[MILEGACY_KEY12_LEN], uint8_t out[16]);

#endif
