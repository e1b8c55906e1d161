/* SPDX-License-Identifier: MIT */
/* btsnoop.c — btsnoop headers and the HCI packets inside them. The layout follows the
 * "btsnoop format" note (fte.com, after RFC 1761) and BlueZ src/shared/btsnoop.c, which
 * adds the monitor datalink 2001 that btmon -w writes. Everything is big endian. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/rd.h"
#include "source/btsnoop.h"
#include "source/hci_event.h"

/* rd.h has no big-endian 32/64-bit readers; two calls in one expression would be
 * unsequenced, hence these. */
static uint32_t rd_be32(struct rd *r)
{
	uint32_t hi = rd_be16(r);

	return hi << 16 | rd_be16(r);
}

static uint64_t rd_be64(struct rd *r)
{
	uint64_t hi = rd_be32(r);

	return hi << 32 | rd_be32(r);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/*
 * File header (16 bytes):
 *   0  magic "btsnoop\0"
 *   8  version  BE32 = 1
 *  12  datalink BE32 (1001, 1002, 2001 here; 1003 BCSP and 1004 3-wire are not read)
 */
int btsnoop_parse_header(const uint8_t *p, size_t len, uint32_t *datalink, char err[static 256])
{
	struct rd r = rd_init(p, len);
	const uint8_t *magic = rd_take(&r, 8);
	uint32_t version = rd_be32(&r);
	uint32_t dl = rd_be32(&r);

	if (!rd_ok(&r)) {
		snprintf(err, 256, "truncated btsnoop header at byte 0: %d bytes needed, %zu left",
			 BTSNOOP_HDR_LEN, len);
		return -EBADMSG;
	}
	if (memcmp(magic, BTSNOOP_MAGIC, 8)) {
		snprintf(err, 256, "not a btsnoop file: bad magic at byte 0");
		return -EBADMSG;
	}
	if (version != BTSNOOP_VERSION) {
		snprintf(err, 256, "btsnoop version %u at byte 8 is not supported (only 1)",
			 version);
		return -ENOTSUP;
	}
	if (dl != BTSNOOP_FORMAT_HCI && dl != BTSNOOP_FORMAT_UART && dl != BTSNOOP_FORMAT_MONITOR) {
		snprintf(err, 256,
			 "btsnoop datalink %u at byte 12 is not supported "
			 "(1001 HCI, 1002 H4, 2001 monitor are)",
			 dl);
		return -ENOTSUP;
	}
	*datalink = dl;
	return 0;
}

/*
 * Record header (24 bytes), then incl_len bytes of packet:
 *   0  original length  BE32
 *   4  included length  BE32
 *   8  flags            BE32 (1001/1002: bit 0 received, bit 1 command/event;
 *                             2001: controller index << 16 | opcode)
 *  12  cumulative drops BE32
 *  16  timestamp        BE64, microseconds since midnight 1 Jan 0 AD
 */
int btsnoop_parse_record(const uint8_t *p, size_t len, struct btsnoop_rec *rec)
{
	struct rd r = rd_init(p, len);
	uint64_t ts;

	rec->orig_len = rd_be32(&r);
	rec->incl_len = rd_be32(&r);
	rec->flags = rd_be32(&r);
	rec->drops = rd_be32(&r);
	ts = rd_be64(&r);
	if (!rd_ok(&r))
		return -EBADMSG;
	/* Stamps before 1970 only come from writers with no clock; call them unknown. */
	rec->time_us = ts >= BTSNOOP_EPOCH_DELTA_US ? ts - BTSNOOP_EPOCH_DELTA_US : 0;
	return 0;
}

int btsnoop_adv_reports(uint32_t datalink, const struct btsnoop_rec *rec, const uint8_t *body,
			size_t len, struct adv *out, size_t max)
{
	struct rd r = rd_init(body, len);
	int n;

	switch (datalink) {
	case BTSNOOP_FORMAT_UART:
		if (rd_u8(&r) != HCI_H4_EVENT || !rd_ok(&r))
			return -ENOMSG;
		break;
	case BTSNOOP_FORMAT_HCI:
		/* Both bits: a command/event packet going to the host, i.e. an event. */
		if ((rec->flags & 0x03) != (BTSNOOP_FLAG_RECEIVED | BTSNOOP_FLAG_CMD_EVT))
			return -ENOMSG;
		break;
	case BTSNOOP_FORMAT_MONITOR:
		if ((rec->flags & 0xFFFF) != BTSNOOP_MONITOR_EVENT_PKT)
			return -ENOMSG;
		break;
	default:
		return -ENOMSG;
	}
	n = hci_event_adv_reports(body + r.off, rd_left(&r), rec->time_us, out, max);
	return n == 0 ? -EBADMSG : n;
}

void btsnoop_put_header(uint8_t out[static BTSNOOP_HDR_LEN], uint32_t datalink)
{
	memcpy(out, BTSNOOP_MAGIC, 8);
	put_be32(out + 8, BTSNOOP_VERSION);
	put_be32(out + 12, datalink);
}

void btsnoop_put_record(uint8_t out[static BTSNOOP_REC_HDR_LEN], uint32_t len, uint32_t flags,
			uint64_t time_us)
{
	put_be32(out, len);
	put_be32(out + 4, len);
	put_be32(out + 8, flags);
	put_be32(out + 12, 0);
	/* Wraps only for stamps half a million years out; the reader maps those to 0. */
	put_be64(out + 16, time_us + BTSNOOP_EPOCH_DELTA_US);
}

static void put_addr_le(uint8_t *p, const uint8_t addr[6])
{
	for (int i = 0; i < 6; i++)
		p[i] = addr[5 - i];
}

/*
 * LE Advertising Report (Core 5.4 Vol 4 Part E 7.7.65.2), one report:
 *   04 3E plen 02 01 | evt_type addr_type addr[6] data_len data[] rssi
 * LE Extended Advertising Report (7.7.65.13), one report:
 *   04 3E plen 0D 01 | evt_type LE16, addr_type, addr[6], primary PHY, secondary PHY,
 *   SID, TX power, RSSI, periodic interval LE16, direct addr type, direct addr[6],
 *   data_len, data[]
 */
int btsnoop_h4_adv_event(const struct adv *adv, uint8_t out[static 258])
{
	uint8_t *p = out + 3;

	/* struct adv does not say which event it came from, so the type decides: legacy
	 * events carry 0..4 (and whatever reserved byte a controller sent, which may be
	 * >= 0x80), extended ones 7 bits of which hci_event keeps all, e.g. 0x13 for a legacy
	 * PDU. Values 5..0x7F therefore go back out extended, so reading returns them intact. */
	if (adv->len <= 31 && (adv->evt_type <= 4 || adv->evt_type >= 0x80)) {
		*p++ = HCI_EV_LE_ADV_REPORT;
		*p++ = 1;
		*p++ = adv->evt_type;
		*p++ = adv->addr_type;
		put_addr_le(p, adv->addr);
		p += 6;
		*p++ = adv->len;
		memcpy(p, adv->data, adv->len);
		p += adv->len;
		*p++ = (uint8_t)adv->rssi;
	} else {
		if (adv->len > 255 - 26)
			return -EMSGSIZE;
		*p++ = HCI_EV_LE_EXT_ADV_REPORT;
		*p++ = 1;
		*p++ = adv->evt_type;
		*p++ = 0;
		*p++ = adv->addr_type;
		put_addr_le(p, adv->addr);
		p += 6;
		*p++ = 0x01; /* primary PHY: LE 1M */
		*p++ = 0x00; /* no secondary PHY */
		*p++ = 0xFF; /* no ADI field */
		*p++ = 0x7F; /* TX power not available */
		*p++ = (uint8_t)adv->rssi;
		*p++ = 0; /* no periodic advertising */
		*p++ = 0;
		memset(p, 0, 7); /* not directed: direct address type and address unused */
		p += 7;
		*p++ = adv->len;
		memcpy(p, adv->data, adv->len);
		p += adv->len;
	}
	out[0] = HCI_H4_EVENT;
	out[1] = HCI_EV_LE_META;
	out[2] = (uint8_t)(p - out - 3);
	return (int)(p - out);
}
