/* Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c) and the corpus
 * replay test (tests/t-fuzz_replay.c), which includes the harness sources so
 * that `make check` runs the very same function on every corpus file,
 * compiled by gcc, without libFuzzer.
 *
 * A harness asserts properties that must hold for EVERY input (no crash, a
 * documented status, a message naming the file, canonical round trip of an
 * accepted model, no claim accepted against the wrong model); a violation
 * prints the input's name and aborts, which libFuzzer reports as a crash and
 * the replay test as a failure. */
#ifndef NRC_FUZZ_COMMON_H
#define NRC_FUZZ_COMMON_H
#include <stdio.h>
#include <stdlib.h>

/* Name of the input being run (set by the replay driver; "libFuzzer input"
 * under libFuzzer, which saves the crashing input itself). */
static const char *fuzz_input_name = "libFuzzer input";

#define FUZZ_ASSERT(cond, ...)                                                  \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stdout, "FAIL fuzz %s: %s:%d: ", fuzz_input_name, __FILE__, \
                    __LINE__);                                                  \
            fprintf(stdout, __VA_ARGS__);                                       \
            fprintf(stdout, "\n");                                              \
            fflush(stdout);                                                     \
            abort();                                                            \
        }                                                                       \
    } while (0)

#endif
