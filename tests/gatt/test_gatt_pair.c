/* SPDX-License-Identifier: MIT */
/* test_gatt_pair.c — gatt_pair() (op 8) against the fake org.bluez: our Agent1 registered
 * with the capability that fits the PIN, the passkey typed and compared, a wrong or missing
 * PIN refused, "just works", the IRK from bluetoothd's bond store turned MSB first, a peer
 * that gives no IRK, an earlier bond, the one-shot disconnect after it; gatt_info() of a
 * public peer and of one met by its RPA. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "gatt_fixture.h"

#define PEER "A4:C1:38:00:00:01"
#define ADAPTER "00:AA:01:00:00:00" /* the fake's */
#define IRK_LSB "F0E1D2C3B4A5968778695A4B3C2D1E0F"

static const uint8_t peer_mac[6] = { 0xA4, 0xC1, 0x38, 0x00, 0x00, 0x01 };
static const uint8_t irk_msb[16] = { 0x0F, 0x1E, 0x2D, 0x3C, 0x4B, 0x5A, 0x69, 0x78,
				     0x87, 0x96, 0xA5, 0xB4, 0xC3, 0xD2, 0xE1, 0xF0 };
static char bond_dir[] = "/tmp/mi32-bonds-XXXXXX";

static int setup(void **state)
{
	struct gatt_opts o = { .connect_timeout_ms = 3000, .bond_dir = bond_dir };

	strcpy(bond_dir, "/tmp/mi32-bonds-XXXXXX");
	assert_non_null(mkdtemp(bond_dir));
	return fixture_setup(state, &o);
}

static int teardown(void **state)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s/%s/info", bond_dir, ADAPTER, PEER);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s/%s", bond_dir, ADAPTER, PEER);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/%s", bond_dir, ADAPTER);
	rmdir(path);
	rmdir(bond_dir);
	return fixture_teardown(state);
}

static void peer(struct t *t, const char *method, const char *irk)
{
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddPeer", "sss", PEER, "public", "ok"), 0);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetPairing", "ssss", PEER, method, irk,
				     bond_dir), 0);
}

/* Pair with @pin (-1 none) and wait for the result */
static const struct gatt_result *pair(struct t *t, int pin)
{
	struct gatt_ctx c;
	unsigned int n = t->n;

	gatt_ctx_init(&c, peer_mac, 0, NULL, NULL, 0);
	c.pin = pin;
	assert_int_equal(gatt_pair(t->g, &c, on_result, t), 0);
	assert_true(run_until_n(t, n + 1));
	assert_int_equal(t->res[n].op, GATT_OP_PAIR);
	assert_memory_equal(t->res[n].mac, peer_mac, 6);
	return &t->res[n];
}

static void check_irk(const struct gatt_result *r)
{
	assert_int_equal(r->error, GATT_OK);
	assert_int_equal(r->buf[0], 23);
	assert_memory_equal(r->buf + 1, peer_mac, 6);
	assert_int_equal(r->buf[7], 1); /* public */
	assert_memory_equal(r->buf + 8, irk_msb, 16);
}

static void passkey(void **state)
{
	struct t *t = *state;

	peer(t, "passkey 123456", IRK_LSB);
	check_irk(pair(t, 123456));
	assert_int_equal(calls(t, "RegisterAgent KeyboardOnly"), 1);
	assert_int_equal(calls(t, "Agent passkey KeyboardOnly"), 1);
	assert_int_equal(calls(t, "Passkey 123456"), 1);
	/* a one-shot: the link is dropped afterwards */
	assert_int_equal(calls(t, "Disconnect " PEER), 1);
	/* paired already: no error, the IRK of the bond */
	check_irk(pair(t, 123456));
	assert_int_equal(calls(t, "Pair " PEER), 2);
	assert_int_equal(calls(t, "Passkey"), 1);
}

static void wrong_or_no_pin(void **state)
{
	struct t *t = *state;

	peer(t, "passkey 123456", IRK_LSB);
	assert_int_equal(pair(t, 654321)->error, GATT_ERR_PAIR);
	assert_int_equal(calls(t, "Passkey 654321"), 1);
	/* no PIN: our agent says no to the passkey request */
	assert_int_equal(pair(t, -1)->error, GATT_ERR_PAIR);
	assert_int_equal(calls(t, "RegisterAgent NoInputNoOutput"), 1);
	assert_int_equal(calls(t, "AgentError org.bluez.Error.Rejected"), 1);
	/* each one re-registered the agent with its capability */
	assert_int_equal(calls(t, "UnregisterAgent"), 2);
	assert_int_equal(calls(t, "Disconnect " PEER), 2);
	/* out of range PINs are refused at once */
	{
		struct gatt_ctx c;

		gatt_ctx_init(&c, peer_mac, 0, NULL, NULL, 0);
		c.pin = 1000000;
		assert_int_equal(gatt_pair(t->g, &c, on_result, t), -EINVAL);
	}
}

static void compare(void **state)
{
	struct t *t = *state;

	peer(t, "compare 222222", IRK_LSB);
	assert_int_equal(pair(t, 111111)->error, GATT_ERR_PAIR);
	check_irk(pair(t, 222222));
}

static void just_works_without_irk(void **state)
{
	struct t *t = *state;

	peer(t, "justworks", "");
	assert_int_equal(pair(t, -1)->error, GATT_ERR_NO_IRK);
	assert_int_equal(calls(t, "RegisterAgent NoInputNoOutput"), 1);
	assert_int_equal(calls(t, "Disconnect " PEER), 1);
}

static void refused(void **state)
{
	struct t *t = *state;

	peer(t, "refuse", IRK_LSB);
	assert_int_equal(pair(t, 123456)->error, GATT_ERR_PAIR);
	assert_string_equal(gatt_strerror(GATT_ERR_PAIR),
			    "pairing failed (a wrong PIN, or the device refused)");
}

/* gatt_info(): the adapter, the bond, the IRK learnt, and the role while our link is up */
static void info(void **state)
{
	static const uint8_t adapter[6] = { 0x00, 0xAA, 0x01, 0x00, 0x00, 0x00 };
	struct t *t = *state;
	struct gatt_info in;
	struct gatt_ctx c;

	peer(t, "passkey 123456", IRK_LSB);
	gatt_info(t->g, peer_mac, &in);
	assert_true(in.ready);
	assert_false(in.conn.known); /* bluetoothd has not seen it yet */
	assert_string_equal(in.role, "none");
	assert_int_equal(in.version, 0); /* BlueZ 5.66 has no Adapter1.Version */
	check_irk(pair(t, 123456));
	{
		/* the one-shot's link goes down: bluetoothd says so a moment after */
		uint64_t end = clock_mono_us() + WAIT_MS * 1000ull;

		do {
			sd_event_run(t->ev, 10000);
			gatt_info(t->g, peer_mac, &in);
		} while (in.conn.up && clock_mono_us() < end);
	}
	assert_memory_equal(in.local, adapter, 6);
	assert_int_equal(in.bonds, 1);
	assert_true(in.conn.known && in.conn.paired && in.conn.bonded && in.conn.has_irk);
	assert_false(in.conn.up);
	assert_false(in.conn.random);
	assert_memory_equal(in.conn.peer, peer_mac, 6);
	assert_true(in.conn.has_id); /* a public address is its own identity */
	assert_memory_equal(in.conn.id, peer_mac, 6);
	assert_memory_equal(in.conn.irk, irk_msb, 16);
	assert_int_equal(in.conn.authenticated, 1); /* a passkey: Authenticated=3 */
	assert_false(in.conn.encrypted);            /* no link */
	assert_string_equal(in.conn.name, "");
	gatt_info(t->g, NULL, &in); /* nothing connected */
	assert_false(in.conn.known);
	/* a link of ours (op 6 leaves it up): we are the central */
	gatt_ctx_init(&c, peer_mac, 0, NULL, NULL, GATT_OP_SERVICES);
	assert_int_equal(gatt_run(t->g, &c, on_result, t), 0);
	assert_true(run_until_n(t, t->n + 1));
	gatt_info(t->g, NULL, &in);
	assert_true(in.conn.known && in.conn.up && in.conn.central);
	assert_true(in.conn.encrypted); /* up and paired */
	assert_string_equal(in.role, "central");
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetName", "ss", PEER, "Thermo"), 0);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetVersion", "y", 9), 0);
	{
		uint64_t end = clock_mono_us() + WAIT_MS * 1000ull;

		do {
			sd_event_run(t->ev, 10000);
			gatt_info(t->g, NULL, &in);
		} while ((!in.version || !in.conn.name[0]) && clock_mono_us() < end);
	}
	assert_string_equal(in.conn.name, "Thermo");
	assert_int_equal(in.version, 5); /* HCI version 9 is Core 5.0 */
}

/* A peer met by its resolvable private address: after pairing bluetoothd's Device1.Address
 * is its identity, the object path keeps the RPA; gatt_info() answers for either address,
 * the bond store (filed under the identity) gives the IRK and "just works" is no MITM. */
static void info_rpa(void **state)
{
	static const uint8_t rpa_mac[6] = { 0x5A, 0x12, 0x34, 0x56, 0x78, 0x9A };
	struct t *t = *state;
	struct gatt_info in;
	struct gatt_ctx c;
	const struct gatt_result *r;

	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddPeer", "sss", "5A:12:34:56:78:9A", "random",
				     "ok"), 0);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetPairing", "ssss", "5A:12:34:56:78:9A",
				     "justworks", IRK_LSB, bond_dir), 0);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetIdentity", "ss", "5A:12:34:56:78:9A",
				     PEER), 0);
	/* before pairing: an RPA is nobody's identity, nothing authenticated */
	gatt_ctx_init(&c, rpa_mac, 1, NULL, NULL, GATT_OP_SERVICES);
	assert_int_equal(gatt_run(t->g, &c, on_result, t), 0);
	assert_true(run_until_n(t, t->n + 1));
	gatt_info(t->g, rpa_mac, &in);
	assert_true(in.conn.known && in.conn.up && in.conn.random);
	assert_false(in.conn.has_id || in.conn.paired || in.conn.encrypted || in.conn.has_irk);
	assert_int_equal(in.conn.authenticated, 0);
	c.op = 0;
	c.pin = -1;
	assert_int_equal(gatt_pair(t->g, &c, on_result, t), 0);
	assert_true(run_until_n(t, t->n + 1));
	r = &t->res[t->n - 1];
	assert_int_equal(r->op, GATT_OP_PAIR);
	assert_int_equal(r->error, GATT_OK);
	assert_memory_equal(r->buf + 8, irk_msb, 16);
	for (int i = 0; i < 2; i++) {
		gatt_info(t->g, i ? peer_mac : rpa_mac, &in);
		assert_true(in.conn.known && in.conn.paired && in.conn.has_id && in.conn.has_irk);
		assert_false(in.conn.random);
		assert_memory_equal(in.conn.peer, rpa_mac, 6); /* the address it was met with */
		assert_memory_equal(in.conn.id, peer_mac, 6);
		assert_memory_equal(in.conn.irk, irk_msb, 16);
		assert_int_equal(in.conn.authenticated, 0); /* Authenticated=2 */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(passkey, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_or_no_pin, setup, teardown),
		cmocka_unit_test_setup_teardown(compare, setup, teardown),
		cmocka_unit_test_setup_teardown(just_works_without_irk, setup, teardown),
		cmocka_unit_test_setup_teardown(refused, setup, teardown),
		cmocka_unit_test_setup_teardown(info, setup, teardown),
		cmocka_unit_test_setup_teardown(info_rpa, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
