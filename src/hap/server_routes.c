/* SPDX-License-Identifier: MIT */
/* server_routes.c — the HAP routes: pair-setup, pair-verify, pairings, /accessories and
 * /characteristics (reads, "ev" subscriptions, Identify), and 470 for anything else before
 * pair-verify. The answers go out through server.c's hap__respond*. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>

#include "hap/server_int.h"
#include "util/clock.h"
#include "util/log.h"

/* ---- routes ---- */

/* A pairing request that could not be handled (a TLV8 body that does not parse, or lacks
 * what its step needs): said in the log, answered 400, and the connection closed, since
 * its pairing state is no longer one a controller can go on from. */
static void refuse_tlv(struct conn *c, const char *route, int r)
{
	log_msg(LOG_WARNING_, "homekit: %s: %s %s request: closed", c->peer,
		r == -EBADMSG ? "a malformed" : "an unanswerable", route);
	hap__respond_status(c, 400, -70410);
	c->closing = true;
}

static void on_pair_setup(struct conn *c, const struct http_req *q)
{
	struct hap_server *s = c->srv;
	uint8_t buf[2048];
	struct wr w = wr_init(buf, sizeof(buf));
	struct pair_result res;
	int r = pair_setup_handle(&s->ps, c, s->o.hs, q->body, q->body_len, &w, &res);

	if (res.log)
		log_msg(res.paired ? LOG_NOTICE_ : LOG_WARNING_, "%s (%s)", res.log, c->peer);
	if (r < 0 || !wr_ok(&w)) {
		refuse_tlv(c, "pair-setup", r);
		return;
	}
	hap__respond(c, 200, "application/pairing+tlv8", buf, wr_len(&w));
	if (res.paired && s->o.announce)
		s->o.announce(s->o.data);
}

static void on_pair_verify(struct conn *c, const struct http_req *q)
{
	uint8_t buf[1024];
	struct wr w = wr_init(buf, sizeof(buf));
	struct pair_result res;
	int r = pair_verify_handle(&c->pv, c->srv->o.hs, q->body, q->body_len, &w, &res);

	if (res.log)
		log_msg(LOG_WARNING_, "%s (%s)", res.log, c->peer);
	if (r < 0 || !wr_ok(&w)) {
		refuse_tlv(c, "pair-verify", r);
		return;
	}
	/* M4 goes out in the clear; everything after it is encrypted */
	hap__respond(c, 200, "application/pairing+tlv8", buf, wr_len(&w));
	if (res.verified && session_init(&c->sess, c->pv.shared, 1) == 0) {
		c->encrypted = true;
		log_msg(LOG_INFO_, "homekit: %s verified as %s", c->peer, c->pv.controller);
	}
}

static void close_controller(struct hap_server *s, const char *id, bool all)
{
	for (size_t i = 0; i < HAP_CONN_MAX; i++) {
		struct conn *c = s->conns[i];

		if (c && c->encrypted && (all || !strcmp(c->pv.controller, id))) {
			c->closing = true; /* after what is queued has gone out */
			/* the others wake up to end-of-file and are freed by their own handler */
			shutdown(c->fd, SHUT_RD);
		}
	}
}

static void on_pairings(struct conn *c, const struct http_req *q)
{
	struct hap_server *s = c->srv;
	uint8_t buf[4096];
	struct wr w = wr_init(buf, sizeof(buf));
	struct pair_result res;
	int r = pairings_handle(s->o.hs, c->pv.controller, q->body, q->body_len, &w, &res);

	if (res.log)
		log_msg(LOG_NOTICE_, "%s (%s)", res.log, c->peer);
	if (r < 0 || !wr_ok(&w)) {
		refuse_tlv(c, "pairings", r);
		return;
	}
	hap__respond(c, 200, "application/pairing+tlv8", buf, wr_len(&w));
	if (res.removed) {
		close_controller(s, res.removed_id, res.removed_all);
		if (!hap_store_paired(s->o.hs) && s->o.announce)
			s->o.announce(s->o.data);
	}
}

static int fill_accessories(struct conn *c, void *arg, struct jw *w)
{
	struct hap_server *s = c->srv;

	(void)arg;
	hap_db_accessories(&s->db, s->o.store, &s->o.db, hap__now(s), w);
	return 200;
}

struct sub *hap__sub_find(struct conn *c, struct hap_ref r)
{
	for (size_t i = 0; i < c->n_subs; i++)
		if (c->subs[i].ref.aid == r.aid && c->subs[i].ref.iid == r.iid)
			return &c->subs[i];
	return NULL;
}

/* "1.10,2.11" → refs; the count, or -1 when malformed. */
static int parse_ids(const char *s, struct hap_ref *out, int max)
{
	int n = 0;

	while (*s) {
		char *end;
		unsigned long a = strtoul(s, &end, 10), i;

		if (end == s || *end != '.' || n == max)
			return -1;
		s = end + 1;
		i = strtoul(s, &end, 10);
		if (end == s || (*end && *end != ',') || !a || !i || a > 0xffffffffu ||
		    i > 0xffffffffu)
			return -1;
		out[n++] = (struct hap_ref){ (unsigned int)a, (unsigned int)i };
		s = *end ? end + 1 : end;
	}
	return n;
}

struct read_arg {
	struct hap_ref refs[64];
	int n;
	bool meta, perms, type, ev;
};

static int fill_read(struct conn *c, void *arg, struct jw *w)
{
	struct hap_server *s = c->srv;
	struct read_arg *a = arg;
	bool all_ok = true;

	jw_obj_begin(w);
	jw_key(w, "characteristics");
	jw_arr_begin(w);
	for (int i = 0; i < a->n; i++)
		all_ok &= hap_db_read(&s->db, s->o.store, &s->o.db, hap__now(s), a->refs[i],
				      a->meta, a->perms, a->type, a->ev,
				      hap__sub_find(c, a->refs[i]) != NULL, w) == HAP_STATUS_OK;
	jw_arr_end(w);
	jw_obj_end(w);
	return all_ok ? 200 : 207;
}

static bool flag(const char *path, const char *key)
{
	char v[8];

	return http_query(path, key, v, sizeof(v)) > 0 && (!strcmp(v, "1") || !strcmp(v, "true"));
}

static void on_read(struct conn *c, const struct http_req *q)
{
	struct read_arg a = { 0 };
	char ids[1024];

	if (http_query(q->path, "id", ids, sizeof(ids)) <= 0 ||
	    (a.n = parse_ids(ids, a.refs, 64)) <= 0) {
		hap__respond_status(c, 400, -70410);
		return;
	}
	a.meta = flag(q->path, "meta");
	a.perms = flag(q->path, "perms");
	a.type = flag(q->path, "type");
	a.ev = flag(q->path, "ev");
	hap__respond_json(c, fill_read, &a);
}

struct write_arg {
	cJSON *list;
};

static int write_one(struct conn *c, const cJSON *it, struct hap_ref *ref)
{
	const cJSON *aid = cJSON_GetObjectItemCaseSensitive(it, "aid");
	const cJSON *iid = cJSON_GetObjectItemCaseSensitive(it, "iid");
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(it, "ev");
	const cJSON *val = cJSON_GetObjectItemCaseSensitive(it, "value");
	int st;

	if (!cJSON_IsNumber(aid) || !cJSON_IsNumber(iid) || aid->valuedouble < 1 ||
	    iid->valuedouble < 1)
		return HAP_STATUS_INVALID_VALUE;
	ref->aid = (unsigned int)aid->valuedouble;
	ref->iid = (unsigned int)iid->valuedouble;
	if (val) {
		/* Identify (iid 2 of every accessory) is the one writable characteristic */
		if (ref->iid != 2)
			return HAP_STATUS_READ_ONLY;
		log_msg(LOG_NOTICE_, "homekit: identify accessory %u (%s)", ref->aid, c->peer);
		return HAP_STATUS_OK;
	}
	if (!cJSON_IsBool(ev))
		return HAP_STATUS_INVALID_VALUE;
	st = hap_db_can_notify(&c->srv->db, *ref);
	if (st != HAP_STATUS_OK)
		return st;
	if (cJSON_IsTrue(ev) && !hap__sub_find(c, *ref)) {
		if (c->n_subs == SUBS_MAX)
			return -70407; /* out of resources */
		c->subs[c->n_subs++] = (struct sub){ *ref, 0, false };
	} else if (cJSON_IsFalse(ev)) {
		struct sub *sb = hap__sub_find(c, *ref);

		if (sb)
			*sb = c->subs[--c->n_subs];
	}
	return HAP_STATUS_OK;
}

static int fill_write(struct conn *c, void *arg, struct jw *w)
{
	struct write_arg *a = arg;
	const cJSON *it;
	int statuses[64], n = 0;
	struct hap_ref refs[64];
	bool all_ok = true;

	cJSON_ArrayForEach(it, a->list) {
		if (n == 64)
			break;
		statuses[n] = write_one(c, it, &refs[n]);
		all_ok &= statuses[n] == HAP_STATUS_OK;
		n++;
	}
	if (all_ok)
		return 204;
	jw_obj_begin(w);
	jw_key(w, "characteristics");
	jw_arr_begin(w);
	for (int i = 0; i < n; i++) {
		jw_obj_begin(w);
		jw_key(w, "aid");
		jw_uint(w, refs[i].aid);
		jw_key(w, "iid");
		jw_uint(w, refs[i].iid);
		jw_key(w, "status");
		jw_int(w, statuses[i]);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	return 207;
}

static void on_write(struct conn *c, const struct http_req *q)
{
	cJSON *j = cJSON_ParseWithLength((const char *)q->body, q->body_len);
	struct write_arg a = { cJSON_GetObjectItemCaseSensitive(j, "characteristics") };

	if (!cJSON_IsArray(a.list) || !cJSON_GetArraySize(a.list))
		hap__respond_status(c, 400, HAP_STATUS_INVALID_VALUE);
	else
		hap__respond_json(c, fill_write, &a);
	cJSON_Delete(j);
}

void hap__handle(struct conn *c, const struct http_req *q)
{
	const char *p = q->path;
	size_t pl = strcspn(p, "?");

#define IS(m, s) (q->method == (m) && pl == sizeof(s) - 1 && !memcmp(p, s, pl))
	if (IS(HTTP_POST, "/pair-setup"))
		on_pair_setup(c, q);
	else if (IS(HTTP_POST, "/pair-verify"))
		on_pair_verify(c, q);
	else if (IS(HTTP_POST, "/identify"))
		hap_store_paired(c->srv->o.hs) ? hap__respond_status(c, 400, -70401)
					       : hap__respond(c, 204, NULL, NULL, 0);
	else if (!c->encrypted)
		hap__respond_status(c, 470, -70401);
	else if (IS(HTTP_GET, "/accessories"))
		hap__respond_json(c, fill_accessories, NULL);
	else if (IS(HTTP_GET, "/characteristics"))
		on_read(c, q);
	else if (IS(HTTP_PUT, "/characteristics"))
		on_write(c, q);
	else if (IS(HTTP_POST, "/pairings"))
		on_pairings(c, q);
	else
		hap__respond_status(c, 404, HAP_STATUS_NO_RESOURCE);
#undef IS
}

