/* The certificate's min_flip member as the checker holds it
 * (spec/CERTIFICATE.md "min_flip", spec/MINFLIP.md sections 2-4): the
 * per-point claims parsed strictly from the JSON (check_parse.c) and the
 * companion file's tensors, read by the checker's own strict safetensors
 * reader after its SHA-256 matched the certificate's (check_companion.c).
 * Internal to src/check. */
#ifndef NRC_CHECK_MFCERT_H
#define NRC_CHECK_MFCERT_H
#include <stddef.h>
#include <stdint.h>
#include "nrc_check_cert.h"

/* One point's claims (entry r of min_flip.points, the point of flips[r]). */
typedef struct {
    int test;              /* 0: X[index], 1: Xt[index] */
    uint64_t index;
    int sign;              /* p: +1 / -1 */
    int upper;             /* upper.status is "certified" */
    double U;
    int strict;
    uint64_t row;          /* row of x_adv */
    int lower;             /* lower.status is "certified" */
    double D;
    uint64_t tok0, ntok;   /* tree[tok0 .. tok0 + ntok) */
    uint64_t leaf0, nleaves;   /* rows [leaf0, leaf0 + nleaves) of beta, rho */
} nrc_cmf_point;

struct nrc_cmf {
    char file[256];        /* companion.file: a plain file name */
    char sha256[65];       /* companion.sha256, lower-case hex */
    nrc_cmf_point *pts;    /* (n_pts) = one per flip entry */
    size_t n_pts;
    /* the companion's tensors (all NULL until nrc_check_mf_attach) */
    int attached;
    double *x_adv;         /* (rows_x, d) */
    double *beta, *rho;    /* (rows_l, k) */
    int32_t *tree;         /* (ntree) */
    uint64_t rows_x, rows_l, ntree;
};
typedef struct nrc_cmf nrc_cmf;

/* Release *mf and everything it holds (NULL is fine). */
void nrc_cmf_free(nrc_cmf *mf);

/* Attach the companion file's bytes (name: for messages) to C->mf: its
 * SHA-256 must equal C->mf->sha256 (compared before anything else is
 * read), then the strict safetensors layout (spec/CERTIFICATE.md
 * "min_flip": exactly x_adv F64 (P, d), beta and rho F64 (Lt, k), tree I32
 * (T), an optional __metadata__, every offset and size checked against the
 * file, the data without holes, every value finite), then every certified
 * claim's row and ranges inside their tensors. NRC_ERR_INPUT "name:
 * problem" otherwise, NRC_ERR_SYSTEM when memory runs out. */
nrc_status nrc_check_mf_attach(nrc_cert *C, const unsigned char *buf, size_t len,
                               const char *name, nrc_error *err);

#endif
