/* Allocation wrappers used by all project code, so that fault-injection
 * tests can make the k-th allocation fail (SQLite's discipline).
 * NRC_FAIL_ALLOC=k in the environment (read once) or nrc_alloc_fail_at(k)
 * makes the k-th allocation (1-based) and every later one return NULL;
 * k = 0 disables injection. Sizes are checked for overflow. */
#ifndef NRC_ALLOC_H
#define NRC_ALLOC_H
#include <stddef.h>

void *nrc_malloc(size_t size);
void *nrc_calloc(size_t count, size_t size);          /* NULL on overflow */
void *nrc_malloc_array(size_t count, size_t size);    /* NULL on overflow */
void *nrc_realloc(void *p, size_t size);
void nrc_free(void *p);
void nrc_alloc_fail_at(unsigned long k);
unsigned long nrc_alloc_count(void);                  /* allocations so far */

#endif
