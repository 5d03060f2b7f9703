/* The driver of the exact claim evaluation (spec/CHECK.md steps 3-5): the
 * model section, then the workspace, the exact quantities and the claim
 * families in order, until the first false claim. Every quantity is a
 * polynomial in the stored doubles, computed as an exact dyadic; nothing
 * rounds (the steps: include/check/nrc_check_quant.h, nrc_check_claims.h).
 *
 * The driver reads what the steps need once, at entry, into values: the
 * model's sizes and arrays (nrc_cnet), the certificate's arrays and
 * switches, and, after the allocation, the workspace (nrc_check_ws). It
 * passes them to the steps, which cannot change them; so what it knows
 * about them (valid, apart, the size table) holds for every step without a
 * frame (proofs/README.md, "The driver"). */
#include <string.h>
#include "nrc_check_cert.h"
#include "nrc_check_claims.h"
#include "nrc_check_quant.h"

/* The exact quantities, then the claims in the order of spec/CHECK.md
 * step 5, until the first error or false claim (rep->valid == 0). The rows
 * of X and W go from step to step in the steps' postconditions. */
/*@ requires nrc_cnet_ok(N) && nrc_cert_view_ok(V, N.n, N.k);
    requires nrc_ws_ok(w, N.n, N.d, N.k, N.m);
    requires \valid_read(C) && \valid(rep) && (err == \null || \valid(err));
    requires nrc_ws_apart(w, rep, err) && \separated(rep, err);
    // what the steps write
    assigns *rep, err->msg[0 .. NRC_ERROR_MSG_MAX - 1],
            w.Xr[0 .. N.n - 1], w.Wr[0 .. N.k - 1], w.A[0 .. nrc_ws_nnet(N.n, N.k, N.m) - 1],
            *w.z, w.xx[0 .. nrc_ws_ndata(N.n, N.k) - 1], w.ap[0 .. N.k - 1],
            w.is_kink[0 .. N.n * N.k - 1], w.coef[0 .. N.n - 1], w.support[0 .. N.n - 1],
            w.Xc[0 .. N.d - 1], w.S[0 .. N.d], w.sp[0 .. 2 * NRC_CHECK_ACC_LIMBS - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM || \result == NRC_ERR_INTERNAL;
*/
static nrc_status run_steps(const nrc_cert *C, nrc_cert_view V, nrc_cnet N, nrc_check_ws w,
                            nrc_check_report *rep, nrc_error *err)
{
    nrc_status st;
    if ((st = nrc_check_rows(N, w, err)) || (st = nrc_check_net(V, N, w, err)) ||
        (st = nrc_check_data_q(V, N, w, err)))
        return st;
    /* fit, data and lipschitz cannot fail (their contracts: NRC_OK); a
     * test of their status would be dead code (WP's smoke tests) */
    st = nrc_check_fit(C, N, w, rep, err);
    if (!rep->valid)
        return st;
    st = nrc_check_data(C, N, w, rep, err);
    if (!rep->valid)
        return st;
    st = nrc_check_lipschitz(C, V, N, w, rep, err);
    if (!rep->valid)
        return st;
    if ((st = nrc_check_flips(C, V, N, w, rep, err)) || !rep->valid)
        return st;
    if ((st = nrc_check_min_flip(C, N, w, rep, err)) || !rep->valid)
        return st;
    if (V.kkt && ((st = nrc_check_kkt(C, V, N, w, rep, err)) || !rep->valid))
        return st;
    if (V.robust)
        st = nrc_check_robust(C, N, w, rep, err);
    return st;
}

/* The workspace's life: allocated (nothing else allocates), the steps,
 * released. */
/*@ requires nrc_cnet_ok(N) && nrc_cert_view_ok(V, N.n, N.k);
    requires \valid_read(C) && \valid(rep) && (err == \null || \valid(err));
    requires \separated(rep, err);
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM || \result == NRC_ERR_INTERNAL;
    ensures \result != NRC_OK ==> rep->valid == 0;
*/
static nrc_status with_workspace(const nrc_cert *C, nrc_cert_view V, nrc_cnet N,
                                 nrc_check_report *rep, nrc_error *err)
{
    nrc_check_ws ws;
    nrc_status st;
    if ((st = nrc_check_ws_alloc(&ws, N.n, N.d, N.k, N.m, err) /*@ ghost (rep) */)) {
        rep->valid = 0;
        return st;
    }
    {
        const nrc_check_ws w = ws;   /* the workspace as a value */
        st = run_steps(C, V, N, w, rep, err);
        nrc_check_ws_free(w, N.n, N.d, N.k, N.m);
    }
    if (st)
        rep->valid = 0;
    return st;
}

nrc_status nrc_check_claims(const nrc_cert *C, const nrc_model *M,
                            const unsigned char model_sha256[32],
                            nrc_check_report *rep, nrc_error *err)
{
    /* What the steps read, as values (see above). */
    const nrc_cnet N = {M->n, M->d, M->k, M->m, M->W, M->b, M->v, M->X, M->y, M->Xt};
    const nrc_cert_view V = {C->dir_all, C->indices, C->n_indices,
                             C->has_lipschitz ? C->neuron_norm_upper : NULL,
                             C->flips, C->n_flips, C->kkt_certified,
                             (M->flags & NRC_FLAG_FIXED_V) != 0, C->lambda, C->kinks,
                             C->n_kinks, C->robust_certified};
    nrc_status st;
    //@ ghost size_t cn = C->n;
    //@ ghost size_t ck = C->k;
    //@ assert net: nrc_cnet_ok(N);
    //@ assert view: nrc_cert_view_ok(V, cn, ck);
    nrc_check_report_start(rep, C->has_lipschitz);
    /* The certificate must be about this model file, with its sizes. */
    if ((st = nrc_check_model(C, M, model_sha256, rep, err)) || !rep->valid)
        return st;
    //@ assert sizes: cn == N.n && ck == N.k;
    return with_workspace(C, V, N, rep, err);
}

#ifndef __FRAMAC__
/* jansson glue (not analysed by Frama-C). */
nrc_status nrc_check_buffers(const unsigned char *cert, size_t cert_len,
                             const char *cert_name,
                             const unsigned char *model, size_t model_len,
                             const char *model_name,
                             nrc_check_report *rep, nrc_error *err)
{
    json_error_t jerr;
    json_t *root;
    nrc_cert C;
    nrc_model M;
    unsigned char sha[32];
    nrc_status st;
    memset(rep, 0, sizeof *rep);
    root = json_loadb((const char *)cert, cert_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: line %d column %d: invalid JSON: %s",
                             cert_name, jerr.line, jerr.column, jerr.text);
    nrc_cert_init(&C);
    st = nrc_cert_parse(root, &C, err);
    json_decref(root);
    if (st) {
        nrc_error_prefix(err, cert_name);
        nrc_cert_clear(&C);
        return st;
    }
    nrc_model_init(&M);
    st = nrc_model_parse(model, model_len, model_name, &M, err);
    if (st) {
        nrc_cert_clear(&C);
        return st;
    }
    nrc_sha256(model, model_len, sha);
    st = nrc_check_claims(&C, &M, sha, rep, err);
    if (st == NRC_ERR_INPUT)
        nrc_error_prefix(err, cert_name);
    nrc_model_clear(&M);
    nrc_cert_clear(&C);
    return st;
}
#endif
