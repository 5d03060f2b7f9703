/* The checker's exact matrix products (nrc_cfix_gemm, src/check/check_fix.c,
 * over the digit kernels of src/check/check_kern.c) against the slow
 * references: every entry against nrc_cfix_dot (the limb kernels, tested
 * against GMP in t-check_kern and t-check_exact) and, on the smaller shapes,
 * against an independent GMP sum of the exact products of the entries.
 * Inputs: normal doubles; wide exponent spreads (the 3-digit path up to 78
 * bits, the 4-digit path up to 104 bits, the pair-by-pair fallback above);
 * subnormals; +-0; exact cancellations; huge exponents; magnitudes of all
 * ones (2^78 - 1, 2^104 - 1: every digit at its maximum); lengths around the
 * chunk of 512 terms; shapes that are not multiples of the 8-column panels
 * and cross the 128-row and 256-column blocks. */
#include <float.h>
#include <math.h>
#include <string.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_check_gemm.h"

static uint64_t rng_state;
static uint64_t rnd(void) { return tl_splitmix64(&rng_state); }

static double unit(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

/* Entry t of a vector of the given pattern (column/row index r). */
static double entry(int pattern, size_t r, size_t t, int spread)
{
    double s = rnd() & 1 ? -1.0 : 1.0, m = 0.5 + 0.5 * unit();
    switch (pattern) {
    case 0: /* plain: one binade around 1 */
        return s * m;
    case 1: /* exponents in [-spread, spread]: magnitudes of 53 + 2 spread bits */
        return s * ldexp(m, (int)(rnd() % (uint64_t)(2 * spread + 1)) - spread);
    case 2: /* subnormals and the smallest normals */
        return rnd() % 3 ? s * ldexp((double)(rnd() % 100000), -1074) : s * 0x1p-1022;
    case 3: /* zeros of both signs, a few ones */
        return rnd() % 5 ? (rnd() & 1 ? -0.0 : 0.0) : s;
    case 4: /* huge exponents, spread 20 */
        return s * ldexp(m, 1000 - (int)(rnd() % 21));
    default: /* cancellation: entries come in equal pairs (see make_vectors) */
        (void)r;
        return ldexp(m, -(int)((t / 2) % 30));
    }
}

/* count vectors of length len, pattern; for the cancellation pattern the
 * vectors of side 0 repeat each entry twice and those of side 1 alternate
 * signs on the pairs, so that every product is exactly 0. */
static int make_vectors(nrc_cfix *v, size_t count, size_t len, int pattern, int side,
                        int spread, double *buf)
{
    nrc_error err;
    size_t r, t;
    for (r = 0; r < count; r++) {
        for (t = 0; t < len; t++) {
            if (pattern == 5) {
                double x = t % 2 ? buf[t - 1] : entry(5, r, t, spread) * (1.0 + (double)(r % 7));
                buf[t] = side && t % 2 ? -fabs(x) : fabs(x);
            } else {
                buf[t] = entry(pattern, r, t, spread);
            }
        }
        if (pattern == 5 && side == 1 && len % 2)
            buf[len - 1] = 0.0;   /* the unpaired last term */
        nrc_cfix_init(&v[r]);
        if (nrc_cfix_set_d(&v[r], buf, len, 1, &err) != NRC_OK)
            return 0;
    }
    return 1;
}

/* Magnitudes of all ones: bits - 1 ... 0 set (2^bits - 1), random signs. */
static int make_ones(nrc_cfix *v, size_t count, size_t len, unsigned bits)
{
    nrc_error err;
    mpz_t *vals = nrc_malloc_array(len ? len : 1, sizeof(mpz_t));
    size_t r, t;
    if (!vals)
        return 0;
    for (t = 0; t < len; t++)
        mpz_init(vals[t]);
    for (r = 0; r < count; r++) {
        for (t = 0; t < len; t++) {
            mpz_set_ui(vals[t], 1);
            mpz_mul_2exp(vals[t], vals[t], bits);
            mpz_sub_ui(vals[t], vals[t], 1);
            if (rnd() & 1)
                mpz_neg(vals[t], vals[t]);
        }
        nrc_cfix_init(&v[r]);
        if (nrc_cfix_set_mpz(&v[r], (const mpz_t *)vals, len, -7, &err) != NRC_OK)
            return 0;
    }
    for (t = 0; t < len; t++)
        mpz_clear(vals[t]);
    nrc_free(vals);
    return 1;
}

/* sum_t a_t b_t by GMP, entry by entry. */
static void ref_dot(nrc_cdy *r, const nrc_cfix *a, const nrc_cfix *b)
{
    nrc_cdy x, y, p;
    size_t t;
    nrc_cdy_init(&x);
    nrc_cdy_init(&y);
    nrc_cdy_init(&p);
    nrc_cdy_set_si(r, 0);
    for (t = 0; t < a->len; t++) {
        nrc_cfix_get(&x, a, t);
        nrc_cfix_get(&y, b, t);
        nrc_cdy_mul(&p, &x, &y);
        nrc_cdy_add(r, r, &p);
    }
    nrc_cdy_clear(&x);
    nrc_cdy_clear(&y);
    nrc_cdy_clear(&p);
}

static void free_vectors(nrc_cfix *v, size_t count)
{
    for (size_t r = 0; r < count; r++)
        nrc_cfix_clear(&v[r]);
}

/* One product: na x nb vectors of length len; returns 0 on a mismatch. */
static int one_case(const char *what, size_t na, size_t nb, size_t len, int pa, int pb,
                    int spread, unsigned ones_bits, int with_gmp)
{
    nrc_cfix *A = nrc_malloc_array(na, sizeof *A), *B = nrc_malloc_array(nb, sizeof *B);
    nrc_cdy *C = nrc_malloc_array(na * nb + 1, sizeof *C), d, g;
    double *buf = nrc_malloc_array(len ? len : 1, sizeof(double));
    uint64_t sp[80], sn[80];
    nrc_error err;
    size_t i, j, bad = 0;
    int ok;
    if (!A || !B || !C || !buf) {
        CHECK(0, "allocation");
        return 0;
    }
    if (ones_bits)
        ok = make_ones(A, na, len, ones_bits) && make_ones(B, nb, len, ones_bits);
    else
        ok = make_vectors(A, na, len, pa, 0, spread, buf) &&
             make_vectors(B, nb, len, pb, 1, spread, buf);
    if (!ok) {
        CHECK(0, "%s: vectors", what);
        return 0;
    }
    for (i = 0; i < na * nb + 1; i++)
        nrc_cdy_init(&C[i]);
    nrc_cdy_init(&d);
    nrc_cdy_init(&g);
    /* the entry after the last must stay untouched */
    for (i = 0; i < na * nb + 1; i++)
        nrc_cdy_set_si(&C[i], 12345);
    if (nrc_cfix_gemm(C, nb, A, na, B, nb, &err) != NRC_OK) {
        CHECK(0, "%s: gemm failed: %s", what, err.msg);
        bad = 1;
    }
    for (i = 0; i < na && !bad; i++)
        for (j = 0; j < nb && !bad; j++) {
            if (A[i].limbs + B[j].limbs + 1 > 80) {
                CHECK(0, "scratch");
                bad = 1;
                break;
            }
            nrc_cfix_dot(&d, &A[i], &B[j], sp, sn);
            if (nrc_cdy_cmp(&C[i * nb + j], &d) != 0) {
                CHECK(0, "%s: na %zu nb %zu len %zu: C[%zu][%zu] = %g, nrc_cfix_dot %g", what, na,
                      nb, len, i, j, nrc_cdy_get_d_approx(&C[i * nb + j]), nrc_cdy_get_d_approx(&d));
                bad = 1;
            }
            if (with_gmp && !bad) {
                ref_dot(&g, &A[i], &B[j]);
                if (nrc_cdy_cmp(&g, &d) != 0) {
                    CHECK(0, "%s: C[%zu][%zu] differs from the GMP sum", what, i, j);
                    bad = 1;
                }
            }
            if (pa == 5 && !ones_bits && !bad && nrc_cdy_sgn(&C[i * nb + j]) != 0) {
                CHECK(0, "%s: cancellation C[%zu][%zu] = %g, not 0", what, i, j,
                      nrc_cdy_get_d_approx(&C[i * nb + j]));
                bad = 1;
            }
        }
    CHECK(nrc_cdy_cmp_d(&C[na * nb], 12345.0) == 0, "%s: wrote past the last entry", what);
    for (i = 0; i < na * nb + 1; i++)
        nrc_cdy_clear(&C[i]);
    nrc_cdy_clear(&d);
    nrc_cdy_clear(&g);
    free_vectors(A, na);
    free_vectors(B, nb);
    nrc_free(A);
    nrc_free(B);
    nrc_free(C);
    nrc_free(buf);
    return !bad;
}

/* Small shapes, every pattern and pattern pair, against nrc_cfix_dot and GMP. */
static void gemm_small_against_gmp(void)
{
    static const size_t lens[] = {0, 1, 2, 7, 511, 512, 513, 1030};
    long it, iters = 60 * tl_mult();
    rng_state = tl_seed() + 41;
    for (it = 0; it < iters; it++) {
        size_t na = 1 + (size_t)(rnd() % 11), nb = 1 + (size_t)(rnd() % 19);
        size_t len = lens[rnd() % (sizeof lens / sizeof *lens)];
        int pa = (int)(rnd() % 6), pb = pa == 5 ? 5 : (int)(rnd() % 5);
        /* spreads: 11 -> 75 bits (3 digits), 25 -> 103 bits (4 digits),
         * 40 -> beyond 104 bits (pair by pair) */
        int spread = (int[]){3, 11, 12, 25, 26, 40}[rnd() % 6];
        if (!one_case("small", na, nb, len, pa, pb, spread, 0, 1))
            return;
    }
}

/* All-ones magnitudes at the edges of the digit paths: 78 (3 digits full),
 * 79 and 104 (4 digits, full), 105 (pair by pair), 1 and 26. */
static void gemm_all_ones_digits(void)
{
    static const unsigned bits[] = {1, 26, 52, 77, 78, 79, 103, 104, 105, 130};
    size_t b;
    rng_state = tl_seed() + 43;
    for (b = 0; b < sizeof bits / sizeof *bits; b++)
        if (!one_case("all ones", 3, 9, 512 + b, 0, 0, 0, bits[b], 1) ||
            !one_case("all ones, one term", 2, 8, 1, 0, 0, 0, bits[b], 1))
            return;
}

/* Shapes across the 128-row and 256-column blocks, against nrc_cfix_dot. */
static void gemm_blocks(void)
{
    rng_state = tl_seed() + 47;
    if (!one_case("blocks", 130, 263, 600, 0, 1, 11, 0, 0))
        return;
    (void)one_case("blocks, 4 digits", 129, 257, 70, 1, 1, 25, 0, 0);
}

int main(void)
{
    RUN(gemm_small_against_gmp);
    RUN(gemm_all_ones_digits);
    RUN(gemm_blocks);
    return tl_exit();
}
