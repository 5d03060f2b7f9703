/* The model file (FORMATS.md "model.bin", version 1; spec/MODEL.md):
 * validating reader and writer (include/core/nrc_model.h).
 *
 * Structure, for the proofs to come: the checks are pure functions over a
 * caller-provided byte buffer (header decode, layout, length, checksum,
 * contents); allocation happens only in nrc_model_alloc, nrc_model_set_meta,
 * nrc_model_serialize, nrc_model_read and inside jansson. Integers and reals
 * are decoded byte by byte, little-endian; finiteness and labels are decided
 * on the bit patterns, so the validator does no floating-point arithmetic. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifndef __FRAMAC__
#include <jansson.h>
#endif
#include "nrc_alloc.h"
#include "nrc_io.h"
#include "nrc_model.h"

#define SUM_SIZE ((uint64_t)NRC_SHA256_SIZE)
#define EXP_MASK UINT64_C(0x7ff0000000000000)
#define FRAC_MASK UINT64_C(0x000fffffffffffff)
#define BITS_PLUS_ONE UINT64_C(0x3ff0000000000000)
#define BITS_MINUS_ONE UINT64_C(0xbff0000000000000)

/* ---------------------------------------------------------------- bytes */

/* Written with products rather than shifts and ORs so that the proof
 * (make proofs) is plain integer arithmetic: the result is LE32 / LE64 of
 * spec/acsl/nrc_model_acsl.h, and no step can overflow. */
/*@ requires \valid_read(p + (0 .. 3));
    assigns \nothing;
    ensures \result == LE32(p);
*/
static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] +
           256u * ((uint32_t)p[1] + 256u * ((uint32_t)p[2] + 256u * (uint32_t)p[3]));
}

/*@ requires \valid_read(p + (0 .. 7));
    assigns \nothing;
    ensures \result == LE64(p);
*/
static uint64_t get_u64(const unsigned char *p)
{
    return (uint64_t)get_u32(p) + UINT64_C(4294967296) * (uint64_t)get_u32(p + 4);
}

/*@ requires \valid(p + (0 .. 3));
    assigns p[0 .. 3];
*/
static void put_u32(unsigned char *p, uint32_t v)
{
    /*@ loop invariant 0 <= i <= 4;
        loop assigns i, p[0 .. 3];
        loop variant 4 - i;
    */
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)((v >> (8 * i)) & 0xffu);
}

/*@ requires \valid(p + (0 .. 7));
    assigns p[0 .. 7];
*/
static void put_u64(unsigned char *p, uint64_t v)
{
    /*@ loop invariant 0 <= i <= 8;
        loop assigns i, p[0 .. 7];
        loop variant 8 - i;
    */
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)((v >> (8 * i)) & 0xffu);
}

/* Bit patterns <-> doubles: memcpy of one scalar of the same size is the
 * defined way in C (no aliasing through pointer casts). */
/*@ assigns \nothing; */
static double bits_to_double(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/*@ assigns \nothing; */
static uint64_t double_to_bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* --------------------------------------------------------------- layout */

/* *r = a * b; returns 0 on overflow. */
/*@ requires \valid(r);
    assigns *r;
    ensures \result == 1 <==> a * b <= UINT64_MAX;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 ==> *r == a * b;
*/
static int mul_ok(uint64_t a, uint64_t b, uint64_t *r)
{
    /*@ assert a != 0 ==> (b > UINT64_MAX / a <==> a * b > UINT64_MAX); */
    if (a != 0 && b > UINT64_MAX / a)
        return 0;
    *r = a * b;
    return 1;
}

/* *acc += a; returns 0 on overflow. */
/*@ requires \valid(acc);
    assigns *acc;
    ensures \result == 1 <==> \old(*acc) + a <= UINT64_MAX;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 ==> *acc == \old(*acc) + a;
*/
static int add_ok(uint64_t *acc, uint64_t a)
{
    if (a > UINT64_MAX - *acc)
        return 0;
    *acc += a;
    return 1;
}

/* *acc += 8 * rows * cols; returns 0 on overflow. */
/*@ requires \valid(acc);
    assigns *acc;
    ensures \result != 0 <==> \old(*acc) + 8 * (rows * cols) <= UINT64_MAX;
    ensures \result != 0 ==> *acc == \old(*acc) + 8 * (rows * cols);
*/
static int add_reals(uint64_t *acc, uint64_t rows, uint64_t cols)
{
    uint64_t c, bytes;
    if (!mul_ok(rows, cols, &c) || !mul_ok(c, 8, &bytes))
        return 0;
    return add_ok(acc, bytes);
}

int nrc_model_layout_compute(uint64_t n, uint64_t d, uint64_t k, uint64_t m,
                             uint32_t flags, uint64_t meta_len,
                             nrc_model_layout *L)
{
    uint64_t off = NRC_MODEL_HEADER_SIZE;
    if (n > NRC_MODEL_DIM_MAX || d > NRC_MODEL_DIM_MAX || k > NRC_MODEL_DIM_MAX ||
        m > NRC_MODEL_DIM_MAX || meta_len > NRC_MODEL_META_MAX)
        return 1;
    /* The assertions track off as the partial sums of ModelFileSize
     * (spec/acsl/nrc_model_acsl.h), one section at a time; in the "fits"
     * case each partial sum is at most the total, so no add fails. */
    /*@ assert parts: 0 <= k * d && 0 <= n * d && 0 <= m * d && 0 <= BiasOf(flags) <= 1 &&
                      0 <= 8 * k * BiasOf(flags) <= 8 * k; */
    /*@ assert bias: BiasOf(flags) == 1 <==> (flags & NRC_FLAG_BIAS) != 0; */
    L->off_W = off;
    if (!add_reals(&off, k, d))
        return 2;
    /*@ assert s_W: off == 64 + 8 * (k * d); */
    L->off_b = off;
    if ((flags & NRC_FLAG_BIAS) && !add_reals(&off, k, 1))
        return 2;
    /*@ assert s_b: off == 64 + 8 * (k * d) + 8 * k * BiasOf(flags); */
    L->off_v = off;
    if (!add_reals(&off, k, 1))
        return 2;
    /*@ assert s_v: off == 64 + 8 * (k * d) + 8 * k * BiasOf(flags) + 8 * k; */
    L->off_X = off;
    if (!add_reals(&off, n, d))
        return 2;
    /*@ assert s_X: off == 64 + 8 * (k * d) + 8 * k * BiasOf(flags) + 8 * k + 8 * (n * d); */
    L->off_y = off;
    if (!add_reals(&off, n, 1))
        return 2;
    /*@ assert s_y: off == 64 + 8 * (k * d) + 8 * k * BiasOf(flags) + 8 * k + 8 * (n * d)
                           + 8 * n; */
    L->off_Xt = off;
    if (!add_reals(&off, m, d))
        return 2;
    /*@ assert s_Xt: off == 64 + 8 * (k * d) + 8 * k * BiasOf(flags) + 8 * k + 8 * (n * d)
                            + 8 * n + 8 * (m * d); */
    L->off_yt = off;
    if (!add_reals(&off, m, 1))
        return 2;
    /*@ assert s_yt: off == 64 + 8 * (k * d) + 8 * k * BiasOf(flags) + 8 * k + 8 * (n * d)
                            + 8 * n + 8 * (m * d) + 8 * m; */
    L->off_meta = off;
    if (!add_ok(&off, meta_len))
        return 2;
    L->off_sum = off;
    if (!add_ok(&off, SUM_SIZE))
        return 2;
    L->total = off;
    /*@ assert total: off == ModelFileSize(n, d, k, m, BiasOf(flags), meta_len); */
    /*@ assert layout: LayoutOf(L, n, d, k, m, BiasOf(flags), meta_len); */
    if (off > NRC_MODEL_FILE_MAX)
        return 3;
#if SIZE_MAX < UINT64_MAX
    if (off > SIZE_MAX) /* a 32-bit host cannot hold the image */
        return 3;
#endif
    return 0;
}

uint64_t nrc_model_file_size(uint64_t n, uint64_t d, uint64_t k, uint64_t m,
                             uint32_t flags, uint64_t meta_len)
{
    nrc_model_layout L;
    if (nrc_model_layout_compute(n, d, k, m, flags, meta_len, &L) != 0)
        return 0;
    return L.total;
}

/* --------------------------------------------------------------- header */

/*@ requires \valid_read(name) && \valid_read(field);
    requires err == \null || \valid(err);
    assigns err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_ERR_INPUT;
*/
static nrc_status bad_size(const char *name, const char *field, unsigned off,
                           uint64_t v, uint64_t cap, nrc_error *err)
{
    return nrc_error_set(err, NRC_ERR_INPUT,
                         "%s: field %s (offset %u) is %llu, more than the cap of %llu",
                         name, field, off, (unsigned long long)v, (unsigned long long)cap);
}

/* The message for a header whose layout overflows (r == 2) or exceeds the
 * file cap (r == 3): kept apart so that the proof of the decoder does not
 * carry the message arguments along its paths. */
/*@ requires \valid_read(name);
    requires err == \null || \valid(err);
    assigns err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_ERR_INPUT;
*/
static nrc_status bad_layout(const char *name, uint64_t n, uint64_t d, uint64_t k, uint64_t m,
                             uint64_t meta_len, int r, nrc_error *err)
{
    if (r == 2)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: header sizes (offsets 16-55: n=%llu d=%llu k=%llu m=%llu "
                             "meta_len=%llu): size of the file overflows 64 bits",
                             name, (unsigned long long)n, (unsigned long long)d,
                             (unsigned long long)k, (unsigned long long)m,
                             (unsigned long long)meta_len);
    return nrc_error_set(err, NRC_ERR_INPUT,
                         "%s: header sizes (offsets 16-55: n=%llu d=%llu k=%llu m=%llu "
                         "meta_len=%llu): size of the file exceeds the cap of %llu bytes",
                         name, (unsigned long long)n, (unsigned long long)d,
                         (unsigned long long)k, (unsigned long long)m,
                         (unsigned long long)meta_len,
                         (unsigned long long)NRC_MODEL_FILE_MAX);
}

/* Store the decoded header fields into *h, field by field: a function of
 * its own with one postcondition per field, so that the provers meet the
 * writes of one struct in small goals (a struct assignment, or storing *h
 * and *L in one function, timed out with the provers used here). */
/*@ requires \valid(h);
    assigns *h;
    ensures h->version == version;
    ensures h->flags == flags;
    ensures h->n == n;
    ensures h->d == d;
    ensures h->k == k;
    ensures h->m == m;
    ensures h->meta_len == meta_len;
    ensures h->reserved == reserved;
*/
static void store_header(nrc_model_header *h, uint32_t version, uint32_t flags, uint64_t n,
                         uint64_t d, uint64_t k, uint64_t m, uint64_t meta_len,
                         uint64_t reserved)
{
    h->version = version;
    h->flags = flags;
    h->n = n;
    h->d = d;
    h->k = k;
    h->m = m;
    h->meta_len = meta_len;
    h->reserved = reserved;
}

#ifndef __FRAMAC__ /* Frama-C 25 parses C99 only */
_Static_assert((NRC_MODEL_FLAGS_KNOWN & (NRC_MODEL_FLAGS_KNOWN + 1u)) == 0,
               "NRC_MODEL_FLAGS_KNOWN must be the low bits 0..j-1 (nrc_model.h)");
#endif

/* A lemma function (ghost code: the compiler never sees it): the decoder's
 * result is an accepted header and its layout. The decoder passes its
 * decoded scalars, so that every precondition is a single field read (which
 * WP's simplifier resolves through store_header's postconditions) or a fact
 * about the scalars alone (one LayoutOf conjunct each), and the folding
 * into HeaderLayout is done here, in a small context (measured: Z3 and
 * CVC5 fail on HeaderLayout(h, L) directly in the decoder's context, and on
 * LayoutOf(L, ...) as a whole read back after store_header). */
/*@ ghost
  /@ requires \valid_read(h) && \valid_read(L);
     requires h_version: h->version == version;
     requires h_flags: h->flags == flags;
     requires h_n: h->n == n;
     requires h_d: h->d == d;
     requires h_k: h->k == k;
     requires h_m: h->m == m;
     requires h_meta_len: h->meta_len == meta_len;
     requires h_reserved: h->reserved == reserved;
     requires ok_version: version == NRC_MODEL_VERSION;
     requires ok_flags: flags <= NRC_MODEL_FLAGS_KNOWN;
     requires ok_sizes: 1 <= n && 1 <= d && 1 <= k;
     requires ok_caps: SizesInCaps(n, d, k, m, meta_len);
     requires ok_reserved: reserved == 0;
     requires ok_file: ModelFileSize(n, d, k, m, BiasOf(flags), meta_len) <= NRC_MODEL_FILE_MAX;
     requires L_W: L->off_W == NRC_MODEL_HEADER_SIZE;
     requires L_b: L->off_b == L->off_W + 8 * (k * d);
     requires L_v: L->off_v == L->off_b + 8 * k * BiasOf(flags);
     requires L_X: L->off_X == L->off_v + 8 * k;
     requires L_y: L->off_y == L->off_X + 8 * (n * d);
     requires L_Xt: L->off_Xt == L->off_y + 8 * n;
     requires L_yt: L->off_yt == L->off_Xt + 8 * (m * d);
     requires L_meta: L->off_meta == L->off_yt + 8 * m;
     requires L_sum: L->off_sum == L->off_meta + meta_len;
     requires L_end: L->total == L->off_sum + NRC_SHA256_SIZE;
     requires L_total: L->total == ModelFileSize(n, d, k, m, BiasOf(flags), meta_len);
     assigns \nothing;
     ensures HeaderLayout(h, L);
     ensures L->total == ModelFileSize(h->n, h->d, h->k, h->m, BiasOf(h->flags), h->meta_len);
     ensures L->off_sum + NRC_SHA256_SIZE == L->total && L->total <= NRC_MODEL_FILE_MAX;
  @/
  static void header_layout_fold(nrc_model_header *h, nrc_model_layout *L, uint32_t version,
                                 uint32_t flags, uint64_t n, uint64_t d, uint64_t k,
                                 uint64_t m, uint64_t meta_len, uint64_t reserved)
  {
    /@ assert fold_valid: HeaderValid(h); @/
    /@ assert fold_layout: LayoutOf(L, h->n, h->d, h->k, h->m, BiasOf(h->flags), h->meta_len); @/
  }
*/

nrc_status nrc_model_header_decode(const unsigned char *buf, size_t len,
                                   const char *name, nrc_model_header *h,
                                   nrc_model_layout *L, nrc_error *err)
{
    static const unsigned char magic[8] = {'N', 'R', 'C', 'M', 'O', 'D', 'E', 'L'};
    /* Decoded into scalar locals, stored to *h only on success
     * (store_header): the proof then needs no reasoning about memory until
     * the end. The layout is computed into *L (left unspecified on
     * failure). */
    uint32_t version, flags;
    uint64_t n, d, k, m, meta_len, reserved;
    size_t mlen = len < 8 ? len : 8;
    int r;
    /* A prefix that already disagrees with the magic is "not a model file",
     * more useful than "truncated". */
    /*@ loop invariant 0 <= i <= mlen;
        loop invariant \forall integer t; 0 <= t < i ==> buf[t] == magic[t];
        loop assigns i;
        loop variant mlen - i;
    */
    for (size_t i = 0; i < mlen; i++)
        if (buf[i] != magic[i])
            return nrc_error_set(err, NRC_ERR_INPUT,
                                 "%s: field magic (offset 0): bad magic, expected the ASCII bytes "
                                 "NRCMODEL: not a model file",
                                 name);
    if (len < NRC_MODEL_HEADER_SIZE)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: truncated: file is %zu bytes, shorter than the %u-byte header "
                             "(offset %zu)",
                             name, len, NRC_MODEL_HEADER_SIZE, len);
    /*@ assert magic_ok: buf[0] == 'N' && buf[1] == 'R' && buf[2] == 'C' && buf[3] == 'M' &&
            buf[4] == 'O' && buf[5] == 'D' && buf[6] == 'E' && buf[7] == 'L'; */
    version = get_u32(buf + 8);
    flags = get_u32(buf + 12);
    n = get_u64(buf + 16);
    d = get_u64(buf + 24);
    k = get_u64(buf + 32);
    m = get_u64(buf + 40);
    meta_len = get_u64(buf + 48);
    reserved = get_u64(buf + 56);
    if (version != NRC_MODEL_VERSION)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: field version (offset 8) is %lu, expected %u",
                             name, (unsigned long)version, NRC_MODEL_VERSION);
    if (flags > NRC_MODEL_FLAGS_KNOWN) /* an unknown bit (nrc_model.h) */
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: field flags (offset 12) is 0x%08lx: unknown flag bits 0x%08lx "
                             "(only bits 0 and 1 are defined)",
                             name, (unsigned long)flags,
                             (unsigned long)(flags & ~(uint32_t)NRC_MODEL_FLAGS_KNOWN));
    if (n == 0)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: field n (offset 16) is 0, expected >= 1", name);
    if (d == 0)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: field d (offset 24) is 0, expected >= 1", name);
    if (k == 0)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: field k (offset 32) is 0, expected >= 1", name);
    if (n > NRC_MODEL_DIM_MAX)
        return bad_size(name, "n", 16, n, NRC_MODEL_DIM_MAX, err);
    if (d > NRC_MODEL_DIM_MAX)
        return bad_size(name, "d", 24, d, NRC_MODEL_DIM_MAX, err);
    if (k > NRC_MODEL_DIM_MAX)
        return bad_size(name, "k", 32, k, NRC_MODEL_DIM_MAX, err);
    if (m > NRC_MODEL_DIM_MAX)
        return bad_size(name, "m", 40, m, NRC_MODEL_DIM_MAX, err);
    if (meta_len > NRC_MODEL_META_MAX)
        return bad_size(name, "meta_len", 48, meta_len, NRC_MODEL_META_MAX, err);
    if (reserved != 0)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: field reserved (offset 56) is 0x%016llx, expected 0",
                             name, (unsigned long long)reserved);
    r = nrc_model_layout_compute(n, d, k, m, flags, meta_len, L);
    if (r != 0)
        return bad_layout(name, n, d, k, m, meta_len, r, err);
    store_header(h, version, flags, n, d, k, m, meta_len, reserved);
    /*@ ghost header_layout_fold(h, L, version, flags, n, d, k, m, meta_len, reserved); */
    return NRC_OK;
}

nrc_status nrc_model_check_length(const nrc_model_layout *L, uint64_t file_len,
                                  const char *name, nrc_error *err)
{
    if (file_len < L->total)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: truncated: file is %llu bytes, the header (offsets 16-55) "
                             "implies %llu; data ends at offset %llu",
                             name, (unsigned long long)file_len, (unsigned long long)L->total,
                             (unsigned long long)file_len);
    if (file_len > L->total)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: too long: file is %llu bytes, the header (offsets 16-55) "
                             "implies %llu; %llu trailing bytes from offset %llu",
                             name, (unsigned long long)file_len, (unsigned long long)L->total,
                             (unsigned long long)(file_len - L->total),
                             (unsigned long long)L->total);
    return NRC_OK;
}

/* ------------------------------------------------------------- checksum */

nrc_status nrc_model_check_checksum(const unsigned char *buf,
                                    const nrc_model_layout *L,
                                    const char *name, nrc_error *err)
{
    unsigned char sum[NRC_SHA256_SIZE];
    char want[2 * NRC_SHA256_SIZE + 1], got[2 * NRC_SHA256_SIZE + 1];
    nrc_sha256(buf, (size_t)L->off_sum, sum);
    if (memcmp(sum, buf + L->off_sum, NRC_SHA256_SIZE) == 0)
        return NRC_OK;
    nrc_hex(buf + L->off_sum, NRC_SHA256_SIZE, got);
    nrc_hex(sum, NRC_SHA256_SIZE, want);
    return nrc_error_set(err, NRC_ERR_INPUT,
                         "%s: field checksum (offset %llu): SHA-256 mismatch, the file is "
                         "corrupted (stored %s, computed %s)",
                         name, (unsigned long long)L->off_sum, got, want);
}

/* ------------------------------------------------------------- contents */

/* The message for the bad real u found at file offset at (element i, j of
 * field): kept apart from the scan in check_reals so that the loop the
 * proofs reason about is only the scan. */
/*@ requires \valid_read(name) && \valid_read(field);
    requires err == \null || \valid(err);
    assigns err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_ERR_INPUT;
*/
static nrc_status bad_real(const char *name, const char *field, int matrix, uint64_t i,
                           uint64_t j, uint64_t at, uint64_t u, nrc_error *err)
{
    char where[80];
    double x;
    if (matrix)
        snprintf(where, sizeof where, "%s[%llu][%llu]", field, (unsigned long long)i,
                 (unsigned long long)j);
    else
        snprintf(where, sizeof where, "%s[%llu]", field, (unsigned long long)i);
    if ((u & EXP_MASK) == EXP_MASK) {
        const char *what = (u & FRAC_MASK) != 0 ? "NaN" : (u >> 63) ? "-Inf" : "+Inf";
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: field %s (offset %llu) is %s, expected a finite real",
                             name, where, (unsigned long long)at, what);
    }
    x = bits_to_double(u);
    return nrc_error_set(err, NRC_ERR_INPUT,
                         "%s: field %s (offset %llu) is %.17g (%a), label expected "
                         "exactly +1 or -1",
                         name, where, (unsigned long long)at, x, x);
}

/* Check rows*cols reals at offset off: finite, and exactly +-1 when labels.
 * rows*cols*8 fits the buffer by the layout. */
/*@ requires cols >= 1;
    requires off + 8 * (rows * cols) <= NRC_MODEL_FILE_MAX;
    requires \valid_read(buf + (0 .. off + 8 * (rows * cols) - 1));
    requires \valid_read(name) && \valid_read(field);
    requires err == \null || \valid(err);
    requires \separated(err, buf + (0 .. off + 8 * (rows * cols) - 1));
    assigns err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INPUT;
    ensures finite: \result == NRC_OK ==> RealsFinite(buf, off, rows * cols);
    ensures labels: \result == NRC_OK && labels != 0 ==> RealsLabels(buf, off, rows * cols);
*/
static nrc_status check_reals(const unsigned char *buf, uint64_t off, uint64_t rows,
                              uint64_t cols, int matrix, int labels,
                              const char *field, const char *name, nrc_error *err)
{
    /* One flat row-major scan (the element is row t / cols, column t % cols). */
    uint64_t count = rows * cols;
    /*@ loop invariant 0 <= t <= count;
        loop invariant RealsFinite(buf, off, t);
        loop invariant labels != 0 ==> RealsLabels(buf, off, t);
        loop assigns t;
        loop variant count - t;
    */
    for (uint64_t t = 0; t < count; t++) {
        uint64_t at = off + 8 * t;
        uint64_t u = get_u64(buf + at);
        if ((u & EXP_MASK) == EXP_MASK || (labels && u != BITS_PLUS_ONE && u != BITS_MINUS_ONE))
            return bad_real(name, field, matrix, t / cols, t % cols, at, u, err);
        /*@ assert RealsFinite(buf, off, t + 1); */
        /*@ assert labels != 0 ==> RealsLabels(buf, off, t + 1); */
    }
    return NRC_OK;
}

/* UTF-8 by the table of RFC 3629 section 4 / Unicode 3.9 D92. */
size_t nrc_utf8_check(const unsigned char *s, size_t len)
{
    size_t i = 0;
    /*@ loop invariant 0 <= i <= len;
        loop invariant NoNul(s, i);
        loop assigns i;
        loop variant len - i;
    */
    while (i < len) {
        unsigned c = s[i];
        unsigned lo = 0x80, hi = 0xbf;
        size_t more;
        if (c == 0)
            return i;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            more = 1;
        else if (c >= 0xe0 && c <= 0xef) {
            more = 2;
            if (c == 0xe0)
                lo = 0xa0;      /* no overlong forms */
            else if (c == 0xed)
                hi = 0x9f;      /* no surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            more = 3;
            if (c == 0xf0)
                lo = 0x90;      /* no overlong forms */
            else if (c == 0xf4)
                hi = 0x8f;      /* nothing above U+10FFFF */
        } else
            return i;
        if (more > len - i - 1)
            return i;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return i;
        /*@ assert lead: s[i] != 0 && s[i + 1] != 0 && i + more < len && more <= 3; */
        /*@ loop invariant 2 <= t <= more + 1;
            loop invariant \forall integer u; i <= u < i + t ==> s[u] != 0;
            loop assigns t;
            loop variant more + 1 - t;
        */
        for (size_t t = 2; t <= more; t++)
            if (s[i + t] < 0x80 || s[i + t] > 0xbf)
                return i;
        /*@ assert sequence: \forall integer u; i <= u <= i + more ==> s[u] != 0; */
        i += more + 1;
    }
    return len;
}

#ifndef __FRAMAC__
/* The only use of jansson, kept out of the files Frama-C analyses (its
 * headers are not in Frama-C's libc; the proofs take this function's
 * contract from spec/ as an assumption). */
nrc_status nrc_model_check_meta_json(const unsigned char *p, size_t len, uint64_t off,
                                     const char *name, nrc_error *err)
{
    json_error_t jerr;
    json_t *root;
    /* JSON_DECODE_ANY: a scalar or array parses, and is then reported as
     * "not an object" rather than with jansson's generic message. */
    root = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!root) {
        if (json_error_code(&jerr) == json_error_out_of_memory)
            return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory parsing the metadata", name);
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: field metadata (offset %llu): not valid JSON: %s (at byte %d "
                             "of the block)",
                             name, (unsigned long long)off, jerr.text, jerr.position);
    }
    if (!json_is_object(root)) {
        json_decref(root);
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: field metadata (offset %llu): JSON but not an object", name,
                             (unsigned long long)off);
    }
    json_decref(root);
    return NRC_OK;
}
#endif

/* Metadata: UTF-8, no NUL, one JSON object, no duplicate keys. off is the
 * file offset of the block (for messages). */
/*@ requires \valid_read(p + (0 .. len - 1));
    requires off + len <= NRC_MODEL_FILE_MAX;
    requires \valid_read(name);
    requires err == \null || \valid(err);
    requires \separated(err, p + (0 .. len - 1));
    assigns err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INPUT || \result == NRC_ERR_SYSTEM;
    ensures utf8: \result == NRC_OK ==> NoNul(p, len);
*/
static nrc_status check_meta(const unsigned char *p, size_t len, uint64_t off,
                             const char *name, nrc_error *err)
{
    size_t bad = nrc_utf8_check(p, len);
    if (bad < len) {
        if (p[bad] == 0)
            return nrc_error_set(err, NRC_ERR_INPUT,
                                 "%s: field metadata (offset %llu): embedded NUL byte at offset %llu",
                                 name, (unsigned long long)off, (unsigned long long)(off + bad));
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: field metadata (offset %llu): not valid UTF-8 at offset %llu "
                             "(byte 0x%02x)",
                             name, (unsigned long long)off, (unsigned long long)(off + bad), p[bad]);
    }
    return nrc_model_check_meta_json(p, len, off, name, err);
}

nrc_status nrc_model_check_contents(const unsigned char *buf,
                                    const nrc_model_header *h,
                                    const nrc_model_layout *L,
                                    const char *name, nrc_error *err)
{
    nrc_status s;
    /* The sections lie in order inside the buffer (lemma layout_ordered). */
    /*@ assert order: L->off_W <= L->off_b <= L->off_v <= L->off_X <= L->off_y <= L->off_Xt <=
            L->off_yt <= L->off_meta <= L->off_sum <= L->total &&
            L->total == ModelFileSize(h->n, h->d, h->k, h->m, BiasOf(h->flags), h->meta_len); */
    if ((s = check_reals(buf, L->off_W, h->k, h->d, 1, 0, "W", name, err)) != NRC_OK)
        return s;
    if (h->flags & NRC_FLAG_BIAS) {
        if ((s = check_reals(buf, L->off_b, h->k, 1, 0, 0, "b", name, err)) != NRC_OK)
            return s;
        /*@ assert bias_1: BiasOf(h->flags) == 1; */
        /*@ assert b_1: RealsFinite(buf, L->off_b, h->k * BiasOf(h->flags)); */
    } else {
        /*@ assert bias_0: BiasOf(h->flags) == 0; */
        /*@ assert b_0: RealsFinite(buf, L->off_b, h->k * BiasOf(h->flags)); */
    }
    /*@ assert b_finite: RealsFinite(buf, L->off_b, h->k * BiasOf(h->flags)); */
    if ((s = check_reals(buf, L->off_v, h->k, 1, 0, 0, "v", name, err)) != NRC_OK)
        return s;
    if ((s = check_reals(buf, L->off_X, h->n, h->d, 1, 0, "X", name, err)) != NRC_OK)
        return s;
    if ((s = check_reals(buf, L->off_y, h->n, 1, 0, 1, "y", name, err)) != NRC_OK)
        return s;
    if ((s = check_reals(buf, L->off_Xt, h->m, h->d, 1, 0, "Xt", name, err)) != NRC_OK)
        return s;
    if ((s = check_reals(buf, L->off_yt, h->m, 1, 0, 1, "yt", name, err)) != NRC_OK)
        return s;
    return check_meta(buf + L->off_meta, (size_t)h->meta_len, L->off_meta, name, err);
}

/* ---------------------------------------------------------- model object */

/* Field by field rather than memset of the struct (a cast of nrc_model *
 * to void * that the proofs' memory model does not allow); every field is
 * zero / NULL as before, padding bytes are not part of the value. */
void nrc_model_init(nrc_model *M)
{
    /*@ loop invariant 0 <= i <= NRC_SHA256_SIZE;
        loop assigns i, M->file_sha256[0 .. NRC_SHA256_SIZE - 1];
        loop variant NRC_SHA256_SIZE - i;
    */
    for (size_t i = 0; i < NRC_SHA256_SIZE; i++)
        M->file_sha256[i] = 0;
    M->n = M->d = M->k = M->m = 0;
    M->flags = 0;
    M->W = M->b = M->v = M->X = M->y = M->Xt = M->yt = NULL;
    M->meta = NULL;
    M->meta_len = 0;
}

/* nrc_free of an array of doubles: a function of its own so that the cast
 * to void * stays out of the proved functions (its contract, "writes
 * nothing the caller can see", is in spec/acsl/nrc_trust_model.h). */
static void free_reals(double *p)
{
    nrc_free(p);
}

void nrc_model_clear(nrc_model *M)
{
    free_reals(M->W);
    free_reals(M->b);
    free_reals(M->v);
    free_reals(M->X);
    free_reals(M->y);
    free_reals(M->Xt);
    free_reals(M->yt);
    nrc_free(M->meta);
    nrc_model_init(M);
}

/* Zero-filled array of count doubles, count >= 1 (size_t fits: the layout
 * bounded count * 8 by NRC_MODEL_FILE_MAX). */
static double *alloc_reals(uint64_t count)
{
    return nrc_calloc((size_t)count, sizeof(double));
}

/* A block of size bytes for the metadata (nrc_malloc). The ghost
 * parameters name a block live at the call, which a fresh block cannot
 * overlap: the trusted contract (spec/acsl/nrc_trust_model.h) states that
 * separation, which WP (no \fresh in Frama-C 25) cannot derive. */
static char *alloc_meta(size_t size) /*@ ghost (const unsigned char *live, size_t live_len) */
{
    return nrc_malloc(size);
}

nrc_status nrc_model_alloc(nrc_model *M, uint64_t n, uint64_t d, uint64_t k,
                           uint64_t m, uint32_t flags, nrc_error *err)
{
    uint64_t total;
    double *W, *b = NULL, *v, *X, *y, *Xt = NULL, *yt = NULL;
    if (flags > NRC_MODEL_FLAGS_KNOWN) /* an unknown bit (nrc_model.h) */
        return nrc_error_set(err, NRC_ERR_INPUT, "model: unknown flag bits 0x%08lx",
                             (unsigned long)(flags & ~(uint32_t)NRC_MODEL_FLAGS_KNOWN));
    if (n == 0 || d == 0 || k == 0)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "model: sizes n=%llu d=%llu k=%llu: each must be >= 1",
                             (unsigned long long)n, (unsigned long long)d, (unsigned long long)k);
    /* nrc_model_file_size rather than the layout into a local: the proof
     * then has no local whose address the allocations could be taken for. */
    total = nrc_model_file_size(n, d, k, m, flags, 0);
    if (total == 0)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "model: sizes n=%llu d=%llu k=%llu m=%llu exceed the caps of the "
                             "model file",
                             (unsigned long long)n, (unsigned long long)d, (unsigned long long)k,
                             (unsigned long long)m);
    /* Allocated into locals and stored field by field once all succeeded
     * (M untouched on failure; no struct copy, which WP's memory model
     * reads back poorly). */
    W = alloc_reals(k * d);
    v = alloc_reals(k);
    X = alloc_reals(n * d);
    y = alloc_reals(n);
    if (flags & NRC_FLAG_BIAS)
        b = alloc_reals(k);
    if (m > 0) {
        Xt = alloc_reals(m * d);
        yt = alloc_reals(m);
    }
    if (!W || !v || !X || !y || ((flags & NRC_FLAG_BIAS) && !b) || (m > 0 && (!Xt || !yt))) {
        free_reals(W);
        free_reals(b);
        free_reals(v);
        free_reals(X);
        free_reals(y);
        free_reals(Xt);
        free_reals(yt);
        return nrc_error_set(err, NRC_ERR_SYSTEM,
                             "model: out of memory for the arrays of a %llu-byte model",
                             (unsigned long long)total);
    }
    //@ assert allocated: W != \null && v != \null && X != \null && y != \null;
    //@ assert allocated_b: BiasOf(flags) == 1 ==> b != \null;
    //@ assert allocated_t: m > 0 ==> Xt != \null && yt != \null;
    nrc_model_clear(M);
    M->n = n;
    M->d = d;
    M->k = k;
    M->m = m;
    M->flags = flags;
    M->W = W;
    M->b = b;
    M->v = v;
    M->X = X;
    M->y = y;
    M->Xt = Xt;
    M->yt = yt;
    return NRC_OK;
}

nrc_status nrc_model_set_meta(nrc_model *M, const char *json, size_t len,
                              nrc_error *err)
{
    char *copy;
    nrc_status s;
    if (len > NRC_MODEL_META_MAX)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "model: metadata is %zu bytes, more than the cap of %llu", len,
                             (unsigned long long)NRC_MODEL_META_MAX);
    s = check_meta((const unsigned char *)json, len, 0, "model", err);
    if (s != NRC_OK)
        return s;
    copy = alloc_meta(len + 1) /*@ ghost ((const unsigned char *)json, len) */;
    if (!copy)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "model: out of memory for the metadata");
    memcpy(copy, json, len);
    copy[len] = '\0';
    nrc_free(M->meta);
    M->meta = copy;
    M->meta_len = len;
    return NRC_OK;
}

/* ---------------------------------------------------------------- parse */

/*@ requires off + 8 * count <= NRC_MODEL_FILE_MAX;
    requires \valid_read(buf + (0 .. off + 8 * count - 1));
    requires \valid(out + (0 .. count - 1));
    assigns out[0 .. count - 1];
*/
static void get_reals(const unsigned char *buf, uint64_t off, uint64_t count, double *out)
{
    /*@ loop invariant 0 <= i <= count;
        loop assigns i, out[0 .. count - 1];
        loop variant count - i;
    */
    for (uint64_t i = 0; i < count; i++)
        out[i] = bits_to_double(get_u64(buf + off + 8 * i));
}

/* Copy the checked contents of buf into the arrays of T, allocated for h
 * (nrc_model_alloc) and for the metadata (meta_len + 1 bytes). */
/*@ requires \valid_read(h) && \valid_read(L) && HeaderLayout(h, L);
    requires \valid_read(buf + (0 .. L->total - 1));
    requires \valid(T);
    requires \valid(T->W + (0 .. h->k * h->d - 1)) && \valid(T->v + (0 .. h->k - 1));
    requires BiasOf(h->flags) == 1 ==> \valid(T->b + (0 .. h->k - 1));
    requires \valid(T->X + (0 .. h->n * h->d - 1)) && \valid(T->y + (0 .. h->n - 1));
    requires h->m > 0 ==> \valid(T->Xt + (0 .. h->m * h->d - 1)) && \valid(T->yt + (0 .. h->m - 1));
    requires \valid(T->meta + (0 .. h->meta_len));
    requires \separated(T->meta + (0 .. h->meta_len), buf + (0 .. L->total - 1));
    assigns T->W[0 .. h->k * h->d - 1], T->b[0 .. h->k - 1], T->v[0 .. h->k - 1],
            T->X[0 .. h->n * h->d - 1], T->y[0 .. h->n - 1], T->Xt[0 .. h->m * h->d - 1],
            T->yt[0 .. h->m - 1], T->meta[0 .. h->meta_len], T->meta_len;
*/
static void fill_model(const unsigned char *buf, const nrc_model_header *h,
                       const nrc_model_layout *L, nrc_model *T)
{
    /*@ assert order: L->off_W <= L->off_b <= L->off_v <= L->off_X <= L->off_y <= L->off_Xt <=
            L->off_yt <= L->off_meta <= L->off_sum <= L->total &&
            L->total == ModelFileSize(h->n, h->d, h->k, h->m, BiasOf(h->flags), h->meta_len); */
    get_reals(buf, L->off_W, h->k * h->d, T->W);
    if (h->flags & NRC_FLAG_BIAS)
        get_reals(buf, L->off_b, h->k, T->b);
    get_reals(buf, L->off_v, h->k, T->v);
    get_reals(buf, L->off_X, h->n * h->d, T->X);
    get_reals(buf, L->off_y, h->n, T->y);
    if (h->m > 0) {
        get_reals(buf, L->off_Xt, h->m * h->d, T->Xt);
        get_reals(buf, L->off_yt, h->m, T->yt);
    }
    memcpy(T->meta, buf + L->off_meta, (size_t)h->meta_len);
    T->meta[h->meta_len] = '\0';
    T->meta_len = (size_t)h->meta_len;
}

/* nrc_error_prefix(err, name). Its own function so that its trusted
 * contract (spec/acsl/nrc_trust_model.h) can take name, as every message
 * argument of this file, as a string without proof (\valid_read only):
 * after err->msg is written, WP can no longer show
 * valid_read_string(name), since the name might lie in err->msg for all it
 * knows. */
static void prefix_name(nrc_error *err, const char *name)
{
    nrc_error_prefix(err, name);
}

nrc_status nrc_model_parse(const unsigned char *buf, size_t len, const char *name,
                           nrc_model *M, nrc_error *err)
{
    nrc_model_header h;
    nrc_model_layout L;
    nrc_model T;
    nrc_status s;
    /* Order (spec/MODEL.md "Order of checks"): structure and sizes first, so
     * nothing below reads out of bounds or allocates from unchecked sizes;
     * then the checksum, so a random corruption is reported as such; then
     * the contents, which are only wrong if the writer wrote them so. */
    if ((s = nrc_model_header_decode(buf, len, name, &h, &L, err)) != NRC_OK)
        return s;
    if ((s = nrc_model_check_length(&L, len, name, err)) != NRC_OK)
        return s;
    //@ assert parse_len: L.total == len;
    if ((s = nrc_model_check_checksum(buf, &L, name, err)) != NRC_OK)
        return s;
    if ((s = nrc_model_check_contents(buf, &h, &L, name, err)) != NRC_OK)
        return s;
    nrc_model_init(&T);
    if ((s = nrc_model_alloc(&T, h.n, h.d, h.k, h.m, h.flags, err)) != NRC_OK) {
        prefix_name(err, name);
        return s;
    }
    T.meta = alloc_meta((size_t)h.meta_len + 1) /*@ ghost (buf, len) */;
    if (!T.meta) {
        nrc_model_clear(&T);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory for the metadata", name);
    }
    fill_model(buf, &h, &L, &T);
    nrc_sha256(buf, len, T.file_sha256);
    nrc_model_clear(M);
    *M = T;
    return NRC_OK;
}

/* ----------------------------------------------------------------- read */

/* Refuse (NRC_ERR_SYSTEM) a consistent header whose file would need more
 * than half the physical memory (the image and the arrays are both held):
 * a sparse file must not make us read and allocate gigabytes of zeros. */
/*@ requires valid_name: \valid_read(name);   // a string: trusted, as nrc_error_set's %s arguments
    requires valid_err: err == \null || \valid(err);
    assigns err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures status: \result == NRC_OK || \result == NRC_ERR_SYSTEM;
*/
static nrc_status check_fits_memory(uint64_t total, const char *name, nrc_error *err)
{
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    uint64_t phys;
    if (pages <= 0 || psize <= 0)
        return NRC_OK;
    if (!mul_ok((uint64_t)pages, (uint64_t)psize, &phys))
        return NRC_OK;
    if (total > phys / 2)
        return nrc_error_set(err, NRC_ERR_SYSTEM,
                             "%s: the model needs %llu bytes twice, more than the %llu bytes "
                             "of physical memory allow",
                             name, (unsigned long long)total, (unsigned long long)phys);
    return NRC_OK;
}

/* nrc_malloc for the file image. The ghost parameter names the error
 * record, live at the call, which the fresh block cannot overlap (trusted
 * contract in spec/acsl/nrc_trust_model.h, as alloc_meta). */
static unsigned char *alloc_image(size_t size) /*@ ghost (nrc_error *live) */
{
    return nrc_malloc(size);
}

/* close(2), whose result is not needed after a read; its own function so
 * that the proof does not depend on the C library model's bound on file
 * descriptors (trusted contract: writes nothing the caller can see). */
static void close_fd(int fd)
{
    close(fd);
}

nrc_status nrc_model_read(const char *path, nrc_model *M, nrc_error *err)
{
    unsigned char hdr[NRC_MODEL_HEADER_SIZE];
    unsigned char extra;
    unsigned char *buf;
    nrc_model_header h;
    nrc_model_layout L;
    uint64_t fsize;
    size_t got = 0, hlen;
    int fd;
    nrc_status s;

    if ((s = nrc_file_open_regular(path, &fd, &fsize, err)) != NRC_OK)
        return s;
    hlen = fsize < NRC_MODEL_HEADER_SIZE ? (size_t)fsize : NRC_MODEL_HEADER_SIZE;
    if ((s = nrc_fd_read_full(fd, path, hdr, hlen, &got, err)) != NRC_OK) {
        close_fd(fd);
        return s;
    }
    if (got != hlen) {
        close_fd(fd);
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: file changed while being read", path);
    }
    /* Sizes are checked before anything is allocated. */
    if ((s = nrc_model_header_decode(hdr, hlen, path, &h, &L, err)) != NRC_OK ||
        (s = nrc_model_check_length(&L, fsize, path, err)) != NRC_OK ||
        (s = check_fits_memory(L.total, path, err)) != NRC_OK) {
        close_fd(fd);
        return s;
    }
    buf = alloc_image((size_t)L.total) /*@ ghost (err) */;
    if (!buf) {
        close_fd(fd);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory reading %llu bytes", path,
                             (unsigned long long)L.total);
    }
    /* A byte loop, not memcpy: the header is 64 bytes and the loop's
     * effect is what the proof states (buf[0 .. 63] == hdr[0 .. 63]). */
    /*@ loop invariant 0 <= i <= NRC_MODEL_HEADER_SIZE;
        loop assigns i, buf[0 .. NRC_MODEL_HEADER_SIZE - 1];
        loop variant NRC_MODEL_HEADER_SIZE - i;
    */
    for (size_t i = 0; i < NRC_MODEL_HEADER_SIZE; i++)
        buf[i] = hdr[i];
    s = nrc_fd_read_full(fd, path, buf + NRC_MODEL_HEADER_SIZE,
                         (size_t)L.total - NRC_MODEL_HEADER_SIZE, &got, err);
    if (s == NRC_OK && got == (size_t)L.total - NRC_MODEL_HEADER_SIZE) {
        /* The file must end exactly here (it may have grown since fstat). */
        size_t more = 0;
        s = nrc_fd_read_full(fd, path, &extra, 1, &more, err);
        got = more == 0 ? got : 0;
    }
    close_fd(fd);
    if (s == NRC_OK && got != (size_t)L.total - NRC_MODEL_HEADER_SIZE)
        s = nrc_error_set(err, NRC_ERR_INPUT, "%s: file changed while being read", path);
    if (s == NRC_OK)
        s = nrc_model_parse(buf, (size_t)L.total, path, M, err);
    nrc_free(buf);
    return s;
}

/* ------------------------------------------------------------ serialize */

/*@ requires off + 8 * count <= NRC_MODEL_FILE_MAX;
    requires \valid(buf + (off .. off + 8 * count - 1));
    requires \valid_read(x + (0 .. count - 1));
    assigns buf[off .. off + 8 * count - 1];
*/
static void put_reals(unsigned char *buf, uint64_t off, uint64_t count, const double *x)
{
    /*@ loop invariant 0 <= i <= count;
        loop assigns i, buf[off .. off + 8 * count - 1];
        loop variant count - i;
    */
    for (uint64_t i = 0; i < count; i++)
        put_u64(buf + off + 8 * i, double_to_bits(x[i]));
}

/* The reader's checks on a complete image (header, length, contents). The
 * header and layout records are locals of this function, which the proof
 * knows apart from the caller's buffer. */
/*@ requires valid_buf: \valid_read(buf + (0 .. len - 1));
    requires valid_name: \valid_read(name);   // a string: trusted, as nrc_error_set's %s arguments
    requires valid_err: err == \null || \valid(err);
    requires separated: \separated(err, buf + (0 .. len - 1));
    assigns err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures status: \result == NRC_OK || \result == NRC_ERR_INPUT || \result == NRC_ERR_SYSTEM;
*/
static nrc_status check_image(const unsigned char *buf, size_t len, const char *name,
                              nrc_error *err)
{
    nrc_model_header h;
    nrc_model_layout L;
    nrc_status s;
    if ((s = nrc_model_header_decode(buf, len, name, &h, &L, err)) != NRC_OK ||
        (s = nrc_model_check_length(&L, (uint64_t)len, name, err)) != NRC_OK)
        return s;
    return nrc_model_check_contents(buf, &h, &L, name, err);
}

/* The 8 bytes of NRC_MODEL_MAGIC, stored one by one rather than copied
 * from the string literal: the proof then reads no literal (whose
 * separation from the fresh image WP cannot show). */
/*@ requires \valid(p + (0 .. 7));
    assigns p[0 .. 7];
*/
static void put_magic(unsigned char *p)
{
    p[0] = 'N';
    p[1] = 'R';
    p[2] = 'C';
    p[3] = 'M';
    p[4] = 'O';
    p[5] = 'D';
    p[6] = 'E';
    p[7] = 'L';
}

/* nrc_malloc for the image the writer builds. The ghost parameters name
 * what is live at the call and that a fresh block cannot overlap: the
 * model's metadata block and checksum field, and the error record (trusted
 * contract in spec/acsl/nrc_trust_model.h, as alloc_image). */
static unsigned char *alloc_out(size_t size) /*@ ghost (const char *live_meta,
    uint64_t live_meta_len, unsigned char *live_sum, nrc_error *live_err) */
{
    return nrc_malloc(size);
}

/* The image is built from locals: the sizes and array pointers are read
 * once, first, and the offsets copied before the image is allocated, so
 * that no write (the layout record, the image) can change them (for the
 * proof: no separation argument per write). The
 * ensures "kept" restates for the callers what holds anyway: they see a
 * function without an assigns clause, which may change anything. */
/*@ requires valid_M: \valid(M);
    requires arrays: ModelArraysReadable(M);
    requires valid_name: \valid_read(name);   // a string: trusted, as nrc_error_set's %s arguments
    requires valid_out: \valid(out) && \valid(out_len);
    requires valid_err: err == \null || \valid(err);
    requires separated: \separated(M, out, out_len, err);
    ensures status: \result == NRC_OK || \result == NRC_ERR_INPUT || \result == NRC_ERR_SYSTEM;
    ensures image: \result == NRC_OK ==> \valid(*out + (0 .. *out_len - 1));
    ensures kept: \valid_read(name) && (err == \null || \valid(err));
*/
static nrc_status serialize_named(nrc_model *M, const char *name, unsigned char **out,
                                  size_t *out_len, nrc_error *err)
{
    const uint64_t n = M->n, d = M->d, k = M->k, m = M->m, meta_len = M->meta_len;
    const uint32_t flags = M->flags;
    const double *W = M->W, *b = M->b, *v = M->v, *X = M->X, *y = M->y, *Xt = M->Xt,
                 *yt = M->yt;
    const char *meta = M->meta;
    nrc_model_layout L;
    unsigned char *buf;
    nrc_status s;

    *out = NULL;
    *out_len = 0;
    if (flags & ~(uint32_t)NRC_MODEL_FLAGS_KNOWN)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: flags 0x%08lx has unknown bits", name,
                             (unsigned long)flags);
    if (n == 0 || d == 0 || k == 0)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: n, d and k must be >= 1 (n=%llu d=%llu k=%llu)",
                             name, (unsigned long long)n, (unsigned long long)d,
                             (unsigned long long)k);
    if (!meta)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: field metadata: not set (use nrc_model_set_meta)", name);
    if (nrc_model_layout_compute(n, d, k, m, flags, meta_len, &L) != 0)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: sizes exceed the caps of the model file",
                             name);
    if (!W || !v || !X || !y || ((flags & NRC_FLAG_BIAS) && !b) || (m > 0 && (!Xt || !yt)))
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: an array required by the sizes is NULL", name);
    if (!(flags & NRC_FLAG_BIAS) && b)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: field b: biases present but flag bit 0 is clear", name);
    const uint64_t off_W = L.off_W, off_b = L.off_b, off_v = L.off_v, off_X = L.off_X,
                   off_y = L.off_y, off_Xt = L.off_Xt, off_yt = L.off_yt,
                   off_meta = L.off_meta, off_sum = L.off_sum, total = L.total;
    /*@ assert order: off_W == NRC_MODEL_HEADER_SIZE && off_W <= off_b <= off_v <= off_X <= off_y
            <= off_Xt <= off_yt <= off_meta <= off_sum <= total <= NRC_MODEL_FILE_MAX; */
    /*@ assert sections: off_b == off_W + 8 * (k * d) && off_v == off_b + 8 * k * BiasOf(flags) &&
            off_X == off_v + 8 * k && off_y == off_X + 8 * (n * d) && off_Xt == off_y + 8 * n &&
            off_yt == off_Xt + 8 * (m * d) && off_meta == off_yt + 8 * m &&
            off_sum == off_meta + meta_len && total == off_sum + NRC_SHA256_SIZE; */
    buf = alloc_out((size_t)total) /*@ ghost (meta, meta_len, M->file_sha256, err) */;
    if (!buf)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory for %llu bytes", name,
                             (unsigned long long)total);
    put_magic(buf);
    put_u32(buf + 8, NRC_MODEL_VERSION);
    put_u32(buf + 12, flags);
    put_u64(buf + 16, n);
    put_u64(buf + 24, d);
    put_u64(buf + 32, k);
    put_u64(buf + 40, m);
    put_u64(buf + 48, meta_len);
    put_u64(buf + 56, 0);
    put_reals(buf, off_W, k * d, W);
    if (flags & NRC_FLAG_BIAS)
        put_reals(buf, off_b, k, b);
    put_reals(buf, off_v, k, v);
    put_reals(buf, off_X, n * d, X);
    put_reals(buf, off_y, n, y);
    if (m > 0) {
        put_reals(buf, off_Xt, m * d, Xt);
        put_reals(buf, off_yt, m, yt);
    }
    memcpy(buf + off_meta, meta, (size_t)meta_len);
    nrc_sha256(buf, (size_t)off_sum, buf + off_sum);
    /* Validate the image with the reader's own checks. */
    if ((s = check_image(buf, (size_t)total, name, err)) != NRC_OK) {
        nrc_free(buf);
        return s;
    }
    nrc_sha256(buf, (size_t)total, M->file_sha256);
    *out = buf;
    *out_len = (size_t)total;
    return NRC_OK;
}

nrc_status nrc_model_serialize(nrc_model *M, unsigned char **buf, size_t *len,
                               nrc_error *err)
{
    return serialize_named(M, "model (in memory)", buf, len, err);
}

nrc_status nrc_model_write(const char *path, nrc_model *M, nrc_error *err)
{
    unsigned char *buf;
    size_t len;
    nrc_status s = serialize_named(M, path, &buf, &len, err);
    if (s != NRC_OK)
        return s;
    s = nrc_file_write_atomic(path, buf, len, err);
    nrc_free(buf);
    return s;
}
