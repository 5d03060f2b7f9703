/* The untrusted search of the KKT claim (spec/CERTIFY.md step 7, spec/MATH.md
 * section 4): the multipliers lambda and the subgradients g at the listed
 * kinks, in plain binary64 (names end in _d). Nothing here is trusted: the
 * KKT bounds are computed rigorously from whatever lambda and g come out
 * (claim_kkt.c), so a poor solve gives a weak bound, never a false one. */
#include <stdint.h>
#include <math.h>
#include "nrc_alloc.h"
#include "nrc_cert_search.h"
#include "cert_run.h"

/* NNLS unknowns beyond the n multipliers: one per listed kink, at most. */
#define KKT_MAX_KINK_UNKNOWNS 4096
/* Sweeps of the kink-subgradient refinement and of the NNLS. */
#define KINK_SWEEPS 30
#define NNLS_SWEEPS 300

/* ---------------------------------------------------------------- kink g */
/* r = w_j - v_j sum_i lambda_i y_i g_ij x_i for neuron j (the (w_j, b_j)
 * part of the residual; bias coordinate last: dd = d + [bias]). */
static void kink_residual_d(const nrc_cert_run *R, size_t j, const double *lambda,
                            const double *kg, double *r)
{
    const nrc_model *M = R->M;
    size_t n = R->n, k = R->k, d = R->d, i, t;
    double v = M->v[j];
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
}

/* One coordinate step of kink (i, j): mu = lambda_i g_ij moves to minimise
 * ||r(mu)||, r(mu) = r0 - mu u, u = v_j y_i (x_i, [1]), kept in
 * [0, lambda_i]; nu_i = ||(x_i, [1])||^2. Returns |dmu|. */
static double kink_step_d(const nrc_cert_run *R, size_t i, size_t j, const double *lambda,
                          double nu_i, double *kg, double *r)
{
    const nrc_model *M = R->M;
    size_t k = R->k, d = R->d, t;
    double c = M->v[j] * M->y[i], dot = 0.0, u2, mu, dmu;
    for (t = 0; t < d; t++)
        dot += r[t] * M->X[i * d + t];
    if (R->b)
        dot += r[d];
    dot *= c;
    u2 = c * c * nu_i;
    if (!(u2 > 0))
        return 0.0;
    mu = lambda[i] * kg[i * k + j];
    dmu = dot / u2;
    if (mu + dmu < 0)
        dmu = -mu;
    if (mu + dmu > lambda[i])
        dmu = lambda[i] - mu;
    if (dmu == 0)
        return 0.0;
    for (t = 0; t < d; t++)
        r[t] -= dmu * c * M->X[i * d + t];
    if (R->b)
        r[d] -= dmu * c;
    mu += dmu;
    kg[i * k + j] = mu / lambda[i];
    if (kg[i * k + j] < 0) kg[i * k + j] = 0.0;
    if (kg[i * k + j] > 1) kg[i * k + j] = 1.0;
    return fabs(dmu);
}

/* The kink subgradients: for each neuron j with kinks, choose mu_i =
 * lambda_i g_ij in [0, lambda_i] minimising the (w_j, b_j) part of the
 * residual by projected coordinate descent; then g_ij = mu_i / lambda_i.
 * (a_ij = 0 at a kink, so g_ij does not enter <theta, h_i> nor the
 * v-part.) kg (n, k) holds g at kinks. */
static nrc_status kink_g_d(const nrc_cert_run *R, const double *lambda, double *kg,
                           nrc_error *err)
{
    const nrc_model *M = R->M;
    size_t n = R->n, k = R->k, d = R->d, i, j, t;
    double *r, *nu;
    void *ws;
    const nrc_ws_entry tab[] = { NRC_WS(r, d + (R->b ? 1 : 0), 0), NRC_WS(nu, n, 0) };
    nrc_status st = nrc_ws_alloc(&ws, tab, sizeof tab / sizeof tab[0], "kink subgradients", err);
    if (st != NRC_OK)
        return st;
    for (i = 0; i < n; i++) {
        double s2 = R->b ? 1.0 : 0.0;
        for (t = 0; t < d; t++)
            s2 += M->X[i * d + t] * M->X[i * d + t];
        nu[i] = s2;
    }
    for (j = 0; j < k; j++) {
        int any = 0, sweep;
        for (i = 0; i < n && !any; i++)
            any = R->kink[i * k + j] && lambda[i] > 0;
        if (!any || M->v[j] == 0)
            continue;
        kink_residual_d(R, j, lambda, kg, r);
        for (sweep = 0; sweep < KINK_SWEEPS; sweep++) {
            double moved = 0.0;
            for (i = 0; i < n; i++) {
                double step;
                if (!R->kink[i * k + j] || !(lambda[i] > 0))
                    continue;
                step = kink_step_d(R, i, j, lambda, nu[i], kg, r);
                if (step > moved)
                    moved = step;
            }
            if (moved == 0)
                break;
        }
    }
    nrc_free(ws);
    return NRC_OK;
}

/* ---------------------------------------------------------------- lambda */
/* The NNLS of nrc_kkt_lambda_d: ne = n + nk unknowns, K (ne, ne), rhs (ne);
 * kink c is (ki[c], kj[c]). */
typedef struct {
    size_t ne, nk;
    double *K, *rhs, *lam;
    size_t *ki, *kj;
} kkt_nnls;

/* dead[j] = 1 when neuron j is exactly zero (w_j = 0 and b_j = 0).
 * NULL on memory failure. */
static unsigned char *kkt_dead_neurons(const nrc_cert_run *R)
{
    const double *W = R->M->W;
    size_t k = R->k, d = R->d, j, t;
    unsigned char *dead = nrc_calloc(k ? k : 1, 1);
    if (!dead)
        return NULL;
    for (j = 0; j < k; j++) {
        int zero = !R->b || R->b[j] == 0;
        for (t = 0; t < d && zero; t++)
            zero = W[j * d + t] == 0;
        dead[j] = (unsigned char)zero;
    }
    return dead;
}

static size_t kkt_count_live_kinks(const nrc_cert_run *R, const unsigned char *dead)
{
    size_t i, nk = 0;
    for (i = 0; i < R->n * R->k; i++)
        nk += R->kink[i] != 0 && !dead[i % R->k];
    return nk;
}

size_t nrc_kkt_kink_unknowns(const nrc_cert_run *R)
{
    unsigned char *dead = kkt_dead_neurons(R);
    size_t nk;
    if (!dead)
        return SIZE_MAX;
    nk = kkt_count_live_kinks(R, dead);
    nrc_free(dead);
    return nk;
}

/* The listed pairs (i, j) ascending that need an unknown (not of a dead
 * neuron), as NNLS unknowns (none when there are more than
 * KKT_MAX_KINK_UNKNOWNS: kinks then keep g = 0). */
static size_t kkt_count_kinks(const nrc_cert_run *R, const unsigned char *dead)
{
    size_t nk = kkt_count_live_kinks(R, dead);
    return nk > KKT_MAX_KINK_UNKNOWNS ? 0 : nk;
}

static void kkt_list_kinks(const nrc_cert_run *R, const unsigned char *dead, kkt_nnls *S)
{
    size_t i, j, c = 0;
    for (i = 0; i < R->n && S->nk; i++)
        for (j = 0; j < R->k; j++)
            if (R->kink[i * R->k + j] && !dead[j]) {
                S->ki[c] = i;
                S->kj[c] = j;
                c++;
            }
}

/* The lambda block: <h_i, h_l> = y_i y_l ((G + [bias]) o (Sv Sv^T)
 * [+ Rl Rl^T])_il with Sv_ij = v_j [a_ij > 0, (i, j) not listed],
 * Rl_ij = relu(fl(a_ij)) (spec/MATH.md section 4); T (n, n) scratch. And
 * rhs_i = <theta, h_i> (2 q_i, or q_i for the fixed second layer). */
static void kkt_lambda_block_d(const nrc_cert_run *R, kkt_nnls *S, double *Sv, double *Rl,
                               double *T)
{
    const nrc_model *M = R->M;
    size_t n = R->n, k = R->k, ne = S->ne, i, l, j;
    int full = !(M->flags & NRC_FLAG_FIXED_V);
    double bias = R->b ? 1.0 : 0.0;
    for (i = 0; i < n; i++)
        for (j = 0; j < k; j++) {
            double a = R->Ad[i * k + j];
            Sv[i * k + j] = R->Asgn[i * k + j] > 0 && !R->kink[i * k + j] ? M->v[j] : 0.0;
            Rl[i * k + j] = a > 0 ? a : 0.0;
        }
    nrc_gram_sym_d(n, k, Sv, k, T, n);
    for (i = 0; i < n; i++)
        for (l = 0; l < n; l++)
            S->K[i * ne + l] = (R->G[i * n + l] + bias) * T[i * n + l];
    if (full) {
        nrc_gram_sym_d(n, k, Rl, k, T, n);
        for (i = 0; i < n; i++)
            for (l = 0; l < n; l++)
                S->K[i * ne + l] += T[i * n + l];
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
        S->rhs[i] = full ? q + qw : qw;
        for (l = 0; l < n; l++)
            S->K[i * ne + l] *= M->y[i] * M->y[l];
    }
}

/* The kink columns c_ij = v_j y_i (x_i, [1]) in the (w_j, b_j) block:
 *   <h_l, c_ij> = y_l y_i v_j^2 [a_lj > 0, (l, j) not listed] (<x_l, x_i> + [bias]),
 *   <c_ij, c_i'j'> = [j = j'] v_j^2 y_i y_i' (<x_i, x_i'> + [bias]),
 *   <theta, c_ij> = v_j y_i a_ij (0 at an exact kink). */
static void kkt_kink_block_d(const nrc_cert_run *R, kkt_nnls *S)
{
    const nrc_model *M = R->M;
    size_t n = R->n, k = R->k, ne = S->ne, c, c2, l;
    double bias = R->b ? 1.0 : 0.0;
    for (c = 0; c < S->nk; c++) {
        size_t ic = S->ki[c], jc = S->kj[c];
        double v2 = M->v[jc] * M->v[jc];
        S->rhs[n + c] = R->kink[ic * k + jc] == 2 ? M->v[jc] * M->y[ic] * R->Ad[ic * k + jc] : 0.0;
        for (l = 0; l < n; l++) {
            double e = R->Asgn[l * k + jc] > 0 && !R->kink[l * k + jc]
                           ? M->y[l] * M->y[ic] * v2 * (R->G[l * n + ic] + bias) : 0.0;
            S->K[l * ne + n + c] = e;
            S->K[(n + c) * ne + l] = e;
        }
        for (c2 = 0; c2 < S->nk; c2++)
            S->K[(n + c) * ne + n + c2] = S->kj[c2] == jc
                ? v2 * M->y[ic] * M->y[S->ki[c2]] * (R->G[ic * n + S->ki[c2]] + bias) : 0.0;
    }
}

/* lambda_i from the solution (>= 0, finite), and g_ij = min(1, mu_ij /
 * lambda_i) (0 when lambda_i = 0) at the kinks. */
static void kkt_extract_d(const nrc_cert_run *R, const kkt_nnls *S, double *lambda, double *kg)
{
    size_t i, c;
    for (i = 0; i < R->n; i++)
        lambda[i] = S->lam[i] >= 0 && isfinite(S->lam[i]) ? S->lam[i] : 0.0;
    for (c = 0; c < S->nk; c++) {
        double mu = S->lam[R->n + c], li = lambda[S->ki[c]], g = 0.0;
        if (li > 0 && mu > 0 && isfinite(mu))
            g = mu >= li ? 1.0 : mu / li;
        kg[S->ki[c] * R->k + S->kj[c]] = g;
    }
}

nrc_status nrc_kkt_lambda_d(const nrc_cert_run *R, double *lambda, double *kg, nrc_error *err)
{
    size_t n = R->n, k = R->k;
    double *Sv, *Rl, *T, viol;
    void *ws;
    kkt_nnls S;
    nrc_status st;
    unsigned char *dead = kkt_dead_neurons(R);
    if (!dead)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (KKT Gram)");
    S.nk = kkt_count_kinks(R, dead);
    S.ne = n + S.nk;
    {
        const nrc_ws_entry tab[] = {
            NRC_WS(S.K, S.ne * S.ne, 0), NRC_WS(T, n * n, 0), NRC_WS(Sv, n * k, 0),
            NRC_WS(Rl, n * k, 0), NRC_WS(S.rhs, S.ne, 0), NRC_WS(S.lam, S.ne, 0),
            NRC_WS(S.ki, S.nk, 0), NRC_WS(S.kj, S.nk, 0),
        };
        st = nrc_ws_alloc(&ws, tab, sizeof tab / sizeof tab[0], "KKT Gram", err);
    }
    if (st != NRC_OK) {
        nrc_free(dead);
        return st;
    }
    kkt_list_kinks(R, dead, &S);
    nrc_free(dead);
    kkt_lambda_block_d(R, &S, Sv, Rl, T);
    kkt_kink_block_d(R, &S);
    st = nrc_nnls_d(S.ne, S.K, S.rhs, S.lam, NNLS_SWEEPS, &viol, err);
    if (st == NRC_OK) {
        kkt_extract_d(R, &S, lambda, kg);
        if (S.nk)
            st = kink_g_d(R, lambda, kg, err);
    }
    nrc_free(ws);
    return st;
}
