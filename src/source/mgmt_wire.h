/* SPDX-License-Identifier: MIT */
/* mgmt_wire.h — the Management API on the wire, shared by mgmt.c (the source's command
 * sequence) and the self-check (doctor.c): writing commands, building their parameters and
 * reading the answers and events. Layouts follow BlueZ doc/mgmt-api.txt. No state, no
 * allocation: bytes in, fields out. */
#ifndef MI32_MGMT_WIRE_H
#define MI32_MGMT_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/adv.h"
#include "source/mgmt.h"
#include "util/rd.h"
#include "util/wr.h"

/* Controller settings bits (Read Controller Information, New Settings). */
#define MGMT_SETTING_POWERED (1u << 0)
#define MGMT_SETTING_LE (1u << 9)

/* Start/Stop Discovery address types: LE public | LE random. */
#define MGMT_DISCOVERY_LE 0x06

/* Write one command on @fd: the header (opcode, index, length), then @param. 0 or -errno
 * (-EMSGSIZE when @plen does not fit one command). */
int mgmt__send(int fd, uint16_t op, uint16_t index, const uint8_t *param, uint16_t plen);

/* The errno a management status stands for (-EOPNOTSUPP, -EBUSY, -ERFKILL, ..., -EIO). */
int mgmt__status_errno(uint8_t status);

/* Set Default System Configuration's TLVs: the same scan @interval/@window (0.625 ms
 * units) for discovery and for advertisement monitoring. */
void mgmt__put_sysconfig(struct wr *w, uint16_t interval, uint16_t window);
/* Add Advertisement Patterns Monitor's parameters: the patterns every sensor matches. */
void mgmt__put_monitor(struct wr *w);

/* Read Controller Index List's answer: is @index in it? 1 yes, 0 no, -EBADMSG (short).
 * @list gets the indexes for a message ("hci0 hci1", "" when none). */
int mgmt__parse_index_list(struct rd *r, uint16_t index, char list[96]);
/* Read Controller Information's answer: the address (display order) and current settings.
 * 0 or -EBADMSG. */
int mgmt__parse_info(struct rd *r, uint8_t addr[6], uint32_t *settings);

/* A Device Found (or Adv Monitor Device Found when @monitor) event's fields. */
struct mgmt_found {
	const uint8_t *addr; /* 6 bytes, little-endian as sent */
	uint8_t type;	     /* mgmt address type */
	int8_t rssi;
	uint32_t flags;
	uint16_t eir_len;
	const uint8_t *eir;
};
/* 0 or -EBADMSG when the lengths do not add up. */
int mgmt__parse_found(struct rd *r, bool monitor, struct mgmt_found *f);
/* Fill @a's address, type, RSSI, PDU type and data from @f (not its time). 0, or
 * -EPFNOSUPPORT (a BR/EDR device), -EMSGSIZE (more than ADV_DATA_MAX bytes of data). */
int mgmt__found_adv(const struct mgmt_found *f, struct adv *a);

#endif
