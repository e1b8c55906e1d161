/* SPDX-License-Identifier: MIT */
/* interval.h — a sensor's advertising interval, learned from the gaps between its frames,
 * and the silence after which it counts as gone: Home Assistant's availability (sink/hass)
 * and HomeKit's "No Response" (hap/db) go by the same rule. A thermometer that advertises
 * every 10 s is missed after a minute or so, not after the store's 30-minute stale time. */
#ifndef MI32_INTERVAL_H
#define MI32_INTERVAL_H

#include <stdbool.h>
#include <stdint.h>

#define INTERVAL_RING 15	 /* gaps kept per sensor for the median */
#define INTERVAL_STALE_FACTOR 5	 /* gone after this many median gaps of silence ... */
#define INTERVAL_LEARN_MIN 3	 /* ... once this many gaps are known */

struct interval {
	uint64_t last_us;	/* the last frame (the caller's clock), 0 = none yet */
	float iv[INTERVAL_RING]; /* recent gaps, seconds */
	uint8_t n, pos;
};

/* A frame at @t_us: one more gap (a clock that stood still or went back adds none). */
void interval_heard(struct interval *l, uint64_t t_us);

/* The learned timeout (INTERVAL_STALE_FACTOR × the median of @n gaps in seconds, at least
 * @floor_s); @fallback_s (at least @floor_s) while fewer than INTERVAL_LEARN_MIN are known. */
double interval_timeout(const float *gaps, unsigned int n, double floor_s, double fallback_s);

/* Whether @l has been silent past its timeout at @now_us (false before its first frame). */
bool interval_silent(const struct interval *l, uint64_t now_us, double floor_s,
		     double fallback_s);

#endif
