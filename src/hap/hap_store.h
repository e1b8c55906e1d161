/* SPDX-License-Identifier: MIT */
/* hap_store.h — what HomeKit needs to survive restarts and upgrades, in one JSON file in the
 * state directory (mode 0600, replaced atomically like mi32cfg): the bridge's identity (device
 * id, Ed25519 long-term key), the setup code and setup id, the paired controllers, the
 * configuration number with the hash of the accessory database it was counted for, and the
 * accessory id of every sensor ever bridged, keyed by MAC so that two sensors of one type
 * never share one and an id never moves when the list is edited.
 *
 * Every change is saved before the call returns; a failed save is returned (err says why)
 * and the change is kept in memory only. A broken file is refused, never silently replaced:
 * a new identity would orphan every paired controller. */
#ifndef MI32_HAP_STORE_H
#define MI32_HAP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hap/hap_crypto.h"

#define HAP_PAIRINGS_MAX 16
#define HAP_PAIRING_ID_MAX 64	/* iOS uses a 36-character UUID */
#define HAP_AIDS_MAX 4096	/* sensors ever bridged */
#define HAP_STORE_FILE_MAX (256u * 1024u)
#define HAP_DB_HASH_LEN 32

struct hap_pairing {
	char id[HAP_PAIRING_ID_MAX + 1];	/* byte-exact as the controller sent it */
	uint8_t ltpk[HAPC_KEY_LEN];
	bool admin;
};

struct hap_store;

/* Opens @path, or creates it with a new identity when absent. @setup_code: the configured
 * code (NULL = keep the stored one, or generate one the first time); it must be valid.
 * *created says whether a new identity was made (the caller logs the code then).
 * Returns 0, -EINVAL (bad code, or a broken file: err says what), another -errno. */
int hap_store_open(struct hap_store **out, const char *path, const char *setup_code,
		   bool *created, char *err, size_t errlen);
void hap_store_free(struct hap_store *s);

const char *hap_store_device_id(const struct hap_store *s);	/* "XX:XX:XX:XX:XX:XX" */
const char *hap_store_setup_code(const struct hap_store *s);
const char *hap_store_setup_id(const struct hap_store *s);
const uint8_t *hap_store_ltsk(const struct hap_store *s);
const uint8_t *hap_store_ltpk(const struct hap_store *s);
unsigned int hap_store_config_number(const struct hap_store *s);

/* The database now hashes to @hash: when that differs from the stored hash, the
 * configuration number goes up by one (65535 wraps to 1) and is saved. Returns 1 when it
 * rose, 0 when not, or a negative errno from the save. */
int hap_store_note_db(struct hap_store *s, const uint8_t hash[HAP_DB_HASH_LEN], char *err,
		      size_t errlen);

size_t hap_store_pairing_count(const struct hap_store *s);
const struct hap_pairing *hap_store_pairing(const struct hap_store *s, size_t i);
const struct hap_pairing *hap_store_find(const struct hap_store *s, const char *id);
bool hap_store_paired(const struct hap_store *s);

/* Adds a controller, or updates the admin flag of one with the same key. -EEXIST when the id
 * is known with another key, -ENOSPC when HAP_PAIRINGS_MAX are paired, -EINVAL for a bad id,
 * else 0 or the save's error. */
int hap_store_pair_add(struct hap_store *s, const char *id, const uint8_t ltpk[HAPC_KEY_LEN],
		       bool admin, char *err, size_t errlen);
/* Removes a controller (absent is fine: HAP says so). When no admin is left, every pairing
 * goes (HAP 5.12). *all says whether that happened. 0 or the save's error. */
int hap_store_pair_remove(struct hap_store *s, const char *id, bool *all, char *err,
			  size_t errlen);
/* Un-pairs everything and takes a new identity, so controllers see a new accessory. */
int hap_store_reset(struct hap_store *s, char *err, size_t errlen);

/* The accessory id of the sensor with @mac: the one it had, or the next free one (from 2; 1
 * is the bridge), saved. 0 when HAP_AIDS_MAX are used up or the save failed. */
unsigned int hap_store_aid(struct hap_store *s, const uint8_t mac[6], char *err,
			   size_t errlen);

#endif
