/* SPDX-License-Identifier: MIT */
/* gatt_ops.c — the seed's client operations on a connected peer whose services bluetoothd
 * has resolved: 1 read (ReadValue), 2 write (WriteValue with an explicit type), 3/4
 * StartNotify/StopNotify on every characteristic with the UUID, 6/7 the lists built from
 * bluetoothd's objects. The queue and connecting are gatt.c's. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gatt/gatt_int.h"
#include "util/log.h"

/* The attribute handle: bluetoothd's Handle property, else the hex digits its object path
 * ends in (…/char0010). */
static uint16_t obj_handle(const struct bluez_obj *o)
{
	const char *p = strrchr(o->path, '/');

	if (o->handle || !p)
		return o->handle;
	while (*p && (*p < '0' || *p > '9') && (*p < 'a' || *p > 'f'))
		p++;
	/* "char" and "service" hold hex letters: the handle is the last four digits */
	return strlen(p) >= 4 ? (uint16_t)strtoul(p + strlen(p) - 4, NULL, 16) : 0;
}

/* The seed reports the characteristic's value handle: the declaration's + 1 */
static uint16_t value_handle(const struct bluez_obj *chr)
{
	return (uint16_t)(obj_handle(chr) + 1);
}

static int on_read_reply(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct conn *c = data;
	const char *name;
	const void *v;
	size_t n;

	(void)e;
	if (gatt__call_done(m, c, &name) < 0 || sd_bus_message_read_array(m, 'y', &v, &n) < 0) {
		c->read_path[0] = '\0';
		gatt__finish(c, GATT_ERR_READ);
		return 0;
	}
	if (n > GATT_BUF_MAX - 1)
		n = GATT_BUF_MAX - 1;
	c->res.buf[0] = (uint8_t)n;
	memcpy(c->res.buf + 1, v, n);
	gatt__finish(c, GATT_OK);
	return 0;
}

static int on_write_reply(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct conn *c = data;
	const char *name;

	(void)e;
	gatt__finish(c, gatt__call_done(m, c, &name) < 0 ? GATT_ERR_WRITE : GATT_OK);
	return 0;
}

static void notify_step(struct conn *c);

static int on_notify_reply(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct conn *c = data;
	struct job *j = c->queue;
	const char *name;
	unsigned int i = j->done++;

	(void)e;
	if (gatt__call_done(m, c, &name) == 0) {
		struct sub *s = gatt__sub_find(c, j->targets[i]);

		j->ok++;
		if (base_op(j) == GATT_OP_UNSUBSCRIBE && s) {
			for (struct sub **pp = &c->subs; *pp; pp = &(*pp)->next)
				if (*pp == s) {
					*pp = s->next;
					free(s);
					break;
				}
		} else if (base_op(j) == GATT_OP_SUBSCRIBE && !s && (s = calloc(1, sizeof(*s)))) {
			snprintf(s->path, sizeof(s->path), "%s", j->targets[i]);
			s->uuid16 = bluez_uuid16(j->chr);
			s->handle = j->target_handle[i];
			/* a one-shot subscribe delivers its first notification as its result */
			s->oneshot = oneshot(j);
			s->cb = j->cb;
			s->user_data = j->user_data;
			s->next = c->subs;
			c->subs = s;
		}
		if (base_op(j) == GATT_OP_SUBSCRIBE || base_op(j) == GATT_OP_UNSUBSCRIBE) {
			size_t at = 1 + 2 * (j->ok - 1);

			if (at + 2 <= GATT_BUF_MAX) {
				c->res.buf[at] = (uint8_t)(j->target_handle[i] >> 8);
				c->res.buf[at + 1] = (uint8_t)j->target_handle[i];
				c->res.buf[0] = (uint8_t)(at + 1);
			}
		}
	}
	notify_step(c);
	return 0;
}

/* StartNotify/StopNotify on the next target; the result when all are done. */
static void notify_step(struct conn *c)
{
	struct job *j = c->queue;
	bool start = base_op(j) == GATT_OP_SUBSCRIBE;
	int r;

	if (j->done < j->n_targets) {
		c->state = CONN_CALLING;
		r = sd_bus_call_method_async(c->g->bus, &c->call, BLUEZ_SERVICE,
					     j->targets[j->done], "org.bluez.GattCharacteristic1",
					     start ? "StartNotify" : "StopNotify", on_notify_reply,
					     c, "");
		if (r < 0) {
			j->done = j->n_targets;
			j->ok = 0;
		} else {
			return;
		}
	}
	if (!j->ok) {
		gatt__finish(c, GATT_ERR_NOTIFY);
		return;
	}
	if (start && oneshot(j)) {
		/* the seed's op 13: the first notification is the result, within 15 s */
		c->state = CONN_WAIT_NOTIFY;
		gatt__start_timer(c, c->g->notify_timeout_us);
		return;
	}
	gatt__finish(c, GATT_OK);
}

/* ---- the operations -------------------------------------------------------------- */

/* The entry of a UUID in an op 6/7 list: [bits][UUID little-endian]. */
static size_t put_uuid(uint8_t *p, size_t room, const char *uuid)
{
	uint8_t be[16];
	size_t k = 0, n;
	bool base = !strcmp(uuid + 8, "-0000-1000-8000-00805f9b34fb");

	for (const char *s = uuid; *s && k < 16; s += 2) {
		if (*s == '-')
			s++;
		be[k++] = (uint8_t)strtoul((char[3]){ s[0], s[1], 0 }, NULL, 16);
	}
	n = !base ? 16 : (be[0] || be[1]) ? 4 : 2;
	if (room < 1 + n)
		return 0;
	p[0] = (uint8_t)(n * 8);
	/* the base-UUID forms are the low 16/32 bits of the first group */
	for (size_t i = 0; i < n; i++)
		p[1 + i] = be[(base ? 4 : 16) - 1 - i];
	return 1 + n;
}

/* Objects of @kind under @parent in handle order: the next one after handle @after. */
static const struct bluez_obj *next_by_handle(struct gatt *g, enum bluez_kind kind,
					      const char *parent, int after)
{
	const struct bluez_obj *best = NULL;

	for (const struct bluez_obj *o = NULL; (o = bluez_next(g->bz, o, kind, parent));)
		if (obj_handle(o) > after && (!best || obj_handle(o) < obj_handle(best)))
			best = o;
	return best;
}

static void list_objects(struct conn *c, enum bluez_kind kind, const char *parent)
{
	uint8_t *b = c->res.buf;
	size_t len = 1; /* after the count */
	int after = -1, count = 0;
	const struct bluez_obj *o;

	while ((o = next_by_handle(c->g, kind, parent, after))) {
		size_t n = put_uuid(b + 1 + len, GATT_BUF_MAX - 1 - len, o->uuid);

		after = obj_handle(o);
		if (!n || (kind == BLUEZ_CHAR && len + n + 3 > GATT_BUF_MAX - 1))
			break;
		len += n;
		if (kind == BLUEZ_CHAR) {
			uint16_t h = value_handle(o);

			b[1 + len] = o->props;
			b[2 + len] = (uint8_t)h;
			b[3 + len] = (uint8_t)(h >> 8);
			len += 3;
		}
		count++;
	}
	b[0] = (uint8_t)len;
	b[1] = (uint8_t)count;
}

static const struct bluez_obj *find_service(struct conn *c, const char *uuid)
{
	for (const struct bluez_obj *o = NULL;
	     (o = bluez_next(c->g->bz, o, BLUEZ_SERVICE_OBJ, c->dev));)
		if (!strcmp(o->uuid, uuid))
			return o;
	return NULL;
}

/* The op's characteristics: by handle anywhere on the device, or by UUID in the service.
 * Returns how many (up to TARGETS_MAX), or a negative seed error. */
static int find_chars(struct conn *c, const struct bluez_obj *out[TARGETS_MAX])
{
	struct job *j = c->queue;
	const struct bluez_obj *svc = NULL;
	int n = 0;

	if (j->ctx.handle >= 0) {
		for (const struct bluez_obj *s = NULL;
		     (s = bluez_next(c->g->bz, s, BLUEZ_SERVICE_OBJ, c->dev));)
			for (const struct bluez_obj *o = NULL;
			     (o = bluez_next(c->g->bz, o, BLUEZ_CHAR, s->path));)
				if (value_handle(o) == j->ctx.handle ||
				    obj_handle(o) == j->ctx.handle) {
					out[0] = o;
					snprintf(j->chr, sizeof(j->chr), "%s", o->uuid);
					return 1;
				}
		return -GATT_ERR_NO_CHAR;
	}
	svc = find_service(c, j->svc);
	if (!svc)
		return -GATT_ERR_NO_SERVICE;
	for (const struct bluez_obj *o = NULL;
	     n < TARGETS_MAX && (o = bluez_next(c->g->bz, o, BLUEZ_CHAR, svc->path));)
		if (!strcmp(o->uuid, j->chr))
			out[n++] = o;
	return n ? n : -GATT_ERR_NO_CHAR;
}

void gatt__execute(struct conn *c)
{
	struct job *j = c->queue;
	const struct bluez_obj *chr[TARGETS_MAX];
	sd_bus_message *m = NULL;
	int n, r = 0, op = base_op(j);

	gatt__stop_timer(c);
	if (op == GATT_OP_PAIR) {
		gatt__pair_execute(c);
		return;
	}
	if (op == GATT_OP_SERVICES) {
		list_objects(c, BLUEZ_SERVICE_OBJ, c->dev);
		gatt__finish(c, GATT_OK);
		return;
	}
	if (op == GATT_OP_CHARS) {
		const struct bluez_obj *svc = find_service(c, j->svc);

		if (!svc) {
			gatt__finish(c, GATT_ERR_NO_SERVICE);
			return;
		}
		list_objects(c, BLUEZ_CHAR, svc->path);
		gatt__finish(c, GATT_OK);
		return;
	}
	n = find_chars(c, chr);
	if (n < 0) {
		gatt__finish(c, -n);
		return;
	}
	c->res.uuid16 = bluez_uuid16(chr[0]->uuid);
	c->res.handle = value_handle(chr[0]);
	c->state = CONN_CALLING;
	switch (op) {
	case GATT_OP_READ:
		if (!(chr[0]->props & BLUEZ_PROP_READ)) {
			gatt__finish(c, GATT_ERR_READ);
			return;
		}
		snprintf(c->read_path, sizeof(c->read_path), "%s", chr[0]->path);
		r = sd_bus_message_new_method_call(c->g->bus, &m, BLUEZ_SERVICE, chr[0]->path,
						   "org.bluez.GattCharacteristic1", "ReadValue");
		if (r >= 0)
			r = sd_bus_message_append(m, "a{sv}", 0);
		if (r >= 0)
			r = sd_bus_call_async(c->g->bus, &c->call, m, on_read_reply, c, 0);
		break;
	case GATT_OP_WRITE: {
		/* the seed: with response if asked and the characteristic can, else without */
		bool req = (chr[0]->props & BLUEZ_PROP_WRITE) &&
			   (j->ctx.response || !(chr[0]->props & BLUEZ_PROP_WRITE_NR));

		if (!(chr[0]->props & (BLUEZ_PROP_WRITE | BLUEZ_PROP_WRITE_NR))) {
			gatt__finish(c, GATT_ERR_NOT_WRITABLE);
			return;
		}
		r = sd_bus_message_new_method_call(c->g->bus, &m, BLUEZ_SERVICE, chr[0]->path,
						   "org.bluez.GattCharacteristic1", "WriteValue");
		if (r >= 0)
			r = sd_bus_message_append_array(m, 'y', j->ctx.buf + 1, j->ctx.buf[0]);
		if (r >= 0)
			r = sd_bus_message_append(m, "a{sv}", 1, "type", "s",
						  req ? "request" : "command");
		if (r >= 0)
			r = sd_bus_call_async(c->g->bus, &c->call, m, on_write_reply, c, 0);
		break;
	}
	case GATT_OP_SUBSCRIBE:
	case GATT_OP_UNSUBSCRIBE:
		j->n_targets = 0;
		for (int i = 0; i < n; i++) {
			if (op == GATT_OP_SUBSCRIBE &&
			    !(chr[i]->props & (BLUEZ_PROP_NOTIFY | BLUEZ_PROP_INDICATE)))
				continue;
			snprintf(j->targets[j->n_targets], BLUEZ_PATH_MAX, "%s", chr[i]->path);
			j->target_handle[j->n_targets++] = value_handle(chr[i]);
		}
		c->res.buf[0] = 0;
		notify_step(c);
		return;
	default:
		r = -EINVAL;
		break;
	}
	sd_bus_message_unref(m);
	if (r < 0) {
		log_warn("gatt: D-Bus call failed: %s", strerror(-r));
		gatt__finish(c, op == GATT_OP_WRITE ? GATT_ERR_WRITE : GATT_ERR_READ);
	}
}
