/* Gradient of sum_i weight_i from the forward buffers (include/train/nrc_train.h,
 * MATH.md section 3).  Search level.
 * Proofs (make proofs): the ghost calls of the lemma function
 * nrc_train_row_end (spec/acsl/nrc_train_acsl.h) make the index bounds
 * i * k + j < n * k linear facts for the provers. */
#include "nrc_blas.h"
#include "nrc_train.h"

/* x when c != 0, else +0.0, without a branch: GCC compiles the select
 * `a > 0.0 ? p : 0.0` here into a branch on the sign of a, which
 * mispredicts about every other entry (the signs of the pre-activations are
 * coin tosses); the pick from a two-entry table is a flag and a load, and
 * gives the same bits. */
/*@ assigns \nothing;
    ensures c != 0 ==> \result == x;
*/
static inline double gradient_pick(int c, double x)
{
    double t[2];
    t[0] = 0.0;
    t[1] = x;
    return t[c != 0];
}

void nrc_train_gradient_terms_d(size_t n, size_t k, const double *A, const double *R,
                                const double *v, const double *r, double *Mbuf,
                                double *gb, double *gv)
{
    if (gv)
        /*@ loop invariant 0 <= j <= k;
            loop assigns j, gv[0 .. k - 1];
            loop variant k - j;
        */
        for (size_t j = 0; j < k; j++)
            gv[j] = 0.0;
    if (gb)
        /*@ loop invariant 0 <= j <= k;
            loop assigns j, gb[0 .. k - 1];
            loop variant k - j;
        */
        for (size_t j = 0; j < k; j++)
            gb[j] = 0.0;
    /* Per row i, three plain loops over j (M, then gv, then gb) instead of
     * one with tests inside: no branch on the data (gradient_pick) and no
     * pointer test in the loops. Every entry gets the same operations in
     * the same order as in one loop: the same bits. */
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, Mbuf[0 .. n * k - 1], gv[0 .. k - 1], gb[0 .. k - 1];
        loop variant n - i;
    */
    for (size_t i = 0; i < n; i++) {
        const double ri = r[i];
        /*@ ghost nrc_train_row_end(i, n, k); */
        /*@ loop invariant 0 <= j <= k;
            loop assigns j, Mbuf[0 .. n * k - 1];
            loop variant k - j;
        */
        for (size_t j = 0; j < k; j++) {
            /* S o (r v^T): the ReLU's derivative is taken as 0 at a = 0. */
            double m = gradient_pick(A[i * k + j] > 0.0, ri * v[j]);
            /*@ assert i * k + j < n * k; */
            Mbuf[i * k + j] = m;
        }
        if (gv)
            /*@ loop invariant 0 <= j <= k;
                loop assigns j, gv[0 .. k - 1];
                loop variant k - j;
            */
            for (size_t j = 0; j < k; j++)
                gv[j] += R[i * k + j] * ri;
        if (gb)
            /*@ loop invariant 0 <= j <= k;
                loop assigns j, gb[0 .. k - 1];
                loop variant k - j;
            */
            for (size_t j = 0; j < k; j++)
                gb[j] += Mbuf[i * k + j];
    }
}

void nrc_train_gradient_d(size_t n, size_t d, size_t k, const double *X,
                          const double *A, const double *R, const double *v,
                          const double *r, double *Mbuf, double *gW,
                          double *gb, double *gv)
{
    nrc_train_gradient_terms_d(n, k, A, R, v, r, Mbuf, gb, gv);
    /* gW (k,d) = Mbuf^T (k,n) X (n,d): the second GEMM of a step. */
    nrc_dgemm(NRC_BLAS_T, NRC_BLAS_N, k, d, n, 1.0, Mbuf, k, X, d, 0.0, gW, d);
}

void nrc_train_gradient_ref_d(size_t n, size_t d, size_t k, const double *X,
                              const double *A, const double *R, const double *v,
                              const double *r, double *gW, double *gb,
                              double *gv)
{
    /*@ loop invariant 0 <= j <= k;
        loop assigns j, gW[0 .. k * d - 1], gb[0 .. k - 1], gv[0 .. k - 1];
        loop variant k - j;
    */
    for (size_t j = 0; j < k; j++) {
        double sv = 0.0, sb = 0.0;
        /*@ ghost nrc_train_row_end(j, k, d); */
        /*@ loop invariant 0 <= l <= d;
            loop assigns l, gW[0 .. k * d - 1];
            loop variant d - l;
        */
        for (size_t l = 0; l < d; l++) {
            double s = 0.0;
            /*@ loop invariant 0 <= i <= n;
                loop assigns i, s;
                loop variant n - i;
            */
            for (size_t i = 0; i < n; i++) {
                /*@ ghost nrc_train_row_end(i, n, k); */
                /*@ ghost nrc_train_row_end(i, n, d); */
                if (A[i * k + j] > 0.0)
                    s += r[i] * v[j] * X[i * d + l];
            }
            gW[j * d + l] = s;
        }
        /*@ loop invariant 0 <= i <= n;
            loop assigns i, sv, sb;
            loop variant n - i;
        */
        for (size_t i = 0; i < n; i++) {
            /*@ ghost nrc_train_row_end(i, n, k); */
            sv += R[i * k + j] * r[i];
            if (A[i * k + j] > 0.0)
                sb += r[i] * v[j];
        }
        if (gv)
            gv[j] = sv;
        if (gb)
            gb[j] = sb;
    }
}
