/* Plumbing of bin/sweep: JSON files, directories, hashes, child processes,
 * directed rounding of printed bounds. */
#include <errno.h>
#include <fcntl.h>
#include <fenv.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "nrc_alloc.h"
#include "nrc_io.h"
#include "nrc_sha256.h"
#include "nrc_sweep.h"

#define JSON_MAX ((size_t)1 << 30)
#define HASH_FILE_MAX ((size_t)1 << 40)

static volatile sig_atomic_t g_stopping;
static volatile pid_t g_child;

void nrc_sweep_cell_stop(void)
{
    pid_t c = g_child;
    g_stopping = 1;
    if (c > 0)
        kill(c, SIGTERM);
}

int nrc_sweep_stopping(void)
{
    return g_stopping != 0;
}

char *nrc_sweep_strf(const char *fmt, ...)
{
    va_list ap;
    int len;
    char *s;

    va_start(ap, fmt);
    len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return NULL;
    s = nrc_malloc((size_t)len + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)len + 1, fmt, ap);
    va_end(ap);
    return s;
}

double nrc_sweep_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

nrc_status nrc_sweep_json_load(const char *path, json_t **out, nrc_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    json_error_t je;
    nrc_status st = nrc_file_read_all(path, JSON_MAX, &buf, &len, err);

    if (st != NRC_OK)
        return st;
    *out = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
    nrc_free(buf);
    if (!*out)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: line %d: %s", path, je.line, je.text);
    return NRC_OK;
}

nrc_status nrc_sweep_json_write(const char *path, const json_t *j, nrc_error *err)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    nrc_status st;
    size_t len;
    char *t;

    if (!s)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory", path);
    len = strlen(s);
    t = realloc(s, len + 2);   /* jansson allocates with malloc */
    if (!t) {
        free(s);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory", path);
    }
    t[len] = '\n';
    t[len + 1] = 0;
    st = nrc_file_write_atomic(path, t, len + 1, err);
    free(t);
    return st;
}

nrc_status nrc_sweep_mkdirs(const char *path, nrc_error *err)
{
    char *p = nrc_sweep_strf("%s", path);
    struct stat sb;

    if (!p)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory", path);
    for (char *s = p + 1; ; s++) {
        if (*s == '/' || *s == 0) {
            char c = *s;
            *s = 0;
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                nrc_error_set(err, NRC_ERR_SYSTEM, "%s: cannot create directory: %s", p, strerror(errno));
                nrc_free(p);
                return NRC_ERR_SYSTEM;
            }
            *s = c;
            if (c == 0)
                break;
        }
    }
    nrc_free(p);
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: exists and is not a directory", path);
    return NRC_OK;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (flag == FTW_DP)
        return rmdir(path) != 0 && errno != ENOENT;
    return unlink(path) != 0 && errno != ENOENT;
}

int nrc_sweep_rmtree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return errno == ENOENT ? 0 : -1;
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

nrc_status nrc_sweep_file_sha256(const char *path, char out[65], nrc_error *err)
{
    unsigned char *buf = NULL, h[NRC_SHA256_SIZE];
    size_t len = 0;
    nrc_status st = nrc_file_read_all(path, HASH_FILE_MAX, &buf, &len, err);

    if (st != NRC_OK)
        return st;
    nrc_sha256(buf, len, h);
    nrc_free(buf);
    nrc_hex(h, NRC_SHA256_SIZE, out);
    return NRC_OK;
}

/* Directed rounding of a printed decimal: glibc's printf converts in the
 * current rounding mode (IEEE 754-2008 5.12.2), so an upper bound printed
 * under FE_UPWARD is still an upper bound. */
void nrc_sweep_fmt_dir(char *buf, size_t size, double x, int digits, int up)
{
    int old = fegetround();
    fesetround(up ? FE_UPWARD : FE_DOWNWARD);
    snprintf(buf, size, "%.*g", digits, x);
    fesetround(old);
}

int nrc_sweep_spawn(char *const argv[], const char *cwd, const char *log,
                    double *wall, double *cpu)
{
    double t0 = nrc_sweep_now();
    struct rusage ru;
    int status = 0;
    pid_t pid, w;

    if (g_stopping)
        return 128 + SIGTERM;
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        if (log) {   /* log is relative to our directory: open before chdir */
            int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
            int nul = open("/dev/null", O_RDONLY);
            if (fd < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
                _exit(127);
            close(fd);
            close(nul);
        }
        if (cwd && chdir(cwd) != 0) {
            fprintf(stderr, "sweep: %s: %s\n", cwd, strerror(errno));
            _exit(127);
        }
        setenv("OPENBLAS_NUM_THREADS", "1", 1);
        execv(argv[0], argv);
        fprintf(stderr, "sweep: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    g_child = pid;
    if (g_stopping)
        kill(pid, SIGTERM);
    do {
        w = wait4(pid, &status, 0, &ru);
    } while (w < 0 && errno == EINTR);
    g_child = 0;
    if (wall)
        *wall = nrc_sweep_now() - t0;
    if (cpu)
        *cpu = w == pid ? (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
                          (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec : 0;
    if (w != pid)
        return -1;
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

/* A program on PATH (absolute path, malloc'd) or NULL. */
char *nrc_sweep_which(const char *name)
{
    const char *p = getenv("PATH");
    if (strchr(name, '/'))
        return access(name, X_OK) == 0 ? nrc_sweep_strf("%s", name) : NULL;
    while (p && *p) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *c = nrc_sweep_strf("%.*s/%s", (int)n, p, name);
        if (c && n && access(c, X_OK) == 0)
            return c;
        nrc_free(c);
        p = e ? e + 1 : NULL;
    }
    return NULL;
}

