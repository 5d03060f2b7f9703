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

/* The state of one solve: the passive set P (in the order of entry), its
 * factor L (leading dimension n), and scratch. */
typedef struct {
    size_t n, p;
    const double *H, *c;
    double *x, *L, *z, *r, *w, *sc;
    size_t *P;
    unsigned char *inP, *blocked;
} qp_state;

static void qp_free(qp_state *q)
{
    nrc_free(q->L); nrc_free(q->z); nrc_free(q->r); nrc_free(q->w);
    nrc_free(q->sc); nrc_free(q->P); nrc_free(q->inP); nrc_free(q->blocked);
}

static int qp_alloc(qp_state *q, size_t n)
{
    size_t m = n ? n : 1;
    q->L = nrc_malloc_array(m * m, sizeof(double));
    q->z = nrc_malloc_array(m, sizeof(double));
    q->r = nrc_malloc_array(m, sizeof(double));
    q->w = nrc_malloc_array(m, sizeof(double));
    q->sc = nrc_malloc_array(m, sizeof(double));
    q->P = nrc_malloc_array(m, sizeof(size_t));
    q->inP = nrc_calloc(m, 1);
    q->blocked = nrc_calloc(m, 1);
    return q->L && q->z && q->r && q->w && q->sc && q->P && q->inP && q->blocked;
}

/* Back to x = 0, P empty. */
static void qp_restart(qp_state *q)
{
    memset(q->x, 0, q->n * sizeof(double));
    memset(q->inP, 0, q->n);
    q->p = 0;
}

/* Warm start (Lawson-Hanson from a feasible point): the previous x is
 * feasible for any H; its support becomes the passive set, and the inner
 * loop moves to the solution on it, dropping what goes to zero.  Returns 1
 * when the inner loop should run first. */
static int qp_warm(qp_state *q)
{
    size_t i;
    for (i = 0; i < q->n; i++)
        if (q->x[i] > 0 && isfinite(q->x[i])) {
            q->P[q->p++] = i;
            q->inP[i] = 1;
        } else {
            q->x[i] = 0.0;
        }
    if (q->p > 0 && qp_chol_rows(q->n, q->H, q->P, 0, q->p, q->L, q->n))
        return 1;
    qp_restart(q);
    return 0;
}

/* The coordinate outside P, not blocked, with the largest negative gradient
 * clearly above rounding; n if none (then x is optimal). */
static size_t qp_entering(qp_state *q)
{
    size_t i, t = q->n;
    double best = 0.0;
    qp_grad(q->n, q->H, q->c, q->x, q->P, q->p, q->w, q->sc);
    for (i = 0; i < q->n; i++) {
        double tol = 64.0 * (double)(q->n + 1) * 0x1p-53 * q->sc[i];
        if (!q->inP[i] && !q->blocked[i] && q->w[i] > tol && q->w[i] > best) {
            best = q->w[i];
            t = i;
        }
    }
    return t;
}

/* Drops the coordinates that reached 0 (keeping the order) and refactors
 * from the first dropped one.  0 when that fails (never for a subset of a
 * factored set, but never loop on it). */
static int qp_drop_zeros(qp_state *q)
{
    size_t a, k2, first = q->p;
    for (a = 0, k2 = 0; a < q->p; a++) {
        if (q->x[q->P[a]] == 0.0) {
            q->inP[q->P[a]] = 0;
            if (first == q->p)
                first = a;
        } else {
            q->P[k2++] = q->P[a];
        }
    }
    q->p = k2;
    return first >= q->p || qp_chol_rows(q->n, q->H, q->P, first, q->p, q->L, q->n);
}

/* Lawson-Hanson's inner loop after t entered (t = n: none): solve on P,
 * move back to the feasible segment while some z_a <= 0. */
static void qp_inner(qp_state *q, size_t t)
{
    size_t n = q->n, a;
    for (;;) {
        double alpha = 2.0;
        if (!qp_solve_support(n, q->H, q->c, q->P, q->p, q->L, q->z, q->r)) {
            if (t < n && q->P[q->p - 1] == t) {
                q->inP[t] = 0;
                q->blocked[t] = 1;
                q->p--;
            } else {
                qp_restart(q);
            }
            return;
        }
        for (a = 0; a < q->p; a++)
            if (q->z[a] <= 0) {
                double xi = q->x[q->P[a]], al = xi / (xi - q->z[a]);
                if (al < alpha)
                    alpha = al;
            }
        if (alpha > 1.0) {
            for (a = 0; a < q->p; a++)
                q->x[q->P[a]] = q->z[a];
            return;
        }
        if (t < n && q->x[t] == 0 && alpha == 0.0 && q->P[q->p - 1] == t) {
            /* the entering coordinate itself would go negative: its
             * gradient was rounding noise */
            q->inP[t] = 0;
            q->blocked[t] = 1;
            q->p--;
            return;
        }
        for (a = 0; a < q->p; a++) {
            double xa = q->x[q->P[a]], nx = xa + alpha * (q->z[a] - xa);
            if (q->z[a] <= 0 && xa / (xa - q->z[a]) <= alpha)
                nx = 0.0;
            q->x[q->P[a]] = nx > 0 ? nx : 0.0;
        }
        if (!qp_drop_zeros(q)) {
            qp_restart(q);
            return;
        }
        if (q->p == 0)
            return;
    }
}

nrc_status nrc_polish_qp_d(size_t n, const double *H, const double *c,
                           double *x, int warm, int *converged, nrc_error *err)
{
    qp_state q;
    unsigned long outer, budget = 3ul * n + 30ul;
    int pending = 0;
    nrc_status st = NRC_OK;

    memset(&q, 0, sizeof q);
    q.n = n; q.H = H; q.c = c; q.x = x;
    *converged = 0;
    if (!qp_alloc(&q, n)) {
        st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (polish QP, n = %zu)", n);
        goto done;
    }
    if (warm)
        pending = qp_warm(&q);
    else
        qp_restart(&q);
    for (outer = 0; outer < budget; outer++) {
        size_t t;
        if (pending) {   /* the warm passive set: straight to the inner loop */
            pending = 0;
            qp_inner(&q, n);
            continue;
        }
        t = qp_entering(&q);
        if (t == n) {
            *converged = 1;
            break;
        }
        q.P[q.p] = t;
        if (!qp_chol_rows(n, H, q.P, q.p, q.p + 1, q.L, n)) {
            q.blocked[t] = 1;   /* dependent on the support: never again */
            continue;
        }
        q.inP[t] = 1;
        q.p++;
        qp_inner(&q, t);
    }
done:
    qp_free(&q);
    return st;
}
