/* SPDX-License-Identifier: MIT */
/* widgets.c — the scripts' dashboard boxes (widgets.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "script/widgets.h"

struct entry {
	char *name, *html;
	void (*fn)(void *data);
	void *data;
};

struct widgets {
	struct entry *v;
	size_t n;
	bool changed;
};

struct widgets *widgets_new(void)
{
	return calloc(1, sizeof(struct widgets));
}

void widgets_free(struct widgets *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		free(w->v[i].name);
		free(w->v[i].html);
	}
	free(w->v);
	free(w);
}

static struct entry *find(const struct widgets *w, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->v[i].name, name))
			return &w->v[i];
	return NULL;
}

int widgets_set(struct widgets *w, const char *name, const char *html)
{
	struct entry *e = find(w, name), *v;
	char *h;

	if (!html || !*html) {
		if (!e)
			return 0;
		free(e->name);
		free(e->html);
		memmove(e, e + 1, (size_t)(w->v + w->n - (e + 1)) * sizeof(*e));
		w->n--;
		w->changed = true;
		return 1;
	}
	if (strlen(html) > WIDGETS_HTML_MAX)
		return -E2BIG;
	if (e && !strcmp(e->html, html))
		return 0;
	if (!(h = strdup(html)))
		return -ENOMEM;
	if (!e) {
		v = realloc(w->v, (w->n + 1) * sizeof(*v));
		if (!v) {
			free(h);
			return -ENOMEM;
		}
		w->v = v;
		e = &v[w->n];
		memset(e, 0, sizeof(*e));
		if (!(e->name = strdup(name))) {
			free(h);
			return -ENOMEM;
		}
		w->n++;
	}
	free(e->html);
	e->html = h;
	w->changed = true;
	return 1;
}

int widgets_set_request(struct widgets *w, const char *name, void (*fn)(void *data),
			void *data)
{
	struct entry *e = find(w, name);

	if (!e)
		return -ENOENT;
	e->fn = fn;
	e->data = data;
	return 0;
}

void widgets_request(struct widgets *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].fn)
			w->v[i].fn(w->v[i].data);
}

bool widgets_take_changed(struct widgets *w)
{
	bool c = w->changed;

	w->changed = false;
	return c;
}

void widgets_json(const struct widgets *w, struct jw *jw)
{
	jw_arr_begin(jw);
	for (size_t i = 0; w && i < w->n; i++) {
		jw_obj_begin(jw);
		jw_key(jw, "name");
		jw_str(jw, w->v[i].name);
		jw_key(jw, "html");
		jw_str(jw, w->v[i].html);
		jw_obj_end(jw);
	}
	jw_arr_end(jw);
}
