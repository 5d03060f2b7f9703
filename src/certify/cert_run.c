/* The run driver of `certify` (include/certify/nrc_certify.h,
 * spec/CERTIFY.md): the run's arrays from one size table, then the claim
 * steps of claims.c in order, each timed into its phase. Also the result
 * object and the helpers the claim modules share (cert_run.h). */
#include <math.h>
#include <string.h>
#include <time.h>
#include "nrc_alloc.h"
#include "fast_inline.h"
#include "cert_run.h"

void nrc_certify_options_default(nrc_certify_options *o)
{
    o->points = NRC_POINTS_ALL;
    o->margin_dir = 0;
    o->tau = 0.0;
    o->tau_text = NULL;
    o->kink_tol = 0x1p-40;
    o->min_flip = 0;
    o->min_flip_name = NULL;
    o->progress = NULL;
    o->progress_ctx = NULL;
}

void nrc_certify_result_init(nrc_certify_result *C)
{
    memset(C, 0, sizeof *C);
}

void nrc_certify_result_clear(nrc_certify_result *C)
{
    nrc_free(C->dir_idx);
    nrc_free(C->neuron_norm_upper);
    nrc_free(C->flips);
    nrc_free(C->lambda);
    nrc_free(C->kinks);
    nrc_free(C->kink_g);
    nrc_free(C->mf);
    nrc_free(C->mf_data);
    memset(C, 0, sizeof *C);
}

int nrc_certify_all_certified(const nrc_certify_result *C)
{
    size_t r;
    if (!C->all_correct || !C->kkt_certified || !C->robust_certified)
        return 0;
    for (r = 0; r < C->nflips; r++)
        if (C->flips[r].status != NRC_FLIP_CERTIFIED)
            return 0;
    for (r = 0; r < C->nmf; r++)
        if (!C->mf[r].upper_ok || !C->mf[r].lower_ok)
            return 0;
    return 1;
}

/* ---------------------------------------------------------------- helpers */
void nrc_cert_sum_nonneg(size_t len, const double *lo, const double *hi, double *slo,
                         double *shi)
{
    size_t t;
    double a = 0.0, b = 0.0;
    for (t = 0; t < len; t++) {
        a = fi_add_down(a, lo[t]);
        b = fi_add_up(b, hi[t]);
    }
    *slo = a < 0 ? 0.0 : a;
    *shi = b;
}

int nrc_cert_finite2(const double e[2])
{
    return isfinite(e[0]) && isfinite(e[1]);
}

nrc_status nrc_cert_oom(nrc_error *err, const char *what)
{
    return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (%s)", what);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---------------------------------------------------------------- driver */
/* Every array of the run (shapes in cert_run.h), from one allocation. */
static nrc_status run_alloc(nrc_cert_run *R, void **ws, nrc_error *err)
{
    size_t n = R->n, d = R->d, k = R->k, m = R->m;
    size_t nk = nrc_ws_mul(n, k), mk = nrc_ws_mul(m, k);
    const nrc_ws_entry tab[] = {
        NRC_WS(R->Alo, nk, 0),  NRC_WS(R->Ahi, nk, 0),  NRC_WS(R->kink, nk, 1),
        NRC_WS(R->Asgn, nk, 1), NRC_WS(R->Ad, nk, 0),   NRC_WS(R->Nlo, n, 0),
        NRC_WS(R->Nhi, n, 0),   NRC_WS(R->sgn, n, 1),   NRC_WS(R->xlo, n, 0),
        NRC_WS(R->xhi, n, 0),   NRC_WS(R->Tlo, mk, 0),  NRC_WS(R->Thi, mk, 0),
        NRC_WS(R->ATd, mk, 0),  NRC_WS(R->NTlo, m, 0),  NRC_WS(R->NThi, m, 0),
        NRC_WS(R->sgnT, m, 1),  NRC_WS(R->xtlo, m, 0),  NRC_WS(R->xthi, m, 0),
        NRC_WS(R->zlo, d, 0),   NRC_WS(R->zhi, d, 0),   NRC_WS(R->zd, d, 0),
        NRC_WS(R->clo, k, 0),   NRC_WS(R->chi, k, 0),   NRC_WS(R->cd, k, 0),
        NRC_WS(R->wlo, k, 0),   NRC_WS(R->whi, k, 0),   NRC_WS(R->G, nrc_ws_mul(n, n), 0),
    };
    return nrc_ws_alloc(ws, tab, sizeof tab / sizeof tab[0], "certify work arrays", err);
}

/* The model's sizes and flags into the run and the result; the result's
 * own arrays (the Lipschitz bounds, the flip entries). */
static nrc_status run_init(nrc_cert_run *R, const nrc_model *M, const nrc_certify_options *o,
                           nrc_engine *e, nrc_certify_result *C, nrc_error *err)
{
    memset(R, 0, sizeof *R);
    R->M = M;
    R->e = e;
    R->C = C;
    R->n = C->n = (size_t)M->n;
    R->d = C->d = (size_t)M->d;
    R->k = C->k = (size_t)M->k;
    R->m = C->m = (size_t)M->m;
    R->b = (M->flags & NRC_FLAG_BIAS) ? M->b : NULL;
    C->bias = R->b != NULL;
    C->fixed_v = (M->flags & NRC_FLAG_FIXED_V) != 0;
    C->engine = e->ops->name;
    C->opt = *o;
    C->nflips = ((o->points & NRC_POINTS_TRAIN) ? R->n : 0) +
                ((o->points & NRC_POINTS_TEST) ? R->m : 0);
    C->neuron_norm_upper = nrc_malloc_array(R->k ? R->k : 1, sizeof(double));
    C->flips = nrc_calloc(C->nflips ? C->nflips : 1, sizeof(nrc_flip));
    if (!C->neuron_norm_upper || !C->flips)
        return nrc_cert_oom(err, "certify work arrays");
    return NRC_OK;
}

nrc_status nrc_certify_run(const nrc_model *M, const nrc_certify_options *o,
                           nrc_engine *e, nrc_certify_result *C, nrc_error *err)
{
    nrc_cert_run R;
    void *ws = NULL;
    size_t s;
    nrc_status st = run_init(&R, M, o, e, C, err);
    if (st == NRC_OK)
        st = run_alloc(&R, &ws, err);
    if (st == NRC_OK)
        st = nrc_xvec_init(&R.z, R.d, err);
    for (s = 0; s < nrc_cert_nsteps && st == NRC_OK; s++) {
        double t0 = now_s();
        st = nrc_cert_steps[s].decide(&R, err);
        C->seconds[nrc_cert_steps[s].phase] += now_s() - t0;
    }
    nrc_xvec_clear(&R.z);
    if (R.cz_ready)
        nrc_xvec_clear(&R.cz);
    nrc_free(ws);
    return st;
}
