/* What bin/train writes is a model the reader accepts, with the metadata
 * FORMATS.md asks for.
 *   t-train_model            in-process: data + init + a few steps, written
 *                            with nrc_model_write and read back;
 *   t-train_model FILE [flags]  (used by tests/cli/train.sh) reads FILE with
 *                            nrc_model_read and checks flags and metadata. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_data.h"
#include "nrc_model.h"
#include "nrc_rng.h"
#include "nrc_train.h"

/* Metadata: a JSON object with the keys the trainer promises, no
 * timestamps, and the result values consistent with the weights. */
static void check_meta(const nrc_model *M, const char *what)
{
    static const char *top[] = {"generator", "tool", "version", "options", "result", "data"};
    static const char *opts[] = {"n", "d", "k", "m", "data", "labels", "loss", "schedule",
                                 "lr", "steps", "init_scale", "bias",
                                 "fix_second_layer", "seed"};
    static const char *res[] = {"steps_done", "loss", "log_loss", "min_margin",
                                "theta_sq", "normalized_margin", "normalized_margin_wb"};
    json_error_t je;
    json_t *root = json_loadb(M->meta, M->meta_len, 0, &je), *o, *r;
    if (!root) {
        CHECK(0, "%s: metadata is not JSON: %s", what, je.text);
        return;
    }
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
        CHECK(json_object_get(root, top[i]), "%s: metadata lacks \"%s\"", what, top[i]);
    CHECK(strcmp(json_string_value(json_object_get(root, "generator")), "nrc-train") == 0,
          "%s: generator", what);
    o = json_object_get(root, "options");
    r = json_object_get(root, "result");
    for (size_t i = 0; o && i < sizeof opts / sizeof opts[0]; i++)
        CHECK(json_object_get(o, opts[i]), "%s: options lack \"%s\"", what, opts[i]);
    for (size_t i = 0; r && i < sizeof res / sizeof res[0]; i++)
        CHECK(json_object_get(r, res[i]), "%s: result lacks \"%s\"", what, res[i]);
    CHECK(!strstr(M->meta, "time") && !strstr(M->meta, "date") && !strstr(M->meta, "host"),
          "%s: metadata mentions time/date/host: %s", what, M->meta);
    if (o) {
        CHECK((uint64_t)json_integer_value(json_object_get(o, "n")) == M->n &&
              (uint64_t)json_integer_value(json_object_get(o, "d")) == M->d &&
              (uint64_t)json_integer_value(json_object_get(o, "k")) == M->k &&
              (uint64_t)json_integer_value(json_object_get(o, "m")) == M->m,
              "%s: sizes in the metadata differ from the header", what);
        CHECK(json_is_true(json_object_get(o, "bias")) == !!(M->flags & NRC_FLAG_BIAS) &&
              json_is_true(json_object_get(o, "fix_second_layer")) ==
                  !!(M->flags & NRC_FLAG_FIXED_V), "%s: flags vs metadata", what);
    }
    if (r) {
        /* min margin recomputed from the stored weights */
        size_t n = M->n, k = M->k, d = M->d;
        double *A = nrc_malloc_array(n * k, sizeof(double)), *R = nrc_malloc_array(n * k, sizeof(double));
        double *N = nrc_malloc_array(n, sizeof(double)), *q = nrc_malloc_array(n, sizeof(double));
        double qm = json_real_value(json_object_get(r, "min_margin"));
        if (A && R && N && q) {
            double mn = INFINITY;
            nrc_train_forward_ref_d(n, d, k, M->X, M->y, M->W, M->b, M->v, A, R, N, q);
            for (size_t i = 0; i < n; i++)
                mn = q[i] < mn ? q[i] : mn;
            CHECK(fabs(mn - qm) <= 1e-9 * (fabs(mn) + 1e-300) || (mn == 0 && qm == 0),
                  "%s: min margin in metadata %.17g, recomputed %.17g", what, qm, mn);
        }
        nrc_free(A); nrc_free(R); nrc_free(N); nrc_free(q);
    }
    json_decref(root);
}

static const char *file_arg;
static unsigned file_flags;

static void train_model_file_accepted(void)
{
    nrc_model M;
    nrc_error err;
    nrc_model_init(&M);
    REQUIRE(nrc_model_read(file_arg, &M, &err) == NRC_OK, "reader rejects %s: %s",
            file_arg, err.msg);
    CHECK(M.flags == file_flags, "%s: flags %u, expected %u", file_arg, M.flags, file_flags);
    check_meta(&M, file_arg);
    nrc_model_clear(&M);
}

static void train_model_roundtrip(void)
{
    nrc_model M, R;
    nrc_error err;
    nrc_train_opts o = {12, 30, 7, 1, 1, NRC_LOSS_LOGISTIC, NRC_SCHEDULE_NORMALIZED, 0.1, 50};
    nrc_train_progress fin;
    char tmpl[] = "/tmp/nrc-t-train_model-XXXXXX", path[64];
    const char *meta = "{\"generator\":\"nrc-train\",\"tool\":\"nrc\",\"version\":\"x\","
                       "\"options\":{},\"result\":{},\"data\":{}}";
    nrc_model_init(&M);
    nrc_model_init(&R);
    REQUIRE(mkdtemp(tmpl), "mkdtemp");
    snprintf(path, sizeof path, "%s/m.bin", tmpl);
    REQUIRE(nrc_model_alloc(&M, 12, 30, 7, 3, NRC_FLAG_BIAS | NRC_FLAG_FIXED_V, &err) == NRC_OK,
            "alloc: %s", err.msg);
    nrc_data_generate(NRC_DATA_SPHERE, NRC_LABELS_BALANCED, 12, 30, 9, NRC_RNG_STREAM_TRAIN, M.X, M.y);
    nrc_data_generate(NRC_DATA_SPHERE, NRC_LABELS_BALANCED, 3, 30, 9, NRC_RNG_STREAM_TEST, M.Xt, M.yt);
    nrc_train_init_d(30, 7, 0.1, 1, 9, M.W, M.b, M.v);
    REQUIRE(nrc_train_run_d(&o, M.X, M.y, M.W, M.b, M.v, NULL, NULL, &fin, &err) == NRC_OK,
            "train: %s", err.msg);
    REQUIRE(nrc_model_set_meta(&M, meta, strlen(meta), &err) == NRC_OK, "meta: %s", err.msg);
    REQUIRE(nrc_model_write(path, &M, &err) == NRC_OK, "write: %s", err.msg);
    REQUIRE(nrc_model_read(path, &R, &err) == NRC_OK, "read: %s", err.msg);
    CHECK(memcmp(R.W, M.W, 7 * 30 * sizeof(double)) == 0 &&
          memcmp(R.v, M.v, 7 * sizeof(double)) == 0 && memcmp(R.b, M.b, 7 * sizeof(double)) == 0,
          "weights differ after the round trip");
    /* balanced labels: floor(12/2) of each; fixed v = +-1/sqrt(7) alternating */
    size_t neg = 0;
    for (size_t i = 0; i < 12; i++)
        neg += M.y[i] < 0;
    CHECK(neg == 6, "balanced labels: %zu negatives", neg);
    for (size_t j = 0; j < 7; j++)
        CHECK(M.v[j] == (j % 2 ? -1.0 : 1.0) / sqrt(7.0), "fixed v[%zu] = %g", j, M.v[j]);
    unlink(path);
    rmdir(tmpl);
    nrc_model_clear(&M);
    nrc_model_clear(&R);
}

/* Every allocation of the driver is checked: making the k-th one fail gives
 * NRC_ERR_SYSTEM with a message, never a crash, and the weights are left
 * as they were (training had not started). */
static void train_run_allocation_failures(void)
{
    enum { n = 5, d = 7, k = 3 };
    double X[n * d], y[n], W[k * d], W0[k * d], b[k], v[k];
    nrc_train_opts o = {n, d, k, 1, 0, NRC_LOSS_EXP, NRC_SCHEDULE_NORMALIZED, 0.1, 3};
    nrc_train_progress fin;
    nrc_error err;
    int failures = 0;
    nrc_data_generate(NRC_DATA_GAUSSIAN, NRC_LABELS_RANDOM, n, d, 3, 1, X, y);
    nrc_train_init_d(d, k, 0.5, 0, 3, W0, b, v);
    for (unsigned long fail = 1; fail < 40; fail++) {
        nrc_status st;
        memcpy(W, W0, sizeof W);
        nrc_alloc_fail_at(fail);
        st = nrc_train_run_d(&o, X, y, W, b, v, NULL, NULL, &fin, &err);
        nrc_alloc_fail_at(0);
        if (st == NRC_OK)
            break;
        failures++;
        CHECK(st == NRC_ERR_SYSTEM && strstr(err.msg, "memory"),
              "allocation %lu failing gave status %d: %s", fail, (int)st, err.msg);
        CHECK(memcmp(W, W0, sizeof W) == 0, "allocation %lu failing changed W", fail);
    }
    CHECK(failures > 0, "no allocation was made");
}

int main(int argc, char **argv)
{
    if (argc >= 2) {
        file_arg = argv[1];
        file_flags = argc >= 3 ? (unsigned)atoi(argv[2]) : 0;
        RUN(train_model_file_accepted);
        return tl_exit();
    }
    RUN(train_model_roundtrip);
    RUN(train_run_allocation_failures);
    return tl_exit();
}
