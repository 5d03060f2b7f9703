/* The exact fallback of the KKT claim (spec/CERTIFY.md "When the engines
 * agree", step 7): when the bounds computed from an engine's enclosures are
 * not finite (an enclosure overflowed although the exact value is
 * representable), the inputs of the bounds are recomputed exactly with the
 * arbiter and rounded outward once: ||r||^2 for r = theta - sum_i lambda_i
 * h_i with the same lambda and g, ||theta||^2, every q_i and q_min, every
 * ||w_j||^2. The bounds from these inputs are at most the engine's (the
 * bound formulas are monotone), so a model gets the same KKT status from
 * every engine. Cost: O(n k d) exact operations, only on this fallback. */
#include <math.h>
#include "cert_run.h"

/* Exact state: P = sum_i M_ij x_i for one neuron (d), sb = sum_i M_ij,
 * sv[j] = sum_i lambda_i y_i relu(a_ij) (k), the exact pre-activations of
 * one point (k), and scalars (t, u, w scratch). */
typedef struct {
    nrc_xvec P, sv, a;
    arf_t r2, T, theta, t, u, w, sb, qmin;
} kkt_exact;

static nrc_status kx_init(kkt_exact *X, const nrc_cert_run *R, nrc_error *err)
{
    nrc_status st;
    X->P.v = X->sv.v = X->a.v = NULL;
    X->P.len = X->sv.len = X->a.len = 0;
    st = nrc_xvec_init(&X->P, R->d, err);
    if (st == NRC_OK)
        st = nrc_xvec_init(&X->sv, R->k, err);
    if (st == NRC_OK)
        st = nrc_xvec_init(&X->a, R->k, err);
    arf_init(X->r2);
    arf_init(X->T);
    arf_init(X->theta);
    arf_init(X->t);
    arf_init(X->u);
    arf_init(X->w);
    arf_init(X->sb);
    arf_init(X->qmin);
    return st;
}

static void kx_clear(kkt_exact *X)
{
    nrc_xvec_clear(&X->P);
    nrc_xvec_clear(&X->sv);
    nrc_xvec_clear(&X->a);
    arf_clear(X->r2);
    arf_clear(X->T);
    arf_clear(X->theta);
    arf_clear(X->t);
    arf_clear(X->u);
    arf_clear(X->w);
    arf_clear(X->sb);
    arf_clear(X->qmin);
}

/* acc += x^2, exactly. */
static void add_sq(arf_t acc, const arf_t x, arf_t tmp)
{
    arf_mul(tmp, x, x, ARF_PREC_EXACT, ARF_RND_DOWN);
    arf_add(acc, acc, tmp, ARF_PREC_EXACT, ARF_RND_DOWN);
}

static void add_sq_d(arf_t acc, double x, arf_t tmp)
{
    arf_set_d(tmp, x);
    arf_mul(tmp, tmp, tmp, ARF_PREC_EXACT, ARF_RND_DOWN);
    arf_add(acc, acc, tmp, ARF_PREC_EXACT, ARF_RND_DOWN);
}

/* Every q_i = y_i N(x_i) exactly (qhi[i] = RU, q_min), and
 * sv[j] = sum_i lambda_i y_i relu(a_ij). */
static void kx_points(const nrc_cert_run *R, kkt_exact *X, nrc_kkt_in *in)
{
    const nrc_model *M = R->M;
    size_t i, j;
    for (j = 0; j < R->k; j++)
        arf_zero(X->sv.v + j);
    for (i = 0; i < R->n; i++) {
        nrc_cert_exact_preacts(R, M->X + i * R->d, &X->a);
        nrc_exact_ray(X->t, R->k, X->a.v, X->a.v, 0.0, M->v);
        if (M->y[i] < 0)
            arf_neg(X->t, X->t);
        in->qhi[i] = nrc_exact_get_hi(X->t);
        if (i == 0 || arf_cmp(X->t, X->qmin) < 0)
            arf_set(X->qmin, X->t);
        arf_set_d(X->u, M->y[i] > 0 ? R->C->lambda[i] : -R->C->lambda[i]);
        for (j = 0; j < R->k; j++)
            if (arf_sgn(X->a.v + j) > 0)
                arf_addmul(X->sv.v + j, X->u, X->a.v + j, ARF_PREC_EXACT, ARF_RND_DOWN);
    }
}

/* M_ij = lambda_i y_i g_ij into t (g from the listed g at a listed pair,
 * else the exact sign of a_ij). */
static void kx_coef(const nrc_cert_run *R, const double *kg, size_t i, size_t j, arf_t t,
                    arf_t u)
{
    size_t ij = i * R->k + j;
    double g = R->kink[ij] ? kg[ij] : (R->Asgn[ij] > 0 ? 1.0 : 0.0);
    double ly = R->M->y[i] > 0 ? R->C->lambda[i] : -R->C->lambda[i];
    arf_set_d(t, ly);
    arf_set_d(u, g);
    arf_mul(t, t, u, ARF_PREC_EXACT, ARF_RND_DOWN);
}

/* Row j of r squared into r2, and its ||w_j||^2 (+ b_j^2, v_j^2) into T,
 * theta and the tight [wlo_j, whi_j]. */
static void kx_neuron(const nrc_cert_run *R, const double *kg, int full, size_t j,
                      kkt_exact *X, nrc_kkt_in *in)
{
    const nrc_model *M = R->M;
    size_t i, t, d = R->d;
    double v = M->v[j];
    for (t = 0; t < d; t++)
        arf_zero(X->P.v + t);
    arf_zero(X->sb);
    for (i = 0; i < R->n; i++) {
        kx_coef(R, kg, i, j, X->t, X->u);
        if (arf_is_zero(X->t))
            continue;
        for (t = 0; t < d; t++) {
            arf_set_d(X->u, M->X[i * d + t]);
            arf_addmul(X->P.v + t, X->t, X->u, ARF_PREC_EXACT, ARF_RND_DOWN);
        }
        arf_add(X->sb, X->sb, X->t, ARF_PREC_EXACT, ARF_RND_DOWN);
    }
    arf_set_d(X->u, v);
    for (t = 0; t < d; t++) {       /* r_wjt = w_jt - v_j P_t */
        arf_set_d(X->t, M->W[j * d + t]);
        arf_submul(X->t, X->u, X->P.v + t, ARF_PREC_EXACT, ARF_RND_DOWN);
        add_sq(X->r2, X->t, X->w);
    }
    if (R->b) {                      /* r_bj = b_j - v_j sum_i M_ij */
        arf_set_d(X->t, R->b[j]);
        arf_submul(X->t, X->u, X->sb, ARF_PREC_EXACT, ARF_RND_DOWN);
        add_sq(X->r2, X->t, X->w);
    }
    if (full) {                      /* r_vj = v_j - sv_j */
        arf_sub(X->t, X->u, X->sv.v + j, ARF_PREC_EXACT, ARF_RND_DOWN);
        add_sq(X->r2, X->t, X->w);
    }
    nrc_exact_dot(X->t, d, M->W + j * d, 1, M->W + j * d, 1);
    in->wlo[j] = nrc_exact_get_lo(X->t);
    in->whi[j] = nrc_exact_get_hi(X->t);
    if (R->b)
        add_sq_d(X->t, R->b[j], X->u);
    arf_add(X->T, X->T, X->t, ARF_PREC_EXACT, ARF_RND_DOWN);
    add_sq_d(X->t, v, X->u);
    arf_add(X->theta, X->theta, X->t, ARF_PREC_EXACT, ARF_RND_DOWN);
}

nrc_status nrc_kkt_exact_inputs(const nrc_cert_run *R, const double *kg, int full,
                                nrc_kkt_in *in, nrc_error *err)
{
    kkt_exact X;
    size_t j;
    nrc_status st = kx_init(&X, R, err);
    if (st == NRC_OK) {
        arf_zero(X.r2);
        arf_zero(X.T);
        arf_zero(X.theta);
        kx_points(R, &X, in);
        for (j = 0; j < R->k; j++)
            kx_neuron(R, kg, full, j, &X, in);
        in->r2hi = nrc_exact_get_hi(X.r2);
        in->Tlo = nrc_exact_get_lo(full ? X.theta : X.T);
        in->theta_lo = nrc_exact_get_lo(X.theta);
        in->qmin = nrc_exact_get_lo(X.qmin);
    }
    kx_clear(&X);
    return st;
}
