/* SPDX-License-Identifier: MIT */
/* fuzz_web.c — the web interface's own parsers on arbitrary bytes: form bodies and query
 * strings (percent-decoding on libmicrohttpd's decoder) and the mi32cfg editor's per-row
 * check. Outputs must stay NUL-terminated and inside their buffers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sink/web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char out[64], big[WEB_PARAM_MAX + 1];
	char *json = malloc(1 << 20);
	struct jw w;
	int n;

	if (!s || !json)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	n = web_form_get(s, size, "cmnd", big, sizeof(big));
	if (n >= 0 && (size_t)n != strlen(big))
		abort();
	n = web_form_get(s, size, "password", out, sizeof(out));
	if (n >= (int)sizeof(out))
		abort();
	n = web_url_decode(s, size, out, sizeof(out));
	if (n >= 0 && (size_t)n != strlen(out))
		abort();
	(void)web_secret_eq(s, "pw");
	jw_init(&w, json, 1 << 20);
	web_json_cfg_check(s, size, size & 1, &w);
	if (jw_finish(&w) < 0)
		abort();
	free(json);
	free(s);
	return 0;
}
