/* Untrusted binary64 search for certify (include/certify/nrc_cert_search.h):
 * the flip sweep of spec/MATH.md section 6 and the NNLS solve of section 4.
 * Nothing here is trusted: every result is re-checked rigorously. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_cert_search.h"
#include "cert_ws.h"

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

/* f(t) = F0 + F1 t on the current segment of the sweep. */
typedef struct {
    double F0, F1;
} sweep_line;

/* The segment at t = 0+ (neuron j on when a_j > 0, or a_j = 0 and its
 * pre-activation a_j - t e_j grows) and the breakpoints t_j = a_j / e_j > 0
 * (bp, idx: nb of them); returns nb. */
static size_t sweep_start(size_t k, const double *a, const double *c, const double *v, int p,
                          double *bp, double *act, size_t *idx, sweep_line *f)
{
    size_t j, nb = 0;
    f->F0 = f->F1 = 0.0;
    for (j = 0; j < k; j++) {
        double e = p * c[j];              /* pre_j(t) = a_j - t e_j */
        int on = a[j] > 0 || (a[j] == 0 && e < 0);
        act[j] = on;
        if (on) {
            f->F0 += p * v[j] * a[j];
            f->F1 -= p * v[j] * e;
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
    return nb;
}

/* Neuron j crosses its breakpoint: it turns off when its pre-activation
 * decreases (e_j > 0), on when it increases. */
static void sweep_cross(size_t j, const double *a, const double *c, const double *v, int p,
                        double *act, sweep_line *f)
{
    double e = p * c[j];
    if (act[j] != 0) {
        if (e > 0) {
            f->F0 -= p * v[j] * a[j];
            f->F1 += p * v[j] * e;
            act[j] = 0;
        }
    } else if (e < 0) {
        f->F0 += p * v[j] * a[j];
        f->F1 -= p * v[j] * e;
        act[j] = 1;
    }
}

int nrc_flip_sweep_approx(size_t k, const double *a, const double *c,
                          const double *v, int p, double *tstar, double *tnext,
                          double *work, size_t *idx)
{
    double *bp = work, *act = work + k;   /* breakpoint, active flag */
    double tprev = 0.0;
    sweep_line f;
    size_t nb = sweep_start(k, a, c, v, p, bp, act, idx, &f), r, hn;
    for (r = nb / 2; r-- > 0;)
        sift_down(idx, nb, r, bp);
    hn = nb;
    for (r = 0; r <= nb; r++) {
        double tn = r < nb ? bp[idx[0]] : INFINITY;
        size_t j;
        /* f on [tprev, tn] is F0 + F1 t */
        if (f.F1 < 0) {
            double root = -f.F0 / f.F1;
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
        sweep_cross(j, a, c, v, p, act, &f);
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

/* The support polish: Cholesky solves only up to this many unknowns
 * (the factor is n^2 doubles), at most this many rounds. */
#define NNLS_CHOL_MAX 4096
#define NNLS_POLISH_ROUNDS 3

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

/* Projected coordinate descent (Gauss-Seidel) from lambda = 0; g = K lambda
 * - rhs is kept up to date, so the optimality violation costs O(n) per
 * sweep; stops once it is below 1e-10 max |rhs|. */
static void nnls_descent_d(size_t n, const double *K, const double *rhs, double *lambda,
                           double *g, int max_sweeps)
{
    size_t i, l;
    int sweep;
    for (i = 0; i < n; i++) {
        lambda[i] = 0.0;
        g[i] = -rhs[i];
    }
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
}

/* Scratch of the support polish: x, g2, cand (n), P (n), L (np^2 <= n^2). */
typedef struct {
    double *x, *g2, *cand, *L;
    size_t *P;
} nnls_work;

/* Solve on the support exactly; accept when it stays feasible and improves
 * the optimality measure. A few rounds of support update. */
static void nnls_polish_d(size_t n, const double *K, const double *rhs, double *lambda,
                          double *g, double *viol, const nnls_work *W)
{
    size_t i, np;
    int round;
    for (round = 0; round < NNLS_POLISH_ROUNDS; round++) {
        double v2;
        np = 0;
        for (i = 0; i < n; i++)
            if (lambda[i] > 0 || g[i] < 0)
                W->P[np++] = i;
        if (np == 0 || !chol_solve(n, K, W->P, np, rhs, W->L, W->x))
            break;
        for (i = 0; i < n; i++)
            W->cand[i] = 0.0;
        for (i = 0; i < np; i++)
            W->cand[W->P[i]] = W->x[i] > 0 ? W->x[i] : 0.0;
        v2 = kkt_viol(n, K, rhs, W->cand, W->g2);
        if (!(v2 < *viol))
            break;
        memcpy(lambda, W->cand, n * sizeof(double));
        memcpy(g, W->g2, n * sizeof(double));
        *viol = v2;
    }
}

nrc_status nrc_nnls_d(size_t n, const double *K, const double *rhs,
                      double *lambda, int max_sweeps, double *kkt_violation,
                      nrc_error *err)
{
    double *g;
    nnls_work W;
    void *ws;
    int polish = n <= NNLS_CHOL_MAX;
    const nrc_ws_entry tab[] = {
        NRC_WS(g, n, 1), NRC_WS(W.x, n, 1), NRC_WS(W.g2, n, 1), NRC_WS(W.cand, n, 1),
        NRC_WS(W.P, n, 1), NRC_WS(W.L, polish ? n * n : 0, 0),
    };
    if (nrc_ws_alloc(&ws, tab, sizeof tab / sizeof tab[0], "NNLS", err) != NRC_OK)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (NNLS, n = %zu)", n);
    nnls_descent_d(n, K, rhs, lambda, g, max_sweeps);
    *kkt_violation = kkt_viol(n, K, rhs, lambda, g);
    if (polish)
        nnls_polish_d(n, K, rhs, lambda, g, kkt_violation, &W);
    nrc_free(ws);
    return NRC_OK;
}
