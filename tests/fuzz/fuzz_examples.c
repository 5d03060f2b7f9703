/* libFuzzer harness for the examples reader of bin/export
 * (nrc_examples_parse, src/interop/export.c; the JSON of certify
 * --emit-examples, spec/CERTIFY.md "Examples file"). For every input, with
 * and without certified_only: the status is OK, 3 or 4, a failure message
 * starts with the file name and keeps the previous examples; an accepted
 * file has finite coordinates, signs +-1 and flags 0/1 (certified ones only
 * when asked), survives a round trip through the same JSON rendering
 * certify uses (%a) bit for bit, and its tensors survive the safetensors
 * writer. Built by tests/fuzz/fuzz.mk; included by tests/t-fuzz_replay.c. */
#include <jansson.h>
#include "nrc_import.h"
#include "fuzz_tensor.h"

#define FUZZ_EX_NAME "fuzz.examples.json"

/* certify's own rendering of E (src/certify/cert_examples.c). */
static char *fuzz_examples_render(const nrc_examples *E)
{
    json_t *root = json_object(), *arr = json_array();
    size_t r, t;
    char *s;
    json_object_set_new(root, "format", json_string("nrc-examples"));
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "model_sha256", json_string(E->model_sha256));
    json_object_set_new(root, "semantics", json_string("exact-real-on-binary64"));
    for (r = 0; r < E->count; r++) {
        json_t *o = json_object(), *xa = json_array();
        char buf[64];
        json_object_set_new(o, "set", json_string(E->is_test[r] ? "test" : "train"));
        json_object_set_new(o, "index", json_integer((json_int_t)E->index[r]));
        json_object_set_new(o, "sign", json_integer((json_int_t)E->sign[r]));
        json_object_set_new(o, "status", json_string(E->certified[r] ? "certified" : "undecided"));
        for (t = 0; t < E->d; t++) {
            snprintf(buf, sizeof buf, "%a", E->x[r * E->d + t]);
            json_array_append_new(xa, json_string(buf));
        }
        json_object_set_new(o, "x", xa);
        json_array_append_new(arr, o);
    }
    json_object_set_new(root, "examples", arr);
    s = json_dumps(root, JSON_PRESERVE_ORDER | JSON_INDENT(2));
    json_decref(root);
    return s;
}

static void fuzz_examples_accepted(const nrc_examples *E, int certified_only)
{
    nrc_examples R;
    nrc_tensor ts[5];
    nrc_tensor_file F;
    nrc_error err;
    nrc_status st;
    unsigned char *img;
    size_t r, len, n;
    char *s;
    for (r = 0; r < E->count * E->d; r++)
        FUZZ_ASSERT(isfinite(E->x[r]), "a non-finite coordinate was accepted");
    for (r = 0; r < E->count; r++)
        FUZZ_ASSERT((E->sign[r] == 1 || E->sign[r] == -1) && E->index[r] >= 0 && E->is_test[r] <= 1 &&
                        E->certified[r] <= 1 && (!certified_only || E->certified[r]),
                    "example %zu: bad sign, index or flag", r);
    s = fuzz_examples_render(E);
    FUZZ_ASSERT(s != NULL, "harness out of memory");
    nrc_examples_init(&R);
    st = nrc_examples_parse((const unsigned char *)s, strlen(s), "rendered", 0, &R, &err);
    if (E->count > 0)
        FUZZ_ASSERT(st == NRC_OK && R.count == E->count && R.d == E->d &&
                        memcmp(R.x, E->x, E->count * E->d * sizeof(double)) == 0 &&
                        memcmp(R.index, E->index, E->count * sizeof *E->index) == 0 &&
                        memcmp(R.sign, E->sign, E->count * sizeof *E->sign) == 0,
                    "the examples do not survive certify's rendering: %s", err.msg);
    free(s);
    nrc_examples_clear(&R);
    n = nrc_export_examples_tensors(E, ts);
    st = nrc_safetensors_write(ts, n, NULL, &img, &len, &err);
    FUZZ_ASSERT(st == NRC_OK || st == NRC_ERR_SYSTEM, "export refused: %s", err.msg);
    if (st == NRC_OK) {
        nrc_tensor_file_init(&F);
        st = nrc_tensor_file_parse(img, len, "exported", &F, &err);
        FUZZ_ASSERT(st == NRC_OK, "the exported examples do not parse: %s", err.msg);
        FUZZ_ASSERT(F.count == 5 && memcmp(nrc_tensor_file_find(&F, "x_adv")->data, E->x,
                                           E->count * E->d * sizeof(double)) == 0,
                    "x_adv changed in the export");
        nrc_tensor_file_clear(&F);
        nrc_free(img);
    }
}

static nrc_status nrc_fuzz_examples(const uint8_t *data, size_t size)
{
    nrc_status first = NRC_OK;
    int certified_only;
    for (certified_only = 0; certified_only <= 1; certified_only++) {
        nrc_examples E;
        nrc_error err;
        nrc_status st;
        double keep = 7.0;
        nrc_examples_init(&E);
        E.x = nrc_malloc(sizeof(double)); /* a previous value that a failure must keep */
        FUZZ_ASSERT(E.x != NULL, "harness out of memory");
        E.x[0] = keep;
        E.count = E.d = 1;
        err.msg[0] = '\0';
        st = nrc_examples_parse(data, size, FUZZ_EX_NAME, certified_only, &E, &err);
        if (certified_only == 0)
            first = st;
        if (st != NRC_OK) {
            FUZZ_ASSERT(st == NRC_ERR_INPUT || st == NRC_ERR_SYSTEM, "status %d (%s)", (int)st, err.msg);
            FUZZ_ASSERT(strncmp(err.msg, FUZZ_EX_NAME ": ", strlen(FUZZ_EX_NAME) + 2) == 0,
                        "message does not start with the file name: \"%s\"", err.msg);
            FUZZ_ASSERT(E.count == 1 && E.x[0] == keep, "the previous examples were not kept");
        } else {
            fuzz_examples_accepted(&E, certified_only);
        }
        nrc_examples_clear(&E);
    }
    return first;
}

#ifdef NRC_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)nrc_fuzz_examples(data, size);
    return 0;
}
#endif
