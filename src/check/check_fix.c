/* Fixed-point big-integer vectors for the checker's exact dot products
 * (include/check/nrc_check_exact.h): allocation, conversion from mpz, the signed
 * radix-2^52 digit fast path and the mpz glue around the kernels of
 * check_kern.c (which hold the representation's description). */
#include <math.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_check_exact.h"

#if defined(__SIZEOF_INT128__) && !defined(__FRAMAC__) && !defined(NRC_CHECK_PORTABLE)
#define NRC_CFIX_HAVE_DIGITS 1
__extension__ typedef unsigned __int128 nrc_u128;
__extension__ typedef __int128 nrc_i128;
#else
#define NRC_CFIX_HAVE_DIGITS 0
#endif

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
