/* SPDX-License-Identifier: MIT */
/* relay.h — raw advertisements between nodes (mqtt-raw-out / mqtt-raw-in): the compact JSON
 * a node publishes on tele/<topic>/BLE for every advert it hears, its parser, and what a
 * central node keeps about relayed adverts — a short dedupe window (one frame heard by
 * several nodes is decoded once) and the last RSSI of each sensor at each node. Pure: no
 * MQTT, no loop.
 *
 * The message (keys in this order; unknown keys are ignored by the parser):
 *   {"Node":"mi32_a1b2c3","MAC":"A4C138112233","AddrType":0,"RSSI":-60,"Evt":0,
 *    "Time":1735732881280,"AD":"0201061A16..."}
 * MAC in display order, upper-case, no separators; AddrType as HCI (0 public, 1 random);
 * RSSI in dBm (127 = unknown); Evt the HCI advertising event type; Time the receive time in
 * milliseconds since the epoch; AD the advertising data as hex (up to 255 bytes). */
#ifndef MI32_RELAY_H
#define MI32_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/adv.h"
#include "util/jw.h"

#define RELAY_NODE_MAX 64     /* bytes of a node name with its NUL */
#define RELAY_JSON_MAX 1100   /* 255 AD bytes and a 63-byte node name of \u00XX escapes */
#define RELAY_WINDOW_US 2000000u /* a frame seen again within this is a duplicate */

struct relay;

/* Write the message for @adv heard by @node into @out. Returns its length (NUL not
 * counted) or -ENOSPC. */
int relay_encode(const struct adv *adv, const char *node, char *out, size_t size);

/* Parse @len bytes of @json (need not be NUL-terminated) into @adv (time_us from "Time",
 * 0 if absent) and @node (NUL-terminated, "" if absent; longer names are refused).
 * Required: MAC and AD. Returns 0, -EBADMSG or -ENOMEM. */
int relay_decode(const char *json, size_t len, struct adv *adv, char node[RELAY_NODE_MAX]);

/* A central's memory of relayed adverts: the dedupe window (@window_slots frames; older
 * ones fall out early when full) and the RSSI table (@rssi_slots (node, MAC) pairs, first
 * come first kept). Returns NULL on ENOMEM. */
struct relay *relay_new(unsigned int window_slots, unsigned int rssi_slots);
void relay_free(struct relay *r); /* NULL is a no-op */

/* Has this frame (address + AD bytes) been seen within RELAY_WINDOW_US of @now_us? Records
 * it either way, so the first copy returns false and later copies true. */
bool relay_seen(struct relay *r, const struct adv *adv, uint64_t now_us);

/* Remember @rssi of @mac as heard by @node. Returns 0, -ENOSPC (table or node list full)
 * or -EINVAL (empty node name). */
int relay_note_rssi(struct relay *r, const char *node, const uint8_t mac[6], int8_t rssi,
		    uint64_t now_us);

/* The RSSI table as members of an open object, one per node:
 *   "<node>":{"<MAC>":<rssi>,...},...   (nodes and MACs in first-heard order) */
void relay_write_rssi(const struct relay *r, struct jw *w);

/* The RSSI of @mac at @node, or ADV_RSSI_NONE when not known. */
int relay_rssi(const struct relay *r, const char *node, const uint8_t mac[6]);

#endif
