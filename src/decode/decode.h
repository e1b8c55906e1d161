/* SPDX-License-Identifier: MIT */
/* decode.h — the dispatcher: it picks the decoder for an advertisement by its service data
 * UUID (the result type is decoded.h). Pure: no I/O, no globals, no allocation. */
#ifndef MI32_DECODE_H
#define MI32_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "decode/ad.h"
#include "decode/adv.h"
#include "decode/aes.h"
#include "decode/decoded.h"

/*
 * Decode one advertisement: the first 16-bit service-data element whose UUID has a decoder
 * wins. @key is the key stored for the advertiser (bind key, BTHome or pvvx key), or NULL. @ad, when not NULL, receives the AD walk (name, manufacturer
 * data), valid as long as @adv is.
 * Returns the number of readings (0 is fine: a valid frame without values), or
 *   -EBADMSG      malformed (truncated, bad lengths, impossible values; for the AD walk
 *                 itself: only when it fails before its first element)
 *   -ENOKEY       encrypted and no key
 *   -EKEYREJECTED encrypted and the key does not authenticate it (wrong key)
 *   -ENOTSUP      a known format in a version or variant we do not handle
 *   -ENOMSG       no service data we decode: not a sensor (generic device)
 * On errors @out still carries format/pid/counter/mac when they were read.
 */
int decode_adv(const struct adv *adv, const struct aes_key *key, struct decoded *out,
	       struct ad_info *ad);

/* Decode one service-data element (UUID + bytes after it) of advertiser @addr (display
 * order). Same returns as decode_adv(). */
int decode_service_data(uint16_t uuid, const uint8_t *data, size_t len, const uint8_t addr[6],
			const struct aes_key *key, struct decoded *out);

/* Short stable names for enum decode_format and for the errors above. */
const char *decode_format_name(unsigned int format);
const char *decode_error_name(int err);     /* "malformed", "no_key", "wrong_key", ... */

#endif
