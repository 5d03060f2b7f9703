/* `sweep slurm`: write two batch scripts and submit them with sbatch
 * (spec/SWEEP.md "Slurm"): a job array whose task t runs `sweep shard DIR t T`
 * (cells t, t + T, ...), and the report as a job that depends on the whole
 * array (--dependency=afterany: it runs even when some tasks failed, and
 * counts what is missing).  Slurm does the scheduling; sweep only writes and
 * submits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "nrc_alloc.h"
#include "nrc_io.h"
#include "nrc_sweep.h"

#define MAX_TASKS 1000

/* Single-quoted for sh: ' becomes '\''. */
static char *sh_quote(const char *s)
{
    size_t n = 3;
    char *out, *o;
    for (const char *p = s; *p; p++)
        n += *p == '\'' ? 4 : 1;
    out = nrc_malloc(n);
    if (!out)
        return NULL;
    o = out;
    *o++ = '\'';
    for (const char *p = s; *p; p++) {
        if (*p == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *p;
        }
    }
    *o++ = '\'';
    *o = 0;
    return out;
}

/* #SBATCH lines do not go through the shell: refuse what they cannot hold. */
static int directive_safe(const char *s)
{
    return s && !strpbrk(s, "\n\r \t\"'");
}

static nrc_status write_script(const char *path, const char *text, nrc_error *err)
{
    return nrc_file_write_atomic(path, text, strlen(text), err);
}

/* Run argv, capture its stdout (at most size - 1 bytes).  Exit code, or -1. */
static int run_capture(char *const argv[], char *out, size_t size)
{
    int fds[2], status;
    size_t got = 0;
    pid_t pid;
    if (pipe(fds) != 0)
        return -1;
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    for (;;) {
        ssize_t r = read(fds[0], out + got, size - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
        if (got == size - 1)
            break;
    }
    out[got] = 0;
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* "12345" or "12345;cluster" from sbatch --parsable. */
static int job_id(const char *s, char *id, size_t size)
{
    size_t n = strspn(s, "0123456789");
    if (n == 0 || n >= size)
        return -1;
    memcpy(id, s, n);
    id[n] = 0;
    return 0;
}

static char *array_script(const char *adir, const nrc_sweep_plan *plan, const nrc_sweep_slurm_opts *o,
                          size_t tasks)
{
    char *qs = sh_quote(o->sweep), *qd = sh_quote(adir), *qb = o->bin ? sh_quote(o->bin) : NULL;
    char *s = NULL;
    if (qs && qd && (!o->bin || qb))
        s = nrc_sweep_strf(
            "#!/bin/sh\n"
            "# Written by `sweep slurm` (spec/SWEEP.md): task t runs cells t, t + %zu, ...\n"
            "#SBATCH --job-name=nrc-sweep-%s\n"
            "#SBATCH --array=0-%zu\n"
            "#SBATCH --ntasks=1\n"
            "#SBATCH --cpus-per-task=1\n"
            "#SBATCH --output=%s/slurm/task-%%a.log\n"
            "%s%s%s%s%s%s"
            "export OPENBLAS_NUM_THREADS=1\n"
            "exec %s shard %s \"$SLURM_ARRAY_TASK_ID\" %zu%s%s\n",
            tasks, plan->name, tasks - 1, adir,
            o->partition ? "#SBATCH --partition=" : "", o->partition ? o->partition : "", o->partition ? "\n" : "",
            o->time_limit ? "#SBATCH --time=" : "", o->time_limit ? o->time_limit : "", o->time_limit ? "\n" : "",
            qs, qd, tasks, qb ? " --bin " : "", qb ? qb : "");
    nrc_free(qs);
    nrc_free(qd);
    nrc_free(qb);
    return s;
}

static char *report_script(const char *adir, const nrc_sweep_plan *plan, const nrc_sweep_slurm_opts *o)
{
    char *qs = sh_quote(o->sweep), *qd = sh_quote(adir);
    char *s = NULL;
    if (qs && qd)
        s = nrc_sweep_strf(
            "#!/bin/sh\n"
            "# Written by `sweep slurm`: the report, after every task of the array\n"
            "#SBATCH --job-name=nrc-sweep-%s-report\n"
            "#SBATCH --ntasks=1\n"
            "#SBATCH --cpus-per-task=1\n"
            "#SBATCH --output=%s/slurm/report.log\n"
            "%s%s%s"
            "exec %s report %s\n",
            plan->name, adir,
            o->partition ? "#SBATCH --partition=" : "", o->partition ? o->partition : "", o->partition ? "\n" : "",
            qs, qd);
    nrc_free(qs);
    nrc_free(qd);
    return s;
}

static int submit(const char *sbatch, const char *script, const char *dep, int wait, char *id, size_t idsize)
{
    char out[4096];
    char *argv[6];
    int n = 0, rc;
    argv[n++] = (char *)sbatch;
    argv[n++] = "--parsable";
    if (dep)
        argv[n++] = (char *)dep;
    if (wait)
        argv[n++] = "--wait";
    argv[n++] = (char *)script;
    argv[n] = NULL;
    rc = run_capture(argv, out, sizeof out);
    if (rc != 0 && !(wait && rc > 0 && job_id(out, id, idsize) == 0))
        return rc == 0 ? -1 : rc;
    if (job_id(out, id, idsize) != 0)
        return -1;
    return rc;
}

int nrc_sweep_slurm_submit(const char *dir, const nrc_sweep_plan *plan, const nrc_sweep_slurm_opts *o)
{
    nrc_error err = {{0}};
    char *adir = realpath(dir, NULL), *sdir = NULL, *apath = NULL, *rpath = NULL, *a = NULL, *r = NULL;
    char *sbatch = nrc_sweep_which("sbatch"), *dep = NULL;
    char aid[64], rid[64];
    size_t tasks = o->tasks ? o->tasks : plan->n_cells;
    int rc = 4;

    if (tasks > MAX_TASKS && !o->tasks)
        tasks = MAX_TASKS;
    if (tasks > plan->n_cells)
        tasks = plan->n_cells;
    if (!sbatch) {
        fprintf(stderr, "sweep: error: sbatch not found on PATH (Slurm's client tools)\n");
        goto out;
    }
    if (!directive_safe(plan->name) || (o->partition && !directive_safe(o->partition)) ||
        (o->time_limit && !directive_safe(o->time_limit)) || !adir || !directive_safe(adir)) {
        fprintf(stderr, "sweep: error: the spec name, --partition, --time and the directory must not contain "
                "spaces or quotes (they go into #SBATCH lines)\n");
        rc = 2;
        goto out;
    }
    if (tasks == 0) {
        fprintf(stderr, "sweep: error: the plan has no cells\n");
        rc = 3;
        goto out;
    }
    sdir = nrc_sweep_strf("%s/slurm", adir);
    apath = nrc_sweep_strf("%s/slurm/array.sbatch", adir);
    rpath = nrc_sweep_strf("%s/slurm/report.sbatch", adir);
    a = array_script(adir, plan, o, tasks);
    r = report_script(adir, plan, o);
    if (!sdir || !apath || !rpath || !a || !r) {
        fprintf(stderr, "sweep: error: out of memory\n");
        goto out;
    }
    if (nrc_sweep_mkdirs(sdir, &err) != NRC_OK || write_script(apath, a, &err) != NRC_OK ||
        write_script(rpath, r, &err) != NRC_OK) {
        fprintf(stderr, "sweep: error: %s\n", err.msg);
        goto out;
    }
    rc = submit(sbatch, apath, NULL, 0, aid, sizeof aid);
    if (rc != 0) {
        fprintf(stderr, "sweep: error: sbatch %s failed (exit %d)\n", apath, rc);
        rc = 4;
        goto out;
    }
    dep = nrc_sweep_strf("--dependency=afterany:%s", aid);
    if (!o->quiet)
        fprintf(stderr, "sweep: submitted job array %s (%zu tasks for %zu cells); scripts in %s\n", aid, tasks,
                plan->n_cells, sdir);
    rc = dep ? submit(sbatch, rpath, dep, o->wait, rid, sizeof rid) : -1;
    if (rc < 0 || (rc != 0 && !o->wait)) {
        fprintf(stderr, "sweep: error: sbatch %s failed (exit %d)\n", rpath, rc);
        rc = 4;
        goto out;
    }
    if (!o->quiet)
        fprintf(stderr, "sweep: report job %s runs after job %s%s; output in %s/report\n", rid, aid,
                o->wait ? " and has finished" : "", adir);
    printf("%s %s\n", aid, rid);
out:
    free(adir);
    nrc_free(sbatch);
    nrc_free(sdir);
    nrc_free(apath);
    nrc_free(rpath);
    nrc_free(a);
    nrc_free(r);
    nrc_free(dep);
    return rc;
}
