/* `certify MODEL`: the claim pipeline (spec/CERTIFY.md, spec/CERTIFICATE.md).
 *
 * nrc_certify_run decides every claim of the certificate for a model with a
 * given engine (include/certify/nrc_engine.h) and the exact arbiter; the result is a
 * plain struct that the writer turns into the certificate JSON and the
 * summary text.  A claim is marked certified only when it was decided from
 * engine enclosures or by the exact arbiter; search results (lambda, the
 * crossing t*, the scale s) are untrusted inputs to those decisions. */
#ifndef NRC_CERTIFY_H
#define NRC_CERTIFY_H
#include <stddef.h>
#include "nrc_engine.h"
#include "nrc_model.h"
#include "nrc_status.h"

enum { NRC_POINTS_TRAIN = 1, NRC_POINTS_TEST = 2, NRC_POINTS_ALL = 3 };

typedef struct {
    int points;          /* NRC_POINTS_* */
    int margin_dir;      /* 0: direction over all training points; 1: margin set */
    double tau;          /* margin set {i : q_i <= (1 + tau) q_min}, tau >= 0 */
    const char *tau_text;/* the user's spelling of tau, for options.direction */
    double kink_tol;     /* --kink-tol: near-kink candidates |a_ij| <= kink_tol
                          * ||(w_j, b_j)|| ||(x_i, [1])|| (binary64 search
                          * values); default 2^-40, 0 = exact zeros only */
    int min_flip;        /* --min-flip: the min_flip claims of every point of
                          * `points` (spec/CERTIFICATE.md "min_flip") */
    const char *min_flip_name;  /* the companion file's name as the
                          * certificate states it (UTF-8, no directory) */
    /* progress of long steps (min_flip), or NULL: done of total points */
    void (*progress)(void *ctx, const char *step, size_t done, size_t total);
    void *progress_ctx;
} nrc_certify_options;

void nrc_certify_options_default(nrc_certify_options *o);

typedef enum {
    NRC_FLIP_CERTIFIED = 0,
    NRC_FLIP_UNDECIDED = 1,
    NRC_FLIP_NONE = 2
} nrc_flip_status;

typedef struct {
    int set;              /* 0 train, 1 test */
    size_t index;
    int sign;             /* p: +1, -1, or 0 when N(x) = 0 exactly (undecided) */
    double scale;         /* s (certified only) */
    double delta_upper;   /* U */
    double x_norm_lower;
    double dist_lower;    /* D */
    nrc_flip_status status;
    const char *reason;   /* static string, NULL for certified */
    int used_arbiter;     /* the flip at s needed the exact arbiter */
} nrc_flip;

/* One point of the min_flip claims (spec/CERTIFICATE.md "min_flip"), in
 * the order of the flip entries. Claim U: x_adv row `row` of the companion
 * file with p N(x_adv) <= 0 (< 0 when strict) and ||x_adv - x|| <= U.
 * Claim D: p N > 0 on the open ball of radius D, by the split tree of
 * tokens [tok0, tok0 + ntok) and the leaf rows [leaf0, leaf0 + nleaves) of
 * the companion file. */
typedef struct {
    int set;              /* 0 train, 1 test */
    size_t index;
    int sign;             /* p: +1, -1, or 0 when N(x) = 0 exactly */
    int upper_ok, strict;
    double U;
    size_t row;
    int lower_ok;
    double D;
    size_t tok0, ntok, leaf0, nleaves;
    const char *upper_reason, *lower_reason;   /* static, when not certified */
    /* informative (summary, never in the certificate's claims) */
    double U_paper;       /* the flip entry's certified U, NAN when none */
    size_t nodes;         /* branch and bound nodes solved */
} nrc_mf_entry;

/* Exact fallback (spec/CERTIFY.md "When the engines agree"): which written
 * quantities were decided on the exact value's tightest binary64
 * enclosure because the engine's enclosure left a verdict open. */
enum {
    NRC_REFINED_THETA = 1u << 0,      /* ||theta||^2, ||w_j||^2 */
    NRC_REFINED_MARGIN = 1u << 1,     /* min margin (normalized margin) */
    NRC_REFINED_RMIN = 1u << 2,       /* R_min^2 */
    NRC_REFINED_RMAX = 1u << 3,       /* R_max^2 */
    NRC_REFINED_RHO = 1u << 4,        /* rho, and eps_data from it */
    NRC_REFINED_GAMMA = 1u << 5,      /* gamma_z */
    NRC_REFINED_KKT = 1u << 6,        /* the KKT bounds */
    NRC_REFINED_MINFLIP = 1u << 7,    /* min_flip: a_j(x) of claim D */
    NRC_REFINED_COUNT = 8
};

enum { NRC_PHASE_FORWARD, NRC_PHASE_DATA, NRC_PHASE_FLIPS, NRC_PHASE_KKT,
       NRC_PHASE_OTHER, NRC_PHASE_MINFLIP, NRC_PHASE_COUNT };

/* What the model's metadata says about its training (train's "result" and
 * "polish" members, spec/TRAINING.md): binary64 values from training,
 * informative for the summary, never certified. A number the metadata does
 * not have is NaN; other training tools' models have no record. */
typedef struct {
    int present;               /* train's "result" member is there */
    double steps, loss, log_loss, min_margin, normalized_margin;  /* the file's network */
    int polish;                /* -1 no record, 0 off, 1 the polish ran */
    int adopted;               /* the file holds the polished network */
    char outcome[24];          /* "converged", "not-converged", ... */
    double gd_loss, gd_min_margin, gd_normalized_margin, gd_eps_rel;   /* before */
    double pol_loss, pol_min_margin, pol_normalized_margin, pol_eps_rel; /* after */
} nrc_train_record;

typedef struct {
    /* model */
    size_t n, d, k, m;
    int bias, fixed_v;
    char sha256_hex[65];
    const char *engine;
    nrc_certify_options opt;
    /* direction: NULL = all */
    size_t *dir_idx;
    size_t dir_len;
    /* fit */
    int all_correct;
    double min_margin[2], normalized_margin[2], theta_norm_sq[2];
    /* data */
    double R_min_sq[2], R_max_sq[2], rho[2], eps_data[2], gamma_z[2], z_norm_sq[2];
    size_t n_pos, n_neg;
    int regime;
    /* lipschitz */
    double *neuron_norm_upper;   /* k */
    double L_upper;
    /* flips */
    nrc_flip *flips;
    size_t nflips;
    /* kkt */
    int kkt_certified;
    const char *kkt_reason;      /* when not-applicable */
    double *lambda;              /* n (NULL when not applicable) */
    size_t *kinks;               /* pairs (i, j), ascending */
    double *kink_g;              /* g at each kink, in [0, 1] */
    size_t nkinks;
    size_t nkinks_exact;         /* listed pairs with a_ij = 0 exactly */
    double kink_tolerance;       /* eta: |a_ij| <= eta at every listed pair
                                  * (0 when only exact zeros are listed) */
    double eps_rel_upper, eps_upper, delta_upper, balance_defect_upper;
    /* min_flip (only with opt.min_flip): one entry per flip entry, and the
     * companion file's image (safetensors) and SHA-256 */
    nrc_mf_entry *mf;
    size_t nmf;
    unsigned char *mf_data;
    size_t mf_len;
    char mf_sha256_hex[65];
    size_t mf_rows, mf_tokens, mf_leaves;   /* tensor sizes in the companion */
    /* robust reference */
    int robust_certified;
    double robust_radius;
    /* the training record of the model's metadata (informative) */
    nrc_train_record train;
    /* theory (informative, binary64 approximations) */
    double th_z_norm, th_z_over_n, th_bound_median, th_bound_max;
    int th_valid;
    /* quantities an engine's enclosure left undecided, replaced by the
     * exact value's tightest enclosure (NRC_REFINED_* bits; informative) */
    unsigned refined;
    /* counters and timings (stdout only, never in the certificate) */
    size_t arbiter_preact, arbiter_N, arbiter_flip;
    double seconds[NRC_PHASE_COUNT];
} nrc_certify_result;

void nrc_certify_result_init(nrc_certify_result *C);
void nrc_certify_result_clear(nrc_certify_result *C);

/* Decide every claim. NRC_OK when the run completed (claims may still be
 * undecided); other statuses for memory (NRC_ERR_SYSTEM), inputs the
 * certificate cannot represent (NRC_ERR_INPUT, e.g. a zero training point or
 * values whose squares leave the binary64 range) and bugs (NRC_ERR_INTERNAL).
 * sha256_hex of the model file must be set in C by the caller (or left
 * empty for in-memory models). */
nrc_status nrc_certify_run(const nrc_model *M, const nrc_certify_options *o,
                           nrc_engine *e, nrc_certify_result *C, nrc_error *err);

/* 1 iff every requested claim is certified: fit.all_correct, every flip,
 * kkt and robust_reference, and with min_flip both claims of every point
 * (the exit-0 condition). */
int nrc_certify_all_certified(const nrc_certify_result *C);

/* The certificate JSON (spec/CERTIFICATE.md), byte-reproducible; *out is
 * NUL-terminated, allocated with nrc_malloc. */
nrc_status nrc_certify_to_json(const nrc_certify_result *C, char **out, size_t *len,
                            nrc_error *err);

/* The human summary (several lines, ends with a newline; spec/CERTIFY.md
 * "The summary"): informative, never claiming more than the certificate;
 * the reasons of what is not certified, the training record of the model's
 * metadata, vacuous KKT bounds said in words. */
nrc_status nrc_certify_summary(const nrc_certify_result *C, const char *model_name,
                            char **out, nrc_error *err);

/* --emit-examples: the binary64 adversarial points x' = fl(x - p s z) of the
 * certified flips, each certified separately at its exact binary64
 * coordinates (p N(x') < 0) with the engine and the arbiter; the file format
 * is in spec/CERTIFY.md.  *n_ok counts the examples certified. */
nrc_status nrc_certify_examples(const nrc_model *M, const nrc_certify_result *C, nrc_engine *e,
                             char **out, size_t *len, size_t *n_ok,
                             size_t *n_total, nrc_error *err);

#endif
