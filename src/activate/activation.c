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

#include "activate/activation_int.h"
#include "gatt/gatt.h"
#include "util/hex.h"
#include "util/log.h"

#define DEFAULT_STEP_MS 10000 /* the scooter client waits 10 s per notification (notes §10.1) */
#define DEFAULT_PRESS_MS 60000 /* time enough to find the sensor and its button */

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

const char *activation__doing(const struct activation *a)
{
	return doing[a->state];
}

/* ---- ending ------------------------------------------------------------------------ */

static void on_gatt(const struct gatt_result *r, void *user_data);

void activation__stop_timers(struct activation *a)
{
	a->timer = sd_event_source_disable_unref(a->timer);
	a->retry = sd_event_source_disable_unref(a->retry);
}

static void report(struct activation *a)
{
	struct activation_result r = a->res;

	a->state = ST_DONE;
	activation__stop_timers(a);
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

void activation__progress(struct activation *a, enum activation_step step, const char *what)
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
	activation__stop_timers(a);
	activation__progress(a, ACTIVATION_STEP_CLOSE, "disconnecting");
	gatt_cancel(a->g, a);
	gatt_ctx_init(&ctx, a->o.mac, a->o.addr_type, NULL, NULL, GATT_OP_DISCONNECT);
	if (gatt_run(a->g, &ctx, on_gatt, a) < 0 &&
	    sd_event_add_time_relative(a->ev, &a->timer, CLOCK_MONOTONIC, 0, 0, on_report_timer,
				       a) < 0)
		report(a); /* neither bus nor loop: say it now */
}

void activation__fail(struct activation *a, enum activation_err err, const char *fmt, ...)
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

void activation__succeed(struct activation *a)
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
	activation__fail(
		a, ACTIVATION_ERR_TIMEOUT,
		"the device did not answer within %u ms while %s: bring it closer, or press its "
		"pair button if it has one, and try again",
		a->o.step_timeout_ms, activation__doing(a));
	return 0;
}

/* (Re)arm the step timer: every answer from the device restarts it */
void activation__arm(struct activation *a)
{
	a->timer = sd_event_source_disable_unref(a->timer);
	if (sd_event_add_time_relative(a->ev, &a->timer, CLOCK_MONOTONIC,
				       a->o.step_timeout_ms * 1000ull, 10000, on_step_timer,
				       a) < 0)
		log_warn("activate: no timer: a silent device is noticed only by bluetoothd");
}

void activation__enter(struct activation *a, enum state s)
{
	a->state = s;
	activation__arm(a);
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
	gatt_ctx_init(&ctx, a->o.mac, a->o.addr_type, MI_SVC,
		      io.op == GATT_OP_CHARS ? NULL : chr, io.op);
	ctx.response = io.response;
	ctx.buf[0] = io.len;
	memcpy(ctx.buf + 1, io.data, io.len);
	r = gatt_run(a->g, &ctx, on_gatt, a);
	if (r < 0) {
		activation__fail(a, ACTIVATION_ERR_CONNECT, "bluetoothd is not reachable (%s)",
				 strerror(-r));
		return;
	}
	a->busy = true;
}

void activation__io_put(struct activation *a, int op, uint16_t chr, const uint8_t *data,
			size_t len, bool response)
{
	struct io *io;

	if (a->n_io >= IOQ_MAX || len > sizeof(io->data)) {
		activation__fail(a, ACTIVATION_ERR_INTERNAL,
				 "internal error: too many writes queued");
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

bool activation__has_char(const struct activation *a, uint16_t uuid)
{
	for (unsigned int i = 0; i < a->n_chars; i++)
		if (a->chars[i] == uuid)
			return true;
	return false;
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
		activation__fail(a, ACTIVATION_ERR_NOT_LOCAL,
				 "the %s sends its values unencrypted: it needs no key",
				 m->name);
		return;
	}
	if (m && m->cloud_version && !strcmp(a->res.version, m->cloud_version)) {
		activation__fail(
			a, ACTIVATION_ERR_NOT_LOCAL,
			"the %s with firmware %s does not register locally (it hangs): bind it in Mi "
			"Home, get its key with a cloud token extractor and give it with MI32Key",
			m->name, m->cloud_version);
		return;
	}
	if (a->res.legacy) {
		if (!a->res.pid) {
			activation__fail(
				a, ACTIVATION_ERR_NOT_LOCAL,
				"legacy auth needs the product id, and the device does not say it: "
				"give it (the sensor list has it once an advert was seen)");
			return;
		}
		activation__leg_begin(a);
		return;
	}
	activation__enter(a, ST_SUBSCRIBE);
	/* both before anything is sent, 0x0010 first, as TelinkFlasher does */
	activation__io_put(a, GATT_OP_SUBSCRIBE, CHR_CTRL, NULL, 0, false);
	activation__io_put(a, GATT_OP_SUBSCRIBE, CHR_STD_AUTH, NULL, 0, false);
}

/* After the version: the product id, when the caller does not know it */
static void after_version(struct activation *a)
{
	if (!a->res.pid && activation__has_char(a, CHR_PRODUCT_ID)) {
		activation__enter(a, ST_PID);
		activation__io_put(a, GATT_OP_READ, CHR_PRODUCT_ID, NULL, 0, false);
		return;
	}
	if (!a->o.legacy && a->res.pid) {
		const struct activation_model *m = activation_model(a->res.pid);

		if (m && m->support == ACTIVATION_LEGACY &&
		    activation__has_char(a, CHR_LEGACY_TOKEN) &&
		    activation__has_char(a, CHR_BEACON_KEY))
			a->res.legacy = true;
	}
	begin_auth(a);
}

static void chars_done(struct activation *a, const uint8_t *b)
{
	bool std, leg;

	read_chars(a, b);
	std = activation__has_char(a, CHR_CTRL) && activation__has_char(a, CHR_STD_AUTH);
	leg = activation__has_char(a, CHR_CTRL) && activation__has_char(a, CHR_LEGACY_TOKEN) &&
	      activation__has_char(a, CHR_BEACON_KEY);
	activation__progress(a, ACTIVATION_STEP_INFO, "reading the device info");
	if (a->o.legacy && !leg) {
		activation__fail(
			a, ACTIVATION_ERR_NO_SERVICE,
			"the device has no legacy auth characteristics (0x0001, 0x0010, 0x0014): "
			"try without --legacy");
		return;
	}
	if (!a->o.legacy && !std && !leg) {
		if (activation__has_char(a, CHR_SECURE_AUTH))
			activation__fail(
				a, ACTIVATION_ERR_NOT_LOCAL,
				"the device uses secure auth (a security chip with certificates from "
				"Xiaomi's cloud), which cannot be done locally: bind it in Mi Home, get "
				"its key with a cloud token extractor and give it with MI32Key");
		else
			activation__fail(
				a, ACTIVATION_ERR_NO_SERVICE,
				"the device's Mi Service has no authentication characteristics (0x0010 "
				"and 0x0019): it cannot be activated");
		return;
	}
	if (!std)
		a->res.legacy = true; /* legacy only: the only way there is */
	if (!a->res.legacy && activation__has_char(a, CHR_VERSION)) {
		activation__enter(a, ST_VERSION);
		activation__io_put(a, GATT_OP_READ, CHR_VERSION, NULL, 0, false);
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
		activation__leg_read(a, r->uuid16, v, len);
	}
}

static void on_subscribed(struct activation *a, uint16_t uuid)
{
	if (a->state == ST_LEG_SUBSCRIBE && uuid == CHR_LEGACY_TOKEN) {
		activation__leg_subscribed(a);
		return;
	}
	if (a->state == ST_SUBSCRIBE && uuid == CHR_STD_AUTH)
		activation__std_subscribed(a);
}

/* A failed operation of ours, in one sentence */
static void op_failed(struct activation *a, const struct gatt_result *r)
{
	char mac[HEX_MAC_LEN];

	hex_mac(a->o.mac, mac);
	switch (r->error) {
	case GATT_ERR_CONNECT:
		activation__fail(
			a, ACTIVATION_ERR_CONNECT,
			"could not connect to %s: it is out of range, asleep, or connected elsewhere "
			"(close the Mi Home app and other tools)",
			mac);
		return;
	case GATT_ERR_NO_SERVICE:
		activation__fail(
			a, ACTIVATION_ERR_NO_SERVICE,
			"%s has no Mi Service (0xFE95): it is not a Xiaomi device that can be "
			"activated",
			mac);
		return;
	case GATT_ERR_NO_CHAR:
		activation__fail(
			a, ACTIVATION_ERR_NO_SERVICE,
			"the device's Mi Service lacks characteristic 0x%04x while we were %s",
			r->uuid16, activation__doing(a));
		return;
	case GATT_ERR_NOTIFY:
		activation__fail(
			a, ACTIVATION_ERR_NOTIFY,
			"the device refused notifications on 0x%04x: it cannot be activated this way",
			r->uuid16);
		return;
	case GATT_ERR_READ:
	case GATT_ERR_WRITE:
	case GATT_ERR_NOT_WRITABLE:
		activation__fail(a, ACTIVATION_ERR_IO,
				 "the device refused a %s of 0x%04x while we were %s",
				 r->op == GATT_OP_READ ? "read" : "write", r->uuid16,
				 activation__doing(a));
		return;
	default:
		activation__fail(
			a, ACTIVATION_ERR_DISCONNECTED,
			"the device disconnected while we were %s: bring it closer and try again",
			activation__doing(a));
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
			activation__std_ctrl(a, r->buf + 1, r->buf[0]);
		else if (r->uuid16 == CHR_STD_AUTH)
			activation__std_auth(a, r->buf + 1, r->buf[0]);
		else if (r->uuid16 == CHR_LEGACY_TOKEN)
			activation__leg_token(a, r->buf + 1, r->buf[0]);
		return;
	}
	if (r->op == GATT_OP_DISCONNECT) {
		if (a->state == ST_CLOSING && r->uuid16 == 0) {
			report(a); /* our own Disconnect: the end */
			return;
		}
		/* a subscription ended: the link went down */
		activation__fail(
			a, ACTIVATION_ERR_DISCONNECTED,
			"the device disconnected while we were %s: bring it closer and try again",
			activation__doing(a));
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
		     activation_progress_fn progress_cb, activation_done_fn done,
		     void *user_data, struct activation **out)
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
	if (!a->o.press_timeout_ms)
		a->o.press_timeout_ms = DEFAULT_PRESS_MS;
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
	activation__progress(a, ACTIVATION_STEP_CONNECT, "connecting");
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
	activation__stop_timers(a);
	miauth_keypair_free(a->kp);
	sd_event_unref(a->ev);
	OPENSSL_cleanse(a, sizeof(*a)); /* the keys and the token */
	free(a);
}
