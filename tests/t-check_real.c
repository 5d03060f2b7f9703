/* The checker on certify's real output: small random models (biases, fixed
 * second layer, test points, margin direction) are trained with $BIN/train,
 * certified with $BIN/certify, and every certificate must validate.  Then
 * the tamper suite on every claimed number: certify's bounds are not tight,
 * so each number is first pushed, by bisection over the ordered doubles, to
 * the last value the checker accepts; that value must be accepted and one
 * ulp further in the unsafe direction must be rejected naming the claim
 * (one ulp in the safe direction from the original stays valid).  The
 * boundaries themselves are validated against an independent exact
 * implementation on the hand-made fixtures (t-check_cert). */
#include <float.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_check_cert.h"
#include "nrc_io.h"
#include "nrc_sha256.h"

static char tmpdir[256];
static const char *bin;

typedef struct {
    unsigned char *model;
    size_t model_len;
    json_t *cert;
    char name[64];
} fixture;

static nrc_status run(fixture *f, nrc_check_report *rep, nrc_error *err)
{
    char *s = json_dumps(f->cert, JSON_COMPACT);
    nrc_status st;
    err->msg[0] = '\0';
    st = nrc_check_buffers((const unsigned char *)s, strlen(s), "cert", f->model, f->model_len,
                           "model", rep, err);
    free(s);
    return st;
}

/* Train and certify one model; returns 1 when both files exist. */
static int make_model(const char *name, const char *train_opts, const char *cert_opts, fixture *f)
{
    char cmd[1024], path[512];
    unsigned char *cb;
    size_t cl;
    nrc_error err;
    json_error_t jerr;
    int rc;
    snprintf(f->name, sizeof f->name, "%s", name);
    snprintf(cmd, sizeof cmd, "%s/train %s --quiet -o %s/%s.bin", bin, train_opts, tmpdir, name);
    rc = system(cmd);
    if (rc != 0) {
        CHECK(0, "%s: '%s' failed (%d)", name, cmd, rc);
        return 0;
    }
    snprintf(cmd, sizeof cmd, "%s/certify %s --quiet -o %s/%s.json %s/%s.bin", bin, cert_opts,
             tmpdir, name, tmpdir, name);
    rc = system(cmd);
    /* exit 1 = not everything certified: the certificate is still written */
    if (!WIFEXITED(rc) || (WEXITSTATUS(rc) != 0 && WEXITSTATUS(rc) != 1)) {
        CHECK(0, "%s: '%s' failed (%d)", name, cmd, rc);
        return 0;
    }
    snprintf(path, sizeof path, "%s/%s.bin", tmpdir, name);
    if (nrc_file_read_all(path, 1 << 26, &f->model, &f->model_len, &err))
        return 0;
    snprintf(path, sizeof path, "%s/%s.json", tmpdir, name);
    if (nrc_file_read_all(path, 1 << 26, &cb, &cl, &err)) {
        nrc_free(f->model);
        return 0;
    }
    f->cert = json_loadb((const char *)cb, cl, 0, &jerr);
    nrc_free(cb);
    if (!f->cert)
        nrc_free(f->model);
    return f->cert != NULL;
}

static void unload(fixture *f)
{
    nrc_free(f->model);
    json_decref(f->cert);
}

/* Doubles as ordered integers (so that "one ulp" is +-1). */
static int64_t ord(double x)
{
    int64_t i;
    memcpy(&i, &x, sizeof i);
    return i < 0 ? INT64_MIN - i : i;
}
static double unord(int64_t i)
{
    double x;
    if (i < 0)
        i = INT64_MIN - i;
    memcpy(&x, &i, sizeof x);
    return x;
}

static void set(json_t *arr_or_obj, const char *key, size_t ix, double x)
{
    char hex[64];
    snprintf(hex, sizeof hex, "%a", x);
    if (key)
        json_object_set_new(arr_or_obj, key, json_string(hex));
    else
        json_array_set_new(arr_or_obj, ix, json_string(hex));
}

static double get(json_t *arr_or_obj, const char *key, size_t ix)
{
    json_t *v = key ? json_object_get(arr_or_obj, key) : json_array_get(arr_or_obj, ix);
    return strtod(json_string_value(v), NULL);
}

static int accepted(fixture *f)
{
    nrc_check_report rep;
    nrc_error err;
    return run(f, &rep, &err) == NRC_OK && rep.valid;
}

/* Tamper one number (member key of object, or index ix of array).  up = 1
 * when the unsafe direction is up (lower bounds), limit = the farthest
 * value to try in that direction. claim = expected claim name prefix. */
static int tamper(fixture *f, json_t *holder, const char *key, size_t ix, int up, double limit,
                  const char *path, const char *claim, int coupled)
{
    double x = get(holder, key, ix), safe, bad;
    int64_t a = ord(x), z = ord(limit);
    nrc_check_report rep;
    nrc_error err;
    nrc_status st;
    int ok = 1;
    /* safe direction keeps it valid */
    safe = unord(a + (up ? -1 : 1));
    set(holder, key, ix, safe);
    st = run(f, &rep, &err);
    if (!(st == NRC_OK && (rep.valid || (coupled && (strncmp(rep.claim, "lipschitz", 9) == 0 ||
                                                      strstr(rep.claim, "dist_lower")))))) {
        CHECK(0, "%s: %s one ulp safe (%a -> %a) rejected: %s", f->name, path, x, safe, err.msg);
        ok = 0;
    }
    /* bisect to the boundary: a accepted, z rejected */
    set(holder, key, ix, limit);
    if (accepted(f)) {
        a = z;
        z = z + (up ? 1 : -1);
    } else {
        while ((up ? z - a : a - z) > 1) {
            int64_t mid = a + (z - a) / 2;
            set(holder, key, ix, unord(mid));
            if (accepted(f))
                a = mid;
            else
                z = mid;
        }
    }
    set(holder, key, ix, unord(a));
    if (!accepted(f)) {
        CHECK(0, "%s: %s boundary %a not accepted", f->name, path, unord(a));
        ok = 0;
    }
    bad = unord(z);
    set(holder, key, ix, bad);
    st = run(f, &rep, &err);
    if (!((st == NRC_OK && !rep.valid && strncmp(rep.claim, claim, strlen(claim)) == 0) ||
          (st == NRC_ERR_INPUT && strstr(err.msg, path)))) {
        CHECK(0, "%s: %s one ulp past the boundary (%a -> %a): status %d valid %d claim '%s' (want '%s'): %s",
              f->name, path, unord(a), bad, st, rep.valid, rep.claim, claim, err.msg);
        ok = 0;
    }
    set(holder, key, ix, x);
    return ok;
}

static size_t tamper_all(fixture *f)
{
    static const char *fit[] = {"min_margin", "normalized_margin", "theta_norm_sq"};
    static const char *data[] = {"R_min_sq", "R_max_sq", "rho", "eps_data", "gamma_z", "z_norm_sq"};
    static const char *kkt[] = {"eps_rel_upper", "eps_upper", "delta_upper", "balance_defect_upper"};
    size_t count = 0, t, r;
    char path[96], claim[96];
    json_t *o, *a;
    for (t = 0; t < 9; t++) {
        const char *grp = t < 3 ? "fit" : "data";
        const char *mem = t < 3 ? fit[t] : data[t - 3];
        json_t *e = json_object_get(json_object_get(f->cert, grp), mem);
        double lo = get(e, NULL, 0), hi = get(e, NULL, 1);
        snprintf(path, sizeof path, "%s.%s", grp, mem);
        count += tamper(f, e, NULL, 0, 1, hi, path, path, 0);
        count += tamper(f, e, NULL, 1, 0, lo, path, path, 0);
    }
    o = json_object_get(f->cert, "lipschitz");
    a = json_object_get(o, "neuron_norm_upper");
    for (t = 0; t < json_array_size(a); t++) {
        snprintf(path, sizeof path, "lipschitz.neuron_norm_upper[%zu]", t);
        count += tamper(f, a, NULL, t, 0, 0.0, path, path, 1);
    }
    count += tamper(f, o, "L_upper", 0, 0, 0.0, "lipschitz.L_upper", "lipschitz.L_upper", 1);
    a = json_object_get(f->cert, "flips");
    for (r = 0; r < json_array_size(a); r++) {
        json_t *e = json_array_get(a, r);
        if (strcmp(json_string_value(json_object_get(e, "status")), "certified") != 0)
            continue;
        snprintf(claim, sizeof claim, "flips[%zu]", r);
        snprintf(path, sizeof path, "flips[%zu].scale", r);
        count += tamper(f, e, "scale", 0, 1, DBL_MAX, path, claim, 0);
        snprintf(path, sizeof path, "flips[%zu].delta_norm_upper", r);
        count += tamper(f, e, "delta_norm_upper", 0, 0, 0.0, path, path, 0);
        snprintf(path, sizeof path, "flips[%zu].x_norm_lower", r);
        count += tamper(f, e, "x_norm_lower", 0, 1, DBL_MAX, path, path, 0);
        snprintf(path, sizeof path, "flips[%zu].dist_lower", r);
        count += tamper(f, e, "dist_lower", 0, 1, DBL_MAX, path, path, 0);
    }
    o = json_object_get(f->cert, "kkt");
    if (strcmp(json_string_value(json_object_get(o, "status")), "certified") == 0)
        for (t = 0; t < 4; t++) {
            snprintf(path, sizeof path, "kkt.%s", kkt[t]);
            count += tamper(f, o, kkt[t], 0, 0, 0.0, path, path, 0);
        }
    o = json_object_get(f->cert, "robust_reference");
    if (strcmp(json_string_value(json_object_get(o, "status")), "certified") == 0)
        count += tamper(f, o, "radius_lower", 0, 1, DBL_MAX, "robust_reference.radius_lower",
                        "robust_reference.radius_lower", 0);
    return count;
}

static const struct {
    const char *name, *train, *certify;
    int tamper;
} configs[] = {
    {"plain", "-n 6 -d 40 -k 8 -m 3 --steps 200 --seed 11", "", 1},
    {"bias", "-n 6 -d 40 -k 8 -m 3 --steps 200 --seed 12 --bias", "", 1},
    {"fixed", "-n 6 -d 40 -k 8 -m 2 --steps 300 --seed 13 --fix-second-layer", "", 1},
    {"fixedbias", "-n 5 -d 30 -k 6 -m 2 --steps 300 --seed 14 --fix-second-layer --bias", "", 0},
    {"gauss", "-n 8 -d 60 -k 10 -m 4 --steps 200 --seed 15 --data gaussian --labels random", "", 0},
    {"margin", "-n 6 -d 40 -k 8 -m 3 --steps 300 --seed 16", "--direction margin:0.5", 0},
    {"trainonly", "-n 7 -d 20 -k 5 -m 0 --steps 100 --seed 17", "--points train", 0},
    {"testonly", "-n 4 -d 30 -k 4 -m 5 --steps 150 --seed 18 --bias", "--points test", 0},
    {"narrow", "-n 10 -d 12 -k 2 -m 3 --steps 50 --seed 19", "", 0},
    {"mpfr", "-n 5 -d 25 -k 6 -m 2 --steps 200 --seed 20 --bias", "--engine mpfr", 0},
    {"wide", "-n 3 -d 200 -k 40 -m 1 --steps 100 --seed 21", "", 0},
    {"untrained", "-n 6 -d 30 -k 8 -m 2 --steps 0 --seed 22 --bias", "", 0},
};

static void certify_outputs_validate_and_resist_tampering(void)
{
    size_t c, total = 0;
    long extra, e;
    for (c = 0; c < sizeof configs / sizeof *configs; c++) {
        fixture f;
        nrc_check_report rep;
        nrc_error err;
        nrc_status st;
        if (!make_model(configs[c].name, configs[c].train, configs[c].certify, &f))
            continue;
        st = run(&f, &rep, &err);
        CHECK(st == NRC_OK && rep.valid, "%s: certify's certificate rejected: status %d: %s",
              configs[c].name, st, err.msg);
        printf("  info %s: valid; %zu train + %zu test flips, kkt %zu, robust %zu\n", configs[c].name,
               rep.flips_train, rep.flips_test, rep.kkt, rep.robust);
        if (st == NRC_OK && rep.valid && configs[c].tamper) {
            size_t n = tamper_all(&f);
            printf("  info %s: %zu claimed numbers tampered (safe ulp, bisected boundary, unsafe ulp)\n",
                   configs[c].name, n);
            total += n;
            /* one flipped bit anywhere in the model file is caught */
            {
                size_t bit = (size_t)(tl_seed() * 2654435761u) % (f.model_len * 8);
                f.model[bit / 8] ^= (unsigned char)(1u << (bit % 8));
                st = run(&f, &rep, &err);
                CHECK(st != NRC_OK || !rep.valid, "%s: model bit %zu flipped, still accepted",
                      configs[c].name, bit);
                f.model[bit / 8] ^= (unsigned char)(1u << (bit % 8));
            }
        }
        unload(&f);
    }
    CHECK(total >= 100, "only %zu numbers tampered", total);
    /* NRC_TEST_MULT > 1: more random models, validation only */
    extra = 4 * (tl_mult() - 1);
    for (e = 0; e < extra; e++) {
        fixture f;
        nrc_check_report rep;
        nrc_error err;
        char opts[256], name[32];
        snprintf(name, sizeof name, "extra%ld", e);
        snprintf(opts, sizeof opts, "-n %ld -d %ld -k %ld -m 2 --steps %ld --seed %llu%s%s",
                 3 + e % 7, 10 + 7 * (e % 5), 2 + e % 9, 50 * (e % 6),
                 (unsigned long long)(tl_seed() + (uint64_t)e), e % 2 ? " --bias" : "",
                 e % 3 == 0 ? " --fix-second-layer" : "");
        if (!make_model(name, opts, "", &f))
            continue;
        CHECK(run(&f, &rep, &err) == NRC_OK && rep.valid, "%s (%s): rejected: %s", name, opts, err.msg);
        unload(&f);
    }
}

/* A polished network (train --polish-always) sits at kinks whose stored
 * pre-activations are tiny but not exactly 0; certify lists them under
 * kkt.kink_tolerance (spec/CERTIFICATE.md). Its certificate validates; eta
 * bisected to the checker's boundary is accepted and one ulp below is
 * rejected naming kkt.kinks (or kkt.kink_tolerance below 0); without eta the
 * listed near-kinks are rejected; and the certificate cut down to the
 * members FORMATS.md lists still validates. */
static void certify_polished_kink_tolerance(void)
{
    static const char *additions[] = {"options", "lipschitz"};
    fixture f;
    nrc_check_report rep;
    nrc_error err;
    nrc_status st;
    json_t *kkt, *eta, *flips;
    size_t t;
    if (!make_model("polished", "-n 10 -d 30 -k 8 -m 2 --seed 31 --polish-always", "", &f))
        return;
    st = run(&f, &rep, &err);
    CHECK(st == NRC_OK && rep.valid, "polished: certify's certificate rejected: %s", err.msg);
    kkt = json_object_get(f.cert, "kkt");
    eta = json_object_get(kkt, "kink_tolerance");
    if (!eta || strcmp(json_string_value(json_object_get(kkt, "status")), "certified") != 0 ||
        get(kkt, "kink_tolerance", 0) <= 0.0) {
        printf("  info polished: certify wrote no positive kink_tolerance (kkt %s): eta cases skipped\n",
               json_string_value(json_object_get(kkt, "status")));
    } else {
        double e = get(kkt, "kink_tolerance", 0);
        printf("  info polished: kink_tolerance %a, %zu kinks listed\n", e,
               json_array_size(json_object_get(kkt, "kinks")));
        CHECK(tamper(&f, kkt, "kink_tolerance", 0, 0, 0.0, "kkt.kink_tolerance", "kkt.kin", 0),
              "polished: kink_tolerance boundary");
        eta = json_incref(json_object_get(kkt, "kink_tolerance")); /* tamper replaced it */
        json_object_del(kkt, "kink_tolerance");
        st = run(&f, &rep, &err);
        CHECK(st == NRC_OK && !rep.valid && strncmp(rep.claim, "kkt.kinks", 9) == 0,
              "polished without kink_tolerance: status %d valid %d claim '%s': %s", st, rep.valid,
              rep.claim, err.msg);
        json_object_set_new(kkt, "kink_tolerance", eta);
    }
    /* FORMATS.md members only */
    for (t = 0; t < sizeof additions / sizeof *additions; t++)
        json_object_del(f.cert, additions[t]);
    json_object_del(json_object_get(f.cert, "fit"), "theta_norm_sq");
    json_object_del(json_object_get(f.cert, "model"), "fixed_second_layer");
    json_object_del(kkt, "variant");
    if (strcmp(json_string_value(json_object_get(kkt, "status")), "certified") == 0)
        json_object_del(kkt, "status");
    flips = json_object_get(f.cert, "flips");
    for (t = 0; t < json_array_size(flips); t++) {
        json_object_del(json_array_get(flips, t), "dist_lower");
        json_object_del(json_array_get(flips, t), "reason");
    }
    st = run(&f, &rep, &err);
    CHECK(st == NRC_OK && rep.valid, "polished, FORMATS.md members only: status %d claim '%s': %s", st,
          rep.claim, err.msg);
    unload(&f);
}

/* certify run on the hand-made fixture models (one has an exact ReLU kink
 * at a training point) must produce certificates the checker accepts. */
static void certify_on_hand_models(void)
{
    static const char *names[] = {"hand", "fixed", "float"};
    size_t t;
    for (t = 0; t < 3; t++) {
        char cmd[1024], path[512];
        unsigned char *cb, *mb;
        size_t cl, ml;
        nrc_error err;
        nrc_check_report rep;
        int rc;
        snprintf(cmd, sizeof cmd, "%s/certify --quiet -o %s/h%zu.json tests/fixtures/check/%s.model.bin",
                 bin, tmpdir, t, names[t]);
        rc = system(cmd);
        if (!WIFEXITED(rc) || (WEXITSTATUS(rc) != 0 && WEXITSTATUS(rc) != 1)) {
            CHECK(0, "'%s' failed (%d)", cmd, rc);
            continue;
        }
        snprintf(path, sizeof path, "%s/h%zu.json", tmpdir, t);
        REQUIRE(nrc_file_read_all(path, 1 << 24, &cb, &cl, &err) == NRC_OK, "%s", err.msg);
        snprintf(path, sizeof path, "tests/fixtures/check/%s.model.bin", names[t]);
        REQUIRE(nrc_file_read_all(path, 1 << 24, &mb, &ml, &err) == NRC_OK, "%s", err.msg);
        CHECK(nrc_check_buffers(cb, cl, "cert", mb, ml, "model", &rep, &err) == NRC_OK && rep.valid,
              "certify on %s: %s", names[t], err.msg);
        if (t == 0) {
            json_error_t jerr;
            json_t *root = json_loadb((const char *)cb, cl, 0, &jerr);
            json_t *k0 = json_array_get(json_object_get(json_object_get(root, "kkt"), "kinks"), 0);
            CHECK(k0 && json_integer_value(json_array_get(k0, 0)) == 3 &&
                      json_integer_value(json_array_get(k0, 1)) == 2,
                  "hand model: certify does not list the exact kink at (3, 2)");
            json_decref(root);
        }
        nrc_free(cb);
        nrc_free(mb);
    }
}

int main(void)
{
    char cmd[512];
    const char *tmp = getenv("TMPDIR");
    bin = getenv("BIN") ? getenv("BIN") : "bin";
    snprintf(tmpdir, sizeof tmpdir, "%s/nrc-check-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(tmpdir)) {
        printf("FAIL setup: mkdtemp\n");
        return 1;
    }
    RUN(certify_outputs_validate_and_resist_tampering);
    RUN(certify_on_hand_models);
    RUN(certify_polished_kink_tolerance);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        printf("  info: could not remove %s\n", tmpdir);
    return tl_exit();
}
