/* Allocation failure along read -> certify -> write: the real program
 * ($BIN/certify, BIN from tests/run.sh, default bin) is run with
 * NRC_FAIL_ALLOC=k (include/core/nrc_alloc.h: the k-th allocation and all later
 * ones fail) for EVERY k = 1, 2, ... until a run completes.  Each failing run
 * must:
 *   - exit 4 with a "certify: error: ... out of memory ..." message;
 *   - leave no output file at all in its (fresh) output directory: no
 *     certificate, no examples file, no temporary file;
 *   - leave the model file untouched;
 *   - leak nothing: in the SANITIZE=1 build ($BIN = bin-san) LeakSanitizer
 *     runs at the program's exit and turns a leak into exit 23, a failure
 *     here.  NRC_ALLOC_VALGRIND=1 runs every k under valgrind instead
 *     (slow; for the report, not for make check).
 * The first k at which the run completes must give the same certificate, byte
 * for byte, as a run without injection.  Models: the fuzz harness's models A
 * (no biases) and B (biases, fixed second layer, an exact kink), committed in
 * tests/fuzz/corpus/model/; with and without --emit-examples (two outputs). */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testlib.h"
#include "nrc_io.h"
#include "nrc_alloc.h"

#define MAX_K 20000ul

static char bin_certify[1024];

static int run_prog(char *const argv[], unsigned long k, const char *err_path)
{
    pid_t pid;
    int status;
    fflush(stdout);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        char kv[32];
        FILE *e = freopen(err_path, "w", stderr);
        if (!freopen("/dev/null", "w", stdout) || !e)
            _exit(98);
        snprintf(kv, sizeof kv, "%lu", k);
        if (k)
            setenv("NRC_FAIL_ALLOC", kv, 1);
        else
            unsetenv("NRC_FAIL_ALLOC");
        setenv("OPENBLAS_NUM_THREADS", "1", 1);
        {
            /* ETXTBSY, ENOENT, EACCES: another make is relinking it right now. */
            int tries;
            for (tries = 0; tries < 100; tries++) {
                execv(argv[0], argv);
                if (errno != ETXTBSY && errno != ENOENT && errno != EACCES)
                    break;
                usleep(100000);
            }
        }
        fprintf(stderr, "cannot execute %s: %s\n", argv[0], strerror(errno));
        _exit(97);
    }
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int dir_entries(const char *dir, char *first, size_t size)
{
    DIR *D = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!D)
        return -1;
    first[0] = '\0';
    while ((e = readdir(D)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (!n)
            snprintf(first, size, "%s", e->d_name);
        n++;
    }
    closedir(D);
    return n;
}

static int slurp(const char *path, unsigned char **buf, size_t *len)
{
    nrc_error err;
    return nrc_file_read_all(path, (size_t)1 << 30, buf, len, &err) == NRC_OK ? 0 : -1;
}

static void read_text(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    size_t got = 0;
    buf[0] = '\0';
    if (f) {
        got = fread(buf, 1, size - 1, f);
        fclose(f);
    }
    buf[got] = '\0';
}

static void rm_dir_files(const char *dir)
{
    DIR *D = opendir(dir);
    struct dirent *e;
    char p[2048];
    if (!D)
        return;
    while ((e = readdir(D)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(D);
}

static void every_k(const char *model, int examples)
{
    char tmp[] = "/tmp/t-alloc_fail_certify.XXXXXX", out[200], ex[200], errp[200];
    char outdir[100], first[256], msg[2048];
    char *argv[16];   /* up to 5 valgrind words + 7 arguments + NULL */
    int argc = 0, rc, done = 0;
    unsigned char *ref = NULL, *got = NULL, *m0 = NULL, *m1 = NULL;
    size_t ref_len = 0, got_len = 0, m0_len = 0, m1_len = 0;
    unsigned long k, failures = 0;
    const char *vg = getenv("NRC_ALLOC_VALGRIND");

    REQUIRE(mkdtemp(tmp) != NULL, "mkdtemp");
    snprintf(outdir, sizeof outdir, "%s/out", tmp);
    snprintf(out, sizeof out, "%s/cert.json", outdir);
    snprintf(ex, sizeof ex, "%s/examples.bin", outdir);
    snprintf(errp, sizeof errp, "%s/stderr", tmp);
    mkdir(outdir, 0700);
    if (vg && *vg == '1') {
        argv[argc++] = "/usr/bin/valgrind";
        argv[argc++] = "-q";
        argv[argc++] = "--leak-check=full";
        argv[argc++] = "--errors-for-leak-kinds=definite,indirect";
        argv[argc++] = "--error-exitcode=9";
    }
    argv[argc++] = bin_certify;
    argv[argc++] = (char *)model;
    argv[argc++] = "-o";
    argv[argc++] = out;
    argv[argc++] = "--quiet";
    if (examples) {
        argv[argc++] = "--emit-examples";
        argv[argc++] = ex;
    }
    argv[argc] = NULL;

    REQUIRE(slurp(model, &m0, &m0_len) == 0, "cannot read %s", model);
    rc = run_prog(argv, 0, errp);
    read_text(errp, msg, sizeof msg);
    if ((rc != 0 && rc != 1) || slurp(out, &ref, &ref_len) != 0) {
        CHECK(0, "%s: the run without injected failure gives exit %d: %s", model, rc, msg);
        goto done;
    }
    rm_dir_files(outdir);
    for (k = 1; k <= MAX_K && !done; k++) {
        int n;
        rc = run_prog(argv, k, errp);
        read_text(errp, msg, sizeof msg);
        n = dir_entries(outdir, first, sizeof first);
        if (rc == 0 || rc == 1) {
            done = 1;
            CHECK(slurp(out, &got, &got_len) == 0 && got_len == ref_len &&
                  memcmp(got, ref, ref_len) == 0,
                  "%s: first completed run (k = %lu) wrote a different certificate", model, k);
            break;
        }
        failures++;
        CHECK(rc == 4, "%s%s: allocation %lu failing gives exit %d%s, expected 4: %.1500s", model,
              examples ? " --emit-examples" : "", k, rc, rc > 128 ? " (killed by a signal)" : "",
              msg);
        CHECK(strncmp(msg, "certify: error: ", 16) == 0 && strstr(msg, "memory"),
              "%s: allocation %lu failing: message does not say out of memory: \"%.300s\"", model,
              k, msg);
        CHECK(n >= 0, "%s: the output directory %s vanished", model, outdir);
        CHECK(n <= 0, "%s%s: allocation %lu failing left %d file(s) in the output directory, e.g. %s",
              model, examples ? " --emit-examples" : "", k, n, first);
        rm_dir_files(outdir);
        if (tl_case_failed > 12) {
            CHECK(0, "%s: stopping after the failures above", model);
            goto done;
        }
    }
    CHECK(done, "%s: no run completed up to k = %lu", model, MAX_K);
    REQUIRE(slurp(model, &m1, &m1_len) == 0, "cannot re-read %s", model);
    CHECK(m0_len == m1_len && memcmp(m0, m1, m0_len) == 0, "%s: the model file changed", model);
    printf("%s%s: %lu injected allocation failures, all exit 4 with no output\n", model,
           examples ? " --emit-examples" : "", failures);
done:
    nrc_free(ref);
    nrc_free(got);
    nrc_free(m0);
    nrc_free(m1);
    rm_dir_files(outdir);
    rmdir(outdir);
    unlink(errp);
    rmdir(tmp);
}

static void model_a(void) { every_k("tests/fuzz/corpus/model/ok_model_a.bin", 0); }
static void model_b(void) { every_k("tests/fuzz/corpus/model/ok_model_b.bin", 0); }
static void model_a_examples(void) { every_k("tests/fuzz/corpus/model/ok_model_a.bin", 1); }

int main(void)
{
    const char *bin = getenv("BIN");
    snprintf(bin_certify, sizeof bin_certify, "%s/certify", bin && *bin ? bin : "bin");
    if (access(bin_certify, X_OK) != 0) {
        printf("FAIL alloc_fail_certify: %s is not an executable (run from the repository root "
               "after make tests)\n", bin_certify);
        return 1;
    }
    RUN(model_a);
    RUN(model_b);
    RUN(model_a_examples);
    return tl_exit();
}
