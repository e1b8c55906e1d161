/* SPDX-License-Identifier: MIT */
/* gatt_server.c — the seed's server ops (SPEC §11.2: 201/202 advertising data, 211
 * characteristics, 231-233) and events 221-230 on bluetoothd's D-Bus API. The
 * characteristics are a GATT application exported with sd-bus vtables under /org/mi32/gatt
 * and registered with GattManager1.RegisterApplication (doc/org.bluez.GattManager.rst);
 * bluetoothd reads the tree once, so a characteristic added later means registering the
 * application again. Reads, writes and (un)subscriptions arrive as calls of our ReadValue,
 * WriteValue, StartNotify and StopNotify; a new value is notified by a Value
 * PropertiesChanged, which bluetoothd sends to every subscribed central. Centrals
 * connecting and bonding are bluetoothd's Device1 objects. The advertisement is gatt_adv.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gatt/gatt_int.h"
#include "gatt/server_int.h"
#include "util/hex.h"
#include "util/log.h"

#define IFACE_GATT_MGR "org.bluez.GattManager1"
#define IFACE_SVC "org.bluez.GattService1"
#define IFACE_CHR "org.bluez.GattCharacteristic1"

int srv__errno(const char *name)
{
	static const struct {
		const char *suffix;
		int err;
	} map[] = {
		{ ".NotPermitted", EPERM },    { ".InvalidLength", EMSGSIZE },
		{ ".AlreadyExists", EEXIST },  { ".InvalidArguments", EINVAL },
		{ ".NotSupported", EOPNOTSUPP }, { ".DoesNotExist", ENOENT },
		{ ".NoReply", ETIMEDOUT },     { ".UnknownMethod", ENOSYS },
		{ ".ServiceUnknown", EHOSTDOWN }, { ".NotReady", EAGAIN },
	};
	size_t n = name ? strlen(name) : 0;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		size_t m = strlen(map[i].suffix);

		if (n >= m && !strcmp(name + n - m, map[i].suffix))
			return -map[i].err;
	}
	return -EIO;
}

/* ---- delivery: every result and event from the loop ------------------------------- */

static int on_defer(sd_event_source *src, void *data)
{
	struct gatt_server *s = data;

	(void)src;
	while (s->evq) {
		struct srv_ev *e = s->evq;

		s->evq = e->next;
		if (!s->evq)
			s->evq_tail = &s->evq;
		if (e->cb)
			e->cb(&e->r, e->user_data);
		free(e);
	}
	sd_event_source_set_enabled(s->defer, SD_EVENT_OFF);
	return 0;
}

void srv__emit(struct gatt_server *s, gatt_fn cb, void *user_data, int op, int error,
	       const struct srv_chr *c, const uint8_t *data, size_t len)
{
	struct srv_ev *e;

	if (!cb)
		return;
	e = calloc(1, sizeof(*e));
	if (!e) {
		log_warn("gatt server: out of memory: event %d lost", op);
		return;
	}
	e->cb = cb;
	e->user_data = user_data;
	e->r.op = op;
	e->r.error = error;
	if (c) {
		e->r.uuid16 = bluez_uuid16(c->uuid);
		e->r.handle = c->handle;
	}
	if (len > GATT_BUF_MAX - 1)
		len = GATT_BUF_MAX - 1;
	e->r.buf[0] = (uint8_t)len;
	if (len)
		memcpy(e->r.buf + 1, data, len);
	*s->evq_tail = e;
	s->evq_tail = &e->next;
	if (!s->defer &&
	    sd_event_add_defer(s->g->ev, &s->defer, on_defer, s) < 0) {
		log_warn("gatt server: no event source: event %d lost", op);
		return;
	}
	sd_event_source_set_enabled(s->defer, SD_EVENT_ON);
}

/* An event for the server's owner (221-230) */
void srv__event(struct gatt_server *s, int op, int error, const struct srv_chr *c,
		const uint8_t *data, size_t len)
{
	srv__emit(s, s->cb, s->user_data, op, error, c, data, len);
}

void srv__settle(struct gatt_server *s, int error)
{
	while (s->waits) {
		struct srv_wait *w = s->waits;
		uint8_t h[GATT_BUF_MAX - 1];
		size_t n = 0;

		s->waits = w->next;
		/* the first 201 after characteristics were added lists their handles, high
		 * byte first, in the order they were added (the seed's op 201) */
		if (w->op == GATT_OP_ADV && !error && s->n_svcs && !s->handles_told) {
			for (struct srv_svc *v = s->svcs; v; v = v->next)
				for (struct srv_chr *c = v->chrs; c && n + 2 <= sizeof(h); c = c->next) {
					h[n++] = (uint8_t)(c->handle >> 8);
					h[n++] = (uint8_t)c->handle;
				}
			s->handles_told = true;
		}
		srv__emit(s, w->cb, w->user_data, w->op, error, NULL, h, n);
		free(w);
	}
}

static int wait_add(struct gatt_server *s, int op, gatt_fn cb, void *user_data)
{
	struct srv_wait *w = calloc(1, sizeof(*w)), **pp = &s->waits;

	if (!w)
		return -ENOMEM;
	w->op = op;
	w->cb = cb;
	w->user_data = user_data;
	while (*pp)
		pp = &(*pp)->next;
	*pp = w;
	return 0;
}

/* Export every object on the client's bus (again, if the bus was opened anew). */
static int export(struct gatt_server *s)
{
	int r;

	if (s->bus == s->g->bus)
		return 0;
	s->om_slot = sd_bus_slot_unref(s->om_slot);
	s->adv_obj = sd_bus_slot_unref(s->adv_obj);
	s->paired_match = sd_bus_slot_unref(s->paired_match);
	for (struct srv_svc *v = s->svcs; v; v = v->next) {
		v->slot = sd_bus_slot_unref(v->slot);
		for (struct srv_chr *c = v->chrs; c; c = c->next)
			c->slot = sd_bus_slot_unref(c->slot);
	}
	s->bus = s->g->bus;
	s->app = SRV_REG_OFF;
	s->adv_reg = SRV_REG_OFF;
	r = sd_bus_add_object_manager(s->bus, &s->om_slot, SRV_ROOT);
	for (struct srv_svc *v = s->svcs; r >= 0 && v; v = v->next) {
		r = sd_bus_add_object_vtable(s->bus, &v->slot, v->path, IFACE_SVC, srv__svc_vtable, v);
		for (struct srv_chr *c = v->chrs; r >= 0 && c; c = c->next)
			r = sd_bus_add_object_vtable(s->bus, &c->slot, c->path, IFACE_CHR,
						     srv__chr_vtable, c);
	}
	if (r >= 0)
		r = srv__adv_export(s);
	if (r < 0) {
		log_warn("gatt server: cannot export our objects on D-Bus: %s", strerror(-r));
		s->bus = NULL;
	}
	return r;
}

/* ---- registering the application -------------------------------------------------- */

const char *srv__adapter(struct gatt_server *s)
{
	const struct bluez_obj *a = bluez_adapter(s->g->bz, s->g->adapter);

	return a ? a->path : NULL;
}

static void status(struct gatt_server *s, int code)
{
	uint8_t b[4] = { (uint8_t)code, (uint8_t)(code >> 8), (uint8_t)(code >> 16),
			 (uint8_t)(code >> 24) };

	srv__event(s, GATT_EV_STATUS, GATT_OK, NULL, b, 4);
}

static int on_app_reply(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct gatt_server *s = data;

	(void)e;
	s->app_call = sd_bus_slot_unref(s->app_call);
	if (s->app == SRV_REG_DROPPING) {
		/* unregistered (or it was gone already): register the new tree */
		s->app = SRV_REG_OFF;
		srv__kick(s);
		return 0;
	}
	if (sd_bus_message_is_method_error(m, NULL)) {
		const sd_bus_error *err = sd_bus_message_get_error(m);

		log_notice("gatt server: bluetoothd refused our GATT application: %s: %s",
			   err->name, err->message ? err->message : "");
		s->app = SRV_REG_OFF;
		status(s, srv__errno(err->name));
		srv__settle(s, GATT_ERR_WRITE);
		srv__retry_later(s);
		return 0;
	}
	s->app = SRV_REG_ON;
	log_info("gatt server: %u service(s) registered with bluetoothd on %s", s->n_svcs,
		 s->app_adapter);
	srv__kick(s);
	return 0;
}

static void app_register(struct gatt_server *s, const char *adapter)
{
	int r;

	snprintf(s->app_adapter, sizeof(s->app_adapter), "%s", adapter);
	/* asynchronous: bluetoothd calls our GetManagedObjects before it answers */
	r = sd_bus_call_method_async(s->bus, &s->app_call, BLUEZ_SERVICE, adapter, IFACE_GATT_MGR,
				     "RegisterApplication", on_app_reply, s, "oa{sv}", SRV_ROOT,
				     0);
	if (r < 0) {
		log_warn("gatt server: RegisterApplication: %s", strerror(-r));
		srv__settle(s, GATT_ERR_WRITE);
		srv__retry_later(s);
		return;
	}
	s->app = SRV_REG_CALLING;
	s->app_dirty = false;
}

static void app_unregister(struct gatt_server *s)
{
	if (sd_bus_call_method_async(s->bus, &s->app_call, BLUEZ_SERVICE, s->app_adapter,
				     IFACE_GATT_MGR, "UnregisterApplication", on_app_reply, s, "o",
				     SRV_ROOT) >= 0)
		s->app = SRV_REG_DROPPING;
	else
		s->app = SRV_REG_OFF;
}

static int on_retry(sd_event_source *src, uint64_t usec, void *data)
{
	struct gatt_server *s = data;

	(void)src, (void)usec;
	s->retry = sd_event_source_disable_unref(s->retry);
	srv__kick(s);
	return 0;
}

void srv__retry_later(struct gatt_server *s)
{
	if (!s->retry)
		sd_event_add_time_relative(s->g->ev, &s->retry, CLOCK_MONOTONIC, SRV_RETRY_US,
					   100000, on_retry, s);
}

void srv__kick(struct gatt_server *s)
{
	const char *adapter;

	if (!bluez_present(s->g->bz) || export(s) < 0)
		return; /* presence() kicks again when bluetoothd is back */
	adapter = srv__adapter(s);
	if (!adapter) {
		if (s->adv_wanted || s->waits) {
			log_notice("gatt server: no powered adapter%s%s in bluetoothd; trying again",
				   s->g->adapter ? " " : "", s->g->adapter ? s->g->adapter : "");
			srv__settle(s, GATT_ERR_CONNECT);
			srv__retry_later(s);
		}
		return;
	}
	if (s->app == SRV_REG_CALLING || s->app == SRV_REG_DROPPING)
		return;
	/* the tree goes first: the advertisement names services a central will look for */
	if (s->n_svcs && s->adv_wanted) {
		if (s->app == SRV_REG_ON && s->app_dirty) {
			app_unregister(s);
			return;
		}
		if (s->app == SRV_REG_OFF) {
			app_register(s, adapter);
			return;
		}
	}
	if (!s->adv_wanted) {
		srv__settle(s, GATT_OK); /* kept for the first 201 */
		return;
	}
	if (s->adv_reg == SRV_REG_ON && s->adv_dirty) {
		srv__adv_unregister(s);
		return;
	}
	if (s->adv_reg == SRV_REG_OFF)
		srv__adv_register(s);
	else if (s->adv_reg == SRV_REG_ON)
		srv__settle(s, GATT_OK);
}

/* ---- the ops ----------------------------------------------------------------------- */

static struct gatt_server *server(struct gatt *g)
{
	struct gatt_server *s = g->server;

	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->g = g;
	s->mode = -1;
	s->tx_power = GATT_SRV_NO_TX;
	s->evq_tail = &s->evq;
	g->server = s;
	return s;
}

static struct srv_svc *svc_get(struct gatt_server *s, const char *uuid)
{
	struct srv_svc *v, **pp = &s->svcs;

	for (v = s->svcs; v; v = v->next)
		if (!strcmp(v->uuid, uuid))
			return v;
	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->index = s->n_svcs;
	snprintf(v->path, sizeof(v->path), SRV_ROOT "/service%u", v->index);
	snprintf(v->uuid, sizeof(v->uuid), "%s", uuid);
	if (s->bus &&
	    sd_bus_add_object_vtable(s->bus, &v->slot, v->path, IFACE_SVC, srv__svc_vtable, v) < 0) {
		free(v);
		return NULL;
	}
	while (*pp)
		pp = &(*pp)->next;
	*pp = v;
	s->n_svcs++;
	return v;
}

/* Op 211: create (first time) or update a characteristic, then notify its value. */
static int op_chr(struct gatt_server *s, const struct gatt_ctx *ctx, gatt_fn cb, void *ud)
{
	char svc[BLUEZ_UUID_LEN], chr[BLUEZ_UUID_LEN];
	struct srv_svc *v;
	struct srv_chr *c;

	if (bluez_uuid_norm(ctx->svc, svc) < 0 || bluez_uuid_norm(ctx->chr, chr) < 0) {
		log_info("gatt server: op 211 needs a service and a characteristic UUID "
			 "(\"%s\", \"%s\")", ctx->svc, ctx->chr);
		return -EINVAL;
	}
	if (ctx->handle > 0xFFFF) {
		log_info("gatt server: op 211: property bits 0x%x are more than 16 bits",
			 ctx->handle);
		return -EINVAL;
	}
	if (export(s) < 0)
		return -ENOTCONN;
	v = svc_get(s, svc);
	if (!v)
		return -ENOMEM;
	for (c = v->chrs; c; c = c->next)
		if (!strcmp(c->uuid, chr))
			break;
	if (!c) {
		struct srv_chr **pp = &v->chrs;

		c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		c->s = s;
		c->svc = v;
		snprintf(c->path, sizeof(c->path), SRV_ROOT "/service%u/char%u", v->index,
			 v->n_chrs);
		snprintf(c->uuid, sizeof(c->uuid), "%s", chr);
		/* the seed's default: read, write without response (with response if asked),
		 * notify and indicate; arg1 replaces them */
		c->props = ctx->handle >= 0 ? (uint16_t)ctx->handle
			   : GATT_CHR_F_READ | GATT_CHR_F_NOTIFY | GATT_CHR_F_INDICATE |
				     (ctx->response ? GATT_CHR_F_WRITE : GATT_CHR_F_WRITE_NO_RSP);
		if (sd_bus_add_object_vtable(s->bus, &c->slot, c->path, IFACE_CHR, srv__chr_vtable,
					     c) < 0) {
			free(c);
			return -ENOMEM;
		}
		while (*pp)
			pp = &(*pp)->next;
		*pp = c;
		v->n_chrs++;
		s->handles_told = false;
		if (s->app != SRV_REG_OFF)
			s->app_dirty = true; /* bluetoothd ignores objects added later */
	} else if (ctx->handle >= 0 && c->props != (uint16_t)ctx->handle) {
		c->props = (uint16_t)ctx->handle;
		if (s->app != SRV_REG_OFF)
			s->app_dirty = true;
	}
	c->len = ctx->buf[0];
	memcpy(c->value, ctx->buf + 1, c->len);
	/* bluetoothd notifies (or indicates, by each central's CCCD) every subscriber */
	if (s->app == SRV_REG_ON && !s->app_dirty)
		sd_bus_emit_properties_changed(s->bus, c->path, IFACE_CHR, "Value", NULL);
	srv__emit(s, cb, ud, GATT_OP_CHR, GATT_OK, c, NULL, 0);
	if (s->app_dirty && s->adv_wanted)
		srv__kick(s);
	return 0;
}

static int check_ad(const struct gatt_ctx *ctx, int op)
{
	struct adv_data_err err;

	if (adv_data_check(ctx->buf + 1, ctx->buf[0], &err) < 0) {
		log_info("gatt server: op %d: advertising data refused at byte %u (type 0x%02x): "
			 "%s", op, err.off, err.type, err.why);
		return -EINVAL;
	}
	return 0;
}

static int set_mode(struct gatt_server *s, int mode, int op)
{
	if (mode == 1) {
		log_info("gatt server: op %d: directed advertising has no bluetoothd equivalent "
			 "(LEAdvertisement1 has no peer address)", op);
		return -EOPNOTSUPP;
	}
	if (mode != 0 && mode != 2) {
		log_info("gatt server: op %d: connectable mode %d is not 0, 1 or 2", op, mode);
		return -EINVAL;
	}
	if (s->mode != mode)
		s->adv_dirty = true;
	s->mode = mode;
	return 0;
}

/* Op 232: [5][connectable mode][itvl_min LE16][itvl_max LE16] in 0.625 ms units, and as
 * our addition a sixth byte: TX power in dBm (signed) */
static int op_params(struct gatt_server *s, const struct gatt_ctx *ctx)
{
	const uint8_t *b = ctx->buf + 1;
	unsigned int lo, hi;
	int r;

	if (ctx->buf[0] != 5 && ctx->buf[0] != 6) {
		log_info("gatt server: op 232 wants [5][mode][min LE16][max LE16] (or a sixth "
			 "byte, TX power), got %u bytes", ctx->buf[0]);
		return -EINVAL;
	}
	lo = b[1] | b[2] << 8;
	hi = b[3] | b[4] << 8;
	/* Core Vol 4 Part E 7.8.5: 0x0020..0x4000 for legacy advertising */
	if (lo < 0x20 || hi < lo) {
		log_info("gatt server: op 232: intervals %u..%u (0.625 ms) out of range", lo, hi);
		return -EINVAL;
	}
	r = set_mode(s, b[0], 232);
	if (r < 0)
		return r;
	/* bluetoothd takes milliseconds and turns them back into 0.625 ms units */
	s->min_ms = (lo * 5 + 7) / 8;
	s->max_ms = (hi * 5 + 7) / 8;
	s->tx_power = ctx->buf[0] == 6 ? (int8_t)b[5] : GATT_SRV_NO_TX;
	s->adv_dirty = true;
	return 0;
}

/* A 231/233 call in flight, kept so that stopping the server cancels it */
static struct srv_wait *call_new(struct gatt_server *s, int op, gatt_fn cb, void *ud)
{
	struct srv_wait *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->s = s;
	w->op = op;
	w->cb = cb;
	w->user_data = ud;
	w->next = s->calls;
	s->calls = w;
	return w;
}

static void call_end(struct srv_wait *w, int error, const uint8_t *data, size_t len)
{
	struct gatt_server *s = w->s;

	for (struct srv_wait **pp = &s->calls; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	srv__emit(s, w->cb, w->user_data, w->op, error, NULL, data, len);
	sd_bus_slot_unref(w->slot);
	free(w);
}

static int on_alias_reply(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct srv_wait *w = data;
	int error = GATT_OK;

	(void)e;
	if (sd_bus_message_is_method_error(m, NULL)) {
		log_notice("gatt server: op 233: bluetoothd refused the name: %s",
			   sd_bus_message_get_error(m)->message);
		error = GATT_ERR_WRITE;
	}
	call_end(w, error, NULL, 0);
	return 0;
}

/* Op 233: the GAP name is the adapter's Alias (bluetoothd's GAP service and the name it
 * puts into advertisements both come from it). */
static int op_name(struct gatt_server *s, const struct gatt_ctx *ctx, gatt_fn cb, void *ud)
{
	char name[GATT_BUF_MAX];
	const char *adapter = srv__adapter(s);
	struct srv_wait *w;
	int r;

	memcpy(name, ctx->buf + 1, ctx->buf[0]);
	name[ctx->buf[0]] = '\0';
	if (!ctx->buf[0] || strlen(name) != ctx->buf[0] || !adapter) {
		log_info("gatt server: op 233: %s", adapter ? "the name is empty or has a NUL"
						       : "no powered adapter in bluetoothd");
		return adapter ? -EINVAL : -EHOSTDOWN;
	}
	w = call_new(s, GATT_OP_NAME, cb, ud);
	if (!w)
		return -ENOMEM;
	r = sd_bus_call_method_async(s->g->bus, &w->slot, BLUEZ_SERVICE, adapter,
				     "org.freedesktop.DBus.Properties", "Set", on_alias_reply, w,
				     "ssv", "org.bluez.Adapter1", "Alias", "s", name);
	if (r < 0) {
		w->cb = NULL;
		call_end(w, 0, NULL, 0);
		return -ENOTCONN;
	}
	return 0;
}

static int on_address(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct srv_wait *w = data;
	const char *addr;
	unsigned int b[6];
	uint8_t le[6];
	int error = GATT_ERR_WRITE;

	(void)e;
	if (!sd_bus_message_is_method_error(m, NULL) &&
	    sd_bus_message_read(m, "v", "s", &addr) >= 0 &&
	    sscanf(addr, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) == 6) {
		for (int i = 0; i < 6; i++)
			le[i] = (uint8_t)b[5 - i];
		error = GATT_OK;
	}
	call_end(w, error, le, error ? 0 : 6);
	return 0;
}

/* Op 231: the own address. bluetoothd advertises from the adapter's identity address (or
 * an RPA with Privacy on); D-Bus offers no per-advertisement address and no way to set a
 * static random one (only mgmt Set Static Address while the adapter is off). So the public
 * type is accepted and answered with the address in use, LSB first as 227 delivers
 * addresses; a random one is refused. */
static int op_own_addr(struct gatt_server *s, const struct gatt_ctx *ctx, gatt_fn cb, void *ud)
{
	const char *adapter = srv__adapter(s);
	struct srv_wait *w;

	if (ctx->addr_type > 0 && ctx->addr_type < 4) {
		log_info("gatt server: op 231: bluetoothd has no D-Bus call to set an own random "
			 "address (use Privacy in main.conf, or btmgmt static-addr with the "
			 "adapter off)");
		return -EOPNOTSUPP;
	}
	if (!adapter)
		return -EHOSTDOWN;
	w = call_new(s, GATT_OP_OWN_ADDR, cb, ud);
	if (!w)
		return -ENOMEM;
	if (sd_bus_call_method_async(s->g->bus, &w->slot, BLUEZ_SERVICE, adapter,
				     "org.freedesktop.DBus.Properties", "Get", on_address, w, "ss",
				     "org.bluez.Adapter1", "Address") < 0) {
		w->cb = NULL;
		call_end(w, 0, NULL, 0);
		return -ENOTCONN;
	}
	return 0;
}

int gatt__server_run(struct gatt *g, const struct gatt_ctx *ctx, gatt_fn cb, void *ud)
{
	struct gatt_server *s = server(g);
	int r;

	if (!s)
		return -ENOMEM;
	switch (ctx->op) {
	case GATT_OP_ADV:
		if ((r = check_ad(ctx, 201)) < 0)
			return r;
		if (ctx->handle >= 0 && (r = set_mode(s, ctx->handle, 201)) < 0)
			return r;
		if (export(s) < 0)
			return -ENOTCONN;
		if (wait_add(s, GATT_OP_ADV, cb, ud) < 0)
			return -ENOMEM;
		memcpy(s->adv, ctx->buf + 1, ctx->buf[0]);
		s->adv_len = ctx->buf[0];
		s->adv_wanted = true;
		s->adv_dirty = true;
		break;
	case GATT_OP_SCAN_RSP:
		if ((r = check_ad(ctx, 202)) < 0)
			return r;
		if (export(s) < 0)
			return -ENOTCONN;
		if (wait_add(s, GATT_OP_SCAN_RSP, cb, ud) < 0)
			return -ENOMEM;
		memcpy(s->scan, ctx->buf + 1, ctx->buf[0]);
		s->scan_len = ctx->buf[0];
		s->adv_dirty = true;
		break;
	case GATT_OP_ADV_PARAMS:
		if ((r = op_params(s, ctx)) < 0)
			return r;
		if (export(s) < 0)
			return -ENOTCONN;
		if (wait_add(s, GATT_OP_ADV_PARAMS, cb, ud) < 0)
			return -ENOMEM;
		break;
	case GATT_OP_CHR:
		r = op_chr(s, ctx, cb, ud);
		break;
	case GATT_OP_NAME:
		r = op_name(s, ctx, cb, ud);
		break;
	case GATT_OP_OWN_ADDR:
		r = op_own_addr(s, ctx, cb, ud);
		break;
	default:
		return -EINVAL;
	}
	if (ctx->op == GATT_OP_CHR || ctx->op == GATT_OP_NAME || ctx->op == GATT_OP_OWN_ADDR) {
		if (r < 0)
			return r;
	} else {
		srv__kick(s);
	}
	/* the latest server op's caller receives the events (the seed's one callback) */
	s->cb = cb;
	s->user_data = ud;
	return 0;
}

/* ---- ending ------------------------------------------------------------------------- */

static void drop_objects(struct gatt_server *s)
{
	while (s->svcs) {
		struct srv_svc *v = s->svcs;

		s->svcs = v->next;
		while (v->chrs) {
			struct srv_chr *c = v->chrs;

			v->chrs = c->next;
			sd_bus_slot_unref(c->slot);
			free(c);
		}
		sd_bus_slot_unref(v->slot);
		free(v);
	}
	s->n_svcs = 0;
}

void gatt_server_stop(struct gatt *g)
{
	struct gatt_server *s = g ? g->server : NULL;

	if (!s)
		return;
	if (s->bus && s->adv_reg != SRV_REG_OFF && s->adv_adapter[0])
		sd_bus_call_method_async(s->bus, NULL, BLUEZ_SERVICE, s->adv_adapter,
					 "org.bluez.LEAdvertisingManager1",
					 "UnregisterAdvertisement", NULL, NULL, "o", SRV_ADV_PATH);
	if (s->bus && s->app != SRV_REG_OFF && s->app_adapter[0])
		sd_bus_call_method_async(s->bus, NULL, BLUEZ_SERVICE, s->app_adapter,
					 IFACE_GATT_MGR, "UnregisterApplication", NULL, NULL, "o",
					 SRV_ROOT);
	gatt__server_free(s);
	g->server = NULL;
	log_info("gatt server: stopped (services and advertisement withdrawn)");
}

void gatt__server_cancel(struct gatt *g, void *user_data)
{
	struct gatt_server *s = g->server;

	if (!s)
		return;
	if (s->user_data == user_data)
		s->cb = NULL;
	for (struct srv_wait *w = s->waits; w; w = w->next)
		if (w->user_data == user_data)
			w->cb = NULL;
	for (struct srv_wait *w = s->calls; w; w = w->next)
		if (w->user_data == user_data)
			w->cb = NULL;
	for (struct srv_ev *e = s->evq; e; e = e->next)
		if (e->user_data == user_data)
			e->cb = NULL;
}

void gatt__server_free(struct gatt_server *s)
{
	if (!s)
		return;
	drop_objects(s);
	while (s->waits) {
		struct srv_wait *w = s->waits;

		s->waits = w->next;
		free(w);
	}
	while (s->calls) {
		struct srv_wait *w = s->calls;

		s->calls = w->next;
		sd_bus_slot_unref(w->slot);
		free(w);
	}
	while (s->evq) {
		struct srv_ev *e = s->evq;

		s->evq = e->next;
		free(e);
	}
	sd_bus_slot_unref(s->app_call);
	sd_bus_slot_unref(s->adv_call);
	sd_bus_slot_unref(s->adv_obj);
	sd_bus_slot_unref(s->om_slot);
	sd_bus_slot_unref(s->paired_match);
	sd_event_source_disable_unref(s->defer);
	sd_event_source_disable_unref(s->retry);
	free(s);
}
