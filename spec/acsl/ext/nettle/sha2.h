/* Stand-in for <nettle/sha2.h> seen only by Frama-C (make proofs).
 * TRUST BASE: the SHA-256 of nettle is assumed correct and memory safe under
 * these contracts (it reads exactly the given bytes, writes only its context
 * and the requested digest bytes). */
#ifndef NRC_ACSL_EXT_NETTLE_SHA2_H
#define NRC_ACSL_EXT_NETTLE_SHA2_H
#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
struct sha256_ctx {
    uint32_t state[8];
    uint64_t count;
    unsigned int index;
    uint8_t block[64];
};

/*@ requires \valid(ctx); assigns *ctx; */
void sha256_init(struct sha256_ctx *ctx);

/*@ requires \valid(ctx);
    requires length == 0 || \valid_read(data + (0 .. length - 1));
    assigns *ctx \from *ctx, data[0 .. length - 1];
*/
void sha256_update(struct sha256_ctx *ctx, size_t length, const uint8_t *data);

/*@ requires \valid(ctx);
    requires 0 < length <= SHA256_DIGEST_SIZE && \valid(digest + (0 .. length - 1));
    assigns *ctx, digest[0 .. length - 1] \from *ctx;
*/
void sha256_digest(struct sha256_ctx *ctx, size_t length, uint8_t *digest);

#endif
