/* SHA-256 (nettle) and hex helpers. */
#ifndef NRC_SHA256_H
#define NRC_SHA256_H
#include <stddef.h>

#define NRC_SHA256_SIZE 32
void nrc_sha256(const void *data, size_t len, unsigned char out[NRC_SHA256_SIZE]);
/* out must hold 2*len + 1 bytes; lower-case hex, NUL-terminated. */
void nrc_hex(const unsigned char *data, size_t len, char *out);

#endif
