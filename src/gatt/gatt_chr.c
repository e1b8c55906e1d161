/* SPDX-License-Identifier: MIT */
/* gatt_chr.c — the GATT application's objects as bluetoothd sees them
 * (doc/org.bluez.GattService.rst, GattCharacteristic.rst, server side): the properties of a
 * service and a characteristic, with the Handle bluetoothd writes back, and the calls it
 * makes for a central (ReadValue, WriteValue, StartNotify, StopNotify, Confirm), which
 * become events 221-226 (gatt_server.c delivers them). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gatt/gatt_int.h"
#include "gatt/server_int.h"

#define IFACE_SVC "org.bluez.GattService1"
#define IFACE_CHR "org.bluez.GattCharacteristic1"

/* The seed's (NimBLE's BLE_GATT_CHR_F_*) property bits → BlueZ's flag strings
 * (/work/shared/notes/bluez-gatt-lua.md §2.1); BlueZ has one "authorize" for both. */
static const struct {
	uint16_t bit;
	const char *flag;
} chr_flags[] = {
	{ GATT_CHR_F_BROADCAST, "broadcast" },
	{ GATT_CHR_F_READ, "read" },
	{ GATT_CHR_F_WRITE_NO_RSP, "write-without-response" },
	{ GATT_CHR_F_WRITE, "write" },
	{ GATT_CHR_F_NOTIFY, "notify" },
	{ GATT_CHR_F_INDICATE, "indicate" },
	{ GATT_CHR_F_AUTH_SIGN_WRITE, "authenticated-signed-writes" },
	{ GATT_CHR_F_RELIABLE_WRITE, "reliable-write" },
	{ GATT_CHR_F_AUX_WRITE, "writable-auxiliaries" },
	{ GATT_CHR_F_READ_ENC, "encrypt-read" },
	{ GATT_CHR_F_READ_AUTHEN, "encrypt-authenticated-read" },
	{ GATT_CHR_F_READ_AUTHOR, "authorize" },
	{ GATT_CHR_F_WRITE_ENC, "encrypt-write" },
	{ GATT_CHR_F_WRITE_AUTHEN, "encrypt-authenticated-write" },
};

/* ---- the characteristic and service objects ----------------------------------------- */

static int get_uuid(sd_bus *bus, const char *path, const char *iface, const char *prop,
		    sd_bus_message *reply, void *data, sd_bus_error *e)
{
	(void)bus, (void)path, (void)iface, (void)prop, (void)e;
	/* struct srv_chr and struct srv_svc both start with next, then path and uuid … but not
	 * at the same offsets: look at the interface */
	if (!strcmp(iface, IFACE_CHR))
		return sd_bus_message_append(reply, "s", ((struct srv_chr *)data)->uuid);
	return sd_bus_message_append(reply, "s", ((struct srv_svc *)data)->uuid);
}

static int get_handle(sd_bus *bus, const char *path, const char *iface, const char *prop,
		      sd_bus_message *reply, void *data, sd_bus_error *e)
{
	(void)bus, (void)path, (void)prop, (void)e;
	if (!strcmp(iface, IFACE_CHR))
		return sd_bus_message_append(reply, "q", ((struct srv_chr *)data)->handle);
	return sd_bus_message_append(reply, "q", ((struct srv_svc *)data)->handle);
}

/* bluetoothd writes the handles it allocated back (src/gatt-database.c write_handle()) */
static int set_handle(sd_bus *bus, const char *path, const char *iface, const char *prop,
		      sd_bus_message *value, void *data, sd_bus_error *e)
{
	uint16_t h;
	int r = sd_bus_message_read(value, "q", &h);

	(void)bus, (void)path, (void)prop, (void)e;
	if (r < 0)
		return r;
	if (!strcmp(iface, IFACE_CHR))
		((struct srv_chr *)data)->handle = h;
	else
		((struct srv_svc *)data)->handle = h;
	return 0;
}

static int get_primary(sd_bus *bus, const char *path, const char *iface, const char *prop,
		       sd_bus_message *reply, void *data, sd_bus_error *e)
{
	(void)bus, (void)path, (void)iface, (void)prop, (void)data, (void)e;
	return sd_bus_message_append(reply, "b", 1);
}

static int get_service(sd_bus *bus, const char *path, const char *iface, const char *prop,
		       sd_bus_message *reply, void *data, sd_bus_error *e)
{
	(void)bus, (void)path, (void)iface, (void)prop, (void)e;
	return sd_bus_message_append(reply, "o", ((struct srv_chr *)data)->svc->path);
}

static int get_flags(sd_bus *bus, const char *path, const char *iface, const char *prop,
		     sd_bus_message *reply, void *data, sd_bus_error *e)
{
	struct srv_chr *c = data;
	bool authorize = false;
	int r = sd_bus_message_open_container(reply, 'a', "s");

	(void)bus, (void)path, (void)iface, (void)prop, (void)e;
	for (size_t i = 0; r >= 0 && i < sizeof(chr_flags) / sizeof(chr_flags[0]); i++) {
		if (!(c->props & chr_flags[i].bit))
			continue;
		r = sd_bus_message_append(reply, "s", chr_flags[i].flag);
		authorize |= chr_flags[i].bit == GATT_CHR_F_READ_AUTHOR;
	}
	if (r >= 0 && (c->props & GATT_CHR_F_WRITE_AUTHOR) && !authorize)
		r = sd_bus_message_append(reply, "s", "authorize");
	return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int get_value(sd_bus *bus, const char *path, const char *iface, const char *prop,
		     sd_bus_message *reply, void *data, sd_bus_error *e)
{
	struct srv_chr *c = data;

	(void)bus, (void)path, (void)iface, (void)prop, (void)e;
	return sd_bus_message_append_array(reply, 'y', c->value, c->len);
}

static int get_notifying(sd_bus *bus, const char *path, const char *iface, const char *prop,
			 sd_bus_message *reply, void *data, sd_bus_error *e)
{
	(void)bus, (void)path, (void)iface, (void)prop, (void)e;
	return sd_bus_message_append(reply, "b", ((struct srv_chr *)data)->notifying);
}

/* The central's address from the "device" option of ReadValue/WriteValue (its object path
 * …/dev_AA_BB_CC_DD_EE_FF), into @mac (display order); zeros when absent. */
static void opt_device(sd_bus_message *m, uint8_t mac[6], uint16_t *offset)
{
	const char *key, *path;

	memset(mac, 0, 6);
	if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
		return;
	while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
		if (sd_bus_message_read(m, "s", &key) < 0)
			return;
		if (!strcmp(key, "device") && sd_bus_message_read(m, "v", "o", &path) >= 0) {
			const char *d = strstr(path, "/dev_");
			unsigned int b[6];

			if (d && sscanf(d + 5, "%2x_%2x_%2x_%2x_%2x_%2x", &b[0], &b[1], &b[2],
					&b[3], &b[4], &b[5]) == 6)
				for (int i = 0; i < 6; i++)
					mac[i] = (uint8_t)b[i];
		} else if (!strcmp(key, "offset") && offset &&
			   sd_bus_message_read(m, "v", "q", offset) >= 0) {
			/* read */
		} else if (sd_bus_message_skip(m, "v") < 0) {
			return;
		}
		if (sd_bus_message_exit_container(m) < 0)
			return;
	}
	sd_bus_message_exit_container(m);
}

static void event_from(struct gatt_server *s, int op, const struct srv_chr *c,
		       const uint8_t mac[6], const uint8_t *data, size_t len)
{
	srv__event(s, op, GATT_OK, c, data, len);
	/* the central who did it, as the client's results carry the peer */
	if (s->evq) {
		struct srv_ev *last = s->evq;

		while (last->next)
			last = last->next;
		if (last->r.op == op)
			memcpy(last->r.mac, mac, 6);
	}
}

static int chr_read(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct srv_chr *c = data;
	uint8_t mac[6];
	uint16_t off = 0;

	(void)e;
	opt_device(m, mac, &off);
	if (off > c->len)
		return sd_bus_reply_method_errorf(m, "org.bluez.Error.InvalidOffset",
						  "offset %u past the value's %u bytes", off,
						  c->len);
	event_from(c->s, GATT_EV_READ, c, mac, NULL, 0);
	{
		sd_bus_message *reply = NULL;
		int r = sd_bus_message_new_method_return(m, &reply);

		if (r >= 0)
			r = sd_bus_message_append_array(reply, 'y', c->value + off, c->len - off);
		if (r >= 0)
			r = sd_bus_send(NULL, reply, NULL);
		sd_bus_message_unref(reply);
		return r;
	}
}

static int chr_write(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct srv_chr *c = data;
	const void *v;
	size_t len;
	uint8_t mac[6];
	uint16_t off = 0;
	int r = sd_bus_message_read_array(m, 'y', &v, &len);

	(void)e;
	if (r < 0)
		return r;
	opt_device(m, mac, &off);
	if ((size_t)off + len > sizeof(c->value))
		return sd_bus_reply_method_errorf(m, "org.bluez.Error.InvalidValueLength",
						  "at most %zu bytes", sizeof(c->value));
	/* the written value becomes the characteristic's, as NimBLE's does */
	memcpy(c->value + off, v, len);
	c->len = (uint8_t)(off + len);
	event_from(c->s, GATT_EV_WRITTEN, c, mac, v, len);
	return sd_bus_reply_method_return(m, "");
}

/* bluetoothd calls StartNotify for the first central that enables the CCCD and StopNotify
 * when the last one leaves; it does not say whether notify or indicate was asked: 224 for
 * notify-only, 225 for indicate-only, 226 when both are offered (README). */
static int chr_start(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct srv_chr *c = data;
	bool n = c->props & GATT_CHR_F_NOTIFY, i = c->props & GATT_CHR_F_INDICATE;

	(void)e;
	c->notifying = true;
	sd_bus_emit_properties_changed(sd_bus_message_get_bus(m), c->path, IFACE_CHR,
				       "Notifying", NULL);
	srv__event(c->s, n && i ? GATT_EV_SUB_BOTH : i ? GATT_EV_SUB_INDICATE
						       : GATT_EV_SUB_NOTIFY, GATT_OK, c, NULL, 0);
	return sd_bus_reply_method_return(m, "");
}

static int chr_stop(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct srv_chr *c = data;

	(void)e;
	c->notifying = false;
	sd_bus_emit_properties_changed(sd_bus_message_get_bus(m), c->path, IFACE_CHR,
				       "Notifying", NULL);
	srv__event(c->s, GATT_EV_UNSUBSCRIBED, GATT_OK, c, NULL, 0);
	return sd_bus_reply_method_return(m, "");
}

static int chr_confirm(sd_bus_message *m, void *data, sd_bus_error *e)
{
	(void)data, (void)e;
	return sd_bus_reply_method_return(m, "");
}

const sd_bus_vtable srv__svc_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("UUID", "s", get_uuid, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Primary", "b", get_primary, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_WRITABLE_PROPERTY("Handle", "q", get_handle, set_handle, 0,
				 SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_VTABLE_END,
};

const sd_bus_vtable srv__chr_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("UUID", "s", get_uuid, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Service", "o", get_service, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Flags", "as", get_flags, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Value", "ay", get_value, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Notifying", "b", get_notifying, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_WRITABLE_PROPERTY("Handle", "q", get_handle, set_handle, 0,
				 SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_METHOD("ReadValue", "a{sv}", "ay", chr_read, 0),
	SD_BUS_METHOD("WriteValue", "aya{sv}", "", chr_write, 0),
	SD_BUS_METHOD("StartNotify", "", "", chr_start, 0),
	SD_BUS_METHOD("StopNotify", "", "", chr_stop, 0),
	SD_BUS_METHOD("Confirm", "", "", chr_confirm, 0),
	SD_BUS_VTABLE_END,
};
