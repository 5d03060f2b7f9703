/* Span mode (src/train/span.c, include/train/nrc_span.h, spec/TRAINING.md):
 * - the choice depends only on shapes and steps, and picks span in the
 *   paper's regime (n << d) and direct for n = d = k;
 * - span and direct give the same iterates to rounding over many steps, for
 *   both losses, all three schedules, with and without biases and fixed v;
 * - 0 steps: weights and statistics bit-identical to the direct driver's;
 * - the callback sees 0..S in order, can stop early; final statistics
 *   describe the returned weights;
 * - results are bit-identical for 1, 2 and 3 threads;
 * - divergence is NRC_ERR_USAGE; each allocation failing is NRC_ERR_SYSTEM
 *   with the weights untouched. */
#include <float.h>
#include <math.h>
#include <string.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_data.h"
#include "nrc_rng.h"
#include "nrc_span.h"
#include "nrc_train.h"

static double sup_abs(size_t len, const double *a)
{
    double m = 0.0;
    for (size_t t = 0; t < len; t++)
        m = fmax(m, fabs(a[t]));
    return m;
}

static double sup_diff(size_t len, const double *a, const double *b)
{
    double m = 0.0;
    for (size_t t = 0; t < len; t++)
        m = fmax(m, fabs(a[t] - b[t]));
    return m;
}

static void span_choice_by_shape(void)
{
    /* the trainer's default shape and the brief's span benchmark shape */
    CHECK(nrc_span_preferred(8, 50000, 16, 3000), "default shape should use span");
    CHECK(nrc_span_preferred(50, 2000, 1000, 100), "n=50 d=2000 k=1000 should use span");
    CHECK(nrc_span_preferred(100, 4000, 1000, 100), "n=100 d=4000 k=1000 should use span");
    /* n = d: K C^T costs as much as X W^T, but the gradient GEMM is gone,
     * so span does half the work per step once the setup is repaid */
    CHECK(nrc_span_preferred(1000, 1000, 1000, 3000), "n=d=k, 3000 steps should use span");
    CHECK(!nrc_span_preferred(1000, 1000, 1000, 2), "n=d=k, 2 steps should stay direct");
    /* n > d: K would be larger than X (memory), even where the flops favour
     * span (d < n < 2d); n >= 2d: K C^T alone costs more than both GEMMs */
    CHECK(!nrc_span_preferred(1001, 1000, 1000, 3000), "n=d+1 should stay direct");
    CHECK(nrc_span_flops_span(1001, 1000, 1000, 3000) < nrc_span_flops_direct(1001, 1000, 1000, 3000),
          "flop model at n = d + 1");
    CHECK(!nrc_span_preferred(2000, 1000, 1000, 3000), "n=2d should stay direct");
    CHECK(!nrc_span_preferred(5000, 1000, 100, 3000), "n > d should stay direct");
    /* 0 or 1 step: the setup (K = X X^T, W = W_0 + C X) is never repaid */
    CHECK(!nrc_span_preferred(8, 50000, 16, 0) && !nrc_span_preferred(8, 50000, 16, 1),
          "0 or 1 step should stay direct");
    /* a pure function of its arguments (no timing, no thread count) */
    nrc_blas_set_threads(3);
    CHECK(nrc_span_preferred(8, 50000, 16, 3000) == 1 &&
          nrc_span_preferred(2000, 1000, 1000, 3000) == 0, "choice changed with threads");
    nrc_blas_set_threads(1);
    CHECK(nrc_span_flops_span(50, 2000, 1000, 1000) * 10.0 <
          nrc_span_flops_direct(50, 2000, 1000, 1000), "flop model: expected > 10x at n=50 d=2000");
}

typedef struct {
    size_t n, d, k;
    double *X, *y, *W0, *b0, *v0;
} problem;

static int problem_make(problem *P, nrc_data_kind dk, size_t n, size_t d, size_t k,
                        int fix_v, double init, uint64_t seed)
{
    P->n = n; P->d = d; P->k = k;
    P->X = nrc_malloc_array(n * d, sizeof(double));
    P->y = nrc_malloc_array(n, sizeof(double));
    P->W0 = nrc_malloc_array(k * d, sizeof(double));
    P->b0 = nrc_malloc_array(k, sizeof(double));
    P->v0 = nrc_malloc_array(k, sizeof(double));
    if (!P->X || !P->y || !P->W0 || !P->b0 || !P->v0)
        return 0;
    nrc_data_generate(dk, NRC_LABELS_BALANCED, n, d, seed, NRC_RNG_STREAM_TRAIN, P->X, P->y);
    nrc_train_init_d(d, k, init, fix_v, seed, P->W0, P->b0, P->v0);
    return 1;
}

static void problem_free(problem *P)
{
    nrc_free(P->X); nrc_free(P->y); nrc_free(P->W0); nrc_free(P->b0); nrc_free(P->v0);
}

typedef struct {
    double *W, *b, *v;
    nrc_train_progress fin;
    nrc_status st;
} run_out;

static int run_mode(const problem *P, const nrc_train_opts *o, int span,
                    nrc_train_progress_fn cb, void *ctx, run_out *r, nrc_error *err)
{
    size_t kd = P->k * P->d;
    r->W = nrc_malloc_array(kd, sizeof(double));
    r->b = nrc_malloc_array(P->k, sizeof(double));
    r->v = nrc_malloc_array(P->k, sizeof(double));
    if (!r->W || !r->b || !r->v)
        return 0;
    memcpy(r->W, P->W0, kd * sizeof(double));
    memcpy(r->b, P->b0, P->k * sizeof(double));
    memcpy(r->v, P->v0, P->k * sizeof(double));
    r->st = (span ? nrc_span_train_run_d : nrc_train_run_d)(o, P->X, P->y, r->W, r->b, r->v,
                                                          cb, ctx, &r->fin, err);
    return 1;
}

static void run_free(run_out *r)
{
    nrc_free(r->W); nrc_free(r->b); nrc_free(r->v);
}

/* Drift bound.  Each step both paths compute the same A = X W^T + b with a
 * different rounding: the direct GEMM has |err| <= gamma_d |X||W|^T, the span
 * path rounds P_0 (gamma_d), K (gamma_d) and K C^T (gamma_n), so per step the
 * two A differ by at most ~ (2d + n) u times the absolute sums, i.e. a
 * relative delta ~ (2d + n) u in sup norm after dividing by max|A| (the
 * data are sphere/gaussian with |x_il| = O(1) and W in the span keeps the
 * absolute sums within a small factor of |A| at these sizes).  As long as no
 * a_ij changes sign between the paths (random data: the chance that one of
 * n k S pre-activations lies within 1e-10 relative of 0 is negligible), one
 * GD step is a smooth map whose Lipschitz constant is 1 + eta H with eta H
 * small for the step sizes below, and the differences add up: after S steps
 * the relative drift is <= S (1 + eta H)^S delta.  With eta H <= 1/S this is
 * <= e S (2d + n) u.  We assert 4 S (2d + n + 1) u (about 2e-10 for S = 300,
 * d = 150); measured drifts are 1e-15..1e-13 (rounding errors are not all of
 * one sign), printed by the test. */
static double drift_bound(uint64_t steps, size_t n, size_t d)
{
    return 4.0 * (double)steps * (double)(2 * d + n + 1) * DBL_EPSILON / 2.0;
}

static void span_matches_direct(void)
{
    static const struct { int bias, fix_v; nrc_loss_kind loss; nrc_schedule_kind sch;
                          double lr; nrc_data_kind dk; } cases[] = {
        {0, 0, NRC_LOSS_LOGISTIC, NRC_SCHEDULE_NORMALIZED, 0.05, NRC_DATA_SPHERE},
        {1, 0, NRC_LOSS_LOGISTIC, NRC_SCHEDULE_NORMALIZED, 0.05, NRC_DATA_SPHERE},
        {0, 1, NRC_LOSS_EXP, NRC_SCHEDULE_NORMALIZED, 0.02, NRC_DATA_GAUSSIAN},
        {1, 1, NRC_LOSS_LOGISTIC, NRC_SCHEDULE_CONSTANT, 0.01, NRC_DATA_SPHERE},
        {0, 0, NRC_LOSS_EXP, NRC_SCHEDULE_LOSS, 0.002, NRC_DATA_GAUSSIAN},
        {1, 0, NRC_LOSS_EXP, NRC_SCHEDULE_CONSTANT, 0.005, NRC_DATA_GAUSSIAN},
    };
    uint64_t seed = tl_seed();
    uint64_t steps = 300 * (uint64_t)tl_mult();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t n = 12 + c, d = 150 + 10 * c, k = 9 + c;
        nrc_train_opts o = {n, d, k, cases[c].bias, cases[c].fix_v, cases[c].loss,
                            cases[c].sch, cases[c].lr, steps};
        problem P;
        run_out a, s;
        nrc_error err;
        double scale, dW, db, dv, bound = drift_bound(steps, n, d);
        REQUIRE(problem_make(&P, cases[c].dk, n, d, k, cases[c].fix_v, 0.1, seed + c),
                "out of memory");
        REQUIRE(run_mode(&P, &o, 0, NULL, NULL, &a, &err) && a.st == NRC_OK,
                "case %zu direct: %s", c, err.msg);
        REQUIRE(run_mode(&P, &o, 1, NULL, NULL, &s, &err) && s.st == NRC_OK,
                "case %zu span: %s", c, err.msg);
        scale = sup_abs(k * d, a.W);
        dW = sup_diff(k * d, a.W, s.W) / scale;
        db = sup_diff(k, a.b, s.b) / fmax(sup_abs(k, a.b), DBL_MIN);
        dv = sup_diff(k, a.v, s.v) / sup_abs(k, a.v);
        printf("# case %zu (n=%zu d=%zu k=%zu, %llu steps): relative drift W %.2e b %.2e v %.2e "
               "(bound %.2e); q_min %.6g vs %.6g\n", c, n, d, k, (unsigned long long)steps,
               dW, db, dv, bound, a.fin.q_min, s.fin.q_min);
        CHECK(dW <= bound && dv <= bound && (!cases[c].bias || db <= bound),
              "case %zu: drift W %.3g b %.3g v %.3g > %.3g", c, dW, db, dv, bound);
        /* the training actually moved W well beyond rounding */
        CHECK(sup_diff(k * d, a.W, P.W0) > 1e3 * bound * scale,
              "case %zu: W hardly moved", c);
        if (cases[c].fix_v)
            CHECK(memcmp(s.v, P.v0, k * sizeof(double)) == 0, "case %zu: fixed v moved", c);
        if (!cases[c].bias)
            CHECK(memcmp(s.b, P.b0, k * sizeof(double)) == 0, "case %zu: b moved", c);
        CHECK(s.fin.step == steps && a.fin.step == steps, "case %zu: final step", c);
        CHECK(fabs(s.fin.q_min - a.fin.q_min) <= 1e3 * bound * (fabs(a.fin.q_min) + 1e-300) &&
              fabs(s.fin.theta_sq - a.fin.theta_sq) <= 1e3 * bound * a.fin.theta_sq,
              "case %zu: final statistics differ: q_min %.17g vs %.17g, theta_sq %.17g vs %.17g",
              c, s.fin.q_min, a.fin.q_min, s.fin.theta_sq, a.fin.theta_sq);
        /* final statistics are those of the returned weights */
        CHECK(s.fin.theta_sq == nrc_train_sqnorm_d(d, k, s.W, cases[c].bias ? s.b : NULL, NULL) +
                                nrc_train_sqnorm_d(0, k, NULL, NULL, s.v),
              "case %zu: final theta_sq is not that of the returned weights", c);
        run_free(&a); run_free(&s); problem_free(&P);
    }
}

typedef struct { uint64_t seen, stop_at; int order_ok; double max_rel; const double *ref; } cbst;

static int cb(const nrc_train_progress *p, void *ctx)
{
    cbst *c = ctx;
    if (p->step != c->seen)
        c->order_ok = 0;
    if (c->ref && p->step < 64) {
        double rel = fabs(p->theta_sq - c->ref[p->step]) / c->ref[p->step];
        c->max_rel = fmax(c->max_rel, rel);
    }
    c->seen++;
    return p->step == c->stop_at;
}

static int cb_record(const nrc_train_progress *p, void *ctx)
{
    double *t = ctx;
    if (p->step < 64)
        t[p->step] = p->theta_sq;
    return 0;
}

static void span_zero_steps_callback_and_early_stop(void)
{
    enum { n = 10, d = 200, k = 7 };
    nrc_train_opts o = {n, d, k, 1, 0, NRC_LOSS_LOGISTIC, NRC_SCHEDULE_NORMALIZED, 0.1, 0};
    problem P;
    run_out a, s;
    nrc_error err;
    double ref[64];
    cbst c = {0, 1000, 1, 0.0, NULL};
    REQUIRE(problem_make(&P, NRC_DATA_SPHERE, n, d, k, 0, 0.1, tl_seed()), "out of memory");
    REQUIRE(run_mode(&P, &o, 0, NULL, NULL, &a, &err) && a.st == NRC_OK, "%s", err.msg);
    REQUIRE(run_mode(&P, &o, 1, cb, &c, &s, &err) && s.st == NRC_OK, "%s", err.msg);
    CHECK(memcmp(s.W, P.W0, sizeof(double) * k * d) == 0 &&
          memcmp(s.v, P.v0, sizeof(double) * k) == 0, "0 steps moved the weights");
    CHECK(memcmp(&s.fin, &a.fin, sizeof s.fin) == 0, "0 steps: statistics differ from direct");
    CHECK(c.seen == 1 && c.order_ok, "0 steps: %llu callbacks", (unsigned long long)c.seen);
    run_free(&a); run_free(&s);

    /* 40 steps: the span callback's theta_sq (from the expansion
     * ||W_0||^2 + sum C o (2 P_0 + K C^T)^T) follows the direct one's */
    o.steps = 40;
    REQUIRE(run_mode(&P, &o, 0, cb_record, ref, &a, &err) && a.st == NRC_OK, "%s", err.msg);
    c = (cbst){0, 1000, 1, 0.0, ref};
    REQUIRE(run_mode(&P, &o, 1, cb, &c, &s, &err) && s.st == NRC_OK, "%s", err.msg);
    CHECK(c.order_ok && c.seen == 41, "callbacks %llu, in order %d",
          (unsigned long long)c.seen, c.order_ok);
    CHECK(c.max_rel <= drift_bound(40, n, d), "theta_sq in callbacks: relative %.3g", c.max_rel);
    run_free(&a); run_free(&s);

    /* early stop at 7: same as 7 steps */
    c = (cbst){0, 7, 1, 0.0, NULL};
    REQUIRE(run_mode(&P, &o, 1, cb, &c, &s, &err) && s.st == NRC_OK, "%s", err.msg);
    o.steps = 7;
    REQUIRE(run_mode(&P, &o, 1, NULL, NULL, &a, &err) && a.st == NRC_OK, "%s", err.msg);
    CHECK(c.seen == 8 && s.fin.step == 7, "early stop: seen %llu, final %llu",
          (unsigned long long)c.seen, (unsigned long long)s.fin.step);
    CHECK(memcmp(s.W, a.W, sizeof(double) * k * d) == 0 &&
          memcmp(&s.fin, &a.fin, sizeof s.fin) == 0, "early stop at 7 != 7 steps");
    run_free(&a); run_free(&s);
    problem_free(&P);
}

static void span_threads_bit_identical(void)
{
    /* large enough that nrc_dgemm uses several tiles for K, P_0 and C X */
    enum { n = 40, d = 1500, k = 600 };
    nrc_train_opts o = {n, d, k, 1, 0, NRC_LOSS_LOGISTIC, NRC_SCHEDULE_NORMALIZED, 0.1, 20};
    problem P;
    run_out r[3];
    nrc_error err;
    size_t tr, tc;
    REQUIRE(problem_make(&P, NRC_DATA_SPHERE, n, d, k, 0, 0.01, tl_seed()), "out of memory");
    nrc_blas_partition(k, d, n, &tr, &tc);
    for (int t = 0; t < 3; t++) {
        nrc_blas_set_threads(t + 1);
        REQUIRE(run_mode(&P, &o, 1, NULL, NULL, &r[t], &err) && r[t].st == NRC_OK, "%s", err.msg);
    }
    nrc_blas_set_threads(1);
    for (int t = 1; t < 3; t++)
        CHECK(memcmp(r[t].W, r[0].W, sizeof(double) * k * d) == 0 &&
              memcmp(r[t].v, r[0].v, sizeof(double) * k) == 0 &&
              memcmp(r[t].b, r[0].b, sizeof(double) * k) == 0 &&
              memcmp(&r[t].fin, &r[0].fin, sizeof r[0].fin) == 0,
              "%d threads differ from 1 (C X tiles %zux%zu)", t + 1, tr, tc);
    for (int t = 0; t < 3; t++)
        run_free(&r[t]);
    problem_free(&P);
}

static void span_divergence_and_allocation_failures(void)
{
    enum { n = 6, d = 30, k = 4 };
    nrc_train_opts o = {n, d, k, 1, 0, NRC_LOSS_EXP, NRC_SCHEDULE_CONSTANT, 1e200, 5};
    problem P;
    run_out r;
    nrc_error err;
    int failures = 0;
    REQUIRE(problem_make(&P, NRC_DATA_GAUSSIAN, n, d, k, 0, 0.5, tl_seed()), "out of memory");
    REQUIRE(run_mode(&P, &o, 1, NULL, NULL, &r, &err), "out of memory");
    CHECK(r.st == NRC_ERR_USAGE && strstr(err.msg, "diverged"), "divergence: status %d %s",
          (int)r.st, r.st ? err.msg : "");
    run_free(&r);
    o.lr = 0.1;
    o.schedule = NRC_SCHEDULE_NORMALIZED;
    for (unsigned long fail = 1; fail < 40; fail++) {
        double W[k * d], b[k], v[k];
        nrc_train_progress fin;
        nrc_status st;
        memcpy(W, P.W0, sizeof W); memcpy(b, P.b0, sizeof b); memcpy(v, P.v0, sizeof v);
        nrc_alloc_fail_at(fail);
        st = nrc_span_train_run_d(&o, P.X, P.y, W, b, v, NULL, NULL, &fin, &err);
        nrc_alloc_fail_at(0);
        if (st == NRC_OK)
            break;
        failures++;
        CHECK(st == NRC_ERR_SYSTEM && strstr(err.msg, "memory"),
              "allocation %lu failing gave status %d: %s", fail, (int)st, err.msg);
        CHECK(memcmp(W, P.W0, sizeof W) == 0 && memcmp(v, P.v0, sizeof v) == 0,
              "allocation %lu failing changed the weights", fail);
    }
    CHECK(failures >= 12, "only %d allocations failed", failures);
    problem_free(&P);
}

int main(void)
{
    RUN(span_choice_by_shape);
    RUN(span_matches_direct);
    RUN(span_zero_steps_callback_and_early_stop);
    RUN(span_threads_bit_identical);
    RUN(span_divergence_and_allocation_failures);
    return tl_exit();
}
