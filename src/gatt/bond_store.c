/* SPDX-License-Identifier: MIT */
/* bond_store.c — the IRK and the long-term key's authentication of bluetoothd's info key
 * file (bond_store.h). The file is a GLib key file: "[Group]" lines, "Key=Value" lines, "#"
 * comments; bluetoothd writes the IRK as "[IdentityResolvingKey]\nKey=<32 upper-case hex
 * digits>" (BlueZ src/adapter.c store_irk) and each LTK with "Authenticated=<key type>". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
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

/* The value of "Key=…" on @line (blanks allowed around '='), or NULL: "KeyType=…" and
 * other keys that merely start with @key are not it. */
static const char *value_of(const char *line, size_t n, const char *key, size_t *vn)
{
	size_t kn = strlen(key);
	const char *v = line + kn;

	if (n <= kn || memcmp(line, key, kn))
		return NULL;
	*vn = n - kn;
	trim(&v, vn);
	if (!*vn || v[0] != '=')
		return NULL;
	v++;
	(*vn)--;
	trim(&v, vn);
	return v;
}

/* The groups bluetoothd keeps a long-term key in: ours as central, and as peripheral under
 * its new name and the old one it still writes (src/adapter.c store_longtermkey). */
static bool ltk_group(const char *line, size_t n)
{
	static const char *const groups[] = { "[LongTermKey]", "[PeripheralLongTermKey]",
					      "[SlaveLongTermKey]" };

	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (n == strlen(groups[i]) && !memcmp(line, groups[i], n))
			return true;
	return false;
}

void bond_store_parse_info(const char *text, size_t len, struct bond_info *out)
{
	static const char irk_group[] = "[IdentityResolvingKey]";
	const char *p = text, *end = text + len;
	enum { OTHER, IRK, LTK } group = OTHER;

	out->irk_status = -ENOENT;
	out->ltk_auth = -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line = p, *v;
		size_t n = (size_t)((nl ? nl : end) - p), vn;

		p = nl ? nl + 1 : end;
		trim(&line, &n);
		if (!n || line[0] == '#')
			continue;
		if (line[0] == '[') {
			group = n == sizeof(irk_group) - 1 && !memcmp(line, irk_group, n) ? IRK
				: ltk_group(line, n)				   ? LTK
											   : OTHER;
			continue;
		}
		if (group == IRK && out->irk_status == -ENOENT && (v = value_of(line, n, "Key", &vn))) {
			char hex[33];

			out->irk_status = -EBADMSG;
			if (vn == 32) {
				memcpy(hex, v, 32);
				hex[32] = '\0';
				if (hex_decode(hex, out->irk, 16) == 16)
					out->irk_status = 0;
			}
		} else if (group == LTK && (v = value_of(line, n, "Authenticated", &vn))) {
			/* the mgmt key type of the LTK: 0/1 legacy, 2/3 LE Secure Connections,
			 * 4 debug; 1 and 3 were made with MITM protection (mgmt-api, New Long
			 * Term Key). One group says so: the bond is authenticated. */
			if (vn == 1 && v[0] >= '0' && v[0] <= '4' && out->ltk_auth < 1)
				out->ltk_auth = v[0] == '1' || v[0] == '3';
		}
	}
}

int bond_store_parse(const char *text, size_t len, uint8_t irk[16])
{
	struct bond_info in;

	bond_store_parse_info(text, len, &in);
	if (!in.irk_status)
		memcpy(irk, in.irk, 16);
	return in.irk_status;
}

int bond_store_read(const char *dir, const uint8_t adapter[6], const uint8_t peer[6],
		    struct bond_info *out)
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
	bond_store_parse_info(text, got, out);
	return 0;
}

int bond_store_irk(const char *dir, const uint8_t adapter[6], const uint8_t peer[6],
		   uint8_t irk[16])
{
	struct bond_info in;
	int r = bond_store_read(dir, adapter, peer, &in);

	if (r < 0)
		return r;
	if (!in.irk_status)
		memcpy(irk, in.irk, 16);
	return in.irk_status;
}
