/* SPDX-License-Identifier: MIT */
/* capture.h — capture files in and out: read btsnoop (btmon -w, Android) and classic pcap
 * (Bluetooth link types 187, 201, 256) into adv records, write btsnoop (H4) that Wireshark
 * reads. Not a live source: it reads records in order and leaves pacing to the caller. */
#ifndef MI32_CAPTURE_H
#define MI32_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/adv.h"

struct capture;
struct capture_writer;

#define CAPTURE_ERR_LEN 256

/* Largest record we accept: an H4 ACL packet (type, 4-byte header, 65535 bytes) plus the
 * 4-byte direction pseudo-header of link type 201. Anything larger is a corrupt header. */
#define CAPTURE_RECORD_MAX (4 + 1 + 4 + 65535)

/* Largest advert capture_write_adv() can write: an extended report's 26 fixed bytes plus
 * the data must fit the one-byte HCI event parameter length. */
#define CAPTURE_WRITE_DATA_MAX (255 - 26)

struct capture_stats {
	uint64_t records;   /* records read, of any kind */
	uint64_t adverts;   /* adv records returned */
	uint64_t skipped;   /* records that are not advertising reports */
	uint64_t malformed; /* advertising records whose inside did not add up; skipped */
};

/* Open the capture file at @path, sniffing btsnoop or pcap from its magic. Returns 0 and
 * sets *@cap, or -errno with a sentence in @err: -ENOENT etc. from the OS, -EBADMSG for an
 * unknown magic or a truncated header, -ENOTSUP for pcapng, other btsnoop datalinks or pcap
 * link types. The caller frees *@cap with capture_free(). */
int capture_open(struct capture **cap, const char *path, char err[static CAPTURE_ERR_LEN]);

/* The same over @len bytes at @data, which are borrowed and must outlive *@cap. */
int capture_open_mem(struct capture **cap, const void *data, size_t len,
		     char err[static CAPTURE_ERR_LEN]);

void capture_free(struct capture *cap); /* NULL is a no-op */

/* Read the next advertisement into @out. Returns 1 (one record), 0 (end of file), or
 * -errno: -EBADMSG for a truncated or corrupt record header, -EMSGSIZE for a record larger
 * than CAPTURE_RECORD_MAX, -EIO (or the OS error) on a read error. Errors are sticky and
 * capture_error() says what happened and at which byte offset. Records that are not
 * advertising reports are skipped, as are reports whose inside does not add up (counted in
 * capture_stats()). An HCI event carrying several reports yields them one per call.
 * Does not allocate. */
int capture_next(struct capture *cap, struct adv *out);

/* The last error as a sentence naming the byte offset, or "" when none. Valid until the
 * capture is freed. */
const char *capture_error(const struct capture *cap);

/* A short name of the format, e.g. "btsnoop/H4", "pcap/LE-LL", for logs. */
const char *capture_format(const struct capture *cap);

/* Counters so far (zeros for a NULL @cap). */
void capture_get_stats(const struct capture *cap, struct capture_stats *stats);

/* Create (truncate) @path and write a btsnoop header, datalink 1002 (H4). Returns 0 and sets
 * *@w, or -errno with a sentence in @err. */
int capture_writer_open(struct capture_writer **w, const char *path,
			char err[static CAPTURE_ERR_LEN]);

/* Append @adv as a received HCI LE Advertising Report event: legacy (0x3E/0x02) when
 * adv->len <= 31 and adv->evt_type is not an extended-only value (5..0x7F), else extended
 * (0x3E/0x0D), so that reading the file back gives the same record.
 * Timestamp from adv->time_us. Returns 0, -EMSGSIZE when adv->len exceeds
 * CAPTURE_WRITE_DATA_MAX, or -errno from the write. */
int capture_write_adv(struct capture_writer *w, const struct adv *adv);

/* Append one raw H4 packet (@pkt[0] is the H4 type: 0x01 command, 0x02 ACL, 0x04 event…)
 * of @len bytes, as sent (@received false) or received by the host. Returns 0, -EINVAL for
 * an empty packet, -EMSGSIZE past CAPTURE_RECORD_MAX, or -errno from the write. */
int capture_write_h4(struct capture_writer *w, const uint8_t *pkt, size_t len,
		     uint64_t time_us, bool received);

/* Flush and close, freeing @w in every case. Returns 0 or the first -errno met while
 * writing or flushing, so a full disk is reported even if only the final flush saw it.
 * NULL is a no-op returning 0. */
int capture_writer_close(struct capture_writer *w);

#endif
