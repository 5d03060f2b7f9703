/* Synthetic data of MATH.md section 2 and its statistics (search level).
 * Generation is specified bit for bit in spec/TRAINING.md so that anyone can
 * regenerate it from the seed. */
#ifndef NRC_DATA_H
#define NRC_DATA_H
#include <stddef.h>
#include <stdint.h>
#include "nrc_status.h"

typedef enum { NRC_DATA_SPHERE = 0, NRC_DATA_GAUSSIAN = 1 } nrc_data_kind;
typedef enum { NRC_LABELS_BALANCED = 0, NRC_LABELS_RANDOM = 1 } nrc_labels_kind;

/* Fill X (n,d) row-major and y (n) from stream `stream` of seed:
 * rows first (each row: d normals; sphere rows are then scaled to norm
 * sqrt(d)), then the labels (balanced: floor(n/2) labels -1 and the rest +1,
 * so an odd n gives +1 the extra point, then a Fisher-Yates shuffle; random:
 * +1 iff the top bit of the next 64-bit output is 1). */
void nrc_data_generate(nrc_data_kind kind, nrc_labels_kind labels, size_t n,
                       size_t d, uint64_t seed, uint64_t stream, double *X,
                       double *y);

/* Approximate (binary64, untrusted) data statistics of MATH.md section 2. */
typedef struct {
    double R_min_sq, R_max_sq;  /* min / max ||x_i||^2 */
    double rho;                 /* max_{i != l} |<x_i, x_l>|, 0 when n = 1 */
    double eps_data;            /* (n - 1) rho / R_min_sq */
    size_t n_pos, n_neg;
} nrc_data_stats;

/* Gram matrix in row blocks (memory O(block * n)); NRC_ERR_SYSTEM if
 * the block cannot be allocated. */
nrc_status nrc_data_stats_d(size_t n, size_t d, const double *X, const double *y,
                            nrc_data_stats *st, nrc_error *err);

#endif
