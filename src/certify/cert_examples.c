/* --emit-examples (include/certify/nrc_certify.h, spec/CERTIFY.md "Examples file"):
 * binary64 adversarial points x' = fl(x - p s z), each certified on its own
 * at its exact binary64 coordinates: p N(x') < 0, decided from engine
 * enclosures and, where they cannot decide, by the exact arbiter. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "nrc_alloc.h"
#include "nrc_certify.h"
#include "nrc_exact.h"
#include "nrc_fast.h"
#include "cert_run.h"

/* Decide p N(x') < 0 for a binary64 point x'. */
static nrc_truth flips_at(const nrc_model *M, nrc_engine *e, const double *xp, int p,
                          double *lo, double *hi, nrc_xvec *ax, arf_t val,
                          nrc_error *err)
{
    size_t k = (size_t)M->k, d = (size_t)M->d, j;
    const double *b = (M->flags & NRC_FLAG_BIAS) ? M->b : NULL;
    double Nl, Nh;
    if (nrc_engine_gemm(e, 1, k, d, xp, NULL, d, M->W, d, lo, hi, k, err) != NRC_OK)
        return NRC_UNKNOWN;
    for (j = 0; j < k; j++) {
        if (b)
            nrc_ia_add(lo[j], hi[j], b[j], b[j], &lo[j], &hi[j]);
        if (!(lo[j] > 0 || hi[j] < 0)) {
            nrc_exact_preact(ax->v + j, d, M->W + j * d, xp, b ? b + j : NULL);
            lo[j] = nrc_exact_get_lo(ax->v + j);
            hi[j] = nrc_exact_get_hi(ax->v + j);
        }
    }
    if (nrc_engine_ray(e, k, lo, hi, lo, hi, 0.0, M->v, &Nl, &Nh, err) != NRC_OK)
        return NRC_UNKNOWN;
    if ((p > 0 && Nh < 0) || (p < 0 && Nl > 0))
        return NRC_TRUE;
    if ((p > 0 && Nl >= 0) || (p < 0 && Nh <= 0))
        return NRC_FALSE;
    for (j = 0; j < k; j++)
        nrc_exact_preact(ax->v + j, d, M->W + j * d, xp, b ? b + j : NULL);
    nrc_exact_ray(val, k, ax->v, ax->v, 0.0, M->v);
    return nrc_exact_sgn(val) * p < 0 ? NRC_TRUE : NRC_FALSE;
}

/* Scratch of the examples: fl(z) and x' (d), pre-activation enclosures
 * (k), exact z (d) and exact pre-activations (k). */
typedef struct {
    double *zmid, *xp, *lo, *hi;
    nrc_xvec z, ax;
    arf_t val;
} ex_work;

/* The example of one certified flip: x' = fl(x - p s fl(z)), certified at
 * its exact coordinates or not (*ok). */
static json_t *example_json(const nrc_model *M, nrc_engine *e, const nrc_flip *f, ex_work *W,
                            int *ok, nrc_error *err)
{
    size_t d = (size_t)M->d, t;
    const double *x = f->set ? M->Xt + f->index * d : M->X + f->index * d;
    json_t *o = json_object(), *xa = json_array();
    nrc_truth tr;
    int bad = 0;
    for (t = 0; t < d; t++)
        W->xp[t] = x[t] - (f->sign * f->scale) * W->zmid[t];
    tr = flips_at(M, e, W->xp, f->sign, W->lo, W->hi, &W->ax, W->val, err);
    *ok = tr == NRC_TRUE;
    nrc_json_put(o, "set", json_string(f->set ? "test" : "train"), &bad);
    nrc_json_put(o, "index", json_integer((json_int_t)f->index), &bad);
    nrc_json_put(o, "sign", json_integer(f->sign), &bad);
    nrc_json_put(o, "status", json_string(*ok ? "certified" : "undecided"), &bad);
    for (t = 0; t < d; t++)
        nrc_json_push(xa, nrc_json_hex(W->xp[t]), &bad);
    nrc_json_put(o, "x", xa, &bad);
    return nrc_json_done(o, bad);
}

/* The examples document (spec/CERTIFY.md "Examples file"). */
static json_t *examples_json(const nrc_model *M, const nrc_certify_result *C, nrc_engine *e,
                             ex_work *W, size_t *n_ok, size_t *n_total, nrc_error *err)
{
    json_t *root = json_object(), *arr = json_array();
    size_t r;
    int bad = 0;
    nrc_json_put(root, "format", json_string("nrc-examples"), &bad);
    nrc_json_put(root, "version", json_integer(1), &bad);
    nrc_json_put(root, "model_sha256", json_string(C->sha256_hex), &bad);
    nrc_json_put(root, "semantics", json_string("exact-real-on-binary64"), &bad);
    for (r = 0; r < C->nflips && !bad; r++) {
        int ok;
        if (C->flips[r].status != NRC_FLIP_CERTIFIED)
            continue;
        (*n_total)++;
        nrc_json_push(arr, example_json(M, e, &C->flips[r], W, &ok, err), &bad);
        *n_ok += ok;
    }
    nrc_json_put(root, "examples", arr, &bad);
    return nrc_json_done(root, bad);
}

/* The text with a final newline, NUL-terminated, from nrc_malloc. */
static nrc_status examples_text(json_t *root, char **out, size_t *len, nrc_error *err)
{
    char *s = json_dumps(root, JSON_PRESERVE_ORDER | JSON_INDENT(2));
    if (!s)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (examples)");
    *len = strlen(s) + 1;
    *out = nrc_malloc(*len + 1);
    if (!*out) {
        free(s);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (examples)");
    }
    memcpy(*out, s, *len - 1);
    (*out)[*len - 1] = '\n';
    (*out)[*len] = '\0';
    free(s);
    return NRC_OK;
}

nrc_status nrc_certify_examples(const nrc_model *M, const nrc_certify_result *C, nrc_engine *e,
                                char **out, size_t *len, size_t *n_ok, size_t *n_total,
                                nrc_error *err)
{
    size_t d = (size_t)M->d, k = (size_t)M->k, t;
    ex_work W;
    json_t *root = NULL;
    void *ws;
    const nrc_ws_entry tab[] = {
        NRC_WS(W.zmid, d, 0), NRC_WS(W.xp, d, 0), NRC_WS(W.lo, k, 0), NRC_WS(W.hi, k, 0),
    };
    nrc_status st;
    *n_ok = *n_total = 0;
    W.z.v = W.ax.v = NULL;
    W.z.len = W.ax.len = 0;
    st = nrc_ws_alloc(&ws, tab, sizeof tab / sizeof tab[0], "examples", err);
    if (st == NRC_OK && (nrc_xvec_init(&W.z, d, err) != NRC_OK ||
                         nrc_xvec_init(&W.ax, k, err) != NRC_OK))
        st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (examples)");
    if (st == NRC_OK) {
        arf_init(W.val);
        nrc_exact_direction(&W.z, (size_t)M->n, d, M->X, M->y, C->dir_idx, C->dir_len);
        for (t = 0; t < d; t++)
            W.zmid[t] = arf_get_d(W.z.v + t, ARF_RND_NEAR);
        root = examples_json(M, C, e, &W, n_ok, n_total, err);
        st = root ? examples_text(root, out, len, err)
                  : nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (examples)");
        arf_clear(W.val);
    }
    json_decref(root);
    nrc_xvec_clear(&W.z);
    nrc_xvec_clear(&W.ax);
    nrc_free(ws);
    return st;
}
