/* File I/O shared by the programs: bounded whole-file reads and atomic
 * writes (temporary file in the same directory, fsync, rename), so that a
 * crash or a full disk never leaves a half-written file under the final name. */
#ifndef NRC_IO_H
#define NRC_IO_H
#include <stddef.h>
#include <stdint.h>
#include "nrc_status.h"

/* Read a regular file entirely. Rejects directories, FIFOs and devices
 * (NRC_ERR_INPUT) and files larger than max_len (NRC_ERR_INPUT), without
 * allocating more than the file's size. *buf is allocated with nrc_malloc
 * (free with nrc_free); an empty file gives *len = 0 and a non-NULL *buf. */
nrc_status nrc_file_read_all(const char *path, size_t max_len,
                             unsigned char **buf, size_t *len, nrc_error *err);

/* Open path read-only with O_NONBLOCK (a FIFO cannot hang the open) and
 * accept only a regular file: directories, FIFOs, sockets and devices are
 * NRC_ERR_INPUT, as is a nonexistent path. *size is the length from fstat.
 * On success the caller owns *fd and must close it. */
nrc_status nrc_file_open_regular(const char *path, int *fd, uint64_t *size,
                                 nrc_error *err);

/* Read up to len bytes from fd into buf, retrying short reads and EINTR,
 * stopping early only at end of file; *got is the count read.
 * NRC_ERR_SYSTEM on a read error. */
nrc_status nrc_fd_read_full(int fd, const char *path, unsigned char *buf,
                            size_t len, size_t *got, nrc_error *err);

/* Write len bytes to path (include/core/nrc_output.h, spec/CLI.md): a
 * regular file atomically, a device or FIFO written through, "-" stdout. */
nrc_status nrc_file_write_atomic(const char *path, const void *data, size_t len,
                                 nrc_error *err);

#endif
