/* The fast engine's ray sign filter (src/certify/fast_reuse.h,
 * spec/CERTIFY.md "Ray sign filter") against exact arithmetic: whenever it
 * answers +1 (-1), the exact minimum (maximum) of sum_j v_j relu(a_j - t c_j)
 * over the box, taken term by term over the four corners in arf, is > 0
 * (< 0). Random and adversarial rays: zeros, subnormals, huge and tiny
 * exponents, exact cancellation to (almost) 0, absorption (B + x - B - y,
 * whose binary64 sum has the wrong sign), wide and point intervals,
 * t of both signs and 0. Also: on ordinary rays it does decide (not
 * vacuous), and it never decides a ray whose box straddles 0. */
#include <arf.h>
#include <math.h>
#include <string.h>
#include "testlib.h"
#include "nrc_fast.h"
#include "../src/certify/fast_reuse.h"
#include "exact_ray.h"
#include "nasty.h"

static void interval(int mode, int wide, double *lo, double *hi)
{
    double a = nasty(mode), b;
    if (!wide) {
        *lo = *hi = a;
        return;
    }
    b = wide == 1 ? a + ldexp(fabs(a), -40) * unif() : nasty(mode);
    if (!isfinite(b))
        b = a;
    *lo = a < b ? a : b;
    *hi = a < b ? b : a;
}

#define KMAX 48

static void test_filter_sound(void)
{
    double alo[KMAX], ahi[KMAX], clo[KMAX], chi[KMAX], v[KMAX], t;
    long trials = 6000 * tl_mult(), it;
    long decided = 0, ordinary = 0, ordinary_decided = 0;
    arf_t lo, hi;
    arf_init(lo);
    arf_init(hi);
    rs = tl_seed() | 1;
    for (it = 0; it < trials; it++) {
        size_t k = 1 + rnd64() % KMAX, j;
        int mode = (int)(rnd64() % 9), wide = (int)(rnd64() % 3), sg, cancel = (int)(rnd64() % 3) == 0;
        int ord = mode == 7;
        for (j = 0; j < k; j++) {
            int mj = ord ? 0 : mode == 8 ? (int)(rnd64() % 7) : mode;
            interval(mj, ord ? 1 : wide, &alo[j], &ahi[j]);
            interval(mj, ord ? 1 : wide, &clo[j], &chi[j]);
            v[j] = nasty(mj);
        }
        t = ord ? unif() - 0.5 : (rnd64() % 4 == 0 ? 0.0 : nasty(mode == 8 ? (int)(rnd64() % 7) : mode));
        if (cancel && k >= 2) {
            /* last term cancels the plain sum of the others at the lower
             * corner: the exact sum is (almost) 0 */
            double s = 0;
            for (j = 0; j + 1 < k; j++) {
                double e = alo[j] - t * chi[j];
                s += v[j] * (e > 0 ? e : 0.0);
            }
            alo[k - 1] = ahi[k - 1] = 1.0;
            clo[k - 1] = chi[k - 1] = 0.0;
            v[k - 1] = isfinite(s) ? -s : 1.0;
        }
        if (rnd64() % 4 == 0 && k >= 4) {
            ord = 0;
            /* absorption: B + x - B - y summed in binary64 loses x (or y)
             * and can get the sign of the exact x - y wrong */
            double B = ldexp(1.0, 53 + (int)(rnd64() % 8)), x = unif(), y = unif();
            size_t p0 = rnd64() % (k - 3);
            const double av[4] = { B, x, B, y }, vv[4] = { 1.0, 1.0, -1.0, -1.0 };
            for (j = 0; j < 4; j++) {
                alo[p0 + j] = ahi[p0 + j] = av[j];
                clo[p0 + j] = chi[p0 + j] = 0.0;
                v[p0 + j] = vv[j];
            }
            for (j = 0; j < k; j++)
                if (j < p0 || j >= p0 + 4)
                    v[j] = 0.0;
        }
        sg = nrc_fast_ray_sign(k, alo, ahi, clo, chi, t, v);
        exact_range(k, alo, ahi, clo, chi, t, v, lo, hi);
        if (sg > 0)
            CHECK(arf_sgn(lo) > 0, "trial %ld (k %zu mode %d t %a): filter says > 0, exact min %g",
                  it, k, mode, t, arf_get_d(lo, ARF_RND_NEAR));
        if (sg < 0)
            CHECK(arf_sgn(hi) < 0, "trial %ld (k %zu mode %d t %a): filter says < 0, exact max %g",
                  it, k, mode, t, arf_get_d(hi, ARF_RND_NEAR));
        if (arf_sgn(lo) <= 0 && arf_sgn(hi) >= 0)
            CHECK(sg == 0, "trial %ld: box straddles 0 but the filter decided %d", it, sg);
        decided += sg != 0;
        if (ord && !cancel && (arf_sgn(lo) > 0 || arf_sgn(hi) < 0)) {
            ordinary++;
            ordinary_decided += sg != 0;
        }
        if (tl_case_failed > 5)
            break;
    }
    printf("  info: %ld of %ld rays decided; ordinary decidable rays decided %ld of %ld\n", decided,
           trials, ordinary_decided, ordinary);
    CHECK(ordinary > 0 && ordinary_decided * 10 >= ordinary * 9,
          "the filter is nearly vacuous on ordinary rays: %ld of %ld", ordinary_decided, ordinary);
    arf_clear(lo);
    arf_clear(hi);
}

/* Non-finite inputs are never decided. */
static void test_filter_nonfinite(void)
{
    double a[2] = { 1.0, 2.0 }, ai[2] = { 1.0, INFINITY }, c[2] = { 0.0, 0.0 },
           cn[2] = { 0.0, NAN }, v[2] = { 1.0, 1.0 };
    CHECK(nrc_fast_ray_sign(2, a, a, c, c, 0.0, v) == 1, "plain positive ray not decided");
    CHECK(nrc_fast_ray_sign(2, a, ai, c, c, 0.0, v) == 0, "infinite a decided");
    CHECK(nrc_fast_ray_sign(2, a, a, cn, cn, 1.0, v) == 0, "NaN c decided");
    CHECK(nrc_fast_ray_sign(2, a, a, c, c, NAN, v) == 0, "NaN t decided");
    CHECK(nrc_fast_ray_sign(0, a, a, c, c, 0.0, v) == 0, "empty ray decided");
}

int main(void)
{
    RUN(test_filter_sound);
    RUN(test_filter_nonfinite);
    return tl_exit();
}
