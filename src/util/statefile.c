/* SPDX-License-Identifier: MIT */
/* statefile.c — see statefile.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/errbuf.h"
#include "util/statefile.h"

#define LINK_HOPS 40 /* the kernel's own limit (MAXSYMLINKS) */

static const char *file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/* Read at most @max + 1 bytes (and room for a NUL): the size was checked, but the file may
 * grow. */
static int read_capped(int fd, size_t hint, size_t max, char **out, size_t *len)
{
	size_t cap = (hint < max ? hint : max) + 2, n = 0;
	char *buf = malloc(cap);

	*out = NULL;
	*len = 0;
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n == cap - 1) {
			char *b;

			if (cap > max + 1)
				break; /* past the limit: the caller refuses it */
			cap = max + 2;
			b = realloc(buf, cap);
			if (!b) {
				free(buf);
				return -ENOMEM;
			}
			buf = b;
		}
		r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;

			free(buf);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int statefile_read(const char *path, size_t max, char **out, size_t *len, char *err,
		   size_t errlen)
{
	struct stat st;
	int fd, r;

	*out = NULL;
	*len = 0;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer (it hung start-up) */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		errbuf_set(err, errlen, "%s: cannot open: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		errbuf_set(err, errlen, "%s: cannot read: %s", path, strerror(-r));
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errbuf_set(err, errlen, "%s: cannot read: it is %s, not a regular file", path,
			   file_kind(st.st_mode));
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	r = (size_t)st.st_size > max ? -EFBIG : read_capped(fd, (size_t)st.st_size, max, out, len);
	close(fd);
	if (r == 0 && *len > max) {
		free(*out);
		*out = NULL;
		*len = 0;
		r = -EFBIG;
	}
	if (r == -EFBIG)
		errbuf_set(err, errlen, "%s: larger than %zu bytes", path, max);
	else if (r < 0)
		errbuf_set(err, errlen, "%s: cannot read: %s", path, strerror(-r));
	return r;
}

/* The file @path stands for, following symbolic links, so a save replaces the link's target
 * and the link stays. A dangling link resolves to where it points (the save creates it).
 * Returns a new string, or NULL with errno set (ELOOP, ENOMEM, or readlink's error). */
static char *resolve(const char *path)
{
	char *p = strdup(path);

	for (int hops = 0; p; hops++) {
		char target[PATH_MAX];
		struct stat st;
		const char *slash;
		char *next;
		ssize_t n;

		if (lstat(p, &st) < 0 || !S_ISLNK(st.st_mode))
			return p; /* not a link (or absent): open() says what is wrong, if anything */
		if (hops == LINK_HOPS) {
			free(p);
			errno = ELOOP;
			return NULL;
		}
		n = readlink(p, target, sizeof(target) - 1);
		if (n < 0) {
			int e = errno;

			free(p);
			errno = e;
			return NULL;
		}
		target[n] = '\0';
		slash = strrchr(p, '/');
		if (target[0] == '/' || !slash) {
			next = strdup(target);
		} else { /* relative to the link's directory */
			size_t d = (size_t)(slash - p) + 1;

			next = malloc(d + (size_t)n + 1);
			if (next) {
				memcpy(next, p, d);
				memcpy(next + d, target, (size_t)n + 1);
			}
		}
		free(p);
		p = next;
	}
	errno = ENOMEM;
	return NULL;
}

static int write_all(int fd, const void *data, size_t n)
{
	const char *p = data;

	while (n) {
		ssize_t r = write(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* The directory part of @path ("." when none, "/" for "/x"); a new string or NULL. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* fsync the directory holding @path so the rename itself is durable. */
static int sync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd, r = 0;

	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -errno;
	/* Some file systems cannot sync a directory; that is no reason to fail a save. */
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		r = -errno;
	close(fd);
	return r;
}

int statefile_write(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
	size_t tmplen;
	char *tmp = NULL, *real;
	int fd, r;

	real = resolve(path);
	if (!real) {
		r = -errno;
		errbuf_set(err, errlen, "%s: cannot follow the symbolic link: %s", path,
			 strerror(-r));
		return r;
	}
	tmplen = strlen(real) + 32;
	tmp = malloc(tmplen);
	if (!tmp) {
		errbuf_set(err, errlen, "%s: out of memory", path);
		r = -ENOMEM;
		goto out;
	}
	/* next to the real file: rename() is atomic only within one directory */
	snprintf(tmp, tmplen, "%s.tmp.%ld", real, (long)getpid());
	/* keys are secrets: 0600 from the first byte, never wider */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == EEXIST && unlink(tmp) == 0) /* left by a crash of this pid */
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = -errno;
		errbuf_set(err, errlen, "%s: cannot create %s: %s", path, tmp,
			 strerror(-r));
		goto out;
	}
	r = write_all(fd, data, len);
	if (r == 0 && fchmod(fd, 0600) < 0) /* a umask may have taken the owner's write bit */
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		errbuf_set(err, errlen, "%s: cannot write %s: %s; the old file is unchanged",
			 path, tmp, strerror(-r));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, real) < 0) {
		r = -errno;
		errbuf_set(err, errlen, "%s: cannot replace it with %s: %s; the old file is "
			 "unchanged", path, tmp, strerror(-r));
		unlink(tmp);
		goto out;
	}
	r = sync_dir(real);
	if (r < 0)
		errbuf_set(err, errlen, "%s: written, but syncing its directory failed: %s",
			 path, strerror(-r));
out:
	free(tmp);
	free(real);
	return r;
}

/* "<base>.tmp.<pid>" whose process is gone (or is us: nothing of ours is in flight yet)?
 * Returns true for a name to remove. */
static bool stale_name(const char *name, const char *base, size_t blen)
{
	const char *p = name + blen + 5;
	char *end;
	long pid;

	if (strncmp(name, base, blen) || strncmp(name + blen, ".tmp.", 5) || *p < '1' ||
	    *p > '9')
		return false;
	errno = 0;
	pid = strtol(p, &end, 10);
	if (*end || errno || pid <= 0 || pid > INT_MAX)
		return false;
	if (pid == (long)getpid())
		return true;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH; /* EPERM: alive, someone else's */
}

static int sweep_dir(const char *file, unsigned int *removed)
{
	char *dir = dir_of(file);
	const char *slash = strrchr(file, '/');
	const char *base = slash ? slash + 1 : file;
	size_t blen = strlen(base);
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (!dir)
		return -ENOMEM;
	d = opendir(dir);
	free(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!stale_name(de->d_name, base, blen))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			(*removed)++;
		else if (errno != ENOENT)
			r = -errno;
	}
	closedir(d);
	return r;
}

int statefile_clean_stale(const char *path, unsigned int *removed, char *err, size_t errlen)
{
	char *real = resolve(path);
	int r;

	*removed = 0;
	r = sweep_dir(path, removed);
	/* the copies of a linked file sit next to its target (and, before links were
	 * followed, sat next to the link) */
	if (r == 0 && real && strcmp(real, path))
		r = sweep_dir(real, removed);
	free(real);
	if (r < 0)
		errbuf_set(err, errlen, "%s: cannot remove stale temporary copies: %s",
			 path, strerror(-r));
	return r;
}
