/* Engine selection and the generic operations (include/certify/nrc_engine.h). */
#include <string.h>
#include "nrc_engine.h"

nrc_status nrc_engine_init(nrc_engine *e, const char *name, int threads,
                           nrc_error *err)
{
    e->ops = NULL;
    e->state = NULL;
    e->threads = threads < 1 ? 1 : threads;
    if (!name || strcmp(name, "fast") == 0)
        return nrc_engine_fast_init(e, threads, err);
    if (strcmp(name, "mpfr") == 0)
        return nrc_engine_mpfr_init(e, threads, err);
    return nrc_error_set(err, NRC_ERR_USAGE, "unknown engine '%s' (expected fast or mpfr)", name);
}

void nrc_engine_clear(nrc_engine *e)
{
    if (e->ops && e->ops->clear)
        e->ops->clear(e);
    e->ops = NULL;
    e->state = NULL;
}

/* An engine without a cheaper way encloses the product itself: the
 * midpoint is not needed. */
nrc_status nrc_engine_gemm_mid_generic(nrc_engine *e, size_t r, size_t c, size_t q,
                                       const double *A, size_t lda, const double *B,
                                       size_t ldb, const double *Cmid, size_t ldm,
                                       double *Clo, double *Chi, size_t ldc,
                                       nrc_error *err)
{
    (void)Cmid;
    (void)ldm;
    return e->ops->gemm(e, r, c, q, A, NULL, lda, B, ldb, Clo, Chi, ldc, err);
}

/* p F < 0 on the whole box iff the enclosure of p F lies below 0; p F >= 0
 * on the whole box iff it lies at or above 0. */
nrc_status nrc_engine_ray_test_generic(nrc_engine *e, size_t k, const double *alo,
                                       const double *ahi, const double *clo,
                                       const double *chi, double t, const double *v,
                                       int p, nrc_truth *out, nrc_error *err)
{
    double lo, hi, plo, phi;
    nrc_status st = e->ops->ray(e, k, alo, ahi, clo, chi, t, v, &lo, &hi, err);
    *out = NRC_UNKNOWN;
    if (st != NRC_OK)
        return st;
    plo = p > 0 ? lo : -hi;
    phi = p > 0 ? hi : -lo;
    if (phi < 0)
        *out = NRC_TRUE;
    else if (plo >= 0)
        *out = NRC_FALSE;
    return NRC_OK;
}
