/* SPDX-License-Identifier: MIT */
/* manpage.h — the man pages mi32(8) and mi32.conf(5), written in roff from the option table
 * (config.h) and the subcommand table (main.c): one source for --help, the parser and the
 * pages. */
#ifndef MI32_MANPAGE_H
#define MI32_MANPAGE_H

#include <stddef.h>
#include <stdio.h>

struct manpage_cmd {
	const char *name;
	const char *help;
};

/* Write page 8 (mi32) or 5 (mi32.conf) to @f; @cmds lists the subcommands for page 8.
 * Returns 0, -EINVAL for another section, -EIO on a write error. */
int manpage_write(FILE *f, int section, const struct manpage_cmd *cmds, size_t n);

/* `mi32 man 8|5 [FILE]`: the page to FILE or stdout. Returns the exit status. */
int manpage_main(int argc, char **argv, const struct manpage_cmd *cmds, size_t n);

#endif
