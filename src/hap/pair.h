/* SPDX-License-Identifier: MIT */
/* pair.h — HAP's three pairing exchanges as functions from a request's TLV8 body to the
 * response's, so that they are tested without a socket:
 *   pair-setup (M1..M6): SRP with the setup code, then the controller's and the bridge's
 *     long-term keys exchanged under the SRP key; the first controller becomes admin.
 *   pair-verify (M1..M4): X25519, both sides sign; the result keys the session.
 *   pairings: add, remove, list, by an admin over a verified session.
 * Protocol failures are answered inside the TLV8 (kTLVError), as HAP wants; a negative return
 * is a request that cannot be answered at all (malformed TLV8, out of memory). */
#ifndef MI32_HAP_PAIR_H
#define MI32_HAP_PAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hap/hap_store.h"
#include "hap/srp.h"
#include "util/wr.h"

#define PAIR_MAX_TRIES 100	/* wrong setup codes before pair-setup is refused for good */

/* The bridge's one pair-setup in progress (HAP allows one at a time) and the tries count. */
struct pair_setup {
	const void *owner;	/* the connection that runs it; another one gets "busy" */
	int step;		/* the last message answered: 0, 2, 4 */
	struct srp *srp;
	unsigned int failures;
};

/* One connection's pair-verify and, once it succeeded, who is on the other end. */
struct pair_verify {
	int step;		/* 0, 2, verified = 4 */
	uint8_t secret[HAPC_KEY_LEN], pub[HAPC_KEY_LEN];	/* ours, this exchange's */
	uint8_t peer[HAPC_KEY_LEN];
	uint8_t shared[HAPC_KEY_LEN];
	char controller[HAP_PAIRING_ID_MAX + 1];
};

/* The result of a request, beyond the response body. */
struct pair_result {
	bool paired;		/* pair-setup M5 stored a new controller */
	bool verified;		/* pair-verify M3 succeeded: shared keys the session */
	bool removed;		/* pairings: a controller was removed (drop its sessions) */
	bool removed_all;	/* ... and every other one with it */
	char removed_id[HAP_PAIRING_ID_MAX + 1];
	const char *log;	/* a sentence for the log, or NULL */
};

void pair_setup_init(struct pair_setup *ps);
/* The connection @owner went away: a setup it ran is abandoned. */
void pair_setup_drop(struct pair_setup *ps, const void *owner);

int pair_setup_handle(struct pair_setup *ps, const void *owner, struct hap_store *st,
		      const uint8_t *req, size_t len, struct wr *resp, struct pair_result *res);
int pair_verify_handle(struct pair_verify *pv, struct hap_store *st, const uint8_t *req,
		       size_t len, struct wr *resp, struct pair_result *res);
void pair_verify_wipe(struct pair_verify *pv);
/* @controller: the verified session's controller id. */
int pairings_handle(struct hap_store *st, const char *controller, const uint8_t *req,
		    size_t len, struct wr *resp, struct pair_result *res);

#endif
