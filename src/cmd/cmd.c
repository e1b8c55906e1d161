/* SPDX-License-Identifier: MIT */
/* cmd.c — parse and dispatch Tasmota-style command lines. Parsing rules follow Tasmota:
 * names are case-insensitive, a trailing number is the index (default 1), the rest of the
 * line after one space is the payload. Replies are always JSON objects. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/cmd.h"

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

const struct cmd_def *cmd_lookup(const struct cmd_def *table, size_t n, const char *line,
				 struct cmd_req *req, char *buf, size_t bufsize)
{
	const struct cmd_def *best = NULL;
	size_t best_len = 0, wlen;
	char *word, *rest, *p;

	memset(req, 0, sizeof(*req));
	req->payload = "";
	if (!line || strlen(line) + 1 > bufsize)
		return NULL;
	strcpy(buf, line);
	word = trim(buf);
	wlen = strcspn(word, " \t=");
	rest = word + wlen;
	if (*rest) {
		*rest++ = '\0';
		req->payload = trim(rest);
	}
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(table[i].name);

		if (l > wlen || strncasecmp(word, table[i].name, l) != 0)
			continue;
		if (l < wlen && !(table[i].flags & CMD_F_INDEXED))
			continue;
		if (l < wlen) {
			/* the remainder must be a number: "MI32Option3", not "MI32Optionx" */
			for (p = word + l; *p; p++)
				if (!isdigit((unsigned char)*p))
					break;
			if (*p)
				continue;
		}
		if (l > best_len) {
			best = &table[i];
			best_len = l;
		}
	}
	if (!best)
		return NULL;
	snprintf(req->name, sizeof(req->name), "%s", best->name);
	req->index = 1;
	if (word[best_len]) {
		long v = strtol(word + best_len, NULL, 10);

		if (v < 0 || v > 100000)
			return NULL;
		req->index = (int)v;
		req->has_index = true;
	}
	return best;
}

static int run(const struct cmd_def *def, void *ctx, struct cmd_req *req, char *out,
	       size_t size)
{
	struct jw w;
	const char *why = NULL;
	int err;

	jw_init(&w, out, size);
	jw_obj_begin(&w);
	err = def->fn(ctx, req, &w, &why);
	if (err < 0) {
		char key[CMD_NAME_MAX + 8];

		/* start over: a failed handler's partial output is not sent */
		jw_init(&w, out, size);
		jw_obj_begin(&w);
		if (def->flags & CMD_F_INDEXED && req->has_index)
			snprintf(key, sizeof(key), "%s%d", req->name, req->index);
		else
			snprintf(key, sizeof(key), "%s", req->name);
		jw_key(&w, key);
		jw_str(&w, "Error");
		if (why) {
			jw_key(&w, "Reason");
			jw_str(&w, why);
		}
	}
	jw_obj_end(&w);
	if (jw_finish(&w) < 0) {
		snprintf(out, size, "{\"%s\":\"Error\",\"Reason\":\"reply too long\"}", req->name);
		return -ENOSPC;
	}
	return err < 0 ? err : 0;
}

int cmd_exec(const struct cmd_def *table, size_t n, void *ctx, const char *line, char *out,
	     size_t size)
{
	struct cmd_req req;
	const struct cmd_def *def;
	char *buf;
	size_t len = line ? strlen(line) + 1 : 1;
	int err;

	buf = malloc(len);
	if (!buf) {
		snprintf(out, size, "{\"Command\":\"Error\",\"Reason\":\"out of memory\"}");
		return -ENOMEM;
	}
	def = cmd_lookup(table, n, line ? line : "", &req, buf, len);
	if (!def) {
		snprintf(out, size, "{\"Command\":\"Unknown\"}");
		free(buf);
		return -ENOENT;
	}
	err = run(def, ctx, &req, out, size);
	free(buf);
	return err;
}

int cmd_join(const char *name, const char *payload, char **line, char *out, size_t size)
{
	size_t len = strlen(name) + strlen(payload ? payload : "") + 2;

	*line = NULL;
	/* a name with spaces would smuggle a payload in: MQTT topics can't, but be strict */
	if (strpbrk(name, " \t=")) {
		snprintf(out, size, "{\"Command\":\"Unknown\"}");
		return -ENOENT;
	}
	*line = malloc(len);
	if (!*line) {
		snprintf(out, size, "{\"Command\":\"Error\",\"Reason\":\"out of memory\"}");
		return -ENOMEM;
	}
	snprintf(*line, len, "%s %s", name, payload ? payload : "");
	return 0;
}

int cmd_exec_split(const struct cmd_def *table, size_t n, void *ctx, const char *name,
		   const char *payload, char *out, size_t size)
{
	char *line;
	int err = cmd_join(name, payload, &line, out, size);

	if (err < 0)
		return err;
	err = cmd_exec(table, n, ctx, line, out, size);
	free(line);
	return err;
}
