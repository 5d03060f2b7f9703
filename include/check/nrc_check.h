/* The independent exact checker: `certify --check CERT MODEL` and
 * `certify --cite CERT`.  It shares only the file readers (src/core) with the
 * rest of the program and has its own exact arithmetic (src/check). */
#ifndef NRC_CHECK_H
#define NRC_CHECK_H

/* Entry point used by bin/certify when its arguments contain --check or
 * --cite. argv is the full argument vector of the program. Returns the exit
 * code of FORMATS.md (0 valid, 1 a claim is false, 2 usage, 3 malformed
 * certificate or model, 4 system error, 5 internal error). Prints to stdout
 * and stderr itself (it is program code, not library code). */
int nrc_check_cli(int argc, char **argv);

/* Entry point of bin/nrc-check: the same code as nrc_check_cli; two operands
 * without --check or --cite mean --check (nrc-check CERT MODEL). */
int nrc_check_main(int argc, char **argv);

#endif
