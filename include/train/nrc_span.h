/* Span mode of the gradient-descent driver (spec/TRAINING.md "Span mode",
 * MATH.md section 3).  Search level: untrusted binary64.
 *
 * The gradient of every w_j is v_j sum_i r_i s_ij x_i, a combination of the
 * rows of X, so gradient descent keeps W in W_0 + span(rows of X):
 *   W = W_0 + C X,  C (k,n),  K = X X^T (n,n),  P_0 = X W_0^T (n,k)
 *   A = X W^T = P_0 + K C^T   (one n x k x n GEMM instead of n x k x d)
 *   W -= eta M^T X   <=>   C -= eta M^T      (no GEMM at all)
 *   ||W||^2 = ||W_0||^2 + sum_ij C_ji (2 P_0 + K C^T)_ij
 * Same iterates as nrc_train_run_d in exact arithmetic; in binary64 they
 * agree to rounding (tests/t-span.c).  W is materialized (W_0 + C X) once at
 * the end, and the final statistics are then evaluated on the stored W with
 * the direct forward pass, so they describe the returned weights exactly as
 * nrc_train_run_d's do. */
#ifndef NRC_SPAN_H
#define NRC_SPAN_H
#include <stddef.h>
#include <stdint.h>
#include "nrc_status.h"
#include "nrc_train.h"

/* 1 when n <= d (K is no larger than X) and the span mode does fewer
 * floating-point operations than the direct path for these shapes and step
 * count (setup K, P_0 and the final W = W_0 + C X included), else 0.  Depends only on (n, d, k, steps): never on timing
 * or threads, so the model bytes stay the same for any --threads. */
int nrc_span_preferred(size_t n, size_t d, size_t k, uint64_t steps);

/* Estimated floating-point operations of the whole run, for the bench and
 * the choice above (direct: nrc_train_run_d; span: nrc_span_train_run_d). */
double nrc_span_flops_direct(size_t n, size_t d, size_t k, uint64_t steps);
double nrc_span_flops_span(size_t n, size_t d, size_t k, uint64_t steps);

/* Same contract as nrc_train_run_d (include/train/nrc_train.h): runs o->steps
 * steps from W, b (NULL unless o->bias), v; the callback sees every step;
 * *final describes the returned weights; divergence gives NRC_ERR_USAGE,
 * out of memory NRC_ERR_SYSTEM (weights untouched).  Extra memory: K (n^2)
 * and five n x k buffers; no k x d gradient buffer. */
nrc_status nrc_span_train_run_d(const nrc_train_opts *o, const double *X,
                                const double *y, double *W, double *b, double *v,
                                nrc_train_progress_fn cb, void *ctx,
                                nrc_train_progress *final, nrc_error *err);

#endif
