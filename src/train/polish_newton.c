/* Projected Newton on Psi(s) = Q(s) + 1/2 sum_j s_j, s >= 0 (include/train/
 * nrc_polish_impl.h, spec/POLISH.md "Newton on s").  Search level:
 * untrusted binary64.
 *
 * Psi is convex (Q is a maximum of functions affine in s), with gradient
 * (1 - B_j) / 2, B_j = ||u_j||^2 (Danskin), and, on the current face of the
 * inner QP, Hessian E^T H_FF^{-1} E with E_(lambda_i, j) = y_i t_ij c_ij
 * (the kink rows of E vanish at the optimum, where c_ij = 0): the face factor
 * L gives it as Z^T Z, Z = L^{-1} E (one dtrsm, one dsyrk).  Psi is only
 * piecewise smooth (each change of the inner face is a seam), so the step
 * is damped the Levenberg-Marquardt way, (Hs + mu max diag(Hs) I) ds =
 * -grad, mu raised tenfold when the trial point fails the Armijo test and
 * lowered tenfold after a success (More, "The Levenberg-Marquardt
 * algorithm: implementation and theory", 1978); bound coordinates follow
 * Bertsekas's epsilon-active set (projected Newton, SIAM J. Control Optim.
 * 20, 1982): a neuron within epsilon of s_j = 0 whose gradient pushes it
 * out dies (s_j = 0, v_j = 0, w_j = 0) and is not revived. */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include "nrc_alloc.h"
#include "nrc_polish_impl.h"

void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a,
             const int *lda, double *b, const int *ldb, int *info);

#define GNORM_TOL 1e-15     /* relative v-residual: rounding level */
#define RELAXED_TOL 1e-8    /* the relaxed phase only starts the exact one */
#define LM_MIN 1e-15
#define LM_START 1e-4
#define LM_TRIES 40

/* What a rejected trial must give back. */
typedef struct {
    double *s, *z;
    unsigned char *ps;
    size_t *fv, p;
    uint32_t *kver;
} pol_snap;

static void snap_free(pol_snap *sn)
{
    nrc_free(sn->s);
    nrc_free(sn->z);
    nrc_free(sn->ps);
    nrc_free(sn->fv);
    nrc_free(sn->kver);
}

static int snap_alloc(const pol_ctx *c, pol_snap *sn)
{
    memset(sn, 0, sizeof *sn);
    sn->s = nrc_malloc_array(c->k, sizeof(double));
    sn->ps = nrc_malloc_array(c->n * c->k, 1);
    sn->z = nrc_malloc_array(c->cap_max, sizeof(double));
    sn->fv = nrc_malloc_array(c->cap_max, sizeof(size_t));
    sn->kver = nrc_malloc_array(c->k, sizeof(uint32_t));
    return sn->s && sn->ps && sn->z && sn->fv && sn->kver;
}

static void snap_save(const pol_ctx *c, pol_snap *sn)
{
    memcpy(sn->s, c->s, c->k * sizeof(double));
    memcpy(sn->ps, c->ps, c->n * c->k);
    memcpy(sn->fv, c->fv, c->p * sizeof(size_t));
    memcpy(sn->z, c->z, c->p * sizeof(double));
    memcpy(sn->kver, c->kver, c->k * sizeof(uint32_t));
    sn->p = c->p;
}

/* Back to the saved iterate; the products are recomputed, and the
 * factors are rebuilt by the next inner solve (a neuron's kink factor only
 * if its kinks changed since the save). */
static void snap_restore(pol_ctx *c, const pol_snap *sn)
{
    size_t r, n = c->n;
    for (r = 0; r < c->k; r++)
        if (c->kver[r] != sn->kver[r]) {
            c->kdirty[r] = 1;
            c->kver[r]++;
        }
    c->sstale = 1;
    for (r = 0; r < c->p; r++) {
        size_t f = c->fv[r];
        c->fpos[f] = -1;
        if (f < n)
            c->lam[f] = 0.0;
        else
            c->kv[f - n] = 0.0;
    }
    memcpy(c->s, sn->s, c->k * sizeof(double));
    memcpy(c->ps, sn->ps, c->n * c->k);
    memcpy(c->fv, sn->fv, sn->p * sizeof(size_t));
    memcpy(c->z, sn->z, sn->p * sizeof(double));
    c->p = sn->p;
    for (r = 0; r < c->p; r++) {
        size_t f = c->fv[r];
        c->fpos[f] = (int32_t)r;
        if (f < n)
            c->lam[f] = c->z[r];
        else
            c->kv[f - n] = c->z[r];
    }
    pol_live_update(c);
    pol_products(c);
}

/* grad_j = (1 - B_j) / 2 on live neurons.  Returns the stopping measure
 * sqrt(sum_j s_j (1 - B_j)^2 / sum_j s_j): the v-equation's residual
 * relative to ||v|| (MATH.md section 4; w_j = v_j u_j holds by
 * construction), so that neurons on their way to 0 do not count. */
static double newton_grad(const pol_ctx *c, double *grad)
{
    double num = 0.0, den = 0.0;
    for (size_t j = 0; j < c->k; j++) {
        grad[j] = c->s[j] > 0 ? 0.5 * (1.0 - c->B[j]) : 0.0;
        num += c->s[j] * 4.0 * grad[j] * grad[j];
        den += c->s[j];
    }
    return den > 0 ? sqrt(num / den) : 0.0;
}

/* Bertsekas's epsilon-active set: live neurons close to 0 whose gradient
 * pushes them out are bound (they die in the trial); the others (F) move. */
static size_t newton_free_set(const pol_ctx *c, const double *grad,
                              unsigned char *bound, size_t *fidx)
{
    double smax = 0.0, w = 0.0, eps;
    size_t j, kf = 0;
    for (j = 0; j < c->k; j++) {
        double pj = c->s[j] - grad[j];
        pj = c->s[j] - (pj > 0 ? pj : 0.0);
        w = fabs(pj) > w ? fabs(pj) : w;
        smax = c->s[j] > smax ? c->s[j] : smax;
    }
    eps = w < 1e-3 * smax ? w : 1e-3 * smax;
    /* below 1e-14 of the largest, a shrinking neuron is dead in binary64 */
    eps = eps > 1e-14 * smax ? eps : 1e-14 * smax;
    for (j = 0; j < c->k; j++) {
        bound[j] = c->s[j] > 0 && c->s[j] <= eps && grad[j] > 0;
        if (c->s[j] > 0 && !bound[j])
            fidx[kf++] = j;
    }
    return kf;
}

/* Hs (kf, kf, column-major lower) = E^T H_FF^{-1} E over the free neurons:
 * E's kink rows vanish, so it is E_A^T S^{-1} E_A with S the multipliers'
 * Schur complement (polish_face.c). */
static int newton_hessian(pol_ctx *c, const size_t *fidx, size_t kf, double *Hs)
{
    size_t na = c->na, nl = c->nl, a, r, jj;
    double *E;
    if (na == 0 || kf == 0) {
        memset(Hs, 0, kf * kf * sizeof(double));
        return 0;
    }
    E = nrc_calloc(na * kf, sizeof(double));
    if (!E) {
        nrc_error_set(c->err, NRC_ERR_SYSTEM, "out of memory for the polish's Newton step");
        return -1;
    }
    for (a = 0; a < kf; a++) {
        size_t j = fidx[a];
        for (jj = 0; jj < nl && c->live[jj] != j; jj++)
            ;
        for (r = 0; r < na; r++) {
            size_t i = c->slist[r];
            if (pol_tied(c, i, j))
                E[a * na + r] = c->y[i] * c->cl[i * nl + jj];
        }
    }
    cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)na,
                (int)kf, 1.0, c->LS, (int)c->n, E, (int)na);
    cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, (int)kf, (int)na, 1.0, E, (int)na, 0.0,
                Hs, (int)kf);
    (void)pol_spend(c, (double)na * (double)na * (double)kf +
                           (double)na * (double)kf * (double)kf);
    nrc_free(E);
    return 0;
}

/* ds (kf) = -(Hs + mu hmax I)^{-1} grad_F; 0 when the shifted matrix is
 * not positive definite. */
static int newton_direction(pol_ctx *c, const double *Hs, size_t kf, double mu, double hmax,
                            const double *grad, const size_t *fidx, double *Hm, double *ds)
{
    int nf = (int)kf, one = 1, info = 0;
    size_t a;
    memcpy(Hm, Hs, kf * kf * sizeof(double));
    for (a = 0; a < kf; a++) {
        Hm[a * kf + a] += mu * hmax;
        ds[a] = -grad[fidx[a]];
    }
    dpotrf_("L", &nf, Hm, &nf, &info);
    if (info == 0)
        dpotrs_("L", &nf, &one, Hm, &nf, ds, &nf, &info);
    (void)pol_spend(c, (double)kf * (double)kf * (double)kf / 3.0);
    for (a = 0; a < kf && info == 0; a++)
        if (!isfinite(ds[a]))
            info = 1;
    return info == 0;
}

typedef struct {
    double *grad, *Hs, *Hm, *ds, *ds2, *s0;
    size_t *fidx;
    unsigned char *bound;
    pol_snap snap;
} newton_work;

static void newton_work_free(newton_work *w)
{
    nrc_free(w->grad); nrc_free(w->Hs); nrc_free(w->Hm); nrc_free(w->ds); nrc_free(w->ds2);
    nrc_free(w->s0); nrc_free(w->fidx); nrc_free(w->bound);
    snap_free(&w->snap);
}

static int newton_work_alloc(const pol_ctx *c, newton_work *w)
{
    size_t k = c->k;
    memset(w, 0, sizeof *w);
    w->grad = nrc_malloc_array(k, sizeof(double));
    w->Hs = nrc_malloc_array(k * k, sizeof(double));
    w->Hm = nrc_malloc_array(k * k, sizeof(double));
    w->ds = nrc_malloc_array(k, sizeof(double));
    w->ds2 = nrc_malloc_array(k, sizeof(double));
    w->s0 = nrc_malloc_array(k, sizeof(double));
    w->fidx = nrc_malloc_array(k, sizeof(size_t));
    w->bound = nrc_calloc(k, 1);
    return snap_alloc(c, &w->snap) && w->grad && w->Hs && w->Hm && w->ds && w->ds2 && w->s0 &&
           w->fidx && w->bound;
}

/* One damped step from the current iterate; *mu adapts.  Returns 1
 * accepted, 0 no trial accepted (stalled), 2 stopped, 4 kink cap, -1
 * memory. */
static int newton_step(pol_ctx *c, newton_work *w, double *mu, double *psi, double gnorm)
{
    size_t kf = newton_free_set(c, w->grad, w->bound, w->fidx), a, j;
    double hmax = 0.0;
    if (newton_hessian(c, w->fidx, kf, w->Hs) < 0)
        return -1;
    for (a = 0; a < kf; a++)
        hmax = w->Hs[a * kf + a] > hmax ? w->Hs[a * kf + a] : hmax;
    hmax += 1e-300;
    snap_save(c, &w->snap);
    memcpy(w->s0, c->s, c->k * sizeof(double));
    for (int t = 0; t < LM_TRIES; t++) {
        double dec = 0.0, psi2;
        int r;
        if (!newton_direction(c, w->Hs, kf, *mu, hmax, w->grad, w->fidx, w->Hm, w->ds)) {
            *mu = *mu * 10 > 1e-10 ? *mu * 10 : 1e-10;
            continue;
        }
        for (j = 0; j < c->k; j++)
            c->s[j] = w->bound[j] ? 0.0 : w->s0[j];
        for (a = 0; a < kf; a++) {
            double v = w->s0[w->fidx[a]] + w->ds[a];
            c->s[w->fidx[a]] = v > 0 ? v : 0.0;
        }
        r = pol_inner_solve(c);
        if (r < 0)
            return -1;
        if (r == 2 || r == 4) {
            snap_restore(c, &w->snap);
            return r;
        }
        if (r == 1) {
            psi2 = pol_psi(c);
            for (j = 0; j < c->k; j++)
                dec += w->grad[j] * (c->s[j] - w->s0[j]);
            /* Armijo; or, once the predicted decrease is below the rounding
             * of Psi, no visible increase and a smaller gradient (quadratic
             * convergence ends in steps that Psi cannot resolve) */
            if (psi2 <= *psi + 1e-4 * dec ||
                (-dec <= 16.0 * 0x1p-52 * fabs(*psi) &&
                 psi2 <= *psi + 16.0 * 0x1p-52 * fabs(*psi) &&
                 newton_grad(c, w->ds2) < gnorm)) {
                *psi = psi2;
                *mu = *mu / 10 > LM_MIN ? *mu / 10 : LM_MIN;
                return 1;
            }
        }
        snap_restore(c, &w->snap);
        *mu = *mu * 10 > 1e-10 ? *mu * 10 : 1e-10;
    }
    return 0;
}

int pol_newton_run(pol_ctx *c)
{
    newton_work w;
    double psi, mu = LM_START, gtol = c->relaxed ? RELAXED_TOL : GNORM_TOL;
    int r, flat = 0;
    r = pol_inner_solve(c);
    if (r != 1 || !c->full)
        return r;
    if (!newton_work_alloc(c, &w)) {
        newton_work_free(&w);
        nrc_error_set(c->err, NRC_ERR_SYSTEM, "out of memory for the polish's Newton step");
        return -1;
    }
    psi = pol_psi(c);
    for (;;) {
        double gres = newton_grad(c, w.grad), psi0 = psi;
        c->prog.gnorm = gres;
        c->prog.psi = psi;
        pol_report(c, c->relaxed ? "relaxed" : "newton");
        if (gres <= gtol) {
            r = 1;
            break;
        }
        if (c->stop || pol_spend(c, 0.0)) {
            r = 2;
            break;
        }
        if (c->opts->max_newton > 0 && c->newton_steps >= (uint64_t)c->opts->max_newton) {
            r = 3;
            break;
        }
        r = newton_step(c, &w, &mu, &psi, gres);
        if (r != 1) {
            if (r == 0)
                r = 1;   /* no trial accepted: as far as Newton gets */
            break;
        }
        c->newton_steps++;
        /* Psi flat to rounding three times running: rounding level */
        flat = psi > psi0 - 4.0 * 0x1p-52 * fabs(psi0) ? flat + 1 : 0;
        if (flat >= 3) {
            r = 1;
            break;
        }
    }
    newton_work_free(&w);
    return r;
}
