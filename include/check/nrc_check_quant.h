/* The exact quantities the claim checks read, computed once by the driver
 * (src/check/check_claims.c) into the workspace: the rows of X and W, the
 * pre-activations, margins and parameter norms (check_exact_net.c), the
 * direction z and the data quantities (check_exact_data.c). All exact: dot
 * products with the fixed-point kernels, everything else with dyadics.
 * Internal to src/check. */
#ifndef NRC_CHECK_QUANT_H
#define NRC_CHECK_QUANT_H
#include "nrc_check_ws.h"

/* ---- kernels shared by the steps (check_exact_net.c) -------------------- */

/* r = <a, b> exactly, with the accumulators sp, sn (sl limbs each).
 * NRC_ERR_INTERNAL (never expected: NRC_CHECK_ACC_LIMBS covers every pair
 * of finite vectors) when a and b need more than sl limbs. */
/*@ requires 1 <= sl <= NRC_CHECK_ACC_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires \separated(sp + (0 .. sl - 1), sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(r) && nrc_cfix_valid((nrc_cfix *)a) && nrc_cfix_valid((nrc_cfix *)b);
    requires a->len == b->len;
    assigns *r, sp[0 .. sl - 1], sn[0 .. sl - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
*/
nrc_status nrc_check_dot(nrc_cdy *r, const nrc_cfix *a, const nrc_cfix *b, uint64_t *sp,
                         uint64_t *sn, size_t sl, nrc_error *err);

/* a_j = <w_j, x> (+ b_j when b is not NULL) for every neuron j < k, the
 * rows w_j exact in Wr. */
/*@ requires 1 <= k <= NRC_MODEL_DIM_MAX && 1 <= sl <= NRC_CHECK_ACC_LIMBS;
    requires \valid(sp + (0 .. sl - 1)) && \valid(sn + (0 .. sl - 1));
    requires err == \null || \valid(err);
    requires \valid(a + (0 .. k - 1)) && nrc_cfix_valid((nrc_cfix *)x);
    requires \forall integer u; 0 <= u < k ==>
        nrc_cfix_valid((nrc_cfix *)&Wr[u]) && Wr[u].len == x->len;
    requires b == \null || \valid_read(b + (0 .. k - 1));
    requires \separated(a + (0 .. k - 1), Wr + (0 .. k - 1), x, sp + (0 .. sl - 1),
                        sn + (0 .. sl - 1));
    assigns a[0 .. k - 1], sp[0 .. sl - 1], sn[0 .. sl - 1],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
*/
nrc_status nrc_check_neuron_dots(nrc_cdy *a, const nrc_cfix *Wr, size_t k, const nrc_cfix *x,
                                 const double *b, uint64_t *sp, uint64_t *sn, size_t sl,
                                 nrc_error *err);

/* *out = N = sum_j v_j relu(a_j) for the (k) pre-activations a (*tmp:
 * scratch). */
/*@ requires \valid(out) && \valid(tmp);
    requires \valid_read(a + (0 .. k - 1)) && \valid_read(v + (0 .. k - 1));
    assigns *out, *tmp;
*/
void nrc_check_eval_net(nrc_cdy *out, const nrc_cdy *a, const double *v, size_t k,
                        nrc_cdy *tmp);

/* ---- the steps (in the driver's order) ---------------------------------- */

/* w.Xr, w.Wr = the rows of X and W as exact vectors (check_exact_net.c). */
/*@ requires nrc_cnet_ok(N) && nrc_ws_ok(w, N.n, N.d, N.k, N.m);
    requires err == \null || \valid(err);
    requires nrc_ws_apart_err(w, err);
    assigns w.Xr[0 .. N.n - 1], w.Wr[0 .. N.k - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM;
    ensures x_valid: \result == NRC_OK ==> nrc_rows_valid(w.Xr, N.n);
    ensures x_len: \result == NRC_OK ==> nrc_rows_len(w.Xr, N.n, N.d);
    ensures w_valid: \result == NRC_OK ==> nrc_rows_valid(w.Wr, N.k);
    ensures w_len: \result == NRC_OK ==> nrc_rows_len(w.Wr, N.k, N.d);
*/
nrc_status nrc_check_rows(nrc_cnet N, nrc_check_ws w, nrc_error *err);

/* The network's quantities from the rows (check_exact_net.c): the
 * pre-activations w.A at the training points, w.At and ||xt||^2 in w.xxt
 * at the test points of certified flips (V.flips), the margins w.q and
 * *w.qmin, ||w_j||^2 in w.ww and the parameter norms *w.T_wb = ||(W,
 * b)||^2, *w.T_full = ||(W, b, v)||^2. The rows stay well-formed: the data
 * quantities read them next (each step passes them on in its
 * postcondition, proved in its own small context). */
/*@ requires nrc_cnet_ok(N) && nrc_cert_view_ok(V, N.n, N.k);
    requires nrc_ws_ok(w, N.n, N.d, N.k, N.m);
    requires err == \null || \valid(err);
    requires nrc_ws_apart_err(w, err);
    requires nrc_rows_valid(w.Xr, N.n);
    requires nrc_rows_len(w.Xr, N.n, N.d);
    requires nrc_rows_valid(w.Wr, N.k);
    requires nrc_rows_len(w.Wr, N.k, N.d);
    // (one range: A, At, q, xxt, ww, qmin, T_full, T_wb; the accumulators)
    assigns w.A[0 .. nrc_ws_nnet(N.n, N.k, N.m) - 1], w.sp[0 .. 2 * NRC_CHECK_ACC_LIMBS - 1],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM || \result == NRC_ERR_INTERNAL;
    ensures x_valid: nrc_rows_valid(w.Xr, N.n);
    ensures x_len: nrc_rows_len(w.Xr, N.n, N.d);
    ensures w_valid: nrc_rows_valid(w.Wr, N.k);
    ensures w_len: nrc_rows_len(w.Wr, N.k, N.d);
*/
nrc_status nrc_check_net(nrc_cert_view V, nrc_cnet N, nrc_check_ws w, nrc_error *err);

/* The data quantities (check_exact_data.c): the direction *w.z =
 * sum_{l in I} y_l x_l exactly, I = V's direction indices (every point when
 * V.dir_all), ||x_i||^2 in w.xx with *w.Rmin, *w.Rmax their minimum and
 * maximum, *w.rho = max_{i != l} |<x_i, x_l>| (0 when n = 1), *w.zz =
 * ||z||^2, *w.gz = gamma_z = min_i y_i <x_i, z> and <w_j, z> in w.wz. */
/*@ requires nrc_cnet_ok(N) && nrc_cert_view_ok(V, N.n, N.k);
    requires nrc_ws_ok(w, N.n, N.d, N.k, N.m);
    requires err == \null || \valid(err);
    requires nrc_ws_apart_err(w, err);
    requires nrc_rows_valid(w.Xr, N.n);
    requires nrc_rows_len(w.Xr, N.n, N.d);
    requires nrc_rows_valid(w.Wr, N.k);
    requires nrc_rows_len(w.Wr, N.k, N.d);
    // (one range: xx, wz, rho, Rmin, Rmax, zz, gz; z; the accumulators)
    assigns *w.z, w.xx[0 .. nrc_ws_ndata(N.n, N.k) - 1],
            w.sp[0 .. 2 * NRC_CHECK_ACC_LIMBS - 1], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM || \result == NRC_ERR_INTERNAL;
*/
nrc_status nrc_check_data_q(nrc_cert_view V, nrc_cnet N, nrc_check_ws w, nrc_error *err);

#endif
