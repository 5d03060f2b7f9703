/* Output files (spec/CLI.md "Output paths"), in their own header so that
 * the headers the proved src/core/model.c includes stay as they are (the
 * proof cache is keyed on them). nrc_file_write_atomic (nrc_io.h) is
 * nrc_files_write_atomic with one output. */
#ifndef NRC_OUTPUT_H
#define NRC_OUTPUT_H
#include <stddef.h>
#include "nrc_status.h"

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
 * received while temporaries exist are held when their disposition is the
 * default (stop the process): before the renames the temporaries are
 * removed, once renaming began it is completed; then the signal takes
 * effect. Ignored signals and a program's own handlers are left alone.
 * Two outputs naming the same file are refused.
 * NRC_OK or NRC_ERR_SYSTEM. */
nrc_status nrc_files_write_atomic(const nrc_output *out, size_t count, nrc_error *err);

#endif
