/* The approximate-KKT claim (spec/CERTIFICATE.md "What each member asserts", kkt, spec/CERTIFY.md
 * step 7, spec/MATH.md section 4): with lambda and the kink subgradients g from
 * the untrusted search (kkt_search.c), the residual r = theta - sum_i
 * lambda_i h_i is enclosed by the engine and bounded upward:
 *   ||r||^2 <= eps_rel^2 T,  ||r||^2 <= eps^2 q_min (full) or eps^2 q_min^2
 *   (fixed second layer),  sum_i lambda_i (q_i - q_min) <= delta q_min,
 *   max_j | ||w_j||^2 + b_j^2 - v_j^2 | <= balance ||theta||^2.
 * The near-kink pairs (--kink-tol) and their tolerance eta are chosen here
 * too: the choice is untrusted, eta is exact. */
#include <stdint.h>
#include <math.h>
#include "nrc_alloc.h"
#include "nrc_fast.h"
#include "fast_inline.h"
#include "cert_run.h"

/* The NNLS's extra unknowns (kkt_search.c): near-kink candidates are
 * listed only when exact zeros plus candidates fit. */
#define KKT_MAX_KINK_UNKNOWNS 4096
/* Row tiles of the transposes (cache reuse only; values unchanged). */
#define KKT_TILE 32
/* Columns of the product P = M^T [X, 1] per engine call: [X, 1]^T is
 * transposed one block of rows at a time, so that neither it nor P is held
 * besides the rows of r (memory only: every entry of P is the same engine
 * product over the n points whatever the blocking, so the certificate's
 * bytes do not depend on it; tests/golden). */
#define KKT_COLS 4096

/* ---------------------------------------------------------------- near kinks */
/* Binary64 norms ||(w_j, [b_j])|| (k) and ||(x_i, [1])|| (n): search only. */
static void near_kink_norms_d(const nrc_cert_run *R, double *wn, double *xn)
{
    const nrc_model *M = R->M;
    size_t i, j, t, d = R->d;
    for (j = 0; j < R->k; j++) {
        double s = R->b ? R->b[j] * R->b[j] : 0.0;
        for (t = 0; t < d; t++)
            s += M->W[j * d + t] * M->W[j * d + t];
        wn[j] = sqrt(s);
    }
    for (i = 0; i < R->n; i++) {
        double s = R->b ? 1.0 : 0.0;
        for (t = 0; t < d; t++)
            s += M->X[i * d + t] * M->X[i * d + t];
        xn[i] = sqrt(s);
    }
}

static int near_kink_d(const nrc_cert_run *R, size_t i, size_t j, const double *wn,
                       const double *xn)
{
    size_t ij = i * R->k + j;
    return !R->kink[ij] && fabs(R->Ad[ij]) <= R->C->opt.kink_tol * wn[j] * xn[i];
}

/* Lists the candidates (kink = 2) and returns eta: the maximum over them of
 * the exact |a_ij| rounded up (the exact arbiter, so eta does not depend on
 * the engine). */
static double near_kink_mark(nrc_cert_run *R, const double *wn, const double *xn)
{
    size_t i, j, k = R->k, d = R->d;
    double eta = 0.0;
    arf_t a;
    arf_init(a);
    for (i = 0; i < R->n; i++)
        for (j = 0; j < k; j++) {
            double lo, hi, m;
            if (!near_kink_d(R, i, j, wn, xn))
                continue;
            R->kink[i * k + j] = 2;
            nrc_exact_preact(a, d, R->M->W + j * d, R->M->X + i * d, R->b ? R->b + j : NULL);
            lo = nrc_exact_get_lo(a);
            hi = nrc_exact_get_hi(a);
            m = -lo > hi ? -lo : hi;
            if (m > eta || isnan(m))
                eta = isnan(m) ? INFINITY : m;
        }
    arf_clear(a);
    return eta;
}

/* Near-kink pairs (spec/CERTIFY.md): the selection is untrusted and uses
 * only the engine-independent binary64 search values (R->Ad), so every
 * engine lists the same pairs: training pairs with
 *   |fl(a_ij)| <= kink_tol ||(w_j, b_j)|| ||(x_i, [1])||   (binary64 norms)
 * besides the exact zeros (always listed). If exact zeros plus candidates
 * exceed the NNLS's extra unknowns, no candidate is listed. The claim
 * |a_ij| <= eta is then true by construction (near_kink_mark); eta is 0
 * when only exact zeros are listed. */
static nrc_status select_near_kinks(nrc_cert_run *R, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    size_t n = R->n, k = R->k, i, j, nz = 0, nc = 0;
    double *wn, *xn;
    void *ws;
    const nrc_ws_entry tab[] = { NRC_WS(wn, k, 0), NRC_WS(xn, n, 0) };
    nrc_status st;
    for (i = 0; i < n * k; i++)
        nz += R->kink[i] != 0;
    C->nkinks_exact = nz;
    C->kink_tolerance = 0.0;
    if (!(C->opt.kink_tol > 0) || n == 0 || k == 0)
        return NRC_OK;
    st = nrc_ws_alloc(&ws, tab, sizeof tab / sizeof tab[0], "near-kink selection", err);
    if (st != NRC_OK)
        return st;
    near_kink_norms_d(R, wn, xn);
    for (i = 0; i < n; i++)
        for (j = 0; j < k; j++)
            nc += near_kink_d(R, i, j, wn, xn);
    /* the NNLS's extra unknowns: exact zeros of dead neurons take none */
    nz = nc > 0 ? nrc_kkt_kink_unknowns(R) : 0;
    if (nz == SIZE_MAX) {
        nrc_free(ws);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (near-kink selection)");
    }
    if (nc > 0 && nz + nc <= KKT_MAX_KINK_UNKNOWNS)
        C->kink_tolerance = near_kink_mark(R, wn, xn);
    nrc_free(ws);
    return NRC_OK;
}

/* ---------------------------------------------------------------- residual */
/* Arrays of the residual; shapes at each. */
typedef struct {
    double *kg;        /* (n, k) g at the listed pairs */
    double *Mt, *Mhi;  /* (k, n) M^T, M_ij = lambda_i y_i g_ij ([Mt, Mhi] when
                        * some g is strictly between 0 and 1) */
    double *XT;        /* (min(d + 1, KKT_COLS), n) a block of rows of
                        * [X, 1]^T (the row of ones is row d) */
    double *ly;        /* (n) lambda_i y_i */
    double *RLo, *RHi; /* (k, n) relu(a_ij) enclosures, transposed */
    double *slo, *shi; /* (k) sum_i lambda_i y_i relu(a_ij), then ||r_j||^2 */
    double *rl, *rh;   /* (k, d + 2) rows (r_wj, r_bj, r_vj) of r; first
                        * (columns 0 .. d) the product P = M^T [X, 1] */
    double *qhi;       /* (n) upper bounds of q_i from the fit */
    double *xqhi, *xwlo, *xwhi;  /* (n), (k), (k): the exact fallback's */
    int kink_frac;     /* some listed g is strictly between 0 and 1 */
} kkt_work;

/* The listed pairs ascending (i, j) with their g (clamped to [0, 1], 0 when
 * the search gave anything else) into the result. */
static nrc_status kkt_list_kinks(nrc_cert_run *R, kkt_work *W, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    size_t i, j, k = R->k, nk = 0;
    for (i = 0; i < R->n * k; i++)
        nk += R->kink[i] != 0;
    C->kinks = nrc_malloc_array(2 * (nk ? nk : 1), sizeof(size_t));
    C->kink_g = nrc_malloc_array(nk ? nk : 1, sizeof(double));
    if (!C->kinks || !C->kink_g)
        return nrc_cert_oom(err, "kinks");
    W->kink_frac = 0;
    for (i = 0; i < R->n; i++)
        for (j = 0; j < k; j++)
            if (R->kink[i * k + j]) {
                double g = W->kg[i * k + j];
                C->kinks[2 * C->nkinks] = i;
                C->kinks[2 * C->nkinks + 1] = j;
                C->kink_g[C->nkinks] = g >= 0 && g <= 1 ? g : 0.0;
                W->kg[i * k + j] = C->kink_g[C->nkinks];
                if (W->kg[i * k + j] != 0 && W->kg[i * k + j] != 1)
                    W->kink_frac = 1;
                C->nkinks++;
            }
    return NRC_OK;
}

/* M_ij = lambda_i y_i g_ij: exact for g in {0, 1} (g from the exact sign
 * of a_ij away from the listed pairs, never from a rounded bound), else an
 * enclosure of the product. */
static void kkt_coef(const nrc_cert_run *R, const kkt_work *W, size_t i, size_t j, double *lo,
                     double *hi)
{
    size_t ij = i * R->k + j;
    double ly = W->ly[i], g = W->kg[ij];
    if (!R->kink[ij]) {
        *lo = *hi = R->Asgn[ij] > 0 ? ly : 0.0;
        return;
    }
    *lo = *hi = g == 0 ? 0.0 : g == 1 ? ly : 0.0;
    if (g != 0 && g != 1)
        fi_ia_scale(ly, g, g, lo, hi);
}

/* Rows t0 .. t1 - 1 of [X, 1]^T into W->XT (row d is the row of ones), in
 * row tiles of KKT_TILE so that the cache lines of X are reused across
 * consecutive columns (pure data movement). */
static void kkt_xt_block(const nrc_cert_run *R, kkt_work *W, size_t t0, size_t t1)
{
    const double *X = R->M->X;
    size_t n = R->n, d = R->d, i, t, i0;
    for (i0 = 0; i0 < n; i0 += KKT_TILE) {
        size_t i1 = n - i0 < KKT_TILE ? n : i0 + KKT_TILE;
        for (t = t0; t < t1 && t < d; t++)
            for (i = i0; i < i1; i++)
                W->XT[(t - t0) * n + i] = X[i * d + t];
    }
    if (t1 == d + 1)
        for (i = 0; i < n; i++)
            W->XT[(d - t0) * n + i] = 1.0;
}

/* ly, M^T (and Mhi), relu(a)^T enclosures; the transposes in row tiles of
 * KKT_TILE (pure data movement: the values are those of the untiled
 * loops). */
static void kkt_operands(const nrc_cert_run *R, kkt_work *W)
{
    const nrc_model *M = R->M;
    size_t n = R->n, k = R->k, i, j, i0;
    for (i = 0; i < n; i++)
        W->ly[i] = M->y[i] > 0 ? R->C->lambda[i] : -R->C->lambda[i];
    for (i0 = 0; i0 < n; i0 += KKT_TILE) {
        size_t i1 = n - i0 < KKT_TILE ? n : i0 + KKT_TILE;
        for (j = 0; j < k; j++)
            for (i = i0; i < i1; i++) {
                double lo = R->Alo[i * k + j], hi = R->Ahi[i * k + j], ml, mh;
                kkt_coef(R, W, i, j, &ml, &mh);
                W->Mt[j * n + i] = ml;
                if (W->kink_frac)
                    W->Mhi[j * n + i] = mh;
                W->RLo[j * n + i] = lo > 0 ? lo : 0.0;
                W->RHi[j * n + i] = hi > 0 ? hi : 0.0;
            }
    }
}

/* Row j of r = theta - sum_i lambda_i h_i: (w_j - v_j P_j[0..d), b_j - v_j
 * P_j[d] (0 without biases), v_j - s_j (0 for the fixed second layer)),
 * outward, in place over P_j (held in the row's first d + 1 entries: each
 * is read before its entry of r is written). */
static void kkt_residual_row(const nrc_cert_run *R, kkt_work *W, size_t j, int full)
{
    size_t d = R->d, t;
    double v = R->M->v[j], *rl = W->rl + j * (d + 2), *rh = W->rh + j * (d + 2);
    for (t = 0; t < d; t++) {
        double pl, ph;
        fi_ia_scale(v, rl[t], rh[t], &pl, &ph);
        fi_ia_sub(R->M->W[j * d + t], R->M->W[j * d + t], pl, ph, &rl[t], &rh[t]);
    }
    if (R->b) {
        double pl, ph;
        fi_ia_scale(v, rl[d], rh[d], &pl, &ph);
        fi_ia_sub(R->b[j], R->b[j], pl, ph, &rl[d], &rh[d]);
    } else {
        rl[d] = rh[d] = 0.0;
    }
    if (full)
        fi_ia_sub(v, v, W->slo[j], W->shi[j], &rl[d + 1], &rh[d + 1]);
    else
        rl[d + 1] = rh[d + 1] = 0.0;
}

/* P = M^T [X, 1] into columns 0 .. d of the rows of r (leading dimension
 * d + 2), KKT_COLS columns per engine call. */
static nrc_status kkt_product(nrc_cert_run *R, kkt_work *W, nrc_error *err)
{
    size_t n = R->n, k = R->k, d = R->d, t0;
    nrc_status st = NRC_OK;
    for (t0 = 0; t0 < d + 1 && st == NRC_OK; t0 += KKT_COLS) {
        size_t t1 = d + 1 - t0 < KKT_COLS ? d + 1 : t0 + KKT_COLS;
        kkt_xt_block(R, W, t0, t1);
        st = nrc_engine_gemm(R->e, k, t1 - t0, n, W->Mt, W->kink_frac ? W->Mhi : NULL, n,
                             W->XT, n, W->rl + t0, W->rh + t0, d + 2, err);
    }
    return st;
}

/* [r2lo, r2hi] encloses ||r||^2: the engine's products P = M^T [X, 1] and
 * s = relu(A)^T (lambda y), the rows of r, then the engine's sumsq. */
static nrc_status kkt_residual(nrc_cert_run *R, kkt_work *W, int full, double r2[2],
                               nrc_error *err)
{
    size_t n = R->n, k = R->k, d = R->d, j;
    nrc_status st = kkt_product(R, W, err);
    if (st == NRC_OK && full)
        st = nrc_engine_gemm(R->e, k, 1, n, W->RLo, W->RHi, n, W->ly, n, W->slo, W->shi, 1, err);
    if (st != NRC_OK)
        return st;
    for (j = 0; j < k; j++)
        kkt_residual_row(R, W, j, full);
    st = nrc_engine_sumsq(R->e, k, d + 2, W->rl, W->rh, d + 2, W->slo, W->shi, err);
    if (st != NRC_OK)
        return st;
    nrc_cert_sum_nonneg(k, W->slo, W->shi, &r2[0], &r2[1]);
    return NRC_OK;
}

/* T = ||theta||^2 over the coordinates of r: all of theta (full), or
 * ||W||^2 + ||b||^2 (fixed second layer). */
static void kkt_theta_T(const nrc_cert_run *R, int full, double T[2])
{
    double bl = 0, bh = 0, wl, wh;
    size_t j;
    if (full) {
        T[0] = R->C->theta_norm_sq[0];
        T[1] = R->C->theta_norm_sq[1];
        return;
    }
    nrc_cert_sum_nonneg(R->k, R->wlo, R->whi, &wl, &wh);
    if (R->b)
        for (j = 0; j < R->k; j++) {
            double l2, h2;
            nrc_ia_sqr(R->b[j], R->b[j], &l2, &h2);
            bl = fi_add_down(bl, l2);
            bh = fi_add_up(bh, h2);
        }
    nrc_ia_add(wl, wh, bl, bh, &T[0], &T[1]);
}

/* delta: sum_i lambda_i (q_i - q_min) <= delta q_min, upward. */
static double kkt_delta(const nrc_cert_run *R, const nrc_kkt_in *in)
{
    const nrc_certify_result *C = R->C;
    double acc = 0.0;
    size_t i;
    for (i = 0; i < R->n; i++) {
        if (C->lambda[i] == 0)
            continue;
        acc = fi_add_up(acc, fi_mul_up(C->lambda[i], fi_sub_up(in->qhi[i], in->qmin)));
    }
    return nrc_fast_div_up(acc, in->qmin);
}

/* balancedness: max_j | ||w_j||^2 + b_j^2 - v_j^2 | <= bd ||theta||^2. */
static double kkt_balance(const nrc_cert_run *R, const nrc_kkt_in *in)
{
    double bmax = 0.0;
    size_t j;
    for (j = 0; j < R->k; j++) {
        double bl = 0, bh = 0, vl, vh, el, eh, al, ah;
        if (R->b)
            nrc_ia_sqr(R->b[j], R->b[j], &bl, &bh);
        nrc_ia_sqr(R->M->v[j], R->M->v[j], &vl, &vh);
        nrc_ia_add(in->wlo[j], in->whi[j], bl, bh, &el, &eh);
        fi_ia_sub(el, eh, vl, vh, &el, &eh);
        nrc_ia_abs(el, eh, &al, &ah);
        if (ah > bmax || isnan(ah))
            bmax = isnan(ah) ? INFINITY : ah;
    }
    return nrc_fast_div_up(bmax, in->theta_lo);
}

/* The four bounds from the inputs (every formula is monotone in them: up
 * in r2hi and qhi, down in Tlo, qmin, theta_lo); certified when all are
 * finite, else a reason. */
static void kkt_bounds(nrc_cert_run *R, int full, const nrc_kkt_in *in)
{
    nrc_certify_result *C = R->C;
    C->kkt_certified = 0;
    C->kkt_reason = NULL;
    if (!(in->Tlo > 0) || !isfinite(in->r2hi)) {
        C->kkt_reason = "||theta||^2 or ||r||^2 cannot be bounded in binary64";
        return;
    }
    C->eps_rel_upper = nrc_fast_sqrt_up(nrc_fast_div_up(in->r2hi, in->Tlo));
    if (full)
        C->eps_upper = nrc_fast_sqrt_up(nrc_fast_div_up(in->r2hi, in->qmin));
    else
        C->eps_upper = nrc_fast_div_up(nrc_fast_sqrt_up(in->r2hi), in->qmin);
    C->delta_upper = kkt_delta(R, in);
    C->balance_defect_upper = kkt_balance(R, in);
    if (!isfinite(C->eps_rel_upper) || !isfinite(C->eps_upper) ||
        !isfinite(C->delta_upper) || !isfinite(C->balance_defect_upper)) {
        C->kkt_reason = "a KKT bound leaves the binary64 range";
        return;
    }
    C->kkt_certified = 1;
}

/* The inputs of the bounds from the engine's enclosures: ||r||^2, T, the
 * margins of the fit, ||w_j||^2 and ||theta||^2 of the fit step. */
static nrc_status kkt_engine_inputs(nrc_cert_run *R, kkt_work *W, int full, nrc_kkt_in *in,
                                    nrc_error *err)
{
    double r2[2], T[2];
    size_t i;
    nrc_status st;
    kkt_operands(R, W);
    st = kkt_residual(R, W, full, r2, err);
    if (st != NRC_OK)
        return st;
    kkt_theta_T(R, full, T);
    in->r2hi = r2[1];
    in->Tlo = T[0];
    in->qmin = R->C->min_margin[0];
    in->theta_lo = R->C->theta_norm_sq[0];
    in->qhi = W->qhi;
    in->wlo = R->wlo;
    in->whi = R->whi;
    for (i = 0; i < R->n; i++)
        W->qhi[i] = R->M->y[i] > 0 ? R->Nhi[i] : -R->Nlo[i];
    return NRC_OK;
}

/* No finite bound from the engine's enclosures: the same bounds from the
 * exact inputs (kkt_exact.c). */
static nrc_status kkt_exact_fallback(nrc_cert_run *R, kkt_work *W, int full, nrc_error *err)
{
    nrc_kkt_in in;
    nrc_status st;
    in.qhi = W->xqhi;
    in.wlo = W->xwlo;
    in.whi = W->xwhi;
    st = nrc_kkt_exact_inputs(R, W->kg, full, &in, err);
    if (st != NRC_OK)
        return st;
    kkt_bounds(R, full, &in);
    R->C->refined |= NRC_REFINED_KKT;
    return NRC_OK;
}

/* ---------------------------------------------------------------- step */
/* The KKT claims need a fit with a positive lower bound on q_min. */
static int kkt_applicable(nrc_certify_result *C)
{
    C->kkt_certified = 0;
    if (!C->all_correct) {
        C->kkt_reason = "fit.all_correct is false";
        return 0;
    }
    if (!(C->min_margin[0] > 0)) {
        C->kkt_reason = "no positive lower bound on q_min";
        return 0;
    }
    return 1;
}

static nrc_status kkt_alloc(const nrc_cert_run *R, kkt_work *W, void **ws, nrc_error *err)
{
    size_t n = R->n, k = R->k, d = R->d;
    const nrc_ws_entry tab[] = {
        NRC_WS(W->kg, n * k, 1),       NRC_WS(W->Mt, k * n, 0),
        NRC_WS(W->Mhi, k * n, 0),
        NRC_WS(W->XT, nrc_ws_mul(d + 1 < KKT_COLS ? d + 1 : KKT_COLS, n), 0),
        NRC_WS(W->ly, n, 0),           NRC_WS(W->RLo, k * n, 0),
        NRC_WS(W->RHi, k * n, 0),      NRC_WS(W->slo, k, 0),
        NRC_WS(W->shi, k, 0),          NRC_WS(W->rl, k * (d + 2), 0),
        NRC_WS(W->rh, k * (d + 2), 0), NRC_WS(W->qhi, n, 0),
        NRC_WS(W->xqhi, n, 0),         NRC_WS(W->xwlo, k, 0),
        NRC_WS(W->xwhi, k, 0),
    };
    return nrc_ws_alloc(ws, tab, sizeof tab / sizeof tab[0], "KKT residual", err);
}

nrc_status nrc_claim_kkt_decide(nrc_cert_run *R, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    int full = !(R->M->flags & NRC_FLAG_FIXED_V);
    nrc_kkt_in in;
    kkt_work W;
    void *ws = NULL;
    nrc_status st;
    if (!kkt_applicable(C))
        return NRC_OK;
    st = select_near_kinks(R, err);
    if (st != NRC_OK)
        return st;
    C->lambda = nrc_malloc_array(R->n ? R->n : 1, sizeof(double));
    if (!C->lambda)
        return nrc_cert_oom(err, "lambda");
    st = kkt_alloc(R, &W, &ws, err);
    if (st == NRC_OK)
        st = nrc_kkt_lambda_d(R, C->lambda, W.kg, err);
    if (st == NRC_OK)
        st = kkt_list_kinks(R, &W, err);
    if (st == NRC_OK)
        st = kkt_engine_inputs(R, &W, full, &in, err);
    if (st == NRC_OK)
        kkt_bounds(R, full, &in);
    if (st == NRC_OK && !C->kkt_certified)
        st = kkt_exact_fallback(R, &W, full, err);
    nrc_free(ws);
    return st;
}

json_t *nrc_claim_kkt_json(const nrc_certify_result *C)
{
    json_t *o = json_object(), *a = json_array(), *g = json_array();
    size_t r;
    int bad = 0, cert = C->kkt_certified;
    nrc_json_put(o, "status", json_string(cert ? "certified" : "not-applicable"), &bad);
    nrc_json_put(o, "variant", json_string(C->fixed_v ? "fixed-second-layer" : "full"), &bad);
    for (r = 0; cert && r < C->n; r++)
        nrc_json_push(a, nrc_json_hex(C->lambda[r]), &bad);
    nrc_json_put(o, "lambda", a, &bad);
    for (r = 0; cert && r < C->nkinks; r++) {
        json_t *p = json_array();
        nrc_json_push(p, json_integer((json_int_t)C->kinks[2 * r]), &bad);
        nrc_json_push(p, json_integer((json_int_t)C->kinks[2 * r + 1]), &bad);
        nrc_json_push(p, nrc_json_hex(C->kink_g[r]), &bad);
        nrc_json_push(g, p, &bad);
    }
    nrc_json_put(o, "kinks", g, &bad);
    if (cert)   /* eta: every listed pair has |a_ij| <= eta (spec/CERTIFICATE.md) */
        nrc_json_put(o, "kink_tolerance", nrc_json_hex(C->kink_tolerance), &bad);
    nrc_json_put(o, "eps_rel_upper", cert ? nrc_json_hex(C->eps_rel_upper) : json_null(), &bad);
    nrc_json_put(o, "eps_upper", cert ? nrc_json_hex(C->eps_upper) : json_null(), &bad);
    nrc_json_put(o, "delta_upper", cert ? nrc_json_hex(C->delta_upper) : json_null(), &bad);
    nrc_json_put(o, "balance_defect_upper", cert ? nrc_json_hex(C->balance_defect_upper)
                                                 : json_null(), &bad);
    if (!cert)
        nrc_json_put(o, "reason", json_string(C->kkt_reason ? C->kkt_reason : "not certified"),
                     &bad);
    return nrc_json_done(o, bad);
}
