/* make bench, checker part: the checker's exact products of the model's
 * rows, A = X W^T exactly (n k dot products of length d, the largest
 * product the checker computes), three ways measured side by side in one
 * run: the digit kernels (nrc_cfix_gemm, include/check/nrc_check_gemm.h),
 * the pair-by-pair limb / radix-2^52 kernels (nrc_cfix_dot, what the claim
 * checks call per dot product), and the binary64 product nrc_dgemm (what
 * certify's pass costs), with a check that the two exact ways agree.
 *
 *   run:   OPENBLAS_NUM_THREADS=1 build/bench/exact_gemm MODEL
 *
 * Times are process CPU seconds (exact: one run each; dgemm: minimum of 3).
 * Output: CSV, header first:
 *   n,d,k,gemm_s,pairs_s,dgemm_s,gemm_ns_per_term,pairs_vs_gemm,gemm_vs_dgemm,agree */
#include <stdio.h>
#include <stdlib.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_check_gemm.h"
#include "nrc_model.h"
#include "plain_pass.h"

static int rows_of(nrc_cfix *R, const double *x, size_t count, size_t d)
{
    nrc_error err;
    for (size_t i = 0; i < count; i++) {
        nrc_cfix_init(&R[i]);
        if (nrc_cfix_set_d(&R[i], x + i * d, d, 1, &err) != NRC_OK)
            return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    nrc_model M;
    nrc_error err;
    nrc_cfix *X, *W;
    nrc_cdy *C1, *C2;
    double *A, t0, tg, tp, td = 1e300;
    uint64_t sp[80], sn[80];
    size_t n, d, k, i, j, bad = 0;
    if (argc != 2) {
        fprintf(stderr, "usage: exact_gemm MODEL\n");
        return 2;
    }
    nrc_blas_set_threads(1);
    nrc_model_init(&M);
    if (nrc_model_read(argv[1], &M, &err) != NRC_OK) {
        fprintf(stderr, "exact_gemm: %s\n", err.msg);
        return 3;
    }
    n = M.n, d = M.d, k = M.k;
    X = nrc_malloc_array(n, sizeof *X);
    W = nrc_malloc_array(k, sizeof *W);
    C1 = nrc_malloc_array(n * k, sizeof *C1);
    C2 = nrc_malloc_array(n * k, sizeof *C2);
    A = nrc_malloc_array(n * k, sizeof *A);
    if (!X || !W || !C1 || !C2 || !A || !rows_of(X, M.X, n, d) || !rows_of(W, M.W, k, d))
        return 4;
    for (i = 0; i < n * k; i++) {
        nrc_cdy_init(&C1[i]);
        nrc_cdy_init(&C2[i]);
    }
    t0 = bench_cpu_s();
    if (nrc_cfix_gemm(C1, k, X, n, W, k, &err) != NRC_OK)
        return 4;
    tg = bench_cpu_s() - t0;
    t0 = bench_cpu_s();
    for (i = 0; i < n; i++)
        for (j = 0; j < k; j++) {
            if (X[i].limbs + W[j].limbs + 1 > 80)
                return 5;
            nrc_cfix_dot(&C2[i * k + j], &X[i], &W[j], sp, sn);
        }
    tp = bench_cpu_s() - t0;
    for (i = 0; i < n * k; i++)
        bad += nrc_cdy_cmp(&C1[i], &C2[i]) != 0;
    for (int rep = 0; rep < 3; rep++) {
        t0 = bench_cpu_s();
        nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, n, k, d, 1.0, M.X, d, M.W, d, 0.0, A, k);
        t0 = bench_cpu_s() - t0;
        td = t0 < td ? t0 : td;
    }
    printf("n,d,k,gemm_s,pairs_s,dgemm_s,gemm_ns_per_term,pairs_vs_gemm,gemm_vs_dgemm,agree\n");
    printf("%zu,%zu,%zu,%.4f,%.4f,%.5f,%.3f,%.3f,%.1f,%s\n", n, d, k, tg, tp, td,
           1e9 * tg / ((double)n * (double)k * (double)d), tp / tg, tg / td, bad ? "no" : "yes");
    for (i = 0; i < n * k; i++) {
        nrc_cdy_clear(&C1[i]);
        nrc_cdy_clear(&C2[i]);
    }
    for (i = 0; i < n; i++)
        nrc_cfix_clear(&X[i]);
    for (j = 0; j < k; j++)
        nrc_cfix_clear(&W[j]);
    nrc_free(X); nrc_free(W); nrc_free(C1); nrc_free(C2); nrc_free(A);
    nrc_model_clear(&M);
    return bad ? 1 : 0;
}
