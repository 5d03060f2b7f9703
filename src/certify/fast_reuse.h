/* Private to src/certify: the fast engine's product enclosure from a
 * midpoint product the pipeline has already computed (spec/CERTIFY.md
 * "Performance: products computed once").
 *
 * The pipeline needs the plain binary64 product fl(A B^T) anyway (search
 * values R->Ad, the NNLS Gram R->G); for point A the fast engine's
 * enclosure is exactly that product plus an a-priori radius, so recomputing
 * it inside nrc_engine_gemm is wasted work.  The pipeline asks
 * nrc_fast_engine_is() and, for the fast engine only, computes the product
 * once with nrc_dgemm(N, T, ...) and calls nrc_fast_enclose_mid(); for any
 * other engine it calls nrc_engine_gemm() as before.  The enclosure is the
 * same function of the same bits either way, so certificates do not change. */
#ifndef NRC_FAST_REUSE_H
#define NRC_FAST_REUSE_H
#include <stddef.h>
#include "nrc_engine.h"
#include "nrc_status.h"

/* 1 when e is the fast engine. */
int nrc_fast_engine_is(const nrc_engine *e);

/* Cmid (r, c), ldm, MUST be a round-to-nearest evaluation of A B^T (any
 * summation order, with or without FMA: every dot product of length q);
 * A (r, q) and B (c, q) are points.  Writes [Clo, Chi] enclosing the exact
 * A B^T, as the fast engine's gemm does.  Cmid may equal Clo (same ldc)
 * but not Chi. */
nrc_status nrc_fast_enclose_mid(size_t r, size_t c, size_t q, const double *A,
                                size_t lda, const double *B, size_t ldb,
                                const double *Cmid, size_t ldm, double *Clo,
                                double *Chi, size_t ldc, nrc_error *err);

/* Ray sign filter (spec/CERTIFY.md "Ray sign filter"): with the arguments
 * and contract of the engine's ray primitive (include/certify/nrc_engine.h),
 * returns +1 when sum_j v_j relu(a_j - t c_j) > 0 for EVERY a_j in
 * [alo_j, ahi_j], c_j in [clo_j, chi_j]; -1 when it is < 0 for every such
 * choice; 0 when it cannot tell (then ask the engine). Plain binary64 sums
 * with one a-priori error bound per ray instead of directed rounding per
 * term: a cheap first test for the flip claims, which only need the sign. */
int nrc_fast_ray_sign(size_t k, const double *alo, const double *ahi, const double *clo,
                      const double *chi, double t, const double *v);
#endif
