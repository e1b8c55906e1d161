/* SPDX-License-Identifier: MIT */
/* filter_commands.c — MI32Watch, MI32Block; see filter_commands.h */
#include "cmd/filter_commands.h"

#include <errno.h>

#include "cmd/commands.h"
#include "store/advfilter.h"
#include "store/store.h"
#include "util/hex.h"
#include "util/jw.h"

static int list_cmd(struct commands_ctx *c, enum advfilter_list list, const char *name,
		    const struct cmd_req *req, struct jw *w, const char **why)
{
	struct advfilter *f = store_filter(c->store);
	bool remove = req->has_index && req->index == 0;
	char mac_txt[HEX_MAC_LEN];
	uint8_t mac[6];

	if (req->has_index && req->index != 0 && req->index != 1) {
		*why = "use the name alone to add or show, 1 to add, 0 to remove (0 alone empties)";
		return -EINVAL;
	}
	if (req->payload[0]) {
		int r;

		if (advfilter_parse_mac(req->payload, mac) < 0) {
			*why = "give one MAC as 12 hex digits, or AA:BB:CC:DD:EE:FF";
			return -EINVAL;
		}
		r = remove ? advfilter_remove(f, list, mac) : advfilter_add(f, list, mac);
		if (r == -ENOSPC) {
			*why = "the list is full (64 addresses)";
			return r;
		}
		if (r == 0) {
			*why = remove ? "this MAC is not on the list" : "this MAC is on the list already";
			return -EALREADY;
		}
	} else if (remove) {
		advfilter_clear(f, list);
	}
	jw_key(w, name);
	jw_arr_begin(w);
	for (unsigned int i = 0; i < advfilter_count(f, list); i++) {
		hex_mac(advfilter_get(f, list, i), mac_txt);
		jw_str(w, mac_txt);
	}
	jw_arr_end(w);
	return 0;
}

int filter_commands_watch(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	return list_cmd(ctx, ADVFILTER_WATCH, "MI32Watch", req, w, why);
}

int filter_commands_block(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	return list_cmd(ctx, ADVFILTER_BLOCK, "MI32Block", req, w, why);
}
