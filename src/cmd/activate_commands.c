/* SPDX-License-Identifier: MIT */
/* activate_commands.c — see activate_commands.h. One entry per running activation, and
 * then per key waiting for its check; the store's events say whether the next advert from
 * the sensor decodes. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "activate/activation.h"
#include "gatt/gatt.h"
#include "store/sensor.h"
#include "store/store.h"
#include "util/hex.h"
#include "util/jw.h"
#include "util/log.h"
#include "cmd/activate_commands.h"
#include "cmd/commands.h"

struct activate_cmd {
	struct activate_cmd *next;
	struct commands_ctx *c;
	struct activation *a;     /* while activating */
	uint8_t mac[6];
	int slot;                 /* the key went here; -1: not applied */
	unsigned int sub;         /* the store subscription of the check */
	sd_event_source *timer;   /* the check's time limit */
	bool failed;              /* an advert did not decrypt: the timer is the grace's */
};

static void unlink_cmd(struct activate_cmd *p)
{
	for (struct activate_cmd **pp = &p->c->activate_pending; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			return;
		}
}

static void cmd_free(struct activate_cmd *p)
{
	unlink_cmd(p);
	activation_free(p->a);
	if (p->sub)
		store_unsubscribe(p->c->store, p->sub);
	sd_event_source_disable_unref(p->timer);
	free(p);
}

/* ---- RESULT messages ------------------------------------------------------------------ */

static void begin(struct jw *w, char *buf, size_t size, const char *status,
		  const uint8_t mac[6])
{
	char m[HEX_MAC_LEN];

	hex_mac(mac, m);
	jw_init(w, buf, size);
	jw_obj_begin(w);
	jw_key(w, "MI32Activate");
	jw_str(w, status);
	jw_key(w, "MAC");
	jw_str(w, m);
}

static void emit(struct activate_cmd *p, struct jw *w, char *buf)
{
	jw_obj_end(w);
	if (jw_finish(w) >= 0 && p->c->result)
		p->c->result(p->c->host, buf);
	OPENSSL_cleanse(buf, strlen(buf)); /* it may hold the key */
}

static void send_status(struct activate_cmd *p, const char *status, const char *key,
			const char *text)
{
	char buf[512];
	struct jw w;

	begin(&w, buf, sizeof(buf), status, p->mac);
	if (p->slot >= 0) {
		jw_key(&w, "Slot");
		jw_int(&w, p->slot);
	}
	if (key) {
		jw_key(&w, key);
		jw_str(&w, text);
	}
	emit(p, &w, buf);
}

/* ---- the check: the next advert after the key ------------------------------------------ */

static void on_store(const struct store_event *ev, void *user_data)
{
	struct activate_cmd *p = user_data;

	if ((int)ev->slot != p->slot)
		return;
	if (ev->kind == STORE_EVENT_UPDATE && store_types_any(ev->updated)) {
		send_status(p, "Decoded", "Check", "the next advert from the sensor decoded with "
			    "the new key");
		cmd_free(p);
	} else if (ev->kind == STORE_EVENT_KEY_PROBLEM && ev->error == -EKEYREJECTED &&
		   !p->failed) {
		/* no verdict yet (activation.h): the check's timer now ends the grace */
		uint64_t now, at;

		p->failed = true;
		if (sd_event_now(gatt_event(p->c->gatt), CLOCK_MONOTONIC, &now) >= 0 &&
		    sd_event_source_get_time(p->timer, &at) >= 0 &&
		    now + ACTIVATION_CHECK_GRACE_S * 1000000ull < at)
			sd_event_source_set_time(p->timer,
						 now + ACTIVATION_CHECK_GRACE_S * 1000000ull);
	}
}

static int on_check_timer(sd_event_source *s, uint64_t usec, void *data)
{
	struct activate_cmd *p = data;
	char why[128];

	(void)s;
	(void)usec;
	if (p->failed) {
		snprintf(why, sizeof(why), "the encrypted adverts from the sensor do not decrypt "
			 "with the new key (none did for %d s): activate it again",
			 ACTIVATION_CHECK_GRACE_S);
		send_status(p, "WrongKey", "Reason", why);
		cmd_free(p);
		return 0;
	}
	snprintf(why, sizeof(why), "no advert from the sensor within %d minutes: is it in range?",
		 ACTIVATE_CHECK_S / 60);
	send_status(p, "NoAdvert", "Reason", why);
	cmd_free(p);
	return 0;
}

static void start_check(struct activate_cmd *p)
{
	p->sub = store_subscribe(p->c->store, STORE_EVENT_UPDATE | STORE_EVENT_KEY_PROBLEM,
				 on_store, p, NULL);
	if (!p->sub || sd_event_add_time_relative(gatt_event(p->c->gatt), &p->timer,
						  CLOCK_MONOTONIC, ACTIVATE_CHECK_S * 1000000ull,
						  1000000, on_check_timer, p) < 0) {
		log_warn("MI32Activate: no memory to wait for the check");
		cmd_free(p);
	}
}

/* ---- the activation ------------------------------------------------------------------ */

static void on_progress(enum activation_step step, const char *what, void *user_data)
{
	struct activate_cmd *p = user_data;

	if (!p->a) /* the first, from inside activation_start(), is in the Pending reply */
		return;
	if (step == ACTIVATION_STEP_PRESS) {
		/* the one step that needs the user: "Button" lets a page show it as such */
		char buf[512];
		struct jw w;

		begin(&w, buf, sizeof(buf), "Progress", p->mac);
		jw_key(&w, "Step");
		jw_str(&w, what);
		jw_key(&w, "Button");
		jw_bool(&w, true);
		emit(p, &w, buf);
		return;
	}
	send_status(p, "Progress", "Step", what);
}

/* The key into the running list: the sensor's slot, or a new one when the sensor was not
 * heard yet but the device told its product id. Returns why not, or NULL. */
static const char *apply(struct activate_cmd *p, const struct activation_result *r)
{
	struct store *st = p->c->store;
	unsigned int slot;
	int s = store_find(st, p->mac);

	if (s < 0) {
		if (!r->pid)
			return "not applied: the sensor is not in the list and did not tell its "
			       "product id; give the key with MI32Key once it is heard";
		if (store_add_sensor(st, p->mac, r->pid, &slot) < 0)
			return "not applied: the sensor could not be added to the list";
		s = (int)slot;
	}
	if (store_set_key(st, (unsigned int)s, r->bind_key) < 0)
		return "not applied: the key could not be prepared";
	p->slot = s;
	return NULL;
}

static void on_done(const struct activation_result *r, void *user_data)
{
	struct activate_cmd *p = user_data;
	const char *not_applied;
	char buf[1024];
	struct jw w;

	activation_free(p->a);
	p->a = NULL;
	if (r->error) {
		send_status(p, "Error", "Reason", r->message);
		cmd_free(p);
		return;
	}
	not_applied = apply(p, r);
	begin(&w, buf, sizeof(buf), "Done", p->mac);
	if (p->slot >= 0) {
		jw_key(&w, "Slot");
		jw_int(&w, p->slot);
	}
	/* the token exists nowhere else: it is needed for a later login (OTA, re-binding) */
	jw_key(&w, "Key");
	jw_hex(&w, r->bind_key, sizeof(r->bind_key), false);
	if (r->legacy) {
		jw_key(&w, "BeaconKey");
		jw_hex(&w, r->key12, sizeof(r->key12), false);
	} else {
		jw_key(&w, "Token");
		jw_hex(&w, r->token, sizeof(r->token), false);
		jw_key(&w, "DID");
		jw_str(&w, r->did);
	}
	if (r->version[0]) {
		jw_key(&w, "Version");
		jw_str(&w, r->version);
	}
	jw_key(&w, "Check");
	jw_str(&w, not_applied ? not_applied
			       : "the key is in the running list (MI32Cfg saves it); waiting for "
				 "the next advert");
	emit(p, &w, buf);
	if (not_applied)
		cmd_free(p);
	else
		start_check(p);
}

/* "<MAC> [legacy]" or "<slot> [legacy]" */
static int parse(struct commands_ctx *c, const char *payload, uint8_t mac[6], bool *legacy,
		 uint16_t *pid, const char **why)
{
	char tok[32];
	const char *rest = payload;
	size_t n = strcspn(payload, " ");
	int slot = -1;

	if (n == 0 || n >= sizeof(tok)) {
		*why = "give the sensor's MAC or slot: MI32Activate <MAC> [legacy]";
		return -EINVAL;
	}
	memcpy(tok, payload, n);
	tok[n] = '\0';
	rest += n;
	while (*rest == ' ')
		rest++;
	*legacy = !strcasecmp(rest, "legacy");
	if (*rest && !*legacy) {
		*why = "MI32Activate takes the MAC or slot and optionally 'legacy'";
		return -EINVAL;
	}
	if (n >= 12 && hex_decode(tok, mac, 6) == 6) {
		slot = store_find(c->store, mac);
	} else if (strspn(tok, "0123456789") == n) {
		slot = atoi(tok);
		if ((unsigned int)slot >= store_sensor_count(c->store)) {
			*why = "no sensor in this slot (slots count from 0; see Status 8)";
			return -ENOENT;
		}
		memcpy(mac, sensor_mac(store_sensor(c->store, (unsigned int)slot)), 6);
	} else {
		*why = "the MAC must be 12 hex digits (AA:BB:CC:DD:EE:FF)";
		return -EINVAL;
	}
	*pid = slot >= 0 ? sensor_pid(store_sensor(c->store, (unsigned int)slot)) : 0;
	return 0;
}

int activate_commands_run(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	struct commands_ctx *c = ctx;
	struct activation_opts o = { 0 };
	struct activate_cmd *p;
	char mac[HEX_MAC_LEN];
	int r;

	/* the arguments first: a wrong one is said even with GATT off */
	if ((r = parse(c, req->payload, o.mac, &o.legacy, &o.pid, why)) < 0)
		return r;
	if (!c->gatt) {
		*why = COMMANDS_GATT_OFF ": activation talks to bluetoothd";
		return -EOPNOTSUPP;
	}
	for (p = c->activate_pending; p; p = p->next)
		if (!memcmp(p->mac, o.mac, 6) && p->a) {
			*why = "this sensor is being activated already";
			return -EBUSY;
		}
	p = calloc(1, sizeof(*p));
	if (!p) {
		*why = "out of memory";
		return -ENOMEM;
	}
	p->c = c;
	p->slot = -1;
	memcpy(p->mac, o.mac, 6);
	/* a check still waiting for this sensor gives way to the new activation */
	for (struct activate_cmd *q = c->activate_pending, *next; q; q = next) {
		next = q->next;
		if (!memcmp(q->mac, o.mac, 6))
			cmd_free(q);
	}
	p->next = c->activate_pending;
	c->activate_pending = p;
	r = activation_start(gatt_event(c->gatt), c->gatt, &o, on_progress, on_done, p, &p->a);
	if (r < 0) {
		cmd_free(p);
		*why = r == -ENOTCONN	 ? "no D-Bus system bus: activation talks to bluetoothd"
		       : r == -EHOSTDOWN ? "bluetoothd is not running (systemctl start bluetooth)"
					 : "the activation could not be started";
		return r;
	}
	hex_mac(o.mac, mac);
	jw_key(w, "MI32Activate");
	jw_str(w, "Pending");
	jw_key(w, "MAC");
	jw_str(w, mac);
	jw_key(w, "Step");
	jw_str(w, "connecting");
	jw_key(w, "Warning");
	jw_str(w, activation_warning());
	return 0;
}

void activate_commands_stop(struct commands_ctx *c)
{
	while (c->activate_pending)
		cmd_free(c->activate_pending);
}
