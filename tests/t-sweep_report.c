/* The sweep report's numbers (spec/SWEEP.md "Report"):
 * - directed printing: an upper bound printed under nrc_sweep_fmt_dir reads
 *   back >= the value, a lower bound <= (random doubles, 1..17 digits);
 * - the median of the report (nrc_rep_median) against a slow reference;
 * - the plotted data of one figure recomputed from the certificates: runs
 *   `$BIN/sweep run tests/fixtures/sweep/tiny.json` and `sweep report`, then
 *   reads every cell's record and certificate with its own code (jansson +
 *   strtod, not the report's) and rebuilds report/flip_vs_d.dat: the cells
 *   of group vs_d whose certificate passed the check, x = d, the median,
 *   minimum and maximum of the certified delta_norm_upper of the training
 *   points, the regime flag, sqrt(d/n) and sqrt(z_norm_sq)/n. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nrc_sweep.h"
#include "nrc_sweep_report.h"
#include "testlib.h"

static double rand_double(uint64_t *s)
{
    uint64_t u = tl_splitmix64(s);
    double m = (double)(u >> 11) * 0x1p-53 + 0.5;
    int e = (int)(tl_splitmix64(s) % 80) - 40;
    return ldexp(m, e);
}

static void fmt_dir_rounds_outward(void)
{
    uint64_t s = tl_seed();
    long n = 20000 * tl_mult();
    char b[64];
    for (long i = 0; i < n; i++) {
        double x = rand_double(&s);
        int digits = 1 + (int)(i % 17);
        nrc_sweep_fmt_dir(b, sizeof b, x, digits, 1);
        CHECK(strtod(b, NULL) >= x, "up: %a printed %s (%d digits)", x, b, digits);
        nrc_sweep_fmt_dir(b, sizeof b, x, digits, 0);
        CHECK(strtod(b, NULL) <= x, "down: %a printed %s (%d digits)", x, b, digits);
    }
    nrc_sweep_fmt_dir(b, sizeof b, 0.12341, 3, 1);
    CHECK(strcmp(b, "0.124") == 0, "0.12341 up to 3 digits: %s", b);
    nrc_sweep_fmt_dir(b, sizeof b, 0.12349, 3, 0);
    CHECK(strcmp(b, "0.123") == 0, "0.12349 down to 3 digits: %s", b);
    /* the rounding mode is restored */
    snprintf(b, sizeof b, "%.3g", 0.12349);
    CHECK(strcmp(b, "0.123") == 0, "rounding mode left changed: %s", b);
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void median_matches_reference(void)
{
    uint64_t s = tl_seed() + 1;
    for (int t = 0; t < 2000; t++) {
        size_t n = 1 + tl_splitmix64(&s) % 9;
        double v[16], w[16], ref, up, dn;
        for (size_t i = 0; i < n; i++)
            v[i] = w[i] = rand_double(&s);
        qsort(w, n, sizeof *w, cmpd);
        ref = n % 2 ? w[n / 2] : (w[n / 2 - 1] + w[n / 2]) / 2;
        memcpy(w, v, sizeof v);
        up = nrc_rep_median(v, n, 1);
        dn = nrc_rep_median(w, n, 0);
        CHECK(up >= ref && dn <= ref, "n %zu: median %a, up %a, down %a", n, ref, up, dn);
        CHECK(n % 2 == 0 || (up == ref && dn == ref), "odd n %zu: not the middle value", n);
        CHECK(up <= w[n - 1] && dn >= w[0], "n %zu: outside the range", n);
    }
    CHECK(isnan(nrc_rep_median(NULL, 0, 1)), "empty median is not NaN");
}

/* ---- recomputing flip_vs_d.dat ------------------------------------------------ */

static double hex(const json_t *v)
{
    return json_is_string(v) ? strtod(json_string_value(v), NULL) : NAN;
}

static json_t *load(const char *path)
{
    return json_load_file(path, 0, NULL);
}

typedef struct {
    double x, med, lo, hi, psqrt, pz;
    int regime;
    long cell;
} fig_row;

/* The expected rows, from the records and certificates. */
static size_t expected_rows(const char *dir, fig_row *rows, size_t max)
{
    char path[8192];
    json_t *plan, *cells, *c;
    size_t i, nr = 0;
    snprintf(path, sizeof path, "%s/plan.json", dir);
    plan = load(path);
    cells = json_object_get(plan, "cells");
    json_array_foreach(cells, i, c) {
        const char *key = json_string_value(json_object_get(c, "key"));
        json_t *g, *res, *cert, *f;
        size_t j;
        int in = 0;
        double u[64], s;
        size_t nu = 0;
        json_array_foreach(json_object_get(c, "groups"), j, g) in |= !strcmp(json_string_value(g), "vs_d");
        if (!in)
            continue;
        snprintf(path, sizeof path, "%s/cells/%.16s/result.json", dir, key);
        res = load(path);
        if (!res || strcmp(json_string_value(json_object_get(res, "status")), "done")) {
            json_decref(res);
            continue;
        }
        snprintf(path, sizeof path, "%s/cells/%.16s/cert.json", dir, key);
        cert = load(path);
        json_array_foreach(json_object_get(cert, "flips"), j, f) {
            if (!strcmp(json_string_value(json_object_get(f, "set")), "train") &&
                !strcmp(json_string_value(json_object_get(f, "status")), "certified") && nu < 64)
                u[nu++] = hex(json_object_get(f, "delta_norm_upper"));
        }
        if (nu && nr < max) {
            fig_row *r = &rows[nr++];
            json_t *model = json_object_get(cert, "model"), *data = json_object_get(cert, "data");
            double n = (double)json_integer_value(json_object_get(model, "n"));
            double lo = hex(json_array_get(json_object_get(data, "z_norm_sq"), 0));
            double hi = hex(json_array_get(json_object_get(data, "z_norm_sq"), 1));
            qsort(u, nu, sizeof *u, cmpd);
            r->x = (double)json_integer_value(json_object_get(model, "d"));
            r->med = nu % 2 ? u[nu / 2] : (u[nu / 2 - 1] + u[nu / 2]) / 2;
            r->lo = u[0];
            r->hi = u[nu - 1];
            r->regime = json_is_true(json_object_get(data, "regime"));
            r->psqrt = sqrt(r->x / n);
            s = sqrt((lo + hi) / 2);
            r->pz = s / n;
            r->cell = (long)i;
        }
        json_decref(cert);
        json_decref(res);
    }
    json_decref(plan);
    return nr;
}

static int close_to(double a, double b)
{
    return fabs(a - b) <= 4e-16 * fabs(b) + 1e-300;
}

static void figure_data_from_certificates(void)
{
    const char *bin = getenv("BIN") ? getenv("BIN") : "bin";
    char tmpl[] = "/tmp/nrc-sweep-fig.XXXXXX", cmd[8192], path[256], line[1024];
    fig_row want[64];
    size_t nw, got = 0;
    FILE *f;
    REQUIRE(mkdtemp(tmpl), "mkdtemp");
    snprintf(cmd, sizeof cmd, "OPENBLAS_NUM_THREADS=1 '%s/sweep' run tests/fixtures/sweep/tiny.json -o '%s/s' --quiet; "
             "'%s/sweep' report '%s/s' --quiet", bin, tmpl, bin, tmpl);
    {
        int rc = system(cmd);
        REQUIRE(WIFEXITED(rc) && WEXITSTATUS(rc) <= 1, "sweep run/report failed: %d", rc);
    }
    snprintf(path, sizeof path, "%s/s", tmpl);
    nw = expected_rows(path, want, 64);
    REQUIRE(nw >= 3, "only %zu cells of vs_d have certified training flips", nw);
    snprintf(path, sizeof path, "%s/s/report/flip_vs_d.dat", tmpl);
    f = fopen(path, "r");
    REQUIRE(f, "%s missing", path);
    while (fgets(line, sizeof line, f)) {
        fig_row r;
        double seed;
        int k;
        if (line[0] == '#')
            continue;
        k = sscanf(line, "%lg %lg %lg %lg %d %lg %lg %ld %lg", &r.x, &r.med, &r.lo, &r.hi, &r.regime, &r.psqrt, &r.pz,
                   &r.cell, &seed);
        CHECK(k == 9, "bad line: %s", line);
        if (k != 9 || got >= nw)
            continue;
        /* the data file lists the cells in plan order, like the expectation */
        CHECK(r.cell == want[got].cell && r.x == want[got].x && r.regime == want[got].regime,
              "row %zu: cell %ld d %g regime %d, expected cell %ld d %g regime %d", got, r.cell, r.x, r.regime,
              want[got].cell, want[got].x, want[got].regime);
        CHECK(r.lo == want[got].lo && r.hi == want[got].hi, "row %zu: min/max U %a %a, expected %a %a", got, r.lo,
              r.hi, want[got].lo, want[got].hi);
        CHECK(close_to(r.med, want[got].med) && r.med >= want[got].med, "row %zu: median U %a, expected %a", got,
              r.med, want[got].med);
        CHECK(close_to(r.psqrt, want[got].psqrt) && close_to(r.pz, want[got].pz),
              "row %zu: predictions %a %a, expected %a %a", got, r.psqrt, r.pz, want[got].psqrt, want[got].pz);
        got++;
    }
    fclose(f);
    CHECK(got == nw, "%zu rows in flip_vs_d.dat, %zu expected", got, nw);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
    CHECK(system(cmd) == 0, "cleanup");
}

int main(void)
{
    RUN(fmt_dir_rounds_outward);
    RUN(median_matches_reference);
    RUN(figure_data_from_certificates);
    return tl_exit();
}
