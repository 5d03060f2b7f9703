/* The C trainer against an independent implementation: a float64 PyTorch
 * script (tests/fixtures/torch/make_fixture.py, run once; its output
 * fixture.txt is committed, so Python is not needed here).  The script
 * re-implements the RNG, data generation and initialization from
 * spec/TRAINING.md: those must agree bit for bit.  It then trains with
 * autograd; the final weights must agree to 1e-12 relative (sup norm). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testlib.h"
#include "nrc_alloc.h"
#include "nrc_blas.h"
#include "nrc_data.h"
#include "nrc_rng.h"
#include "nrc_train.h"

#define MAXV 4096
#define MAXLINES 128

typedef struct {
    char name[32];
    size_t count;
    char *tok[MAXV];
    char *line;
} rec;

static rec recs[MAXLINES];
static size_t nrecs;

static int load(const char *path)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    if (!f)
        return 0;
    while (getline(&line, &cap, f) > 0 && nrecs < MAXLINES) {
        rec *r = &recs[nrecs];
        char *save, *t;
        if (line[0] == '#')
            continue;
        r->line = strdup(line);
        t = strtok_r(r->line, " \n", &save);
        if (!t)
            continue;
        snprintf(r->name, sizeof r->name, "%s", t);
        r->count = 0;
        while ((t = strtok_r(NULL, " \n", &save)) && r->count < MAXV)
            r->tok[r->count++] = t;
        nrecs++;
    }
    free(line);
    fclose(f);
    return nrecs > 0;
}

static rec *find(size_t from, const char *name)
{
    for (size_t i = from; i < nrecs; i++) {
        if (strcmp(recs[i].name, name) == 0)
            return &recs[i];
        if (i > from && strcmp(recs[i].name, "case") == 0)
            break;
    }
    return NULL;
}

static double num(const rec *r, size_t i) { return strtod(r->tok[i], NULL); }

static void torch_rng_reference(void)
{
    nrc_rng g;
    rec *st = find(0, "rng_state"), *nx = find(0, "rng_next"),
        *nm = find(0, "rng_normal"), *li = find(0, "rng_log_in"),
        *lo = find(0, "rng_log_out");
    REQUIRE(st && nx && nm && li && lo && st->count == 4 && li->count == lo->count,
            "fixture lacks the rng records");
    nrc_rng_init(&g, 1234567, 0);
    for (int i = 0; i < 4; i++)
        CHECK(g.s[i] == strtoull(st->tok[i], NULL, 10), "splitmix64 state word %d", i);
    for (size_t i = 0; i < nx->count; i++) {
        uint64_t a = nrc_rng_next(&g), e = strtoull(nx->tok[i], NULL, 10);
        CHECK(a == e, "xoshiro output %zu: %llu, reference %llu", i,
              (unsigned long long)a, (unsigned long long)e);
    }
    nrc_rng_init(&g, 42, NRC_RNG_STREAM_TRAIN);
    for (size_t i = 0; i < nm->count; i++) {
        double a = nrc_rng_normal_d(&g), e = num(nm, i);
        CHECK(memcmp(&a, &e, sizeof a) == 0, "normal %zu: %a, reference %a", i, a, e);
    }
    for (size_t i = 0; i < li->count; i++) {
        double x = num(li, i), a = nrc_rng_log_d(x), e = num(lo, i);
        CHECK(memcmp(&a, &e, sizeof a) == 0, "log(%a) = %a, reference %a", x, a, e);
        CHECK(fabs(a - log(x)) <= 4e-16 * fabs(log(x)) + 1e-300,
              "log(%a) = %.17g, libm %.17g", x, a, log(x));
    }
}

static double sup_diff(size_t len, const double *a, const rec *r, double *scale)
{
    double m = 0.0, s = 0.0;
    for (size_t t = 0; t < len; t++) {
        double e = num(r, t);
        if (fabs(a[t] - e) > m)
            m = fabs(a[t] - e);
        if (fabs(e) > s)
            s = fabs(e);
    }
    *scale = s;
    return m;
}

static void torch_case(size_t at)
{
    rec *c = &recs[at];
    size_t n, d, k;
    nrc_train_opts o;
    uint64_t seed;
    double *X, *y, *W, *b, *v, sc, df;
    nrc_train_progress fin;
    nrc_error err;
    rec *rX = find(at, "X"), *ry = find(at, "y"), *rW0 = find(at, "W0"),
        *rv0 = find(at, "v0"), *rW = find(at, "W"), *rb = find(at, "b"),
        *rv = find(at, "v"), *rq = find(at, "q");
    REQUIRE(c->count == 14 && rX && ry && rW0 && rv0 && rW && rb && rv && rq,
            "malformed case record");
    n = (size_t)strtoull(c->tok[1], NULL, 10);
    d = (size_t)strtoull(c->tok[2], NULL, 10);
    k = (size_t)strtoull(c->tok[3], NULL, 10);
    o.n = n; o.d = d; o.k = k;
    o.loss = strcmp(c->tok[6], "exp") == 0 ? NRC_LOSS_EXP : NRC_LOSS_LOGISTIC;
    o.schedule = strcmp(c->tok[7], "constant") == 0 ? NRC_SCHEDULE_CONSTANT
                 : strcmp(c->tok[7], "loss") == 0   ? NRC_SCHEDULE_LOSS
                                                    : NRC_SCHEDULE_NORMALIZED;
    o.lr = num(c, 8);
    o.steps = strtoull(c->tok[9], NULL, 10);
    o.bias = atoi(c->tok[11]);
    o.fix_v = atoi(c->tok[12]);
    seed = strtoull(c->tok[13], NULL, 10);
    REQUIRE(rX->count == n * d && ry->count == n && rW->count == k * d &&
            rb->count == k && rv->count == k && rq->count == n, "record sizes");
    X = nrc_malloc_array(n * d, sizeof *X);
    y = nrc_malloc_array(n, sizeof *y);
    W = nrc_malloc_array(k * d, sizeof *W);
    b = nrc_malloc_array(k, sizeof *b);
    v = nrc_malloc_array(k, sizeof *v);
    REQUIRE(X && y && W && b && v, "allocation");
    nrc_data_generate(strcmp(c->tok[4], "gaussian") == 0 ? NRC_DATA_GAUSSIAN
                                                         : NRC_DATA_SPHERE,
                      strcmp(c->tok[5], "random") == 0 ? NRC_LABELS_RANDOM
                                                       : NRC_LABELS_BALANCED,
                      n, d, seed, NRC_RNG_STREAM_TRAIN, X, y);
    nrc_train_init_d(d, k, num(c, 10), o.fix_v, seed, W, b, v);
    CHECK(sup_diff(n * d, X, rX, &sc) == 0.0, "%s: data X differ from the reference", c->tok[0]);
    CHECK(sup_diff(n, y, ry, &sc) == 0.0, "%s: labels differ from the reference", c->tok[0]);
    CHECK(sup_diff(k * d, W, rW0, &sc) == 0.0, "%s: initial W differs", c->tok[0]);
    CHECK(sup_diff(k, v, rv0, &sc) == 0.0, "%s: initial v differs", c->tok[0]);
    for (int th = 1; th <= 2; th++) {
        nrc_blas_set_threads(th);
        nrc_train_init_d(d, k, num(c, 10), o.fix_v, seed, W, b, v);
        REQUIRE(nrc_train_run_d(&o, X, y, W, b, v, NULL, NULL, &fin, &err) == NRC_OK,
                "%s: training failed: %s", c->tok[0], err.msg);
        df = sup_diff(k * d, W, rW, &sc);
        CHECK(df <= 1e-12 * sc, "%s: W differs by %.3g (scale %.3g)", c->tok[0], df, sc);
        if (o.bias) {
            df = sup_diff(k, b, rb, &sc);
            CHECK(df <= 1e-12 * sc, "%s: b differs by %.3g (scale %.3g)", c->tok[0], df, sc);
        }
        df = sup_diff(k, v, rv, &sc);
        CHECK(df <= 1e-12 * sc, "%s: v differs by %.3g (scale %.3g)", c->tok[0], df, sc);
        if (th == 1)
            printf("# %s: max |W - W_torch| / max |W_torch| = %.3g\n", c->tok[0],
                   sup_diff(k * d, W, rW, &sc) / sc);
    }
    nrc_blas_set_threads(1);
    nrc_free(X); nrc_free(y); nrc_free(W); nrc_free(b); nrc_free(v);
}

static void torch_training_matches(void)
{
    int cases = 0;
    for (size_t i = 0; i < nrecs; i++) {
        if (strcmp(recs[i].name, "case") == 0) {
            torch_case(i);
            cases++;
        }
    }
    CHECK(cases >= 6, "only %d cases in the fixture", cases);
}

int main(void)
{
    const char *dir = getenv("NRC_FIXTURES");
    char path[1024];
    snprintf(path, sizeof path, "%s/torch/fixture.txt", dir ? dir : "tests/fixtures");
    tl_begin("torch_fixture_present");
    CHECK(load(path), "cannot read %s (run from the repository root)", path);
    tl_end();
    if (nrecs) {
        RUN(torch_rng_reference);
        RUN(torch_training_matches);
    }
    return tl_exit();
}
