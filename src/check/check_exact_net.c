/* The network's exact quantities (include/check/nrc_check_quant.h): the
 * rows of X and W as exact vectors, the pre-activations a_ij = <w_j, x_i>
 * + b_j, the margins q_i = y_i N(x_i) and their minimum, ||w_j||^2 and the
 * parameter norms; the dot-product kernels the other steps share. Every
 * dot product is exact (check_fix.c, check_kern.c), every other operation
 * a dyadic (check_dy.c): nothing rounds.
 *
 * The kernels take plain pointers (context-free); the rows they do not
 * write come back in their postconditions (nrc_rows_valid, nrc_rows_len,
 * one quantifier each), proved in their own loops: carried across a whole
 * call by the caller instead, they were not (proofs/README.md). */
#include "nrc_check_quant.h"
#include "nrc_check_gemm.h"

nrc_status nrc_check_dot(nrc_cdy *r, const nrc_cfix *a, const nrc_cfix *b, uint64_t *sp,
                         uint64_t *sn, size_t sl, nrc_error *err)
{
    /* a->limbs + b->limbs + 1 <= sl, without overflow */
    if (a->limbs >= sl || b->limbs >= sl - a->limbs)
        return nrc_error_set(err, NRC_ERR_INTERNAL,
                             "exact dot product of %zu- and %zu-limb vectors exceeds %zu limbs",
                             a->limbs, b->limbs, sl);
    nrc_cfix_dot(r, a, b, sp, sn);
    return NRC_OK;
}

nrc_status nrc_check_neuron_dots(nrc_cdy *a, const nrc_cfix *Wr, size_t k, const nrc_cfix *x,
                                 const double *b, uint64_t *sp, uint64_t *sn, size_t sl,
                                 nrc_error *err)
{
    size_t j;
    nrc_status st = NRC_OK;
    /*@ loop invariant 0 <= j <= k && st == NRC_OK;
        loop assigns j, st, a[0 .. k - 1], sp[0 .. sl - 1], sn[0 .. sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant k - j;
    */
    for (j = 0; j < k; j++) {
        /*@ assert a_j_apart: \separated(a + j, x, Wr + (0 .. k - 1), sp + (0 .. sl - 1),
                                         sn + (0 .. sl - 1)); */
        if ((st = nrc_check_dot(&a[j], &Wr[j], x, sp, sn, sl, err)))
            break;
        if (b)
            nrc_cdy_add_d(&a[j], &a[j], b[j]);
    }
    return st;
}

void nrc_check_eval_net(nrc_cdy *out, const nrc_cdy *a, const double *v, size_t k,
                        nrc_cdy *tmp)
{
    size_t j;
    nrc_cdy_set_si(out, 0);
    /*@ loop invariant 0 <= j <= k;
        loop assigns j, *out, *tmp;
        loop variant k - j;
    */
    for (j = 0; j < k; j++) {
        if (nrc_cdy_sgn(&a[j]) <= 0)
            continue;
        nrc_cdy_mul_d(tmp, &a[j], v[j]);
        nrc_cdy_add(out, out, tmp);
    }
}

/* R[r] = the exact row r of the (rows, d) matrix X, for r < rows. Ghost:
 * the rows K[0 .. nk - 1], apart from R, stay well-formed (the provers do
 * not carry that through a call that writes a whole array, but they do
 * through each write of this loop). */
/*@ requires 1 <= rows <= NRC_MODEL_DIM_MAX && 1 <= d <= NRC_MODEL_DIM_MAX;
    requires rows * d <= SIZE_MAX;
    requires \valid(R + (0 .. rows - 1)) && \valid_read(X + (0 .. rows * d - 1));
    requires err == \null || \valid(err);
    requires \separated(R + (0 .. rows - 1), err);
    requires err == \null || \separated(err, K + (0 .. nk - 1));
    requires \separated(R + (0 .. rows - 1), K + (0 .. nk - 1));
    requires nrc_rows_valid(K, nk);
    requires nrc_rows_len(K, nk, d);
    assigns R[0 .. rows - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM;
    ensures r_valid: \result == NRC_OK ==> nrc_rows_valid(R, rows);
    ensures r_len: \result == NRC_OK ==> nrc_rows_len(R, rows, d);
    ensures k_valid: nrc_rows_valid(K, nk);
    ensures k_len: nrc_rows_len(K, nk, d);
*/
static nrc_status exact_rows(nrc_cfix *R, const double *X, size_t rows, size_t d,
                             nrc_error *err) /*@ ghost (nrc_cfix *K, size_t nk) */
{
    size_t r;
    nrc_status st;
    /*@ loop invariant 0 <= r <= rows;
        loop invariant nrc_rows_valid(R, r);
        loop invariant nrc_rows_len(R, r, d);
        loop invariant nrc_rows_valid(K, nk);
        loop invariant nrc_rows_len(K, nk, d);
        loop assigns r, st, R[0 .. rows - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant rows - r;
    */
    for (r = 0; r < rows; r++) {
        //@ ghost nrc_check_row_end(r, rows, d);
        if ((st = nrc_cfix_set_d(&R[r], X + r * d, d, 1, err)))
            return st;
    }
    return NRC_OK;
}

nrc_status nrc_check_rows(nrc_cnet N, nrc_check_ws w, nrc_error *err)
{
    nrc_status st;
    if ((st = exact_rows(w.Xr, N.X, N.n, N.d, err) /*@ ghost (w.Wr, 0) */))
        return st;
    return exact_rows(w.Wr, N.W, N.k, N.d, err) /*@ ghost (w.Xr, N.n) */;
}

/* A[t] += b_{t mod k} for t < n k: the biases of the pre-activations.
 * Ghost: the rows of X and W stay well-formed. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= k <= NRC_MODEL_DIM_MAX;
    requires n * k <= SIZE_MAX;
    requires \valid(A + (0 .. n * k - 1)) && \valid_read(b + (0 .. k - 1));
    requires nrc_rows_valid(Xr, n);
    requires nrc_rows_len(Xr, n, d);
    requires nrc_rows_valid(Wr, k);
    requires nrc_rows_len(Wr, k, d);
    requires \separated(A + (0 .. n * k - 1), Xr + (0 .. n - 1), Wr + (0 .. k - 1));
    assigns A[0 .. n * k - 1];
    ensures x_valid: nrc_rows_valid(Xr, n);
    ensures x_len: nrc_rows_len(Xr, n, d);
    ensures w_valid: nrc_rows_valid(Wr, k);
    ensures w_len: nrc_rows_len(Wr, k, d);
*/
static void add_biases(nrc_cdy *A, size_t n, size_t k, const double *b)
    /*@ ghost (nrc_cfix *Xr, nrc_cfix *Wr, size_t d) */
{
    size_t t;
    /*@ loop invariant 0 <= t <= n * k;
        loop invariant nrc_rows_valid(Xr, n);
        loop invariant nrc_rows_len(Xr, n, d);
        loop invariant nrc_rows_valid(Wr, k);
        loop invariant nrc_rows_len(Wr, k, d);
        loop assigns t, A[0 .. n * k - 1];
        loop variant n * k - t;
    */
    for (t = 0; t < n * k; t++)
        nrc_cdy_add_d(&A[t], &A[t], b[t % k]);
}

/* A[i k + j] = <w_j, x_i> (+ b_j when b is not NULL) for i < n, j < k: the
 * n k products at once by nrc_cfix_gemm (the digit kernels, blocked: about
 * half the time of n k calls of nrc_check_dot, bench/exact_gemm.c), then
 * the biases. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= k <= NRC_MODEL_DIM_MAX;
    requires 1 <= d <= NRC_MODEL_DIM_MAX && n * k <= SIZE_MAX;
    requires err == \null || \valid(err);
    requires \valid(A + (0 .. n * k - 1));
    requires \valid_read(Xr + (0 .. n - 1)) && \valid_read(Wr + (0 .. k - 1));
    requires nrc_rows_valid(Xr, n);
    requires nrc_rows_len(Xr, n, d);
    requires nrc_rows_valid((nrc_cfix *)Wr, k);
    requires nrc_rows_len((nrc_cfix *)Wr, k, d);
    requires b == \null || \valid_read(b + (0 .. k - 1));
    requires \separated(A + (0 .. n * k - 1), Xr + (0 .. n - 1), Wr + (0 .. k - 1));
    requires err == \null || \separated(err, Xr + (0 .. n - 1), Wr + (0 .. k - 1));
    assigns A[0 .. n * k - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM;
    ensures x_valid: nrc_rows_valid(Xr, n);
    ensures x_len: nrc_rows_len(Xr, n, d);
    ensures w_valid: nrc_rows_valid((nrc_cfix *)Wr, k);
    ensures w_len: nrc_rows_len((nrc_cfix *)Wr, k, d);
*/
static nrc_status pre_rows(nrc_cdy *A, nrc_cfix *Xr, size_t n, const nrc_cfix *Wr, size_t k,
                           const double *b, nrc_error *err) /*@ ghost (size_t d) */
{
    nrc_status st = nrc_cfix_gemm(A, k, Xr, n, Wr, k, err);
    if (st == NRC_OK && b)
        add_biases(A, n, k, b) /*@ ghost (Xr, (nrc_cfix *)Wr, d) */;
    return st;
}

/* q_i = y_i N(x_i) from the pre-activations A, and *qmin = min_i q_i.
 * Ghost: the rows R1 and R2 stay well-formed. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= k <= NRC_MODEL_DIM_MAX;
    requires n * k <= SIZE_MAX;
    requires \valid(q + (0 .. n - 1)) && \valid(qmin);
    requires \valid_read(A + (0 .. n * k - 1));
    requires \valid_read(v + (0 .. k - 1)) && \valid_read(y + (0 .. n - 1));
    requires \separated(q + (0 .. n - 1), qmin, A + (0 .. n * k - 1));
    requires \separated(q + (0 .. n - 1), qmin, R1 + (0 .. n1 - 1), R2 + (0 .. n2 - 1));
    requires nrc_rows_valid(R1, n1);
    requires nrc_rows_len(R1, n1, d);
    requires nrc_rows_valid(R2, n2);
    requires nrc_rows_len(R2, n2, d);
    assigns q[0 .. n - 1], *qmin;
    ensures r1_valid: nrc_rows_valid(R1, n1);
    ensures r1_len: nrc_rows_len(R1, n1, d);
    ensures r2_valid: nrc_rows_valid(R2, n2);
    ensures r2_len: nrc_rows_len(R2, n2, d);
*/
static void margins(nrc_cdy *q, nrc_cdy *qmin, const nrc_cdy *A, size_t n, size_t k,
                    const double *v, const double *y)
    /*@ ghost (nrc_cfix *R1, size_t n1, nrc_cfix *R2, size_t n2, size_t d) */
{
    size_t i;
    nrc_cdy tmp;
    nrc_cdy_init(&tmp);
    /*@ loop invariant 0 <= i <= n;
        loop invariant nrc_rows_valid(R1, n1);
        loop invariant nrc_rows_len(R1, n1, d);
        loop invariant nrc_rows_valid(R2, n2);
        loop invariant nrc_rows_len(R2, n2, d);
        loop assigns i, tmp, q[0 .. n - 1], *qmin;
        loop variant n - i;
    */
    for (i = 0; i < n; i++) {
        //@ ghost nrc_check_row_end(i, n, k);
        nrc_check_eval_net(&q[i], &A[i * k], v, k, &tmp);
        if (y[i] < 0)
            nrc_cdy_neg(&q[i], &q[i]);
        if (i == 0 || nrc_cdy_cmp(&q[i], qmin) < 0)
            nrc_cdy_set(qmin, &q[i]);
    }
    nrc_cdy_clear(&tmp);
}

/* *T += x[j]^2 unless x is NULL (*tmp is scratch): one call keeps a loop one path. */
/*@ requires \valid(T) && \valid(tmp) && \separated(T, tmp) && (x == \null || \valid_read(x + j));
    assigns *T, *tmp; */
static void add_sq(nrc_cdy *T, nrc_cdy *tmp, const double *x, size_t j)
{
    if (x) {
        nrc_cdy_set_d(tmp, x[j]);
        nrc_cdy_mul(tmp, tmp, tmp);
        nrc_cdy_add(T, T, tmp);
    }
}

/* ww_j = ||w_j||^2, *T_wb = ||(W, b)||^2 and *T_full = ||(W, b, v)||^2;
 * ghost: the rows K[0 .. nk - 1] stay well-formed. */
/*@ requires 1 <= k <= NRC_MODEL_DIM_MAX && 1 <= sl <= NRC_CHECK_ACC_LIMBS && (err == \null || \valid(err));
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1)) && \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires \valid(ww + (0 .. k - 1)) && \valid(T_wb) && \valid(T_full);
    requires nrc_rows_valid((nrc_cfix *)Wr, k);
    requires nrc_rows_len((nrc_cfix *)Wr, k, d);
    requires nrc_rows_valid(K, nk);
    requires nrc_rows_len(K, nk, d);
    requires (b == \null || \valid_read(b + (0 .. k - 1))) && \valid_read(v + (0 .. k - 1));
    requires \separated(ww + (0 .. k - 1), T_wb, T_full, Wr + (0 .. k - 1),
                        sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires \separated(K + (0 .. nk - 1), ww + (0 .. k - 1), T_wb, T_full,
                        sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \separated(err, Wr + (0 .. k - 1), K + (0 .. nk - 1));
    assigns ww[0 .. k - 1], *T_wb, *T_full, sp[0 .. sl - 1], sn[0 .. sl - 1],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
    ensures w_valid: nrc_rows_valid((nrc_cfix *)Wr, k);
    ensures w_len: nrc_rows_len((nrc_cfix *)Wr, k, d);
    ensures k_valid: nrc_rows_valid(K, nk);
    ensures k_len: nrc_rows_len(K, nk, d);
*/
static nrc_status param_norms(nrc_cdy *ww, nrc_cdy *T_wb, nrc_cdy *T_full, const nrc_cfix *Wr,
                              size_t k, const double *b, const double *v, uint64_t *sp,
                              uint64_t *sn, size_t sl,
                              nrc_error *err) /*@ ghost (size_t d, nrc_cfix *K, size_t nk) */
{
    size_t j;
    nrc_status st = NRC_OK;
    nrc_cdy tmp;
    nrc_cdy_init(&tmp);
    nrc_cdy_set_si(T_wb, 0);
    /*@ loop invariant 0 <= j <= k && st == NRC_OK;
        loop invariant nrc_rows_valid((nrc_cfix *)Wr, k);
        loop invariant nrc_rows_len((nrc_cfix *)Wr, k, d);
        loop invariant nrc_rows_valid(K, nk);
        loop invariant nrc_rows_len(K, nk, d);
        loop assigns j, st, tmp, ww[0 .. k - 1], *T_wb, sp[0 .. sl - 1], sn[0 .. sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant k - j;
    */
    for (j = 0; j < k; j++) {
        if ((st = nrc_check_dot(&ww[j], &Wr[j], &Wr[j], sp, sn, sl, err)))
            break;
        nrc_cdy_add(T_wb, T_wb, &ww[j]);
        add_sq(T_wb, &tmp, b, j);
    }
    if (!st) {
        nrc_cdy_set(T_full, T_wb);
        /*@ loop invariant 0 <= j <= k;
            loop invariant nrc_rows_valid((nrc_cfix *)Wr, k);
            loop invariant nrc_rows_len((nrc_cfix *)Wr, k, d);
            loop invariant nrc_rows_valid(K, nk);
            loop invariant nrc_rows_len(K, nk, d);
            loop assigns j, tmp, *T_full;
            loop variant k - j;
        */
        for (j = 0; j < k; j++)
            add_sq(T_full, &tmp, v, j);
    }
    nrc_cdy_clear(&tmp);
    return st;
}

/* a[j] = a_j(x) for every neuron j < k and *xx = <x, x>, for the row
 * x[0 .. d - 1] made exact in the caller's *xt for the purpose and
 * released. No postcondition on the rows Wr: the caller carries them by
 * this frame (assigns) alone, one call per iteration as in pre_rows; the
 * same facts as postconditions here, across the body's three calls and
 * its join, timed out at 60 s. */
/*@ requires 1 <= k <= NRC_MODEL_DIM_MAX && 1 <= d && 1 <= sl <= NRC_CHECK_ACC_LIMBS;
    requires err == \null || \valid(err);
    requires \valid_read(x + (0 .. d - 1));
    requires \valid(a + (0 .. k - 1)) && \valid(xx);
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires nrc_rows_valid((nrc_cfix *)Wr, k);
    requires nrc_rows_len((nrc_cfix *)Wr, k, d);
    requires b == \null || \valid_read(b + (0 .. k - 1));
    requires \separated(a + (0 .. k - 1), xx, Wr + (0 .. k - 1), sp + (0 .. sl - 1),
                        sn + (0 .. sl - 1));
    requires \separated(xx, sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires \valid(xt) && \separated(xt, a + (0 .. k - 1), xx, Wr + (0 .. k - 1),
                                      sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \separated(err, xt, Wr + (0 .. k - 1));
    assigns *xt, a[0 .. k - 1], *xx, sp[0 .. sl - 1], sn[0 .. sl - 1],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM || \result == NRC_ERR_INTERNAL;
*/
static nrc_status test_row(nrc_cdy *a, nrc_cdy *xx, nrc_cfix *xt, const double *x, size_t d,
                           const nrc_cfix *Wr, size_t k, const double *b, uint64_t *sp,
                           uint64_t *sn, size_t sl, nrc_error *err)
{
    nrc_status st;
    nrc_cfix_init(xt);
    if (!(st = nrc_cfix_set_d(xt, x, d, 1, err)) &&
        !(st = nrc_check_neuron_dots(a, Wr, k, xt, b, sp, sn, sl, err)))
        st = nrc_check_dot(xx, xt, xt, sp, sn, sl, err);
    nrc_cfix_clear(xt);
    return st;
}

/* w.At[i k + j] = a_j(xt_i) and w.xxt[i] = <xt_i, xt_i> for the test point
 * i of every certified flip (test_row): the flips then need no row.
 * NRC_ERR_INTERNAL (never expected: the parser checks it) for an index out
 * of range. */
/*@ requires nrc_cnet_ok(N) && nrc_cert_view_ok(V, N.n, N.k);
    requires nrc_ws_ok(w, N.n, N.d, N.k, N.m);
    requires err == \null || \valid(err);
    requires nrc_ws_apart_err(w, err);
    requires nrc_rows_valid(w.Xr, N.n);
    requires nrc_rows_len(w.Xr, N.n, N.d);
    requires nrc_rows_valid(w.Wr, N.k);
    requires nrc_rows_len(w.Wr, N.k, N.d);
    assigns w.At[0 .. N.m * N.k - 1], w.xxt[0 .. N.m - 1],
            w.sp[0 .. 2 * NRC_CHECK_ACC_LIMBS - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM || \result == NRC_ERR_INTERNAL;
    ensures x_valid: nrc_rows_valid(w.Xr, N.n);
    ensures x_len: nrc_rows_len(w.Xr, N.n, N.d);
    ensures w_valid: nrc_rows_valid(w.Wr, N.k);
    ensures w_len: nrc_rows_len(w.Wr, N.k, N.d);
*/
static nrc_status test_rows(nrc_cert_view V, nrc_cnet N, nrc_check_ws w, nrc_error *err)
{
    const size_t k = N.k, d = N.d, m = N.m, sl = NRC_CHECK_ACC_LIMBS;
    size_t r;
    nrc_status st = NRC_OK;
    /*@ loop invariant 0 <= r <= V.n_flips && st == NRC_OK;
        loop invariant nrc_rows_valid(w.Xr, N.n);
        loop invariant nrc_rows_len(w.Xr, N.n, N.d);
        loop invariant nrc_rows_valid(w.Wr, k);
        loop invariant nrc_rows_len(w.Wr, k, d);
        loop assigns r, st, w.At[0 .. m * k - 1], w.xxt[0 .. m - 1], w.sp[0 .. 2 * sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant V.n_flips - r;
    */
    for (r = 0; r < V.n_flips; r++) {
        const nrc_cflip f = V.flips[r];
        const size_t i = (size_t)f.index;
        nrc_cfix xt;
        if (!f.test || f.status != NRC_CFLIP_CERTIFIED)
            continue;
        if (i >= m) {
            st = nrc_error_set(err, NRC_ERR_INTERNAL, "flips[%zu].index %zu out of range", r, i);
            break;
        }
        //@ ghost nrc_check_row_end(i, m, d);
        //@ ghost nrc_check_dims_product(m, k);
        //@ ghost nrc_check_row_end(i, m, k);
        st = test_row(w.At + i * k, &w.xxt[i], &xt, N.Xt + i * d, d, w.Wr, k, N.b, w.sp, w.sn,
                      sl, err);
        /* the rows across the call, once for the loop and the early exit */
        //@ assert x_kept: nrc_rows_valid(w.Xr, N.n);
        //@ assert xl_kept: nrc_rows_len(w.Xr, N.n, N.d);
        //@ assert w_kept: nrc_rows_valid(w.Wr, k);
        //@ assert wl_kept: nrc_rows_len(w.Wr, k, d);
        if (st)
            break;
    }
    return st;
}

nrc_status nrc_check_net(nrc_cert_view V, nrc_cnet N, nrc_check_ws w, nrc_error *err)
{
    nrc_status st;
    if ((st = param_norms(w.ww, w.T_wb, w.T_full, w.Wr, N.k, N.b, N.v, w.sp, w.sn,
                          NRC_CHECK_ACC_LIMBS, err) /*@ ghost (N.d, w.Xr, N.n) */))
        return st;
    if ((st = pre_rows(w.A, w.Xr, N.n, w.Wr, N.k, N.b, err) /*@ ghost (N.d) */))
        return st;
    if ((st = test_rows(V, N, w, err)))
        return st;
    margins(w.q, w.qmin, w.A, N.n, N.k, N.v, N.y) /*@ ghost (w.Xr, N.n, w.Wr, N.k, N.d) */;
    return NRC_OK;
}
