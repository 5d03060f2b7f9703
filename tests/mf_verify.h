/* Test-only: a certificate's min_flip member re-verified end to end from its
 * bytes (spec/CERTIFICATE.md "min_flip", spec/MINFLIP.md sections 2-4),
 * independently of the certifier and of the checker: the certificate JSON
 * (jansson), the companion file through src/interop's safetensors reader
 * with its SHA-256 compared first, every certified claim re-derived with GMP
 * rationals (tests/mf_exact.h): claim U's binary64 point re-evaluated
 * exactly (p N(x) > 0, p N(x') <= 0, < 0 when strict, ||x' - x||^2 <= U^2),
 * claim D's tree walked and every leaf's (M), (C), (B) evaluated from their
 * definitions with the certificate's u_j (checked u_j^2 >= ||w_j||^2), and
 * D <= U where both hold. Every point of the flip entries is listed once, in
 * their order. For small models (the exact Gram matrix per point). */
#ifndef NRC_TESTS_MF_VERIFY_H
#define NRC_TESTS_MF_VERIFY_H
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testlib.h"
#include "mf_exact.h"
#include "nrc_model.h"
#include "nrc_sha256.h"
#include "nrc_tensor.h"

typedef struct {
    size_t points, upper, strict, lower, leaves;
    double worst_ud;          /* max U / D over points with both */
} mfv_counts;

static double mfv_hex(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? strtod(s, NULL) : NAN;
}

/* A tensor of the companion converted to binary64 (malloc'd), or NULL. */
static double *mfv_tensor(const nrc_tensor_file *F, const char *name, uint64_t *count)
{
    const nrc_tensor *T = nrc_tensor_file_find(F, name);
    nrc_error err;
    double *out;
    if (!T)
        return NULL;
    out = malloc((T->count ? T->count : 1) * sizeof(double));
    if (nrc_tensor_to_f64(T, "companion", out, &err) != NRC_OK) {
        free(out);
        return NULL;
    }
    *count = T->count;
    return out;
}

/* u_j >= 0 and u_j^2 >= ||w_j||^2 exactly, for every j. */
static int mfv_norms_ok(const nrc_model *M, const double *u)
{
    size_t k = (size_t)M->k, d = (size_t)M->d, j;
    mpq_t g, uu;
    int ok = 1;
    mpq_init(g);
    mpq_init(uu);
    for (j = 0; j < k && ok; j++) {
        mfx_dot(g, M->W + j * d, M->W + j * d, d);
        mpq_set_d(uu, u[j]);
        mpq_mul(uu, uu, uu);
        ok = u[j] >= 0 && mpq_cmp(g, uu) <= 0;
    }
    mpq_clear(g);
    mpq_clear(uu);
    return ok;
}

/* (T) by recursive descent (independent of the walks of the certifier and
 * the checker): the subtree at *pos, neurons on the current path in used. */
static int mfv_subtree(const int32_t *tok, size_t ntok, size_t *pos, size_t k, signed char *used,
                       size_t *leaves)
{
    int32_t t;
    int ok;
    if (*pos >= ntok)
        return 0;
    t = tok[(*pos)++];
    if (t == -1) {
        (*leaves)++;
        return 1;
    }
    if (t < 0 || (size_t)t >= k || used[t])
        return 0;
    used[t] = 1;
    ok = mfv_subtree(tok, ntok, pos, k, used, leaves) && mfv_subtree(tok, ntok, pos, k, used, leaves);
    used[t] = 0;
    return ok;
}

/* Claim D of one point (tree tokens tok (ntok), leaves beta, rho from row
 * 0). */
static int mfv_lower_ok(const nrc_model *M, const double *x, int p, const double *u, double D,
                        const int32_t *tok, size_t ntok, const double *beta, const double *rho,
                        size_t nleaves, const char *tag)
{
    size_t k = (size_t)M->k, pos = 0, leaves = 0, L;
    signed char *used = calloc(k ? k : 1, 1), *S;
    int ok = D >= 0 && mfv_subtree(tok, ntok, &pos, k, used, &leaves) && pos == ntok &&
             leaves == nleaves;
    mfx_net X;
    free(used);
    CHECK(ok, "%s: min_flip tree malformed or D < 0 (%zu tokens, %zu leaves, D %a)", tag, ntok,
          nleaves, D);
    if (!ok)
        return 0;
    S = malloc(ntok * (k ? k : 1));
    CHECK(mfx_leaf_signs(tok, ntok, k, S) == nleaves, "%s: leaf count", tag);
    mfx_init(&X, k, (size_t)M->d, M->W, (M->flags & NRC_FLAG_BIAS) ? M->b : NULL, M->v, p, x);
    for (L = 0; L < nleaves && ok; L++) {
        ok = mfx_leaf_holds(&X, u, D, S + L * k, beta + L * k, rho + L * k);
        CHECK(ok, "%s: min_flip leaf %zu of %zu fails exactly at D = %a", tag, L, nleaves, D);
    }
    mfx_clear(&X);
    free(S);
    return ok;
}

/* The whole member; failures are reported (CHECK / REQUIRE). */
static void mfv_verify(const nrc_model *M, const char *cert, const unsigned char *comp,
                      size_t comp_len, const char *tag, mfv_counts *cnt)
{
    size_t d = (size_t)M->d, k = (size_t)M->k, r, j;
    const double *b = (M->flags & NRC_FLAG_BIAS) ? M->b : NULL;
    json_error_t je;
    json_t *root = json_loads(cert, 0, &je), *mf, *pts, *uu;
    unsigned char h[NRC_SHA256_SIZE];
    char hex[65];
    nrc_tensor_file F;
    nrc_error err;
    double *xadv = NULL, *beta = NULL, *rho = NULL, *treed = NULL, *u = NULL;
    int32_t *tree = NULL;
    uint64_t nx = 0, nb = 0, nr = 0, nt = 0;
    memset(cnt, 0, sizeof *cnt);
    nrc_tensor_file_init(&F);
    mf = json_object_get(root, "min_flip");
    pts = json_object_get(mf, "points");
    uu = json_object_get(json_object_get(root, "lipschitz"), "neuron_norm_upper");
    REQUIRE(root && json_is_array(pts) && json_array_size(uu) == k, "%s: min_flip member", tag);
    nrc_sha256(comp, comp_len, h);
    nrc_hex(h, NRC_SHA256_SIZE, hex);
    CHECK(strcmp(hex, json_string_value(json_object_get(json_object_get(mf, "companion"),
                                                        "sha256"))) == 0,
          "%s: companion SHA-256 differs from the certificate's", tag);
    REQUIRE(nrc_tensor_file_parse(comp, comp_len, "companion", &F, &err) == NRC_OK,
            "%s: companion: %s", tag, err.msg);
    xadv = mfv_tensor(&F, "x_adv", &nx);
    beta = mfv_tensor(&F, "beta", &nb);
    rho = mfv_tensor(&F, "rho", &nr);
    treed = mfv_tensor(&F, "tree", &nt);
    REQUIRE(xadv && beta && rho && treed && nx % d == 0 && nb == nr && nb % k == 0,
            "%s: companion tensors", tag);
    tree = malloc((nt ? nt : 1) * sizeof(int32_t));
    for (r = 0; r < nt; r++)
        tree[r] = (int32_t)treed[r];
    u = malloc(k * sizeof(double));
    for (j = 0; j < k; j++)
        u[j] = strtod(json_string_value(json_array_get(uu, j)), NULL);
    CHECK(mfv_norms_ok(M, u), "%s: u_j^2 < ||w_j||^2", tag);
    for (r = 0; r < json_array_size(pts); r++) {
        json_t *e = json_array_get(pts, r), *up = json_object_get(e, "upper"),
               *lo = json_object_get(e, "lower");
        int set = strcmp(json_string_value(json_object_get(e, "set")), "test") == 0;
        size_t i = (size_t)json_integer_value(json_object_get(e, "index"));
        int p = (int)json_integer_value(json_object_get(e, "sign"));
        const double *x = (set ? M->Xt : M->X) + i * d;
        double U = NAN, D = NAN;
        cnt->points++;
        if (strcmp(json_string_value(json_object_get(up, "status")), "certified") == 0) {
            size_t row = (size_t)json_integer_value(json_object_get(up, "row"));
            int strict = json_is_true(json_object_get(up, "strict"));
            mpq_t t2, U2;
            int sg;
            U = mfv_hex(up, "U");
            REQUIRE((row + 1) * d <= nx, "%s: point %zu: row %zu outside x_adv", tag, r, row);
            sg = mfx_adv_sign(k, d, M->W, b, M->v, p, x);
            CHECK(sg > 0, "%s: point %zu: p N(x) = %d, not > 0", tag, r, sg);
            sg = mfx_adv_sign(k, d, M->W, b, M->v, p, xadv + row * d);
            CHECK(sg < 0 || (sg == 0 && !strict), "%s: point %zu: p N(x') has sign %d (strict %d)",
                  tag, r, sg, strict);
            mpq_init(t2);
            mpq_init(U2);
            mfx_dist2_points(t2, d, x, xadv + row * d);
            mpq_set_d(U2, U);
            mpq_mul(U2, U2, U2);
            CHECK(U >= 0 && mpq_cmp(t2, U2) <= 0, "%s: point %zu: ||x' - x||^2 > U^2", tag, r);
            mpq_clear(t2);
            mpq_clear(U2);
            cnt->upper++;
            cnt->strict += strict;
        }
        if (strcmp(json_string_value(json_object_get(lo, "status")), "certified") == 0) {
            json_t *tr = json_object_get(lo, "tree"), *lv = json_object_get(lo, "leaves");
            size_t t0 = (size_t)json_integer_value(json_array_get(tr, 0));
            size_t tn = (size_t)json_integer_value(json_array_get(tr, 1));
            size_t l0 = (size_t)json_integer_value(json_array_get(lv, 0));
            size_t ln = (size_t)json_integer_value(json_array_get(lv, 1));
            D = mfv_hex(lo, "D");
            REQUIRE(t0 + tn <= nt && (l0 + ln) * k <= nb, "%s: point %zu: ranges", tag, r);
            mfv_lower_ok(M, x, p, u, D, tree + t0, tn, beta + l0 * k, rho + l0 * k, ln, tag);
            cnt->lower++;
            cnt->leaves += ln;
        }
        if (!isnan(U) && !isnan(D)) {
            CHECK(D <= U, "%s: point %zu: D = %a > U = %a", tag, r, D, U);
            if (D > 0 && U / D > cnt->worst_ud)
                cnt->worst_ud = U / D;
        }
    }
    free(xadv);
    free(beta);
    free(rho);
    free(treed);
    free(tree);
    free(u);
    nrc_tensor_file_clear(&F);
    json_decref(root);
}

#endif
