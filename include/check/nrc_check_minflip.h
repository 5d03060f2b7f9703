/* The checker's exact verification of the minimal-flip claims
 * (spec/MINFLIP.md sections 2-4): claim U (an adversarial binary64 point)
 * and claim D (a split tree whose leaves carry linear minorants beta, rho).
 * Integers and dyadic rationals only (check_dy.c, check_fix.c): nothing
 * rounds, no square root, no division.
 *
 * Context is passed as values: the exact rows of W, the exact
 * pre-activations of the point, the exact Gram rows; scratch comes from the
 * caller (nrc_check_mf_scratch, allocated once), so the checks themselves do
 * not allocate beyond GMP's own limbs and one fixed-point vector per call. */
#ifndef NRC_CHECK_MINFLIP_H
#define NRC_CHECK_MINFLIP_H
#include <stddef.h>
#include <stdint.h>
#include "nrc_check_exact.h"
#include "nrc_status.h"

/* The first condition found false (NRC_MF_HOLDS: every one holds). */
typedef enum {
    NRC_MF_HOLDS = 0,
    NRC_MF_SIGN,      /* p N(x) <= 0 */
    NRC_MF_ADV,       /* p N(x') > 0, or = 0 for a strict claim */
    NRC_MF_UPPER,     /* U < 0 or ||x' - x||^2 > U^2 */
    NRC_MF_NORM,      /* u_j < 0 or u_j^2 < G_jj (neuron) */
    NRC_MF_RADIUS,    /* D < 0 */
    NRC_MF_MINORANT,  /* (M) fails at (leaf, neuron) */
    NRC_MF_POSITIVE,  /* (C): C_L <= 0 at leaf */
    NRC_MF_BALL       /* (B): D^2 g.g > C_L^2 at leaf */
} nrc_check_mf_what;

typedef struct {
    nrc_check_mf_what what;
    size_t leaf, neuron;   /* where, when it applies */
    size_t leaves_vacuous; /* leaves accepted because an interval is empty */
} nrc_check_mf_verdict;

/* Short name of a condition for messages ("minorant", "ball", ...). */
const char *nrc_check_mf_what_name(nrc_check_mf_what w);

/* Scratch of the checks for width k (one allocation up front). */
typedef struct {
    size_t k;
    signed char *s;      /* (k) split signs of the current leaf */
    size_t *stack;       /* (k) open internal nodes */
    nrc_cdy *t;          /* (k) a_j(x') or (G beta)_j */
    nrc_cdy lo, hi, x, y, z;   /* temporaries */
} nrc_check_mf_scratch;

/* NRC_ERR_SYSTEM when memory runs out (s is then cleared). */
nrc_status nrc_check_mf_scratch_init(nrc_check_mf_scratch *s, size_t k, nrc_error *err);
void nrc_check_mf_scratch_clear(nrc_check_mf_scratch *s);   /* accepts a cleared one */

/* The exact Gram matrix as k fixed-point rows: G[j] holds (<w_j, w_l>)_l at
 * one exponent (G: k initialized vectors; Wr: the exact rows of W). sp, sn:
 * dot-product accumulators of sl limbs each. */
nrc_status nrc_check_mf_gram(nrc_cfix *G, const nrc_cfix *Wr, size_t k,
                             uint64_t *sp, uint64_t *sn, size_t sl, nrc_error *err);

/* Claim U at one point: p N(x) > 0 (from the exact a_j(x) in a), then
 * p N(xadv) <= 0 (< 0 when strict) with a_j(xadv) = <w_j, xadv> + b_j
 * exact, then U >= 0 and
 * ||xadv - x||^2 <= U^2 (x: the point's exact fixed-point vector; xadv: d
 * finite doubles; b NULL without biases). The verdict goes to *out;
 * NRC_ERR_INPUT for a non-finite input, NRC_ERR_SYSTEM on memory. */
nrc_status nrc_check_mf_upper(const nrc_cfix *Wr, size_t k, const double *b,
                              const double *v, int p, const nrc_cdy *a,
                              const nrc_cfix *x, const double *xadv, double U,
                              int strict, nrc_check_mf_scratch *S, uint64_t *sp, uint64_t *sn,
                              size_t sl, nrc_check_mf_verdict *out, nrc_error *err);

/* (T) alone (spec/MINFLIP.md 3.1): tokens tree[0 .. ntok) form a
 * well-formed preorder over neurons < k (S's width), no neuron split twice
 * on a path, with exactly nleaves leaves; NRC_ERR_INPUT "tree: ..."
 * otherwise. nrc_check_mf_lower checks it too; this lets a reader reject a
 * malformed certificate before any claim is evaluated. */
nrc_status nrc_check_mf_tree(const int32_t *tree, size_t ntok, size_t k, size_t nleaves,
                             nrc_check_mf_scratch *S, nrc_error *err);

/* Claim D at one point (spec/MINFLIP.md 4): D >= 0, u_j >= 0 and
 * u_j^2 >= G_jj, the tree (T) walked once, and (M), (C), (B) at every leaf
 * that is not vacuous. a: the exact a_j(x); G: nrc_check_mf_gram's rows;
 * beta, rho: (nleaves, k) finite doubles. A malformed tree is
 * NRC_ERR_INPUT (a malformed certificate); a false condition is NRC_OK with
 * out->what != NRC_MF_HOLDS. */
nrc_status nrc_check_mf_lower(const nrc_cfix *G, size_t k, const double *v, int p,
                              const nrc_cdy *a, const double *u, double D,
                              const int32_t *tree, size_t ntok, const double *beta,
                              const double *rho, size_t nleaves,
                              nrc_check_mf_scratch *S, uint64_t *sp, uint64_t *sn,
                              size_t sl, nrc_check_mf_verdict *out, nrc_error *err);

#endif
