/* SPDX-License-Identifier: MIT */
/* fuzz_activation.c — the activation state machine (src/activate) on whatever a device
 * sends: the characteristics list, the values read (version, product id, legacy beacon key
 * and version), the notifications on 0x0010/0x0019/0x0001 (opcodes, device info, public key,
 * login random and confirmation, legacy answers) and links that end, in any order.
 *
 * The GATT engine is replaced by a stand-in defined here (gatt_run, gatt_cancel; the real
 * gatt_ctx_init is in gatt_ctx.c): the core library is static, so the linker takes these and
 * never pulls gatt.o (a clash would fail the link, not hide). Each operation the activation queues waits
 * in a list; the input answers them.
 *
 * Input: byte 0 chooses the start (bit 0 --legacy; bits 1-2 the product id: none,
 * LYWSD03MMC, a legacy dimmer, an unencrypted LYWSD02). Then records [tag][n][n bytes]:
 *   tag & 3 == 0  the oldest queued operation succeeds with the bytes as its value (op 7
 *                 with n = 0 or 1 gets a standard or a legacy device's list)
 *   tag & 3 == 1  it fails with error (tag >> 2) % 12 + 1
 *   tag & 3 == 2  a notification on 0x0010, 0x0019 or 0x0001 ((tag >> 2) % 3)
 *   tag & 3 == 3  that subscription ends (op 5)
 * Checked: done comes once, nothing is queued after it, a failure carries no key, and the
 * sentence is a terminated, non-empty string. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "activate/activation.h"
#include "gatt/gatt.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PENDING_MAX 64

static struct {
	struct gatt_ctx ctx;
	gatt_fn cb;
	void *user_data;
} pending[PENDING_MAX];
static unsigned int n_pending;
static gatt_fn sub_cb; /* where notifications and op 5 go: the activation's callback */
static void *sub_data;
static int dones;

/* ---- the stand-in engine --------------------------------------------------------------- */

int gatt_run(struct gatt *g, const struct gatt_ctx *ctx, gatt_fn cb, void *user_data)
{
	(void)g;
	if (dones)
		abort(); /* nothing after the end */
	if (n_pending >= PENDING_MAX)
		return -ENOMEM;
	pending[n_pending].ctx = *ctx;
	pending[n_pending].cb = cb;
	pending[n_pending].user_data = user_data;
	n_pending++;
	if (cb) {
		sub_cb = cb;
		sub_data = user_data;
	}
	return 0;
}

void gatt_cancel(struct gatt *g, void *user_data)
{
	(void)g;
	for (unsigned int i = 0; i < n_pending; i++)
		if (pending[i].user_data == user_data)
			pending[i].cb = NULL;
	if (sub_data == user_data)
		sub_cb = NULL;
}

/* ---- the harness --------------------------------------------------------------------- */

static void on_done(const struct activation_result *r, void *user_data)
{
	(void)user_data;
	if (dones++ || !memchr(r->message, 0, sizeof(r->message)) || !r->message[0])
		abort();
	if (getenv("MI32_FUZZ_SAY")) /* how far a seed gets */
		fprintf(stderr, "%d: %s\n", r->error, r->message);
	if (r->error) {
		for (size_t i = 0; i < sizeof(r->bind_key); i++)
			if (r->bind_key[i] || (i < sizeof(r->token) && r->token[i]))
				abort(); /* a failure leaks nothing derived */
	}
}

/* [count] then per characteristic [bits 16][UUID LE][props][handle LE], as op 7 gives */
static size_t chars_list(uint8_t *b, bool legacy)
{
	static const uint16_t std[] = { 0x0002, 0x0004, 0x0010, 0x0019 };
	static const uint16_t leg[] = { 0x0001, 0x0004, 0x0010, 0x0014 };
	const uint16_t *u = legacy ? leg : std;
	size_t n = 1;

	b[0] = 4;
	for (int i = 0; i < 4; i++) {
		b[n++] = 16;
		b[n++] = (uint8_t)u[i];
		b[n++] = (uint8_t)(u[i] >> 8);
		b[n++] = 0x1a;
		b[n++] = (uint8_t)(0x10 + 3 * i);
		b[n++] = 0;
	}
	return n;
}

static void answer(const uint8_t *v, size_t n, int error)
{
	struct gatt_result r = { 0 };
	gatt_fn cb = pending[0].cb;
	void *data = pending[0].user_data;
	const struct gatt_ctx ctx = pending[0].ctx;

	memmove(pending, pending + 1, --n_pending * sizeof(pending[0]));
	if (!cb)
		return;
	memcpy(r.mac, ctx.mac, 6);
	r.error = error;
	r.op = ctx.op % GATT_OP_ONESHOT;
	r.uuid16 = ctx.chr[0] ? (uint16_t)strtoul(ctx.chr, NULL, 16) : 0;
	if (!error && r.op == GATT_OP_CHARS && n <= 1) {
		r.buf[0] = (uint8_t)chars_list(r.buf + 1, n == 1);
	} else if (!error) {
		r.buf[0] = (uint8_t)n;
		memcpy(r.buf + 1, v, n);
	}
	cb(&r, data);
}

static void event(int op, uint16_t uuid, const uint8_t *v, size_t n)
{
	struct gatt_result r = { 0 };

	if (!sub_cb)
		return;
	r.op = op;
	r.uuid16 = uuid;
	r.error = op == GATT_OP_DISCONNECT ? GATT_ERR_DISCONNECTED : 0;
	r.buf[0] = (uint8_t)n;
	memcpy(r.buf + 1, v, n);
	sub_cb(&r, sub_data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t pids[] = { 0, 0x055B, 950, 0x045B };
	static const uint16_t uuids[] = { 0x0010, 0x0019, 0x0001 };
	static sd_event *ev;
	static int engine; /* the stand-in's gatt: only its address is passed around */
	struct activation_opts o = { .mac = { 0xA4, 0xC1, 0x38, 0, 0, 7 } };
	struct activation *a = NULL;
	size_t off = 1;

	if (!ev) {
		log_set_level(LOG_CRIT); /* every failure is a notice */
		if (sd_event_new(&ev) < 0)
			abort();
	}
	if (size < 1)
		return 0;
	n_pending = 0;
	sub_cb = NULL;
	sub_data = NULL;
	dones = 0;
	o.legacy = data[0] & 1;
	o.pid = pids[(data[0] >> 1) & 3];
	if (activation_start(ev, (struct gatt *)&engine, &o, NULL, on_done, NULL, &a) < 0)
		return 0;
	while (off + 2 <= size && !dones) {
		uint8_t tag = data[off];
		size_t n = data[off + 1];

		off += 2;
		if (n > size - off)
			n = size - off;
		if (n > GATT_BUF_MAX - 1)
			n = GATT_BUF_MAX - 1;
		switch (tag & 3) {
		case 0:
		case 1:
			if (n_pending)
				answer(data + off, n, (tag & 3) ? (tag >> 2) % 12 + 1 : 0);
			break;
		case 2:
			event(GATT_OP_NOTIFICATION, uuids[(tag >> 2) % 3], data + off, n);
			break;
		default:
			event(GATT_OP_DISCONNECT, uuids[(tag >> 2) % 3], data + off, 0);
			break;
		}
		off += n;
	}
	activation_free(a);
	return 0;
}
