/* The checker against hand-made certificates (tests/fixtures/check, written
 * by make_fixtures.py from the spec alone with exact Fraction arithmetic):
 * they validate; the tamper suite (every claimed number one ulp in the
 * unsafe direction is rejected naming its claim, one ulp in the safe
 * direction keeps it valid); status-only tampering; model bit flips; a
 * certificate binary64 evaluation accepts but exact evaluation rejects;
 * malformed certificates (exit-3 class with the member path); a certificate
 * written from FORMATS.md alone (no additions) and a near-kink listed under
 * kkt.kink_tolerance. */
#include <math.h>
#include <string.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_check_cert.h"
#include "nrc_io.h"
#include "nrc_sha256.h"

#define FIX "tests/fixtures/check/"

typedef struct {
    unsigned char *model;
    size_t model_len;
    json_t *cert;
} fixture;

static int load(const char *name, fixture *f)
{
    char path[256];
    unsigned char *cb;
    size_t cl;
    nrc_error err;
    json_error_t jerr;
    snprintf(path, sizeof path, FIX "%s.model.bin", name);
    if (nrc_file_read_all(path, 1 << 20, &f->model, &f->model_len, &err))
        return 0;
    snprintf(path, sizeof path, FIX "%s.cert.json", name);
    if (nrc_file_read_all(path, 1 << 20, &cb, &cl, &err))
        return 0;
    f->cert = json_loadb((const char *)cb, cl, 0, &jerr);
    nrc_free(cb);
    return f->cert != NULL;
}

static void unload(fixture *f)
{
    nrc_free(f->model);
    json_decref(f->cert);
}

/* Returns the status; rep and err filled. */
static nrc_status run(json_t *cert, const unsigned char *model, size_t len,
                      nrc_check_report *rep, nrc_error *err)
{
    char *s = json_dumps(cert, JSON_INDENT(1));
    nrc_status st;
    err->msg[0] = '\0';
    st = nrc_check_buffers((const unsigned char *)s, strlen(s), "cert", model, len, "model",
                           rep, err);
    free(s);
    return st;
}

/* Member at a dotted path with [i] indices, e.g. "flips[2].scale". */
static json_t *at(json_t *root, const char *path)
{
    char buf[128], *p, *tok;
    json_t *cur = root;
    snprintf(buf, sizeof buf, "%s", path);
    for (tok = strtok_r(buf, ".", &p); tok && cur; tok = strtok_r(NULL, ".", &p)) {
        char *br = strchr(tok, '[');
        if (br)
            *br = '\0';
        cur = json_object_get(cur, tok);
        while (br && cur) {
            size_t ix = strtoul(br + 1, &br, 10);
            cur = json_array_get(cur, ix);
            br = strchr(br, '[');
        }
    }
    return cur;
}

static double get_hex(json_t *root, const char *path)
{
    return strtod(json_string_value(at(root, path)), NULL);
}

/* Replace the hex at path (a string inside an object or array). */
static void set_hex(json_t *root, const char *path, double x)
{
    char buf[128], hex[64], *dot, *br;
    json_t *parent;
    snprintf(buf, sizeof buf, "%s", path);
    snprintf(hex, sizeof hex, "%a", x);
    dot = strrchr(buf, '.');
    br = strrchr(buf, '[');
    if (br && (!dot || br > dot)) {
        size_t ix = strtoul(br + 1, NULL, 10);
        *br = '\0';
        parent = at(root, buf);
        json_array_set_new(parent, ix, json_string(hex));
    } else {
        *dot = '\0';
        parent = at(root, buf);
        json_object_set_new(parent, dot + 1, json_string(hex));
    }
}

static void hand_certificates_validate(void)
{
    static const char *names[] = {"hand", "fixed", "tie", "formats", "kink"};
    size_t t;
    for (t = 0; t < 5; t++) {
        fixture f;
        nrc_check_report rep;
        nrc_error err;
        nrc_status st;
        REQUIRE(load(names[t], &f), "cannot load fixture %s", names[t]);
        st = run(f.cert, f.model, f.model_len, &rep, &err);
        CHECK(st == NRC_OK && rep.valid, "%s: status %d valid %d: %s", names[t], st, rep.valid, err.msg);
        if (t != 2)
            CHECK(rep.kkt == 6 && rep.robust == 1 && rep.flips_train >= 3,
                  "%s: counts kkt %zu robust %zu train %zu", names[t], rep.kkt, rep.robust, rep.flips_train);
        unload(&f);
    }
}

/* kind: 'l' lower bound (unsafe = up), 'u' upper bound (unsafe = down). */
typedef struct {
    const char *path;
    char kind;
    const char *claim;     /* expected claim name prefix on rejection */
    int coupled;           /* safe direction may break a coupled claim; for
                              the scale: the unsafe ulp may still hold (U is
                              tight only up to its own rounding) */
} tamper;

static int tamper_one(fixture *f, const tamper *tp, const char *name)
{
    nrc_check_report rep;
    nrc_error err;
    nrc_status st;
    double x = get_hex(f->cert, tp->path);
    double unsafe = nextafter(x, tp->kind == 'l' ? INFINITY : -INFINITY);
    double safe = nextafter(x, tp->kind == 'l' ? -INFINITY : INFINITY);
    int ok = 1;
    set_hex(f->cert, tp->path, unsafe);
    st = run(f->cert, f->model, f->model_len, &rep, &err);
    /* rejected naming the claim; or, for an enclosure with lo == hi, lo > hi
     * (a malformed enclosure, named) */
    if (!((st == NRC_OK && !rep.valid && strncmp(rep.claim, tp->claim, strlen(tp->claim)) == 0) ||
          (st == NRC_ERR_INPUT && strstr(err.msg, tp->claim) && strstr(err.msg, "lo > hi")) ||
          (st == NRC_OK && rep.valid && tp->coupled == 2))) {
        CHECK(0, "%s: %s one ulp unsafe (%a -> %a): status %d valid %d claim '%s' (want '%s'): %s",
              name, tp->path, x, unsafe, st, rep.valid, rep.claim, tp->claim, err.msg);
        ok = 0;
    }
    set_hex(f->cert, tp->path, safe);
    st = run(f->cert, f->model, f->model_len, &rep, &err);
    if (!(st == NRC_OK && (rep.valid || (tp->coupled && (strncmp(rep.claim, "lipschitz", 9) == 0 ||
                                                          strstr(rep.claim, "dist_lower")))))) {
        CHECK(0, "%s: %s one ulp safe (%a -> %a): status %d valid %d: %s", name, tp->path, x, safe,
              st, rep.valid, err.msg);
        ok = 0;
    }
    set_hex(f->cert, tp->path, x);
    return ok;
}

static void tamper_suite_fixture(const char *name)
{
    static const char *encs[] = {"fit.min_margin", "fit.normalized_margin", "fit.theta_norm_sq",
                                 "data.R_min_sq", "data.R_max_sq", "data.rho", "data.eps_data",
                                 "data.gamma_z", "data.z_norm_sq"};
    static const char *kkt_upper[] = {"kkt.eps_rel_upper", "kkt.eps_upper", "kkt.delta_upper",
                                      "kkt.balance_defect_upper"};
    fixture f;
    size_t t, r, j, count = 0;
    char path[96], claim[64];
    REQUIRE(load(name, &f), "cannot load fixture %s", name);
    for (t = 0; t < sizeof encs / sizeof *encs; t++) {
        if (!at(f.cert, encs[t]))
            continue;   /* an addition absent from a FORMATS.md certificate */
        tamper lo = {path, 'l', encs[t], 0}, hi = {path, 'u', encs[t], 0};
        snprintf(path, sizeof path, "%s[0]", encs[t]);
        count += tamper_one(&f, &lo, name);
        snprintf(path, sizeof path, "%s[1]", encs[t]);
        count += tamper_one(&f, &hi, name);
    }
    for (j = 0; j < json_array_size(at(f.cert, "lipschitz.neuron_norm_upper")); j++) {
        tamper tp = {path, 'u', path, 1};
        snprintf(path, sizeof path, "lipschitz.neuron_norm_upper[%zu]", j);
        count += tamper_one(&f, &tp, name);
    }
    if (at(f.cert, "lipschitz.L_upper")) {
        tamper tp = {"lipschitz.L_upper", 'u', "lipschitz.L_upper", 1};
        count += tamper_one(&f, &tp, name);
    }
    for (r = 0; r < json_array_size(at(f.cert, "flips")); r++) {
        static const char *mem[] = {"scale", "delta_norm_upper", "x_norm_lower", "dist_lower"};
        static const char kinds[] = {'u', 'u', 'l', 'l'};
        json_t *e = json_array_get(at(f.cert, "flips"), r);
        if (strcmp(json_string_value(json_object_get(e, "status")), "certified") != 0)
            continue;
        for (t = 0; t < 4; t++) {
            /* scale one ulp up breaks the tight U: the claim named is the flip */
            tamper tp = {path, kinds[t], claim, 0};
            if (!json_object_get(e, mem[t]))
                continue;   /* dist_lower: an addition */
            snprintf(path, sizeof path, "flips[%zu].%s", r, mem[t]);
            if (t == 0) {
                tp.kind = 'l'; /* unsafe = up */
                tp.coupled = 2;
                snprintf(claim, sizeof claim, "flips[%zu].delta_norm_upper", r);
            } else {
                snprintf(claim, sizeof claim, "flips[%zu].%s", r, mem[t]);
            }
            count += tamper_one(&f, &tp, name);
        }
    }
    /* kkt.status absent (FORMATS.md certificate): the claims are asserted */
    if (!at(f.cert, "kkt.status") || strcmp(json_string_value(at(f.cert, "kkt.status")), "certified") == 0) {
        for (t = 0; t < 4; t++) {
            tamper tp = {kkt_upper[t], 'u', kkt_upper[t], 0};
            count += tamper_one(&f, &tp, name);
        }
        /* eta: one ulp below the largest listed |a_ij| drops that pair out of
         * the tolerance (rejected naming the pair); larger stays valid */
        if (at(f.cert, "kkt.kink_tolerance")) {
            tamper tp = {"kkt.kink_tolerance", 'u', "kkt.kinks[", 0};
            count += tamper_one(&f, &tp, name);
        }
    }
    if (strcmp(json_string_value(at(f.cert, "robust_reference.status")), "certified") == 0) {
        tamper tp = {"robust_reference.radius_lower", 'l', "robust_reference.radius_lower", 0};
        count += tamper_one(&f, &tp, name);
    }
    CHECK(count >= 25, "%s: only %zu tampered numbers passed", name, count);
    printf("  info %s: %zu claimed numbers tampered both ways\n", name, count);
    unload(&f);
}

static void tamper_suite_hand(void) { tamper_suite_fixture("hand"); }
static void tamper_suite_formats(void) { tamper_suite_fixture("formats"); }
static void tamper_suite_kink(void) { tamper_suite_fixture("kink"); }
static void tamper_suite_tie(void) { tamper_suite_fixture("tie"); }

/* rho = R_min^2 exactly (two identical points): a "certified" robust
 * reference must be refused whatever radius it states. */
static void robust_reference_needs_separation(void)
{
    fixture f;
    nrc_check_report rep;
    nrc_error err;
    nrc_status st;
    REQUIRE(load("tie", &f), "cannot load fixture");
    json_object_set_new(f.cert, "robust_reference",
                        json_pack("{s:s, s:s}", "status", "certified", "radius_lower", "0x0p+0"));
    st = run(f.cert, f.model, f.model_len, &rep, &err);
    CHECK(st == NRC_OK && !rep.valid && strcmp(rep.claim, "robust_reference.status") == 0,
          "status %d valid %d claim '%s': %s", st, rep.valid, rep.claim, err.msg);
    unload(&f);
}
static void tamper_suite_fixed(void) { tamper_suite_fixture("fixed"); }

static void expect_false(fixture *f, const char *what, const char *claim)
{
    nrc_check_report rep;
    nrc_error err;
    nrc_status st = run(f->cert, f->model, f->model_len, &rep, &err);
    CHECK(st == NRC_OK && !rep.valid && strncmp(rep.claim, claim, strlen(claim)) == 0,
          "%s: status %d valid %d claim '%s' (want '%s'): %s", what, st, rep.valid, rep.claim,
          claim, err.msg);
}

static void expect_malformed(fixture *f, const char *what, const char *msg_part)
{
    nrc_check_report rep;
    nrc_error err;
    nrc_status st = run(f->cert, f->model, f->model_len, &rep, &err);
    CHECK(st == NRC_ERR_INPUT && strstr(err.msg, msg_part) != NULL,
          "%s: status %d (want 3), message '%s' (want '%s')", what, st, err.msg, msg_part);
}

static void status_and_structure_tampering(void)
{
    fixture f;
    json_t *e, *saved;
    REQUIRE(load("hand", &f), "cannot load fixture");
    /* "undecided" -> "certified" with its stale numbers */
    e = at(f.cert, "flips[4]");
    json_object_set_new(e, "status", json_string("certified"));
    expect_false(&f, "undecided->certified", "flips[4]");
    json_object_set_new(e, "status", json_string("undecided"));
    /* a negative multiplier */
    set_hex(f.cert, "kkt.lambda[2]", -0x1p-1074);
    expect_false(&f, "negative lambda", "kkt.lambda[2]");
    set_hex(f.cert, "kkt.lambda[2]", 0x1.851eb851eb852p-3); /* 0.19, as written */
    /* kink value out of [0, 1] */
    saved = json_deep_copy(at(f.cert, "kkt.kinks"));
    json_array_set_new(at(f.cert, "kkt.kinks[0]"), 2, json_string("0x1.0000000000001p+0"));
    expect_false(&f, "kink g > 1", "kkt.kinks[0]");
    /* an exact zero not listed */
    json_object_set_new(at(f.cert, "kkt"), "kinks", json_array());
    expect_false(&f, "kink not listed", "kkt.kinks");
    /* a listed pair that is not an exact zero */
    json_object_set_new(at(f.cert, "kkt"), "kinks", json_deep_copy(saved));
    json_array_insert_new(at(f.cert, "kkt.kinks"), 0,
                          json_pack("[i, i, s]", 0, 0, "0x1p-1"));
    expect_false(&f, "kink at a nonzero", "kkt.kinks[0]");
    json_object_set_new(at(f.cert, "kkt"), "kinks", saved);
    /* class counts and regime */
    json_object_set_new(at(f.cert, "data"), "n_pos", json_integer(3));
    expect_false(&f, "n_pos", "data.n_pos");
    json_object_set_new(at(f.cert, "data"), "n_pos", json_integer(2));
    json_object_set_new(at(f.cert, "data"), "regime", json_true());
    expect_false(&f, "regime", "data.regime");
    json_object_set_new(at(f.cert, "data"), "regime", json_false());
    /* the sign of a flip */
    json_object_set_new(at(f.cert, "flips[0]"), "sign", json_integer(-1));
    expect_false(&f, "flip sign", "flips[0].sign");
    json_object_set_new(at(f.cert, "flips[0]"), "sign", json_integer(1));
    {
        nrc_check_report rep;
        nrc_error err;
        nrc_status st = run(f.cert, f.model, f.model_len, &rep, &err);
        CHECK(st == NRC_OK && rep.valid, "restored certificate no longer valid: %s", err.msg);
    }
    unload(&f);
}

static void model_bit_flips(void)
{
    fixture f;
    size_t bit, nbits, caught_hash = 0, caught_reader = 0;
    REQUIRE(load("hand", &f), "cannot load fixture");
    nbits = (f.model_len - 32) * 8;
    for (bit = 0; bit < nbits; bit += 7) {
        nrc_check_report rep;
        nrc_error err;
        nrc_status st;
        f.model[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        /* as stored (the file's own checksum catches it) ... */
        st = run(f.cert, f.model, f.model_len, &rep, &err);
        CHECK(st != NRC_OK || !rep.valid, "bit %zu: flipped model accepted", bit);
        caught_reader += st == NRC_ERR_INPUT;
        /* ... and with the file's checksum recomputed: model.sha256 does */
        nrc_sha256(f.model, f.model_len - 32, f.model + f.model_len - 32);
        st = run(f.cert, f.model, f.model_len, &rep, &err);
        CHECK(st != NRC_OK || !rep.valid, "bit %zu: flipped model with fixed checksum accepted", bit);
        if (st == NRC_OK) {
            CHECK(strcmp(rep.claim, "model.sha256") == 0, "bit %zu: claim '%s'", bit, rep.claim);
            caught_hash++;
        }
        f.model[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        nrc_sha256(f.model, f.model_len - 32, f.model + f.model_len - 32);
    }
    CHECK(caught_hash > 0 && caught_reader > 0, "hash %zu reader %zu", caught_hash, caught_reader);
    unload(&f);
}

static void float_accepts_exact_rejects(void)
{
    fixture f;
    REQUIRE(load("float", &f), "cannot load fixture");
    /* N(xt) is exactly 0 (binary64 sums give 2^-53 > 0) */
    expect_false(&f, "float trap", "flips[1].sign");
    /* the rest of the certificate is right: demote the trap and it validates */
    json_object_set_new(at(f.cert, "flips[1]"), "status", json_string("undecided"));
    {
        nrc_check_report rep;
        nrc_error err;
        nrc_status st = run(f.cert, f.model, f.model_len, &rep, &err);
        CHECK(st == NRC_OK && rep.valid, "float fixture without the trap: %s", err.msg);
    }
    unload(&f);
}

static void malformed_certificates(void)
{
    static const char *bad_hex[] = {"0.25", "0x1.00000000000001p+0", "inf", "nan", "0x1p+1024",
                                    "0x1p-1075", "0x1.8", "1p0", "0x", "0xp1", "0x1p", "0x1p+1 ",
                                    " 0x1p0", "0x1.8p-3x", "0x1.fffffffffffff8p+0"};
    fixture f;
    json_t *saved;
    size_t t;
    REQUIRE(load("hand", &f), "cannot load fixture");
    for (t = 0; t < sizeof bad_hex / sizeof *bad_hex; t++) {
        json_array_set_new(at(f.cert, "kkt.lambda"), 3, json_string(bad_hex[t]));
        expect_malformed(&f, bad_hex[t], "kkt.lambda[3]: not a hex float");
    }
    json_array_set_new(at(f.cert, "kkt.lambda"), 3, json_stringn("0x1p-2\0junk", 11));
    expect_malformed(&f, "embedded NUL", "is not allowed"); /* jansson refuses \\u0000; check_parse.c would too */
    json_array_set_new(at(f.cert, "kkt.lambda"), 3, json_real(0.25));
    expect_malformed(&f, "JSON number", "kkt.lambda[3]: not a hex float");
    json_array_set_new(at(f.cert, "kkt.lambda"), 3, json_string("0x1.c28f5c28f5c29p-3"));
    saved = json_deep_copy(at(f.cert, "kkt"));
    json_object_del(f.cert, "kkt");
    expect_malformed(&f, "missing kkt", "kkt: missing required member");
    json_object_set_new(f.cert, "kkt", saved);
    json_object_set_new(f.cert, "format", json_string("nrc-cert"));
    expect_malformed(&f, "format", "format");
    json_object_set_new(f.cert, "format", json_string("nrc-certificate"));
    json_object_set_new(f.cert, "version", json_integer(2));
    expect_malformed(&f, "version", "version");
    json_object_set_new(f.cert, "version", json_integer(1));
    json_object_set_new(at(f.cert, "model"), "d", json_integer(5));
    expect_malformed(&f, "model.d", "do not match");
    json_object_set_new(at(f.cert, "model"), "d", json_integer(4));
    json_object_set_new(at(f.cert, "model"), "n", json_integer(5));
    expect_malformed(&f, "model.n", "flips");
    json_object_set_new(at(f.cert, "model"), "n", json_integer(4));
    json_object_set_new(at(f.cert, "flips[1]"), "index", json_integer(2));
    expect_malformed(&f, "flip order", "flips[1]");
    json_object_set_new(at(f.cert, "flips[1]"), "index", json_integer(1));
    json_object_set_new(at(f.cert, "fit"), "min_margin", json_pack("[s, s]", "0x1p+0", "0x1p-1"));
    expect_malformed(&f, "lo > hi", "fit.min_margin");
    json_object_set_new(at(f.cert, "fit"), "min_margin", json_pack("[s, s]", "0x1.c3d70a3d70a3dp-1", "0x1.c3d70a3d70a3ep-1"));
    json_array_append_new(at(f.cert, "kkt.kinks"), json_pack("[i, i, s]", 3, 2, "0x1p-1"));
    expect_malformed(&f, "duplicate kink", "kkt.kinks[1]");
    json_array_remove(at(f.cert, "kkt.kinks"), 1);
    json_object_set_new(at(f.cert, "flips[0]"), "status", json_string("maybe"));
    expect_malformed(&f, "unknown status", "flips[0].status");
    json_object_set_new(at(f.cert, "flips[0]"), "status", json_string("certified"));
    json_object_set_new(at(f.cert, "model"), "sha256", json_string("ABC"));
    expect_malformed(&f, "sha format", "model.sha256");
    unload(&f);
    /* duplicate keys and invalid JSON */
    {
        const char *dup = "{\"format\": \"nrc-certificate\", \"format\": \"x\"}";
        nrc_check_report rep;
        nrc_error err;
        nrc_status st;
        REQUIRE(load("hand", &f), "cannot load fixture");
        st = nrc_check_buffers((const unsigned char *)dup, strlen(dup), "c", f.model, f.model_len,
                               "m", &rep, &err);
        CHECK(st == NRC_ERR_INPUT, "duplicate key accepted (status %d)", st);
        st = nrc_check_buffers((const unsigned char *)"{", 1, "c", f.model, f.model_len, "m", &rep, &err);
        CHECK(st == NRC_ERR_INPUT, "invalid JSON accepted (status %d)", st);
        unload(&f);
    }
}

static void expect_valid(fixture *f, const char *what)
{
    nrc_check_report rep;
    nrc_error err;
    nrc_status st = run(f->cert, f->model, f->model_len, &rep, &err);
    CHECK(st == NRC_OK && rep.valid, "%s: status %d valid %d claim '%s': %s", what, st, rep.valid,
          rep.claim, err.msg);
}

/* Delete the member at path (object member or array element). */
static json_t *remove_at(json_t *root, const char *path)
{
    char buf[128], *dot, *br;
    json_t *saved;
    snprintf(buf, sizeof buf, "%s", path);
    dot = strrchr(buf, '.');
    br = strrchr(buf, '[');
    saved = json_incref(at(root, path));
    if (br && (!dot || br > dot)) {
        size_t ix = strtoul(br + 1, NULL, 10);
        *br = '\0';
        json_array_remove(at(root, buf), ix);
    } else if (dot) {
        *dot = '\0';
        json_object_del(at(root, buf), dot + 1);
    } else {
        json_object_del(root, buf);
    }
    return saved;
}

static void put_back(json_t *root, const char *path, json_t *saved)
{
    char buf[128], *dot;
    snprintf(buf, sizeof buf, "%s", path);
    dot = strrchr(buf, '.');
    if (dot) {
        *dot = '\0';
        json_object_set_new(at(root, buf), dot + 1, saved);
    } else {
        json_object_set_new(root, buf, saved);
    }
}

/* spec/CERTIFICATE.md "Certificates written from spec/FORMATS.md alone". */
static void formats_only_certificate(void)
{
    /* every member FORMATS.md lists (formats.cert.json has no others) */
    static const char *required[] = {
        "format", "version", "tool", "tool.name", "tool.version", "tool.engine", "model",
        "model.sha256", "model.n", "model.d", "model.k", "model.m", "model.bias", "semantics",
        "direction", "direction.indices", "fit", "fit.all_correct", "fit.min_margin",
        "fit.normalized_margin", "data", "data.R_min_sq", "data.R_max_sq", "data.rho",
        "data.eps_data", "data.gamma_z", "data.z_norm_sq", "data.n_pos", "data.n_neg",
        "data.regime", "flips", "flips[0].set", "flips[0].index", "flips[0].sign",
        "flips[0].scale", "flips[0].delta_norm_upper", "flips[0].x_norm_lower",
        "flips[0].status", "kkt", "kkt.lambda", "kkt.kinks", "kkt.eps_rel_upper",
        "kkt.eps_upper", "kkt.delta_upper", "kkt.balance_defect_upper", "robust_reference",
        "robust_reference.status", "robust_reference.radius_lower", "theory", "summary"};
    static const char *additions[] = {"options", "fit.theta_norm_sq", "model.fixed_second_layer",
                                      "lipschitz", "kkt.status", "kkt.variant",
                                      "kkt.kink_tolerance", "flips[0].dist_lower",
                                      "flips[0].reason"};
    fixture f;
    size_t t;
    REQUIRE(load("formats", &f), "cannot load fixture");
    for (t = 0; t < sizeof additions / sizeof *additions; t++)
        CHECK(at(f.cert, additions[t]) == NULL, "formats fixture has the addition %s", additions[t]);
    expect_valid(&f, "formats as written");
    for (t = 0; t < sizeof required / sizeof *required; t++) {
        json_t *saved = remove_at(f.cert, required[t]);
        const char *leaf = strrchr(required[t], '.');
        char want[96];
        REQUIRE(saved != NULL, "formats fixture lacks %s", required[t]);
        snprintf(want, sizeof want, "%s: missing required member", leaf ? leaf + 1 : required[t]);
        expect_malformed(&f, required[t], want);
        put_back(f.cert, required[t], saved);
    }
    expect_valid(&f, "formats restored");
    /* dist_lower needs lipschitz (its claim D L <= p N(x) needs L) */
    json_object_set_new(at(f.cert, "flips[0]"), "dist_lower", json_string("0x0p+0"));
    expect_malformed(&f, "dist_lower without lipschitz", "flips[0].dist_lower");
    json_object_del(at(f.cert, "flips[0]"), "dist_lower");
    /* additions present are checked: a false theta_norm_sq is caught */
    json_object_set_new(at(f.cert, "fit"), "theta_norm_sq", json_pack("[s, s]", "0x1p+0", "0x1p+0"));
    expect_false(&f, "added theta_norm_sq", "fit.theta_norm_sq");
    json_object_del(at(f.cert, "fit"), "theta_norm_sq");
    /* kkt.variant present and wrong for the model (flag bit 1 clear) */
    json_object_set_new(at(f.cert, "kkt"), "variant", json_string("fixed-second-layer"));
    expect_malformed(&f, "variant vs model flag", "kkt.variant");
    json_object_del(at(f.cert, "kkt"), "variant");
    /* kkt.status absent asserts the claims: a false one is caught */
    set_hex(f.cert, "kkt.lambda[1]", -0x1p-3);
    expect_false(&f, "asserted kkt, negative lambda", "kkt.lambda[1]");
    set_hex(f.cert, "kkt.lambda[1]", 0x1.999999999999ap-3);
    /* asserted KKT claims need fit.all_correct true (false asserts nothing
     * about the fit, but then the KKT claims have no q_min > 0 to stand on) */
    json_object_set_new(at(f.cert, "fit"), "all_correct", json_false());
    expect_false(&f, "asserted kkt, all_correct false", "kkt.status");
    json_object_set_new(at(f.cert, "fit"), "all_correct", json_true());
    /* the exact zero at (3, 2) must still be listed */
    {
        json_t *saved = json_deep_copy(at(f.cert, "kkt.kinks"));
        json_object_set_new(at(f.cert, "kkt"), "kinks", json_array());
        expect_false(&f, "formats: kink not listed", "kkt.kinks");
        json_object_set_new(at(f.cert, "kkt"), "kinks", saved);
    }
    expect_valid(&f, "formats restored again");
    unload(&f);
    /* The fixed-second-layer fixture without its variant/flag members: the
     * model's flag bit 1 selects the variant (q_min^2 form) and it stays
     * valid; its options removed too (points inferred from flips). */
    REQUIRE(load("fixed", &f), "cannot load fixture");
    json_object_del(at(f.cert, "kkt"), "variant");
    json_object_del(at(f.cert, "kkt"), "status");
    json_object_del(at(f.cert, "model"), "fixed_second_layer");
    json_object_del(f.cert, "options");
    expect_valid(&f, "fixed without variant, status, fixed_second_layer, options");
    /* taken as the full variant it is false (eps_upper is tight for q_min^2) */
    json_object_set_new(at(f.cert, "kkt"), "variant", json_string("full"));
    expect_malformed(&f, "fixed model, variant full", "kkt.variant");
    unload(&f);
}

/* Issue 29 (spec/CHECK.md step 1): every cross-member consistency rule
 * holds whatever the statuses say. With the KKT claims "not-applicable"
 * (nothing asserted about them), a kkt.variant that contradicts the
 * model's flag bit 1 or model.fixed_second_layer is still an inconsistent
 * certificate: exit 3 naming kkt.variant (accepted with exit 0 before). */
static void cross_member_rules_whatever_the_status(void)
{
    static const char *const names[] = {"hand", "fixed"};
    size_t t;
    for (t = 0; t < 2; t++) {
        fixture f;
        const int fixed = t == 1;   /* hand: flag bit 1 clear; fixed: set */
        const char *right = fixed ? "fixed-second-layer" : "full";
        const char *wrong = fixed ? "full" : "fixed-second-layer";
        char what[96];
        REQUIRE(load(names[t], &f), "cannot load fixture %s", names[t]);
        json_object_set_new(at(f.cert, "kkt"), "status", json_string("not-applicable"));
        /* consistent: nothing asserted, valid */
        json_object_set_new(at(f.cert, "kkt"), "variant", json_string(right));
        snprintf(what, sizeof what, "%s: not-applicable, variant %s", names[t], right);
        expect_valid(&f, what);
        /* against the flag and model.fixed_second_layer (the parser's rule) */
        json_object_set_new(at(f.cert, "kkt"), "variant", json_string(wrong));
        snprintf(what, sizeof what, "%s: not-applicable, variant %s", names[t], wrong);
        expect_malformed(&f, what, "kkt.variant");
        expect_malformed(&f, what, "does not match model.fixed_second_layer");
        /* against the flag alone (fixed_second_layer absent: the model
         * section's rule, message naming flag bit 1) */
        json_object_del(at(f.cert, "model"), "fixed_second_layer");
        snprintf(what, sizeof what, "%s: not-applicable, no fixed_second_layer, variant %s",
                 names[t], wrong);
        expect_malformed(&f, what, "kkt.variant");
        expect_malformed(&f, what, "flag bit 1");
        /* model.fixed_second_layer against the flag, variant absent */
        json_object_del(at(f.cert, "kkt"), "variant");
        json_object_set_new(at(f.cert, "model"), "fixed_second_layer", json_boolean(!fixed));
        snprintf(what, sizeof what, "%s: not-applicable, fixed_second_layer %d", names[t], !fixed);
        expect_malformed(&f, what, "fixed_second_layer do not match the model file");
        /* the same three with the KKT claims asserted (status absent) */
        json_object_del(at(f.cert, "kkt"), "status");
        snprintf(what, sizeof what, "%s: asserted, fixed_second_layer %d", names[t], !fixed);
        expect_malformed(&f, what, "fixed_second_layer do not match the model file");
        json_object_set_new(at(f.cert, "model"), "fixed_second_layer", json_boolean(fixed));
        json_object_set_new(at(f.cert, "kkt"), "variant", json_string(wrong));
        snprintf(what, sizeof what, "%s: asserted, variant %s", names[t], wrong);
        expect_malformed(&f, what, "does not match model.fixed_second_layer");
        json_object_del(at(f.cert, "model"), "fixed_second_layer");
        expect_malformed(&f, what, "flag bit 1");
        unload(&f);
    }
    {
        /* dist_lower without lipschitz on a flip that is not certified (its
         * claim is not asserted, the rule still holds) */
        fixture f;
        REQUIRE(load("formats", &f), "cannot load fixture");
        json_object_set_new(at(f.cert, "flips[0]"), "status", json_string("undecided"));
        expect_valid(&f, "formats, flips[0] undecided");
        json_object_set_new(at(f.cert, "flips[0]"), "dist_lower", json_null());
        expect_malformed(&f, "dist_lower null without lipschitz, undecided", "flips[0].dist_lower");
        unload(&f);
    }
}

/* spec/CERTIFICATE.md kkt: kink_tolerance eta. kink.cert.json lists (3, 2)
 * (a_32 = 0 exactly), (3, 3) (a_33 = 2^-60 exactly) and (3, 4) (a_34 =
 * -2^-61 exactly) with eta = 2^-60. */
static void kink_tolerance(void)
{
    fixture f;
    json_t *saved;
    nrc_check_report rep;
    nrc_error err;
    nrc_status st;
    REQUIRE(load("kink", &f), "cannot load fixture");
    CHECK(get_hex(f.cert, "kkt.kink_tolerance") == 0x1p-60, "fixture eta");
    CHECK(json_array_size(at(f.cert, "kkt.kinks")) == 3, "fixture lists three kinks");
    expect_valid(&f, "kink as written");
    /* eta one ulp below |a_33| = 2^-60: rejected naming the pair and eta */
    set_hex(f.cert, "kkt.kink_tolerance", nextafter(0x1p-60, 0));
    st = run(f.cert, f.model, f.model_len, &rep, &err);
    CHECK(st == NRC_OK && !rep.valid && strcmp(rep.claim, "kkt.kinks[1]") == 0 &&
              strstr(err.msg, "kink_tolerance"),
          "eta one ulp low: status %d valid %d claim '%s': %s", st, rep.valid, rep.claim, err.msg);
    /* eta = 0 (written): only exact zeros may be listed */
    set_hex(f.cert, "kkt.kink_tolerance", 0.0);
    expect_false(&f, "eta 0", "kkt.kinks[1]");
    /* eta absent (0) with the near-kink listed */
    json_object_del(at(f.cert, "kkt"), "kink_tolerance");
    expect_false(&f, "eta absent", "kkt.kinks[1]");
    /* negative eta, even one that would cover nothing */
    set_hex(f.cert, "kkt.kink_tolerance", -0x1p-60);
    expect_false(&f, "eta negative", "kkt.kink_tolerance");
    set_hex(f.cert, "kkt.kink_tolerance", -0x1p-1074);
    expect_false(&f, "eta -denormal", "kkt.kink_tolerance");
    /* -0 is >= 0: only exact zeros may then be listed */
    json_object_set_new(at(f.cert, "kkt"), "kink_tolerance", json_string("-0x0p+0"));
    expect_false(&f, "eta -0", "kkt.kinks[1]");
    /* a decimal eta is malformed */
    json_object_set_new(at(f.cert, "kkt"), "kink_tolerance", json_string("1e-18"));
    expect_malformed(&f, "eta decimal", "kkt.kink_tolerance: not a hex float");
    set_hex(f.cert, "kkt.kink_tolerance", 0x1p-60);
    expect_valid(&f, "eta restored");
    /* a larger eta is fine (pairs with |a_ij| <= eta MAY be listed) */
    set_hex(f.cert, "kkt.kink_tolerance", 0x1p-10);
    expect_valid(&f, "eta 2^-10");
    set_hex(f.cert, "kkt.kink_tolerance", 0x1p-60);
    saved = json_deep_copy(at(f.cert, "kkt.kinks"));
    /* eta between |a_34| = 2^-61 and a_33 = 2^-60: (3, 3) is out */
    set_hex(f.cert, "kkt.kink_tolerance", 0x1.8p-61);
    expect_false(&f, "eta 1.5 2^-61", "kkt.kinks[1]");
    set_hex(f.cert, "kkt.kink_tolerance", 0x1p-60);
    /* a negative a_ij is compared by its magnitude: listing (2, 3), where
     * a_23 = -1/4 + 2^-60, with g = 0 (the value it has unlisted) is still
     * a rejection */
    json_array_insert_new(at(f.cert, "kkt.kinks"), 0, json_pack("[i, i, s]", 2, 3, "0x0p+0"));
    expect_false(&f, "negative pair listed", "kkt.kinks[0]");
    json_object_set_new(at(f.cert, "kkt"), "kinks", json_deep_copy(saved));
    /* an unlisted exact zero is still rejected, whatever eta */
    json_array_remove(at(f.cert, "kkt.kinks"), 0);
    expect_false(&f, "exact zero unlisted", "kkt.kinks");
    json_object_set_new(at(f.cert, "kkt"), "kinks", json_deep_copy(saved));
    /* the listed g enters the residual: g of the near-kink 1/2 -> 1 breaks
     * the tight eps_rel_upper */
    json_array_set_new(at(f.cert, "kkt.kinks[1]"), 2, json_string("0x1p+0"));
    expect_false(&f, "near-kink g changed", "kkt.eps_rel_upper");
    json_object_set_new(at(f.cert, "kkt"), "kinks", json_deep_copy(saved));
    /* g outside [0, 1] */
    json_array_set_new(at(f.cert, "kkt.kinks[1]"), 2, json_string("-0x1p-1074"));
    expect_false(&f, "near-kink g < 0", "kkt.kinks[1]");
    json_object_set_new(at(f.cert, "kkt"), "kinks", json_deep_copy(saved));
    /* order and duplicates are malformed */
    json_array_append_new(at(f.cert, "kkt.kinks"), json_pack("[i, i, s]", 3, 4, "0x1p-1"));
    expect_malformed(&f, "duplicate near-kink", "kkt.kinks[3]");
    json_object_set_new(at(f.cert, "kkt"), "kinks", json_deep_copy(saved));
    json_array_insert_new(at(f.cert, "kkt.kinks"), 0, json_pack("[i, i, s]", 3, 3, "0x1p-1"));
    json_array_remove(at(f.cert, "kkt.kinks"), 2);
    expect_malformed(&f, "kinks descending", "kkt.kinks[1]");
    json_object_set_new(at(f.cert, "kkt"), "kinks", json_deep_copy(saved));
    /* unlisting the near-kinks is allowed by the listing rule (they are not
     * exact zeros) but then g = 1 / 0 by sign, and the tight residual bound
     * no longer holds */
    json_array_remove(at(f.cert, "kkt.kinks"), 1);
    expect_false(&f, "near-kink unlisted", "kkt.eps_rel_upper");
    json_object_set_new(at(f.cert, "kkt"), "kinks", saved);
    expect_valid(&f, "kink restored");
    unload(&f);
}

int main(void)
{
    RUN(hand_certificates_validate);
    RUN(tamper_suite_hand);
    RUN(tamper_suite_fixed);
    RUN(tamper_suite_tie);
    RUN(robust_reference_needs_separation);
    RUN(status_and_structure_tampering);
    RUN(model_bit_flips);
    RUN(float_accepts_exact_rejects);
    RUN(malformed_certificates);
    RUN(tamper_suite_formats);
    RUN(tamper_suite_kink);
    RUN(formats_only_certificate);
    RUN(kink_tolerance);
    RUN(cross_member_rules_whatever_the_status);
    return tl_exit();
}
