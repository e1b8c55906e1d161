/* SPDX-License-Identifier: MIT */
/* homekit.c — see homekit.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/homekit.h"
#include "hap/hap_store.h"
#include "hap/mdns.h"
#include "hap/server.h"
#include "hap/setup.h"
#include "util/log.h"

struct homekit {
	struct hap_store *hs;
	struct hap_server *srv;
	struct hap_mdns *mdns;
	char path[4096];
};

/* The line a user pairs from: the setup code and the QR payload (the web UI shows both
 * behind the password). */
static void tell_setup(struct homekit *hk)
{
	char payload[SETUP_PAYLOAD_LEN + 1];

	setup_payload(payload, hap_store_setup_code(hk->hs), hap_store_setup_id(hk->hs),
		      SETUP_CATEGORY_BRIDGE, false);
	log_msg(LOG_NOTICE_, "homekit: not paired; add the bridge in the Home app with "
		"setup code %s (QR payload %s), port %u", hap_store_setup_code(hk->hs), payload,
		hap_server_port(hk->srv));
}

static void announce(void *data)
{
	struct homekit *hk = data;

	log_msg(LOG_INFO_, "homekit: configuration number %u, %s",
		hap_store_config_number(hk->hs),
		hap_store_paired(hk->hs) ? "paired" : "not paired");
	hap_mdns_update(hk->mdns);	/* c# and sf of the TXT record */
}

int homekit_start(struct homekit **out, sd_event *ev, struct store *st,
		  const struct config *cfg, const struct sink_clock *clock)
{
	struct homekit *hk;
	struct hap_server_opts o = { 0 };
	struct hap_mdns_opts mo = { 0 };
	char err[512];
	bool created;
	int r;

	*out = NULL;
	if (!cfg->homekit)
		return 0;
	hk = calloc(1, sizeof(*hk));
	if (!hk)
		return -ENOMEM;
	snprintf(hk->path, sizeof(hk->path), "%s/homekit.json", cfg->state_dir);
	r = hap_store_open(&hk->hs, hk->path, cfg->homekit_code, &created, err, sizeof(err));
	if (r < 0) {
		log_err("%s", err);
		free(hk);
		return r;
	}
	o.ev = ev;
	o.store = st;
	o.hs = hk->hs;
	o.bind = cfg->homekit_bind;
	o.port = (uint16_t)cfg->homekit_port;
	o.db.low_battery = cfg->homekit_low_battery;
	o.db.stale_min_s = cfg->homekit_stale_min;
	o.db.stale_s = cfg->stale;
	o.now_us = clock->now_us;
	o.now_data = clock->data;
	o.db.bridge_name = "mi32";
	o.db.firmware = MI32_VERSION;
	o.announce = announce;
	o.data = hk;
	r = hap_server_new(&hk->srv, &o, err, sizeof(err));
	if (r < 0) {
		log_err("%s", err);
		homekit_free(hk);
		return r;
	}
	mo.ev = ev;
	mo.hs = hk->hs;
	mo.name = o.db.bridge_name;
	mo.model = "mi32";
	mo.port = hap_server_port(hk->srv);
	r = hap_mdns_new(&hk->mdns, &mo);
	if (r < 0) {
		homekit_free(hk);
		return r;
	}
	if (!hap_store_paired(hk->hs)) {
		tell_setup(hk);
	} else {
		log_msg(LOG_INFO_, "homekit: paired with %zu controller(s), port %u",
			hap_store_pairing_count(hk->hs), hap_server_port(hk->srv));
	}
	*out = hk;
	return 0;
}

void homekit_free(struct homekit *hk)
{
	if (!hk)
		return;
	hap_mdns_free(hk->mdns);
	hap_server_free(hk->srv);
	hap_store_free(hk->hs);
	free(hk);
}

bool homekit_status(const struct homekit *hk, struct sink_homekit *out)
{
	size_t left_out = 0;

	memset(out, 0, sizeof(*out));
	if (!hk)
		return false;
	out->paired = hap_store_paired(hk->hs);
	out->controllers = (unsigned int)hap_store_pairing_count(hk->hs);
	out->connections = hap_server_connections(hk->srv);
	out->config_number = hap_store_config_number(hk->hs);
	out->accessories = (unsigned int)hap_server_accessories(hk->srv, &left_out);
	out->left_out = (unsigned int)left_out;
	out->port = hap_server_port(hk->srv);
	out->announced = hap_mdns_state(hk->mdns) == HAP_MDNS_STATE_ANNOUNCED;
	snprintf(out->mdns, sizeof(out->mdns), "%s", hap_mdns_state_name(hap_mdns_state(hk->mdns)));
	snprintf(out->mdns_reason, sizeof(out->mdns_reason), "%s", hap_mdns_reason(hk->mdns));
	return true;
}

bool homekit_setup(const struct homekit *hk, char code[SETUP_CODE_LEN + 1],
		   char payload[SETUP_PAYLOAD_LEN + 1])
{
	if (!hk)
		return false;
	snprintf(code, SETUP_CODE_LEN + 1, "%s", hap_store_setup_code(hk->hs));
	/* the paired flag of the payload stays 0: the code is for adding the bridge */
	return setup_payload(payload, hap_store_setup_code(hk->hs), hap_store_setup_id(hk->hs),
			     SETUP_CATEGORY_BRIDGE, false) == 0;
}

int homekit_reset(struct homekit *hk, char *err, size_t errlen)
{
	size_t had;
	int r;

	if (!hk) {
		snprintf(err, errlen, "the HomeKit bridge is off (--homekit)");
		return -ENOTSUP;
	}
	had = hap_store_pairing_count(hk->hs);
	/* closes every session, forgets every pairing, saves, re-announces with sf=1 */
	r = hap_server_reset(hk->srv, err, errlen);
	if (r < 0) {
		log_err("homekit: reset failed: %s", err);
		return r;
	}
	log_msg(LOG_NOTICE_, "homekit: reset: %zu pairing(s) removed", had);
	tell_setup(hk);
	return 0;
}
