/* The project's own random number generator (search level).
 *
 * Why not libc rand() or a library: the model file must be reproducible byte
 * for byte from the seed on any platform, and an independent implementation
 * must be able to regenerate the data (spec/TRAINING.md "Random numbers").
 * rand() is unspecified, and libm's log/cos are not correctly rounded, so
 * everything here uses integer operations and IEEE-754 +, -, *, / and sqrt
 * only (all correctly rounded), in a fixed order (-ffp-contract=off).
 *
 * Generator: xoshiro256** (Blackman & Vigna, 2018), state seeded from
 * splitmix64.  Independent streams for the different uses (training data,
 * test data, initial weights) come from different stream numbers, so
 * changing e.g. -m does not change the training data. */
#ifndef NRC_RNG_H
#define NRC_RNG_H
#include <stdint.h>

typedef struct {
    uint64_t s[4];
    int have_spare;      /* polar method makes normals in pairs */
    double spare;
} nrc_rng;

/* Stream numbers used by the trainer. */
#define NRC_RNG_STREAM_TRAIN 1u
#define NRC_RNG_STREAM_TEST 2u
#define NRC_RNG_STREAM_INIT 3u

/* splitmix64 state x := seed ^ (stream * 0xD1B54A32D192ED03); the four
 * state words are the next four splitmix64 outputs. */
void nrc_rng_init(nrc_rng *r, uint64_t seed, uint64_t stream);
uint64_t nrc_rng_next(nrc_rng *r);                  /* xoshiro256** */
/* Uniform on [0, 1): (next >> 11) * 2^-53. */
double nrc_rng_uniform_d(nrc_rng *r);
/* Uniform integer in [0, bound), bound >= 1: floor(uniform * bound). */
uint64_t nrc_rng_below(nrc_rng *r, uint64_t bound);
/* Standard normal by Marsaglia's polar method with nrc_rng_log_d. */
double nrc_rng_normal_d(nrc_rng *r);
/* Natural log of x > 0 finite, normal, from +, -, *, / only (a few ulps
 * accurate; reproducible everywhere).  See rng.c for the exact recipe. */
double nrc_rng_log_d(double x);

#endif
