/* Untrusted search used by certify (binary64, no error bounds: names end in
 * _approx / _d).  Their results are only ever inputs to certified checks. */
#ifndef NRC_CERT_SEARCH_H
#define NRC_CERT_SEARCH_H
#include <stddef.h>
#include "nrc_status.h"

/* The breakpoint sweep of spec/MATH.md section 6 on f(t) = p sum_j v_j
 * relu(a_j - p t c_j), t >= 0, in binary64.  Returns 1 and the first crossing
 * t* > 0 with f < 0 just after it (*tstar), and *tnext, the next breakpoint
 * after t* (+INFINITY if none); returns 0 when f never becomes negative.
 * work must hold 2k doubles and k size_t (idx). */
int nrc_flip_sweep_approx(size_t k, const double *a, const double *c,
                          const double *v, int p, double *tstar, double *tnext,
                          double *work, size_t *idx);

/* Candidate binary64 scales just past t* (at most 4, tried in order):
 * t*(1 + 2^-30) rounded up, midpoints towards tnext, ... (ascending); when
 * tnext is within 2^-30 of t* (clustered breakpoints), t*(1 + 2^-20) and
 * t*(1 + 2^-12) past the cluster first, then the midpoint to tnext.
 * Returns how many. */
int nrc_flip_scales_approx(double tstar, double tnext, double s[4]);

/* NNLS: lambda = argmin_{lambda >= 0} 1/2 lambda^T K lambda - rhs^T lambda
 * for a symmetric positive semi-definite K (n, n): projected coordinate
 * descent, then an exact-support polish by Cholesky.  Untrusted.  Returns
 * NRC_ERR_SYSTEM on memory failure only.  *kkt_violation receives
 * max_i |min(lambda_i, (K lambda - rhs)_i)| scaled by max|rhs|. */
nrc_status nrc_nnls_d(size_t n, const double *K, const double *rhs,
                      double *lambda, int max_sweeps, double *kkt_violation,
                      nrc_error *err);

#endif
