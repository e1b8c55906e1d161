/* SPDX-License-Identifier: MIT */
/* gatt.c — the seed's client operations on org.bluez (gatt.h). The seed op → BlueZ call
 * table is /work/shared/notes/bluez-gatt-lua.md §1.3: connect with Adapter1.ConnectDevice
 * (or Device1.Connect for a device bluetoothd knows) and wait for Connected and
 * ServicesResolved; read/write with GattCharacteristic1.ReadValue/WriteValue (always with
 * an explicit "type" so the seed's response flag is what happens); subscribe with
 * StartNotify, and notifications are the Value PropertiesChanged signals. Here: the job
 * queue per peer, bluetoothd's events, the bus; bringing a link up is gatt_connect.c's. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "util/hex.h"
#include "gatt/gatt_int.h"
#include "util/log.h"

static const char *const errors[] = {
	[GATT_OK] = "done",
	[GATT_ERR_CONNECT] = "could not connect",
	[GATT_ERR_DISCONNECTED] = "the device disconnected",
	[GATT_ERR_NO_SERVICE] = "the device has no such service",
	[GATT_ERR_NO_CHAR] = "the service has no such characteristic",
	[GATT_ERR_READ] = "the characteristic could not be read",
	[GATT_ERR_NOTIFY] = "the characteristic cannot notify",
	[GATT_ERR_NOT_WRITABLE] = "the characteristic is not writable",
	[GATT_ERR_WRITE] = "the value was not written",
	[GATT_ERR_NOTIFY_TIMEOUT] = "no notification came in time",
	[GATT_ERR_PAIR] = "pairing failed (a wrong PIN, or the device refused)",
	[GATT_ERR_NO_IRK] = "paired, but the device gave no IRK (it uses no private address?)",
};

const char *gatt_strerror(int error)
{
	if (error >= 0 && error < (int)(sizeof(errors) / sizeof(errors[0])))
		return errors[error];
	return "the device disconnected (HCI reason)";
}

static void start_next(struct conn *c);
void gatt__finish(struct conn *c, int error);

/* ---- helpers ---------------------------------------------------------------------- */

/* The peer's Device1: the object we connected, else the one with its address. The object
 * keeps its path when bluetoothd learns a private address's identity in a pairing (its
 * Address changes), so a one-shot pairing still disconnects it. */
const struct bluez_obj *gatt__device(struct conn *c)
{
	const struct bluez_obj *a = bluez_adapter(c->g->bz, c->g->adapter);
	const struct bluez_obj *d = c->dev[0] ? bluez_find(c->g->bz, c->dev) : NULL;

	if (d && d->kind == BLUEZ_DEVICE)
		return d;
	return a ? bluez_device(c->g->bz, a->path, c->mac) : NULL;
}

void gatt__stop_timer(struct conn *c)
{
	c->timer = sd_event_source_disable_unref(c->timer);
	c->retry = sd_event_source_disable_unref(c->retry);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *data);

void gatt__start_timer(struct conn *c, uint64_t us)
{
	gatt__stop_timer(c);
	if (sd_event_add_time_relative(c->g->ev, &c->timer, CLOCK_MONOTONIC, us, 10000,
				       on_timer, c) < 0)
		log_warn("gatt: no timer: an operation may wait for bluetoothd's own time-out");
}

struct sub *gatt__sub_find(struct conn *c, const char *path)
{
	for (struct sub *s = c->subs; s; s = s->next)
		if (!strcmp(s->path, path))
			return s;
	return NULL;
}

/* Drop every subscription; with @report, each gets op 5 with @error first. */
static void subs_end(struct conn *c, bool report, int error)
{
	while (c->subs) {
		struct sub *s = c->subs;
		struct gatt_result r = { .error = error, .op = GATT_OP_DISCONNECT,
					 .uuid16 = s->uuid16, .handle = s->handle };

		memcpy(r.mac, c->mac, 6);
		c->subs = s->next;
		if (report && s->cb && !s->oneshot)
			s->cb(&r, s->user_data);
		free(s);
	}
}

/* ---- method calls ------------------------------------------------------------------- */

int gatt__call_done(sd_bus_message *m, struct conn *c, const char **err_name)
{
	const sd_bus_error *e;

	c->call = sd_bus_slot_unref(c->call);
	if (!sd_bus_message_is_method_error(m, NULL))
		return 0;
	e = sd_bus_message_get_error(m);
	*err_name = e->name;
	log_info("gatt: %s: %s", e->name, e->message ? e->message : "");
	return -EIO;
}

static int on_disconnect_reply(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct conn *c = data;
	const char *name = NULL;

	(void)e;
	gatt__call_done(m, c, &name);
	/* our own disconnect ends the subscriptions without a report: the caller asked */
	subs_end(c, false, 0);
	gatt__finish(c, c->res.error);
	return 0;
}

static void call_disconnect(struct conn *c)
{
	int r = -ENODEV;

	if (c->dev[0])
		r = sd_bus_call_method_async(c->g->bus, &c->call, BLUEZ_SERVICE, c->dev,
					     "org.bluez.Device1", "Disconnect",
					     on_disconnect_reply, c, "");
	if (r < 0) {
		subs_end(c, false, 0);
		gatt__finish(c, c->res.error);
	}
}

static int on_timer(sd_event_source *s, uint64_t usec, void *data)
{
	struct conn *c = data;
	char mac[HEX_MAC_LEN];

	(void)s;
	(void)usec;
	c->timer = sd_event_source_disable_unref(c->timer);
	hex_mac(c->mac, mac);
	if (c->state == CONN_IDLE) {
		start_next(c);
		return 0;
	}
	if (c->state == CONN_WAIT_BLUEZ) {
		log_notice("gatt: %s: bluetoothd's object tree did not load within %llu ms", mac,
			   (unsigned long long)(c->g->connect_timeout_us / 1000));
		gatt__finish(c, GATT_ERR_CONNECT);
		return 0;
	}
	if (c->state == CONN_WAIT_NOTIFY) {
		log_info("gatt: %s: no notification within %llu ms", mac,
			 (unsigned long long)(c->g->notify_timeout_us / 1000));
		gatt__finish(c, GATT_ERR_NOTIFY_TIMEOUT);
		return 0;
	}
	if (c->state == CONN_CONNECTING) {
		log_info("gatt: %s: no connection within %llu ms", mac,
			 (unsigned long long)(c->g->connect_timeout_us / 1000));
		c->call = sd_bus_slot_unref(c->call);
		/* Disconnect cancels a pending Connect in bluetoothd */
		if (c->dev[0])
			sd_bus_call_method_async(c->g->bus, NULL, BLUEZ_SERVICE, c->dev,
						 "org.bluez.Device1", "Disconnect", NULL, NULL, "");
		c->res.error = GATT_ERR_CONNECT;
		gatt__finish(c, GATT_ERR_CONNECT);
	}
	return 0;
}

/* ---- the queue -------------------------------------------------------------------- */

static void complete(struct conn *c)
{
	struct job *j = c->queue;
	struct gatt_result r = c->res;

	c->queue = j->next;
	c->state = CONN_IDLE;
	gatt__stop_timer(c);
	c->call = sd_bus_slot_unref(c->call);
	c->read_path[0] = '\0';
	if (j->cb)
		j->cb(&r, j->user_data);
	free(j);
	start_next(c);
}

/* The current job ends with @error; a one-shot first disconnects. */
void gatt__finish(struct conn *c, int error)
{
	struct job *j = c->queue;
	const struct bluez_obj *d;

	c->res.error = error;
	c->res.op = base_op(j);
	gatt__stop_timer(c);
	c->call = sd_bus_slot_unref(c->call);
	gatt__stop_discovery(c);
	d = gatt__device(c);
	if (c->state != CONN_CLOSING && d && d->connected &&
	    (oneshot(j) || base_op(j) == GATT_OP_DISCONNECT)) {
		c->state = CONN_CLOSING;
		call_disconnect(c);
		return;
	}
	complete(c);
}

static void begin(struct conn *c)
{
	struct job *j = c->queue;
	const struct bluez_obj *d = gatt__device(c);

	memset(&c->res, 0, sizeof(c->res));
	memcpy(c->res.mac, c->mac, 6);
	c->link_reason = -1;
	c->res.op = base_op(j);
	c->res.uuid16 = j->chr[0] ? bluez_uuid16(j->chr) : 0;
	if (d)
		snprintf(c->dev, sizeof(c->dev), "%s", d->path);
	if (base_op(j) == GATT_OP_DISCONNECT) {
		gatt__finish(c, GATT_OK); /* disconnects if connected */
		return;
	}
	if (!bluez_present(c->g->bz)) {
		char mac[HEX_MAC_LEN];

		hex_mac(c->mac, mac);
		if (!bluez_loading(c->g->bz)) {
			log_notice("gatt: %s: bluetoothd is not on the bus", mac);
			gatt__finish(c, GATT_ERR_CONNECT);
			return;
		}
		/* a command that came right after start (or during a restart of bluetoothd):
		 * on_presence() goes on, within the connect time-out */
		log_info("gatt: %s: waiting for bluetoothd's object tree", mac);
		c->state = CONN_WAIT_BLUEZ;
		gatt__start_timer(c, c->g->connect_timeout_us);
		return;
	}
	gatt__connect_dev(c);
}

static void conn_free(struct conn *c)
{
	struct gatt *g = c->g;

	for (struct conn **pp = &g->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	while (c->queue) {
		struct job *j = c->queue;

		c->queue = j->next;
		free(j);
	}
	subs_end(c, false, 0);
	gatt__stop_timer(c);
	sd_bus_slot_unref(c->call);
	free(c);
}

static void start_next(struct conn *c)
{
	if (c->state != CONN_IDLE)
		return;
	if (c->queue) {
		begin(c);
		return;
	}
	if (!c->subs)
		conn_free(c); /* nothing queued, nothing subscribed: forget the peer */
}

/* ---- events from bluetoothd --------------------------------------------------------- */

/* Why a link ended: bluetoothd's word (5.83+), the kernel's, or just "disconnected" */
static int down_reason(const struct conn *c, const struct bluez_obj *d)
{
	return d->disc_reason >= 0   ? d->disc_reason
	       : c->link_reason >= 0 ? c->link_reason
				     : GATT_ERR_DISCONNECTED;
}

static void on_device(void *data, const struct bluez_obj *d)
{
	struct gatt *g = data;
	struct conn *c = NULL;

	gatt__server_device(g, d);
	for (c = g->conns; c; c = c->next)
		if (!memcmp(c->mac, d->mac, 6))
			break;
	if (!c)
		return;
	snprintf(c->dev, sizeof(c->dev), "%s", d->path);
	log_debug("gatt: %s: connected %d (said %d), resolved %d; state %d, call %d", d->path,
		  d->connected, d->connected_prop, d->resolved, c->state, c->call != NULL);
	if (c->state == CONN_CONNECTING && c->discovering && !c->call) {
		gatt__connect_found(c, d);
		return;
	}
	if (c->state == CONN_CONNECTING && d->connected && d->resolved && !c->call) {
		gatt__execute(c);
		return;
	}
	if (c->state == CONN_CONNECTING && !d->connected && !c->call) {
		/* the link we waited on was the last op's, going down: bluetoothd 5.66 answers
		 * Disconnect before it says Connected false; the op connects again. Unless
		 * the link carried subscriptions: then the peer dropped a link in use while
		 * this op was queued on it, and the op hears that (as one in flight would),
		 * after the subscriptions' op 5, instead of connecting to a peer that went
		 * away and ending later with "could not connect". */
		if (c->subs) {
			subs_end(c, true, down_reason(c, d));
			c->state = CONN_CLOSING; /* no Disconnect of ours: the link is down */
			gatt__finish(c, GATT_ERR_DISCONNECTED);
			return;
		}
		gatt__call_connect(c);
		return;
	}
	if (d->connected || c->state == CONN_CLOSING || c->state == CONN_CONNECTING)
		return;
	/* the peer (or the link) went away */
	{
		int reason = down_reason(c, d);
		char mac[HEX_MAC_LEN];

		hex_mac(c->mac, mac);
		log_info("gatt: %s disconnected (reason %d)", mac, reason);
		subs_end(c, true, reason);
		if (c->state == CONN_CALLING || c->state == CONN_WAIT_NOTIFY) {
			c->state = CONN_CLOSING; /* no Disconnect of ours: the link is down */
			gatt__finish(c, GATT_ERR_DISCONNECTED);
		} else if (c->state == CONN_IDLE) {
			start_next(c);
		}
	}
}

static void on_value(void *data, const struct bluez_obj *chr, const uint8_t *v, size_t len)
{
	struct gatt *g = data;
	struct conn *c;
	struct sub *s;
	struct gatt_result r = { .op = GATT_OP_NOTIFICATION };

	for (c = g->conns; c; c = c->next)
		if ((s = gatt__sub_find(c, chr->path)))
			break;
	if (!c)
		return;
	/* the cache update that follows our own read is not a notification */
	if (!strcmp(c->read_path, chr->path))
		return;
	if (len > GATT_BUF_MAX - 1)
		len = GATT_BUF_MAX - 1;
	if (s->oneshot) {
		if (c->state != CONN_WAIT_NOTIFY)
			return;
		c->res.buf[0] = (uint8_t)len;
		memcpy(c->res.buf + 1, v, len);
		c->res.handle = s->handle;
		gatt__finish(c, GATT_OK);
		return;
	}
	if (!s->cb)
		return;
	memcpy(r.mac, c->mac, 6);
	r.uuid16 = s->uuid16;
	r.handle = s->handle;
	r.buf[0] = (uint8_t)len;
	memcpy(r.buf + 1, v, len);
	s->cb(&r, s->user_data);
}

static void on_presence(void *data, bool present)
{
	struct gatt *g = data;

	gatt__server_presence(g, present);
	gatt__watch_presence(g, present);
	if (present) {
		/* the jobs that came before the tree */
		for (struct conn *c = g->conns, *next; c; c = next) {
			next = c->next;
			if (c->state == CONN_WAIT_BLUEZ) {
				c->state = CONN_IDLE;
				gatt__stop_timer(c);
				begin(c);
			}
		}
		return;
	}
	/* bluetoothd left: every link is gone with it */
	for (struct conn *c = g->conns, *next; c; c = next) {
		next = c->next;
		c->dev[0] = '\0';
		subs_end(c, true, GATT_ERR_DISCONNECTED);
		if (c->state != CONN_IDLE) {
			int err = c->state == CONN_CONNECTING ? GATT_ERR_CONNECT
							      : GATT_ERR_DISCONNECTED;

			c->state = CONN_CLOSING;
			gatt__finish(c, err);
		} else {
			start_next(c);
		}
	}
}

/* The tree will not load (bluetoothd is not on the bus): the jobs waiting for it end */
static void on_absent(void *data)
{
	struct gatt *g = data;

	for (struct conn *c = g->conns, *next; c; c = next) {
		next = c->next;
		if (c->state == CONN_WAIT_BLUEZ) {
			char mac[HEX_MAC_LEN];

			hex_mac(c->mac, mac);
			log_notice("gatt: %s: bluetoothd is not on the bus", mac);
			gatt__finish(c, GATT_ERR_CONNECT);
		}
	}
}

/* The kernel's word on why a link ended: it comes before bluetoothd's signal (which has
 * no reason before BlueZ 5.83) */
static void on_link_down(void *data, uint16_t index, const uint8_t mac[6], uint8_t type,
			 int hci)
{
	struct gatt *g = data;

	(void)index;
	(void)type;
	for (struct conn *c = g->conns; c; c = c->next)
		if (!memcmp(c->mac, mac, 6))
			c->link_reason = hci;
}

/* ---- the bus ------------------------------------------------------------------------- */

static int bus_open(struct gatt *g)
{
	static const struct bluez_events ev = {
		.presence = on_presence, .device = on_device, .value = on_value,
		.absent = on_absent, .service_data = gatt__watch_data,
	};
	sd_bus *bus = NULL;
	int r;

	if (g->bus && sd_bus_is_open(g->bus) > 0)
		return 0;
	bluez_free(g->bz);
	g->bz = NULL;
	g->bus = sd_bus_flush_close_unref(g->bus);
	if (g->bus_address) {
		r = sd_bus_new(&bus);
		if (r >= 0)
			r = sd_bus_set_address(bus, g->bus_address);
		if (r >= 0)
			r = sd_bus_set_bus_client(bus, 1);
		if (r >= 0)
			r = sd_bus_start(bus);
	} else {
		r = sd_bus_open_system(&bus);
	}
	if (r >= 0)
		r = sd_bus_attach_event(bus, g->ev, SD_EVENT_PRIORITY_NORMAL);
	if (r >= 0)
		r = bluez_new(bus, &ev, g, &g->bz);
	if (r < 0) {
		sd_bus_unref(bus);
		return r;
	}
	g->bus = bus;
	return 0;
}

/* Going away (the daemon's SIGTERM, a tool's Ctrl-C) in the middle of an op or with
 * subscriptions: bluetoothd would keep the links we asked for up after us, and a queued
 * Disconnect (an activation's last word) would never run. Each goes now, without waiting
 * for replies; the bus is flushed before it closes. A Connect still pending is cancelled
 * the same way. Once only: nothing is queued after it. */
static void disconnect_all(struct gatt *g)
{
	if (g->exiting || !g->bus || !g->bz)
		return;
	g->exiting = true;
	for (struct conn *c = g->conns; c; c = c->next) {
		const struct bluez_obj *d = gatt__device(c);
		char mac[HEX_MAC_LEN];

		if (!d || (!d->connected && c->state != CONN_CONNECTING))
			continue;
		hex_mac(c->mac, mac);
		log_info("gatt: %s: disconnecting on the way out", mac);
		sd_bus_call_method_async(g->bus, NULL, BLUEZ_SERVICE, d->path, "org.bluez.Device1",
					 "Disconnect", NULL, NULL, "");
	}
}

/* The loop is exiting (the daemon's SIGTERM): sd-bus closes its connection in its own exit
 * source, before the daemon frees anything, so the links go down here, first */
static int on_loop_exit(sd_event_source *s, void *data)
{
	(void)s;
	disconnect_all(data);
	return 0;
}

int gatt_new(sd_event *ev, const struct gatt_opts *o, struct gatt **out)
{
	struct gatt *g = calloc(1, sizeof(*g));
	int r;

	if (!g)
		return -ENOMEM;
	g->ev = sd_event_ref(ev);
	g->bus_address = o && o->bus_address ? strdup(o->bus_address) : NULL;
	g->adapter = o && o->adapter ? strdup(o->adapter) : NULL;
	g->bond_dir = o && o->bond_dir ? strdup(o->bond_dir) : NULL;
	g->connect_timeout_us = 1000ull * (o && o->connect_timeout_ms ? o->connect_timeout_ms
								      : 10000);
	g->notify_timeout_us = 1000ull * (o && o->notify_timeout_ms ? o->notify_timeout_ms
								    : 15000);
	if ((o && o->bus_address && !g->bus_address) || (o && o->adapter && !g->adapter) ||
	    (o && o->bond_dir && !g->bond_dir)) {
		gatt_free(g);
		return -ENOMEM;
	}
	{
		static const struct mgmt_watch_events mev = { .disconnected = on_link_down,
							       .new_irk = gatt__pair_new_irk };

		r = mgmt_watch_new(ev, &mev, g, &g->mw);
		if (r < 0)
			log_debug("gatt: no management socket (%s): a peer's disconnect reason is "
				  "not known", strerror(-r));
	}
	if (sd_event_add_exit(ev, &g->exit_src, on_loop_exit, g) < 0 ||
	    sd_event_source_set_priority(g->exit_src, SD_EVENT_PRIORITY_IMPORTANT) < 0)
		log_warn("gatt: no exit hook: links in use may stay up after a stop");
	r = bus_open(g);
	if (r < 0)
		log_info("gatt: no D-Bus %s (%s): GATT commands will try again",
			 g->bus_address ? g->bus_address : "system bus", strerror(-r));
	*out = g;
	return 0;
}

void gatt_free(struct gatt *g)
{
	if (!g)
		return;
	gatt_unwatch(g);
	disconnect_all(g);
	sd_event_source_disable_unref(g->exit_src);
	while (g->conns)
		conn_free(g->conns);
	gatt__server_free(g->server);
	sd_bus_slot_unref(g->agent);
	bluez_free(g->bz);
	mgmt_watch_free(g->mw);
	sd_bus_flush_close_unref(g->bus);
	sd_event_unref(g->ev);
	free(g->bus_address);
	free(g->adapter);
	free(g->bond_dir);
	free(g);
}

sd_event *gatt_event(const struct gatt *g)
{
	return g->ev;
}

bool gatt_ready(const struct gatt *g)
{
	return g && g->bus && sd_bus_is_open(g->bus) > 0 && bluez_present(g->bz);
}

/* Queue @j on its peer's connection (made for it when there is none). 0 or -ENOMEM. */
static int enqueue(struct gatt *g, struct job *j)
{
	struct conn *c;

	for (c = g->conns; c; c = c->next)
		if (!memcmp(c->mac, j->ctx.mac, 6))
			break;
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		c->g = g;
		c->link_reason = -1;
		memcpy(c->mac, j->ctx.mac, 6);
		c->next = g->conns;
		g->conns = c;
	}
	{
		struct job **pp = &c->queue;

		while (*pp)
			pp = &(*pp)->next;
		*pp = j;
	}
	/* started from the loop, not from here: a caller's gatt_run() never calls back */
	if (c->state == CONN_IDLE && c->queue == j)
		gatt__start_timer(c, 0);
	return 0;
}

/* A job for @ctx, once the bus and bluetoothd are there. NULL with *@err set. */
static struct job *new_job(struct gatt *g, const struct gatt_ctx *ctx, gatt_fn cb,
			   void *user_data, int *err)
{
	struct job *j;

	/* while its tree loads, the job waits (begin()); only a bluetoothd known to be
	 * absent is an error now */
	*err = g->exiting || bus_open(g) < 0			     ? -ENOTCONN
	       : !bluez_present(g->bz) && !bluez_loading(g->bz) ? -EHOSTDOWN
								     : 0;
	if (*err)
		return NULL;
	j = calloc(1, sizeof(*j));
	if (!j) {
		*err = -ENOMEM;
		return NULL;
	}
	j->ctx = *ctx;
	j->cb = cb;
	j->user_data = user_data;
	return j;
}

int gatt_pair(struct gatt *g, const struct gatt_ctx *ctx, gatt_fn cb, void *user_data)
{
	struct job *j;
	int r;

	if (ctx->pin > 999999)
		return -EINVAL;
	j = new_job(g, ctx, cb, user_data, &r);
	if (!j)
		return r;
	j->ctx.op = GATT_OP_ONESHOT + GATT_OP_PAIR;
	r = enqueue(g, j);
	if (r < 0)
		free(j);
	return r;
}

int gatt_run(struct gatt *g, const struct gatt_ctx *ctx, gatt_fn cb, void *user_data)
{
	int op = ctx->op % GATT_OP_ONESHOT, r = 0;
	struct job *j;

	if (ctx->op > 200) {
		if (g->exiting || bus_open(g) < 0)
			return -ENOTCONN;
		/* while bluetoothd's tree loads (a script's set-up right after the daemon
		 * started) the server's ops wait for it, as the client's do: bluetoothd's
		 * presence registers what they asked for. 231 and 233 ask the adapter now. */
		if (!bluez_present(g->bz) &&
		    (!bluez_loading(g->bz) || ctx->op == GATT_OP_OWN_ADDR ||
		     ctx->op == GATT_OP_NAME))
			return -EHOSTDOWN;
		return gatt__server_run(g, ctx, cb, user_data);
	}
	if (ctx->op < 1 || ctx->op > 17 || op < 1 || op > 7 || ctx->op == 15)
		return -EINVAL;
	if (!(j = new_job(g, ctx, cb, user_data, &r)))
		return r;
	if ((op != GATT_OP_DISCONNECT && op != GATT_OP_SERVICES && ctx->handle < 0 &&
	     (bluez_uuid_norm(ctx->svc, j->svc) < 0 ||
	      (op != GATT_OP_CHARS && bluez_uuid_norm(ctx->chr, j->chr) < 0))) ||
	    (r = enqueue(g, j)) < 0) {
		free(j);
		return r < 0 ? r : -EINVAL;
	}
	return 0;
}

void gatt_cancel(struct gatt *g, void *user_data)
{
	gatt__server_cancel(g, user_data);
	for (struct conn *c = g->conns; c; c = c->next) {
		for (struct job *j = c->queue; j; j = j->next)
			if (j->user_data == user_data)
				j->cb = NULL;
		for (struct sub *s = c->subs; s; s = s->next)
			if (s->user_data == user_data)
				s->cb = NULL;
	}
}
