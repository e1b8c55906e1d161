/* SPDX-License-Identifier: MIT */
/* rxfer.h — the framing on Xiaomi's standard-auth characteristic 0x0019 ("rxfer" in the Mi
 * SDK). Every frame starts with a 16-bit LE sequence number sn:
 *
 *   sn = 0, control:  00 00 | mode | code | [arg_lo arg_hi]
 *       mode 0 CMD:   code = type, arg = number of data frames that follow   (6 bytes)
 *       mode 1 ACK:   code = ACK code; ACK LOST adds arg = the missing sn    (4 or 6 bytes)
 *   sn = 1..n, data:  sn_lo sn_hi | up to 18 bytes; all but the last carry exactly 18, and
 *                     frame sn belongs at offset (sn-1)*18
 *
 * A transfer: CMD(type, n) → ACK READY → frames 1..n → ACK SUCCESS, or ACK LOST sn and the
 * sender sends frame sn again (shared/notes/mi-activation.md §3.2). Pure: no I/O. */
#ifndef MI32_RXFER_H
#define MI32_RXFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RXFER_PAYLOAD 18       /* data bytes per frame at the default ATT MTU */
#define RXFER_FRAME_MAX 20
#define RXFER_FRAMES_MAX 16    /* the largest transfer we take: 288 bytes */
#define RXFER_DATA_MAX (RXFER_PAYLOAD * RXFER_FRAMES_MAX)

enum rxfer_kind {
	RXFER_KIND_CMD,
	RXFER_KIND_ACK,
	RXFER_KIND_DATA,
};

/* CMD types (the SDK's fctrl_cmd_t) */
enum rxfer_type {
	RXFER_TYPE_PASS_THROUGH = 0x00,
	RXFER_TYPE_DEV_CERT = 0x01,
	RXFER_TYPE_DEV_MANU_CERT = 0x02,
	RXFER_TYPE_ECC_PUBKEY = 0x03,
	RXFER_TYPE_DEV_SIGNATURE = 0x04,
	RXFER_TYPE_DEV_LOGIN_INFO = 0x05,
	RXFER_TYPE_DEV_SHARE_INFO = 0x06,
	RXFER_TYPE_SERVER_CERT = 0x07,
	RXFER_TYPE_SERVER_SIGN = 0x08,
	RXFER_TYPE_MESH_CONFIG = 0x09,
	RXFER_TYPE_APP_CONFIRMATION = 0x0a,
	RXFER_TYPE_APP_RANDOM = 0x0b,
	RXFER_TYPE_DEV_CONFIRMATION = 0x0c,
	RXFER_TYPE_DEV_RANDOM = 0x0d,
	RXFER_TYPE_BIND_KEY = 0x0e,
};

enum rxfer_ack {
	RXFER_ACK_SUCCESS = 0x00,
	RXFER_ACK_READY = 0x01,
	RXFER_ACK_BUSY = 0x02,
	RXFER_ACK_TIMEOUT = 0x03,
	RXFER_ACK_CANCEL = 0x04,
	RXFER_ACK_LOST = 0x05,
};

struct rxfer_frame {
	enum rxfer_kind kind;
	uint16_t sn;           /* DATA: 1..n */
	uint8_t code;          /* CMD: enum rxfer_type; ACK: enum rxfer_ack */
	uint16_t arg;          /* CMD: frame count; ACK LOST: the missing sn */
	const uint8_t *data;   /* DATA: the payload (points into the parsed buffer) */
	size_t len;
};

/* Parse one notification or write. Returns 0, -EBADMSG (too short, a wrong length for its
 * kind, an empty or oversized data frame) or -EPROTONOSUPPORT (a control mode other than
 * CMD/ACK: the "inline" modes of newer firmware, which we do not speak). */
int rxfer_parse(const uint8_t *p, size_t len, struct rxfer_frame *f);

/* Builders: each writes one frame into @out and returns its length. */
size_t rxfer_cmd(uint8_t out[RXFER_FRAME_MAX], uint8_t type, uint16_t n);
size_t rxfer_ack(uint8_t out[RXFER_FRAME_MAX], uint8_t code);
size_t rxfer_ack_lost(uint8_t out[RXFER_FRAME_MAX], uint16_t sn);
/* Frame @sn (1-based) of the @len-byte @payload. 0 when @sn is not one of its frames. */
size_t rxfer_data(uint8_t out[RXFER_FRAME_MAX], const uint8_t *payload, size_t len,
		  uint16_t sn);
/* How many frames carry @len bytes. */
uint16_t rxfer_frames(size_t len);

/* The receiving half: reassembles one transfer announced by a CMD. */
struct rxfer_rx {
	uint8_t type;
	uint16_t n;
	uint32_t have;          /* bit sn-1: frame sn arrived */
	size_t len;             /* set when frame n arrives */
	uint8_t buf[RXFER_DATA_MAX];
};

/* Start a transfer of @n frames of @type. Returns 0, or -EMSGSIZE when @n is 0 or more than
 * RXFER_FRAMES_MAX (answer ACK CANCEL). */
int rxfer_rx_start(struct rxfer_rx *rx, uint8_t type, uint16_t n);

/* Take a data frame. Returns 1 when the transfer is complete, 0 when frames are still
 * missing, -EBADMSG for a frame that cannot belong (sn past n, a short frame before the
 * last). A repeated frame is taken again (a resend after ACK LOST). */
int rxfer_rx_put(struct rxfer_rx *rx, const struct rxfer_frame *f);

/* The first frame still missing, or 0 when none is. */
uint16_t rxfer_rx_missing(const struct rxfer_rx *rx);

/* Whether frame n, the last, has arrived: from then on a missing frame is lost, not late. */
bool rxfer_rx_saw_last(const struct rxfer_rx *rx);

#endif
