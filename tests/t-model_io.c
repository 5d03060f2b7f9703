/* Tests of the model file reader, validator and writer (src/core/model.c,
 * spec/MODEL.md): golden fixture, bit-identical round trips, one case per
 * rejection class, every truncation, seeded mutations, hostile headers,
 * special files, and allocation failure at every allocation.
 * Leaks: run once by hand under
 *   valgrind --leak-check=full --error-exitcode=9 build/tests/t-model_io */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nrc_alloc.h"
#include "nrc_io.h"
#include "nrc_model.h"
#include "nrc_sha256.h"
#include "testlib.h"

#define FIXTURE "tests/fixtures/model/tiny.bin"
#define FIXTURE_SHA "7aad3d5cffe46faae68758b9a433a8e8e101d55be369228bf62756a5fddc4184"

static char tmpdir[256];

/* ------------------------------------------------------------ helpers */

static uint64_t rng_state;
static uint64_t rnd(void) { return tl_splitmix64(&rng_state); }

static uint64_t bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, 8);
    return u;
}

static double from_bits(uint64_t u)
{
    double x;
    memcpy(&x, &u, 8);
    return x;
}

/* A random finite double, biased toward the awkward ones. */
static double rnd_real(void)
{
    uint64_t u;
    switch (rnd() % 8) {
    case 0: return -0.0;
    case 1: return 0.0;
    case 2: u = rnd() & UINT64_C(0x800fffffffffffff); break;        /* subnormal */
    case 3: u = (rnd() & UINT64_C(0x800fffffffffffff)) | UINT64_C(0x7fe0000000000000); break;
    default:
        do
            u = rnd();
        while ((u & UINT64_C(0x7ff0000000000000)) == UINT64_C(0x7ff0000000000000));
    }
    return from_bits(u);
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Recompute the trailing checksum of an image of len bytes. */
static void fix_sum(unsigned char *buf, size_t len)
{
    nrc_sha256(buf, len - 32, buf + len - 32);
}

static int read_file(const char *path, unsigned char **buf, size_t *len)
{
    nrc_error e;
    return nrc_file_read_all(path, 1 << 20, buf, len, &e) == NRC_OK;
}

static int write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    if (len && fwrite(buf, 1, len, f) != len) {
        fclose(f);
        return 0;
    }
    return fclose(f) == 0;
}

static void tmp_path(char *out, size_t size, const char *leaf)
{
    snprintf(out, size, "%s/%s", tmpdir, leaf);
}

/* A random valid model; meta set to a padded JSON object of meta_pad bytes. */
static int make_random(nrc_model *M, uint64_t n, uint64_t d, uint64_t k, uint64_t m,
                       uint32_t flags, size_t meta_pad)
{
    nrc_error e;
    char meta[256];
    size_t len;
    nrc_model_init(M);
    if (nrc_model_alloc(M, n, d, k, m, flags, &e) != NRC_OK)
        return 0;
    for (uint64_t i = 0; i < k * d; i++)
        M->W[i] = rnd_real();
    for (uint64_t j = 0; j < k; j++) {
        M->v[j] = rnd_real();
        if (M->b)
            M->b[j] = rnd_real();
    }
    for (uint64_t i = 0; i < n * d; i++)
        M->X[i] = rnd_real();
    for (uint64_t i = 0; i < n; i++)
        M->y[i] = (rnd() & 1) ? 1.0 : -1.0;
    for (uint64_t i = 0; i < m * d; i++)
        M->Xt[i] = rnd_real();
    for (uint64_t i = 0; i < m; i++)
        M->yt[i] = (rnd() & 1) ? 1.0 : -1.0;
    len = (size_t)snprintf(meta, sizeof meta, "{\"seed\":%llu,\"s\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}",
                           (unsigned long long)(rnd() % 1000));
    while (len < meta_pad && len < sizeof meta - 1)
        meta[len++] = ' ';
    return nrc_model_set_meta(M, meta, len, &e) == NRC_OK;
}

static int same_bits(const double *a, const double *b, uint64_t count)
{
    if (count == 0)
        return 1;
    if (!a || !b)
        return 0;
    for (uint64_t i = 0; i < count; i++)
        if (bits(a[i]) != bits(b[i]))
            return 0;
    return 1;
}

static int same_model(const nrc_model *A, const nrc_model *B)
{
    return A->n == B->n && A->d == B->d && A->k == B->k && A->m == B->m &&
           A->flags == B->flags && same_bits(A->W, B->W, A->k * A->d) &&
           ((A->b == NULL) == (B->b == NULL)) && (!A->b || same_bits(A->b, B->b, A->k)) &&
           same_bits(A->v, B->v, A->k) && same_bits(A->X, B->X, A->n * A->d) &&
           same_bits(A->y, B->y, A->n) && same_bits(A->Xt, B->Xt, A->m * A->d) &&
           same_bits(A->yt, B->yt, A->m) && A->meta_len == B->meta_len &&
           memcmp(A->meta, B->meta, A->meta_len) == 0 && A->meta[A->meta_len] == '\0';
}

/* Valid image of a small random model (n=3, d=2, k=2, m=1, bias, 24-byte
 * metadata). */
static unsigned char *base_image(size_t *len, nrc_model_layout *L)
{
    nrc_model M;
    nrc_error e;
    unsigned char *buf = NULL;
    if (!make_random(&M, 3, 2, 2, 1, NRC_FLAG_BIAS, 24))
        return NULL;
    if (nrc_model_serialize(&M, &buf, len, &e) != NRC_OK)
        buf = NULL;
    nrc_model_layout_compute(3, 2, 2, 1, NRC_FLAG_BIAS, M.meta_len, L);
    nrc_model_clear(&M);
    return buf;
}

/* Parse buf and expect NRC_ERR_INPUT with every word of words[] (NULL
 * terminated) and the name "case.bin" in the message. */
static void expect_input(const char *what, const unsigned char *buf, size_t len,
                         const char *const *words)
{
    nrc_model M;
    nrc_error e;
    nrc_status s;
    e.msg[0] = '\0';
    nrc_model_init(&M);
    s = nrc_model_parse(buf, len, "case.bin", &M, &e);
    CHECK(s == NRC_ERR_INPUT, "%s: status %d, expected %d (msg: %s)", what, (int)s,
          NRC_ERR_INPUT, e.msg);
    CHECK(strstr(e.msg, "case.bin") != NULL, "%s: file name missing from: %s", what, e.msg);
    for (; *words; words++)
        CHECK(strstr(e.msg, *words) != NULL, "%s: \"%s\" missing from: %s", what, *words, e.msg);
    CHECK(M.W == NULL && M.meta == NULL, "%s: model touched on failure", what);
    nrc_model_clear(&M);
}

#define WORDS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* -------------------------------------------------------------- cases */

static void golden_fixture_read(void)
{
    nrc_model M;
    nrc_error e;
    char hex[65];
    nrc_status s;
    static const double W[6] = {0.5, -0.0, 5e-324, 1e300, -2.5, 0.1};
    static const double b[2] = {0.25, -2.2250738585072014e-308};
    static const double v[2] = {1.0, -1.0};
    static const double X[6] = {1.0, 2.0, 3.0, -4.0, 0.125, 1.7976931348623157e308};
    static const double y[2] = {1.0, -1.0};
    static const double Xt[3] = {0.3, -0.7, 1.5};
    static const double yt[1] = {-1.0};
    static const char meta[] = "{\"generator\":\"make_tiny.py\",\"note\":\"golden fixture for t-model_io\"}";
    nrc_model_init(&M);
    s = nrc_model_read(FIXTURE, &M, &e);
    REQUIRE(s == NRC_OK, "read %s: status %d: %s (run from the repository root)", FIXTURE, (int)s, e.msg);
    CHECK(M.n == 2 && M.d == 3 && M.k == 2 && M.m == 1 && M.flags == 3,
          "sizes n=%llu d=%llu k=%llu m=%llu flags=%u", (unsigned long long)M.n,
          (unsigned long long)M.d, (unsigned long long)M.k, (unsigned long long)M.m, M.flags);
    CHECK(same_bits(M.W, W, 6), "W differs");
    CHECK(bits(M.W[1]) == UINT64_C(0x8000000000000000), "W[0][1] is not -0.0");
    CHECK(bits(M.W[2]) == 1, "W[0][2] is not the smallest subnormal");
    CHECK(same_bits(M.b, b, 2), "b differs");
    CHECK(same_bits(M.v, v, 2), "v differs");
    CHECK(same_bits(M.X, X, 6), "X differs");
    CHECK(same_bits(M.y, y, 2), "y differs");
    CHECK(same_bits(M.Xt, Xt, 3), "Xt differs");
    CHECK(same_bits(M.yt, yt, 1), "yt differs");
    CHECK(M.meta_len == strlen(meta) && strcmp(M.meta, meta) == 0, "meta differs: %s", M.meta);
    nrc_hex(M.file_sha256, 32, hex);
    CHECK(strcmp(hex, FIXTURE_SHA) == 0, "file_sha256 %s, expected %s", hex, FIXTURE_SHA);
    nrc_model_clear(&M);
}

static void golden_fixture_write(void)
{
    nrc_model M;
    nrc_error e;
    unsigned char *want = NULL, *got = NULL, *file = NULL;
    size_t want_len = 0, got_len = 0, file_len = 0;
    char path[512], hex[65];
    static const char meta[] = "{\"generator\":\"make_tiny.py\",\"note\":\"golden fixture for t-model_io\"}";
    REQUIRE(read_file(FIXTURE, &want, &want_len), "cannot read %s", FIXTURE);
    nrc_model_init(&M);
    REQUIRE(nrc_model_alloc(&M, 2, 3, 2, 1, NRC_FLAG_BIAS | NRC_FLAG_FIXED_V, &e) == NRC_OK,
            "alloc: %s", e.msg);
    M.W[0] = 0.5; M.W[1] = -0.0; M.W[2] = 5e-324;
    M.W[3] = 1e300; M.W[4] = -2.5; M.W[5] = 0.1;
    M.b[0] = 0.25; M.b[1] = -2.2250738585072014e-308;
    M.v[0] = 1.0; M.v[1] = -1.0;
    M.X[0] = 1.0; M.X[1] = 2.0; M.X[2] = 3.0;
    M.X[3] = -4.0; M.X[4] = 0.125; M.X[5] = 1.7976931348623157e308;
    M.y[0] = 1.0; M.y[1] = -1.0;
    M.Xt[0] = 0.3; M.Xt[1] = -0.7; M.Xt[2] = 1.5;
    M.yt[0] = -1.0;
    CHECK(nrc_model_set_meta(&M, meta, strlen(meta), &e) == NRC_OK, "set_meta: %s", e.msg);
    CHECK(nrc_model_serialize(&M, &got, &got_len, &e) == NRC_OK, "serialize: %s", e.msg);
    CHECK(got && got_len == want_len && memcmp(got, want, want_len) == 0,
          "C writer differs from the Python fixture (%zu vs %zu bytes)", got_len, want_len);
    nrc_hex(M.file_sha256, 32, hex);
    CHECK(strcmp(hex, FIXTURE_SHA) == 0, "serialize's file_sha256 %s", hex);
    tmp_path(path, sizeof path, "golden.bin");
    CHECK(nrc_model_write(path, &M, &e) == NRC_OK, "write: %s", e.msg);
    CHECK(read_file(path, &file, &file_len) && file_len == want_len &&
          memcmp(file, want, want_len) == 0, "written file differs from the fixture");
    unlink(path);
    nrc_free(want);
    nrc_free(got);
    nrc_free(file);
    nrc_model_clear(&M);
}

static void roundtrip_random(void)
{
    long iters = 200 * tl_mult();
    for (long it = 0; it < iters; it++) {
        nrc_model A, B;
        nrc_error e;
        unsigned char *b1 = NULL, *b2 = NULL;
        size_t l1 = 0, l2 = 0;
        uint64_t n = 1 + rnd() % 5, d = 1 + rnd() % 6, k = 1 + rnd() % 4;
        uint64_t m = (it % 3 == 0) ? 0 : rnd() % 4;
        uint32_t flags = (uint32_t)(rnd() % 4);
        REQUIRE(make_random(&A, n, d, k, m, flags, (size_t)(rnd() % 40)), "make_random");
        nrc_model_init(&B);
        REQUIRE(nrc_model_serialize(&A, &b1, &l1, &e) == NRC_OK, "serialize it=%ld: %s", it, e.msg);
        CHECK(l1 == nrc_model_file_size(n, d, k, m, flags, A.meta_len), "length %zu", l1);
        if (nrc_model_parse(b1, l1, "rt.bin", &B, &e) != NRC_OK) {
            CHECK(0, "parse it=%ld n=%llu d=%llu k=%llu m=%llu flags=%u: %s", it,
                  (unsigned long long)n, (unsigned long long)d, (unsigned long long)k,
                  (unsigned long long)m, flags, e.msg);
        } else {
            CHECK(same_model(&A, &B), "it=%ld: parsed model differs", it);
            CHECK(memcmp(A.file_sha256, B.file_sha256, 32) == 0, "it=%ld: file_sha256 differs", it);
            CHECK(nrc_model_serialize(&B, &b2, &l2, &e) == NRC_OK, "reserialize: %s", e.msg);
            CHECK(b2 && l1 == l2 && memcmp(b1, b2, l1) == 0, "it=%ld: bytes differ after round trip", it);
        }
        if (it % 20 == 0) { /* through the file system too */
            char path[512];
            nrc_model C;
            tmp_path(path, sizeof path, "rt.bin");
            nrc_model_init(&C);
            CHECK(nrc_model_write(path, &A, &e) == NRC_OK, "write: %s", e.msg);
            CHECK(nrc_model_read(path, &C, &e) == NRC_OK && same_model(&A, &C),
                  "it=%ld: file round trip: %s", it, e.msg);
            unlink(path);
            nrc_model_clear(&C);
        }
        nrc_free(b1);
        nrc_free(b2);
        nrc_model_clear(&A);
        nrc_model_clear(&B);
    }
}

static void reject_header(void)
{
    nrc_model_layout L;
    size_t len;
    unsigned char *base = base_image(&len, &L);
    unsigned char *buf;
    REQUIRE(base, "base image");
    buf = malloc(len + 16);
    REQUIRE(buf, "malloc");

#define FRESH() memcpy(buf, base, len)
    FRESH(); expect_input("short", buf, 10, WORDS("truncated", "64-byte header", "offset 10"));
    FRESH(); buf[0] = 'X'; fix_sum(buf, len);
    expect_input("magic", buf, len, WORDS("magic", "offset 0", "NRCMODEL"));
    FRESH(); expect_input("magic, short", (const unsigned char *)"PK\3\4", 4, WORDS("magic"));
    FRESH(); buf[8] = 2; fix_sum(buf, len);
    expect_input("version", buf, len, WORDS("version", "offset 8", "is 2"));
    FRESH(); buf[12] |= 4; fix_sum(buf, len);
    expect_input("flags", buf, len, WORDS("flags", "offset 12", "unknown"));
    FRESH(); buf[15] = 0x80; fix_sum(buf, len);
    expect_input("flags bit 31", buf, len, WORDS("flags", "offset 12", "0x80000000"));
    FRESH(); put64(buf + 16, 0); fix_sum(buf, len);
    expect_input("n = 0", buf, len, WORDS("field n (offset 16) is 0"));
    FRESH(); put64(buf + 24, 0); fix_sum(buf, len);
    expect_input("d = 0", buf, len, WORDS("field d (offset 24) is 0"));
    FRESH(); put64(buf + 32, 0); fix_sum(buf, len);
    expect_input("k = 0", buf, len, WORDS("field k (offset 32) is 0"));
    FRESH(); put64(buf + 16, NRC_MODEL_DIM_MAX + 1); fix_sum(buf, len);
    expect_input("n > cap", buf, len, WORDS("field n (offset 16)", "cap"));
    FRESH(); put64(buf + 24, UINT64_MAX); fix_sum(buf, len);
    expect_input("d huge", buf, len, WORDS("field d (offset 24)", "cap"));
    FRESH(); put64(buf + 32, NRC_MODEL_DIM_MAX + 1); fix_sum(buf, len);
    expect_input("k > cap", buf, len, WORDS("field k (offset 32)", "cap"));
    FRESH(); put64(buf + 40, UINT64_MAX); fix_sum(buf, len);
    expect_input("m huge", buf, len, WORDS("field m (offset 40)", "cap"));
    FRESH(); put64(buf + 48, UINT64_MAX - 10); fix_sum(buf, len);
    expect_input("meta_len huge", buf, len, WORDS("field meta_len (offset 48)", "cap"));
    FRESH(); put64(buf + 48, NRC_MODEL_META_MAX + 1); fix_sum(buf, len);
    expect_input("meta_len > cap", buf, len, WORDS("field meta_len (offset 48)", "cap"));
    FRESH(); buf[63] = 1; fix_sum(buf, len);
    expect_input("reserved", buf, len, WORDS("reserved", "offset 56"));
    /* n = d = 2^31 (at the cap): 8 n d = 2^65 overflows 64 bits. */
    FRESH(); put64(buf + 16, NRC_MODEL_DIM_MAX); put64(buf + 24, NRC_MODEL_DIM_MAX);
    expect_input("n = d = 2^31", buf, len, WORDS("offsets 16-55", "overflows 64 bits"));
    FRESH(); put64(buf + 32, NRC_MODEL_DIM_MAX); put64(buf + 24, NRC_MODEL_DIM_MAX);
    expect_input("k d overflow", buf, len, WORDS("offsets 16-55", "overflows 64 bits"));
    /* 8 n d = 2^38 fits 64 bits but exceeds the 2^36 file cap. */
    FRESH(); put64(buf + 16, NRC_MODEL_DIM_MAX); put64(buf + 24, 16);
    expect_input("file cap", buf, len, WORDS("offsets 16-55", "exceeds the cap"));
    FRESH(); expect_input("truncated", buf, len - 1, WORDS("truncated", "implies", "offset"));
    memcpy(buf, base, len); buf[len] = 0;
    expect_input("too long", buf, len + 1, WORDS("too long", "1 trailing bytes", "offset"));
    FRESH(); buf[L.off_X + 3] ^= 0x10;
    expect_input("checksum", buf, len, WORDS("checksum", "SHA-256", "offset"));
    FRESH(); buf[len - 1] ^= 1;
    expect_input("checksum itself", buf, len, WORDS("checksum", "SHA-256"));
#undef FRESH
    free(buf);
    nrc_free(base);
}

static void reject_reals(void)
{
    nrc_model_layout L;
    size_t len;
    unsigned char *base = base_image(&len, &L);
    unsigned char *buf;
    char w1[128];
    REQUIRE(base, "base image");
    buf = malloc(len);
    REQUIRE(buf, "malloc");
    struct { const char *field; uint64_t off; uint64_t value; const char *what; } cases[] = {
        {"W[1][1]", L.off_W + 8 * 3, UINT64_C(0x7ff8000000000000), "is NaN"},
        {"W[0][0]", L.off_W, UINT64_C(0x7ff0000000000000), "is +Inf"},
        {"b[1]", L.off_b + 8, UINT64_C(0xfff0000000000000), "is -Inf"},
        {"v[0]", L.off_v, UINT64_C(0xfff0000000000001), "is NaN"},
        {"X[2][1]", L.off_X + 8 * 5, UINT64_C(0x7ff0000000000001), "is NaN"},
        {"Xt[0][1]", L.off_Xt + 8, UINT64_C(0x7fffffffffffffff), "is NaN"},
        {"y[1]", L.off_y + 8, bits(0.5), "+1 or -1"},
        {"y[0]", L.off_y, bits(-0.0), "+1 or -1"},
        {"y[2]", L.off_y + 16, bits(1.0000000000000002), "+1 or -1"},
        {"y[0]", L.off_y, UINT64_C(0x7ff8000000000000), "is NaN"},
        {"yt[0]", L.off_yt, bits(2.0), "+1 or -1"},
        {"yt[0]", L.off_yt, bits(-0.9999999999999999), "+1 or -1"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        memcpy(buf, base, len);
        put64(buf + cases[c].off, cases[c].value);
        fix_sum(buf, len);
        snprintf(w1, sizeof w1, "field %s (offset %llu)", cases[c].field,
                 (unsigned long long)cases[c].off);
        expect_input(cases[c].field, buf, len, WORDS(w1, cases[c].what));
    }
    /* Finite extremes are fine: the largest double, the smallest subnormal. */
    memcpy(buf, base, len);
    put64(buf + L.off_X, UINT64_C(0x7fefffffffffffff));
    put64(buf + L.off_W, UINT64_C(0x8000000000000001));
    fix_sum(buf, len);
    {
        nrc_model M;
        nrc_error e;
        nrc_model_init(&M);
        CHECK(nrc_model_parse(buf, len, "ok.bin", &M, &e) == NRC_OK, "extremes rejected: %s", e.msg);
        nrc_model_clear(&M);
    }
    free(buf);
    nrc_free(base);
}

/* Image with the metadata block replaced by meta (any length). */
static unsigned char *with_meta(const unsigned char *base, const nrc_model_layout *L,
                                const char *meta, size_t mlen, size_t *len)
{
    size_t head = (size_t)L->off_meta;
    unsigned char *buf = malloc(head + mlen + 32);
    if (!buf)
        return NULL;
    memcpy(buf, base, head);
    put64(buf + 48, mlen);
    memcpy(buf + head, meta, mlen);
    *len = head + mlen + 32;
    fix_sum(buf, *len);
    return buf;
}

static void reject_meta(void)
{
    nrc_model_layout L;
    size_t len, blen;
    unsigned char *base = base_image(&blen, &L);
    char w[64];
    struct { const char *name; const char *meta; size_t len; const char *word; } cases[] = {
        {"empty", "", 0, "not valid JSON"},
        {"not JSON", "{", 1, "not valid JSON"},
        {"array", "[1,2]", 5, "not an object"},
        {"string", "\"x\"", 3, "not an object"},
        {"duplicate keys", "{\"a\":1,\"a\":2}", 13, "not valid JSON"},
        {"trailing garbage", "{} x", 4, "not valid JSON"},
        {"two objects", "{}{}", 4, "not valid JSON"},
        {"embedded NUL", "{\"a\":\"\0\"}", 9, "embedded NUL"},
        {"NUL at end", "{}\0", 3, "embedded NUL"},
        {"bad byte", "{\"a\":\"\xff\"}", 9, "UTF-8"},
        {"overlong", "{\"a\":\"\xc0\x80\"}", 10, "UTF-8"},
        {"surrogate", "{\"a\":\"\xed\xa0\x80\"}", 11, "UTF-8"},
        {"above U+10FFFF", "{\"a\":\"\xf4\x90\x80\x80\"}", 12, "UTF-8"},
        {"cut sequence", "{}\xe2\x82", 4, "UTF-8"},
        {"escaped NUL", "{\"a\":\"\\u0000\"}", 14, "not valid JSON"},
    };
    REQUIRE(base, "base image");
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        unsigned char *buf = with_meta(base, &L, cases[c].meta, cases[c].len, &len);
        REQUIRE(buf, "malloc");
        snprintf(w, sizeof w, "metadata (offset %llu)", (unsigned long long)L.off_meta);
        expect_input(cases[c].name, buf, len, WORDS(w, cases[c].word));
        free(buf);
    }
    { /* and accepted: whitespace around an object, non-ASCII text */
        static const char ok[] = " \n{\"\xc3\xa9\":[1,{\"b\":null}],\"\xf0\x9f\x98\x80\":\"\\u00e9\"}\n";
        unsigned char *buf = with_meta(base, &L, ok, sizeof ok - 1, &len);
        nrc_model M;
        nrc_error e;
        REQUIRE(buf, "malloc");
        nrc_model_init(&M);
        CHECK(nrc_model_parse(buf, len, "ok.bin", &M, &e) == NRC_OK, "valid metadata rejected: %s", e.msg);
        nrc_model_clear(&M);
        free(buf);
    }
    nrc_free(base);
}

static void utf8_boundaries(void)
{
    struct { const char *s; size_t len; size_t want; } cases[] = {
        {"\x7f", 1, 1}, {"\xc2\x80", 2, 2}, {"\xc1\xbf", 2, 0}, {"\xdf\xbf", 2, 2},
        {"\xe0\x9f\xbf", 3, 0}, {"\xe0\xa0\x80", 3, 3}, {"\xed\x9f\xbf", 3, 3},
        {"\xed\xa0\x80", 3, 0}, {"\xef\xbf\xbf", 3, 3}, {"\xf0\x8f\xbf\xbf", 4, 0},
        {"\xf0\x90\x80\x80", 4, 4}, {"\xf4\x8f\xbf\xbf", 4, 4}, {"\xf4\x90\x80\x80", 4, 0},
        {"\xf5\x80\x80\x80", 4, 0}, {"\x80", 1, 0}, {"a\xc2", 2, 1}, {"ab\xe2\x82", 4, 2},
        {"\xe2\x82\x41", 3, 0}, {"a\0b", 3, 1}, {"", 0, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t got = nrc_utf8_check((const unsigned char *)cases[c].s, cases[c].len);
        CHECK(got == cases[c].want, "case %zu: nrc_utf8_check gives %zu, expected %zu", c, got,
              cases[c].want);
    }
}

static void truncation_every_length(void)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    char path[512];
    REQUIRE(read_file(FIXTURE, &buf, &len), "cannot read %s", FIXTURE);
    tmp_path(path, sizeof path, "trunc.bin");
    for (size_t l = 0; l < len; l++) {
        nrc_model M;
        nrc_error e;
        nrc_status s;
        nrc_model_init(&M);
        s = nrc_model_parse(buf, l, "trunc.bin", &M, &e);
        CHECK(s == NRC_ERR_INPUT && strstr(e.msg, "truncated"), "length %zu: status %d: %s", l,
              (int)s, e.msg);
        CHECK(write_file(path, buf, l), "cannot write %s", path);
        s = nrc_model_read(path, &M, &e);
        CHECK(s == NRC_ERR_INPUT && strstr(e.msg, "truncated") && strstr(e.msg, path),
              "read of length %zu: status %d: %s", l, (int)s, e.msg);
        nrc_model_clear(&M);
    }
    unlink(path);
    nrc_free(buf);
}

static void mutations(void)
{
    unsigned char *base = NULL, *buf, *again = NULL;
    size_t len = 0, alen = 0;
    long iters = 3000 * tl_mult(), accepted = 0;
    REQUIRE(read_file(FIXTURE, &base, &len), "cannot read %s", FIXTURE);
    buf = malloc(len);
    REQUIRE(buf, "malloc");
    for (long it = 0; it < iters; it++) {
        nrc_model M;
        nrc_error e;
        nrc_status s;
        size_t pos[3];
        int count = 1 + (int)(rnd() % 3), resum = (int)(it & 1);
        memcpy(buf, base, len);
        for (int t = 0; t < count; t++) {
            /* Half the mutations hit the header, where sizes live. */
            pos[t] = (rnd() & 1) ? (size_t)(rnd() % 64) : (size_t)(rnd() % len);
            if (rnd() & 1)
                buf[pos[t]] ^= (unsigned char)(1u << (rnd() % 8));
            else
                buf[pos[t]] = (unsigned char)rnd();
        }
        if (resum)
            fix_sum(buf, len);
        nrc_model_init(&M);
        s = nrc_model_parse(buf, len, "mut.bin", &M, &e);
        if (memcmp(buf, base, len) == 0) {
            CHECK(s == NRC_OK, "it=%ld: unchanged file rejected", it);
        } else if (!resum) {
            CHECK(s == NRC_ERR_INPUT, "it=%ld: mutation at %zu (of %d) accepted or status %d", it,
                  pos[0], count, (int)s);
        } else if (s == NRC_OK) {
            /* Still valid: then it is canonical, the writer gives it back. */
            accepted++;
            CHECK(nrc_model_serialize(&M, &again, &alen, &e) == NRC_OK && alen == len &&
                  memcmp(again, buf, len) == 0, "it=%ld: accepted mutation not canonical", it);
            nrc_free(again);
            again = NULL;
        } else {
            CHECK(s == NRC_ERR_INPUT, "it=%ld: status %d: %s", it, (int)s, e.msg);
        }
        nrc_model_clear(&M);
    }
    printf("     mutations: %ld, accepted after re-summing %ld\n", iters, accepted);
    free(buf);
    nrc_free(base);
}

/* Hostile headers and a huge sparse file are rejected from the header and
 * fstat alone: no allocation at all. */
static void hostile_files_no_allocation(void)
{
    unsigned char hdr[64 + 32];
    unsigned char *fix = NULL;
    size_t flen = 0;
    char path[512];
    struct { const char *name; uint64_t n, d, k, m, meta; const char *word; } cases[] = {
        {"n = d = 2^31", NRC_MODEL_DIM_MAX, NRC_MODEL_DIM_MAX, 1, 0, 2, "overflows"},
        {"k d overflow", 1, NRC_MODEL_DIM_MAX, NRC_MODEL_DIM_MAX, 0, 2, "overflows"},
        {"meta_len huge", 1, 1, 1, 0, UINT64_MAX, "cap"},
        {"consistent but 64 GiB", 1, NRC_MODEL_DIM_MAX, 4, 0, 2, "exceeds"},
        {"small header, long file", 1, 1, 1, 0, 2, "too long"},
    };
    tmp_path(path, sizeof path, "hostile.bin");
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        nrc_model M;
        nrc_error e;
        nrc_status s;
        int fd;
        unsigned long before;
        memset(hdr, 0, sizeof hdr);
        memcpy(hdr, "NRCMODEL", 8);
        hdr[8] = 1;
        put64(hdr + 16, cases[c].n);
        put64(hdr + 24, cases[c].d);
        put64(hdr + 32, cases[c].k);
        put64(hdr + 40, cases[c].m);
        put64(hdr + 48, cases[c].meta);
        REQUIRE(write_file(path, hdr, sizeof hdr), "write %s", path);
        /* make it a huge sparse file: 1 TiB, or 8 GiB if the FS refuses */
        fd = open(path, O_WRONLY);
        REQUIRE(fd >= 0, "open %s", path);
        if (ftruncate(fd, (off_t)1 << 40) != 0)
            CHECK(ftruncate(fd, (off_t)1 << 33) == 0, "ftruncate: %s", strerror(errno));
        close(fd);
        nrc_model_init(&M);
        nrc_alloc_fail_at(0);
        before = nrc_alloc_count();
        s = nrc_model_read(path, &M, &e);
        CHECK(s == NRC_ERR_INPUT && strstr(e.msg, cases[c].word) && strstr(e.msg, path),
              "%s: status %d: %s", cases[c].name, (int)s, e.msg);
        CHECK(nrc_alloc_count() == before, "%s: %lu allocations", cases[c].name,
              nrc_alloc_count() - before);
        nrc_model_clear(&M);
        unlink(path);
    }
    /* A consistent header for a file larger than half the memory: refused as
     * a system limit before allocating, and never read. */
    REQUIRE(read_file(FIXTURE, &fix, &flen), "read fixture");
    {
        uint64_t d = NRC_MODEL_DIM_MAX / 2, total = nrc_model_file_size(1, d, 1, 0, 0, 2);
        long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
        if (total != 0 && pages > 0 && psize > 0 &&
            total > (uint64_t)pages * (uint64_t)psize / 2) {
            nrc_model M;
            nrc_error e;
            nrc_status s;
            int fd;
            unsigned long before;
            memset(hdr, 0, sizeof hdr);
            memcpy(hdr, "NRCMODEL", 8);
            hdr[8] = 1;
            put64(hdr + 16, 1);
            put64(hdr + 24, d);
            put64(hdr + 32, 1);
            put64(hdr + 48, 2);
            REQUIRE(write_file(path, hdr, 64), "write");
            fd = open(path, O_WRONLY);
            REQUIRE(fd >= 0, "open");
            CHECK(ftruncate(fd, (off_t)total) == 0, "ftruncate to %llu: %s",
                  (unsigned long long)total, strerror(errno));
            close(fd);
            nrc_model_init(&M);
            before = nrc_alloc_count();
            s = nrc_model_read(path, &M, &e);
            CHECK(s == NRC_ERR_SYSTEM && strstr(e.msg, "memory"), "huge consistent: %d: %s",
                  (int)s, e.msg);
            CHECK(nrc_alloc_count() == before, "huge consistent: allocated");
            unlink(path);
        } else {
            printf("     (skipped the huge consistent file: this machine has the memory)\n");
        }
    }
    nrc_free(fix);
}

static void special_files(void)
{
    char dir[512], fifo[512], empty[512], none[512];
    nrc_model M;
    nrc_error e;
    nrc_status s;
    snprintf(dir, sizeof dir, "%s/adir", tmpdir);
    snprintf(fifo, sizeof fifo, "%s/afifo", tmpdir);
    snprintf(empty, sizeof empty, "%s/empty.bin", tmpdir);
    snprintf(none, sizeof none, "%s/does-not-exist.bin", tmpdir);
    REQUIRE(mkdir(dir, 0700) == 0, "mkdir");
    REQUIRE(mkfifo(fifo, 0600) == 0, "mkfifo");
    REQUIRE(write_file(empty, "", 0), "empty");
    nrc_model_init(&M);
    s = nrc_model_read(dir, &M, &e);
    CHECK(s == NRC_ERR_INPUT && strstr(e.msg, dir) && strstr(e.msg, "directory"),
          "directory: %d: %s", (int)s, e.msg);
    s = nrc_model_read(fifo, &M, &e); /* must not hang */
    CHECK(s == NRC_ERR_INPUT && strstr(e.msg, fifo) && strstr(e.msg, "not a regular file"),
          "fifo: %d: %s", (int)s, e.msg);
    s = nrc_model_read(empty, &M, &e);
    CHECK(s == NRC_ERR_INPUT && strstr(e.msg, empty) && strstr(e.msg, "truncated"),
          "empty: %d: %s", (int)s, e.msg);
    s = nrc_model_read(none, &M, &e);
    CHECK(s == NRC_ERR_INPUT && strstr(e.msg, none), "nonexistent: %d: %s", (int)s, e.msg);
    s = nrc_model_read("/dev/null", &M, &e);
    CHECK(s == NRC_ERR_INPUT && strstr(e.msg, "not a regular file"), "/dev/null: %d: %s", (int)s,
          e.msg);
    CHECK(M.W == NULL, "model touched");
    /* The writer refuses a directory as destination and leaves it alone. */
    if (nrc_model_read(FIXTURE, &M, &e) == NRC_OK) {
        s = nrc_model_write(dir, &M, &e);
        CHECK(s == NRC_ERR_SYSTEM && strstr(e.msg, dir), "write to a directory: %d: %s", (int)s,
              e.msg);
    }
    nrc_model_clear(&M);
    rmdir(dir);
    unlink(fifo);
    unlink(empty);
}

static void writer_rejects(void)
{
    nrc_model M;
    nrc_error e;
    unsigned char *buf = NULL;
    size_t len = 0;
    nrc_status s;
    REQUIRE(make_random(&M, 2, 3, 2, 1, NRC_FLAG_BIAS, 0), "make_random");
    M.X[4] = from_bits(UINT64_C(0x7ff8000000000000));
    s = nrc_model_serialize(&M, &buf, &len, &e);
    CHECK(s == NRC_ERR_INPUT && strstr(e.msg, "X[1][1]") && strstr(e.msg, "NaN") && !buf,
          "NaN: %d: %s", (int)s, e.msg);
    M.X[4] = 1.0;
    M.yt[0] = 0.0;
    s = nrc_model_serialize(&M, &buf, &len, &e);
    CHECK(s == NRC_ERR_INPUT && strstr(e.msg, "yt[0]") && !buf, "label: %d: %s", (int)s, e.msg);
    M.yt[0] = -1.0;
    M.flags |= 8;
    s = nrc_model_serialize(&M, &buf, &len, &e);
    CHECK(s == NRC_ERR_INPUT && strstr(e.msg, "flags"), "flags: %d: %s", (int)s, e.msg);
    M.flags = NRC_FLAG_BIAS;
    s = nrc_model_set_meta(&M, "[1]", 3, &e);
    CHECK(s == NRC_ERR_INPUT && strstr(e.msg, "not an object"), "meta array: %d: %s", (int)s, e.msg);
    s = nrc_model_set_meta(&M, "{\"a\":\"\xff\"}", 9, &e);
    CHECK(s == NRC_ERR_INPUT && strstr(e.msg, "UTF-8"), "meta utf8: %d: %s", (int)s, e.msg);
    CHECK(M.meta && M.meta[0] == '{', "old metadata lost after a failed set_meta");
    nrc_free(M.meta);
    M.meta = NULL;
    M.meta_len = 0;
    s = nrc_model_serialize(&M, &buf, &len, &e);
    CHECK(s == NRC_ERR_INPUT && strstr(e.msg, "metadata"), "meta unset: %d: %s", (int)s, e.msg);
    nrc_model_clear(&M);
    nrc_model_init(&M);
    s = nrc_model_alloc(&M, 1, 0, 1, 0, 0, &e);
    CHECK(s == NRC_ERR_INPUT, "alloc d = 0: %d", (int)s);
    s = nrc_model_alloc(&M, NRC_MODEL_DIM_MAX, NRC_MODEL_DIM_MAX, 1, 0, 0, &e);
    CHECK(s == NRC_ERR_INPUT && M.W == NULL, "alloc over the caps: %d", (int)s);
    s = nrc_model_alloc(&M, 1, 1, 1, 0, 4, &e);
    CHECK(s == NRC_ERR_INPUT, "alloc unknown flag: %d", (int)s);
    CHECK(nrc_model_file_size(1, 1, 1, 0, 0, 2) == 64 + 8 * 4 + 2 + 32, "file size");
    CHECK(nrc_model_file_size(NRC_MODEL_DIM_MAX, NRC_MODEL_DIM_MAX, 1, 0, 0, 0) == 0,
          "file size overflow");
    CHECK(nrc_model_file_size(1, 1, 1, 0, 0, NRC_MODEL_META_MAX + 1) == 0, "meta cap");
    nrc_model_clear(&M);
    nrc_model_clear(&M); /* clear accepts a cleared model */
}

/* Make the k-th allocation fail for every k: NRC_ERR_SYSTEM until k passes
 * the count of one successful call, and nothing leaks (valgrind). */
static void allocation_failures(void)
{
    nrc_model M, A;
    nrc_error e;
    unsigned long count;
    unsigned char *buf = NULL;
    size_t len;
    nrc_status s;
    nrc_model_init(&M);
    nrc_alloc_fail_at(0);
    REQUIRE(nrc_model_read(FIXTURE, &M, &e) == NRC_OK, "read: %s", e.msg);
    count = nrc_alloc_count();
    nrc_model_clear(&M);
    CHECK(count == 9, "a read of the fixture makes %lu allocations, expected 9", count);
    for (unsigned long k = 1; k <= count + 1; k++) {
        nrc_alloc_fail_at(k);
        s = nrc_model_read(FIXTURE, &M, &e);
        if (k <= count)
            CHECK(s == NRC_ERR_SYSTEM && M.W == NULL && strstr(e.msg, FIXTURE),
                  "read, fail at %lu: status %d: %s", k, (int)s, e.msg);
        else
            CHECK(s == NRC_OK, "read, fail at %lu (past the count): status %d: %s", k, (int)s, e.msg);
        nrc_model_clear(&M);
    }
    nrc_alloc_fail_at(0);
    nrc_model_init(&A);
    REQUIRE(nrc_model_read(FIXTURE, &A, &e) == NRC_OK, "read: %s", e.msg);
    for (unsigned long k = 1; k <= 2; k++) {
        nrc_alloc_fail_at(k);
        s = nrc_model_serialize(&A, &buf, &len, &e);
        CHECK(k == 2 ? s == NRC_OK : (s == NRC_ERR_SYSTEM && buf == NULL),
              "serialize, fail at %lu: %d", k, (int)s);
        nrc_free(buf);
        buf = NULL;
        nrc_alloc_fail_at(k);
        s = nrc_model_set_meta(&A, "{}", 2, &e);
        CHECK(k == 2 ? s == NRC_OK : s == NRC_ERR_SYSTEM, "set_meta, fail at %lu: %d", k, (int)s);
    }
    for (unsigned long k = 1; k <= 8; k++) {
        nrc_alloc_fail_at(k);
        nrc_model_init(&M);
        s = nrc_model_alloc(&M, 2, 3, 2, 1, NRC_FLAG_BIAS, &e);
        CHECK(k <= 7 ? (s == NRC_ERR_SYSTEM && M.W == NULL) : s == NRC_OK,
              "alloc, fail at %lu: %d", k, (int)s);
        nrc_model_clear(&M);
    }
    nrc_alloc_fail_at(0);
    nrc_model_clear(&A);
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    rng_state = tl_seed();
    snprintf(tmpdir, sizeof tmpdir, "%s/nrc-model-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmpdir)) {
        printf("FAIL setup: mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    RUN(golden_fixture_read);
    RUN(golden_fixture_write);
    RUN(roundtrip_random);
    RUN(reject_header);
    RUN(reject_reals);
    RUN(reject_meta);
    RUN(utf8_boundaries);
    RUN(truncation_every_length);
    RUN(mutations);
    RUN(hostile_files_no_allocation);
    RUN(special_files);
    RUN(writer_rejects);
    RUN(allocation_failures);
    rmdir(tmpdir);
    return tl_exit();
}
