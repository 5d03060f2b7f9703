/* Fuzzing the agreement of the engines (spec/CERTIFY.md "When the engines
 * agree", issue 29): random small models with wide exponents (entries
 * 2^e, e in [-1000, 1000]), ties and exact kinks (small integers), subnormals,
 * orthogonal data of wildly different scales, a large and a small
 * coordinate in one point, with and without biases and a fixed second
 * layer, a third of them with --min-flip, are certified with --engine fast and --engine mpfr
 * (engines_compare.h): the same status when a model is refused, else the
 * same verdicts, and both certificates accepted by the independent checker.
 *
 *   NRC_TEST_SEED=S NRC_TEST_MULT=K build/tests/t-engines_fuzz
 *
 * runs 200 K models from seed S (well under a second per 200 here); a
 * failure prints the seed, the model number and the first difference;
 * NRC_TEST_VERBOSE=1 prints every refusal and running totals. */
#include <math.h>
#include <string.h>
#include "testlib.h"
#include "engines_compare.h"

static uint64_t rs;
static uint64_t rnd(void) { return tl_splitmix64(&rs); }
static double unif(void) { return (double)(rnd() >> 11) * 0x1p-53; }
static int pm(void) { return (rnd() & 1) ? -1 : 1; }

/* One entry: 0, a small integer, a wide exponent, a subnormal, or an
 * ordinary number, by mode. */
static double entry(int mode)
{
    switch (mode) {
    case 0: return 0.0;
    case 1: return (double)((int)(rnd() % 5) - 2);
    case 2:   /* the whole range for a third, else squares stay representable */
        return pm() * ldexp(1.0 + unif(), rnd() % 3 ? (int)(rnd() % 501) - 250
                                                    : (int)(rnd() % 2001) - 1000);
    case 3: return pm() * ldexp((double)(1 + rnd() % 1024), -1074);
    default: return pm() * (0.25 + unif());
    }
}

static int entry_mode(int kind)
{
    unsigned r = (unsigned)(rnd() % 10);
    if (kind == 0)                     /* wide: mostly wide exponents */
        return r < 2 ? 0 : r < 3 ? 1 : r < 9 ? 2 : 3;
    if (kind == 1)                     /* integers: ties and exact kinks */
        return r < 8 ? 1 : 0;
    if (kind == 2)                     /* subnormals among ordinary numbers */
        return r < 4 ? 3 : r < 6 ? 0 : 4;
    return r < 3 ? 2 : 4;              /* mixed */
}

static void fill(double *a, size_t len, int kind)
{
    size_t t;
    for (t = 0; t < len; t++)
        a[t] = entry(entry_mode(kind));
}

/* A training point must not be the zero vector too often (eps_data is then
 * undefined and both engines refuse): give it one non-zero coordinate. */
static void no_zero_rows(double *X, size_t n, size_t d)
{
    size_t i, t;
    for (i = 0; i < n; i++) {
        for (t = 0; t < d && X[i * d + t] == 0; t++)
            ;
        if (t == d && (rnd() % 8) != 0)
            X[i * d + rnd() % d] = entry(2);
    }
}

/* Random entries of one kind everywhere. */
static void model_random(nrc_model *M, int kind)
{
    size_t n = M->n, d = M->d, k = M->k, m = M->m, i;
    fill(M->X, n * d, kind);
    fill(M->W, k * d, kind);
    fill(M->v, k, kind);
    if (M->b)
        fill(M->b, k, kind);
    if (m)
        fill(M->Xt, m * d, kind);
    no_zero_rows(M->X, n, d);
    for (i = 0; i < n; i++)
        M->y[i] = pm();
    for (i = 0; i < m; i++)
        M->yt[i] = pm();
}

/* Orthogonal points of wildly different scales (x_i = 2^e_i e_i), neuron i
 * aligned with point i at scale 2^f_i, v_i = y_i 2^g_i: a fit with exact
 * kinks a_ij = 0 (i != j), a tie rho = 0, and statistics across the whole
 * exponent range (issue 29's three orthogonal points). */
static void model_orthogonal(nrc_model *M)
{
    size_t n = M->n, d = M->d, k = M->k, i, t;
    int wide = (int)(rnd() % 3);
    for (i = 0; i < n; i++) {
        int e = (int)(rnd() % 1001) - 500;
        M->y[i] = pm();
        M->X[i * d + i % d] = pm() * ldexp(1.0, e);
        if (wide == 0 && d > n)        /* a little noise off the axes */
            M->X[i * d + n + rnd() % (d - n)] = entry(4) * ldexp(1.0, e - 40);
    }
    for (i = 0; i < k; i++) {
        size_t p = i % n;
        double x = M->X[p * d + p % d];
        int f = wide == 1 ? (int)(rnd() % 41) - 20 : 0;
        M->W[i * d + p % d] = ldexp(1.0 / fabs(x), f) * (x > 0 ? 1 : -1);
        M->v[i] = M->y[p] * ldexp(1.0, (int)(rnd() % 21) - 10);
        if (M->b)
            M->b[i] = (rnd() % 3) ? 0.0 : entry(1);
    }
    for (t = 0; t < M->m * d; t++)
        M->Xt[t] = (rnd() % 2) ? entry(2) : 0.0;
    for (i = 0; i < M->m; i++)
        M->yt[i] = pm();
}

/* A point with a huge and a small coordinate next to a point with a small
 * one only (issue 29's X = [[2^100, 1], [0, 16]]): a small rho whose fast
 * radius is huge. */
static void model_big_small(nrc_model *M)
{
    size_t n = M->n, d = M->d, i;
    int e = 20 + (int)(rnd() % 480);
    model_random(M, 3);
    for (i = 0; i < n && d >= 2; i++) {
        memset(M->X + i * d, 0, d * sizeof(double));
        M->X[i * d + (i + 1) % d] = (double)(1 + rnd() % 16) * pm();
        if (i == 0)
            M->X[0] = ldexp(1.0, e);
    }
    if (d >= 2) {
        M->W[0] = ldexp(1.0, -e);
        M->W[1] = 0.0;
    }
}

static void one_model(long it)
{
    nrc_model M;
    nrc_error err;
    nrc_certify_options o;
    static ec_totals tot;
    size_t n = 1 + rnd() % 5, d = 1 + rnd() % 5, k = 1 + rnd() % 5, m = rnd() % 3;
    uint32_t flags = (uint32_t)(rnd() % 4);     /* bias, fixed second layer */
    int shape = (int)(it % 6);
    char tag[64];
    if (shape == 4 && d < n)
        d = n;                                   /* orthogonal points need d >= n */
    if (shape == 5 && d < 2)
        d = 2;
    nrc_model_init(&M);
    REQUIRE(nrc_model_alloc(&M, n, d, k, m, flags, &err) == NRC_OK, "alloc: %s", err.msg);
    if (shape < 4)
        model_random(&M, shape);
    else if (shape == 4)
        model_orthogonal(&M);
    else
        model_big_small(&M);
    nrc_certify_options_default(&o);
    if (rnd() % 4 == 0) {
        o.margin_dir = 1;
        o.tau_text = "0";
    }
    if (rnd() % 4 == 0)
        o.kink_tol = 0.0;
    if (it % 3 == 2) {     /* without a draw: the models stay those of earlier runs */
        o.min_flip = 1;
        o.min_flip_name = "cert.minflip.safetensors";
    }
    snprintf(tag, sizeof tag, "model %ld (shape %d, n %zu d %zu k %zu m %zu, flags %u)", it, shape,
             n, d, k, m, (unsigned)flags);
    ec_compare(&M, &o, tag, &tot);
    nrc_model_clear(&M);
    if (getenv("NRC_TEST_VERBOSE") && it % 200 == 199)
        printf("     %zu models: %zu refused by both, %zu flips (%zu certified), %zu in the regime, "
               "%zu kkt, %zu robust, %zu with an exact fallback\n", tot.models, tot.refused,
               tot.flips, tot.certified, tot.regime, tot.kkt, tot.robust, tot.refined);
}

static void test_fuzz(void)
{
    long it, iters = 200 * tl_mult();
    rs = tl_seed() ^ 0x656e67696e657321ull;
    for (it = 0; it < iters; it++) {
        int before = tl_case_failed;
        one_model(it);
        if (tl_case_failed > before && tl_case_failed > 20)
            break;
    }
}

int main(void)
{
    RUN(test_fuzz);
    return tl_exit();
}
