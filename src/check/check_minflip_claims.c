/* The min_flip claims (spec/CERTIFICATE.md "min_flip", spec/MINFLIP.md
 * section 4; spec/CHECK.md step 5): for every entry of min_flip.points in
 * order, claim U (p N(x) > 0, p N(x') <= 0 at the companion's binary64 x',
 * < 0 when strict, U >= 0 and ||x' - x||^2 <= U^2) and claim D (D >= 0,
 * u_j >= 0 and u_j^2 >= ||w_j||^2, and (M), (C), (B) at every leaf of its
 * tree that is not vacuous), each exactly by the routines of
 * check_minflip.c; the first false one is recorded like every other claim.
 *
 * What this step reads besides the certificate: the exact rows of W (w.Wr,
 * from nrc_check_rows) and the model's doubles. It computes its own exact
 * quantities (the point's fixed-point vector and pre-activations, the Gram
 * matrix when a claim D is certified) in memory it allocates and releases:
 * the shared workspace is not changed. The companion's tensors were read
 * and their ranges and trees checked before (check_companion.c). */
#include <stdio.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_check_claims.h"
#include "nrc_check_mfcert.h"
#include "nrc_check_minflip.h"
#include "nrc_check_quant.h"   /* nrc_check_neuron_dots */

/* Limbs of any exact vector of finite doubles (2^-1074 .. 2^1024: 2098
 * bits), with room: the accumulators hold a dot product of one such vector
 * with a row of W or of G. */
#define MF_VEC_LIMBS 36

/* What one pass over the points holds. */
typedef struct {
    size_t k;
    nrc_cfix x;            /* the point */
    nrc_cdy *a;            /* (k) its exact pre-activations */
    nrc_cfix *G;           /* (k) Gram rows, NULL unless a claim D is certified */
    uint64_t *sp, *sn;     /* (sl) accumulators */
    size_t sl;
    nrc_check_mf_scratch S;
} mf_ctx;

static void ctx_clear(mf_ctx *X)
{
    size_t j;
    nrc_cfix_clear(&X->x);
    for (j = 0; X->a && j < X->k; j++)
        nrc_cdy_clear(&X->a[j]);
    for (j = 0; X->G && j < X->k; j++)
        nrc_cfix_clear(&X->G[j]);
    nrc_free(X->a);
    nrc_free(X->G);
    nrc_free(X->sp);
    nrc_free(X->sn);
    nrc_check_mf_scratch_clear(&X->S);
}

/* Accumulators of sl limbs (replacing smaller ones). */
static nrc_status ctx_acc(mf_ctx *X, size_t sl, nrc_error *err)
{
    nrc_free(X->sp);
    nrc_free(X->sn);
    X->sp = nrc_malloc_array(sl, sizeof(uint64_t));
    X->sn = nrc_malloc_array(sl, sizeof(uint64_t));
    X->sl = sl;
    if (!X->sp || !X->sn)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (min_flip accumulators)");
    return NRC_OK;
}

/* The context for width k; the Gram matrix when need_gram. */
static nrc_status ctx_init(mf_ctx *X, nrc_cnet N, const nrc_cfix *Wr, int need_gram,
                           nrc_error *err)
{
    size_t j, wl = 1, gl = 0;
    nrc_status st;
    memset(X, 0, sizeof *X);
    X->k = N.k;
    nrc_cfix_init(&X->x);
    if ((st = nrc_check_mf_scratch_init(&X->S, N.k, err)))
        return st;
    X->a = nrc_malloc_array(N.k, sizeof(nrc_cdy));
    if (!X->a)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (min_flip pre-activations)");
    for (j = 0; j < N.k; j++) {
        nrc_cdy_init(&X->a[j]);
        if (Wr[j].limbs > wl)
            wl = Wr[j].limbs;
    }
    if ((st = ctx_acc(X, 2 * (wl > MF_VEC_LIMBS ? wl : MF_VEC_LIMBS) + 2, err)) || !need_gram)
        return st;
    X->G = nrc_malloc_array(N.k, sizeof(nrc_cfix));
    if (!X->G)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (min_flip Gram matrix)");
    for (j = 0; j < N.k; j++)
        nrc_cfix_init(&X->G[j]);
    if ((st = nrc_check_mf_gram(X->G, Wr, N.k, X->sp, X->sn, X->sl, err)))
        return st;
    for (j = 0; j < N.k; j++)
        if (X->G[j].limbs > gl)
            gl = X->G[j].limbs;
    /* (B) takes <G row, beta> */
    return gl + MF_VEC_LIMBS + 2 > X->sl ? ctx_acc(X, gl + MF_VEC_LIMBS + 2, err) : NRC_OK;
}

/* The point's exact vector and pre-activations a_j = <w_j, x> + b_j. */
static nrc_status point_exact(mf_ctx *X, nrc_cnet N, const nrc_cfix *Wr, const double *row,
                              nrc_error *err)
{
    nrc_status st;
    nrc_cfix_clear(&X->x);
    if ((st = nrc_cfix_set_d(&X->x, row, N.d, 1, err)))
        return st;
    return nrc_check_neuron_dots(X->a, Wr, N.k, &X->x, N.b, X->sp, X->sn, X->sl, err);
}

/* Claim U of entry r: the first false condition recorded. */
static nrc_status upper_claim(mf_ctx *X, const nrc_cmf *mf, const nrc_cmf_point *q, size_t r,
                              nrc_cnet N, const nrc_cfix *Wr, nrc_check_report *rep,
                              nrc_error *err)
{
    const char *kind = q->test ? "test" : "train";
    nrc_check_mf_verdict vd;
    char name[96], s1[320], s2[320];
    nrc_status st = nrc_check_mf_upper(Wr, N.k, N.b, N.v, q->sign, X->a, &X->x,
                                       mf->x_adv + q->row * N.d, q->U, q->strict, &X->S,
                                       X->sp, X->sn, X->sl, &vd, err);
    if (st)
        return st;
    rep->mf_upper++;
    if (vd.what == NRC_MF_HOLDS)
        return NRC_OK;
    snprintf(name, sizeof name, "min_flip.points[%zu].upper", r);
    nrc_check_show(&X->S.x, s1, sizeof s1);
    if (vd.what == NRC_MF_SIGN)
        return nrc_check_fail(rep, err, name, "(%s %llu) sign: p N(x) = %s <= 0", kind,
                              (unsigned long long)q->index, s1);
    if (vd.what == NRC_MF_ADV)
        return nrc_check_fail(rep, err, name, "(%s %llu) adversarial: p N(x') = %s %s 0 at x_adv "
                              "row %llu (strict %s)", kind, (unsigned long long)q->index, s1,
                              q->strict ? ">=" : ">", (unsigned long long)q->row,
                              q->strict ? "true" : "false");
    nrc_check_show(&X->S.y, s2, sizeof s2);
    return nrc_check_fail(rep, err, name, "(%s %llu) upper: U < 0 or ||x' - x||^2 = %s > U^2 = %s",
                          kind, (unsigned long long)q->index, s1, s2);
}

/* Claim D of entry r: the first false condition recorded. */
static nrc_status lower_claim(mf_ctx *X, const nrc_cert *C, const nrc_cmf_point *q, size_t r,
                              nrc_cnet N, nrc_check_report *rep, nrc_error *err)
{
    const nrc_cmf *mf = C->mf;
    nrc_check_mf_verdict vd;
    char name[96], where[400], nj[48];
    nrc_status st = nrc_check_mf_lower(X->G, N.k, N.v, q->sign, X->a, C->neuron_norm_upper, q->D,
                                       mf->tree + q->tok0, (size_t)q->ntok,
                                       mf->beta + q->leaf0 * N.k, mf->rho + q->leaf0 * N.k,
                                       (size_t)q->nleaves, &X->S, X->sp, X->sn, X->sl, &vd, err);
    if (st)
        return st;
    rep->mf_lower++;
    rep->mf_leaves += (size_t)q->nleaves;
    rep->mf_vacuous += vd.leaves_vacuous;
    if (vd.what == NRC_MF_HOLDS)
        return NRC_OK;
    snprintf(nj, sizeof nj, ", neuron j = %zu", vd.neuron);
    snprintf(name, sizeof name, "min_flip.points[%zu].lower", r);
    if (vd.what == NRC_MF_RADIUS)
        snprintf(where, sizeof where, "D = %a < 0", q->D);
    else if (vd.what == NRC_MF_NORM)
        snprintf(where, sizeof where, "u_j < 0 or u_j^2 < ||w_j||^2 for neuron %zu", vd.neuron);
    else
        snprintf(where, sizeof where, "%s at leaf %zu of %llu (row %llu of beta and rho)%s, D = %a",
                 vd.what == NRC_MF_MINORANT ? "(M) c_j relu(t) - beta_j t - rho_j < 0 at an end "
                                              "of neuron j's interval or at 0"
                 : vd.what == NRC_MF_POSITIVE ? "(C) C_L <= 0" : "(B) D^2 ||g_L||^2 > C_L^2",
                 vd.leaf, (unsigned long long)q->nleaves,
                 (unsigned long long)(q->leaf0 + vd.leaf), vd.what == NRC_MF_MINORANT ? nj : "",
                 q->D);
    return nrc_check_fail(rep, err, name, "(%s %llu) %s: %s", q->test ? "test" : "train",
                          (unsigned long long)q->index, nrc_check_mf_what_name(vd.what), where);
}

/* Every entry in order until the first false claim. */
static nrc_status mf_points(mf_ctx *X, const nrc_cert *C, nrc_cnet N, const nrc_cfix *Wr,
                            nrc_check_report *rep, nrc_error *err)
{
    const nrc_cmf *mf = C->mf;
    nrc_status st = NRC_OK;
    size_t r;
    for (r = 0; r < mf->n_pts && !st && rep->valid; r++) {
        const nrc_cmf_point *q = &mf->pts[r];
        rep->mf_none += !q->upper + !q->lower;
        if (!q->upper && !q->lower)
            continue;
        if (q->index >= (q->test ? N.m : N.n))
            return nrc_error_set(err, NRC_ERR_INTERNAL, "min_flip.points[%zu]: index out of range",
                                 r);
        st = point_exact(X, N, Wr, (q->test ? N.Xt : N.X) + q->index * N.d, err);
        if (!st && q->upper)
            st = upper_claim(X, mf, q, r, N, Wr, rep, err);
        if (!st && rep->valid && q->lower)
            st = lower_claim(X, C, q, r, N, rep, err);
    }
    return st;
}

nrc_status nrc_check_min_flip(const nrc_cert *C, nrc_cnet N, nrc_check_ws w,
                              nrc_check_report *rep, nrc_error *err)
{
    mf_ctx X;
    nrc_status st;
    size_t r;
    int need_gram = 0;
    rep->mf_present = C->mf != NULL;
    rep->mf_upper = rep->mf_lower = rep->mf_leaves = rep->mf_vacuous = rep->mf_none = 0;
    if (!C->mf)
        return NRC_OK;
    if (!C->mf->attached || !C->neuron_norm_upper)
        /* nrc_check_buffers reads no companion: nothing can be verified */
        return nrc_check_fail(rep, err, "min_flip.companion",
                              "the companion file was not read, so the min_flip claims are not "
                              "verified (check with nrc-check or certify --check)");
    for (r = 0; r < C->mf->n_pts; r++)
        need_gram |= C->mf->pts[r].lower;
    st = ctx_init(&X, N, w.Wr, need_gram, err);
    if (!st)
        st = mf_points(&X, C, N, w.Wr, rep, err);
    ctx_clear(&X);
    /* the companion's values and trees were checked when it was read */
    if (st == NRC_ERR_INPUT)
        st = NRC_ERR_INTERNAL;
    if (st)
        rep->valid = 0;
    return st;
}
