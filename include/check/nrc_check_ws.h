/* What every step of the checker's claim evaluation works on (src/check):
 * the model as the steps read it (nrc_cnet), the workspace they write
 * (nrc_check_ws, check_ws.c) and the report of the first false claim
 * (check_report.c). Internal to src/check; the API is nrc_check_cert.h.
 *
 * The steps get the model and the workspace BY VALUE: each step receives
 * the pointers and sizes it works on and cannot change them. For Frama-C WP
 * a value needs no frame: what the driver knows about the pointers (valid,
 * apart, at their places in the size table) stays true across every call,
 * and only what a step writes through them has to be carried
 * (proofs/README.md, "The driver"). Contracts: the ACSL logic is in
 * spec/acsl/nrc_check_ws_acsl.h. */
#ifndef NRC_CHECK_WS_H
#define NRC_CHECK_WS_H
#include <stddef.h>
#include <stdint.h>
#include "nrc_check_cert.h"
#include "nrc_check_exact.h"

/* Limbs of each dot-product accumulator. An exact vector of finite doubles
 * needs at most 33 limbs per entry (2^-1074 .. 2^1024: 2098 bits), the
 * direction z (a sum of at most 2^31 such rows) at most 34, so a dot
 * product needs at most 34 + 34 + 1 = 69; nrc_check_dot checks it anyway. */
#define NRC_CHECK_ACC_LIMBS 80

/* The model as the steps read it: its sizes and arrays (row-major). */
typedef struct {
    size_t n, d, k, m;   /* training points, input dimension, width, test points */
    const double *W;     /* (k, d) first layer */
    const double *b;     /* (k) hidden biases, NULL without them */
    const double *v;     /* (k) second layer */
    const double *X;     /* (n, d) training points */
    const double *y;     /* (n) labels +-1 */
    const double *Xt;    /* (m, d) test points (not read when m = 0) */
} nrc_cnet;

/* The certificate's arrays and switches as the steps get them: the claim
 * checks read the certificate's numbers through a pointer, these as
 * values. */
typedef struct {
    int dir_all;                 /* direction.indices is "all" */
    const uint64_t *indices;     /* (n_indices) the listed indices otherwise */
    size_t n_indices;
    const double *nnu;           /* (k) lipschitz.neuron_norm_upper, NULL when absent */
    const nrc_cflip *flips;      /* (n_flips) */
    size_t n_flips;
    int kkt;                     /* the KKT claims are asserted */
    int kkt_fixed;               /* their variant: the model's flag bit 1 */
    const double *lambda;        /* (n) when kkt */
    const nrc_ckink *kinks;      /* (n_kinks) when kkt */
    size_t n_kinks;
    int robust;                  /* robust_reference is "certified" */
} nrc_cert_view;

/* The workspace: every buffer the steps write, from one size table
 * (check_ws.c), in seven blocks: one per element type (WP's typed memory
 * model follows no cast between them; proofs/README.md), and z apart from
 * the rows (written while they are read: apart by their blocks, the
 * provers need no offsets). */
typedef struct {
    /* exact vectors, one block of n + k + d, and z apart */
    nrc_cfix *Xr;        /* (n) rows of X */
    nrc_cfix *Wr;        /* (k) rows of W */
    nrc_cfix *Xc;        /* (d) columns of X (the KKT residual) */
    nrc_cfix *z;         /* (1) the direction z = sum_{l in I} y_l x_l */
    /* exact dyadics, one block of (n + m) k + 2 n + m + 3 k + d + 9, each
     * step's outputs together (nrc_ws_layout) */
    nrc_cdy *A;          /* (n, k) a_ij = <w_j, x_i> + b_j     (nrc_check_net) */
    nrc_cdy *At;         /* (m, k) the same at the test points of certified flips */
    nrc_cdy *q;          /* (n) q_i = y_i N(x_i) */
    nrc_cdy *xxt;        /* (m) ||xt_i||^2 at those test points */
    nrc_cdy *ww;         /* (k) ||w_j||^2 */
    nrc_cdy *qmin;       /* min_i q_i */
    nrc_cdy *T_full;     /* ||(W, b, v)||^2 */
    nrc_cdy *T_wb;       /* ||(W, b)||^2 */
    nrc_cdy *xx;         /* (n) ||x_i||^2                      (nrc_check_data_q) */
    nrc_cdy *wz;         /* (k) <w_j, z> */
    nrc_cdy *rho;        /* max_{i != l} |<x_i, x_l>| */
    nrc_cdy *Rmin, *Rmax;  /* min_i, max_i ||x_i||^2 */
    nrc_cdy *zz;         /* ||z||^2 */
    nrc_cdy *gz;         /* gamma_z = min_i y_i <x_i, z> */
    nrc_cdy *ap;         /* (k) a flip's a_j(x - p s z)          (nrc_check_flips) */
    nrc_cdy *S;          /* (d) the residual's sum_i c_i x_i    (nrc_check_kkt) */
    nrc_cdy *res;        /* ||r||^2 of the KKT residual */
    double *coef;        /* (n) the KKT residual's coefficients */
    size_t *support;     /* (n) where coef != 0 */
    unsigned char *is_kink;  /* (n, k) listed kinks */
    uint64_t *sp, *sn;   /* (NRC_CHECK_ACC_LIMBS) each, one block: accumulators */
} nrc_check_ws;

#ifdef __FRAMAC__
#include "nrc_check_ws_acsl.h"   /* spec/acsl: nrc_cnet_ok, nrc_ws_ok, ... */
#endif

/* ---- the workspace (check_ws.c) ----------------------------------------- */

/* Every buffer of the workspace for n training points, dimension d, width
 * k and m test points, from one size table, each entry initialized; on failure
 * (NRC_ERR_SYSTEM, "out of memory") nothing stays allocated. The blocks are
 * fresh: apart from the report and the error record (ghost: rep). */
/*@ requires sizes: nrc_check_sizes(n, d, k) && m <= NRC_MODEL_DIM_MAX;
    requires \valid(w) && \valid(rep) && (err == \null || \valid(err));
    requires \separated(w, rep) && (err == \null || \separated(err, w, rep));
    assigns *w, err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM;
    ensures ok: \result == NRC_OK ==> nrc_ws_ok(*w, n, d, k, m);
    ensures apart: \result == NRC_OK ==> nrc_ws_apart(*w, rep, err);
*/
nrc_status nrc_check_ws_alloc(nrc_check_ws *w, size_t n, size_t d, size_t k, size_t m,
                              nrc_error *err) /*@ ghost (nrc_check_report *rep) */;

/* Release a workspace of nrc_check_ws_alloc (every entry cleared). */
/*@ requires nrc_ws_ok(w, n, d, k, m);
    assigns \nothing;
*/
void nrc_check_ws_free(nrc_check_ws w, size_t n, size_t d, size_t k, size_t m);

/* ---- the report (check_report.c) --------------------------------------- */

/* A report before any check: valid, nothing counted, no claim named. */
/*@ requires \valid(rep);
    assigns *rep;
    ensures rep->valid == 1;
*/
void nrc_check_report_start(nrc_check_report *rep, int lipschitz_present);

/* "0x...p-NN (~1.234e-05)" for messages: the exact hex of a, cut and marked
 * when it would not fit. */
/*@ requires \valid_read(a);
    requires size >= 1 && \valid(buf + (0 .. size - 1));
    assigns buf[0 .. size - 1];
*/
void nrc_check_show(const nrc_cdy *a, char *buf, size_t size);

/* Record the first false claim "claim: message" (rep->valid becomes 0);
 * returns NRC_OK: the check itself ran. TRUST BASE: WP does not analyse its
 * varargs body (vsnprintf), only this contract; claim and fmt are strings
 * (names built with snprintf, literals). */
/*@ requires \valid(rep) && (err == \null || \valid(err));
    requires \valid_read(claim) && \valid_read(fmt);
    assigns rep->valid, rep->claim[0 .. 159], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK && rep->valid == 0;
*/
nrc_status nrc_check_fail(nrc_check_report *rep, nrc_error *err, const char *claim,
                          const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The claim "the enclosure e = [lo, hi] contains the exact value v":
 * 1 when it holds, else 0 with the claim recorded (nrc_check_fail). */
/*@ requires \valid(rep) && (err == \null || \valid(err));
    requires \valid_read(claim) && \valid_read(e + (0 .. 1)) && \valid_read(v);
    assigns rep->valid, rep->claim[0 .. 159], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == 0 || \result == 1;
*/
int nrc_check_enclosed(nrc_check_report *rep, nrc_error *err, const char *claim,
                       const double e[2], const nrc_cdy *v);

#endif
