/* SPDX-License-Identifier: MIT */
/* gatt_fixture.h — what the GATT engine's tests share: the fake org.bluez on its private bus
 * (fakebus.h), a gatt on a loop of its own, the results collected, bounded waits, and the
 * fake's call log. */
#ifndef MI32_TEST_GATT_FIXTURE_H
#define MI32_TEST_GATT_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gatt/gatt.h"
#include "util/clock.h"
#include "fakebus.h"

#define WAIT_MS 30000 /* a safety net: every wait ends on an event */

struct t {
	struct fakebus fb;
	sd_event *ev;
	struct gatt *g;
	struct gatt_result res[32];
	unsigned int n;
};

static void on_result(const struct gatt_result *r, void *data)
{
	struct t *t = data;

	if (t->n < 32)
		t->res[t->n] = *r;
	t->n++;
}

static bool run_until_n(struct t *t, unsigned int n)
{
	uint64_t end = clock_mono_us() + WAIT_MS * 1000ull;

	while (t->n < n && clock_mono_us() < end)
		sd_event_run(t->ev, 100000);
	return t->n >= n;
}

static bool run_until_ready(struct t *t, bool ready)
{
	uint64_t end = clock_mono_us() + WAIT_MS * 1000ull;

	while (gatt_ready(t->g) != ready && clock_mono_us() < end)
		sd_event_run(t->ev, 100000);
	return gatt_ready(t->g) == ready;
}

static int fixture_setup(void **state, const struct gatt_opts *opts)
{
	struct t *t = calloc(1, sizeof(*t));
	struct gatt_opts o = *opts;

	assert_non_null(t);
	assert_int_equal(fakebus_start(&t->fb), 0);
	assert_int_equal(sd_event_new(&t->ev), 0);
	o.bus_address = t->fb.address;
	assert_int_equal(gatt_new(t->ev, &o, &t->g), 0);
	assert_true(run_until_ready(t, true));
	*state = t;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct t *t = *state;

	gatt_free(t->g);
	sd_event_unref(t->ev);
	fakebus_stop(&t->fb);
	free(t);
	return 0;
}

static char *ctl_str(struct t *t, const char *method, const char *sig, const char *a,
		     const char *b)
{
	sd_bus_message *m = NULL;
	const char *s;
	char *out;

	if (sig)
		assert_int_equal(fakebus_ctl(&t->fb, &m, method, sig, a, b), 0);
	else
		assert_int_equal(fakebus_ctl(&t->fb, &m, method, NULL), 0);
	assert_true(sd_bus_message_read(m, "s", &s) > 0);
	out = strdup(s);
	sd_bus_message_unref(m);
	return out;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* How often @needle is in the fake's call log */
static int calls(struct t *t, const char *needle)
{
	char *log = ctl_str(t, "Calls", NULL, NULL, NULL);
	int n = count(log, needle);

	free(log);
	return n;
}

#endif
