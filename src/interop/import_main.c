/* bin/import: a network and its data from safetensors / .npy / .npz into a
 * model file (spec/IMPORT.md). Thin main: options, then the library. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "nrc_cli.h"
#include "nrc_import.h"
#include "nrc_output.h"
#include "nrc_io.h"
#include "nrc_model.h"

static void usage(FILE *f)
{
    fprintf(f,
"usage: import --weights FILE [--data FILE] [options] [-o MODEL]\n"
"Read a depth-2 ReLU network N(x) = sum_j v_j relu(<w_j, x> + b_j) and its\n"
"data from safetensors, NumPy .npy or .npz files (format read from the\n"
"content), convert every value EXACTLY to binary64 (F64, F32, F16, BF16;\n"
"integers and booleans for labels) and write a model file for certify\n"
"(spec/IMPORT.md). NaN, Inf, bad shapes and unused tensors are refused.\n"
"\n"
"  --weights FILE        the network: a safetensors or .npz file. Default\n"
"                        names are PyTorch's state_dict of nn.Sequential(\n"
"                        nn.Linear(d, k), nn.ReLU(), nn.Linear(k, 1, bias=False)):\n"
"                        0.weight [k, d] (W), 0.bias [k] (b, optional),\n"
"                        2.weight [1, k] (v), 2.bias (c, optional, must be 0)\n"
"  --data FILE           the data: X [n, d] (or [n, ...], flattened row-major),\n"
"                        y [n], optional test data Xt [m, d], yt [m]\n"
"                        (default: the --weights file)\n"
"  --W/--b/--v/--c/--X/--y/--Xt/--yt FILE\n"
"                        that tensor from its own file (a .npy holds one array;\n"
"                        in an .npz or safetensors it has the default name or\n"
"                        the one given with --name)\n"
"  --name ROLE=TENSOR    the tensor name of ROLE (W, b, v, c, X, y, Xt, yt), e.g.\n"
"                        --name W=fc1.weight --name v=fc2.weight (repeatable)\n"
"  --layout out-in|in-out  W stored [k, d] and v [1, k] (out-in, PyTorch's\n"
"                        nn.Linear.weight; the default, also for a square W)\n"
"                        or W [d, k] and v [k, 1] (in-out: JAX/Flax, Keras)\n"
"  --labels pm1|01       labels exactly +1/-1 (default; floats or integers) or\n"
"                        exactly 0/1 (also booleans), mapped 0 -> -1, 1 -> +1\n"
"  --allow-extra         ignore tensors that no role uses (default: refuse them,\n"
"                        they may belong to a deeper network)\n"
"  -o FILE               output model file (default model.bin; - = stdout)\n"
"  --quiet               print nothing but errors\n"
"  --help, --version\n"
"\n%s", nrc_cli_exit_table);
}

/* One line per imported tensor, from the provenance in the metadata. */
static void print_tensors(FILE *f, const char *meta)
{
    json_t *root = json_loads(meta, 0, NULL), *imp, *src, *ts, *e, *note;
    const char *role;
    if (!root)
        return;
    imp = json_object_get(root, "import");
    src = json_object_get(imp, "sources");
    ts = json_object_get(imp, "tensors");
    json_object_foreach(ts, role, e) {
        json_t *sh = json_object_get(e, "shape");
        size_t a;
        const char *name = json_string_value(json_object_get(e, "name"));
        fprintf(f, "  %-3s %-16s %-4s [", role, name && *name ? name : "(array)",
                json_string_value(json_object_get(e, "dtype")));
        for (a = 0; a < json_array_size(sh); a++)
            fprintf(f, "%s%lld", a ? ", " : "", (long long)json_integer_value(json_array_get(sh, a)));
        fprintf(f, "]  from %s\n",
                json_string_value(json_object_get(json_array_get(src, (size_t)json_integer_value(
                                                                           json_object_get(e, "source"))),
                                                  "file")));
    }
    if ((note = json_object_get(imp, "precision_note")))
        fprintf(f, "note      %s\n", json_string_value(note));
    json_decref(root);
}

/* Before any work (spec/CLI.md "Output paths"): -o names no input (the
 * atomic rename would replace it) and can be written. */
static nrc_status check_paths(const nrc_import_opts *o, const char *out, nrc_error *err)
{
    static const char *const role_opt[NRC_ROLES] = {"--W", "--b", "--v", "--c",
                                                     "--X", "--y", "--Xt", "--yt"};
    nrc_path_arg outp = {"-o", out}, in[NRC_ROLES + 2];
    size_t n = 0;
    int r;
    nrc_status st;
    if (o->weights)
        in[n].what = "--weights", in[n++].path = o->weights;
    if (o->data)
        in[n].what = "--data", in[n++].path = o->data;
    for (r = 0; r < NRC_ROLES; r++)
        if (o->file[r])
            in[n].what = role_opt[r], in[n++].path = o->file[r];
    st = nrc_paths_distinct(&outp, 1, in, n, err);
    return st == NRC_OK ? nrc_output_check(out, err) : st;
}

static int die(int code, const char *msg)
{
    fprintf(stderr, "import: error: %s\n", msg);
    return code;
}

int main(int argc, char **argv)
{
    nrc_import_opts o;
    const char *out = "model.bin";
    int quiet = 0, i;
    nrc_model M;
    nrc_error err;
    nrc_status st;
    char msg[512];

    signal(SIGXFSZ, SIG_IGN); /* a file-size limit fails the write (exit 4), no kill */
    memset(&o, 0, sizeof o);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--version") == 0) {
            fputs(nrc_version_line("import", msg, sizeof msg), stdout);
            return 0;
        }
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = 1;
            continue;
        }
        if (strcmp(a, "--allow-extra") == 0) {
            o.allow_extra = 1;
            continue;
        }
        if (i + 1 >= argc && (strcmp(a, "-o") == 0 || nrc_import_option(&o, a, "", &st, &err))) {
            snprintf(msg, sizeof msg, "option %s needs a value (try --help)", a);
            return die(2, msg);
        }
        if (strcmp(a, "-o") == 0) {
            out = argv[++i];
        } else if (nrc_import_option(&o, a, argv[i + 1], &st, &err)) {
            if (st != NRC_OK)
                return die(2, err.msg);
            i++;
        } else {
            snprintf(msg, sizeof msg, "%s %s (try --help)",
                     a[0] == '-' ? "unknown option" : "unexpected argument", a);
            return die(2, msg);
        }
    }
    if (!o.weights && !o.file[NRC_ROLE_W])
        return die(2, "no network given: --weights FILE (or --W FILE --v FILE; try --help)");

    if ((st = check_paths(&o, out, &err)) != NRC_OK)
        return die((int)st, err.msg);
    nrc_model_init(&M);
    st = nrc_import_build(&o, &M, &err);
    if (st == NRC_OK)
        st = nrc_model_write(out, &M, &err);
    if (st != NRC_OK) {
        nrc_model_clear(&M);
        return die((int)st, err.msg);
    }
    if (!quiet) {
        char hex[2 * NRC_SHA256_SIZE + 1];
        FILE *f = strcmp(out, "-") == 0 ? stderr : stdout;
        nrc_hex(M.file_sha256, NRC_SHA256_SIZE, hex);
        fprintf(f, "imported  n=%llu d=%llu k=%llu m=%llu, hidden biases %s, layout %s\n",
                (unsigned long long)M.n, (unsigned long long)M.d, (unsigned long long)M.k,
                (unsigned long long)M.m, (M.flags & NRC_FLAG_BIAS) ? "yes" : "no",
                o.in_out ? "in-out" : "out-in");
        print_tensors(f, M.meta);
        if (strcmp(out, "-") != 0)
            fprintf(f, "wrote     %s (sha256 %s)\n", out, hex);
    }
    nrc_model_clear(&M);
    return 0;
}
