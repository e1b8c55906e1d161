/* SPDX-License-Identifier: MIT */
/* activation_std.c — standard auth (activation.h): the transfers on 0x0019 as a small
 * sub-machine in both directions (CMD → READY → frames → SUCCESS, ACK LOST answered by a
 * resend), registration (device info, public keys, the sealed DID, 13 → 11) and the token
 * login that checks it (notes §2-§5). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "activate/activation_int.h"
#include "activate/miauth.h"
#include "activate/rxfer.h"
#include "gatt/gatt.h"
#include "util/clock.h"

/* Control-point opcodes (32-bit LE on 0x0010; notes §3.1) */
#define OP_REG_SUCCESS        0x11
#define OP_REG_FAILED         0x12
#define OP_REG_VERIFY_SUCC    0x13
#define OP_REG_START_WO_PKI   0x15
#define OP_LOG_SUCCESS        0x21
#define OP_LOG_INVALID_LTMK   0x22
#define OP_LOG_FAILED         0x23
#define OP_LOG_START_W_RANDOM 0x24
#define OP_SYS_DEV_INFO_GET   0xA2
#define OP_ERR_NOT_REGISTERED 0xE0
#define OP_ERR_REGISTERED     0xE1
#define OP_ERR_REPEAT_LOGIN   0xE2
#define OP_ERR_INVALID_OOB    0xE3

#define RESENDS_MAX 8 /* ACK LOST answered this often per transfer, then we give up */
#define BUSY_RETRY_MS 1000 /* a device waiting for its button is asked again this often */

static void write_auth(struct activation *a, const uint8_t *frame, size_t len)
{
	activation__io_put(a, GATT_OP_WRITE, CHR_STD_AUTH, frame, len, false);
}

static void write_opcode(struct activation *a, uint8_t opcode)
{
	const uint8_t v[4] = { opcode, 0, 0, 0 };

	activation__io_put(a, GATT_OP_WRITE, CHR_CTRL, v, sizeof(v), false);
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
	static const char *const n[] = {
		"SUCCESS", "READY", "BUSY", "TIMEOUT", "CANCEL", "LOST"
	};

	return code < sizeof(n) / sizeof(n[0]) ? n[code] : "unknown";
}

/* Announce the transfer again: the device answered BUSY to the last announcement */
static int on_busy_retry(sd_event_source *s, uint64_t usec, void *data)
{
	struct activation *a = data;
	uint8_t f[RXFER_FRAME_MAX];

	(void)s;
	(void)usec;
	a->retry = sd_event_source_disable_unref(a->retry);
	if (a->state < ST_CLOSING && a->x.active && a->x.tx && !a->x.ready) {
		activation__arm(a); /* the step's time counts from this question */
		write_auth(a, f, rxfer_cmd(f, a->x.type, rxfer_frames(a->x.len)));
	}
	return 0;
}

/* ACK BUSY to our announcement: a device that registers only after its button is pressed
 * (front binding, or a "press the button" pairing mode; notes §1, §2, §6.1). The first one
 * asks the user; each is answered by announcing again a second later, until READY or the
 * press time-out. */
static void on_busy(struct activation *a)
{
	uint64_t now = clock_mono_us();

	if (!a->press_until) {
		char what[160];

		a->press_until = now + a->o.press_timeout_ms * 1000ull;
		snprintf(what, sizeof(what),
			 "press the button on the sensor (hold its pair button until it blinks): "
			 "waiting up to %u s",
			 (a->o.press_timeout_ms + 999) / 1000);
		activation__progress(a, ACTIVATION_STEP_PRESS, what);
	} else if (now >= a->press_until) {
		activation__fail(
			a, ACTIVATION_ERR_BUTTON,
			"the device still waited for its button after %u s (it answered BUSY while we "
			"were %s): press or hold its pair button until it blinks, then try again",
			(a->o.press_timeout_ms + 999) / 1000, activation__doing(a));
		return;
	}
	/* no step time-out while we wait to ask again: the retry starts the next */
	a->timer = sd_event_source_disable_unref(a->timer);
	a->retry = sd_event_source_disable_unref(a->retry);
	if (sd_event_add_time_relative(a->ev, &a->retry, CLOCK_MONOTONIC,
				       BUSY_RETRY_MS * 1000ull, 10000, on_busy_retry, a) < 0)
		activation__fail(a, ACTIVATION_ERR_INTERNAL,
				 "no timer to ask the busy device again");
}

static void on_tx_frame(struct activation *a, const struct rxfer_frame *f)
{
	struct xfer *x = &a->x;

	if (f->kind != RXFER_KIND_ACK) {
		activation__fail(
			a, ACTIVATION_ERR_PROTOCOL,
			"the device sent a %s frame while we were %s: it does not follow the "
			"standard-auth protocol",
			f->kind == RXFER_KIND_CMD ? "command" : "data", activation__doing(a));
		return;
	}
	if (f->code == RXFER_ACK_BUSY && !x->ready) {
		on_busy(a);
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
	activation__fail(a, ACTIVATION_ERR_PROTOCOL,
			 "the device answered ACK %s (0x%02x) while we were %s",
			 ack_name(f->code), f->code, activation__doing(a));
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
			activation__fail(
				a, ACTIVATION_ERR_PROTOCOL,
				"the device announced transfer type 0x%02x while we were %s "
				"(expected 0x%02x)",
				f->code, activation__doing(a), x->type);
			return;
		}
		if (rxfer_rx_start(&x->rx, f->code, f->arg) < 0) {
			write_auth(a, out, rxfer_ack(out, RXFER_ACK_CANCEL));
			activation__fail(
				a, ACTIVATION_ERR_PROTOCOL,
				"the device announced %u frames while we were %s: more than we take",
				f->arg, activation__doing(a));
			return;
		}
		x->ready = true;
		write_auth(a, out, rxfer_ack(out, RXFER_ACK_READY));
		return;
	}
	if (!x->ready) {
		activation__fail(a, ACTIVATION_ERR_PROTOCOL,
				 "the device sent data before announcing it while we were %s",
				 activation__doing(a));
		return;
	}
	r = rxfer_rx_put(&x->rx, f);
	if (r < 0) {
		activation__fail(a, ACTIVATION_ERR_PROTOCOL,
				 "the device sent frame %u that cannot belong to its "
				 "transfer of %u frames while we were %s",
				 f->sn, x->rx.n, activation__doing(a));
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
			activation__fail(a, ACTIVATION_ERR_PROTOCOL,
					 "frames kept getting lost while we were %s",
					 activation__doing(a));
			return;
		}
		write_auth(a, out, rxfer_ack_lost(out, rxfer_rx_missing(&x->rx)));
	}
}

void activation__std_auth(struct activation *a, const uint8_t *v, size_t len)
{
	struct rxfer_frame f;
	int r = rxfer_parse(v, len, &f);

	if (r == -EPROTONOSUPPORT) {
		activation__fail(
			a, ACTIVATION_ERR_PROTOCOL,
			"the device uses a newer frame mode (0x%02x) we do not speak, while we were %s",
			len > 2 ? v[2] : 0, activation__doing(a));
		return;
	}
	if (r < 0) {
		activation__fail(a, ACTIVATION_ERR_PROTOCOL,
				 "the device sent a malformed frame while we were %s",
				 activation__doing(a));
		return;
	}
	if (!a->x.active) {
		if (f.kind == RXFER_KIND_ACK)
			return;
		activation__fail(a, ACTIVATION_ERR_PROTOCOL,
				 "the device sent an unexpected frame while we were "
				 "%s",
				 activation__doing(a));
		return;
	}
	activation__arm(a);
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
	static const char alnum[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
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
		activation__fail(a, ACTIVATION_ERR_PROTOCOL,
				 "the device info is %zu bytes, too short", len);
		return;
	}
	version = (uint16_t)(p[0] | p[1] << 8);
	if (len >= 4 + MIAUTH_DID_LEN) {
		/* registered before: keep its DID, as TelinkFlasher does, so Mi Home's record of
		 * the device stays usable (notes §9.2) */
		memcpy(a->did, p + 4, MIAUTH_DID_LEN);
	} else if (version >= 2) {
		activation__fail(
			a, ACTIVATION_ERR_NOT_LOCAL,
			"the device speaks standard auth v%u, whose registration needs a certificate "
			"from Xiaomi's cloud: get its key with a cloud token extractor and give it with "
			"MI32Key",
			version);
		return;
	} else if (invent_did(a->did) < 0) {
		activation__fail(a, ACTIVATION_ERR_INTERNAL,
				 "no random numbers for a device id");
		return;
	} else {
		a->res.did_invented = true;
	}
	did_text(a->did, a->res.did);
	activation__progress(a, ACTIVATION_STEP_KEYS, "exchanging keys");
	activation__enter(a, ST_PUBKEY_TX);
	write_opcode(a, OP_REG_START_WO_PKI);
	tx_start(a, RXFER_TYPE_ECC_PUBKEY, a->pub, sizeof(a->pub));
}

static void pubkey_done(struct activation *a)
{
	uint8_t secret[MIAUTH_SECRET_LEN], sealed[MIAUTH_DID_CT_LEN];
	int r;

	if (a->x.rx.len != MIAUTH_PUB_LEN) {
		activation__fail(a, ACTIVATION_ERR_PROTOCOL,
				 "the device's public key is %zu bytes, not 64", a->x.rx.len);
		return;
	}
	r = miauth_shared(a->kp, a->x.rx.buf, secret);
	if (r == -EINVAL) {
		activation__fail(a, ACTIVATION_ERR_PROTOCOL,
				 "the device's public key is not a P-256 point");
		return;
	}
	if (r < 0 || miauth_reg_keys(secret, &a->keys) < 0 ||
	    miauth_did_seal(a->keys.a_key, a->did, sealed) < 0) {
		OPENSSL_cleanse(secret, sizeof(secret));
		activation__fail(a, ACTIVATION_ERR_INTERNAL,
				 "libcrypto failed to derive the keys");
		return;
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	activation__progress(a, ACTIVATION_STEP_REGISTER,
			     a->res.did_invented ? "registering with a new device id"
						 : "registering with the device's own id");
	activation__enter(a, ST_DID_TX);
	tx_start(a, RXFER_TYPE_PASS_THROUGH, sealed, sizeof(sealed));
}

static void login_start(struct activation *a)
{
	/* the device committed them on REG_SUCCESS; the login checks the token */
	memcpy(a->res.token, a->keys.token, sizeof(a->res.token));
	memcpy(a->res.bind_key, a->keys.bind_key, sizeof(a->res.bind_key));
	if (miauth_random(a->app_random, sizeof(a->app_random)) < 0) {
		activation__fail(a, ACTIVATION_ERR_INTERNAL, "no random numbers for the login");
		return;
	}
	activation__progress(a, ACTIVATION_STEP_LOGIN,
			     "logging in with the new token to check it");
	activation__enter(a, ST_LOGIN_TX_RANDOM);
	write_opcode(a, OP_LOG_START_W_RANDOM);
	tx_start(a, RXFER_TYPE_APP_RANDOM, a->app_random, sizeof(a->app_random));
}

static void dev_random_done(struct activation *a)
{
	if (a->x.rx.len != MIAUTH_RANDOM_LEN) {
		activation__fail(a, ACTIVATION_ERR_PROTOCOL,
				 "the device's login random is %zu bytes, not 16", a->x.rx.len);
		return;
	}
	memcpy(a->dev_random, a->x.rx.buf, MIAUTH_RANDOM_LEN);
	if (miauth_login_keys(a->keys.token, a->app_random, a->dev_random, &a->login) < 0) {
		activation__fail(a, ACTIVATION_ERR_INTERNAL,
				 "libcrypto failed to derive the login keys");
		return;
	}
	activation__enter(a, ST_LOGIN_RX_CONFIRM);
	rx_expect(a, RXFER_TYPE_DEV_CONFIRMATION);
}

static void dev_confirm_done(struct activation *a)
{
	uint8_t want[MIAUTH_HMAC_LEN], ours[MIAUTH_HMAC_LEN];

	if (miauth_confirm(a->login.dev_key, a->dev_random, a->app_random, want) < 0 ||
	    miauth_confirm(a->login.app_key, a->app_random, a->dev_random, ours) < 0) {
		activation__fail(a, ACTIVATION_ERR_INTERNAL,
				 "libcrypto failed to compute the confirmations");
		return;
	}
	if (a->x.rx.len != MIAUTH_HMAC_LEN || CRYPTO_memcmp(want, a->x.rx.buf, sizeof(want))) {
		activation__fail(
			a, ACTIVATION_ERR_LOGIN_FAILED,
			"the device's login confirmation does not match the new token: the "
			"registration did not take, try again");
		return;
	}
	activation__enter(a, ST_LOGIN_TX_CONFIRM);
	tx_start(a, RXFER_TYPE_APP_CONFIRMATION, ours, sizeof(ours));
}

static void xfer_done(struct activation *a)
{
	switch (a->state) {
	case ST_INFO:
		info_done(a);
		break;
	case ST_PUBKEY_TX:
		activation__enter(a, ST_PUBKEY_RX);
		rx_expect(a, RXFER_TYPE_ECC_PUBKEY);
		break;
	case ST_PUBKEY_RX:
		pubkey_done(a);
		break;
	case ST_DID_TX:
		activation__enter(a, ST_REG_RESULT);
		write_opcode(a, OP_REG_VERIFY_SUCC);
		break;
	case ST_LOGIN_TX_RANDOM:
		activation__enter(a, ST_LOGIN_RX_RANDOM);
		rx_expect(a, RXFER_TYPE_DEV_RANDOM);
		break;
	case ST_LOGIN_RX_RANDOM:
		dev_random_done(a);
		break;
	case ST_LOGIN_RX_CONFIRM:
		dev_confirm_done(a);
		break;
	case ST_LOGIN_TX_CONFIRM:
		activation__enter(a, ST_LOGIN_RESULT);
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

void activation__std_ctrl(struct activation *a, const uint8_t *v, size_t len)
{
	uint32_t op;

	if (len != 4) {
		activation__fail(
			a, ACTIVATION_ERR_PROTOCOL,
			"the device sent a %zu-byte opcode while we were %s (opcodes are 4 bytes)",
			len, activation__doing(a));
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
		activation__succeed(a);
		return;
	}
	if (op == OP_REG_FAILED) {
		activation__fail(
			a, ACTIVATION_ERR_REG_FAILED,
			"the device refused the registration (REG_FAILED) while we were %s: if it is "
			"bound to Mi Home or needs its pair button, remove it there or hold the button "
			"until it blinks, then try again",
			activation__doing(a));
		return;
	}
	if (a->state >= ST_LOGIN_TX_RANDOM && a->state <= ST_LOGIN_RESULT &&
	    (op == OP_LOG_FAILED || op == OP_LOG_INVALID_LTMK || op == OP_ERR_NOT_REGISTERED)) {
		activation__fail(
			a, ACTIVATION_ERR_LOGIN_FAILED,
			"the device refused the login with the new token (%s) while we were %s: the "
			"registration did not take, try again",
			opcode_name(op), activation__doing(a));
		return;
	}
	activation__fail(a, ACTIVATION_ERR_PROTOCOL,
			 "the device answered opcode 0x%02x (%s) while we were %s", op,
			 opcode_name(op), activation__doing(a));
}

void activation__std_subscribed(struct activation *a)
{
	activation__enter(a, ST_INFO);
	rx_expect(a, RXFER_TYPE_PASS_THROUGH);
	write_opcode(a, OP_SYS_DEV_INFO_GET);
}
