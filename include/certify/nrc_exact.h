/* The exact arbiter (spec/DESIGN.md "Exact arbiter").
 *
 * A binary64 is a dyadic rational m 2^e, so sums of products of doubles are
 * exact dyadic rationals.  The arbiter computes them exactly with Arb's arf_t
 * at ARF_PREC_EXACT (a big-integer mantissa with an exponent: fixed-point
 * big-integer accumulation without a fixed word size).  It decides everything
 * the engines leave undecided and is shared by every engine; its results are
 * exact, so its verdicts are TRUE or FALSE, and UNKNOWN only on failure.
 *
 * z (spec/MATH.md section 5) is represented exactly as a vector of arf_t:
 * z_t = sum_{l in I} y_l X[l][t].
 */
#ifndef NRC_EXACT_H
#define NRC_EXACT_H
#include <stddef.h>
#include <arf.h>
#include "nrc_status.h"

/* out = sum_{t<q} a[t*inca] * b[t*incb], exactly. */
void nrc_exact_dot(arf_t out, size_t q, const double *a, size_t inca,
                   const double *b, size_t incb);
/* out = sum_t a[t] * z[t] with z exact. */
void nrc_exact_dot_arf(arf_t out, size_t q, const double *a, const arf_struct *z);
/* out = sum_t z[t]^2. */
void nrc_exact_sumsq_arf(arf_t out, size_t q, const arf_struct *z);

/* Exact vector of dyadics. */
typedef struct {
    size_t len;
    arf_struct *v;
} nrc_xvec;
/* len may be 0. NRC_ERR_SYSTEM when memory runs out (vector left empty). */
nrc_status nrc_xvec_init(nrc_xvec *x, size_t len, nrc_error *err);
void nrc_xvec_clear(nrc_xvec *x);   /* accepts a cleared vector */

/* z = sum over idx (or all n rows when idx == NULL) of y[l] * X[l][:]:
 * X (n, d) row-major; z must have length d. */
void nrc_exact_direction(nrc_xvec *z, size_t n, size_t d, const double *X,
                         const double *y, const size_t *idx, size_t nidx);

/* a = <w, x> + b (b may be NULL: no bias), exactly. */
void nrc_exact_preact(arf_t a, size_t d, const double *w, const double *x,
                      const double *b);

/* Exact network value along a ray, spec/MATH.md section 6:
 *   out = sum_j v[j] * relu(a[j] - t * c[j])
 * with a, c exact (k entries each) and t exact. t = 0 gives N(x). */
void nrc_exact_ray(arf_t out, size_t k, const arf_struct *a, const arf_struct *c,
                   double t, const double *v);

/* Directed conversion to binary64, verified by exact comparison (correct in
 * the subnormal range too). Values beyond the binary64 range give
 * +-INFINITY on the outer side (lo = -INF or hi = +INF), DBL_MAX inside. */
double nrc_exact_get_lo(const arf_t x);   /* largest double <= x */
double nrc_exact_get_hi(const arf_t x);   /* smallest double >= x */

/* Sign of an exact value: -1, 0, +1. */
int nrc_exact_sgn(const arf_t x);

/* Three-valued comparisons of exact values with doubles, for callers that
 * need a truth value: NRC_TRUE iff x < d (resp. <=). Never UNKNOWN (exact). */
nrc_truth nrc_exact_lt_d(const arf_t x, double d);
nrc_truth nrc_exact_le_d(const arf_t x, double d);

#endif
