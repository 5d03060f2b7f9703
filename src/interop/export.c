/* Export model files and certified adversarial examples as safetensors,
 * .npz and .npy (include/interop/nrc_import.h, spec/IMPORT.md "Export"). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "nrc_alloc.h"
#include "nrc_import.h"

static void set_tensor(nrc_tensor *T, const char *name, nrc_dtype dt, const void *data,
                       unsigned ndim, uint64_t s0, uint64_t s1)
{
    memset(T, 0, sizeof *T);
    T->name = (char *)name; /* writers only read it */
    T->dtype = dt;
    T->ndim = ndim;
    T->shape[0] = s0;
    T->shape[1] = s1;
    T->count = ndim == 1 ? s0 : s0 * s1;
    T->data = data;
}

size_t nrc_export_model_tensors(const nrc_model *M, nrc_tensor *ts)
{
    size_t c = 0;
    set_tensor(&ts[c++], "0.weight", NRC_DT_F64, M->W, 2, M->k, M->d);
    if (M->flags & NRC_FLAG_BIAS)
        set_tensor(&ts[c++], "0.bias", NRC_DT_F64, M->b, 1, M->k, 0);
    set_tensor(&ts[c++], "2.weight", NRC_DT_F64, M->v, 2, 1, M->k);
    set_tensor(&ts[c++], "X", NRC_DT_F64, M->X, 2, M->n, M->d);
    set_tensor(&ts[c++], "y", NRC_DT_F64, M->y, 1, M->n, 0);
    if (M->m) {
        set_tensor(&ts[c++], "Xt", NRC_DT_F64, M->Xt, 2, M->m, M->d);
        set_tensor(&ts[c++], "yt", NRC_DT_F64, M->yt, 1, M->m, 0);
    }
    return c;
}

const char *nrc_export_format(const char *path)
{
    size_t l = strlen(path);
    if (l > 12 && strcmp(path + l - 12, ".safetensors") == 0)
        return "safetensors";
    if (l > 4 && strcmp(path + l - 4, ".npz") == 0)
        return "npz";
    if (l > 4 && strcmp(path + l - 4, ".npy") == 0)
        return "npy";
    return NULL;
}

nrc_status nrc_export_image(const char *fmt, const nrc_tensor *ts, size_t count, const char *meta,
                            unsigned char **buf, size_t *len, nrc_error *err)
{
    if (strcmp(fmt, "safetensors") == 0)
        return nrc_safetensors_write(ts, count, meta, buf, len, err);
    if (strcmp(fmt, "npz") == 0)
        return nrc_npz_write(ts, count, buf, len, err);
    if (strcmp(fmt, "npy") == 0 && count == 1)
        return nrc_npy_write(ts, buf, len, err);
    return nrc_error_set(err, NRC_ERR_INTERNAL, "export: format %s for %zu tensors", fmt, count);
}

/* ---- examples ---- */

void nrc_examples_init(nrc_examples *E) { memset(E, 0, sizeof *E); }

void nrc_examples_clear(nrc_examples *E)
{
    nrc_free(E->x);
    nrc_free(E->index);
    nrc_free(E->is_test);
    nrc_free(E->certified);
    nrc_free(E->sign);
    nrc_examples_init(E);
}

/* A hex float exactly as certify writes it (C's %a of a finite binary64):
 * parsed, then printed again and compared, so only the canonical spelling
 * of a finite value is accepted and the value is exactly the written one. */
static int hex_value(const char *s, double *x)
{
    char back[64], *end;
    if (strlen(s) > 40 || (strncmp(s, "0x", 2) != 0 && strncmp(s, "-0x", 3) != 0))
        return 0;
    *x = strtod(s, &end);
    if (*end || end == s || !isfinite(*x))
        return 0;
    snprintf(back, sizeof back, "%a", *x);
    return strcmp(back, s) == 0;
}

static nrc_status ex_error(const char *fname, size_t r, const char *what, nrc_error *err)
{
    return nrc_error_set(err, NRC_ERR_INPUT, "%s: examples[%zu]: %s", fname, r, what);
}

static nrc_status parse_example(json_t *o, const char *fname, size_t r, size_t d, size_t row,
                                nrc_examples *E, nrc_error *err)
{
    json_t *x = json_object_get(o, "x"), *v;
    const char *set, *status, *key;
    json_int_t ix, sg;
    size_t t;
    json_object_foreach(o, key, v) {
        if (strcmp(key, "set") && strcmp(key, "index") && strcmp(key, "sign") &&
            strcmp(key, "status") && strcmp(key, "x")) {
            char what[96];
            snprintf(what, sizeof what, "unknown member \"%.60s\"", key);
            return ex_error(fname, r, what, err);
        }
    }
    set = json_string_value(json_object_get(o, "set"));
    status = json_string_value(json_object_get(o, "status"));
    if (!set || (strcmp(set, "train") && strcmp(set, "test")))
        return ex_error(fname, r, "\"set\" is not \"train\" or \"test\"", err);
    if (!status || (strcmp(status, "certified") && strcmp(status, "undecided")))
        return ex_error(fname, r, "\"status\" is not \"certified\" or \"undecided\"", err);
    if (!json_is_integer(json_object_get(o, "index")) ||
        (ix = json_integer_value(json_object_get(o, "index"))) < 0 || ix >= ((json_int_t)1 << 31))
        return ex_error(fname, r, "\"index\" is not an integer in [0, 2^31)", err);
    if (!json_is_integer(json_object_get(o, "sign")) ||
        ((sg = json_integer_value(json_object_get(o, "sign"))) != 1 && sg != -1))
        return ex_error(fname, r, "\"sign\" is not 1 or -1", err);
    if (!json_is_array(x) || json_array_size(x) != d)
        return ex_error(fname, r, "\"x\" is not an array of d hex floats (d from the first example)", err);
    if (E->x) {
        for (t = 0; t < d; t++) {
            const char *s = json_string_value(json_array_get(x, t));
            if (!s || !hex_value(s, &E->x[row * d + t])) {
                char what[96];
                snprintf(what, sizeof what, "x[%zu] is not a finite binary64 in C99 %%a hex form", t);
                return ex_error(fname, r, what, err);
            }
        }
        E->index[row] = ix;
        E->sign[row] = sg;
        E->is_test[row] = strcmp(set, "test") == 0;
        E->certified[row] = strcmp(status, "certified") == 0;
    }
    return NRC_OK;
}

static nrc_status parse_header(json_t *root, const char *fname, nrc_examples *E, nrc_error *err)
{
    const char *key, *h;
    json_t *v;
    size_t i;
    if (!json_is_object(root))
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: not a JSON object", fname);
    json_object_foreach(root, key, v) {
        if (strcmp(key, "format") && strcmp(key, "version") && strcmp(key, "model_sha256") &&
            strcmp(key, "semantics") && strcmp(key, "examples"))
            return nrc_error_set(err, NRC_ERR_INPUT, "%s: unknown member \"%s\"", fname, key);
    }
    if (!json_is_string(json_object_get(root, "format")) ||
        strcmp(json_string_value(json_object_get(root, "format")), "nrc-examples") != 0)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: \"format\" is not \"nrc-examples\" (write it with certify --emit-examples)",
                             fname);
    if (!json_is_integer(json_object_get(root, "version")) ||
        json_integer_value(json_object_get(root, "version")) != 1)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: \"version\" is not 1", fname);
    if (!json_is_string(json_object_get(root, "semantics")) ||
        strcmp(json_string_value(json_object_get(root, "semantics")), "exact-real-on-binary64") != 0)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: \"semantics\" is not \"exact-real-on-binary64\"", fname);
    h = json_string_value(json_object_get(root, "model_sha256"));
    if (!h || strlen(h) != 2 * NRC_SHA256_SIZE || strspn(h, "0123456789abcdef") != 2 * NRC_SHA256_SIZE)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: \"model_sha256\" is not 64 lower-case hex digits", fname);
    for (i = 0; i <= 2 * NRC_SHA256_SIZE; i++)
        E->model_sha256[i] = h[i];
    if (!json_is_array(json_object_get(root, "examples")))
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: \"examples\" is not an array", fname);
    return NRC_OK;
}

nrc_status nrc_examples_parse(const unsigned char *buf, size_t len, const char *fname,
                              int certified_only, nrc_examples *E, nrc_error *err)
{
    json_error_t je;
    json_t *root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je), *arr;
    nrc_examples R;
    size_t r, d = 0, rows = 0, row = 0;
    nrc_status st;
    nrc_examples_init(&R);
    if (!root)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: line %d column %d: invalid JSON: %s", fname,
                             je.line, je.column, je.text);
    if ((st = parse_header(root, fname, &R, err)) != NRC_OK)
        goto out;
    arr = json_object_get(root, "examples");
    /* pass 1: validate everything but the hex values and count the rows */
    for (r = 0; r < json_array_size(arr); r++) {
        json_t *o = json_array_get(arr, r);
        const char *status;
        if (!json_is_object(o)) {
            st = ex_error(fname, r, "not an object", err);
            goto out;
        }
        if (r == 0) {
            d = json_array_size(json_object_get(o, "x"));
            if (d == 0) {
                st = ex_error(fname, r, "\"x\" is not a non-empty array", err);
                goto out;
            }
        }
        if ((st = parse_example(o, fname, r, d, 0, &R, err)) != NRC_OK)
            goto out;
        status = json_string_value(json_object_get(o, "status"));
        if (!certified_only || strcmp(status, "certified") == 0)
            rows++;
    }
    R.count = rows;
    R.d = d;
    /* rows * d <= the number of strings in the file: the allocation is
     * bounded by the file's size */
    R.x = nrc_malloc_array(rows * (d ? d : 1), sizeof(double));
    R.index = nrc_malloc_array(rows, sizeof *R.index);
    R.sign = nrc_malloc_array(rows, sizeof *R.sign);
    R.is_test = nrc_malloc(rows);
    R.certified = nrc_malloc(rows);
    if (!R.x || !R.index || !R.sign || !R.is_test || !R.certified) {
        st = nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory", fname);
        goto out;
    }
    for (r = 0; r < json_array_size(arr); r++) {
        json_t *o = json_array_get(arr, r);
        if (certified_only && strcmp(json_string_value(json_object_get(o, "status")), "certified"))
            continue;
        if ((st = parse_example(o, fname, r, d, row++, &R, err)) != NRC_OK)
            goto out;
    }
out:
    json_decref(root);
    if (st != NRC_OK) {
        nrc_examples_clear(&R);
        return st;
    }
    nrc_examples_clear(E);
    *E = R;
    return NRC_OK;
}

size_t nrc_export_examples_tensors(const nrc_examples *E, nrc_tensor *ts)
{
    set_tensor(&ts[0], "x_adv", NRC_DT_F64, E->x, 2, E->count, E->d);
    set_tensor(&ts[1], "index", NRC_DT_I64, E->index, 1, E->count, 0);
    set_tensor(&ts[2], "is_test", NRC_DT_BOOL, E->is_test, 1, E->count, 0);
    set_tensor(&ts[3], "sign", NRC_DT_I64, E->sign, 1, E->count, 0);
    set_tensor(&ts[4], "certified", NRC_DT_BOOL, E->certified, 1, E->count, 0);
    return 5;
}
