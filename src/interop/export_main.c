/* bin/export: a model file, or the adversarial examples of
 * `certify --emit-examples`, as safetensors / .npz / .npy (spec/IMPORT.md
 * "Export"). Thin main: options, then the library. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_cli.h"
#include "nrc_import.h"
#include "nrc_output.h"
#include "nrc_io.h"
#include "nrc_model.h"

static void usage(FILE *f)
{
    fprintf(f,
"usage: export MODEL -o OUT.safetensors|OUT.npz\n"
"       export --examples EXAMPLES.json [--model MODEL] [--all] -o OUT.npy|OUT.npz|OUT.safetensors\n"
"Write a model file's tensors, or the certified adversarial inputs of\n"
"certify --emit-examples, in formats PyTorch and NumPy load (spec/IMPORT.md);\n"
"the format follows OUT's extension. Every value is written as the exact\n"
"binary64 (F64) it is.\n"
"\n"
"A model gives 0.weight [k, d], 0.bias [k] (with hidden biases), 2.weight\n"
"[1, k] (PyTorch's nn.Sequential(nn.Linear(d, k), nn.ReLU(), nn.Linear(k, 1,\n"
"bias=False)) state_dict names), X [n, d], y [n], Xt [m, d], yt [m] (m > 0);\n"
"import reads them back bit for bit.\n"
"\n"
"Examples give x_adv [r, d] (F64), index [r] (I64, the point in its set),\n"
"is_test [r] (BOOL), sign [r] (I64: the sign p of N at the original point;\n"
"N(x_adv) has the opposite sign) and certified [r] (BOOL); an .npy file holds\n"
"x_adv alone. Only certified examples unless --all.\n"
"\n"
"  -o FILE          output (.safetensors, .npz, or .npy for x_adv)\n"
"  --examples FILE  the examples file of certify --emit-examples\n"
"  --model MODEL    check that the examples are about this model (SHA-256,\n"
"                   d, indices in range)\n"
"  --all            also the undecided examples (certified = false)\n"
"  --quiet          print nothing but errors\n"
"  --help, --version\n"
"\n%s", nrc_cli_exit_table);
}

static int die(int code, const char *msg)
{
    fprintf(stderr, "export: error: %s\n", msg);
    return code;
}

/* The examples must be about M: same SHA-256, same d, indices in range. */
static nrc_status check_against(const nrc_examples *E, const nrc_model *M, const char *ex,
                                const char *mp, nrc_error *err)
{
    char hex[2 * NRC_SHA256_SIZE + 1];
    size_t r;
    nrc_hex(M->file_sha256, NRC_SHA256_SIZE, hex);
    if (strcmp(hex, E->model_sha256) != 0)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: model_sha256 %s is not the SHA-256 of %s (%s)",
                             ex, E->model_sha256, mp, hex);
    if (E->count && E->d != M->d)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: examples have d = %zu, %s has d = %llu", ex,
                             E->d, mp, (unsigned long long)M->d);
    for (r = 0; r < E->count; r++)
        if ((uint64_t)E->index[r] >= (E->is_test[r] ? M->m : M->n))
            return nrc_error_set(err, NRC_ERR_INPUT, "%s: example %zu: index %lld out of range for %s",
                                 ex, r, (long long)E->index[r], mp);
    return NRC_OK;
}

int main(int argc, char **argv)
{
    const char *model = NULL, *ex = NULL, *out = NULL, *fmt;
    int quiet = 0, all = 0, i;
    nrc_model M;
    nrc_examples E;
    nrc_tensor ts[8];
    nrc_error err;
    nrc_status st = NRC_OK;
    size_t count, len = 0;
    unsigned char *img = NULL;
    char msg[600], meta[400];

    signal(SIGXFSZ, SIG_IGN);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            fputs(nrc_version_line("export", msg, sizeof msg), stdout);
            return 0;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = 1;
        } else if (strcmp(a, "--all") == 0) {
            all = 1;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--examples") == 0 || strcmp(a, "--model") == 0) {
            if (i + 1 >= argc) {
                snprintf(msg, sizeof msg, "option %s needs a value (try --help)", a);
                return die(2, msg);
            }
            if (strcmp(a, "-o") == 0)
                out = argv[++i];
            else if (strcmp(a, "--examples") == 0)
                ex = argv[++i];
            else if (model) {
                return die(2, "more than one model given (try --help)");
            } else {
                model = argv[++i];
            }
        } else if (a[0] == '-' && a[1]) {
            snprintf(msg, sizeof msg, "unknown option %s (try --help)", a);
            return die(2, msg);
        } else if (model) {
            return die(2, "more than one model given (try --help)");
        } else {
            model = a;
        }
    }
    if (!out)
        return die(2, "no output given: -o OUT.safetensors|OUT.npz|OUT.npy (try --help)");
    if (!model && !ex)
        return die(2, "nothing to export: give MODEL or --examples FILE (try --help)");
    if (!(fmt = nrc_export_format(out))) {
        snprintf(msg, sizeof msg, "-o %s: the name must end in .safetensors, .npz or .npy", out);
        return die(2, msg);
    }
    if (!ex && strcmp(fmt, "npy") == 0)
        return die(2, "a model has several tensors: export it to .safetensors or .npz, not .npy");
    if (all && !ex)
        return die(2, "--all applies to --examples");
    {   /* before any work (spec/CLI.md "Output paths") */
        nrc_path_arg outp = {"-o", out}, in[2];
        size_t n = 0;
        if (model)
            in[n].what = "MODEL", in[n++].path = model;
        if (ex)
            in[n].what = "--examples", in[n++].path = ex;
        if ((st = nrc_paths_distinct(&outp, 1, in, n, &err)) != NRC_OK ||
            (st = nrc_output_check(out, &err)) != NRC_OK)
            return die((int)st, err.msg);
    }

    nrc_model_init(&M);
    nrc_examples_init(&E);
    if (model)
        st = nrc_model_read(model, &M, &err);
    if (st == NRC_OK && ex) {
        unsigned char *buf;
        size_t blen;
        st = nrc_file_read_all(ex, (size_t)1 << 30, &buf, &blen, &err);
        if (st == NRC_OK) {
            st = nrc_examples_parse(buf, blen, ex, !all, &E, &err);
            nrc_free(buf);
        }
        if (st == NRC_OK && model)
            st = check_against(&E, &M, ex, model, &err);
    }
    if (st == NRC_OK) {
        char hex[2 * NRC_SHA256_SIZE + 1];
        if (ex) {
            count = nrc_export_examples_tensors(&E, ts);
            if (strcmp(fmt, "npy") == 0)
                count = 1;
            snprintf(meta, sizeof meta,
                     "{\"format\":\"pt\",\"nrc\":\"adversarial examples of certify --emit-examples\","
                     "\"model_sha256\":\"%s\"}", E.model_sha256);
        } else {
            count = nrc_export_model_tensors(&M, ts);
            nrc_hex(M.file_sha256, NRC_SHA256_SIZE, hex);
            snprintf(meta, sizeof meta, "{\"format\":\"pt\",\"nrc\":\"model file tensors\","
                     "\"model_sha256\":\"%s\"}", hex);
        }
        st = nrc_export_image(fmt, ts, count, meta, &img, &len, &err);
    }
    if (st == NRC_OK)
        st = nrc_file_write_atomic(out, img, len, &err);
    nrc_free(img);
    if (st == NRC_OK && !quiet) {
        FILE *f = strcmp(out, "-") == 0 ? stderr : stdout;
        if (ex)
            fprintf(f, "exported  %zu %sadversarial examples (d = %zu) -> %s\n", E.count,
                    all ? "" : "certified ", E.d, out);
        else
            fprintf(f, "exported  model n=%llu d=%llu k=%llu m=%llu -> %s\n",
                    (unsigned long long)M.n, (unsigned long long)M.d, (unsigned long long)M.k,
                    (unsigned long long)M.m, out);
    }
    nrc_model_clear(&M);
    nrc_examples_clear(&E);
    if (st != NRC_OK)
        return die((int)st, err.msg);
    return 0;
}
