/* The exact arbiter (src/certify/exact.c) against an independent exact
 * evaluation with FLINT rationals (fmpq, built from mpq_set_d), on random and
 * adversarial doubles: zeros, subnormals, huge and tiny exponents, exact
 * cancellation, ReLU kinks at exact zero along a ray. */
#include <float.h>
#include <math.h>
#include <gmp.h>
#include <flint/fmpq.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_exact.h"

#include "nasty.h"

static double nasty_any(void)
{
    double s = (rnd64() & 1) ? -1.0 : 1.0;
    switch (rnd64() % 6) {
    case 0: return 0.0;
    case 1: return s * ldexp(1.0 + unif(), -1074 + (int)(rnd64() % 60));
    case 2: return s * ldexp(1.0 + unif(), 300 + (int)(rnd64() % 300));
    case 3: return s * ldexp(1.0 + unif(), -700 + (int)(rnd64() % 100));
    case 4: return s * (double)(rnd64() % 7);
    default: return s * unif();
    }
}

static void q_of_d(fmpq_t q, double d)
{
    mpq_t m;
    mpq_init(m);
    mpq_set_d(m, d);
    fmpq_set_mpq(q, m);
    mpq_clear(m);
}

/* cmp exact arf with fmpq via arf -> fmpq through mantissa/exponent */
static int same(const arf_t x, const fmpq_t q)
{
    fmpz_t m, e;
    fmpq_t t;
    slong ex;
    int r;
    fmpz_init(m);
    fmpz_init(e);
    fmpq_init(t);
    arf_get_fmpz_2exp(m, e, x);
    ex = fmpz_get_si(e);
    fmpz_one(e);
    fmpq_set_fmpz_frac(t, m, e);
    if (ex >= 0)
        fmpq_mul_2exp(t, t, (flint_bitcnt_t)ex);
    else
        fmpq_div_2exp(t, t, (flint_bitcnt_t)(-ex));
    r = fmpq_equal(t, q);
    fmpz_clear(m);
    fmpz_clear(e);
    fmpq_clear(t);
    return r;
}

static void test_dot_and_rounding(void)
{
    long it, iters = 2000 * tl_mult();
    arf_t x;
    fmpq_t q, a, b;
    arf_init(x);
    fmpq_init(q); fmpq_init(a); fmpq_init(b);
    rs = tl_seed() | 1;
    for (it = 0; it < iters && tl_case_failed < 5; it++) {
        double u[12], v[12], lo, hi;
        size_t len = rnd64() % 12, t;
        for (t = 0; t < len; t++) {
            u[t] = nasty_any();
            v[t] = nasty_any();
        }
        if (len >= 3 && it % 4 == 0) {   /* exact cancellation to zero */
            u[0] = 0x1p900; v[0] = 1; u[1] = -0x1p900; v[1] = 1; u[2] = 0; }
        nrc_exact_dot(x, len, u, 1, v, 1);
        fmpq_zero(q);
        for (t = 0; t < len; t++) {
            q_of_d(a, u[t]);
            q_of_d(b, v[t]);
            fmpq_addmul(q, a, b);
        }
        CHECK(same(x, q), "dot it %ld", it);
        CHECK(nrc_exact_sgn(x) == fmpq_sgn(q), "sign it %ld", it);
        lo = nrc_exact_get_lo(x);
        hi = nrc_exact_get_hi(x);
        if (isfinite(lo)) {
            q_of_d(a, lo);
            CHECK(fmpq_cmp(a, q) <= 0, "get_lo above the value, it %ld", it);
            if (isfinite(nextafter(lo, INFINITY))) {
                q_of_d(a, nextafter(lo, INFINITY));
                CHECK(fmpq_cmp(a, q) > 0, "get_lo not the largest, it %ld", it);
            }
        }
        if (isfinite(hi)) {
            q_of_d(a, hi);
            CHECK(fmpq_cmp(a, q) >= 0, "get_hi below the value, it %ld", it);
            if (isfinite(nextafter(hi, -INFINITY))) {
                q_of_d(a, nextafter(hi, -INFINITY));
                CHECK(fmpq_cmp(a, q) < 0, "get_hi not the smallest, it %ld", it);
            }
        }
    }
    arf_clear(x);
    fmpq_clear(q); fmpq_clear(a); fmpq_clear(b);
}

static void test_direction_and_ray(void)
{
    long it, iters = 300 * tl_mult();
    nrc_error err;
    rs = tl_seed() * 3 + 5;
    for (it = 0; it < iters && tl_case_failed < 5; it++) {
        size_t n = 1 + rnd64() % 5, d = 1 + rnd64() % 6, k = 1 + rnd64() % 6, i, t, j;
        double X[30], y[5], W[36], v[6], b[6], tt = nasty_any();
        size_t idx[5], nidx = 0;
        nrc_xvec z, a, c;
        arf_t out;
        fmpq_t q, s, e, pre;
        for (i = 0; i < n; i++) {
            y[i] = (rnd64() & 1) ? 1.0 : -1.0;
            for (t = 0; t < d; t++) X[i * d + t] = nasty_any();
            if (rnd64() & 1) idx[nidx++] = i;
        }
        for (j = 0; j < k; j++) {
            for (t = 0; t < d; t++) W[j * d + t] = nasty_any();
            v[j] = nasty_any();
            b[j] = nasty_any();
        }
        REQUIRE(nrc_xvec_init(&z, d, &err) == NRC_OK && nrc_xvec_init(&a, k, &err) == NRC_OK &&
                nrc_xvec_init(&c, k, &err) == NRC_OK, "xvec");
        arf_init(out);
        fmpq_init(q); fmpq_init(s); fmpq_init(e); fmpq_init(pre);
        nrc_exact_direction(&z, n, d, X, y, (it & 1) ? idx : NULL, nidx);
        for (t = 0; t < d; t++) {
            fmpq_zero(q);
            for (i = 0; i < n; i++) {
                int in = !(it & 1);
                size_t r;
                for (r = 0; r < nidx && !in; r++) in = idx[r] == i;
                if (!in) continue;
                q_of_d(e, y[i] * X[i * d + t]);
                fmpq_add(q, q, e);
            }
            CHECK(same(z.v + t, q), "z_%zu it %ld", t, it);
        }
        /* a_j = <w_j, x_0> + b_j, c_j = <w_j, z>; kinks: force a_0 = t c_0 */
        for (j = 0; j < k; j++) {
            nrc_exact_preact(a.v + j, d, W + j * d, X, b + j);
            nrc_exact_dot_arf(c.v + j, d, W + j * d, z.v);
        }
        if (it % 3 == 0) {
            arf_t tq;
            arf_init(tq);
            arf_set_d(tq, tt);
            arf_mul(a.v, tq, c.v, ARF_PREC_EXACT, ARF_RND_DOWN);
            arf_clear(tq);
        }
        nrc_exact_ray(out, k, a.v, c.v, tt, v);
        fmpq_zero(s);
        for (j = 0; j < k; j++) {
            fmpz_t m2, e2;
            fmpq_t aq, cq;
            slong ex;
            fmpz_init(m2); fmpz_init(e2); fmpq_init(aq); fmpq_init(cq);
            /* a_j, c_j as rationals (checked against an independent sum for c) */
            arf_get_fmpz_2exp(m2, e2, a.v + j); ex = fmpz_get_si(e2); fmpz_one(e2);
            fmpq_set_fmpz_frac(aq, m2, e2);
            if (ex >= 0) fmpq_mul_2exp(aq, aq, (flint_bitcnt_t)ex); else fmpq_div_2exp(aq, aq, (flint_bitcnt_t)(-ex));
            arf_get_fmpz_2exp(m2, e2, c.v + j); ex = fmpz_get_si(e2); fmpz_one(e2);
            fmpq_set_fmpz_frac(cq, m2, e2);
            if (ex >= 0) fmpq_mul_2exp(cq, cq, (flint_bitcnt_t)ex); else fmpq_div_2exp(cq, cq, (flint_bitcnt_t)(-ex));
            q_of_d(e, tt);
            fmpq_mul(pre, e, cq);
            fmpq_sub(pre, aq, pre);
            if (fmpq_sgn(pre) > 0) {
                q_of_d(e, v[j]);
                fmpq_addmul(s, e, pre);
            }
            fmpz_clear(m2); fmpz_clear(e2); fmpq_clear(aq); fmpq_clear(cq);
        }
        CHECK(same(out, s), "ray it %ld", it);
        arf_clear(out);
        fmpq_clear(q); fmpq_clear(s); fmpq_clear(e); fmpq_clear(pre);
        nrc_xvec_clear(&z); nrc_xvec_clear(&a); nrc_xvec_clear(&c);
        nrc_xvec_clear(&z);   /* clear accepts a cleared vector */
    }
}

int main(void)
{
    RUN(test_dot_and_rounding);
    RUN(test_direction_and_ray);
    return tl_exit();
}
