/* SPDX-License-Identifier: MIT */
/* failalloc.h — an allocator that fails after a budget, for OOM loop tests (STYLE §6).
 * Include it, then #define malloc/realloc to t_malloc/t_realloc around an #include of the
 * module's .c file, and raise alloc_budget from 0 until the call succeeds. */
#ifndef MI32_TEST_FAILALLOC_H
#define MI32_TEST_FAILALLOC_H

#include <stdlib.h>

static long alloc_budget = -1; /* allocations left before they fail; -1 = never fail */

static inline void *t_malloc(size_t n)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	return malloc(n);
}

static inline void *t_realloc(void *p, size_t n)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	return realloc(p, n);
}

#endif
