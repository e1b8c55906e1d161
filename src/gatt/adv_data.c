/* SPDX-License-Identifier: MIT */
/* adv_data.c — raw AD structures → LEAdvertisement1 classes (adv_data.h). The type numbers
 * are Bluetooth Assigned Numbers 2.3; which ones bluetoothd refuses in its Data property is
 * BlueZ's src/shared/ad.c type_reject_list (5.66), and it accepts only types 0x01-0x3D and
 * 0xFF at all (ad_is_type_valid). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "decode/ad.h"
#include "gatt/adv_data.h"

unsigned int adv_data_uuid_bits(uint8_t type)
{
	switch (type) {
	case 0x02: case 0x03: case 0x14: case 0x16:
		return 16;
	case 0x04: case 0x05: case 0x1F: case 0x20:
		return 32;
	case 0x06: case 0x07: case 0x15: case 0x21:
		return 128;
	default:
		return 0;
	}
}

/* Types another LEAdvertisement1 property owns, or the stack must write itself: BlueZ's
 * type_reject_list minus the ones we map to a property above. */
static bool stack_only(uint8_t type)
{
	switch (type) {
	case 0x0D: case 0x0E: case 0x0F: case 0x10: case 0x11: case 0x12: /* CoD, OOB, DI, TK */
	case 0x17: case 0x18: case 0x1A: case 0x1B: case 0x1C:   /* addresses, interval, role */
	case 0x1D: case 0x1E: case 0x22: case 0x23:              /* SSP/SC OOB values */
	case 0x27: case 0x28: case 0x29: case 0x2A: case 0x2B:   /* LE features, mesh */
	case 0x3D:                                               /* 3D information */
		return true;
	default:
		return false;
	}
}

int adv_data_class(uint8_t type, size_t len)
{
	unsigned int bits = adv_data_uuid_bits(type);

	switch (type) {
	case 0x01:
		return len >= 1 ? ADV_DATA_FLAGS : -EBADMSG;
	case 0x02: case 0x03: case 0x04: case 0x05: case 0x06: case 0x07:
	case 0x14: case 0x15: case 0x1F:
		if (len == 0 || len % (bits / 8))
			return -EBADMSG;
		return type >= 0x14 ? ADV_DATA_SOLICIT : ADV_DATA_UUIDS;
	case 0x16: case 0x20: case 0x21:
		return len >= bits / 8 ? ADV_DATA_SVC_DATA : -EBADMSG;
	case 0xFF:
		return len >= 2 ? ADV_DATA_MFR : -EBADMSG;
	case 0x08: case 0x09:
		return len >= 1 ? ADV_DATA_NAME : -EBADMSG;
	case 0x0A:
		return len == 1 ? ADV_DATA_TX_POWER : -EBADMSG;
	case 0x19:
		return len == 2 ? ADV_DATA_APPEARANCE : -EBADMSG;
	default:
		if (type == 0 || (type > 0x3D && type != 0xFF) || stack_only(type))
			return -ENOTSUP;
		return ADV_DATA_RAW;
	}
}

int adv_data_check(const uint8_t *p, size_t len, struct adv_data_err *err)
{
	struct ad_iter it;
	struct ad_elem e;

	if (len > ADV_DATA_MAX) {
		*err = (struct adv_data_err){ 0, 0, "longer than 255 bytes" };
		return -EBADMSG;
	}
	ad_iter_init(&it, p, len);
	while (ad_next(&it, &e)) {
		int c = adv_data_class(e.type, e.len);

		if (c < 0) {
			err->off = (uint8_t)(e.data - 2 - p);
			err->type = e.type;
			err->why = c == -ENOTSUP
				   ? "an AD type bluetoothd writes itself or does not accept"
				   : "an element too short for its type";
			return c;
		}
	}
	if (it.err) {
		*err = (struct adv_data_err){ it.err_off, 0,
					      "a length byte of zero or past the end" };
		return -EBADMSG;
	}
	return 0;
}

char *adv_data_uuid_str(const uint8_t *le, unsigned int bits, char out[37])
{
	if (bits == 16) {
		snprintf(out, 37, "%02x%02x", le[1], le[0]);
	} else if (bits == 32) {
		snprintf(out, 37, "%02x%02x%02x%02x", le[3], le[2], le[1], le[0]);
	} else {
		char *o = out;

		for (int i = 15; i >= 0; i--) {
			o += sprintf(o, "%02x", le[i]);
			if (i == 12 || i == 10 || i == 8 || i == 6)
				*o++ = '-';
		}
		*o = '\0';
	}
	return out;
}
