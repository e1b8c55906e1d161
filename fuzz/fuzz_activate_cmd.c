/* SPDX-License-Identifier: MIT */
/* fuzz_activate_cmd.c — MI32Activate's arguments (a MAC or a slot, optionally "legacy") on
 * arbitrary bytes, through the command table as every channel runs it, against a list of
 * three sensors and GATT off: whatever the bytes, the reply is one JSON object that either
 * names the argument that is wrong or says GATT is off, and nothing is started. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cmd/commands.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *st;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t macs[3][6] = { { 0xA4, 0xC1, 0x38, 0, 0, 7 },
					    { 0xE4, 0xAA, 0xEC, 0, 0, 8 },
					    { 0x58, 0x2D, 0x34, 0, 0, 9 } };
	struct commands_ctx c = { 0 };
	char line[CMD_LINE_MAX], out[4096];
	const cJSON *v;
	cJSON *j;
	size_t n = size < CMD_LINE_MAX - 14 ? size : CMD_LINE_MAX - 14;

	if (!st) {
		st = store_new(NULL);
		if (!st)
			abort();
		for (int i = 0; i < 3; i++)
			store_add_sensor(st, macs[i], 0x055B, NULL);
	}
	c.store = st;
	memcpy(line, "MI32Activate ", 13);
	memcpy(line + 13, data, n);
	line[13 + n] = '\0';
	if (strlen(line) != 13 + n)
		return 0; /* a NUL inside: not a line any channel hands over */
	commands_exec(&c, line, out, sizeof(out));
	j = cJSON_Parse(out);
	if (!j)
		abort();
	v = cJSON_GetObjectItemCaseSensitive(j, "MI32Activate");
	/* never started (no GATT): an error with a reason, or the command is not recognised */
	if (v && (!cJSON_IsString(v) || strcmp(v->valuestring, "Error") ||
		  !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "Reason"))))
		abort();
	if (c.activate_pending)
		abort();
	cJSON_Delete(j);
	return 0;
}
