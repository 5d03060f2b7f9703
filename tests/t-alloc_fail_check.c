/* Allocation failure along read -> check: `certify --check CERT MODEL` and
 * `certify --cite CERT`, run in-process through nrc_check_cli (the code
 * bin/certify runs), with the k-th allocation made to fail for EVERY k up to
 * the number of allocations of a successful run (nrc_alloc_fail_at; SQLite's
 * discipline).  Each run must either
 *   - return exit code 4 (system error) and print a "certify: error: ..."
 *     line naming the failure on stderr, and nothing on stdout; or
 *   - succeed with exactly the output of a run without injection (the
 *     checker has optional allocations, e.g. the radix-2^52 digit copy of an
 *     exact vector, whose failure only selects the slower kernel);
 * and in both cases
 *   - leak nothing: the bytes in use (glibc mallinfo2) are the same before
 *     and after the failed run.  The program re-executes itself with glibc's
 *     per-thread cache off (GLIBC_TUNABLES=glibc.malloc.tcache_count=0):
 *     freed chunks parked in the tcache count as in use and would make the
 *     comparison noisy.  In the SANITIZE=1 build, where mallinfo is not the
 *     allocator's, LeakSanitizer checks the same at exit;
 * and the run with k = count + 1 succeeds again.  Inputs: the committed
 * seed corpus (tests/fuzz/corpus/), a certificate for each of the fuzz
 * harness's models A and B (B: biases, fixed second layer, a kink), and a
 * certificate with min_flip claims and its companion file, written by
 * $BIN/certify --min-flip for a small model from $BIN/train.
 * Allocations made by jansson and GMP do not go through nrc_malloc and are
 * not injected here (GMP aborts on exhaustion by design). */
#include <fcntl.h>
#include <malloc.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_check.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_MALLINFO_CHECK 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_MALLINFO_CHECK 0
#endif
#endif
#ifndef HAVE_MALLINFO_CHECK
#define HAVE_MALLINFO_CHECK 1
#endif

#define CORPUS "tests/fuzz/corpus/"

typedef struct {
    int rc;                  /* exit code, or 128 + signal */
    long leaked;             /* bytes in use after minus before */
    unsigned long count;     /* nrc allocations made by the run */
    char out[4096], err[4096];
} run_result;

static void slurp(int fd, char *buf, size_t size)
{
    ssize_t r;
    size_t have = 0;
    lseek(fd, 0, SEEK_SET);
    while (have + 1 < size && (r = read(fd, buf + have, size - 1 - have)) > 0)
        have += (size_t)r;
    buf[have] = '\0';
}

static size_t in_use(void)
{
#if HAVE_MALLINFO_CHECK
    return mallinfo2().uordblks;
#else
    return 0;
#endif
}

/* Run nrc_check_cli with the k-th allocation failing (k = 0: none) in a
 * forked child, so that a crash is reported as a failure of this k and the
 * other k still run; stdout and stderr are captured.  In the SANITIZE=1
 * build, LeakSanitizer runs at the child's exit (a leak makes its exit code
 * 23). */
static void run_child(int argc, char **argv, unsigned long k, run_result *res)
{
    char po[] = "/tmp/nrc-allocfail-out.XXXXXX", pe[] = "/tmp/nrc-allocfail-err.XXXXXX";
    int fo = mkstemp(po), fe = mkstemp(pe), pfd[2], status;
    long msg[2] = {0, 0};
    pid_t pid;
    if (fo < 0 || fe < 0 || pipe(pfd) != 0) {
        perror("mkstemp/pipe");
        exit(2);
    }
    unlink(po);
    unlink(pe);
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        size_t before, after;
        int rc;
        close(pfd[0]);
        dup2(fo, 1);
        dup2(fe, 2);
        nrc_alloc_fail_at(k);
        before = in_use();
        rc = nrc_check_cli(argc, argv);
        fflush(stdout);
        fflush(stderr);
        msg[1] = (long)nrc_alloc_count();
        nrc_alloc_fail_at(0);
        after = in_use();
        msg[0] = (long)after - (long)before;
        if (write(pfd[1], msg, sizeof msg) != (ssize_t)sizeof msg)
            rc = 99;
        close(pfd[1]);
        exit(rc);
    }
    close(pfd[1]);
    if (read(pfd[0], msg, sizeof msg) != (ssize_t)sizeof msg)
        msg[0] = msg[1] = 0;
    close(pfd[0]);
    waitpid(pid, &status, 0);
    res->rc = WIFEXITED(status) ? WEXITSTATUS(status)
            : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
    res->leaked = msg[0];
    res->count = (unsigned long)msg[1];
    slurp(fo, res->out, sizeof res->out);
    slurp(fe, res->err, sizeof res->err);
    close(fo);
    close(fe);
}

/* Remove the timings "(0.001 s)" so that two runs' outputs compare. */
static void strip_time(char *s)
{
    char *p = s, *q;
    while ((p = strchr(p, '(')) != NULL) {
        q = p + 1;
        while ((*q >= '0' && *q <= '9') || *q == '.')
            q++;
        if (q > p + 1 && strncmp(q, " s)", 3) == 0)
            memmove(p, q + 3, strlen(q + 3) + 1);
        else
            p++;
    }
}

/* Every k from 1 to the allocation count of a successful run. */
static void every_k(int argc, char **argv, const char *what)
{
    run_result res;
    static char clean_out[4096];
    unsigned long count, k, failed_ok = 0, tolerated = 0;
    run_child(argc, argv, 0, &res);
    count = res.count;
    REQUIRE(res.rc == 0 && count > 0,
            "%s: the run without injected failure gives exit %d after %lu allocations: %s", what,
            res.rc, count, res.err);
    printf("%s: %lu allocations in a successful run\n", what, count);
    snprintf(clean_out, sizeof clean_out, "%s", res.out);
    strip_time(clean_out);
    for (k = 1; k <= count; k++) {
        run_child(argc, argv, k, &res);
        if (res.rc == 0) {
            strip_time(res.out);
            CHECK(strcmp(res.out, clean_out) == 0 && res.leaked == 0,
                  "%s: allocation %lu of %lu failing, the run succeeds with different output "
                  "or a leak (%ld bytes): %.300s", what, k, count, res.leaked, res.out);
            tolerated++;
            continue;
        }
        CHECK(res.rc == 4, "%s: allocation %lu of %lu failing gives exit %d%s, expected 4; stderr: %.1500s",
              what, k, count, res.rc, res.rc > 128 ? " (killed by a signal)" : "", res.err);
        CHECK(strncmp(res.err, "certify: error: ", 16) == 0 && strstr(res.err, "memory"),
              "%s: allocation %lu of %lu failing: stderr does not say it ran out of memory: \"%.300s\"",
              what, k, count, res.err);
        CHECK(res.out[0] == '\0', "%s: allocation %lu failing: output on stdout: \"%.200s\"", what,
              k, res.out);
        CHECK(res.leaked == 0, "%s: allocation %lu of %lu failing leaks %ld bytes", what, k, count,
              res.leaked);
        if (res.rc == 4 && res.leaked == 0)
            failed_ok++;
    }
    run_child(argc, argv, count + 1, &res);
    CHECK(res.rc == 0, "%s: with failure injected past the count (%lu) the run fails: exit %d",
          what, count + 1, res.rc);
    CHECK(failed_ok + tolerated == count, "%s: %lu of %lu injected failures handled cleanly", what,
          failed_ok + tolerated, count);
    CHECK(failed_ok > 0, "%s: no injected failure was reported as exit 4", what);
    printf("%s: %lu failures exit 4, %lu optional allocations tolerated\n", what, failed_ok,
           tolerated);
}

static void check_model_a(void)
{
    char *argv[] = {"certify", "--check", CORPUS "cert/ok_a_all_certified.json",
                    CORPUS "model/ok_model_a.bin", NULL};
    every_k(4, argv, "check A");
}

static void check_model_b(void)
{
    char *argv[] = {"certify", "--check", CORPUS "cert/ok_b_kink_fixed_layer.json",
                    CORPUS "model/ok_model_b.bin", NULL};
    every_k(4, argv, "check B");
}

/* min_flip: the companion's reader and the claims' own allocations. */
static void check_min_flip(void)
{
    char dir[] = "/tmp/nrc-allocfail-mf.XXXXXX", cmd[1024], cert[96], model[96];
    const char *bin = getenv("BIN") ? getenv("BIN") : "bin";
    int rc;
    REQUIRE(mkdtemp(dir) != NULL, "mkdtemp");
    snprintf(model, sizeof model, "%s/m.bin", dir);
    snprintf(cert, sizeof cert, "%s/m.json", dir);
    snprintf(cmd, sizeof cmd,
             "%s/train -n 4 -d 30 -k 4 -m 2 --steps 300 --seed 1 --quiet -o %s && "
             "%s/certify --quiet --min-flip -o %s %s", bin, model, bin, cert, model);
    rc = system(cmd);
    if (rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) <= 1 && access(cert, R_OK) == 0) {
        char *argv[] = {"certify", "--check", cert, model, NULL};
        every_k(4, argv, "check min_flip");
    } else {
        CHECK(0, "could not write a min_flip certificate with %s/certify (status %d)", bin, rc);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("     could not remove %s\n", dir);
}

static void cite(void)
{
    char *argv[] = {"certify", "--cite", CORPUS "cert/ok_a_all_certified.json", NULL};
    every_k(3, argv, "cite A");
}

int main(int argc, char **argv)
{
    const char *tun = getenv("GLIBC_TUNABLES");
    (void)argc;
    if (HAVE_MALLINFO_CHECK && !(tun && strstr(tun, "glibc.malloc.tcache_count=0"))) {
        setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1);
        execv("/proc/self/exe", argv);
        perror("re-exec with GLIBC_TUNABLES");
        return 2;
    }
    RUN(check_model_a);
    RUN(check_model_b);
    RUN(check_min_flip);
    RUN(cite);
    return tl_exit();
}
