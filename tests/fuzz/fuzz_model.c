/* libFuzzer harness for the model reader: nrc_model_parse over the fuzzer's
 * bytes (include/core/nrc_model.h, spec/MODEL.md).
 *
 * Each input is parsed twice: as given, and (when it is long enough to hold
 * a header and a checksum) with its last 32 bytes replaced by the SHA-256 of
 * the rest, so that mutations get past the checksum to the content checks
 * instead of all dying at "checksum mismatch".  For every parse:
 *   - the status is NRC_OK, NRC_ERR_INPUT or NRC_ERR_SYSTEM (never anything
 *     else), and a failure message starts with the file name;
 *   - on failure the model is untouched (still empty);
 *   - on success the file is canonical: serialize(parse(file)) == file byte
 *     for byte, and file_sha256 is the SHA-256 of the input.
 * Built by tests/fuzz/fuzz.mk with clang -fsanitize=fuzzer,address,undefined
 * (NRC_FUZZ_LIBFUZZER defined), and included by tests/t-fuzz_replay.c. */
#include <stdint.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_model.h"
#include "nrc_sha256.h"
#include "fuzz_common.h"

#define FUZZ_MODEL_NAME "fuzz.bin"

static nrc_status fuzz_model_parse_checked(const uint8_t *buf, size_t len)
{
    nrc_model M;
    nrc_error err;
    nrc_status st;
    err.msg[0] = '\0';
    nrc_model_init(&M);
    st = nrc_model_parse(buf, len, FUZZ_MODEL_NAME, &M, &err);
    if (st != NRC_OK) {
        FUZZ_ASSERT(st == NRC_ERR_INPUT || st == NRC_ERR_SYSTEM,
                    "nrc_model_parse returned status %d (%s)", (int)st, err.msg);
        FUZZ_ASSERT(strncmp(err.msg, FUZZ_MODEL_NAME ": ", strlen(FUZZ_MODEL_NAME) + 2) == 0,
                    "message does not start with the file name: \"%s\"", err.msg);
        FUZZ_ASSERT(!M.W && !M.b && !M.v && !M.X && !M.y && !M.Xt && !M.yt && !M.meta,
                    "model not left untouched after a failed parse (%s)", err.msg);
    } else {
        unsigned char *out = NULL, sha[NRC_SHA256_SIZE];
        size_t olen = 0;
        nrc_status s2;
        nrc_sha256(buf, len, sha);
        FUZZ_ASSERT(memcmp(sha, M.file_sha256, NRC_SHA256_SIZE) == 0,
                    "file_sha256 is not the SHA-256 of the input");
        FUZZ_ASSERT(M.n >= 1 && M.d >= 1 && M.k >= 1 && M.W && M.v && M.X && M.y && M.meta,
                    "accepted model with a missing part");
        s2 = nrc_model_serialize(&M, &out, &olen, &err);
        FUZZ_ASSERT(s2 == NRC_OK || s2 == NRC_ERR_SYSTEM,
                    "an accepted model does not serialize: %s", err.msg);
        if (s2 == NRC_OK) {
            FUZZ_ASSERT(olen == len && memcmp(out, buf, len) == 0,
                        "accepted file is not canonical (serialize gives %zu bytes, input %zu)",
                        olen, len);
            nrc_free(out);
        }
    }
    nrc_model_clear(&M);
    return st;
}

/* Returns the status of the parse of the input as given. */
static nrc_status nrc_fuzz_model(const uint8_t *data, size_t size)
{
    nrc_status st = fuzz_model_parse_checked(data, size);
    if (size >= NRC_MODEL_HEADER_SIZE + NRC_SHA256_SIZE) {
        uint8_t *copy = malloc(size);
        FUZZ_ASSERT(copy != NULL, "harness out of memory");
        memcpy(copy, data, size);
        nrc_sha256(copy, size - NRC_SHA256_SIZE, copy + size - NRC_SHA256_SIZE);
        if (memcmp(copy, data, size) != 0)
            (void)fuzz_model_parse_checked(copy, size);
        free(copy);
    }
    return st;
}

#ifdef NRC_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)nrc_fuzz_model(data, size);
    return 0;
}
#endif
