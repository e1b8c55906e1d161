/* SPDX-License-Identifier: MIT */
/* mi32cfg_rows.c — the editor's per-row check of a mi32cfg text (mi32cfg_rows.h), on the
 * element checker of mi32cfg.c. */
#include <errno.h>

#include <cjson/cJSON.h>

#include "store/mi32cfg_int.h"
#include "store/mi32cfg_rows.h"

static const char *str_of(const cJSON *el, const char *key)
{
	const cJSON *v = cJSON_IsObject(el) ? cJSON_GetObjectItemCaseSensitive(el, key) : NULL;

	return cJSON_IsString(v) ? v->valuestring : "";
}

int mi32cfg_rows(const char *text, size_t len, mi32cfg_row_fn fn, void *ud)
{
	cJSON *root = cJSON_ParseWithLength(text, len);
	const cJSON *el;
	int n = 0, r = 0;

	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return -EBADMSG;
	}
	cJSON_ArrayForEach(el, root) {
		struct mi32cfg_entry e;
		char why[200];
		struct mi32cfg_row row = { str_of(el, "MAC"), str_of(el, "PID"),
					   str_of(el, "name"), NULL, NULL };

		r = mi32cfg__element(el, &e, why, sizeof(why));
		if (r == -ENOMEM)
			break;
		if (r == 0)
			row.entry = &e;
		else if (r == 1)
			row.error = "an element without MAC and PID belongs to the element before it";
		else
			row.error = why;
		fn(ud, &row);
		n++;
		r = 0;
	}
	cJSON_Delete(root);
	return r < 0 ? r : n;
}
