/* dtypes and their exact conversion to binary64 (include/interop/nrc_tensor.h).
 *
 * Every binary16, bfloat16 and binary32 value is a binary64 value: the
 * conversion builds the binary64 bit pattern from the source's sign,
 * exponent and significand with integer operations only, so it is exact by
 * construction and does not depend on the FPU's denormal modes. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "nrc_tensor.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "src/interop assumes a little-endian host (the writers copy binary64 bytes as they are)"
#endif

static const struct {
    const char *name;
    size_t size;
} dtypes[NRC_DT_COUNT] = {
    [NRC_DT_F64] = {"F64", 8}, [NRC_DT_F32] = {"F32", 4}, [NRC_DT_F16] = {"F16", 2},
    [NRC_DT_BF16] = {"BF16", 2}, [NRC_DT_BOOL] = {"BOOL", 1}, [NRC_DT_I8] = {"I8", 1},
    [NRC_DT_U8] = {"U8", 1}, [NRC_DT_I16] = {"I16", 2}, [NRC_DT_U16] = {"U16", 2},
    [NRC_DT_I32] = {"I32", 4}, [NRC_DT_U32] = {"U32", 4}, [NRC_DT_I64] = {"I64", 8},
    [NRC_DT_U64] = {"U64", 8},
};

const char *nrc_dtype_name(nrc_dtype t) { return t < NRC_DT_COUNT ? dtypes[t].name : "?"; }
size_t nrc_dtype_size(nrc_dtype t) { return t < NRC_DT_COUNT ? dtypes[t].size : 0; }
int nrc_dtype_is_float(nrc_dtype t)
{
    return t == NRC_DT_F64 || t == NRC_DT_F32 || t == NRC_DT_F16 || t == NRC_DT_BF16;
}

int nrc_dtype_from_name(const char *s)
{
    int i;
    for (i = 0; i < NRC_DT_COUNT; i++)
        if (strcmp(s, dtypes[i].name) == 0)
            return i;
    return -1;
}

static double from_bits(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* An IEEE binary format with ebits exponent bits and mbits significand bits
 * (ebits < 11, mbits < 52): the binary64 pattern of the same value. */
static double small_float_to_f64(uint64_t bits, unsigned ebits, unsigned mbits)
{
    uint64_t sign = (bits >> (ebits + mbits)) & 1;
    uint64_t e = (bits >> mbits) & ((UINT64_C(1) << ebits) - 1);
    uint64_t f = bits & ((UINT64_C(1) << mbits) - 1);
    int64_t bias = ((int64_t)1 << (ebits - 1)) - 1;
    int64_t E;
    if (e == (UINT64_C(1) << ebits) - 1) /* Inf or NaN: keep the class */
        return from_bits((sign << 63) | (UINT64_C(0x7ff) << 52) | (f << (52 - mbits)));
    if (e == 0) {
        if (f == 0)
            return from_bits(sign << 63); /* +-0 */
        /* subnormal f * 2^(1 - bias - mbits): normalize the significand */
        E = 1 - bias;
        while (!(f & (UINT64_C(1) << mbits))) {
            f <<= 1;
            E--;
        }
        f &= (UINT64_C(1) << mbits) - 1;
    } else {
        E = (int64_t)e - bias;
    }
    return from_bits((sign << 63) | ((uint64_t)(E + 1023) << 52) | (f << (52 - mbits)));
}

double nrc_f16_to_f64(uint16_t h) { return small_float_to_f64(h, 5, 10); }
double nrc_bf16_to_f64(uint16_t h) { return small_float_to_f64(h, 8, 7); }
double nrc_f32_to_f64(uint32_t f) { return small_float_to_f64(f, 8, 23); }

static uint64_t le(const unsigned char *p, size_t size)
{
    uint64_t v = 0;
    size_t i;
    for (i = size; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

/* Element p as a binary64, exactly. *ok = 0 when the value has no exact
 * binary64 (an integer above 2^53 in magnitude) or is not finite. */
static double element(nrc_dtype t, const unsigned char *p, int *ok, const char **why)
{
    uint64_t u = le(p, nrc_dtype_size(t));
    double x = 0;
    *ok = 1;
    switch (t) {
    case NRC_DT_F64: x = from_bits(u); break;
    case NRC_DT_F32: x = nrc_f32_to_f64((uint32_t)u); break;
    case NRC_DT_F16: x = nrc_f16_to_f64((uint16_t)u); break;
    case NRC_DT_BF16: x = nrc_bf16_to_f64((uint16_t)u); break;
    case NRC_DT_BOOL:
        if (u > 1) {
            *ok = 0;
            *why = "a boolean byte other than 0 or 1";
        }
        x = (double)u;
        break;
    case NRC_DT_U8: case NRC_DT_U16: case NRC_DT_U32: case NRC_DT_U64:
        if (u > (UINT64_C(1) << 53)) {
            *ok = 0;
            *why = "an integer above 2^53, not exactly a binary64";
        }
        x = (double)u;
        break;
    default: { /* signed: sign-extend */
        unsigned bitsz = (unsigned)nrc_dtype_size(t) * 8;
        int64_t s;
        if (bitsz < 64 && (u >> (bitsz - 1)) & 1)
            u |= ~((UINT64_C(1) << bitsz) - 1);
        memcpy(&s, &u, sizeof s);
        if (s > ((int64_t)1 << 53) || s < -((int64_t)1 << 53)) {
            *ok = 0;
            *why = "an integer beyond 2^53 in magnitude, not exactly a binary64";
        }
        x = (double)s;
    } break;
    }
    if (*ok && !isfinite(x)) {
        *ok = 0;
        *why = isnan(x) ? "NaN" : x > 0 ? "+Inf" : "-Inf";
    }
    return x;
}

void nrc_tensor_index_text(const nrc_tensor *T, uint64_t idx, char *out, size_t cap)
{
    uint64_t ix[NRC_TENSOR_MAXDIM];
    size_t used = 0;
    unsigned a;
    out[0] = '\0';
    for (a = T->ndim; a-- > 0;) {
        ix[a] = T->shape[a] ? idx % T->shape[a] : 0;
        idx = T->shape[a] ? idx / T->shape[a] : 0;
    }
    for (a = 0; a < T->ndim && used + 24 < cap; a++)
        used += (size_t)snprintf(out + used, cap - used, "[%" PRIu64 "]", ix[a]);
    if (T->ndim == 0)
        snprintf(out, cap, "[]");
}

void nrc_tensor_shape_text(const nrc_tensor *T, char *out, size_t cap)
{
    size_t used;
    unsigned a;
    used = (size_t)snprintf(out, cap, "[");
    for (a = 0; a < T->ndim && used + 26 < cap; a++)
        used += (size_t)snprintf(out + used, cap - used, "%s%" PRIu64, a ? ", " : "",
                                 T->shape[a]);
    if (used + 2 < cap)
        snprintf(out + used, cap - used, "]");
}

/* Byte offset of the element with C-order flat index c: the same index in
 * C order, or its column-major position for a Fortran-ordered array. */
static uint64_t storage_index(const nrc_tensor *T, uint64_t c)
{
    uint64_t f = 0, stride = 1;
    unsigned a;
    uint64_t ix[NRC_TENSOR_MAXDIM];
    if (!T->fortran || T->ndim < 2)
        return c;
    for (a = T->ndim; a-- > 0;) {
        ix[a] = c % T->shape[a];
        c /= T->shape[a];
    }
    for (a = 0; a < T->ndim; a++) {
        f += ix[a] * stride;
        stride *= T->shape[a];
    }
    return f;
}

static nrc_status element_error(const nrc_tensor *T, const char *fname, uint64_t c,
                                const char *what, nrc_error *err)
{
    char ix[256];
    nrc_tensor_index_text(T, c, ix, sizeof ix);
    return nrc_error_set(err, NRC_ERR_INPUT, "%s: tensor %s%s%s: element %s is %s", fname,
                         T->name[0] ? "\"" : "", T->name[0] ? T->name : "(the array)",
                         T->name[0] ? "\"" : "", ix, what);
}

nrc_status nrc_tensor_to_f64(const nrc_tensor *T, const char *fname, double *out,
                             nrc_error *err)
{
    size_t sz = nrc_dtype_size(T->dtype);
    uint64_t c;
    for (c = 0; c < T->count; c++) {
        const char *why = "";
        int ok;
        out[c] = element(T->dtype, T->data + storage_index(T, c) * sz, &ok, &why);
        if (!ok)
            return element_error(T, fname, c, why, err);
    }
    return NRC_OK;
}

nrc_status nrc_tensor_labels(const nrc_tensor *T, const char *fname, int zero_one,
                             double *out, nrc_error *err)
{
    size_t sz = nrc_dtype_size(T->dtype);
    uint64_t c;
    char what[160];
    if (T->dtype == NRC_DT_BOOL && !zero_one)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: tensor \"%s\": boolean labels are 0/1: pass --labels 01 "
                             "(0 becomes -1, 1 becomes +1)", fname, T->name);
    for (c = 0; c < T->count; c++) {
        const char *why = "";
        int ok;
        double x = element(T->dtype, T->data + storage_index(T, c) * sz, &ok, &why);
        if (!ok)
            return element_error(T, fname, c, why, err);
        if (zero_one && (x == 0 || x == 1) && !(x == 0 && signbit(x))) {
            out[c] = x == 1 ? 1.0 : -1.0;
        } else if (!zero_one && (x == 1 || x == -1)) {
            out[c] = x;
        } else {
            snprintf(what, sizeof what, "%.17g (%a), label expected exactly %s%s", x, x,
                     zero_one ? "0 or 1" : "+1 or -1",
                     zero_one ? "" : " (labels 0/1 need --labels 01)");
            return element_error(T, fname, c, what, err);
        }
    }
    return NRC_OK;
}
