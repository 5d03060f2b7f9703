/* bin/train: generate data, train a depth-2 ReLU network by full-batch
 * gradient descent, write model.bin (spec/TRAINING.md, FORMATS.md).
 * Thin main: parse and validate options, call the library, own stderr and
 * the exit code.  stdout stays empty (so `-o -` can write the model there). */
#include <float.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_cli.h"
#include "nrc_data.h"
#include "nrc_output.h"
#include "nrc_model.h"
#include "nrc_polish.h"
#include "nrc_rng.h"
#include "nrc_train.h"
#include "nrc_span.h"

/* Defaults (spec/TRAINING.md "Defaults" has the measurements behind them). */
#define DEF_N 8
#define DEF_D 50000
#define DEF_K 16
#define DEF_M 10
#define DEF_LR 0.1
#define DEF_STEPS 3000
#define DEF_INIT_SCALE 1e-4
#define DEF_SEED 1
#define SEED_MAX ((uint64_t)1 << 53)   /* exact in every JSON reader */
#define THREADS_MAX 256

typedef struct {
    uint64_t n, d, k, m, steps, seed;
    nrc_data_kind data;
    nrc_labels_kind labels;
    nrc_loss_kind loss;
    nrc_schedule_kind schedule;
    double lr, init_scale;
    int bias, fix_v, threads, quiet;
    const char *out;
    int no_polish, polish_always;
} cli_opts;

static void usage(FILE *f)
{
    fprintf(f,
"usage: train [options]\n"
"Train a depth-2 ReLU network N(x) = sum_j v_j relu(<w_j,x> + b_j) by\n"
"full-batch gradient descent on generated data and write model.bin.\n"
"\n"
"  -n N                training points (default %d)\n"
"  -d D                input dimension (default %d)\n"
"  -k K                hidden width (default %d)\n"
"  -m M                test points, same distribution (default %d)\n"
"  --data sphere|gaussian     sphere of radius sqrt(d) (default) or N(0, I)\n"
"  --labels balanced|random   floor(n/2) of class -1, shuffled (default)\n"
"  --loss logistic|exp        training loss (default logistic)\n"
"  --schedule normalized|constant|loss\n"
"                      step lr / (L max(1, log 1/L)) (default), lr, or lr / L\n"
"  --lr ETA            learning rate, > 0 (default %g)\n"
"  --steps S           gradient steps, >= 0 (default %d)\n"
"  --init-scale S      std of the initial W and v, > 0 (default %g)\n"
"  --bias              train hidden biases b (default: none)\n"
"  --fix-second-layer  v_j = +-1/sqrt(k) (alternating), never updated\n"
"  --no-polish         skip the KKT polish after gradient descent\n"
"                      (spec/POLISH.md; on by default)\n"
"  --polish-always     write the polished network even when certify would\n"
"                      read it as less KKT than the GD one (kinks)\n"
"  --seed S            random seed, 0..2^53 (default %d)\n"
"  --threads T         threads for the matrix products (default 1);\n"
"                      the output does not depend on it\n"
"  -o FILE             output model (default model.bin; - for stdout)\n"
"  --quiet             no progress and no summary on stderr\n"
"  --help, --version\n"
"\n"
"Progress goes to stderr when it is a terminal; a one-line summary always\n"
"(unless --quiet). An existing output file is replaced atomically; a device\n"
"or FIFO is written through (spec/CLI.md). Training that diverges (a\n"
"non-finite loss or parameter: --lr too large) exits 1 and writes nothing.\n"
"\n%s",
            DEF_N, DEF_D, DEF_K, DEF_M, DEF_LR, DEF_STEPS, DEF_INIT_SCALE, DEF_SEED,
            nrc_cli_exit_table);
}

static int fail_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail_usage(const char *fmt, ...)
{
    va_list ap;
    fputs("train: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see train --help)\n", stderr);
    return NRC_ERR_USAGE;
}

/* The shared parsers (include/core/nrc_cli.h); 0 on success. */
static int parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi,
                     uint64_t *out)
{
    nrc_error e;
    if (nrc_cli_parse_u64(opt, s, lo, hi, out, &e) != NRC_OK)
        return fail_usage("%s", e.msg);
    return 0;
}

/* Finite binary64 > 0 (subnormals included). */
static int parse_pos(const char *opt, const char *s, double *out)
{
    nrc_error e;
    if (nrc_cli_parse_real(opt, s, 0.0, DBL_MAX, NRC_REAL_ABOVE_LO, out, &e) != NRC_OK)
        return fail_usage("%s", e.msg);
    return 0;
}

static int parse_choice(const char *opt, const char *s, const char *a,
                        const char *b, int *out)
{
    if (strcmp(s, a) == 0)
        *out = 0;
    else if (strcmp(s, b) == 0)
        *out = 1;
    else if (strcmp(opt, "--schedule") == 0)
        return 1;   /* the caller names all three choices */
    else
        return fail_usage("option %s: '%s' is not one of %s, %s", opt, s, a, b);
    return 0;
}

enum { O_DATA = 256, O_LABELS, O_LOSS, O_SCHEDULE, O_LR, O_STEPS, O_INIT,
       O_BIAS, O_FIX, O_SEED, O_THREADS, O_QUIET, O_HELP, O_VERSION,
       O_NOPOLISH, O_POLISH_ALWAYS };

static int parse_args(int argc, char **argv, cli_opts *o, int *done)
{
    static const struct option longs[] = {
        {"data", required_argument, 0, O_DATA},
        {"labels", required_argument, 0, O_LABELS},
        {"loss", required_argument, 0, O_LOSS},
        {"schedule", required_argument, 0, O_SCHEDULE},
        {"lr", required_argument, 0, O_LR},
        {"steps", required_argument, 0, O_STEPS},
        {"init-scale", required_argument, 0, O_INIT},
        {"bias", no_argument, 0, O_BIAS},
        {"fix-second-layer", no_argument, 0, O_FIX},
        {"seed", required_argument, 0, O_SEED},
        {"threads", required_argument, 0, O_THREADS},
        {"output", required_argument, 0, 'o'},
        {"quiet", no_argument, 0, O_QUIET},
        {"no-polish", no_argument, 0, O_NOPOLISH},
        {"polish-always", no_argument, 0, O_POLISH_ALWAYS},
        {"help", no_argument, 0, O_HELP},
        {"version", no_argument, 0, O_VERSION},
        {0, 0, 0, 0}};
    const uint64_t dim_max = NRC_MODEL_DIM_MAX;
    int c, ch, rc = 0;
    uint64_t t;

    *done = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":n:d:k:m:o:", longs, NULL)) != -1) {
        switch (c) {
        case 'n': rc = parse_u64("-n", optarg, 1, dim_max, &o->n); break;
        case 'd': rc = parse_u64("-d", optarg, 1, dim_max, &o->d); break;
        case 'k': rc = parse_u64("-k", optarg, 1, dim_max, &o->k); break;
        case 'm': rc = parse_u64("-m", optarg, 0, dim_max, &o->m); break;
        case 'o':
            if (!*optarg)
                return fail_usage("option -o: empty file name");
            o->out = optarg;
            break;
        case O_DATA:
            rc = parse_choice("--data", optarg, "sphere", "gaussian", &ch);
            o->data = ch ? NRC_DATA_GAUSSIAN : NRC_DATA_SPHERE;
            break;
        case O_LABELS:
            rc = parse_choice("--labels", optarg, "balanced", "random", &ch);
            o->labels = ch ? NRC_LABELS_RANDOM : NRC_LABELS_BALANCED;
            break;
        case O_LOSS:
            rc = parse_choice("--loss", optarg, "logistic", "exp", &ch);
            o->loss = ch ? NRC_LOSS_EXP : NRC_LOSS_LOGISTIC;
            break;
        case O_SCHEDULE:
            if (strcmp(optarg, "loss") == 0) {
                o->schedule = NRC_SCHEDULE_LOSS;
                break;
            }
            rc = parse_choice("--schedule", optarg, "normalized", "constant", &ch);
            if (rc)
                return fail_usage("option --schedule: '%s' is not one of normalized, "
                                  "constant, loss", optarg);
            o->schedule = ch ? NRC_SCHEDULE_CONSTANT : NRC_SCHEDULE_NORMALIZED;
            break;
        case O_LR: rc = parse_pos("--lr", optarg, &o->lr); break;
        case O_INIT: rc = parse_pos("--init-scale", optarg, &o->init_scale); break;
        case O_STEPS: rc = parse_u64("--steps", optarg, 0, UINT64_MAX - 1, &o->steps); break;
        case O_SEED: rc = parse_u64("--seed", optarg, 0, SEED_MAX, &o->seed); break;
        case O_THREADS:
            rc = parse_u64("--threads", optarg, 1, THREADS_MAX, &t);
            o->threads = (int)t;
            break;
        case O_BIAS: o->bias = 1; break;
        case O_FIX: o->fix_v = 1; break;
        case O_QUIET: o->quiet = 1; break;
        case O_NOPOLISH: o->no_polish = 1; break;
        case O_POLISH_ALWAYS: o->polish_always = 1; break;
        case O_HELP: usage(stdout); *done = 1; return 0;
        case O_VERSION: {
            char line[160];
            fputs(nrc_version_line("train", line, sizeof line), stdout);
            *done = 1;
            return 0;
        }
        case ':':
            return fail_usage("option %s needs a value", argv[optind - 1]);
        default:
            return fail_usage("unknown option '%s'", argv[optind - 1]);
        }
        if (rc)
            return rc;
    }
    if (optind < argc)
        return fail_usage("unexpected argument '%s'", argv[optind]);
    if (nrc_model_file_size(o->n, o->d, o->k, o->m, o->bias ? NRC_FLAG_BIAS : 0,
                            NRC_MODEL_META_MAX) == 0)
        return fail_usage("sizes n=%" PRIu64 " d=%" PRIu64 " k=%" PRIu64 " m=%" PRIu64
                          " exceed the model file limits", o->n, o->d, o->k, o->m);
    if ((o->n > SIZE_MAX / sizeof(double) / o->d) ||
        (o->n > SIZE_MAX / sizeof(double) / o->k))
        return fail_usage("sizes too large for this machine");
    {
        /* The model itself, the gradient of W and three (n,k) buffers must
         * fit in physical memory: refuse up front rather than be killed
         * half-way (calloc succeeds lazily under overcommit). */
        double need = (double)nrc_model_file_size(o->n, o->d, o->k, o->m,
                                                  o->bias ? NRC_FLAG_BIAS : 0, 4096) +
                      8.0 * ((double)o->k * (double)o->d +
                             3.0 * (double)o->n * (double)o->k);
        long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
        double have = pages > 0 && psz > 0 ? (double)pages * (double)psz : 0.0;
        if (have > 0.0 && need > have)
            return fail_usage("sizes n=%" PRIu64 " d=%" PRIu64 " k=%" PRIu64 " m=%" PRIu64
                              " need about %.3g GB of memory; this machine has %.3g GB",
                              o->n, o->d, o->k, o->m, need / 1e9, have / 1e9);
    }
    return 0;
}

/* ---- progress ---- */

typedef struct {
    const cli_opts *o;
    int tty;
    double t0, last;   /* start of training, last refresh */
} progress_ctx;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int on_progress(const nrc_train_progress *p, void *vctx)
{
    progress_ctx *c = vctx;
    double t = now_s();
    if (c->tty && (t - c->last >= 0.2 || p->step == c->o->steps)) {
        double el = t - c->t0;
        double rate = el > 0 ? (double)p->step / el : 0.0;
        double eta = rate > 0 ? (double)(c->o->steps - p->step) / rate : 0.0;
        char loss[48];
        /* once L underflows, show it as e^(log L) */
        if (p->loss > 0.0 && isfinite(p->loss))
            snprintf(loss, sizeof loss, "%.4e", p->loss);
        else
            snprintf(loss, sizeof loss, "e^%.6g", p->log_loss);
        fprintf(stderr,
                "\rstep %" PRIu64 "/%" PRIu64 "  loss %s  min margin %.5g  "
                "normalized margin %.6g  %.0f steps/s  ETA %.0f s   ",
                p->step, c->o->steps, loss, p->q_min, p->norm_margin, rate, eta);
        fflush(stderr);
        c->last = t;
    }
    return 0;
}

/* ---- metadata ---- */

static const char *names_data[] = {"sphere", "gaussian"};
static const char *names_labels[] = {"balanced", "random"};
static const char *names_loss[] = {"logistic", "exp"};
static const char *names_schedule[] = {"normalized", "constant", "loss"};

/* "%.17g" round-trips every double; non-finite values (an overflowed
 * exponential loss) are written as null. */
static void json_num(char *buf, size_t cap, double x)
{
    if (isfinite(x))
        snprintf(buf, cap, "%.17g", x);
    else
        snprintf(buf, cap, "null");
}

static char *build_meta(const cli_opts *o, const nrc_train_progress *p,
                        const nrc_data_stats *st, const char *polish)
{
    char lr[32], is[32], loss[32], ll[32], qm[32], nm[32], nmwb[32], ts[32],
        eps[32], rmin[32], rmax[32], rho[32];
    size_t cap = 4096 + strlen(polish);
    char *s = nrc_malloc(cap);
    if (!s)
        return NULL;
    json_num(lr, sizeof lr, o->lr);
    json_num(is, sizeof is, o->init_scale);
    json_num(loss, sizeof loss, p->loss);
    json_num(ll, sizeof ll, p->log_loss);
    json_num(qm, sizeof qm, p->q_min);
    json_num(nm, sizeof nm, p->norm_margin);
    json_num(nmwb, sizeof nmwb, p->norm_margin_wb);
    json_num(ts, sizeof ts, p->theta_sq);
    json_num(eps, sizeof eps, st->eps_data);
    json_num(rmin, sizeof rmin, st->R_min_sq);
    json_num(rmax, sizeof rmax, st->R_max_sq);
    json_num(rho, sizeof rho, st->rho);
    snprintf(s, cap,
             "{\"generator\":\"nrc-train\",\"tool\":\"nrc\",\"version\":\"%s\","
             "\"options\":{\"n\":%" PRIu64 ",\"d\":%" PRIu64 ",\"k\":%" PRIu64
             ",\"m\":%" PRIu64 ",\"data\":\"%s\",\"labels\":\"%s\",\"loss\":\"%s\","
             "\"schedule\":\"%s\",\"lr\":%s,\"steps\":%" PRIu64 ",\"init_scale\":%s,"
             "\"bias\":%s,\"fix_second_layer\":%s,\"seed\":%" PRIu64 "},"
             "\"result\":{\"steps_done\":%" PRIu64 ",\"loss\":%s,\"log_loss\":%s,"
             "\"min_margin\":%s,\"theta_sq\":%s,\"normalized_margin\":%s,"
             "\"normalized_margin_wb\":%s},"
             "\"data\":{\"R_min_sq\":%s,\"R_max_sq\":%s,\"rho\":%s,\"eps_data\":%s,"
             "\"n_pos\":%zu,\"n_neg\":%zu},\"polish\":%s,"
             "\"note\":\"binary64 values from training; not certified\"}",
             nrc_version(), o->n, o->d, o->k, o->m, names_data[o->data],
             names_labels[o->labels], names_loss[o->loss], names_schedule[o->schedule],
             lr, o->steps, is, o->bias ? "true" : "false", o->fix_v ? "true" : "false",
             o->seed, p->step, loss, ll, qm, ts, nm, nmwb, rmin, rmax, rho, eps,
             st->n_pos, st->n_neg, polish);
    return s;
}

/* Exit 1 for a diverged run (spec/CLI.md): the drivers report divergence
 * as NRC_ERR_USAGE (include/train/nrc_train.h), and the options they could
 * refuse with it (n, d, k = 0) were refused by parse_args already. */
#define EXIT_DIVERGED 1

static int fail(nrc_status st, const nrc_error *err)
{
    fprintf(stderr, "train: error: %s\n", err->msg);
    return (int)st;
}

int main(int argc, char **argv)
{
    cli_opts o = {DEF_N, DEF_D, DEF_K, DEF_M, DEF_STEPS, DEF_SEED,
                  NRC_DATA_SPHERE, NRC_LABELS_BALANCED, NRC_LOSS_LOGISTIC,
                  NRC_SCHEDULE_NORMALIZED, DEF_LR, DEF_INIT_SCALE,
                  0, 0, 1, 0, "model.bin", 0, 0};
    nrc_model M;
    nrc_error err = {{0}};
    nrc_status st;
    nrc_data_stats ds;
    nrc_train_opts to;
    nrc_train_progress fin;
    progress_ctx pc;
    char *meta, pjs[4096] = "{\"outcome\":\"off\"}";
    nrc_polish_result pres;
    double t_gd, t_pol = 0.0;
    int done, rc;
    uint32_t flags;
    double t_start;

    /* A file-size limit (ulimit -f) must make write() fail with EFBIG, which
     * the writer handles (exit 4, temporary file removed), instead of a
     * SIGXFSZ kill that leaves the temporary file behind. */
    signal(SIGXFSZ, SIG_IGN);
    rc = parse_args(argc, argv, &o, &done);
    if (rc || done)
        return rc;
    /* The output path before any work: a missing directory or a path that
     * can never be written (spec/CLI.md) is refused now, not after training. */
    st = nrc_output_check(o.out, &err);
    if (st != NRC_OK)
        return fail(st, &err);
    nrc_blas_set_threads(o.threads);
    pc.o = &o;
    pc.tty = !o.quiet && isatty(2);
    t_start = now_s();

    flags = (o.bias ? NRC_FLAG_BIAS : 0u) | (o.fix_v ? NRC_FLAG_FIXED_V : 0u);
    nrc_model_init(&M);
    st = nrc_model_alloc(&M, o.n, o.d, o.k, o.m, flags, &err);
    if (st != NRC_OK)
        return fail(st, &err);
    nrc_data_generate(o.data, o.labels, o.n, o.d, o.seed, NRC_RNG_STREAM_TRAIN, M.X, M.y);
    if (o.m > 0)
        nrc_data_generate(o.data, o.labels, o.m, o.d, o.seed, NRC_RNG_STREAM_TEST,
                          M.Xt, M.yt);
    st = nrc_data_stats_d(o.n, o.d, M.X, M.y, &ds, &err);
    if (st != NRC_OK)
        goto out;
    nrc_train_init_d(o.d, o.k, o.init_scale, o.fix_v, o.seed, M.W, M.b, M.v);

    to.n = o.n; to.d = o.d; to.k = o.k;
    to.bias = o.bias; to.fix_v = o.fix_v;
    to.loss = o.loss; to.schedule = o.schedule;
    to.lr = o.lr; to.steps = o.steps;
    pc.t0 = pc.last = now_s();   /* steps/s and ETA count training only */
    /* Span mode (spec/TRAINING.md) when it does fewer flops: chosen from the
     * shapes and steps only, so the bytes never depend on --threads. */
    st = (nrc_span_preferred(to.n, to.d, to.k, to.steps) ? nrc_span_train_run_d
                                                          : nrc_train_run_d)(
        &to, M.X, M.y, M.W, M.b, M.v, on_progress, &pc, &fin, &err);
    if (pc.tty)
        fputc('\n', stderr);
    if (st == NRC_ERR_USAGE) {
        fprintf(stderr, "train: error: %s; no model written\n", err.msg);
        nrc_model_clear(&M);
        return EXIT_DIVERGED;
    }
    if (st != NRC_OK)
        goto out;
    t_gd = now_s() - pc.t0;
    if (!o.no_polish) {
        /* KKT polish (spec/POLISH.md); adopted weights replace the GD ones
         * and "result" is recomputed so that it describes them */
        nrc_polish_opts po;
        double t0 = now_s();
        nrc_polish_opts_default(&po);
        po.fix_v = o.fix_v;
        po.always_adopt = o.polish_always;
        st = nrc_polish_run_d(&po, o.n, o.d, o.k, M.X, M.y, M.W, M.b, M.v, &pres, &err);
        if (st == NRC_OK && pres.adopted)
            st = nrc_polish_progress_d(&to, M.X, M.y, M.W, M.b, M.v, &fin, &err);
        if (st != NRC_OK)
            goto out;
        t_pol = now_s() - t0;
        if (!nrc_polish_meta_json(&pres, pjs, sizeof pjs)) {
            st = nrc_error_set(&err, NRC_ERR_INTERNAL, "polish metadata exceeds %zu bytes",
                               sizeof pjs);
            goto out;
        }
    }
    meta = build_meta(&o, &fin, &ds, pjs);
    if (!meta) {
        st = nrc_error_set(&err, NRC_ERR_SYSTEM, "out of memory for the metadata");
        goto out;
    }
    st = nrc_model_set_meta(&M, meta, strlen(meta), &err);
    nrc_free(meta);
    if (st == NRC_OK)
        st = nrc_model_write(o.out, &M, &err);
    if (st == NRC_OK && !o.quiet) {
        char wb[64] = "";
        if (o.fix_v)
            snprintf(wb, sizeof wb, "; q_min/||(W,b)|| %.6g", fin.norm_margin_wb);
        fprintf(stderr,
                "train: %" PRIu64 " steps, loss %.4e (log %.6g), min margin %.6g, "
                "normalized margin %.6g (q_min/||theta||^2%s), eps_data %.4g%s, "
                "%.2f s, wrote %s\n",
                fin.step, fin.loss, fin.log_loss, fin.q_min, fin.norm_margin, wb,
                ds.eps_data,
                ds.eps_data <= 0.1 ? " (nearly orthogonal)"
                                   : " (outside the nearly-orthogonal regime)",
                now_s() - t_start, o.out);
        if (!o.no_polish && pres.outcome == NRC_POLISH_SKIPPED)
            fprintf(stderr, "train: polish skipped: %s\n", pres.reason);
        else if (!o.no_polish)
            fprintf(stderr,
                    "train: polish %s, %s: eps_rel %.3g -> %.3g (%.3g as certify reads "
                    "it; %zu kinks), normalized margin %.6g -> %.6g, direction moved "
                    "%.3g, %" PRIu64 " pattern changes; polish %.2f s, gradient descent "
                    "%.2f s (%s)\n",
                    nrc_polish_outcome_name(pres.outcome),
                    pres.adopted ? "adopted" : "not adopted, GD network written",
                    pres.before.eps_rel, pres.clarke.eps_rel, pres.after.eps_rel,
                    pres.kinks, pres.before.norm_margin, pres.clarke.norm_margin,
                    pres.direction_move, pres.pattern_changes, t_pol, t_gd, pres.reason);
        if (!(fin.q_min > 0.0))
            fprintf(stderr,
                    "train: warning: the training data are not all fitted (min margin "
                    "%.6g <= 0); a point whose ReLUs are all inactive never recovers: "
                    "try a smaller --lr, more --steps or another --seed\n", fin.q_min);
    }
out:
    nrc_model_clear(&M);
    if (st != NRC_OK)
        return fail(st, &err);
    return 0;
}
