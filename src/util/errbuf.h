/* SPDX-License-Identifier: MIT */
/* errbuf.h — the parsers' way to say why: a printf into a caller's fixed buffer that may be
 * NULL ("I do not want the reason"). One place, so that every parser truncates the same way. */
#ifndef MI32_ERRBUF_H
#define MI32_ERRBUF_H

#include <stddef.h>

/* Formats into err[len] (always NUL-terminated, truncated if long); does nothing if err is
 * NULL or len is 0. */
void errbuf_set(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
