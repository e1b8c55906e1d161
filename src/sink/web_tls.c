/* SPDX-License-Identifier: MIT */
/* web_tls.c — the certificate and key of HTTPS (--web-cert, --web-key), read for
 * libmicrohttpd's GnuTLS with a clear error for a file that is missing, unreadable, not a
 * regular file, too large or not PEM. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sink/web_int.h"
#include "util/log.h"

/* The PEM text of --web-cert or --web-key into *@out (NUL-terminated, as libmicrohttpd
 * wants it). Says what is wrong with the file. */
int web__read_pem(const char *path, const char *what, char **out)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	int r = 0;

	if (fd < 0) {
		r = -errno;
		log_err("web: cannot read %s %s: %s", what, path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > WEB_CERT_MAX) {
		log_err("web: %s %s is not a regular file of at most %u bytes", what, path,
			WEB_CERT_MAX);
		close(fd);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		r = n < 0 ? -errno : -EIO;
		log_err("web: cannot read %s %s: %s", what, path, strerror(-r));
		free(buf);
		return r;
	}
	buf[n] = '\0';
	if (!strstr(buf, "-----BEGIN ")) {
		log_err("web: %s %s is not PEM (no \"-----BEGIN\" line)", what, path);
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	return 0;
}

