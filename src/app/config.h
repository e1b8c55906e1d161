/* SPDX-License-Identifier: MIT */
/* config.h — the daemon's settings: an INI-style file (default /etc/mi32/mi32.conf) and the
 * `mi32 run` command line, both driven by one table of options, so a file key, its
 * --long-option and its line of --help can never drift apart.
 *
 * File syntax, one setting a line ("#" and ";" start whole-line comments only):
 *     key = value
 *     json                 → a boolean key alone means yes
 *     [mqtt]               → a section: below it "host" means "mqtt-host" when that option
 *     host = 192.168.1.2     exists, else the plain key ("teleperiod"); "[]" ends it
 * Keys are the long option names; '_' may stand for '-'. A '#' after a value is part of it (a
 * password may hold one); a value in double quotes keeps its outer spaces.
 * An empty value unsets a string ("topic =" → derived later). Later lines win; command-line
 * options override the file. Booleans: yes/no, true/false, on/off, 1/0. */
#ifndef MI32_CONFIG_H
#define MI32_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONFIG_DEFAULT_PATH "/etc/mi32/mi32.conf"
#define CONFIG_ERR_LEN 256
#define CONFIG_AUTO (-1)	/* option3/option5: decided by the loaded mi32cfg */

/* Every string is owned by the config (freed by config_free()), NULL when unset. */
/* A repeatable option: each occurrence adds one string; an empty value clears the list. */
struct config_list {
	char **v;
	size_t n;
};

struct config {
	/* command line only */
	char *config;		/* --config FILE; NULL = CONFIG_DEFAULT_PATH, which may be missing */
	bool help;		/* --help / -h: the caller prints config_usage() and exits */

	/* sources and recording */
	int hci;		/* adapter index of --hci hciN, -1 = not given */
	bool hci_raw;		/* raw HCI socket beside BlueZ */
	bool hci_user;		/* HCI user channel (exclusive use of the adapter) */
	bool wait_adapter;	/* no adapter at start: keep running and wait for one */
	char *hci_uart;		/* DEV of --hci-uart DEV[,BAUD] */
	unsigned int hci_uart_baud; /* BAUD of --hci-uart, 0 = not given */
	char *replay;		/* capture file to replay */
	bool fast;		/* replay without the recorded pauses */
	bool loop;		/* replay again and again */
	char *record;		/* capture file to record to */
	char *watch;		/* MAC[,MAC…]: only these (store/advfilter.h) */
	char *block;		/* MAC[,MAC…]: never these */

	/* state */
	char *state_dir;	/* never NULL */
	char *mi32cfg;		/* never NULL after config_parse_args(): "<state-dir>/mi32cfg" */

	/* MQTT; no host = no MQTT */
	char *mqtt_host;
	unsigned int mqtt_port;
	char *mqtt_user;
	char *mqtt_password;
	char *mqtt_client_id;
	char *mqtt_cafile;
	char *mqtt_certfile;
	char *mqtt_keyfile;
	bool mqtt_raw_out;	/* publish every raw advertisement */
	char *mqtt_raw_in;	/* topic (filter, wildcards allowed) of other nodes' raw adverts */
	unsigned int mqtt_queue; /* SENSOR messages kept while disconnected */
	char *topic;		/* NULL = derived from the host name later */
	char *group_topic;
	unsigned int teleperiod; /* seconds, 0 = off, else 10..3600 */

	/* Home Assistant discovery (src/sink/hass.c) */
	bool hass;		/* on by default when MQTT is configured */
	char *hass_prefix;	/* discovery prefix, never NULL */
	unsigned int hass_stale_min; /* floor of the learned unavailable timeout, 0 = never */
	char *hass_unique_ids;	/* "mi32" (ours) or "disco" (disco.be's, for migrating) */

	/* driver (start values of MI32Option0..5; CONFIG_AUTO only for 3 and 5) */
	int option[6];
	unsigned int max_auto;	/* cap on auto-added sensors */
	unsigned int stale;	/* seconds without a packet before a sensor is stale, 0 = never */
	unsigned int scan_watchdog; /* seconds without any advert before the scan restarts, 0 = off */

	/* GATT through bluetoothd (src/gatt) */
	bool gatt;		/* the GATT commands; off under --replay unless dbus-address is set */
	char *dbus_address;	/* NULL = the system bus */
	char *bond_dir;		/* bluetoothd's bond store; NULL = /var/lib/bluetooth */
	unsigned int gatt_timeout; /* seconds to connect */
	unsigned int battery_poll; /* hours between battery reads by GATT, 0 = off */

	/* web */
	unsigned int web_port;	/* 0 = off */
	char *web_bind;		/* NULL = loopback without a password, every address with one */
	char *web_password;
	char *web_host;		/* more Host names: NAME[,NAME…] */
	char *web_cert;		/* HTTPS: PEM certificate and key files */
	char *web_key;

	/* output */
	bool json;		/* JSON lines of every SENSOR message on stdout */
	int log_level;		/* syslog priority: 3 error … 7 debug */
	unsigned int temp_res;	/* decimals of temperatures */
	unsigned int hum_res;	/* decimals of humidities */

	/* Apple Home (src/hap/, src/app/homekit.c) */
	bool homekit;		/* the HomeKit bridge, off by default */
	unsigned int homekit_port;
	char *homekit_bind;	/* NULL = every address */
	char *homekit_code;	/* NULL = generated once and kept in the state directory */
	unsigned int homekit_low_battery; /* % at or below which StatusLowBattery is set */
	unsigned int homekit_stale_min;	/* floor of the learned No Response time, 0 = off */

	/* Lua scripts (src/script/) */
	struct config_list scripts; /* --script FILE, repeatable; plus <state-dir>/scripts/ */
	unsigned int script_memory; /* kB a script's state may hold */
	unsigned int script_timeout; /* ms a call into a script may run before it is stopped */
	unsigned int script_slow;   /* ms past which a call is reported as slow */
};

/* Fill @c with the defaults. Returns 0 or -ENOMEM (then @c holds nothing to free). */
int config_init(struct config *c);
void config_free(struct config *c); /* frees the strings; @c may be config_init()ed again */

/* Apply the settings in @text (@len bytes, need not be NUL-terminated). @name prefixes the
 * messages ("mi32.conf:12: unknown key 'mqtt-hots' (did you mean 'mqtt-host'?)"). Returns 0,
 * -EINVAL with a sentence in @err for the first bad line (lines before it stay applied), or
 * -ENOMEM. */
int config_load_text(struct config *c, const char *text, size_t len, const char *name,
		     char err[CONFIG_ERR_LEN]);

/* Read @path and apply it as config_load_text() does. -ENOENT (and the others of open/read)
 * when it cannot be read, with a sentence in @err. */
int config_load_file(struct config *c, const char *path, char err[CONFIG_ERR_LEN]);

/* Apply the command line of `mi32 run` (@argv[0] is skipped, as getopt does): first the file
 * of --config FILE (an error if missing) or CONFIG_DEFAULT_PATH (skipped if missing), then every
 * other option over it. Options are "--key value", "--key=value", and for booleans "--key"
 * alone (or followed by a boolean word). Positional arguments are errors. With --help / -h only
 * @c->help is set and 0 returned at once. Finally fills the derived defaults (mi32cfg) and
 * checks combinations. Returns 0, -EINVAL / -ENOENT / ... with a sentence in @err, or -ENOMEM. */
int config_parse_args(struct config *c, int argc, char **argv, char err[CONFIG_ERR_LEN]);

/* Print every option with its argument, one line of help and its default (`mi32 run --help`). */
void config_usage(FILE *f);

/* Call @fn (may be NULL: only check) for each MAC of a "MAC[,MAC…]" list (watch, block).
 * Returns how many, or -EINVAL at the first that is not a MAC. */
int config_each_mac(const char *list, void (*fn)(const uint8_t mac[6], void *arg), void *arg);

/* Name of the @i-th option of the table, or NULL past the end (for tests and completion). */
const char *config_option_name(unsigned int i);

/* One row of the option table, for the man pages (src/app/manpage.c): a heading (only
 * @heading set) or an option; @def is the default as written in the file (booleans as yes/no),
 * NULL when none. */
struct config_doc {
	const char *heading;
	const char *name, *arg, *def, *help;
	bool cli_only;		/* not a key of the file */
};

/* Fill @d with row @i of the table. Returns 0, or -1 past the end. */
int config_doc_row(unsigned int i, struct config_doc *d);

#endif
