/* SPDX-License-Identifier: MIT */
/* test_widgets.c — the scripts' dashboard boxes (widgets.c): set, unchanged, replaced,
 * removed, the size cap, the request hooks, the JSON the dashboard reads. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "script/widgets.h"

static int asked;

static void on_request(void *data)
{
	asked += *(int *)data;
}

static void boxes(void **state)
{
	struct widgets *w = widgets_new();
	char out[512], *big = malloc(WIDGETS_HTML_MAX + 2);
	int one = 1, ten = 10;
	struct jw jw;

	(void)state;
	assert_non_null(w);
	assert_false(widgets_take_changed(w));
	assert_int_equal(widgets_set(w, "a.lua", "<p>a</p>"), 1);
	assert_int_equal(widgets_set(w, "b.lua", "<p>\"b\"</p>"), 1);
	assert_true(widgets_take_changed(w));
	assert_int_equal(widgets_set(w, "a.lua", "<p>a</p>"), 0);
	assert_false(widgets_take_changed(w));
	memset(big, 'x', WIDGETS_HTML_MAX + 1);
	big[WIDGETS_HTML_MAX + 1] = '\0';
	assert_int_equal(widgets_set(w, "a.lua", big), -E2BIG);
	big[WIDGETS_HTML_MAX] = '\0';
	assert_int_equal(widgets_set(w, "c.lua", big), 1);
	assert_int_equal(widgets_set(w, "c.lua", ""), 1);
	assert_int_equal(widgets_set(w, "c.lua", NULL), 0);
	assert_int_equal(widgets_set_request(w, "nope", on_request, &one), -ENOENT);
	assert_int_equal(widgets_set_request(w, "a.lua", on_request, &one), 0);
	assert_int_equal(widgets_set_request(w, "b.lua", on_request, &ten), 0);
	widgets_request(w);
	assert_int_equal(asked, 11);
	assert_int_equal(widgets_set(w, "a.lua", NULL), 1); /* its hook goes with it */
	widgets_request(w);
	assert_int_equal(asked, 21);
	jw_init(&jw, out, sizeof(out));
	widgets_json(w, &jw);
	assert_true(jw_finish(&jw) > 0);
	assert_string_equal(out, "[{\"name\":\"b.lua\",\"html\":\"<p>\\\"b\\\"</p>\"}]");
	widgets_free(w);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(boxes),
	};
	return cmocka_run_group_tests_name("widgets", tests, NULL, NULL);
}
