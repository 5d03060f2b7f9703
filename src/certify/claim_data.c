/* The direction and data claims (spec/CERTIFICATE.md "What each member asserts", direction and data;
 * spec/CERTIFY.md step 4): the margin set z is summed over, ||x_i||^2,
 * R_min^2, R_max^2, rho from the Gram matrix, eps_data, z exactly with
 * <z, z>, gamma_z, c = W z, the class counts and the regime flag. */
#include <math.h>
#include <stdint.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_fast.h"
#include "cert_run.h"

/* Rows of the Gram enclosure held at a time (memory: GRAM_BLOCK n doubles
 * twice), and rows per nrc_dgemm call of the symmetric product. */
#define GRAM_BLOCK 256
#define SYM_BLOCK 128

/* The regime threshold of eps_data: the double nearest 1/10. */
#define REGIME_EPS 0x1.999999999999ap-4

/* ---------------------------------------------------------------- direction */
/* N(x_i) in binary64 from the search pre-activations (untrusted): the same
 * for every engine, so every engine chooses the same margin set. */
static double search_N_d(const nrc_cert_run *R, size_t i)
{
    double s = 0.0;
    size_t j;
    for (j = 0; j < R->k; j++) {
        double a = R->Ad[i * R->k + j];
        if (a > 0)
            s += R->M->v[j] * a;
    }
    return s;
}

/* The margin set {i : q_i <= (1 + tau) q_min} (--direction margin:TAU),
 * chosen in binary64 and listed in the certificate: an untrusted choice,
 * every claim about z holds for the listed set. */
nrc_status nrc_claim_direction_decide(nrc_cert_run *R, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    size_t i, cnt = 0;
    double qmin = INFINITY, *q;
    if (!C->opt.margin_dir)
        return NRC_OK;
    q = nrc_malloc_array(R->n ? R->n : 1, sizeof(double));
    C->dir_idx = nrc_malloc_array(R->n ? R->n : 1, sizeof(size_t));
    if (!q || !C->dir_idx) {
        nrc_free(q);
        return nrc_cert_oom(err, "direction");
    }
    for (i = 0; i < R->n; i++) {
        q[i] = R->M->y[i] * search_N_d(R, i);
        if (q[i] < qmin)
            qmin = q[i];
    }
    for (i = 0; i < R->n; i++)
        if (q[i] <= (1.0 + C->opt.tau) * qmin || (qmin <= 0 && q[i] <= qmin))
            C->dir_idx[cnt++] = i;
    C->dir_len = cnt;
    nrc_free(q);
    return NRC_OK;
}

json_t *nrc_claim_direction_json(const nrc_certify_result *C)
{
    json_t *o = json_object(), *a;
    size_t r;
    int bad = 0;
    if (!C->dir_idx) {
        nrc_json_put(o, "indices", json_string("all"), &bad);
        return nrc_json_done(o, bad);
    }
    a = json_array();
    for (r = 0; r < C->dir_len; r++)
        nrc_json_push(a, json_integer((json_int_t)C->dir_idx[r]), &bad);
    nrc_json_put(o, "indices", a, &bad);
    return nrc_json_done(o, bad);
}

/* ---------------------------------------------------------------- norms */
/* A zero training point makes eps_data undefined: decide the points whose
 * ||x_i||^2 has no positive lower bound exactly, and keep the exact lower
 * bound of the others. */
static nrc_status data_rmin_exact(nrc_cert_run *R, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    size_t i, d = R->d;
    arf_t x;
    arf_init(x);
    for (i = 0; i < R->n; i++) {
        if (R->xlo[i] > 0)
            continue;
        nrc_exact_dot(x, d, R->M->X + i * d, 1, R->M->X + i * d, 1);
        if (arf_is_zero(x)) {
            arf_clear(x);
            return nrc_error_set(err, NRC_ERR_INPUT,
                                 "training point %zu is the zero vector: eps_data is undefined", i);
        }
        R->xlo[i] = nrc_exact_get_lo(x);
    }
    arf_clear(x);
    C->R_min_sq[0] = INFINITY;
    for (i = 0; i < R->n; i++)
        if (R->xlo[i] < C->R_min_sq[0])
            C->R_min_sq[0] = R->xlo[i];
    if (!(C->R_min_sq[0] > 0))
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "a squared training norm is below the binary64 range");
    return NRC_OK;
}

/* ||x||^2 of every point; R_min^2 and R_max^2 over the training points. */
static nrc_status data_norms(nrc_cert_run *R, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    const nrc_model *M = R->M;
    size_t i, d = R->d;
    nrc_status st = nrc_engine_sumsq(R->e, R->n, d, M->X, NULL, d, R->xlo, R->xhi, err);
    if (st == NRC_OK && R->m)
        st = nrc_engine_sumsq(R->e, R->m, d, M->Xt, NULL, d, R->xtlo, R->xthi, err);
    if (st != NRC_OK)
        return st;
    C->R_min_sq[0] = C->R_min_sq[1] = INFINITY;
    C->R_max_sq[0] = C->R_max_sq[1] = 0.0;
    for (i = 0; i < R->n; i++) {
        if (R->xlo[i] < C->R_min_sq[0]) C->R_min_sq[0] = R->xlo[i];
        if (R->xhi[i] < C->R_min_sq[1]) C->R_min_sq[1] = R->xhi[i];
        if (R->xlo[i] > C->R_max_sq[0]) C->R_max_sq[0] = R->xlo[i];
        if (R->xhi[i] > C->R_max_sq[1]) C->R_max_sq[1] = R->xhi[i];
    }
    return C->R_min_sq[0] > 0 ? NRC_OK : data_rmin_exact(R, err);
}

/* ---------------------------------------------------------------- Gram, rho */
/* Plain binary64 Gram C = fl(A A^T) (r, r), ldc: the lower block triangle
 * (row blocks of SYM_BLOCK, columns up to the block's end) with nrc_dgemm,
 * then mirrored. About 0.56 of the flops of the full product at r = 1000.
 * Every entry is still a round-to-nearest dot product of length q in some
 * order, which is all gemm_mid asks of a midpoint; the blocks depend on r
 * only, so the bits do not depend on the thread count; and C is exactly
 * symmetric. The Gram enclosure's midpoint and every engine's NNLS Gram come
 * from this one function, so all engines solve the same NNLS. */
void nrc_gram_sym_d(size_t r, size_t q, const double *A, size_t lda, double *C, size_t ldc)
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

/* Visits the enclosure of |<x_i, x_l>| for every i != l: the engine's
 * enclosure of X X^T from the midpoint R->G (gemm_mid), GRAM_BLOCK rows at
 * a time into Glo, Ghi (GRAM_BLOCK, n). A visitor returning 0 stops the
 * walk with NRC_ERR_SYSTEM (it set err). */
typedef int (*gram_visitor)(void *ctx, size_t i, size_t l, double al, double ah, nrc_error *err);

static nrc_status gram_abs_walk(nrc_cert_run *R, double *Glo, double *Ghi, gram_visitor f,
                                void *ctx, nrc_error *err)
{
    const nrc_model *M = R->M;
    size_t n = R->n, d = R->d, i, l, i0;
    nrc_status st = NRC_OK;
    for (i0 = 0; i0 < n && st == NRC_OK; i0 += GRAM_BLOCK) {
        size_t rb = n - i0 < GRAM_BLOCK ? n - i0 : GRAM_BLOCK;
        st = nrc_engine_gemm_mid(R->e, rb, n, d, M->X + i0 * d, d, M->X, d, R->G + i0 * n, n,
                                 Glo, Ghi, n, err);
        for (i = 0; st == NRC_OK && i < rb; i++)
            for (l = 0; l < n && st == NRC_OK; l++) {
                double al, ah;
                if (l == i0 + i)
                    continue;
                nrc_ia_abs(Glo[i * n + l], Ghi[i * n + l], &al, &ah);
                if (!f(ctx, i0 + i, l, al, ah, err))
                    st = NRC_ERR_SYSTEM;
            }
    }
    return st;
}

static int rho_max(void *ctx, size_t i, size_t l, double al, double ah, nrc_error *err)
{
    double *rho = ctx;
    (void)i;
    (void)l;
    (void)err;
    if (al > rho[0]) rho[0] = al;
    if (ah > rho[1]) rho[1] = ah;
    return 1;
}

/* rho = max_{i != l} |<x_i, x_l>|: G = fl(X X^T) (R->G), then |.| of each
 * off-diagonal entry of the engine's enclosure, maximised. */
static nrc_status data_rho(nrc_cert_run *R, double *Glo, double *Ghi, nrc_error *err)
{
    nrc_gram_sym_d(R->n, R->d, R->M->X, R->d, R->G, R->n);
    R->C->rho[0] = R->C->rho[1] = 0.0;
    return gram_abs_walk(R, Glo, Ghi, rho_max, R->C->rho, err);
}

/* eps_data = (n - 1) rho / R_min^2, outward ((double)(n - 1) is exact for
 * n <= 2^53). */
static void data_eps(nrc_certify_result *C, size_t n)
{
    double nm1 = (double)(n - 1), tl, th;
    nrc_ia_mul(nm1, nm1, C->rho[0], C->rho[1], &tl, &th);
    nrc_ia_div(tl, th, C->R_min_sq[0], C->R_min_sq[1], &C->eps_data[0], &C->eps_data[1]);
}

/* ---------------------------------------------------------------- z */
/* z exactly over the direction set, its enclosure (exact, rounded
 * outward), fl(z) and c = fl(W fl(z)) for the search, <z, z> exactly. */
static void data_z(nrc_cert_run *R)
{
    nrc_certify_result *C = R->C;
    const nrc_model *M = R->M;
    size_t l, d = R->d;
    arf_t x;
    nrc_exact_direction(&R->z, R->n, d, M->X, M->y, C->dir_idx, C->dir_len);
    for (l = 0; l < d; l++) {
        R->zlo[l] = nrc_exact_get_lo(R->z.v + l);
        R->zhi[l] = nrc_exact_get_hi(R->z.v + l);
        R->zd[l] = arf_get_d(R->z.v + l, ARF_RND_NEAR);
    }
    nrc_dgemv(NRC_BLAS_N, R->k, d, 1.0, M->W, d, R->zd, 0.0, R->cd);
    arf_init(x);
    nrc_exact_sumsq_arf(x, d, R->z.v);
    C->z_norm_sq[0] = nrc_exact_get_lo(x);
    C->z_norm_sq[1] = nrc_exact_get_hi(x);
    arf_clear(x);
}

/* gamma_z = min_i y_i <x_i, z> from the engine's enclosure of [z] X^T
 * (g: 2 n scratch), and c = W z from [z] W^T. */
static nrc_status data_gamma_c(nrc_cert_run *R, double *g, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    const nrc_model *M = R->M;
    size_t i, n = R->n, d = R->d;
    nrc_status st = nrc_engine_gemm(R->e, 1, n, d, R->zlo, R->zhi, d, M->X, d, g, g + n, n, err);
    if (st != NRC_OK)
        return st;
    C->gamma_z[0] = C->gamma_z[1] = INFINITY;
    for (i = 0; i < n; i++) {
        double lo = M->y[i] > 0 ? g[i] : -g[n + i], hi = M->y[i] > 0 ? g[n + i] : -g[i];
        if (lo < C->gamma_z[0]) C->gamma_z[0] = lo;
        if (hi < C->gamma_z[1]) C->gamma_z[1] = hi;
    }
    return nrc_engine_gemm(R->e, 1, R->k, d, R->zlo, R->zhi, d, M->W, d, R->clo, R->chi, R->k,
                           err);
}

/* ---------------------------------------------------------------- exact fallback */
/* The exact R_min^2 (min over the training points) into rmin. cand: n. */
static void refine_rmin(nrc_cert_run *R, nrc_cand *cand, arf_t rmin)
{
    size_t nc = nrc_refine_cands(R->n, R->xlo, R->xhi, 0, cand);
    nrc_refine_extreme(R, cand, nc, 0, nrc_refine_sqnorm_x, NULL, rmin);
}

/* The candidates of the exact rho: the pairs whose |.| can reach thr. */
typedef struct {
    double thr;
    nrc_cand *cand;
    size_t nc, cap, n;
} rho_cands;

static int rho_collect(void *ctx, size_t i, size_t l, double al, double ah, nrc_error *err)
{
    rho_cands *K = ctx;
    (void)al;
    if (!(ah >= K->thr))
        return 1;
    if (K->nc == K->cap) {
        size_t nw = K->cap ? 2 * K->cap : 64;
        nrc_cand *nb = nw <= SIZE_MAX / sizeof *nb ? nrc_realloc(K->cand, nw * sizeof *nb) : NULL;
        if (!nb) {
            nrc_cert_oom(err, "exact rho");
            return 0;
        }
        K->cand = nb;
        K->cap = nw;
    }
    K->cand[K->nc].bound = ah;
    K->cand[K->nc].id = i * K->n + l;
    K->nc++;
    return 1;
}

/* The exact rho into rho: the Gram enclosure again, the off-diagonal
 * entries whose |.| can reach the maximum lower bound rho.lo kept as
 * candidates (rho = 0 when n = 1). */
static nrc_status refine_rho(nrc_cert_run *R, double *Glo, double *Ghi, arf_t rho, nrc_error *err)
{
    rho_cands K = { R->C->rho[0], NULL, 0, 0, R->n };
    nrc_status st = gram_abs_walk(R, Glo, Ghi, rho_collect, &K, err);
    arf_zero(rho);
    if (st == NRC_OK && K.nc)
        nrc_refine_extreme(R, K.cand, K.nc, 1, nrc_refine_gram_abs, NULL, rho);
    nrc_free(K.cand);
    return st;
}

/* eps_data = (n - 1) rho / R_min^2 from the exact values: [RD, RU] of the
 * exact quotient (R_min^2 > 0 here). */
static void refine_eps(nrc_cert_run *R, const arf_t rmin, const arf_t rho)
{
    arf_t num, q;
    arf_init(num);
    arf_init(q);
    arf_set_ui(num, (ulong)(R->n - 1));
    arf_mul(num, num, rho, ARF_PREC_EXACT, ARF_RND_DOWN);
    arf_div(q, num, rmin, 128, ARF_RND_FLOOR);
    R->C->eps_data[0] = nrc_exact_get_lo(q);
    arf_div(q, num, rmin, 128, ARF_RND_CEIL);
    R->C->eps_data[1] = nrc_exact_get_hi(q);
    arf_clear(num);
    arf_clear(q);
}

/* R_min^2, rho and eps_data exactly: when eps_data or its inputs are not
 * finite, or its enclosure straddles the regime threshold, or the robust
 * reference's comparison R_min^2 > rho is open. */
static int need_rmin_rho(const nrc_certify_result *C)
{
    int eps_open = C->eps_data[0] <= REGIME_EPS && C->eps_data[1] > REGIME_EPS;
    int robust_open = C->R_min_sq[0] <= C->rho[1] && C->R_min_sq[1] > C->rho[0];
    return !nrc_cert_finite2(C->eps_data) || !nrc_cert_finite2(C->rho) ||
           !nrc_cert_finite2(C->R_min_sq) || eps_open || robust_open;
}

static nrc_status refine_rmin_rho(nrc_cert_run *R, double *Glo, double *Ghi, nrc_cand *cand,
                                  nrc_error *err)
{
    nrc_certify_result *C = R->C;
    arf_t rmin, rho;
    nrc_status st;
    arf_init(rmin);
    arf_init(rho);
    refine_rmin(R, cand, rmin);
    st = refine_rho(R, Glo, Ghi, rho, err);
    if (st == NRC_OK) {
        nrc_refine_tight(rmin, C->R_min_sq);
        nrc_refine_tight(rho, C->rho);
        refine_eps(R, rmin, rho);
        C->refined |= NRC_REFINED_RMIN | NRC_REFINED_RHO;
    }
    arf_clear(rmin);
    arf_clear(rho);
    return st;
}

/* R_max^2 exactly when its enclosure is not finite; gamma_z exactly when
 * not finite or when its sign is open (gl, gh: the enclosures of
 * y_i <x_i, z>). */
static void refine_rmax_gamma(nrc_cert_run *R, const double *gl, const double *gh,
                              nrc_cand *cand)
{
    nrc_certify_result *C = R->C;
    arf_t x;
    size_t nc;
    arf_init(x);
    if (!nrc_cert_finite2(C->R_max_sq)) {
        nc = nrc_refine_cands(R->n, R->xlo, R->xhi, 1, cand);
        nrc_refine_extreme(R, cand, nc, 1, nrc_refine_sqnorm_x, NULL, x);
        nrc_refine_tight(x, C->R_max_sq);
        C->refined |= NRC_REFINED_RMAX;
    }
    if (!nrc_cert_finite2(C->gamma_z) || (C->gamma_z[0] <= 0 && C->gamma_z[1] > 0)) {
        nc = nrc_refine_cands(R->n, gl, gh, 0, cand);
        nrc_refine_extreme(R, cand, nc, 0, nrc_refine_gamma_item, NULL, x);
        nrc_refine_tight(x, C->gamma_z);
        C->refined |= NRC_REFINED_GAMMA;
    }
    arf_clear(x);
}

/* Class counts, the regime flag on the written values, and the refusal of
 * statistics the certificate cannot state (their exact values are beyond
 * the binary64 range: the fallback has run). */
static nrc_status data_finish(nrc_cert_run *R, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    size_t i;
    C->n_pos = C->n_neg = 0;
    for (i = 0; i < R->n; i++) {
        if (R->M->y[i] > 0)
            C->n_pos++;
        else
            C->n_neg++;
    }
    C->regime = C->eps_data[1] <= REGIME_EPS && C->gamma_z[0] > 0;
    if (!nrc_cert_finite2(C->R_min_sq) || !nrc_cert_finite2(C->R_max_sq) ||
        !nrc_cert_finite2(C->rho) || !nrc_cert_finite2(C->eps_data) ||
        !nrc_cert_finite2(C->gamma_z) || !nrc_cert_finite2(C->z_norm_sq))
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "data statistics leave the binary64 range: the certificate cannot state them");
    return NRC_OK;
}

/* Scratch of the data step. */
typedef struct {
    double *Glo, *Ghi;   /* (GRAM_BLOCK, n) Gram enclosure rows */
    double *g;           /* (2 n) enclosure of [z] X^T */
    double *gl, *gh;     /* (n) enclosures of y_i <x_i, z> */
    nrc_cand *cand;      /* (n) candidates of an exact extreme */
} data_work;

static nrc_status data_alloc(const nrc_cert_run *R, data_work *W, void **ws, nrc_error *err)
{
    size_t n = R->n;
    const nrc_ws_entry tab[] = {
        NRC_WS(W->Glo, nrc_ws_mul(GRAM_BLOCK, n), 0), NRC_WS(W->Ghi, nrc_ws_mul(GRAM_BLOCK, n), 0),
        NRC_WS(W->g, nrc_ws_mul(2, n), 0), NRC_WS(W->gl, n, 0), NRC_WS(W->gh, n, 0),
        NRC_WS(W->cand, n, 0),
    };
    return nrc_ws_alloc(ws, tab, sizeof tab / sizeof tab[0], "Gram block", err);
}

nrc_status nrc_claim_data_decide(nrc_cert_run *R, nrc_error *err)
{
    data_work W;
    void *ws;
    size_t i;
    nrc_status st = data_norms(R, err);
    if (st == NRC_OK)
        st = data_alloc(R, &W, &ws, err);
    if (st != NRC_OK)
        return st;
    st = data_rho(R, W.Glo, W.Ghi, err);
    if (st == NRC_OK) {
        data_eps(R->C, R->n);
        data_z(R);
        st = data_gamma_c(R, W.g, err);
    }
    for (i = 0; st == NRC_OK && i < R->n; i++) {
        W.gl[i] = R->M->y[i] > 0 ? W.g[i] : -W.g[R->n + i];
        W.gh[i] = R->M->y[i] > 0 ? W.g[R->n + i] : -W.g[i];
    }
    if (st == NRC_OK && need_rmin_rho(R->C))
        st = refine_rmin_rho(R, W.Glo, W.Ghi, W.cand, err);
    if (st == NRC_OK)
        refine_rmax_gamma(R, W.gl, W.gh, W.cand);
    nrc_free(ws);
    return st == NRC_OK ? data_finish(R, err) : st;
}

json_t *nrc_claim_data_json(const nrc_certify_result *C)
{
    json_t *o = json_object();
    int bad = 0;
    nrc_json_put(o, "R_min_sq", nrc_json_enc(C->R_min_sq), &bad);
    nrc_json_put(o, "R_max_sq", nrc_json_enc(C->R_max_sq), &bad);
    nrc_json_put(o, "rho", nrc_json_enc(C->rho), &bad);
    nrc_json_put(o, "eps_data", nrc_json_enc(C->eps_data), &bad);
    nrc_json_put(o, "gamma_z", nrc_json_enc(C->gamma_z), &bad);
    nrc_json_put(o, "z_norm_sq", nrc_json_enc(C->z_norm_sq), &bad);
    nrc_json_put(o, "n_pos", json_integer((json_int_t)C->n_pos), &bad);
    nrc_json_put(o, "n_neg", json_integer((json_int_t)C->n_neg), &bad);
    nrc_json_put(o, "regime", json_boolean(C->regime), &bad);
    return nrc_json_done(o, bad);
}
