/* Checks shared by the tensor-file harnesses (fuzz_safetensors.c,
 * fuzz_numpy.c): whatever the bytes, nrc_tensor_file_parse returns a
 * documented status with a message naming the file, leaves the file
 * object empty on failure, and on success yields tensors that lie inside
 * memory the reader owns, convert EXACTLY (checked against a second,
 * arithmetic implementation of each dtype), and survive a round trip
 * through our own writer unchanged. */
#ifndef NRC_FUZZ_TENSOR_H
#define NRC_FUZZ_TENSOR_H
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_tensor.h"
#include "fuzz_common.h"

/* The value of one element computed with ldexp (exact for these formats),
 * independently of the bit-building converter in src/interop/dtype.c. */
static inline double fuzz_tensor_ref(nrc_dtype t, const unsigned char *p)
{
    uint64_t u = 0;
    size_t i, sz = nrc_dtype_size(t);
    unsigned eb = 0, mb = 0;
    for (i = sz; i-- > 0;)
        u = (u << 8) | p[i];
    switch (t) {
    case NRC_DT_F64: {
        double x;
        memcpy(&x, &u, sizeof x);
        return x;
    }
    case NRC_DT_F32: eb = 8; mb = 23; break;
    case NRC_DT_F16: eb = 5; mb = 10; break;
    case NRC_DT_BF16: eb = 8; mb = 7; break;
    case NRC_DT_I8: return (double)(int8_t)u;
    case NRC_DT_I16: return (double)(int16_t)u;
    case NRC_DT_I32: return (double)(int32_t)u;
    case NRC_DT_I64: return (double)(int64_t)u;
    default: return (double)u;
    }
    {
        int s = (int)((u >> (eb + mb)) & 1);
        int e = (int)((u >> mb) & ((1u << eb) - 1));
        double f = (double)(u & ((UINT64_C(1) << mb) - 1));
        int bias = (1 << (eb - 1)) - 1;
        double v;
        if (e == (1 << eb) - 1)
            v = f == 0 ? INFINITY : NAN;
        else if (e == 0)
            v = ldexp(f, 1 - bias - (int)mb);
        else
            v = ldexp(f + ldexp(1.0, (int)mb), e - bias - (int)mb);
        return s ? -v : v;
    }
}

static inline void fuzz_tensor_convert(const nrc_tensor *T, const char *fname)
{
    double *x = nrc_malloc_array((size_t)(T->count ? T->count : 1), sizeof(double));
    double *yv = nrc_malloc_array((size_t)(T->count ? T->count : 1), sizeof(double));
    nrc_error err;
    nrc_status st;
    FUZZ_ASSERT(x && yv, "harness out of memory");
    err.msg[0] = '\0';
    st = nrc_tensor_to_f64(T, fname, x, &err);
    FUZZ_ASSERT(st == NRC_OK || st == NRC_ERR_INPUT, "to_f64 status %d", (int)st);
    if (st != NRC_OK) {
        FUZZ_ASSERT(strncmp(err.msg, fname, strlen(fname)) == 0, "message without the file name: %s",
                    err.msg);
    } else if (!T->fortran || T->ndim < 2) {
        uint64_t c;
        size_t sz = nrc_dtype_size(T->dtype);
        for (c = 0; c < T->count; c++) {
            double r = fuzz_tensor_ref(T->dtype, T->data + c * sz);
            FUZZ_ASSERT(isfinite(x[c]), "a non-finite value was accepted");
            FUZZ_ASSERT(memcmp(&r, &x[c], sizeof r) == 0 || (T->dtype == NRC_DT_BOOL && r == x[c]),
                        "element %llu of \"%s\" (%s) converted to %a, reference %a",
                        (unsigned long long)c, T->name, nrc_dtype_name(T->dtype), x[c], r);
        }
    }
    st = nrc_tensor_labels(T, fname, 0, yv, &err);
    FUZZ_ASSERT(st == NRC_OK || st == NRC_ERR_INPUT, "labels status %d", (int)st);
    st = nrc_tensor_labels(T, fname, 1, yv, &err);
    FUZZ_ASSERT(st == NRC_OK || st == NRC_ERR_INPUT, "labels01 status %d", (int)st);
    if (st == NRC_OK) {
        uint64_t c;
        for (c = 0; c < T->count; c++)
            FUZZ_ASSERT(yv[c] == 1.0 || yv[c] == -1.0, "a label other than +-1 came out");
    }
    nrc_free(x);
    nrc_free(yv);
}

/* Parse; check the status contract; on success check every tensor and
 * return 1 with F filled (the caller clears it). */
static inline int fuzz_tensor_parse(const uint8_t *data, size_t size, const char *fname,
                                    nrc_tensor_file *F, nrc_status *out_st)
{
    nrc_error err;
    nrc_status st;
    size_t i;
    err.msg[0] = '\0';
    nrc_tensor_file_init(F);
    st = nrc_tensor_file_parse(data, size, fname, F, &err);
    *out_st = st;
    if (st != NRC_OK) {
        FUZZ_ASSERT(st == NRC_ERR_INPUT || st == NRC_ERR_SYSTEM, "status %d (%s)", (int)st, err.msg);
        FUZZ_ASSERT(strncmp(err.msg, fname, strlen(fname)) == 0 && err.msg[strlen(fname)] == ':',
                    "message does not start with the file name: \"%s\"", err.msg);
        FUZZ_ASSERT(F->count == 0 && F->t == NULL, "file object not left empty after a failure");
        return 0;
    }
    FUZZ_ASSERT(F->count <= NRC_TENSOR_COUNT_MAX, "too many tensors");
    for (i = 0; i < F->count; i++) {
        const nrc_tensor *T = &F->t[i];
        uint64_t bytes = T->count * nrc_dtype_size(T->dtype), c = 1;
        unsigned a;
        for (a = 0; a < T->ndim; a++)
            c *= T->shape[a];
        FUZZ_ASSERT(c == T->count && T->ndim <= NRC_TENSOR_MAXDIM, "count is not the shape's product");
        FUZZ_ASSERT(T->name != NULL, "tensor without a name");
        if (!T->own)
            FUZZ_ASSERT(T->data >= data && bytes <= size && T->data + bytes <= data + size,
                        "tensor \"%s\" data outside the input", T->name);
        else
            FUZZ_ASSERT(bytes <= (uint64_t)size * 1032 + 4096, "member larger than deflate allows");
        fuzz_tensor_convert(T, fname);
    }
    return 1;
}

/* Two parsed files hold the same tensors (names, dtypes, shapes, bytes). */
static inline void fuzz_tensor_same(const nrc_tensor_file *A, const nrc_tensor_file *B)
{
    size_t i;
    FUZZ_ASSERT(A->count == B->count, "round trip: %zu tensors, then %zu", A->count, B->count);
    for (i = 0; i < A->count; i++) {
        const nrc_tensor *a = &A->t[i], *b = nrc_tensor_file_find(B, a->name);
        FUZZ_ASSERT(b != NULL, "round trip lost tensor \"%s\"", a->name);
        FUZZ_ASSERT(a->dtype == b->dtype && a->ndim == b->ndim && a->count == b->count &&
                        memcmp(a->shape, b->shape, sizeof a->shape[0] * a->ndim) == 0,
                    "round trip changed the dtype or shape of \"%s\"", a->name);
        FUZZ_ASSERT(memcmp(a->data, b->data, (size_t)(a->count * nrc_dtype_size(a->dtype))) == 0,
                    "round trip changed the bytes of \"%s\"", a->name);
    }
}

/* Our writer's image of F's tensors (w: the writer's status) parses back
 * to the same tensors. */
static inline void fuzz_tensor_rewrite(const nrc_tensor_file *F, nrc_status w, unsigned char *buf,
                                       size_t len, const nrc_error *err)
{
    nrc_tensor_file G;
    nrc_status st2;
    FUZZ_ASSERT(w == NRC_OK || w == NRC_ERR_SYSTEM, "writer refused an accepted file: %s", err->msg);
    if (w != NRC_OK)
        return;
    FUZZ_ASSERT(fuzz_tensor_parse(buf, len, "rewritten", &G, &st2), "our own %s output does not parse",
                F->format);
    fuzz_tensor_same(F, &G);
    nrc_tensor_file_clear(&G);
    nrc_free(buf);
}

#endif
