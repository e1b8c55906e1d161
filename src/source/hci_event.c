/* SPDX-License-Identifier: MIT */
/* hci_event.c — LE Advertising Report parsing. The spec draws multi-report events as
 * parallel arrays, but controllers (and BlueZ's hci_ev_le_advertising_info) lay reports out
 * one after the other; we follow what is sent. Addresses arrive LSB first and are turned
 * into display order here, once. */
#include <errno.h>
#include <string.h>

#include "util/rd.h"
#include "source/hci_event.h"

static void addr_from_le(uint8_t dst[6], const uint8_t *src)
{
	for (int i = 0; i < 6; i++)
		dst[i] = src[5 - i];
}

int hci_event_adv_reports(const uint8_t *evt, size_t len, uint64_t time_us, struct adv *out,
			  size_t max)
{
	struct rd r = rd_init(evt, len);
	uint8_t code, plen, sub, num;
	size_t n = 0;

	code = rd_u8(&r);
	plen = rd_u8(&r);
	if (!rd_ok(&r) || code != HCI_EV_LE_META)
		return -ENOMSG;
	if (plen != rd_left(&r))
		return -EBADMSG;
	sub = rd_u8(&r);
	if (sub != HCI_EV_LE_ADV_REPORT && sub != HCI_EV_LE_EXT_ADV_REPORT)
		return -ENOMSG;
	num = rd_u8(&r);
	if (!rd_ok(&r) || num == 0)
		return -EBADMSG;
	for (unsigned int i = 0; i < num; i++) {
		struct adv a;
		const uint8_t *addr, *data;
		uint8_t dlen;

		memset(&a, 0, offsetof(struct adv, data));
		if (sub == HCI_EV_LE_ADV_REPORT) {
			a.evt_type = rd_u8(&r);
			a.addr_type = rd_u8(&r);
			addr = rd_take(&r, 6);
			dlen = rd_u8(&r);
			data = rd_take(&r, dlen);
			a.rssi = rd_s8(&r);
		} else {
			uint16_t et = rd_le16(&r);

			/* legacy PDUs reported through the extended event keep their old
			 * type in the low bits; bit 4 marks them */
			a.evt_type = (uint8_t)(et & 0x7F);
			a.addr_type = rd_u8(&r);
			addr = rd_take(&r, 6);
			rd_skip(&r, 3); /* primary PHY, secondary PHY, SID */
			rd_skip(&r, 1); /* TX power */
			a.rssi = rd_s8(&r);
			rd_skip(&r, 2 + 1 + 6); /* periodic interval, direct address */
			dlen = rd_u8(&r);
			data = rd_take(&r, dlen);
		}
		if (!rd_ok(&r))
			return -EBADMSG;
		/* 0xFF in the extended event is "anonymous"; keep it, it is just a type */
		addr_from_le(a.addr, addr);
		a.len = dlen;
		a.time_us = time_us;
		memcpy(a.data, data, dlen);
		if (n < max)
			out[n++] = a;
	}
	if (rd_left(&r))
		return -EBADMSG;
	return (int)n;
}
