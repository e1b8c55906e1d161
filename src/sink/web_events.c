/* SPDX-License-Identifier: MIT */
/* web_events.c — the live side of the web interface: Server-Sent Events (/events) with the
 * node widget every 2 s, and store events coalesced into at most one update per sensor per
 * WEB_FLUSH_MS; key problems and stale sensors also go to the console. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sensor.h"
#include "store/store.h"
#include "script/widgets.h"
#include "sink/web_int.h"

void web__wake_mhd(void *data)
{
	struct web *w = data;

	sd_event_source_set_enabled(w->wake, SD_EVENT_ONESHOT);
}

static void hello_json(struct web *w, char *buf, size_t size)
{
	struct web_node n;
	struct jw jw;

	web__node_facts(w, &n);
	jw_init(&jw, buf, size);
	web_json_node(w->store, &n, sink_now(&w->o.clock), &jw);
	if (jw_finish(&jw) < 0)
		snprintf(buf, size, "{}");
}

enum MHD_Result web__route_events(struct web *w, struct MHD_Connection *c,
				  struct web__req *q, struct web__who *who)
{
	char hello[1024];
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)q;
	hello_json(w, hello, sizeof(hello));
	r = sse_hub_attach(w->hub, c, hello, who->keys);
	if (!r)
		return web__reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "too many event streams");
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static void send_sensor(struct web *w, unsigned int slot, bool fresh)
{
	char stack[8192];
	struct web_json_opts o = { .now_us = sink_now(&w->o.clock), .fresh = fresh };
	struct jw jw;

	for (int keys = 0; keys < 2; keys++) {
		enum sse_to to = keys ? SSE_TO_KEYS : SSE_TO_NO_KEYS;

		if (!sse_hub_count(w->hub, to))
			continue;
		o.show_keys = keys;
		jw_init(&jw, stack, sizeof(stack));
		web_json_sensor(w->store, slot, &o, &jw);
		if (jw_finish(&jw) >= 0)
			sse_hub_send(w->hub, to, "sensor", stack);
	}
}

int web__on_flush(sd_event_source *s, uint64_t usec, void *data)
{
	struct web *w = data;

	(void)s;
	(void)usec;
	w->flush_armed = false;
	for (size_t i = 0; i < w->dirty_n; i++) {
		if (!w->dirty[i])
			continue;
		send_sensor(w, (unsigned int)i, w->dirty[i] & 2);
		w->dirty[i] = 0;
	}
	return 0;
}

void web__on_store_event(const struct store_event *ev, void *data)
{
	struct web *w = data;

	if (!sse_hub_clients(w->hub))
		return;
	if (ev->slot >= w->dirty_n) {
		size_t n = ev->slot + 64;
		uint8_t *d = realloc(w->dirty, n);

		if (!d)
			return;
		memset(d + w->dirty_n, 0, n - w->dirty_n);
		w->dirty = d;
		w->dirty_n = n;
	}
	w->dirty[ev->slot] |= ev->kind == STORE_EVENT_UPDATE ? 3 : 1;
	if (ev->kind == STORE_EVENT_KEY_PROBLEM || ev->kind == STORE_EVENT_STALE) {
		char name[96], line[160];

		sensor_json_key(ev->sensor, name, sizeof(name));
		if (ev->kind == STORE_EVENT_STALE)
			snprintf(line, sizeof(line), "%s %s", name,
				 ev->stale ? "is stale: not heard for a while" : "is back");
		else
			snprintf(line, sizeof(line), "%s: %s", name,
				 ev->error == -EKEYREJECTED ? "wrong key"
				 : ev->error == -ENOKEY     ? "needs a key (MI32Key)"
							    : "not paired");
		web__log(w, "BLE: ", line);
	}
	if (!w->flush_armed) {
		w->flush_armed = true;
		sd_event_source_set_time(w->flush, web__mono_us(w) + WEB_FLUSH_MS * 1000u);
		sd_event_source_set_enabled(w->flush, SD_EVENT_ONESHOT);
	}
}

int web__on_tick(sd_event_source *s, uint64_t usec, void *data)
{
	struct web *w = data;
	const struct store_stats *st = store_stats(w->store);
	uint64_t now = web__mono_us(w);

	if (w->rate_us && now > w->rate_us) {
		double r = (double)(st->adverts - w->rate_adverts) * 1e6 / (double)(now - w->rate_us);

		w->rate = w->rate ? 0.7 * w->rate + 0.3 * r : r;
	}
	w->rate_adverts = st->adverts;
	w->rate_us = now;
	w->ticks++;
	web__cut_slow(w);
	if (sse_hub_clients(w->hub)) {
		if (w->ticks % 2 == 0) {
			char buf[1024];

			hello_json(w, buf, sizeof(buf));
			sse_hub_send(w->hub, SSE_TO_ALL, "node", buf);
		}
		if (w->ticks % 15 == 0)
			sse_hub_ping(w->hub);
		/* a script changed its box: the dashboards fetch /api/widgets (at most once a
		 * tick, so a callback that changes it on every request cannot spin) */
		if (w->o.widgets && widgets_take_changed(w->o.widgets))
			sse_hub_send(w->hub, SSE_TO_ALL, "widgets", "{}");
	}
	sd_event_source_set_time(s, usec + 1000000u);
	return 0;
}
