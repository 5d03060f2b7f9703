/* Status codes, error messages and three-valued truth shared by the whole
 * library.  The library never prints and never exits: every fallible function
 * returns an nrc_status and, on failure, fills an nrc_error with a message
 * that names the file and what is wrong.  The numeric values are the exit
 * codes of FORMATS.md, so a program can return them directly. */
#ifndef NRC_STATUS_H
#define NRC_STATUS_H

typedef enum {
    NRC_OK = 0,
    NRC_ERR_USAGE = 2,    /* bad options or arguments */
    NRC_ERR_INPUT = 3,    /* invalid input file (model, certificate) */
    NRC_ERR_SYSTEM = 4,   /* memory, I/O */
    NRC_ERR_INTERNAL = 5  /* a bug: an invariant did not hold */
} nrc_status;

/* Mathematical decisions are three-valued (FLINT's truth_t). Failure of any
 * kind (overflow, exhausted precision, error) is NRC_UNKNOWN, never TRUE. */
typedef enum { NRC_FALSE = 0, NRC_TRUE = 1, NRC_UNKNOWN = 2 } nrc_truth;

#define NRC_ERROR_MSG_MAX 1024
typedef struct {
    char msg[NRC_ERROR_MSG_MAX];
} nrc_error;

/* printf-style; err may be NULL (then nothing is recorded). Returns status so
 * that callers can write `return nrc_error_set(err, NRC_ERR_INPUT, ...)`. */
nrc_status nrc_error_set(nrc_error *err, nrc_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix an existing message with "prefix: " (e.g. the file name). */
void nrc_error_prefix(nrc_error *err, const char *prefix);

#endif
