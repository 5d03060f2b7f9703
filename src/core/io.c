/* Bounded whole-file reads and atomic writes (include/nrc_io.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nrc_alloc.h"
#include "nrc_io.h"

nrc_status nrc_file_read_all(const char *path, size_t max_len,
                             unsigned char **buf, size_t *len, nrc_error *err)
{
    struct stat st;
    unsigned char *p;
    size_t size, got = 0;
    /* O_NONBLOCK: opening a FIFO must not hang waiting for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    *buf = NULL;
    *len = 0;
    if (fd < 0)
        return nrc_error_set(err, errno == ENOENT || errno == EISDIR ? NRC_ERR_INPUT : NRC_ERR_SYSTEM,
                             "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: cannot stat: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: is a directory, expected a file", path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: not a regular file (FIFO, socket or device)", path);
    }
    if (st.st_size < 0 || (unsigned long long)st.st_size > max_len) {
        close(fd);
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: file is %lld bytes, more than the limit of %zu",
                             path, (long long)st.st_size, max_len);
    }
    size = (size_t)st.st_size;
    p = nrc_malloc(size);
    if (!p) {
        close(fd);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory reading %zu bytes", path, size);
    }
    while (got < size) {
        ssize_t r = read(fd, p + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            nrc_free(p);
            close(fd);
            return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: read error: %s", path, strerror(e));
        }
        if (r == 0)
            break; /* file shrank while reading */
        got += (size_t)r;
    }
    close(fd);
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
