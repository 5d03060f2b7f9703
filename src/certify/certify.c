/* The claim pipeline of `certify` (include/certify/nrc_certify.h, spec/CERTIFY.md).
 *
 * Every claim is decided from engine enclosures (include/certify/nrc_engine.h) and,
 * where they cannot decide, by the exact arbiter (include/certify/nrc_exact.h).
 * Search results (lambda, t*, s) come from src/certify/search_approx.c and
 * are only inputs to those decisions. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_cert_search.h"
#include "nrc_certify.h"
#include "nrc_exact.h"
#include "nrc_fast.h"
#include "fast_inline.h"
#include "fast_reuse.h"

void nrc_certify_options_default(nrc_certify_options *o)
{
    o->points = NRC_POINTS_ALL;
    o->margin_dir = 0;
    o->tau = 0.0;
    o->tau_text = NULL;
    o->kink_tol = 0x1p-40;
}

void nrc_certify_result_init(nrc_certify_result *C)
{
    memset(C, 0, sizeof *C);
}

void nrc_certify_result_clear(nrc_certify_result *C)
{
    nrc_free(C->dir_idx);
    nrc_free(C->neuron_norm_upper);
    nrc_free(C->flips);
    nrc_free(C->lambda);
    nrc_free(C->kinks);
    nrc_free(C->kink_g);
    memset(C, 0, sizeof *C);
}

int nrc_certify_all_certified(const nrc_certify_result *C)
{
    size_t r;
    if (!C->all_correct || !C->kkt_certified || !C->robust_certified)
        return 0;
    for (r = 0; r < C->nflips; r++)
        if (C->flips[r].status != NRC_FLIP_CERTIFIED)
            return 0;
    return 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Working state of one run. */
typedef struct {
    const nrc_model *M;
    nrc_engine *e;
    nrc_certify_result *C;
    size_t n, d, k, m;
    const double *b;          /* NULL without biases */
    /* pre-activation enclosures, decided: (n, k) train, (m, k) test */
    double *Alo, *Ahi, *Tlo, *Thi;
    unsigned char *kink;      /* (n, k): listed in kkt.kinks: 1 a_ij == 0
                               * exactly, 2 a near-kink (0 < |a_ij| <= eta,
                               * chosen in phase_kkt); g_ij is free there */
    signed char *Asgn;        /* (n, k): exact sign of a_ij (g_ij = Asgn > 0);
                               * NOT lo > 0: a tiny positive a_ij may round
                               * down to lo = 0 */
    /* N(x) enclosures and decided signs */
    double *Nlo, *Nhi, *NTlo, *NThi;
    int *sgn, *sgnT;
    /* norms of points: ||x||^2 enclosures */
    double *xlo, *xhi, *xtlo, *xthi;
    /* z */
    nrc_xvec z, cz;           /* exact z (d), exact c = W z (k, lazily) */
    int cz_ready;
    double *zlo, *zhi, *clo, *chi;
    /* ||w_j||^2, b_j^2, v_j^2 enclosures */
    double *wlo, *whi;
    double *G;                /* (n, n) midpoints of X X^T (for NNLS) */
    int G_ready;              /* G computed in phase_data (fast engine) */
    /* Search inputs (untrusted, engine-independent so that every engine
     * reaches the same verdicts): plain binary64 pre-activations and
     * c = W fl(z), computed with nrc_dgemm. */
    double *Ad, *ATd, *cd, *zd;
} run_t;

static nrc_status oom(nrc_error *err, const char *what)
{
    return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (%s)", what);
}

static void *alloc_d(size_t a, size_t b)
{
    if (b && a > SIZE_MAX / b)
        return NULL;
    return nrc_malloc_array((a && b) ? a * b : 1, sizeof(double));
}

/* Pre-activations of rows P (r, d): enclose with the engine, add biases,
 * then decide every sign: entries whose enclosure contains 0 go to the
 * exact arbiter, which either finds them exactly 0 (a kink: [0, 0]) or
 * replaces the enclosure by the exact value rounded outward. */
static void preact_d(run_t *R, size_t r, const double *P, double *out);

static nrc_status preact(run_t *R, size_t r, const double *P, double *lo,
                         double *hi, unsigned char *kink, signed char *sgn,
                         double *Ad, nrc_error *err)
{
    size_t i, j, k = R->k, d = R->d;
    nrc_status st;
    arf_t a;
    if (Ad && nrc_fast_engine_is(R->e) && r) {
        /* the fast engine's midpoint IS the search product fl(P W^T):
         * compute it once (fast_reuse.h), then add the biases to the
         * search copy exactly as preact_d does */
        nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, r, k, d, 1.0, P, d, R->M->W, d, 0.0, Ad, k);
        st = nrc_fast_enclose_mid(r, k, d, P, d, R->M->W, d, Ad, k, lo, hi, k, err);
        if (R->b)
            for (i = 0; i < r; i++)
                for (j = 0; j < k; j++)
                    Ad[i * k + j] += R->b[j];
    } else {
        st = nrc_engine_gemm(R->e, r, k, d, P, NULL, d, R->M->W, d, lo, hi, k, err);
        if (Ad)
            preact_d(R, r, P, Ad);
    }
    if (st != NRC_OK)
        return st;
    if (R->b)
        for (i = 0; i < r; i++)
            for (j = 0; j < k; j++)
                nrc_ia_add(lo[i * k + j], hi[i * k + j], R->b[j], R->b[j],
                           &lo[i * k + j], &hi[i * k + j]);
    arf_init(a);
    for (i = 0; i < r; i++)
        for (j = 0; j < k; j++) {
            if (lo[i * k + j] > 0 || hi[i * k + j] < 0) {
                if (sgn)
                    sgn[i * k + j] = lo[i * k + j] > 0 ? 1 : -1;
                continue;
            }
            nrc_exact_preact(a, d, R->M->W + j * d, P + i * d, R->b ? R->b + j : NULL);
            R->C->arbiter_preact++;
            lo[i * k + j] = nrc_exact_get_lo(a);
            hi[i * k + j] = nrc_exact_get_hi(a);
            if (sgn)
                sgn[i * k + j] = (signed char)nrc_exact_sgn(a);
            if (arf_is_zero(a) && kink)
                kink[i * k + j] = 1;
        }
    arf_clear(a);
    return NRC_OK;
}

/* Plain binary64 pre-activations (search only): P W^T + b. */
static void preact_d(run_t *R, size_t r, const double *P, double *out)
{
    size_t i, j, k = R->k;
    if (r == 0)
        return;
    nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, r, k, R->d, 1.0, P, R->d, R->M->W, R->d, 0.0, out, k);
    if (R->b)
        for (i = 0; i < r; i++)
            for (j = 0; j < k; j++)
                out[i * k + j] += R->b[j];
}

/* Exact pre-activations of one point (k entries). */
static void exact_preacts(run_t *R, const double *x, nrc_xvec *a)
{
    size_t j;
    for (j = 0; j < R->k; j++)
        nrc_exact_preact(a->v + j, R->d, R->M->W + j * R->d, x, R->b ? R->b + j : NULL);
}

/* N(x) for rows with decided pre-activation enclosures: enclosure, then
 * sign; an enclosure containing 0 is decided exactly. */
static nrc_status forward_N(run_t *R, size_t r, const double *P, const double *lo,
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
        st = nrc_engine_ray(R->e, k, lo + i * k, hi + i * k, lo + i * k, hi + i * k,
                            0.0, R->M->v, &Nlo[i], &Nhi[i], err);
        if (st != NRC_OK)
            break;
        if (Nlo[i] > 0) {
            sgn[i] = 1;
        } else if (Nhi[i] < 0) {
            sgn[i] = -1;
        } else {
            exact_preacts(R, P + i * R->d, &a);
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

static void sum_up_down(size_t len, const double *lo, const double *hi, double *slo,
                        double *shi)
{
    size_t t;
    double a = 0.0, b = 0.0;
    for (t = 0; t < len; t++) {
        a = fi_add_down(a, lo[t]);
        b = fi_add_up(b, hi[t]);
    }
    *slo = a < 0 ? 0.0 : a;
    *shi = b;
}

static int finite2(const double e[2]) { return isfinite(e[0]) && isfinite(e[1]); }

/* ---------------------------------------------------------------- fit */
static nrc_status phase_forward(run_t *R, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    const nrc_model *M = R->M;
    size_t i, j, n = R->n, k = R->k, d = R->d, m = R->m;
    double qlo = INFINITY, qhi = INFINITY, s[2], t[2];
    double *vlo = NULL, *vhi = NULL;
    nrc_status st;

    st = preact(R, n, M->X, R->Alo, R->Ahi, R->kink, R->Asgn, R->Ad, err);
    if (st == NRC_OK)
        st = forward_N(R, n, M->X, R->Alo, R->Ahi, R->Nlo, R->Nhi, R->sgn, err);
    if (st == NRC_OK && m && (C->opt.points & NRC_POINTS_TEST)) {
        st = preact(R, m, M->Xt, R->Tlo, R->Thi, NULL, NULL, R->ATd, err);
        if (st == NRC_OK)
            st = forward_N(R, m, M->Xt, R->Tlo, R->Thi, R->NTlo, R->NThi, R->sgnT, err);
    }
    if (st != NRC_OK)
        return st;
    C->all_correct = 1;
    for (i = 0; i < n; i++) {
        double l, h;
        if (R->sgn[i] != (M->y[i] > 0 ? 1 : -1))
            C->all_correct = 0;
        l = M->y[i] > 0 ? R->Nlo[i] : -R->Nhi[i];
        h = M->y[i] > 0 ? R->Nhi[i] : -R->Nlo[i];
        if (l < qlo) qlo = l;
        if (h < qhi) qhi = h;
    }
    C->min_margin[0] = qlo;
    C->min_margin[1] = qhi;
    /* ||theta||^2 = sum_j ||w_j||^2 + b_j^2 + v_j^2 */
    st = nrc_engine_sumsq(R->e, k, d, M->W, NULL, d, R->wlo, R->whi, err);
    if (st != NRC_OK)
        return st;
    sum_up_down(k, R->wlo, R->whi, &s[0], &s[1]);
    vlo = alloc_d(k, 1);
    vhi = alloc_d(k, 1);
    if (!vlo || !vhi) {
        nrc_free(vlo);
        nrc_free(vhi);
        return oom(err, "theta norm");
    }
    for (j = 0; j < k; j++) {
        double l, h, bl = 0, bh = 0;
        nrc_ia_sqr(M->v[j], M->v[j], &l, &h);
        if (R->b)
            nrc_ia_sqr(R->b[j], R->b[j], &bl, &bh);
        vlo[j] = fi_add_down(l, bl);
        vhi[j] = fi_add_up(h, bh);
    }
    sum_up_down(k, vlo, vhi, &t[0], &t[1]);
    nrc_free(vlo);
    nrc_free(vhi);
    nrc_ia_add(s[0], s[1], t[0], t[1], &C->theta_norm_sq[0], &C->theta_norm_sq[1]);
    if (C->theta_norm_sq[0] > 0) {
        nrc_ia_div(qlo, qhi, C->theta_norm_sq[0], C->theta_norm_sq[1],
                   &C->normalized_margin[0], &C->normalized_margin[1]);
    } else if (C->theta_norm_sq[1] == 0) {
        /* theta = 0 exactly: N = 0, q_min = 0; any enclosure satisfies the
         * cross-multiplied claim; write [0, 0]. */
        C->normalized_margin[0] = C->normalized_margin[1] = 0.0;
    } else {
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "||theta||^2 is below the binary64 range: cannot enclose the normalized margin");
    }
    if (!finite2(C->min_margin) || !finite2(C->normalized_margin) || !finite2(C->theta_norm_sq))
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "margins or ||theta||^2 leave the binary64 range: the certificate cannot state them");
    return NRC_OK;
}

/* ---------------------------------------------------------------- data */
#define GRAM_BLOCK 256
#define SYM_BLOCK 128

/* Plain binary64 Gram C = fl(A A^T) (r, r), ldc: the lower block triangle
 * (row blocks of SYM_BLOCK, columns up to the block's end) with nrc_dgemm,
 * then mirrored. About 0.56 of the flops of the full product at r = 1000.
 * Every entry is still a round-to-nearest dot product of length q in some
 * order, which is all fast_reuse.h asks of a midpoint; the blocks depend on
 * r only, so the bits do not depend on the thread count; and C is exactly
 * symmetric. The fast engine's X X^T midpoint (phase_data) and every
 * engine's NNLS Gram (kkt_lambda_d) come from this one function, so all
 * engines solve the same NNLS. */
static void gram_sym_d(size_t r, size_t q, const double *A, size_t lda, double *C, size_t ldc)
{
    size_t i0, i, l;
    for (i0 = 0; i0 < r; i0 += SYM_BLOCK) {
        size_t rb = r - i0 < SYM_BLOCK ? r - i0 : SYM_BLOCK;
        nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, rb, i0 + rb, q, 1.0, A + i0 * lda, lda, A, lda, 0.0,
                  C + i0 * ldc, ldc);
    }
    for (i = 0; i < r; i++)
        for (l = i + 1; l < r; l++)
            C[i * ldc + l] = C[l * ldc + i];
}

static nrc_status phase_data(run_t *R, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    const nrc_model *M = R->M;
    size_t n = R->n, d = R->d, k = R->k, i, l, i0;
    double rho_lo = 0.0, rho_hi = 0.0, *Glo = NULL, *Ghi = NULL, *g = NULL;
    nrc_status st = NRC_OK;
    arf_t x;

    /* ||x_i||^2 */
    st = nrc_engine_sumsq(R->e, n, d, M->X, NULL, d, R->xlo, R->xhi, err);
    if (st == NRC_OK && R->m)
        st = nrc_engine_sumsq(R->e, R->m, d, M->Xt, NULL, d, R->xtlo, R->xthi, err);
    if (st != NRC_OK)
        return st;
    C->R_min_sq[0] = C->R_min_sq[1] = INFINITY;
    C->R_max_sq[0] = C->R_max_sq[1] = 0.0;
    for (i = 0; i < n; i++) {
        if (R->xlo[i] < C->R_min_sq[0]) C->R_min_sq[0] = R->xlo[i];
        if (R->xhi[i] < C->R_min_sq[1]) C->R_min_sq[1] = R->xhi[i];
        if (R->xlo[i] > C->R_max_sq[0]) C->R_max_sq[0] = R->xlo[i];
        if (R->xhi[i] > C->R_max_sq[1]) C->R_max_sq[1] = R->xhi[i];
    }
    if (!(C->R_min_sq[0] > 0)) {
        /* decide exactly: a zero training point makes eps_data undefined */
        arf_init(x);
        for (i = 0; i < n; i++) {
            if (R->xlo[i] > 0)
                continue;
            nrc_exact_dot(x, d, M->X + i * d, 1, M->X + i * d, 1);
            if (arf_is_zero(x)) {
                arf_clear(x);
                return nrc_error_set(err, NRC_ERR_INPUT,
                                     "training point %zu is the zero vector: eps_data is undefined", i);
            }
            R->xlo[i] = nrc_exact_get_lo(x);
            if (R->xlo[i] < C->R_min_sq[0] || C->R_min_sq[0] == 0)
                C->R_min_sq[0] = R->xlo[i];
        }
        arf_clear(x);
        C->R_min_sq[0] = INFINITY;
        for (i = 0; i < n; i++)
            if (R->xlo[i] < C->R_min_sq[0])
                C->R_min_sq[0] = R->xlo[i];
        if (!(C->R_min_sq[0] > 0))
            return nrc_error_set(err, NRC_ERR_INPUT,
                                 "a squared training norm is below the binary64 range");
    }
    /* Gram X X^T in row blocks: rho and the NNLS Gram midpoints */
    Glo = alloc_d(GRAM_BLOCK, n);
    Ghi = alloc_d(GRAM_BLOCK, n);
    if (!Glo || !Ghi) {
        st = oom(err, "Gram block");
        goto done;
    }
    if (nrc_fast_engine_is(R->e)) {
        /* the fast engine's midpoint is the NNLS Gram fl(X X^T) of
         * phase_kkt: compute it once (fast_reuse.h) */
        gram_sym_d(n, d, M->X, d, R->G, n);
        R->G_ready = 1;
    }
    for (i0 = 0; i0 < n && st == NRC_OK; i0 += GRAM_BLOCK) {
        size_t rb = n - i0 < GRAM_BLOCK ? n - i0 : GRAM_BLOCK;
        if (R->G_ready)
            st = nrc_fast_enclose_mid(rb, n, d, M->X + i0 * d, d, M->X, d, R->G + i0 * n, n,
                                      Glo, Ghi, n, err);
        else
            st = nrc_engine_gemm(R->e, rb, n, d, M->X + i0 * d, NULL, d, M->X, d, Glo, Ghi, n, err);
        for (i = 0; st == NRC_OK && i < rb; i++)
            for (l = 0; l < n; l++) {
                double al, ah, lo = Glo[i * n + l], hi = Ghi[i * n + l];
                if (l == i0 + i)
                    continue;
                nrc_ia_abs(lo, hi, &al, &ah);
                if (al > rho_lo) rho_lo = al;
                if (ah > rho_hi) rho_hi = ah;
            }
    }
    if (st != NRC_OK)
        goto done;
    C->rho[0] = rho_lo;
    C->rho[1] = rho_hi;
    {
        double nm1 = (double)(n - 1), tl, th;   /* exact for n <= 2^53 */
        nrc_ia_mul(nm1, nm1, rho_lo, rho_hi, &tl, &th);
        nrc_ia_div(tl, th, C->R_min_sq[0], C->R_min_sq[1], &C->eps_data[0], &C->eps_data[1]);
    }
    /* z, exactly; its enclosure; <z, z>; gamma_z; c = W z */
    nrc_exact_direction(&R->z, n, d, M->X, M->y, C->dir_idx, C->dir_len);
    for (l = 0; l < d; l++) {
        R->zlo[l] = nrc_exact_get_lo(R->z.v + l);
        R->zhi[l] = nrc_exact_get_hi(R->z.v + l);
        R->zd[l] = arf_get_d(R->z.v + l, ARF_RND_NEAR);
    }
    nrc_dgemv(NRC_BLAS_N, k, d, 1.0, M->W, d, R->zd, 0.0, R->cd);
    arf_init(x);
    nrc_exact_sumsq_arf(x, d, R->z.v);
    C->z_norm_sq[0] = nrc_exact_get_lo(x);
    C->z_norm_sq[1] = nrc_exact_get_hi(x);
    arf_clear(x);
    g = alloc_d(2, n);
    if (!g) {
        st = oom(err, "gamma_z");
        goto done;
    }
    st = nrc_engine_gemm(R->e, 1, n, d, R->zlo, R->zhi, d, M->X, d, g, g + n, n, err);
    if (st != NRC_OK)
        goto done;
    C->gamma_z[0] = C->gamma_z[1] = INFINITY;
    for (i = 0; i < n; i++) {
        double lo = M->y[i] > 0 ? g[i] : -g[n + i], hi = M->y[i] > 0 ? g[n + i] : -g[i];
        if (lo < C->gamma_z[0]) C->gamma_z[0] = lo;
        if (hi < C->gamma_z[1]) C->gamma_z[1] = hi;
    }
    st = nrc_engine_gemm(R->e, 1, k, d, R->zlo, R->zhi, d, M->W, d, R->clo, R->chi, k, err);
    if (st != NRC_OK)
        goto done;
    C->n_pos = C->n_neg = 0;
    for (i = 0; i < n; i++) {
        if (M->y[i] > 0) C->n_pos++;
        else C->n_neg++;
    }
    C->regime = C->eps_data[1] <= 0x1.999999999999ap-4 && C->gamma_z[0] > 0;
    if (!finite2(C->R_min_sq) || !finite2(C->R_max_sq) || !finite2(C->rho) ||
        !finite2(C->eps_data) || !finite2(C->gamma_z) || !finite2(C->z_norm_sq))
        st = nrc_error_set(err, NRC_ERR_INPUT,
                           "data statistics leave the binary64 range: the certificate cannot state them");
done:
    nrc_free(Glo);
    nrc_free(Ghi);
    nrc_free(g);
    return st;
}

/* ---------------------------------------------------------------- lipschitz */
static void phase_lipschitz(run_t *R)
{
    nrc_certify_result *C = R->C;
    size_t j;
    double L = 0.0;
    for (j = 0; j < R->k; j++) {
        /* u_j^2 >= whi_j >= ||w_j||^2: sqrt_up verifies its square exactly */
        double u = nrc_fast_sqrt_up(R->whi[j]);
        C->neuron_norm_upper[j] = u;
        L = fi_add_up(L, fi_mul_up(fabs(R->M->v[j]), u));
    }
    C->L_upper = L;
}

/* ---------------------------------------------------------------- flips */
static nrc_status ensure_cz(run_t *R, nrc_error *err)
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

/* Decide p N(x - p s z) < 0: TRUE, FALSE or UNKNOWN (error). */
static nrc_truth flip_at(run_t *R, const double *x, const double *alo,
                         const double *ahi, int p, double s, int engine_only,
                         nrc_xvec *ax, int *ax_ready, int *used_arb, nrc_error *err)
{
    double lo, hi, plo, phi, t = p * s;
    arf_t val;
    int sg;
    if (nrc_fast_engine_is(R->e)) {
        /* the claim needs only the sign: the cheap a-priori filter first
         * (fast_reuse.h); undecided rays go to the engine as before */
        sg = nrc_fast_ray_sign(R->k, alo, ahi, R->clo, R->chi, t, R->M->v);
        if (sg != 0)
            return sg * p < 0 ? NRC_TRUE : NRC_FALSE;
    }
    if (nrc_engine_ray(R->e, R->k, alo, ahi, R->clo, R->chi, t, R->M->v, &lo, &hi, err) != NRC_OK)
        return NRC_UNKNOWN;
    plo = p > 0 ? lo : -hi;
    phi = p > 0 ? hi : -lo;
    if (phi < 0)
        return NRC_TRUE;
    if (plo >= 0)
        return NRC_FALSE;
    if (engine_only)
        return NRC_UNKNOWN;
    if (ensure_cz(R, err) != NRC_OK)
        return NRC_UNKNOWN;
    if (!*ax_ready) {
        exact_preacts(R, x, ax);
        *ax_ready = 1;
    }
    arf_init(val);
    nrc_exact_ray(val, R->k, ax->v, R->cz.v, t, R->M->v);
    sg = nrc_exact_sgn(val) * p;
    arf_clear(val);
    R->C->arbiter_flip++;
    *used_arb = 1;
    return sg < 0 ? NRC_TRUE : NRC_FALSE;
}

static nrc_status flip_point(run_t *R, nrc_flip *f, const double *x, const double *alo,
                             const double *ahi, const double *ad, int p, double Nlo, double Nhi,
                             double xnlo, double *work, size_t *idx, nrc_xvec *ax,
                             nrc_error *err)
{
    nrc_certify_result *C = R->C;
    size_t j, k = R->k;
    double tstar, tnext, s[4], pNlo;
    int ns, c, ax_ready = 0;
    f->sign = p;
    f->x_norm_lower = nrc_fast_sqrt_down(xnlo);
    f->scale = f->delta_upper = f->dist_lower = 0.0;
    if (p == 0) {
        f->status = NRC_FLIP_UNDECIDED;
        f->reason = "N(x) = 0";
        return NRC_OK;
    }
    pNlo = p > 0 ? Nlo : -Nhi;     /* > 0: the sign is decided */
    /* D: D L <= p N(x), verified upward */
    if (C->L_upper > 0 && pNlo > 0 && isfinite(C->L_upper)) {
        double D = nrc_fast_div_down(pNlo, C->L_upper);
        while (D > 0 && fi_mul_up(D, C->L_upper) > pNlo)
            D = nextafter(D, 0.0);
        f->dist_lower = D > 0 ? D : 0.0;
    }
    (void)j;
    (void)k;
    if (!nrc_flip_sweep_approx(R->k, ad, R->cd, R->M->v, p, &tstar, &tnext, work, idx)) {
        f->status = NRC_FLIP_NONE;
        f->reason = "no sign change along the ray (binary64 sweep)";
        return NRC_OK;
    }
    ns = nrc_flip_scales_approx(tstar, tnext, s);
    /* First every candidate with the engine alone (cheap), then the exact
     * arbiter on the candidates in order. */
    for (c = 0; c < 2 * ns; c++) {
        int used = 0, eng = c < ns;
        double sc = s[c % ns];
        nrc_truth tr = flip_at(R, x, alo, ahi, p, sc, eng, ax, &ax_ready, &used, err);
        if (tr == NRC_UNKNOWN && eng)
            continue;
        if (tr == NRC_UNKNOWN)
            return nrc_error_set(err, NRC_ERR_SYSTEM, "flip check failed: %s", err->msg);
        if (tr == NRC_TRUE) {
            s[c % ns] = sc;
            c = c % ns;
            f->status = NRC_FLIP_CERTIFIED;
            f->reason = NULL;
            f->scale = s[c];
            f->used_arbiter = used;
            /* U = up(s * sqrt_up(<z,z>_hi)): U^2 >= s^2 <z,z> */
            f->delta_upper = fi_mul_up(s[c], nrc_fast_sqrt_up(C->z_norm_sq[1]));
            if (!isfinite(f->delta_upper)) {
                f->status = NRC_FLIP_UNDECIDED;
                f->reason = "||s z|| leaves the binary64 range";
                f->scale = f->delta_upper = 0.0;
            }
            return NRC_OK;
        }
    }
    f->status = NRC_FLIP_UNDECIDED;
    f->reason = "the sign change found by the sweep did not certify at any tried scale";
    return NRC_OK;
}

static nrc_status phase_flips(run_t *R, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    const nrc_model *M = R->M;
    size_t k = R->k, i, r = 0;
    double *work = alloc_d(4, k);
    size_t *idx = nrc_malloc_array(k, sizeof(size_t));
    nrc_xvec ax;
    nrc_status st = nrc_xvec_init(&ax, k, err);
    if (st != NRC_OK || !work || !idx) {
        nrc_free(work);
        nrc_free(idx);
        nrc_xvec_clear(&ax);
        return st != NRC_OK ? st : oom(err, "flip sweep");
    }
    if (C->opt.points & NRC_POINTS_TRAIN)
        for (i = 0; i < R->n && st == NRC_OK; i++, r++) {
            C->flips[r].set = 0;
            C->flips[r].index = i;
            st = flip_point(R, &C->flips[r], M->X + i * R->d, R->Alo + i * k, R->Ahi + i * k,
                            R->Ad + i * k, R->sgn[i], R->Nlo[i], R->Nhi[i], R->xlo[i], work, idx, &ax, err);
        }
    if (C->opt.points & NRC_POINTS_TEST)
        for (i = 0; i < R->m && st == NRC_OK; i++, r++) {
            C->flips[r].set = 1;
            C->flips[r].index = i;
            st = flip_point(R, &C->flips[r], M->Xt + i * R->d, R->Tlo + i * k, R->Thi + i * k,
                            R->ATd + i * k, R->sgnT[i], R->NTlo[i], R->NThi[i], R->xtlo[i], work, idx, &ax, err);
        }
    nrc_free(work);
    nrc_free(idx);
    nrc_xvec_clear(&ax);
    return st;
}

/* ---------------------------------------------------------------- kkt */
/* The untrusted solve for lambda (MATH.md section 4): Gram of the h_i,
 * (X X^T + [bias]) o (S diag(v^2) S^T) + R R^T, in O(n^2 (k + d)). */
/* The kink subgradients (untrusted): for each neuron j with kinks, choose
 * mu_i = lambda_i g_ij in [0, lambda_i] minimising the (w_j, b_j) part of the
 * residual, w_j - v_j sum_i lambda_i y_i g_ij x_i, by projected coordinate
 * descent; then g_ij = mu_i / lambda_i. (a_ij = 0 at a kink, so g_ij does not
 * enter <theta, h_i> nor the v-part.) kg (n, k) holds g at kinks. */
static nrc_status kink_g_d(run_t *R, const double *lambda, double *kg, nrc_error *err)
{
    const nrc_model *M = R->M;
    size_t n = R->n, k = R->k, d = R->d, i, j, t, dd = d + (R->b ? 1 : 0);
    double *r = alloc_d(dd, 1), *nu = alloc_d(n, 1);
    int sweep;
    if (!r || !nu) {
        nrc_free(r);
        nrc_free(nu);
        return oom(err, "kink subgradients");
    }
    for (i = 0; i < n; i++) {
        double s2 = R->b ? 1.0 : 0.0;
        for (t = 0; t < d; t++)
            s2 += M->X[i * d + t] * M->X[i * d + t];
        nu[i] = s2;
    }
    for (j = 0; j < k; j++) {
        double v = M->v[j];
        int any = 0;
        for (i = 0; i < n && !any; i++)
            any = R->kink[i * k + j] && lambda[i] > 0;
        if (!any || v == 0)
            continue;
        /* r = w_j - v_j sum_i lambda_i y_i g_ij x_i (bias coordinate last) */
        for (t = 0; t < d; t++)
            r[t] = M->W[j * d + t];
        if (R->b)
            r[d] = R->b[j];
        for (i = 0; i < n; i++) {
            double g = R->kink[i * k + j] ? kg[i * k + j] : (R->Asgn[i * k + j] > 0 ? 1.0 : 0.0);
            double c = v * lambda[i] * M->y[i] * g;
            if (c == 0)
                continue;
            for (t = 0; t < d; t++)
                r[t] -= c * M->X[i * d + t];
            if (R->b)
                r[d] -= c;
        }
        for (sweep = 0; sweep < 30; sweep++) {
            double moved = 0.0;
            for (i = 0; i < n; i++) {
                double mu, dmu, dot = 0.0, u2, c;
                if (!R->kink[i * k + j] || !(lambda[i] > 0))
                    continue;
                /* u = v y_i (x_i, 1); r(mu) = r0 - mu u */
                c = v * M->y[i];
                for (t = 0; t < d; t++)
                    dot += r[t] * M->X[i * d + t];
                if (R->b)
                    dot += r[d];
                dot *= c;
                u2 = c * c * nu[i];
                if (!(u2 > 0))
                    continue;
                mu = lambda[i] * kg[i * k + j];
                dmu = dot / u2;
                if (mu + dmu < 0)
                    dmu = -mu;
                if (mu + dmu > lambda[i])
                    dmu = lambda[i] - mu;
                if (dmu == 0)
                    continue;
                for (t = 0; t < d; t++)
                    r[t] -= dmu * c * M->X[i * d + t];
                if (R->b)
                    r[d] -= dmu * c;
                mu += dmu;
                kg[i * k + j] = mu / lambda[i];
                if (kg[i * k + j] < 0) kg[i * k + j] = 0.0;
                if (kg[i * k + j] > 1) kg[i * k + j] = 1.0;
                if (fabs(dmu) > moved)
                    moved = fabs(dmu);
            }
            if (moved == 0)
                break;
        }
    }
    nrc_free(r);
    nrc_free(nu);
    return NRC_OK;
}

/* dead[j] = 1 when neuron j is exactly zero (w_j = 0 and b_j = 0): every
 * pair of it is an exact kink whose NNLS column -v_j y_i (x_i, 1) only
 * adds to the decoupled residual block -v_j sum_i mu_ij y_i (x_i, 1), so
 * g = 0 is optimal there and those pairs need no NNLS unknown (they are
 * still listed, with g = 0).  Returns NULL on memory. */
static unsigned char *dead_neurons(const run_t *R)
{
    const nrc_model *M = R->M;
    size_t k = R->k, d = R->d, j, t;
    unsigned char *dead = nrc_calloc(k ? k : 1, 1);
    if (!dead)
        return NULL;
    for (j = 0; j < k; j++) {
        int z = !R->b || R->b[j] == 0;
        for (t = 0; t < d && z; t++)
            z = M->W[j * d + t] == 0;
        dead[j] = (unsigned char)z;
    }
    return dead;
}

/* lambda (and g at the kinks) by one NNLS: the unknowns are lambda_i >= 0
 * and, for every kink (i, j), mu_ij >= 0 standing for lambda_i g_ij, whose
 * column is the (w_j, b_j) block v_j y_i (x_i, 1) (the v-part of a kink is
 * relu(a_ij), kept in h_i, and <theta, column> = v_j y_i a_ij: 0 at an exact
 * kink, tiny at a near-kink; h_i's (w_j, b_j) block is dropped at every listed
 * pair). Gram entries:
 *   <h_i, h_l>  as in MATH.md section 4 with g = 1[a > 0],
 *   <h_l, c_ij> = y_l y_i v_j^2 1[a_lj > 0, (l, j) not listed] (<x_l, x_i> + [bias]),
 *   <c_ij, c_i'j'> = [j = j'] v_j^2 y_i y_i' (<x_i, x_i'> + [bias]).
 * Then g_ij = min(1, mu_ij / lambda_i) (0 when lambda_i = 0), refined by
 * kink_g_d. Without kinks (or with too many: > 4096) it is the plain NNLS. */
static nrc_status kkt_lambda_d(run_t *R, double *lambda, double *kg, nrc_error *err)
{
    const nrc_model *M = R->M;
    size_t n = R->n, k = R->k, i, l, j, c, c2, nk = 0, ne;
    int full = !(M->flags & NRC_FLAG_FIXED_V);
    double *K = NULL, *T = alloc_d(n, n), *Sv = alloc_d(n, k), *Rl = alloc_d(n, k);
    double *rhs = NULL, *lam = NULL, viol, bias = R->b ? 1.0 : 0.0;
    size_t *ki = NULL, *kj = NULL;
    unsigned char *dead = dead_neurons(R);
    nrc_status st = NRC_OK;
    if (!dead)
        return oom(err, "KKT Gram");
    for (i = 0; i < n * k; i++)
        nk += R->kink[i] != 0 && !dead[i % k];
    if (nk > 4096)
        nk = 0;                       /* kinks keep g = 0 */
    ne = n + nk;
    K = alloc_d(ne, ne);
    rhs = alloc_d(ne, 1);
    lam = alloc_d(ne, 1);
    ki = nrc_malloc_array(nk ? nk : 1, sizeof(size_t));
    kj = nrc_malloc_array(nk ? nk : 1, sizeof(size_t));
    if (!K || !T || !Sv || !Rl || !rhs || !lam || !ki || !kj) {
        st = oom(err, "KKT Gram");
        goto done;
    }
    c = 0;
    for (i = 0; i < n && nk; i++)
        for (j = 0; j < k; j++)
            if (R->kink[i * k + j] && !dead[j]) {
                ki[c] = i;
                kj[c] = j;
                c++;
            }
    for (i = 0; i < n; i++)
        for (j = 0; j < k; j++) {
            double a = R->Ad[i * k + j];
            Sv[i * k + j] = R->Asgn[i * k + j] > 0 && !R->kink[i * k + j] ? M->v[j] : 0.0;
            Rl[i * k + j] = a > 0 ? a : 0.0;
        }
    if (!R->G_ready)
        gram_sym_d(n, R->d, M->X, R->d, R->G, n);
    gram_sym_d(n, k, Sv, k, T, n);
    for (i = 0; i < n; i++)
        for (l = 0; l < n; l++)
            K[i * ne + l] = (R->G[i * n + l] + bias) * T[i * n + l];
    if (full) {
        gram_sym_d(n, k, Rl, k, T, n);
        for (i = 0; i < n; i++)
            for (l = 0; l < n; l++)
                K[i * ne + l] += T[i * n + l];
    }
    for (i = 0; i < n; i++) {
        double q = 0, qw = 0;   /* <theta, h_i>: v-part q, (W, b)-part qw */
        for (j = 0; j < k; j++) {
            q += M->v[j] * Rl[i * k + j];
            if (!R->kink[i * k + j])
                qw += M->v[j] * Rl[i * k + j];
        }
        q *= M->y[i];
        qw *= M->y[i];
        rhs[i] = full ? q + qw : qw;
        for (l = 0; l < n; l++)
            K[i * ne + l] *= M->y[i] * M->y[l];
    }
    for (c = 0; c < nk; c++) {
        size_t ic = ki[c], jc = kj[c];
        double v2 = M->v[jc] * M->v[jc];
        /* <theta, c_ij> = v_j y_i a_ij (0 at an exact kink) */
        rhs[n + c] = R->kink[ic * k + jc] == 2 ? M->v[jc] * M->y[ic] * R->Ad[ic * k + jc] : 0.0;
        for (l = 0; l < n; l++) {
            double e = R->Asgn[l * k + jc] > 0 && !R->kink[l * k + jc]
                           ? M->y[l] * M->y[ic] * v2 * (R->G[l * n + ic] + bias) : 0.0;
            K[l * ne + n + c] = e;
            K[(n + c) * ne + l] = e;
        }
        for (c2 = 0; c2 < nk; c2++)
            K[(n + c) * ne + n + c2] = kj[c2] == jc
                ? v2 * M->y[ic] * M->y[ki[c2]] * (R->G[ic * n + ki[c2]] + bias) : 0.0;
    }
    st = nrc_nnls_d(ne, K, rhs, lam, 300, &viol, err);
    if (st != NRC_OK)
        goto done;
    for (i = 0; i < n; i++)
        lambda[i] = lam[i] >= 0 && isfinite(lam[i]) ? lam[i] : 0.0;
    for (c = 0; c < nk; c++) {
        double mu = lam[n + c], li = lambda[ki[c]], g = 0.0;
        if (li > 0 && mu > 0 && isfinite(mu))
            g = mu >= li ? 1.0 : mu / li;
        kg[ki[c] * k + kj[c]] = g;
    }
    if (nk)
        st = kink_g_d(R, lambda, kg, err);
done:
    nrc_free(K);
    nrc_free(T);
    nrc_free(Sv);
    nrc_free(Rl);
    nrc_free(rhs);
    nrc_free(lam);
    nrc_free(ki);
    nrc_free(kj);
    nrc_free(dead);
    return st;
}

/* Near-kink pairs (spec/CERTIFY.md): the selection is untrusted and uses
 * only the engine-independent binary64 search values (R->Ad), so every
 * engine lists the same pairs: training pairs with
 *   |fl(a_ij)| <= kink_tol ||(w_j, b_j)|| ||(x_i, [1])||   (binary64 norms)
 * besides the exact zeros (always listed). If exact zeros plus candidates
 * exceed the NNLS's 4096 extra unknowns, no candidate is listed. The claim
 * |a_ij| <= eta is then made true by construction: eta is the maximum over
 * the listed pairs of the exact |a_ij| rounded up (the exact arbiter, so eta
 * is engine-independent too), 0 when only exact zeros are listed. */
static nrc_status select_near_kinks(run_t *R, nrc_error *err)
{
    const nrc_model *M = R->M;
    nrc_certify_result *C = R->C;
    size_t n = R->n, k = R->k, d = R->d, i, j, t, nz = 0, nc = 0, nzl = 0;
    double tol = C->opt.kink_tol, eta = 0.0, *wn, *xn;
    unsigned char *dead;
    arf_t a;
    for (i = 0; i < n * k; i++)
        nz += R->kink[i] != 0;
    C->nkinks_exact = nz;
    C->kink_tolerance = 0.0;
    if (!(tol > 0) || n == 0 || k == 0)
        return NRC_OK;
    wn = alloc_d(k, 1);
    xn = alloc_d(n, 1);
    if (!wn || !xn) {
        nrc_free(wn);
        nrc_free(xn);
        return oom(err, "near-kink selection");
    }
    for (j = 0; j < k; j++) {
        double s = R->b ? R->b[j] * R->b[j] : 0.0;
        for (t = 0; t < d; t++)
            s += M->W[j * d + t] * M->W[j * d + t];
        wn[j] = sqrt(s);
    }
    for (i = 0; i < n; i++) {
        double s = R->b ? 1.0 : 0.0;
        for (t = 0; t < d; t++)
            s += M->X[i * d + t] * M->X[i * d + t];
        xn[i] = sqrt(s);
    }
    for (i = 0; i < n; i++)
        for (j = 0; j < k; j++)
            if (!R->kink[i * k + j] && fabs(R->Ad[i * k + j]) <= tol * wn[j] * xn[i])
                nc++;
    /* the NNLS's 4096 extra unknowns: exact zeros of dead neurons take none */
    dead = dead_neurons(R);
    if (!dead) {
        nrc_free(wn);
        nrc_free(xn);
        return oom(err, "near-kink selection");
    }
    for (i = 0; i < n * k; i++)
        nzl += R->kink[i] != 0 && !dead[i % k];
    nrc_free(dead);
    if (nc == 0 || nzl + nc > 4096) {
        nrc_free(wn);
        nrc_free(xn);
        return NRC_OK;
    }
    arf_init(a);
    for (i = 0; i < n; i++)
        for (j = 0; j < k; j++) {
            double lo, hi, m;
            if (R->kink[i * k + j] || !(fabs(R->Ad[i * k + j]) <= tol * wn[j] * xn[i]))
                continue;
            R->kink[i * k + j] = 2;
            nrc_exact_preact(a, d, M->W + j * d, M->X + i * d, R->b ? R->b + j : NULL);
            lo = nrc_exact_get_lo(a);
            hi = nrc_exact_get_hi(a);
            m = -lo > hi ? -lo : hi;
            if (m > eta || isnan(m))
                eta = isnan(m) ? INFINITY : m;
        }
    arf_clear(a);
    nrc_free(wn);
    nrc_free(xn);
    C->kink_tolerance = eta;
    return NRC_OK;
}

#define KKT_TILE 32

static nrc_status phase_kkt(run_t *R, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    const nrc_model *M = R->M;
    size_t n = R->n, k = R->k, d = R->d, i, j, t, nk = 0, i0;
    int full = !(M->flags & NRC_FLAG_FIXED_V);
    double *Mt = NULL, *XT = NULL, *Plo = NULL, *Phi = NULL, *slo = NULL, *shi = NULL;
    double *RLo = NULL, *RHi = NULL, *ly = NULL, *ones = NULL, *rl = NULL, *rh = NULL;
    double *kg = NULL, *Mhi = NULL;
    int kink_nonzero = 0;
    double r2lo, r2hi, T[2], qmin = C->min_margin[0], acc, bmax = 0.0;
    nrc_status st = NRC_OK;

    C->kkt_certified = 0;
    if (!C->all_correct) {
        C->kkt_reason = "fit.all_correct is false";
        return NRC_OK;
    }
    if (!(qmin > 0)) {
        C->kkt_reason = "no positive lower bound on q_min";
        return NRC_OK;
    }
    st = select_near_kinks(R, err);
    if (st != NRC_OK)
        return st;
    C->lambda = alloc_d(n, 1);
    if (!C->lambda)
        return oom(err, "lambda");
    kg = nrc_calloc((n && k) ? n * k : 1, sizeof(double));
    if (!kg)
        return oom(err, "kink subgradients");
    st = kkt_lambda_d(R, C->lambda, kg, err);
    if (st != NRC_OK) {
        nrc_free(kg);
        return st;
    }
    /* kinks, ascending (i, j) */
    for (i = 0; i < n * k; i++)
        nk += R->kink[i] != 0;
    C->kinks = nrc_malloc_array(2 * (nk ? nk : 1), sizeof(size_t));
    C->kink_g = nrc_malloc_array(nk ? nk : 1, sizeof(double));
    if (!C->kinks || !C->kink_g) {
        nrc_free(kg);
        return oom(err, "kinks");
    }
    for (i = 0; i < n; i++)
        for (j = 0; j < k; j++)
            if (R->kink[i * k + j]) {
                double g = kg[i * k + j];
                C->kinks[2 * C->nkinks] = i;
                C->kinks[2 * C->nkinks + 1] = j;
                C->kink_g[C->nkinks] = g >= 0 && g <= 1 ? g : 0.0;
                kg[i * k + j] = C->kink_g[C->nkinks];
                if (kg[i * k + j] != 0 && kg[i * k + j] != 1)
                    kink_nonzero = 1;
                C->nkinks++;
            }
    /* M^T (k, n): M_ij = lambda_i y_i g_ij (an interval [Mt, Mhi] when a kink
     * has g strictly between 0 and 1) */
    Mt = alloc_d(k, n);
    XT = alloc_d(d + 1, n);     /* X^T plus a row of ones */
    Plo = alloc_d(k, d + 1);
    Phi = alloc_d(k, d + 1);
    ly = alloc_d(n, 1);
    RLo = alloc_d(k, n);
    RHi = alloc_d(k, n);
    slo = alloc_d(k, 1);
    shi = alloc_d(k, 1);
    rl = alloc_d(k, d + 2);
    rh = alloc_d(k, d + 2);
    ones = NULL;
    Mhi = kink_nonzero ? alloc_d(k, n) : NULL;
    if (kink_nonzero && !Mhi) {
        st = oom(err, "KKT residual");
        goto done;
    }
    if (!Mt || !XT || !Plo || !Phi || !ly || !RLo || !RHi || !slo || !shi || !rl || !rh) {
        st = oom(err, "KKT residual");
        goto done;
    }
    for (i = 0; i < n; i++) {
        ly[i] = M->y[i] > 0 ? C->lambda[i] : -C->lambda[i];
        XT[d * n + i] = 1.0;
    }
    /* transposes in row tiles of KKT_TILE, so that the cache lines of the
     * (n, .) arrays are reused across consecutive columns (pure data
     * movement: the values are those of the untiled loops) */
    for (i0 = 0; i0 < n; i0 += KKT_TILE) {
        size_t i1 = n - i0 < KKT_TILE ? n : i0 + KKT_TILE;
        for (t = 0; t < d; t++)
            for (i = i0; i < i1; i++)
                XT[t * n + i] = M->X[i * d + t];
    }
    for (i0 = 0; i0 < n; i0 += KKT_TILE) {
        size_t i1 = n - i0 < KKT_TILE ? n : i0 + KKT_TILE;
        for (j = 0; j < k; j++)
            for (i = i0; i < i1; i++) {
                double lo = R->Alo[i * k + j], hi = R->Ahi[i * k + j];
                /* M_ij = lambda_i y_i g_ij: exact for g in {0, 1}, else an
                 * enclosure of the product (then Mhi exists) */
                if (R->kink[i * k + j])
                    Mt[j * n + i] = kg[i * k + j] == 0 ? 0.0 : kg[i * k + j] == 1 ? ly[i] : 0.0;
                else
                    Mt[j * n + i] = R->Asgn[i * k + j] > 0 ? ly[i] : 0.0;
                if (Mhi) {
                    Mhi[j * n + i] = Mt[j * n + i];
                    if (R->kink[i * k + j] && kg[i * k + j] != 0 && kg[i * k + j] != 1)
                        fi_ia_scale(ly[i], kg[i * k + j], kg[i * k + j], &Mt[j * n + i], &Mhi[j * n + i]);
                }
                RLo[j * n + i] = lo > 0 ? lo : 0.0;
                RHi[j * n + i] = hi > 0 ? hi : 0.0;
            }
    }
    /* P = M^T [X, 1] (k, d + 1): sum_i M_ij x_i and sum_i M_ij */
    st = nrc_engine_gemm(R->e, k, d + 1, n, Mt, Mhi, n, XT, n, Plo, Phi, d + 1, err);
    if (st == NRC_OK && full) /* sum_i lambda_i y_i relu(a_ij) */
        st = nrc_engine_gemm(R->e, k, 1, n, RLo, RHi, n, ly, n, slo, shi, 1, err);
    if (st != NRC_OK)
        goto done;
    /* r = theta - sum_i lambda_i h_i, row j: (r_wj (d), r_bj, r_vj) */
    for (j = 0; j < k; j++) {
        double v = M->v[j];
        size_t w = 0;
        for (t = 0; t < d; t++, w++) {
            double pl, ph;
            fi_ia_scale(v, Plo[j * (d + 1) + t], Phi[j * (d + 1) + t], &pl, &ph);
            fi_ia_sub(M->W[j * d + t], M->W[j * d + t], pl, ph, &rl[j * (d + 2) + w], &rh[j * (d + 2) + w]);
        }
        if (R->b) {
            double pl, ph;
            fi_ia_scale(v, Plo[j * (d + 1) + d], Phi[j * (d + 1) + d], &pl, &ph);
            fi_ia_sub(R->b[j], R->b[j], pl, ph, &rl[j * (d + 2) + w], &rh[j * (d + 2) + w]);
        } else {
            rl[j * (d + 2) + w] = rh[j * (d + 2) + w] = 0.0;
        }
        w++;
        if (full) {
            fi_ia_sub(v, v, slo[j], shi[j], &rl[j * (d + 2) + w], &rh[j * (d + 2) + w]);
        } else {
            rl[j * (d + 2) + w] = rh[j * (d + 2) + w] = 0.0;
        }
    }
    st = nrc_engine_sumsq(R->e, k, d + 2, rl, rh, d + 2, slo, shi, err);
    if (st != NRC_OK)
        goto done;
    sum_up_down(k, slo, shi, &r2lo, &r2hi);
    /* T = ||theta||^2 over the coordinates of r */
    if (full) {
        T[0] = C->theta_norm_sq[0];
        T[1] = C->theta_norm_sq[1];
    } else {
        double bl = 0, bh = 0, wl, wh;
        sum_up_down(k, R->wlo, R->whi, &wl, &wh);
        if (R->b)
            for (j = 0; j < k; j++) {
                double l2, h2;
                nrc_ia_sqr(R->b[j], R->b[j], &l2, &h2);
                bl = fi_add_down(bl, l2);
                bh = fi_add_up(bh, h2);
            }
        nrc_ia_add(wl, wh, bl, bh, &T[0], &T[1]);
    }
    if (!(T[0] > 0) || !isfinite(r2hi)) {
        C->kkt_reason = "||theta||^2 or ||r||^2 cannot be bounded in binary64";
        goto done;
    }
    C->eps_rel_upper = nrc_fast_sqrt_up(nrc_fast_div_up(r2hi, T[0]));
    if (full)
        C->eps_upper = nrc_fast_sqrt_up(nrc_fast_div_up(r2hi, qmin));
    else
        C->eps_upper = nrc_fast_div_up(nrc_fast_sqrt_up(r2hi), qmin);
    /* delta: sum_i lambda_i (q_i - q_min) <= delta_upper q_min */
    acc = 0.0;
    for (i = 0; i < n; i++) {
        double qhi = M->y[i] > 0 ? R->Nhi[i] : -R->Nlo[i];
        if (C->lambda[i] == 0)
            continue;
        acc = fi_add_up(acc, fi_mul_up(C->lambda[i], fi_sub_up(qhi, qmin)));
    }
    C->delta_upper = nrc_fast_div_up(acc, qmin);
    /* balancedness: max_j | ||w_j||^2 + b_j^2 - v_j^2 | <= bd ||theta||^2 */
    for (j = 0; j < k; j++) {
        double bl = 0, bh = 0, vl, vh, el, eh, al, ah;
        if (R->b)
            nrc_ia_sqr(R->b[j], R->b[j], &bl, &bh);
        nrc_ia_sqr(M->v[j], M->v[j], &vl, &vh);
        nrc_ia_add(R->wlo[j], R->whi[j], bl, bh, &el, &eh);
        fi_ia_sub(el, eh, vl, vh, &el, &eh);
        nrc_ia_abs(el, eh, &al, &ah);
        if (ah > bmax || isnan(ah))
            bmax = isnan(ah) ? INFINITY : ah;
    }
    C->balance_defect_upper = nrc_fast_div_up(bmax, C->theta_norm_sq[0]);
    if (!isfinite(C->eps_rel_upper) || !isfinite(C->eps_upper) ||
        !isfinite(C->delta_upper) || !isfinite(C->balance_defect_upper)) {
        C->kkt_reason = "a KKT bound leaves the binary64 range";
        goto done;
    }
    C->kkt_certified = 1;
done:
    nrc_free(Mt);
    nrc_free(XT);
    nrc_free(Plo);
    nrc_free(Phi);
    nrc_free(ly);
    nrc_free(RLo);
    nrc_free(RHi);
    nrc_free(slo);
    nrc_free(shi);
    nrc_free(rl);
    nrc_free(rh);
    nrc_free(ones);
    nrc_free(kg);
    nrc_free(Mhi);
    return st;
}

/* ---------------------------------------------------------------- robust */
static void phase_robust(run_t *R)
{
    nrc_certify_result *C = R->C;
    double num, den, r;
    C->robust_certified = 0;
    C->robust_radius = 0.0;
    /* R_min^2 > rho, decided from the enclosures (an ambiguous case is
     * reported not-applicable, which asserts nothing) */
    if (!(C->R_min_sq[0] > C->rho[1]))
        return;
    /* r <= (Rmin_lo - rho_hi) / (2 sqrt_up(Rmax_hi)) gives
     * 4 r^2 R_max^2 <= (R_min^2 - rho)^2 */
    num = fi_sub_down(C->R_min_sq[0], C->rho[1]);
    den = fi_mul_up(2.0, nrc_fast_sqrt_up(C->R_max_sq[1]));
    if (!(num > 0) || !(den > 0) || !isfinite(den))
        return;
    r = nrc_fast_div_down(num, den);
    if (!(r >= 0) || !isfinite(r))
        return;
    C->robust_radius = r;
    C->robust_certified = 1;
}

/* ---------------------------------------------------------------- theory */
static nrc_status phase_theory(run_t *R, nrc_error *err)
{
    /* MATH.md section 5, informative (binary64, no guarantee). */
    nrc_certify_result *C = R->C;
    const nrc_model *M = R->M;
    size_t i, n = R->n;
    double zn = sqrt(0.5 * C->z_norm_sq[0] + 0.5 * C->z_norm_sq[1]);
    double gz = 0.5 * C->gamma_z[0] + 0.5 * C->gamma_z[1];
    double rho = 0.5 * C->rho[0] + 0.5 * C->rho[1], rmax = 0.5 * C->R_max_sq[0] + 0.5 * C->R_max_sq[1];
    double Q[2] = { 0, 0 }, *bnd;
    size_t cnt[2] = { C->n_neg, C->n_pos }, nb = 0;
    C->th_z_norm = zn;
    C->th_z_over_n = zn / (double)n;
    C->th_valid = gz > 0 && C->all_correct;
    C->th_bound_median = C->th_bound_max = 0.0;
    if (R->b) {
        rho += 1.0;
        rmax += 1.0;
    }
    if (!C->th_valid)
        return NRC_OK;
    for (i = 0; i < n; i++)
        Q[M->y[i] > 0] += M->y[i] * (0.5 * R->Nlo[i] + 0.5 * R->Nhi[i]);
    bnd = alloc_d(n, 1);
    if (!bnd)
        return oom(err, "theory");
    for (i = 0; i < n; i++) {
        int other = M->y[i] > 0 ? 0 : 1;
        double q = M->y[i] * (0.5 * R->Nlo[i] + 0.5 * R->Nhi[i]);
        if (Q[other] > 0) {
            double t = (zn / gz) * (rho + q * (rmax + (double)cnt[other] * rho) / Q[other]);
            bnd[nb++] = t / sqrt(0.5 * R->xlo[i] + 0.5 * R->xhi[i]);
        }
    }
    if (nb) {
        size_t a, b2;
        for (a = 1; a < nb; a++)   /* insertion sort: n is moderate */
            for (b2 = a; b2 > 0 && bnd[b2 - 1] > bnd[b2]; b2--) {
                double tmp = bnd[b2];
                bnd[b2] = bnd[b2 - 1];
                bnd[b2 - 1] = tmp;
            }
        C->th_bound_median = bnd[nb / 2];
        C->th_bound_max = bnd[nb - 1];
    }
    nrc_free(bnd);
    return NRC_OK;
}

/* ---------------------------------------------------------------- driver */
static nrc_status choose_direction(run_t *R, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    size_t i, cnt = 0;
    double qmin = INFINITY, *q;
    if (!C->opt.margin_dir)
        return NRC_OK;
    q = alloc_d(R->n, 1);
    if (!q)
        return oom(err, "direction");
    for (i = 0; i < R->n; i++) {
        q[i] = R->M->y[i] * (0.5 * R->Nlo[i] + 0.5 * R->Nhi[i]);
        if (q[i] < qmin)
            qmin = q[i];
    }
    C->dir_idx = nrc_malloc_array(R->n, sizeof(size_t));
    if (!C->dir_idx) {
        nrc_free(q);
        return oom(err, "direction");
    }
    /* the margin set (untrusted choice: the certificate lists it) */
    for (i = 0; i < R->n; i++)
        if (q[i] <= (1.0 + C->opt.tau) * qmin || (qmin <= 0 && q[i] <= qmin))
            C->dir_idx[cnt++] = i;
    C->dir_len = cnt;
    nrc_free(q);
    return NRC_OK;
}

nrc_status nrc_certify_run(const nrc_model *M, const nrc_certify_options *o,
                           nrc_engine *e, nrc_certify_result *C, nrc_error *err)
{
    run_t R;
    size_t n = (size_t)M->n, d = (size_t)M->d, k = (size_t)M->k, m = (size_t)M->m;
    nrc_status st = NRC_OK;
    double t0, t1;
    memset(&R, 0, sizeof R);
    R.M = M;
    R.e = e;
    R.C = C;
    R.n = n;
    R.d = d;
    R.k = k;
    R.m = m;
    R.b = (M->flags & NRC_FLAG_BIAS) ? M->b : NULL;
    C->n = n;
    C->d = d;
    C->k = k;
    C->m = m;
    C->bias = R.b != NULL;
    C->fixed_v = (M->flags & NRC_FLAG_FIXED_V) != 0;
    C->engine = e->ops->name;
    C->opt = *o;
    C->nflips = ((o->points & NRC_POINTS_TRAIN) ? n : 0) + ((o->points & NRC_POINTS_TEST) ? m : 0);

    R.Alo = alloc_d(n, k);
    R.Ahi = alloc_d(n, k);
    R.kink = nrc_calloc((n && k) ? n * k : 1, 1);
    R.Asgn = nrc_calloc((n && k) ? n * k : 1, 1);
    R.Nlo = alloc_d(n, 1);
    R.Nhi = alloc_d(n, 1);
    R.sgn = nrc_calloc(n, sizeof(int));
    R.xlo = alloc_d(n, 1);
    R.xhi = alloc_d(n, 1);
    R.Tlo = alloc_d(m, k);
    R.Thi = alloc_d(m, k);
    R.NTlo = alloc_d(m, 1);
    R.NThi = alloc_d(m, 1);
    R.sgnT = nrc_calloc(m ? m : 1, sizeof(int));
    R.xtlo = alloc_d(m, 1);
    R.xthi = alloc_d(m, 1);
    R.zlo = alloc_d(d, 1);
    R.zhi = alloc_d(d, 1);
    R.clo = alloc_d(k, 1);
    R.chi = alloc_d(k, 1);
    R.wlo = alloc_d(k, 1);
    R.whi = alloc_d(k, 1);
    R.G = alloc_d(n, n);
    R.Ad = alloc_d(n, k);
    R.ATd = alloc_d(m, k);
    R.cd = alloc_d(k, 1);
    R.zd = alloc_d(d, 1);
    C->neuron_norm_upper = alloc_d(k, 1);
    C->flips = nrc_calloc(C->nflips ? C->nflips : 1, sizeof(nrc_flip));
    if (!R.Alo || !R.Ahi || !R.kink || !R.Asgn || !R.Nlo || !R.Nhi || !R.sgn || !R.xlo || !R.xhi ||
        !R.Tlo || !R.Thi || !R.NTlo || !R.NThi || !R.sgnT || !R.xtlo || !R.xthi ||
        !R.zlo || !R.zhi || !R.clo || !R.chi || !R.wlo || !R.whi || !R.G ||
        !R.Ad || !R.ATd || !R.cd || !R.zd ||
        !C->neuron_norm_upper || !C->flips) {
        st = oom(err, "certify work arrays");
        goto done;
    }
    st = nrc_xvec_init(&R.z, d, err);
    if (st != NRC_OK)
        goto done;

    t0 = now_s();
    st = phase_forward(&R, err);
    t1 = now_s();
    C->seconds[NRC_PHASE_FORWARD] = t1 - t0;
    if (st == NRC_OK)
        st = choose_direction(&R, err);
    if (st != NRC_OK)
        goto done;
    t0 = now_s();
    st = phase_data(&R, err);
    if (st != NRC_OK)
        goto done;
    phase_lipschitz(&R);
    t1 = now_s();
    C->seconds[NRC_PHASE_DATA] = t1 - t0;
    t0 = t1;
    st = phase_flips(&R, err);
    if (st != NRC_OK)
        goto done;
    t1 = now_s();
    C->seconds[NRC_PHASE_FLIPS] = t1 - t0;
    t0 = t1;
    st = phase_kkt(&R, err);
    if (st != NRC_OK)
        goto done;
    t1 = now_s();
    C->seconds[NRC_PHASE_KKT] = t1 - t0;
    t0 = t1;
    phase_robust(&R);
    st = phase_theory(&R, err);
    C->seconds[NRC_PHASE_OTHER] = now_s() - t0;
done:
    nrc_free(R.Alo);
    nrc_free(R.Ahi);
    nrc_free(R.kink);
    nrc_free(R.Asgn);
    nrc_free(R.Nlo);
    nrc_free(R.Nhi);
    nrc_free(R.sgn);
    nrc_free(R.xlo);
    nrc_free(R.xhi);
    nrc_free(R.Tlo);
    nrc_free(R.Thi);
    nrc_free(R.NTlo);
    nrc_free(R.NThi);
    nrc_free(R.sgnT);
    nrc_free(R.xtlo);
    nrc_free(R.xthi);
    nrc_free(R.zlo);
    nrc_free(R.zhi);
    nrc_free(R.clo);
    nrc_free(R.chi);
    nrc_free(R.wlo);
    nrc_free(R.whi);
    nrc_free(R.G);
    nrc_free(R.Ad);
    nrc_free(R.ATd);
    nrc_free(R.cd);
    nrc_free(R.zd);
    nrc_xvec_clear(&R.z);
    if (R.cz_ready)
        nrc_xvec_clear(&R.cz);
    return st;
}
