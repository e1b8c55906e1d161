/* SPDX-License-Identifier: MIT */
/* timefmt.h — the time strings Tasmota's JSON uses. */
#ifndef MI32_TIMEFMT_H
#define MI32_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_LEN 32

/* "2024-05-01T12:00:05", local time, from µs since the epoch. */
void timefmt_iso(uint64_t us, char buf[TIMEFMT_LEN]);

/* Tasmota's uptime: "1T02:03:04" (days T hh:mm:ss). */
void timefmt_uptime(uint64_t seconds, char buf[TIMEFMT_LEN]);

/* CLOCK_REALTIME now, µs. */
uint64_t timefmt_now_us(void);

#endif
