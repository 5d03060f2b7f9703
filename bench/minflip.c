/* The minimal-flip sandwich on a model file (spec/MINFLIP.md), per point:
 * the certified D and U, their ratio, the paper direction's own flip
 * distance U_paper (the breakpoint sweep along z = sum_l y_l x_l, binary64
 * estimate), and the time per point. Until `certify --min-flip` exists
 * (phase B of issue 25) this is how the targets are measured.
 *
 *   run:   OPENBLAS_NUM_THREADS=1 build/bench/minflip MODEL [train|test|all] [max_points]
 *
 * Output: one CSV line per point (header first), then per set the medians
 * of U/D, U/U_paper and D/U_paper, the worst U/D, and the counts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_cert_search.h"
#include "nrc_engine.h"
#include "nrc_minflip.h"
#include "nrc_model.h"

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof(double), cmp_d);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv)
{
    nrc_model M;
    nrc_engine e;
    nrc_error err;
    nrc_mf_model mm;
    nrc_mf_options o;
    const char *which = argc > 2 ? argv[2] : "all";
    size_t maxp = argc > 3 ? (size_t)atol(argv[3]) : (size_t)-1;
    size_t n, d, k, m, i, j, set;
    double *z, *wz, *a, *pe, *work;
    size_t *idx;
    double znorm = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: minflip MODEL [train|test|all] [max_points]\n");
        return 2;
    }
    nrc_model_init(&M);
    if (nrc_model_read(argv[1], &M, &err) || nrc_engine_init(&e, "fast", 1, &err)) {
        fprintf(stderr, "minflip: %s\n", err.msg);
        return 3;
    }
    n = M.n;
    d = M.d;
    k = M.k;
    m = M.m;
    if (nrc_mf_model_init(&mm, &M, NULL, &e, &err)) {
        fprintf(stderr, "minflip: %s\n", err.msg);
        return 4;
    }
    nrc_mf_options_default(&o, k);
    z = calloc(d, sizeof(double));
    wz = malloc(k * sizeof(double));
    a = malloc(k * sizeof(double));
    pe = malloc(k * sizeof(double));
    work = malloc(2 * k * sizeof(double));
    idx = malloc(k * sizeof(size_t));
    for (i = 0; i < n; i++)
        for (j = 0; j < d; j++)
            z[j] += M.y[i] * M.X[i * d + j];
    for (j = 0; j < d; j++)
        znorm += z[j] * z[j];
    znorm = sqrt(znorm);
    nrc_dgemv(NRC_BLAS_N, k, d, 1.0, M.W, d, z, 0.0, wz);
    printf("set,index,sign,D,U,strict,U_over_D,U_paper,U_over_Upaper,D_over_Upaper,nodes,leaves,"
           "complete,seconds\n");
    for (set = 0; set < 2; set++) {
        size_t np = set == 0 ? n : m, cnt = 0, nud = 0, nup = 0, ndp = 0, nlow = 0, nupp = 0;
        double *ud = malloc((np + 1) * sizeof(double)), *uup = malloc((np + 1) * sizeof(double));
        double *dup = malloc((np + 1) * sizeof(double)), worst = 0, tsum = 0, tmax = 0;
        size_t viol = 0;
        if ((set == 0 && strcmp(which, "test") == 0) || (set == 1 && strcmp(which, "train") == 0))
            np = 0;
        for (i = 0; i < np && cnt < maxp; i++, cnt++) {
            const double *x = (set == 0 ? M.X : M.Xt) + i * d;
            nrc_mf_point r;
            double Nx = 0, ts, tn, Up = INFINITY, t0, dt;
            int p;
            nrc_dgemv(NRC_BLAS_N, k, d, 1.0, M.W, d, x, 0.0, a);
            for (j = 0; j < k; j++) {
                if (M.b)
                    a[j] += M.b[j];
                if (a[j] > 0)
                    Nx += M.v[j] * a[j];
            }
            p = Nx > 0 ? 1 : Nx < 0 ? -1 : (set == 0 ? (int)M.y[i] : 1);
            if (nrc_flip_sweep_approx(k, a, wz, M.v, p, &ts, &tn, work, idx))
                Up = ts * znorm;
            for (j = 0; j < k; j++)
                pe[j] = -p * wz[j];
            nrc_mf_point_init(&r);
            t0 = wall_s();
            if (nrc_mf_point_run(&mm, &e, x, p, pe, isfinite(Up) ? ts * (1 + 0x1p-30) : 0, &o,
                                 &r, &err)) {
                fprintf(stderr, "minflip: %s\n", err.msg);
                return 4;
            }
            dt = wall_s() - t0;
            tsum += dt;
            if (dt > tmax)
                tmax = dt;
            printf("%s,%zu,%d,%.9g,%.9g,%d,%.6f,%.9g,%.6f,%.6f,%zu,%zu,%d,%.3f\n",
                   set ? "test" : "train", i, p, r.lower_ok ? r.D : NAN, r.upper_ok ? r.U : NAN,
                   r.strict, r.lower_ok && r.upper_ok ? r.U / r.D : NAN, Up,
                   r.upper_ok ? r.U / Up : NAN, r.lower_ok ? r.D / Up : NAN, r.nodes, r.nleaves,
                   r.complete, dt);
            nlow += r.lower_ok;
            nupp += r.upper_ok;
            if (r.lower_ok && r.upper_ok && r.D > 0) {
                ud[nud++] = r.U / r.D;
                if (r.U / r.D > worst)
                    worst = r.U / r.D;
            }
            if (r.upper_ok && isfinite(Up)) {
                uup[nup++] = r.U / Up;
                if (r.U > Up)
                    viol++;
            }
            if (r.lower_ok && isfinite(Up))
                dup[ndp++] = r.D / Up;
            nrc_mf_point_clear(&r);
            fflush(stdout);
        }
        if (cnt > 0)
            printf("# %s: %zu points, %zu lower, %zu upper; median U/D %.4f (worst %.4f), "
                   "median U/U_paper %.4f (%zu above 1), median D/U_paper %.4f; "
                   "%.3f s per point (max %.3f)\n", set ? "test" : "train", cnt, nlow, nupp,
                   median(ud, nud), worst, median(uup, nup), viol, median(dup, ndp),
                   tsum / (double)cnt, tmax);
        free(ud);
        free(uup);
        free(dup);
    }
    nrc_mf_model_clear(&mm);
    nrc_engine_clear(&e);
    nrc_model_clear(&M);
    free(z);
    free(wz);
    free(a);
    free(pe);
    free(work);
    free(idx);
    return 0;
}
