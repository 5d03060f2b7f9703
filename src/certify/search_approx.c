/* Untrusted binary64 search for certify (include/certify/nrc_cert_search.h):
 * the flip sweep of MATH.md section 6 and the NNLS solve of section 4.
 * Nothing here is trusted: every result is re-checked rigorously. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_cert_search.h"

/* Breakpoints in increasing (bp, index) order, a total order on the finite
 * keys used here, popped lazily from a binary min-heap: the sweep usually
 * stops after a few breakpoints, so this is O(k + r log k) instead of a
 * full sort, and it visits them in exactly the order the sort gave. */
static int key_less(const double *bp, size_t i, size_t j)
{
    return bp[i] < bp[j] || (bp[i] == bp[j] && i < j);
}

static void sift_down(size_t *h, size_t n, size_t s, const double *bp)
{
    for (;;) {
        size_t l = 2 * s + 1, m = s, t;
        if (l < n && key_less(bp, h[l], h[m]))
            m = l;
        if (l + 1 < n && key_less(bp, h[l + 1], h[m]))
            m = l + 1;
        if (m == s)
            return;
        t = h[s];
        h[s] = h[m];
        h[m] = t;
        s = m;
    }
}

int nrc_flip_sweep_approx(size_t k, const double *a, const double *c,
                          const double *v, int p, double *tstar, double *tnext,
                          double *work, size_t *idx)
{
    double *bp = work, *act = work + k;   /* breakpoint, active flag */
    double F0 = 0.0, F1 = 0.0, tprev = 0.0;
    size_t j, nb = 0, r, hn;
    for (j = 0; j < k; j++) {
        double e = p * c[j];              /* pre_j(t) = a_j - t e_j */
        int on = a[j] > 0 || (a[j] == 0 && e < 0);
        act[j] = on;
        if (on) {
            F0 += p * v[j] * a[j];
            F1 -= p * v[j] * e;
        }
        bp[j] = INFINITY;
        if (e != 0) {
            double t = a[j] / e;
            if (t > 0 && isfinite(t)) {
                bp[j] = t;
                idx[nb++] = j;
            }
        }
    }
    for (r = nb / 2; r-- > 0;)
        sift_down(idx, nb, r, bp);
    hn = nb;
    for (r = 0; r <= nb; r++) {
        double tn = r < nb ? bp[idx[0]] : INFINITY;
        /* f on [tprev, tn] is F0 + F1 t */
        if (F1 < 0) {
            double root = -F0 / F1;
            if (root < tprev)
                root = tprev;
            if (root < tn) {
                *tstar = root;
                *tnext = tn;
                return 1;
            }
        }
        if (r == nb)
            break;
        j = idx[0];
        idx[0] = idx[--hn];
        sift_down(idx, hn, 0, bp);
        {
            double e = p * c[j];
            if (act[j] != 0) {         /* a_j - t e_j goes negative: e_j > 0 */
                if (e > 0) {
                    F0 -= p * v[j] * a[j];
                    F1 += p * v[j] * e;
                    act[j] = 0;
                }
            } else if (e < 0) {
                F0 += p * v[j] * a[j];
                F1 -= p * v[j] * e;
                act[j] = 1;
            }
        }
        tprev = tn;
    }
    return 0;
}

int nrc_flip_scales_approx(double tstar, double tnext, double s[4])
{
    /* t* (1 + 2^-30), t* (1 + 2^-20), t* (1 + 2^-12), each kept below the
     * next breakpoint (else a point 1/1024, then 1/2 of the way to it). */
    static const double rel[3] = { 0x1p-30, 0x1p-20, 0x1p-12 };
    int ns = 0, i;
    if (!(tstar > 0) || !isfinite(tstar))
        return 0;
    /* Breakpoints clustered within 2^-30 of t* (a network at a KKT point
     * with kinks: many pre-activations cross together): a scale inside the
     * cluster sits within ulps of an exact breakpoint, where f may be 0
     * exactly one ulp lower. First try t* (1 + 2^-20) and t* (1 + 2^-12)
     * past the cluster (f is usually still negative there; the claim is
     * decided exactly anyway), then the point inside the cluster. */
    if (!(nextafter(tstar * (1.0 + rel[0]), INFINITY) < tnext)) {
        double c = 0.5 * tstar + 0.5 * tnext;
        for (i = 1; i < 3; i++) {
            double u = nextafter(tstar * (1.0 + rel[i]), INFINITY);
            if (isfinite(u))
                s[ns++] = u;
        }
        if (c > tstar && c < tnext)
            s[ns++] = c;
        return ns;
    }
    for (i = 0; i < 3; i++) {
        double c = nextafter(tstar * (1.0 + rel[i]), INFINITY);
        if (!(c < tnext)) {
            c = i == 1 ? tstar + (tnext - tstar) * 0x1p-10 : 0.5 * tstar + 0.5 * tnext;
            if (!(c > tstar && c < tnext))
                continue;
        }
        if (isfinite(c) && (ns == 0 || c > s[ns - 1]))
            s[ns++] = c;
    }
    return ns;
}

/* LAPACK (in OpenBLAS; single-threaded here because nrc_dgemm pins OpenBLAS
 * to one thread, so the result is deterministic). */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a,
             const int *lda, double *b, const int *ldb, int *info);

/* Solve K_PP x = rhs_P by Cholesky (the principal submatrix on P, np
 * entries). Returns 0 when K_PP is not numerically positive definite. */
static int chol_solve(size_t n, const double *K, const size_t *P, size_t np,
                      const double *rhs, double *L, double *x)
{
    size_t i, j;
    int nn = (int)np, one = 1, info = 0;
    if (np > 46000)
        return 0;
    for (i = 0; i < np; i++) {
        for (j = 0; j < np; j++)
            L[i * np + j] = K[P[i] * n + P[j]];
        x[i] = rhs[P[i]];
    }
    dpotrf_("L", &nn, L, &nn, &info);
    if (info != 0)
        return 0;
    dpotrs_("L", &nn, &one, L, &nn, x, &nn, &info);
    return info == 0;
}

static double kkt_viol(size_t n, const double *K, const double *rhs,
                       const double *lam, double *g)
{
    double worst = 0.0, scale = 0.0;
    size_t i, l;
    for (i = 0; i < n; i++) {
        double s = -rhs[i];
        for (l = 0; l < n; l++)
            s += K[i * n + l] * lam[l];
        g[i] = s;
        if (fabs(rhs[i]) > scale)
            scale = fabs(rhs[i]);
    }
    for (i = 0; i < n; i++) {
        double vi = fabs(fmin(lam[i], g[i]));
        if (lam[i] > 0)
            vi = fabs(g[i]);
        if (vi > worst)
            worst = vi;
    }
    return scale > 0 ? worst / scale : worst;
}

nrc_status nrc_nnls_d(size_t n, const double *K, const double *rhs,
                      double *lambda, int max_sweeps, double *kkt_violation,
                      nrc_error *err)
{
    double *g = nrc_calloc(n, sizeof(double)), *x = NULL, *L = NULL, *g2 = NULL, *cand = NULL;
    size_t *P = nrc_calloc(n, sizeof(size_t));
    size_t i, l, np;
    int sweep, round;
    nrc_status st = NRC_OK;
    if (!g || !P) {
        st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (NNLS, n = %zu)", n);
        goto done;
    }
    for (i = 0; i < n; i++) {
        lambda[i] = 0.0;
        g[i] = -rhs[i];
    }
    /* projected coordinate descent (Gauss-Seidel); g = K lambda - rhs is
     * kept up to date, so the optimality violation costs O(n) per sweep */
    for (sweep = 0; sweep < max_sweeps; sweep++) {
        double worst = 0.0, scale = 0.0;
        for (i = 0; i < n; i++) {
            double kii = K[i * n + i], nl, dl;
            if (!(kii > 0))
                continue;
            nl = lambda[i] - g[i] / kii;
            if (nl < 0)
                nl = 0.0;
            dl = nl - lambda[i];
            if (dl != 0) {
                for (l = 0; l < n; l++)
                    g[l] += K[l * n + i] * dl;
                lambda[i] = nl;
            }
        }
        for (i = 0; i < n; i++) {
            double vi = lambda[i] > 0 ? fabs(g[i]) : (g[i] < 0 ? -g[i] : 0.0);
            if (vi > worst)
                worst = vi;
            if (fabs(rhs[i]) > scale)
                scale = fabs(rhs[i]);
        }
        if (worst <= 1e-10 * scale)
            break;
    }
    /* polish: solve on the support exactly; accept when it stays feasible
     * and improves the optimality measure.  A few rounds of support update. */
    x = nrc_calloc(n, sizeof(double));
    g2 = nrc_calloc(n, sizeof(double));
    cand = nrc_calloc(n, sizeof(double));
    L = n <= 4096 ? nrc_calloc(n * n, sizeof(double)) : NULL;
    if (!x || !g2 || !cand) {
        st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (NNLS, n = %zu)", n);
        goto done;
    }
    *kkt_violation = kkt_viol(n, K, rhs, lambda, g);
    for (round = 0; L && round < 3; round++) {
        double v2;
        np = 0;
        for (i = 0; i < n; i++)
            if (lambda[i] > 0 || g[i] < 0)
                P[np++] = i;
        if (np == 0 || !chol_solve(n, K, P, np, rhs, L, x))
            break;
        for (i = 0; i < n; i++)
            cand[i] = 0.0;
        for (i = 0; i < np; i++)
            cand[P[i]] = x[i] > 0 ? x[i] : 0.0;
        v2 = kkt_viol(n, K, rhs, cand, g2);
        if (!(v2 < *kkt_violation))
            break;
        memcpy(lambda, cand, n * sizeof(double));
        memcpy(g, g2, n * sizeof(double));
        *kkt_violation = v2;
    }
done:
    nrc_free(g);
    nrc_free(g2);
    nrc_free(x);
    nrc_free(L);
    nrc_free(cand);
    nrc_free(P);
    return st;
}
