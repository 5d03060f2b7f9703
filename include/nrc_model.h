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

void nrc_model_init(nrc_model *M);
void nrc_model_clear(nrc_model *M);   /* accepts an initialized or cleared model */

/* Allocate arrays for the given sizes (zero-filled; b only with the bias
 * flag). meta stays NULL. Checks the caps; on failure M is left cleared. */
nrc_status nrc_model_alloc(nrc_model *M, uint64_t n, uint64_t d, uint64_t k,
                           uint64_t m, uint32_t flags, nrc_error *err);

/* Set the metadata (copied; must be a valid UTF-8 JSON object). */
nrc_status nrc_model_set_meta(nrc_model *M, const char *json, size_t len,
                              nrc_error *err);

/* Parse and validate a complete file image.  name is used in messages
 * ("name: offset 64: field W[3][7]: ...").  Every check of FORMATS.md:
 * magic, version, flags, reserved, size products and sums without overflow,
 * caps, exact length, finite reals, labels +-1, metadata UTF-8 JSON object,
 * checksum.  Returns NRC_ERR_INPUT for a bad file, NRC_ERR_SYSTEM when
 * memory runs out; M is untouched on failure. */
nrc_status nrc_model_parse(const unsigned char *buf, size_t len, const char *name,
                           nrc_model *M, nrc_error *err);

/* Read path (bounded by the header's own size claim) and parse it. */
nrc_status nrc_model_read(const char *path, nrc_model *M, nrc_error *err);

/* Serialize to a freshly allocated buffer (free with nrc_free); validates M
 * the same way the reader would (finite reals, labels, metadata). */
nrc_status nrc_model_serialize(nrc_model *M, unsigned char **buf, size_t *len,
                               nrc_error *err);

/* Serialize and write atomically. */
nrc_status nrc_model_write(const char *path, nrc_model *M, nrc_error *err);

/* Total file size for given sizes, or 0 on overflow / over the caps. */
uint64_t nrc_model_file_size(uint64_t n, uint64_t d, uint64_t k, uint64_t m,
                             uint32_t flags, uint64_t meta_len);

#endif
