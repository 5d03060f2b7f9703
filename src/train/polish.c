/* KKT polishing after gradient descent (include/train/nrc_polish.h,
 * spec/POLISH.md, MATH.md section 4).  Search level: untrusted binary64.
 *
 * Why the reduced variables.  For a fixed activation pattern G and fixed
 * v, q_i is linear in (W, b) and
 *   min 1/2 ||(W, b)||^2  s.t.  q_i >= 1
 * is a convex QP whose dual is max_{lambda >= 0} 1^T lambda - 1/2 lambda^T
 * H(s) lambda with H(s) = Kt o (G diag(s) G^T), s = v^2, Kt_il = y_i y_l
 * (<x_i, x_l> + [bias]); the primal solution is w_j = v_j u_j, u_j = sum_i
 * lambda_i y_i g_ij (x_i, 1) (MATH.md section 4's w-stationarity, exact by
 * construction).  Phi(s), the optimal value, is a maximum of functions
 * affine in s, hence convex, with dPhi/ds_j = -B_j / 2, B_j = ||u_j||^2
 * (Danskin).  Adding the second layer's 1/2 sum_j s_j, the whole of (P) on a
 * fixed pattern is the convex problem min_{s >= 0} Psi(s) = Phi(s) + 1/2
 * sum s, whose optimality conditions B_j = 1 (s_j > 0; balancedness and the
 * v-equation) and B_j <= 1 (s_j = 0; a dead neuron) are the rest of the KKT
 * system.  Its Hessian is E^T H_AA^{-1} E (E_aj = g_aj (Kt (g_j o
 * lambda))_a over the support A of lambda), k x k: we take projected
 * Newton steps (Bertsekas 1982) with a tiny Levenberg-Marquardt shift for
 * the directions along which neurons are interchangeable.  Every step costs
 * O(n^2 k + n^3 + k^3) and never touches the k(d+1) x n matrix of the h_i;
 * the O(nkd) work (materializing W and re-reading the pattern) happens once
 * per pattern round, like one GD step. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_polish.h"
#include "nrc_train.h"

#define EPS_D 0x1p-52

void nrc_polish_opts_default(nrc_polish_opts *o)
{
    o->fix_v = 0;
    o->max_rounds = 40;
    o->max_newton = 60;
    o->tol = 1e-12;
    o->always_adopt = 0;
}

const char *nrc_polish_outcome_name(nrc_polish_outcome o)
{
    switch (o) {
    case NRC_POLISH_CONVERGED: return "converged";
    case NRC_POLISH_NOT_CONVERGED: return "not-converged";
    case NRC_POLISH_DEGENERATE: return "degenerate";
    case NRC_POLISH_SKIPPED: return "skipped";
    }
    return "unknown";
}

/* Working state of one polish run.
 *
 * Kinks.  A pair (i, j) whose pre-activation wants to cross zero in both
 * pattern states (off: the optimum has a_ij > 0; on: a_ij < 0) sits at a
 * kink of the exact KKT point, a_ij = 0 with a Clarke subgradient g_ij in
 * (0, 1).  Such pairs enter a working set of sign constraints
 * tau_p v_j <w_j, (x_i, 1)> >= 0, tau_p = sign(v_j) (+1 on, -1 off), scaled
 * by v_j so that the dual Gram stays affine in s.  Their multipliers mu_p
 * join lambda in the dual vector z = (lambda (n), mu (nw)); the coefficient
 * of (x_i, 1) in u_j becomes C_ij = lambda_i y_i g_ij + tau_p mu_p, i.e.
 * g_ij = [on] + tau_p mu_p y_i / lambda_i, a legitimate Clarke subgradient
 * exactly when it lies in [0, 1]; otherwise the pair changes state. */
typedef struct {
    size_t n, d, k;
    int full, bias, max_newton;
    const double *X, *y;
    double *K;         /* (n,n) <x_i,x_l> + [bias] */
    double *Kt;        /* (n,n) y_i y_l K_il */
    unsigned char *G;  /* (n,k) pattern (nominal state of each pair) */
    double *sig;       /* (k) sign of v_j (+1 / -1) */
    double *s;         /* (k) v_j^2 */
    size_t nw, wmax;   /* working sign constraints: count, capacity */
    size_t *wi, *wj;   /* their pairs */
    double *wtau;      /* their signs tau_p */
    size_t *wmap;      /* (n,k) 1 + index in the working set, 0 if none */
    double *z;         /* (n + wmax) dual vector (lambda, mu) */
    double *H;         /* (m,m), m = n + nw */
    double *cc;        /* (n,k) c_ij = <u_j, (x_i, 1)> */
    double *B;         /* (k) ||u_j||^2 */
    double psi;        /* Psi(s) */
    /* scratch */
    double *rhs, *C, *s2, *z2, *cc2, *B2, *H2, *grad, *ds, *Hs, *Lk, *E, *Ln;
    size_t *idx, *fidx;
    unsigned char *bound;
    nrc_error *err;
} pol_ctx;

/* C (n,k) = lambda_i y_i g_ij + sum of the working tau_p mu_p */
static void pol_coef(const pol_ctx *c, const double *z, double *C)
{
    size_t n = c->n, k = c->k, i, j, p;
    for (i = 0; i < n; i++)
        for (j = 0; j < k; j++)
            C[i * k + j] = c->G[i * k + j] ? z[i] * c->y[i] : 0.0;
    for (p = 0; p < c->nw; p++)
        C[c->wi[p] * k + c->wj[p]] += c->wtau[p] * z[n + p];
}

/* A dead neuron (s_j = 0) leaves the multipliers of its sign constraints
 * undetermined (their rows of H vanish).  The one-sided derivative of Psi in
 * s_j is then (1 - min_mu ||u_j||^2) / 2 (Danskin: the best multipliers for
 * a neuron about to revive), so B_j is replaced by that minimum, a small
 * QP over the neuron's own sign constraints.  Returns 1, or -1 on memory. */
static int pol_dead_b(pol_ctx *c, const double *s, const double *cc, double *B)
{
    size_t n = c->n, k = c->k, j, p, q, np;
    for (j = 0; j < k; j++) {
        double *Hj, *cj, *mu, b;
        size_t *rows;
        int conv, ok, oom;
        if (s[j] > 0)
            continue;
        for (np = 0, p = 0; p < c->nw; p++)
            np += c->wj[p] == j;
        if (np == 0)
            continue;
        Hj = nrc_malloc_array(np * np, sizeof(double));
        cj = nrc_malloc_array(np, sizeof(double));
        mu = nrc_calloc(np, sizeof(double));
        rows = nrc_malloc_array(np, sizeof(size_t));
        ok = Hj && cj && mu && rows;
        oom = !ok;
        if (ok) {
            for (np = 0, p = 0; p < c->nw; p++)
                if (c->wj[p] == j)
                    rows[np++] = p;
            for (p = 0; p < np; p++) {
                size_t ip = c->wi[rows[p]];
                cj[p] = -c->wtau[rows[p]] * cc[ip * k + j];
                for (q = 0; q < np; q++)
                    Hj[p * np + q] = c->wtau[rows[p]] * c->wtau[rows[q]] *
                                     c->K[ip * n + c->wi[rows[q]]];
            }
            ok = nrc_polish_qp_d(np, Hj, cj, mu, 0, &conv, c->err) == NRC_OK;
        }
        if (ok) {
            /* ||u0 + sum tau mu x||^2 = B0 - 2 mu.c + mu^T Hj mu */
            b = B[j];
            for (p = 0; p < np; p++) {
                double hm = 0.0;
                for (q = 0; q < np; q++)
                    hm += Hj[p * np + q] * mu[q];
                b += mu[p] * (hm - 2.0 * cj[p]);
            }
            B[j] = b;
        }
        nrc_free(Hj);
        nrc_free(cj);
        nrc_free(mu);
        nrc_free(rows);
        if (!ok) {
            if (oom)
                nrc_error_set(c->err, NRC_ERR_SYSTEM,
                              "out of memory for the polish (dead neuron %zu)", j);
            return -1;
        }
    }
    return 1;
}

/* H(s), the dual QP for z (warm from z), c, B and Psi at s.
 * Returns 1 when feasible (every point has a live active neuron), 0 if not,
 * -1 on a system error (err set). */
static int pol_eval(pol_ctx *c, const double *s, double *z, double *H,
                    double *cc, double *B, double *psi)
{
    size_t n = c->n, k = c->k, m = n + c->nw, i, l, j, p, q;
    int conv;
    double sum;
    for (i = 0; i < n; i++) {
        for (l = 0; l <= i; l++) {
            double a = 0.0;
            for (j = 0; j < k; j++)
                if (c->G[i * k + j] && c->G[l * k + j])
                    a += s[j];
            H[i * m + l] = H[l * m + i] = c->Kt[i * n + l] * a;
        }
        if (!(H[i * m + i] > 0))
            return 0;
        for (p = 0; p < c->nw; p++) {
            size_t j0 = c->wj[p], i0 = c->wi[p];
            double a = c->G[i * k + j0] ?
                c->y[i] * c->wtau[p] * c->K[i * n + i0] * s[j0] : 0.0;
            H[i * m + n + p] = H[(n + p) * m + i] = a;
        }
    }
    for (p = 0; p < c->nw; p++)
        for (q = 0; q <= p; q++) {
            double a = c->wj[p] == c->wj[q] ? s[c->wj[p]] * c->wtau[p] * c->wtau[q] *
                       c->K[c->wi[p] * n + c->wi[q]] : 0.0;
            H[(n + p) * m + n + q] = H[(n + q) * m + n + p] = a;
        }
    if (nrc_polish_qp_d(m, H, c->rhs, z, 1, &conv, c->err) != NRC_OK)
        return -1;
    pol_coef(c, z, c->C);
    for (i = 0; i < n; i++)
        for (j = 0; j < k; j++) {
            double a = 0.0;
            for (l = 0; l < n; l++)
                a += c->K[i * n + l] * c->C[l * k + j];
            cc[i * k + j] = a;
        }
    sum = 0.0;
    for (j = 0; j < k; j++) {
        double a = 0.0;
        for (i = 0; i < n; i++)
            a += c->C[i * k + j] * cc[i * k + j];
        B[j] = a;
        if (c->full)
            sum += s[j];
    }
    for (i = 0; i < n; i++)
        sum += z[i];
    *psi = 0.5 * sum;
    return pol_dead_b(c, s, cc, B);
}

/* max_j of the projected gradient of Psi: grad_j = (1 - B_j) / 2, a bound
 * coordinate (s_j = 0) counts only when the gradient points inwards. */
static double pol_gnorm(size_t k, const double *s, const double *B, double *grad,
                        int full)
{
    double g = 0.0;
    for (size_t j = 0; j < k; j++) {
        double gj = 0.5 * (1.0 - B[j]);
        if (grad)
            grad[j] = gj;
        if (!full)
            continue;
        if (s[j] > 0 || gj < 0)
            g = fabs(gj) > g ? fabs(gj) : g;
    }
    return g;
}

/* Projected Newton on Psi(s), s >= 0, at the current pattern.
 * Returns 1 (done: converged or stalled at rounding), 0 (the pattern is
 * infeasible at the starting s), -1 (system error). */
static int pol_newton(pol_ctx *c, uint64_t *steps)
{
    size_t n = c->n, k = c->k, i, j, a, b2, p, f;
    size_t m = n + c->nw;
    int r = pol_eval(c, c->s, c->z, c->H, c->cc, c->B, &c->psi), stall = 0;
    if (r <= 0)
        return r;
    for (int it = 0; it < c->max_newton; it++) {
        double gnorm = pol_gnorm(k, c->s, c->B, c->grad, 1), mu = 0.0, alpha, hmax;
        int accepted = 0, tries;
        if (gnorm <= 1e-15)
            break;
        /* epsilon-active set (Bertsekas 1982): coordinates within eps of
         * the bound whose gradient pushes outwards are sent to 0 directly,
         * so that the projected Newton direction stays a descent direction */
        {
            double smax = 0.0, w = 0.0, eps_s;
            for (j = 0; j < k; j++) {
                double pj = c->s[j] - c->grad[j];
                pj = c->s[j] - (pj > 0 ? pj : 0.0);
                w = fabs(pj) > w ? fabs(pj) : w;
                smax = c->s[j] > smax ? c->s[j] : smax;
            }
            eps_s = w < 1e-3 * smax ? w : 1e-3 * smax;
            f = 0;
            for (j = 0; j < k; j++) {
                c->bound[j] = c->s[j] <= eps_s && c->grad[j] > 0;
                if (!c->bound[j])
                    c->fidx[f++] = j;
            }
        }
        p = 0;
        for (i = 0; i < m; i++)
            if (c->z[i] > 0)
                c->idx[p++] = i;
        if (p == 0 || !nrc_polish_chol_d(m, c->H, c->idx, p, c->Ln))
            break;
        /* Z = L^{-1} E (p, f), E_rj = (D_j z)_r over the support: margin row
         * i: g_ij y_i c_ij; sign row p: [j = j_p] tau_p c_{i_p j} */
        for (b2 = 0; b2 < f; b2++) {
            j = c->fidx[b2];
            for (a = 0; a < p; a++) {
                size_t ia = c->idx[a];
                double e;
                if (ia < n)
                    e = c->G[ia * k + j] ? c->y[ia] * c->cc[ia * k + j] : 0.0;
                else
                    e = c->wj[ia - n] == j ?
                        c->wtau[ia - n] * c->cc[c->wi[ia - n] * k + j] : 0.0;
                for (size_t q = 0; q < a; q++)
                    e -= c->Ln[a * p + q] * c->E[q * k + b2];
                c->E[a * k + b2] = e / c->Ln[a * p + a];
            }
        }
        for (a = 0; a < f; a++)
            for (b2 = 0; b2 <= a; b2++) {
                double h = 0.0;
                for (size_t q = 0; q < p; q++)
                    h += c->E[q * k + a] * c->E[q * k + b2];
                c->Hs[a * f + b2] = c->Hs[b2 * f + a] = h;
            }
        for (a = 0; a < f; a++)
            mu = c->Hs[a * f + a] > mu ? c->Hs[a * f + a] : mu;
        hmax = mu + 1e-300;
        mu = 1e-13 * mu + 1e-300;
        /* (Hs_FF + mu I) ds = -grad_F; raise mu while numerically singular */
        for (tries = 0; tries < 8; tries++) {
            for (a = 0; a < f; a++)
                c->idx[a] = a;    /* identity index for the f x f factor */
            for (a = 0; a < f; a++)
                c->Hs[a * f + a] += mu;
            if (nrc_polish_chol_d(f, c->Hs, c->idx, f, c->Lk))
                break;
            for (a = 0; a < f; a++)
                c->Hs[a * f + a] -= mu;
            mu *= 100.0;
        }
        if (tries == 8)
            break;
        for (a = 0; a < f; a++)
            c->ds[a] = -c->grad[c->fidx[a]];
        nrc_polish_chol_solve_d(f, c->Lk, c->ds);
        /* projected backtracking line search on Psi along the Newton
         * direction, then (where Psi is not smooth enough for Newton: many
         * kinks make the dual degenerate) along the scaled gradient */
        for (int mode = 0; mode < 2 && !accepted; mode++) {
            if (mode == 1)
                for (a = 0; a < f; a++)
                    c->ds[a] = -c->grad[c->fidx[a]] / hmax;
            for (alpha = 1.0, tries = 0; tries < 50; tries++, alpha *= 0.5) {
                double psi2, dec = 0.0, g2;
                for (j = 0; j < k; j++) {
                    double t = c->s[j] - alpha * c->s[j];
                    c->s2[j] = c->bound[j] ? (t > 0 ? t : 0.0) : c->s[j];
                }
                for (a = 0; a < f; a++) {
                    double t = c->s[c->fidx[a]] + alpha * c->ds[a];
                    c->s2[c->fidx[a]] = t > 0 ? t : 0.0;
                }
                memcpy(c->z2, c->z, m * sizeof(double));
                r = pol_eval(c, c->s2, c->z2, c->H2, c->cc2, c->B2, &psi2);
                if (r < 0)
                    return -1;
                if (r == 0)
                    continue;
                for (j = 0; j < k; j++)
                    dec += c->grad[j] * (c->s2[j] - c->s[j]);
                g2 = pol_gnorm(k, c->s2, c->B2, NULL, 1);
                if (psi2 <= c->psi + 1e-4 * dec ||
                    (psi2 <= c->psi + 16.0 * EPS_D * fabs(c->psi) && g2 < gnorm)) {
                    accepted = 1;
                    stall = (g2 < 0.5 * gnorm || gnorm > 1e-9) ? 0 : stall + 1;
                    memcpy(c->s, c->s2, k * sizeof(double));
                    memcpy(c->z, c->z2, m * sizeof(double));
                    memcpy(c->H, c->H2, m * m * sizeof(double));
                    memcpy(c->cc, c->cc2, n * k * sizeof(double));
                    memcpy(c->B, c->B2, k * sizeof(double));
                    c->psi = psi2;
                    break;
                }
            }
        }
        if (!accepted)
            break;
        (*steps)++;
        if (stall >= 3)   /* no real progress left: rounding level */
            break;
    }
    return 1;
}

/* A pattern change can leave a point whose only active neurons died in an
 * earlier round (a neuron of the other class had been serving it through
 * the linearization).  Such points get their dead same-class active
 * neurons back, at the largest live s, and Newton takes it from there. */
static void pol_revive(pol_ctx *c)
{
    size_t n = c->n, k = c->k, i, j;
    double smax = 0.0;
    for (j = 0; j < k; j++)
        smax = c->s[j] > smax ? c->s[j] : smax;
    if (!(smax > 0))
        return;
    for (i = 0; i < n; i++) {
        int served = 0;
        for (j = 0; j < k && !served; j++)
            served = c->G[i * k + j] && c->s[j] > 0 && c->y[i] * c->sig[j] > 0;
        if (served)
            continue;
        for (j = 0; j < k; j++)
            if (c->G[i * k + j] && !(c->s[j] > 0) && c->y[i] * c->sig[j] > 0)
                c->s[j] = smax;
    }
}

/* W' = M^T X, b'_j = sum_i M_ij with M_ij = lambda_i y_i g_ij v'_j, and
 * v'_j = sign_j sqrt(s_j) (v0 unchanged with the second layer fixed). */
static void pol_materialize(pol_ctx *c, const double *v0, double *Wp, double *bp,
                            double *vp, double *M)
{
    size_t n = c->n, k = c->k, i, j;
    for (j = 0; j < k; j++)
        vp[j] = c->full ? c->sig[j] * sqrt(c->s[j]) : v0[j];
    pol_coef(c, c->z, c->C);
    for (i = 0; i < n; i++)
        for (j = 0; j < k; j++)
            M[i * k + j] = c->C[i * k + j] * vp[j];
    nrc_dgemm(NRC_BLAS_T, NRC_BLAS_N, k, c->d, n, 1.0, M, k, c->X, c->d, 0.0, Wp, c->d);
    if (bp)
        for (j = 0; j < k; j++) {
            double a = 0.0;
            for (i = 0; i < n; i++)
                a += M[i * k + j];
            bp[j] = a;
        }
}

/* || a/||a|| - b/||b|| || over (W, b, v) (over (W, b) with fixed v). */
static double pol_direction_move(size_t d, size_t k, int full, const double *W1,
                                 const double *b1, const double *v1,
                                 const double *W2, const double *b2,
                                 const double *v2)
{
    double n1 = nrc_train_sqnorm_d(d, k, W1, b1, full ? v1 : NULL);
    double n2 = nrc_train_sqnorm_d(d, k, W2, b2, full ? v2 : NULL), s = 0.0, t;
    size_t j;
    n1 = sqrt(n1);
    n2 = sqrt(n2);
    if (!(n1 > 0) || !(n2 > 0))
        return NAN;
    for (j = 0; j < k * d; j++) {
        t = W1[j] / n1 - W2[j] / n2;
        s += t * t;
    }
    for (j = 0; j < k; j++) {
        if (b1) {
            t = b1[j] / n1 - b2[j] / n2;
            s += t * t;
        }
        if (full) {
            t = v1[j] / n1 - v2[j] / n2;
            s += t * t;
        }
    }
    return sqrt(s);
}

static void pol_free(pol_ctx *c)
{
    nrc_free(c->K); nrc_free(c->Kt); nrc_free(c->G); nrc_free(c->sig);
    nrc_free(c->s); nrc_free(c->wi); nrc_free(c->wj); nrc_free(c->wtau);
    nrc_free(c->wmap); nrc_free(c->z); nrc_free(c->H); nrc_free(c->cc);
    nrc_free(c->B); nrc_free(c->rhs); nrc_free(c->C); nrc_free(c->s2);
    nrc_free(c->z2); nrc_free(c->cc2); nrc_free(c->B2); nrc_free(c->H2);
    nrc_free(c->grad); nrc_free(c->ds); nrc_free(c->Hs); nrc_free(c->Lk);
    nrc_free(c->E); nrc_free(c->Ln); nrc_free(c->idx); nrc_free(c->fidx);
    nrc_free(c->bound);
}

static int pol_alloc(pol_ctx *c)
{
    size_t n = c->n, k = c->k, m, mm;
    /* working sign constraints: a few per point suffice in practice */
    c->wmax = n * k < 8 * n + 256 ? n * k : 8 * n + 256;
    if (n + c->wmax > 6144)   /* three (m, m) matrices: at most ~0.9 GB */
        c->wmax = n < 5888 ? 6144 - n : 256;
    m = n + c->wmax;
    mm = m > k ? m : k;
    c->K = nrc_malloc_array(n * n, sizeof(double));
    c->Kt = nrc_malloc_array(n * n, sizeof(double));
    c->G = nrc_calloc(n * k, 1);
    c->sig = nrc_malloc_array(k, sizeof(double));
    c->s = nrc_malloc_array(k, sizeof(double));
    c->wi = nrc_malloc_array(c->wmax, sizeof(size_t));
    c->wj = nrc_malloc_array(c->wmax, sizeof(size_t));
    c->wtau = nrc_malloc_array(c->wmax, sizeof(double));
    c->wmap = nrc_calloc(n * k, sizeof(size_t));
    c->z = nrc_calloc(m, sizeof(double));
    c->H = nrc_malloc_array(m * m, sizeof(double));
    c->cc = nrc_malloc_array(n * k, sizeof(double));
    c->B = nrc_malloc_array(k, sizeof(double));
    c->rhs = nrc_calloc(m, sizeof(double));
    c->C = nrc_malloc_array(n * k, sizeof(double));
    c->s2 = nrc_malloc_array(k, sizeof(double));
    c->z2 = nrc_calloc(m, sizeof(double));
    c->cc2 = nrc_malloc_array(n * k, sizeof(double));
    c->B2 = nrc_malloc_array(k, sizeof(double));
    c->H2 = nrc_malloc_array(m * m, sizeof(double));
    c->grad = nrc_malloc_array(k, sizeof(double));
    c->ds = nrc_malloc_array(k, sizeof(double));
    c->Hs = nrc_malloc_array(k * k, sizeof(double));
    c->Lk = nrc_malloc_array(k * k, sizeof(double));
    c->E = nrc_malloc_array(m * k, sizeof(double));
    c->Ln = nrc_malloc_array(m * m, sizeof(double));
    c->idx = nrc_malloc_array(mm, sizeof(size_t));
    c->fidx = nrc_malloc_array(k, sizeof(size_t));
    c->bound = nrc_calloc(k, 1);
    return c->K && c->Kt && c->G && c->sig && c->s && c->wi && c->wj && c->wtau &&
           c->wmap && c->z && c->H && c->cc && c->B && c->rhs && c->C && c->s2 &&
           c->z2 && c->cc2 && c->B2 && c->H2 && c->grad && c->ds && c->Hs &&
           c->Lk && c->E && c->Ln && c->idx && c->fidx && c->bound;
}

nrc_status nrc_polish_run_d(const nrc_polish_opts *o, size_t n, size_t d,
                            size_t k, const double *X, const double *y,
                            double *W, double *b, double *v,
                            nrc_polish_result *res, nrc_error *err)
{
    pol_ctx c;
    double *Wp = NULL, *bp = NULL, *vp = NULL, *A = NULL, *Rb = NULL, *Nb = NULL;
    double *q = NULL, *M = NULL, *gk = NULL;
    size_t i, j;
    int consistent = 0, infeasible = 0, full_ws = 0, r;
    nrc_status st = NRC_OK;

    memset(res, 0, sizeof *res);
    memset(&c, 0, sizeof c);
    c.n = n; c.d = d; c.k = k;
    c.full = !o->fix_v;
    c.bias = b != NULL;
    c.max_newton = o->max_newton;
    c.X = X; c.y = y;
    c.err = err;
    if (n == 0 || d == 0 || k == 0 || n > SIZE_MAX / (n > k ? n : k) || k > SIZE_MAX / d)
        return nrc_error_set(err, NRC_ERR_USAGE, "polish: bad sizes n=%zu d=%zu k=%zu",
                             n, d, k);
    Wp = nrc_malloc_array(k * d, sizeof(double));
    bp = b ? nrc_malloc_array(k, sizeof(double)) : NULL;
    vp = nrc_malloc_array(k, sizeof(double));
    A = nrc_malloc_array(n * k, sizeof(double));
    Rb = nrc_malloc_array(n * k, sizeof(double));
    M = nrc_malloc_array(n * k, sizeof(double));
    Nb = nrc_malloc_array(n, sizeof(double));
    q = nrc_malloc_array(n, sizeof(double));
    gk = nrc_malloc_array(n * k, sizeof(double));
    if (!pol_alloc(&c) || !gk || !Wp || (b && !bp) || !vp || !A || !Rb || !M || !Nb || !q) {
        st = nrc_error_set(err, NRC_ERR_SYSTEM,
                           "out of memory for the polish (n=%zu, d=%zu, k=%zu)", n, d, k);
        goto done;
    }
    st = nrc_polish_measure_d(n, d, k, o->fix_v, X, y, W, b, v, NULL, &res->before,
                              c.z, err);
    if (st != NRC_OK)
        goto done;
    res->after = res->clarke = res->before;
    if (n > NRC_POLISH_N_MAX || k > NRC_POLISH_K_MAX) {
        /* the dense n x n duals and the k x k Newton system would not fit
         * the budget (memory and time) of one training run */
        res->outcome = NRC_POLISH_SKIPPED;
        snprintf(res->reason, sizeof res->reason,
                 "n = %zu or k = %zu above the polish limits (n <= %d, k <= %d)", n, k,
                 NRC_POLISH_N_MAX, NRC_POLISH_K_MAX);
        goto done;
    }
    if (!(res->before.q_min > 0)) {
        res->outcome = NRC_POLISH_SKIPPED;
        snprintf(res->reason, sizeof res->reason,
                 "the network does not fit the data (min margin %.3g)", res->before.q_min);
        goto done;
    }
    /* K = X X^T + [bias], Kt = y y^T o K */
    nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, n, n, d, 1.0, X, d, X, d, 0.0, c.K, n);
    for (i = 0; i < n; i++) {
        c.rhs[i] = 1.0;
        for (size_t l = 0; l < n; l++) {
            c.K[i * n + l] += b ? 1.0 : 0.0;
            c.Kt[i * n + l] = y[i] * y[l] * c.K[i * n + l];
        }
    }
    /* start: theta / sqrt(q_min) (full) or (W, b) / q_min (fixed v): only the
     * pattern, the signs and s = v^2 matter; lambda warm-starts from NNLS */
    nrc_train_forward_d(n, d, k, X, y, W, b, v, A, Rb, Nb, q);
    for (j = 0; j < k; j++) {
        c.sig[j] = v[j] < 0 ? -1.0 : 1.0;
        c.s[j] = c.full ? v[j] * v[j] / res->before.q_min : v[j] * v[j];
    }
    for (i = 0; i < n * k; i++)
        c.G[i] = A[i] > 0;
    for (int round = 1; round <= o->max_rounds; round++) {
        uint64_t flips = 0;
        size_t p;
        res->rounds = (uint64_t)round;
        if (c.full)
            pol_revive(&c);
        if (c.full)
            r = pol_newton(&c, &res->newton_steps);
        else
            r = pol_eval(&c, c.s, c.z, c.H, c.cc, c.B, &c.psi);
        if (r < 0) {
            st = NRC_ERR_SYSTEM;
            goto done;
        }
        if (r == 0) {
            infeasible = 1;
            break;
        }
        pol_materialize(&c, v, Wp, bp, vp, M);
        nrc_train_forward_d(n, d, k, X, y, Wp, bp, vp, A, Rb, Nb, q);
        /* working sign constraints: is each active one a Clarke kink? */
        for (p = 0; p < c.nw; p++) {
            size_t ip = c.wi[p], jp = c.wj[p];
            double mu = c.z[n + p], lam = c.z[ip], g;
            if (!(mu > 0))
                continue;
            g = lam > 0 ? c.G[ip * k + jp] + c.wtau[p] * mu * y[ip] / lam :
                c.wtau[p] * mu * y[ip] * INFINITY;
            if (g > 1.0 - 1e-9) {
                /* even g = 1 keeps a_ij > 0: the pair is plainly on */
                c.G[ip * k + jp] = 1;
                c.wmap[ip * k + jp] = 0;
                c.wi[p] = c.wi[c.nw - 1];
                c.wj[p] = c.wj[c.nw - 1];
                c.wtau[p] = c.wtau[c.nw - 1];
                c.z[n + p] = c.z[n + c.nw - 1];
                c.nw--;
                if (p < c.nw)
                    c.wmap[c.wi[p] * k + c.wj[p]] = p + 1;
                p--;
                flips++;
            }
        }
        for (j = 0; j < k; j++) {
            if (c.full && !(c.s[j] > 0))
                continue;   /* dead: w_j = 0, every a_ij = 0, g is free */
            for (i = 0; i < n; i++) {
                unsigned char g = A[i * k + j] > 0;
                if (c.wmap[i * k + j] || g == c.G[i * k + j])
                    continue;
                /* on but a_ij <= 0, or off with a_ij > 0 for a neuron of
                 * the point's own class (y_i v_j > 0): switching cannot
                 * oscillate (the own term moves a_ij further the same way) */
                if (c.G[i * k + j] || y[i] * c.sig[j] > 0) {
                    c.G[i * k + j] = g;
                    flips++;
                    continue;
                }
                /* off, a_ij > 0, opposite class: turning it on would push
                 * a_ij down again; hold it at a_ij <= 0 (a kink if the
                 * constraint binds, with g = mu_p / lambda_i) */
                if (c.nw == c.wmax) {
                    full_ws = 1;
                    break;
                }
                /* hold the pair at its state by a sign constraint */
                c.wi[c.nw] = i;
                c.wj[c.nw] = j;
                c.wtau[c.nw] = -c.sig[j];
                c.z[n + c.nw] = 0.0;
                c.nw++;
                c.wmap[i * k + j] = c.nw;
                flips++;
            }
        }
        if (full_ws)
            break;
        if (flips == 0) {
            consistent = 1;
            break;
        }
        res->pattern_changes += flips;
    }
    if (infeasible || full_ws) {
        res->outcome = NRC_POLISH_DEGENERATE;
        if (infeasible)
            snprintf(res->reason, sizeof res->reason,
                     "after %" PRIu64 " pattern changes a point has no active neuron left",
                     res->pattern_changes);
        else
            snprintf(res->reason, sizeof res->reason,
                     "more than %zu pre-activations want to cross zero", c.wmax);
        goto done;
    }
    /* the Clarke subgradients: g_ij at kinks from the multipliers */
    for (i = 0; i < n * k; i++)
        gk[i] = A[i] > 0;
    res->kinks = 0;
    for (size_t p = 0; p < c.nw; p++) {
        size_t ip = c.wi[p], jp = c.wj[p];
        double mu = c.z[n + p], lam = c.z[ip];
        if (mu > 0 && lam > 0) {
            double g = c.G[ip * k + jp] + c.wtau[p] * mu * y[ip] / lam;
            gk[ip * k + jp] = g < 0 ? 0.0 : g > 1 ? 1.0 : g;
            res->kinks++;
        } else {
            gk[ip * k + jp] = c.G[ip * k + jp];
        }
    }
    /* certify's default reading (spec/CERTIFY.md, --kink-tol 2^-40): pairs
     * with |a_ij| <= 2^-40 ||(w_j, b_j)|| ||(x_i, [1])|| get a free g in
     * [0, 1] (certify's NNLS chooses it; here the polish's own Clarke g
     * stands in), every other pair g = 1[a_ij > 0]. */
    nrc_train_forward_d(n, d, k, X, y, Wp, bp, vp, A, Rb, Nb, q);
    res->near_kinks = 0;
    for (i = 0; i < n; i++) {
        double xn = b ? 1.0 : 0.0;
        for (size_t t = 0; t < d; t++)
            xn += X[i * d + t] * X[i * d + t];
        xn = sqrt(xn);
        for (j = 0; j < k; j++) {
            double wn = bp ? bp[j] * bp[j] : 0.0;
            for (size_t t = 0; t < d; t++)
                wn += Wp[j * d + t] * Wp[j * d + t];
            wn = sqrt(wn);
            if (fabs(A[i * k + j]) <= NRC_POLISH_KINK_TOL * wn * xn) {
                M[i * k + j] = gk[i * k + j];
                res->near_kinks++;
            } else {
                M[i * k + j] = A[i * k + j] > 0;
            }
        }
    }
    st = nrc_polish_measure_d(n, d, k, o->fix_v, X, y, Wp, bp, vp, M, &res->after,
                              NULL, err);
    if (st == NRC_OK)
        st = nrc_polish_measure_d(n, d, k, o->fix_v, X, y, Wp, bp, vp, gk, &res->clarke,
                                  NULL, err);
    if (st != NRC_OK)
        goto done;
    if (!consistent) {
        res->outcome = NRC_POLISH_DEGENERATE;
        snprintf(res->reason, sizeof res->reason,
                 "the activation pattern did not settle in %d rounds (%" PRIu64
                 " changes)", o->max_rounds, res->pattern_changes);
    } else if (res->clarke.eps_rel <= o->tol && res->clarke.delta <= o->tol) {
        res->outcome = NRC_POLISH_CONVERGED;
        if (res->kinks)
            snprintf(res->reason, sizeof res->reason,
                     "KKT to eps_rel %.3g with %zu kinks (g in (0,1)); as certify reads "
                     "it by default (free g at %zu near-kinks), eps_rel %.3g",
                     res->clarke.eps_rel, res->kinks, res->near_kinks, res->after.eps_rel);
        else
            snprintf(res->reason, sizeof res->reason,
                     "eps_rel %.3g and delta %.3g at most %.3g", res->after.eps_rel,
                     res->after.delta, o->tol);
    } else {
        res->outcome = NRC_POLISH_NOT_CONVERGED;
        snprintf(res->reason, sizeof res->reason,
                 "eps_rel %.3g, delta %.3g above %.3g after %" PRIu64 " Newton steps",
                 res->clarke.eps_rel, res->clarke.delta, o->tol, res->newton_steps);
    }
    res->direction_move = pol_direction_move(d, k, c.full, W, b, v, Wp, bp, vp);
    for (j = 0; j < k; j++) {
        int live = c.full ? vp[j] != 0 : 0;
        if (!c.full)
            for (size_t t = 0; t < d && !live; t++)
                live = Wp[j * d + t] != 0;
        if (live)
            res->live++;
        else
            res->dead++;
    }
    if (res->after.q_min > 0 &&
        (o->always_adopt ||
         (res->after.eps_rel < res->before.eps_rel &&
          res->after.norm_margin >= res->before.norm_margin * (1.0 - 1e-12)))) {
        memcpy(W, Wp, k * d * sizeof(double));
        if (b)
            memcpy(b, bp, k * sizeof(double));
        memcpy(v, vp, k * sizeof(double));
        res->adopted = 1;
    }
done:
    pol_free(&c);
    nrc_free(Wp); nrc_free(bp); nrc_free(vp); nrc_free(A); nrc_free(Rb);
    nrc_free(M); nrc_free(Nb); nrc_free(q); nrc_free(gk);
    return st;
}

static void pol_json_num(char *buf, size_t cap, double x)
{
    if (isfinite(x))
        snprintf(buf, cap, "%.17g", x);
    else
        snprintf(buf, cap, "null");
}

static size_t pol_json_kkt(char *buf, size_t cap, const nrc_polish_kkt *m)
{
    char a[7][32];
    int len;
    pol_json_num(a[0], 32, m->q_min);
    pol_json_num(a[1], 32, m->theta_sq);
    pol_json_num(a[2], 32, m->norm_margin);
    pol_json_num(a[3], 32, m->eps_rel);
    pol_json_num(a[4], 32, m->eps);
    pol_json_num(a[5], 32, m->delta);
    pol_json_num(a[6], 32, m->balance);
    len = snprintf(buf, cap,
                   "{\"min_margin\":%s,\"theta_sq\":%s,\"normalized_margin\":%s,"
                   "\"eps_rel\":%s,\"eps\":%s,\"delta\":%s,\"balance_defect\":%s,"
                   "\"zero_preactivations\":%zu}",
                   a[0], a[1], a[2], a[3], a[4], a[5], a[6], m->zeros);
    return len > 0 && (size_t)len < cap ? (size_t)len : 0;
}

size_t nrc_polish_meta_json(const nrc_polish_result *res, char *buf, size_t cap)
{
    char before[512], after[512], clarke[512], mv[32];
    int len;
    size_t i;
    if (!pol_json_kkt(before, sizeof before, &res->before) ||
        !pol_json_kkt(after, sizeof after, &res->after) ||
        !pol_json_kkt(clarke, sizeof clarke, &res->clarke))
        return 0;
    pol_json_num(mv, sizeof mv, res->direction_move);
    len = snprintf(buf, cap,
                   "{\"outcome\":\"%s\",\"reason\":\"%s\",\"adopted\":%s,"
                   "\"rounds\":%" PRIu64 ",\"newton_steps\":%" PRIu64
                   ",\"pattern_changes\":%" PRIu64 ",\"kinks\":%zu,\"live_neurons\":%zu,"
                   "\"dead_neurons\":%zu,\"direction_move\":%s,"
                   "\"gd\":%s,\"polished\":%s,\"polished_clarke\":%s}",
                   nrc_polish_outcome_name(res->outcome), res->reason,
                   res->adopted ? "true" : "false", res->rounds, res->newton_steps,
                   res->pattern_changes, res->kinks, res->live, res->dead, mv, before,
                   after, clarke);
    if (len <= 0 || (size_t)len >= cap)
        return 0;
    /* the reason is ours and plain ASCII, but never let a quote through */
    for (i = 0; i < (size_t)len; i++)
        if (buf[i] == '\\')
            buf[i] = '/';
    return (size_t)len;
}

nrc_status nrc_polish_progress_d(const nrc_train_opts *o, const double *X,
                                 const double *y, const double *W,
                                 const double *b, const double *v,
                                 nrc_train_progress *p, nrc_error *err)
{
    size_t n = o->n, d = o->d, k = o->k;
    double *A = nrc_malloc_array(n * k, sizeof(double)), *R = nrc_malloc_array(n * k, sizeof(double));
    double *N = nrc_malloc_array(n, sizeof(double)), *q = nrc_malloc_array(n, sizeof(double));
    double *r = nrc_malloc_array(n, sizeof(double)), wb;
    nrc_train_loss_info li;
    nrc_status st = NRC_OK;
    if (!A || !R || !N || !q || !r) {
        st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory for the polished network's "
                           "statistics (n=%zu, k=%zu)", n, k);
        goto done;
    }
    nrc_train_forward_d(n, d, k, X, y, W, b, v, A, R, N, q);
    nrc_train_loss_d(o->loss, o->schedule == NRC_SCHEDULE_CONSTANT ? 0 :
                     o->schedule == NRC_SCHEDULE_NORMALIZED ? 2 : 1, n, y, q, r, &li);
    wb = nrc_train_sqnorm_d(d, k, W, b, NULL);
    p->loss = li.loss;
    p->log_loss = li.log_loss;
    p->q_min = li.q_min;
    p->theta_sq = wb + nrc_train_sqnorm_d(0, k, NULL, NULL, v);
    p->norm_margin = li.q_min / p->theta_sq;
    p->norm_margin_wb = li.q_min / sqrt(wb);
done:
    nrc_free(A); nrc_free(R); nrc_free(N); nrc_free(q); nrc_free(r);
    return st;
}
