/* SPDX-License-Identifier: MIT */
/* mdns.h — the bridge's `_hap._tcp` announcement through avahi-daemon (avahi-client over the
 * system D-Bus), run on the daemon's sd-event loop. The Home app finds an accessory only by
 * this announcement; its TXT record says whether the bridge is paired (sf) and which
 * configuration (c#) it serves, so it is re-published whenever either changes.
 *
 * avahi-daemon may be absent at start, stop, or come later: that is logged once with what
 * to do, shown by hap_mdns_state(), and the announcement is made when the daemon appears.
 * HAP itself keeps serving meanwhile (controllers added by address still work). */
#ifndef MI32_HAP_MDNS_H
#define MI32_HAP_MDNS_H

#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "hap/hap_store.h"

#define HAP_MDNS_TXT_N 9	/* c# ff id md pv s# sf ci sh */
#define HAP_MDNS_TXT_LEN 64

struct hap_mdns;

enum hap_mdns_state {
	HAP_MDNS_STATE_NO_DAEMON,	/* no avahi-daemon (or no system D-Bus): waiting for one */
	HAP_MDNS_STATE_REGISTERING,	/* avahi probes the name */
	HAP_MDNS_STATE_ANNOUNCED,	/* on the network */
	HAP_MDNS_STATE_FAILED,		/* avahi refused the service: hap_mdns_reason() says why */
};

struct hap_mdns_opts {
	sd_event *ev;
	const struct hap_store *hs;	/* borrowed: id, setup id, c#, paired */
	const char *name;		/* instance name ("mi32"); avahi renames on a collision */
	const char *model;		/* md */
	uint16_t port;
};

/* The TXT record's strings ("c#=3", …) for @hs: HAP_MDNS_TXT_N of them. 0 or -EINVAL. */
int hap_mdns_txt(const struct hap_store *hs, const char *model,
		 char txt[HAP_MDNS_TXT_N][HAP_MDNS_TXT_LEN]);

/* Starts announcing (or waiting for avahi-daemon). 0 or -ENOMEM; a missing daemon is not an
 * error. */
int hap_mdns_new(struct hap_mdns **out, const struct hap_mdns_opts *o);
void hap_mdns_free(struct hap_mdns *m);	/* withdraws the announcement; NULL is a no-op */

/* c# or sf changed: publish the new TXT record (or remember it until avahi is there). */
void hap_mdns_update(struct hap_mdns *m);

enum hap_mdns_state hap_mdns_state(const struct hap_mdns *m);
const char *hap_mdns_state_name(enum hap_mdns_state st); /* "announced", "no avahi-daemon"… */
const char *hap_mdns_reason(const struct hap_mdns *m);	/* why not announced, "" when it is */

#endif
