/* The gradient-descent driver (src/train/train.c, nrc_train_run_d):
 * - steps = 0 returns the initial statistics and leaves the weights alone;
 * - the callback sees steps 0..S in order and can stop early;
 * - final statistics describe the returned weights (recomputed here);
 * - one step equals forward + loss + gradient + update done by hand;
 * - fixed v is never changed; b only moves with bias;
 * - divergence is an error (NRC_ERR_USAGE) naming the step;
 * - a trained default-like run fits the data and its normalized margin
 *   grows (MATH.md section 3). */
#include <math.h>
#include <string.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_data.h"
#include "nrc_rng.h"
#include "nrc_train.h"

enum { N = 10, D = 60, K = 8 };
static double X[N * D], y[N], W[K * D], W0[K * D], b[K], v[K], v0[K];

static void setup(int fix_v, double scale)
{
    nrc_data_generate(NRC_DATA_SPHERE, NRC_LABELS_BALANCED, N, D, 4, NRC_RNG_STREAM_TRAIN, X, y);
    nrc_train_init_d(D, K, scale, fix_v, 4, W, b, v);
    memcpy(W0, W, sizeof W);
    memcpy(v0, v, sizeof v);
}

typedef struct { uint64_t seen, stop_at; int order_ok; double last_nm; } cbst;

static int cb(const nrc_train_progress *p, void *ctx)
{
    cbst *c = ctx;
    if (p->step != c->seen)
        c->order_ok = 0;
    c->seen++;
    c->last_nm = p->norm_margin;
    return p->step == c->stop_at;
}

static void driver_zero_steps_and_early_stop(void)
{
    nrc_train_opts o = {N, D, K, 0, 0, NRC_LOSS_LOGISTIC, NRC_SCHEDULE_NORMALIZED, 0.1, 0};
    nrc_train_progress fin;
    nrc_error err;
    cbst c = {0, 1000, 1, 0};
    setup(0, 0.1);
    REQUIRE(nrc_train_run_d(&o, X, y, W, NULL, v, cb, &c, &fin, &err) == NRC_OK, "%s", err.msg);
    CHECK(memcmp(W, W0, sizeof W) == 0 && memcmp(v, v0, sizeof v) == 0, "0 steps moved the weights");
    CHECK(fin.step == 0 && c.seen == 1, "0 steps: final step %llu, callbacks %llu",
          (unsigned long long)fin.step, (unsigned long long)c.seen);
    CHECK(fabs(fin.theta_sq - nrc_train_sqnorm_d(D, K, W, NULL, v)) <= 1e-15 * fin.theta_sq,
          "theta_sq");
    o.steps = 50;
    c = (cbst){0, 7, 1, 0};
    REQUIRE(nrc_train_run_d(&o, X, y, W, NULL, v, cb, &c, &fin, &err) == NRC_OK, "%s", err.msg);
    CHECK(c.order_ok && c.seen == 8 && fin.step == 7, "early stop at 7: seen %llu, final %llu",
          (unsigned long long)c.seen, (unsigned long long)fin.step);
}

static void driver_one_step_by_hand(void)
{
    for (int variant = 0; variant < 4; variant++) {
        int bias = variant & 1, fix_v = variant >> 1;
        nrc_train_opts o = {N, D, K, bias, fix_v, NRC_LOSS_EXP, NRC_SCHEDULE_CONSTANT, 0.01, 1};
        nrc_train_progress fin;
        nrc_train_loss_info li;
        nrc_error err;
        static double A[N * K], R[N * K], M[N * K], Nv[N], q[N], r[N], gW[K * D], gb[K], gv[K];
        double Wh[K * D], bh[K], vh[K];
        setup(fix_v, 0.3);
        for (int j = 0; j < K; j++)
            b[j] = 0.01 * (j - 3);
        memcpy(Wh, W, sizeof W); memcpy(bh, b, sizeof b); memcpy(vh, v, sizeof v);
        nrc_train_forward_d(N, D, K, X, y, Wh, bias ? bh : NULL, vh, A, R, Nv, q);
        nrc_train_loss_d(NRC_LOSS_EXP, 0, N, y, q, r, &li);
        nrc_train_gradient_d(N, D, K, X, A, R, vh, r, M, gW, bias ? gb : NULL, fix_v ? NULL : gv);
        nrc_train_update_d(D, K, 0.01, gW, bias ? gb : NULL, fix_v ? NULL : gv, Wh,
                           bias ? bh : NULL, vh);
        REQUIRE(nrc_train_run_d(&o, X, y, W, b, v, NULL, NULL, &fin, &err) == NRC_OK, "%s", err.msg);
        CHECK(memcmp(W, Wh, sizeof W) == 0 && memcmp(b, bh, sizeof b) == 0 &&
              memcmp(v, vh, sizeof v) == 0, "variant %d: driver step differs from the kernels", variant);
        if (fix_v)
            CHECK(memcmp(v, v0, sizeof v) == 0, "fixed v moved");
        if (!bias)
            for (int j = 0; j < K; j++)
                CHECK(b[j] == 0.01 * (j - 3), "b moved without --bias");
        /* final statistics are those of the returned weights */
        nrc_train_forward_d(N, D, K, X, y, W, bias ? b : NULL, v, A, R, Nv, q);
        nrc_train_loss_d(NRC_LOSS_EXP, 0, N, y, q, r, &li);
        CHECK(fin.q_min == li.q_min && fin.loss == li.loss && fin.step == 1,
              "variant %d: final stats %.17g %.17g vs %.17g %.17g", variant, fin.q_min,
              fin.loss, li.q_min, li.loss);
    }
}

static void driver_divergence_is_an_error(void)
{
    nrc_train_opts o = {N, D, K, 1, 0, NRC_LOSS_EXP, NRC_SCHEDULE_CONSTANT, 1e200, 20};
    nrc_train_progress fin;
    nrc_error err = {{0}};
    setup(0, 0.3);
    CHECK(nrc_train_run_d(&o, X, y, W, b, v, NULL, NULL, &fin, &err) == NRC_ERR_USAGE &&
          strstr(err.msg, "diverged at step"), "divergence: %s", err.msg);
}

static void driver_fits_and_margin_grows(void)
{
    nrc_train_opts o = {N, D, K, 0, 0, NRC_LOSS_LOGISTIC, NRC_SCHEDULE_NORMALIZED, 0.1, 400};
    nrc_train_progress fin, mid;
    nrc_error err;
    setup(0, 1e-2);
    o.steps = 200;
    REQUIRE(nrc_train_run_d(&o, X, y, W, NULL, v, NULL, NULL, &mid, &err) == NRC_OK, "%s", err.msg);
    REQUIRE(nrc_train_run_d(&o, X, y, W, NULL, v, NULL, NULL, &fin, &err) == NRC_OK, "%s", err.msg);
    CHECK(mid.q_min > 0 && fin.q_min > mid.q_min, "fit: q_min %g then %g", mid.q_min, fin.q_min);
    CHECK(fin.norm_margin >= mid.norm_margin, "normalized margin fell: %.17g -> %.17g",
          mid.norm_margin, fin.norm_margin);
    CHECK(fabs(fin.norm_margin - fin.q_min / fin.theta_sq) <= 1e-15 * fin.norm_margin,
          "normalized margin definition");
}

int main(void)
{
    RUN(driver_zero_steps_and_early_stop);
    RUN(driver_one_step_by_hand);
    RUN(driver_divergence_is_an_error);
    RUN(driver_fits_and_margin_grows);
    return tl_exit();
}
