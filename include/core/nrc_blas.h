/* Deterministic, threaded matrix products over OpenBLAS.
 *
 * OpenBLAS's own threading splits the work by the number of threads, so the
 * rounding of an entry can depend on OPENBLAS_NUM_THREADS.  Here OpenBLAS is
 * always asked for one thread (openblas_set_num_threads(1), done by every
 * entry point below) and the output C is cut into a FIXED grid of tiles whose
 * boundaries depend only on the shapes (M, N, K), never on the thread count.
 * Each tile is one single-threaded cblas_dgemm call; tiles are handed out to
 * nrc_blas_threads() pthreads.  So every entry of C is produced by the same
 * call with the same operands whatever the thread count: the result is
 * bit-identical for any --threads value and any OPENBLAS_NUM_THREADS.
 * (It still depends on the OpenBLAS build and the CPU kernel it selects.)
 *
 * These are untrusted binary64 products (search level): no error bounds.
 * Matrices are row-major. */
#ifndef NRC_BLAS_H
#define NRC_BLAS_H
#include <stddef.h>

typedef enum { NRC_BLAS_N = 0, NRC_BLAS_T = 1 } nrc_blas_trans;

/* Number of worker threads used by nrc_dgemm (clamped to [1, 256]).
 * Process-wide; call it before starting work, not concurrently with it. */
void nrc_blas_set_threads(int threads);
int nrc_blas_threads(void);

/* C (M,N) := alpha * op(A) * op(B) + beta * C, row-major, CBLAS argument
 * order.  op(A) is (M,K): A is (M,K) with lda >= K when ta == NRC_BLAS_N,
 * (K,M) with lda >= M when ta == NRC_BLAS_T; likewise op(B) is (K,N).
 * Never fails: if a thread cannot be started, its tiles are computed by the
 * calling thread, with the same result. */
void nrc_dgemm(nrc_blas_trans ta, nrc_blas_trans tb, size_t M, size_t N, size_t K,
               double alpha, const double *A, size_t lda, const double *B,
               size_t ldb, double beta, double *C, size_t ldc);

/* y (M) := alpha * op(A) x + beta * y, A (M,K) row-major if NRC_BLAS_N, else
 * A is (K,M) and op(A) = A^T.  Implemented as an M x 1 nrc_dgemm, so it is
 * deterministic in the same sense. */
void nrc_dgemv(nrc_blas_trans ta, size_t M, size_t K, double alpha,
               const double *A, size_t lda, const double *x, double beta,
               double *y);

/* The tile grid nrc_dgemm uses for these shapes (rows x cols of tiles);
 * exposed for tests and the benchmark. */
void nrc_blas_partition(size_t M, size_t N, size_t K, size_t *tiles_rows,
                        size_t *tiles_cols);

/* Naive triple-loop reference (same arguments), summing over K in order. */
void nrc_dgemm_ref(nrc_blas_trans ta, nrc_blas_trans tb, size_t M, size_t N,
                   size_t K, double alpha, const double *A, size_t lda,
                   const double *B, size_t ldb, double beta, double *C,
                   size_t ldc);

#endif
