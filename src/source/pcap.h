/* SPDX-License-Identifier: MIT */
/* pcap.h — classic libpcap files (either byte order, µs or ns stamps) carrying Bluetooth:
 * pure codec of the headers and of link types 187, 201 and 256. No I/O (capture.c reads),
 * no pcapng (recognised only to say so), no relation to libpcap the library. */
#ifndef MI32_PCAP_H
#define MI32_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/adv.h"

#define PCAP_HDR_LEN 24
#define PCAP_REC_HDR_LEN 16

/* Magic numbers as read little-endian (tcpdump.org/manpages/pcap-savefile.5.html) */
#define PCAP_MAGIC_USEC 0xA1B2C3D4
#define PCAP_MAGIC_NSEC 0xA1B23C4D
#define PCAP_MAGIC_PCAPNG 0x0A0D0D0A /* Section Header Block type, a palindrome */

/* tcpdump.org/linktypes.html */
#define PCAP_LINKTYPE_BLUETOOTH_HCI_H4 187
#define PCAP_LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR 201
#define PCAP_LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR 256

#define PCAP_LE_ADV_ACCESS_ADDRESS 0x8E89BED6 /* Core Vol 6 Part B 2.1.2 */

struct pcap_info {
	bool swapped; /* fields are big endian */
	bool nsec;    /* the fraction field counts nanoseconds */
	uint32_t linktype;
};

struct pcap_rec {
	uint32_t orig_len;
	uint32_t incl_len;
	uint64_t time_us;
};

/* True when the four bytes at @p start a pcapng file. */
bool pcap_is_pcapng(const uint8_t *p, size_t len);

/* True when the four bytes at @p are a classic pcap magic in either byte order. */
bool pcap_is_pcap(const uint8_t *p, size_t len);

/* Check the 24-byte file header at @p. Returns 0 and fills @info, -EBADMSG for a bad magic
 * or version, -ENOTSUP for pcapng or a link type we do not read; @err says which. */
int pcap_parse_header(const uint8_t *p, size_t len, struct pcap_info *info,
		      char err[static 256]);

/* Decode a 16-byte record header. Returns 0, or -EBADMSG when @len is short or the
 * sub-second field is out of range (a sign of a corrupt header). */
int pcap_parse_record(const struct pcap_info *info, const uint8_t *p, size_t len,
		      struct pcap_rec *rec);

/* Turn one record body into adverts. Returns the count (>= 1), -ENOMSG for a record that
 * is not an advertisement, -EBADMSG for one whose inside does not add up. */
int pcap_adv_reports(const struct pcap_info *info, const struct pcap_rec *rec,
		     const uint8_t *body, size_t len, struct adv *out, size_t max);

#endif
