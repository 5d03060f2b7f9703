/* The fixed-point kernels of src/check/check_kern.c, both builds of them:
 * this file compiles the portable code (NRC_CHECK_PORTABLE: no 128-bit
 * integers, the code Frama-C WP proves) into itself under the port_* names,
 * and links the library's build (128-bit integers where the compiler has
 * them).  Both are compared limb for limb with each other and with GMP on
 * adversarial inputs: all-ones limbs (2^64 - 1), carries that ripple through
 * every accumulator limb, entries of 1, 2, 3 and 4 limbs, zeros, mixed
 * signs; the double conversion against a frexp-based reference (normal,
 * subnormal, extreme and signed-zero entries, strides). */
#include <float.h>
#include <gmp.h>
#include <math.h>
#include <string.h>
#include "testlib.h"

/* The portable kernels, renamed so that the library's own stay callable. */
#define NRC_CHECK_PORTABLE 1
#define nrc_cfix_scan_d port_scan_d
#define nrc_cfix_fill_d port_fill_d
#define nrc_cfix_dot_acc port_dot_acc
#define nrc_cfix_dot_acc_ref port_dot_acc_ref
#define nrc_cfix_bits port_cfix_bits
#define nrc_cdig_row port_cdig_row
#define nrc_cdig_panel port_cdig_panel
#define nrc_cdig_mk3 port_cdig_mk3
#define nrc_cdig_mk4 port_cdig_mk4
#define nrc_cdig_fold port_cdig_fold
#include "../src/check/check_kern.c"
#undef nrc_cfix_scan_d
#undef nrc_cfix_fill_d
#undef nrc_cfix_dot_acc
#undef nrc_cfix_dot_acc_ref
#undef nrc_cfix_bits
#undef nrc_cdig_row
#undef nrc_cdig_panel
#undef nrc_cdig_mk3
#undef nrc_cdig_mk4
#undef nrc_cdig_fold

/* The library's kernels (include/check/nrc_check_kernels.h, already included above
 * under the renamed prototypes). */
void nrc_cfix_scan_d(const double *x, size_t len, size_t stride, long *e, size_t *limbs);
void nrc_cfix_fill_d(const double *x, size_t len, size_t stride, long e, size_t limbs,
                     uint64_t *mag, unsigned char *neg);
void nrc_cfix_dot_acc(const nrc_cfix *a, const nrc_cfix *b, uint64_t *pos, uint64_t *neg,
                      size_t acc_limbs);
void nrc_cfix_dot_acc_ref(const nrc_cfix *a, const nrc_cfix *b, uint64_t *pos, uint64_t *neg,
                          size_t acc_limbs);
void nrc_cdig_mk3(size_t len, const int32_t *a, const int32_t *p, int64_t *acc);
void nrc_cdig_mk4(size_t len, const int32_t *a, const int32_t *p, int64_t *acc);

static uint64_t rng_state;
static uint64_t rnd(void) { return tl_splitmix64(&rng_state); }

/* An adversarial limb: mostly extremes. */
static uint64_t rnd_limb(void)
{
    switch (rnd() % 8) {
    case 0: return 0;
    case 1: return 1;
    case 2: return 2;
    case 3: return UINT64_MAX - rnd() % 3;
    case 4: return UINT64_C(1) << (rnd() % 64);
    case 5: return (UINT64_C(1) << 63) - 1 + rnd() % 3;
    default: return rnd();
    }
}

/* ---- mul64, adc ----------------------------------------------------- */

static void portable_mul64_and_adc(void)
{
    static const uint64_t edge[] = {0, 1, 2, 3, 0xffffffffu, UINT64_C(0x100000000),
                                    UINT64_C(0x100000001), UINT64_C(0x7fffffffffffffff),
                                    UINT64_C(0x8000000000000000), UINT64_MAX - 1, UINT64_MAX,
                                    UINT64_C(0xffffffff00000000), UINT64_C(0x00000000ffffffff)};
    size_t n = sizeof edge / sizeof *edge, i, j;
    long it, iters = 200000 * tl_mult();
    mpz_t p, q, s;
    mpz_inits(p, q, s, NULL);
    rng_state = tl_seed() + 11;
    for (it = 0; it < iters + (long)(n * n); it++) {
        uint64_t a, b, c, hi, lo, sum, carry;
        if (it < (long)(n * n)) {
            i = (size_t)it / n;
            j = (size_t)it % n;
            a = edge[i];
            b = edge[j];
        } else {
            a = rnd_limb();
            b = rnd_limb();
        }
        c = (uint64_t)(it & 1);
        mul64(a, b, &hi, &lo);
        mpz_set_ui(p, a);
        mpz_mul_ui(p, p, b);
        mpz_set_ui(q, hi);
        mpz_mul_2exp(q, q, 64);
        mpz_add_ui(q, q, lo);
        if (mpz_cmp(p, q) != 0) {
            CHECK(0, "mul64(%#llx, %#llx) = %#llx:%#llx", (unsigned long long)a,
                  (unsigned long long)b, (unsigned long long)hi, (unsigned long long)lo);
            break;
        }
        carry = adc(a, b, c, &sum);
        mpz_set_ui(p, a);
        mpz_add_ui(p, p, b);
        mpz_add_ui(p, p, c);
        mpz_set_ui(q, carry);
        mpz_mul_2exp(q, q, 64);
        mpz_add_ui(q, q, sum);
        if (carry > 1 || mpz_cmp(p, q) != 0) {
            CHECK(0, "adc(%#llx, %#llx, %llu) = %llu:%#llx", (unsigned long long)a,
                  (unsigned long long)b, (unsigned long long)c, (unsigned long long)carry,
                  (unsigned long long)sum);
            break;
        }
    }
    for (i = 0; i < 64; i++)
        CHECK(pow2_64(i) == UINT64_C(1) << i, "pow2_64(%zu)", i);
    mpz_clears(p, q, s, NULL);
}

/* ---- dot products ----------------------------------------------------- */

#define LMAX 5
#define NMAX 64

/* sum of the terms of one sign (sign 0: positive, 1: negative), exactly */
static void ref_part(mpz_t r, const nrc_cfix *a, const nrc_cfix *b, int sign)
{
    mpz_t x, y;
    size_t t;
    mpz_inits(x, y, NULL);
    mpz_set_ui(r, 0);
    for (t = 0; t < a->len; t++) {
        if ((a->neg[t] ^ b->neg[t]) != sign)
            continue;
        mpz_import(x, a->limbs, -1, 8, 0, 0, a->mag + t * a->limbs);
        mpz_import(y, b->limbs, -1, 8, 0, 0, b->mag + t * b->limbs);
        mpz_addmul(r, x, y);
    }
    mpz_clears(x, y, NULL);
}

/* acc (n limbs) equals r exactly */
static int acc_equals(const uint64_t *acc, size_t n, const mpz_t r)
{
    mpz_t v;
    int eq;
    mpz_init(v);
    mpz_import(v, n, -1, 8, 0, 0, acc);
    eq = mpz_cmp(v, r) == 0;
    mpz_clear(v);
    return eq;
}

/* pattern: 0 random adversarial limbs, 1 all ones (maximal products, every
 * accumulator limb carries), 2 all ones with zero entries and signs mixed,
 * 3 single-limb-wide values in multi-limb entries (top limbs zero) */
static void fill_vec(nrc_cfix *f, uint64_t *mag, unsigned char *neg, size_t len, size_t limbs,
                     int pattern)
{
    size_t t, u;
    f->len = len;
    f->limbs = limbs;
    f->e = 0;
    f->mag = mag;
    f->neg = neg;
    f->dig = NULL;
    for (t = 0; t < len; t++) {
        neg[t] = pattern == 1 ? 0 : (unsigned char)(rnd() & 1);
        for (u = 0; u < limbs; u++) {
            uint64_t v = rnd_limb();
            if (pattern == 1 || pattern == 2)
                v = UINT64_MAX;
            if (pattern == 3 && u > 0)
                v = 0;
            mag[t * limbs + u] = v;
        }
        if (pattern == 2 && rnd() % 4 == 0)
            for (u = 0; u < limbs; u++)
                mag[t * limbs + u] = 0;
    }
}

static void dot_kernels_adversarial(void)
{
    static uint64_t ma[NMAX * LMAX], mb[NMAX * LMAX];
    static unsigned char na[NMAX], nb[NMAX];
    long it, iters = 3000 * tl_mult();
    int seen[LMAX + 1][LMAX + 1] = {{0}};
    mpz_t rp, rn;
    mpz_inits(rp, rn, NULL);
    rng_state = tl_seed() + 12;
    for (it = 0; it < iters; it++) {
        size_t la = 1 + (size_t)(rnd() % LMAX), lb = 1 + (size_t)(rnd() % LMAX);
        size_t len = (size_t)(rnd() % (NMAX + 1)), al, u;
        int pa = (int)(rnd() % 4), pb = (int)(rnd() % 4);
        uint64_t p1[2 * LMAX + 1], n1[2 * LMAX + 1], p2[2 * LMAX + 1], n2[2 * LMAX + 1];
        uint64_t p3[2 * LMAX + 1], n3[2 * LMAX + 1];
        nrc_cfix a, b;
        if (it % 3 == 0)
            lb = la; /* the unrolled 1x1 and 2x2 paths */
        if (it % 17 == 0) {
            pa = pb = 1; /* all ones */
            len = NMAX;
        }
        al = la + lb + 1;
        fill_vec(&a, ma, na, len, la, pa);
        fill_vec(&b, mb, nb, len, lb, pb);
        for (u = 0; u < al; u++)
            p1[u] = n1[u] = p2[u] = n2[u] = p3[u] = n3[u] = rnd(); /* zeroed by the kernels */
        port_dot_acc_ref(&a, &b, p1, n1, al);
        port_dot_acc(&a, &b, p2, n2, al);
        nrc_cfix_dot_acc(&a, &b, p3, n3, al);
        ref_part(rp, &a, &b, 0);
        ref_part(rn, &a, &b, 1);
        seen[la][lb]++;
        if (!acc_equals(p1, al, rp) || !acc_equals(n1, al, rn)) {
            CHECK(0, "iteration %ld: portable kernel differs from GMP (limbs %zu %zu, len %zu, "
                     "patterns %d %d)", it, la, lb, len, pa, pb);
            break;
        }
        if (memcmp(p1, p2, al * 8) != 0 || memcmp(n1, n2, al * 8) != 0 ||
            memcmp(p1, p3, al * 8) != 0 || memcmp(n1, n3, al * 8) != 0) {
            CHECK(0, "iteration %ld: portable and library kernels differ (limbs %zu %zu)", it,
                  la, lb);
            break;
        }
    }
    CHECK(seen[1][1] && seen[2][2] && seen[3][3] && seen[1][3] && seen[4][2],
          "limb combinations not all exercised");
    mpz_clears(rp, rn, NULL);
}

/* (2^(64 L) - 1)^2 + 2 (2^(64 L) - 1) = 2^(128 L) - 1 leaves every one of
 * the 2L low accumulator limbs all ones; the third term, 1, carries from
 * limb 0 through all of them into the top limb: 2^(128 L) exactly. */
static void dot_carry_ripples_through_every_limb(void)
{
    size_t la, u, rot;
    for (la = 1; la <= LMAX; la++)
        for (rot = 0; rot < 2; rot++) {
            uint64_t ma[3 * LMAX], mb[3 * LMAX], pos[2 * LMAX + 1], neg[2 * LMAX + 1];
            uint64_t pp[2 * LMAX + 1], pn[2 * LMAX + 1];
            unsigned char na[3] = {0, 0, 0}, nb[3] = {0, 0, 0};
            size_t al = 2 * la + 1;
            nrc_cfix a = {3, la, 0, ma, na, NULL}, b = {3, la, 0, mb, nb, NULL};
            memset(ma, 0, sizeof ma);
            memset(mb, 0, sizeof mb);
            for (u = 0; u < la; u++) {
                ma[u] = mb[u] = UINT64_MAX; /* term 0: (2^(64 la) - 1)^2 */
                ma[la + u] = UINT64_MAX;    /* term 1: (2^(64 la) - 1) 2 */
            }
            mb[la] = 2;
            ma[2 * la] = mb[2 * la] = 1;    /* term 2: 1 */
            if (rot) {
                /* the same on the negative side */
                na[0] = na[1] = na[2] = 1;
            }
            port_dot_acc_ref(&a, &b, pos, neg, al);
            nrc_cfix_dot_acc(&a, &b, pp, pn, al);
            for (u = 0; u < al; u++) {
                uint64_t want = u == 2 * la ? 1 : 0;
                CHECK((rot ? neg : pos)[u] == want && (rot ? pos : neg)[u] == 0,
                      "ripple, %zu limbs: limb %zu", la, u);
            }
            CHECK(memcmp(pos, pp, al * 8) == 0 && memcmp(neg, pn, al * 8) == 0,
                  "ripple, %zu limbs: library differs", la);
        }
}

/* ---- scan and fill against a frexp-based reference --------------------- */

static void ref_split(double x, uint64_t *m, long *e)
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

static double rnd_extreme_double(void)
{
    static const double edge[] = {0.0, -0.0, 0x1p-1074, -0x1p-1074, 0x1.fffffffffffffp+1023,
                                  -0x1.fffffffffffffp+1023, 0x1p-1022, 0x1.ffffffffffffep-1023,
                                  1.0, -1.0, 0x1p+1023, 3.0, 0x1.0000000000001p+0};
    uint64_t r = rnd();
    switch (r % 4) {
    case 0: return edge[rnd() % (sizeof edge / sizeof *edge)];
    case 1: {
        /* any finite bit pattern */
        uint64_t u = rnd();
        double x;
        if (((u >> 52) & 0x7ff) == 0x7ff)
            u &= ~(UINT64_C(1) << 62);
        memcpy(&x, &u, sizeof x);
        return x;
    }
    default: {
        double m = (double)(rnd() >> 11) * 0x1p-53;
        int e = (int)(rnd() % 200) - 100;
        return (r & 8) ? -ldexp(m, e) : ldexp(m, e);
    }
    }
}

static void scan_fill_match_reference(void)
{
    static double x[3 * 40];
    static uint64_t m1[40 * 40], m2[40 * 40], want[40 * 40];
    static unsigned char n1[40], n2[40];
    long it, iters = 3000 * tl_mult();
    rng_state = tl_seed() + 13;
    for (it = 0; it < iters; it++) {
        size_t len = (size_t)(rnd() % 41), stride = 1 + (size_t)(rnd() % 3), t, u;
        long e1, e2, eref = 0, top = 0;
        size_t l1, l2, lref;
        int any = 0;
        for (t = 0; t < len * stride; t++)
            x[t] = rnd_extreme_double();
        if (it % 5 == 0)
            for (t = 0; t < len; t++)
                x[t * stride] = (rnd() & 1) ? 0x1.fffffffffffffp+1023 : 0x1p-1074;
        /* reference exponent and limbs */
        for (t = 0; t < len; t++) {
            uint64_t m;
            long ee, bl = 0;
            if (x[t * stride] == 0.0)
                continue;
            ref_split(x[t * stride], &m, &ee);
            while (m >> bl)
                bl++;
            if (!any || ee < eref)
                eref = ee;
            if (!any || ee + bl > top)
                top = ee + bl;
            any = 1;
        }
        lref = any ? (size_t)((top - eref + 63) / 64) : 1;
        if (!any)
            eref = 0;
        port_scan_d(x, len, stride, &e1, &l1);
        nrc_cfix_scan_d(x, len, stride, &e2, &l2);
        if (e1 != eref || l1 != lref || e2 != eref || l2 != lref) {
            CHECK(0, "iteration %ld: scan (%ld, %zu) library (%ld, %zu), want (%ld, %zu)", it,
                  e1, l1, e2, l2, eref, lref);
            break;
        }
        if (lref > 40)
            continue;
        /* reference magnitudes: m 2^(ee - e) in lref limbs */
        memset(want, 0, len * lref * 8);
        for (t = 0; t < len; t++) {
            uint64_t m;
            long ee;
            mpz_t v;
            size_t cnt = 0;
            if (x[t * stride] == 0.0)
                continue;
            ref_split(x[t * stride], &m, &ee);
            mpz_init_set_ui(v, m);
            mpz_mul_2exp(v, v, (mp_bitcnt_t)(ee - eref));
            mpz_export(want + t * lref, &cnt, -1, 8, 0, 0, v);
            CHECK(cnt <= lref, "entry %zu needs %zu limbs > %zu", t, cnt, lref);
            mpz_clear(v);
        }
        memset(m1, 0xa5, len * lref * 8);
        memset(m2, 0x5a, len * lref * 8);
        memset(n1, 7, len);
        memset(n2, 9, len);
        port_fill_d(x, len, stride, e1, l1, m1, n1);
        nrc_cfix_fill_d(x, len, stride, e2, l2, m2, n2);
        for (t = 0; t < len; t++) {
            unsigned char s = x[t * stride] < 0.0;
            if (n1[t] != s || n2[t] != s)
                break;
            for (u = 0; u < lref; u++)
                if (m1[t * lref + u] != want[t * lref + u] || m2[t * lref + u] != want[t * lref + u])
                    break;
            if (u < lref)
                break;
        }
        if (t < len) {
            CHECK(0, "iteration %ld: entry %zu (%a) filled wrong", it, t, x[t * stride]);
            break;
        }
    }
}

/* ---- digit micro-kernels ------------------------------------------------ */

__extension__ typedef __int128 t_i128;

/* A digit: mostly the extremes +-(2^26 - 1), 0, +-1, else random. */
static int32_t rnd_digit(void)
{
    const int32_t top = (1 << 26) - 1;
    switch (rnd() % 6) {
    case 0: return top;
    case 1: return -top;
    case 2: return 0;
    case 3: return rnd() & 1 ? 1 : -1;
    default: return (int32_t)(rnd() % (2u * (uint32_t)top + 1)) - top;
    }
}

/* The micro-kernels (the vectorized clones the CPU picks and the portable
 * build) against a plain __int128 sum of every digit product, at the
 * chunk's full length with all-extreme digits (the int64 bound is tight:
 * 512 * 4 * (2^26 - 1)^2 = 2^63 - 2^38 + 2^11) and at random lengths. */
static void digit_microkernels(void)
{
    static int32_t a[NRC_CDIG_CHUNK * 4], p[NRC_CDIG_CHUNK * 4 * NRC_CDIG_NR];
    int64_t acc1[7 * NRC_CDIG_NR], acc2[7 * NRC_CDIG_NR];
    long it, iters = 200 * tl_mult();
    rng_state = tl_seed() + 31;
    for (it = 0; it < iters; it++) {
        size_t D = 3 + (size_t)(it & 1), len = it < 8 ? NRC_CDIG_CHUNK : (size_t)(rnd() % (NRC_CDIG_CHUNK + 1));
        size_t t, u, c, q;
        int ext = it < 8;   /* all digits +-(2^26 - 1), one sign per position */
        for (t = 0; t < len * D; t++)
            a[t] = ext ? (it & 2 ? -((1 << 26) - 1) : (1 << 26) - 1) : rnd_digit();
        for (t = 0; t < len * D * NRC_CDIG_NR; t++)
            p[t] = ext ? (1 << 26) - 1 : rnd_digit();
        if (D == 3) {
            nrc_cdig_mk3(len, a, p, acc1);
            port_cdig_mk3(len, a, p, acc2);
        } else {
            nrc_cdig_mk4(len, a, p, acc1);
            port_cdig_mk4(len, a, p, acc2);
        }
        for (c = 0; c < NRC_CDIG_NR; c++)
            for (q = 0; q < 2 * D - 1; q++) {
                t_i128 want = 0;
                for (t = 0; t < len; t++)
                    for (u = 0; u < D; u++)
                        if (q >= u && q - u < D)
                            want += (t_i128)a[t * D + u] *
                                    p[(t * D + (q - u)) * NRC_CDIG_NR + c];
                if (acc1[q * NRC_CDIG_NR + c] != want || acc2[q * NRC_CDIG_NR + c] != want) {
                    CHECK(0, "iteration %ld: D %zu len %zu column %zu position %zu: %lld %lld",
                          it, D, len, c, q, (long long)acc1[q * NRC_CDIG_NR + c],
                          (long long)acc2[q * NRC_CDIG_NR + c]);
                    return;
                }
            }
    }
}

int main(void)
{
    RUN(portable_mul64_and_adc);
    RUN(dot_kernels_adversarial);
    RUN(dot_carry_ripples_through_every_limb);
    RUN(scan_fill_match_reference);
    RUN(digit_microkernels);
    return tl_exit();
}
