/* Forward pass of the depth-2 ReLU network (include/train/nrc_train.h).
 * Search level: binary64, untrusted.
 * Proofs (make proofs): the ghost calls of the lemma function
 * nrc_train_row_end (spec/acsl/nrc_train_acsl.h) make the index bounds
 * i * k + j < n * k linear facts for the provers. */
#include "nrc_blas.h"
#include "nrc_train.h"

void nrc_train_forward_d(size_t n, size_t d, size_t k, const double *X,
                         const double *y, const double *W, const double *b,
                         const double *v, double *A, double *R, double *N,
                         double *q)
{
    /* A (n,k) = X (n,d) W^T (d,k): the first of the two GEMMs of a step. */
    nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, n, k, d, 1.0, X, d, W, d, 0.0, A, k);
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, A[0 .. n * k - 1], R[0 .. n * k - 1], N[0 .. n - 1], q[0 .. n - 1];
        loop variant n - i;
    */
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        /*@ ghost nrc_train_row_end(i, n, k); */
        /*@ loop invariant 0 <= j <= k;
            loop assigns j, s, A[0 .. n * k - 1], R[0 .. n * k - 1];
            loop variant k - j;
        */
        for (size_t j = 0; j < k; j++) {
            double a = b ? A[i * k + j] + b[j] : A[i * k + j];
            double rl = a > 0.0 ? a : 0.0;
            A[i * k + j] = a;
            R[i * k + j] = rl;
            s += rl * v[j];
        }
        N[i] = s;
        q[i] = y[i] * s;
    }
}

void nrc_train_forward_ref_d(size_t n, size_t d, size_t k, const double *X,
                             const double *y, const double *W, const double *b,
                             const double *v, double *A, double *R, double *N,
                             double *q)
{
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, A[0 .. n * k - 1], R[0 .. n * k - 1], N[0 .. n - 1], q[0 .. n - 1];
        loop variant n - i;
    */
    for (size_t i = 0; i < n; i++) {
        N[i] = 0.0;
        /*@ ghost nrc_train_row_end(i, n, k); */
        /*@ ghost nrc_train_row_end(i, n, d); */
        /*@ loop invariant 0 <= j <= k;
            loop assigns j, N[i], A[0 .. n * k - 1], R[0 .. n * k - 1];
            loop variant k - j;
        */
        for (size_t j = 0; j < k; j++) {
            double a = 0.0;
            /*@ ghost nrc_train_row_end(j, k, d); */
            /*@ loop invariant 0 <= l <= d;
                loop assigns l, a;
                loop variant d - l;
            */
            for (size_t l = 0; l < d; l++)
                a += X[i * d + l] * W[j * d + l];
            if (b)
                a += b[j];
            A[i * k + j] = a;
            R[i * k + j] = a > 0.0 ? a : 0.0;
            N[i] += R[i * k + j] * v[j];
        }
        q[i] = y[i] * N[i];
    }
}
