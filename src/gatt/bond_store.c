/* SPDX-License-Identifier: MIT */
/* bond_store.c — the IRK of bluetoothd's info key file (bond_store.h). The file is a GLib
 * key file: "[Group]" lines, "Key=Value" lines, "#" comments; bluetoothd writes the IRK as
 * "[IdentityResolvingKey]\nKey=<32 upper-case hex digits>" (BlueZ src/adapter.c store_irk). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gatt/bond_store.h"
#include "util/hex.h"

#define INFO_MAX 8192 /* bluetoothd's info files are a few hundred bytes */

/* One line without its end and surrounding blanks: [*s, *s + *n) */
static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

int bond_store_parse(const char *text, size_t len, uint8_t irk[16])
{
	static const char group[] = "[IdentityResolvingKey]";
	const char *p = text, *end = text + len;
	int in_group = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line = p;
		size_t n = (size_t)((nl ? nl : end) - p);

		p = nl ? nl + 1 : end;
		trim(&line, &n);
		if (!n || line[0] == '#')
			continue;
		if (line[0] == '[') {
			in_group = n == sizeof(group) - 1 && !memcmp(line, group, n);
			continue;
		}
		if (in_group && n > 4 && !memcmp(line, "Key", 3)) {
			const char *v = line + 3;
			size_t vn = n - 3;
			char hex[33];

			trim(&v, &vn);
			if (!vn || v[0] != '=')
				continue; /* "KeyType=…" and the like */
			v++;
			vn--;
			trim(&v, &vn);
			if (vn != 32)
				return -EBADMSG;
			memcpy(hex, v, 32);
			hex[32] = '\0';
			return hex_decode(hex, irk, 16) == 16 ? 0 : -EBADMSG;
		}
	}
	return -ENOENT;
}

int bond_store_irk(const char *dir, const uint8_t adapter[6], const uint8_t peer[6],
		   uint8_t irk[16])
{
	char path[512], text[INFO_MAX];
	ssize_t n;
	size_t got = 0;
	int fd;

	snprintf(path, sizeof(path),
		 "%s/%02X:%02X:%02X:%02X:%02X:%02X/%02X:%02X:%02X:%02X:%02X:%02X/info",
		 dir ? dir : BOND_STORE_DIR, adapter[0], adapter[1], adapter[2], adapter[3],
		 adapter[4], adapter[5], peer[0], peer[1], peer[2], peer[3], peer[4], peer[5]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < sizeof(text) && (n = read(fd, text + got, sizeof(text) - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return (int)n;
		}
		got += (size_t)n;
	}
	close(fd);
	return bond_store_parse(text, got, irk);
}
