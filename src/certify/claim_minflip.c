/* The min_flip claims (`certify --min-flip`; spec/CERTIFICATE.md
 * "min_flip", spec/MINFLIP.md): for every point of the flip entries, claim
 * U (a binary64 x' with p N(x') <= 0 and ||x' - x|| <= U) and claim D
 * (p N > 0 on the open ball of radius D, by a split tree with per-leaf
 * linear minorants). The search and the rigorous decisions of one point
 * are src/certify/minflip.c; this module runs them over the points with the
 * pipeline's values, collects the adversarial points and leaf data into
 * the companion file (safetensors, written with src/interop's writer) and
 * emits the certificate member, which names the companion by its SHA-256.
 *
 * Engine independence (spec/CERTIFY.md "When the engines agree"): the
 * search reads only binary64 values computed the same way for every engine
 * (the search pre-activations R->Ad / R->ATd, fl(W W^T), c = fl(W fl(z))),
 * and claim U is decided exactly where the enclosures leave it open, so
 * its verdict, point and strictness are the same for every engine; claim
 * D's radius is decided from the engine's enclosures (src/certify
 * /minflip_rigor.c), so its value (and rho) may differ by the enclosures'
 * width. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_cert_search.h"
#include "nrc_minflip.h"
#include "nrc_sha256.h"
#include "nrc_tensor.h"
#include "cert_run.h"

/* Growing arrays of what goes to the companion file. */
typedef struct {
    double *xadv;         /* (rows, d) */
    int32_t *tree;        /* (tokens) */
    double *beta, *rho;   /* (leaves, k) */
    size_t rows, tokens, leaves;
    size_t cap_rows, cap_tokens, cap_beta, cap_rho;   /* in elements */
} mf_store;

/* Room for `more` items of `size` bytes at *p (count used, *cap held). */
static int mf_reserve(void **p, size_t count, size_t more, size_t size, size_t *cap)
{
    size_t want = count + more, nc;
    void *q;
    if (want < count)
        return 0;
    if (want <= *cap)
        return 1;
    nc = *cap ? *cap : 16;
    while (nc < want)
        nc = nc > SIZE_MAX / 2 ? want : 2 * nc;
    if (nc > SIZE_MAX / size)
        return 0;
    q = nrc_realloc(*p, nc * size);
    if (!q)
        return 0;
    *p = q;
    *cap = nc;
    return 1;
}

static void mf_store_clear(mf_store *S)
{
    nrc_free(S->xadv);
    nrc_free(S->tree);
    nrc_free(S->beta);
    nrc_free(S->rho);
    memset(S, 0, sizeof *S);
}

/* The certified parts of one point's result into the store and the entry. */
static nrc_status mf_keep(mf_store *S, size_t d, size_t k, const nrc_mf_point *pt,
                          nrc_mf_entry *E, nrc_error *err)
{
    if (pt->upper_ok) {
        if (!mf_reserve((void **)&S->xadv, S->rows * d, d, sizeof(double), &S->cap_rows))
            return nrc_cert_oom(err, "min-flip adversarial points");
        memcpy(S->xadv + S->rows * d, pt->xadv, d * sizeof(double));
        E->upper_ok = 1;
        E->strict = pt->strict;
        E->U = pt->U;
        E->row = S->rows++;
    }
    if (pt->lower_ok) {
        if (!mf_reserve((void **)&S->tree, S->tokens, pt->ntok, sizeof(int32_t), &S->cap_tokens) ||
            !mf_reserve((void **)&S->beta, S->leaves * k, pt->nleaves * k, sizeof(double),
                        &S->cap_beta) ||
            !mf_reserve((void **)&S->rho, S->leaves * k, pt->nleaves * k, sizeof(double),
                        &S->cap_rho))
            return nrc_cert_oom(err, "min-flip leaves");
        memcpy(S->tree + S->tokens, pt->tree, pt->ntok * sizeof(int32_t));
        memcpy(S->beta + S->leaves * k, pt->beta, pt->nleaves * k * sizeof(double));
        memcpy(S->rho + S->leaves * k, pt->rho, pt->nleaves * k * sizeof(double));
        E->lower_ok = 1;
        E->D = pt->D;
        E->tok0 = S->tokens;
        E->ntok = pt->ntok;
        E->leaf0 = S->leaves;
        E->nleaves = pt->nleaves;
        S->tokens += pt->ntok;
        S->leaves += pt->nleaves;
    }
    if (!pt->upper_ok)
        E->upper_reason = isfinite(pt->U_search)
            ? "the point the search found did not certify at its binary64 coordinates"
            : "no point with p N(x') <= 0 found (binary64 search)";
    if (!pt->lower_ok)
        E->lower_reason = "no radius certified";
    return NRC_OK;
}

/* What one pass over the points shares. */
typedef struct {
    nrc_mf_model mm;
    nrc_mf_options o;
    mf_store S;
    double *pe, *work;    /* (k) the paper's perturbation, (2 k) sweep */
    size_t *idx;          /* (k) */
    size_t done, total;
} mf_run;

/* One point: set 0 train, 1 test, row i; entry r (= flip entry r). */
static nrc_status mf_point(nrc_cert_run *R, mf_run *F, int set, size_t i, size_t r,
                           nrc_error *err)
{
    nrc_certify_result *C = R->C;
    nrc_mf_entry *E = &C->mf[r];
    const size_t k = R->k, d = R->d;
    nrc_mf_input in;
    nrc_mf_point pt;
    double tstar, tnext;
    nrc_status st;
    size_t j;
    E->set = set;
    E->index = i;
    E->sign = set ? R->sgnT[i] : R->sgn[i];
    E->U_paper = C->flips[r].status == NRC_FLIP_CERTIFIED ? C->flips[r].delta_upper : NAN;
    if (E->sign == 0) {
        E->upper_reason = E->lower_reason = "N(x) = 0";
        return NRC_OK;
    }
    in.x = (set ? R->M->Xt : R->M->X) + i * d;
    in.p = E->sign;
    in.a = (set ? R->ATd : R->Ad) + i * k;
    in.alo = (set ? R->Tlo : R->Alo) + i * k;
    in.ahi = (set ? R->Thi : R->Ahi) + i * k;
    in.paper_e = NULL;
    in.paper_s = 0;
    /* the paper's direction x - p t z, from the flip step's own sweep on
     * the same binary64 values (the written scale may be engine-specific) */
    if (nrc_flip_sweep_approx(k, in.a, R->cd, R->M->v, E->sign, &tstar, &tnext, F->work, F->idx)) {
        for (j = 0; j < k; j++)
            F->pe[j] = -E->sign * R->cd[j];
        in.paper_e = F->pe;
        in.paper_s = tstar * (1 + 0x1p-30);
    }
    nrc_mf_point_init(&pt);
    st = nrc_mf_point_decide(&F->mm, R->e, &in, &F->o, &pt, err);
    if (st == NRC_OK && !pt.sign_ok) {
        E->upper_reason = E->lower_reason = "p N(x) > 0 not certified";
    } else if (st == NRC_OK) {
        E->nodes = pt.nodes;
        if (pt.lower_exact)
            C->refined |= NRC_REFINED_MINFLIP;
        st = mf_keep(&F->S, d, k, &pt, E, err);
    }
    nrc_mf_point_clear(&pt);
    return st;
}

static nrc_status mf_set(nrc_cert_run *R, mf_run *F, int set, size_t *r, nrc_error *err)
{
    const nrc_certify_options *o = &R->C->opt;
    size_t i, cnt = set ? R->m : R->n;
    nrc_status st = NRC_OK;
    for (i = 0; i < cnt && st == NRC_OK; i++, (*r)++) {
        st = mf_point(R, F, set, i, *r, err);
        F->done++;
        if (o->progress)
            o->progress(o->progress_ctx, "min-flip", F->done, F->total);
    }
    return st;
}

/* The companion file's image (spec/CERTIFICATE.md "min_flip"): float64
 * x_adv (rows, d), beta and rho (leaves, k), then int32 tree (tokens), so
 * that every tensor starts 8-aligned, with a __metadata__ naming the format
 * and the model. */
static void mf_tensor(nrc_tensor *T, char *name, nrc_dtype dt, unsigned ndim, uint64_t rows,
                      uint64_t cols, const void *data)
{
    T->name = name;
    T->dtype = dt;
    T->ndim = ndim;
    T->shape[0] = rows;
    T->shape[1] = cols;
    T->count = ndim == 2 ? rows * cols : rows;
    T->data = data ? (const unsigned char *)data : (const unsigned char *)"";  /* empty: no NULL to memcpy */
}

static nrc_status mf_companion(nrc_certify_result *C, const mf_store *S, nrc_error *err)
{
    static char n_x[] = "x_adv", n_t[] = "tree", n_b[] = "beta", n_r[] = "rho";
    nrc_tensor T[4];
    unsigned char h[NRC_SHA256_SIZE];
    char meta[160];
    memset(T, 0, sizeof T);
    mf_tensor(&T[0], n_x, NRC_DT_F64, 2, S->rows, C->d, S->xadv);
    mf_tensor(&T[1], n_b, NRC_DT_F64, 2, S->leaves, C->k, S->beta);
    mf_tensor(&T[2], n_r, NRC_DT_F64, 2, S->leaves, C->k, S->rho);
    mf_tensor(&T[3], n_t, NRC_DT_I32, 1, S->tokens, 0, S->tree);
    snprintf(meta, sizeof meta,
             "{\"format\": \"nrc-min-flip\", \"version\": \"1\", \"model_sha256\": \"%s\"}",
             C->sha256_hex);
    {
        nrc_status st = nrc_safetensors_write(T, 4, meta, &C->mf_data, &C->mf_len, err);
        if (st != NRC_OK)
            return st;
    }
    nrc_sha256(C->mf_data, C->mf_len, h);
    nrc_hex(h, NRC_SHA256_SIZE, C->mf_sha256_hex);
    C->mf_rows = S->rows;
    C->mf_tokens = S->tokens;
    C->mf_leaves = S->leaves;
    return NRC_OK;
}

nrc_status nrc_claim_minflip_decide(nrc_cert_run *R, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    mf_run F;
    void *ws = NULL;
    size_t r = 0;
    nrc_status st;
    if (!C->opt.min_flip)
        return NRC_OK;
    memset(&F, 0, sizeof F);
    {
        const nrc_ws_entry tab[] = { NRC_WS(F.pe, R->k, 0), NRC_WS(F.work, 2 * R->k, 0),
                                     NRC_WS(F.idx, R->k, 0) };
        st = nrc_ws_alloc(&ws, tab, sizeof tab / sizeof tab[0], "min-flip sweep", err);
    }
    C->nmf = C->nflips;
    C->mf = nrc_calloc(C->nmf ? C->nmf : 1, sizeof(nrc_mf_entry));
    if (st == NRC_OK && !C->mf)
        st = nrc_cert_oom(err, "min-flip entries");
    if (st == NRC_OK)
        st = nrc_mf_model_init(&F.mm, R->M, C->neuron_norm_upper, R->e, err);
    if (st == NRC_OK) {
        nrc_mf_options_default(&F.o, R->k);
        F.total = C->nmf;
        if (C->opt.points & NRC_POINTS_TRAIN)
            st = mf_set(R, &F, 0, &r, err);
        if (st == NRC_OK && (C->opt.points & NRC_POINTS_TEST))
            st = mf_set(R, &F, 1, &r, err);
        nrc_mf_model_clear(&F.mm);
    }
    if (st == NRC_OK)
        st = mf_companion(C, &F.S, err);
    mf_store_clear(&F.S);
    nrc_free(ws);
    return st;
}

int nrc_claim_minflip_present(const nrc_certify_result *C)
{
    return C->opt.min_flip;
}

/* One claim's object: certified with its values, or "none" with why. */
static json_t *mf_upper_json(const nrc_mf_entry *E)
{
    json_t *o = json_object();
    int bad = 0;
    nrc_json_put(o, "status", json_string(E->upper_ok ? "certified" : "none"), &bad);
    if (E->upper_ok) {
        nrc_json_put(o, "U", nrc_json_hex(E->U), &bad);
        nrc_json_put(o, "strict", json_boolean(E->strict), &bad);
        nrc_json_put(o, "row", json_integer((json_int_t)E->row), &bad);
    } else {
        nrc_json_put(o, "reason", json_string(E->upper_reason ? E->upper_reason : "none"), &bad);
    }
    return nrc_json_done(o, bad);
}

/* [first, count] */
static json_t *mf_range(size_t first, size_t count)
{
    return json_pack("[II]", (json_int_t)first, (json_int_t)count);
}

static json_t *mf_lower_json(const nrc_mf_entry *E)
{
    json_t *o = json_object();
    int bad = 0;
    nrc_json_put(o, "status", json_string(E->lower_ok ? "certified" : "none"), &bad);
    if (E->lower_ok) {
        nrc_json_put(o, "D", nrc_json_hex(E->D), &bad);
        nrc_json_put(o, "tree", mf_range(E->tok0, E->ntok), &bad);
        nrc_json_put(o, "leaves", mf_range(E->leaf0, E->nleaves), &bad);
    } else {
        nrc_json_put(o, "reason", json_string(E->lower_reason ? E->lower_reason : "none"), &bad);
    }
    return nrc_json_done(o, bad);
}

json_t *nrc_claim_minflip_json(const nrc_certify_result *C)
{
    json_t *o = json_object(), *comp = json_object(), *pts = json_array();
    size_t r;
    int bad = 0;
    nrc_json_put(comp, "file", json_string(C->opt.min_flip_name ? C->opt.min_flip_name : ""), &bad);
    nrc_json_put(comp, "sha256", json_string(C->mf_sha256_hex), &bad);
    nrc_json_put(comp, "format", json_string("safetensors"), &bad);
    for (r = 0; r < C->nmf; r++) {
        const nrc_mf_entry *E = &C->mf[r];
        json_t *e = json_object();
        nrc_json_put(e, "set", json_string(E->set ? "test" : "train"), &bad);
        nrc_json_put(e, "index", json_integer((json_int_t)E->index), &bad);
        nrc_json_put(e, "sign", json_integer(E->sign >= 0 ? 1 : -1), &bad);
        nrc_json_put(e, "upper", mf_upper_json(E), &bad);
        nrc_json_put(e, "lower", mf_lower_json(E), &bad);
        nrc_json_push(pts, e, &bad);
    }
    nrc_json_put(o, "companion", comp, &bad);
    nrc_json_put(o, "points", pts, &bad);
    return nrc_json_done(o, bad);
}
