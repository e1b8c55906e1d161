/* SPDX-License-Identifier: MIT */
/* gatt.h — the seed's BLE client operations (SPEC §11.2) on bluetoothd's D-Bus API: a
 * context (peer MAC and address type, service UUID, characteristic UUID, a length-prefixed
 * buffer), asynchronous operations, and results as (error, op, uuid16, handle, buffer).
 * Operations on one peer run one after another from a queue, so callers never interleave on
 * a connection; different peers proceed side by side. On the daemon's one sd-event loop;
 * GATT is not the advert hot path (allocation here is fine). */
#ifndef MI32_GATT_H
#define MI32_GATT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

struct gatt;

#define GATT_BUF_MAX 256 /* [0] = length, [1..255] = data */

/* The seed's callback error codes; a peer disconnect reports op 5 with the HCI reason
 * (BlueZ >= 5.83 says it) or GATT_ERR_DISCONNECTED when BlueZ does not. */
enum gatt_err {
	GATT_OK = 0,
	GATT_ERR_CONNECT = 1,        /* could not connect (or no adapter, or a timeout) */
	GATT_ERR_DISCONNECTED = 2,   /* the link went down during the operation */
	GATT_ERR_NO_SERVICE = 3,
	GATT_ERR_NO_CHAR = 4,
	GATT_ERR_READ = 5,
	GATT_ERR_NOTIFY = 6,
	GATT_ERR_NOT_WRITABLE = 7,
	GATT_ERR_WRITE = 8,
	GATT_ERR_NOTIFY_TIMEOUT = 9,
};

enum gatt_op {
	GATT_OP_READ = 1,
	GATT_OP_WRITE = 2,
	GATT_OP_SUBSCRIBE = 3,
	GATT_OP_UNSUBSCRIBE = 4,
	GATT_OP_DISCONNECT = 5,
	GATT_OP_SERVICES = 6,
	GATT_OP_CHARS = 7,
	GATT_OP_ONESHOT = 10,         /* added to 1..7: disconnect afterwards */
	GATT_OP_NOTIFICATION = 103,   /* events only */
};

/* The seed's context (BLE.set_MAC/set_svc/set_chr and the buffer), plus run()'s arguments. */
struct gatt_ctx {
	uint8_t mac[6];          /* display order */
	uint8_t addr_type;       /* 0 public, 1 random, 2 public identity, 3 random identity */
	char svc[40];            /* 16-, 32- or 128-bit UUID string */
	char chr[40];
	uint8_t buf[GATT_BUF_MAX];
	int op;                  /* 1..7, 11..17 */
	bool response;           /* write with response; op 6: re-discovery (see README) */
	int handle;              /* arg1: the characteristic's handle, or -1 (use the UUIDs) */
};

struct gatt_result {
	uint8_t mac[6];          /* the peer (the seed's callback has one context; we serve
				  * several callers) */
	int error;               /* enum gatt_err, or an HCI reason with op 5 */
	int op;                  /* op mod 10, or 103 */
	uint16_t uuid16;
	uint16_t handle;         /* the characteristic's value handle */
	uint8_t buf[GATT_BUF_MAX];
};

/* A result; valid only during the call. The callback may run new operations, never
 * gatt_free(). */
typedef void (*gatt_fn)(const struct gatt_result *res, void *user_data);

struct gatt_opts {
	const char *bus_address;   /* NULL: the system bus */
	const char *adapter;       /* "hci0"; NULL: the first powered adapter */
	unsigned int connect_timeout_ms; /* 0: 10 s */
	unsigned int notify_timeout_ms;  /* first notification of op 13; 0: 15 s (the seed) */
};

/* A client on @ev. The bus is opened now, or at the first operation if it is absent now.
 * Returns 0 or -ENOMEM. @opts' strings are copied. */
int gatt_new(sd_event *ev, const struct gatt_opts *opts, struct gatt **out);
void gatt_free(struct gatt *g); /* NULL is a no-op; pending callbacks are not called */

/* Queue the operation of @ctx (copied). Its result reaches @cb once; for op 3 the
 * notifications (op 103) and the peer's disconnect (op 5) follow on @cb until op 4 or a
 * disconnect ends the subscription. Returns 0 (queued), -EINVAL (bad op or UUID),
 * -ENOTCONN (no D-Bus), -EHOSTDOWN (bluetoothd is not running) or -ENOMEM; on error @cb is
 * never called. */
int gatt_run(struct gatt *g, const struct gatt_ctx *ctx, gatt_fn cb, void *user_data);

/* Forget every queued operation and subscription whose user_data is @user_data: their
 * callbacks are not called again (the owner goes away). */
void gatt_cancel(struct gatt *g, void *user_data);

/* The D-Bus connection is up and bluetoothd's tree is loaded. */
bool gatt_ready(const struct gatt *g);

/* A sentence for an error code: "could not connect", "no service", … */
const char *gatt_strerror(int error);

/* A context with no handle and an empty buffer. */
void gatt_ctx_init(struct gatt_ctx *ctx, const uint8_t mac[6], uint8_t addr_type,
		   const char *svc, const char *chr, int op);

#endif
