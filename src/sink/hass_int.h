/* SPDX-License-Identifier: MIT */
/* hass_int.h — what the files of the Home Assistant sink share (not public): the entity
 * table (hass_entity.c) for the payload writers (hass_config.c), and the runtime state for
 * hass.c (announcing, learning) and hass_link.c (links, consensus, MQTT messages). */
#ifndef MI32_HASS_INT_H
#define MI32_HASS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "decode/reading.h"
#include "store/interval.h"
#include "store/store.h"
#include "sink/hass.h"

struct sensor;

/* ---- entities ---- */

#define E_DIAG 0x01  /* entity_category diagnostic */
#define E_PREC0 0x02 /* suggested_display_precision 0: numeric without unit/state class */
#define E_SKIP 0x04  /* no entity of its own */
#define ENT_MAX 64
#define KEY_MAX (STORE_NAME_MAX + 8) /* a JSON key: name + "-" + 6 hex */

struct hass__ent_info {
	const char *name;     /* NULL: the JSON key */
	const char *dev_cla;  /* NULL: none */
	const char *stat_cla; /* NULL: none */
	const char *unit;     /* NULL: reading.h's unit ("" there = none) */
	const char *icon;
	unsigned int flags;
};

/* one entity of a sensor: a reading type and, for repeated readings, its index */
struct hass__ent {
	uint16_t type;
	uint8_t index;
};

extern const struct hass__ent_info hass__sensors[READING__MAX]; /* sensor entities */
extern const char *const hass__binaries[READING__MAX]; /* binary_sensor device classes */

/* The entities of @s into @e (ENT_MAX), features first, then the readings it sent. */
size_t hass__entities(const struct sensor *s, struct hass__ent *e);
/* an MQTT topic level / unique-id part: [a-z0-9_-], everything else '_' */
void hass__id_part(const char *in, char *out, size_t size);

/* ---- runtime ---- */

#define RSSI_ALPHA 0.25f       /* smoothing of the RSSI per packet */
#define RSSI_STEP_DB 2.0f      /* republish the link when it moved this much ... */
#define RSSI_MIN_GAP_US 10000000u /* ... and at most this often */
#define HYSTERESIS_DB 5.0f     /* another node must be this much louder to become best */
#define CLEANUP_DELAY_US 2000000u /* retained inventories arrive within this after connect */
#define KNOB_ECHO_US 2000000u  /* another node's knob value this soon after ours: same turn */
#define NODE_MAX 64

struct hs { /* per store slot */
	uint64_t sig;        /* signature announced; 0 = not yet */
	bool rssi_announced; /* this node's RSSI diagnostic is out */
	struct interval learned; /* its advertising interval (store time) */
	bool has_rssi;       /* smoothed RSSI known */
	float rssi;
	bool online;         /* this node hears it (its own link) */
	/* the link as published (what the other nodes see) */
	bool pub_done, pub_online, pub_has;
	float pub_rssi;
	uint64_t pub_us;
	/* consensus as published */
	int avail;           /* -1 not yet, 0 offline, 1 online */
	uint32_t presence_hash;
	char best[NODE_MAX];
	/* knob */
	bool knob_known;
	int knob;
	uint64_t knob_local_mono;
};

struct remote { /* another node's link to a sensor */
	uint8_t mac[6];
	char node[NODE_MAX];
	bool online, has_rssi;
	float rssi;
};

struct node { /* another node */
	char name[NODE_MAX];
	bool alive;
	uint8_t (*inv)[6]; /* its inventory: sensors it announces */
	size_t n_inv;
};

struct hass {
	struct store *store;     /* borrowed */
	struct mqtt_sink *mqtt;  /* borrowed */
	struct sink_clock clock;
	struct sink_radio_src radio;
	struct report_opts ropts;
	struct hass_ctx ctx;
	char node_id[NODE_MAX]; /* this node's topic as a unique-id part */
	unsigned int sub;
	sd_event_source *timer;
	struct hs *hs;
	size_t n_hs;
	struct remote *rem;
	size_t n_rem;
	struct node *nodes;
	size_t n_nodes;
	bool connected, stopping, stop_requested;
	uint64_t announced_mono, connected_mono;
	uint64_t last_sweep_us;
	double floor_s, fallback_s;
	/* statistics for tele/<node>/NODE */
	uint64_t stat_us, stat_adverts;
	double adverts_per_s;
	/* removed sensors: the inventory of the previous run and the MACs being deleted */
	uint8_t (*old_inv)[6];
	size_t n_old_inv;
	bool cleanup_done, got_old_inv;
	uint8_t (*del)[6];
	size_t n_del;
	/* HassClearDisco: delete disco.be's configs until this (monotonic µs) */
	uint64_t disco_until;
	bool disco_subscribed;
	unsigned int disco_deleted;
};

uint64_t hass__mono_us(void);
int hass__pub(struct hass *h, const char *topic, const char *payload, bool retain);
int hass__parse_mac(const char *s, size_t len, uint8_t mac[6]);
struct hs *hass__hs_get(struct hass *h, unsigned int slot); /* grows; NULL on ENOMEM */
bool hass__in_list(uint8_t (*l)[6], size_t n, const uint8_t mac[6]);
struct node *hass__node_get(struct hass *h, const char *name, bool create);
void hass__mac_topic(struct hass *h, const char *node, const uint8_t mac[6], const char *leaf,
		     char t[HASS_TOPIC_MAX]);
void hass__consensus(struct hass *h, const struct sensor *s, bool self_gone);
void hass__publish_link(struct hass *h, const struct sensor *s, bool force);
void hass__publish_knob(struct hass *h, const struct sensor *s);
void hass__on_message(void *ud, const char *topic, const char *payload, size_t len);
/* hass.c */
void hass__announce_all(struct hass *h);
void hass__set_old_inventory(struct hass *h, uint8_t (*inv)[6], size_t n); /* takes @inv */

#endif
