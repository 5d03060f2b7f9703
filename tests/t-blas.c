/* nrc_dgemm (src/core/blas.c): agrees with the naive triple loop within the
 * a-priori rounding bound, and is bit-identical for every thread count and
 * whatever OpenBLAS's own thread count was set to. */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_rng.h"

static void fill(nrc_rng *r, size_t len, double *a)
{
    for (size_t t = 0; t < len; t++)
        a[t] = nrc_rng_normal_d(r) * ((nrc_rng_next(r) & 7) == 0 ? 1e3 : 1.0);
}

/* One product with random shapes/transposes/leading dimensions; compares
 * with the reference: |C - C_ref| <= 2 (K + 2) u sum_l |a_il b_lj| + 1e-300
 * (both are within gamma_K of the exact dot product; Higham ch. 3). */
static int one_case(nrc_rng *r, size_t M, size_t N, size_t K, int ta, int tb,
                    double beta, int threads)
{
    size_t lda = (ta ? M : K) + (size_t)nrc_rng_below(r, 3);
    size_t ldb = (tb ? K : N) + (size_t)nrc_rng_below(r, 3);
    size_t ldc = N + (size_t)nrc_rng_below(r, 3);
    size_t arows = ta ? K : M, brows = tb ? N : K;
    double *A = nrc_malloc_array(arows * lda + 1, sizeof(double));
    double *B = nrc_malloc_array(brows * ldb + 1, sizeof(double));
    double *C = nrc_malloc_array(M * ldc + 1, sizeof(double));
    double *C0 = nrc_malloc_array(M * ldc + 1, sizeof(double));
    double *Cr = nrc_malloc_array(M * ldc + 1, sizeof(double));
    double *Ab = nrc_malloc_array(arows * lda + 1, sizeof(double));
    double *Bb = nrc_malloc_array(brows * ldb + 1, sizeof(double));
    double *S = nrc_malloc_array(M * ldc + 1, sizeof(double));
    int ok = 1;
    if (!A || !B || !C || !C0 || !Cr || !Ab || !Bb || !S) {
        CHECK(0, "allocation failed");
        ok = 0;
        goto done;
    }
    fill(r, arows * lda, A);
    fill(r, brows * ldb, B);
    fill(r, M * ldc, C0);
    memcpy(C, C0, M * ldc * sizeof(double));
    memcpy(Cr, C0, M * ldc * sizeof(double));
    for (size_t t = 0; t < arows * lda; t++)
        Ab[t] = fabs(A[t]);
    for (size_t t = 0; t < brows * ldb; t++)
        Bb[t] = fabs(B[t]);
    nrc_blas_set_threads(threads);
    nrc_dgemm((nrc_blas_trans)ta, (nrc_blas_trans)tb, M, N, K, 1.5, A, lda, B,
              ldb, beta, C, ldc);
    nrc_dgemm_ref((nrc_blas_trans)ta, (nrc_blas_trans)tb, M, N, K, 1.5, A, lda,
                  B, ldb, beta, Cr, ldc);
    nrc_dgemm_ref((nrc_blas_trans)ta, (nrc_blas_trans)tb, M, N, K, 1.5, Ab, lda,
                  Bb, ldb, 0.0, S, ldc);
    for (size_t i = 0; i < M && ok; i++) {
        for (size_t j = 0; j < N; j++) {
            double a = C[i * ldc + j], ref = Cr[i * ldc + j];
            double tol = 2.0 * (double)(K + 2) * 0x1p-53 *
                         (S[i * ldc + j] + fabs(beta * C0[i * ldc + j])) + 1e-300;
            if (!(fabs(a - ref) <= tol)) {
                CHECK(0, "M=%zu N=%zu K=%zu ta=%d tb=%d beta=%g threads=%d: "
                      "C[%zu][%zu] = %.17g, reference %.17g, tol %.3g",
                      M, N, K, ta, tb, beta, threads, i, j, a, ref, tol);
                ok = 0;
                break;
            }
        }
    }
    /* untouched padding between rows of C */
    for (size_t i = 0; i < M && ok; i++)
        for (size_t j = N; j < ldc; j++)
            if (C[i * ldc + j] != C0[i * ldc + j]) {
                CHECK(0, "padding C[%zu][%zu] was written", i, j);
                ok = 0;
            }
done:
    nrc_free(A); nrc_free(B); nrc_free(C); nrc_free(C0); nrc_free(Cr);
    nrc_free(Ab); nrc_free(Bb); nrc_free(S);
    return ok;
}

static void blas_matches_reference(void)
{
    nrc_rng r;
    long iters = 60 * tl_mult();
    nrc_rng_init(&r, tl_seed(), 101);
    for (long it = 0; it < iters; it++) {
        size_t M = 1 + (size_t)nrc_rng_below(&r, it % 3 == 0 ? 300 : 40);
        size_t N = 1 + (size_t)nrc_rng_below(&r, it % 5 == 0 ? 300 : 40);
        size_t K = (size_t)nrc_rng_below(&r, it % 4 == 0 ? 2000 : 60);
        int ta = (int)nrc_rng_below(&r, 2), tb = (int)nrc_rng_below(&r, 2);
        double beta = it % 2 ? 0.0 : -0.75;
        if (!one_case(&r, M, N, K, ta, tb, beta, 1 + (int)nrc_rng_below(&r, 4)))
            return;
    }
}

/* Shapes that split into several tiles; results must not change by a single
 * bit between thread counts, nor when OpenBLAS was told to use 2 threads. */
static void blas_bits_independent_of_threads(void)
{
    static const size_t shapes[][3] = {
        {300, 400, 200}, {30, 40000, 40}, {10, 40, 30000}, {1100, 600, 20}, {600, 700, 50}, {1, 1, 1}};
    nrc_rng r;
    nrc_rng_init(&r, tl_seed(), 102);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t M = shapes[s][0], N = shapes[s][1], K = shapes[s][2], tr, tc;
        for (int ta = 0; ta < 2; ta++) {
            double *A = nrc_malloc_array(M * K, sizeof(double));
            double *B = nrc_malloc_array(K * N, sizeof(double));
            double *C1 = nrc_malloc_array(M * N, sizeof(double));
            double *C2 = nrc_malloc_array(M * N, sizeof(double));
            REQUIRE(A && B && C1 && C2, "allocation failed");
            fill(&r, M * K, A);
            fill(&r, K * N, B);
            nrc_blas_partition(M, N, K, &tr, &tc);
            CHECK(tr >= 1 && tc >= 1 && tr * tc <= 16 && tr <= M && tc <= N,
                  "partition %zu x %zu for %zu x %zu", tr, tc, M, N);
            nrc_blas_set_threads(1);
            nrc_dgemm((nrc_blas_trans)ta, NRC_BLAS_N, M, N, K, 1.0, A, ta ? M : K,
                      B, N, 0.0, C1, N);
            for (int th = 2; th <= 5; th++) {
                nrc_blas_set_threads(th);
                if (th == 3)
                    openblas_set_num_threads(2);   /* must be undone by nrc_dgemm */
                nrc_dgemm((nrc_blas_trans)ta, NRC_BLAS_N, M, N, K, 1.0, A,
                          ta ? M : K, B, N, 0.0, C2, N);
                CHECK(memcmp(C1, C2, M * N * sizeof(double)) == 0,
                      "shape %zu x %zu x %zu (tiles %zu x %zu) ta=%d: threads=%d "
                      "differs from threads=1", M, N, K, tr, tc, ta, th);
            }
            nrc_free(A); nrc_free(B); nrc_free(C1); nrc_free(C2);
        }
    }
    nrc_blas_set_threads(1);
}

static void blas_partition_depends_on_shape_only(void)
{
    size_t tr, tc;
    nrc_blas_partition(1000, 1000, 1000, &tr, &tc);
    CHECK(tr == 2 && tc == 2, "1000^3 split into %zu x %zu", tr, tc);
    nrc_blas_partition(10, 10, 10, &tr, &tc);
    CHECK(tr == 1 && tc == 1, "tiny product split into %zu x %zu", tr, tc);
    nrc_blas_partition(16, 50000, 8, &tr, &tc);
    CHECK(tr == 1 && tc > 1, "the trainer's wide gradient product not split (%zu x %zu)", tr, tc);
    nrc_blas_partition(30, 40000, 40, &tr, &tc);
    CHECK(tr * tc == 16, "30 x 40000 x 40 split into %zu x %zu", tr, tc);
}

static void blas_gemv_and_empty(void)
{
    double A[6] = {1, 2, 3, 4, 5, 6}, x[3] = {1, -1, 2}, y[2] = {7, 7};
    double xt[2] = {1, 1}, yt[3];
    nrc_dgemv(NRC_BLAS_N, 2, 3, 1.0, A, 3, x, 0.0, y);
    CHECK(y[0] == 5 && y[1] == 11, "gemv N: %g %g", y[0], y[1]);
    nrc_dgemv(NRC_BLAS_T, 3, 2, 1.0, A, 3, xt, 0.0, yt);
    CHECK(yt[0] == 5 && yt[1] == 7 && yt[2] == 9, "gemv T: %g %g %g", yt[0], yt[1], yt[2]);
    y[0] = 3; y[1] = 4;
    nrc_dgemm(NRC_BLAS_N, NRC_BLAS_N, 2, 1, 0, 1.0, A, 1, x, 1, 2.0, y, 1);
    CHECK(y[0] == 6 && y[1] == 8, "K = 0 must scale C by beta: %g %g", y[0], y[1]);
    nrc_dgemm(NRC_BLAS_N, NRC_BLAS_N, 0, 5, 5, 1.0, A, 5, x, 5, 0.0, y, 5);
}

int main(void)
{
    RUN(blas_matches_reference);
    RUN(blas_bits_independent_of_threads);
    RUN(blas_partition_depends_on_shape_only);
    RUN(blas_gemv_and_empty);
    return tl_exit();
}
