/* SPDX-License-Identifier: MIT */
/* btsnoop.h — the btsnoop file format (RFC 1761's snoop, as BlueZ btmon and Android write
 * it): pure codec of its headers and of the HCI packets inside. No I/O; capture.c reads
 * and writes the bytes. */
#ifndef MI32_BTSNOOP_H
#define MI32_BTSNOOP_H

#include <stddef.h>
#include <stdint.h>

#include "decode/adv.h"

#define BTSNOOP_HDR_LEN 16
#define BTSNOOP_REC_HDR_LEN 24
#define BTSNOOP_MAGIC "btsnoop\0"
#define BTSNOOP_VERSION 1

/* Datalink ids: BlueZ src/shared/btsnoop.h BTSNOOP_FORMAT_* */
#define BTSNOOP_FORMAT_HCI 1001     /* unencapsulated; flags say command/event */
#define BTSNOOP_FORMAT_UART 1002    /* H4: first byte is the packet type */
#define BTSNOOP_FORMAT_MONITOR 2001 /* btmon: flags = index << 16 | opcode */

/* Record flags for 1001/1002 (btsnoop spec "Packet Flags") */
#define BTSNOOP_FLAG_RECEIVED 0x01 /* controller to host */
#define BTSNOOP_FLAG_CMD_EVT 0x02  /* command or event, not data */

#define BTSNOOP_MONITOR_EVENT_PKT 3 /* BlueZ BTSNOOP_OPCODE_EVENT_PKT */

/* Microseconds from 0 AD (proleptic Gregorian, as the format counts) to 1970-01-01. */
#define BTSNOOP_EPOCH_DELTA_US 0x00dcddb30f2f8000ULL

struct btsnoop_rec {
	uint32_t orig_len;
	uint32_t incl_len;
	uint32_t flags;
	uint32_t drops;
	uint64_t time_us; /* Unix epoch; 0 when the stamp is before 1970 */
};

/* Check the 16-byte file header at @p. Returns 0 and the datalink in *@datalink, -EBADMSG
 * for a wrong magic, -ENOTSUP for another version or a datalink we do not read; @err says
 * which. */
int btsnoop_parse_header(const uint8_t *p, size_t len, uint32_t *datalink,
			 char err[static 256]);

/* Decode a 24-byte record header. Returns 0, or -EBADMSG when @len is short. */
int btsnoop_parse_record(const uint8_t *p, size_t len, struct btsnoop_rec *rec);

/* Turn one record body into adverts. Returns the count (>= 1), -ENOMSG for a record that
 * is not an LE advertising report event, -EBADMSG for one whose inside does not add up. */
int btsnoop_adv_reports(uint32_t datalink, const struct btsnoop_rec *rec, const uint8_t *body,
			size_t len, struct adv *out, size_t max);

/* Fill the file header for @datalink. */
void btsnoop_put_header(uint8_t out[static BTSNOOP_HDR_LEN], uint32_t datalink);

/* Fill a record header for a complete (not snapped) packet of @len bytes. */
void btsnoop_put_record(uint8_t out[static BTSNOOP_REC_HDR_LEN], uint32_t len, uint32_t flags,
			uint64_t time_us);

/* Synthesise the H4 bytes (0x04 first) of an LE Advertising Report event for @adv into
 * @out (room for 3 + 255 bytes). Returns the length, or -EMSGSIZE when the data cannot
 * fit one event. */
int btsnoop_h4_adv_event(const struct adv *adv, uint8_t out[static 258]);

#endif
