/* SPDX-License-Identifier: MIT */
/* adv.h — the one advertisement record every source produces and every decoder reads.
 * Open value type: small, copied by value, no pointers, so it can sit in rings. */
#ifndef MI32_ADV_H
#define MI32_ADV_H

#include <stdint.h>

/* LE Extended Advertising allows 1650 bytes of chained data, but no sensor we decode uses
 * more than one PDU; 255 is the largest single HCI report (and btsnoop's record cap here). */
#define ADV_DATA_MAX 255

enum adv_addr_type {
	ADV_ADDR_PUBLIC = 0,
	ADV_ADDR_RANDOM = 1,
	ADV_ADDR_PUBLIC_ID = 2, /* resolved by the controller, identity is public */
	ADV_ADDR_RANDOM_ID = 3, /* resolved by the controller, identity is random static */
};

#define ADV_RSSI_NONE 127 /* HCI's "RSSI not available" */

struct adv {
	uint8_t addr[6];   /* display order, MSB first: A4:C1:38:.. is addr[0]=0xA4 */
	uint8_t addr_type; /* enum adv_addr_type */
	int8_t rssi;       /* dBm, ADV_RSSI_NONE when unknown */
	uint8_t evt_type;  /* HCI advertising event type (0 ADV_IND .. 4 SCAN_RSP) */
	uint8_t len;       /* bytes used in data[] */
	uint64_t time_us;  /* receive time, CLOCK_REALTIME microseconds; 0 if unknown */
	uint8_t data[ADV_DATA_MAX]; /* AD structures as received */
};

#endif
