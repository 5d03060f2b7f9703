/* Dyadic rationals m * 2^e for the checker (include/check/nrc_check_exact.h).
 * Exact by construction: only integer additions, multiplications and shifts.
 * Results are not normalized (m may be even); comparisons align exponents. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_check_exact.h"

void nrc_cdy_init(nrc_cdy *a)
{
    mpz_init(a->m);
    a->e = 0;
}

void nrc_cdy_clear(nrc_cdy *a)
{
    mpz_clear(a->m);
}

void nrc_cdy_set(nrc_cdy *r, const nrc_cdy *a)
{
    if (r != a) {
        mpz_set(r->m, a->m);
        r->e = a->e;
    }
}

void nrc_cdy_set_d(nrc_cdy *r, double x)
{
    int ex;
    double f;
    if (x == 0.0) {
        mpz_set_ui(r->m, 0);
        r->e = 0;
        return;
    }
    /* x = f 2^ex with 0.5 <= |f| < 1; f 2^53 is an integer below 2^53 in
     * magnitude (also for subnormals), so both steps are exact. */
    f = frexp(x, &ex);
    mpz_set_d(r->m, ldexp(f, 53));
    r->e = (long)ex - 53;
}

void nrc_cdy_set_si(nrc_cdy *r, long x)
{
    mpz_set_si(r->m, x);
    r->e = 0;
}

void nrc_cdy_set_mpz(nrc_cdy *r, const mpz_t m, long e)
{
    mpz_set(r->m, m);
    r->e = e;
}

/* r = a + sign * b, aliasing allowed. */
static void cdy_addsub(nrc_cdy *r, const nrc_cdy *a, const nrc_cdy *b, int sign)
{
    mpz_t t;
    if (mpz_sgn(b->m) == 0) {
        nrc_cdy_set(r, a);
        return;
    }
    if (mpz_sgn(a->m) == 0) {
        if (sign > 0)
            mpz_set(r->m, b->m);
        else
            mpz_neg(r->m, b->m);
        r->e = b->e;
        return;
    }
    mpz_init(t);
    if (a->e <= b->e) {
        long e = a->e;
        mpz_mul_2exp(t, b->m, (mp_bitcnt_t)(b->e - a->e));
        if (sign > 0)
            mpz_add(r->m, a->m, t);
        else
            mpz_sub(r->m, a->m, t);
        r->e = e;
    } else {
        long e = b->e;
        mpz_mul_2exp(t, a->m, (mp_bitcnt_t)(a->e - b->e));
        if (sign > 0)
            mpz_add(r->m, t, b->m);
        else
            mpz_sub(r->m, t, b->m);
        r->e = e;
    }
    mpz_clear(t);
}

void nrc_cdy_add(nrc_cdy *r, const nrc_cdy *a, const nrc_cdy *b)
{
    cdy_addsub(r, a, b, 1);
}

void nrc_cdy_sub(nrc_cdy *r, const nrc_cdy *a, const nrc_cdy *b)
{
    cdy_addsub(r, a, b, -1);
}

void nrc_cdy_mul(nrc_cdy *r, const nrc_cdy *a, const nrc_cdy *b)
{
    long e = a->e + b->e;
    mpz_mul(r->m, a->m, b->m);
    r->e = mpz_sgn(r->m) ? e : 0;
}

void nrc_cdy_mul_d(nrc_cdy *r, const nrc_cdy *a, double x)
{
    nrc_cdy t;
    nrc_cdy_init(&t);
    nrc_cdy_set_d(&t, x);
    nrc_cdy_mul(r, a, &t);
    nrc_cdy_clear(&t);
}

void nrc_cdy_add_d(nrc_cdy *r, const nrc_cdy *a, double x)
{
    nrc_cdy t;
    nrc_cdy_init(&t);
    nrc_cdy_set_d(&t, x);
    nrc_cdy_add(r, a, &t);
    nrc_cdy_clear(&t);
}

void nrc_cdy_neg(nrc_cdy *r, const nrc_cdy *a)
{
    mpz_neg(r->m, a->m);
    r->e = a->e;
}

void nrc_cdy_abs(nrc_cdy *r, const nrc_cdy *a)
{
    mpz_abs(r->m, a->m);
    r->e = a->e;
}

void nrc_cdy_relu(nrc_cdy *r, const nrc_cdy *a)
{
    if (mpz_sgn(a->m) <= 0) {
        mpz_set_ui(r->m, 0);
        r->e = 0;
    } else {
        nrc_cdy_set(r, a);
    }
}

int nrc_cdy_sgn(const nrc_cdy *a)
{
    return mpz_sgn(a->m);
}

int nrc_cdy_cmp(const nrc_cdy *a, const nrc_cdy *b)
{
    nrc_cdy d;
    int s;
    int sa = mpz_sgn(a->m), sb = mpz_sgn(b->m);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    nrc_cdy_init(&d);
    nrc_cdy_sub(&d, a, b);
    s = mpz_sgn(d.m);
    nrc_cdy_clear(&d);
    return s;
}

int nrc_cdy_cmp_d(const nrc_cdy *a, double x)
{
    nrc_cdy t;
    int s;
    nrc_cdy_init(&t);
    nrc_cdy_set_d(&t, x);
    s = nrc_cdy_cmp(a, &t);
    nrc_cdy_clear(&t);
    return s;
}

double nrc_cdy_get_d_approx(const nrc_cdy *a)
{
    long ex;
    double f = mpz_get_d_2exp(&ex, a->m);
    long e = ex + a->e;
    if (e > 2000)
        e = 2000;
    if (e < -2000)
        e = -2000;
    return ldexp(f, (int)e);
}

char *nrc_cdy_get_hex(const nrc_cdy *a)
{
    size_t digits = mpz_sizeinbase(a->m, 16);
    size_t size = digits + 48;
    char *buf = nrc_malloc(size);
    mpz_t t;
    char *p;
    long e;
    if (!buf)
        return NULL;
    mpz_init(t);
    mpz_abs(t, a->m);
    e = a->e;
    if (mpz_sgn(t)) {
        /* normalize: odd mantissa */
        mp_bitcnt_t z = mpz_scan1(t, 0);
        mpz_fdiv_q_2exp(t, t, z);
        e += (long)z;
    }
    p = buf;
    if (mpz_sgn(a->m) < 0)
        *p++ = '-';
    *p++ = '0';
    *p++ = 'x';
    mpz_get_str(p, 16, t);
    p += strlen(p);
    snprintf(p, size - (size_t)(p - buf), "p%+ld", mpz_sgn(a->m) ? e : 0L);
    mpz_clear(t);
    return buf;
}
