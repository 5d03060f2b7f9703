/* make bench (training part): the time of one training step next to the
 * time of the two GEMMs of that step, measured side by side in one run
 * (median and minimum of 15 repetitions), for 1 and 2 threads.
 *   step      forward + loss + gradient + update + norm (as in nrc_train_run_d)
 *   2 gemm    nrc_dgemm for A = X W^T (n,k,d) and G = M^T X (k,d,n): our
 *             fixed-tile threaded products
 *   2 gemm ob the same two products as single cblas_dgemm calls with
 *             OpenBLAS's own threading at the same thread count (the
 *             non-deterministic baseline)
 * Shapes: argv triples "n d k", default 1000 1000 1000, 8 50000 16 (the
 * trainer's default) and 200 20000 100. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_data.h"
#include "nrc_rng.h"
#include "nrc_train.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *t, int r)
{
    qsort(t, (size_t)r, sizeof *t, cmp_d);
    return t[r / 2];
}

static int bench_shape(size_t n, size_t d, size_t k, int threads, int reps)
{
    double *X = nrc_malloc_array(n * d, sizeof(double)), *y = nrc_malloc_array(n, sizeof(double));
    double *W = nrc_malloc_array(k * d, sizeof(double)), *v = nrc_malloc_array(k, sizeof(double));
    double *A = nrc_malloc_array(n * k, sizeof(double)), *R = nrc_malloc_array(n * k, sizeof(double));
    double *M = nrc_malloc_array(n * k, sizeof(double)), *N = nrc_malloc_array(n, sizeof(double));
    double *q = nrc_malloc_array(n, sizeof(double)), *r = nrc_malloc_array(n, sizeof(double));
    double *gW = nrc_malloc_array(k * d, sizeof(double)), *gv = nrc_malloc_array(k, sizeof(double));
    double t_step[64], t_gemm[64], t_ob[64];
    nrc_train_loss_info li;
    volatile double sink = 0.0;
    if (!X || !y || !W || !v || !A || !R || !M || !N || !q || !r || !gW || !gv) {
        fprintf(stderr, "bench: out of memory for n=%zu d=%zu k=%zu\n", n, d, k);
        return 4;
    }
    nrc_data_generate(NRC_DATA_SPHERE, NRC_LABELS_BALANCED, n, d, 1, NRC_RNG_STREAM_TRAIN, X, y);
    nrc_train_init_d(d, k, 1e-2, 0, 1, W, NULL, v);
    for (int rep = 0; rep < reps; rep++) {
        double t0, t1;
        nrc_blas_set_threads(threads);
        t0 = now_s();
        nrc_train_forward_d(n, d, k, X, y, W, NULL, v, A, R, N, q);
        nrc_train_loss_d(NRC_LOSS_LOGISTIC, 1, n, y, q, r, &li);
        nrc_train_gradient_d(n, d, k, X, A, R, v, r, M, gW, NULL, gv);
        nrc_train_update_d(d, k, 1e-9, gW, NULL, gv, W, NULL, v);
        sink += nrc_train_sqnorm_d(d, k, W, NULL, v);
        t1 = now_s();
        t_step[rep] = t1 - t0;

        t0 = now_s();
        nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, n, k, d, 1.0, X, d, W, d, 0.0, A, k);
        nrc_dgemm(NRC_BLAS_T, NRC_BLAS_N, k, d, n, 1.0, M, k, X, d, 0.0, gW, d);
        t1 = now_s();
        t_gemm[rep] = t1 - t0;

        openblas_set_num_threads(threads);
        t0 = now_s();
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k, (int)d, 1.0,
                    X, (int)d, W, (int)d, 0.0, A, (int)k);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)d, (int)n, 1.0,
                    M, (int)k, X, (int)d, 0.0, gW, (int)d);
        t1 = now_s();
        t_ob[rep] = t1 - t0;
        openblas_set_num_threads(1);
    }
    {
        /* min is printed too: on a shared machine it is the steadier figure */
        double s = median(t_step, reps), g = median(t_gemm, reps), o = median(t_ob, reps);
        double sm = t_step[0], gm = t_gemm[0], om = t_ob[0];   /* sorted by median() */
        size_t tr, tc, tr2, tc2;
        nrc_blas_partition(n, k, d, &tr, &tc);
        nrc_blas_partition(k, d, n, &tr2, &tc2);
        printf("%6zu %6zu %5zu %7d %10.3f %10.3f %10.3f %9.2f %9.2f   min: %8.3f %8.3f %8.3f %6.2f %6.2f   %zux%zu, %zux%zu\n",
               n, d, k, threads, 1e3 * s, 1e3 * g, 1e3 * o, s / g, g / o,
               1e3 * sm, 1e3 * gm, 1e3 * om, sm / gm, gm / om, tr, tc, tr2, tc2);
    }
    (void)sink;
    nrc_free(X); nrc_free(y); nrc_free(W); nrc_free(v); nrc_free(A); nrc_free(R);
    nrc_free(M); nrc_free(N); nrc_free(q); nrc_free(r); nrc_free(gW); nrc_free(gv);
    return 0;
}

int main(int argc, char **argv)
{
    static const size_t def[][3] = {{1000, 1000, 1000}, {8, 50000, 16}, {200, 20000, 100}};
    const char *ct = getenv("OPENBLAS_CORETYPE"), *ot = getenv("OPENBLAS_NUM_THREADS");
    int reps = 15, rc = 0;
    printf("# train step vs its two GEMMs, median of %d; OPENBLAS_NUM_THREADS=%s "
           "OPENBLAS_CORETYPE=%s\n", reps, ot ? ot : "(unset)", ct ? ct : "(unset)");
    printf("# %6s %6s %5s %7s %10s %10s %10s %9s %9s   %s\n", "n", "d", "k", "threads",
           "step ms", "2gemm ms", "2gemm-ob", "step/2gemm", "tiled/ob",
           "min: step, 2gemm, 2gemm-ob, ratios; tiles A, G");
    if (argc > 1 && (argc - 1) % 3 == 0) {
        for (int a = 1; a + 2 < argc && !rc; a += 3)
            for (int th = 1; th <= 2 && !rc; th++)
                rc = bench_shape((size_t)atol(argv[a]), (size_t)atol(argv[a + 1]),
                                 (size_t)atol(argv[a + 2]), th, reps);
        return rc;
    }
    for (size_t s = 0; s < sizeof def / sizeof def[0] && !rc; s++)
        for (int th = 1; th <= 2 && !rc; th++)
            rc = bench_shape(def[s][0], def[s][1], def[s][2], th, reps);
    return rc;
}
