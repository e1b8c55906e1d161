/* SPDX-License-Identifier: MIT */
/* mibeacon.h — Xiaomi MiBeacon (service data 0xFE95), versions 2-5, plain and encrypted:
 * the decoder, and an encoder for the simulator, the benchmark, tests and fuzz seeds. */
#ifndef MI32_MIBEACON_H
#define MI32_MIBEACON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/aes.h"
#include "decode/decoded.h"

/* Frame control bits (SPEC §3.1) */
#define MIBEACON_FC_ENCRYPTED 0x0008
#define MIBEACON_FC_MAC 0x0010
#define MIBEACON_FC_CAPABILITY 0x0020
#define MIBEACON_FC_OBJECT 0x0040
#define MIBEACON_FC_MESH 0x0080
#define MIBEACON_FC_REGISTERED 0x0100
#define MIBEACON_FC_SOLICITED 0x0200
#define MIBEACON_FC_VERSION_SHIFT 12

/* Capability byte bit 5: a 2-byte IO capability field follows the capability byte. */
#define MIBEACON_CAP_IO 0x20

/* Object ids used by more than one file */
#define MIBEACON_OBJ_BUTTON 0x1001
#define MIBEACON_OBJ_TEMPERATURE 0x1004
#define MIBEACON_OBJ_HUMIDITY 0x1006
#define MIBEACON_OBJ_BATTERY 0x100A
#define MIBEACON_OBJ_TEMP_HUM 0x100D

/* Longest frame mibeacon_encode() builds: a legacy advertisement holds at most 31 bytes,
 * an extended one far more; the CCM helpers stop at 255. */
#define MIBEACON_FRAME_MAX 255

/*
 * Decode one MiBeacon service-data payload (bytes after the UUID) sent by @addr (display
 * order; used for the nonce when the frame carries no MAC). @key is the 16-byte bind key
 * (v4/v5) or the expanded beaconkey (v2/v3, see mibeacon_expand_beaconkey()), or NULL.
 * Fills @out (reset first); returns the number of readings, or
 *   -EBADMSG      truncated or inconsistent (an object running past the end, bytes left
 *                 over that are no whole object, too short for the fields the frame
 *                 control announces)
 *   -ENOKEY       encrypted and no key
 *   -EKEYREJECTED v4/v5 tag mismatch, or a v2/v3 plaintext that is not a 0x10xx object
 *                 (SPEC §4.2; those frames carry no tag). A truncated encrypted frame
 *                 also ends here, as the tag no longer matches.
 *   -ENOTSUP      version 0/1 or above 5, or a mesh frame
 * On errors @out still carries what the header gave (format, version, pid, counter, mac).
 * Counter: the frame counter byte; for encrypted v4/v5 frames the 3-byte extended counter
 * is added above it, giving a 32-bit counter (ext << 8 | byte) that only grows.
 * Every object of the frame is decoded; objects with unknown ids or lengths are skipped.
 */
int mibeacon_decode(const uint8_t *data, size_t len, const uint8_t addr[6],
		    const struct aes_key *key, struct decoded *out);

/* YLKG07/08 publish a 12-byte "beaconkey"; the AES key is key[0..5] 8D 3D 3C 97 key[6..11]
 * (SPEC §4.2). */
void mibeacon_expand_beaconkey(const uint8_t in[12], uint8_t out[16]);

/* What mibeacon_encode() builds. Pointers are borrowed for the call only. */
struct mibeacon_frame {
	uint8_t version;        /* 2..5 */
	uint16_t pid;
	uint8_t counter;        /* frame counter byte */
	uint32_t ext_counter;   /* low 24 bits: the extended counter of encrypted frames
				 * (v4/v5: before the tag; v2/v3: the 3 nonce bytes) */
	const uint8_t *mac;     /* display order; NULL = no MAC field in the frame */
	bool has_capability;
	uint8_t capability;     /* with MIBEACON_CAP_IO, io_cap follows it */
	uint16_t io_cap;
	uint16_t fc_extra;      /* further frame-control bits, e.g. MIBEACON_FC_REGISTERED */
	const uint8_t *objects; /* object list as built by mibeacon_put_object() */
	size_t objects_len;     /* 0 = no object bit */
};

/*
 * Build the service-data payload (bytes after the 0xFE95 UUID) for @f into @out.
 * With a valid @key the objects are encrypted: v4/v5 with AES-CCM (4-byte tag), v2/v3 with
 * the legacy tag-less scheme (then the first object must be a 0x10xx one, or the decoder
 * rejects it). The nonce uses @f->mac, else @addr (display order; may be NULL only when
 * @f->mac is set or nothing is encrypted).
 * Returns the frame length, -EINVAL (bad version, encryption without objects or MAC, key
 * not prepared), or -ENOSPC (@size too small).
 */
int mibeacon_encode(const struct mibeacon_frame *f, const struct aes_key *key,
		    const uint8_t addr[6], uint8_t *out, size_t size);

/* Append object @id with @len bytes of @data at @buf[*pos], advancing *pos.
 * Returns 0, -EINVAL (@len > 255) or -ENOSPC. */
int mibeacon_put_object(uint8_t *buf, size_t size, size_t *pos, uint16_t id,
			const void *data, size_t len);

/* Internal to src/decode/mibeacon*.c (and their tests): the object table. */
int mibeacon__decode_object(uint16_t pid, uint16_t id, const uint8_t *data, size_t len,
			    struct decoded *out);
bool mibeacon__obj_known(uint16_t id);
bool mibeacon__obj_table_sorted(void);

#endif
