/* SPDX-License-Identifier: MIT */
/* test_statefile.c — the generic state file: binary content round trip, the size limit at
 * its exact edge, a FIFO refused without blocking, mode 0600 under a wide umask, a link kept
 * while its target is replaced, and stale copies swept. (mi32cfg's own tests cover the same
 * through mi32cfg_load/save with the sensor list's messages.) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/statefile.h"

#include "../util/tmpdir.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	return tmpdir_make(dir, "statefile");
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir);
}

static void round_trip_and_limit(void **state)
{
	static const uint8_t data[] = { 'a', 0, 'b', 0xff, '\n' };
	char path[128], err[160], *out;
	size_t len;
	struct stat st;
	mode_t old = umask(0);

	(void)state;
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(statefile_read(path, 100, &out, &len, err, sizeof(err)), -ENOENT);
	assert_int_equal(statefile_write(path, data, sizeof(data), err, sizeof(err)), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(statefile_read(path, 5, &out, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(out, data, 5);
	assert_int_equal(out[5], '\0');
	free(out);
	assert_int_equal(statefile_read(path, 4, &out, &len, err, sizeof(err)), -EFBIG);
	assert_null(out);
	assert_non_null(strstr(err, "larger than 4 bytes"));
}

static void fifo_and_directory(void **state)
{
	char path[128], err[160], *out;
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(statefile_read(path, 100, &out, &len, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "a FIFO"));
	assert_int_equal(statefile_read(dir, 100, &out, &len, err, sizeof(err)), -EISDIR);
}

static void link_kept_and_stale_swept(void **state)
{
	char target[128], link[128], stale[160], err[160], *out;
	size_t len;
	unsigned int removed;
	struct stat st;
	FILE *f;

	(void)state;
	snprintf(target, sizeof(target), "%s/real", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink("real", link), 0);
	assert_int_equal(statefile_write(link, "one", 3, err, sizeof(err)), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(statefile_read(target, 10, &out, &len, err, sizeof(err)), 0);
	assert_string_equal(out, "one");
	free(out);

	/* a copy left by a process that is gone (pid 1 is alive; a huge one is not) */
	snprintf(stale, sizeof(stale), "%s.tmp.%d", target, 2147483646);
	f = fopen(stale, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(statefile_clean_stale(link, &removed, err, sizeof(err)), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(access(stale, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(round_trip_and_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(fifo_and_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(link_kept_and_stale_swept, setup, teardown),
	};
	return cmocka_run_group_tests_name("statefile", tests, NULL, NULL);
}
