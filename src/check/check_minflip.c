/* Exact verification of the minimal-flip claims (spec/MINFLIP.md section
 * 4; include/check/nrc_check_minflip.h). Every quantity is a dyadic
 * rational computed exactly: pre-activations and Gram entries by the
 * fixed-point dot products of check_fix.c, everything else by check_dy.c.
 * The claims are checked in the squared, cross-multiplied forms of the
 * spec; nothing here rounds, divides or takes a square root.
 *
 * Written for Frama-C WP (memory safety) later: plain loops with simple
 * bounds, no recursion (the tree is walked with an explicit stack of depth
 * <= k), scratch from the caller. */
#include <math.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_check_minflip.h"
#include "nrc_check_quant.h"   /* nrc_check_dot */

const char *nrc_check_mf_what_name(nrc_check_mf_what w)
{
    switch (w) {
    case NRC_MF_HOLDS: return "holds";
    case NRC_MF_SIGN: return "sign";
    case NRC_MF_ADV: return "adversarial";
    case NRC_MF_UPPER: return "upper";
    case NRC_MF_NORM: return "norm";
    case NRC_MF_RADIUS: return "radius";
    case NRC_MF_MINORANT: return "minorant";
    case NRC_MF_POSITIVE: return "positive";
    case NRC_MF_BALL: return "ball";
    }
    return "?";
}

nrc_status nrc_check_mf_scratch_init(nrc_check_mf_scratch *S, size_t k, nrc_error *err)
{
    size_t j;
    memset(S, 0, sizeof *S);
    S->s = nrc_malloc(k ? k : 1);
    S->stack = nrc_malloc_array(k ? k : 1, sizeof(size_t));
    S->t = nrc_malloc_array(k ? k : 1, sizeof(nrc_cdy));
    if (!S->s || !S->stack || !S->t) {
        nrc_free(S->s);
        nrc_free(S->stack);
        nrc_free(S->t);
        memset(S, 0, sizeof *S);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (min-flip scratch, k = %zu)", k);
    }
    S->k = k;
    for (j = 0; j < k; j++)
        nrc_cdy_init(&S->t[j]);
    nrc_cdy_init(&S->lo);
    nrc_cdy_init(&S->hi);
    nrc_cdy_init(&S->x);
    nrc_cdy_init(&S->y);
    nrc_cdy_init(&S->z);
    return NRC_OK;
}

void nrc_check_mf_scratch_clear(nrc_check_mf_scratch *S)
{
    size_t j;
    if (!S->t)
        return;
    for (j = 0; j < S->k; j++)
        nrc_cdy_clear(&S->t[j]);
    nrc_cdy_clear(&S->lo);
    nrc_cdy_clear(&S->hi);
    nrc_cdy_clear(&S->x);
    nrc_cdy_clear(&S->y);
    nrc_cdy_clear(&S->z);
    nrc_free(S->s);
    nrc_free(S->stack);
    nrc_free(S->t);
    memset(S, 0, sizeof *S);
}

/* Row j of G as one fixed-point vector: the entries (dyadics at their own
 * exponents, in t) aligned to the smallest exponent of a nonzero entry. */
static nrc_status gram_row(nrc_cfix *row, nrc_cdy *t, size_t k, nrc_error *err)
{
    mpz_t *vals = nrc_malloc_array(k ? k : 1, sizeof(mpz_t));
    long e = 0;
    int any = 0;
    size_t l;
    nrc_status st;
    if (!vals)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (Gram row, k = %zu)", k);
    for (l = 0; l < k; l++)
        if (mpz_sgn(t[l].m) && (!any || t[l].e < e)) {
            e = t[l].e;
            any = 1;
        }
    for (l = 0; l < k; l++) {
        mpz_init(vals[l]);
        if (mpz_sgn(t[l].m))
            mpz_mul_2exp(vals[l], t[l].m, (mp_bitcnt_t)(t[l].e - e));
    }
    st = nrc_cfix_set_mpz(row, (const mpz_t *)vals, k, e, err);
    for (l = 0; l < k; l++)
        mpz_clear(vals[l]);
    nrc_free(vals);
    return st;
}

nrc_status nrc_check_mf_gram(nrc_cfix *G, const nrc_cfix *Wr, size_t k,
                             uint64_t *sp, uint64_t *sn, size_t sl, nrc_error *err)
{
    nrc_cdy *t = nrc_malloc_array(k ? k : 1, sizeof(nrc_cdy));
    nrc_status st = NRC_OK;
    size_t j, l;
    if (!t)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (Gram matrix, k = %zu)", k);
    for (l = 0; l < k; l++)
        nrc_cdy_init(&t[l]);
    for (j = 0; j < k && !st; j++) {
        for (l = 0; l < k && !st; l++) {
            if (l < j)      /* symmetric: row l is done */
                nrc_cfix_get(&t[l], &G[l], j);
            else
                st = nrc_check_dot(&t[l], &Wr[j], &Wr[l], sp, sn, sl, err);
        }
        if (!st)
            st = gram_row(&G[j], t, k, err);
    }
    for (l = 0; l < k; l++)
        nrc_cdy_clear(&t[l]);
    nrc_free(t);
    return st;
}

/* out = sum_j c_j relu(t_j) with c_j = p v_j. */
static void net_value(nrc_cdy *out, const nrc_cdy *t, const double *v, int p, size_t k,
                      nrc_cdy *tmp)
{
    size_t j;
    nrc_cdy_set_si(out, 0);
    for (j = 0; j < k; j++) {
        if (nrc_cdy_sgn(&t[j]) <= 0)
            continue;
        nrc_cdy_mul_d(tmp, &t[j], p < 0 ? -v[j] : v[j]);
        nrc_cdy_add(out, out, tmp);
    }
}

nrc_status nrc_check_mf_upper(const nrc_cfix *Wr, size_t k, const double *b,
                              const double *v, int p, const nrc_cdy *a,
                              const nrc_cfix *x, const double *xadv, double U,
                              int strict, nrc_check_mf_scratch *S, uint64_t *sp, uint64_t *sn,
                              size_t sl, nrc_check_mf_verdict *out, nrc_error *err)
{
    const size_t d = x->len;
    nrc_cfix xp;
    nrc_status st;
    size_t j, t;
    memset(out, 0, sizeof *out);
    if (!isfinite(U))
        return nrc_error_set(err, NRC_ERR_INPUT, "U is not finite");
    for (t = 0; t < d; t++)
        if (!isfinite(xadv[t]))
            return nrc_error_set(err, NRC_ERR_INPUT, "adversarial point: entry %zu is not finite", t);
    /* p N(x) > 0 */
    net_value(&S->x, a, v, p, k, &S->y);
    if (nrc_cdy_sgn(&S->x) <= 0) {
        out->what = NRC_MF_SIGN;
        return NRC_OK;
    }
    /* p N(x') <= 0 (< 0 when strict), a_j(x') exact */
    nrc_cfix_init(&xp);
    if ((st = nrc_cfix_set_d(&xp, xadv, d, 1, err)))
        return st;
    for (j = 0; j < k; j++) {
        if ((st = nrc_check_dot(&S->t[j], &Wr[j], &xp, sp, sn, sl, err)))
            goto done;
        if (b)
            nrc_cdy_add_d(&S->t[j], &S->t[j], b[j]);
    }
    net_value(&S->x, S->t, v, p, k, &S->y);
    if (nrc_cdy_sgn(&S->x) > 0 || (strict && nrc_cdy_sgn(&S->x) == 0)) {
        out->what = NRC_MF_ADV;
        goto done;
    }
    /* ||x' - x||^2 = <x', x'> - 2 <x', x> + <x, x> <= U^2, U >= 0 */
    if ((st = nrc_check_dot(&S->x, &xp, &xp, sp, sn, sl, err)) ||
        (st = nrc_check_dot(&S->y, &xp, x, sp, sn, sl, err)) ||
        (st = nrc_check_dot(&S->z, x, x, sp, sn, sl, err)))
        goto done;
    nrc_cdy_sub(&S->x, &S->x, &S->y);
    nrc_cdy_sub(&S->x, &S->x, &S->y);
    nrc_cdy_add(&S->x, &S->x, &S->z);
    nrc_cdy_set_d(&S->y, U);
    nrc_cdy_mul(&S->y, &S->y, &S->y);
    if (!(U >= 0) || nrc_cdy_cmp(&S->x, &S->y) > 0)
        out->what = NRC_MF_UPPER;
done:
    nrc_cfix_clear(&xp);
    return st;
}

/* The interval of neuron j at radius D under split sign sj, into S->lo,
 * S->hi: [a - D u, a + D u] clipped. Returns 0 when it is empty. */
static int interval(nrc_check_mf_scratch *S, const nrc_cdy *a, double u, double D, int sj)
{
    nrc_cdy_set_d(&S->z, D);
    nrc_cdy_mul_d(&S->z, &S->z, u);
    nrc_cdy_sub(&S->lo, a, &S->z);
    nrc_cdy_add(&S->hi, a, &S->z);
    if (sj > 0 && nrc_cdy_sgn(&S->lo) < 0)
        nrc_cdy_set_si(&S->lo, 0);
    if (sj < 0 && nrc_cdy_sgn(&S->hi) > 0)
        nrc_cdy_set_si(&S->hi, 0);
    return nrc_cdy_cmp(&S->lo, &S->hi) <= 0;
}

/* c relu(t) - beta t - rho >= 0 at the point t (in *pt). */
static int gap_ok(nrc_check_mf_scratch *S, const nrc_cdy *pt, double c, double beta,
                  double rho)
{
    if (nrc_cdy_sgn(pt) > 0)
        nrc_cdy_mul_d(&S->x, pt, c);
    else
        nrc_cdy_set_si(&S->x, 0);
    nrc_cdy_mul_d(&S->y, pt, beta);
    nrc_cdy_sub(&S->x, &S->x, &S->y);
    nrc_cdy_add_d(&S->x, &S->x, -rho);
    return nrc_cdy_sgn(&S->x) >= 0;
}

/* (M) for neuron j of the current leaf: at lo, hi and 0 when lo < 0 < hi. */
static int minorant_ok(nrc_check_mf_scratch *S, double c, double beta, double rho)
{
    int inside = nrc_cdy_sgn(&S->lo) < 0 && nrc_cdy_sgn(&S->hi) > 0;
    if (!gap_ok(S, &S->lo, c, beta, rho) || !gap_ok(S, &S->hi, c, beta, rho))
        return 0;
    if (inside) {
        nrc_cdy_set_si(&S->lo, 0);
        return gap_ok(S, &S->lo, c, beta, rho);
    }
    return 1;
}

/* One leaf with split signs S->s: vacuous, or (M), (C), (B). */
static nrc_status check_leaf(const nrc_cfix *G, size_t k, const double *v, int p,
                             const nrc_cdy *a, const double *u, double D,
                             const double *beta, const double *rho,
                             nrc_check_mf_scratch *S, uint64_t *sp, uint64_t *sn,
                             size_t sl, size_t leaf, nrc_check_mf_verdict *out,
                             nrc_error *err)
{
    nrc_cfix bf;
    nrc_cdy C;
    nrc_status st = NRC_OK;
    size_t j;
    for (j = 0; j < k; j++)
        if (!interval(S, &a[j], u[j], D, S->s[j])) {
            out->leaves_vacuous++;
            return NRC_OK;
        }
    for (j = 0; j < k; j++) {
        interval(S, &a[j], u[j], D, S->s[j]);
        if (!minorant_ok(S, p < 0 ? -v[j] : v[j], beta[j], rho[j])) {
            out->what = NRC_MF_MINORANT;
            out->leaf = leaf;
            out->neuron = j;
            return NRC_OK;
        }
    }
    /* (C): C_L = sum_j beta_j a_j + rho_j > 0 */
    nrc_cdy_init(&C);
    nrc_cdy_set_si(&C, 0);
    for (j = 0; j < k; j++) {
        nrc_cdy_mul_d(&S->x, &a[j], beta[j]);
        nrc_cdy_add(&C, &C, &S->x);
        nrc_cdy_add_d(&C, &C, rho[j]);
    }
    if (nrc_cdy_sgn(&C) <= 0) {
        out->what = NRC_MF_POSITIVE;
        out->leaf = leaf;
        goto done;
    }
    /* (B): D^2 sum_j beta_j (G beta)_j <= C_L^2 */
    nrc_cfix_init(&bf);
    if ((st = nrc_cfix_set_d(&bf, beta, k, 1, err)))
        goto done;
    for (j = 0; j < k && !st; j++)
        st = nrc_check_dot(&S->t[j], &G[j], &bf, sp, sn, sl, err);
    nrc_cfix_clear(&bf);
    if (st)
        goto done;
    nrc_cdy_set_si(&S->y, 0);
    for (j = 0; j < k; j++) {
        nrc_cdy_mul_d(&S->x, &S->t[j], beta[j]);
        nrc_cdy_add(&S->y, &S->y, &S->x);
    }
    nrc_cdy_set_d(&S->x, D);
    nrc_cdy_mul(&S->x, &S->x, &S->x);
    nrc_cdy_mul(&S->y, &S->y, &S->x);
    nrc_cdy_mul(&S->x, &C, &C);
    if (nrc_cdy_cmp(&S->y, &S->x) > 0) {
        out->what = NRC_MF_BALL;
        out->leaf = leaf;
    }
done:
    nrc_cdy_clear(&C);
    return st;
}

/* (T): the tokens form a well-formed preorder of a full binary tree over
 * neurons < k, no neuron split twice on a path, with exactly nleaves
 * leaves. Checked in a pass of its own, before any leaf, so that a
 * malformed tree is always an input error. */
static nrc_status tree_check(const int32_t *tree, size_t ntok, size_t k, size_t nleaves,
                             nrc_check_mf_scratch *S, nrc_error *err)
{
    size_t t, depth = 0, leaf = 0;
    int closed = 0;
    memset(S->s, 0, k);
    for (t = 0; t < ntok; t++) {
        int32_t tok = tree[t];
        if (closed)
            return nrc_error_set(err, NRC_ERR_INPUT, "tree: token %zu after the tree closed", t);
        if (tok >= 0) {
            if ((size_t)tok >= k)
                return nrc_error_set(err, NRC_ERR_INPUT, "tree: token %zu: neuron %ld >= k = %zu",
                                     t, (long)tok, k);
            if (S->s[tok] != 0)
                return nrc_error_set(err, NRC_ERR_INPUT,
                                     "tree: token %zu: neuron %ld split twice on one path",
                                     t, (long)tok);
            S->stack[depth++] = (size_t)tok;
            S->s[tok] = 1;
            continue;
        }
        if (tok != -1)
            return nrc_error_set(err, NRC_ERR_INPUT, "tree: token %zu: %ld is not a neuron or -1",
                                 t, (long)tok);
        leaf++;
        while (depth > 0 && S->s[S->stack[depth - 1]] < 0)
            S->s[S->stack[--depth]] = 0;
        if (depth == 0)
            closed = 1;
        else
            S->s[S->stack[depth - 1]] = -1;
    }
    if (!closed)
        return nrc_error_set(err, NRC_ERR_INPUT, "tree: ends before it closes");
    if (leaf != nleaves)
        return nrc_error_set(err, NRC_ERR_INPUT, "tree: %zu leaves, %zu listed", leaf, nleaves);
    return NRC_OK;
}

nrc_status nrc_check_mf_tree(const int32_t *tree, size_t ntok, size_t k, size_t nleaves,
                             nrc_check_mf_scratch *S, nrc_error *err)
{
    return tree_check(tree, ntok, k, nleaves, S, err);
}

nrc_status nrc_check_mf_lower(const nrc_cfix *G, size_t k, const double *v, int p,
                              const nrc_cdy *a, const double *u, double D,
                              const int32_t *tree, size_t ntok, const double *beta,
                              const double *rho, size_t nleaves,
                              nrc_check_mf_scratch *S, uint64_t *sp, uint64_t *sn,
                              size_t sl, nrc_check_mf_verdict *out, nrc_error *err)
{
    size_t t, j, depth = 0, leaf = 0;
    nrc_status st;
    memset(out, 0, sizeof *out);
    if (!isfinite(D))
        return nrc_error_set(err, NRC_ERR_INPUT, "D is not finite");
    for (t = 0; t < nleaves * k; t++)
        if (!isfinite(beta[t]) || !isfinite(rho[t]))
            return nrc_error_set(err, NRC_ERR_INPUT, "leaf %zu: beta or rho not finite", t / k);
    if ((st = tree_check(tree, ntok, k, nleaves, S, err)))
        return st;
    if (!(D >= 0)) {
        out->what = NRC_MF_RADIUS;
        return NRC_OK;
    }
    /* u_j >= 0 and u_j^2 >= G_jj = ||w_j||^2 */
    for (j = 0; j < k; j++) {
        nrc_cfix_get(&S->x, &G[j], j);
        nrc_cdy_set_d(&S->y, u[j]);
        nrc_cdy_mul(&S->y, &S->y, &S->y);
        if (!(u[j] >= 0) || nrc_cdy_cmp(&S->x, &S->y) > 0) {
            out->what = NRC_MF_NORM;
            out->neuron = j;
            return NRC_OK;
        }
    }
    /* the leaves, in the same preorder walk (the tree is well formed) */
    memset(S->s, 0, k);
    for (t = 0; t < ntok; t++) {
        int32_t tok = tree[t];
        if (tok >= 0) {
            S->stack[depth++] = (size_t)tok;
            S->s[tok] = 1;                 /* first child: a_j >= 0 */
            continue;
        }
        st = check_leaf(G, k, v, p, a, u, D, beta + leaf * k, rho + leaf * k, S, sp, sn,
                        sl, leaf, out, err);
        if (st || out->what != NRC_MF_HOLDS)
            return st;
        leaf++;
        while (depth > 0 && S->s[S->stack[depth - 1]] < 0)
            S->s[S->stack[--depth]] = 0;
        if (depth > 0)
            S->s[S->stack[depth - 1]] = -1;   /* second child: a_j <= 0 */
    }
    return NRC_OK;
}
