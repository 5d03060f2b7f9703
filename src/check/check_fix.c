/* Fixed-point big-integer vectors for the checker's exact dot products
 * (include/check/nrc_check_exact.h): allocation, conversion from mpz, the signed
 * radix-2^52 digit fast path and the mpz glue around the kernels of
 * check_kern.c (which hold the representation's description). */
#include <math.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_check_exact.h"
#include "nrc_check_gemm.h"

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

/* ---- exact matrix products (nrc_cfix_gemm) ------------------------------
 * Blocks of GEMM_MB rows of A by GEMM_NP panels of NRC_CDIG_NR vectors of
 * B; within a block the terms go by chunks of NRC_CDIG_CHUNK: the chunk's
 * digits of the block's rows and panels are cut (nrc_cdig_row,
 * nrc_cdig_panel), each (row, panel) pair runs the micro-kernel and its
 * position sums are folded into the pair's accumulators. So the digits are
 * cut (na / GEMM_MB) + (nb / (GEMM_NP NRC_CDIG_NR)) times per term instead
 * of once per product, and the buffers stay a few MB for any length. */
#define GEMM_MB 128
#define GEMM_NP 32

typedef struct {
    int32_t *rows, *panels;
    uint64_t *pos, *neg;
    int64_t acc[(2 * NRC_CDIG_MAXD - 1) * NRC_CDIG_NR];
} gemm_ws;

static void gemm_ws_free(gemm_ws *w)
{
    nrc_free(w->rows);
    nrc_free(w->panels);
    nrc_free(w->pos);
    nrc_free(w->neg);
}

/* Pair by pair (entries wider than the digit kernels take). */
static nrc_status gemm_pairs(nrc_cdy *C, size_t ldc, const nrc_cfix *A, size_t na,
                             const nrc_cfix *B, size_t nb, nrc_error *err)
{
    size_t la = 1, lb = 1, i, j;
    uint64_t *sp, *sn;
    for (i = 0; i < na; i++)
        la = A[i].limbs > la ? A[i].limbs : la;
    for (j = 0; j < nb; j++)
        lb = B[j].limbs > lb ? B[j].limbs : lb;
    sp = nrc_malloc_array(la + lb + 1, sizeof(uint64_t));
    sn = nrc_malloc_array(la + lb + 1, sizeof(uint64_t));
    if (!sp || !sn) {
        nrc_free(sp);
        nrc_free(sn);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (exact products)");
    }
    for (i = 0; i < na; i++)
        for (j = 0; j < nb; j++)
            nrc_cfix_dot(&C[i * ldc + j], &A[i], &B[j], sp, sn);
    nrc_free(sp);
    nrc_free(sn);
    return NRC_OK;
}

/* r = pos - neg (NRC_CDIG_ACC_LIMBS limbs each) at exponent e. */
static void gemm_store(nrc_cdy *r, const uint64_t *pos, const uint64_t *neg, long e, mpz_t tmp)
{
    size_t u;
    int any = 0;
    mpz_import(r->m, NRC_CDIG_ACC_LIMBS, -1, sizeof(uint64_t), 0, 0, pos);
    for (u = 0; u < NRC_CDIG_ACC_LIMBS; u++)
        any |= neg[u] != 0;
    if (any) {
        mpz_import(tmp, NRC_CDIG_ACC_LIMBS, -1, sizeof(uint64_t), 0, 0, neg);
        mpz_sub(r->m, r->m, tmp);
    }
    r->e = e;
}

/* One block: rows i0 .. i0 + mb - 1 of A, vectors j0 .. j0 + nbb - 1 of B. */
static void gemm_block(gemm_ws *w, nrc_cdy *C, size_t ldc, const nrc_cfix *A, size_t i0,
                       size_t mb, const nrc_cfix *B, size_t j0, size_t nbb, size_t len,
                       size_t K, mpz_t tmp)
{
    const size_t np = (nbb + NRC_CDIG_NR - 1) / NRC_CDIG_NR, L = NRC_CDIG_ACC_LIMBS;
    const size_t P = 2 * K - 1, pstride = NRC_CDIG_CHUNK * K * NRC_CDIG_NR;
    size_t t0, i, q, j;
    memset(w->pos, 0, mb * np * NRC_CDIG_NR * L * sizeof(uint64_t));
    memset(w->neg, 0, mb * np * NRC_CDIG_NR * L * sizeof(uint64_t));
    for (t0 = 0; t0 < len; t0 += NRC_CDIG_CHUNK) {
        const size_t tl = len - t0 < NRC_CDIG_CHUNK ? len - t0 : NRC_CDIG_CHUNK;
        for (i = 0; i < mb; i++)
            nrc_cdig_row(&A[i0 + i], t0, tl, K, w->rows + i * NRC_CDIG_CHUNK * K);
        for (q = 0; q < np; q++) {
            size_t first = q * NRC_CDIG_NR, cnt = nbb - first;
            nrc_cdig_panel(&B[j0 + first], cnt < NRC_CDIG_NR ? cnt : NRC_CDIG_NR, t0, tl, K,
                           w->panels + q * pstride);
        }
        for (q = 0; q < np; q++) {
            const int32_t *pan = w->panels + q * pstride;
            size_t first = q * NRC_CDIG_NR, cnt = nbb - first;
            if (cnt > NRC_CDIG_NR)
                cnt = NRC_CDIG_NR;
            for (i = 0; i < mb; i++) {
                const int32_t *row = w->rows + i * NRC_CDIG_CHUNK * K;
                size_t o = (i * np + q) * NRC_CDIG_NR * L;
                if (K == 3)
                    nrc_cdig_mk3(tl, row, pan, w->acc);
                else
                    nrc_cdig_mk4(tl, row, pan, w->acc);
                nrc_cdig_fold(w->acc, P, cnt, w->pos + o, w->neg + o);
            }
        }
    }
    for (i = 0; i < mb; i++)
        for (j = 0; j < nbb; j++) {
            size_t o = (i * np * NRC_CDIG_NR + j) * L;
            gemm_store(&C[(i0 + i) * ldc + j0 + j], w->pos + o, w->neg + o,
                       A[i0 + i].e + B[j0 + j].e, tmp);
        }
}

nrc_status nrc_cfix_gemm(nrc_cdy *C, size_t ldc, const nrc_cfix *A, size_t na,
                         const nrc_cfix *B, size_t nb, nrc_error *err)
{
    size_t bits = 0, len, K, mbm, nbm, i0, j0, i;
    gemm_ws w = {0};
    mpz_t tmp;
    if (na == 0 || nb == 0)
        return NRC_OK;
    len = A[0].len;
    for (i = 0; i < na + nb; i++) {
        const nrc_cfix *f = i < na ? &A[i] : &B[i - na];
        size_t b = f->limbs <= 2 ? nrc_cfix_bits(f) : SIZE_MAX;   /* wider: pair by pair */
        bits = b > bits ? b : bits;
    }
    if (bits > NRC_CDIG_BITS * NRC_CDIG_MAXD)
        return gemm_pairs(C, ldc, A, na, B, nb, err);
    K = bits <= 3 * NRC_CDIG_BITS ? 3 : 4;
    mbm = na < GEMM_MB ? na : GEMM_MB;
    nbm = (nb < GEMM_NP * NRC_CDIG_NR ? nb : GEMM_NP * NRC_CDIG_NR);
    nbm = (nbm + NRC_CDIG_NR - 1) / NRC_CDIG_NR;   /* panels */
    w.rows = nrc_malloc_array(mbm * NRC_CDIG_CHUNK * K, sizeof(int32_t));
    w.panels = nrc_malloc_array(nbm * NRC_CDIG_CHUNK * K * NRC_CDIG_NR, sizeof(int32_t));
    w.pos = nrc_malloc_array(mbm * nbm * NRC_CDIG_NR * NRC_CDIG_ACC_LIMBS, sizeof(uint64_t));
    w.neg = nrc_malloc_array(mbm * nbm * NRC_CDIG_NR * NRC_CDIG_ACC_LIMBS, sizeof(uint64_t));
    if (!w.rows || !w.panels || !w.pos || !w.neg) {
        gemm_ws_free(&w);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (exact products)");
    }
    mpz_init(tmp);
    for (i0 = 0; i0 < na; i0 += GEMM_MB)
        for (j0 = 0; j0 < nb; j0 += GEMM_NP * NRC_CDIG_NR) {
            size_t mb = na - i0 < GEMM_MB ? na - i0 : GEMM_MB;
            size_t nbb = nb - j0 < GEMM_NP * NRC_CDIG_NR ? nb - j0 : GEMM_NP * NRC_CDIG_NR;
            gemm_block(&w, C, ldc, A, i0, mb, B, j0, nbb, len, K, tmp);
        }
    mpz_clear(tmp);
    gemm_ws_free(&w);
    return NRC_OK;
}
