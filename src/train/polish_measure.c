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

nrc_status pol_measure(size_t n, size_t d, size_t k, int fix_v, const double *X,
                       const double *y, const double *W, const double *b, const double *v,
                       const double *g, const double *Kb, const double *A0,
                       nrc_polish_kkt *out, double *lambda, nrc_error *err)
{
    int full = !fix_v, conv;
    size_t i, l, j, t;
    double *A = nrc_malloc_array(n * k, sizeof(double));
    double *R = nrc_malloc_array(n * k, sizeof(double));
    double *Sv = nrc_malloc_array(n * k, sizeof(double));
    double *N = nrc_malloc_array(n, sizeof(double));
    double *q = nrc_malloc_array(n, sizeof(double));
    double *rhs = nrc_malloc_array(n, sizeof(double));
    double *lam = nrc_malloc_array(n, sizeof(double));
    double *K = Kb ? NULL : nrc_malloc_array(n * n, sizeof(double));
    double *Gs = nrc_malloc_array(n * n, sizeof(double));
    double *T = nrc_malloc_array(n * n, sizeof(double));
    double *U = nrc_malloc_array(k * d, sizeof(double));
    double qmin = INFINITY, wb2 = 0.0, v2 = 0.0, r2 = 0.0, bal = 0.0, lsum = 0.0;
    double del = 0.0;
    size_t zeros = 0;
    nrc_status st = NRC_OK;

    if (!A || !R || !Sv || !N || !q || !rhs || !lam || (!Kb && !K) || !Gs || !T || !U) {
        st = nrc_error_set(err, NRC_ERR_SYSTEM,
                           "out of memory measuring the KKT residual (n=%zu, d=%zu, k=%zu)",
                           n, d, k);
        goto done;
    }
    measure_forward(n, d, k, X, y, W, b, v, A0, A, R, N, q);
    for (i = 0; i < n; i++)
        qmin = q[i] < qmin ? q[i] : qmin;
    for (i = 0; i < n * k; i++) {
        Sv[i] = (g ? g[i] : A[i] > 0) * v[i % k];
        zeros += A[i] == 0.0;
    }
    if (!Kb)
        nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, n, n, d, 1.0, X, d, X, d, 0.0, K, n);
    nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, n, n, k, 1.0, Sv, k, Sv, k, 0.0, Gs, n);
    if (full)
        nrc_dgemm(NRC_BLAS_N, NRC_BLAS_T, n, n, k, 1.0, R, k, R, k, 0.0, T, n);
    for (i = 0; i < n; i++) {
        rhs[i] = full ? 2.0 * q[i] : q[i];
        for (l = 0; l < n; l++) {
            double kx = Kb ? Kb[i * n + l] : K[i * n + l] + (b ? 1.0 : 0.0);
            Gs[i * n + l] = y[i] * y[l] * (kx * Gs[i * n + l] + (full ? T[i * n + l] : 0.0));
        }
    }
    st = nrc_polish_qp_d(n, Gs, rhs, lam, 0, &conv, err);
    if (st != NRC_OK)
        goto done;
    /* M (n,k) := lambda_i y_i g_ij (reusing Sv); U (k,d) = M^T X */
    for (i = 0; i < n; i++)
        for (j = 0; j < k; j++)
            Sv[i * k + j] = (g ? g[i * k + j] : A[i * k + j] > 0) * (lam[i] * y[i]);
    nrc_dgemm(NRC_BLAS_T, NRC_BLAS_N, k, d, n, 1.0, Sv, k, X, d, 0.0, U, d);
    for (j = 0; j < k; j++) {
        double nw = 0.0, rv, sb = 0.0, sr = 0.0;
        for (t = 0; t < d; t++) {
            double w = W[j * d + t], r = w - v[j] * U[j * d + t];
            r2 += r * r;
            nw += w * w;
        }
        for (i = 0; i < n; i++) {
            sb += Sv[i * k + j];
            sr += lam[i] * y[i] * R[i * k + j];
        }
        if (b) {
            double r = b[j] - v[j] * sb;
            r2 += r * r;
            nw += b[j] * b[j];
        }
        if (full) {
            rv = v[j] - sr;
            r2 += rv * rv;
        }
        wb2 += nw;
        v2 += v[j] * v[j];
        if (fabs(nw - v[j] * v[j]) > bal)
            bal = fabs(nw - v[j] * v[j]);
    }
    for (i = 0; i < n; i++) {
        lsum += lam[i];
        if (lam[i] > 0)
            del += lam[i] * (q[i] / qmin - 1.0);
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
        memcpy(lambda, lam, n * sizeof(double));
done:
    nrc_free(A); nrc_free(R); nrc_free(Sv); nrc_free(N); nrc_free(q);
    nrc_free(rhs); nrc_free(lam); nrc_free(K); nrc_free(Gs); nrc_free(T);
    nrc_free(U);
    return st;
}
