/* xoshiro256** seeded by splitmix64, uniform doubles, normals by the polar
 * method with a reproducible log (include/train/nrc_rng.h, spec/TRAINING.md).
 * Algorithms: S. Vigna, splitmix64.c and xoshiro256starstar.c (public
 * domain reference code, prng.di.unimi.it); G. Marsaglia and T. A. Bray,
 * "A convenient method for generating normal variables", SIAM Rev. 1964. */
#include <math.h>
#include "nrc_rng.h"

static uint64_t rng_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void nrc_rng_init(nrc_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * UINT64_C(0xD1B54A32D192ED03));
    for (int i = 0; i < 4; i++)
        r->s[i] = rng_splitmix64(&x);
    r->have_spare = 0;
    r->spare = 0.0;
}

uint64_t nrc_rng_next(nrc_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    return result;
}

double nrc_rng_uniform_d(nrc_rng *r)
{
    return (double)(nrc_rng_next(r) >> 11) * 0x1p-53;
}

uint64_t nrc_rng_below(nrc_rng *r, uint64_t bound)
{
    /* bound <= 2^53 in practice (array sizes); the product is < bound. */
    uint64_t v = (uint64_t)(nrc_rng_uniform_d(r) * (double)bound);
    return v < bound ? v : bound - 1;
}

/* log x = e ln2 + 2 atanh(s), x = 2^e f with f in [sqrt(1/2), sqrt(2)),
 * s = (f - 1) / (f + 1), |s| < 0.1716, s^2 < 0.02944.  The atanh series
 * 2 (s + s^3/3 + ... + s^39/39) is truncated after 20 terms (the tail is
 * below 0.0295^20 < 1e-30 relative) and evaluated by Horner from the
 * highest term; ln 2 is split hi + lo (fdlibm's constants) so that e ln2 is
 * accurate.  frexp/ldexp are exact.  Every operation is a correctly rounded
 * IEEE one, so the result is the same bits on every conforming platform. */
double nrc_rng_log_d(double x)
{
    static const double ln2_hi = 6.93147180369123816490e-01; /* 0x3fe62e42fee00000 */
    static const double ln2_lo = 1.90821492927058770002e-10; /* 0x3dea39ef35793c76 */
    int e;
    double f = frexp(x, &e);     /* x = f 2^e, f in [0.5, 1) */
    if (f < 0.70710678118654752440) {
        f = f * 2.0;
        e = e - 1;
    }
    double s = (f - 1.0) / (f + 1.0);
    double s2 = s * s;
    double p = 0.0;
    for (int j = 39; j >= 3; j -= 2)
        p = (p + 1.0 / (double)j) * s2;
    double at = s + s * p;       /* atanh(s) */
    return (double)e * ln2_hi + ((double)e * ln2_lo + 2.0 * at);
}

double nrc_rng_normal_d(nrc_rng *r)
{
    if (r->have_spare) {
        r->have_spare = 0;
        return r->spare;
    }
    for (;;) {
        double u = 2.0 * nrc_rng_uniform_d(r) - 1.0;
        double v = 2.0 * nrc_rng_uniform_d(r) - 1.0;
        double s = u * u + v * v;
        if (s >= 1.0 || s == 0.0)
            continue;
        double f = sqrt(-2.0 * nrc_rng_log_d(s) / s);
        r->spare = v * f;
        r->have_spare = 1;
        return u * f;
    }
}
