/* SPDX-License-Identifier: MIT */
/* cmd.h — Tasmota-style commands: "<Name>[<index>] [payload]", one table of handlers shared by
 * MQTT (cmnd/<topic>/<Name>), HTTP (/cm?cmnd=) and the console; every reply is JSON. */
#ifndef MI32_CMD_H
#define MI32_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "util/jw.h"

#define CMD_NAME_MAX 32
#define CMD_REPLY_MAX 65536

struct cmd_req {
	char name[CMD_NAME_MAX]; /* the table's spelling, e.g. "MI32Option" */
	int index;               /* Tasmota's rule: no trailing number = 1 */
	bool has_index;
	const char *payload;     /* never NULL; "" when absent; trimmed */
};

/* A handler writes the members of the reply object (jw is inside "{...}") and returns 0, or
 * a negative errno: then the reply becomes {"<Name>":"Error"} plus a reason written by the
 * dispatcher from @why if the handler set it. Handlers never leave state half-changed. */
typedef int (*cmd_fn)(void *ctx, const struct cmd_req *req, struct jw *reply,
		      const char **why);

#define CMD_F_INDEXED 0x01 /* the name takes a number: MI32Option3, MI32Name2 */
#define CMD_F_WRITES 0x02  /* changes state (HTTP needs the password for these) */

struct cmd_def {
	const char *name;
	cmd_fn fn;
	unsigned int flags;
	const char *help;
};

/* Split "MI32Option3 1" into name/index/payload against @table (case-insensitive, longest
 * name wins). Returns the table row, or NULL when no command matches. @req->payload points
 * into @buf, a copy of @line the caller provides (size >= strlen(line)+1). */
const struct cmd_def *cmd_lookup(const struct cmd_def *table, size_t n, const char *line,
				 struct cmd_req *req, char *buf, size_t bufsize);

/* Run one command line and write the JSON reply into @out. Unknown commands get
 * {"Command":"Unknown"} like Tasmota. Returns 0, -ENOENT (unknown) or the handler's error. */
int cmd_exec(const struct cmd_def *table, size_t n, void *ctx, const char *line, char *out,
	     size_t size);

/* "<name> <payload>" in *@line (malloc'd) for a name and a payload arriving separately (MQTT
 * topic + payload). Returns 0, or -ENOENT (a name with a space or '=' in it: it would
 * smuggle a payload in) or -ENOMEM with the reply to send in @out. */
int cmd_join(const char *name, const char *payload, char **line, char *out, size_t size);

/* As cmd_exec(), for a name and a payload arriving separately (MQTT topic + payload). */
int cmd_exec_split(const struct cmd_def *table, size_t n, void *ctx, const char *name,
		   const char *payload, char *out, size_t size);

#endif
