/* SPDX-License-Identifier: MIT */
/* gatt_int.h — what gatt.c (the queue, connecting, bluetoothd's events, the bus) and
 * gatt_ops.c (the operations on a connected peer) share. Not for other folders. */
#ifndef MI32_GATT_INT_H
#define MI32_GATT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "gatt/bluez.h"
#include "gatt/gatt.h"
#include "gatt/mgmt_watch.h"

#define TARGETS_MAX 16 /* characteristics with one UUID in one service (op 3/4) */

enum conn_state {
	CONN_IDLE,
	CONN_WAIT_BLUEZ,    /* queued before bluetoothd's tree was loaded: waiting for it */
	CONN_CONNECTING,    /* waiting for Connected + ServicesResolved */
	CONN_CALLING,       /* a method call of the current op is in flight */
	CONN_WAIT_NOTIFY,   /* op 13: waiting for the first notification */
	CONN_CLOSING,       /* one-shot: our Disconnect is in flight */
};

struct job {
	struct job *next;
	struct gatt_ctx ctx;
	char svc[BLUEZ_UUID_LEN], chr[BLUEZ_UUID_LEN];
	gatt_fn cb;
	void *user_data;
	/* op 3/4: the characteristics being (un)subscribed, one call at a time */
	char targets[TARGETS_MAX][BLUEZ_PATH_MAX];
	uint16_t target_handle[TARGETS_MAX];
	unsigned int n_targets, done, ok;
};

struct sub {
	struct sub *next;
	char path[BLUEZ_PATH_MAX];
	uint16_t uuid16, handle;
	gatt_fn cb;             /* NULL: cancelled */
	void *user_data;
	bool oneshot;           /* op 13's: its first notification is the op's result */
};

struct conn {
	struct conn *next;
	struct gatt *g;
	uint8_t mac[6];
	char dev[BLUEZ_PATH_MAX];     /* device path once bluetoothd has it */
	enum conn_state state;
	struct job *queue;            /* head = the running job */
	sd_bus_slot *call;
	sd_event_source *timer;
	sd_event_source *retry;       /* Device1.Connect again, within the connect time-out */
	struct gatt_result res;
	char read_path[BLUEZ_PATH_MAX]; /* ReadValue in flight: its Value echo is not a notification */
	bool discovering;             /* our discovery looks for the device (no ConnectDevice) */
	int link_reason;              /* why the link ended (mgmt, as an HCI code), or -1 */
	struct sub *subs;
};

#define GATT_IRKS 8 /* the latest New IRK events kept for gatt_pair() */

struct gatt_irk {
	bool valid;
	uint8_t rpa[6], mac[6];       /* display order */
	uint8_t type;                 /* mgmt address type */
	uint8_t irk[16];              /* as the kernel sends it: LSB first */
};

struct gatt {
	sd_event *ev;
	sd_bus *bus;
	struct bluez *bz;
	struct mgmt_watch *mw;        /* disconnect reasons, IRKs; NULL without Bluetooth */
	char *bus_address;
	char *adapter;
	uint64_t connect_timeout_us, notify_timeout_us;
	struct conn *conns;
	sd_event_source *exit_src;    /* the loop's exit: the links in use go down first */
	bool exiting;                 /* they went: no new op */
	struct gatt_server *server;   /* gatt_server.c's; NULL until the first op >= 200 */
	/* gatt_pair.c's */
	sd_bus_slot *agent;           /* our org.bluez.Agent1 object, on g->bus */
	char *bond_dir;
	struct gatt_irk irks[GATT_IRKS];
	unsigned int irk_next;
	/* gatt_watch.c's */
	struct {
		gatt_adv_fn fn;       /* NULL: no watch */
		void *user_data;
		uint8_t mac[6];
		char adapter[BLUEZ_PATH_MAX]; /* where the discovery runs */
		sd_bus_slot *start;   /* StartDiscovery in flight */
		bool discovering;     /* bluetoothd accepted it */
	} watch;
};

static inline int base_op(const struct job *j)
{
	return j->ctx.op % GATT_OP_ONESHOT;
}

static inline bool oneshot(const struct job *j)
{
	return j->ctx.op > GATT_OP_ONESHOT;
}

/* gatt.c */
/* The peer's Device1: the object we connected, else the one with its address. */
const struct bluez_obj *gatt__device(struct conn *c);
/* The current job ends with @error (a one-shot disconnects first); its callback runs. */
void gatt__finish(struct conn *c, int error);
void gatt__start_timer(struct conn *c, uint64_t us);
void gatt__stop_timer(struct conn *c);
/* A method reply: 0, or -EIO with the D-Bus error's name in @err_name (logged). */
int gatt__call_done(sd_bus_message *m, struct conn *c, const char **err_name);
struct sub *gatt__sub_find(struct conn *c, const char *path);

/* gatt_connect.c: the link of the job at the head of @c's queue (CONN_CONNECTING; then
 * gatt.c's device events, or gatt__finish with GATT_ERR_CONNECT); the device turned up in
 * our discovery; Device1.Connect on c->dev; our discovery ends. */
void gatt__connect_dev(struct conn *c);
void gatt__connect_found(struct conn *c, const struct bluez_obj *d);
void gatt__call_connect(struct conn *c);
void gatt__stop_discovery(struct conn *c);

/* gatt_watch.c: the hooks from gatt.c. A connection's discovery ends by setting the
 * watch's filter again instead of stopping (bluetoothd has one discovery per client). */
void gatt__watch_data(void *data, const struct bluez_obj *dev, uint16_t uuid16,
		      const uint8_t *v, size_t len);
void gatt__watch_presence(struct gatt *g, bool present);
void gatt__watch_filter(struct gatt *g);
bool gatt__watching(const struct gatt *g);

/* gatt_server.c: ops >= 200 and the hooks from gatt.c */
int gatt__server_run(struct gatt *g, const struct gatt_ctx *ctx, gatt_fn cb, void *user_data);
void gatt__server_presence(struct gatt *g, bool present);
void gatt__server_device(struct gatt *g, const struct bluez_obj *d);
void gatt__server_cancel(struct gatt *g, void *user_data);
/* The device at @path is a central connected to our server (gatt_central.c) */
bool gatt__server_has_central(struct gatt *g, const char *path);
void gatt__server_free(struct gatt_server *s);

/* gatt_pair.c: op 8 on the connected peer; the kernel's New IRK events */
void gatt__pair_execute(struct conn *c);
/* The latest IRK of the peer whose identity address or RPA is @mac, or NULL */
const struct gatt_irk *gatt__irk_find(const struct gatt *g, const uint8_t mac[6]);
void gatt__pair_new_irk(void *data, uint16_t index, const uint8_t rpa[6], const uint8_t mac[6],
			uint8_t type, const uint8_t irk[16]);

/* gatt_ops.c */
/* Run the current job on the connected, resolved peer. */
void gatt__execute(struct conn *c);

#endif
