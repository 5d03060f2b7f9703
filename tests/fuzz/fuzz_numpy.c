/* libFuzzer harness for the NumPy readers (src/interop/npy.c, npz.c through
 * libzip; spec/IMPORT.md): nrc_tensor_file_parse over the fuzzer's bytes
 * (.npy or .npz by the magic), with the checks of fuzz_tensor.h, and for an
 * accepted file in C order a round trip through nrc_npy_write /
 * nrc_npz_write: the same tensors come back. Built by tests/fuzz/fuzz.mk;
 * included by tests/t-fuzz_replay.c. */
#include "fuzz_tensor.h"

#define FUZZ_NP_NAME "fuzz.npz"

static nrc_status nrc_fuzz_numpy(const uint8_t *data, size_t size)
{
    nrc_tensor_file F;
    nrc_status st;
    if (fuzz_tensor_parse(data, size, FUZZ_NP_NAME, &F, &st)) {
        int npy = strcmp(F.format, "npy") == 0, plain = npy || strcmp(F.format, "npz") == 0;
        size_t i;
        for (i = 0; i < F.count; i++)
            if ((F.t[i].fortran && F.t[i].ndim > 1) || strlen(F.t[i].name) > 1000)
                plain = 0;
        if (plain) {
            unsigned char *buf = NULL;
            size_t len = 0;
            nrc_error err;
            nrc_status w = npy ? nrc_npy_write(&F.t[0], &buf, &len, &err)
                               : nrc_npz_write(F.t, F.count, &buf, &len, &err);
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
    (void)nrc_fuzz_numpy(data, size);
    return 0;
}
#endif
