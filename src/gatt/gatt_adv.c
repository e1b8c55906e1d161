/* SPDX-License-Identifier: MIT */
/* gatt_adv.c — the advertisement of ops 201/202/232 as bluetoothd's LEAdvertisement1
 * object (doc/org.bluez.LEAdvertisement.rst), registered with
 * LEAdvertisingManager1.RegisterAdvertisement. Its properties exist only when the data has
 * them (an empty LocalName or Appearance would still be advertised), so the object answers
 * org.freedesktop.DBus.Properties itself instead of through a fixed sd-bus vtable. A change
 * is a new registration: bluetoothd 5.66 re-reads only some properties live, and a new
 * registration is a new advertising instance, which also restarts advertising after a
 * central disconnected. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "decode/ad.h"
#include "gatt/gatt_int.h"
#include "gatt/server_int.h"
#include "util/log.h"

#define IFACE_ADV "org.bluez.LEAdvertisement1"
#define IFACE_ADV_MGR "org.bluez.LEAdvertisingManager1"
#define IFACE_PROPS "org.freedesktop.DBus.Properties"

bool srv__adv_connectable(const struct gatt_server *s)
{
	return s->mode >= 0 ? s->mode == 2 : s->n_svcs > 0;
}

/* Does @data have an element of @class? */
static bool has(const uint8_t *data, size_t len, int class)
{
	struct ad_iter it;
	struct ad_elem e;

	ad_iter_init(&it, data, len);
	while (ad_next(&it, &e))
		if (adv_data_class(e.type, e.len) == class)
			return true;
	return false;
}

static int append_uuids(sd_bus_message *m, const uint8_t *data, size_t len, int class)
{
	struct ad_iter it;
	struct ad_elem e;
	char u[37];
	int r = sd_bus_message_open_container(m, 'a', "s");

	ad_iter_init(&it, data, len);
	while (r >= 0 && ad_next(&it, &e)) {
		unsigned int step = adv_data_uuid_bits(e.type) / 8;

		if (adv_data_class(e.type, e.len) != class)
			continue;
		for (unsigned int i = 0; r >= 0 && i + step <= e.len; i += step)
			r = sd_bus_message_append(m, "s",
						  adv_data_uuid_str(e.data + i, step * 8, u));
	}
	return r < 0 ? r : sd_bus_message_close_container(m);
}

static int append_bytes_variant(sd_bus_message *m, const uint8_t *p, size_t n)
{
	int r = sd_bus_message_open_container(m, 'v', "ay");

	if (r >= 0)
		r = sd_bus_message_append_array(m, 'y', p, n);
	return r < 0 ? r : sd_bus_message_close_container(m);
}

/* ServiceData a{sv}, ManufacturerData a{qv} or Data a{yv} of the elements of @class */
static int append_dict(sd_bus_message *m, const uint8_t *data, size_t len, int class)
{
	const char *sig = class == ADV_DATA_SVC_DATA ? "{sv}" : class == ADV_DATA_MFR ? "{qv}"
											  : "{yv}";
	char entry[3] = { sig[1], 'v', '\0' };
	struct ad_iter it;
	struct ad_elem e;
	char u[37];
	int r = sd_bus_message_open_container(m, 'a', sig);

	ad_iter_init(&it, data, len);
	while (r >= 0 && ad_next(&it, &e)) {
		unsigned int ub = adv_data_uuid_bits(e.type) / 8;

		if (adv_data_class(e.type, e.len) != class)
			continue;
		r = sd_bus_message_open_container(m, 'e', entry);
		if (r < 0)
			break;
		if (class == ADV_DATA_SVC_DATA) {
			r = sd_bus_message_append(m, "s", adv_data_uuid_str(e.data, ub * 8, u));
			if (r >= 0)
				r = append_bytes_variant(m, e.data + ub, e.len - ub);
		} else if (class == ADV_DATA_MFR) {
			r = sd_bus_message_append(m, "q", (uint16_t)(e.data[0] | e.data[1] << 8));
			if (r >= 0)
				r = append_bytes_variant(m, e.data + 2, e.len - 2u);
		} else {
			r = sd_bus_message_append(m, "y", e.type);
			if (r >= 0)
				r = append_bytes_variant(m, e.data, e.len);
		}
		if (r >= 0)
			r = sd_bus_message_close_container(m);
	}
	return r < 0 ? r : sd_bus_message_close_container(m);
}

/* The first element of @class: its data, or NULL */
static const uint8_t *first(const uint8_t *data, size_t len, int class, uint8_t *n)
{
	struct ad_iter it;
	struct ad_elem e;

	ad_iter_init(&it, data, len);
	while (ad_next(&it, &e))
		if (adv_data_class(e.type, e.len) == class) {
			*n = e.len;
			return e.data;
		}
	return NULL;
}

static int open_prop(sd_bus_message *m, const char *key, const char *sig, bool bare)
{
	int r;

	if (!bare && ((r = sd_bus_message_open_container(m, 'e', "sv")) < 0 ||
		      (r = sd_bus_message_append(m, "s", key)) < 0))
		return r;
	return sd_bus_message_open_container(m, 'v', sig);
}

static int close_prop(sd_bus_message *m, bool bare)
{
	int r = sd_bus_message_close_container(m);

	return r < 0 || bare ? r : sd_bus_message_close_container(m);
}

/* One property @name (NULL: every one that is present) as dict entries, or with @bare the
 * variant alone (Properties.Get). Returns >0 when written, 0 when absent, <0 on error. */
static int append_props(struct gatt_server *s, sd_bus_message *m, const char *name, bool bare)
{
	static const struct {
		const char *name;
		int class;
		bool scan;
	} lists[] = {
		{ "ServiceUUIDs", ADV_DATA_UUIDS, false },
		{ "SolicitUUIDs", ADV_DATA_SOLICIT, false },
		{ "ServiceData", ADV_DATA_SVC_DATA, false },
		{ "ManufacturerData", ADV_DATA_MFR, false },
		{ "Data", ADV_DATA_RAW, false },
		/* BlueZ >= 5.80 (README); older ones ignore properties they do not know */
		{ "ScanResponseServiceUUIDs", ADV_DATA_UUIDS, true },
		{ "ScanResponseSolicitUUIDs", ADV_DATA_SOLICIT, true },
		{ "ScanResponseServiceData", ADV_DATA_SVC_DATA, true },
		{ "ScanResponseManufacturerData", ADV_DATA_MFR, true },
		{ "ScanResponseData", ADV_DATA_RAW, true },
	};
	int r = 0, n = 0;
	uint8_t nl = 0;
	const uint8_t *nm;
	char local[GATT_BUF_MAX];

#define WANT(k) (!name || !strcmp(name, k))
#define OPEN(k, sig) open_prop(m, k, sig, bare)
#define CLOSE() close_prop(m, bare)

	if (WANT("Type")) {
		if ((r = OPEN("Type", "s")) < 0 ||
		    (r = sd_bus_message_append(m, "s", srv__adv_connectable(s) ? "peripheral"
									       : "broadcast")) < 0 ||
		    (r = CLOSE()) < 0)
			return r;
		n++;
	}
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		const uint8_t *d = lists[i].scan ? s->scan : s->adv;
		size_t len = lists[i].scan ? s->scan_len : s->adv_len;
		const char *sig = lists[i].class == ADV_DATA_SVC_DATA ? "a{sv}"
				  : lists[i].class == ADV_DATA_MFR   ? "a{qv}"
				  : lists[i].class == ADV_DATA_RAW   ? "a{yv}"
								     : "as";

		if (!WANT(lists[i].name) || !has(d, len, lists[i].class))
			continue;
		if ((r = OPEN(lists[i].name, sig)) < 0)
			return r;
		r = sig[1] == 's' ? append_uuids(m, d, len, lists[i].class)
				  : append_dict(m, d, len, lists[i].class);
		if (r < 0 || (r = CLOSE()) < 0)
			return r;
		n++;
	}
	/* a name from 201, else from 202: bluetoothd puts LocalName into the scan response
	 * of a legacy advertisement by itself (src/advertising.c generate_scan_rsp()) */
	nm = first(s->adv, s->adv_len, ADV_DATA_NAME, &nl);
	if (!nm)
		nm = first(s->scan, s->scan_len, ADV_DATA_NAME, &nl);
	if (nm && WANT("LocalName")) {
		memcpy(local, nm, nl);
		local[nl] = '\0';
		if ((r = OPEN("LocalName", "s")) < 0 || (r = sd_bus_message_append(m, "s", local)) < 0 ||
		    (r = CLOSE()) < 0)
			return r;
		n++;
	}
	nm = first(s->adv, s->adv_len, ADV_DATA_APPEARANCE, &nl);
	if (nm && WANT("Appearance")) {
		if ((r = OPEN("Appearance", "q")) < 0 ||
		    (r = sd_bus_message_append(m, "q", (uint16_t)(nm[0] | nm[1] << 8))) < 0 ||
		    (r = CLOSE()) < 0)
			return r;
		n++;
	}
	if (has(s->adv, s->adv_len, ADV_DATA_TX_POWER) && WANT("Includes")) {
		if ((r = OPEN("Includes", "as")) < 0 ||
		    (r = sd_bus_message_append(m, "as", 1, "tx-power")) < 0 || (r = CLOSE()) < 0)
			return r;
		n++;
	}
	if (s->min_ms && WANT("MinInterval")) {
		if ((r = OPEN("MinInterval", "u")) < 0 ||
		    (r = sd_bus_message_append(m, "u", s->min_ms)) < 0 || (r = CLOSE()) < 0)
			return r;
		n++;
	}
	if (s->max_ms && WANT("MaxInterval")) {
		if ((r = OPEN("MaxInterval", "u")) < 0 ||
		    (r = sd_bus_message_append(m, "u", s->max_ms)) < 0 || (r = CLOSE()) < 0)
			return r;
		n++;
	}
	if (s->tx_power != GATT_SRV_NO_TX && WANT("TxPower")) {
		if ((r = OPEN("TxPower", "n")) < 0 ||
		    (r = sd_bus_message_append(m, "n", (int16_t)s->tx_power)) < 0 ||
		    (r = CLOSE()) < 0)
			return r;
		n++;
	}
#undef WANT
#undef OPEN
#undef CLOSE
	return n;
}

/* Every call on the advertisement's path: Properties.GetAll/Get and Release. Returning 0
 * lets sd-bus answer anything else (Introspect, UnknownMethod). */
static int on_adv_call(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct gatt_server *s = data;
	sd_bus_message *reply = NULL;
	const char *iface, *name = NULL;
	int r;

	(void)e;
	if (sd_bus_message_is_method_call(m, IFACE_ADV, "Release")) {
		if (s->adv_reg == SRV_REG_ON) {
			log_notice("gatt server: bluetoothd released our advertisement (adapter "
				   "off or gone); registering it again when it can");
			s->adv_reg = SRV_REG_OFF;
			srv__kick(s);
		}
		return sd_bus_reply_method_return(m, "");
	}
	if (sd_bus_message_is_method_call(m, IFACE_PROPS, "GetAll"))
		r = sd_bus_message_read(m, "s", &iface);
	else if (sd_bus_message_is_method_call(m, IFACE_PROPS, "Get"))
		r = sd_bus_message_read(m, "ss", &iface, &name);
	else
		return 0;
	if (r < 0)
		return r;
	if (strcmp(iface, IFACE_ADV))
		return name ? sd_bus_reply_method_errorf(m, SD_BUS_ERROR_UNKNOWN_INTERFACE,
							 "no interface %s", iface)
			    : sd_bus_reply_method_return(m, "a{sv}", 0);
	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0 && !name)
		r = sd_bus_message_open_container(reply, 'a', "{sv}");
	if (r >= 0)
		r = append_props(s, reply, name, name != NULL);
	if (r == 0 && name) {
		sd_bus_message_unref(reply);
		return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_UNKNOWN_PROPERTY,
						  "%s is not set", name);
	}
	if (r >= 0 && !name)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	sd_bus_message_unref(reply);
	return r < 0 ? r : 1;
}

int srv__adv_export(struct gatt_server *s)
{
	int r = sd_bus_add_object(s->bus, &s->adv_obj, SRV_ADV_PATH, on_adv_call, s);

	return r < 0 ? r : srv__watch_paired(s);
}

static int on_register(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct gatt_server *s = data;

	(void)e;
	s->adv_call = sd_bus_slot_unref(s->adv_call);
	if (sd_bus_message_is_method_error(m, NULL)) {
		const sd_bus_error *err = sd_bus_message_get_error(m);
		uint8_t b[4];
		int code = srv__errno(err->name);

		log_notice("gatt server: bluetoothd refused our advertisement: %s: %s (too long "
			   "for %s advertising, no instance left, or the adapter is off)",
			   err->name, err->message ? err->message : "",
			   srv__adv_connectable(s) ? "connectable" : "broadcast");
		s->adv_reg = SRV_REG_OFF;
		memcpy(b, &(uint32_t){ (uint32_t)code }, 4);
		srv__event(s, GATT_EV_STATUS, GATT_OK, NULL, b, 4);
		srv__settle(s, GATT_ERR_WRITE);
		/* no LEAdvertisingManager1 yet: a bluetoothd just restarted exports the adapter
		 * before it has read the controller's advertising features (seen on the real
		 * stack); a refusal of the advertisement itself is not tried again */
		if (code == -ENOSYS)
			srv__retry_later(s);
		return 0;
	}
	s->adv_reg = SRV_REG_ON;
	log_info("gatt server: advertising on %s (%s, %u bytes of data%s)", s->adv_adapter,
		 srv__adv_connectable(s) ? "connectable" : "broadcast", s->adv_len,
		 s->scan_len ? ", a scan response" : "");
	srv__kick(s);
	return 0;
}

void srv__adv_register(struct gatt_server *s)
{
	const char *adapter = srv__adapter(s);
	int r = -ENODEV;

	if (adapter) {
		snprintf(s->adv_adapter, sizeof(s->adv_adapter), "%s", adapter);
		r = sd_bus_call_method_async(s->bus, &s->adv_call, BLUEZ_SERVICE, adapter,
					     IFACE_ADV_MGR, "RegisterAdvertisement", on_register, s,
					     "oa{sv}", SRV_ADV_PATH, 0);
	}
	if (r < 0) {
		log_warn("gatt server: RegisterAdvertisement: %s", strerror(-r));
		srv__settle(s, GATT_ERR_WRITE);
		return;
	}
	s->adv_reg = SRV_REG_CALLING;
	s->adv_dirty = false; /* what changes from now on needs one more registration */
}

static int on_unregister(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct gatt_server *s = data;

	(void)m, (void)e;
	/* an error (DoesNotExist) means bluetoothd had dropped it already: off either way */
	s->adv_call = sd_bus_slot_unref(s->adv_call);
	s->adv_reg = SRV_REG_OFF;
	srv__kick(s);
	return 0;
}

void srv__adv_unregister(struct gatt_server *s)
{
	if (sd_bus_call_method_async(s->bus, &s->adv_call, BLUEZ_SERVICE, s->adv_adapter,
				     IFACE_ADV_MGR, "UnregisterAdvertisement", on_unregister, s,
				     "o", SRV_ADV_PATH) >= 0) {
		s->adv_reg = SRV_REG_DROPPING;
		return;
	}
	s->adv_reg = SRV_REG_OFF;
	srv__adv_register(s);
}
