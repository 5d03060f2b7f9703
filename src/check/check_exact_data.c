/* The data's exact quantities (include/check/nrc_check_quant.h): the
 * direction z = sum_{l in I} y_l x_l, ||x_i||^2 with their minimum and
 * maximum, rho = max_{i != l} |<x_i, x_l>|, gamma_z = min_i y_i <x_i, z>,
 * ||z||^2 and <w_j, z>. Each kernel passes on, in its postcondition, the
 * rows the next one reads. */
#include "nrc_alloc.h"
#include "nrc_check_quant.h"

/* *m = x when first or x < *m (the branch inside a call, so that a loop
 * calling it has one path and its frames stay small). */
/*@ requires \valid(m) && \valid_read(x);
    assigns *m;
*/
static void keep_min(nrc_cdy *m, const nrc_cdy *x, int first)
{
    if (first || nrc_cdy_cmp(x, m) < 0)
        nrc_cdy_set(m, x);
}

/* *m = x when first or x > *m. */
/*@ requires \valid(m) && \valid_read(x);
    assigns *m;
*/
static void keep_max(nrc_cdy *m, const nrc_cdy *x, int first)
{
    if (first || nrc_cdy_cmp(x, m) > 0)
        nrc_cdy_set(m, x);
}

/* *g = -*g when y < 0. */
/*@ requires \valid(g);
    assigns *g;
*/
static void sign_by(nrc_cdy *g, double y)
{
    if (y < 0)
        nrc_cdy_neg(g, g);
}

/* xx_i = ||x_i||^2 for i < n, *lo = min_i xx_i and *hi = max_i xx_i; the
 * rows stay well-formed. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= sl <= NRC_CHECK_ACC_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(xx + (0 .. n - 1)) && \valid(lo) && \valid(hi);
    requires nrc_rows_valid(Xr, n);

    requires nrc_rows_len(Xr, n, d);
    requires \separated(xx + (0 .. n - 1), lo, hi, Xr + (0 .. n - 1),
                        sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \separated(err, Xr + (0 .. n - 1));
    assigns xx[0 .. n - 1], *lo, *hi, sp[0 .. sl - 1], sn[0 .. sl - 1],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
    ensures nrc_rows_valid((nrc_cfix *)Xr, n);

    ensures nrc_rows_len((nrc_cfix *)Xr, n, d);
*/
static nrc_status data_norms(nrc_cdy *xx, nrc_cdy *lo, nrc_cdy *hi, const nrc_cfix *Xr,
                             size_t n, uint64_t *sp, uint64_t *sn, size_t sl,
                             nrc_error *err) /*@ ghost (size_t d) */
{
    size_t i;
    nrc_status st;
    /*@ loop invariant 0 <= i <= n;
        loop invariant nrc_rows_valid((nrc_cfix *)Xr, n);

        loop invariant nrc_rows_len((nrc_cfix *)Xr, n, d);
        loop assigns i, st, xx[0 .. n - 1], *lo, *hi, sp[0 .. sl - 1], sn[0 .. sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant n - i;
    */
    for (i = 0; i < n; i++) {
        if ((st = nrc_check_dot(&xx[i], &Xr[i], &Xr[i], sp, sn, sl, err)))
            return st;
        keep_min(lo, &xx[i], i == 0);
        keep_max(hi, &xx[i], i == 0);
    }
    return NRC_OK;
}

/* *rho = max(*rho, max_{i < l < n} |<x_i, x_l>|); *g is scratch. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && i < n && 1 <= sl <= NRC_CHECK_ACC_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(rho) && \valid(g);
    requires nrc_rows_valid(Xr, n);

    requires nrc_rows_len(Xr, n, d);
    requires \separated(rho, g, Xr + (0 .. n - 1), sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \separated(err, Xr + (0 .. n - 1));
    assigns *rho, *g, sp[0 .. sl - 1], sn[0 .. sl - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
    ensures nrc_rows_valid((nrc_cfix *)Xr, n);

    ensures nrc_rows_len((nrc_cfix *)Xr, n, d);
*/
static nrc_status rho_row(nrc_cdy *rho, nrc_cdy *g, const nrc_cfix *Xr, size_t i, size_t n,
                          uint64_t *sp, uint64_t *sn, size_t sl,
                          nrc_error *err) /*@ ghost (size_t d) */
{
    size_t l;
    nrc_status st;
    /*@ loop invariant i + 1 <= l <= n;
        loop invariant nrc_rows_valid((nrc_cfix *)Xr, n);

        loop invariant nrc_rows_len((nrc_cfix *)Xr, n, d);
        loop assigns l, st, *rho, *g, sp[0 .. sl - 1], sn[0 .. sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant n - l;
    */
    for (l = i + 1; l < n; l++) {
        if ((st = nrc_check_dot(g, &Xr[i], &Xr[l], sp, sn, sl, err)))
            return st;
        nrc_cdy_abs(g, g);
        keep_max(rho, g, 0);
    }
    return NRC_OK;
}

/* *rho = max_{i != l} |<x_i, x_l>| (0 when n = 1); *g is scratch. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= sl <= NRC_CHECK_ACC_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(rho) && \valid(g);
    requires nrc_rows_valid(Xr, n);

    requires nrc_rows_len(Xr, n, d);
    requires \separated(rho, g, Xr + (0 .. n - 1), sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \separated(err, Xr + (0 .. n - 1));
    assigns *rho, *g, sp[0 .. sl - 1], sn[0 .. sl - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
*/
static nrc_status data_rho(nrc_cdy *rho, nrc_cdy *g, const nrc_cfix *Xr, size_t n,
                           uint64_t *sp, uint64_t *sn, size_t sl,
                           nrc_error *err) /*@ ghost (size_t d) */
{
    size_t i;
    nrc_status st;
    nrc_cdy_set_si(rho, 0);
    /*@ loop invariant 0 <= i <= n;
        loop invariant nrc_rows_valid((nrc_cfix *)Xr, n);

        loop invariant nrc_rows_len((nrc_cfix *)Xr, n, d);
        loop assigns i, st, *rho, *g, sp[0 .. sl - 1], sn[0 .. sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant n - i;
    */
    for (i = 0; i < n; i++)
        if ((st = rho_row(rho, g, Xr, i, n, sp, sn, sl, err) /*@ ghost (d) */))
            return st;
    return NRC_OK;
}

/* *gz = gamma_z = min_i y_i <x_i, z>; *g is scratch; the rows of X stay
 * well-formed. */
/*@ requires 1 <= n <= NRC_MODEL_DIM_MAX && 1 <= sl <= NRC_CHECK_ACC_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(gz) && \valid(g) && \valid_read(y + (0 .. n - 1));
    requires nrc_rows_valid((nrc_cfix *)Xr, n);
    requires nrc_rows_len((nrc_cfix *)Xr, n, d);
    requires nrc_cfix_valid((nrc_cfix *)z) && z->len == d;
    requires \separated(gz, g, z, Xr + (0 .. n - 1), sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \separated(err, z, Xr + (0 .. n - 1));
    assigns *gz, *g, sp[0 .. sl - 1], sn[0 .. sl - 1],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
    ensures nrc_rows_valid((nrc_cfix *)Xr, n);

    ensures nrc_rows_len((nrc_cfix *)Xr, n, d);
*/
static nrc_status data_gz(nrc_cdy *gz, nrc_cdy *g, const nrc_cfix *z,
                          const nrc_cfix *Xr, size_t n, const double *y, uint64_t *sp,
                          uint64_t *sn, size_t sl, nrc_error *err) /*@ ghost (size_t d) */
{
    size_t i;
    nrc_status st;
    /*@ loop invariant 0 <= i <= n;
        loop invariant nrc_rows_valid((nrc_cfix *)Xr, n);

        loop invariant nrc_rows_len((nrc_cfix *)Xr, n, d);
        loop invariant nrc_cfix_valid((nrc_cfix *)z) && z->len == d;
        loop assigns i, st, *gz, *g, sp[0 .. sl - 1], sn[0 .. sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant n - i;
    */
    for (i = 0; i < n; i++) {
        if ((st = nrc_check_dot(g, &Xr[i], z, sp, sn, sl, err)))
            return st;
        sign_by(g, y[i]);
        keep_min(gz, g, i == 0);
    }
    return NRC_OK;
}

/* *zz = ||z||^2; ghost: the rows K[0 .. nk - 1] and z stay well-formed. */
/*@ requires 1 <= sl <= NRC_CHECK_ACC_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(zz) && nrc_cfix_valid((nrc_cfix *)z) && z->len == d;
    requires nrc_rows_valid(K, nk);

    requires nrc_rows_len(K, nk, d);
    requires \separated(zz, z, K + (0 .. nk - 1), sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \separated(err, z, K + (0 .. nk - 1));
    assigns *zz, sp[0 .. sl - 1], sn[0 .. sl - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
    ensures nrc_rows_valid(K, nk);

    ensures nrc_rows_len(K, nk, d);
    ensures nrc_cfix_valid((nrc_cfix *)z) && z->len == d;
*/
static nrc_status sq_norm(nrc_cdy *zz, const nrc_cfix *z, uint64_t *sp, uint64_t *sn,
                          size_t sl, nrc_error *err) /*@ ghost (size_t d, nrc_cfix *K, size_t nk) */
{
    return nrc_check_dot(zz, z, z, sp, sn, sl, err);
}

/* wz_j = <w_j, z> for j < k (neuron_dots without bias); ghost: the rows
 * K[0 .. nk - 1] and z stay well-formed. */
/*@ requires 1 <= k <= NRC_MODEL_DIM_MAX && 1 <= sl <= NRC_CHECK_ACC_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(wz + (0 .. k - 1));
    requires nrc_rows_valid((nrc_cfix *)Wr, k);
    requires nrc_rows_len((nrc_cfix *)Wr, k, d);
    requires nrc_cfix_valid((nrc_cfix *)z) && z->len == d;
    requires nrc_rows_valid(K, nk);

    requires nrc_rows_len(K, nk, d);
    requires \separated(wz + (0 .. k - 1), z, Wr + (0 .. k - 1), K + (0 .. nk - 1),
                        sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \separated(err, z, Wr + (0 .. k - 1), K + (0 .. nk - 1));
    assigns wz[0 .. k - 1], sp[0 .. sl - 1], sn[0 .. sl - 1],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
    ensures nrc_rows_valid(K, nk);

    ensures nrc_rows_len(K, nk, d);
    ensures nrc_cfix_valid((nrc_cfix *)z) && z->len == d;
*/
static nrc_status dir_dots(nrc_cdy *wz, const nrc_cfix *Wr, size_t k, const nrc_cfix *z,
                           uint64_t *sp, uint64_t *sn, size_t sl,
                           nrc_error *err) /*@ ghost (size_t d, nrc_cfix *K, size_t nk) */
{
    size_t j;
    nrc_status st;
    /*@ loop invariant 0 <= j <= k;
        loop invariant nrc_rows_valid((nrc_cfix *)Wr, k);

        loop invariant nrc_rows_len((nrc_cfix *)Wr, k, d);
        loop invariant nrc_rows_valid(K, nk);

        loop invariant nrc_rows_len(K, nk, d);
        loop invariant nrc_cfix_valid((nrc_cfix *)z) && z->len == d;
        loop assigns j, st, wz[0 .. k - 1], sp[0 .. sl - 1], sn[0 .. sl - 1],
                     err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
        loop variant k - j;
    */
    for (j = 0; j < k; j++)
        if ((st = nrc_check_dot(&wz[j], &Wr[j], z, sp, sn, sl, err)))
            return st;
    return NRC_OK;
}

/* *z = sum_{l in I} y_l x_l exactly, I = V's direction indices (every point
 * when V.dir_all): the chosen rows as GMP integers at the smallest of their
 * exponents, summed with the signs of y.
 * TRUST BASE (not proved: mpz_import reads the limbs through a void *, and
 * the integer vector is allocated through nrc_malloc's void *): its
 * contract. The result is nrc_cfix_set_mpz's. */
/*@ requires nrc_cnet_ok(N) && nrc_cert_view_ok(V, N.n, N.k);
    requires \valid(Xr + (0 .. N.n - 1));
    requires nrc_rows_valid((nrc_cfix *)Xr, N.n);
    requires nrc_rows_len((nrc_cfix *)Xr, N.n, N.d);
    requires \valid(z) && (err == \null || \valid(err));
    assigns *z, err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM;
    ensures z_valid: \result == NRC_OK ==> nrc_cfix_valid(z);
    ensures z_len: \result == NRC_OK ==> z->len == N.d;
*/
static nrc_status direction(nrc_cert_view V, nrc_cnet N, const nrc_cfix *Xr, nrc_cfix *z,
                            nrc_error *err);

#ifndef __FRAMAC__
static nrc_status direction(nrc_cert_view V, nrc_cnet N, const nrc_cfix *Xr, nrc_cfix *z,
                            nrc_error *err)
{
    size_t l, t;
    nrc_status st;
    mpz_t *zi, e;
    long ez = 0;
    int any = 0;

    for (l = 0; l < N.n; l++) {
        int in = V.dir_all;
        size_t u;
        for (u = 0; !in && u < V.n_indices; u++)
            in = V.indices[u] == l;
        if (!in)
            continue;
        if (!any || Xr[l].e < ez)
            ez = Xr[l].e;
        any = 1;
    }
    zi = nrc_malloc_array(N.d, sizeof *zi);
    if (!zi)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    for (t = 0; t < N.d; t++)
        mpz_init(zi[t]);
    mpz_init(e);
    {
        size_t u = 0;
        for (l = 0; l < N.n; l++) {
            if (!V.dir_all) {
                if (u >= V.n_indices || V.indices[u] != l)
                    continue;
                u++;
            }
            for (t = 0; t < N.d; t++) {
                const nrc_cfix *x = &Xr[l];
                mpz_import(e, x->limbs, -1, sizeof(uint64_t), 0, 0, x->mag + t * x->limbs);
                mpz_mul_2exp(e, e, (mp_bitcnt_t)(x->e - ez));
                if ((x->neg[t] != 0) != (N.y[l] < 0))
                    mpz_sub(zi[t], zi[t], e);
                else
                    mpz_add(zi[t], zi[t], e);
            }
        }
    }
    mpz_clear(e);
    st = nrc_cfix_set_mpz(z, (const mpz_t *)zi, N.d, ez, err);
    for (t = 0; t < N.d; t++)
        mpz_clear(zi[t]);
    nrc_free(zi);
    return st;
}
#endif

nrc_status nrc_check_data_q(nrc_cert_view V, nrc_cnet N, nrc_check_ws w, nrc_error *err)
{
    const size_t n = N.n, k = N.k, sl = NRC_CHECK_ACC_LIMBS;
    nrc_cfix *const Xr = w.Xr;
    const nrc_cfix *const z = w.z;
    nrc_status st;
    nrc_cdy g;
    if ((st = direction(V, N, Xr, w.z, err)))
        return st;
    //@ assert x_z: nrc_rows_valid(Xr, n);
    //@ assert w_z: nrc_rows_valid(w.Wr, k);
    if ((st = dir_dots(w.wz, w.Wr, k, z, w.sp, w.sn, sl, err) /*@ ghost (N.d, Xr, n) */))
        return st;
    nrc_cdy_init(&g);
    st = sq_norm(w.zz, z, w.sp, w.sn, sl, err) /*@ ghost (N.d, Xr, n) */;
    //@ assert a_z: nrc_rows_valid(Xr, n);
    //@ assert a_zl: nrc_rows_len(Xr, n, N.d);
    //@ assert a_zz: nrc_cfix_valid((nrc_cfix *)z) && z->len == N.d;
    if (!st)
        st = data_gz(w.gz, &g, z, Xr, n, N.y, w.sp, w.sn, sl, err) /*@ ghost (N.d) */;
    //@ assert a_2: st == NRC_OK ==> nrc_rows_valid(Xr, n);
    //@ assert a_2l: st == NRC_OK ==> nrc_rows_len(Xr, n, N.d);
    if (!st)
        st = data_norms(w.xx, w.Rmin, w.Rmax, Xr, n, w.sp, w.sn, sl, err) /*@ ghost (N.d) */;
    //@ assert a_3: st == NRC_OK ==> nrc_rows_valid(Xr, n);
    //@ assert a_3l: st == NRC_OK ==> nrc_rows_len(Xr, n, N.d);
    if (!st)
        st = data_rho(w.rho, &g, Xr, n, w.sp, w.sn, sl, err) /*@ ghost (N.d) */;
    nrc_cdy_clear(&g);
    return st;
}
