/* SPDX-License-Identifier: MIT */
/* main.c — the `mi32` executable: a table of subcommands. Each lives in its own module. */
#include <stdio.h>
#include <string.h>

#include "../../bench/bench.h"
#include "app/activate_main.h"
#include "app/daemon.h"
#include "app/decode_line.h"
#include "app/doctor.h"
#include "app/manpage.h"
#include "app/script_run.h"
#include "app/simulate.h"

#ifndef MI32_VERSION
#define MI32_VERSION "0.0.0"
#endif

struct subcommand {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *help;
};

static int version_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("mi32 %s\n", MI32_VERSION);
	return 0;
}

static int man_main(int argc, char **argv);

static const struct subcommand subcommands[] = {
	{ "run", daemon_main, "the daemon: listen, keep the sensor list, answer commands" },
	{ "doctor", doctor_main, "check what mi32 run needs and say what is not ready" },
	{ "decode", decode_line_main, "decode advertisements from stdin, one JSON line each" },
	{ "activate", activate_main,
	  "register a Xiaomi sensor here and print its bind key (unbinds it from Mi Home)" },
	{ "simulate", simulate_main, "write advertisements of a simulated sensor fleet" },
	{ "script", script_run_main, "run Lua scripts in the sandbox, to try them out" },
	{ "bench", bench_main, "measure the decoders: <case> <ns per advert> <adverts/s>" },
	{ "version", version_main, "print the version" },
	{ "man", man_main, "print the man page mi32(8) or mi32.conf(5) in roff" },
};

#define N_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

/* The pages list the subcommands of the table above. */
static int man_main(int argc, char **argv)
{
	struct manpage_cmd cmds[N_SUBCOMMANDS];

	for (size_t i = 0; i < N_SUBCOMMANDS; i++) {
		cmds[i].name = subcommands[i].name;
		cmds[i].help = subcommands[i].help;
	}
	return manpage_main(argc, argv, cmds, N_SUBCOMMANDS);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: mi32 <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < N_SUBCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].help);
	fprintf(f, "\n`mi32 <command> --help` tells more.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return version_main(argc, argv);
	for (size_t i = 0; i < N_SUBCOMMANDS; i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "mi32: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
