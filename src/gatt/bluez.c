/* SPDX-License-Identifier: MIT */
/* bluez.c — the org.bluez object tree, followed over D-Bus (see bluez.h). The paths and
 * properties are BlueZ's doc/org.bluez.{Adapter,Device,GattService,GattCharacteristic}.rst;
 * bluetoothd names GATT objects after their handles in hex (…/service0010/char0011). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gatt/bluez.h"
#include "gatt/mgmt_watch.h"
#include "util/log.h"

#define IFACE_ADAPTER "org.bluez.Adapter1"
#define IFACE_DEVICE "org.bluez.Device1"
#define IFACE_SERVICE "org.bluez.GattService1"
#define IFACE_CHAR "org.bluez.GattCharacteristic1"
#define BASE_UUID_TAIL "-0000-1000-8000-00805f9b34fb"

struct bluez {
	sd_bus *bus;
	struct bluez_events ev;
	void *data;
	char owner[64];     /* unique name of org.bluez's owner; "" = absent */
	bool loaded;
	unsigned int generation;
	struct bluez_obj *objs;
	sd_bus_slot *slots[5];
	sd_bus_slot *load_slot; /* GetNameOwner / GetManagedObjects in flight */
	sd_bus_slot *settle_slot; /* GetManagedObjects for devices that just resolved */
	bool settle_again;      /* another device resolved while that call was out */
};

static const struct {
	const char *name;
	enum bluez_kind kind;
} ifaces[] = {
	{ IFACE_ADAPTER, BLUEZ_ADAPTER },
	{ IFACE_DEVICE, BLUEZ_DEVICE },
	{ IFACE_SERVICE, BLUEZ_SERVICE_OBJ },
	{ IFACE_CHAR, BLUEZ_CHAR },
};

static const struct {
	const char *flag;
	uint8_t bit;
} flag_bits[] = {
	{ "broadcast", BLUEZ_PROP_BROADCAST },
	{ "read", BLUEZ_PROP_READ },
	{ "write-without-response", BLUEZ_PROP_WRITE_NR },
	{ "write", BLUEZ_PROP_WRITE },
	{ "notify", BLUEZ_PROP_NOTIFY },
	{ "indicate", BLUEZ_PROP_INDICATE },
	{ "authenticated-signed-writes", BLUEZ_PROP_SIGNED },
	{ "extended-properties", BLUEZ_PROP_EXT },
};

/* Device1.Disconnected's reason names (BlueZ 5.83): the kernel's mgmt reasons 0..5 */
static const char *const reasons[] = {
	"org.bluez.Reason.Unknown", "org.bluez.Reason.Timeout", "org.bluez.Reason.Local",
	"org.bluez.Reason.Remote", "org.bluez.Reason.Authentication", "org.bluez.Reason.Suspend",
};

int bluez_uuid_norm(const char *in, char out[BLUEZ_UUID_LEN])
{
	size_t n = strlen(in);

	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)in[i]) && !(n == 36 && in[i] == '-'))
			return -EINVAL;
	if (n == 4 || n == 8) {
		memcpy(out, "00000000" BASE_UUID_TAIL, BLUEZ_UUID_LEN);
		memcpy(out + 8 - n, in, n);
	} else if (n == 36 && in[8] == '-' && in[13] == '-' && in[18] == '-' && in[23] == '-') {
		memcpy(out, in, 37);
	} else {
		return -EINVAL;
	}
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

uint16_t bluez_uuid16(const char *uuid128)
{
	char d[5];

	memcpy(d, uuid128 + 4, 4);
	d[4] = '\0';
	return (uint16_t)strtoul(d, NULL, 16);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

/* ---- the object list ------------------------------------------------------------------ */

static struct bluez_obj *find(const struct bluez *b, const char *path)
{
	for (struct bluez_obj *o = b->objs; o; o = o->next)
		if (!strcmp(o->path, path))
			return o;
	return NULL;
}

const struct bluez_obj *bluez_find(const struct bluez *b, const char *path)
{
	return find(b, path);
}

static void parent_of(const char *path, char out[BLUEZ_PATH_MAX])
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (n >= BLUEZ_PATH_MAX)
		n = BLUEZ_PATH_MAX - 1;
	memcpy(out, path, n);
	out[n] = '\0';
}

static void drop_all(struct bluez *b)
{
	while (b->objs) {
		struct bluez_obj *o = b->objs;

		b->objs = o->next;
		free(o);
	}
}

/* Remove @o and what lives under its path (bluetoothd reports children too, but a
 * vanished device must not leave orphans if a signal was lost). */
static void remove_tree(struct bluez *b, const char *path)
{
	size_t n = strlen(path);

	for (struct bluez_obj **pp = &b->objs; *pp;) {
		struct bluez_obj *o = *pp;

		if (!strncmp(o->path, path, n) && (o->path[n] == '\0' || o->path[n] == '/')) {
			if (b->ev.removed)
				b->ev.removed(b->data, o);
			*pp = o->next;
			free(o);
		} else {
			pp = &o->next;
		}
	}
}

/* ---- properties --------------------------------------------------------------------- */

/* Read the variant at @m as a string of type @t ('s' or 'o'); 0, or <0 if it is not one. */
static int read_str_variant(sd_bus_message *m, char t, char *out, size_t size)
{
	const char *s;
	char sig[2] = { t, 0 };
	int r = sd_bus_message_read(m, "v", sig, &s);

	if (r >= 0)
		snprintf(out, size, "%s", s);
	return r;
}

static int read_flags(sd_bus_message *m, uint8_t *props)
{
	const char *f;
	int r = sd_bus_message_enter_container(m, 'v', "as");

	if (r < 0)
		return r;
	*props = 0;
	r = sd_bus_message_enter_container(m, 'a', "s");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_read(m, "s", &f)) > 0)
		for (size_t i = 0; i < sizeof(flag_bits) / sizeof(flag_bits[0]); i++)
			if (!strcmp(f, flag_bits[i].flag))
				*props |= flag_bits[i].bit;
	if (r < 0)
		return r;
	r = sd_bus_message_exit_container(m);
	return r < 0 ? r : sd_bus_message_exit_container(m);
}

/* What a set of properties carried besides the object's fields, borrowed from the message:
 * a characteristic's Value, a device's ServiceData (an advert). */
#define SVC_DATA_MAX 4
struct prop_out {
	const void *value;
	size_t vlen;
	unsigned int n_sd;
	struct {
		uint16_t uuid16;
		const void *data;
		size_t len;
	} sd[SVC_DATA_MAX];
};

/* Device1.ServiceData, a{sv} of UUID → ay: the 16-bit UUIDs' elements into @out (the first
 * SVC_DATA_MAX; an advert has one or two) */
static int read_service_data(sd_bus_message *m, struct prop_out *out)
{
	const char *uuid, *contents;
	char norm[BLUEZ_UUID_LEN];
	int r = sd_bus_message_enter_container(m, 'v', "a{sv}");

	if (r >= 0)
		r = sd_bus_message_enter_container(m, 'a', "{sv}");
	while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		if ((r = sd_bus_message_read(m, "s", &uuid)) < 0 ||
		    (r = sd_bus_message_peek_type(m, NULL, &contents)) < 0)
			return r;
		if (!strcmp(contents, "ay") && bluez_uuid_norm(uuid, norm) == 0 &&
		    !strncmp(norm, "0000", 4) && !strcmp(norm + 8, BASE_UUID_TAIL) &&
		    out->n_sd < SVC_DATA_MAX) {
			unsigned int i = out->n_sd++;

			out->sd[i].uuid16 = bluez_uuid16(norm);
			if ((r = sd_bus_message_enter_container(m, 'v', "ay")) < 0 ||
			    (r = sd_bus_message_read_array(m, 'y', &out->sd[i].data,
							   &out->sd[i].len)) < 0 ||
			    (r = sd_bus_message_exit_container(m)) < 0)
				return r;
		} else if ((r = sd_bus_message_skip(m, "v")) < 0) {
			return r;
		}
		r = sd_bus_message_exit_container(m);
	}
	if (r < 0)
		return r;
	r = sd_bus_message_exit_container(m);
	return r < 0 ? r : sd_bus_message_exit_container(m);
}

/* One property of @o; @m is at the variant. Unknown or mistyped ones are skipped. @out
 * (may be NULL) receives what is not kept in @o. */
static int apply_prop(struct bluez_obj *o, const char *key, sd_bus_message *m,
		      struct prop_out *out)
{
	const char *contents;
	char t, buf[BLUEZ_PATH_MAX];
	int r = sd_bus_message_peek_type(m, &t, &contents);

	if (r <= 0)
		return r < 0 ? r : -EBADMSG;
#define IS(k, sig) (!strcmp(key, k) && !strcmp(contents, sig))
	if (o->kind == BLUEZ_ADAPTER && IS("Powered", "b")) {
		int v;

		r = sd_bus_message_read(m, "v", "b", &v);
		o->powered = v;
		return r;
	}
	if (o->kind == BLUEZ_ADAPTER && IS("Version", "y"))
		return sd_bus_message_read(m, "v", "y", &o->version);
	if ((o->kind == BLUEZ_DEVICE || o->kind == BLUEZ_ADAPTER) && IS("Address", "s")) {
		r = read_str_variant(m, 's', buf, sizeof(buf));
		if (r >= 0 && parse_mac(buf, o->mac) < 0)
			log_debug("bluez: %s: bad Address %s", o->path, buf);
		return r;
	}
	if (o->kind == BLUEZ_DEVICE) {
		int v;

		if (IS("Paired", "b") || IS("Bonded", "b")) {
			r = sd_bus_message_read(m, "v", "b", &v);
			if (key[0] == 'P')
				o->paired = v;
			else
				o->bonded = v;
			return r;
		}
		if (IS("RSSI", "n"))
			return sd_bus_message_read(m, "v", "n", &o->rssi);
		if (IS("Name", "s"))
			return read_str_variant(m, 's', o->name, sizeof(o->name));
		if (IS("AddressType", "s")) {
			r = read_str_variant(m, 's', buf, sizeof(buf));
			o->random = r >= 0 && !strcmp(buf, "random");
			return r;
		}
		if (IS("Adapter", "o"))
			return read_str_variant(m, 'o', o->parent, sizeof(o->parent));
		if (IS("ServiceData", "a{sv}") && out)
			return read_service_data(m, out);
		if (IS("Connected", "b") || IS("ServicesResolved", "b")) {
			r = sd_bus_message_read(m, "v", "b", &v);
			if (key[0] == 'C') {
				o->connected_prop = v;
				/* bluetoothd 5.66 says Connected false before ServicesResolved
				 * false, in a signal of its own: the services went with the link */
				if (!v)
					o->resolved = false;
			} else {
				o->resolved = v;
			}
			o->connected = o->connected_prop || o->resolved;
			return r;
		}
	}
	if (o->kind == BLUEZ_SERVICE_OBJ || o->kind == BLUEZ_CHAR) {
		if (IS("UUID", "s")) {
			r = read_str_variant(m, 's', buf, sizeof(buf));
			if (r >= 0 && bluez_uuid_norm(buf, o->uuid) < 0)
				o->uuid[0] = '\0';
			return r;
		}
		if (IS("Handle", "q"))
			return sd_bus_message_read(m, "v", "q", &o->handle);
		if (o->kind == BLUEZ_SERVICE_OBJ && IS("Device", "o"))
			return read_str_variant(m, 'o', o->parent, sizeof(o->parent));
		if (o->kind == BLUEZ_CHAR && IS("Service", "o"))
			return read_str_variant(m, 'o', o->parent, sizeof(o->parent));
		if (o->kind == BLUEZ_CHAR && IS("MTU", "q"))
			return sd_bus_message_read(m, "v", "q", &o->mtu);
		if (o->kind == BLUEZ_CHAR && IS("Flags", "as"))
			return read_flags(m, &o->props);
		if (o->kind == BLUEZ_CHAR && IS("Value", "ay") && out) {
			r = sd_bus_message_enter_container(m, 'v', "ay");
			if (r >= 0)
				r = sd_bus_message_read_array(m, 'y', &out->value, &out->vlen);
			return r < 0 ? r : sd_bus_message_exit_container(m);
		}
	}
#undef IS
	return sd_bus_message_skip(m, "v");
}

/* The a{sv} at @m into @o. */
static int apply_props(struct bluez_obj *o, sd_bus_message *m, struct prop_out *out)
{
	const char *key;
	int r = sd_bus_message_enter_container(m, 'a', "{sv}");

	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		if ((r = sd_bus_message_read(m, "s", &key)) < 0)
			return r;
		if ((r = apply_prop(o, key, m, out)) < 0)
			return r;
		if ((r = sd_bus_message_exit_container(m)) < 0)
			return r;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

static void report_service_data(struct bluez *b, const struct bluez_obj *dev,
				const struct prop_out *out)
{
	for (unsigned int i = 0; i < out->n_sd && b->ev.service_data; i++)
		b->ev.service_data(b->data, dev, out->sd[i].uuid16, out->sd[i].data,
				   out->sd[i].len);
}

/* The a{sa{sv}} of one object at @m: the interfaces we know become an object. */
static int add_object(struct bluez *b, const char *path, sd_bus_message *m)
{
	const char *iface;
	int r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");

	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
		enum bluez_kind kind = 0;
		struct bluez_obj *o;

		if ((r = sd_bus_message_read(m, "s", &iface)) < 0)
			return r;
		for (size_t i = 0; i < sizeof(ifaces) / sizeof(ifaces[0]); i++)
			if (!strcmp(iface, ifaces[i].name))
				kind = ifaces[i].kind;
		if (!kind || strlen(path) >= BLUEZ_PATH_MAX) {
			r = sd_bus_message_skip(m, "a{sv}");
		} else {
			o = find(b, path);
			if (!o) {
				o = calloc(1, sizeof(*o));
				if (!o)
					return -ENOMEM;
				o->kind = kind;
				o->disc_reason = -1;
				snprintf(o->path, sizeof(o->path), "%s", path);
				parent_of(path, o->parent);
				/* appended: the list keeps bluetoothd's order */
				struct bluez_obj **pp = &b->objs;

				while (*pp)
					pp = &(*pp)->next;
				*pp = o;
			}
			struct prop_out out = { 0 };

			r = apply_props(o, m, &out);
			if (r >= 0 && kind == BLUEZ_DEVICE && b->loaded && b->ev.device)
				b->ev.device(b->data, o);
			/* a device met for the first time: its advert comes with it */
			if (r >= 0 && kind == BLUEZ_DEVICE && b->loaded)
				report_service_data(b, o, &out);
		}
		if (r < 0)
			return r;
		if ((r = sd_bus_message_exit_container(m)) < 0)
			return r;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

/* ---- signals and loading ----------------------------------------------------------- */

static bool from_owner(struct bluez *b, sd_bus_message *m)
{
	const char *s = sd_bus_message_get_sender(m);

	return b->owner[0] && s && !strcmp(s, b->owner);
}

static int on_added(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct bluez *b = data;
	const char *path;
	int r;

	(void)e;
	if (!from_owner(b, m) || !b->loaded)
		return 0;
	r = sd_bus_message_read(m, "o", &path);
	if (r >= 0)
		r = add_object(b, path, m);
	if (r < 0)
		log_debug("bluez: InterfacesAdded: %s", strerror(-r));
	return 0;
}

static int on_removed(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct bluez *b = data;
	const char *path, *iface;
	struct bluez_obj *o;
	int r;

	(void)e;
	if (!from_owner(b, m) || sd_bus_message_read(m, "o", &path) < 0)
		return 0;
	o = find(b, path);
	if (!o || sd_bus_message_enter_container(m, 'a', "s") < 0)
		return 0;
	while ((r = sd_bus_message_read(m, "s", &iface)) > 0)
		for (size_t i = 0; i < sizeof(ifaces) / sizeof(ifaces[0]); i++)
			if (!strcmp(iface, ifaces[i].name) && ifaces[i].kind == o->kind) {
				remove_tree(b, path);
				return 0;
			}
	return 0;
}

/* ---- settling: a device's services before its ServicesResolved ---------------------- */

/* bluetoothd 5.66 may send a device's ServicesResolved true before the InterfacesAdded of
 * its services (the device's changes and each new object's are flushed by separate idle
 * callbacks; seen on the real stack with a peer serving 180F), and an op run at once would
 * find no service. Its tree already holds them when it says resolved, so the device's event
 * waits for one GetManagedObjects, whose reply fills in what is under the device. */

static int settle(struct bluez *b);

static int on_settled(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct bluez *b = data;
	struct bluez_obj *o;
	const char *path;
	int r;

	(void)e;
	b->settle_slot = sd_bus_slot_unref(b->settle_slot);
	if (!sd_bus_message_is_method_error(m, NULL)) {
		r = sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}");
		while (r > 0 && (r = sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}")) > 0) {
			bool under = false;

			if ((r = sd_bus_message_read(m, "o", &path)) < 0)
				break;
			for (o = b->objs; o && !under; o = o->next) {
				size_t n = strlen(o->path);

				under = o->settling && !strncmp(path, o->path, n) && path[n] == '/';
			}
			r = under ? add_object(b, path, m) : sd_bus_message_skip(m, "a{sa{sv}}");
			if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0)
				break;
			r = 1;
		}
		if (r < 0)
			log_debug("bluez: GetManagedObjects after ServicesResolved: %s", strerror(-r));
	}
	if (b->settle_again && settle(b) == 0)
		return 0;
	/* one at a time, looking again after each: the event may change the list */
	for (;;) {
		for (o = b->objs; o && !o->settling; o = o->next)
			;
		if (!o)
			break;
		o->settling = false;
		if (b->ev.device)
			b->ev.device(b->data, o);
	}
	return 0;
}

/* 0: a GetManagedObjects is out (or will follow the one out) */
static int settle(struct bluez *b)
{
	int r;

	b->settle_again = false;
	if (b->settle_slot) {
		b->settle_again = true;
		return 0;
	}
	r = sd_bus_call_method_async(b->bus, &b->settle_slot, BLUEZ_SERVICE, "/",
				     "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
				     on_settled, b, "");
	return r < 0 ? r : 0;
}

static int on_props(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct bluez *b = data;
	const char *iface;
	struct bluez_obj *o;
	struct prop_out out = { 0 };
	bool was_conn, was_res;

	(void)e;
	if (!from_owner(b, m))
		return 0;
	o = find(b, sd_bus_message_get_path(m));
	if (!o || sd_bus_message_read(m, "s", &iface) < 0)
		return 0;
	was_conn = o->connected;
	was_res = o->resolved;
	if (apply_props(o, m, &out) < 0) {
		log_debug("bluez: PropertiesChanged on %s not understood", o->path);
		return 0;
	}
	if (o->kind == BLUEZ_CHAR && out.value && b->ev.value)
		b->ev.value(b->data, o, out.value, out.vlen);
	if (o->kind == BLUEZ_DEVICE)
		report_service_data(b, o, &out);
	/* o->connected counts resolved services as a link: bluetoothd 5.66 does not always
	 * say Connected (its device_add_connection() returns early for a link ATT brought up
	 * first), and then says only ServicesResolved false when the link goes */
	if (o->kind == BLUEZ_DEVICE && !was_res && o->resolved && settle(b) == 0) {
		o->settling = true; /* the event comes with the services (on_settled) */
		return 0;
	}
	if (o->kind == BLUEZ_DEVICE && !o->resolved)
		o->settling = false;
	if (o->kind == BLUEZ_DEVICE && !o->settling &&
	    (was_conn != o->connected || was_res != o->resolved) && b->ev.device)
		b->ev.device(b->data, o);
	return 0;
}

/* Device1.Disconnected(s reason, s message), BlueZ 5.83 and later: the reason comes before
 * Connected turns false, and is kept for that report. */
static int on_disconnected(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct bluez *b = data;
	struct bluez_obj *o;
	const char *reason;

	(void)e;
	if (!from_owner(b, m))
		return 0;
	o = find(b, sd_bus_message_get_path(m));
	if (!o || o->kind != BLUEZ_DEVICE || sd_bus_message_read(m, "s", &reason) < 0)
		return 0;
	o->disc_reason = 0x13;
	for (unsigned int i = 1; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (!strcmp(reason, reasons[i]))
			o->disc_reason = mgmt_watch_reason_hci(i);
	return 0;
}

static int on_objects(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct bluez *b = data;
	const char *path;
	int r;

	(void)e;
	b->load_slot = sd_bus_slot_unref(b->load_slot);
	if (sd_bus_message_is_method_error(m, NULL)) {
		log_notice("bluez: GetManagedObjects failed: %s",
			   sd_bus_message_get_error(m)->message);
		if (b->ev.absent)
			b->ev.absent(b->data);
		return 0;
	}
	drop_all(b);
	r = sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}");
	while (r > 0 && (r = sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}")) > 0) {
		if ((r = sd_bus_message_read(m, "o", &path)) < 0 ||
		    (r = add_object(b, path, m)) < 0 ||
		    (r = sd_bus_message_exit_container(m)) < 0)
			break;
		r = 1;
	}
	if (r < 0) {
		log_warn("bluez: bluetoothd's object list was not understood: %s", strerror(-r));
		drop_all(b);
		if (b->ev.absent)
			b->ev.absent(b->data);
		return 0;
	}
	b->loaded = true;
	b->generation++;
	log_info("bluez: bluetoothd is on the bus (%s)", b->owner);
	if (b->ev.presence)
		b->ev.presence(b->data, true);
	return 0;
}

static void load(struct bluez *b)
{
	int r;

	b->load_slot = sd_bus_slot_unref(b->load_slot);
	r = sd_bus_call_method_async(b->bus, &b->load_slot, BLUEZ_SERVICE, "/",
				     "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
				     on_objects, b, "");
	if (r < 0)
		log_warn("bluez: GetManagedObjects: %s", strerror(-r));
}

static void set_owner(struct bluez *b, const char *owner)
{
	bool was = b->loaded;

	if (!strcmp(owner, b->owner))
		return;
	b->loaded = false;
	b->load_slot = sd_bus_slot_unref(b->load_slot);
	b->settle_slot = sd_bus_slot_unref(b->settle_slot);
	b->settle_again = false;
	drop_all(b);
	snprintf(b->owner, sizeof(b->owner), "%s", owner);
	if (was) {
		log_notice("bluez: bluetoothd left the bus");
		if (b->ev.presence)
			b->ev.presence(b->data, false);
	}
	if (owner[0])
		load(b);
	else if (!was && b->ev.absent)
		b->ev.absent(b->data); /* it left before its tree was loaded */
}

static int on_owner_changed(sd_bus_message *m, void *data, sd_bus_error *e)
{
	const char *name, *old, *new;

	(void)e;
	if (sd_bus_message_read(m, "sss", &name, &old, &new) >= 0 && !strcmp(name, BLUEZ_SERVICE))
		set_owner(data, new);
	return 0;
}

static int on_name_owner(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct bluez *b = data;
	const char *owner;

	(void)e;
	b->load_slot = sd_bus_slot_unref(b->load_slot);
	if (sd_bus_message_is_method_error(m, NULL)) {
		log_info("bluez: bluetoothd is not on the bus (GATT commands wait for it)");
		if (b->ev.absent)
			b->ev.absent(b->data);
		return 0;
	}
	if (sd_bus_message_read(m, "s", &owner) >= 0)
		set_owner(b, owner);
	return 0;
}

int bluez_new(sd_bus *bus, const struct bluez_events *ev, void *data, struct bluez **out)
{
	struct bluez *b = calloc(1, sizeof(*b));
	int r;

	if (!b)
		return -ENOMEM;
	b->bus = sd_bus_ref(bus);
	if (ev)
		b->ev = *ev;
	b->data = data;
	/* no sender in the rules: sd-bus compares a sender rule against the unique name
	 * locally, so a well-known one would never match; from_owner() checks instead */
	r = sd_bus_match_signal(bus, &b->slots[0], "org.freedesktop.DBus",
				"/org/freedesktop/DBus", "org.freedesktop.DBus",
				"NameOwnerChanged", on_owner_changed, b);
	if (r >= 0)
		r = sd_bus_match_signal(bus, &b->slots[1], NULL, "/",
					"org.freedesktop.DBus.ObjectManager", "InterfacesAdded",
					on_added, b);
	if (r >= 0)
		r = sd_bus_match_signal(bus, &b->slots[2], NULL, "/",
					"org.freedesktop.DBus.ObjectManager",
					"InterfacesRemoved", on_removed, b);
	if (r >= 0)
		r = sd_bus_add_match(bus, &b->slots[3],
				     "type='signal',interface='org.freedesktop.DBus.Properties',"
				     "member='PropertiesChanged',path_namespace='/org/bluez'",
				     on_props, b);
	if (r >= 0)
		r = sd_bus_add_match(bus, &b->slots[4],
				     "type='signal',interface='" IFACE_DEVICE "',"
				     "member='Disconnected',path_namespace='/org/bluez'",
				     on_disconnected, b);
	if (r >= 0)
		r = sd_bus_call_method_async(bus, &b->load_slot, "org.freedesktop.DBus",
					     "/org/freedesktop/DBus", "org.freedesktop.DBus",
					     "GetNameOwner", on_name_owner, b, "s", BLUEZ_SERVICE);
	if (r < 0) {
		bluez_free(b);
		return r;
	}
	*out = b;
	return 0;
}

void bluez_free(struct bluez *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < sizeof(b->slots) / sizeof(b->slots[0]); i++)
		sd_bus_slot_unref(b->slots[i]);
	sd_bus_slot_unref(b->load_slot);
	sd_bus_slot_unref(b->settle_slot);
	drop_all(b);
	sd_bus_unref(b->bus);
	free(b);
}

bool bluez_present(const struct bluez *b)
{
	return b && b->loaded;
}

bool bluez_loading(const struct bluez *b)
{
	return b && !b->loaded && b->load_slot;
}

unsigned int bluez_generation(const struct bluez *b)
{
	return b->generation;
}

const struct bluez_obj *bluez_next(const struct bluez *b, const struct bluez_obj *prev,
				   enum bluez_kind kind, const char *parent)
{
	for (const struct bluez_obj *o = prev ? prev->next : b->objs; o; o = o->next)
		if (o->kind == kind && (!parent || !strcmp(o->parent, parent)))
			return o;
	return NULL;
}

const struct bluez_obj *bluez_adapter(const struct bluez *b, const char *name)
{
	for (const struct bluez_obj *o = NULL; (o = bluez_next(b, o, BLUEZ_ADAPTER, NULL));) {
		const char *last = strrchr(o->path, '/');

		if (name ? (last && !strcmp(last + 1, name)) : o->powered)
			return o;
	}
	return NULL;
}

const struct bluez_obj *bluez_device(const struct bluez *b, const char *adapter,
				     const uint8_t mac[6])
{
	for (const struct bluez_obj *o = NULL; (o = bluez_next(b, o, BLUEZ_DEVICE, adapter));)
		if (!memcmp(o->mac, mac, 6))
			return o;
	return NULL;
}
