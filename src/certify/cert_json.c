/* The certificate writer (include/certify/nrc_certify.h,
 * spec/CERTIFICATE.md): the members of claims.c in order, each built by its
 * module's emitter, with jansson's JSON_PRESERVE_ORDER | JSON_INDENT(2) and
 * every claimed number as glibc's %a rendering, so the output is a pure
 * function of the model, the options and the tool version. The header
 * members (format, tool, model, semantics, options) are built here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nrc_alloc.h"
#include "cert_run.h"

#ifndef NRC_VERSION
#define NRC_VERSION "0.0.0"
#endif

/* ---------------------------------------------------------------- blocks */
json_t *nrc_json_hex(double x)
{
    char buf[64];
    if (x == 0)
        x = 0.0;            /* no "-0x0p+0" */
    snprintf(buf, sizeof buf, "%a", x);
    return json_string(buf);
}

json_t *nrc_json_enc(const double e[2])
{
    json_t *a = json_array();
    int bad = 0;
    nrc_json_push(a, nrc_json_hex(e[0]), &bad);
    nrc_json_push(a, nrc_json_hex(e[1]), &bad);
    return nrc_json_done(a, bad);
}

json_t *nrc_json_num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

void nrc_json_put(json_t *o, const char *key, json_t *v, int *bad)
{
    if (!o || !v) {
        json_decref(v);
        *bad = 1;
    } else if (json_object_set_new(o, key, v) != 0) {   /* v released */
        *bad = 1;
    }
}

void nrc_json_push(json_t *a, json_t *v, int *bad)
{
    if (!a || !v) {
        json_decref(v);
        *bad = 1;
    } else if (json_array_append_new(a, v) != 0) {
        *bad = 1;
    }
}

json_t *nrc_json_done(json_t *o, int bad)
{
    if (bad || !o) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---------------------------------------------------------------- header */
json_t *nrc_cert_format_json(const nrc_certify_result *C)
{
    (void)C;
    return json_string("nrc-certificate");
}

json_t *nrc_cert_version_json(const nrc_certify_result *C)
{
    (void)C;
    return json_integer(1);
}

json_t *nrc_cert_tool_json(const nrc_certify_result *C)
{
    json_t *o = json_object();
    int bad = 0;
    nrc_json_put(o, "name", json_string("nrc-certify"), &bad);
    nrc_json_put(o, "version", json_string(NRC_VERSION), &bad);
    nrc_json_put(o, "engine", json_string(C->engine), &bad);
    return nrc_json_done(o, bad);
}

json_t *nrc_cert_model_json(const nrc_certify_result *C)
{
    json_t *o = json_object();
    int bad = 0;
    nrc_json_put(o, "sha256", json_string(C->sha256_hex), &bad);
    nrc_json_put(o, "n", json_integer((json_int_t)C->n), &bad);
    nrc_json_put(o, "d", json_integer((json_int_t)C->d), &bad);
    nrc_json_put(o, "k", json_integer((json_int_t)C->k), &bad);
    nrc_json_put(o, "m", json_integer((json_int_t)C->m), &bad);
    nrc_json_put(o, "bias", json_boolean(C->bias), &bad);
    nrc_json_put(o, "fixed_second_layer", json_boolean(C->fixed_v), &bad);
    return nrc_json_done(o, bad);
}

json_t *nrc_cert_semantics_json(const nrc_certify_result *C)
{
    (void)C;
    return json_string("exact-real-on-binary64");
}

json_t *nrc_cert_options_json(const nrc_certify_result *C)
{
    json_t *o = json_object();
    int bad = 0, p = C->opt.points;
    char buf[96];
    nrc_json_put(o, "points", json_string(p == NRC_POINTS_TRAIN ? "train"
                                          : p == NRC_POINTS_TEST ? "test" : "all"), &bad);
    if (C->opt.margin_dir)
        snprintf(buf, sizeof buf, "margin:%s", C->opt.tau_text ? C->opt.tau_text : "0");
    else
        snprintf(buf, sizeof buf, "all");
    nrc_json_put(o, "direction", json_string(buf), &bad);
    return nrc_json_done(o, bad);
}

/* ---------------------------------------------------------------- writer */
/* The text with a final newline, NUL-terminated, from nrc_malloc. */
static nrc_status cert_text(json_t *root, char **out, size_t *len, nrc_error *err)
{
    char *s = json_dumps(root, JSON_PRESERVE_ORDER | JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    if (!s)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (certificate text)");
    *len = strlen(s) + 1;
    *out = nrc_malloc(*len + 1);
    if (!*out) {
        free(s);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (certificate text)");
    }
    memcpy(*out, s, *len - 1);
    (*out)[*len - 1] = '\n';
    (*out)[*len] = '\0';
    free(s);
    return NRC_OK;
}

nrc_status nrc_certify_to_json(const nrc_certify_result *C, char **out, size_t *len, nrc_error *err)
{
    json_t *root = json_object();
    size_t i;
    int bad = 0;
    nrc_status st;
    for (i = 0; i < nrc_cert_nmembers && !bad; i++)
        if (!nrc_cert_members[i].present || nrc_cert_members[i].present(C))
            nrc_json_put(root, nrc_cert_members[i].member, nrc_cert_members[i].emit(C), &bad);
    if (bad) {
        json_decref(root);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (certificate)");
    }
    st = cert_text(root, out, len, err);
    json_decref(root);
    return st;
}
