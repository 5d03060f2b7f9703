/* src/interop: exact dtype conversion (exhaustive for F16 and BF16), the
 * writers and readers of .npy, .npz and safetensors against each other on
 * random tensors, model -> export -> import bit for bit, every refusal of
 * the importer (message naming file and tensor), allocation failure, and
 * the examples reader. */
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_import.h"
#include "nrc_io.h"

static char tmpdir[256];

static const char *tpath(const char *name)
{
    static char buf[4][512];
    static int r;
    r = (r + 1) % 4;
    snprintf(buf[r], sizeof buf[r], "%s/%s", tmpdir, name);
    return buf[r];
}

static double bits_d(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static int same(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* ---- dtypes ---- */

static void f16_exhaustive(void)
{
    uint32_t h;
    for (h = 0; h < 65536; h++) {
        int s = h >> 15, e = (h >> 10) & 31, f = h & 1023;
        double ref = e == 31 ? (f ? NAN : INFINITY)
                   : e == 0 ? ldexp(f, -24) : ldexp(1024 + f, e - 25);
        double got = nrc_f16_to_f64((uint16_t)h);
        if (s)
            ref = -ref;
        if (isnan(ref))
            CHECK(isnan(got), "f16 0x%04x: %a, expected NaN", h, got);
        else
            CHECK(same(got, ref), "f16 0x%04x: %a, expected %a", h, got, ref);
    }
}

static void bf16_exhaustive(void)
{
    uint32_t h;
    for (h = 0; h < 65536; h++) {
        uint32_t u = h << 16;
        float f;
        double ref, got = nrc_bf16_to_f64((uint16_t)h);
        memcpy(&f, &u, sizeof f);
        ref = (double)f;
        if (isnan(ref))
            CHECK(isnan(got), "bf16 0x%04x: %a, expected NaN", h, got);
        else
            CHECK(same(got, ref), "bf16 0x%04x: %a, expected %a", h, got, ref);
    }
}

static void f32_random(void)
{
    uint64_t s = tl_seed();
    long i, n = 2000000 * tl_mult();
    static const uint32_t special[] = {0, 0x80000000u, 1, 0x807fffffu, 0x00800000u, 0x7f7fffffu,
                                       0xff7fffffu, 0x3f800000u, 0x7f800000u, 0xff800000u};
    for (i = 0; i < n; i++) {
        uint32_t u = i < 10 ? special[i] : (uint32_t)tl_splitmix64(&s);
        float f;
        double ref, got = nrc_f32_to_f64(u);
        memcpy(&f, &u, sizeof f);
        ref = (double)f;
        if (isnan(ref)) {
            CHECK(isnan(got), "f32 0x%08x: %a, expected NaN", u, got);
        } else if (!same(got, ref)) {
            CHECK(0, "f32 0x%08x: %a, expected %a", u, got, ref);
            return;
        }
    }
}

/* Integer and boolean elements, label rules, refusals with the index. */
static void conversions_and_labels(void)
{
    unsigned char i64[16], b[3] = {1, 0, 2};
    int64_t v[2] = {-1, ((int64_t)1 << 53) + 1};
    nrc_tensor T;
    nrc_error err;
    double out[4];
    memset(&T, 0, sizeof T);
    memcpy(i64, v, sizeof v);
    T.name = "y";
    T.dtype = NRC_DT_I64;
    T.ndim = 1;
    T.shape[0] = T.count = 1;
    T.data = i64;
    CHECK(nrc_tensor_to_f64(&T, "f.npz", out, &err) == NRC_OK && out[0] == -1, "i64 -1");
    CHECK(nrc_tensor_labels(&T, "f.npz", 0, out, &err) == NRC_OK && out[0] == -1, "label -1");
    CHECK(nrc_tensor_labels(&T, "f.npz", 1, out, &err) == NRC_ERR_INPUT, "-1 is not a 0/1 label");
    T.shape[0] = T.count = 2;
    CHECK(nrc_tensor_to_f64(&T, "f.npz", out, &err) == NRC_ERR_INPUT &&
              strstr(err.msg, "f.npz: tensor \"y\": element [1]") && strstr(err.msg, "2^53"),
          "2^53 + 1 refused: %s", err.msg);
    T.dtype = NRC_DT_BOOL;
    T.data = b;
    CHECK(nrc_tensor_labels(&T, "f.npz", 0, out, &err) == NRC_ERR_INPUT && strstr(err.msg, "--labels 01"),
          "bool labels need --labels 01: %s", err.msg);
    CHECK(nrc_tensor_labels(&T, "f.npz", 1, out, &err) == NRC_OK && out[0] == 1 && out[1] == -1,
          "bool 0/1 labels");
    T.shape[0] = T.count = 3;
    CHECK(nrc_tensor_to_f64(&T, "f.npz", out, &err) == NRC_ERR_INPUT && strstr(err.msg, "element [2]"),
          "bool byte 2 refused: %s", err.msg);
}

/* A Fortran-ordered [2, 3, 4] array is read in C order. */
static void fortran_order(void)
{
    double data[24], out[24];
    nrc_tensor T;
    nrc_error err;
    int i, j, k;
    for (i = 0; i < 2; i++)
        for (j = 0; j < 3; j++)
            for (k = 0; k < 4; k++)
                data[i + 2 * j + 6 * k] = (double)(i * 12 + j * 4 + k);
    memset(&T, 0, sizeof T);
    T.name = "X";
    T.dtype = NRC_DT_F64;
    T.ndim = 3;
    T.shape[0] = 2;
    T.shape[1] = 3;
    T.shape[2] = 4;
    T.count = 24;
    T.fortran = 1;
    T.data = (const unsigned char *)data;
    REQUIRE(nrc_tensor_to_f64(&T, "f.npy", out, &err) == NRC_OK, "%s", err.msg);
    for (i = 0; i < 24; i++)
        CHECK(out[i] == i, "element %d is %g", i, out[i]);
}

/* ---- writers against readers ---- */

static nrc_dtype random_dtype(uint64_t *s) { return (nrc_dtype)(tl_splitmix64(s) % NRC_DT_COUNT); }

/* n random tensors with names t0..; data in one buffer the caller frees. */
static unsigned char *random_tensors(uint64_t *s, nrc_tensor *ts, size_t n, char names[][16],
                                     int npy_ok)
{
    size_t i, total = 0, at = 0;
    unsigned char *data;
    for (i = 0; i < n; i++) {
        nrc_tensor *T = &ts[i];
        unsigned a;
        memset(T, 0, sizeof *T);
        snprintf(names[i], 16, "t%zu.w", i);
        T->name = names[i];
        do
            T->dtype = random_dtype(s);
        while (npy_ok && T->dtype == NRC_DT_BF16); /* .npy has no bfloat16 */
        T->ndim = (unsigned)(tl_splitmix64(s) % 4);
        T->count = 1;
        for (a = 0; a < T->ndim; a++) {
            T->shape[a] = tl_splitmix64(s) % 5;
            T->count *= T->shape[a];
        }
        total += T->count * nrc_dtype_size(T->dtype);
    }
    data = malloc(total + 1);
    for (i = 0; i < total; i++)
        data[i] = (unsigned char)tl_splitmix64(s);
    for (i = 0; i < n; i++) {
        ts[i].data = data + at;
        at += ts[i].count * nrc_dtype_size(ts[i].dtype);
    }
    return data;
}

static int tensors_equal(const nrc_tensor *a, size_t n, const nrc_tensor_file *F)
{
    size_t i;
    if (F->count != n)
        return 0;
    for (i = 0; i < n; i++) {
        const nrc_tensor *b = nrc_tensor_file_find(F, a[i].name);
        if (!b || b->dtype != a[i].dtype || b->ndim != a[i].ndim || b->count != a[i].count ||
            memcmp(b->shape, a[i].shape, a[i].ndim * sizeof a[i].shape[0]) ||
            memcmp(b->data, a[i].data, a[i].count * nrc_dtype_size(a[i].dtype)))
            return 0;
    }
    return 1;
}

static void writers_roundtrip(void)
{
    uint64_t s = tl_seed() ^ 77;
    long it, iters = 300 * tl_mult();
    for (it = 0; it < iters; it++) {
        nrc_tensor ts[6];
        char names[6][16];
        size_t n = 1 + tl_splitmix64(&s) % 6, len;
        int fmt = (int)(it % 3);
        unsigned char *data = random_tensors(&s, ts, n, names, fmt != 0), *img = NULL;
        nrc_tensor_file F;
        nrc_error err;
        nrc_status st;
        if (fmt == 0)
            st = nrc_safetensors_write(ts, n, it % 2 ? "{\"format\":\"pt\"}" : NULL, &img, &len, &err);
        else if (fmt == 1)
            st = nrc_npz_write(ts, n, &img, &len, &err);
        else
            st = nrc_npy_write(ts, &img, &len, &err), n = 1;
        CHECK(st == NRC_OK, "iteration %ld: writer: %s", it, err.msg);
        nrc_tensor_file_init(&F);
        st = nrc_tensor_file_parse(img, len, "rt", &F, &err);
        CHECK(st == NRC_OK, "iteration %ld (format %d): reader: %s", it, fmt, err.msg);
        if (st == NRC_OK && fmt == 2) {
            F.t[0].name[0] = '\0';
            ts[0].name = F.t[0].name;
        }
        CHECK(st != NRC_OK || tensors_equal(ts, n, &F), "iteration %ld (format %d): tensors differ", it,
              fmt);
        nrc_tensor_file_clear(&F);
        nrc_free(img);
        free(data);
        if (tl_case_failed)
            return;
    }
}

/* ---- model -> export -> import ---- */

static double hostile_value(uint64_t *s)
{
    static const uint64_t pats[] = {0x8000000000000000u, 1, 0x000fffffffffffffu, 0x7fefffffffffffffu,
                                    0xffefffffffffffffu, 0x0010000000000000u};
    uint64_t r = tl_splitmix64(s);
    if (r % 4 == 0)
        return bits_d(pats[(r >> 8) % 6]);
    return ldexp((double)(int64_t)(r >> 11) / 9007199254740992.0, (int)((r >> 2) % 40) - 20);
}

static void random_model(uint64_t *s, nrc_model *M, int bias, uint64_t m)
{
    uint64_t n = 1 + tl_splitmix64(s) % 5, d = 1 + tl_splitmix64(s) % 7, k = 1 + tl_splitmix64(s) % 4, i;
    nrc_error err;
    nrc_model_init(M);
    if (nrc_model_alloc(M, n, d, k, m, bias ? NRC_FLAG_BIAS : 0, &err) != NRC_OK)
        abort();
    for (i = 0; i < k * d; i++)
        M->W[i] = hostile_value(s);
    for (i = 0; i < k; i++) {
        M->v[i] = hostile_value(s);
        if (bias)
            M->b[i] = hostile_value(s);
    }
    for (i = 0; i < n * d; i++)
        M->X[i] = hostile_value(s);
    for (i = 0; i < n; i++)
        M->y[i] = tl_splitmix64(s) & 1 ? 1.0 : -1.0;
    for (i = 0; i < m * d; i++)
        M->Xt[i] = hostile_value(s);
    for (i = 0; i < m; i++)
        M->yt[i] = tl_splitmix64(s) & 1 ? 1.0 : -1.0;
    nrc_model_set_meta(M, "{}", 2, &err);
}

static int arrays_equal(const double *a, const double *b, uint64_t n)
{
    return n == 0 || memcmp(a, b, (size_t)n * sizeof(double)) == 0;
}

static void export_import_roundtrip(void)
{
    uint64_t s = tl_seed() ^ 99;
    long it;
    for (it = 0; it < 40 * tl_mult(); it++) {
        nrc_model M, R;
        nrc_tensor ts[8];
        nrc_import_opts o;
        nrc_error err;
        unsigned char *img;
        size_t len, count;
        const char *fmt = it % 2 ? "npz" : "safetensors";
        const char *path = tpath(it % 2 ? "rt.npz" : "rt.safetensors");
        nrc_status st;
        random_model(&s, &M, (int)(it / 2 % 2), it % 3 ? 0 : 1 + tl_splitmix64(&s) % 3);
        count = nrc_export_model_tensors(&M, ts);
        st = nrc_export_image(fmt, ts, count, NULL, &img, &len, &err);
        if (st == NRC_OK) {
            st = nrc_file_write_atomic(path, img, len, &err);
            nrc_free(img);
        }
        CHECK(st == NRC_OK, "export: %s", err.msg);
        memset(&o, 0, sizeof o);
        o.weights = path;
        nrc_model_init(&R);
        st = nrc_import_build(&o, &R, &err);
        CHECK(st == NRC_OK, "iteration %ld: import of the export: %s", it, err.msg);
        if (st == NRC_OK)
            CHECK(R.n == M.n && R.d == M.d && R.k == M.k && R.m == M.m &&
                      (R.flags & NRC_FLAG_BIAS) == (M.flags & NRC_FLAG_BIAS) &&
                      arrays_equal(R.W, M.W, M.k * M.d) && arrays_equal(R.v, M.v, M.k) &&
                      (!M.b || arrays_equal(R.b, M.b, M.k)) && arrays_equal(R.X, M.X, M.n * M.d) &&
                      arrays_equal(R.y, M.y, M.n) && arrays_equal(R.Xt, M.Xt, M.m * M.d) &&
                      arrays_equal(R.yt, M.yt, M.m),
                  "iteration %ld (%s): import(export(m)) differs from m", it, fmt);
        nrc_model_clear(&M);
        nrc_model_clear(&R);
        if (tl_case_failed)
            return;
    }
}

/* ---- the importer's refusals ---- */

/* A safetensors file at tpath(name) with the default network (k = 2,
 * d = 3), data X [2, 3], y [2], and the changes given. */
typedef struct {
    double W[6], b[2], v[2], X[6], y[2];
    int no_bias, square, transpose, extra, outbias, xt_only;
    double c;
    nrc_dtype ydt;
} netspec;

static void default_spec(netspec *n)
{
    static const double W[6] = {1, -2, 0.5, 0.25, 3, -1}, X[6] = {1, 0, 0, 0, 1, 0};
    memset(n, 0, sizeof *n);
    memcpy(n->W, W, sizeof W);
    n->b[0] = 0.125;
    n->b[1] = -0.5;
    n->v[0] = 1;
    n->v[1] = -1;
    memcpy(n->X, X, sizeof X);
    n->y[0] = 1;
    n->y[1] = -1;
    n->ydt = NRC_DT_F64;
}

static void tens(nrc_tensor *T, const char *name, nrc_dtype dt, const void *data, unsigned nd,
                 uint64_t s0, uint64_t s1)
{
    memset(T, 0, sizeof *T);
    T->name = (char *)name;
    T->dtype = dt;
    T->ndim = nd;
    T->shape[0] = s0;
    T->shape[1] = s1;
    T->count = nd == 0 ? 1 : nd == 1 ? s0 : s0 * s1;
    T->data = data;
}

static void write_net(const netspec *n, const char *path)
{
    nrc_tensor ts[10];
    size_t c = 0, len;
    unsigned char *img;
    nrc_error err;
    int64_t yi[2] = {(int64_t)n->y[0], (int64_t)n->y[1]};
    double Wt[6];
    int i, j;
    for (i = 0; i < 3; i++)
        for (j = 0; j < 2; j++)
            Wt[i * 2 + j] = n->W[j * 3 + i];
    if (n->transpose)
        tens(&ts[c++], "0.weight", NRC_DT_F64, Wt, 2, 3, 2);
    else
        tens(&ts[c++], "0.weight", NRC_DT_F64, n->W, 2, 2, 3);
    if (!n->no_bias)
        tens(&ts[c++], "0.bias", NRC_DT_F64, n->b, 1, 2, 0);
    if (n->transpose)
        tens(&ts[c++], "2.weight", NRC_DT_F64, n->v, 2, 2, 1);
    else
        tens(&ts[c++], "2.weight", NRC_DT_F64, n->v, 2, 1, 2);
    if (n->outbias)
        tens(&ts[c++], "2.bias", NRC_DT_F64, &n->c, 1, 1, 0);
    if (n->extra)
        tens(&ts[c++], "4.weight", NRC_DT_F64, n->v, 2, 1, 2);
    tens(&ts[c++], "X", NRC_DT_F64, n->X, 2, 2, 3);
    if (n->ydt == NRC_DT_I64)
        tens(&ts[c++], "y", NRC_DT_I64, yi, 1, 2, 0);
    else
        tens(&ts[c++], "y", NRC_DT_F64, n->y, 1, 2, 0);
    if (n->xt_only)
        tens(&ts[c++], "Xt", NRC_DT_F64, n->X, 2, 2, 3);
    if (nrc_safetensors_write(ts, c, NULL, &img, &len, &err) != NRC_OK ||
        nrc_file_write_atomic(path, img, len, &err) != NRC_OK)
        abort();
    nrc_free(img);
}

/* Import path with o (weights = path); expect status want and every
 * word of needles in the message. */
static void expect_import(const char *what, nrc_import_opts *o, const char *path, nrc_status want,
                          const char *needle1, const char *needle2)
{
    nrc_model M;
    nrc_error err;
    nrc_status st;
    err.msg[0] = '\0';
    o->weights = path;
    nrc_model_init(&M);
    st = nrc_import_build(o, &M, &err);
    CHECK(st == want, "%s: status %d, want %d (%s)", what, (int)st, (int)want, err.msg);
    if (want != NRC_OK) {
        CHECK(strstr(err.msg, path) != NULL, "%s: message does not name the file: %s", what, err.msg);
        CHECK(!needle1 || strstr(err.msg, needle1), "%s: message lacks \"%s\": %s", what, needle1, err.msg);
        CHECK(!needle2 || strstr(err.msg, needle2), "%s: message lacks \"%s\": %s", what, needle2, err.msg);
        CHECK(M.W == NULL && M.meta == NULL, "%s: model touched on failure", what);
    }
    nrc_model_clear(&M);
}

/* Import path into M (initialized here; the caller clears it). */
static nrc_status import_into(nrc_import_opts *o, const char *path, nrc_model *M, nrc_error *err)
{
    o->weights = path;
    nrc_model_init(M);
    return nrc_import_build(o, M, err);
}

static void import_refusals(void)
{
    netspec n;
    nrc_model M;
    nrc_error err;
    nrc_import_opts o;
    const char *p = tpath("net.safetensors");
    memset(&o, 0, sizeof o);
    default_spec(&n);
    write_net(&n, p);
    expect_import("valid", &o, p, NRC_OK, NULL, NULL);

    default_spec(&n);
    n.outbias = 1;
    n.c = 0.25;
    write_net(&n, p);
    expect_import("nonzero output bias", &o, p, NRC_ERR_INPUT, "\"2.bias\"", "homogeneous");
    n.c = -0.0;
    write_net(&n, p);
    expect_import("output bias -0", &o, p, NRC_OK, NULL, NULL);

    default_spec(&n);
    n.y[1] = 0.5;
    write_net(&n, p);
    expect_import("label 0.5", &o, p, NRC_ERR_INPUT, "tensor \"y\": element [1]", "+1 or -1");
    n.y[1] = 0;
    write_net(&n, p);
    expect_import("labels 0/1 without the option", &o, p, NRC_ERR_INPUT, "--labels 01", NULL);
    o.labels01 = 1;
    expect_import("labels 0/1 with the option", &o, p, NRC_OK, NULL, NULL);
    o.labels01 = 0;
    default_spec(&n);
    n.ydt = NRC_DT_I64;
    write_net(&n, p);
    expect_import("int64 labels", &o, p, NRC_OK, NULL, NULL);

    default_spec(&n);
    n.W[4] = bits_d(0x7ff8000000000001u);
    write_net(&n, p);
    expect_import("NaN in W", &o, p, NRC_ERR_INPUT, "tensor \"0.weight\": element [1][1]", "NaN");
    default_spec(&n);
    n.X[2] = -INFINITY;
    write_net(&n, p);
    expect_import("-Inf in X", &o, p, NRC_ERR_INPUT, "tensor \"X\": element [0][2]", "-Inf");

    default_spec(&n);
    n.transpose = 1;
    write_net(&n, p);
    expect_import("W [d, k] without --layout", &o, p, NRC_ERR_INPUT, "\"0.weight\"", "--layout in-out");
    o.in_out = 1;
    CHECK(import_into(&o, p, &M, &err) == NRC_OK && memcmp(M.W, n.W, sizeof n.W) == 0,
          "in-out layout: W not transposed back: %s", err.msg);
    nrc_model_clear(&M);
    o.in_out = 0;

    default_spec(&n);
    n.extra = 1;
    write_net(&n, p);
    expect_import("extra tensor", &o, p, NRC_ERR_INPUT, "\"4.weight\"", "--allow-extra");
    o.allow_extra = 1;
    CHECK(import_into(&o, p, &M, &err) == NRC_OK && strstr(M.meta, "\"ignored_tensors\"") &&
              strstr(M.meta, "4.weight"), "--allow-extra: %s", err.msg);
    nrc_model_clear(&M);
    o.allow_extra = 0;

    default_spec(&n);
    n.xt_only = 1;
    write_net(&n, p);
    expect_import("Xt without yt", &o, p, NRC_ERR_INPUT, "\"Xt\"", "yt");

    default_spec(&n);
    write_net(&n, p);
    o.name[NRC_ROLE_W] = "fc1.weight";
    expect_import("missing mapped name", &o, p, NRC_ERR_INPUT, "no tensor named \"fc1.weight\"",
                  "\"0.weight\"");
    o.name[NRC_ROLE_W] = NULL;
    o.name[NRC_ROLE_XT] = "X";
    o.name[NRC_ROLE_YT] = "y";
    expect_import("test data mapped to the training data", &o, p, NRC_OK, NULL, NULL);
    o.name[NRC_ROLE_XT] = o.name[NRC_ROLE_YT] = NULL;
    o.file[NRC_ROLE_Y] = tpath("missing.npy");
    expect_import("a missing file", &o, tpath("missing.npy"), NRC_ERR_INPUT, "cannot open", NULL);
    o.file[NRC_ROLE_Y] = NULL;
}

/* A square W (k == d) is taken in the documented default layout [k, d]. */
static void square_default_layout(void)
{
    double W[4] = {1, 2, -3, 4}, v[2] = {1, -1}, X[4] = {1, 0, 0, 1}, y[2] = {1, -1};
    nrc_tensor ts[4];
    unsigned char *img;
    size_t len;
    nrc_error err;
    nrc_import_opts o;
    nrc_model M;
    tens(&ts[0], "0.weight", NRC_DT_F64, W, 2, 2, 2);
    tens(&ts[1], "2.weight", NRC_DT_F64, v, 1, 2, 0);
    tens(&ts[2], "X", NRC_DT_F64, X, 2, 2, 2);
    tens(&ts[3], "y", NRC_DT_F64, y, 1, 2, 0);
    REQUIRE(nrc_npz_write(ts, 4, &img, &len, &err) == NRC_OK &&
                nrc_file_write_atomic(tpath("sq.npz"), img, len, &err) == NRC_OK, "write");
    nrc_free(img);
    memset(&o, 0, sizeof o);
    o.weights = tpath("sq.npz");
    nrc_model_init(&M);
    CHECK(nrc_import_build(&o, &M, &err) == NRC_OK && memcmp(M.W, W, sizeof W) == 0 &&
              strstr(M.meta, "out-in"), "square W: %s", err.msg);
    nrc_model_clear(&M);
    o.in_out = 1;
    CHECK(nrc_import_build(&o, &M, &err) == NRC_OK && M.W[1] == -3 && M.W[2] == 2,
          "square W in-out: transposed");
    nrc_model_clear(&M);
}

/* Every allocation of an import fails in turn: NRC_ERR_SYSTEM, the model
 * untouched; then the import succeeds (leaks: LSan in the SANITIZE build). */
static void alloc_failure(void)
{
    netspec n;
    nrc_import_opts o;
    unsigned long k;
    default_spec(&n);
    write_net(&n, tpath("af.safetensors"));
    memset(&o, 0, sizeof o);
    o.weights = tpath("af.safetensors");
    for (k = 1; k < 200; k++) {
        nrc_model M;
        nrc_error err;
        nrc_status st;
        nrc_model_init(&M);
        nrc_alloc_fail_at(k);
        st = nrc_import_build(&o, &M, &err);
        nrc_alloc_fail_at(0);
        if (st == NRC_OK) {
            nrc_model_clear(&M);
            printf("alloc_failure: %lu allocations in an import, each failing in turn gave exit 4\n",
                   k - 1);
            return;
        }
        CHECK(st == NRC_ERR_SYSTEM && M.W == NULL, "allocation %lu: status %d (%s)", k, (int)st, err.msg);
    }
    CHECK(0, "import never succeeded");
}

/* ---- examples ---- */

static const char *good_ex =
    "{\"format\": \"nrc-examples\", \"version\": 1, \"model_sha256\": "
    "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\", "
    "\"semantics\": \"exact-real-on-binary64\", \"examples\": ["
    "{\"set\": \"train\", \"index\": 0, \"sign\": 1, \"status\": \"certified\", \"x\": [\"0x1p+0\", \"-0x0.0000000000001p-1022\"]},"
    "{\"set\": \"test\", \"index\": 3, \"sign\": -1, \"status\": \"undecided\", \"x\": [\"0x0p+0\", \"0x1.fffffffffffffp+1023\"]}]}";

static nrc_status parse_ex(const char *s, int certified_only, nrc_examples *E, nrc_error *err)
{
    return nrc_examples_parse((const unsigned char *)s, strlen(s), "ex.json", certified_only, E, err);
}

static void examples_reader(void)
{
    static const struct {
        const char *from, *to;
    } bad[] = {
        {"\"version\": 1", "\"version\": 2"},
        {"nrc-examples", "nrc-example"},
        {"0123456789abcdef0123", "0123456789ABCDEF0123"},
        {"\"0x1p+0\"", "\"0x1.0p+0\""},
        {"\"0x1p+0\"", "\"1.0\""},
        {"\"0x1p+0\"", "\"inf\""},
        {"\"0x1p+0\"", "\"0x1p+1024\""},
        {"\"0x1p+0\"", "\"nan\""},
        {"\"0x1p+0\"", "1"},
        {"\"sign\": 1", "\"sign\": 0"},
        {"\"index\": 0", "\"index\": -1"},
        {"\"train\"", "\"training\""},
        {"\"undecided\"", "\"maybe\""},
        {"\"x\": [\"0x0p+0\", ", "\"x\": ["},
        {"\"set\": \"train\", \"index\": 0", "\"set\": \"train\", \"set\": \"train\", \"index\": 0"},
        {"\"semantics\"", "\"extra\": 1, \"semantics\""},
        {"\"index\": 3,", "\"index\": 3, \"z\": 1,"},
    };
    nrc_examples E;
    nrc_error err;
    char buf[2048];
    size_t i;
    nrc_examples_init(&E);
    CHECK(parse_ex(good_ex, 0, &E, &err) == NRC_OK && E.count == 2 && E.d == 2 && E.x[0] == 1 &&
              same(E.x[1], -bits_d(1)) && E.index[1] == 3 && E.is_test[1] == 1 && E.sign[1] == -1 &&
              E.certified[0] == 1 && E.certified[1] == 0 && same(E.x[3], bits_d(0x7fefffffffffffffu)),
          "good examples: %s", err.msg);
    CHECK(parse_ex(good_ex, 1, &E, &err) == NRC_OK && E.count == 1 && E.index[0] == 0,
          "certified only: %s", err.msg);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *at = strstr(good_ex, bad[i].from);
        nrc_status st;
        if (!at) {
            CHECK(0, "test %zu: pattern not found", i);
            continue;
        }
        snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - good_ex), good_ex, bad[i].to,
                 at + strlen(bad[i].from));
        st = parse_ex(buf, 0, &E, &err);
        CHECK(st == NRC_ERR_INPUT && strncmp(err.msg, "ex.json: ", 9) == 0,
              "mutation %zu (%s -> %s): status %d: %s", i, bad[i].from, bad[i].to, (int)st, err.msg);
        CHECK(E.count == 1, "mutation %zu: the old examples were not kept", i);
    }
    CHECK(parse_ex("[]", 0, &E, &err) == NRC_ERR_INPUT, "an array");
    CHECK(parse_ex("{", 0, &E, &err) == NRC_ERR_INPUT && strstr(err.msg, "invalid JSON"), "truncated");
    nrc_examples_clear(&E);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/nrc-t-import-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    RUN(f16_exhaustive);
    RUN(bf16_exhaustive);
    RUN(f32_random);
    RUN(conversions_and_labels);
    RUN(fortran_order);
    RUN(writers_roundtrip);
    RUN(export_import_roundtrip);
    RUN(import_refusals);
    RUN(square_default_layout);
    RUN(alloc_failure);
    RUN(examples_reader);
    {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            return 1;
    }
    return tl_exit();
}
