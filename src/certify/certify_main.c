/* bin/certify: `certify MODEL` writes a certificate (spec/CERTIFY.md);
 * `certify --check CERT MODEL` / `--cite CERT` / `--bibtex` go to the
 * independent checker (include/check/nrc_check.h) before anything else is
 * parsed. Thin main: options, then the library; owns stdout/stderr and the
 * exit codes (spec/CLI.md). The steps, in order: parse_options,
 * check_paths (before any work), load_model, certify_model, write_outputs,
 * print_summary. */
#include <float.h>
#include <signal.h>
#include <stdio.h>
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_certify.h"
#include "nrc_check.h"
#include "nrc_cli.h"
#include "nrc_engine.h"
#include "nrc_io.h"
#include "nrc_output.h"
#include "nrc_model.h"
#include "nrc_sha256.h"

static void usage(FILE *f)
{
    fprintf(f,
"usage: certify [options] MODEL\n"
"       certify --check CERT MODEL      (re-verify a certificate exactly)\n"
"       certify --cite CERT             (a LaTeX table of CERT for a paper)\n"
"       certify --bibtex                (BibTeX entries for the tool and the paper)\n"
"Decide, rigorously (exact real arithmetic on the stored binary64 values),\n"
"every claim of the certificate for a depth-2 ReLU model file: the fit, the\n"
"data statistics, a certified label flip along -p z at every point with an\n"
"upper bound on ||delta||, a lower bound on the network's own flip distance,\n"
"the approximate-KKT residuals and the robust reference radius\n"
"(spec/CERTIFICATE.md, spec/CERTIFY.md).\n"
"\n"
"  -o FILE               certificate path (default MODEL.cert.json; - = stdout)\n"
"  --points train|test|all       which points get flip claims (default all)\n"
"  --direction all|margin[:TAU]  z over all training points (default) or the\n"
"                        margin set {i : q_i <= (1 + TAU) q_min} (TAU in [0, 1e6],\n"
"                        default 0)\n"
"  --engine fast|mpfr    enclosure engine (default fast; mpfr is the reference)\n"
"  --kink-tol TAU        KKT: pre-activations with |a_ij| <= TAU ||w_j|| ||x_i||\n"
"                        get a free subgradient in [0,1]; the certificate states\n"
"                        eta >= max |a_ij| over them (TAU in [0, 1], default\n"
"                        2^-40; 0 = exact zeros only)\n"
"  --emit-examples FILE  write binary64 adversarial points, each certified at\n"
"                        its exact coordinates (format in spec/CERTIFY.md)\n"
"  --min-flip            also certify, per point, both ends of its minimal\n"
"                        adversarial distance in any direction: a point x' with\n"
"                        p N(x') <= 0 and ||x' - x|| <= U, and p N > 0 on the\n"
"                        ball of radius D (spec/CERTIFICATE.md \"min_flip\");\n"
"                        seconds per point at k <= 1000, exact to 1%% at k <= 32\n"
"  --min-flip-data FILE  the companion file of --min-flip (the adversarial points\n"
"                        and the lower bounds' leaf data, safetensors; the\n"
"                        certificate names it by file name and SHA-256); default:\n"
"                        the certificate's path without .json plus\n"
"                        .minflip.safetensors (MODEL.minflip.safetensors with -o -)\n"
"  --threads N           worker threads, 1 to 256 (results are identical for any N)\n"
"  --quiet               print nothing but errors\n"
"  --help, --version\n"
"\n"
"Outputs: an existing file is replaced atomically (all files written in\n"
"full before any is renamed into place); a device or FIFO is written\n"
"through; two outputs, or an output and MODEL, naming the same file are a\n"
"usage error (spec/CLI.md).\n"
"\n%s", nrc_cli_exit_table);
}

/* Progress of a long step on a terminal (stderr), erased when it ends. */
static void progress_tty(void *ctx, const char *step, size_t done, size_t total)
{
    (void)ctx;
    if (done < total)
        fprintf(stderr, "\rcertify: %s: %zu/%zu points", step, done, total);
    else
        fprintf(stderr, "\r\033[K");
    fflush(stderr);
}

static int die(int code, const char *msg)
{
    fprintf(stderr, "certify: error: %s\n", msg);
    return code;
}

/* Everything the command line decides. */
typedef struct {
    nrc_certify_options opt;
    const char *model_path, *out_path, *ex_path, *mf_path, *engine;
    char *out_buf;        /* the default MODEL.cert.json, owned */
    char *mf_buf;         /* the default companion path, owned */
    int threads, quiet;
} certify_cli;

/* What a run produces, released by run_clear. */
typedef struct {
    nrc_model M;
    nrc_engine E;
    int engine_ready;
    nrc_certify_result C;
    char *text, *ex;
    size_t len, exlen, ex_ok, ex_total;
} certify_run;

static const char *const value_options[] = {
    "-o", "--points", "--direction", "--engine", "--emit-examples", "--threads",
    "--kink-tol", "--min-flip-data", NULL};

static int takes_value(const char *a)
{
    size_t i;
    for (i = 0; value_options[i]; i++)
        if (strcmp(a, value_options[i]) == 0)
            return 1;
    return 0;
}

/* One option with its value v; 0 or the exit code. */
static int parse_value(certify_cli *c, const char *a, const char *v)
{
    nrc_error err;
    char msg[NRC_ERROR_MSG_MAX + 64];
    if (strcmp(a, "-o") == 0) {
        if (!*v)
            return die(2, "option -o: empty file name (try --help)");
        c->out_path = v;
    } else if (strcmp(a, "--emit-examples") == 0) {
        if (!*v)
            return die(2, "option --emit-examples: empty file name (try --help)");
        c->ex_path = v;
    } else if (strcmp(a, "--min-flip-data") == 0) {
        if (!*v)
            return die(2, "option --min-flip-data: empty file name (try --help)");
        if (strcmp(v, "-") == 0)
            return die(2, "option --min-flip-data: '-' (stdout) is not allowed: the certificate "
                          "names the companion file");
        c->mf_path = v;
    } else if (strcmp(a, "--points") == 0) {
        if (strcmp(v, "train") == 0) c->opt.points = NRC_POINTS_TRAIN;
        else if (strcmp(v, "test") == 0) c->opt.points = NRC_POINTS_TEST;
        else if (strcmp(v, "all") == 0) c->opt.points = NRC_POINTS_ALL;
        else {
            snprintf(msg, sizeof msg, "option --points: '%s' is not one of train, test, all", v);
            return die(2, msg);
        }
    } else if (strcmp(a, "--direction") == 0) {
        if (strcmp(v, "all") == 0) {
            c->opt.margin_dir = 0;
        } else if (strncmp(v, "margin", 6) == 0 && (v[6] == '\0' || v[6] == ':')) {
            c->opt.margin_dir = 1;
            c->opt.tau = 0.0;
            c->opt.tau_text = "0";
            if (v[6] == ':') {
                if (nrc_cli_parse_real("--direction margin:TAU", v + 7, 0.0, 1e6, 0,
                                       &c->opt.tau, &err) != NRC_OK)
                    return die(2, err.msg);
                c->opt.tau_text = v + 7;
            }
        } else {
            snprintf(msg, sizeof msg, "option --direction: '%s' is not all or margin[:TAU]", v);
            return die(2, msg);
        }
    } else if (strcmp(a, "--engine") == 0) {
        if (strcmp(v, "fast") != 0 && strcmp(v, "mpfr") != 0) {
            snprintf(msg, sizeof msg, "option --engine: '%s' is not one of fast, mpfr", v);
            return die(2, msg);
        }
        c->engine = v;
    } else if (strcmp(a, "--kink-tol") == 0) {
        if (nrc_cli_parse_real("--kink-tol", v, 0.0, 1.0, 0, &c->opt.kink_tol, &err) != NRC_OK)
            return die(2, err.msg);
    } else {   /* --threads */
        uint64_t t;
        if (nrc_cli_parse_u64("--threads", v, 1, 256, &t, &err) != NRC_OK)
            return die(2, err.msg);
        c->threads = (int)t;
    }
    return 0;
}

/* The command line into c; *done = 1 after --help / --version.
 * 0 or the exit code. */
static int parse_options(int argc, char **argv, certify_cli *c, int *done)
{
    char msg[NRC_ERROR_MSG_MAX];
    int i, rc;
    *done = 0;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            *done = 1;
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            fputs(nrc_version_line("certify", msg, sizeof msg), stdout);
            *done = 1;
            return 0;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            c->quiet = 1;
        } else if (strcmp(a, "--min-flip") == 0) {
            c->opt.min_flip = 1;
        } else if (takes_value(a)) {
            if (i + 1 >= argc) {
                snprintf(msg, sizeof msg, "option %s needs a value (try --help)", a);
                return die(2, msg);
            }
            if ((rc = parse_value(c, a, argv[++i])) != 0)
                return rc;
        } else if (a[0] == '-' && a[1] != '\0') {
            snprintf(msg, sizeof msg, "unknown option %s (try --help)", a);
            return die(2, msg);
        } else if (c->model_path) {
            snprintf(msg, sizeof msg, "more than one model file given (%s and %s); usage: "
                     "certify [options] MODEL", c->model_path, a);
            return die(2, msg);
        } else {
            c->model_path = a;
        }
    }
    if (!c->model_path)
        return die(2, "no model file given (usage: certify [options] MODEL; try --help)");
    if (c->mf_path && !c->opt.min_flip)
        return die(2, "option --min-flip-data needs --min-flip");
    return 0;
}

/* The default companion path: the certificate's path without a final
 * ".json", plus ".minflip.safetensors"; MODEL's path plus the suffix when
 * the certificate is not a regular file path (stdout, a device, a FIFO).
 * 0 or the exit code. */
static int companion_default(certify_cli *c)
{
    static const char suffix[] = ".minflip.safetensors";
    const char *base = c->out_path;
    size_t bl;
    struct stat sb;
    if (strcmp(base, "-") == 0 || (stat(base, &sb) == 0 && !S_ISREG(sb.st_mode)))
        base = c->model_path;
    bl = strlen(base);
    if (base == c->out_path && bl > 5 && strcmp(base + bl - 5, ".json") == 0)
        bl -= 5;
    c->mf_buf = nrc_malloc(bl + sizeof suffix);
    if (!c->mf_buf)
        return die(4, "out of memory");
    memcpy(c->mf_buf, base, bl);
    memcpy(c->mf_buf + bl, suffix, sizeof suffix);
    c->mf_path = c->mf_buf;
    return 0;
}

/* The companion's name as the certificate states it: the last component
 * of its path, which must be valid UTF-8 (a JSON string). 0 or the exit
 * code. */
static int companion_name(certify_cli *c)
{
    const char *slash = strrchr(c->mf_path, '/');
    const char *name = slash ? slash + 1 : c->mf_path;
    json_t *probe;
    char msg[NRC_ERROR_MSG_MAX];
    if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        snprintf(msg, sizeof msg, "min-flip companion %s: not a file name", c->mf_path);
        return die(2, msg);
    }
    probe = json_string(name);
    if (!probe) {
        snprintf(msg, sizeof msg, "min-flip companion %s: its file name is not valid UTF-8 "
                 "(the certificate names it; choose another with --min-flip-data)", c->mf_path);
        return die(2, msg);
    }
    json_decref(probe);
    c->opt.min_flip_name = name;
    return 0;
}

/* Before any work: the default output path, outputs distinct from each
 * other and from the model (exit 2), and writable (exit 4). */
static int check_paths(certify_cli *c)
{
    nrc_path_arg outs[3], in;
    size_t n_out = 0;
    nrc_error err;
    nrc_status st;
    int rc;
    if (!c->out_path) {
        size_t pl = strlen(c->model_path);
        c->out_buf = nrc_malloc(pl + 11);
        if (!c->out_buf)
            return die(4, "out of memory");
        memcpy(c->out_buf, c->model_path, pl);
        memcpy(c->out_buf + pl, ".cert.json", 11);
        c->out_path = c->out_buf;
    }
    outs[n_out].what = c->out_buf ? "the certificate (default MODEL.cert.json)" : "-o";
    outs[n_out++].path = c->out_path;
    if (c->ex_path) {
        outs[n_out].what = "--emit-examples";
        outs[n_out++].path = c->ex_path;
    }
    if (c->opt.min_flip) {
        if (!c->mf_path && (rc = companion_default(c)) != 0)
            return rc;
        if ((rc = companion_name(c)) != 0)
            return rc;
        outs[n_out].what = c->mf_buf ? "the min-flip companion (default CERT.minflip.safetensors)"
                                     : "--min-flip-data";
        outs[n_out++].path = c->mf_path;
    }
    in.what = "MODEL";
    in.path = c->model_path;
    st = nrc_paths_distinct(outs, n_out, &in, 1, &err);
    if (st == NRC_OK)
        st = nrc_output_check(c->out_path, &err);
    if (st == NRC_OK && c->ex_path)
        st = nrc_output_check(c->ex_path, &err);
    if (st == NRC_OK && c->mf_path)
        st = nrc_output_check(c->mf_path, &err);
    return st == NRC_OK ? 0 : die((int)st, err.msg);
}

/* Read the model; when it is not one, say what it looks like. */
static int load_model(const certify_cli *c, nrc_model *M)
{
    nrc_error err;
    nrc_status st = nrc_model_read(c->model_path, M, &err);
    if (st == NRC_OK)
        return 0;
    die((int)st, err.msg);
    if (st == NRC_ERR_INPUT) {
        nrc_file_kind k = nrc_file_sniff(c->model_path);
        if (k == NRC_KIND_CERT)
            fprintf(stderr, "certify: hint: %s looks like a certificate, not a model file; to "
                    "re-check it: certify --check %s MODEL\n", c->model_path, c->model_path);
        else if (k == NRC_KIND_EXAMPLES)
            fprintf(stderr, "certify: hint: %s looks like an examples file (--emit-examples), "
                    "not a model file\n", c->model_path);
    }
    return (int)st;
}

/* Engine, claims, certificate JSON and (with --emit-examples) the examples.
 * Errors name the model. */
static int certify_model(const certify_cli *c, certify_run *R)
{
    nrc_error err;
    nrc_status st;
    char msg[NRC_ERROR_MSG_MAX + 256];
    nrc_blas_set_threads(c->threads);
    st = nrc_engine_init(&R->E, c->engine, c->threads, &err);
    if (st != NRC_OK) {
        snprintf(msg, sizeof msg, "engine %s: %s", c->engine, err.msg);
        return die((int)st, msg);
    }
    R->engine_ready = 1;
    nrc_hex(R->M.file_sha256, NRC_SHA256_SIZE, R->C.sha256_hex);
    st = nrc_certify_run(&R->M, &c->opt, &R->E, &R->C, &err);
    if (st == NRC_OK)
        st = nrc_certify_to_json(&R->C, &R->text, &R->len, &err);
    if (st == NRC_OK && c->ex_path)
        st = nrc_certify_examples(&R->M, &R->C, &R->E, &R->ex, &R->exlen, &R->ex_ok,
                                  &R->ex_total, &err);
    if (st != NRC_OK) {
        snprintf(msg, sizeof msg, "%s: %s", c->model_path, err.msg);
        return die((int)st, msg);
    }
    return 0;
}

/* Certificate, examples and the min-flip companion together: all complete
 * or none replaced (nrc_files_write_atomic). Errors name the output. */
static int write_outputs(const certify_cli *c, const certify_run *R)
{
    nrc_output o[3];
    size_t n = 0;
    nrc_error err;
    nrc_status st;
    if (c->opt.min_flip) {      /* renamed first: a new certificate never
                                 * appears before its companion */
        o[n].path = c->mf_path;
        o[n].data = R->C.mf_data;
        o[n++].len = R->C.mf_len;
    }
    o[n].path = c->out_path;
    o[n].data = R->text;
    o[n++].len = R->len;
    if (c->ex_path) {
        o[n].path = c->ex_path;
        o[n].data = R->ex;
        o[n++].len = R->exlen;
    }
    st = nrc_files_write_atomic(o, n, &err);
    return st == NRC_OK ? 0 : die((int)st, err.msg);
}

/* The summary on stdout (stderr when the certificate went to stdout). */
static int print_summary(const certify_cli *c, const certify_run *R)
{
    nrc_error err;
    char *summary = NULL;
    FILE *f = strcmp(c->out_path, "-") == 0 ? stderr : stdout;
    nrc_status st = nrc_certify_summary(&R->C, c->model_path, &summary, &err);
    if (st != NRC_OK)
        return die((int)st, err.msg);
    fputs(summary, f);
    nrc_free(summary);
    if (c->ex_path)
        fprintf(f, "examples  %zu of %zu binary64 adversarial points certified at their exact "
                "coordinates -> %s\n", R->ex_ok, R->ex_total, c->ex_path);
    if (c->opt.min_flip)
        fprintf(f, "wrote     %s (min-flip companion: %zu adversarial points, %zu leaves)\n",
                c->mf_path, R->C.mf_rows, R->C.mf_leaves);
    if (strcmp(c->out_path, "-") != 0)
        fprintf(f, "wrote     %s\n", c->out_path);
    return 0;
}

static void run_clear(certify_run *R)
{
    nrc_free(R->text);
    nrc_free(R->ex);
    nrc_certify_result_clear(&R->C);
    if (R->engine_ready)
        nrc_engine_clear(&R->E);
    nrc_model_clear(&R->M);
}

int main(int argc, char **argv)
{
    certify_cli c;
    certify_run R;
    int i, rc, done;

    /* A file-size limit (ulimit -f) must make write() fail with EFBIG, which
     * the writer handles (exit 4, temporary file removed), instead of a
     * SIGXFSZ kill that leaves the temporary file behind. */
    signal(SIGXFSZ, SIG_IGN);
    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--check") == 0 || strcmp(argv[i], "--cite") == 0 ||
            strcmp(argv[i], "--bibtex") == 0)
            return nrc_check_cli(argc, argv);

    memset(&c, 0, sizeof c);
    nrc_certify_options_default(&c.opt);
    c.engine = "fast";
    c.threads = 1;
    rc = parse_options(argc, argv, &c, &done);
    if (rc == 0 && !done)
        rc = check_paths(&c);
    if (rc != 0 || done) {
        nrc_free(c.out_buf);
        nrc_free(c.mf_buf);
        return rc;
    }
    if (!c.quiet && isatty(STDERR_FILENO)) {
        c.opt.progress = progress_tty;
        c.opt.progress_ctx = NULL;
    }
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
    /* certify allocates and frees many n x n / n x k work arrays: keep freed
     * memory in the heap instead of returning it to the kernel, so that it
     * is not page-faulted in again (about 10 % of the run at n = d = k =
     * 1000; bench/README.md). Only the allocator's policy changes. */
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
    memset(&R, 0, sizeof R);
    nrc_model_init(&R.M);
    nrc_certify_result_init(&R.C);
    rc = load_model(&c, &R.M);
    if (rc == 0)
        rc = certify_model(&c, &R);
    if (rc == 0)
        rc = write_outputs(&c, &R);
    if (rc == 0 && !c.quiet)
        rc = print_summary(&c, &R);
    if (rc == 0)
        rc = nrc_certify_all_certified(&R.C) && (!c.ex_path || R.ex_ok == R.ex_total) ? 0 : 1;
    run_clear(&R);
    nrc_free(c.out_buf);
    nrc_free(c.mf_buf);
    return rc;
}
