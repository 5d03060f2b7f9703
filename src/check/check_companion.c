/* The min_flip companion file, read by the checker itself
 * (spec/CERTIFICATE.md "min_flip", spec/CHECK.md "min_flip and its
 * companion file"): where it is looked up, its SHA-256 against the
 * certificate's, and a strict reader of the safetensors layout the
 * certifier writes (an 8-byte little-endian header length, a JSON header
 * with dtype / shape / data_offsets per tensor, the raw little-endian
 * data). The checker does not link src/interop: this reader accepts only
 * the four tensors and dtypes of the min_flip companion, checks every size
 * against the file and every value (finite doubles), and nothing else
 * decides what the numbers mean (check_minflip_claims.c does). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_check_mfcert.h"
#include "nrc_check_minflip.h"
#include "nrc_io.h"
#include "nrc_sha256.h"

/* A companion is at most this large (x_adv holds at most n + m rows of d
 * doubles; the trees are bounded by the certifier's node budgets). */
#define MF_COMPANION_MAX ((size_t)1 << 40)

void nrc_cmf_free(nrc_cmf *mf)
{
    if (!mf)
        return;
    nrc_free(mf->pts);
    nrc_free(mf->x_adv);
    nrc_free(mf->beta);
    nrc_free(mf->rho);
    nrc_free(mf->tree);
    nrc_free(mf);
}

/* The four tensors: name, dtype, rank, element size. */
enum { T_XADV, T_BETA, T_RHO, T_TREE, T_COUNT };
static const char *const t_name[T_COUNT] = {"x_adv", "beta", "rho", "tree"};
static const char *const t_dtype[T_COUNT] = {"F64", "F64", "F64", "I32"};
static const unsigned t_rank[T_COUNT] = {2, 2, 2, 1};
static const uint64_t t_size[T_COUNT] = {8, 8, 8, 4};

typedef struct {
    uint64_t shape[2];
    uint64_t begin, end;   /* offsets in the data section */
} st_entry;

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    int b;
    for (b = 7; b >= 0; b--)
        v = (v << 8) | p[b];
    return v;
}

static nrc_status st_uint(json_t *v, const char *what, const char *tn, uint64_t *out,
                          nrc_error *err)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return nrc_error_set(err, NRC_ERR_INPUT, "tensor \"%s\": %s: expected an integer >= 0",
                             tn, what);
    *out = (uint64_t)json_integer_value(v);
    return NRC_OK;
}

/* One tensor's header entry: exactly dtype, shape, data_offsets; the dtype
 * and the rank of tensor t; its byte size equal to the product of the
 * shape times the element size, inside the data section (dlen bytes). */
static nrc_status st_tensor(json_t *e, int t, uint64_t dlen, st_entry *E, nrc_error *err)
{
    const char *tn = t_name[t];
    json_t *dt = json_object_get(e, "dtype"), *sh = json_object_get(e, "shape"),
           *off = json_object_get(e, "data_offsets");
    uint64_t count = 1;
    unsigned a;
    nrc_status st;
    if (!json_is_object(e) || !dt || !sh || !off || json_object_size(e) != 3)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "tensor \"%s\": expected exactly dtype, shape and data_offsets", tn);
    if (!json_is_string(dt) || strcmp(json_string_value(dt), t_dtype[t]) != 0)
        return nrc_error_set(err, NRC_ERR_INPUT, "tensor \"%s\": dtype must be %s", tn, t_dtype[t]);
    if (!json_is_array(sh) || json_array_size(sh) != t_rank[t])
        return nrc_error_set(err, NRC_ERR_INPUT, "tensor \"%s\": shape must have %u dimensions",
                             tn, t_rank[t]);
    E->shape[1] = 1;
    for (a = 0; a < t_rank[t]; a++) {
        if ((st = st_uint(json_array_get(sh, a), "shape", tn, &E->shape[a], err)))
            return st;
        if (E->shape[a] && count > UINT64_MAX / E->shape[a])
            return nrc_error_set(err, NRC_ERR_INPUT, "tensor \"%s\": shape overflows", tn);
        count *= E->shape[a];
    }
    if (count > dlen / t_size[t])
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "tensor \"%s\": a shape of %llu elements does not fit in the %llu "
                             "data bytes (truncated?)", tn, (unsigned long long)count,
                             (unsigned long long)dlen);
    if (!json_is_array(off) || json_array_size(off) != 2)
        return nrc_error_set(err, NRC_ERR_INPUT, "tensor \"%s\": data_offsets must be [begin, end]",
                             tn);
    if ((st = st_uint(json_array_get(off, 0), "data_offsets", tn, &E->begin, err)) ||
        (st = st_uint(json_array_get(off, 1), "data_offsets", tn, &E->end, err)))
        return st;
    if (E->begin > E->end || E->end > dlen)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "tensor \"%s\": data_offsets [%llu, %llu] outside the %llu data bytes "
                             "(truncated?)", tn, (unsigned long long)E->begin,
                             (unsigned long long)E->end, (unsigned long long)dlen);
    if (E->end - E->begin != count * t_size[t])
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "tensor \"%s\": %llu bytes for a shape of %llu elements of %s", tn,
                             (unsigned long long)(E->end - E->begin), (unsigned long long)count,
                             t_dtype[t]);
    return NRC_OK;
}

/* The data section is covered exactly, without holes or overlaps (as the
 * safetensors format requires): sorted by begin, each tensor starts where
 * the previous ends, the last ends at dlen. */
static nrc_status st_no_holes(const st_entry *E, uint64_t dlen, nrc_error *err)
{
    int order[T_COUNT], a, b;
    uint64_t at = 0;
    for (a = 0; a < T_COUNT; a++)
        order[a] = a;
    for (a = 1; a < T_COUNT; a++)
        for (b = a; b > 0 && E[order[b]].begin < E[order[b - 1]].begin; b--) {
            int t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    for (a = 0; a < T_COUNT; a++) {
        if (E[order[a]].begin != at)
            return nrc_error_set(err, NRC_ERR_INPUT,
                                 "tensor \"%s\": data does not start where the previous tensor's "
                                 "ends (holes or overlaps)", t_name[order[a]]);
        at = E[order[a]].end;
    }
    if (at != dlen)
        return nrc_error_set(err, NRC_ERR_INPUT, "%llu bytes after the last tensor",
                             (unsigned long long)(dlen - at));
    return NRC_OK;
}

/* The header: a JSON object with exactly the four tensors and an optional
 * __metadata__ (an object of strings, informative). */
static nrc_status st_header(const unsigned char *h, size_t hl, uint64_t dlen, st_entry *E,
                            nrc_error *err)
{
    json_error_t je;
    json_t *root = json_loadb((const char *)h, hl, JSON_REJECT_DUPLICATES, &je), *meta;
    nrc_status st = NRC_OK;
    size_t extra;
    int t;
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return nrc_error_set(err, NRC_ERR_INPUT, "header is not a JSON object%s%s",
                             root ? "" : ": ", root ? "" : je.text);
    }
    meta = json_object_get(root, "__metadata__");
    if (meta) {
        const char *key;
        json_t *val;
        if (!json_is_object(meta))
            st = nrc_error_set(err, NRC_ERR_INPUT, "__metadata__: expected an object");
        json_object_foreach(meta, key, val)
            if (!st && !json_is_string(val))
                st = nrc_error_set(err, NRC_ERR_INPUT, "__metadata__.%.60s: expected a string", key);
    }
    extra = json_object_size(root) - (meta ? 1 : 0);
    for (t = 0; t < T_COUNT && !st; t++) {
        json_t *e = json_object_get(root, t_name[t]);
        if (!e)
            st = nrc_error_set(err, NRC_ERR_INPUT, "tensor \"%s\" missing", t_name[t]);
        else
            st = st_tensor(e, t, dlen, &E[t], err);
    }
    if (!st && extra != T_COUNT)
        st = nrc_error_set(err, NRC_ERR_INPUT,
                           "%zu entries besides __metadata__, expected exactly x_adv, beta, rho, tree",
                           extra);
    json_decref(root);
    return st;
}

/* Tensor t's values: finite doubles, or int32 for the tree. */
static nrc_status st_read_f64(const unsigned char *p, uint64_t count, const char *tn,
                              double **out, nrc_error *err)
{
    uint64_t t;
    *out = nrc_malloc_array(count ? (size_t)count : 1, sizeof(double));
    if (!*out)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (%llu doubles of %s)",
                             (unsigned long long)count, tn);
    for (t = 0; t < count; t++) {
        uint64_t bits = le64(p + 8 * t);
        memcpy(&(*out)[t], &bits, sizeof(double));
        if (!isfinite((*out)[t]))
            return nrc_error_set(err, NRC_ERR_INPUT, "tensor \"%s\": element %llu is not finite",
                                 tn, (unsigned long long)t);
    }
    return NRC_OK;
}

static nrc_status st_read_i32(const unsigned char *p, uint64_t count, int32_t **out,
                              nrc_error *err)
{
    uint64_t t;
    *out = nrc_malloc_array(count ? (size_t)count : 1, sizeof(int32_t));
    if (!*out)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (%llu tree tokens)",
                             (unsigned long long)count);
    for (t = 0; t < count; t++) {
        const unsigned char *q = p + 4 * t;
        uint32_t u = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
                     (uint32_t)q[3] << 24;
        memcpy(&(*out)[t], &u, sizeof(int32_t));
    }
    return NRC_OK;
}

/* The layout, then the tensors into mf (shapes against d and k). */
static nrc_status st_parse(const unsigned char *buf, size_t len, uint64_t d, uint64_t k,
                           nrc_cmf *mf, nrc_error *err)
{
    st_entry E[T_COUNT];
    uint64_t hl, dlen;
    const unsigned char *data;
    nrc_status st;
    if (len < 8)
        return nrc_error_set(err, NRC_ERR_INPUT, "%zu bytes: shorter than the 8-byte header "
                             "length of a safetensors file", len);
    hl = le64(buf);
    if (hl > len - 8)
        return nrc_error_set(err, NRC_ERR_INPUT, "header length %llu exceeds the file's %zu bytes "
                             "(truncated?)", (unsigned long long)hl, len);
    data = buf + 8 + hl;
    dlen = len - 8 - hl;
    memset(E, 0, sizeof E);
    if ((st = st_header(buf + 8, (size_t)hl, dlen, E, err)) || (st = st_no_holes(E, dlen, err)))
        return st;
    if (E[T_XADV].shape[1] != d || E[T_BETA].shape[1] != k || E[T_RHO].shape[1] != k ||
        E[T_BETA].shape[0] != E[T_RHO].shape[0])
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "shapes: x_adv must be (P, d = %llu), beta and rho (Lt, k = %llu) "
                             "with the same Lt", (unsigned long long)d, (unsigned long long)k);
    mf->rows_x = E[T_XADV].shape[0];
    mf->rows_l = E[T_BETA].shape[0];
    mf->ntree = E[T_TREE].shape[0];
    if ((st = st_read_f64(data + E[T_XADV].begin, mf->rows_x * d, "x_adv", &mf->x_adv, err)) ||
        (st = st_read_f64(data + E[T_BETA].begin, mf->rows_l * k, "beta", &mf->beta, err)) ||
        (st = st_read_f64(data + E[T_RHO].begin, mf->rows_l * k, "rho", &mf->rho, err)))
        return st;
    return st_read_i32(data + E[T_TREE].begin, mf->ntree, &mf->tree, err);
}

/* One point's row and ranges inside their tensors. */
static nrc_status mf_point_ranges(const nrc_cmf *mf, const nrc_cmf_point *q, size_t r,
                                  nrc_error *err)
{
    if (q->upper && q->row >= mf->rows_x)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "min_flip.points[%zu].upper.row: %llu outside x_adv's %llu rows", r,
                             (unsigned long long)q->row, (unsigned long long)mf->rows_x);
    if (q->lower && (q->tok0 > mf->ntree || q->ntok > mf->ntree - q->tok0))
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "min_flip.points[%zu].lower.tree: [%llu, %llu] outside tree's %llu "
                             "tokens", r, (unsigned long long)q->tok0,
                             (unsigned long long)q->ntok, (unsigned long long)mf->ntree);
    if (q->lower && (q->leaf0 > mf->rows_l || q->nleaves > mf->rows_l - q->leaf0))
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "min_flip.points[%zu].lower.leaves: [%llu, %llu] outside beta's %llu "
                             "rows", r, (unsigned long long)q->leaf0,
                             (unsigned long long)q->nleaves, (unsigned long long)mf->rows_l);
    return NRC_OK;
}

/* Every certified claim's row and ranges inside their tensors, and its
 * tree well formed (T): a malformed certificate is an input error, found
 * before any claim is evaluated. */
static nrc_status mf_ranges(const nrc_cmf *mf, size_t k, nrc_error *err)
{
    nrc_check_mf_scratch S;
    size_t r;
    nrc_status st = nrc_check_mf_scratch_init(&S, k, err);
    for (r = 0; r < mf->n_pts && !st; r++) {
        const nrc_cmf_point *q = &mf->pts[r];
        st = mf_point_ranges(mf, q, r, err);
        if (!st && q->lower &&
            (st = nrc_check_mf_tree(mf->tree + q->tok0, (size_t)q->ntok, k, (size_t)q->nleaves,
                                    &S, err))) {
            char why[NRC_ERROR_MSG_MAX];
            snprintf(why, sizeof why, "%s", err->msg);
            nrc_error_set(err, st, "min_flip.points[%zu].lower.%s", r, why);
        }
    }
    nrc_check_mf_scratch_clear(&S);
    return st;
}

nrc_status nrc_check_mf_attach(nrc_cert *C, const unsigned char *buf, size_t len,
                               const char *name, nrc_error *err)
{
    nrc_cmf *mf = C->mf;
    unsigned char h[NRC_SHA256_SIZE];
    char hex[2 * NRC_SHA256_SIZE + 1];
    nrc_status st;
    if (!mf)
        return NRC_OK;
    nrc_sha256(buf, len, h);
    nrc_hex(h, NRC_SHA256_SIZE, hex);
    if (strcmp(hex, mf->sha256) != 0)
        st = nrc_error_set(err, NRC_ERR_INPUT,
                           "SHA-256 %s differs from the certificate's min_flip.companion.sha256 %s "
                           "(not the companion of this certificate, or changed)", hex, mf->sha256);
    else if ((st = st_parse(buf, len, C->d, C->k, mf, err)) == NRC_OK)
        st = mf_ranges(mf, (size_t)C->k, err);
    if (st) {
        nrc_error_prefix(err, name);
        return st;
    }
    mf->attached = 1;
    return NRC_OK;
}

/* Read the companion: mf_path, or companion.file beside the certificate. */
static nrc_status mf_read(nrc_cert *C, const char *cert_name, const char *mf_path,
                          nrc_error *err)
{
    char path[4096];
    const char *slash = strrchr(cert_name, '/');
    unsigned char *buf = NULL;
    size_t len = 0;
    nrc_status st;
    if (mf_path)
        snprintf(path, sizeof path, "%s", mf_path);
    else if (slash && (size_t)(slash - cert_name) + 1 + strlen(C->mf->file) >= sizeof path)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: path too long for the min_flip companion",
                             cert_name);
    else
        snprintf(path, sizeof path, "%.*s%s", slash ? (int)(slash - cert_name) + 1 : 0, cert_name,
                 C->mf->file);
    st = nrc_file_read_all(path, MF_COMPANION_MAX, &buf, &len, err);
    if (st) {
        char why[NRC_ERROR_MSG_MAX];
        snprintf(why, sizeof why, "%s", err->msg);
        return nrc_error_set(err, st, "min_flip companion %s (named by the certificate%s): %s",
                             path, mf_path ? "; given by --min-flip-data" : ", looked up in its "
                             "directory; or give --min-flip-data FILE", why);
    }
    st = nrc_check_mf_attach(C, buf, len, path, err);
    nrc_free(buf);
    return st;
}

/* The check of nrc_check_buffers_mf; when owned is not NULL, *owned is the
 * model buffer, released (and set to NULL) as soon as it is parsed and
 * hashed. The model's SHA-256 into sha. */
static nrc_status check_mf(const unsigned char *cert, size_t cert_len, const char *cert_name,
                           const unsigned char *model, size_t model_len, unsigned char **owned,
                           const char *model_name, const char *mf_path, unsigned char sha[32],
                           nrc_check_report *rep, nrc_error *err)
{
    json_error_t jerr;
    json_t *root;
    nrc_cert C;
    nrc_model M;
    nrc_status st;
    memset(rep, 0, sizeof *rep);
    root = json_loadb((const char *)cert, cert_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: line %d column %d: invalid JSON: %s",
                             cert_name, jerr.line, jerr.column, jerr.text);
    nrc_cert_init(&C);
    st = nrc_cert_parse(root, &C, err);
    json_decref(root);
    if (st)
        nrc_error_prefix(err, cert_name);
    else if (C.mf)
        st = mf_read(&C, cert_name, mf_path, err);
    nrc_model_init(&M);
    if (!st)
        st = nrc_model_parse(model, model_len, model_name, &M, err);
    if (!st)
        nrc_sha256(model, model_len, sha);
    if (owned) {
        nrc_free(*owned);
        *owned = NULL;
    }
    if (!st) {
        st = nrc_check_claims(&C, &M, sha, rep, err);
        if (st == NRC_ERR_INPUT)
            nrc_error_prefix(err, cert_name);
    }
    nrc_model_clear(&M);
    nrc_cert_clear(&C);
    return st;
}

nrc_status nrc_check_buffers_mf(const unsigned char *cert, size_t cert_len,
                                const char *cert_name,
                                const unsigned char *model, size_t model_len,
                                const char *model_name, const char *mf_path,
                                nrc_check_report *rep, nrc_error *err)
{
    unsigned char sha[32];
    return check_mf(cert, cert_len, cert_name, model, model_len, NULL, model_name, mf_path, sha,
                    rep, err);
}

nrc_status nrc_check_buffers_mf_take(const unsigned char *cert, size_t cert_len,
                                     const char *cert_name, unsigned char **model,
                                     size_t model_len, const char *model_name,
                                     const char *mf_path, unsigned char model_sha256[32],
                                     nrc_check_report *rep, nrc_error *err)
{
    return check_mf(cert, cert_len, cert_name, *model, model_len, model, model_name, mf_path,
                    model_sha256, rep, err);
}
