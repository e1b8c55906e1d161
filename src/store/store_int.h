/* SPDX-License-Identifier: MIT */
/* store_int.h — the store's structs, shared by the files of src/store/ only (store__
 * prefix). Not for sinks: they use store.h, sensor.h and report.h. */
#ifndef MI32_STORE_INT_H
#define MI32_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/adv.h"
#include "decode/aes.h"
#include "decode/decode.h"
#include "decode/reading.h"
#include "decode/registry.h"
#include "store/advfilter.h"
#include "store/sensor.h"
#include "store/store.h"

_Static_assert(READING__MAX <= 64 * STORE_TYPE_WORDS, "reading bitmap too small");

/* Values we keep beyond one per type: indexed types (Button0..n) and repeated objects
 * (Temperature2). A sensor with more distinct ones drops the rest. */
#define STORE_EXTRA_MAX 16

/* Pending bits beyond the reading types (Tasmota's eventType bits with no reading). */
#define PEND_TEMPHUM 0x01  /* a frame carried temperature and humidity together */
#define PEND_NOMOTION 0x02 /* "Motion":0 (MJYD2S illuminance, BTHome motion clear) */
#define PEND_PAYLOAD 0x04  /* generic device sighting (option 2 only, like Tasmota) */
#define PEND_FIRMWARE 0x08 /* a firmware version learned by GATT (store_set_firmware) */

struct store__val {
	double v;
	uint8_t dec;
	bool known;
};

struct store__extra {
	uint16_t type;
	uint8_t index;
	uint8_t dec;
	bool pending;
	double v;
};

struct sensor {
	unsigned int slot;
	uint8_t mac[6];
	uint16_t pid;
	const struct device_info *dev;
	uint32_t feat;
	uint32_t status;       /* SENSOR_S_* */
	uint8_t noticed;       /* key problems already reported (STORE_NOTICE_*) */
	bool has_key;
	bool name_from_adv;    /* name came from the advertised local name */
	char name[STORE_NAME_MAX]; /* override, "" = none */
	char firmware[STORE_FIRMWARE_MAX]; /* read by GATT (MI32Firmware), "" = unknown */
	struct aes_key key;

	int8_t rssi;
	uint64_t last_us;      /* last accepted frame/sighting */
	uint64_t cnt_us;       /* when last_cnt was accepted */
	uint32_t last_cnt;
	bool has_cnt;
	bool cnt_wide;         /* a counter above 0xFF was seen: 32-bit arithmetic */

	struct store__val val[READING__MAX];
	struct store__extra extra[STORE_EXTRA_MAX];
	uint8_t n_extra;

	/* what the next SENSOR message has to report (Tasmota's eventType/shallSendMQTT) */
	uint64_t pend[STORE_TYPE_WORDS];
	uint8_t pend_flags;    /* PEND_* */
	bool pend_trigger;     /* a momentary event waits for its triggered message */

	int btn_num;           /* last button, -1 = none yet (Tasmota's Btn 99) */
	unsigned int btn_kind; /* 1 single, 2 double, 3 hold, ... */
	unsigned int events;   /* motion/door events */
	uint32_t nmt;
	uint64_t nmt_tick_s;   /* store_tick bookkeeping */

	uint8_t payload_len;
	uint8_t payload[ADV_DATA_MAX];

	uint8_t hist[SENSOR_HIST_KINDS][24];
	uint32_t heard;

	/* last encrypted frame heard, decrypted or not (for store_try_key) */
	bool enc_valid;
	uint64_t enc_us;
	struct adv enc;

	/* RPA cache: the last random address that resolved to this sensor's IRK */
	bool rpa_valid;
	uint8_t rpa[6];
};

#define STORE_NOTICE_NO_KEY 0x01
#define STORE_NOTICE_WRONG_KEY 0x02
#define STORE_NOTICE_UNBOUND 0x04

struct store__sub {
	unsigned int id;
	uint32_t mask;
	store_event_fn cb;     /* NULL = removed, compacted when no dispatch runs */
	void *user_data;
	void (*destroy)(void *user_data);
};

#define STORE_NEG_CACHE 256 /* random addresses known not to resolve with any IRK */

struct store {
	struct store_config cfg;
	bool opt[STORE_OPTIONS];
	struct store_stats stats;

	struct sensor **slots;
	unsigned int n, cap;
	uint32_t *ht;          /* open addressing, value = slot + 1, 0 = empty */
	unsigned int ht_mask;
	unsigned int n_auto;

	unsigned int *irk;     /* slots with PID 0 and a key */
	unsigned int n_irk, cap_irk;
	uint32_t irk_gen;      /* bumped on every IRK change; stamps neg[] */
	struct {
		uint8_t addr[6];
		uint32_t gen;      /* 0 = empty */
	} neg[STORE_NEG_CACHE];

	/* local-hour cache for history: [hour_start, hour_end) in epoch seconds */
	int hour;              /* -1 before the first call */
	int64_t hour_start, hour_end;
	uint64_t last_tick_s;

	struct store__sub *subs;
	unsigned int n_subs, cap_subs;
	unsigned int next_id;
	unsigned int depth;    /* dispatch nesting */
	bool dirty_subs;       /* removed entries to compact */
	bool dying;            /* store_free called during a dispatch */

	struct decoded scratch;
	struct advfilter filter;
};

/* store.c */
unsigned int store__mac_hash(const uint8_t m[6]);
int store__ht_find(const struct store *s, const uint8_t mac[6]);
struct sensor *store__get(const struct store *s, unsigned int slot);
/* Deliver @ev to the subscribers. Returns false when a callback freed the store: the
 * caller must return at once (with -ECANCELED) without touching it. */
bool store__emit(struct store *s, struct store_event *ev);
void store__event_init(struct store_event *ev, unsigned int kind, const struct sensor *se,
		       uint64_t now_us);
/* Add a sensor heard for the first time, subject to option 3 and max_auto (counted in
 * dropped_cap). Returns 0, -EPERM, -ENOSPC, -ENOMEM, or -ECANCELED (store freed). */
int store__auto_add(struct store *s, const uint8_t mac[6], uint16_t pid, uint64_t now_us,
		    struct sensor **out);
void store__copy_name(struct sensor *se, const char *name, size_t len);

/* history.c */
int store__local_hour(struct store *s, uint64_t now_us);
void store__hist_record(struct store *s, struct sensor *se, enum sensor_hist kind, double v,
			uint64_t now_us);
void store__hist_heard(struct store *s, struct sensor *se, uint64_t now_us);
void store__hist_hour_check(struct store *s, uint64_t now_us);
uint8_t store__hist_scale(double v, int lo, int hi);

/* sensor.c */
void store__sensor_init(struct sensor *se, unsigned int slot, const uint8_t mac[6],
			uint16_t pid);
bool store__pending(const struct sensor *se);

#endif
