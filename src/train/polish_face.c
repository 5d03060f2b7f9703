/* The face system of the polish's inner QP and its factorization
 * (include/train/nrc_polish_impl.h, spec/POLISH.md "The inner QP").
 * Search level: untrusted binary64.
 *
 * The free variables of the current face (the multipliers lambda_i of the
 * points in it, set A, and the kink variables) have the positive definite
 * Gram H(f, g) = sum_j s_j <col_j(f), col_j(g)>, col_j(lambda_i) = y_i x~_i
 * when pair (i, j) is tied, col_j(kink (i, j)) = tau y_i x~_i in neuron j
 * only (tau = +1 for nu, -1 for rho).  Kinks couple only within their
 * neuron, so the kink block is block diagonal, and eliminating it leaves
 * the Schur complement on the multipliers
 *   S = sum_j s_j Y T_j (K - K_{:,K_j} K_{K_j K_j}^{-1} K_{K_j,:}) T_j Y  (on A),
 * Y = diag(y), T_j = diag(t_.j): each neuron's kernel with its kink points
 * projected out (the tau cancel).  Per neuron, L_j = chol(K_{K_j K_j}) and
 * V_j = L_j^{-1} K_{K_j,:} (kept as Vt_j = V_j^T) do not depend on s, so a
 * new s costs one GEMM per neuron with kinks (n_A^2 m_j) and one dpotrf
 * (n_A^3 / 3) instead of a factorization of the whole face, and a face
 * change costs O(n_A^2 + n m_j): appending a kink is a row of L_j and a
 * rank-one downdate of S, removing one a rank-one update of L_j (with the
 * same rotations applied to V_j) and of S, a multiplier a row or column of
 * S.  The kink values follow from the multipliers neuron by neuron:
 *   (y tau kappa)_{K_j} = -L_j^{-T} V_j (Y T_j lambda).
 * Rank-one updates: Golub and Van Loan, Matrix Computations, 4th ed.,
 * section 6.5.4 (LAPACK has none, hence the loops below). */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_polish_impl.h"

/* LAPACK (OpenBLAS, pinned to one thread by nrc_blas: deterministic) */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);

/* a refused pivot: the new column is within ~1e-6 rad of the span of the
 * others (numerically dependent) */
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

static double tau_of(const pol_ctx *c, size_t q)
{
    return c->ps[q] == PS_KNU ? 1.0 : -1.0;
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
        return pol_tied(c, f, j) ? c->s[j] * tau_of(c, g - n) * y[f] * y[l] * c->K[f * n + l]
                                 : 0.0;
    }
    {
        size_t i = (f - n) / k, j = (f - n) % k, l = (g - n) / k, j2 = (g - n) % k;
        return j == j2 ? c->s[j] * tau_of(c, f - n) * tau_of(c, g - n) * y[i] * y[l] *
                             c->K[i * n + l]
                       : 0.0;
    }
}

/* ---- Cholesky updates (column-major lower factors) ---- */

/* Appends row/column p to the factor L (leading dimension ld) of a p x p
 * matrix: h (p) holds the new column above the diagonal, hpp the diagonal
 * entry; h is overwritten.  0 when the pivot is not clearly positive. */
static int chol_append(double *L, size_t ld, size_t p, double *h, double hpp)
{
    double d2 = hpp;
    size_t r;
    if (p > 0)
        cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, L,
                    (int)ld, h, 1);
    for (r = 0; r < p; r++)
        d2 -= h[r] * h[r];
    if (!(d2 > PIVOT_REL * hpp) || !isfinite(d2))
        return 0;
    for (r = 0; r < p; r++)
        L[p + r * ld] = h[r];
    L[p + p * ld] = sqrt(d2);
    return 1;
}

/* L L^T + sign x x^T over rows/columns from..p-1 (x has p - from entries,
 * overwritten); sign -1 is a downdate, which returns 0 when the result is
 * not positive definite (L is then garbage: the caller restores it).  The
 * rotation of each column is also applied to the columns of V (n rows,
 * leading dimension n, column `from + a` paired with xv) when V != NULL. */
static int chol_rank1(double *L, size_t ld, size_t from, size_t p, double *x, int sign,
                      double *V, size_t n, double *xv)
{
    for (size_t a = 0; from + a < p; a++) {
        size_t cc = from + a, r;
        double *Lc = L + cc * ld, lkk = Lc[cc], r2 = lkk * lkk + sign * x[a] * x[a], rr, cs, sn;
        if (!(r2 > 0) || !isfinite(r2))
            return 0;
        rr = sqrt(r2);
        cs = rr / lkk;
        sn = x[a] / lkk;
        Lc[cc] = rr;
        for (r = cc + 1; r < p; r++) {
            Lc[r] = (Lc[r] + sign * sn * x[r - from]) / cs;
            x[r - from] = cs * x[r - from] - sn * Lc[r];
        }
        if (V) {   /* the same plane rotation on (V column cc, xv) */
            double c2 = lkk / rr, s2 = x[a] / rr, *Vc = V + cc * n;
            for (r = 0; r < n; r++) {
                double vr = Vc[r];
                Vc[r] = c2 * vr + s2 * xv[r];
                xv[r] = c2 * xv[r] - s2 * vr;
            }
        }
    }
    return 1;
}

/* Removes row and column t of the factor L (p x p, leading dimension ld):
 * the trailing factor absorbs column t below the diagonal (rank-one update,
 * never failing), V's columns follow (xv receives the leftover row). */
static void chol_delete(double *L, size_t ld, size_t p, size_t t, double *x, double *V,
                        size_t n, double *xv)
{
    size_t m = p - t - 1, col;
    for (size_t a = 0; a < m; a++)
        x[a] = L[(t + 1 + a) + t * ld];
    if (V)
        memcpy(xv, V + t * n, n * sizeof(double));
    (void)chol_rank1(L, ld, t + 1, p, x, 1, V, n, xv);
    for (col = 0; col < t; col++)
        memmove(L + col * ld + t, L + col * ld + t + 1, m * sizeof(double));
    for (col = t + 1; col < p; col++)
        memmove(L + (col - 1) * ld + (col - 1), L + col * ld + col, (p - col) * sizeof(double));
    if (V && m > 0)
        memmove(V + t * n, V + (t + 1) * n, m * n * sizeof(double));
}

/* ---- per-neuron kink factors ---- */

/* Room for m kinks in neuron j.  0 ok, -1 memory. */
static int kink_reserve(pol_ctx *c, size_t j, size_t m)
{
    size_t cap = c->kc[j], n = c->n, col;
    double *L, *V;
    size_t *kp;
    if (m <= cap)
        return 0;
    cap = cap ? cap : 8;
    while (cap < m)
        cap *= 2;
    L = nrc_malloc_array(cap * cap, sizeof(double));
    V = nrc_malloc_array(n * cap, sizeof(double));
    kp = nrc_malloc_array(cap, sizeof(size_t));
    if (!L || !V || !kp) {
        nrc_free(L);
        nrc_free(V);
        nrc_free(kp);
        nrc_error_set(c->err, NRC_ERR_SYSTEM, "out of memory for the polish's kink factors");
        return -1;
    }
    for (col = 0; col < c->km[j]; col++)
        memcpy(L + col * cap + col, c->Lk[j] + col * c->kc[j] + col,
               (c->km[j] - col) * sizeof(double));
    if (c->km[j])
        memcpy(V, c->Vt[j], n * c->km[j] * sizeof(double));
    if (c->km[j])
        memcpy(kp, c->kp[j], c->km[j] * sizeof(size_t));
    nrc_free(c->Lk[j]);
    nrc_free(c->Vt[j]);
    nrc_free(c->kp[j]);
    c->Lk[j] = L;
    c->Vt[j] = V;
    c->kp[j] = kp;
    c->kc[j] = cap;
    return 0;
}

/* Appends the kink of point i to neuron j's factor.  1 ok, 0 dependent on
 * the neuron's other kinks, -1 memory.  The new column of Vt is left in
 * c->h2 as well (for the downdate of S). */
static int kink_append(pol_ctx *c, size_t j, size_t i)
{
    size_t n = c->n, m = c->km[j], r;
    double *h = c->h, d;
    if (kink_reserve(c, j, m + 1) < 0)
        return -1;
    for (r = 0; r < m; r++)
        h[r] = c->K[c->kp[j][r] * n + i];
    if (!chol_append(c->Lk[j], c->kc[j], m, h, c->K[i * n + i]))
        return 0;
    d = c->Lk[j][m + m * c->kc[j]];
    /* Vt column m = (K_{:,i} - Vt_{:,0..m} h) / d */
    memcpy(c->h2, c->K + i * n, n * sizeof(double));
    if (m > 0)
        cblas_dgemv(CblasColMajor, CblasNoTrans, (int)n, (int)m, -1.0, c->Vt[j], (int)n, h, 1,
                    1.0, c->h2, 1);
    for (r = 0; r < n; r++)
        c->h2[r] /= d;
    memcpy(c->Vt[j] + m * n, c->h2, n * sizeof(double));
    c->kp[j][m] = i;
    c->kpos[i * c->k + j] = (int32_t)m;
    c->km[j] = m + 1;
    (void)pol_spend(c, 2.0 * (double)m * (double)m + 4.0 * (double)n * (double)m);
    return 1;
}

/* Removes position t of neuron j's kinks; c->h2 receives the leftover row
 * w of V (old V^T V - new V^T V = w w^T). */
static void kink_delete(pol_ctx *c, size_t j, size_t t)
{
    size_t m = c->km[j], n = c->n, r;
    chol_delete(c->Lk[j], c->kc[j], m, t, c->h, c->Vt[j], n, c->h2);
    c->kpos[c->kp[j][t] * c->k + j] = -1;
    for (r = t; r + 1 < m; r++) {
        c->kp[j][r] = c->kp[j][r + 1];
        c->kpos[c->kp[j][r] * c->k + j] = (int32_t)r;
    }
    c->km[j] = m - 1;
    (void)pol_spend(c, 3.0 * (double)(m - t) * (double)(m - t) +
                           6.0 * (double)n * (double)(m - t));
}

/* Neuron j's kink factor from its kinks in face-list order.  Returns the
 * face code of a kink that made it singular (to be dropped), 0 if none, or
 * (size_t)-1 on memory. */
static size_t kink_rebuild(pol_ctx *c, size_t j)
{
    size_t n = c->n, k = c->k, r, m = 0;
    for (r = 0; r < c->km[j]; r++)
        c->kpos[c->kp[j][r] * k + j] = -1;
    for (r = 0; r < c->p; r++)
        if (c->fv[r] >= n && (c->fv[r] - n) % k == j)
            m++;
    c->km[j] = 0;
    if (kink_reserve(c, j, m) < 0)
        return (size_t)-1;
    for (r = 0; r < c->p; r++) {
        size_t f = c->fv[r];
        int rc;
        if (f < n || (f - n) % k != j)
            continue;
        rc = kink_append(c, j, (f - n) / k);
        if (rc < 0)
            return (size_t)-1;
        if (rc == 0)
            return f;
    }
    c->kdirty[j] = 0;
    return 0;
}

/* ---- the Schur complement on the multipliers ---- */

/* h (na + 1 entries) = S's column for point i against slist[0..na) and
 * itself (last). */
static void s_column(pol_ctx *c, size_t i, double *h)
{
    size_t n = c->n, k = c->k, na = c->na, a, j, r;
    for (a = 0; a < na; a++) {
        size_t l = c->slist[a];
        h[a] = c->y[i] * c->y[l] * c->K[i * n + l] * c->TST[i * n + l];
    }
    h[na] = c->K[i * n + i] * c->TST[i * n + i];
    for (j = 0; j < k; j++) {
        const double *V = c->Vt[j];
        size_t m = c->km[j];
        if (m == 0 || !(c->s[j] > 0) || !pol_tied(c, i, j))
            continue;
        for (a = 0; a <= na; a++) {
            size_t l = a < na ? c->slist[a] : i;
            double dot = 0.0;
            if (!pol_tied(c, l, j))
                continue;
            for (r = 0; r < m; r++)
                dot += V[r * n + i] * V[r * n + l];
            h[a] -= c->s[j] * c->y[i] * c->y[l] * dot;
        }
        (void)pol_spend(c, 2.0 * (double)(na + 1) * (double)m);
    }
}

/* u (na) = sqrt(s_j) t_lj y_l w_l over the multipliers in S order. */
static void s_vector(const pol_ctx *c, size_t j, const double *w, double *u)
{
    double sq = sqrt(c->s[j]);
    for (size_t a = 0; a < c->na; a++) {
        size_t l = c->slist[a];
        u[a] = pol_tied(c, l, j) ? sq * c->y[l] * w[l] : 0.0;
    }
}

/* S (lower triangle of LS) from scratch: the tied Gram minus each
 * neuron's projection, accumulated in LS2 by one GEMM per neuron with
 * kinks.  0 ok, -1 memory. */
static int s_assemble(pol_ctx *c)
{
    size_t n = c->n, na = c->na, a, b, j, r, mmax = 0;
    double *U;
    for (b = 0; b < na; b++)
        for (a = b; a < na; a++) {
            size_t i = c->slist[a], l = c->slist[b];
            c->LS[a + b * n] = c->y[i] * c->y[l] * c->K[i * n + l] * c->TST[i * n + l];
        }
    for (j = 0; j < c->k; j++)
        if (c->s[j] > 0 && c->km[j] > mmax)
            mmax = c->km[j];
    if (mmax == 0 || na == 0)
        return 0;
    U = nrc_malloc_array(na * mmax, sizeof(double));
    if (!U) {
        nrc_error_set(c->err, NRC_ERR_SYSTEM, "out of memory for the polish's QP");
        return -1;
    }
    memset(c->LS2, 0, n * n * sizeof(double));
    for (j = 0; j < c->k; j++) {
        size_t m = c->km[j];
        if (m == 0 || !(c->s[j] > 0))
            continue;
        for (a = 0; a < na; a++) {
            size_t l = c->slist[a];
            double f = pol_tied(c, l, j) ? sqrt(c->s[j]) * c->y[l] : 0.0;
            for (r = 0; r < m; r++)
                U[a * m + r] = f * c->Vt[j][r * n + l];
        }
        nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, na, na, m, 1.0, U, m, U, m, 1.0, c->LS2, n);
        (void)pol_spend(c, 2.0 * (double)na * (double)na * (double)m);
    }
    for (b = 0; b < na; b++)
        for (a = b; a < na; a++)
            c->LS[a + b * n] -= c->LS2[a * n + b];
    nrc_free(U);
    return 0;
}

/* The multipliers of the face, in face-list order, become S's order. */
static void s_list_from_face(pol_ctx *c)
{
    size_t r;
    for (r = 0; r < c->na; r++)
        c->spos[c->slist[r]] = -1;
    c->na = 0;
    for (r = 0; r < c->p; r++)
        if (c->fv[r] < c->n) {
            c->slist[c->na] = c->fv[r];
            c->spos[c->fv[r]] = (int32_t)c->na;
            c->na++;
        }
}

void pol_face_forget(pol_ctx *c, size_t r)
{
    size_t f = c->fv[r], n = c->n;
    c->fpos[f] = -1;
    if (f >= n) {
        size_t q = f - n;
        c->ps[q] = c->ps[q] == PS_KNU ? PS_OFF : PS_ON;   /* ties unchanged */
        c->kv[q] = 0.0;
        c->kdirty[q % c->k] = 1;
        c->kver[q % c->k]++;
    } else {
        c->lam[f] = 0.0;
        c->sstale = 1;
    }
    memmove(c->fv + r, c->fv + r + 1, (c->p - r - 1) * sizeof(size_t));
    memmove(c->z + r, c->z + r + 1, (c->p - r - 1) * sizeof(double));
    c->p--;
    for (; r < c->p; r++)
        c->fpos[c->fv[r]] = (int32_t)r;
}

int pol_face_list_add(pol_ctx *c, size_t f)
{
    size_t n = c->n;
    if (c->p >= c->cap_max)
        return 0;
    c->fv[c->p] = f;
    c->z[c->p] = f < n ? c->lam[f] : c->kv[f - n];
    c->fpos[f] = (int32_t)c->p;
    c->p++;
    if (f >= n) {
        c->kdirty[(f - n) % c->k] = 1;
        c->kver[(f - n) % c->k]++;
    } else {
        c->sstale = 1;
    }
    if (c->p > c->max_face)
        c->max_face = c->p;
    return 1;
}

/* Drops face variable f at its bound (a multiplier takes its kinks along)
 * and blocks it for this solve. */
static void face_drop(pol_ctx *c, size_t f)
{
    size_t n = c->n, k = c->k, j;
    c->blocked[f] |= 1;
    if (f < n)
        for (j = 0; j < k; j++) {
            size_t q = n + f * k + j;
            if (c->fpos[q] >= 0)
                pol_face_forget(c, (size_t)c->fpos[q]);
        }
    if (c->fpos[f] >= 0)
        pol_face_forget(c, (size_t)c->fpos[f]);
}

/* S's factor by dpotrf; a multiplier whose pivot fails (or is below
 * PIVOT_REL of its diagonal) is dropped and the whole is tried again.
 * 0 ok, 1 the kink factors went stale (a dropped multiplier took kinks),
 * -1 memory. */
static int s_factor(pol_ctx *c)
{
    size_t n = c->n, a;
    for (;;) {
        size_t na;
        int nn, ld = (int)n, info = 0;
        s_list_from_face(c);
        na = c->na;
        nn = (int)na;
        if (s_assemble(c) < 0)
            return -1;
        for (a = 0; a < na; a++)
            c->h[a] = c->LS[a + a * n];
        if (na > 0)
            dpotrf_("L", &nn, c->LS, &ld, &info);
        (void)pol_spend(c, (double)na * (double)na * (double)na / 3.0 +
                               2.0 * (double)na * (double)na);
        for (a = 0; a < na && info == 0; a++) {
            double d = c->LS[a + a * n];
            if (!(d * d > PIVOT_REL * c->h[a]) || !isfinite(d))
                info = (int)a + 1;
        }
        if (info == 0)
            return 0;
        {
            size_t f = c->slist[info - 1], j, had = 0;
            for (j = 0; j < c->k; j++)
                had += c->fpos[n + f * c->k + j] >= 0;
            face_drop(c, f);
            if (had)
                return 1;
        }
    }
}

int pol_face_rebuild(pol_ctx *c)
{
    size_t j;
    c->factorizations++;
    for (;;) {
        int again = 0, rc;
        for (j = 0; j < c->k; j++) {
            size_t bad;
            if (!c->kdirty[j])
                continue;
            bad = kink_rebuild(c, j);
            if (bad == (size_t)-1)
                return -1;
            if (bad != 0) {   /* a dependent kink: drop it, rebuild j again */
                face_drop(c, bad);
                again = 1;
            }
        }
        if (again)
            continue;
        rc = s_factor(c);
        if (rc < 0)
            return -1;
        if (rc == 0)
            break;
    }
    c->dirty = 0;
    c->sstale = 0;
    return 0;
}

/* ---- changes on the kept factors ---- */

int pol_face_append(pol_ctx *c, size_t f)
{
    size_t n = c->n, k = c->k, na = c->na;
    if (c->p >= c->cap_max)
        return 0;
    if (f < n) {
        s_column(c, f, c->h);
        if (!chol_append(c->LS, n, na, c->h, c->h[na]))
            return 0;
        c->slist[na] = f;
        c->spos[f] = (int32_t)na;
        c->na = na + 1;
        (void)pol_spend(c, 2.0 * (double)na * (double)na);
    } else {
        size_t q = f - n, i = q / k, j = q % k;
        int rc = kink_append(c, j, i);
        if (rc <= 0)
            return rc;
        /* S -= u u^T, guarded: a multiplier must not become dependent */
        s_vector(c, j, c->h2, c->h);
        for (size_t b = 0; b < na; b++)
            memcpy(c->LS2 + b * n + b, c->LS + b * n + b, (na - b) * sizeof(double));
        if (!chol_rank1(c->LS, n, 0, na, c->h, -1, NULL, 0, NULL)) {
            for (size_t b = 0; b < na; b++)
                memcpy(c->LS + b * n + b, c->LS2 + b * n + b, (na - b) * sizeof(double));
            c->km[j]--;   /* the appended row was last: dropping it is exact */
            c->kpos[i * k + j] = -1;
            return 0;
        }
        c->kver[j]++;
        (void)pol_spend(c, 4.0 * (double)na * (double)na);
    }
    c->fv[c->p] = f;
    c->z[c->p] = f < n ? c->lam[f] : c->kv[f - n];
    c->fpos[f] = (int32_t)c->p;
    c->p++;
    c->dirty = 1;
    if (c->p > c->max_face)
        c->max_face = c->p;
    return 1;
}

void pol_face_delete(pol_ctx *c, size_t t)
{
    size_t n = c->n, k = c->k, f = c->fv[t], r;
    if (f < n) {
        size_t a = (size_t)c->spos[f], na = c->na;
        chol_delete(c->LS, n, na, a, c->h, NULL, 0, NULL);
        c->spos[f] = -1;
        for (r = a; r + 1 < na; r++) {
            c->slist[r] = c->slist[r + 1];
            c->spos[c->slist[r]] = (int32_t)r;
        }
        c->na = na - 1;
        (void)pol_spend(c, 3.0 * (double)(na - a) * (double)(na - a));
    } else {
        size_t q = f - n, i = q / k, j = q % k;
        kink_delete(c, j, (size_t)c->kpos[i * k + j]);
        c->kver[j]++;
        s_vector(c, j, c->h2, c->h);
        (void)chol_rank1(c->LS, n, 0, c->na, c->h, 1, NULL, 0, NULL);
        (void)pol_spend(c, 3.0 * (double)c->na * (double)c->na);
    }
    c->fpos[f] = -1;
    memmove(c->fv + t, c->fv + t + 1, (c->p - t - 1) * sizeof(size_t));
    memmove(c->z + t, c->z + t + 1, (c->p - t - 1) * sizeof(double));
    c->p--;
    for (r = t; r < c->p; r++)
        c->fpos[c->fv[r]] = (int32_t)r;
    c->dirty = 1;
}

/* ---- solves ---- */

void pol_face_s_solve(const pol_ctx *c, double *x)
{
    if (c->na == 0)
        return;
    cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)c->na, c->LS,
                (int)c->n, x, 1);
    cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, (int)c->na, c->LS,
                (int)c->n, x, 1);
}

void pol_face_kinks(pol_ctx *c, const double *lam, double *out)
{
    size_t n = c->n, k = c->k, j, r, l;
    for (j = 0; j < k; j++) {
        size_t m = c->km[j];
        double *g = c->h;
        if (m == 0)
            continue;
        /* g = V_j (Y T_j lambda), then L_j^{-T} g */
        for (r = 0; r < m; r++) {
            const double *V = c->Vt[j] + r * n;
            double a = 0.0;
            for (l = 0; l < n; l++)
                if (lam[l] != 0 && pol_tied(c, l, j))
                    a += V[l] * c->y[l] * lam[l];
            g[r] = a;
        }
        cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, (int)m, c->Lk[j],
                    (int)c->kc[j], g, 1);
        for (r = 0; r < m; r++) {
            size_t i = c->kp[j][r], q = i * k + j;
            int32_t pos = c->fpos[n + q];
            if (pos >= 0)
                out[pos] = -tau_of(c, q) * c->y[i] * g[r];
        }
        (void)pol_spend(c, 2.0 * (double)n * (double)m + (double)m * (double)m);
    }
}

void pol_face_solve(pol_ctx *c, double *zs)
{
    size_t r, a, n = c->n;
    double *x = c->sv;
    for (a = 0; a < c->na; a++)
        x[a] = 1.0;
    pol_face_s_solve(c, x);
    memset(c->lv, 0, n * sizeof(double));
    for (a = 0; a < c->na; a++)
        c->lv[c->slist[a]] = x[a];
    for (r = 0; r < c->p; r++)
        if (c->fv[r] < n)
            zs[r] = c->lv[c->fv[r]];
    pol_face_kinks(c, c->lv, zs);
    (void)pol_spend(c, 4.0 * (double)c->na * (double)c->na);
}
