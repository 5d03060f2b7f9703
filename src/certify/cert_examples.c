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

static json_t *hexj(double x)
{
    char buf[64];
    if (x == 0)
        x = 0.0;
    snprintf(buf, sizeof buf, "%a", x);
    return json_string(buf);
}

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

nrc_status nrc_certify_examples(const nrc_model *M, const nrc_certify_result *C, nrc_engine *e,
                             char **out, size_t *len, size_t *n_ok,
                             size_t *n_total, nrc_error *err)
{
    size_t d = (size_t)M->d, k = (size_t)M->k, r, t;
    double *zmid = nrc_malloc_array(d, sizeof(double)), *xp = nrc_malloc_array(d, sizeof(double));
    double *lo = nrc_malloc_array(k, sizeof(double)), *hi = nrc_malloc_array(k, sizeof(double));
    json_t *root = NULL, *arr = NULL;
    nrc_xvec z, ax;
    nrc_status st = NRC_OK;
    arf_t val;
    char *s;
    *n_ok = *n_total = 0;
    z.v = ax.v = NULL;
    z.len = ax.len = 0;
    if (!zmid || !xp || !lo || !hi || nrc_xvec_init(&z, d, err) != NRC_OK ||
        nrc_xvec_init(&ax, k, err) != NRC_OK) {
        st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (examples)");
        goto done;
    }
    arf_init(val);
    nrc_exact_direction(&z, (size_t)M->n, d, M->X, M->y, C->dir_idx, C->dir_len);
    for (t = 0; t < d; t++)
        zmid[t] = arf_get_d(z.v + t, ARF_RND_NEAR);
    root = json_object();
    json_object_set_new(root, "format", json_string("nrc-examples"));
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "model_sha256", json_string(C->sha256_hex));
    json_object_set_new(root, "semantics", json_string("exact-real-on-binary64"));
    arr = json_array();
    for (r = 0; r < C->nflips; r++) {
        const nrc_flip *f = &C->flips[r];
        const double *x = f->set ? M->Xt + f->index * d : M->X + f->index * d;
        json_t *o, *xa;
        nrc_truth tr;
        if (f->status != NRC_FLIP_CERTIFIED)
            continue;
        (*n_total)++;
        for (t = 0; t < d; t++)
            xp[t] = x[t] - (f->sign * f->scale) * zmid[t];
        tr = flips_at(M, e, xp, f->sign, lo, hi, &ax, val, err);
        o = json_object();
        json_object_set_new(o, "set", json_string(f->set ? "test" : "train"));
        json_object_set_new(o, "index", json_integer((json_int_t)f->index));
        json_object_set_new(o, "sign", json_integer(f->sign));
        json_object_set_new(o, "status", json_string(tr == NRC_TRUE ? "certified" : "undecided"));
        xa = json_array();
        for (t = 0; t < d; t++)
            json_array_append_new(xa, hexj(xp[t]));
        json_object_set_new(o, "x", xa);
        json_array_append_new(arr, o);
        if (tr == NRC_TRUE)
            (*n_ok)++;
    }
    json_object_set_new(root, "examples", arr);
    s = json_dumps(root, JSON_PRESERVE_ORDER | JSON_INDENT(2));
    if (!s) {
        st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (examples)");
        arf_clear(val);
        goto done;
    }
    *len = strlen(s) + 1;
    *out = nrc_malloc(*len + 1);
    if (*out) {
        memcpy(*out, s, *len - 1);
        (*out)[*len - 1] = '\n';
        (*out)[*len] = '\0';
    } else {
        st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (examples)");
    }
    free(s);
    arf_clear(val);
done:
    json_decref(root);
    nrc_xvec_clear(&z);
    nrc_xvec_clear(&ax);
    nrc_free(zmid);
    nrc_free(xp);
    nrc_free(lo);
    nrc_free(hi);
    return st;
}
