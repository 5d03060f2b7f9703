/* Allocation wrappers with fault injection (include/core/nrc_alloc.h). */
#include <stdint.h>
#include <stdlib.h>
#include "nrc_alloc.h"

static unsigned long alloc_count;
static unsigned long fail_at;      /* 0: never fail */
static int env_read;

static int should_fail(void)
{
    if (!env_read) {
        const char *s = getenv("NRC_FAIL_ALLOC");
        env_read = 1;
        if (s && *s)
            fail_at = strtoul(s, NULL, 10);
    }
    alloc_count++;
    return fail_at != 0 && alloc_count >= fail_at;
}

void nrc_alloc_fail_at(unsigned long k)
{
    env_read = 1;
    fail_at = k;
    alloc_count = 0;
}

unsigned long nrc_alloc_count(void) { return alloc_count; }

void *nrc_malloc(size_t size)
{
    if (should_fail())
        return NULL;
    return malloc(size ? size : 1);
}

void *nrc_malloc_array(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    return nrc_malloc(count * size);
}

void *nrc_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    if (should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *nrc_realloc(void *p, size_t size)
{
    if (should_fail())
        return NULL;
    return realloc(p, size ? size : 1);
}

void nrc_free(void *p) { free(p); }
