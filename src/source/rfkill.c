/* SPDX-License-Identifier: MIT */
/* rfkill.c — an adapter's rfkill block, read from sysfs (see rfkill.h for why). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "source/rfkill.h"

/* "0\n" or "1\n" -> 0/1; -errno. */
static int read_flag(const char *dir, const char *sw, const char *name)
{
	char path[512], v[4];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sw, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, v, sizeof(v));
	close(fd);
	if (n < 1 || (v[0] != '0' && v[0] != '1'))
		return -EBADMSG;
	return v[0] == '1';
}

int rfkill_blocked(const char *sysfs, uint16_t index)
{
	char dir[256];
	struct dirent *e;
	DIR *d;
	int soft = -ENOENT, hard = 0;

	snprintf(dir, sizeof(dir), "%s/class/bluetooth/hci%u", sysfs ? sysfs : RFKILL_SYSFS,
		 index);
	d = opendir(dir);
	if (!d)
		return -errno;
	/* the switch is a child named rfkillM, M the switch's own number */
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "rfkill", 6) != 0)
			continue;
		soft = read_flag(dir, e->d_name, "soft");
		hard = read_flag(dir, e->d_name, "hard");
		break;
	}
	closedir(d);
	if (soft < 0)
		return soft;
	if (hard < 0)
		return hard;
	return (soft ? RFKILL_SOFT : 0) | (hard ? RFKILL_HARD : 0);
}

void rfkill_describe(uint16_t index, int blocked, char *buf, size_t size)
{
	if (blocked & RFKILL_HARD)
		snprintf(buf, size, "hci%u: the radio is blocked by rfkill (hard block: a "
				    "hardware switch or the firmware turned the radio off)%s",
			 index, (blocked & RFKILL_SOFT) ? ", and soft-blocked too (rfkill "
							  "unblock bluetooth)" : "");
	else
		snprintf(buf, size, "hci%u: the radio is blocked by rfkill (soft block): rfkill "
				    "unblock bluetooth", index);
}
