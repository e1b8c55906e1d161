/* SPDX-License-Identifier: MIT */
/* store.h — the sensor list: slots in a fixed order (index = Tasmota slot), the latest
 * values of each sensor, features, options, counters and events. Single-threaded, no locks.
 * The hot path (store_handle_adv for a known sensor) never allocates. Reading a sensor goes
 * through the accessors of sensor.h; the SENSOR JSON is built by report.h. */
#ifndef MI32_STORE_H
#define MI32_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/adv.h"
#include "decode/decode.h"

struct store;
struct sensor;

/* Options (SPEC §8; runtime only, reset at restart). */
enum store_option {
	STORE_OPTION_AGGREGATE = 0,   /* 1 (default): triggered messages carry all values */
	STORE_OPTION_NO_SUMMARY = 1,  /* 1: nothing at TelePeriod */
	STORE_OPTION_DIRECT = 2,      /* 1: every accepted packet publishes at once */
	STORE_OPTION_AUTO_ADD = 3,    /* user's document (decision #2): 1 (default) = add new
				       * sensors, 0 = do not (the daemon sets 0 after a valid
				       * mi32cfg was loaded) */
	STORE_OPTION_ACTIVE_SCAN = 4, /* kept for the source; the store does not use it */
	STORE_OPTION_GENERIC = 5,     /* 1: track generic devices and RPAs (§6) */
};
#define STORE_OPTIONS 6

struct store_config {
	unsigned int max_auto;      /* cap on auto-added sensors (mi32cfg ones don't count) */
	unsigned int stale_s;       /* not heard for this long = stale (decision #10) */
	bool ignore_bogus_battery;  /* drop LYWSD03/MHOC401 MiBeacon battery (decision #5) */
};
#define STORE_CONFIG_DEFAULT { .max_auto = 256, .stale_s = 1800, .ignore_bogus_battery = true }

/* Counters; every advert lands in exactly one of filtered/decoded/duplicates/replays/
 * errors/dropped_cap, generic sightings in `generic`. */
struct store_stats {
	uint64_t adverts;      /* store_handle_adv calls */
	uint64_t decoded;      /* sensor frames accepted */
	uint64_t generic;      /* generic-device sightings accepted (option 5) */
	uint64_t duplicates;   /* same non-zero counter as the last accepted frame */
	uint64_t replays;      /* encrypted frame with an older counter */
	uint64_t malformed;    /* -EBADMSG */
	uint64_t no_key;       /* -ENOKEY */
	uint64_t wrong_key;    /* -EKEYREJECTED */
	uint64_t unsupported;  /* -ENOTSUP */
	uint64_t not_sensor;   /* -ENOMSG and not tracked as a generic device */
	uint64_t dropped_cap;  /* new sensor not added: option 3 = 0, or max_auto reached */
	uint64_t filtered;     /* refused by the watch or block list (advfilter.h) */
};

/* Events. Kinds are bits so a subscription can take several. */
enum store_event_kind {
	STORE_EVENT_NEW = 1u << 0,         /* a sensor was added (auto or store_add_sensor) */
	STORE_EVENT_UPDATE = 1u << 1,      /* a frame/sighting was accepted for a sensor */
	STORE_EVENT_KEY_PROBLEM = 1u << 2, /* first -ENOKEY / -EKEYREJECTED / unbound */
	STORE_EVENT_STALE = 1u << 3,       /* sensor went stale, or came back (ev.stale) */
	STORE_EVENT_CONFIG = 1u << 4,      /* name, key or features changed through the API */
};
#define STORE_EVENT_ALL 0x1fu

#define STORE_TYPE_WORDS 2 /* bitmaps over enum reading_type */

struct store_event {
	unsigned int kind;          /* one STORE_EVENT_* */
	unsigned int slot;
	const struct sensor *sensor; /* borrowed, valid during the callback */
	uint64_t time_us;
	/* UPDATE */
	uint64_t updated[STORE_TYPE_WORDS]; /* reading types this frame carried */
	uint64_t changed[STORE_TYPE_WORDS]; /* ... whose latest value differs from before */
	uint32_t feat_added;        /* MI_FEAT_* learned from this frame */
	bool trigger;               /* momentary event (button, motion, door, leak>0, NMT,
				     * knob): publish a triggered message regardless of options */
	bool publish;               /* trigger, or option 2 and the frame carried values:
				     * the MQTT sink schedules a REPORT_TRIGGERED message */
	/* KEY_PROBLEM: -ENOKEY, -EKEYREJECTED, or -ENOLINK (advertises "not paired") */
	int error;
	/* STALE */
	bool stale;
};

static inline bool store_type_has(const uint64_t set[STORE_TYPE_WORDS], unsigned int type)
{
	return type < 64 * STORE_TYPE_WORDS && (set[type / 64] >> (type % 64)) & 1;
}

/* Whether @set holds any reading type: an UPDATE without one carried no values (an advert
 * that did not decrypt is "heard" too) */
static inline bool store_types_any(const uint64_t set[STORE_TYPE_WORDS])
{
	for (unsigned int i = 0; i < STORE_TYPE_WORDS; i++)
		if (set[i])
			return true;
	return false;
}

typedef void (*store_event_fn)(const struct store_event *ev, void *user_data);

/* Create a store; @cfg NULL = STORE_CONFIG_DEFAULT. Options start at their defaults
 * (aggregate 1, auto-add 1, others 0). Returns NULL only on ENOMEM. */
struct store *store_new(const struct store_config *cfg);
/* Free the store; NULL is a no-op. Safe inside an event callback: the store is then freed
 * when the dispatch returns, and the call that emitted the event returns at once. */
void store_free(struct store *store);

/* Add a sensor (mi32cfg entry or command). Does not count against max_auto and ignores
 * option 3. Sets *@slot (may be NULL). Returns 0, -EEXIST (MAC known; *@slot = its slot)
 * or -ENOMEM. Emits STORE_EVENT_NEW. */
int store_add_sensor(struct store *store, const uint8_t mac[6], uint16_t pid, unsigned int *slot);

/* Bind key, BTHome/pvvx key, or IRK when the sensor's PID is 0000. Clears the wrong-key
 * status and the "already noticed" flags. Returns 0, -ENOENT (slot) or -ENOMEM/-EIO. */
int store_set_key(struct store *store, unsigned int slot, const uint8_t key[16]);
int store_clear_key(struct store *store, unsigned int slot);
/* Check @key against the last encrypted frame buffered for @slot without changing the
 * sensor. Returns 0 (the frame decrypts), -EKEYREJECTED, -ENODATA (no frame buffered),
 * -ENOENT, or another decode error. */
int store_try_key(struct store *store, unsigned int slot, const uint8_t key[16]);
/* Name override (§1.4); NULL or "" removes it. Returns 0, -ENOENT, -ENAMETOOLONG (more
 * than STORE_NAME_MAX - 1 bytes). */
#define STORE_NAME_MAX 64
int store_set_name(struct store *store, unsigned int slot, const char *name);
int store_set_feat(struct store *store, unsigned int slot, uint32_t feat);
/* The firmware version a device told over GATT (MI32Firmware), printable ASCII. It goes
 * into the SENSOR JSON ("Firmware") and Home Assistant's device (sw_version). A new value
 * is published at once (an UPDATE event with publish set). Returns 0, -ENOENT, -EINVAL
 * (empty, or not printable ASCII) or -ENAMETOOLONG (STORE_FIRMWARE_MAX - 1 bytes or more). */
#define STORE_FIRMWARE_MAX 24
int store_set_firmware(struct store *store, unsigned int slot, const char *fw);
/* MI32.set_bat/set_hum/set_temp: set a latest value as if received (only when the sensor
 * has the matching feature). Returns 0, -ENOENT, -EINVAL (type), -EPERM (no feature). */
int store_set_value(struct store *store, unsigned int slot, unsigned int type, double value);

unsigned int store_sensor_count(const struct store *store);
/* The sensor at @slot, or NULL. The pointer stays valid until store_free (sensors are
 * never removed or moved). */
const struct sensor *store_sensor(const struct store *store, unsigned int slot);
/* Slot of @mac (display order), or -ENOENT. */
int store_find(const struct store *store, const uint8_t mac[6]);

/* Options 0..5: get returns 0/1 or -EINVAL; set takes any non-zero as 1. */
int store_option(const struct store *store, unsigned int n);
int store_set_option(struct store *store, unsigned int n, int value);

const struct store_stats *store_stats(const struct store *store);

/*
 * The hot path: one advertisement. Finds the sensor by advertiser address (identity MAC
 * from the frame for ATC/pvvx; RPA resolution with the IRKs of PID-0000 sensors when
 * option 5 is on), decodes with its key, dedupes, checks replays, auto-adds, applies.
 * Returns 0 when accepted, or (each counted in store_stats):
 *   -EBADMSG, -ENOKEY, -EKEYREJECTED, -ENOTSUP  decode errors
 *   -ENOMSG     not a sensor and not tracked as a generic device
 *   -EALREADY   duplicate counter          -ESTALE   replayed (older) encrypted counter
 *   -EPERM      new sensor, option 3 = 0   -ENOSPC   new sensor, max_auto reached
 *   -EACCES     refused by the watch or block list
 */
int store_handle_adv(struct store *store, const struct adv *adv, uint64_t now_us);

/* The watch and block lists store_handle_adv applies first (-EACCES for an advert they
 * refuse, counted in stats.filtered). Runtime state, like the options. */
struct advfilter *store_filter(struct store *store);

/* Apply a decoded frame to @slot (dedupe, replay check, values, events). Used by
 * store_handle_adv and by tests. Same returns (0, -EALREADY, -ESTALE, -ENOENT). */
int store_apply_decoded(struct store *store, unsigned int slot, const struct decoded *d,
			int8_t rssi, uint64_t now_us);

/* Once a second: NMT += elapsed seconds for motion sensors (SPEC §3.2), stale marking
 * (STORE_EVENT_STALE), and the hourly history invalidation (§10.3). */
void store_tick(struct store *store, uint64_t now_us);

/* Forget every sensor's last frame counter, so the next frame of each is accepted whatever
 * its counter (a looped capture replay starts its counters over). */
void store_forget_counters(struct store *store);

/* Forget what a SENSOR message reported. @triggered: clear every pending bit (the
 * triggered message listed every sensor with something pending). Otherwise (TelePeriod)
 * clear only sensors without a pending trigger, so a TelePeriod never swallows a button
 * press that is still waiting for its triggered message (Tasmota's bug). report_sensor()
 * calls this itself after a successful write. */
void store_clear_pending(struct store *store, bool triggered);

/* Subscribe @cb to the events in @mask. The event is valid only during the call. Returns
 * an id > 0, or 0 on ENOMEM / bad arguments. @destroy(user_data) runs when the
 * subscription ends (unsubscribe or store_free). Callbacks may (un)subscribe, add
 * sensors, or free the store. */
unsigned int store_subscribe(struct store *store, uint32_t mask, store_event_fn cb,
			     void *user_data, void (*destroy)(void *user_data));
bool store_unsubscribe(struct store *store, unsigned int id);

#endif
