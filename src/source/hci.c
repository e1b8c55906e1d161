/* SPDX-License-Identifier: MIT */
/* hci.c — HCI command encoder, scan set-up state machine and advert delivery for the raw
 * and user channel sockets and (through hci_input()) the H4 UART. Layouts are from the
 * Core spec, Vol 4 Part E section 7; one command is in flight at a time, so the
 * controller's Num_HCI_Command_Packets never needs tracking. LE advertising report
 * parsing is hci_event.c's. */
#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/exe.h"
#include "util/rd.h"
#include "util/wr.h"
#include "source/hci.h"
#include "source/hci_event.h"

/* Kernel ABI (include/net/bluetooth/hci_sock.h); defined here to avoid libbluetooth. */
#define MI32_SOL_HCI 0
#define MI32_HCI_FILTER 2

struct mi32_hci_filter {
	uint32_t type_mask;
	uint32_t event_mask[2];
	uint16_t opcode;
};

#define HCI_CMD_TIMEOUT_US 2000000u
#define HCI_READS_PER_PROCESS 256
/* The most reports a 255-byte LE Advertising Report can hold: 10 bytes each at least. */
#define HCI_ADV_MAX 26
/* One read is one packet; events are at most 258 bytes with the type. ACL/ISO packets
 * (user channel) can be longer and get truncated, which is fine: we skip them. */
#define HCI_BUF_SIZE 2048

enum hci_step {
	STEP_NONE,
	STEP_RESET,
	STEP_READ_VERSION,
	STEP_READ_BD_ADDR,
	STEP_LE_FEATURES,
	STEP_EVENT_MASK,
	STEP_LE_EVENT_MASK,
	STEP_SCAN_DISABLE,
	STEP_SCAN_PARAMS,
	STEP_SCAN_ENABLE,
	STEP_RUNNING,
};

struct hci {
	struct source src; /* first: the shared part (fd, callback, sequence, buffer) */
	enum hci_mode mode;
	bool ext, coded;
	uint8_t hci_version;
	uint16_t manufacturer;
	struct hci_stats stats;
	struct adv advs[HCI_ADV_MAX];
	uint8_t buf[HCI_BUF_SIZE];
};

static const struct source_ops hci_ops;

static struct hci *of(const struct source *s)
{
	return (struct hci *)s;
}

int hci_cmd_encode(uint8_t *out, uint16_t opcode, const uint8_t *param, size_t plen)
{
	struct wr w = wr_init(out, HCI_CMD_MAX);

	if (plen > 255)
		return -EMSGSIZE;
	wr_u8(&w, HCI_H4_CMD);
	wr_le16(&w, opcode);
	wr_u8(&w, (uint8_t)plen);
	wr_bytes(&w, param, plen);
	return (int)wr_len(&w);
}

const char *hci_cmd_name(uint16_t opcode)
{
	switch (opcode) {
	case HCI_OP_RESET:
		return "Reset";
	case HCI_OP_SET_EVENT_MASK:
		return "Set Event Mask";
	case HCI_OP_READ_LOCAL_VERSION:
		return "Read Local Version Information";
	case HCI_OP_READ_BD_ADDR:
		return "Read BD_ADDR";
	case HCI_OP_LE_SET_EVENT_MASK:
		return "LE Set Event Mask";
	case HCI_OP_LE_READ_LOCAL_FEATURES:
		return "LE Read Local Supported Features";
	case HCI_OP_LE_SET_SCAN_PARAMS:
		return "LE Set Scan Parameters";
	case HCI_OP_LE_SET_SCAN_ENABLE:
		return "LE Set Scan Enable";
	case HCI_OP_LE_SET_EXT_SCAN_PARAMS:
		return "LE Set Extended Scan Parameters";
	case HCI_OP_LE_SET_EXT_SCAN_ENABLE:
		return "LE Set Extended Scan Enable";
	default:
		return "HCI command";
	}
}

const char *hci_status_str(uint8_t status)
{
	switch (status) {
	case 0x00:
		return "Success";
	case 0x01:
		return "Unknown HCI Command";
	case 0x03:
		return "Hardware Failure";
	case 0x07:
		return "Memory Capacity Exceeded";
	case 0x0C:
		return "Command Disallowed";
	case 0x11:
		return "Unsupported Feature or Parameter Value";
	case 0x12:
		return "Invalid HCI Command Parameters";
	case 0x1F:
		return "Unspecified Error";
	case 0x3A:
		return "Controller Busy";
	default:
		return "HCI error";
	}
}

int hci_open_socket(uint16_t dev, int channel, char err[static 256])
{
	int fd, e;

	err[0] = '\0';
	if (channel != HCI_CHANNEL_RAW && channel != HCI_CHANNEL_USER) {
		snprintf(err, 256, "unknown HCI channel %d", channel);
		return -EINVAL;
	}
	fd = source__hci_socket(dev, (unsigned short)channel, "an HCI socket", err);
	if (fd < 0 && !err[0]) {
		char exe[160];

		e = -fd;
		if (e == EPERM || e == EACCES)
			snprintf(err, 256, "the HCI %s channel needs CAP_NET_ADMIN and "
					   "CAP_NET_RAW: run as root or setcap "
					   "cap_net_admin,cap_net_raw+eip %s",
				 channel ? "user" : "raw", exe_path(exe, sizeof(exe)));
		else if (e == ENODEV)
			snprintf(err, 256, "no Bluetooth adapter hci%u", dev);
		else if (e == EBUSY || e == EALREADY)
			snprintf(err, 256, "hci%u is in use: the user channel needs it down and "
					   "unclaimed (stop bluetoothd, or btmgmt --index %u power "
					   "off)", dev, dev);
		else if (e == ERFKILL)
			snprintf(err, 256, "hci%u is blocked by rfkill (rfkill unblock "
					   "bluetooth)", dev);
		else
			snprintf(err, 256, "cannot bind to hci%u: %s", dev, strerror(e));
	}
	if (fd < 0)
		return fd;
	if (channel == HCI_CHANNEL_RAW) {
		/* A raw socket starts with a filter that passes nothing. */
		struct mi32_hci_filter f = {
			.type_mask = 1u << HCI_H4_EVENT,
			.event_mask = { 0xFFFFFFFFu, 0xFFFFFFFFu },
		};

		if (setsockopt(fd, MI32_SOL_HCI, MI32_HCI_FILTER, &f, sizeof(f)) < 0) {
			e = errno;
			close(fd);
			snprintf(err, 256, "cannot set the HCI socket filter: %s", strerror(e));
			return -e;
		}
	}
	return fd;
}

struct hci *hci_new(int fd, enum hci_mode mode, source_adv_fn cb, void *user_data,
		    void (*destroy)(void *user_data))
{
	struct hci *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	if (source__init(&h->src, &hci_ops, fd, cb, user_data, destroy) < 0) {
		free(h);
		return NULL;
	}
	h->src.buf = h->buf;
	h->src.buf_size = sizeof(h->buf);
	h->src.max_reads = HCI_READS_PER_PROCESS;
	h->mode = mode;
	h->hci_version = 0xFF;
	return h;
}

static void ops_free(struct source *s)
{
	source__release(s);
	free(of(s));
}

struct source *hci_source(struct hci *h)
{
	return h ? &h->src : NULL;
}

/* Write a whole command. A tty may be momentarily full; commands are tiny and rare, so
 * waiting briefly for room is simpler than queueing. */
static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			if (poll(&pfd, 1, 200) <= 0)
				return -EAGAIN;
			continue;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_cmd(struct hci *h, uint16_t op, const uint8_t *param, size_t plen)
{
	uint8_t pkt[HCI_CMD_MAX];
	int n = hci_cmd_encode(pkt, op, param, plen);

	if (n < 0)
		return n;
	return write_all(h->src.fd, pkt, (size_t)n);
}

static bool step_wanted(const struct source *src, int step)
{
	const struct hci *h = of(src);
	enum hci_step s = step;

	switch (s) {
	case STEP_RESET:
		return h->mode != HCI_MODE_RAW && !h->src.restarting;
	case STEP_READ_VERSION:
	case STEP_READ_BD_ADDR:
	case STEP_LE_FEATURES:
	case STEP_EVENT_MASK:
	case STEP_LE_EVENT_MASK:
		return !h->src.restarting;
	case STEP_SCAN_DISABLE:
		/* after Reset nothing scans; the kernel (raw) or we (restart) might */
		return h->src.restarting || h->mode == HCI_MODE_RAW;
	case STEP_SCAN_PARAMS:
	case STEP_SCAN_ENABLE:
	case STEP_RUNNING:
		return true;
	case STEP_NONE:
		return false;
	}
	return false;
}

static uint16_t step_opcode(const struct hci *h, enum hci_step s)
{
	switch (s) {
	case STEP_RESET:
		return HCI_OP_RESET;
	case STEP_READ_VERSION:
		return HCI_OP_READ_LOCAL_VERSION;
	case STEP_READ_BD_ADDR:
		return HCI_OP_READ_BD_ADDR;
	case STEP_LE_FEATURES:
		return HCI_OP_LE_READ_LOCAL_FEATURES;
	case STEP_EVENT_MASK:
		return HCI_OP_SET_EVENT_MASK;
	case STEP_LE_EVENT_MASK:
		return HCI_OP_LE_SET_EVENT_MASK;
	case STEP_SCAN_DISABLE:
	case STEP_SCAN_ENABLE:
		return h->ext ? HCI_OP_LE_SET_EXT_SCAN_ENABLE : HCI_OP_LE_SET_SCAN_ENABLE;
	case STEP_SCAN_PARAMS:
		return h->ext ? HCI_OP_LE_SET_EXT_SCAN_PARAMS : HCI_OP_LE_SET_SCAN_PARAMS;
	case STEP_NONE:
	case STEP_RUNNING:
		break;
	}
	return 0;
}

/* Parameters of each step, Core Vol 4 Part E 7.3.1, 7.8.1, 7.8.10, 7.8.11, 7.8.64,
 * 7.8.65. */
static size_t step_params(const struct hci *h, enum hci_step s, uint8_t *p, size_t size)
{
	/* Spec default event mask plus bit 61, LE Meta. */
	static const uint8_t event_mask[8] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0x00, 0x20 };
	/* LE default (bits 0-4) plus bit 12, Extended Advertising Report. */
	static const uint8_t le_event_mask[8] = { 0x1F, 0x10, 0, 0, 0, 0, 0, 0 };
	uint8_t type = h->src.active ? 0x01 : 0x00;
	struct wr w = wr_init(p, size);

	switch (s) {
	case STEP_EVENT_MASK:
		wr_bytes(&w, event_mask, 8);
		break;
	case STEP_LE_EVENT_MASK:
		wr_bytes(&w, le_event_mask, 8);
		break;
	case STEP_SCAN_DISABLE:
	case STEP_SCAN_ENABLE:
		/* Enable, Filter_Duplicates off: sensors repeat the same address with new
		 * readings, and the controller's duplicate filter would drop them. */
		wr_u8(&w, s == STEP_SCAN_ENABLE);
		wr_u8(&w, 0x00);
		if (h->ext) {
			wr_le16(&w, 0); /* Duration: until disabled */
			wr_le16(&w, 0); /* Period */
		}
		break;
	case STEP_SCAN_PARAMS:
		if (!h->ext) {
			wr_u8(&w, type);
			wr_le16(&w, h->src.interval);
			wr_le16(&w, h->src.window);
			wr_u8(&w, 0x00); /* own address: public */
			wr_u8(&w, 0x00); /* accept all advertisers */
			break;
		}
		wr_u8(&w, 0x00); /* own address: public */
		wr_u8(&w, 0x00); /* accept all advertisers */
		/* Scanning_PHYs: 1M, plus Coded for long-range advertisers when the
		 * controller has it; each gets the same interval/window, the controller
		 * alternates between them. */
		wr_u8(&w, h->coded ? 0x05 : 0x01);
		for (int i = 0; i < (h->coded ? 2 : 1); i++) {
			wr_u8(&w, type);
			wr_le16(&w, h->src.interval);
			wr_le16(&w, h->src.window);
		}
		break;
	case STEP_NONE:
	case STEP_RESET:
	case STEP_READ_VERSION:
	case STEP_READ_BD_ADDR:
	case STEP_LE_FEATURES:
	case STEP_RUNNING:
		break;
	}
	assert(wr_ok(&w));
	return wr_len(&w);
}

static int send_step(struct source *src, int step)
{
	struct hci *h = of(src);
	uint8_t p[32];
	uint16_t op = step_opcode(h, step);
	size_t plen = step_params(h, step, p, sizeof(p));
	int err;

	source__sent(src, step, op);
	err = send_cmd(h, op, p, plen);
	if (err < 0)
		return source__fail(src, err, "cannot send HCI %s to the controller: %s",
				    hci_cmd_name(op), strerror(-err));
	return 0;
}

static const struct source_seq sequence = { STEP_RUNNING, step_wanted, send_step };

static int advance(struct hci *h, enum hci_step from)
{
	return source__advance(&h->src, from, &sequence);
}

static int ops_start(struct source *s, bool active)
{
	s->active = active;
	source__begin(s, false);
	return advance(of(s), STEP_RESET);
}

static int ops_restart(struct source *s)
{
	if (of(s)->hci_version == 0xFF && !s->have_addr)
		return ops_start(s, s->active);
	source__begin(s, true);
	return advance(of(s), STEP_SCAN_DISABLE);
}

static int ops_stop(struct source *s)
{
	struct hci *h = of(s);
	uint8_t p[8];
	size_t n = step_params(h, STEP_SCAN_DISABLE, p, sizeof(p));

	return send_cmd(h, step_opcode(h, STEP_SCAN_DISABLE), p, n);
}

/* The answer to the step in flight: @status, then @r over the rest of the return
 * parameters. */
static int step_done(struct hci *h, uint8_t status, struct rd *r)
{
	enum hci_step s = h->src.step;
	uint16_t op = h->src.pending_op;

	h->src.pending_op = 0;
	if (s == STEP_SCAN_DISABLE)
		/* "already disabled" is Command Disallowed on pre-5.0 controllers */
		return advance(h, s + 1);
	if (s == STEP_SCAN_PARAMS && h->ext && status == 0x01) {
		/* Feature bit set but command missing: some controllers lie; the
		 * legacy commands are always there. */
		h->ext = false;
		h->coded = false;
		return advance(h, s);
	}
	if (status)
		return source__fail(&h->src, -EIO, "HCI %s (0x%04x) failed: %s (0x%02x)",
				    hci_cmd_name(op), op, hci_status_str(status), status);

	switch (s) {
	case STEP_READ_VERSION:
		h->hci_version = rd_u8(r);
		rd_skip(r, 2 + 1); /* HCI revision, LMP version */
		h->manufacturer = rd_le16(r);
		break;
	case STEP_READ_BD_ADDR: {
		const uint8_t *a = rd_take(r, 6);

		if (a) {
			for (int i = 0; i < 6; i++)
				h->src.addr[i] = a[5 - i];
			h->src.have_addr = true;
		}
		break;
	}
	case STEP_LE_FEATURES: {
		uint8_t f[8];

		rd_bytes(r, f, 8);
		/* The user channel and UART are ours alone; on the raw channel the kernel
		 * made the same choice (use_ext_scan()), and mixing legacy and extended
		 * commands is disallowed (Core Vol 4 Part E 3.1.1). */
		h->ext = f[HCI_LE_FEAT_EXT_ADV / 8] & (1u << (HCI_LE_FEAT_EXT_ADV % 8));
		h->coded = h->ext &&
			   (f[HCI_LE_FEAT_CODED_PHY / 8] & (1u << (HCI_LE_FEAT_CODED_PHY % 8)));
		break;
	}
	case STEP_NONE:
	case STEP_RESET:
	case STEP_EVENT_MASK:
	case STEP_LE_EVENT_MASK:
	case STEP_SCAN_DISABLE:
	case STEP_SCAN_PARAMS:
	case STEP_SCAN_ENABLE:
	case STEP_RUNNING:
		break;
	}
	if (!rd_ok(r))
		return source__fail(&h->src, -EBADMSG, "short answer to HCI %s",
				    hci_cmd_name(op));
	return advance(h, s + 1);
}

static int handle_event(struct hci *h, const uint8_t *evt, size_t len)
{
	struct rd r = rd_init(evt, len);
	uint8_t code = rd_u8(&r), plen = rd_u8(&r);
	int n;

	if (!rd_ok(&r) || plen != rd_left(&r)) {
		h->stats.malformed++;
		return 0;
	}
	switch (code) {
	case HCI_EV_CMD_COMPLETE: {
		uint16_t op;
		uint8_t status;

		rd_skip(&r, 1); /* Num_HCI_Command_Packets */
		op = rd_le16(&r);
		/* Every command we send returns Status first; op 0x0000 (credits only,
		 * sent after power-on by some UART controllers) carries none. */
		if (!rd_ok(&r) || !h->src.pending_op || op != h->src.pending_op)
			return 0;
		status = rd_u8(&r);
		if (!rd_ok(&r)) {
			h->stats.malformed++;
			return 0;
		}
		return step_done(h, status, &r);
	}
	case HCI_EV_CMD_STATUS: {
		uint8_t status = rd_u8(&r);
		uint16_t op;

		rd_skip(&r, 1);
		op = rd_le16(&r);
		if (!rd_ok(&r)) {
			h->stats.malformed++;
			return 0;
		}
		/* Success here means "pending"; a Command Complete follows. */
		if (!h->src.pending_op || op != h->src.pending_op || status == 0)
			return 0;
		return step_done(h, status, &r);
	}
	case HCI_EV_HARDWARE_ERROR:
		return source__fail(
			&h->src, -EIO,
			"the Bluetooth controller reported a hardware error (code 0x%02x)",
			rd_u8(&r));
	case HCI_EV_LE_META:
		break;
	default:
		h->stats.other++;
		return 0;
	}
	n = hci_event_adv_reports(evt, len, clock_real_us(), h->advs, HCI_ADV_MAX);
	if (n == -ENOMSG) {
		h->stats.other++;
		return 0;
	}
	if (n < 0) {
		h->stats.malformed++;
		return 0;
	}
	if (len > 3 && evt[3] > HCI_ADV_MAX)
		h->stats.truncated++;
	for (int i = 0; i < n && !h->src.dead; i++) {
		h->stats.adverts++;
		source__deliver(&h->src, &h->advs[i]);
	}
	return 0;
}

static int ops_input(struct source *s, const uint8_t *pkt, size_t len)
{
	struct hci *h = of(s);

	if (len < 1)
		return 0;
	h->stats.packets++;
	if (pkt[0] != HCI_H4_EVENT) {
		h->stats.other++;
		return 0;
	}
	return handle_event(h, pkt + 1, len - 1);
}

static int ops_tick(struct source *s, uint64_t now_us)
{
	const char *hint =
		of(s)->mode == HCI_MODE_H4 ? " (wrong device, baud rate or flow control?)" : "";

	if (!source__overdue(s, now_us, HCI_CMD_TIMEOUT_US))
		return 0;
	return source__fail(s, -ETIMEDOUT,
			    "no answer from the Bluetooth controller to HCI %s%s",
			    hci_cmd_name(s->pending_op), hint);
}

static const struct source_ops hci_ops = {
	.kind = "hci",
	.start = ops_start,
	.restart = ops_restart,
	.stop = ops_stop,
	.input = ops_input,
	.tick = ops_tick,
	.free = ops_free,
};

/* The typed calls: the generic ones on an HCI source. */
void hci_free(struct hci *h)
{
	source_free(hci_source(h));
}

int hci_set_scan_params(struct hci *h, uint16_t interval, uint16_t window)
{
	return source_set_scan_params(&h->src, interval, window);
}

int hci_start(struct hci *h, bool active)
{
	return source_start(&h->src, active);
}

int hci_stop(struct hci *h)
{
	return source_stop(&h->src);
}

int hci_restart(struct hci *h)
{
	return source_restart(&h->src);
}

int hci_process(struct hci *h)
{
	return source_process(&h->src);
}

int hci_input(struct hci *h, const uint8_t *pkt, size_t len)
{
	return source_input(&h->src, pkt, len);
}

int hci_tick(struct hci *h, uint64_t now_us)
{
	return source_tick(&h->src, now_us);
}

uint64_t hci_last_adv_time(const struct hci *h)
{
	return h->src.last_adv_us;
}

void hci_get_info(const struct hci *h, struct hci_info *out)
{
	memset(out, 0, sizeof(*out));
	out->state = (enum hci_state)h->src.state;
	out->have_addr = h->src.have_addr;
	memcpy(out->addr, h->src.addr, 6);
	out->hci_version = h->hci_version;
	out->manufacturer = h->manufacturer;
	out->extended = h->ext;
	out->coded = h->coded;
	out->scan_interval = h->src.interval;
	out->scan_window = h->src.window;
	out->duty_percent = (unsigned int)h->src.window * 100u / h->src.interval;
	snprintf(out->error, sizeof(out->error), "%s", h->src.error);
}

void hci_get_stats(const struct hci *h, struct hci_stats *out)
{
	*out = h->stats;
}
