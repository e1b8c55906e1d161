/* SPDX-License-Identifier: MIT */
/* mgmt_query.c — the kernel's adapters, asked synchronously on a control socket of its own:
 * the self-check's view (`mi32 doctor`), outside any event loop. The daemon's source never
 * blocks; this does, each answer for a bounded time. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/clock.h"
#include "source/mgmt.h"
#include "source/mgmt_wire.h"

#define MGMT_HCI_CHANNEL_CONTROL 3 /* include/net/bluetooth/hci_sock.h */

/* Send @op to @index and wait for its answer: the status, and the return parameters in
 * @rp (*@rlen bytes). -ETIMEDOUT, or -errno from the socket. */
static int ask(int fd, uint16_t op, uint16_t index, int timeout_ms, uint8_t *rp, size_t *rlen)
{
	uint8_t buf[MGMT_HDR_SIZE + 512];
	uint64_t end = clock_mono_us() + (uint64_t)timeout_ms * 1000u;
	int err = mgmt__send(fd, op, index, NULL, 0);

	if (err < 0)
		return err;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = clock_mono_us();
		ssize_t n;
		struct rd r;
		uint16_t ev, idx, plen, rop;
		uint8_t status;

		if (now >= end)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)((end - now + 999) / 1000)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		r = rd_init(buf, (size_t)n);
		ev = rd_le16(&r);
		idx = rd_le16(&r);
		plen = rd_le16(&r);
		rop = rd_le16(&r);
		status = rd_u8(&r);
		if (!rd_ok(&r) || (ev != MGMT_EV_CMD_COMPLETE && ev != MGMT_EV_CMD_STATUS) ||
		    rop != op || idx != index || plen < 3)
			continue; /* events, and answers to others */
		*rlen = rd_left(&r);
		memcpy(rp, buf + (size_t)n - *rlen, *rlen);
		return status;
	}
}

int mgmt_list_adapters(struct mgmt_adapter *out, size_t max, int timeout_ms,
		       char err[static 256])
{
	uint8_t rp[512];
	size_t rlen;
	uint16_t n, idx[64];
	struct rd r;
	int fd, st;

	fd = source__hci_socket(MGMT_INDEX_NONE, MGMT_HCI_CHANNEL_CONTROL,
				"a Bluetooth management socket", err);
	if (fd < 0) {
		if (!err[0])
			snprintf(err, 256, "cannot bind a Bluetooth management socket: %s",
				 strerror(-fd));
		return fd;
	}
	st = ask(fd, MGMT_OP_READ_INDEX_LIST, MGMT_INDEX_NONE, timeout_ms, rp, &rlen);
	if (st != 0) {
		snprintf(err, 256, "the kernel did not list its adapters: %s",
			 st < 0 ? strerror(-st) : mgmt_status_str((uint8_t)st));
		close(fd);
		return st < 0 ? st : mgmt__status_errno((uint8_t)st);
	}
	r = rd_init(rp, rlen);
	n = rd_le16(&r);
	for (uint16_t i = 0; i < n && i < 64; i++)
		idx[i] = rd_le16(&r);
	if (!rd_ok(&r)) {
		snprintf(err, 256, "the kernel's adapter list is short");
		close(fd);
		return -EBADMSG;
	}
	for (uint16_t i = 0; i < n && i < max && i < 64; i++) {
		struct mgmt_adapter *a = &out[i];
		uint32_t settings = 0;

		memset(a, 0, sizeof(*a));
		a->index = idx[i];
		st = ask(fd, MGMT_OP_READ_INFO, idx[i], timeout_ms, rp, &rlen);
		r = rd_init(rp, rlen);
		if (st == 0 && mgmt__parse_info(&r, a->addr, &settings) == 0) {
			a->powered = settings & MGMT_SETTING_POWERED;
			a->le = settings & MGMT_SETTING_LE;
		}
	}
	close(fd);
	return n;
}
