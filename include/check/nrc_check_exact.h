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
#include "nrc_check_kernels.h"
#include "nrc_status.h"

/* ---- dyadic rationals --------------------------------------------------- */

typedef struct {
    mpz_t m;
    long e;  /* value = m * 2^e */
} nrc_cdy;

/* Contracts (make proofs; TRUST BASE: check_dy.c is not proved): each
 * function reads its arguments and writes only the struct *r (r may alias a
 * or b); GMP's own limb memory is not modelled. */
/*@ requires \valid(a); assigns *a; */
void nrc_cdy_init(nrc_cdy *a);
/*@ requires \valid(a); assigns *a; */
void nrc_cdy_clear(nrc_cdy *a);
/*@ requires \valid(r) && \valid_read(a); assigns *r \from *a; */
void nrc_cdy_set(nrc_cdy *r, const nrc_cdy *a);
/*@ requires \valid(r); assigns *r \from x; */
void nrc_cdy_set_d(nrc_cdy *r, double x);          /* x finite: exact */
/*@ requires \valid(r); assigns *r \from x; */
void nrc_cdy_set_si(nrc_cdy *r, long x);
/*@ requires \valid(r) && \valid_read(m); assigns *r \from *m, e; */
void nrc_cdy_set_mpz(nrc_cdy *r, const mpz_t m, long e);
/*@ requires \valid(r) && \valid_read(a) && \valid_read(b); assigns *r \from *a, *b; */
void nrc_cdy_add(nrc_cdy *r, const nrc_cdy *a, const nrc_cdy *b);
/*@ requires \valid(r) && \valid_read(a) && \valid_read(b); assigns *r \from *a, *b; */
void nrc_cdy_sub(nrc_cdy *r, const nrc_cdy *a, const nrc_cdy *b);
/*@ requires \valid(r) && \valid_read(a) && \valid_read(b); assigns *r \from *a, *b; */
void nrc_cdy_mul(nrc_cdy *r, const nrc_cdy *a, const nrc_cdy *b);
/*@ requires \valid(r) && \valid_read(a); assigns *r \from *a, x; */
void nrc_cdy_mul_d(nrc_cdy *r, const nrc_cdy *a, double x);
/*@ requires \valid(r) && \valid_read(a); assigns *r \from *a, x; */
void nrc_cdy_add_d(nrc_cdy *r, const nrc_cdy *a, double x);
/*@ requires \valid(r) && \valid_read(a); assigns *r \from *a; */
void nrc_cdy_neg(nrc_cdy *r, const nrc_cdy *a);
/*@ requires \valid(r) && \valid_read(a); assigns *r \from *a; */
void nrc_cdy_abs(nrc_cdy *r, const nrc_cdy *a);
/*@ requires \valid(r) && \valid_read(a); assigns *r \from *a; */
void nrc_cdy_relu(nrc_cdy *r, const nrc_cdy *a);
/*@ requires \valid_read(a); assigns \result \from *a; */
int nrc_cdy_sgn(const nrc_cdy *a);
/*@ requires \valid_read(a) && \valid_read(b); assigns \result \from *a, *b; */
int nrc_cdy_cmp(const nrc_cdy *a, const nrc_cdy *b);
/*@ requires \valid_read(a); assigns \result \from *a, x; */
int nrc_cdy_cmp_d(const nrc_cdy *a, double x);
/* Nearest-ish double for messages only (not used in any decision). */
/*@ requires \valid_read(a); assigns \result \from *a; */
double nrc_cdy_get_d_approx(const nrc_cdy *a);
/* Exact rendering "[-]0xHEXp[+-]E" (a C99 hex constant of the exact value,
 * possibly with more digits than a binary64); allocated with nrc_malloc,
 * NULL when memory runs out. */
/*@ requires \valid_read(a);
    assigns \result \from *a;
    ensures \result == \null || valid_read_string(\result);
*/
char *nrc_cdy_get_hex(const nrc_cdy *a);

/* ---- fixed-point vectors (struct and kernels: nrc_check_kernels.h) ------ */

/* Contracts (make proofs; TRUST BASE: check_fix.c is not proved). The
 * conversions write only the struct *f (and err->msg); on success f is a
 * well-formed vector of len entries (nrc_cfix_valid). */
/*@ requires \valid(f); assigns *f; */
void nrc_cfix_init(nrc_cfix *f);
/*@ requires \valid(f); assigns *f; */
void nrc_cfix_clear(nrc_cfix *f);

/* Exact conversion of len doubles x[0], x[stride], ... (all finite).
 * NRC_ERR_SYSTEM when memory runs out (f is then cleared). */
/*@ requires \valid(f);
    requires len == 0 || \valid_read(x + (0 .. (len - 1) * stride));
    requires err == \null || \valid(err);
    assigns *f, err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM;
    ensures \result == NRC_OK ==> nrc_cfix_valid(f) && f->len == len;
*/
nrc_status nrc_cfix_set_d(nrc_cfix *f, const double *x, size_t len, size_t stride,
                          nrc_error *err);
/* Exact conversion of len integers at exponent e. */
/*@ requires \valid(f);
    requires len == 0 || \valid_read(vals + (0 .. len - 1));
    requires err == \null || \valid(err);
    assigns *f, err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM;
    ensures \result == NRC_OK ==> nrc_cfix_valid(f) && f->len == len;
*/
nrc_status nrc_cfix_set_mpz(nrc_cfix *f, const mpz_t *vals, size_t len, long e,
                            nrc_error *err);

/* Exact dot product of the whole vectors a and b into r (scratch: two
 * buffers of at least a->limbs + b->limbs + 1 limbs). */
/*@ requires nrc_cfix_valid((nrc_cfix *)a) && nrc_cfix_valid((nrc_cfix *)b);
    requires a->len == b->len;
    requires \valid(r);
    requires \valid(scratch_pos + (0 .. a->limbs + b->limbs));
    requires \valid(scratch_neg + (0 .. a->limbs + b->limbs));
    requires \separated(scratch_pos + (0 .. a->limbs + b->limbs),
                        scratch_neg + (0 .. a->limbs + b->limbs));
    assigns *r, scratch_pos[0 .. a->limbs + b->limbs],
            scratch_neg[0 .. a->limbs + b->limbs];
*/
void nrc_cfix_dot(nrc_cdy *r, const nrc_cfix *a, const nrc_cfix *b,
                  uint64_t *scratch_pos, uint64_t *scratch_neg);

/* sum_t a_t b_t where idx (ascending, nidx entries) lists every t with
 * a_t != 0 (a superset is fine): the same value as nrc_cfix_dot, skipping
 * the zeros of a on the fast path. */
/*@ requires nrc_cfix_valid((nrc_cfix *)a) && nrc_cfix_valid((nrc_cfix *)b);
    requires a->len == b->len;
    requires nidx == 0 || \valid_read(idx + (0 .. nidx - 1));
    requires \forall integer u; 0 <= u < nidx ==> idx[u] < a->len;
    requires \valid(r);
    requires \valid(scratch_pos + (0 .. a->limbs + b->limbs));
    requires \valid(scratch_neg + (0 .. a->limbs + b->limbs));
    requires \separated(scratch_pos + (0 .. a->limbs + b->limbs),
                        scratch_neg + (0 .. a->limbs + b->limbs));
    assigns *r, scratch_pos[0 .. a->limbs + b->limbs],
            scratch_neg[0 .. a->limbs + b->limbs];
*/
void nrc_cfix_dot_support(nrc_cdy *r, const nrc_cfix *a, const nrc_cfix *b,
                          const size_t *idx, size_t nidx,
                          uint64_t *scratch_pos, uint64_t *scratch_neg);

/* Entry t of f as a dyadic. */
void nrc_cfix_get(nrc_cdy *r, const nrc_cfix *f, size_t t);

#endif
