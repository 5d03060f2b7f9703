/* make bench: one plain binary64 forward + gradient pass on a model, the
 * cost of one training step of the logistic loss (bench/certify_time.c,
 * bench/limit.c):
 *   A = X W^T (+ b), R = relu(A), N = R v, r_i = y_i l'(q_i),
 *   G_W = (S o (r v^T))^T X, G_v = R^T r;
 * two n*k*d GEMMs (nrc_dgemm). Returns the process CPU seconds it took.
 * A, Gm (n, k), GW (k, d) and r (n) are caller buffers. */
#ifndef NRC_BENCH_PLAIN_PASS_H
#define NRC_BENCH_PLAIN_PASS_H
#include <math.h>
#include <time.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_model.h"

static inline double bench_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline double bench_plain_pass(const nrc_model *M, double *A, double *Gm, double *GW, double *r)
{
    size_t n = M->n, d = M->d, k = M->k, i, j;
    double t0 = bench_cpu_s(), sink = 0;
    nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, n, k, d, 1.0, M->X, d, M->W, d, 0.0, A, k);
    for (i = 0; i < n; i++) {
        double N = 0, q;
        for (j = 0; j < k; j++) {
            double a = A[i * k + j] + (M->b ? M->b[j] : 0.0);
            A[i * k + j] = a > 0 ? a : 0.0;
            N += M->v[j] * A[i * k + j];
        }
        q = M->y[i] * N;
        r[i] = -M->y[i] / (1.0 + exp(q));          /* y_i l'(q_i), logistic */
        for (j = 0; j < k; j++)
            Gm[i * k + j] = A[i * k + j] > 0 ? r[i] * M->v[j] : 0.0;
    }
    nrc_dgemm(NRC_BLAS_T, NRC_BLAS_N, k, d, n, 1.0, Gm, k, M->X, d, 0.0, GW, d);
    for (j = 0; j < k; j++) {
        double gv = 0;
        for (i = 0; i < n; i++)
            gv += r[i] * A[i * k + j];
        sink += gv;
    }
    return bench_cpu_s() - t0 + 0.0 * sink;
}

/* The best (least CPU time) of three plain passes on M, with buffers of
 * its own; -1 when they cannot be allocated. tp (3) gets each pass's time. */
static inline double bench_plain_best3(const nrc_model *M, double tp[3])
{
    double *A = nrc_malloc_array(M->n * M->k, sizeof(double));
    double *Gm = nrc_malloc_array(M->n * M->k, sizeof(double));
    double *GW = nrc_malloc_array(M->k * M->d, sizeof(double));
    double *r = nrc_malloc_array(M->n, sizeof(double));
    double best = -1.0;
    if (A && Gm && GW && r) {
        for (int rep = 0; rep < 3; rep++) {
            tp[rep] = bench_plain_pass(M, A, Gm, GW, r);
            if (best < 0 || tp[rep] < best)
                best = tp[rep];
        }
    }
    nrc_free(A);
    nrc_free(Gm);
    nrc_free(GW);
    nrc_free(r);
    return best;
}

#endif
