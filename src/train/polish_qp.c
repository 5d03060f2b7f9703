/* The bounded convex QP min_{x >= 0} 1/2 x^T H x - c^T x used by the KKT
 * polish (include/train/nrc_polish.h).  Search level: untrusted binary64.
 *
 * Lawson and Hanson's active-set NNLS (Solving Least Squares Problems, 1974,
 * ch. 23) written on the normal equations: the passive set P holds the
 * positive coordinates; each outer step adds the coordinate with the largest
 * positive negative-gradient w = c - H x, each inner step solves H_PP z = c_P
 * by Cholesky and moves back to the feasible segment when some z_i <= 0.
 * n is the number of training points: O(n^3) per solve is "an n x n solve". */
#include <math.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_polish.h"

/* Rows from..p-1 of the Cholesky factor of H[P,P] into L (leading dimension
 * ld), rows < from being already valid: appending a coordinate costs O(p^2),
 * removing one refactors only the rows after it.  0 if numerically singular. */
static int qp_chol_rows(size_t n, const double *H, const size_t *P, size_t from,
                        size_t p, double *L, size_t ld)
{
    for (size_t a = from; a < p; a++) {
        for (size_t b = 0; b <= a; b++) {
            double s = H[P[a] * n + P[b]];
            for (size_t c = 0; c < b; c++)
                s -= L[a * ld + c] * L[b * ld + c];
            if (a == b) {
                if (!(s > 1e-13 * H[P[a] * n + P[a]]) || !isfinite(s))
                    return 0;
                L[a * ld + a] = sqrt(s);
            } else {
                L[a * ld + b] = s / L[b * ld + b];
            }
        }
    }
    return 1;
}

static void qp_chol_solve(size_t p, const double *L, size_t ld, double *bx)
{
    for (size_t a = 0; a < p; a++) {
        double s = bx[a];
        for (size_t c = 0; c < a; c++)
            s -= L[a * ld + c] * bx[c];
        bx[a] = s / L[a * ld + a];
    }
    for (size_t a = p; a-- > 0;) {
        double s = bx[a];
        for (size_t c = a + 1; c < p; c++)
            s -= L[c * ld + a] * bx[c];
        bx[a] = s / L[a * ld + a];
    }
}

/* z_P = H_PP^{-1} c_P from the factor L, with one step of iterative
 * refinement; 0 if the result is not finite. */
static int qp_solve_support(size_t n, const double *H, const double *c,
                            const size_t *P, size_t p, const double *L, double *z,
                            double *r)
{
    for (size_t a = 0; a < p; a++)
        z[a] = c[P[a]];
    qp_chol_solve(p, L, n, z);
    for (size_t a = 0; a < p; a++) {
        double s = c[P[a]];
        for (size_t b = 0; b < p; b++)
            s -= H[P[a] * n + P[b]] * z[b];
        r[a] = s;
    }
    qp_chol_solve(p, L, n, r);
    for (size_t a = 0; a < p; a++) {
        z[a] += r[a];
        if (!isfinite(z[a]))
            return 0;
    }
    return 1;
}

/* w = c - H x and the rounding scale of each entry, sum_l |H_il x_l| + |c_i|,
 * over the support P of x only (x is 0 elsewhere): O(n p). */
static void qp_grad(size_t n, const double *H, const double *c, const double *x,
                    const size_t *P, size_t p, double *w, double *scale)
{
    for (size_t i = 0; i < n; i++) {
        double s = c[i], a = fabs(c[i]);
        for (size_t b = 0; b < p; b++) {
            double t = H[i * n + P[b]] * x[P[b]];
            s -= t;
            a += fabs(t);
        }
        w[i] = s;
        scale[i] = a;
    }
}

nrc_status nrc_polish_qp_d(size_t n, const double *H, const double *c,
                           double *x, int warm, int *converged, nrc_error *err)
{
    double *L = nrc_malloc_array((n ? n : 1) * (n ? n : 1), sizeof(double));
    double *z = nrc_malloc_array(n ? n : 1, sizeof(double));
    double *r = nrc_malloc_array(n ? n : 1, sizeof(double));
    double *w = nrc_malloc_array(n ? n : 1, sizeof(double));
    double *sc = nrc_malloc_array(n ? n : 1, sizeof(double));
    size_t *P = nrc_malloc_array(n ? n : 1, sizeof(size_t));
    unsigned char *inP = nrc_calloc(n ? n : 1, 1), *blocked = nrc_calloc(n ? n : 1, 1);
    size_t p = 0, i, a;
    int pending = 0;
    nrc_status st = NRC_OK;
    unsigned long outer, budget = 3ul * n + 30ul;

    *converged = 0;
    if (!L || !z || !r || !w || !sc || !P || !inP || !blocked) {
        st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (polish QP, n = %zu)", n);
        goto done;
    }
    /* warm start (Lawson-Hanson from a feasible point): the previous x is
     * feasible for any H; its support is the passive set, and the inner loop
     * below moves to the solution on it, dropping what goes to zero */
    if (warm) {
        for (i = 0; i < n; i++)
            if (x[i] > 0 && isfinite(x[i])) {
                P[p++] = i;
                inP[i] = 1;
            } else {
                x[i] = 0.0;
            }
        if (p > 0 && qp_chol_rows(n, H, P, 0, p, L, n)) {
            pending = 1;
        } else {
            p = 0;
            memset(inP, 0, n);
        }
    }
    if (p == 0)
        memset(x, 0, n * sizeof(double));
    /* P holds the passive set in the order of entry; L its factor (ld n) */
    for (outer = 0; outer < budget; outer++) {
        size_t t = n;
        double best = 0.0;
        if (pending) {   /* the warm passive set: straight to the inner loop */
            pending = 0;
            goto inner;
        }
        qp_grad(n, H, c, x, P, p, w, sc);
        for (i = 0; i < n; i++) {
            /* only a negative gradient clearly above rounding enters */
            double tol = 64.0 * (double)(n + 1) * 0x1p-53 * sc[i];
            if (!inP[i] && !blocked[i] && w[i] > tol && w[i] > best) {
                best = w[i];
                t = i;
            }
        }
        if (t == n) {
            *converged = 1;
            break;
        }
        P[p] = t;
        if (!qp_chol_rows(n, H, P, p, p + 1, L, n)) {
            /* t is dependent on the support: never try it again */
            blocked[t] = 1;
            continue;
        }
        inP[t] = 1;
        p++;
    inner:
        for (;;) {
            double alpha = 2.0;
            size_t q, first;
            if (!qp_solve_support(n, H, c, P, p, L, z, r)) {
                if (t < n && P[p - 1] == t) {
                    inP[t] = 0;
                    blocked[t] = 1;
                    p--;
                } else {   /* start afresh from zero */
                    memset(x, 0, n * sizeof(double));
                    memset(inP, 0, n);
                    p = 0;
                }
                break;
            }
            for (a = 0; a < p; a++)
                if (z[a] <= 0) {
                    double xi = x[P[a]], al = xi / (xi - z[a]);
                    if (al < alpha)
                        alpha = al;
                }
            if (alpha > 1.0) {
                for (a = 0; a < p; a++)
                    x[P[a]] = z[a];
                break;
            }
            if (t < n && x[t] == 0 && alpha == 0.0 && P[p - 1] == t) {
                /* the entering coordinate itself would go negative: its
                 * gradient was rounding noise */
                inP[t] = 0;
                blocked[t] = 1;
                p--;
                break;
            }
            for (a = 0; a < p; a++) {
                double nx = x[P[a]] + alpha * (z[a] - x[P[a]]);
                if (z[a] <= 0 && x[P[a]] / (x[P[a]] - z[a]) <= alpha)
                    nx = 0.0;
                x[P[a]] = nx > 0 ? nx : 0.0;
            }
            /* drop the zeros, keeping the order; refactor from the first */
            first = p;
            for (a = 0, q = 0; a < p; a++) {
                if (x[P[a]] == 0.0) {
                    inP[P[a]] = 0;
                    if (first == p)
                        first = a;
                } else {
                    P[q++] = P[a];
                }
            }
            p = q;
            if (p == 0)
                break;
            if (first < p && !qp_chol_rows(n, H, P, first, p, L, n)) {
                /* cannot happen for a subset of a factored set, but never
                 * loop on it: restart from zero */
                memset(x, 0, n * sizeof(double));
                memset(inP, 0, n);
                p = 0;
                break;
            }
        }
    }
done:
    nrc_free(L);
    nrc_free(z);
    nrc_free(r);
    nrc_free(w);
    nrc_free(sc);
    nrc_free(P);
    nrc_free(inP);
    nrc_free(blocked);
    return st;
}
