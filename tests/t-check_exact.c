/* The checker's exact arithmetic against slow references: the hex-float
 * parser against the binary64 definition (accept/reject lists, round trips
 * of random doubles including subnormals), and the fixed-point dot-product
 * kernels (every limb combination) against GMP rationals, on vectors with
 * wide exponent ranges, zeros, subnormals and exact cancellations. */
#include <float.h>
#include <math.h>
#include <string.h>
#include "testlib.h"
#include "nrc_check_exact.h"

static uint64_t rng_state;
static uint64_t rnd(void) { return tl_splitmix64(&rng_state); }

/* A random finite double with exponent in [-span, span] (sometimes zero,
 * sometimes subnormal when span is huge). */
static double rnd_double(int span)
{
    uint64_t r = rnd();
    double m = (double)(r >> 11) / 9007199254740992.0; /* [0, 1) with 53 bits */
    int e = span ? (int)(rnd() % (uint64_t)(2 * span + 1)) - span : 0;
    double x;
    if (r % 13 == 0)
        return 0.0;
    if (e > 1000)
        e = 1000; /* keep products finite; subnormals come from e < -1022 */
    x = ldexp(0.5 + 0.5 * m, e);
    return (r & 1024) ? -x : x;
}

static void hex_accepts_exact_binary64(void)
{
    static const struct { const char *s; double x; } ok[] = {
        {"0x1.8p-3", 0.1875}, {"-0x1p+0", -1.0}, {"0x0p+0", 0.0}, {"0x0.0p+0", 0.0},
        {"0X1P0", 1.0}, {"+0x1p0", 1.0}, {"0x.8p1", 1.0}, {"0x1.p1", 2.0},
        {"0x10p-4", 1.0}, {"0x1p-1074", 0x1p-1074}, {"0x1.fffffffffffffp+1023", DBL_MAX},
        {"0x0.0000000000001p-1022", 0x1p-1074}, {"0x1p-1022", 0x1p-1022},
        {"0x00000000000000000000001p+0", 1.0}, {"0x1.00000000000000000000p+0", 1.0},
        {"0x1fffffffffffffp-52", 0x1.fffffffffffffp+0}, {"0x0p+99999999999999", 0.0},
        {"0x1.999999999999ap-4", 0.1}, {"0x8p-1077", 0x1p-1074}};
    size_t t;
    for (t = 0; t < sizeof ok / sizeof *ok; t++) {
        double x = -7;
        int r = nrc_check_hex_parse(ok[t].s, &x);
        CHECK(r == 1 && x == ok[t].x, "'%s' -> %d %a (want %a)", ok[t].s, r, x, ok[t].x);
    }
}

static void hex_rejects_everything_else(void)
{
    static const char *bad[] = {"", "0", "1.5", "0.25", "1e3", "inf", "-inf", "nan", "NAN",
                                "0x", "0x.p0", "0xp0", "0x1", "0x1.8", "0x1p", "0x1p+",
                                "0x1pe", "0x1p+1024", "0x2p+1023", "0x1p-1075", "0x3p-1075",
                                "0x1.00000000000001p+0", "0x1.fffffffffffff8p+0",
                                "0x20000000000001p0", " 0x1p0", "0x1p0 ", "0x1p0x",
                                "0x1..0p0", "--0x1p0", "0x1p--1", "0x1.8p-3\n", "0xg.0p0",
                                "0x1p-1074.5", "0x1p+99999999999999", "0x1p-99999999999999"};
    size_t t;
    for (t = 0; t < sizeof bad / sizeof *bad; t++) {
        double x;
        CHECK(nrc_check_hex_parse(bad[t], &x) == 0, "'%s' accepted as %a", bad[t], x);
    }
    {
        char big[NRC_CHECK_HEX_MAX + 8];
        double x;
        memset(big, '0', sizeof big);
        memcpy(big, "0x1", 3);
        memcpy(big + sizeof big - 4, "p+0", 4);
        CHECK(nrc_check_hex_parse(big, &x) == 0, "over-long string accepted");
    }
}

static void hex_round_trips_random(void)
{
    long it, iters = 20000 * tl_mult();
    rng_state = tl_seed();
    for (it = 0; it < iters; it++) {
        double x, y = 0;
        char buf[64];
        uint64_t bits = rnd();
        memcpy(&x, &bits, sizeof x);
        if (!isfinite(x))
            continue;
        snprintf(buf, sizeof buf, "%a", x);
        if (nrc_check_hex_parse(buf, &y) != 1 || memcmp(&x, &y, sizeof x) != 0) {
            CHECK(0, "'%s' -> %a", buf, y);
            return;
        }
        /* one more nonzero hex digit beyond the 53 bits: never a binary64 */
        if (x != 0 && fabs(x) >= DBL_MIN) {
            char b2[80];
            snprintf(b2, sizeof b2, "%.13a", fabs(x));
            /* b2 = 0x1.HHHHHHHHHHHHHp+E: insert a '1' digit after the 13 */
            {
                char *p = strchr(b2, 'p');
                char tail[32];
                snprintf(tail, sizeof tail, "%s", p);
                snprintf(p, sizeof b2 - (size_t)(p - b2), "1%s", tail);
            }
            CHECK(nrc_check_hex_parse(b2, &y) == 0, "'%s' accepted", b2);
        }
    }
}

/* Reference: exact dot product with mpq. */
static void ref_dot(mpq_t r, const double *a, const double *b, size_t len)
{
    mpq_t t, u;
    size_t i;
    mpq_init(t);
    mpq_init(u);
    mpq_set_ui(r, 0, 1);
    for (i = 0; i < len; i++) {
        mpq_set_d(t, a[i]);
        mpq_set_d(u, b[i]);
        mpq_mul(t, t, u);
        mpq_add(r, r, t);
    }
    mpq_clear(t);
    mpq_clear(u);
}

static int cdy_equals_mpq(const nrc_cdy *a, const mpq_t q)
{
    mpq_t t;
    int eq;
    mpq_init(t);
    mpq_set_z(t, a->m);
    if (a->e >= 0)
        mpq_mul_2exp(t, t, (mp_bitcnt_t)a->e);
    else
        mpq_div_2exp(t, t, (mp_bitcnt_t)(-a->e));
    eq = mpq_equal(t, q);
    mpq_clear(t);
    return eq;
}

static void fix_dot_matches_rationals(void)
{
    static const int spans[] = {0, 5, 30, 60, 120, 700, 1070};
    long it, iters = 600 * tl_mult();
    size_t limbs_seen[8] = {0};
    rng_state = tl_seed() + 1;
    for (it = 0; it < iters; it++) {
        size_t len = 1 + rnd() % 40, i;
        int sa = spans[rnd() % 7], sb = spans[rnd() % 7];
        double a[40], b[40];
        nrc_cfix fa, fb;
        nrc_cdy r;
        mpq_t q;
        uint64_t sp[64], sn[64];
        for (i = 0; i < len; i++) {
            a[i] = rnd_double(sa);
            b[i] = rnd_double(sb);
        }
        if (it % 5 == 0 && len >= 2) {
            /* exact cancellation: the sum is exactly zero */
            a[len - 1] = a[0];
            b[len - 1] = -b[0];
            a[len - 2] = 0x1p-1074;
        }
        if (it % 7 == 0) {
            a[0] = 0x1p-1074;
            b[0] = -0x1.fffffffffffffp+1023;
        }
        nrc_cfix_init(&fa);
        nrc_cfix_init(&fb);
        nrc_cdy_init(&r);
        mpq_init(q);
        REQUIRE(nrc_cfix_set_d(&fa, a, len, 1, NULL) == NRC_OK, "alloc");
        REQUIRE(nrc_cfix_set_d(&fb, b, len, 1, NULL) == NRC_OK, "alloc");
        if (fa.limbs + fb.limbs + 1 <= 64) {
            nrc_cfix_dot(&r, &fa, &fb, sp, sn);
            ref_dot(q, a, b, len);
            if (fa.limbs < 8)
                limbs_seen[fa.limbs]++;
            if (!cdy_equals_mpq(&r, q)) {
                CHECK(0, "iteration %ld: len %zu spans %d %d limbs %zu %zu: mismatch (a0 %a b0 %a)",
                      it, len, sa, sb, fa.limbs, fb.limbs, a[0], b[0]);
                it = iters;
            }
        }
        /* the portable reference kernel agrees limb for limb */
        if (fa.limbs + fb.limbs + 1 <= 64) {
            uint64_t rp[64], rn[64];
            size_t al = fa.limbs + fb.limbs + 1;
            nrc_cfix_dot_acc(&fa, &fb, sp, sn, al);
            nrc_cfix_dot_acc_ref(&fa, &fb, rp, rn, al);
            if (memcmp(sp, rp, al * 8) != 0 || memcmp(sn, rn, al * 8) != 0) {
                CHECK(0, "iteration %ld: fast and reference kernels differ (limbs %zu %zu)", it,
                      fa.limbs, fb.limbs);
                it = iters;
            }
        }
        /* restricted to the support of a sparsified copy: same as the full dot */
        {
            double as[40];
            size_t idx[40], nidx = 0;
            nrc_cfix fs;
            nrc_cdy r2, r3;
            for (i = 0; i < len; i++) {
                as[i] = (rnd() % 3 == 0) ? 0.0 : a[i];
                if (as[i] != 0.0 || rnd() % 5 == 0)
                    idx[nidx++] = i;   /* supersets are allowed */
            }
            nrc_cfix_init(&fs);
            nrc_cdy_init(&r2);
            nrc_cdy_init(&r3);
            REQUIRE(nrc_cfix_set_d(&fs, as, len, 1, NULL) == NRC_OK, "alloc");
            if (fs.limbs + fb.limbs + 1 <= 64) {
                nrc_cfix_dot(&r2, &fs, &fb, sp, sn);
                nrc_cfix_dot_support(&r3, &fs, &fb, idx, nidx, sp, sn);
                if (nrc_cdy_cmp(&r2, &r3) != 0) {
                    CHECK(0, "iteration %ld: dot over the support differs", it);
                    it = iters;
                }
            }
            nrc_cfix_clear(&fs);
            nrc_cdy_clear(&r2);
            nrc_cdy_clear(&r3);
        }
        /* entries read back exactly */
        for (i = 0; i < len; i++) {
            nrc_cfix_get(&r, &fa, i);
            if (nrc_cdy_cmp_d(&r, a[i]) != 0) {
                CHECK(0, "entry %zu of a reads back wrong (%a)", i, a[i]);
                it = iters;
                break;
            }
        }
        nrc_cfix_clear(&fa);
        nrc_cfix_clear(&fb);
        nrc_cdy_clear(&r);
        mpq_clear(q);
    }
    CHECK(limbs_seen[1] > 0 && limbs_seen[2] > 0 && limbs_seen[3] > 0,
          "limb classes not all exercised: %zu %zu %zu", limbs_seen[1], limbs_seen[2], limbs_seen[3]);
}

/* Many maximal terms of one sign: the 128-bit register accumulators wrap
 * many times; the result must still be exact. */
static void fix_dot_accumulator_wraps(void)
{
    size_t len = 5000, i;
    double *a = malloc(len * sizeof *a), *b = malloc(len * sizeof *b);
    nrc_cfix fa, fb;
    nrc_cdy r;
    mpq_t q;
    uint64_t sp[8], sn[8];
    REQUIRE(a && b, "alloc");
    for (i = 0; i < len; i++) {
        /* entries spanning ~100 bits so that both limbs are full */
        a[i] = (i % 2) ? 0x1.fffffffffffffp+30 : 0x1.fffffffffffffp-40;
        b[i] = (i % 3) ? -0x1.fffffffffffffp+30 : 0x1.fffffffffffffp-40;
        if (i % 5 == 0)
            b[i] = 0x1.fffffffffffffp+30;
    }
    nrc_cfix_init(&fa);
    nrc_cfix_init(&fb);
    nrc_cdy_init(&r);
    mpq_init(q);
    REQUIRE(nrc_cfix_set_d(&fa, a, len, 1, NULL) == NRC_OK && nrc_cfix_set_d(&fb, b, len, 1, NULL) == NRC_OK, "alloc");
    CHECK(fa.limbs == 2 && fb.limbs == 2, "limbs %zu %zu", fa.limbs, fb.limbs);
    nrc_cfix_dot(&r, &fa, &fb, sp, sn);
    ref_dot(q, a, b, len);
    CHECK(cdy_equals_mpq(&r, q), "long dot product with wrapping accumulators");
    nrc_cfix_clear(&fa);
    nrc_cfix_clear(&fb);
    nrc_cdy_clear(&r);
    mpq_clear(q);
    free(a);
    free(b);
}

/* The signed-digit fast path flushes its 128-bit accumulators every 2^20
 * terms: a vector longer than that, with 104-bit entries, must give exactly
 * what the plain limb kernel gives. */
static void fix_dot_digit_chunks(void)
{
    size_t len = ((size_t)1 << 20) + 77, i, al;
    double *a = malloc(len * sizeof *a), *b = malloc(len * sizeof *b);
    uint64_t *pos = calloc(8, 8), *neg = calloc(8, 8), sp[8], sn[8];
    nrc_cfix fa, fb;
    nrc_cdy r, ref;
    mpz_t t;
    REQUIRE(a && b && pos && neg, "alloc");
    rng_state = tl_seed() + 3;
    for (i = 0; i < len; i++) {
        /* lowest bit 2^-92, highest below 2^12: 104 bits; mostly one sign */
        a[i] = (i % 97 == 0) ? 0x1p-92 : ldexp(0.5 + 0.5 * (double)(rnd() >> 11) * 0x1p-53, 12);
        b[i] = (i % 89 == 0) ? -0x1p-92 : ldexp(0.5 + 0.5 * (double)(rnd() >> 11) * 0x1p-53, 12);
        if (i % 1000 == 1)
            b[i] = -b[i];
    }
    nrc_cfix_init(&fa);
    nrc_cfix_init(&fb);
    nrc_cdy_init(&r);
    nrc_cdy_init(&ref);
    REQUIRE(nrc_cfix_set_d(&fa, a, len, 1, NULL) == NRC_OK && nrc_cfix_set_d(&fb, b, len, 1, NULL) == NRC_OK, "alloc");
#if defined(__SIZEOF_INT128__) && !defined(NRC_CHECK_PORTABLE)
    CHECK(fa.dig != NULL && fb.dig != NULL, "digits not used (limbs %zu %zu)", fa.limbs, fb.limbs);
#endif
    nrc_cfix_dot(&r, &fa, &fb, sp, sn);
    al = fa.limbs + fb.limbs + 1;
    nrc_cfix_dot_acc_ref(&fa, &fb, pos, neg, al);
    mpz_init(t);
    mpz_import(ref.m, al, -1, 8, 0, 0, pos);
    mpz_import(t, al, -1, 8, 0, 0, neg);
    mpz_sub(ref.m, ref.m, t);
    ref.e = fa.e + fb.e;
    CHECK(nrc_cdy_cmp(&r, &ref) == 0, "digit path differs from the limb kernel over %zu terms", len);
    mpz_clear(t);
    nrc_cfix_clear(&fa);
    nrc_cfix_clear(&fb);
    nrc_cdy_clear(&r);
    nrc_cdy_clear(&ref);
    free(a);
    free(b);
    free(pos);
    free(neg);
}

static void fix_from_mpz_and_dyadics(void)
{
    mpz_t v[3];
    nrc_cfix f;
    nrc_cdy r, s;
    uint64_t sp[16], sn[16];
    int i;
    for (i = 0; i < 3; i++)
        mpz_init(v[i]);
    mpz_set_si(v[0], -5);
    mpz_ui_pow_ui(v[1], 3, 50);   /* 80 bits: two limbs */
    mpz_set_ui(v[2], 0);
    nrc_cfix_init(&f);
    nrc_cdy_init(&r);
    nrc_cdy_init(&s);
    REQUIRE(nrc_cfix_set_mpz(&f, (const mpz_t *)v, 3, -3, NULL) == NRC_OK, "alloc");
    CHECK(f.limbs == 2, "limbs %zu", f.limbs);
    nrc_cfix_dot(&r, &f, &f, sp, sn);
    /* (25 + 3^100) 2^-6 */
    mpz_ui_pow_ui(s.m, 3, 100);
    mpz_add_ui(s.m, s.m, 25);
    s.e = -6;
    CHECK(nrc_cdy_cmp(&r, &s) == 0, "mpz vector dot");
    /* dyadic basics: 0.1 + 0.2 != 0.3 exactly, 0.5 + 0.25 == 0.75 */
    nrc_cdy_set_d(&r, 0.1);
    nrc_cdy_add_d(&r, &r, 0.2);
    CHECK(nrc_cdy_cmp_d(&r, 0.3) > 0, "0.1 + 0.2 > 0.3 exactly (binary64 values)");
    nrc_cdy_set_d(&r, 0.5);
    nrc_cdy_add_d(&r, &r, 0.25);
    CHECK(nrc_cdy_cmp_d(&r, 0.75) == 0, "0.5 + 0.25 == 0.75");
    nrc_cdy_set_d(&r, 0x1p-1074);
    nrc_cdy_mul(&r, &r, &r);
    CHECK(nrc_cdy_sgn(&r) > 0 && nrc_cdy_cmp_d(&r, 0x1p-1074) < 0, "tiny square stays positive");
    {
        char *h = nrc_cdy_get_hex(&r);
        double back;
        CHECK(h && strcmp(h, "0x1p-2148") == 0, "hex rendering '%s'", h ? h : "(null)");
        CHECK(h && nrc_check_hex_parse(h, &back) == 0, "2^-2148 is not a binary64");
        free(h);
    }
    for (i = 0; i < 3; i++)
        mpz_clear(v[i]);
    nrc_cfix_clear(&f);
    nrc_cdy_clear(&r);
    nrc_cdy_clear(&s);
}

/* The checker sizes its dot-product accumulators once (NRC_CHECK_ACC_LIMBS
 * = 80, include/check/nrc_check_ws.h) from these bounds: an exact vector of
 * finite doubles needs at most 33 limbs per entry (2^-1074 .. 2^1024), the
 * direction z (a sum of at most 2^31 such entries) at most 34; a dot product
 * needs a->limbs + b->limbs + 1 <= 69 <= 80 (nrc_check_dot returns an
 * internal error beyond). */
static void fix_limbs_within_scratch_bound(void)
{
    const double x[4] = {0x1.fffffffffffffp1023, 0x1p-1074, -0x1.fffffffffffffp1023,
                         0x1.fffffffffffffp-1022};
    nrc_cfix f, g;
    mpz_t v[1];
    nrc_cfix_init(&f);
    nrc_cfix_init(&g);
    REQUIRE(nrc_cfix_set_d(&f, x, 4, 1, NULL) == NRC_OK, "alloc");
    CHECK(f.limbs <= 33, "extreme doubles need %zu limbs", f.limbs);
    /* 2^31 entries of magnitude below 2^2098 at the smallest exponent */
    mpz_init(v[0]);
    mpz_ui_pow_ui(v[0], 2, 2098 + 31);
    mpz_sub_ui(v[0], v[0], 1);
    REQUIRE(nrc_cfix_set_mpz(&g, (const mpz_t *)v, 1, -1074, NULL) == NRC_OK, "alloc");
    CHECK(g.limbs <= 34, "largest z entry needs %zu limbs", g.limbs);
    CHECK(g.limbs + g.limbs + 1 <= 80, "z.z needs %zu limbs", g.limbs + g.limbs + 1);
    mpz_clear(v[0]);
    nrc_cfix_clear(&f);
    nrc_cfix_clear(&g);
}

int main(void)
{
    RUN(hex_accepts_exact_binary64);
    RUN(hex_rejects_everything_else);
    RUN(hex_round_trips_random);
    RUN(fix_dot_matches_rationals);
    RUN(fix_dot_accumulator_wraps);
    RUN(fix_dot_digit_chunks);
    RUN(fix_from_mpz_and_dyadics);
    RUN(fix_limbs_within_scratch_bound);
    return tl_exit();
}
