/* SPDX-License-Identifier: MIT */
/* server_int.h — what server.c (connections, input, events) and server_routes.c (the HAP
 * routes) share. Private to src/hap/server*.c. */
#ifndef MI32_HAP_SERVER_INT_H
#define MI32_HAP_SERVER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hap/http.h"
#include "hap/pair.h"
#include "hap/server.h"
#include "hap/session.h"
#include "util/jw.h"

#define RAW_MAX (HTTP_HEAD_MAX + HTTP_BODY_MAX + 1024)
#define OUT_MAX (4u << 20)	/* a controller that reads nothing this long is dropped */
#define SUBS_MAX 256
#define EVENT_GAP_US 1000000u	/* HAP: a value at most once a second; buttons at once */
#define JSON_START 16384
#define JSON_MAX (2u << 20)

struct sub {
	struct hap_ref ref;
	uint64_t last_us;
	bool pending;
};

struct conn {
	struct hap_server *srv;
	int fd;
	sd_event_source *io, *timer;
	bool encrypted, closing;
	struct pair_verify pv;
	struct session sess;
	uint8_t raw[RAW_MAX];
	size_t raw_len;
	uint8_t in[RAW_MAX];
	size_t in_len;
	uint8_t *out;
	size_t out_len, out_cap;
	struct sub subs[SUBS_MAX];
	size_t n_subs;
	char peer[64];
};

struct hap_server {
	struct hap_server_opts o;
	int fd;
	uint16_t port;
	sd_event_source *listen;
	unsigned int store_sub;
	struct hap_db db;
	struct pair_setup ps;
	struct conn *conns[HAP_CONN_MAX];
};

/* Queue a whole HTTP message on @c (encrypted once the session is up). */
void hap__send_msg(struct conn *c, const uint8_t *msg, size_t len);
void hap__respond(struct conn *c, int status, const char *type, const void *body, size_t len);
/* An error answer with HAP's {"status":...} body. */
void hap__respond_status(struct conn *c, int http, int hap);
/* JSON made by @fill (which returns the HTTP status) in a buffer that grows until it fits. */
typedef int (*hap__fill_fn)(struct conn *c, void *arg, struct jw *w);
void hap__respond_json(struct conn *c, hap__fill_fn fill, void *arg);

/* server_routes.c */
void hap__handle(struct conn *c, const struct http_req *q);
struct sub *hap__sub_find(struct conn *c, struct hap_ref r);
uint64_t hap__now(const struct hap_server *s);	/* the store's clock */

#endif
