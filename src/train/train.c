/* Initialization and the gradient-descent driver (include/train/nrc_train.h,
 * MATH.md section 3, spec/TRAINING.md).  Search level. */
#include <math.h>
#include "nrc_alloc.h"
#include "nrc_rng.h"
#include "nrc_train.h"

void nrc_train_init_d(size_t d, size_t k, double init_scale, int fix_v,
                      uint64_t seed, double *W, double *b, double *v)
{
    nrc_rng r;
    nrc_rng_init(&r, seed, NRC_RNG_STREAM_INIT);
    for (size_t t = 0; t < k * d; t++)
        W[t] = init_scale * nrc_rng_normal_d(&r);
    for (size_t j = 0; j < k; j++) {
        if (fix_v)
            v[j] = (j % 2 == 0 ? 1.0 : -1.0) / sqrt((double)k);
        else
            v[j] = init_scale * nrc_rng_normal_d(&r);
        if (b)
            b[j] = 0.0;
    }
}

typedef struct {
    double *A, *R, *M, *N, *q, *r, *gW, *gb, *gv;
} train_work;

static void train_work_free(train_work *w)
{
    nrc_free(w->A); nrc_free(w->R); nrc_free(w->M); nrc_free(w->N);
    nrc_free(w->q); nrc_free(w->r); nrc_free(w->gW); nrc_free(w->gb);
    nrc_free(w->gv);
}

static nrc_status train_work_alloc(train_work *w, size_t n, size_t d, size_t k,
                                   nrc_error *err)
{
    *w = (train_work){0};
    if (n > SIZE_MAX / k || d > SIZE_MAX / k)
        return nrc_error_set(err, NRC_ERR_SYSTEM,
                             "n * k or k * d overflows (n=%zu, d=%zu, k=%zu)", n, d, k);
    w->A = nrc_malloc_array(n * k, sizeof(double));
    w->R = nrc_malloc_array(n * k, sizeof(double));
    w->M = nrc_malloc_array(n * k, sizeof(double));
    w->N = nrc_malloc_array(n, sizeof(double));
    w->q = nrc_malloc_array(n, sizeof(double));
    w->r = nrc_malloc_array(n, sizeof(double));
    w->gW = nrc_malloc_array(k * d, sizeof(double));
    w->gb = nrc_malloc_array(k, sizeof(double));
    w->gv = nrc_malloc_array(k, sizeof(double));
    if (!w->A || !w->R || !w->M || !w->N || !w->q || !w->r || !w->gW ||
        !w->gb || !w->gv) {
        train_work_free(w);
        return nrc_error_set(err, NRC_ERR_SYSTEM,
                             "out of memory for training buffers (n=%zu, d=%zu, k=%zu)",
                             n, d, k);
    }
    return NRC_OK;
}

/* Forward + loss at the current weights (include/train/nrc_train.h). */
void nrc_train_eval_d(const nrc_train_opts *o, const double *X, const double *y,
                      const double *W, const double *b, const double *v,
                      double *A, double *R, double *N, double *q, double *r,
                      uint64_t step, const double *wb_sq_known, nrc_train_progress *p)
{
    nrc_train_loss_info li;
    double wb_sq;
    nrc_train_forward_d(o->n, o->d, o->k, X, y, W, b, v, A, R, N, q);
    nrc_train_loss_d(o->loss, o->schedule == NRC_SCHEDULE_CONSTANT ? 0 :
                     o->schedule == NRC_SCHEDULE_NORMALIZED ? 2 : 1, o->n, y,
                     q, r, &li);
    wb_sq = wb_sq_known ? *wb_sq_known : nrc_train_sqnorm_d(o->d, o->k, W, b, NULL);
    p->step = step;
    p->loss = li.loss;
    p->log_loss = li.log_loss;
    p->q_min = li.q_min;
    p->theta_sq = wb_sq + nrc_train_sqnorm_d(0, o->k, NULL, NULL, v);
    p->norm_margin = li.q_min / p->theta_sq;
    p->norm_margin_wb = li.q_min / sqrt(wb_sq);
}

int nrc_train_finite_d(size_t len, const double *x)
{
    for (size_t t = 0; t < len; t++)
        if (!isfinite(x[t]))
            return 0;
    return 1;
}

nrc_status nrc_train_run_d(const nrc_train_opts *o, const double *X,
                           const double *y, double *W, double *b, double *v,
                           nrc_train_progress_fn cb, void *ctx,
                           nrc_train_progress *final, nrc_error *err)
{
    train_work w;
    nrc_train_progress p;
    nrc_status st;
    double *bb = o->bias ? b : NULL;
    double wb_sq = 0.0;

    if (o->n == 0 || o->d == 0 || o->k == 0)
        return nrc_error_set(err, NRC_ERR_USAGE, "n, d and k must be at least 1");
    st = train_work_alloc(&w, o->n, o->d, o->k, err);
    if (st != NRC_OK)
        return st;
    for (uint64_t s = 0;; s++) {
        /* from step 1 on, ||(W, b)||^2 comes from the update's pass */
        nrc_train_eval_d(o, X, y, W, bb, v, w.A, w.R, w.N, w.q, w.r, s,
                         s > 0 ? &wb_sq : NULL, &p);
        if (!isfinite(p.log_loss) || !isfinite(p.theta_sq) ||
            !nrc_train_finite_d(o->n, w.r)) {
            train_work_free(&w);
            return nrc_error_set(err, NRC_ERR_USAGE,
                                 "training diverged at step %llu (loss %g, "
                                 "||theta||^2 %g); try a smaller --lr",
                                 (unsigned long long)s, p.loss, p.theta_sq);
        }
        if ((cb && cb(&p, ctx)) || s == o->steps)
            break;
        /* Normalized schedule: r already carries the 1/L, so this is
         * theta - eta grad L / L; constant: theta - eta grad L. */
        nrc_train_gradient_d(o->n, o->d, o->k, X, w.A, w.R, v, w.r, w.M, w.gW,
                             bb ? w.gb : NULL, o->fix_v ? NULL : w.gv);
        wb_sq = nrc_train_update_sqnorm_d(o->d, o->k, o->lr, w.gW, bb ? w.gb : NULL,
                                          o->fix_v ? NULL : w.gv, W, bb, v);
    }
    train_work_free(&w);
    *final = p;
    return NRC_OK;
}
