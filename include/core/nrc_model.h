/* The model file (FORMATS.md "model.bin", version 1): in-memory form,
 * validating reader, writer.  Reader and writer are shared by train, certify
 * and the checker; nothing else parses model files.
 *
 * Layout (all little-endian; see spec/FORMATS.md for the byte table):
 *   header 64 bytes | W (k,d) | b (k, if bias) | v (k) | X (n,d) | y (n)
 *   | Xt (m,d) | yt (m) | metadata (meta_len bytes JSON) | SHA-256 (32). */
#ifndef NRC_MODEL_H
#define NRC_MODEL_H
#include <stddef.h>
#include <stdint.h>
#include "nrc_status.h"
#include "nrc_sha256.h"

#define NRC_MODEL_MAGIC "NRCMODEL"
#define NRC_MODEL_VERSION 1u
#define NRC_MODEL_HEADER_SIZE 64u
#define NRC_FLAG_BIAS 1u      /* hidden biases b present */
#define NRC_FLAG_FIXED_V 2u   /* second layer held fixed in training */
#define NRC_MODEL_FLAGS_KNOWN (NRC_FLAG_BIAS | NRC_FLAG_FIXED_V)
/* The known flags are the low bits, so "no unknown bit set" is
 * flags <= NRC_MODEL_FLAGS_KNOWN, the form the reader and its ACSL use
 * (static assertion in src/core/model.c). */
/* Caps that keep a hostile header from causing a huge allocation. */
#define NRC_MODEL_DIM_MAX ((uint64_t)1 << 31)      /* each of n, d, k, m */
#define NRC_MODEL_META_MAX ((uint64_t)1 << 24)     /* 16 MiB of metadata */
#define NRC_MODEL_FILE_MAX ((uint64_t)1 << 36)     /* 64 GiB in all */

typedef struct nrc_model {
    uint64_t n, d, k, m;
    uint32_t flags;
    double *W;   /* (k, d) row-major: row j is w_j */
    double *b;   /* (k), NULL when !(flags & NRC_FLAG_BIAS) */
    double *v;   /* (k) */
    double *X;   /* (n, d) training inputs */
    double *y;   /* (n) labels, exactly +1.0 or -1.0 */
    double *Xt;  /* (m, d) test inputs, NULL when m == 0 */
    double *yt;  /* (m) test labels, NULL when m == 0 */
    char *meta;  /* metadata JSON, meta_len bytes plus a terminating NUL */
    size_t meta_len;
    /* Set by nrc_model_read / nrc_model_parse / nrc_model_serialize:
     * SHA-256 of the whole file (including its trailing checksum). */
    unsigned char file_sha256[NRC_SHA256_SIZE];
} nrc_model;

#ifdef __FRAMAC__
#include "nrc_model_acsl.h"   /* spec/acsl: ACSL logic, for make proofs only */
#endif

/* Every size 0, every array NULL (the SHA-256 zero). */
/*@ requires \valid(M);
    assigns *M;
    ensures empty: M->n == 0 && M->d == 0 && M->k == 0 && M->m == 0 && M->flags == 0 &&
        M->W == \null && M->b == \null && M->v == \null && M->X == \null &&
        M->y == \null && M->Xt == \null && M->yt == \null && M->meta == \null &&
        M->meta_len == 0;
*/
void nrc_model_init(nrc_model *M);
/* Release the arrays and initialize. Accepts an initialized or cleared model. */
/*@ requires \valid(M);
    assigns *M;
    ensures empty: M->n == 0 && M->d == 0 && M->k == 0 && M->m == 0 && M->flags == 0 &&
        M->W == \null && M->b == \null && M->v == \null && M->X == \null &&
        M->y == \null && M->Xt == \null && M->yt == \null && M->meta == \null &&
        M->meta_len == 0;
*/
void nrc_model_clear(nrc_model *M);

/* Allocate arrays for the given sizes (zero-filled; b only with the bias
 * flag; Xt and yt stay NULL when m == 0). meta stays NULL. Checks flags,
 * n, d, k >= 1 and the caps (NRC_ERR_INPUT), memory (NRC_ERR_SYSTEM).
 * M must be initialized; on success its old arrays are released, on failure
 * M is untouched. To make a model in a test: nrc_model_init, nrc_model_alloc,
 * fill the arrays (labels +-1), nrc_model_set_meta("{}"...), nrc_model_write. */
/*@ requires valid_M: \valid(M);
    requires valid_err: err == \null || \valid(err);
    assigns *M, err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures status: \result == NRC_OK || \result == NRC_ERR_INPUT || \result == NRC_ERR_SYSTEM;
    ensures sizes: \result == NRC_OK ==>
        M->n == n && M->d == d && M->k == k && M->m == m && M->flags == flags;
    ensures arrays: \result == NRC_OK ==>
        \valid(M->W + (0 .. k * d - 1)) && \valid(M->v + (0 .. k - 1)) &&
        \valid(M->X + (0 .. n * d - 1)) && \valid(M->y + (0 .. n - 1));
    ensures bias: \result == NRC_OK ==> BiasOf(flags) == 1 ==> \valid(M->b + (0 .. k - 1));
    ensures test: \result == NRC_OK ==> m > 0 ==>
        \valid(M->Xt + (0 .. m * d - 1)) && \valid(M->yt + (0 .. m - 1));
*/
nrc_status nrc_model_alloc(nrc_model *M, uint64_t n, uint64_t d, uint64_t k,
                           uint64_t m, uint32_t flags, nrc_error *err);

/* Set the metadata (copied; must be valid UTF-8 without NUL bytes, at most
 * NRC_MODEL_META_MAX bytes, and a JSON object without duplicate keys).
 * NRC_ERR_INPUT when it is not, NRC_ERR_SYSTEM when memory runs out; on
 * failure the old metadata is kept. */
/* No assigns clause: besides M->meta, M->meta_len and err->msg it writes
 * the copy it allocates (as nrc_model_parse). */
/*@ requires valid_M: \valid(M);
    requires valid_json: \valid_read(json + (0 .. len - 1));
    requires valid_err: err == \null || \valid(err);
    requires separated: \separated(err, json + (0 .. len - 1));
    ensures status: \result == NRC_OK || \result == NRC_ERR_INPUT || \result == NRC_ERR_SYSTEM;
    ensures meta: \result == NRC_OK ==> M->meta_len == len && \valid(M->meta + (0 .. len));
*/
nrc_status nrc_model_set_meta(nrc_model *M, const char *json, size_t len,
                              nrc_error *err);

/* Parse and validate a complete file image.  name is used in messages
 * ("name: field W[3][7] (offset 64) is NaN").  Every check of FORMATS.md:
 * magic, version, flags, reserved, size products and sums without overflow,
 * caps, exact length, finite reals, labels +-1, metadata UTF-8 JSON object,
 * checksum.  Returns NRC_ERR_INPUT for a bad file, NRC_ERR_SYSTEM when
 * memory runs out; M is untouched on failure. */
/* Order of checks (spec/MODEL.md): header, length, checksum, contents, so
 * that a random corruption is reported as a checksum error. M must be
 * initialized (nrc_model_init); on success its old arrays are released and
 * replaced, and M->file_sha256 is the SHA-256 of buf[0..len). */
/* No assigns clause: besides *M and err->msg the parser writes only the
 * arrays it allocates, which no location of the pre-state names (WP in
 * Frama-C 25 has no \fresh); callers get "may write anything". */
/*@ requires valid_buf: \valid_read(buf + (0 .. len - 1));
    requires valid_name: \valid_read(name);   // a string: trusted, as nrc_error_set's %s arguments
    requires valid_M: \valid(M);
    requires valid_err: err == \null || \valid(err);
    requires separated: \separated(err, buf + (0 .. len - 1));
    ensures status: \result == NRC_OK || \result == NRC_ERR_INPUT || \result == NRC_ERR_SYSTEM;
*/
nrc_status nrc_model_parse(const unsigned char *buf, size_t len, const char *name,
                           nrc_model *M, nrc_error *err);

/* Read path and parse it. Opens with O_NONBLOCK, rejects anything but a
 * regular file, reads the 64-byte header, checks it and compares its implied
 * length with fstat BEFORE allocating; so a hostile header or a huge sparse
 * file is rejected without reading it. Sets M->file_sha256. A nonexistent
 * file is NRC_ERR_INPUT; a file needing more than half the physical memory
 * is NRC_ERR_SYSTEM. M must be initialized; it is untouched on failure. */
/* No assigns clause, as nrc_model_parse. */
/*@ requires valid_path: valid_read_string(path);
    requires valid_M: \valid(M);
    requires valid_err: err == \null || \valid(err);
    ensures status: \result == NRC_OK || \result == NRC_ERR_INPUT || \result == NRC_ERR_SYSTEM;
*/
nrc_status nrc_model_read(const char *path, nrc_model *M, nrc_error *err);

/* Serialize to a freshly allocated buffer (free with nrc_free); validates M
 * the same way the reader would (flags, sizes, arrays present, finite reals,
 * labels, metadata set and a JSON object): NRC_ERR_INPUT when M would not
 * make a valid file. Sets M->file_sha256 on success. */
/* No assigns clause: besides *buf, *len, M->file_sha256 and err->msg it
 * writes the image it allocates. */
/*@ requires valid_M: \valid(M);
    requires arrays: ModelArraysReadable(M);
    requires valid_out: \valid(buf) && \valid(len);
    requires valid_err: err == \null || \valid(err);
    requires separated: \separated(M, buf, len, err);
    ensures status: \result == NRC_OK || \result == NRC_ERR_INPUT || \result == NRC_ERR_SYSTEM;
    ensures image: \result == NRC_OK ==> \valid(*buf + (0 .. *len - 1));
*/
nrc_status nrc_model_serialize(nrc_model *M, unsigned char **buf, size_t *len,
                               nrc_error *err);

/* Serialize and write atomically (nrc_file_write_atomic; "-" is stdout).
 * Messages name path. */
/* No assigns clause, as nrc_model_serialize. */
/*@ requires valid_path: valid_read_string(path);
    requires valid_M: \valid(M);
    requires arrays: ModelArraysReadable(M);
    requires valid_err: err == \null || \valid(err);
    requires separated: \separated(M, err);
    ensures status: \result == NRC_OK || \result == NRC_ERR_INPUT || \result == NRC_ERR_SYSTEM;
*/
nrc_status nrc_model_write(const char *path, nrc_model *M, nrc_error *err);

/* Total file size for given sizes, or 0 on overflow / over the caps
 * (each of n, d, k, m <= NRC_MODEL_DIM_MAX, meta_len <= NRC_MODEL_META_MAX,
 * total <= NRC_MODEL_FILE_MAX). Zero sizes are not rejected here. */
/*@ assigns \nothing;
    ensures in_caps: SizesInCaps(n, d, k, m, meta_len) &&
        ModelFileSize(n, d, k, m, BiasOf(flags), meta_len) <= NRC_MODEL_FILE_MAX ==>
        \result == ModelFileSize(n, d, k, m, BiasOf(flags), meta_len);
    ensures rejected: !(SizesInCaps(n, d, k, m, meta_len) &&
        ModelFileSize(n, d, k, m, BiasOf(flags), meta_len) <= NRC_MODEL_FILE_MAX) ==>
        \result == 0;
*/
uint64_t nrc_model_file_size(uint64_t n, uint64_t d, uint64_t k, uint64_t m,
                             uint32_t flags, uint64_t meta_len);

/* ---- Pure pieces of the reader (no allocation, no I/O), shared by
 * nrc_model_read / nrc_model_parse and meant for Frama-C WP. ---- */

/* The 64-byte header, decoded field by field (little-endian). */
typedef struct nrc_model_header {
    uint32_t version, flags;
    uint64_t n, d, k, m, meta_len, reserved;
} nrc_model_header;

/* Byte offsets of every section of a file with given sizes; off_b == off_v
 * when there are no biases. total = off_sum + 32 = the file length. */
typedef struct nrc_model_layout {
    uint64_t off_W, off_b, off_v, off_X, off_y, off_Xt, off_yt, off_meta,
        off_sum, total;
} nrc_model_layout;

#ifdef __FRAMAC__
#include "nrc_layout_acsl.h"  /* spec/acsl: predicates on the two structs */
#endif

/* Compute the layout with checked arithmetic. Returns 0 on success, 1 when a
 * size exceeds its cap (NRC_MODEL_DIM_MAX, NRC_MODEL_META_MAX), 2 when a
 * product or sum overflows 64 bits, 3 when total > NRC_MODEL_FILE_MAX (or
 * does not fit size_t). */
/*@ requires valid_L: \valid(L);
    assigns *L;
    behavior over_cap:
      assumes !SizesInCaps(n, d, k, m, meta_len);
      ensures \result == 1;
    behavior fits:
      assumes SizesInCaps(n, d, k, m, meta_len);
      assumes ModelFileSize(n, d, k, m, BiasOf(flags), meta_len) <= NRC_MODEL_FILE_MAX;
      ensures fits_ok: \result == 0;
      ensures fits_layout: LayoutOf(L, n, d, k, m, BiasOf(flags), meta_len);
      ensures fits_total: L->total == ModelFileSize(n, d, k, m, BiasOf(flags), meta_len);
    behavior too_big:
      assumes SizesInCaps(n, d, k, m, meta_len);
      assumes ModelFileSize(n, d, k, m, BiasOf(flags), meta_len) > NRC_MODEL_FILE_MAX;
      ensures \result == 2 || \result == 3;
    complete behaviors;
    disjoint behaviors;
*/
int nrc_model_layout_compute(uint64_t n, uint64_t d, uint64_t k, uint64_t m,
                             uint32_t flags, uint64_t meta_len,
                             nrc_model_layout *L);

/* Decode and check the header from the first len bytes of a file (len may be
 * less than 64: then the file is truncated, or has a bad magic). Checks, in
 * offset order: magic, version, flags, n, d, k >= 1, each size against its
 * cap, reserved == 0, then the layout (overflow, file cap). Does not look at
 * the file length: see nrc_model_check_length. NRC_ERR_INPUT on failure. */
/*@ requires valid_buf: \valid_read(buf + (0 .. len - 1));
    requires valid_name: \valid_read(name);   // a string: trusted, as nrc_error_set's %s arguments
    requires valid_out: \valid(h) && \valid(L);
    requires valid_err: err == \null || \valid(err);
    requires separated: \separated(h, L, err, buf + (0 .. len - 1));
    assigns *h, *L, err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures status: \result == NRC_OK || \result == NRC_ERR_INPUT;
    ensures accepted: \result == NRC_OK ==>
        len >= NRC_MODEL_HEADER_SIZE && HeaderLayout(h, L) &&
        L->total == ModelFileSize(h->n, h->d, h->k, h->m, BiasOf(h->flags), h->meta_len);
    ensures sum: \result == NRC_OK ==>
        L->off_sum + NRC_SHA256_SIZE == L->total && L->total <= NRC_MODEL_FILE_MAX;
    ensures decoded: \result == NRC_OK ==>
        h->version == LE32(buf + 8) && h->flags == LE32(buf + 12) &&
        h->n == LE64(buf + 16) && h->d == LE64(buf + 24) && h->k == LE64(buf + 32) &&
        h->m == LE64(buf + 40) && h->meta_len == LE64(buf + 48) &&
        h->reserved == LE64(buf + 56);
    ensures magic: \result == NRC_OK ==>
        buf[0] == 'N' && buf[1] == 'R' && buf[2] == 'C' && buf[3] == 'M' &&
        buf[4] == 'O' && buf[5] == 'D' && buf[6] == 'E' && buf[7] == 'L';
*/
nrc_status nrc_model_header_decode(const unsigned char *buf, size_t len,
                                   const char *name, nrc_model_header *h,
                                   nrc_model_layout *L, nrc_error *err);

/* The file length must equal L->total exactly (truncated / trailing bytes). */
/*@ requires \valid_read(L);
    requires \valid_read(name);   // a string: trusted, as nrc_error_set's %s arguments
    requires err == \null || \valid(err);
    assigns err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INPUT;
    ensures exact: \result == NRC_OK <==> file_len == L->total;
*/
nrc_status nrc_model_check_length(const nrc_model_layout *L, uint64_t file_len,
                                  const char *name, nrc_error *err);

/* Given a buffer of exactly L->total bytes whose header decoded to h, L:
 * the stored SHA-256 matches the preceding bytes. */
/*@ requires \valid_read(L);
    requires L->off_sum + NRC_SHA256_SIZE == L->total && L->total <= NRC_MODEL_FILE_MAX;
    requires \valid_read(buf + (0 .. L->total - 1));
    requires \valid_read(name);   // a string: trusted, as nrc_error_set's %s arguments
    requires err == \null || \valid(err);
    requires \separated(err, buf + (0 .. L->total - 1));
    assigns err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INPUT;
*/
nrc_status nrc_model_check_checksum(const unsigned char *buf,
                                    const nrc_model_layout *L,
                                    const char *name, nrc_error *err);

/* Given such a buffer: every real finite, every label (y, yt) exactly +-1,
 * metadata UTF-8 without NUL and a JSON object (jansson: the only part that
 * allocates; NRC_ERR_SYSTEM if it runs out of memory). */
/*@ requires \valid_read(h) && \valid_read(L) && HeaderLayout(h, L);
    requires \valid_read(buf + (0 .. L->total - 1));
    requires \valid_read(name);   // a string: trusted, as nrc_error_set's %s arguments
    requires err == \null || \valid(err);
    requires \separated(err, buf + (0 .. L->total - 1));
    assigns err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INPUT || \result == NRC_ERR_SYSTEM;
    ensures finite: \result == NRC_OK ==>
        RealsFinite(buf, L->off_W, h->k * h->d) && RealsFinite(buf, L->off_v, h->k) &&
        RealsFinite(buf, L->off_b, h->k * BiasOf(h->flags)) &&
        RealsFinite(buf, L->off_X, h->n * h->d) && RealsFinite(buf, L->off_Xt, h->m * h->d);
    ensures labels: \result == NRC_OK ==>
        RealsLabels(buf, L->off_y, h->n) && RealsLabels(buf, L->off_yt, h->m);
    ensures meta_utf8: \result == NRC_OK ==> NoNul(buf + L->off_meta, h->meta_len);
*/
nrc_status nrc_model_check_contents(const unsigned char *buf,
                                    const nrc_model_header *h,
                                    const nrc_model_layout *L,
                                    const char *name, nrc_error *err);

/* The JSON part of the metadata check (jansson, the only allocation of the
 * validator): p[0..len) parses as JSON (JSON_REJECT_DUPLICATES, no trailing
 * data) and is an object. off is the block's file offset, for messages.
 * NRC_ERR_INPUT when not, NRC_ERR_SYSTEM when jansson runs out of memory.
 * Not compiled under Frama-C (__FRAMAC__): an assumed contract there. */
/*@ requires \valid_read(p + (0 .. len - 1));
    requires \valid_read(name);   // a string: trusted, as nrc_error_set's %s arguments
    requires err == \null || \valid(err);
    assigns err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INPUT || \result == NRC_ERR_SYSTEM;
*/
nrc_status nrc_model_check_meta_json(const unsigned char *p, size_t len, uint64_t off,
                                     const char *name, nrc_error *err);

/* Strict UTF-8 (no overlong forms, no surrogates, <= U+10FFFF) and no NUL
 * byte. Returns len when valid, else the offset of the first bad byte. */
/*@ requires \valid_read(s + (0 .. len - 1));
    assigns \nothing;
    ensures \result <= len;
    ensures no_nul_before: NoNul(s, \result);
    ensures stops_at_bad: \result < len ==> s[\result] == 0 || s[\result] >= 0x80;
*/
size_t nrc_utf8_check(const unsigned char *s, size_t len);

#endif
