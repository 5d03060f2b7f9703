/* One cell of a sweep: train, certify, check in a temporary directory, then
 * one rename to cells/KEY16 (spec/SWEEP.md "Cells").  The record
 * (result.json) is written inside the temporary directory before the
 * rename, so a cell directory without its record never exists under its
 * final name: a killed sweep leaves only a .tmp-* directory, which counts
 * for nothing and is removed by the next run. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nrc_alloc.h"
#include "nrc_io.h"
#include "nrc_sweep.h"

#define LOG_MAX ((size_t)1 << 24)

char *nrc_sweep_cell_dir(const char *dir, const nrc_sweep_cell *c)
{
    return nrc_sweep_strf("%s/cells/%.*s", dir, NRC_SWEEP_DIR_KEY, c->key);
}

/* Outcome of a record, -1 when it is to be (re)run. */
static int record_outcome(json_t *r, const char *key, int retry_failed)
{
    const char *status = json_string_value(json_object_get(r, "status"));
    const char *outcome = json_string_value(json_object_get(r, "outcome"));
    const char *rkey = json_string_value(json_object_get(r, "key"));
    if (!status || !outcome || !rkey || strcmp(rkey, key) != 0)
        return -1;
    if (strcmp(status, "done") == 0)
        return strcmp(outcome, "certified") == 0 ? NRC_CELL_DONE_CERTIFIED : NRC_CELL_DONE_UNDECIDED;
    if (retry_failed || json_is_true(json_object_get(r, "transient")))
        return -1;
    return NRC_CELL_FAILED;
}

static int recorded_at(const char *cdir, const char *key, int retry_failed)
{
    char *path = nrc_sweep_strf("%s/result.json", cdir);
    json_t *r = NULL;
    int out = -1;
    if (path && nrc_sweep_json_load(path, &r, NULL) == NRC_OK) {
        out = record_outcome(r, key, retry_failed);
        json_decref(r);
    }
    nrc_free(path);
    return out;
}

int nrc_sweep_cell_recorded(const char *dir, const nrc_sweep_cell *c, int retry_failed)
{
    char *cdir = nrc_sweep_cell_dir(dir, c);
    int out = cdir ? recorded_at(cdir, c->key, retry_failed) : -1;
    nrc_free(cdir);
    return out;
}

/* The last line of a log starting with prefix (or the last non-empty line
 * when prefix is NULL), for the reason of a failure; "" when none. */
static void log_line(const char *path, const char *prefix, char *out, size_t size)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    out[0] = 0;
    if (nrc_file_read_all(path, LOG_MAX, &buf, &len, NULL) != NRC_OK)
        return;
    for (size_t s = 0; s < len;) {
        size_t e = s;
        while (e < len && buf[e] != '\n')
            e++;
        if (e > s && (!prefix || (e - s >= strlen(prefix) && memcmp(buf + s, prefix, strlen(prefix)) == 0))) {
            size_t n = e - s < size - 1 ? e - s : size - 1;
            memcpy(out, buf + s, n);
            out[n] = 0;
        }
        s = e + 1;
    }
    nrc_free(buf);
}

typedef struct {
    const char *name;
    int rc;           /* -2: not run */
    double wall, cpu;
} stage_t;

/* argv = program, args..., extra... (NULL-terminated), run in cdir. */
static int run_stage(stage_t *s, const char *prog, char **args, size_t nargs, const char *const *extra,
                     const char *cdir)
{
    size_t ne = 0, i;
    char **argv;
    char *log = nrc_sweep_strf("%s/%s.log", cdir, s->name);
    while (extra[ne])
        ne++;
    argv = nrc_calloc(nargs + ne + 2, sizeof *argv);
    if (!argv || !log) {
        nrc_free(argv);
        nrc_free(log);
        return s->rc = -1;
    }
    argv[0] = (char *)prog;
    for (i = 0; i < nargs; i++)
        argv[1 + i] = args[i];
    for (i = 0; i < ne; i++)
        argv[1 + nargs + i] = (char *)extra[i];
    s->rc = nrc_sweep_spawn(argv, cdir, log, &s->wall, &s->cpu);
    nrc_free(argv);
    nrc_free(log);
    return s->rc;
}

static json_t *stage_times(const stage_t *st, int n)
{
    json_t *o = json_object();
    for (int i = 0; i < n; i++) {
        if (st[i].rc == -2)
            continue;
        json_t *t = json_object();
        json_object_set_new(t, "wall_s", json_real(st[i].wall));
        json_object_set_new(t, "cpu_s", json_real(st[i].cpu));
        json_object_set_new(o, st[i].name, t);
    }
    return o;
}

static json_t *stage_exits(const stage_t *st, int n)
{
    json_t *o = json_object();
    for (int i = 0; i < n; i++)
        json_object_set_new(o, st[i].name, st[i].rc == -2 ? json_null() : json_integer(st[i].rc));
    return o;
}

/* Why a program failed, for the record; transient (to be re-run) when it
 * was killed or hit a system or internal error. */
static void failure_reason(const stage_t *s, const char *cdir, char *reason, size_t size, int *transient)
{
    char line[600] = "", *log = nrc_sweep_strf("%s/%s.log", cdir, s->name);
    if (log)
        log_line(log, NULL, line, sizeof line);
    nrc_free(log);
    *transient = s->rc < 0 || s->rc >= 4;
    if (s->rc == -1)
        snprintf(reason, size, "%s could not be started", s->name);
    else if (s->rc > 128)
        snprintf(reason, size, "%s killed by signal %d", s->name, s->rc - 128);
    else if (!strcmp(s->name, "check") && s->rc == 1)
        snprintf(reason, size, "check: a claim of the certificate is false: %s", line);
    else if (!strcmp(s->name, "train") && s->rc == 1)
        snprintf(reason, size, "train exit 1 (training diverged): %s", line);
    else
        snprintf(reason, size, "%s exit %d: %s", s->name, s->rc, line);
}

/* The certificate names the model by its hash: compare with the file. */
static int cert_names_model(const char *cdir, const char *model_sha)
{
    char *path = nrc_sweep_strf("%s/cert.json", cdir);
    json_t *c = NULL;
    int ok = 0;
    if (path && nrc_sweep_json_load(path, &c, NULL) == NRC_OK) {
        const char *h = json_string_value(json_object_get(json_object_get(c, "model"), "sha256"));
        ok = h && strcmp(h, model_sha) == 0;
        json_decref(c);
    }
    nrc_free(path);
    return ok;
}

static nrc_status write_record(const char *cdir, const nrc_sweep_cell *c, const stage_t *st, int nst,
                               const char *status, const char *outcome, const char *stage,
                               const char *reason, int transient, nrc_error *err)
{
    json_t *r = json_object();
    char h[65];
    char *mpath = nrc_sweep_strf("%s/model.bin", cdir), *cpath = nrc_sweep_strf("%s/cert.json", cdir);
    char *rpath = nrc_sweep_strf("%s/result.json", cdir);
    nrc_status s = NRC_ERR_SYSTEM;

    if (!r || !mpath || !cpath || !rpath)
        goto out;
    json_object_set_new(r, "format", json_string("nrc-sweep-cell"));
    json_object_set_new(r, "version", json_integer(1));
    json_object_set_new(r, "key", json_string(c->key));
    json_object_set_new(r, "status", json_string(status));
    json_object_set_new(r, "outcome", json_string(outcome));
    json_object_set_new(r, "stage", stage ? json_string(stage) : json_null());
    json_object_set_new(r, "reason", json_string(reason));
    json_object_set_new(r, "transient", json_boolean(transient));
    json_object_set_new(r, "exit", stage_exits(st, nst));
    json_object_set_new(r, "times", stage_times(st, nst));
    json_object_set_new(r, "model_sha256", nrc_sweep_file_sha256(mpath, h, NULL) == NRC_OK ? json_string(h) : json_null());
    json_object_set_new(r, "cert_sha256", nrc_sweep_file_sha256(cpath, h, NULL) == NRC_OK ? json_string(h) : json_null());
    s = nrc_sweep_json_write(rpath, r, err);
out:
    if (s == NRC_ERR_SYSTEM && (!r || !mpath || !cpath || !rpath))
        nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory", cdir);
    json_decref(r);
    nrc_free(mpath);
    nrc_free(cpath);
    nrc_free(rpath);
    return s;
}

static nrc_status write_options(const char *cdir, const nrc_sweep_cell *c, nrc_error *err)
{
    json_t *o = json_object(), *ta = json_array(), *ca = json_array();
    char *path = nrc_sweep_strf("%s/options.json", cdir);
    nrc_status s;
    for (size_t i = 0; i < c->n_train_args; i++)
        json_array_append_new(ta, json_string(c->train_args[i]));
    for (size_t i = 0; i < c->n_certify_args; i++)
        json_array_append_new(ca, json_string(c->certify_args[i]));
    json_object_set_new(o, "key", json_string(c->key));
    json_object_set(o, "options", c->options);
    json_object_set_new(o, "train_args", ta);
    json_object_set_new(o, "certify_args", ca);
    s = path ? nrc_sweep_json_write(path, o, err) : nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    json_decref(o);
    nrc_free(path);
    return s;
}

/* Train, certify, check in cdir; write the record.  Returns the outcome. */
static nrc_cell_outcome run_in(const nrc_sweep_env *env, const char *cdir, const nrc_sweep_cell *c,
                               nrc_error *err)
{
    static const char *const train_x[] = {"--threads", "1", "-o", "model.bin", NULL};
    static const char *const cert_x[] = {"--threads", "1", "-o", "cert.json", "model.bin", NULL};
    static const char *const check_x[] = {"cert.json", "model.bin", NULL};
    stage_t st[3] = {{"train", -2, 0, 0}, {"certify", -2, 0, 0}, {"check", -2, 0, 0}};
    char reason[1024] = "", h[65];
    char *mpath;
    int transient = 0, failed = -1;
    nrc_status s;

    if (write_options(cdir, c, err) != NRC_OK)
        return NRC_CELL_ERROR;
    if (run_stage(&st[0], env->train, c->train_args, c->n_train_args, train_x, cdir) != 0)
        failed = 0;
    else if (run_stage(&st[1], env->certify, c->certify_args, c->n_certify_args, cert_x, cdir),
             st[1].rc != 0 && st[1].rc != 1)
        failed = 1;   /* exit 1: completed, some claims undecided; the check decides the rest */
    else if (run_stage(&st[2], env->check, NULL, 0, check_x, cdir) != 0)
        failed = 2;
    if (nrc_sweep_stopping())
        return NRC_CELL_INTERRUPTED;
    if (failed >= 0) {
        failure_reason(&st[failed], cdir, reason, sizeof reason, &transient);
        s = write_record(cdir, c, st, 3, "failed", "failed", st[failed].name, reason, transient, err);
        return s == NRC_OK ? NRC_CELL_FAILED : NRC_CELL_ERROR;
    }
    mpath = nrc_sweep_strf("%s/model.bin", cdir);
    if (!mpath || nrc_sweep_file_sha256(mpath, h, err) != NRC_OK) {
        nrc_free(mpath);
        return NRC_CELL_ERROR;
    }
    nrc_free(mpath);
    if (!cert_names_model(cdir, h)) {
        s = write_record(cdir, c, st, 3, "failed", "failed", "check",
                         "the certificate does not name the model's SHA-256", 0, err);
        return s == NRC_OK ? NRC_CELL_FAILED : NRC_CELL_ERROR;
    }
    if (st[1].rc == 1) {
        char *log = nrc_sweep_strf("%s/certify.log", cdir);
        char line[600] = "";
        if (log)
            log_line(log, "verdict", line, sizeof line);
        nrc_free(log);
        snprintf(reason, sizeof reason, "certify exit 1 (some claims undecided; the check passed): %s", line);
    }
    s = write_record(cdir, c, st, 3, "done", st[1].rc == 0 ? "certified" : "undecided", NULL, reason, 0, err);
    if (s != NRC_OK)
        return NRC_CELL_ERROR;
    return st[1].rc == 0 ? NRC_CELL_DONE_CERTIFIED : NRC_CELL_DONE_UNDECIDED;
}

/* Move the finished temporary directory to its final name.  When the final
 * name holds a record to be re-run it is replaced; when another process
 * finished the same cell meanwhile, ours is dropped and theirs counts. */
static nrc_cell_outcome publish(const char *tmp, const char *final, const nrc_sweep_cell *c,
                                nrc_cell_outcome out, int retry_failed, nrc_error *err)
{
    char *old;
    int theirs;
    if (rename(tmp, final) == 0)
        return out;
    if (errno != EEXIST && errno != ENOTEMPTY) {
        nrc_error_set(err, NRC_ERR_SYSTEM, "%s: cannot rename to %s: %s", tmp, final, strerror(errno));
        nrc_sweep_rmtree(tmp);
        return NRC_CELL_ERROR;
    }
    theirs = recorded_at(final, c->key, retry_failed);
    if (theirs >= 0) {
        nrc_sweep_rmtree(tmp);
        return (nrc_cell_outcome)theirs;
    }
    old = nrc_sweep_strf("%s.old-%ld", final, (long)getpid());
    if (!old || rename(final, old) != 0 || rename(tmp, final) != 0) {
        nrc_error_set(err, NRC_ERR_SYSTEM, "%s: cannot replace the old record: %s", final, strerror(errno));
        nrc_sweep_rmtree(tmp);
        nrc_free(old);
        return NRC_CELL_ERROR;
    }
    nrc_sweep_rmtree(old);
    nrc_free(old);
    return out;
}

nrc_cell_outcome nrc_sweep_cell_run(const nrc_sweep_env *env, const char *dir, const nrc_sweep_cell *c,
                                    nrc_error *err)
{
    char host[64] = "host";
    char *final = nrc_sweep_cell_dir(dir, c), *tmp;
    nrc_cell_outcome out;
    int rec;

    if (!final)
        return NRC_CELL_ERROR;
    rec = recorded_at(final, c->key, env->retry_failed);
    if (rec >= 0) {
        nrc_free(final);
        return (nrc_cell_outcome)rec;
    }
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = 0;
    tmp = nrc_sweep_strf("%s/cells/.tmp-%.*s-%s-%ld", dir, NRC_SWEEP_DIR_KEY, c->key, host, (long)getpid());
    if (!tmp || nrc_sweep_rmtree(tmp) != 0 || nrc_sweep_mkdirs(tmp, err) != NRC_OK) {
        nrc_free(final);
        nrc_free(tmp);
        return NRC_CELL_ERROR;
    }
    out = run_in(env, tmp, c, err);
    if (out == NRC_CELL_INTERRUPTED || out == NRC_CELL_ERROR)
        nrc_sweep_rmtree(tmp);
    else
        out = publish(tmp, final, c, out, env->retry_failed, err);
    nrc_free(final);
    nrc_free(tmp);
    return out;
}
