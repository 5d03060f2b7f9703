/* Import a network and its data from safetensors / .npy / .npz into the
 * model file, and export model files and certified adversarial examples
 * back (spec/IMPORT.md). Library side of bin/import and bin/export: no
 * printing, no exiting. */
#ifndef NRC_IMPORT_H
#define NRC_IMPORT_H
#include <stddef.h>
#include "nrc_model.h"
#include "nrc_status.h"
#include "nrc_tensor.h"

/* What each imported tensor is: N(x) = sum_j v_j relu(<w_j, x> + b_j)
 * (+ c, which must be absent or zero), data (X, y) and test data (Xt, yt). */
typedef enum {
    NRC_ROLE_W, NRC_ROLE_B, NRC_ROLE_V, NRC_ROLE_C,
    NRC_ROLE_X, NRC_ROLE_Y, NRC_ROLE_XT, NRC_ROLE_YT, NRC_ROLES
} nrc_role;

/* "W", "b", "v", "c", "X", "y", "Xt", "yt" */
extern const char *const nrc_role_names[NRC_ROLES];
/* Default tensor names: PyTorch's state_dict of
 * nn.Sequential(nn.Linear(d, k), nn.ReLU(), nn.Linear(k, 1, bias=False)):
 * "0.weight" [k, d], "0.bias" [k], "2.weight" [1, k], "2.bias"; data "X",
 * "y", "Xt", "yt". */
extern const char *const nrc_role_default[NRC_ROLES];
/* Role index of a name ("W", "Xt"), or -1. */
int nrc_role_from_name(const char *s);

typedef struct nrc_import_opts {
    const char *weights;           /* --weights FILE: W, b, v, c */
    const char *data;              /* --data FILE: X, y, Xt, yt (default: weights) */
    const char *file[NRC_ROLES];   /* --W FILE etc.: the role's own file */
    const char *name[NRC_ROLES];   /* --name ROLE=TENSOR (NULL: the default) */
    int in_out;                    /* W is [d, k] and v [k, 1] (JAX/Flax, Keras) */
    int labels01;                  /* labels 0/1 (mapped to -1/+1) instead of +-1 */
    int allow_extra;               /* tensors nothing uses are ignored, not refused */
} nrc_import_opts;

/* One command-line option of bin/import that fills o: --weights, --data,
 * --W ... --yt (a role's own file), --name ROLE=TENSOR, --layout
 * out-in|in-out, --labels pm1|01. Returns 1 when opt is one of them and
 * needs a value (val, which must outlive o), 0 when opt is not one of
 * them; on a bad value NRC_ERR_USAGE is set in *st with a message. */
int nrc_import_option(nrc_import_opts *o, const char *opt, const char *val, nrc_status *st,
                      nrc_error *err);

/* Read the sources, check every shape, dtype and value, and fill M
 * (initialized; released and replaced on success) with the exact binary64
 * values and the provenance metadata (spec/IMPORT.md). NRC_ERR_USAGE when
 * the options do not name a needed file, NRC_ERR_INPUT for a bad file or
 * tensor (the message names both), NRC_ERR_SYSTEM for memory and I/O. */
nrc_status nrc_import_build(const nrc_import_opts *o, nrc_model *M, nrc_error *err);

/* ---- export ---- */

/* The model's tensors under the default names ("0.weight" [k, d], "0.bias"
 * [k] when present, "2.weight" [1, k], "X", "y", "Xt" and "yt" when m > 0),
 * all F64, pointing into M. Returns the count (at most 7). */
size_t nrc_export_model_tensors(const nrc_model *M, nrc_tensor *ts);

/* Output format from a file name's extension: ".safetensors", ".npz" or
 * ".npy"; NULL when none. */
const char *nrc_export_format(const char *path);

/* Serialize tensors in format fmt ("safetensors", "npz"; "npy" needs
 * exactly one tensor). meta: safetensors __metadata__ (JSON object of
 * strings) or NULL. */
nrc_status nrc_export_image(const char *fmt, const nrc_tensor *ts, size_t count,
                            const char *meta, unsigned char **buf, size_t *len,
                            nrc_error *err);

/* The adversarial examples of `certify --emit-examples` (spec/CERTIFY.md
 * "Examples file"), parsed strictly. */
typedef struct nrc_examples {
    char model_sha256[2 * NRC_SHA256_SIZE + 1];
    size_t count, d;
    double *x;          /* (count, d) binary64, exactly the file's hex values */
    int64_t *index;     /* point index in its set */
    unsigned char *is_test, *certified;   /* 0/1 */
    int64_t *sign;      /* p: the sign of N at the original point (+-1) */
} nrc_examples;

void nrc_examples_init(nrc_examples *E);
void nrc_examples_clear(nrc_examples *E);
/* Parse an examples file image; fname names it in messages. When
 * certified_only, undecided examples are dropped. NRC_ERR_INPUT for a bad
 * file (message names the file and the member). */
nrc_status nrc_examples_parse(const unsigned char *buf, size_t len, const char *fname,
                              int certified_only, nrc_examples *E, nrc_error *err);
/* Tensors "x_adv" [count, d] F64, "index" I64, "is_test" BOOL, "sign" I64,
 * "certified" BOOL, pointing into E. Returns the count (5). */
size_t nrc_export_examples_tensors(const nrc_examples *E, nrc_tensor *ts);

#endif
