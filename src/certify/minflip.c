/* One point of `certify --min-flip` (spec/MINFLIP.md 5): the untrusted
 * search (minflip_upper.c, minflip_bnb.c), then the rigorous decision of
 * each claim (minflip_rigor.c) from engine enclosures, with the exact
 * arbiter for the sign of N(x) when the enclosure cannot decide it. A claim
 * is marked certified only by a rigorous decision. */
#include <math.h>
#include <string.h>
#include "fast_inline.h"
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_engine.h"
#include "nrc_exact.h"
#include "nrc_fast.h"
#include "nrc_minflip.h"
#include "nrc_model.h"
#include "cert_run.h"

nrc_status nrc_mf_model_init(nrc_mf_model *mm, const nrc_model *M,
                             const double *u, nrc_engine *e, nrc_error *err)
{
    const size_t k = (size_t)M->k, d = (size_t)M->d;
    double *Glo = nrc_malloc_array(k * k, sizeof(double));
    double *Ghi = nrc_malloc_array(k * k, sizeof(double));
    nrc_status st = NRC_OK;
    double gmax = 0;
    size_t j, l;
    memset(mm, 0, sizeof *mm);
    mm->k = k;
    mm->d = d;
    mm->W = M->W;
    mm->b = (M->flags & NRC_FLAG_BIAS) ? M->b : NULL;
    mm->v = M->v;
    mm->u = nrc_malloc_array(k, sizeof(double));
    mm->us = nrc_malloc_array(k, sizeof(double));
    mm->Gm = nrc_malloc_array(k * k, sizeof(double));
    mm->Gb = nrc_malloc_array(k * k, sizeof(double));
    mm->Gs = nrc_malloc_array(k * k, sizeof(double));
    if (!Glo || !Ghi || !mm->u || !mm->us || !mm->Gm || !mm->Gb || !mm->Gs) {
        st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (Gram matrix, k = %zu)", k);
        goto done;
    }
    /* the search's Gram matrix: fl(W W^T), the same bits for every engine
     * and thread count; the engine encloses G from it (gemm_mid) */
    nrc_gram_sym_d(k, d, M->W, d, mm->Gs, k);
    if ((st = nrc_engine_gemm_mid(e, k, k, d, M->W, d, M->W, d, mm->Gs, k, Glo, Ghi, k, err)))
        goto done;
    nrc_mf_gram_prepare(k, Glo, Ghi, mm->Gm, mm->Gb);
    for (j = 0; j < k; j++) {
        mm->u[j] = u ? u[j] : nrc_fast_sqrt_up(Ghi[j * k + j]);
        /* slightly above the binary64 norm: the search's intervals are
         * those of the rigorous decision up to rounding */
        mm->us[j] = sqrt(mm->Gs[j * k + j] > 0 ? mm->Gs[j * k + j] : 0) * (1 + 0x1p-40);
        if (mm->Gs[j * k + j] > gmax)
            gmax = mm->Gs[j * k + j];
    }
    for (j = 0; j < k; j++)
        if (!(mm->Gs[j * k + j] > 0x1p-600 * gmax))
            for (l = 0; l < k; l++)
                mm->Gs[j * k + l] = mm->Gs[l * k + j] = 0;
done:
    nrc_free(Glo);
    nrc_free(Ghi);
    if (st)
        nrc_mf_model_clear(mm);
    return st;
}

void nrc_mf_model_clear(nrc_mf_model *mm)
{
    nrc_free(mm->u);
    nrc_free(mm->us);
    nrc_free(mm->Gm);
    nrc_free(mm->Gb);
    nrc_free(mm->Gs);
    memset(mm, 0, sizeof *mm);
}

void nrc_mf_options_default(nrc_mf_options *o, size_t k)
{
    nrc_mf_bnb_options_default(&o->bnb, k);
}

void nrc_mf_point_init(nrc_mf_point *r)
{
    memset(r, 0, sizeof *r);
    r->U_search = r->U_walk_paper = INFINITY;
}

void nrc_mf_point_clear(nrc_mf_point *r)
{
    nrc_free(r->xadv);
    nrc_free(r->tree);
    nrc_free(r->beta);
    nrc_free(r->rho);
    nrc_mf_point_init(r);
}

/* Enclosures of a_j(x') = <w_j, x'> + b_j for a binary64 point. */
static nrc_status preact(const nrc_mf_model *mm, nrc_engine *e, const double *x,
                         double *lo, double *hi, nrc_error *err)
{
    size_t j;
    nrc_status st = nrc_engine_gemm(e, 1, mm->k, mm->d, x, NULL, mm->d, mm->W, mm->d,
                                    lo, hi, mm->k, err);
    if (st || !mm->b)
        return st;
    for (j = 0; j < mm->k; j++) {
        lo[j] = fi_add_down(lo[j], mm->b[j]);
        hi[j] = fi_add_up(hi[j], mm->b[j]);
    }
    return NRC_OK;
}

/* The exact sign of p N(x') = sum_j c_j relu(a_j(x')) at a binary64 point
 * (the arbiter: exact pre-activations, exact sum); 2 when memory runs out
 * (then nothing is decided). */
static int exact_sign(const nrc_mf_model *mm, const double *x, const double *c)
{
    nrc_xvec a;
    arf_t s;
    int sg;
    size_t j;
    if (nrc_xvec_init(&a, mm->k, NULL))
        return 2;
    for (j = 0; j < mm->k; j++)
        nrc_exact_preact(a.v + j, mm->d, mm->W + j * mm->d, x, mm->b ? mm->b + j : NULL);
    arf_init(s);
    nrc_exact_ray(s, mm->k, a.v, a.v, 0.0, c);   /* sum_j c_j relu(a_j) */
    sg = nrc_exact_sgn(s);
    arf_clear(s);
    nrc_xvec_clear(&a);
    return sg;
}

/* The tightest binary64 enclosures [RD(a_j), RU(a_j)] of the exact
 * pre-activations a_j(x) (the arbiter); NRC_ERR_SYSTEM on memory. */
static nrc_status tight_preacts(const nrc_mf_model *mm, const double *x, double *lo, double *hi,
                                nrc_error *err)
{
    nrc_xvec a;
    size_t j;
    nrc_status st = nrc_xvec_init(&a, mm->k, err);
    if (st)
        return st;
    for (j = 0; j < mm->k; j++) {
        nrc_exact_preact(a.v + j, mm->d, mm->W + j * mm->d, x, mm->b ? mm->b + j : NULL);
        lo[j] = nrc_exact_get_lo(a.v + j);
        hi[j] = nrc_exact_get_hi(a.v + j);
    }
    nrc_xvec_clear(&a);
    return NRC_OK;
}

/* p N(x) > 0: from the enclosures, else exactly (the arbiter). */
static int sign_certified(const nrc_mf_model *mm, const double *x, const double *c,
                          const double *alo, const double *ahi)
{
    double f = 0;
    size_t j;
    for (j = 0; j < mm->k; j++) {
        double a = c[j] >= 0 ? alo[j] : ahi[j];
        f = fi_add_down(f, fi_mul_down(c[j], a > 0 ? a : 0));
    }
    return f > 0 || exact_sign(mm, x, c) == 1;
}

/* Claim U's sign part at the binary64 point xp: p N(xp) <= 0 (TRUE, with
 * *strict = 1 when < 0) from the enclosures [lo, hi] of a_j(xp), and what
 * they leave open (a sign, or the strictness of a tie) exactly, so that
 * the verdict and `strict` are those of the exact value whatever the
 * engine. */
static nrc_truth adv_decide(const nrc_mf_model *mm, const double *xp, const double *c,
                            const double *lo, const double *hi, int *strict)
{
    nrc_truth tr = nrc_mf_adv_decide(mm->k, c, lo, hi, strict);
    int sg;
    if (tr == NRC_TRUE && *strict)
        return NRC_TRUE;
    sg = exact_sign(mm, xp, c);
    if (sg == 2)
        return tr;                 /* memory: the enclosure's verdict stands */
    *strict = sg < 0;
    return sg <= 0 ? NRC_TRUE : NRC_FALSE;
}

/* Claim U: x' = x + (1 + eps) W^T y for growing eps until p N(x') <= 0 is
 * certified (and p N(x') < 0 when the rigorous sum shows it). */
static nrc_status certify_upper(const nrc_mf_model *mm, nrc_engine *e, const double *x,
                                const double *c, const double *y, double eps0,
                                nrc_mf_point *r, double *lo, double *hi, nrc_error *err)
{
    const size_t d = mm->d;
    double *dz = nrc_malloc_array(d, sizeof(double)), eps = eps0;
    nrc_status st = NRC_OK;
    size_t t;
    int attempt;
    r->xadv = nrc_malloc_array(d, sizeof(double));
    if (!dz || !r->xadv) {
        st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (adversarial point, d = %zu)", d);
        goto done;
    }
    nrc_dgemv(NRC_BLAS_T, d, mm->k, 1.0, mm->W, d, y, 0.0, dz);
    for (attempt = 0; attempt < 7; attempt++, eps = eps > 0 ? 16 * eps : 0x1p-30) {
        int strict = 0;
        for (t = 0; t < d; t++)
            r->xadv[t] = x[t] + (1 + eps) * dz[t];
        if ((st = preact(mm, e, r->xadv, lo, hi, err)))
            goto done;
        if (adv_decide(mm, r->xadv, c, lo, hi, &strict) == NRC_TRUE) {
            double U = nrc_fast_sqrt_up(nrc_mf_dist2_up(d, x, r->xadv));
            if (isfinite(U)) {
                r->upper_ok = 1;
                r->strict = strict;
                r->U = U;
            }
            break;
        }
    }
done:
    nrc_free(dz);
    if (!r->upper_ok) {
        nrc_free(r->xadv);
        r->xadv = NULL;
    }
    return st;
}

/* Claim D: the search's tree at D = D_search, shrunk until every leaf is
 * certified (validity is monotone in D: smaller intervals, smaller ball). */
static nrc_status certify_lower(const nrc_mf_model *mm, const double *c,
                                const double *alo, const double *ahi,
                                nrc_mf_bnb_result *b, nrc_mf_point *r, nrc_error *err)
{
    const size_t k = mm->k;
    static const double shrink[] = { 0x1p-30, 0x1p-20, 0x1p-14, 0x1p-8, 0x1p-4,
                                     0x1p-2, 0x1p-1 };
    nrc_mf_rigor Rg;
    double *rho = nrc_malloc_array(b->nleaves * k, sizeof(double));
    signed char *s = nrc_malloc(k);
    int32_t *stack = nrc_malloc_array(k, sizeof(int32_t));
    size_t i, bad;
    if (!rho || !s || !stack) {
        nrc_free(rho);
        nrc_free(s);
        nrc_free(stack);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (leaf decisions, k = %zu)", k);
    }
    Rg.k = k;
    Rg.c = c;
    Rg.alo = alo;
    Rg.ahi = ahi;
    Rg.u = mm->u;
    Rg.Gm = mm->Gm;
    Rg.Gb = mm->Gb;
    for (i = 0; i < sizeof shrink / sizeof shrink[0] && b->D > 0 && isfinite(b->D); i++) {
        double D = fi_mul_down(b->D, 1 - shrink[i]);
        if (nrc_mf_tree_decide(&Rg, D, b->tree, b->ntok, b->beta, b->nleaves, rho, s,
                               stack, &bad) == NRC_TRUE) {
            r->lower_ok = 1;
            r->D = D;
            r->tree = b->tree;
            r->ntok = b->ntok;
            r->beta = b->beta;
            r->nleaves = b->nleaves;
            r->rho = rho;
            b->tree = NULL;
            b->beta = NULL;
            rho = NULL;
            break;
        }
    }
    nrc_free(rho);
    nrc_free(s);
    nrc_free(stack);
    return NRC_OK;
}

/* The region walk from pattern sg into ytry; ybest and *best take it when
 * it is closer. Returns the squared distance the walk reached. */
static double walk_keep(const nrc_mf_problem *P, const signed char *sg, double *ytry,
                        double *ybest, double *best, nrc_error *err, nrc_status *st)
{
    double d2 = nrc_mf_walk_approx(P, sg, 0, ytry, err, st);
    if (!*st && sqrt(d2) < *best) {
        *best = sqrt(d2);
        memcpy(ybest, ytry, P->k * sizeof(double));
    }
    return d2;
}

nrc_status nrc_mf_point_decide(const nrc_mf_model *mm, nrc_engine *e, const nrc_mf_input *in,
                               const nrc_mf_options *o, nrc_mf_point *r, nrc_error *err)
{
    const size_t k = mm->k;
    const double *x = in->x, *alo = in->alo, *ahi = in->ahi, *paper_e = in->paper_e;
    double *buf = nrc_malloc_array(7 * k, sizeof(double));
    signed char *sg = nrc_malloc(k);
    double *c, *amid, *ybest, *ytry, *work;
    double best = INFINITY;
    nrc_mf_problem P;
    nrc_mf_bnb_result b;
    nrc_status st = NRC_OK;
    size_t j;
    nrc_mf_point_clear(r);
    nrc_mf_bnb_result_init(&b);
    if (!buf || !sg) {
        st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (minimal flip, k = %zu)", k);
        goto done;
    }
    c = buf;
    amid = buf + k;
    ybest = buf + 2 * k;
    ytry = buf + 3 * k;
    work = buf + 4 * k;          /* 3 k */
    for (j = 0; j < k; j++)
        c[j] = in->p < 0 ? -mm->v[j] : mm->v[j];
    if (!sign_certified(mm, x, c, alo, ahi))
        goto done;
    r->sign_ok = 1;
    for (j = 0; j < k; j++)
        amid[j] = isfinite(in->a[j]) ? in->a[j] : 0;
    P.k = k;
    P.G = mm->Gs;
    P.a = amid;
    P.c = c;
    P.u = mm->us;
    /* upper-bound starts: the paper's pattern, then DeepFool; each walked */
    if (paper_e && in->paper_s > 0) {
        double d2;
        for (j = 0; j < k; j++)
            ytry[j] = in->paper_s * paper_e[j];    /* e at the paper's point */
        for (j = 0; j < k; j++)
            sg[j] = amid[j] + ytry[j] > 0 || (amid[j] + ytry[j] == 0 && paper_e[j] > 0) ? 1 : -1;
        d2 = walk_keep(&P, sg, ytry, ybest, &best, err, &st);
        if (st)
            goto done;
        r->U_walk_paper = sqrt(d2);
    }
    if (nrc_mf_deepfool_approx(&P, 0, 100, ytry, work)) {
        nrc_mf_pattern_approx(&P, ytry, NULL, sg, work);
        walk_keep(&P, sg, ytry, ybest, &best, err, &st);
        if (st)
            goto done;
    }
    if ((st = nrc_mf_bnb_approx(&P, &o->bnb, isfinite(best) ? ybest : NULL, best, &b, err)))
        goto done;
    r->nodes = b.nodes;
    r->complete = b.complete;
    r->D_search = b.D;
    if (b.U < best) {
        best = b.U;
        memcpy(ybest, b.y, k * sizeof(double));
        nrc_mf_pattern_approx(&P, ybest, NULL, sg, work);
        walk_keep(&P, sg, ytry, ybest, &best, err, &st);
        if (st)
            goto done;
    }
    r->U_search = best;
    if ((st = certify_lower(mm, c, alo, ahi, &b, r, err)))
        goto done;
    if (!r->lower_ok && b.D > 0) {
        /* the engine's enclosures of a_j(x) too wide for every radius tried
         * (a near-tie of the sign): again on the exact values' tightest
         * enclosures, as the pipeline's exact fallback does */
        double *tlo = work, *thi = work + k;
        if ((st = tight_preacts(mm, x, tlo, thi, err)) ||
            (st = certify_lower(mm, c, tlo, thi, &b, r, err)))
            goto done;
        r->lower_exact = r->lower_ok;
    }
    if (isfinite(best)) {
        /* first a settled point (margins against rounding), then pushes */
        double d2 = nrc_mf_settle_approx(&P, ybest, 0x1p-30, ytry, err, &st);
        if (st)
            goto done;
        if (isfinite(d2) && sqrt(d2) <= best * (1 + 0x1p-20))
            st = certify_upper(mm, e, x, c, ytry, 0, r, work, work + k, err);
        if (!st && !r->upper_ok)
            st = certify_upper(mm, e, x, c, ybest, 0x1p-30, r, work, work + k, err);
    }
done:
    nrc_mf_bnb_result_clear(&b);
    nrc_free(buf);
    nrc_free(sg);
    return st;
}

nrc_status nrc_mf_point_run(const nrc_mf_model *mm, nrc_engine *e, const double *x,
                            int p, const double *paper_e, double paper_s,
                            const nrc_mf_options *o, nrc_mf_point *r, nrc_error *err)
{
    const size_t k = mm->k;
    double *buf = nrc_malloc_array(3 * k, sizeof(double));
    nrc_mf_input in;
    nrc_status st;
    size_t j;
    if (!buf) {
        nrc_mf_point_clear(r);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (minimal flip, k = %zu)", k);
    }
    in.x = x;
    in.p = p;
    in.alo = buf;
    in.ahi = buf + k;
    in.a = buf + 2 * k;
    in.paper_e = paper_e;
    in.paper_s = paper_s;
    st = preact(mm, e, x, buf, buf + k, err);
    for (j = 0; j < k && !st; j++)
        buf[2 * k + j] = isfinite(buf[j]) && isfinite(buf[k + j]) ? 0.5 * buf[j] + 0.5 * buf[k + j] : 0;
    if (!st)
        st = nrc_mf_point_decide(mm, e, &in, o, r, err);
    else
        nrc_mf_point_clear(r);
    nrc_free(buf);
    return st;
}
