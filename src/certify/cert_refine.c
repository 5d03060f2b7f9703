/* Exact fallback for statistics (spec/CERTIFY.md "When the engines agree"):
 * when an engine's enclosure of a written quantity leaves a verdict open
 * (regime, robust reference, a refusal because a value left the binary64
 * range), the pipeline replaces it by the tightest binary64 enclosure of
 * the exact value, [RD(x), RU(x)], computed by the exact arbiter. A verdict
 * taken on the tight enclosure equals the one any correct engine's
 * enclosure decides (it contains the tight one), so the verdicts do not
 * depend on the engine.
 *
 * Extremes (min_i ||x_i||^2, max_{i != l} |<x_i, x_l>|, ...) are computed
 * lazily: only the items whose enclosure can attain the extreme are
 * candidates, evaluated exactly best bound first, stopping as soon as the
 * exact value found beats every remaining bound. */
#include <math.h>
#include <stdlib.h>
#include "nrc_alloc.h"
#include "cert_run.h"

void nrc_refine_tight(const arf_t x, double e[2])
{
    e[0] = nrc_exact_get_lo(x);
    e[1] = nrc_exact_get_hi(x);
}

/* ---------------------------------------------------------------- extremes */
static int cand_desc(const void *a, const void *b)
{
    double x = ((const nrc_cand *)a)->bound, y = ((const nrc_cand *)b)->bound;
    size_t i = ((const nrc_cand *)a)->id, j = ((const nrc_cand *)b)->id;
    return x > y ? -1 : x < y ? 1 : (i > j) - (i < j);
}

static int cand_asc(const void *a, const void *b)
{
    double x = ((const nrc_cand *)a)->bound, y = ((const nrc_cand *)b)->bound;
    size_t i = ((const nrc_cand *)a)->id, j = ((const nrc_cand *)b)->id;
    return x < y ? -1 : x > y ? 1 : (i > j) - (i < j);
}

size_t nrc_refine_cands(size_t cnt, const double *lo, const double *hi, int want_max,
                        nrc_cand *out)
{
    double thr = want_max ? -INFINITY : INFINITY;
    size_t i, nc = 0;
    for (i = 0; i < cnt; i++) {
        if (want_max && lo[i] > thr)
            thr = lo[i];
        if (!want_max && hi[i] < thr)
            thr = hi[i];
    }
    for (i = 0; i < cnt; i++)
        if (want_max ? hi[i] >= thr : lo[i] <= thr) {
            out[nc].bound = want_max ? hi[i] : lo[i];
            out[nc].id = i;
            nc++;
        }
    return nc;
}

size_t nrc_refine_extreme(const nrc_cert_run *R, nrc_cand *c, size_t nc, int want_max,
                          nrc_exact_item f, void *ctx, arf_t out)
{
    arf_t x;
    size_t r, evaluated = 0;
    qsort(c, nc, sizeof *c, want_max ? cand_desc : cand_asc);
    arf_init(x);
    for (r = 0; r < nc; r++) {
        /* every remaining exact value is within its bound, which the value
         * found already beats */
        if (evaluated && (want_max ? nrc_exact_lt_d(out, c[r].bound) == NRC_FALSE
                                   : nrc_exact_le_d(out, c[r].bound) == NRC_TRUE))
            break;
        f(R, ctx, c[r].id, x);
        if (!evaluated || (want_max ? arf_cmp(x, out) > 0 : arf_cmp(x, out) < 0))
            arf_set(out, x);
        evaluated++;
    }
    arf_clear(x);
    return evaluated;
}

/* ---------------------------------------------------------------- items */
void nrc_refine_sqnorm_x(const nrc_cert_run *R, void *ctx, size_t i, arf_t out)
{
    (void)ctx;
    const double *x = R->M->X + i * R->d;
    nrc_exact_dot(out, R->d, x, 1, x, 1);
}

void nrc_refine_gram_abs(const nrc_cert_run *R, void *ctx, size_t id, arf_t out)
{
    (void)ctx;
    size_t i = id / R->n, l = id % R->n;
    nrc_exact_dot(out, R->d, R->M->X + i * R->d, 1, R->M->X + l * R->d, 1);
    arf_abs(out, out);
}

void nrc_refine_gamma_item(const nrc_cert_run *R, void *ctx, size_t i, arf_t out)
{
    (void)ctx;
    nrc_exact_dot_arf(out, R->d, R->M->X + i * R->d, R->z.v);
    if (R->M->y[i] < 0)
        arf_neg(out, out);
}

/* ctx: an nrc_xvec of k numbers (scratch for the exact pre-activations). */
void nrc_refine_margin_item(const nrc_cert_run *R, void *ctx, size_t i, arf_t out)
{
    nrc_xvec *a = ctx;
    nrc_cert_exact_preacts(R, R->M->X + i * R->d, a);
    nrc_exact_ray(out, R->k, a->v, a->v, 0.0, R->M->v);
    if (R->M->y[i] < 0)
        arf_neg(out, out);
}
