/* The checker's integer kernels (src/check/check_hex.c, check_kern.c): the
 * exact hex-float parser and the fixed-point vector kernels.  No GMP and no
 * allocation here, plain loops over caller-provided buffers: these are the
 * files meant for Frama-C WP (memory safety, absence of overflow).
 * include/nrc_check_exact.h builds the exact arithmetic on top of them. */
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
/* Shared by the contracts of check_kern.c, check_fix.c and check_claims.c
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

/* Kernel: scan doubles for the common exponent (minimum exponent of the
 * lowest set bit over nonzero entries; 0 if all are zero) and the number of
 * limbs that every entry's magnitude needs at that exponent. */
void nrc_cfix_scan_d(const double *x, size_t len, size_t stride, long *e,
                     size_t *limbs);
/* Kernel: fill caller-provided mag (len * limbs) and neg (len) buffers. */
void nrc_cfix_fill_d(const double *x, size_t len, size_t stride, long e,
                     size_t limbs, uint64_t *mag, unsigned char *neg);

/* Kernel: exact dot product of a and b accumulated into two caller-provided
 * unsigned accumulators of acc_limbs = a->limbs + b->limbs + 1 limbs each
 * (zeroed by the kernel): sum = pos - neg, at exponent a->e + b->e.
 * a->len == b->len is required; len < 2^64 so the accumulators cannot
 * overflow. */
void nrc_cfix_dot_acc(const nrc_cfix *a, const nrc_cfix *b,
                      uint64_t *pos, uint64_t *neg, size_t acc_limbs);
/* The same result by plain limb loops only (no 128-bit integer type): the
 * portable reference, and the path WP sees.  nrc_cfix_dot_acc uses a
 * register-accumulator fast path for entries of at most two limbs where the
 * compiler has 128-bit integers, and this function otherwise. */
void nrc_cfix_dot_acc_ref(const nrc_cfix *a, const nrc_cfix *b,
                          uint64_t *pos, uint64_t *neg, size_t acc_limbs);

#endif
