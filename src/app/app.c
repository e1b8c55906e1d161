/* SPDX-License-Identifier: MIT */
/* app.c — the daemon's fan-out to its sinks, and the command entry point they share. */
#include <errno.h>

#include "cmd/commands.h"
#include "app/app.h"

int app_add_output(struct app *app, const struct app_output *ops, void *sink)
{
	if (app->n_out >= APP_OUTPUTS_MAX)
		return -ENOSPC;
	app->out[app->n_out].ops = ops;
	app->out[app->n_out].sink = sink;
	app->n_out++;
	return 0;
}

int app_command(struct app *app, const char *line, char *out, size_t size)
{
	return commands_exec(app->cmd, line, out, size);
}

int app_command_split(struct app *app, const char *name, const char *payload, char *out,
		      size_t size)
{
	return cmd_exec_split(commands_table, commands_count, app->cmd, name, payload, out, size);
}
