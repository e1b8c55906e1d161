/* SPDX-License-Identifier: MIT */
/* pcap.c — classic pcap headers (pcap-savefile(5)) and the three Bluetooth link types we
 * turn into adverts: HCI H4 (187), HCI H4 with a direction pseudo-header (201) and LE Link
 * Layer sniffer frames with an RF pseudo-header (256, what Ubertooth and nRF Sniffer
 * tooling export). Byte order of the headers follows the magic; payloads keep their own. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/rd.h"
#include "source/hci_event.h"
#include "source/pcap.h"

/* Only the flags bits we look at; tcpdump.org/linktypes/LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR */
#define LE_PHDR_SIGNAL_VALID 0x0002
#define LE_PHDR_CRC_CHECKED 0x0400
#define LE_PHDR_CRC_VALID 0x0800
#define LE_PHDR_PHY_MASK 0xC000 /* 0 LE 1M, 1 LE 2M, 2 LE Coded */

/* Advertising channel PDU types (Core Vol 6 Part B 2.3) */
#define LL_ADV_IND 0x0
#define LL_ADV_NONCONN_IND 0x2
#define LL_SCAN_RSP 0x4
#define LL_ADV_SCAN_IND 0x6

/* HCI advertising report event types for the same (Core Vol 4 Part E 7.7.65.2) */
#define HCI_ADV_IND 0x00
#define HCI_ADV_SCAN_IND 0x02
#define HCI_ADV_NONCONN_IND 0x03
#define HCI_SCAN_RSP 0x04

static uint32_t rd_u32(struct rd *r, bool big_endian)
{
	uint32_t hi;

	if (!big_endian)
		return rd_le32(r);
	hi = rd_be16(r);
	return hi << 16 | rd_be16(r);
}

static uint32_t magic_le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint32_t bswap32(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xFF00) | (v << 8 & 0xFF0000) | v << 24;
}

bool pcap_is_pcapng(const uint8_t *p, size_t len)
{
	return len >= 4 && magic_le(p) == PCAP_MAGIC_PCAPNG;
}

bool pcap_is_pcap(const uint8_t *p, size_t len)
{
	uint32_t m;

	if (len < 4)
		return false;
	m = magic_le(p);
	return m == PCAP_MAGIC_USEC || m == PCAP_MAGIC_NSEC || bswap32(m) == PCAP_MAGIC_USEC ||
	       bswap32(m) == PCAP_MAGIC_NSEC;
}

/*
 * File header (24 bytes), in the writer's byte order:
 *   0  magic          A1B2C3D4 (µs) or A1B23C4D (ns)
 *   4  version major  16 = 2, minor 16 = 4
 *   8  thiszone, sigfigs (both 0 in practice; ignored)
 *  16  snaplen
 *  20  link type (low 16 bits; FCS bits above are not used by Bluetooth)
 */
int pcap_parse_header(const uint8_t *p, size_t len, struct pcap_info *info,
		      char err[static 256])
{
	struct rd r = rd_init(p, len);
	uint32_t m, lt;
	uint16_t major;

	if (pcap_is_pcapng(p, len)) {
		snprintf(err, 256, "pcapng is not supported, convert with editcap -F pcap");
		return -ENOTSUP;
	}
	if (len < PCAP_HDR_LEN) {
		snprintf(err, 256, "truncated pcap header at byte 0: %d bytes needed, %zu left",
			 PCAP_HDR_LEN, len);
		return -EBADMSG;
	}
	m = rd_le32(&r);
	if (m == PCAP_MAGIC_USEC || m == PCAP_MAGIC_NSEC) {
		info->swapped = false;
	} else if (bswap32(m) == PCAP_MAGIC_USEC || bswap32(m) == PCAP_MAGIC_NSEC) {
		info->swapped = true;
		m = bswap32(m);
	} else {
		snprintf(err, 256, "not a pcap file: bad magic at byte 0");
		return -EBADMSG;
	}
	info->nsec = m == PCAP_MAGIC_NSEC;
	major = info->swapped ? rd_be16(&r) : rd_le16(&r);
	rd_skip(&r, 2 + 4 + 4 + 4); /* minor, thiszone, sigfigs, snaplen */
	lt = rd_u32(&r, info->swapped) & 0xFFFF;
	if (major != 2) {
		snprintf(err, 256, "pcap version %u at byte 4 is not supported (only 2.x)", major);
		return -EBADMSG;
	}
	if (lt != PCAP_LINKTYPE_BLUETOOTH_HCI_H4 && lt != PCAP_LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR &&
	    lt != PCAP_LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR) {
		snprintf(err, 256,
			 "pcap link type %u at byte 20 is not supported "
			 "(187, 201 HCI H4 and 256 LE link layer are)",
			 lt);
		return -ENOTSUP;
	}
	info->linktype = lt;
	return 0;
}

/*
 * Record header (16 bytes): ts_sec, ts_usec (or ts_nsec), incl_len, orig_len.
 */
int pcap_parse_record(const struct pcap_info *info, const uint8_t *p, size_t len,
		      struct pcap_rec *rec)
{
	struct rd r = rd_init(p, len);
	uint32_t sec = rd_u32(&r, info->swapped);
	uint32_t frac = rd_u32(&r, info->swapped);

	rec->incl_len = rd_u32(&r, info->swapped);
	rec->orig_len = rd_u32(&r, info->swapped);
	if (!rd_ok(&r))
		return -EBADMSG;
	/* A fraction of a second past one second is not a clock, it is a broken header. */
	if (frac >= (info->nsec ? 1000000000u : 1000000u))
		return -EBADMSG;
	rec->time_us = (uint64_t)sec * 1000000u + (info->nsec ? frac / 1000 : frac);
	return 0;
}

static void addr_from_le(uint8_t dst[6], const uint8_t *src)
{
	for (int i = 0; i < 6; i++)
		dst[i] = src[5 - i];
}

/*
 * LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR, all little endian:
 *   0  RF channel, signal power (dBm, s8), noise power (s8), access address offenses
 *   4  reference access address LE32
 *   8  flags LE16 (0x0002 signal valid, 0x0400 CRC checked, 0x0800 CRC valid, PHY 0xC000)
 *  10  LE packet without preamble: access address LE32, PDU header (type in bits 0-3,
 *      TxAdd bit 6; length), payload = AdvA (6, LSB first) + AdvData, CRC (3)
 */
static int le_ll_adv(const struct pcap_rec *rec, const uint8_t *body, size_t len,
		     struct adv *out)
{
	struct rd r = rd_init(body, len);
	int8_t signal;
	uint16_t flags;
	uint32_t aa;
	uint8_t h0, plen, evt, dlen;
	const uint8_t *addr, *data;

	rd_skip(&r, 1); /* RF channel */
	signal = rd_s8(&r);
	rd_skip(&r, 1 + 1 + 4); /* noise, offenses, reference access address */
	flags = rd_le16(&r);
	aa = rd_le32(&r);
	h0 = rd_u8(&r);
	plen = rd_u8(&r);
	if (!rd_ok(&r))
		return -EBADMSG;
	/* Data channel PDUs share the framing but not the meaning of the header; coded PHY
	 * inserts a coding indicator and carries only extended advertising, which we skip. */
	if (aa != PCAP_LE_ADV_ACCESS_ADDRESS || (flags & LE_PHDR_PHY_MASK) != 0)
		return -ENOMSG;
	switch (h0 & 0x0F) {
	case LL_ADV_IND:
		evt = HCI_ADV_IND;
		break;
	case LL_ADV_NONCONN_IND:
		evt = HCI_ADV_NONCONN_IND;
		break;
	case LL_SCAN_RSP:
		evt = HCI_SCAN_RSP;
		break;
	case LL_ADV_SCAN_IND:
		evt = HCI_ADV_SCAN_IND;
		break;
	default:
		return -ENOMSG;
	}
	/* A sniffer passes frames that failed their CRC on when asked to; never decode them. */
	if ((flags & LE_PHDR_CRC_CHECKED) && !(flags & LE_PHDR_CRC_VALID))
		return -EBADMSG;
	/* Legacy advertising payloads are 6..37 bytes (Core Vol 6 Part B 2.3.1). */
	if (plen < 6 || plen > 37)
		return -EBADMSG;
	dlen = plen - 6;
	addr = rd_take(&r, 6);
	data = rd_take(&r, dlen);
	rd_skip(&r, 3); /* CRC */
	if (!rd_ok(&r) || rd_left(&r))
		return -EBADMSG;
	memset(out, 0, offsetof(struct adv, data));
	out->evt_type = evt;
	out->addr_type = (h0 >> 6) & 1;
	addr_from_le(out->addr, addr);
	out->rssi = (flags & LE_PHDR_SIGNAL_VALID) ? signal : ADV_RSSI_NONE;
	out->len = dlen;
	memcpy(out->data, data, dlen);
	out->time_us = rec->time_us;
	return 1;
}

int pcap_adv_reports(const struct pcap_info *info, const struct pcap_rec *rec,
		     const uint8_t *body, size_t len, struct adv *out, size_t max)
{
	struct rd r = rd_init(body, len);
	int n;

	if (max == 0)
		return -EINVAL;
	switch (info->linktype) {
	case PCAP_LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR:
		return le_ll_adv(rec, body, len, out);
	case PCAP_LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR:
		/* BE32 direction (0 sent, 1 received); an event's H4 type already says it
		 * came from the controller. */
		rd_skip(&r, 4);
		break;
	case PCAP_LINKTYPE_BLUETOOTH_HCI_H4:
		break;
	default:
		return -ENOMSG;
	}
	if (rd_u8(&r) != HCI_H4_EVENT || !rd_ok(&r))
		return -ENOMSG;
	n = hci_event_adv_reports(body + r.off, rd_left(&r), rec->time_us, out, max);
	return n == 0 ? -EBADMSG : n;
}
