/* SPDX-License-Identifier: MIT */
/* server.h — the HomeKit accessory server (HAP over IP) on the daemon's sd-event loop: a TCP
 * listener, one connection per controller, plain until pair-verify and encrypted after it,
 * the pairing routes, /accessories, /characteristics (read, and events asked with "ev"), and
 * EVENT messages pushed the moment the store changes (buttons at once, values at most once a
 * second per characteristic). It owns no sensor data: the store is read when asked. */
#ifndef MI32_HAP_SERVER_H
#define MI32_HAP_SERVER_H

#include <stdint.h>

#include <systemd/sd-event.h>

#include "hap/db.h"
#include "hap/hap_store.h"
#include "store/store.h"

#define HAP_CONN_MAX 16		/* controllers at once (iPhone, iPad, hubs) */

struct hap_server;

struct hap_server_opts {
	sd_event *ev;
	struct store *store;
	struct hap_store *hs;		/* borrowed: pairings and identity */
	const char *bind;		/* NULL = every address */
	uint16_t port;			/* 0 = any free one (tests) */
	struct hap_db_opts db;
	/* the store's clock (the capture's under --replay --fast); NULL: the wall clock */
	uint64_t (*now_us)(void *data);
	void *now_data;
	/* the configuration number or the paired state changed: re-announce (mDNS) */
	void (*announce)(void *data);
	void *data;
};

/* Listens and builds the database. 0, or -errno with err saying why (a port in use...). */
int hap_server_new(struct hap_server **out, const struct hap_server_opts *o, char *err,
		   size_t errlen);
void hap_server_free(struct hap_server *s);

uint16_t hap_server_port(const struct hap_server *s);
unsigned int hap_server_connections(const struct hap_server *s);
/* Bridged sensors in the database, and (into *left_out) those past HAP_DB_MAX. */
size_t hap_server_accessories(const struct hap_server *s, size_t *left_out);

/* The sensor list changed: rebuild the database (the configuration number rises when it
 * changed, and announce() is called). */
void hap_server_rebuild(struct hap_server *s);

/* Un-pair everything (HomeKitReset): closes every connection. 0 or the store's error. */
int hap_server_reset(struct hap_server *s, char *err, size_t errlen);

#endif
