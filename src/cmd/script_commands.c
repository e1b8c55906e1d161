/* SPDX-License-Identifier: MIT */
/* script_commands.c — the Script command (script_commands.h). */
#include <errno.h>

#include "cmd/commands.h"
#include "cmd/script_commands.h"
#include "script/lib.h"
#include "script/scripts.h"

int script_commands_script(void *ctx, const struct cmd_req *req, struct jw *w,
			   const char **why)
{
	struct commands_ctx *c = ctx;

	if (!c->scripts) {
		*why = "scripts are off";
		return -EOPNOTSUPP;
	}
	if (!*req->payload) {
		jw_key(w, "Script");
		jw_obj_begin(w);
		scripts_status(c->scripts, w);
		jw_obj_end(w);
		return 0;
	}
	return scripts_eval(c->scripts, req->payload, w, why);
}

int script_commands_reload(void *ctx, const struct cmd_req *req, struct jw *w,
			   const char **why)
{
	struct commands_ctx *c = ctx;
	int r;

	if (!c->scripts) {
		*why = "scripts are off";
		return -EOPNOTSUPP;
	}
	if (!*req->payload) {
		*why = "ScriptReload <name>: the name as Script lists it (e.g. listener.lua)";
		return -EINVAL;
	}
	r = scripts_reload(c->scripts, req->payload, why);
	if (r < 0)
		return r;
	jw_key(w, "ScriptReload");
	jw_str(w, req->payload);
	return 0;
}

bool script_commands_has(const struct commands_ctx *c, const char *line)
{
	return c && c->script_env && lib_cmd_has(c->script_env, line);
}

bool script_commands_exec(struct commands_ctx *c, const char *line, char *out, size_t size,
			  int *rc)
{
	return c->script_env && lib_cmd_exec(c->script_env, line, out, size, rc);
}
