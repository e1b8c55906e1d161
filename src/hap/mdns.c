/* SPDX-License-Identifier: MIT */
/* mdns.c — see mdns.h. avahi-client wants an AvahiPoll (its main-loop abstraction); the first
 * half of this file gives it one on sd-event, so avahi's D-Bus traffic runs on the daemon's
 * single loop like everything else. The second half keeps one entry group with the service
 * and follows the client through the daemon's comings and goings. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/watch.h>

#include "hap/mdns.h"
#include "hap/setup.h"
#include "util/log.h"

#define HAP_SERVICE "_hap._tcp"
#define RETRY_US (30u * 1000000u) /* no system D-Bus at all: look again this often */

struct hap_mdns {
	struct hap_mdns_opts o;
	AvahiPoll poll;
	AvahiClient *client;
	AvahiEntryGroup *group;
	sd_event_source *retry;
	char *name;			/* avahi_malloc'd: changes on a collision */
	enum hap_mdns_state state;
	char reason[256];
	bool told_missing;		/* the "no avahi-daemon" warning is said once per absence */
};

/* ---- AvahiPoll on sd-event ---- */

struct AvahiWatch {
	sd_event_source *src;
	AvahiWatchCallback cb;
	void *userdata;
	AvahiWatchEvent revents;
};

struct AvahiTimeout {
	sd_event_source *src;
	AvahiTimeoutCallback cb;
	void *userdata;
};

static uint32_t to_epoll(AvahiWatchEvent e)
{
	return (e & AVAHI_WATCH_IN ? EPOLLIN : 0) | (e & AVAHI_WATCH_OUT ? EPOLLOUT : 0) |
	       (e & AVAHI_WATCH_ERR ? EPOLLERR : 0) | (e & AVAHI_WATCH_HUP ? EPOLLHUP : 0);
}

static AvahiWatchEvent from_epoll(uint32_t e)
{
	return (e & EPOLLIN ? AVAHI_WATCH_IN : 0) | (e & EPOLLOUT ? AVAHI_WATCH_OUT : 0) |
	       (e & EPOLLERR ? AVAHI_WATCH_ERR : 0) | (e & EPOLLHUP ? AVAHI_WATCH_HUP : 0);
}

static int on_watch(sd_event_source *src, int fd, uint32_t revents, void *data)
{
	AvahiWatch *w = data;

	(void)src;
	w->revents = from_epoll(revents);
	/* may free w (sd-event defers the source's own unref until the dispatch returns) */
	w->cb(w, fd, from_epoll(revents), w->userdata);
	return 0;
}

static AvahiWatch *watch_new(const AvahiPoll *api, int fd, AvahiWatchEvent event,
			     AvahiWatchCallback cb, void *userdata)
{
	struct hap_mdns *m = api->userdata;
	AvahiWatch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->cb = cb;
	w->userdata = userdata;
	if (sd_event_add_io(m->o.ev, &w->src, fd, to_epoll(event), on_watch, w) < 0) {
		free(w);
		return NULL;
	}
	return w;
}

static void watch_update(AvahiWatch *w, AvahiWatchEvent event)
{
	sd_event_source_set_io_events(w->src, to_epoll(event));
}

static AvahiWatchEvent watch_get_events(AvahiWatch *w)
{
	return w->revents;
}

static void watch_free(AvahiWatch *w)
{
	sd_event_source_disable_unref(w->src);
	free(w);
}

static int on_timeout(sd_event_source *src, uint64_t usec, void *data)
{
	AvahiTimeout *t = data;

	(void)src, (void)usec;
	t->cb(t, t->userdata);
	return 0;
}

/* Avahi's times are gettimeofday() instants: CLOCK_REALTIME. NULL = disarmed. */
static void timeout_arm(AvahiTimeout *t, const struct timeval *tv)
{
	if (!tv) {
		sd_event_source_set_enabled(t->src, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time(t->src, (uint64_t)tv->tv_sec * 1000000u + (uint64_t)tv->tv_usec);
	sd_event_source_set_enabled(t->src, SD_EVENT_ONESHOT);
}

static AvahiTimeout *timeout_new(const AvahiPoll *api, const struct timeval *tv,
				 AvahiTimeoutCallback cb, void *userdata)
{
	struct hap_mdns *m = api->userdata;
	AvahiTimeout *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cb = cb;
	t->userdata = userdata;
	if (sd_event_add_time(m->o.ev, &t->src, CLOCK_REALTIME, 0, 0, on_timeout, t) < 0) {
		free(t);
		return NULL;
	}
	timeout_arm(t, tv);
	return t;
}

static void timeout_free(AvahiTimeout *t)
{
	sd_event_source_disable_unref(t->src);
	free(t);
}

/* ---- the TXT record ---- */

int hap_mdns_txt(const struct hap_store *hs, const char *model,
		 char txt[HAP_MDNS_TXT_N][HAP_MDNS_TXT_LEN])
{
	char sh[SETUP_HASH_LEN + 1];

	if (setup_hash(sh, hap_store_setup_id(hs), hap_store_device_id(hs)) < 0)
		return -EINVAL;
	snprintf(txt[0], HAP_MDNS_TXT_LEN, "c#=%u", hap_store_config_number(hs));
	snprintf(txt[1], HAP_MDNS_TXT_LEN, "ff=0");	/* no MFi authentication */
	snprintf(txt[2], HAP_MDNS_TXT_LEN, "id=%s", hap_store_device_id(hs));
	snprintf(txt[3], HAP_MDNS_TXT_LEN, "md=%.40s", model);
	snprintf(txt[4], HAP_MDNS_TXT_LEN, "pv=1.1");
	snprintf(txt[5], HAP_MDNS_TXT_LEN, "s#=1");	/* always 1 on IP */
	snprintf(txt[6], HAP_MDNS_TXT_LEN, "sf=%d", hap_store_paired(hs) ? 0 : 1);
	snprintf(txt[7], HAP_MDNS_TXT_LEN, "ci=%u", SETUP_CATEGORY_BRIDGE);
	snprintf(txt[8], HAP_MDNS_TXT_LEN, "sh=%s", sh);
	return 0;
}

static AvahiStringList *txt_list(const struct hap_mdns *m)
{
	char txt[HAP_MDNS_TXT_N][HAP_MDNS_TXT_LEN];
	AvahiStringList *l = NULL;

	if (hap_mdns_txt(m->o.hs, m->o.model, txt) < 0)
		return NULL;
	for (int i = HAP_MDNS_TXT_N - 1; i >= 0; i--)
		l = avahi_string_list_add(l, txt[i]);
	return l;
}

/* ---- the service ---- */

static void set_state(struct hap_mdns *m, enum hap_mdns_state st, const char *reason)
{
	m->state = st;
	snprintf(m->reason, sizeof(m->reason), "%s", reason);
}

static void publish(struct hap_mdns *m);

static void on_group(AvahiEntryGroup *g, AvahiEntryGroupState st, void *data)
{
	struct hap_mdns *m = data;
	char why[200];

	m->group = g;	/* the first call comes from inside avahi_entry_group_new() */
	switch (st) {
	case AVAHI_ENTRY_GROUP_ESTABLISHED:
		set_state(m, HAP_MDNS_STATE_ANNOUNCED, "");
		log_msg(LOG_INFO_, "homekit: announced as \"%s\" (%s, port %u) through avahi",
			m->name, HAP_SERVICE, m->o.port);
		break;
	case AVAHI_ENTRY_GROUP_COLLISION: {
		char *alt = avahi_alternative_service_name(m->name);

		if (!alt)
			break;
		log_msg(LOG_NOTICE_, "homekit: the name \"%s\" is taken on this network: "
			"announcing as \"%s\"", m->name, alt);
		avahi_free(m->name);
		m->name = alt;
		avahi_entry_group_reset(g);
		publish(m);
		break;
	}
	case AVAHI_ENTRY_GROUP_FAILURE:
		snprintf(why, sizeof(why), "avahi refused the service: %s",
			 avahi_strerror(avahi_client_errno(avahi_entry_group_get_client(g))));
		set_state(m, HAP_MDNS_STATE_FAILED, why);
		log_msg(LOG_WARNING_, "homekit: %s", why);
		break;
	case AVAHI_ENTRY_GROUP_UNCOMMITED:
	case AVAHI_ENTRY_GROUP_REGISTERING:
		break;
	}
}

/* Adds the service to the (empty) group and commits it. */
static void publish(struct hap_mdns *m)
{
	AvahiStringList *txt;
	char why[200];
	int r;

	if (!m->client || avahi_client_get_state(m->client) != AVAHI_CLIENT_S_RUNNING)
		return;
	if (!m->group && !avahi_entry_group_new(m->client, on_group, m))
		goto fail;
	if (!avahi_entry_group_is_empty(m->group))
		return;
	txt = txt_list(m);
	r = avahi_entry_group_add_service_strlst(m->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0,
						 m->name, HAP_SERVICE, NULL, NULL, m->o.port, txt);
	avahi_string_list_free(txt);
	if (r == AVAHI_ERR_COLLISION) {
		on_group(m->group, AVAHI_ENTRY_GROUP_COLLISION, m);
		return;
	}
	if (r < 0 || avahi_entry_group_commit(m->group) < 0)
		goto fail;
	set_state(m, HAP_MDNS_STATE_REGISTERING, "avahi is probing the name");
	return;
fail:
	snprintf(why, sizeof(why), "avahi refused the service: %s",
		 avahi_strerror(avahi_client_errno(m->client)));
	set_state(m, HAP_MDNS_STATE_FAILED, why);
	log_msg(LOG_WARNING_, "homekit: %s", why);
}

static void missing(struct hap_mdns *m, const char *what)
{
	char why[200];

	snprintf(why, sizeof(why), "no avahi-daemon (%s)", what);
	set_state(m, HAP_MDNS_STATE_NO_DAEMON, why);
	if (m->told_missing)
		return;
	m->told_missing = true;
	log_msg(LOG_WARNING_, "homekit: %s: the Home app will not find the bridge by itself "
		"(start avahi-daemon: it is announced as soon as one runs); HAP still serves on "
		"port %u for controllers given the address", why, m->o.port);
}

static int start_client(struct hap_mdns *m);

static int on_retry(sd_event_source *src, uint64_t usec, void *data)
{
	struct hap_mdns *m = data;

	(void)src, (void)usec;
	if (m->client) {
		m->group = NULL;	/* freed with its client */
		avahi_client_free(m->client);
		m->client = NULL;
	}
	start_client(m);
	return 0;
}

static void retry_in(struct hap_mdns *m, uint64_t us)
{
	uint64_t now = 0;

	sd_event_now(m->o.ev, CLOCK_MONOTONIC, &now);
	sd_event_source_set_time(m->retry, now + us);
	sd_event_source_set_enabled(m->retry, SD_EVENT_ONESHOT);
}

static void on_client(AvahiClient *c, AvahiClientState st, void *data)
{
	struct hap_mdns *m = data;

	m->client = c;	/* the first call comes from inside avahi_client_new() */
	switch (st) {
	case AVAHI_CLIENT_S_RUNNING:
		if (m->told_missing)
			log_msg(LOG_NOTICE_, "homekit: avahi-daemon is there now: announcing");
		m->told_missing = false;
		publish(m);
		break;
	case AVAHI_CLIENT_S_COLLISION:
	case AVAHI_CLIENT_S_REGISTERING:
		/* the host name changes: publish again once the daemon runs under the new one */
		if (m->group)
			avahi_entry_group_reset(m->group);
		set_state(m, HAP_MDNS_STATE_REGISTERING, "avahi-daemon is registering its host name");
		break;
	case AVAHI_CLIENT_CONNECTING:
		m->group = NULL;
		missing(m, "not running");
		break;
	case AVAHI_CLIENT_FAILURE:
		/* the daemon went away: a new client (NO_FAIL) waits for the next one; not from
		 * inside this callback, which belongs to the client being freed */
		m->group = NULL;
		missing(m, avahi_strerror(avahi_client_errno(c)));
		retry_in(m, 1000000u);
		break;
	}
}

static int start_client(struct hap_mdns *m)
{
	int error = 0;
	AvahiClient *c = avahi_client_new(&m->poll, AVAHI_CLIENT_NO_FAIL, on_client, m, &error);

	if (!c) {
		/* no system bus at all: NO_FAIL waits only for the daemon, not for D-Bus */
		m->client = NULL;
		missing(m, avahi_strerror(error));
		retry_in(m, RETRY_US);
		return 0;
	}
	m->client = c;
	return 0;
}

int hap_mdns_new(struct hap_mdns **out, const struct hap_mdns_opts *o)
{
	struct hap_mdns *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->o = *o;
	m->name = avahi_strdup(o->name);
	m->poll = (AvahiPoll){
		.userdata = m,
		.watch_new = watch_new, .watch_update = watch_update,
		.watch_get_events = watch_get_events, .watch_free = watch_free,
		.timeout_new = timeout_new, .timeout_update = timeout_arm,
		.timeout_free = timeout_free,
	};
	set_state(m, HAP_MDNS_STATE_NO_DAEMON, "not started");
	if (!m->name || sd_event_add_time(o->ev, &m->retry, CLOCK_MONOTONIC, 0, 0, on_retry,
					  m) < 0) {
		hap_mdns_free(m);
		return -ENOMEM;
	}
	sd_event_source_set_enabled(m->retry, SD_EVENT_OFF);
	start_client(m);
	*out = m;
	return 0;
}

void hap_mdns_free(struct hap_mdns *m)
{
	if (!m)
		return;
	if (m->client)
		avahi_client_free(m->client);	/* frees the group: the service is withdrawn */
	sd_event_source_disable_unref(m->retry);
	avahi_free(m->name);
	free(m);
}

void hap_mdns_update(struct hap_mdns *m)
{
	AvahiStringList *txt;
	int r;

	if (!m || !m->group || avahi_entry_group_is_empty(m->group)) {
		if (m)
			publish(m);	/* nothing out yet: the next publish reads the new state */
		return;
	}
	txt = txt_list(m);
	r = avahi_entry_group_update_service_txt_strlst(m->group, AVAHI_IF_UNSPEC,
							AVAHI_PROTO_UNSPEC, 0, m->name,
							HAP_SERVICE, NULL, txt);
	avahi_string_list_free(txt);
	if (r < 0)
		log_msg(LOG_WARNING_, "homekit: updating the mDNS record failed: %s",
			avahi_strerror(r));
}

enum hap_mdns_state hap_mdns_state(const struct hap_mdns *m)
{
	return m->state;
}

const char *hap_mdns_state_name(enum hap_mdns_state st)
{
	switch (st) {
	case HAP_MDNS_STATE_NO_DAEMON:
		return "no avahi-daemon";
	case HAP_MDNS_STATE_REGISTERING:
		return "registering";
	case HAP_MDNS_STATE_ANNOUNCED:
		return "announced";
	case HAP_MDNS_STATE_FAILED:
		return "failed";
	}
	return "?";
}

const char *hap_mdns_reason(const struct hap_mdns *m)
{
	return m->reason;
}
