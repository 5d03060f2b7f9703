/* Command-line plumbing shared by train, certify and nrc-check
 * (include/core/nrc_cli.h, spec/CLI.md). */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nrc_cli.h"
#include "nrc_io.h"

const char nrc_cli_exit_table[] =
"Exit status (the same for train, certify, nrc-check, sweep, import, export):\n"
"  0    success: the model was written (train), every requested claim is\n"
"       certified (certify), the certificate is valid (--check, nrc-check),\n"
"       every cell is certified and checked (sweep), the output was written\n"
"       (import, export)\n"
"  1    ran to completion with a negative answer: training diverged and no\n"
"       model was written (train), some claim is not certified (certify),\n"
"       a claim is false (--check, nrc-check), a cell failed or has\n"
"       undecided claims (sweep)\n"
"  2    usage error: unknown option, bad value, missing or extra argument,\n"
"       two outputs or an output and an input naming the same file\n"
"  3    invalid input file (model, certificate, sweep spec or directory,\n"
"       imported tensors, examples; the message names it)\n"
"  4    system error: out of memory, a file that cannot be read, an output\n"
"       that cannot be written (nothing is left under its name)\n"
"  5    internal error (a bug)\n"
"  130  interrupted by Ctrl-C (SIGINT: 128 + 2); no partial output file is\n"
"       left (sweep keeps the cells done; the same command resumes)\n";

char *nrc_version_line(const char *prog, char *buf, size_t size)
{
    const char *c = nrc_commit();
    if (c)
        snprintf(buf, size, "%s (nrc) %s (commit %s)\n", prog, nrc_version(), c);
    else
        snprintf(buf, size, "%s (nrc) %s\n", prog, nrc_version());
    return buf;
}

/* ---- numbers ---- */

/* "> 0", ">= 0", "in (0, 1]", "in [0, 1]" for messages. */
static void range_text(double lo, double hi, unsigned flags, char *buf, size_t size)
{
    int open_lo = (flags & NRC_REAL_ABOVE_LO) != 0;
    if (hi >= DBL_MAX)
        snprintf(buf, size, "%s %.17g", open_lo ? ">" : ">=", lo);
    else
        snprintf(buf, size, "in %c%.17g, %.17g]", open_lo ? '(' : '[', lo, hi);
}

nrc_status nrc_cli_parse_real(const char *opt, const char *s, double lo, double hi,
                              unsigned flags, double *out, nrc_error *err)
{
    char *end, range[96];
    double v;
    int e;
    if (!s || !*s || isspace((unsigned char)*s))
        return nrc_error_set(err, NRC_ERR_USAGE, "option %s: '%s' is not a number", opt,
                             s ? s : "");
    errno = 0;
    v = strtod(s, &end);
    e = errno;
    if (end == s || *end != '\0')
        return nrc_error_set(err, NRC_ERR_USAGE, "option %s: '%s' is not a number", opt, s);
    if (isnan(v) || (isinf(v) && e != ERANGE))
        return nrc_error_set(err, NRC_ERR_USAGE, "option %s: '%s' is not finite", opt, s);
    range_text(lo, hi, flags, range, sizeof range);
    if (isinf(v))   /* ERANGE overflow */
        return nrc_error_set(err, NRC_ERR_USAGE,
                             "option %s: %s is out of range: beyond the largest binary64 "
                             "(%.17g); the value must be %s", opt, s, DBL_MAX, range);
    if (v == 0.0 && e == ERANGE)   /* a non-zero value below half the smallest subnormal */
        return nrc_error_set(err, NRC_ERR_USAGE,
                             "option %s: %s is too small: it rounds to 0 in binary64 "
                             "(the smallest positive binary64 is %.17g); the value must be %s",
                             opt, s, nextafter(0.0, 1.0), range);
    /* ERANGE with a subnormal result: strtod rounded correctly; accepted. */
    if (v == 0.0)
        v = 0.0;   /* -0 is +0 */
    if ((flags & NRC_REAL_ABOVE_LO) ? !(v > lo) : !(v >= lo))
        return nrc_error_set(err, NRC_ERR_USAGE, "option %s: %s is too small: the value must be %s",
                             opt, s, range);
    if (v > hi)
        return nrc_error_set(err, NRC_ERR_USAGE, "option %s: %s is out of range: the value must be %s",
                             opt, s, range);
    *out = v;
    return NRC_OK;
}

nrc_status nrc_cli_parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi,
                             uint64_t *out, nrc_error *err)
{
    char *end;
    unsigned long long v;
    if (!s || !isdigit((unsigned char)*s))
        return nrc_error_set(err, NRC_ERR_USAGE, "option %s: '%s' is not a non-negative integer",
                             opt, s ? s : "");
    errno = 0;
    v = strtoull(s, &end, 10);
    if (*end != '\0')
        return nrc_error_set(err, NRC_ERR_USAGE, "option %s: '%s' is not a non-negative integer",
                             opt, s);
    if (errno == ERANGE || v < lo || v > hi)
        return nrc_error_set(err, NRC_ERR_USAGE, "option %s: %s is out of range [%llu, %llu]",
                             opt, s, (unsigned long long)lo, (unsigned long long)hi);
    *out = (uint64_t)v;
    return NRC_OK;
}

/* ---- path identity ---- */

#define NORM_MAX (2 * PATH_MAX)

/* Remove ".", ".." and repeated slashes from the absolute path p in place
 * (".." of the root is the root). */
static void lex_normalize(char *p)
{
    char *w = p;          /* write position: p[0 .. w) is normalized, w > p */
    const char *r = p;
    *w++ = '/';
    while (*r) {
        const char *c;
        size_t len;
        while (*r == '/')
            r++;
        c = r;
        while (*r && *r != '/')
            r++;
        len = (size_t)(r - c);
        if (len == 0 || (len == 1 && c[0] == '.'))
            continue;
        if (len == 2 && c[0] == '.' && c[1] == '.') {
            if (w > p + 1) {
                w--;                       /* the slash after the last component */
                while (w > p + 1 && w[-1] != '/')
                    w--;
            }
            continue;
        }
        memmove(w, c, len);
        w += len;
        *w++ = '/';
    }
    if (w > p + 1)
        w--;   /* no trailing slash */
    *w = '\0';
}

/* Normalized absolute form of path into out[NORM_MAX]: the final symbolic
 * links followed (at most 40), then the directory part resolved by realpath
 * when it exists, else normalized lexically. 0 on success. */
static int path_normalize(const char *path, char *out)
{
    char cur[NORM_MAX], link[PATH_MAX], dir[PATH_MAX];
    struct stat st;
    int hops;
    char *slash;
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof cur)
        return -1;
    memcpy(cur, path, len + 1);
    for (hops = 0; hops < 40 && lstat(cur, &st) == 0 && S_ISLNK(st.st_mode); hops++) {
        ssize_t n = readlink(cur, link, sizeof link - 1);
        if (n <= 0)
            break;
        link[n] = '\0';
        if (link[0] == '/') {
            memcpy(cur, link, (size_t)n + 1);
        } else {
            slash = strrchr(cur, '/');
            size_t keep = slash ? (size_t)(slash - cur) + 1 : 0;
            if (keep + (size_t)n + 1 > sizeof cur)
                return -1;
            memcpy(cur + keep, link, (size_t)n + 1);
        }
    }
    if (cur[0] != '/') {
        char tmp[NORM_MAX];
        if (!getcwd(tmp, PATH_MAX))
            return -1;
        len = strlen(tmp);
        if (len + 1 + strlen(cur) + 1 > sizeof tmp)
            return -1;
        tmp[len] = '/';
        strcpy(tmp + len + 1, cur);
        strcpy(cur, tmp);
    }
    lex_normalize(cur);
    slash = strrchr(cur, '/');
    if (slash && slash != cur) {
        *slash = '\0';
        if (realpath(cur, dir)) {
            size_t dl = strlen(dir), bl = strlen(slash + 1);
            if (dl + 1 + bl + 1 > NORM_MAX)
                return -1;
            memcpy(out, dir, dl);
            out[dl] = '/';
            memcpy(out + dl + 1, slash + 1, bl + 1);
            lex_normalize(out);
            return 0;
        }
        *slash = '/';
    }
    strcpy(out, cur);
    return 0;
}

int nrc_path_same(const char *a, const char *b)
{
    struct stat sa, sb;
    int ea, eb;
    char na[NORM_MAX], nb[NORM_MAX];
    if (strcmp(a, "-") == 0 || strcmp(b, "-") == 0)
        return strcmp(a, b) == 0;
    ea = stat(a, &sa) == 0;
    eb = stat(b, &sb) == 0;
    if (ea && eb)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (ea != eb)
        return 0;   /* one exists, the other does not: not the same file now */
    if (path_normalize(a, na) != 0 || path_normalize(b, nb) != 0)
        return strcmp(a, b) == 0;
    return strcmp(na, nb) == 0;
}

nrc_status nrc_paths_distinct(const nrc_path_arg *out, size_t n_out,
                              const nrc_path_arg *in, size_t n_in, nrc_error *err)
{
    size_t i, j;
    for (i = 0; i < n_out; i++) {
        for (j = 0; j < i; j++)
            if (nrc_path_same(out[j].path, out[i].path))
                return nrc_error_set(err, NRC_ERR_USAGE,
                                     "%s %s and %s %s name the same file: give each output "
                                     "its own path", out[j].what, out[j].path, out[i].what,
                                     out[i].path);
        for (j = 0; j < n_in; j++)
            if (nrc_path_same(out[i].path, in[j].path))
                return nrc_error_set(err, NRC_ERR_USAGE,
                                     "%s %s names the input %s %s: refusing to overwrite an "
                                     "input; choose another output path", out[i].what,
                                     out[i].path, in[j].what, in[j].path);
    }
    return NRC_OK;
}

/* ---- file kinds ---- */

nrc_file_kind nrc_file_sniff(const char *path)
{
    unsigned char buf[4097];
    size_t got = 0, i;
    uint64_t size;
    int fd;
    if (nrc_file_open_regular(path, &fd, &size, NULL) != NRC_OK)
        return NRC_KIND_OTHER;
    (void)size;
    nrc_fd_read_full(fd, path, buf, sizeof buf - 1, &got, NULL);
    close(fd);
    buf[got] = '\0';
    if (got >= 8 && memcmp(buf, "NRCMODEL", 8) == 0)
        return NRC_KIND_MODEL;
    for (i = 0; i < got && isspace(buf[i]); i++)
        ;
    if (i == got || buf[i] != '{' || memchr(buf, '\0', got))
        return NRC_KIND_OTHER;
    if (strstr((const char *)buf, "\"nrc-certificate\""))
        return NRC_KIND_CERT;
    if (strstr((const char *)buf, "\"nrc-examples\""))
        return NRC_KIND_EXAMPLES;
    return NRC_KIND_OTHER;
}
