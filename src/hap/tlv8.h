/* SPDX-License-Identifier: MIT */
/* tlv8.h — HAP's type-length-value encoding (application/pairing+tlv8): one byte of type, one
 * of length, then the value. A value longer than 255 bytes travels as consecutive items of
 * the same type, every one but the last exactly 255 long; a 0xFF item separates list
 * entries. Reading never allocates: values are gathered into the caller's buffer. */
#ifndef MI32_TLV8_H
#define MI32_TLV8_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/wr.h"

/* The item types of pairing (HAP spec, table 5-6). */
enum tlv8_type {
	TLV8_METHOD = 0x00,
	TLV8_IDENTIFIER = 0x01,
	TLV8_SALT = 0x02,
	TLV8_PUBLIC_KEY = 0x03,
	TLV8_PROOF = 0x04,
	TLV8_ENCRYPTED_DATA = 0x05,
	TLV8_STATE = 0x06,
	TLV8_ERROR = 0x07,
	TLV8_RETRY_DELAY = 0x08,
	TLV8_CERTIFICATE = 0x09,
	TLV8_SIGNATURE = 0x0a,
	TLV8_PERMISSIONS = 0x0b,
	TLV8_FRAGMENT_DATA = 0x0c,
	TLV8_FRAGMENT_LAST = 0x0d,
	TLV8_FLAGS = 0x13,
	TLV8_SEPARATOR = 0xff,
};

/* The error codes carried in TLV8_ERROR. */
enum tlv8_error {
	TLV8_ERR_UNKNOWN = 0x01,
	TLV8_ERR_AUTHENTICATION = 0x02,
	TLV8_ERR_BACKOFF = 0x03,
	TLV8_ERR_MAX_PEERS = 0x04,
	TLV8_ERR_MAX_TRIES = 0x05,
	TLV8_ERR_UNAVAILABLE = 0x06,
	TLV8_ERR_BUSY = 0x07,
};

/* 0 when every item of @buf fits inside it, else -EBADMSG (a truncated item). */
int tlv8_check(const uint8_t *buf, size_t len);

/* The value of the first item of @type, its fragments joined, copied into out[cap].
 * Returns its length, -ENOENT when absent, -EBADMSG when @buf is malformed, -EMSGSIZE when
 * the value does not fit (out then holds nothing useful). */
ssize_t tlv8_get(const uint8_t *buf, size_t len, uint8_t type, uint8_t *out, size_t cap);

/* A one-byte item: 0 and *v, -ENOENT, -EBADMSG (malformed, or not exactly one byte). */
int tlv8_get_u8(const uint8_t *buf, size_t len, uint8_t type, uint8_t *v);

/* Appends an item, split into 255-byte fragments; len 0 writes one empty item. Overruns
 * are wr's sticky error. */
void tlv8_put(struct wr *w, uint8_t type, const void *v, size_t len);
void tlv8_put_u8(struct wr *w, uint8_t type, uint8_t v);

#endif
