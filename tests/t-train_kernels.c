/* Trainer kernels (src/train/{forward,loss,gradient,update}.c):
 * - gradients against central finite differences of L(theta) = sum_i l(q_i)
 *   on small random networks: with and without biases, both losses, fixed
 *   second layer;
 * - fast kernels against their naive references, |a - b| <= atol + rtol |ref|;
 * - losses and gradient weights finite and right for huge and tiny margins
 *   (the normalized schedule keeps moving when L underflows). */
#include <math.h>
#include <string.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_data.h"
#include "nrc_rng.h"
#include "nrc_train.h"

typedef struct {
    size_t n, d, k;
    double *X, *y, *W, *b, *v;
    double *A, *R, *N, *q, *r, *M, *gW, *gb, *gv;
    double *A2, *R2, *N2, *q2, *gW2, *gb2, *gv2;
} net;

static int net_alloc(net *t, size_t n, size_t d, size_t k)
{
    double **p[] = {&t->X, &t->y, &t->W, &t->b, &t->v, &t->A, &t->R, &t->N,
                    &t->q, &t->r, &t->M, &t->gW, &t->gb, &t->gv, &t->A2, &t->R2,
                    &t->N2, &t->q2, &t->gW2, &t->gb2, &t->gv2};
    size_t len[] = {n * d, n, k * d, k, k, n * k, n * k, n, n, n, n * k, k * d,
                    k, k, n * k, n * k, n, n, k * d, k, k};
    int ok = 1;
    t->n = n; t->d = d; t->k = k;
    for (size_t i = 0; i < sizeof len / sizeof len[0]; i++) {
        *p[i] = nrc_malloc_array(len[i], sizeof(double));
        ok = ok && *p[i];
    }
    return ok;
}

static void net_free(net *t)
{
    double *p[] = {t->X, t->y, t->W, t->b, t->v, t->A, t->R, t->N, t->q, t->r,
                   t->M, t->gW, t->gb, t->gv, t->A2, t->R2, t->N2, t->q2, t->gW2,
                   t->gb2, t->gv2};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        nrc_free(p[i]);
}

static void net_random(net *t, nrc_rng *g, double wscale)
{
    nrc_data_generate(NRC_DATA_GAUSSIAN, NRC_LABELS_RANDOM, t->n, t->d,
                      nrc_rng_next(g), 1, t->X, t->y);
    for (size_t i = 0; i < t->k * t->d; i++)
        t->W[i] = wscale * nrc_rng_normal_d(g);
    for (size_t j = 0; j < t->k; j++) {
        t->b[j] = wscale * nrc_rng_normal_d(g);
        t->v[j] = nrc_rng_normal_d(g);
    }
}

/* Total loss via the reference forward and the stable pointwise loss. */
static double net_loss(net *t, nrc_loss_kind loss, int bias)
{
    double L = 0.0;
    nrc_train_forward_ref_d(t->n, t->d, t->k, t->X, t->y, t->W, bias ? t->b : NULL,
                            t->v, t->A2, t->R2, t->N2, t->q2);
    for (size_t i = 0; i < t->n; i++)
        L += nrc_train_loss_point_d(loss, t->q2[i]);
    return L;
}

/* min_ij |a_ij| / scale: finite differences are only meaningful away from
 * the ReLU kinks. */
static double net_kink_distance(net *t, int bias)
{
    double m = INFINITY;
    nrc_train_forward_ref_d(t->n, t->d, t->k, t->X, t->y, t->W, bias ? t->b : NULL,
                            t->v, t->A2, t->R2, t->N2, t->q2);
    for (size_t i = 0; i < t->n * t->k; i++)
        if (fabs(t->A2[i]) < m)
            m = fabs(t->A2[i]);
    return m;
}

static int fd_check(double *param, size_t len, const double *grad, net *t,
                    nrc_loss_kind loss, int bias, const char *what, int cfg)
{
    for (size_t i = 0; i < len; i++) {
        double old = param[i], h = 1e-6 * (fabs(old) > 1.0 ? fabs(old) : 1.0);
        double lp, lm, fd;
        param[i] = old + h;
        lp = net_loss(t, loss, bias);
        param[i] = old - h;
        lm = net_loss(t, loss, bias);
        param[i] = old;
        fd = (lp - lm) / (2.0 * h);
        if (!(fabs(grad[i] - fd) <= 1e-6 * (1.0 + fabs(fd)))) {
            CHECK(0, "config %d: d L / d %s[%zu] = %.12g, finite difference %.12g",
                  cfg, what, i, grad[i], fd);
            return 0;
        }
    }
    return 1;
}

static void train_gradient_finite_differences(void)
{
    nrc_rng g;
    long iters = 24 * tl_mult();
    int checked = 0;
    nrc_rng_init(&g, tl_seed(), 201);
    for (long it = 0; it < iters; it++) {
        int bias = it & 1, fix_v = (it >> 1) & 1;
        nrc_loss_kind loss = (it >> 2) & 1 ? NRC_LOSS_EXP : NRC_LOSS_LOGISTIC;
        size_t n = 2 + (size_t)nrc_rng_below(&g, 6), d = 1 + (size_t)nrc_rng_below(&g, 6),
               k = 1 + (size_t)nrc_rng_below(&g, 5);
        net t;
        nrc_train_loss_info li;
        REQUIRE(net_alloc(&t, n, d, k), "allocation");
        net_random(&t, &g, 0.7);
        if (net_kink_distance(&t, bias) < 1e-3) {
            net_free(&t);
            continue;
        }
        nrc_train_forward_d(n, d, k, t.X, t.y, t.W, bias ? t.b : NULL, t.v, t.A, t.R,
                            t.N, t.q);
        nrc_train_loss_d(loss, 0, n, t.y, t.q, t.r, &li);
        nrc_train_gradient_d(n, d, k, t.X, t.A, t.R, t.v, t.r, t.M, t.gW,
                             bias ? t.gb : NULL, fix_v ? NULL : t.gv);
        int ok = fd_check(t.W, k * d, t.gW, &t, loss, bias, "W", (int)it);
        if (ok && bias)
            ok = fd_check(t.b, k, t.gb, &t, loss, bias, "b", (int)it);
        if (ok && !fix_v)
            ok = fd_check(t.v, k, t.gv, &t, loss, bias, "v", (int)it);
        if (ok)
            checked++;
        net_free(&t);
        if (!ok)
            return;
    }
    CHECK(checked >= iters / 2, "only %d of %ld networks were away from kinks",
          checked, iters);
}

static int close_arr(size_t len, const double *a, const double *ref, double atol,
                     double rtol, const char *what)
{
    for (size_t i = 0; i < len; i++)
        if (!(fabs(a[i] - ref[i]) <= atol + rtol * fabs(ref[i]))) {
            CHECK(0, "%s[%zu] = %.17g, reference %.17g", what, i, a[i], ref[i]);
            return 0;
        }
    return 1;
}

static void train_kernels_match_reference(void)
{
    nrc_rng g;
    long iters = 20 * tl_mult();
    nrc_rng_init(&g, tl_seed(), 202);
    for (long it = 0; it < iters; it++) {
        size_t n = 1 + (size_t)nrc_rng_below(&g, 40), d = 1 + (size_t)nrc_rng_below(&g, 300),
               k = 1 + (size_t)nrc_rng_below(&g, 40);
        int bias = it & 1;
        net t;
        nrc_train_loss_info li, lr;
        REQUIRE(net_alloc(&t, n, d, k), "allocation");
        net_random(&t, &g, 0.3);
        nrc_blas_set_threads(1 + (int)(it % 3));
        nrc_train_forward_d(n, d, k, t.X, t.y, t.W, bias ? t.b : NULL, t.v, t.A, t.R,
                            t.N, t.q);
        nrc_train_forward_ref_d(n, d, k, t.X, t.y, t.W, bias ? t.b : NULL, t.v, t.A2,
                                t.R2, t.N2, t.q2);
        /* ||x_i|| ||w_j|| ~ sqrt(d) * 0.3 sqrt(d): atol relative to that */
        int ok = close_arr(n * k, t.A, t.A2, 1e-13 * (double)d, 1e-12, "A") &&
                 close_arr(n, t.N, t.N2, 1e-12 * (double)(d * k), 1e-12, "N");
        /* Gradient kernels on the same (reference) forward buffers. */
        for (int norm = 0; ok && norm <= 1; norm++) {
            nrc_train_loss_d(NRC_LOSS_LOGISTIC, norm, n, t.y, t.q2, t.r, &li);
            /* t.M (n*k >= n entries) holds the reference weights here */
            nrc_train_loss_ref_d(NRC_LOSS_LOGISTIC, norm, n, t.y, t.q2, t.M, &lr);
            ok = close_arr(n, t.r, t.M, 1e-300, 1e-13, "r") &&
                 close_arr(1, &li.loss, &lr.loss, 0.0, 1e-13, "loss");
        }
        if (ok) {
            nrc_train_gradient_d(n, d, k, t.X, t.A2, t.R2, t.v, t.r, t.M, t.gW,
                                 bias ? t.gb : NULL, t.gv);
            nrc_train_gradient_ref_d(n, d, k, t.X, t.A2, t.R2, t.v, t.r, t.gW2,
                                     bias ? t.gb2 : NULL, t.gv2);
            ok = close_arr(k * d, t.gW, t.gW2, 1e-14 * (double)n, 1e-12, "gW") &&
                 close_arr(k, t.gv, t.gv2, 1e-13 * (double)(n * d), 1e-12, "gv") &&
                 (!bias || close_arr(k, t.gb, t.gb2, 1e-14 * (double)n, 1e-12, "gb"));
        }
        net_free(&t);
        if (!ok) {
            CHECK(0, "n=%zu d=%zu k=%zu bias=%d", n, d, k, bias);
            break;
        }
    }
    nrc_blas_set_threads(1);
}

/* l(q) and the gradient weights across the whole range of margins. */
static void train_loss_stable(void)
{
    static const double qs[] = {-1e6, -800.0, -40.0, -1.0, 0.0, 1e-300, 1.0, 40.0,
                                700.0, 745.0, 800.0, 1e6};
    double y[2] = {1.0, -1.0}, q[2], r[2];
    nrc_train_loss_info li;
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        double lg = nrc_train_loss_point_d(NRC_LOSS_LOGISTIC, qs[i]);
        double ll = nrc_train_log_loss_point_d(NRC_LOSS_LOGISTIC, qs[i]);
        double le = nrc_train_log_loss_point_d(NRC_LOSS_EXP, qs[i]);
        CHECK(isfinite(lg) && lg >= 0.0, "logistic l(%g) = %g", qs[i], lg);
        CHECK(isfinite(ll) && isfinite(le), "log l(%g): %g %g", qs[i], ll, le);
        if (qs[i] < -40.0)
            CHECK(lg == -qs[i], "logistic l(%g) = %.17g, expected -q", qs[i], lg);
        if (qs[i] >= 40.0 && qs[i] <= 700.0)
            CHECK(fabs(ll + qs[i]) <= 1e-15 * qs[i], "log l(%g) = %.17g", qs[i], ll);
        if (qs[i] > 700.0)
            CHECK(ll == -qs[i], "log l(%g) = %.17g", qs[i], ll);
    }
    CHECK(nrc_train_loss_point_d(NRC_LOSS_LOGISTIC, 0.0) == log(2.0), "l(0) != log 2");
    /* Margins 1000 and 1001: L underflows to 0 but the normalized weights are
     * the softmax -e^-q_i / sum e^-q_l = -1/(1+e^-1), -e^-1/(1+e^-1). */
    for (int loss = 0; loss <= 1; loss++) {
        q[0] = 1000.0; q[1] = 1001.0;
        nrc_train_loss_d((nrc_loss_kind)loss, 1, 2, y, q, r, &li);
        CHECK(li.loss == 0.0 && isfinite(li.log_loss), "loss %d: L = %g, log L = %g",
              loss, li.loss, li.log_loss);
        /* log L = -1000 + log(1 + e^-1) carries an absolute rounding error
         * of ulp(1000) ~ 1.1e-13, hence the tolerance. */
        CHECK(fabs(r[0] + 1.0 / (1.0 + exp(-1.0))) <= 4e-13 &&
              fabs(r[1] - exp(-1.0) / (1.0 + exp(-1.0))) <= 4e-13,
              "loss %d: normalized weights at huge margins %.17g %.17g", loss, r[0], r[1]);
        CHECK(li.q_min == 1000.0 && li.i_min == 0, "q_min %g", li.q_min);
        /* Very negative margins: finite weights; logistic l' -> -1. */
        q[0] = -1e6; q[1] = -2e6;
        nrc_train_loss_d((nrc_loss_kind)loss, 1, 2, y, q, r, &li);
        CHECK(isfinite(li.log_loss) && isfinite(r[0]) && isfinite(r[1]),
              "loss %d at q = -1e6: log L %g, r %g %g", loss, li.log_loss, r[0], r[1]);
        CHECK(fabs(r[0]) + fabs(r[1]) <= 1.0 + 1e-15, "loss %d: sum |r| > 1", loss);
    }
    q[0] = -1e6; q[1] = 3.0;
    nrc_train_loss_d(NRC_LOSS_LOGISTIC, 0, 2, y, q, r, &li);
    CHECK(r[0] == -1.0 && fabs(r[1] - 1.0 / (1.0 + exp(3.0))) <= 1e-16,
          "constant-schedule logistic weights %.17g %.17g", r[0], r[1]);
}

/* Normalized schedule: r = l'(q) y / (L max(1, log 1/L)); constant: l'(q) y. */
static void train_loss_schedules(void)
{
    double y[3] = {1.0, -1.0, 1.0}, q[3] = {2.0, 5.0, 9.0}, r0[3], r1[3], r2[3];
    nrc_train_loss_info li;
    nrc_train_loss_d(NRC_LOSS_LOGISTIC, 0, 3, y, q, r0, &li);
    nrc_train_loss_d(NRC_LOSS_LOGISTIC, 1, 3, y, q, r1, &li);
    nrc_train_loss_d(NRC_LOSS_LOGISTIC, 2, 3, y, q, r2, &li);
    for (int i = 0; i < 3; i++) {
        double L = li.loss;
        CHECK(fabs(r1[i] - r0[i] / L) <= 1e-14 * fabs(r1[i]), "r/L %d", i);
        CHECK(fabs(r2[i] - r0[i] / (L * log(1.0 / L))) <= 1e-14 * fabs(r2[i]),
              "r/(L log 1/L) %d: %.17g vs %.17g", i, r2[i], r0[i] / (L * log(1.0 / L)));
    }
}

static void train_update_and_norm(void)
{
    double W[6] = {1, 2, 3, 4, 5, 6}, g[6] = {1, 1, 1, 1, 1, 1};
    double b[2] = {1, 1}, v[2] = {2, -2}, gb[2] = {4, 4}, gv[2] = {8, -8};
    nrc_train_update_d(3, 2, 0.5, g, gb, gv, W, b, v);
    CHECK(W[0] == 0.5 && W[5] == 5.5 && b[1] == -1.0 && v[0] == -2.0 && v[1] == 2.0,
          "update values");
    nrc_train_update_d(3, 2, 0.5, g, NULL, NULL, W, b, v);
    CHECK(W[0] == 0.0 && b[1] == -1.0 && v[0] == -2.0, "NULL gradients leave b, v");
    CHECK(nrc_train_sqnorm_d(3, 2, W, b, v) ==
          0 + 1 + 4 + 9 + 16 + 25 + (1 + 1) + (4 + 4), "sqnorm %g",
          nrc_train_sqnorm_d(3, 2, W, b, v));
}

/* The order of nrc_train_sqnorm_d's sum (update_sumsq: four interleaved
 * partial sums over blocks of four, the tail into the first, then
 * (s0 + s1) + (s2 + s3)), bit for bit, for every length around the block
 * boundaries: the loop test is len - t >= 4 (no wrap of t + 4). */
static void train_sqnorm_order(void)
{
    double x[13];
    for (int t = 0; t < 13; t++)
        x[t] = 1.0 / (3.0 + t) + (t % 2 ? 1e-9 : 1e9) / (7.0 + t);
    for (size_t len = 0; len <= 13; len++) {
        double s[4] = {0.0, 0.0, 0.0, 0.0}, want;
        size_t t = 0;
        for (; t + 4 <= len; t += 4)
            for (int c = 0; c < 4; c++)
                s[c] += x[t + c] * x[t + c];
        for (; t < len; t++)
            s[0] += x[t] * x[t];
        want = (s[0] + s[1]) + (s[2] + s[3]);
        CHECK(nrc_train_sqnorm_d(len, 1, x, NULL, NULL) == want,
              "sqnorm order len %zu", len);
        CHECK(nrc_train_sqnorm_d(0, len, NULL, x, NULL) == want &&
              nrc_train_sqnorm_d(0, len, NULL, NULL, x) == want,
              "sqnorm of b, v len %zu", len);
    }
}

/* The kernels before the loops were split and the norm fused into the
 * update (one loop per row with the select inside; update, then a second
 * pass for the norm), kept here to show that the new ones give the same
 * bits: the models a given mode writes do not change. */
static void old_gradient_terms(size_t n, size_t k, const double *A, const double *R,
                               const double *v, const double *r, double *M,
                               double *gb, double *gv)
{
    if (gv)
        for (size_t j = 0; j < k; j++)
            gv[j] = 0.0;
    if (gb)
        for (size_t j = 0; j < k; j++)
            gb[j] = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++) {
            double mij = A[i * k + j] > 0.0 ? r[i] * v[j] : 0.0;
            M[i * k + j] = mij;
            if (gv)
                gv[j] += R[i * k + j] * r[i];
            if (gb)
                gb[j] += mij;
        }
}

static void train_split_kernels_same_bits(void)
{
    uint64_t st = tl_seed() ^ 0x5157;
    long iters = 40 * tl_mult();
    for (long it = 0; it < iters; it++) {
        size_t n = 1 + tl_splitmix64(&st) % 23, k = 1 + tl_splitmix64(&st) % 29;
        size_t d = tl_splitmix64(&st) % 17;
        int with_b = (int)(it & 1), with_v = (int)((it >> 1) & 1);
        double *A = nrc_malloc_array(n * k, sizeof(double)), *R = nrc_malloc_array(n * k, sizeof(double));
        double *M1 = nrc_malloc_array(n * k, sizeof(double)), *M2 = nrc_malloc_array(n * k, sizeof(double));
        double *v = nrc_malloc_array(k, sizeof(double)), *r = nrc_malloc_array(n, sizeof(double));
        double gb1[29], gb2[29], gv1[29], gv2[29], b1[29], b2[29], v1[29], v2[29];
        double *W1 = nrc_malloc_array(k * d + 1, sizeof(double)), *W2 = nrc_malloc_array(k * d + 1, sizeof(double));
        double *gW = nrc_malloc_array(k * d + 1, sizeof(double)), norm1, norm2;
        REQUIRE(A && R && M1 && M2 && v && r && W1 && W2 && gW, "allocation");
        for (size_t t = 0; t < n * k; t++) {
            /* random signs, exact zeros of both signs, and a NaN now and then */
            uint64_t u = tl_splitmix64(&st);
            A[t] = u % 11 == 0 ? 0.0 : u % 11 == 1 ? -0.0 : u % 97 == 2 ? NAN :
                   ((double)(u >> 11) / 9007199254740992.0 - 0.5) * 3.0;
            R[t] = A[t] > 0.0 ? A[t] : 0.0;
        }
        for (size_t j = 0; j < k; j++) {
            v[j] = ((double)(tl_splitmix64(&st) >> 11) / 9007199254740992.0 - 0.5) * 2.0;
            b1[j] = b2[j] = v[j] * 0.25;
            v1[j] = v2[j] = v[j];
        }
        for (size_t i = 0; i < n; i++)
            r[i] = ((double)(tl_splitmix64(&st) >> 11) / 9007199254740992.0 - 0.5) / 7.0;
        old_gradient_terms(n, k, A, R, v, r, M1, with_b ? gb1 : NULL, with_v ? gv1 : NULL);
        nrc_train_gradient_terms_d(n, k, A, R, v, r, M2, with_b ? gb2 : NULL, with_v ? gv2 : NULL);
        CHECK(memcmp(M1, M2, n * k * sizeof(double)) == 0 &&
              (!with_b || memcmp(gb1, gb2, k * sizeof(double)) == 0) &&
              (!with_v || memcmp(gv1, gv2, k * sizeof(double)) == 0),
              "gradient terms differ from the one-loop kernel: n=%zu k=%zu b=%d v=%d",
              n, k, with_b, with_v);
        /* update + norm in one pass = update, then nrc_train_sqnorm_d */
        for (size_t t = 0; t < k * d; t++) {
            W1[t] = W2[t] = ((double)(tl_splitmix64(&st) >> 11) / 9007199254740992.0 - 0.5) *
                            (t % 3 ? 1.0 : 1e-9);
            gW[t] = ((double)(tl_splitmix64(&st) >> 11) / 9007199254740992.0 - 0.5) * 1e3;
        }
        nrc_train_update_d(d, k, 0.0625, gW, with_b ? gb1 : NULL, with_v ? gv1 : NULL, W1,
                           with_b ? b1 : NULL, v1);
        norm1 = nrc_train_sqnorm_d(d, k, W1, with_b ? b1 : NULL, NULL);
        norm2 = nrc_train_update_sqnorm_d(d, k, 0.0625, gW, with_b ? gb2 : NULL,
                                          with_v ? gv2 : NULL, W2, with_b ? b2 : NULL, v2);
        CHECK(memcmp(&norm1, &norm2, sizeof norm1) == 0 &&
              memcmp(W1, W2, k * d * sizeof(double)) == 0 &&
              memcmp(b1, b2, k * sizeof(double)) == 0 && memcmp(v1, v2, k * sizeof(double)) == 0,
              "update + norm differs from update then sqnorm: k=%zu d=%zu (%.17g vs %.17g)",
              k, d, norm1, norm2);
        nrc_free(A); nrc_free(R); nrc_free(M1); nrc_free(M2); nrc_free(v); nrc_free(r);
        nrc_free(W1); nrc_free(W2); nrc_free(gW);
    }
}

int main(void)
{
    RUN(train_gradient_finite_differences);
    RUN(train_kernels_match_reference);
    RUN(train_loss_stable);
    RUN(train_loss_schedules);
    RUN(train_update_and_norm);
    RUN(train_sqnorm_order);
    RUN(train_split_kernels_same_bits);
    return tl_exit();
}
