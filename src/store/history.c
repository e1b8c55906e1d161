/* SPDX-License-Identifier: MIT */
/* history.c — the 24 h dashboard history (SPEC §10.3, latest scaling): one byte per local
 * hour of day and metric, 0 = no data, else 0x80 | 1..127; plus a "heard" bit per hour.
 * When the hour changes the coming hour is cleared, so data older than ~23 h disappears. */
#include <string.h>
#include <time.h>

#include "store/store_int.h"

/* Tasmota's changeIntScale() onto 1..127 with clamping; values are passed as integers
 * (truncated), as the firmware does. */
uint8_t store__hist_scale(double v, int lo, int hi)
{
	long x;

	if (!(v == v))
		return 0;
	if (v < lo)
		v = lo;
	if (v > hi)
		v = hi;
	x = (long)v;
	return (uint8_t)(1 + ((x - lo) * 126 + (hi - lo) / 2) / (hi - lo));
}

static void clear_hour(struct store *s, unsigned int h)
{
	for (unsigned int i = 0; i < s->n; i++) {
		struct sensor *se = s->slots[i];

		for (unsigned int k = 0; k < SENSOR_HIST_KINDS; k++)
			se->hist[k][h] = 0;
		se->heard &= ~(1u << h);
	}
}

/* The hour changed from @old to @now_h: clear the hours in between and the coming one.
 * A backwards step (DST end, clock set back) clears only the coming hour; a gap of a day
 * or more clears everything. */
static void hour_changed(struct store *s, int old, int now_h, int64_t old_start, int64_t now_s)
{
	unsigned int k = (unsigned int)(now_h - old + 24) % 24;

	if (now_s - old_start >= 23 * 3600) {
		for (unsigned int h = 0; h < 24; h++)
			clear_hour(s, h);
		return;
	}
	if (k == 0 || k > 12) {
		clear_hour(s, (unsigned int)(now_h + 1) % 24);
		return;
	}
	for (unsigned int i = 1; i <= k + 1; i++)
		clear_hour(s, (unsigned int)(old + (int)i) % 24);
}

int store__local_hour(struct store *s, uint64_t now_us)
{
	int64_t now_s = (int64_t)(now_us / 1000000u);
	time_t t = (time_t)now_s;
	struct tm tm;
	int old = s->hour;
	int64_t old_start = s->hour_start;

	/* localtime_r costs about a microsecond; within the cached hour it is not called */
	if (old >= 0 && now_s >= s->hour_start && now_s < s->hour_end)
		return old;
	if (!localtime_r(&t, &tm))
		return old >= 0 ? old : 0;
	s->hour = tm.tm_hour;
	s->hour_start = now_s - tm.tm_min * 60 - tm.tm_sec;
	s->hour_end = s->hour_start + 3600;
	if (old >= 0 && (old != s->hour || now_s - old_start >= 23 * 3600))
		hour_changed(s, old, s->hour, old_start, now_s);
	return s->hour;
}

void store__hist_hour_check(struct store *s, uint64_t now_us)
{
	(void)store__local_hour(s, now_us);
}

void store__hist_heard(struct store *s, struct sensor *se, uint64_t now_us)
{
	se->heard |= 1u << store__local_hour(s, now_us);
}

void store__hist_record(struct store *s, struct sensor *se, enum sensor_hist kind, double v,
			uint64_t now_us)
{
	int h = store__local_hour(s, now_us);
	uint8_t *b = &se->hist[kind][h];

	switch (kind) {
	case SENSOR_HIST_TEMP:
		*b = SENSOR_HIST_VALID | store__hist_scale(v, -20, 60);
		break;
	case SENSOR_HIST_HUM:
		*b = SENSOR_HIST_VALID | store__hist_scale(v, 0, 100);
		break;
	case SENSOR_HIST_LUX:
		*b = SENSOR_HIST_VALID | store__hist_scale(v, 0, 1000);
		break;
	case SENSOR_HIST_SIGHTINGS:
		if ((*b & SENSOR_HIST_VALID) && (*b & 0x7f) < 127)
			(*b)++;
		else if (!(*b & SENSOR_HIST_VALID))
			*b = SENSOR_HIST_VALID | 1;
		break;
	}
}
