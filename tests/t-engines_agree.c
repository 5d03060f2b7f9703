/* The two engines of certify reach the same verdicts (include/certify/nrc_engine.h,
 * spec/CERTIFY.md "MPFR engine").
 *
 * On small models built here (trained in and out of the regime, with
 * biases, with a fixed second layer, integer models with exact kinks, a
 * crafted model of near-ties and an exact N(x) = 0, an exact KKT point) the
 * whole pipeline (nrc_certify_run) runs once with --engine fast and once with
 * --engine mpfr, and:
 *   - every verdict is identical: fit.all_correct, regime, class counts,
 *     direction, kkt status and its kinks and lambda, robust_reference,
 *     and per point the flip status, sign and reason;
 *   - both certificates (nrc_certify_to_json) are accepted by the
 *     independent checker (nrc_check_buffers) with the same number of
 *     claims checked, and name their engine;
 *   - the mpfr engine, whose enclosures are the tightest binary64 ones, never
 *     needs the exact arbiter more often than the fast engine (its
 *     enclosures lie inside the fast ones); on the crafted near-ties the fast
 *     engine needs the arbiter and the mpfr engine does not. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testlib.h"
#include "engines_compare.h"
#include "nrc_data.h"
#include "nrc_rng.h"
#include "nrc_train.h"

static ec_totals tot;
/* The options of every comparison (NULL: defaults); test_min_flip reruns
 * cases with --min-flip. */
static const nrc_certify_options *opts;

/* Both engines on M: every verdict compared (engines_compare.h); the
 * arbiter counts (pre-activations + N(x) + flips) through fast_arb /
 * mpfr_arb. */
static void compare(nrc_model *M, const char *tag, size_t *fast_arb, size_t *mpfr_arb)
{
    ec_compare(M, opts, tag, &tot);
    if (fast_arb)
        *fast_arb = tot.arb_fast;
    if (mpfr_arb)
        *mpfr_arb = tot.arb_mpfr;
}

/* ---------------------------------------------------------------------- */

/* Returns 1 and the model; 2 when training ended with a point not fitted
 * (a dead-ReLU point: some seeds do that). */
static int trained_model(nrc_model *M, size_t n, size_t d, size_t k, size_t m, uint32_t flags,
                         nrc_data_kind kind, uint64_t seed, uint64_t steps)
{
    nrc_train_opts o;
    nrc_train_progress fin;
    nrc_error err;
    nrc_model_init(M);
    if (nrc_model_alloc(M, n, d, k, m, flags, &err) != NRC_OK)
        return 0;
    nrc_data_generate(kind, NRC_LABELS_BALANCED, n, d, seed, NRC_RNG_STREAM_TRAIN, M->X, M->y);
    if (m)
        nrc_data_generate(kind, NRC_LABELS_BALANCED, m, d, seed, NRC_RNG_STREAM_TEST, M->Xt, M->yt);
    nrc_train_init_d(d, k, 1e-3, (flags & NRC_FLAG_FIXED_V) != 0, seed, M->W, M->b, M->v);
    memset(&o, 0, sizeof o);
    o.n = n;
    o.d = d;
    o.k = k;
    o.bias = (flags & NRC_FLAG_BIAS) != 0;
    o.fix_v = (flags & NRC_FLAG_FIXED_V) != 0;
    o.loss = NRC_LOSS_LOGISTIC;
    o.schedule = NRC_SCHEDULE_NORMALIZED;
    o.lr = 0.1;
    o.steps = steps;
    if (nrc_train_run_d(&o, M->X, M->y, M->W, M->b, M->v, NULL, NULL, &fin, &err) != NRC_OK) {
        printf("     train: %s\n", err.msg);
        return 0;
    }
    return fin.q_min > 0 ? 1 : 2;
}

/* need_fit: retry other seeds (at most 8) until training fits every point,
 * so that the kkt and fit verdicts are exercised, not only "not-applicable". */
static void trained_case(size_t n, size_t d, size_t k, size_t m, uint32_t flags, nrc_data_kind kind,
                         uint64_t steps, int need_fit, const char *tag)
{
    nrc_model M;
    uint64_t seed = tl_seed();
    long it, iters = tl_mult();
    for (it = 0; it < iters && !tl_case_failed; it++, seed += 7919) {
        int rc, tries = 0;
        while ((rc = trained_model(&M, n, d, k, m, flags, kind, seed, steps)) == 2 && need_fit &&
               ++tries < 8) {
            nrc_model_clear(&M);
            seed += 104729;
        }
        REQUIRE(rc == 1 || (rc == 2 && !need_fit), "%s: training (seed %llu) did not fit", tag,
                (unsigned long long)seed);
        compare(&M, tag, NULL, NULL);
        nrc_model_clear(&M);
    }
}

static void test_in_regime(void)
{
    size_t before = tot.certified, rb = tot.regime;
    /* eps_data ~ (n - 1) sqrt(2 d log n^2) / d: about 0.07 here */
    trained_case(3, 4000, 10, 3, 0, NRC_DATA_SPHERE, 3000, 1, "in-regime");
    CHECK(tot.certified > before, "in-regime: no flip certified at all: the comparison is vacuous");
    CHECK(tot.regime > rb, "in-regime: the model is not in the regime");
}

static void test_out_of_regime(void)
{
    trained_case(40, 3, 8, 10, 0, NRC_DATA_GAUSSIAN, 300, 0, "out-of-regime");
}

static void test_biases(void)
{
    trained_case(8, 300, 8, 4, NRC_FLAG_BIAS, NRC_DATA_SPHERE, 1500, 1, "biases");
    trained_case(30, 4, 6, 6, NRC_FLAG_BIAS, NRC_DATA_GAUSSIAN, 200, 0, "biases-out");
}

static void test_fixed_second_layer(void)
{
    trained_case(8, 300, 8, 4, NRC_FLAG_FIXED_V, NRC_DATA_SPHERE, 1500, 1, "fixed-v");
    trained_case(8, 300, 8, 4, NRC_FLAG_FIXED_V | NRC_FLAG_BIAS, NRC_DATA_SPHERE, 1500, 1, "fixed-v-bias");
}

/* Small integers everywhere, so that many pre-activations are exact zeros
 * (kinks) and many sums exact ties.  Even iterations: random integer
 * models (rarely a fit: kinks only decide signs); odd ones fit the data by
 * construction, x_i = 3 e_i + integer noise in two extra coordinates,
 * w_i = e_i, v_i = y_i, plus one neuron on the noise coordinates, so that
 * kkt is attempted and its kinks are listed. */
static uint64_t ks;
static double irnd(int r)
{
    ks = ks * 6364136223846793005u + 1442695040888963407u;
    return (double)((int)((ks >> 33) % (uint64_t)(2 * r + 1)) - r);
}

static void test_exact_kinks(void)
{
    long it, iters = 8 * tl_mult();
    size_t before = tot.kinks;
    ks = tl_seed() * 2654435761u + 1;
    for (it = 0; it < iters && !tl_case_failed; it++) {
        nrc_model M;
        nrc_error err;
        int fit = (int)(it & 1);
        size_t n = 6, d = fit ? n + 2 : 4, k = fit ? n + 1 : 5, m = 3, t, i;
        uint32_t flags = (it & 2) ? NRC_FLAG_BIAS : 0;
        char tag[32];
        nrc_model_init(&M);
        REQUIRE(nrc_model_alloc(&M, n, d, k, m, flags, &err) == NRC_OK, "alloc");
        for (i = 0; i < n; i++)
            M.y[i] = (i & 1) ? -1.0 : 1.0;
        for (i = 0; i < m; i++)
            M.yt[i] = (i & 1) ? -1.0 : 1.0;
        for (t = 0; t < m * d; t++)
            M.Xt[t] = irnd(2);
        if (fit) {
            for (i = 0; i < n; i++) {
                M.X[i * d + i] = 3.0;
                M.X[i * d + n] = irnd(1);
                M.X[i * d + n + 1] = irnd(1);
                M.W[i * d + i] = 1.0;
                M.v[i] = M.y[i];
            }
            M.W[n * d + n] = irnd(1);
            M.W[n * d + n + 1] = irnd(1);
            M.v[n] = 0.5;
        } else {
            for (t = 0; t < n * d; t++)
                M.X[t] = irnd(2);
            for (t = 0; t < k * d; t++)
                M.W[t] = irnd(1);
            for (t = 0; t < k; t++) {
                M.v[t] = (t & 1) ? -1.0 : 1.0;
                if (M.b)
                    M.b[t] = irnd(1);
            }
            for (i = 0; i < n; i++) {   /* no zero training point (eps_data) */
                for (t = 0; t < d && M.X[i * d + t] == 0; t++)
                    ;
                if (t == d)
                    M.X[i * d] = 1.0;
            }
        }
        snprintf(tag, sizeof tag, "kinks-%ld", it);
        compare(&M, tag, NULL, NULL);
        nrc_model_clear(&M);
    }
    CHECK(tot.kinks > before || tl_case_failed, "kinks: no kink listed in any certificate");
}

/* An exact KKT point: x_i = 2 e_i, w_i = e_i, v_i = y_i (every a_ij with
 * i != j is an exact zero; q_i = 2). */
static void test_exact_kkt(void)
{
    nrc_model M;
    nrc_error err;
    size_t n = 4, i;
    nrc_model_init(&M);
    REQUIRE(nrc_model_alloc(&M, n, n, n, 0, 0, &err) == NRC_OK, "alloc");
    for (i = 0; i < n; i++) {
        M.y[i] = (i & 1) ? -1.0 : 1.0;
        M.X[i * n + i] = 2.0;
        M.W[i * n + i] = 1.0;
        M.v[i] = M.y[i];
    }
    compare(&M, "exact-kkt", NULL, NULL);
    nrc_model_clear(&M);
}

/* Near-ties the fast radius cannot decide but the exact value can:
 *   w0 = (2^30, 1, -2^30, 0), w1 = (0, 0, 0, 1), w2 = (0, 1, 0, -1),
 *   v = (1, -1, 1);
 *   x0 = (1, 2^-40, 1, 0):     a = (2^-40, 0, 2^-40),   N = 2^-39   (y +1)
 *   x1 = (0, 0, 0, 1):         a = (0, 1, -1),          N = -1      (y -1)
 *   x2 = (1, 1, 1, 1 - 2^-50): a = (1, 1 - 2^-50, 2^-50), N = 2^-49 (y +1)
 *   x3 = (0.5, 0, 0.5, 2):     a = (0, 2, -2),          N = -2      (y -1)
 * and test points xt0 = (1, 0, 1, 0) with N = 0 exactly (no sign: undecided
 * for both engines) and xt1 = (3, 2^-30, 3, 1), N = 2^-30 - 1 + 0. */
static void test_near_ties(void)
{
    static const double W[12] = { 0x1p30, 1, -0x1p30, 0, 0, 0, 0, 1, 0, 1, 0, -1 };
    static const double X[16] = { 1, 0x1p-40, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1 - 0x1p-50, 0.5, 0, 0.5, 2 };
    static const double Xt[8] = { 1, 0, 1, 0, 3, 0x1p-30, 3, 1 };
    static const double v[3] = { 1, -1, 1 }, y[4] = { 1, -1, 1, -1 }, yt[2] = { 1, -1 };
    nrc_model M;
    nrc_error err;
    size_t fa = 0, ma = 0;
    nrc_model_init(&M);
    REQUIRE(nrc_model_alloc(&M, 4, 4, 3, 2, 0, &err) == NRC_OK, "alloc");
    memcpy(M.W, W, sizeof W);
    memcpy(M.X, X, sizeof X);
    memcpy(M.Xt, Xt, sizeof Xt);
    memcpy(M.v, v, sizeof v);
    memcpy(M.y, y, sizeof y);
    memcpy(M.yt, yt, sizeof yt);
    compare(&M, "near-ties", &fa, &ma);
    CHECK(fa > ma, "near-ties: the fast engine should need the arbiter more than mpfr (%zu vs %zu)", fa, ma);
    nrc_model_clear(&M);
}

/* Issue 29's models (tests/fixtures/certify/make_wide_models.py writes the
 * same ones for the command line): the fast engine's a-priori radii cannot
 * decide or cannot represent their statistics, the exact fallback must. Both
 * engines certify every claim, the data in the regime, and agree. */
static void wide_case(size_t n, size_t d, const double *X, const double *y, const double *W,
                      const double *v, const char *tag)
{
    nrc_model M;
    nrc_error err;
    nrc_certify_options o;
    nrc_certify_result C[2];
    const char *eng[2] = { "fast", "mpfr" };
    int e;
    nrc_model_init(&M);
    REQUIRE(nrc_model_alloc(&M, n, d, n, 0, 0, &err) == NRC_OK, "alloc");
    memcpy(M.X, X, n * d * sizeof(double));
    memcpy(M.y, y, n * sizeof(double));
    memcpy(M.W, W, n * d * sizeof(double));
    memcpy(M.v, v, n * sizeof(double));
    compare(&M, tag, NULL, NULL);
    nrc_certify_options_default(&o);
    for (e = 0; e < 2; e++) {
        nrc_engine E;
        REQUIRE(nrc_engine_init(&E, eng[e], 1, &err) == NRC_OK, "%s", err.msg);
        nrc_certify_result_init(&C[e]);
        CHECK(nrc_certify_run(&M, &o, &E, &C[e], &err) == NRC_OK, "%s (%s): %s", tag, eng[e], err.msg);
        CHECK(nrc_certify_all_certified(&C[e]) && C[e].regime == 1,
              "%s (%s): not everything certified (regime %d, kkt %d, robust %d)", tag, eng[e],
              C[e].regime, C[e].kkt_certified, C[e].robust_certified);
        nrc_certify_result_clear(&C[e]);
        nrc_engine_clear(&E);
    }
    nrc_model_clear(&M);
}

static void test_wide_exponents(void)
{
    /* x1 = (2^500, 0, 0), x2 = (0, 0, 2^-300), x3 = (0, 2^400, 0): rho = 0 */
    static const double X3[9] = { 0x1p500, 0, 0, 0, 0, 0x1p-300, 0, 0x1p400, 0 };
    static const double W3[9] = { 0x1p-500, 0, 0, 0, 0, 0x1p300, 0, 0x1p-400, 0 };
    static const double y3[3] = { 1, -1, 1 };
    /* X = [[2^100, 1], [0, 16]]: rho = 16, eps_data = 1/16 */
    static const double X2[4] = { 0x1p100, 1, 0, 16 }, W2[4] = { 0x1p-100, 0, 0, 1 };
    static const double y2[2] = { 1, -1 }, v2[2] = { 2, -1 };
    wide_case(3, 3, X3, y3, W3, y3, "three orthogonal points");
    wide_case(2, 2, X2, y2, W2, v2, "2^100 and 16");
}

/* --min-flip: the same verdicts, adversarial points, strictness, U and
 * trees for both engines, on trained models (with biases, with a fixed
 * second layer), exact kinks, an exact KKT point, near-ties and wide
 * exponents. */
static void test_min_flip(void)
{
    nrc_certify_options o;
    size_t p0 = tot.mf_points, b0 = tot.mf_both;
    nrc_certify_options_default(&o);
    o.min_flip = 1;
    o.min_flip_name = "cert.minflip.safetensors";
    opts = &o;
    trained_case(3, 4000, 10, 3, 0, NRC_DATA_SPHERE, 3000, 1, "mf-in-regime");
    trained_case(8, 300, 8, 4, NRC_FLAG_BIAS, NRC_DATA_SPHERE, 1500, 1, "mf-biases");
    trained_case(8, 300, 8, 4, NRC_FLAG_FIXED_V, NRC_DATA_SPHERE, 1500, 1, "mf-fixed-v");
    trained_case(30, 4, 6, 6, NRC_FLAG_BIAS, NRC_DATA_GAUSSIAN, 200, 0, "mf-biases-out");
    test_exact_kinks();
    test_exact_kkt();
    test_near_ties();
    test_wide_exponents();
    opts = NULL;
    printf("     min_flip: %zu points compared, %zu with both ends certified\n",
           tot.mf_points - p0, tot.mf_both - b0);
    CHECK(tot.mf_both - b0 > (tot.mf_points - p0) / 2, "min_flip: too few points certified");
}

static void test_sanity(void)
{
    CHECK(tot.flips > 0, "no flip entries compared");
    CHECK(tot.certified > 0, "no certified flips compared");
}

int main(void)
{
    RUN(test_in_regime);
    RUN(test_out_of_regime);
    RUN(test_biases);
    RUN(test_fixed_second_layer);
    RUN(test_exact_kinks);
    RUN(test_exact_kkt);
    RUN(test_near_ties);
    RUN(test_wide_exponents);
    RUN(test_min_flip);
    RUN(test_sanity);
    return tl_exit();
}
