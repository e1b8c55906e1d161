/* SPDX-License-Identifier: MIT */
/* script_run.c — `mi32 script` (script_run.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/script_run.h"
#include "script/scripts.h"
#include "util/log.h"

static int usage(FILE *f, int code)
{
	fprintf(f, "usage: mi32 script [--memory KB] [--timeout MS] FILE...\n"
		   "Run Lua scripts in the sandbox of `mi32 run --script` (docs/scripting.md):\n"
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

int script_run_main(int argc, char **argv)
{
	struct scripts_opts o = { .lim = SCRIPT_LIMITS_DEFAULT };
	struct scripts *h;
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
	if (scripts_new(&o, &h) < 0) {
		free(files);
		log_err("out of memory");
		return 1;
	}
	failed = scripts_start(h);
	scripts_free(h);
	free(files);
	return failed ? 1 : 0;
bad:
	free(files);
	return usage(stderr, 2);
}
