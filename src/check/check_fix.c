/* Fixed-point big-integer vectors for the checker's exact dot products
 * (include/nrc_check_exact.h).
 *
 * A vector of doubles x_t = m_t 2^{e_t} (m_t odd) is stored at the common
 * exponent E = min_t e_t as integers M_t = m_t 2^{e_t - E}, sign and
 * magnitude apart, each magnitude in the same number of 64-bit limbs.  The
 * dot product of two such vectors is sum_t (+-) M_t M'_t, an exact integer at
 * exponent E + E': the kernel adds each limb product into one of two
 * unsigned multi-limb accumulators (positive and negative terms), so the
 * inner loop is plain 64x64->128 multiply-and-add with carries, no
 * allocation and no per-term rational. */
#include <math.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_check_exact.h"

#if defined(__SIZEOF_INT128__) && !defined(__FRAMAC__)
#define NRC_CFIX_HAVE_DIGITS 1
__extension__ typedef unsigned __int128 nrc_u128;
__extension__ typedef __int128 nrc_i128;
#else
#define NRC_CFIX_HAVE_DIGITS 0
#endif

/* 64 x 64 -> 128 bit product. */
static inline void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
#if defined(__SIZEOF_INT128__) && !defined(__FRAMAC__)
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

void nrc_cfix_init(nrc_cfix *f)
{
    f->len = 0;
    f->limbs = 1;
    f->e = 0;
    f->mag = NULL;
    f->neg = NULL;
    f->dig = NULL;
}

void nrc_cfix_clear(nrc_cfix *f)
{
    nrc_free(f->mag);
    nrc_free(f->neg);
    nrc_free(f->dig);
    nrc_cfix_init(f);
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

#if NRC_CFIX_HAVE_DIGITS
/* Signed radix-2^52 digits: entry = sign (hi 2^52 + lo), both digits
 * carrying the sign, |hi|, |lo| < 2^52.  Products of digits are below 2^104
 * in magnitude, so a signed 128-bit accumulator takes 2^21 terms of the
 * degree-1 sum (two products per term) without overflow: chunks of 2^20
 * are flushed into an mpz.  No branch on the data, three accumulators. */
#define DIG_BITS 52
#define DIG_CHUNK ((size_t)1 << 20)

static void i128_to_mpz(mpz_t r, nrc_i128 x)
{
    nrc_u128 m = x < 0 ? (nrc_u128)0 - (nrc_u128)x : (nrc_u128)x;
    uint64_t w[2];
    w[0] = (uint64_t)m;
    w[1] = (uint64_t)(m >> 64);
    mpz_import(r, 2, -1, sizeof(uint64_t), 0, 0, w);
    if (x < 0)
        mpz_neg(r, r);
}

static void build_digits(nrc_cfix *f)
{
    size_t t;
    const uint64_t mask = ((uint64_t)1 << DIG_BITS) - 1;
    for (t = 0; t < f->len; t++) {
        uint64_t m0 = f->mag[t * f->limbs];
        uint64_t m1 = f->limbs > 1 ? f->mag[t * f->limbs + 1] : 0;
        int64_t lo = (int64_t)(m0 & mask);
        int64_t hi = (int64_t)((m0 >> DIG_BITS) | (m1 << (64 - DIG_BITS)));
        f->dig[2 * t] = f->neg[t] ? -lo : lo;
        f->dig[2 * t + 1] = f->neg[t] ? -hi : hi;
    }
}

#endif

/* When every magnitude fits in 104 bits, also keep the entries as signed
 * radix-2^52 digit pairs for the fast dot product (optional: on allocation
 * failure the limb kernels are used). */
static void attach_digits(nrc_cfix *f)
{
#if NRC_CFIX_HAVE_DIGITS
    size_t t;
    if (f->limbs > 2 || f->len == 0)
        return;
    for (t = 0; t < f->len; t++)
        if (f->limbs == 2 && (f->mag[2 * t + 1] >> (2 * DIG_BITS - 64)) != 0)
            return;
    f->dig = nrc_malloc_array(f->len, 2 * sizeof(int64_t));
    if (f->dig)
        build_digits(f);
#else
    (void)f;
#endif
}

nrc_status nrc_cfix_set_d(nrc_cfix *f, const double *x, size_t len, size_t stride,
                          nrc_error *err)
{
    long e;
    size_t limbs;
    nrc_cfix_clear(f);
    nrc_cfix_scan_d(x, len, stride, &e, &limbs);
    f->mag = nrc_malloc_array(len ? len : 1, limbs * sizeof(uint64_t));
    f->neg = nrc_malloc(len ? len : 1);
    if (!f->mag || !f->neg) {
        nrc_cfix_clear(f);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (exact vector of %zu entries)", len);
    }
    f->len = len;
    f->limbs = limbs;
    f->e = e;
    nrc_cfix_fill_d(x, len, stride, e, limbs, f->mag, f->neg);
    attach_digits(f);
    return NRC_OK;
}

nrc_status nrc_cfix_set_mpz(nrc_cfix *f, const mpz_t *vals, size_t len, long e,
                            nrc_error *err)
{
    size_t limbs = 1, t, u;
    nrc_cfix_clear(f);
    for (t = 0; t < len; t++) {
        size_t bits = mpz_sgn(vals[t]) ? mpz_sizeinbase(vals[t], 2) : 0;
        size_t l = (bits + 63) / 64;
        if (l > limbs)
            limbs = l;
    }
    f->mag = nrc_malloc_array(len ? len : 1, limbs * sizeof(uint64_t));
    f->neg = nrc_malloc(len ? len : 1);
    if (!f->mag || !f->neg) {
        nrc_cfix_clear(f);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (exact vector of %zu entries)", len);
    }
    f->len = len;
    f->limbs = limbs;
    f->e = e;
    for (t = 0; t < len; t++) {
        uint64_t *row = f->mag + t * limbs;
        size_t count = 0;
        for (u = 0; u < limbs; u++)
            row[u] = 0;
        f->neg[t] = mpz_sgn(vals[t]) < 0;
        if (mpz_sgn(vals[t]))
            mpz_export(row, &count, -1, sizeof(uint64_t), 0, 0, vals[t]);
    }
    attach_digits(f);
    return NRC_OK;
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

#if NRC_CFIX_HAVE_DIGITS
static void dot_digits(nrc_cdy *r, const nrc_cfix *a, const nrc_cfix *b)
{
    size_t len = a->len, from, t;
    mpz_t chunk, tmp;
    mpz_init(chunk);
    mpz_init(tmp);
    mpz_set_ui(r->m, 0);
    for (from = 0; from < len; from += DIG_CHUNK) {
        size_t to = len - from > DIG_CHUNK ? from + DIG_CHUNK : len;
        nrc_i128 s0 = 0, s1 = 0, s2 = 0;
        for (t = from; t < to; t++) {
            int64_t x0 = a->dig[2 * t], x1 = a->dig[2 * t + 1];
            int64_t y0 = b->dig[2 * t], y1 = b->dig[2 * t + 1];
            s0 += (nrc_i128)x0 * y0;
            s1 += (nrc_i128)x0 * y1 + (nrc_i128)x1 * y0;
            s2 += (nrc_i128)x1 * y1;
        }
        /* chunk = (s2 2^52 + s1) 2^52 + s0 */
        i128_to_mpz(chunk, s2);
        mpz_mul_2exp(chunk, chunk, DIG_BITS);
        i128_to_mpz(tmp, s1);
        mpz_add(chunk, chunk, tmp);
        mpz_mul_2exp(chunk, chunk, DIG_BITS);
        i128_to_mpz(tmp, s0);
        mpz_add(chunk, chunk, tmp);
        mpz_add(r->m, r->m, chunk);
    }
    mpz_clear(chunk);
    mpz_clear(tmp);
    r->e = a->e + b->e;
}

/* The same, over the listed indices only (ascending, every nonzero of a
 * among them): the KKT coefficient vectors are zero wherever a neuron is
 * inactive, about half the time. */
static void dot_digits_support(nrc_cdy *r, const nrc_cfix *a, const nrc_cfix *b,
                               const size_t *idx, size_t nidx)
{
    size_t from, u;
    mpz_t chunk, tmp;
    mpz_init(chunk);
    mpz_init(tmp);
    mpz_set_ui(r->m, 0);
    for (from = 0; from < nidx; from += DIG_CHUNK) {
        size_t to = nidx - from > DIG_CHUNK ? from + DIG_CHUNK : nidx;
        nrc_i128 s0 = 0, s1 = 0, s2 = 0;
        for (u = from; u < to; u++) {
            size_t t = idx[u];
            int64_t x0 = a->dig[2 * t], x1 = a->dig[2 * t + 1];
            int64_t y0 = b->dig[2 * t], y1 = b->dig[2 * t + 1];
            s0 += (nrc_i128)x0 * y0;
            s1 += (nrc_i128)x0 * y1 + (nrc_i128)x1 * y0;
            s2 += (nrc_i128)x1 * y1;
        }
        i128_to_mpz(chunk, s2);
        mpz_mul_2exp(chunk, chunk, DIG_BITS);
        i128_to_mpz(tmp, s1);
        mpz_add(chunk, chunk, tmp);
        mpz_mul_2exp(chunk, chunk, DIG_BITS);
        i128_to_mpz(tmp, s0);
        mpz_add(chunk, chunk, tmp);
        mpz_add(r->m, r->m, chunk);
    }
    mpz_clear(chunk);
    mpz_clear(tmp);
    r->e = a->e + b->e;
}
#endif

void nrc_cfix_dot(nrc_cdy *r, const nrc_cfix *a, const nrc_cfix *b,
                  uint64_t *scratch_pos, uint64_t *scratch_neg)
{
    size_t acc_limbs = a->limbs + b->limbs + 1;
    mpz_t t;
#if NRC_CFIX_HAVE_DIGITS
    if (a->dig && b->dig) {
        dot_digits(r, a, b);
        return;
    }
#endif
    nrc_cfix_dot_acc(a, b, scratch_pos, scratch_neg, acc_limbs);
    mpz_import(r->m, acc_limbs, -1, sizeof(uint64_t), 0, 0, scratch_pos);
    mpz_init(t);
    mpz_import(t, acc_limbs, -1, sizeof(uint64_t), 0, 0, scratch_neg);
    mpz_sub(r->m, r->m, t);
    mpz_clear(t);
    r->e = a->e + b->e;
}

void nrc_cfix_dot_support(nrc_cdy *r, const nrc_cfix *a, const nrc_cfix *b,
                          const size_t *idx, size_t nidx,
                          uint64_t *scratch_pos, uint64_t *scratch_neg)
{
#if NRC_CFIX_HAVE_DIGITS
    if (a->dig && b->dig) {
        dot_digits_support(r, a, b, idx, nidx);
        return;
    }
#else
    (void)idx;
    (void)nidx;
#endif
    /* entries of a outside idx are zero: the full product is the same */
    nrc_cfix_dot(r, a, b, scratch_pos, scratch_neg);
}

void nrc_cfix_get(nrc_cdy *r, const nrc_cfix *f, size_t t)
{
    mpz_import(r->m, f->limbs, -1, sizeof(uint64_t), 0, 0, f->mag + t * f->limbs);
    if (f->neg[t])
        mpz_neg(r->m, r->m);
    r->e = f->e;
}
