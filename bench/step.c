/* make bench, training part: one gradient-descent step against the two GEMMs
 * that step needs, and the span-mode step, measured side by side in one run.
 *
 *   step      forward + loss + gradient + update + norm: the kernels of
 *             nrc_train_run_d, called exactly as the driver calls them
 *   gemm      nrc_dgemm for A = X W^T (n,k,d) and G = M^T X (k,d,n): the
 *             fixed-tile deterministic products the step uses
 *   gemm_ob   the same two products as plain cblas_dgemm calls with
 *             OpenBLAS's own threading at the same thread count
 *   span      one step of nrc_span_train_run_d (include/train/nrc_span.h), as
 *             (T(S steps) - T(0 steps)) / S of the real driver, so setup
 *             (K = X X^T, P_0) and the final W = W_0 + C X cancel out
 *
 * Times are process CPU seconds (the machine is shared; CPU time of a
 * single-threaded run is far steadier than wall time), minimum and median
 * over the repetitions.  Only threads = 1 is measured by default: with
 * more threads CPU time no longer measures elapsed time.
 *
 * Output: CSV on stdout, one row per shape, header first:
 *   n,d,k,threads,reps,step_min_ms,step_med_ms,gemm_min_ms,gemm_med_ms,
 *   gemm_ob_min_ms,span_step_ms,span_steps,span_chosen,flops_ratio
 * flops_ratio = direct / span flops of a 3000-step run (nrc_span_flops_*).
 * Usage: step [n d k]...   (default: the shapes of bench/run.sh) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_data.h"
#include "nrc_rng.h"
#include "nrc_span.h"
#include "nrc_train.h"

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* sorts t; returns the median, t[0] is then the minimum */
static double median(double *t, int r)
{
    qsort(t, (size_t)r, sizeof *t, cmp_d);
    return t[r / 2];
}

/* CPU seconds of nrc_span_train_run_d for `steps` steps from (W0, v0). */
static double span_run_s(const nrc_train_opts *o0, uint64_t steps, const double *X,
                         const double *y, const double *W0, const double *v0,
                         double *W, double *v)
{
    nrc_train_opts o = *o0;
    nrc_train_progress fin;
    nrc_error err;
    double t0;
    o.steps = steps;
    memcpy(W, W0, o.k * o.d * sizeof(double));
    memcpy(v, v0, o.k * sizeof(double));
    t0 = cpu_s();
    if (nrc_span_train_run_d(&o, X, y, W, NULL, v, NULL, NULL, &fin, &err) != NRC_OK) {
        fprintf(stderr, "step: span run failed: %s\n", err.msg);
        return -1.0;
    }
    return cpu_s() - t0;
}

static int bench_shape(size_t n, size_t d, size_t k, int threads)
{
    double *X = nrc_malloc_array(n * d, sizeof(double)), *y = nrc_malloc_array(n, sizeof(double));
    double *W = nrc_malloc_array(k * d, sizeof(double)), *v = nrc_malloc_array(k, sizeof(double));
    double *W0 = nrc_malloc_array(k * d, sizeof(double)), *v0 = nrc_malloc_array(k, sizeof(double));
    double *A = nrc_malloc_array(n * k, sizeof(double)), *R = nrc_malloc_array(n * k, sizeof(double));
    double *M = nrc_malloc_array(n * k, sizeof(double)), *N = nrc_malloc_array(n, sizeof(double));
    double *q = nrc_malloc_array(n, sizeof(double)), *r = nrc_malloc_array(n, sizeof(double));
    double *gW = nrc_malloc_array(k * d, sizeof(double)), *gv = nrc_malloc_array(k, sizeof(double));
    double t_step[32], t_gemm[32], t_ob[32], gemm_flops = 4.0 * (double)n * (double)d * (double)k;
    double span_best = -1.0, span_flops = 2.0 * (double)n * (double)n * (double)k;
    nrc_train_loss_info li;
    nrc_train_opts o = {n, d, k, 0, 0, NRC_LOSS_LOGISTIC, NRC_SCHEDULE_NORMALIZED, 0.1, 0};
    volatile double sink = 0.0;
    uint64_t span_steps;
    int reps;
    if (!X || !y || !W || !v || !W0 || !v0 || !A || !R || !M || !N || !q || !r || !gW || !gv) {
        fprintf(stderr, "step: out of memory for n=%zu d=%zu k=%zu\n", n, d, k);
        return 4;
    }
    /* about 1 s of GEMMs per shape at ~30 GFLOP/s, between 3 and 31 reps */
    reps = (int)(3e10 / gemm_flops);
    reps = reps < 3 ? 3 : reps > 31 ? 31 : reps;
    nrc_data_generate(NRC_DATA_SPHERE, NRC_LABELS_BALANCED, n, d, 1, NRC_RNG_STREAM_TRAIN, X, y);
    nrc_train_init_d(d, k, 1e-2, 0, 1, W0, NULL, v0);
    memcpy(W, W0, k * d * sizeof(double));
    memcpy(v, v0, k * sizeof(double));
    nrc_blas_set_threads(threads);
    for (int rep = 0; rep < reps; rep++) {
        double t0;
        t0 = cpu_s();
        nrc_train_forward_d(n, d, k, X, y, W, NULL, v, A, R, N, q);
        nrc_train_loss_d(NRC_LOSS_LOGISTIC, 2, n, y, q, r, &li);
        nrc_train_gradient_d(n, d, k, X, A, R, v, r, M, gW, NULL, gv);
        sink += nrc_train_update_sqnorm_d(d, k, 1e-9, gW, NULL, gv, W, NULL, v);
        sink += nrc_train_sqnorm_d(0, k, NULL, NULL, v);
        t_step[rep] = cpu_s() - t0;

        t0 = cpu_s();
        nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, n, k, d, 1.0, X, d, W, d, 0.0, A, k);
        nrc_dgemm(NRC_BLAS_T, NRC_BLAS_N, k, d, n, 1.0, M, k, X, d, 0.0, gW, d);
        t_gemm[rep] = cpu_s() - t0;

        openblas_set_num_threads(threads);
        t0 = cpu_s();
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k, (int)d, 1.0,
                    X, (int)d, W, (int)d, 0.0, A, (int)k);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)d, (int)n, 1.0,
                    M, (int)k, X, (int)d, 0.0, gW, (int)d);
        t_ob[rep] = cpu_s() - t0;
        openblas_set_num_threads(1);
    }
    /* span: enough steps for ~0.5 s of its GEMM at ~20 GFLOP/s */
    span_steps = (uint64_t)(1e10 / (span_flops + 1e6));
    span_steps = span_steps < 4 ? 4 : span_steps > 3000 ? 3000 : span_steps;
    /* the big shapes: the setup alone is several GEMMs, two runs suffice */
    for (int rep = 0; rep < (span_flops * (double)span_steps > 4e10 ? 2 : 3); rep++) {
        double t_0 = span_run_s(&o, 0, X, y, W0, v0, W, v);
        double t_s = span_run_s(&o, span_steps, X, y, W0, v0, W, v);
        double per = (t_s - t_0) / (double)span_steps;
        if (t_0 < 0 || t_s < 0)
            return 5;
        if (span_best < 0 || per < span_best)
            span_best = per;
    }
    {
        double sm = median(t_step, reps), gm = median(t_gemm, reps);
        (void)median(t_ob, reps);
        printf("%zu,%zu,%zu,%d,%d,%.4f,%.4f,%.4f,%.4f,%.4f,%.5f,%llu,%d,%.2f\n", n, d, k,
               threads, reps, 1e3 * t_step[0], 1e3 * sm, 1e3 * t_gemm[0], 1e3 * gm,
               1e3 * t_ob[0], 1e3 * span_best, (unsigned long long)span_steps,
               nrc_span_preferred(n, d, k, 3000),
               nrc_span_flops_direct(n, d, k, 3000) / nrc_span_flops_span(n, d, k, 3000));
        fflush(stdout);
    }
    (void)sink;
    nrc_blas_set_threads(1);
    nrc_free(X); nrc_free(y); nrc_free(W); nrc_free(v); nrc_free(W0); nrc_free(v0);
    nrc_free(A); nrc_free(R); nrc_free(M); nrc_free(N); nrc_free(q); nrc_free(r);
    nrc_free(gW); nrc_free(gv);
    return 0;
}

int main(int argc, char **argv)
{
    static const size_t def[][3] = {{250, 250, 250}, {500, 500, 500}, {1000, 1000, 1000},
                                    {2000, 2000, 2000}, {100, 4000, 1000}, {50, 2000, 1000}};
    int rc = 0;
    printf("n,d,k,threads,reps,step_min_ms,step_med_ms,gemm_min_ms,gemm_med_ms,"
           "gemm_ob_min_ms,span_step_ms,span_steps,span_chosen,flops_ratio\n");
    if (argc > 1 && (argc - 1) % 3 == 0) {
        for (int a = 1; a + 2 < argc && !rc; a += 3)
            rc = bench_shape((size_t)atol(argv[a]), (size_t)atol(argv[a + 1]),
                             (size_t)atol(argv[a + 2]), 1);
        return rc;
    }
    for (size_t s = 0; s < sizeof def / sizeof def[0] && !rc; s++)
        rc = bench_shape(def[s][0], def[s][1], def[s][2], 1);
    return rc;
}
