/* The claim pipeline against exact arithmetic on small models the trainer
 * did not make: every claim the certifier marks certified is re-derived here
 * with exact rationals (arf / fmpq, written independently of the pipeline);
 * the flip found is the first crossing along the ray (brute force over the
 * exact breakpoints); an exact KKT point gives eps at rounding level; a
 * model on which plain double gets a sign wrong is decided by the arbiter;
 * fast and mpfr engines agree on every verdict when the mpfr engine is
 * available. */
#include <float.h>
#include <math.h>
#include <string.h>
#include <flint/fmpq.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_cert_search.h"
#include "nrc_certify.h"
#include "nrc_engine.h"
#include "nrc_exact.h"

#include "nasty.h"
#include "mf_verify.h"

static double gauss(void)
{
    double u = unif() + 0x1p-60, v = unif();
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* ------------------------------------------------------------ exact helpers */
static void arf_to_fmpq(fmpq_t q, const arf_t x)
{
    fmpz_t m, e;
    slong ex;
    fmpz_init(m);
    fmpz_init(e);
    arf_get_fmpz_2exp(m, e, x);
    ex = fmpz_get_si(e);
    fmpz_one(e);
    fmpq_set_fmpz_frac(q, m, e);
    if (ex >= 0)
        fmpq_mul_2exp(q, q, (flint_bitcnt_t)ex);
    else
        fmpq_div_2exp(q, q, (flint_bitcnt_t)(-ex));
    fmpz_clear(m);
    fmpz_clear(e);
}

static void d_to_fmpq(fmpq_t q, double d)
{
    arf_t x;
    arf_init(x);
    arf_set_d(x, d);
    arf_to_fmpq(q, x);
    arf_clear(x);
}

/* cmp(exact q, double d) */
static int cmpq_d(const fmpq_t q, double d)
{
    fmpq_t t;
    int c;
    fmpq_init(t);
    d_to_fmpq(t, d);
    c = fmpq_cmp(q, t);
    fmpq_clear(t);
    return c;
}

typedef struct {
    size_t n, d, k, m;
    const nrc_model *M;
    fmpq *A;     /* (n, k) exact pre-activations, train */
    fmpq *AT;    /* (m, k) test */
    fmpq *z;     /* (d) */
    fmpq *c;     /* (k) <w_j, z> */
    fmpq *N;     /* (n) */
    fmpq *NT;    /* (m) */
} exact_t;

static void preact_q(fmpq_t out, const nrc_model *M, const double *x, size_t j)
{
    fmpq_t a, b;
    size_t t, d = (size_t)M->d;
    fmpq_init(a);
    fmpq_init(b);
    fmpq_zero(out);
    for (t = 0; t < d; t++) {
        d_to_fmpq(a, M->W[j * d + t]);
        d_to_fmpq(b, x[t]);
        fmpq_addmul(out, a, b);
    }
    if (M->flags & NRC_FLAG_BIAS) {
        d_to_fmpq(a, M->b[j]);
        fmpq_add(out, out, a);
    }
    fmpq_clear(a);
    fmpq_clear(b);
}

/* f(t) = p sum_j v_j relu(a_j - p t c_j) */
static void ray_q(fmpq_t out, const nrc_model *M, const fmpq *a, const fmpq *c,
                  const fmpq_t t, int p)
{
    fmpq_t pre, v;
    size_t j;
    fmpq_init(pre);
    fmpq_init(v);
    fmpq_zero(out);
    for (j = 0; j < (size_t)M->k; j++) {
        fmpq_mul(pre, t, c + j);
        if (p < 0)
            fmpq_neg(pre, pre);
        fmpq_sub(pre, a + j, pre);
        if (fmpq_sgn(pre) <= 0)
            continue;
        d_to_fmpq(v, M->v[j]);
        fmpq_addmul(out, v, pre);
    }
    if (p < 0)
        fmpq_neg(out, out);
    fmpq_clear(pre);
    fmpq_clear(v);
}

static fmpq *qvec(size_t len)
{
    fmpq *v = nrc_malloc_array(len ? len : 1, sizeof(fmpq));
    size_t i;
    for (i = 0; i < len; i++)
        fmpq_init(v + i);
    return v;
}
static void qvec_free(fmpq *v, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        fmpq_clear(v + i);
    nrc_free(v);
}

static void exact_build(exact_t *E, const nrc_model *M, const nrc_certify_result *C)
{
    size_t i, j, t, r;
    fmpq_t zero, x;
    E->M = M;
    E->n = (size_t)M->n; E->d = (size_t)M->d; E->k = (size_t)M->k; E->m = (size_t)M->m;
    E->A = qvec(E->n * E->k);
    E->AT = qvec(E->m * E->k);
    E->z = qvec(E->d);
    E->c = qvec(E->k);
    E->N = qvec(E->n);
    E->NT = qvec(E->m);
    fmpq_init(zero);
    fmpq_init(x);
    for (i = 0; i < E->n; i++)
        for (j = 0; j < E->k; j++)
            preact_q(E->A + i * E->k + j, M, M->X + i * E->d, j);
    for (i = 0; i < E->m; i++)
        for (j = 0; j < E->k; j++)
            preact_q(E->AT + i * E->k + j, M, M->Xt + i * E->d, j);
    for (r = 0; r < (C->dir_idx ? C->dir_len : E->n); r++) {
        i = C->dir_idx ? C->dir_idx[r] : r;
        for (t = 0; t < E->d; t++) {
            d_to_fmpq(x, M->y[i] * M->X[i * E->d + t]);
            fmpq_add(E->z + t, E->z + t, x);
        }
    }
    for (j = 0; j < E->k; j++)
        for (t = 0; t < E->d; t++) {
            d_to_fmpq(x, M->W[j * E->d + t]);
            fmpq_addmul(E->c + j, x, E->z + t);
        }
    for (i = 0; i < E->n; i++)
        ray_q(E->N + i, M, E->A + i * E->k, E->c, zero, 1);
    for (i = 0; i < E->m; i++)
        ray_q(E->NT + i, M, E->AT + i * E->k, E->c, zero, 1);
    fmpq_clear(zero);
    fmpq_clear(x);
}

static void exact_free(exact_t *E)
{
    qvec_free(E->A, E->n * E->k);
    qvec_free(E->AT, E->m * E->k);
    qvec_free(E->z, E->d);
    qvec_free(E->c, E->k);
    qvec_free(E->N, E->n);
    qvec_free(E->NT, E->m);
}

static int encl(const fmpq_t q, const double e[2])
{
    return cmpq_d(q, e[0]) >= 0 && cmpq_d(q, e[1]) <= 0;
}

static void dot_q(fmpq_t out, size_t d, const double *a, const double *b)
{
    fmpq_t x, y;
    size_t t;
    fmpq_init(x);
    fmpq_init(y);
    fmpq_zero(out);
    for (t = 0; t < d; t++) {
        d_to_fmpq(x, a[t]);
        d_to_fmpq(y, b[t]);
        fmpq_addmul(out, x, y);
    }
    fmpq_clear(x);
    fmpq_clear(y);
}

/* Re-derive every certified claim exactly. Returns the number of failures. */
static int verify_exact(const nrc_model *M, const nrc_certify_result *C, const char *tag)
{
    exact_t E;
    size_t n = (size_t)M->n, d = (size_t)M->d, k = (size_t)M->k, i, l, j, t, r;
    int fails0 = tl_case_failed;
    fmpq_t q, qmin, T, s, u, a, b2;
    fmpq_init(q); fmpq_init(qmin); fmpq_init(T); fmpq_init(s); fmpq_init(u);
    fmpq_init(a); fmpq_init(b2);
    exact_build(&E, M, C);
    /* fit */
    for (i = 0; i < n; i++) {
        fmpq_set(q, E.N + i);
        if (M->y[i] < 0)
            fmpq_neg(q, q);
        if (C->all_correct)
            CHECK(fmpq_sgn(q) > 0, "%s: all_correct but q_%zu <= 0", tag, i);
        if (i == 0 || fmpq_cmp(q, qmin) < 0)
            fmpq_set(qmin, q);
    }
    CHECK(encl(qmin, C->min_margin), "%s: min_margin", tag);
    fmpq_zero(T);
    for (j = 0; j < k; j++) {
        dot_q(a, d, M->W + j * d, M->W + j * d);
        fmpq_add(T, T, a);
        d_to_fmpq(a, M->v[j]);
        fmpq_addmul(T, a, a);
        if (M->flags & NRC_FLAG_BIAS) {
            d_to_fmpq(a, M->b[j]);
            fmpq_addmul(T, a, a);
        }
    }
    CHECK(encl(T, C->theta_norm_sq), "%s: theta_norm_sq", tag);
    d_to_fmpq(a, C->normalized_margin[0]);
    fmpq_mul(a, a, T);
    CHECK(fmpq_cmp(a, qmin) <= 0, "%s: normalized_margin lo", tag);
    d_to_fmpq(a, C->normalized_margin[1]);
    fmpq_mul(a, a, T);
    CHECK(fmpq_cmp(a, qmin) >= 0, "%s: normalized_margin hi", tag);
    /* data */
    {
        fmpq_t rmin, rmax, rho, g;
        fmpq_init(rmin); fmpq_init(rmax); fmpq_init(rho); fmpq_init(g);
        for (i = 0; i < n; i++) {
            dot_q(a, d, M->X + i * d, M->X + i * d);
            if (i == 0 || fmpq_cmp(a, rmin) < 0) fmpq_set(rmin, a);
            if (i == 0 || fmpq_cmp(a, rmax) > 0) fmpq_set(rmax, a);
            for (l = 0; l < n; l++) {
                if (l == i) continue;
                dot_q(a, d, M->X + i * d, M->X + l * d);
                fmpq_abs(a, a);
                if (fmpq_cmp(a, rho) > 0) fmpq_set(rho, a);
            }
            fmpq_zero(a);
            for (t = 0; t < d; t++) {
                d_to_fmpq(b2, M->y[i] * M->X[i * d + t]);
                fmpq_addmul(a, b2, E.z + t);
            }
            if (i == 0 || fmpq_cmp(a, g) < 0) fmpq_set(g, a);
        }
        CHECK(encl(rmin, C->R_min_sq), "%s: R_min_sq", tag);
        CHECK(encl(rmax, C->R_max_sq), "%s: R_max_sq", tag);
        CHECK(encl(rho, C->rho), "%s: rho", tag);
        CHECK(encl(g, C->gamma_z), "%s: gamma_z", tag);
        fmpq_zero(a);
        for (t = 0; t < d; t++)
            fmpq_addmul(a, E.z + t, E.z + t);
        CHECK(encl(a, C->z_norm_sq), "%s: z_norm_sq", tag);
        /* eps_data cross-multiplied */
        fmpq_mul_si(a, rho, (slong)(n - 1));
        d_to_fmpq(b2, C->eps_data[0]);
        fmpq_mul(b2, b2, rmin);
        CHECK(fmpq_cmp(b2, a) <= 0, "%s: eps_data lo", tag);
        d_to_fmpq(b2, C->eps_data[1]);
        fmpq_mul(b2, b2, rmin);
        CHECK(fmpq_cmp(b2, a) >= 0, "%s: eps_data hi", tag);
        if (C->robust_certified) {
            fmpq_sub(a, rmin, rho);
            CHECK(fmpq_sgn(a) > 0, "%s: robust R_min^2 > rho", tag);
            fmpq_mul(a, a, a);
            d_to_fmpq(b2, C->robust_radius);
            fmpq_mul(b2, b2, b2);
            fmpq_mul(b2, b2, rmax);
            fmpq_mul_si(b2, b2, 4);
            CHECK(fmpq_cmp(a, b2) >= 0, "%s: robust radius", tag);
        }
        fmpq_clear(rmin); fmpq_clear(rmax); fmpq_clear(rho); fmpq_clear(g);
    }
    /* lipschitz */
    fmpq_zero(s);
    for (j = 0; j < k; j++) {
        dot_q(a, d, M->W + j * d, M->W + j * d);
        d_to_fmpq(u, C->neuron_norm_upper[j]);
        fmpq_mul(b2, u, u);
        CHECK(fmpq_cmp(b2, a) >= 0, "%s: u_%zu", tag, j);
        d_to_fmpq(a, fabs(M->v[j]));
        fmpq_addmul(s, a, u);
    }
    CHECK(cmpq_d(s, C->L_upper) <= 0, "%s: L_upper", tag);
    /* flips */
    for (r = 0; r < C->nflips; r++) {
        const nrc_flip *f = &C->flips[r];
        const fmpq *ax = f->set ? E.AT + f->index * k : E.A + f->index * k;
        const double *x = f->set ? M->Xt + f->index * d : M->X + f->index * d;
        fmpq_t pN, tq;
        if (f->status != NRC_FLIP_CERTIFIED)
            continue;
        fmpq_init(pN);
        fmpq_init(tq);
        fmpq_set(pN, f->set ? E.NT + f->index : E.N + f->index);
        if (f->sign < 0)
            fmpq_neg(pN, pN);
        CHECK(fmpq_sgn(pN) > 0, "%s: flip %zu: p N(x) > 0", tag, r);
        CHECK(f->scale >= 0, "%s: s >= 0", tag);
        d_to_fmpq(tq, f->scale);
        ray_q(q, M, ax, E.c, tq, f->sign);
        CHECK(fmpq_sgn(q) < 0, "%s: flip %zu (%s %zu): p N(x - p s z) < 0 exactly", tag, r,
              f->set ? "test" : "train", f->index);
        /* first crossing, within slack: f >= 0 on [0, s (1 - 2^-11)] (s <= t* (1 + 2^-12)), i.e. no
         * strict sign change earlier (f may touch 0 where every neuron is off;
         * piecewise linear: check the end point and every exact breakpoint) */
        {
            fmpq_t Tq, bp, e;
            fmpq_init(Tq); fmpq_init(bp); fmpq_init(e);
            d_to_fmpq(Tq, 1.0 - 0x1p-11);
            fmpq_mul(Tq, Tq, tq);
            ray_q(q, M, ax, E.c, Tq, f->sign);
            CHECK(fmpq_sgn(q) >= 0, "%s: flip %zu: crossing before s (1 - 2^-11)", tag, r);
            for (j = 0; j < k; j++) {
                if (fmpq_is_zero(E.c + j))
                    continue;
                fmpq_div(bp, ax + j, E.c + j);
                if (f->sign < 0)
                    fmpq_neg(bp, bp);
                if (fmpq_sgn(bp) <= 0 || fmpq_cmp(bp, Tq) >= 0)
                    continue;
                ray_q(q, M, ax, E.c, bp, f->sign);
                CHECK(fmpq_sgn(q) >= 0, "%s: flip %zu: f = %g < 0 at breakpoint %zu (t = %.17g) before s = %.17g (p %d, f(0) = %g)", tag, r,
                      fmpq_get_d(q), j, fmpq_get_d(bp), f->scale, f->sign, fmpq_get_d(pN));
            }
            fmpq_clear(Tq); fmpq_clear(bp); fmpq_clear(e);
        }
        /* s^2 <z,z> <= U^2 */
        fmpq_zero(a);
        for (t = 0; t < d; t++)
            fmpq_addmul(a, E.z + t, E.z + t);
        fmpq_mul(a, a, tq);
        fmpq_mul(a, a, tq);
        d_to_fmpq(b2, f->delta_upper);
        fmpq_mul(b2, b2, b2);
        CHECK(fmpq_cmp(a, b2) <= 0 && f->delta_upper >= 0, "%s: flip %zu: U", tag, r);
        dot_q(a, d, x, x);
        d_to_fmpq(b2, f->x_norm_lower);
        fmpq_mul(b2, b2, b2);
        CHECK(fmpq_cmp(b2, a) <= 0 && f->x_norm_lower >= 0, "%s: flip %zu: x_norm_lower", tag, r);
        d_to_fmpq(a, f->dist_lower);
        d_to_fmpq(b2, C->L_upper);
        fmpq_mul(a, a, b2);
        CHECK(fmpq_cmp(a, pN) <= 0 && f->dist_lower >= 0, "%s: flip %zu: D L <= p N(x)", tag, r);
        fmpq_clear(pN);
        fmpq_clear(tq);
    }
    /* kkt */
    if (C->kkt_certified) {
        int full = !(M->flags & NRC_FLAG_FIXED_V);
        fmpq_t r2, acc, lam, tmp, Tk;
        size_t kk = 0;
        fmpq_init(r2); fmpq_init(acc); fmpq_init(lam); fmpq_init(tmp); fmpq_init(Tk);
        CHECK(C->all_correct, "%s: kkt certified needs all_correct", tag);
        /* every exact zero listed; every listed pair has |a_ij| <= eta
         * exactly; ascending, no duplicates (spec/CERTIFICATE.md) */
        CHECK(C->kink_tolerance >= 0, "%s: eta >= 0", tag);
        for (i = 0; i < n; i++) {
            CHECK(C->lambda[i] >= 0, "%s: lambda_%zu >= 0", tag, i);
            for (j = 0; j < k; j++) {
                int listed = kk < C->nkinks && C->kinks[2 * kk] == i && C->kinks[2 * kk + 1] == j;
                if (fmpq_is_zero(E.A + i * k + j))
                    CHECK(listed, "%s: kink (%zu, %zu) listed", tag, i, j);
                if (listed) {
                    fmpq_abs(tmp, E.A + i * k + j);
                    CHECK(cmpq_d(tmp, C->kink_tolerance) <= 0,
                          "%s: listed (%zu, %zu) has |a_ij| <= eta %a", tag, i, j, C->kink_tolerance);
                    kk++;
                }
            }
        }
        CHECK(kk == C->nkinks, "%s: kink count %zu vs %zu (listed pairs out of order?)", tag, kk, C->nkinks);
        for (j = 0; j < k; j++) {
            fmpq_t vj;
            fmpq_init(vj);
            d_to_fmpq(vj, M->v[j]);
            for (t = 0; t <= d; t++) {     /* t == d: bias coordinate */
                if (t == d && !(M->flags & NRC_FLAG_BIAS))
                    break;
                d_to_fmpq(acc, t < d ? M->W[j * d + t] : M->b[j]);
                fmpq_addmul(Tk, acc, acc);
                for (i = 0; i < n; i++) {
                    double g = fmpq_sgn(E.A + i * k + j) > 0 ? 1.0 : 0.0;
                    size_t rk;            /* the listed g of a listed pair */
                    for (rk = 0; rk < C->nkinks; rk++)
                        if (C->kinks[2 * rk] == i && C->kinks[2 * rk + 1] == j) {
                            g = C->kink_g[rk];
                            CHECK(g >= 0 && g <= 1, "%s: kink g in [0, 1]", tag);
                        }
                    if (g == 0 || C->lambda[i] == 0)
                        continue;
                    d_to_fmpq(lam, C->lambda[i] * M->y[i]);
                    d_to_fmpq(tmp, t < d ? M->X[i * d + t] : 1.0);
                    fmpq_mul(tmp, tmp, lam);
                    d_to_fmpq(lam, g);
                    fmpq_mul(tmp, tmp, lam);
                    fmpq_mul(tmp, tmp, vj);
                    fmpq_sub(acc, acc, tmp);
                }
                fmpq_addmul(r2, acc, acc);
            }
            if (full) {
                fmpq_set(acc, vj);
                fmpq_addmul(Tk, vj, vj);
                for (i = 0; i < n; i++) {
                    if (fmpq_sgn(E.A + i * k + j) <= 0)
                        continue;
                    d_to_fmpq(lam, C->lambda[i] * M->y[i]);
                    fmpq_submul(acc, lam, E.A + i * k + j);
                }
                fmpq_addmul(r2, acc, acc);
            }
            fmpq_clear(vj);
        }
        d_to_fmpq(tmp, C->eps_rel_upper);
        fmpq_mul(tmp, tmp, tmp);
        fmpq_mul(tmp, tmp, Tk);
        CHECK(fmpq_cmp(r2, tmp) <= 0, "%s: eps_rel_upper", tag);
        d_to_fmpq(tmp, C->eps_upper);
        fmpq_mul(tmp, tmp, tmp);
        fmpq_mul(tmp, tmp, qmin);
        if (!full)
            fmpq_mul(tmp, tmp, qmin);
        CHECK(fmpq_cmp(r2, tmp) <= 0, "%s: eps_upper", tag);
        fmpq_zero(acc);
        for (i = 0; i < n; i++) {
            fmpq_set(tmp, E.N + i);
            if (M->y[i] < 0)
                fmpq_neg(tmp, tmp);
            fmpq_sub(tmp, tmp, qmin);
            d_to_fmpq(lam, C->lambda[i]);
            fmpq_addmul(acc, lam, tmp);
        }
        d_to_fmpq(tmp, C->delta_upper);
        fmpq_mul(tmp, tmp, qmin);
        CHECK(fmpq_cmp(acc, tmp) <= 0, "%s: delta_upper", tag);
        for (j = 0; j < k; j++) {
            dot_q(acc, d, M->W + j * d, M->W + j * d);
            if (M->flags & NRC_FLAG_BIAS) {
                d_to_fmpq(tmp, M->b[j]);
                fmpq_addmul(acc, tmp, tmp);
            }
            d_to_fmpq(tmp, M->v[j]);
            fmpq_submul(acc, tmp, tmp);
            fmpq_abs(acc, acc);
            d_to_fmpq(tmp, C->balance_defect_upper);
            fmpq_mul(tmp, tmp, T);
            CHECK(fmpq_cmp(acc, tmp) <= 0, "%s: balance defect neuron %zu", tag, j);
        }
        fmpq_clear(r2); fmpq_clear(acc); fmpq_clear(lam); fmpq_clear(tmp); fmpq_clear(Tk);
    }
    exact_free(&E);
    fmpq_clear(q); fmpq_clear(qmin); fmpq_clear(T); fmpq_clear(s); fmpq_clear(u);
    fmpq_clear(a); fmpq_clear(b2);
    return tl_case_failed - fails0;
}

/* ------------------------------------------------------------ models */
enum { MK_TRAINED, MK_RANDOM, MK_KINKS, MK_KKT, MK_SIGNTRAP };

/* A "trained-like" model: neuron j aligned with class-sum directions so that
 * it fits the data; data nearly orthogonal when d >> n. */
static int make_model(nrc_model *M, size_t n, size_t d, size_t k, size_t m,
                      uint32_t flags, int kind)
{
    nrc_error err;
    size_t i, j, t;
    nrc_model_init(M);
    if (nrc_model_alloc(M, n, d, k, m, flags, &err) != NRC_OK)
        return 0;
    for (i = 0; i < n; i++) {
        M->y[i] = (i % 2) ? -1.0 : 1.0;
        for (t = 0; t < d; t++)
            M->X[i * d + t] = kind == MK_KINKS ? (double)((int)(rnd64() % 5) - 2) : gauss();
    }
    for (i = 0; i < m; i++) {
        M->yt[i] = (i % 2) ? -1.0 : 1.0;
        for (t = 0; t < d; t++)
            M->Xt[i * d + t] = kind == MK_KINKS ? (double)((int)(rnd64() % 5) - 2) : gauss();
    }
    for (j = 0; j < k; j++) {
        double sg = (j % 2) ? -1.0 : 1.0;
        M->v[j] = (flags & NRC_FLAG_FIXED_V) ? sg * 0.5 : sg * (0.5 + unif());
        for (t = 0; t < d; t++) {
            double w = 0;
            if (kind == MK_KINKS) {
                w = (double)((int)(rnd64() % 3) - 1);
            } else {
                for (i = 0; i < n; i++)
                    if (M->y[i] == sg)
                        w += M->X[i * d + t];
                w = (kind == MK_RANDOM ? gauss() : w * (0.5 + unif()) + 0.3 * gauss()) / (double)d;
            }
            M->W[j * d + t] = w;
        }
        if (flags & NRC_FLAG_BIAS)
            M->b[j] = kind == MK_KINKS ? (double)((int)(rnd64() % 3) - 1) : 0.01 * gauss();
    }
    return 1;
}

static int run_engine(const nrc_model *M, const char *engine, nrc_certify_result *C,
                      const nrc_certify_options *o)
{
    nrc_engine e;
    nrc_error err;
    nrc_status st;
    nrc_certify_options def;
    if (!o) {
        nrc_certify_options_default(&def);
        o = &def;
    }
    if (nrc_engine_init(&e, engine, 1, &err) != NRC_OK)
        return -1;
    nrc_certify_result_init(C);
    st = nrc_certify_run(M, o, &e, C, &err);
    nrc_engine_clear(&e);
    if (st != NRC_OK) {
        printf("     certify_run: %s\n", err.msg);
        return 0;
    }
    return 1;
}

static size_t count_cert(const nrc_certify_result *C)
{
    size_t r, c = 0;
    for (r = 0; r < C->nflips; r++)
        c += C->flips[r].status == NRC_FLIP_CERTIFIED;
    return c;
}

static int mpfr_note_printed;

/* Same verdicts with the mpfr engine (when it is available). */
static void compare_engines(const nrc_model *M, const nrc_certify_result *A, const char *tag)
{
    nrc_certify_result B;
    size_t r;
    int ok = run_engine(M, "mpfr", &B, NULL);
    if (ok < 0) {
        if (!mpfr_note_printed)
            printf("     note: mpfr engine not available: fast/mpfr verdict comparison not run\n");
        mpfr_note_printed = 1;
        return;
    }
    CHECK(ok == 1, "%s: mpfr run", tag);
    if (ok != 1)
        return;
    CHECK(A->all_correct == B.all_correct, "%s: fit verdict differs", tag);
    CHECK(A->regime == B.regime, "%s: regime differs", tag);
    CHECK(A->kkt_certified == B.kkt_certified, "%s: kkt differs", tag);
    CHECK(A->robust_certified == B.robust_certified, "%s: robust differs", tag);
    CHECK(A->nflips == B.nflips, "%s: flip count", tag);
    for (r = 0; r < A->nflips && r < B.nflips; r++) {
        CHECK(A->flips[r].status == B.flips[r].status && A->flips[r].sign == B.flips[r].sign,
              "%s: flip %zu verdict differs (fast %d, mpfr %d)", tag, r, A->flips[r].status,
              B.flips[r].status);
        /* the search is engine-independent, the decision exact: same s */
        if (A->flips[r].status == NRC_FLIP_CERTIFIED && B.flips[r].status == NRC_FLIP_CERTIFIED)
            CHECK(A->flips[r].scale == B.flips[r].scale, "%s: flip %zu scale differs", tag, r);
    }
    if (A->kkt_certified && B.kkt_certified)
        CHECK(memcmp(A->lambda, B.lambda, A->n * sizeof(double)) == 0, "%s: lambda differs", tag);
    verify_exact(M, &B, tag);
    nrc_certify_result_clear(&B);
}

static void one_case(size_t n, size_t d, size_t k, size_t m, uint32_t flags, int kind,
                     const char *tag, size_t min_cert)
{
    nrc_model M;
    nrc_certify_result C;
    REQUIRE(make_model(&M, n, d, k, m, flags, kind), "%s: model", tag);
    REQUIRE(run_engine(&M, "fast", &C, NULL) == 1, "%s: certify", tag);
    verify_exact(&M, &C, tag);
    CHECK(count_cert(&C) >= min_cert, "%s: only %zu flips certified (want >= %zu)", tag,
          count_cert(&C), min_cert);
    compare_engines(&M, &C, tag);
    nrc_certify_result_clear(&C);
    nrc_model_clear(&M);
}

static void test_in_regime(void)
{
    long it, iters = 3 * tl_mult();
    rs = tl_seed() | 1;
    for (it = 0; it < iters && !tl_case_failed; it++)
        one_case(6, 400, 8, 4, 0, MK_TRAINED, "in-regime", 6);
}

static void test_out_of_regime(void)
{
    long it, iters = 3 * tl_mult();
    rs = tl_seed() * 7 + 3;
    for (it = 0; it < iters && !tl_case_failed; it++)
        one_case(20, 5, 6, 5, 0, (it & 1) ? MK_RANDOM : MK_TRAINED, "out-of-regime", 0);
}

static void test_biases(void)
{
    rs = tl_seed() * 11 + 5;
    one_case(6, 300, 6, 3, NRC_FLAG_BIAS, MK_TRAINED, "biases", 6);
    one_case(10, 4, 5, 3, NRC_FLAG_BIAS, MK_RANDOM, "biases-random", 0);
}

static void test_fixed_second_layer(void)
{
    rs = tl_seed() * 13 + 9;
    one_case(6, 300, 6, 3, NRC_FLAG_FIXED_V, MK_TRAINED, "fixed-v", 6);
    one_case(6, 300, 6, 3, NRC_FLAG_FIXED_V | NRC_FLAG_BIAS, MK_TRAINED, "fixed-v-bias", 6);
}

static void test_exact_kinks(void)
{
    long it, iters = 4 * tl_mult();
    rs = tl_seed() * 17 + 1;
    for (it = 0; it < iters && !tl_case_failed; it++)
        one_case(6, 4, 5, 4, (it & 1) ? NRC_FLAG_BIAS : 0, MK_KINKS, "kinks", 0);
}

/* An exact KKT point: x_i = 2 e_i (orthogonal data), w_i = e_i, v_i = y_i,
 * lambda_i = 1/2: w_j = v_j lambda_j y_j g_jj x_j and v_j = lambda_j y_j
 * relu(a_jj) hold exactly (the a_ij, i != j, are exact zeros: kinks with
 * g = 0); q_i = 2 for all i; balanced. */
static void test_exact_kkt_point(void)
{
    nrc_model M;
    nrc_certify_result C;
    nrc_error err;
    size_t n = 6, d = 8, k = 6, i;
    nrc_model_init(&M);
    REQUIRE(nrc_model_alloc(&M, n, d, k, 2, 0, &err) == NRC_OK, "alloc");
    for (i = 0; i < n; i++) {
        M.y[i] = (i % 2) ? -1.0 : 1.0;
        M.X[i * d + i] = 2.0;
        M.W[i * d + i] = 1.0;
        M.v[i] = M.y[i];
    }
    M.Xt[0 * d + 6] = 1.0; M.Xt[0 * d + 0] = 1.0; M.yt[0] = 1;
    M.Xt[1 * d + 7] = 1.0; M.Xt[1 * d + 1] = 1.0; M.yt[1] = -1;
    REQUIRE(run_engine(&M, "fast", &C, NULL) == 1, "certify");
    verify_exact(&M, &C, "kkt-point");
    CHECK(C.kkt_certified, "kkt certified");
    CHECK(C.eps_rel_upper <= 1e-12, "eps_rel at rounding level: %g", C.eps_rel_upper);
    CHECK(C.eps_upper <= 1e-12, "eps at rounding level: %g", C.eps_upper);
    CHECK(C.delta_upper <= 1e-12, "delta: %g", C.delta_upper);
    CHECK(C.balance_defect_upper <= 1e-12, "balance: %g", C.balance_defect_upper);
    for (i = 0; i < n; i++)
        CHECK(fabs(C.lambda[i] - 0.5) <= 1e-12, "lambda_%zu = %g, want 1/2", i, C.lambda[i]);
    CHECK(C.nkinks == n * (n - 1), "kinks listed: %zu", C.nkinks);
    CHECK(count_cert(&C) == C.nflips, "every flip certified: %zu of %zu", count_cert(&C), C.nflips);
    CHECK(C.robust_certified && C.regime, "robust and regime");
    CHECK(nrc_certify_all_certified(&C), "all certified");
    compare_engines(&M, &C, "kkt-point");
    nrc_certify_result_clear(&C);
    nrc_model_clear(&M);
}

/* A model on which plain double evaluation gets the sign of N(x_0) wrong:
 * w = (2^54, 1, -2^54, -2^-10), x_0 = (1, 1, 1, 1): a = 1 - 2^-10 > 0 but
 * the left-to-right double sum is negative. The fast radius cannot decide,
 * the arbiter must, and the certificate must reflect the exact sign. */
static void test_sign_trap(void)
{
    nrc_model M;
    nrc_certify_result C;
    nrc_error err;
    volatile double naive = 0;
    size_t t;
    nrc_model_init(&M);
    REQUIRE(nrc_model_alloc(&M, 2, 4, 1, 0, 0, &err) == NRC_OK, "alloc");
    M.W[0] = 0x1p54; M.W[1] = 1.0; M.W[2] = -0x1p54; M.W[3] = -0x1p-10;
    M.v[0] = 1.0;
    for (t = 0; t < 4; t++) M.X[t] = 1.0;
    M.y[0] = 1.0;
    M.X[4] = -1.0; M.X[5] = 0; M.X[6] = 0; M.X[7] = 0; M.y[1] = -1.0;   /* a = -2^54 < 0: N = 0 */
    for (t = 0; t < 4; t++) naive = naive + M.W[t] * M.X[t];
    CHECK(naive < 0, "double gets the pre-activation sign wrong");
    REQUIRE(run_engine(&M, "fast", &C, NULL) == 1, "certify");
    CHECK(C.arbiter_preact >= 1, "the arbiter decided a pre-activation (%zu)", C.arbiter_preact);
    CHECK(C.flips[0].sign == 1, "exact sign of N(x_0) is +1");
    CHECK(C.flips[1].status == NRC_FLIP_UNDECIDED && C.flips[1].sign == 0, "N(x_1) = 0 is undecided");
    CHECK(!C.all_correct, "x_1 (N = 0) is not correctly classified");
    CHECK(!C.kkt_certified, "kkt not applicable");
    verify_exact(&M, &C, "sign-trap");
    nrc_certify_result_clear(&C);
    nrc_model_clear(&M);
}

/* A pre-activation that is positive but below the smallest subnormal
 * (2^-1200): its rounded lower bound is 0, yet g_ij must be 1 in the KKT
 * residual (the checker uses the exact sign). */
static void test_tiny_preactivation(void)
{
    nrc_model M;
    nrc_certify_result C;
    nrc_error err;
    nrc_model_init(&M);
    REQUIRE(nrc_model_alloc(&M, 2, 3, 3, 0, 0, &err) == NRC_OK, "alloc");
    /* x_1 = (2, 2^-600, 0), x_2 = (0, 0, 2); w_1 = e_1, w_2 = 2^-600 e_2,
     * w_3 = e_3; v = (1, 1, -1) */
    M.X[0] = 2.0; M.X[1] = 0x1p-600; M.y[0] = 1.0;
    M.X[5] = 2.0; M.y[1] = -1.0;
    M.W[0] = 1.0; M.W[4] = 0x1p-600; M.W[8] = 1.0;
    M.v[0] = 1.0; M.v[1] = 1.0; M.v[2] = -1.0;
    REQUIRE(run_engine(&M, "fast", &C, NULL) == 1, "certify");
    CHECK(C.all_correct, "fit");
    CHECK(C.kkt_certified, "kkt certified");
    verify_exact(&M, &C, "tiny-preact");
    compare_engines(&M, &C, "tiny-preact");
    nrc_certify_result_clear(&C);
    nrc_model_clear(&M);
}

/* A KKT point that needs a kink subgradient strictly inside (0, 1): fixed
 * second layer, x_1 = (1, 0), x_2 = (-1, 1), both y = +1; w_0 = (1/2, 1/2),
 * w_1 = (-1, 1), v = (1, 1). With lambda = (1, 1): w_0 = x_1 + g x_2 needs
 * g = 1/2 at the kink a_20 = <w_0, x_2> = 0, and w_1 = x_2 (a_21 = 2 > 0,
 * a_11 = -1 < 0). So eps = 0 exactly with g = 1/2, and not with g = 0. */
static void test_kink_subgradient(void)
{
    nrc_model M;
    nrc_certify_result C;
    nrc_error err;
    nrc_model_init(&M);
    REQUIRE(nrc_model_alloc(&M, 2, 2, 2, 0, NRC_FLAG_FIXED_V, &err) == NRC_OK, "alloc");
    M.X[0] = 1.0; M.X[1] = 0.0; M.y[0] = 1.0;
    M.X[2] = -1.0; M.X[3] = 1.0; M.y[1] = 1.0;
    M.W[0] = 0.5; M.W[1] = 0.5; M.W[2] = -1.0; M.W[3] = 1.0;
    M.v[0] = 1.0; M.v[1] = 1.0;
    REQUIRE(run_engine(&M, "fast", &C, NULL) == 1, "certify");
    CHECK(C.kkt_certified, "kkt certified");
    CHECK(C.nkinks == 1 && C.kinks[0] == 1 && C.kinks[1] == 0, "the kink (1, 0) is listed");
    if (C.nkinks == 1)
        CHECK(fabs(C.kink_g[0] - 0.5) <= 1e-9, "g = %g, want 1/2", C.kink_g[0]);
    CHECK(C.eps_rel_upper <= 1e-9, "eps_rel at rounding level with g = 1/2: %g", C.eps_rel_upper);
    verify_exact(&M, &C, "kink-g");
    compare_engines(&M, &C, "kink-g");
    nrc_certify_result_clear(&C);
    nrc_model_clear(&M);
}

/* A near-kink (issue: polished networks store kinks as ~1e-17, never 0):
 * the KKT point of test_kink_subgradient with x_2 = (-1, 1 + 2^-52) and
 * w_0 = (2^-8, 2^-8), so a_20 = 2^-8 2^-52 = 2^-60 exactly, a tiny positive
 * pre-activation. lambda = (2^-7, 1) and g = 2^-8 at (1, 0) leave only the
 * residual of w_1 = x_2 - (0, 2^-52): eps_rel ~ 1e-16. By default the pair
 * is listed with |a_20| <= eta; with --kink-tol 0 it is read as g = 1 (not
 * listed, eta = 0) and the residual is large. */
static void test_near_kink(void)
{
    nrc_model M;
    nrc_certify_result C;
    nrc_certify_options o;
    nrc_error err;
    nrc_model_init(&M);
    REQUIRE(nrc_model_alloc(&M, 2, 2, 2, 0, NRC_FLAG_FIXED_V, &err) == NRC_OK, "alloc");
    M.X[0] = 1.0; M.X[1] = 0.0; M.y[0] = 1.0;
    M.X[2] = -1.0; M.X[3] = 1.0 + 0x1p-52; M.y[1] = 1.0;
    M.W[0] = 0x1p-8; M.W[1] = 0x1p-8; M.W[2] = -1.0; M.W[3] = 1.0;
    M.v[0] = 1.0; M.v[1] = 1.0;
    REQUIRE(run_engine(&M, "fast", &C, NULL) == 1, "certify");
    CHECK(C.kkt_certified, "kkt certified");
    CHECK(C.nkinks == 1 && C.kinks[0] == 1 && C.kinks[1] == 0 && C.nkinks_exact == 0,
          "the near-kink (1, 0) is listed (%zu listed, %zu exact)", C.nkinks, C.nkinks_exact);
    CHECK(C.kink_tolerance >= 0x1p-60 && C.kink_tolerance <= 0x1.0000000000001p-60,
          "eta = %a, want 2^-60 (the exact |a_20|)", C.kink_tolerance);
    if (C.nkinks == 1)
        CHECK(fabs(C.kink_g[0] - 0x1p-8) <= 1e-9, "g = %g, want 2^-8", C.kink_g[0]);
    CHECK(C.eps_rel_upper <= 1e-14, "eps_rel at rounding level with the near-kink: %g", C.eps_rel_upper);
    verify_exact(&M, &C, "near-kink");
    compare_engines(&M, &C, "near-kink");
    nrc_certify_result_clear(&C);
    /* exact-zero semantics: not listed, eta = 0, read as g = 1 */
    nrc_certify_options_default(&o);
    o.kink_tol = 0.0;
    REQUIRE(run_engine(&M, "fast", &C, &o) == 1, "certify --kink-tol 0");
    CHECK(C.kkt_certified, "kkt certified (tol 0)");
    CHECK(C.nkinks == 0 && C.kink_tolerance == 0, "tol 0: nothing listed (%zu), eta %a",
          C.nkinks, C.kink_tolerance);
    CHECK(C.eps_rel_upper > 1e-6, "tol 0: g = 1 forced, eps_rel %g not at rounding level",
          C.eps_rel_upper);
    verify_exact(&M, &C, "near-kink-tol0");
    nrc_certify_result_clear(&C);
    nrc_model_clear(&M);
}

/* The margin direction and the point selection. */
static void test_options(void)
{
    nrc_model M;
    nrc_certify_result C;
    nrc_certify_options o;
    rs = tl_seed() * 19 + 11;
    REQUIRE(make_model(&M, 8, 200, 6, 3, 0, MK_TRAINED), "model");
    nrc_certify_options_default(&o);
    o.margin_dir = 1;
    o.tau = 0.5;
    o.tau_text = "0.5";
    o.points = NRC_POINTS_TRAIN;
    REQUIRE(run_engine(&M, "fast", &C, &o) == 1, "certify");
    CHECK(C.nflips == 8, "train only: %zu flips", C.nflips);
    CHECK(C.dir_idx && C.dir_len >= 1 && C.dir_len <= 8, "margin set listed");
    verify_exact(&M, &C, "margin-dir");
    nrc_certify_result_clear(&C);
    o.points = NRC_POINTS_TEST;
    o.margin_dir = 0;
    REQUIRE(run_engine(&M, "fast", &C, &o) == 1, "certify");
    CHECK(C.nflips == 3 && C.flips[0].set == 1, "test only");
    verify_exact(&M, &C, "test-only");
    nrc_certify_result_clear(&C);
    nrc_model_clear(&M);
}

/* NNLS optimality: lambda >= 0, gradient >= 0 where lambda = 0, ~0 where
 * lambda > 0, on random PSD systems (K = H H^T). */
static void test_nnls(void)
{
    long it, iters = 20 * tl_mult();
    nrc_error err;
    rs = tl_seed() * 23 + 13;
    for (it = 0; it < iters && !tl_case_failed; it++) {
        size_t n = 2 + rnd64() % 30, p = n + 5 + rnd64() % 10, i, l, t;
        double *H = nrc_calloc(n * p, sizeof(double)), *K = nrc_calloc(n * n, sizeof(double));
        double *rhs = nrc_calloc(n, sizeof(double)), *lam = nrc_calloc(n, sizeof(double));
        double viol, scale = 0;
        REQUIRE(H && K && rhs && lam, "alloc");
        for (i = 0; i < n * p; i++) H[i] = gauss();
        for (i = 0; i < n; i++) {
            for (l = 0; l < n; l++)
                for (t = 0; t < p; t++)
                    K[i * n + l] += H[i * p + t] * H[l * p + t];
            rhs[i] = gauss() * 3;
            if (fabs(rhs[i]) > scale) scale = fabs(rhs[i]);
        }
        REQUIRE(nrc_nnls_d(n, K, rhs, lam, 300, &viol, &err) == NRC_OK, "nnls");
        for (i = 0; i < n; i++) {
            double g = -rhs[i];
            for (l = 0; l < n; l++) g += K[i * n + l] * lam[l];
            CHECK(lam[i] >= 0, "lambda_%zu = %g < 0", i, lam[i]);
            if (lam[i] > 0)
                CHECK(fabs(g) <= 1e-8 * scale * n, "it %ld: grad_%zu = %g at lambda > 0", it, i, g);
            else
                CHECK(g >= -1e-8 * scale * n, "it %ld: grad_%zu = %g < 0 at lambda = 0", it, i, g);
        }
        nrc_free(H); nrc_free(K); nrc_free(rhs); nrc_free(lam);
    }
}

/* ------------------------------------------------------------ min_flip */
/* --min-flip on models of every kind: the certificate's min_flip member and
 * its companion file re-verified exactly from their bytes (mf_verify.h);
 * the fast and mpfr engines reach the same min_flip verdicts with the same
 * adversarial points, strictness, U and trees (the search reads only
 * engine-independent values; claim U is decided exactly where an enclosure
 * leaves it open); U <= U_paper (1 + 2^-20) where both are certified. */
static void mf_case(size_t n, size_t d, size_t k, size_t m, uint32_t flags, int kind,
                    const char *tag, mfv_counts *tot)
{
    nrc_model M;
    nrc_certify_result C[2];
    nrc_certify_options o;
    nrc_error err;
    const char *eng[2] = { "fast", "mpfr" };
    size_t r;
    int e, ne = 2;
    nrc_certify_options_default(&o);
    o.min_flip = 1;
    o.min_flip_name = "m.minflip.safetensors";
    REQUIRE(make_model(&M, n, d, k, m, flags, kind), "%s: model", tag);
    for (e = 0; e < 2; e++) {
        char *json = NULL;
        size_t len;
        mfv_counts cnt;
        int ok = run_engine(&M, eng[e], &C[e], &o);
        if (ok < 0 && e == 1) {
            ne = 1;
            break;
        }
        REQUIRE(ok == 1, "%s: certify --min-flip (%s)", tag, eng[e]);
        REQUIRE(nrc_certify_to_json(&C[e], &json, &len, &err) == NRC_OK, "%s: json", tag);
        mfv_verify(&M, json, C[e].mf_data, C[e].mf_len, tag, &cnt);
        nrc_free(json);
        if (e == 0) {
            tot->points += cnt.points;
            tot->upper += cnt.upper;
            tot->strict += cnt.strict;
            tot->lower += cnt.lower;
            tot->leaves += cnt.leaves;
            if (cnt.worst_ud > tot->worst_ud)
                tot->worst_ud = cnt.worst_ud;
        }
        for (r = 0; r < C[e].nmf; r++) {
            const nrc_mf_entry *E = &C[e].mf[r];
            CHECK(E->sign == C[e].flips[r].sign && E->set == C[e].flips[r].set &&
                  E->index == C[e].flips[r].index, "%s: min_flip entry %zu is not flip entry %zu",
                  tag, r, r);
            if (E->upper_ok && !isnan(E->U_paper))
                CHECK(E->U <= E->U_paper * (1 + 0x1p-20), "%s: point %zu: U = %.17g > U_paper = %.17g",
                      tag, r, E->U, E->U_paper);
        }
    }
    for (r = 0; ne == 2 && r < C[0].nmf && r < C[1].nmf; r++) {
        const nrc_mf_entry *a = &C[0].mf[r], *b = &C[1].mf[r];
        CHECK(a->upper_ok == b->upper_ok && a->lower_ok == b->lower_ok && a->strict == b->strict &&
              (!a->upper_ok || (a->U == b->U && a->row == b->row)) &&
              (!a->lower_ok || (a->ntok == b->ntok && a->nleaves == b->nleaves)),
              "%s: min_flip point %zu: fast upper %d (U %a, strict %d) lower %d, mpfr upper %d (U %a, strict %d) lower %d",
              tag, r, a->upper_ok, a->U, a->strict, a->lower_ok, b->upper_ok, b->U, b->strict,
              b->lower_ok);
    }
    if (ne == 2) {
        CHECK(C[0].mf_rows == C[1].mf_rows && C[0].mf_tokens == C[1].mf_tokens &&
              C[0].mf_leaves == C[1].mf_leaves, "%s: companion sizes differ between engines", tag);
        nrc_certify_result_clear(&C[1]);
    }
    nrc_certify_result_clear(&C[0]);
    nrc_model_clear(&M);
}

static void test_min_flip(void)
{
    mfv_counts tot;
    long it, iters = tl_mult();
    memset(&tot, 0, sizeof tot);
    rs = tl_seed() * 37 + 11;
    for (it = 0; it < iters && !tl_case_failed; it++) {
        mf_case(6, 300, 6, 4, 0, MK_TRAINED, "mf-in-regime", &tot);
        mf_case(12, 4, 5, 4, 0, MK_RANDOM, "mf-random", &tot);
        mf_case(6, 200, 6, 3, NRC_FLAG_BIAS, MK_TRAINED, "mf-biases", &tot);
        mf_case(10, 4, 5, 3, NRC_FLAG_BIAS, MK_RANDOM, "mf-biases-random", &tot);
        mf_case(6, 200, 6, 3, NRC_FLAG_FIXED_V, MK_TRAINED, "mf-fixed-v", &tot);
        mf_case(6, 4, 5, 4, 0, MK_KINKS, "mf-kinks", &tot);
        mf_case(6, 4, 5, 4, NRC_FLAG_BIAS, MK_KINKS, "mf-kinks-bias", &tot);
    }
    printf("     min_flip: %zu points, %zu upper (%zu strict), %zu lower (%zu leaves), worst U/D %.5f\n",
           tot.points, tot.upper, tot.strict, tot.lower, tot.leaves, tot.worst_ud);
    CHECK(tot.upper > tot.points / 2 && tot.lower > tot.points / 2,
          "min_flip: too few claims certified for the test to mean anything");
}

/* Fault injection: the k-th allocation and every later one fail, for every
 * k: the run returns NRC_ERR_SYSTEM (or completes when k is past the last
 * allocation) and never crashes; the result can always be cleared. */
/* The allocation failure loop of one option set. */
static void alloc_failures(const nrc_model *M, nrc_engine *e, const nrc_certify_options *o,
                           const char *tag)
{
    nrc_error err;
    unsigned long k, total;
    nrc_alloc_fail_at(0);
    {
        nrc_certify_result C;
        unsigned long before = nrc_alloc_count();
        nrc_certify_result_init(&C);
        REQUIRE(nrc_certify_run(M, o, e, &C, &err) == NRC_OK, "%s: clean run", tag);
        total = nrc_alloc_count() - before;
        nrc_certify_result_clear(&C);
    }
    if (getenv("NRC_TEST_VERBOSE"))
        printf("     %s: %lu allocations\n", tag, total);
    for (k = 1; k <= total + 1; k++) {
        nrc_certify_result C;
        nrc_status st;
        nrc_certify_result_init(&C);
        nrc_alloc_fail_at(k);
        st = nrc_certify_run(M, o, e, &C, &err);
        nrc_alloc_fail_at(0);
        CHECK(st == NRC_ERR_SYSTEM || (st == NRC_OK && k > total),
              "%s: allocation %lu of %lu failing gave status %d", tag, k, total, (int)st);
        nrc_certify_result_clear(&C);
    }
}

static void test_alloc_failures(void)
{
    nrc_model M;
    nrc_engine e;
    nrc_error err;
    nrc_certify_options o;
    rs = tl_seed() * 29 + 3;
    REQUIRE(make_model(&M, 5, 30, 4, 2, NRC_FLAG_BIAS, MK_TRAINED), "model");
    REQUIRE(nrc_engine_init(&e, "fast", 1, &err) == NRC_OK, "engine");
    nrc_certify_options_default(&o);
    alloc_failures(&M, &e, &o, "default");
    o.min_flip = 1;
    o.min_flip_name = "m.minflip.safetensors";
    o.points = NRC_POINTS_TEST;     /* 2 points: every allocation of min_flip, fewer runs */
    alloc_failures(&M, &e, &o, "min-flip");
    nrc_engine_clear(&e);
    nrc_model_clear(&M);
}

int main(void)
{
    RUN(test_exact_kkt_point);
    RUN(test_sign_trap);
    RUN(test_in_regime);
    RUN(test_out_of_regime);
    RUN(test_biases);
    RUN(test_fixed_second_layer);
    RUN(test_exact_kinks);
    RUN(test_tiny_preactivation);
    RUN(test_kink_subgradient);
    RUN(test_near_kink);
    RUN(test_options);
    RUN(test_nnls);
    RUN(test_min_flip);
    RUN(test_alloc_failures);
    return tl_exit();
}
