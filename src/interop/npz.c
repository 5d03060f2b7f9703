/* NumPy .npz reader and writer through libzip (spec/IMPORT.md "NumPy").
 *
 * An .npz is a zip archive whose members NAME.npy are .npy images
 * (np.savez: stored; np.savez_compressed: deflated). Zip bombs: libzip
 * reports each member's declared uncompressed size; we refuse a member
 * whose declared size exceeds what deflate can produce from the whole
 * archive (deflate's maximum ratio is 1032:1, RFC 1951: one 258-byte match
 * per 2 bits at best), counted cumulatively over the members, so that
 * overlapping members cannot multiply it either; we allocate only the
 * declared size and read one byte past it, so a member that inflates to
 * more than it declares is refused without storing the excess; libzip
 * checks each member's CRC-32 when the read reaches its end. */
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <zip.h>
#include "nrc_alloc.h"
#include "nrc_tensor.h"

#define NPZ_MEMBERS_MAX 4096u
#define DEFLATE_MAX_RATIO 1032u

static void free_tensors(nrc_tensor *t, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        nrc_free(t[i].name);
        nrc_free(t[i].own);
    }
    nrc_free(t);
}

/* Read member i entirely into a fresh buffer of its declared size. */
static nrc_status read_member(zip_t *za, zip_uint64_t i, const char *fname, const char *mname,
                              uint64_t size, unsigned char **out, nrc_error *err)
{
    zip_file_t *zf = zip_fopen_index(za, i, 0);
    unsigned char *p, extra;
    uint64_t have = 0;
    zip_int64_t r;
    *out = NULL;
    if (!zf)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: member %s: cannot open: %s", fname, mname,
                             zip_strerror(za));
    p = nrc_malloc((size_t)size);
    if (!p) {
        zip_fclose(zf);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: member %s: out of memory for %" PRIu64 " bytes",
                             fname, mname, size);
    }
    while (have < size) {
        r = zip_fread(zf, p + have, size - have);
        if (r <= 0)
            break;
        have += (uint64_t)r;
    }
    if (have == size)
        r = zip_fread(zf, &extra, 1);
    if (have != size || r != 0) {
        const char *why = r < 0 ? zip_error_strerror(zip_file_get_error(zf))
                        : have != size ? "shorter than its declared size"
                                       : "inflates to more than its declared size (zip bomb?)";
        nrc_status st = nrc_error_set(err, NRC_ERR_INPUT, "%s: member %s: %s (declared %" PRIu64 " bytes)",
                                      fname, mname, why, size);
        zip_fclose(zf);
        nrc_free(p);
        return st;
    }
    zip_fclose(zf);
    *out = p;
    return NRC_OK;
}

/* Member name NAME.npy -> tensor name NAME; checks it is new. */
static nrc_status member_name(const char *fname, const char *mname, const nrc_tensor *t, size_t n,
                              char **tname, nrc_error *err)
{
    size_t ml = strlen(mname), i;
    *tname = NULL;
    if (ml < 5 || strcmp(mname + ml - 4, ".npy") != 0)
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: member \"%s\" is not a .npy file (NAME.npy)",
                             fname, mname);
    for (i = 0; i < n; i++)
        if (strlen(t[i].name) == ml - 4 && memcmp(t[i].name, mname, ml - 4) == 0)
            return nrc_error_set(err, NRC_ERR_INPUT, "%s: member \"%s\" appears twice", fname, mname);
    *tname = nrc_malloc(ml - 3);
    if (!*tname)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory", fname);
    memcpy(*tname, mname, ml - 4);
    (*tname)[ml - 4] = '\0';
    return NRC_OK;
}

nrc_status nrc_npz_parse(const unsigned char *buf, size_t len, const char *fname,
                         nrc_tensor_file *F, nrc_error *err)
{
    zip_error_t ze;
    zip_source_t *src;
    zip_t *za;
    zip_int64_t ne;
    nrc_tensor *t = NULL;
    uint64_t budget = (uint64_t)len * DEFLATE_MAX_RATIO + 4096;
    size_t n = 0, i;
    nrc_status st = NRC_OK;
    zip_error_init(&ze);
    src = zip_source_buffer_create(buf, len, 0, &ze);
    if (!src) {
        zip_error_fini(&ze);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory (zip)", fname);
    }
    za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!za) {
        int code = zip_error_code_zip(&ze);
        st = nrc_error_set(err, code == ZIP_ER_MEMORY ? NRC_ERR_SYSTEM : NRC_ERR_INPUT,
                           "%s: not a valid .npz (zip) archive: %s", fname,
                           code == ZIP_ER_EXISTS ? "two members have the same name (a tensor name repeated)"
                                                 : zip_error_strerror(&ze));
        zip_source_free(src);
        zip_error_fini(&ze);
        return st;
    }
    zip_error_fini(&ze);
    ne = zip_get_num_entries(za, 0);
    if (ne < 0 || (uint64_t)ne > NPZ_MEMBERS_MAX) {
        zip_discard(za);
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: %" PRId64 " members, at most %u", fname,
                             (int64_t)ne, NPZ_MEMBERS_MAX);
    }
    t = nrc_calloc(ne ? (size_t)ne : 1, sizeof *t);
    if (!t) {
        zip_discard(za);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s: out of memory", fname);
    }
    for (i = 0; i < (size_t)ne; i++) {
        zip_stat_t sb;
        unsigned char *mem;
        char *tname;
        zip_stat_init(&sb);
        if (zip_stat_index(za, i, 0, &sb) != 0 || !(sb.valid & ZIP_STAT_NAME) ||
            !(sb.valid & ZIP_STAT_SIZE) || !(sb.valid & ZIP_STAT_COMP_METHOD)) {
            st = nrc_error_set(err, NRC_ERR_INPUT, "%s: member %zu: unreadable directory entry: %s",
                               fname, i, zip_strerror(za));
            break;
        }
        if ((st = member_name(fname, sb.name, t, n, &tname, err)) != NRC_OK)
            break;
        if (sb.comp_method != ZIP_CM_STORE && sb.comp_method != ZIP_CM_DEFLATE) {
            nrc_free(tname);
            st = nrc_error_set(err, NRC_ERR_INPUT,
                               "%s: member %s: compression method %u (only stored and deflated, as "
                               "np.savez and np.savez_compressed write)", fname, sb.name,
                               (unsigned)sb.comp_method);
            break;
        }
        if (sb.size > budget) {
            nrc_free(tname);
            st = nrc_error_set(err, NRC_ERR_INPUT,
                               "%s: member %s declares %" PRIu64 " uncompressed bytes, more than a "
                               "%zu-byte archive can hold (deflate inflates at most %ux): zip bomb or "
                               "corrupt", fname, sb.name, (uint64_t)sb.size, len, DEFLATE_MAX_RATIO);
            break;
        }
        budget -= sb.size;
        if ((st = read_member(za, i, fname, sb.name, sb.size, &mem, err)) != NRC_OK) {
            nrc_free(tname);
            break;
        }
        {
            char where[300];
            snprintf(where, sizeof where, "member %.256s: ", sb.name);
            st = nrc_npy_parse(mem, (size_t)sb.size, fname, where, tname, &t[n], err);
        }
        nrc_free(tname);
        if (st != NRC_OK) {
            nrc_free(mem);
            break;
        }
        t[n++].own = mem;
    }
    zip_discard(za);
    if (st != NRC_OK) {
        free_tensors(t, n);
        return st;
    }
    F->t = t;
    F->count = n;
    return NRC_OK;
}

/* ---- writer ---- */

/* 2000-01-01 12:00 UTC: a fixed member time (its DOS form is local time,
 * valid in every time zone) so that the same tensors give the same bytes
 * in one zone. */
#define NPZ_MTIME ((time_t)946728000)

static nrc_status zip_fail(zip_t *za, zip_source_t *src, unsigned char **bufs, size_t n,
                           nrc_error *err)
{
    size_t i;
    if (za)
        zip_discard(za);
    if (src)
        zip_source_free(src);
    for (i = 0; i < n; i++)
        nrc_free(bufs[i]);
    nrc_free(bufs);
    return nrc_error_set(err, NRC_ERR_SYSTEM, ".npz writer: libzip failed (out of memory?)");
}

nrc_status nrc_npz_write(const nrc_tensor *ts, size_t count, unsigned char **buf, size_t *len,
                         nrc_error *err)
{
    zip_error_t ze;
    zip_source_t *src;
    zip_t *za;
    unsigned char **bufs = nrc_calloc(count ? count : 1, sizeof *bufs), *out;
    size_t i, blen;
    zip_int64_t size;
    nrc_status st;
    *buf = NULL;
    *len = 0;
    if (!bufs)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (.npz)");
    zip_error_init(&ze);
    src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_error_fini(&ze);
    if (!src)
        return zip_fail(NULL, NULL, bufs, 0, err);
    zip_source_keep(src);
    za = zip_open_from_source(src, ZIP_TRUNCATE, NULL);
    if (!za) {
        /* zip_source_keep made two references; the failed open took none */
        zip_source_free(src);
        return zip_fail(NULL, src, bufs, 0, err);
    }
    for (i = 0; i < count; i++) {
        char name[1024];
        zip_source_t *m;
        zip_int64_t idx;
        if ((st = nrc_npy_write(&ts[i], &bufs[i], &blen, err)) != NRC_OK) {
            zip_discard(za);
            zip_source_free(src);
            while (i-- > 0)
                nrc_free(bufs[i]);
            nrc_free(bufs);
            return st;
        }
        snprintf(name, sizeof name, "%s.npy", ts[i].name);
        m = zip_source_buffer(za, bufs[i], blen, 0);
        if (!m)
            return zip_fail(za, src, bufs, i + 1, err);
        idx = zip_file_add(za, name, m, ZIP_FL_ENC_UTF_8);
        if (idx < 0) {
            zip_source_free(m);
            return zip_fail(za, src, bufs, i + 1, err);
        }
        if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0) != 0 ||
            zip_file_set_mtime(za, (zip_uint64_t)idx, NPZ_MTIME, 0) != 0)
            return zip_fail(za, src, bufs, i + 1, err);
    }
    if (zip_close(za) != 0)
        return zip_fail(za, src, bufs, count, err);
    for (i = 0; i < count; i++)
        nrc_free(bufs[i]);
    nrc_free(bufs);
    if (zip_source_open(src) != 0 || zip_source_seek(src, 0, SEEK_END) != 0 ||
        (size = zip_source_tell(src)) < 0 || zip_source_seek(src, 0, SEEK_SET) != 0) {
        zip_source_free(src);
        return nrc_error_set(err, NRC_ERR_SYSTEM, ".npz writer: libzip failed reading back the archive");
    }
    out = nrc_malloc((size_t)size);
    if (!out || zip_source_read(src, out, (zip_uint64_t)size) != size) {
        nrc_free(out);
        zip_source_close(src);
        zip_source_free(src);
        return nrc_error_set(err, NRC_ERR_SYSTEM, ".npz writer: out of memory or libzip failed");
    }
    zip_source_close(src);
    zip_source_free(src);
    *buf = out;
    *len = (size_t)size;
    return NRC_OK;
}
