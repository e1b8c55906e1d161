/* SPDX-License-Identifier: MIT */
/* web_homekit.c — GET /api/homekit: what a user adds the bridge to the Home app with, the
 * setup code as text and as the QR code of its X-HM:// payload (an SVG the page shows as an
 * image). Only for clients that may see keys (the route's WEB_ACCESS_KEYS): the code pairs
 * the bridge. The bridge's state without the code is /api/node's "homekit". */
#include <stdio.h>

#include "sink/web_int.h"
#include "util/qrsvg.h"

#define QR_SVG_MAX 16384	/* a 20-character payload is version 2 (25x25): ~6 kB */

int web__build_homekit(struct web *w, const struct web__who *who, void *arg, struct jw *jw)
{
	struct sink_homekit h;
	char code[11], payload[21];
	static char svg[QR_SVG_MAX];
	int n;

	(void)who, (void)arg;
	jw_obj_begin(jw);
	if (!sink_homekit_get(&w->o.homekit, &h) || !w->o.homekit.setup ||
	    !w->o.homekit.setup(w->o.homekit.data, code, payload)) {
		jw_key(jw, "error");
		jw_str(jw, "the HomeKit bridge is off (start mi32 with --homekit)");
		jw_obj_end(jw);
		return MHD_HTTP_NOT_FOUND;
	}
	n = qrsvg(payload, svg, sizeof(svg));
	jw_key(jw, "paired");
	jw_bool(jw, h.paired);
	jw_key(jw, "code");
	jw_str(jw, code);
	jw_key(jw, "payload");
	jw_str(jw, payload);
	jw_key(jw, "qr");
	if (n > 0)
		jw_str(jw, svg);
	else
		jw_null(jw); /* the text code still works */
	jw_obj_end(jw);
	return 0;
}
