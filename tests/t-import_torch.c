/* The PyTorch fixtures of tests/fixtures/import/ (make_fixtures.py there):
 * each case is imported with the arguments in CASE/args (through the same
 * option handling as bin/import), and every value of the model equals,
 * bit for bit, the value PyTorch / NumPy held (CASE/expected.txt, written
 * by PyTorch's own float64 conversion and float.hex()); the metadata names
 * every source with its SHA-256 and every tensor with its dtype; and
 * CASE/flips.txt records that PyTorch's float64 forward pass changed the
 * sign at every exported adversarial example. tests/cli/import.sh checks
 * that certify, --check and export reproduce those examples. Run from the
 * repository root. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_import.h"
#include "nrc_io.h"

static const char *cases[] = {"st_f32_bias", "st_f64_nobias", "npz_inout_mapped",
                              "npzc_f32_outbias", "st_bf16", "npz_f16"};

/* Read CASE/expected.txt: name -> values. */
typedef struct {
    unsigned long long n, d, k, m, bias;
    double *v[7];
    size_t len[7];
} expected;
static const char *exp_names[7] = {"W", "b", "v", "X", "y", "Xt", "yt"};

static int read_expected(const char *path, expected *E)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    memset(E, 0, sizeof *E);
    if (!f)
        return -1;
    while (getline(&line, &cap, f) > 0) {
        char *tok, *save;
        int w;
        if (line[0] == '#')
            continue;
        if (sscanf(line, "sizes %llu %llu %llu %llu %llu", &E->n, &E->d, &E->k, &E->m, &E->bias) == 5)
            continue;
        tok = strtok_r(line, " \n", &save);
        for (w = 0; w < 7 && tok; w++)
            if (strcmp(tok, exp_names[w]) == 0)
                break;
        if (w == 7 || !tok)
            continue;
        while ((tok = strtok_r(NULL, " \n", &save)) != NULL) {
            E->v[w] = realloc(E->v[w], (E->len[w] + 1) * sizeof(double));
            E->v[w][E->len[w]++] = strtod(tok, NULL);
        }
    }
    free(line);
    fclose(f);
    return 0;
}

static int same_bits(const double *a, const double *b, size_t n, size_t *where)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof(double)) != 0) {
            *where = i;
            return 0;
        }
    return 1;
}

/* Split CASE/args into opts (the strings are kept in buf). */
static int read_args(nrc_import_opts *o, char *buf, size_t cap)
{
    FILE *f = fopen("args", "r");
    char *argv[64], *save, *t;
    int argc = 0, i;
    nrc_status st;
    nrc_error err;
    if (!f || !fgets(buf, (int)cap, f)) {
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    for (t = strtok_r(buf, " \n", &save); t && argc < 64; t = strtok_r(NULL, " \n", &save))
        argv[argc++] = t;
    memset(o, 0, sizeof *o);
    for (i = 0; i < argc; i++) {
        if (i + 1 < argc && nrc_import_option(o, argv[i], argv[i + 1], &st, &err) && st == NRC_OK)
            i++;
        else
            return -1;
    }
    return 0;
}

static void check_meta(const nrc_model *M, const char *c)
{
    json_error_t je;
    json_t *root = json_loads(M->meta, 0, &je), *src, *ts;
    size_t i;
    CHECK(root != NULL, "%s: metadata not JSON", c);
    if (!root)
        return;
    CHECK(strcmp(json_string_value(json_object_get(root, "generator")), "nrc-import") == 0,
          "%s: generator", c);
    src = json_object_get(json_object_get(root, "import"), "sources");
    ts = json_object_get(json_object_get(root, "import"), "tensors");
    CHECK(json_array_size(src) >= 1 && json_is_object(ts), "%s: sources / tensors missing", c);
    for (i = 0; i < json_array_size(src); i++) {
        json_t *s = json_array_get(src, i);
        const char *file = json_string_value(json_object_get(s, "file"));
        unsigned char *buf, sha[NRC_SHA256_SIZE];
        char hex[2 * NRC_SHA256_SIZE + 1];
        size_t len;
        nrc_error err;
        if (!file || nrc_file_read_all(file, (size_t)1 << 30, &buf, &len, &err) != NRC_OK) {
            CHECK(0, "%s: source %zu (%s) not readable", c, i, file ? file : "?");
            continue;
        }
        nrc_sha256(buf, len, sha);
        nrc_hex(sha, NRC_SHA256_SIZE, hex);
        CHECK(strcmp(hex, json_string_value(json_object_get(s, "sha256"))) == 0,
              "%s: sha256 of %s in the metadata is not the file's", c, file);
        CHECK((size_t)json_integer_value(json_object_get(s, "bytes")) == len, "%s: bytes of %s", c, file);
        nrc_free(buf);
    }
    CHECK(json_object_get(ts, "W") && json_object_get(ts, "v") && json_object_get(ts, "X") &&
              json_object_get(ts, "y"), "%s: a role is missing from the metadata", c);
    if (strstr(c, "f32") || strstr(c, "bf16") || strstr(c, "f16"))
        CHECK(json_object_get(json_object_get(root, "import"), "precision_note") != NULL,
              "%s: no precision note for a narrow source", c);
    json_decref(root);
}

static void check_flips(const char *c, size_t want)
{
    FILE *f = fopen("flips.txt", "r");
    char line[512];
    size_t rows = 0, flipped = 0;
    CHECK(f != NULL, "%s: no flips.txt", c);
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        rows++;
        if (strstr(line, " flipped\n"))
            flipped++;
    }
    fclose(f);
    CHECK(rows > 0 && rows == flipped, "%s: PyTorch saw %zu of %zu examples flip", c, flipped, rows);
    CHECK(rows == want, "%s: flips.txt has %zu rows, expected one per point (%zu)", c, rows, want);
}

static void one_case(const char *c)
{
    char dir[512], args[4096];
    nrc_import_opts o;
    nrc_model M;
    nrc_error err;
    expected E;
    nrc_status st;
    size_t w, where = 0;
    snprintf(dir, sizeof dir, "tests/fixtures/import/%s", c);
    REQUIRE(chdir(dir) == 0, "cannot enter %s: %s", dir, strerror(errno));
    REQUIRE(read_args(&o, args, sizeof args) == 0, "%s: bad args file", c);
    REQUIRE(read_expected("expected.txt", &E) == 0, "%s: no expected.txt", c);
    nrc_model_init(&M);
    st = nrc_import_build(&o, &M, &err);
    CHECK(st == NRC_OK, "%s: import failed: %s", c, err.msg);
    if (st == NRC_OK) {
        const double *got[7] = {M.W, M.b, M.v, M.X, M.y, M.Xt, M.yt};
        size_t len[7] = {M.k * M.d, M.b ? M.k : 0, M.k, M.n * M.d, M.n, M.m * M.d, M.m};
        CHECK(M.n == E.n && M.d == E.d && M.k == E.k && M.m == E.m && !!M.b == !!E.bias,
              "%s: sizes n=%llu d=%llu k=%llu m=%llu", c, (unsigned long long)M.n,
              (unsigned long long)M.d, (unsigned long long)M.k, (unsigned long long)M.m);
        for (w = 0; w < 7; w++) {
            CHECK(len[w] == E.len[w], "%s: %s has %zu values, PyTorch %zu", c, exp_names[w], len[w],
                  E.len[w]);
            if (len[w] == E.len[w] && len[w])
                CHECK(same_bits(got[w], E.v[w], len[w], &where),
                      "%s: %s[%zu] is %a, PyTorch held %a", c, exp_names[w], where, got[w][where],
                      E.v[w][where]);
        }
        check_meta(&M, c);
        check_flips(c, M.n + M.m);
    }
    nrc_model_clear(&M);
    for (w = 0; w < 7; w++)
        free(E.v[w]);
}

int main(void)
{
    char root[4096];
    size_t i;
    if (!getcwd(root, sizeof root))
        return 1;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "import_torch_%s", cases[i]);
        tl_begin(name);
        one_case(cases[i]);
        tl_end();
        if (chdir(root) != 0)
            return 1;
    }
    return tl_exit();
}
