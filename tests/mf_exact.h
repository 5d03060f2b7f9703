/* Test-only exact references for the minimal-flip claims (spec/MINFLIP.md),
 * written from the spec with GMP rationals (mpq), independent of both the
 * certifier (src/certify/minflip_*.c) and the checker
 * (src/check/check_minflip.c):
 *   - mfx_net: the exact Gram matrix, pre-activations and c_j of a small
 *     network at a point;
 *   - mfx_dist2: the exact squared minimal adversarial distance
 *     dist(x)^2 = min over activation regions sigma of the squared distance
 *     from x to {x' in region sigma, f_sigma(x') <= 0}, each by enumerating
 *     the linearly independent active sets (brute force, k <= 6);
 *   - mfx_leaf_holds / mfx_upper_holds: the conditions (M), (C), (B) of a
 *     leaf and claim U, evaluated from their definitions. */
#ifndef NRC_MF_EXACT_H
#define NRC_MF_EXACT_H
#include <gmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* An array of n rationals, initialized (to 0) / cleared and freed. */
static inline mpq_t *mfx_array(size_t n)
{
    mpq_t *a = malloc((n ? n : 1) * sizeof(mpq_t));
    size_t i;
    for (i = 0; i < n; i++)
        mpq_init(a[i]);
    return a;
}

static inline void mfx_array_free(mpq_t *a, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        mpq_clear(a[i]);
    free(a);
}

typedef struct {
    size_t k, d;
    mpq_t *G;    /* (k, k) */
    mpq_t *a;    /* (k) a_j(x) */
    mpq_t *c;    /* (k) p v_j */
} mfx_net;

static inline void mfx_dot(mpq_t r, const double *x, const double *y, size_t d)
{
    mpq_t t, u;
    size_t i;
    mpq_init(t);
    mpq_init(u);
    mpq_set_ui(r, 0, 1);
    for (i = 0; i < d; i++) {
        mpq_set_d(t, x[i]);
        mpq_set_d(u, y[i]);
        mpq_mul(t, t, u);
        mpq_add(r, r, t);
    }
    mpq_clear(t);
    mpq_clear(u);
}

static inline void mfx_init(mfx_net *N, size_t k, size_t d, const double *W, const double *b,
                     const double *v, int p, const double *x)
{
    size_t j, l;
    N->k = k;
    N->d = d;
    N->G = malloc(k * k * sizeof(mpq_t));
    N->a = malloc(k * sizeof(mpq_t));
    N->c = malloc(k * sizeof(mpq_t));
    for (j = 0; j < k; j++) {
        for (l = 0; l < k; l++) {
            mpq_init(N->G[j * k + l]);
            mfx_dot(N->G[j * k + l], W + j * d, W + l * d, d);
        }
        mpq_init(N->a[j]);
        mfx_dot(N->a[j], W + j * d, x, d);
        if (b) {
            mpq_t t;
            mpq_init(t);
            mpq_set_d(t, b[j]);
            mpq_add(N->a[j], N->a[j], t);
            mpq_clear(t);
        }
        mpq_init(N->c[j]);
        mpq_set_d(N->c[j], p < 0 ? -v[j] : v[j]);
    }
}

static inline void mfx_clear(mfx_net *N)
{
    size_t j;
    for (j = 0; j < N->k * N->k; j++)
        mpq_clear(N->G[j]);
    for (j = 0; j < N->k; j++) {
        mpq_clear(N->a[j]);
        mpq_clear(N->c[j]);
    }
    free(N->G);
    free(N->a);
    free(N->c);
}

/* m1^T G m2 for coefficient vectors (k). */
static inline void mfx_form(mpq_t r, const mfx_net *N, mpq_t *m1, mpq_t *m2)
{
    mpq_t t;
    size_t j, l, k = N->k;
    mpq_init(t);
    mpq_set_ui(r, 0, 1);
    for (j = 0; j < k; j++) {
        if (mpq_sgn(m1[j]) == 0)
            continue;
        for (l = 0; l < k; l++) {
            if (mpq_sgn(m2[l]) == 0)
                continue;
            mpq_mul(t, m1[j], m2[l]);
            mpq_mul(t, t, N->G[j * k + l]);
            mpq_add(r, r, t);
        }
    }
    mpq_clear(t);
}

/* Solve K lambda = h (n x n, in place); 0 when K is singular. */
static inline int mfx_solve(size_t n, mpq_t *K, mpq_t *h)
{
    mpq_t t;
    size_t i, l, r;
    mpq_init(t);
    for (i = 0; i < n; i++) {
        size_t piv = n;
        for (r = i; r < n; r++)
            if (mpq_sgn(K[r * n + i])) {
                piv = r;
                break;
            }
        if (piv == n) {
            mpq_clear(t);
            return 0;
        }
        if (piv != i) {
            for (l = 0; l < n; l++)
                mpq_swap(K[i * n + l], K[piv * n + l]);
            mpq_swap(h[i], h[piv]);
        }
        for (r = 0; r < n; r++) {
            if (r == i || mpq_sgn(K[r * n + i]) == 0)
                continue;
            mpq_div(t, K[r * n + i], K[i * n + i]);
            for (l = i; l < n; l++) {
                mpq_t u;
                mpq_init(u);
                mpq_mul(u, t, K[i * n + l]);
                mpq_sub(K[r * n + l], K[r * n + l], u);
                mpq_clear(u);
            }
            {
                mpq_t u;
                mpq_init(u);
                mpq_mul(u, t, h[i]);
                mpq_sub(h[r], h[r], u);
                mpq_clear(u);
            }
        }
    }
    for (i = 0; i < n; i++)
        mpq_div(h[i], h[i], K[i * n + i]);
    mpq_clear(t);
    return 1;
}

/* Squared distance from x to {f <= 0}; returns 0 when the set is empty
 * (then best is untouched), 1 otherwise with best = the exact minimum. */
static inline int mfx_dist2(const mfx_net *N, mpq_t best)
{
    const size_t k = N->k, nc = k + 1;
    size_t sigma, T, i, l, j;
    int found = 0;
    mpq_t *M = mfx_array(nc * k);     /* normals' coefficients */
    mpq_t *h = mfx_array(nc);         /* n_i . delta >= h_i */
    mpq_t *K = mfx_array(nc * nc), *lam = mfx_array(nc), *y = mfx_array(k), *ey = mfx_array(k);
    mpq_t t, d2;
    mpq_init(t);
    mpq_init(d2);
    for (sigma = 0; sigma < ((size_t)1 << k); sigma++) {
        /* constraints: s_j a_j(x + delta) >= 0; -f_sigma(x + delta) >= 0 */
        for (i = 0; i < nc * k; i++)
            mpq_set_ui(M[i], 0, 1);
        mpq_set_ui(h[k], 0, 1);
        for (j = 0; j < k; j++) {
            int on = (sigma >> j) & 1;
            mpq_set_si(M[j * k + j], on ? 1 : -1, 1);
            mpq_set(h[j], N->a[j]);
            if (on)
                mpq_neg(h[j], h[j]);             /* s a + s e >= 0 -> s e >= -s a */
            if (on) {
                mpq_neg(M[k * k + j], N->c[j]);  /* -c_j on the active ones */
                mpq_mul(t, N->c[j], N->a[j]);
                mpq_add(h[k], h[k], t);          /* -sum c e >= sum c a */
            }
        }
        for (T = 0; T < ((size_t)1 << nc); T++) {
            size_t idx[8], n = 0;
            int ok = 1;
            for (i = 0; i < nc; i++)
                if ((T >> i) & 1)
                    idx[n++] = i;
            if (n > k)
                continue;
            for (i = 0; i < n; i++) {
                for (l = 0; l < n; l++)
                    mfx_form(K[i * n + l], N, M + idx[i] * k, M + idx[l] * k);
                mpq_set(lam[i], h[idx[i]]);
            }
            if (n > 0 && !mfx_solve(n, K, lam))
                continue;
            /* y = sum lambda_i m_i; delta = W^T y; e = G y */
            for (j = 0; j < k; j++) {
                mpq_set_ui(y[j], 0, 1);
                for (i = 0; i < n; i++) {
                    mpq_mul(t, lam[i], M[idx[i] * k + j]);
                    mpq_add(y[j], y[j], t);
                }
            }
            for (j = 0; j < k; j++) {
                mpq_set_ui(ey[j], 0, 1);
                for (l = 0; l < k; l++) {
                    mpq_mul(t, N->G[j * k + l], y[l]);
                    mpq_add(ey[j], ey[j], t);
                }
            }
            for (i = 0; i < nc && ok; i++) {   /* feasibility: m_i . e >= h_i */
                mpq_set_ui(d2, 0, 1);
                for (j = 0; j < k; j++) {
                    mpq_mul(t, M[i * k + j], ey[j]);
                    mpq_add(d2, d2, t);
                }
                if (mpq_cmp(d2, h[i]) < 0)
                    ok = 0;
            }
            if (!ok)
                continue;
            mpq_set_ui(d2, 0, 1);
            for (j = 0; j < k; j++) {
                mpq_mul(t, y[j], ey[j]);
                mpq_add(d2, d2, t);
            }
            if (!found || mpq_cmp(d2, best) < 0)
                mpq_set(best, d2);
            found = 1;
        }
    }
    mfx_array_free(M, nc * k);
    mfx_array_free(h, nc);
    mfx_array_free(K, nc * nc);
    mfx_array_free(lam, nc);
    mfx_array_free(y, k);
    mfx_array_free(ey, k);
    mpq_clear(t);
    mpq_clear(d2);
    return found;
}

/* c relu(t) - beta t - rho >= 0 at an exact point t. */
static inline int mfx_gap_ok(mpq_t tp, const mpq_t c, double beta, double rho)
{
    mpq_t r, u;
    int ok;
    mpq_init(r);
    mpq_init(u);
    if (mpq_sgn(tp) > 0)
        mpq_mul(r, c, tp);
    mpq_set_d(u, beta);
    mpq_mul(u, u, tp);
    mpq_sub(r, r, u);
    mpq_set_d(u, rho);
    mpq_sub(r, r, u);
    ok = mpq_sgn(r) >= 0;
    mpq_clear(r);
    mpq_clear(u);
    return ok;
}

/* Does leaf (s, beta, rho) satisfy spec/MINFLIP.md 3.2 at radius D?
 * 1: vacuous or (M), (C), (B) hold; 0: one fails. */
static inline int mfx_leaf_holds(const mfx_net *N, const double *u, double D, const signed char *s,
                          const double *beta, const double *rho)
{
    const size_t k = N->k;
    mpq_t *lo = malloc(k * sizeof(mpq_t)), *hi = malloc(k * sizeof(mpq_t));
    mpq_t t, C, gg;
    size_t j, l;
    int ok = 1, vac = 0;
    mpq_init(t);
    mpq_init(C);
    mpq_init(gg);
    for (j = 0; j < k; j++) {
        mpq_init(lo[j]);
        mpq_init(hi[j]);
        mpq_set_d(t, D);
        {
            mpq_t uu;
            mpq_init(uu);
            mpq_set_d(uu, u[j]);
            mpq_mul(t, t, uu);
            mpq_clear(uu);
        }
        mpq_sub(lo[j], N->a[j], t);
        mpq_add(hi[j], N->a[j], t);
        if (s[j] > 0 && mpq_sgn(lo[j]) < 0)
            mpq_set_ui(lo[j], 0, 1);
        if (s[j] < 0 && mpq_sgn(hi[j]) > 0)
            mpq_set_ui(hi[j], 0, 1);
        if (mpq_cmp(lo[j], hi[j]) > 0)
            vac = 1;
    }
    if (!vac) {
        for (j = 0; j < k && ok; j++) {
            ok = mfx_gap_ok(lo[j], N->c[j], beta[j], rho[j]) &&
                 mfx_gap_ok(hi[j], N->c[j], beta[j], rho[j]);
            if (ok && mpq_sgn(lo[j]) < 0 && mpq_sgn(hi[j]) > 0) {
                mpq_set_ui(t, 0, 1);
                ok = mfx_gap_ok(t, N->c[j], beta[j], rho[j]);
            }
        }
        for (j = 0; j < k && ok; j++) {
            mpq_set_d(t, beta[j]);
            mpq_mul(t, t, N->a[j]);
            mpq_add(C, C, t);
            mpq_set_d(t, rho[j]);
            mpq_add(C, C, t);
        }
        if (ok && mpq_sgn(C) <= 0)
            ok = 0;
        if (ok) {
            for (j = 0; j < k; j++)
                for (l = 0; l < k; l++) {
                    mpq_t bl;
                    mpq_init(bl);
                    mpq_set_d(t, beta[j]);
                    mpq_set_d(bl, beta[l]);
                    mpq_mul(t, t, bl);
                    mpq_mul(t, t, N->G[j * k + l]);
                    mpq_add(gg, gg, t);
                    mpq_clear(bl);
                }
            mpq_set_d(t, D);
            mpq_mul(t, t, t);
            mpq_mul(gg, gg, t);
            mpq_mul(t, C, C);
            ok = mpq_cmp(gg, t) <= 0;
        }
    }
    for (j = 0; j < k; j++) {
        mpq_clear(lo[j]);
        mpq_clear(hi[j]);
    }
    free(lo);
    free(hi);
    mpq_clear(t);
    mpq_clear(C);
    mpq_clear(gg);
    return ok;
}

/* The split signs of every leaf of a preorder token sequence (spec/MINFLIP.md
 * 3.1: j >= 0 splits neuron j, first child a_j >= 0; -1 a leaf), leaf t's
 * into S + t k (room for every leaf: at most ntok); returns the leaf count.
 * For well-formed trees only (the checker and the certifier test (T)). */
static inline size_t mfx_leaf_signs(const int32_t *tree, size_t ntok, size_t k, signed char *S)
{
    signed char *s = calloc(k ? k : 1, 1);
    size_t *stack = malloc((k + 1) * sizeof(size_t)), depth = 0, nl = 0, t;
    for (t = 0; t < ntok; t++) {
        if (tree[t] >= 0) {
            stack[depth++] = (size_t)tree[t];
            s[tree[t]] = 1;
            continue;
        }
        memcpy(S + nl * k, s, k);
        nl++;
        while (depth > 0 && s[stack[depth - 1]] < 0)
            s[stack[--depth]] = 0;
        if (depth > 0)
            s[stack[depth - 1]] = -1;
    }
    free(s);
    free(stack);
    return nl;
}

/* The sign of sum_j c_j relu(<w_j, x'> + b_j) for a binary64 x', exactly. */
static inline int mfx_adv_sign(size_t k, size_t d, const double *W, const double *b,
                            const double *v, int p, const double *xp)
{
    mpq_t a, f, t;
    size_t j;
    int sg;
    mpq_init(a);
    mpq_init(f);
    mpq_init(t);
    for (j = 0; j < k; j++) {
        mfx_dot(a, W + j * d, xp, d);
        if (b) {
            mpq_set_d(t, b[j]);
            mpq_add(a, a, t);
        }
        if (mpq_sgn(a) > 0) {
            mpq_set_d(t, p < 0 ? -v[j] : v[j]);
            mpq_mul(t, t, a);
            mpq_add(f, f, t);
        }
    }
    sg = mpq_sgn(f);
    mpq_clear(a);
    mpq_clear(f);
    mpq_clear(t);
    return sg;
}

/* ||x' - x||^2 exactly. */
static inline void mfx_dist2_points(mpq_t r, size_t d, const double *x, const double *xp)
{
    mpq_t t, u;
    size_t i;
    mpq_init(t);
    mpq_init(u);
    mpq_set_ui(r, 0, 1);
    for (i = 0; i < d; i++) {
        mpq_set_d(t, xp[i]);
        mpq_set_d(u, x[i]);
        mpq_sub(t, t, u);
        mpq_mul(t, t, t);
        mpq_add(r, r, t);
    }
    mpq_clear(t);
    mpq_clear(u);
}

#endif
