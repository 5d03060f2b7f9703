/* Replays the committed fuzz corpora (tests/fuzz/corpus/model/ and
 * tests/fuzz/corpus/cert/) through the very harness functions libFuzzer runs
 * (tests/fuzz/fuzz_model.c, fuzz_cert.c, included here and compiled by gcc),
 * so every input the fuzzer ever kept is a regression test of `make check`.
 *
 * Every file must pass the harness's own assertions (no crash, documented
 * status, messages naming the file, canonical round trip, the exact oracle
 * for certificates accepted against model A).  Files named by class also
 * assert their expected outcome:
 *   model/ok_*       accepted                 model/bad_*   NRC_ERR_INPUT
 *   cert/ok_a_*      valid for model A        cert/ok_b_*   valid for model B
 *   cert/false_a_*   parses, a claim false for A (exit 1); likewise false_b_*
 *   cert/inputerr_a_* well formed but does not fit model A: NRC_ERR_INPUT (3)
 *   cert/bad_*       NRC_ERR_INPUT against both models (exit 3)
 *   {safetensors,numpy,examples}/ok_*   parsed (values may still be refused later)
 *   {safetensors,numpy,examples}/bad_*  NRC_ERR_INPUT
 * Other names (inputs libFuzzer found, named by their SHA-1) assert only the
 * harness properties.  Run from the repository root (make check does), or
 * set NRC_FUZZ_CORPUS to the corpus directory. */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "testlib.h"
#include "fuzz/fuzz_model.c"
#include "fuzz/fuzz_cert.c"
#include "fuzz/fuzz_safetensors.c"
#include "fuzz/fuzz_numpy.c"
#include "fuzz/fuzz_examples.c"

static const char *corpus_root(void)
{
    const char *s = getenv("NRC_FUZZ_CORPUS");
    return s && *s ? s : "tests/fuzz/corpus";
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted regular-file names of dir (NULL-terminated, malloc'ed); NULL when
 * the directory cannot be read. */
static char **list_dir(const char *dir, size_t *count)
{
    DIR *D = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    *count = 0;
    if (!D)
        return NULL;
    while ((e = readdir(D)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n + 1 >= cap) {
            char **nn;
            cap = cap ? 2 * cap : 64;
            nn = realloc(names, cap * sizeof *names);
            if (!nn)
                abort();
            names = nn;
        }
        names[n] = strdup(e->d_name);
        if (!names[n])
            abort();
        n++;
    }
    closedir(D);
    if (!names) {
        names = calloc(1, sizeof *names);
        if (!names)
            abort();
    }
    qsort(names, n, sizeof *names, name_cmp);
    names[n] = NULL;
    *count = n;
    return names;
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    long sz;
    *buf = NULL;
    *len = 0;
    if (!f)
        return -1;
    if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return -1;
    }
    *buf = malloc((size_t)sz + 1);
    if (!*buf || fread(*buf, 1, (size_t)sz, f) != (size_t)sz) {
        fclose(f);
        free(*buf);
        *buf = NULL;
        return -1;
    }
    fclose(f);
    *len = (size_t)sz;
    return 0;
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *outcome_name(int o)
{
    return o == FUZZ_VALID ? "valid" : o == FUZZ_FALSE ? "a claim false"
         : o == FUZZ_BAD_INPUT ? "invalid input" : "system error";
}

static void replay_cert(void)
{
    char dir[4096], path[4352];
    size_t n, i, ok = 0, fals = 0, bad = 0, other = 0;
    char **names;
    snprintf(dir, sizeof dir, "%s/cert", corpus_root());
    names = list_dir(dir, &n);
    REQUIRE(names != NULL, "cannot read %s: %s", dir, strerror(errno));
    for (i = 0; i < n; i++) {
        uint8_t *buf;
        size_t len;
        int out[2];
        const char *nm = names[i];
        snprintf(path, sizeof path, "%s/%s", dir, nm);
        fuzz_input_name = path;
        if (read_file(path, &buf, &len) != 0) {
            CHECK(0, "cannot read %s", path);
            continue;
        }
        nrc_fuzz_cert(buf, len, out);
        if (starts(nm, "ok_a_") || starts(nm, "ok_b_")) {
            int w = nm[3] == 'a' ? 0 : 1;
            CHECK(out[w] == FUZZ_VALID, "%s: expected valid for model %c, got %s", path,
                  'A' + w, outcome_name(out[w]));
            ok++;
        } else if (starts(nm, "false_a_") || starts(nm, "false_b_")) {
            int w = nm[6] == 'a' ? 0 : 1;
            CHECK(out[w] == FUZZ_FALSE, "%s: expected a false claim for model %c, got %s", path,
                  'A' + w, outcome_name(out[w]));
            fals++;
        } else if (starts(nm, "inputerr_a_")) {
            CHECK(out[0] == FUZZ_BAD_INPUT, "%s: expected invalid input for model A, got %s", path,
                  outcome_name(out[0]));
            bad++;
        } else if (starts(nm, "bad_")) {
            CHECK(out[0] == FUZZ_BAD_INPUT && out[1] == FUZZ_BAD_INPUT,
                  "%s: expected invalid input for both models, got %s / %s", path,
                  outcome_name(out[0]), outcome_name(out[1]));
            bad++;
        } else {
            other++;
        }
        free(buf);
        free(names[i]);
    }
    free(names);
    printf("replay: cert corpus: %zu files (%zu ok_, %zu false_, %zu bad_, %zu found by the fuzzer)\n",
           n, ok, fals, bad, other);
    CHECK(ok >= 2 && fals >= 5 && bad >= 10, "cert corpus too small: %zu ok_, %zu false_, %zu bad_",
          ok, fals, bad);
}

/* A corpus of one reader: ok_* accepted, bad_* NRC_ERR_INPUT, at least
 * min_ok and min_bad of them (the model corpus, tests/fuzz/make_corpus.py;
 * the tensor readers', tests/fuzz/make_tensor_corpus.py). */
static void replay_dir(const char *sub, nrc_status (*fn)(const uint8_t *, size_t), size_t min_ok,
                       size_t min_bad)
{
    char dir[4096], path[4352];
    size_t n, i, ok = 0, bad = 0, other = 0;
    char **names;
    snprintf(dir, sizeof dir, "%s/%s", corpus_root(), sub);
    names = list_dir(dir, &n);
    REQUIRE(names != NULL, "cannot read %s: %s", dir, strerror(errno));
    for (i = 0; i < n; i++) {
        uint8_t *buf;
        size_t len;
        nrc_status st;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        fuzz_input_name = path;
        if (read_file(path, &buf, &len) != 0) {
            CHECK(0, "cannot read %s", path);
            continue;
        }
        st = fn(buf, len);
        if (starts(names[i], "ok_")) {
            CHECK(st == NRC_OK, "%s: expected accepted, status %d", path, (int)st);
            ok++;
        } else if (starts(names[i], "bad_")) {
            CHECK(st == NRC_ERR_INPUT, "%s: expected NRC_ERR_INPUT, status %d", path, (int)st);
            bad++;
        } else {
            other++;
        }
        free(buf);
        free(names[i]);
    }
    free(names);
    printf("replay: %s corpus: %zu files (%zu ok_, %zu bad_, %zu found by the fuzzer)\n", sub, n, ok,
           bad, other);
    CHECK(ok >= min_ok && bad >= min_bad, "%s corpus too small: %zu ok_, %zu bad_", sub, ok, bad);
}

static void replay_model(void) { replay_dir("model", nrc_fuzz_model, 1, 10); }
static void replay_safetensors(void) { replay_dir("safetensors", nrc_fuzz_safetensors, 5, 20); }
static void replay_numpy(void) { replay_dir("numpy", nrc_fuzz_numpy, 5, 20); }
static void replay_examples(void) { replay_dir("examples", nrc_fuzz_examples, 2, 20); }

int main(void)
{
    RUN(replay_model);
    RUN(replay_cert);
    RUN(replay_safetensors);
    RUN(replay_numpy);
    RUN(replay_examples);
    return tl_exit();
}
