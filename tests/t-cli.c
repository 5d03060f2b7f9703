/* The command-line plumbing shared by the programs (spec/CLI.md):
 * - nrc_tex_number: the decimal printed for --cite is the nearest 4-digit
 *   decimal on the stated side of x, checked exactly with GMP rationals on
 *   random binary64 values of every exponent (subnormals included) and on
 *   ties, carries and the ends of the range;
 * - nrc_cli_parse_real / nrc_cli_parse_u64: every finite positive binary64
 *   is accepted where allowed (subnormals too), and the messages say "not a
 *   number", "not finite", "too small", "out of range" as they should;
 * - nrc_path_same / nrc_paths_distinct: spellings, hard and symbolic links,
 *   paths that do not exist yet;
 * - nrc_file_sniff: model, certificate, examples file, other;
 * - nrc_files_write_atomic and nrc_output_check on every kind of path:
 *   new and existing regular files (permissions kept), a symbolic link (its
 *   target replaced, the link kept), a dangling link, a directory, private
 *   character devices (null: written through; full: ENOSPC, exit class 4)
 *   and a block device made with mknod (root only; never the real /dev
 *   nodes), a FIFO with and without a reader, a socket; two outputs where
 *   the second fails leave both pre-existing files as they were, with no
 *   temporary left. */
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <gmp.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "nrc_check_tex.h"
#include "nrc_cli.h"
#include "nrc_io.h"
#include "nrc_output.h"
#include "testlib.h"

static char dir[] = "/tmp/nrc-t-cli-XXXXXX";

static void path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

/* ------------------------------------------------------------ numbers */

/* The rational a LaTeX number of nrc_tex_number denotes; 0 on success. */
static int tex_to_mpq(const char *s, mpq_t q)
{
    int neg = 0, e10 = 0, frac = 0;
    mpz_t m, p;
    const char *t;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    mpz_init_set_ui(m, 0);
    if (strncmp(s, "10^{", 4) == 0) {
        mpz_set_ui(m, 1);
        e10 = atoi(s + 4);
    } else {
        int point = 0;
        for (t = s; (*t >= '0' && *t <= '9') || *t == '.'; t++) {
            if (*t == '.') {
                point = 1;
                continue;
            }
            mpz_mul_ui(m, m, 10);
            mpz_add_ui(m, m, (unsigned long)(*t - '0'));
            frac += point;
        }
        if (t == s) {
            mpz_clear(m);
            return -1;
        }
        if (strncmp(t, "\\times10^{", 10) == 0)
            e10 = atoi(t + 10);
        else if (*t)
            return mpz_clear(m), -1;
    }
    e10 -= frac;
    mpz_init(p);
    mpz_ui_pow_ui(p, 10, (unsigned long)abs(e10));
    mpq_set_z(q, m);
    if (e10 >= 0) {
        mpz_mul(mpq_numref(q), mpq_numref(q), p);
    } else {
        mpz_set(mpq_denref(q), p);
        mpq_canonicalize(q);
    }
    if (neg)
        mpq_neg(q, q);
    mpz_clear(m);
    mpz_clear(p);
    return 0;
}

/* Significant digits of the printed mantissa (4 at most): leading zeros,
 * and the trailing zeros of an integer, are not significant. */
static int tex_digits(const char *s)
{
    int n = 0, lead = 1, zeros = 0, point = 0;
    if (strncmp(s, "10^{", 4) == 0 || strncmp(s, "-10^{", 5) == 0)
        return 1;
    for (; *s && *s != '\\'; s++) {
        if (*s == '-')
            continue;
        if (*s == '.') {
            point = 1;
            continue;
        }
        if (*s < '0' || *s > '9')
            break;
        if (lead && *s == '0')
            continue;
        lead = 0;
        n++;
        zeros = *s == '0' ? zeros + 1 : 0;
    }
    return point ? n : n - zeros;
}

/* D = tex(x) is on the right side of x, and the 4-digit decimal one unit
 * of the 4th digit closer to x is on the wrong side (D is the nearest). */
static void check_tex_one(double x, int up)
{
    char buf[64];
    mpq_t q, xq, unit, other;
    long e;
    mpz_t p;
    nrc_tex_number(x, up, buf, sizeof buf);
    mpq_inits(q, xq, unit, other, NULL);
    if (tex_to_mpq(buf, q) != 0) {
        CHECK(0, "x = %a: unparsable output '%s'", x, buf);
        mpq_clears(q, xq, unit, other, NULL);
        return;
    }
    CHECK(tex_digits(buf) <= 4, "x = %a: more than 4 digits: %s", x, buf);
    mpq_set_d(xq, x);
    if (up)
        CHECK(mpq_cmp(q, xq) >= 0, "x = %a (%.17g) up: %s is below x", x, x, buf);
    else
        CHECK(mpq_cmp(q, xq) <= 0, "x = %a (%.17g) down: %s is above x", x, x, buf);
    /* unit = 10^(floor(log10 |D|) - 3) from |D|'s decimal exponent */
    {
        char sci[64];
        mpf_t f;
        mpf_init2(f, 256);
        mpf_set_q(f, q);
        mpf_abs(f, f);
        gmp_snprintf(sci, sizeof sci, "%.6Fe", f);
        e = strtol(strchr(sci, 'e') + 1, NULL, 10);
        mpf_clear(f);
    }
    mpz_init(p);
    mpz_ui_pow_ui(p, 10, (unsigned long)labs(e - 3));
    mpq_set_z(unit, p);
    if (e - 3 < 0)
        mpq_inv(unit, unit);
    /* the next 4-digit decimal towards x (at a power of ten going down, the
     * step below is a tenth: checking one unit is then weaker, still sound) */
    if ((up && mpq_sgn(q) > 0) || (!up && mpq_sgn(q) < 0)) {
        if (up)
            mpq_sub(other, q, unit);
        else
            mpq_add(other, q, unit);
        if (up)
            CHECK(mpq_cmp(other, xq) < 0, "x = %.17g up: %s is not the nearest", x, buf);
        else
            CHECK(mpq_cmp(other, xq) > 0, "x = %.17g down: %s is not the nearest", x, buf);
    }
    mpz_clear(p);
    mpq_clears(q, xq, unit, other, NULL);
}

static void tex_number_directed(void)
{
    static const double fixed[] = {1.0, 0.25, 0.001, 0.0009999, 9.9995, 9.9994999,
                                   99999.0, 99995.0, 1e5, 123456789.0, 0.3521,
                                   0.35214999, 1e-300, 4.9406564584124654e-324,
                                   2.2250738585072014e-308, DBL_MAX, 0.1, 1.0 / 3.0,
                                   1234.5, 0.00012345};
    uint64_t st = tl_seed();
    size_t i;
    long n = 20000 * tl_mult();
    char buf[64];
    for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        check_tex_one(fixed[i], 1);
        check_tex_one(fixed[i], 0);
        check_tex_one(-fixed[i], 1);
        check_tex_one(-fixed[i], 0);
    }
    for (long t = 0; t < n; t++) {
        uint64_t bits = tl_splitmix64(&st) & ~(UINT64_C(0x7ff) << 52);
        uint64_t ex = tl_splitmix64(&st) % 2047;   /* 0 (subnormal) .. 2046 */
        double x;
        bits |= ex << 52;
        memcpy(&x, &bits, sizeof x);
        if (x == 0.0)
            continue;
        check_tex_one(x, (int)(t & 1));
    }
    nrc_tex_number(0.25, 1, buf, sizeof buf);
    CHECK(strcmp(buf, "0.25") == 0, "0.25 -> %s", buf);
    nrc_tex_number(9.99951, 1, buf, sizeof buf);
    CHECK(strcmp(buf, "10") == 0, "9.99951 up -> %s", buf);
    nrc_tex_number(9.99951, 0, buf, sizeof buf);
    CHECK(strcmp(buf, "9.999") == 0, "9.99951 down -> %s", buf);
    nrc_tex_number(3.5214e-5, 1, buf, sizeof buf);
    CHECK(strcmp(buf, "3.522\\times10^{-5}") == 0, "3.5214e-5 up -> %s", buf);
    nrc_tex_number(1e-7, 0, buf, sizeof buf);
    CHECK(strcmp(buf, "9.999\\times10^{-8}") == 0, "1e-7 down -> %s (1e-7 is above its double)",
          buf);
    nrc_tex_number(0.0, 1, buf, sizeof buf);
    CHECK(strcmp(buf, "0") == 0, "0 -> %s", buf);
    nrc_tex_number(INFINITY, 1, buf, sizeof buf);
    CHECK(strcmp(buf, "\\infty") == 0, "inf -> %s", buf);
}

static void tex_text_escapes(void)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    REQUIRE(f != NULL, "open_memstream");
    nrc_tex_path(f, "a_b%c&d#e$f{g}h~i^j\\k--l\xc3\xa9\n");
    fclose(f);
    CHECK(strcmp(out, "a\\_\\allowbreak{}b\\%c\\&d\\#e\\$f\\{g\\}h\\textasciitilde{}i"
                      "\\textasciicircum{}j\\textbackslash{}k-{}\\allowbreak{}-{}\\allowbreak{}l?"
                      "?") == 0, "escaped: %s", out);
    free(out);
}

static void parse_real_every_positive_binary64(void)
{
    nrc_error e;
    double v = -1;
    CHECK(nrc_cli_parse_real("--lr", "1e-320", 0, DBL_MAX, NRC_REAL_ABOVE_LO, &v, &e) == NRC_OK &&
          v == strtod("1e-320", NULL), "1e-320: %s", e.msg);
    CHECK(nrc_cli_parse_real("--init-scale", "5e-324", 0, DBL_MAX, NRC_REAL_ABOVE_LO, &v, &e) ==
          NRC_OK && v == nextafter(0, 1), "5e-324: %s", e.msg);
    CHECK(nrc_cli_parse_real("--lr", "1.7976931348623157e308", 0, DBL_MAX, NRC_REAL_ABOVE_LO, &v,
                             &e) == NRC_OK && v == DBL_MAX, "DBL_MAX: %s", e.msg);
    CHECK(nrc_cli_parse_real("--lr", "0x1p-1074", 0, DBL_MAX, NRC_REAL_ABOVE_LO, &v, &e) ==
          NRC_OK && v == nextafter(0, 1), "hex: %s", e.msg);
    CHECK(nrc_cli_parse_real("--kink-tol", "-0", 0, 1, 0, &v, &e) == NRC_OK && v == 0 &&
          !signbit(v), "-0 is +0");
    CHECK(nrc_cli_parse_real("--kink-tol", "1", 0, 1, 0, &v, &e) == NRC_OK && v == 1, "hi closed");
}

static void parse_real_messages(void)
{
    static const struct {
        const char *s;
        double lo, hi;
        unsigned flags;
        const char *words;
    } bad[] = {
        {"1e-400", 0, DBL_MAX, NRC_REAL_ABOVE_LO, "1e-400 is too small: it rounds to 0"},
        {"2e-324", 0, DBL_MAX, NRC_REAL_ABOVE_LO, "is too small"},
        {"1e-400", 0, 1, 0, "is too small: it rounds to 0"},
        {"1e400", 0, DBL_MAX, NRC_REAL_ABOVE_LO, "1e400 is out of range"},
        {"0", 0, DBL_MAX, NRC_REAL_ABOVE_LO, "0 is too small: the value must be > 0"},
        {"-1", 0, DBL_MAX, NRC_REAL_ABOVE_LO, "-1 is too small"},
        {"2", 0, 1, 0, "2 is out of range: the value must be in [0, 1]"},
        {"inf", 0, DBL_MAX, NRC_REAL_ABOVE_LO, "'inf' is not finite"},
        {"-inf", 0, DBL_MAX, NRC_REAL_ABOVE_LO, "is not finite"},
        {"nan", 0, DBL_MAX, NRC_REAL_ABOVE_LO, "'nan' is not finite"},
        {"fast", 0, DBL_MAX, NRC_REAL_ABOVE_LO, "'fast' is not a number"},
        {"", 0, DBL_MAX, NRC_REAL_ABOVE_LO, "'' is not a number"},
        {" 1", 0, DBL_MAX, NRC_REAL_ABOVE_LO, "is not a number"},
        {"1 ", 0, DBL_MAX, NRC_REAL_ABOVE_LO, "is not a number"},
        {"1x", 0, DBL_MAX, NRC_REAL_ABOVE_LO, "is not a number"},
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nrc_error e;
        double v = 42;
        nrc_status s = nrc_cli_parse_real("--opt", bad[i].s, bad[i].lo, bad[i].hi, bad[i].flags,
                                          &v, &e);
        CHECK(s == NRC_ERR_USAGE && v == 42 && strstr(e.msg, "option --opt: ") &&
              strstr(e.msg, bad[i].words), "'%s': status %d, message \"%s\", want \"%s\"",
              bad[i].s, (int)s, s ? e.msg : "", bad[i].words);
    }
}

static void parse_u64_cases(void)
{
    nrc_error e;
    uint64_t v = 0;
    CHECK(nrc_cli_parse_u64("-n", "12", 1, 100, &v, &e) == NRC_OK && v == 12, "12");
    CHECK(nrc_cli_parse_u64("--seed", "18446744073709551615", 0, UINT64_MAX, &v, &e) == NRC_OK &&
          v == UINT64_MAX, "2^64-1");
    CHECK(nrc_cli_parse_u64("-n", "0", 1, 100, &v, &e) == NRC_ERR_USAGE &&
          strstr(e.msg, "0 is out of range [1, 100]"), "0: %s", e.msg);
    CHECK(nrc_cli_parse_u64("-n", "18446744073709551616", 1, UINT64_MAX, &v, &e) == NRC_ERR_USAGE &&
          strstr(e.msg, "out of range"), "2^64: %s", e.msg);
    CHECK(nrc_cli_parse_u64("-n", "-1", 0, 100, &v, &e) == NRC_ERR_USAGE &&
          strstr(e.msg, "not a non-negative integer"), "-1: %s", e.msg);
    CHECK(nrc_cli_parse_u64("-n", "+1", 0, 100, &v, &e) == NRC_ERR_USAGE, "+1");
    CHECK(nrc_cli_parse_u64("-n", "1e3", 0, 10000, &v, &e) == NRC_ERR_USAGE, "1e3");
    CHECK(nrc_cli_parse_u64("-n", "", 0, 100, &v, &e) == NRC_ERR_USAGE, "empty");
}

/* ------------------------------------------------------------ paths */

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static int file_is(const char *path, const char *text)
{
    char buf[256];
    FILE *f = fopen(path, "r");
    size_t n;
    if (!f)
        return 0;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strcmp(buf, text) == 0;
}

static void path_identity(void)
{
    char a[512], b[512], sub[512], l[512], dl[512], ln[512], cwd[1024];
    char rel[600];
    path_in(a, sizeof a, "same-a");
    path_in(b, sizeof b, "same-b");
    path_in(sub, sizeof sub, "same-sub");
    path_in(l, sizeof l, "same-link");
    path_in(dl, sizeof dl, "same-dangling");
    path_in(ln, sizeof ln, "same-sublink");
    REQUIRE(write_file(a, "a") == 0 && write_file(b, "b") == 0 && mkdir(sub, 0700) == 0,
            "setup");
    REQUIRE(symlink(a, l) == 0 && symlink("same-new", dl) == 0 && symlink(sub, ln) == 0,
            "symlinks");
    CHECK(nrc_path_same(a, a), "a a");
    CHECK(!nrc_path_same(a, b), "a b");
    snprintf(rel, sizeof rel, "%s/../same-a", sub);
    CHECK(nrc_path_same(a, rel), "a and %s", rel);
    CHECK(nrc_path_same(a, l), "a and a link to it");
    {
        char hl[512];
        path_in(hl, sizeof hl, "same-hard");
        REQUIRE(link(a, hl) == 0, "link");
        CHECK(nrc_path_same(a, hl), "hard link");
    }
    /* paths that do not exist: spelled differently, through a linked dir */
    {
        char n1[600], n2[600];
        snprintf(n1, sizeof n1, "%s/new.json", sub);
        snprintf(n2, sizeof n2, "%s//./new.json", ln);
        CHECK(nrc_path_same(n1, n2), "%s %s", n1, n2);
        CHECK(!nrc_path_same(n1, a), "new and existing");
    }
    /* a dangling link and the file it would create */
    {
        char target[600];
        path_in(target, sizeof target, "same-new");
        CHECK(nrc_path_same(dl, target), "dangling link and its target");
    }
    /* relative to the working directory */
    REQUIRE(getcwd(cwd, sizeof cwd) != NULL && chdir(dir) == 0, "chdir");
    CHECK(nrc_path_same("same-a", a), "relative existing");
    CHECK(nrc_path_same("new.bin", "./new.bin"), "relative new");
    CHECK(nrc_path_same("-", "-") && !nrc_path_same("-", "same-a"), "stdout");
    REQUIRE(chdir(cwd) == 0, "chdir back");
    {
        nrc_path_arg outs[2] = {{"-o", a}, {"--emit-examples", l}};
        nrc_path_arg in = {"MODEL", b};
        nrc_error e;
        CHECK(nrc_paths_distinct(outs, 2, &in, 1, &e) == NRC_ERR_USAGE &&
              strstr(e.msg, "-o ") && strstr(e.msg, "--emit-examples ") &&
              strstr(e.msg, "name the same file"), "two outputs: %s", e.msg);
        outs[1].path = b;
        CHECK(nrc_paths_distinct(outs + 1, 1, &in, 1, &e) == NRC_ERR_USAGE &&
              strstr(e.msg, "names the input MODEL"), "output = input: %s", e.msg);
        outs[1].path = sub;
        CHECK(nrc_paths_distinct(outs, 2, &in, 1, &e) == NRC_OK, "distinct");
    }
}

static void sniff_kinds(void)
{
    char p[512];
    path_in(p, sizeof p, "sniff-model");
    REQUIRE(write_file(p, "NRCMODEL\001\0\0\0") == 0, "write");
    CHECK(nrc_file_sniff(p) == NRC_KIND_MODEL, "model");
    path_in(p, sizeof p, "sniff-cert");
    REQUIRE(write_file(p, "\n {\n  \"format\": \"nrc-certificate\",\n") == 0, "write");
    CHECK(nrc_file_sniff(p) == NRC_KIND_CERT, "cert");
    path_in(p, sizeof p, "sniff-ex");
    REQUIRE(write_file(p, "{\"format\": \"nrc-examples\"}") == 0, "write");
    CHECK(nrc_file_sniff(p) == NRC_KIND_EXAMPLES, "examples");
    path_in(p, sizeof p, "sniff-other");
    REQUIRE(write_file(p, "[\"nrc-certificate\"]") == 0, "write");
    CHECK(nrc_file_sniff(p) == NRC_KIND_OTHER, "other");
    CHECK(nrc_file_sniff(dir) == NRC_KIND_OTHER, "directory");
    path_in(p, sizeof p, "sniff-fifo");
    REQUIRE(mkfifo(p, 0600) == 0, "mkfifo");
    CHECK(nrc_file_sniff(p) == NRC_KIND_OTHER, "fifo (and no hang)");
}

/* ------------------------------------------------------------ outputs */

/* No file in dir whose name contains ".tmp.". */
static int no_temporaries(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -q '\\.tmp\\.'", dir);
    return system(cmd) != 0;
}

static nrc_status write2(const char *p1, const char *t1, const char *p2, const char *t2,
                         nrc_error *e)
{
    nrc_output o[2] = {{p1, t1, strlen(t1)}, {p2, t2, t2 ? strlen(t2) : 0}};
    return nrc_files_write_atomic(o, p2 ? 2 : 1, e);
}

static void outputs_regular_and_links(void)
{
    char a[512], b[512], l[512], dl[512], missing[512];
    struct stat st;
    nrc_error e;
    path_in(a, sizeof a, "out-a");
    path_in(b, sizeof b, "out-b");
    path_in(l, sizeof l, "out-link");
    path_in(dl, sizeof dl, "out-dangling");
    path_in(missing, sizeof missing, "no-such-dir/out");
    /* new files */
    CHECK(write2(a, "A1", b, "B1", &e) == NRC_OK && file_is(a, "A1") && file_is(b, "B1"),
          "two new files: %s", e.msg);
    /* permissions of an existing file are kept */
    REQUIRE(chmod(a, 0600) == 0, "chmod");
    CHECK(write2(a, "A2", NULL, NULL, &e) == NRC_OK && file_is(a, "A2") && stat(a, &st) == 0 &&
          (st.st_mode & 0777) == 0600, "replace keeps 0600: mode %o", (unsigned)st.st_mode);
    /* the second output fails: neither pre-existing file changes */
    CHECK(write2(a, "A3", missing, "M", &e) == NRC_ERR_SYSTEM && strstr(e.msg, "no-such-dir") &&
          file_is(a, "A2"), "second fails: %s", e.msg);
    CHECK(write2(missing, "M", a, "A3", &e) == NRC_ERR_SYSTEM && file_is(a, "A2"),
          "first fails: %s", e.msg);
    CHECK(write2(a, "A3", dir, "D", &e) == NRC_ERR_SYSTEM && strstr(e.msg, "is a directory") &&
          file_is(a, "A2"), "directory: %s", e.msg);
    CHECK(write2(a, "A3", a, "A4", &e) == NRC_ERR_SYSTEM && strstr(e.msg, "same file") &&
          file_is(a, "A2"), "same path twice: %s", e.msg);
    /* a symbolic link: the target is replaced, the link stays */
    REQUIRE(symlink("out-b", l) == 0, "symlink");
    CHECK(write2(l, "B2", NULL, NULL, &e) == NRC_OK && file_is(b, "B2") && lstat(l, &st) == 0 &&
          S_ISLNK(st.st_mode), "link followed: %s", e.msg);
    CHECK(write2(a, "A3", l, "B3", &e) == NRC_OK && file_is(a, "A3") && file_is(b, "B3"),
          "link as second output: %s", e.msg);
    /* a dangling link is refused, its target not created */
    REQUIRE(symlink("out-nothing", dl) == 0, "symlink");
    CHECK(write2(a, "A4", dl, "X", &e) == NRC_ERR_SYSTEM && strstr(e.msg, "does not exist") &&
          file_is(a, "A3") && lstat(dl, &st) == 0 && S_ISLNK(st.st_mode),
          "dangling: %s", e.msg);
    CHECK(nrc_output_check(dl, &e) == NRC_ERR_SYSTEM, "check dangling");
    CHECK(nrc_output_check(missing, &e) == NRC_ERR_SYSTEM && strstr(e.msg, "no-such-dir"),
          "check missing dir: %s", e.msg);
    CHECK(nrc_output_check(a, &e) == NRC_OK && nrc_output_check(l, &e) == NRC_OK, "check ok");
    CHECK(nrc_output_check("", &e) == NRC_ERR_SYSTEM, "empty name");
    /* a link loop */
    {
        char l1[512], l2[512];
        path_in(l1, sizeof l1, "loop1");
        path_in(l2, sizeof l2, "loop2");
        REQUIRE(symlink("loop2", l1) == 0 && symlink("loop1", l2) == 0, "loop");
        CHECK(write2(l1, "X", NULL, NULL, &e) == NRC_ERR_SYSTEM && lstat(l1, &st) == 0 &&
              S_ISLNK(st.st_mode), "loop: %s", e.msg);
    }
    CHECK(no_temporaries(), "temporaries left");
}

static void outputs_devices_fifos_sockets(void)
{
    char nul[512], full[512], blk[512], fifo[512], sock[512], a[512];
    struct stat st;
    nrc_error e;
    path_in(a, sizeof a, "dev-a");
    path_in(nul, sizeof nul, "null");
    path_in(full, sizeof full, "full");
    path_in(blk, sizeof blk, "blk");
    path_in(fifo, sizeof fifo, "fifo");
    path_in(sock, sizeof sock, "sock");
    REQUIRE(write_file(a, "A0") == 0, "setup");
    if (geteuid() == 0 && mknod(nul, S_IFCHR | 0666, makedev(1, 3)) == 0 &&
        mknod(full, S_IFCHR | 0666, makedev(1, 7)) == 0 &&
        mknod(blk, S_IFBLK | 0600, makedev(7, 0)) == 0) {
        CHECK(write2(nul, "N", a, "A1", &e) == NRC_OK && stat(nul, &st) == 0 &&
              S_ISCHR(st.st_mode) && file_is(a, "A1"), "null written through: %s", e.msg);
        CHECK(write2(a, "A2", full, "F", &e) == NRC_ERR_SYSTEM &&
              strstr(e.msg, "No space left") && stat(full, &st) == 0 && S_ISCHR(st.st_mode) &&
              file_is(a, "A1"), "full: %s", e.msg);
        CHECK(write2(blk, "B", NULL, NULL, &e) == NRC_ERR_SYSTEM &&
              strstr(e.msg, "block device") && stat(blk, &st) == 0 && S_ISBLK(st.st_mode),
              "block device refused: %s", e.msg);
        CHECK(nrc_output_check(blk, &e) == NRC_ERR_SYSTEM && nrc_output_check(nul, &e) == NRC_OK,
              "check devices");
    } else {
        printf("     (not root or mknod refused: private device nodes not tested)\n");
    }
    /* FIFO without a reader: refused at once */
    REQUIRE(mkfifo(fifo, 0600) == 0, "mkfifo");
    alarm(20);
    CHECK(write2(fifo, "X", NULL, NULL, &e) == NRC_ERR_SYSTEM && strstr(e.msg, "no process reads")
          && stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode), "fifo without reader: %s", e.msg);
    /* FIFO with a reader: written through */
    {
        int pfd[2];
        pid_t pid;
        char got[64] = "";
        REQUIRE(pipe(pfd) == 0, "pipe");
        pid = fork();
        REQUIRE(pid >= 0, "fork");
        if (pid == 0) {
            int fd = open(fifo, O_RDONLY);
            ssize_t n = fd >= 0 ? read(fd, got, sizeof got - 1) : -1;
            if (write(pfd[1], got, n > 0 ? (size_t)n : 0) < 0)
                _exit(2);
            _exit(0);
        }
        close(pfd[1]);
        {
            int tries;
            nrc_status s = NRC_ERR_SYSTEM;
            for (tries = 0; tries < 100 && s != NRC_OK; tries++) {
                s = write2(fifo, "through the fifo", NULL, NULL, &e);
                if (s != NRC_OK)
                    usleep(20000);   /* the reader has not opened it yet */
            }
            CHECK(s == NRC_OK, "fifo with reader: %s", e.msg);
        }
        {
            ssize_t n = read(pfd[0], got, sizeof got - 1);
            got[n > 0 ? n : 0] = '\0';
        }
        close(pfd[0]);
        waitpid(pid, NULL, 0);
        CHECK(strcmp(got, "through the fifo") == 0, "reader got '%s'", got);
    }
    alarm(0);
    /* a socket */
    {
        struct sockaddr_un sa;
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        memset(&sa, 0, sizeof sa);
        sa.sun_family = AF_UNIX;
        REQUIRE(strlen(sock) < sizeof sa.sun_path, "socket path too long");
        memcpy(sa.sun_path, sock, strlen(sock) + 1);
        REQUIRE(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof sa) == 0, "socket");
        CHECK(write2(a, "A3", sock, "S", &e) == NRC_ERR_SYSTEM && strstr(e.msg, "socket") &&
              file_is(a, "A1") && stat(sock, &st) == 0 && S_ISSOCK(st.st_mode),
              "socket refused: %s", e.msg);
        close(s);
    }
    CHECK(no_temporaries(), "temporaries left");
}

int main(void)
{
    char cmd[600];
    if (!mkdtemp(dir)) {
        printf("FAIL setup: mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    RUN(tex_number_directed);
    RUN(tex_text_escapes);
    RUN(parse_real_every_positive_binary64);
    RUN(parse_real_messages);
    RUN(parse_u64_cases);
    RUN(path_identity);
    RUN(sniff_kinds);
    RUN(outputs_regular_and_links);
    RUN(outputs_devices_fifos_sockets);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("     could not remove %s\n", dir);
    return tl_exit();
}
