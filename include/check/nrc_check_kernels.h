/* The checker's integer kernels (src/check/check_hex.c, check_kern.c): the
 * exact hex-float parser and the fixed-point vector kernels.  No GMP and no
 * allocation here, plain loops over caller-provided buffers: these are the
 * files meant for Frama-C WP (memory safety, absence of overflow).
 * include/check/nrc_check_exact.h builds the exact arithmetic on top of them. */
#ifndef NRC_CHECK_KERNELS_H
#define NRC_CHECK_KERNELS_H
#include <stddef.h>
#include <stdint.h>
#ifdef __FRAMAC__
#include <errno.h>   /* make proofs only: ldexp may set errno */
#endif

/* ---- hex floats --------------------------------------------------------- */

/* Longest accepted hex string (bounds the parser's work). */
#define NRC_CHECK_HEX_MAX 1100

/* Parse s (NUL-terminated) as [+-]0x H* [. H*] p [+-] D+ (at least one hex
 * digit, exponent mandatory, as in C99's hexadecimal-floating-constant plus
 * an optional sign).  Returns 1 and sets *out when the value is exactly a
 * finite binary64 (the conversion is done from the exact integer mantissa
 * and exponent, never by strtod), 0 otherwise. */
/*@ requires s == \null || valid_read_string(s);
    requires \valid(out);
    assigns *out, errno;
    ensures \result == 0 || \result == 1;
*/
int nrc_check_hex_parse(const char *s, double *out);

/* Write x exactly as "%a"-style hex into buf (size >= 32). */
/*@ requires size >= 1 && \valid(buf + (0 .. size - 1));
    assigns buf[0 .. size - 1];
*/
void nrc_check_hex_format(double x, char *buf, size_t size);

/* ---- fixed-point vectors ------------------------------------------------ */

/* A vector of integers at one binary exponent: entry t is
 * (-1)^neg[t] * mag[t] * 2^e, mag[t] in `limbs` 64-bit limbs. */
typedef struct {
    size_t len;      /* number of entries */
    size_t limbs;    /* 64-bit limbs per entry magnitude (>= 1) */
    long e;          /* common exponent: entry t = (-1)^neg[t] mag[t] 2^e */
    uint64_t *mag;   /* (len, limbs), least significant limb first */
    unsigned char *neg; /* (len) 1 if the entry is negative */
    int64_t *dig;    /* (len, 2) signed radix-2^52 digits (lo, hi) when every
                        magnitude fits 104 bits and the compiler has 128-bit
                        integers (fast dot product); else NULL */
} nrc_cfix;

#ifdef __FRAMAC__
/* Shared by the contracts of check_kern.c, check_fix.c and the claim steps
 * (make proofs only): a well-formed fixed-point vector.  Its buffers hold
 * len * limbs magnitude limbs, len signs and, when present, 2 len digits,
 * and none of them overlaps the struct itself. */
/*@ predicate nrc_cfix_valid(nrc_cfix *f) =
      \valid(f) && f->limbs >= 1 && f->len * f->limbs <= SIZE_MAX &&
      2 * f->len <= SIZE_MAX &&
      (f->len == 0 ||
       (\valid(f->mag + (0 .. f->len * f->limbs - 1)) &&
        \valid(f->neg + (0 .. f->len - 1)) &&
        \separated(f, f->mag + (0 .. f->len * f->limbs - 1)) &&
        \separated(f, f->neg + (0 .. f->len - 1)))) &&
      (f->dig == \null ||
       (\valid(f->dig + (0 .. 2 * f->len - 1)) &&
        \separated(f, f->dig + (0 .. 2 * f->len - 1))));
*/
#endif

#ifdef __FRAMAC__
#include "nrc_check_kern_acsl.h"   /* spec/acsl: logic of the kernels */
/*@ // x[0], x[stride], ..., x[(len - 1) stride] are readable.
    predicate nrc_kern_strided{L}(double *x, integer len, integer stride) =
      len == 0 || ((len - 1) * stride <= SIZE_MAX &&
                   \valid_read(x + (0 .. (len - 1) * stride)));
*/
#endif

/* Kernel: scan doubles for the common exponent (minimum exponent of the
 * lowest set bit over nonzero entries; 0 if all are zero) and the number of
 * limbs that every entry's magnitude needs at that exponent.  The entries
 * x[t * stride], t < len, must be finite (the checker validates its inputs
 * first): a non-finite one is read as if its exponent field were ordinary. */
/*@ requires nrc_kern_strided(x, len, stride);
    requires \valid(e) && \valid(limbs) && \separated(e, limbs);
    requires \separated(e, x + (0 .. (len - 1) * stride));
    requires \separated(limbs, x + (0 .. (len - 1) * stride));
    assigns *e, *limbs;
    ensures limbs_range: 1 <= *limbs <= 34;
    ensures e_range: -1074 <= *e <= 1035;
    ensures fits: nrc_cfix_fits_d(x, len, stride, *e, *limbs);
*/
void nrc_cfix_scan_d(const double *x, size_t len, size_t stride, long *e,
                     size_t *limbs);
/* Kernel: fill caller-provided mag (len * limbs) and neg (len) buffers,
 * with e and limbs as nrc_cfix_scan_d computed them for the same x. */
/*@ requires nrc_kern_strided(x, len, stride);
    requires limbs >= 1 && len * limbs <= SIZE_MAX;
    requires -1074 <= e <= 1035;
    requires len == 0 || (\valid(mag + (0 .. len * limbs - 1)) &&
                          \valid(neg + (0 .. len - 1)));
    requires \separated(mag + (0 .. len * limbs - 1), neg + (0 .. len - 1),
                         x + (0 .. (len - 1) * stride));
    requires fits: nrc_cfix_fits_d(x, len, stride, e, limbs);
    assigns mag[0 .. len * limbs - 1], neg[0 .. len - 1];
    ensures signs: \forall integer t; 0 <= t < len ==> neg[t] <= 1;
*/
void nrc_cfix_fill_d(const double *x, size_t len, size_t stride, long e,
                     size_t limbs, uint64_t *mag, unsigned char *neg);

/* Kernel: exact dot product of a and b accumulated into two caller-provided
 * unsigned accumulators of acc_limbs = a->limbs + b->limbs + 1 limbs each
 * (zeroed by the kernel): sum = pos - neg, at exponent a->e + b->e.
 * a->len == b->len is required; len < 2^64 so the accumulators cannot
 * overflow. */
#ifdef __FRAMAC__
/*@ // Caller-provided accumulators for the dot product of a and b: n limbs
    // each, apart from each other and from everything a and b hold.
    predicate nrc_kern_acc{L}(nrc_cfix *a, nrc_cfix *b, uint64_t *pos,
                              uint64_t *neg, integer n) =
      n == a->limbs + b->limbs + 1 && a->len == b->len &&
      \valid(pos + (0 .. n - 1)) && \valid(neg + (0 .. n - 1)) &&
      \separated(pos + (0 .. n - 1), neg + (0 .. n - 1)) &&
      \separated(pos + (0 .. n - 1), a, b,
                  a->mag + (0 .. a->len * a->limbs - 1), a->neg + (0 .. a->len - 1),
                  b->mag + (0 .. b->len * b->limbs - 1), b->neg + (0 .. b->len - 1)) &&
      \separated(neg + (0 .. n - 1), a, b,
                  a->mag + (0 .. a->len * a->limbs - 1), a->neg + (0 .. a->len - 1),
                  b->mag + (0 .. b->len * b->limbs - 1), b->neg + (0 .. b->len - 1));
*/
#endif
/*@ requires nrc_cfix_valid(a) && nrc_cfix_valid(b);
    requires nrc_kern_acc(a, b, pos, neg, acc_limbs);
    assigns pos[0 .. acc_limbs - 1], neg[0 .. acc_limbs - 1];
*/
void nrc_cfix_dot_acc(const nrc_cfix *a, const nrc_cfix *b,
                      uint64_t *pos, uint64_t *neg, size_t acc_limbs);
/* The same result by plain limb loops only (no 128-bit integer type): the
 * portable reference, and the path WP sees.  nrc_cfix_dot_acc uses a
 * register-accumulator fast path for entries of at most two limbs where the
 * compiler has 128-bit integers, and this function otherwise. */
/*@ requires nrc_cfix_valid(a) && nrc_cfix_valid(b);
    requires nrc_kern_acc(a, b, pos, neg, acc_limbs);
    assigns pos[0 .. acc_limbs - 1], neg[0 .. acc_limbs - 1];
*/
void nrc_cfix_dot_acc_ref(const nrc_cfix *a, const nrc_cfix *b,
                          uint64_t *pos, uint64_t *neg, size_t acc_limbs);

#endif
