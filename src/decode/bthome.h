/* SPDX-License-Identifier: MIT */
/* bthome.h — BTHome v1 (0x181C plain, 0x181E encrypted) and v2 (0xFCD2), with AES-CCM.
 * The decoder is pure (bytes and key in, readings out); the encoder builds the same service
 * data for the simulator, the benchmark and the tests. */
#ifndef MI32_BTHOME_H
#define MI32_BTHOME_H

#include "decode/ad.h"
#include "decode/aes.h"
#include "decode/decoded.h"

/* BTHome v2 device-information byte (https://bthome.io/format/) */
#define BTHOME_INFO_ENCRYPTED 0x01
#define BTHOME_INFO_MAC 0x02     /* early v2 drafts: MAC (LSB first) follows the byte */
#define BTHOME_INFO_TRIGGER 0x04 /* sends only on events ("sleepy" device) */
#define BTHOME_INFO_VERSION_SHIFT 5

#define BTHOME_MIC_LEN 4
#define BTHOME_COUNTER_LEN 4

/* BTHome object ids spelled as the spec names them (only those code refers to by name;
 * the full table lives in bthome.c). */
#define BTHOME_OBJ_PACKET_ID 0x00
#define BTHOME_OBJ_BATTERY 0x01
#define BTHOME_OBJ_TEMPERATURE 0x02
#define BTHOME_OBJ_HUMIDITY 0x03
#define BTHOME_OBJ_BUTTON 0x3A
#define BTHOME_OBJ_DIMMER 0x3C
#define BTHOME_OBJ_TEXT 0x53
#define BTHOME_OBJ_RAW 0x54

/* Flags of bthome_encode() */
#define BTHOME_ENC_TRIGGER 0x01 /* v2: set the trigger-based bit */
#define BTHOME_ENC_MAC 0x02     /* v2: carry the MAC in the payload (BTHOME_INFO_MAC) */
#define BTHOME_ENC_V1 0x04      /* v1 layout; send as 0x181E with a key, else 0x181C */

/* Decode the service data (bytes after the UUID) of BTHome UUID @uuid from @addr (display
 * order; it is the nonce's MAC unless the frame carries its own). @key may be NULL.
 * Returns the number of readings or the negative codes of decode_adv():
 *   -EBADMSG      truncated before the first object, encrypted frame too short
 *   -ENOKEY       encrypted, no key
 *   -EKEYREJECTED MIC mismatch (wrong key or corrupted frame)
 *   -ENOTSUP      v2 version bits != 2, or the first object id is unknown
 * A plain frame from a device with a key is a downgrade: 0 readings, DECODED_F_NO_OBJECTS
 * (bthome-ble's behaviour). */
int bthome_decode(uint16_t uuid, const uint8_t *data, size_t len, const uint8_t addr[6],
		  const struct aes_key *key, struct decoded *out);

/* One object for bthome_encode(). */
struct bthome_obj {
	uint8_t id;            /* BTHome object id */
	double value;          /* in the unit and mapping bthome_decode() reports: °C, Button
				* value 1..8 (0 = "none"), Dimmer signed steps, binary 0/1 */
	const uint8_t *data;   /* 0x53 text / 0x54 raw only: the bytes, borrowed */
	uint8_t data_len;
};

/*
 * Build BTHome service data (the bytes after the UUID) from @n objects, in the given order,
 * into @out (@size bytes). With @key, the frame is encrypted with @mac (display order, the
 * advertiser address the receiver will see) and @counter; without, @mac is used only for
 * BTHOME_ENC_MAC and may be NULL. @flags: BTHOME_ENC_*.
 * Returns the length written, or -EINVAL (unknown id, missing mac), -ERANGE (a value that
 * the object cannot carry), -ENOSPC (@out too small or over 255 bytes to encrypt).
 */
int bthome_encode(const struct bthome_obj *obj, size_t n, unsigned int flags,
		  const uint8_t mac[6], const struct aes_key *key, uint32_t counter,
		  uint8_t *out, size_t size);

/* Data bytes of v2 object @id: 1..4, 0 for the variable-length 0x53/0x54 (a length byte
 * follows the id), -1 for an id we do not know. For tests and tools. */
int bthome_obj_size(uint8_t id);

#endif
