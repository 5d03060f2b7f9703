/* The claim families of a certificate (spec/CHECK.md step 5,
 * spec/CERTIFICATE.md "What each member asserts"), one module each, called
 * by the driver nrc_check_claims (src/check/check_claims.c) in this order.
 * Each check reads the certificate's numbers from C (its scalars; the
 * arrays come as values), the exact quantities from the workspace, and
 * writes only its count in the report, and on the first false claim
 * rep->valid = 0, rep->claim and the message (nrc_check_fail). They return
 * NRC_OK when they ran, whatever the verdict. Internal to src/check. */
#ifndef NRC_CHECK_CLAIMS_H
#define NRC_CHECK_CLAIMS_H
#include "nrc_check_ws.h"

/* The certificate is about this model file and fits it (check_model.c):
 * model.sha256 equals the SHA-256 of the model file's bytes (sha); model.n,
 * d, k, m, bias and, when present, fixed_second_layer equal the header;
 * kkt.variant, when present, equals the model's flag bit 1 (whatever
 * kkt.status says). A digest that differs is a false claim (NRC_OK, report
 * invalid); sizes or flags that differ make the certificate unusable for
 * this model (NRC_ERR_INPUT). */
/*@ requires \valid_read(C) && \valid_read(M) && \valid(rep);
    requires err == \null || \valid(err);
    requires \valid_read(sha + (0 .. 31));
    requires \separated(C, M, rep);
    requires err == \null || \separated(err, C, M, rep);
    assigns rep->valid, rep->claim[0 .. 159], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INPUT;
    ensures \result != NRC_OK ==> rep->valid == 0;
    ensures \result == NRC_OK && rep->valid != 0 ==>
        C->n == M->n && C->d == M->d && C->k == M->k && C->m == M->m;
*/
nrc_status nrc_check_model(const nrc_cert *C, const nrc_model *M, const unsigned char *sha,
                           nrc_check_report *rep, nrc_error *err);

/* fit (check_fit.c): all_correct, min_margin, theta_norm_sq (when present),
 * normalized_margin. */
/*@ requires \valid_read(C) && nrc_ws_ok(w, N.n, N.d, N.k, N.m);
    requires \valid(rep) && (err == \null || \valid(err));
    assigns rep->fit, rep->valid, rep->claim[0 .. 159], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK;
*/
nrc_status nrc_check_fit(const nrc_cert *C, nrc_cnet N, nrc_check_ws w,
                         nrc_check_report *rep, nrc_error *err);

/* data (check_data.c): R_min_sq, R_max_sq, rho, eps_data, gamma_z,
 * z_norm_sq, n_pos, n_neg, regime. */
/*@ requires \valid_read(C) && nrc_cnet_ok(N) && nrc_ws_ok(w, N.n, N.d, N.k, N.m);
    requires \valid(rep) && (err == \null || \valid(err));
    assigns rep->data, rep->valid, rep->claim[0 .. 159], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK;
*/
nrc_status nrc_check_data(const nrc_cert *C, nrc_cnet N, nrc_check_ws w,
                          nrc_check_report *rep, nrc_error *err);

/* lipschitz (check_lipschitz.c): V.nnu = lipschitz.neuron_norm_upper (k
 * values), NULL when the member is absent (then nothing is claimed). */
/*@ requires \valid_read(C) && nrc_cnet_ok(N) && nrc_ws_ok(w, N.n, N.d, N.k, N.m);
    requires nrc_cert_view_ok(V, N.n, N.k);
    requires \valid(rep) && (err == \null || \valid(err));
    assigns rep->lipschitz, rep->valid, rep->claim[0 .. 159],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK;
*/
nrc_status nrc_check_lipschitz(const nrc_cert *C, nrc_cert_view V, nrc_cnet N,
                               nrc_check_ws w, nrc_check_report *rep, nrc_error *err);

/* flips (check_flips.c): every entry of V.flips in order, until the first
 * false claim; certified ones are checked exactly (from the pre-activations
 * of nrc_check_net), the others only counted. NRC_ERR_INTERNAL (never
 * expected: the parser checks it) when an index is out of range. */
/*@ requires \valid_read(C) && nrc_cnet_ok(N) && nrc_ws_ok(w, N.n, N.d, N.k, N.m);
    requires nrc_cert_view_ok(V, N.n, N.k);
    requires \valid(rep) && (err == \null || \valid(err));
    requires nrc_ws_apart(w, rep, err);
    requires \separated(rep, err);
    assigns w.ap[0 .. N.k - 1],
            rep->flips_train, rep->flips_test, rep->flips_other,
            rep->valid, rep->claim[0 .. 159], err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INTERNAL;
*/
nrc_status nrc_check_flips(const nrc_cert *C, nrc_cert_view V, nrc_cnet N, nrc_check_ws w,
                           nrc_check_report *rep, nrc_error *err);

/* kkt with status "certified" or absent (check_kkt.c, V.kkt != 0):
 * V.lambda (n values), V.kinks, the variant V.kkt_fixed. */
/*@ requires \valid_read(C) && nrc_cnet_ok(N) && nrc_ws_ok(w, N.n, N.d, N.k, N.m);
    requires nrc_cert_view_ok(V, N.n, N.k) && V.kkt != 0;
    requires \valid(rep) && (err == \null || \valid(err));
    requires nrc_ws_apart(w, rep, err);
    requires \separated(rep, err);
    assigns rep->kkt, rep->kink_tolerance, rep->valid, rep->claim[0 .. 159],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1],
            w.is_kink[0 .. N.n * N.k - 1], w.coef[0 .. N.n - 1], w.support[0 .. N.n - 1],
            w.Xc[0 .. N.d - 1], w.S[0 .. N.d], w.sp[0 .. 2 * NRC_CHECK_ACC_LIMBS - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM || \result == NRC_ERR_INTERNAL;
*/
nrc_status nrc_check_kkt(const nrc_cert *C, nrc_cert_view V, nrc_cnet N, nrc_check_ws w,
                         nrc_check_report *rep, nrc_error *err);

/* robust_reference with status "certified" (check_robust.c). */
/*@ requires \valid_read(C) && nrc_ws_ok(w, N.n, N.d, N.k, N.m);
    requires \valid(rep) && (err == \null || \valid(err));
    assigns rep->robust, rep->valid, rep->claim[0 .. 159],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK;
*/
nrc_status nrc_check_robust(const nrc_cert *C, nrc_cnet N, nrc_check_ws w,
                            nrc_check_report *rep, nrc_error *err);

/* min_flip (check_minflip_claims.c; spec/MINFLIP.md section 4): absent,
 * nothing; present, every entry of C->mf in order until the first false
 * claim, exactly, from w.Wr and the model's doubles, in memory of its own
 * (allocated and released here; the workspace is only read). Its counts:
 * rep->mf_*. A companion that was not attached (nrc_check_buffers reads
 * none) is a claim not verified: rep->valid = 0. NRC_ERR_INTERNAL when a
 * value the reader checked is out of range (never expected). */
/*@ requires \valid_read(C) && nrc_cnet_ok(N) && nrc_ws_ok(w, N.n, N.d, N.k, N.m);
    requires \valid(rep) && (err == \null || \valid(err));
    requires nrc_ws_apart(w, rep, err);
    requires \separated(rep, err);
    assigns rep->mf_present, rep->mf_upper, rep->mf_lower, rep->mf_leaves, rep->mf_vacuous,
            rep->mf_none, rep->valid, rep->claim[0 .. 159],
            err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM || \result == NRC_ERR_INTERNAL;
*/
nrc_status nrc_check_min_flip(const nrc_cert *C, nrc_cnet N, nrc_check_ws w,
                              nrc_check_report *rep, nrc_error *err);

#endif
