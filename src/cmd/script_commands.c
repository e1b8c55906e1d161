/* SPDX-License-Identifier: MIT */
/* script_commands.c — the Script command (script_commands.h). */
#include <errno.h>

#include "cmd/commands.h"
#include "cmd/script_commands.h"
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
