/* SPDX-License-Identifier: MIT */
/* test_vectors.c — every advertisement of shared/vectors through the shipped decoder
 * (the `mi32 decode` line function), one named cmocka case per vector, each expected value
 * checked with the tolerance of shared/tools/check-vectors. The vectors are read where they
 * are, never copied into the project; without shared/ the test says so and skips. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "app/decode_line.h"

/* normalised vector key -> mi32 values key, tolerance (as check-vectors) */
static const struct {
	const char *vec;
	const char *key;
	double tol;
} keymap[] = {
	{ "temperature", "Temperature", 0.06 }, { "humidity", "Humidity", 0.06 },
	{ "battery", "Battery", 0 },            { "voltage", "Voltage", 0.002 },
	{ "illuminance", "Illuminance", 0.51 }, { "moisture", "Moisture", 0.51 },
	{ "conductivity", "Fertility", 0.51 },  { "motion", "Motion", 0 },
	{ "no_motion_time", "NMT", 0 },         { "light", "Light", 0 },
	{ "opening", "Door", 0 },               { "door", "Door", 0 },
	{ "leak", "Leak", 0 },                  { "moisture_detected", "Leak", 0 },
	{ "pressure", "Pressure", 0.051 },      { "co2", "CO2", 0.51 },
	{ "weight", "Weight", 0.006 },          { "formaldehyde", "Formaldehyde", 0.006 },
	{ "pm25", "PM2.5", 0.51 },              { "pm10", "PM10", 0.51 },
	{ "dew_point", "DewPoint", 0.06 },      { "window", "Window", 0 },
	{ "smoke", "Smoke", 0 },
};

struct vec {
	char *line;
	char name[160];
};

static struct vec *vecs;
static size_t n_vecs;

static bool as_number(const cJSON *j, double *v)
{
	if (cJSON_IsBool(j)) {
		*v = cJSON_IsTrue(j);
		return true;
	}
	if (cJSON_IsNumber(j)) {
		*v = j->valuedouble;
		return true;
	}
	if (cJSON_IsString(j)) {
		static const char *on[] = { "on", "open", "true", "detected", "motion", "wet" };
		static const char *off[] = { "off", "closed", "close", "false", "clear", "dry" };
		char *end;

		for (size_t i = 0; i < 6; i++) {
			if (strcasecmp(j->valuestring, on[i]) == 0)
				return (*v = 1), true;
			if (strcasecmp(j->valuestring, off[i]) == 0)
				return (*v = 0), true;
		}
		*v = strtod(j->valuestring, &end);
		return end != j->valuestring && *end == '\0';
	}
	return false;
}

/* As check-vectors: a vector counts when it expects an error or a value we map. */
static bool checkable(const cJSON *expect)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, expect)
		for (size_t k = 0; k < sizeof(keymap) / sizeof(keymap[0]); k++)
			if (strcmp(keymap[k].vec, e->string) == 0)
				return true;
	return false;
}

static void check_vector(void **state)
{
	const struct vec *v = *state;
	char out[DECODE_LINE_OUT_MAX];
	cJSON *vj = cJSON_Parse(v->line), *res;
	const cJSON *expect, *err, *vals, *e;

	assert_non_null(vj);
	decode_line(v->line, out, sizeof(out));
	res = cJSON_Parse(out);
	if (!res)
		fail_msg("%s: output is not JSON: %s", v->name, out);
	err = cJSON_GetObjectItemCaseSensitive(vj, "expect_error");
	if (cJSON_IsString(err)) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "ok")))
			fail_msg("%s: expected error %s, got %s", v->name, err->valuestring, out);
		/* the error must be the one the vector names, not any error */
		assert_string_equal(
			cJSON_GetObjectItemCaseSensitive(res, "error")->valuestring,
			err->valuestring);
		goto done;
	}
	expect = cJSON_GetObjectItemCaseSensitive(vj, "expect");
	if (!checkable(expect))
		goto done; /* nothing published to compare: decoding it must just not crash */
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "ok")))
		fail_msg("%s: expected values, got %s", v->name, out);
	vals = cJSON_GetObjectItemCaseSensitive(res, "values");
	cJSON_ArrayForEach(e, expect)
	{
		for (size_t k = 0; k < sizeof(keymap) / sizeof(keymap[0]); k++) {
			const cJSON *g;
			double want, got;

			if (strcmp(keymap[k].vec, e->string) != 0)
				continue;
			if (!as_number(e, &want))
				continue;
			g = cJSON_GetObjectItemCaseSensitive(vals, keymap[k].key);
			if (!g)
				fail_msg("%s: %s missing (want %g) in %s", v->name, keymap[k].key,
					 want, out);
			assert_true(as_number(g, &got));
			/* xiaomi-ble truncates stock LYWSD03MMC humidity to whole percent */
			if (strcmp(keymap[k].key, "Humidity") == 0 && cJSON_IsNumber(e) &&
			    e->valuedouble == floor(e->valuedouble) && fabs(got - want) < 1)
				continue;
			if (fabs(got - want) > keymap[k].tol + 1e-9)
				fail_msg("%s: %s=%g want %g", v->name, keymap[k].key, got, want);
		}
	}
done:
	cJSON_Delete(res);
	cJSON_Delete(vj);
}

static void vectors_absent(void **state)
{
	(void)state;
	print_message("SKIPPED: %s is absent; the vector test did not run\n", MI32_VECTORS_DIR);
	skip();
}

static void load(const char *file)
{
	char path[1024];
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned int idx = 0;

	snprintf(path, sizeof(path), "%s/%s", MI32_VECTORS_DIR, file);
	f = fopen(path, "r");
	if (!f)
		return;
	while ((len = getline(&line, &cap, f)) > 0) {
		cJSON *j = cJSON_Parse(line);
		const cJSON *id;

		if (!j)
			continue;
		vecs = realloc(vecs, (n_vecs + 1) * sizeof(*vecs));
		assert_non_null(vecs);
		vecs[n_vecs].line = strdup(line);
		id = cJSON_GetObjectItemCaseSensitive(j, "id");
		/* ids repeat (one test case, several frames): number them */
		snprintf(vecs[n_vecs].name, sizeof(vecs[n_vecs].name), "%s#%u",
			 cJSON_IsString(id) ? id->valuestring : file, idx++);
		n_vecs++;
		cJSON_Delete(j);
	}
	free(line);
	fclose(f);
}

int main(void)
{
	static const char *files[] = { "xiaomi_ble.jsonl", "ble_monitor.jsonl",
				       "bthome_ble.jsonl", "theengs_decoder.jsonl" };
	struct CMUnitTest *tests;
	int rc;

	for (size_t i = 0; i < 4; i++)
		load(files[i]);
	if (n_vecs == 0) {
		const struct CMUnitTest skip_tests[] = { cmocka_unit_test(vectors_absent) };
		return cmocka_run_group_tests_name("vectors", skip_tests, NULL, NULL);
	}
	tests = calloc(n_vecs, sizeof(*tests));
	for (size_t i = 0; i < n_vecs; i++) {
		tests[i].name = vecs[i].name;
		tests[i].test_func = check_vector;
		tests[i].initial_state = &vecs[i];
	}
	rc = _cmocka_run_group_tests("vectors", tests, n_vecs, NULL, NULL);
	for (size_t i = 0; i < n_vecs; i++)
		free(vecs[i].line);
	free(vecs);
	free(tests);
	return rc;
}
