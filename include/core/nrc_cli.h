/* What every program of nrc (train, certify, nrc-check) shares on its
 * command line (spec/CLI.md): the version line, the exit-status table of
 * --help, the parsers of numeric option values, the identity of two path
 * arguments, and the kind of a file seen from its first bytes (for hints
 * when the arguments look swapped). Library code: never prints, never
 * exits; messages go to an nrc_error. */
#ifndef NRC_CLI_H
#define NRC_CLI_H
#include <stddef.h>
#include <stdint.h>
#include "nrc_status.h"

/* "0.1.0": the release (GNUmakefile VERSION). */
const char *nrc_version(void);

/* The git commit the programs were built from ("1a2b3c4", with "-dirty"
 * when tracked files differed from it), or NULL when not built from a git
 * checkout (GNUmakefile passes -DNRC_COMMIT to src/core/version.c only). */
const char *nrc_commit(void);

/* "PROG (nrc) 0.1.0 (commit 1a2b3c4)\n" (no commit part when unknown) into
 * buf; returns buf. */
char *nrc_version_line(const char *prog, char *buf, size_t size);

/* The exit-status table printed at the end of every program's --help, the
 * same text for train, certify and nrc-check (spec/CLI.md, README). */
extern const char nrc_cli_exit_table[];

/* Flags of nrc_cli_parse_real. */
enum {
    NRC_REAL_ABOVE_LO = 1   /* x > lo (default: x >= lo) */
};

/* Parse the value s of option opt as a finite binary64 x with
 * lo <= x <= hi (lo < x with NRC_REAL_ABOVE_LO), into *out. Accepts what
 * strtod reads entirely (decimal or C99 hex) except infinities and NaN and
 * leading blanks; a value that rounds to a subnormal is accepted (strtod's
 * ERANGE for it is not an error), -0 is stored as +0. NRC_ERR_USAGE with a
 * message naming opt and s: "is not a number", "is not finite", "is too
 * small" (a non-zero value that rounds to 0 in binary64, or below lo),
 * "is out of range" (beyond the largest binary64, or above hi). */
nrc_status nrc_cli_parse_real(const char *opt, const char *s, double lo, double hi,
                              unsigned flags, double *out, nrc_error *err);

/* Parse s as a plain decimal integer (digits only: no sign, no blanks, no
 * suffix) in [lo, hi] into *out. NRC_ERR_USAGE "is not a non-negative
 * integer" / "is out of range [lo, hi]" naming opt and s. */
nrc_status nrc_cli_parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi,
                             uint64_t *out, nrc_error *err);

/* A path argument and what the user called it ("-o", "--emit-examples",
 * "MODEL"), for messages. */
typedef struct {
    const char *what;
    const char *path;
} nrc_path_arg;

/* 1 when a and b name the same file: both "-" (stdout), or, when both
 * exist, the same device and inode (following symbolic links); otherwise
 * the same normalized absolute path (the final symbolic links resolved,
 * the existing directory part resolved by realpath, ".", ".." and repeated
 * slashes removed). */
int nrc_path_same(const char *a, const char *b);

/* Usage check of a program's file arguments, before any work: no two
 * outputs name the same file, and no output names an input (nrc_path_same).
 * NRC_ERR_USAGE naming both arguments, else NRC_OK. */
nrc_status nrc_paths_distinct(const nrc_path_arg *out, size_t n_out,
                              const nrc_path_arg *in, size_t n_in, nrc_error *err);

/* What a file looks like from its first bytes, for hints only (never a
 * validity decision): a model file (the magic "NRCMODEL"), a certificate or
 * an examples file (JSON text whose first 4 KiB hold the string
 * "nrc-certificate" / "nrc-examples"), or neither (also when unreadable or
 * not a regular file). */
typedef enum {
    NRC_KIND_OTHER = 0, NRC_KIND_MODEL, NRC_KIND_CERT, NRC_KIND_EXAMPLES
} nrc_file_kind;
nrc_file_kind nrc_file_sniff(const char *path);

#endif
