/* Span mode of the gradient-descent driver (include/train/nrc_span.h,
 * spec/TRAINING.md "Span mode").  Search level: untrusted binary64.
 *
 * Each step mirrors nrc_train_run_d (src/train/train.c) operation for
 * operation, except where W enters: A = P_0 + K C^T instead of X W^T, the
 * update C -= eta M^T instead of W -= eta M^T X, and ||W||^2 from the
 * expansion in nrc_span.h.  Everything else (bias, ReLU, N, losses, the
 * schedule weights r, grad v, grad b, divergence test, callback order) is
 * the same code path or the same loops in the same order. */
#include <math.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_span.h"

double nrc_span_flops_direct(size_t n, size_t d, size_t k, uint64_t steps)
{
    double N = (double)n, D = (double)d, Kk = (double)k, S = (double)steps;
    /* S + 1 evaluations (GEMM A, norm of W), S gradients (GEMM G, update) */
    return (S + 1.0) * (2.0 * N * Kk * D + 2.0 * Kk * D) + S * (2.0 * N * Kk * D + 2.0 * Kk * D);
}

double nrc_span_flops_span(size_t n, size_t d, size_t k, uint64_t steps)
{
    double N = (double)n, D = (double)d, Kk = (double)k, S = (double)steps;
    /* setup K = X X^T and P_0 = X W_0^T; end: W = W_0 + C X and one direct
     * evaluation; per evaluation the n x k x n GEMM and O(nk) loops. */
    return 2.0 * N * N * D + 6.0 * N * Kk * D + 4.0 * Kk * D +
           (S + 1.0) * (2.0 * N * N * Kk + 6.0 * N * Kk) + S * 4.0 * N * Kk;
}

int nrc_span_preferred(size_t n, size_t d, size_t k, uint64_t steps)
{
    /* n <= d: K (n^2) is then no larger than X (nd), so the memory `train`
     * checks up front (model + gradient) still bounds the span run. */
    return n <= d &&
           nrc_span_flops_span(n, d, k, steps) < nrc_span_flops_direct(n, d, k, steps);
}

typedef struct {
    /* Ct (n,k) = C^T is stored transposed: every per-step loop then runs
     * over contiguous rows of length k, like A, R and M */
    double *K, *P0, *KC, *Ct, *A, *R, *M, *N, *q, *r, *gb, *gv;
} span_work;

static void span_work_free(span_work *w)
{
    nrc_free(w->K); nrc_free(w->P0); nrc_free(w->KC); nrc_free(w->Ct);
    nrc_free(w->A); nrc_free(w->R); nrc_free(w->M); nrc_free(w->N);
    nrc_free(w->q); nrc_free(w->r); nrc_free(w->gb); nrc_free(w->gv);
}

static nrc_status span_work_alloc(span_work *w, size_t n, size_t k, nrc_error *err)
{
    *w = (span_work){0};
    if (n > SIZE_MAX / n || n > SIZE_MAX / k)
        return nrc_error_set(err, NRC_ERR_SYSTEM,
                             "n * n or n * k overflows (n=%zu, k=%zu)", n, k);
    w->K = nrc_malloc_array(n * n, sizeof(double));
    w->P0 = nrc_malloc_array(n * k, sizeof(double));
    w->KC = nrc_malloc_array(n * k, sizeof(double));
    w->Ct = nrc_calloc(n * k, sizeof(double));
    w->A = nrc_malloc_array(n * k, sizeof(double));
    w->R = nrc_malloc_array(n * k, sizeof(double));
    w->M = nrc_malloc_array(n * k, sizeof(double));
    w->N = nrc_malloc_array(n, sizeof(double));
    w->q = nrc_malloc_array(n, sizeof(double));
    w->r = nrc_malloc_array(n, sizeof(double));
    w->gb = nrc_malloc_array(k, sizeof(double));
    w->gv = nrc_malloc_array(k, sizeof(double));
    if (!w->K || !w->P0 || !w->KC || !w->Ct || !w->A || !w->R || !w->M ||
        !w->N || !w->q || !w->r || !w->gb || !w->gv) {
        span_work_free(w);
        return nrc_error_set(err, NRC_ERR_SYSTEM,
                             "out of memory for span-mode training buffers (n=%zu, k=%zu)",
                             n, k);
    }
    return NRC_OK;
}

static int schedule_weights(const nrc_train_opts *o)
{
    return o->schedule == NRC_SCHEDULE_CONSTANT ? 0 :
           o->schedule == NRC_SCHEDULE_NORMALIZED ? 2 : 1;
}

/* Forward + loss in span coordinates; fills p, w->A, w->R, w->r. */
static void span_eval(const nrc_train_opts *o, const double *y, const double *b,
                      const double *v, double w0_sq, span_work *w, uint64_t step,
                      nrc_train_progress *p)
{
    size_t n = o->n, k = o->k;
    nrc_train_loss_info li;
    double cross = 0.0, wb_sq;
    /* KC (n,k) = K (n,n) C^T (n,k): the only GEMM of a span step. */
    nrc_dgemm(NRC_BLAS_N, NRC_BLAS_N, n, k, n, 1.0, w->K, n, w->Ct, k, 0.0, w->KC, k);
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < k; j++) {
            double a = w->P0[i * k + j] + w->KC[i * k + j];
            double rl;
            if (b)
                a += b[j];
            rl = a > 0.0 ? a : 0.0;
            w->A[i * k + j] = a;
            w->R[i * k + j] = rl;
            s += rl * v[j];
            /* C_ji (2 P_0 + K C^T)_ij: <W_0, C X> twice plus ||C X||^2 */
            cross += w->Ct[i * k + j] * (2.0 * w->P0[i * k + j] + w->KC[i * k + j]);
        }
        w->N[i] = s;
        w->q[i] = y[i] * s;
    }
    nrc_train_loss_d(o->loss, schedule_weights(o), n, y, w->q, w->r, &li);
    wb_sq = w0_sq + cross;
    if (b)
        wb_sq += nrc_train_sqnorm_d(0, k, NULL, b, NULL);
    p->step = step;
    p->loss = li.loss;
    p->log_loss = li.log_loss;
    p->q_min = li.q_min;
    p->theta_sq = wb_sq + nrc_train_sqnorm_d(0, k, NULL, NULL, v);
    p->norm_margin = li.q_min / p->theta_sq;
    p->norm_margin_wb = li.q_min / sqrt(wb_sq);
}


static nrc_status span_diverged(nrc_error *err, uint64_t s, const nrc_train_progress *p)
{
    return nrc_error_set(err, NRC_ERR_USAGE,
                         "training diverged at step %llu (loss %g, ||theta||^2 %g); "
                         "try a smaller --lr",
                         (unsigned long long)s, p->loss, p->theta_sq);
}

nrc_status nrc_span_train_run_d(const nrc_train_opts *o, const double *X,
                                const double *y, double *W, double *b, double *v,
                                nrc_train_progress_fn cb, void *ctx,
                                nrc_train_progress *final, nrc_error *err)
{
    span_work w;
    nrc_train_progress p;
    nrc_status st;
    double *bb = o->bias ? b : NULL, w0_sq;
    size_t n = o->n, d = o->d, k = o->k;
    uint64_t s;

    if (n == 0 || d == 0 || k == 0)
        return nrc_error_set(err, NRC_ERR_USAGE, "n, d and k must be at least 1");
    st = span_work_alloc(&w, n, k, err);
    if (st != NRC_OK)
        return st;
    /* K = X X^T (n,n) and P_0 = X W_0^T (n,k), once.  P_0 is the same
     * nrc_dgemm call as the direct forward pass, so step 0 is bit-identical. */
    nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, n, n, d, 1.0, X, d, X, d, 0.0, w.K, n);
    nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, n, k, d, 1.0, X, d, W, d, 0.0, w.P0, k);
    w0_sq = nrc_train_sqnorm_d(d, k, W, NULL, NULL);
    for (s = 0;; s++) {
        int stop;
        span_eval(o, y, bb, v, w0_sq, &w, s, &p);
        if (!isfinite(p.log_loss) || !isfinite(p.theta_sq) || !nrc_train_finite_d(n, w.r)) {
            span_work_free(&w);
            return span_diverged(err, s, &p);
        }
        stop = s == o->steps;
        /* The last callback (step == steps) gets the statistics of the
         * materialized W, below; an early stop keeps the callback's view. */
        if (!stop && cb && cb(&p, ctx))
            break;
        if (stop)
            break;
        /* gradient: the loops of nrc_train_gradient_d without its GEMM */
        nrc_train_gradient_terms_d(n, k, w.A, w.R, v, w.r, w.M, bb ? w.gb : NULL,
                                   o->fix_v ? NULL : w.gv);
        /* W -= eta M^T X  <=>  C (k,n) -= eta M^T, i.e. Ct -= eta M */
        for (size_t t = 0; t < n * k; t++)
            w.Ct[t] = w.Ct[t] - o->lr * w.M[t];
        nrc_train_update_d(0, k, o->lr, NULL, bb ? w.gb : NULL,
                           o->fix_v ? NULL : w.gv, NULL, bb, v);
    }
    /* W := W_0 + C X (k,d), then the statistics of the stored weights. */
    nrc_dgemm(NRC_BLAS_T, NRC_BLAS_N, k, d, n, 1.0, w.Ct, k, X, d, 1.0, W, d);
    /* Direct evaluation on the materialized W, exactly as the direct driver's
     * (so *final describes the stored weights). */
    nrc_train_eval_d(o, X, y, W, bb, v, w.A, w.R, w.N, w.q, w.r, s, NULL, &p);
    if (!isfinite(p.log_loss) || !isfinite(p.theta_sq) || !nrc_train_finite_d(n, w.r) ||
        !nrc_train_finite_d(k * d, W)) {
        span_work_free(&w);
        return span_diverged(err, s, &p);
    }
    if (s == o->steps && cb)
        (void)cb(&p, ctx);
    span_work_free(&w);
    *final = p;
    return NRC_OK;
}
