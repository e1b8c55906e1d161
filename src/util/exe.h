/* SPDX-License-Identifier: MIT */
/* exe.h — the real path of the running binary, for messages that tell the user a command to
 * run on it ("setcap … /usr/bin/mi32"). */
#ifndef MI32_EXE_H
#define MI32_EXE_H

#include <stddef.h>

/* The target of /proc/self/exe in @buf (@n bytes), or "mi32" when it cannot be read or does
 * not fit. Returns @buf. */
const char *exe_path(char *buf, size_t n);

#endif
