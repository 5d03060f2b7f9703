/* safetensors reader and writer (spec/IMPORT.md "safetensors").
 *
 * Format (Hugging Face's specification): 8 bytes, a little-endian u64 N;
 * N bytes of UTF-8 JSON, an object mapping each tensor name to
 * {"dtype", "shape", "data_offsets": [begin, end]} plus an optional
 * "__metadata__" object of strings; then the byte buffer, where each tensor
 * occupies [begin, end) relative to the buffer's start, little-endian,
 * row-major. As the reference implementation does, we require the tensors
 * to tile the buffer exactly (no gap, no overlap, nothing after the last
 * one) and end - begin == product(shape) * itemsize. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "nrc_alloc.h"
#include "nrc_model.h"
#include "nrc_tensor.h"

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    int i;
    for (i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* A JSON integer >= 0, or -1. */
static int64_t nonneg(const json_t *v)
{
    json_int_t x;
    if (!json_is_integer(v))
        return -1;
    x = json_integer_value(v);
    return x < 0 ? -1 : (int64_t)x;
}

typedef struct {
    uint64_t begin, end;
    size_t i;
} span;

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static nrc_status check_metadata(const json_t *m, const char *fname, nrc_error *err)
{
    const char *key;
    json_t *v;
    if (!json_is_object(m))
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: \"__metadata__\" is not an object", fname);
    json_object_foreach((json_t *)m, key, v) {
        if (!json_is_string(v))
            return nrc_error_set(err, NRC_ERR_INPUT,
                                 "%s: \"__metadata__\" member \"%s\" is not a string", fname, key);
    }
    return NRC_OK;
}

/* One tensor entry: fills T (without data) and its byte span. */
static nrc_status parse_entry(const char *fname, const char *key, json_t *e, uint64_t data_len,
                              nrc_tensor *T, span *S, nrc_error *err)
{
    json_t *dt, *shape, *offs, *v;
    const char *mk;
    uint64_t count = 1, bytes;
    int64_t b0, b1;
    size_t a;
    int d;
    if (!json_is_object(e))
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: tensor \"%s\": entry is not an object",
                             fname, key);
    json_object_foreach(e, mk, v) {
        if (strcmp(mk, "dtype") != 0 && strcmp(mk, "shape") != 0 && strcmp(mk, "data_offsets") != 0)
            return nrc_error_set(err, NRC_ERR_INPUT, "%s: tensor \"%s\": unknown member \"%s\"",
                                 fname, key, mk);
    }
    dt = json_object_get(e, "dtype");
    shape = json_object_get(e, "shape");
    offs = json_object_get(e, "data_offsets");
    if (!json_is_string(dt) || !json_is_array(shape) || !json_is_array(offs))
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: tensor \"%s\": needs \"dtype\" (a string), \"shape\" and "
                             "\"data_offsets\" (arrays)", fname, key);
    d = nrc_dtype_from_name(json_string_value(dt));
    if (d < 0)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: tensor \"%s\": dtype \"%.40s\" is not supported (F64, F32, F16, "
                             "BF16, BOOL, I8..I64, U8..U64)", fname, key, json_string_value(dt));
    if (json_array_size(shape) > NRC_TENSOR_MAXDIM)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: tensor \"%s\": %zu dimensions, at most %d",
                             fname, key, json_array_size(shape), NRC_TENSOR_MAXDIM);
    T->dtype = (nrc_dtype)d;
    T->ndim = (unsigned)json_array_size(shape);
    for (a = 0; a < T->ndim; a++) {
        int64_t s = nonneg(json_array_get(shape, a));
        if (s < 0)
            return nrc_error_set(err, NRC_ERR_INPUT,
                                 "%s: tensor \"%s\": shape entry %zu is not an integer >= 0",
                                 fname, key, a);
        T->shape[a] = (uint64_t)s;
    }
    /* count over the buffer cannot match data_offsets: stop multiplying
     * before it can overflow (a 10^12-element shape is refused here). */
    for (a = 0; a < T->ndim; a++) {
        if (T->shape[a] == 0) {
            count = 0;
            break;
        }
    }
    for (a = 0; count && a < T->ndim; a++) {
        if (count > data_len / T->shape[a]) {
            char sh[256];
            nrc_tensor_shape_text(T, sh, sizeof sh);
            return nrc_error_set(err, NRC_ERR_INPUT,
                                 "%s: tensor \"%s\": shape %s has more elements than the file's "
                                 "%" PRIu64 "-byte data buffer can hold", fname, key, sh, data_len);
        }
        count *= T->shape[a];
    }
    T->count = count;
    if (json_array_size(offs) != 2 || (b0 = nonneg(json_array_get(offs, 0))) < 0 ||
        (b1 = nonneg(json_array_get(offs, 1))) < 0)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: tensor \"%s\": data_offsets is not [begin, end] with integers >= 0",
                             fname, key);
    if (b0 > b1 || (uint64_t)b1 > data_len)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: tensor \"%s\": data_offsets [%" PRId64 ", %" PRId64 "] out of range "
                             "(the data buffer has %" PRIu64 " bytes)", fname, key, b0, b1, data_len);
    if (count > UINT64_MAX / nrc_dtype_size(T->dtype) ||
        (bytes = count * nrc_dtype_size(T->dtype)) != (uint64_t)(b1 - b0)) {
        char sh[256];
        nrc_tensor_shape_text(T, sh, sizeof sh);
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: tensor \"%s\": dtype %s and shape %s need %" PRIu64 " bytes, "
                             "data_offsets [%" PRId64 ", %" PRId64 "] hold %" PRId64, fname, key,
                             nrc_dtype_name(T->dtype), sh, count * nrc_dtype_size(T->dtype), b0, b1,
                             b1 - b0);
    }
    S->begin = (uint64_t)b0;
    S->end = (uint64_t)b1;
    return NRC_OK;
}

/* The tensors must tile [0, data_len) exactly. */
static nrc_status check_tiling(span *S, size_t n, const nrc_tensor *t, uint64_t data_len,
                               const char *fname, nrc_error *err)
{
    uint64_t at = 0;
    size_t r;
    qsort(S, n, sizeof *S, span_cmp);
    for (r = 0; r < n; r++) {
        if (S[r].begin < at)
            return nrc_error_set(err, NRC_ERR_INPUT,
                                 "%s: tensor \"%s\": data_offsets [%" PRIu64 ", %" PRIu64 "] overlap "
                                 "the previous tensor's data (which ends at %" PRIu64 ")", fname,
                                 t[S[r].i].name, S[r].begin, S[r].end, at);
        if (S[r].begin > at)
            return nrc_error_set(err, NRC_ERR_INPUT,
                                 "%s: tensor \"%s\": data_offsets [%" PRIu64 ", %" PRIu64 "] leave "
                                 "a gap of %" PRIu64 " bytes before them", fname, t[S[r].i].name,
                                 S[r].begin, S[r].end, S[r].begin - at);
        at = S[r].end;
    }
    if (at != data_len)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: %" PRIu64 " bytes after the last tensor's data (the data buffer has "
                             "%" PRIu64 " bytes, the tensors cover %" PRIu64 ")", fname,
                             data_len - at, data_len, at);
    return NRC_OK;
}

static void free_tensors(nrc_tensor *t, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        nrc_free(t[i].name);
    nrc_free(t);
}

nrc_status nrc_safetensors_parse(const unsigned char *buf, size_t len, const char *fname,
                                 nrc_tensor_file *F, nrc_error *err)
{
    uint64_t hlen, data_len;
    size_t bad, n = 0, i = 0;
    json_error_t je;
    json_t *root, *v;
    const char *key;
    nrc_tensor *t = NULL;
    span *S = NULL;
    nrc_status st = NRC_OK;
    if (len < 8)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: truncated: %zu bytes, shorter than the 8-byte header length of a "
                             "safetensors file (and not .npy or .npz)", fname, len);
    hlen = le64(buf);
    if (hlen > len - 8)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: header length %" PRIu64 " (bytes 0-7) runs past the end of the "
                             "file (%zu bytes): truncated, or not a safetensors file", fname, hlen, len);
    if (hlen > NRC_TENSOR_HEADER_MAX)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: header length %" PRIu64 " exceeds the cap of %u",
                             fname, hlen, NRC_TENSOR_HEADER_MAX);
    if (hlen == 0 || buf[8] != '{')
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: the header (offset 8) does not start with '{': not a safetensors file",
                             fname);
    bad = nrc_utf8_check(buf + 8, (size_t)hlen);
    if (bad < hlen)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: header: not valid UTF-8 at offset %zu (byte 0x%02x)",
                             fname, 8 + bad, buf[8 + bad]);
    data_len = len - 8 - hlen;
    root = json_loadb((const char *)buf + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: header: not valid JSON: %s (at byte %d of the header)",
                             fname, je.text, je.position);
    if (!json_is_object(root)) {
        json_decref(root);
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: header: JSON but not an object", fname);
    }
    n = json_object_size(root) - (json_object_get(root, "__metadata__") ? 1 : 0);
    if (n > NRC_TENSOR_COUNT_MAX) {
        json_decref(root);
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: %zu tensors, more than the cap of %u", fname, n,
                             NRC_TENSOR_COUNT_MAX);
    }
    t = nrc_calloc(n ? n : 1, sizeof *t);
    S = nrc_calloc(n ? n : 1, sizeof *S);
    if (!t || !S) {
        st = nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory for %zu tensors", fname, n);
        goto out;
    }
    json_object_foreach(root, key, v) {
        size_t kl = strlen(key);
        if (strcmp(key, "__metadata__") == 0) {
            if ((st = check_metadata(v, fname, err)) != NRC_OK)
                goto out;
            continue;
        }
        if ((st = parse_entry(fname, key, v, data_len, &t[i], &S[i], err)) != NRC_OK)
            goto out;
        t[i].name = nrc_malloc(kl + 1);
        if (!t[i].name) {
            st = nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory", fname);
            goto out;
        }
        memcpy(t[i].name, key, kl + 1);
        t[i].data = buf + 8 + hlen + S[i].begin;
        S[i].i = i;
        i++;
    }
    if ((st = check_tiling(S, n, t, data_len, fname, err)) != NRC_OK)
        goto out;
    F->t = t;
    F->count = n;
    t = NULL;
out:
    if (t)
        free_tensors(t, n);
    nrc_free(S);
    json_decref(root);
    return st;
}

/* ---- writer ---- */

nrc_status nrc_safetensors_write(const nrc_tensor *ts, size_t count, const char *meta_json,
                                 unsigned char **buf, size_t *len, nrc_error *err)
{
    json_t *root = json_object(), *meta = NULL;
    uint64_t at = 0, hl, total;
    size_t i, pad;
    char *h = NULL;
    unsigned char *out;
    nrc_status st = NRC_OK;
    *buf = NULL;
    *len = 0;
    if (!root)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (safetensors header)");
    if (meta_json) {
        json_error_t je;
        meta = json_loads(meta_json, JSON_REJECT_DUPLICATES, &je);
        if (!meta || check_metadata(meta, "safetensors writer", err) != NRC_OK) {
            json_decref(meta);
            json_decref(root);
            return nrc_error_set(err, NRC_ERR_INTERNAL, "safetensors writer: bad __metadata__");
        }
        json_object_set_new(root, "__metadata__", meta);
    }
    for (i = 0; i < count; i++) {
        const nrc_tensor *T = &ts[i];
        uint64_t bytes = T->count * nrc_dtype_size(T->dtype);
        json_t *e = json_object(), *sh = json_array();
        unsigned a;
        for (a = 0; a < T->ndim; a++)
            json_array_append_new(sh, json_integer((json_int_t)T->shape[a]));
        json_object_set_new(e, "dtype", json_string(nrc_dtype_name(T->dtype)));
        json_object_set_new(e, "shape", sh);
        json_object_set_new(e, "data_offsets",
                            json_pack("[II]", (json_int_t)at, (json_int_t)(at + bytes)));
        if (T->fortran || json_object_get(root, T->name) ||
            json_object_set_new(root, T->name, e) != 0) {
            json_decref(root);
            return nrc_error_set(err, NRC_ERR_INTERNAL,
                                 "safetensors writer: tensor \"%s\" repeated, Fortran-ordered or out of memory",
                                 T->name);
        }
        at += bytes;
    }
    h = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!h)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (safetensors header)");
    hl = strlen(h);
    /* Pad the header with spaces so that the data starts 8-aligned, as the
     * reference writer does. */
    pad = (size_t)((8 - (hl % 8)) % 8);
    total = 8 + hl + pad + at;
    out = nrc_malloc((size_t)total);
    if (!out) {
        free(h);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (%" PRIu64 " bytes of safetensors)", total);
    }
    for (i = 0; i < 8; i++)
        out[i] = (unsigned char)((hl + pad) >> (8 * i));
    memcpy(out + 8, h, (size_t)hl);
    memset(out + 8 + hl, ' ', pad);
    free(h);
    at = 8 + hl + pad;
    for (i = 0; i < count; i++) {
        size_t bytes = (size_t)(ts[i].count * nrc_dtype_size(ts[i].dtype));
        if (bytes)
            memcpy(out + at, ts[i].data, bytes);
        at += bytes;
    }
    *buf = out;
    *len = (size_t)total;
    return st;
}
