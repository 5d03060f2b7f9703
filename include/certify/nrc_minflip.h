/* The minimal flip distance of one point, from both sides (spec/MINFLIP.md).
 *
 * For a point x with sign p, f(x') = p N(x') = sum_j c_j relu(a_j(x')),
 * c_j = p v_j. Claim U: a binary64 x' with f(x') <= 0 (< 0 when strict)
 * and ||x' - x|| <= U.
 * Claim D: f > 0 on the open ball of radius D, proved by a split tree whose
 * leaves carry linear minorants (beta, rho) (spec/MINFLIP.md section 3).
 *
 * Two trust levels live here, kept apart by name:
 *   - search (untrusted binary64, names end in _approx, and the projection
 *     nrc_mf_proj): the leaf solver, branch and bound, the minimal-norm
 *     search (minflip_leaf.c, minflip_bnb.c, minflip_upper.c,
 *     minflip_qp.c). They work in the span of the rows of
 *     W: a perturbation is delta = W^T y, e = W delta = G y, ||delta||^2 =
 *     y^T G y, with G the binary64 Gram matrix.
 *   - rigorous decisions (minflip_rigor.c): from engine enclosures, with
 *     directed rounding (include/certify/nrc_fast.h). Their NRC_TRUE means
 *     the exact claim holds; anything else asserts nothing.
 */
#ifndef NRC_MINFLIP_H
#define NRC_MINFLIP_H
#include <stddef.h>
#include <stdint.h>
#include "nrc_status.h"

/* ---- search (untrusted) --------------------------------------------------- */

/* One point's problem in the span of W (binary64 approximations). */
typedef struct {
    size_t k;
    const double *G;   /* (k, k) row-major: <w_j, w_l> */
    const double *a;   /* (k) a_j(x) */
    const double *c;   /* (k) c_j = p v_j */
    const double *u;   /* (k) u_j >= ||w_j|| */
} nrc_mf_problem;

/* Split signs of a leaf: s[j] in {-1, 0, +1} (spec/MINFLIP.md 3.1). */

/* The candidate points of neuron j's interval at radius R (spec/MINFLIP.md
 * 3.2): I = [a - R u, a + R u] clipped by the split sign sj, in binary64.
 * Writes 2 or 3 points (lo, hi, and 0 when lo < 0 < hi) and returns how
 * many; 0 when the interval is empty. */
int nrc_mf_points_approx(double a, double u, double R, int sj, double pts[3]);

/* h_j(beta) = min over the points t of c relu(t) - beta (t - a): the
 * contribution of neuron j to C_L (beta_j a_j + rho_j with the best rho_j). */
double nrc_mf_h_approx(double c, double a, const double *pts, int np, double beta);

/* CROWN slopes at radius R (spec/MINFLIP.md 3.3): beta_j = c_j on a
 * positive interval, 0 on a negative one, c_j hi / (hi - lo) on an interval
 * crossing 0 (for c_j > 0 this is alpha = hi / (hi - lo)). */
void nrc_mf_leaf_init_approx(const nrc_mf_problem *P, const signed char *s,
                             double R, double *beta);

/* Maximize Phi_R(beta) = sum_j h_j(beta_j) - R ||W^T beta|| over beta (in:
 * the start, out: the result) by at most `sweeps` sweeps of exact
 * coordinate ascent (spec/MINFLIP.md 5.2). Returns Phi_R at the result and
 * sets *C = sum_j h_j, *gn = sqrt(beta^T G beta). A vacuous leaf (an empty
 * interval) returns +INFINITY. work: 2 k doubles; work[0 .. k) holds
 * G beta on return, and is taken as G beta on entry when qvalid. */
double nrc_mf_leaf_ascent_approx(const nrc_mf_problem *P, const signed char *s,
                                 double R, double *beta, int sweeps, int qvalid,
                                 double *C, double *gn, double *work);

/* Projection onto a polyhedron in the span of W (minflip_qp.c): minimize
 * 1/2 y^T G y subject to m_i . (G y) >= h_i for a working set of at most
 * cap constraints, m_i a signed unit vector or a dense k-vector; solved in
 * its dual (non-negative least squares, Lawson-Hanson), warm-started from
 * the previous multipliers when constraints are added between solves. */
typedef struct {
    const nrc_mf_problem *P;
    size_t n, cap;          /* constraints in the set, capacity */
    long *unit;             /* (cap) +-(j + 1) for m = +-e_j, 0 for dense */
    double *M, *GM;         /* (cap, k) dense m_i, and G m_i (every kind) */
    double *h, *lam;        /* (cap) right-hand sides, multipliers */
    double *K, *L;          /* (cap, cap) constraint Gram, Cholesky scratch */
    double *z, *w, *hp;     /* (cap) each: NNLS scratch */
    unsigned char *inP;     /* (cap) */
    size_t *Pi;             /* (cap) */
    double *y, *e;          /* (k) the solution y and e = G y */
} nrc_mf_proj;

nrc_status nrc_mf_proj_init(nrc_mf_proj *Q, const nrc_mf_problem *P, size_t cap,
                            nrc_error *err);
void nrc_mf_proj_clear(nrc_mf_proj *Q);
void nrc_mf_proj_reset(nrc_mf_proj *Q);        /* empty the working set */
/* Add m = sign e_j (resp. the dense m) with right-hand side h; 0 when full. */
int nrc_mf_proj_add_unit(nrc_mf_proj *Q, size_t j, int sign, double h);
int nrc_mf_proj_add_dense(nrc_mf_proj *Q, const double *m, double h);
/* Solve on the current set: y^T G y (Q->y, Q->e = G y, Q->lam), or
 * INFINITY when the dual did not converge (infeasible or degenerate). */
double nrc_mf_proj_solve(nrc_mf_proj *Q);

/* The largest radius the leaf certifies (approximately): the fixed point of
 * R = C_L(R) / ||g_L|| found by a bracketed secant search from R0 > 0,
 * never beyond Rmax. beta (in: a start, out: the beta certifying the
 * returned radius). At each R the ratio comes from the projection
 * (nrc_mf_leaf_qp_approx, when Q is not NULL) or the coordinate ascent.
 * Returns 0 when nothing positive is certified. work: 7 k doubles. */
double nrc_mf_leaf_radius_approx(const nrc_mf_problem *P, const signed char *s,
                                 double R0, double Rmax, double *beta,
                                 nrc_mf_proj *Q, double *work);

/* The leaf's relaxed distance at radius R by cutting planes (spec/MINFLIP.md
 * 3.3, 5.2): the projection of x onto {x' : a_j(x') in I_j(R) for every j,
 * sum_j env_j(a_j(x')) <= 0} with env_j the convex envelope of c_j relu on
 * I_j (one cut per set of active pieces, box constraints when violated).
 * Its multipliers give beta = -y / Lambda (Lambda: the cuts' total) whose
 * ratio C_L / ||g_L|| is that distance. Returns the distance, INFINITY for
 * a vacuous leaf (an empty interval), -1 when the projection failed (then
 * beta is unchanged). ehint (k, may be NULL): the e = G y of a previous
 * solution (another R, the parent leaf), whose active cut and nearly
 * active box constraints seed the working set. Q: capacity >= 2 k + a few
 * cuts; work: 5 k doubles. */
double nrc_mf_leaf_qp_approx(const nrc_mf_problem *P, const signed char *s, double R,
                             double *beta, nrc_mf_proj *Q, const double *ehint,
                             double *work);

/* f(a + G y) in binary64 (e: k doubles, receives G y). */
double nrc_mf_eval_approx(const nrc_mf_problem *P, const double *y, double *e);

/* Ray search along delta = t W^T ydir, t > 0: the first t with
 * f(a + t G ydir) <= 0 (binary64 breakpoint sweep), returned (INFINITY when
 * f stays > 0). work: 2 k doubles. */
double nrc_mf_ray_approx(const nrc_mf_problem *P, const double *ydir, double *work);

/* Region walk (spec/MINFLIP.md 5.1) from the activation pattern sigma0
 * (sigma0[j] = +1 active, -1 inactive; a pattern whose region meets
 * {f_sigma <= -eta}): projects x onto region and half-space, flips the
 * blocking neurons, repeats while the distance decreases. On success
 * returns y^T G y of the best point found and writes y (k); returns INFINITY
 * when no feasible point was found. */
double nrc_mf_walk_approx(const nrc_mf_problem *P, const signed char *sigma0,
                          double eta, double *y, nrc_error *err, nrc_status *st);

/* A point near y inside its activation region with margins: the neurons
 * within rel (|a_j| + u_j ||delta||) of 0 are put on the side where f is
 * no larger, every neuron kept that far from 0, and f <= -rel f(x) when
 * possible (else f <= 0, a tie). Makes the final binary64 point robust to
 * rounding. Returns its y^T G y (ys) or INFINITY. */
double nrc_mf_settle_approx(const nrc_mf_problem *P, const double *y, double rel,
                            double *ys, nrc_error *err, nrc_status *st);

/* The pattern of a + G y (1 where a_j + (G y)_j > 0, or = 0 and the
 * neuron's direction dir_j > 0 when dir is not NULL; else -1). */
void nrc_mf_pattern_approx(const nrc_mf_problem *P, const double *y,
                           const double *dir, signed char *sigma, double *e);

/* DeepFool-style search from x: linearize f at the current point, step to
 * where the linearization is -eta, repeat (at most maxit steps). Returns 1
 * and y when f(a + G y) <= 0 was reached. work: 2 k doubles. */
int nrc_mf_deepfool_approx(const nrc_mf_problem *P, double eta, int maxit,
                           double *y, double *work);

/* Branch and bound (spec/MINFLIP.md 5.3). */
typedef struct {
    size_t max_nodes;  /* node budget (>= 1) */
    double tol;        /* stop when U <= (1 + tol) D */
    int walk;          /* polish upper-bound candidates with the region walk */
} nrc_mf_bnb_options;

typedef struct {
    int32_t *tree;     /* preorder tokens: j >= 0 split, -1 leaf */
    size_t ntok;
    double *beta;      /* (nleaves, k): leaf t's beta in row t */
    size_t nleaves;
    double D;          /* the smallest leaf radius (approximate) */
    double U;          /* the best distance found (approximate), INFINITY if none */
    double *y;         /* (k) the best adversarial y found (when U finite) */
    size_t nodes;      /* nodes solved */
    int complete;      /* stopped because U <= (1 + tol) D or every leaf exact */
} nrc_mf_bnb_result;

void nrc_mf_bnb_options_default(nrc_mf_bnb_options *o, size_t k);
void nrc_mf_bnb_result_init(nrc_mf_bnb_result *r);
void nrc_mf_bnb_result_clear(nrc_mf_bnb_result *r);
/* y0, U0: the best known adversarial y and its distance (y0 NULL, U0
 * INFINITY when none). NRC_ERR_SYSTEM when memory runs out. */
nrc_status nrc_mf_bnb_approx(const nrc_mf_problem *P, const nrc_mf_bnb_options *o,
                             const double *y0, double U0, nrc_mf_bnb_result *r,
                             nrc_error *err);

/* ---- rigorous decisions (minflip_rigor.c) --------------------------------- */

/* What the rigorous leaf decision needs about one point (all exact binary64
 * inputs or enclosures of exact values). */
typedef struct {
    size_t k;
    const double *c;          /* (k) c_j = p v_j */
    const double *alo, *ahi;  /* (k) enclosure of a_j(x) */
    const double *u;          /* (k) u_j >= 0 with u_j^2 >= ||w_j||^2 (certified) */
    const double *Gm, *Gb;    /* (k, k) from nrc_mf_gram_prepare */
} nrc_mf_rigor;

/* From an enclosure Glo <= G <= Ghi (k, k) of the Gram matrix G_jl =
 * <w_j, w_l>: a midpoint Gm and a bound matrix Gb (both k x k) for
 * nrc_mf_gnorm2_up. An infinite enclosure gives an infinite Gb entry. */
void nrc_mf_gram_prepare(size_t k, const double *Glo, const double *Ghi, double *Gm,
                         double *Gb);

/* An upper bound of beta^T G beta for every G in the enclosure that
 * nrc_mf_gram_prepare was given (exact real arithmetic on the binary64
 * inputs; +INFINITY when anything overflows). The derivation is in
 * minflip_rigor.c. */
double nrc_mf_gnorm2_up(size_t k, const double *Gm, const double *Gb,
                        const double *beta);

/* One leaf (split signs s) at radius D >= 0: writes rho (k) such that (M)
 * holds exactly for the exact a_j, and returns NRC_TRUE when the leaf is
 * vacuous or (C) and (B) certainly hold; NRC_FALSE when they could not be
 * shown (the leaf may still be valid: the decision is one-sided). */
nrc_truth nrc_mf_leaf_decide(const nrc_mf_rigor *Rg, const signed char *s,
                             double D, const double *beta, double *rho);

/* Every leaf of a tree (the preorder walk of spec/MINFLIP.md 3.1, the same
 * walk as the checker's): rho (nleaves, k) written, NRC_TRUE when the tree
 * is well formed (T) and every leaf is certified. work: k signed chars in
 * s, k int32 in stack. *bad_leaf: the first leaf not certified (or
 * SIZE_MAX). */
nrc_truth nrc_mf_tree_decide(const nrc_mf_rigor *Rg, double D, const int32_t *tree,
                             size_t ntok, const double *beta, size_t nleaves,
                             double *rho, signed char *s, int32_t *stack,
                             size_t *bad_leaf);

/* Claim U, the sign part: NRC_TRUE when sum_j c_j relu(a_j) <= 0 for every
 * a_j in [alo_j, ahi_j]; then *strict = 1 when it is also certainly < 0. */
nrc_truth nrc_mf_adv_decide(size_t k, const double *c, const double *alo,
                            const double *ahi, int *strict);

/* Claim U, the distance part: an upper bound of ||xp - x||^2 (exact real
 * arithmetic on the binary64 inputs; +INFINITY on overflow). */
double nrc_mf_dist2_up(size_t d, const double *x, const double *xp);

/* ---- one point, end to end (minflip.c) ------------------------------------ */

struct nrc_engine;
struct nrc_model;

/* What every point of a model shares: G's enclosure (the engine's gemm_mid
 * of W with itself from the midpoint fl(W W^T)) as nrc_mf_gram_prepare's
 * Gm, Gb; the search's Gram matrix Gs and norms us; and the certified norm
 * bounds u. The search's inputs (Gs, us) are binary64 values computed the
 * same way for every engine and thread count, so every engine searches the
 * same tree and the same adversarial points. */
typedef struct {
    size_t k, d;
    const double *W, *b, *v;     /* the model's (b NULL without biases) */
    double *u;                   /* (k) u_j >= 0, u_j^2 >= ||w_j||^2 (the
                                  * rigorous decisions) */
    double *us;                  /* (k) the search's norms: sqrt(Gs_jj)
                                  * (1 + 2^-40) before the null neurons are
                                  * cleared */
    double *Gm, *Gb;             /* (k, k) for the rigorous decisions */
    double *Gs;                  /* (k, k) for the search: fl(W W^T) with the rows
                                  * and columns of numerically null neurons
                                  * (||w_j||^2 < 2^-600 max_l ||w_l||^2) set
                                  * to 0, so that rounding in them cannot
                                  * make y^T Gs y vanish for a y that moves
                                  * the other pre-activations */
} nrc_mf_model;

/* u: the certificate's lipschitz.neuron_norm_upper (certified by the
 * caller), or NULL to take u_j = sqrt(Ghi_jj) rounded up. NRC_ERR_SYSTEM on
 * memory, an engine's status otherwise. */
nrc_status nrc_mf_model_init(nrc_mf_model *mm, const struct nrc_model *M,
                             const double *u, struct nrc_engine *e, nrc_error *err);
void nrc_mf_model_clear(nrc_mf_model *mm);

typedef struct {
    nrc_mf_bnb_options bnb;
} nrc_mf_options;

void nrc_mf_options_default(nrc_mf_options *o, size_t k);

/* One point's result: the two claims (certified or not) and the search's
 * own estimates. */
typedef struct {
    int sign_ok;            /* p N(x) > 0 certified */
    int upper_ok;           /* claim U certified: p N(xadv) <= 0 */
    int strict;             /* and p N(xadv) < 0 certified (a flip, not a tie) */
    double U;               /* claim U's bound */
    double *xadv;           /* (d) its binary64 point */
    int lower_ok;           /* claim D certified */
    int lower_exact;        /* ... on the tightest enclosures of the exact
                             * a_j(x): the engine's did not decide */
    double D;
    int32_t *tree;          /* claim D's tree, beta, rho (spec/MINFLIP.md 3) */
    size_t ntok;
    double *beta, *rho;     /* (nleaves, k) */
    size_t nleaves;
    double U_search, D_search;  /* binary64 estimates of the search */
    double U_walk_paper;        /* the region walk from the paper's pattern */
    size_t nodes;
    int complete;
} nrc_mf_point;

void nrc_mf_point_init(nrc_mf_point *r);
void nrc_mf_point_clear(nrc_mf_point *r);

/* One point as the certify pipeline has it: the search reads only a (the
 * binary64 search pre-activations, the same for every engine), the
 * rigorous decisions only the enclosures [alo, ahi] of the exact a_j(x). */
typedef struct {
    const double *x;          /* (d) the point */
    int p;                    /* its sign, +1 or -1 (p N(x) > 0 is re-decided) */
    const double *a;          /* (k) binary64 a_j(x) for the search */
    const double *alo, *ahi;  /* (k) enclosures of the exact a_j(x) */
    const double *paper_e;    /* (k) or NULL: the paper's perturbation per
                               * unit scale in pre-activation space, -p <w_j, z> */
    double paper_s;           /* its scale (> 0), whose activation pattern
                               * starts the region walk */
} nrc_mf_input;

/* Both claims for one point: the search, then the rigorous decisions (claim
 * U's sign exactly where the enclosures leave it open, so its verdict,
 * point and strictness do not depend on the engine). NRC_OK when the run
 * completed (the claims may still be uncertified); NRC_ERR_SYSTEM on
 * memory, an engine's status otherwise. */
nrc_status nrc_mf_point_decide(const nrc_mf_model *mm, struct nrc_engine *e,
                               const nrc_mf_input *in, const nrc_mf_options *o,
                               nrc_mf_point *r, nrc_error *err);

/* The same for the point x (d) with sign p alone: its pre-activations
 * enclosed by the engine (gemm), their midpoints as the search's a. */
nrc_status nrc_mf_point_run(const nrc_mf_model *mm, struct nrc_engine *e,
                            const double *x, int p, const double *paper_e,
                            double paper_s, const nrc_mf_options *o,
                            nrc_mf_point *r, nrc_error *err);

#endif
