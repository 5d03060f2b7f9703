/* NumPy .npy reader and writer (spec/IMPORT.md "NumPy").
 *
 * Format (numpy.lib.format, versions 1.0, 2.0 and 3.0): the magic
 * "\x93NUMPY", major and minor version bytes, the header length (u16 for
 * 1.0, u32 for 2.0 and 3.0, little-endian), then the header: a Python dict
 * literal {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
 * padded with spaces and ended by '\n' (ASCII for 1.0/2.0, UTF-8 for 3.0),
 * then the raw data, exactly product(shape) * itemsize bytes.
 *
 * The header is parsed by the small recursive-descent parser below, which
 * accepts exactly the literals NumPy writes (strings in either quote, True,
 * False, tuples of non-negative integers): NumPy itself uses
 * ast.literal_eval, which we cannot and do not want to reproduce. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_model.h"
#include "nrc_tensor.h"

typedef struct {
    const unsigned char *p, *end;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int eat(cursor *c, char ch)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == (unsigned char)ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* A quoted string without escapes (NumPy's keys and descr have none). */
static int string(cursor *c, char *out, size_t cap)
{
    unsigned char q;
    size_t n = 0;
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return 0;
    q = *c->p++;
    while (c->p < c->end && *c->p != q) {
        if (*c->p == '\\' || n + 1 >= cap)
            return 0;
        out[n++] = (char)*c->p++;
    }
    if (c->p >= c->end)
        return 0;
    c->p++;
    out[n] = '\0';
    return 1;
}

static int word(cursor *c, const char *w)
{
    size_t n = strlen(w);
    skip_ws(c);
    if ((size_t)(c->end - c->p) >= n && memcmp(c->p, w, n) == 0) {
        c->p += n;
        return 1;
    }
    return 0;
}

/* A tuple of non-negative decimal integers: (), (3,), (3, 4). */
static int tuple(cursor *c, nrc_tensor *T)
{
    T->ndim = 0;
    if (!eat(c, '('))
        return 0;
    for (;;) {
        uint64_t v = 0;
        int digits = 0;
        if (eat(c, ')'))
            return 1;
        skip_ws(c);
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            if (v > (UINT64_MAX - 9) / 10)
                return 0;
            v = v * 10 + (uint64_t)(*c->p++ - '0');
            digits++;
        }
        if (!digits || T->ndim >= NRC_TENSOR_MAXDIM)
            return 0;
        T->shape[T->ndim++] = v;
        if (eat(c, ')'))
            return T->ndim != 1; /* (3) is an int in Python, not a tuple: NumPy refuses it too */
        if (!eat(c, ','))
            return 0;
    }
}

/* '<f8' and friends: returns the dtype or -1. */
static int descr_dtype(const char *s, const char **why)
{
    static const struct {
        const char *d;
        nrc_dtype t;
    } tab[] = {
        {"<f8", NRC_DT_F64}, {"<f4", NRC_DT_F32}, {"<f2", NRC_DT_F16}, {"|b1", NRC_DT_BOOL},
        {"|i1", NRC_DT_I8}, {"|u1", NRC_DT_U8}, {"<i2", NRC_DT_I16}, {"<u2", NRC_DT_U16},
        {"<i4", NRC_DT_I32}, {"<u4", NRC_DT_U32}, {"<i8", NRC_DT_I64}, {"<u8", NRC_DT_U64},
        {"<b1", NRC_DT_BOOL}, {"<i1", NRC_DT_I8}, {"<u1", NRC_DT_U8},
    };
    size_t i;
    for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(s, tab[i].d) == 0)
            return (int)tab[i].t;
    *why = s[0] == '>' ? "big-endian data is not supported (save with '<' byte order)"
                       : "not a supported dtype ('<f8', '<f4', '<f2', '|b1', integers)";
    return -1;
}

static nrc_status header_error(const char *fname, const char *where, const char *what,
                               nrc_error *err)
{
    return nrc_error_set(err, NRC_ERR_INPUT, "%s: %s.npy header: %s", fname, where, what);
}

/* Parse the dict literal [p, end) into T (dtype, ndim, shape, fortran). */
static nrc_status parse_dict(const unsigned char *p, const unsigned char *end, const char *fname,
                             const char *where, nrc_tensor *T, nrc_error *err)
{
    cursor c = {p, end};
    int have_descr = 0, have_fortran = 0, have_shape = 0;
    char key[32], val[64];
    const char *why = "";
    if (!eat(&c, '{'))
        return header_error(fname, where, "does not start with '{'", err);
    for (;;) {
        if (eat(&c, '}'))
            break;
        if (!string(&c, key, sizeof key) || !eat(&c, ':'))
            return header_error(fname, where, "expected a quoted key and ':'", err);
        if (strcmp(key, "descr") == 0 && !have_descr) {
            int t;
            if (!string(&c, val, sizeof val))
                return header_error(fname, where,
                                    "'descr' is not a simple dtype string (structured arrays are not supported)",
                                    err);
            if ((t = descr_dtype(val, &why)) < 0) {
                char msg[160];
                snprintf(msg, sizeof msg, "descr '%s': %s", val, why);
                return header_error(fname, where, msg, err);
            }
            T->dtype = (nrc_dtype)t;
            have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0 && !have_fortran) {
            if (word(&c, "True"))
                T->fortran = 1;
            else if (word(&c, "False"))
                T->fortran = 0;
            else
                return header_error(fname, where, "'fortran_order' is neither True nor False", err);
            have_fortran = 1;
        } else if (strcmp(key, "shape") == 0 && !have_shape) {
            if (!tuple(&c, T))
                return header_error(fname, where,
                                    "'shape' is not a tuple of at most 8 integers >= 0 below 2^64", err);
            have_shape = 1;
        } else {
            char msg[96];
            snprintf(msg, sizeof msg, "unexpected or repeated key '%s'", key);
            return header_error(fname, where, msg, err);
        }
        if (eat(&c, '}'))
            break;
        if (!eat(&c, ','))
            return header_error(fname, where, "expected ',' or '}'", err);
    }
    skip_ws(&c);
    if (c.p != c.end)
        return header_error(fname, where, "trailing bytes after the dict", err);
    if (!have_descr || !have_fortran || !have_shape)
        return header_error(fname, where, "needs the keys 'descr', 'fortran_order' and 'shape'", err);
    return NRC_OK;
}

nrc_status nrc_npy_parse(const unsigned char *buf, size_t len, const char *fname,
                         const char *where, const char *tname, nrc_tensor *T, nrc_error *err)
{
    uint64_t hlen, off, data_len, count = 1;
    unsigned major, a;
    size_t tl = strlen(tname);
    char sh[256];
    nrc_status st;
    memset(T, 0, sizeof *T);
    if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: %s%s", fname, where,
                             len < 10 ? "truncated .npy header (fewer than 10 bytes)"
                                      : "not a .npy file (no \\x93NUMPY magic)");
    major = buf[6];
    if (major < 1 || major > 3 || buf[7] != 0)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: %s.npy format version %u.%u, expected 1.0, 2.0 or 3.0",
                             fname, where, buf[6], buf[7]);
    if (major == 1) {
        hlen = (uint64_t)buf[8] | (uint64_t)buf[9] << 8;
        off = 10;
    } else {
        if (len < 12)
            return nrc_error_set(err, NRC_ERR_INPUT, "%s: %struncated .npy header", fname, where);
        hlen = (uint64_t)buf[8] | (uint64_t)buf[9] << 8 | (uint64_t)buf[10] << 16 |
               (uint64_t)buf[11] << 24;
        off = 12;
    }
    if (hlen > len - off)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: %s.npy header length %" PRIu64 " runs past the end (%zu bytes)",
                             fname, where, hlen, len);
    if (hlen > NRC_TENSOR_HEADER_MAX)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: %s.npy header length %" PRIu64 " over the cap",
                             fname, where, hlen);
    if (major < 3) {
        uint64_t i;
        for (i = 0; i < hlen; i++)
            if (buf[off + i] >= 0x80 || buf[off + i] == 0)
                return nrc_error_set(err, NRC_ERR_INPUT,
                                     "%s: %s.npy header: byte 0x%02x at offset %" PRIu64 " (versions 1.0 and 2.0 are ASCII)",
                                     fname, where, buf[off + i], off + i);
    } else {
        size_t bad = nrc_utf8_check(buf + off, (size_t)hlen);
        if (bad < hlen)
            return nrc_error_set(err, NRC_ERR_INPUT, "%s: %s.npy header: not valid UTF-8 at offset %" PRIu64,
                                 fname, where, off + bad);
    }
    if (hlen == 0 || buf[off + hlen - 1] != '\n')
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: %s.npy header does not end with a newline",
                             fname, where);
    st = parse_dict(buf + off, buf + off + hlen, fname, where, T, err);
    if (st != NRC_OK)
        return st;
    /* With fewer than 2 dimensions both orders are the same layout: keep
     * the flag only where it means something (found by fuzz_numpy: the
     * writer refused a 1-D "Fortran" array the reader had accepted). */
    if (T->ndim < 2)
        T->fortran = 0;
    off += hlen;
    data_len = len - off;
    for (a = 0; a < T->ndim; a++)
        if (T->shape[a] == 0)
            count = 0;
    for (a = 0; count && a < T->ndim; a++) {
        if (count > data_len / T->shape[a]) {
            nrc_tensor_shape_text(T, sh, sizeof sh);
            return nrc_error_set(err, NRC_ERR_INPUT,
                                 "%s: %sshape %s has more elements than the %" PRIu64 " data bytes "
                                 "can hold", fname, where, sh, data_len);
        }
        count *= T->shape[a];
    }
    if (count * nrc_dtype_size(T->dtype) != data_len) {
        nrc_tensor_shape_text(T, sh, sizeof sh);
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: %sdtype %s and shape %s need %" PRIu64 " data bytes, the file has %" PRIu64
                             " after the header (%s)", fname, where, nrc_dtype_name(T->dtype), sh,
                             count * nrc_dtype_size(T->dtype), data_len,
                             count * nrc_dtype_size(T->dtype) > data_len ? "truncated" : "trailing bytes");
    }
    T->count = count;
    T->data = buf + off;
    T->name = nrc_malloc(tl + 1);
    if (!T->name) {
        memset(T, 0, sizeof *T);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory", fname);
    }
    memcpy(T->name, tname, tl + 1);
    return NRC_OK;
}

/* ---- writer: version 1.0, header padded so the data starts at a
 * multiple of 64 (NumPy's own alignment). ---- */

static const char *npy_descr(nrc_dtype t)
{
    switch (t) {
    case NRC_DT_F64: return "<f8";
    case NRC_DT_F32: return "<f4";
    case NRC_DT_F16: return "<f2";
    case NRC_DT_BOOL: return "|b1";
    case NRC_DT_I8: return "|i1";
    case NRC_DT_U8: return "|u1";
    case NRC_DT_I16: return "<i2";
    case NRC_DT_U16: return "<u2";
    case NRC_DT_I32: return "<i4";
    case NRC_DT_U32: return "<u4";
    case NRC_DT_I64: return "<i8";
    case NRC_DT_U64: return "<u8";
    default: return NULL;
    }
}

nrc_status nrc_npy_write(const nrc_tensor *T, unsigned char **buf, size_t *len, nrc_error *err)
{
    char h[512];
    size_t hl, total, bytes = (size_t)(T->count * nrc_dtype_size(T->dtype));
    unsigned a;
    const char *d = npy_descr(T->dtype);
    unsigned char *out;
    *buf = NULL;
    *len = 0;
    if (!d)
        return nrc_error_set(err, NRC_ERR_INTERNAL, ".npy writer: dtype %s has no .npy form",
                             nrc_dtype_name(T->dtype));
    if (T->fortran && T->ndim >= 2)
        return nrc_error_set(err, NRC_ERR_INTERNAL, ".npy writer: Fortran-ordered data (write C order)");
    hl = (size_t)snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (", d);
    for (a = 0; a < T->ndim; a++)
        hl += (size_t)snprintf(h + hl, sizeof h - hl, "%s%" PRIu64, a ? ", " : "", T->shape[a]);
    hl += (size_t)snprintf(h + hl, sizeof h - hl, "%s), }", T->ndim == 1 ? "," : "");
    /* 10 bytes of preamble + header + padding + '\n' = a multiple of 64 */
    while ((10 + hl + 1) % 64)
        h[hl++] = ' ';
    h[hl++] = '\n';
    total = 10 + hl + bytes;
    out = nrc_malloc(total);
    if (!out)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (%zu bytes of .npy)", total);
    memcpy(out, "\x93NUMPY\1\0", 8);
    out[8] = (unsigned char)(hl & 0xff);
    out[9] = (unsigned char)(hl >> 8);
    memcpy(out + 10, h, hl);
    if (bytes)
        memcpy(out + 10 + hl, T->data, bytes);
    *buf = out;
    *len = total;
    return NRC_OK;
}
