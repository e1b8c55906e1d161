/* SPDX-License-Identifier: MIT */
/* interval.c — see interval.h. */
#include <string.h>

#include "store/interval.h"

void interval_heard(struct interval *l, uint64_t t_us)
{
	if (l->last_us && t_us > l->last_us) {
		l->iv[l->pos] = (float)((double)(t_us - l->last_us) / 1e6);
		l->pos = (uint8_t)((l->pos + 1) % INTERVAL_RING);
		if (l->n < INTERVAL_RING)
			l->n++;
	}
	l->last_us = t_us; /* a replay that loops starts its clock again */
}

double interval_timeout(const float *gaps, unsigned int n, double floor_s, double fallback_s)
{
	float v[32];
	double med;

	if (n < INTERVAL_LEARN_MIN)
		return fallback_s > floor_s ? fallback_s : floor_s;
	if (n > 32)
		n = 32;
	memcpy(v, gaps, n * sizeof(v[0]));
	/* insertion sort: n ≤ 32 */
	for (unsigned int i = 1; i < n; i++) {
		float x = v[i];
		unsigned int j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
	med *= INTERVAL_STALE_FACTOR;
	return med > floor_s ? med : floor_s;
}

bool interval_silent(const struct interval *l, uint64_t now_us, double floor_s,
		     double fallback_s)
{
	return l->last_us && now_us > l->last_us &&
	       (double)(now_us - l->last_us) / 1e6 > interval_timeout(l->iv, l->n, floor_s,
								       fallback_s);
}
