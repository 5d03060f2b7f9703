/* Internals of the KKT polish shared by src/train/polish*.c (spec/POLISH.md
 * "Method").  Not an interface: only the polish modules and t-polish include
 * it.  Search level: untrusted binary64.
 *
 * Notation (spec/POLISH.md): x~_i = (x_i, [1]), K_il = <x~_i, x~_l>,
 * sigma_j = sign v_j, s_j = v_j^2 (0: the neuron is dead), u_j =
 * sum_i C_ij x~_i, w_j = v_j u_j, c_ij = <u_j, x~_i> = (K C)_ij, so that
 * a_ij = v_j c_ij.  A pair (i, j) is "own" when y_i sigma_j > 0.
 *
 * The inner problem at fixed s (polish_inner.c) is the concave QP
 *   Q(s) = max 1^T lambda - 1/2 sum_j s_j ||u_j||^2
 * over lambda >= 0 and, for each opposite-class pair of a live neuron,
 * nu_ij in [0, lambda_i], with C_ij = y_i lambda_i G_ij on own pairs
 * (G_ij the own pattern, fixed) and C_ij = y_i nu_ij on opposite pairs.
 * Its optimum is described by a face: the points with lambda_i > 0, and
 * each opposite pair OFF (nu = 0), ON (nu = lambda_i) or a KINK (inside).
 * A kink entered from OFF carries nu, one entered from ON carries rho =
 * lambda_i - nu, so that a kink never changes lambda_i's column; "tied"
 * pairs (own ON, opposite ON, kinks carrying rho) are those whose column
 * contains y_i lambda_i x~_i. */
#ifndef NRC_POLISH_IMPL_H
#define NRC_POLISH_IMPL_H
#include <stddef.h>
#include <stdint.h>
#include "nrc_polish.h"

/* pair states (ps[i k + j]) */
enum { PS_OFF = 0, PS_ON = 1, PS_KNU = 2, PS_KRHO = 3 };

/* most kink variables a face may hold (more stop the polish: kink-cap):
 * NRC_POLISH_KINK_CAP, and at most NRC_POLISH_KINK_MEM / n so that the
 * kink factors (n doubles per kink) stay within 256 MB.  Faces in the
 * middle of a run hold 2-3 times the kinks of the final point; certify
 * lists at most 4096 near-kinks (NRC_POLISH_CERTIFY_KINKS), which
 * "Adoption" takes into account. */
#define NRC_POLISH_KINK_CAP 32768
#define NRC_POLISH_KINK_MEM 33554432.0


typedef struct pol_ctx {
    /* problem */
    size_t n, d, k;
    int full, bias, relaxed;   /* relaxed: every pair follows ps (no kinks) */
    const double *X, *y;
    double *K;                 /* (n,n) <x~_i, x~_l> */
    double *xn;                /* (n) ||x~_i|| */
    double *sig;               /* (k) sign of v_j */
    /* iterate */
    double *s;                 /* (k) v_j^2 */
    unsigned char *ps;         /* (n,k) pair states */
    double *lam;               /* (n) multipliers */
    double *kv;                /* (n,k) kink values (nu or rho) */
    /* face of the inner QP: p variables (code f < n is lambda_f, code
     * n + i k + j the kink (i, j)), their values z and the face optimum zs */
    size_t p, cap_max, kink_cap;
    size_t *fv;                /* (cap_max) variable codes */
    int32_t *fpos;             /* (n + n k) position in the face, -1 if none */
    double *z, *zs;            /* (cap_max) */
    unsigned char *blocked;    /* (n + n k) refused during this solve */
    /* its factorization (polish_face.c).  Per neuron j: the points of its
     * kinks kp[j][0..km[j]), Lk[j] the Cholesky factor of K on them and
     * Vt[j] = K_{:,K_j} Lk[j]^{-T} (n x km[j]), both column-major with
     * capacity kc[j]; they do not depend on s.  The multipliers in the face
     * (slist[0..na), spos[i] = index or -1) have the Schur complement S =
     * H_AA - H_AK H_KK^{-1} H_KA, whose factor LS (n x n column-major) is
     * rebuilt when s changes and updated in place otherwise. */
    size_t *km, *kc, **kp;
    double **Lk, **Vt;
    unsigned char *kdirty;     /* (k) lists changed without the factor */
    int32_t *kpos;             /* (n k) position of a kink in its neuron's list */
    size_t na, *slist;
    int32_t *spos;
    double *LS, *LS2;          /* (n,n); LS2 scratch (copy, products) */
    double *h, *h2, *sv, *lv;  /* (n + 1) scratch */
    uint32_t *kver;            /* (k) changes of each neuron's kink list */
    int sstale;                /* S must be rebuilt before use */
    int dirty;                 /* a factor was updated in place since built */
    double *TST;               /* (n,n) sum_j s_j t_ij t_lj, t = tied */
    /* live neurons (s_j > 0), compacted for the products */
    size_t nl;
    size_t *live;              /* (k) */
    double *Cl, *cl;           /* (n, nl) C and c = K C on live neurons */
    double *q;                 /* (n) margins of the current iterate */
    double *B;                 /* (k) ||u_j||^2 */
    double *T;                 /* (n, nl) scratch */
    /* budget and statistics */
    double work, work_max;     /* work units spent, limit (deterministic) */
    double time_max, t0;       /* wall-clock limit (0: none), start */
    double cpu_max, c0;        /* CPU-time limit (0: none), start */
    int stop;                  /* 1 work, 2 wall clock, 3 interrupted, 4 CPU time */
    uint64_t evals, qp_iters, factorizations, newton_steps;
    size_t max_face, max_kinks;
    const nrc_polish_opts *opts;
    nrc_polish_progress prog;
    nrc_error *err;
} pol_ctx;

/* Allocates the arrays of a context whose n, k are set (fpos all -1, the
 * face empty).  0 on memory failure (then pol_ctx_free). */
int pol_ctx_alloc(pol_ctx *c);
void pol_ctx_free(pol_ctx *c);

/* nrc_polish_measure_d with K + [bias] (n,n) and the pre-activations A0
 * (n,k) of (W, b) passed in when known (either may be NULL). */
nrc_status pol_measure(size_t n, size_t d, size_t k, int fix_v, const double *X,
                       const double *y, const double *W, const double *b, const double *v,
                       const double *g, const double *Kb, const double *A0,
                       nrc_polish_kkt *out, double *lambda, nrc_error *err);

/* ---- polish_face.c: the face factor ---- */

/* Gram entry H(f, g) of two face variables at the current s and ties
 * (the dense reference of the tests). */
double pol_face_entry(const pol_ctx *c, size_t f, size_t g);
/* Builds the factorization from scratch at the current s (LAPACK dpotrf:
 * stale neurons' kink factors, then S); variables that make it singular are
 * dropped (set to their bound).  0 on success, -1 on memory (err set). */
int pol_face_rebuild(pol_ctx *c);
/* Appends variable code f to the face, updating the factors in place;
 * 1 added, 0 refused (dependent on the face), -1 no memory. */
int pol_face_append(pol_ctx *c, size_t f);
/* Removes the variable at face position t, updating the factors in place
 * (rank-one updates, O(n^2 + n m) for a kink of a neuron with m kinks). */
void pol_face_delete(pol_ctx *c, size_t t);
/* Adds f to / removes position r from the face list only: the factor is
 * rebuilt (pol_face_rebuild) before its next use. */
int pol_face_list_add(pol_ctx *c, size_t f);
void pol_face_forget(pol_ctx *c, size_t r);
/* zs = the face optimum: H_FF zs = r, r = 1 on lambdas and 0 on kinks. */
void pol_face_solve(pol_ctx *c, double *zs);
/* Kink values for multipliers lam (n, 0 outside the face): the values
 * that make c_ij = 0 at every kink; written into out at face positions. */
void pol_face_kinks(pol_ctx *c, const double *lam, double *out);
/* x (na) := S^{-1} x, in the order slist. */
void pol_face_s_solve(const pol_ctx *c, double *x);
/* Sets the state of pair (i, j), updating TST when its tie changes. */
void pol_state_set(pol_ctx *c, size_t i, size_t j, unsigned char st);
/* TST from scratch at the current s and ties (one GEMM). */
void pol_tst_build(pol_ctx *c);
int pol_tied(const pol_ctx *c, size_t i, size_t j);

/* ---- polish_inner.c: the QP at fixed s ---- */

/* C_ij of the current iterate (from lam, kv, ps). */
double pol_pair_coef(const pol_ctx *c, size_t i, size_t j);
/* C and c = K C on the live neurons, q, B (from lam, kv, ps). */
void pol_products(pol_ctx *c);
/* Solves the QP at the current s from the current face and values (a
 * feasible point).  Returns 1 solved, 0 infeasible (a point has no live
 * own-class neuron, or the dual is unbounded), 2 stopped (budget or an
 * iteration cap: the iterate is feasible but not optimal), 4 the optimum
 * needs more than NRC_POLISH_KINK_CAP kinks, -1 memory. */
int pol_inner_solve(pol_ctx *c);
/* Q + [full] 1/2 sum s at the current iterate (after pol_products). */
double pol_psi(const pol_ctx *c);
/* Recomputes the live list from s; drops the kinks of dead neurons. */
void pol_live_update(pol_ctx *c);

/* ---- polish_newton.c: projected Newton on Psi(s) ---- */

/* Minimizes Psi over s >= 0 at the current own pattern (only solves the
 * inner QP with the second layer fixed).  Returns 1 done (converged or
 * stalled), 0 infeasible start, 2 stopped (budget, time, caller), 3 the
 * Newton step cap, 4 the kink cap, -1 memory. */
int pol_newton_run(pol_ctx *c);

/* Budget: adds work units; returns nonzero (and sets c->stop) when the
 * work or time budget is spent or the caller asked to stop. */
int pol_spend(pol_ctx *c, double units);
/* Reports progress to the caller (which rate-limits what it shows and may
 * ask to stop) and checks the time budgets. */
void pol_report(pol_ctx *c, const char *stage);

#endif
