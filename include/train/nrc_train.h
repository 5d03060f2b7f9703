/* Training of depth-2 ReLU networks by full-batch gradient descent
 * (MATH.md section 3; spec/TRAINING.md).  Search level: everything here is
 * untrusted binary64 (names end in _d).
 *
 * Shapes: X (n,d) inputs, y (n) labels, W (k,d), b (k) or NULL (no hidden
 * biases), v (k).  One step:
 *   A = X W^T + 1 b^T (n,k)   R = relu(A)   N = R v   q = y o N
 *   r_i = l'(q_i) y_i, divided by L under the normalized schedule
 *   grad_v = R^T r   M = S o (r v^T), S = 1[A > 0]   grad_W = M^T X   grad_b = colsum M
 *   theta := theta - eta grad
 * The two GEMMs (A and grad_W) go through nrc_dgemm, so the result does not
 * depend on the thread count.  Every fast kernel has a naive reference. */
#ifndef NRC_TRAIN_H
#define NRC_TRAIN_H
#include <stddef.h>
#include <stdint.h>
#include "nrc_status.h"

#ifdef __FRAMAC__
#include <errno.h>           /* make proofs only: exp, log, log1p may set errno */
#include "nrc_train_acsl.h"  /* spec/acsl: ACSL logic, for make proofs only */
#endif

typedef enum { NRC_LOSS_LOGISTIC = 0, NRC_LOSS_EXP = 1 } nrc_loss_kind;
typedef enum {
    NRC_SCHEDULE_NORMALIZED = 0,  /* eta / (L max(1, log(1/L))) */
    NRC_SCHEDULE_CONSTANT = 1,    /* eta */
    NRC_SCHEDULE_LOSS = 2         /* eta / L */
} nrc_schedule_kind;

/* ---- kernels: plain loops over caller-provided buffers ---- */

/* A (n,k) = X W^T + 1 b^T (b may be NULL), R (n,k) = relu(A),
 * N (n) = R v, q (n) = y o N. */
/*@ requires n * k <= SIZE_MAX && n * d <= SIZE_MAX && k * d <= SIZE_MAX;
    requires \valid_read(X + (0 .. n * d - 1)) && \valid_read(y + (0 .. n - 1));
    requires \valid_read(W + (0 .. k * d - 1)) && \valid_read(v + (0 .. k - 1));
    requires b == \null || \valid_read(b + (0 .. k - 1));
    requires \valid(A + (0 .. n * k - 1)) && \valid(R + (0 .. n * k - 1));
    requires \valid(N + (0 .. n - 1)) && \valid(q + (0 .. n - 1));
    requires \separated(A + (0 .. n * k - 1), R + (0 .. n * k - 1),
                        N + (0 .. n - 1), q + (0 .. n - 1));
    requires \separated(A + (0 .. n * k - 1), X + (0 .. n * d - 1), W + (0 .. k * d - 1));
    requires \separated(R + (0 .. n * k - 1), X + (0 .. n * d - 1), W + (0 .. k * d - 1));
    requires \separated(A + (0 .. n * k - 1), y + (0 .. n - 1), v + (0 .. k - 1));
    requires \separated(R + (0 .. n * k - 1), y + (0 .. n - 1), v + (0 .. k - 1));
    requires \separated(N + (0 .. n - 1), y + (0 .. n - 1), v + (0 .. k - 1));
    requires \separated(q + (0 .. n - 1), y + (0 .. n - 1), v + (0 .. k - 1));
    requires b != \null ==> \separated(b + (0 .. k - 1), A + (0 .. n * k - 1),
                                        R + (0 .. n * k - 1));
    assigns A[0 .. n * k - 1], R[0 .. n * k - 1], N[0 .. n - 1], q[0 .. n - 1];
*/
void nrc_train_forward_d(size_t n, size_t d, size_t k, const double *X,
                         const double *y, const double *W, const double *b,
                         const double *v, double *A, double *R, double *N,
                         double *q);
/*@ requires n * k <= SIZE_MAX && n * d <= SIZE_MAX && k * d <= SIZE_MAX;
    requires \valid_read(X + (0 .. n * d - 1)) && \valid_read(y + (0 .. n - 1));
    requires \valid_read(W + (0 .. k * d - 1)) && \valid_read(v + (0 .. k - 1));
    requires b == \null || \valid_read(b + (0 .. k - 1));
    requires \valid(A + (0 .. n * k - 1)) && \valid(R + (0 .. n * k - 1));
    requires \valid(N + (0 .. n - 1)) && \valid(q + (0 .. n - 1));
    requires \separated(A + (0 .. n * k - 1), R + (0 .. n * k - 1),
                        N + (0 .. n - 1), q + (0 .. n - 1));
    requires \separated(A + (0 .. n * k - 1), X + (0 .. n * d - 1), W + (0 .. k * d - 1));
    requires \separated(R + (0 .. n * k - 1), X + (0 .. n * d - 1), W + (0 .. k * d - 1));
    requires \separated(A + (0 .. n * k - 1), y + (0 .. n - 1), v + (0 .. k - 1));
    requires \separated(R + (0 .. n * k - 1), y + (0 .. n - 1), v + (0 .. k - 1));
    requires \separated(N + (0 .. n - 1), y + (0 .. n - 1), v + (0 .. k - 1));
    requires \separated(q + (0 .. n - 1), y + (0 .. n - 1), v + (0 .. k - 1));
    requires b != \null ==> \separated(b + (0 .. k - 1), A + (0 .. n * k - 1),
                                        R + (0 .. n * k - 1));
    assigns A[0 .. n * k - 1], R[0 .. n * k - 1], N[0 .. n - 1], q[0 .. n - 1];
*/
void nrc_train_forward_ref_d(size_t n, size_t d, size_t k, const double *X,
                             const double *y, const double *W, const double *b,
                             const double *v, double *A, double *R, double *N,
                             double *q);

/* Loss value of l at one margin, stable for every finite q (never exp of a
 * large positive number): logistic log(1 + e^-q), exponential e^-q. */
/*@ assigns errno, \result \from loss, q; */
double nrc_train_loss_point_d(nrc_loss_kind loss, double q);
/* log l(q), finite for every finite q (also when l(q) underflows). */
/*@ assigns errno, \result \from loss, q; */
double nrc_train_log_loss_point_d(nrc_loss_kind loss, double q);
/* log |l'(q)|: logistic -softplus(q), exponential -q. */
/*@ assigns errno, \result \from loss, q; */
double nrc_train_log_dloss_point_d(nrc_loss_kind loss, double q);

typedef struct {
    double loss;       /* L = sum_i l(q_i) (may underflow to 0 or overflow) */
    double log_loss;   /* log L, finite for finite margins */
    double q_min;      /* min_i q_i */
    size_t i_min;      /* its index */
} nrc_train_loss_info;

/* Loss, log-loss, minimum margin, and the gradient weights
 *   normalized == 0: r_i = l'(q_i) y_i                     (constant schedule)
 *   normalized == 1: r_i = l'(q_i) y_i / L                 (eta / L)
 *   normalized == 2: r_i = l'(q_i) y_i / (L max(1, log 1/L)) (default schedule)
 * computed as -y_i exp(log|l'(q_i)| - log L [- log log(1/L)]) so that they
 * neither underflow with L nor overflow for very negative margins.  n >= 1. */
/*@ requires n >= 1;
    requires \valid_read(y + (0 .. n - 1)) && \valid_read(q + (0 .. n - 1));
    requires \valid(r + (0 .. n - 1)) && \valid(info);
    requires \separated(r + (0 .. n - 1), info, y + (0 .. n - 1), q + (0 .. n - 1));
    requires \separated(info, y + (0 .. n - 1), q + (0 .. n - 1));
    requires \separated(&errno, r + (0 .. n - 1), info, y + (0 .. n - 1),
                        q + (0 .. n - 1));
    assigns errno, r[0 .. n - 1], *info;
    ensures info->i_min < n;
*/
void nrc_train_loss_d(nrc_loss_kind loss, int normalized, size_t n,
                      const double *y, const double *q, double *r,
                      nrc_train_loss_info *info);
/* Naive reference: direct formulas (log1p(exp(-q)), l'/L divided out);
 * valid only for moderate margins (|q| < ~700). */
/*@ requires n >= 1;
    requires \valid_read(y + (0 .. n - 1)) && \valid_read(q + (0 .. n - 1));
    requires \valid(r + (0 .. n - 1)) && \valid(info);
    requires \separated(r + (0 .. n - 1), info, y + (0 .. n - 1), q + (0 .. n - 1));
    requires \separated(info, y + (0 .. n - 1), q + (0 .. n - 1));
    requires \separated(&errno, r + (0 .. n - 1), info, y + (0 .. n - 1),
                        q + (0 .. n - 1));
    assigns errno, r[0 .. n - 1], *info;
    ensures info->i_min < n;
*/
void nrc_train_loss_ref_d(nrc_loss_kind loss, int normalized, size_t n,
                          const double *y, const double *q, double *r,
                          nrc_train_loss_info *info);

/* The loops of nrc_train_gradient_d without its GEMM (shared with the span
 * driver): gv (k) = R^T r (skipped when gv is NULL), Mbuf (n,k) :=
 * S o (r v^T), gb (k) = colsum Mbuf (skipped when gb is NULL). */
/*@ requires n * k <= SIZE_MAX;
    requires \valid_read(r + (0 .. n - 1));
    requires \valid_read(A + (0 .. n * k - 1)) && \valid_read(R + (0 .. n * k - 1));
    requires \valid_read(v + (0 .. k - 1));
    requires gb == \null || \valid(gb + (0 .. k - 1));
    requires gv == \null || \valid(gv + (0 .. k - 1));
    requires gb != \null ==> \separated(gb + (0 .. k - 1),
                        A + (0 .. n * k - 1), R + (0 .. n * k - 1), v + (0 .. k - 1),
                        r + (0 .. n - 1));
    requires gv != \null ==> \separated(gv + (0 .. k - 1),
                        A + (0 .. n * k - 1), R + (0 .. n * k - 1), v + (0 .. k - 1),
                        r + (0 .. n - 1));
    requires gb != \null && gv != \null ==> \separated(gb + (0 .. k - 1), gv + (0 .. k - 1));
    requires \valid(Mbuf + (0 .. n * k - 1));
    requires \separated(Mbuf + (0 .. n * k - 1),
                        A + (0 .. n * k - 1), R + (0 .. n * k - 1), v + (0 .. k - 1),
                        r + (0 .. n - 1));
    requires gb != \null ==> \separated(gb + (0 .. k - 1), Mbuf + (0 .. n * k - 1));
    requires gv != \null ==> \separated(gv + (0 .. k - 1), Mbuf + (0 .. n * k - 1));
    assigns Mbuf[0 .. n * k - 1], gb[0 .. k - 1], gv[0 .. k - 1];
*/
void nrc_train_gradient_terms_d(size_t n, size_t k, const double *A, const double *R,
                                const double *v, const double *r, double *Mbuf,
                                double *gb, double *gv);

/* Gradient of sum_i (weight) from the forward buffers and r (n):
 * gv (k) = R^T r (skipped when gv is NULL: fixed second layer),
 * Mbuf (n,k) := S o (r v^T), gW (k,d) = Mbuf^T X, gb (k) = colsum Mbuf
 * (skipped when gb is NULL). */
/*@ requires n * k <= SIZE_MAX && n * d <= SIZE_MAX && k * d <= SIZE_MAX;
    requires \valid_read(X + (0 .. n * d - 1)) && \valid_read(r + (0 .. n - 1));
    requires \valid_read(A + (0 .. n * k - 1)) && \valid_read(R + (0 .. n * k - 1));
    requires \valid_read(v + (0 .. k - 1));
    requires \valid(gW + (0 .. k * d - 1));
    requires gb == \null || \valid(gb + (0 .. k - 1));
    requires gv == \null || \valid(gv + (0 .. k - 1));
    requires \separated(gW + (0 .. k * d - 1), X + (0 .. n * d - 1), A + (0 .. n * k - 1),
                        R + (0 .. n * k - 1), v + (0 .. k - 1), r + (0 .. n - 1));
    requires gb != \null ==> \separated(gb + (0 .. k - 1), gW + (0 .. k * d - 1),
                        A + (0 .. n * k - 1), R + (0 .. n * k - 1), v + (0 .. k - 1),
                        r + (0 .. n - 1));
    requires gv != \null ==> \separated(gv + (0 .. k - 1), gW + (0 .. k * d - 1),
                        A + (0 .. n * k - 1), R + (0 .. n * k - 1), v + (0 .. k - 1),
                        r + (0 .. n - 1));
    requires gb != \null && gv != \null ==> \separated(gb + (0 .. k - 1), gv + (0 .. k - 1));
    requires \valid(Mbuf + (0 .. n * k - 1));
    requires \separated(Mbuf + (0 .. n * k - 1), gW + (0 .. k * d - 1), X + (0 .. n * d - 1),
                        A + (0 .. n * k - 1), R + (0 .. n * k - 1), v + (0 .. k - 1),
                        r + (0 .. n - 1));
    requires gb != \null ==> \separated(gb + (0 .. k - 1), Mbuf + (0 .. n * k - 1));
    requires gv != \null ==> \separated(gv + (0 .. k - 1), Mbuf + (0 .. n * k - 1));
    assigns Mbuf[0 .. n * k - 1], gW[0 .. k * d - 1], gb[0 .. k - 1], gv[0 .. k - 1];
*/
void nrc_train_gradient_d(size_t n, size_t d, size_t k, const double *X,
                          const double *A, const double *R, const double *v,
                          const double *r, double *Mbuf, double *gW,
                          double *gb, double *gv);
/*@ requires n * k <= SIZE_MAX && n * d <= SIZE_MAX && k * d <= SIZE_MAX;
    requires \valid_read(X + (0 .. n * d - 1)) && \valid_read(r + (0 .. n - 1));
    requires \valid_read(A + (0 .. n * k - 1)) && \valid_read(R + (0 .. n * k - 1));
    requires \valid_read(v + (0 .. k - 1));
    requires \valid(gW + (0 .. k * d - 1));
    requires gb == \null || \valid(gb + (0 .. k - 1));
    requires gv == \null || \valid(gv + (0 .. k - 1));
    requires \separated(gW + (0 .. k * d - 1), X + (0 .. n * d - 1), A + (0 .. n * k - 1),
                        R + (0 .. n * k - 1), v + (0 .. k - 1), r + (0 .. n - 1));
    requires gb != \null ==> \separated(gb + (0 .. k - 1), gW + (0 .. k * d - 1),
                        A + (0 .. n * k - 1), R + (0 .. n * k - 1), v + (0 .. k - 1),
                        r + (0 .. n - 1));
    requires gv != \null ==> \separated(gv + (0 .. k - 1), gW + (0 .. k * d - 1),
                        A + (0 .. n * k - 1), R + (0 .. n * k - 1), v + (0 .. k - 1),
                        r + (0 .. n - 1));
    requires gb != \null && gv != \null ==> \separated(gb + (0 .. k - 1), gv + (0 .. k - 1));
    assigns gW[0 .. k * d - 1], gb[0 .. k - 1], gv[0 .. k - 1];
*/
void nrc_train_gradient_ref_d(size_t n, size_t d, size_t k, const double *X,
                              const double *A, const double *R, const double *v,
                              const double *r, double *gW, double *gb,
                              double *gv);

/* theta := theta - eta g for W (k,d), and b, v when both pointers are
 * non-NULL (a NULL gradient leaves the parameter unchanged). */
/*@ requires k * d <= SIZE_MAX;
    requires \valid(W + (0 .. k * d - 1)) && \valid_read(gW + (0 .. k * d - 1));
    requires \separated(W + (0 .. k * d - 1), gW + (0 .. k * d - 1));
    requires b != \null && gb != \null ==>
        \valid(b + (0 .. k - 1)) && \valid_read(gb + (0 .. k - 1)) &&
        \separated(b + (0 .. k - 1), gb + (0 .. k - 1), W + (0 .. k * d - 1));
    requires v != \null && gv != \null ==>
        \valid(v + (0 .. k - 1)) && \valid_read(gv + (0 .. k - 1)) &&
        \separated(v + (0 .. k - 1), gv + (0 .. k - 1), W + (0 .. k * d - 1));
    requires b != \null && gb != \null && v != \null && gv != \null ==>
        \separated(b + (0 .. k - 1), v + (0 .. k - 1));
    assigns W[0 .. k * d - 1], b[0 .. k - 1], v[0 .. k - 1];
*/
void nrc_train_update_d(size_t d, size_t k, double eta, const double *gW,
                        const double *gb, const double *gv, double *W,
                        double *b, double *v);

/* nrc_train_update_d, returning ||W||^2 + ||b||^2 of the updated weights
 * (b left out when NULL): bit for bit nrc_train_sqnorm_d(d, k, W, b, NULL)
 * afterwards, summed in the update's pass over W. */
/*@ requires k * d <= SIZE_MAX;
    requires \valid(W + (0 .. k * d - 1)) && \valid_read(gW + (0 .. k * d - 1));
    requires \separated(W + (0 .. k * d - 1), gW + (0 .. k * d - 1));
    requires b != \null ==> \valid(b + (0 .. k - 1)) &&
        \separated(b + (0 .. k - 1), W + (0 .. k * d - 1));
    requires b != \null && gb != \null ==>
        \valid_read(gb + (0 .. k - 1)) &&
        \separated(b + (0 .. k - 1), gb + (0 .. k - 1), W + (0 .. k * d - 1));
    requires v != \null && gv != \null ==>
        \valid(v + (0 .. k - 1)) && \valid_read(gv + (0 .. k - 1)) &&
        \separated(v + (0 .. k - 1), gv + (0 .. k - 1), W + (0 .. k * d - 1));
    requires b != \null && gb != \null && v != \null && gv != \null ==>
        \separated(b + (0 .. k - 1), v + (0 .. k - 1));
    assigns W[0 .. k * d - 1], b[0 .. k - 1], v[0 .. k - 1];
*/
double nrc_train_update_sqnorm_d(size_t d, size_t k, double eta, const double *gW,
                                 const double *gb, const double *gv, double *W,
                                 double *b, double *v);

/* ||W||^2 + ||b||^2 + ||v||^2 (b and v may be NULL: left out). */
/*@ requires k * d <= SIZE_MAX;
    requires W == \null || \valid_read(W + (0 .. k * d - 1));
    requires b == \null || \valid_read(b + (0 .. k - 1));
    requires v == \null || \valid_read(v + (0 .. k - 1));
    assigns \nothing;
*/
double nrc_train_sqnorm_d(size_t d, size_t k, const double *W, const double *b,
                          const double *v);

/* ---- initialization ---- */

/* W (k,d) and, unless fix_v, v (k): i.i.d. N(0,1) times init_scale from
 * stream NRC_RNG_STREAM_INIT of seed (W row by row, then v).  With fix_v:
 * v_j = +1/sqrt(k) for even j, -1/sqrt(k) for odd j.  b (if non-NULL) = 0. */
void nrc_train_init_d(size_t d, size_t k, double init_scale, int fix_v,
                      uint64_t seed, double *W, double *b, double *v);

/* ---- the driver ---- */

typedef struct {
    size_t n, d, k;
    int bias;                      /* b is trained (b != NULL) */
    int fix_v;                     /* v is never updated */
    nrc_loss_kind loss;
    nrc_schedule_kind schedule;
    double lr;                     /* eta; normalized: step eta / L */
    uint64_t steps;
} nrc_train_opts;

typedef struct {
    uint64_t step;          /* steps done so far */
    double loss, log_loss;  /* at the current weights */
    double q_min;           /* min_i q_i */
    double theta_sq;        /* ||theta||^2 over (W, b, v) */
    double norm_margin;     /* q_min / theta_sq */
    double norm_margin_wb;  /* q_min / ||(W, b)||: scale-free with fixed v */
} nrc_train_progress;

/* Called before each step and once at the end (step == steps); returns 0 to
 * continue.  A non-zero return stops training early (NRC_OK, final stats
 * of the weights reached). */
typedef int (*nrc_train_progress_fn)(const nrc_train_progress *p, void *ctx);

/* Run opts->steps steps from the weights in W, b (NULL unless bias), v.
 * On success *final describes the returned weights.  A non-finite loss
 * weight, gradient or parameter stops with NRC_ERR_USAGE and a message
 * ("training diverged at step s ...; try a smaller --lr"); out of memory
 * gives NRC_ERR_SYSTEM.  cb may be NULL. */
nrc_status nrc_train_run_d(const nrc_train_opts *o, const double *X,
                           const double *y, double *W, double *b, double *v,
                           nrc_train_progress_fn cb, void *ctx,
                           nrc_train_progress *final, nrc_error *err);

/* Forward pass and loss at (W, b, v), filling the progress record p (loss,
 * log loss, q_min, ||theta||^2, normalized margins) and the loss weights r;
 * A, R (n, k), N, q, r (n) are caller buffers. Shared by the direct and the
 * span drivers so both describe the stored weights the same way. wb_sq,
 * when not NULL, is nrc_train_sqnorm_d(d, k, W, b, NULL) already known
 * (nrc_train_update_sqnorm_d's result): not summed again. */
void nrc_train_eval_d(const nrc_train_opts *o, const double *X, const double *y,
                      const double *W, const double *b, const double *v,
                      double *A, double *R, double *N, double *q, double *r,
                      uint64_t step, const double *wb_sq, nrc_train_progress *p);

/* 1 when every x[t], t < len, is finite. */
int nrc_train_finite_d(size_t len, const double *x);

#endif
