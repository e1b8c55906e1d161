/* SPDX-License-Identifier: MIT */
/* web_console.c — Tasmota's console in the browser: the last WEB_LOG_LINES lines (the
 * daemon's log, commands and their results, the SENSOR and STATE messages), sent live to
 * clients allowed to see keys; and the command API, /cm (GET as Tasmota, POST from our
 * pages). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "sink/web_int.h"

void web__log(struct web *w, const char *prefix, const char *text)
{
	struct web__log_line *l = &w->log[w->log_seq % WEB_LOG_LINES];
	size_t pl = strlen(prefix), tl = strlen(text);
	char buf[256];
	struct jw jw;
	char *js;
	size_t jsize;

	if (tl > WEB_LOG_LINE_MAX)
		tl = WEB_LOG_LINE_MAX;
	free(l->text);
	l->text = malloc(pl + tl + 1);
	l->seq = ++w->log_seq;
	l->time_s = sink_now(&w->o.clock) / 1000000u;
	if (!l->text)
		return;
	memcpy(l->text, prefix, pl);
	memcpy(l->text + pl, text, tl);
	l->text[pl + tl] = '\0';
	if (!sse_hub_clients(w->hub))
		return;
	jsize = 2 * (pl + tl) + 128;
	js = jsize > sizeof(buf) ? malloc(jsize) : buf;
	if (!js)
		return;
	jw_init(&jw, js, jsize);
	jw_obj_begin(&jw);
	jw_key(&jw, "seq");
	jw_uint(&jw, l->seq);
	jw_key(&jw, "t");
	jw_uint(&jw, l->time_s);
	jw_key(&jw, "text");
	jw_str(&jw, l->text);
	jw_obj_end(&jw);
	if (jw_finish(&jw) >= 0)
		sse_hub_send(w->hub, SSE_TO_KEYS, "log", js);
	if (js != buf)
		free(js);
}

/* the daemon's own log lines, as Tasmota's console shows them */
void web__on_log(void *user_data, int level, const char *line)
{
	(void)level;
	web__log(user_data, "LOG: ", line);
}

void web__log_free(struct web *w)
{
	for (int i = 0; i < WEB_LOG_LINES; i++)
		free(w->log[i].text);
}

static int build_log(struct web *w, const struct web__who *who, void *arg, struct jw *jw)
{
	uint64_t first = w->log_seq > WEB_LOG_LINES ? w->log_seq - WEB_LOG_LINES + 1 : 1;

	(void)who;
	(void)arg;
	jw_obj_begin(jw);
	jw_key(jw, "lines");
	jw_arr_begin(jw);
	for (uint64_t s = first; s <= w->log_seq; s++) {
		const struct web__log_line *l = &w->log[(s - 1) % WEB_LOG_LINES];

		if (!l->text || l->seq != s)
			continue;
		jw_obj_begin(jw);
		jw_key(jw, "seq");
		jw_uint(jw, l->seq);
		jw_key(jw, "t");
		jw_uint(jw, l->time_s);
		jw_key(jw, "text");
		jw_str(jw, l->text);
		jw_obj_end(jw);
	}
	jw_arr_end(jw);
	jw_obj_end(jw);
	return 0;
}

enum MHD_Result web__route_log(struct web *w, struct MHD_Connection *c, struct web__req *q,
			       struct web__who *who)
{
	(void)q;
	return web__reply_built(w, c, who, build_log, NULL);
}

/* ---- commands ------------------------------------------------------------------------- */

/* a command's result as Tasmota's console shows it */
static void result_line(struct web *w, const char *json)
{
	char topic_line[128];

	snprintf(topic_line, sizeof(topic_line), "RSL: stat/%s/RESULT = ",
		 w->o.topic ? w->o.topic : "mi32");
	web__log(w, topic_line, json);
}

static enum MHD_Result run_command(struct web *w, struct MHD_Connection *c, const char *line)
{
	char *reply = malloc(CMD_REPLY_MAX);

	if (!reply)
		return web__reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	web__log(w, "CMD: ", line);
	commands_exec(w->cmds, line, reply, CMD_REPLY_MAX);
	result_line(w, reply);
	return web__reply_buf(c, MHD_HTTP_OK, "application/json", reply, strlen(reply),
			      MHD_RESPMEM_MUST_FREE);
}

/* GET /cm?cmnd=… — Tasmota's HTTP command API, with its ?user=admin&password=… too. A GET
 * changes nothing: a link, an <img> or a prefetch on any page can make one, so commands that
 * write answer 405 and are sent as POST (with the CSRF token) instead. */
enum MHD_Result web__route_cm_get(struct web *w, struct MHD_Connection *c, struct web__req *q,
				  struct web__who *who)
{
	const char *line = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cmnd");
	const char *user = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "user");
	const char *pass = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "password");

	(void)q;
	if (w->password && !who->authed && (user || pass)) {
		int r = web__password_check(w, c, user, pass, "/cm?password=");

		if (r == -EBUSY)
			return web__reply_locked(w, c);
		who->authed = r == 1;
	}
	if (!who->authed)
		return web__reply_error(c, MHD_HTTP_UNAUTHORIZED, "this needs the web password");
	if (!line || !*line)
		return web__reply_error(c, MHD_HTTP_BAD_REQUEST,
					"give a command: /cm?cmnd=Status%208");
	if (strlen(line) > WEB_PARAM_MAX)
		return web__reply_error(c, MHD_HTTP_BAD_REQUEST, "the command is too long");
	if (commands_writes(w->cmds, line))
		return web__reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
					"this command changes state: send it as POST /cm with "
					"cmnd=… and the X-CSRF-Token of /api/session");
	return run_command(w, c, line);
}

/* POST /cm with cmnd=… in a form body: the console page */
enum MHD_Result web__route_cm_post(struct web *w, struct MHD_Connection *c,
				   struct web__req *q, struct web__who *who)
{
	char line[WEB_PARAM_MAX + 1];
	int n = web_form_get(q->body, q->len, "cmnd", line, sizeof(line));

	(void)who;
	if (n == -E2BIG)
		return web__reply_error(c, MHD_HTTP_BAD_REQUEST, "the command is too long");
	if (n <= 0)
		return web__reply_error(c, MHD_HTTP_BAD_REQUEST, "give a command: cmnd=…");
	return run_command(w, c, line);
}

/* ---- the daemon's outputs: SENSOR and STATE as the console shows them ------------------ */

static void log_message(struct web *w, const char *leaf, const char *json)
{
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "MQT: tele/%s/%s = ", w->o.topic ? w->o.topic : "mi32",
		 leaf);
	web__log(w, prefix, json);
}

static void out_sensor(void *sink, const char *json, enum report_kind kind)
{
	(void)kind;
	log_message(sink, "SENSOR", json);
}

static void out_state(void *sink, const char *json)
{
	log_message(sink, "STATE", json);
}

static void out_result(void *sink, const char *json)
{
	result_line(sink, json);
}

const struct sink_ops web_ops = {
	.sensor = out_sensor,
	.state = out_state,
	.result = out_result,
};
