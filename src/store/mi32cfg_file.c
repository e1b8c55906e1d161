/* SPDX-License-Identifier: MIT */
/* mi32cfg_file.c — the mi32cfg file on disk, through util/statefile (size and type checks,
 * atomic saves through links, 0600, stale copies swept) with the sensor list's own words for
 * what goes wrong. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/mi32cfg.h"
#include "util/statefile.h"

int mi32cfg_load(const char *path, struct mi32cfg **out, char err[MI32CFG_ERR_LEN])
{
	char why[MI32CFG_ERR_LEN];
	char *text;
	size_t len;
	int r;

	*out = NULL;
	r = statefile_read(path, MI32CFG_FILE_MAX, &text, &len, err, MI32CFG_ERR_LEN);
	if (r == -ENOENT)
		snprintf(err, MI32CFG_ERR_LEN,
			 "%s: no such file, starting with an empty sensor list", path);
	else if (r == -EFBIG)
		snprintf(err, MI32CFG_ERR_LEN, "%s: larger than %u bytes, the most a sensor list "
			 "may hold (about 10,000 sensors): not a sensor list", path,
			 MI32CFG_FILE_MAX);
	if (r < 0)
		return r;
	why[0] = '\0';
	r = mi32cfg_parse(text, len, out, why);
	free(text);
	if (r < 0)
		snprintf(err, MI32CFG_ERR_LEN, "%s: %s", path, why);
	return r;
}

int mi32cfg_save(const char *path, const struct mi32cfg *cfg, char err[MI32CFG_ERR_LEN])
{
	char *text;
	size_t len;
	int r;

	if (mi32cfg_format(cfg, &text, &len) < 0) {
		snprintf(err, MI32CFG_ERR_LEN, "%s: out of memory", path);
		return -ENOMEM;
	}
	r = statefile_write(path, text, len, err, MI32CFG_ERR_LEN);
	free(text);
	return r;
}

int mi32cfg_clean_stale(const char *path, unsigned int *removed, char err[MI32CFG_ERR_LEN])
{
	return statefile_clean_stale(path, removed, err, MI32CFG_ERR_LEN);
}
