/* Bounded whole-file reads (include/core/nrc_io.h) and output files
 * (include/core/nrc_output.h, spec/CLI.md "Output paths"). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nrc_alloc.h"
#include "nrc_cli.h"
#include "nrc_io.h"
#include "nrc_output.h"

nrc_status nrc_file_open_regular(const char *path, int *fd, uint64_t *size,
                                 nrc_error *err)
{
    struct stat st;
    /* O_NONBLOCK: opening a FIFO must not hang waiting for a writer. */
    int f = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    *fd = -1;
    *size = 0;
    if (f < 0) {
        int e = errno;
        nrc_status s = (e == ENOENT || e == EISDIR || e == ENOTDIR || e == ELOOP)
                           ? NRC_ERR_INPUT : NRC_ERR_SYSTEM;
        return nrc_error_set(err, s, "%s: cannot open: %s", path, strerror(e));
    }
    if (fstat(f, &st) != 0) {
        int e = errno;
        close(f);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: cannot stat: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(f);
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: is a directory, expected a file", path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(f);
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: not a regular file (FIFO, socket or device)", path);
    }
    if (st.st_size < 0) {
        close(f);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: negative file size", path);
    }
    *fd = f;
    *size = (uint64_t)st.st_size;
    return NRC_OK;
}

nrc_status nrc_fd_read_full(int fd, const char *path, unsigned char *buf,
                            size_t len, size_t *got, nrc_error *err)
{
    size_t have = 0;
    *got = 0;
    while (have < len) {
        ssize_t r = read(fd, buf + have, len - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            *got = have;
            return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: read error: %s", path, strerror(e));
        }
        if (r == 0)
            break; /* end of file */
        have += (size_t)r;
    }
    *got = have;
    return NRC_OK;
}

nrc_status nrc_file_read_all(const char *path, size_t max_len,
                             unsigned char **buf, size_t *len, nrc_error *err)
{
    unsigned char *p;
    uint64_t fsize;
    size_t size, got = 0;
    int fd;
    nrc_status s;
    *buf = NULL;
    *len = 0;
    s = nrc_file_open_regular(path, &fd, &fsize, err);
    if (s != NRC_OK)
        return s;
    if (fsize > max_len) {
        close(fd);
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: file is %llu bytes, more than the limit of %zu",
                             path, (unsigned long long)fsize, max_len);
    }
    size = (size_t)fsize;
    p = nrc_malloc(size);
    if (!p) {
        close(fd);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory reading %zu bytes", path, size);
    }
    s = nrc_fd_read_full(fd, path, p, size, &got, err);
    close(fd);
    if (s != NRC_OK) {
        nrc_free(p);
        return s;
    }
    if (got != size) {
        nrc_free(p);
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: file changed while being read", path);
    }
    *buf = p;
    *len = size;
    return NRC_OK;
}

/* ---- output files (spec/CLI.md "Output paths") ----
 * A regular file (or a path that does not exist yet) is replaced
 * atomically: a temporary file beside it, fsync, rename. A symbolic link is
 * followed: its final target is replaced the same way and the link stays.
 * Character devices and FIFOs are written through (opened for writing,
 * never replaced); a FIFO without a reader is refused rather than waited
 * for. Directories, block devices, sockets, dangling links and link loops
 * are refused. */

enum { OUT_STDOUT, OUT_REPLACE, OUT_THROUGH };

typedef struct {
    int how;        /* OUT_* */
    char *target;   /* OUT_REPLACE: the file to replace, links resolved */
    char *tmp;      /* OUT_REPLACE: the temporary beside it, once created */
    mode_t perm;    /* OUT_REPLACE: permissions of the new file */
} out_plan;

static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        if (w == 0) {
            errno = ENOSPC;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = nrc_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void plan_clear(out_plan *pl)
{
    if (pl->tmp) {
        unlink(pl->tmp);
        nrc_free(pl->tmp);
    }
    nrc_free(pl->target);
    pl->tmp = NULL;
    pl->target = NULL;
}

/* The directory that will hold target's temporary file must exist and be
 * writable (checked with access(2): as root only a read-only file system
 * refuses here; anything else shows when the temporary is created). */
static nrc_status plan_check_dir(const char *path, const char *target, nrc_error *err)
{
    const char *slash = strrchr(target, '/');
    char *dir;
    struct stat st;
    nrc_status s = NRC_OK;
    size_t n = slash ? (size_t)(slash - target) : 1;
    if (slash == target)
        n = 1;   /* "/name": the root */
    dir = nrc_malloc(n + 1);
    if (!dir)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory", path);
    memcpy(dir, slash ? target : ".", n);
    dir[n] = '\0';
    if (stat(dir, &st) != 0) {
        int e = errno;
        s = nrc_error_set(err, NRC_ERR_SYSTEM, "%s: cannot create it: directory %s: %s", path,
                          dir, strerror(e));
    } else if (!S_ISDIR(st.st_mode)) {
        s = nrc_error_set(err, NRC_ERR_SYSTEM, "%s: cannot create it: %s is not a directory",
                          path, dir);
    } else if (access(dir, W_OK | X_OK) != 0) {
        int e = errno;
        s = nrc_error_set(err, NRC_ERR_SYSTEM, "%s: cannot create a file in directory %s: %s",
                          path, dir, strerror(e));
    }
    nrc_free(dir);
    return s;
}

/* Decide how path is written; nothing is created or opened. */
static nrc_status plan_make(const char *path, out_plan *pl, nrc_error *err)
{
    struct stat st;
    mode_t mask;
    pl->how = OUT_REPLACE;
    pl->target = NULL;
    pl->tmp = NULL;
    mask = umask(0);
    umask(mask);
    pl->perm = 0666 & ~mask;
    if (path[0] == '\0')
        return nrc_error_set(err, NRC_ERR_SYSTEM, "empty output file name");
    if (strcmp(path, "-") == 0) {
        pl->how = OUT_STDOUT;
        return NRC_OK;
    }
    if (lstat(path, &st) != 0) {
        int e = errno;
        if (e != ENOENT)
            return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: cannot write there: %s", path,
                                 strerror(e));
        pl->target = dup_string(path);
        if (!pl->target)
            return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory", path);
        return plan_check_dir(path, pl->target, err);
    }
    if (S_ISLNK(st.st_mode)) {
        if (stat(path, &st) != 0) {
            int e = errno;
            if (e == ENOENT)
                return nrc_error_set(err, NRC_ERR_SYSTEM,
                                     "%s: is a symbolic link to a file that does not exist: "
                                     "refusing to create its target (write to the target's "
                                     "path instead)", path);
            return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: cannot follow the symbolic link: %s",
                                 path, strerror(e));
        }
        if (S_ISREG(st.st_mode)) {
            char *r = realpath(path, NULL);
            if (!r)
                return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: cannot resolve the symbolic "
                                     "link: %s", path, strerror(errno));
            pl->target = dup_string(r);
            free(r);
        }
    } else if (S_ISREG(st.st_mode)) {
        pl->target = dup_string(path);
    }
    if (S_ISREG(st.st_mode)) {
        if (!pl->target)
            return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory", path);
        pl->perm = st.st_mode & 0777;
        return plan_check_dir(path, pl->target, err);
    }
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
        pl->how = OUT_THROUGH;
        return NRC_OK;
    }
    if (S_ISDIR(st.st_mode))
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: is a directory, cannot write the output "
                             "there", path);
    if (S_ISBLK(st.st_mode))
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: is a block device: refusing to write to "
                             "it or to replace it", path);
    if (S_ISSOCK(st.st_mode))
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: is a socket: refusing to replace it",
                             path);
    return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: not a regular file, character device or FIFO: "
                         "refusing to replace it", path);
}

nrc_status nrc_output_check(const char *path, nrc_error *err)
{
    out_plan pl;
    nrc_status s = plan_make(path, &pl, err);
    plan_clear(&pl);
    return s;
}

/* Write data to fd (then fsync it when sync) and close it; messages name
 * path. */
static nrc_status fill_and_close(int fd, const char *path, const void *data, size_t len,
                                 int sync, nrc_error *err)
{
    if (write_all(fd, data, len) != 0 || (sync && fsync(fd) != 0)) {
        int e = errno;
        close(fd);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: write error: %s", path, strerror(e));
    }
    if (close(fd) != 0)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: write error: %s", path, strerror(errno));
    return NRC_OK;
}

/* Write data to stdout, or through the character device or FIFO at path.
 * A FIFO is opened without blocking: no reader is an error, not a wait. */
static nrc_status write_stream(const char *path, int how, const void *data, size_t len,
                               nrc_error *err)
{
    struct stat st;
    int fd, e;
    if (how == OUT_STDOUT) {
        if (write_all(STDOUT_FILENO, data, len) != 0)
            return nrc_error_set(err, NRC_ERR_SYSTEM, "stdout: write error: %s", strerror(errno));
        return NRC_OK;
    }
    fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        e = errno;
        if (e == ENXIO)
            return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: is a FIFO that no process reads: "
                                 "refusing to wait for a reader (start the reader first)", path);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: cannot open for writing: %s", path,
                             strerror(e));
    }
    /* The path may have changed since it was classified: write through
     * only what is still a device or a FIFO. */
    if (fstat(fd, &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        close(fd);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: changed while being opened: not written",
                             path);
    }
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
        e = errno;
        close(fd);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: write error: %s", path, strerror(e));
    }
    return fill_and_close(fd, path, data, len, 0, err);
}

/* Create pl->tmp beside pl->target and fill it with data (fsync'd). */
static nrc_status stage_temp(const char *path, out_plan *pl, const void *data, size_t len,
                             nrc_error *err)
{
    size_t tl = strlen(pl->target);
    int fd, e;
    pl->tmp = nrc_malloc(tl + 12);
    if (!pl->tmp)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory", path);
    memcpy(pl->tmp, pl->target, tl);
    memcpy(pl->tmp + tl, ".tmp.XXXXXX", 12);
    fd = mkstemp(pl->tmp);
    if (fd < 0) {
        e = errno;
        nrc_free(pl->tmp);
        pl->tmp = NULL;
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: cannot create a temporary file beside it: %s",
                             path, strerror(e));
    }
    if (fchmod(fd, pl->perm) != 0) {
        e = errno;
        close(fd);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: write error: %s", path, strerror(e));
    }
    return fill_and_close(fd, path, data, len, 1, err);
}

/* Signals that stop a program at the terminal or from a supervisor. While
 * temporaries exist they only set a flag: the temporaries are then removed
 * (or, once renaming has begun, the renames completed) and the signal is
 * raised again with its default disposition restored. */
static const int held_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define N_HELD (sizeof held_signals / sizeof held_signals[0])
static volatile sig_atomic_t held_caught;

static void hold_handler(int sig)
{
    held_caught = sig;
}

static void hold_signals(struct sigaction *old)
{
    struct sigaction sa;
    size_t i;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = hold_handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    held_caught = 0;
    for (i = 0; i < N_HELD; i++) {
        sigaction(held_signals[i], NULL, &old[i]);
        /* Only a signal that would stop the process is held: an ignored
         * one stays ignored, and a program's own handler (bin/sweep's)
         * keeps handling it. */
        if (!(old[i].sa_flags & SA_SIGINFO) && old[i].sa_handler == SIG_DFL)
            sigaction(held_signals[i], &sa, NULL);
    }
}

static void release_signals(const struct sigaction *old)
{
    size_t i;
    int sig = held_caught;
    for (i = 0; i < N_HELD; i++)
        sigaction(held_signals[i], &old[i], NULL);
    if (sig)
        raise(sig);
}

nrc_status nrc_files_write_atomic(const nrc_output *out, size_t count, nrc_error *err)
{
    out_plan pl[NRC_OUTPUTS_MAX];
    struct sigaction old[N_HELD];
    nrc_status s = NRC_OK;
    size_t i, j, made = 0, renamed = 0;

    if (count > NRC_OUTPUTS_MAX)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%zu outputs, more than %d", count,
                             NRC_OUTPUTS_MAX);
    for (made = 0; made < count && s == NRC_OK; made++)
        s = plan_make(out[made].path, &pl[made], err);
    for (i = 0; i < made && s == NRC_OK; i++)
        for (j = 0; j < i && s == NRC_OK; j++)
            if (nrc_path_same(out[i].path, out[j].path))
                s = nrc_error_set(err, NRC_ERR_SYSTEM, "%s and %s name the same file: not "
                                  "written", out[j].path, out[i].path);
    /* Streams first: they cannot be staged, and while they are written a
     * Ctrl-C must still stop a program whose FIFO reader hangs. */
    for (i = 0; i < made && s == NRC_OK; i++)
        if (pl[i].how != OUT_REPLACE)
            s = write_stream(out[i].path, pl[i].how, out[i].data, out[i].len, err);
    if (s == NRC_OK) {
        hold_signals(old);
        for (i = 0; i < made && s == NRC_OK; i++)
            if (pl[i].how == OUT_REPLACE)
                s = stage_temp(out[i].path, &pl[i], out[i].data, out[i].len, err);
        if (s == NRC_OK && held_caught)
            s = nrc_error_set(err, NRC_ERR_SYSTEM, "interrupted (signal %d): nothing written",
                              (int)held_caught);
        for (i = 0; i < made && s == NRC_OK; i++) {
            if (pl[i].how != OUT_REPLACE)
                continue;
            if (rename(pl[i].tmp, pl[i].target) != 0) {
                int e = errno;
                s = nrc_error_set(err, NRC_ERR_SYSTEM, "%s: cannot rename the temporary file "
                                  "into place: %s%s", out[i].path, strerror(e),
                                  renamed ? " (the outputs before it were already replaced)" : "");
                break;
            }
            nrc_free(pl[i].tmp);
            pl[i].tmp = NULL;
            renamed++;
        }
        for (i = 0; i < made; i++)
            plan_clear(&pl[i]);   /* removes the temporaries not renamed */
        release_signals(old);
        return s;
    }
    for (i = 0; i < made; i++)
        plan_clear(&pl[i]);
    return s;
}

nrc_status nrc_file_write_atomic(const char *path, const void *data, size_t len,
                                 nrc_error *err)
{
    nrc_output o;
    o.path = path;
    o.data = data;
    o.len = len;
    return nrc_files_write_atomic(&o, 1, err);
}
