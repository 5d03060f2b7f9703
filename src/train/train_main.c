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
/* The polish's default work budget (spec/POLISH.md "Budget"): this many
 * times gradient descent's flops, and at least DEF_POLISH_WORK_MIN units
 * (about a second), so that short GD runs still get polished. */
#define DEF_POLISH_WORK 1.25
/* ... and, unless --polish-budget is given, at most this many times GD's
 * CPU seconds (at least DEF_POLISH_CPU_MIN): the net for shapes where GD's
 * large GEMMs run much faster per flop than the polish's smaller steps */
#define DEF_POLISH_CPU 2.5
#define DEF_POLISH_CPU_MIN 1.0
#define DEF_POLISH_WORK_MIN 2e9
#define DEF_POLISH_STEPS 400

typedef struct {
    uint64_t n, d, k, m, steps, seed;
    nrc_data_kind data;
    nrc_labels_kind labels;
    nrc_loss_kind loss;
    nrc_schedule_kind schedule;
    double lr, init_scale;
    int bias, fix_v, threads, quiet;
    const char *out;
    int no_polish, polish_always, progress;
    double polish_budget, polish_work;   /* seconds (0: none), x GD work */
    uint64_t polish_steps;
    int polish_work_set;                 /* --polish-work given */
    int polish_budget_set;               /* --polish-budget given */
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
"  --polish-work X     work budget of the polish, X times the flops of the\n"
"                      gradient descent run (default %g, and at least about a\n"
"                      second's worth; 0 = none); counted, not timed, so the\n"
"                      output stays reproducible\n"
"  --polish-budget S   stop the polish after S seconds (wall clock); 0 = no\n"
"                      time budget.  Default: %g times the CPU seconds of\n"
"                      gradient descent (CPU time).  A time budget that cuts\n"
"                      in makes the model written depend on the machine and\n"
"                      its load (the metadata says so: stopped_by)\n"
"  --polish-steps N    at most N Newton steps (default %d)\n"
"  --seed S            random seed, 0..2^53 (default %d)\n"
"  --threads T         threads for the matrix products (default 1);\n"
"                      the output does not depend on it\n"
"  -o FILE             output model (default model.bin; - for stdout)\n"
"  --progress          progress on stderr even when it is not a terminal\n"
"  --quiet             no progress and no summary on stderr\n"
"  --help, --version\n"
"\n"
"Progress goes to stderr when it is a terminal (or with --progress); a\n"
"one-line summary always (unless --quiet). An existing output file is\n"
"replaced atomically; a device or FIFO is written through (spec/CLI.md).\n"
"Training that diverges (a non-finite loss or parameter: --lr too large)\n"
"exits 1 and writes nothing; Ctrl-C stops gradient descent or the polish\n"
"at its next step, exits 130 and writes nothing.\n"
"\n%s",
            DEF_N, DEF_D, DEF_K, DEF_M, DEF_LR, DEF_STEPS, DEF_INIT_SCALE, DEF_POLISH_WORK,
            DEF_POLISH_CPU, DEF_POLISH_STEPS, DEF_SEED, nrc_cli_exit_table);
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

/* Finite binary64 > 0 (>= 0 when zero_ok; subnormals included); 0 on
 * success. */
static int parse_real(const char *opt, const char *s, int zero_ok, double *out)
{
    nrc_error e;
    if (nrc_cli_parse_real(opt, s, 0.0, DBL_MAX, zero_ok ? 0 : NRC_REAL_ABOVE_LO, out, &e)
        != NRC_OK)
        return fail_usage("%s", e.msg);
    return 0;
}

static int parse_pos(const char *opt, const char *s, double *out)
{
    return parse_real(opt, s, 0, out);
}

static int parse_nonneg(const char *opt, const char *s, double *out)
{
    return parse_real(opt, s, 1, out);
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
       O_NOPOLISH, O_POLISH_ALWAYS, O_POLISH_WORK, O_POLISH_BUDGET, O_POLISH_STEPS,
       O_PROGRESS };

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
        {"polish-work", required_argument, 0, O_POLISH_WORK},
        {"polish-budget", required_argument, 0, O_POLISH_BUDGET},
        {"polish-steps", required_argument, 0, O_POLISH_STEPS},
        {"progress", no_argument, 0, O_PROGRESS},
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
        case O_POLISH_WORK:
            rc = parse_nonneg("--polish-work", optarg, &o->polish_work);
            o->polish_work_set = 1;
            break;
        case O_POLISH_BUDGET:
            rc = parse_nonneg("--polish-budget", optarg, &o->polish_budget);
            o->polish_budget_set = 1;
            break;
        case O_POLISH_STEPS:
            rc = parse_u64("--polish-steps", optarg, 1, 1000000, &o->polish_steps);
            break;
        case O_PROGRESS: o->progress = 1; break;
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

/* ---- progress and Ctrl-C ---- */

/* Set by SIGINT; the training and polish callbacks stop their loops, and
 * main exits 130 without writing (spec/TRAINING.md "Command line", exit codes). */
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

typedef struct {
    const cli_opts *o;
    int show;          /* a terminal, or --progress */
    double t0, last;   /* start of the stage, last refresh */
    int shown;         /* a progress line is on the screen */
    nrc_polish_progress polish_last;   /* the polish's last report */
    int polish_seen;
} progress_ctx;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Ends a progress line (before anything else goes to stderr). */
static void progress_end(progress_ctx *c)
{
    if (c->shown)
        fputc('\n', stderr);
    c->shown = 0;
}

static int on_progress(const nrc_train_progress *p, void *vctx)
{
    progress_ctx *c = vctx;
    double t = now_s();
    if (c->show && (t - c->last >= 0.2 || p->step == c->o->steps)) {
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
                "\rgradient descent: step %" PRIu64 "/%" PRIu64 "  loss %s  min margin %.5g  "
                "normalized margin %.6g  %.0f steps/s  %.1f s  ETA %.0f s   ",
                p->step, c->o->steps, loss, p->q_min, p->norm_margin, rate, el, eta);
        fflush(stderr);
        c->last = t;
        c->shown = 1;
    }
    return interrupted != 0;
}

static void show_polish(progress_ctx *c, const nrc_polish_progress *p, double t)
{
    char budget[48] = "";
    if (p->work_max > 0)
        snprintf(budget, sizeof budget, ", %.0f%% of the work budget",
                 100.0 * p->work / p->work_max);
    fprintf(stderr,
            "\rKKT polish: %s, round %d, Newton step %" PRIu64 ": residual %.3g, %zu live "
            "neurons, %zu kinks, QP size %zu%s, %.1f s   ",
            p->stage, p->round, p->newton_steps, p->gnorm, p->live, p->kinks, p->face, budget,
            t - c->t0);
    fflush(stderr);
    c->last = t;
    c->shown = 1;
}

/* The polish's report (between Newton steps and inside long QP solves):
 * shown about every 0.2 s, and its last state once more at the end. */
static int on_polish(const nrc_polish_progress *p, void *vctx)
{
    progress_ctx *c = vctx;
    double t = now_s();
    c->polish_last = *p;
    c->polish_seen = 1;
    if (c->show && t - c->last >= 0.2)
        show_polish(c, p, t);
    return interrupted != 0;
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

/* ---- the polish stage ---- */

typedef struct {
    nrc_polish_result res;
    double wall, cpu;          /* the polish's seconds */
    double gd_wall, gd_cpu;    /* gradient descent's */
    double gd_work;            /* gradient descent's flops */
} polish_run;

/* Runs the KKT polish (spec/POLISH.md) under the budget of the options;
 * adopted weights replace the GD ones and *fin is recomputed so that the
 * metadata's "result" describes them.  Writes the metadata object. */
static nrc_status run_polish(const cli_opts *o, const nrc_train_opts *to, nrc_model *M,
                             progress_ctx *pc, polish_run *pr, nrc_train_progress *fin,
                             char *pjs, size_t cap, nrc_error *err)
{
    nrc_polish_opts po;
    double t0 = now_s(), c0 = cpu_s(), mult = o->polish_work;
    nrc_status st;
    nrc_polish_opts_default(&po);
    po.fix_v = o->fix_v;
    po.always_adopt = o->polish_always;
    po.max_newton = (int)o->polish_steps;
    po.work_max = mult > 0 ? mult * pr->gd_work : 0.0;
    if (!o->polish_work_set && po.work_max < DEF_POLISH_WORK_MIN)
        po.work_max = DEF_POLISH_WORK_MIN;   /* the default never starves small runs */
    if (o->polish_budget_set)
        po.time_max = o->polish_budget;   /* 0: no time budget at all */
    else
        po.cpu_max = DEF_POLISH_CPU * pr->gd_cpu > DEF_POLISH_CPU_MIN
                         ? DEF_POLISH_CPU * pr->gd_cpu : DEF_POLISH_CPU_MIN;
    po.progress = on_polish;
    po.progress_ctx = pc;
    pc->t0 = pc->last = t0;
    st = nrc_polish_run_d(&po, o->n, o->d, o->k, M->X, M->y, M->W, M->b, M->v, &pr->res, err);
    if (pc->show && pc->polish_seen)
        show_polish(pc, &pc->polish_last, now_s());
    progress_end(pc);
    if (st == NRC_OK && pr->res.adopted)
        st = nrc_polish_progress_d(to, M->X, M->y, M->W, M->b, M->v, fin, err);
    if (st != NRC_OK)
        return st;
    pr->wall = now_s() - t0;
    pr->cpu = cpu_s() - c0;
    if (!nrc_polish_meta_json(&pr->res, pjs, cap))
        return nrc_error_set(err, NRC_ERR_INTERNAL, "polish metadata exceeds %zu bytes", cap);
    return NRC_OK;
}

/* The polish's line of the summary, and a note when it cost more than 3x
 * gradient descent (spec/POLISH.md "Summary line"). */
static void print_polish(const polish_run *pr)
{
    const nrc_polish_result *r = &pr->res;
    double ratio = pr->gd_cpu > 0 ? pr->cpu / pr->gd_cpu : 0.0;
    if (r->outcome == NRC_POLISH_SKIPPED) {
        fprintf(stderr, "train: polish skipped: %s\n", r->reason);
        return;
    }
    fprintf(stderr,
            "train: polish %s, %s: eps_rel %.3g -> %.3g (%.3g as certify reads it; %zu "
            "kinks), normalized margin %.6g -> %.6g, direction moved %.3g, %" PRIu64
            " pattern changes; %" PRIu64 " rounds, %" PRIu64 " Newton steps, %" PRIu64
            " QP solves, QP size %zu, work %.3g%s; polish %.2f s (CPU %.2f s), gradient "
            "descent %.2f s (CPU %.2f s) (%s)\n",
            nrc_polish_outcome_name(r->outcome),
            r->adopted ? "adopted" : "not adopted, GD network written", r->before.eps_rel,
            r->clarke.eps_rel, r->after.eps_rel, r->kinks, r->before.norm_margin,
            r->clarke.norm_margin, r->direction_move, r->pattern_changes, r->rounds,
            r->newton_steps, r->evals, r->max_qp_size, r->work,
            r->work_max > 0 ? " (budget)" : "", pr->wall, pr->cpu, pr->gd_wall, pr->gd_cpu,
            r->reason);
    if (ratio > 3.0)
        fprintf(stderr,
                "train: note: the polish took %.1fx the CPU time of gradient descent: %s "
                "(QP size up to %zu, %" PRIu64 " factorizations; --polish-work and "
                "--polish-budget bound it, --no-polish skips it)\n",
                ratio,
                r->stopped_by[0] ? "it ran until its budget" : "its work estimate was low",
                r->max_qp_size, r->factorizations);
}

int main(int argc, char **argv)
{
    cli_opts o = {DEF_N, DEF_D, DEF_K, DEF_M, DEF_STEPS, DEF_SEED,
                  NRC_DATA_SPHERE, NRC_LABELS_BALANCED, NRC_LOSS_LOGISTIC,
                  NRC_SCHEDULE_NORMALIZED, DEF_LR, DEF_INIT_SCALE,
                  0, 0, 1, 0, "model.bin", 0, 0, 0, 0.0, DEF_POLISH_WORK, DEF_POLISH_STEPS, 0, 0};
    nrc_model M;
    nrc_error err = {{0}};
    nrc_status st;
    nrc_data_stats ds;
    nrc_train_opts to;
    nrc_train_progress fin;
    progress_ctx pc = {0};
    polish_run pr;
    char *meta, pjs[4096] = "{\"outcome\":\"off\"}";
    int done, rc, span;
    uint32_t flags;
    double t_start, c_start;
    struct sigaction sa;

    /* A file-size limit (ulimit -f) must make write() fail with EFBIG, which
     * the writer handles (exit 4, temporary file removed), instead of a
     * SIGXFSZ kill that leaves the temporary file behind. */
    signal(SIGXFSZ, SIG_IGN);
    rc = parse_args(argc, argv, &o, &done);
    if (rc || done)
        return rc;
    /* Ctrl-C: the loops stop at their next step, nothing is written */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    /* The output path before any work: a missing directory or a path that
     * can never be written (spec/CLI.md) is refused now, not after training. */
    st = nrc_output_check(o.out, &err);
    if (st != NRC_OK)
        return fail(st, &err);
    nrc_blas_set_threads(o.threads);
    pc.o = &o;
    pc.show = !o.quiet && (o.progress || isatty(2));
    t_start = now_s();
    memset(&pr, 0, sizeof pr);

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
    c_start = cpu_s();
    /* Span mode (spec/TRAINING.md) when it does fewer flops: chosen from the
     * shapes and steps only, so the bytes never depend on --threads. */
    span = nrc_span_preferred(to.n, to.d, to.k, to.steps);
    st = (span ? nrc_span_train_run_d : nrc_train_run_d)(
        &to, M.X, M.y, M.W, M.b, M.v, on_progress, &pc, &fin, &err);
    progress_end(&pc);
    if (st == NRC_ERR_USAGE) {
        fprintf(stderr, "train: error: %s; no model written\n", err.msg);
        nrc_model_clear(&M);
        return EXIT_DIVERGED;
    }
    if (st != NRC_OK)
        goto out;
    pr.gd_wall = now_s() - pc.t0;
    pr.gd_cpu = cpu_s() - c_start;
    pr.gd_work = (span ? nrc_span_flops_span : nrc_span_flops_direct)(to.n, to.d, to.k,
                                                                      to.steps);
    if (!o.no_polish && !interrupted) {
        st = run_polish(&o, &to, &M, &pc, &pr, &fin, pjs, sizeof pjs, &err);
        if (st != NRC_OK)
            goto out;
    }
    if (interrupted) {
        fputs("train: interrupted; nothing written\n", stderr);
        nrc_model_clear(&M);
        return 130;
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
        if (!o.no_polish)
            print_polish(&pr);
        if (!(fin.q_min > 0.0))
            fprintf(stderr,
                    "train: warning: the training data are not all fitted (min margin "
                    "%.6g <= 0); a point whose ReLUs are all inactive never recovers: "
                    "try a smaller --lr, more --steps or another --seed\n", fin.q_min);
    }
out:
    nrc_model_clear(&M);
    if (interrupted && st == NRC_OK)
        return 130;
    if (st != NRC_OK)
        return fail(st, &err);
    return 0;
}
