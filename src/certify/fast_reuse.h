/* Private to src/certify: the fast engine's ray sign filter (spec/CERTIFY.md
 * "Ray sign filter"), which its ray_test operation (engine_fast.c,
 * include/certify/nrc_engine.h) tries first; declared here for its test
 * (tests/t-ray_filter.c). */
#ifndef NRC_FAST_REUSE_H
#define NRC_FAST_REUSE_H
#include <stddef.h>

/* With the arguments and contract of the engine's ray primitive
 * (include/certify/nrc_engine.h), returns +1 when sum_j v_j relu(a_j - t c_j)
 * > 0 for EVERY a_j in [alo_j, ahi_j], c_j in [clo_j, chi_j]; -1 when it is
 * < 0 for every such choice; 0 when it cannot tell (then ask the engine).
 * Plain binary64 sums with one a-priori error bound per ray instead of
 * directed rounding per term: a cheap first test for the flip claims, which
 * only need the sign. */
int nrc_fast_ray_sign(size_t k, const double *alo, const double *ahi, const double *clo,
                      const double *chi, double t, const double *v);
#endif
