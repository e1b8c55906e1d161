/* SPDX-License-Identifier: MIT */
/* test_gatt_server.c — the seed's server and broadcaster ops (SPEC §11.2: 201, 202, 211,
 * 231-233) and events 221-230 against a fake bluetoothd (tests/gatt/fake_bluez_server.py)
 * on a private dbus-daemon: the AD bytes bluetoothd would send for a BTHome broadcast, an
 * iBeacon and a Nordic UART server, the handles of op 201, a phone reading, writing,
 * subscribing, bonding and leaving, refusals, and bluetoothd restarting. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gatt/adv_data.h"
#include "gatt/gatt.h"
#include "util/clock.h"
#include "util/hex.h"
#include "gatt_fixture.h"

#define PHONE "5A:11:22:33:44:55"
#define NUS "6E400001-B5A3-F393-E0A9-E50E24DCCA9E"
#define NUS_RX "6E400002-B5A3-F393-E0A9-E50E24DCCA9E"
#define NUS_TX "6E400003-B5A3-F393-E0A9-E50E24DCCA9E"

/* Run the loop until the fake's @method (no argument, or @arg) answers @want. */
static bool until_ctl(struct t *t, const char *method, const char *arg, const char *want)
{
	uint64_t end = clock_mono_us() + WAIT_MS * 1000ull;

	while (clock_mono_us() < end) {
		char *s = ctl_str(t, method, arg ? "s" : NULL, arg, NULL);
		bool ok = !strcmp(s, want);

		free(s);
		if (ok)
			return true;
		sd_event_run(t->ev, 50000);
	}
	fprintf(stderr, "%s never answered \"%s\"\n", method, want);
	return false;
}

static int setup(void **state)
{
	struct gatt_opts o = { .connect_timeout_ms = 3000 };

	setenv("MI32_FAKE_BLUEZ", MI32_SOURCE_DIR "/tests/gatt/fake_bluez_server.py", 1);
	return fixture_setup(state, &o);
}

/* A server op with @hex as its buffer */
static void sctx(struct gatt_ctx *c, int op, const char *svc, const char *chr, const char *hex)
{
	gatt_ctx_init(c, (const uint8_t[6]){ 0 }, 0, svc, chr, op);
	if (hex) {
		int n = hex_decode(hex, c->buf + 1, GATT_BUF_MAX - 1);

		assert_true(n >= 0);
		c->buf[0] = (uint8_t)n;
	}
}

static int run(struct t *t, struct gatt_ctx *c)
{
	return gatt_run(t->g, c, on_result, t);
}

static void hexof(const struct gatt_result *r, char *out)
{
	hex_encode(r->buf + 1, r->buf[0], out, 0);
}

/* ---- 201: a broadcaster (BTHome, iBeacon) ------------------------------------------- */

/* BTHome v2: temperature 25.00 °C, humidity 50.55 % (bthome.io's format) */
#define BTHOME_AD "020106" "0a16d2fc4002c40903bf13"
#define BTHOME_AD2 "020106" "0a16d2fc4002c50903bf13"
/* iBeacon: Apple's company id, 0x02 0x15, a UUID, major 1, minor 2, -59 dBm at 1 m */
#define IBEACON_AD "020106" "1aff4c000215" "fda50693a4e24fb1afcfc6eb07647825" "00010002c5"

static void broadcaster(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;

	sctx(&c, GATT_OP_ADV, NULL, NULL, BTHOME_AD);
	assert_int_equal(run(t, &c), 0);
	assert_int_equal(t->n, 0); /* never from inside gatt_run() */
	assert_true(run_until_n(t, 1));
	assert_int_equal(t->res[0].op, 201);
	assert_int_equal(t->res[0].error, GATT_OK);
	assert_int_equal(t->res[0].buf[0], 0); /* no characteristics: no handles */
	/* without characteristics a broadcaster; bluetoothd writes no flags for it */
	assert_true(until_ctl(t, "Advertised", NULL, "broadcast 0a16d2fc4002c40903bf13 -"));

	/* a new value: registered anew (btvirt and the kernel send a new packet) */
	sctx(&c, GATT_OP_ADV, NULL, NULL, BTHOME_AD2);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 2));
	assert_int_equal(t->res[1].error, GATT_OK);
	assert_true(until_ctl(t, "Advertised", NULL, "broadcast 0a16d2fc4002c50903bf13 -"));
	assert_int_equal(calls(t, "UnregisterAdvertisement"), 1);

	/* an iBeacon: manufacturer data keyed by Apple's company id */
	sctx(&c, GATT_OP_ADV, NULL, NULL, IBEACON_AD);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 3));
	assert_true(until_ctl(t, "Advertised", NULL,
			      "broadcast 1aff4c000215fda50693a4e24fb1afcfc6eb0764782500010002c5 "
			      "-"));

	/* connectable on request (arg1 = 2), without characteristics */
	sctx(&c, GATT_OP_ADV, NULL, NULL, IBEACON_AD);
	c.handle = 2;
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 4));
	assert_true(until_ctl(t, "Advertised", NULL,
			      "peripheral 1aff4c000215fda50693a4e24fb1afcfc6eb0764782500010002c5 "
			      "-"));
}

/* ---- 211 + 202 + 201: the seed's Nordic UART server, a phone using it ----------------- */

static void nordic_uart(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;
	char hex[600], want[200], *s;
	uint16_t tx, rx;

	/* the seed's NRFUART script: TX, RX, the scan response, then the advertisement */
	sctx(&c, GATT_OP_CHR, NUS, NUS_TX, "0100");
	assert_int_equal(run(t, &c), 0);
	sctx(&c, GATT_OP_CHR, NUS, NUS_RX, "506c6561736520656e7465722050494e2e");
	assert_int_equal(run(t, &c), 0);
	sctx(&c, GATT_OP_SCAN_RSP, NULL, NULL, "0201060c08" "5461736d6f746120424c45");
	assert_int_equal(run(t, &c), 0);
	sctx(&c, GATT_OP_ADV, NULL, NULL,
	     "0201061107" "9ecadc240ee5a9e093f3a3b50100406e");
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 4));
	assert_int_equal(t->res[0].op, 211);
	assert_int_equal(t->res[0].uuid16, 0x0003);
	assert_int_equal(t->res[1].op, 211);
	assert_int_equal(t->res[2].op, 202);
	assert_int_equal(t->res[2].error, GATT_OK);
	assert_int_equal(t->res[3].op, 201);
	assert_int_equal(t->res[3].error, GATT_OK);
	/* the first 201 lists the value handles, high byte first, in the order of addition */
	assert_int_equal(t->res[3].buf[0], 4);
	tx = (uint16_t)(t->res[3].buf[1] << 8 | t->res[3].buf[2]);
	rx = (uint16_t)(t->res[3].buf[3] << 8 | t->res[3].buf[4]);
	s = ctl_str(t, "AppHandles", NULL, NULL, NULL);
	snprintf(want, sizeof(want), "6e400003-b5a3-f393-e0a9-e50e24dcca9e=%u "
		 "6e400002-b5a3-f393-e0a9-e50e24dcca9e=%u", tx, rx);
	/* the fake lists them by object path: service0/char0 (TX) first */
	assert_string_equal(s, want);
	free(s);
	/* connectable (it has characteristics); the name goes into the scan response */
	assert_true(until_ctl(t, "Advertised", NULL,
			      "peripheral 11079ecadc240ee5a9e093f3a3b50100406e "
			      "0c095461736d6f746120424c45"));

	/* a phone connects: 227 with its address LSB first */
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "CentralConnect", "s", PHONE), 0);
	assert_true(run_until_n(t, 5));
	assert_int_equal(t->res[4].op, 227);
	hexof(&t->res[4], hex);
	assert_string_equal(hex, "5544332211" "5a");
	/* it writes RX (without response, the default): 222 with the data */
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "CentralWrite", "ssss", PHONE, NUS_RX,
				     "313233343536", "command"), 0);
	assert_true(run_until_n(t, 6));
	assert_int_equal(t->res[5].op, 222);
	assert_int_equal(t->res[5].handle, rx);
	assert_int_equal(t->res[5].uuid16, 0x0002);
	assert_memory_equal(t->res[5].mac, ((uint8_t[]){ 0x5A, 0x11, 0x22, 0x33, 0x44, 0x55 }),
			    6);
	hexof(&t->res[5], hex);
	assert_string_equal(hex, "313233343536");
	/* a write with response is refused: RX offers write-without-response only */
	assert_int_not_equal(fakebus_ctl(&t->fb, NULL, "CentralWrite", "ssss", PHONE, NUS_RX,
					 "00", "request"), 0);
	/* it subscribes to TX: 226 (the default offers notify and indicate) */
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "CentralSubscribe", "s", NUS_TX), 0);
	assert_true(run_until_n(t, 7));
	assert_int_equal(t->res[6].op, 226);
	assert_int_equal(t->res[6].handle, tx);
	/* the answer on TX reaches it as a notification */
	sctx(&c, GATT_OP_CHR, NUS, NUS_TX, "50494e206163636570746564");
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 8));
	assert_int_equal(t->res[7].op, 211);
	assert_int_equal(t->res[7].handle, tx);
	assert_true(until_ctl(t, "Notified", NUS_TX, "50494e206163636570746564"));
	/* it reads TX: the value, and 221 */
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "CentralRead", "ss", PHONE, NUS_TX), 0);
	assert_true(run_until_n(t, 9));
	assert_int_equal(t->res[8].op, 221);
	assert_int_equal(t->res[8].buf[0], 0);
	assert_true(until_ctl(t, "Results", NULL,
			      "write ok;subscribe ok;read 50494e206163636570746564"));
	/* unsubscribes (223), bonds (230: the identity it gave, LSB first, and its type) */
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "CentralUnsubscribe", "s", NUS_TX), 0);
	assert_true(run_until_n(t, 10));
	assert_int_equal(t->res[9].op, 223);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "CentralPairIdentity", "ss", PHONE,
				     "00:AA:01:00:00:07"), 0);
	assert_true(run_until_n(t, 11));
	assert_int_equal(t->res[10].op, 230);
	hexof(&t->res[10], hex);
	assert_string_equal(hex, "07000001aa00" "00");
	/* and leaves: 228, and advertising is registered again */
	assert_int_equal(calls(t, "RegisterAdvertisement /org/mi32/adv0"), 1);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "CentralDisconnect", "s", PHONE), 0);
	assert_true(run_until_n(t, 12));
	assert_int_equal(t->res[11].op, 228);
	while (calls(t, "RegisterAdvertisement /org/mi32/adv0") < 2)
		assert_true(sd_event_run(t->ev, 100000) >= 0);
	assert_true(until_ctl(t, "Advertised", NULL,
			      "peripheral 11079ecadc240ee5a9e093f3a3b50100406e "
			      "0c095461736d6f746120424c45"));
}

/* A characteristic added after the start: the application is registered again, and the
 * next 201 lists every handle; arg1 sets the properties */
static void late_characteristic(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;

	sctx(&c, GATT_OP_CHR, "180D", "2A37", "0100");
	c.handle = GATT_CHR_F_READ | GATT_CHR_F_NOTIFY | GATT_CHR_F_READ_ENC |
		   GATT_CHR_F_READ_AUTHEN; /* the seed's 1554 */
	assert_int_equal(c.handle, 1554);
	assert_int_equal(run(t, &c), 0);
	sctx(&c, GATT_OP_ADV, NULL, NULL, "02010603020d18");
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 2));
	assert_int_equal(t->res[1].buf[0], 2);
	assert_true(until_ctl(t, "Advertised", NULL, "peripheral 03030d18 -"));
	sctx(&c, GATT_OP_CHR, "180D", "2A38", "01");
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 3));
	assert_true(until_ctl(t, "AppHandles", NULL,
			      "00002a37-0000-1000-8000-00805f9b34fb=12 "
			      "00002a38-0000-1000-8000-00805f9b34fb=15"));
	assert_int_equal(calls(t, "UnregisterApplication"), 1);
	assert_int_equal(calls(t, "RegisterApplication"), 2);
	sctx(&c, GATT_OP_ADV, NULL, NULL, "02010603020d18");
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 4));
	assert_int_equal(t->res[3].buf[0], 4);
	assert_int_equal(t->res[3].buf[2], 12);
	assert_int_equal(t->res[3].buf[4], 15);
}

/* ---- 232, 233, 231 ------------------------------------------------------------------ */

static void parameters_name_address(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;
	sd_bus_message *m = NULL;
	uint32_t ms = 0;
	char hex[64];

	/* 160 and 240 × 0.625 ms = 100 and 150 ms */
	sctx(&c, GATT_OP_ADV_PARAMS, NULL, NULL, "00a000f000");
	assert_int_equal(run(t, &c), 0);
	sctx(&c, GATT_OP_ADV, NULL, NULL, BTHOME_AD);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 2));
	assert_int_equal(t->res[0].op, 232);
	assert_int_equal(t->res[0].error, 0);
	assert_true(until_ctl(t, "Advertised", NULL, "broadcast 0a16d2fc4002c40903bf13 -"));
	assert_int_equal(fakebus_ctl(&t->fb, &m, "AdvProp", "s", "MinInterval"), 0);
	assert_true(sd_bus_message_read(m, "v", "u", &ms) > 0);
	assert_int_equal(ms, 100);
	m = sd_bus_message_unref(m);
	assert_int_equal(fakebus_ctl(&t->fb, &m, "AdvProp", "s", "MaxInterval"), 0);
	assert_true(sd_bus_message_read(m, "v", "u", &ms) > 0);
	assert_int_equal(ms, 150);
	m = sd_bus_message_unref(m);
	/* with TX power, and connectable: registered anew */
	sctx(&c, GATT_OP_ADV_PARAMS, NULL, NULL, "02a000f000f8");
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 3));
	assert_int_equal(t->res[2].error, 0);
	assert_true(until_ctl(t, "Advertised", NULL, "peripheral 0a16d2fc4002c40903bf13 -"));
	{
		int16_t dbm = 0;

		assert_int_equal(fakebus_ctl(&t->fb, &m, "AdvProp", "s", "TxPower"), 0);
		assert_true(sd_bus_message_read(m, "v", "n", &dbm) > 0);
		assert_int_equal(dbm, -8);
		m = sd_bus_message_unref(m);
	}
	/* 233: the adapter's alias */
	sctx(&c, GATT_OP_NAME, NULL, NULL, "6d6933322074657374");
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 4));
	assert_int_equal(t->res[3].op, 233);
	assert_int_equal(t->res[3].error, 0);
	assert_int_equal(calls(t, "Set Alias mi32 test"), 1);
	/* 231 public: the adapter's address, LSB first; random: not possible on D-Bus */
	sctx(&c, GATT_OP_OWN_ADDR, NULL, NULL, NULL);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 5));
	assert_int_equal(t->res[4].op, 231);
	assert_int_equal(t->res[4].error, 0);
	hexof(&t->res[4], hex);
	assert_string_equal(hex, "00000001aa00");
	sctx(&c, GATT_OP_OWN_ADDR, NULL, NULL, NULL);
	c.addr_type = 1;
	assert_int_equal(run(t, &c), -EOPNOTSUPP);
}

/* ---- refusals ----------------------------------------------------------------------- */

static void refusals(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;
	int32_t code;

	/* a length past the end, a type only the stack writes, an element too short */
	sctx(&c, GATT_OP_ADV, NULL, NULL, "020106" "0516d2fc");
	assert_int_equal(run(t, &c), -EINVAL);
	sctx(&c, GATT_OP_ADV, NULL, NULL, "071b" "112233445566");
	assert_int_equal(run(t, &c), -EINVAL);
	sctx(&c, GATT_OP_SCAN_RSP, NULL, NULL, "0216" "d2");
	assert_int_equal(run(t, &c), -EINVAL);
	/* directed advertising, an unknown mode */
	sctx(&c, GATT_OP_ADV, NULL, NULL, BTHOME_AD);
	c.handle = 1;
	assert_int_equal(run(t, &c), -EOPNOTSUPP);
	c.handle = 3;
	assert_int_equal(run(t, &c), -EINVAL);
	/* 211 without a characteristic UUID; 232 too short, intervals below 20 ms; op 240 */
	sctx(&c, GATT_OP_CHR, NUS, "", "00");
	assert_int_equal(run(t, &c), -EINVAL);
	sctx(&c, GATT_OP_ADV_PARAMS, NULL, NULL, "00a000");
	assert_int_equal(run(t, &c), -EINVAL);
	sctx(&c, GATT_OP_ADV_PARAMS, NULL, NULL, "0010001000");
	assert_int_equal(run(t, &c), -EINVAL);
	sctx(&c, 240, NULL, NULL, NULL);
	assert_int_equal(run(t, &c), -EINVAL);
	sctx(&c, GATT_OP_NAME, NULL, NULL, "");
	assert_int_equal(run(t, &c), -EINVAL);
	assert_int_equal(t->n, 0);

	/* bluetoothd refuses: 229 with the reason, then the op with error 8 */
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetRegisterFail", "ss",
				     "RegisterAdvertisement", "org.bluez.Error.InvalidLength"), 0);
	sctx(&c, GATT_OP_ADV, NULL, NULL, BTHOME_AD);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 2));
	assert_int_equal(t->res[0].op, 229);
	assert_int_equal(t->res[0].buf[0], 4);
	memcpy(&code, t->res[0].buf + 1, 4);
	assert_int_equal(code, -EMSGSIZE);
	assert_int_equal(t->res[1].op, 201);
	assert_int_equal(t->res[1].error, GATT_ERR_WRITE);
	/* too long for a legacy advertisement: the fake serialises as bluetoothd does */
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetRegisterFail", "ss",
				     "RegisterAdvertisement", ""), 0);
	sctx(&c, GATT_OP_ADV, NULL, NULL, IBEACON_AD "0509" "61626364");
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 3));
	assert_int_equal(t->res[2].op, 201);
	assert_int_equal(t->res[2].error, GATT_OK); /* the name goes to the scan response */
	sctx(&c, GATT_OP_ADV, NULL, NULL, IBEACON_AD "03190000" "03030f18");
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 5));
	assert_int_equal(t->res[3].op, 229);
	assert_int_equal(t->res[4].op, 201);
	assert_int_equal(t->res[4].error, GATT_ERR_WRITE);
}

/* ---- bluetoothd dropping the advertisement, restarting -------------------------------- */

static void bluetoothd_restart(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;
	uint64_t end;

	sctx(&c, GATT_OP_CHR, NUS, NUS_TX, "00");
	assert_int_equal(run(t, &c), 0);
	sctx(&c, GATT_OP_ADV, NULL, NULL, "0201061107" "9ecadc240ee5a9e093f3a3b50100406e");
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 2));
	assert_true(until_ctl(t, "Advertised", NULL,
			      "peripheral 11079ecadc240ee5a9e093f3a3b50100406e -"));
	/* Release (the adapter went off): registered again (after the retry delay) */
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "ReleaseAdv", NULL), 0);
	assert_true(until_ctl(t, "Advertised", NULL,
			      "peripheral 11079ecadc240ee5a9e093f3a3b50100406e -"));
	assert_int_equal(calls(t, "RegisterAdvertisement /org/mi32/adv0"), 2);

	/* bluetoothd restarts: its new instance gets the application and the advertisement */
	fakebus_stop_fake(&t->fb);
	end = clock_mono_us() + WAIT_MS * 1000ull;
	while (gatt_ready(t->g) && clock_mono_us() < end)
		sd_event_run(t->ev, 100000);
	assert_false(gatt_ready(t->g));
	assert_int_equal(run(t, &c), -EHOSTDOWN);
	assert_int_equal(fakebus_start_fake(&t->fb), 0);
	assert_true(until_ctl(t, "Advertised", NULL,
			      "peripheral 11079ecadc240ee5a9e093f3a3b50100406e -"));
	assert_true(until_ctl(t, "AppHandles", NULL, "6e400003-b5a3-f393-e0a9-e50e24dcca9e=12"));
}

/* A script sets its server up as the daemon starts, before bluetoothd's tree is loaded:
 * 211 and 201 wait for it (the client's ops do too) and are registered once it is there;
 * 233 needs the adapter at once and says bluetoothd is not there yet. */
static void ops_before_the_tree(void **state)
{
	struct t *t = *state;
	struct gatt_opts o = { .connect_timeout_ms = 3000, .bus_address = t->fb.address };
	struct gatt_ctx c;

	gatt_free(t->g);
	assert_int_equal(gatt_new(t->ev, &o, &t->g), 0);
	sctx(&c, GATT_OP_CHR, NUS, NUS_TX, "00");
	assert_int_equal(run(t, &c), 0);
	assert_false(gatt_ready(t->g)); /* the loading was still under way */
	sctx(&c, GATT_OP_NAME, NULL, NULL, "6d693332");
	assert_int_equal(run(t, &c), -EHOSTDOWN);
	sctx(&c, GATT_OP_ADV, NULL, NULL, "0201061107" "9ecadc240ee5a9e093f3a3b50100406e");
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 2));
	assert_int_equal(t->res[0].op, 211);
	assert_int_equal(t->res[1].op, 201);
	assert_int_equal(t->res[1].error, GATT_OK);
	assert_true(until_ctl(t, "Advertised", NULL,
			      "peripheral 11079ecadc240ee5a9e093f3a3b50100406e -"));
	assert_true(until_ctl(t, "AppHandles", NULL, "6e400003-b5a3-f393-e0a9-e50e24dcca9e=12"));
}

/* ---- stop, cancel --------------------------------------------------------------------- */

static void stop_and_cancel(void **state)
{
	struct t *t = *state;
	struct gatt_ctx c;

	sctx(&c, GATT_OP_CHR, NUS, NUS_TX, "00");
	assert_int_equal(run(t, &c), 0);
	sctx(&c, GATT_OP_ADV, NULL, NULL, "0201061107" "9ecadc240ee5a9e093f3a3b50100406e");
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 2));
	assert_true(until_ctl(t, "Advertised", NULL,
			      "peripheral 11079ecadc240ee5a9e093f3a3b50100406e -"));
	/* the owner goes away: a central's events reach nobody */
	gatt_cancel(t->g, t);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "CentralConnect", "s", PHONE), 0);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "CentralSubscribe", "s", NUS_TX), 0);
	assert_true(until_ctl(t, "Results", NULL, "subscribe ok"));
	assert_int_equal(t->n, 2);
	/* BLE.serv_cb(nil): both withdrawn */
	gatt_server_stop(t->g);
	assert_true(until_ctl(t, "Advertised", NULL, ""));
	assert_true(until_ctl(t, "AppHandles", NULL, ""));
	/* and a new start works */
	sctx(&c, GATT_OP_ADV, NULL, NULL, BTHOME_AD);
	assert_int_equal(run(t, &c), 0);
	assert_true(run_until_n(t, 3));
	assert_true(until_ctl(t, "Advertised", NULL, "broadcast 0a16d2fc4002c40903bf13 -"));
}

/* ---- the AD classifier --------------------------------------------------------------- */

static void ad_classes(void **state)
{
	struct adv_data_err err;
	uint8_t b[64];
	char u[37];
	int n;

	(void)state;
	assert_int_equal(adv_data_class(0x16, 2), ADV_DATA_SVC_DATA);
	assert_int_equal(adv_data_class(0x16, 1), -EBADMSG);
	assert_int_equal(adv_data_class(0x21, 15), -EBADMSG);
	assert_int_equal(adv_data_class(0x03, 3), -EBADMSG);
	assert_int_equal(adv_data_class(0x07, 16), ADV_DATA_UUIDS);
	assert_int_equal(adv_data_class(0x15, 16), ADV_DATA_SOLICIT);
	assert_int_equal(adv_data_class(0x24, 5), ADV_DATA_RAW); /* URI */
	assert_int_equal(adv_data_class(0x17, 6), -ENOTSUP);
	assert_int_equal(adv_data_class(0x50, 1), -ENOTSUP);
	assert_int_equal(adv_data_class(0x0A, 1), ADV_DATA_TX_POWER);
	n = hex_decode(IBEACON_AD, b, sizeof(b));
	assert_int_equal(adv_data_check(b, (size_t)n, &err), 0);
	/* trailing zero padding is the clean end (controllers pad) */
	b[n] = 0;
	b[n + 1] = 0;
	assert_int_equal(adv_data_check(b, (size_t)n + 2, &err), 0);
	n = hex_decode("020106" "0a16", b, sizeof(b));
	assert_int_equal(adv_data_check(b, (size_t)n, &err), -EBADMSG);
	assert_int_equal(err.off, 3);
	n = hex_decode("020106" "071b112233445566", b, sizeof(b));
	assert_int_equal(adv_data_check(b, (size_t)n, &err), -ENOTSUP);
	assert_int_equal(err.off, 3);
	assert_int_equal(err.type, 0x1b);
	assert_string_equal(adv_data_uuid_str((const uint8_t[]){ 0xd2, 0xfc }, 16, u), "fcd2");
	assert_string_equal(adv_data_uuid_str((const uint8_t[]){ 4, 3, 2, 1 }, 32, u),
			    "01020304");
	hex_decode("9ecadc240ee5a9e093f3a3b50100406e", b, 16);
	assert_string_equal(adv_data_uuid_str(b, 128, u), "6e400001-b5a3-f393-e0a9-e50e24dcca9e");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ad_classes),
		cmocka_unit_test_setup_teardown(broadcaster, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(nordic_uart, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(late_characteristic, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(parameters_name_address, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(refusals, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(bluetoothd_restart, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(ops_before_the_tree, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(stop_and_cancel, setup, fixture_teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
