/* The engine boundary of `certify` (spec/CERTIFY.md "The engine boundary").
 *
 * An engine encloses real numbers: every primitive below takes exact binary64
 * inputs (points) or interval inputs [lo, hi] of binary64 endpoints, and
 * returns binary64 enclosures [lo, hi] of the EXACT real result.  The claim
 * pipeline (src/certify/claim_*.c) only ever decides a claim from these
 * enclosures; whatever an enclosure cannot decide (it straddles the
 * threshold, or an endpoint is infinite) goes to the exact arbiter
 * (include/certify/nrc_exact.h), which is shared by all engines.  The
 * pipeline never asks which engine it has: what one engine does better than
 * another (reusing a product the pipeline already computed, a cheaper sign
 * test) is an operation of this table that every engine implements, some by
 * the generic path below.  So two correct engines give the same verdicts
 * (they may differ in the width of what they write; spec/CERTIFY.md "When
 * the engines agree").
 *
 * Engines (nrc_engine_init):
 *   "fast" (default, src/certify/engine_fast.c): round-to-nearest BLAS plus
 *          an a-priori error radius evaluated upward (include/certify/nrc_fast.h).
 *   "mpfr" (src/certify/engine_mpfr.c): vertex sums of the input box in MPFR
 *          with directed rounding, precision raised until the binary64
 *          enclosure is the tightest one; the reference the fast engine is
 *          tested against.  Its starting precision is NRC_ENGINE_MPFR_PREC
 *          (default 128 bits).
 *
 * CONTRACT common to all primitives (an implementation must satisfy it for
 * every input, including subnormals, zeros, huge and tiny exponents):
 *   - On NRC_OK, for every output entry, lo <= exact <= hi holds in exact
 *     real arithmetic, where "exact" is the real result for EVERY choice of
 *     the inputs inside their intervals.  Point inputs are exact rationals.
 *   - An entry the engine cannot enclose finitely (overflow, NaN on the way,
 *     precision budget) is returned as lo = -INFINITY, hi = +INFINITY.
 *     Never NaN, never lo > hi.  Infinite endpoints mean "undecided".
 *   - A non-OK status is only for system failures (memory) or misuse; then
 *     the outputs are unspecified and the caller treats everything as
 *     undecided.  Engines never print, never exit, never change the global
 *     rounding mode as seen by the caller, and must be deterministic: the
 *     same inputs give the same output bits for any thread count.
 *   - Interval inputs are given as two arrays (lo, hi) with lo <= hi entry
 *     by entry; passing hi == NULL (or hi == lo) means a point input.
 *   - Matrices are row-major with explicit leading dimensions.
 */
#ifndef NRC_ENGINE_H
#define NRC_ENGINE_H
#include <stddef.h>
#include "nrc_status.h"

typedef struct nrc_engine nrc_engine;

typedef struct nrc_engine_ops {
    const char *name;   /* "fast" or "mpfr", as written in the certificate */

    /* Product enclosure: C (r, c) encloses A B^T, i.e.
     *   Clo[i*ldc + l] <= sum_{t<q} A[i][t] * B[l][t] <= Chi[i*ldc + l]
     * for every A in [Alo, Ahi] (r, q), lda; B (c, q), ldb, is a point.
     * q may be 0 (then C = 0).  Outputs may not alias inputs. */
    nrc_status (*gemm)(nrc_engine *e, size_t r, size_t c, size_t q,
                       const double *Alo, const double *Ahi, size_t lda,
                       const double *B, size_t ldb,
                       double *Clo, double *Chi, size_t ldc, nrc_error *err);

    /* Row sums of squares: for every row i of A in [Alo, Ahi] (r, q), lda:
     *   lo[i] <= sum_{t<q} A[i][t]^2 <= hi[i].
     * (lo[i] >= 0 is allowed to be 0 whenever the engine is unsure.) */
    nrc_status (*sumsq)(nrc_engine *e, size_t r, size_t q, const double *Alo,
                        const double *Ahi, size_t lda, double *lo, double *hi,
                        nrc_error *err);

    /* The network along a ray (spec/MATH.md section 6): with t and v exact,
     *   *lo <= sum_{j<k} v[j] * relu(a_j - t * c_j) <= *hi
     * for every a_j in [alo[j], ahi[j]] and c_j in [clo[j], chi[j]].
     * (a_j is the pre-activation <w_j, x> + b_j at the point, c_j = <w_j, z>;
     * the pipeline passes t = p s and multiplies the result by p.)  With
     * t = 0 this is N(x) from enclosed pre-activations. */
    nrc_status (*ray)(nrc_engine *e, size_t k, const double *alo,
                      const double *ahi, const double *clo, const double *chi,
                      double t, const double *v, double *lo, double *hi,
                      nrc_error *err);

    /* Product enclosure from a midpoint the caller already has: as gemm for
     * a point A (r, q), lda, given Cmid (r, c), ldm, which MUST be a
     * round-to-nearest evaluation of A B^T: every entry a binary64 dot
     * product of length q in some order, with or without FMA (nrc_dgemm's,
     * or nrc_gram_sym_d's for A A^T).  The pipeline computes that product
     * anyway (search values, the NNLS Gram); an engine whose enclosure is
     * the rounded product plus an a-priori radius (fast) applies the radius
     * to it instead of recomputing it, any other one ignores Cmid
     * (nrc_engine_gemm_mid_generic).  Cmid may equal Clo (ldm == ldc), not
     * Chi. */
    nrc_status (*gemm_mid)(nrc_engine *e, size_t r, size_t c, size_t q,
                           const double *A, size_t lda, const double *B,
                           size_t ldb, const double *Cmid, size_t ldm,
                           double *Clo, double *Chi, size_t ldc, nrc_error *err);

    /* The flip test along a ray (spec/MATH.md section 6): with the arguments of
     * ray and p = +1 or -1, F = sum_j v_j relu(a_j - t c_j):
     *   *out = NRC_TRUE   when p F < 0 for every point of the input box,
     *          NRC_FALSE  when p F >= 0 for every point of the box,
     *          NRC_UNKNOWN otherwise (the caller asks the exact arbiter).
     * A flip claim needs only this sign; an engine with a cheaper sign test
     * (fast: the a-priori ray filter) uses it first, any other one encloses
     * F with ray and compares (nrc_engine_ray_test_generic). */
    nrc_status (*ray_test)(nrc_engine *e, size_t k, const double *alo,
                           const double *ahi, const double *clo, const double *chi,
                           double t, const double *v, int p, nrc_truth *out,
                           nrc_error *err);

    /* Release the engine's state (may be NULL). */
    void (*clear)(nrc_engine *e);
} nrc_engine_ops;

struct nrc_engine {
    const nrc_engine_ops *ops;
    int threads;        /* worker threads the engine may use (>= 1) */
    void *state;        /* engine-private */
};

/* Select an engine by name ("fast" or "mpfr"; NULL means "fast").
 * NRC_ERR_USAGE for an unknown name; NRC_ERR_INTERNAL when the engine is not
 * usable in this process (for "fast": flush-to-zero / denormals-are-zero set,
 * or its start-up self-test failed; message says which). */
nrc_status nrc_engine_init(nrc_engine *e, const char *name, int threads,
                           nrc_error *err);
/* Accepts a cleared or zero-initialised engine. */
void nrc_engine_clear(nrc_engine *e);

/* Per-engine constructors, called by nrc_engine_init. The MPFR engine
 * reads NRC_ENGINE_MPFR_PREC (53..8192; anything else: NRC_ERR_USAGE). */
nrc_status nrc_engine_fast_init(nrc_engine *e, int threads, nrc_error *err);
nrc_status nrc_engine_mpfr_init(nrc_engine *e, int threads, nrc_error *err);

/* The generic implementations of gemm_mid and ray_test by the engine's own
 * gemm and ray (src/certify/engine.c), for engines without a better one. */
nrc_status nrc_engine_gemm_mid_generic(nrc_engine *e, size_t r, size_t c, size_t q,
                                       const double *A, size_t lda, const double *B,
                                       size_t ldb, const double *Cmid, size_t ldm,
                                       double *Clo, double *Chi, size_t ldc,
                                       nrc_error *err);
nrc_status nrc_engine_ray_test_generic(nrc_engine *e, size_t k, const double *alo,
                                       const double *ahi, const double *clo,
                                       const double *chi, double t, const double *v,
                                       int p, nrc_truth *out, nrc_error *err);

/* Convenience wrappers (same contracts). */
static inline nrc_status nrc_engine_gemm(nrc_engine *e, size_t r, size_t c,
                                         size_t q, const double *Alo,
                                         const double *Ahi, size_t lda,
                                         const double *B, size_t ldb,
                                         double *Clo, double *Chi, size_t ldc,
                                         nrc_error *err)
{
    return e->ops->gemm(e, r, c, q, Alo, Ahi, lda, B, ldb, Clo, Chi, ldc, err);
}
static inline nrc_status nrc_engine_sumsq(nrc_engine *e, size_t r, size_t q,
                                          const double *Alo, const double *Ahi,
                                          size_t lda, double *lo, double *hi,
                                          nrc_error *err)
{
    return e->ops->sumsq(e, r, q, Alo, Ahi, lda, lo, hi, err);
}
static inline nrc_status nrc_engine_ray(nrc_engine *e, size_t k,
                                        const double *alo, const double *ahi,
                                        const double *clo, const double *chi,
                                        double t, const double *v, double *lo,
                                        double *hi, nrc_error *err)
{
    return e->ops->ray(e, k, alo, ahi, clo, chi, t, v, lo, hi, err);
}
static inline nrc_status nrc_engine_gemm_mid(nrc_engine *e, size_t r, size_t c,
                                             size_t q, const double *A, size_t lda,
                                             const double *B, size_t ldb,
                                             const double *Cmid, size_t ldm,
                                             double *Clo, double *Chi, size_t ldc,
                                             nrc_error *err)
{
    return e->ops->gemm_mid(e, r, c, q, A, lda, B, ldb, Cmid, ldm, Clo, Chi, ldc, err);
}
static inline nrc_status nrc_engine_ray_test(nrc_engine *e, size_t k,
                                             const double *alo, const double *ahi,
                                             const double *clo, const double *chi,
                                             double t, const double *v, int p,
                                             nrc_truth *out, nrc_error *err)
{
    return e->ops->ray_test(e, k, alo, ahi, clo, chi, t, v, p, out, err);
}

#endif
