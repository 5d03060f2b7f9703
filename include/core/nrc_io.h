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

/* Write len bytes to path: nrc_files_write_atomic with one output below.
 * On any failure the temporary file is removed and path is untouched. */
nrc_status nrc_file_write_atomic(const char *path, const void *data, size_t len,
                                 nrc_error *err);

/* ---- several outputs (declarations kept after the above: proved files
 * include this header) ---- */

#define NRC_OUTPUTS_MAX 8

/* One output of nrc_files_write_atomic: path ("-" = stdout) and bytes. */
typedef struct {
    const char *path;
    const void *data;
    size_t len;
} nrc_output;

/* Before any work: can path be written as an output (spec/CLI.md "Output
 * paths")? Refuses (NRC_ERR_SYSTEM, message naming path) an empty name, a
 * directory, a block device, a socket, a symbolic link to a missing file or
 * a link loop, and a new or regular file whose directory is missing or not
 * writable. Nothing is created; a FIFO's reader is not looked for. */
nrc_status nrc_output_check(const char *path, nrc_error *err);

/* Write count (<= NRC_OUTPUTS_MAX) outputs. Streams (stdout, character
 * devices, FIFOs with a reader) are written first, directly; then every
 * regular file is written to a temporary beside it and fsync'd, and only
 * when all are complete are they renamed into place, in order. Any failure
 * before the first rename removes every temporary: every pre-existing
 * regular file is as it was. A rename failing after another succeeded
 * (the directory changed meanwhile) leaves the earlier outputs new and the
 * later ones old; the message says so. SIGINT, SIGTERM, SIGHUP and SIGQUIT
 * received while temporaries exist are held: before the renames the
 * temporaries are removed, once renaming began it is completed; then the
 * signal takes effect. Two outputs naming the same file are refused.
 * NRC_OK or NRC_ERR_SYSTEM. */
nrc_status nrc_files_write_atomic(const nrc_output *out, size_t count, nrc_error *err);

#endif
