/* SPDX-License-Identifier: MIT */
/* statefile.h — the daemon's files of state (mi32cfg, the HomeKit pairings): read whole with
 * a size and type check, replaced atomically through any symbolic link (a temporary copy
 * beside the real file, fsync, rename, fsync of the directory), and the temporary copies
 * that killed saves left swept at start. They hold keys, so everything written is 0600.
 * The reasons go to err[errlen] as "<path>: <why>". */
#ifndef MI32_STATEFILE_H
#define MI32_STATEFILE_H

#include <stddef.h>

/* The whole of @path, a regular file of at most @max bytes, into a new NUL-terminated
 * buffer (*out, *len without the NUL). Returns 0; -ENOENT; -EISDIR or -EINVAL when it is not
 * a regular file (err says what it is); -EFBIG over @max; -ENOMEM; another -errno. A FIFO
 * never blocks the caller. */
int statefile_read(const char *path, size_t max, char **out, size_t *len, char *err,
		   size_t errlen);

/* Replace @path with @len bytes at @data, atomically: a reader sees the old file or the new
 * one, never a part, even after a crash. A symbolic link is kept and its target replaced.
 * Returns 0 or -errno; on failure the old file is unchanged (err says so). */
int statefile_write(const char *path, const void *data, size_t len, char *err, size_t errlen);

/* Remove the "<path>.tmp.<pid>" copies whose process is gone, beside @path and beside the
 * target of a link. *removed counts them. 0 or -errno. */
int statefile_clean_stale(const char *path, unsigned int *removed, char *err, size_t errlen);

#endif
