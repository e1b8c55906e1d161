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

/*
 * Product ids, each spelled once, here: PID_ + the registry type (the JSON name, '-' as
 * '_'). registry.c's rows, the decoders' per-product branches, the simulator, the bench and
 * the tests use these names. Ids nothing refers to by name stay literals in their row.
 */
/* the seed's types (SPEC §1.3), MiBeacon product ids as the frames carry them */
#define PID_FLORA 0x0098      /* HHCCJCY01 */
#define PID_YLYK01 0x0153
#define PID_MJ_HT_V1 0x01AA   /* LYWSDCGQ, one AAA cell */
#define PID_CGG1 0x0347       /* also its Qingping 0xFDCD device ids 0x01, 0x07, 0x16 */
#define PID_MHOC401 0x0387
#define PID_YLKG08 0x03B6     /* YLKG07YL/YLKG08YL dimmer */
#define PID_NLIGHT 0x03DD
#define PID_LYWSD02 0x045B
#define PID_LYWSD03 0x055B    /* LYWSD03MMC */
#define PID_CGD1 0x0576       /* also its Qingping device id 0x0C */
#define PID_MHOC303 0x06D3
#define PID_MJYD2S 0x07F6     /* MJYD02YL night light */
#define PID_YLAI003 0x07BF
#define PID_SJWS01L 0x0863
#define PID_MCCGQ02 0x098B    /* MCCGQ02HL door/window sensor */
/* further MiBeacon products with a branch of their own in mibeacon_obj.c */
#define PID_RTCGQ02LM 0x0A8D
#define PID_K9B_3BTN 0x0DFD
#define PID_K9B_1BTN 0x1568
#define PID_K9B_2BTN 0x1569
#define PID_XMWXKG01YL 0x1949 /* two-button wall switch */

/* Fake product ids for formats that carry none (SPEC §1.3), and the generic device. */
#define PID_GENERIC 0x0000
#define PID_ATC 0x0A1C
#define PID_PVVX 0x944A
#define PID_BTHOME 0xB770

/*
 * Qingping 0xFDCD devices that carry no product id anywhere (a model that also speaks
 * MiBeacon uses its MiBeacon pid, above, so a sensor heard both ways is one sensor): fake
 * pids 0xCD00 | Qingping device-id byte (first id of the model), 0xCD00 for an unknown
 * device id. 0xCDxx is far above the MiBeacon pids seen so far (< 0x4000) and clear of
 * PID_BTHOME / PID_PVVX.
 */
#define PID_QP_GENERIC 0xCD00 /* unknown device id: values decoded, model unknown */
#define PID_QP_CGH1 0xCD04    /* door/window sensor */
#define PID_QP_CGP1W 0xCD09
#define PID_QP_CGDN1 0xCD0E   /* air monitor lite (ids 0x0E, 0x24) */
#define PID_QP_CGM1 0xCD0F
#define PID_QP_CGPR1 0xCD12   /* motion & light */
#define PID_QP_CGF1W 0xCD15
#define PID_QP_CGP23W 0xCD18  /* ids 0x18, 0x26 */
#define PID_QP_CGC1 0xCD1E
#define PID_QP_CGG3 0xCD4F
#define PID_QP_CGR1PC 0xCD52  /* ids 0x52, 0x62 */
#define PID_QP_CGP22C 0xCD5D  /* ids 0x33, 0x5D */

/*
 * Xiaomi formats outside MiBeacon (xiaomi.h): none of these frames carries a product id
 * (xiaomi-ble's "device id" for the scales is two bytes of the weight and year, not an id).
 * 0xD8xx / 0xDD50 follow the service UUID and sit above every MiBeacon pid seen so far.
 */
#define PID_MISCALE 0xD81D  /* Mi Smart Scale XMTZC01HM / XMTZC04HM, UUID 0x181D */
#define PID_MIBCS 0xD81B    /* Mi Body Composition Scale XMTZC02HM / XMTZC05HM, 0x181B */
#define PID_HHCCJCY10 0xDD50 /* HHCC plant sensor, pink version, UUID 0xFD50 */

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
