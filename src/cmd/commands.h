/* SPDX-License-Identifier: MIT */
/* commands.h — the command table of the daemon: MI32Cfg, MI32Key, MI32Name<slot>,
 * MI32Option<n> as SPEC §8, and the Tasmota commands a user expects of the device
 * (TelePeriod, Status, Topic, State, Backlog; Rule answers that rules are not supported).
 * Reachable from the console, MQTT and HTTP alike. */
#ifndef MI32_COMMANDS_H
#define MI32_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd/cmd.h"
#include "sink/sink.h"

struct gatt;
struct activate_cmd;
struct gatt_cmd;
struct mi32cfg;
struct script_env;
struct scripts;
struct store;

enum commands_change {
	COMMANDS_CHANGED_TELEPERIOD,
	COMMANDS_CHANGED_OPTION, /* MI32Option<n>: the host may restart a scan (option 4) */
};

/* What the handlers work on; the daemon owns it. */
/* Why a GATT command cannot run without the engine: both ways the daemon leaves it off */
#define COMMANDS_GATT_OFF "GATT is off (gatt = no in the config, or a replay without " \
			  "--dbus-address)"

struct commands_ctx {
	struct store *store;
	const char *mi32cfg_path;
	const char *topic;
	const char *version;
	unsigned int teleperiod;   /* seconds, 0 = off */
	unsigned int temp_res;     /* decimals of SENSOR temperatures */
	unsigned int hum_res;
	uint64_t start_us;         /* CLOCK_REALTIME µs at start */
	bool mi32cfg_broken;       /* the file on disk was refused at start: say so on MI32Cfg */
	/* time in µs since the epoch as the daemon sees it (replay time under --fast) */
	uint64_t (*now_us)(void *host);
	void (*changed)(void *host, enum commands_change what, int arg);
	void *host;
	/* GATT commands (gatt_commands.c): NULL gatt = GATT is off (COMMANDS_GATT_OFF). A deferred result goes
	 * to @result as a RESULT message (MQTT stat/<topic>/RESULT, the consoles). */
	struct gatt *gatt;
	void (*result)(void *host, const char *json);
	unsigned int battery_poll_h;  /* battery by GATT every N hours, 0 = off */
	uint64_t next_poll_us;
	struct gatt_cmd *gatt_pending; /* gatt_commands.c's own */
	struct activate_cmd *activate_pending; /* activate_commands.c's own */
	/* optional: more members at the end of the State reply (the MQTT sink's "MQTT") */
	void (*state_extra)(void *data, struct jw *w);
	void *state_extra_data;
	/* the radio's state for STATE's "MI32" object (Radio, Duty, ...); get NULL: none */
	struct sink_radio_src radio;
	const char *group_topic;   /* Status 1's GroupTopic; NULL: none */
	/* State's LoadAvg: CPU time and CLOCK_MONOTONIC µs at the last State (the daemon sets
	 * load_mono_us at start) */
	uint64_t load_cpu_us, load_mono_us;
	/* the HomeKit bridge: STATE's "HomeKit" object and HomeKitReset; get NULL: off */
	struct sink_homekit_src homekit;
	/* HassClearDisco: Home Assistant discovery's hook (hass_clear_disco), NULL: none */
	int (*hass_clear_disco)(void *data);
	void *hass_data;
	/* Script (script_commands.c): the daemon's scripts, NULL = scripts are off */
	struct scripts *scripts;
	/* the commands the scripts add (mi32.add_cmd), tried after the table's; NULL = none */
	struct script_env *script_env;
};

extern const struct cmd_def commands_table[];
extern const size_t commands_count;

/* Run one command line against @ctx; the JSON reply goes to @out. See cmd_exec(). A line
 * that names no command of the table may name one a script added (ctx->script_env). */
int commands_exec(struct commands_ctx *ctx, const char *line, char *out, size_t size);
/* The same for a name and a payload arriving separately (MQTT topic + payload). */
int commands_exec_split(struct commands_ctx *ctx, const char *name, const char *payload,
			char *out, size_t size);

/* Whether @line names a command that changes state (CMD_F_WRITES), or a command a script of
 * @ctx added (a script may do anything; @ctx NULL: the table's only). A line longer than
 * CMD_LINE_MAX counts as one: the caller refuses it anyway. */
#define CMD_LINE_MAX 1024
bool commands_writes(const struct commands_ctx *ctx, const char *line);

/* Add more members at the end of the State reply (the MQTT sink's "MQTT"); @fn NULL removes
 * them. One hook: a second call replaces the first. */
void commands_set_state_extra(struct commands_ctx *ctx, void (*fn)(void *data, struct jw *w),
			      void *data);

/* Home Assistant discovery is on: HassClearDisco calls @fn(@data). */
void commands_set_hass(struct commands_ctx *ctx, int (*fn)(void *data), void *data);

/* The mi32cfg file on disk was refused at start (true), or has been written over since
 * (false): MI32Cfg says so once. */
void commands_set_mi32cfg_broken(struct commands_ctx *ctx, bool broken);

/* Write the sensors' mi32cfg file (what MI32Cfg does). Returns 0 or -errno with @err set. */
int commands_save_mi32cfg(struct commands_ctx *ctx, char err[256]);

/* The editor's save: apply @cfg to the store (mi32cfg_apply()), then write the file with the
 * sensors @cfg lists, in its order, as MI32Cfg writes them. A sensor the store knows but @cfg
 * does not list leaves the file now and the running list at the next start: *@all_kept is
 * then false. Clears the mi32cfg_broken note. Returns 0 or -errno with @err set. */
int commands_replace_mi32cfg(struct commands_ctx *ctx, const struct mi32cfg *cfg,
			     bool *all_kept, char err[256]);

#endif
