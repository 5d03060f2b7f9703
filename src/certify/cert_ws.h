/* Private to src/certify: workspaces from one size table (llm.c's
 * malloc_and_point_parameters). A step lists its arrays once,
 *     const nrc_ws_entry tab[] = { NRC_WS(Glo, rows * n, 0), ... };
 *     st = nrc_ws_alloc(&ws, tab, sizeof tab / sizeof tab[0], "Gram block", err);
 * gets them from one allocation, and releases them with one nrc_free(ws). */
#ifndef NRC_CERT_WS_H
#define NRC_CERT_WS_H
#include <stddef.h>
#include <stdint.h>
#include "nrc_status.h"

/* An array: the pointer variable to set, its element count and size, and
 * whether it starts zeroed. */
typedef struct {
    void **ptr;
    size_t count, size;
    int zero;
} nrc_ws_entry;

/* a * b, or SIZE_MAX (which nrc_ws_alloc refuses) when it overflows. */
static inline size_t nrc_ws_mul(size_t a, size_t b)
{
    return b && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

#define NRC_WS(p, count, zero) { (void **)&(p), (count), sizeof *(p), (zero) }

/* Sets every *tab[i].ptr into one block (*block, freed with nrc_free).
 * Every array is aligned for any element type, and an array of count 0 gets
 * a valid pointer. NRC_ERR_SYSTEM "out of memory (what)" when the sizes
 * overflow or memory runs out; then *block and every pointer are NULL. */
nrc_status nrc_ws_alloc(void **block, const nrc_ws_entry *tab, size_t ntab,
                        const char *what, nrc_error *err);

#endif
