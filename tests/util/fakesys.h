/* SPDX-License-Identifier: MIT */
/* fakesys.h — a folder that plays sysfs for the rfkill readers (source/rfkill.h): adapters
 * under class/bluetooth/hciN with an rfkill switch whose soft/hard files the test sets.
 * Include after <cmocka.h>. */
#ifndef MI32_TEST_FAKESYS_H
#define MI32_TEST_FAKESYS_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* A new empty root in /tmp: @root gets its path. */
static inline void fakesys_new(char root[64])
{
	snprintf(root, 64, "/tmp/mi32-fakesys-XXXXXX");
	assert_non_null(mkdtemp(root));
}

static inline void fakesys_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* hci@index with the switch rfkill@sw, blocked as @soft/@hard say. */
static inline void fakesys_rfkill(const char *root, unsigned int index, unsigned int sw,
				  int soft, int hard)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/class", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/class/bluetooth", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/class/bluetooth/hci%u", root, index);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/class/bluetooth/hci%u/rfkill%u", root, index, sw);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/class/bluetooth/hci%u/rfkill%u/soft", root, index, sw);
	fakesys_write(p, soft ? "1\n" : "0\n");
	snprintf(p, sizeof(p), "%s/class/bluetooth/hci%u/rfkill%u/hard", root, index, sw);
	fakesys_write(p, hard ? "1\n" : "0\n");
}

static inline void fakesys_free(const char *root)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

#endif
