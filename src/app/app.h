/* SPDX-License-Identifier: MIT */
/* app.h — what the daemon shares with its sinks (MQTT, web): the loop, the store, the
 * command table, the config, and a fan-out of the messages it produces. A sink registers
 * an output and reads the store; it never decodes and never calls a source. */
#ifndef MI32_APP_H
#define MI32_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "decode/adv.h"
#include "store/report.h"

struct store;
struct config;
struct commands_ctx;

/* What a sink wants to hear. Every member may be NULL. Strings are valid during the call. */
struct app_output {
	/* a SENSOR message (tele/<topic>/SENSOR): TelePeriod or triggered */
	void (*sensor)(void *sink, const char *json, enum report_kind kind);
	/* the STATE message, at TelePeriod (tele/<topic>/STATE) */
	void (*state)(void *sink, const char *json);
	/* every advertisement heard by this node's own sources (not injected ones) */
	void (*adv)(void *sink, const struct adv *adv);
	/* the loop is about to stop: last words (LWT Offline, flush) */
	void (*stop)(void *sink);
};

#define APP_OUTPUTS_MAX 4

struct app {
	sd_event *ev;
	struct store *store;
	struct commands_ctx *cmd;
	const struct config *cfg;
	const char *topic;      /* MQTT topic, e.g. "mi32_a1b2c3" */
	const char *version;
	uint64_t start_us;      /* wall clock at start */
	/* set by the daemon */
	uint64_t (*now_us)(struct app *app);
	void (*inject)(struct app *app, const struct adv *adv, const char *node);
	/* set by the MQTT sink while it runs (NULL without MQTT): other sinks (Home Assistant
	 * discovery) publish and subscribe through it. Topics are full topics. */
	int (*publish)(struct app *app, const char *topic, const char *payload, size_t len,
		       bool retain);
	int (*subscribe)(struct app *app, const char *topic,
			 void (*cb)(void *ud, const char *topic, const char *payload, size_t len),
			 void *ud);
	void *mqtt;
	struct {
		const struct app_output *ops;
		void *sink;
	} out[APP_OUTPUTS_MAX];
	unsigned int n_out;
};

/* Register @ops for @sink. Returns 0 or -ENOSPC. */
int app_add_output(struct app *app, const struct app_output *ops, void *sink);

/* Run a command line; the JSON reply goes to @out. Returns cmd_exec()'s code. */
int app_command(struct app *app, const char *line, char *out, size_t size);
int app_command_split(struct app *app, const char *name, const char *payload, char *out,
		      size_t size);

/* An advertisement from elsewhere (another node's raw relay): decoded like our own, not
 * recorded and not relayed again. @node names the node that heard it (for its RSSI). */
static inline void app_inject_adv(struct app *app, const struct adv *adv, const char *node)
{
	app->inject(app, adv, node);
}

static inline uint64_t app_now(struct app *app)
{
	return app->now_us(app);
}

#endif
