/* The fit claims (spec/CERTIFICATE.md "What each member asserts", fit, spec/CERTIFY.md steps 1-3):
 * pre-activations with decided signs, N(x) with its exact sign at every
 * training and test point, fit.all_correct, the minimum margin, ||theta||^2
 * and the normalized margin. Also the search values fl(X W^T) + b that the
 * untrusted search of the later steps reads. */
#include <math.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_fast.h"
#include "fast_inline.h"
#include "cert_run.h"

void nrc_cert_exact_preacts(const nrc_cert_run *R, const double *x, nrc_xvec *a)
{
    size_t j;
    for (j = 0; j < R->k; j++)
        nrc_exact_preact(a->v + j, R->d, R->M->W + j * R->d, x, R->b ? R->b + j : NULL);
}

/* The round-to-nearest product Ad = fl(P W^T) (r, k): the search values and
 * the midpoint the engine's gemm_mid may reuse. */
static void preact_product_d(const nrc_cert_run *R, size_t r, const double *P, double *Ad)
{
    nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, r, R->k, R->d, 1.0, P, R->d, R->M->W, R->d, 0.0, Ad, R->k);
}

/* Entries whose enclosure contains 0 or is not finite go to the exact
 * arbiter, which finds them exactly 0 (a kink: [0, 0], flagged in kink when
 * given) or replaces the enclosure by the exact value rounded outward (a
 * finite enclosure unless the exact value is beyond the binary64 range,
 * whatever the engine); sgn (when given) gets every exact sign. */
static void preact_decide_signs(nrc_cert_run *R, size_t r, const double *P, double *lo,
                                double *hi, unsigned char *kink, signed char *sgn)
{
    size_t i, j, k = R->k, d = R->d;
    arf_t a;
    arf_init(a);
    for (i = 0; i < r; i++)
        for (j = 0; j < k; j++) {
            size_t ij = i * k + j;
            if ((lo[ij] > 0 || hi[ij] < 0) && isfinite(lo[ij]) && isfinite(hi[ij])) {
                if (sgn)
                    sgn[ij] = lo[ij] > 0 ? 1 : -1;
                continue;
            }
            nrc_exact_preact(a, d, R->M->W + j * d, P + i * d, R->b ? R->b + j : NULL);
            R->C->arbiter_preact++;
            lo[ij] = nrc_exact_get_lo(a);
            hi[ij] = nrc_exact_get_hi(a);
            if (sgn)
                sgn[ij] = (signed char)nrc_exact_sgn(a);
            if (arf_is_zero(a) && kink)
                kink[ij] = 1;
        }
    arf_clear(a);
}

/* Pre-activations of the rows P (r, d): Ad = fl(P W^T) + b (search values,
 * (r, k)), the engine's enclosure of P W^T from that product, + b by
 * outward interval addition, then every sign decided. */
static nrc_status preact(nrc_cert_run *R, size_t r, const double *P, double *lo, double *hi,
                         unsigned char *kink, signed char *sgn, double *Ad, nrc_error *err)
{
    size_t i, j, k = R->k, d = R->d;
    nrc_status st;
    if (r == 0)
        return NRC_OK;
    preact_product_d(R, r, P, Ad);
    st = nrc_engine_gemm_mid(R->e, r, k, d, P, d, R->M->W, d, Ad, k, lo, hi, k, err);
    if (st != NRC_OK)
        return st;
    if (R->b)
        for (i = 0; i < r; i++)
            for (j = 0; j < k; j++) {
                Ad[i * k + j] += R->b[j];
                nrc_ia_add(lo[i * k + j], hi[i * k + j], R->b[j], R->b[j], &lo[i * k + j],
                           &hi[i * k + j]);
            }
    preact_decide_signs(R, r, P, lo, hi, kink, sgn);
    return NRC_OK;
}

/* N(x) for the rows P (r, d) from their decided pre-activation enclosures:
 * the engine's ray at t = 0, then the sign; an enclosure containing 0 or
 * not finite is replaced by the exact N rounded outward (exact N from exact
 * pre-activations). */
static nrc_status forward_N(nrc_cert_run *R, size_t r, const double *P, const double *lo,
                            const double *hi, double *Nlo, double *Nhi, int *sgn,
                            nrc_error *err)
{
    size_t i, k = R->k;
    nrc_xvec a;
    arf_t x;
    nrc_status st = nrc_xvec_init(&a, k, err);
    if (st != NRC_OK)
        return st;
    arf_init(x);
    for (i = 0; i < r && st == NRC_OK; i++) {
        st = nrc_engine_ray(R->e, k, lo + i * k, hi + i * k, lo + i * k, hi + i * k, 0.0,
                            R->M->v, &Nlo[i], &Nhi[i], err);
        if (st != NRC_OK)
            break;
        if (Nlo[i] > 0 && isfinite(Nhi[i])) {
            sgn[i] = 1;
        } else if (Nhi[i] < 0 && isfinite(Nlo[i])) {
            sgn[i] = -1;
        } else {
            nrc_cert_exact_preacts(R, P + i * R->d, &a);
            nrc_exact_ray(x, k, a.v, a.v, 0.0, R->M->v);
            R->C->arbiter_N++;
            sgn[i] = nrc_exact_sgn(x);
            Nlo[i] = nrc_exact_get_lo(x);
            Nhi[i] = nrc_exact_get_hi(x);
        }
    }
    arf_clear(x);
    nrc_xvec_clear(&a);
    return st;
}

/* Pre-activations and N(x) of the training points, and of the test points
 * when they get flip claims. */
static nrc_status fit_forward(nrc_cert_run *R, nrc_error *err)
{
    const nrc_model *M = R->M;
    nrc_status st = preact(R, R->n, M->X, R->Alo, R->Ahi, R->kink, R->Asgn, R->Ad, err);
    if (st == NRC_OK)
        st = forward_N(R, R->n, M->X, R->Alo, R->Ahi, R->Nlo, R->Nhi, R->sgn, err);
    if (st == NRC_OK && R->m && (R->C->opt.points & NRC_POINTS_TEST)) {
        st = preact(R, R->m, M->Xt, R->Tlo, R->Thi, NULL, NULL, R->ATd, err);
        if (st == NRC_OK)
            st = forward_N(R, R->m, M->Xt, R->Tlo, R->Thi, R->NTlo, R->NThi, R->sgnT, err);
    }
    return st;
}

/* all_correct from the exact signs; min_margin = [min lo(q_i), min hi(q_i)]
 * with q_i = y_i N(x_i). */
static void fit_margins(nrc_cert_run *R)
{
    nrc_certify_result *C = R->C;
    double qlo = INFINITY, qhi = INFINITY;
    size_t i;
    C->all_correct = 1;
    for (i = 0; i < R->n; i++) {
        double y = R->M->y[i];
        double l = y > 0 ? R->Nlo[i] : -R->Nhi[i], h = y > 0 ? R->Nhi[i] : -R->Nlo[i];
        if (R->sgn[i] != (y > 0 ? 1 : -1))
            C->all_correct = 0;
        if (l < qlo)
            qlo = l;
        if (h < qhi)
            qhi = h;
    }
    C->min_margin[0] = qlo;
    C->min_margin[1] = qhi;
}

/* ||theta||^2 = sum_j ||w_j||^2 + (b_j^2 + v_j^2): the engine's sumsq for
 * the rows of W (kept in R->wlo, R->whi for the later steps), the rest by
 * outward interval arithmetic, summed upward term by term. */
static nrc_status fit_theta_norm(nrc_cert_run *R, nrc_error *err)
{
    const nrc_model *M = R->M;
    double s[2], tl = 0.0, th = 0.0;
    size_t j;
    nrc_status st = nrc_engine_sumsq(R->e, R->k, R->d, M->W, NULL, R->d, R->wlo, R->whi, err);
    if (st != NRC_OK)
        return st;
    nrc_cert_sum_nonneg(R->k, R->wlo, R->whi, &s[0], &s[1]);
    for (j = 0; j < R->k; j++) {
        double l, h, bl = 0, bh = 0;
        nrc_ia_sqr(M->v[j], M->v[j], &l, &h);
        if (R->b)
            nrc_ia_sqr(R->b[j], R->b[j], &bl, &bh);
        tl = fi_add_down(tl, fi_add_down(l, bl));
        th = fi_add_up(th, fi_add_up(h, bh));
    }
    tl = tl < 0 ? 0.0 : tl;
    nrc_ia_add(s[0], s[1], tl, th, &R->C->theta_norm_sq[0], &R->C->theta_norm_sq[1]);
    return NRC_OK;
}

/* ||w_j||^2 and ||theta||^2 exactly, rounded outward once (the exact
 * fallback, cert_refine.c): when the engine's ||theta||^2 is not finite or
 * has no positive lower bound although it may be positive. */
void nrc_cert_refine_theta(nrc_cert_run *R)
{
    const nrc_model *M = R->M;
    size_t j, d = R->d;
    arf_t t, u, th;
    arf_init(t);
    arf_init(u);
    arf_init(th);
    arf_zero(th);
    for (j = 0; j < R->k; j++) {
        nrc_exact_dot(t, d, M->W + j * d, 1, M->W + j * d, 1);
        R->wlo[j] = nrc_exact_get_lo(t);
        R->whi[j] = nrc_exact_get_hi(t);
        arf_add(th, th, t, ARF_PREC_EXACT, ARF_RND_DOWN);
        arf_set_d(u, M->v[j]);
        arf_addmul(th, u, u, ARF_PREC_EXACT, ARF_RND_DOWN);
        if (R->b) {
            arf_set_d(u, R->b[j]);
            arf_addmul(th, u, u, ARF_PREC_EXACT, ARF_RND_DOWN);
        }
    }
    nrc_refine_tight(th, R->C->theta_norm_sq);
    R->C->refined |= NRC_REFINED_THETA;
    arf_clear(t);
    arf_clear(u);
    arf_clear(th);
}

/* min_margin exactly: the exact minimum of q_i over the points whose
 * enclosure can attain it. */
static nrc_status refine_margin(nrc_cert_run *R, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    double *qlo, *qhi;
    nrc_cand *cand;
    void *ws;
    nrc_xvec a;
    arf_t q;
    size_t i, nc;
    const nrc_ws_entry tab[] = { NRC_WS(qlo, R->n, 0), NRC_WS(qhi, R->n, 0), NRC_WS(cand, R->n, 0) };
    nrc_status st = nrc_ws_alloc(&ws, tab, sizeof tab / sizeof tab[0], "exact margin", err);
    if (st == NRC_OK)
        st = nrc_xvec_init(&a, R->k, err);
    if (st != NRC_OK) {
        nrc_free(ws);
        return st;
    }
    for (i = 0; i < R->n; i++) {
        qlo[i] = R->M->y[i] > 0 ? R->Nlo[i] : -R->Nhi[i];
        qhi[i] = R->M->y[i] > 0 ? R->Nhi[i] : -R->Nlo[i];
    }
    arf_init(q);
    nc = nrc_refine_cands(R->n, qlo, qhi, 0, cand);
    nrc_refine_extreme(R, cand, nc, 0, nrc_refine_margin_item, &a, q);
    nrc_refine_tight(q, C->min_margin);
    C->refined |= NRC_REFINED_MARGIN;
    arf_clear(q);
    nrc_xvec_clear(&a);
    nrc_free(ws);
    return NRC_OK;
}

/* normalized_margin = min_margin / ||theta||^2 by outward interval division
 * (the claim is checked cross-multiplied, so any enclosure of the quotient
 * is valid). */
static void fit_normalized(nrc_certify_result *C)
{
    if (C->theta_norm_sq[0] > 0) {
        nrc_ia_div(C->min_margin[0], C->min_margin[1], C->theta_norm_sq[0], C->theta_norm_sq[1],
                   &C->normalized_margin[0], &C->normalized_margin[1]);
    } else if (C->theta_norm_sq[1] == 0) {
        /* theta = 0 exactly: N = 0, q_min = 0; any enclosure satisfies the
         * cross-multiplied claim; write [0, 0]. */
        C->normalized_margin[0] = C->normalized_margin[1] = 0.0;
    } else {
        C->normalized_margin[0] = -INFINITY;
        C->normalized_margin[1] = INFINITY;
    }
}

/* The fit's values the certificate must state, with the exact fallback for
 * what the engine's enclosures cannot state: ||theta||^2 (not finite, or
 * no positive lower bound), then the margins (normalized margin not
 * finite); what is still not finite is beyond the binary64 range for every
 * engine, and refused. */
static nrc_status fit_state(nrc_cert_run *R, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    nrc_status st;
    if (!nrc_cert_finite2(C->theta_norm_sq) ||
        (!(C->theta_norm_sq[0] > 0) && C->theta_norm_sq[1] > 0))
        nrc_cert_refine_theta(R);
    fit_normalized(C);
    if (!nrc_cert_finite2(C->normalized_margin) || !nrc_cert_finite2(C->min_margin)) {
        if (!(C->refined & NRC_REFINED_THETA))
            nrc_cert_refine_theta(R);
        st = refine_margin(R, err);
        if (st != NRC_OK)
            return st;
        fit_normalized(C);
    }
    if (!(C->theta_norm_sq[0] > 0) && C->theta_norm_sq[1] > 0)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "||theta||^2 is below the binary64 range: cannot enclose the normalized margin");
    if (!nrc_cert_finite2(C->min_margin) || !nrc_cert_finite2(C->normalized_margin) ||
        !nrc_cert_finite2(C->theta_norm_sq))
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "margins or ||theta||^2 leave the binary64 range: the certificate cannot state them");
    return NRC_OK;
}

nrc_status nrc_claim_fit_decide(nrc_cert_run *R, nrc_error *err)
{
    nrc_status st = fit_forward(R, err);
    if (st != NRC_OK)
        return st;
    fit_margins(R);
    st = fit_theta_norm(R, err);
    if (st != NRC_OK)
        return st;
    return fit_state(R, err);
}

json_t *nrc_claim_fit_json(const nrc_certify_result *C)
{
    json_t *o = json_object();
    int bad = 0;
    nrc_json_put(o, "all_correct", json_boolean(C->all_correct), &bad);
    nrc_json_put(o, "min_margin", nrc_json_enc(C->min_margin), &bad);
    nrc_json_put(o, "normalized_margin", nrc_json_enc(C->normalized_margin), &bad);
    nrc_json_put(o, "theta_norm_sq", nrc_json_enc(C->theta_norm_sq), &bad);
    return nrc_json_done(o, bad);
}
