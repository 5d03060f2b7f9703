/* The minimal-norm adversarial search (spec/MINFLIP.md 5.1): untrusted
 * binary64. Its result y (delta = W^T y) becomes a binary64 point that
 * minflip.c certifies rigorously; nothing here is claimed.
 *
 * Inside one activation region sigma, f is affine, and the shortest delta
 * that stays in the region and reaches f_sigma <= -eta is the projection of
 * x onto a polyhedron. In delta-space its constraints are n_i . delta >= h_i
 * with normals in the span of W (n_i = W^T m_i), so its dual is the
 * non-negative least-squares problem
 *   min_{lambda >= 0} 1/2 lambda^T K lambda - h^T lambda,  K_il = m_i^T G m_l,
 * and delta = W^T y with y = sum_i lambda_i m_i. It is solved on a working
 * set of constraints (those violated so far) by Lawson and Hanson's active
 * set method (Solving Least Squares Problems, 1974, ch. 23) in Gram form. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_minflip.h"

void nrc_mf_pattern_approx(const nrc_mf_problem *P, const double *y,
                           const double *dir, signed char *sigma, double *e)
{
    size_t j;
    nrc_mf_eval_approx(P, y, e);
    for (j = 0; j < P->k; j++) {
        double t = P->a[j] + e[j];
        sigma[j] = (t > 0 || (t == 0 && dir && dir[j] > 0)) ? 1 : -1;
    }
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* f(t) = sum_j c_j relu(a_j + t e_j) is affine between the breakpoints
 * t_j = -a_j / e_j; sweep them in order and return the first t > 0 with
 * f(t) <= 0 (a crossing, or the start of a piece where f is 0: a region
 * where every neuron with c_j > 0 is off). */
double nrc_mf_ray_approx(const nrc_mf_problem *P, const double *ydir, double *work,
                         size_t *idx)
{
    const size_t k = P->k;
    double *e = work, *bp = work + k, tprev = 0;
    size_t j, nb = 0, r;
    (void)idx;
    nrc_mf_eval_approx(P, ydir, e);
    for (j = 0; j < k; j++)
        if (e[j] != 0) {
            double t = -P->a[j] / e[j];
            if (t > 0 && isfinite(t))
                bp[nb++] = t;
        }
    qsort(bp, nb, sizeof(double), cmp_double);
    for (r = 0; r <= nb; r++) {
        double tn = r < nb ? bp[r] : INFINITY, mid, F0 = 0, F1 = 0, f;
        if (!(tn > tprev))
            continue;
        /* the active set inside (tprev, tn), read at its midpoint */
        mid = tn == INFINITY ? 2 * tprev + 1 : 0.5 * (tprev + tn);
        for (j = 0; j < k; j++)
            if (P->a[j] + mid * e[j] > 0) {
                F0 += P->c[j] * P->a[j];
                F1 += P->c[j] * e[j];
            }
        f = F0 + F1 * tprev;
        if (f <= 0)
            return tprev > 0 ? tprev : (F1 < 0 || f < 0 ? 0 : tprev);
        if (F1 < 0) {
            double root = -F0 / F1;
            if (root < tn)
                return root;
        }
        tprev = tn;
    }
    return INFINITY;
}

int nrc_mf_deepfool_approx(const nrc_mf_problem *P, double eta, int maxit,
                           double *y, double *work)
{
    const size_t k = P->k;
    double *e = work, *m = work + k;
    size_t j;
    int it;
    memset(y, 0, k * sizeof(double));
    for (it = 0; it < maxit; it++) {
        double f = nrc_mf_eval_approx(P, y, e), gg = 0;
        if (f <= 0 && it > 0)
            return 1;
        for (j = 0; j < k; j++)
            m[j] = P->a[j] + e[j] > 0 ? P->c[j] : 0;
        for (j = 0; j < k; j++) {
            double t = 0;
            size_t l;
            if (m[j] == 0)
                continue;
            for (l = 0; l < k; l++)
                t += P->G[j * k + l] * m[l];
            gg += m[j] * t;
        }
        if (!(gg > 0))
            return 0;
        /* step to the linearization's value -eta, 2% past it */
        for (j = 0; j < k; j++)
            y[j] -= 1.02 * (f + eta) * m[j] / gg;
    }
    return nrc_mf_eval_approx(P, y, e) <= 0;
}

/* ---- the region problem ----------------------------------------------------- */

/* Cholesky of the n x n matrix A (row-major, lower triangle used) in place;
 * a small ridge is added when a pivot is not positive (dependent
 * constraints). Returns 0 if it still fails. */
static int chol(size_t n, double *A, double ridge)
{
    size_t i, j, l;
    for (j = 0; j < n; j++) {
        double s = A[j * n + j] + ridge;
        for (l = 0; l < j; l++)
            s -= A[j * n + l] * A[j * n + l];
        if (!(s > 0))
            return 0;
        s = sqrt(s);
        A[j * n + j] = s;
        for (i = j + 1; i < n; i++) {
            double t = A[i * n + j];
            for (l = 0; l < j; l++)
                t -= A[i * n + l] * A[j * n + l];
            A[i * n + j] = t / s;
        }
    }
    return 1;
}

static void chol_solve(size_t n, const double *L, double *x)
{
    size_t i, l;
    for (i = 0; i < n; i++) {
        double t = x[i];
        for (l = 0; l < i; l++)
            t -= L[i * n + l] * x[l];
        x[i] = t / L[i * n + i];
    }
    for (i = n; i-- > 0;) {
        double t = x[i];
        for (l = i + 1; l < n; l++)
            t -= L[l * n + i] * x[l];
        x[i] = t / L[i * n + i];
    }
}

/* Lawson-Hanson NNLS in Gram form: lambda >= 0 minimizing
 * 1/2 lambda^T K lambda - h^T lambda (K: n x n). lambda is the start (any
 * lambda >= 0: its support is solved on first, then the usual loop) and
 * the result. work: n^2 + 3 n doubles, inP and
 * Pi: n entries.
 * Returns 0 when it did not converge. */
static int nnls_lh(size_t n, const double *K, const double *h, double *lambda,
                   double *work, unsigned char *inP, size_t *Pi)
{
    double *L = work, *z = work + n * n, *w = z + n, *hp = w + n;
    double scale = 0, trace = 0;
    size_t i, l, np;
    int outer, warm = 0;
    for (i = 0; i < n; i++) {
        if (fabs(h[i]) > scale)
            scale = fabs(h[i]);
        trace += K[i * n + i];
        inP[i] = lambda[i] > 0;
        warm |= inP[i];
    }
    for (outer = 0; outer < (int)(3 * n + 10); outer++) {
        if (!warm) {
            size_t t = n;
            double wmax = 0;
            for (i = 0; i < n; i++) {
                double s = h[i];
                for (l = 0; l < n; l++)
                    s -= K[i * n + l] * lambda[l];
                w[i] = s;
                if (!inP[i] && s > wmax) {
                    wmax = s;
                    t = i;
                }
            }
            if (t == n || wmax <= 1e-13 * scale)
                return 1;
            inP[t] = 1;
        }
        warm = 0;
        for (;;) {       /* inner loop: solve on P, step back if infeasible */
            double alpha = 1;
            int allpos = 1;
            np = 0;
            for (i = 0; i < n; i++)
                if (inP[i])
                    Pi[np++] = i;
            for (i = 0; i < np; i++) {
                for (l = 0; l < np; l++)
                    L[i * np + l] = K[Pi[i] * n + Pi[l]];
                hp[i] = h[Pi[i]];
            }
            if (!chol(np, L, 1e-13 * trace / (double)n))
                return 0;
            chol_solve(np, L, hp);
            for (i = 0; i < n; i++)
                z[i] = 0;
            for (i = 0; i < np; i++) {
                z[Pi[i]] = hp[i];
                if (!(hp[i] > 0))
                    allpos = 0;
            }
            if (allpos) {
                memcpy(lambda, z, n * sizeof(double));
                break;
            }
            for (i = 0; i < np; i++) {
                size_t q = Pi[i];
                if (z[q] <= 0) {
                    double a = lambda[q] / (lambda[q] - z[q]);
                    if (a < alpha)
                        alpha = a;
                }
            }
            for (i = 0; i < n; i++) {
                lambda[i] += alpha * (z[i] - lambda[i]);
                if (inP[i] && lambda[i] <= 1e-300) {
                    inP[i] = 0;
                    lambda[i] = 0;
                }
            }
        }
    }
    return 0;
}

typedef struct {
    size_t k;
    double *mf, *Gmf;    /* (k) m_f = -c on the active neurons, G m_f */
    double *y, *e;       /* (k) current solution and G y */
    size_t *ws;          /* working set: neuron indices, then k = f */
    size_t nws;
    double *K, *h, *lam, *work;   /* (nmax^2), (nmax), (nmax), nmax^2 + 3 nmax */
    unsigned char *inP, *inws;   /* (nmax), (k) */
    size_t *Pi;
    size_t nmax;
} region_ws;

/* K entry of constraints i, l (index k = the f constraint). */
static double kval(const nrc_mf_problem *P, const signed char *sg, const region_ws *R,
                   size_t i, size_t l)
{
    const size_t k = P->k;
    if (i == k && l == k) {
        double t = 0;
        size_t j;
        for (j = 0; j < k; j++)
            t += R->mf[j] * R->Gmf[j];
        return t;
    }
    if (i == k)
        return sg[l] * R->Gmf[l];
    if (l == k)
        return sg[i] * R->Gmf[i];
    return sg[i] * sg[l] * P->G[i * k + l];
}

/* The projection of x onto region sigma intersected with f_sigma <= -eta,
 * with the region's constraints tightened to sigma_j a_j >= margin_j when
 * margin is not NULL. Returns y^T G y (y in R->y) or INFINITY (not solved
 * / infeasible). */
static double region_qp(const nrc_mf_problem *P, const signed char *sg, double eta,
                        const double *margin, region_ws *R)
{
    const size_t k = P->k;
    double hf = eta, d2 = 0;
    size_t j, l, i, iter;
    for (j = 0; j < k; j++) {
        R->mf[j] = sg[j] > 0 ? -P->c[j] : 0;
        if (sg[j] > 0)
            hf += P->c[j] * P->a[j];
    }
    for (j = 0; j < k; j++) {
        double t = 0;
        for (l = 0; l < k; l++)
            t += P->G[j * k + l] * R->mf[l];
        R->Gmf[j] = t;
    }
    memset(R->inws, 0, k);
    R->nws = 0;
    R->lam[R->nws] = 0;
    R->ws[R->nws++] = k;
    for (j = 0; j < k; j++)
        if (sg[j] * P->a[j] < (margin ? margin[j] : 0) && R->nws < R->nmax) {
            R->inws[j] = 1;
            R->lam[R->nws] = 0;
            R->ws[R->nws++] = j;
        }
    for (iter = 0; iter <= k; iter++) {
        const size_t n = R->nws;
        size_t add;
        for (i = 0; i < n; i++) {
            size_t ci = R->ws[i];
            for (l = 0; l < n; l++)
                R->K[i * n + l] = kval(P, sg, R, ci, R->ws[l]);
            R->h[i] = ci == k ? hf : -sg[ci] * P->a[ci] + (margin ? margin[ci] : 0);
        }
        /* warm start: the multipliers of the previous working set */
        if (!nnls_lh(n, R->K, R->h, R->lam, R->work, R->inP, R->Pi))
            return INFINITY;
        memset(R->y, 0, k * sizeof(double));
        for (i = 0; i < n; i++) {
            size_t ci = R->ws[i];
            if (ci == k)
                for (j = 0; j < k; j++)
                    R->y[j] += R->lam[i] * R->mf[j];
            else
                R->y[ci] += R->lam[i] * sg[ci];
        }
        nrc_mf_eval_approx(P, R->y, R->e);
        d2 = 0;
        for (j = 0; j < k; j++)
            d2 += R->y[j] * R->e[j];
        /* add the (at most 8) most violated region constraints */
        for (add = 0; add < 8 && R->nws < R->nmax; add++) {
            size_t worst = k;
            double vworst = 0;
            for (j = 0; j < k; j++) {
                double v, tol;
                if (R->inws[j])
                    continue;
                v = -sg[j] * (P->a[j] + R->e[j]) + (margin ? margin[j] : 0);
                tol = 1e-12 * (fabs(P->a[j]) + P->u[j] * sqrt(d2 > 0 ? d2 : 0));
                if (v > tol && v - tol > vworst) {
                    vworst = v - tol;
                    worst = j;
                }
            }
            if (worst == k)
                break;
            R->inws[worst] = 1;
            R->lam[R->nws] = 0;
            R->ws[R->nws++] = worst;
        }
        if (add == 0)
            break;
    }
    /* the f constraint must hold (an infeasible region gives huge lambda) */
    {
        double f = 0, fs = 0;
        for (j = 0; j < k; j++)
            if (sg[j] > 0) {
                f += P->c[j] * (P->a[j] + R->e[j]);
                fs += fabs(P->c[j] * (P->a[j] + R->e[j])) + fabs(P->c[j] * P->a[j]);
            }
        if (!(f <= -eta + 1e-9 * fs) || !isfinite(d2))
            return INFINITY;
    }
    return d2 > 0 ? d2 : 0;
}

static void ws_free(region_ws *R)
{
    nrc_free(R->mf);
    nrc_free(R->ws);
    nrc_free(R->K);
    nrc_free(R->h);
    nrc_free(R->lam);
    nrc_free(R->work);
    nrc_free(R->inP);
    nrc_free(R->Pi);
    nrc_free(R->inws);
    memset(R, 0, sizeof *R);
}

static nrc_status ws_alloc(region_ws *R, size_t k, nrc_error *err)
{
    const size_t nmax = k + 1;
    memset(R, 0, sizeof *R);
    R->k = k;
    R->nmax = nmax;
    R->mf = nrc_malloc_array(4 * k, sizeof(double));
    R->ws = nrc_malloc_array(nmax, sizeof(size_t));
    R->K = nrc_malloc_array(nmax * nmax, sizeof(double));
    R->h = nrc_malloc_array(nmax, sizeof(double));
    R->inws = nrc_malloc(k ? k : 1);
    R->lam = nrc_malloc_array(nmax, sizeof(double));
    R->work = nrc_malloc_array(nmax * nmax + 3 * nmax, sizeof(double));
    R->inP = nrc_malloc(nmax);
    R->Pi = nrc_malloc_array(nmax, sizeof(size_t));
    if (!R->mf || !R->ws || !R->K || !R->h || !R->lam || !R->work || !R->inP || !R->Pi ||
        !R->inws) {
        ws_free(R);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (minimal-flip search, k = %zu)", k);
    }
    R->Gmf = R->mf + k;
    R->y = R->mf + 2 * k;
    R->e = R->mf + 3 * k;
    return NRC_OK;
}

double nrc_mf_walk_approx(const nrc_mf_problem *P, const signed char *sigma0,
                          double eta, double *y, nrc_error *err, nrc_status *st)
{
    const size_t k = P->k;
    region_ws R;
    signed char *sg = nrc_malloc(k ? k : 1);
    double best = INFINITY;
    size_t it;
    if (!sg) {
        *st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (minimal-flip search, k = %zu)", k);
        return INFINITY;
    }
    if ((*st = ws_alloc(&R, k, err))) {
        nrc_free(sg);
        return INFINITY;
    }
    memcpy(sg, sigma0, k);
    for (it = 0; it < 4 * k + 10; it++) {
        double d2 = region_qp(P, sg, eta, NULL, &R);
        size_t i, nflip = 0;
        if (!(d2 < best * (1 - 1e-12)))
            break;
        best = d2;
        memcpy(y, R.y, k * sizeof(double));
        /* blocking neurons: positive multipliers of region constraints */
        for (i = 0; i < R.nws; i++) {
            size_t ci = R.ws[i];
            if (ci < k && R.lam[i] > 0) {
                sg[ci] = (signed char)-sg[ci];
                nflip++;
            }
        }
        if (nflip == 0)
            break;
    }
    ws_free(&R);
    nrc_free(sg);
    return best;
}

double nrc_mf_settle_approx(const nrc_mf_problem *P, const double *y, double rel,
                            double *ys, nrc_error *err, nrc_status *st)
{
    const size_t k = P->k;
    region_ws R;
    signed char *sg = nrc_malloc(k ? k : 1);
    double *margin = nrc_malloc_array(k ? k : 1, sizeof(double));
    double d2 = INFINITY, dist = 0, f0 = 0, eta;
    size_t j;
    *st = NRC_OK;
    if (!sg || !margin) {
        nrc_free(sg);
        nrc_free(margin);
        *st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (minimal-flip search, k = %zu)", k);
        return INFINITY;
    }
    if ((*st = ws_alloc(&R, k, err)))
        goto done;
    nrc_mf_eval_approx(P, y, R.e);
    for (j = 0; j < k; j++) {
        dist += y[j] * R.e[j];
        if (P->a[j] > 0)
            f0 += P->c[j] * P->a[j];
    }
    dist = sqrt(dist > 0 ? dist : 0);
    for (j = 0; j < k; j++) {
        double t = P->a[j] + R.e[j], tol = rel * (fabs(P->a[j]) + P->u[j] * dist);
        /* on a boundary: the side where f is no larger (off for c > 0) */
        if (fabs(t) <= 4 * tol)
            sg[j] = P->c[j] > 0 ? -1 : 1;
        else
            sg[j] = t > 0 ? 1 : -1;
        margin[j] = tol;
    }
    eta = 0;
    /* strictly negative when the region allows it, else a tie */
    d2 = region_qp(P, sg, rel * f0, margin, &R);
    if (!isfinite(d2))
        d2 = region_qp(P, sg, eta, margin, &R);
    if (isfinite(d2))
        memcpy(ys, R.y, k * sizeof(double));
done:
    ws_free(&R);
    nrc_free(sg);
    nrc_free(margin);
    return d2;
}
