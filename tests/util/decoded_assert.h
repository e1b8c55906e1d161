/* SPDX-License-Identifier: MIT */
/* decoded_assert.h — checks on a decoder's struct decoded, shared by the decoder tests.
 * Include after <cmocka.h> (it reports through fail_msg()). */
#ifndef MI32_TEST_DECODED_ASSERT_H
#define MI32_TEST_DECODED_ASSERT_H

#include <math.h>

#include "decode/decoded.h"

/* |got - want| <= eps, with the caller's file and line on failure (cmocka before 1.1.6 has
 * no assert_double_equal). */
#define assert_near(got, want, eps) near_((got), (want), (eps), __FILE__, __LINE__)

static inline void near_(double got, double want, double eps, const char *file, int line)
{
	if (!(fabs(got - want) <= eps))
		fail_msg("%s:%d: got %.9g, want %.9g", file, line, got, want);
}

/* The value of the first reading of @type; fails the test when there is none. */
static inline double value_of(const struct decoded *d, unsigned int type)
{
	const struct reading *r = decoded_find(d, type);

	if (!r)
		fail_msg("reading type %u missing", type);
	return r->value;
}

#endif
