/* Approximate KKT measurement of MATH.md section 4 for one network
 * (include/train/nrc_polish.h).  Search level: untrusted binary64.  It follows the
 * definitions certify uses (spec/CERTIFICATE.md, kkt), so that the polish can
 * judge its own result the way the certificate will:
 *   g_ij = 1[a_ij > 0] (an exact zero counts as g = 0), unless the caller
 *   passes g (n,k): then those values (Clarke subgradients at kinks),
 *   Gram <h_i, h_l> = y_i y_l [(<x_i, x_l> + [bias]) (S diag(v^2) S^T)_il
 *                              + (R R^T)_il]   (R R^T only for the full variant)
 *   lambda = argmin_{lambda >= 0} 1/2 lambda^T Gram lambda - lambda^T <theta, h>
 *   with <theta, h_i> = 2 q_i (full, Euler) or q_i (fixed second layer),
 *   r = theta - sum_i lambda_i h_i formed coordinate by coordinate, never by
 *   expanding ||r||^2 (the expansion cancels catastrophically). */
#include <math.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_polish_impl.h"
#include "nrc_train.h"

nrc_status nrc_polish_measure_d(size_t n, size_t d, size_t k, int fix_v,
                                const double *X, const double *y,
                                const double *W, const double *b,
                                const double *v, const double *g,
                                nrc_polish_kkt *out,
                                double *lambda, nrc_error *err)
{
    return pol_measure(n, d, k, fix_v, X, y, W, b, v, g, NULL, NULL, out, lambda, err);
}

/* A from the pre-activations A0 (n,k) when given (R, N, q in O(nk)),
 * otherwise by the forward pass. */
static void measure_forward(size_t n, size_t d, size_t k, const double *X, const double *y,
                            const double *W, const double *b, const double *v,
                            const double *A0, double *A, double *R, double *N, double *q)
{
    if (!A0) {
        nrc_train_forward_d(n, d, k, X, y, W, b, v, A, R, N, q);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < k; j++) {
            double a = A0[i * k + j], rl = a > 0.0 ? a : 0.0;
            A[i * k + j] = a;
            R[i * k + j] = rl;
            s += rl * v[j];
        }
        N[i] = s;
        q[i] = y[i] * s;
    }
}

typedef struct {
    double *A, *R, *Sv, *N, *q, *rhs, *lam, *K, *Gs, *T, *U;
} measure_work;

static void measure_free(measure_work *w)
{
    nrc_free(w->A); nrc_free(w->R); nrc_free(w->Sv); nrc_free(w->N); nrc_free(w->q);
    nrc_free(w->rhs); nrc_free(w->lam); nrc_free(w->K); nrc_free(w->Gs); nrc_free(w->T);
    nrc_free(w->U);
}

static int measure_alloc(measure_work *w, size_t n, size_t d, size_t k, int need_K)
{
    memset(w, 0, sizeof *w);
    w->A = nrc_malloc_array(n * k, sizeof(double));
    w->R = nrc_malloc_array(n * k, sizeof(double));
    w->Sv = nrc_malloc_array(n * k, sizeof(double));
    w->N = nrc_malloc_array(n, sizeof(double));
    w->q = nrc_malloc_array(n, sizeof(double));
    w->rhs = nrc_malloc_array(n, sizeof(double));
    w->lam = nrc_malloc_array(n, sizeof(double));
    w->K = need_K ? nrc_malloc_array(n * n, sizeof(double)) : NULL;
    w->Gs = nrc_malloc_array(n * n, sizeof(double));
    w->T = nrc_malloc_array(n * n, sizeof(double));
    w->U = nrc_malloc_array(k * d, sizeof(double));
    return w->A && w->R && w->Sv && w->N && w->q && w->rhs && w->lam && (!need_K || w->K) &&
           w->Gs && w->T && w->U;
}

/* The Gram of the h_i (Gs) and <theta, h_i> (rhs): MATH.md section 4. */
static void measure_gram(size_t n, size_t d, size_t k, int full, const double *X,
                         const double *y, const double *b, const double *v, const double *g,
                         const double *Kb, measure_work *w)
{
    size_t i, l;
    for (i = 0; i < n * k; i++)
        w->Sv[i] = (g ? g[i] : w->A[i] > 0) * v[i % k];
    if (!Kb)
        nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, n, n, d, 1.0, X, d, X, d, 0.0, w->K, n);
    nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, n, n, k, 1.0, w->Sv, k, w->Sv, k, 0.0, w->Gs, n);
    if (full)
        nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, n, n, k, 1.0, w->R, k, w->R, k, 0.0, w->T, n);
    for (i = 0; i < n; i++) {
        w->rhs[i] = full ? 2.0 * w->q[i] : w->q[i];
        for (l = 0; l < n; l++) {
            double kx = Kb ? Kb[i * n + l] : w->K[i * n + l] + (b ? 1.0 : 0.0);
            w->Gs[i * n + l] = y[i] * y[l] * (kx * w->Gs[i * n + l] +
                                              (full ? w->T[i * n + l] : 0.0));
        }
    }
}

/* r = theta - sum_i lambda_i h_i coordinate by coordinate; fills ||r||^2,
 * ||(W, b)||^2, ||v||^2 and the largest balancedness defect. */
static void measure_residual(size_t n, size_t d, size_t k, int full, const double *X,
                             const double *y, const double *W, const double *b,
                             const double *v, const double *g, measure_work *w, double *r2,
                             double *wb2, double *v2, double *bal)
{
    size_t i, j, t;
    /* M (n,k) := lambda_i y_i g_ij (reusing Sv); U (k,d) = M^T X */
    for (i = 0; i < n; i++)
        for (j = 0; j < k; j++)
            w->Sv[i * k + j] = (g ? g[i * k + j] : w->A[i * k + j] > 0) * (w->lam[i] * y[i]);
    nrc_dgemm(NRC_BLAS_T, NRC_BLAS_N, k, d, n, 1.0, w->Sv, k, X, d, 0.0, w->U, d);
    *r2 = *wb2 = *v2 = *bal = 0.0;
    for (j = 0; j < k; j++) {
        double nw = 0.0, sb = 0.0, sr = 0.0;
        for (t = 0; t < d; t++) {
            double wt = W[j * d + t], r = wt - v[j] * w->U[j * d + t];
            *r2 += r * r;
            nw += wt * wt;
        }
        for (i = 0; i < n; i++) {
            sb += w->Sv[i * k + j];
            sr += w->lam[i] * y[i] * w->R[i * k + j];
        }
        if (b) {
            double r = b[j] - v[j] * sb;
            *r2 += r * r;
            nw += b[j] * b[j];
        }
        if (full) {
            double rv = v[j] - sr;
            *r2 += rv * rv;
        }
        *wb2 += nw;
        *v2 += v[j] * v[j];
        if (fabs(nw - v[j] * v[j]) > *bal)
            *bal = fabs(nw - v[j] * v[j]);
    }
}

nrc_status pol_measure(size_t n, size_t d, size_t k, int fix_v, const double *X,
                       const double *y, const double *W, const double *b, const double *v,
                       const double *g, const double *Kb, const double *A0,
                       nrc_polish_kkt *out, double *lambda, nrc_error *err)
{
    int full = !fix_v, conv;
    size_t i;
    double qmin = INFINITY, wb2, v2, r2, bal, lsum = 0.0, del = 0.0;
    size_t zeros = 0;
    measure_work w;
    nrc_status st = NRC_OK;

    if (!measure_alloc(&w, n, d, k, !Kb)) {
        st = nrc_error_set(err, NRC_ERR_SYSTEM,
                           "out of memory measuring the KKT residual (n=%zu, d=%zu, k=%zu)",
                           n, d, k);
        goto done;
    }
    measure_forward(n, d, k, X, y, W, b, v, A0, w.A, w.R, w.N, w.q);
    for (i = 0; i < n; i++)
        qmin = w.q[i] < qmin ? w.q[i] : qmin;
    for (i = 0; i < n * k; i++)
        zeros += w.A[i] == 0.0;
    measure_gram(n, d, k, full, X, y, b, v, g, Kb, &w);
    st = nrc_polish_qp_d(n, w.Gs, w.rhs, w.lam, 0, &conv, err);
    if (st != NRC_OK)
        goto done;
    measure_residual(n, d, k, full, X, y, W, b, v, g, &w, &r2, &wb2, &v2, &bal);
    for (i = 0; i < n; i++) {
        lsum += w.lam[i];
        if (w.lam[i] > 0)
            del += w.lam[i] * (w.q[i] / qmin - 1.0);
    }
    out->q_min = qmin;
    out->theta_sq = wb2 + v2;
    out->norm_margin = full ? qmin / (wb2 + v2) : qmin / sqrt(wb2);
    out->eps_rel = sqrt(r2 / (full ? wb2 + v2 : wb2));
    out->eps = full ? sqrt(r2) / sqrt(qmin) : sqrt(r2) / qmin;
    out->delta = del;
    out->balance = bal / (wb2 + v2);
    out->lambda_sum = lsum;
    out->zeros = zeros;
    if (lambda)
        memcpy(lambda, w.lam, n * sizeof(double));
done:
    measure_free(&w);
    return st;
}
