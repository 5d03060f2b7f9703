/* `certify --check CERT MODEL`, `certify --cite CERT`, `certify --bibtex`
 * and bin/nrc-check (spec/CHECK.md, spec/CLI.md). Program code: prints, and
 * returns the exit code of spec/CLI.md. Messages start with the program's
 * name ("certify:" or "nrc-check:"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nrc_alloc.h"
#include "nrc_check.h"
#include "nrc_check_cert.h"
#include "nrc_check_exact.h"
#include "nrc_check_tex.h"
#include "nrc_cli.h"
#include "nrc_io.h"
#include "nrc_model.h"
#include "nrc_sha256.h"

#define CERT_MAX ((size_t)1 << 30)

static void usage(FILE *out, const char *prog)
{
    if (strcmp(prog, "nrc-check") == 0)
        fprintf(out,
                "usage: nrc-check CERT MODEL       re-verify every certified claim of CERT\n"
                "                                  exactly against MODEL (also: --check CERT MODEL)\n"
                "         --min-flip-data FILE     the min_flip companion file (default: the file\n"
                "                                  the certificate names, in CERT's directory)\n"
                "       nrc-check --cite CERT      a LaTeX table and the claims of CERT, for a paper\n"
                "       nrc-check --bibtex         BibTeX entries for nrc and the paper\n"
                "       nrc-check --help | --version\n"
                "The independent exact checker of nrc, the same code as certify --check\n"
                "(spec/CHECK.md). --cite output needs \\usepackage{threeparttable}.\n\n%s",
                nrc_cli_exit_table);
    else
        fprintf(out,
                "usage: certify --check CERT MODEL   re-verify every certified claim of CERT\n"
                "                                    exactly against MODEL\n"
                "         --min-flip-data FILE       the min_flip companion file (default: the\n"
                "                                    file the certificate names, in CERT's\n"
                "                                    directory)\n"
                "       certify --cite CERT          a LaTeX table and the claims of CERT,\n"
                "                                    for a paper\n"
                "       certify --bibtex             BibTeX entries for nrc and the paper\n"
                "       nrc-check CERT MODEL         the same checker as its own program\n"
                "The independent exact checker (spec/CHECK.md). --cite output needs\n"
                "\\usepackage{threeparttable}.\n\n%s",
                nrc_cli_exit_table);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* After an input error: say when a file looks like the other kind (the
 * arguments swapped, a model given to --cite, ...). */
static void hint_kinds(const char *prog, const char *cert_path, const char *model_path)
{
    nrc_file_kind kc = nrc_file_sniff(cert_path);
    nrc_file_kind km = model_path ? nrc_file_sniff(model_path) : NRC_KIND_OTHER;
    if (kc == NRC_KIND_MODEL && km == NRC_KIND_CERT)
        fprintf(stderr, "%s: hint: the arguments look swapped: %s is a model file and %s a "
                "certificate; the order is CERT MODEL: %s --check %s %s\n", prog, cert_path,
                model_path, prog, model_path, cert_path);
    else if (kc == NRC_KIND_MODEL)
        fprintf(stderr, "%s: hint: %s is a model file, where a certificate is expected\n", prog,
                cert_path);
    else if (kc == NRC_KIND_EXAMPLES)
        fprintf(stderr, "%s: hint: %s is an examples file (--emit-examples), where a "
                "certificate is expected\n", prog, cert_path);
    else if (km == NRC_KIND_CERT)
        fprintf(stderr, "%s: hint: %s is a certificate, where a model file is expected\n", prog,
                model_path);
}

static int fail_input(const char *prog, nrc_status st, const nrc_error *err,
                      const char *cert_path, const char *model_path)
{
    fprintf(stderr, "%s: error: %s\n", prog, err->msg);
    if (st == NRC_ERR_INPUT)
        hint_kinds(prog, cert_path, model_path);
    return (int)st;
}

/* The min_flip line of the summary. */
static void print_min_flip(const nrc_check_report *rep)
{
    if (!rep->mf_present) {
        printf("  min_flip: absent (asserts nothing)\n");
        return;
    }
    printf("  min_flip: %zu upper and %zu lower claims checked (%zu leaves, %zu of them vacuous); "
           "%zu with status none (assert nothing)\n", rep->mf_upper, rep->mf_lower, rep->mf_leaves,
           rep->mf_vacuous, rep->mf_none);
}

static int run_check(const char *prog, const char *cert_path, const char *model_path,
                     const char *mf_path)
{
    unsigned char *cb = NULL, *mb = NULL;
    size_t cl = 0, ml = 0;
    nrc_error err;
    nrc_check_report rep;
    nrc_status st;
    double t0 = now_seconds(), t1;
    unsigned char sha[32];
    char hex[65];

    err.msg[0] = '\0';
    st = nrc_file_read_all(cert_path, CERT_MAX, &cb, &cl, &err);
    if (!st) {
        /* Gate: nrc_model_read checks the header and the length against
         * fstat (and physical memory) before allocating, so a hostile header
         * or a huge sparse file is refused without being read whole. */
        nrc_model gate;
        nrc_model_init(&gate);
        st = nrc_model_read(model_path, &gate, &err);
        nrc_model_clear(&gate);
    }
    if (!st)
        st = nrc_file_read_all(model_path, (size_t)NRC_MODEL_FILE_MAX, &mb, &ml, &err);
    if (st) {
        nrc_free(cb);
        nrc_free(mb);
        return fail_input(prog, st, &err, cert_path, model_path);
    }
    memset(sha, 0, sizeof sha);
    st = nrc_check_buffers_mf_take(cb, cl, cert_path, &mb, ml, model_path, mf_path, sha, &rep,
                                   &err);
    nrc_hex(sha, 32, hex);
    nrc_free(cb);
    nrc_free(mb);
    t1 = now_seconds();
    if (st)
        return fail_input(prog, st, &err, cert_path, model_path);
    if (!rep.valid) {
        fprintf(stderr, "%s: check failed: %s\n", prog, err.msg);
        fprintf(stderr, "%s: %s is NOT a valid certificate for %s\n", prog, cert_path, model_path);
        return 1;
    }
    printf("%s: checking %s against %s (sha256 %s)\n", prog, cert_path, model_path, hex);
    printf("  fit: %zu claims checked\n", rep.fit);
    printf("  data: %zu claims checked\n", rep.data);
    if (rep.lipschitz_present)
        printf("  lipschitz: %zu claims checked\n", rep.lipschitz);
    else
        printf("  lipschitz: absent (asserts nothing; no dist_lower)\n");
    printf("  flips: %zu certified claims checked (%zu train, %zu test); %zu not certified (assert nothing)\n",
           rep.flips_train + rep.flips_test, rep.flips_train, rep.flips_test, rep.flips_other);
    print_min_flip(&rep);
    if (rep.kkt && rep.kink_tolerance > 0.0) {
        char eh[32];
        nrc_check_hex_format(rep.kink_tolerance, eh, sizeof eh);
        printf("  kkt: %zu claims checked, with kink tolerance eta = %s (~%.4g): subgradients from "
               "the eta-enlarged ReLU subdifferential, not the exact Clarke condition\n",
               rep.kkt, eh, rep.kink_tolerance);
    } else if (rep.kkt)
        printf("  kkt: %zu claims checked\n", rep.kkt);
    else
        printf("  kkt: not-applicable (asserts nothing)\n");
    if (rep.robust)
        printf("  robust_reference: %zu claim checked\n", rep.robust);
    else
        printf("  robust_reference: not-applicable (asserts nothing)\n");
    printf("%s: certificate valid: every certified claim holds in exact arithmetic (%.3f s)\n",
           prog, t1 - t0);
    return 0;
}

/* ---- --cite: numbers ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The smallest binary64 >= a / b (a, b > 0; may be +infinity). */
static double div_up(double a, double b)
{
    return nextafter(a / b, INFINITY);
}

/* ---- --cite: text ---- */

/* What --cite reports, computed before anything is printed (so that an
 * allocation failure prints nothing on stdout). */
typedef struct {
    const char *cert_path;
    char chex[65];
    size_t ntr, nte, ctr, cte, nr;
    double med_up, max_up;   /* of the certified U / x_norm_lower, rounded up */
} cite_facts;

static void cite_flips(const nrc_cert *C, double *ratio, cite_facts *F)
{
    size_t r;
    for (r = 0; r < C->n_flips; r++) {
        const nrc_cflip *fl = &C->flips[r];
        *(fl->test ? &F->nte : &F->ntr) += 1;
        if (fl->status != NRC_CFLIP_CERTIFIED)
            continue;
        *(fl->test ? &F->cte : &F->ctr) += 1;
        if (fl->x_norm_lower > 0)
            ratio[F->nr++] = div_up(fl->U, fl->x_norm_lower);
    }
    if (F->nr) {
        /* Each certified ratio is at most its rounded-up bound, so each
         * order statistic (and the median) of the ratios is at most that of
         * the bounds. */
        qsort(ratio, F->nr, sizeof(double), cmp_double);
        if (F->nr % 2) {
            F->med_up = ratio[F->nr / 2];
        } else {
            double a = ratio[F->nr / 2 - 1], b = ratio[F->nr / 2];
            F->med_up = nextafter(0.5 * a + 0.5 * b, INFINITY);
            if (F->med_up > b)
                F->med_up = b;
        }
        F->max_up = ratio[F->nr - 1];
    }
}

/* Rotating buffers for the numbers of one printf. */
typedef struct {
    char s[8][64];
    unsigned i;
} num_bufs;

static const char *num(num_bufs *b, double x, int up)
{
    char *p = b->s[b->i++ % 8];
    nrc_tex_number(x, up, p, sizeof b->s[0]);
    return p;
}
#define NUM(x, up) num(&nb, (x), (up))

/* s in a LaTeX comment line: printable ASCII only. */
static void comment_text(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f ? *s : '?', f);
}

static void cite_table(FILE *f, const nrc_cert *C, const cite_facts *F)
{
    num_bufs nb = {{{0}}, 0};
    const char *commit = nrc_commit();
    fprintf(f, "%% nrc certificate table: certify --cite (nrc %s%s%s).\n", nrc_version(),
            commit ? ", commit " : "", commit ? commit : "");
    fputs("% Certificate ", f);
    comment_text(f, F->cert_path);
    fprintf(f, ", SHA-256 %s\n", F->chex);
    fprintf(f, "%% Model file SHA-256 %s\n", C->sha256);
    fputs("% Needs \\usepackage{threeparttable} (Debian texlive-latex-extra); cites\n"
          "% nrc-tool and vardi2022gradient: `certify --bibtex` prints both entries.\n"
          "% Several certificates in one table: copy their lines marked \"% row\".\n", f);
    fputs("\\begin{table}[htbp]\n\\centering\n\\begin{threeparttable}\n", f);
    fprintf(f, "\\caption{Certified non-robustness of a depth-2 ReLU network (nrc~%s~\\cite{nrc-tool}; "
            "setting of \\cite{vardi2022gradient}). Every bound is stated by the certificate in "
            "exact real arithmetic on the binary64 values of the model file and can be "
            "re-checked exactly\\tnote{*}.}\n", nrc_version());
    fprintf(f, "\\label{tab:nrc-%.8s}\n", F->chex);
    fputs("\\small\n\\begin{tabular}{rrrrrrccc}\n\\hline\n"
          "$n$ & $d$ & $k$ & $m$ & \\multicolumn{2}{c}{flips\\tnote{a}} & "
          "$\\|\\delta\\|/\\|x\\|$\\tnote{b} & $\\varepsilon_{\\mathrm{rel}}$\\tnote{c} & "
          "$r_0$\\tnote{d} \\\\\n"
          " & & & & train & test & median / max & & \\\\\n\\hline\n", f);
    fprintf(f, "%llu & %llu & %llu & %llu & %zu/%zu & %zu/%zu & ", (unsigned long long)C->n,
            (unsigned long long)C->d, (unsigned long long)C->k, (unsigned long long)C->m,
            F->ctr, F->ntr, F->cte, F->nte);
    if (F->nr)
        fprintf(f, "$%s$ / $%s$", NUM(F->med_up, 1), NUM(F->max_up, 1));
    else
        fputs("--", f);
    fprintf(f, " & %s%s%s", C->kkt_certified ? "$" : "",
            C->kkt_certified ? NUM(C->eps_rel_upper, 1) : "--", C->kkt_certified ? "$" : "");
    fprintf(f, " & %s%s%s \\\\ %% row\n", C->robust_certified ? "$" : "",
            C->robust_certified ? NUM(C->radius_lower, 0) : "--", C->robust_certified ? "$" : "");
    fputs("\\hline\n\\end{tabular}\n\\begin{tablenotes}\n\\footnotesize\\raggedright\n", f);
    fputs("\\item[*] Model file SHA-256 ", f);
    nrc_tex_hash(f, C->sha256);
    fputs("; certificate \\texttt{", f);
    nrc_tex_path(f, F->cert_path);
    fputs("}, SHA-256 ", f);
    nrc_tex_hash(f, F->chex);
    fputs(". Re-check: \\texttt{sha256sum MODEL} prints the model's hash, and "
          "\\texttt{certify -{}-check CERT MODEL} (or \\texttt{nrc-check CERT MODEL}) exits "
          "with status~0 when every claim holds in exact arithmetic.\n", f);
    fputs("\\item[a] Points $x$ (training, test) at which a perturbation $\\delta = -p\\,s\\,z$ "
          "along $z = \\sum_l y_l x_l$ is certified to flip the sign $p$ of $N(x)$, of all "
          "points; a point not counted is undecided, not robust.\n", f);
    fputs("\\item[b] Upper bounds on $\\|\\delta\\|/\\|x\\|$ over the certified flips: median and "
          "maximum, rounded up.\n", f);
    fputs("\\item[c] The parameters are an approximate KKT point of the max-margin problem: "
          "$\\|r\\| \\le \\varepsilon_{\\mathrm{rel}} \\|\\theta\\|$ (rounded up); "
          "--: not certified.\n", f);
    fputs("\\item[d] A width-$n$ network with biases fits the same data and is robust to every "
          "perturbation of norm below $r_0$ at every training point (rounded down); "
          "--: not certified.\n", f);
    fputs("\\end{tablenotes}\n\\end{threeparttable}\n\\end{table}\n", f);
}

static void cite_claims(FILE *f, const nrc_cert *C, const cite_facts *F)
{
    num_bufs nb = {{{0}}, 0};
    fputs("\n% The claims of the certificate in words (for the text or an appendix).\n", f);
    fputs("\\begin{itemize}\n", f);
    fprintf(f, "\\item Model: the model file whose SHA-256 begins \\texttt{%.16s} (in full in "
            "the notes of Table~\\ref{tab:nrc-%.8s})", C->sha256, F->chex);
    fprintf(f, " has $n = %llu$ training points in dimension $d = %llu$, width $k = %llu$ and "
            "$m = %llu$ test points%s%s.\n", (unsigned long long)C->n, (unsigned long long)C->d,
            (unsigned long long)C->k, (unsigned long long)C->m,
            C->bias ? ", hidden biases" : "", C->fixed_second_layer ? ", a fixed second layer" : "");
    if (C->all_correct)
        fprintf(f, "\\item Fit: the network classifies all $%llu$ training points correctly, with "
                "minimum margin $\\min_i y_i N(x_i) \\ge %s$.\n", (unsigned long long)C->n,
                NUM(C->min_margin[0], 0));
    else
        fputs("\\item Fit: not certified (the certificate does not state that every training "
              "point is classified correctly).\n", f);
    fprintf(f, "\\item Data: $\\varepsilon_{\\mathrm{data}} = (n-1)\\rho/R_{\\min}^2 \\le %s$ and "
            "$\\gamma_z \\ge %s$; the data are %sin the nearly orthogonal regime.\n",
            NUM(C->eps_data[1], 1), NUM(C->gamma_z[0], 0), C->regime ? "" : "not ");
    if (F->nr)
        fprintf(f, "\\item Flips: for %zu of %zu training points and %zu of %zu test points, a "
                "perturbation along the data direction $z$ of relative norm "
                "$\\|\\delta\\|/\\|x\\| \\le %s$ (median $\\le %s$) flips the network's "
                "prediction.\n", F->ctr, F->ntr, F->cte, F->nte, NUM(F->max_up, 1),
                NUM(F->med_up, 1));
    else
        fprintf(f, "\\item Flips: none certified (of %zu training and %zu test points).\n",
                F->ntr, F->nte);
    if (C->kkt_certified) {
        fprintf(f, "\\item KKT: with the listed multipliers the parameters are an approximate "
                "KKT point of the max-margin problem: $\\|r\\|/\\|\\theta\\| \\le %s$ and "
                "slackness $\\le %s$", NUM(C->eps_rel_upper, 1), NUM(C->delta_upper, 1));
        if (C->eps_rel_upper >= 1.0)
            fputs(" (a relative residual of 1 or more says nothing: the multipliers "
                  "$\\lambda = 0$ give exactly 1)", f);
        fputs(".", f);
        if (C->kink_tolerance > 0.0) {
            int ex;
            double fr = frexp(C->kink_tolerance, &ex);
            /* eta exactly when a power of two, else bounded above */
            fputs(" With kink tolerance $\\eta ", f);
            if (fr == 0.5)
                fprintf(f, "= 2^{%d}", ex - 1);
            else
                fprintf(f, "\\le %s", NUM(C->kink_tolerance, 1));
            fputs("$: at pre-activations $|a_{ij}| \\le \\eta$ any ReLU subgradient in $[0, 1]$ "
                  "is allowed, an $\\eta$-enlarged (Goldstein-style) subdifferential, not the "
                  "exact Clarke KKT condition.", f);
        }
        fputs("\n", f);
    } else {
        fputs("\\item KKT: not certified.\n", f);
    }
    if (C->robust_certified)
        fprintf(f, "\\item Robust reference: a width-$n$ network with biases fits the same data and "
                "is robust at every training point to every perturbation of norm below $%s$.\n",
                NUM(C->radius_lower, 0));
    else
        fputs("\\item Robust reference: not certified.\n", f);
    fputs("\\end{itemize}\n", f);
}

static int run_cite(const char *prog, const char *cert_path)
{
    unsigned char *cb = NULL;
    size_t cl = 0;
    nrc_error err;
    nrc_status st;
    json_error_t jerr;
    json_t *root;
    nrc_cert C;
    unsigned char sha[32];
    double *ratio;
    cite_facts F;

    memset(&F, 0, sizeof F);
    F.cert_path = cert_path;
    err.msg[0] = '\0';
    if ((st = nrc_file_read_all(cert_path, CERT_MAX, &cb, &cl, &err)))
        return fail_input(prog, st, &err, cert_path, NULL);
    nrc_sha256(cb, cl, sha);
    nrc_hex(sha, 32, F.chex);
    root = json_loadb((const char *)cb, cl, JSON_REJECT_DUPLICATES, &jerr);
    nrc_free(cb);
    if (!root) {
        nrc_error_set(&err, NRC_ERR_INPUT, "%s: line %d column %d: invalid JSON: %s", cert_path,
                      jerr.line, jerr.column, jerr.text);
        return fail_input(prog, NRC_ERR_INPUT, &err, cert_path, NULL);
    }
    nrc_cert_init(&C);
    st = nrc_cert_parse(root, &C, &err);
    json_decref(root);
    if (st) {
        nrc_error_prefix(&err, cert_path);
        nrc_cert_clear(&C);
        return fail_input(prog, st, &err, cert_path, NULL);
    }
    ratio = nrc_malloc_array(C.n_flips ? C.n_flips : 1, sizeof(double));
    if (!ratio) {
        fprintf(stderr, "%s: error: out of memory\n", prog);
        nrc_cert_clear(&C);
        return 4;
    }
    cite_flips(&C, ratio, &F);
    nrc_free(ratio);
    cite_table(stdout, &C, &F);
    cite_claims(stdout, &C, &F);
    nrc_cert_clear(&C);
    return 0;
}

/* --bibtex: the tool (version, commit when built from git) and the paper. */
static int run_bibtex(void)
{
    const char *commit = nrc_commit();
    printf("@misc{nrc-tool,\n"
           "  title        = {nrc: certified non-robustness of trained depth-2 {ReLU} networks},\n"
           "  author       = {{nrc developers}},\n"
           "  howpublished = {Software, version %s%s%s},\n"
           "  note         = {Certificates re-checked exactly by \\texttt{certify -{}-check}}\n"
           "}\n\n", nrc_version(), commit ? ", commit " : "", commit ? commit : "");
    printf("@inproceedings{vardi2022gradient,\n"
           "  author       = {Gal Vardi and Gilad Yehudai and Ohad Shamir},\n"
           "  title        = {Gradient Methods Provably Converge to Non-Robust Networks},\n"
           "  booktitle    = {Advances in Neural Information Processing Systems (NeurIPS)},\n"
           "  volume       = {35},\n"
           "  year         = {2022}\n"
           "}\n");
    return 0;
}

/* Shared by `certify --check/--cite/--bibtex` and bin/nrc-check:
 * implicit_check is 1 for nrc-check, where two operands without a mode
 * mean --check. */
static int check_cli(int argc, char **argv, int implicit_check)
{
    const char *prog = implicit_check ? "nrc-check" : "certify";
    int a, check = 0, cite = 0, bib = 0;
    const char *pos[3], *mf_path = NULL;
    int npos = 0;
    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--min-flip-data") == 0) {
            if (a + 1 >= argc || argv[a + 1][0] == '\0') {
                fprintf(stderr, "%s: error: option --min-flip-data needs a file name (try %s "
                        "--help)\n", prog, prog);
                return 2;
            }
            mf_path = argv[++a];
        } else if (strcmp(argv[a], "--check") == 0)
            check = 1;
        else if (strcmp(argv[a], "--cite") == 0)
            cite = 1;
        else if (strcmp(argv[a], "--bibtex") == 0)
            bib = 1;
        else if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
            usage(stdout, prog);
            return 0;
        } else if (strcmp(argv[a], "--version") == 0) {
            char line[160];
            fputs(nrc_version_line(prog, line, sizeof line), stdout);
            return 0;
        } else if (argv[a][0] == '-' && argv[a][1] != '\0') {
            fprintf(stderr, "%s: error: unknown option %s with --check/--cite/--bibtex (try "
                    "%s --help)\n", prog, argv[a], prog);
            return 2;
        } else if (npos < 3) {
            pos[npos++] = argv[a];
        } else {
            npos++;
        }
    }
    if (implicit_check && !check && !cite && !bib && npos == 2)
        check = 1;
    if (check + cite + bib > 1) {
        fprintf(stderr, "%s: error: --check, --cite and --bibtex exclude each other\n", prog);
    } else if (mf_path && !check) {
        fprintf(stderr, "%s: error: --min-flip-data goes with --check\n", prog);
    } else if (check && npos == 2) {
        return run_check(prog, pos[0], pos[1], mf_path);
    } else if (cite && npos == 1) {
        return run_cite(prog, pos[0]);
    } else if (bib && npos == 0) {
        return run_bibtex();
    } else {
        fprintf(stderr, "%s: error: %s\n", prog,
                check ? "--check takes two files: CERT MODEL"
                : cite ? "--cite takes one file: CERT"
                : bib ? "--bibtex takes no file"
                : "expected CERT MODEL, --check CERT MODEL, --cite CERT or --bibtex");
    }
    fprintf(stderr, "usage: %s %s | --cite CERT | --bibtex (try %s --help)\n", prog,
            implicit_check ? "[--check] CERT MODEL" : "--check CERT MODEL", prog);
    return 2;
}

int nrc_check_cli(int argc, char **argv)
{
    return check_cli(argc, argv, 0);
}

int nrc_check_main(int argc, char **argv)
{
    return check_cli(argc, argv, 1);
}
