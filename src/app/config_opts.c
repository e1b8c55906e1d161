/* SPDX-License-Identifier: MIT */
/* config_opts.c — the options of `mi32 run` and mi32.conf: name, kind, field, default, range
 * and help, in the order --help and mi32.conf(5) list them. config.c parses by this table;
 * the --help text and the man page rows are printed from it here. */
#include <stdio.h>
#include <string.h>

#include "app/config_opts.h"

#define F(field) offsetof(struct config, field)
#define HEADING(text) { NULL, OPT_KIND_HEADING, 0, NULL, 0, 0, 0, NULL, text }

const struct opt config_opts[] = {
	HEADING("general"),
	{ "config", OPT_KIND_STR, F(config), NULL, 0, 0, OPT_CLI_ONLY | OPT_NOT_EMPTY, "FILE",
	  "config file (default " CONFIG_DEFAULT_PATH ", skipped if missing; /dev/null: none)" },
	{ "help", OPT_KIND_BOOL, F(help), NULL, 0, 0, OPT_CLI_ONLY, NULL,
	  "print this help and exit" },
	{ "state-dir", OPT_KIND_STR, F(state_dir), "/var/lib/mi32", 0, 0, OPT_NOT_EMPTY, "DIR",
	  "directory of the state files" },
	{ "mi32cfg", OPT_KIND_STR, F(mi32cfg), NULL, 0, 0, 0, "FILE",
	  "sensor list file, Tasmota's format (default <state-dir>/mi32cfg)" },
	{ "log-level", OPT_KIND_LEVEL, F(log_level), "info", 0, 0, 0, "LEVEL",
	  "error, warning, notice, info or debug" },
	{ "json", OPT_KIND_BOOL, F(json), "no", 0, 0, 0, NULL,
	  "JSON lines of every SENSOR message on stdout" },

	HEADING("sources and recording"),
	{ "hci", OPT_KIND_HCI, F(hci), NULL, 0, 0, 0, "hciN",
	  "Bluetooth adapter to scan with" },
	{ "hci-raw", OPT_KIND_BOOL, F(hci_raw), "no", 0, 0, 0, NULL,
	  "scan through a raw HCI socket, beside BlueZ" },
	{ "hci-user", OPT_KIND_BOOL, F(hci_user), "no", 0, 0, 0, NULL,
	  "scan through the HCI user channel (takes the adapter from BlueZ)" },
	{ "wait-adapter", OPT_KIND_BOOL, F(wait_adapter), "no", 0, 0, 0, NULL,
	  "no Bluetooth adapter at start: keep running and pick it up when it appears" },
	{ "hci-uart", OPT_KIND_UART, F(hci_uart), NULL, 0, 0, 0, "DEV[,BAUD]",
	  "HCI controller on a serial port (H4)" },
	{ "replay", OPT_KIND_STR, F(replay), NULL, 0, 0, 0, "FILE",
	  "read advertisements from a capture file" },
	{ "fast", OPT_KIND_BOOL, F(fast), "no", 0, 0, 0, NULL,
	  "replay without the recorded pauses" },
	{ "loop", OPT_KIND_BOOL, F(loop), "no", 0, 0, 0, NULL,
	  "replay the capture again and again" },
	{ "watch", OPT_KIND_MACS, F(watch), NULL, 0, 0, 0, "MAC[,MAC]",
	  "only these addresses' adverts are decoded (the seed's BLE.adv_watch; MI32Watch)" },
	{ "block", OPT_KIND_MACS, F(block), NULL, 0, 0, 0, "MAC[,MAC]",
	  "these addresses' adverts are ignored, e.g. a neighbour's sensors (MI32Block)" },
	{ "record", OPT_KIND_STR, F(record), NULL, 0, 0, 0, "FILE",
	  "write every advertisement received to a capture file" },

	HEADING("MQTT (no host = no MQTT)"),
	{ "mqtt-host", OPT_KIND_STR, F(mqtt_host), NULL, 0, 0, 0, "HOST", "broker" },
	{ "mqtt-port", OPT_KIND_UINT, F(mqtt_port), "1883", 1, 65535, 0, "PORT",
	  "broker port" },
	{ "mqtt-user", OPT_KIND_STR, F(mqtt_user), NULL, 0, 0, 0, "USER", "user name" },
	{ "mqtt-password", OPT_KIND_STR, F(mqtt_password), NULL, 0, 0, 0, "PASSWORD",
	  "password" },
	{ "mqtt-client-id", OPT_KIND_STR, F(mqtt_client_id), NULL, 0, 0, 0, "ID",
	  "client id (default: the topic)" },
	{ "mqtt-cafile", OPT_KIND_STR, F(mqtt_cafile), NULL, 0, 0, 0, "FILE",
	  "CA certificates: connect with TLS" },
	{ "mqtt-certfile", OPT_KIND_STR, F(mqtt_certfile), NULL, 0, 0, 0, "FILE",
	  "client certificate for TLS" },
	{ "mqtt-keyfile", OPT_KIND_STR, F(mqtt_keyfile), NULL, 0, 0, 0, "FILE",
	  "client key for TLS" },
	{ "mqtt-raw-out", OPT_KIND_BOOL, F(mqtt_raw_out), "no", 0, 0, 0, NULL,
	  "publish every raw advertisement for other nodes" },
	{ "mqtt-raw-in", OPT_KIND_STR, F(mqtt_raw_in), NULL, 0, 0, 0, "TOPIC",
	  "also decode raw advertisements other nodes publish here (wildcards: tele/+/BLE)" },
	{ "mqtt-queue", OPT_KIND_UINT, F(mqtt_queue), "1000", 1, 1000000, 0, "MESSAGES",
	  "SENSOR messages kept while the broker is away (oldest dropped)" },
	{ "topic", OPT_KIND_TOPIC, F(topic), NULL, 0, 0, 0, "TOPIC",
	  "Tasmota topic: tele/<topic>/SENSOR (default mi32_ and the last 6 hex digits of /etc/machine-id)" },
	{ "group-topic", OPT_KIND_TOPIC, F(group_topic), "mi32s", 0, 0, 0, "TOPIC",
	  "group topic for commands to every node" },
	{ "teleperiod", OPT_KIND_UINT, F(teleperiod), "300", 10, 3600, OPT_ZERO_OFF, "SECONDS",
	  "period of the SENSOR summary, 10..3600, 0 = off" },

	HEADING("Home Assistant discovery (needs MQTT)"),
	{ "hass", OPT_KIND_BOOL, F(hass), "yes", 0, 0, 0, NULL,
	  "announce every sensor to Home Assistant by MQTT discovery" },
	{ "hass-prefix", OPT_KIND_TOPIC, F(hass_prefix), "homeassistant", 0, 0, OPT_NOT_EMPTY,
	  "PREFIX", "Home Assistant's discovery prefix" },
	{ "hass-stale-min", OPT_KIND_UINT, F(hass_stale_min), "300", 10, 86400, OPT_ZERO_OFF,
	  "SECONDS", "least silence before a sensor shows unavailable, 0 = never" },
	{ "hass-unique-ids", OPT_KIND_STR, F(hass_unique_ids), "mi32", 0, 0, OPT_NOT_EMPTY,
	  "mi32|disco", "unique ids: mi32's, or disco.be's <TYPE>-<mac3>.<Feature> (keeps the "
	  "entities of a Tasmota + disco.be setup)" },

	HEADING("driver (start values of the MI32Option commands)"),
	{ "option0", OPT_KIND_TRI, F(option[0]), "1", 0, 0, OPT_NO_AUTO, "0|1",
	  "triggered messages carry every known value" },
	{ "option1", OPT_KIND_TRI, F(option[1]), "0", 0, 0, OPT_NO_AUTO, "0|1",
	  "no summary at TelePeriod" },
	{ "option2", OPT_KIND_TRI, F(option[2]), "0", 0, 0, OPT_NO_AUTO, "0|1",
	  "direct bridge mode: publish every change at once" },
	{ "option3", OPT_KIND_TRI, F(option[3]), "auto", 0, 0, 0, "0|1|auto",
	  "add new sensors: 1 = yes, 0 = no; auto = no once mi32cfg listed sensors" },
	{ "option4", OPT_KIND_TRI, F(option[4]), "0", 0, 0, OPT_NO_AUTO, "0|1",
	  "active scanning" },
	{ "option5", OPT_KIND_TRI, F(option[5]), "auto", 0, 0, 0, "0|1|auto",
	  "track every BLE device; auto = on if mi32cfg has a PID 0000 entry" },
	{ "max-auto", OPT_KIND_UINT, F(max_auto), "256", 0, 1000000, 0, "N",
	  "most sensors added automatically" },
	{ "stale", OPT_KIND_UINT, F(stale), "1800", 0, 31536000, 0, "SECONDS",
	  "mark a sensor stale after this long unheard, 0 = never" },
	{ "scan-watchdog", OPT_KIND_UINT, F(scan_watchdog), "60", 0, 86400, 0, "SECONDS",
	  "restart the scan after this long without any advertisement, 0 = off" },

	HEADING("GATT: connecting to sensors through bluetoothd (MI32Battery, MI32Time, ...)"),
	{ "gatt", OPT_KIND_BOOL, F(gatt), "yes", 0, 0, 0, NULL,
	  "the GATT commands (off under --replay unless dbus-address is set)" },
	{ "dbus-address", OPT_KIND_STR, F(dbus_address), NULL, 0, 0, 0, "ADDRESS",
	  "D-Bus of bluetoothd (default: the system bus)" },
	{ "bond-dir", OPT_KIND_STR, F(bond_dir), NULL, 0, 0, 0, "DIR",
	  "bluetoothd's bond store, where MI32Pair finds an IRK the kernel did not tell "
	  "(default: /var/lib/bluetooth)" },
	{ "gatt-timeout", OPT_KIND_UINT, F(gatt_timeout), "10", 1, 300, 0, "SECONDS",
	  "give up connecting to a sensor after this long" },
	{ "battery-poll", OPT_KIND_UINT, F(battery_poll), "0", 1, 8760, OPT_ZERO_OFF, "HOURS",
	  "read the battery by GATT every N hours (LYWSD02, LYWSD03MMC, MHO-C401, Flora, "
	  "CGD1), 0 = off" },

	HEADING("web (loopback only unless a password is set or web-bind says otherwise)"),
	{ "web-port", OPT_KIND_UINT, F(web_port), "8080", 0, 65535, 0, "PORT",
	  "web interface port, 0 = off" },
	{ "web-bind", OPT_KIND_STR, F(web_bind), NULL, 0, 0, 0, "ADDR",
	  "address to listen on; unset: 127.0.0.1 without a password, 0.0.0.0 with one" },
	{ "web-password", OPT_KIND_STR, F(web_password), NULL, 0, 0, 0, "PASSWORD",
	  "password of the web interface" },
	{ "web-host", OPT_KIND_STR, F(web_host), NULL, 0, 0, 0, "NAME[,NAME]",
	  "more names the dashboard is reached by (Host header), besides its addresses, "
	  "localhost and this machine's name" },
	{ "web-cert", OPT_KIND_STR, F(web_cert), NULL, 0, 0, 0, "FILE",
	  "serve HTTPS with this PEM certificate (with web-key)" },
	{ "web-key", OPT_KIND_STR, F(web_key), NULL, 0, 0, 0, "FILE",
	  "the PEM private key of web-cert" },

	HEADING("output"),
	{ "temp-res", OPT_KIND_UINT, F(temp_res), "1", 0, 3, 0, "0..3",
	  "decimals of temperatures" },
	{ "hum-res", OPT_KIND_UINT, F(hum_res), "1", 0, 3, 0, "0..3",
	  "decimals of humidities" },
	HEADING("Lua scripts (and every *.lua of <state-dir>/scripts)"),
	{ "script", OPT_KIND_LIST, F(scripts), NULL, 0, 0, 0, "FILE",
	  "run this Lua script too (repeatable; an empty value clears the list)" },
	{ "script-memory", OPT_KIND_UINT, F(script_memory), "8192", 256, 1048576, 0, "KB",
	  "memory a script may use" },
	{ "script-timeout", OPT_KIND_UINT, F(script_timeout), "1000", 10, 60000, 0, "MS",
	  "stop a script's call (top level, callback) running longer than this" },
	{ "script-slow", OPT_KIND_UINT, F(script_slow), "50", 1, 60000, 0, "MS",
	  "report a script's call that runs longer than this as slow" },
	HEADING("Apple Home (a HomeKit bridge of the sensor list, HAP over IP)"),
	{ "homekit", OPT_KIND_BOOL, F(homekit), "no", 0, 0, 0, NULL,
	  "bridge the sensors of the sensor list into Apple Home" },
	{ "homekit-port", OPT_KIND_UINT, F(homekit_port), "51826", 1, 65535, OPT_ZERO_OFF, "PORT",
	  "TCP port of the HomeKit accessory server (0 = any free one, logged)" },
	{ "homekit-bind", OPT_KIND_STR, F(homekit_bind), NULL, 0, 0, 0, "ADDR",
	  "address the HomeKit server listens on (default every address)" },
	{ "homekit-code", OPT_KIND_STR, F(homekit_code), NULL, 0, 0, 0, "CODE",
	  "setup code, eight digits as 518-08-582 (default: generated once, kept in the state directory, logged)" },
	{ "homekit-low-battery", OPT_KIND_UINT, F(homekit_low_battery), "20", 0, 100, 0, "PERCENT",
	  "battery level at or below which Home shows a low battery" },
	{ "homekit-stale-min", OPT_KIND_UINT, F(homekit_stale_min), "300", 10, 86400, OPT_ZERO_OFF,
	  "SECONDS", "least silence before a sensor shows No Response in Home, 0 = only at stale" },
};

const size_t config_n_opts = sizeof(config_opts) / sizeof(config_opts[0]);

const char *config_option_name(unsigned int i)
{
	for (size_t k = 0; k < config_n_opts; k++) {
		if (!config_opts[k].name)
			continue;
		if (i-- == 0)
			return config_opts[k].name;
	}
	return NULL;
}

void config_usage(FILE *f)
{
	fprintf(f, "usage: mi32 run [--config FILE] [--OPTION VALUE | --OPTION=VALUE]...\n"
		   "Every option but config and help is also a key of the config file,\n"
		   "e.g. \"mqtt-port = 1883\"; the command line overrides the file.\n");
	for (size_t i = 0; i < config_n_opts; i++) {
		const struct opt *o = &config_opts[i];
		char left[48];

		if (o->kind == OPT_KIND_HEADING) {
			fprintf(f, "\n%s:\n", o->help);
			continue;
		}
		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
		fprintf(f, "  %-26s %s", left, o->help);
		if (o->def && o->kind == OPT_KIND_BOOL)
			fprintf(f, " (default %s)", strcmp(o->def, "no") ? "yes" : "no");
		else if (o->def)
			fprintf(f, " (default %s)", o->def);
		fputc('\n', f);
	}
}

int config_doc_row(unsigned int i, struct config_doc *d)
{
	const struct opt *o;

	if (i >= config_n_opts)
		return -1;
	o = &config_opts[i];
	memset(d, 0, sizeof(*d));
	if (o->kind == OPT_KIND_HEADING) {
		d->heading = o->help;
		return 0;
	}
	d->name = o->name;
	d->arg = o->arg;
	d->help = o->help;
	d->def = o->def;
	if (o->def && o->kind == OPT_KIND_BOOL)
		d->def = strcmp(o->def, "no") ? "yes" : "no";
	d->cli_only = o->flags & OPT_CLI_ONLY;
	return 0;
}
