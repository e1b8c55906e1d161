/* SPDX-License-Identifier: MIT */
/* test_gatt.c — the seed's client ops (SPEC §11.2) against a fake org.bluez on a private
 * dbus-daemon: every op, one-shot variants, every error code, notifications, the peer
 * disconnecting, the per-peer queue, and bluetoothd leaving and coming back. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gatt/gatt.h"
#include "util/clock.h"
#include "gatt_fixture.h"

#define PEER "A4:C1:38:00:00:01"
#define SVC_BAT "180F"
#define CHR_BAT "2A19"
#define SVC_MI "EBE0CCB0-7A0A-4B0C-8A1A-6FF2997DA3A6"
#define CHR_TIME "EBE0CCB7-7A0A-4B0C-8A1A-6FF2997DA3A6"
#define CHR_TH "ebe0ccc1-7a0a-4b0c-8a1a-6ff2997da3a6"

static const uint8_t peer_mac[6] = { 0xA4, 0xC1, 0x38, 0x00, 0x00, 0x01 };

/* A LYWSD02-like peer: battery service, the Mi service with a clock and two T/H chars */
static void add_peer(struct t *t, const char *mode)
{
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddPeer", "sss", PEER, "public", mode), 0);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddService", "ssq", PEER, SVC_BAT, 0x10), 0);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddChar", "sssssq", PEER, SVC_BAT, CHR_BAT,
				     "read", "39", 0x11), 0);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddService", "ssq", PEER, SVC_MI, 0x30), 0);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddChar", "sssssq", PEER, SVC_MI, CHR_TIME,
				     "read,write,write-without-response", "00000000", 0x31), 0);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddChar", "sssssq", PEER, SVC_MI, CHR_TH,
				     "read,notify", "", 0x34), 0);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddChar", "sssssq", PEER, SVC_MI, CHR_TH,
				     "notify", "", 0x37), 0);
}

static int setup(void **state)
{
	struct gatt_opts o = { .connect_timeout_ms = 3000, .notify_timeout_ms = 1000 };

	return fixture_setup(state, &o);
}

static void ctx(struct gatt_ctx *c, const char *svc, const char *chr, int op)
{
	gatt_ctx_init(c, peer_mac, 0, svc, chr, op);
}

static int run(struct t *t, struct gatt_ctx *c)
{
	return gatt_run(t->g, c, on_result, t);
}

static bool notify(struct t *t, uint16_t handle, const char *hex)
{
	sd_bus_message *m = NULL;
	int ok = 0;

	assert_int_equal(fakebus_ctl(&t->fb, &m, "Notify", "ssqs", PEER, CHR_TH, handle, hex), 0);
	assert_true(sd_bus_message_read(m, "b", &ok) > 0);
	sd_bus_message_unref(m);
	return ok;
}

/* ---- 1 read, 11 one-shot read, by handle ----------------------------------------- */

static void read_ops(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;

	add_peer(t, "ok");
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ);
	assert_int_equal(run(t, &c), 0);
	assert_int_equal(t->n, 0); /* never from inside gatt_run() */
	assert_true(run_until_n(t, 1));
	assert_int_equal(t->res[0].error, GATT_OK);
	assert_int_equal(t->res[0].op, 1);
	assert_int_equal(t->res[0].uuid16, 0x2A19);
	assert_int_equal(t->res[0].handle, 0x12); /* the value handle: declaration + 1 */
	assert_int_equal(t->res[0].buf[0], 1);
	assert_int_equal(t->res[0].buf[1], 0x39);

	/* by handle, without UUIDs (the seed's arg1), and one-shot */
	ctx(&c, "", "", GATT_OP_READ + GATT_OP_ONESHOT);
	c.handle = 0x12;
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 2));
	assert_int_equal(t->res[1].error, GATT_OK);
	assert_int_equal(t->res[1].op, 1);
	assert_int_equal(t->res[1].buf[1], 0x39);
	/* ConnectDevice once (unknown to bluetoothd), the one-shot disconnects */
	assert_int_equal(calls(t, "ConnectDevice " PEER " public"), 1);
	assert_int_equal(calls(t, "Disconnect " PEER), 1);
}

/* ---- 2 write, 12 one-shot write, 7 and 8 ------------------------------------------ */

static void write_ops(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;
	char *w;

	/* bluetoothd knows it: Device1.Connect (directly, or after ConnectDevice said
	 * AlreadyExists when the device's signal was not in yet) */
	add_peer(t, "known");
	ctx(&c, SVC_MI, CHR_TIME, GATT_OP_WRITE);
	c.response = true;
	c.buf[0] = 5;
	memcpy(c.buf + 1, "\x10\x20\x30\x40\x02", 5);
	assert_int_equal(run(t, &c), 0);
	ctx(&c, SVC_MI, CHR_TIME, GATT_OP_WRITE + GATT_OP_ONESHOT);
	c.buf[0] = 1;
	c.buf[1] = 0xFF;
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 2));
	assert_int_equal(t->res[0].error, GATT_OK);
	assert_int_equal(t->res[0].op, 2);
	assert_int_equal(t->res[0].uuid16, 0xCCB7);
	assert_int_equal(t->res[1].error, GATT_OK);
	assert_int_equal(t->res[1].op, 2);
	w = ctl_str(t, "Written", "ss", PEER, CHR_TIME);
	assert_string_equal(w, "1020304002/request ff/command");
	free(w);
	assert_int_equal(calls(t, "Connect " PEER), 1);

	/* 7: a characteristic without write properties */
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_WRITE);
	c.buf[0] = 1;
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 3));
	assert_int_equal(t->res[2].error, GATT_ERR_NOT_WRITABLE);
	/* 8: the peer refuses the write */
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetFail", "sss", PEER, CHR_TIME,
				     "WriteValue=org.bluez.Error.Failed"), 0);
	ctx(&c, SVC_MI, CHR_TIME, GATT_OP_WRITE);
	c.response = true;
	c.buf[0] = 1;
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 4));
	assert_int_equal(t->res[3].error, GATT_ERR_WRITE);
	assert_int_equal(t->res[3].op, 2);
}

/* ---- 3, 4, 5 and 6: no service, no characteristic, read refused ------------------- */

static void lookup_and_read_errors(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;

	add_peer(t, "ok");
	ctx(&c, "1812", CHR_BAT, GATT_OP_READ);
	assert_int_equal(run(t, &c), 0);
	ctx(&c, SVC_BAT, "2A1A", GATT_OP_READ);
	assert_int_equal(run(t, &c), 0);
	ctx(&c, SVC_MI, CHR_TH, GATT_OP_READ);
	c.handle = 0x38; /* the second T/H characteristic has no read property */
	assert_int_equal(run(t, &c), 0);
	ctx(&c, SVC_MI, CHR_TIME, GATT_OP_SUBSCRIBE); /* cannot notify */
	assert_int_equal(run(t, &c), 0);
	ctx(&c, "", "", GATT_OP_READ);
	c.handle = 0x99;
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 5));
	assert_int_equal(t->res[0].error, GATT_ERR_NO_SERVICE);
	assert_int_equal(t->res[1].error, GATT_ERR_NO_CHAR);
	assert_int_equal(t->res[2].error, GATT_ERR_READ);
	assert_int_equal(t->res[3].error, GATT_ERR_NOTIFY);
	assert_int_equal(t->res[3].op, 3);
	assert_int_equal(t->res[4].error, GATT_ERR_NO_CHAR);

	/* the peer refuses a read it advertises */
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetFail", "sss", PEER, CHR_BAT,
				     "ReadValue=org.bluez.Error.NotPermitted"), 0);
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 6));
	assert_int_equal(t->res[5].error, GATT_ERR_READ);
	assert_int_equal(t->res[5].buf[0], 0);
}

/* ---- 1: could not connect (refused, silent, never seen) ----------------------------- */

static void connect_errors(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;
	uint64_t t0;

	add_peer(t, "refuse");
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 1));
	assert_int_equal(t->res[0].error, GATT_ERR_CONNECT);
	assert_int_equal(t->res[0].op, 1);

	/* a peer that never answers: the connect time-out (3 s here), then Disconnect */
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddPeer", "sss", "A4:C1:38:00:00:02",
				     "random", "hang"), 0);
	gatt_ctx_init(&c, (const uint8_t[]){ 0xA4, 0xC1, 0x38, 0, 0, 2 }, 1, SVC_BAT, CHR_BAT,
		      GATT_OP_READ);
	t0 = clock_mono_us();
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 2));
	assert_int_equal(t->res[1].error, GATT_ERR_CONNECT);
	assert_true(clock_mono_us() - t0 >= 2900000);

	/* nobody with this address */
	gatt_ctx_init(&c, (const uint8_t[]){ 1, 2, 3, 4, 5, 6 }, 0, SVC_BAT, CHR_BAT,
		      GATT_OP_READ);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 3));
	assert_int_equal(t->res[2].error, GATT_ERR_CONNECT);
	assert_int_equal(calls(t, "ConnectDevice A4:C1:38:00:00:02 random"), 1);
	assert_int_equal(calls(t, "Disconnect A4:C1:38:00:00:02"), 1);
}

/* bluetoothd 5.66 may not signal Connected (seen on the real stack): ServicesResolved is
 * enough, and the one-shot still disconnects */
static void connected_unsaid(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;

	add_peer(t, "quiet");
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ + GATT_OP_ONESHOT);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 1));
	assert_int_equal(t->res[0].error, GATT_OK);
	assert_int_equal(t->res[0].buf[1], 0x39);
	assert_int_equal(calls(t, "Disconnect " PEER), 1);
}

/* One-shots in a row connect again each time, whatever the order of bluetoothd 5.66's two
 * signals when the link goes (both seen on the real stack, where the third or fourth
 * command on one peer timed out): Connected false after the Disconnect reply, or before
 * ServicesResolved false, or never after a link it never said Connected for */
static void reconnect_after_oneshot(void **state)
{
	static const char *const modes[] = { "ok", "connected-first", "quiet" };
	struct t *t = *state;
	struct gatt_ctx c;
	unsigned int n = 0;

	add_peer(t, "ok");
	for (unsigned int m = 0; m < 3; m++) {
		assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetMode", "ss", PEER, modes[m]), 0);
		for (int i = 0; i < 3; i++) {
			ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ + GATT_OP_ONESHOT);
			assert_int_equal(run(t, &c), 0);
			assert_true(run_until_n(t, ++n));
			assert_int_equal(t->res[n - 1].error, GATT_OK);
			assert_int_equal(t->res[n - 1].buf[1], 0x39);
		}
	}
	/* the first of all by ConnectDevice, every other by Device1.Connect */
	assert_int_equal(calls(t, "ConnectDevice " PEER), 1);
	assert_int_equal(calls(t, "Connect " PEER), 8);
	assert_int_equal(calls(t, "Disconnect " PEER), 9);
}

/* bluetoothd without -E: no ConnectDevice, so a filtered LE discovery finds the peer */
static void connect_by_discovery(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;

	assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetExperimental", "b", 0), 0);
	add_peer(t, "ok");
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ + GATT_OP_ONESHOT);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 1));
	assert_int_equal(t->res[0].error, GATT_OK);
	assert_int_equal(t->res[0].buf[1], 0x39);
	assert_int_equal(calls(t, "SetDiscoveryFilter le"), 1);
	assert_int_equal(calls(t, "StartDiscovery"), 1);
	assert_int_equal(calls(t, "StopDiscovery"), 1);
	assert_int_equal(calls(t, "Connect " PEER), 1);
	/* a peer nobody finds: the connect time-out, and the discovery is stopped */
	gatt_ctx_init(&c, (const uint8_t[]){ 1, 2, 3, 4, 5, 6 }, 0, SVC_BAT, CHR_BAT,
		      GATT_OP_READ);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 2));
	assert_int_equal(t->res[1].error, GATT_ERR_CONNECT);
	assert_int_equal(calls(t, "StopDiscovery"), 2);
}

/* A peer with its two T/H characteristics subscribed (the link stays up) */
static void subscribed(struct t *t)
{
	struct gatt_ctx c;

	add_peer(t, "ok");
	ctx(&c, SVC_MI, CHR_TH, GATT_OP_SUBSCRIBE);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 1));
	assert_int_equal(t->res[0].error, GATT_OK);
}

/* ---- 3 subscribe, 103 notifications, 4 unsubscribe --------------------------------- */

static void subscribe_ops(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;

	subscribed(t);
	assert_int_equal(t->res[0].op, 3);
	/* both characteristics with that UUID, value handles high byte first */
	assert_int_equal(t->res[0].buf[0], 4);
	assert_memory_equal(t->res[0].buf + 1, "\x00\x35\x00\x38", 4);

	assert_true(notify(t, 0x34, "5a0a32b80b"));
	assert_true(run_until_n(t, 2));
	assert_int_equal(t->res[1].op, GATT_OP_NOTIFICATION);
	assert_int_equal(t->res[1].error, 0);
	assert_int_equal(t->res[1].uuid16, 0xCCC1);
	assert_int_equal(t->res[1].handle, 0x35);
	assert_memory_equal(t->res[1].mac, peer_mac, 6);
	assert_int_equal(t->res[1].buf[0], 5);
	assert_memory_equal(t->res[1].buf + 1, "\x5a\x0a\x32\xb8\x0b", 5);
	assert_true(notify(t, 0x37, "01"));
	assert_true(run_until_n(t, 3));
	assert_int_equal(t->res[2].handle, 0x38);

	/* a read of a subscribed characteristic is a read, not a notification */
	ctx(&c, SVC_MI, CHR_TH, GATT_OP_READ);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 4));
	assert_int_equal(t->res[3].op, 1);

	ctx(&c, SVC_MI, CHR_TH, GATT_OP_UNSUBSCRIBE);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 5));
	assert_int_equal(t->res[4].op, 4);
	assert_int_equal(t->res[4].error, 0);
	assert_int_equal(t->res[4].buf[0], 4);
	assert_false(notify(t, 0x34, "00")); /* the fake says: not notifying any more */
	assert_int_equal(t->n, 5);
}

/* ---- 13: the first notification, or 9 ----------------------------------------------- */

static void oneshot_subscribe(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;

	add_peer(t, "ok");
	ctx(&c, SVC_MI, CHR_TH, GATT_OP_SUBSCRIBE + GATT_OP_ONESHOT);
	c.handle = 0x35;
	assert_int_equal(run(t, &c), 0);
	/* wait until the fake has the subscription, then notify */
	while (!notify(t, 0x34, "e8031e340c"))
		sd_event_run(t->ev, 50000);
	assert_true(run_until_n(t, 1));
	assert_int_equal(t->res[0].error, GATT_OK);
	assert_int_equal(t->res[0].op, 3);
	assert_int_equal(t->res[0].buf[0], 5);
	assert_memory_equal(t->res[0].buf + 1, "\xe8\x03\x1e\x34\x0c", 5);
	assert_int_equal(calls(t, "Disconnect " PEER), 1);

	/* no notification: 9 after the notify time-out (1 s here, the seed's 15 s default) */
	ctx(&c, SVC_MI, CHR_TH, GATT_OP_SUBSCRIBE + GATT_OP_ONESHOT);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 2));
	assert_int_equal(t->res[1].error, GATT_ERR_NOTIFY_TIMEOUT);
	assert_int_equal(t->res[1].op, 3);
	assert_int_equal(calls(t, "Disconnect " PEER), 2);
}

/* ---- the peer disconnects; 5 disconnect --------------------------------------------- */

static void disconnects(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;

	add_peer(t, "ok");
	ctx(&c, SVC_MI, CHR_TH, GATT_OP_SUBSCRIBE);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 1));
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "PeerDisconnect", "s", PEER), 0);
	/* one op 5 per subscription; BlueZ 5.66 gives no HCI reason: 2 */
	assert_true(run_until_n(t, 3));
	assert_int_equal(t->res[1].op, GATT_OP_DISCONNECT);
	assert_int_equal(t->res[1].error, GATT_ERR_DISCONNECTED);
	assert_int_equal(t->res[2].op, GATT_OP_DISCONNECT);

	/* reconnects for the next op; op 5 disconnects */
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ);
	assert_int_equal(run(t, &c), 0);
	ctx(&c, "", "", GATT_OP_DISCONNECT);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 5));
	assert_int_equal(t->res[3].error, GATT_OK);
	assert_int_equal(t->res[4].op, 5);
	assert_int_equal(t->res[4].error, GATT_OK);
	assert_int_equal(calls(t, "ConnectDevice " PEER), 1);
	assert_int_equal(calls(t, "Connect " PEER), 1);
	assert_int_equal(calls(t, "Disconnect " PEER), 1);
	/* 5 on a peer that is not connected: nothing to do, done */
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 6));
	assert_int_equal(t->res[5].error, GATT_OK);
}

/* An owner that gives up on hearing its subscription end (as the activation does) */
static void on_result_cancel(const struct gatt_result *r, void *data)
{
	struct t *t = data;

	on_result(r, data);
	if (r->op == GATT_OP_DISCONNECT)
		gatt_cancel(t->g, t);
}

/* The peer drops the link while the owner's next op is already queued: bluetoothd says
 * ServicesResolved false at once and Connected false later, so the op waits on a link that
 * is going down. The subscription hears that its link went (it used not to: the op just
 * connected again), and an op its owner cancelled does not bring the link up again. */
static void drop_while_queued(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;

	add_peer(t, "ok");
	ctx(&c, SVC_MI, CHR_TH, GATT_OP_SUBSCRIBE);
	assert_int_equal(gatt_run(t->g, &c, on_result_cancel, t), 0);
	assert_true(run_until_n(t, 1));
	assert_int_equal(t->res[0].error, GATT_OK);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "PeerDisconnect", "s", PEER), 0);
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ);
	assert_int_equal(gatt_run(t->g, &c, on_result_cancel, t), 0);
	assert_true(run_until_n(t, 2));
	assert_int_equal(t->res[1].op, GATT_OP_DISCONNECT);
	assert_int_equal(t->res[1].error, GATT_ERR_DISCONNECTED);
	ctx(&c, "", "", GATT_OP_DISCONNECT);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 3));
	assert_int_equal(t->res[2].op, GATT_OP_DISCONNECT);
	assert_int_equal(t->n, 3); /* the cancelled read said nothing */
	assert_int_equal(calls(t, "ConnectDevice " PEER), 1);
	assert_int_equal(calls(t, "Connect " PEER), 0);
	assert_int_equal(calls(t, "ReadValue"), 0);
}

/* The same drop, with an owner that does not give up (a script, a command): the queued
 * read hears that the link it was queued on went down, after the subscription's op 5. It
 * used to connect again to the peer that had gone (here refusing) and end, connect time-out
 * later, with "could not connect". */
static void drop_while_queued_tells_the_op(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;

	subscribed(t);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetMode", "ss", PEER, "refuse"), 0);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "PeerDisconnect", "s", PEER), 0);
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 4));
	/* op 5 for each of the two characteristics subscribed, then the read */
	assert_int_equal(t->res[1].op, GATT_OP_DISCONNECT);
	assert_int_equal(t->res[1].error, GATT_ERR_DISCONNECTED);
	assert_int_equal(t->res[2].op, GATT_OP_DISCONNECT);
	assert_int_equal(t->res[3].op, GATT_OP_READ);
	assert_int_equal(t->res[3].error, GATT_ERR_DISCONNECTED);
	assert_int_equal(calls(t, "Connect " PEER), 0);
	assert_int_equal(calls(t, "ReadValue"), 0);
}

/* ---- 6 list services, 7 list characteristics ---------------------------------------- */

static void list_ops(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;
	static const uint8_t mi_le[16] = { 0xa6, 0xa3, 0x7d, 0x99, 0xf2, 0x6f, 0x1a, 0x8a,
					   0x0c, 0x4b, 0x0a, 0x7a, 0xb0, 0xcc, 0xe0, 0xeb };

	add_peer(t, "ok");
	ctx(&c, "", "", GATT_OP_SERVICES);
	assert_int_equal(run(t, &c), 0);
	ctx(&c, SVC_BAT, "", GATT_OP_CHARS + GATT_OP_ONESHOT);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 2));
	/* [len][count] [16][0F 18] [128][16 bytes LE] */
	assert_int_equal(t->res[0].error, 0);
	assert_int_equal(t->res[0].op, 6);
	assert_int_equal(t->res[0].buf[0], 1 + 3 + 17);
	assert_int_equal(t->res[0].buf[1], 2);
	assert_memory_equal(t->res[0].buf + 2, "\x10\x0f\x18\x80", 4);
	assert_memory_equal(t->res[0].buf + 6, mi_le, 16);
	/* [len][count] [16][19 2A][props 02][handle 12 00] */
	assert_int_equal(t->res[1].op, 7);
	assert_int_equal(t->res[1].buf[0], 7);
	assert_memory_equal(t->res[1].buf + 1, "\x01\x10\x19\x2a\x02\x12\x00", 7);
}

/* ---- the queue: ops from several callers never interleave on one peer ---------------- */

static void queue_order(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;
	char *log;

	add_peer(t, "ok");
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ + GATT_OP_ONESHOT);
	assert_int_equal(run(t, &c), 0);
	ctx(&c, SVC_MI, CHR_TIME, GATT_OP_WRITE + GATT_OP_ONESHOT);
	c.buf[0] = 1;
	assert_int_equal(run(t, &c), 0);
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ + GATT_OP_ONESHOT);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 3));
	assert_int_equal(t->res[0].op, 1);
	assert_int_equal(t->res[1].op, 2);
	assert_int_equal(t->res[2].op, 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(t->res[i].error, 0);
	log = ctl_str(t, "Calls", NULL, NULL, NULL);
	/* each one-shot connects, works and disconnects before the next begins */
	{
		const char *p = log;
		const char *want[] = { "ConnectDevice", "ReadValue", "Disconnect", "Connect ",
				       "WriteValue", "Disconnect", "Connect ", "ReadValue",
				       "Disconnect" };

		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			p = strstr(p, want[i]);
			assert_non_null(p);
			p += strlen(want[i]);
		}
	}
	free(log);
}

/* ---- bluetoothd leaving and coming back; arguments refused --------------------------- */

/* A job queued behind a one-shot needs a new connection at once, while the peer may not
 * advertise yet: bluetoothd's Connect then fails at once (btvirt, and a radio whose peer
 * restarts its advertising late). Within the connect time-out it is tried again instead of
 * ending the job with error 1; the op 5 queued after it disconnects as asked. */
static void reconnect_retried(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;

	add_peer(t, "ok");
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ + GATT_OP_ONESHOT);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 1));
	assert_int_equal(t->res[0].error, GATT_OK);
	/* the next two Connects fail at once */
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetMode", "ss", PEER, "flaky 2"), 0);
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ);
	assert_int_equal(run(t, &c), 0);
	ctx(&c, NULL, NULL, GATT_OP_DISCONNECT);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 3));
	assert_int_equal(t->res[1].op, GATT_OP_READ);
	assert_int_equal(t->res[1].error, GATT_OK);
	assert_int_equal(t->res[1].buf[1], 0x39);
	assert_int_equal(t->res[2].op, GATT_OP_DISCONNECT);
	assert_int_equal(t->res[2].error, GATT_OK);
	assert_int_equal(calls(t, "Connect " PEER), 3);
	assert_int_equal(calls(t, "Disconnect " PEER), 2);
	/* a peer that never answers still ends with error 1 at the time-out */
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetMode", "ss", PEER, "flaky 1000"), 0);
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ + GATT_OP_ONESHOT);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 4));
	assert_int_equal(t->res[3].error, GATT_ERR_CONNECT);
}

/* bluetoothd 5.66 may say ServicesResolved before the services' InterfacesAdded (seen on
 * the real stack with a peer serving 180F): the op still finds its service and
 * characteristic, and a list of services has them all. */
static void services_after_resolved(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;

	add_peer(t, "late");
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ + GATT_OP_ONESHOT);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 1));
	assert_int_equal(t->res[0].error, GATT_OK);
	assert_int_equal(t->res[0].buf[1], 0x39);
	ctx(&c, SVC_MI, CHR_TIME, GATT_OP_READ + GATT_OP_ONESHOT);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 2));
	assert_int_equal(t->res[1].error, GATT_OK);
	ctx(&c, NULL, NULL, GATT_OP_SERVICES + GATT_OP_ONESHOT);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 3));
	assert_int_equal(t->res[2].error, GATT_OK);
	assert_int_equal(t->res[2].buf[1], 2); /* both services */
}

static void bluetoothd_restart(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;

	subscribed(t);
	fakebus_stop_fake(&t->fb);
	assert_true(run_until_ready(t, false));
	/* the subscriptions end with op 5 */
	assert_true(run_until_n(t, 3));
	assert_int_equal(t->res[1].op, 5);
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ);
	assert_int_equal(run(t, &c), -EHOSTDOWN);
	assert_int_equal(fakebus_start_fake(&t->fb), 0);
	assert_true(run_until_ready(t, true));
	add_peer(t, "ok");
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 4));
	assert_int_equal(t->res[3].error, 0);
	assert_int_equal(t->res[3].buf[1], 0x39);
}

/* A command right after start, before bluetoothd's tree is loaded: it waits for the tree
 * (it used to answer -EHOSTDOWN, "bluetoothd is not running", on a loaded machine) */
static void op_before_the_tree_waits(void **state)
{
	struct t *t = *state;
	struct gatt_opts o = { .bus_address = t->fb.address, .connect_timeout_ms = 3000 };
	struct gatt *g;
	struct gatt_ctx c;

	add_peer(t, "ok");
	assert_int_equal(gatt_new(t->ev, &o, &g), 0);
	assert_false(gatt_ready(g));
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ + GATT_OP_ONESHOT);
	assert_int_equal(gatt_run(g, &c, on_result, t), 0);
	assert_true(run_until_n(t, 1));
	assert_int_equal(t->res[0].error, GATT_OK);
	assert_int_equal(t->res[0].buf[1], 0x39);
	gatt_free(g);
}

/* bluetoothd not on the bus: an op queued while that was not known yet ends with error 1
 * as soon as it is; once known, gatt_run() says -EHOSTDOWN at once */
static void op_without_bluetoothd(void **state)
{
	struct t *t = *state;
	struct gatt_opts o = { .bus_address = t->fb.address, .connect_timeout_ms = 20000 };
	struct gatt *g;
	struct gatt_ctx c;
	uint64_t start;

	fakebus_stop_fake(&t->fb);
	assert_true(run_until_ready(t, false));
	assert_int_equal(gatt_new(t->ev, &o, &g), 0);
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ);
	assert_int_equal(gatt_run(g, &c, on_result, t), 0);
	start = clock_mono_us();
	assert_true(run_until_n(t, 1));
	assert_int_equal(t->res[0].error, GATT_ERR_CONNECT);
	assert_true(clock_mono_us() - start < 10000000ull); /* not the 20 s time-out */
	assert_int_equal(gatt_run(g, &c, on_result, t), -EHOSTDOWN);
	gatt_free(g);
	assert_int_equal(fakebus_start_fake(&t->fb), 0);
}

/* Shutting down (SIGTERM) mid-op or with subscriptions: the link goes down with us */
static void free_disconnects(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;
	uint64_t end = clock_mono_us() + WAIT_MS * 1000ull;

	subscribed(t);
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ);
	assert_int_equal(run(t, &c), 0); /* queued, not run */
	gatt_free(t->g);
	t->g = NULL;
	while (calls(t, "Disconnect " PEER) < 1 && clock_mono_us() < end)
		;
	assert_int_equal(calls(t, "Disconnect " PEER), 1);
	assert_int_equal(t->n, 1); /* no callback from a freed engine */
}

/* The daemon's SIGTERM: its loop exits (sd-bus closes the connection in its own exit
 * source) and only then does it free the engine: the link must go down before the bus
 * does, and nothing queued after that opens the bus again */
static void loop_exit_disconnects(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;
	uint64_t end = clock_mono_us() + WAIT_MS * 1000ull;

	subscribed(t);
	assert_int_equal(sd_event_exit(t->ev, 0), 0);
	while (sd_event_get_state(t->ev) != SD_EVENT_FINISHED && clock_mono_us() < end)
		sd_event_run(t->ev, 100000);
	ctx(&c, "", "", GATT_OP_DISCONNECT); /* an activation freed after the loop */
	assert_int_equal(run(t, &c), -ENOTCONN);
	while (calls(t, "Disconnect " PEER) < 1 && clock_mono_us() < end)
		;
	assert_int_equal(calls(t, "Disconnect " PEER), 1);
}

static void bad_arguments(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;

	ctx(&c, SVC_BAT, CHR_BAT, 8);
	assert_int_equal(run(t, &c), -EINVAL);
	ctx(&c, SVC_BAT, CHR_BAT, 15);
	assert_int_equal(run(t, &c), -EINVAL);
	ctx(&c, SVC_BAT, CHR_BAT, 103);
	assert_int_equal(run(t, &c), -EINVAL);
	ctx(&c, "18O F", CHR_BAT, GATT_OP_READ);
	assert_int_equal(run(t, &c), -EINVAL);
	ctx(&c, SVC_BAT, "EBE0CCB7-7A0A-4B0C-8A1A", GATT_OP_READ);
	assert_int_equal(run(t, &c), -EINVAL);
	assert_string_equal(gatt_strerror(GATT_ERR_NO_SERVICE), "the device has no such service");
}

/* the caller goes away: cancelled operations never call back */
static void cancel(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;
	int other = 0;

	add_peer(t, "ok");
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ);
	assert_int_equal(gatt_run(t->g, &c, on_result, &other), 0);
	assert_int_equal(run(t, &c), 0);
	gatt_cancel(t->g, &other);
	assert_true(run_until_n(t, 1));
	assert_int_equal(t->res[0].error, 0);
	assert_int_equal(other, 0);
}

/* no bus at all: the first op says so */
static void no_bus(void **state)
{
	struct gatt *g;
	struct gatt_opts o = { .bus_address = "unix:path=/nonexistent/mi32-bus" };
	struct gatt_ctx c;
	sd_event *ev;

	(void)state;
	assert_int_equal(sd_event_new(&ev), 0);
	assert_int_equal(gatt_new(ev, &o, &g), 0);
	assert_false(gatt_ready(g));
	ctx(&c, SVC_BAT, CHR_BAT, GATT_OP_READ);
	assert_int_equal(gatt_run(g, &c, NULL, NULL), -ENOTCONN);
	gatt_free(g);
	sd_event_unref(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(read_ops, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(write_ops, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(lookup_and_read_errors, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(connect_errors, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(connect_by_discovery, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(connected_unsaid, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(reconnect_after_oneshot, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(subscribe_ops, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(oneshot_subscribe, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(disconnects, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(drop_while_queued, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(list_ops, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(queue_order, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(reconnect_retried, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(services_after_resolved, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(bluetoothd_restart, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(drop_while_queued_tells_the_op, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(op_before_the_tree_waits, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(op_without_bluetoothd, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(free_disconnects, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(loop_exit_disconnects, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(bad_arguments, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(cancel, setup, fixture_teardown),
		cmocka_unit_test(no_bus),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
