/* Tensors read from other tools' files (spec/IMPORT.md): safetensors,
 * NumPy .npy and .npz. The readers validate everything before they
 * allocate anything the file's size does not justify; the converters turn
 * every supported dtype EXACTLY into binary64 (every F32, F16 and BF16
 * value is a binary64 value) and refuse NaN and infinities.
 *
 * Layer src/interop: sees include/core and include/interop only. */
#ifndef NRC_TENSOR_H
#define NRC_TENSOR_H
#include <stddef.h>
#include <stdint.h>
#include "nrc_sha256.h"
#include "nrc_status.h"

#define NRC_TENSOR_MAXDIM 8
/* The safetensors reference implementation refuses headers above 100 MB;
 * so do we (also for .npy headers, which NumPy keeps far smaller). */
#define NRC_TENSOR_HEADER_MAX 100000000u
/* At most this many tensors in one file (a bound on our bookkeeping). */
#define NRC_TENSOR_COUNT_MAX 65536u
/* Input files larger than this are refused before they are read (the
 * model file's own cap, spec/MODEL.md). */
#define NRC_TENSOR_FILE_MAX ((uint64_t)1 << 36)

typedef enum {
    NRC_DT_F64, NRC_DT_F32, NRC_DT_F16, NRC_DT_BF16, NRC_DT_BOOL,
    NRC_DT_I8, NRC_DT_U8, NRC_DT_I16, NRC_DT_U16, NRC_DT_I32, NRC_DT_U32,
    NRC_DT_I64, NRC_DT_U64, NRC_DT_COUNT
} nrc_dtype;

typedef struct nrc_tensor {
    char *name;                 /* owned, NUL-terminated ("" for a lone .npy) */
    nrc_dtype dtype;
    unsigned ndim;
    uint64_t shape[NRC_TENSOR_MAXDIM];
    uint64_t count;             /* product of the shape (1 when ndim == 0) */
    int fortran;                /* .npy fortran_order: column-major data */
    const unsigned char *data;  /* count * itemsize bytes, little-endian */
    unsigned char *own;         /* buffer this tensor owns (an .npz member) */
} nrc_tensor;

/* A file of named tensors. Tensors point into buf (safetensors, .npy) or
 * own their bytes (.npz members). */
typedef struct nrc_tensor_file {
    char *path;                 /* as given (messages) */
    const char *format;         /* "safetensors", "npy" or "npz" */
    unsigned char *buf;         /* the file image when read by us, else NULL */
    size_t len;
    unsigned char sha256[NRC_SHA256_SIZE];  /* of the whole file */
    nrc_tensor *t;
    size_t count;
} nrc_tensor_file;

/* ---- dtypes ---- */
const char *nrc_dtype_name(nrc_dtype t);   /* safetensors spelling: "F32" */
size_t nrc_dtype_size(nrc_dtype t);        /* bytes per element */
int nrc_dtype_is_float(nrc_dtype t);
/* Safetensors spelling to dtype; -1 when unknown or unsupported. */
int nrc_dtype_from_name(const char *s);

/* Exact binary64 value of an IEEE binary16 / bfloat16 / binary32 bit
 * pattern, by integer manipulation of the bits (independent of the FPU's
 * flush-to-zero modes). NaN and infinities map to NaN and infinities. */
double nrc_f16_to_f64(uint16_t h);
double nrc_bf16_to_f64(uint16_t h);
double nrc_f32_to_f64(uint32_t f);

/* ---- tensors and files ---- */
void nrc_tensor_file_init(nrc_tensor_file *F);
void nrc_tensor_file_clear(nrc_tensor_file *F);

/* Parse a file image (buf is borrowed and must outlive F's tensors): the
 * format is sniffed from the content ("\x93NUMPY": .npy, "PK\3\4" or
 * "PK\5\6": .npz, otherwise safetensors). fname names the file in
 * messages. NRC_ERR_INPUT for a bad file (message "FNAME: ..."),
 * NRC_ERR_SYSTEM when memory runs out. F must be initialized; on failure it
 * is left empty. */
nrc_status nrc_tensor_file_parse(const unsigned char *buf, size_t len, const char *fname,
                                 nrc_tensor_file *F, nrc_error *err);
/* Read a regular file (nrc_file_read_all, at most NRC_TENSOR_FILE_MAX
 * bytes), compute its SHA-256 and parse it. */
nrc_status nrc_tensor_file_read(const char *path, nrc_tensor_file *F, nrc_error *err);

/* The format readers behind nrc_tensor_file_parse. */
nrc_status nrc_safetensors_parse(const unsigned char *buf, size_t len, const char *fname,
                                 nrc_tensor_file *F, nrc_error *err);
/* One .npy image into T (T->data points into buf; T->name = tname copied).
 * where prefixes messages after fname (e.g. "member X.npy: "), may be "". */
nrc_status nrc_npy_parse(const unsigned char *buf, size_t len, const char *fname,
                         const char *where, const char *tname, nrc_tensor *T,
                         nrc_error *err);
nrc_status nrc_npz_parse(const unsigned char *buf, size_t len, const char *fname,
                         nrc_tensor_file *F, nrc_error *err);

/* The tensor named name, or NULL. */
const nrc_tensor *nrc_tensor_file_find(const nrc_tensor_file *F, const char *name);

/* Convert every element EXACTLY to binary64, in C (row-major) order
 * whatever the storage order. Floats: NaN and +-Inf are refused; integers
 * must be exactly representable (|v| <= 2^53); booleans must be 0 or 1.
 * NRC_ERR_INPUT: "FNAME: tensor NAME: element [i][j] (offset O) is NaN". */
nrc_status nrc_tensor_to_f64(const nrc_tensor *T, const char *fname, double *out,
                             nrc_error *err);
/* Labels: every element exactly +1 or -1 (floats or integers), or, when
 * zero_one is set, exactly 0 or 1 (floats, integers or booleans; 0 -> -1,
 * 1 -> +1). Anything else is NRC_ERR_INPUT naming the element. */
nrc_status nrc_tensor_labels(const nrc_tensor *T, const char *fname, int zero_one,
                             double *out, nrc_error *err);

/* "[3][7]" for the flat C-order index idx of a tensor of the given shape. */
void nrc_tensor_index_text(const nrc_tensor *T, uint64_t idx, char *out, size_t cap);
/* "[16, 50]" */
void nrc_tensor_shape_text(const nrc_tensor *T, char *out, size_t cap);

/* ---- writers (whole image in memory; free with nrc_free) ----
 * Tensors given to a writer: name, dtype, ndim, shape, count and data
 * (little-endian bytes); fortran must be 0. */
nrc_status nrc_npy_write(const nrc_tensor *T, unsigned char **buf, size_t *len,
                         nrc_error *err);
/* meta: NULL or a JSON object of string values (the __metadata__). */
nrc_status nrc_safetensors_write(const nrc_tensor *ts, size_t count, const char *meta_json,
                                 unsigned char **buf, size_t *len, nrc_error *err);
/* Members NAME.npy, stored (not compressed), fixed timestamps: the same
 * tensors give the same bytes. */
nrc_status nrc_npz_write(const nrc_tensor *ts, size_t count, unsigned char **buf,
                         size_t *len, nrc_error *err);

#endif
