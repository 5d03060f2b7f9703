/* KKT polishing after gradient descent: the driver (include/train/
 * nrc_polish.h, spec/POLISH.md, MATH.md section 4).  Search level:
 * untrusted binary64.
 *
 * (P) min 1/2 ||theta||^2 s.t. q_i >= 1 is solved locally around the GD
 * network in the reduced variables s = v^2 (k) and the multipliers of the
 * inner QP (polish_inner.c): with v fixed, min 1/2 ||(W, b)||^2 s.t. q_i >=
 * 1 is convex once the own-class ReLUs (y_i sigma_j > 0) follow a pattern,
 * the opposite-class ones staying exact; its optimal value Q(s) plus 1/2
 * sum s is convex in s and minimized by a damped projected Newton
 * (polish_newton.c).  Rounds then switch the own-class pairs whose
 * pre-activation disagrees with the pattern (which keeps the network
 * feasible with the same norm, so ||theta|| decreases from round to round)
 * until none does.  Optionally a relaxed phase first fixes every pair's
 * pattern (a cheap n x n QP, no kinks) to let the neurons that die do so
 * before the exact problem.  W lives in the span of the data throughout
 * (w_j = v_j sum_i C_ij x~_i): the O(nkd) work is materializing W once at
 * the end and the measurements. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_polish_impl.h"
#include "nrc_train.h"

void nrc_polish_opts_default(nrc_polish_opts *o)
{
    memset(o, 0, sizeof *o);
    o->fix_v = 0;
    o->max_rounds = 40;
    o->max_newton = 400;
    o->tol = 1e-12;
    o->always_adopt = 0;
    o->work_max = 0.0;
    o->time_max = 0.0;
    o->cpu_max = 0.0;
    o->relaxed_start = 1;
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

/* ---- budget and progress ---- */

static double pol_clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int pol_spend(pol_ctx *c, double units)
{
    c->work += units;
    if (!c->stop && c->work_max > 0 && c->work > c->work_max)
        c->stop = 1;
    return c->stop != 0;
}

void pol_report(pol_ctx *c, const char *stage)
{
    size_t r, kinks = 0;
    for (r = 0; r < c->p; r++)
        kinks += c->fv[r] >= c->n;
    if (kinks > c->max_kinks)
        c->max_kinks = kinks;
    c->prog.stage = stage;
    c->prog.newton_steps = c->newton_steps;
    c->prog.live = c->nl;
    c->prog.kinks = kinks;
    c->prog.face = c->p;
    c->prog.work = c->work;
    c->prog.work_max = c->work_max;
    if (c->opts->progress && c->opts->progress(&c->prog, c->opts->progress_ctx) && !c->stop)
        c->stop = 3;
    /* the time budgets (spec/POLISH.md "Budget") */
    if (!c->stop && c->time_max > 0 && pol_clock(CLOCK_MONOTONIC) - c->t0 > c->time_max)
        c->stop = 2;
    if (!c->stop && c->cpu_max > 0 &&
        pol_clock(CLOCK_PROCESS_CPUTIME_ID) - c->c0 > c->cpu_max)
        c->stop = 4;
}

/* ---- the context ---- */

void pol_ctx_free(pol_ctx *c)
{
    /* the three per-neuron arrays are allocated one after the other (zeroed):
     * any of them may be missing when an allocation failed */
    for (size_t j = 0; j < c->k; j++) {
        if (c->Lk)
            nrc_free(c->Lk[j]);
        if (c->Vt)
            nrc_free(c->Vt[j]);
        if (c->kp)
            nrc_free(c->kp[j]);
    }
    nrc_free(c->K); nrc_free(c->xn); nrc_free(c->sig); nrc_free(c->s);
    nrc_free(c->ps); nrc_free(c->lam); nrc_free(c->kv); nrc_free(c->fv);
    nrc_free(c->fpos); nrc_free(c->z); nrc_free(c->zs); nrc_free(c->blocked);
    nrc_free(c->km); nrc_free(c->kc); nrc_free(c->kp); nrc_free(c->Lk); nrc_free(c->Vt);
    nrc_free(c->kdirty); nrc_free(c->kver); nrc_free(c->kpos); nrc_free(c->slist);
    nrc_free(c->spos); nrc_free(c->LS); nrc_free(c->LS2); nrc_free(c->h); nrc_free(c->h2);
    nrc_free(c->sv); nrc_free(c->lv); nrc_free(c->TST); nrc_free(c->live);
    nrc_free(c->Cl); nrc_free(c->cl); nrc_free(c->q); nrc_free(c->B); nrc_free(c->T);
}

int pol_ctx_alloc(pol_ctx *c)
{
    size_t n = c->n, k = c->k, nk = n * k, t;
    size_t kc = nk < NRC_POLISH_KINK_CAP ? nk : NRC_POLISH_KINK_CAP;
    if ((double)kc > NRC_POLISH_KINK_MEM / (double)n)
        kc = (size_t)(NRC_POLISH_KINK_MEM / (double)n);
    c->kink_cap = kc;
    c->cap_max = n + kc;
    c->K = nrc_malloc_array(n * n, sizeof(double));
    c->xn = nrc_malloc_array(n, sizeof(double));
    c->sig = nrc_malloc_array(k, sizeof(double));
    c->s = nrc_malloc_array(k, sizeof(double));
    c->ps = nrc_calloc(nk, 1);
    c->lam = nrc_calloc(n, sizeof(double));
    c->kv = nrc_calloc(nk, sizeof(double));
    c->fv = nrc_malloc_array(c->cap_max, sizeof(size_t));
    c->fpos = nrc_malloc_array(n + nk, sizeof(int32_t));
    c->z = nrc_malloc_array(c->cap_max, sizeof(double));
    c->zs = nrc_malloc_array(c->cap_max, sizeof(double));
    c->blocked = nrc_calloc(n + nk, 1);
    c->km = nrc_calloc(k, sizeof(size_t));
    c->kc = nrc_calloc(k, sizeof(size_t));
    c->kp = nrc_calloc(k, sizeof(size_t *));
    c->Lk = nrc_calloc(k, sizeof(double *));
    c->Vt = nrc_calloc(k, sizeof(double *));
    c->kdirty = nrc_calloc(k, 1);
    c->kver = nrc_calloc(k, sizeof(uint32_t));
    c->kpos = nrc_malloc_array(nk, sizeof(int32_t));
    c->slist = nrc_malloc_array(n, sizeof(size_t));
    c->spos = nrc_malloc_array(n, sizeof(int32_t));
    c->LS = nrc_malloc_array(n * n, sizeof(double));
    c->LS2 = nrc_malloc_array(n * n, sizeof(double));
    c->h = nrc_malloc_array(n + 1, sizeof(double));
    c->h2 = nrc_malloc_array(n + 1, sizeof(double));
    c->sv = nrc_malloc_array(n + 1, sizeof(double));
    c->lv = nrc_malloc_array(n + 1, sizeof(double));
    c->TST = nrc_malloc_array(n * n, sizeof(double));
    c->live = nrc_malloc_array(k, sizeof(size_t));
    c->Cl = nrc_malloc_array(nk, sizeof(double));
    c->cl = nrc_malloc_array(nk, sizeof(double));
    c->T = nrc_malloc_array(nk, sizeof(double));
    c->q = nrc_malloc_array(n, sizeof(double));
    c->B = nrc_calloc(k, sizeof(double));
    if (c->fpos)
        for (t = 0; t < n + nk; t++)
            c->fpos[t] = -1;
    if (c->kpos)
        for (t = 0; t < nk; t++)
            c->kpos[t] = -1;
    if (c->spos)
        for (t = 0; t < n; t++)
            c->spos[t] = -1;
    return c->K && c->xn && c->sig && c->s && c->ps && c->lam && c->kv && c->fv &&
           c->fpos && c->z && c->zs && c->blocked && c->km && c->kc && c->kp && c->Lk &&
           c->Vt && c->kdirty && c->kver && c->kpos && c->slist && c->spos && c->LS &&
           c->LS2 && c->h && c->h2 && c->sv && c->lv && c->TST && c->live && c->Cl &&
           c->cl && c->T && c->q && c->B;
}

/* K = X X^T + [bias], the norms ||x~_i|| and the GD pre-activations A. */
static void pol_setup_kernel(pol_ctx *c, const double *W, const double *b, const double *v,
                             double *A, double *Rb, double *Nb, double *q)
{
    size_t n = c->n, d = c->d, k = c->k, i, l;
    nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, n, n, d, 1.0, c->X, d, c->X, d, 0.0, c->K, n);
    for (i = 0; i < n; i++) {
        for (l = 0; l < n; l++)
            c->K[i * n + l] += c->bias ? 1.0 : 0.0;
        c->xn[i] = sqrt(c->K[i * n + i]);
    }
    nrc_train_forward_d(n, d, k, c->X, c->y, W, b, v, A, Rb, Nb, q);
    (void)pol_spend(c, 2.0 * (double)n * (double)d * (double)(n + k));
}

/* The start: s = v^2 / q_min (v^2 with the second layer fixed: (W, b) /
 * q_min has min margin 1), the signs of v and the GD pattern. */
static void pol_setup_start(pol_ctx *c, const double *v, double q_min, const double *A)
{
    size_t j, i;
    for (j = 0; j < c->k; j++) {
        c->sig[j] = v[j] < 0 ? -1.0 : 1.0;
        c->s[j] = c->full ? v[j] * v[j] / q_min : v[j] * v[j];
    }
    for (i = 0; i < c->n * c->k; i++)
        c->ps[i] = A[i] > 0 ? PS_ON : PS_OFF;
}

/* Own-class pairs whose pre-activation disagrees with the pattern switch
 * (spec/POLISH.md "Rounds").  Returns how many. */
static uint64_t pol_own_flips(pol_ctx *c)
{
    size_t n = c->n, k = c->k, nl = c->nl, i, a;
    uint64_t flips = 0;
    for (i = 0; i < n; i++)
        for (a = 0; a < nl; a++) {
            size_t j = c->live[a];
            double sa = c->sig[j] * c->cl[i * nl + a];
            double tol = 1e-13 * sqrt(c->B[j]) * c->xn[i];
            unsigned char st = c->ps[i * k + j];
            if (!(c->y[i] * c->sig[j] > 0))
                continue;
            if (st == PS_ON && sa < -tol) {
                pol_state_set(c, i, j, PS_OFF);
                flips++;
            } else if (st == PS_OFF && sa > tol) {
                pol_state_set(c, i, j, PS_ON);
                flips++;
            }
        }
    return flips;
}

/* stopped_by for a return value 2, 3 or 4 of pol_newton_run */
static const char *pol_stop_name(const pol_ctx *c, int r)
{
    if (r == 3)
        return "newton-cap";
    if (r == 4)
        return "kink-cap";
    return c->stop == 1 ? "work-budget" : c->stop == 2 ? "clock-budget"
         : c->stop == 3 ? "interrupted" : c->stop == 4 ? "cpu-budget" : "qp-cap";
}

/* How a phase ended (r from pol_newton_run): 1 go on, 0 stop here (res or
 * *infeasible says why), -1 memory. */
static int pol_phase_end(const pol_ctx *c, int r, int first, nrc_polish_result *res,
                         int *infeasible)
{
    if (r < 0)
        return -1;
    if (r == 0) {
        *infeasible = first;
        return 0;
    }
    if (r >= 2) {
        snprintf(res->stopped_by, sizeof res->stopped_by, "%s", pol_stop_name(c, r));
        return 0;
    }
    return 1;
}

/* The relaxed phase (optional) and the rounds.  Returns NRC_OK or
 * NRC_ERR_SYSTEM; *infeasible when the start has no feasible point,
 * *settled when the own-class pattern stopped changing. */
static nrc_status pol_solve(pol_ctx *c, const nrc_polish_opts *o, nrc_polish_result *res,
                            int *infeasible, int *settled)
{
    int e;
    *infeasible = *settled = 0;
    if (c->relaxed) {
        c->prog.round = 0;
        e = pol_phase_end(c, pol_newton_run(c), 1, res, infeasible);
        c->relaxed = 0;
        if (e <= 0)
            return e < 0 ? NRC_ERR_SYSTEM : NRC_OK;
    }
    for (int round = 1; round <= o->max_rounds; round++) {
        uint64_t flips;
        res->rounds = (uint64_t)round;
        c->prog.round = round;
        e = pol_phase_end(c, pol_newton_run(c), round == 1, res, infeasible);
        if (e <= 0)
            return e < 0 ? NRC_ERR_SYSTEM : NRC_OK;
        flips = pol_own_flips(c);
        if (flips == 0) {
            *settled = 1;
            return NRC_OK;
        }
        res->pattern_changes += flips;
    }
    snprintf(res->stopped_by, sizeof res->stopped_by, "round-cap");
    return NRC_OK;
}

/* W' = M^T X, b'_j = sum_i M_ij with M_ij = C_ij v'_j, and v'_j = sigma_j
 * sqrt(s_j) (v unchanged with the second layer fixed). */
static void pol_materialize(pol_ctx *c, const double *v0, double *Wp, double *bp,
                            double *vp, double *M)
{
    size_t n = c->n, k = c->k, i, j;
    for (j = 0; j < k; j++)
        vp[j] = c->full ? c->sig[j] * sqrt(c->s[j]) : v0[j];
    for (i = 0; i < n; i++)
        for (j = 0; j < k; j++)
            M[i * k + j] = c->s[j] > 0 ? pol_pair_coef(c, i, j) * vp[j] : 0.0;
    nrc_dgemm(NRC_BLAS_T, NRC_BLAS_N, k, c->d, n, 1.0, M, k, c->X, c->d, 0.0, Wp, c->d);
    if (bp)
        for (j = 0; j < k; j++) {
            double a = 0.0;
            for (i = 0; i < n; i++)
                a += M[i * k + j];
            bp[j] = a;
        }
}

/* The Clarke subgradients: g_ij = C_ij / (y_i lambda_i) at kinks, 1[a_ij >
 * 0] elsewhere; returns the number of kinks with g in (0, 1). */
static size_t pol_clarke_g(const pol_ctx *c, const double *A, double *gk)
{
    size_t n = c->n, k = c->k, i, nk = 0;
    for (i = 0; i < n * k; i++) {
        unsigned char st = c->ps[i];
        double lam = c->lam[i / k], g;
        gk[i] = A[i] > 0;
        if ((st != PS_KNU && st != PS_KRHO) || !(lam > 0) || !(c->s[i % k] > 0))
            continue;
        g = st == PS_KNU ? c->kv[i] / lam : (lam - c->kv[i]) / lam;
        g = g < 0 ? 0.0 : g > 1 ? 1.0 : g;
        gk[i] = g;
        nk += g > 0 && g < 1;
    }
    return nk;
}

/* certify's default reading (spec/CERTIFY.md, --kink-tol 2^-40, step
 * "kkt"): pairs with |a_ij| <= 2^-40 ||(w_j, b_j)|| ||(x_i, [1])|| are
 * near-kinks with a free g (certify's NNLS chooses it; the polish's Clarke
 * g stands in), every other pair g = 1[a_ij > 0] -- unless the near-kinks
 * and the exact zeros of live neurons exceed certify's 4096 NNLS unknowns:
 * then no near-kink is listed, and beyond 4096 exact zeros those keep g =
 * 0.  Returns the number of pairs read with a free g. */
static size_t pol_certify_g(const pol_ctx *c, const double *A, const double *Wp,
                            const double *bp, const double *gk, double *M)
{
    size_t n = c->n, d = c->d, k = c->k, i, j, near = 0, zl = 0, nc = 0;
    int list_near, list_zero;
    for (j = 0; j < k; j++) {
        double wn = bp ? bp[j] * bp[j] : 0.0;
        for (size_t t = 0; t < d; t++)
            wn += Wp[j * d + t] * Wp[j * d + t];
        for (i = 0; i < n; i++) {
            double a = A[i * k + j];
            /* M holds the class of each pair for the pass below: 2 a
             * near-kink candidate, 1 an exact zero of a live neuron */
            M[i * k + j] = a == 0 ? (wn > 0 ? 1.0 : 0.0)
                         : fabs(a) <= NRC_POLISH_KINK_TOL * sqrt(wn) * c->xn[i] ? 2.0 : 0.0;
            zl += M[i * k + j] == 1.0;
            nc += M[i * k + j] == 2.0;
        }
    }
    list_near = nc > 0 && zl + nc <= NRC_POLISH_CERTIFY_KINKS;
    list_zero = zl <= NRC_POLISH_CERTIFY_KINKS;
    for (i = 0; i < n * k; i++) {
        double cls = M[i];
        if ((cls == 2.0 && list_near) || (cls == 1.0 && list_zero) || A[i] == 0) {
            M[i] = cls == 1.0 && !list_zero ? 0.0 : gk[i];
            near += cls != 0.0 || A[i] == 0;
        } else {
            M[i] = A[i] > 0;
        }
    }
    return near;
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

/* outcome and reason from how the solve ended and what was measured */
static void pol_outcome(const pol_ctx *c, const nrc_polish_opts *o, int infeasible,
                        int settled, nrc_polish_result *res)
{
    if (infeasible) {
        res->outcome = NRC_POLISH_DEGENERATE;
        snprintf(res->reason, sizeof res->reason,
                 "the GD pattern leaves a point without a live neuron of its class");
    } else if (res->clarke.eps_rel <= o->tol && res->clarke.delta <= o->tol) {
        res->outcome = NRC_POLISH_CONVERGED;
        snprintf(res->reason, sizeof res->reason,
                 "KKT to eps_rel %.3g with %zu kinks (g in (0,1)); as certify reads it by "
                 "default (free g at %zu near-kinks), eps_rel %.3g",
                 res->clarke.eps_rel, res->kinks, res->near_kinks, res->after.eps_rel);
    } else if (strcmp(res->stopped_by, "kink-cap") == 0) {
        res->outcome = NRC_POLISH_NOT_CONVERGED;
        snprintf(res->reason, sizeof res->reason,
                 "stopped after %" PRIu64 " rounds and %" PRIu64 " Newton steps: the KKT "
                 "point near this network needs more than %zu kinks (certify lists at most "
                 "%d near-kinks); eps_rel %.3g",
                 res->rounds, res->newton_steps, c->kink_cap, NRC_POLISH_CERTIFY_KINKS,
                 res->clarke.eps_rel);
    } else if (res->stopped_by[0]) {
        res->outcome = NRC_POLISH_NOT_CONVERGED;
        snprintf(res->reason, sizeof res->reason,
                 "stopped by the %s after %" PRIu64 " rounds and %" PRIu64
                 " Newton steps (work %.3g of %.3g): eps_rel %.3g, delta %.3g above %.3g",
                 strcmp(res->stopped_by, "work-budget") == 0 ? "work budget"
                 : strcmp(res->stopped_by, "clock-budget") == 0 ? "wall-clock budget"
                 : strcmp(res->stopped_by, "cpu-budget") == 0 ? "CPU budget"
                 : strcmp(res->stopped_by, "interrupted") == 0 ? "caller (interrupted)"
                 : strcmp(res->stopped_by, "newton-cap") == 0 ? "Newton step cap"
                 : strcmp(res->stopped_by, "qp-cap") == 0 ? "QP iteration cap"
                 : "round cap",
                 res->rounds, res->newton_steps, c->work, c->work_max, res->clarke.eps_rel,
                 res->clarke.delta, o->tol);
    } else {
        res->outcome = NRC_POLISH_NOT_CONVERGED;
        snprintf(res->reason, sizeof res->reason,
                 "stalled%s after %" PRIu64 " Newton steps: eps_rel %.3g, delta %.3g above %.3g",
                 settled ? "" : " (pattern not settled)", res->newton_steps,
                 res->clarke.eps_rel, res->clarke.delta, o->tol);
        snprintf(res->stopped_by, sizeof res->stopped_by, "stall");
    }
}

static void pol_count_live(size_t d, size_t k, int full, const double *Wp, const double *vp,
                           nrc_polish_result *res)
{
    for (size_t j = 0; j < k; j++) {
        int live = full ? vp[j] != 0 : 0;
        if (!full)
            for (size_t t = 0; t < d && !live; t++)
                live = Wp[j * d + t] != 0;
        if (live)
            res->live++;
        else
            res->dead++;
    }
}

/* The network certify will see as better replaces the GD one (spec/POLISH.md
 * "Adoption"). */
static void pol_adopt(const nrc_polish_opts *o, size_t d, size_t k, double *W, double *b,
                      double *v, const double *Wp, const double *bp, const double *vp,
                      nrc_polish_result *res)
{
    if (!(res->after.q_min > 0))
        return;
    if (!o->always_adopt &&
        !(res->after.eps_rel < res->before.eps_rel &&
          res->after.norm_margin >= res->before.norm_margin * (1.0 - 1e-12)))
        return;
    memcpy(W, Wp, k * d * sizeof(double));
    if (b)
        memcpy(b, bp, k * sizeof(double));
    memcpy(v, vp, k * sizeof(double));
    res->adopted = 1;
}

/* Work buffers of one run besides the context. */
typedef struct {
    double *Wp, *bp, *vp, *A, *Rb, *M, *Nb, *q, *gk;
} pol_bufs;

static void pol_bufs_free(pol_bufs *w)
{
    nrc_free(w->Wp); nrc_free(w->bp); nrc_free(w->vp); nrc_free(w->A); nrc_free(w->Rb);
    nrc_free(w->M); nrc_free(w->Nb); nrc_free(w->q); nrc_free(w->gk);
}

static int pol_bufs_alloc(pol_bufs *w, size_t n, size_t d, size_t k, int bias)
{
    memset(w, 0, sizeof *w);
    w->Wp = nrc_malloc_array(k * d, sizeof(double));
    w->bp = bias ? nrc_malloc_array(k, sizeof(double)) : NULL;
    w->vp = nrc_malloc_array(k, sizeof(double));
    w->A = nrc_malloc_array(n * k, sizeof(double));
    w->Rb = nrc_malloc_array(n * k, sizeof(double));
    w->M = nrc_malloc_array(n * k, sizeof(double));
    w->Nb = nrc_malloc_array(n, sizeof(double));
    w->q = nrc_malloc_array(n, sizeof(double));
    w->gk = nrc_malloc_array(n * k, sizeof(double));
    return w->Wp && (!bias || w->bp) && w->vp && w->A && w->Rb && w->M && w->Nb && w->q &&
           w->gk;
}

/* Nothing to polish (sizes or fit): the reason, outcome skipped. */
static int pol_skip(size_t n, size_t k, nrc_polish_result *res)
{
    if (n > NRC_POLISH_N_MAX || k > NRC_POLISH_K_MAX) {
        /* the dense n x n duals and the k x k Newton system would not fit
         * the memory and time of one training run */
        res->outcome = NRC_POLISH_SKIPPED;
        snprintf(res->reason, sizeof res->reason,
                 "n = %zu or k = %zu above the polish limits (n <= %d, k <= %d)", n, k,
                 NRC_POLISH_N_MAX, NRC_POLISH_K_MAX);
        return 1;
    }
    if (!(res->before.q_min > 0)) {
        res->outcome = NRC_POLISH_SKIPPED;
        snprintf(res->reason, sizeof res->reason,
                 "the network does not fit the data (min margin %.3g)", res->before.q_min);
        return 1;
    }
    return 0;
}

/* Materializes the polished network and measures it both ways. */
static nrc_status pol_finish(pol_ctx *c, const nrc_polish_opts *o, const double *v,
                             pol_bufs *w, nrc_polish_result *res, nrc_error *err)
{
    size_t n = c->n, d = c->d, k = c->k;
    nrc_status st;
    c->prog.stage = "measure";
    pol_materialize(c, v, w->Wp, w->bp, w->vp, w->M);
    nrc_train_forward_d(n, d, k, c->X, c->y, w->Wp, w->bp, w->vp, w->A, w->Rb, w->Nb, w->q);
    res->kinks = pol_clarke_g(c, w->A, w->gk);
    res->near_kinks = pol_certify_g(c, w->A, w->Wp, w->bp, w->gk, w->M);
    st = pol_measure(n, d, k, o->fix_v, c->X, c->y, w->Wp, w->bp, w->vp, w->M, c->K, w->A,
                     &res->after, NULL, err);
    /* the two readings differ only where a kink's |a_ij| is above the
     * near-kink tolerance (rare) */
    if (st == NRC_OK && memcmp(w->M, w->gk, n * k * sizeof(double)) == 0)
        res->clarke = res->after;
    else if (st == NRC_OK)
        st = pol_measure(n, d, k, o->fix_v, c->X, c->y, w->Wp, w->bp, w->vp, w->gk, c->K,
                         w->A, &res->clarke, NULL, err);
    return st;
}

static void pol_stats(const pol_ctx *c, nrc_polish_result *res)
{
    res->newton_steps = c->newton_steps;
    res->evals = c->evals;
    res->qp_iterations = c->qp_iters;
    res->factorizations = c->factorizations;
    res->max_qp_size = c->max_face;
    res->work = c->work;
    res->work_max = c->work_max;
}

/* The context for one run: sizes, data, options and the budgets' clocks. */
static void pol_ctx_init(pol_ctx *c, const nrc_polish_opts *o, size_t n, size_t d,
                         size_t k, const double *X, const double *y, int bias,
                         nrc_error *err)
{
    memset(c, 0, sizeof *c);
    c->n = n; c->d = d; c->k = k;
    c->full = !o->fix_v;
    c->bias = bias;
    c->X = X; c->y = y;
    c->err = err;
    c->opts = o;
    c->work_max = o->work_max;
    c->time_max = o->time_max;
    c->cpu_max = o->cpu_max;
    c->t0 = pol_clock(CLOCK_MONOTONIC);
    c->c0 = pol_clock(CLOCK_PROCESS_CPUTIME_ID);
    c->relaxed = o->relaxed_start != 0;
}

/* Sizes above the limits: the GD network is measured, nothing else. */
static nrc_status pol_run_too_large(const nrc_polish_opts *o, size_t n, size_t d, size_t k,
                                    const double *X, const double *y, const double *W,
                                    const double *b, const double *v,
                                    nrc_polish_result *res, nrc_error *err)
{
    nrc_status st = nrc_polish_measure_d(n, d, k, o->fix_v, X, y, W, b, v, NULL,
                                         &res->before, NULL, err);
    res->after = res->clarke = res->before;
    if (st == NRC_OK)
        (void)pol_skip(n, k, res);
    return st;
}

/* After the solve: measure, decide, and write the polished network over
 * the GD one if it is adopted. */
static nrc_status pol_conclude(pol_ctx *c, const nrc_polish_opts *o, int settled,
                               double *W, double *b, double *v, pol_bufs *w,
                               nrc_polish_result *res, nrc_error *err)
{
    size_t d = c->d, k = c->k;
    nrc_status st = pol_finish(c, o, v, w, res, err);
    if (st != NRC_OK)
        return st;
    pol_outcome(c, o, 0, settled, res);
    res->direction_move = pol_direction_move(d, k, c->full, W, b, v, w->Wp, w->bp, w->vp);
    pol_count_live(d, k, c->full, w->Wp, w->vp, res);
    pol_adopt(o, d, k, W, b, v, w->Wp, w->bp, w->vp, res);
    return NRC_OK;
}

nrc_status nrc_polish_run_d(const nrc_polish_opts *o, size_t n, size_t d,
                            size_t k, const double *X, const double *y,
                            double *W, double *b, double *v,
                            nrc_polish_result *res, nrc_error *err)
{
    pol_ctx c;
    pol_bufs w;
    int infeasible = 0, settled = 0;
    nrc_status st = NRC_OK;

    memset(res, 0, sizeof *res);
    memset(&w, 0, sizeof w);
    if (n == 0 || d == 0 || k == 0 || n > SIZE_MAX / (n > k ? n : k) || k > SIZE_MAX / d)
        return nrc_error_set(err, NRC_ERR_USAGE, "polish: bad sizes n=%zu d=%zu k=%zu",
                             n, d, k);
    /* LAPACK below runs in this thread: make sure OpenBLAS is pinned to one
     * thread (nrc_blas does it once), so results never depend on threads */
    nrc_blas_set_threads(nrc_blas_threads());
    if (n > NRC_POLISH_N_MAX || k > NRC_POLISH_K_MAX)
        return pol_run_too_large(o, n, d, k, X, y, W, b, v, res, err);
    pol_ctx_init(&c, o, n, d, k, X, y, b != NULL, err);
    if (!pol_ctx_alloc(&c) || !pol_bufs_alloc(&w, n, d, k, b != NULL)) {
        st = nrc_error_set(err, NRC_ERR_SYSTEM,
                           "out of memory for the polish (n=%zu, d=%zu, k=%zu)", n, d, k);
        goto done;
    }
    pol_setup_kernel(&c, W, b, v, w.A, w.Rb, w.Nb, w.q);
    st = pol_measure(n, d, k, o->fix_v, X, y, W, b, v, NULL, c.K, w.A, &res->before, NULL, err);
    if (st != NRC_OK)
        goto done;
    res->after = res->clarke = res->before;
    if (pol_skip(n, k, res))
        goto done;
    pol_setup_start(&c, v, res->before.q_min, w.A);
    st = pol_solve(&c, o, res, &infeasible, &settled);
    if (st != NRC_OK)
        goto done;
    pol_stats(&c, res);
    if (infeasible)
        pol_outcome(&c, o, 1, 0, res);
    else
        st = pol_conclude(&c, o, settled, W, b, v, &w, res, err);
done:
    pol_ctx_free(&c);
    pol_bufs_free(&w);
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
    char before[512], after[512], clarke[512], mv[32], wk[32], wm[32];
    int len;
    size_t i;
    if (!pol_json_kkt(before, sizeof before, &res->before) ||
        !pol_json_kkt(after, sizeof after, &res->after) ||
        !pol_json_kkt(clarke, sizeof clarke, &res->clarke))
        return 0;
    pol_json_num(mv, sizeof mv, res->direction_move);
    pol_json_num(wk, sizeof wk, res->work);
    pol_json_num(wm, sizeof wm, res->work_max);
    len = snprintf(buf, cap,
                   "{\"outcome\":\"%s\",\"reason\":\"%s\",\"adopted\":%s,"
                   "\"rounds\":%" PRIu64 ",\"newton_steps\":%" PRIu64
                   ",\"pattern_changes\":%" PRIu64 ",\"kinks\":%zu,\"live_neurons\":%zu,"
                   "\"dead_neurons\":%zu,\"direction_move\":%s,"
                   "\"cost\":{\"qp_solves\":%" PRIu64 ",\"qp_iterations\":%" PRIu64
                   ",\"factorizations\":%" PRIu64 ",\"max_qp_size\":%zu,\"work\":%s,"
                   "\"work_budget\":%s,\"stopped_by\":\"%s\"},"
                   "\"gd\":%s,\"polished\":%s,\"polished_clarke\":%s}",
                   nrc_polish_outcome_name(res->outcome), res->reason,
                   res->adopted ? "true" : "false", res->rounds, res->newton_steps,
                   res->pattern_changes, res->kinks, res->live, res->dead, mv,
                   res->evals, res->qp_iterations, res->factorizations, res->max_qp_size,
                   wk, wm, res->stopped_by, before, after, clarke);
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
