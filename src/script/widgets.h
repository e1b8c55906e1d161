/* SPDX-License-Identifier: MIT */
/* widgets.h — the scripts' dashboard boxes (MI32.widget): one HTML fragment per script,
 * shared between the scripts (who set them) and the web interface (who serves them at
 * /api/widgets and tells the dashboards by SSE that they changed). The dashboard shows each
 * fragment in a sandboxed iframe (no scripts, no same origin), so a fragment cannot reach
 * the page, its session or its CSRF token, whatever a script puts in it. No Lua here. */
#ifndef MI32_WIDGETS_H
#define MI32_WIDGETS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/jw.h"

#define WIDGETS_HTML_MAX 16384 /* bytes of one fragment */

struct widgets;

struct widgets *widgets_new(void); /* NULL on ENOMEM */
void widgets_free(struct widgets *w); /* NULL is a no-op */

/* Set the fragment of @name (NULL or "" removes the box). Returns 1 when it changed, 0 when
 * it is the same, -E2BIG (longer than WIDGETS_HTML_MAX), -ENOMEM. */
int widgets_set(struct widgets *w, const char *name, const char *html);

/* Called when a dashboard asks for the widgets: @fn(@data) of the entry @name (the script's
 * MI32.widget callback); NULL removes it. Returns 0 or -ENOENT (no such widget). */
int widgets_set_request(struct widgets *w, const char *name, void (*fn)(void *data),
			void *data);

/* A dashboard asks: the request hooks run (they may set fragments later). */
void widgets_request(struct widgets *w);

/* Whether a fragment changed since the last call (and clear it): the web's tick tells the
 * dashboards. */
bool widgets_take_changed(struct widgets *w);

/* [{"name":…,"html":…}…] in set order, into @jw as a value. */
void widgets_json(const struct widgets *w, struct jw *jw);

#endif
