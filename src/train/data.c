/* Synthetic data generation and approximate data statistics
 * (include/train/nrc_data.h; spec/TRAINING.md "Data").  Search level. */
#include <math.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_data.h"
#include "nrc_rng.h"

static void data_row(nrc_data_kind kind, size_t d, nrc_rng *r, double *x)
{
    for (;;) {
        double nrm2 = 0.0;
        for (size_t l = 0; l < d; l++) {
            x[l] = nrc_rng_normal_d(r);
            nrm2 += x[l] * x[l];
        }
        if (kind == NRC_DATA_GAUSSIAN)
            return;
        if (nrm2 > 0.0) {
            double scale = sqrt((double)d) / sqrt(nrm2);
            for (size_t l = 0; l < d; l++)
                x[l] = x[l] * scale;
            return;
        }
        /* all-zero draw (probability ~0): draw the row again */
    }
}

void nrc_data_generate(nrc_data_kind kind, nrc_labels_kind labels, size_t n,
                       size_t d, uint64_t seed, uint64_t stream, double *X,
                       double *y)
{
    nrc_rng r;
    nrc_rng_init(&r, seed, stream);
    for (size_t i = 0; i < n; i++)
        data_row(kind, d, &r, X + i * d);
    if (labels == NRC_LABELS_RANDOM) {
        for (size_t i = 0; i < n; i++)
            y[i] = (nrc_rng_next(&r) >> 63) ? 1.0 : -1.0;
        return;
    }
    for (size_t i = 0; i < n; i++)
        y[i] = i < n / 2 ? -1.0 : 1.0;
    for (size_t i = n; i > 1; i--) {      /* Fisher-Yates, from the end */
        size_t j = (size_t)nrc_rng_below(&r, i);
        double t = y[i - 1];
        y[i - 1] = y[j];
        y[j] = t;
    }
}

nrc_status nrc_data_stats_d(size_t n, size_t d, const double *X, const double *y,
                            nrc_data_stats *st, nrc_error *err)
{
    size_t block = n > 0 && n < ((size_t)1 << 20) ? ((size_t)1 << 20) / n : 1;
    double *G;
    if (block > n)
        block = n;
    if (block == 0)
        block = 1;
    st->R_min_sq = INFINITY;
    st->R_max_sq = 0.0;
    st->rho = 0.0;
    st->eps_data = 0.0;
    st->n_pos = st->n_neg = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] > 0)
            st->n_pos++;
        else
            st->n_neg++;
    }
    if (n == 0)
        return NRC_OK;
    G = nrc_malloc_array(block * n, sizeof *G);
    if (!G)
        return nrc_error_set(err, NRC_ERR_SYSTEM,
                             "out of memory for a %zu x %zu Gram block", block, n);
    for (size_t i0 = 0; i0 < n; i0 += block) {
        size_t rows = n - i0 < block ? n - i0 : block;
        /* G (rows, n) = X[i0:i0+rows] X^T */
        nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, rows, n, d, 1.0, X + i0 * d, d, X, d,
                  0.0, G, n);
        for (size_t a = 0; a < rows; a++) {
            for (size_t l = 0; l < n; l++) {
                double g = G[a * n + l];
                if (l == i0 + a) {
                    if (g < st->R_min_sq)
                        st->R_min_sq = g;
                    if (g > st->R_max_sq)
                        st->R_max_sq = g;
                } else if (fabs(g) > st->rho) {
                    st->rho = fabs(g);
                }
            }
        }
    }
    nrc_free(G);
    st->eps_data = (double)(n - 1) * st->rho / st->R_min_sq;
    return NRC_OK;
}
