/* libFuzzer harness for the certificate reader of the checker: the fuzzer's
 * bytes are a certificate, checked by nrc_check_buffers (json_loadb, the
 * strict parser nrc_cert_parse, the model reader, the exact claim checks of
 * include/check/nrc_check_cert.h) against two fixed models built in code:
 *
 *   A  n=2 d=1 k=2 m=1, no biases: w = (1, -1), v = (1, -1), so N(t) = t
 *      exactly; X = (1, -1), y = (1, -1), Xt = (0.5), yt = (1).
 *   B  n=2 d=2 k=2 m=0, biases and fixed second layer (flags 3):
 *      w_0 = (1, 0), w_1 = (0, 1), b = (0, -1), v = (1, -1);
 *      X = ((2, 0), (0, 2)), y = (1, -1); a_10 = 0 is an exact ReLU kink.
 *
 * The committed corpus (tests/fuzz/corpus/cert/) holds certificates that are
 * valid for A or for B, so mutations reach every claim check, not only the
 * hash comparison.  For every input:
 *   - each check returns NRC_OK, NRC_ERR_INPUT or NRC_ERR_SYSTEM; an input
 *     error names the certificate; a false claim names its member path;
 *   - no certificate is valid for both models (they differ in SHA-256);
 *   - ORACLE: a certificate the checker accepts for A is re-verified here
 *     with GMP rationals against the closed form of A (N(t) = t), claim by
 *     claim of spec/CERTIFICATE.md. A checker that accepts a false claim
 *     aborts the fuzzer: this is the "false certified" detector;
 *   - the input, when short, is also given to the checker's hex-float
 *     parser; an accepted string must denote exactly the returned binary64
 *     (MPFR reads it at a precision where the conversion is exact).
 * Built by tests/fuzz/fuzz.mk (NRC_FUZZ_LIBFUZZER) and included by
 * tests/t-fuzz_replay.c. */
#include <gmp.h>
#include <math.h>
#include <mpfr.h>
#include <stdint.h>
#include <string.h>
#include <jansson.h>
#include "nrc_alloc.h"
#include "nrc_check_cert.h"
#include "nrc_check_exact.h"
#include "nrc_model.h"
#include "fuzz_common.h"

#define FUZZ_CERT_NAME "fuzz.json"

/* What a check of the input against one model gave. */
enum { FUZZ_VALID = 0, FUZZ_FALSE = 1, FUZZ_BAD_INPUT = 3, FUZZ_SYSTEM = 4 };

static unsigned char *fuzz_model_buf[2];
static size_t fuzz_model_len[2];

static void fuzz_build_model(int which)
{
    nrc_model M;
    nrc_error err;
    static const char meta[] = "{\"generator\":\"tests/fuzz/fuzz_cert.c\"}";
    nrc_status st;
    nrc_model_init(&M);
    if (which == 0) {
        st = nrc_model_alloc(&M, 2, 1, 2, 1, 0, &err);
        FUZZ_ASSERT(st == NRC_OK, "model A: %s", err.msg);
        M.W[0] = 1.0; M.W[1] = -1.0;
        M.v[0] = 1.0; M.v[1] = -1.0;
        M.X[0] = 1.0; M.X[1] = -1.0;
        M.y[0] = 1.0; M.y[1] = -1.0;
        M.Xt[0] = 0.5; M.yt[0] = 1.0;
    } else {
        st = nrc_model_alloc(&M, 2, 2, 2, 0, NRC_FLAG_BIAS | NRC_FLAG_FIXED_V, &err);
        FUZZ_ASSERT(st == NRC_OK, "model B: %s", err.msg);
        M.W[0] = 1.0; M.W[1] = 0.0; M.W[2] = 0.0; M.W[3] = 1.0;
        M.b[0] = 0.0; M.b[1] = -1.0;
        M.v[0] = 1.0; M.v[1] = -1.0;
        M.X[0] = 2.0; M.X[1] = 0.0; M.X[2] = 0.0; M.X[3] = 2.0;
        M.y[0] = 1.0; M.y[1] = -1.0;
    }
    st = nrc_model_set_meta(&M, meta, sizeof meta - 1, &err);
    FUZZ_ASSERT(st == NRC_OK, "model meta: %s", err.msg);
    st = nrc_model_serialize(&M, &fuzz_model_buf[which], &fuzz_model_len[which], &err);
    FUZZ_ASSERT(st == NRC_OK, "model serialize: %s", err.msg);
    nrc_model_clear(&M);
}

/* Exact comparisons of doubles and small rationals (GMP). */
static int q_le(const mpq_t a, const mpq_t b) { return mpq_cmp(a, b) <= 0; }

/* Re-verify, exactly, every claim of a certificate the checker accepted
 * for model A.  N(t) = relu(t) - relu(-t) = t; theta = (1, -1, 1, -1). */
static void fuzz_oracle_a(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    nrc_cert C;
    nrc_error err;
    nrc_status st;
    mpq_t t, u, w, z, x, p, one;
    size_t r;
    static const double xs_train[2] = {1.0, -1.0}, xs_test[1] = {0.5};
    static const double tenth = 0x1.999999999999ap-4;

    FUZZ_ASSERT(root != NULL, "oracle: accepted certificate is not JSON");
    nrc_cert_init(&C);
    st = nrc_cert_parse(root, &C, &err);
    json_decref(root);
    FUZZ_ASSERT(st == NRC_OK, "oracle: accepted certificate does not parse: %s", err.msg);
    mpq_inits(t, u, w, z, x, p, one, NULL);
    mpq_set_ui(one, 1, 1);

    FUZZ_ASSERT(C.n == 2 && C.d == 1 && C.k == 2 && C.m == 1 && !C.bias && !C.fixed_second_layer,
                "oracle A: model sizes or flags accepted wrongly");
    /* z = sum_{l in indices} y_l x_l; y_l x_l = 1 for both points. */
    mpq_set_ui(z, C.dir_all ? 2 : (unsigned long)C.n_indices, 1);

    /* fit: q = (1, 1), q_min = 1, ||theta||^2 = 4. */
    FUZZ_ASSERT(C.min_margin[0] <= 1.0 && 1.0 <= C.min_margin[1], "oracle A: fit.min_margin");
    FUZZ_ASSERT(!C.has_theta_norm_sq || (C.theta_norm_sq[0] <= 4.0 && 4.0 <= C.theta_norm_sq[1]),
                "oracle A: fit.theta_norm_sq");
    mpq_set_d(t, C.normalized_margin[0]);
    mpq_set_d(u, C.normalized_margin[1]);
    mpq_set_ui(w, 1, 4);
    FUZZ_ASSERT(q_le(t, w) && q_le(w, u), "oracle A: fit.normalized_margin does not contain 1/4");

    /* data: ||x_i||^2 = 1, rho = 1, eps_data = 1, gamma_z = z, <z,z> = z^2. */
    FUZZ_ASSERT(C.R_min_sq[0] <= 1.0 && 1.0 <= C.R_min_sq[1], "oracle A: data.R_min_sq");
    FUZZ_ASSERT(C.R_max_sq[0] <= 1.0 && 1.0 <= C.R_max_sq[1], "oracle A: data.R_max_sq");
    FUZZ_ASSERT(C.rho[0] <= 1.0 && 1.0 <= C.rho[1], "oracle A: data.rho");
    FUZZ_ASSERT(C.eps_data[0] <= 1.0 && 1.0 <= C.eps_data[1], "oracle A: data.eps_data");
    mpq_set_d(t, C.gamma_z[0]);
    mpq_set_d(u, C.gamma_z[1]);
    FUZZ_ASSERT(q_le(t, z) && q_le(z, u), "oracle A: data.gamma_z does not contain z");
    mpq_mul(w, z, z);
    mpq_set_d(t, C.z_norm_sq[0]);
    mpq_set_d(u, C.z_norm_sq[1]);
    FUZZ_ASSERT(q_le(t, w) && q_le(w, u), "oracle A: data.z_norm_sq does not contain <z,z>");
    FUZZ_ASSERT(C.n_pos == 1 && C.n_neg == 1, "oracle A: data.n_pos / n_neg");
    FUZZ_ASSERT(C.regime == (C.eps_data[1] <= tenth && C.gamma_z[0] > 0),
                "oracle A: data.regime is not (eps_data.hi <= 0.1 and gamma_z.lo > 0)");

    /* lipschitz: u_j >= 0, u_j^2 >= ||w_j||^2 = 1, |v_0| u_0 + |v_1| u_1 <= L. */
    /* (lipschitz is optional, spec/CERTIFICATE.md "Certificates written
     * from spec/FORMATS.md alone"; without it no dist_lower is accepted) */
    if (C.has_lipschitz) {
        FUZZ_ASSERT(C.neuron_norm_upper[0] >= 1.0 && C.neuron_norm_upper[1] >= 1.0,
                    "oracle A: lipschitz.neuron_norm_upper below ||w_j|| = 1");
        mpq_set_d(t, C.neuron_norm_upper[0]);
        mpq_set_d(u, C.neuron_norm_upper[1]);
        mpq_add(t, t, u);
        mpq_set_d(u, C.L_upper);
        FUZZ_ASSERT(q_le(t, u), "oracle A: lipschitz.L_upper below sum |v_j| u_j");
    }

    /* flips, certified: p x > 0, s >= 0, p (x - p s z) = p x - s z < 0,
     * s^2 z^2 <= U^2, U >= 0, 0 <= xnl, xnl^2 <= x^2, D >= 0, D L <= p x. */
    for (r = 0; r < C.n_flips; r++) {
        const nrc_cflip *f = &C.flips[r];
        double xv;
        if (f->status != NRC_CFLIP_CERTIFIED)
            continue;
        FUZZ_ASSERT(f->test ? f->index < 1 : f->index < 2, "oracle A: flips[%zu].index", r);
        xv = f->test ? xs_test[f->index] : xs_train[f->index];
        mpq_set_d(x, xv);
        mpq_set_si(p, f->sign, 1);
        mpq_mul(x, x, p);                       /* x := p x = p N(x) */
        FUZZ_ASSERT(mpq_sgn(x) > 0, "oracle A: flips[%zu]: p N(x) <= 0", r);
        FUZZ_ASSERT(f->s >= 0 && f->U >= 0 && f->x_norm_lower >= 0 && f->D >= 0,
                    "oracle A: flips[%zu]: negative s, U, x_norm_lower or D", r);
        mpq_set_d(t, f->s);
        mpq_mul(t, t, z);                       /* s z */
        FUZZ_ASSERT(mpq_cmp(x, t) < 0, "oracle A: flips[%zu]: p N(x - p s z) >= 0", r);
        mpq_mul(t, t, t);                       /* s^2 z^2 */
        mpq_set_d(u, f->U);
        mpq_mul(u, u, u);
        FUZZ_ASSERT(q_le(t, u), "oracle A: flips[%zu]: s^2 <z,z> > U^2", r);
        FUZZ_ASSERT(fabs(f->x_norm_lower) <= fabs(xv), "oracle A: flips[%zu]: x_norm_lower > ||x||", r);
        FUZZ_ASSERT(!f->has_D || C.has_lipschitz, "oracle A: flips[%zu]: dist_lower without lipschitz", r);
        mpq_set_d(t, f->has_D ? f->D : 0.0);
        mpq_set_d(u, C.L_upper);
        mpq_mul(t, t, u);
        FUZZ_ASSERT(q_le(t, x), "oracle A: flips[%zu]: D L > p N(x)", r);
    }

    /* kkt, certified: full variant, lambda >= 0; a_ij = w_j x_i is +-1, so
     * a pair may be listed only when kink_tolerance eta >= 1, and then its
     * g in [0, 1] replaces 1[a_ij > 0]:
     * r_w_j = w_j - v_j sum_i l_i y_i g_ij x_i, r_v_j = v_j - sum_i l_i y_i
     * relu(a_ij) (no kinks: r = (1 - l0, l1 - 1, 1 - l0, l1 - 1));
     * ||r||^2 <= eps_rel^2 4, ||r||^2 <= eps^2 q_min, 0 <= delta q_min,
     * 0 <= balance 4. */
    if (C.kkt_certified) {
        static const double wA[2] = {1.0, -1.0}, vA[2] = {1.0, -1.0}, yA[2] = {1.0, -1.0};
        double g[2][2];
        size_t i, j, kk;
        mpq_t rr;
        mpq_init(rr);
        FUZZ_ASSERT(!(C.kkt_variant_given && C.kkt_fixed), "oracle A: kkt variant accepted wrongly");
        FUZZ_ASSERT(C.lambda[0] >= 0 && C.lambda[1] >= 0, "oracle A: kkt.lambda negative");
        FUZZ_ASSERT(C.n_kinks == 0 || C.kink_tolerance >= 1.0,
                    "oracle A: kinks listed with eta < 1 = |a_ij|");
        for (i = 0; i < 2; i++)
            for (j = 0; j < 2; j++)
                g[i][j] = wA[j] * xs_train[i] > 0 ? 1.0 : 0.0;
        for (kk = 0; kk < C.n_kinks; kk++) {
            FUZZ_ASSERT(C.kinks[kk].g >= 0.0 && C.kinks[kk].g <= 1.0, "oracle A: kink g outside [0, 1]");
            g[C.kinks[kk].i][C.kinks[kk].j] = C.kinks[kk].g;
        }
        mpq_set_ui(rr, 0, 1);
        for (j = 0; j < 2; j++) {
            mpq_set_ui(t, 0, 1);                /* sum_i l_i y_i g_ij x_i */
            mpq_set_ui(w, 0, 1);                /* sum_i l_i y_i relu(a_ij) */
            for (i = 0; i < 2; i++) {
                mpq_set_d(u, C.lambda[i] * yA[i] * xs_train[i]); /* exact: l_i times +-1 */
                mpq_set_d(x, g[i][j]);
                mpq_mul(u, u, x);
                mpq_add(t, t, u);
                if (wA[j] * xs_train[i] > 0) {
                    mpq_set_d(u, C.lambda[i] * yA[i] * wA[j] * xs_train[i]);
                    mpq_add(w, w, u);
                }
            }
            mpq_set_d(u, vA[j]);
            mpq_mul(t, t, u);
            mpq_set_d(u, wA[j]);
            mpq_sub(t, u, t);                   /* r_w_j */
            mpq_mul(t, t, t);
            mpq_add(rr, rr, t);
            mpq_set_d(u, vA[j]);
            mpq_sub(w, u, w);                   /* r_v_j */
            mpq_mul(w, w, w);
            mpq_add(rr, rr, w);                 /* ||r||^2 */
        }
        mpq_set_d(t, C.eps_rel_upper);
        mpq_mul(t, t, t);
        mpq_set_ui(u, 4, 1);
        mpq_mul(t, t, u);
        FUZZ_ASSERT(q_le(rr, t), "oracle A: kkt.eps_rel_upper");
        mpq_set_d(t, C.eps_upper);
        mpq_mul(t, t, t);
        FUZZ_ASSERT(q_le(rr, t), "oracle A: kkt.eps_upper");
        FUZZ_ASSERT(C.delta_upper >= 0 && C.balance_defect_upper >= 0,
                    "oracle A: kkt.delta_upper or balance_defect_upper negative");
        mpq_clear(rr);
    }
    /* robust_reference: R_min^2 = 1 = rho, so it can never be certified. */
    FUZZ_ASSERT(!C.robust_certified, "oracle A: robust_reference certified with R_min^2 = rho");

    mpq_clears(t, u, w, z, x, p, one, NULL);
    nrc_cert_clear(&C);
}

/* An accepted hex string denotes exactly the returned finite binary64. */
static void fuzz_hex_oracle(const uint8_t *data, size_t size)
{
    char s[NRC_CHECK_HEX_MAX + 8];
    double x = 0;
    mpfr_t v;
    char *end = NULL;
    if (size > NRC_CHECK_HEX_MAX + 4 || memchr(data, 0, size))
        return;
    memcpy(s, data, size);
    s[size] = '\0';
    if (!nrc_check_hex_parse(s, &x))
        return;
    FUZZ_ASSERT(isfinite(x), "hex \"%.80s\" accepted as a non-finite value", s);
    mpfr_init2(v, 4 * (NRC_CHECK_HEX_MAX + 8) + 64);
    mpfr_clear_flags();
    mpfr_strtofr(v, s, &end, 0, MPFR_RNDN);
    FUZZ_ASSERT(end && *end == '\0', "hex \"%.80s\" accepted but MPFR stops at offset %td", s,
                end ? end - s : -1);
    FUZZ_ASSERT(mpfr_number_p(v) && mpfr_cmp_d(v, x) == 0 && !mpfr_overflow_p() && !mpfr_underflow_p(),
                "hex \"%.80s\" accepted as %a, which is not its exact value", s, x);
    FUZZ_ASSERT(signbit(x) == (s[0] == '-'), "hex \"%.80s\" accepted with the wrong sign", s);
    mpfr_clear(v);
}

/* Checks the input against model A and model B; out[i] is FUZZ_VALID,
 * FUZZ_FALSE, FUZZ_BAD_INPUT or FUZZ_SYSTEM. */
static void nrc_fuzz_cert(const uint8_t *data, size_t size, int out[2])
{
    int i;
    if (!fuzz_model_buf[0]) {
        fuzz_build_model(0);
        fuzz_build_model(1);
    }
    for (i = 0; i < 2; i++) {
        nrc_check_report rep;
        nrc_error err;
        nrc_status st;
        err.msg[0] = '\0';
        st = nrc_check_buffers(data, size, FUZZ_CERT_NAME, fuzz_model_buf[i], fuzz_model_len[i],
                               "model.bin", &rep, &err);
        FUZZ_ASSERT(st == NRC_OK || st == NRC_ERR_INPUT || st == NRC_ERR_SYSTEM,
                    "model %c: nrc_check_buffers returned status %d (%s)", 'A' + i, (int)st, err.msg);
        if (st == NRC_ERR_INPUT)
            FUZZ_ASSERT(strncmp(err.msg, FUZZ_CERT_NAME ": ", strlen(FUZZ_CERT_NAME) + 2) == 0,
                        "model %c: input error does not name the certificate: \"%s\"", 'A' + i,
                        err.msg);
        if (st == NRC_OK && !rep.valid)
            FUZZ_ASSERT(rep.claim[0] != '\0' && err.msg[0] != '\0',
                        "model %c: a false claim without its member path", 'A' + i);
        if (getenv("NRC_FUZZ_VERBOSE"))
            printf("     %s vs model %c: status %d valid %d: %s\n", fuzz_input_name, 'A' + i,
                   (int)st, st == NRC_OK ? rep.valid : 0, err.msg);
        out[i] = st == NRC_ERR_INPUT ? FUZZ_BAD_INPUT
               : st == NRC_ERR_SYSTEM ? FUZZ_SYSTEM
               : rep.valid ? FUZZ_VALID : FUZZ_FALSE;
    }
    FUZZ_ASSERT(!(out[0] == FUZZ_VALID && out[1] == FUZZ_VALID),
                "one certificate accepted for two models with different SHA-256");
    if (out[0] == FUZZ_VALID)
        fuzz_oracle_a(data, size);
    fuzz_hex_oracle(data, size);
}

#ifdef NRC_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int out[2];
    nrc_fuzz_cert(data, size, out);
    return 0;
}
#endif
