/* SHA-256 from nettle (include/core/nrc_sha256.h). */
#include <nettle/sha2.h>
#include "nrc_sha256.h"

void nrc_sha256(const void *data, size_t len, unsigned char out[NRC_SHA256_SIZE])
{
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, len, (const uint8_t *)data);
    sha256_digest(&ctx, NRC_SHA256_SIZE, out);
}

void nrc_hex(const unsigned char *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = '\0';
}
