/* Containment tests of the fast engine and its directed rounding against
 * the exact arbiter, on random and adversarial inputs (exact ties, zeros,
 * subnormals, huge and tiny exponents, cancellation). */
#include <float.h>
#include <math.h>
#include <string.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_engine.h"
#include "nrc_exact.h"
#include "nrc_fast.h"

#include "nasty.h"

static int contains(double lo, double hi, const arf_t x)
{
    return nrc_exact_le_d(x, hi) == NRC_TRUE && !(nrc_exact_lt_d(x, lo) == NRC_TRUE);
}

static void test_directed_rounding(void)
{
    long it, iters = 100000 * tl_mult();
    arf_t x, a, b;
    arf_init(x); arf_init(a); arf_init(b);
    rs = tl_seed() | 1;
    for (it = 0; it < iters; it++) {
        double p = nasty((int)(rnd64() % 7)), q = nasty((int)(rnd64() % 7));
        double lo, hi;
        arf_set_d(a, p);
        arf_set_d(b, q);
        arf_add(x, a, b, ARF_PREC_EXACT, ARF_RND_DOWN);
        lo = nrc_fast_add_down(p, q); hi = nrc_fast_add_up(p, q);
        CHECK(contains(lo, hi, x), "add %a %a -> [%a, %a]", p, q, lo, hi);
        arf_mul(x, a, b, ARF_PREC_EXACT, ARF_RND_DOWN);
        lo = nrc_fast_mul_down(p, q); hi = nrc_fast_mul_up(p, q);
        CHECK(contains(lo, hi, x), "mul %a %a -> [%a, %a]", p, q, lo, hi);
        if (fabs(p) < 1e300 && fabs(p) > 1e-300) {
            double s = fabs(p), u = nrc_fast_sqrt_up(s), l = nrc_fast_sqrt_down(s);
            arf_set_d(a, u); arf_mul(x, a, a, ARF_PREC_EXACT, ARF_RND_DOWN);
            arf_set_d(b, s);
            CHECK(arf_cmp(x, b) >= 0, "sqrt_up %a", s);
            arf_set_d(a, l); arf_mul(x, a, a, ARF_PREC_EXACT, ARF_RND_DOWN);
            CHECK(arf_cmp(x, b) <= 0, "sqrt_down %a", s);
        }
        if (tl_case_failed > 5)
            break;
    }
    /* exact results stay exact (tightness), and ties */
    CHECK(nrc_fast_add_up(1.0, 2.0) == 3.0 && nrc_fast_add_down(1.0, 2.0) == 3.0, "exact add");
    CHECK(nrc_fast_mul_up(3.0, 0.5) == 1.5, "exact mul");
    CHECK(nrc_fast_add_up(0.0, -0.0) == 0.0, "zero");
    arf_clear(x); arf_clear(a); arf_clear(b);
}

/* The interval helpers: for random corner choices x in [alo, ahi],
 * y in [blo, bhi] the exact x op y lies in the returned interval. */
static void test_interval_helpers(void)
{
    long it, iters = 20000 * tl_mult();
    arf_t x, a, b;
    arf_init(x); arf_init(a); arf_init(b);
    rs = tl_seed() * 31 + 7;
    for (it = 0; it < iters && tl_case_failed < 5; it++) {
        double p = nasty((int)(rnd64() % 7)), q = nasty((int)(rnd64() % 7));
        double r = nasty((int)(rnd64() % 7)), u = nasty((int)(rnd64() % 7));
        double alo = p < q ? p : q, ahi = p < q ? q : p, blo = r < u ? r : u, bhi = r < u ? u : r;
        double xa = (rnd64() & 1) ? alo : ahi, xb = (rnd64() & 1) ? blo : bhi, lo, hi;
        arf_set_d(a, xa);
        arf_set_d(b, xb);
        arf_add(x, a, b, ARF_PREC_EXACT, ARF_RND_DOWN);
        nrc_ia_add(alo, ahi, blo, bhi, &lo, &hi);
        CHECK(contains(lo, hi, x), "ia_add");
        arf_sub(x, a, b, ARF_PREC_EXACT, ARF_RND_DOWN);
        nrc_ia_sub(alo, ahi, blo, bhi, &lo, &hi);
        CHECK(contains(lo, hi, x), "ia_sub");
        arf_mul(x, a, b, ARF_PREC_EXACT, ARF_RND_DOWN);
        nrc_ia_mul(alo, ahi, blo, bhi, &lo, &hi);
        CHECK(contains(lo, hi, x), "ia_mul [%a,%a]*[%a,%a]", alo, ahi, blo, bhi);
        nrc_ia_scale(xa, blo, bhi, &lo, &hi);
        CHECK(contains(lo, hi, x), "ia_scale %a*[%a,%a]", xa, blo, bhi);
        arf_mul(x, a, a, ARF_PREC_EXACT, ARF_RND_DOWN);
        nrc_ia_sqr(alo, ahi, &lo, &hi);
        CHECK(contains(lo, hi, x), "ia_sqr");
        arf_abs(x, a);
        nrc_ia_abs(alo, ahi, &lo, &hi);
        CHECK(contains(lo, hi, x), "ia_abs");
        if (blo > 0 || bhi < 0) {
            /* a / b: check lo * b <= a <= hi * b (b > 0) or reversed, exactly */
            arf_t l, h;
            arf_init(l); arf_init(h);
            nrc_ia_div(alo, ahi, blo, bhi, &lo, &hi);
            if (isfinite(lo) && isfinite(hi)) {
                arf_set_d(l, lo); arf_set_d(h, hi);
                arf_mul(l, l, b, ARF_PREC_EXACT, ARF_RND_DOWN);
                arf_mul(h, h, b, ARF_PREC_EXACT, ARF_RND_DOWN);
                if (xb > 0)
                    CHECK(arf_cmp(l, a) <= 0 && arf_cmp(a, h) <= 0, "ia_div %a/%a", xa, xb);
                else
                    CHECK(arf_cmp(l, a) >= 0 && arf_cmp(a, h) >= 0, "ia_div %a/%a", xa, xb);
            }
            arf_clear(l); arf_clear(h);
        }
    }
    /* a kink at exact zero stays exact: [0, 0] * v = [0, 0] */
    {
        double lo, hi;
        nrc_ia_scale(-3.0, 0.0, 0.0, &lo, &hi);
        CHECK(lo == 0 && hi == 0, "zero interval scaled");
    }
    arf_clear(x); arf_clear(a); arf_clear(b);
}

static void fill(double *a, size_t len, int mode)
{
    size_t t;
    for (t = 0; t < len; t++)
        a[t] = mode < 0 ? unif() * 2 - 1 : nasty(mode == 7 ? (int)(rnd64() % 7) : mode);
}

static void test_gemm_containment(void)
{
    nrc_engine e;
    nrc_error err;
    long it, iters = 400 * tl_mult();
    arf_t x, y;
    REQUIRE(nrc_engine_init(&e, "fast", 1, &err) == NRC_OK, "init: %s", err.msg);
    arf_init(x); arf_init(y);
    rs = tl_seed() * 3 + 1;
    for (it = 0; it < iters && tl_case_failed < 5; it++) {
        size_t r = 1 + rnd64() % 7, c = 1 + rnd64() % 6, q = rnd64() % 40, i, l, t;
        int mode = (int)(it % 9) - 1, interval = (int)(it & 1);
        double *Alo = nrc_calloc(r * q + 1, sizeof(double)), *Ahi = nrc_calloc(r * q + 1, sizeof(double));
        double *B = nrc_calloc(c * q + 1, sizeof(double));
        double *Clo = nrc_calloc(r * c, sizeof(double)), *Chi = nrc_calloc(r * c, sizeof(double));
        REQUIRE(Alo && Ahi && B && Clo && Chi, "alloc");
        fill(Alo, r * q, mode > 7 ? 7 : mode);
        fill(B, c * q, mode > 7 ? 7 : mode);
        if (mode == 7 && q >= 3) {       /* exact cancellation: row 0 . col 0 = 0 */
            Alo[0] = 0x1p60; Alo[1] = 1.0; Alo[2] = -0x1p60;
            B[0] = 1.0; B[1] = 0.0; B[2] = 1.0;
        }
        for (t = 0; t < r * q; t++)
            Ahi[t] = interval ? Alo[t] + fabs(Alo[t]) * 0x1p-20 : Alo[t];
        REQUIRE(nrc_engine_gemm(&e, r, c, q, Alo, interval ? Ahi : NULL, q, B, q, Clo, Chi, c, &err) == NRC_OK, "gemm");
        for (i = 0; i < r; i++)
            for (l = 0; l < c; l++) {
                /* check at both corners of the interval (the sum is linear) */
                int corner;
                for (corner = 0; corner < 2; corner++) {
                    const double *A = corner ? Ahi : Alo;
                    nrc_exact_dot(x, q, A + i * q, 1, B + l * q, 1);
                    CHECK(contains(Clo[i * c + l], Chi[i * c + l], x),
                          "gemm it %ld (%zu,%zu) q=%zu mode %d: [%a, %a]", it, i, l, q, mode,
                          Clo[i * c + l], Chi[i * c + l]);
                }
            }
        {   /* sumsq */
            double *lo = nrc_calloc(r, sizeof(double)), *hi = nrc_calloc(r, sizeof(double));
            REQUIRE(lo && hi, "alloc");
            nrc_engine_sumsq(&e, r, q, Alo, interval ? Ahi : NULL, q, lo, hi, &err);
            for (i = 0; i < r; i++) {
                nrc_exact_dot(x, q, Alo + i * q, 1, Alo + i * q, 1);
                CHECK(contains(lo[i], hi[i], x), "sumsq row %zu", i);
            }
            nrc_free(lo); nrc_free(hi);
        }
        nrc_free(Alo); nrc_free(Ahi); nrc_free(B); nrc_free(Clo); nrc_free(Chi);
    }
    arf_clear(x); arf_clear(y);
    nrc_engine_clear(&e);
}

static void test_ray_containment(void)
{
    nrc_engine e;
    nrc_error err;
    long it, iters = 3000 * tl_mult();
    nrc_xvec a, c;
    arf_t x;
    REQUIRE(nrc_engine_init(&e, "fast", 1, &err) == NRC_OK, "init");
    arf_init(x);
    REQUIRE(nrc_xvec_init(&a, 16, &err) == NRC_OK && nrc_xvec_init(&c, 16, &err) == NRC_OK, "xvec");
    rs = tl_seed() * 5 + 7;
    for (it = 0; it < iters && tl_case_failed < 5; it++) {
        size_t k = 1 + rnd64() % 16, j;
        double av[16], cv[16], v[16], t = nasty((int)(it % 7)), lo, hi;
        fill(av, k, (int)(it % 8) - 1);
        fill(cv, k, (int)(it % 8) - 1);
        fill(v, k, -1);
        if (it % 3 == 0)         /* exact kinks along the ray */
            for (j = 0; j < k; j += 2) { cv[j] = 1.0; av[j] = t; }
        for (j = 0; j < k; j++) {
            arf_set_d(a.v + j, av[j]);
            arf_set_d(c.v + j, cv[j]);
        }
        nrc_engine_ray(&e, k, av, av, cv, cv, t, v, &lo, &hi, &err);
        nrc_exact_ray(x, k, a.v, c.v, t, v);
        CHECK(contains(lo, hi, x), "ray it %ld k %zu t %a: [%a, %a]", it, k, t, lo, hi);
    }
    nrc_xvec_clear(&a); nrc_xvec_clear(&c);
    arf_clear(x);
    nrc_engine_clear(&e);
}

/* The crafted dot product of the self-test: double gets the sign wrong, the
 * fast radius says undecided, the arbiter decides. */
static void test_selftest_case(void)
{
    nrc_engine e;
    nrc_error err;
    double w[4] = { 0x1p54, 1.0, -0x1p54, -0x1p-10 }, x[4] = { 1, 1, 1, 1 }, lo, hi;
    volatile double naive = 0;
    arf_t ex;
    int t;
    REQUIRE(nrc_engine_init(&e, "fast", 1, &err) == NRC_OK, "init: %s", err.msg);
    for (t = 0; t < 4; t++) naive = naive + w[t] * x[t];
    CHECK(naive < 0, "naive double gets the wrong sign");
    nrc_engine_gemm(&e, 1, 1, 4, w, NULL, 4, x, 4, &lo, &hi, 1, &err);
    CHECK(lo <= 0 && hi >= 0, "fast radius leaves it undecided: [%a, %a]", lo, hi);
    arf_init(ex);
    nrc_exact_dot(ex, 4, w, 1, x, 1);
    CHECK(nrc_exact_sgn(ex) == 1, "arbiter: positive");
    CHECK(nrc_exact_get_lo(ex) == 1 - 0x1p-10 && nrc_exact_get_hi(ex) == 1 - 0x1p-10, "exact value");
    arf_clear(ex);
    CHECK(nrc_fast_check_fpenv(&err) == NRC_OK, "fpenv");
    nrc_engine_clear(&e);
    CHECK(nrc_engine_init(&e, "nope", 1, &err) == NRC_ERR_USAGE, "unknown engine is a usage error");
}

static void test_exact_rounding(void)
{
    arf_t x;
    double d;
    arf_init(x);
    /* 2^-1075 * 3 is between two subnormals */
    arf_set_si_2exp_si(x, 3, -1076);
    d = nrc_exact_get_lo(x);
    CHECK(d == 0x1p-1074 * 0.0 + 0x0p0 || d == 0, "subnormal lo %a", d);
    d = nrc_exact_get_hi(x);
    CHECK(d == 0x1p-1074, "subnormal hi %a", d);
    arf_set_si_2exp_si(x, 3, -1075);   /* 1.5 * 2^-1074 */
    CHECK(nrc_exact_get_lo(x) == 0x1p-1074 && nrc_exact_get_hi(x) == 0x1p-1073, "subnormal 1.5");
    arf_set_si_2exp_si(x, 1, 1100);
    CHECK(nrc_exact_get_lo(x) == DBL_MAX && nrc_exact_get_hi(x) == INFINITY, "huge");
    arf_clear(x);
}

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
/* The engine refuses to start under flush-to-zero or denormals-are-zero. */
static void test_refuses_ftz_daz(void)
{
    unsigned int csr = _mm_getcsr();
    nrc_engine e;
    nrc_error err;
    nrc_status st;
    _mm_setcsr(csr | 0x8000u);
    st = nrc_engine_init(&e, "fast", 1, &err);
    _mm_setcsr(csr);
    CHECK(st == NRC_ERR_INTERNAL, "FTZ: status %d", (int)st);
    _mm_setcsr(csr | 0x0040u);
    st = nrc_engine_init(&e, "fast", 1, &err);
    _mm_setcsr(csr);
    CHECK(st == NRC_ERR_INTERNAL, "DAZ: status %d", (int)st);
    CHECK(nrc_engine_init(&e, "fast", 1, &err) == NRC_OK, "restored: %s", err.msg);
    nrc_engine_clear(&e);
}
#endif

int main(void)
{
    RUN(test_directed_rounding);
    RUN(test_exact_rounding);
    RUN(test_interval_helpers);
    RUN(test_gemm_containment);
    RUN(test_ray_containment);
    RUN(test_selftest_case);
#if defined(__x86_64__) || defined(__i386__)
    RUN(test_refuses_ftz_daz);
#endif
    return tl_exit();
}
