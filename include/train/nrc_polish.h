/* KKT polishing of a trained network (spec/POLISH.md, MATH.md section 4).
 * Search level: untrusted binary64 (names end in _d).  Nothing here is a
 * certificate; `certify` re-derives every claim from the stored doubles.
 *
 * After gradient descent, `train` solves (P) min 1/2 ||theta||^2 s.t.
 * q_i(theta) >= 1 locally, within the activation pattern G (n,k) of the GD
 * network (g_ij = 1[a_ij > 0]) and the signs of v, in the reduced variables
 * (lambda (n), s = v^2 (k)):
 *   Phi(s)  = max_{lambda >= 0} 1^T lambda - 1/2 lambda^T H(s) lambda,
 *   H(s)    = Kt o (G diag(s) G^T),  Kt_il = y_i y_l (<x_i, x_l> + [bias]),
 *   Psi(s)  = Phi(s) + 1/2 sum_j s_j      (convex in s >= 0),
 * and materializes w_j = v_j u_j, u_j = sum_i lambda_i y_i g_ij (x_i, 1),
 * v_j = sign_j sqrt(s_j).  The pattern is then re-read from the
 * materialized pre-activations and the solve repeated until it no longer
 * changes.  Shapes as in nrc_train.h: X (n,d), y (n), W (k,d), b (k) or
 * NULL, v (k). */
#ifndef NRC_POLISH_H
#define NRC_POLISH_H
#include <stddef.h>
#include <stdint.h>
#include "nrc_status.h"
#include "nrc_train.h"

/* Approximate KKT quantities of MATH.md section 4 for one network, in
 * binary64 (untrusted): the same definitions certify uses (g_ij = 1[a_ij >
 * 0], exact zeros count as g = 0; lambda from NNLS on the Gram of the h_i;
 * residual r = theta - sum_i lambda_i h_i formed in parameter space).
 * With fix_v, theta and h_i are restricted to (W, b). */
typedef struct {
    double q_min;        /* min_i q_i */
    double theta_sq;     /* ||(W, b, v)||^2 */
    double norm_margin;  /* q_min / ||theta||^2 (fix_v: q_min / ||(W,b)||) */
    double eps_rel;      /* ||r|| / ||theta|| (same coordinates as r) */
    double eps;          /* ||r|| / sqrt(q_min) (fix_v: ||r|| / q_min) */
    double delta;        /* sum_i lambda_i (q_i / q_min - 1) */
    double balance;      /* max_j | ||w_j||^2 + b_j^2 - v_j^2 | / ||theta||^2 */
    double lambda_sum;   /* sum_i lambda_i */
    size_t zeros;        /* pre-activations exactly 0 (kinks) */
} nrc_polish_kkt;

/* Measures net (W, b, v) on (X, y).  b may be NULL.  g (n,k) may be NULL
 * (certify's convention g_ij = 1[a_ij > 0]) or give every g_ij, e.g. the
 * Clarke subgradients in [0, 1] at the kinks the polish found.  lambda (n) receives the
 * NNLS multipliers when non-NULL.  NRC_ERR_SYSTEM on memory failure. */
nrc_status nrc_polish_measure_d(size_t n, size_t d, size_t k, int fix_v,
                                const double *X, const double *y,
                                const double *W, const double *b,
                                const double *v, const double *g,
                                nrc_polish_kkt *out,
                                double *lambda, nrc_error *err);

/* Sizes the polish takes on (larger ones are "skipped" with a reason):
 * its duals are dense n x n (plus kinks), its Newton system k x k. */
#define NRC_POLISH_N_MAX 2000
/* certify's default --kink-tol (spec/CERTIFY.md): the keep rule reads the
 * polished network the way certify does by default */
#define NRC_POLISH_KINK_TOL 0x1p-40
#define NRC_POLISH_K_MAX 2000
/* certify's NNLS takes at most this many near-kinks (spec/CERTIFY.md step
 * 7): the keep rule reads a network with more as certify will */
#define NRC_POLISH_CERTIFY_KINKS 4096

typedef enum {
    NRC_POLISH_CONVERGED = 0,     /* eps_rel and delta at rounding level */
    NRC_POLISH_NOT_CONVERGED = 1, /* budget or iteration cap reached, or the
                                     iteration stalled above the tolerance;
                                     see reason */
    NRC_POLISH_DEGENERATE = 2,    /* the GD pattern gives no feasible start
                                     (a point has no live neuron of its
                                     own class) */
    NRC_POLISH_SKIPPED = 3        /* the GD network does not fit the data,
                                     or n, k above the limits */
} nrc_polish_outcome;

/* What the polish reports while it runs (spec/POLISH.md "Progress"). */
typedef struct {
    const char *stage;    /* "relaxed", "newton", "measure" */
    int round;            /* own-class pattern round, from 1 */
    uint64_t newton_steps;
    double gnorm;         /* max_j |1 - ||u_j||^2| / 2 over live neurons */
    double psi;           /* ||theta||^2 / 2 of the iterate (min margin 1) */
    size_t live, kinks, face;
    double work, work_max;   /* work units spent, budget */
} nrc_polish_progress;

/* Called between Newton steps; a nonzero return stops the polish (outcome
 * not-converged, reason "interrupted"). */
typedef int (*nrc_polish_progress_fn)(const nrc_polish_progress *p, void *ctx);

typedef struct {
    int fix_v;            /* second layer fixed: only (W, b) move */
    int max_rounds;       /* own-class pattern rounds (default 40) */
    int max_newton;       /* Newton steps over all rounds (default 400) */
    double tol;           /* target eps_rel and delta (default 1e-12) */
    int always_adopt;     /* write the polished network whenever one was
                             produced and fits every point (tests,
                             comparisons); default 0 */
    double work_max;      /* work budget in work units (about one flop
                             each, spec/POLISH.md "Budget"); deterministic.
                             Default 0: no limit */
    double time_max;      /* wall-clock budget in seconds; 0 (default):
                             none */
    double cpu_max;       /* budget in CPU seconds of this process spent by
                             the polish; 0 (default): none.  Both time
                             budgets are checked between Newton steps and
                             between face changes of the inner QP; one that
                             cuts in makes the result depend on the machine
                             and its load (spec/POLISH.md "Budget") */
    int relaxed_start;    /* 1 (default): first minimize with every pair's
                             pattern fixed (no kinks), which is cheap and
                             lets most dead neurons die before the exact
                             problem; 0: start with the exact problem */
    nrc_polish_progress_fn progress;
    void *progress_ctx;
} nrc_polish_opts;

/* Defaults above. */
void nrc_polish_opts_default(nrc_polish_opts *o);

typedef struct {
    nrc_polish_outcome outcome;
    char reason[200];          /* why it stopped, for people */
    int adopted;               /* 1: W, b, v now hold the polished network */
    nrc_polish_kkt before;     /* the GD network */
    nrc_polish_kkt after;      /* the polished network (adopted or not)
                                  as certify reads it by default: the
                                  Clarke g_ij at near-kinks (|a_ij| <=
                                  NRC_POLISH_KINK_TOL ||(w_j,b_j)||
                                  ||(x_i,[1])||), elsewhere 1[a_ij > 0] */
    size_t near_kinks;         /* pairs read as near-kinks in "after" */
    nrc_polish_kkt clarke;     /* the same network with the Clarke g_ij in
                                  (0, 1) at its kinks */
    size_t kinks;              /* pairs held at a_ij = 0 with g in (0, 1) */
    double direction_move;     /* || theta_p/||theta_p|| - theta_gd/||theta_gd|| || */
    uint64_t rounds;           /* own-class pattern rounds */
    uint64_t newton_steps;     /* accepted Newton steps over all rounds */
    uint64_t pattern_changes;  /* own-class pairs switched, in total */
    size_t live, dead;         /* neurons with v_j != 0 / v_j = 0 after */
    /* cost (spec/POLISH.md "Cost"): deterministic counts */
    uint64_t evals;            /* solves of the inner QP */
    uint64_t qp_iterations;    /* face changes and solves inside them */
    uint64_t factorizations;   /* Cholesky factorizations from scratch */
    size_t max_qp_size;        /* largest face (multipliers + kinks) */
    double work;               /* work units spent */
    double work_max;           /* the budget (0: none) */
    char stopped_by[16];       /* "", "work-budget", "clock-budget",
                                  "interrupted", "newton-cap", "round-cap",
                                  "stall" */
} nrc_polish_result;

/* Polishes (W, b, v) in place (b NULL without biases).  The polished
 * network is adopted (written into W, b, v; res->adopted = 1) only when it
 * fits every point, its measured eps_rel is below the GD one and its
 * normalized margin is at least the GD one (to 1e-12 relative); otherwise
 * the GD weights are left untouched.  Deterministic unless a time budget
 * cuts in: fixed-order loops, nrc_dgemm and single-threaded LAPACK.
 * NRC_ERR_SYSTEM on memory failure (weights untouched); every
 * mathematical failure is an outcome, not an error. */
nrc_status nrc_polish_run_d(const nrc_polish_opts *o, size_t n, size_t d,
                            size_t k, const double *X, const double *y,
                            double *W, double *b, double *v,
                            nrc_polish_result *res, nrc_error *err);

/* Writes the metadata object of spec/POLISH.md ({"outcome":...}) into buf
 * (NUL-terminated); returns the length, or 0 if cap is too small. */
size_t nrc_polish_meta_json(const nrc_polish_result *res, char *buf,
                            size_t cap);

/* The statistics `train` stores in the metadata's "result" (loss, log
 * loss, min margin, ||theta||^2, normalized margins), recomputed for the
 * weights given (the polished ones once adopted); p->step is left as is. */
nrc_status nrc_polish_progress_d(const nrc_train_opts *o, const double *X,
                                 const double *y, const double *W,
                                 const double *b, const double *v,
                                 nrc_train_progress *p, nrc_error *err);

/* Name of an outcome ("converged", "not-converged", "degenerate", "skipped"). */
const char *nrc_polish_outcome_name(nrc_polish_outcome o);

/* ---- the bounded quadratic program (polish_qp.c) ---- */

/* x = argmin_{x >= 0} 1/2 x^T H x - c^T x for a symmetric positive
 * semi-definite H (n,n): Lawson-Hanson active set with Cholesky solves on
 * the support and one step of iterative refinement.  warm != 0 starts from
 * the support of the x passed in.  *converged = 1 when the optimality test
 * max_{x_i = 0} (c - H x)_i <= tol passed.  NRC_ERR_SYSTEM on memory. */
nrc_status nrc_polish_qp_d(size_t n, const double *H, const double *c,
                           double *x, int warm, int *converged,
                           nrc_error *err);

#endif
