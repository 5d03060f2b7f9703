/* `sweep report DIR` (spec/SWEEP.md "Report"): one row per cell from its
 * record, its certificate and its model's metadata; CSV, markdown, LaTeX;
 * figure data files, gnuplot scripts, PNG and PDF.
 *
 * What is read from a certificate: only the members spec/CERTIFICATE.md
 * defines and the checker verifies (data, flips, kkt, robust_reference,
 * model), and only from cells whose record says the check passed and whose
 * certificate still has the SHA-256 recorded then.  Derived numbers keep
 * their direction: an upper bound divided by a lower bound is rounded up
 * (nextafter), printed upper bounds are printed upward, lower bounds
 * downward (nrc_sweep_fmt_dir).  Predictions (sqrt(d/n), ||z||/n) are plain
 * binary64 and are labelled as predictions everywhere. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_io.h"
#include "nrc_model.h"
#include "nrc_sha256.h"
#include "nrc_sweep.h"
#include "nrc_sweep_report.h"

/* ---- numbers from a certificate ------------------------------------------- */

const char *nrc_rep_str(const json_t *v, const char *def)
{
    return json_is_string(v) ? json_string_value(v) : def;
}

void nrc_rep_opt(const rep_row *r, const char *side, const char *name, char *buf, size_t size)
{
    const json_t *v = json_object_get(json_object_get(r->cell->options, side), name);
    if (json_is_string(v))
        snprintf(buf, size, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v)) {
        for (int p = 15; p <= 17; p++) {   /* the shortest text that reads back */
            snprintf(buf, size, "%.*g", p, json_real_value(v));
            if (strtod(buf, NULL) == json_real_value(v))
                break;
        }
    }
    else if (json_is_boolean(v))
        snprintf(buf, size, "%s", json_is_true(v) ? "true" : "false");
    else
        snprintf(buf, size, "-");
}

int nrc_rep_in_groups(const rep_row *r, const json_t *groups)
{
    size_t i, j;
    json_t *g, *h;
    json_array_foreach(groups, i, g)
        json_array_foreach(r->cell->groups, j, h)
            if (json_is_string(g) && json_is_string(h) && !strcmp(json_string_value(g), json_string_value(h)))
                return 1;
    return 0;
}

double nrc_rep_hex(const json_t *v)
{
    char *end;
    double x;
    if (!json_is_string(v))
        return NAN;
    x = strtod(json_string_value(v), &end);
    return *end ? NAN : x;
}

static double enc_hi(const json_t *e)
{
    return nrc_rep_hex(json_array_get(e, 1));
}

static double enc_lo(const json_t *e)
{
    return nrc_rep_hex(json_array_get(e, 0));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of v[0..n) (sorted in place): the middle value, or for an even n
 * the mean of the two middle values rounded up (up = 1) or down.  Order
 * statistics are monotone, so the median of upper bounds bounds the median
 * of the true values from above. */
double nrc_rep_median(double *v, size_t n, int up)
{
    double a, b, m;
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    if (n % 2)
        return v[n / 2];
    a = v[n / 2 - 1];
    b = v[n / 2];
    m = a + (b - a) / 2;
    return up ? (m < b ? nextafter(m, INFINITY) : b) : (m > a ? nextafter(m, -INFINITY) : a);
}

/* Statistics of the certified flips of one set of one certificate. */
static void flip_stats(const json_t *flips, const char *set, rep_set *s)
{
    size_t i, n = json_array_size(flips);
    json_t *f;
    double *rel = nrc_calloc(n + 1, sizeof *rel), *u = nrc_calloc(n + 1, sizeof *u);
    memset(s, 0, sizeof *s);
    s->med_rel = s->max_rel = s->med_u = s->min_u = s->max_u = NAN;
    if (!rel || !u) {
        nrc_free(rel);
        nrc_free(u);
        return;
    }
    json_array_foreach(flips, i, f) {
        const char *fs = json_string_value(json_object_get(f, "set"));
        const char *st = json_string_value(json_object_get(f, "status"));
        double U, xl;
        if (!fs || strcmp(fs, set) != 0)
            continue;
        s->total++;
        if (!st || strcmp(st, "certified") != 0)
            continue;
        U = nrc_rep_hex(json_object_get(f, "delta_norm_upper"));
        xl = nrc_rep_hex(json_object_get(f, "x_norm_lower"));
        if (!(U >= 0) || !(xl > 0))
            continue;
        u[s->certified] = U;
        rel[s->certified] = nextafter(U / xl, INFINITY);
        s->certified++;
    }
    if (s->certified) {
        s->med_rel = nrc_rep_median(rel, s->certified, 1);
        s->max_rel = rel[s->certified - 1];
        s->med_u = nrc_rep_median(u, s->certified, 1);
        s->min_u = u[0];
        s->max_u = u[s->certified - 1];
    }
    nrc_free(rel);
    nrc_free(u);
}

/* ---- reading one cell -------------------------------------------------------- */

static void row_fail(rep_row *r, const char *why)
{
    r->state = 2;
    snprintf(r->reason, sizeof r->reason, "%s", why);
}

static void read_polish(rep_row *r, const char *cdir)
{
    char *path = nrc_sweep_strf("%s/model.bin", cdir);
    nrc_model M;
    json_t *meta, *p;
    nrc_model_init(&M);
    snprintf(r->polish, sizeof r->polish, "-");
    if (path && nrc_model_read(path, &M, NULL) == NRC_OK) {
        char h[65];
        nrc_hex(M.file_sha256, NRC_SHA256_SIZE, h);
        if (strcmp(h, r->model_sha) != 0)
            row_fail(r, "model.bin changed after the check (its SHA-256 differs from the record)");
        meta = json_loadb(M.meta, M.meta_len, 0, NULL);
        p = json_object_get(meta, "polish");
        if (json_is_string(json_object_get(p, "outcome")))
            snprintf(r->polish, sizeof r->polish, "%s%s", json_string_value(json_object_get(p, "outcome")),
                     json_is_true(json_object_get(p, "adopted")) ? ", adopted"
                     : json_is_false(json_object_get(p, "adopted")) ? ", not adopted" : "");
        json_decref(meta);
    } else {
        row_fail(r, "model.bin cannot be read");
    }
    nrc_model_clear(&M);
    nrc_free(path);
}

static void read_times(rep_row *r, const json_t *times)
{
    static const char *const st[3] = {"train", "certify", "check"};
    for (int i = 0; i < 3; i++) {
        json_t *t = json_object_get(times, st[i]);
        r->wall[i] = json_is_number(json_object_get(t, "wall_s")) ? json_number_value(json_object_get(t, "wall_s")) : NAN;
        r->cpu[i] = json_is_number(json_object_get(t, "cpu_s")) ? json_number_value(json_object_get(t, "cpu_s")) : NAN;
    }
}

/* The certified quantities of a checked certificate. */
static void read_cert(rep_row *r)
{
    const json_t *c = r->cert, *data = json_object_get(c, "data"), *kkt = json_object_get(c, "kkt");
    const json_t *rob = json_object_get(c, "robust_reference"), *model = json_object_get(c, "model");
    double n = (double)json_integer_value(json_object_get(model, "n"));
    double d = (double)json_integer_value(json_object_get(model, "d"));
    double z2lo = enc_lo(json_object_get(data, "z_norm_sq")), z2hi = enc_hi(json_object_get(data, "z_norm_sq"));
    r->eps_data = enc_hi(json_object_get(data, "eps_data"));
    r->regime = json_is_true(json_object_get(data, "regime"));
    flip_stats(json_object_get(c, "flips"), "train", &r->set[0]);
    flip_stats(json_object_get(c, "flips"), "test", &r->set[1]);
    r->pred_sqrt = sqrt(d / n);
    r->pred_z = sqrt(z2lo + (z2hi - z2lo) / 2) / n;
    r->robust = NAN;
    if (!strcmp(nrc_rep_str(json_object_get(rob, "status"), ""), "certified"))
        r->robust = nrc_rep_hex(json_object_get(rob, "radius_lower"));
    r->eps_rel = NAN;
    if (!strcmp(nrc_rep_str(json_object_get(kkt, "status"), ""), "certified"))
        r->eps_rel = nrc_rep_hex(json_object_get(kkt, "eps_rel_upper"));
}

static void read_row(rep_row *r, const char *dir)
{
    char *cdir = nrc_sweep_cell_dir(dir, r->cell);
    char *rp = nrc_sweep_strf("%s/result.json", cdir), *cp = nrc_sweep_strf("%s/cert.json", cdir);
    json_t *res = NULL;
    const char *status, *outcome;
    char h[65];

    r->state = -1;
    snprintf(r->reason, sizeof r->reason, "not run yet");
    snprintf(r->polish, sizeof r->polish, "-");
    for (int i = 0; i < 3; i++)
        r->wall[i] = r->cpu[i] = NAN, r->exit[i] = -2;
    if (!cdir || !rp || !cp || nrc_sweep_json_load(rp, &res, NULL) != NRC_OK)
        goto out;
    status = json_string_value(json_object_get(res, "status"));
    outcome = json_string_value(json_object_get(res, "outcome"));
    read_times(r, json_object_get(res, "times"));
    {
        static const char *const st[3] = {"train", "certify", "check"};
        for (int i = 0; i < 3; i++) {
            json_t *e = json_object_get(json_object_get(res, "exit"), st[i]);
            r->exit[i] = json_is_integer(e) ? (int)json_integer_value(e) : -2;
        }
    }
    snprintf(r->reason, sizeof r->reason, "%s", nrc_rep_str(json_object_get(res, "reason"), ""));
    snprintf(r->stage, sizeof r->stage, "%s", nrc_rep_str(json_object_get(res, "stage"), ""));
    if (!status || !outcome || strcmp(nrc_rep_str(json_object_get(res, "key"), ""), r->cell->key)) {
        row_fail(r, "unreadable record");
        goto out;
    }
    if (strcmp(status, "done") != 0) {
        r->state = 2;
        goto out;
    }
    snprintf(r->cert_sha, sizeof r->cert_sha, "%s", nrc_rep_str(json_object_get(res, "cert_sha256"), ""));
    snprintf(r->model_sha, sizeof r->model_sha, "%s", nrc_rep_str(json_object_get(res, "model_sha256"), ""));
    if (nrc_sweep_file_sha256(cp, h, NULL) != NRC_OK || strcmp(h, r->cert_sha) != 0) {
        row_fail(r, "cert.json changed after the check (its SHA-256 differs from the record)");
        goto out;
    }
    if (nrc_sweep_json_load(cp, &r->cert, NULL) != NRC_OK ||
        strcmp(nrc_rep_str(json_object_get(json_object_get(r->cert, "model"), "sha256"), ""), r->model_sha)) {
        row_fail(r, "the certificate does not name the recorded model");
        goto out;
    }
    r->state = strcmp(outcome, "certified") == 0 ? 0 : 1;
    read_polish(r, cdir);
    if (r->state <= 1)
        read_cert(r);
out:
    json_decref(res);
    nrc_free(cdir);
    nrc_free(rp);
    nrc_free(cp);
}

/* ---- driver ------------------------------------------------------------------ */

static void rows_free(rep_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_decref(rows[i].cert);
    nrc_free(rows);
}

int nrc_sweep_report(const char *dir, const char *gnuplot, int quiet)
{
    nrc_sweep_plan plan;
    nrc_error err = {{0}};
    rep_row *rows;
    rep_ctx ctx;
    size_t counts[4] = {0};
    int rc = 0;

    if (nrc_sweep_plan_read(dir, &plan, &err) != NRC_OK) {
        fprintf(stderr, "sweep: error: %s\n", err.msg);
        return 3;
    }
    rows = nrc_calloc(plan.n_cells + 1, sizeof *rows);
    ctx.out = nrc_sweep_strf("%s/report", dir);
    if (!rows || !ctx.out || nrc_sweep_mkdirs(ctx.out, &err) != NRC_OK) {
        fprintf(stderr, "sweep: error: %s\n", rows && ctx.out ? err.msg : "out of memory");
        nrc_free(rows);
        nrc_free(ctx.out);
        nrc_sweep_plan_clear(&plan);
        return 4;
    }
    for (size_t i = 0; i < plan.n_cells; i++) {
        rows[i].cell = &plan.cells[i];
        rows[i].index = i;
        read_row(&rows[i], dir);
        counts[rows[i].state < 0 ? 3 : rows[i].state]++;
    }
    ctx.plan = &plan;
    ctx.rows = rows;
    ctx.n = plan.n_cells;
    ctx.gnuplot = gnuplot;
    ctx.figures_drawn = 0;
    ctx.figure_errors = 0;
    if (nrc_rep_csv(&ctx, &err) != NRC_OK || nrc_rep_figures(&ctx, &err) != NRC_OK ||
        nrc_rep_markdown(&ctx, counts, &err) != NRC_OK || nrc_rep_latex(&ctx, counts, &err) != NRC_OK) {
        fprintf(stderr, "sweep: error: %s\n", err.msg);
        rc = 4;
    } else {
        if (!quiet)
            fprintf(stderr, "sweep: report of %zu cells: %zu certified, %zu undecided, %zu failed, %zu not run; "
                    "%d figures; %s/{cells.csv,report.md,tables.tex,report.tex}\n", plan.n_cells, counts[0],
                    counts[1], counts[2], counts[3], ctx.figures_drawn, ctx.out);
        if (ctx.figure_errors) {
            fprintf(stderr, "sweep: error: %d figures could not be drawn (%s)\n", ctx.figure_errors,
                    gnuplot ? "see the gnuplot messages above" : "gnuplot not found; make deps installs gnuplot-nox");
            rc = 4;
        } else if (counts[1] || counts[2] || counts[3]) {
            rc = 1;
        }
    }
    rows_free(rows, plan.n_cells);
    nrc_free(ctx.out);
    nrc_sweep_plan_clear(&plan);
    return rc;
}
