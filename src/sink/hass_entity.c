/* SPDX-License-Identifier: MIT */
/* hass_entity.c — the per-reading-type entity table and which entities a sensor has (from its
 * features and the readings it has sent). Pure; the JSON is hass_config.c's. Device classes,
 * units and state classes follow HA's sensor/const.py tables (DEVICE_CLASS_UNITS,
 * DEVICE_CLASS_STATE_CLASSES), which tests/integration/test_06_hass_discovery.py repeats. */
#include <stdio.h>
#include <string.h>

#include "store/sensor.h"
#include "store/store.h"
#include "sink/hass.h"
#include "sink/hass_int.h"

#define M "measurement"
#define TI "total_increasing"

/* Measurements and momentary values shown as `sensor` entities. */
const struct hass__ent_info hass__sensors[READING__MAX] = {
	[READING_TEMPERATURE] = { NULL, "temperature", M, NULL, NULL, 0 },
	[READING_HUMIDITY] = { NULL, "humidity", M, NULL, NULL, 0 },
	[READING_BATTERY] = { NULL, "battery", M, NULL, NULL, E_DIAG },
	[READING_VOLTAGE] = { NULL, "voltage", M, NULL, NULL, E_DIAG },
	[READING_ILLUMINANCE] = { NULL, "illuminance", M, NULL, NULL, 0 },
	[READING_MOISTURE] = { NULL, "moisture", M, NULL, NULL, 0 },
	[READING_FERTILITY] = { "Conductivity", "conductivity", M, NULL, NULL, 0 },
	[READING_NMT] = { "No motion time", "duration", M, NULL, "mdi:motion-sensor-off", 0 },
	[READING_PRESSURE] = { NULL, "pressure", M, NULL, NULL, 0 },
	[READING_CO2] = { NULL, "carbon_dioxide", M, NULL, NULL, 0 },
	[READING_PM25] = { NULL, "pm25", M, NULL, NULL, 0 },
	[READING_PM10] = { NULL, "pm10", M, NULL, NULL, 0 },
	[READING_WEIGHT] = { NULL, "weight", M, NULL, NULL, 0 },
	[READING_WEIGHT_LB] = { NULL, "weight", M, NULL, NULL, 0 },
	[READING_FORMALDEHYDE] = { NULL, NULL, M, NULL, "mdi:chemical-weapon", 0 },
	[READING_DEW_POINT] = { "Dew point", "temperature", M, NULL, "mdi:water-thermometer", 0 },
	[READING_POWER] = { NULL, "power", M, NULL, NULL, 0 },
	[READING_ENERGY] = { NULL, "energy", TI, NULL, NULL, 0 },
	[READING_CURRENT] = { NULL, "current", M, NULL, NULL, 0 },
	[READING_SPEED] = { NULL, "speed", M, NULL, NULL, 0 },
	[READING_DISTANCE] = { NULL, "distance", M, NULL, NULL, 0 },
	[READING_DURATION] = { NULL, "duration", M, NULL, NULL, 0 },
	[READING_ROTATION] = { NULL, NULL, M, NULL, "mdi:rotate-orbit", 0 },
	[READING_UV_INDEX] = { "UV index", NULL, M, NULL, "mdi:sun-wireless", 0 },
	[READING_VOLUME] = { NULL, "volume", "total", NULL, NULL, 0 },
	[READING_VOLUME_FLOW] = { NULL, "volume_flow_rate", M, NULL, NULL, 0 },
	[READING_GAS] = { NULL, "gas", TI, NULL, NULL, 0 },
	[READING_WATER] = { NULL, "water", TI, NULL, NULL, 0 },
	[READING_TVOC] = { NULL, "volatile_organic_compounds", M, NULL, NULL, 0 },
	[READING_COUNT] = { NULL, NULL, M, NULL, "mdi:counter", 0 },
	[READING_TIMESTAMP] = { NULL, NULL, NULL, "", "mdi:clock-outline", E_PREC0 },
	[READING_ACCELERATION] = { NULL, NULL, M, NULL, "mdi:axis-arrow", 0 },
	[READING_GYROSCOPE] = { NULL, NULL, M, NULL, "mdi:rotate-3d-variant", 0 },
	[READING_DIRECTION] = { NULL, NULL, M, NULL, "mdi:compass-outline", 0 },
	[READING_PRECIPITATION] = { NULL, "precipitation", TI, NULL, NULL, 0 },
	[READING_CHANNEL] = { NULL, NULL, NULL, NULL, "mdi:numeric", E_PREC0 },
	[READING_RPM] = { NULL, NULL, M, NULL, "mdi:rotate-right", 0 },
	[READING_VOLUME_STORAGE] = { NULL, "volume_storage", M, NULL, NULL, 0 },
	[READING_CONSUMABLE] = { NULL, NULL, M, NULL, "mdi:recycle", 0 },
	[READING_IMPEDANCE] = { NULL, NULL, M, NULL, "mdi:omega", 0 },
	[READING_HEART_RATE] = { "Heart rate", NULL, M, NULL, "mdi:heart-pulse", 0 },
	[READING_SCORE] = { NULL, NULL, M, NULL, "mdi:star", 0 },
	[READING_RSSI_TX] = { "TX power", "signal_strength", M, NULL, NULL, E_DIAG },
	[READING_FIRMWARE] = { "Firmware version", NULL, NULL, NULL, "mdi:chip", E_DIAG | E_PREC0 },
	[READING_DEVICE_TYPE] = { "Device type", NULL, NULL, NULL, "mdi:chip", E_DIAG | E_PREC0 },
	[READING_HOLD] = { NULL, NULL, NULL, NULL, "mdi:knob", E_PREC0 },
	[READING_KETTLE] = { NULL, NULL, NULL, NULL, "mdi:kettle", E_PREC0 },
	[READING_FINGERPRINT] = { NULL, NULL, NULL, NULL, "mdi:fingerprint", E_PREC0 },
	[READING_LOCK_EVENT] = { "Lock event", NULL, NULL, NULL, "mdi:lock-clock", E_PREC0 },
	[READING_COUNT_EVENT] = { NULL, NULL, NULL, NULL, "mdi:gesture-tap", E_PREC0 },
	[READING_DIMMER_P] = { NULL, NULL, NULL, NULL, NULL, E_SKIP },
};

/* Binary states: HA's binary_sensor device classes (1 = on). */
const char *const hass__binaries[READING__MAX] = {
	[READING_MOTION] = "motion",
	[READING_DOOR] = "door",
	[READING_LEAK] = "moisture",
	[READING_WINDOW] = "window",
	[READING_SMOKE] = "smoke",
	[READING_LIGHT] = "light",
	[READING_LOCK] = "lock",
	[READING_OCCUPANCY] = "occupancy",
	[READING_PRESENCE] = "presence",
	[READING_POWER_ON] = "power",
	[READING_BATTERY_LOW] = "battery",
	[READING_CHARGING] = "battery_charging",
	[READING_CO] = "carbon_monoxide",
	[READING_COLD] = "cold",
	[READING_CONNECTIVITY] = "connectivity",
	[READING_GARAGE_DOOR] = "garage_door",
	[READING_GAS_DETECTED] = "gas",
	[READING_HEAT] = "heat",
	[READING_MOVING] = "moving",
	[READING_PLUG] = "plug",
	[READING_PROBLEM] = "problem",
	[READING_RUNNING] = "running",
	[READING_SAFETY] = "safety",
	[READING_SOUND] = "sound",
	[READING_TAMPER] = "tamper",
	[READING_VIBRATION] = "vibration",
	[READING_GENERIC_BOOL] = "",
	[READING_ARMED] = "",
	[READING_TIMEOUT] = "problem",
};

#undef M
#undef TI


/* ---- helpers ------------------------------------------------------------------------- */

void hass_mac_id(const uint8_t mac[6], char out[13])
{
	snprintf(out, 13, "%02x%02x%02x%02x%02x%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

/* an MQTT topic level / unique-id part: [A-Za-z0-9_-], everything else '_' */
void hass__id_part(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in && n + 1 < size; in++) {
		char c = *in;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
			   c == '-'))
			c = '_';
		out[n++] = c;
	}
	out[n] = '\0';
}

bool hass_is_tracker(const struct sensor *s)
{
	return sensor_pid(s) == PID_GENERIC;
}

static bool have(const struct hass__ent *e, size_t n, unsigned int type, unsigned int index)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].type == type && e[i].index == index)
			return true;
	return false;
}

static size_t add(struct hass__ent *e, size_t n, unsigned int type, unsigned int index)
{
	if (n >= ENT_MAX || have(e, n, type, index))
		return n;
	e[n].type = (uint16_t)type;
	e[n].index = (uint8_t)index;
	return n + 1;
}

/* Buttons a model has before any was pressed (SPEC §12.2); others appear when pressed. */
static unsigned int default_buttons(uint16_t pid)
{
	switch (pid) {
	case PID_YLYK01: /* six keys */
		return 6;
	case PID_YLKG08:
	case PID_YLAI003:
	case PID_SJWS01L:
		return 1;
	default:
		return 0;
	}
}

/* Whether a sensor of type @pid sends its battery level in its advertisements. The stock
 * LYWSD03MMC and MHO-C401 send a bogus one that is ignored by design (SPEC decision 5);
 * Flora and LYWSD02 give theirs over GATT only. Their Battery entity waits for a value
 * (custom firmware, a GATT read) instead of reading "unknown" for ever (issue 17 #4). */
static bool battery_in_adverts(uint16_t pid)
{
	switch (pid) {
	case PID_LYWSD03:
	case PID_MHOC401:
	case PID_FLORA:
	case PID_LYWSD02:
		return false;
	default:
		return true;
	}
}

/* Whether the Voltage of @s is measured. MiBeacon frames carry none: a Voltage from one is
 * estimated from the battery percentage (as xiaomi-ble does), and so is the one of pvvx's
 * encrypted formats (a pvvx sensor with a key). An estimate is not sent to Home Assistant
 * as a measurement (issue 17 #9); the SENSOR JSON keeps it for the public test vectors. */
static bool voltage_measured(const struct sensor *s)
{
	uint16_t pid = sensor_pid(s);

	return pid == PID_ATC || pid == PID_BTHOME || (pid == PID_PVVX && !sensor_key(s));
}

/* The entities of @s: from its features first (so a sensor from mi32cfg shows its
 * entities before its first packet) when its type is known to send them, then every
 * reading it has sent. */
size_t hass__entities(const struct sensor *s, struct hass__ent *e)
{
	struct reading r[ENT_MAX];
	uint32_t f = sensor_feat(s);
	size_t n = 0, nr;

	if (hass_is_tracker(s))
		return 0;
	if (f & MI_FEAT_TEMP)
		n = add(e, n, READING_TEMPERATURE, 0);
	if (f & MI_FEAT_HUM)
		n = add(e, n, READING_HUMIDITY, 0);
	if (f & MI_FEAT_TEMP_HUM)
		n = add(e, n, READING_DEW_POINT, 0);
	if (f & MI_FEAT_LUX)
		n = add(e, n, READING_ILLUMINANCE, 0);
	if (f & MI_FEAT_MOIST)
		n = add(e, n, READING_MOISTURE, 0);
	if (f & MI_FEAT_FERT)
		n = add(e, n, READING_FERTILITY, 0);
	if ((f & MI_FEAT_BAT) && battery_in_adverts(sensor_pid(s)))
		n = add(e, n, READING_BATTERY, 0);
	if (f & MI_FEAT_NMT)
		n = add(e, n, READING_NMT, 0);
	if (f & MI_FEAT_MOTION)
		n = add(e, n, READING_MOTION, 0);
	if (f & MI_FEAT_DOOR)
		n = add(e, n, READING_DOOR, 0);
	if (f & MI_FEAT_LEAK)
		n = add(e, n, READING_LEAK, 0);
	if (f & MI_FEAT_KNOB) {
		n = add(e, n, READING_DIMMER, 0);
		n = add(e, n, READING_HOLD, 0);
	}
	if (f & MI_FEAT_BTN)
		for (unsigned int i = 0; i < default_buttons(sensor_pid(s)); i++)
			n = add(e, n, READING_BUTTON, i);
	nr = sensor_values(s, r, ENT_MAX);
	if (nr > ENT_MAX)
		nr = ENT_MAX;
	for (size_t i = 0; i < nr; i++) {
		unsigned int t = r[i].type;

		if (t == READING_DIMMER_P || (t == READING_VOLTAGE && !voltage_measured(s)))
			continue;
		/* a feature learned from this reading (BTHome): the report writes a
		 * temperature/humidity pair with its DewPoint */
		if ((t == READING_TEMPERATURE || t == READING_HUMIDITY) && (f & MI_FEAT_TEMP_HUM))
			n = add(e, n, READING_DEW_POINT, 0);
		n = add(e, n, t, t == READING_BUTTON || r[i].index > 1 ? r[i].index : 0);
	}
	return n;
}

uint64_t hass_sensor_signature(const struct sensor *s)
{
	struct hass__ent e[ENT_MAX];
	size_t n = hass__entities(s, e);
	char key[KEY_MAX];
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (size_t i = 0; i < n; i++) {
		h = (h ^ e[i].type) * 1099511628211ull;
		h = (h ^ e[i].index) * 1099511628211ull;
	}
	sensor_json_key(s, key, sizeof(key));
	for (const char *p = key; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	/* the device's sw_version: announced again when MI32Firmware learns it */
	for (const char *p = sensor_firmware(s); p && *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	return h;
}

bool hass_event_only(const struct sensor *s)
{
	struct hass__ent e[ENT_MAX];
	size_t n = hass__entities(s, e);
	bool event = false;

	if (hass_is_tracker(s))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned int t = e[i].type;
		unsigned int fl = reading_info(t)->flags;

		/* a thermometer with a button still reports on a schedule */
		if (t == READING_TEMPERATURE || t == READING_HUMIDITY || t == READING_MOISTURE ||
		    t == READING_FERTILITY || t == READING_PRESSURE || t == READING_CO2 ||
		    t == READING_PM25 || t == READING_PM10)
			return false;
		if (fl & (READING_F_BINARY | READING_F_EVENT))
			event = true;
	}
	return event;
}

