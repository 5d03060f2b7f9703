/* Running the cells: a local pool of worker processes (`sweep run`) and a
 * sequential shard (`sweep shard`, one Slurm array task).  Each worker is a
 * forked copy of sweep in its own process group running one cell; Ctrl-C
 * (SIGINT) or SIGTERM to the sweep stops every worker, whose running program
 * is killed and whose temporary directory is removed, so nothing half
 * written is ever counted as done (spec/SWEEP.md "Stopping and resuming"). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "nrc_alloc.h"
#include "nrc_sweep.h"

static volatile sig_atomic_t g_interrupted;

static void on_worker_signal(int sig)
{
    (void)sig;
    nrc_sweep_cell_stop();
}

static void set_handler(int sig, void (*h)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

/* Remove .tmp-* directories left by killed runs on this host (pid gone). */
static void clean_stale(const char *dir)
{
    char host[64] = "host", *cells = nrc_sweep_strf("%s/cells", dir);
    DIR *d = cells ? opendir(cells) : NULL;
    struct dirent *e;
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = 0;
    while (d && (e = readdir(d))) {
        char *dash;
        long pid;
        size_t hl = strlen(host);
        if (strncmp(e->d_name, ".tmp-", 5) != 0 || strlen(e->d_name) < 5 + NRC_SWEEP_DIR_KEY + hl + 3)
            continue;
        if (strncmp(e->d_name + 5 + NRC_SWEEP_DIR_KEY + 1, host, hl) != 0)
            continue;
        dash = e->d_name + 5 + NRC_SWEEP_DIR_KEY + 1 + hl;
        if (*dash != '-')
            continue;
        pid = strtol(dash + 1, NULL, 10);
        if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            char *p = nrc_sweep_strf("%s/%s", cells, e->d_name);
            if (p)
                nrc_sweep_rmtree(p);
            nrc_free(p);
        }
    }
    if (d)
        closedir(d);
    nrc_free(cells);
}

static void fmt_time(char *b, size_t n, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(b, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(b, n, "%ld:%02ld", t / 60, t % 60);
}

typedef struct {
    size_t total, recorded, ran, failed, undecided, errors, running;
    double t0;
} tally;

static void progress(const tally *t, size_t left, int final)
{
    char el[32], rem[32] = "?";
    double e = nrc_sweep_now() - t->t0;
    fmt_time(el, sizeof el, e);
    if (t->ran > 0)
        fmt_time(rem, sizeof rem, e / (double)t->ran * (double)left);
    fprintf(stderr, "\r\033[Ksweep: %zu/%zu cells done, %zu running, %zu failed, %zu undecided, elapsed %s, remaining ~%s%s",
            t->recorded + t->ran, t->total, t->running, t->failed, t->undecided, el, final ? "0:00" : rem,
            final ? "\n" : "");
    fflush(stderr);
}

static void count(tally *t, int outcome)
{
    if (outcome == NRC_CELL_FAILED)
        t->failed++;
    else if (outcome == NRC_CELL_DONE_UNDECIDED)
        t->undecided++;
    else if (outcome != NRC_CELL_DONE_CERTIFIED)
        t->errors++;
}

static pid_t start_worker(const nrc_sweep_env *env, const char *dir, const nrc_sweep_cell *c,
                          const sigset_t *mask)
{
    pid_t pid = fork();
    if (pid == 0) {
        nrc_error err = {{0}};
        nrc_cell_outcome o;
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        set_handler(SIGINT, on_worker_signal);
        set_handler(SIGTERM, on_worker_signal);
        sigprocmask(SIG_SETMASK, mask, NULL);
        if (getppid() == 1)
            _exit(NRC_CELL_INTERRUPTED);
        o = nrc_sweep_cell_run(env, dir, c, &err);
        if (o == NRC_CELL_ERROR)
            fprintf(stderr, "\nsweep: cell %.*s: %s\n", NRC_SWEEP_DIR_KEY, c->key, err.msg);
        fflush(stderr);
        _exit((int)o);
    }
    if (pid > 0)
        setpgid(pid, pid);
    return pid;
}

/* Collect every finished worker. */
static void reap(tally *t, pid_t *pids, int jobs, int interrupted)
{
    int status;
    pid_t w;
    while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int s = 0; s < jobs; s++)
            if (pids[s] == w)
                pids[s] = 0;
        t->running--;
        if (WIFEXITED(status) && WEXITSTATUS(status) <= NRC_CELL_FAILED) {
            t->ran++;
            count(t, WEXITSTATUS(status));
        } else if (!(WIFEXITED(status) && WEXITSTATUS(status) == NRC_CELL_INTERRUPTED) && !interrupted) {
            t->errors++;
        }
    }
}

static int exit_code(const tally *t, int interrupted)
{
    if (interrupted)
        return 130;
    if (t->errors)
        return 4;
    return t->failed || t->undecided ? 1 : 0;
}

int nrc_sweep_pool_run(const nrc_sweep_env *env, const char *dir, const nrc_sweep_plan *plan,
                       const nrc_sweep_pool_opts *opts)
{
    tally t = {plan->n_cells, 0, 0, 0, 0, 0, 0, nrc_sweep_now()};
    size_t *todo = nrc_calloc(plan->n_cells + 1, sizeof *todo), ntodo = 0, next = 0;
    pid_t *pids = nrc_calloc((size_t)opts->jobs, sizeof *pids);
    double last = 0;
    int interrupted = 0;
    sigset_t set, old;

    if (!todo || !pids) {
        fprintf(stderr, "sweep: out of memory\n");
        nrc_free(todo);
        nrc_free(pids);
        return 4;
    }
    clean_stale(dir);
    for (size_t i = 0; i < plan->n_cells; i++) {
        int r = nrc_sweep_cell_recorded(dir, &plan->cells[i], env->retry_failed);
        if (r < 0)
            todo[ntodo++] = i;
        else {
            t.recorded++;
            count(&t, r);
        }
    }
    if (!opts->quiet)
        fprintf(stderr, "sweep: %zu cells: %zu recorded, %zu to run, %d jobs\n", plan->n_cells, t.recorded, ntodo,
                opts->jobs);
    /* SIGCHLD, SIGINT and SIGTERM are blocked and taken by sigtimedwait:
     * a finished worker is reaped at once (no polling delay) and the
     * progress line is redrawn at least every 0.5 s. */
    g_interrupted = 0;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, &old);
    for (;;) {
        while (!g_interrupted && t.running < (size_t)opts->jobs && next < ntodo) {
            int slot = 0;
            while (pids[slot])
                slot++;
            pids[slot] = start_worker(env, dir, &plan->cells[todo[next]], &old);
            if (pids[slot] < 0) {
                pids[slot] = 0;
                t.errors++;
                fprintf(stderr, "\nsweep: cannot fork: %s\n", strerror(errno));
                g_interrupted = 2;
                break;
            }
            next++;
            t.running++;
        }
        if (g_interrupted && !interrupted) {
            interrupted = g_interrupted == 1;
            for (int s = 0; s < opts->jobs; s++)
                if (pids[s] > 0)
                    kill(-pids[s], SIGTERM);
        }
        if (t.running == 0)
            break;
        reap(&t, pids, opts->jobs, interrupted);
        if (t.running == 0 || (!g_interrupted && t.running < (size_t)opts->jobs && next < ntodo))
            continue;
        if (opts->progress && nrc_sweep_now() - last >= 0.5) {
            last = nrc_sweep_now();
            progress(&t, ntodo - t.ran, 0);
        }
        {
            struct timespec ts = {0, 500000000};
            int sig = sigtimedwait(&set, NULL, &ts);
            if (sig == SIGINT || sig == SIGTERM)
                g_interrupted = 1;
        }
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (opts->progress)
        progress(&t, 0, 1);
    if (!opts->quiet) {
        char el[32];
        fmt_time(el, sizeof el, nrc_sweep_now() - t.t0);
        if (interrupted)
            fprintf(stderr, "sweep: interrupted after %s: %zu of %zu cells recorded (%zu this run); "
                    "run the same command again to resume\n", el, t.recorded + t.ran, t.total, t.ran);
        else
            fprintf(stderr, "sweep: %zu cells: %zu certified, %zu undecided, %zu failed%s; ran %zu in %s\n",
                    t.total, t.total - t.failed - t.undecided - t.errors - (ntodo - t.ran), t.undecided, t.failed,
                    t.errors ? " (and errors, see above)" : "", t.ran, el);
    }
    nrc_free(todo);
    nrc_free(pids);
    return exit_code(&t, interrupted);
}

int nrc_sweep_shard_run(const nrc_sweep_env *env, const char *dir, const nrc_sweep_plan *plan,
                        size_t first, size_t stride, int quiet)
{
    tally t = {0, 0, 0, 0, 0, 0, 0, nrc_sweep_now()};
    set_handler(SIGINT, on_worker_signal);
    set_handler(SIGTERM, on_worker_signal);
    clean_stale(dir);
    for (size_t i = first; i < plan->n_cells && !nrc_sweep_stopping(); i += stride) {
        nrc_error err = {{0}};
        double t0 = nrc_sweep_now();
        nrc_cell_outcome o = nrc_sweep_cell_run(env, dir, &plan->cells[i], &err);
        static const char *const names[] = {"certified", "undecided", "failed", "interrupted", "error"};
        t.total++;
        if (o == NRC_CELL_INTERRUPTED)
            break;
        t.ran++;
        count(&t, (int)o);
        if (o == NRC_CELL_ERROR)
            fprintf(stderr, "sweep: cell %zu (%.*s): %s\n", i, NRC_SWEEP_DIR_KEY, plan->cells[i].key, err.msg);
        else if (!quiet)
            fprintf(stderr, "sweep: cell %zu (%.*s): %s, %.2f s\n", i, NRC_SWEEP_DIR_KEY, plan->cells[i].key,
                    names[o], nrc_sweep_now() - t0);
    }
    return exit_code(&t, nrc_sweep_stopping());
}
