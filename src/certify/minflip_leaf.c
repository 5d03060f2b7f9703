/* The leaf solver of the minimal-flip lower bound (spec/MINFLIP.md 5.2):
 * untrusted binary64 search. Its beta is an input to the rigorous decision
 * of minflip_rigor.c; nothing here is claimed.
 *
 * For a leaf (split signs s) and a radius R every neuron j has an interval
 * I_j = [a_j - R u_j, a_j + R u_j] clipped by s_j, and for a slope beta_j
 * the best minorant constant gives
 *   h_j(beta) = min over the points t of I_j (its ends, and 0 inside) of
 *               c_j relu(t) - beta (t - a_j),
 * a concave piecewise-affine function of beta (at most three pieces). The
 * leaf's bound at R is
 *   Phi_R(beta) = sum_j h_j(beta_j) - R sqrt(beta^T G beta),
 * concave in beta; its maximum is the minimum of the convex relaxation over
 * the ball (spec/MINFLIP.md 3.3). Coordinate ascent maximizes it: along one
 * coordinate the objective is "affine minus R sqrt(quadratic)" on each
 * piece, maximized in closed form. */
#include <math.h>
#include <string.h>
#include "nrc_minflip.h"

int nrc_mf_points_approx(double a, double u, double R, int sj, double pts[3])
{
    double lo = a - R * u, hi = a + R * u;
    int np = 0;
    if (sj > 0 && lo < 0)
        lo = 0;
    if (sj < 0 && hi > 0)
        hi = 0;
    if (!(lo <= hi))
        return 0;
    pts[np++] = lo;
    pts[np++] = hi;
    if (lo < 0 && hi > 0)
        pts[np++] = 0;
    return np;
}

double nrc_mf_h_approx(double c, double a, const double *pts, int np, double beta)
{
    double h = INFINITY;
    int i;
    for (i = 0; i < np; i++) {
        double t = pts[i], r = c * (t > 0 ? t : 0) + beta * (a - t);
        if (r < h)
            h = r;
    }
    return h;
}

void nrc_mf_leaf_init_approx(const nrc_mf_problem *P, const signed char *s,
                             double R, double *beta)
{
    size_t j;
    for (j = 0; j < P->k; j++) {
        double pts[3];
        int np = nrc_mf_points_approx(P->a[j], P->u[j], R, s ? s[j] : 0, pts);
        double lo = pts[0], hi = pts[1];
        if (np == 0 || hi <= 0)
            beta[j] = 0;
        else if (lo >= 0)
            beta[j] = P->c[j];
        else
            beta[j] = P->c[j] * (hi / (hi - lo));
    }
}

/* beta^T G beta and q = G beta. */
static double quad(size_t k, const double *G, const double *beta, double *q)
{
    double Q = 0;
    size_t j, l;
    for (j = 0; j < k; j++) {
        double t = 0;
        const double *g = G + j * k;
        for (l = 0; l < k; l++)
            t += g[l] * beta[l];
        q[j] = t;
        Q += beta[j] * t;
    }
    return Q > 0 ? Q : 0;
}

/* The best step along coordinate j: maximize h(b0 + D) - R sqrt(Q(D)) with
 * Q(D) = Q + 2 q D + A D^2 (A = G_jj, q = (G beta)_j). Candidates: D = 0,
 * the kinks of h, and on each piece (slope m = a - t) the stationary point
 * of m D - R sqrt(Q(D)): with S = A D + q and E = A Q - q^2 >= 0,
 * Q(D) = (S^2 + E) / A and the derivative vanishes where
 * S sqrt(A) / sqrt(S^2 + E) = m / R, i.e. S = kappa sqrt(E / (A - kappa^2))
 * with kappa = m / R, which exists when kappa^2 < A. Every candidate is
 * scored by the true objective, so a wrong guess costs nothing.
 *
 * beta is kept in the box |beta| <= bmax (candidates clipped, the box ends
 * tried): when the leaf's region misses the ball, Phi is unbounded above
 * (the dual of an infeasible problem) and the ascent would run off to
 * infinity; in the box it certifies the leaf with finite numbers. */
static double coord_step(double c, double a, const double *pts, int np, double b0,
                         double A, double q, double Q, double R, double bmax, double *gain)
{
    double cand[12], best = 0, fbest, E = A * Q - q * q;
    int nc = 0, i, l;
    cand[nc++] = 0;
    cand[nc++] = bmax - b0;
    cand[nc++] = -bmax - b0;
    for (i = 0; i < np; i++)           /* kinks: pieces i and l cross */
        for (l = i + 1; l < np; l++) {
            double mi = a - pts[i], ml = a - pts[l];
            double ci = c * (pts[i] > 0 ? pts[i] : 0), cl = c * (pts[l] > 0 ? pts[l] : 0);
            if (mi != ml)
                cand[nc++] = (cl - ci) / (mi - ml) - b0;
        }
    if (R > 0 && A > 0) {
        if (E < 0)
            E = 0;
        for (i = 0; i < np; i++) {
            double kappa = (a - pts[i]) / R, S;
            if (!(kappa * kappa < A))
                continue;
            S = kappa * sqrt(E / (A - kappa * kappa));
            cand[nc++] = (S - q) / A;
        }
    }
    fbest = -INFINITY;
    for (i = 0; i < nc; i++) {
        double D = cand[i], QD, f;
        if (!isfinite(D))
            continue;
        if (b0 + D > bmax)
            D = bmax - b0;
        if (b0 + D < -bmax)
            D = -bmax - b0;
        QD = Q + D * (2 * q + A * D);
        f = nrc_mf_h_approx(c, a, pts, np, b0 + D) - R * sqrt(QD > 0 ? QD : 0);
        if (f > fbest) {
            fbest = f;
            best = D;
        }
    }
    {
        double f0 = nrc_mf_h_approx(c, a, pts, np, b0) - R * sqrt(Q);
        *gain = fbest - f0;
        if (!(*gain > 0)) {
            *gain = 0;
            return 0;
        }
    }
    return best;
}

double nrc_mf_leaf_ascent_approx(const nrc_mf_problem *P, const signed char *s,
                                 double R, double *beta, int sweeps, int qvalid,
                                 double *C, double *gn, double *work)
{
    const size_t k = P->k;
    double *q = work, Q, Csum = 0, pts[3], bmax = 0;
    size_t j, l;
    int sw;
    for (j = 0; j < k; j++)
        if (fabs(P->c[j]) > bmax)
            bmax = fabs(P->c[j]);
    bmax = bmax > 0 ? 4096 * bmax : 1;
    if (qvalid) {
        Q = 0;
        for (j = 0; j < k; j++)
            Q += beta[j] * q[j];
        if (Q < 0)
            Q = 0;
    } else
        Q = quad(k, P->G, beta, q);
    for (j = 0; j < k; j++)
        if (nrc_mf_points_approx(P->a[j], P->u[j], R, s ? s[j] : 0, pts) == 0) {
            *C = INFINITY;
            *gn = 0;
            return INFINITY;
        }
    for (sw = 0; sw < sweeps; sw++) {
        double total = 0, scale = 0;
        for (j = 0; j < k; j++) {
            int np = nrc_mf_points_approx(P->a[j], P->u[j], R, s ? s[j] : 0, pts);
            double A = P->G[j * k + j], gain, D;
            D = coord_step(P->c[j], P->a[j], pts, np, beta[j], A, q[j], Q, R, bmax, &gain);
            if (D != 0) {
                const double *g = P->G + j * k;
                beta[j] += D;
                for (l = 0; l < k; l++)
                    q[l] += D * g[l];
                Q += D * (2 * (q[j] - D * A) + A * D);
                if (Q < 0)
                    Q = 0;
                total += gain;
            }
            scale += fabs(P->c[j]) * (fabs(P->a[j]) + R * P->u[j]);
        }
        if (sw % 16 == 15)
            Q = quad(k, P->G, beta, q);   /* no drift from the updates */
        if (!(total > 1e-12 * scale))
            break;
    }
    Q = 0;
    for (j = 0; j < k; j++)
        Q += beta[j] * q[j];
    if (Q < 0)
        Q = 0;
    for (j = 0; j < k; j++) {
        int np = nrc_mf_points_approx(P->a[j], P->u[j], R, s ? s[j] : 0, pts);
        Csum += nrc_mf_h_approx(P->c[j], P->a[j], pts, np, beta[j]);
    }
    *C = Csum;
    *gn = sqrt(Q);
    return Csum - R * *gn;
}

/* The ratio r = C / ||g|| at radius R after ascent; +INFINITY when the
 * bound does not depend on the direction (g = 0 with C > 0, or vacuous). */
static double ratio_at(const nrc_mf_problem *P, const signed char *s, double R,
                       double *beta, int sweeps, int qvalid, double *work)
{
    double C, gn, phi = nrc_mf_leaf_ascent_approx(P, s, R, beta, sweeps, qvalid, &C, &gn,
                                                  work);
    if (phi == INFINITY)
        return INFINITY;
    if (!(C > 0))
        return 0;
    if (!(gn > 0))
        return INFINITY;
    return C / gn;
}

/* The convex envelope of c relu on the interval [lo, hi] as an affine
 * piece slope t + icpt, or (return 1) the two pieces max(0, c t) when
 * c > 0 and the interval crosses 0. */
static int envelope(double c, double lo, double hi, double *slope, double *icpt)
{
    *icpt = 0;
    if (hi <= 0 || c == 0)
        *slope = 0;
    else if (lo >= 0)
        *slope = c;
    else if (c > 0)
        return 1;
    else {                                  /* the chord */
        *slope = c * (hi / (hi - lo));
        *icpt = -*slope * lo;
    }
    return 0;
}

double nrc_mf_leaf_qp_approx(const nrc_mf_problem *P, const signed char *s, double R,
                             double *beta, nrc_mf_proj *Q, const double *ehint,
                             double *work)
{
    const size_t k = P->k;
    double *lo = work, *hi = work + k, *sig = work + 2 * k, *m = work + 3 * k;
    unsigned char *two = (unsigned char *)(work + 4 * k);   /* 3 k bytes in */
    unsigned char *inlo = two + k, *inhi = two + 2 * k;     /* k doubles */
    double r0 = 0, d2 = INFINITY, Lam = 0, scale = 0;
    size_t j, i, iter;
    for (j = 0; j < k; j++) {
        double pts[3];
        if (nrc_mf_points_approx(P->a[j], P->u[j], R, s ? s[j] : 0, pts) == 0)
            return INFINITY;                   /* vacuous */
        lo[j] = pts[0];
        hi[j] = pts[1];
        two[j] = (unsigned char)envelope(P->c[j], lo[j], hi[j], &sig[j], &m[j]);
        if (two[j])
            sig[j] = 0;
        r0 += m[j];
        scale += fabs(P->c[j]) * (fabs(P->a[j]) + R * P->u[j]);
        inlo[j] = inhi[j] = 0;
    }
    nrc_mf_proj_reset(Q);
    for (iter = 0; iter < Q->cap; iter++) {
        /* the point: the hint (or x) first, then each solution */
        const double *e = iter == 0 ? ehint : Q->e;
        /* near-active box constraints of a hint start in the set */
        double act = iter == 0 && ehint ? 1e-6 : 0;
        double F = r0, h = r0;
        size_t nadd = 0;
        /* the cut of the pieces active at a + e: -sigma_A . e >= sigma_A . a + r0 */
        for (j = 0; j < k; j++) {
            double t = P->a[j] + (e ? e[j] : 0), sj = sig[j];
            if (two[j] && t > 0)
                sj = P->c[j];
            m[j] = -sj;
            h += sj * P->a[j];
            F += sj * t;
        }
        if (iter == 0 || F > 1e-12 * scale) {
            if (!nrc_mf_proj_add_dense(Q, m, h))
                break;
            nadd++;
        }
        /* every box constraint violated (or, for a hint, nearly active) */
        for (j = 0; j < k; j++) {
            double t = P->a[j] + (e ? e[j] : 0);
            double w = fabs(P->a[j]) + P->u[j] * R, tol = 1e-12 * w - act * w;
            if (!inlo[j] && lo[j] - t > tol) {
                if (!nrc_mf_proj_add_unit(Q, j, 1, lo[j] - P->a[j]))
                    return -1;
                inlo[j] = 1;
                nadd++;
            }
            if (!inhi[j] && t - hi[j] > tol) {
                if (!nrc_mf_proj_add_unit(Q, j, -1, P->a[j] - hi[j]))
                    return -1;
                inhi[j] = 1;
                nadd++;
            }
        }
        if (iter > 0 && nadd == 0)
            break;
        d2 = nrc_mf_proj_solve(Q);
        if (!isfinite(d2))
            return -1;
    }
    /* beta = -y / Lambda, Lambda = the cuts' total multiplier */
    for (i = 0; i < Q->n; i++)
        if (Q->unit[i] == 0)
            Lam += Q->lam[i];
    if (!(Lam > 0) || !isfinite(d2))
        return -1;
    for (j = 0; j < k; j++)
        beta[j] = -Q->y[j] / Lam;
    return sqrt(d2);
}

/* The ratio at R from the projection when it succeeds, else from the
 * coordinate ascent (qvalid: G beta in work is current for the ascent). */
static double ratio_any(const nrc_mf_problem *P, const signed char *s, double R,
                        double *beta, int sweeps, int *qvalid, nrc_mf_proj *Q,
                        double *ehint, int *hint_ok, double *work)
{
    if (Q) {
        double r = nrc_mf_leaf_qp_approx(P, s, R, beta, Q, *hint_ok ? ehint : NULL, work);
        *qvalid = 0;                  /* the projection used work[0 .. 5k) */
        if (r >= 0 && r < INFINITY) { /* the next R starts from this point */
            memcpy(ehint, Q->e, P->k * sizeof(double));
            *hint_ok = 1;
        }
        if (r >= 0) {
            double C, gn, phi;
            /* score beta as the certificate will: C and ||g|| at R */
            phi = nrc_mf_leaf_ascent_approx(P, s, R, beta, 0, 0, &C, &gn, work);
            *qvalid = 1;
            (void)phi;
            if (r == INFINITY)
                return INFINITY;
            if (C > 0 && gn > 0)
                return C / gn;
            if (C > 0)
                return INFINITY;
        }
    }
    {
        double r = ratio_at(P, s, R, beta, sweeps, *qvalid, work);
        *qvalid = 1;
        return r;
    }
}

double nrc_mf_leaf_radius_approx(const nrc_mf_problem *P, const signed char *s,
                                 double R0, double Rmax, double *beta,
                                 nrc_mf_proj *Q, double *work)
{
    const size_t k = P->k;
    double *bbest = work + 5 * k, *ehint = work + 6 * k;
    double lo = 0, hi = INFINITY, flo = 0, fhi = 0, R = R0, best = 0;
    int it, qvalid = 0, hint_ok = 0;
    /* coordinate ascent converges slowly on correlated neurons: many sweeps
     * where they are cheap (k small), about 2 10^5 coordinate steps */
    int sweeps = k < 1000 ? (int)(200000 / (k ? k : 1)) : 200;
    if (!(R > 0) || !isfinite(R))
        R = 1;
    if (R > Rmax)
        R = Rmax;
    memcpy(bbest, beta, k * sizeof(double));
    for (it = 0; it < 40; it++) {
        double r = ratio_any(P, s, R, beta, sweeps, &qvalid, Q, ehint, &hint_ok, work);
        double cert = r < R ? r : R;
        if (cert > best) {
            best = cert;
            memcpy(bbest, beta, k * sizeof(double));
        }
        if (r >= R) {                     /* certified at R: look higher */
            lo = R;
            flo = r == INFINITY ? INFINITY : r - R;
            if (R >= Rmax)
                break;
        } else {
            hi = R;
            fhi = r - R;
            if (r > lo) {                 /* certified at r by nesting */
                lo = r;
                flo = 0;                  /* unknown: treat as the bracket end */
            }
        }
        if (hi != INFINITY && hi - lo <= 1e-5 * hi)
            break;
        if (hi == INFINITY) {
            /* at most doubling: a ratio far above R (a leaf whose relaxed
             * set barely meets the box at R) says nothing about larger R */
            double next = r < 2 * R ? r : 2 * R;
            if (next < 1.0000001 * R)
                next = 1.0000001 * R;
            R = next > Rmax ? Rmax : next;
        } else if (hi > 4 * lo) {
            R = sqrt(lo > 0 ? lo * hi : hi * hi / 16);   /* geometric bisection */
        } else if (flo > 0 && fhi < 0 && isfinite(flo)) {
            double t = flo / (flo - fhi);  /* secant on r(R) - R */
            if (t < 0.05)
                t = 0.05;
            if (t > 0.95)
                t = 0.95;
            R = lo + t * (hi - lo);
        } else {
            R = 0.5 * (lo + hi);
        }
    }
    memcpy(beta, bbest, k * sizeof(double));
    return best;
}

double nrc_mf_eval_approx(const nrc_mf_problem *P, const double *y, double *e)
{
    const size_t k = P->k;
    double f = 0;
    size_t j, l;
    for (j = 0; j < k; j++) {
        double t = 0;
        const double *g = P->G + j * k;
        if (y)
            for (l = 0; l < k; l++)
                t += g[l] * y[l];
        e[j] = t;
        t += P->a[j];
        if (t > 0)
            f += P->c[j] * t;
    }
    return f;
}
