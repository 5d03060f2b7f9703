/* The certifier's rigorous decisions of the minimal-flip claims
 * (src/certify/minflip_rigor.c, spec/MINFLIP.md 5.4) against exact
 * arithmetic (GMP rationals), on random and adversarial inputs: huge and
 * tiny exponents, subnormals, exact kinks (a_j = 0, intervals ending
 * exactly at 0), heavy cancellation, vacuous leaves, malformed trees.
 *   - nrc_mf_gnorm2_up >= beta^T G beta for G at corners of the enclosure
 *     and for random points in it, and close to it when the enclosure is a
 *     point;
 *   - every NRC_TRUE of nrc_mf_leaf_decide is a leaf whose (M), (C), (B)
 *     hold exactly for a_j anywhere in its enclosure (ends and a random
 *     dyadic inside) with the rho it wrote;
 *   - nrc_mf_adv_decide's NRC_TRUE (and strict) hold exactly;
 *   - nrc_mf_dist2_up >= ||x' - x||^2;
 *   - nrc_mf_tree_decide refuses malformed trees and agrees with the leaves
 *     on well-formed ones. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testlib.h"
#include "mf_exact.h"
#include "nrc_minflip.h"

static uint64_t rng;

static double unif(void)
{
    return (double)(tl_splitmix64(&rng) >> 11) * 0x1p-52 - 1.0;
}

static int irand(int n)
{
    return (int)(tl_splitmix64(&rng) % (uint64_t)n);
}

/* A random double of a random kind: ordinary, huge, tiny, subnormal, 0. */
static double wild(double scale)
{
    switch (irand(8)) {
    case 0: return 0.0;
    case 1: return scale * unif() * 0x1p300;
    case 2: return scale * unif() * 0x1p-300;
    case 3: return unif() * 0x1p-1060;          /* subnormal */
    case 4: return (double)(irand(7) - 3) * scale;
    default: return scale * unif();
    }
}

/* beta^T G beta with G_jl = pick(lo, hi) exactly. mode: 0 lo, 1 hi,
 * 2 random per entry, 3 a random dyadic between. */
static void exact_form(mpq_t r, size_t k, const double *Glo, const double *Ghi,
                       const double *beta, int mode)
{
    mpq_t t, g, u;
    size_t j, l;
    mpq_init(t);
    mpq_init(g);
    mpq_init(u);
    mpq_set_ui(r, 0, 1);
    for (j = 0; j < k; j++)
        for (l = 0; l < k; l++) {
            double lo = Glo[j * k + l], hi = Ghi[j * k + l];
            int m = mode == 2 ? irand(2) : mode;
            if (m == 0)
                mpq_set_d(g, lo);
            else if (m == 1)
                mpq_set_d(g, hi);
            else {                 /* lo + (hi - lo) w, w = random in [0, 1] */
                mpq_set_d(g, hi);
                mpq_set_d(u, lo);
                mpq_sub(g, g, u);
                mpq_set_d(t, 0.5 * (unif() + 1));
                mpq_mul(g, g, t);
                mpq_add(g, g, u);
            }
            mpq_set_d(t, beta[j]);
            mpq_mul(g, g, t);
            mpq_set_d(t, beta[l]);
            mpq_mul(g, g, t);
            mpq_add(r, r, g);
        }
    mpq_clear(t);
    mpq_clear(g);
    mpq_clear(u);
}

static void t_gnorm2(void)
{
    int it, n = 400 * (int)tl_mult();
    size_t worst_k = 0;
    double worst_rel = 0;
    rng = tl_seed() + 1;
    for (it = 0; it < n; it++) {
        size_t k = 1 + (size_t)irand(it % 10 == 0 ? 60 : 12), d = 1 + (size_t)irand(6), j, l, t;
        double *W = malloc(k * d * sizeof(double)), *Glo = malloc(k * k * sizeof(double));
        double *Ghi = malloc(k * k * sizeof(double)), *Gm = malloc(k * k * sizeof(double));
        double *Gb = malloc(k * k * sizeof(double)), *beta = malloc(k * sizeof(double));
        double sw = ldexp(1.0, irand(400) - 200), N;
        int point = irand(3) == 0, mode;
        mpq_t ex, Nq, tq;
        for (t = 0; t < k * d; t++)
            W[t] = sw * unif();
        /* G from W in binary64, widened by a random radius (or exact when
         * the entries are small integers) */
        for (j = 0; j < k; j++)
            for (l = 0; l < k; l++) {
                double s = 0;
                for (t = 0; t < d; t++)
                    s += W[j * d + t] * W[l * d + t];
                if (point) {
                    Glo[j * k + l] = Ghi[j * k + l] = s;
                } else {
                    double r = fabs(s) * 0x1p-40 * (1 + irand(4)) + 0x1p-1074 * irand(3);
                    Glo[j * k + l] = s - r;
                    Ghi[j * k + l] = s + r;
                }
            }
        for (j = 0; j < k; j++)
            beta[j] = irand(5) == 0 ? wild(1) : unif() / sw;
        if (it % 7 == 0)      /* cancellation: beta orthogonal-ish directions */
            for (j = 1; j < k; j += 2)
                beta[j] = -beta[j - 1];
        nrc_mf_gram_prepare(k, Glo, Ghi, Gm, Gb);
        N = nrc_mf_gnorm2_up(k, Gm, Gb, beta);
        mpq_init(ex);
        mpq_init(Nq);
        mpq_init(tq);
        for (mode = 0; mode < 4; mode++) {
            exact_form(ex, k, Glo, Ghi, beta, mode);
            if (isfinite(N)) {
                mpq_set_d(Nq, N);
                CHECK(mpq_cmp(Nq, ex) >= 0, "case %d (k=%zu, mode %d): bound %a < exact %a", it,
                      k, mode, N, mpq_get_d(ex));
            }
        }
        if (point && isfinite(N)) {
            double e = mpq_get_d(ex), rel = e > 0 ? (N - e) / e : 0;
            if (rel > worst_rel) {
                worst_rel = rel;
                worst_k = k;
            }
        }
        mpq_clear(ex);
        mpq_clear(Nq);
        mpq_clear(tq);
        free(W);
        free(Glo);
        free(Ghi);
        free(Gm);
        free(Gb);
        free(beta);
    }
    /* not absurdly loose on point enclosures of ordinary size */
    printf("     gnorm2: worst relative excess on point enclosures %.3g (k = %zu)\n", worst_rel,
           worst_k);
}

/* Random leaf problems; NRC_TRUE must hold exactly. */
static int leaf_exact_ok(size_t k, const mpq_t *a, const double *c, const double *u,
                         const double *G, double D, const signed char *s, const double *beta,
                         const double *rho)
{
    mfx_net X;
    size_t j, l;
    int ok;
    X.k = k;
    X.d = 0;
    X.G = malloc(k * k * sizeof(mpq_t));
    X.a = malloc(k * sizeof(mpq_t));
    X.c = malloc(k * sizeof(mpq_t));
    for (j = 0; j < k; j++) {
        for (l = 0; l < k; l++) {
            mpq_init(X.G[j * k + l]);
            mpq_set_d(X.G[j * k + l], G[j * k + l]);
        }
        mpq_init(X.a[j]);
        mpq_set(X.a[j], a[j]);
        mpq_init(X.c[j]);
        mpq_set_d(X.c[j], c[j]);
    }
    ok = mfx_leaf_holds(&X, u, D, s, beta, rho);
    mfx_clear(&X);
    return ok;
}

static void t_leaf_decide(void)
{
    int it, n = 600 * (int)tl_mult(), ntrue = 0, nvac = 0;
    rng = tl_seed() + 2;
    for (it = 0; it < n; it++) {
        size_t k = 1 + (size_t)irand(7), d = k + (size_t)irand(3), j, l, t;
        double *W = malloc(k * d * sizeof(double)), *G = malloc(k * k * sizeof(double));
        double *Gm = malloc(k * k * sizeof(double)), *Gb = malloc(k * k * sizeof(double));
        double *a = malloc(k * sizeof(double)), *alo = malloc(k * sizeof(double));
        double *ahi = malloc(k * sizeof(double)), *c = malloc(k * sizeof(double));
        double *u = malloc(k * sizeof(double)), *beta = malloc(k * sizeof(double));
        double *rho = malloc(k * sizeof(double)), *work = malloc(7 * k * sizeof(double));
        signed char *s = calloc(k, 1);
        double sc = ldexp(1.0, irand(200) - 100), R, D;
        int integer = irand(3) == 0, kind = irand(4);
        nrc_mf_problem P;
        nrc_mf_rigor Rg;
        nrc_truth v;
        for (t = 0; t < k * d; t++)
            W[t] = integer ? (double)(irand(5) - 2) : sc * unif();
        for (j = 0; j < k; j++)
            for (l = 0; l < k; l++) {
                double sum = 0;   /* exact for small integers; else the point G */
                for (t = 0; t < d; t++)
                    sum += W[j * d + t] * W[l * d + t];
                G[j * k + l] = sum;
            }
        for (j = 0; j < k; j++) {
            double gg = G[j * k + j];
            u[j] = sqrt(gg);
            while (u[j] * u[j] < gg)          /* just an input: >= is all we need */
                u[j] = nextafter(u[j], INFINITY);
            a[j] = integer ? (double)(irand(5) - 2) : sc * unif();
            if (kind == 1 && irand(2))
                a[j] = 0;                      /* a kink at the point */
            c[j] = integer ? (double)(irand(5) - 2) : unif();
            if (irand(3) == 0)
                s[j] = (signed char)(irand(2) ? 1 : -1);
            /* enclosure: a point, or a few ulps wide */
            alo[j] = ahi[j] = a[j];
            if (kind == 2) {
                alo[j] = nextafter(nextafter(a[j], -INFINITY), -INFINITY);
                ahi[j] = nextafter(a[j], INFINITY);
            }
        }
        nrc_mf_gram_prepare(k, G, G, Gm, Gb);
        P.k = k;
        P.G = G;
        P.a = a;
        P.c = c;
        P.u = u;
        nrc_mf_leaf_init_approx(&P, s, 1, beta);
        R = nrc_mf_leaf_radius_approx(&P, s, 1, INFINITY, beta, NULL, work);
        D = R * (kind == 3 ? 1.0 : (1 - ldexp(1.0, -10 - irand(30))));
        if (kind == 1 && k >= 1 && u[0] > 0 && irand(2)) {
            /* an interval ending exactly at 0: a_0 = D u_0 when exact */
            double prod = D * u[0];
            if (fabs(prod) < DBL_MAX && prod == D * u[0]) {
                a[0] = alo[0] = ahi[0] = -prod;
                if (irand(2))
                    a[0] = alo[0] = ahi[0] = prod;
            }
        }
        Rg.k = k;
        Rg.c = c;
        Rg.alo = alo;
        Rg.ahi = ahi;
        Rg.u = u;
        Rg.Gm = Gm;
        Rg.Gb = Gb;
        if (!isfinite(D) || !(D >= 0))
            D = 0;
        v = nrc_mf_leaf_decide(&Rg, s, D, beta, rho);
        if (v == NRC_TRUE) {
            mpq_t *aq = malloc(k * sizeof(mpq_t));
            int pick, vac = 0;
            for (j = 0; j < k; j++) {
                double pts[3];
                if (nrc_mf_points_approx(a[j], u[j], D, s[j], pts) == 0)
                    vac = 1;
            }
            ntrue++;
            nvac += vac;
            for (j = 0; j < k; j++)
                mpq_init(aq[j]);
            for (pick = 0; pick < 3; pick++) {
                for (j = 0; j < k; j++) {
                    if (pick == 0)
                        mpq_set_d(aq[j], alo[j]);
                    else if (pick == 1)
                        mpq_set_d(aq[j], ahi[j]);
                    else {
                        mpq_t w;
                        mpq_init(w);
                        mpq_set_d(aq[j], ahi[j]);
                        mpq_set_d(w, alo[j]);
                        mpq_sub(aq[j], aq[j], w);
                        mpq_div_2exp(aq[j], aq[j], 1);
                        mpq_add(aq[j], aq[j], w);
                        mpq_clear(w);
                    }
                }
                CHECK(leaf_exact_ok(k, (const mpq_t *)aq, c, u, G, D, s, beta, rho),
                      "case %d (k=%zu, kind %d, pick %d): decided TRUE, fails exactly", it, k,
                      kind, pick);
            }
            for (j = 0; j < k; j++)
                mpq_clear(aq[j]);
            free(aq);
        }
        free(W);
        free(G);
        free(Gm);
        free(Gb);
        free(a);
        free(alo);
        free(ahi);
        free(c);
        free(u);
        free(beta);
        free(rho);
        free(work);
        free(s);
    }
    CHECK(ntrue > n / 3, "only %d of %d leaves decided", ntrue, n);
    printf("     leaf_decide: %d of %d decided TRUE (%d vacuous), all exact\n", ntrue, n, nvac);
}

static void t_adv_and_dist(void)
{
    int it, n = 2000 * (int)tl_mult(), ntrue = 0, nstrict = 0;
    rng = tl_seed() + 3;
    for (it = 0; it < n; it++) {
        size_t k = 1 + (size_t)irand(6), d = 1 + (size_t)irand(8), j;
        double c[8], lo[8], hi[8], x[8], xp[8], up;
        int strict = 0;
        nrc_truth v;
        mpq_t f, t, w, e2;
        for (j = 0; j < k; j++) {
            double m = wild(1), r = irand(2) ? 0 : fabs(wild(1)) * 0x1p-30;
            c[j] = irand(4) ? wild(1) : (double)(irand(3) - 1);
            lo[j] = m - r;
            hi[j] = m + r;
            if (irand(4) == 0)
                lo[j] = hi[j] = 0;            /* exact kink */
        }
        v = nrc_mf_adv_decide(k, c, lo, hi, &strict);
        mpq_init(f);
        mpq_init(t);
        mpq_init(w);
        mpq_init(e2);
        if (v == NRC_TRUE) {
            int pick;
            ntrue++;
            nstrict += strict;
            for (pick = 0; pick < 3; pick++) {
                mpq_set_ui(f, 0, 1);
                for (j = 0; j < k; j++) {
                    int p = pick == 2 ? irand(2) : pick;
                    mpq_set_d(t, p ? hi[j] : lo[j]);
                    if (mpq_sgn(t) > 0) {
                        mpq_set_d(w, c[j]);
                        mpq_mul(t, t, w);
                        mpq_add(f, f, t);
                    }
                }
                CHECK(mpq_sgn(f) <= 0 && (!strict || mpq_sgn(f) < 0),
                      "adv case %d: decided TRUE (strict %d), exact sign %d", it, strict,
                      mpq_sgn(f));
            }
        }
        for (j = 0; j < d; j++) {
            x[j] = wild(1);
            xp[j] = irand(3) ? x[j] + wild(0x1p-20) : wild(1);
        }
        up = nrc_mf_dist2_up(d, x, xp);
        mfx_dist2_points(e2, d, x, xp);
        if (isfinite(up)) {
            mpq_set_d(t, up);
            CHECK(mpq_cmp(t, e2) >= 0, "dist case %d: %a < exact %a", it, up, mpq_get_d(e2));
        }
        mpq_clear(f);
        mpq_clear(t);
        mpq_clear(w);
        mpq_clear(e2);
    }
    printf("     adv_decide: %d TRUE (%d strict) of %d\n", ntrue, nstrict, n);
}

static void t_tree(void)
{
    /* k = 3: c = (1, -1, 1), a = (1, 0.5, -0.25), G = identity, u = 1 */
    const double c[3] = { 1, -1, 1 }, a[3] = { 1, 0.5, -0.25 }, u[3] = { 1, 1, 1 };
    double G[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, Gm[9], Gb[9];
    double beta[4 * 3], rho[4 * 3];
    signed char s[3];
    int32_t stack[3];
    size_t bad, j;
    nrc_mf_rigor Rg;
    static const int32_t bad_trees[][6] = {
        { 3, -1, -1, 0, 0, 0 },      /* neuron out of range */
        { 1, 1, -1, -1, -1, 0 },     /* split twice on a path */
        { 1, -1, 0, 0, 0, 0 },       /* ends before it closes (2 tokens) */
        { -1, -1, 0, 0, 0, 0 },      /* a token after the tree closed */
        { -2, 0, 0, 0, 0, 0 },       /* not a token */
    };
    static const size_t bad_len[] = { 3, 5, 2, 2, 1 };
    Rg.k = 3;
    Rg.c = c;
    Rg.alo = a;
    Rg.ahi = a;
    Rg.u = u;
    nrc_mf_gram_prepare(3, G, G, Gm, Gb);
    Rg.Gm = Gm;
    Rg.Gb = Gb;
    for (j = 0; j < 12; j++)
        beta[j] = 0;
    for (j = 0; j < 5; j++)
        CHECK(nrc_mf_tree_decide(&Rg, 0.1, bad_trees[j], bad_len[j], beta, 4, rho, s, stack,
                                 &bad) == NRC_FALSE, "malformed tree %zu accepted", j);
    {
        /* split neuron 1 (the one with c < 0): leaves (a_1 >= 0), (a_1 <= 0);
         * beta = c on active neurons, 0 elsewhere, per leaf */
        const int32_t tree[3] = { 1, -1, -1 };
        double b2[6] = { 1, -1, 0, 1, 0, 0 };
        nrc_truth v = nrc_mf_tree_decide(&Rg, 0.1, tree, 3, b2, 2, rho, s, stack, &bad);
        nrc_truth w = nrc_mf_tree_decide(&Rg, 0.1, tree, 3, b2, 1, rho, s, stack, &bad);
        CHECK(v == NRC_TRUE, "a valid two-leaf tree refused (leaf %zu)", bad);
        CHECK(w == NRC_FALSE, "a tree with more leaves than rows accepted");
        /* a radius far too big fails in a leaf, named */
        v = nrc_mf_tree_decide(&Rg, 10, tree, 3, b2, 2, rho, s, stack, &bad);
        CHECK(v == NRC_FALSE && bad != SIZE_MAX, "radius 10 accepted or no leaf named");
    }
}

int main(void)
{
    RUN(t_gnorm2);
    RUN(t_leaf_decide);
    RUN(t_adv_and_dist);
    RUN(t_tree);
    return tl_exit();
}
