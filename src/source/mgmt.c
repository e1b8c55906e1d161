/* SPDX-License-Identifier: MIT */
/* mgmt.c — Bluetooth Management API source. Packet layouts and command semantics follow
 * BlueZ doc/mgmt-api.txt; kernel behaviour noted where it matters is from
 * net/bluetooth/mgmt.c. One command is in flight at a time; each answer (Command
 * Complete / Command Status with the matching opcode) picks the next step. The socket is
 * the only thing that talks to the kernel, so tests play the kernel over a socketpair. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/exe.h"
#include "util/rd.h"
#include "util/wr.h"
#include "source/mgmt.h"

/* Kernel ABI (include/net/bluetooth/hci_sock.h); defined here to avoid libbluetooth. */
#ifndef AF_BLUETOOTH
#define AF_BLUETOOTH 31
#endif
#define MI32_BTPROTO_HCI 1
#define MI32_HCI_DEV_NONE 0xFFFF
#define MI32_HCI_CHANNEL_CONTROL 3

struct mi32_sockaddr_hci {
	sa_family_t hci_family;
	unsigned short hci_dev;
	unsigned short hci_channel;
};

/* Controller settings bits (Read Controller Information). */
#define MGMT_SETTING_POWERED (1u << 0)
#define MGMT_SETTING_LE (1u << 9)

/* Device Found address types are mgmt's own numbering, not HCI's. */
#define MGMT_ADDR_BREDR 0
#define MGMT_ADDR_LE_PUBLIC 1
#define MGMT_ADDR_LE_RANDOM 2
#define MGMT_DISCOVERY_LE 0x06 /* LE public | LE random */

#define MGMT_DEV_FOUND_NOT_CONNECTABLE (1u << 2)
#define MGMT_DEV_FOUND_SCAN_RSP (1u << 5)

#define MGMT_PATTERN_SIZE 34 /* AD_Type, Offset, Length, Value[31] */
#define MGMT_CMD_TIMEOUT_US 3000000u
#define MGMT_MONITOR_RETRY_US 500000u
#define MGMT_MONITOR_BUSY_TRIES 5
#define MGMT_READS_PER_PROCESS 256
/* A Device Found carries at most 65535 bytes of EIR; one read is one event, and a short
 * buffer would truncate it, so the buffer holds the largest one. */
#define MGMT_BUF_SIZE (MGMT_HDR_SIZE + 4 + 65535 + 16)

/* The order of the sequence; each step is sent only if step_wanted() says so. */
enum mgmt_step {
	STEP_NONE,
	STEP_STOP_DISCOVERY,
	STEP_REMOVE_MONITOR,
	STEP_READ_VERSION,
	STEP_READ_INDEX_LIST,
	STEP_READ_INFO,
	STEP_SET_LE,
	STEP_SET_POWERED,
	STEP_SET_SYSCONFIG,
	STEP_ADD_MONITOR,
	STEP_START_DISCOVERY,
	STEP_RUNNING,
};

static const char *const step_names[] = {
	[STEP_STOP_DISCOVERY] = "Stop Discovery",
	[STEP_REMOVE_MONITOR] = "Remove Advertisement Monitor",
	[STEP_READ_VERSION] = "Read Management Version Information",
	[STEP_READ_INDEX_LIST] = "Read Controller Index List",
	[STEP_READ_INFO] = "Read Controller Information",
	[STEP_SET_LE] = "Set Low Energy",
	[STEP_SET_POWERED] = "Set Powered",
	[STEP_SET_SYSCONFIG] = "Set Default System Configuration",
	[STEP_ADD_MONITOR] = "Add Advertisement Patterns Monitor",
	[STEP_START_DISCOVERY] = "Start Discovery",
};

struct mgmt {
	struct source src; /* first: the shared part (fd, callback, sequence, buffer) */
	uint16_t index;
	bool monitor_unsupported; /* fall back to discovery */
	uint64_t monitor_retry_us; /* CLOCK_MONOTONIC µs to ask again after Busy; 0: none */
	unsigned int monitor_busy;  /* Busy answers in a row */

	uint8_t version;
	uint16_t revision;
	uint32_t settings;
	bool have_monitor;
	uint16_t monitor_handle;
	bool own_discovery;
	bool discovering;
	bool config_applied;

	struct mgmt_stats stats;
	char note[160];
	struct adv adv;
};

static const struct source_ops mgmt_ops;

static struct mgmt *of(const struct source *s)
{
	return (struct mgmt *)s;
}

const char *mgmt_status_str(uint8_t status)
{
	static const char *const names[] = {
		"Success", "Unknown Command", "Not Connected", "Failed",
		"Connect Failed", "Authentication Failed", "Not Paired", "No Resources",
		"Timeout", "Already Connected", "Busy", "Rejected",
		"Not Supported", "Invalid Parameters", "Disconnected", "Not Powered",
		"Cancelled", "Invalid Index", "RFKilled", "Already Paired",
		"Permission Denied",
	};

	if (status < sizeof(names) / sizeof(names[0]))
		return names[status];
	return "unknown status";
}

static int status_errno(uint8_t status)
{
	switch (status) {
	case 0x01: /* Unknown Command */
	case MGMT_STATUS_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	case MGMT_STATUS_BUSY:
		return -EBUSY;
	case MGMT_STATUS_INVALID_PARAMS:
		return -EINVAL;
	case 0x0F: /* Not Powered */
		return -ENETDOWN;
	case MGMT_STATUS_INVALID_INDEX:
		return -ENODEV;
	case 0x12: /* RFKilled */
		return -ERFKILL;
	case 0x14: /* Permission Denied */
		return -EACCES;
	default:
		return -EIO;
	}
}

int mgmt_index_from_name(const char *name)
{
	char *end;
	long v;

	if (!name || strncmp(name, "hci", 3) != 0 || name[3] < '0' || name[3] > '9')
		return -EINVAL;
	v = strtol(name + 3, &end, 10);
	if (*end || v < 0 || v >= MGMT_INDEX_NONE)
		return -EINVAL;
	return (int)v;
}

/* The kernel trusts a control socket (lets it power an adapter, add a monitor, discover)
 * only if its opener had CAP_NET_ADMIN at bind(); without it the bind still succeeds and
 * each of those commands is refused later, one by one. So ask first. */
static bool have_net_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return true; /* cannot tell: the kernel decides */
	return d[CAP_TO_INDEX(CAP_NET_ADMIN)].effective & CAP_TO_MASK(CAP_NET_ADMIN);
}

int mgmt_open_socket(char err[static 256])
{
	struct mi32_sockaddr_hci sa;
	int fd, e;

	err[0] = '\0';
	if (!have_net_admin()) {
		char exe[160];

		snprintf(err, 256, "the Bluetooth management socket needs CAP_NET_ADMIN: run as "
				   "root or setcap cap_net_admin,cap_net_raw+eip %s",
			 exe_path(exe, sizeof(exe)));
		return -EPERM;
	}
	fd = socket(AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, MI32_BTPROTO_HCI);
	if (fd < 0) {
		e = errno;
		if (e == EAFNOSUPPORT || e == EPROTONOSUPPORT)
			snprintf(err, 256, "this kernel has no Bluetooth support "
					   "(socket(AF_BLUETOOTH): %s)", strerror(e));
		else
			snprintf(err, 256, "cannot open a Bluetooth management socket: %s",
				 strerror(e));
		return -e;
	}
	memset(&sa, 0, sizeof(sa));
	sa.hci_family = AF_BLUETOOTH;
	sa.hci_dev = MI32_HCI_DEV_NONE;
	sa.hci_channel = MI32_HCI_CHANNEL_CONTROL;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		char exe[160];

		e = errno;
		close(fd);
		if (e == EPERM || e == EACCES)
			snprintf(err, 256, "the Bluetooth management socket needs CAP_NET_ADMIN: "
					   "run as root or setcap cap_net_admin,cap_net_raw+eip %s",
				 exe_path(exe, sizeof(exe)));
		else
			snprintf(err, 256, "cannot bind the Bluetooth management socket: %s",
				 strerror(e));
		return -e;
	}
	return fd;
}

struct mgmt *mgmt_new(int fd, uint16_t index, source_adv_fn cb, void *user_data,
		      void (*destroy)(void *user_data))
{
	struct mgmt *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->src.buf = malloc(MGMT_BUF_SIZE);
	if (!m->src.buf || source__init(&m->src, &mgmt_ops, fd, cb, user_data, destroy) < 0) {
		free(m->src.buf);
		free(m);
		return NULL;
	}
	m->src.buf_size = MGMT_BUF_SIZE;
	m->src.max_reads = MGMT_READS_PER_PROCESS;
	m->index = index;
	return m;
}

static void ops_free(struct source *s)
{
	source__release(s);
	free(s->buf);
	free(of(s));
}

struct source *mgmt_source(struct mgmt *m)
{
	return m ? &m->src : NULL;
}

/* Write one command: header (opcode, index, length), then @param. */
static int send_cmd(struct mgmt *m, uint16_t op, uint16_t index, const uint8_t *param,
		    uint16_t plen)
{
	uint8_t pkt[MGMT_HDR_SIZE + 256];
	struct wr w = wr_init(pkt, sizeof(pkt));
	ssize_t n;

	wr_le16(&w, op);
	wr_le16(&w, index);
	wr_le16(&w, plen);
	wr_bytes(&w, param, plen);
	if (!wr_ok(&w))
		return -EMSGSIZE;
	do
		n = write(m->src.fd, pkt, wr_len(&w));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != wr_len(&w))
		return -EIO;
	return 0;
}

/* Patterns for the monitor. The kernel refuses a monitor without patterns (its
 * add_adv_patterns_monitor() wants at least one), and patterns only filter when the
 * controller offloads them (MSFT extension): otherwise the kernel "ignores the content of
 * the monitor" and reports every advert for software filtering (mgmt-api.txt, Add
 * Advertisement Patterns Monitor and Adv Monitor Device Found with handle 0). So the
 * patterns must match everything a sensor might send on offloading controllers too:
 * Home Assistant's habluetooth does passive scanning with BlueZ "or_patterns" on the
 * Flags values 0x02/0x06/0x1a; we add the service-data UUIDs of the families we decode,
 * because non-connectable beacons may omit Flags. */
static const uint8_t monitor_patterns[][3 + 2] = {
	{ 0x01, 0, 1, 0x02 },       /* Flags: LE General Discoverable */
	{ 0x01, 0, 1, 0x06 },       /* Flags: + BR/EDR not supported */
	{ 0x01, 0, 1, 0x1a },       /* Flags: + simultaneous LE and BR/EDR */
	{ 0x16, 0, 2, 0x95, 0xFE }, /* Service Data 0xFE95: Xiaomi MiBeacon */
	{ 0x16, 0, 2, 0xD2, 0xFC }, /* Service Data 0xFCD2: BTHome v2 */
	{ 0x16, 0, 2, 0x1A, 0x18 }, /* Service Data 0x181A: ATC / pvvx */
	{ 0x16, 0, 2, 0xCD, 0xFD }, /* Service Data 0xFDCD: Qingping */
};

static bool step_wanted(const struct source *src, int step)
{
	const struct mgmt *m = of(src);
	enum mgmt_step s = step;

	switch (s) {
	case STEP_STOP_DISCOVERY:
		return m->src.restarting && m->own_discovery;
	case STEP_REMOVE_MONITOR:
		return m->src.restarting && m->have_monitor;
	case STEP_READ_VERSION:
	case STEP_READ_INDEX_LIST:
		return !m->src.restarting;
	case STEP_READ_INFO:
	case STEP_SET_SYSCONFIG:
	case STEP_RUNNING:
		return true;
	case STEP_SET_LE:
		return !(m->settings & MGMT_SETTING_LE);
	case STEP_SET_POWERED:
		return !(m->settings & MGMT_SETTING_POWERED);
	case STEP_ADD_MONITOR:
		/* Advertisement monitors arrived with Management 1.18 (Linux 5.8+) */
		return !m->monitor_unsupported &&
		       (m->version > 1 || (m->version == 1 && m->revision >= 18));
	case STEP_START_DISCOVERY:
		return m->src.active || !m->have_monitor;
	case STEP_NONE:
		return false;
	}
	return false;
}

static int send_step(struct source *src, int step)
{
	struct mgmt *m = of(src);
	enum mgmt_step s = step;
	int err;
	uint8_t p[256];
	struct wr w = wr_init(p, sizeof(p));
	uint16_t op, idx = m->index;

	switch (s) {
	case STEP_STOP_DISCOVERY:
		op = MGMT_OP_STOP_DISCOVERY;
		wr_u8(&w, MGMT_DISCOVERY_LE);
		break;
	case STEP_REMOVE_MONITOR:
		op = MGMT_OP_REMOVE_ADV_MONITOR;
		wr_le16(&w, m->monitor_handle);
		break;
	case STEP_READ_VERSION:
		op = MGMT_OP_READ_VERSION;
		idx = MGMT_INDEX_NONE;
		break;
	case STEP_READ_INDEX_LIST:
		op = MGMT_OP_READ_INDEX_LIST;
		idx = MGMT_INDEX_NONE;
		break;
	case STEP_READ_INFO:
		op = MGMT_OP_READ_INFO;
		break;
	case STEP_SET_LE:
		op = MGMT_OP_SET_LE;
		wr_u8(&w, 1);
		break;
	case STEP_SET_POWERED:
		op = MGMT_OP_SET_POWERED;
		wr_u8(&w, 1);
		break;
	case STEP_SET_SYSCONFIG: {
		/* TLVs: type (2), length (1), value. Both the monitor's passive scan and
		 * discovery's active scan get the same interval/window. */
		static const uint16_t types[] = {
			MGMT_SYSCFG_LE_SCAN_INTERVAL_DISCOVERY,
			MGMT_SYSCFG_LE_SCAN_WINDOW_DISCOVERY,
			MGMT_SYSCFG_LE_SCAN_INTERVAL_ADV_MONITOR,
			MGMT_SYSCFG_LE_SCAN_WINDOW_ADV_MONITOR,
		};
		op = MGMT_OP_SET_DEF_SYSTEM_CONFIG;
		for (size_t i = 0; i < 4; i++) {
			wr_le16(&w, types[i]);
			wr_u8(&w, 2);
			wr_le16(&w, (i & 1) ? m->src.window : m->src.interval);
		}
		break;
	}
	case STEP_ADD_MONITOR: {
		size_t n = sizeof(monitor_patterns) / sizeof(monitor_patterns[0]);

		op = MGMT_OP_ADD_ADV_PATTERNS_MONITOR;
		wr_u8(&w, (uint8_t)n);
		for (size_t i = 0; i < n; i++) {
			size_t used = 3u + monitor_patterns[i][2];

			wr_bytes(&w, monitor_patterns[i], used);
			wr_zero(&w, MGMT_PATTERN_SIZE - used);
		}
		break;
	}
	case STEP_START_DISCOVERY:
		op = MGMT_OP_START_DISCOVERY;
		wr_u8(&w, MGMT_DISCOVERY_LE);
		break;
	case STEP_NONE:
	case STEP_RUNNING:
	default:
		return -EINVAL;
	}
	source__sent(src, s, op);
	err = send_cmd(m, op, idx, p, (uint16_t)wr_len(&w));
	if (err < 0)
		return source__fail(src, err, "cannot send %s to the kernel: %s", step_names[s],
				    strerror(-err));
	return 0;
}

static const struct source_seq sequence = { STEP_RUNNING, step_wanted, send_step };

static int advance(struct mgmt *m, enum mgmt_step from)
{
	return source__advance(&m->src, from, &sequence);
}

static int ops_start(struct source *s, bool active)
{
	s->active = active;
	source__begin(s, false);
	return advance(of(s), STEP_READ_VERSION);
}

static int ops_restart(struct source *s)
{
	if (of(s)->version == 0)
		return ops_start(s, s->active);
	source__begin(s, true);
	return advance(of(s), STEP_STOP_DISCOVERY);
}

/* Best effort: stop our discovery and remove our monitor. */
static int ops_stop(struct source *s)
{
	struct mgmt *m = of(s);
	uint8_t p[2];
	struct wr w;
	int err = 0, e;

	if (m->own_discovery) {
		p[0] = MGMT_DISCOVERY_LE;
		err = send_cmd(m, MGMT_OP_STOP_DISCOVERY, m->index, p, 1);
		m->own_discovery = false;
	}
	if (m->have_monitor) {
		w = wr_init(p, sizeof(p));
		wr_le16(&w, m->monitor_handle);
		e = send_cmd(m, MGMT_OP_REMOVE_ADV_MONITOR, m->index, p, 2);
		if (!err)
			err = e;
		m->have_monitor = false;
	}
	return err;
}

/* The answer to the command in flight: @status, then @r over the return parameters. */
static int step_done(struct mgmt *m, uint8_t status, struct rd *r)
{
	enum mgmt_step s = m->src.step;

	m->src.pending_op = 0;
	/* Steps where failure has a fallback. */
	if (s == STEP_STOP_DISCOVERY) {
		m->own_discovery = false;
		return advance(m, s + 1);
	}
	if (s == STEP_REMOVE_MONITOR) {
		/* gone already is as good as removed */
		m->have_monitor = false;
		return advance(m, s + 1);
	}
	if (s == STEP_SET_SYSCONFIG) {
		m->config_applied = status == MGMT_STATUS_SUCCESS;
		if (!m->config_applied)
			snprintf(m->note, sizeof(m->note),
				 "kernel refused the scan interval/window (%s): it keeps its "
				 "default duty cycle", mgmt_status_str(status));
		return advance(m, s + 1);
	}
	if (s == STEP_ADD_MONITOR) {
		/* Busy is the kernel still settling the scan of a monitor just removed (mi32
		 * restarted, bluetoothd starting): ask again from the tick, a few times,
		 * rather than fall back to a discovery that is refused as Busy too. */
		if (status == MGMT_STATUS_BUSY && m->monitor_busy < MGMT_MONITOR_BUSY_TRIES) {
			m->monitor_busy++;
			m->monitor_retry_us = clock_mono_us() + MGMT_MONITOR_RETRY_US;
			return 0;
		}
		m->monitor_busy = 0;
		if (status != MGMT_STATUS_SUCCESS) {
			m->monitor_unsupported = true;
			snprintf(m->note, sizeof(m->note),
				 "kernel refused the advertisement monitor (%s): scanning "
				 "actively through discovery instead", mgmt_status_str(status));
			return advance(m, s + 1);
		}
		m->monitor_handle = rd_le16(r);
		if (!rd_ok(r))
			return source__fail(&m->src, -EBADMSG, "short answer to %s",
					    step_names[s]);
		m->have_monitor = true;
		return advance(m, s + 1);
	}
	if (s == STEP_START_DISCOVERY && status == MGMT_STATUS_BUSY) {
		/* Someone else (bluetoothd) is discovering; Device Found events go to
		 * every control socket, so we hear them anyway. */
		snprintf(m->note, sizeof(m->note),
			 "another program is already discovering; sharing its scan");
		return advance(m, s + 1);
	}
	if (status != MGMT_STATUS_SUCCESS)
		return source__fail(&m->src, status_errno(status),
				    "hci%u: %s failed: %s (0x%02x)", m->index, step_names[s],
				    mgmt_status_str(status), status);

	switch (s) {
	case STEP_READ_VERSION:
		m->version = rd_u8(r);
		m->revision = rd_le16(r);
		break;
	case STEP_READ_INDEX_LIST: {
		uint16_t n = rd_le16(r);
		bool found = false;
		char list[96] = "";
		size_t used = 0;

		for (uint16_t i = 0; i < n && rd_ok(r); i++) {
			uint16_t idx = rd_le16(r);

			if (!rd_ok(r))
				break;
			found |= idx == m->index;
			if (used < sizeof(list) - 12)
				used += (size_t)snprintf(list + used, sizeof(list) - used,
							 "%shci%u", used ? " " : "", idx);
		}
		if (!rd_ok(r))
			return source__fail(&m->src, -EBADMSG, "short answer to %s",
					    step_names[s]);
		if (!found)
			return source__fail(&m->src, -ENODEV,
					    "no Bluetooth adapter hci%u (the kernel has: %s)",
					    m->index, n ? list : "none");
		break;
	}
	case STEP_READ_INFO: {
		const uint8_t *a = rd_take(r, 6);

		rd_skip(r, 1 + 2 + 4); /* version, manufacturer, supported settings */
		m->settings = rd_le32(r);
		if (!rd_ok(r))
			return source__fail(&m->src, -EBADMSG, "short answer to %s",
					    step_names[s]);
		for (int i = 0; i < 6; i++)
			m->src.addr[i] = a[5 - i];
		m->src.have_addr = true;
		break;
	}
	case STEP_SET_LE:
		m->settings |= MGMT_SETTING_LE;
		break;
	case STEP_SET_POWERED:
		m->settings |= MGMT_SETTING_POWERED;
		break;
	case STEP_START_DISCOVERY:
		m->own_discovery = true;
		m->discovering = true;
		break;
	case STEP_NONE:
	case STEP_STOP_DISCOVERY:
	case STEP_REMOVE_MONITOR:
	case STEP_SET_SYSCONFIG:
	case STEP_ADD_MONITOR:
	case STEP_RUNNING:
		break;
	}
	return advance(m, s + 1);
}

static void deliver(struct mgmt *m, struct rd *r, bool monitor)
{
	struct adv *a = &m->adv;
	const uint8_t *addr, *eir;
	uint8_t type;
	uint32_t flags;
	uint16_t elen;

	if (monitor)
		rd_skip(r, 2); /* Monitor_Handle */
	addr = rd_take(r, 6);
	type = rd_u8(r);
	a->rssi = rd_s8(r);
	flags = rd_le32(r);
	elen = rd_le16(r);
	eir = rd_take(r, elen);
	if (!rd_ok(r) || rd_left(r)) {
		m->stats.malformed++;
		return;
	}
	/* During our discovery the kernel sends every advert as Device Found and, once per
	 * device, a copy as Adv Monitor Device Found (mgmt_adv_monitor_device_found()):
	 * keep only the former. */
	if (monitor && m->discovering) {
		m->stats.duplicates++;
		return;
	}
	if (type == MGMT_ADDR_LE_PUBLIC) {
		a->addr_type = ADV_ADDR_PUBLIC;
	} else if (type == MGMT_ADDR_LE_RANDOM) {
		a->addr_type = ADV_ADDR_RANDOM;
	} else {
		m->stats.not_le++;
		return;
	}
	if (elen > ADV_DATA_MAX) {
		m->stats.too_long++;
		return;
	}
	for (int i = 0; i < 6; i++)
		a->addr[i] = addr[5 - i];
	/* mgmt hides the PDU type; its flags say as much as decoders need */
	if (flags & MGMT_DEV_FOUND_SCAN_RSP)
		a->evt_type = 4; /* SCAN_RSP */
	else if (flags & MGMT_DEV_FOUND_NOT_CONNECTABLE)
		a->evt_type = 3; /* ADV_NONCONN_IND */
	else
		a->evt_type = 0; /* ADV_IND */
	a->len = (uint8_t)elen;
	memcpy(a->data, eir, elen);
	a->time_us = clock_real_us();
	m->stats.adverts++;
	source__deliver(&m->src, a);
}

static int ops_input(struct source *s, const uint8_t *pkt, size_t len)
{
	struct mgmt *m = of(s);
	struct rd r = rd_init(pkt, len);
	uint16_t ev = rd_le16(&r), idx = rd_le16(&r), plen = rd_le16(&r);

	m->stats.events++;
	if (!rd_ok(&r) || plen != rd_left(&r)) {
		m->stats.malformed++;
		return 0;
	}
	switch (ev) {
	case MGMT_EV_CMD_COMPLETE:
	case MGMT_EV_CMD_STATUS: {
		uint16_t op = rd_le16(&r);
		uint8_t status = rd_u8(&r);

		if (!rd_ok(&r)) {
			m->stats.malformed++;
			return 0;
		}
		/* Answers to commands other sockets sent never reach us, but stray late
		 * answers (source_stop(), a timed-out step) may: match opcode and index. */
		if (!m->src.pending_op || op != m->src.pending_op)
			return 0;
		if (idx != m->index && !(op == MGMT_OP_READ_VERSION ||
					 op == MGMT_OP_READ_INDEX_LIST))
			return 0;
		/* A successful Command Status is only "in progress" for commands that
		 * also complete; mgmt commands we use answer with one or the other. */
		return step_done(m, status, &r);
	}
	case MGMT_EV_DEVICE_FOUND:
	case MGMT_EV_ADV_MONITOR_DEVICE_FOUND:
		if (idx != m->index) {
			m->stats.other_index++;
			return 0;
		}
		deliver(m, &r, ev == MGMT_EV_ADV_MONITOR_DEVICE_FOUND);
		return 0;
	case MGMT_EV_DISCOVERING: {
		uint8_t on;

		rd_skip(&r, 1);
		on = rd_u8(&r);
		if (!rd_ok(&r)) {
			m->stats.malformed++;
			return 0;
		}
		if (idx != m->index)
			return 0;
		m->discovering = on;
		/* Kernel LE discovery ends by itself after ~10 s (DISCOV_LE_TIMEOUT);
		 * bluetoothd restarts it, and so do we. */
		if (!on && m->own_discovery && m->src.state == SOURCE_STATE_RUNNING) {
			m->own_discovery = false;
			m->src.state = SOURCE_STATE_STARTING;
			return advance(m, STEP_START_DISCOVERY);
		}
		return 0;
	}
	case MGMT_EV_ADV_MONITOR_REMOVED: {
		uint16_t h = rd_le16(&r);

		if (!rd_ok(&r)) {
			m->stats.malformed++;
			return 0;
		}
		/* Another client removed it: add it again. Handle 0 is "every monitor":
		 * bluetoothd removes them all this way each time it starts, and the kernel
		 * echoes the 0 in this event rather than naming each monitor. A restarting
		 * bluetoothd has powered the adapter down on its way out, and the kernel
		 * refuses a monitor then (Failed): so power and scan settings first. */
		if (idx == m->index && m->have_monitor && (h == m->monitor_handle || h == 0)) {
			m->have_monitor = false;
			if (m->src.state == SOURCE_STATE_RUNNING) {
				m->src.state = SOURCE_STATE_STARTING;
				if (h != 0)
					return advance(m, STEP_ADD_MONITOR);
				m->src.restarting = true;
				return advance(m, STEP_READ_INFO);
			}
		}
		return 0;
	}
	case MGMT_EV_INDEX_REMOVED:
		if (idx != m->index)
			return 0;
		m->src.state = SOURCE_STATE_GONE;
		m->src.step = STEP_NONE;
		m->src.pending_op = 0;
		m->have_monitor = false;
		m->own_discovery = false;
		m->discovering = false;
		snprintf(m->src.error, sizeof(m->src.error),
			 "Bluetooth adapter hci%u was removed", m->index);
		return -ENODEV;
	case MGMT_EV_NEW_SETTINGS: {
		uint32_t settings = rd_le32(&r);

		if (!rd_ok(&r)) {
			m->stats.malformed++;
			return 0;
		}
		if (idx != m->index)
			return 0;
		m->settings = settings;
		/* Powered off under us (bluetoothctl power off, an rfkill block): scanning
		 * stopped without a word, so re-arm and power it on again; when rfkill
		 * refuses, Set Powered fails and says so. */
		if (!(settings & MGMT_SETTING_POWERED) &&
		    m->src.state == SOURCE_STATE_RUNNING) {
			snprintf(m->note, sizeof(m->note),
				 "hci%u was powered off; powering it on again", m->index);
			source__begin(&m->src, true);
			return advance(m, STEP_STOP_DISCOVERY);
		}
		return 0;
	}
	case MGMT_EV_INDEX_ADDED:
		if (idx != m->index || m->src.state != SOURCE_STATE_GONE)
			return 0;
		m->src.restarting = true;
		m->settings = 0;
		m->src.error[0] = '\0';
		m->src.state = SOURCE_STATE_STARTING;
		return advance(m, STEP_READ_INFO);
	default:
		m->stats.unknown++;
		return 0;
	}
}

static int ops_tick(struct source *s, uint64_t now_us)
{
	struct mgmt *m = of(s);

	if (m->monitor_retry_us && now_us >= m->monitor_retry_us) {
		m->monitor_retry_us = 0;
		return advance(m, STEP_ADD_MONITOR);
	}
	if (!source__overdue(s, now_us, MGMT_CMD_TIMEOUT_US))
		return 0;
	return source__fail(s, -ETIMEDOUT, "hci%u: no answer from the kernel to %s",
			    of(s)->index, step_names[s->step]);
}

/* The kernel keeps its own duty cycle when it refused ours. */
static void ops_status(const struct source *s, struct source_status *out)
{
	if (of(s)->config_applied)
		return;
	out->scan_interval = 0;
	out->scan_window = 0;
	out->duty_percent = 0;
}

static const struct source_ops mgmt_ops = {
	.kind = "mgmt",
	.start = ops_start,
	.restart = ops_restart,
	.stop = ops_stop,
	.input = ops_input,
	.tick = ops_tick,
	.status = ops_status,
	.free = ops_free,
};

/* The typed calls: the generic ones on a mgmt source. */
void mgmt_free(struct mgmt *m)
{
	source_free(mgmt_source(m));
}

int mgmt_set_scan_params(struct mgmt *m, uint16_t interval, uint16_t window)
{
	return source_set_scan_params(&m->src, interval, window);
}

int mgmt_start(struct mgmt *m, bool active)
{
	return source_start(&m->src, active);
}

int mgmt_restart(struct mgmt *m)
{
	return source_restart(&m->src);
}

int mgmt_process(struct mgmt *m)
{
	return source_process(&m->src);
}

int mgmt_input(struct mgmt *m, const uint8_t *pkt, size_t len)
{
	return source_input(&m->src, pkt, len);
}

int mgmt_tick(struct mgmt *m, uint64_t now_us)
{
	return source_tick(&m->src, now_us);
}

uint64_t mgmt_last_adv_time(const struct mgmt *m)
{
	return m->src.last_adv_us;
}

void mgmt_get_info(const struct mgmt *m, struct mgmt_info *out)
{
	memset(out, 0, sizeof(*out));
	out->state = (enum mgmt_state)m->src.state;
	out->version = m->version;
	out->revision = m->revision;
	out->have_addr = m->src.have_addr;
	memcpy(out->addr, m->src.addr, 6);
	out->monitor = m->have_monitor;
	out->monitor_handle = m->monitor_handle;
	out->discovery = m->own_discovery;
	if (m->config_applied) {
		out->scan_interval = m->src.interval;
		out->scan_window = m->src.window;
		out->duty_percent = (unsigned int)m->src.window * 100u / m->src.interval;
	}
	snprintf(out->note, sizeof(out->note), "%s", m->note);
	snprintf(out->error, sizeof(out->error), "%s", m->src.error);
}

void mgmt_get_stats(const struct mgmt *m, struct mgmt_stats *out)
{
	*out = m->stats;
}
