/* The checker's min_flip verification (spec/CHECK.md "min_flip",
 * spec/MINFLIP.md section 4), end to end through nrc_check_buffers_mf (the
 * code of certify --check and nrc-check): every certificate `certify
 * --min-flip` writes for the trained models of tests/fixtures/minflip
 * (gradient descent, polished, hidden biases, fixed second layer; train and
 * test points) with both engines is accepted; then tampering, each verdict
 * compared with an independent exact oracle (GMP rationals,
 * tests/mf_exact.h, mf_verify.h) and the false claim named:
 * - U at its tight value (the smallest binary64 with U^2 >= ||x' - x||^2)
 *   is accepted and one ulp below it rejected;
 * - strict set on a tie (p N(x') = 0) is rejected;
 * - x_adv coordinates moved by one ulp either way: the checker agrees
 *   with the oracle, and some moves across the boundary are rejected;
 * - D raised to the largest value the tree still proves (found by
 *   bisection) is accepted, one ulp above rejected, both as the oracle says;
 * - beta and rho entries moved by one ulp (rho up: the unsafe direction):
 *   the checker agrees with the oracle, and some are rejected;
 * - the companion file: a changed byte (SHA-256 mismatch), truncated, wrong
 *   dtype, wrong shape, a malformed tree, rows outside their tensors,
 *   missing: input errors (exit 3) naming the file; malformed min_flip
 *   members: input errors naming the member. */
#include <math.h>
#include <string.h>
#include <unistd.h>
#include "testlib.h"
#include "mf_verify.h"
#include "nrc_alloc.h"
#include "nrc_certify.h"
#include "nrc_check_cert.h"
#include "nrc_engine.h"
#include "nrc_io.h"

static char tmpdir[64];
static char comp_path[96];

/* One certificate under test: the model, the certificate JSON (parsed, to
 * tamper), the companion bytes, and the tensors' byte offsets in them. */
typedef struct {
    const char *tag;
    nrc_model M;
    unsigned char *model;
    size_t model_len;
    json_t *cert;
    unsigned char *comp;
    size_t comp_len;
    size_t off_x, off_b, off_r, off_t;   /* absolute offsets of the tensors' data */
    size_t d, k;
} mcase;

typedef struct {
    size_t checks, rejected_upper, rejected_lower, agree_x, agree_br, tight_u, tight_d, boundary_x, rho_tight;
} totals;

static totals tot;

/* The companion's tensors' data offsets (its own header, read here with
 * jansson: the test does not trust the checker's reader). */
static int comp_offsets(mcase *c)
{
    uint64_t hl = 0;
    int b;
    json_error_t je;
    json_t *h;
    for (b = 7; b >= 0; b--)
        hl = (hl << 8) | c->comp[b];
    h = json_loadb((const char *)c->comp + 8, (size_t)hl, 0, &je);
    if (!h)
        return 0;
#define OFF(name) (size_t)(8 + hl + json_integer_value(json_array_get( \
        json_object_get(json_object_get(h, name), "data_offsets"), 0)))
    c->off_x = OFF("x_adv");
    c->off_b = OFF("beta");
    c->off_r = OFF("rho");
    c->off_t = OFF("tree");
#undef OFF
    json_decref(h);
    return 1;
}

/* Certify the fixture model with --min-flip (engine eng, every point). */
static int mcase_make(mcase *c, const char *file, const char *eng, int points)
{
    char path[256];
    nrc_error err;
    nrc_engine e;
    nrc_certify_options o;
    nrc_certify_result R;
    char *json = NULL;
    size_t len;
    json_error_t je;
    int ok;
    memset(c, 0, sizeof *c);
    c->tag = file;
    snprintf(path, sizeof path, "tests/fixtures/minflip/%s", file);
    nrc_model_init(&c->M);
    if (nrc_file_read_all(path, 1 << 24, &c->model, &c->model_len, &err) ||
        nrc_model_parse(c->model, c->model_len, file, &c->M, &err))
        return 0;
    c->d = (size_t)c->M.d;
    c->k = (size_t)c->M.k;
    if (nrc_engine_init(&e, eng, 1, &err))
        return -1;   /* the mpfr engine may be absent */
    nrc_certify_options_default(&o);
    o.min_flip = 1;
    o.min_flip_name = "m.minflip.safetensors";
    o.points = points;
    nrc_certify_result_init(&R);
    ok = nrc_certify_run(&c->M, &o, &e, &R, &err) == NRC_OK &&
         nrc_certify_to_json(&R, &json, &len, &err) == NRC_OK;
    nrc_engine_clear(&e);
    if (ok) {
        c->cert = json_loadb(json, len, 0, &je);
        c->comp = nrc_malloc(R.mf_len);
        memcpy(c->comp, R.mf_data, R.mf_len);
        c->comp_len = R.mf_len;
    }
    nrc_free(json);
    nrc_certify_result_clear(&R);
    if (ok && c->cert) {   /* the certifier ran on a parsed model: its file's digest */
        unsigned char h[NRC_SHA256_SIZE];
        char hex[65];
        nrc_sha256(c->model, c->model_len, h);
        nrc_hex(h, NRC_SHA256_SIZE, hex);
        json_object_set_new(json_object_get(c->cert, "model"), "sha256", json_string(hex));
    }
    return ok && c->cert && comp_offsets(c);
}

static void mcase_clear(mcase *c)
{
    nrc_model_clear(&c->M);
    nrc_free(c->model);
    nrc_free(c->comp);
    json_decref(c->cert);
}

/* Check cert against the model with companion bytes comp (written to the
 * test's file first; comp NULL: no file). */
static nrc_status run(const mcase *c, json_t *cert, const unsigned char *comp, size_t comp_len,
                      nrc_check_report *rep, nrc_error *err)
{
    char *s = json_dumps(cert, JSON_INDENT(1));
    nrc_status st;
    unlink(comp_path);
    if (comp) {   /* a test's scratch file: plain stdio (no fsync per check) */
        FILE *f = fopen(comp_path, "wb");
        int ok = f && fwrite(comp, 1, comp_len, f) == comp_len;
        if (f && fclose(f) != 0)
            ok = 0;
        if (!ok)
            return NRC_ERR_SYSTEM;
    }
    err->msg[0] = '\0';
    st = nrc_check_buffers_mf((const unsigned char *)s, strlen(s), "cert.json", c->model,
                              c->model_len, "model.bin", comp_path, rep, err);
    free(s);
    tot.checks++;
    return st;
}

/* The companion's SHA-256 into the certificate's min_flip.companion. */
static void set_sha(json_t *cert, const unsigned char *comp, size_t len)
{
    unsigned char h[NRC_SHA256_SIZE];
    char hex[65];
    nrc_sha256(comp, len, h);
    nrc_hex(h, NRC_SHA256_SIZE, hex);
    json_object_set_new(json_object_get(json_object_get(cert, "min_flip"), "companion"),
                        "sha256", json_string(hex));
}

static json_t *mf_entry(json_t *cert, size_t r, const char *which)
{
    return json_object_get(
        json_array_get(json_object_get(json_object_get(cert, "min_flip"), "points"), r), which);
}

/* A copy of the certificate where only entry r keeps its claims (the
 * others "none": they assert nothing), so that each check costs one point. */
static json_t *isolate(const json_t *cert, size_t r)
{
    json_t *c = json_deep_copy(cert), *pts = json_object_get(json_object_get(c, "min_flip"), "points");
    size_t q;
    for (q = 0; q < json_array_size(pts); q++)
        if (q != r) {
            json_t *e = json_array_get(pts, q);
            json_object_set_new(e, "upper", json_pack("{ssss}", "status", "none", "reason", "t"));
            json_object_set_new(e, "lower", json_pack("{ssss}", "status", "none", "reason", "t"));
        }
    return c;
}

static void set_hex(json_t *o, const char *key, double x)
{
    char b[40];
    snprintf(b, sizeof b, "%a", x);
    json_object_set_new(o, key, json_string(b));
}

/* 1: valid; 0: rejected naming claim (a prefix); -1: anything else. */
static int verdict(const mcase *c, json_t *cert, const unsigned char *comp, size_t len,
                   const char *claim)
{
    nrc_check_report rep;
    nrc_error err;
    nrc_status st = run(c, cert, comp, len, &rep, &err);
    if (st != NRC_OK) {
        if (!tl_case_failed)
            printf("     %s: status %d: %s\n", c->tag, (int)st, err.msg);
        return -1;
    }
    if (rep.valid)
        return 1;
    if (strncmp(rep.claim, claim, strlen(claim)) != 0) {
        printf("     %s: rejected as %s, expected %s: %s\n", c->tag, rep.claim, claim, err.msg);
        return -1;
    }
    return 0;
}

/* An input error (exit 3) whose message contains want. */
static void expect_input(const mcase *c, json_t *cert, const unsigned char *comp, size_t len,
                         const char *want, const char *what)
{
    nrc_check_report rep;
    nrc_error err;
    nrc_status st = run(c, cert, comp, len, &rep, &err);
    CHECK(st == NRC_ERR_INPUT && strstr(err.msg, want),
          "%s: %s: status %d, message \"%s\" (expected an input error with \"%s\")", c->tag, what,
          (int)st, err.msg, want);
}

/* The point of entry r: x, p, and the claim's numbers. */
typedef struct {
    const double *x;
    int p;
    int upper, lower, strict;
    double U, D;
    size_t row, t0, tn, l0, ln;
} mpoint;

static void get_point(const mcase *c, size_t r, mpoint *P)
{
    json_t *e = json_array_get(json_object_get(json_object_get(c->cert, "min_flip"), "points"), r);
    json_t *up = json_object_get(e, "upper"), *lo = json_object_get(e, "lower");
    int test = strcmp(json_string_value(json_object_get(e, "set")), "test") == 0;
    size_t i = (size_t)json_integer_value(json_object_get(e, "index"));
    memset(P, 0, sizeof *P);
    P->x = (test ? c->M.Xt : c->M.X) + i * c->d;
    P->p = (int)json_integer_value(json_object_get(e, "sign"));
    P->upper = strcmp(json_string_value(json_object_get(up, "status")), "certified") == 0;
    P->lower = strcmp(json_string_value(json_object_get(lo, "status")), "certified") == 0;
    if (P->upper) {
        P->U = mfv_hex(up, "U");
        P->strict = json_is_true(json_object_get(up, "strict"));
        P->row = (size_t)json_integer_value(json_object_get(up, "row"));
    }
    if (P->lower) {
        json_t *tr = json_object_get(lo, "tree"), *lv = json_object_get(lo, "leaves");
        P->D = mfv_hex(lo, "D");
        P->t0 = (size_t)json_integer_value(json_array_get(tr, 0));
        P->tn = (size_t)json_integer_value(json_array_get(tr, 1));
        P->l0 = (size_t)json_integer_value(json_array_get(lv, 0));
        P->ln = (size_t)json_integer_value(json_array_get(lv, 1));
    }
}

static double get_f64(const unsigned char *p)
{
    double x;
    memcpy(&x, p, 8);   /* the test host is little-endian (as the fixtures) */
    return x;
}

static void put_f64(unsigned char *p, double x)
{
    memcpy(p, &x, 8);
}

/* ---- the oracle (independent exact arithmetic) ---- */

static int oracle_upper(const mcase *c, const mpoint *P, const double *xadv, double U, int strict)
{
    const double *b = (c->M.flags & NRC_FLAG_BIAS) ? c->M.b : NULL;
    int s0 = mfx_adv_sign(c->k, c->d, c->M.W, b, c->M.v, P->p, P->x);
    int s1 = mfx_adv_sign(c->k, c->d, c->M.W, b, c->M.v, P->p, xadv);
    mpq_t t2, U2;
    int ok;
    mpq_init(t2);
    mpq_init(U2);
    mfx_dist2_points(t2, c->d, P->x, xadv);
    mpq_set_d(U2, U);
    mpq_mul(U2, U2, U2);
    ok = s0 > 0 && (s1 < 0 || (s1 == 0 && !strict)) && U >= 0 && mpq_cmp(t2, U2) <= 0;
    mpq_clear(t2);
    mpq_clear(U2);
    return ok;
}

/* Claim D with D, the tree and leaves' beta, rho as given (X: the exact
 * network at the point, mfx_init). */
static int oracle_lower(const mcase *c, const mfx_net *X, const mpoint *P, const double *u,
                        double D, const int32_t *tok, const double *beta, const double *rho)
{
    size_t k = c->k, pos = 0, leaves = 0, L;
    signed char *used = calloc(k, 1), *S;
    int ok = D >= 0 && mfv_norms_ok(&c->M, u) &&
             mfv_subtree(tok, P->tn, &pos, k, used, &leaves) && pos == P->tn && leaves == P->ln;
    free(used);
    if (!ok)
        return 0;
    S = malloc(P->tn * k);
    mfx_leaf_signs(tok, P->tn, k, S);
    for (L = 0; L < P->ln && ok; L++)
        ok = mfx_leaf_holds(X, u, D, S + L * k, beta + L * k, rho + L * k);
    free(S);
    return ok;
}

/* The certificate's u_j. */
static double *get_u(const mcase *c)
{
    json_t *a = json_object_get(json_object_get(c->cert, "lipschitz"), "neuron_norm_upper");
    double *u = malloc(c->k * sizeof(double));
    size_t j;
    for (j = 0; j < c->k; j++)
        u[j] = strtod(json_string_value(json_array_get(a, j)), NULL);
    return u;
}

/* ---- the suites ---- */

/* doubles as ordered integers (and back): adjacent binary64 values are
 * adjacent integers, across 0 too */
static int64_t dorder(double x)
{
    int64_t b;
    memcpy(&b, &x, 8);
    return b < 0 ? INT64_MIN - b : b;
}

static double dorder_inv(int64_t o)
{
    int64_t b = o < 0 ? INT64_MIN - o : o;
    double x;
    memcpy(&x, &b, 8);
    return x;
}

/* The checker's verdict with x_adv[t] of the point's row set to the
 * ordered value o (xadv updated to it, as the oracle sees it). */
static int xadv_verdict(const mcase *c, json_t *cert, unsigned char *comp, const mpoint *P,
                        double *xadv, size_t t, int64_t o, const char *claim)
{
    xadv[t] = dorder_inv(o);
    memcpy(comp, c->comp, c->comp_len);
    put_f64(comp + c->off_x + (P->row * c->d + t) * 8, xadv[t]);
    set_sha(cert, comp, c->comp_len);
    return verdict(c, cert, comp, c->comp_len, claim);
}

/* The smallest binary64 U >= 0 with U^2 >= ||x' - x||^2, exactly. */
static double tight_u(const mcase *c, const mpoint *P, const double *xadv)
{
    mpq_t t2, U2;
    double U;
    mpq_init(t2);
    mpq_init(U2);
    mfx_dist2_points(t2, c->d, P->x, xadv);
    U = sqrt(mpq_get_d(t2));
    for (;;) {   /* up until U^2 >= t2, then down while it still holds */
        mpq_set_d(U2, U);
        mpq_mul(U2, U2, U2);
        if (mpq_cmp(U2, t2) >= 0)
            break;
        U = nextafter(U, INFINITY);
    }
    while (U > 0) {
        double Ud = nextafter(U, 0);
        mpq_set_d(U2, Ud);
        mpq_mul(U2, U2, U2);
        if (mpq_cmp(U2, t2) < 0)
            break;
        U = Ud;
    }
    mpq_clear(t2);
    mpq_clear(U2);
    return U;
}

static void suite_upper(mcase *c, size_t r, const mpoint *P)
{
    json_t *cert = isolate(c->cert, r), *up = mf_entry(cert, r, "upper");
    double *xadv = malloc(c->d * sizeof(double)), Ut;
    char claim[64];
    size_t t;
    snprintf(claim, sizeof claim, "min_flip.points[%zu].upper", r);
    for (t = 0; t < c->d; t++)
        xadv[t] = get_f64(c->comp + c->off_x + (P->row * c->d + t) * 8);
    /* U tight to one ulp */
    Ut = tight_u(c, P, xadv);
    CHECK(Ut <= P->U, "%s: point %zu: certified U %a below the tight %a", c->tag, r, P->U, Ut);
    set_hex(up, "U", Ut);
    CHECK(verdict(c, cert, c->comp, c->comp_len, claim) == 1, "%s: point %zu: tight U %a rejected",
          c->tag, r, Ut);
    if (Ut > 0) {
        set_hex(up, "U", nextafter(Ut, 0));
        CHECK(verdict(c, cert, c->comp, c->comp_len, claim) == 0,
              "%s: point %zu: U one ulp below ||x' - x|| accepted", c->tag, r);
        tot.rejected_upper++;
        tot.tight_u++;
    }
    set_hex(up, "U", P->U);
    /* strict on a tie */
    if (!P->strict) {
        json_object_set_new(up, "strict", json_true());
        CHECK(verdict(c, cert, c->comp, c->comp_len, claim) == 0,
              "%s: point %zu: strict set on a tie accepted", c->tag, r);
        tot.rejected_upper++;
        json_object_set_new(up, "strict", json_false());
    }
    /* x_adv moved across the boundary of {p N <= 0}: along coordinate 0,
     * the last accepted value and the next binary64 (bisection on the
     * ordered bit patterns), the checker and the oracle agreeing at both */
    {
        unsigned char *comp = nrc_malloc(c->comp_len);
        double old = xadv[0], big = 4 * P->U + 1;
        int dir, done = 0;
        set_hex(up, "U", big);   /* the distance is not what this tests */
        for (dir = -1; dir <= 1 && !done; dir += 2) {
            int64_t lo = dorder(old), hi = 0, m;
            double step = fabs(old) * 0x1p-40 + 0x1p-60;
            int i, found = 0;
            for (i = 0; i < 30 && !found; i++, step *= 16) {
                hi = dorder(old + dir * step);
                found = xadv_verdict(c, cert, comp, P, xadv, 0, hi, claim) == 0;
                if (!found)
                    lo = hi;
            }
            if (!found)
                continue;
            while ((hi > lo ? hi - lo : lo - hi) > 1) {
                m = lo + (hi - lo) / 2;
                if (xadv_verdict(c, cert, comp, P, xadv, 0, m, claim) == 1)
                    lo = m;
                else
                    hi = m;
            }
            CHECK(xadv_verdict(c, cert, comp, P, xadv, 0, lo, claim) == 1 &&
                      oracle_upper(c, P, xadv, big, P->strict) &&
                      xadv_verdict(c, cert, comp, P, xadv, 0, hi, claim) == 0 &&
                      !oracle_upper(c, P, xadv, big, P->strict),
                  "%s: point %zu: x_adv[0] at %a accepted, one ulp on at %a rejected: the oracle "
                  "disagrees", c->tag, r, dorder_inv(lo), dorder_inv(hi));
            tot.rejected_upper++;
            tot.boundary_x++;
            done = 1;
        }
        xadv[0] = old;
        set_hex(up, "U", P->U);
        nrc_free(comp);
    }
    /* x_adv moved one ulp, the first coordinates, both ways: as the oracle */
    {
        unsigned char *comp = nrc_malloc(c->comp_len);
        size_t tries = c->d < 4 ? c->d : 4;
        int dir;
        for (t = 0; t < tries; t++)
            for (dir = -1; dir <= 1; dir += 2) {
                double old = xadv[t];
                int want, got;
                xadv[t] = nextafter(old, dir * INFINITY);
                memcpy(comp, c->comp, c->comp_len);
                put_f64(comp + c->off_x + (P->row * c->d + t) * 8, xadv[t]);
                set_sha(cert, comp, c->comp_len);
                want = oracle_upper(c, P, xadv, P->U, P->strict);
                got = verdict(c, cert, comp, c->comp_len, claim);
                CHECK(got == want, "%s: point %zu: x_adv[%zu] %+d ulp: checker %d, oracle %d",
                      c->tag, r, t, dir, got, want);
                tot.agree_x += got == want;
                tot.rejected_upper += got == 0;
                xadv[t] = old;
            }
        nrc_free(comp);
    }
    free(xadv);
    json_decref(cert);
}

/* Positive doubles are ordered as their bit patterns. */
static uint64_t dbits(double x)
{
    uint64_t b;
    memcpy(&b, &x, 8);
    return b;
}

static double bitsd(uint64_t b)
{
    double x;
    memcpy(&x, &b, 8);
    return x;
}

static void suite_lower(mcase *c, size_t r, const mpoint *P, const double *u, int brtries)
{
    json_t *cert = isolate(c->cert, r), *lo = mf_entry(cert, r, "lower");
    int32_t *tok = malloc((P->tn ? P->tn : 1) * sizeof(int32_t));
    size_t nb = P->ln * c->k, t;
    double *beta = malloc(nb * sizeof(double)), *rho = malloc(nb * sizeof(double));
    char claim[64];
    uint64_t a, b;
    mfx_net X;
    mfx_init(&X, c->k, c->d, c->M.W, (c->M.flags & NRC_FLAG_BIAS) ? c->M.b : NULL, c->M.v, P->p,
             P->x);
    snprintf(claim, sizeof claim, "min_flip.points[%zu].lower", r);
    for (t = 0; t < P->tn; t++)
        memcpy(&tok[t], c->comp + c->off_t + (P->t0 + t) * 4, 4);
    for (t = 0; t < nb; t++) {
        beta[t] = get_f64(c->comp + c->off_b + (P->l0 * c->k + t) * 8);
        rho[t] = get_f64(c->comp + c->off_r + (P->l0 * c->k + t) * 8);
    }
    /* D above U is false whatever the tree (dist(x) <= U) */
    if (P->upper) {
        set_hex(lo, "D", nextafter(P->U, INFINITY));
        CHECK(verdict(c, cert, c->comp, c->comp_len, claim) == 0,
              "%s: point %zu: D above U accepted", c->tag, r);
        tot.rejected_lower++;
    }
    /* the largest D the tree proves, by bisection on the bit patterns
     * (validity is monotone in D for fixed beta, rho) */
    a = dbits(P->D);
    b = dbits(P->upper ? nextafter(P->U, INFINITY) : 2 * P->D + 1);
    {   /* a bracket first: the tight D is within a small relative step */
        double g = 0x1p-30;
        for (; g < 1 && dbits(P->D * (1 + g)) < b; g *= 16) {
            set_hex(lo, "D", P->D * (1 + g));
            if (verdict(c, cert, c->comp, c->comp_len, claim) != 1) {
                b = dbits(P->D * (1 + g));
                break;
            }
            a = dbits(P->D * (1 + g));
        }
    }
    while (b - a > 1) {
        uint64_t m = a + (b - a) / 2;
        set_hex(lo, "D", bitsd(m));
        if (verdict(c, cert, c->comp, c->comp_len, claim) == 1)
            a = m;
        else
            b = m;
    }
    set_hex(lo, "D", bitsd(a));
    CHECK(verdict(c, cert, c->comp, c->comp_len, claim) == 1 &&
          oracle_lower(c, &X, P, u, bitsd(a), tok, beta, rho),
          "%s: point %zu: tight D %a not valid (checker or oracle)", c->tag, r, bitsd(a));
    set_hex(lo, "D", bitsd(b));
    CHECK(verdict(c, cert, c->comp, c->comp_len, claim) == 0 &&
          !oracle_lower(c, &X, P, u, bitsd(b), tok, beta, rho),
          "%s: point %zu: D %a one ulp above the tight one: checker or oracle accepts", c->tag, r,
          bitsd(b));
    tot.tight_d++;
    tot.rejected_lower++;
    set_hex(lo, "D", P->D);
    /* beta and rho one ulp (rho up; beta both ways): as the oracle */
    {
        unsigned char *comp = nrc_malloc(c->comp_len);
        int n;
        for (n = 0; n < brtries; n++) {
            size_t e = (size_t)(tl_splitmix64(&(uint64_t){tl_seed() + 977 * r + (uint64_t)n}) % nb);
            int which = n % 3;   /* 0 rho up, 1 beta up, 2 beta down */
            double *arr = which ? beta : rho, old = arr[e];
            size_t off = (which ? c->off_b : c->off_r) + (P->l0 * c->k + e) * 8;
            int want, got;
            arr[e] = nextafter(old, which == 2 ? -INFINITY : INFINITY);
            memcpy(comp, c->comp, c->comp_len);
            put_f64(comp + off, arr[e]);
            set_sha(cert, comp, c->comp_len);
            want = oracle_lower(c, &X, P, u, P->D, tok, beta, rho);
            got = verdict(c, cert, comp, c->comp_len, claim);
            CHECK(got == want, "%s: point %zu: %s[%zu] one ulp %s: checker %d, oracle %d", c->tag, r,
                  which ? "beta" : "rho", e, which == 2 ? "down" : "up", got, want);
            tot.agree_br += got == want;
            tot.rejected_lower += got == 0;
            arr[e] = old;
        }
        /* a zero rho raised to the smallest subnormal where the minorant
         * is tight at a checked point: the first such entry the checker
         * rejects, confirmed by the oracle */
        for (t = 0; t < nb; t++) {
            int got;
            if (rho[t] != 0.0)
                continue;
            rho[t] = 0x1p-1074;
            memcpy(comp, c->comp, c->comp_len);
            put_f64(comp + c->off_r + (P->l0 * c->k + t) * 8, rho[t]);
            set_sha(cert, comp, c->comp_len);
            got = verdict(c, cert, comp, c->comp_len, claim);
            if (got != 1) {
                CHECK(got == 0 && !oracle_lower(c, &X, P, u, P->D, tok, beta, rho),
                      "%s: point %zu: rho[%zu] 0 -> 2^-1074: checker %d, the oracle disagrees",
                      c->tag, r, t, got);
                tot.rejected_lower++;
                tot.rho_tight++;
                rho[t] = 0.0;
                break;
            }
            rho[t] = 0.0;
        }
        nrc_free(comp);
    }
    mfx_clear(&X);
    free(tok);
    free(beta);
    free(rho);
    json_decref(cert);
}

/* Companion and member format errors (input errors naming the problem). */
static void suite_format(mcase *c)
{
    json_t *cert = json_deep_copy(c->cert), *e;
    unsigned char *comp = nrc_malloc(c->comp_len);
    nrc_check_report rep;
    nrc_error err;
    char *s;
    size_t r, hl = 0;
    int b;
    for (b = 7; b >= 0; b--)
        hl = (hl << 8) | c->comp[b];
    /* a changed byte: the SHA-256 differs */
    memcpy(comp, c->comp, c->comp_len);
    comp[c->comp_len - 1] ^= 1;
    expect_input(c, cert, comp, c->comp_len, "SHA-256", "changed byte");
    expect_input(c, cert, comp, c->comp_len, comp_path, "changed byte names the file");
    /* truncated (the hash updated so that the layout is what fails) */
    set_sha(cert, comp, c->comp_len - 8);
    expect_input(c, cert, c->comp, c->comp_len - 8, "truncated", "truncated");
    set_sha(cert, c->comp, 5);
    expect_input(c, cert, c->comp, 5, "shorter than", "5 bytes");
    /* dtype and shape changed in the header (same length) */
    {
        char *h = (char *)comp + 8, *p;
        memcpy(comp, c->comp, c->comp_len);
        p = strstr(h, "\"F64\"");
        if (p) {
            memcpy(p, "\"F32\"", 5);
            set_sha(cert, comp, c->comp_len);
            expect_input(c, cert, comp, c->comp_len, "dtype must be F64", "dtype");
        }
        memcpy(comp, c->comp, c->comp_len);
        p = strstr(h, "\"I32\"");
        if (p) {
            memcpy(p, "\"I64\"", 5);
            set_sha(cert, comp, c->comp_len);
            expect_input(c, cert, comp, c->comp_len, "dtype must be I32", "tree dtype");
        }
        memcpy(comp, c->comp, c->comp_len);
        p = strstr(h, "\"x_adv\"");
        p = p ? strstr(p, "\"shape\":[") : NULL;
        if (p) {
            p = strchr(p, ',');    /* [P,d]: d -> d with its last digit changed */
            p = p ? strchr(p, ']') : NULL;
            if (p && p[-1] >= '0' && p[-1] <= '8') {
                p[-1]++;
                set_sha(cert, comp, c->comp_len);
                expect_input(c, cert, comp, c->comp_len, "x_adv", "shape");
            }
        }
        /* header length beyond the file */
        memcpy(comp, c->comp, c->comp_len);
        comp[6] = 1;
        set_sha(cert, comp, c->comp_len);
        expect_input(c, cert, comp, c->comp_len, "header length", "header length");
        /* a non-finite value */
        memcpy(comp, c->comp, c->comp_len);
        if (c->off_b < c->off_r) {
            put_f64(comp + c->off_b, NAN);
            set_sha(cert, comp, c->comp_len);
            expect_input(c, cert, comp, c->comp_len, "not finite", "NaN in beta");
        }
    }
    (void)hl;
    /* a malformed tree: the first certified tree's first token = k */
    set_sha(cert, c->comp, c->comp_len);
    for (r = 0; (e = mf_entry(cert, r, "lower")); r++) {
        mpoint P;
        get_point(c, r, &P);
        if (!P.lower)
            continue;
        memcpy(comp, c->comp, c->comp_len);
        {
            int32_t bad = (int32_t)c->k;
            memcpy(comp + c->off_t + P.t0 * 4, &bad, 4);
        }
        set_sha(cert, comp, c->comp_len);
        expect_input(c, cert, comp, c->comp_len, "tree", "malformed tree");
        set_sha(cert, c->comp, c->comp_len);
        /* leaves outside beta, then a leaf count that does not match */
        json_array_set_new(json_object_get(e, "leaves"), 0, json_integer(1 << 30));
        expect_input(c, cert, c->comp, c->comp_len, "outside beta", "leaves range");
        json_array_set_new(json_object_get(e, "leaves"), 0, json_integer((json_int_t)P.l0));
        json_array_set_new(json_object_get(e, "leaves"), 1, json_integer((json_int_t)P.ln + 1));
        expect_input(c, cert, c->comp, c->comp_len, "leaves", "leaf count");
        json_array_set_new(json_object_get(e, "leaves"), 1, json_integer((json_int_t)P.ln));
        break;
    }
    for (r = 0; (e = mf_entry(cert, r, "upper")); r++)
        if (json_object_get(e, "row")) {
            json_object_set_new(e, "row", json_integer(1 << 30));
            expect_input(c, cert, c->comp, c->comp_len, "outside x_adv", "row");
            json_object_set_new(e, "U", json_real(1.0));
            expect_input(c, cert, c->comp, c->comp_len, "not a hex float", "U as a number");
            json_object_set(e, "U", json_object_get(mf_entry(c->cert, r, "upper"), "U"));
            json_object_set_new(e, "strict", json_string("yes"));
            expect_input(c, cert, c->comp, c->comp_len, "expected a boolean", "strict");
            break;
        }
    json_decref(cert);
    cert = json_deep_copy(c->cert);
    /* missing companion */
    expect_input(c, cert, NULL, 0, "cannot open", "missing companion");
    /* member errors */
    e = json_array_get(json_object_get(json_object_get(cert, "min_flip"), "points"), 0);
    json_object_set_new(e, "set", json_string("test"));
    expect_input(c, cert, c->comp, c->comp_len, "min_flip.points[0]", "set mismatch");
    json_decref(cert);
    cert = json_deep_copy(c->cert);
    json_object_set_new(json_object_get(json_object_get(cert, "min_flip"), "companion"), "file",
                        json_string("../x.st"));
    expect_input(c, cert, c->comp, c->comp_len, "plain file name", "file with a /");
    json_decref(cert);
    cert = json_deep_copy(c->cert);
    json_array_remove(json_object_get(json_object_get(cert, "min_flip"), "points"), 0);
    expect_input(c, cert, c->comp, c->comp_len, "one per flip entry", "points count");
    json_decref(cert);
    cert = json_deep_copy(c->cert);
    json_object_del(cert, "lipschitz");
    {   /* dist_lower needs lipschitz too: drop it so min_flip is what fails */
        json_t *fl = json_object_get(cert, "flips");
        for (r = 0; r < json_array_size(fl); r++)
            json_object_del(json_array_get(fl, r), "dist_lower");
    }
    expect_input(c, cert, c->comp, c->comp_len, "without lipschitz", "no lipschitz");
    json_decref(cert);
    /* nrc_check_buffers reads no companion: not valid, naming it */
    s = json_dumps(c->cert, 0);
    err.msg[0] = '\0';
    CHECK(nrc_check_buffers((const unsigned char *)s, strlen(s), "cert.json", c->model,
                            c->model_len, "model.bin", &rep, &err) == NRC_OK &&
          !rep.valid && strcmp(rep.claim, "min_flip.companion") == 0,
          "%s: nrc_check_buffers without a companion: valid %d claim %s", c->tag, rep.valid,
          rep.claim);
    free(s);
    nrc_free(comp);
}

/* deep: 0 accepted and counted only; 1 the tamper suites; 2 also the
 * independent re-derivation of mf_verify.h */
static void one_model(const char *file, const char *eng, int points, int deep)
{
    mcase c;
    nrc_check_report rep;
    nrc_error err;
    mfv_counts cnt;
    size_t r, up = 0, lo = 0, none = 0, done_u = 0, done_l = 0;
    double *u;
    int ok = mcase_make(&c, file, eng, points);
    char *s;
    if (ok < 0) {
        printf("     %s: engine %s not available\n", file, eng);
        mcase_clear(&c);
        return;
    }
    REQUIRE(ok == 1, "%s: certify --min-flip (%s)", file, eng);
    /* the independent re-derivation agrees the certificate is right */
    s = json_dumps(c.cert, 0);
    if (deep > 1)
        mfv_verify(&c.M, s, c.comp, c.comp_len, file, &cnt);
    free(s);
    /* accepted, every claim counted */
    CHECK(run(&c, c.cert, c.comp, c.comp_len, &rep, &err) == NRC_OK && rep.valid,
          "%s (%s): certificate rejected: %s", file, eng, err.msg);
    for (r = 0; (void)0, r < json_array_size(json_object_get(json_object_get(c.cert, "min_flip"),
                                                           "points")); r++) {
        mpoint P;
        get_point(&c, r, &P);
        up += P.upper;
        lo += P.lower;
        none += !P.upper + !P.lower;
    }
    CHECK(rep.mf_present && rep.mf_upper == up && rep.mf_lower == lo && rep.mf_none == none &&
          (deep < 2 || (up == cnt.upper && lo == cnt.lower)) && up > 0 && lo > 0,
          "%s (%s): counted %zu upper %zu lower %zu none; certificate %zu, %zu, %zu", file, eng,
          rep.mf_upper, rep.mf_lower, rep.mf_none, up, lo, none);
    printf("     %s (%s): %zu upper, %zu lower claims (%zu leaves) accepted\n", file, eng, up, lo,
           rep.mf_leaves);
    u = get_u(&c);
    for (r = 0; deep && (done_u < 2 || done_l < 1) &&
                r < json_array_size(json_object_get(json_object_get(c.cert, "min_flip"), "points"));
         r++) {
        mpoint P;
        get_point(&c, r, &P);
        /* a spread of points: train and test (every third entry) */
        if (r % 3)
            continue;
        if (P.upper && done_u < 2) {
            suite_upper(&c, r, &P);
            done_u++;
        }
        if (P.lower && done_l < 1) {
            suite_lower(&c, r, &P, u, 6);
            done_l++;
        }
    }
    free(u);
    if (deep)
        suite_format(&c);
    mcase_clear(&c);
}

static void test_min_flip_checked(void)
{
    /* trained models (tests/fixtures/minflip/ddn.txt): gradient descent,
     * polished, hidden biases (train and test points, both engines), and a
     * fixed second layer (k = 32; its test points cost seconds to certify:
     * the training points, fast engine) */
    memset(&tot, 0, sizeof tot);
    one_model("ddn_gd.bin", "fast", NRC_POINTS_ALL, 2);
    one_model("ddn_gd.bin", "mpfr", NRC_POINTS_ALL, 0);
    one_model("ddn_polish.bin", "fast", NRC_POINTS_ALL, 1);
    one_model("ddn_polish.bin", "mpfr", NRC_POINTS_ALL, 0);
    one_model("ddn_bias.bin", "fast", NRC_POINTS_ALL, 1);
    one_model("ddn_bias.bin", "mpfr", NRC_POINTS_ALL, 2);
    one_model("ddn_fixed.bin", "fast", NRC_POINTS_TRAIN, 1);
    printf("     %zu checks; tight U %zu, tight D %zu, x_adv one ulp across the boundary %zu; "
           "rho 0 -> 2^-1074 rejected %zu; rejected upper %zu, lower %zu; one-ulp moves agreeing with the oracle: x_adv %zu, "
           "beta/rho %zu\n", tot.checks, tot.tight_u, tot.tight_d, tot.boundary_x,
           tot.rho_tight, tot.rejected_upper, tot.rejected_lower, tot.agree_x, tot.agree_br);
    CHECK(tot.tight_u >= 8 && tot.tight_d >= 4 && tot.boundary_x >= 8 &&
              tot.rejected_lower > tot.tight_d,
          "too few tamper cases for the test to mean anything");
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/t-check_minflip.XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    snprintf(comp_path, sizeof comp_path, "%s/comp.st", tmpdir);
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    RUN(test_min_flip_checked);
    unlink(comp_path);
    rmdir(tmpdir);
    return tl_exit();
}
