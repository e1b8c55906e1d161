/* SPDX-License-Identifier: MIT */
/* adv_data.h — the seed's raw advertising data (the buffer of ops 201 and 202: AD
 * structures, length-type-data) sorted into what bluetoothd's LEAdvertisement1 can carry.
 * BlueZ takes no raw advertisement, only properties it serialises itself
 * (doc/org.bluez.LEAdvertisement.rst), so each element is classified once here: flags
 * (bluetoothd's own), service UUIDs, solicitations, service data, manufacturer data, a
 * name, TX power, appearance, or "Data" for the types its Data property accepts. Pure:
 * bytes in, classes out; the D-Bus side (gatt_adv.c) walks the same bytes with it. */
#ifndef MI32_ADV_DATA_H
#define MI32_ADV_DATA_H

#include <stddef.h>
#include <stdint.h>

#define ADV_DATA_MAX 255 /* the seed's buffer: [0] = length, up to 255 bytes */

enum adv_data_class {
	ADV_DATA_FLAGS = 1,   /* bluetoothd writes its own flags: dropped */
	ADV_DATA_UUIDS,       /* 0x02-0x07 → ServiceUUIDs */
	ADV_DATA_SOLICIT,     /* 0x14, 0x15, 0x1F → SolicitUUIDs */
	ADV_DATA_SVC_DATA,    /* 0x16, 0x20, 0x21 → ServiceData */
	ADV_DATA_MFR,         /* 0xFF → ManufacturerData (company = first two bytes, LE) */
	ADV_DATA_NAME,        /* 0x08, 0x09 → LocalName */
	ADV_DATA_TX_POWER,    /* 0x0A → Includes "tx-power" (bluetoothd fills the value) */
	ADV_DATA_APPEARANCE,  /* 0x19 → Appearance */
	ADV_DATA_RAW,         /* any other type BlueZ's Data property accepts */
};

/* Why a buffer was refused, for the log line of the caller. */
struct adv_data_err {
	uint8_t off;          /* offset of the offending element's length byte */
	uint8_t type;         /* its AD type */
	const char *why;      /* a sentence */
};

/* The class of one element of @type with @len data bytes: an enum adv_data_class, or
 * -EBADMSG (too short for its type, or a UUID list that is not a whole number of UUIDs) or
 * -ENOTSUP (a type bluetoothd neither has a property for nor accepts in Data). */
int adv_data_class(uint8_t type, size_t len);

/* Check @len bytes of AD structures: well formed (the AD walker's rules, decode/ad.h)
 * and every element of a class (adv_data_class()). Returns 0, or -EBADMSG / -ENOTSUP with
 * @err filled in. Empty data is valid (an advertisement with nothing but flags). */
int adv_data_check(const uint8_t *p, size_t len, struct adv_data_err *err);

/* A UUID of @bits (16, 32 or 128) sent little-endian at @le as BlueZ's string form:
 * "fcd2", "0000fcd2"-style 8 digits for 32 bits, the dashed 128-bit form otherwise.
 * Returns @out (size >= 37). */
char *adv_data_uuid_str(const uint8_t *le, unsigned int bits, char out[37]);

/* The UUID width of a UUID-carrying type (0x02-0x07, 0x14-0x16, 0x1F-0x21): 16, 32, 128;
 * 0 for any other type. */
unsigned int adv_data_uuid_bits(uint8_t type);

#endif
