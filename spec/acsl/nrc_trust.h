/* Contracts for project functions that the proved files call but that are
 * not themselves proved (make proofs passes this file to Frama-C with
 * -include; the compiler never sees it). TRUST BASE, with ext/ (external
 * libraries) and Frama-C's own libc specifications: listed in
 * proofs/README.md. Each contract is the least the callers rely on. */
#ifndef NRC_ACSL_TRUST_H
#define NRC_ACSL_TRUST_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>   /* Frama-C libc: valid_read_string */
#include "nrc_status.h"
#include "nrc_alloc.h"
#include "nrc_sha256.h"

/* src/core/status.c: formats into err->msg (vsnprintf, truncating). Only the
 * message buffer is written; the status is passed through. */
/* fmt is always a string literal whose conversions the compiler checks
 * (format attribute, -Wformat -Werror); WP cannot establish
 * valid_read_string of a literal, so only its first byte is required here
 * and the %s arguments (file and field names) are trusted to be strings. */
/*@ requires err == \null || \valid(err);
    requires \valid_read(fmt);
    assigns err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
    ensures \result == status;
*/
nrc_status nrc_error_set(nrc_error *err, nrc_status status, const char *fmt, ...);

/*@ requires err == \null || \valid(err);
    requires valid_read_string(prefix);
    assigns err->msg[0 .. NRC_ERROR_MSG_MAX - 1];
*/
void nrc_error_prefix(nrc_error *err, const char *prefix);

/* src/core/sha256.c over nettle: reads len bytes, writes the 32-byte digest. */
/*@ requires len == 0 || \valid_read((const char *)data + (0 .. len - 1));
    requires \valid(out + (0 .. NRC_SHA256_SIZE - 1));
    requires \separated((const char *)data + (0 .. len - 1), out + (0 .. NRC_SHA256_SIZE - 1));
    assigns out[0 .. NRC_SHA256_SIZE - 1] \from ((const char *)data)[0 .. len - 1];
*/
void nrc_sha256(const void *data, size_t len, unsigned char out[NRC_SHA256_SIZE]);

/*@ requires \valid_read(data + (0 .. len - 1));
    requires \valid(out + (0 .. 2 * len));
    assigns out[0 .. 2 * len] \from data[0 .. len - 1];
*/
void nrc_hex(const unsigned char *data, size_t len, char *out);

/* Byte-string functions of the C library, as the proved files use them.
 * Frama-C's own libc contracts for these also require \initialized and
 * \dangling properties, which WP does not implement (Frama-C 25), so the
 * calls are redirected (for Frama-C only) to these declarations, whose
 * contracts state bounds, separation and the result. */
/*@ requires valid_s1: \valid_read((const unsigned char *)s1 + (0 .. n - 1));
    requires valid_s2: \valid_read((const unsigned char *)s2 + (0 .. n - 1));
    assigns \result \from ((const unsigned char *)s1)[0 .. n - 1],
                          ((const unsigned char *)s2)[0 .. n - 1];
    ensures equal: \result == 0 <==> \forall integer i; 0 <= i < n ==>
        ((const unsigned char *)s1)[i] == ((const unsigned char *)s2)[i];
*/
int nrc_acsl_memcmp(const void *s1, const void *s2, size_t n);
#define memcmp nrc_acsl_memcmp

/*@ requires valid_dest: \valid((unsigned char *)dest + (0 .. n - 1));
    requires valid_src: \valid_read((const unsigned char *)src + (0 .. n - 1));
    requires separation: \separated((unsigned char *)dest + (0 .. n - 1),
                                    (const unsigned char *)src + (0 .. n - 1));
    assigns ((unsigned char *)dest)[0 .. n - 1] \from ((const unsigned char *)src)[0 .. n - 1];
    assigns \result \from dest;
    ensures copied: \forall integer i; 0 <= i < n ==>
        ((unsigned char *)dest)[i] == ((const unsigned char *)src)[i];
    ensures \result == dest;
*/
void *nrc_acsl_memcpy(void *dest, const void *src, size_t n);
#define memcpy nrc_acsl_memcpy

/* snprintf, as the proved files use it: a message into a local buffer of
 * n bytes, from a literal format whose conversions the compiler checks. */
/*@ requires valid_s: \valid(s + (0 .. n - 1));
    requires valid_format: \valid_read(format);
    assigns s[0 .. n - 1];
    assigns \result \from n;
*/
int nrc_acsl_snprintf(char *s, size_t n, const char *format, ...);
#define snprintf nrc_acsl_snprintf

#endif
