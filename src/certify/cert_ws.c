/* Workspaces of certify from one size table (src/certify/cert_ws.h,
 * llm.c's malloc_and_point_parameters): one allocation, one release, and
 * one place where a step's memory is listed. */
#include <stdint.h>
#include <string.h>
#include "nrc_alloc.h"
#include "cert_ws.h"

/* Every array starts on a multiple of this (a cache line; a multiple of the
 * alignment of every element type used). */
#define WS_ALIGN 64u

/* Under AddressSanitizer (make SANITIZE=1) every array is followed by a
 * poisoned red zone, so that an overrun into the next array of the block
 * is still reported as it was with one allocation per array. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define WS_REDZONE WS_ALIGN
#define WS_POISON(p, len) ASAN_POISON_MEMORY_REGION((p), (len))
#else
#define WS_REDZONE 0u
#define WS_POISON(p, len) ((void)(p), (void)(len))
#endif

/* The bytes an array of `bytes` takes in the block, red zone included. */
static size_t ws_span(size_t bytes)
{
    bytes = (bytes + WS_ALIGN - 1) / WS_ALIGN * WS_ALIGN;
    return (bytes ? bytes : WS_ALIGN) + WS_REDZONE;
}

/* Sets the pointer object *ptr (of any object pointer type) to p. Written
 * byte-wise, as the aliasing rules allow (the table holds pointers to
 * double *, int *, ...); POSIX gives every object pointer type the
 * representation of void *. */
static void ws_set(void **ptr, void *p)
{
    memcpy(ptr, &p, sizeof p);
}

static void ws_clear_ptrs(const nrc_ws_entry *tab, size_t ntab)
{
    size_t i;
    for (i = 0; i < ntab; i++)
        ws_set(tab[i].ptr, NULL);
}

/* Total bytes with every array aligned; 0 on overflow. */
static size_t ws_total(const nrc_ws_entry *tab, size_t ntab)
{
    size_t i, total = 0;
    for (i = 0; i < ntab; i++) {
        size_t bytes;
        if (tab[i].size && tab[i].count > (SIZE_MAX - 2 * WS_ALIGN) / tab[i].size)
            return 0;
        bytes = ws_span(tab[i].count * tab[i].size);  /* an empty array: a valid pointer */
        if (total > SIZE_MAX - bytes)
            return 0;
        total += bytes;
    }
    return total;
}

nrc_status nrc_ws_alloc(void **block, const nrc_ws_entry *tab, size_t ntab,
                        const char *what, nrc_error *err)
{
    size_t total = ws_total(tab, ntab), i, off = 0;
    unsigned char *base;
    *block = NULL;
    ws_clear_ptrs(tab, ntab);
    base = total ? nrc_malloc(total) : NULL;
    if (!base)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (%s)", what);
    for (i = 0; i < ntab; i++) {
        size_t bytes = tab[i].count * tab[i].size;
        ws_set(tab[i].ptr, base + off);
        if (tab[i].zero && bytes)
            memset(base + off, 0, bytes);
        WS_POISON(base + off + bytes, ws_span(bytes) - bytes);
        off += ws_span(bytes);
    }
    *block = base;
    return NRC_OK;
}
