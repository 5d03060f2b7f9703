/* The face system of the polish's inner QP (include/train/nrc_polish_impl.h,
 * spec/POLISH.md "The inner QP").  Search level: untrusted binary64.
 *
 * The free variables of the current face (the multipliers lambda_i of the
 * points in it and the kink variables) have the positive definite Gram
 *   H(f, g) = sum_j s_j <col_j(f), col_j(g)>,
 * col_j(lambda_i) = y_i x~_i when pair (i, j) is tied, col_j(kink (i, j)) =
 * +-y_i x~_i (+ for nu, - for rho) in neuron j only.  So
 *   H(lambda_i, lambda_l) = y_i y_l K_il TST_il,  TST = T diag(s) T^T,
 *   H(lambda_i, kink (l,j)) = s_j t_ij y_i tau y_l K_il,
 *   H(kink (i,j), kink (l,j')) = [j = j'] s_j tau tau' y_i y_l K_il.
 * Its Cholesky factor L is built from scratch with LAPACK's dpotrf when s
 * changes (once per inner solve) and kept in between, while the active-set
 * iteration adds and removes one variable at a time: appending is one
 * triangular solve, O(p^2); removing position t is a rank-one update of
 * the trailing factor, O((p - t)^2) (Golub and Van Loan, Matrix
 * Computations, 4th ed., section 6.5.4).  LAPACK has no such updates, hence
 * the two loops below. */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_polish_impl.h"

/* LAPACK (OpenBLAS, pinned to one thread by nrc_blas: deterministic) */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);

/* a refused pivot: the new column is within ~1e-6 rad of the span of the
 * face (numerically dependent) */
#define PIVOT_REL 1e-12

int pol_tied(const pol_ctx *c, size_t i, size_t j)
{
    unsigned char st = c->ps[i * c->k + j];
    return st == PS_ON || st == PS_KRHO;
}

void pol_tst_build(pol_ctx *c)
{
    size_t n = c->n, nl = c->nl, i, a;
    if (nl == 0) {
        memset(c->TST, 0, n * n * sizeof(double));
        return;
    }
    for (i = 0; i < n; i++)
        for (a = 0; a < nl; a++) {
            size_t j = c->live[a];
            c->T[i * nl + a] = pol_tied(c, i, j) ? sqrt(c->s[j]) : 0.0;
        }
    nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, n, n, nl, 1.0, c->T, nl, c->T, nl, 0.0, c->TST, n);
    (void)pol_spend(c, 2.0 * (double)n * (double)n * (double)nl);
}

void pol_state_set(pol_ctx *c, size_t i, size_t j, unsigned char st)
{
    size_t n = c->n, k = c->k, l;
    int was = pol_tied(c, i, j);
    double sj = c->s[j], sgn;
    c->ps[i * k + j] = st;
    if (pol_tied(c, i, j) == was || !(sj > 0))
        return;
    /* TST_il = sum_j s_j t_ij t_lj: row and column i change by s_j t_lj */
    sgn = was ? -sj : sj;
    for (l = 0; l < n; l++)
        if (l != i && pol_tied(c, l, j)) {
            c->TST[i * n + l] += sgn;
            c->TST[l * n + i] += sgn;
        }
    c->TST[i * n + i] += sgn;
}

double pol_face_entry(const pol_ctx *c, size_t f, size_t g)
{
    size_t n = c->n, k = c->k;
    const double *y = c->y;
    if (f < n && g < n)
        return y[f] * y[g] * c->K[f * n + g] * c->TST[f * n + g];
    if (f >= n && g < n) {
        size_t t = f;
        f = g;
        g = t;
    }
    if (f < n) {   /* lambda_f and the kink g = (l, j) */
        size_t l = (g - n) / k, j = (g - n) % k;
        double tau = c->ps[g - n] == PS_KNU ? 1.0 : -1.0;
        return pol_tied(c, f, j) ? c->s[j] * tau * y[f] * y[l] * c->K[f * n + l] : 0.0;
    }
    {
        size_t i = (f - n) / k, j = (f - n) % k, l = (g - n) / k, j2 = (g - n) % k;
        double tau = c->ps[f - n] == PS_KNU ? 1.0 : -1.0;
        double tau2 = c->ps[g - n] == PS_KNU ? 1.0 : -1.0;
        return j == j2 ? c->s[j] * tau * tau2 * y[i] * y[l] * c->K[i * n + l] : 0.0;
    }
}

int pol_face_reserve(pol_ctx *c, size_t need)
{
    size_t cap = c->cap, col;
    double *L;
    if (need <= cap)
        return 0;
    if (need > c->cap_max)
        return 1;
    while (cap < need)
        cap = cap * 2 < c->cap_max ? cap * 2 : c->cap_max;
    L = nrc_malloc_array(cap * cap, sizeof(double));
    if (!L) {
        nrc_error_set(c->err, NRC_ERR_SYSTEM,
                      "out of memory for the polish's QP factor (%zu variables)", cap);
        return -1;
    }
    for (col = 0; col < c->p; col++)
        memcpy(L + col * cap + col, c->L + col * c->cap + col,
               (c->p - col) * sizeof(double));
    nrc_free(c->L);
    c->L = L;
    {
        size_t *fv = nrc_realloc(c->fv, cap * sizeof(size_t));
        double *z = fv ? nrc_realloc(c->z, cap * sizeof(double)) : NULL;
        if (fv)
            c->fv = fv;
        if (z)
            c->z = z;
        double *zs = z ? nrc_realloc(c->zs, cap * sizeof(double)) : NULL;
        if (zs)
            c->zs = zs;
        double *h = zs ? nrc_realloc(c->h, cap * sizeof(double)) : NULL;
        if (h)
            c->h = h;
        if (!h) {
            nrc_error_set(c->err, NRC_ERR_SYSTEM,
                          "out of memory for the polish's QP (%zu variables)", cap);
            return -1;
        }
    }
    c->cap = cap;
    return 0;
}

int pol_face_append(pol_ctx *c, size_t f)
{
    size_t p = c->p, cap, r;
    double hff, d2 = 0.0;
    int rc = pol_face_reserve(c, p + 1);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    cap = c->cap;
    for (r = 0; r < p; r++)
        c->h[r] = pol_face_entry(c, c->fv[r], f);
    hff = pol_face_entry(c, f, f);
    if (p > 0)
        cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, c->L,
                    (int)cap, c->h, 1);
    for (r = 0; r < p; r++)
        d2 += c->h[r] * c->h[r];
    d2 = hff - d2;
    (void)pol_spend(c, 2.0 * (double)p * (double)p + 4.0 * (double)p);
    if (!(d2 > PIVOT_REL * hff) || !isfinite(d2))
        return 0;
    for (r = 0; r < p; r++)
        c->L[p + r * cap] = c->h[r];
    c->L[p + p * cap] = sqrt(d2);
    c->fv[p] = f;
    c->z[p] = f < c->n ? c->lam[f] : c->kv[f - c->n];
    c->fpos[f] = (int32_t)p;
    c->p = p + 1;
    c->dirty = 1;
    if (c->p > c->max_face)
        c->max_face = c->p;
    return 1;
}

void pol_face_delete(pol_ctx *c, size_t t)
{
    size_t p = c->p, cap = c->cap, m = p - t - 1, a, r, col;
    double *x = c->h;
    c->fpos[c->fv[t]] = -1;
    /* L33 L33^T + x x^T, x the part of column t below the diagonal */
    for (a = 0; a < m; a++)
        x[a] = c->L[(t + 1 + a) + t * cap];
    for (a = 0; a < m; a++) {
        size_t cc = t + 1 + a;
        double *Lc = c->L + cc * cap;
        double lkk = Lc[cc], rr = hypot(lkk, x[a]), cs = rr / lkk, sn = x[a] / lkk;
        Lc[cc] = rr;
        for (r = a + 1; r < m; r++) {
            size_t row = t + 1 + r;
            Lc[row] = (Lc[row] + sn * x[r]) / cs;
            x[r] = cs * x[r] - sn * Lc[row];
        }
    }
    /* remove row t and column t */
    for (col = 0; col < t; col++)
        memmove(c->L + col * cap + t, c->L + col * cap + t + 1, m * sizeof(double));
    for (col = t + 1; col < p; col++)
        memmove(c->L + (col - 1) * cap + (col - 1), c->L + col * cap + col,
                (p - col) * sizeof(double));
    for (r = t; r + 1 < p; r++) {
        c->fv[r] = c->fv[r + 1];
        c->z[r] = c->z[r + 1];
        c->fpos[c->fv[r]] = (int32_t)r;
    }
    c->p = p - 1;
    c->dirty = 1;
    (void)pol_spend(c, 3.0 * (double)m * (double)m + (double)p * (double)(p - t));
}

void pol_face_solve(pol_ctx *c, double *zs)
{
    size_t p = c->p, r;
    for (r = 0; r < p; r++)
        zs[r] = c->fv[r] < c->n ? 1.0 : 0.0;
    if (p == 0)
        return;
    cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, c->L,
                (int)c->cap, zs, 1);
    cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, (int)p, c->L,
                (int)c->cap, zs, 1);
    (void)pol_spend(c, 4.0 * (double)p * (double)p);
}

/* Drops variable f from the face list (not factored yet) and sets it to its
 * bound: a kink leaves as OFF (nu) / ON (rho), a lambda takes its kinks
 * with it. */
static void face_drop_unfactored(pol_ctx *c, size_t f)
{
    size_t n = c->n, k = c->k, j;
    if (f >= n) {
        c->ps[f - n] = c->ps[f - n] == PS_KNU ? PS_OFF : PS_ON;
        c->kv[f - n] = 0.0;
        c->blocked[f] = 1;
        return;
    }
    c->lam[f] = 0.0;
    c->blocked[f] = 1;
    for (j = 0; j < k; j++) {
        size_t q = f * k + j;
        if (c->ps[q] == PS_KNU || c->ps[q] == PS_KRHO) {
            c->ps[q] = c->ps[q] == PS_KNU ? PS_OFF : PS_ON;
            c->kv[q] = 0.0;
        }
    }
}

/* Incremental rebuild after dpotrf refused: lambdas first, then kinks whose
 * point stayed, refusing dependent variables. */
static int face_rebuild_incremental(pol_ctx *c, size_t *list, size_t p0)
{
    size_t r, n = c->n;
    for (int pass = 0; pass < 2; pass++)
        for (r = 0; r < p0; r++) {
            size_t f = list[r];
            int rc;
            if ((pass == 0) != (f < n))
                continue;
            if (f >= n) {
                size_t i = (f - n) / c->k;
                unsigned char st = c->ps[f - n];
                if (st != PS_KNU && st != PS_KRHO)
                    continue;   /* its point was dropped */
                if (c->fpos[i] < 0) {
                    face_drop_unfactored(c, f);
                    continue;
                }
            }
            rc = pol_face_append(c, f);
            if (rc < 0)
                return -1;
            if (rc == 0)
                face_drop_unfactored(c, f);
        }
    return 0;
}

int pol_face_rebuild(pol_ctx *c)
{
    size_t p = c->p, cap = c->cap, row, col;
    int np = (int)p, ld = (int)cap, info = 0;
    c->factorizations++;
    c->dirty = 0;
    if (p == 0)
        return 0;
    for (col = 0; col < p; col++)
        for (row = col; row < p; row++)
            c->L[row + col * cap] = pol_face_entry(c, c->fv[row], c->fv[col]);
    dpotrf_("L", &np, c->L, &ld, &info);
    (void)pol_spend(c, (double)p * (double)p * (double)p / 3.0 + 2.0 * (double)p * (double)p);
    for (row = 0; row < p && info == 0; row++) {
        /* dpotrf accepts tiny pivots: apply the append test to each */
        double d = c->L[row + row * cap];
        double hd = pol_face_entry(c, c->fv[row], c->fv[row]);
        if (!(d * d > PIVOT_REL * hd) || !isfinite(d))
            info = (int)row + 1;
    }
    if (info != 0) {
        size_t *list = nrc_malloc_array(p, sizeof(size_t));
        int rc;
        if (!list) {
            nrc_error_set(c->err, NRC_ERR_SYSTEM, "out of memory for the polish's QP");
            return -1;
        }
        memcpy(list, c->fv, p * sizeof(size_t));
        for (row = 0; row < p; row++) {
            size_t f = list[row];
            if (f < c->n)
                c->lam[f] = c->z[row];
            else
                c->kv[f - c->n] = c->z[row];
            c->fpos[f] = -1;
        }
        c->p = 0;
        rc = face_rebuild_incremental(c, list, p);
        nrc_free(list);
        return rc;
    }
    return 0;
}
