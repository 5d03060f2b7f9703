/* The fast engine's rigorous binary64 toolkit (spec/DESIGN.md "Fast engine").
 *
 * Everything here runs in the default round-to-nearest mode (no rounding-mode
 * switches: BLAS threads and the compiler do not honour them, spec/NUMERICS.md)
 * and obtains directed rounding by error-free transformations (TwoSum, FMA
 * residuals) or, where those are not exact (underflow), by one nextafter
 * step, which always bounds a round-to-nearest result.
 *
 * Guarantees (exact real arithmetic on the binary64 arguments):
 *   nrc_fast_X_down(a, b) <= a X b <= nrc_fast_X_up(a, b)
 * for X in add, sub, mul, div, and sqrt_down(a)^2 <= a <= sqrt_up(a)^2.
 * A result that overflows or is NaN is returned as the safe infinity
 * (-INFINITY for _down, +INFINITY for _up), which decides nothing.
 *
 * Also: the interval helpers used by the pipeline (pure functions on
 * [lo, hi] pairs with the same outward guarantee), the flush-to-zero /
 * denormals-are-zero check and the start-up self-test. */
#ifndef NRC_FAST_H
#define NRC_FAST_H
#include <stddef.h>
#include "nrc_status.h"

double nrc_fast_add_up(double a, double b);
double nrc_fast_add_down(double a, double b);
double nrc_fast_sub_up(double a, double b);
double nrc_fast_sub_down(double a, double b);
double nrc_fast_mul_up(double a, double b);
double nrc_fast_mul_down(double a, double b);
double nrc_fast_div_up(double a, double b);     /* b != 0, else +INFINITY */
double nrc_fast_div_down(double a, double b);   /* b != 0, else -INFINITY */
double nrc_fast_sqrt_up(double a);              /* a >= 0 (NaN input: +INF) */
double nrc_fast_sqrt_down(double a);            /* a >= 0; result >= 0 */

/* Interval [lo, hi] operations, outward: the result contains every
 * x op y with x in [alo, ahi], y in [blo, bhi]. */
void nrc_ia_add(double alo, double ahi, double blo, double bhi, double *lo, double *hi);
void nrc_ia_sub(double alo, double ahi, double blo, double bhi, double *lo, double *hi);
void nrc_ia_mul(double alo, double ahi, double blo, double bhi, double *lo, double *hi);
/* s * [alo, ahi] for a point s (two directed products instead of eight). */
void nrc_ia_scale(double s, double alo, double ahi, double *lo, double *hi);
/* Division by an interval that does not contain 0 (else [-inf, inf]). */
void nrc_ia_div(double alo, double ahi, double blo, double bhi, double *lo, double *hi);
/* Square of an interval (tight: contains 0 when the interval does). */
void nrc_ia_sqr(double alo, double ahi, double *lo, double *hi);
/* |x| for x in [alo, ahi]. */
void nrc_ia_abs(double alo, double ahi, double *lo, double *hi);

/* gamma_q = q u / (1 - q u), u = 2^-53, rounded up (Higham ch. 3);
 * +INFINITY when q u >= 1/2. */
double nrc_fast_gamma(size_t q);

/* NRC_OK when the floating-point environment gives IEEE gradual underflow:
 * neither flush-to-zero nor denormals-are-zero is in effect (checked both by
 * the MXCSR bits on x86 and by computing with subnormals). Otherwise
 * NRC_ERR_INTERNAL with a message naming the mode. */
nrc_status nrc_fast_check_fpenv(nrc_error *err);

/* Start-up self-test of an engine (spec/DESIGN.md guard rails): a dot product whose
 * exact value is tiny and positive but whose naive double evaluation is
 * negative must be enclosed by the engine with 0 inside (undecided), and the
 * exact arbiter must decide it positive; also a few directed-rounding
 * identities. NRC_ERR_INTERNAL when anything is off. */
struct nrc_engine;
nrc_status nrc_fast_selftest(struct nrc_engine *e, nrc_error *err);

#endif
