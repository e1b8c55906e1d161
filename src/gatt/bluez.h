/* SPDX-License-Identifier: MIT */
/* bluez.h — a client of bluetoothd's object tree (org.bluez on the system bus): adapters,
 * devices, GATT services and characteristics as bluetoothd exports them, loaded with one
 * GetManagedObjects and kept current from InterfacesAdded/Removed and PropertiesChanged.
 * bluetoothd leaving the bus and coming back (a restart) is followed through
 * NameOwnerChanged: the tree is dropped and loaded again. Signals count only when they come
 * from the current owner of org.bluez. Single-threaded, on the bus's sd-event loop. */
#ifndef MI32_BLUEZ_H
#define MI32_BLUEZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

struct bluez;

#define BLUEZ_SERVICE "org.bluez"
#define BLUEZ_PATH_MAX 96
#define BLUEZ_UUID_LEN 37 /* "0000180f-0000-1000-8000-00805f9b34fb" + NUL */

enum bluez_kind {
	BLUEZ_ADAPTER = 1,
	BLUEZ_DEVICE,
	BLUEZ_SERVICE_OBJ,
	BLUEZ_CHAR,
};

/* Core "characteristic properties" bits, rebuilt from GattCharacteristic1.Flags */
#define BLUEZ_PROP_BROADCAST 0x01
#define BLUEZ_PROP_READ 0x02
#define BLUEZ_PROP_WRITE_NR 0x04
#define BLUEZ_PROP_WRITE 0x08
#define BLUEZ_PROP_NOTIFY 0x10
#define BLUEZ_PROP_INDICATE 0x20
#define BLUEZ_PROP_SIGNED 0x40
#define BLUEZ_PROP_EXT 0x80

/* One object as bluetoothd exports it; read only for callers, valid until the next event. */
struct bluez_obj {
	enum bluez_kind kind;
	char path[BLUEZ_PATH_MAX];
	char parent[BLUEZ_PATH_MAX]; /* device: adapter; service: device; char: service */
	/* adapter */
	bool powered;
	uint8_t version;             /* Version: the controller's HCI version (6 = 4.0 … 9 = 5.0,
				      * 12 = 5.3); BlueZ >= 5.71, 0 = not said */
	/* device (and the adapter's own address) */
	uint8_t mac[6];              /* display order */
	bool paired, bonded;         /* Paired; Bonded (BlueZ >= 5.69: keys stored) */
	int16_t rssi;                /* RSSI of the last advert bluetoothd saw, 0 = none */
	char name[64];               /* Name: its GAP name (adverts, or read over GATT), "" = none */
	bool random;                 /* AddressType "random" */
	bool connected;              /* the link is up: Connected, or ServicesResolved */
	bool resolved;               /* ServicesResolved */
	bool connected_prop;         /* Connected as bluetoothd last said it */
	int disc_reason;             /* HCI code from Device1.Disconnected (BlueZ >= 5.83), or -1 */
	bool settling;               /* resolved, its services being read (bluez.c) */
	/* service, characteristic */
	char uuid[BLUEZ_UUID_LEN];   /* lower case, 128-bit */
	uint16_t handle;             /* service handle; char declaration handle */
	uint8_t props;               /* BLUEZ_PROP_* */
	uint16_t mtu;                /* char: the link's ATT MTU (BlueZ >= 5.62), 0 = unknown */
	struct bluez_obj *next;
};

/* What the client reports; every member may be NULL. Objects passed are valid only during
 * the call. */
struct bluez_events {
	/* bluetoothd's tree is loaded (true), or bluetoothd left the bus (false: every object
	 * is gone, and no removed() is reported for them) */
	void (*presence)(void *data, bool present);
	/* a device's Connected or ServicesResolved changed, or it appeared */
	void (*device)(void *data, const struct bluez_obj *dev);
	/* a characteristic's Value changed: a notification, or the echo of a read */
	void (*value)(void *data, const struct bluez_obj *chr, const uint8_t *v, size_t len);
	/* a device's advert carried service data of a 16-bit UUID (@v: the bytes after the
	 * UUID). bluetoothd says so when the data changed, or at every advert while a
	 * discovery with DuplicateData runs; not for the tree as first loaded */
	void (*service_data)(void *data, const struct bluez_obj *dev, uint16_t uuid16,
			     const uint8_t *v, size_t len);
	/* an object is about to be removed */
	void (*removed)(void *data, const struct bluez_obj *obj);
	/* the tree will not load: org.bluez has no owner, or its GetManagedObjects failed
	 * (after bluez_loading() said true) */
	void (*absent)(void *data);
};

/* Follow org.bluez on @bus (attached to an sd-event loop by the caller). Returns 0 or
 * -errno; the tree loads asynchronously (presence() says when). */
int bluez_new(sd_bus *bus, const struct bluez_events *ev, void *data, struct bluez **out);
void bluez_free(struct bluez *b); /* NULL is a no-op */

/* bluetoothd owns org.bluez and its tree is loaded */
bool bluez_present(const struct bluez *b);
/* Not present yet, but on its way: the owner lookup or the tree's GetManagedObjects is in
 * flight (just after bluez_new(), or while bluetoothd comes back) */
bool bluez_loading(const struct bluez *b);
/* How many times bluetoothd appeared since start (a restart counts once more). */
unsigned int bluez_generation(const struct bluez *b);

const struct bluez_obj *bluez_find(const struct bluez *b, const char *path);
/* The adapter named @name ("hci0"), or with @name NULL the first powered one. */
const struct bluez_obj *bluez_adapter(const struct bluez *b, const char *name);
/* The device with this address under @adapter's path. */
const struct bluez_obj *bluez_device(const struct bluez *b, const char *adapter,
				     const uint8_t mac[6]);
/* Walk the objects of @kind whose parent is @parent (NULL: any): start with @prev NULL. */
const struct bluez_obj *bluez_next(const struct bluez *b, const struct bluez_obj *prev,
				   enum bluez_kind kind, const char *parent);

/* "180F", "0000180F", a 128-bit string with dashes (any case) → lower-case 128-bit.
 * Returns 0 or -EINVAL. */
int bluez_uuid_norm(const char *in, char out[BLUEZ_UUID_LEN]);
/* The 16 bits the seed reports for a UUID: digits 4..7 of the 128-bit form. */
uint16_t bluez_uuid16(const char *uuid128);

#endif
