/* Contracts of the trust base for the proof of src/core/model.c (make
 * proofs pre-includes this file for the proofs/FILES line that names it with
 * +include=spec/acsl/nrc_trust_model.h; the compiler never sees it).
 * Functions declared here are called by proved functions of model.c but not
 * proved themselves; each is listed in proofs/README.md. Each contract is
 * the least the callers need. */
#ifndef NRC_ACSL_TRUST_MODEL_H
#define NRC_ACSL_TRUST_MODEL_H
#include "nrc_alloc.h"
#include "nrc_io.h"
#include "nrc_model.h"
#include "nrc_status.h"

/* src/core/alloc.c: releases a block from nrc_malloc (or does nothing for
 * NULL); WP does not model deallocation, so only "writes nothing the caller
 * can see". The proved callers (nrc_model_clear) set the pointers to NULL
 * right after. Called with a char * (the metadata): a byte cast. */
/*@ assigns \nothing; */
void nrc_free(void *p);

/* src/core/model.c: nrc_free of an array of doubles (the cast to void * is
 * in its body, which is not analysed). */
/*@ assigns \nothing; */
static void free_reals(double *p);

/* src/core/model.c: nrc_calloc(count, sizeof(double)): NULL or a block of
 * count doubles. Writes nothing the caller can see. */
/*@ assigns \nothing;
    ensures \result == \null || \valid(\result + (0 .. count - 1));
*/
static double *alloc_reals(uint64_t count);

/* src/core/model.c: nrc_malloc(size) for the metadata: NULL or a block of
 * size bytes; a fresh block, so apart from the block live[0 .. live_len)
 * that the caller names (ghost parameters) and that is valid at the call. */
/*@ requires \valid_read(live + (0 .. live_len - 1));
    assigns \nothing;
    ensures \result == \null ||
        (\valid(\result + (0 .. size - 1)) &&
         \separated(\result + (0 .. size - 1), live + (0 .. live_len - 1)));
*/
static char *alloc_meta(size_t size) /*@ ghost (const unsigned char *live, size_t live_len) */;

/* src/core/model.c: nrc_error_prefix(err, name), name taken as a string
 * (as the %s arguments of nrc_error_set). */
/*@ requires err == \null || \valid(err);
    requires \valid_read(name);
    assigns err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
*/
static void prefix_name(nrc_error *err, const char *name);

/* src/core/model.c: nrc_malloc(size) for the file image: NULL or a block
 * of size bytes, fresh, so apart from the error record live (ghost
 * parameter) that the caller passes. */
/*@ requires live == \null || \valid_read(live);
    assigns \nothing;
    ensures \result == \null ||
        (\valid(\result + (0 .. size - 1)) &&
         (live == \null || \separated(\result + (0 .. size - 1), live)));
*/
static unsigned char *alloc_image(size_t size) /*@ ghost (nrc_error *live) */;

/* src/core/model.c: nrc_malloc(size) for the image the writer builds:
 * NULL or a block of size bytes, fresh, so apart from what the caller names
 * (ghost parameters) and that is valid at the call: the model's metadata
 * block and checksum field, and the error record. */
/*@ requires \valid_read(live_meta + (0 .. live_meta_len - 1));
    requires \valid_read(live_sum + (0 .. NRC_SHA256_SIZE - 1));
    requires live_err == \null || \valid_read(live_err);
    assigns \nothing;
    ensures \result == \null ||
        (\valid(\result + (0 .. size - 1)) &&
         \separated(\result + (0 .. size - 1), live_meta + (0 .. live_meta_len - 1)) &&
         \separated(\result + (0 .. size - 1), live_sum + (0 .. NRC_SHA256_SIZE - 1)) &&
         (live_err == \null || \separated(\result + (0 .. size - 1), live_err)));
*/
static unsigned char *alloc_out(size_t size) /*@ ghost (const char *live_meta,
    uint64_t live_meta_len, unsigned char *live_sum, nrc_error *live_err) */;

/* src/core/io.c: write len bytes to path atomically (a temporary file and
 * rename; "-" is stdout). path is a message argument and a file name (a
 * string, trusted as the %s arguments). Writes only err->msg in memory. */
/*@ requires \valid_read(path);
    requires \valid_read((const unsigned char *)data + (0 .. len - 1));
    requires err == \null || \valid(err);
    assigns err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM;
*/
nrc_status nrc_file_write_atomic(const char *path, const void *data, size_t len,
                                 nrc_error *err);

/* src/core/model.c: close(2); writes nothing the caller can see. */
/*@ assigns \nothing; */
static void close_fd(int fd);

/* src/core/io.c: open path read-only, accept a regular file only; *fd and
 * *size (fstat's length) on success. */
/*@ requires valid_read_string(path);
    requires \valid(fd) && \valid(size);
    requires err == \null || \valid(err);
    requires \separated(fd, size, err);
    assigns *fd, *size, err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_INPUT || \result == NRC_ERR_SYSTEM;
*/
nrc_status nrc_file_open_regular(const char *path, int *fd, uint64_t *size, nrc_error *err);

/* src/core/io.c: read up to len bytes into buf[0 .. len); *got <= len is
 * the count read. path is a message argument (a string, trusted). */
/*@ requires \valid(buf + (0 .. len - 1));
    requires \valid(got) && \valid_read(path);
    requires err == \null || \valid(err);
    requires \separated(buf + (0 .. len - 1), got, err);
    requires \separated(got, err);
    assigns buf[0 .. len - 1], *got, err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == NRC_OK || \result == NRC_ERR_SYSTEM;
    ensures *got <= len;
*/
nrc_status nrc_fd_read_full(int fd, const char *path, unsigned char *buf, size_t len,
                            size_t *got, nrc_error *err);

#endif
