/* Adversarial doubles for the tests of certify's rigorous kernels
 * (t-fast.c, t-engine_mpfr.c, t-ray_filter.c, t-engine_ops.c): ordinary
 * values, zeros, small integers (exact ties), subnormals, huge and tiny
 * exponents, exponents over [-1000, 1000]. xorshift64 state rs, seeded by
 * each test from tl_seed() (also the generator of t-exact.c and
 * t-cert_pipeline.c). */
#ifndef NRC_TESTS_NASTY_H
#define NRC_TESTS_NASTY_H
#include <math.h>
#include <stdint.h>

static uint64_t rs;
static inline uint64_t rnd64(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}
static inline double unif(void) { return (double)(rnd64() >> 11) * 0x1p-53; }

#define NASTY_MODES 8

/* A nasty double of kind mode % NASTY_MODES. */
static inline double nasty(int mode)
{
    double s = (rnd64() & 1) ? -1.0 : 1.0;
    switch (mode % NASTY_MODES) {
    case 0: return s * unif();
    case 1: return 0.0;
    case 2: return s * (double)(rnd64() % 5);
    case 3: return s * ldexp(1.0 + unif(), -1074 + (int)(rnd64() % 60));
    case 4: return s * ldexp(1.0 + unif(), 400 + (int)(rnd64() % 100));
    case 5: return s * ldexp(1.0 + unif(), -500 - (int)(rnd64() % 100));
    case 6: return s * ldexp(1.0 + unif(), (int)(rnd64() % 2000) - 1000);
    default: return s * ldexp(unif(), (int)(rnd64() % 80) - 40);
    }
}

#endif
