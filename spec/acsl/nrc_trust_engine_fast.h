/* Contracts of the trust base for the proof of src/certify/engine_fast.c's
 * error-bound kernels (make proofs pre-includes this file, with
 * nrc_trust_train.h for nrc_dgemm, for the proofs/FILES line that names it;
 * the compiler never sees it). Each is the least the proved callers need;
 * each is listed in proofs/README.md. */
#ifndef NRC_ACSL_TRUST_ENGINE_FAST_H
#define NRC_ACSL_TRUST_ENGINE_FAST_H
#include <stddef.h>
#include <errno.h>
#include <math.h>
#include "nrc_fast.h"
#include "nrc_train_acsl.h"   /* the ghost lemma functions (proved here too) */

/* Frama-C's isfinite / isnan macros dispatch on sizeof (float or double):
 * every argument in the proved code is a double, so the float branch is
 * dead code that the smoke tests report. Redirected to the double
 * classification functions of Frama-C's libc (their contracts). */
#undef isfinite
#define isfinite(x) __finite(x)
#undef isnan
#define isnan(x) (__fc_fpclassify(x) == FP_NAN)

/* src/certify/fast_round.c (proved, or not, on its own): values, and errno
 * through nextafter / ldexp / sqrt. */
/*@ assigns errno, \result \from q; */
double nrc_fast_gamma(size_t q);
/*@ assigns errno, \result \from a, b; */
double nrc_fast_div_up(double a, double b);
/*@ assigns errno, \result \from a, b; */
double nrc_fast_div_down(double a, double b);
/*@ assigns errno, \result \from a; */
double nrc_fast_sqrt_up(double a);

/* glibc nextafter and fma (Frama-C's libc declares them without a
 * contract): values, possibly errno (range errors). */
/*@ assigns errno, \result \from x, y; */
extern double nextafter(double x, double y);
/*@ assigns errno, \result \from x, y, z; */
extern double fma(double x, double y, double z);

#endif
