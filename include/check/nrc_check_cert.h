/* The checker's view of a certificate (spec/CERTIFICATE.md, spec/CHECK.md):
 * a strict parser from JSON to plain numbers (check_parse.c) and the exact
 * evaluation of every certified claim against a model (check_claims.c).
 * Shares no numeric code with the certifier: only the model reader. */
#ifndef NRC_CHECK_CERT_H
#define NRC_CHECK_CERT_H
#include <stddef.h>
#include <stdint.h>
#ifdef __FRAMAC__
typedef struct json_t json_t;   /* make proofs: jansson's type, opaque */
#else
#include <jansson.h>
#endif
#include "nrc_model.h"
#include "nrc_status.h"

enum { NRC_CFLIP_CERTIFIED = 0, NRC_CFLIP_UNDECIDED = 1, NRC_CFLIP_NONE = 2 };
enum { NRC_CPOINTS_TRAIN = 0, NRC_CPOINTS_TEST = 1, NRC_CPOINTS_ALL = 2 };

typedef struct {
    int test;             /* 0: X[index], 1: Xt[index] */
    uint64_t index;
    int sign;             /* +1 / -1 */
    int status;           /* NRC_CFLIP_* */
    double s, U, x_norm_lower, D;  /* s, U, D only meaningful when certified */
    int has_D;            /* dist_lower present (an addition to FORMATS.md) */
} nrc_cflip;

typedef struct {
    uint64_t i, j;
    double g;
} nrc_ckink;

typedef struct {
    /* model */
    char sha256[65];
    uint64_t n, d, k, m;
    int bias, fixed_second_layer;
    int has_fixed_second_layer;  /* model.fixed_second_layer present */
    /* options (absent: points inferred from the flips array) */
    int has_options;
    int points;                  /* NRC_CPOINTS_* */
    /* direction */
    int dir_all;
    uint64_t *indices;           /* ascending, distinct, < n */
    size_t n_indices;
    /* fit */
    int all_correct;
    double min_margin[2], normalized_margin[2], theta_norm_sq[2];
    int has_theta_norm_sq;
    /* data */
    double R_min_sq[2], R_max_sq[2], rho[2], eps_data[2], gamma_z[2], z_norm_sq[2];
    uint64_t n_pos, n_neg;
    int regime;
    /* lipschitz (absent: no Lipschitz claim, and no dist_lower allowed) */
    int has_lipschitz;
    double *neuron_norm_upper;   /* (k) */
    double L_upper;
    /* flips */
    nrc_cflip *flips;
    size_t n_flips;
    /* kkt */
    int kkt_certified, kkt_fixed;
    int kkt_variant_given;       /* kkt.variant present; else the model's flag */
    double kink_tolerance;       /* eta, 0 when absent (sign checked as a claim) */
    double *lambda;              /* (n), NULL unless certified */
    nrc_ckink *kinks;
    size_t n_kinks;
    double eps_rel_upper, eps_upper, delta_upper, balance_defect_upper;
    /* robust_reference */
    int robust_certified;
    double radius_lower;
    /* min_flip (absent: NULL, nothing claimed); its companion's tensors
     * once attached (include/check/nrc_check_mfcert.h) */
    struct nrc_cmf *mf;
} nrc_cert;

#ifdef __FRAMAC__
#include "nrc_check_acsl.h"   /* spec/acsl: nrc_check_model_ok, nrc_check_cert_ok */
#endif

void nrc_cert_init(nrc_cert *C);
void nrc_cert_clear(nrc_cert *C);

/* Strict parse of a certificate object (every member FORMATS.md lists is
 * required; the implementation's additions that spec/CERTIFICATE.md names in
 * "Certificates written from FORMATS.md alone" are optional and checked when
 * present; every claimed number must be an exact binary64 hex string).
 * NRC_ERR_INPUT with "member.path: problem" for anything malformed,
 * NRC_ERR_SYSTEM when memory runs out. */
nrc_status nrc_cert_parse(json_t *root, nrc_cert *C, nrc_error *err);

/* Counts of what was checked, and the first false claim. */
typedef struct {
    int valid;                 /* 1: every claim holds; 0: see claim/err */
    char claim[160];           /* member path of the first false claim */
    size_t fit, data, lipschitz, kkt, robust;   /* exact claims checked */
    size_t flips_train, flips_test, flips_other;
    int lipschitz_present;     /* lipschitz member present (an addition) */
    double kink_tolerance;     /* eta of a checked kkt claim (0: exact kinks) */
    /* min_flip (nrc_check_min_flip): certified upper / lower claims
     * checked, the leaves of their trees (vacuous: accepted because an
     * interval is empty), claims with status "none" */
    int mf_present;
    size_t mf_upper, mf_lower, mf_leaves, mf_vacuous, mf_none;
} nrc_check_report;

/* Evaluate every certified claim of C against model M exactly.
 * model_sha256 is the SHA-256 of the model file's bytes as read.
 * Returns NRC_OK with rep->valid = 1 (valid) or 0 (err holds the first false
 * claim "path: what was computed"); NRC_ERR_INPUT when C does not fit M
 * (sizes, flags); NRC_ERR_SYSTEM when memory runs out.
 * No assigns clause: besides *rep and the message it writes only the
 * workspace it allocates and releases (src/check/check_claims.c). */
/*@ requires nrc_check_model_ok((nrc_model *)M) && nrc_check_cert_ok((nrc_cert *)C);
    requires \valid_read(model_sha256 + (0 .. 31));
    requires \valid(rep) && (err == \null || \valid(err));
    requires \separated(C, M, rep) && (err == \null || \separated(err, C, M, rep));
    ensures \result == NRC_OK || \result == NRC_ERR_INPUT || \result == NRC_ERR_SYSTEM ||
            \result == NRC_ERR_INTERNAL;
    ensures \result != NRC_OK ==> rep->valid == 0;
*/
nrc_status nrc_check_claims(const nrc_cert *C, const nrc_model *M,
                            const unsigned char model_sha256[32],
                            nrc_check_report *rep, nrc_error *err);

/* Whole check from file images: parse both, hash, evaluate.  Messages are
 * prefixed with cert_name / model_name. */
nrc_status nrc_check_buffers(const unsigned char *cert, size_t cert_len,
                             const char *cert_name,
                             const unsigned char *model, size_t model_len,
                             const char *model_name,
                             nrc_check_report *rep, nrc_error *err);

/* The same with the min_flip companion file (spec/CHECK.md "min_flip and
 * its companion file"): when the certificate has a min_flip member, the
 * companion is read from mf_path, or when mf_path is NULL from the file
 * min_flip.companion.file in cert_name's directory; its SHA-256 must equal
 * min_flip.companion.sha256 (check_companion.c). A companion that is
 * missing, differs or is malformed is NRC_ERR_INPUT naming the file.
 * nrc_check_buffers reads no companion: a certificate with a min_flip
 * member is then not valid (claim min_flip.companion: not verified). */
nrc_status nrc_check_buffers_mf(const unsigned char *cert, size_t cert_len,
                                const char *cert_name,
                                const unsigned char *model, size_t model_len,
                                const char *model_name, const char *mf_path,
                                nrc_check_report *rep, nrc_error *err);

/* The same for a model buffer the caller gives away (certify --check and
 * nrc-check): *model (from nrc_malloc) is released and set to NULL as soon
 * as it is parsed and hashed, before the claims are evaluated, so that the
 * check does not hold the file's bytes besides the model's arrays (one
 * model size less at the peak). Its SHA-256 into model_sha256 (also on
 * failure after the parse; unspecified before it). */
nrc_status nrc_check_buffers_mf_take(const unsigned char *cert, size_t cert_len,
                                     const char *cert_name, unsigned char **model,
                                     size_t model_len, const char *model_name,
                                     const char *mf_path, unsigned char model_sha256[32],
                                     nrc_check_report *rep, nrc_error *err);

#endif
