/* SPDX-License-Identifier: MIT */
/* report.h — Tasmota's SENSOR JSON for the store (SPEC §9): which sensors, which keys in
 * which order, with decision #1 (TelePeriod carries the latest values) and #3 (Leak).
 * Writes into a caller's fixed buffer (util/jw.h); never allocates. */
#ifndef MI32_REPORT_H
#define MI32_REPORT_H

#include <stdint.h>

#include "store/store.h"
#include "util/jw.h"

enum report_kind {
	REPORT_TELE = 0,      /* TelePeriod message: every sensor, latest values, "Time" */
	REPORT_TRIGGERED = 1, /* "publish now": only sensors with something pending */
};

struct report_opts {
	unsigned int temp_res;  /* Tasmota TempRes: decimals of Temperature and DewPoint */
	unsigned int hum_res;   /* Tasmota HumRes: decimals of Humidity */
	char temp_unit;         /* 'C' (values are never converted, as in Tasmota) */
	int64_t time_offset_s;  /* added to the per-sensor "Time" epoch (Tasmota writes local
				 * time as an epoch; 0 = plain Unix time) */
};
#define REPORT_OPTS_DEFAULT { .temp_res = 1, .hum_res = 1, .temp_unit = 'C', .time_offset_s = 0 }

/*
 * One complete SENSOR message into @w (freshly initialised by the caller; NUL-terminated
 * here): {"Time":"<time_iso>","<key>":{...},...,"TempUnit":"C"} — TempUnit only when
 * "Temperature" occurs. TELE: every sensor unless option 1; TRIGGERED: sensors with
 * something pending. On success the reported pending bits are cleared
 * (store_clear_pending). @o NULL = REPORT_OPTS_DEFAULT.
 * Returns the number of sensors written; 0 = nothing to publish (@w untouched);
 * -ENOSPC when @w was too small (nothing cleared, so a retry with a bigger buffer
 * reports the same).
 */
int report_sensor(struct store *s, enum report_kind kind, const char *time_iso,
		  const struct report_opts *o, struct jw *w);

/* The sensor members alone ("<key>":{...},...) into an object the caller has open, e.g. to
 * merge with other sensors. Clears nothing. Returns the number written. */
int report_members(const struct store *s, enum report_kind kind, const struct report_opts *o,
		   struct jw *w);

/* One sensor: "<key>":{...} as a member of an open object (report_member) or the {...}
 * value alone (report_object, for the web API). TELE shape unless @kind says otherwise.
 * Return 0, or -ENOENT. */
int report_member(const struct store *s, unsigned int slot, enum report_kind kind,
		  const struct report_opts *o, struct jw *w);
int report_object(const struct store *s, unsigned int slot, enum report_kind kind,
		  const struct report_opts *o, struct jw *w);

/* Tasmota's `Status 8` body: {"StatusSNS":{"Time":"…",<every sensor, TELE shape>,
 * "TempUnit":"C"}} (option 1 is not applied). NUL-terminates. Returns the length or
 * -ENOSPC. */
int report_status(const struct store *s, const char *time_iso, const struct report_opts *o,
		  struct jw *w);

#endif
