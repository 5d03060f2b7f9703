/* ACSL logic for the checker's fixed-point kernels (src/check/check_kern.c;
 * contracts in include/check/nrc_check_kernels.h, which includes this file under
 * #ifdef __FRAMAC__ after the nrc_cfix struct).  Seen only by Frama-C.
 *
 * The kernels split a double through its IEEE-754 binary64 bit pattern b
 * (an integer in [0, 2^64)): exponent field X = (b / 2^52) % 2048, fraction
 * F = b % 2^52, sign b / 2^63.  A nonzero finite |x| is M0 2^E0 with
 * M0 = F (X = 0, subnormal) or F + 2^52, E0 = -1074 or X - 1075; the kernel
 * strips the trailing zero bits of M0 (at most 52 of them), giving the odd m
 * and the exponent e of the lowest set bit.  The logic functions below
 * follow the C code step for step (six halving steps, no recursion: the
 * provers unfold recursive definitions without end), so that the values the
 * scan and the fill compute from the same double are provably the same. */
#ifndef NRC_CHECK_KERN_ACSL_H
#define NRC_CHECK_KERN_ACSL_H

/*@
  // The bit pattern of a double, as the kernel reads it (an 8-byte memcpy,
  // function dbits in check_kern.c, not proved: TRUST BASE).  Declared only:
  // no axiom, nothing is assumed about it except that it is a function of
  // the value (its range comes from dbits' uint64_t result).
  axiomatic NrcDoubleBits {
    logic integer nrc_dbits(double x);
  }

  logic integer nrc_bexp(integer b) = (b / 4503599627370496) % 2048;
  logic integer nrc_bfrac(integer b) = b % 4503599627370496;
  // +0.0 or -0.0
  predicate nrc_bzero(integer b) = nrc_bexp(b) == 0 && nrc_bfrac(b) == 0;
  logic integer nrc_bmant(integer b) =
      nrc_bexp(b) == 0 ? nrc_bfrac(b) : nrc_bfrac(b) + 4503599627370496;
  logic integer nrc_bexp0(integer b) =
      nrc_bexp(b) == 0 ? -1074 : nrc_bexp(b) - 1075;

  // One step of the trailing-zero strip (s = 2^j): divide by s when s
  // divides m.  Six steps (j = 32, 16, 8, 4, 2, 1) strip every trailing zero
  // of a nonzero m < 2^64.
  logic integer nrc_tz_q(integer m, integer s) = m % s == 0 ? m / s : m;
  logic integer nrc_tz_c(integer m, integer s, integer j) = m % s == 0 ? j : 0;

  // |x| = nrc_split_m(b) 2^nrc_split_e(b) for the bit pattern b of a nonzero
  // finite x, nrc_split_m(b) odd.
  logic integer nrc_split_m(integer b) =
      \let m0 = nrc_bmant(b);
      \let m1 = nrc_tz_q(m0, 4294967296);
      \let m2 = nrc_tz_q(m1, 65536);
      \let m3 = nrc_tz_q(m2, 256);
      \let m4 = nrc_tz_q(m3, 16);
      \let m5 = nrc_tz_q(m4, 4);
      nrc_tz_q(m5, 2);
  logic integer nrc_split_e(integer b) =
      \let m0 = nrc_bmant(b);
      \let m1 = nrc_tz_q(m0, 4294967296);
      \let m2 = nrc_tz_q(m1, 65536);
      \let m3 = nrc_tz_q(m2, 256);
      \let m4 = nrc_tz_q(m3, 16);
      \let m5 = nrc_tz_q(m4, 4);
      nrc_bexp0(b) + nrc_tz_c(m0, 4294967296, 32) + nrc_tz_c(m1, 65536, 16) +
        nrc_tz_c(m2, 256, 8) + nrc_tz_c(m3, 16, 4) + nrc_tz_c(m4, 4, 2) +
        nrc_tz_c(m5, 2, 1);

  // Bit length of 0 <= m < 2^64 by the same six steps (s = 2^j): divide by
  // s when m >= s; what is left is 0 or 1.
  logic integer nrc_bl_q(integer m, integer s) = m >= s ? m / s : m;
  logic integer nrc_bl_c(integer m, integer s, integer j) = m >= s ? j : 0;
  logic integer nrc_bitlen(integer m) =
      \let m1 = nrc_bl_q(m, 4294967296);
      \let m2 = nrc_bl_q(m1, 65536);
      \let m3 = nrc_bl_q(m2, 256);
      \let m4 = nrc_bl_q(m3, 16);
      \let m5 = nrc_bl_q(m4, 4);
      \let m6 = nrc_bl_q(m5, 2);
      nrc_bl_c(m, 4294967296, 32) + nrc_bl_c(m1, 65536, 16) + nrc_bl_c(m2, 256, 8) +
        nrc_bl_c(m3, 16, 4) + nrc_bl_c(m4, 4, 2) + nrc_bl_c(m5, 2, 1) + m6;

  // Entry t of the strided vector x: its bit pattern.
  logic integer nrc_xbits{L}(double *x, integer stride, integer t) =
      nrc_dbits(\at(x[t * stride], L));

  // e and limbs fit every nonzero entry of x (what nrc_cfix_scan_d
  // computes and nrc_cfix_fill_d needs): each lowest set bit is at or above
  // 2^e and each highest set bit below 2^(e + 64 limbs).
  predicate nrc_cfix_fits_d{L}(double *x, integer len, integer stride,
                               integer e, integer limbs) =
      \forall integer t; 0 <= t < len && !nrc_bzero(nrc_xbits{L}(x, stride, t)) ==>
          e <= nrc_split_e(nrc_xbits{L}(x, stride, t)) &&
          nrc_split_e(nrc_xbits{L}(x, stride, t)) < e + 64 * limbs &&
          nrc_split_e(nrc_xbits{L}(x, stride, t)) +
            nrc_bitlen(nrc_split_m(nrc_xbits{L}(x, stride, t))) <= e + 64 * limbs;

  // Row-major offsets: row t < n of width l ends within n l.  (Nonlinear:
  // stated once, proved as a goal, used by the provers at each access.)
  lemma nrc_kern_row_fits: \forall integer t, n, l;
      0 <= t < n && 0 <= l ==> t * l + l <= n * l;
*/

#endif
