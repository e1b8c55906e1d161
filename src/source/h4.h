/* SPDX-License-Identifier: MIT */
/* h4.h — HCI over a UART with H4 framing (Core Vol 4 Part A): tty set-up, a resyncing
 * framer for the byte stream, and a source that feeds framed packets to hci.c's state
 * machine (which sends Reset first, as for the user channel). */
#ifndef MI32_H4_H
#define MI32_H4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source/hci.h"
#include "source/source.h"

struct h4;

#define H4_DEFAULT_BAUD 115200u
/* ACL/ISO payloads longer than this are taken for line noise: no controller we drive
 * sends them (we never raise the host buffer size), and trusting a garbage length would
 * swallow the real packets behind it. */
#define H4_MAX_SKIP_LEN 1024u

/* Called with each complete event packet, H4 type byte first; valid during the call. */
typedef void (*h4_packet_fn)(const uint8_t *pkt, size_t len, void *user_data);

struct h4_framer_stats {
	uint64_t packets;       /* event packets delivered */
	uint64_t skipped_pkts;  /* ACL/SCO/ISO packets skipped by length */
	uint64_t garbage_bytes; /* bytes dropped while resynchronising */
};

/* Open struct so it can be embedded; touch it only through h4_framer_*. */
struct h4_framer {
	uint8_t buf[1 + 2 + 255];
	size_t have;   /* bytes in buf */
	size_t need;   /* bytes the current packet needs in total (0: unknown yet) */
	size_t skip;   /* payload bytes still to drop for a skipped packet */
	struct h4_framer_stats stats;
};

void h4_framer_init(struct h4_framer *f);
/* Consume @len bytes of the stream, calling @cb for each complete event packet. Bytes
 * that cannot start a packet (type not 0x02..0x05, event code 0, absurd lengths) are
 * dropped one at a time and counted until a plausible header appears. */
void h4_framer_feed(struct h4_framer *f, const uint8_t *p, size_t len, h4_packet_fn cb,
		    void *user_data);

/* Parse "DEV[,BAUD][,crtscts]" into @path (@path_size bytes), @baud and @flow. Returns 0
 * or -EINVAL. */
int h4_parse_spec(const char *spec, char *path, size_t path_size, unsigned int *baud,
		  bool *flow);

/* Open a tty (O_RDWR|O_NOCTTY|O_NONBLOCK|O_CLOEXEC), raw 8N1 at @baud, hardware flow
 * control if @flow, buffers flushed. Returns the fd or -errno with a sentence in @err. */
int h4_open_tty(const char *path, unsigned int baud, bool flow, char err[static 256]);

/* Put an already open tty fd in raw 8N1 at @baud (+CRTSCTS). 0 or -errno. */
int h4_setup_tty(int fd, unsigned int baud, bool flow);

/* Wrap @fd (owned: closed in h4_free()). @cb/@user_data/@destroy as hci_new(). Returns
 * NULL on ENOMEM or bad arguments. */
struct h4 *h4_new(int fd, source_adv_fn cb, void *user_data, void (*destroy)(void *user_data));
/* Safe from inside the advert callback (freeing is deferred). NULL is a no-op. */
void h4_free(struct h4 *h);
/* The generic handle (source.h) radio.c drives; borrowed, freed by h4_free(). */
struct source *h4_source(struct h4 *h);
int h4_fd(const struct h4 *h);

/* Reset and start scanning (hci_start() in HCI_MODE_H4). 0 or -errno. */
int h4_start(struct h4 *h, bool active);
int h4_restart(struct h4 *h);

/* Read all pending bytes, frame them, run them through the HCI state machine. Returns 0,
 * -ECONNRESET when the device went away (EOF/EIO/hang-up), or hci_input()'s error. */
int h4_process(struct h4 *h);

/* Feed stream bytes as h4_process() does after a read (fuzzing, tests). */
int h4_input(struct h4 *h, const uint8_t *p, size_t len);

uint64_t h4_last_adv_time(const struct h4 *h);

/* The HCI state machine inside (borrowed: for hci_get_info()/hci_get_stats()/
 * hci_set_scan_params(); never hci_free() it). */
struct hci *h4_hci(struct h4 *h);
void h4_get_framer_stats(const struct h4 *h, struct h4_framer_stats *out);

#endif
