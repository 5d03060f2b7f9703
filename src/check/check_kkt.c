/* The KKT claims (spec/CERTIFICATE.md "kkt", MATH.md section 4;
 * spec/CHECK.md step 5), when asserted: fit.all_correct and q_min > 0,
 * every lambda_i >= 0, eta = kink_tolerance >= 0, the listed kinks
 * (|a_ij| <= eta, 0 <= g <= 1, every exact zero listed), then the residual
 * r = theta - sum_i lambda_i h_i over (W, b) and, for the full variant, v,
 * with ||r||^2 <= eps_rel_upper^2 T, ||r||^2 <= eps_upper^2 q_min (q_min^2
 * fixed), sum_i lambda_i (q_i - q_min) <= delta_upper q_min and
 * max_j | ||w_j||^2 + b_j^2 - v_j^2 | <= balance_defect_upper ||theta||^2.
 * The residual's sums S_j[t] = sum_i c_i x_i[t] are exact dot products with
 * the columns of X (spec/CHECK.md "Exact arithmetic"). */
#include <stdio.h>
#include "nrc_check_claims.h"
#include "nrc_check_quant.h"

/* r = sum_t a_t b_t over the support idx of a (nrc_cfix_dot_support),
 * with the accumulators sp, sn (sl limbs each). */
/*@ requires 1 <= sl <= NRC_CHECK_ACC_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(r) && nrc_cfix_valid((nrc_cfix *)a) && nrc_cfix_valid((nrc_cfix *)b);
    requires a->len == b->len;
    requires nidx == 0 || \valid_read(idx + (0 .. nidx - 1));
    requires \forall integer u; 0 <= u < nidx ==> idx[u] < a->len;
    assigns *r, sp[0 .. sl - 1], sn[0 .. sl - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
*/
static nrc_status dot_support(nrc_cdy *r, const nrc_cfix *a, const nrc_cfix *b,
                              const size_t *idx, size_t nidx, uint64_t *sp, uint64_t *sn,
                              size_t sl, nrc_error *err)
{
    if (a->limbs >= sl || b->limbs >= sl - a->limbs)
        return nrc_error_set(err, NRC_ERR_INTERNAL,
                             "exact dot product of %zu- and %zu-limb vectors exceeds %zu limbs",
                             a->limbs, b->limbs, sl);
    nrc_cfix_dot_support(r, a, b, idx, nidx, sp, sn);
    return NRC_OK;
}

/* The columns of X (n entries each, stride d) as exact vectors. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= d <= NRC_MODEL_DIM_MAX && n * d <= SIZE_MAX;
    requires \valid(Xc + (0 .. d - 1)) && \valid_read(X + (0 .. n * d - 1));
    requires err == \null || \valid(err);
    requires \separated(err, Xc + (0 .. d - 1));
    assigns Xc[0 .. d - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM;
    ensures c_valid: \result == NRC_OK ==> nrc_rows_valid(Xc, d);
    ensures c_len: \result == NRC_OK ==> nrc_rows_len(Xc, d, n);
*/
static nrc_status kkt_cols(nrc_cfix *Xc, const double *X, size_t n, size_t d, nrc_error *err)
{
    size_t t;
    nrc_status st = NRC_OK;
    //@ ghost nrc_check_row_end(n - 1, n, d);
    /*@ loop invariant 0 <= t <= d;
        loop invariant st == NRC_OK || st == NRC_ERR_SYSTEM;
        loop invariant st == NRC_OK ==> nrc_rows_valid(Xc, t);
        loop invariant st == NRC_OK ==> nrc_rows_len(Xc, t, n);
        loop assigns t, st, Xc[0 .. d - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant d - t;
    */
    for (t = 0; t < d && !st; t++) {
        //@ assert (n - 1) * d + t < n * d;
        st = nrc_cfix_set_d(&Xc[t], X + t, n, d, err);
    }
    return st;
}

/* coef_i = y_i lambda_i where a_ij > 0 (exact in binary64: a sign change),
 * 0 where a_ij < 0 or (i, j) is a listed kink: listed pairs (|a_ij| <= eta,
 * possibly nonzero) are added by kkt_kinks with their g, exactly. The
 * support (ascending) into support; returns its size. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= k <= NRC_MODEL_DIM_MAX;
    requires n * k <= SIZE_MAX && j < k;
    requires \valid(coef + (0 .. n - 1)) && \valid(support + (0 .. n - 1));
    requires \valid_read(is_kink + (0 .. n * k - 1)) && \valid_read(A + (0 .. n * k - 1));
    requires \valid_read(y + (0 .. n - 1)) && \valid_read(lambda + (0 .. n - 1));
    assigns coef[0 .. n - 1], support[0 .. n - 1];
    ensures \result <= n;
    ensures \forall integer u; 0 <= u < \result ==> support[u] < n;
*/
static size_t kkt_coef(double *coef, size_t *support, const unsigned char *is_kink,
                       const nrc_cdy *A, const double *y, const double *lambda, size_t n,
                       size_t k, size_t j)
{
    size_t i, nsup = 0;
    /*@ loop invariant 0 <= i <= n && 0 <= nsup <= i;
        loop invariant \forall integer u; 0 <= u < nsup ==> support[u] < i;
        loop assigns i, nsup, coef[0 .. n - 1], support[0 .. n - 1];
        loop variant n - i;
    */
    for (i = 0; i < n; i++) {
        //@ ghost nrc_check_row_end(i, n, k);
        //@ assert 0 <= i * k + j < n * k;
        coef[i] = !is_kink[i * k + j] && nrc_cdy_sgn(&A[i * k + j]) > 0
                      ? (y[i] < 0 ? -lambda[i] : lambda[i]) : 0.0;
        if (coef[i] != 0.0)
            support[nsup++] = i;
    }
    return nsup;
}

/* S[t] = sum_i coef_i x_i[t] = <cf, Xc[t]> over the support idx. */
/*@ requires 1 <= d <= NRC_MODEL_DIM_MAX && 1 <= sl <= NRC_CHECK_ACC_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(S + (0 .. d - 1)) && nrc_cfix_valid((nrc_cfix *)cf);
    requires nrc_rows_valid((nrc_cfix *)Xc, d);
    requires nrc_rows_len((nrc_cfix *)Xc, d, cf->len);
    requires nidx == 0 || \valid_read(idx + (0 .. nidx - 1));
    requires \forall integer u; 0 <= u < nidx ==> idx[u] < cf->len;
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1), S + (0 .. d - 1), err,
                        cf, Xc + (0 .. d - 1), idx + (0 .. nidx - 1));
    requires \separated(S + (0 .. d - 1), err, cf, Xc + (0 .. d - 1), idx + (0 .. nidx - 1));
    requires \separated(err, cf, Xc + (0 .. d - 1), idx + (0 .. nidx - 1));
    assigns S[0 .. d - 1], sp[0 .. sl - 1], sn[0 .. sl - 1],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
*/
static nrc_status kkt_S(nrc_cdy *S, const nrc_cfix *cf, const nrc_cfix *Xc, const size_t *idx,
                        size_t nidx, size_t d, uint64_t *sp, uint64_t *sn, size_t sl,
                        nrc_error *err)
{
    size_t t;
    nrc_status st = NRC_OK;
    /*@ loop invariant 0 <= t <= d && st == NRC_OK;
        loop assigns t, st, S[0 .. d - 1], sp[0 .. sl - 1], sn[0 .. sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant d - t;
    */
    for (t = 0; t < d; t++)
        if ((st = dot_support(&S[t], cf, &Xc[t], idx, nidx, sp, sn, sl, err)))
            break;
    return st;
}

/* sb = sum_i coef_i (the b-equation). */
/*@ requires \valid(sb) && \valid_read(coef + (0 .. n - 1));
    assigns *sb;
*/
static void kkt_sum(nrc_cdy *sb, const double *coef, size_t n)
{
    size_t i;
    nrc_cdy_set_si(sb, 0);
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, *sb;
        loop variant n - i;
    */
    for (i = 0; i < n; i++)
        nrc_cdy_add_d(sb, sb, coef[i]);
}

/* S[t] += g x[t] for t < d (tmp: scratch). */
/*@ requires \valid(S + (0 .. d - 1)) && \valid_read(x + (0 .. d - 1));
    requires \valid_read(g) && \valid(tmp);
    assigns *tmp, S[0 .. d - 1];
*/
static void kkt_axpy(nrc_cdy *S, nrc_cdy *tmp, const nrc_cdy *g, const double *x, size_t d)
{
    size_t t;
    /*@ loop invariant 0 <= t <= d;
        loop assigns t, *tmp, S[0 .. d - 1];
        loop variant d - t;
    */
    for (t = 0; t < d; t++) {
        nrc_cdy_mul_d(tmp, g, x[t]);
        nrc_cdy_add(&S[t], &S[t], tmp);
    }
}

/* The listed kinks of neuron j: g y_i lambda_i, exactly, into sb and
 * g y_i lambda_i x_i into S; wk holds sb, g and tmp (see kkt_loop). A kink
 * with i >= n cannot be (nrc_cert_parse refuses it, and kkt_kink_scan
 * matches every listed kink to a pair (i, j) of the model); the test keeps
 * the memory safety of this loop from resting on either. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= d <= NRC_MODEL_DIM_MAX && n * d <= SIZE_MAX;
    requires n_kinks == 0 || \valid_read(kinks + (0 .. n_kinks - 1));
    requires \valid_read(y + (0 .. n - 1)) && \valid_read(lambda + (0 .. n - 1));
    requires \valid_read(X + (0 .. n * d - 1));
    requires \valid(S + (0 .. d - 1)) && \valid(wk + (0 .. 2));
    assigns wk[0 .. 2], S[0 .. d - 1];
*/
static void kkt_kinks(nrc_cdy *wk, nrc_cdy *S,
                      const nrc_ckink *kinks, size_t n_kinks, size_t j, const double *y,
                      const double *lambda, const double *X, size_t n, size_t d)
{
    nrc_cdy *const sb = &wk[0], *const g = &wk[1], *const tmp = &wk[2];
    size_t kk;
    (void)n; /* bounds the kinks' i (ghost nrc_check_row_end) */
    /*@ loop invariant 0 <= kk <= n_kinks;
        loop assigns kk, wk[0 .. 2], S[0 .. d - 1];
        loop variant n_kinks - kk;
    */
    for (kk = 0; kk < n_kinks; kk++) {
        const nrc_ckink *K = &kinks[kk];
        size_t ki;
        if (K->j != j || K->i >= n)
            continue;
        ki = (size_t)K->i;
        /* g y_i lambda_i, exactly */
        nrc_cdy_set_d(g, K->g);
        nrc_cdy_mul_d(g, g, y[ki] < 0 ? -lambda[ki] : lambda[ki]);
        nrc_cdy_add(sb, sb, g);
        //@ ghost nrc_check_row_end(ki, n, d);
        kkt_axpy(S, tmp, g, X + ki * d, d);
    }
}

/* rr += sum_t (w[t] - v_j S[t])^2 (the r_w of neuron j). */
/*@ requires \valid(rr) && \valid(tmp);
    requires \valid_read(S + (0 .. d - 1)) && \valid_read(w + (0 .. d - 1));
    assigns *tmp, *rr;
*/
static void kkt_rw(nrc_cdy *rr, nrc_cdy *tmp, const nrc_cdy *S, const double *w, double vj,
                   size_t d)
{
    size_t t;
    /*@ loop invariant 0 <= t <= d;
        loop assigns t, *tmp, *rr;
        loop variant d - t;
    */
    for (t = 0; t < d; t++) {
        nrc_cdy_mul_d(tmp, &S[t], -vj);
        nrc_cdy_add_d(tmp, tmp, w[t]);
        nrc_cdy_mul(tmp, tmp, tmp);
        nrc_cdy_add(rr, rr, tmp);
    }
}

/* sb += sum_i -y_i lambda_i relu(a_ij) (the r_v of neuron j, from sb = v_j). */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= k <= NRC_MODEL_DIM_MAX;
    requires n * k <= SIZE_MAX && j < k;
    requires \valid_read(A + (0 .. n * k - 1));
    requires \valid_read(y + (0 .. n - 1)) && \valid_read(lambda + (0 .. n - 1));
    requires \valid(sb) && \valid(tmp);
    assigns *tmp, *sb;
*/
static void kkt_rv(nrc_cdy *sb, nrc_cdy *tmp, const nrc_cdy *A, const double *y,
                   const double *lambda, size_t n, size_t k, size_t j)
{
    size_t i;
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, *tmp, *sb;
        loop variant n - i;
    */
    for (i = 0; i < n; i++) {
        const nrc_cdy *a;
        //@ ghost nrc_check_row_end(i, n, k);
        //@ assert 0 <= i * k + j < n * k;
        a = &A[i * k + j];
        if (nrc_cdy_sgn(a) <= 0)
            continue;
        nrc_cdy_mul_d(tmp, a, y[i] < 0 ? lambda[i] : -lambda[i]);
        nrc_cdy_add(sb, sb, tmp);
    }
}

/* The residual terms of neuron j into rr, given S and sb = sum_i coef_i
 * with the kinks' terms: r_w (kkt_rw), r_b when b is not NULL, r_v unless
 * fixed. wk holds sb, g, tmp and rr (see kkt_loop). */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= k <= NRC_MODEL_DIM_MAX;
    requires 1 <= d <= NRC_MODEL_DIM_MAX && j < k;
    requires n * k <= SIZE_MAX && k * d <= SIZE_MAX;
    requires \valid_read(y + (0 .. n - 1)) && \valid_read(lambda + (0 .. n - 1));
    requires \valid_read(W + (0 .. k * d - 1));
    requires b == \null || \valid_read(b + (0 .. k - 1));
    requires \valid_read(v + (0 .. k - 1)) && \valid_read(A + (0 .. n * k - 1));
    requires \valid_read(S + (0 .. d - 1)) && \valid(wk + (0 .. 3));
    assigns wk[0 .. 3];
*/
static void kkt_rterms(nrc_cdy *wk, const nrc_cdy *S,
                       const double *y, const double *lambda, const double *W,
                       const double *b, const double *v, const nrc_cdy *A, int fixed, size_t n,
                       size_t k, size_t d, size_t j)
{
    nrc_cdy *const sb = &wk[0], *const tmp = &wk[2], *const rr = &wk[3];
    /* r_w[j][t] = w_j[t] - v_j S[t] */
    //@ ghost nrc_check_row_end(j, k, d);
    kkt_rw(rr, tmp, S, W + j * d, v[j], d);
    if (b) {
        nrc_cdy_mul_d(tmp, sb, -v[j]);
        nrc_cdy_add_d(tmp, tmp, b[j]);
        nrc_cdy_mul(tmp, tmp, tmp);
        nrc_cdy_add(rr, rr, tmp);
    }
    if (!fixed) {
        /* r_v[j] = v_j - sum_i lambda_i y_i relu(a_ij) */
        nrc_cdy_set_d(sb, v[j]);
        kkt_rv(sb, tmp, A, y, lambda, n, k, j);
        nrc_cdy_mul(sb, sb, sb);
        nrc_cdy_add(rr, rr, sb);
    }
}

/* Every neuron j < k: the direction (kkt_coef, kkt_S), the b-equation and
 * the kinks' terms (kkt_sum, kkt_kinks), the residual terms (kkt_rterms)
 * into wk[3]; stops at the first error. The columns of X are asserted
 * after each call (one call at a time). The dyadics sb, g, tmp and the sum
 * rr are one array wk = {sb, g, tmp, rr}: a call's writes are then one
 * region for the provers, not three or four; the frame of Xc through two,
 * three or four separate regions took them 2 s, 16 s, out of reach (each
 * region doubles the cases of the memory). */
/*@ requires nrc_cnet_ok(N);
    requires 1 <= sl <= NRC_CHECK_ACC_LIMBS;
    requires \valid(w.sp + (0 .. sl - 1)) && \valid(w.sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(w.coef + (0 .. N.n - 1)) && \valid(w.support + (0 .. N.n - 1));
    requires \valid_read(w.is_kink + (0 .. N.n * N.k - 1));
    requires \valid_read(w.A + (0 .. N.n * N.k - 1));
    requires \valid_read(V.lambda + (0 .. N.n - 1));
    requires V.n_kinks == 0 || \valid_read(V.kinks + (0 .. V.n_kinks - 1));
    requires \valid(w.S + (0 .. N.d - 1)) && \valid(cf);
    requires \valid(wk + (0 .. 3));
    requires nrc_rows_valid(w.Xc, N.d);
    requires nrc_rows_len(w.Xc, N.d, N.n);
    requires \separated(w.sp + (0 .. sl - 1), w.sn + (0 .. sl - 1), w.S + (0 .. N.d - 1), err,
                        cf, w.Xc + (0 .. N.d - 1), w.support + (0 .. N.n - 1), wk + (0 .. 3));
    assigns w.coef[0 .. N.n - 1], w.support[0 .. N.n - 1], *cf, w.S[0 .. N.d - 1],
            w.sp[0 .. sl - 1], w.sn[0 .. sl - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1],
            wk[0 .. 3];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM || \result == NRC_ERR_INTERNAL;
*/
static nrc_status kkt_loop(nrc_cdy *wk, nrc_cfix *cf, nrc_cert_view V, nrc_cnet N,
                           nrc_check_ws w, size_t sl, nrc_error *err)
{
    const size_t n = N.n, k = N.k, d = N.d;
    const nrc_cfix *const Xc = w.Xc;
    size_t j;
    nrc_status st = NRC_OK;
    /* sizes: the sizes kkt_kinks requires, restated (from nrc_cnet_ok at
     * entry, a predicate on memory the calls write, they were not proved
     * after the calls of the loop) */
    /*@ loop invariant 0 <= j <= k && st == NRC_OK;
        loop invariant sizes: 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= d <= NRC_MODEL_DIM_MAX &&
                              n * d <= SIZE_MAX;
        loop invariant nrc_rows_valid((nrc_cfix *)Xc, d);
        loop invariant nrc_rows_len((nrc_cfix *)Xc, d, n);
        loop assigns j, st, w.coef[0 .. n - 1], w.support[0 .. n - 1], *cf, w.S[0 .. d - 1],
                     w.sp[0 .. sl - 1], w.sn[0 .. sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1], wk[0 .. 3];
        loop variant k - j;
    */
    for (j = 0; j < k; j++) {
        size_t nsup;
        /* the direction: coefficients, support, cf = coef, S[t] = <cf, Xc[t]> */
        nsup = kkt_coef(w.coef, w.support, w.is_kink, w.A, N.y, V.lambda, n, k, j);
        //@ assert x_1: nrc_rows_valid((nrc_cfix *)Xc, d);
        //@ assert l_1: nrc_rows_len((nrc_cfix *)Xc, d, n);
        if ((st = nrc_cfix_set_d(cf, w.coef, n, 1, err)))
            break;
        //@ assert x_2: nrc_rows_valid((nrc_cfix *)Xc, d);
        //@ assert l_2: nrc_rows_len((nrc_cfix *)Xc, d, n);
        if ((st = kkt_S(w.S, cf, Xc, w.support, nsup, d, w.sp, w.sn, sl, err)))
            break;
        //@ assert x_3: nrc_rows_valid((nrc_cfix *)Xc, d);
        //@ assert l_3: nrc_rows_len((nrc_cfix *)Xc, d, n);
        /* the b-equation and the kinks' terms */
        kkt_sum(&wk[0], w.coef, n);
        //@ assert x_4: nrc_rows_valid((nrc_cfix *)Xc, d);
        //@ assert l_4: nrc_rows_len((nrc_cfix *)Xc, d, n);
        kkt_kinks(wk, w.S, V.kinks, V.n_kinks, j, N.y, V.lambda, N.X, n, d);
        //@ assert x_5: nrc_rows_valid((nrc_cfix *)Xc, d);
        //@ assert l_5: nrc_rows_len((nrc_cfix *)Xc, d, n);
        kkt_rterms(wk, w.S, N.y, V.lambda, N.W, N.b, N.v, w.A, V.kkt_fixed, n, k, d, j);
    }
    return st;
}

/* *w.res = ||r||^2 for r = theta - sum_i lambda_i h_i (MATH.md section 4),
 * over (W, b) and, for the full variant, v; w.is_kink marks the listed
 * kinks. The columns of X are made here and released. */
/*@ requires nrc_cnet_ok(N) && nrc_cert_view_ok(V, N.n, N.k) && V.kkt != 0;
    requires nrc_ws_ok(w, N.n, N.d, N.k, N.m);
    requires err == \null || \valid(err);
    requires nrc_ws_apart_err(w, err);
    assigns w.coef[0 .. N.n - 1], w.support[0 .. N.n - 1], w.Xc[0 .. N.d - 1],
            w.S[0 .. N.d], w.sp[0 .. 2 * NRC_CHECK_ACC_LIMBS - 1],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM || \result == NRC_ERR_INTERNAL;
*/
static nrc_status kkt_residual(nrc_cert_view V, nrc_cnet N, nrc_check_ws w, nrc_error *err)
{
    const size_t d = N.d;
    size_t t;
    nrc_status st;
    nrc_cfix cf;
    nrc_cdy wk[4]; /* kkt_loop's dyadics: sb, g, tmp and the sum rr */
    nrc_cfix_init(&cf);
    nrc_cdy_init(&wk[0]);
    nrc_cdy_init(&wk[1]);
    nrc_cdy_init(&wk[2]);
    nrc_cdy_init(&wk[3]);
    nrc_cdy_set_si(&wk[3], 0);
    if (!(st = kkt_cols(w.Xc, N.X, N.n, d, err)))
        st = kkt_loop(wk, &cf, V, N, w, NRC_CHECK_ACC_LIMBS, err);
    /*@ loop invariant 0 <= t <= d;
        loop assigns t, w.Xc[0 .. d - 1];
        loop variant d - t;
    */
    for (t = 0; t < d; t++)
        nrc_cfix_clear(&w.Xc[t]);
    nrc_cfix_clear(&cf);
    nrc_cdy_set(w.res, &wk[3]);
    nrc_cdy_clear(&wk[0]);
    nrc_cdy_clear(&wk[1]);
    nrc_cdy_clear(&wk[2]);
    nrc_cdy_clear(&wk[3]);
    return st;
}

/* The kinks: listed pairs have |a_ij| <= eta (with eta = 0: exact zeros)
 * and 0 <= g <= 1; every exact zero is listed (kinks are sorted by (i, j),
 * strictly, so one merge pass suffices). is_kink records the listed pairs
 * (every entry is written: listed or not). Returns 1; 0 when a claim is
 * false (recorded; *t is then cleared); -1 when a listed kink matched no
 * pair (never expected: nrc_cert_parse refuses it). */
/*@ requires \valid(rep) && (err == \null || \valid(err));
    requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= k <= NRC_MODEL_DIM_MAX && n * k <= SIZE_MAX;
    requires \valid(is_kink + (0 .. n * k - 1)) && \valid_read(A + (0 .. n * k - 1));
    requires n_kinks == 0 || \valid_read(kinks + (0 .. n_kinks - 1));
    requires \valid(t);
    assigns is_kink[0 .. n * k - 1], *t, rep->valid, rep->claim[0 .. 159],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures -1 <= \result <= 1;
*/
static int kkt_kink_scan(unsigned char *is_kink, const nrc_cdy *A, const nrc_ckink *kinks,
                         size_t n_kinks, size_t n, size_t k, double eta, nrc_cdy *t,
                         nrc_check_report *rep, nrc_error *err)
{
    size_t i, j, kk = 0;
    char name[96], s1[320], s2[320];
    /*@ loop invariant 0 <= i <= n && kk <= n_kinks;
        loop assigns i, j, kk, *t, name[0 .. 95], s1[0 .. 319], s2[0 .. 319],
                     is_kink[0 .. n * k - 1];
        loop variant n - i;
    */
    for (i = 0; i < n; i++)
        /*@ loop invariant 0 <= j <= k && kk <= n_kinks;
            loop assigns j, kk, *t, name[0 .. 95], s1[0 .. 319], s2[0 .. 319],
                         is_kink[0 .. n * k - 1];
            loop variant k - j;
        */
        for (j = 0; j < k; j++) {
            const nrc_cdy *a;
            int zero, listed;
            //@ ghost nrc_check_row_end(i, n, k);
            //@ assert 0 <= i * k + j < n * k;
            a = &A[i * k + j];
            zero = nrc_cdy_sgn(a) == 0;
            listed = kk < n_kinks && kinks[kk].i == i && kinks[kk].j == j;
            is_kink[i * k + j] = 0;
            if (listed) {
                snprintf(name, sizeof name, "kkt.kinks[%zu]", kk);
                nrc_cdy_abs(t, a);
                if (nrc_cdy_cmp_d(t, eta) > 0) {
                    nrc_check_show(a, s1, sizeof s1);
                    nrc_check_hex_format(eta, s2, sizeof s2);
                    nrc_cdy_clear(t);
                    nrc_check_fail(rep, err, name,
                                   "a_ij at (i, j) = (%zu, %zu) is %s: |a_ij| exceeds kkt.kink_tolerance eta = %s%s",
                                   i, j, s1, s2, eta == 0.0 ? " (only exact zeros may be listed)" : "");
                    return 0;
                }
                if (!(kinks[kk].g >= 0.0 && kinks[kk].g <= 1.0)) {
                    nrc_cdy_clear(t);
                    nrc_check_fail(rep, err, name, "subgradient g is not in [0, 1]");
                    return 0;
                }
                is_kink[i * k + j] = 1;
                kk++;
            } else if (zero) {
                nrc_cdy_clear(t);
                nrc_check_fail(rep, err, "kkt.kinks",
                               "a_ij = 0 exactly at (i, j) = (%zu, %zu) but the pair is not listed",
                               i, j);
                return 0;
            }
        }
    return kk == n_kinks ? 1 : -1;
}

/* The KKT claims' preconditions, in this order: the status (fit.all_correct,
 * q_min > 0), the multipliers (lambda_i >= 0), eta = kink_tolerance >= 0
 * (0 when absent). Returns 1, or 0 when a claim is false (recorded). */
/*@ requires \valid_read(C) && 1 <= n <= NRC_MODEL_DIM_MAX;
    requires \valid_read(lambda + (0 .. n - 1)) && \valid_read(qmin);
    requires \valid(rep) && (err == \null || \valid(err));
    requires rep->kkt == 0;
    assigns rep->kkt, rep->kink_tolerance, rep->valid, rep->claim[0 .. 159],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == 0 || (\result == 1 && rep->kkt == 1);
*/
static int kkt_pre(const nrc_cert *C, const double *lambda, size_t n, const nrc_cdy *qmin,
                   nrc_check_report *rep, nrc_error *err)
{
    size_t i;
    char name[96], s1[320];
    /* asserted KKT claims (status "certified", or absent in a FORMATS.md
     * certificate) require fit.all_correct true, so q_min > 0 */
    if (!C->all_correct) {
        nrc_check_fail(rep, err, "kkt.status",
                       "the KKT claims are asserted, which requires fit.all_correct true");
        return 0;
    }
    if (nrc_cdy_sgn(qmin) <= 0) {
        nrc_check_show(qmin, s1, sizeof s1);
        nrc_check_fail(rep, err, "kkt.status", "\"certified\" requires q_min > 0, but q_min = %s",
                       s1);
        return 0;
    }
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, name[0 .. 95];
        loop variant n - i;
    */
    for (i = 0; i < n; i++)
        if (!(lambda[i] >= 0.0)) {
            snprintf(name, sizeof name, "kkt.lambda[%zu]", i);
            nrc_check_fail(rep, err, name, "negative multiplier");
            return 0;
        }
    rep->kkt++;
    if (!(C->kink_tolerance >= 0.0)) {
        nrc_check_fail(rep, err, "kkt.kink_tolerance", "negative (eta >= 0 is required)");
        return 0;
    }
    rep->kink_tolerance = C->kink_tolerance;
    return 1;
}

/* The claims on ||r||^2 = *w.res and the rest, in this order:
 * eps_rel_upper, eps_upper, delta_upper, balance_defect_upper. Returns how
 * many hold before the first false one (recorded), 4 when all do.
 * sc[0 .. 2]: scratch (one array: one region for the provers). */
/*@ requires \valid_read(C) && nrc_cnet_ok(N);
    requires nrc_ws_ok(w, N.n, N.d, N.k, N.m);
    requires \valid_read(V.lambda + (0 .. N.n - 1));
    requires \valid(rep) && (err == \null || \valid(err));
    requires \valid(sc + (0 .. 2));
    assigns rep->valid, rep->claim[0 .. 159], err->msg[0 .. NRC_ERROR_MSG_MAX - 1],
            sc[0 .. 2];
    ensures 0 <= \result <= 4;
*/
static size_t kkt_bounds(const nrc_cert *C, nrc_cert_view V, nrc_cnet N, nrc_check_ws w,
                         nrc_cdy *sc, nrc_check_report *rep, nrc_error *err)
{
    const size_t n = N.n, k = N.k;
    const double *const lambda = V.lambda, *const b = N.b, *const v = N.v;
    const nrc_cdy *const rr = w.res, *const qmin = w.qmin;
    const nrc_cdy *const T = V.kkt_fixed ? w.T_wb : w.T_full;
    nrc_cdy *const t = &sc[0], *const u = &sc[1], *const s = &sc[2];
    size_t i, j;
    char s1[320], s2[320];
    /* ||r||^2 <= eps_rel^2 T, T over the coordinates of r */
    nrc_cdy_set_d(t, C->eps_rel_upper);
    nrc_cdy_mul(t, t, t);
    nrc_cdy_mul(t, t, T);
    if (!(C->eps_rel_upper >= 0.0) || nrc_cdy_cmp(rr, t) > 0) {
        nrc_check_show(rr, s1, sizeof s1);
        nrc_check_show(T, s2, sizeof s2);
        nrc_check_fail(rep, err, "kkt.eps_rel_upper",
                       "negative, or ||r||^2 = %s > eps_rel_upper^2 T with T = %s", s1, s2);
        return 0;
    }
    /* ||r||^2 <= eps^2 q_min (full) or eps^2 q_min^2 (fixed second layer) */
    nrc_cdy_set_d(t, C->eps_upper);
    nrc_cdy_mul(t, t, t);
    nrc_cdy_mul(t, t, qmin);
    if (V.kkt_fixed)
        nrc_cdy_mul(t, t, qmin);
    if (!(C->eps_upper >= 0.0) || nrc_cdy_cmp(rr, t) > 0) {
        nrc_check_show(rr, s1, sizeof s1);
        nrc_check_fail(rep, err, "kkt.eps_upper", "negative, or ||r||^2 = %s > eps_upper^2 q_min%s",
                       s1, V.kkt_fixed ? "^2" : "");
        return 1;
    }
    /* sum_i lambda_i (q_i - q_min) <= delta_upper q_min */
    nrc_cdy_set_si(u, 0);
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, sc[0 .. 2];
        loop variant n - i;
    */
    for (i = 0; i < n; i++) {
        nrc_cdy_sub(t, &w.q[i], qmin);
        nrc_cdy_mul_d(t, t, lambda[i]);
        nrc_cdy_add(u, u, t);
    }
    nrc_cdy_mul_d(t, qmin, C->delta_upper);
    if (nrc_cdy_cmp(u, t) > 0) {
        nrc_check_show(u, s1, sizeof s1);
        nrc_check_fail(rep, err, "kkt.delta_upper",
                       "sum_i lambda_i (q_i - q_min) = %s > delta_upper q_min", s1);
        return 2;
    }
    /* max_j | ||w_j||^2 + b_j^2 - v_j^2 | <= B ||theta||^2 (full theta) */
    nrc_cdy_mul_d(t, w.T_full, C->balance_defect_upper);
    /*@ loop invariant 0 <= j <= k;
        loop assigns j, sc[0 .. 2];
        loop variant k - j;
    */
    for (j = 0; j < k; j++) {
        nrc_cdy_set(u, &w.ww[j]);
        if (b) {
            nrc_cdy_set_d(s, b[j]);
            nrc_cdy_mul(s, s, s);
            nrc_cdy_add(u, u, s);
        }
        nrc_cdy_set_d(s, v[j]);
        nrc_cdy_mul(s, s, s);
        nrc_cdy_sub(u, u, s);
        nrc_cdy_abs(u, u);
        if (nrc_cdy_cmp(u, t) > 0) {
            nrc_check_show(u, s1, sizeof s1);
            nrc_check_fail(rep, err, "kkt.balance_defect_upper",
                           "neuron %zu: | ||w_j||^2 + b_j^2 - v_j^2 | = %s > bound ||theta||^2",
                           j, s1);
            return 3;
        }
    }
    return 4;
}

nrc_status nrc_check_kkt(const nrc_cert *C, nrc_cert_view V, nrc_cnet N, nrc_check_ws w,
                         nrc_check_report *rep, nrc_error *err)
{
    nrc_status st;
    nrc_cdy sc[3]; /* scratch: the kink scan's (sc[0]), then kkt_bounds' */
    size_t held;
    int scan;
    rep->kkt = 0;
    if (!kkt_pre(C, V.lambda, N.n, w.qmin, rep, err))
        return NRC_OK;
    nrc_cdy_init(&sc[0]);
    scan = kkt_kink_scan(w.is_kink, w.A, V.kinks, V.n_kinks, N.n, N.k, C->kink_tolerance,
                         &sc[0], rep, err);
    if (scan == 0)
        return NRC_OK;
    if (scan < 0) {
        nrc_cdy_clear(&sc[0]);
        return nrc_error_set(err, NRC_ERR_INTERNAL,
                             "kkt.kinks: a listed pair is not a pair (i, j) of the model");
    }
    rep->kkt++;
    /* the claims counted so far, kept in a local: the residual's writes
     * leave the report alone, but the provers would have to see through
     * each of them */
    held = rep->kkt;
    nrc_cdy_init(&sc[1]);
    nrc_cdy_init(&sc[2]);
    st = kkt_residual(V, N, w, err);
    if (!st)
        rep->kkt = held + kkt_bounds(C, V, N, w, sc, rep, err);
    nrc_cdy_clear(&sc[0]);
    nrc_cdy_clear(&sc[1]);
    nrc_cdy_clear(&sc[2]);
    return st;
}
