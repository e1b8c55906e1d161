/* SPDX-License-Identifier: MIT */
/* exe.c — the running binary's path from /proc/self/exe (see exe.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/exe.h"

const char *exe_path(char *buf, size_t n)
{
	ssize_t k = n > 1 ? readlink("/proc/self/exe", buf, n - 1) : -1;

	/* k == n - 1 may be a truncated path: a wrong command is worse than the bare name */
	if (k <= 0 || (size_t)k >= n - 1) {
		if (n > 0)
			snprintf(buf, n, "mi32");
		return buf;
	}
	buf[k] = '\0';
	return buf;
}
