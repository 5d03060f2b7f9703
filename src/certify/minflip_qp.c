/* Projection onto a polyhedron in the span of W (untrusted binary64 search
 * for the minimal-flip claims, spec/MINFLIP.md 5): minimize
 *   1/2 ||delta||^2 = 1/2 y^T G y   (delta = W^T y)
 * subject to m_i . e >= h_i with e = W delta = G y, for a working set of
 * constraints given by coefficient vectors m_i (a signed unit vector or a
 * dense k-vector). Its dual is the non-negative least-squares problem
 *   min_{lambda >= 0} 1/2 lambda^T K lambda - h^T lambda,  K_il = m_i^T G m_l,
 * with y = sum_i lambda_i m_i at the optimum, solved by Lawson and Hanson's
 * active-set method (Solving Least Squares Problems, 1974, ch. 23) in Gram
 * form, warm-started from the previous multipliers when the caller adds
 * constraints. Used by the region walk (minflip_upper.c) and the leaf
 * solver (minflip_leaf.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_minflip.h"

/* Cholesky of the leading n x n block of A (leading dimension ld, lower
 * triangle used) in place, with a small ridge for dependent constraints.
 * Returns 0 when a pivot is still not positive. */
static int chol(size_t n, double *A, size_t ld, double ridge)
{
    size_t i, j, l;
    for (j = 0; j < n; j++) {
        double s = A[j * ld + j] + ridge;
        for (l = 0; l < j; l++)
            s -= A[j * ld + l] * A[j * ld + l];
        if (!(s > 0))
            return 0;
        s = sqrt(s);
        A[j * ld + j] = s;
        for (i = j + 1; i < n; i++) {
            double t = A[i * ld + j];
            for (l = 0; l < j; l++)
                t -= A[i * ld + l] * A[j * ld + l];
            A[i * ld + j] = t / s;
        }
    }
    return 1;
}

static void chol_solve(size_t n, const double *L, size_t ld, double *x)
{
    size_t i, l;
    for (i = 0; i < n; i++) {
        double t = x[i];
        for (l = 0; l < i; l++)
            t -= L[i * ld + l] * x[l];
        x[i] = t / L[i * ld + i];
    }
    for (i = n; i-- > 0;) {
        double t = x[i];
        for (l = i + 1; l < n; l++)
            t -= L[l * ld + i] * x[l];
        x[i] = t / L[i * ld + i];
    }
}

/* Lawson-Hanson NNLS in Gram form on the n constraints of Q (K with
 * leading dimension Q->cap). lambda (in Q) is the start (any lambda >= 0:
 * its support is solved on first) and the result. Returns 0 when it did
 * not converge. */
static int nnls(nrc_mf_proj *Q)
{
    const size_t n = Q->n, ld = Q->cap;
    const double *K = Q->K, *h = Q->h;
    double *lambda = Q->lam, *L = Q->L, *z = Q->z, *w = Q->w, *hp = Q->hp;
    unsigned char *inP = Q->inP;
    size_t *Pi = Q->Pi;
    double scale = 0, trace = 0;
    size_t i, l, np;
    int outer, warm = 0;
    for (i = 0; i < n; i++) {
        if (fabs(h[i]) > scale)
            scale = fabs(h[i]);
        trace += K[i * ld + i];
        inP[i] = lambda[i] > 0;
        warm |= inP[i];
    }
    for (outer = 0; outer < (int)(3 * n + 10); outer++) {
        if (!warm) {
            size_t t = n;
            double wmax = 0;
            for (i = 0; i < n; i++) {
                double s = h[i];
                for (l = 0; l < n; l++)
                    s -= K[i * ld + l] * lambda[l];
                w[i] = s;
                if (!inP[i] && s > wmax) {
                    wmax = s;
                    t = i;
                }
            }
            if (t == n || wmax <= 1e-13 * scale)
                return 1;
            inP[t] = 1;
        }
        warm = 0;
        for (;;) {       /* solve on P; step back toward lambda if infeasible */
            double alpha = 1;
            int allpos = 1;
            np = 0;
            for (i = 0; i < n; i++)
                if (inP[i])
                    Pi[np++] = i;
            for (i = 0; i < np; i++) {
                for (l = 0; l < np; l++)
                    L[i * np + l] = K[Pi[i] * ld + Pi[l]];
                hp[i] = h[Pi[i]];
            }
            if (!chol(np, L, np, 1e-13 * trace / (double)n))
                return 0;
            chol_solve(np, L, np, hp);
            for (i = 0; i < n; i++)
                z[i] = 0;
            for (i = 0; i < np; i++) {
                z[Pi[i]] = hp[i];
                if (!(hp[i] > 0))
                    allpos = 0;
            }
            if (allpos) {
                memcpy(lambda, z, n * sizeof(double));
                break;
            }
            for (i = 0; i < np; i++) {
                size_t q = Pi[i];
                if (z[q] <= 0) {
                    double a = lambda[q] / (lambda[q] - z[q]);
                    if (a < alpha)
                        alpha = a;
                }
            }
            for (i = 0; i < n; i++) {
                lambda[i] += alpha * (z[i] - lambda[i]);
                if (inP[i] && lambda[i] <= 1e-300) {
                    inP[i] = 0;
                    lambda[i] = 0;
                }
            }
        }
    }
    return 0;
}

nrc_status nrc_mf_proj_init(nrc_mf_proj *Q, const nrc_mf_problem *P, size_t cap,
                            nrc_error *err)
{
    const size_t k = P->k;
    memset(Q, 0, sizeof *Q);
    Q->P = P;
    Q->cap = cap;
    Q->unit = nrc_malloc_array(cap, sizeof(long));
    Q->M = nrc_malloc_array(cap * k, sizeof(double));
    Q->GM = nrc_malloc_array(cap * k, sizeof(double));
    Q->h = nrc_malloc_array(cap, sizeof(double));
    Q->lam = nrc_malloc_array(cap, sizeof(double));
    Q->K = nrc_malloc_array(cap * cap, sizeof(double));
    Q->L = nrc_malloc_array(cap * cap, sizeof(double));
    Q->z = nrc_malloc_array(4 * cap, sizeof(double));
    Q->inP = nrc_malloc(cap);
    Q->Pi = nrc_malloc_array(cap, sizeof(size_t));
    Q->y = nrc_malloc_array(2 * k, sizeof(double));
    if (!Q->unit || !Q->M || !Q->GM || !Q->h || !Q->lam || !Q->K || !Q->L || !Q->z ||
        !Q->inP || !Q->Pi || !Q->y) {
        nrc_mf_proj_clear(Q);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (projection, k = %zu)", k);
    }
    Q->w = Q->z + cap;
    Q->hp = Q->z + 2 * cap;
    Q->e = Q->y + k;
    return NRC_OK;
}

void nrc_mf_proj_clear(nrc_mf_proj *Q)
{
    nrc_free(Q->unit);
    nrc_free(Q->M);
    nrc_free(Q->GM);
    nrc_free(Q->h);
    nrc_free(Q->lam);
    nrc_free(Q->K);
    nrc_free(Q->L);
    nrc_free(Q->z);
    nrc_free(Q->inP);
    nrc_free(Q->Pi);
    nrc_free(Q->y);
    memset(Q, 0, sizeof *Q);
}

void nrc_mf_proj_reset(nrc_mf_proj *Q)
{
    Q->n = 0;
}

/* Row and column i of K, from the constraints 0 .. i. */
static void k_update(nrc_mf_proj *Q, size_t i)
{
    const size_t k = Q->P->k, ld = Q->cap;
    size_t l;
    for (l = 0; l <= i; l++) {
        double v;
        if (Q->unit[i] != 0) {
            size_t j = (size_t)labs(Q->unit[i]) - 1;
            v = (Q->unit[i] > 0 ? 1 : -1) * Q->GM[l * k + j];
        } else if (Q->unit[l] != 0) {
            size_t j = (size_t)labs(Q->unit[l]) - 1;
            v = (Q->unit[l] > 0 ? 1 : -1) * Q->GM[i * k + j];
        } else {
            const double *m = Q->M + i * k, *gm = Q->GM + l * k;
            size_t t;
            v = 0;
            for (t = 0; t < k; t++)
                v += m[t] * gm[t];
        }
        Q->K[i * ld + l] = v;
        Q->K[l * ld + i] = v;
    }
}

static int add(nrc_mf_proj *Q, long unit, const double *m, double h)
{
    const size_t k = Q->P->k;
    size_t i = Q->n, j, l;
    double *gm;
    if (i >= Q->cap)
        return 0;
    Q->unit[i] = unit;
    Q->h[i] = h;
    Q->lam[i] = 0;
    gm = Q->GM + i * k;
    if (unit != 0) {
        size_t u = (size_t)labs(unit) - 1;
        double sg = unit > 0 ? 1 : -1;
        for (j = 0; j < k; j++)
            gm[j] = sg * Q->P->G[j * k + u];
    } else {
        memcpy(Q->M + i * k, m, k * sizeof(double));
        for (j = 0; j < k; j++) {
            double t = 0;
            for (l = 0; l < k; l++)
                t += Q->P->G[j * k + l] * m[l];
            gm[j] = t;
        }
    }
    Q->n++;
    k_update(Q, i);
    return 1;
}

int nrc_mf_proj_add_unit(nrc_mf_proj *Q, size_t j, int sign, double h)
{
    long u = (long)j + 1;
    return add(Q, sign > 0 ? u : -u, NULL, h);
}

int nrc_mf_proj_add_dense(nrc_mf_proj *Q, const double *m, double h)
{
    return add(Q, 0, m, h);
}

double nrc_mf_proj_solve(nrc_mf_proj *Q)
{
    const size_t k = Q->P->k;
    double d2 = 0;
    size_t i, j;
    if (!nnls(Q))
        return INFINITY;
    memset(Q->y, 0, k * sizeof(double));
    memset(Q->e, 0, k * sizeof(double));
    for (i = 0; i < Q->n; i++) {
        double l = Q->lam[i];
        const double *gm = Q->GM + i * k;
        if (l == 0)
            continue;
        if (Q->unit[i] != 0) {
            size_t u = (size_t)labs(Q->unit[i]) - 1;
            Q->y[u] += Q->unit[i] > 0 ? l : -l;
        } else {
            const double *m = Q->M + i * k;
            for (j = 0; j < k; j++)
                Q->y[j] += l * m[j];
        }
        for (j = 0; j < k; j++)
            Q->e[j] += l * gm[j];
    }
    for (j = 0; j < k; j++)
        d2 += Q->y[j] * Q->e[j];
    return isfinite(d2) ? (d2 > 0 ? d2 : 0) : INFINITY;
}
