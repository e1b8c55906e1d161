/* SPDX-License-Identifier: MIT */
/* rxfer.c — see rxfer.h. */
#include <errno.h>
#include <string.h>

#include "util/rd.h"
#include "util/wr.h"
#include "activate/rxfer.h"

#define MODE_CMD 0
#define MODE_ACK 1

int rxfer_parse(const uint8_t *p, size_t len, struct rxfer_frame *f)
{
	struct rd r = rd_init(p, len);
	uint8_t mode;

	memset(f, 0, sizeof(*f));
	f->sn = rd_le16(&r);
	if (!rd_ok(&r))
		return -EBADMSG;
	if (f->sn) {
		if (rd_left(&r) == 0 || rd_left(&r) > RXFER_PAYLOAD)
			return -EBADMSG;
		f->kind = RXFER_KIND_DATA;
		f->len = rd_left(&r);
		f->data = rd_take(&r, f->len);
		return 0;
	}
	mode = rd_u8(&r);
	f->code = rd_u8(&r);
	if (!rd_ok(&r))
		return -EBADMSG;
	if (mode == MODE_CMD) {
		f->kind = RXFER_KIND_CMD;
		f->arg = rd_le16(&r);
	} else if (mode == MODE_ACK) {
		f->kind = RXFER_KIND_ACK;
		if (f->code == RXFER_ACK_LOST)
			f->arg = rd_le16(&r);
	} else {
		return -EPROTONOSUPPORT;
	}
	return rd_ok(&r) && rd_left(&r) == 0 ? 0 : -EBADMSG;
}

static size_t control(uint8_t out[RXFER_FRAME_MAX], uint8_t mode, uint8_t code, bool arg,
		      uint16_t v)
{
	struct wr w = wr_init(out, RXFER_FRAME_MAX);

	wr_le16(&w, 0);
	wr_u8(&w, mode);
	wr_u8(&w, code);
	if (arg)
		wr_le16(&w, v);
	return wr_len(&w);
}

size_t rxfer_cmd(uint8_t out[RXFER_FRAME_MAX], uint8_t type, uint16_t n)
{
	return control(out, MODE_CMD, type, true, n);
}

size_t rxfer_ack(uint8_t out[RXFER_FRAME_MAX], uint8_t code)
{
	return control(out, MODE_ACK, code, false, 0);
}

size_t rxfer_ack_lost(uint8_t out[RXFER_FRAME_MAX], uint16_t sn)
{
	return control(out, MODE_ACK, RXFER_ACK_LOST, true, sn);
}

uint16_t rxfer_frames(size_t len)
{
	return (uint16_t)((len + RXFER_PAYLOAD - 1) / RXFER_PAYLOAD);
}

size_t rxfer_data(uint8_t out[RXFER_FRAME_MAX], const uint8_t *payload, size_t len,
		  uint16_t sn)
{
	struct wr w = wr_init(out, RXFER_FRAME_MAX);
	size_t off, n;

	if (sn == 0 || sn > rxfer_frames(len))
		return 0;
	off = (size_t)(sn - 1) * RXFER_PAYLOAD;
	n = len - off < RXFER_PAYLOAD ? len - off : RXFER_PAYLOAD;
	wr_le16(&w, sn);
	wr_bytes(&w, payload + off, n);
	return wr_len(&w);
}

int rxfer_rx_start(struct rxfer_rx *rx, uint8_t type, uint16_t n)
{
	memset(rx, 0, sizeof(*rx));
	if (n == 0 || n > RXFER_FRAMES_MAX)
		return -EMSGSIZE;
	rx->type = type;
	rx->n = n;
	return 0;
}

int rxfer_rx_put(struct rxfer_rx *rx, const struct rxfer_frame *f)
{
	if (f->kind != RXFER_KIND_DATA || f->sn == 0 || f->sn > rx->n)
		return -EBADMSG;
	/* every frame but the last is full: a short one would leave a hole in the payload */
	if (f->sn < rx->n && f->len != RXFER_PAYLOAD)
		return -EBADMSG;
	memcpy(rx->buf + (size_t)(f->sn - 1) * RXFER_PAYLOAD, f->data, f->len);
	if (f->sn == rx->n)
		rx->len = (size_t)(rx->n - 1) * RXFER_PAYLOAD + f->len;
	rx->have |= 1u << (f->sn - 1);
	return rxfer_rx_missing(rx) ? 0 : 1;
}

uint16_t rxfer_rx_missing(const struct rxfer_rx *rx)
{
	for (uint16_t sn = 1; sn <= rx->n; sn++)
		if (!(rx->have & 1u << (sn - 1)))
			return sn;
	return 0;
}

bool rxfer_rx_saw_last(const struct rxfer_rx *rx)
{
	return rx->n && (rx->have & 1u << (rx->n - 1));
}
