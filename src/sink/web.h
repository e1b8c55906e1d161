/* SPDX-License-Identifier: MIT */
/* web.h — the web interface: the pages (/, /m32, /cfg, /cs), the JSON API, Server-Sent Events
 * and Prometheus metrics, served by libmicrohttpd in external-epoll mode on the daemon's one
 * sd-event loop. The pure parts (form bodies, the API's JSON) are declared here
 * too, so unit tests and fuzzers reach them without a socket. */
#ifndef MI32_WEB_H
#define MI32_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "sink/sink.h"
#include "util/jw.h"

struct commands_ctx;
struct mi32cfg;
struct mqtt_sink;
struct store;
struct sensor;
struct web;

#define WEB_BODY_MAX (256u * 1024u)  /* largest POST body (a mi32cfg of ~1500 sensors) */
#define WEB_PARAM_MAX 1024u          /* largest form/query value we decode */
#define WEB_USER "admin"             /* Tasmota's WebPassword user name */

/* What the web interface needs to know, filled by the app layer. Strings are borrowed. */
struct web_opts {
	unsigned int port;
	const char *bind;        /* NULL = loopback without a password, every address with one */
	const char *password;    /* NULL or "" = none (Tasmota's WebPassword) */
	const char *hosts;       /* more names the Host header may give: "NAME[,NAME…]" */
	const char *cert, *key;  /* PEM files: serve HTTPS; both or neither */
	const char *mi32cfg;     /* the sensor list file the editor writes */
	const char *topic;       /* this node's MQTT topic */
	const char *version;
	const char *mqtt_addr;   /* the broker as shown ("host:port"), NULL = no MQTT */
	struct mqtt_sink *mqtt;  /* its connection state for the node widget; NULL = none */
	struct sink_clock clock;
	struct sink_radio_src radio; /* the radio's state for the node widget and /metrics */
	struct sink_homekit_src homekit; /* the HomeKit bridge: node, metrics, setup code */
	struct widgets *widgets;  /* the scripts' boxes (MI32.widget); NULL = none */
};

/* The web interface's outputs (the console shows SENSOR and STATE), for the daemon's array. */
extern const struct sink_ops web_ops;

/* Start the web interface on @ev: pages over @store, commands through @cmds. Returns 0 with
 * *@out set; 0 with *@out NULL when the port cannot be bound (logged: the daemon runs on
 * without pages); or -errno for a bad bind address or ENOMEM (logged once). */
int web_new(sd_event *ev, struct store *store, struct commands_ctx *cmds,
	    const struct web_opts *opts, struct web **out);
void web_free(struct web *web); /* NULL is a no-op */

/* ---- pure helpers (web_api.c) ---------------------------------------------------------- */

/* Percent-decode @n bytes of @in ('+' is a space) into @out (NUL-terminated), with
 * libmicrohttpd's decoder. Returns the length, -EINVAL (a bad %xx or a NUL byte), -E2BIG
 * (does not fit @size) or -ENOMEM. */
int web_url_decode(const char *in, size_t n, char *out, size_t size);

/* The value of @name in an application/x-www-form-urlencoded body (or a query string) of
 * @len bytes, decoded into @out. Returns the length, -ENOENT when absent, or what
 * web_url_decode() returns. The first occurrence wins. */
int web_form_get(const char *body, size_t len, const char *name, char *out, size_t size);

/* Compare two NUL-terminated secrets in time that depends only on their lengths. */
bool web_secret_eq(const char *a, const char *b);

/* Options of the sensor JSON. */
struct web_json_opts {
	uint64_t now_us;  /* the daemon's clock */
	bool show_keys;   /* the client is authenticated: bind keys/IRKs may be shown */
	bool fresh;       /* SSE: new data arrived (the dashboard flashes the circle) */
};

/* Dimming rules of the dashboard (SPEC §10.3 + decision #10): never heard since start, needs a
 * key but has none, wrong key, not paired (except CGD1), no feature bits, stale. */
bool web_sensor_dimmed(const struct sensor *s);

/* One sensor as the dashboard and /api/sensors see it (a JSON object). */
void web_json_sensor(const struct store *st, unsigned int slot, const struct web_json_opts *o,
		     struct jw *w);
/* {"now":…,"hour":…,"sensors":[…]} for GET /api/sensors. */
void web_json_sensors(const struct store *st, const struct web_json_opts *o, struct jw *w);

/* Node facts for the dashboard's first widget. @mqtt is "off" or the broker address. */
struct web_node {
	const char *topic;
	const char *version;
	const char *mqtt;      /* broker "host:port", or "off" */
	int mqtt_connected;    /* -1 no MQTT, 0 disconnected, 1 connected */
	uint64_t mqtt_dropped; /* SENSOR messages the MQTT sink dropped (queue full) */
	unsigned int mqtt_pending; /* messages in libmosquitto's buffer */
	uint64_t start_us;
	uint64_t uptime_s;     /* wall-clock seconds running (replay time does not count) */
	double adverts_per_s;
	bool has_radio;        /* false: no radio (a replay); "radio" is then null */
	struct sink_radio radio;
	bool has_homekit;      /* false: the bridge is off; "homekit" is then null */
	struct sink_homekit homekit;
	const struct scripts *scripts; /* their counters for /metrics; NULL = scripts off */
};
void web_json_node(const struct store *st, const struct web_node *n, uint64_t now_us,
		   struct jw *w);

/* Prometheus text exposition of the store into @buf. Returns the length or -ENOSPC. */
int web_metrics(const struct store *st, const struct web_node *n, uint64_t now_us, char *buf,
		size_t size);

/* The mi32cfg editor: check a mi32cfg text element by element. Writes
 * {"ok":bool,"error":"…"(syntax),"rows":[{mac,pid,type,key,name,feat,error}…],"text":"…"}
 * where "text" is the list formatted as MI32Cfg writes it (only when ok). @show_keys false
 * hides keys ("key":null,"has_key":true). Returns 0 when every row is valid, -EBADMSG when
 * not, -ENOMEM. */
int web_json_cfg_check(const char *text, size_t len, bool show_keys, struct jw *w);

/* The same reply for a list already parsed (the store's own, mi32cfg_from_store()): "ok"
 * true, its rows, and "text" when @show_keys. Returns 0 or -ENOMEM. */
int web_json_cfg(const struct mi32cfg *cfg, bool show_keys, struct jw *w);

/* The device table (registry) for the editor's "add a sensor": [{pid,type,model,vendor,key}]. */
void web_json_types(struct jw *w);

#endif
