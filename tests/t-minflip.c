/* The minimal-flip sandwich end to end (spec/MINFLIP.md): on tiny random
 * networks (k <= 6, random, integer-valued with exact kinks, hidden biases,
 * huge and tiny exponents, d < k) nrc_mf_point_run's claims are checked
 * against independent exact references (tests/mf_exact.h, GMP rationals
 * written from the spec) and the checker module (src/check/check_minflip.c):
 *   - brute force: D^2 <= dist(x)^2 <= U^2, with dist(x) from enumerating
 *     every activation region and every active set exactly; and the
 *     sandwich is tight, U / D <= 1.01, whenever the search says complete;
 *   - claim U's binary64 point re-evaluated exactly: p N(x') < 0 and
 *     ||x' - x||^2 <= U^2;
 *   - every leaf satisfies (M), (C), (B) exactly, and the checker accepts
 *     both claims;
 *   - tampering: rho made tight (the largest binary64 below the exact
 *     minimum) is accepted and one ulp up rejected (minorant); D bisected to
 *     the checker's boundary is accepted and one ulp up rejected; beta moved
 *     one ulp either way gets the checker's verdict equal to the exact
 *     reference's; malformed trees are input errors. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testlib.h"
#include "mf_exact.h"
#include "nrc_alloc.h"
#include "nrc_check_minflip.h"
#include "nrc_engine.h"
#include "nrc_minflip.h"
#include "nrc_model.h"

#define SL 80

typedef struct {
    size_t k, d;
    double *W, *b, *v, *x;
    int p;
} net_t;

static uint64_t rng;

static double unif(void)      /* in [-1, 1) */
{
    return (double)(tl_splitmix64(&rng) >> 11) * 0x1p-52 - 1.0;
}

static int irand(int n)
{
    return (int)(tl_splitmix64(&rng) % (uint64_t)n);
}

/* kind 0: random; 1: small integers (exact kinks and ties); 2: scaled by
 * 2^+-200; 3: one neuron of tiny (subnormal-range) weights. */
static void net_make(net_t *N, size_t k, size_t d, int bias, int kind)
{
    size_t j, t;
    double sw = kind == 2 ? 0x1p200 : 1, sx = kind == 2 ? 0x1p-190 : 1;
    N->k = k;
    N->d = d;
    N->W = malloc(k * d * sizeof(double));
    N->b = bias ? malloc(k * sizeof(double)) : NULL;
    N->v = malloc(k * sizeof(double));
    N->x = malloc(d * sizeof(double));
    for (j = 0; j < k; j++) {
        for (t = 0; t < d; t++)
            N->W[j * d + t] = kind == 1 ? (double)(irand(7) - 3) : sw * unif();
        if (bias)
            N->b[j] = kind == 1 ? (double)(irand(5) - 2) : sw * sx * 0.5 * unif();
        N->v[j] = kind == 1 ? (double)(irand(5) - 2) : unif();
    }
    if (kind == 3)
        for (t = 0; t < d; t++)
            N->W[t] *= 0x1p-1040;
    for (t = 0; t < d; t++)
        N->x[t] = kind == 1 ? (double)(irand(5) - 2) : sx * unif();
}

static void net_free(net_t *N)
{
    free(N->W);
    free(N->b);
    free(N->v);
    free(N->x);
}

/* The exact objects the checker module works on. */
typedef struct {
    nrc_cfix *Wr, xr, *G;
    nrc_cdy *a;
    uint64_t sp[SL], sn[SL];
    nrc_check_mf_scratch S;
    size_t k;
} chk_t;

static int chk_init(chk_t *C, const net_t *N)
{
    nrc_error err;
    size_t j;
    C->k = N->k;
    C->Wr = malloc(N->k * sizeof(nrc_cfix));
    C->G = malloc(N->k * sizeof(nrc_cfix));
    C->a = malloc(N->k * sizeof(nrc_cdy));
    nrc_cfix_init(&C->xr);
    if (nrc_cfix_set_d(&C->xr, N->x, N->d, 1, &err))
        return 0;
    for (j = 0; j < N->k; j++) {
        nrc_cfix_init(&C->Wr[j]);
        nrc_cfix_init(&C->G[j]);
        nrc_cdy_init(&C->a[j]);
        if (nrc_cfix_set_d(&C->Wr[j], N->W + j * N->d, N->d, 1, &err))
            return 0;
        nrc_cfix_dot(&C->a[j], &C->Wr[j], &C->xr, C->sp, C->sn);
        if (N->b)
            nrc_cdy_add_d(&C->a[j], &C->a[j], N->b[j]);
    }
    if (nrc_check_mf_gram(C->G, C->Wr, N->k, C->sp, C->sn, SL, &err))
        return 0;
    return nrc_check_mf_scratch_init(&C->S, N->k, &err) == NRC_OK;
}

static void chk_clear(chk_t *C)
{
    size_t j;
    for (j = 0; j < C->k; j++) {
        nrc_cfix_clear(&C->Wr[j]);
        nrc_cfix_clear(&C->G[j]);
        nrc_cdy_clear(&C->a[j]);
    }
    nrc_cfix_clear(&C->xr);
    nrc_check_mf_scratch_clear(&C->S);
    free(C->Wr);
    free(C->G);
    free(C->a);
}

static nrc_status chk_lower(chk_t *C, const net_t *N, const double *u, double D,
                            const int32_t *tree, size_t ntok, const double *beta,
                            const double *rho, size_t nl, nrc_check_mf_verdict *v)
{
    nrc_error err;
    return nrc_check_mf_lower(C->G, N->k, N->v, N->p, C->a, u, D, tree, ntok, beta, rho, nl,
                              &C->S, C->sp, C->sn, SL, v, &err);
}

/* Largest binary64 <= the exact min over the leaf's points of
 * c relu(t) - beta t (exact interval at radius D, split sj). */
static double tight_rho(const mfx_net *X, size_t j, double u, double D, int sj, double beta)
{
    mpq_t pt[3], t, r, m, q;
    double rho;
    int np = 2, i;
    for (i = 0; i < 3; i++)
        mpq_init(pt[i]);
    mpq_init(t);
    mpq_init(r);
    mpq_init(m);
    mpq_init(q);
    mpq_set_d(t, D);
    mpq_set_d(r, u);
    mpq_mul(t, t, r);
    mpq_sub(pt[0], X->a[j], t);
    mpq_add(pt[1], X->a[j], t);
    if (sj > 0 && mpq_sgn(pt[0]) < 0)
        mpq_set_ui(pt[0], 0, 1);
    if (sj < 0 && mpq_sgn(pt[1]) > 0)
        mpq_set_ui(pt[1], 0, 1);
    if (mpq_sgn(pt[0]) < 0 && mpq_sgn(pt[1]) > 0)
        np = 3;                          /* pt[2] = 0 */
    for (i = 0; i < np; i++) {
        mpq_set_ui(r, 0, 1);
        if (mpq_sgn(pt[i]) > 0)
            mpq_mul(r, X->c[j], pt[i]);
        mpq_set_d(t, beta);
        mpq_mul(t, t, pt[i]);
        mpq_sub(r, r, t);
        if (i == 0 || mpq_cmp(r, m) < 0)
            mpq_set(m, r);
    }
    rho = mpq_get_d(m);
    mpq_set_d(q, rho);
    while (mpq_cmp(q, m) > 0) {
        rho = nextafter(rho, -INFINITY);
        mpq_set_d(q, rho);
    }
    for (;;) {
        double up = nextafter(rho, INFINITY);
        mpq_set_d(q, up);
        if (mpq_cmp(q, m) > 0)
            break;
        rho = up;
    }
    for (i = 0; i < 3; i++)
        mpq_clear(pt[i]);
    mpq_clear(t);
    mpq_clear(r);
    mpq_clear(m);
    mpq_clear(q);
    return rho;
}

typedef struct {
    int runs, lower, upper, strict, complete, tight, tampered;
    double worst_ratio;
} stats_t;

static stats_t ST;

static void one_point(net_t *N, const char *tag, int with_brute)
{
    nrc_model M;
    nrc_engine e;
    nrc_error err;
    nrc_mf_model mm;
    nrc_mf_options o;
    nrc_mf_point r;
    mfx_net X;
    chk_t C;
    nrc_check_mf_verdict vd;
    mpq_t d2, t;
    int have_dist;
    size_t j;
    memset(&M, 0, sizeof M);
    M.k = N->k;
    M.d = N->d;
    M.W = N->W;
    M.b = N->b;
    M.v = N->v;
    M.flags = N->b ? NRC_FLAG_BIAS : 0;
    /* p: the exact sign of N(x); skip N(x) = 0 */
    mfx_init(&X, N->k, N->d, N->W, N->b, N->v, 1, N->x);
    {
        mpq_t f;
        mpq_init(f);
        mpq_init(t);
        for (j = 0; j < N->k; j++)
            if (mpq_sgn(X.a[j]) > 0) {
                mpq_mul(t, X.c[j], X.a[j]);
                mpq_add(f, f, t);
            }
        N->p = mpq_sgn(f);
        mpq_clear(f);
        mpq_clear(t);
    }
    mfx_clear(&X);
    if (N->p == 0)
        return;
    mfx_init(&X, N->k, N->d, N->W, N->b, N->v, N->p, N->x);
    REQUIRE(nrc_engine_init(&e, "fast", 1, &err) == NRC_OK, "%s: engine: %s", tag, err.msg);
    REQUIRE(nrc_mf_model_init(&mm, &M, NULL, &e, &err) == NRC_OK, "%s: model: %s", tag, err.msg);
    nrc_mf_options_default(&o, N->k);
    nrc_mf_point_init(&r);
    REQUIRE(nrc_mf_point_run(&mm, &e, N->x, N->p, NULL, 0, &o, &r, &err) == NRC_OK,
            "%s: run: %s", tag, err.msg);
    REQUIRE(chk_init(&C, N), "%s: checker set-up", tag);
    ST.runs++;
    if (getenv("MF_DEBUG"))
        printf("%s: p %d lower %d D %.17g (search %.17g) upper %d U %.17g (search %.17g, walk "
               "from paper %.17g) nodes %zu leaves %zu complete %d\n", tag, N->p, r.lower_ok,
               r.D, r.D_search, r.upper_ok, r.U, r.U_search, r.U_walk_paper, r.nodes,
               r.nleaves, r.complete);
    CHECK(r.sign_ok, "%s: p N(x) > 0 not certified", tag);
    mpq_init(d2);
    mpq_init(t);
    have_dist = with_brute && mfx_dist2(&X, d2);
    if (getenv("MF_DEBUG") && have_dist)
        printf("%s: exact dist %.17g\n", tag, sqrt(mpq_get_d(d2)));
    if (r.upper_ok) {
        ST.upper++;
        {
            int sg = mfx_adv_sign(N->k, N->d, N->W, N->b, N->v, N->p, r.xadv);
            CHECK(sg <= 0 && (!r.strict || sg < 0),
                  "%s: claim U's point: p N(x') has sign %d exactly (strict %d)", tag, sg,
                  r.strict);
            ST.strict += r.strict;
        }
        mfx_dist2_points(t, N->d, N->x, r.xadv);
        {
            mpq_t U2;
            mpq_init(U2);
            mpq_set_d(U2, r.U);
            mpq_mul(U2, U2, U2);
            CHECK(mpq_cmp(t, U2) <= 0, "%s: ||x' - x||^2 > U^2", tag);
            if (have_dist)
                CHECK(mpq_cmp(d2, U2) <= 0, "%s: dist^2 = %g > U^2 = %g", tag, mpq_get_d(d2),
                      r.U * r.U);
            mpq_clear(U2);
        }
        CHECK(nrc_check_mf_upper(C.Wr, N->k, N->b, N->v, N->p, C.a, &C.xr, r.xadv, r.U, r.strict, &C.S,
                                 C.sp, C.sn, SL, &vd, &err) == NRC_OK &&
              vd.what == NRC_MF_HOLDS, "%s: the checker rejects claim U (%s)", tag,
              nrc_check_mf_what_name(vd.what));
        /* one ulp less than the exact distance is rejected */
        {
            double Ulow = nextafter(sqrt(mpq_get_d(t)), 0);
            mpq_t U2;
            mpq_init(U2);
            mpq_set_d(U2, Ulow);
            mpq_mul(U2, U2, U2);
            while (mpq_cmp(U2, t) >= 0) {
                Ulow = nextafter(Ulow, 0);
                mpq_set_d(U2, Ulow);
                mpq_mul(U2, U2, U2);
            }
            mpq_clear(U2);
            CHECK(nrc_check_mf_upper(C.Wr, N->k, N->b, N->v, N->p, C.a, &C.xr, r.xadv, Ulow,
                                     r.strict, &C.S, C.sp, C.sn, SL, &vd, &err) == NRC_OK &&
                  vd.what == NRC_MF_UPPER, "%s: U below the distance accepted", tag);
        }
    }
    if (r.lower_ok) {
        signed char *S = malloc(r.nleaves * N->k);
        size_t nl = mfx_leaf_signs(r.tree, r.ntok, N->k, S), L;
        ST.lower++;
        CHECK(nl == r.nleaves, "%s: %zu leaves in the tree, %zu rows", tag, nl, r.nleaves);
        for (L = 0; L < r.nleaves && L < nl; L++)
            CHECK(mfx_leaf_holds(&X, mm.u, r.D, S + L * N->k, r.beta + L * N->k,
                                 r.rho + L * N->k), "%s: leaf %zu fails exactly", tag, L);
        CHECK(chk_lower(&C, N, mm.u, r.D, r.tree, r.ntok, r.beta, r.rho, r.nleaves, &vd) ==
              NRC_OK && vd.what == NRC_MF_HOLDS, "%s: the checker rejects claim D (%s, leaf %zu)",
              tag, nrc_check_mf_what_name(vd.what), vd.leaf);
        if (have_dist) {
            mpq_set_d(t, r.D);
            mpq_mul(t, t, t);
            CHECK(mpq_cmp(t, d2) <= 0, "%s: D^2 = %g > dist^2 = %g", tag, r.D * r.D,
                  mpq_get_d(d2));
        }
        if (r.upper_ok && r.D > 0) {
            double ratio = r.U / r.D;
            if (r.complete) {
                ST.complete++;
                CHECK(ratio <= 1.01, "%s: complete search but U / D = %.6f", tag, ratio);
            }
            if (ratio > ST.worst_ratio)
                ST.worst_ratio = ratio;
        }
        /* tampering, on a copy: tight rho, then one ulp up */
        {
            double *rho = malloc(r.nleaves * N->k * sizeof(double));
            double *beta = malloc(r.nleaves * N->k * sizeof(double));
            memcpy(rho, r.rho, r.nleaves * N->k * sizeof(double));
            memcpy(beta, r.beta, r.nleaves * N->k * sizeof(double));
            for (L = 0; L < r.nleaves && L < nl; L++) {
                int vac = 0;
                for (j = 0; j < N->k; j++) {
                    double pts[3];
                    if (nrc_mf_points_approx(mpq_get_d(X.a[j]), mm.u[j], r.D, S[L * N->k + j],
                                             pts) == 0)
                        vac = 1;
                }
                if (vac)
                    continue;
                for (j = 0; j < N->k; j++)
                    rho[L * N->k + j] = tight_rho(&X, j, mm.u[j], r.D, S[L * N->k + j],
                                                  beta[L * N->k + j]);
            }
            if (chk_lower(&C, N, mm.u, r.D, r.tree, r.ntok, beta, rho, r.nleaves, &vd) ==
                    NRC_OK && vd.what == NRC_MF_HOLDS) {
                ST.tight++;
                for (L = 0; L < r.nleaves && L < 4; L++)    /* the first 4 leaves */
                    for (j = 0; j < N->k; j++) {
                        double keep = rho[L * N->k + j];
                        int ref;
                        rho[L * N->k + j] = nextafter(keep, INFINITY);
                        chk_lower(&C, N, mm.u, r.D, r.tree, r.ntok, beta, rho, r.nleaves, &vd);
                        ref = mfx_leaf_holds(&X, mm.u, r.D, S + L * N->k, beta + L * N->k,
                                             rho + L * N->k);
                        CHECK((vd.what == NRC_MF_HOLDS) == ref,
                              "%s: rho[%zu][%zu] + ulp: checker %s, exact %d", tag, L, j,
                              nrc_check_mf_what_name(vd.what), ref);
                        if (vd.what != NRC_MF_HOLDS)
                            ST.tampered++;
                        rho[L * N->k + j] = keep;
                        /* beta one ulp each way */
                        {
                            double kb = beta[L * N->k + j];
                            int dir;
                            for (dir = -1; dir <= 1; dir += 2) {
                                beta[L * N->k + j] = nextafter(kb, dir * INFINITY);
                                chk_lower(&C, N, mm.u, r.D, r.tree, r.ntok, beta, rho,
                                          r.nleaves, &vd);
                                ref = mfx_leaf_holds(&X, mm.u, r.D, S + L * N->k,
                                                     beta + L * N->k, rho + L * N->k);
                                CHECK((vd.what == NRC_MF_HOLDS) == ref,
                                      "%s: beta[%zu][%zu] %+d ulp: checker %s, exact %d", tag,
                                      L, j, dir, nrc_check_mf_what_name(vd.what), ref);
                            }
                            beta[L * N->k + j] = kb;
                        }
                    }
            } else
                CHECK(0, "%s: tight rho rejected (%s)", tag, nrc_check_mf_what_name(vd.what));
            /* D at the checker's boundary, then one ulp up */
            {
                double lo = r.D, hi = r.U > r.D ? 2 * r.U : 2 * r.D + 1;
                int it, hi_failed = 0;   /* hi was seen to fail (not only the start) */
                for (it = 0; it < 200 && nextafter(lo, INFINITY) < hi; it++) {
                    double mid = lo + (hi - lo) / 2;
                    if (mid <= lo)
                        mid = nextafter(lo, INFINITY);
                    if (mid >= hi)
                        break;
                    chk_lower(&C, N, mm.u, mid, r.tree, r.ntok, r.beta, r.rho, r.nleaves, &vd);
                    if (vd.what == NRC_MF_HOLDS)
                        lo = mid;
                    else {
                        hi = mid;
                        hi_failed = 1;
                    }
                }
                chk_lower(&C, N, mm.u, lo, r.tree, r.ntok, r.beta, r.rho, r.nleaves, &vd);
                CHECK(vd.what == NRC_MF_HOLDS, "%s: D at the boundary rejected", tag);
                if (hi_failed && nextafter(lo, INFINITY) == hi) {
                    int ref = 1;
                    chk_lower(&C, N, mm.u, hi, r.tree, r.ntok, r.beta, r.rho, r.nleaves, &vd);
                    for (L = 0; L < nl; L++)
                        ref = ref && mfx_leaf_holds(&X, mm.u, hi, S + L * N->k,
                                                    r.beta + L * N->k, r.rho + L * N->k);
                    CHECK(vd.what != NRC_MF_HOLDS && !ref,
                          "%s: D one ulp past the boundary: checker %s, exact %d", tag,
                          nrc_check_mf_what_name(vd.what), ref);
                }
            }
            free(rho);
            free(beta);
        }
        free(S);
    }
    mpq_clear(d2);
    mpq_clear(t);
    chk_clear(&C);
    mfx_clear(&X);
    nrc_mf_point_clear(&r);
    nrc_mf_model_clear(&mm);
    nrc_engine_clear(&e);
}

static void t_random_tiny(void)
{
    int it, n = 40 * (int)tl_mult();
    rng = tl_seed();
    memset(&ST, 0, sizeof ST);
    for (it = 0; it < n; it++) {
        net_t N;
        char tag[64];
        size_t k = 1 + (size_t)irand(5), d = k + (size_t)irand(3);
        net_make(&N, k, d, irand(2), 0);
        snprintf(tag, sizeof tag, "random#%d(k=%zu,d=%zu)", it, k, d);
        one_point(&N, tag, 1);
        net_free(&N);
    }
    CHECK(ST.lower > n / 2 && ST.upper > n / 3, "too few claims: %d lower, %d upper of %d",
          ST.lower, ST.upper, ST.runs);
    printf("     random: %d points, %d lower, %d upper (%d strict), %d complete, worst U/D "
           "%.5f, %d tight, %d tampered rejected\n", ST.runs, ST.lower, ST.upper, ST.strict,
           ST.complete, ST.worst_ratio, ST.tight, ST.tampered);
}

/* Integer weights (exact kinks and ties at the point), huge and tiny
 * exponents, one neuron of subnormal weights, fewer inputs than neurons
 * (a singular Gram matrix), and width 6. */
static void t_adversarial(void)
{
    int it, kind, n = 12 * (int)tl_mult();
    rng = tl_seed() + 7;
    memset(&ST, 0, sizeof ST);
    for (kind = 1; kind <= 5; kind++)
        for (it = 0; it < n; it++) {
            net_t N;
            char tag[64];
            size_t k = 1 + (size_t)irand(5), d = k + (size_t)irand(3);
            int mk = kind <= 3 ? kind : 0;
            if (kind == 4) {               /* d < k */
                k = 3 + (size_t)irand(3);
                d = 1 + (size_t)irand(2);
            }
            if (kind == 5) {               /* width 6, brute force on 64 regions */
                k = 6;
                d = 6 + (size_t)irand(2);
                if (it >= 3)
                    break;
            }
            net_make(&N, k, d, irand(2), mk);
            snprintf(tag, sizeof tag, "kind%d#%d(k=%zu,d=%zu,b=%d)", kind, it, k, d, N.b != NULL);
            one_point(&N, tag, 1);
            net_free(&N);
        }
    printf("     adversarial: %d points, %d lower, %d upper (%d strict), %d complete, worst "
           "U/D %.5f, %d tight, %d tampered rejected\n", ST.runs, ST.lower, ST.upper, ST.strict,
           ST.complete, ST.worst_ratio, ST.tight, ST.tampered);
}

/* The checker refuses malformed trees as input errors, naming the problem,
 * and accepts nothing it cannot verify. */
static void t_malformed(void)
{
    net_t N;
    chk_t C;
    nrc_check_mf_verdict vd;
    nrc_error err;
    double u[2] = { 4, 4 }, beta[8] = { 0 }, rho[8] = { 0 };   /* room for 4 leaves */
    static const int32_t trees[][5] = {
        { 2, -1, -1 }, { 0, 0, -1, -1, -1 }, { 0, -1 }, { -1, -1 }, { -3 }, { 0, -1, -1 },
    };
    static const size_t len[] = { 3, 5, 2, 2, 1, 3 }, leaves[] = { 2, 3, 2, 2, 1, 1 };
    size_t i;
    rng = tl_seed() + 9;
    net_make(&N, 2, 2, 0, 1);
    N.W[0] = 1; N.W[1] = 0; N.W[2] = 0; N.W[3] = 1;
    N.x[0] = 1; N.x[1] = 1;
    N.v[0] = 1; N.v[1] = -0.5;
    N.p = 1;
    REQUIRE(chk_init(&C, &N), "set-up");
    for (i = 0; i < sizeof len / sizeof len[0]; i++) {
        nrc_status st = nrc_check_mf_lower(C.G, 2, N.v, 1, C.a, u, 0.5, trees[i], len[i], beta,
                                           rho, leaves[i], &C.S, C.sp, C.sn, SL, &vd, &err);
        CHECK(st == NRC_ERR_INPUT && strncmp(err.msg, "tree:", 5) == 0,
              "malformed tree %zu: status %d (%s)", i, (int)st, st ? err.msg : "");
    }
    /* non-finite numbers are input errors too */
    {
        const int32_t one[1] = { -1 };
        double bad[2] = { NAN, 0 };
        CHECK(nrc_check_mf_lower(C.G, 2, N.v, 1, C.a, u, INFINITY, one, 1, beta, rho, 1, &C.S,
                                 C.sp, C.sn, SL, &vd, &err) == NRC_ERR_INPUT, "D = inf accepted");
        CHECK(nrc_check_mf_lower(C.G, 2, N.v, 1, C.a, u, 0.5, one, 1, bad, rho, 1, &C.S, C.sp,
                                 C.sn, SL, &vd, &err) == NRC_ERR_INPUT, "beta = NaN accepted");
        /* negative D, a norm bound below ||w_j||: false claims */
        CHECK(nrc_check_mf_lower(C.G, 2, N.v, 1, C.a, u, -0.5, one, 1, beta, rho, 1, &C.S,
                                 C.sp, C.sn, SL, &vd, &err) == NRC_OK && vd.what == NRC_MF_RADIUS,
              "D < 0 not rejected");
        {
            double ul[2] = { 4, nextafter(1.0, 0) };
            CHECK(nrc_check_mf_lower(C.G, 2, N.v, 1, C.a, ul, 0.5, one, 1, beta, rho, 1, &C.S,
                                     C.sp, C.sn, SL, &vd, &err) == NRC_OK &&
                  vd.what == NRC_MF_NORM && vd.neuron == 1, "u_1 < ||w_1|| not rejected");
        }
        /* (M) holds (beta = 0; rho = (0, -1) covers -0.5 relu on [0.6, 1.4])
         * but C = -1: (C) fails; rho = (0, 0): (M) fails at neuron 1 */
        {
            double r2[2] = { 0, -1 };
            CHECK(nrc_check_mf_lower(C.G, 2, N.v, 1, C.a, u, 0.1, one, 1, beta, r2, 1, &C.S,
                                     C.sp, C.sn, SL, &vd, &err) == NRC_OK &&
                  vd.what == NRC_MF_POSITIVE, "C < 0 not rejected (%s)",
                  nrc_check_mf_what_name(vd.what));
            CHECK(nrc_check_mf_lower(C.G, 2, N.v, 1, C.a, u, 0.1, one, 1, beta, rho, 1, &C.S,
                                     C.sp, C.sn, SL, &vd, &err) == NRC_OK &&
                  vd.what == NRC_MF_MINORANT && vd.neuron == 1, "(M) failure not named (%s)",
                  nrc_check_mf_what_name(vd.what));
        }
    }
    chk_clear(&C);
    net_free(&N);
}

/* Both engines (fast, mpfr) reach the same claims: the same statuses, and
 * D and U equal to 1e-9 relative (the search works from the enclosures'
 * midpoints, which differ by rounding only). */
static void t_engines_agree(void)
{
    int it, n = 10 * (int)tl_mult(), same = 0;
    rng = tl_seed() + 11;
    for (it = 0; it < n; it++) {
        net_t N;
        nrc_model M;
        nrc_mf_point r[2];
        int ei;
        size_t k = 2 + (size_t)irand(8), d = k + (size_t)irand(10), j;
        double f = 0;
        net_make(&N, k, d, irand(2), it % 3 == 0 ? 1 : 0);
        memset(&M, 0, sizeof M);
        M.k = k;
        M.d = d;
        M.W = N.W;
        M.b = N.b;
        M.v = N.v;
        for (j = 0; j < k; j++) {
            double a = N.b ? N.b[j] : 0;
            size_t t;
            for (t = 0; t < d; t++)
                a += N.W[j * d + t] * N.x[t];
            if (a > 0)
                f += N.v[j] * a;
        }
        N.p = f > 0 ? 1 : -1;
        for (ei = 0; ei < 2; ei++) {
            nrc_engine e;
            nrc_error err;
            nrc_mf_model mm;
            nrc_mf_options o;
            nrc_mf_point_init(&r[ei]);
            REQUIRE(nrc_engine_init(&e, ei ? "mpfr" : "fast", 1, &err) == NRC_OK, "engine: %s",
                    err.msg);
            REQUIRE(nrc_mf_model_init(&mm, &M, NULL, &e, &err) == NRC_OK, "model: %s", err.msg);
            nrc_mf_options_default(&o, k);
            REQUIRE(nrc_mf_point_run(&mm, &e, N.x, N.p, NULL, 0, &o, &r[ei], &err) == NRC_OK,
                    "run: %s", err.msg);
            nrc_mf_model_clear(&mm);
            nrc_engine_clear(&e);
        }
        CHECK(r[0].sign_ok == r[1].sign_ok && r[0].lower_ok == r[1].lower_ok &&
              r[0].upper_ok == r[1].upper_ok, "case %d: statuses differ (sign %d/%d, lower "
              "%d/%d, upper %d/%d)", it, r[0].sign_ok, r[1].sign_ok, r[0].lower_ok,
              r[1].lower_ok, r[0].upper_ok, r[1].upper_ok);
        if (r[0].lower_ok && r[1].lower_ok)
            CHECK(fabs(r[0].D - r[1].D) <= 1e-9 * r[0].D, "case %d: D %.17g vs %.17g", it,
                  r[0].D, r[1].D);
        if (r[0].upper_ok && r[1].upper_ok)
            CHECK(fabs(r[0].U - r[1].U) <= 1e-9 * r[0].U, "case %d: U %.17g vs %.17g", it,
                  r[0].U, r[1].U);
        same += r[0].lower_ok && r[1].lower_ok;
        nrc_mf_point_clear(&r[0]);
        nrc_mf_point_clear(&r[1]);
        net_free(&N);
    }
    CHECK(same >= n / 2, "only %d of %d points certified by both engines", same, n);
}

int main(void)
{
    RUN(t_random_tiny);
    RUN(t_adversarial);
    RUN(t_malformed);
    RUN(t_engines_agree);
    return tl_exit();
}
