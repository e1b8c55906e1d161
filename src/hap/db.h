/* SPDX-License-Identifier: MIT */
/* db.h — the HomeKit accessory database of the bridge: accessory 1 is the bridge, and every
 * sensor of the sensor list (mi32cfg, never an auto-added one, so that ids stay put) is an
 * accessory whose aid comes from hap_store (keyed by MAC). Services follow the sensor's
 * features; each kind of service has fixed iids, so an iid never changes meaning:
 *
 *   1 AccessoryInformation (2 Identify, 3 Manufacturer, 4 Model, 5 Name, 6 Serial, 7 Firmware)
 *   8 Temperature (9)    16 Humidity (17)    24 Battery (25 level, 26 charging, 27 low)
 *   32 Light level (33)  40 Motion (41)      48 Contact (49)      56 Leak (57)
 *   64 ServiceLabel (65 namespace), 72 + 8k StatelessProgrammableSwitch k (73 + 8k event,
 *   74 + 8k label index k + 1), k < HAP_DB_BUTTONS
 *
 * A knob (YLKG07/08, BTHome dimmers) is two more switches after the buttons: "turned right"
 * and "turned left", each turn a single press, a turn while pressed a long press; the
 * YLKG07/08's hold is a long press of its button.
 *
 * Values are read from the store when asked, never copied: what Home sees is what the
 * dashboard sees. A sensor not heard yet, stale in the store, or silent for longer than its
 * learned interval allows (store/interval.h) answers -70402 ("No Response") instead of an
 * old value. Times (@now_us) are the store's clock, the capture's under --replay --fast. */
#ifndef MI32_HAP_DB_H
#define MI32_HAP_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hap/hap_store.h"
#include "store/interval.h"
#include "store/store.h"
#include "util/jw.h"

#define HAP_DB_MAX 149		/* bridged accessories: HAP's 150 with the bridge */
#define HAP_DB_BUTTONS 8		/* switches of one accessory: 6 buttons, or buttons + knob */
#define HAP_STATUS_OK 0
#define HAP_STATUS_NO_RESPONSE (-70402)
#define HAP_STATUS_READ_ONLY (-70404)
#define HAP_STATUS_WRITE_ONLY (-70405)
#define HAP_STATUS_NOTIFY_UNSUPPORTED (-70406)
#define HAP_STATUS_NO_RESOURCE (-70409)
#define HAP_STATUS_INVALID_VALUE (-70410)

struct hap_db_acc {
	unsigned int aid;
	unsigned int slot;
	uint32_t feat;
	unsigned int buttons;	/* switches: the buttons, then the knob's two if it has one */
	bool knob;		/* the last two switches are the knob's (right, left) */
	struct interval learned; /* its advertising interval: when it is missed (store time) */
};

struct hap_db {
	struct hap_db_acc acc[HAP_DB_MAX];
	size_t n;
	size_t left_out;	/* sensors past HAP_DB_MAX (logged by the caller) */
	uint8_t hash[HAP_DB_HASH_LEN];
};

struct hap_db_opts {
	unsigned int low_battery;	/* % at or below which StatusLowBattery is 1 */
	/* "No Response" once a sensor that reports on a schedule (temperature, humidity) is
	 * silent for 5 of its usual gaps, at least @stale_min_s (0: only when the
	 * store marks it stale); @stale_s (the store's) while its gaps are not known yet */
	unsigned int stale_min_s, stale_s;
	const char *bridge_name;
	const char *firmware;		/* "0.9.0" */
};

/* One characteristic: where it is. An event of a switch carries its press. */
struct hap_ref {
	unsigned int aid, iid;
	unsigned int press;	/* 0: none (a value); 1 + HAP's 0 single, 1 double, 2 long */
};

/* (Re)builds @db from the store's listed sensors; the hash covers every aid, service and
 * characteristic, and goes to hap_store_note_db() (which raises the configuration number
 * when it changed). Returns 0 or the store's save error (err says why). */
int hap_db_build(struct hap_db *db, const struct store *st, struct hap_store *hs, char *err,
		 size_t errlen);

/* GET /accessories: {"accessories":[...]} with every value. */
void hap_db_accessories(const struct hap_db *db, const struct store *st,
			const struct hap_db_opts *o, uint64_t now_us, struct jw *w);

/* One entry of GET /characteristics: {"aid":..,"iid":..,"value":..} or with "status".
 * @meta/@perms/@type/@ev add those fields (ev: whether @subscribed). Returns the status. */
int hap_db_read(const struct hap_db *db, const struct store *st, const struct hap_db_opts *o,
		uint64_t now_us, struct hap_ref ref, bool meta, bool perms, bool type,
		bool ev, bool subscribed, struct jw *w);

/* Whether (aid, iid) can notify (events may be asked for it): HAP_STATUS_OK, or
 * -70406 / -70409. */
int hap_db_can_notify(const struct hap_db *db, struct hap_ref ref);

/* A frame of the sensor of @ev (STORE_EVENT_UPDATE) was accepted: its interval is learned.
 * Call it for every update, before hap_db_changed(). */
void hap_db_heard(struct hap_db *db, const struct store_event *ev);

/* The characteristics a store event changed, at most @max into out[]; their count. Button
 * presses and knob turns come out with their press set, even when the same button was
 * pressed before (a press is an event, not a state); presses HAP has no word for (triple,
 * release) do not. */
size_t hap_db_changed(const struct hap_db *db, const struct store_event *ev, struct hap_ref *out,
		      size_t max);

/* One entry of an EVENT message for @ref: {"aid","iid","value"}; a switch's value is
 * @ref's press (0 single, 1 double, 2 long), which a plain read never shows. */
void hap_db_event(const struct hap_db *db, const struct store *st, const struct hap_db_opts *o,
		  uint64_t now_us, struct hap_ref ref, struct jw *w);

#endif
