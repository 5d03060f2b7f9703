/* The checker's fixed-point kernels (include/nrc_check_kernels.h): exact
 * conversion of doubles to integers at a common exponent, and the exact
 * limb-by-limb dot product.  No GMP, no allocation: plain loops over
 * caller-provided buffers, the code meant for Frama-C WP.
 *
 * A vector of doubles x_t = m_t 2^{e_t} (m_t odd) is stored at the common
 * exponent E = min_t e_t as integers M_t = m_t 2^{e_t - E}, sign and
 * magnitude apart, each magnitude in the same number of 64-bit limbs.  The
 * dot product of two such vectors is sum_t (+-) M_t M'_t, an exact integer at
 * exponent E + E': each limb product (64 x 64 -> 128 bits) is added into one
 * of two unsigned multi-limb accumulators (positive and negative terms). */
#include <math.h>
#include "nrc_check_kernels.h"

#if defined(__SIZEOF_INT128__) && !defined(__FRAMAC__) && !defined(NRC_CHECK_PORTABLE)
__extension__ typedef unsigned __int128 nrc_u128;
#endif

/* 64 x 64 -> 128 bit product. */
static inline void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
#if defined(__SIZEOF_INT128__) && !defined(__FRAMAC__) && !defined(NRC_CHECK_PORTABLE)
    nrc_u128 p = (nrc_u128)a * b;
    *lo = (uint64_t)p;
    *hi = (uint64_t)(p >> 64);
#else
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32;
    uint64_t b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    *lo = (p00 & 0xffffffffu) | (mid << 32);
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

/* Split a nonzero finite x into |x| = m 2^e with m odd (m < 2^53). */
static void split_d(double x, uint64_t *m, long *e)
{
    int ex;
    double f = frexp(fabs(x), &ex);
    uint64_t mm = (uint64_t)ldexp(f, 53);
    long ee = (long)ex - 53;
    while ((mm & 1u) == 0) {
        mm >>= 1;
        ee++;
    }
    *m = mm;
    *e = ee;
}

static long bitlen64(uint64_t m)
{
    long b = 0;
    while (m) {
        b++;
        m >>= 1;
    }
    return b;
}

void nrc_cfix_scan_d(const double *x, size_t len, size_t stride, long *e,
                     size_t *limbs)
{
    long emin = 0, top = 0;
    int any = 0;
    size_t t;
    for (t = 0; t < len; t++) {
        double v = x[t * stride];
        uint64_t m;
        long ee;
        if (v == 0.0)
            continue;
        split_d(v, &m, &ee);
        if (!any || ee < emin)
            emin = ee;
        if (!any || ee + bitlen64(m) > top)
            top = ee + bitlen64(m);
        any = 1;
    }
    if (!any) {
        *e = 0;
        *limbs = 1;
        return;
    }
    *e = emin;
    *limbs = (size_t)((top - emin + 63) / 64);
    if (*limbs == 0)
        *limbs = 1;
}

void nrc_cfix_fill_d(const double *x, size_t len, size_t stride, long e,
                     size_t limbs, uint64_t *mag, unsigned char *neg)
{
    size_t t, u;
    for (t = 0; t < len; t++) {
        double v = x[t * stride];
        uint64_t *row = mag + t * limbs;
        uint64_t m;
        long ee;
        size_t sh, word, bit;
        for (u = 0; u < limbs; u++)
            row[u] = 0;
        neg[t] = 0;
        if (v == 0.0)
            continue;
        split_d(v, &m, &ee);
        neg[t] = v < 0.0;
        sh = (size_t)(ee - e);
        word = sh / 64;
        bit = sh % 64;
        row[word] |= m << bit;
        if (bit != 0 && word + 1 < limbs)
            row[word + 1] |= m >> (64 - bit);
    }
}

/* acc[from..] += carry, propagating. */
static inline void acc_carry(uint64_t *acc, size_t from, size_t acc_limbs, uint64_t carry)
{
    size_t idx = from;
    while (carry != 0 && idx < acc_limbs) {
        uint64_t s = acc[idx] + carry;
        carry = s < carry;
        acc[idx] = s;
        idx++;
    }
}

void nrc_cfix_dot_acc(const nrc_cfix *a, const nrc_cfix *b,
                      uint64_t *pos, uint64_t *neg, size_t acc_limbs)
{
    nrc_cfix_dot_acc_ref(a, b, pos, neg, acc_limbs);
}

void nrc_cfix_dot_acc_ref(const nrc_cfix *a, const nrc_cfix *b,
                          uint64_t *pos, uint64_t *neg, size_t acc_limbs)
{
    size_t la = a->limbs, lb = b->limbs, len = a->len, t, u, w;
    for (u = 0; u < acc_limbs; u++) {
        pos[u] = 0;
        neg[u] = 0;
    }
    if (la == 1 && lb == 1) {
        for (t = 0; t < len; t++) {
            uint64_t x = a->mag[t], y = b->mag[t], hi, lo, c;
            uint64_t *acc;
            if (x == 0 || y == 0)
                continue;
            acc = (a->neg[t] ^ b->neg[t]) ? neg : pos;
            mul64(x, y, &hi, &lo);
            acc[0] += lo;
            c = acc[0] < lo;
            hi += c; /* hi <= 2^64 - 2: no wrap */
            acc[1] += hi;
            c = acc[1] < hi;
            acc_carry(acc, 2, acc_limbs, c);
        }
        return;
    }
    if (la == 2 && lb == 2) {
        for (t = 0; t < len; t++) {
            const uint64_t *x = a->mag + 2 * t, *y = b->mag + 2 * t;
            uint64_t h00, l00, h01, l01, h10, l10, h11, l11, s, c;
            uint64_t r0, r1, r2, r3, c1, c2;
            uint64_t *acc;
            if ((x[0] | x[1]) == 0 || (y[0] | y[1]) == 0)
                continue;
            acc = (a->neg[t] ^ b->neg[t]) ? neg : pos;
            mul64(x[0], y[0], &h00, &l00);
            mul64(x[0], y[1], &h01, &l01);
            mul64(x[1], y[0], &h10, &l10);
            mul64(x[1], y[1], &h11, &l11);
            /* product limbs r0..r3 */
            r0 = l00;
            s = h00 + l01;
            c1 = s < l01;
            r1 = s + l10;
            c1 += r1 < l10;
            s = h01 + h10;
            c2 = s < h10;
            r2 = s + l11;
            c2 += r2 < l11;
            r2 += c1;
            c2 += r2 < c1;
            r3 = h11 + c2; /* the product is < 2^256: no wrap */
            /* acc += r */
            acc[0] += r0;
            c = acc[0] < r0;
            s = acc[1] + r1;
            c1 = s < r1;
            acc[1] = s + c;
            c = c1 + (acc[1] < c);
            s = acc[2] + r2;
            c1 = s < r2;
            acc[2] = s + c;
            c = c1 + (acc[2] < c);
            s = acc[3] + r3;
            c1 = s < r3;
            acc[3] = s + c;
            c = c1 + (acc[3] < c);
            acc_carry(acc, 4, acc_limbs, c);
        }
        return;
    }
    for (t = 0; t < len; t++) {
        const uint64_t *x = a->mag + la * t, *y = b->mag + lb * t;
        uint64_t *acc = (a->neg[t] ^ b->neg[t]) ? neg : pos;
        for (u = 0; u < la; u++) {
            uint64_t carry = 0;
            if (x[u] == 0)
                continue;
            for (w = 0; w < lb; w++) {
                uint64_t hi, lo, s;
                mul64(x[u], y[w], &hi, &lo);
                /* hi:lo + acc + carry < 2^128: hi absorbs both carries */
                s = lo + acc[u + w];
                hi += s < lo;
                lo = s + carry;
                hi += lo < carry;
                acc[u + w] = lo;
                carry = hi;
            }
            acc_carry(acc, u + lb, acc_limbs, carry);
        }
    }
}
