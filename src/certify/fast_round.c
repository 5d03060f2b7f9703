/* Directed rounding in round-to-nearest (include/certify/nrc_fast.h).
 *
 * add/sub: Knuth's TwoSum gives the exact error e = (a + b) - fl(a + b)
 * whenever fl(a + b) is finite; its sign says on which side the exact sum
 * lies.  mul: e = fma(a, b, -p) is exactly a b - p when |p| >= 2^-969
 * (no underflow of the residual, Boldo & Muller); below that we take one
 * nextafter step, which always bounds a round-to-nearest result.  div and
 * sqrt: one nextafter step, then the result is verified or adjusted by an
 * exact residual where that is simple. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "nrc_fast.h"
#include "fast_inline.h"

/* The public functions are the inline ones of fast_inline.h. */
double nrc_fast_add_up(double a, double b) { return fi_add_up(a, b); }
double nrc_fast_add_down(double a, double b) { return fi_add_down(a, b); }
double nrc_fast_sub_up(double a, double b) { return fi_sub_up(a, b); }
double nrc_fast_sub_down(double a, double b) { return fi_sub_down(a, b); }
double nrc_fast_mul_up(double a, double b) { return fi_mul_up(a, b); }
double nrc_fast_mul_down(double a, double b) { return fi_mul_down(a, b); }

double nrc_fast_div_up(double a, double b)
{
    double r;
    if (b == 0 || isnan(a) || isnan(b))
        return INFINITY;
    r = a / b;
    if (isnan(r))
        return INFINITY;
    if (!isfinite(r))
        return (r < 0 && isfinite(a) && isfinite(b)) ? -DBL_MAX : r;
    if (a == 0)
        return 0.0;
    return nextafter(r, INFINITY);
}

double nrc_fast_div_down(double a, double b)
{
    double r;
    if (b == 0 || isnan(a) || isnan(b))
        return -INFINITY;
    r = a / b;
    if (isnan(r))
        return -INFINITY;
    if (!isfinite(r))
        return (r > 0 && isfinite(a) && isfinite(b)) ? DBL_MAX : r;
    if (a == 0)
        return 0.0;
    return nextafter(r, -INFINITY);
}

/* sqrt is correctly rounded; step once and verify by squaring downward. */
double nrc_fast_sqrt_up(double a)
{
    double r;
    if (isnan(a) || a == INFINITY)
        return INFINITY;
    if (a <= 0)
        return 0.0;
    if (a < 0x1p-900)      /* scale by an even power of two: exact */
        return ldexp(nrc_fast_sqrt_up(ldexp(a, 200)), -100);
    r = sqrt(a);
    while (nrc_fast_mul_down(r, r) < a)
        r = nextafter(r, INFINITY);
    return r;
}

double nrc_fast_sqrt_down(double a)
{
    double r;
    if (isnan(a) || a <= 0)
        return 0.0;
    if (a == INFINITY)
        return DBL_MAX;
    if (a < 0x1p-900)
        return ldexp(nrc_fast_sqrt_down(ldexp(a, 200)), -100);
    r = sqrt(a);
    while (r > 0 && nrc_fast_mul_up(r, r) > a)
        r = nextafter(r, 0.0);
    return r;
}

double nrc_fast_gamma(size_t q)
{
    double qu, den;
    if (q >= ((size_t)1 << 52))
        return INFINITY;
    qu = (double)q * 0x1p-53;          /* exact */
    den = 1.0 - qu;                    /* exact for q < 2^52 */
    if (qu >= 0.5)
        return INFINITY;
    return nrc_fast_div_up(qu, den);
}

void nrc_ia_add(double alo, double ahi, double blo, double bhi, double *lo, double *hi)
{
    *lo = nrc_fast_add_down(alo, blo);
    *hi = nrc_fast_add_up(ahi, bhi);
}

void nrc_ia_sub(double alo, double ahi, double blo, double bhi, double *lo, double *hi)
{
    fi_ia_sub(alo, ahi, blo, bhi, lo, hi);
}

static double min4(double a, double b, double c, double d)
{
    double m = a;
    if (b < m) m = b;
    if (c < m) m = c;
    if (d < m) m = d;
    return m;
}

static double max4(double a, double b, double c, double d)
{
    double m = a;
    if (b > m) m = b;
    if (c > m) m = c;
    if (d > m) m = d;
    return m;
}

void nrc_ia_mul(double alo, double ahi, double blo, double bhi, double *lo, double *hi)
{
    if (isnan(alo) || isnan(ahi) || isnan(blo) || isnan(bhi)) {
        *lo = -INFINITY;
        *hi = INFINITY;
        return;
    }
    *lo = min4(nrc_fast_mul_down(alo, blo), nrc_fast_mul_down(alo, bhi),
               nrc_fast_mul_down(ahi, blo), nrc_fast_mul_down(ahi, bhi));
    *hi = max4(nrc_fast_mul_up(alo, blo), nrc_fast_mul_up(alo, bhi),
               nrc_fast_mul_up(ahi, blo), nrc_fast_mul_up(ahi, bhi));
    /* 0 * inf gives NaN -> safe infinities above; keep it conservative. */
}

void nrc_ia_scale(double s, double alo, double ahi, double *lo, double *hi)
{
    fi_ia_scale(s, alo, ahi, lo, hi);
}

void nrc_ia_div(double alo, double ahi, double blo, double bhi, double *lo, double *hi)
{
    if (!(blo > 0 || bhi < 0) || isnan(alo) || isnan(ahi)) {
        *lo = -INFINITY;
        *hi = INFINITY;
        return;
    }
    *lo = min4(nrc_fast_div_down(alo, blo), nrc_fast_div_down(alo, bhi),
               nrc_fast_div_down(ahi, blo), nrc_fast_div_down(ahi, bhi));
    *hi = max4(nrc_fast_div_up(alo, blo), nrc_fast_div_up(alo, bhi),
               nrc_fast_div_up(ahi, blo), nrc_fast_div_up(ahi, bhi));
}

void nrc_ia_abs(double alo, double ahi, double *lo, double *hi)
{
    if (alo >= 0) {
        *lo = alo;
        *hi = ahi;
    } else if (ahi <= 0) {
        *lo = -ahi;
        *hi = -alo;
    } else {
        *lo = 0.0;
        *hi = -alo > ahi ? -alo : ahi;
    }
}

void nrc_ia_sqr(double alo, double ahi, double *lo, double *hi)
{
    double l, h;
    nrc_ia_abs(alo, ahi, &l, &h);
    *lo = nrc_fast_mul_down(l, l);
    if (*lo < 0)
        *lo = 0.0;
    *hi = nrc_fast_mul_up(h, h);
}
