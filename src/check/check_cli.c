/* `certify --check CERT MODEL` and `certify --cite CERT` (spec/CHECK.md).
 * Program code: prints, and returns the exit code of FORMATS.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nrc_alloc.h"
#include "nrc_check.h"
#include "nrc_check_cert.h"
#include "nrc_check_exact.h"
#include "nrc_io.h"
#include "nrc_model.h"
#include "nrc_sha256.h"

#define CERT_MAX ((size_t)1 << 30)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: certify --check CERT MODEL   re-verify every certified claim of CERT\n"
            "                                    exactly against MODEL (exit 0 valid,\n"
            "                                    1 a claim is false, 3 malformed input)\n"
            "       certify --cite CERT          print a LaTeX row, a footnote and the\n"
            "                                    claims of CERT for a paper\n"
            "       nrc-check CERT MODEL         the same checker as its own program\n"
            "       nrc-check --cite CERT\n");
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int run_check(const char *cert_path, const char *model_path)
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
        fprintf(stderr, "certify: error: %s\n", err.msg);
        nrc_free(cb);
        nrc_free(mb);
        return (int)st;
    }
    st = nrc_check_buffers(cb, cl, cert_path, mb, ml, model_path, &rep, &err);
    nrc_sha256(mb, ml, sha);
    nrc_hex(sha, 32, hex);
    nrc_free(cb);
    nrc_free(mb);
    t1 = now_seconds();
    if (st) {
        fprintf(stderr, "certify: error: %s\n", err.msg);
        return (int)st;
    }
    if (!rep.valid) {
        fprintf(stderr, "certify: check failed: %s\n", err.msg);
        fprintf(stderr, "certify: %s is NOT a valid certificate for %s\n", cert_path, model_path);
        return 1;
    }
    printf("certify: checking %s against %s (sha256 %s)\n", cert_path, model_path, hex);
    printf("  fit: %zu claims checked\n", rep.fit);
    printf("  data: %zu claims checked\n", rep.data);
    if (rep.lipschitz_present)
        printf("  lipschitz: %zu claims checked\n", rep.lipschitz);
    else
        printf("  lipschitz: absent (asserts nothing; no dist_lower)\n");
    printf("  flips: %zu certified claims checked (%zu train, %zu test); %zu not certified (assert nothing)\n",
           rep.flips_train + rep.flips_test, rep.flips_train, rep.flips_test, rep.flips_other);
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
    printf("certify: certificate valid: every certified claim holds in exact arithmetic (%.3f s)\n",
           t1 - t0);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Decimal rendering for people; claims stay in hex. */
static void dec(double x, char *buf, size_t size)
{
    snprintf(buf, size, "%.4g", x);
}

static int run_cite(const char *cert_path)
{
    unsigned char *cb = NULL;
    size_t cl = 0, r, ntr = 0, nte = 0, ctr = 0, cte = 0, nr = 0;
    nrc_error err;
    nrc_status st;
    json_error_t jerr;
    json_t *root;
    nrc_cert C;
    unsigned char sha[32];
    char chex[65], s1[64], s2[64], s3[64], s4[64];
    double *ratio = NULL, med = 0, mx = 0;

    err.msg[0] = '\0';
    if ((st = nrc_file_read_all(cert_path, CERT_MAX, &cb, &cl, &err))) {
        fprintf(stderr, "certify: error: %s\n", err.msg);
        return (int)st;
    }
    nrc_sha256(cb, cl, sha);
    nrc_hex(sha, 32, chex);
    root = json_loadb((const char *)cb, cl, JSON_REJECT_DUPLICATES, &jerr);
    nrc_free(cb);
    if (!root) {
        fprintf(stderr, "certify: error: %s: line %d column %d: invalid JSON: %s\n", cert_path,
                jerr.line, jerr.column, jerr.text);
        return 3;
    }
    nrc_cert_init(&C);
    st = nrc_cert_parse(root, &C, &err);
    json_decref(root);
    if (st) {
        fprintf(stderr, "certify: error: %s: %s\n", cert_path, err.msg);
        nrc_cert_clear(&C);
        return (int)st;
    }
    ratio = nrc_malloc_array(C.n_flips ? C.n_flips : 1, sizeof(double));
    if (!ratio) {
        fprintf(stderr, "certify: error: out of memory\n");
        nrc_cert_clear(&C);
        return 4;
    }
    for (r = 0; r < C.n_flips; r++) {
        const nrc_cflip *f = &C.flips[r];
        if (f->test)
            nte++;
        else
            ntr++;
        if (f->status != NRC_CFLIP_CERTIFIED)
            continue;
        if (f->test)
            cte++;
        else
            ctr++;
        if (f->x_norm_lower > 0)
            ratio[nr++] = f->U / f->x_norm_lower;
    }
    if (nr) {
        qsort(ratio, nr, sizeof(double), cmp_double);
        med = nr % 2 ? ratio[nr / 2] : 0.5 * (ratio[nr / 2 - 1] + ratio[nr / 2]);
        mx = ratio[nr - 1];
    }
    printf("%% nrc certificate %s\n", chex);
    printf("%% columns: n & d & k & m & certified flips (train) & certified flips (test) & "
           "median / max of ||delta||/||x|| (upper bounds) & KKT eps_rel (upper) & robust radius r_0 (lower) \\\\\n");
    dec(med, s1, sizeof s1);
    dec(mx, s2, sizeof s2);
    if (C.kkt_certified)
        dec(C.eps_rel_upper, s3, sizeof s3);
    else
        snprintf(s3, sizeof s3, "--");
    if (C.robust_certified)
        dec(C.radius_lower, s4, sizeof s4);
    else
        snprintf(s4, sizeof s4, "--");
    printf("%llu & %llu & %llu & %llu & %zu/%zu & %zu/%zu & %s / %s & %s & %s "
           "\\footnote{Certificate \\texttt{sha256:%s} for model file \\texttt{sha256:%s}; "
           "every number is exact in the certificate and is re-checked in exact arithmetic by "
           "\\texttt{certify --check CERT MODEL} (nrc %s).} \\\\\n",
           (unsigned long long)C.n, (unsigned long long)C.d, (unsigned long long)C.k,
           (unsigned long long)C.m, ctr, ntr, cte, nte, s1, s2, s3, s4, chex, C.sha256,
           NRC_VERSION);
    printf("\nClaims (exact real arithmetic on the binary64 values of the model file):\n");
    printf("- Model: the model file with SHA-256 %s has n = %llu training points, d = %llu, "
           "width k = %llu, m = %llu test points%s%s.\n", C.sha256, (unsigned long long)C.n,
           (unsigned long long)C.d, (unsigned long long)C.k, (unsigned long long)C.m,
           C.bias ? ", hidden biases" : "", C.fixed_second_layer ? ", fixed second layer" : "");
    if (C.all_correct) {
        dec(C.min_margin[0], s1, sizeof s1);
        printf("- Fit: the network classifies all %llu training points correctly, with minimum margin at least %s.\n",
               (unsigned long long)C.n, s1);
    }
    dec(C.eps_data[1], s1, sizeof s1);
    dec(C.gamma_z[0], s2, sizeof s2);
    printf("- Data: eps_data = (n-1) rho / R_min^2 <= %s and gamma_z >= %s (%s the nearly orthogonal regime).\n",
           s1, s2, C.regime ? "in" : "not in");
    dec(med, s1, sizeof s1);
    dec(mx, s2, sizeof s2);
    printf("- Flips: for %zu of %zu training points and %zu of %zu test points, a perturbation "
           "along the data direction z of relative norm ||delta||/||x|| at most %s (median %s) "
           "flips the network's prediction.\n", ctr, ntr, cte, nte, s2, s1);
    if (C.kkt_certified) {
        dec(C.eps_rel_upper, s1, sizeof s1);
        dec(C.delta_upper, s2, sizeof s2);
        printf("- KKT: with the listed multipliers the parameters are an approximate KKT point "
               "of the max-margin problem: ||r|| / ||theta|| <= %s and slackness <= %s.\n", s1, s2);
        if (C.kink_tolerance > 0.0) {
            dec(C.kink_tolerance, s1, sizeof s1);
            printf("  (With kink tolerance eta = %s: at pre-activations |a_ij| <= eta any ReLU "
                   "subgradient in [0, 1] is allowed, an eta-enlarged (Goldstein-style) "
                   "subdifferential, not the exact Clarke KKT condition.)\n", s1);
        }
    }
    if (C.robust_certified) {
        dec(C.radius_lower, s1, sizeof s1);
        printf("- Robust reference: a width-n network with biases fits the same data and is robust "
               "at every training point to every perturbation of norm below %s.\n", s1);
    }
    printf("\nRe-check (exit status 0 means every claim holds exactly):\n");
    printf("  sha256sum MODEL   # must print %s\n", C.sha256);
    printf("  sha256sum %s   # must print %s\n", cert_path, chex);
    printf("  certify --check %s MODEL\n", cert_path);
    nrc_free(ratio);
    nrc_cert_clear(&C);
    return 0;
}

/* Shared by `certify --check/--cite` and bin/nrc-check: implicit_check is 1
 * for nrc-check, where two operands without --check/--cite mean --check. */
static int check_cli(int argc, char **argv, int implicit_check)
{
    int a, check = 0, cite = 0;
    const char *pos[3];
    int npos = 0;
    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--check") == 0)
            check = 1;
        else if (strcmp(argv[a], "--cite") == 0)
            cite = 1;
        else if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[a], "--version") == 0) {
            printf("%s (nrc) %s\n", implicit_check ? "nrc-check" : "certify", NRC_VERSION);
            return 0;
        } else if (argv[a][0] == '-' && argv[a][1] != '\0') {
            fprintf(stderr, "certify: error: unknown option %s with --check/--cite\n", argv[a]);
            usage(stderr);
            return 2;
        } else if (npos < 3) {
            pos[npos++] = argv[a];
        } else {
            npos++;
        }
    }
    if (implicit_check && !check && !cite && npos == 2)
        check = 1;
    if (check && !cite && npos == 2)
        return run_check(pos[0], pos[1]);
    if (cite && !check && npos == 1)
        return run_cite(pos[0]);
    usage(stderr);
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
