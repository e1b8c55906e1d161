/* SPDX-License-Identifier: MIT */
/* tmpdir.h — a fresh directory under /tmp for one test, and its removal (cmocka setup and
 * teardown). Tests that write state files use it so nothing is shared between cases. */
#ifndef MI32_TEST_TMPDIR_H
#define MI32_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes a new /tmp/mi32-<tag>-<random> (mkdtemp) in dir[64]; 0 or -1. */
static inline int tmpdir_make(char dir[64], const char *tag)
{
	snprintf(dir, 64, "/tmp/mi32-%s-XXXXXX", tag);
	return mkdtemp(dir) ? 0 : -1;
}

static inline int tmpdir_remove(const char dir[64])
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
