/* SPDX-License-Identifier: MIT */
/* registry.h — the device table: product id → type name, model, vendor and the feature
 * bits a new sensor starts with (SPEC §1.2-1.3). A new device is a new row in registry.c. */
#ifndef MI32_REGISTRY_H
#define MI32_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

/* Feature bits, the `feat` field of mi32cfg (SPEC §1.2; bit positions are Tasmota's). */
#define MI_FEAT_NEEDS_KEY (1u << 0)
#define MI_FEAT_TEMP (1u << 1)
#define MI_FEAT_HUM (1u << 2)
#define MI_FEAT_TEMP_HUM (1u << 3)
#define MI_FEAT_LUX (1u << 4)
#define MI_FEAT_MOIST (1u << 5)
#define MI_FEAT_FERT (1u << 6)
#define MI_FEAT_BAT (1u << 7)
#define MI_FEAT_NMT (1u << 8)
#define MI_FEAT_MOTION (1u << 9)
#define MI_FEAT_BTN (1u << 10)
#define MI_FEAT_KNOB (1u << 11)
#define MI_FEAT_DOOR (1u << 12)
#define MI_FEAT_LEAK (1u << 13)
#define MI_FEAT_PAYLOAD (1u << 14)

#define MI_FEAT_THB (MI_FEAT_TEMP | MI_FEAT_HUM | MI_FEAT_TEMP_HUM | MI_FEAT_BAT)

/* Fake product ids for formats that carry none (SPEC §1.3), and the generic device. */
#define PID_GENERIC 0x0000
#define PID_ATC 0x0A1C
#define PID_PVVX 0x944A
#define PID_BTHOME 0xB770
#define PID_CGD1 0x0576

struct device_info {
	uint16_t pid;
	const char *type;   /* short name used in names and JSON: "LYWSD03" */
	const char *model;  /* vendor model: "LYWSD03MMC" */
	const char *vendor; /* "Xiaomi", "Qingping", ... */
	uint32_t feat;      /* MI_FEAT_* at creation */
};

/* The row for @pid, or NULL for an unknown product id. */
const struct device_info *registry_find(uint16_t pid);

/* All rows, for listings (README, tests). Sets *@n. */
const struct device_info *registry_all(size_t *n);

/* Map a decoded reading type to the feature bit it teaches a sensor (0 if none). */
uint32_t registry_feature_of(unsigned int reading_type);

#endif
