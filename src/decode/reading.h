/* SPDX-License-Identifier: MIT */
/* reading.h — one typed value a decoder found in an advertisement, and the table that names
 * it in JSON (Tasmota's keys where Tasmota has one, the same capitalised style otherwise). */
#ifndef MI32_READING_H
#define MI32_READING_H

#include <stddef.h>
#include <stdint.h>

/* Append new members at the end of a group; the numbers are not persisted anywhere. */
enum reading_type {
	READING_NONE = 0,
	/* measurements */
	READING_TEMPERATURE,  /* °C */
	READING_HUMIDITY,     /* % */
	READING_BATTERY,      /* % */
	READING_VOLTAGE,      /* V */
	READING_ILLUMINANCE,  /* lx */
	READING_MOISTURE,     /* % (soil) */
	READING_FERTILITY,    /* µS/cm (conductivity) */
	READING_NMT,          /* s, no motion time */
	READING_PRESSURE,     /* hPa */
	READING_CO2,          /* ppm */
	READING_PM25,         /* µg/m³ */
	READING_PM10,         /* µg/m³ */
	READING_WEIGHT,       /* kg */
	READING_WEIGHT_LB,    /* lb, as some scales send it */
	READING_FORMALDEHYDE, /* mg/m³ */
	READING_DEW_POINT,    /* °C, when the device sends one */
	READING_POWER,        /* W */
	READING_ENERGY,       /* kWh */
	READING_CURRENT,      /* A */
	READING_SPEED,        /* m/s */
	READING_DISTANCE,     /* m */
	READING_DURATION,     /* s */
	READING_ROTATION,     /* ° */
	READING_UV_INDEX,
	READING_VOLUME,       /* L */
	READING_VOLUME_FLOW,  /* m³/h */
	READING_GAS,          /* m³ */
	READING_WATER,        /* L */
	READING_TVOC,         /* µg/m³ */
	READING_COUNT,
	READING_TIMESTAMP,    /* s since the epoch */
	READING_ACCELERATION, /* m/s² */
	READING_GYROSCOPE,    /* °/s */
	READING_DIRECTION,    /* ° */
	READING_PRECIPITATION, /* mm */
	READING_CHANNEL,
	READING_RPM,
	READING_VOLUME_STORAGE, /* L */
	READING_CONSUMABLE,   /* % left */
	READING_IMPEDANCE,    /* Ω (body scales) */
	READING_HEART_RATE,
	READING_SCORE,        /* toothbrush score and the like */
	READING_RSSI_TX,      /* dBm, advertised TX power */
	READING_FIRMWARE,     /* numeric firmware version (BTHome 0xF1/0xF2) */
	READING_DEVICE_TYPE,  /* BTHome 0xF0 */
	/* binary states (1 = on/open/detected) */
	READING_MOTION,
	READING_DOOR,        /* opening: 1 open, 0 closed */
	READING_LEAK,        /* moisture detected */
	READING_WINDOW,
	READING_SMOKE,
	READING_LIGHT,       /* light detected */
	READING_LOCK,        /* 1 unlocked, 0 locked (HA's lock sense) */
	READING_OCCUPANCY,
	READING_PRESENCE,
	READING_POWER_ON,
	READING_BATTERY_LOW,
	READING_CHARGING,
	READING_CO,
	READING_COLD,
	READING_CONNECTIVITY,
	READING_GARAGE_DOOR,
	READING_GAS_DETECTED,
	READING_HEAT,
	READING_MOVING,
	READING_PLUG,
	READING_PROBLEM,
	READING_RUNNING,
	READING_SAFETY,
	READING_SOUND,
	READING_TAMPER,
	READING_VIBRATION,
	READING_GENERIC_BOOL,
	READING_ARMED,
	READING_TIMEOUT,     /* door left open / motion timeout flag */
	/* events (momentary; published at once, never aggregated) */
	READING_BUTTON,      /* key Button<index>; value 1 single, 2 double, 3 hold/long,
			      * 4 triple, 5 long double, 6 long triple, 7 release */
	READING_DIMMER,      /* signed rotation steps */
	READING_DIMMER_P,    /* steps while pressed */
	READING_HOLD,        /* YLKG07/08 hold value */
	READING_KETTLE,      /* kettle state: 0 idle, 1 heating, 2 cooling, 3 keep warm */
	READING_FINGERPRINT, /* fingerprint match result */
	READING_LOCK_EVENT,  /* lock action id */
	READING_COUNT_EVENT, /* generic momentary event code */
	READING__MAX
};

/* Flags of a type in the table. */
#define READING_F_BINARY 0x01 /* 0/1 state */
#define READING_F_EVENT 0x02  /* momentary: never repeated from the last value */
#define READING_F_INDEXED 0x04 /* key carries the index always (Button0..) */

struct reading {
	uint16_t type;    /* enum reading_type */
	uint8_t index;    /* button number; for repeated objects 2, 3… (key suffix) */
	uint8_t decimals; /* digits after the point the frame carries */
	double value;
};

struct reading_info {
	const char *key;  /* JSON key: "Temperature", "PM2.5", "Button" (+index) */
	const char *unit; /* "°C", "%", "" */
	uint8_t flags;
};

/* Name and unit of @type; a table row with key NULL for unknown types. */
const struct reading_info *reading_info(unsigned int type);

/* Write the JSON key of @r into @buf ("Temperature", "Button2", "Temperature2").
 * Returns the length written (always NUL-terminated when @size > 0). */
size_t reading_key(const struct reading *r, char *buf, size_t size);

/* Find a type by its JSON key (without index); READING_NONE when unknown. */
unsigned int reading_type_by_key(const char *key);

#endif
