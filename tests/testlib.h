/* Minimal test protocol shared by every tests/t-*.c program.
 *
 * Each case prints "PASS name" or "FAIL name: details"; the program exits
 * non-zero when any case failed.  tests/run.sh counts the lines of all
 * programs and CLI scripts and prints the closing "N passed, N failed".
 * Randomized tests take their seed from NRC_TEST_SEED (default: fixed) and
 * scale their iteration counts by NRC_TEST_MULT (default 1); a failure prints
 * the seed and the inputs that failed. */
#ifndef NRC_TESTLIB_H
#define NRC_TESTLIB_H
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int tl_failed_cases = 0;
static int tl_case_failed = 0;
static const char *tl_case_name = "";

static inline uint64_t tl_seed(void) {
    const char *s = getenv("NRC_TEST_SEED");
    return s ? strtoull(s, NULL, 0) : UINT64_C(20221128);
}
static inline long tl_mult(void) {
    const char *s = getenv("NRC_TEST_MULT");
    long v = s ? strtol(s, NULL, 10) : 1;
    return v > 0 ? v : 1;
}

/* splitmix64: the tests' input generator (reproducible from tl_seed();
 * not the library's training RNG, whose stream must not depend on tests). */
static inline uint64_t tl_splitmix64(uint64_t *state) {
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static inline void tl_begin(const char *name) {
    tl_case_name = name;
    tl_case_failed = 0;
}
static inline void tl_fail(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    if (!tl_case_failed)
        printf("FAIL %s: ", tl_case_name);
    else
        printf("     %s: ", tl_case_name);
    printf("%s:%d: ", file, line);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf(" (NRC_TEST_SEED=%" PRIu64 ")\n", tl_seed());
    fflush(stdout);
    tl_case_failed++;
}
static inline void tl_end(void) {
    if (tl_case_failed)
        tl_failed_cases++;
    else
        printf("PASS %s\n", tl_case_name);
    fflush(stdout);
}
static inline int tl_exit(void) { return tl_failed_cases ? 1 : 0; }

/* CHECK(cond, fmt, ...): record a failure with a message, continue. */
#define CHECK(cond, ...) \
    do { if (!(cond)) tl_fail(__FILE__, __LINE__, __VA_ARGS__); } while (0)
/* Run a case: void fn(void) */
#define RUN(fn) do { tl_begin(#fn); fn(); tl_end(); } while (0)
/* Bail out of the current case after the failures counted so far. */
#define REQUIRE(cond, ...) \
    do { if (!(cond)) { tl_fail(__FILE__, __LINE__, __VA_ARGS__); return; } } while (0)

#endif
