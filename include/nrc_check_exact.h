/* Exact arithmetic of the independent checker (src/check): its own hex-float
 * parser, dyadic rationals and fixed-point big-integer vectors.  Nothing here
 * is shared with the certifier; nothing here rounds.
 *
 * - Hex floats (check_hex.c): C99 hexadecimal constants whose value is
 *   exactly a finite binary64; anything else is rejected.
 * - Dyadics (check_dy.c): m * 2^e with m an mpz integer, e a long.  Every
 *   quantity the certificate talks about is a polynomial in stored doubles,
 *   hence a dyadic: sums, products, signs and comparisons are exact.
 * - Fixed-point vectors (check_fix.c): one exponent E per vector and every
 *   entry an integer multiple of 2^E, stored as sign + magnitude in a fixed
 *   number of 64-bit limbs.  A dot product of two such vectors is an exact
 *   integer at exponent Ea + Eb, accumulated without any per-term rational.
 *   The kernels work on caller-provided buffers (WP-friendly: plain loops,
 *   no allocation inside). */
#ifndef NRC_CHECK_EXACT_H
#define NRC_CHECK_EXACT_H
#include <stddef.h>
#include <stdint.h>
#include <gmp.h>
#include "nrc_status.h"

/* ---- hex floats --------------------------------------------------------- */

/* Longest accepted hex string (bounds the parser's work). */
#define NRC_CHECK_HEX_MAX 1100

/* Parse s (NUL-terminated) as [+-]0x H* [. H*] p [+-] D+ (at least one hex
 * digit, exponent mandatory, as in C99's hexadecimal-floating-constant plus
 * an optional sign).  Returns 1 and sets *out when the value is exactly a
 * finite binary64 (the conversion is done from the exact integer mantissa
 * and exponent, never by strtod), 0 otherwise. */
int nrc_check_hex_parse(const char *s, double *out);

/* Write x exactly as "%a"-style hex into buf (size >= 32). */
void nrc_check_hex_format(double x, char *buf, size_t size);

/* ---- dyadic rationals --------------------------------------------------- */

typedef struct {
    mpz_t m;
    long e;  /* value = m * 2^e */
} nrc_cdy;

void nrc_cdy_init(nrc_cdy *a);
void nrc_cdy_clear(nrc_cdy *a);
void nrc_cdy_set(nrc_cdy *r, const nrc_cdy *a);
void nrc_cdy_set_d(nrc_cdy *r, double x);          /* x finite: exact */
void nrc_cdy_set_si(nrc_cdy *r, long x);
void nrc_cdy_set_mpz(nrc_cdy *r, const mpz_t m, long e);
void nrc_cdy_add(nrc_cdy *r, const nrc_cdy *a, const nrc_cdy *b);
void nrc_cdy_sub(nrc_cdy *r, const nrc_cdy *a, const nrc_cdy *b);
void nrc_cdy_mul(nrc_cdy *r, const nrc_cdy *a, const nrc_cdy *b);
void nrc_cdy_mul_d(nrc_cdy *r, const nrc_cdy *a, double x);
void nrc_cdy_add_d(nrc_cdy *r, const nrc_cdy *a, double x);
void nrc_cdy_neg(nrc_cdy *r, const nrc_cdy *a);
void nrc_cdy_abs(nrc_cdy *r, const nrc_cdy *a);
void nrc_cdy_relu(nrc_cdy *r, const nrc_cdy *a);
int nrc_cdy_sgn(const nrc_cdy *a);
int nrc_cdy_cmp(const nrc_cdy *a, const nrc_cdy *b);
int nrc_cdy_cmp_d(const nrc_cdy *a, double x);
/* Nearest-ish double for messages only (not used in any decision). */
double nrc_cdy_get_d_approx(const nrc_cdy *a);
/* Exact rendering "[-]0xHEXp[+-]E" (a C99 hex constant of the exact value,
 * possibly with more digits than a binary64); allocated with nrc_malloc,
 * NULL when memory runs out. */
char *nrc_cdy_get_hex(const nrc_cdy *a);

/* ---- fixed-point vectors ------------------------------------------------ */

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

void nrc_cfix_init(nrc_cfix *f);
void nrc_cfix_clear(nrc_cfix *f);

/* Exact conversion of len doubles x[0], x[stride], ... (all finite).
 * NRC_ERR_SYSTEM when memory runs out (f is then cleared). */
nrc_status nrc_cfix_set_d(nrc_cfix *f, const double *x, size_t len, size_t stride,
                          nrc_error *err);
/* Exact conversion of len integers at exponent e. */
nrc_status nrc_cfix_set_mpz(nrc_cfix *f, const mpz_t *vals, size_t len, long e,
                            nrc_error *err);

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

/* Exact dot product of the whole vectors a and b into r (scratch: two
 * buffers of at least a->limbs + b->limbs + 1 limbs). */
void nrc_cfix_dot(nrc_cdy *r, const nrc_cfix *a, const nrc_cfix *b,
                  uint64_t *scratch_pos, uint64_t *scratch_neg);

/* sum_t a_t b_t where idx (ascending, nidx entries) lists every t with
 * a_t != 0 (a superset is fine): the same value as nrc_cfix_dot, skipping
 * the zeros of a on the fast path. */
void nrc_cfix_dot_support(nrc_cdy *r, const nrc_cfix *a, const nrc_cfix *b,
                          const size_t *idx, size_t nidx,
                          uint64_t *scratch_pos, uint64_t *scratch_neg);

/* Entry t of f as a dyadic. */
void nrc_cfix_get(nrc_cdy *r, const nrc_cfix *f, size_t t);

#endif
