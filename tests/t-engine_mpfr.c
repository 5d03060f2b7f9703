/* The MPFR engine (src/certify/engine_mpfr.c) against the exact arbiter
 * (include/certify/nrc_exact.h).
 *
 * Every enclosure must contain the exact value (containment), and, since the
 * engine raises its precision until its binary64 output is the tightest one,
 * a point input must give exactly [RD(x), RU(x)] (optimality; [-inf, inf]
 * beyond the binary64 range), and an interval input exactly
 * [RD(min), RU(max)] of the exact range.  Inputs: random, and adversarial
 * (exact ties, ReLU kinks at exact zero, subnormals, huge and tiny
 * exponents, cancellation that needs thousands of bits, infinite interval
 * endpoints).  Every engine is run twice: at its default starting precision
 * and from 53 bits (NRC_ENGINE_MPFR_PREC=53) so that the escalation path
 * is taken; both must give the same bits. */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <string.h>
#include <mpfr.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_engine.h"
#include "nrc_exact.h"

#include "nasty.h"
#define NMODES NASTY_MODES

static void fill(double *a, size_t len, int mode)
{
    size_t t;
    for (t = 0; t < len; t++)
        a[t] = nasty(mode >= NMODES ? (int)(rnd64() % NMODES) : mode);
}

static void print_vec(const char *name, const double *a, size_t len)
{
    size_t t;
    printf("     %s =", name);
    for (t = 0; t < len; t++)
        printf(" %a", a[t]);
    printf("\n");
}

/* A double drawn inside [lo, hi] (endpoints included). */
static double inside(double lo, double hi)
{
    double m;
    switch (rnd64() % 4) {
    case 0: return lo;
    case 1: return hi;
    default:
        if (!isfinite(lo) || !isfinite(hi))
            return isfinite(lo) ? lo : isfinite(hi) ? hi : 0.0;
        m = lo + (hi - lo) * unif();
        if (!(m >= lo && m <= hi))
            m = lo;
        return m;
    }
}

static int contains(double lo, double hi, const arf_t x)
{
    return nrc_exact_le_d(x, hi) == NRC_TRUE && nrc_exact_lt_d(x, lo) == NRC_FALSE;
}

/* The tightest binary64 enclosure of x as the engine contract writes it. */
static void optimal(const arf_t x, double *lo, double *hi)
{
    *lo = nrc_exact_get_lo(x);
    *hi = nrc_exact_get_hi(x);
    *lo = *lo == 0 ? 0.0 : *lo;   /* the engine writes zeros as +0 */
    *hi = *hi == 0 ? 0.0 : *hi;
    if (!isfinite(*lo) || !isfinite(*hi)) {
        *lo = -INFINITY;
        *hi = INFINITY;
    }
}

static double zero_plus(double a) { return a == 0 ? 0.0 : a; }

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Engines: [0] default precision, [1] starting at 53 bits. */
static nrc_engine eng[2];

static int engines_init(void)
{
    nrc_error err;
    if (nrc_engine_init(&eng[0], "mpfr", 1, &err) != NRC_OK) {
        printf("     mpfr init: %s\n", err.msg);
        return 0;
    }
    setenv("NRC_ENGINE_MPFR_PREC", "53", 1);
    if (nrc_engine_init(&eng[1], "mpfr", 1, &err) != NRC_OK) {
        printf("     mpfr init (53): %s\n", err.msg);
        unsetenv("NRC_ENGINE_MPFR_PREC");
        return 0;
    }
    unsetenv("NRC_ENGINE_MPFR_PREC");
    return 1;
}

static void engines_clear(void)
{
    nrc_engine_clear(&eng[0]);
    nrc_engine_clear(&eng[1]);
}

/* ---------------------------------------------------------------------- */

/* One gemm case: containment at interior points, optimality at the
 * vertices, and the same bits from both starting precisions. */
static void gemm_case(long it, size_t r, size_t c, size_t q, const double *Alo,
                      const double *Ahi, const double *B)
{
    double *Clo[2], *Chi[2], *P;
    nrc_error err;
    arf_t x, y;
    size_t i, l, t, e;
    int interval = Ahi != NULL, bad = 0;
    Clo[0] = nrc_calloc(r * c + 1, sizeof(double));
    Chi[0] = nrc_calloc(r * c + 1, sizeof(double));
    Clo[1] = nrc_calloc(r * c + 1, sizeof(double));
    Chi[1] = nrc_calloc(r * c + 1, sizeof(double));
    P = nrc_calloc(2 * q + 1, sizeof(double));
    REQUIRE(Clo[0] && Chi[0] && Clo[1] && Chi[1] && P, "alloc");
    for (e = 0; e < 2; e++)
        CHECK(nrc_engine_gemm(&eng[e], r, c, q, Alo, Ahi, q, B, q, Clo[e], Chi[e], c, &err) == NRC_OK,
              "gemm status: %s", err.msg);
    arf_init(x);
    arf_init(y);
    for (i = 0; i < r && !bad; i++)
        for (l = 0; l < c && !bad; l++) {
            double lo = Clo[0][i * c + l], hi = Chi[0][i * c + l], ol, oh, ol2, oh2;
            const double *a = Alo + i * q, *b = B + l * q;
            if (!same_bits(lo, Clo[1][i * c + l]) || !same_bits(hi, Chi[1][i * c + l])) {
                CHECK(0, "it %ld (%zu,%zu): prec 128 gives [%a, %a], prec 53 gives [%a, %a]", it, i, l,
                      lo, hi, Clo[1][i * c + l], Chi[1][i * c + l]);
                bad = 1;
            }
            CHECK(!isnan(lo) && !isnan(hi) && lo <= hi, "it %ld (%zu,%zu): [%a, %a] is not an interval",
                  it, i, l, lo, hi);
            if (!interval) {
                nrc_exact_dot(x, q, a, 1, b, 1);
                optimal(x, &ol, &oh);
                if (!contains(lo, hi, x) || !same_bits(ol, lo) || !same_bits(oh, hi)) {
                    CHECK(0, "it %ld (%zu,%zu) q=%zu: [%a, %a], exact rounds to [%a, %a]", it, i, l, q,
                          lo, hi, ol, oh);
                    bad = 1;
                }
                continue;
            }
            /* the exact range ends at the vertices picked by sign(b_t) */
            for (t = 0; t < q; t++) {
                P[t] = b[t] >= 0 ? a[t] : Ahi[i * q + t];
                P[q + t] = b[t] >= 0 ? Ahi[i * q + t] : a[t];
            }
            nrc_exact_dot(x, q, P, 1, b, 1);
            nrc_exact_dot(y, q, P + q, 1, b, 1);
            optimal(x, &ol, &oh);
            optimal(y, &ol2, &oh2);
            if (isfinite(ol) && isfinite(oh2)) {
                if (!same_bits(zero_plus(ol), lo) || !same_bits(zero_plus(oh2), hi)) {
                    CHECK(0, "it %ld (%zu,%zu): [%a, %a], exact range rounds to [%a, %a]", it, i, l,
                          lo, hi, ol, oh2);
                    bad = 1;
                }
            } else {
                CHECK(!isfinite(lo) && !isfinite(hi), "it %ld (%zu,%zu): overflow not [-inf, inf]", it, i, l);
            }
            /* containment at random points of the box */
            for (e = 0; e < 4 && !bad; e++) {
                for (t = 0; t < q; t++)
                    P[t] = inside(a[t], Ahi[i * q + t]);
                nrc_exact_dot(x, q, P, 1, b, 1);
                if (!contains(lo, hi, x)) {
                    CHECK(0, "it %ld (%zu,%zu): [%a, %a] misses a point of the box", it, i, l, lo, hi);
                    print_vec("point", P, q);
                    bad = 1;
                }
            }
        }
    if (bad) {
        print_vec("Alo (row-major)", Alo, r * q);
        if (Ahi)
            print_vec("Ahi", Ahi, r * q);
        print_vec("B", B, c * q);
    }
    arf_clear(x);
    arf_clear(y);
    for (e = 0; e < 2; e++) {
        nrc_free(Clo[e]);
        nrc_free(Chi[e]);
    }
    nrc_free(P);
}

static void test_gemm_random(void)
{
    long it, iters = 150 * tl_mult();
    REQUIRE(engines_init(), "init");
    rs = tl_seed() * 3 + 1;
    for (it = 0; it < iters && tl_case_failed < 3; it++) {
        size_t r = 1 + rnd64() % 5, c = 1 + rnd64() % 5, q = rnd64() % 30, t;
        int mode = (int)(it % (NMODES + 1)), interval = (int)((it / (NMODES + 1)) & 1);
        double *Alo = nrc_calloc(r * q + 1, sizeof(double)), *Ahi = nrc_calloc(r * q + 1, sizeof(double));
        double *B = nrc_calloc(c * q + 1, sizeof(double));
        REQUIRE(Alo && Ahi && B, "alloc");
        fill(Alo, r * q, mode);
        fill(B, c * q, mode);
        if (it % 5 == 0 && q >= 4) {
            /* exact cancellation to 0 and to a tie: row 0 . col 0 */
            Alo[0] = 0x1p60; Alo[1] = 1.0; Alo[2] = -0x1p60; Alo[3] = -1.0;
            B[0] = 1.0; B[1] = 1.0; B[2] = 1.0; B[3] = (it % 10 == 0) ? 1.0 : 0.5;
            for (t = 4; t < q; t++)
                B[t] = 0.0;
        }
        for (t = 0; t < r * q; t++) {
            double w = fabs(Alo[t]) * ldexp(unif(), -(int)(rnd64() % 40));
            Ahi[t] = interval ? Alo[t] + w : Alo[t];
            if (!isfinite(Ahi[t]) || Ahi[t] < Alo[t])
                Ahi[t] = Alo[t];
        }
        gemm_case(it, r, c, q, Alo, interval ? Ahi : NULL, B);
        nrc_free(Alo); nrc_free(Ahi); nrc_free(B);
    }
    engines_clear();
}

/* Hand-made sums: cancellation that needs most of the 8192-bit cap,
 * subnormal results, overflow beyond the binary64 range, exact ties. */
static void test_gemm_adversarial(void)
{
    static const struct { size_t q; double a[6], b[6]; } cs[] = {
        /* 2^2000 + 2^-2148 - 2^2000 - 2^-2148 = 0 (needs ~4150 bits) */
        { 4, { 0x1p1000, 0x1p-1074, -0x1p1000, -0x1p-1074 }, { 0x1p1000, 0x1p-1074, 0x1p1000, 0x1p-1074 } },
        /* ... = 2^-2148 > 0, far below the smallest subnormal */
        { 3, { 0x1p1000, 0x1p-1074, -0x1p1000 }, { 0x1p1000, 0x1p-1074, 0x1p1000 } },
        /* ... = -2^-2148 */
        { 3, { 0x1p1000, -0x1p-1074, -0x1p1000 }, { 0x1p1000, 0x1p-1074, 0x1p1000 } },
        /* the self-test sum: 1 - 2^-10 exactly */
        { 4, { 0x1p54, 1.0, -0x1p54, -0x1p-10 }, { 1, 1, 1, 1 } },
        /* a tie: exactly 1.5 after cancellation */
        { 4, { 0x1p80, 1.0, -0x1p80, 0.5 }, { 0x1p-30, 1.0, 0x1p-30, 1.0 } },
        /* subnormal result 3 * 2^-1074 from a cancellation of normals */
        { 3, { 0x1p-500, 0x1p-1074, -0x1p-500 }, { 0x1p-520, 3.0, 0x1p-520 } },
        /* half a subnormal: strictly between 0 and 2^-1074 */
        { 2, { 0x1p-1074, 0x1p-600 }, { 0.5, 0x1p-476 } },
        /* overflow: 2^1023 * 4 = 2^1025 */
        { 1, { 0x1p1023 }, { 4.0 } },
        /* just below the top: DBL_MAX exactly, after 2^2000 cancels */
        { 3, { DBL_MAX, 0x1p1000, -0x1p1000 }, { 1.0, 0x1p1000, 0x1p1000 } },
        /* past DBL_MAX by 2^-1074 * 2^-1074 */
        { 2, { DBL_MAX, 0x1p-1074 }, { 1.0, 0x1p-1074 } },
        /* beyond the top then back: 2^1023 * 2 - 2^1023 * 2 + 1 = 1 */
        { 3, { 0x1p1023, -0x1p1023, 1.0 }, { 2.0, 2.0, 1.0 } },
    };
    size_t ci;
    REQUIRE(engines_init(), "init");
    for (ci = 0; ci < sizeof cs / sizeof cs[0]; ci++)
        gemm_case((long)ci, 1, 1, cs[ci].q, cs[ci].a, NULL, cs[ci].b);
    {   /* the first two cases must be decided on the spot */
        double lo, hi;
        nrc_error err;
        nrc_engine_gemm(&eng[0], 1, 1, 4, cs[0].a, NULL, 4, cs[0].b, 4, &lo, &hi, 1, &err);
        CHECK(lo == 0 && hi == 0, "exact zero: [%a, %a]", lo, hi);
        nrc_engine_gemm(&eng[0], 1, 1, 3, cs[1].a, NULL, 3, cs[1].b, 3, &lo, &hi, 1, &err);
        CHECK(lo == 0 && hi == 0x1p-1074, "2^-2148: [%a, %a]", lo, hi);
        nrc_engine_gemm(&eng[0], 1, 1, 4, cs[4].a, NULL, 4, cs[4].b, 4, &lo, &hi, 1, &err);
        CHECK(lo == 1.5 && hi == 1.5, "tie: [%a, %a]", lo, hi);
    }
    engines_clear();
}

/* Interval inputs with infinite endpoints: unbounded terms give
 * [-inf, inf], except against b_t = 0 (0 times any real is 0). */
static void test_gemm_unbounded(void)
{
    double alo[3] = { -INFINITY, 1.0, 2.0 }, ahi[3] = { INFINITY, 1.0, 3.0 };
    double b0[3] = { 0.0, 2.0, 1.0 }, b1[3] = { 1.0, 2.0, 1.0 }, lo, hi;
    nrc_error err;
    REQUIRE(engines_init(), "init");
    CHECK(nrc_engine_gemm(&eng[0], 1, 1, 3, alo, ahi, 3, b0, 3, &lo, &hi, 1, &err) == NRC_OK, "status");
    CHECK(lo == 4.0 && hi == 5.0, "b = 0 against [-inf, inf]: [%a, %a]", lo, hi);
    CHECK(nrc_engine_gemm(&eng[0], 1, 1, 3, alo, ahi, 3, b1, 3, &lo, &hi, 1, &err) == NRC_OK, "status");
    CHECK(lo == -INFINITY && hi == INFINITY, "unbounded: [%a, %a]", lo, hi);
    {   /* q = 0, and an empty output */
        double z[1] = { 0 }, clo[2] = { 7, 7 }, chi[2] = { 7, 7 };
        CHECK(nrc_engine_gemm(&eng[0], 1, 2, 0, z, NULL, 1, z, 1, clo, chi, 2, &err) == NRC_OK &&
              clo[0] == 0 && chi[1] == 0, "q = 0");
        CHECK(nrc_engine_gemm(&eng[0], 0, 2, 3, z, NULL, 3, z, 3, clo, chi, 2, &err) == NRC_OK, "r = 0");
    }
    engines_clear();
}

/* ---------------------------------------------------------------------- */

static void test_sumsq(void)
{
    long it, iters = 300 * tl_mult();
    arf_t x, y;
    REQUIRE(engines_init(), "init");
    arf_init(x); arf_init(y);
    rs = tl_seed() * 7 + 3;
    for (it = 0; it < iters && tl_case_failed < 3; it++) {
        size_t q = rnd64() % 20, t, e;
        int mode = (int)(it % (NMODES + 1)), interval = (int)(it & 1);
        double a[20], b[20], mn[20], mx[20], p[20], lo[2], hi[2], ol, oh, ol2, oh2;
        nrc_error err;
        fill(a, q, mode);
        for (t = 0; t < q; t++) {
            b[t] = interval ? a[t] + fabs(a[t]) * ldexp(unif(), -(int)(rnd64() % 30)) : a[t];
            if (interval && rnd64() % 4 == 0)
                a[t] = -b[t] * 2 * unif();   /* straddle 0, either end farther */
            if (!isfinite(b[t]) || b[t] < a[t])
                b[t] = a[t];
            mn[t] = a[t] > 0 ? a[t] : b[t] < 0 ? b[t] : 0.0;
            mx[t] = fabs(a[t]) > fabs(b[t]) ? a[t] : b[t];
        }
        for (e = 0; e < 2; e++)
            CHECK(nrc_engine_sumsq(&eng[e], 1, q, a, interval ? b : NULL, q, lo + e, hi + e, &err) == NRC_OK,
                  "status");
        nrc_exact_dot(x, q, mn, 1, mn, 1);
        nrc_exact_dot(y, q, mx, 1, mx, 1);
        optimal(x, &ol, &oh);
        optimal(y, &ol2, &oh2);
        if (!isfinite(oh2))
            ol = 0.0;
        if (!same_bits(lo[0], lo[1]) || !same_bits(hi[0], hi[1]) || !same_bits(lo[0], zero_plus(ol)) ||
            !same_bits(hi[0], zero_plus(oh2)) || !(lo[0] >= 0)) {
            CHECK(0, "it %ld q=%zu: [%a, %a] (from 53 bits [%a, %a]), exact range rounds to [%a, %a]",
                  it, q, lo[0], hi[0], lo[1], hi[1], ol, oh2);
            print_vec("lo", a, q);
            print_vec("hi", b, q);
        }
        for (e = 0; e < 3; e++) {
            for (t = 0; t < q; t++)
                p[t] = inside(a[t], b[t]);
            nrc_exact_dot(x, q, p, 1, p, 1);
            CHECK(contains(lo[0], hi[0], x), "it %ld: point outside", it);
        }
    }
    {   /* several rows with a leading dimension, and NaN (misuse) */
        double A[6] = { 3.0, 4.0, 99.0, 0x1p-1074, 0x1p-1074, 99.0 }, lo[2], hi[2];
        double Na[2] = { NAN, 1.0 };
        nrc_error err;
        CHECK(nrc_engine_sumsq(&eng[0], 2, 2, A, NULL, 3, lo, hi, &err) == NRC_OK, "status");
        CHECK(lo[0] == 25.0 && hi[0] == 25.0, "3,4: [%a, %a]", lo[0], hi[0]);
        CHECK(lo[1] == 0.0 && hi[1] == 0x1p-1074, "subnormal squares: [%a, %a]", lo[1], hi[1]);
        CHECK(nrc_engine_sumsq(&eng[0], 1, 2, Na, NULL, 2, lo, hi, &err) == NRC_OK, "status");
        CHECK(lo[0] == 0.0 && hi[0] == INFINITY, "NaN: [%a, %a]", lo[0], hi[0]);
    }
    arf_clear(x); arf_clear(y);
    engines_clear();
}

/* ---------------------------------------------------------------------- */

/* Exact value of sum_j v_j relu(a_j - t c_j) for double a, c. */
static void exact_ray_d(arf_t out, size_t k, const double *a, const double *c, double t,
                        const double *v)
{
    nrc_xvec xa, xc;
    nrc_error err;
    size_t j;
    if (nrc_xvec_init(&xa, k, &err) != NRC_OK || nrc_xvec_init(&xc, k, &err) != NRC_OK) {
        arf_nan(out);
        return;
    }
    for (j = 0; j < k; j++) {
        arf_set_d(xa.v + j, a[j]);
        arf_set_d(xc.v + j, c[j]);
    }
    nrc_exact_ray(out, k, xa.v, xc.v, t, v);
    nrc_xvec_clear(&xa);
    nrc_xvec_clear(&xc);
}

static void ray_case(long it, size_t k, const double *alo, const double *ahi, const double *clo,
                     const double *chi, double t, const double *v)
{
    double lo[2], hi[2], ol, oh, ol2, oh2, pa[32], pc[32];
    int interval = ahi != alo || chi != clo, bad = 0;
    nrc_error err;
    arf_t x, y;
    size_t j, e;
    arf_init(x);
    arf_init(y);
    for (e = 0; e < 2; e++)
        CHECK(nrc_engine_ray(&eng[e], k, alo, ahi, clo, chi, t, v, lo + e, hi + e, &err) == NRC_OK,
              "status");
    if (!same_bits(lo[0], lo[1]) || !same_bits(hi[0], hi[1]) || isnan(lo[0]) || isnan(hi[0]) ||
        lo[0] > hi[0]) {
        CHECK(0, "it %ld: [%a, %a] but from 53 bits [%a, %a]", it, lo[0], hi[0], lo[1], hi[1]);
        bad = 1;
    }
    /* the range ends: each term at its own minimising / maximising vertex */
    for (j = 0; j < k; j++) {
        int up = v[j] > 0;   /* pre small is the min for v > 0 */
        double cmax = t >= 0 ? chi[j] : clo[j], cmin = t >= 0 ? clo[j] : chi[j];
        pa[j] = up ? alo[j] : ahi[j];
        pc[j] = up ? cmax : cmin;
        pa[16 + j] = up ? ahi[j] : alo[j];
        pc[16 + j] = up ? cmin : cmax;
    }
    exact_ray_d(x, k, pa, pc, t, v);
    exact_ray_d(y, k, pa + 16, pc + 16, t, v);
    optimal(x, &ol, &oh);
    optimal(y, &ol2, &oh2);
    if (isfinite(ol) && isfinite(oh2)) {
        if (!bad && (!same_bits(lo[0], zero_plus(ol)) || !same_bits(hi[0], zero_plus(oh2)))) {
            CHECK(0, "it %ld k=%zu t=%a: [%a, %a], exact range rounds to [%a, %a]", it, k, t, lo[0],
                  hi[0], ol, oh2);
            bad = 1;
        }
    } else if (!bad && (isfinite(lo[0]) || isfinite(hi[0]))) {
        CHECK(0, "it %ld: overflow gives [%a, %a]", it, lo[0], hi[0]);
        bad = 1;
    }
    for (e = 0; e < (interval ? 4u : 1u) && !bad; e++) {
        for (j = 0; j < k; j++) {
            pa[j] = inside(alo[j], ahi[j]);
            pc[j] = inside(clo[j], chi[j]);
        }
        exact_ray_d(x, k, pa, pc, t, v);
        if (!contains(lo[0], hi[0], x)) {
            CHECK(0, "it %ld: [%a, %a] misses a point of the box", it, lo[0], hi[0]);
            print_vec("a", pa, k);
            print_vec("c", pc, k);
            bad = 1;
        }
    }
    if (bad) {
        printf("     t = %a\n", t);
        print_vec("alo", alo, k);
        print_vec("ahi", ahi, k);
        print_vec("clo", clo, k);
        print_vec("chi", chi, k);
        print_vec("v", v, k);
    }
    arf_clear(x);
    arf_clear(y);
}

static void test_ray_random(void)
{
    long it, iters = 600 * tl_mult();
    REQUIRE(engines_init(), "init");
    rs = tl_seed() * 5 + 7;
    for (it = 0; it < iters && tl_case_failed < 3; it++) {
        size_t k = 1 + rnd64() % 16, j;
        int mode = (int)(it % (NMODES + 1)), interval = (int)((it / 3) & 1);
        double alo[16], ahi[16], clo[16], chi[16], v[16];
        double t = it % 11 == 0 ? 0.0 : nasty((int)(rnd64() % NMODES));
        fill(alo, k, mode);
        fill(clo, k, mode);
        fill(v, k, it % 4 == 0 ? NMODES : 0);
        if (it % 3 == 0)        /* exact kinks along the ray: a = t c */
            for (j = 0; j < k; j += 2) {
                clo[j] = (double)(1 + rnd64() % 4);
                alo[j] = t * clo[j];
                if (!isfinite(alo[j]) || alo[j] / clo[j] != t)
                    alo[j] = t, clo[j] = 1.0;
            }
        for (j = 0; j < k; j++) {
            ahi[j] = interval ? alo[j] + fabs(alo[j]) * ldexp(unif(), -(int)(rnd64() % 40)) : alo[j];
            chi[j] = interval ? clo[j] + fabs(clo[j]) * ldexp(unif(), -(int)(rnd64() % 40)) : clo[j];
            if (!isfinite(ahi[j]) || ahi[j] < alo[j]) ahi[j] = alo[j];
            if (!isfinite(chi[j]) || chi[j] < clo[j]) chi[j] = clo[j];
        }
        ray_case(it, k, alo, interval ? ahi : alo, clo, interval ? chi : clo, t, v);
    }
    engines_clear();
}

static void test_ray_adversarial(void)
{
    /* kinks at exact zero, a - t c cancelling over ~4000 bits, v huge/tiny */
    double a1[3] = { 0x1p1000, 1.0, 0x1p-1074 }, c1[3] = { 0x1p1000, 1.0, -0x1p1000 };
    double v1[3] = { 1.0, -1.0, 0x1p1000 };
    double lo, hi, inf_a[2] = { -INFINITY, 1.0 }, inf_b[2] = { INFINITY, 2.0 };
    double c2[2] = { 1.0, 1.0 }, vp[2] = { 1.0, 1.0 }, vn[2] = { -1.0, 1.0 };
    nrc_error err;
    REQUIRE(engines_init(), "init");
    /* t = 1: relu(2^1000 - 2^1000) = 0 (kink), relu(1 - 1) = 0 (kink),
     * relu(2^-1074 + 2^1000) v = 2^2000 + 2^-74 */
    ray_case(0, 3, a1, a1, c1, c1, 1.0, v1);
    /* t = 2^-1074: tiny steps off the kinks */
    ray_case(1, 3, a1, a1, c1, c1, 0x1p-1074, v1);
    ray_case(2, 3, a1, a1, c1, c1, -0x1p-1074, v1);
    /* t = 0: N(x); c is ignored even when unbounded */
    {
        double cu[2] = { -INFINITY, NAN };
        CHECK(nrc_engine_ray(&eng[0], 2, c2, c2, cu, cu, 0.0, vp, &lo, &hi, &err) == NRC_OK &&
              lo == 2.0 && hi == 2.0, "t = 0: [%a, %a]", lo, hi);
    }
    /* unbounded pre-activations: relu(-inf) = 0 bounds one side only, and
     * the contract asks for [-inf, inf] whenever a side is unbounded */
    CHECK(nrc_engine_ray(&eng[0], 2, inf_a, inf_b, c2, c2, 0.0, vp, &lo, &hi, &err) == NRC_OK &&
          lo == -INFINITY && hi == INFINITY, "unbounded: [%a, %a]", lo, hi);
    CHECK(nrc_engine_ray(&eng[0], 2, inf_a, inf_b, c2, c2, 0.0, vn, &lo, &hi, &err) == NRC_OK &&
          lo == -INFINITY && hi == INFINITY, "unbounded, v < 0: [%a, %a]", lo, hi);
    {   /* hi == NULL style point inputs and v = 0 against an unbounded a */
        double ua[2] = { -INFINITY, 3.0 }, ub[2] = { INFINITY, 3.0 }, v0[2] = { 0.0, -2.0 };
        CHECK(nrc_engine_ray(&eng[0], 2, ua, ub, c2, NULL, 1.0, v0, &lo, &hi, &err) == NRC_OK &&
              lo == -4.0 && hi == -4.0, "v = 0 ignores unbounded a: [%a, %a]", lo, hi);
    }
    {   /* the same network by sign: first sign change along the ray at
         * t* = 1 exactly; at t* the value is exactly 0 */
        double a[2] = { 1.0, 3.0 }, c[2] = { -1.0, 2.0 }, v[2] = { 1.0, -1.0 };
        /* N(t) = relu(1 + t) - relu(3 - 2t): t = 2/3 gives 5/3 - 5/3 = 0 */
        double t = 2.0 / 3.0;   /* not exactly 2/3: must be decided non-zero */
        CHECK(nrc_engine_ray(&eng[0], 2, a, a, c, c, 0.5, v, &lo, &hi, &err) == NRC_OK &&
              lo == -0.5 && hi == -0.5, "t = 0.5: [%a, %a]", lo, hi);
        ray_case(3, 2, a, a, c, c, t, v);
        CHECK(nrc_engine_ray(&eng[0], 2, a, a, c, c, t, v, &lo, &hi, &err) == NRC_OK &&
              (lo > 0 || hi < 0), "near-tie decided: [%a, %a]", lo, hi);
    }
    engines_clear();
}

/* ---------------------------------------------------------------------- */

/* The engine leaves the caller's environment alone: the binary64 rounding
 * mode and MPFR's exponent range and default precision. */
static void test_environment(void)
{
    double a[3] = { 0.1, 0.2, 0.3 }, b[3] = { 0.3, 0.2, 0.1 }, lo, hi;
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_prec_t dp = mpfr_get_default_prec();
    nrc_error err;
    REQUIRE(engines_init(), "init");
    CHECK(strcmp(eng[0].ops->name, "mpfr") == 0, "name %s", eng[0].ops->name);
    nrc_engine_gemm(&eng[0], 1, 1, 3, a, NULL, 3, b, 3, &lo, &hi, 1, &err);
    nrc_engine_ray(&eng[0], 3, a, a, b, b, 0.25, a, &lo, &hi, &err);
    CHECK(fegetround() == FE_TONEAREST, "rounding mode changed");
    CHECK(mpfr_get_emin() == emin && mpfr_get_emax() == emax && mpfr_get_default_prec() == dp,
          "MPFR globals changed");
    engines_clear();
    nrc_engine_clear(&eng[0]);   /* clear accepts a cleared engine */
    setenv("NRC_ENGINE_MPFR_PREC", "12", 1);
    CHECK(nrc_engine_init(&eng[0], "mpfr", 1, &err) == NRC_ERR_USAGE, "precision 12 refused");
    setenv("NRC_ENGINE_MPFR_PREC", "64x", 1);
    CHECK(nrc_engine_init(&eng[0], "mpfr", 1, &err) == NRC_ERR_USAGE, "'64x' refused");
    unsetenv("NRC_ENGINE_MPFR_PREC");
}

/* Allocation failure at every k: a system error, never a wrong result. */
static void test_alloc_failure(void)
{
    double A[6] = { 1, 2, 3, 4, 5, 6 }, C[4], D[4];
    nrc_error err;
    unsigned long k;
    nrc_status st;
    for (k = 1; k < 10; k++) {
        nrc_engine e;
        memset(&e, 0, sizeof e);
        nrc_alloc_fail_at(k);
        st = nrc_engine_init(&e, "mpfr", 1, &err);
        if (st == NRC_OK) {
            st = nrc_engine_gemm(&e, 2, 2, 3, A, NULL, 3, A, 3, C, D, 2, &err);
            nrc_alloc_fail_at(0);
            CHECK(st == NRC_OK || st == NRC_ERR_SYSTEM, "k=%lu: status %d", k, (int)st);
            if (st == NRC_OK)
                CHECK(C[0] == 14 && D[3] == 77, "k=%lu: wrong product", k);
        } else {
            nrc_alloc_fail_at(0);
            CHECK(st == NRC_ERR_SYSTEM, "k=%lu: init status %d", k, (int)st);
        }
        nrc_engine_clear(&e);
    }
    nrc_alloc_fail_at(0);
    {   /* a threaded product: every job's allocation may fail */
        size_t r = 40, q = 40, t;
        double *M = nrc_calloc(r * q, sizeof(double)), *R0 = nrc_calloc(r * r, sizeof(double));
        double *R1 = nrc_calloc(r * r, sizeof(double)), *S0 = nrc_calloc(r * r, sizeof(double));
        double *S1 = nrc_calloc(r * r, sizeof(double));
        nrc_engine e;
        REQUIRE(M && R0 && R1 && S0 && S1, "alloc");
        for (t = 0; t < r * q; t++)
            M[t] = (double)(t % 7) - 3.0;
        REQUIRE(nrc_engine_init(&e, "mpfr", 2, &err) == NRC_OK, "init");
        REQUIRE(nrc_engine_gemm(&e, r, r, q, M, NULL, q, M, q, R0, R1, r, &err) == NRC_OK, "gemm");
        int failed = 0, passed = 0;
        for (k = 1; k < 10; k++) {
            nrc_alloc_fail_at(k);
            st = nrc_engine_gemm(&e, r, r, q, M, NULL, q, M, q, S0, S1, r, &err);
            nrc_alloc_fail_at(0);
            CHECK(st == NRC_OK || st == NRC_ERR_SYSTEM, "threaded k=%lu: status %d", k, (int)st);
            failed += st == NRC_ERR_SYSTEM;
            passed += st == NRC_OK;
            if (st == NRC_OK)
                CHECK(memcmp(R0, S0, r * r * sizeof(double)) == 0 &&
                      memcmp(R1, S1, r * r * sizeof(double)) == 0, "threaded k=%lu: other bits", k);
        }
        CHECK(failed >= 4 && passed >= 1, "threaded: %d failures, %d successes", failed, passed);
        nrc_engine_clear(&e);
        nrc_free(M); nrc_free(R0); nrc_free(R1); nrc_free(S0); nrc_free(S1);
    }
}

/* The tightest enclosure sits inside every valid one: the fast engine's
 * enclosure of the same quantity must contain the mpfr one (a cross-check of
 * both engines). */
static void test_inside_fast(void)
{
    nrc_engine f;
    nrc_error err;
    long it, iters = 100 * tl_mult();
    REQUIRE(engines_init(), "init");
    REQUIRE(nrc_engine_init(&f, "fast", 1, &err) == NRC_OK, "fast init: %s", err.msg);
    rs = tl_seed() * 11 + 5;
    for (it = 0; it < iters && tl_case_failed < 3; it++) {
        size_t q = 1 + rnd64() % 30, k = 1 + rnd64() % 16;
        double A[30], B[30], lo, hi, flo, fhi, a[16], c[16], v[16], t = nasty(0);
        int mode = (int)(it % (NMODES + 1));
        fill(A, q, mode);
        fill(B, q, mode);
        nrc_engine_gemm(&eng[0], 1, 1, q, A, NULL, q, B, q, &lo, &hi, 1, &err);
        nrc_engine_gemm(&f, 1, 1, q, A, NULL, q, B, q, &flo, &fhi, 1, &err);
        if (!((flo <= lo && hi <= fhi) ||
              (lo == -INFINITY && hi == INFINITY && (flo == -INFINITY || fhi == INFINITY)))) {
            CHECK(0, "gemm it %ld: mpfr [%a, %a] fast [%a, %a]", it, lo, hi, flo, fhi);
            print_vec("a", A, q);
            print_vec("b", B, q);
        }
        nrc_engine_sumsq(&eng[0], 1, q, A, NULL, q, &lo, &hi, &err);
        nrc_engine_sumsq(&f, 1, q, A, NULL, q, &flo, &fhi, &err);
        if (!((flo <= lo && hi <= fhi) || (hi == INFINITY && fhi == INFINITY))) {
            CHECK(0, "sumsq it %ld: mpfr [%a, %a] fast [%a, %a]", it, lo, hi, flo, fhi);
            print_vec("a", A, q);
        }
        fill(a, k, mode);
        fill(c, k, mode);
        fill(v, k, 0);
        nrc_engine_ray(&eng[0], k, a, a, c, c, t, v, &lo, &hi, &err);
        nrc_engine_ray(&f, k, a, a, c, c, t, v, &flo, &fhi, &err);
        if (!((flo <= lo && hi <= fhi) ||
              (lo == -INFINITY && hi == INFINITY && (flo == -INFINITY || fhi == INFINITY)))) {
            CHECK(0, "ray it %ld t=%a: mpfr [%a, %a] fast [%a, %a]", it, t, lo, hi, flo, fhi);
            print_vec("a", a, k);
            print_vec("c", c, k);
            print_vec("v", v, k);
        }
    }
    nrc_engine_clear(&f);
    engines_clear();
}

/* Rows split over threads: the same bits for 1, 2 and 3 threads (each entry
 * is computed the same way whoever computes it), and still optimal. */
static void test_threads(void)
{
    size_t r = 37, c = 23, q = 50, t, e, n = 0;
    double *Alo = nrc_calloc(r * q, sizeof(double)), *Ahi = nrc_calloc(r * q, sizeof(double));
    double *B = nrc_calloc(c * q, sizeof(double)), *C[3][2];
    nrc_engine en[3];
    nrc_error err;
    arf_t x;
    REQUIRE(Alo && Ahi && B, "alloc");
    rs = tl_seed() * 13 + 11;
    fill(Alo, r * q, NMODES);
    fill(B, c * q, NMODES);
    for (t = 0; t < r * q; t++) {
        Ahi[t] = (t % 3) ? Alo[t] : Alo[t] + fabs(Alo[t]) * 0x1p-10;
        if (!isfinite(Ahi[t]))
            Ahi[t] = Alo[t];
    }
    for (e = 0; e < 3; e++) {
        C[e][0] = nrc_calloc(r * c, sizeof(double));
        C[e][1] = nrc_calloc(r * c, sizeof(double));
        REQUIRE(C[e][0] && C[e][1], "alloc");
        REQUIRE(nrc_engine_init(en + e, "mpfr", (int)e + 1, &err) == NRC_OK, "init: %s", err.msg);
    }
    for (n = 0; n < 2; n++) {   /* point A, then interval A */
        for (e = 0; e < 3; e++)
            CHECK(nrc_engine_gemm(en + e, r, c, q, Alo, n ? Ahi : NULL, q, B, q, C[e][0], C[e][1], c,
                                  &err) == NRC_OK, "status");
        for (e = 1; e < 3; e++)
            CHECK(memcmp(C[0][0], C[e][0], r * c * sizeof(double)) == 0 &&
                  memcmp(C[0][1], C[e][1], r * c * sizeof(double)) == 0,
                  "%s A: %zu threads give other bits than 1", n ? "interval" : "point", e + 1);
    }
    arf_init(x);   /* and the point product is the optimal one */
    for (e = 0; e < 3; e++)
        nrc_engine_gemm(en + e, r, c, q, Alo, NULL, q, B, q, C[e][0], C[e][1], c, &err);
    for (t = 0; t < r * c; t++) {
        double ol, oh;
        nrc_exact_dot(x, q, Alo + (t / c) * q, 1, B + (t % c) * q, 1);
        optimal(x, &ol, &oh);
        if (!same_bits(ol, C[1][0][t]) || !same_bits(oh, C[1][1][t])) {
            CHECK(0, "entry %zu: 2 threads [%a, %a], exact rounds to [%a, %a]", t, C[1][0][t],
                  C[1][1][t], ol, oh);
            break;
        }
    }
    arf_clear(x);
    for (e = 0; e < 3; e++) {
        nrc_engine_clear(en + e);
        nrc_free(C[e][0]);
        nrc_free(C[e][1]);
    }
    nrc_free(Alo); nrc_free(Ahi); nrc_free(B);
}

/* Flush-to-zero / denormals-are-zero would let mpfr_set_d / mpfr_get_d
 * turn subnormals into 0: the engine refuses to start (exit 5 in certify). */
static void test_refuses_ftz(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned int csr = _mm_getcsr();
    nrc_engine e;
    nrc_error err;
    nrc_status st;
    _mm_setcsr(csr | 0x8000u);
    st = nrc_engine_init(&e, "mpfr", 1, &err);
    _mm_setcsr(csr);
    CHECK(st == NRC_ERR_INTERNAL, "FTZ: init returned %d", (int)st);
    nrc_engine_clear(&e);
    _mm_setcsr(csr | 0x0040u);
    st = nrc_engine_init(&e, "mpfr", 1, &err);
    _mm_setcsr(csr);
    CHECK(st == NRC_ERR_INTERNAL, "DAZ: init returned %d", (int)st);
    nrc_engine_clear(&e);
    CHECK(nrc_engine_init(&e, "mpfr", 1, &err) == NRC_OK, "init after restoring MXCSR: %s", err.msg);
    nrc_engine_clear(&e);
#endif
}

int main(void)
{
    RUN(test_gemm_random);
    RUN(test_gemm_adversarial);
    RUN(test_gemm_unbounded);
    RUN(test_sumsq);
    RUN(test_ray_random);
    RUN(test_ray_adversarial);
    RUN(test_environment);
    RUN(test_alloc_failure);
    RUN(test_inside_fast);
    RUN(test_threads);
    RUN(test_refuses_ftz);
    return tl_exit();
}
