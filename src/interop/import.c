/* Assemble a model file from imported tensors (include/interop/nrc_import.h,
 * spec/IMPORT.md): find each role's tensor, check shapes against each
 * other, convert exactly to binary64, and record the provenance. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "nrc_alloc.h"
#include "nrc_import.h"

const char *const nrc_role_names[NRC_ROLES] = {"W", "b", "v", "c", "X", "y", "Xt", "yt"};
const char *const nrc_role_default[NRC_ROLES] = {"0.weight", "0.bias", "2.weight", "2.bias",
                                                 "X", "y", "Xt", "yt"};

int nrc_role_from_name(const char *s)
{
    int r;
    for (r = 0; r < NRC_ROLES; r++)
        if (strcmp(s, nrc_role_names[r]) == 0)
            return r;
    return -1;
}

int nrc_import_option(nrc_import_opts *o, const char *opt, const char *val, nrc_status *st,
                      nrc_error *err)
{
    int r = (opt[0] == '-' && opt[1] == '-') ? nrc_role_from_name(opt + 2) : -1;
    *st = NRC_OK;
    if (r >= 0) {
        o->file[r] = val;
    } else if (strcmp(opt, "--weights") == 0) {
        o->weights = val;
    } else if (strcmp(opt, "--data") == 0) {
        o->data = val;
    } else if (strcmp(opt, "--layout") == 0) {
        if (strcmp(val, "out-in") && strcmp(val, "in-out"))
            *st = nrc_error_set(err, NRC_ERR_USAGE,
                                "--layout %s: expected out-in ([k, d]) or in-out ([d, k])", val);
        o->in_out = strcmp(val, "in-out") == 0;
    } else if (strcmp(opt, "--labels") == 0) {
        if (strcmp(val, "pm1") && strcmp(val, "01"))
            *st = nrc_error_set(err, NRC_ERR_USAGE, "--labels %s: expected pm1 (+1/-1) or 01 (0/1)", val);
        o->labels01 = strcmp(val, "01") == 0;
    } else if (strcmp(opt, "--name") == 0) {
        const char *eq = strchr(val, '=');
        char role[8];
        int rr = -1;
        if (eq && eq > val && (size_t)(eq - val) < sizeof role && eq[1]) {
            memcpy(role, val, (size_t)(eq - val));
            role[eq - val] = '\0';
            rr = nrc_role_from_name(role);
        }
        if (rr < 0)
            *st = nrc_error_set(err, NRC_ERR_USAGE,
                                "--name %s: expected ROLE=TENSOR with ROLE one of W, b, v, c, X, y, "
                                "Xt, yt (e.g. W=fc1.weight)", val);
        else if (o->name[rr])
            *st = nrc_error_set(err, NRC_ERR_USAGE, "--name %s: role %s named twice", val, role);
        else
            o->name[rr] = eq + 1;
    } else {
        return 0;
    }
    return 1;
}

#define MAX_FILES (NRC_ROLES + 2)

typedef struct {
    nrc_tensor_file files[MAX_FILES];
    unsigned char *used[MAX_FILES];     /* per tensor: some role took it */
    size_t nfiles;
    const nrc_tensor *t[NRC_ROLES];     /* NULL: absent */
    size_t fi[NRC_ROLES];               /* file index of each role */
    uint64_t n, d, k, m;
} import_ctx;

static int required(int r)
{
    return r == NRC_ROLE_W || r == NRC_ROLE_V || r == NRC_ROLE_X || r == NRC_ROLE_Y;
}

static const char *role_path(const nrc_import_opts *o, int r)
{
    if (o->file[r])
        return o->file[r];
    if (r <= NRC_ROLE_C)
        return o->weights;
    return o->data ? o->data : o->weights;
}

static nrc_status open_file(import_ctx *c, const char *path, size_t *fi, nrc_error *err)
{
    size_t i;
    nrc_status st;
    for (i = 0; i < c->nfiles; i++)
        if (strcmp(c->files[i].path, path) == 0) {
            *fi = i;
            return NRC_OK;
        }
    /* the metadata (JSON, UTF-8) records the file's name */
    if (nrc_utf8_check((const unsigned char *)path, strlen(path)) != strlen(path))
        return nrc_error_set(err, NRC_ERR_USAGE,
                             "%s: the file name is not valid UTF-8 (the model's metadata records it); "
                             "rename the file", path);
    nrc_tensor_file_init(&c->files[c->nfiles]);
    st = nrc_tensor_file_read(path, &c->files[c->nfiles], err);
    if (st != NRC_OK)
        return st;
    c->used[c->nfiles] = nrc_calloc(c->files[c->nfiles].count + 1, 1);
    if (!c->used[c->nfiles]) {
        nrc_tensor_file_clear(&c->files[c->nfiles]);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    }
    *fi = c->nfiles++;
    return NRC_OK;
}

/* "a", "b", "c" (at most ~600 bytes) */
static void list_names(const nrc_tensor_file *F, char *out, size_t cap)
{
    size_t i, used = 0;
    out[0] = '\0';
    for (i = 0; i < F->count && used + 80 < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s\"%.60s\"", i ? ", " : "", F->t[i].name);
    if (i < F->count)
        snprintf(out + used, cap - used, ", ...");
    if (F->count == 0)
        snprintf(out, cap, "none");
}

static nrc_status find_role(import_ctx *c, const nrc_import_opts *o, int r, nrc_error *err)
{
    const char *path = role_path(o, r), *name;
    const nrc_tensor_file *F;
    size_t fi = 0, ti;
    nrc_status st;
    if (!path) {
        if (!required(r))
            return NRC_OK;
        return nrc_error_set(err, NRC_ERR_USAGE, "no file for %s: give %s (try --help)",
                             nrc_role_names[r], r <= NRC_ROLE_C ? "--weights FILE" : "--data FILE");
    }
    if ((st = open_file(c, path, &fi, err)) != NRC_OK)
        return st;
    F = &c->files[fi];
    if (strcmp(F->format, "npy") == 0) {
        /* a lone array: it is the tensor of the role that names it */
        if (o->name[r])
            return nrc_error_set(err, NRC_ERR_USAGE,
                                 "--name %s=%s: %s is a .npy file holding one array, it has no "
                                 "tensor names", nrc_role_names[r], o->name[r], path);
        if (!o->file[r]) {
            if (!required(r))
                return NRC_OK;
            return nrc_error_set(err, NRC_ERR_USAGE,
                                 "%s is a .npy file (one array): give each array with its own "
                                 "option (--%s FILE.npy ...), or use an .npz or safetensors file",
                                 path, nrc_role_names[r]);
        }
        c->t[r] = &F->t[0];
        c->fi[r] = fi;
        c->used[fi][0] = 1;
        return NRC_OK;
    }
    name = o->name[r] ? o->name[r] : nrc_role_default[r];
    for (ti = 0; ti < F->count; ti++)
        if (strcmp(F->t[ti].name, name) == 0)
            break;
    if (ti == F->count) {
        char names[700];
        if (!required(r) && !o->name[r])
            return NRC_OK;
        list_names(F, names, sizeof names);
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: no tensor named \"%s\" for %s (the file has: %s); name it with "
                             "--name %s=TENSOR", path, name, nrc_role_names[r], names,
                             nrc_role_names[r]);
    }
    c->t[r] = &F->t[ti];
    c->fi[r] = fi;
    c->used[fi][ti] = 1;
    return NRC_OK;
}

#define TNAME(c, r) ((c)->t[r]->name[0] ? (c)->t[r]->name : "(the array)")
#define FNAME(c, r) ((c)->files[(c)->fi[r]].path)

static nrc_status shape_error(const import_ctx *c, int r, const char *want, nrc_error *err)
{
    char sh[256];
    nrc_tensor_shape_text(c->t[r], sh, sizeof sh);
    return nrc_error_set(err, NRC_ERR_INPUT, "%s: tensor \"%s\" (%s) has shape %s, expected %s",
                         FNAME(c, r), TNAME(c, r), nrc_role_names[r], sh, want);
}

/* n, d from X; m from Xt; k from W (with the layout); the rest must fit. */
static nrc_status check_shapes(import_ctx *c, const nrc_import_opts *o, nrc_error *err)
{
    const nrc_tensor *X = c->t[NRC_ROLE_X], *W = c->t[NRC_ROLE_W], *t;
    char want[160];
    unsigned a;
    if (X->ndim < 2 || X->shape[0] == 0 || X->count == 0)
        return shape_error(c, NRC_ROLE_X, "[n, d] (or [n, ...], flattened) with n, d >= 1", err);
    c->n = X->shape[0];
    c->d = X->count / X->shape[0];
    if (W->ndim != 2 || W->count == 0) {
        snprintf(want, sizeof want, "%s with k >= 1", o->in_out ? "[d, k]" : "[k, d]");
        return shape_error(c, NRC_ROLE_W, want, err);
    }
    c->k = W->shape[o->in_out ? 1 : 0];
    if (W->shape[o->in_out ? 0 : 1] != c->d) {
        if (W->shape[o->in_out ? 1 : 0] == c->d)
            snprintf(want, sizeof want,
                     "%s with d = %" PRIu64 " from X: it looks like the %s layout; pass --layout %s",
                     o->in_out ? "[d, k]" : "[k, d]", c->d, o->in_out ? "[k, d]" : "[d, k]",
                     o->in_out ? "out-in" : "in-out");
        else
            snprintf(want, sizeof want, "%s with d = %" PRIu64 " from X",
                     o->in_out ? "[d, k]" : "[k, d]", c->d);
        return shape_error(c, NRC_ROLE_W, want, err);
    }
    if ((t = c->t[NRC_ROLE_B]) && !(t->ndim == 1 && t->shape[0] == c->k)) {
        snprintf(want, sizeof want, "[%" PRIu64 "] (k from W)", c->k);
        return shape_error(c, NRC_ROLE_B, want, err);
    }
    t = c->t[NRC_ROLE_V];
    if (!(t->count == c->k && (t->ndim == 1 || (t->ndim == 2 && t->shape[o->in_out ? 1 : 0] == 1)))) {
        snprintf(want, sizeof want, "%s or [%" PRIu64 "] (one output, k = %" PRIu64 " from W)",
                 o->in_out ? "[k, 1]" : "[1, k]", c->k, c->k);
        return shape_error(c, NRC_ROLE_V, want, err);
    }
    if ((t = c->t[NRC_ROLE_C]) && t->count != 1)
        return shape_error(c, NRC_ROLE_C, "[] or [1] (one output)", err);
    t = c->t[NRC_ROLE_Y];
    if (!(t->count == c->n && (t->ndim == 1 || (t->ndim == 2 && t->shape[1] == 1)))) {
        snprintf(want, sizeof want, "[%" PRIu64 "] or [%" PRIu64 ", 1] (n from X)", c->n, c->n);
        return shape_error(c, NRC_ROLE_Y, want, err);
    }
    if (!c->t[NRC_ROLE_XT] != !c->t[NRC_ROLE_YT]) {
        int have = c->t[NRC_ROLE_XT] ? NRC_ROLE_XT : NRC_ROLE_YT;
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "%s: tensor \"%s\" (%s) but no %s: test data needs both Xt and yt",
                             FNAME(c, have), TNAME(c, have), nrc_role_names[have],
                             have == NRC_ROLE_XT ? "yt" : "Xt");
    }
    if ((t = c->t[NRC_ROLE_XT])) {
        uint64_t rest = 1;
        for (a = 1; a < t->ndim; a++)
            rest *= t->shape[a];
        if (t->ndim < 2 || (t->shape[0] && rest != c->d)) {
            snprintf(want, sizeof want, "[m, %" PRIu64 "] (d from X)", c->d);
            return shape_error(c, NRC_ROLE_XT, want, err);
        }
        c->m = t->shape[0];
        t = c->t[NRC_ROLE_YT];
        if (!(t->count == c->m && (t->ndim == 1 || (t->ndim == 2 && t->shape[1] == 1)))) {
            snprintf(want, sizeof want, "[%" PRIu64 "] (m from Xt)", c->m);
            return shape_error(c, NRC_ROLE_YT, want, err);
        }
    }
    if (c->n > NRC_MODEL_DIM_MAX || c->d > NRC_MODEL_DIM_MAX || c->k > NRC_MODEL_DIM_MAX ||
        c->m > NRC_MODEL_DIM_MAX)
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "sizes n=%" PRIu64 " d=%" PRIu64 " k=%" PRIu64 " m=%" PRIu64
                             " exceed the model file's cap of 2^31 each", c->n, c->d, c->k, c->m);
    return NRC_OK;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static nrc_status check_extra(const import_ctx *c, const nrc_import_opts *o, json_t *ignored,
                              nrc_error *err)
{
    size_t f, i;
    for (f = 0; f < c->nfiles; f++)
        for (i = 0; i < c->files[f].count; i++) {
            const nrc_tensor *T = &c->files[f].t[i];
            char sh[256];
            if (c->used[f][i])
                continue;
            nrc_tensor_shape_text(T, sh, sizeof sh);
            if (!o->allow_extra)
                return nrc_error_set(err, NRC_ERR_INPUT,
                                     "%s: tensor \"%s\" %s is not used (a deeper or different "
                                     "network? only N(x) = sum_j v_j relu(<w_j, x> + b_j) is "
                                     "imported); map names with --name ROLE=TENSOR, or pass "
                                     "--allow-extra to ignore it", c->files[f].path, T->name, sh);
            json_array_append_new(ignored, json_pack("{s:s,s:s}", "file", base_name(c->files[f].path),
                                                     "name", T->name));
        }
    return NRC_OK;
}

/* Convert role r into out (C order, count elements). */
static nrc_status convert(const import_ctx *c, int r, double *out, nrc_error *err)
{
    return nrc_tensor_to_f64(c->t[r], FNAME(c, r), out, err);
}

static nrc_status fill_model(const import_ctx *c, const nrc_import_opts *o, nrc_model *M,
                             nrc_error *err)
{
    nrc_status st;
    double cval;
    const nrc_tensor *b = c->t[NRC_ROLE_B];
    st = nrc_model_alloc(M, c->n, c->d, c->k, c->m, b ? NRC_FLAG_BIAS : 0, err);
    if (st != NRC_OK)
        return st;
    if (o->in_out) {
        /* [d, k] -> W (k, d) */
        double *tmp = nrc_malloc_array((size_t)(c->k * c->d), sizeof(double));
        uint64_t i, j;
        if (!tmp)
            return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory for W");
        st = convert(c, NRC_ROLE_W, tmp, err);
        for (i = 0; st == NRC_OK && i < c->d; i++)
            for (j = 0; j < c->k; j++)
                M->W[j * c->d + i] = tmp[i * c->k + j];
        nrc_free(tmp);
    } else {
        st = convert(c, NRC_ROLE_W, M->W, err);
    }
    if (st == NRC_OK && b)
        st = convert(c, NRC_ROLE_B, M->b, err);
    if (st == NRC_OK)
        st = convert(c, NRC_ROLE_V, M->v, err);
    if (st == NRC_OK && c->t[NRC_ROLE_C]) {
        st = convert(c, NRC_ROLE_C, &cval, err);
        if (st == NRC_OK && cval != 0)
            st = nrc_error_set(err, NRC_ERR_INPUT,
                               "%s: tensor \"%s\" (the output bias c) is %.17g (%a), not zero: the "
                               "theory needs a homogeneous network N(x) = sum_j v_j relu(<w_j, x> + b_j) "
                               "without an output bias (train with nn.Linear(k, 1, bias=False)); an "
                               "all-zero output bias is accepted", FNAME(c, NRC_ROLE_C),
                               TNAME(c, NRC_ROLE_C), cval, cval);
    }
    if (st == NRC_OK)
        st = convert(c, NRC_ROLE_X, M->X, err);
    if (st == NRC_OK)
        st = nrc_tensor_labels(c->t[NRC_ROLE_Y], FNAME(c, NRC_ROLE_Y), o->labels01, M->y, err);
    if (st == NRC_OK && c->m)
        st = convert(c, NRC_ROLE_XT, M->Xt, err);
    if (st == NRC_OK && c->m)
        st = nrc_tensor_labels(c->t[NRC_ROLE_YT], FNAME(c, NRC_ROLE_YT), o->labels01, M->yt, err);
    return st;
}

static json_t *shape_json(const nrc_tensor *T)
{
    json_t *a = json_array();
    unsigned i;
    for (i = 0; i < T->ndim; i++)
        json_array_append_new(a, json_integer((json_int_t)T->shape[i]));
    return a;
}

static char *build_meta(const import_ctx *c, const nrc_import_opts *o, json_t *ignored)
{
    json_t *root = json_object(), *imp = json_object(), *src = json_array(), *ts = json_object();
    const char *narrow = NULL;
    char hex[2 * NRC_SHA256_SIZE + 1], *s;
    size_t f, roles = 0;
    int r;
    for (f = 0; f < c->nfiles; f++) {
        nrc_hex(c->files[f].sha256, NRC_SHA256_SIZE, hex);
        json_array_append_new(src, json_pack("{s:s,s:s,s:I,s:s}", "file", base_name(c->files[f].path),
                                             "format", c->files[f].format, "bytes",
                                             (json_int_t)c->files[f].len, "sha256", hex));
    }
    for (r = 0; r < NRC_ROLES; r++) {
        const nrc_tensor *T = c->t[r];
        json_t *e;
        if (!T)
            continue;
        roles++;
        e = json_pack("{s:I,s:s,s:s,s:o}", "source", (json_int_t)c->fi[r], "name", T->name,
                      "dtype", nrc_dtype_name(T->dtype), "shape", shape_json(T));
        if (T->fortran)
            json_object_set_new(e, "fortran_order", json_true());
        json_object_set_new(ts, nrc_role_names[r], e);
        if (T->dtype != NRC_DT_F64 && nrc_dtype_is_float(T->dtype) && r != NRC_ROLE_Y &&
            r != NRC_ROLE_YT)
            narrow = nrc_dtype_name(T->dtype);
    }
    json_object_set_new(root, "generator", json_string("nrc-import"));
    json_object_set_new(root, "tool", json_string("nrc"));
    json_object_set_new(root, "version", json_string(NRC_VERSION));
    json_object_set_new(imp, "sources", src);
    json_object_set_new(imp, "tensors", ts);
    json_object_set_new(imp, "layout",
                        json_string(o->in_out ? "in-out: W stored [d, k], v [k, 1] (JAX/Flax, Keras kernels)"
                                              : "out-in: W stored [k, d], v [1, k] (PyTorch nn.Linear.weight)"));
    json_object_set_new(imp, "labels", json_string(o->labels01 ? "0/1, mapped 0 -> -1, 1 -> +1" : "+1/-1"));
    json_object_set_new(imp, "hidden_bias", json_boolean(c->t[NRC_ROLE_B] != NULL));
    json_object_set_new(imp, "output_bias",
                        json_string(c->t[NRC_ROLE_C] ? "present and zero: dropped" : "absent"));
    if (c->t[NRC_ROLE_X]->ndim > 2 || (c->t[NRC_ROLE_XT] && c->t[NRC_ROLE_XT]->ndim > 2))
        json_object_set_new(imp, "inputs_flattened", json_string("row-major to [n, d]"));
    if (json_array_size(ignored))
        json_object_set(imp, "ignored_tensors", ignored);
    json_object_set_new(imp, "conversion",
                        json_string("every value converted exactly to binary64 (no rounding): the "
                                    "model holds the same real numbers as the sources"));
    if (narrow) {
        char note[600];
        snprintf(note, sizeof note,
                 "the network's parameters or inputs were stored as %s; the certificate is about "
                 "the network with exactly these values evaluated in exact real arithmetic, not "
                 "about a %s forward pass, which rounds (near a decision boundary its sign can "
                 "differ); the adversarial examples are binary64 points: evaluate them in float64",
                 narrow, narrow);
        json_object_set_new(imp, "precision_note", json_string(note));
    }
    json_object_set_new(root, "import", imp);
    /* a failed json_pack (memory) would silently drop an entry: refuse */
    s = json_array_size(src) == c->nfiles && json_object_size(ts) == roles ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    return s;
}

nrc_status nrc_import_build(const nrc_import_opts *o, nrc_model *M, nrc_error *err)
{
    import_ctx c;
    nrc_model tmp;
    json_t *ignored = json_array();
    nrc_status st = NRC_OK;
    char *meta = NULL;
    size_t f;
    int r;
    memset(&c, 0, sizeof c);
    nrc_model_init(&tmp);
    if (!ignored)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    for (r = 0; r < NRC_ROLES && st == NRC_OK; r++)
        st = find_role(&c, o, r, err);
    if (st == NRC_OK)
        st = check_shapes(&c, o, err);
    if (st == NRC_OK)
        st = check_extra(&c, o, ignored, err);
    if (st == NRC_OK)
        st = fill_model(&c, o, &tmp, err);
    if (st == NRC_OK && !(meta = build_meta(&c, o, ignored)))
        st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory for the metadata");
    if (st == NRC_OK)
        st = nrc_model_set_meta(&tmp, meta, strlen(meta), err);
    free(meta);
    json_decref(ignored);
    for (f = 0; f < c.nfiles; f++) {
        nrc_tensor_file_clear(&c.files[f]);
        nrc_free(c.used[f]);
    }
    if (st != NRC_OK) {
        nrc_model_clear(&tmp);
        return st;
    }
    nrc_model_clear(M);
    *M = tmp;
    return NRC_OK;
}
