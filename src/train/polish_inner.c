/* The polish's inner QP at fixed s (include/train/nrc_polish_impl.h,
 * spec/POLISH.md "The inner QP").  Search level: untrusted binary64.
 *
 *   Q(s) = max 1^T lambda - 1/2 sum_j s_j ||u_j||^2
 *   over lambda >= 0 and 0 <= nu_ij <= lambda_i (opposite-class pairs),
 *
 * is the dual of min 1/2 ||(W, b)||^2 subject to q_i >= 1 at v_j = sigma_j
 * sqrt(s_j), with the own-class ReLUs linearized by the pattern and the
 * opposite-class ReLUs exact (y_i v_j relu(a_ij) is concave in (w_j, b_j)
 * there, so the problem is convex): the optimum decides by itself whether
 * each opposite pair is off, on or at a kink (a_ij = 0, Clarke g_ij =
 * nu_ij / lambda_i in [0, 1]).
 *
 * Method: a primal-feasible active-set method on the dual (Lawson and
 * Hanson's NNLS, Solving Least Squares Problems, 1974, ch. 23, generalized
 * to the bounds nu_ij <= lambda_i): from a feasible point, solve for the
 * optimum of the current face (face factor, polish_face.c), move towards it
 * until a variable reaches a bound (it leaves the face), and when the face
 * optimum is feasible free every variable whose gradient points into the
 * feasible set ("pricing", one GEMM K C).  Q increases at every step, so it
 * cannot cycle except on ties, which "blocked" marks break.  Each face change
 * costs O(p^2) on the kept factor; pricing O(n^2 nl). */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_polish_impl.h"

#define TOL_REL 1e-13
#define BLOCKED 1   /* refused for this solve (dependent, or noise) */
#define FRESH 2     /* entered since the last step that made progress */
#define DEFER 4     /* left a batch at once: not again until the next pricing */
#define ALONE 8     /* entered alone (with FRESH) */

static int pair_own(const pol_ctx *c, size_t i, size_t j)
{
    return c->y[i] * c->sig[j] > 0;
}

/* the QP decides the state of this pair */
static int pair_free(const pol_ctx *c, size_t i, size_t j)
{
    return !c->relaxed && !pair_own(c, i, j);
}

static int is_kink(unsigned char st)
{
    return st == PS_KNU || st == PS_KRHO;
}

double pol_pair_coef(const pol_ctx *c, size_t i, size_t j)
{
    size_t q = i * c->k + j;
    double yl = c->y[i] * c->lam[i];
    switch (c->ps[q]) {
    case PS_ON: return yl;
    case PS_KNU: return c->y[i] * c->kv[q];
    case PS_KRHO: return yl - c->y[i] * c->kv[q];
    default: return 0.0;
    }
}

void pol_products(pol_ctx *c)
{
    size_t n = c->n, nl = c->nl, i, a;
    for (i = 0; i < n; i++)
        for (a = 0; a < nl; a++)
            c->Cl[i * nl + a] = pol_pair_coef(c, i, c->live[a]);
    if (nl > 0)
        nrc_dgemm(NRC_BLAS_N, NRC_BLAS_N, n, nl, n, 1.0, c->K, n, c->Cl, nl, 0.0, c->cl, nl);
    for (a = 0; a < c->k; a++)
        c->B[a] = 0.0;
    for (i = 0; i < n; i++) {
        double qi = 0.0;
        for (a = 0; a < nl; a++) {
            size_t j = c->live[a];
            c->B[j] += c->Cl[i * nl + a] * c->cl[i * nl + a];
            if (pol_tied(c, i, j))
                qi += c->s[j] * c->cl[i * nl + a];
        }
        c->q[i] = c->y[i] * qi;
    }
    (void)pol_spend(c, 2.0 * (double)n * (double)n * (double)nl + 8.0 * (double)n * (double)nl);
}

double pol_psi(const pol_ctx *c)
{
    double sl = 0.0, sb = 0.0, ss = 0.0;
    for (size_t i = 0; i < c->n; i++)
        sl += c->lam[i];
    for (size_t a = 0; a < c->nl; a++) {
        size_t j = c->live[a];
        sb += c->s[j] * c->B[j];
        ss += c->s[j];
    }
    return sl - 0.5 * sb + (c->full ? 0.5 * ss : 0.0);
}

void pol_live_update(pol_ctx *c)
{
    size_t j, r;
    c->nl = 0;
    for (j = 0; j < c->k; j++)
        if (c->s[j] > 0)
            c->live[c->nl++] = j;
    for (r = c->p; r-- > 0;) {
        size_t f = c->fv[r];
        if (f >= c->n && !(c->s[(f - c->n) % c->k] > 0))
            pol_face_forget(c, r);
    }
}

/* Every point needs a live tied own-class neuron: otherwise q_i <= 0 for
 * every W and Q(s) = +infinity. */
static int inner_feasible(const pol_ctx *c)
{
    for (size_t i = 0; i < c->n; i++) {
        int ok = 0;
        for (size_t a = 0; a < c->nl && !ok; a++) {
            size_t j = c->live[a];
            ok = pair_own(c, i, j) && pol_tied(c, i, j);
        }
        if (!ok)
            return 0;
    }
    return 1;
}

/* Writes face values into lam / kv. */
static void face_store(pol_ctx *c)
{
    for (size_t r = 0; r < c->p; r++) {
        size_t f = c->fv[r];
        if (f < c->n)
            c->lam[f] = c->z[r];
        else
            c->kv[f - c->n] = c->z[r];
    }
}

/* Moves z to z + alpha (zs - z), clamped to the feasible set. */
static void face_move(pol_ctx *c, double alpha)
{
    size_t r, n = c->n;
    for (r = 0; r < c->p; r++) {
        double v = alpha >= 1.0 ? c->zs[r] : c->z[r] + alpha * (c->zs[r] - c->z[r]);
        c->z[r] = v > 0 ? v : 0.0;
    }
    for (r = 0; r < c->p; r++)
        if (c->fv[r] >= n) {
            size_t i = (c->fv[r] - n) / c->k;
            double li = c->z[c->fpos[i]];
            if (c->z[r] > li)
                c->z[r] = li;
        }
    face_store(c);
}

/* The first bound met on the segment z -> zs: position *tb and *kind (0:
 * the variable reaches 0, 1: a kink reaches lambda_i); returns alpha, and
 * *hit = 0 when zs is feasible and no bound is met.  A kink whose target
 * lies within rounding (64 ulps of lambda_i) of a bound counts as meeting
 * it at alpha = 1: a degenerate kink (its constraint holds with zero
 * multiplier) then leaves as the pair it was, as Lawson and Hanson's
 * "z_i <= 0" test does, instead of lingering with a value of 1e-17. */
static double face_ratio(const pol_ctx *c, size_t *tb, int *kind, int *hit)
{
    double alpha = 1.0;
    size_t r, n = c->n;
    *hit = 0;
    for (r = 0; r < c->p; r++) {   /* targets below a bound: alpha < 1 */
        double z0 = c->z[r], z1 = c->zs[r];
        if (z1 < 0 && z0 / (z0 - z1) < alpha) {
            alpha = z0 / (z0 - z1);
            *tb = r;
            *kind = 0;
            *hit = 1;
        }
        if (c->fv[r] >= n) {
            size_t ri = (size_t)c->fpos[(c->fv[r] - n) / c->k];
            double g0 = c->z[ri] - z0, g1 = c->zs[ri] - z1;
            if (g1 < 0 && g0 / (g0 - g1) < alpha) {
                alpha = g0 / (g0 - g1);
                *tb = r;
                *kind = 1;
                *hit = 1;
            }
        }
    }
    if (*hit)
        return alpha < 0 ? 0.0 : alpha;
    for (r = 0; r < c->p; r++) {   /* degenerate kinks at the target */
        double tiny;
        size_t ri;
        if (c->fv[r] < n)
            continue;
        ri = (size_t)c->fpos[(c->fv[r] - n) / c->k];
        tiny = 64.0 * 0x1p-52 * c->zs[ri];
        if (c->zs[r] <= tiny || c->zs[ri] - c->zs[r] <= tiny) {
            *tb = r;
            *kind = c->zs[r] <= tiny ? 0 : 1;
            *hit = 1;
            return 1.0;
        }
    }
    return 1.0;
}

/* Applies the bound met at position tb.  Returns -1 on memory. */
static int face_block(pol_ctx *c, size_t tb, int kind)
{
    size_t n = c->n, k = c->k, f = c->fv[tb], j;
    if (f < n) {   /* lambda_i = 0: its kinks are 0 too and leave first */
        for (j = 0; j < k; j++) {
            size_t q = f * k + j;
            if (is_kink(c->ps[q])) {
                pol_face_delete(c, (size_t)c->fpos[n + q]);
                c->ps[q] = c->ps[q] == PS_KNU ? PS_OFF : PS_ON;
                c->kv[q] = 0.0;
            }
        }
        pol_face_delete(c, (size_t)c->fpos[f]);
        c->lam[f] = 0.0;
        return 0;
    }
    {
        size_t q = f - n, i = q / k;
        unsigned char st = c->ps[q];
        pol_face_delete(c, tb);
        c->kv[q] = 0.0;
        if (kind == 0) {   /* nu = 0: off; rho = 0: on (ties unchanged) */
            c->ps[q] = st == PS_KNU ? PS_OFF : PS_ON;
            return 0;
        }
        /* nu = lambda_i: on; rho = lambda_i: off.  lambda_i's column
         * changes: it leaves and re-enters with its value. */
        pol_state_set(c, i, q % k, st == PS_KNU ? PS_ON : PS_OFF);
        c->lam[i] = c->z[c->fpos[i]];
        pol_face_delete(c, (size_t)c->fpos[i]);
        {
            int rc = pol_face_append(c, i);
            if (rc < 0)
                return -1;
            if (rc == 0) {   /* dependent now (rare): lambda_i and its kinks to 0 */
                for (j = 0; j < k; j++) {
                    size_t q2 = i * k + j;
                    if (is_kink(c->ps[q2])) {
                        pol_face_delete(c, (size_t)c->fpos[n + q2]);
                        c->ps[q2] = c->ps[q2] == PS_KNU ? PS_OFF : PS_ON;
                        c->kv[q2] = 0.0;
                    }
                }
                c->lam[i] = 0.0;
            }
        }
    }
    return 0;
}

typedef struct {
    size_t code;
    double viol;
} cand_t;

/* Pricing: the variables at a bound whose gradient points into the
 * feasible set, in a fixed order.  Points outside the face first get the
 * opposite pairs of the sign of a_ij (their true margin then decides). */
static size_t inner_price(pol_ctx *c, cand_t *cand)
{
    size_t n = c->n, k = c->k, nl = c->nl, i, a, nc = 0;
    for (i = 0; i < n; i++) {
        if (c->fpos[i] < 0) {
            double qi = 0.0, sc = 0.0, g;
            if (c->blocked[i] & (BLOCKED | DEFER))
                continue;
            for (a = 0; a < nl; a++) {
                size_t j = c->live[a];
                double t;
                if (pair_free(c, i, j))
                    pol_state_set(c, i, j, c->sig[j] * c->cl[i * nl + a] > 0 ? PS_ON : PS_OFF);
                if (!pol_tied(c, i, j))
                    continue;
                t = c->s[j] * c->cl[i * nl + a];
                qi += t;
                sc += fabs(t);
            }
            c->q[i] = c->y[i] * qi;
            g = 1.0 - c->q[i];
            if (g > TOL_REL * (1.0 + sc))
                cand[nc++] = (cand_t){i, g};
            continue;
        }
        if (c->relaxed)
            continue;
        for (a = 0; a < nl; a++) {
            size_t j = c->live[a], qq = i * k + j;
            double gr, sc, v;
            unsigned char st = c->ps[qq];
            if (!pair_free(c, i, j) || is_kink(st) || (c->blocked[n + qq] & (BLOCKED | DEFER)))
                continue;
            gr = c->s[j] * c->y[i] * c->cl[i * nl + a];
            sc = c->s[j] * sqrt(c->B[j]) * c->xn[i];
            v = st == PS_OFF ? -gr : gr;
            if (v > TOL_REL * sc && sc > 0)
                cand[nc++] = (cand_t){n + qq, v / sc};
        }
    }
    (void)pol_spend(c, 6.0 * (double)n * (double)nl);
    return nc;
}

/* Puts variable f at its bound value 0 in the face's terms: a kink from
 * OFF carries nu = 0, one from ON rho = 0 (ties unchanged). */
static void cand_set(pol_ctx *c, size_t f)
{
    if (f >= c->n) {
        size_t q = f - c->n;
        c->ps[q] = c->ps[q] == PS_OFF ? PS_KNU : PS_KRHO;
        c->kv[q] = 0.0;
    } else {
        c->lam[f] = 0.0;
    }
}

static void cand_refuse(pol_ctx *c, size_t f)
{
    if (f >= c->n)
        c->ps[f - c->n] = c->ps[f - c->n] == PS_KNU ? PS_OFF : PS_ON;
    c->blocked[f] |= BLOCKED;
}

/* Enters candidates: one by one on the kept factor, or all at once with a
 * rebuild when they are many (cheaper than p appends).  Returns the number
 * entered, -1 on memory, -2 when the face would hold more than
 * NRC_POLISH_KINK_CAP kinks. */
static long inner_enter(pol_ctx *c, cand_t *cand, size_t nc, int single, size_t *fresh,
                        size_t *nfresh)
{
    size_t r, entered = 0, kinks = 0;
    int batch;
    for (r = 0; r < c->p; r++)
        kinks += c->fv[r] >= c->n;
    for (r = 0; r < nc; r++)
        kinks += cand[r].code >= c->n;
    if (kinks > c->kink_cap)
        return -2;   /* the optimum needs more kinks than the cap */
    if (single && nc > 1) {
        size_t best = 0;
        for (r = 1; r < nc; r++)
            if (cand[r].viol > cand[best].viol)
                best = r;
        cand[0] = cand[best];
        nc = 1;
    }
    batch = nc > c->p / 2 + 32;
    for (r = 0; r < nc; r++) {
        size_t f = cand[r].code;
        int rc;
        cand_set(c, f);
        if (batch) {
            rc = pol_face_list_add(c, f);
        } else {
            rc = pol_face_append(c, f);
            if (rc < 0)
                return -1;
        }
        if (rc == 0) {
            cand_refuse(c, f);
            continue;
        }
        c->blocked[f] |= nc == 1 ? FRESH | ALONE : FRESH;
        fresh[(*nfresh)++] = f;
        entered++;
    }
    if (batch && pol_face_rebuild(c) < 0)
        return -1;
    if (c->p > c->max_face)
        c->max_face = c->p;
    return (long)entered;
}

/* One step of iterative refinement on the final face: the multipliers'
 * residual 1 - q_i (the face gradient; the kinks are solved exactly from
 * the multipliers) corrects lambda through S, the kinks follow.  Kept only
 * if it stays feasible. */
static void inner_refine(pol_ctx *c)
{
    size_t r, n = c->n, k = c->k, a;
    double *x = c->sv;
    if (c->na == 0)
        return;
    for (a = 0; a < c->na; a++)
        x[a] = 1.0 - c->q[c->slist[a]];
    pol_face_s_solve(c, x);
    memcpy(c->lv, c->lam, n * sizeof(double));
    for (a = 0; a < c->na; a++)
        c->lv[c->slist[a]] += x[a];
    for (r = 0; r < c->p; r++)
        if (c->fv[r] < n)
            c->zs[r] = c->lv[c->fv[r]];
    pol_face_kinks(c, c->lv, c->zs);
    for (r = 0; r < c->p; r++) {
        size_t f = c->fv[r];
        if (!(c->zs[r] >= 0))
            return;
        if (f >= n && c->zs[r] > c->zs[c->fpos[(f - n) / k]])
            return;
    }
    memcpy(c->z, c->zs, c->p * sizeof(double));
    face_store(c);
    pol_products(c);
}

/* Bookkeeping of one solve: candidates, the variables entered since the
 * last progress (fresh), the marked ones (to clear at the end). */
typedef struct {
    cand_t *cand;
    size_t *fresh, *blist, nfresh, nb;
    int single, refreshes;
} inner_work;

static void inner_work_free(pol_ctx *c, inner_work *w)
{
    size_t r;
    if (w->blist)
        for (r = 0; r < w->nb; r++)
            c->blocked[w->blist[r]] = 0;
    if (w->fresh)
        for (r = 0; r < w->nfresh; r++)
            c->blocked[w->fresh[r]] = 0;
    nrc_free(w->cand);
    nrc_free(w->fresh);
    nrc_free(w->blist);
}

static int inner_work_alloc(pol_ctx *c, inner_work *w)
{
    size_t m = c->n + c->n * c->k;
    memset(w, 0, sizeof *w);
    w->cand = nrc_malloc_array(m, sizeof(cand_t));
    w->fresh = nrc_malloc_array(m, sizeof(size_t));
    w->blist = nrc_malloc_array(m, sizeof(size_t));
    if (!w->cand || !w->fresh || !w->blist) {
        nrc_error_set(c->err, NRC_ERR_SYSTEM, "out of memory for the polish's QP");
        return -1;
    }
    return 0;
}

static void inner_fresh_expire(pol_ctx *c, inner_work *w)
{
    for (size_t r = 0; r < w->nfresh; r++)
        c->blocked[w->fresh[r]] &= (unsigned char)~(FRESH | ALONE);
    w->nfresh = 0;
}

/* The segment to the face optimum met a bound at alpha < 1: move there and
 * let the variable go.  A variable that goes straight back after entering:
 * from a batch, the batch conflicts (defer it to the next pricing and enter
 * one at a time from now on: Lawson and Hanson's rule, under which the
 * entering variable moves); alone, its gradient was rounding noise (block
 * it for this solve).  -1 on memory. */
static int inner_block_step(pol_ctx *c, inner_work *w, double alpha, size_t tb, int kind)
{
    size_t f = c->fv[tb];
    face_move(c, alpha);
    if (alpha > 0 && alpha < 1.0) {
        inner_fresh_expire(c, w);
    } else if (c->blocked[f] & FRESH) {   /* at once, or degenerate at the target */
        c->blocked[f] |= (c->blocked[f] & ALONE) ? BLOCKED : DEFER;
        w->blist[w->nb++] = f;
        w->single = 1;
    }
    return face_block(c, tb, kind);
}

/* At the face optimum: price and enter.  Returns 1 continue, 0 optimal
 * (or nothing more can enter), 4 kink cap, -1 memory. */
static int inner_price_step(pol_ctx *c, inner_work *w)
{
    size_t nc, r;
    long e;
    face_move(c, 1.0);
    inner_fresh_expire(c, w);
    pol_products(c);
    for (r = 0; r < w->nb; r++)
        c->blocked[w->blist[r]] &= (unsigned char)~DEFER;
    nc = inner_price(c, w->cand);
    if (nc == 0) {
        if (c->dirty && w->refreshes < 2) {
            /* the kept factor drifted: once more on a fresh one */
            w->refreshes++;
            return pol_face_rebuild(c) < 0 ? -1 : 1;
        }
        inner_refine(c);
        return 0;
    }
    e = inner_enter(c, w->cand, nc, w->single, w->fresh, &w->nfresh);
    if (e == -2)
        return 4;
    if (e < 0)
        return -1;
    for (r = 0; r < nc; r++)
        if (c->blocked[w->cand[r].code] & BLOCKED)
            w->blist[w->nb++] = w->cand[r].code;
    return e > 0;   /* every candidate refused: as good as it gets */
}

/* A blocked multiplier with a clear violation: the dual is unbounded along
 * a dependent direction (the primal is infeasible). */
static int inner_unbounded(const pol_ctx *c, const inner_work *w)
{
    for (size_t r = 0; r < w->nb; r++) {
        size_t f = w->blist[r];
        if (f < c->n && (c->blocked[f] & BLOCKED) && c->fpos[f] < 0 && 1.0 - c->q[f] > 1e-9)
            return 1;
    }
    return 0;
}

int pol_inner_solve(pol_ctx *c)
{
    size_t maxit = 4 * c->cap_max + 1000, it;
    inner_work w;
    int rc = 1;

    c->evals++;
    pol_live_update(c);
    if (!inner_feasible(c))
        return 0;
    if (inner_work_alloc(c, &w) < 0) {
        inner_work_free(c, &w);
        return -1;
    }
    pol_tst_build(c);
    if (pol_face_rebuild(c) < 0)
        rc = -1;
    for (it = 0; it < maxit && rc == 1; it++) {
        size_t tb = 0;
        int kind = 0, r, hit;
        double alpha;
        c->qp_iters++;
        pol_report(c, c->relaxed ? "relaxed" : "newton");
        if (pol_spend(c, 0.0)) {
            rc = 2;
            break;
        }
        pol_face_solve(c, c->zs);
        alpha = face_ratio(c, &tb, &kind, &hit);
        if (hit) {
            if (inner_block_step(c, &w, alpha, tb, kind) < 0)
                rc = -1;
            continue;
        }
        r = inner_price_step(c, &w);
        if (r != 1) {
            rc = r == 0 ? 1 : r;
            break;
        }
    }
    if (it == maxit && rc == 1)
        rc = 2;   /* the iteration cap (spec/POLISH.md "Budget") */
    if (rc == 1 && inner_unbounded(c, &w))
        rc = 0;
    inner_work_free(c, &w);
    return rc;
}
