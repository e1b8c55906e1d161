/* SPDX-License-Identifier: MIT */
/* pvvx.h — the pvvx custom firmware's formats on service data 0x181A: the 15-byte custom
 * format and its encrypted variants (AES-CCM with the key from mi32cfg). */
#ifndef MI32_PVVX_H
#define MI32_PVVX_H

#include "decode/aes.h"
#include "decode/decoded.h"

#define PVVX_LEN 15          /* "custom" format, plain */
#define PVVX_ENC_LEN 11      /* "custom" format, encrypted */
#define PVVX_ATC_ENC_LEN 8   /* "atc1441" format, encrypted */

/* pvvx flags byte (pvvx/ATC_MiThermometer README, custom format) */
#define PVVX_FLAG_REED 0x01      /* reed switch input: 1 = open (ble_monitor "opening") */
#define PVVX_FLAG_TRG_OUT 0x02   /* trigger output (GPIO_TRG) */
#define PVVX_FLAG_TRG_MANUAL 0x04 /* output controlled by hand, not by the trigger */
#define PVVX_FLAG_TEMP_EVT 0x08  /* temperature trigger event */
#define PVVX_FLAG_HUM_EVT 0x10   /* humidity trigger event */

enum pvvx_variant {
	PVVX_VARIANT_CUSTOM,      /* 15 bytes, plain */
	PVVX_VARIANT_CUSTOM_ENC,  /* 11 bytes, AES-CCM */
	PVVX_VARIANT_ATC_ENC,     /* 8 bytes, AES-CCM, 0.5 °C / 0.5 % resolution */
};

/* One pvvx frame's fields, in the units of the custom format. */
struct pvvx_frame {
	uint8_t mac[6];     /* display order (the plain frame carries it LSB-first) */
	int16_t temp_x100;  /* °C × 100 */
	uint16_t hum_x100;  /* % × 100 */
	uint16_t mv;        /* battery voltage, mV (plain format only) */
	uint8_t battery;    /* % (7 bits in the atc1441 encrypted format) */
	uint8_t counter;
	uint8_t flags;      /* PVVX_FLAG_*; the atc1441 encrypted format keeps TRG_OUT only */
};

/* Decode a pvvx payload (the bytes after UUID 0x181A) of advertiser @addr (display order;
 * the encrypted formats' nonce is built from it). @key may be NULL.
 * Returns the number of readings, or -EBADMSG (a length not listed above), -ENOKEY
 * (encrypted, no key), -EKEYREJECTED (the MIC does not match), -EINVAL (encrypted and
 * @addr NULL). out->format/pid/counter are set even on errors once read. */
int pvvx_decode(const uint8_t *data, size_t len, const uint8_t addr[6],
		const struct aes_key *key, struct decoded *out);

/* Encode @f as @variant into @out (the simulator's, benchmark's and tests' encoder).
 * The encrypted variants need @key and the advertiser @addr (display order); the plain
 * one ignores both. The atc1441 encrypted variant rounds temperature and humidity to
 * its 0.5 steps. Returns the bytes written (PVVX_LEN, PVVX_ENC_LEN or PVVX_ATC_ENC_LEN),
 * or -ENOSPC (@size too small), -EINVAL (no key/addr for an encrypted variant, or a
 * value the atc1441 encrypted format cannot carry). */
int pvvx_encode(enum pvvx_variant variant, const struct pvvx_frame *f, const uint8_t addr[6],
		const struct aes_key *key, uint8_t *out, size_t size);

#endif
