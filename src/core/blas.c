/* Deterministic threaded GEMM over single-threaded OpenBLAS calls
 * (include/core/nrc_blas.h).  Search level: untrusted binary64.
 *
 * Why a fixed tile grid: OpenBLAS splits a product among its threads in a
 * way that depends on the thread count, and the per-entry rounding can follow
 * the split.  With OpenBLAS pinned to one thread and the tile grid a function
 * of (M, N, K) only, entry C[i][j] always comes from the same cblas_dgemm
 * call on the same operands, whichever of our threads runs it.  The sum over
 * K is never split: that would change the rounding. */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <cblas.h>
#include "nrc_blas.h"

/* Tile sizing.  Each tile repacks its panels of A and B (memory traffic
 * ~ K (mb + nb)) for 2 mb nb K flops, so tiles stay large: the grid grows by
 * halving the longer tile side (never below NRC_BLAS_MIN_SIDE; with 16 the
 * 200 x 100 x 20000 product ran 1.5x slower than one call) until there are
 * about work / NRC_BLAS_TILE_FLOPS tiles, at most NRC_BLAS_MAX_TILES. */
#define NRC_BLAS_TILE_FLOPS 4194304.0   /* 2^22 flops, ~0.1 ms on one core */
#define NRC_BLAS_MAX_TILES 16
#define NRC_BLAS_MIN_SIDE 256
#define NRC_BLAS_MAX_THREADS 256

static int blas_threads = 1;
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

static void blas_init_once(void) { openblas_set_num_threads(1); }

void nrc_blas_set_threads(int threads)
{
    pthread_once(&blas_once, blas_init_once);
    if (threads < 1)
        threads = 1;
    if (threads > NRC_BLAS_MAX_THREADS)
        threads = NRC_BLAS_MAX_THREADS;
    blas_threads = threads;
}

int nrc_blas_threads(void) { return blas_threads; }

void nrc_blas_partition(size_t M, size_t N, size_t K, size_t *tiles_rows,
                        size_t *tiles_cols)
{
    double work = 2.0 * (double)M * (double)N * (double)K;
    double want_d = work / NRC_BLAS_TILE_FLOPS;
    size_t want = want_d >= NRC_BLAS_MAX_TILES ? NRC_BLAS_MAX_TILES
                  : want_d < 1.0 ? 1 : (size_t)want_d;
    size_t tr = 1, tc = 1;
    /* cblas takes int sizes: tile sides must fit. */
    while ((M + tr - 1) / tr > (size_t)INT_MAX / 2)
        tr *= 2;
    while ((N + tc - 1) / tc > (size_t)INT_MAX / 2)
        tc *= 2;
    while (tr * tc < want) {
        size_t mr = M / tr, nc = N / tc;
        if (mr >= nc && mr >= 2 * NRC_BLAS_MIN_SIDE)
            tr *= 2;
        else if (nc >= 2 * NRC_BLAS_MIN_SIDE)
            tc *= 2;
        else if (mr >= 2 * NRC_BLAS_MIN_SIDE)
            tr *= 2;
        else
            break;
    }
    *tiles_rows = tr;
    *tiles_cols = tc;
}

typedef struct {
    nrc_blas_trans ta, tb;
    size_t M, N, K;
    double alpha, beta;
    const double *A, *B;
    double *C;
    size_t lda, ldb, ldc;
    size_t tr, tc;
    atomic_size_t next;   /* next tile to hand out */
} blas_job;

static void blas_tile(const blas_job *J, size_t t)
{
    size_t bi = t / J->tc, bj = t % J->tc;
    size_t r0 = bi * J->M / J->tr, r1 = (bi + 1) * J->M / J->tr;
    size_t c0 = bj * J->N / J->tc, c1 = (bj + 1) * J->N / J->tc;
    const double *A = J->ta == NRC_BLAS_N ? J->A + r0 * J->lda : J->A + r0;
    const double *B = J->tb == NRC_BLAS_N ? J->B + c0 : J->B + c0 * J->ldb;
    if (r1 == r0 || c1 == c0)
        return;
    cblas_dgemm(CblasRowMajor, J->ta == NRC_BLAS_N ? CblasNoTrans : CblasTrans,
                J->tb == NRC_BLAS_N ? CblasNoTrans : CblasTrans,
                (int)(r1 - r0), (int)(c1 - c0), (int)J->K, J->alpha, A,
                (int)J->lda, B, (int)J->ldb, J->beta,
                J->C + r0 * J->ldc + c0, (int)J->ldc);
}

static void *blas_worker(void *arg)
{
    blas_job *J = arg;
    size_t total = J->tr * J->tc;
    for (;;) {
        size_t t = atomic_fetch_add(&J->next, 1);
        if (t >= total)
            break;
        blas_tile(J, t);
    }
    return NULL;
}

void nrc_dgemm(nrc_blas_trans ta, nrc_blas_trans tb, size_t M, size_t N, size_t K,
               double alpha, const double *A, size_t lda, const double *B,
               size_t ldb, double beta, double *C, size_t ldc)
{
    blas_job J;
    pthread_t tid[NRC_BLAS_MAX_THREADS];
    size_t started = 0, total, want, i;

    pthread_once(&blas_once, blas_init_once);
    /* Someone may have raised OpenBLAS's thread count since: pin it again
     * (cheap when already 1). */
    if (openblas_get_num_threads() != 1)
        openblas_set_num_threads(1);
    if (M == 0 || N == 0)
        return;
    if (K > (size_t)INT_MAX || lda > (size_t)INT_MAX || ldb > (size_t)INT_MAX ||
        ldc > (size_t)INT_MAX) {
        /* Beyond cblas's int sizes: the reference loop, also deterministic. */
        nrc_dgemm_ref(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    if (K == 0) {
        /* C := beta C; BLAS semantics: beta == 0 overwrites. */
        for (i = 0; i < M; i++)
            for (size_t j = 0; j < N; j++)
                C[i * ldc + j] = beta == 0.0 ? 0.0 : beta * C[i * ldc + j];
        return;
    }
    J.ta = ta; J.tb = tb; J.M = M; J.N = N; J.K = K;
    J.alpha = alpha; J.beta = beta; J.A = A; J.B = B; J.C = C;
    J.lda = lda; J.ldb = ldb; J.ldc = ldc;
    nrc_blas_partition(M, N, K, &J.tr, &J.tc);
    atomic_init(&J.next, 0);
    total = J.tr * J.tc;
    want = (size_t)blas_threads < total ? (size_t)blas_threads : total;
    for (i = 1; i < want; i++) {
        if (pthread_create(&tid[started], NULL, blas_worker, &J) != 0)
            break;   /* fewer threads, same tiles, same result */
        started++;
    }
    blas_worker(&J);
    for (i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
}

void nrc_dgemv(nrc_blas_trans ta, size_t M, size_t K, double alpha,
               const double *A, size_t lda, const double *x, double beta,
               double *y)
{
    /* y as an (M,1) matrix, x as (K,1). */
    nrc_dgemm(ta, NRC_BLAS_N, M, 1, K, alpha, A, lda, x, 1, beta, y, 1);
}

void nrc_dgemm_ref(nrc_blas_trans ta, nrc_blas_trans tb, size_t M, size_t N,
                   size_t K, double alpha, const double *A, size_t lda,
                   const double *B, size_t ldb, double beta, double *C,
                   size_t ldc)
{
    for (size_t i = 0; i < M; i++) {
        for (size_t j = 0; j < N; j++) {
            double s = 0.0;
            for (size_t l = 0; l < K; l++) {
                double a = ta == NRC_BLAS_N ? A[i * lda + l] : A[l * lda + i];
                double b = tb == NRC_BLAS_N ? B[l * ldb + j] : B[j * ldb + l];
                s += a * b;
            }
            C[i * ldc + j] = alpha * s + (beta == 0.0 ? 0.0 : beta * C[i * ldc + j]);
        }
    }
}
