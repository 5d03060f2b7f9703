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
#include "nrc_minflip.h"

/* Every step below bounds an exact real quantity from the safe side:
 *   (G beta)_j = sum_l G_jl beta_l lies in [tlo_j, thi_j], each product
 *   bounded with the endpoint of [Glo_jl, Ghi_jl] that the sign of beta_l
 *   selects, summed downward / upward; then
 *   beta^T G beta = sum_j beta_j (G beta)_j <= sum_j max(beta_j tlo_j,
 *   beta_j thi_j) rounded upward. */
double nrc_mf_gnorm2_up(size_t k, const double *Glo, const double *Ghi,
                        const double *beta, double *work)
{
    double *tlo = work, *thi = work + k, Q = 0;
    size_t j, l;
    for (j = 0; j < k; j++) {
        double lo = 0, hi = 0;
        const double *gl = Glo + j * k, *gh = Ghi + j * k;
        for (l = 0; l < k; l++) {
            double b = beta[l];
            if (b >= 0) {
                lo = fi_add_down(lo, fi_mul_down(gl[l], b));
                hi = fi_add_up(hi, fi_mul_up(gh[l], b));
            } else {
                lo = fi_add_down(lo, fi_mul_down(gh[l], b));
                hi = fi_add_up(hi, fi_mul_up(gl[l], b));
            }
        }
        tlo[j] = lo;
        thi[j] = hi;
    }
    for (j = 0; j < k; j++) {
        double b = beta[j], p1 = fi_mul_up(b, tlo[j]), p2 = fi_mul_up(b, thi[j]);
        Q = fi_add_up(Q, p1 > p2 ? p1 : p2);
    }
    if (isnan(Q))
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
    N = nrc_mf_gnorm2_up(k, Rg->Glo, Rg->Ghi, beta, Rg->work);
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
