/* The checker's pre-activations (nrc_check_net, src/check/check_exact_net.c:
 * the n k products at once by nrc_cfix_gemm, then the biases) against a
 * slow reference that shares none of its kernels: a_ij = sum_t W[j][t]
 * X[i][t] + b_j summed term by term in dyadic arithmetic (nrc_cdy_mul_d,
 * nrc_cdy_add). Models with entries of one binade, wide exponent spreads
 * (the 3- and 4-digit kernels and the pair-by-pair fallback), subnormals,
 * zeros of both signs, huge exponents and exact cancellations (a_ij = 0
 * exactly: a kink), with and without biases, in shapes that cross the
 * product's 512-term chunks, 8-column panels and 128-row blocks. The
 * margins q_i = y_i N(x_i) are compared too (they read A). */
#include <math.h>
#include <string.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_check_quant.h"

static uint64_t rng_state = 0x6e72632d6e6574;
static uint64_t rnd(void) { return tl_splitmix64(&rng_state); }
static double unit(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

static double entry(int pattern)
{
    double s = rnd() & 1 ? -1.0 : 1.0, m = 0.5 + 0.5 * unit();
    switch (pattern) {
    case 0: return s * m;                                              /* one binade */
    case 1: return s * ldexp(m, (int)(rnd() % 41) - 20);                /* 4 digits */
    case 2: return s * ldexp(m, (int)(rnd() % 301) - 150);              /* pairs */
    case 3: return rnd() % 3 ? s * ldexp((double)(rnd() % 1000), -1074) : s * 0x1p-1022;
    case 4: return rnd() % 4 ? (rnd() & 1 ? -0.0 : 0.0) : s;
    default: return s * ldexp(m, 1000 - (int)(rnd() % 15));            /* huge */
    }
}

/* a = sum_t w_t x_t + b term by term (the slow reference). */
static void ref_preact(nrc_cdy *a, const double *w, const double *x, size_t d, const double *b)
{
    nrc_cdy p;
    size_t t;
    nrc_cdy_init(&p);
    nrc_cdy_set_si(a, 0);
    for (t = 0; t < d; t++) {
        nrc_cdy_set_d(&p, w[t]);
        nrc_cdy_mul_d(&p, &p, x[t]);
        nrc_cdy_add(a, a, &p);
    }
    if (b)
        nrc_cdy_add_d(a, a, *b);
    nrc_cdy_clear(&p);
}

/* One model; pattern of X and of W; cancel (d even): row 0 of W is orthogonal to
 * every x_i exactly (w_0 pairs (u, -u) against x's equal pairs). */
static void one_model(size_t n, size_t d, size_t k, int px, int pw, int bias, int cancel)
{
    double *X = nrc_malloc_array(n * d, sizeof(double)), *W = nrc_malloc_array(k * d, sizeof(double));
    double *b = nrc_malloc_array(k, sizeof(double)), *v = nrc_malloc_array(k, sizeof(double));
    double *y = nrc_malloc_array(n, sizeof(double));
    nrc_cnet N = {0};
    nrc_cert_view V = {0};
    nrc_check_ws w;
    nrc_error err;
    nrc_cdy r, q, tmp;
    size_t i, j, t, bad = 0, zeros = 0;
    REQUIRE(X && W && b && v && y, "allocation");
    for (i = 0; i < n * d; i++)
        X[i] = entry(px);
    for (i = 0; i < k * d; i++)
        W[i] = entry(pw);
    if (cancel)
        for (i = 0; i < n; i++)
            for (t = 0; t + 1 < d; t += 2) {
                X[i * d + t + 1] = X[i * d + t];
                W[t + 1] = -W[t];
            }
    for (j = 0; j < k; j++) {
        b[j] = entry(0);
        v[j] = entry(0);
    }
    for (i = 0; i < n; i++)
        y[i] = rnd() & 1 ? 1.0 : -1.0;
    N.n = n, N.d = d, N.k = k, N.m = 0;
    N.W = W, N.b = bias ? b : NULL, N.v = v, N.X = X, N.y = y, N.Xt = NULL;
    V.dir_all = 1;
    REQUIRE(nrc_check_ws_alloc(&w, n, d, k, 0, &err) == NRC_OK, "workspace: %s", err.msg);
    REQUIRE(nrc_check_rows(N, w, &err) == NRC_OK, "rows: %s", err.msg);
    REQUIRE(nrc_check_net(V, N, w, &err) == NRC_OK, "net: %s", err.msg);
    nrc_cdy_init(&r);
    nrc_cdy_init(&q);
    nrc_cdy_init(&tmp);
    for (i = 0; i < n && !bad; i++) {
        nrc_cdy_set_si(&q, 0);
        for (j = 0; j < k && !bad; j++) {
            ref_preact(&r, W + j * d, X + i * d, d, bias ? &b[j] : NULL);
            if (nrc_cdy_cmp(&w.A[i * k + j], &r) != 0) {
                CHECK(0, "n %zu d %zu k %zu patterns %d/%d bias %d: a[%zu][%zu] = %a, reference %a",
                      n, d, k, px, pw, bias, i, j, nrc_cdy_get_d_approx(&w.A[i * k + j]),
                      nrc_cdy_get_d_approx(&r));
                bad = 1;
            }
            zeros += nrc_cdy_sgn(&r) == 0;
            if (nrc_cdy_sgn(&r) > 0) {
                nrc_cdy_mul_d(&tmp, &r, v[j]);
                nrc_cdy_add(&q, &q, &tmp);
            }
        }
        if (y[i] < 0)
            nrc_cdy_neg(&q, &q);
        if (!bad && nrc_cdy_cmp(&w.q[i], &q) != 0) {
            CHECK(0, "n %zu d %zu k %zu: margin q[%zu] differs from the reference", n, d, k, i);
            bad = 1;
        }
    }
    if (cancel && !bias)
        CHECK(zeros >= n, "the cancellation pattern gave %zu exact zeros, want >= %zu", zeros, n);
    nrc_cdy_clear(&r);
    nrc_cdy_clear(&q);
    nrc_cdy_clear(&tmp);
    nrc_check_ws_free(w, n, d, k, 0);
    nrc_free(X);
    nrc_free(W);
    nrc_free(b);
    nrc_free(v);
    nrc_free(y);
}

/* Every pattern pair, small shapes, with and without biases. */
static void preacts_every_pattern(void)
{
    int px, pw;
    for (px = 0; px < 6; px++)
        for (pw = 0; pw < 6; pw++) {
            one_model(3, 7, 5, px, pw, 0, 0);
            one_model(2, 9, 9, px, pw, 1, 0);
        }
}

/* Exact zeros (kinks) from cancellation, with and without biases. */
static void preacts_exact_cancellation(void)
{
    one_model(4, 40, 3, 0, 0, 0, 1);
    one_model(4, 42, 3, 1, 1, 0, 1);
    one_model(3, 40, 3, 0, 1, 1, 1);
}

/* Shapes across the product's blocks: 512-term chunks, 8-column panels,
 * 128-row blocks. */
static void preacts_across_blocks(void)
{
    one_model(130, 513, 9, 0, 1, 1, 0);
    one_model(17, 1030, 17, 1, 0, 0, 0);
    one_model(9, 600, 12, 2, 0, 1, 0);   /* the pair-by-pair fallback */
}

int main(void)
{
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    RUN(preacts_every_pattern);
    RUN(preacts_exact_cancellation);
    RUN(preacts_across_blocks);
    return tl_exit();
}
