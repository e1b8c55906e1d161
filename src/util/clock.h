/* SPDX-License-Identifier: MIT */
/* clock.h — the two clocks in microseconds, in one place. CLOCK_MONOTONIC for time-outs
 * and watchdogs (it never jumps when NTP sets the time); CLOCK_REALTIME for the time
 * stamps users see. */
#ifndef MI32_CLOCK_H
#define MI32_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* CLOCK_MONOTONIC now, µs. */
static inline uint64_t clock_mono_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}

/* CLOCK_REALTIME now, µs since the epoch. */
static inline uint64_t clock_real_us(void)
{
	return clock_us(CLOCK_REALTIME);
}

#endif
