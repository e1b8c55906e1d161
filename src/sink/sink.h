/* SPDX-License-Identifier: MIT */
/* sink.h — the one interface of a sink (MQTT, Home Assistant, web): what the daemon tells
 * its outputs, and the daemon's clock as they read it. The daemon keeps the array of
 * (ops, sink) pairs and decides the order: outputs are called, and stopped, in that order.
 * A sink never sees the daemon, its config or the other sinks beyond what its constructor
 * is handed. */
#ifndef MI32_SINK_H
#define MI32_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/adv.h"
#include "store/report.h"

/* What a sink wants to hear. Every member may be NULL. Strings are valid during the call. */
struct sink_ops {
	/* a SENSOR message (tele/<topic>/SENSOR): TelePeriod or triggered */
	void (*sensor)(void *sink, const char *json, enum report_kind kind);
	/* the STATE message, at TelePeriod (tele/<topic>/STATE) */
	void (*state)(void *sink, const char *json);
	/* a command's deferred result (stat/<topic>/RESULT): the GATT commands' outcome */
	void (*result)(void *sink, const char *json);
	/* every advertisement heard by this node's own sources (not injected ones) */
	void (*adv)(void *sink, const struct adv *adv);
	/* the loop is about to stop: last words (LWT Offline, flush) */
	void (*stop)(void *sink);
};

/* The daemon's clock: the wall clock, or the capture's own under `--replay --fast`, where
 * the start moves to the capture's first record. Both in µs since the epoch. */
struct sink_clock {
	uint64_t (*now_us)(void *data);
	uint64_t (*start_us)(void *data);
	void *data;
};

/* The radio as the outputs show it (STATE, /api/node, /metrics, the dashboard, Home
 * Assistant): filled by the app layer from its radio, so that no sink (nor the command
 * table) includes app/. */
struct sink_radio {
	char state[12];		   /* "starting", "scanning", "paused", "down" */
	char adapter[32];	   /* "hci0", "H4 UART" */
	bool active;		   /* active scanning */
	unsigned int duty_percent; /* scan window/interval in use; 0: unknown */
	uint64_t restarts;	   /* scans restarted by the watchdog */
	uint64_t reopens;	   /* attempts to open the adapter again while down */
	unsigned int retry_in_s;   /* down: seconds to the next attempt; 0: none planned */
	char reason[256];	   /* down/paused: why, with the fix; else "" */
};

/* Where a sink reads the radio's state. @get fills @out and returns true, or false when
 * there is no radio (a replay); @get NULL: no radio either. */
struct sink_radio_src {
	bool (*get)(void *data, struct sink_radio *out);
	void *data;
};

static inline bool sink_radio_get(const struct sink_radio_src *r, struct sink_radio *out)
{
	return r && r->get && r->get(r->data, out);
}

/* The HomeKit bridge as the outputs show it (STATE, /api/node, /metrics, the dashboard):
 * filled by the app layer from src/app/homekit.c. Nothing secret: the setup code is not
 * here (see sink_homekit_src.setup). */
struct sink_homekit {
	bool paired;
	unsigned int controllers;	/* pairings kept (the first is the admin) */
	unsigned int connections;	/* controllers connected now */
	unsigned int config_number;	/* c#: rises when the accessories change */
	unsigned int accessories;	/* bridged sensors (the bridge not counted) */
	unsigned int left_out;		/* sensors past HAP's 150 accessories */
	unsigned int port;
	bool announced;			/* mDNS: on the network */
	char mdns[24];			/* "announced", "registering", "no avahi-daemon", "failed" */
	char mdns_reason[256];		/* why not announced, with the fix; else "" */
};

/* Where the outputs and the commands reach the bridge. @get NULL: the bridge is off. */
struct sink_homekit_src {
	bool (*get)(void *data, struct sink_homekit *out);
	/* the setup code (three, two and three digits, as 518-08-582) and the QR payload
	 * ("X-HM://", 9 base-36 digits, the setup id): for authenticated eyes only */
	bool (*setup)(void *data, char code[11], char payload[21]);
	/* HomeKitReset: un-pair every controller. 0, or -errno with @err set */
	int (*reset)(void *data, char *err, size_t errlen);
	void *data;
};

static inline bool sink_homekit_get(const struct sink_homekit_src *h, struct sink_homekit *out)
{
	return h && h->get && h->get(h->data, out);
}

static inline uint64_t sink_now(const struct sink_clock *c)
{
	return c->now_us(c->data);
}

static inline uint64_t sink_start(const struct sink_clock *c)
{
	return c->start_us(c->data);
}

#endif
