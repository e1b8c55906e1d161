/* SPDX-License-Identifier: MIT */
/* fuzz_config.c — the config file parser on arbitrary text; an input starting with "--" is
 * instead a command line, one argument a line (after --config=/dev/null, so no file is read). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CONFIG_ERR_LEN];
	struct config c;

	if (config_init(&c) < 0)
		return 0;
	if (size >= 2 && data[0] == '-' && data[1] == '-') {
		char *text = malloc(size + 1), **argv = calloc(size + 3, sizeof(char *));
		int argc = 0;

		if (text && argv) {
			memcpy(text, data, size);
			text[size] = '\0';
			argv[argc++] = "run";
			argv[argc++] = "--config=/dev/null";
			for (char *p = text, *nl; p; p = nl) {
				nl = strchr(p, '\n');
				if (nl)
					*nl++ = '\0';
				argv[argc++] = p;
			}
			argv[argc] = NULL;
			config_parse_args(&c, argc, argv, err);
		}
		free(text);
		free(argv);
	} else {
		config_load_text(&c, (const char *)data, size, "fuzz.conf", err);
	}
	config_free(&c);
	return 0;
}
