/* The checker's exact matrix-product kernels (src/check/check_kern.c, its
 * last section): signed base-2^26 digits and the micro-kernels over them.
 * No GMP, no allocation: plain loops over caller-provided buffers, proved
 * with the rest of check_kern.c (make proofs). The GMP glue that drives them
 * is nrc_cfix_gemm (include/check/nrc_check_gemm.h). Apart from
 * nrc_check_kernels.h so that the files that include that header (the
 * proved claim checks) see the same text as before. */
#ifndef NRC_CHECK_DIGITS_H
#define NRC_CHECK_DIGITS_H
#include <stddef.h>
#include <stdint.h>
#include "nrc_check_kernels.h"

/* ---- exact matrix products: signed base-2^26 digits ----------------------
 *
 * For products of many vectors (GEMM-shaped: every row of X against every
 * row of W), the entries of a fixed-point vector whose magnitudes fit
 * 26 D bits (D <= 4, at most two limbs) are cut into D signed digits of 26
 * bits, int32_t, every digit carrying the entry's sign: entry =
 * sum_u dig[u] 2^(26 u), |dig[u]| < 2^26. A product of two digits is below
 * 2^52 in magnitude, so NRC_CDIG_CHUNK = 512 terms of D products each sum
 * in an int64_t without overflow (512 * 4 * (2^26 - 1)^2 < 2^63), and the
 * compiler turns the loops over the NRC_CDIG_NR = 8 columns of a panel into
 * vector multiply-adds (src/check/check_kern.c). A micro-kernel computes,
 * for one row (len <= NRC_CDIG_CHUNK terms, D digits each) and one panel of
 * 8 columns, the 2 D - 1 position sums S_p = sum over u + w = p of
 * sum_t a[t][u] b[t][w][c]; the exact dot product of column c is
 * sum_p S_p 2^(26 p), folded into sign-magnitude multi-limb accumulators
 * of NRC_CDIG_ACC_LIMBS limbs (nrc_cdig_fold). */
#define NRC_CDIG_BITS 26
#define NRC_CDIG_NR 8
#define NRC_CDIG_CHUNK 512
#define NRC_CDIG_MAXD 4
#define NRC_CDIG_ACC_LIMBS 5

#ifdef __FRAMAC__
/*@ // A digit: |x| < 2^26.
    predicate nrc_cdig_ok(integer x) = -67108863 <= x <= 67108863;
    // Every one of the first len entries of x is a digit.
    predicate nrc_cdig_all{L}(int32_t *x, integer len) =
      \forall integer i; 0 <= i < len ==> nrc_cdig_ok(x[i]);
    // The vectors f[0 .. nf - 1]: well-formed, at most two limbs, entries
    // t0 .. t0 + len - 1 present.
    predicate nrc_cdig_src{L}(nrc_cfix *f, integer nf, integer t0, integer len) =
      \forall integer c; 0 <= c < nf ==>
        nrc_cfix_valid(&f[c]) && f[c].limbs <= 2 && t0 + len <= f[c].len;
*/
#endif

/* Bit length of the largest magnitude of f (0 when every entry is 0). */
/*@ requires nrc_cfix_valid(f) && f->limbs <= 64;
    assigns \nothing;
    ensures \result <= 64 * f->limbs;
*/
size_t nrc_cfix_bits(const nrc_cfix *f);

/* Kernel: the digits of entries t0 .. t0 + len - 1 of f, D per entry, into
 * row[t D + u] (t from 0). The magnitudes must fit 26 D bits (higher bits
 * are not represented: nrc_cfix_bits(f) <= 26 D is the caller's check). */
/*@ requires nrc_cdig_src((nrc_cfix *)f, 1, t0, len);
    requires 1 <= D <= NRC_CDIG_MAXD && len * D <= SIZE_MAX;
    requires \valid(row + (0 .. len * D - 1));
    requires \separated(row + (0 .. len * D - 1), f, f->mag + (0 .. f->len * f->limbs - 1),
                        f->neg + (0 .. f->len - 1));
    assigns row[0 .. len * D - 1];
    ensures nrc_cdig_all(row, len * D);
*/
void nrc_cdig_row(const nrc_cfix *f, size_t t0, size_t len, size_t D, int32_t *row);

/* Kernel: a panel of the nb <= NRC_CDIG_NR vectors b[0 .. nb - 1], entries
 * t0 .. t0 + len - 1: panel[(t D + u) NRC_CDIG_NR + c] is digit u of entry
 * t0 + t of b[c], 0 for the columns c >= nb. */
/*@ requires nb <= NRC_CDIG_NR && nrc_cdig_src((nrc_cfix *)b, nb, t0, len);
    requires t0 + len <= SIZE_MAX;
    requires 1 <= D <= NRC_CDIG_MAXD && len * D * NRC_CDIG_NR <= SIZE_MAX;
    requires \valid(panel + (0 .. len * D * NRC_CDIG_NR - 1));
    requires \forall integer c; 0 <= c < nb ==>
        \separated(panel + (0 .. len * D * NRC_CDIG_NR - 1), &b[c],
                   b[c].mag + (0 .. b[c].len * b[c].limbs - 1), b[c].neg + (0 .. b[c].len - 1));
    assigns panel[0 .. len * D * NRC_CDIG_NR - 1];
    ensures nrc_cdig_all(panel, len * D * NRC_CDIG_NR);
*/
void nrc_cdig_panel(const nrc_cfix *b, size_t nb, size_t t0, size_t len, size_t D,
                    int32_t *panel);

/* Micro-kernels: one row a (len terms of D = 3, resp. 4, digits) against one
 * panel p (len terms, D digits, NRC_CDIG_NR columns): acc[q NRC_CDIG_NR + c]
 * := S_q for column c, q < 2 D - 1 (5, resp. 7, positions). */
/*@ requires len <= NRC_CDIG_CHUNK;
    requires \valid_read(a + (0 .. 3 * len - 1)) && nrc_cdig_all(a, 3 * len);
    requires \valid_read(p + (0 .. 3 * NRC_CDIG_NR * len - 1)) &&
             nrc_cdig_all(p, 3 * NRC_CDIG_NR * len);
    requires \valid(acc + (0 .. 5 * NRC_CDIG_NR - 1));
    requires \separated(acc + (0 .. 5 * NRC_CDIG_NR - 1), a + (0 .. 3 * len - 1),
                        p + (0 .. 3 * NRC_CDIG_NR * len - 1));
    assigns acc[0 .. 5 * NRC_CDIG_NR - 1];
    ensures \forall integer i; 0 <= i < 5 * NRC_CDIG_NR ==> -9223372036854775807 <= acc[i];
*/
void nrc_cdig_mk3(size_t len, const int32_t *a, const int32_t *p, int64_t *acc);
/*@ requires len <= NRC_CDIG_CHUNK;
    requires \valid_read(a + (0 .. 4 * len - 1)) && nrc_cdig_all(a, 4 * len);
    requires \valid_read(p + (0 .. 4 * NRC_CDIG_NR * len - 1)) &&
             nrc_cdig_all(p, 4 * NRC_CDIG_NR * len);
    requires \valid(acc + (0 .. 7 * NRC_CDIG_NR - 1));
    requires \separated(acc + (0 .. 7 * NRC_CDIG_NR - 1), a + (0 .. 4 * len - 1),
                        p + (0 .. 4 * NRC_CDIG_NR * len - 1));
    assigns acc[0 .. 7 * NRC_CDIG_NR - 1];
    ensures \forall integer i; 0 <= i < 7 * NRC_CDIG_NR ==> -9223372036854775807 <= acc[i];
*/
void nrc_cdig_mk4(size_t len, const int32_t *a, const int32_t *p, int64_t *acc);

/* Kernel: for each column c < nc, add sum_{q < P} acc[q NRC_CDIG_NR + c]
 * 2^(26 q) into column c's accumulators: the positive terms into
 * pos[c L .. c L + L - 1], the magnitudes of the negative ones into
 * neg[c L ..] (L = NRC_CDIG_ACC_LIMBS, least significant limb first). */
/*@ requires 1 <= P <= 2 * NRC_CDIG_MAXD - 1 && nc <= NRC_CDIG_NR;
    requires \valid_read(acc + (0 .. P * NRC_CDIG_NR - 1));
    requires \forall integer i; 0 <= i < P * NRC_CDIG_NR ==> -9223372036854775807 <= acc[i];
    requires \valid(pos + (0 .. nc * NRC_CDIG_ACC_LIMBS - 1));
    requires \valid(neg + (0 .. nc * NRC_CDIG_ACC_LIMBS - 1));
    requires \separated(pos + (0 .. nc * NRC_CDIG_ACC_LIMBS - 1),
                        neg + (0 .. nc * NRC_CDIG_ACC_LIMBS - 1), acc + (0 .. P * NRC_CDIG_NR - 1));
    assigns pos[0 .. nc * NRC_CDIG_ACC_LIMBS - 1], neg[0 .. nc * NRC_CDIG_ACC_LIMBS - 1];
*/
void nrc_cdig_fold(const int64_t *acc, size_t P, size_t nc, uint64_t *pos, uint64_t *neg);

#endif
