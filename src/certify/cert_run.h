/* Private to src/certify: the working state of one `certify` run and the
 * interface of its claim modules (spec/CERTIFY.md "How each claim is
 * decided", spec/CERTIFY.md "How to add a claim").
 *
 * nrc_certify_run (cert_run.c) allocates the run's arrays from one size
 * table, then runs the steps of claims.c in order; each step is one claim
 * family (claim_fit.c, claim_data.c, claim_lipschitz.c, claim_flips.c,
 * claim_kkt.c, claim_robust.c) or the informative theory (cert_theory.c),
 * and decides its members of nrc_certify_result from engine enclosures
 * (include/certify/nrc_engine.h) and the exact arbiter
 * (include/certify/nrc_exact.h). The writer (cert_json.c) emits the members
 * of claims.c in certificate order, each by its module's emitter.
 *
 * Dimension letters: n training points, m test points, d inputs, k width;
 * arrays are row-major, shapes in the comments. */
#ifndef NRC_CERT_RUN_H
#define NRC_CERT_RUN_H
#include <stddef.h>
#include <jansson.h>
#include "nrc_certify.h"
#include "nrc_engine.h"
#include "nrc_exact.h"
#include "nrc_model.h"
#include "nrc_status.h"
#include "cert_ws.h"

typedef struct {
    const nrc_model *M;
    nrc_engine *e;
    nrc_certify_result *C;
    size_t n, d, k, m;
    const double *b;          /* NULL without biases */
    /* pre-activation enclosures with decided signs: (n, k) train, (m, k) test */
    double *Alo, *Ahi, *Tlo, *Thi;
    unsigned char *kink;      /* (n, k): listed in kkt.kinks: 1 a_ij == 0
                               * exactly, 2 a near-kink (0 < |a_ij| <= eta,
                               * chosen by the kkt step); g_ij is free there */
    signed char *Asgn;        /* (n, k): exact sign of a_ij (g_ij = Asgn > 0);
                               * NOT lo > 0: a tiny positive a_ij may round
                               * down to lo = 0 */
    /* N(x) enclosures (n), (m) and their exact signs */
    double *Nlo, *Nhi, *NTlo, *NThi;
    int *sgn, *sgnT;
    /* ||x||^2 enclosures (n), (m) */
    double *xlo, *xhi, *xtlo, *xthi;
    /* z exactly (d) and c = W z exactly (k, computed on first use) */
    nrc_xvec z, cz;
    int cz_ready;
    double *zlo, *zhi, *clo, *chi;   /* (d) enclosure of z, (k) of W z */
    double *wlo, *whi;        /* (k) ||w_j||^2 enclosures */
    double *G;                /* (n, n) fl(X X^T) (nrc_gram_sym_d): the
                               * midpoint of the Gram enclosure and the
                               * NNLS Gram of every engine */
    /* Search inputs (untrusted, engine-independent so that every engine
     * reaches the same verdicts): plain binary64 pre-activations
     * fl(X W^T) + b (n, k), fl(Xt W^T) + b (m, k), c = fl(W fl(z)) (k) and
     * fl(z) (d), all from nrc_dgemm / nrc_dgemv. */
    double *Ad, *ATd, *cd, *zd;
} nrc_cert_run;

/* ------------------------------------------------------------ shared steps */
/* Exact pre-activations of one point x (d): a->v[j] = <w_j, x> + b_j. */
void nrc_cert_exact_preacts(const nrc_cert_run *R, const double *x, nrc_xvec *a);

/* [slo, shi] encloses sum_t [lo_t, hi_t] (len terms), slo clamped at 0:
 * for sums of non-negative terms. */
void nrc_cert_sum_nonneg(size_t len, const double *lo, const double *hi, double *slo,
                         double *shi);

/* 1 when both ends of an enclosure are finite. */
int nrc_cert_finite2(const double e[2]);

/* C = fl(A A^T) (r, r), ldc, for A (r, q), lda: exactly symmetric, every
 * entry a round-to-nearest dot product (a valid gemm_mid midpoint), the
 * same bits for any thread count (claim_data.c). */
void nrc_gram_sym_d(size_t r, size_t q, const double *A, size_t lda, double *C, size_t ldc);

/* The untrusted multipliers of the KKT claim (kkt_search.c): lambda (n) >= 0
 * and g (n, k) in [0, 1] at the listed pairs (R->kink); kg must start 0.
 * NRC_ERR_SYSTEM on memory failure only. */
nrc_status nrc_kkt_lambda_d(const nrc_cert_run *R, double *lambda, double *kg, nrc_error *err);

/* How many listed pairs (R->kink) need an NNLS unknown (kkt_search.c):
 * every listed pair except those of exactly zero neurons (w_j = 0 and b_j
 * = 0). Such a neuron's pairs are all exact kinks whose columns only feed
 * that neuron's decoupled residual block, where g = 0 is optimal; they are
 * still listed, with g = 0. Returns SIZE_MAX on memory failure. */
size_t nrc_kkt_kink_unknowns(const nrc_cert_run *R);

/* ------------------------------------------------------------ exact fallback
 * (cert_refine.c) The tightest binary64 enclosure [RD(x), RU(x)] of an
 * exact value; the exact extreme of items whose enclosures are known,
 * evaluating exactly only the candidates: nrc_refine_cands keeps the items
 * that can attain the max (hi_i >= max lo) or min (lo_i <= min hi), out
 * holding cnt entries; nrc_refine_extreme evaluates them best bound first
 * until the exact value found beats every remaining bound (returns how many
 * were evaluated; nc >= 1). Items: ||x_i||^2 (id i), |<x_i, x_l>| (id
 * i n + l), y_i <x_i, z> (id i), y_i N(x_i) (id i, ctx an nrc_xvec of k). */
typedef struct {
    double bound;
    size_t id;
} nrc_cand;
typedef void (*nrc_exact_item)(const nrc_cert_run *R, void *ctx, size_t id, arf_t out);

void nrc_refine_tight(const arf_t x, double e[2]);
size_t nrc_refine_cands(size_t cnt, const double *lo, const double *hi, int want_max,
                        nrc_cand *out);
size_t nrc_refine_extreme(const nrc_cert_run *R, nrc_cand *c, size_t nc, int want_max,
                          nrc_exact_item f, void *ctx, arf_t out);
void nrc_refine_sqnorm_x(const nrc_cert_run *R, void *ctx, size_t i, arf_t out);
void nrc_refine_gram_abs(const nrc_cert_run *R, void *ctx, size_t id, arf_t out);
void nrc_refine_gamma_item(const nrc_cert_run *R, void *ctx, size_t i, arf_t out);
void nrc_refine_margin_item(const nrc_cert_run *R, void *ctx, size_t i, arf_t out);

/* The inputs of the KKT bounds (claim_kkt.c): r2hi >= ||r||^2, Tlo <=
 * ||theta||^2 over the coordinates of r, 0 < qmin <= q_min, qhi[i] >= q_i
 * (n), [wlo_j, whi_j] containing ||w_j||^2 (k), theta_lo <= ||theta||^2.
 * nrc_kkt_exact_inputs (kkt_exact.c) fills them from the exact values
 * (r from lambda and the listed g, kg (n, k)): the fallback when the
 * engine's inputs give a bound that is not finite. qhi, wlo, whi point to
 * the caller's arrays. */
typedef struct {
    double r2hi, Tlo, qmin, theta_lo;
    double *qhi, *wlo, *whi;
} nrc_kkt_in;

nrc_status nrc_kkt_exact_inputs(const nrc_cert_run *R, const double *kg, int full,
                                nrc_kkt_in *in, nrc_error *err);

/* ||w_j||^2 (R->wlo, R->whi) and ||theta||^2 replaced by the exact values
 * rounded outward (claim_fit.c). */
void nrc_cert_refine_theta(nrc_cert_run *R);

/* NRC_ERR_SYSTEM "out of memory (what)". */
nrc_status nrc_cert_oom(nrc_error *err, const char *what);

/* ------------------------------------------------------------ claim steps
 * Each decides its members of R->C; NRC_OK when the step completed (claims
 * may be undecided), else NRC_ERR_SYSTEM (memory), NRC_ERR_INPUT (values the
 * certificate cannot state) or NRC_ERR_INTERNAL. Run in the order of
 * claims.c: fit, direction, data, lipschitz, flips, kkt, robust, theory. */
nrc_status nrc_claim_fit_decide(nrc_cert_run *R, nrc_error *err);
nrc_status nrc_claim_direction_decide(nrc_cert_run *R, nrc_error *err);
nrc_status nrc_claim_data_decide(nrc_cert_run *R, nrc_error *err);
nrc_status nrc_claim_lipschitz_decide(nrc_cert_run *R, nrc_error *err);
nrc_status nrc_claim_flips_decide(nrc_cert_run *R, nrc_error *err);
nrc_status nrc_claim_kkt_decide(nrc_cert_run *R, nrc_error *err);
nrc_status nrc_claim_robust_decide(nrc_cert_run *R, nrc_error *err);
/* min_flip (claim_minflip.c): nothing unless C->opt.min_flip; then every
 * point's claims, the companion file's image and its SHA-256 in R->C. */
nrc_status nrc_claim_minflip_decide(nrc_cert_run *R, nrc_error *err);
nrc_status nrc_cert_theory_compute(nrc_cert_run *R, nrc_error *err);
/* The training record of the model's metadata into R->C->train (informative;
 * never fails: absent or foreign metadata gives no record). */
nrc_status nrc_cert_training_read(nrc_cert_run *R, nrc_error *err);

/* ------------------------------------------------------------ emitters
 * The value of one certificate member (spec/CERTIFICATE.md), a new
 * reference, or NULL when memory runs out. */
json_t *nrc_cert_format_json(const nrc_certify_result *C);
json_t *nrc_cert_version_json(const nrc_certify_result *C);
json_t *nrc_cert_tool_json(const nrc_certify_result *C);
json_t *nrc_cert_model_json(const nrc_certify_result *C);
json_t *nrc_cert_semantics_json(const nrc_certify_result *C);
json_t *nrc_cert_options_json(const nrc_certify_result *C);
json_t *nrc_claim_direction_json(const nrc_certify_result *C);
json_t *nrc_claim_fit_json(const nrc_certify_result *C);
json_t *nrc_claim_data_json(const nrc_certify_result *C);
json_t *nrc_claim_lipschitz_json(const nrc_certify_result *C);
json_t *nrc_claim_flips_json(const nrc_certify_result *C);
json_t *nrc_claim_kkt_json(const nrc_certify_result *C);
json_t *nrc_claim_robust_json(const nrc_certify_result *C);
json_t *nrc_claim_minflip_json(const nrc_certify_result *C);
/* Whether the min_flip member is written (--min-flip). */
int nrc_claim_minflip_present(const nrc_certify_result *C);
json_t *nrc_cert_theory_json(const nrc_certify_result *C);
json_t *nrc_cert_summary_json(const nrc_certify_result *C);

/* JSON building blocks (cert_json.c): a hex (glibc's %a, zeros as +0), an
 * enclosure [lo, hi] of two hex, a JSON number or null when not finite;
 * NULL when memory runs out. nrc_json_put sets o[key] = v, stealing v, and
 * records a failure (o or v NULL, or no memory) in *bad. */
json_t *nrc_json_hex(double x);
json_t *nrc_json_enc(const double e[2]);
json_t *nrc_json_num(double x);
void nrc_json_put(json_t *o, const char *key, json_t *v, int *bad);
void nrc_json_push(json_t *a, json_t *v, int *bad);
/* o when nothing failed, else NULL (o released). */
json_t *nrc_json_done(json_t *o, int bad);

/* ------------------------------------------------------------ registry
 * claims.c: the claim families in the order they are decided (steps) and
 * the certificate's members in the order they are written (members). */
typedef struct {
    const char *name;
    int phase;   /* NRC_PHASE_*: where its seconds are counted */
    nrc_status (*decide)(nrc_cert_run *R, nrc_error *err);
} nrc_cert_step;

typedef struct {
    const char *member;
    json_t *(*emit)(const nrc_certify_result *C);
    /* NULL: always written; else written only when it returns non-zero (a
     * member an option asks for) */
    int (*present)(const nrc_certify_result *C);
} nrc_cert_member;

extern const nrc_cert_step nrc_cert_steps[];
extern const size_t nrc_cert_nsteps;
extern const nrc_cert_member nrc_cert_members[];
extern const size_t nrc_cert_nmembers;

#endif
