/* SPDX-License-Identifier: MIT */
/* reading.c — the table of reading types: JSON key, unit, flags. Keys follow Tasmota's
 * MI32 JSON (SPEC §9.3) where it has one; the others keep its capitalised style. */
#include <stdio.h>
#include <string.h>

#include "decode/reading.h"

#define B READING_F_BINARY
#define E READING_F_EVENT

static const struct reading_info table[READING__MAX] = {
	[READING_TEMPERATURE] = { "Temperature", "°C", 0 },
	[READING_HUMIDITY] = { "Humidity", "%", 0 },
	[READING_BATTERY] = { "Battery", "%", 0 },
	[READING_VOLTAGE] = { "Voltage", "V", 0 },
	[READING_ILLUMINANCE] = { "Illuminance", "lx", 0 },
	[READING_MOISTURE] = { "Moisture", "%", 0 },
	[READING_FERTILITY] = { "Fertility", "µS/cm", 0 },
	[READING_NMT] = { "NMT", "s", 0 },
	[READING_PRESSURE] = { "Pressure", "hPa", 0 },
	[READING_CO2] = { "CO2", "ppm", 0 },
	[READING_PM25] = { "PM2.5", "µg/m³", 0 },
	[READING_PM10] = { "PM10", "µg/m³", 0 },
	[READING_WEIGHT] = { "Weight", "kg", 0 },
	[READING_WEIGHT_LB] = { "Weight", "lb", 0 }, /* as sent: HA shows it in lb */
	[READING_FORMALDEHYDE] = { "Formaldehyde", "mg/m³", 0 },
	[READING_DEW_POINT] = { "DewPoint", "°C", 0 },
	[READING_POWER] = { "Power", "W", 0 },
	[READING_ENERGY] = { "Energy", "kWh", 0 },
	[READING_CURRENT] = { "Current", "A", 0 },
	[READING_SPEED] = { "Speed", "m/s", 0 },
	[READING_DISTANCE] = { "Distance", "m", 0 },
	[READING_DURATION] = { "Duration", "s", 0 },
	[READING_ROTATION] = { "Rotation", "°", 0 },
	[READING_UV_INDEX] = { "UV", "", 0 },
	[READING_VOLUME] = { "Volume", "L", 0 },
	[READING_VOLUME_FLOW] = { "VolumeFlow", "m³/h", 0 },
	[READING_GAS] = { "Gas", "m³", 0 },
	[READING_WATER] = { "Water", "L", 0 },
	[READING_TVOC] = { "TVOC", "µg/m³", 0 },
	[READING_COUNT] = { "Count", "", 0 },
	[READING_TIMESTAMP] = { "Timestamp", "s", 0 },
	[READING_ACCELERATION] = { "Acceleration", "m/s²", 0 },
	[READING_GYROSCOPE] = { "Gyroscope", "°/s", 0 },
	[READING_DIRECTION] = { "Direction", "°", 0 },
	[READING_PRECIPITATION] = { "Precipitation", "mm", 0 },
	[READING_CHANNEL] = { "Channel", "", 0 },
	[READING_RPM] = { "RPM", "rpm", 0 },
	[READING_VOLUME_STORAGE] = { "VolumeStorage", "L", 0 },
	[READING_CONSUMABLE] = { "Consumable", "%", 0 },
	[READING_IMPEDANCE] = { "Impedance", "Ω", 0 },
	[READING_HEART_RATE] = { "HeartRate", "bpm", 0 },
	[READING_SCORE] = { "Score", "", 0 },
	[READING_RSSI_TX] = { "TxPower", "dBm", 0 },
	[READING_FIRMWARE] = { "FirmwareVersion", "", 0 },
	[READING_DEVICE_TYPE] = { "DeviceType", "", 0 },
	[READING_MOTION] = { "Motion", "", B },
	[READING_DOOR] = { "Door", "", B },
	[READING_LEAK] = { "Leak", "", B },
	[READING_WINDOW] = { "Window", "", B },
	[READING_SMOKE] = { "Smoke", "", B },
	[READING_LIGHT] = { "Light", "", B },
	[READING_LOCK] = { "Lock", "", B },
	[READING_OCCUPANCY] = { "Occupancy", "", B },
	[READING_PRESENCE] = { "Presence", "", B },
	[READING_POWER_ON] = { "PowerOn", "", B },
	[READING_BATTERY_LOW] = { "BatteryLow", "", B },
	[READING_CHARGING] = { "Charging", "", B },
	[READING_CO] = { "CO", "", B },
	[READING_COLD] = { "Cold", "", B },
	[READING_CONNECTIVITY] = { "Connectivity", "", B },
	[READING_GARAGE_DOOR] = { "GarageDoor", "", B },
	[READING_GAS_DETECTED] = { "GasDetected", "", B },
	[READING_HEAT] = { "Heat", "", B },
	[READING_MOVING] = { "Moving", "", B },
	[READING_PLUG] = { "Plug", "", B },
	[READING_PROBLEM] = { "Problem", "", B },
	[READING_RUNNING] = { "Running", "", B },
	[READING_SAFETY] = { "Safety", "", B },
	[READING_SOUND] = { "Sound", "", B },
	[READING_TAMPER] = { "Tamper", "", B },
	[READING_VIBRATION] = { "Vibration", "", B },
	[READING_GENERIC_BOOL] = { "Binary", "", B },
	[READING_ARMED] = { "Armed", "", B },
	[READING_TIMEOUT] = { "Timeout", "", B },
	[READING_BUTTON] = { "Button", "", E | READING_F_INDEXED },
	[READING_DIMMER] = { "Dimmer", "", E },
	[READING_DIMMER_P] = { "Dimmer_P", "", E },
	[READING_HOLD] = { "Hold", "", E },
	[READING_KETTLE] = { "Kettle", "", 0 },
	[READING_FINGERPRINT] = { "Fingerprint", "", E },
	[READING_LOCK_EVENT] = { "LockEvent", "", E },
	[READING_COUNT_EVENT] = { "Event", "", E },
};

#undef B
#undef E

const struct reading_info *reading_info(unsigned int type)
{
	static const struct reading_info none = { NULL, "", 0 };

	if (type >= READING__MAX || !table[type].key)
		return &none;
	return &table[type];
}

size_t reading_key(const struct reading *r, char *buf, size_t size)
{
	const struct reading_info *ri = reading_info(r->type);
	const char *key = ri->key ? ri->key : "Unknown";
	int n;

	if (size == 0)
		return 0;
	/* Buttons always carry their number (Tasmota's "Button2"); other repeated objects
	 * get a suffix from the second one on, as BTHome numbers its second temperature. */
	if ((ri->flags & READING_F_INDEXED) || r->index > 1)
		n = snprintf(buf, size, "%s%u", key, r->index);
	else
		n = snprintf(buf, size, "%s", key);
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

unsigned int reading_type_by_key(const char *key)
{
	for (unsigned int t = 1; t < READING__MAX; t++)
		if (table[t].key && strcmp(table[t].key, key) == 0)
			return t;
	return READING_NONE;
}
