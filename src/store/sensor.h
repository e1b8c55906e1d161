/* SPDX-License-Identifier: MIT */
/* sensor.h — read accessors of one sensor of the store (opaque struct sensor), its display
 * name and JSON key (SPEC §1.4), latest values and 24 h history (§10.3). All take the
 * pointer store_sensor() returned; nothing here changes the sensor. */
#ifndef MI32_SENSOR_H
#define MI32_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/reading.h"
#include "decode/registry.h"

struct sensor;

/* sensor_status() bits; needsKey is the feature bit MI_FEAT_NEEDS_KEY. */
#define SENSOR_S_WRONG_KEY 0x01 /* the last encrypted frame failed its MIC */
#define SENSOR_S_UNBOUND 0x02   /* advertises "not paired" (0x28 at offset 11) */
#define SENSOR_S_STALE 0x04     /* not heard for stale_s (decision #10) */
#define SENSOR_S_AUTO 0x08      /* auto-added (counts against max_auto) */
#define SENSOR_S_SEEN 0x10      /* received at least once since start */

/* 24-hour histories, index = local hour of day; 0 = no data, else 0x80 | 1..127. */
enum sensor_hist {
	SENSOR_HIST_TEMP = 0,  /* -20..60 °C */
	SENSOR_HIST_HUM,       /* 0..100 % */
	SENSOR_HIST_LUX,       /* 0..1000 lx */
	SENSOR_HIST_SIGHTINGS, /* generic devices: sightings in that hour, up to 127 */
};
#define SENSOR_HIST_KINDS 4
#define SENSOR_HIST_VALID 0x80

unsigned int sensor_slot(const struct sensor *s);
const uint8_t *sensor_mac(const struct sensor *s);   /* 6 bytes, display order */
uint16_t sensor_pid(const struct sensor *s);
const struct device_info *sensor_device(const struct sensor *s); /* NULL: unknown pid */
uint32_t sensor_feat(const struct sensor *s);        /* MI_FEAT_* */
uint32_t sensor_status(const struct sensor *s);      /* SENSOR_S_* */
int8_t sensor_rssi(const struct sensor *s);          /* 0 = never received */
uint64_t sensor_last_us(const struct sensor *s);     /* last accepted, 0 = never */
const uint8_t *sensor_key(const struct sensor *s);   /* 16 bytes, or NULL */
const char *sensor_name_override(const struct sensor *s); /* NULL when none */
const char *sensor_firmware(const struct sensor *s); /* by GATT; NULL when unknown */

/* Display name (§1.4): override, type name, "BLE_03" (PID 0) or "MI_0B48". Returns the
 * length; @buf is always NUL-terminated when @size > 0. */
size_t sensor_name(const struct sensor *s, char *buf, size_t size);
/* JSON key (§1.4): the override alone, or "<name>-<last 3 MAC bytes lower-case hex>". */
size_t sensor_json_key(const struct sensor *s, char *buf, size_t size);

/* The latest value of @type (index 0/1: the sensor's first such reading). Returns true and
 * fills @v (and @decimals, may be NULL) when known. */
bool sensor_value(const struct sensor *s, unsigned int type, double *v, unsigned int *decimals);
/* All known latest values in reading-type order, indexed ones (Temperature2, Button0..)
 * after the plain one of their type. Writes at most @max, returns the number known. */
size_t sensor_values(const struct sensor *s, struct reading *out, size_t max);
/* Magnus dew point from the latest temperature and humidity, NaN when either is unknown. */
double sensor_dew_point(const struct sensor *s);

unsigned int sensor_events(const struct sensor *s); /* motion/door events since start */
uint32_t sensor_nmt(const struct sensor *s);        /* no-motion seconds (ticks with time) */
int sensor_door(const struct sensor *s);            /* -1 unknown, else the last value */
int sensor_leak(const struct sensor *s);            /* -1 unknown */
/* Last button: number and kind (1 single, 2 double, 3 hold, …); false before any press. */
bool sensor_button(const struct sensor *s, unsigned int *num, unsigned int *kind);
/* Raw advertising payload of a generic device; NULL when none. */
const uint8_t *sensor_payload(const struct sensor *s, size_t *len);

const uint8_t *sensor_history(const struct sensor *s, enum sensor_hist kind); /* 24 bytes */
uint32_t sensor_heard(const struct sensor *s); /* bit h = heard during local hour h */

/* Magnus formula as Tasmota's CalcTempHumToDew (γ = ln(h/100) + 17.62·t/(243.5+t)). */
double sensor_magnus_dew_point(double t, double h);

#endif
