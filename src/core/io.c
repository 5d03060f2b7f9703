/* Bounded whole-file reads and atomic writes (include/core/nrc_io.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nrc_alloc.h"
#include "nrc_io.h"

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

nrc_status nrc_file_write_atomic(const char *path, const void *data, size_t len,
                                 nrc_error *err)
{
    struct stat st;
    char *tmp;
    size_t plen;
    int fd;
    mode_t mask;

    if (strcmp(path, "-") == 0) {
        if (write_all(STDOUT_FILENO, data, len) != 0)
            return nrc_error_set(err, NRC_ERR_SYSTEM, "stdout: write error: %s", strerror(errno));
        return NRC_OK;
    }
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: is a directory, cannot write the output there", path);
    plen = strlen(path);
    tmp = nrc_malloc(plen + 16);
    if (!tmp)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory", path);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", 12);
    fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        nrc_free(tmp);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: cannot create a temporary file beside it: %s",
                             path, strerror(e));
    }
    mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        nrc_free(tmp);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: write error: %s", path, strerror(e));
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        nrc_free(tmp);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: write error: %s", path, strerror(e));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        nrc_free(tmp);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: cannot rename the temporary file into place: %s",
                             path, strerror(e));
    }
    nrc_free(tmp);
    return NRC_OK;
}
