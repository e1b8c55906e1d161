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
	/* mi32's, for gatt_pair() (the seed pairs inside NimBLE and has no codes for it) */
	GATT_ERR_PAIR = 10,          /* bluetoothd could not pair (wrong PIN, refused, …) */
	GATT_ERR_NO_IRK = 11,        /* paired, but no IRK came (or it cannot be read) */
};

enum gatt_op {
	GATT_OP_READ = 1,
	GATT_OP_WRITE = 2,
	GATT_OP_SUBSCRIBE = 3,
	GATT_OP_UNSUBSCRIBE = 4,
	GATT_OP_DISCONNECT = 5,
	GATT_OP_SERVICES = 6,
	GATT_OP_CHARS = 7,
	GATT_OP_PAIR = 8,             /* mi32's: gatt_pair()'s results (not for gatt_run) */
	GATT_OP_ONESHOT = 10,         /* added to 1..7: disconnect afterwards */
	GATT_OP_NOTIFICATION = 103,   /* events only */
};

/* Server and broadcaster ops and events (SPEC §11.2), the same gatt_run() (below). */
enum gatt_server_op {
	GATT_OP_ADV = 201,            /* advertising data = buf (raw AD structures) */
	GATT_OP_SCAN_RSP = 202,       /* scan-response data = buf */
	GATT_OP_CHR = 211,            /* create or update a characteristic, notify its value */
	GATT_EV_READ = 221,           /* a central read a characteristic (no data) */
	GATT_EV_WRITTEN = 222,        /* … wrote one (data = the value) */
	GATT_EV_UNSUBSCRIBED = 223,
	GATT_EV_SUB_NOTIFY = 224,     /* subscribed: notify-only characteristic */
	GATT_EV_SUB_INDICATE = 225,   /* … indicate-only */
	GATT_EV_SUB_BOTH = 226,       /* … one that offers both (BlueZ does not say which) */
	GATT_EV_CONNECTED = 227,      /* data = the central's address, LSB first */
	GATT_EV_DISCONNECTED = 228,   /* advertising is restarted */
	GATT_EV_STATUS = 229,         /* data = 4-byte LE int: -errno of bluetoothd's refusal */
	GATT_EV_BONDED = 230,         /* data = the central's address LSB first + its type */
	GATT_OP_OWN_ADDR = 231,       /* own address type 0; data back = the address, LSB first */
	GATT_OP_ADV_PARAMS = 232,     /* buf = [mode][itvl_min LE16][itvl_max LE16][TX dBm] */
	GATT_OP_NAME = 233,           /* GAP name = buf (the adapter's Alias) */
};

/* Op 211's property bits (the seed's arg1: NimBLE's BLE_GATT_CHR_F_*) */
#define GATT_CHR_F_BROADCAST 0x0001
#define GATT_CHR_F_READ 0x0002
#define GATT_CHR_F_WRITE_NO_RSP 0x0004
#define GATT_CHR_F_WRITE 0x0008
#define GATT_CHR_F_NOTIFY 0x0010
#define GATT_CHR_F_INDICATE 0x0020
#define GATT_CHR_F_AUTH_SIGN_WRITE 0x0040
#define GATT_CHR_F_RELIABLE_WRITE 0x0080
#define GATT_CHR_F_AUX_WRITE 0x0100
#define GATT_CHR_F_READ_ENC 0x0200
#define GATT_CHR_F_READ_AUTHEN 0x0400
#define GATT_CHR_F_READ_AUTHOR 0x0800
#define GATT_CHR_F_WRITE_ENC 0x1000
#define GATT_CHR_F_WRITE_AUTHEN 0x2000
#define GATT_CHR_F_WRITE_AUTHOR 0x4000

/* The seed's context (BLE.set_MAC/set_svc/set_chr and the buffer), plus run()'s arguments. */
struct gatt_ctx {
	uint8_t mac[6];          /* display order */
	uint8_t addr_type;       /* 0 public, 1 random, 2 public identity, 3 random identity */
	char svc[40];            /* 16-, 32- or 128-bit UUID string */
	char chr[40];
	uint8_t buf[GATT_BUF_MAX];
	int op;                  /* 1..7, 11..17 */
	bool response;           /* write with response; op 6: re-discovery (see README) */
	int32_t pin;             /* the passkey for pairing (0..999999), -1 = none (the seed's
				  * set_MAC pin); gatt_ctx_init sets -1 */
	int handle;              /* arg1: the characteristic's handle, or -1 (use the UUIDs);
				  * ops >= 200: the seed's arg1 (201 connectable mode, 211
				  * property bits), -1 = none */
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
	const char *bond_dir;      /* bluetoothd's bond store; NULL: /var/lib/bluetooth */
};

/* A client on @ev. The bus is opened now, or at the first operation if it is absent now.
 * Returns 0 or -ENOMEM. @opts' strings are copied. */
int gatt_new(sd_event *ev, const struct gatt_opts *opts, struct gatt **out);
/* NULL is a no-op; pending callbacks are not called. The links in use (an op running,
 * subscriptions, a queued Disconnect) are disconnected first. */
void gatt_free(struct gatt *g);

/* Queue the operation of @ctx (copied). Its result reaches @cb once; for op 3 the
 * notifications (op 103) and the peer's disconnect (op 5) follow on @cb until op 4 or a
 * disconnect ends the subscription. Returns 0 (queued), -EINVAL (bad op or UUID),
 * -ENOTCONN (no D-Bus), -EHOSTDOWN (bluetoothd is known not to be on the bus) or -ENOMEM;
 * on error @cb is never called. An op queued while bluetoothd's tree is still loading (just
 * after gatt_new(), or while bluetoothd restarts) waits for it, within the connect time-out,
 * and ends with error 1 when it does not come. */
int gatt_run(struct gatt *g, const struct gatt_ctx *ctx, gatt_fn cb, void *user_data);

/* Ops >= 200 (the server and broadcaster; mi32 keeps one per gatt): the same call, the
 * context read as the seed's BLE.run() reads it.
 *  - 211: ctx->svc and ctx->chr name the characteristic (created the first time, in the
 *    order of the calls), buf is its value, notified to every subscribed central (notify or
 *    indicate as each central subscribed: bluetoothd decides, not ctx->response). Default
 *    properties read + notify + indicate + write-without-response (write with
 *    ctx->response); ctx->handle >= 0 replaces them (GATT_CHR_F_*). Result 211 at once.
 *    Characteristics wait for the first 201; one added later registers the services anew.
 *  - 201: buf = raw AD structures (adv_data.h says what bluetoothd can carry; a type it
 *    cannot is -EINVAL). Starts the services (if any) and advertising; its result comes once
 *    bluetoothd accepted both, the first after new characteristics carrying their value
 *    handles (2 bytes each, high byte first). ctx->handle: 0 broadcast (non-connectable),
 *    2 connectable, -1 connectable when there are characteristics; 1 (directed) is
 *    -EOPNOTSUPP. Flags are bluetoothd's own (the buffer's are dropped).
 *  - 202: scan-response data; a name goes out as LocalName (every BlueZ), other elements as
 *    ScanResponse* properties, which only BlueZ >= 5.80 knows (older ones ignore them).
 *  - 232: buf = [mode][itvl_min LE16][itvl_max LE16] (0.625 ms units; the seed's
 *    [5]…) plus an optional sixth byte, TX power in dBm. bluetoothd 5.66 applies the
 *    intervals and TX power only when run with -E (experimental), else ignores them.
 *  - 233: buf = the GAP name, set as the adapter's Alias (it is the adapter's for everyone).
 *  - 231: ctx->addr_type 0: answers the adapter's address (LSB first); a random own address
 *    (type 1-3) has no D-Bus call: -EOPNOTSUPP.
 * The events 221-230 go to the callback of the latest server op (the seed's one callback);
 * their mac is the central's (display order) where bluetoothd says it. A refusal by
 * bluetoothd ends the waiting op with GATT_ERR_WRITE and sends 229 with the reason. When
 * bluetoothd restarts, the services and the advertisement are registered again. Returns as
 * for the client ops, plus -EOPNOTSUPP; while bluetoothd's tree is still loading, 201, 202,
 * 211 and 232 are taken (registered once it is there), 231 and 233 give -EHOSTDOWN. */

/* Withdraw the advertisement and the services and forget them (the seed's
 * BLE.serv_cb(nil)); no callback of the server is called again. */
void gatt_server_stop(struct gatt *g);

/* Pair and bond with @ctx->mac (its addr_type; ctx->pin answers bluetoothd's passkey
 * request, -1: pair without one, "just works") through bluetoothd, and learn the peer's IRK:
 * an org.bluez.Agent1 of ours is registered for it (KeyboardOnly with a PIN, else
 * NoInputNoOutput), the peer is connected as for the other ops, Device1.Pair is called, and
 * the IRK is taken from the kernel's New IRK event, else from bluetoothd's bond store; then
 * the link is dropped. Queued with the peer's other ops. The result (op 8) carries, when
 * error is 0, buf = [23][identity address, display order][mgmt address type: 1 public,
 * 2 random][IRK, 16 bytes MSB first as mi32cfg writes it]. Errors: 1 connect, 2 the link
 * went down, GATT_ERR_PAIR (a line in the log says bluetoothd's reason), GATT_ERR_NO_IRK.
 * Already paired is no error: the IRK is looked up as after a pairing. Returns as
 * gatt_run(). */
int gatt_pair(struct gatt *g, const struct gatt_ctx *ctx, gatt_fn cb, void *user_data);

/* Adverts of one device while gatt_watch() runs: each service-data element with a 16-bit
 * UUID (@data: the bytes after the UUID), @mac in display order, @rssi bluetoothd's (0 =
 * not said). */
typedef void (*gatt_adv_fn)(const uint8_t mac[6], uint16_t uuid16, const uint8_t *data,
			    size_t len, int16_t rssi, void *user_data);

/* Watch @mac's adverts (its address as advertised, display order) through an LE discovery
 * of bluetoothd's that reports every advert; it is started again when bluetoothd restarts.
 * One watch per gatt: 0, or -EBUSY. Ops connecting meanwhile share the discovery. */
int gatt_watch(struct gatt *g, const uint8_t mac[6], gatt_adv_fn fn, void *user_data);
/* Stop watching (the discovery ends); no-op without a watch. */
void gatt_unwatch(struct gatt *g);

/* The seed's BLE.info(), as far as bluetoothd tells it (README, "BLE.info()"). */
struct gatt_info {
	bool ready;              /* bluetoothd is there and has the adapter */
	const char *role;        /* "peripheral" (a central connected to our server),
				  * "central" (another link: our client's), "none" */
	uint8_t local[6];        /* the adapter's address, display order */
	uint8_t version;         /* the controller's Core version's major number (4, 5, 6),
				  * the seed's; from Adapter1.Version (BlueZ >= 5.71), 0 = not
				  * said */
	unsigned int bonds;      /* paired devices of the adapter */
	struct {
		bool known;      /* bluetoothd has the device asked about (or one connected) */
		bool up;         /* a link to it is up */
		uint8_t peer[6]; /* the address bluetoothd met it with (its object path): an
				  * RPA stays this after pairing */
		bool random;     /* its address type */
		bool has_id;     /* id is its identity address: paired and given by its IRK
				  * (bluetoothd then changes Device1.Address), or an address
				  * that is public or static random, which is its own identity */
		uint8_t id[6];
		bool paired, bonded;
		bool central;    /* we are its central (it is no central of our server) */
		bool encrypted;  /* the link is up and the device paired (see README) */
		int authenticated; /* 1 the bond's LTK was made with MITM protection, 0 not,
				    * -1 unknown (no bond, or bluetoothd's store unreadable) */
		int16_t rssi;    /* bluetoothd's last RSSI of it (adverts), 0 = unknown */
		uint16_t mtu;    /* ATT MTU, 0 = unknown (BlueZ < 5.62) */
		char name[64];   /* its GAP name (Device1.Name), "" = unknown */
		bool has_irk;
		uint8_t irk[16]; /* MSB first; from a New IRK event or the bond store */
	} conn;
};

/* Fill @out for the peer @mac (its identity or the address bluetoothd met it with; NULL:
 * the first device connected). bluetoothd's D-Bus says nothing of a link's encryption or
 * of the TX power in use: encrypted is inferred from Paired (README), authenticated read
 * from the bond store. Never blocks (the bond store is a small local file). */
void gatt_info(struct gatt *g, const uint8_t mac[6], struct gatt_info *out);

/* Forget every queued operation and subscription whose user_data is @user_data: their
 * callbacks are not called again (the owner goes away); the server's events too. */
void gatt_cancel(struct gatt *g, void *user_data);

/* The loop @g runs on (gatt_new()'s), for callers that keep their own timers beside it. */
sd_event *gatt_event(const struct gatt *g);

/* The D-Bus connection is up and bluetoothd's tree is loaded. */
bool gatt_ready(const struct gatt *g);

/* A sentence for an error code: "could not connect", "no service", … */
const char *gatt_strerror(int error);

/* A context with no handle and an empty buffer. */
void gatt_ctx_init(struct gatt_ctx *ctx, const uint8_t mac[6], uint8_t addr_type,
		   const char *svc, const char *chr, int op);

#endif
