/* SPDX-License-Identifier: MIT */
/* activation.c — see activation.h. One state machine per device on the GATT client: our own
 * operations go out one at a time (a write waits for the previous one's reply, as the Web
 * Bluetooth pages chain theirs, which also paces write-without-response), while the device's
 * notifications on 0x0010/0x0019 drive the steps. A transfer on 0x0019 is a small
 * sub-machine (CMD → READY → frames → SUCCESS, ACK LOST answered by a resend) in both
 * directions. Any failure ends the same way: forget our queued operations, disconnect, then
 * report. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "activate/activation.h"
#include "activate/rxfer.h"
#include "gatt/gatt.h"
#include "util/hex.h"
#include "util/log.h"

#define MI_SVC "FE95"
#define CHR_LEGACY_TOKEN 0x0001
#define CHR_PRODUCT_ID 0x0002
#define CHR_VERSION 0x0004
#define CHR_CTRL 0x0010
#define CHR_BEACON_KEY 0x0014
#define CHR_SECURE_AUTH 0x0016
#define CHR_STD_AUTH 0x0019

/* Control-point opcodes (32-bit LE on 0x0010; notes §3.1) */
#define OP_REG_SUCCESS 0x11
#define OP_REG_FAILED 0x12
#define OP_REG_VERIFY_SUCC 0x13
#define OP_REG_START_WO_PKI 0x15
#define OP_LOG_SUCCESS 0x21
#define OP_LOG_INVALID_LTMK 0x22
#define OP_LOG_FAILED 0x23
#define OP_LOG_START_W_RANDOM 0x24
#define OP_SYS_DEV_INFO_GET 0xA2
#define OP_ERR_NOT_REGISTERED 0xE0
#define OP_ERR_REGISTERED 0xE1
#define OP_ERR_REPEAT_LOGIN 0xE2
#define OP_ERR_INVALID_OOB 0xE3

#define IOQ_MAX 24            /* a transfer is at most 4 frames plus its control writes */
#define RESENDS_MAX 8         /* ACK LOST answered this often per transfer, then we give up */
#define CHARS_MAX 32
#define DEFAULT_STEP_MS 10000 /* the scooter client waits 10 s per notification (notes §10.1) */

enum state {
	ST_CHARS,             /* op 7 on 0xFE95: connects, and says which auth the device has */
	ST_VERSION,           /* read 0x0004 */
	ST_PID,               /* read 0x0002 */
	ST_SUBSCRIBE,         /* 0x0010 then 0x0019 */
	ST_INFO,              /* A2 sent: the device info transfer */
	ST_PUBKEY_TX,         /* 15 sent: our public key */
	ST_PUBKEY_RX,         /* the device's public key */
	ST_DID_TX,            /* the sealed DID */
	ST_REG_RESULT,        /* 13 sent: waiting for 11 or 12 */
	ST_LOGIN_TX_RANDOM,   /* 24 sent: our random */
	ST_LOGIN_RX_RANDOM,
	ST_LOGIN_RX_CONFIRM,
	ST_LOGIN_TX_CONFIRM,
	ST_LOGIN_RESULT,      /* waiting for 21 */
	ST_LEG_SUBSCRIBE,     /* 90CA85DE written, subscribing 0x0001 */
	ST_LEG_TOKEN,         /* RC4(mixA, token) written: waiting for the device's answer */
	ST_LEG_KEY,           /* reading 0x0014 */
	ST_LEG_VERSION,       /* reading 0x0004 */
	ST_CLOSING,           /* our Disconnect is queued */
	ST_DONE,
};

static const char *const doing[] = {
	[ST_CHARS] = "connecting",
	[ST_VERSION] = "reading the firmware version",
	[ST_PID] = "reading the product id",
	[ST_SUBSCRIBE] = "subscribing to the Mi Service's notifications",
	[ST_INFO] = "reading the device info",
	[ST_PUBKEY_TX] = "sending our public key",
	[ST_PUBKEY_RX] = "receiving the device's public key",
	[ST_DID_TX] = "sending the sealed device id",
	[ST_REG_RESULT] = "waiting for the registration result",
	[ST_LOGIN_TX_RANDOM] = "sending the login random",
	[ST_LOGIN_RX_RANDOM] = "receiving the device's login random",
	[ST_LOGIN_RX_CONFIRM] = "receiving the device's login confirmation",
	[ST_LOGIN_TX_CONFIRM] = "sending our login confirmation",
	[ST_LOGIN_RESULT] = "waiting for the login result",
	[ST_LEG_SUBSCRIBE] = "starting the legacy authentication",
	[ST_LEG_TOKEN] = "waiting for the legacy authentication answer",
	[ST_LEG_KEY] = "reading the beacon key",
	[ST_LEG_VERSION] = "reading the firmware version",
	[ST_CLOSING] = "disconnecting",
	[ST_DONE] = "done",
};

struct io {
	int op;
	uint16_t chr;
	bool response;
	uint8_t len;
	uint8_t data[RXFER_FRAME_MAX];
};

/* One transfer on 0x0019 */
struct xfer {
	bool active;
	bool tx;
	bool ready;              /* tx: READY came; rx: the CMD came and READY went */
	uint8_t type;
	uint8_t payload[MIAUTH_PUB_LEN];
	size_t len;
	unsigned int resends;
	struct rxfer_rx rx;
};

struct activation {
	sd_event *ev;
	struct gatt *g;
	struct activation_opts o;
	activation_progress_fn progress;
	activation_done_fn done;
	void *user_data;
	enum state state;
	sd_event_source *timer;
	struct io ioq[IOQ_MAX];
	unsigned int n_io;
	bool busy;               /* one of our operations is in flight */
	uint16_t chars[CHARS_MAX];
	unsigned int n_chars;
	struct xfer x;
	struct miauth_keypair *kp;
	uint8_t pub[MIAUTH_PUB_LEN];
	uint8_t did[MIAUTH_DID_LEN];
	struct miauth_reg_keys keys;
	uint8_t app_random[MIAUTH_RANDOM_LEN], dev_random[MIAUTH_RANDOM_LEN];
	struct miauth_login_keys login;
	uint8_t leg_token[MILEGACY_TOKEN_LEN];
	struct activation_result res;
};

/* ---- the support table ------------------------------------------------------------- */

/* Product ids from Tasmota's bindkey page (activatable, unencrypted), ble_monitor's and
 * Tasmota's legacy scripts, and the firmware pvvx's page sends to the cloud route (notes
 * §6.1, §6.3, §7). */
static const struct activation_model models[] = {
	{ 0x01AA, "LYWSDCGQ", ACTIVATION_STANDARD, NULL },
	{ 0x0387, "MHO-C401", ACTIVATION_STANDARD, NULL },
	{ 0x055B, "LYWSD03MMC", ACTIVATION_STANDARD, "2.1.1_0159" },
	{ 0x0576, "CGD1", ACTIVATION_STANDARD, NULL },
	{ 0x066F, "CGDK2", ACTIVATION_STANDARD, NULL },
	{ 0x07F6, "MJYD02YL", ACTIVATION_STANDARD, NULL },
	{ 0x0863, "SJWS01LM", ACTIVATION_STANDARD, NULL },
	{ 0x098B, "MCCGQ02HL", ACTIVATION_STANDARD, NULL },
	{ 0x0B48, "CGG1", ACTIVATION_STANDARD, NULL },
	{ 0x0153, "YLYK01YL", ACTIVATION_LEGACY, NULL },
	{ 0x03B6, "YLKG07YL/YLKG08YL", ACTIVATION_LEGACY, NULL },
	{ 0x03BF, "YLYB01YL-BHFRC", ACTIVATION_LEGACY, NULL },
	{ 0x04E6, "YLYK01YL-VENFAN", ACTIVATION_LEGACY, NULL },
	{ 0x068E, "YLYK01YL-FANCL", ACTIVATION_LEGACY, NULL },
	{ 0x03DD, "MUE4094RT", ACTIVATION_NO_KEY, NULL },
	{ 0x045B, "LYWSD02", ACTIVATION_NO_KEY, NULL },
	{ 0x06D3, "MHO-C303", ACTIVATION_NO_KEY, NULL },
	{ 0x0A1C, "ATC custom firmware", ACTIVATION_NO_KEY, NULL },
};

const struct activation_model *activation_model(uint16_t pid)
{
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (models[i].pid == pid)
			return &models[i];
	return NULL;
}

const struct activation_model *activation_models(unsigned int *n)
{
	*n = sizeof(models) / sizeof(models[0]);
	return models;
}

const char *activation_warning(void)
{
	return "Activation registers the device here and unbinds it from Mi Home: remove it "
	       "there, and do not add it again (Mi Home would make a new key and this one would "
	       "stop working).";
}

/* ---- ending ------------------------------------------------------------------------ */

static void on_gatt(const struct gatt_result *r, void *user_data);

static void stop_timer(struct activation *a)
{
	a->timer = sd_event_source_disable_unref(a->timer);
}

static void report(struct activation *a)
{
	struct activation_result r = a->res;

	a->state = ST_DONE;
	stop_timer(a);
	OPENSSL_cleanse(&a->res, sizeof(a->res));
	OPENSSL_cleanse(&a->keys, sizeof(a->keys));
	OPENSSL_cleanse(&a->login, sizeof(a->login));
	OPENSSL_cleanse(a->leg_token, sizeof(a->leg_token));
	if (a->done)
		a->done(&r, a->user_data); /* may free a */
	OPENSSL_cleanse(&r, sizeof(r));
}

static int on_report_timer(sd_event_source *s, uint64_t usec, void *data)
{
	(void)s;
	(void)usec;
	report(data);
	return 0;
}

static void progress(struct activation *a, enum activation_step step, const char *what)
{
	if (a->progress)
		a->progress(step, what, a->user_data);
}

/* Forget what we queued, disconnect; done follows the disconnect. */
static void close_link(struct activation *a)
{
	struct gatt_ctx ctx;

	if (a->state >= ST_CLOSING)
		return;
	a->state = ST_CLOSING;
	a->n_io = 0;
	a->x.active = false;
	stop_timer(a);
	progress(a, ACTIVATION_STEP_CLOSE, "disconnecting");
	gatt_cancel(a->g, a);
	gatt_ctx_init(&ctx, a->o.mac, a->o.addr_type, NULL, NULL, GATT_OP_DISCONNECT);
	if (gatt_run(a->g, &ctx, on_gatt, a) < 0 &&
	    sd_event_add_time_relative(a->ev, &a->timer, CLOCK_MONOTONIC, 0, 0, on_report_timer,
				       a) < 0)
		report(a); /* neither bus nor loop: say it now */
}

static void fail(struct activation *a, enum activation_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct activation *a, enum activation_err err, const char *fmt, ...)
{
	va_list ap;
	char mac[HEX_MAC_LEN];

	if (a->state >= ST_CLOSING)
		return;
	a->res.error = err;
	/* a key the login could not confirm is not one to use */
	OPENSSL_cleanse(a->res.bind_key, sizeof(a->res.bind_key));
	OPENSSL_cleanse(a->res.token, sizeof(a->res.token));
	OPENSSL_cleanse(a->res.key12, sizeof(a->res.key12));
	va_start(ap, fmt);
	vsnprintf(a->res.message, sizeof(a->res.message), fmt, ap);
	va_end(ap);
	hex_mac(a->o.mac, mac);
	log_notice("activate %s: %s", mac, a->res.message);
	close_link(a);
}

static void succeed(struct activation *a)
{
	a->res.error = ACTIVATION_OK;
	snprintf(a->res.message, sizeof(a->res.message), "%s",
		 a->res.legacy ? "read the legacy beacon key"
			       : "registered, and the login with the new token succeeded: the "
				 "device now encrypts with the new bind key");
	close_link(a);
}

/* ---- the timer --------------------------------------------------------------------- */

static int on_step_timer(sd_event_source *s, uint64_t usec, void *data)
{
	struct activation *a = data;

	(void)s;
	(void)usec;
	a->timer = sd_event_source_disable_unref(a->timer);
	fail(a, ACTIVATION_ERR_TIMEOUT,
	     "the device did not answer within %u ms while %s: bring it closer, or press its "
	     "pair button if it has one, and try again",
	     a->o.step_timeout_ms, doing[a->state]);
	return 0;
}

/* (Re)arm the step timer: every answer from the device restarts it */
static void arm(struct activation *a)
{
	stop_timer(a);
	if (sd_event_add_time_relative(a->ev, &a->timer, CLOCK_MONOTONIC,
				       a->o.step_timeout_ms * 1000ull, 10000, on_step_timer,
				       a) < 0)
		log_warn("activate: no timer: a silent device is noticed only by bluetoothd");
}

static void enter(struct activation *a, enum state s)
{
	a->state = s;
	arm(a);
}

/* ---- our operations, one at a time -------------------------------------------------- */

static void pump(struct activation *a)
{
	struct gatt_ctx ctx;
	char chr[8];
	struct io io;
	int r;

	if (a->busy || !a->n_io || a->state >= ST_CLOSING)
		return;
	io = a->ioq[0];
	memmove(a->ioq, a->ioq + 1, --a->n_io * sizeof(a->ioq[0]));
	snprintf(chr, sizeof(chr), "%04X", io.chr);
	gatt_ctx_init(&ctx, a->o.mac, a->o.addr_type, MI_SVC, io.op == GATT_OP_CHARS ? NULL : chr,
		      io.op);
	ctx.response = io.response;
	ctx.buf[0] = io.len;
	memcpy(ctx.buf + 1, io.data, io.len);
	r = gatt_run(a->g, &ctx, on_gatt, a);
	if (r < 0) {
		fail(a, ACTIVATION_ERR_CONNECT, "bluetoothd is not reachable (%s)", strerror(-r));
		return;
	}
	a->busy = true;
}

static void io_put(struct activation *a, int op, uint16_t chr, const uint8_t *data, size_t len,
		   bool response)
{
	struct io *io;

	if (a->n_io >= IOQ_MAX || len > sizeof(io->data)) {
		fail(a, ACTIVATION_ERR_INTERNAL, "internal error: too many writes queued");
		return;
	}
	io = &a->ioq[a->n_io++];
	memset(io, 0, sizeof(*io));
	io->op = op;
	io->chr = chr;
	io->response = response;
	io->len = (uint8_t)len;
	if (len)
		memcpy(io->data, data, len);
	pump(a);
}

static void write_auth(struct activation *a, const uint8_t *frame, size_t len)
{
	io_put(a, GATT_OP_WRITE, CHR_STD_AUTH, frame, len, false);
}

static void write_opcode(struct activation *a, uint8_t opcode)
{
	const uint8_t v[4] = { opcode, 0, 0, 0 };

	io_put(a, GATT_OP_WRITE, CHR_CTRL, v, sizeof(v), false);
}

/* ---- transfers on 0x0019 ------------------------------------------------------------ */

static void tx_start(struct activation *a, uint8_t type, const uint8_t *payload, size_t len)
{
	uint8_t f[RXFER_FRAME_MAX];

	memset(&a->x, 0, sizeof(a->x));
	a->x.active = true;
	a->x.tx = true;
	a->x.type = type;
	memcpy(a->x.payload, payload, len);
	a->x.len = len;
	write_auth(a, f, rxfer_cmd(f, type, rxfer_frames(len)));
}

static void rx_expect(struct activation *a, uint8_t type)
{
	memset(&a->x, 0, sizeof(a->x));
	a->x.active = true;
	a->x.type = type;
}

static void tx_frame(struct activation *a, uint16_t sn)
{
	uint8_t f[RXFER_FRAME_MAX];

	write_auth(a, f, rxfer_data(f, a->x.payload, a->x.len, sn));
}

static void xfer_done(struct activation *a);

static const char *ack_name(uint8_t code)
{
	static const char *const n[] = { "SUCCESS", "READY", "BUSY", "TIMEOUT", "CANCEL",
					 "LOST" };

	return code < sizeof(n) / sizeof(n[0]) ? n[code] : "unknown";
}

static void on_tx_frame(struct activation *a, const struct rxfer_frame *f)
{
	struct xfer *x = &a->x;

	if (f->kind != RXFER_KIND_ACK) {
		fail(a, ACTIVATION_ERR_PROTOCOL,
		     "the device sent a %s frame while we were %s: it does not follow the "
		     "standard-auth protocol", f->kind == RXFER_KIND_CMD ? "command" : "data",
		     doing[a->state]);
		return;
	}
	if (f->code == RXFER_ACK_READY && !x->ready) {
		x->ready = true;
		for (uint16_t sn = 1; sn <= rxfer_frames(x->len); sn++)
			tx_frame(a, sn);
		return;
	}
	if (f->code == RXFER_ACK_SUCCESS && x->ready) {
		x->active = false;
		xfer_done(a);
		return;
	}
	if (f->code == RXFER_ACK_LOST && x->ready && f->arg >= 1 &&
	    f->arg <= rxfer_frames(x->len) && x->resends < RESENDS_MAX) {
		x->resends++;
		tx_frame(a, f->arg);
		return;
	}
	fail(a, ACTIVATION_ERR_PROTOCOL, "the device answered ACK %s (0x%02x) while we were %s",
	     ack_name(f->code), f->code, doing[a->state]);
}

static void on_rx_frame(struct activation *a, const struct rxfer_frame *f)
{
	struct xfer *x = &a->x;
	uint8_t out[RXFER_FRAME_MAX];
	int r;

	if (f->kind == RXFER_KIND_ACK)
		return; /* a late ACK of our previous transfer */
	if (f->kind == RXFER_KIND_CMD) {
		if (x->ready || f->code != x->type) {
			fail(a, ACTIVATION_ERR_PROTOCOL,
			     "the device announced transfer type 0x%02x while we were %s "
			     "(expected 0x%02x)", f->code, doing[a->state], x->type);
			return;
		}
		if (rxfer_rx_start(&x->rx, f->code, f->arg) < 0) {
			write_auth(a, out, rxfer_ack(out, RXFER_ACK_CANCEL));
			fail(a, ACTIVATION_ERR_PROTOCOL,
			     "the device announced %u frames while we were %s: more than we take",
			     f->arg, doing[a->state]);
			return;
		}
		x->ready = true;
		write_auth(a, out, rxfer_ack(out, RXFER_ACK_READY));
		return;
	}
	if (!x->ready) {
		fail(a, ACTIVATION_ERR_PROTOCOL,
		     "the device sent data before announcing it while we were %s",
		     doing[a->state]);
		return;
	}
	r = rxfer_rx_put(&x->rx, f);
	if (r < 0) {
		fail(a, ACTIVATION_ERR_PROTOCOL, "the device sent frame %u that cannot belong to its "
		     "transfer of %u frames while we were %s", f->sn, x->rx.n, doing[a->state]);
		return;
	}
	if (r == 1) {
		x->active = false;
		write_auth(a, out, rxfer_ack(out, RXFER_ACK_SUCCESS));
		xfer_done(a);
		return;
	}
	if (rxfer_rx_saw_last(&x->rx)) {
		if (x->resends++ >= RESENDS_MAX) {
			fail(a, ACTIVATION_ERR_PROTOCOL, "frames kept getting lost while we were %s",
			     doing[a->state]);
			return;
		}
		write_auth(a, out, rxfer_ack_lost(out, rxfer_rx_missing(&x->rx)));
	}
}

static void on_auth(struct activation *a, const uint8_t *v, size_t len)
{
	struct rxfer_frame f;
	int r = rxfer_parse(v, len, &f);

	if (r == -EPROTONOSUPPORT) {
		fail(a, ACTIVATION_ERR_PROTOCOL,
		     "the device uses a newer frame mode (0x%02x) we do not speak, while we were %s",
		     len > 2 ? v[2] : 0, doing[a->state]);
		return;
	}
	if (r < 0) {
		fail(a, ACTIVATION_ERR_PROTOCOL, "the device sent a malformed frame while we were %s",
		     doing[a->state]);
		return;
	}
	if (!a->x.active) {
		if (f.kind == RXFER_KIND_ACK)
			return;
		fail(a, ACTIVATION_ERR_PROTOCOL, "the device sent an unexpected frame while we were "
		     "%s", doing[a->state]);
		return;
	}
	arm(a);
	if (a->x.tx)
		on_tx_frame(a, &f);
	else
		on_rx_frame(a, &f);
}

/* ---- registration ------------------------------------------------------------------- */

/* A DID for a device that has none, as TelinkFlasher and pvvx's page make one: NUL,
 * "blt.3.129v", six random alphanumerics and a three-letter tag of the client (ours "m32") */
static int invent_did(uint8_t did[MIAUTH_DID_LEN])
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint8_t rnd[6];

	if (miauth_random(rnd, sizeof(rnd)) < 0)
		return -EIO;
	did[0] = 0;
	memcpy(did + 1, "blt.3.129v", 10);
	for (int i = 0; i < 6; i++)
		did[11 + i] = (uint8_t)alnum[rnd[i] % (sizeof(alnum) - 1)];
	memcpy(did + 17, "m32", 3);
	return 0;
}

static void did_text(const uint8_t did[MIAUTH_DID_LEN], char out[MIAUTH_DID_LEN + 1])
{
	size_t n = 0;

	for (size_t i = 0; i < MIAUTH_DID_LEN; i++)
		if (did[i] >= 0x20 && did[i] < 0x7f)
			out[n++] = (char)did[i];
	out[n] = '\0';
}

static void info_done(struct activation *a)
{
	const uint8_t *p = a->x.rx.buf;
	size_t len = a->x.rx.len;
	uint16_t version;

	if (len < 4) {
		fail(a, ACTIVATION_ERR_PROTOCOL, "the device info is %zu bytes, too short", len);
		return;
	}
	version = (uint16_t)(p[0] | p[1] << 8);
	if (len >= 4 + MIAUTH_DID_LEN) {
		/* registered before: keep its DID, as TelinkFlasher does, so Mi Home's record of
		 * the device stays usable (notes §9.2) */
		memcpy(a->did, p + 4, MIAUTH_DID_LEN);
	} else if (version >= 2) {
		fail(a, ACTIVATION_ERR_NOT_LOCAL,
		     "the device speaks standard auth v%u, whose registration needs a certificate "
		     "from Xiaomi's cloud: get its key with a cloud token extractor and give it with "
		     "MI32Key", version);
		return;
	} else if (invent_did(a->did) < 0) {
		fail(a, ACTIVATION_ERR_INTERNAL, "no random numbers for a device id");
		return;
	} else {
		a->res.did_invented = true;
	}
	did_text(a->did, a->res.did);
	progress(a, ACTIVATION_STEP_KEYS, "exchanging keys");
	enter(a, ST_PUBKEY_TX);
	write_opcode(a, OP_REG_START_WO_PKI);
	tx_start(a, RXFER_TYPE_ECC_PUBKEY, a->pub, sizeof(a->pub));
}

static void pubkey_done(struct activation *a)
{
	uint8_t secret[MIAUTH_SECRET_LEN], sealed[MIAUTH_DID_CT_LEN];
	int r;

	if (a->x.rx.len != MIAUTH_PUB_LEN) {
		fail(a, ACTIVATION_ERR_PROTOCOL, "the device's public key is %zu bytes, not 64",
		     a->x.rx.len);
		return;
	}
	r = miauth_shared(a->kp, a->x.rx.buf, secret);
	if (r == -EINVAL) {
		fail(a, ACTIVATION_ERR_PROTOCOL, "the device's public key is not a P-256 point");
		return;
	}
	if (r < 0 || miauth_reg_keys(secret, &a->keys) < 0 ||
	    miauth_did_seal(a->keys.a_key, a->did, sealed) < 0) {
		OPENSSL_cleanse(secret, sizeof(secret));
		fail(a, ACTIVATION_ERR_INTERNAL, "libcrypto failed to derive the keys");
		return;
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	progress(a, ACTIVATION_STEP_REGISTER, a->res.did_invented
						      ? "registering with a new device id"
						      : "registering with the device's own id");
	enter(a, ST_DID_TX);
	tx_start(a, RXFER_TYPE_PASS_THROUGH, sealed, sizeof(sealed));
}

static void login_start(struct activation *a)
{
	/* the device committed them on REG_SUCCESS; the login checks the token */
	memcpy(a->res.token, a->keys.token, sizeof(a->res.token));
	memcpy(a->res.bind_key, a->keys.bind_key, sizeof(a->res.bind_key));
	if (miauth_random(a->app_random, sizeof(a->app_random)) < 0) {
		fail(a, ACTIVATION_ERR_INTERNAL, "no random numbers for the login");
		return;
	}
	progress(a, ACTIVATION_STEP_LOGIN, "logging in with the new token to check it");
	enter(a, ST_LOGIN_TX_RANDOM);
	write_opcode(a, OP_LOG_START_W_RANDOM);
	tx_start(a, RXFER_TYPE_APP_RANDOM, a->app_random, sizeof(a->app_random));
}

static void dev_random_done(struct activation *a)
{
	if (a->x.rx.len != MIAUTH_RANDOM_LEN) {
		fail(a, ACTIVATION_ERR_PROTOCOL, "the device's login random is %zu bytes, not 16",
		     a->x.rx.len);
		return;
	}
	memcpy(a->dev_random, a->x.rx.buf, MIAUTH_RANDOM_LEN);
	if (miauth_login_keys(a->keys.token, a->app_random, a->dev_random, &a->login) < 0) {
		fail(a, ACTIVATION_ERR_INTERNAL, "libcrypto failed to derive the login keys");
		return;
	}
	enter(a, ST_LOGIN_RX_CONFIRM);
	rx_expect(a, RXFER_TYPE_DEV_CONFIRMATION);
}

static void dev_confirm_done(struct activation *a)
{
	uint8_t want[MIAUTH_HMAC_LEN], ours[MIAUTH_HMAC_LEN];

	if (miauth_confirm(a->login.dev_key, a->dev_random, a->app_random, want) < 0 ||
	    miauth_confirm(a->login.app_key, a->app_random, a->dev_random, ours) < 0) {
		fail(a, ACTIVATION_ERR_INTERNAL, "libcrypto failed to compute the confirmations");
		return;
	}
	if (a->x.rx.len != MIAUTH_HMAC_LEN || CRYPTO_memcmp(want, a->x.rx.buf, sizeof(want))) {
		fail(a, ACTIVATION_ERR_LOGIN_FAILED,
		     "the device's login confirmation does not match the new token: the "
		     "registration did not take, try again");
		return;
	}
	enter(a, ST_LOGIN_TX_CONFIRM);
	tx_start(a, RXFER_TYPE_APP_CONFIRMATION, ours, sizeof(ours));
}

static void xfer_done(struct activation *a)
{
	switch (a->state) {
	case ST_INFO:
		info_done(a);
		break;
	case ST_PUBKEY_TX:
		enter(a, ST_PUBKEY_RX);
		rx_expect(a, RXFER_TYPE_ECC_PUBKEY);
		break;
	case ST_PUBKEY_RX:
		pubkey_done(a);
		break;
	case ST_DID_TX:
		enter(a, ST_REG_RESULT);
		write_opcode(a, OP_REG_VERIFY_SUCC);
		break;
	case ST_LOGIN_TX_RANDOM:
		enter(a, ST_LOGIN_RX_RANDOM);
		rx_expect(a, RXFER_TYPE_DEV_RANDOM);
		break;
	case ST_LOGIN_RX_RANDOM:
		dev_random_done(a);
		break;
	case ST_LOGIN_RX_CONFIRM:
		dev_confirm_done(a);
		break;
	case ST_LOGIN_TX_CONFIRM:
		enter(a, ST_LOGIN_RESULT);
		break;
	case ST_CHARS:
	case ST_VERSION:
	case ST_PID:
	case ST_SUBSCRIBE:
	case ST_REG_RESULT:
	case ST_LOGIN_RESULT:
	case ST_LEG_SUBSCRIBE:
	case ST_LEG_TOKEN:
	case ST_LEG_KEY:
	case ST_LEG_VERSION:
	case ST_CLOSING:
	case ST_DONE:
		break;
	}
}

static const char *opcode_name(uint32_t op)
{
	switch (op) {
	case OP_REG_FAILED:
		return "REG_FAILED";
	case OP_LOG_INVALID_LTMK:
		return "LOG_INVALID_LTMK";
	case OP_LOG_FAILED:
		return "LOG_FAILED";
	case OP_ERR_NOT_REGISTERED:
		return "ERR_NOT_REGISTERED";
	case OP_ERR_REGISTERED:
		return "ERR_REGISTERED";
	case OP_ERR_REPEAT_LOGIN:
		return "ERR_REPEAT_LOGIN";
	case OP_ERR_INVALID_OOB:
		return "ERR_INVALID_OOB";
	case OP_REG_SUCCESS:
		return "REG_SUCCESS";
	case OP_LOG_SUCCESS:
		return "LOG_SUCCESS";
	default:
		return "unknown";
	}
}

static void on_ctrl(struct activation *a, const uint8_t *v, size_t len)
{
	uint32_t op;

	if (len != 4) {
		fail(a, ACTIVATION_ERR_PROTOCOL,
		     "the device sent a %zu-byte opcode while we were %s (opcodes are 4 bytes)", len,
		     doing[a->state]);
		return;
	}
	op = (uint32_t)v[0] | (uint32_t)v[1] << 8 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 24;
	if (op == OP_REG_VERIFY_SUCC)
		return; /* some firmware echoes it */
	if (a->state == ST_REG_RESULT && op == OP_REG_SUCCESS) {
		login_start(a);
		return;
	}
	if (a->state == ST_LOGIN_RESULT &&
	    (op == OP_LOG_SUCCESS || op == OP_ERR_REPEAT_LOGIN)) {
		succeed(a);
		return;
	}
	if (op == OP_REG_FAILED) {
		fail(a, ACTIVATION_ERR_REG_FAILED,
		     "the device refused the registration (REG_FAILED) while we were %s: if it is "
		     "bound to Mi Home or needs its pair button, remove it there or hold the button "
		     "until it blinks, then try again", doing[a->state]);
		return;
	}
	if (a->state >= ST_LOGIN_TX_RANDOM && a->state <= ST_LOGIN_RESULT &&
	    (op == OP_LOG_FAILED || op == OP_LOG_INVALID_LTMK || op == OP_ERR_NOT_REGISTERED)) {
		fail(a, ACTIVATION_ERR_LOGIN_FAILED,
		     "the device refused the login with the new token (%s) while we were %s: the "
		     "registration did not take, try again", opcode_name(op), doing[a->state]);
		return;
	}
	fail(a, ACTIVATION_ERR_PROTOCOL, "the device answered opcode 0x%02x (%s) while we were %s",
	     op, opcode_name(op), doing[a->state]);
}

/* ---- legacy (RC4) ------------------------------------------------------------------- */

static void leg_subscribed(struct activation *a)
{
	uint8_t mix[MILEGACY_MIX_LEN], out[MILEGACY_TOKEN_LEN];

	if (miauth_random(a->leg_token, sizeof(a->leg_token)) < 0) {
		fail(a, ACTIVATION_ERR_INTERNAL, "no random numbers for the token");
		return;
	}
	milegacy_mix_a(a->o.mac, a->res.pid, mix);
	milegacy_rc4(mix, sizeof(mix), a->leg_token, sizeof(a->leg_token), out);
	enter(a, ST_LEG_TOKEN);
	io_put(a, GATT_OP_WRITE, CHR_LEGACY_TOKEN, out, sizeof(out), true);
}

static void on_leg_token(struct activation *a, const uint8_t *v, size_t len)
{
	uint8_t mix_a[MILEGACY_MIX_LEN], mix_b[MILEGACY_MIX_LEN], t[MILEGACY_TOKEN_LEN];
	uint8_t fin[sizeof(milegacy_finish)];

	if (a->state != ST_LEG_TOKEN)
		return;
	if (len != MILEGACY_TOKEN_LEN) {
		fail(a, ACTIVATION_ERR_PROTOCOL, "the device's answer is %zu bytes, not 12", len);
		return;
	}
	milegacy_mix_a(a->o.mac, a->res.pid, mix_a);
	milegacy_mix_b(a->o.mac, a->res.pid, mix_b);
	milegacy_rc4(mix_a, sizeof(mix_a), v, len, t);
	milegacy_rc4(mix_b, sizeof(mix_b), t, sizeof(t), t);
	if (CRYPTO_memcmp(t, a->leg_token, sizeof(t))) {
		fail(a, ACTIVATION_ERR_LOGIN_FAILED,
		     "the device's legacy answer does not match our token: the product id 0x%04x "
		     "may be wrong, or the device is not in pairing mode (long-press its button "
		     "until the LED blinks)", a->res.pid);
		return;
	}
	milegacy_rc4(a->leg_token, sizeof(a->leg_token), milegacy_finish, sizeof(fin), fin);
	enter(a, ST_LEG_KEY);
	progress(a, ACTIVATION_STEP_REGISTER, "reading the beacon key");
	io_put(a, GATT_OP_WRITE, CHR_LEGACY_TOKEN, fin, sizeof(fin), true);
	io_put(a, GATT_OP_READ, CHR_BEACON_KEY, NULL, 0, false);
}

static bool has_char(const struct activation *a, uint16_t uuid)
{
	for (unsigned int i = 0; i < a->n_chars; i++)
		if (a->chars[i] == uuid)
			return true;
	return false;
}

static void on_leg_read(struct activation *a, uint16_t uuid, const uint8_t *v, size_t len)
{
	if (uuid == CHR_BEACON_KEY) {
		if (len != MILEGACY_KEY12_LEN) {
			fail(a, ACTIVATION_ERR_PROTOCOL, "the beacon key is %zu bytes, not 12", len);
			return;
		}
		milegacy_rc4(a->leg_token, sizeof(a->leg_token), v, len, a->res.key12);
		milegacy_expand_key(a->res.key12, a->res.bind_key);
		if (!has_char(a, CHR_VERSION)) {
			succeed(a);
			return;
		}
		/* the sequence the device expects ends with this read (notes §7) */
		enter(a, ST_LEG_VERSION);
		io_put(a, GATT_OP_READ, CHR_VERSION, NULL, 0, false);
		return;
	}
	if (uuid == CHR_VERSION) {
		char ver[sizeof(a->res.version)];
		size_t n = len < sizeof(ver) - 1 ? len : sizeof(ver) - 1;

		milegacy_rc4(a->leg_token, sizeof(a->leg_token), v, n, (uint8_t *)ver);
		ver[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if (ver[i] < 0x20 || ver[i] >= 0x7f)
				ver[i] = '?';
		snprintf(a->res.version, sizeof(a->res.version), "%s", ver);
		succeed(a);
	}
}

/* ---- the beginning ------------------------------------------------------------------- */

/* Op 7's list: [count] then per characteristic [bits][UUID LE][props][handle LE] */
static void read_chars(struct activation *a, const uint8_t *b)
{
	size_t len = b[0], at = 2;

	a->n_chars = 0;
	while (at <= len && a->n_chars < CHARS_MAX) {
		size_t n = b[at] / 8;

		if (n == 0 || at + n + 3 > len)
			break;
		if (n == 2)
			a->chars[a->n_chars++] = (uint16_t)(b[at + 1] | b[at + 2] << 8);
		at += 1 + n + 3;
	}
}

static void begin_auth(struct activation *a)
{
	const struct activation_model *m = activation_model(a->res.pid);

	if (m && m->support == ACTIVATION_NO_KEY) {
		fail(a, ACTIVATION_ERR_NOT_LOCAL,
		     "the %s sends its values unencrypted: it needs no key", m->name);
		return;
	}
	if (m && m->cloud_version && !strcmp(a->res.version, m->cloud_version)) {
		fail(a, ACTIVATION_ERR_NOT_LOCAL,
		     "the %s with firmware %s does not register locally (it hangs): bind it in Mi "
		     "Home, get its key with a cloud token extractor and give it with MI32Key",
		     m->name, m->cloud_version);
		return;
	}
	if (a->res.legacy) {
		if (!a->res.pid) {
			fail(a, ACTIVATION_ERR_NOT_LOCAL,
			     "legacy auth needs the product id, and the device does not say it: "
			     "give it (the sensor list has it once an advert was seen)");
			return;
		}
		progress(a, ACTIVATION_STEP_KEYS, "legacy authentication");
		enter(a, ST_LEG_SUBSCRIBE);
		io_put(a, GATT_OP_WRITE, CHR_CTRL, milegacy_start, sizeof(milegacy_start), true);
		io_put(a, GATT_OP_SUBSCRIBE, CHR_LEGACY_TOKEN, NULL, 0, false);
		return;
	}
	enter(a, ST_SUBSCRIBE);
	/* both before anything is sent, 0x0010 first, as TelinkFlasher does */
	io_put(a, GATT_OP_SUBSCRIBE, CHR_CTRL, NULL, 0, false);
	io_put(a, GATT_OP_SUBSCRIBE, CHR_STD_AUTH, NULL, 0, false);
}

/* After the version: the product id, when the caller does not know it */
static void after_version(struct activation *a)
{
	if (!a->res.pid && has_char(a, CHR_PRODUCT_ID)) {
		enter(a, ST_PID);
		io_put(a, GATT_OP_READ, CHR_PRODUCT_ID, NULL, 0, false);
		return;
	}
	if (!a->o.legacy && a->res.pid) {
		const struct activation_model *m = activation_model(a->res.pid);

		if (m && m->support == ACTIVATION_LEGACY && has_char(a, CHR_LEGACY_TOKEN) &&
		    has_char(a, CHR_BEACON_KEY))
			a->res.legacy = true;
	}
	begin_auth(a);
}

static void chars_done(struct activation *a, const uint8_t *b)
{
	bool std, leg;

	read_chars(a, b);
	std = has_char(a, CHR_CTRL) && has_char(a, CHR_STD_AUTH);
	leg = has_char(a, CHR_CTRL) && has_char(a, CHR_LEGACY_TOKEN) &&
	      has_char(a, CHR_BEACON_KEY);
	progress(a, ACTIVATION_STEP_INFO, "reading the device info");
	if (a->o.legacy && !leg) {
		fail(a, ACTIVATION_ERR_NO_SERVICE,
		     "the device has no legacy auth characteristics (0x0001, 0x0010, 0x0014): "
		     "try without --legacy");
		return;
	}
	if (!a->o.legacy && !std && !leg) {
		if (has_char(a, CHR_SECURE_AUTH))
			fail(a, ACTIVATION_ERR_NOT_LOCAL,
			     "the device uses secure auth (a security chip with certificates from "
			     "Xiaomi's cloud), which cannot be done locally: bind it in Mi Home, get "
			     "its key with a cloud token extractor and give it with MI32Key");
		else
			fail(a, ACTIVATION_ERR_NO_SERVICE,
			     "the device's Mi Service has no authentication characteristics (0x0010 "
			     "and 0x0019): it cannot be activated");
		return;
	}
	if (!std)
		a->res.legacy = true; /* legacy only: the only way there is */
	if (!a->res.legacy && has_char(a, CHR_VERSION)) {
		enter(a, ST_VERSION);
		io_put(a, GATT_OP_READ, CHR_VERSION, NULL, 0, false);
		return;
	}
	after_version(a);
}

static void on_read(struct activation *a, const struct gatt_result *r)
{
	const uint8_t *v = r->buf + 1;
	size_t len = r->buf[0];

	if (a->state == ST_VERSION) {
		size_t n = len < sizeof(a->res.version) - 1 ? len : sizeof(a->res.version) - 1;

		for (size_t i = 0; i < n; i++)
			a->res.version[i] = v[i] >= 0x20 && v[i] < 0x7f ? (char)v[i] : '?';
		a->res.version[n] = '\0';
		after_version(a);
	} else if (a->state == ST_PID) {
		if (len >= 2)
			a->res.pid = (uint16_t)(v[0] | v[1] << 8);
		after_version(a);
	} else if (a->state == ST_LEG_KEY || a->state == ST_LEG_VERSION) {
		on_leg_read(a, r->uuid16, v, len);
	}
}

static void on_subscribed(struct activation *a, uint16_t uuid)
{
	if (a->state == ST_LEG_SUBSCRIBE && uuid == CHR_LEGACY_TOKEN) {
		leg_subscribed(a);
		return;
	}
	if (a->state == ST_SUBSCRIBE && uuid == CHR_STD_AUTH) {
		enter(a, ST_INFO);
		rx_expect(a, RXFER_TYPE_PASS_THROUGH);
		write_opcode(a, OP_SYS_DEV_INFO_GET);
	}
}

/* A failed operation of ours, in one sentence */
static void op_failed(struct activation *a, const struct gatt_result *r)
{
	char mac[HEX_MAC_LEN];

	hex_mac(a->o.mac, mac);
	switch (r->error) {
	case GATT_ERR_CONNECT:
		fail(a, ACTIVATION_ERR_CONNECT,
		     "could not connect to %s: it is out of range, asleep, or connected elsewhere "
		     "(close the Mi Home app and other tools)", mac);
		return;
	case GATT_ERR_NO_SERVICE:
		fail(a, ACTIVATION_ERR_NO_SERVICE,
		     "%s has no Mi Service (0xFE95): it is not a Xiaomi device that can be "
		     "activated", mac);
		return;
	case GATT_ERR_NO_CHAR:
		fail(a, ACTIVATION_ERR_NO_SERVICE,
		     "the device's Mi Service lacks characteristic 0x%04x while we were %s",
		     r->uuid16, doing[a->state]);
		return;
	case GATT_ERR_NOTIFY:
		fail(a, ACTIVATION_ERR_NOTIFY,
		     "the device refused notifications on 0x%04x: it cannot be activated this way",
		     r->uuid16);
		return;
	case GATT_ERR_READ:
	case GATT_ERR_WRITE:
	case GATT_ERR_NOT_WRITABLE:
		fail(a, ACTIVATION_ERR_IO, "the device refused a %s of 0x%04x while we were %s",
		     r->op == GATT_OP_READ ? "read" : "write", r->uuid16, doing[a->state]);
		return;
	default:
		fail(a, ACTIVATION_ERR_DISCONNECTED,
		     "the device disconnected while we were %s: bring it closer and try again",
		     doing[a->state]);
		return;
	}
}

static void on_gatt(const struct gatt_result *r, void *user_data)
{
	struct activation *a = user_data;

	if (a->state == ST_DONE)
		return;
	if (r->op == GATT_OP_NOTIFICATION) {
		if (a->state >= ST_CLOSING)
			return;
		if (r->uuid16 == CHR_CTRL && !a->res.legacy)
			on_ctrl(a, r->buf + 1, r->buf[0]);
		else if (r->uuid16 == CHR_STD_AUTH)
			on_auth(a, r->buf + 1, r->buf[0]);
		else if (r->uuid16 == CHR_LEGACY_TOKEN)
			on_leg_token(a, r->buf + 1, r->buf[0]);
		return;
	}
	if (r->op == GATT_OP_DISCONNECT) {
		if (a->state == ST_CLOSING && r->uuid16 == 0) {
			report(a); /* our own Disconnect: the end */
			return;
		}
		/* a subscription ended: the link went down */
		fail(a, ACTIVATION_ERR_DISCONNECTED,
		     "the device disconnected while we were %s: bring it closer and try again",
		     doing[a->state]);
		return;
	}
	a->busy = false;
	if (a->state >= ST_CLOSING)
		return;
	if (r->error) {
		op_failed(a, r);
		return;
	}
	if (r->op == GATT_OP_CHARS)
		chars_done(a, r->buf);
	else if (r->op == GATT_OP_READ)
		on_read(a, r);
	else if (r->op == GATT_OP_SUBSCRIBE)
		on_subscribed(a, r->uuid16);
	pump(a);
}

int activation_start(sd_event *ev, struct gatt *g, const struct activation_opts *o,
		     activation_progress_fn progress_cb, activation_done_fn done, void *user_data,
		     struct activation **out)
{
	struct activation *a;
	struct gatt_ctx ctx;
	int r;

	if (!ev || !g || !o)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->ev = sd_event_ref(ev);
	a->g = g;
	a->o = *o;
	if (!a->o.step_timeout_ms)
		a->o.step_timeout_ms = DEFAULT_STEP_MS;
	a->progress = progress_cb;
	a->done = done;
	a->user_data = user_data;
	a->res.pid = o->pid;
	a->res.legacy = o->legacy;
	if (!o->legacy && (r = miauth_keypair_new(&a->kp, a->pub)) < 0) {
		a->state = ST_DONE;
		activation_free(a);
		return r;
	}
	/* the characteristics list connects, and tells which auth the device has */
	a->state = ST_CHARS;
	progress(a, ACTIVATION_STEP_CONNECT, "connecting");
	gatt_ctx_init(&ctx, a->o.mac, a->o.addr_type, MI_SVC, NULL, GATT_OP_CHARS);
	r = gatt_run(g, &ctx, on_gatt, a);
	if (r < 0) {
		a->state = ST_DONE;
		activation_free(a);
		return r;
	}
	a->busy = true;
	*out = a;
	return 0;
}

void activation_free(struct activation *a)
{
	if (!a)
		return;
	if (a->state < ST_DONE) {
		gatt_cancel(a->g, a);
		if (a->state < ST_CLOSING) {
			struct gatt_ctx ctx;

			/* no one hears the result, but the link must not stay up */
			gatt_ctx_init(&ctx, a->o.mac, a->o.addr_type, NULL, NULL,
				      GATT_OP_DISCONNECT);
			gatt_run(a->g, &ctx, NULL, NULL);
		}
	}
	stop_timer(a);
	miauth_keypair_free(a->kp);
	sd_event_unref(a->ev);
	OPENSSL_cleanse(a, sizeof(*a)); /* the keys and the token */
	free(a);
}
