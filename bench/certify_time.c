/* make bench, certify part: `certify` (nrc_certify_run, per engine) against
 * one plain binary64 forward + gradient pass on the same model, measured side
 * by side in one run (DESIGN.md "Performance").
 *
 *   run:   OPENBLAS_NUM_THREADS=1 build/bench/certify_time MODEL [engine...]
 *
 * The plain pass (bench/plain_pass.h) is what one training step of the
 * logistic loss costs: two n*k*d GEMMs and the loops between them.
 * Totals are process CPU seconds (plain: minimum of 3); the phases are the
 * wall seconds nrc_certify_run records (C.seconds): forward = margins and
 * fit, data = data statistics (Gram rho, z) and the Lipschitz bounds,
 * flips = the flip claims with their lower bounds, kkt = Gram of the h_i and
 * NNLS, other = robust reference and theory.
 * Output: CSV, header first:
 *   engine,n,d,k,m,plain_s,certify_s,ratio,forward_s,data_s,flips_s,kkt_s,
 *   other_s,flips_certified,flips */
#include <math.h>
#include <stdio.h>
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_certify.h"
#include "nrc_engine.h"
#include "nrc_model.h"
#include "plain_pass.h"

int main(int argc, char **argv)
{
    nrc_model M;
    nrc_error err;
    double tp[3], plain;
    int e;
    const char *engines_def[2] = { "fast", "mpfr" };
    const char **engines = engines_def;
    int neng = 2;
    if (argc < 2) {
        fprintf(stderr, "usage: certify_time MODEL [engine...]\n");
        return 2;
    }
    if (argc > 2) {
        engines = (const char **)(argv + 2);
        neng = argc - 2;
    }
    nrc_blas_set_threads(1);
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
    /* certify allocates and frees many n x n / n x k work arrays: keep freed
     * memory in the heap instead of returning it to the kernel, so that it
     * is not page-faulted in again (about 10 % of the run at n = d = k =
     * 1000; bench/README.md). Only the allocator's policy changes. */
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
    nrc_model_init(&M);
    if (nrc_model_read(argv[1], &M, &err) != NRC_OK) {
        fprintf(stderr, "certify_time: %s\n", err.msg);
        return 3;
    }
    plain = bench_plain_best3(&M, tp);
    if (plain < 0)
        return 4;
    printf("engine,n,d,k,m,plain_s,certify_s,ratio,forward_s,data_s,flips_s,kkt_s,"
           "other_s,flips_certified,flips\n");
    for (e = 0; e < neng; e++) {
        nrc_engine E;
        nrc_certify_result C;
        nrc_certify_options o;
        double t0, t1;
        size_t i, c = 0;
        if (nrc_engine_init(&E, engines[e], 1, &err) != NRC_OK) {
            fprintf(stderr, "certify_time: engine %s not available (%s)\n", engines[e], err.msg);
            continue;
        }
        nrc_certify_options_default(&o);
        nrc_certify_result_init(&C);
        t0 = bench_cpu_s();
        if (nrc_certify_run(&M, &o, &E, &C, &err) != NRC_OK) {
            fprintf(stderr, "certify_time: engine %s: error %s\n", engines[e], err.msg);
            nrc_engine_clear(&E);
            continue;
        }
        t1 = bench_cpu_s();
        for (i = 0; i < C.nflips; i++)
            c += C.flips[i].status == NRC_FLIP_CERTIFIED;
        printf("%s,%llu,%llu,%llu,%llu,%.5f,%.5f,%.3f,%.5f,%.5f,%.5f,%.5f,%.5f,%zu,%zu\n",
               engines[e], (unsigned long long)M.n, (unsigned long long)M.d,
               (unsigned long long)M.k, (unsigned long long)M.m, plain, t1 - t0,
               (t1 - t0) / plain, C.seconds[NRC_PHASE_FORWARD], C.seconds[NRC_PHASE_DATA],
               C.seconds[NRC_PHASE_FLIPS], C.seconds[NRC_PHASE_KKT],
               C.seconds[NRC_PHASE_OTHER], c, C.nflips);
        fflush(stdout);
        nrc_certify_result_clear(&C);
        nrc_engine_clear(&E);
    }
    nrc_model_clear(&M);
    return 0;
}
