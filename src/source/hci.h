/* SPDX-License-Identifier: MIT */
/* hci.h — HCI command/event codec and the scan set-up state machine (Core Vol 4 Part E),
 * driving a controller over HCI_CHANNEL_RAW, HCI_CHANNEL_USER or an H4 UART (h4.c feeds
 * it packets through hci_input()). The transport only differs in how packets are read:
 * a socket gives one H4 packet (type byte first) per read, a UART a byte stream. */
#ifndef MI32_HCI_H
#define MI32_HCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source/source.h"

struct hci;

/* H4 packet types (Core Vol 4 Part A 2). HCI_H4_EVENT is in hci_event.h. */
#define HCI_H4_CMD 0x01
#define HCI_H4_ACL 0x02
#define HCI_H4_SCO 0x03
#define HCI_H4_ISO 0x05

#define HCI_OPCODE(ogf, ocf) ((uint16_t)(((ogf) << 10) | (ocf)))
#define HCI_OP_RESET HCI_OPCODE(0x03, 0x0003)
#define HCI_OP_SET_EVENT_MASK HCI_OPCODE(0x03, 0x0001)
#define HCI_OP_READ_LOCAL_VERSION HCI_OPCODE(0x04, 0x0001)
#define HCI_OP_READ_BD_ADDR HCI_OPCODE(0x04, 0x0009)
#define HCI_OP_LE_SET_EVENT_MASK HCI_OPCODE(0x08, 0x0001)
#define HCI_OP_LE_READ_LOCAL_FEATURES HCI_OPCODE(0x08, 0x0003)
#define HCI_OP_LE_SET_SCAN_PARAMS HCI_OPCODE(0x08, 0x000B)
#define HCI_OP_LE_SET_SCAN_ENABLE HCI_OPCODE(0x08, 0x000C)
#define HCI_OP_LE_SET_EXT_SCAN_PARAMS HCI_OPCODE(0x08, 0x0041)
#define HCI_OP_LE_SET_EXT_SCAN_ENABLE HCI_OPCODE(0x08, 0x0042)

#define HCI_EV_CMD_COMPLETE 0x0E
#define HCI_EV_CMD_STATUS 0x0F
#define HCI_EV_HARDWARE_ERROR 0x10

/* LE features (Core Vol 6 Part B 4.6) that choose extended scanning. */
#define HCI_LE_FEAT_CODED_PHY 11
#define HCI_LE_FEAT_EXT_ADV 12

#define HCI_CMD_MAX (1 + 3 + 255) /* H4 type, opcode, length, parameters */

enum hci_mode {
	HCI_MODE_RAW,  /* HCI_CHANNEL_RAW: the kernel owns the controller; no Reset */
	HCI_MODE_USER, /* HCI_CHANNEL_USER: exclusive; Reset, extended scanning if any */
	HCI_MODE_H4,   /* H4 UART through h4.c: as USER; hci_process() is not used */
};

/* The shared source states (source.h) an HCI source goes through. */
enum hci_state {
	HCI_STATE_IDLE = SOURCE_STATE_IDLE,
	HCI_STATE_STARTING = SOURCE_STATE_STARTING,
	HCI_STATE_RUNNING = SOURCE_STATE_RUNNING,
	HCI_STATE_FAILED = SOURCE_STATE_FAILED,
};

struct hci_stats {
	uint64_t packets;    /* packets handled */
	uint64_t adverts;    /* adv records delivered */
	uint64_t malformed;  /* events whose lengths do not add up (skipped) */
	uint64_t other;      /* ACL/SCO/ISO and events we do not use */
	uint64_t truncated;  /* events with more reports than fit the buffer */
};

struct hci_info {
	enum hci_state state;
	bool have_addr;
	uint8_t addr[6];        /* controller BD_ADDR, display order (MSB first) */
	uint8_t hci_version;    /* Read Local Version; 0xFF until read */
	uint16_t manufacturer;
	bool extended;          /* LE Extended scanning in use */
	bool coded;             /* ... on the Coded PHY too */
	uint16_t scan_interval; /* 0.625 ms units */
	uint16_t scan_window;
	unsigned int duty_percent;
	char error[256];        /* why FAILED, one sentence, or "" */
};

/* Encode one HCI command with its H4 type byte into @out (HCI_CMD_MAX bytes). Returns
 * the packet length, or -EMSGSIZE when @plen exceeds 255. */
int hci_cmd_encode(uint8_t *out, uint16_t opcode, const uint8_t *param, size_t plen);

/* Name of a command, for messages: "LE Set Scan Parameters"; "HCI command" if unknown. */
const char *hci_cmd_name(uint16_t opcode);
/* Name of an HCI error code (Core Vol 1 Part F): "Command Disallowed" for 0x0C. */
const char *hci_status_str(uint8_t status);

/* Open and bind an HCI socket to hci@dev on @channel (0 RAW, 1 USER). For RAW it also
 * sets the socket filter to pass events. Returns the fd or -errno with a sentence in
 * @err (capabilities, no kernel support, no such adapter, adapter busy). */
#define HCI_CHANNEL_RAW 0
#define HCI_CHANNEL_USER 1
int hci_open_socket(uint16_t dev, int channel, char err[static 256]);

/* Wrap @fd (owned: closed in hci_free()). @cb gets each advert; @destroy(user_data)
 * runs in hci_free(). Buffers are sized here: the hot path allocates nothing. NULL on
 * ENOMEM or bad arguments. */
struct hci *hci_new(int fd, enum hci_mode mode, source_adv_fn cb, void *user_data,
		    void (*destroy)(void *user_data));
/* Safe from inside the advert callback (freeing is deferred). NULL is a no-op. */
void hci_free(struct hci *h);
/* The generic handle (source.h) radio.c drives; borrowed, freed by hci_free(). */
struct source *hci_source(struct hci *h);

/* Scan interval/window in 0.625 ms units; default 0x60/0x60 (100 % duty cycle: a sensor
 * listener loses adverts in every gap). Applies at the next start/restart. */
int hci_set_scan_params(struct hci *h, uint16_t interval, uint16_t window);

/* Start the init sequence: [Reset], Read Local Version, Read BD_ADDR, LE Read Local
 * Features, Set Event Mask, LE Set Event Mask, [scan disable], scan parameters, scan
 * enable (duplicates not filtered). Each step waits for its Command Complete/Status.
 * Returns 0 or -errno (write). */
int hci_start(struct hci *h, bool active);
/* Watchdog hook: scan disable, parameters, enable again. Returns 0 or -errno. */
int hci_restart(struct hci *h);
/* Send scan disable (no answer awaited). Returns 0 or -errno. */
int hci_stop(struct hci *h);

/* Socket transports: read every pending packet (one per read), advance the sequence,
 * deliver adverts. Returns 0, -EIO/-EOPNOTSUPP/... when a command failed (sentence in
 * hci_info.error), -ECONNRESET on hang-up, or -errno from read. */
int hci_process(struct hci *h);

/* Handle one H4 packet, type byte first (from h4.c's framer, tests and fuzzers). Same
 * returns as hci_process(). */
int hci_input(struct hci *h, const uint8_t *pkt, size_t len);

/* Timer hook: -ETIMEDOUT (and FAILED) when a command has had no answer for 2 s at
 * @now_us (CLOCK_MONOTONIC µs); 0 otherwise. */
int hci_tick(struct hci *h, uint64_t now_us);

/* CLOCK_MONOTONIC µs of the last advert delivered (0: none yet). */
uint64_t hci_last_adv_time(const struct hci *h);

void hci_get_info(const struct hci *h, struct hci_info *out);
void hci_get_stats(const struct hci *h, struct hci_stats *out);

#endif
