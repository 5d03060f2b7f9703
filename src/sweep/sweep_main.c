/* bin/sweep: run a declarative grid of train + certify + check (spec/SWEEP.md).
 * Thin main: subcommands, options, program paths, exit codes. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nrc_alloc.h"
#include "nrc_cli.h"
#include "nrc_sweep.h"

static void usage(FILE *f)
{
    fprintf(f,
"usage: sweep run SPEC -o DIR [--jobs N] [options]   run every cell not yet recorded\n"
"       sweep report DIR                              CSV, markdown, LaTeX, figures\n"
"       sweep slurm SPEC -o DIR [--tasks N] [options] submit as a Slurm job array,\n"
"                                                     the report as a dependent job\n"
"       sweep shard DIR [TASK NTASKS]                 run cells TASK, TASK+NTASKS, ...\n"
"                                                     (a Slurm array task; default\n"
"                                                     $SLURM_ARRAY_TASK_ID, $SLURM_ARRAY_TASK_COUNT)\n"
"       sweep list SPEC|DIR                           the cells, their keys and state\n"
"\n"
"Each cell runs train, certify and nrc-check (single-threaded) in its own\n"
"directory DIR/cells/KEY; it is done when the certificate passed the\n"
"independent check.  A stopped sweep resumes where it stopped; a changed\n"
"spec re-runs only the cells whose options changed (spec/SWEEP.md).\n"
"\n"
"  -o DIR             sweep directory (created; reused to resume)\n"
"  --jobs N           cells at once (default: the number of online cores)\n"
"  --retry-failed     run again the cells recorded as failed\n"
"  --progress         progress line on stderr even when it is not a terminal\n"
"  --no-progress      no progress line\n"
"  --bin DIR          where train, certify and nrc-check are (default: beside sweep)\n"
"  --gnuplot PATH     gnuplot program for the report (default: gnuplot on PATH)\n"
"  --tasks N          slurm: array tasks (default: one per cell, at most 1000)\n"
"  --partition P      slurm: partition (default: the cluster's default)\n"
"  --time T           slurm: time limit per task (sbatch --time)\n"
"  --wait             slurm: wait until the report job has finished\n"
"  --quiet            nothing on stderr but errors\n"
"  --help, --version\n"
"\n%s", nrc_cli_exit_table);
}

typedef struct {
    const char *out, *bin, *gnuplot, *partition, *time_limit;
    long jobs, tasks;
    int retry_failed, progress, quiet, wait;
} cli;

static int die(int code, const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "sweep: error: ");
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n");
    return code;
}

/* The shared parser (include/core/nrc_cli.h); 0 or the exit code, after
 * a message naming opt (none when opt is NULL: the caller says it). */
static int parse_long(const char *opt, const char *s, long lo, long hi, long *out)
{
    nrc_error e;
    uint64_t v;
    if (nrc_cli_parse_u64(opt ? opt : "", s, (uint64_t)lo, (uint64_t)hi, &v, &e) != NRC_OK)
        return opt ? die(2, "%s (see sweep --help)%s", e.msg, "") : 2;
    *out = (long)v;
    return 0;
}

/* Options after the subcommand; positional arguments stay in argv[optind..]. */
static int parse_opts(int argc, char **argv, cli *o)
{
    static const struct option longs[] = {
        {"jobs", required_argument, 0, 'j'}, {"retry-failed", no_argument, 0, 'r'},
        {"progress", no_argument, 0, 'p'}, {"no-progress", no_argument, 0, 'P'},
        {"bin", required_argument, 0, 'b'}, {"gnuplot", required_argument, 0, 'g'},
        {"tasks", required_argument, 0, 't'}, {"partition", required_argument, 0, 'a'},
        {"time", required_argument, 0, 'T'}, {"wait", no_argument, 0, 'w'},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:", longs, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case 'j':
            if (parse_long("--jobs", optarg, 1, 4096, &o->jobs) != 0)
                return 2;
            break;
        case 't':
            if (parse_long("--tasks", optarg, 1, 100000, &o->tasks) != 0)
                return 2;
            break;
        case 'r': o->retry_failed = 1; break;
        case 'p': o->progress = 1; break;
        case 'P': o->progress = 0; break;
        case 'b': o->bin = optarg; break;
        case 'g': o->gnuplot = optarg; break;
        case 'a': o->partition = optarg; break;
        case 'T': o->time_limit = optarg; break;
        case 'w': o->wait = 1; break;
        case 'q': o->quiet = 1; break;
        case 'h': usage(stdout); exit(0);
        default:
            return die(2, "unknown option or missing value: %s%s (see sweep --help)", argv[optind - 1], "");
        }
    }
    return 0;
}

/* Directory of this program (/proc/self/exe), malloc'd. */
static char *self_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    char *slash;
    if (n <= 0)
        return NULL;
    buf[n] = 0;
    slash = strrchr(buf, '/');
    if (!slash)
        return NULL;
    *slash = 0;
    return nrc_sweep_strf("%s", buf);
}

static void free_paths(char *paths[3])
{
    for (int i = 0; i < 3; i++) {
        nrc_free(paths[i]);
        paths[i] = NULL;
    }
}

/* The three programs; exit code 0 when all are executable (on failure
 * nothing stays allocated). */
static int find_programs(const cli *o, char *paths[3])
{
    static const char *const names[3] = {"train", "certify", "nrc-check"};
    char *dir = o->bin ? nrc_sweep_strf("%s", o->bin) : self_dir();
    if (!dir)
        return die(4, "cannot find the directory of the sweep program%s%s", "", "");
    for (int i = 0; i < 3; i++) {
        paths[i] = nrc_sweep_strf("%s/%s", dir, names[i]);
        if (!paths[i] || access(paths[i], X_OK) != 0) {
            int rc = die(2, "%s: not an executable program (build with make, or give --bin DIR)%s",
                         paths[i] ? paths[i] : names[i], "");
            nrc_free(dir);
            free_paths(paths);
            return rc;
        }
        if (paths[i][0] != '/') {   /* cells run in their own directory */
            char *abs = realpath(paths[i], NULL);
            if (!abs) {
                int rc = die(4, "%s: %s", paths[i], strerror(errno));
                nrc_free(dir);
                free_paths(paths);
                return rc;
            }
            nrc_free(paths[i]);
            paths[i] = nrc_sweep_strf("%s", abs);
            free(abs);
        }
    }
    nrc_free(dir);
    return 0;
}

/* DIR may be new, empty, or a sweep directory; anything else is refused. */
static int prepare_dir(const char *dir)
{
    struct stat sb;
    nrc_error err = {{0}};
    char *plan = nrc_sweep_strf("%s/plan.json", dir), *cells = nrc_sweep_strf("%s/cells", dir);
    int rc = 0;
    if (stat(dir, &sb) == 0) {
        DIR *d = S_ISDIR(sb.st_mode) ? opendir(dir) : NULL;
        struct dirent *e;
        int empty = 1;
        while (d && (e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                empty = 0;
        if (d)
            closedir(d);
        if (!S_ISDIR(sb.st_mode))
            rc = die(2, "%s: exists and is not a directory%s", dir, "");
        else if (!empty && access(plan, F_OK) != 0)
            rc = die(2, "%s: exists and is not a sweep directory (no plan.json); choose a new -o DIR%s", dir, "");
    }
    if (rc == 0 && nrc_sweep_mkdirs(cells, &err) != NRC_OK)
        rc = die(4, "%s%s", err.msg, "");
    nrc_free(plan);
    nrc_free(cells);
    return rc;
}

static int load_spec(const char *spec, const char *dir, nrc_sweep_plan *plan)
{
    nrc_error err = {{0}};
    nrc_status st = nrc_sweep_spec_load(spec, plan, &err);
    int rc;
    if (st != NRC_OK)
        return die(st, "%s%s", err.msg, "");
    rc = prepare_dir(dir);
    if (rc == 0 && nrc_sweep_plan_write(plan, dir, &err) != NRC_OK)
        rc = die(4, "%s%s", err.msg, "");
    if (rc)
        nrc_sweep_plan_clear(plan);
    return rc;
}

static int cmd_run(int argc, char **argv, cli *o)
{
    nrc_sweep_plan plan;
    char *paths[3] = {0};
    nrc_sweep_env env;
    nrc_sweep_pool_opts po;
    int rc;
    if (argc - optind != 1 || !o->out)
        return die(2, "usage: sweep run SPEC -o DIR [--jobs N]%s%s", "", "");
    if ((rc = find_programs(o, paths)) != 0)
        return rc;
    if ((rc = load_spec(argv[optind], o->out, &plan)) != 0) {
        free_paths(paths);
        return rc;
    }
    env = (nrc_sweep_env){paths[0], paths[1], paths[2], o->retry_failed};
    po.jobs = (int)(o->jobs ? o->jobs : sysconf(_SC_NPROCESSORS_ONLN));
    if (po.jobs < 1)
        po.jobs = 1;
    po.progress = o->quiet ? 0 : o->progress;
    po.quiet = o->quiet;
    rc = nrc_sweep_pool_run(&env, o->out, &plan, &po);
    nrc_sweep_plan_clear(&plan);
    for (int i = 0; i < 3; i++)
        nrc_free(paths[i]);
    return rc;
}

static int cmd_shard(int argc, char **argv, cli *o)
{
    nrc_sweep_plan plan;
    nrc_error err = {{0}};
    char *paths[3] = {0};
    nrc_sweep_env env;
    long task, ntasks;
    const char *ts = argc - optind >= 3 ? argv[optind + 1] : getenv("SLURM_ARRAY_TASK_ID");
    const char *ns = argc - optind >= 3 ? argv[optind + 2] : getenv("SLURM_ARRAY_TASK_COUNT");
    int rc;
    if ((argc - optind != 1 && argc - optind != 3) || !ts || !ns || parse_long(NULL, ts, 0, 1000000, &task) != 0 ||
        parse_long(NULL, ns, 1, 1000000, &ntasks) != 0 || task >= ntasks)
        return die(2, "usage: sweep shard DIR [TASK NTASKS] with 0 <= TASK < NTASKS%s%s", "", "");
    if ((rc = find_programs(o, paths)) != 0)
        return rc;
    if (nrc_sweep_plan_read(argv[optind], &plan, &err) != NRC_OK) {
        free_paths(paths);
        return die(3, "%s%s", err.msg, "");
    }
    env = (nrc_sweep_env){paths[0], paths[1], paths[2], o->retry_failed};
    rc = nrc_sweep_shard_run(&env, argv[optind], &plan, (size_t)task, (size_t)ntasks, o->quiet);
    nrc_sweep_plan_clear(&plan);
    for (int i = 0; i < 3; i++)
        nrc_free(paths[i]);
    return rc;
}

static int cmd_report(int argc, char **argv, cli *o)
{
    char *gp;
    int rc;
    if (argc - optind != 1)
        return die(2, "usage: sweep report DIR%s%s", "", "");
    gp = nrc_sweep_which(o->gnuplot ? o->gnuplot : "gnuplot");
    rc = nrc_sweep_report(argv[optind], gp, o->quiet);
    nrc_free(gp);
    return rc;
}

static int cmd_slurm(int argc, char **argv, cli *o)
{
    nrc_sweep_plan plan;
    nrc_sweep_slurm_opts so = {0};
    char *paths[3] = {0}, *self, *sweep;
    int rc;
    if (argc - optind != 1 || !o->out)
        return die(2, "usage: sweep slurm SPEC -o DIR [--tasks N]%s%s", "", "");
    if ((rc = find_programs(o, paths)) != 0)
        return rc;
    self = self_dir();
    sweep = self ? nrc_sweep_strf("%s/sweep", self) : NULL;
    if ((rc = load_spec(argv[optind], o->out, &plan)) != 0) {
        free_paths(paths);
        nrc_free(self);
        nrc_free(sweep);
        return rc;
    }
    so.sweep = sweep;
    so.tasks = (size_t)o->tasks;
    so.partition = o->partition;
    so.time_limit = o->time_limit;
    so.bin = o->bin;
    so.wait = o->wait;
    so.quiet = o->quiet;
    rc = sweep ? nrc_sweep_slurm_submit(o->out, &plan, &so) : die(4, "cannot find the sweep program%s%s", "", "");
    nrc_sweep_plan_clear(&plan);
    for (int i = 0; i < 3; i++)
        nrc_free(paths[i]);
    nrc_free(self);
    nrc_free(sweep);
    return rc;
}

static int cmd_list(int argc, char **argv, cli *o)
{
    nrc_sweep_plan plan;
    nrc_error err = {{0}};
    struct stat sb;
    const char *src, *dir = NULL;
    static const char *const names[] = {"certified", "undecided", "failed"};
    (void)o;
    if (argc - optind != 1)
        return die(2, "usage: sweep list SPEC|DIR%s%s", "", "");
    src = argv[optind];
    if (stat(src, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        dir = src;
        if (nrc_sweep_plan_read(dir, &plan, &err) != NRC_OK)
            return die(3, "%s%s", err.msg, "");
    } else if (nrc_sweep_spec_load(src, &plan, &err) != NRC_OK) {
        return die(3, "%s%s", err.msg, "");
    }
    for (size_t i = 0; i < plan.n_cells; i++) {
        const nrc_sweep_cell *c = &plan.cells[i];
        int r = dir ? nrc_sweep_cell_recorded(dir, c, 0) : -1;
        char *g = json_dumps(c->groups, JSON_COMPACT);
        printf("%zu %.*s %s %s", i, NRC_SWEEP_DIR_KEY, c->key, r >= 0 ? names[r] : "-", g ? g : "");
        free(g);
        for (size_t a = 0; a < c->n_train_args; a++)
            printf(" %s", c->train_args[a]);
        printf(" |");
        for (size_t a = 0; a < c->n_certify_args; a++)
            printf(" %s", c->certify_args[a]);
        printf("\n");
    }
    nrc_sweep_plan_clear(&plan);
    return 0;
}

int main(int argc, char **argv)
{
    cli o = {0};
    const char *cmd;
    int rc;
    o.progress = isatty(2);
    if (argc < 2)
        return usage(stderr), 2;
    cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h"))
        return usage(stdout), 0;
    if (!strcmp(cmd, "--version")) {
        char line[160];
        fputs(nrc_version_line("sweep", line, sizeof line), stdout);
        return 0;
    }
    optind = 2;
    if ((rc = parse_opts(argc, argv, &o)) != 0)
        return rc;
    if (!strcmp(cmd, "run"))
        return cmd_run(argc, argv, &o);
    if (!strcmp(cmd, "report"))
        return cmd_report(argc, argv, &o);
    if (!strcmp(cmd, "slurm"))
        return cmd_slurm(argc, argv, &o);
    if (!strcmp(cmd, "shard"))
        return cmd_shard(argc, argv, &o);
    if (!strcmp(cmd, "list"))
        return cmd_list(argc, argv, &o);
    return die(2, "unknown subcommand '%s' (run, report, slurm, shard, list; see sweep --help)%s", cmd, "");
}
