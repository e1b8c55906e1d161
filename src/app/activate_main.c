/* SPDX-License-Identifier: MIT */
/* activate_main.c — `mi32 activate <MAC>`: register a Xiaomi sensor through bluetoothd
 * (src/activate) and print its bind key and token. A command-line tool of its own, with no
 * channel into a running daemon: for a running mi32, MI32Activate does the same and puts
 * the key into its sensor list; this prints the MI32Key line that does it by hand. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <signal.h>
#include <sys/signalfd.h>

#include <openssl/crypto.h>

#include "activate/activation.h"
#include "app/activate_main.h"
#include "decode/decode.h"
#include "gatt/gatt.h"
#include "util/clock.h"
#include "util/hex.h"
#include "util/log.h"

#define READY_WAIT_US 5000000ull /* bluetoothd's object tree, read once at start */
#define CHECK_S 600 /* a sensor may send its first encrypted advert after a connection
		     * only ~10 minutes later; a remote, motion or door sensor when it is
		     * used, which the waiting line asks for */

/* exit codes besides 0 (key made and checked), 1 (no key) and 2 (usage) */
#define EXIT_WRONG_KEY 3 /* the sensor's next encrypted advert does not decrypt with it */
#define EXIT_UNCHECKED 4 /* no encrypted advert came to check it on */

static const char usage[] =
	"usage: mi32 activate [--legacy] [--pid N] [--hci hciN] [--timeout S] "
	"[--press-timeout S] [--check-timeout S] [--dbus-address ADDR] <MAC>\n"
	"Registers a Xiaomi BLE sensor with this machine and prints its bind key and token.\n"
	"  --legacy        RC4 legacy auth (YLKG07/08 dimmers, YLYK01 remotes): 12-byte key\n"
	"  --pid N         the MiBeacon product id (decimal or 0x...), if the device does not\n"
	"                  tell it (legacy auth needs it)\n"
	"  --hci hciN      the adapter (default: the first powered one)\n"
	"  --timeout S     seconds to wait for each step (default 10)\n"
	"  --press-timeout S  seconds to wait for the sensor's button, when the sensor asks\n"
	"                  for it (default 60)\n"
	"  --check-timeout S  seconds to wait for the sensor's next encrypted advert, which\n"
	"                  checks the key (default 600; 0: no check)\n"
	"  --dbus-address  bluetoothd's bus (default: the system bus)\n"
	"Exit status: 0 the key is made and an advert decrypted with it (or no check),\n"
	"1 no key, 2 bad usage, 3 the sensor's encrypted adverts do not decrypt with the\n"
	"key (for 30 s after the first), 4 no encrypted advert came within the check's time\n"
	"(the key is printed).\n";

struct run {
	bool done;
	int signal; /* the SIGINT or SIGTERM that stopped us, or 0 */
	struct activation_result res;
	struct activation *a;
	/* the check on the next encrypted advert */
	struct aes_key key;
	bool decrypted;       /* an encrypted advert decrypted with the new key */
	uint64_t failed_us;   /* when the first one did not; 0 = none yet */
	char values[160];     /* what the advert carried, for the line that says so */
};

static void on_progress(enum activation_step step, const char *what, void *user_data)
{
	(void)step;
	(void)user_data;
	fprintf(stderr, "mi32 activate: %s\n", what);
}

static void on_done(const struct activation_result *r, void *user_data)
{
	struct run *run = user_data;

	run->res = *r;
	run->done = true;
}

/* Ctrl-C or SIGTERM midway: stop the loop; the way out closes the link (activation_free,
 * gatt_free) instead of leaving it up in bluetoothd */
static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *user_data)
{
	struct run *run = user_data;

	(void)s;
	run->signal = (int)si->ssi_signo;
	return 0;
}

/* "Temperature 21.5 °C, Humidity 40 %" */
static void describe(const struct decoded *d, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned int i = 0; i < d->n && n < size; i++) {
		const struct reading_info *ri = reading_info(d->r[i].type);
		char key[40];

		reading_key(&d->r[i], key, sizeof(key));
		n += (size_t)snprintf(out + n, size - n, "%s%s %.*f%s%s", i ? ", " : "", key,
				      (int)d->r[i].decimals, d->r[i].value,
				      ri->unit && ri->unit[0] ? " " : "", ri->unit ? ri->unit : "");
	}
	if (!d->n)
		snprintf(out, size, "a frame without values");
}

/* An advert of the sensor while the check runs: the first encrypted one that decrypts
 * says it all; plain frames (some sensors send a few) are passed over, and one that does
 * not decrypt starts the grace period (check_key) */
static void on_advert(const uint8_t mac[6], uint16_t uuid16, const uint8_t *data, size_t len,
		      int16_t rssi, void *user_data)
{
	struct run *run = user_data;
	struct decoded d;
	int r;

	(void)rssi;
	if (run->decrypted)
		return;
	r = decode_service_data(uuid16, data, len, mac, &run->key, &d);
	if (r == -EKEYREJECTED && !run->failed_us) {
		run->failed_us = clock_mono_us();
	} else if (r >= 0 && d.encrypted) {
		describe(&d, run->values, sizeof(run->values));
		run->decrypted = true;
	}
}

/* Wait for the sensor's next encrypted advert and decrypt it with the new key. Returns the
 * exit code. */
static int check_key(sd_event *ev, struct gatt *g, struct run *run, const uint8_t mac[6],
		     unsigned int seconds)
{
	uint64_t end = clock_mono_us() + seconds * 1000000ull;
	int rc;

	if (aes_key_set(&run->key, run->res.bind_key) < 0 ||
	    gatt_watch(g, mac, on_advert, run) < 0) {
		fprintf(stderr, "mi32 activate: the key could not be checked (out of memory)\n");
		return EXIT_UNCHECKED;
	}
	fprintf(stderr, "mi32 activate: waiting up to %u s for the sensor's next encrypted "
			"advert to check the key (a remote, motion or door sensor sends one when "
			"used: press a button, walk past, open the door; Ctrl-C ends the wait)\n",
		seconds);
	for (;;) {
		uint64_t now = clock_mono_us(), until = end;

		/* an advert that does not decrypt may be one the sensor made before it was
		 * bound and still repeats (or another app's key, if it was bound again):
		 * the verdict waits ACTIVATION_CHECK_GRACE_S for one that does */
		if (run->failed_us && run->failed_us + ACTIVATION_CHECK_GRACE_S * 1000000ull < until)
			until = run->failed_us + ACTIVATION_CHECK_GRACE_S * 1000000ull;
		if (run->decrypted || run->signal || now >= until ||
		    sd_event_run(ev, until - now) < 0)
			break;
	}
	gatt_unwatch(g);
	if (run->decrypted) {
		printf("Check:      the sensor's next encrypted advert decrypted: %s\n",
		       run->values);
		rc = 0;
	} else if (run->failed_us && !run->signal) {
		fprintf(stderr, "mi32 activate: the sensor's encrypted adverts do not decrypt "
				"with this key: activate it again\n");
		rc = EXIT_WRONG_KEY;
	} else {
		fprintf(stderr, "mi32 activate: %s: the key above is unchecked\n",
			run->signal ? "check stopped" : "no encrypted advert from the sensor in time");
		rc = EXIT_UNCHECKED;
	}
	aes_key_clear(&run->key);
	return rc;
}

static void print_result(const struct activation_result *r, const uint8_t mac[6])
{
	char key[33], token[25], key12[25], m[HEX_MAC_LEN], plain[13];

	hex_encode(r->bind_key, sizeof(r->bind_key), key, 0);
	hex_mac(mac, m);
	hex_encode(mac, 6, plain, 1);
	printf("MAC:        %s\n", m);
	if (r->pid)
		printf("Product id: 0x%04x\n", r->pid);
	if (r->version[0])
		printf("Firmware:   %s\n", r->version);
	printf("Bind key:   %s\n", key);
	if (r->legacy) {
		hex_encode(r->key12, sizeof(r->key12), key12, 0);
		printf("Beacon key: %s (the 12 bytes the device keeps)\n", key12);
		printf("For a running mi32: MI32Key %s%s\n", key12, plain);
		OPENSSL_cleanse(key12, sizeof(key12));
	} else {
		hex_encode(r->token, sizeof(r->token), token, 0);
		printf("Token:      %s (keep it: a later login, e.g. for OTA, needs it)\n", token);
		printf("Device id:  %s%s\n", r->did,
		       r->did_invented ? " (made up here: the device had none)" : "");
		printf("For a running mi32: MI32Key %s%s\n", key, plain);
		OPENSSL_cleanse(token, sizeof(token));
	}
	OPENSSL_cleanse(key, sizeof(key));
}

int activate_main(int argc, char **argv)
{
	struct activation_opts o = { 0 };
	struct gatt_opts go = { 0 };
	const char *mac_arg = NULL;
	struct run run = { 0 };
	sd_event *ev = NULL;
	struct gatt *g = NULL;
	unsigned int check_s = CHECK_S;
	uint64_t end;
	sigset_t mask;
	int r, rc = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(a, "--legacy")) {
			o.legacy = true;
		} else if (!strcmp(a, "--pid") && more) {
			char *end_p;
			unsigned long v = strtoul(argv[++i], &end_p, 0);

			if (*end_p || v == 0 || v > 0xffff) {
				fprintf(stderr, "mi32 activate: --pid takes a product id 1..0xffff\n");
				return 2;
			}
			o.pid = (uint16_t)v;
		} else if (!strcmp(a, "--hci") && more) {
			go.adapter = argv[++i];
		} else if (!strcmp(a, "--timeout") && more) {
			unsigned long v = strtoul(argv[++i], NULL, 10);

			if (v == 0 || v > 600) {
				fprintf(stderr, "mi32 activate: --timeout takes 1..600 seconds\n");
				return 2;
			}
			o.step_timeout_ms = (unsigned int)v * 1000;
		} else if (!strcmp(a, "--press-timeout") && more) {
			unsigned long v = strtoul(argv[++i], NULL, 10);

			if (v == 0 || v > 600) {
				fprintf(stderr,
					"mi32 activate: --press-timeout takes 1..600 seconds\n");
				return 2;
			}
			o.press_timeout_ms = (unsigned int)v * 1000;
		} else if (!strcmp(a, "--check-timeout") && more) {
			char *end_p;
			unsigned long v = strtoul(argv[++i], &end_p, 10);

			if (*end_p || v > 3600) {
				fprintf(stderr,
					"mi32 activate: --check-timeout takes 0..3600 seconds\n");
				return 2;
			}
			check_s = (unsigned int)v;
		} else if (!strcmp(a, "--dbus-address") && more) {
			go.bus_address = argv[++i];
		} else if (a[0] != '-' && !mac_arg) {
			mac_arg = a;
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!mac_arg || hex_decode(mac_arg, o.mac, 6) != 6) {
		fprintf(stderr, "mi32 activate: give the sensor's MAC (AA:BB:CC:DD:EE:FF)\n%s",
			usage);
		return 2;
	}
	/* the library's notices would repeat the one sentence printed at the end */
	log_set_level(LOG_WARNING);
	fprintf(stderr, "mi32 activate: %s\n", activation_warning());
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if (sd_event_new(&ev) < 0 || gatt_new(ev, &go, &g) < 0 ||
	    sd_event_add_signal(ev, NULL, SIGINT, on_signal, &run) < 0 ||
	    sd_event_add_signal(ev, NULL, SIGTERM, on_signal, &run) < 0) {
		fprintf(stderr, "mi32 activate: out of memory\n");
		goto out;
	}
	end = clock_mono_us() + READY_WAIT_US;
	while (!gatt_ready(g) && clock_mono_us() < end)
		sd_event_run(ev, 100000);
	if (!gatt_ready(g)) {
		fprintf(stderr, "mi32 activate: bluetoothd is not running, or not reachable on "
				"D-Bus (systemctl start bluetooth)\n");
		goto out;
	}
	r = activation_start(ev, g, &o, on_progress, on_done, &run, &run.a);
	if (r < 0) {
		fprintf(stderr, "mi32 activate: could not start: %s\n", strerror(-r));
		goto out;
	}
	while (!run.done && !run.signal)
		if (sd_event_run(ev, UINT64_MAX) < 0)
			break;
	if (run.signal) {
		fprintf(stderr, "mi32 activate: stopped by %s: disconnecting, nothing was applied\n",
			strsignal(run.signal));
		goto out;
	}
	if (!run.done) {
		fprintf(stderr, "mi32 activate: the event loop failed\n");
		goto out;
	}
	if (run.res.error) {
		fprintf(stderr, "mi32 activate: %s\n", run.res.message);
		goto out;
	}
	print_result(&run.res, o.mac);
	fflush(stdout); /* the key is out before the wait: a caller may read it at once */
	rc = check_s ? check_key(ev, g, &run, o.mac, check_s) : 0;
out:
	OPENSSL_cleanse(&run.res, sizeof(run.res));
	activation_free(run.a);
	gatt_free(g);
	sd_event_unref(ev);
	return rc;
}
