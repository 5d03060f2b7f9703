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
 * set method (Solving Least Squares Problems, 1974, ch. 23) in Gram form
 * (minflip_qp.c). */
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
double nrc_mf_ray_approx(const nrc_mf_problem *P, const double *ydir, double *work)
{
    const size_t k = P->k;
    double *e = work, *bp = work + k, tprev = 0;
    size_t j, nb = 0, r;
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

typedef struct {
    nrc_mf_proj Q;
    double *mf;              /* (k) m_f = -c on the active neurons */
    unsigned char *inws;     /* (k) neuron constraint in the working set */
} region_ws;

/* The projection of x onto region sigma intersected with f_sigma <= -eta,
 * with the region's constraints tightened to sigma_j a_j >= margin_j when
 * margin is not NULL. Constraints: sigma_j e_j >= -sigma_j a_j (+ margin)
 * per neuron, and -sum_{active} c_j e_j >= eta + sum_{active} c_j a_j.
 * Returns y^T G y (y in R->Q.y) or INFINITY (not solved / infeasible). */
static double region_qp(const nrc_mf_problem *P, const signed char *sg, double eta,
                        const double *margin, region_ws *R)
{
    const size_t k = P->k;
    nrc_mf_proj *Q = &R->Q;
    double hf = eta, d2 = INFINITY;
    size_t j, iter;
    for (j = 0; j < k; j++) {
        R->mf[j] = sg[j] > 0 ? -P->c[j] : 0;
        if (sg[j] > 0)
            hf += P->c[j] * P->a[j];
    }
    memset(R->inws, 0, k);
    nrc_mf_proj_reset(Q);
    nrc_mf_proj_add_dense(Q, R->mf, hf);
    for (j = 0; j < k; j++)
        if (sg[j] * P->a[j] < (margin ? margin[j] : 0)) {
            R->inws[j] = 1;
            nrc_mf_proj_add_unit(Q, j, sg[j], -sg[j] * P->a[j] + (margin ? margin[j] : 0));
        }
    for (iter = 0; iter <= k; iter++) {
        size_t add;
        d2 = nrc_mf_proj_solve(Q);
        if (!isfinite(d2))
            return INFINITY;
        /* add the (at most 8) most violated region constraints */
        for (add = 0; add < 8; add++) {
            size_t worst = k;
            double vworst = 0;
            for (j = 0; j < k; j++) {
                double v, tol;
                if (R->inws[j])
                    continue;
                v = -sg[j] * (P->a[j] + Q->e[j]) + (margin ? margin[j] : 0);
                tol = 1e-12 * (fabs(P->a[j]) + P->u[j] * sqrt(d2));
                if (v > tol && v - tol > vworst) {
                    vworst = v - tol;
                    worst = j;
                }
            }
            if (worst == k)
                break;
            R->inws[worst] = 1;
            if (!nrc_mf_proj_add_unit(Q, worst, sg[worst],
                                      -sg[worst] * P->a[worst] + (margin ? margin[worst] : 0)))
                return INFINITY;
        }
        if (add == 0)
            break;
    }
    /* every constraint must hold at the solution: an infeasible region (a
     * neuron of (almost) zero weights that cannot change sign) leaves the
     * dual unbounded and the NNLS with a meaningless y */
    {
        double f = 0, fs = 0;
        for (j = 0; j < k; j++) {
            double t = P->a[j] + Q->e[j];
            double tol = 1e-9 * (fabs(P->a[j]) + P->u[j] * sqrt(d2));
            if (-sg[j] * t + (margin ? margin[j] : 0) > tol)
                return INFINITY;
            if (sg[j] > 0) {
                f += P->c[j] * t;
                fs += fabs(P->c[j] * t) + fabs(P->c[j] * P->a[j]);
            }
        }
        if (!(f <= -eta + 1e-9 * fs) || !isfinite(d2))
            return INFINITY;
    }
    return d2;
}

static void ws_free(region_ws *R)
{
    nrc_mf_proj_clear(&R->Q);
    nrc_free(R->mf);
    nrc_free(R->inws);
    memset(R, 0, sizeof *R);
}

static nrc_status ws_alloc(region_ws *R, const nrc_mf_problem *P, nrc_error *err)
{
    const size_t k = P->k;
    nrc_status st;
    memset(R, 0, sizeof *R);
    if ((st = nrc_mf_proj_init(&R->Q, P, k + 1, err)))
        return st;
    R->mf = nrc_malloc_array(k ? k : 1, sizeof(double));
    R->inws = nrc_malloc(k ? k : 1);
    if (!R->mf || !R->inws) {
        ws_free(R);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (minimal-flip search, k = %zu)", k);
    }
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
    if ((*st = ws_alloc(&R, P, err))) {
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
        memcpy(y, R.Q.y, k * sizeof(double));
        /* blocking neurons: positive multipliers of region constraints */
        for (i = 0; i < R.Q.n; i++) {
            long u = R.Q.unit[i];
            if (u != 0 && R.Q.lam[i] > 0) {
                size_t j = (size_t)labs(u) - 1;
                sg[j] = (signed char)-sg[j];
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
    double *e = nrc_malloc_array(k ? k : 1, sizeof(double));
    double d2 = INFINITY, dist = 0, f0 = 0;
    size_t j;
    *st = NRC_OK;
    if (!sg || !margin || !e) {
        *st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (minimal-flip search, k = %zu)", k);
        goto done;
    }
    if ((*st = ws_alloc(&R, P, err)))
        goto done;
    nrc_mf_eval_approx(P, y, e);
    for (j = 0; j < k; j++) {
        dist += y[j] * e[j];
        if (P->a[j] > 0)
            f0 += P->c[j] * P->a[j];
    }
    dist = sqrt(dist > 0 ? dist : 0);
    for (j = 0; j < k; j++) {
        double t = P->a[j] + e[j], tol = rel * (fabs(P->a[j]) + P->u[j] * dist);
        /* on a boundary: the side where f is no larger (off for c > 0) */
        if (fabs(t) <= 4 * tol)
            sg[j] = P->c[j] > 0 ? -1 : 1;
        else
            sg[j] = t > 0 ? 1 : -1;
        margin[j] = tol;
    }
    /* strictly negative when the region allows it, else a tie */
    d2 = region_qp(P, sg, rel * f0, margin, &R);
    if (!isfinite(d2))
        d2 = region_qp(P, sg, 0, margin, &R);
    if (isfinite(d2))
        memcpy(ys, R.Q.y, k * sizeof(double));
    ws_free(&R);
done:
    nrc_free(sg);
    nrc_free(margin);
    nrc_free(e);
    return d2;
}
