/* SPDX-License-Identifier: MIT */
/* daemon.c — `mi32 run`. One thread, one sd-event loop: a source delivers adverts, the store
 * decodes and keeps them, and SENSOR messages go out as JSON lines (--json) — and through
 * the sinks that subscribe. Commands arrive on the console (stdin). Time is the wall clock,
 * except under `--replay --fast`, where it is the capture's own: then TelePeriods, NMT and
 * history follow the recording, and the output is the same on every run. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-event.h>

#include "cmd/commands.h"
#include "cmd/activate_commands.h"
#include "cmd/gatt_commands.h"
#include "gatt/gatt.h"
#include "script/lib.h"
#include "script/scripts.h"
#include "script/widgets.h"
#include "sink/hass.h"
#include "sink/mqtt.h"
#include "sink/web.h"
#include "source/capture.h"
#include "store/advfilter.h"
#include "store/mi32cfg.h"
#include "store/mi32cfg_store.h"
#include "store/report.h"
#include "store/sensor.h"
#include "store/store.h"
#include "util/jw.h"
#include "util/timefmt.h"
#include "app/config.h"
#include "app/console.h"
#include "app/daemon.h"
#include "app/homekit.h"
#include "util/log.h"
#include "app/notify.h"
#include "app/radio.h"
#include "app/replay.h"
#include "util/clock.h"

#define MSG_MAX (1u << 20) /* one SENSOR message; 1,000 sensors take ~200 kB */

#define SINKS_MAX 4

struct daemon {
	struct config cfg;
	sd_event *ev;
	struct store *store;
	struct homekit *homekit;
	struct commands_ctx cmd;
	struct report_opts ropts;
	char topic[64];
	int exit_code;

	struct replay *replay;
	bool replay_done;

	struct radio *radio;
	bool radio_down_said; /* STATE went out for a radio down; again when it scans again */
	struct notify notify;
	struct capture_writer *rec;

	struct console *console;
	struct scripts *scripts;
	struct script_env script_env;
	struct widgets *widgets;       /* the scripts' dashboard boxes */

	/* time and publishing */
	bool virtual_time;       /* --replay --fast */
	uint64_t now_us;
	uint64_t next_tick_us;
	uint64_t next_tele_us;
	sd_event_source *tick_src;
	bool want_publish;
	char *msg;
	char reply[CMD_REPLY_MAX];
	struct web *web;
	struct mqtt_sink *mqtt;
	struct hass *hass;
	/* the sinks' outputs, called (and stopped) in this order */
	struct {
		const struct sink_ops *ops;
		void *sink;
	} out[SINKS_MAX];
	unsigned int n_out;
};

static uint64_t now(struct daemon *d)
{
	return d->virtual_time ? d->now_us : timefmt_now_us();
}

static uint64_t now_cb(void *host)
{
	return now(host);
}

static uint64_t start_cb(void *host)
{
	return ((struct daemon *)host)->cmd.start_us;
}

/* The radio as the sinks and STATE see it (struct sink_radio: they never include app/). */
static bool radio_cb(void *host, struct sink_radio *out)
{
	struct daemon *d = host;
	struct radio_status st;

	if (!d->radio)
		return false;
	radio_get_status(d->radio, &st);
	memset(out, 0, sizeof(*out));
	snprintf(out->state, sizeof(out->state), "%s", radio_state_name(st.state));
	snprintf(out->adapter, sizeof(out->adapter), "%s", st.adapter);
	out->active = st.active;
	out->duty_percent = st.duty_percent;
	out->restarts = st.restarts;
	out->reopens = st.reopens;
	out->retry_in_s = st.retry_in_s;
	snprintf(out->reason, sizeof(out->reason), "%s", st.reason);
	return true;
}

/* The HomeKit bridge as the sinks, STATE and HomeKitReset reach it (struct sink_homekit). */
static bool homekit_get_cb(void *host, struct sink_homekit *out)
{
	return homekit_status(((struct daemon *)host)->homekit, out);
}

static bool homekit_setup_cb(void *host, char code[11], char payload[21])
{
	return homekit_setup(((struct daemon *)host)->homekit, code, payload);
}

static int homekit_reset_cb(void *host, char *err, size_t errlen)
{
	return homekit_reset(((struct daemon *)host)->homekit, err, errlen);
}

static struct sink_homekit_src homekit_src(struct daemon *d)
{
	if (!d->homekit)
		return (struct sink_homekit_src){ 0 };
	return (struct sink_homekit_src){ homekit_get_cb, homekit_setup_cb, homekit_reset_cb, d };
}

/* ---- outputs ---------------------------------------------------------------------- */

static void output_sensor(struct daemon *d, const char *json, enum report_kind kind)
{
	if (d->cfg.json) {
		fputs(json, stdout);
		fputc('\n', stdout);
	}
	for (unsigned int i = 0; i < d->n_out; i++)
		if (d->out[i].ops->sensor)
			d->out[i].ops->sensor(d->out[i].sink, json, kind);
}

/* tele/<topic>/STATE: what the State command answers, at every TelePeriod */
static void output_state(struct daemon *d)
{
	bool any = false;

	for (unsigned int i = 0; i < d->n_out; i++)
		any |= d->out[i].ops->state != NULL;
	if (!any)
		return;
	commands_exec(&d->cmd, "State", d->reply, sizeof(d->reply));
	for (unsigned int i = 0; i < d->n_out; i++)
		if (d->out[i].ops->state)
			d->out[i].ops->state(d->out[i].sink, d->reply);
}

static void publish(struct daemon *d, enum report_kind kind)
{
	char tb[TIMEFMT_LEN];
	struct jw w;
	int n;

	timefmt_iso(now(d), tb);
	jw_init(&w, d->msg, MSG_MAX);
	n = report_sensor(d->store, kind, tb, &d->ropts, &w);
	if (n == -ENOSPC) {
		log_err("the SENSOR message does not fit %u bytes; not sent", MSG_MAX);
		return;
	}
	if (n > 0)
		output_sensor(d, d->msg, kind);
}

static void on_store_event(const struct store_event *ev, void *user_data)
{
	struct daemon *d = user_data;
	char name[80];

	switch (ev->kind) {
	case STORE_EVENT_UPDATE:
		if (ev->publish)
			d->want_publish = true;
		break;
	case STORE_EVENT_NEW:
		sensor_json_key(ev->sensor, name, sizeof(name));
		log_info("new sensor %s at slot %u", name, ev->slot);
		break;
	case STORE_EVENT_KEY_PROBLEM:
		/* once per device: the store raises this only the first time */
		sensor_json_key(ev->sensor, name, sizeof(name));
		if (ev->error == -EKEYREJECTED)
			log_warn("%s: the key does not decrypt its frames (wrong key?)", name);
		else if (ev->error == -ENOKEY)
			log_notice("%s sends encrypted frames and has no key: set one with MI32Key",
				   name);
		else
			log_notice("%s advertises that it is not paired", name);
		break;
	case STORE_EVENT_STALE:
		sensor_json_key(ev->sensor, name, sizeof(name));
		log_info("%s %s", name, ev->stale ? "is stale: not heard for a while" : "is back");
		break;
	default:
		break;
	}
}

/* The triggered SENSOR message of what changed since the last one, if anything did. */
static void flush_triggered(struct daemon *d)
{
	if (d->want_publish) {
		d->want_publish = false;
		publish(d, REPORT_TRIGGERED);
	}
}

/* Advance the daemon's clock: once-a-second upkeep and the TelePeriod. */
static void clock_advance(struct daemon *d, uint64_t t)
{
	if (!d->next_tick_us) {
		d->next_tick_us = t + 1000000u;
		d->next_tele_us = d->cmd.teleperiod ? t + d->cmd.teleperiod * 1000000ull : 0;
	}
	while (t >= d->next_tick_us) {
		store_tick(d->store, d->next_tick_us);
		d->next_tick_us += 1000000u;
	}
	if (d->cmd.teleperiod && d->next_tele_us && t >= d->next_tele_us) {
		d->next_tele_us = t + d->cmd.teleperiod * 1000000ull;
		if (!store_option(d->store, STORE_OPTION_NO_SUMMARY))
			publish(d, REPORT_TELE);
		output_state(d);
	}
}

static void watch_add(const uint8_t mac[6], void *arg)
{
	advfilter_add(arg, ADVFILTER_WATCH, mac);
}

static void block_add(const uint8_t mac[6], void *arg)
{
	advfilter_add(arg, ADVFILTER_BLOCK, mac);
}

/* The hot path: one advertisement. @own: heard by this node (recorded and relayed), not
 * injected from another node. */
static void process_adv(struct daemon *d, const struct adv *adv, bool own)
{
	uint64_t t = adv->time_us ? adv->time_us : timefmt_now_us();

	if (own && d->rec && capture_write_adv(d->rec, adv) < 0) {
		log_err("recording to %s failed; recording stopped", d->cfg.record);
		capture_writer_close(d->rec);
		d->rec = NULL;
	}
	if (own)
		for (unsigned int i = 0; i < d->n_out; i++)
			if (d->out[i].ops->adv)
				d->out[i].ops->adv(d->out[i].sink, adv);
	if (d->virtual_time) {
		/* replay time: uptime counts from the capture's first record */
		if (!d->now_us)
			d->cmd.start_us = t;
		d->now_us = t;
	}
	/* the daemon's watch and block lists (MI32Watch, MI32Block) hold for scripts too, as
	 * the seed's lists did for Berry; a script's own BLE.adv_watch narrows further */
	if (store_handle_adv(d->store, adv, t) != -EACCES && d->script_env.ble_listeners)
		lib_ble_adv(&d->script_env, adv);
	/* publish at once: a button press is on its way before the next advert is read */
	flush_triggered(d);
	if (d->virtual_time)
		clock_advance(d, t);
}

static void handle_adv(const struct adv *adv, void *user_data)
{
	process_adv(user_data, adv, true);
}

/* An advertisement from elsewhere (another node's raw relay): decoded like our own, not
 * recorded and not relayed again. */
static void inject_adv(void *user_data, const struct adv *adv, const char *node)
{
	(void)node;
	process_adv(user_data, adv, false);
}

/* ---- replay and console --------------------------------------------------------------- */

static void on_replay_end(bool failed, void *user_data)
{
	struct daemon *d = user_data;

	if (failed)
		d->exit_code = 1;
	d->replay_done = true;
	/* the end of a finite replay is a TelePeriod of its own: sensors heard after the last
	 * trigger appear once (issue 17 #9) */
	if (d->cmd.teleperiod && !store_option(d->store, STORE_OPTION_NO_SUMMARY))
		publish(d, REPORT_TELE);
	/* commands from a file on stdin apply to the replayed state, as piped ones do */
	console_read_deferred(d->console);
	fflush(stdout);
	if (!console_pending(d->console))
		sd_event_exit(d->ev, d->exit_code);
}

static void on_console_line(char *line, void *user_data)
{
	struct daemon *d = user_data;

	commands_exec(&d->cmd, line, d->reply, sizeof(d->reply));
	fputs(d->reply, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

static void on_console_eof(void *user_data)
{
	struct daemon *d = user_data;

	if (d->replay_done)
		sd_event_exit(d->ev, d->exit_code);
}

/* ---- timers, signals ---------------------------------------------------------------- */

static int on_tick(sd_event_source *s, uint64_t usec, void *user_data)
{
	struct daemon *d = user_data;

	if (!d->virtual_time)
		clock_advance(d, timefmt_now_us());
	gatt_commands_tick(&d->cmd, timefmt_now_us());
	flush_triggered(d); /* the battery poll's values, which come with no RESULT */
	if (d->radio) {
		char status[256];
		struct radio_status st;

		radio_tick(d->radio, clock_mono_us());
		radio_describe(d->radio, status, sizeof(status));
		notify_status(&d->notify, status);
		/* a radio that goes down (or comes back) is news: STATE goes out now, not at
		 * the next TelePeriod (issue 17 #1) */
		radio_get_status(d->radio, &st);
		if ((st.state == RADIO_STATE_DOWN) != d->radio_down_said &&
		    (st.state == RADIO_STATE_DOWN || st.state == RADIO_STATE_SCANNING)) {
			d->radio_down_said = st.state == RADIO_STATE_DOWN;
			output_state(d);
		}
	}
	notify_watchdog(&d->notify);
	fflush(stdout);
	/* relative timers are one-shot: re-arm for the next second */
	sd_event_source_set_time(s, usec + 1000000u);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

static int on_post(sd_event_source *s, void *user_data)
{
	(void)s;
	(void)user_data;
	fflush(stdout);
	return 0;
}

static void on_changed(void *host, enum commands_change what, int arg)
{
	struct daemon *d = host;

	if (what == COMMANDS_CHANGED_TELEPERIOD)
		d->next_tele_us = arg ? now(d) + (uint64_t)arg * 1000000u : 0;
	else if (what == COMMANDS_CHANGED_OPTION && arg == STORE_OPTION_ACTIVE_SCAN && d->radio)
		radio_set_active(d->radio, store_option(d->store, STORE_OPTION_ACTIVE_SCAN));
}

/* A deferred command result (the GATT commands'): to the console and every sink. */
static void on_result(void *host, const char *json)
{
	struct daemon *d = host;

	fputs(json, stdout);
	fputc('\n', stdout);
	for (unsigned int i = 0; i < d->n_out; i++)
		if (d->out[i].ops->result)
			d->out[i].ops->result(d->out[i].sink, json);
	/* the values it brought (a battery read by GATT): not only with the next advert */
	flush_triggered(d);
}

/* The GATT client for the commands; a replay has no bluetoothd unless one is named. */
static int gatt_start(struct daemon *d)
{
	char hci[16];
	struct gatt_opts o = {
		.bus_address = d->cfg.dbus_address, .connect_timeout_ms = d->cfg.gatt_timeout * 1000,
		.adapter = d->cfg.hci >= 0 ? hci : NULL, .bond_dir = d->cfg.bond_dir,
	};

	snprintf(hci, sizeof(hci), "hci%d", d->cfg.hci);
	if (!d->cfg.gatt || (d->cfg.replay && !d->cfg.dbus_address))
		return 0;
	d->cmd.result = on_result;
	d->cmd.battery_poll_h = d->cfg.battery_poll;
	return gatt_new(d->ev, &o, &d->cmd.gatt);
}

/* The scripts: the *.lua of <state-dir>/scripts, then every --script FILE. They start last, when
 * everything they may call is there. */
static int script_publish(void *data, const char *topic, const void *payload, size_t len,
			  bool retain)
{
	struct daemon *d = data;

	return d->mqtt ? mqtt_sink_publish(d->mqtt, topic, payload, len, retain) : -ENOTCONN;
}

static int scripts_start_all(struct daemon *d)
{
	char dir[4096];
	struct scripts_opts o = {
		.lim = {
			.mem_max = (size_t)d->cfg.script_memory * 1024,
			.timeout_us = d->cfg.script_timeout * 1000ull,
			.slow_us = d->cfg.script_slow * 1000ull,
			.max_errors = 10,
		},
		.dir = dir, .files = d->cfg.scripts.v, .n_files = d->cfg.scripts.n,
		.open = lib_open, .open_data = &d->script_env, .status = lib_status,
	};
	int r;

	d->script_env = (struct script_env){
		.ev = d->ev, .store = d->store, .cmd = &d->cmd, .gatt = d->cmd.gatt,
		.widget = d->web ? d->widgets : NULL,
		.publish = script_publish, .publish_data = d,
	};
	snprintf(dir, sizeof(dir), "%s/scripts", d->cfg.state_dir);
	if ((r = scripts_new(&o, &d->scripts)) < 0)
		return r;
	d->cmd.scripts = d->scripts;
	d->cmd.script_env = &d->script_env;
	scripts_start(d->scripts);
	return 0;
}

/* ---- start-up ------------------------------------------------------------------------ */

static void derive_topic(struct daemon *d)
{
	char id[64] = "";
	FILE *f;

	if (d->cfg.topic) {
		snprintf(d->topic, sizeof(d->topic), "%s", d->cfg.topic);
		return;
	}
	/* Tasmota ends its default in the last three bytes of the MAC; the adapter's address
	 * arrives only after the topic is needed (LWT, client id), so the machine id stands in:
	 * as stable across restarts, and unique per host. */
	f = fopen("/etc/machine-id", "r");
	if (f) {
		if (!fgets(id, sizeof(id), f))
			id[0] = '\0';
		fclose(f);
	}
	id[strcspn(id, "\r\n")] = '\0';
	if (strlen(id) >= 6)
		snprintf(d->topic, sizeof(d->topic), "mi32_%s", id + strlen(id) - 6);
	else
		snprintf(d->topic, sizeof(d->topic), "mi32");
}

static int load_mi32cfg(struct daemon *d)
{
	struct mi32cfg *cfg = NULL;
	char err[MI32CFG_ERR_LEN];
	bool generic;
	unsigned int stale;
	size_t n;
	int r;

	/* copies of the keys that killed saves left behind (issue 10 #7) */
	if (mi32cfg_clean_stale(d->cfg.mi32cfg, &stale, err) < 0)
		log_warn("%s", err);
	if (stale)
		log_info("removed %u stale temporary copies of %s", stale, d->cfg.mi32cfg);
	r = mi32cfg_load(d->cfg.mi32cfg, &cfg, err);
	if (r == -ENOENT) {
		log_info("no sensor list at %s yet: sensors are added as they are heard",
			 d->cfg.mi32cfg);
		return 0;
	}
	if (r < 0) {
		/* refused whole, left untouched; MI32Cfg will overwrite it only when asked */
		log_err("%s. The file is left as it is and not used; fix it, or save the "
			"current list over it with MI32Cfg", err); /* @err starts with the path */
		commands_set_mi32cfg_broken(&d->cmd, true);
		return 0;
	}
	n = mi32cfg_count(cfg);
	generic = mi32cfg_has_generic(cfg);
	r = mi32cfg_apply(d->store, cfg);
	mi32cfg_free(cfg);
	if (r < 0) {
		log_err("%s: the sensor list could not be applied: %s", d->cfg.mi32cfg,
			strerror(-r));
		return r;
	}
	log_info("%zu sensors from %s", n, d->cfg.mi32cfg);
	/* SPEC §7.2/§8 with decision #2: a loaded list stops auto-adding (MI32Option3 0),
	 * and an entry with PID 0000 switches generic tracking on (MI32Option5 1) */
	if (n && d->cfg.option[3] == CONFIG_AUTO)
		store_set_option(d->store, STORE_OPTION_AUTO_ADD, 0);
	if (generic && d->cfg.option[5] == CONFIG_AUTO)
		store_set_option(d->store, STORE_OPTION_GENERIC, 1);
	return 0;
}

/* ---- sinks ----------------------------------------------------------------------------- */

static void sink_add(struct daemon *d, const struct sink_ops *ops, void *sink)
{
	if (sink && d->n_out < SINKS_MAX) {
		d->out[d->n_out].ops = ops;
		d->out[d->n_out].sink = sink;
		d->n_out++;
	}
}

/* Each configured sink gets what it needs of the config, nothing more. The MQTT sink comes
 * first (the others talk through it); the outputs then run in the order discovery, web,
 * MQTT: discovery's last words (sensors unavailable) must leave before MQTT says Offline and
 * disconnects. */
static int sinks_start(struct daemon *d)
{
	const struct config *c = &d->cfg;
	struct sink_clock clock = { now_cb, start_cb, d };
	/* a replay has no radio: no radio in the outputs, no HA entity that never has a value */
	struct sink_radio_src radio = { d->radio ? radio_cb : NULL, d };
	char addr[160];
	int r;

	if (c->mqtt_host) {
		struct mqtt_opts mo = {
			.host = c->mqtt_host, .port = c->mqtt_port,
			.user = c->mqtt_user, .password = c->mqtt_password,
			.client_id = c->mqtt_client_id, .cafile = c->mqtt_cafile,
			.certfile = c->mqtt_certfile, .keyfile = c->mqtt_keyfile,
			.topic = d->topic, .group_topic = c->group_topic, .queue = c->mqtt_queue,
			.raw_out = c->mqtt_raw_out, .raw_in = c->mqtt_raw_in,
			.clock = clock, .inject = inject_adv, .inject_data = d,
		};

		if ((r = mqtt_sink_new(d->ev, d->store, &d->cmd, &mo, &d->mqtt)) < 0)
			return r;
	}
	if (c->web_port) {
		struct web_opts wo = {
			.port = c->web_port, .bind = c->web_bind, .password = c->web_password,
			.hosts = c->web_host, .cert = c->web_cert, .key = c->web_key,
			.mi32cfg = c->mi32cfg, .topic = d->topic, .version = MI32_VERSION,
			.mqtt_addr = c->mqtt_host ? addr : NULL, .mqtt = d->mqtt, .clock = clock,
			.radio = radio, .homekit = homekit_src(d),
			.widgets = d->widgets,
		};

		snprintf(addr, sizeof(addr), "%s:%u", c->mqtt_host ? c->mqtt_host : "",
			 c->mqtt_port ? c->mqtt_port : 1883);
		if ((r = web_new(d->ev, d->store, &d->cmd, &wo, &d->web)) < 0)
			return r;
	}
	if (d->mqtt && c->hass) {
		struct hass_opts ho = {
			.prefix = c->hass_prefix, .topic = d->topic, .version = MI32_VERSION,
			.stale_min_s = c->hass_stale_min, .stale_s = c->stale, .clock = clock,
			.radio = radio, .report = d->ropts,
			.disco_ids = !strcmp(c->hass_unique_ids, "disco"),
		};

		if ((r = hass_new(d->ev, d->store, d->mqtt, &ho, &d->hass)) < 0)
			return r;
	}
	if (d->hass)
		commands_set_hass(&d->cmd, hass_clear_disco, d->hass);
	sink_add(d, &hass_ops, d->hass);
	sink_add(d, &web_ops, d->web);
	sink_add(d, &mqtt_sink_ops, d->mqtt);
	return 0;
}

static int setup(struct daemon *d)
{
	struct store_config sc = STORE_CONFIG_DEFAULT;
	sigset_t mask;
	int r;

	log_set_level(d->cfg.log_level);
	sc.max_auto = d->cfg.max_auto;
	sc.stale_s = d->cfg.stale;
	d->store = store_new(&sc);
	d->msg = malloc(MSG_MAX);
	d->widgets = widgets_new();
	if (!d->store || !d->msg || !d->widgets)
		return -ENOMEM;
	for (unsigned int i = 0; i < STORE_OPTIONS; i++)
		if (d->cfg.option[i] != CONFIG_AUTO)
			store_set_option(d->store, i, d->cfg.option[i]);
	/* checked by the config parser: MACs, and no more than a list holds */
	config_each_mac(d->cfg.watch, watch_add, store_filter(d->store));
	config_each_mac(d->cfg.block, block_add, store_filter(d->store));
	d->ropts = (struct report_opts)REPORT_OPTS_DEFAULT;
	d->ropts.temp_res = d->cfg.temp_res;
	d->ropts.hum_res = d->cfg.hum_res;
	if (store_subscribe(d->store, STORE_EVENT_ALL, on_store_event, d, NULL) == 0)
		return -ENOMEM;
	r = load_mi32cfg(d);
	if (r < 0)
		return r;

	if ((r = sd_event_new(&d->ev)) < 0)
		return r;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sd_event_add_signal(d->ev, NULL, SIGINT, NULL, NULL);
	sd_event_add_signal(d->ev, NULL, SIGTERM, NULL, NULL);

	if (d->cfg.record) {
		char err[CAPTURE_ERR_LEN];

		if (capture_writer_open(&d->rec, d->cfg.record, err) < 0) {
			log_err("%s", err);
			return -EIO;
		}
	}
	if (d->cfg.replay) {
		struct replay_opts ro = { d->cfg.replay, d->cfg.fast, d->cfg.loop };

		/* --fast: the daemon runs on the capture's clock */
		d->virtual_time = d->cfg.fast;
		r = replay_new(d->ev, d->store, &ro, handle_adv, on_replay_end, d, &d->replay);
	} else {
		char err[256];

		r = radio_new(&d->radio, &d->cfg, d->ev, handle_adv, d, err);
		if (r < 0)
			log_err("%s", err);
	}
	if (r < 0)
		return r;
	derive_topic(d);

	d->cmd.store = d->store;
	d->cmd.mi32cfg_path = d->cfg.mi32cfg;
	d->cmd.topic = d->topic;
	d->cmd.version = MI32_VERSION;
	d->cmd.teleperiod = d->cfg.teleperiod;
	d->cmd.temp_res = d->cfg.temp_res;
	d->cmd.hum_res = d->cfg.hum_res;
	d->cmd.start_us = timefmt_now_us();
	d->cmd.now_us = now_cb;
	d->cmd.changed = on_changed;
	d->cmd.host = d;
	d->cmd.group_topic = d->cfg.group_topic;
	d->cmd.load_mono_us = clock_mono_us();
	d->cmd.radio = (struct sink_radio_src){ d->radio ? radio_cb : NULL, d };

	if ((r = gatt_start(d)) < 0)
		return r;
	/* the bridge before the sinks: the web's /api/node and /metrics show it */
	r = homekit_start(&d->homekit, d->ev, d->store, &d->cfg,
			  &(struct sink_clock){ now_cb, start_cb, d });
	if (r < 0)
		return r;
	d->cmd.homekit = homekit_src(d);
	r = sinks_start(d);
	if (r < 0)
		return r;

	if (!d->virtual_time)
		clock_advance(d, timefmt_now_us());
	r = sd_event_add_time_relative(d->ev, &d->tick_src, CLOCK_REALTIME, 1000000u, 100000u,
				       on_tick, d);
	if (r >= 0)
		r = sd_event_add_post(d->ev, NULL, on_post, d);
	if (r >= 0)
		r = scripts_start_all(d);
	if (r >= 0)
		r = console_new(d->ev, d->cfg.replay && !d->cfg.loop, on_console_line,
				on_console_eof, d, &d->console);
	return r < 0 ? r : 0;
}

static void teardown(struct daemon *d)
{
	/* the scripts first: they hold callbacks into everything below */
	d->cmd.scripts = NULL;
	d->cmd.script_env = NULL;
	scripts_free(d->scripts);
	for (unsigned int i = 0; i < d->n_out; i++)
		if (d->out[i].ops->stop)
			d->out[i].ops->stop(d->out[i].sink);
	/* sinks: each is freed here, the MQTT sink last (the others hold it) */
	hass_free(d->hass);
	web_free(d->web);
	widgets_free(d->widgets);
	mqtt_sink_free(d->mqtt);
	homekit_free(d->homekit); /* after the web, which shows it */
	fflush(stdout);
	if (d->rec && capture_writer_close(d->rec) < 0)
		log_err("closing the recording %s failed", d->cfg.record);
	radio_free(d->radio);
	gatt_commands_stop(&d->cmd);
	activate_commands_stop(&d->cmd);
	gatt_free(d->cmd.gatt);
	replay_free(d->replay);
	console_free(d->console);
	sd_event_source_unref(d->tick_src);
	store_free(d->store);
	sd_event_unref(d->ev);
	free(d->msg);
	config_free(&d->cfg);
}

int daemon_main(int argc, char **argv)
{
	static struct daemon d; /* large (reply buffer); one per process */
	char err[CONFIG_ERR_LEN];
	int r;

	if (config_init(&d.cfg) < 0)
		return 1;
	r = config_parse_args(&d.cfg, argc, argv, err);
	if (r < 0) {
		fprintf(stderr, "mi32 run: %s\n", err);
		config_free(&d.cfg);
		return 2;
	}
	if (d.cfg.help) {
		config_usage(stdout);
		config_free(&d.cfg);
		return 0;
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	notify_init(&d.notify);
	r = setup(&d);
	if (r >= 0) {
		char status[256];

		if (d.radio)
			radio_describe(d.radio, status, sizeof(status));
		else
			snprintf(status, sizeof(status), "replaying %s", d.cfg.replay);
		notify_ready(&d.notify, status);
		r = sd_event_loop(d.ev);
	} else if (r == -ENOMEM)
		log_err("out of memory");
	if (r >= 0 && d.exit_code == 0)
		r = 0;
	teardown(&d);
	return r < 0 ? 1 : d.exit_code;
}
