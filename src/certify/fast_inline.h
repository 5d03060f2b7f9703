/* Private to src/certify: the directed-rounding primitives of
 * include/certify/nrc_fast.h as static inline functions, so that the element loops
 * of the fast engine and the claim pipeline (per-entry radii, the KKT
 * residual, the ray sums) do not pay a call per operation. fast_round.c
 * defines the public nrc_fast_* functions by these, so both give the same
 * bits. Derivations: fast_round.c and spec/CERTIFY.md. */
#ifndef NRC_FAST_INLINE_H
#define NRC_FAST_INLINE_H
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#ifdef __FRAMAC__
#include <errno.h>   /* make proofs only: fi_mul_up's contract names errno */
#endif

/* nextafter(x, +inf) / nextafter(x, -inf) for finite x, by the bit pattern
 * (libm's nextafter is a function call with errno handling: it dominated the
 * profile).  Adjacent doubles have adjacent bit patterns within a sign. */
/* Contract assumed, not proved (make proofs): the memcpy between a double
 * and a uint64_t is a pointer cast that WP's Typed model rejects. */
/*@ assigns \result \from x; */
static inline double fi_next_up(double x)
{
    uint64_t b;
    if (x == 0)
        return 0x1p-1074;
    memcpy(&b, &x, sizeof b);
    b = x > 0 ? b + 1 : b - 1;
    memcpy(&x, &b, sizeof b);
    return x;
}

/*@ assigns \result \from x; */
static inline double fi_next_down(double x)
{
    return -fi_next_up(-x);
}

/* Exact error of a + b when the rounded sum is finite. */
/*@ assigns \result \from a, b, s; */
static inline double fi_two_sum_err(double a, double b, double s)
{
    double bb = s - a;
    return (a - (s - bb)) + (b - bb);
}

/*@ assigns \result \from a, b; */
static inline double fi_add_up(double a, double b)
{
    double s = a + b;
    if (!isfinite(s)) {
        if (isnan(s))
            return INFINITY;
        /* +inf: exact may be finite but beyond DBL_MAX: +inf is an upper
         * bound. -inf from finite operands: exact < -DBL_MAX. */
        if (s < 0 && isfinite(a) && isfinite(b))
            return -DBL_MAX;
        return s;
    }
    return fi_two_sum_err(a, b, s) > 0 ? fi_next_up(s) : s;
}

/*@ assigns \result \from a, b; */
static inline double fi_add_down(double a, double b)
{
    double s = a + b;
    if (!isfinite(s)) {
        if (isnan(s))
            return -INFINITY;
        if (s > 0 && isfinite(a) && isfinite(b))
            return DBL_MAX;
        return s;
    }
    return fi_two_sum_err(a, b, s) < 0 ? fi_next_down(s) : s;
}

static inline double fi_sub_up(double a, double b) { return fi_add_up(a, -b); }
/*@ assigns \result \from a, b; */
static inline double fi_sub_down(double a, double b) { return fi_add_down(a, -b); }

/*@ assigns errno, \result \from a, b; */
static inline double fi_mul_up(double a, double b)
{
    double p = a * b;
    if (!isfinite(p)) {
        if (isnan(p))
            return INFINITY;
        if (p < 0 && isfinite(a) && isfinite(b))
            return -DBL_MAX;
        return p;
    }
    if (fabs(p) >= 0x1p-969) {
        double e = fma(a, b, -p);
        return e > 0 ? fi_next_up(p) : p;
    }
    if (a == 0 || b == 0)
        return 0.0;
    if (p == 0 && (a < 0) != (b < 0))
        return 0.0;                     /* exact product is negative */
    return nextafter(p, INFINITY);
}

static inline double fi_mul_down(double a, double b)
{
    double p = a * b;
    if (!isfinite(p)) {
        if (isnan(p))
            return -INFINITY;
        if (p > 0 && isfinite(a) && isfinite(b))
            return DBL_MAX;
        return p;
    }
    if (fabs(p) >= 0x1p-969) {
        double e = fma(a, b, -p);
        return e < 0 ? fi_next_down(p) : p;
    }
    if (a == 0 || b == 0)
        return 0.0;
    if (p == 0 && (a < 0) == (b < 0))
        return 0.0;                     /* exact product is positive */
    return nextafter(p, -INFINITY);
}

/* [lo, hi] = s [alo, ahi] (nrc_ia_scale) */
static inline void fi_ia_scale(double s, double alo, double ahi, double *lo, double *hi)
{
    if (isnan(s) || isnan(alo) || isnan(ahi)) {
        *lo = -INFINITY;
        *hi = INFINITY;
    } else if (s >= 0) {
        *lo = fi_mul_down(s, alo);
        *hi = fi_mul_up(s, ahi);
    } else {
        *lo = fi_mul_down(s, ahi);
        *hi = fi_mul_up(s, alo);
    }
}

/* [lo, hi] = [alo, ahi] - [blo, bhi] (nrc_ia_sub) */
static inline void fi_ia_sub(double alo, double ahi, double blo, double bhi, double *lo,
                             double *hi)
{
    *lo = fi_add_down(alo, -bhi);
    *hi = fi_add_up(ahi, -blo);
}

#endif
