/* Files of named tensors: reading, format sniffing, lookup
 * (include/interop/nrc_tensor.h). */
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_io.h"
#include "nrc_tensor.h"

void nrc_tensor_file_init(nrc_tensor_file *F)
{
    memset(F, 0, sizeof *F);
    F->format = "";
}

void nrc_tensor_file_clear(nrc_tensor_file *F)
{
    size_t i;
    for (i = 0; i < F->count; i++) {
        nrc_free(F->t[i].name);
        nrc_free(F->t[i].own);
    }
    nrc_free(F->t);
    nrc_free(F->buf);
    nrc_free(F->path);
    nrc_tensor_file_init(F);
}

nrc_status nrc_tensor_file_parse(const unsigned char *buf, size_t len, const char *fname,
                                 nrc_tensor_file *F, nrc_error *err)
{
    nrc_status st;
    if (len >= 6 && memcmp(buf, "\x93NUMPY", 6) == 0) {
        F->t = nrc_calloc(1, sizeof *F->t);
        if (!F->t)
            return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory", fname);
        st = nrc_npy_parse(buf, len, fname, "", "", &F->t[0], err);
        if (st != NRC_OK) {
            nrc_free(F->t);
            F->t = NULL;
            return st;
        }
        F->count = 1;
        F->format = "npy";
        return NRC_OK;
    }
    if (len >= 4 && (memcmp(buf, "PK\3\4", 4) == 0 || memcmp(buf, "PK\5\6", 4) == 0)) {
        st = nrc_npz_parse(buf, len, fname, F, err);
        if (st == NRC_OK)
            F->format = "npz";
        return st;
    }
    st = nrc_safetensors_parse(buf, len, fname, F, err);
    if (st == NRC_OK)
        F->format = "safetensors";
    return st;
}

nrc_status nrc_tensor_file_read(const char *path, nrc_tensor_file *F, nrc_error *err)
{
    unsigned char *buf;
    size_t len, plen = strlen(path);
    nrc_status st = nrc_file_read_all(path, (size_t)NRC_TENSOR_FILE_MAX, &buf, &len, err);
    if (st != NRC_OK)
        return st;
    st = nrc_tensor_file_parse(buf, len, path, F, err);
    if (st != NRC_OK) {
        nrc_free(buf);
        return st;
    }
    F->path = nrc_malloc(plen + 1);
    if (!F->path) {
        nrc_free(buf);
        nrc_tensor_file_clear(F);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory", path);
    }
    memcpy(F->path, path, plen + 1);
    F->buf = buf;
    F->len = len;
    nrc_sha256(buf, len, F->sha256);
    return NRC_OK;
}

const nrc_tensor *nrc_tensor_file_find(const nrc_tensor_file *F, const char *name)
{
    size_t i;
    for (i = 0; i < F->count; i++)
        if (strcmp(F->t[i].name, name) == 0)
            return &F->t[i];
    return NULL;
}
