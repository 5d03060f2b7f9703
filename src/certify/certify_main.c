/* bin/certify: `certify MODEL` writes a certificate (spec/CERTIFY.md);
 * `certify --check CERT MODEL` / `--cite CERT` go to the independent
 * checker (include/check/nrc_check.h) before anything else is parsed.
 * Thin main: options, then the library; owns stdout/stderr and exit codes. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_certify.h"
#include "nrc_check.h"
#include "nrc_engine.h"
#include "nrc_io.h"
#include "nrc_model.h"
#include "nrc_sha256.h"

#ifndef NRC_VERSION
#define NRC_VERSION "unknown"
#endif

static void usage(FILE *f)
{
    fprintf(f,
"usage: certify [options] MODEL\n"
"       certify --check CERT MODEL      (re-verify a certificate exactly)\n"
"       certify --cite CERT\n"
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
"                        margin set {i : q_i <= (1 + TAU) q_min} (TAU default 0)\n"
"  --engine fast|mpfr    enclosure engine (default fast; mpfr is the reference)\n"
"  --kink-tol TAU        KKT: pre-activations with |a_ij| <= TAU ||w_j|| ||x_i||\n"
"                        get a free subgradient in [0,1]; the certificate states\n"
"                        eta >= max |a_ij| over them (default 2^-40; 0 = exact\n"
"                        zeros only)\n"
"  --emit-examples FILE  write binary64 adversarial points, each certified at\n"
"                        its exact coordinates (format in spec/CERTIFY.md)\n"
"  --threads N           worker threads (results are identical for any N)\n"
"  --quiet               print nothing but errors\n"
"  --help                this text\n"
"\n"
"Exit: 0 every requested claim certified, 1 something not certified,\n"
"2 usage, 3 invalid model file, 4 system error, 5 internal error.\n");
}

static int die(int code, const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "certify: error: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return code;
}

int main(int argc, char **argv)
{
    nrc_certify_options opt;
    const char *model_path = NULL, *out_path = NULL, *engine = "fast", *ex_path = NULL;
    char *out_buf = NULL, *text = NULL, *summary = NULL, *ex = NULL;
    int threads = 1, quiet = 0, i, rc;
    nrc_model M;
    nrc_engine E;
    nrc_certify_result C;
    nrc_error err;
    nrc_status st;
    size_t len = 0, exlen = 0, ex_ok = 0, ex_total = 0;

    /* A file-size limit (ulimit -f) must make write() fail with EFBIG, which
     * the writer handles (exit 4, temporary file removed), instead of a
     * SIGXFSZ kill that leaves the temporary file behind. */
    signal(SIGXFSZ, SIG_IGN);
    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--check") == 0 || strcmp(argv[i], "--cite") == 0)
            return nrc_check_cli(argc, argv);

    nrc_certify_options_default(&opt);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = 1;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--points") == 0 ||
                   strcmp(a, "--direction") == 0 || strcmp(a, "--engine") == 0 ||
                   strcmp(a, "--emit-examples") == 0 || strcmp(a, "--threads") == 0 ||
                   strcmp(a, "--kink-tol") == 0) {
            const char *v;
            if (i + 1 >= argc)
                return die(2, "option %s needs a value%s (try --help)", a, "");
            v = argv[++i];
            if (strcmp(a, "-o") == 0) {
                out_path = v;
            } else if (strcmp(a, "--points") == 0) {
                if (strcmp(v, "train") == 0) opt.points = NRC_POINTS_TRAIN;
                else if (strcmp(v, "test") == 0) opt.points = NRC_POINTS_TEST;
                else if (strcmp(v, "all") == 0) opt.points = NRC_POINTS_ALL;
                else return die(2, "--points %s: expected train, test or all%s", v, "");
            } else if (strcmp(a, "--direction") == 0) {
                if (strcmp(v, "all") == 0) {
                    opt.margin_dir = 0;
                } else if (strncmp(v, "margin", 6) == 0 && (v[6] == '\0' || v[6] == ':')) {
                    char *end;
                    opt.margin_dir = 1;
                    opt.tau = 0.0;
                    opt.tau_text = "0";
                    if (v[6] == ':') {
                        errno = 0;
                        opt.tau = strtod(v + 7, &end);
                        if (errno || end == v + 7 || *end || !(opt.tau >= 0) || opt.tau > 1e6)
                            return die(2, "--direction %s: TAU must be a number in [0, 1e6]%s", v, "");
                        opt.tau_text = v + 7;
                    }
                } else {
                    return die(2, "--direction %s: expected all or margin[:TAU]%s", v, "");
                }
            } else if (strcmp(a, "--engine") == 0) {
                if (strcmp(v, "fast") != 0 && strcmp(v, "mpfr") != 0)
                    return die(2, "--engine %s: expected fast or mpfr%s", v, "");
                engine = v;
            } else if (strcmp(a, "--emit-examples") == 0) {
                ex_path = v;
            } else if (strcmp(a, "--kink-tol") == 0) {
                char *end;
                errno = 0;
                opt.kink_tol = strtod(v, &end);
                if (errno || end == v || *end || !(opt.kink_tol >= 0) || opt.kink_tol > 1)
                    return die(2, "--kink-tol %s: TAU must be a number in [0, 1]%s", v, "");
            } else {
                char *end;
                long t;
                errno = 0;
                t = strtol(v, &end, 10);
                if (errno || end == v || *end || t < 1 || t > 256)
                    return die(2, "--threads %s: expected an integer in [1, 256]%s", v, "");
                threads = (int)t;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            return die(2, "unknown option %s (try --help)%s", a, "");
        } else if (model_path) {
            return die(2, "more than one model file given (%s)%s", a, "");
        } else {
            model_path = a;
        }
    }
    if (!model_path)
        return die(2, "no model file given (usage: certify [options] MODEL; try --help)%s%s", "", "");

    nrc_blas_set_threads(threads);
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
    /* certify allocates and frees many n x n / n x k work arrays: keep freed
     * memory in the heap instead of returning it to the kernel, so that it
     * is not page-faulted in again (about 10 % of the run at n = d = k =
     * 1000; bench/README.md). Only the allocator's policy changes. */
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
    nrc_model_init(&M);
    st = nrc_model_read(model_path, &M, &err);
    if (st != NRC_OK)
        return die((int)st, "%s%s", err.msg, "");
    st = nrc_engine_init(&E, engine, threads, &err);
    if (st != NRC_OK) {
        nrc_model_clear(&M);
        return die((int)st, "engine %s: %s", engine, err.msg);
    }
    nrc_certify_result_init(&C);
    nrc_hex(M.file_sha256, NRC_SHA256_SIZE, C.sha256_hex);
    st = nrc_certify_run(&M, &opt, &E, &C, &err);
    if (st == NRC_OK)
        st = nrc_certify_to_json(&C, &text, &len, &err);
    if (st == NRC_OK) {
        if (!out_path) {
            size_t pl = strlen(model_path);
            out_buf = nrc_malloc(pl + 11);
            if (!out_buf) {
                st = nrc_error_set(&err, NRC_ERR_SYSTEM, "out of memory");
            } else {
                memcpy(out_buf, model_path, pl);
                memcpy(out_buf + pl, ".cert.json", 11);
                out_path = out_buf;
            }
        }
    }
    if (st == NRC_OK && ex_path)
        st = nrc_certify_examples(&M, &C, &E, &ex, &exlen, &ex_ok, &ex_total, &err);
    if (st == NRC_OK)
        st = nrc_file_write_atomic(out_path, text, len, &err);
    if (st == NRC_OK && ex_path) {
        st = nrc_file_write_atomic(ex_path, ex, exlen, &err);
        /* No partial output: when the examples file cannot be written, the
         * certificate written just before is removed again (exit 4). */
        if (st != NRC_OK && strcmp(out_path, "-") != 0)
            unlink(out_path);
    }
    if (st == NRC_OK && !quiet) {
        st = nrc_certify_summary(&C, model_path, &summary, &err);
        if (st == NRC_OK) {
            FILE *f = strcmp(out_path, "-") == 0 ? stderr : stdout;
            fputs(summary, f);
            if (ex_path)
                fprintf(f, "examples  %zu of %zu binary64 adversarial points certified at their exact coordinates -> %s\n",
                        ex_ok, ex_total, ex_path);
            if (strcmp(out_path, "-") != 0)
                fprintf(f, "wrote     %s\n", out_path);
        }
    }
    if (st != NRC_OK) {
        rc = die((int)st, "%s: %s", model_path, err.msg);
    } else {
        rc = nrc_certify_all_certified(&C) && (!ex_path || ex_ok == ex_total) ? 0 : 1;
    }
    nrc_free(text);
    nrc_free(summary);
    nrc_free(ex);
    nrc_free(out_buf);
    nrc_certify_result_clear(&C);
    nrc_engine_clear(&E);
    nrc_model_clear(&M);
    return rc;
}
