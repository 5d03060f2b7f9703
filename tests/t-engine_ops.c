/* The engine operations gemm_mid and ray_test (include/certify/nrc_engine.h)
 * of both engines against the exact arbiter.
 *
 * gemm_mid: with Cmid a round-to-nearest A B^T, evaluated in three orders
 * (nrc_dgemm, left to right, right to left), every output [lo, hi] contains
 * the exact <a_i, b_l> (nrc_exact_dot); with nrc_dgemm's midpoint the bits
 * are those of the engine's own gemm of the point A (so the pipeline's reuse
 * changes nothing).
 * ray_test: for p = +1 and -1, NRC_TRUE only if p F < 0 at every corner of
 * the box (F = sum_j v_j relu(a_j - t c_j), its extremes lie at the box's
 * corners term by term, computed exactly in arf), NRC_FALSE only if
 * p F >= 0 at every corner; the fast engine's answer never contradicts the
 * generic test's, and on ordinary rays both decide (not vacuous).
 * Inputs: random, zeros, small integers (ties, exact cancellation),
 * subnormals, huge and tiny exponents, exponents over [-1000, 1000], kinks
 * a = t c exactly, point and wide intervals. NRC_TEST_MULT scales the
 * iterations, NRC_TEST_SEED the inputs. */
#include <arf.h>
#include <math.h>
#include <string.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_engine.h"
#include "nrc_exact.h"
#include "exact_ray.h"
#include "nasty.h"

/* ---------------------------------------------------------------- gemm_mid */
static void mid_naive(size_t r, size_t c, size_t q, const double *A, const double *B, double *C,
                      int reverse)
{
    size_t i, l, t;
    for (i = 0; i < r; i++)
        for (l = 0; l < c; l++) {
            double s = 0.0;
            for (t = 0; t < q; t++) {
                size_t u = reverse ? q - 1 - t : t;
                s += A[i * q + u] * B[l * q + u];
            }
            C[i * c + l] = s;
        }
}

static void gemm_mid_case(nrc_engine *e, size_t r, size_t c, size_t q, int mode, arf_t x)
{
    double *A = nrc_malloc_array(r * q, sizeof(double)), *B = nrc_malloc_array(c * q, sizeof(double));
    double *M = nrc_malloc_array(r * c, sizeof(double)), *lo = nrc_malloc_array(r * c, sizeof(double));
    double *hi = nrc_malloc_array(r * c, sizeof(double)), *glo = nrc_malloc_array(r * c, sizeof(double));
    double *ghi = nrc_malloc_array(r * c, sizeof(double));
    nrc_error err;
    size_t i, l, t;
    int order;
    REQUIRE(A && B && M && lo && hi && glo && ghi, "alloc");
    for (t = 0; t < r * q; t++)
        A[t] = nasty(mode + (int)(rnd64() % 3));
    for (t = 0; t < c * q; t++)
        B[t] = nasty(mode + (int)(rnd64() % 3));
    if (q >= 3 && mode % 4 == 0) {   /* absorption: B + 1 - B - 2^-10 */
        A[0] = 0x1p54; A[1] = 1.0; A[2] = -0x1p54;
        B[0] = B[1] = B[2] = 1.0;
    }
    REQUIRE(nrc_engine_gemm(e, r, c, q, A, NULL, q, B, q, glo, ghi, c, &err) == NRC_OK, "gemm: %s", err.msg);
    for (order = 0; order < 3; order++) {
        if (order == 0)
            nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, r, c, q, 1.0, A, q, B, q, 0.0, M, c);
        else
            mid_naive(r, c, q, A, B, M, order == 2);
        REQUIRE(nrc_engine_gemm_mid(e, r, c, q, A, q, B, q, M, c, lo, hi, c, &err) == NRC_OK,
                "gemm_mid: %s", err.msg);
        for (i = 0; i < r; i++)
            for (l = 0; l < c; l++) {
                size_t il = i * c + l;
                nrc_exact_dot(x, q, A + i * q, 1, B + l * q, 1);
                CHECK(!isnan(lo[il]) && !isnan(hi[il]) && lo[il] <= hi[il],
                      "%s: bad enclosure [%a, %a]", e->ops->name, lo[il], hi[il]);
                CHECK(nrc_exact_le_d(x, hi[il]) == NRC_TRUE && nrc_exact_lt_d(x, lo[il]) == NRC_FALSE,
                      "%s order %d: [%a, %a] misses the exact <a_%zu, b_%zu> (~%a), q = %zu",
                      e->ops->name, order, lo[il], hi[il], i, l, arf_get_d(x, ARF_RND_NEAR), q);
                if (order == 0)
                    CHECK(lo[il] == glo[il] && hi[il] == ghi[il],
                          "%s: gemm_mid [%a, %a] differs from gemm [%a, %a] with the dgemm midpoint",
                          e->ops->name, lo[il], hi[il], glo[il], ghi[il]);
            }
    }
    nrc_free(A); nrc_free(B); nrc_free(M); nrc_free(lo); nrc_free(hi); nrc_free(glo); nrc_free(ghi);
}

static void test_gemm_mid(void)
{
    static const char *names[2] = { "fast", "mpfr" };
    long it, iters = 60 * tl_mult();
    int en;
    arf_t x;
    arf_init(x);
    rs = (tl_seed() ^ 0x6d696467656d6dull) | 1;
    for (en = 0; en < 2; en++) {
        nrc_engine e;
        nrc_error err;
        REQUIRE(nrc_engine_init(&e, names[en], 1, &err) == NRC_OK, "%s: %s", names[en], err.msg);
        for (it = 0; it < iters && !tl_case_failed; it++)
            gemm_mid_case(&e, 1 + rnd64() % 4, 1 + rnd64() % 4, rnd64() % 9, (int)it, x);
        gemm_mid_case(&e, 3, 2, 0, 0, x);   /* q = 0: the zero matrix */
        nrc_engine_clear(&e);
    }
    arf_clear(x);
}

/* ---------------------------------------------------------------- ray_test */
static int ray_case(nrc_engine *e, nrc_engine *ref, size_t k, int mode, int *decided)
{
    double alo[8], ahi[8], clo[8], chi[8], v[8], t;
    arf_t mn, mx;
    size_t j;
    int p, bad = 0;
    t = (mode % 5 == 0) ? 0.0 : nasty(mode + 1);
    for (j = 0; j < k; j++) {
        double a = nasty(mode + (int)j), c = nasty(mode + 2 * (int)j), w = (mode & 8) ? fabs(nasty(0)) : 0.0;
        v[j] = nasty(mode + 3);
        if (mode % 3 == 0 && isfinite(t * c))
            a = t * c;                    /* a kink along the ray when exact */
        alo[j] = a;
        ahi[j] = a + w >= a ? a + w : a;
        clo[j] = c;
        chi[j] = (mode & 16) ? c + w : c;
        if (!(chi[j] >= clo[j]) || !isfinite(chi[j]) || !isfinite(ahi[j])) {
            ahi[j] = alo[j];
            chi[j] = clo[j];
        }
    }
    arf_init(mn);
    arf_init(mx);
    exact_range(k, alo, ahi, clo, chi, t, v, mn, mx);
    for (p = -1; p <= 1; p += 2) {
        nrc_truth tr, tg;
        nrc_error err;
        /* p F < 0 everywhere iff p max < 0 (p = 1) or -min < 0 (p = -1) */
        int all_neg = p > 0 ? arf_sgn(mx) < 0 : arf_sgn(mn) > 0;
        int all_nonneg = p > 0 ? arf_sgn(mn) >= 0 : arf_sgn(mx) <= 0;
        if (nrc_engine_ray_test(e, k, alo, ahi, clo, chi, t, v, p, &tr, &err) != NRC_OK ||
            nrc_engine_ray_test_generic(ref, k, alo, ahi, clo, chi, t, v, p, &tg, &err) != NRC_OK) {
            bad = 1;
            break;
        }
        if ((tr == NRC_TRUE && !all_neg) || (tr == NRC_FALSE && !all_nonneg) ||
            (tr != NRC_UNKNOWN && tg != NRC_UNKNOWN && tr != tg)) {
            CHECK(0, "%s: ray_test %d (generic %d) with p = %d, exact min %a max %a, t = %a, k = %zu",
                  e->ops->name, (int)tr, (int)tg, p, arf_get_d(mn, ARF_RND_NEAR),
                  arf_get_d(mx, ARF_RND_NEAR), t, k);
            bad = 1;
        }
        *decided += tr != NRC_UNKNOWN;
    }
    arf_clear(mn);
    arf_clear(mx);
    return !bad;
}

static void test_ray_test(void)
{
    static const char *names[2] = { "fast", "mpfr" };
    long it, iters = 2000 * tl_mult();
    int en;
    rs = (tl_seed() ^ 0x7261797465737421ull) | 1;
    for (en = 0; en < 2; en++) {
        nrc_engine e;
        nrc_error err;
        int decided = 0;
        REQUIRE(nrc_engine_init(&e, names[en], 1, &err) == NRC_OK, "%s: %s", names[en], err.msg);
        for (it = 0; it < iters && !tl_case_failed; it++)
            ray_case(&e, &e, 1 + rnd64() % 8, (int)it, &decided);
        CHECK(decided > iters / 2, "%s: ray_test decided only %d of %ld rays", names[en], decided,
              2 * iters);
        nrc_engine_clear(&e);
    }
}

int main(void)
{
    RUN(test_gemm_mid);
    RUN(test_ray_test);
    return tl_exit();
}
