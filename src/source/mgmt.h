/* SPDX-License-Identifier: MIT */
/* mgmt.h — the default radio source: the kernel's Bluetooth Management API (BlueZ
 * doc/mgmt-api.txt) on an HCI_CHANNEL_CONTROL socket. It sets the adapter up for passive
 * listening (an advertisement monitor) or active discovery and turns Device Found events
 * into adv records. It shares the adapter with bluetoothd; it never owns an event loop. */
#ifndef MI32_MGMT_H
#define MI32_MGMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source/source.h"

struct mgmt;

/* Commands and events we use (mgmt-api.txt section names). */
#define MGMT_OP_READ_VERSION 0x0001
#define MGMT_OP_READ_INDEX_LIST 0x0003
#define MGMT_OP_READ_INFO 0x0004
#define MGMT_OP_SET_POWERED 0x0005
#define MGMT_OP_SET_LE 0x000D
#define MGMT_OP_START_DISCOVERY 0x0023
#define MGMT_OP_STOP_DISCOVERY 0x0024
#define MGMT_OP_SET_DEF_SYSTEM_CONFIG 0x004C /* 0x004B is the Read */
#define MGMT_OP_ADD_ADV_PATTERNS_MONITOR 0x0052
#define MGMT_OP_REMOVE_ADV_MONITOR 0x0053

#define MGMT_EV_CMD_COMPLETE 0x0001
#define MGMT_EV_CMD_STATUS 0x0002
#define MGMT_EV_INDEX_ADDED 0x0004
#define MGMT_EV_INDEX_REMOVED 0x0005
#define MGMT_EV_NEW_SETTINGS 0x0006
#define MGMT_EV_DEVICE_FOUND 0x0012
#define MGMT_EV_DISCOVERING 0x0013
#define MGMT_EV_ADV_MONITOR_REMOVED 0x002C
#define MGMT_EV_ADV_MONITOR_DEVICE_FOUND 0x002F

#define MGMT_INDEX_NONE 0xFFFF
#define MGMT_HDR_SIZE 6

/* Default System Configuration parameter types (mgmt-api.txt, Read Default System
 * Configuration): LE scanning interval/window for discovery and for adv monitoring. */
#define MGMT_SYSCFG_LE_SCAN_INTERVAL_DISCOVERY 0x0011
#define MGMT_SYSCFG_LE_SCAN_WINDOW_DISCOVERY 0x0012
#define MGMT_SYSCFG_LE_SCAN_INTERVAL_ADV_MONITOR 0x0013
#define MGMT_SYSCFG_LE_SCAN_WINDOW_ADV_MONITOR 0x0014

/* Management status codes (mgmt-api.txt "Error Codes") we react to. */
#define MGMT_STATUS_SUCCESS 0x00
#define MGMT_STATUS_UNKNOWN_COMMAND 0x01
#define MGMT_STATUS_BUSY 0x0A
#define MGMT_STATUS_NOT_SUPPORTED 0x0C
#define MGMT_STATUS_INVALID_PARAMS 0x0D
#define MGMT_STATUS_INVALID_INDEX 0x11

/* The shared source states (source.h), under mgmt's names. */
enum mgmt_state {
	MGMT_STATE_IDLE = SOURCE_STATE_IDLE,	     /* created, mgmt_start() not called */
	MGMT_STATE_STARTING = SOURCE_STATE_STARTING, /* command sequence in flight */
	MGMT_STATE_RUNNING = SOURCE_STATE_RUNNING,   /* scanning; adverts flow */
	MGMT_STATE_FAILED = SOURCE_STATE_FAILED,     /* a required command failed: see error */
	MGMT_STATE_GONE =
		SOURCE_STATE_GONE, /* adapter removed; restarts by itself if it returns */
};

/* Per-reason counters, so a silent source can say why. */
struct mgmt_stats {
	uint64_t events;       /* packets read */
	uint64_t adverts;      /* adv records delivered */
	uint64_t malformed;    /* events whose lengths do not add up (skipped) */
	uint64_t not_le;       /* Device Found for BR/EDR devices (skipped) */
	uint64_t too_long;     /* advertising data over ADV_DATA_MAX (skipped) */
	uint64_t duplicates;   /* monitor copies of Device Found during discovery (skipped) */
	uint64_t other_index;  /* events for other adapters */
	uint64_t unknown;      /* events we do not use */
};

struct mgmt_info {
	enum mgmt_state state;
	uint8_t version;        /* Management API version.revision, 0 until read */
	uint16_t revision;
	bool have_addr;
	uint8_t addr[6];        /* adapter address, display order (MSB first) */
	bool monitor;           /* passive listening through an advertisement monitor */
	uint16_t monitor_handle;
	bool discovery;         /* we started kernel discovery (active scanning) */
	uint16_t scan_interval; /* 0.625 ms units as configured; 0: kernel default */
	uint16_t scan_window;
	unsigned int duty_percent; /* window/interval; 0 when the kernel keeps its default */
	char note[160];         /* last non-fatal decision worth a log line, or "" */
	char error[256];        /* why FAILED/GONE, one sentence, or "" */
};

/* Open and bind an HCI_CHANNEL_CONTROL socket (non-blocking, close-on-exec). Returns the
 * fd, or -errno with a sentence in @err naming the fix (capabilities, kernel support). */
int mgmt_open_socket(char err[static 256]);

/* "hci0" -> 0. Returns the index or -EINVAL. */
int mgmt_index_from_name(const char *name);

/* Wrap @fd (a control socket, or one end of a SOCK_SEQPACKET socketpair in tests); the
 * mgmt object owns it and closes it in mgmt_free(). @index is the adapter (hciN -> N).
 * @cb gets each advert; @destroy(user_data) runs in mgmt_free(). Buffers are sized here,
 * so reading and delivering adverts allocates nothing. Returns NULL on ENOMEM. */
struct mgmt *mgmt_new(int fd, uint16_t index, source_adv_fn cb, void *user_data,
		      void (*destroy)(void *user_data));
/* Closes the fd. Safe from inside the advert callback (freeing is deferred). NULL ok. */
void mgmt_free(struct mgmt *m);
/* The generic handle (source.h) radio.c drives; borrowed, freed by mgmt_free(). */
struct source *mgmt_source(struct mgmt *m);

/* LE scan interval and window, 0.625 ms units (0x0004..0x4000, window <= interval), applied
 * through Set Default System Configuration at the next start/restart. Default 0x60/0x60:
 * a 100 % duty cycle, because a sensor listener misses adverts in every gap. */
int mgmt_set_scan_params(struct mgmt *m, uint16_t interval, uint16_t window);

/* Begin the command sequence: version, index list, controller info, power/LE on if needed,
 * scan configuration, advertisement monitor (passive), and Start Discovery when @active.
 * Non-blocking: responses drive it from mgmt_process(). Returns 0 or -errno (write). */
int mgmt_start(struct mgmt *m, bool active);

/* Watchdog hook: re-arm scanning (remove/re-add the monitor, restart discovery, re-read
 * the controller and power it) without re-reading the version. Returns 0 or -errno. */
int mgmt_restart(struct mgmt *m);

/* Read every pending packet, advance the command sequence, deliver adverts. Returns 0,
 * -ENODEV (adapter removed), -EIO/-EOPNOTSUPP/... (a required command failed; sentence in
 * mgmt_info.error), or -errno from the socket. Malformed events are counted and skipped. */
int mgmt_process(struct mgmt *m);

/* Feed one packet (6-byte header + parameters), as mgmt_process() does for each read;
 * for fuzzing. Same returns as mgmt_process(). */
int mgmt_input(struct mgmt *m, const uint8_t *pkt, size_t len);

/* Timer hook: -ETIMEDOUT (and FAILED) when a command has waited more than 3 s for its
 * answer at @now_us (CLOCK_MONOTONIC µs); 0 otherwise. */
int mgmt_tick(struct mgmt *m, uint64_t now_us);

/* CLOCK_MONOTONIC µs of the last delivered advert (0: none yet), for the watchdog. */
uint64_t mgmt_last_adv_time(const struct mgmt *m);

void mgmt_get_info(const struct mgmt *m, struct mgmt_info *out);
/* Where the adapter's rfkill block is read when Set Powered fails (rfkill.h): "/sys" by
 * default; tests pass a folder. Borrowed for the source's life. */
void mgmt_set_sysfs(struct mgmt *m, const char *sysfs);
void mgmt_get_stats(const struct mgmt *m, struct mgmt_stats *out);

/* One adapter as mgmt_list_adapters() found it. */
struct mgmt_adapter {
	uint16_t index;
	uint8_t addr[6]; /* display order (MSB first) */
	bool powered;
	bool le;
};

/* The adapters the kernel has, asked once and waited for (for `mi32 doctor`, not the
 * daemon): Read Controller Index List, then Read Controller Information of each, on a
 * control socket of its own. These reads need no capability (the kernel answers them on
 * untrusted sockets). Fills at most @max entries of @out; each answer is awaited at most
 * @timeout_ms. Returns how many adapters there are (may exceed @max), or -errno with a
 * sentence in @err (-EAFNOSUPPORT: the kernel has no Bluetooth; -ETIMEDOUT: no answer). */
int mgmt_list_adapters(struct mgmt_adapter *out, size_t max, int timeout_ms,
		       char err[static 256]);

/* "Invalid Parameters" for 0x0D; "unknown status" otherwise. */
const char *mgmt_status_str(uint8_t status);

#endif
