/* SPDX-License-Identifier: MIT */
/* script_run.c — `mi32 script` (script_run.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-event.h>

#include "app/script_run.h"
#include "cmd/commands.h"
#include "script/lib.h"
#include "script/scripts.h"
#include "store/store.h"
#include "util/log.h"
#include "util/timefmt.h"

static int usage(FILE *f, int code)
{
	fprintf(f, "usage: mi32 script [--memory KB] [--timeout MS] FILE...\n"
		   "Run Lua scripts in the sandbox of `mi32 run --script` (docs/scripting.md),\n"
		   "with an empty sensor list and the command table; mi32.publish() prints\n"
		   "\"<topic> <payload>\" on stdout. It runs until no timer is pending.\n"
		   "print() and errors go to stderr; the exit status is 1 if one failed.\n");
	return code;
}

/* A positive number of at most @max from @s, or 0. */
static unsigned long number(const char *s, unsigned long max)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	return *s && !*end && v <= max ? v : 0;
}

/* mi32.publish() without a broker: a line on stdout */
static int publish_stdout(void *data, const char *topic, const void *payload, size_t len,
			  bool retain)
{
	(void)data;
	printf("%s%s %.*s\n", topic, retain ? " (retained)" : "", (int)len,
	       (const char *)payload);
	fflush(stdout);
	return 0;
}

static uint64_t now_cb(void *host)
{
	(void)host;
	return timefmt_now_us();
}

/* Run the scripts, then the loop while they have timers pending. */
static unsigned int run(struct scripts_opts *o)
{
	struct store_config sc = STORE_CONFIG_DEFAULT;
	struct commands_ctx cmd = { .topic = "mi32", .version = MI32_VERSION, .now_us = now_cb };
	struct script_env env = { .publish = publish_stdout };
	struct scripts *h = NULL;
	unsigned int failed = 1;

	if (sd_event_new(&env.ev) < 0 || !(env.store = cmd.store = store_new(&sc)))
		goto out;
	cmd.start_us = timefmt_now_us();
	env.cmd = &cmd;
	o->open = lib_open;
	o->open_data = &env;
	o->status = lib_status;
	if (scripts_new(o, &h) < 0)
		goto out;
	cmd.scripts = h;
	cmd.script_env = &env;
	scripts_start(h);
	while (env.timers && sd_event_run(env.ev, UINT64_MAX) >= 0)
		;
	/* an error anywhere, the top level's or a timer's, fails the run */
	failed = 0;
	for (size_t i = 0; i < scripts_count(h); i++)
		failed += script_stats(scripts_at(h, i))->errors > 0;
out:
	scripts_free(h);
	store_free(env.store);
	sd_event_unref(env.ev);
	return failed;
}

int script_run_main(int argc, char **argv)
{
	struct scripts_opts o = { .lim = SCRIPT_LIMITS_DEFAULT };
	char **files;
	unsigned long v;
	unsigned int failed;

	files = calloc((size_t)argc, sizeof(*files));
	if (!files)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			free(files);
			return usage(stdout, 0);
		} else if (!strcmp(argv[i], "--memory") && i + 1 < argc) {
			if (!(v = number(argv[++i], 1048576)))
				goto bad;
			o.lim.mem_max = v * 1024;
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			if (!(v = number(argv[++i], 600000)))
				goto bad;
			o.lim.timeout_us = v * 1000;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			goto bad;
		} else {
			files[o.n_files++] = argv[i];
		}
	}
	if (!o.n_files)
		goto bad;
	o.files = files;
	failed = run(&o);
	free(files);
	return failed ? 1 : 0;
bad:
	free(files);
	return usage(stderr, 2);
}
