/* SPDX-License-Identifier: MIT */
/* timefmt.c — local ISO time without a zone, as Tasmota writes "Time". */
#include <stdio.h>
#include <time.h>

#include "util/clock.h"
#include "util/timefmt.h"

void timefmt_iso(uint64_t us, char buf[TIMEFMT_LEN])
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, TIMEFMT_LEN, "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(buf, TIMEFMT_LEN, "1970-01-01T00:00:00");
}

void timefmt_uptime(uint64_t s, char buf[TIMEFMT_LEN])
{
	snprintf(buf, TIMEFMT_LEN, "%lluT%02u:%02u:%02u", (unsigned long long)(s / 86400),
		 (unsigned int)(s / 3600 % 24), (unsigned int)(s / 60 % 60), (unsigned int)(s % 60));
}

uint64_t timefmt_now_us(void)
{
	return clock_real_us();
}
