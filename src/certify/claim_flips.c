/* The flip claims (spec/CERTIFICATE.md "What each member asserts", flips, spec/CERTIFY.md step 6,
 * spec/MATH.md sections 6 and 8): for every requested point x with sign p, a scale
 * s with p N(x - p s z) < 0 decided by the engine's ray test or exactly,
 * U >= s ||z||, ||x|| >= x_norm_lower and D with D L <= p N(x). The scale
 * comes from the untrusted binary64 sweep (src/certify/search_approx.c). */
#include <math.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_cert_search.h"
#include "nrc_fast.h"
#include "fast_inline.h"
#include "cert_run.h"

/* One point of one set. */
typedef struct {
    const double *x;          /* (d) the point */
    const double *alo, *ahi;  /* (k) its decided pre-activation enclosures */
    const double *ad;         /* (k) its search pre-activations */
    int p;                    /* sign of N(x): +1, -1, or 0 (N(x) = 0) */
    double Nlo, Nhi, xnlo;    /* N(x) enclosure, lower bound of ||x||^2 */
    nrc_xvec *ax;             /* (k) exact pre-activations, on first use */
    int ax_ready;
} flip_pt;

static nrc_status ensure_cz(nrc_cert_run *R, nrc_error *err)
{
    size_t j;
    nrc_status st;
    if (R->cz_ready)
        return NRC_OK;
    st = nrc_xvec_init(&R->cz, R->k, err);
    if (st != NRC_OK)
        return st;
    for (j = 0; j < R->k; j++)
        nrc_exact_dot_arf(R->cz.v + j, R->d, R->M->W + j * R->d, R->z.v);
    R->cz_ready = 1;
    return NRC_OK;
}

/* Decide p N(x - p s z) < 0: the engine's ray test, then (unless
 * engine_only) the exact arbiter on exact a(x), exact c = W z and exact s.
 * TRUE, FALSE, or UNKNOWN (undecided by the engine, or an error). */
static nrc_truth flip_at(nrc_cert_run *R, flip_pt *P, double s, int engine_only,
                         int *used_arb, nrc_error *err)
{
    double t = P->p * s;
    nrc_truth tr;
    arf_t val;
    int sg;
    if (nrc_engine_ray_test(R->e, R->k, P->alo, P->ahi, R->clo, R->chi, t, R->M->v, P->p, &tr,
                            err) != NRC_OK)
        return NRC_UNKNOWN;
    if (tr != NRC_UNKNOWN || engine_only)
        return tr;
    if (ensure_cz(R, err) != NRC_OK)
        return NRC_UNKNOWN;
    if (!P->ax_ready) {
        nrc_cert_exact_preacts(R, P->x, P->ax);
        P->ax_ready = 1;
    }
    arf_init(val);
    nrc_exact_ray(val, R->k, P->ax->v, R->cz.v, t, R->M->v);
    sg = nrc_exact_sgn(val) * P->p;
    arf_clear(val);
    R->C->arbiter_flip++;
    *used_arb = 1;
    return sg < 0 ? NRC_TRUE : NRC_FALSE;
}

/* D: D L <= lo(p N(x)); 0 when L is 0 or not finite. D = down(lo / L)
 * already satisfies it exactly; it is confirmed with an upward product,
 * stepping D down while that product exceeds lo: one ulp at a time at
 * first, then by halving, because in the subnormal range an upward product
 * can exceed lo by a whole ulp of lo, which ulp steps of D would take
 * ~10^14 iterations to undo (a hang found by tests/t-engines_fuzz.c). */
static double flip_dist_lower(double pNlo, double L)
{
    double D;
    int steps;
    if (!(L > 0) || !(pNlo > 0) || !isfinite(L))
        return 0.0;
    D = nrc_fast_div_down(pNlo, L);
    for (steps = 0; D > 0 && fi_mul_up(D, L) > pNlo; steps++)
        D = steps < 16 ? nextafter(D, 0.0) : fi_mul_down(D, 0.5);
    return D > 0 ? D : 0.0;
}

/* An exact flip test failed (memory): NRC_ERR_SYSTEM with the cause. */
static nrc_status flip_failed(nrc_error *err)
{
    char msg[NRC_ERROR_MSG_MAX];
    memcpy(msg, err->msg, sizeof msg);
    msg[sizeof msg - 1] = '\0';
    return nrc_error_set(err, NRC_ERR_SYSTEM, "flip check failed: %s", msg);
}

/* The candidate scales s (ns of them): first each with the engine alone
 * (cheap), then each with the exact arbiter, in order. *which is the first
 * candidate found TRUE, or -1. */
static nrc_status flip_scan(nrc_cert_run *R, flip_pt *P, const double *s, int ns, int *which,
                            int *used, nrc_error *err)
{
    int c;
    *which = -1;
    for (c = 0; c < 2 * ns; c++) {
        nrc_truth tr;
        *used = 0;
        tr = flip_at(R, P, s[c % ns], c < ns, used, err);
        if (tr == NRC_UNKNOWN && c < ns)
            continue;
        if (tr == NRC_UNKNOWN)
            return flip_failed(err);
        if (tr == NRC_TRUE) {
            *which = c % ns;
            return NRC_OK;
        }
    }
    return NRC_OK;
}

/* U is not finite at candidate *which, found by the engine: an earlier
 * candidate, with a smaller U, may flip too and be decided only exactly.
 * The first candidate that flips exactly replaces *which, so the status
 * does not depend on which candidate an engine decided first. */
static nrc_status flip_smaller_scale(nrc_cert_run *R, flip_pt *P, const double *s, int *which,
                                     int *used, nrc_error *err)
{
    int c, u = 0;
    for (c = 0; c < *which; c++) {
        nrc_truth tr = flip_at(R, P, s[c], 0, &u, err);
        if (tr == NRC_UNKNOWN)
            return flip_failed(err);
        if (tr == NRC_TRUE) {
            *which = c;
            *used = u;
            return NRC_OK;
        }
    }
    return NRC_OK;
}

static void flip_set_undecided(nrc_flip *f, nrc_flip_status status, const char *reason)
{
    f->status = status;
    f->reason = reason;
}

/* The flip entry of one point (its set and index already in f). */
static nrc_status flip_point(nrc_cert_run *R, nrc_flip *f, flip_pt *P, double *work,
                             size_t *idx, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    double tstar, tnext, s[4];
    int ns, which, used;
    nrc_status st;
    f->sign = P->p;
    f->x_norm_lower = nrc_fast_sqrt_down(P->xnlo);
    f->scale = f->delta_upper = f->dist_lower = 0.0;
    if (P->p == 0) {
        flip_set_undecided(f, NRC_FLIP_UNDECIDED, "N(x) = 0");
        return NRC_OK;
    }
    f->dist_lower = flip_dist_lower(P->p > 0 ? P->Nlo : -P->Nhi, C->L_upper);
    if (!nrc_flip_sweep_approx(R->k, P->ad, R->cd, R->M->v, P->p, &tstar, &tnext, work, idx)) {
        flip_set_undecided(f, NRC_FLIP_NONE, "no sign change along the ray (binary64 sweep)");
        return NRC_OK;
    }
    ns = nrc_flip_scales_approx(tstar, tnext, s);
    st = flip_scan(R, P, s, ns, &which, &used, err);
    if (st != NRC_OK)
        return st;
    if (which < 0) {
        flip_set_undecided(f, NRC_FLIP_UNDECIDED,
                           "the sign change found by the sweep did not certify at any tried scale");
        return NRC_OK;
    }
    /* U = up(s * sqrt_up(<z,z>_hi)): U^2 >= s^2 <z,z> */
    f->delta_upper = fi_mul_up(s[which], nrc_fast_sqrt_up(C->z_norm_sq[1]));
    if (!isfinite(f->delta_upper)) {
        st = flip_smaller_scale(R, P, s, &which, &used, err);
        if (st != NRC_OK)
            return st;
        f->delta_upper = fi_mul_up(s[which], nrc_fast_sqrt_up(C->z_norm_sq[1]));
    }
    if (!isfinite(f->delta_upper)) {
        flip_set_undecided(f, NRC_FLIP_UNDECIDED, "||s z|| leaves the binary64 range");
        f->delta_upper = 0.0;
        return NRC_OK;
    }
    f->status = NRC_FLIP_CERTIFIED;
    f->reason = NULL;
    f->scale = s[which];
    f->used_arbiter = used;
    return NRC_OK;
}

/* The points of one set (0 train, 1 test) into C->flips from entry *r on. */
static nrc_status flips_of_set(nrc_cert_run *R, int set, size_t *r, double *work, size_t *idx,
                               nrc_xvec *ax, nrc_error *err)
{
    const nrc_model *M = R->M;
    size_t i, k = R->k, cnt = set ? R->m : R->n;
    nrc_status st = NRC_OK;
    for (i = 0; i < cnt && st == NRC_OK; i++, (*r)++) {
        nrc_flip *f = &R->C->flips[*r];
        flip_pt P;
        P.x = (set ? M->Xt : M->X) + i * R->d;
        P.alo = (set ? R->Tlo : R->Alo) + i * k;
        P.ahi = (set ? R->Thi : R->Ahi) + i * k;
        P.ad = (set ? R->ATd : R->Ad) + i * k;
        P.p = set ? R->sgnT[i] : R->sgn[i];
        P.Nlo = set ? R->NTlo[i] : R->Nlo[i];
        P.Nhi = set ? R->NThi[i] : R->Nhi[i];
        P.xnlo = set ? R->xtlo[i] : R->xlo[i];
        P.ax = ax;
        P.ax_ready = 0;
        f->set = set;
        f->index = i;
        st = flip_point(R, f, &P, work, idx, err);
    }
    return st;
}

nrc_status nrc_claim_flips_decide(nrc_cert_run *R, nrc_error *err)
{
    double *work;
    size_t *idx, r = 0;
    void *ws;
    nrc_xvec ax;
    const nrc_ws_entry tab[] = { NRC_WS(work, 4 * R->k, 0), NRC_WS(idx, R->k, 0) };
    nrc_status st = nrc_ws_alloc(&ws, tab, sizeof tab / sizeof tab[0], "flip sweep", err);
    if (st != NRC_OK)
        return st;
    st = nrc_xvec_init(&ax, R->k, err);
    if (st == NRC_OK && (R->C->opt.points & NRC_POINTS_TRAIN))
        st = flips_of_set(R, 0, &r, work, idx, &ax, err);
    if (st == NRC_OK && (R->C->opt.points & NRC_POINTS_TEST))
        st = flips_of_set(R, 1, &r, work, idx, &ax, err);
    nrc_xvec_clear(&ax);
    nrc_free(ws);
    return st;
}

json_t *nrc_claim_flips_json(const nrc_certify_result *C)
{
    json_t *a = json_array();
    size_t r;
    int bad = 0;
    for (r = 0; r < C->nflips; r++) {
        const nrc_flip *f = &C->flips[r];
        json_t *e = json_object();
        int cert = f->status == NRC_FLIP_CERTIFIED;
        nrc_json_put(e, "set", json_string(f->set ? "test" : "train"), &bad);
        nrc_json_put(e, "index", json_integer((json_int_t)f->index), &bad);
        nrc_json_put(e, "sign", json_integer(f->sign >= 0 ? 1 : -1), &bad);
        nrc_json_put(e, "scale", cert ? nrc_json_hex(f->scale) : json_null(), &bad);
        nrc_json_put(e, "delta_norm_upper", cert ? nrc_json_hex(f->delta_upper) : json_null(), &bad);
        nrc_json_put(e, "x_norm_lower", nrc_json_hex(f->x_norm_lower), &bad);
        nrc_json_put(e, "dist_lower", cert ? nrc_json_hex(f->dist_lower) : json_null(), &bad);
        nrc_json_put(e, "status", json_string(cert ? "certified"
                                              : f->status == NRC_FLIP_NONE ? "none" : "undecided"),
                     &bad);
        if (!cert)
            nrc_json_put(e, "reason", json_string(f->reason ? f->reason : "undecided"), &bad);
        nrc_json_push(a, e, &bad);
    }
    return nrc_json_done(a, bad);
}
