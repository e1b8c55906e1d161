/* SPDX-License-Identifier: MIT */
/* mgmt_wire.c — the Management API's bytes: opening and binding the control socket, writing
 * commands, building their parameters, reading answers and Device Found events (BlueZ
 * doc/mgmt-api.txt). What to send when is mgmt.c's business. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/exe.h"
#include "source/mgmt_wire.h"

#define MI32_HCI_CHANNEL_CONTROL 3 /* include/net/bluetooth/hci_sock.h */

/* Device Found address types are mgmt's own numbering, not HCI's. */
#define MGMT_ADDR_LE_PUBLIC 1
#define MGMT_ADDR_LE_RANDOM 2

#define MGMT_DEV_FOUND_NOT_CONNECTABLE (1u << 2)
#define MGMT_DEV_FOUND_SCAN_RSP (1u << 5)

#define MGMT_PATTERN_SIZE 34 /* AD_Type, Offset, Length, Value[31] */

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

int mgmt__status_errno(uint8_t status)
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
	int fd;

	err[0] = '\0';
	if (!have_net_admin()) {
		char exe[160];

		snprintf(err, 256, "the Bluetooth management socket needs CAP_NET_ADMIN: run as "
				   "root or setcap cap_net_admin,cap_net_raw+eip %s",
			 exe_path(exe, sizeof(exe)));
		return -EPERM;
	}
	fd = source__hci_socket(MGMT_INDEX_NONE, MI32_HCI_CHANNEL_CONTROL,
				"a Bluetooth management socket", err);
	if (fd < 0 && !err[0]) {
		char exe[160];
		int e = -fd;

		if (e == EPERM || e == EACCES)
			snprintf(err, 256, "the Bluetooth management socket needs CAP_NET_ADMIN: "
					   "run as root or setcap cap_net_admin,cap_net_raw+eip %s",
				 exe_path(exe, sizeof(exe)));
		else
			snprintf(err, 256, "cannot bind the Bluetooth management socket: %s",
				 strerror(e));
	}
	return fd;
}

int mgmt__send(int fd, uint16_t op, uint16_t index, const uint8_t *param, uint16_t plen)
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
		n = write(fd, pkt, wr_len(&w));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != wr_len(&w))
		return -EIO;
	return 0;
}

void mgmt__put_sysconfig(struct wr *w, uint16_t interval, uint16_t window)
{
	/* TLVs: type (2), length (1), value. Both the monitor's passive scan and discovery's
	 * active scan get the same interval/window. */
	static const uint16_t types[] = {
		MGMT_SYSCFG_LE_SCAN_INTERVAL_DISCOVERY,
		MGMT_SYSCFG_LE_SCAN_WINDOW_DISCOVERY,
		MGMT_SYSCFG_LE_SCAN_INTERVAL_ADV_MONITOR,
		MGMT_SYSCFG_LE_SCAN_WINDOW_ADV_MONITOR,
	};

	for (size_t i = 0; i < 4; i++) {
		wr_le16(w, types[i]);
		wr_u8(w, 2);
		wr_le16(w, (i & 1) ? window : interval);
	}
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

void mgmt__put_monitor(struct wr *w)
{
	size_t n = sizeof(monitor_patterns) / sizeof(monitor_patterns[0]);

	wr_u8(w, (uint8_t)n);
	for (size_t i = 0; i < n; i++) {
		size_t used = 3u + monitor_patterns[i][2];

		wr_bytes(w, monitor_patterns[i], used);
		wr_zero(w, MGMT_PATTERN_SIZE - used);
	}
}

int mgmt__parse_index_list(struct rd *r, uint16_t index, char list[96])
{
	uint16_t n = rd_le16(r);
	bool found = false;
	size_t used = 0;

	list[0] = '\0';
	for (uint16_t i = 0; i < n && rd_ok(r); i++) {
		uint16_t idx = rd_le16(r);

		if (!rd_ok(r))
			break;
		found |= idx == index;
		if (used < 96 - 12)
			used += (size_t)snprintf(list + used, 96 - used, "%shci%u",
						 used ? " " : "", idx);
	}
	if (!rd_ok(r))
		return -EBADMSG;
	return found;
}

int mgmt__parse_info(struct rd *r, uint8_t addr[6], uint32_t *settings)
{
	const uint8_t *a = rd_take(r, 6);

	rd_skip(r, 1 + 2 + 4); /* version, manufacturer, supported settings */
	*settings = rd_le32(r);
	if (!rd_ok(r))
		return -EBADMSG;
	for (int i = 0; i < 6; i++)
		addr[i] = a[5 - i];
	return 0;
}

int mgmt__parse_found(struct rd *r, bool monitor, struct mgmt_found *f)
{
	if (monitor)
		rd_skip(r, 2); /* Monitor_Handle */
	f->addr = rd_take(r, 6);
	f->type = rd_u8(r);
	f->rssi = rd_s8(r);
	f->flags = rd_le32(r);
	f->eir_len = rd_le16(r);
	f->eir = rd_take(r, f->eir_len);
	if (!rd_ok(r) || rd_left(r))
		return -EBADMSG;
	return 0;
}

int mgmt__found_adv(const struct mgmt_found *f, struct adv *a)
{
	if (f->type == MGMT_ADDR_LE_PUBLIC)
		a->addr_type = ADV_ADDR_PUBLIC;
	else if (f->type == MGMT_ADDR_LE_RANDOM)
		a->addr_type = ADV_ADDR_RANDOM;
	else
		return -EPFNOSUPPORT;
	if (f->eir_len > ADV_DATA_MAX)
		return -EMSGSIZE;
	for (int i = 0; i < 6; i++)
		a->addr[i] = f->addr[5 - i];
	a->rssi = f->rssi;
	/* mgmt hides the PDU type; its flags say as much as decoders need */
	if (f->flags & MGMT_DEV_FOUND_SCAN_RSP)
		a->evt_type = 4; /* SCAN_RSP */
	else if (f->flags & MGMT_DEV_FOUND_NOT_CONNECTABLE)
		a->evt_type = 3; /* ADV_NONCONN_IND */
	else
		a->evt_type = 0; /* ADV_IND */
	a->len = (uint8_t)f->eir_len;
	memcpy(a->data, f->eir, f->eir_len);
	return 0;
}
