/* libFuzzer harness for the safetensors reader (src/interop/safetensors.c,
 * spec/IMPORT.md): nrc_tensor_file_parse over the fuzzer's bytes, with the
 * checks of fuzz_tensor.h (status, message, empty on failure, tensors
 * inside the input, exact conversion against a reference, labels), and for
 * an accepted file a round trip through nrc_safetensors_write: the same
 * tensors come back. Built by tests/fuzz/fuzz.mk; included by
 * tests/t-fuzz_replay.c. */
#include "fuzz_tensor.h"

#define FUZZ_ST_NAME "fuzz.safetensors"

static nrc_status nrc_fuzz_safetensors(const uint8_t *data, size_t size)
{
    nrc_tensor_file F;
    nrc_status st;
    if (fuzz_tensor_parse(data, size, FUZZ_ST_NAME, &F, &st)) {
        if (strcmp(F.format, "safetensors") == 0) {
            unsigned char *buf = NULL;
            size_t len = 0;
            nrc_error err;
            nrc_status w = nrc_safetensors_write(F.t, F.count, NULL, &buf, &len, &err);
            fuzz_tensor_rewrite(&F, w, buf, len, &err);
        }
        nrc_tensor_file_clear(&F);
    }
    return st;
}

#ifdef NRC_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)nrc_fuzz_safetensors(data, size);
    return 0;
}
#endif
