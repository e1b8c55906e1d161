/* SPDX-License-Identifier: MIT */
/* server_int.h — what the GATT server (gatt_server.c: the application's services and
 * characteristics, the ops, the events) and the advertiser (gatt_adv.c: the
 * LEAdvertisement1 object and its registration) share, and the hooks gatt.c calls. Not for
 * other folders. */
#ifndef MI32_SERVER_INT_H
#define MI32_SERVER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "gatt/adv_data.h"
#include "gatt/bluez.h"
#include "gatt/gatt.h"

#define SRV_ROOT "/org/mi32/gatt"
#define SRV_ADV_PATH "/org/mi32/adv0"
#define SRV_PATH_MAX 64
#define SRV_PEERS_MAX 8
#define SRV_RETRY_US (5 * 1000000ull) /* registration refused or adapter gone: again */

struct srv_svc;

struct srv_chr {
	struct srv_chr *next;
	struct srv_svc *svc;
	struct gatt_server *s;
	char path[SRV_PATH_MAX];
	char uuid[BLUEZ_UUID_LEN];
	uint16_t props;          /* the seed's (NimBLE's) property bits, gatt.h GATT_CHR_F_* */
	uint16_t handle;         /* the value handle bluetoothd wrote back; 0 = not yet */
	uint8_t value[GATT_BUF_MAX - 1];
	uint8_t len;
	bool notifying;
	sd_bus_slot *slot;
};

struct srv_svc {
	struct srv_svc *next;
	unsigned int index;      /* its object is SRV_ROOT/service<index> */
	char path[SRV_PATH_MAX];
	char uuid[BLUEZ_UUID_LEN];
	uint16_t handle;
	sd_bus_slot *slot;
	struct srv_chr *chrs;
	unsigned int n_chrs;
};

/* An op waiting for bluetoothd (201, 202, 232 wait for the advertisement; 231 and 233 for
 * their own call, whose slot is then kept here) */
struct srv_wait {
	struct srv_wait *next;
	struct gatt_server *s;
	sd_bus_slot *slot;
	int op;
	gatt_fn cb;
	void *user_data;
};

/* A result or event on its way to a callback: delivered from the loop, never from inside
 * gatt_run() or a D-Bus handler. */
struct srv_ev {
	struct srv_ev *next;
	gatt_fn cb;
	void *user_data;
	struct gatt_result r;
};

enum srv_reg {
	SRV_REG_OFF,
	SRV_REG_CALLING,         /* Register… in flight */
	SRV_REG_ON,
	SRV_REG_DROPPING,        /* Unregister… in flight (to register again) */
};

struct srv_peer {
	uint8_t mac[6];          /* display order */
	char path[BLUEZ_PATH_MAX];
	bool paired;
};

struct gatt_server {
	struct gatt *g;
	sd_bus *bus;             /* the bus our objects are exported on */
	gatt_fn cb;              /* the events' callback: the latest server op's */
	void *user_data;
	/* the GATT application */
	struct srv_svc *svcs;
	unsigned int n_svcs;
	sd_bus_slot *om_slot;
	enum srv_reg app;
	bool app_dirty;          /* characteristics added since it was registered */
	bool handles_told;       /* the first 201 after a new characteristic carries handles */
	sd_bus_slot *app_call;
	char app_adapter[BLUEZ_PATH_MAX]; /* where it is registered */
	/* the advertisement */
	uint8_t adv[ADV_DATA_MAX];
	uint8_t adv_len;
	uint8_t scan[ADV_DATA_MAX];
	uint8_t scan_len;
	int mode;                /* arg1 of 201: -1 = by characteristics, 0 broadcast, 2 peripheral */
	uint32_t min_ms, max_ms; /* 0 = bluetoothd's default */
	int tx_power;            /* dBm, or GATT_SRV_NO_TX */
	bool adv_wanted;         /* 201 ran: keep advertising */
	bool adv_dirty;          /* changed while registered: register again */
	enum srv_reg adv_reg;
	sd_bus_slot *adv_obj, *adv_call;
	char adv_adapter[BLUEZ_PATH_MAX];
	struct srv_wait *waits;
	struct srv_wait *calls;   /* 231, 233 in flight */
	/* delivery */
	struct srv_ev *evq, **evq_tail;
	sd_event_source *defer;
	sd_event_source *retry;
	/* centrals connected to us */
	struct srv_peer peers[SRV_PEERS_MAX];
	unsigned int n_peers;
	sd_bus_slot *paired_match;
};

#define GATT_SRV_NO_TX 1000

/* gatt_server.c */
void srv__emit(struct gatt_server *s, gatt_fn cb, void *user_data, int op, int error,
	       const struct srv_chr *c, const uint8_t *data, size_t len);
void srv__event(struct gatt_server *s, int op, int error, const struct srv_chr *c,
		const uint8_t *data, size_t len);
/* Bring bluetoothd in line with what was asked: the application, then the advertisement. */
void srv__kick(struct gatt_server *s);
/* srv__kick() again in SRV_RETRY_US (once armed, a second call does nothing) */
void srv__retry_later(struct gatt_server *s);
const char *srv__adapter(struct gatt_server *s);
/* The 201/202/232 waiting for the advertisement end with @error. */
void srv__settle(struct gatt_server *s, int error);
/* A D-Bus error name as an errno, for event 229's status. */
int srv__errno(const char *name);

/* gatt_chr.c: the objects' vtables (userdata: struct srv_svc / struct srv_chr) */
extern const sd_bus_vtable srv__svc_vtable[];
extern const sd_bus_vtable srv__chr_vtable[];

/* gatt_central.c: follow Device1 Paired/Bonded for event 230 */
int srv__watch_paired(struct gatt_server *s);

/* gatt_adv.c */
int srv__adv_export(struct gatt_server *s);
void srv__adv_register(struct gatt_server *s);
void srv__adv_unregister(struct gatt_server *s);
/* Is the advertisement connectable (Type peripheral)? */
bool srv__adv_connectable(const struct gatt_server *s);

#endif
