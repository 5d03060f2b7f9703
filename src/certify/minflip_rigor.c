/* Rigorous decisions of the minimal-flip claims in the certifier
 * (spec/MINFLIP.md 5.4): from enclosures of exact values, with directed
 * rounding by error-free transformations (include/certify/nrc_fast.h,
 * src/certify/fast_inline.h; no rounding-mode switch). NRC_TRUE means the
 * exact claim holds for the exact a_j and G inside their enclosures; a
 * non-finite or NaN intermediate always falls on the unsafe side (the
 * directed primitives return the safe infinity), so it decides nothing.
 *
 * The checker (src/check/check_minflip.c) re-verifies the same inequalities
 * exactly; tests/t-minflip_rigor.c checks every NRC_TRUE here against an
 * independent exact evaluation. */
#include <math.h>
#include <string.h>
#include "fast_inline.h"
#include "nrc_fast.h"
#include "nrc_minflip.h"

/* a / b rounded up, for b > 0 (b <= 0 or NaN: +INFINITY). */
static double fi_div_up_pos(double a, double b)
{
    return b > 0 ? nrc_fast_div_up(a, b) : INFINITY;
}

/* The quadratic forms beta^T G beta of the leaves are bounded a priori
 * (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., ch. 3),
 * so that each leaf costs two plain binary64 passes over a k x k matrix
 * instead of directed operations on every entry.
 *
 * Model: fl(x y) = x y (1 + d) + e, |d| <= u = 2^-53, |e| <= 2^-1075
 * (gradual underflow); fl(x + y) = (x + y)(1 + d). g_m = m u / (1 - m u).
 * Let Q~ = fl(sum_j beta_j fl(sum_l Gm_jl beta_l)) (any order), S =
 * |beta|^T |Gm| |beta|, B = sum_j |beta_j|. Then
 *   |Q~ - beta^T Gm beta| <= g_{2k+1} S + k 2^-1074 (B + 1)
 * (the inner sums carry g_k relative and k 2^-1075 (1 + g_k) absolute
 * error each; the outer sum adds g_k of its terms and k 2^-1075 (1 + g_k);
 * 2 g_k + g_k^2 <= g_{2k} and (1 + g_k)^2 <= 2). For every G in the
 * enclosure, |beta^T (G - Gm) beta| <= |beta|^T Rad |beta| with
 * Rad_jl >= |G_jl - Gm_jl|. With Gb_jl >= g_{2k+1} |Gm_jl| + Rad_jl
 * (computed upward once) and T = |beta|^T Gb |beta|:
 *   beta^T G beta <= Q~ + T + k 2^-1074 (B + 1).
 * T has only non-negative terms, so its computed value T~ satisfies
 * T~ >= (1 - g_{2k+1}) T - k 2^-1074 (B + 1) by the same model, i.e.
 *   T <= (T~ + k 2^-1074 (B + 1)) / (1 - g_{2k+1}).
 * The final combination is evaluated with directed rounding. We use
 * 2^-1073 in place of 2^-1074 (a factor of two to spare). */
void nrc_mf_gram_prepare(size_t k, const double *Glo, const double *Ghi, double *Gm,
                         double *Gb)
{
    const double g = nrc_fast_gamma(2 * k + 1);
    size_t t;
    for (t = 0; t < k * k; t++) {
        double lo = Glo[t], hi = Ghi[t], m, r1, r2;
        if (!isfinite(lo) || !isfinite(hi) || !(lo <= hi)) {
            Gm[t] = 0;
            Gb[t] = INFINITY;
            continue;
        }
        m = 0.5 * lo + 0.5 * hi;
        if (m < lo)
            m = lo;
        if (m > hi)
            m = hi;
        r1 = fi_sub_up(hi, m);
        r2 = fi_sub_up(m, lo);
        Gm[t] = m;
        Gb[t] = fi_add_up(fi_mul_up(g, fabs(m)), r1 > r2 ? r1 : r2);
    }
}

double nrc_mf_gnorm2_up(size_t k, const double *Gm, const double *Gb,
                        const double *beta)
{
    const double g = nrc_fast_gamma(2 * k + 1);
    double Q = 0, T = 0, B = 0, E, Tup;
    size_t j, l;
    for (j = 0; j < k; j++) {
        const double *gm = Gm + j * k, *gb = Gb + j * k;
        double q = 0, t = 0;
        for (l = 0; l < k; l++) {
            q += gm[l] * beta[l];
            t += gb[l] * fabs(beta[l]);
        }
        Q += beta[j] * q;
        T += fabs(beta[j]) * t;
        B = fi_add_up(B, fabs(beta[j]));
    }
    E = fi_mul_up(ldexp((double)k, -1073), fi_add_up(B, 1));
    Tup = fi_div_up_pos(fi_add_up(T, E), fi_sub_down(1, g));
    Q = fi_add_up(fi_add_up(Q, Tup), E);
    if (isnan(Q) || !isfinite(T))
        return INFINITY;
    return Q;
}

/* A lower bound of c relu(t) - beta t at a binary64 point t (exact inputs). */
static double minorant_gap_down(double c, double beta, double t)
{
    return fi_sub_down(fi_mul_down(c, t > 0 ? t : 0), fi_mul_up(beta, t));
}

nrc_truth nrc_mf_leaf_decide(const nrc_mf_rigor *Rg, const signed char *s,
                             double D, const double *beta, double *rho)
{
    const size_t k = Rg->k;
    double C = 0, N, lhs, rhs;
    size_t j;
    int vacuous = 0;
    if (!(D >= 0) || !isfinite(D))
        return NRC_FALSE;
    /* (M): the outer interval [alo - D u, ahi + D u], clipped by s_j,
     * contains the exact I_j; the minimum over its points of the gap,
     * rounded down, is a valid rho_j for the exact interval (a minimum
     * over a superset; Lemma 2 of spec/MINFLIP.md). */
    for (j = 0; j < k; j++) {
        double Du = fi_mul_up(D, Rg->u[j]);
        double lo = fi_sub_down(Rg->alo[j], Du), hi = fi_add_up(Rg->ahi[j], Du);
        double r;
        if (s[j] > 0 && lo < 0)
            lo = 0;
        if (s[j] < 0 && hi > 0)
            hi = 0;
        if (!(lo <= hi)) {
            vacuous = 1;
            continue;
        }
        r = minorant_gap_down(Rg->c[j], beta[j], lo);
        {
            double r2 = minorant_gap_down(Rg->c[j], beta[j], hi);
            if (r2 < r)
                r = r2;
        }
        if (lo < 0 && hi > 0) {
            double r0 = minorant_gap_down(Rg->c[j], beta[j], 0);
            if (r0 < r)
                r = r0;
        }
        if (!isfinite(r))
            return NRC_FALSE;
        rho[j] = r;
    }
    if (vacuous) {
        /* the exact interval is empty too: the checker skips the leaf */
        for (j = 0; j < k; j++)
            rho[j] = 0;
        return NRC_TRUE;
    }
    /* (C): C_L = sum_j beta_j a_j + rho_j >= C */
    for (j = 0; j < k; j++) {
        double b = beta[j];
        double m = b >= 0 ? fi_mul_down(b, Rg->alo[j]) : fi_mul_down(b, Rg->ahi[j]);
        C = fi_add_down(C, m);
        C = fi_add_down(C, rho[j]);
    }
    if (!(C > 0) || !isfinite(C))
        return NRC_FALSE;
    /* (B): D^2 g.g <= D^2 N <= C^2 <= C_L^2 */
    N = nrc_mf_gnorm2_up(k, Rg->Gm, Rg->Gb, beta);
    lhs = fi_mul_down(C, C);
    rhs = fi_mul_up(fi_mul_up(D, D), N);
    if (D == 0)
        rhs = 0;
    return lhs >= rhs ? NRC_TRUE : NRC_FALSE;
}

nrc_truth nrc_mf_tree_decide(const nrc_mf_rigor *Rg, double D, const int32_t *tree,
                             size_t ntok, const double *beta, size_t nleaves,
                             double *rho, signed char *s, int32_t *stack,
                             size_t *bad_leaf)
{
    const size_t k = Rg->k;
    size_t t, depth = 0, leaf = 0;
    int closed = 0;
    *bad_leaf = SIZE_MAX;
    memset(s, 0, k);
    for (t = 0; t < ntok; t++) {
        int32_t tok = tree[t];
        if (closed)
            return NRC_FALSE;              /* tokens after the tree closed */
        if (tok >= 0) {
            if ((size_t)tok >= k || s[tok] != 0)
                return NRC_FALSE;          /* out of range, or split twice */
            stack[depth++] = tok;
            s[tok] = 1;                    /* first child: a_j >= 0 */
            continue;
        }
        if (tok != -1 || leaf >= nleaves)
            return NRC_FALSE;
        if (nrc_mf_leaf_decide(Rg, s, D, beta + leaf * k, rho + leaf * k) != NRC_TRUE) {
            *bad_leaf = leaf;
            return NRC_FALSE;
        }
        leaf++;
        /* close every node whose second child just finished */
        while (depth > 0 && s[stack[depth - 1]] < 0)
            s[stack[--depth]] = 0;
        if (depth == 0)
            closed = 1;
        else
            s[stack[depth - 1]] = -1;      /* second child: a_j <= 0 */
    }
    return closed && leaf == nleaves ? NRC_TRUE : NRC_FALSE;
}

nrc_truth nrc_mf_adv_decide(size_t k, const double *c, const double *alo,
                            const double *ahi, int *strict)
{
    double f = 0;
    size_t j;
    for (j = 0; j < k; j++) {
        /* the largest c relu(a) over a in [alo, ahi] */
        double a = c[j] >= 0 ? ahi[j] : alo[j];
        f = fi_add_up(f, fi_mul_up(c[j], a > 0 ? a : 0));
    }
    *strict = f < 0;
    return f <= 0 ? NRC_TRUE : NRC_FALSE;
}

double nrc_mf_dist2_up(size_t d, const double *x, const double *xp)
{
    double s = 0;
    size_t t;
    for (t = 0; t < d; t++) {
        double lo = fi_sub_down(xp[t], x[t]), hi = fi_sub_up(xp[t], x[t]);
        double m = fabs(lo) > fabs(hi) ? fabs(lo) : fabs(hi);
        s = fi_add_up(s, fi_mul_up(m, m));
    }
    return isnan(s) ? INFINITY : s;
}
