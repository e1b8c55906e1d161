/* SPDX-License-Identifier: MIT */
/* failalloc.h — an allocator that fails after a budget, for OOM loop tests (STYLE §6).
 * Include it, then #define malloc/calloc/realloc to t_malloc/t_calloc/t_realloc around an
 * #include of the module's .c file (the test's copy stands in for the library's), and raise
 * alloc_budget from 0 until the call succeeds. Shipped code carries no test hook. */
#ifndef MI32_TEST_FAILALLOC_H
#define MI32_TEST_FAILALLOC_H

#include <stdbool.h>
#include <stdlib.h>

static long alloc_budget = -1; /* allocations left before they fail; -1 = never fail */

/* true when this allocation must fail; otherwise spends one of the budget */
static inline bool alloc_refused(void)
{
	if (alloc_budget == 0)
		return true;
	if (alloc_budget > 0)
		alloc_budget--;
	return false;
}

static inline void *t_malloc(size_t n)
{
	return alloc_refused() ? NULL : malloc(n);
}

static inline void *t_calloc(size_t n, size_t size)
{
	return alloc_refused() ? NULL : calloc(n, size);
}

static inline void *t_realloc(void *p, size_t n)
{
	return alloc_refused() ? NULL : realloc(p, n);
}

#endif
