/* The checker's fixed-point kernels (include/check/nrc_check_kernels.h): exact
 * conversion of doubles to integers at a common exponent, and the exact
 * limb-by-limb dot product.  No GMP, no allocation: plain loops over
 * caller-provided buffers, the code meant for Frama-C WP (make proofs:
 * memory safety and no unsigned wraparound anywhere; logic in
 * spec/acsl/nrc_check_kern_acsl.h).
 *
 * A vector of doubles x_t = m_t 2^{e_t} (m_t odd) is stored at the common
 * exponent E = min_t e_t as integers M_t = m_t 2^{e_t - E}, sign and
 * magnitude apart, each magnitude in the same number of 64-bit limbs.  The
 * dot product of two such vectors is sum_t (+-) M_t M'_t, an exact integer at
 * exponent E + E': each limb product (64 x 64 -> 128 bits) is added into one
 * of two unsigned multi-limb accumulators (positive and negative terms).
 *
 * Every addition goes through adc (add with carry), which never wraps: the
 * carries are computed, not recovered from a wrapped sum.  Where the
 * compiler has 128-bit integers (and not under Frama-C, nor with
 * NRC_CHECK_PORTABLE) mul64 and adc use them; otherwise the portable code,
 * which is what WP proves and what tests/t-check_kern.c runs next to the
 * fast one. */
#include <string.h>
#include "nrc_check_kernels.h"

#if defined(__SIZEOF_INT128__) && !defined(__FRAMAC__) && !defined(NRC_CHECK_PORTABLE)
#define NRC_KERN_U128 1
__extension__ typedef unsigned __int128 nrc_u128;
#else
#define NRC_KERN_U128 0
#endif

#define TWO32 UINT64_C(4294967296)
#define TWO52 UINT64_C(4503599627370496)
#define TWO63 UINT64_C(9223372036854775808)

/* 64 x 64 -> 128 bit product: hi 2^64 + lo = a b. */
/*@ requires \valid(hi) && \valid(lo) && \separated(hi, lo);
    assigns *hi, *lo;
    ensures product: *hi * 18446744073709551616 + *lo == a * b;
    ensures bound: a * b <= 18446744073709551615 * 18446744073709551615;
*/
static inline void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
#if NRC_KERN_U128
    nrc_u128 p = (nrc_u128)a * b;
    *lo = (uint64_t)p;
    *hi = (uint64_t)(p >> 64);
#else
    /* 32-bit halves; % and / by 2^32 are the masks and shifts */
    uint64_t a0 = a % TWO32, a1 = a / TWO32;
    uint64_t b0 = b % TWO32, b1 = b / TWO32;
    uint64_t p00, p01, p10, p11, mid;
    /*@ assert a0 * b0 <= 4294967295 * 4294967295; */
    /*@ assert a0 * b1 <= 4294967295 * 4294967295; */
    /*@ assert a1 * b0 <= 4294967295 * 4294967295; */
    /*@ assert a1 * b1 <= 4294967295 * 4294967295; */
    p00 = a0 * b0;
    p01 = a0 * b1;
    p10 = a1 * b0;
    p11 = a1 * b1;
    mid = p00 / TWO32 + p01 % TWO32 + p10 % TWO32;
    /*@ assert a == a1 * 4294967296 + a0 && b == b1 * 4294967296 + b0; */
    /*@ assert (a1 * 4294967296 + a0) * (b1 * 4294967296 + b0) ==
            a1 * b1 * 18446744073709551616 + (a0 * b1 + a1 * b0) * 4294967296 + a0 * b0; */
    /*@ assert a * b == p11 * 18446744073709551616 + (p01 + p10) * 4294967296 + p00; */
    /*@ assert a * b <= 4294967295 * 4294967295 *
            (18446744073709551616 + 2 * 4294967296 + 1); */
    *lo = p00 % TWO32 + mid % TWO32 * TWO32;
    *hi = p11 + p01 / TWO32 + p10 / TWO32 + mid / TWO32;
#endif
}

/* 2^k for k < 64, by the binary digits of k (WP does not interpret
 * variable shifts; this is 1 << k). */
/*@ requires k < 64;
    assigns \nothing;
    ensures \result >= 1;
*/
static inline uint64_t pow2_64(size_t k)
{
    uint64_t p = 1;
    if (k >= 32) {
        p *= TWO32;
        k -= 32;
    }
    if (k >= 16) {
        p *= 65536u;
        k -= 16;
    }
    if (k >= 8) {
        p *= 256u;
        k -= 8;
    }
    if (k >= 4) {
        p *= 16u;
        k -= 4;
    }
    if (k >= 2) {
        p *= 4u;
        k -= 2;
    }
    if (k >= 1)
        p *= 2u;
    return p;
}

/* Add with carry: *s + 2^64 (result) = a + b + c, c and the result 0 or 1. */
/*@ requires \valid(s) && c <= 1;
    assigns *s;
    ensures sum: *s + \result * 18446744073709551616 == a + b + c;
    ensures carry: \result <= 1;
*/
static inline uint64_t adc(uint64_t a, uint64_t b, uint64_t c, uint64_t *s)
{
#if NRC_KERN_U128
    nrc_u128 t = (nrc_u128)a + b + c;
    *s = (uint64_t)t;
    return (uint64_t)(t >> 64);
#else
    uint64_t room = UINT64_MAX - a;
    if (b > room) {
        *s = b - room - 1 + c;
        return 1;
    }
    if (b == room && c != 0) {
        *s = 0;
        return 1;
    }
    *s = a + b + c;
    return 0;
#endif
}

/* The binary64 bit pattern of x.  Not proved (an 8-byte copy between a
 * double and a uint64_t is a cast WP's typed memory model does not follow):
 * its contract, in the trust base, says only that the result is a function
 * of x. */
/*@ assigns \nothing;
    ensures \result == nrc_dbits(x);
*/
static inline uint64_t dbits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* Split the bit pattern b of a nonzero finite double into |x| = m 2^e with
 * m odd (m < 2^53): the mantissa with its implicit bit (none for
 * subnormals), then its trailing zero bits (fewer than 53) moved into the
 * exponent by six halving steps of 32, 16, 8, 4, 2 and 1 bits. */
/*@ requires !nrc_bzero(b);
    requires \valid(m) && \valid(e) && \separated(m, e);
    assigns *m, *e;
    ensures m_value: *m == nrc_split_m(b);
    ensures e_value: *e == nrc_split_e(b);
    ensures m_range: 1 <= *m < 9007199254740992;
    ensures e_range: -1074 <= *e <= 1035;
*/
static void split_d(uint64_t b, uint64_t *m, long *e)
{
    uint64_t xf = b / TWO52 % 2048u, mm = b % TWO52;
    long ee = -1074;
    if (xf != 0) {
        mm += TWO52;
        ee = (long)xf - 1075;
    }
    if (mm % TWO32 == 0) {
        mm /= TWO32;
        ee += 32;
    }
    if (mm % 65536u == 0) {
        mm /= 65536u;
        ee += 16;
    }
    if (mm % 256u == 0) {
        mm /= 256u;
        ee += 8;
    }
    if (mm % 16u == 0) {
        mm /= 16u;
        ee += 4;
    }
    if (mm % 4u == 0) {
        mm /= 4u;
        ee += 2;
    }
    if (mm % 2u == 0) {
        mm /= 2u;
        ee += 1;
    }
    *m = mm;
    *e = ee;
}

/* Number of significant bits of m (0 for 0), by six halving steps. */
/*@ assigns \nothing;
    ensures value: \result == nrc_bitlen(m);
    ensures range: 0 <= \result <= 64;
    ensures nonzero: m != 0 ==> \result >= 1;
*/
static long bitlen64(uint64_t m)
{
    long b = 0;
    if (m >= TWO32) {
        m /= TWO32;
        b += 32;
    }
    if (m >= 65536u) {
        m /= 65536u;
        b += 16;
    }
    if (m >= 256u) {
        m /= 256u;
        b += 8;
    }
    if (m >= 16u) {
        m /= 16u;
        b += 4;
    }
    if (m >= 4u) {
        m /= 4u;
        b += 2;
    }
    if (m >= 2u) {
        m /= 2u;
        b += 1;
    }
    return b + (long)m;
}

void nrc_cfix_scan_d(const double *x, size_t len, size_t stride, long *e,
                     size_t *limbs)
{
    long emin = 0, top = 0;
    int any = 0;
    size_t t;
    /*@ loop invariant 0 <= t <= len;
        loop invariant any == 0 || any == 1;
        loop invariant any == 1 ==> -1074 <= emin <= 1035 && emin < top <= 1099;
        loop invariant \forall integer i; 0 <= i < t && !nrc_bzero(nrc_xbits(x, stride, i)) ==>
            any == 1 && emin <= nrc_split_e(nrc_xbits(x, stride, i)) &&
            nrc_split_e(nrc_xbits(x, stride, i)) +
              nrc_bitlen(nrc_split_m(nrc_xbits(x, stride, i))) <= top;
        loop assigns t, emin, top, any;
        loop variant len - t;
    */
    for (t = 0; t < len; t++) {
        uint64_t b, m;
        long ee, bl;
        /*@ assert t * stride + stride <= len * stride; */
        b = dbits(x[t * stride]);
        if (b / TWO52 % 2048u == 0 && b % TWO52 == 0)
            continue; /* +-0 */
        split_d(b, &m, &ee);
        bl = bitlen64(m);
        if (!any || ee < emin)
            emin = ee;
        if (!any || ee + bl > top)
            top = ee + bl;
        any = 1;
    }
    if (!any) {
        *e = 0;
        *limbs = 1;
        return;
    }
    *e = emin;
    *limbs = (size_t)((top - emin + 63) / 64); /* >= 1: top > emin */
}

void nrc_cfix_fill_d(const double *x, size_t len, size_t stride, long e,
                     size_t limbs, uint64_t *mag, unsigned char *neg)
{
    size_t t, u;
    /*@ loop invariant 0 <= t <= len;
        loop invariant \forall integer i; 0 <= i < t ==> neg[i] <= 1;
        loop assigns t, u, mag[0 .. len * limbs - 1], neg[0 .. len - 1];
        loop variant len - t;
    */
    for (t = 0; t < len; t++) {
        uint64_t b, m, hi, lo;
        long ee;
        size_t off, sh, word, bit;
        /*@ assert t * stride + stride <= len * stride; */
        /*@ assert t * limbs + limbs <= len * limbs; */
        b = dbits(x[t * stride]);
        off = t * limbs; /* row t: mag[off .. off + limbs - 1] */
        /*@ loop invariant 0 <= u <= limbs;
            loop assigns u, mag[off .. off + limbs - 1];
            loop variant limbs - u;
        */
        for (u = 0; u < limbs; u++)
            mag[off + u] = 0;
        neg[t] = 0;
        if (b / TWO52 % 2048u == 0 && b % TWO52 == 0)
            continue; /* +-0 */
        /*@ assert b == nrc_xbits{Pre}(x, stride, t); */
        /*@ assert fit: e <= nrc_split_e(b) && nrc_split_e(b) < e + 64 * limbs; */
        split_d(b, &m, &ee);
        neg[t] = (unsigned char)(b / TWO63);
        sh = (size_t)(ee - e);
        word = sh / 64;
        bit = sh % 64;
        /* m 2^bit = hi 2^64 + lo: lo into limb word, hi (0 when bit == 0)
         * into limb word + 1 when there is one (else hi == 0: the entry
         * fits, nrc_cfix_fits_d); the row was zeroed above. */
        mul64(m, pow2_64(bit), &hi, &lo);
        mag[off + word] = lo;
        if (bit != 0 && word + 1 < limbs)
            mag[off + word + 1] = hi;
    }
}

/* acc[from..] += carry, propagating. */
/*@ requires from <= acc_limbs;
    requires \valid(acc + (0 .. acc_limbs - 1));
    assigns acc[from .. acc_limbs - 1];
*/
static inline void acc_carry(uint64_t *acc, size_t from, size_t acc_limbs, uint64_t carry)
{
    size_t idx = from;
    /*@ loop invariant from <= idx <= acc_limbs;
        loop assigns idx, carry, acc[from .. acc_limbs - 1];
        loop variant acc_limbs - idx;
    */
    while (carry != 0 && idx < acc_limbs) {
        carry = adc(acc[idx], carry, 0, &acc[idx]);
        idx++;
    }
}

/* Row t of a row-major (n, l) array ends within it: t l + l <= n l.  A
 * ghost lemma function (the compiler never sees it): called before the
 * accesses to row t, its postcondition is the exact instance the provers
 * need (they do not instantiate the nonlinear lemma nrc_kern_row_fits
 * reliably when the product's factors come in another order). */
/*@ ghost
  /@ requires 0 <= t < n;
     assigns \nothing;
     ensures t * l + l <= n * l;
  @/
  static void kern_row_end(size_t t, size_t n, size_t l) { }
*/

/* Row t of a readable row-major (n, l) array m is readable (ghost lemma
 * function, as above). */
/*@ ghost
  /@ requires \valid_read(m + (0 .. n * l - 1)) && 0 <= t < n;
     assigns \nothing;
     ensures end: t * l + l <= n * l;
     ensures row: \valid_read(m + (t * l .. t * l + l - 1));
  @/
  static void kern_row_valid(const uint64_t *m, size_t n, size_t l, size_t t)
  {
      kern_row_end(t, n, l);
  }
*/

/* The top limb of a sum below 2^256 fits (ghost lemma function: a linear
 * fact, proved here in a context free of the products it is used among). */
/*@ ghost
  /@ requires l0 + 18446744073709551616 * r1 +
         340282366920938463463374607431768211456 * r2 +
         6277101735386680763835789423207666416102355444464034512896 * (h + c) <=
         115792089237316195423570985008687907852589419931798687112530834793049593217025;
     assigns \nothing;
     ensures h + c <= 18446744073709551615;
  @/
  static void kern_top_limb(uint64_t l0, uint64_t r1, uint64_t r2, uint64_t h, uint64_t c) { }
*/

/* Row t of the row-major (n, l) array m. */
/*@ requires t < n;
    requires n * l <= SIZE_MAX;
    requires n == 0 || \valid_read(m + (0 .. n * l - 1));
    assigns \nothing;
    ensures at: \result == m + t * l;
    ensures end: t * l + l <= n * l;
    ensures row: \valid_read(\result + (0 .. l - 1));
*/
static inline const uint64_t *row_ptr(const uint64_t *m, size_t n, size_t l, size_t t)
{
    (void)n; /* for the contract and the ghost call only */
    /*@ ghost kern_row_valid(m, n, l, t); */
    return m + l * t;
}

/* acc += lo + hi 2^64, the carry out of limb 1 propagated (n >= 2). */
/*@ requires 2 <= n && \valid(acc + (0 .. n - 1));
    assigns acc[0 .. n - 1];
*/
static inline void acc_add2(uint64_t *acc, size_t n, uint64_t lo, uint64_t hi)
{
    uint64_t c = adc(acc[0], lo, 0, &acc[0]);
    c = adc(acc[1], hi, c, &acc[1]);
    acc_carry(acc, 2, n, c);
}

/* acc += r[0] + r[1] 2^64 + r[2] 2^128 + r[3] 2^192, the carry out of limb
 * 3 propagated (n >= 4). */
/*@ requires 4 <= n && \valid(acc + (0 .. n - 1)) && \valid_read(r + (0 .. 3));
    requires \separated(acc + (0 .. n - 1), r + (0 .. 3));
    assigns acc[0 .. n - 1];
*/
static inline void acc_add4(uint64_t *acc, size_t n, const uint64_t *r)
{
    uint64_t c = adc(acc[0], r[0], 0, &acc[0]);
    c = adc(acc[1], r[1], c, &acc[1]);
    c = adc(acc[2], r[2], c, &acc[2]);
    c = adc(acc[3], r[3], c, &acc[3]);
    acc_carry(acc, 4, n, c);
}

/* The 2 x 2 limb product: r[0] + r[1] 2^64 + r[2] 2^128 + r[3] 2^192 =
 * (x0 + x1 2^64) (y0 + y1 2^64), which is below 2^256: no limb wraps. */
/*@ requires \valid(r + (0 .. 3));
    assigns r[0 .. 3];
    ensures product: r[0] + 18446744073709551616 * r[1] +
        340282366920938463463374607431768211456 * r[2] +
        6277101735386680763835789423207666416102355444464034512896 * r[3] ==
        (x0 + 18446744073709551616 * x1) * (y0 + 18446744073709551616 * y1);
*/
static void mul2x2(uint64_t x0, uint64_t x1, uint64_t y0, uint64_t y1, uint64_t *r)
{
    uint64_t h00, l00, h01, l01, h10, l10, h11, l11, s, c1, c2, r1, r2, r2b;
    mul64(x0, y0, &h00, &l00);
    mul64(x0, y1, &h01, &l01);
    mul64(x1, y0, &h10, &l10);
    mul64(x1, y1, &h11, &l11);
    c1 = adc(h00, l01, 0, &s);
    c1 += adc(s, l10, 0, &r1);
    c2 = adc(h01, h10, 0, &s);
    c2 += adc(s, l11, 0, &r2);
    c2 += adc(r2, c1, 0, &r2b);
    /*@ assert sum: l00 + 18446744073709551616 * r1 +
            340282366920938463463374607431768211456 * r2b +
            6277101735386680763835789423207666416102355444464034512896 * (h11 + c2) ==
            x0 * y0 + 18446744073709551616 * (x0 * y1 + x1 * y0) +
            340282366920938463463374607431768211456 * (x1 * y1); */
    /* the product is < 2^256: r3 = h11 + c2 does not wrap (each limb
     * product is at most (2^64 - 1)^2, so the product is at most
     * (2^64 - 1)^2 (1 + 2^65 + 2^128) = (2^128 - 1)^2) */
    /*@ assert bound: x0 * y0 + 18446744073709551616 * (x0 * y1 + x1 * y0) +
            340282366920938463463374607431768211456 * (x1 * y1) <=
            115792089237316195423570985008687907852589419931798687112530834793049593217025; */
    /*@ assert top: l00 + 18446744073709551616 * r1 +
            340282366920938463463374607431768211456 * r2b +
            6277101735386680763835789423207666416102355444464034512896 * (h11 + c2) <=
            115792089237316195423570985008687907852589419931798687112530834793049593217025; */
    /*@ ghost kern_top_limb(l00, r1, r2b, h11, c2); */
    r[0] = l00;
    r[1] = r1;
    r[2] = r2b;
    r[3] = h11 + c2;
    /*@ assert (x0 + 18446744073709551616 * x1) * (y0 + 18446744073709551616 * y1) ==
            x0 * y0 + 18446744073709551616 * (x0 * y1 + x1 * y0) +
            340282366920938463463374607431768211456 * (x1 * y1); */
}

/* One row of the schoolbook product: acc[u ..] += xu * (y[0] + y[1] 2^64
 * + ... ), the final carry propagated up to acc[n - 1]. */
/*@ requires 1 <= lb && u + lb < n;
    requires \valid(acc + (0 .. n - 1)) && \valid_read(y + (0 .. lb - 1));
    requires \separated(acc + (0 .. n - 1), y + (0 .. lb - 1));
    assigns acc[u .. n - 1];
*/
static void row_mac(uint64_t *acc, size_t n, size_t u, uint64_t xu,
                    const uint64_t *y, size_t lb)
{
    uint64_t carry = 0;
    size_t w;
    /*@ loop invariant 0 <= w <= lb;
        loop assigns w, carry, acc[u .. u + lb - 1];
        loop variant lb - w;
    */
    for (w = 0; w < lb; w++) {
        uint64_t hi, lo, lo1, lo2, c1, c2, yw = y[w], aw = acc[u + w];
        mul64(xu, yw, &hi, &lo);
        /* hi:lo + acc + carry < 2^128: hi absorbs both carries */
        c1 = adc(lo, aw, 0, &lo1);
        c2 = adc(lo1, carry, 0, &lo2);
        /*@ assert (hi + c1 + c2) * 18446744073709551616 + lo2 == xu * yw + aw + carry; */
        /*@ assert xu * yw <= 18446744073709551615 * 18446744073709551615; */
        /*@ assert (hi + c1 + c2) * 18446744073709551616 + lo2 <=
                340282366920938463463374607431768211455; */
        /*@ assert (hi + c1 + c2) * 18446744073709551616 <=
                340282366920938463463374607431768211455; */
        /*@ assert hi + c1 + c2 <= 18446744073709551615; */
        acc[u + w] = lo2;
        carry = hi + c1 + c2;
    }
    acc_carry(acc, u + lb, n, carry);
}

void nrc_cfix_dot_acc(const nrc_cfix *a, const nrc_cfix *b,
                      uint64_t *pos, uint64_t *neg, size_t acc_limbs)
{
    nrc_cfix_dot_acc_ref(a, b, pos, neg, acc_limbs);
}

void nrc_cfix_dot_acc_ref(const nrc_cfix *a, const nrc_cfix *b,
                          uint64_t *pos, uint64_t *neg, size_t acc_limbs)
{
    size_t la = a->limbs, lb = b->limbs, len = a->len, t, u;
    const uint64_t *am = a->mag, *bm = b->mag;
    const unsigned char *an = a->neg, *bn = b->neg;
    /* what the precondition says of the buffers, in terms of the locals
     * (validity and separation do not depend on the memory state, so the
     * provers keep these facts across the writes to the accumulators) */
    /*@ assert b->len == len; */
    /*@ assert len * la <= SIZE_MAX; */
    /*@ assert b->len * b->limbs <= SIZE_MAX; */
    /*@ assert len * lb <= SIZE_MAX; */
    /*@ assert len == 0 || \valid(a->mag + (0 .. a->len * a->limbs - 1)); */
    /*@ assert len == 0 || \valid(b->mag + (0 .. b->len * b->limbs - 1)); */
    /*@ assert len == 0 || \valid_read(am + (0 .. len * la - 1)); */
    /*@ assert len == 0 || \valid_read(bm + (0 .. len * lb - 1)); */
    /*@ assert len == 0 || (\valid_read(an + (0 .. len - 1)) && \valid_read(bn + (0 .. len - 1))); */
    /*@ assert \separated(pos + (0 .. acc_limbs - 1), b->mag + (0 .. b->len * b->limbs - 1)); */
    /*@ assert \separated(neg + (0 .. acc_limbs - 1), b->mag + (0 .. b->len * b->limbs - 1)); */
    /*@ assert \separated(pos + (0 .. acc_limbs - 1), bm + (0 .. len * lb - 1)); */
    /*@ assert \separated(neg + (0 .. acc_limbs - 1), bm + (0 .. len * lb - 1)); */
    /*@ loop invariant 0 <= u <= acc_limbs;
        loop assigns u, pos[0 .. acc_limbs - 1], neg[0 .. acc_limbs - 1];
        loop variant acc_limbs - u;
    */
    for (u = 0; u < acc_limbs; u++) {
        pos[u] = 0;
        neg[u] = 0;
    }
    if (la == 1 && lb == 1) {
        /*@ loop invariant 0 <= t <= len;
            loop assigns t, pos[0 .. acc_limbs - 1], neg[0 .. acc_limbs - 1];
            loop variant len - t;
        */
        for (t = 0; t < len; t++) {
            uint64_t x = am[t], y = bm[t], hi, lo;
            if (x == 0 || y == 0)
                continue;
            mul64(x, y, &hi, &lo);
            acc_add2((an[t] ^ bn[t]) ? neg : pos, acc_limbs, lo, hi);
        }
        return;
    }
    if (la == 2 && lb == 2) {
        /*@ loop invariant 0 <= t <= len;
            loop assigns t, pos[0 .. acc_limbs - 1], neg[0 .. acc_limbs - 1];
            loop variant len - t;
        */
        for (t = 0; t < len; t++) {
            uint64_t x0, x1, y0, y1, r[4];
            /*@ ghost kern_row_valid(am, len, la, t); */
            /*@ ghost kern_row_valid(bm, len, lb, t); */
            x0 = am[2 * t]; /* la == lb == 2 */
            x1 = am[2 * t + 1];
            y0 = bm[2 * t];
            y1 = bm[2 * t + 1];
            if ((x0 | x1) == 0 || (y0 | y1) == 0)
                continue;
            mul2x2(x0, x1, y0, y1, r);
            acc_add4((an[t] ^ bn[t]) ? neg : pos, acc_limbs, r);
        }
        return;
    }
    /*@ loop invariant 0 <= t <= len;
        loop assigns t, u, pos[0 .. acc_limbs - 1], neg[0 .. acc_limbs - 1];
        loop variant len - t;
    */
    for (t = 0; t < len; t++) {
        const uint64_t *x, *y;
        uint64_t *acc = (an[t] ^ bn[t]) ? neg : pos;
        x = row_ptr(am, len, la, t);
        y = row_ptr(bm, len, lb, t);
        /*@ loop invariant 0 <= u <= la;
            loop assigns u, pos[0 .. acc_limbs - 1], neg[0 .. acc_limbs - 1];
            loop variant la - u;
        */
        for (u = 0; u < la; u++) {
            if (x[u] == 0)
                continue;
            row_mac(acc, acc_limbs, u, x[u], y, lb);
        }
    }
}

/* ---- exact matrix products: signed base-2^26 digits ---------------------
 * (include/check/nrc_check_digits.h, included here so that the lines above
 * are those of the file before this section: their proofs' cache entries
 * stay valid). Why digits of 26 bits and not the
 * 64-bit limbs above: a 64 x 64 -> 128-bit product is one scalar multiply
 * per limb pair, while 26-bit digits multiply in 64-bit vector lanes
 * (vpmuldq: four or eight products per instruction) and their products sum
 * without carries for NRC_CDIG_CHUNK terms. The micro-kernels are plain C
 * loops over the NRC_CDIG_NR = 8 columns of a panel, which GCC vectorizes;
 * on x86-64 they are compiled for AVX-512, AVX2 and the baseline, the CPU
 * picking one at load time (target_clones). Under Frama-C and with
 * NRC_CHECK_PORTABLE the attribute is left out: the same C code. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    !defined(__FRAMAC__) && !defined(NRC_CHECK_PORTABLE) && !defined(NRC_CHECK_NO_CLONES)
#define NRC_KERN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NRC_KERN_CLONES
#endif

#include "nrc_check_digits.h"

#define TWO12 UINT64_C(4096)
#define TWO14 UINT64_C(16384)
#define TWO26 UINT64_C(67108864)

size_t nrc_cfix_bits(const nrc_cfix *f)
{
    size_t best = 0, len = f->len, limbs = f->limbs, t, u;
    const uint64_t *mag = f->mag;
    /*@ assert limbs <= 64; */
    /*@ loop invariant 0 <= t <= len && best <= 64 * limbs;
        loop assigns t, u, best;
        loop variant len - t;
    */
    for (t = 0; t < len; t++) {
        const uint64_t *row = row_ptr(mag, len, limbs, t);
        /* the highest nonzero limb of entry t, from the top */
        /*@ loop invariant 0 <= u <= limbs;
            loop assigns u;
            loop variant u;
        */
        for (u = limbs; u > 0 && row[u - 1] == 0; u--)
            ;
        if (u > 0) {
            const size_t top = u - 1;
            const size_t b = 64 * top + (size_t)bitlen64(row[top]);
            /*@ assert top < limbs && b <= 64 * limbs; */
            if (b > best)
                best = b;
        }
    }
    return best;
}

/* The four 26-bit digits of the magnitude m0 + m1 2^64 (bits 0 .. 103; the
 * constant shifts 26, 52, 78 in terms of the two limbs), each below 2^26. */
/*@ requires \valid(d + (0 .. 3));
    assigns d[0 .. 3];
    ensures \forall integer u; 0 <= u < 4 ==> 0 <= d[u] < 67108864;
*/
static inline void digits4(uint64_t m0, uint64_t m1, uint64_t *d)
{
    d[0] = m0 % TWO26;
    d[1] = m0 / TWO26 % TWO26;
    /* bits 52 .. 63 of m0 (12 bits) and 0 .. 13 of m1 (14 bits) */
    d[2] = m0 / (TWO26 * TWO26) + m1 % TWO14 * TWO12;
    d[3] = m1 / TWO14 % TWO26;
}

/* The four digits of entry t of f, with its sign (each below 2^26 in
 * magnitude). */
/*@ requires nrc_cfix_valid(f) && f->limbs <= 2 && t < f->len;
    requires \valid(s + (0 .. 3)) && \separated(s + (0 .. 3), f,
        f->mag + (0 .. f->len * f->limbs - 1), f->neg + (0 .. f->len - 1));
    assigns s[0 .. 3];
    ensures nrc_cdig_all(s, 4);
*/
static inline void cdig_entry(const nrc_cfix *f, size_t t, int32_t *s)
{
    uint64_t d[4];
    const uint64_t *row = row_ptr(f->mag, f->len, f->limbs, t);
    const int sg = f->neg[t] != 0;
    size_t u;
    digits4(row[0], f->limbs > 1 ? row[1] : 0, d);
    /*@ loop invariant 0 <= u <= 4 && nrc_cdig_all(s, u);
        loop assigns u, s[0 .. 3];
        loop variant 4 - u;
    */
    for (u = 0; u < 4; u++)
        s[u] = sg ? -(int32_t)d[u] : (int32_t)d[u];
}

void nrc_cdig_row(const nrc_cfix *f, size_t t0, size_t len, size_t D, int32_t *row)
{
    size_t t, u;
    int32_t s[4];
    /*@ assert src: nrc_cfix_valid((nrc_cfix *)&f[0]) && f[0].limbs <= 2 && t0 + len <= f[0].len; */
    /*@ assert same: &f[0] == f; */
    /*@ loop invariant 0 <= t <= len;
        loop invariant nrc_cdig_all(row, t * D);
        loop assigns t, u, s[0 .. 3], row[0 .. len * D - 1];
        loop variant len - t;
    */
    for (t = 0; t < len; t++) {
        const size_t o = t * D;
        /*@ ghost kern_row_end(t, len, D); */
        /*@ assert t0 + t < f->len; */
        cdig_entry(f, t0 + t, s);
        /*@ loop invariant 0 <= u <= D;
            loop invariant nrc_cdig_all(row, o + u);
            loop assigns u, row[o .. o + D - 1];
            loop variant D - u;
        */
        for (u = 0; u < D; u++)
            row[o + u] = s[u];
    }
}

/* Digits of entry t of the columns b[0 .. nb - 1] into s[c][u], zeros for
 * the columns c >= nb. */
/*@ requires nb <= NRC_CDIG_NR && nrc_cdig_src((nrc_cfix *)b, nb, 0, t + 1);
    requires \valid(s + (0 .. NRC_CDIG_NR - 1));
    requires \forall integer c; 0 <= c < nb ==>
        \separated(s + (0 .. NRC_CDIG_NR - 1), &b[c],
                   b[c].mag + (0 .. b[c].len * b[c].limbs - 1), b[c].neg + (0 .. b[c].len - 1));
    assigns s[0 .. NRC_CDIG_NR - 1][0 .. 3];
    ensures \forall integer c, u; 0 <= c < NRC_CDIG_NR && 0 <= u < 4 ==> nrc_cdig_ok(s[c][u]);
*/
static void cdig_columns(const nrc_cfix *b, size_t nb, size_t t, int32_t (*s)[4])
{
    size_t c;
    /*@ loop invariant 0 <= c <= NRC_CDIG_NR;
        loop invariant \forall integer c1, u; 0 <= c1 < c && 0 <= u < 4 ==> nrc_cdig_ok(s[c1][u]);
        loop assigns c, s[0 .. NRC_CDIG_NR - 1][0 .. 3];
        loop variant NRC_CDIG_NR - c;
    */
    for (c = 0; c < NRC_CDIG_NR; c++) {
        if (c < nb) {
            /*@ assert nrc_cfix_valid((nrc_cfix *)&b[c]) && b[c].limbs <= 2 && t < b[c].len; */
            cdig_entry(&b[c], t, s[c]);
        } else {
            s[c][0] = s[c][1] = s[c][2] = s[c][3] = 0;
        }
    }
}

void nrc_cdig_panel(const nrc_cfix *b, size_t nb, size_t t0, size_t len, size_t D,
                    int32_t *panel)
{
    size_t t, u, c;
    const size_t W = NRC_CDIG_NR;
    int32_t s[NRC_CDIG_NR][4];
    /*@ loop invariant 0 <= t <= len;
        loop invariant nrc_cdig_all(panel, t * D * W);
        loop assigns t, u, c, s[0 .. NRC_CDIG_NR - 1][0 .. 3], panel[0 .. len * D * W - 1];
        loop variant len - t;
    */
    for (t = 0; t < len; t++) {
        const size_t o = t * D * W;
        /*@ ghost kern_row_end(t, len, D * W); */
        /*@ assert nrc_cdig_src((nrc_cfix *)b, nb, 0, t0 + t + 1); */
        cdig_columns(b, nb, t0 + t, s);
        /*@ loop invariant 0 <= u <= D;
            loop invariant nrc_cdig_all(panel, o + u * W);
            loop assigns u, c, panel[o .. o + D * W - 1];
            loop variant D - u;
        */
        for (u = 0; u < D; u++) {
            const size_t ou = o + u * W;
            /*@ loop invariant 0 <= c <= W;
                loop invariant nrc_cdig_all(panel, ou + c);
                loop assigns c, panel[ou .. ou + W - 1];
                loop variant W - c;
            */
            for (c = 0; c < W; c++)
                panel[ou + c] = s[c][u];
        }
    }
}

/* (2^26 - 1)^2: the largest product of two digits */
#define CDIG_M INT64_C(4503599493152769)

/* x y for two digits, |x y| <= (2^26 - 1)^2: the one nonlinear fact of the
 * micro-kernels, proved here in a context of its own (by the signs of x
 * and y and the monotony of the product) so that their goals are linear. */
/*@ requires nrc_cdig_ok(x) && nrc_cdig_ok(y);
    assigns \nothing;
    ensures \result == x * y;
    ensures -CDIG_M <= \result <= CDIG_M;
*/
static inline int64_t cdig_mul(int64_t x, int64_t y)
{
    /*@ assert x >= 0 && y >= 0 ==> x * y <= 67108863 * y <= 67108863 * 67108863; */
    /*@ assert x >= 0 && y < 0 ==> x * y >= 67108863 * y >= -67108863 * 67108863; */
    /*@ assert x < 0 && y >= 0 ==> x * y >= -67108863 * y >= -67108863 * 67108863; */
    /*@ assert x < 0 && y < 0 ==> x * y <= -67108863 * y <= 67108863 * 67108863; */
    return x * y;
}

NRC_KERN_CLONES
void nrc_cdig_mk3(size_t len, const int32_t *a, const int32_t *p, int64_t *acc)
{
    int64_t c0[NRC_CDIG_NR], c1[NRC_CDIG_NR], c2[NRC_CDIG_NR], c3[NRC_CDIG_NR],
        c4[NRC_CDIG_NR];
    size_t t;
    int j;
    /*@ loop invariant 0 <= j <= NRC_CDIG_NR;
        loop invariant \forall integer q; 0 <= q < j ==>
            c0[q] == 0 && c1[q] == 0 && c2[q] == 0 && c3[q] == 0 && c4[q] == 0;
        loop assigns j, c0[0 .. NRC_CDIG_NR - 1], c1[0 .. NRC_CDIG_NR - 1],
                     c2[0 .. NRC_CDIG_NR - 1], c3[0 .. NRC_CDIG_NR - 1],
                     c4[0 .. NRC_CDIG_NR - 1];
        loop variant NRC_CDIG_NR - j;
    */
    for (j = 0; j < NRC_CDIG_NR; j++)
        c0[j] = c1[j] = c2[j] = c3[j] = c4[j] = 0;
    /* |c_q[j]| <= 3 t (2^26 - 1)^2 after t terms (at most three digit
     * products per position and term): below 2^63 for t <= 512 */
    /*@ loop invariant 0 <= t <= len;
        loop invariant \forall integer q; 0 <= q < NRC_CDIG_NR ==>
            -3 * t * CDIG_M <= c0[q] <= 3 * t * CDIG_M &&
            -3 * t * CDIG_M <= c1[q] <= 3 * t * CDIG_M &&
            -3 * t * CDIG_M <= c2[q] <= 3 * t * CDIG_M &&
            -3 * t * CDIG_M <= c3[q] <= 3 * t * CDIG_M &&
            -3 * t * CDIG_M <= c4[q] <= 3 * t * CDIG_M;
        loop assigns t, j, c0[0 .. NRC_CDIG_NR - 1], c1[0 .. NRC_CDIG_NR - 1],
                     c2[0 .. NRC_CDIG_NR - 1], c3[0 .. NRC_CDIG_NR - 1],
                     c4[0 .. NRC_CDIG_NR - 1];
        loop variant len - t;
    */
    for (t = 0; t < len; t++) {
        const int32_t *b = p + 3 * NRC_CDIG_NR * t;
        const int64_t x0 = a[3 * t], x1 = a[3 * t + 1], x2 = a[3 * t + 2];
        /*@ assert nrc_cdig_ok(x0) && nrc_cdig_ok(x1) && nrc_cdig_ok(x2); */
        /*@ loop invariant 0 <= j <= NRC_CDIG_NR;
            loop invariant \forall integer q; 0 <= q < j ==>
                -3 * (t + 1) * CDIG_M <= c0[q] <= 3 * (t + 1) * CDIG_M &&
                -3 * (t + 1) * CDIG_M <= c1[q] <= 3 * (t + 1) * CDIG_M &&
                -3 * (t + 1) * CDIG_M <= c2[q] <= 3 * (t + 1) * CDIG_M &&
                -3 * (t + 1) * CDIG_M <= c3[q] <= 3 * (t + 1) * CDIG_M &&
                -3 * (t + 1) * CDIG_M <= c4[q] <= 3 * (t + 1) * CDIG_M;
            loop invariant \forall integer q; j <= q < NRC_CDIG_NR ==>
                -3 * t * CDIG_M <= c0[q] <= 3 * t * CDIG_M &&
                -3 * t * CDIG_M <= c1[q] <= 3 * t * CDIG_M &&
                -3 * t * CDIG_M <= c2[q] <= 3 * t * CDIG_M &&
                -3 * t * CDIG_M <= c3[q] <= 3 * t * CDIG_M &&
                -3 * t * CDIG_M <= c4[q] <= 3 * t * CDIG_M;
            loop assigns j, c0[0 .. NRC_CDIG_NR - 1], c1[0 .. NRC_CDIG_NR - 1],
                         c2[0 .. NRC_CDIG_NR - 1], c3[0 .. NRC_CDIG_NR - 1],
                         c4[0 .. NRC_CDIG_NR - 1];
            loop variant NRC_CDIG_NR - j;
        */
        for (j = 0; j < NRC_CDIG_NR; j++) {
            const int64_t y0 = b[j], y1 = b[NRC_CDIG_NR + j], y2 = b[2 * NRC_CDIG_NR + j];
            /*@ assert nrc_cdig_ok(y0) && nrc_cdig_ok(y1) && nrc_cdig_ok(y2); */
            c0[j] += cdig_mul(x0, y0);
            c1[j] += cdig_mul(x0, y1) + cdig_mul(x1, y0);
            c2[j] += cdig_mul(x0, y2) + cdig_mul(x1, y1) + cdig_mul(x2, y0);
            c3[j] += cdig_mul(x1, y2) + cdig_mul(x2, y1);
            c4[j] += cdig_mul(x2, y2);
        }
    }
    /*@ loop invariant 0 <= j <= NRC_CDIG_NR;
        loop invariant \forall integer i; 0 <= i < 5 * NRC_CDIG_NR && i % NRC_CDIG_NR < j ==>
            -9223372036854775807 <= acc[i];
        loop assigns j, acc[0 .. 5 * NRC_CDIG_NR - 1];
        loop variant NRC_CDIG_NR - j;
    */
    for (j = 0; j < NRC_CDIG_NR; j++) {
        acc[j] = c0[j];
        acc[NRC_CDIG_NR + j] = c1[j];
        acc[2 * NRC_CDIG_NR + j] = c2[j];
        acc[3 * NRC_CDIG_NR + j] = c3[j];
        acc[4 * NRC_CDIG_NR + j] = c4[j];
    }
}

NRC_KERN_CLONES
void nrc_cdig_mk4(size_t len, const int32_t *a, const int32_t *p, int64_t *acc)
{
    int64_t c0[NRC_CDIG_NR], c1[NRC_CDIG_NR], c2[NRC_CDIG_NR], c3[NRC_CDIG_NR],
        c4[NRC_CDIG_NR], c5[NRC_CDIG_NR], c6[NRC_CDIG_NR];
    size_t t;
    int j;
    /*@ loop invariant 0 <= j <= NRC_CDIG_NR;
        loop invariant \forall integer q; 0 <= q < j ==>
            c0[q] == 0 && c1[q] == 0 && c2[q] == 0 && c3[q] == 0 && c4[q] == 0 &&
            c5[q] == 0 && c6[q] == 0;
        loop assigns j, c0[0 .. NRC_CDIG_NR - 1], c1[0 .. NRC_CDIG_NR - 1],
                     c2[0 .. NRC_CDIG_NR - 1], c3[0 .. NRC_CDIG_NR - 1],
                     c4[0 .. NRC_CDIG_NR - 1], c5[0 .. NRC_CDIG_NR - 1],
                     c6[0 .. NRC_CDIG_NR - 1];
        loop variant NRC_CDIG_NR - j;
    */
    for (j = 0; j < NRC_CDIG_NR; j++)
        c0[j] = c1[j] = c2[j] = c3[j] = c4[j] = c5[j] = c6[j] = 0;
    /* |c_q[j]| <= 4 t (2^26 - 1)^2 after t terms (at most four digit
     * products per position and term): below 2^63 for t <= 512 */
    /*@ loop invariant 0 <= t <= len;
        loop invariant \forall integer q; 0 <= q < NRC_CDIG_NR ==>
            -4 * t * CDIG_M <= c0[q] <= 4 * t * CDIG_M &&
            -4 * t * CDIG_M <= c1[q] <= 4 * t * CDIG_M &&
            -4 * t * CDIG_M <= c2[q] <= 4 * t * CDIG_M &&
            -4 * t * CDIG_M <= c3[q] <= 4 * t * CDIG_M &&
            -4 * t * CDIG_M <= c4[q] <= 4 * t * CDIG_M &&
            -4 * t * CDIG_M <= c5[q] <= 4 * t * CDIG_M &&
            -4 * t * CDIG_M <= c6[q] <= 4 * t * CDIG_M;
        loop assigns t, j, c0[0 .. NRC_CDIG_NR - 1], c1[0 .. NRC_CDIG_NR - 1],
                     c2[0 .. NRC_CDIG_NR - 1], c3[0 .. NRC_CDIG_NR - 1],
                     c4[0 .. NRC_CDIG_NR - 1], c5[0 .. NRC_CDIG_NR - 1],
                     c6[0 .. NRC_CDIG_NR - 1];
        loop variant len - t;
    */
    for (t = 0; t < len; t++) {
        const int32_t *b = p + 4 * NRC_CDIG_NR * t;
        const int64_t x0 = a[4 * t], x1 = a[4 * t + 1], x2 = a[4 * t + 2], x3 = a[4 * t + 3];
        /*@ assert nrc_cdig_ok(x0) && nrc_cdig_ok(x1) && nrc_cdig_ok(x2) && nrc_cdig_ok(x3); */
        /*@ loop invariant 0 <= j <= NRC_CDIG_NR;
            loop invariant \forall integer q; 0 <= q < j ==>
                -4 * (t + 1) * CDIG_M <= c0[q] <= 4 * (t + 1) * CDIG_M &&
                -4 * (t + 1) * CDIG_M <= c1[q] <= 4 * (t + 1) * CDIG_M &&
                -4 * (t + 1) * CDIG_M <= c2[q] <= 4 * (t + 1) * CDIG_M &&
                -4 * (t + 1) * CDIG_M <= c3[q] <= 4 * (t + 1) * CDIG_M &&
                -4 * (t + 1) * CDIG_M <= c4[q] <= 4 * (t + 1) * CDIG_M &&
                -4 * (t + 1) * CDIG_M <= c5[q] <= 4 * (t + 1) * CDIG_M &&
                -4 * (t + 1) * CDIG_M <= c6[q] <= 4 * (t + 1) * CDIG_M;
            loop invariant \forall integer q; j <= q < NRC_CDIG_NR ==>
                -4 * t * CDIG_M <= c0[q] <= 4 * t * CDIG_M &&
                -4 * t * CDIG_M <= c1[q] <= 4 * t * CDIG_M &&
                -4 * t * CDIG_M <= c2[q] <= 4 * t * CDIG_M &&
                -4 * t * CDIG_M <= c3[q] <= 4 * t * CDIG_M &&
                -4 * t * CDIG_M <= c4[q] <= 4 * t * CDIG_M &&
                -4 * t * CDIG_M <= c5[q] <= 4 * t * CDIG_M &&
                -4 * t * CDIG_M <= c6[q] <= 4 * t * CDIG_M;
            loop assigns j, c0[0 .. NRC_CDIG_NR - 1], c1[0 .. NRC_CDIG_NR - 1],
                         c2[0 .. NRC_CDIG_NR - 1], c3[0 .. NRC_CDIG_NR - 1],
                         c4[0 .. NRC_CDIG_NR - 1], c5[0 .. NRC_CDIG_NR - 1],
                         c6[0 .. NRC_CDIG_NR - 1];
            loop variant NRC_CDIG_NR - j;
        */
        for (j = 0; j < NRC_CDIG_NR; j++) {
            const int64_t y0 = b[j], y1 = b[NRC_CDIG_NR + j], y2 = b[2 * NRC_CDIG_NR + j],
                          y3 = b[3 * NRC_CDIG_NR + j];
            /*@ assert nrc_cdig_ok(y0) && nrc_cdig_ok(y1) && nrc_cdig_ok(y2) && nrc_cdig_ok(y3); */
            c0[j] += cdig_mul(x0, y0);
            c1[j] += cdig_mul(x0, y1) + cdig_mul(x1, y0);
            c2[j] += cdig_mul(x0, y2) + cdig_mul(x1, y1) + cdig_mul(x2, y0);
            c3[j] += cdig_mul(x0, y3) + cdig_mul(x1, y2) + cdig_mul(x2, y1) + cdig_mul(x3, y0);
            c4[j] += cdig_mul(x1, y3) + cdig_mul(x2, y2) + cdig_mul(x3, y1);
            c5[j] += cdig_mul(x2, y3) + cdig_mul(x3, y2);
            c6[j] += cdig_mul(x3, y3);
        }
    }
    /*@ loop invariant 0 <= j <= NRC_CDIG_NR;
        loop invariant \forall integer i; 0 <= i < 7 * NRC_CDIG_NR && i % NRC_CDIG_NR < j ==>
            -9223372036854775807 <= acc[i];
        loop assigns j, acc[0 .. 7 * NRC_CDIG_NR - 1];
        loop variant NRC_CDIG_NR - j;
    */
    for (j = 0; j < NRC_CDIG_NR; j++) {
        acc[j] = c0[j];
        acc[NRC_CDIG_NR + j] = c1[j];
        acc[2 * NRC_CDIG_NR + j] = c2[j];
        acc[3 * NRC_CDIG_NR + j] = c3[j];
        acc[4 * NRC_CDIG_NR + j] = c4[j];
        acc[5 * NRC_CDIG_NR + j] = c5[j];
        acc[6 * NRC_CDIG_NR + j] = c6[j];
    }
}

/* Position q's sum S into an accumulator at bit 26 q: |S| 2^(26 q % 64) as
 * two limbs (mul64) added at limb 26 q / 64 <= 2 (q <= 6), the carry
 * propagated. The sums stay far below the accumulators' 320 bits: at most
 * 2^63 2^156 per chunk, 2^22 chunks for d <= 2^31. */
/*@ requires q <= 6 && \valid(acc + (0 .. NRC_CDIG_ACC_LIMBS - 1));
    assigns acc[0 .. NRC_CDIG_ACC_LIMBS - 1];
*/
static void cdig_add_at(uint64_t *acc, uint64_t mag, size_t q)
{
    const size_t sh = NRC_CDIG_BITS * q, w = sh / 64;
    uint64_t hi, lo;
    mul64(mag, pow2_64(sh % 64), &hi, &lo);
    /*@ assert w <= 2; */
    acc_add2(acc + w, NRC_CDIG_ACC_LIMBS - w, lo, hi);
}

void nrc_cdig_fold(const int64_t *acc, size_t P, size_t nc, uint64_t *pos, uint64_t *neg)
{
    size_t c, q;
    /*@ loop invariant 0 <= c <= nc;
        loop assigns c, q, pos[0 .. nc * NRC_CDIG_ACC_LIMBS - 1],
                     neg[0 .. nc * NRC_CDIG_ACC_LIMBS - 1];
        loop variant nc - c;
    */
    for (c = 0; c < nc; c++) {
        uint64_t *const cp = pos + c * NRC_CDIG_ACC_LIMBS, *const cn = neg + c * NRC_CDIG_ACC_LIMBS;
        /*@ assert c * NRC_CDIG_ACC_LIMBS + NRC_CDIG_ACC_LIMBS <= nc * NRC_CDIG_ACC_LIMBS; */
        /*@ loop invariant 0 <= q <= P;
            loop assigns q, cp[0 .. NRC_CDIG_ACC_LIMBS - 1], cn[0 .. NRC_CDIG_ACC_LIMBS - 1];
            loop variant P - q;
        */
        for (q = 0; q < P; q++) {
            const int64_t v = acc[q * NRC_CDIG_NR + c];
            if (v > 0)
                cdig_add_at(cp, (uint64_t)v, q);
            else if (v < 0)
                cdig_add_at(cn, (uint64_t)-v, q);
        }
    }
}
