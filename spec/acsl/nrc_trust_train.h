/* Contracts of the trust base for the train proofs (make proofs pre-includes
 * this file for the proofs/FILES lines that name it with
 * +include=spec/acsl/nrc_trust_train.h; the compiler never sees it). Functions
 * declared here are called by proved files but not proved themselves; each
 * is listed in proofs/README.md. */
#ifndef NRC_ACSL_TRUST_TRAIN_H
#define NRC_ACSL_TRUST_TRAIN_H
#include <stddef.h>
#include <math.h>     /* Frama-C libc: contracts of exp and log */
#include "nrc_blas.h"

/* src/core/blas.c (tiles of single-threaded OpenBLAS cblas_dgemm, or the
 * reference loop): C (M,N) := alpha op(A) op(B) + beta C, row-major.
 * Reads op(A) from A as (M,K) rows of lda (ta == N) or (K,M) rows of lda
 * (ta == T), likewise op(B) (K,N) from B; writes only C's M rows of ldc.
 * The whole rows (rows * leading dimension) must be valid, which is more
 * than the last row needs: a stronger precondition, checked at each call.
 * No claim about the values (search level, untrusted binary64). */
/*@ requires ta == NRC_BLAS_N || ta == NRC_BLAS_T;
    requires tb == NRC_BLAS_N || tb == NRC_BLAS_T;
    requires a_n: ta == NRC_BLAS_N ==> lda >= K && \valid_read(A + (0 .. M * lda - 1));
    requires a_t: ta == NRC_BLAS_T ==> lda >= M && \valid_read(A + (0 .. K * lda - 1));
    requires b_n: tb == NRC_BLAS_N ==> ldb >= N && \valid_read(B + (0 .. K * ldb - 1));
    requires b_t: tb == NRC_BLAS_T ==> ldb >= K && \valid_read(B + (0 .. N * ldb - 1));
    requires c: ldc >= N && \valid(C + (0 .. M * ldc - 1));
    requires sep_a_n: ta == NRC_BLAS_N ==> \separated(C + (0 .. M * ldc - 1), A + (0 .. M * lda - 1));
    requires sep_a_t: ta == NRC_BLAS_T ==> \separated(C + (0 .. M * ldc - 1), A + (0 .. K * lda - 1));
    requires sep_b_n: tb == NRC_BLAS_N ==> \separated(C + (0 .. M * ldc - 1), B + (0 .. K * ldb - 1));
    requires sep_b_t: tb == NRC_BLAS_T ==> \separated(C + (0 .. M * ldc - 1), B + (0 .. N * ldb - 1));
    assigns C[0 .. M * ldc - 1];
*/
void nrc_dgemm(nrc_blas_trans ta, nrc_blas_trans tb, size_t M, size_t N, size_t K,
               double alpha, const double *A, size_t lda, const double *B,
               size_t ldb, double beta, double *C, size_t ldc);

/* glibc log1p (Frama-C's libc declares it without a contract): a value,
 * possibly errno. exp and log keep Frama-C's own libc contracts. */
/*@ assigns errno, \result \from x; */
extern double log1p(double x);

#endif
