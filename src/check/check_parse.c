/* Strict certificate parser for the checker (include/check/nrc_check_cert.h).
 * Every member of FORMATS.md is required with its exact type; the additions
 * of spec/CERTIFICATE.md ("Certificates written from FORMATS.md alone") are
 * optional and, when present, required to be well-formed; every
 * claimed number must be a hex string whose value is exactly a finite
 * binary64 (check_hex.c).  Messages name the member path. */
#include <stdio.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_check_cert.h"
#include "nrc_check_exact.h"
#include "nrc_check_mfcert.h"

void nrc_cert_init(nrc_cert *C)
{
    memset(C, 0, sizeof *C);
}

void nrc_cert_clear(nrc_cert *C)
{
    nrc_free(C->indices);
    nrc_free(C->neuron_norm_upper);
    nrc_free(C->flips);
    nrc_free(C->lambda);
    nrc_free(C->kinks);
    nrc_cmf_free(C->mf);
    nrc_cert_init(C);
}

static nrc_status member(json_t *obj, const char *path, const char *key,
                         json_t **out, nrc_error *err)
{
    *out = json_object_get(obj, key);
    if (!*out)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s%s%s: missing required member",
                             path, *path ? "." : "", key);
    return NRC_OK;
}

static nrc_status object(json_t *obj, const char *path, const char *key,
                         json_t **out, nrc_error *err)
{
    nrc_status st = member(obj, path, key, out, err);
    if (st)
        return st;
    if (!json_is_object(*out))
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: expected an object", key);
    return NRC_OK;
}

static nrc_status hex_value(json_t *v, const char *path, double *out, nrc_error *err)
{
    if (!json_is_string(v))
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: not a hex float (expected a string)", path);
    /* a JSON string may contain \u0000: the hex must be the whole string */
    if (json_string_length(v) != strlen(json_string_value(v)) ||
        !nrc_check_hex_parse(json_string_value(v), out))
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: not a hex float (\"%.60s\" is not exactly a finite binary64 in C99 hex form)",
                             path, json_string_value(v));
    return NRC_OK;
}

static nrc_status hex_member(json_t *obj, const char *path, const char *key,
                             double *out, nrc_error *err)
{
    char p[192];
    json_t *v;
    nrc_status st = member(obj, path, key, &v, err);
    if (st)
        return st;
    snprintf(p, sizeof p, "%s.%s", path, key);
    return hex_value(v, p, out, err);
}

static nrc_status enc_member(json_t *obj, const char *path, const char *key,
                             double out[2], nrc_error *err)
{
    char p[192];
    json_t *v;
    nrc_status st = member(obj, path, key, &v, err);
    if (st)
        return st;
    snprintf(p, sizeof p, "%s.%s", path, key);
    if (!json_is_array(v) || json_array_size(v) != 2)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: expected an enclosure [lo, hi]", p);
    {
        char q[200];
        snprintf(q, sizeof q, "%s[0]", p);
        if ((st = hex_value(json_array_get(v, 0), q, &out[0], err)))
            return st;
        snprintf(q, sizeof q, "%s[1]", p);
        if ((st = hex_value(json_array_get(v, 1), q, &out[1], err)))
            return st;
    }
    if (!(out[0] <= out[1]))
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: enclosure with lo > hi", p);
    return NRC_OK;
}

static nrc_status uint_value(json_t *v, const char *path, uint64_t max, uint64_t *out,
                             nrc_error *err)
{
    json_int_t x;
    if (!json_is_integer(v))
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: expected an integer", path);
    x = json_integer_value(v);
    if (x < 0 || (uint64_t)x > max)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: integer %lld out of range [0, %llu]",
                             path, (long long)x, (unsigned long long)max);
    *out = (uint64_t)x;
    return NRC_OK;
}

static nrc_status uint_member(json_t *obj, const char *path, const char *key,
                              uint64_t max, uint64_t *out, nrc_error *err)
{
    char p[192];
    json_t *v;
    nrc_status st = member(obj, path, key, &v, err);
    if (st)
        return st;
    snprintf(p, sizeof p, "%s.%s", path, key);
    return uint_value(v, p, max, out, err);
}

static nrc_status bool_member(json_t *obj, const char *path, const char *key,
                              int *out, nrc_error *err)
{
    json_t *v;
    nrc_status st = member(obj, path, key, &v, err);
    if (st)
        return st;
    if (!json_is_boolean(v))
        return nrc_error_set(err, NRC_ERR_INPUT, "%s.%s: expected a boolean", path, key);
    *out = json_is_true(v);
    return NRC_OK;
}

/* String member that must equal one of the NULL-terminated choices. */
static nrc_status choice_member(json_t *obj, const char *path, const char *key,
                                const char *const *choices, int *out, nrc_error *err)
{
    json_t *v;
    int c;
    nrc_status st = member(obj, path, key, &v, err);
    if (st)
        return st;
    if (!json_is_string(v))
        return nrc_error_set(err, NRC_ERR_INPUT, "%s%s%s: expected a string", path,
                             *path ? "." : "", key);
    for (c = 0; choices[c]; c++)
        if (strcmp(json_string_value(v), choices[c]) == 0) {
            *out = c;
            return NRC_OK;
        }
    return nrc_error_set(err, NRC_ERR_INPUT, "%s%s%s: unknown value \"%.60s\"", path,
                         *path ? "." : "", key, json_string_value(v));
}

static nrc_status string_member(json_t *obj, const char *path, const char *key,
                                nrc_error *err)
{
    json_t *v;
    nrc_status st = member(obj, path, key, &v, err);
    if (st)
        return st;
    if (!json_is_string(v))
        return nrc_error_set(err, NRC_ERR_INPUT, "%s.%s: expected a string", path, key);
    return NRC_OK;
}

static nrc_status parse_header(json_t *root, nrc_cert *C, nrc_error *err)
{
    static const char *const fmt[] = {"nrc-certificate", NULL};
    static const char *const sem[] = {"exact-real-on-binary64", NULL};
    static const char *const engines[] = {"fast", "mpfr", NULL};
    static const char *const points[] = {"train", "test", "all", NULL};
    json_t *v, *o;
    int c;
    nrc_status st;
    const char *s;
    size_t t;

    if ((st = choice_member(root, "", "format", fmt, &c, err)))
        return st;
    if ((st = member(root, "", "version", &v, err)))
        return st;
    if (!json_is_integer(v) || json_integer_value(v) != 1)
        return nrc_error_set(err, NRC_ERR_INPUT, "version: unknown certificate version (expected 1)");
    if ((st = object(root, "", "tool", &o, err)) ||
        (st = string_member(o, "tool", "name", err)) ||
        (st = string_member(o, "tool", "version", err)) ||
        (st = choice_member(o, "tool", "engine", engines, &c, err)))
        return st;
    if ((st = object(root, "", "model", &o, err)))
        return st;
    if ((st = member(o, "model", "sha256", &v, err)))
        return st;
    s = json_is_string(v) ? json_string_value(v) : NULL;
    if (!s || strlen(s) != 64)
        return nrc_error_set(err, NRC_ERR_INPUT, "model.sha256: expected 64 lower-case hex digits");
    for (t = 0; t < 64; t++)
        if (!((s[t] >= '0' && s[t] <= '9') || (s[t] >= 'a' && s[t] <= 'f')))
            return nrc_error_set(err, NRC_ERR_INPUT, "model.sha256: expected 64 lower-case hex digits");
    memcpy(C->sha256, s, 65);
    if ((st = uint_member(o, "model", "n", NRC_MODEL_DIM_MAX, &C->n, err)) ||
        (st = uint_member(o, "model", "d", NRC_MODEL_DIM_MAX, &C->d, err)) ||
        (st = uint_member(o, "model", "k", NRC_MODEL_DIM_MAX, &C->k, err)) ||
        (st = uint_member(o, "model", "m", NRC_MODEL_DIM_MAX, &C->m, err)) ||
        (st = bool_member(o, "model", "bias", &C->bias, err)))
        return st;
    C->has_fixed_second_layer = json_object_get(o, "fixed_second_layer") != NULL;
    if (C->has_fixed_second_layer &&
        (st = bool_member(o, "model", "fixed_second_layer", &C->fixed_second_layer, err)))
        return st;
    if (C->n < 1 || C->d < 1 || C->k < 1)
        return nrc_error_set(err, NRC_ERR_INPUT, "model: n, d, k must be >= 1");
    if ((st = choice_member(root, "", "semantics", sem, &c, err)))
        return st;
    C->has_options = json_object_get(root, "options") != NULL;
    if (C->has_options) {
        if ((st = object(root, "", "options", &o, err)) ||
            (st = choice_member(o, "options", "points", points, &C->points, err)))
            return st;
        if ((st = member(o, "options", "direction", &v, err)))
            return st;
        s = json_is_string(v) ? json_string_value(v) : NULL;
        if (!s || (strcmp(s, "all") != 0 && strncmp(s, "margin:", 7) != 0))
            return nrc_error_set(err, NRC_ERR_INPUT, "options.direction: expected \"all\" or \"margin:TAU\"");
    }
    if ((st = object(root, "", "theory", &o, err)) || (st = object(root, "", "summary", &o, err)))
        return st;
    return NRC_OK;
}

static nrc_status parse_direction(json_t *root, nrc_cert *C, nrc_error *err)
{
    json_t *o, *v;
    nrc_status st;
    size_t t;
    if ((st = object(root, "", "direction", &o, err)) ||
        (st = member(o, "direction", "indices", &v, err)))
        return st;
    if (json_is_string(v) && strcmp(json_string_value(v), "all") == 0) {
        C->dir_all = 1;
        return NRC_OK;
    }
    if (!json_is_array(v))
        return nrc_error_set(err, NRC_ERR_INPUT, "direction.indices: expected \"all\" or an array of indices");
    C->n_indices = json_array_size(v);
    C->indices = nrc_malloc_array(C->n_indices ? C->n_indices : 1, sizeof *C->indices);
    if (!C->indices)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    for (t = 0; t < C->n_indices; t++) {
        char p[64];
        snprintf(p, sizeof p, "direction.indices[%zu]", t);
        if ((st = uint_value(json_array_get(v, t), p, C->n - 1, &C->indices[t], err)))
            return st;
        if (t > 0 && C->indices[t] <= C->indices[t - 1])
            return nrc_error_set(err, NRC_ERR_INPUT, "%s: indices must be ascending and distinct", p);
    }
    return NRC_OK;
}

static nrc_status parse_fit_data(json_t *root, nrc_cert *C, nrc_error *err)
{
    json_t *o;
    nrc_status st;
    if ((st = object(root, "", "fit", &o, err)) ||
        (st = bool_member(o, "fit", "all_correct", &C->all_correct, err)) ||
        (st = enc_member(o, "fit", "min_margin", C->min_margin, err)) ||
        (st = enc_member(o, "fit", "normalized_margin", C->normalized_margin, err)))
        return st;
    C->has_theta_norm_sq = json_object_get(o, "theta_norm_sq") != NULL;
    if (C->has_theta_norm_sq &&
        (st = enc_member(o, "fit", "theta_norm_sq", C->theta_norm_sq, err)))
        return st;
    if ((st = object(root, "", "data", &o, err)) ||
        (st = enc_member(o, "data", "R_min_sq", C->R_min_sq, err)) ||
        (st = enc_member(o, "data", "R_max_sq", C->R_max_sq, err)) ||
        (st = enc_member(o, "data", "rho", C->rho, err)) ||
        (st = enc_member(o, "data", "eps_data", C->eps_data, err)) ||
        (st = enc_member(o, "data", "gamma_z", C->gamma_z, err)) ||
        (st = enc_member(o, "data", "z_norm_sq", C->z_norm_sq, err)) ||
        (st = uint_member(o, "data", "n_pos", C->n, &C->n_pos, err)) ||
        (st = uint_member(o, "data", "n_neg", C->n, &C->n_neg, err)) ||
        (st = bool_member(o, "data", "regime", &C->regime, err)))
        return st;
    return NRC_OK;
}

static nrc_status parse_lipschitz(json_t *root, nrc_cert *C, nrc_error *err)
{
    json_t *o, *v;
    nrc_status st;
    size_t j;
    C->has_lipschitz = json_object_get(root, "lipschitz") != NULL;
    if (!C->has_lipschitz)
        return NRC_OK;
    if ((st = object(root, "", "lipschitz", &o, err)) ||
        (st = member(o, "lipschitz", "neuron_norm_upper", &v, err)))
        return st;
    if (!json_is_array(v) || json_array_size(v) != C->k)
        return nrc_error_set(err, NRC_ERR_INPUT, "lipschitz.neuron_norm_upper: expected an array of k = %llu hex",
                             (unsigned long long)C->k);
    C->neuron_norm_upper = nrc_malloc_array((size_t)C->k, sizeof(double));
    if (!C->neuron_norm_upper)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    for (j = 0; j < C->k; j++) {
        char p[64];
        snprintf(p, sizeof p, "lipschitz.neuron_norm_upper[%zu]", j);
        if ((st = hex_value(json_array_get(v, j), p, &C->neuron_norm_upper[j], err)))
            return st;
    }
    return hex_member(o, "lipschitz", "L_upper", &C->L_upper, err);
}

/* A hex, or null (*out left alone) when allow_null. */
static nrc_status flip_number(json_t *e, const char *path, const char *key, int allow_null,
                              double *out, nrc_error *err)
{
    char p[128];
    json_t *v;
    nrc_status st = member(e, path, key, &v, err);
    if (st)
        return st;
    snprintf(p, sizeof p, "%s.%s", path, key);
    if (allow_null && json_is_null(v))
        return NRC_OK;
    return hex_value(v, p, out, err);
}

static nrc_status parse_flips(json_t *root, nrc_cert *C, nrc_error *err)
{
    static const char *const sets[] = {"train", "test", NULL};
    static const char *const statuses[] = {"certified", "undecided", "none", NULL};
    json_t *a;
    nrc_status st;
    size_t r, expect_train, expect_test;
    if ((st = member(root, "", "flips", &a, err)))
        return st;
    if (!json_is_array(a))
        return nrc_error_set(err, NRC_ERR_INPUT, "flips: expected an array");
    C->n_flips = json_array_size(a);
    if (!C->has_options) {
        /* Without options.points the sets are those the array lists: all
         * training points, all test points, or both (then checked below). */
        json_t *s0 = C->n_flips ? json_object_get(json_array_get(a, 0), "set") : NULL;
        int first_test = json_is_string(s0) && strcmp(json_string_value(s0), "test") == 0;
        if (C->n_flips == C->n + C->m)
            C->points = NRC_CPOINTS_ALL;   /* n >= 1: never "test only" */
        else if (first_test || (C->n_flips == 0 && C->m == 0))
            C->points = NRC_CPOINTS_TEST;
        else
            C->points = NRC_CPOINTS_TRAIN;
    }
    expect_train = C->points != NRC_CPOINTS_TEST ? (size_t)C->n : 0;
    expect_test = C->points != NRC_CPOINTS_TRAIN ? (size_t)C->m : 0;
    if (C->n_flips != expect_train + expect_test)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "flips: %zu entries, expected %zu (every point of the sets chosen by options.points)",
                             C->n_flips, expect_train + expect_test);
    C->flips = nrc_calloc(C->n_flips ? C->n_flips : 1, sizeof *C->flips);
    if (!C->flips)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    for (r = 0; r < C->n_flips; r++) {
        json_t *e = json_array_get(a, r);
        nrc_cflip *f = &C->flips[r];
        char p[64];
        json_t *v;
        json_int_t sg;
        snprintf(p, sizeof p, "flips[%zu]", r);
        if (!json_is_object(e))
            return nrc_error_set(err, NRC_ERR_INPUT, "%s: expected an object", p);
        if ((st = choice_member(e, p, "set", sets, &f->test, err)))
            return st;
        {
            char q[80];
            snprintf(q, sizeof q, "%s.index", p);
            if ((st = member(e, p, "index", &v, err)) ||
                (st = uint_value(v, q, f->test ? (C->m ? C->m - 1 : 0) : C->n - 1, &f->index, err)))
                return st;
        }
        /* Order: train points ascending, then test points ascending, each
         * point of the chosen sets exactly once. */
        if (f->test != (r >= expect_train) || f->index != (f->test ? r - expect_train : r))
            return nrc_error_set(err, NRC_ERR_INPUT,
                                 "%s: expected set \"%s\" index %zu (train points first, then test points, ascending)",
                                 p, r >= expect_train ? "test" : "train",
                                 r >= expect_train ? r - expect_train : r);
        if ((st = member(e, p, "sign", &v, err)))
            return st;
        sg = json_is_integer(v) ? json_integer_value(v) : 0;
        if (sg != 1 && sg != -1)
            return nrc_error_set(err, NRC_ERR_INPUT, "%s.sign: expected 1 or -1", p);
        f->sign = (int)sg;
        if ((st = choice_member(e, p, "status", statuses, &f->status, err)))
            return st;
        {
            int opt = f->status != NRC_CFLIP_CERTIFIED;
            if ((st = flip_number(e, p, "scale", opt, &f->s, err)) ||
                (st = flip_number(e, p, "delta_norm_upper", opt, &f->U, err)) ||
                (st = flip_number(e, p, "x_norm_lower", 0, &f->x_norm_lower, err)))
                return st;
            /* dist_lower is an addition: optional, but its claim needs L */
            f->has_D = json_object_get(e, "dist_lower") != NULL;
            if (f->has_D) {
                if (!C->has_lipschitz)
                    return nrc_error_set(err, NRC_ERR_INPUT,
                                         "%s.dist_lower: present without lipschitz (its claim D L <= p N(x) needs L)", p);
                if ((st = flip_number(e, p, "dist_lower", opt, &f->D, err)))
                    return st;
                if (opt && json_is_null(json_object_get(e, "dist_lower")))
                    f->has_D = 0;
            }
            if (json_object_get(e, "reason") && !json_is_string(json_object_get(e, "reason")))
                return nrc_error_set(err, NRC_ERR_INPUT, "%s.reason: expected a string", p);
        }
    }
    return NRC_OK;
}

static nrc_status parse_kkt(json_t *root, nrc_cert *C, nrc_error *err)
{
    static const char *const statuses[] = {"certified", "not-applicable", NULL};
    static const char *const variants[] = {"full", "fixed-second-layer", NULL};
    json_t *o, *v;
    nrc_status st;
    int status;
    size_t t;
    if ((st = object(root, "", "kkt", &o, err)))
        return st;
    /* status absent (a FORMATS.md certificate): the claims are asserted */
    status = 0;
    if (json_object_get(o, "status") &&
        (st = choice_member(o, "kkt", "status", statuses, &status, err)))
        return st;
    /* variant absent: taken from the model's flag bit 1 (check_model.c) */
    C->kkt_variant_given = json_object_get(o, "variant") != NULL;
    if (C->kkt_variant_given &&
        (st = choice_member(o, "kkt", "variant", variants, &C->kkt_fixed, err)))
        return st;
    C->kkt_certified = status == 0;
    /* a cross-member rule: it holds whatever kkt.status says (issue 29) */
    if (C->kkt_variant_given && C->has_fixed_second_layer &&
        C->kkt_fixed != C->fixed_second_layer)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "kkt.variant: \"%s\" does not match model.fixed_second_layer",
                             variants[C->kkt_fixed]);
    if (!C->kkt_certified)
        return NRC_OK;   /* "not-applicable" asserts nothing more */
    if ((st = member(o, "kkt", "lambda", &v, err)))
        return st;
    if (!json_is_array(v) || json_array_size(v) != C->n)
        return nrc_error_set(err, NRC_ERR_INPUT, "kkt.lambda: expected an array of n = %llu hex",
                             (unsigned long long)C->n);
    C->lambda = nrc_malloc_array((size_t)C->n, sizeof(double));
    if (!C->lambda)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    for (t = 0; t < C->n; t++) {
        char p[64];
        snprintf(p, sizeof p, "kkt.lambda[%zu]", t);
        if ((st = hex_value(json_array_get(v, t), p, &C->lambda[t], err)))
            return st;
    }
    if ((st = member(o, "kkt", "kinks", &v, err)))
        return st;
    if (!json_is_array(v))
        return nrc_error_set(err, NRC_ERR_INPUT, "kkt.kinks: expected an array");
    C->n_kinks = json_array_size(v);
    C->kinks = nrc_malloc_array(C->n_kinks ? C->n_kinks : 1, sizeof *C->kinks);
    if (!C->kinks)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    for (t = 0; t < C->n_kinks; t++) {
        json_t *e = json_array_get(v, t);
        char p[64], q[80];
        nrc_ckink *kk = &C->kinks[t];
        snprintf(p, sizeof p, "kkt.kinks[%zu]", t);
        if (!json_is_array(e) || json_array_size(e) != 3)
            return nrc_error_set(err, NRC_ERR_INPUT, "%s: expected [i, j, hex g]", p);
        snprintf(q, sizeof q, "%s[0]", p);
        if ((st = uint_value(json_array_get(e, 0), q, C->n - 1, &kk->i, err)))
            return st;
        snprintf(q, sizeof q, "%s[1]", p);
        if ((st = uint_value(json_array_get(e, 1), q, C->k - 1, &kk->j, err)))
            return st;
        snprintf(q, sizeof q, "%s[2]", p);
        if ((st = hex_value(json_array_get(e, 2), q, &kk->g, err)))
            return st;
        if (t > 0 && (kk->i < kk[-1].i || (kk->i == kk[-1].i && kk->j <= kk[-1].j)))
            return nrc_error_set(err, NRC_ERR_INPUT, "%s: kinks must be ascending by (i, j) and distinct", p);
    }
    /* kink_tolerance eta: optional, 0 when absent; eta >= 0 is checked
     * with the claims (check_claims.c), like the other signs */
    C->kink_tolerance = 0.0;
    if (json_object_get(o, "kink_tolerance") &&
        (st = hex_member(o, "kkt", "kink_tolerance", &C->kink_tolerance, err)))
        return st;
    if ((st = hex_member(o, "kkt", "eps_rel_upper", &C->eps_rel_upper, err)) ||
        (st = hex_member(o, "kkt", "eps_upper", &C->eps_upper, err)) ||
        (st = hex_member(o, "kkt", "delta_upper", &C->delta_upper, err)) ||
        (st = hex_member(o, "kkt", "balance_defect_upper", &C->balance_defect_upper, err)))
        return st;
    return NRC_OK;
}

static nrc_status parse_robust(json_t *root, nrc_cert *C, nrc_error *err)
{
    static const char *const statuses[] = {"certified", "not-applicable", NULL};
    json_t *o;
    nrc_status st;
    int status;
    if ((st = object(root, "", "robust_reference", &o, err)) ||
        (st = choice_member(o, "robust_reference", "status", statuses, &status, err)))
        return st;
    C->robust_certified = status == 0;
    if (!C->robust_certified)
        return NRC_OK;
    return hex_member(o, "robust_reference", "radius_lower", &C->radius_lower, err);
}

/* [first, count] of a min_flip lower claim: two integers whose sum fits. */
static nrc_status mf_range(json_t *lo, const char *path, const char *key, uint64_t *first,
                           uint64_t *count, nrc_error *err)
{
    char p[128], q[140];
    json_t *v;
    nrc_status st = member(lo, path, key, &v, err);
    if (st)
        return st;
    snprintf(p, sizeof p, "%s.%s", path, key);
    if (!json_is_array(v) || json_array_size(v) != 2)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: expected [first, count]", p);
    snprintf(q, sizeof q, "%s[0]", p);
    if ((st = uint_value(json_array_get(v, 0), q, (uint64_t)INT64_MAX / 2, first, err)))
        return st;
    snprintf(q, sizeof q, "%s[1]", p);
    return uint_value(json_array_get(v, 1), q, (uint64_t)INT64_MAX / 2, count, err);
}

/* The status of a min_flip claim; "none" needs a reason string. */
static nrc_status mf_status(json_t *o, const char *path, int *certified, nrc_error *err)
{
    static const char *const statuses[] = {"certified", "none", NULL};
    int c;
    nrc_status st;
    if (!json_is_object(o))
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: expected an object", path);
    if ((st = choice_member(o, path, "status", statuses, &c, err)))
        return st;
    *certified = c == 0;
    if (!*certified)
        return string_member(o, path, "reason", err);
    return NRC_OK;
}

/* One entry of min_flip.points: the point of flips[r] (set, index, sign),
 * its upper and lower claims. */
static nrc_status mf_point(json_t *e, const char *p, const nrc_cflip *f, nrc_cmf_point *q,
                           nrc_error *err)
{
    static const char *const sets[] = {"train", "test", NULL};
    char pu[96], pl[96];
    json_t *v, *up, *lo;
    nrc_status st;
    if (!json_is_object(e))
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: expected an object", p);
    if ((st = choice_member(e, p, "set", sets, &q->test, err)) ||
        (st = member(e, p, "index", &v, err)))
        return st;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s.index: expected an integer >= 0", p);
    q->index = (uint64_t)json_integer_value(v);
    if ((st = member(e, p, "sign", &v, err)))
        return st;
    q->sign = json_is_integer(v) ? (int)json_integer_value(v) : 0;
    if (!json_is_integer(v) || (json_integer_value(v) != 1 && json_integer_value(v) != -1))
        return nrc_error_set(err, NRC_ERR_INPUT, "%s.sign: expected 1 or -1", p);
    if (q->test != f->test || q->index != f->index || q->sign != f->sign)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: set, index and sign must be those of the flip entry with the same number",
                             p);
    snprintf(pu, sizeof pu, "%s.upper", p);
    snprintf(pl, sizeof pl, "%s.lower", p);
    if ((st = member(e, p, "upper", &up, err)) || (st = mf_status(up, pu, &q->upper, err)) ||
        (st = member(e, p, "lower", &lo, err)) || (st = mf_status(lo, pl, &q->lower, err)))
        return st;
    if (q->upper && ((st = hex_member(up, pu, "U", &q->U, err)) ||
                     (st = bool_member(up, pu, "strict", &q->strict, err)) ||
                     (st = uint_member(up, pu, "row", (uint64_t)INT64_MAX, &q->row, err))))
        return st;
    if (q->lower && ((st = hex_member(lo, pl, "D", &q->D, err)) ||
                     (st = mf_range(lo, pl, "tree", &q->tok0, &q->ntok, err)) ||
                     (st = mf_range(lo, pl, "leaves", &q->leaf0, &q->nleaves, err))))
        return st;
    return NRC_OK;
}

/* The companion's name: a plain file name (no '/', not "." or ".."). */
static nrc_status mf_companion(json_t *o, nrc_cmf *mf, nrc_error *err)
{
    static const char *const fmt[] = {"safetensors", NULL};
    json_t *c, *v;
    const char *s;
    size_t t;
    int f;
    nrc_status st;
    if ((st = object(o, "min_flip", "companion", &c, err)) ||
        (st = choice_member(c, "min_flip.companion", "format", fmt, &f, err)) ||
        (st = member(c, "min_flip.companion", "file", &v, err)))
        return st;
    s = json_is_string(v) ? json_string_value(v) : NULL;
    if (!s || json_string_length(v) != strlen(s) || !*s || strchr(s, '/') ||
        strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || strlen(s) >= sizeof mf->file)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "min_flip.companion.file: expected a plain file name (no '/', not . or .., "
                             "at most %zu bytes)", sizeof mf->file - 1);
    memcpy(mf->file, s, strlen(s) + 1);
    if ((st = member(c, "min_flip.companion", "sha256", &v, err)))
        return st;
    s = json_is_string(v) ? json_string_value(v) : NULL;
    for (t = 0; s && t < 64; t++)
        if (!((s[t] >= '0' && s[t] <= '9') || (s[t] >= 'a' && s[t] <= 'f')))
            s = NULL;
    if (!s || strlen(s) != 64)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "min_flip.companion.sha256: expected 64 lower-case hex digits");
    memcpy(mf->sha256, s, 65);
    return NRC_OK;
}

/* min_flip (an addition; spec/CERTIFICATE.md "min_flip"): absent, nothing
 * is claimed; present, one entry per flip entry, and lipschitz is
 * required (claim D uses its u_j). */
static nrc_status parse_min_flip(json_t *root, nrc_cert *C, nrc_error *err)
{
    json_t *o, *a;
    nrc_status st;
    size_t r;
    if (!json_object_get(root, "min_flip"))
        return NRC_OK;
    if ((st = object(root, "", "min_flip", &o, err)))
        return st;
    if (!C->has_lipschitz)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "min_flip: present without lipschitz (claim D needs its neuron_norm_upper)");
    C->mf = nrc_calloc(1, sizeof *C->mf);
    if (!C->mf)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    if ((st = mf_companion(o, C->mf, err)) || (st = member(o, "min_flip", "points", &a, err)))
        return st;
    if (!json_is_array(a) || json_array_size(a) != C->n_flips)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "min_flip.points: expected an array of %zu entries (one per flip entry)",
                             C->n_flips);
    C->mf->pts = nrc_calloc(C->n_flips ? C->n_flips : 1, sizeof *C->mf->pts);
    if (!C->mf->pts)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    C->mf->n_pts = C->n_flips;
    for (r = 0; r < C->n_flips; r++) {
        char p[64];
        snprintf(p, sizeof p, "min_flip.points[%zu]", r);
        if ((st = mf_point(json_array_get(a, r), p, &C->flips[r], &C->mf->pts[r], err)))
            return st;
    }
    return NRC_OK;
}

nrc_status nrc_cert_parse(json_t *root, nrc_cert *C, nrc_error *err)
{
    nrc_status st;
    nrc_cert_clear(C);
    if (!json_is_object(root))
        return nrc_error_set(err, NRC_ERR_INPUT, "not a JSON object");
    if ((st = parse_header(root, C, err)) || (st = parse_direction(root, C, err)) ||
        (st = parse_fit_data(root, C, err)) || (st = parse_lipschitz(root, C, err)) ||
        (st = parse_flips(root, C, err)) || (st = parse_min_flip(root, C, err)) ||
        (st = parse_kkt(root, C, err)) ||
        (st = parse_robust(root, C, err)))
        return st;
    return NRC_OK;
}
