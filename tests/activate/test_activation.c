/* SPDX-License-Identifier: MIT */
/* test_activation.c — the activation state machine against simulated Xiaomi devices
 * (fake_mi_device.py on the fake org.bluez): each device runs its side of the protocol with
 * its own key pair, so a success means both sides derived the same token and bind key.
 * Success (fresh, already registered, a lost frame resent, legacy RC4) and every failure:
 * connect, no Mi service, notification refused, timeout, wrong opcode, REG_FAILED, login
 * failed, disconnect mid-transfer, secure auth, standard auth v2, cloud-only firmware. After
 * each, the link is down. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "activate/activation.h"
#include "gatt/gatt.h"
#include "util/clock.h"
#include "util/hex.h"
#include "../gatt/fakebus.h"

#define PEER "A4:C1:38:00:00:07"
#define WAIT_MS 30000 /* a safety net: every wait ends on an event */

static const uint8_t peer_mac[6] = { 0xA4, 0xC1, 0x38, 0x00, 0x00, 0x07 };

struct t {
	struct fakebus fb;
	sd_event *ev;
	struct gatt *g;
	struct activation *a;
	bool done;
	struct activation_result res;
	char steps[512];
};

static void on_progress(enum activation_step step, const char *what, void *data)
{
	struct t *t = data;
	size_t n = strlen(t->steps);

	snprintf(t->steps + n, sizeof(t->steps) - n, "%d:%s;", (int)step, what);
}

static void on_done(const struct activation_result *r, void *data)
{
	struct t *t = data;

	t->res = *r;
	t->done = true;
	activation_free(t->a); /* the callback may free it */
	t->a = NULL;
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	struct gatt_opts o = { .connect_timeout_ms = 3000, .notify_timeout_ms = 1000 };
	uint64_t end;

	assert_non_null(t);
	setenv("MI32_FAKE_BLUEZ", MI32_SOURCE_DIR "/tests/activate/fake_mi_device.py", 1);
	assert_int_equal(fakebus_start(&t->fb), 0);
	assert_int_equal(sd_event_new(&t->ev), 0);
	o.bus_address = t->fb.address;
	assert_int_equal(gatt_new(t->ev, &o, &t->g), 0);
	end = clock_mono_us() + WAIT_MS * 1000ull;
	while (!gatt_ready(t->g) && clock_mono_us() < end)
		sd_event_run(t->ev, 100000);
	assert_true(gatt_ready(t->g));
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	activation_free(t->a);
	gatt_free(t->g);
	sd_event_unref(t->ev);
	fakebus_stop(&t->fb);
	free(t);
	return 0;
}

static void device(struct t *t, const char *kind, const char *opts)
{
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "MiDevice", "sss", PEER, kind, opts), 0);
}

static bool connected(struct t *t)
{
	sd_bus_message *m = NULL;
	int b = 0;

	assert_int_equal(fakebus_ctl(&t->fb, &m, "Connected", "s", PEER), 0);
	assert_true(sd_bus_message_read(m, "b", &b) > 0);
	sd_bus_message_unref(m);
	return b;
}

/* "token=…;bindkey=…;did=…;state=…" as the device stored it */
static char *device_result(struct t *t)
{
	sd_bus_message *m = NULL;
	const char *s;
	char *out;

	assert_int_equal(fakebus_ctl(&t->fb, &m, "MiResult", "s", PEER), 0);
	assert_true(sd_bus_message_read(m, "s", &s) > 0);
	out = strdup(s);
	sd_bus_message_unref(m);
	return out;
}

/* The user: presses the device's button once the activation asks for it (@press) */
static void activate_pressing(struct t *t, uint16_t pid, bool legacy, unsigned int step_ms,
			      unsigned int press_ms, bool press)
{
	struct activation_opts o = { .pid = pid, .legacy = legacy, .step_timeout_ms = step_ms,
				     .press_timeout_ms = press_ms };
	uint64_t end = clock_mono_us() + WAIT_MS * 1000ull;
	bool pressed = false;

	memcpy(o.mac, peer_mac, 6);
	t->done = false;
	t->steps[0] = '\0';
	assert_int_equal(activation_start(t->ev, t->g, &o, on_progress, on_done, t, &t->a), 0);
	assert_false(t->done); /* never from inside start */
	while (!t->done && clock_mono_us() < end) {
		sd_event_run(t->ev, 100000);
		if (press && !pressed && strstr(t->steps, "press the button on the sensor")) {
			assert_int_equal(fakebus_ctl(&t->fb, NULL, "MiPress", "s", PEER), 0);
			pressed = true;
		}
	}
	assert_true(t->done);
	if (t->res.error)
		printf("     %s\n", t->res.message);
	/* every ending closes the link */
	assert_false(connected(t));
}

static void activate(struct t *t, uint16_t pid, bool legacy, unsigned int step_ms)
{
	activate_pressing(t, pid, legacy, step_ms, 0, false);
}

static void expect_fail(struct t *t, enum activation_err err, const char *words)
{
	assert_int_equal(t->res.error, err);
	assert_non_null(strstr(t->res.message, words));
	/* nothing derived leaks out of a failure */
	for (size_t i = 0; i < sizeof(t->res.bind_key); i++)
		assert_int_equal(t->res.bind_key[i], 0);
}

static void hexstr(const uint8_t *p, size_t n, char *out)
{
	hex_encode(p, n, out, 0);
}

/* ---- success ------------------------------------------------------------------------ */

static void fresh_device(void **state)
{
	struct t *t = *state;
	char key[33], token[25], want[160], *dev;

	device(t, "standard", "");
	activate(t, 0, false, 0);
	assert_int_equal(t->res.error, ACTIVATION_OK);
	assert_false(t->res.legacy);
	assert_string_equal(t->res.version, "1.0.0_0130");
	assert_true(t->res.did_invented);
	assert_int_equal(strlen(t->res.did), 19);
	assert_memory_equal(t->res.did, "blt.3.129v", 10);
	assert_string_equal(t->res.did + 16, "m32");
	hexstr(t->res.bind_key, 16, key);
	hexstr(t->res.token, 12, token);
	snprintf(want, sizeof(want), "token=%s;bindkey=%s;did=%s;state=loggedin;busy=0", token,
		 key, t->res.did);
	dev = device_result(t);
	assert_string_equal(dev, want); /* the device derived the same keys independently */
	free(dev);
	assert_non_null(strstr(t->steps, "0:connecting;1:"));
	assert_non_null(strstr(t->steps, "2:exchanging keys;3:registering with a new device id;"
					 "4:logging in"));
}

static void registered_device_keeps_its_did(void **state)
{
	struct t *t = *state;
	char *dev;

	device(t, "standard", "registered");
	activate(t, 0, false, 0);
	assert_int_equal(t->res.error, ACTIVATION_OK);
	assert_false(t->res.did_invented);
	assert_string_equal(t->res.did, "blt.1.1pds65t394801");
	dev = device_result(t);
	assert_non_null(strstr(dev, "did=blt.1.1pds65t394801;state=loggedin"));
	free(dev);
}

static void lost_frame_is_resent(void **state)
{
	struct t *t = *state;
	char key[33], *dev;

	device(t, "standard", "lose=2");
	activate(t, 0, false, 0);
	assert_int_equal(t->res.error, ACTIVATION_OK);
	hexstr(t->res.bind_key, 16, key);
	dev = device_result(t);
	assert_non_null(strstr(dev, key));
	free(dev);
}

/* A device that wants its button pressed answers BUSY: the user is asked (step 6, with the
 * time we wait), and once pressed the registration goes on with the same keys on both sides */
static void button_press_awaited(void **state)
{
	struct t *t = *state;
	char key[33], *dev;

	device(t, "standard", "button");
	activate_pressing(t, 0, false, 0, 20000, true);
	assert_int_equal(t->res.error, ACTIVATION_OK);
	assert_non_null(strstr(t->steps, "2:exchanging keys;6:press the button on the sensor (hold "
					 "its pair button until it blinks): waiting up to 20 s;3:"));
	hexstr(t->res.bind_key, 16, key);
	dev = device_result(t);
	assert_non_null(strstr(dev, key));
	assert_non_null(strstr(dev, "state=loggedin"));
	assert_null(strstr(dev, "busy=0")); /* it did say BUSY */
	free(dev);
}

/* Nobody presses it: asked again every second, then a clear error at the press time-out
 * (not the step time-out: each BUSY is an answer) */
static void button_never_pressed(void **state)
{
	struct t *t = *state;
	char *dev, *busy;

	device(t, "standard", "button");
	activate_pressing(t, 0, false, 800, 2500, false);
	expect_fail(t, ACTIVATION_ERR_BUTTON, "still waited for its button after 3 s");
	assert_non_null(strstr(t->res.message, "while we were sending our public key"));
	dev = device_result(t);
	assert_non_null(strstr(dev, "state=fresh"));
	busy = strstr(dev, "busy=");
	assert_non_null(busy);
	assert_true(atoi(busy + 5) >= 3); /* announced again, each second */
	free(dev);
}

static void legacy_beacon_key(void **state)
{
	struct t *t = *state;
	char key12[25], *dev, want[40];
	uint8_t expanded[16];

	device(t, "legacy", "version=1.0.0_0105");
	activate(t, 950, true, 0);
	assert_int_equal(t->res.error, ACTIVATION_OK);
	assert_true(t->res.legacy);
	hexstr(t->res.key12, 12, key12);
	snprintf(want, sizeof(want), "bindkey=%s;", key12);
	dev = device_result(t);
	assert_non_null(strstr(dev, want));
	free(dev);
	milegacy_expand_key(t->res.key12, expanded);
	assert_memory_equal(t->res.bind_key, expanded, 16);
	assert_string_equal(t->res.version, "1.0.0_0105");
}

static void legacy_by_product_id(void **state)
{
	struct t *t = *state;

	/* no --legacy: the product id (read from 0x0002) says the dimmer is legacy */
	device(t, "legacy", "pid=950");
	activate(t, 0, false, 0);
	assert_int_equal(t->res.error, ACTIVATION_OK);
	assert_true(t->res.legacy);
	assert_int_equal(t->res.pid, 950);
}

/* ---- failures ----------------------------------------------------------------------- */

static void connect_fails(void **state)
{
	struct t *t = *state;

	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddPeer", "sss", PEER, "public", "refuse"), 0);
	activate(t, 0, false, 0);
	expect_fail(t, ACTIVATION_ERR_CONNECT, "could not connect to A4:C1:38:00:00:07");
}

static void no_mi_service(void **state)
{
	struct t *t = *state;

	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddPeer", "sss", PEER, "public", "ok"), 0);
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "AddService", "ssq", PEER, "180F", 0x10), 0);
	activate(t, 0, false, 0);
	expect_fail(t, ACTIVATION_ERR_NO_SERVICE, "no Mi Service (0xFE95)");
}

static void notification_refused(void **state)
{
	struct t *t = *state;

	device(t, "standard", "");
	assert_int_equal(fakebus_ctl(&t->fb, NULL, "SetFail", "sss", PEER, "0019",
				     "StartNotify=org.bluez.Error.NotPermitted"), 0);
	activate(t, 0, false, 0);
	expect_fail(t, ACTIVATION_ERR_NOTIFY, "refused notifications on 0x0019");
}

static void silent_device_times_out(void **state)
{
	struct t *t = *state;

	device(t, "standard", "silent");
	activate(t, 0, false, 500);
	expect_fail(t, ACTIVATION_ERR_TIMEOUT, "within 500 ms while reading the device info");
}

static void wrong_opcode(void **state)
{
	struct t *t = *state;

	device(t, "standard", "opcode=e1");
	activate(t, 0, false, 0);
	expect_fail(t, ACTIVATION_ERR_PROTOCOL,
		    "opcode 0xe1 (ERR_REGISTERED) while we were waiting for the registration");
}

static void wrong_did_tag_reg_failed(void **state)
{
	struct t *t = *state;
	char *dev;

	device(t, "standard", "badkeys");
	activate(t, 0, false, 0);
	expect_fail(t, ACTIVATION_ERR_REG_FAILED, "refused the registration (REG_FAILED)");
	dev = device_result(t);
	assert_non_null(strstr(dev, "state=fresh")); /* nothing was stored */
	free(dev);
}

static void device_refuses(void **state)
{
	struct t *t = *state;

	device(t, "standard", "refuse");
	activate(t, 0, false, 0);
	expect_fail(t, ACTIVATION_ERR_REG_FAILED, "hold the button");
}

static void login_confirmation_wrong(void **state)
{
	struct t *t = *state;

	device(t, "standard", "badconfirm");
	activate(t, 0, false, 0);
	expect_fail(t, ACTIVATION_ERR_LOGIN_FAILED, "login confirmation does not match");
}

static void login_refused(void **state)
{
	struct t *t = *state;

	device(t, "standard", "loginfail");
	activate(t, 0, false, 0);
	expect_fail(t, ACTIVATION_ERR_LOGIN_FAILED, "refused the login with the new token "
						    "(LOG_FAILED)");
}

static void disconnect_mid_transfer(void **state)
{
	struct t *t = *state;

	device(t, "standard", "drop=3");
	activate(t, 0, false, 0);
	expect_fail(t, ACTIVATION_ERR_DISCONNECTED, "disconnected while we were sending our "
						    "public key");
}

static void secure_auth_is_not_local(void **state)
{
	struct t *t = *state;

	device(t, "standard", "secure");
	activate(t, 0, false, 0);
	expect_fail(t, ACTIVATION_ERR_NOT_LOCAL, "secure auth");
	assert_non_null(strstr(t->res.message, "MI32Key"));
}

static void v2_needs_the_cloud(void **state)
{
	struct t *t = *state;

	device(t, "standard", "v2");
	activate(t, 0, false, 0);
	expect_fail(t, ACTIVATION_ERR_NOT_LOCAL, "standard auth v2");
}

static void cloud_only_firmware(void **state)
{
	struct t *t = *state;

	device(t, "standard", "version=2.1.1_0159");
	activate(t, 0x055B, false, 0);
	expect_fail(t, ACTIVATION_ERR_NOT_LOCAL, "LYWSD03MMC with firmware 2.1.1_0159");
}

static void unencrypted_needs_no_key(void **state)
{
	struct t *t = *state;

	device(t, "standard", "");
	activate(t, 0x045B, false, 0);
	expect_fail(t, ACTIVATION_ERR_NOT_LOCAL, "LYWSD02 sends its values unencrypted");
}

static void legacy_wrong_product_id(void **state)
{
	struct t *t = *state;

	device(t, "legacy", "badpid");
	activate(t, 950, true, 0);
	expect_fail(t, ACTIVATION_ERR_LOGIN_FAILED, "product id 0x03b6 may be wrong");
}

static void legacy_on_a_standard_device(void **state)
{
	struct t *t = *state;

	device(t, "standard", "");
	activate(t, 950, true, 0);
	expect_fail(t, ACTIVATION_ERR_NO_SERVICE, "no legacy auth characteristics");
}

/* An activation of a silent device, connected and waiting for the device info */
static void start_silent(struct t *t, uint64_t end)
{
	struct activation_opts o = { .step_timeout_ms = 0 };

	device(t, "standard", "silent");
	memcpy(o.mac, peer_mac, 6);
	t->steps[0] = '\0';
	assert_int_equal(activation_start(t->ev, t->g, &o, on_progress, on_done, t, &t->a), 0);
	while (!strstr(t->steps, "1:") && clock_mono_us() < end)
		sd_event_run(t->ev, 100000);
	while (!connected(t) && clock_mono_us() < end)
		sd_event_run(t->ev, 100000);
	assert_true(connected(t));
}

static void free_midway_closes_the_link(void **state)
{
	struct t *t = *state;
	uint64_t end = clock_mono_us() + WAIT_MS * 1000ull;

	start_silent(t, end);
	activation_free(t->a);
	t->a = NULL;
	while (connected(t) && clock_mono_us() < end)
		sd_event_run(t->ev, 100000);
	assert_false(connected(t));
	assert_false(t->done);
}

/* SIGTERM mid-activation: the daemon frees the activation, then the GATT engine, without
 * running the loop in between; the activation's Disconnect must still reach bluetoothd */
static void shutdown_midway_closes_the_link(void **state)
{
	struct t *t = *state;
	uint64_t end = clock_mono_us() + WAIT_MS * 1000ull;

	start_silent(t, end);
	activation_free(t->a);
	t->a = NULL;
	gatt_free(t->g);
	t->g = NULL;
	while (connected(t) && clock_mono_us() < end)
		; /* the fake takes the Disconnect sent on the way out */
	assert_false(connected(t));
	assert_false(t->done);
}

static void model_table(void **state)
{
	unsigned int n;
	const struct activation_model *m = activation_models(&n);

	(void)state;
	assert_true(n > 10);
	assert_int_equal(activation_model(0x055B)->support, ACTIVATION_STANDARD);
	assert_int_equal(activation_model(950)->support, ACTIVATION_LEGACY);
	assert_null(activation_model(0x1234));
	for (unsigned int i = 0; i < n; i++)
		assert_ptr_equal(activation_model(m[i].pid), &m[i]); /* no pid twice */
	assert_non_null(strstr(activation_warning(), "Mi Home"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(fresh_device),
		T(registered_device_keeps_its_did),
		T(lost_frame_is_resent),
		T(button_press_awaited),
		T(button_never_pressed),
		T(legacy_beacon_key),
		T(legacy_by_product_id),
		T(connect_fails),
		T(no_mi_service),
		T(notification_refused),
		T(silent_device_times_out),
		T(wrong_opcode),
		T(wrong_did_tag_reg_failed),
		T(device_refuses),
		T(login_confirmation_wrong),
		T(login_refused),
		T(disconnect_mid_transfer),
		T(secure_auth_is_not_local),
		T(v2_needs_the_cloud),
		T(cloud_only_firmware),
		T(unencrypted_needs_no_key),
		T(legacy_wrong_product_id),
		T(legacy_on_a_standard_device),
		T(free_midway_closes_the_link),
		T(shutdown_midway_closes_the_link),
		cmocka_unit_test(model_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
