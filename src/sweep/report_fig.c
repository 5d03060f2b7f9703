/* The report's figures (spec/SWEEP.md "Report"): for each figure of the
 * spec, a data file (NAME.dat, plus NAME.pred.dat or per-series files), a
 * gnuplot script (NAME.gp, drawing NAME.png with pngcairo and NAME.pdf with
 * pdfcairo from those files only) and its caption (NAME.caption).  Every
 * plotted certified number comes from a row whose certificate passed the
 * check (state 0 or 1); predictions are drawn as lines and named so. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nrc_alloc.h"
#include "nrc_io.h"
#include "nrc_sweep.h"
#include "nrc_sweep_report.h"

#define MAX_SERIES 8

typedef struct {
    rep_ctx *ctx;
    const json_t *fig;
    const char *name, *kind, *set;
    FILE *data;                  /* NAME.dat */
    char *data_buf;
    size_t data_len;
    size_t cells, plotted;       /* cells of the groups; cells with a plotted point */
    char series[MAX_SERIES][64]; /* kkt: the values of the series option */
} fig_t;

static int checked(const rep_row *r)
{
    return r->state == 0 || r->state == 1;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double opt_num(const rep_row *r, const char *name)
{
    char b[64];
    nrc_rep_opt(r, "train", name, b, sizeof b);
    if (!strcmp(b, "true"))
        return 1;
    if (!strcmp(b, "false"))
        return 0;
    return strtod(b, NULL);
}

static nrc_status write_text(const rep_ctx *ctx, const char *name, const char *ext, const char *text, size_t len,
                             nrc_error *err)
{
    char *path = nrc_sweep_strf("%s/%s%s", ctx->out, name, ext);
    nrc_status st = path ? nrc_file_write_atomic(path, text, len, err)
                         : nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    nrc_free(path);
    return st;
}

/* Print v (already a directed bound or a prediction) with 17 digits. */
static void put(FILE *f, double v)
{
    fprintf(f, " %.17g", v);
}

/* ---- data of each kind -------------------------------------------------------- */

/* x, median U, min U, max U, regime, sqrt(d/n), ||z||/n, cell, seed; and the
 * predictions per distinct x (mean over the cells at that x). */
static void data_flip(fig_t *F, FILE *pred)
{
    const char *x = json_string_value(json_object_get(F->fig, "x"));
    int s = strcmp(F->set, "test") == 0;
    double xs[4096], ps[4096], pz[4096];
    size_t cnt[4096], nx = 0;
    fprintf(F->data, "# %s median_U min_U max_U regime pred_sqrt_d_over_n pred_z_norm_over_n cell seed\n", x);
    for (size_t i = 0; i < F->ctx->n; i++) {
        const rep_row *r = &F->ctx->rows[i];
        double xv = opt_num(r, x);
        size_t j;
        if (!nrc_rep_in_groups(r, json_object_get(F->fig, "groups")))
            continue;
        F->cells++;
        if (!checked(r))
            continue;
        for (j = 0; j < nx && xs[j] != xv; j++)
            ;
        if (j == nx && nx < 4096) {
            xs[nx] = xv;
            ps[nx] = pz[nx] = 0;
            cnt[nx++] = 0;
        }
        if (j < nx) {
            ps[j] += r->pred_sqrt;
            pz[j] += r->pred_z;
            cnt[j]++;
        }
        if (r->set[s].certified == 0 || !(r->set[s].med_u > 0) || !(xv > 0))
            continue;
        F->plotted++;
        fprintf(F->data, "%.17g", xv);
        put(F->data, r->set[s].med_u);
        put(F->data, r->set[s].min_u);
        put(F->data, r->set[s].max_u);
        fprintf(F->data, " %d", r->regime);
        put(F->data, r->pred_sqrt);
        put(F->data, r->pred_z);
        fprintf(F->data, " %zu %.17g\n", r->index, opt_num(r, "seed"));
    }
    /* predictions sorted by x */
    fprintf(pred, "# %s mean_pred_sqrt_d_over_n mean_pred_z_norm_over_n cells\n", x);
    for (size_t a = 0; a < nx; a++)
        for (size_t b = a + 1; b < nx; b++)
            if (xs[b] < xs[a]) {
                double t = xs[a]; xs[a] = xs[b]; xs[b] = t;
                t = ps[a]; ps[a] = ps[b]; ps[b] = t;
                t = pz[a]; pz[a] = pz[b]; pz[b] = t;
                size_t c = cnt[a]; cnt[a] = cnt[b]; cnt[b] = c;
            }
    for (size_t a = 0; a < nx; a++)
        if (xs[a] > 0)
            fprintf(pred, "%.17g %.17g %.17g %zu\n", xs[a], ps[a] / (double)cnt[a], pz[a] / (double)cnt[a], cnt[a]);
}

/* median U of the training points, robust radius, regime, cell. */
static void data_robust(fig_t *F)
{
    fprintf(F->data, "# median_U_train robust_radius regime cell\n");
    for (size_t i = 0; i < F->ctx->n; i++) {
        const rep_row *r = &F->ctx->rows[i];
        if (!nrc_rep_in_groups(r, json_object_get(F->fig, "groups")))
            continue;
        F->cells++;
        if (!checked(r) || r->set[0].certified == 0 || !(r->set[0].med_u > 0) || !(r->robust > 0))
            continue;
        F->plotted++;
        fprintf(F->data, "%.17g %.17g %d %zu\n", r->set[0].med_u, r->robust, r->regime, r->index);
    }
}

/* x, eps_rel upper bound, series index, cell; series names in order. */
static size_t data_kkt(fig_t *F)
{
    const char *x = json_string_value(json_object_get(F->fig, "x"));
    const char *sname = json_is_string(json_object_get(F->fig, "series")) ?
                        json_string_value(json_object_get(F->fig, "series")) : "polish";
    size_t ns = 0;
    fprintf(F->data, "# %s eps_rel_upper series(%s) cell\n", x, sname);
    for (size_t i = 0; i < F->ctx->n; i++) {
        const rep_row *r = &F->ctx->rows[i];
        char sv[64];
        size_t k;
        double xv = opt_num(r, x);
        if (!nrc_rep_in_groups(r, json_object_get(F->fig, "groups")))
            continue;
        F->cells++;
        if (!checked(r) || !(r->eps_rel > 0) || !(xv > 0))
            continue;
        nrc_rep_opt(r, "train", sname, sv, sizeof sv);
        for (k = 0; k < ns && strcmp(F->series[k], sv); k++)
            ;
        if (k == ns) {
            if (ns == MAX_SERIES)
                continue;
            snprintf(F->series[ns++], 64, "%s", sv);
        }
        F->plotted++;
        fprintf(F->data, "%.17g %.17g %zu %zu\n", xv, r->eps_rel, k, r->index);
    }
    return ns;
}

/* Per series: x and the median of the certified eps_rel upper bounds of the
 * networks at that x (the median of upper bounds bounds the median from
 * above), for the lines of the kkt figure. */
static nrc_status kkt_series_files(const fig_t *F, size_t ns, nrc_error *err)
{
    const char *x = json_string_value(json_object_get(F->fig, "x"));
    const char *sname = json_is_string(json_object_get(F->fig, "series")) ?
                        json_string_value(json_object_get(F->fig, "series")) : "polish";
    size_t n = F->ctx->n;
    double *xs = nrc_calloc(n + 1, sizeof *xs), *vs = nrc_calloc(n + 1, sizeof *vs);
    nrc_status st = NRC_OK;
    if (!xs || !vs)
        st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    for (size_t k = 0; k < ns && st == NRC_OK; k++) {
        char *buf = NULL, *ext = nrc_sweep_strf(".s%zu.dat", k);
        size_t len = 0, nx = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f || !ext) {
            st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
            nrc_free(ext);
            break;
        }
        fprintf(f, "# %s median_eps_rel_upper networks (series %s = %s)\n", x, sname, F->series[k]);
        for (size_t i = 0; i < n; i++) {   /* distinct x of this series */
            const rep_row *r = &F->ctx->rows[i];
            char sv[64];
            double xv = opt_num(r, x);
            size_t j;
            if (!nrc_rep_in_groups(r, json_object_get(F->fig, "groups")) || !checked(r) || !(r->eps_rel > 0) || !(xv > 0))
                continue;
            nrc_rep_opt(r, "train", sname, sv, sizeof sv);
            if (strcmp(sv, F->series[k]))
                continue;
            for (j = 0; j < nx && xs[j] != xv; j++)
                ;
            if (j == nx)
                xs[nx++] = xv;
        }
        qsort(xs, nx, sizeof *xs, cmp_dbl);
        for (size_t a = 0; a < nx; a++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++) {
                const rep_row *r = &F->ctx->rows[i];
                char sv[64];
                if (!nrc_rep_in_groups(r, json_object_get(F->fig, "groups")) || !checked(r) || !(r->eps_rel > 0) ||
                    opt_num(r, x) != xs[a])
                    continue;
                nrc_rep_opt(r, "train", sname, sv, sizeof sv);
                if (!strcmp(sv, F->series[k]))
                    vs[m++] = r->eps_rel;
            }
            fprintf(f, "%.17g %.17g %zu\n", xs[a], nrc_rep_median(vs, m, 1), m);
        }
        fclose(f);
        st = write_text(F->ctx, F->name, ext, buf, len, err);
        free(buf);
        nrc_free(ext);
    }
    nrc_free(xs);
    nrc_free(vs);
    return st;
}

/* Per certified point: U, D (lower bound on N's own flip distance), regime, cell, index. */
static void data_lower(fig_t *F)
{
    fprintf(F->data, "# U D regime cell point\n");
    for (size_t i = 0; i < F->ctx->n; i++) {
        const rep_row *r = &F->ctx->rows[i];
        size_t j;
        json_t *f;
        int any = 0;
        if (!nrc_rep_in_groups(r, json_object_get(F->fig, "groups")))
            continue;
        F->cells++;
        if (!checked(r))
            continue;
        json_array_foreach(json_object_get(r->cert, "flips"), j, f) {
            double U = nrc_rep_hex(json_object_get(f, "delta_norm_upper"));
            double D = nrc_rep_hex(json_object_get(f, "dist_lower"));
            if (strcmp(nrc_rep_str(json_object_get(f, "set"), ""), F->set) ||
                strcmp(nrc_rep_str(json_object_get(f, "status"), ""), "certified") || !(U > 0) || !(D > 0))
                continue;
            any = 1;
            fprintf(F->data, "%.17g %.17g %d %zu %lld\n", U, D, r->regime, r->index,
                    (long long)json_integer_value(json_object_get(f, "index")));
        }
        F->plotted += (size_t)any;
    }
}

/* ---- scripts and captions ------------------------------------------------------ */

static void gp_head(FILE *g, const char *name, const char *title, const char *xl, const char *yl)
{
    fprintf(g, "# gnuplot script written by `sweep report`: draws %s.png and %s.pdf from the data files beside it\n"
            "set encoding utf8\n"
            "set terminal pngcairo size 1000,700 noenhanced font 'sans,11'\n"
            "set output '%s.png'\n"
            "set title \"%s\"\n"
            "set xlabel \"%s\"\nset ylabel \"%s\"\n"
            "set logscale xy\nset grid\nset key below left Left reverse\nset bars small\n",
            name, name, name, title, xl, yl);
}

static void gp_tail(FILE *g, const char *name)
{
    fprintf(g, "set terminal pdfcairo size 6.5in,4.5in noenhanced font 'sans,9'\n"
            "set output '%s.pdf'\nreplot\nunset output\n", name);
}

static void gp_flip(FILE *g, const fig_t *F)
{
    const char *x = json_string_value(json_object_get(F->fig, "x"));
    char xl[96];
    snprintf(xl, sizeof xl, "%s", x);
    gp_head(g, F->name, nrc_rep_str(json_object_get(F->fig, "title"), "certified flip distance"), xl,
            "perturbation norm ||delta||");
    fprintf(g, "set offsets graph 0.03, graph 0.03, 0, 0\n"
            "plot '%s.dat' using 1:($5 == 1 ? $2 : 1/0):3:4 with yerrorbars pt 7 ps 1.1 lc rgb '#1f5fa8' "
            "title 'certified U (median over %s points; bars min..max), nearly orthogonal data', \\\n"
            "     '%s.dat' using 1:($5 == 0 ? $2 : 1/0):3:4 with yerrorbars pt 6 ps 1.1 lc rgb '#c0392b' "
            "title 'certified U (median over %s points; bars min..max), outside the regime', \\\n"
            "     '%s.pred.dat' using 1:2 with lines dt 2 lw 2 lc rgb '#222222' title 'prediction sqrt(d/n)', \\\n"
            "     '%s.pred.dat' using 1:3 with lines lw 2 lc rgb '#27ae60' title 'prediction ||z||/n (mean over seeds)'\n",
            F->name, F->set, F->name, F->set, F->name, F->name);
}

/* A scatter of one point per row of NAME.dat (columns 1, 2; column 3 the
 * regime flag), in and out of the regime, with the diagonal y = x. */
static void gp_scatter_diag(FILE *g, const fig_t *F, const char *title, const char *xl, const char *yl,
                            const char *what, const char *diag)
{
    gp_head(g, F->name, nrc_rep_str(json_object_get(F->fig, "title"), title), xl, yl);
    fprintf(g, "plot '%s.dat' using 1:($3 == 1 ? $2 : 1/0) with points pt 7 ps 1 lc rgb '#1f5fa8' "
            "title '%s: nearly orthogonal data', \\\n"
            "     '%s.dat' using 1:($3 == 0 ? $2 : 1/0) with points pt 6 ps 1 lc rgb '#c0392b' "
            "title '%s: outside the regime', \\\n"
            "     x with lines dt 2 lc rgb '#222222' title '%s'\n", F->name, what, F->name, what, diag);
}

static void gp_robust(FILE *g, const fig_t *F)
{
    gp_scatter_diag(g, F, "robust reference vs trained network",
                    "certified flip distance of the trained network: median U over training points (upper bound)",
                    "certified robust radius r of the reference network (lower bound)", "one network", "r = U");
}

static void gp_kkt(FILE *g, const fig_t *F, size_t ns)
{
    static const char *const colors[MAX_SERIES] = {"#1f5fa8", "#c0392b", "#27ae60", "#8e44ad",
                                                   "#d35400", "#2c3e50", "#16a085", "#7f8c8d"};
    const char *x = json_string_value(json_object_get(F->fig, "x"));
    const char *sname = json_is_string(json_object_get(F->fig, "series")) ?
                        json_string_value(json_object_get(F->fig, "series")) : "polish";
    gp_head(g, F->name, nrc_rep_str(json_object_get(F->fig, "title"), "certified KKT residual"), x,
            "certified eps_rel (upper bound of ||r|| / ||theta||)");
    fprintf(g, "plot ");
    for (size_t k = 0; k < ns; k++)
        fprintf(g, "%s'%s.dat' using 1:($3 == %zu ? $2 : 1/0) with points pt 7 ps 1.1 lc rgb '%s' "
                "title '%s = %s: one point per network', \\\n     '%s.s%zu.dat' using 1:2 "
                "with lines lc rgb '%s' title '%s = %s: median over the networks at each value of %s'",
                k ? ", \\\n     " : "", F->name, k, colors[k], sname, F->series[k], F->name, k, colors[k], sname,
                F->series[k], x);
    fprintf(g, "\n");
}

static void gp_lower(FILE *g, const fig_t *F)
{
    char what[64];
    snprintf(what, sizeof what, "one %s point", F->set);
    gp_scatter_diag(g, F, "lower bound D against flip distance U", "certified flip distance U along -p z (upper bound)",
                    "certified lower bound D on the distance to the decision boundary", what, "D = U");
}

static char *caption(const fig_t *F)
{
    const char *extra = nrc_rep_str(json_object_get(F->fig, "caption"), "");
    const char *x = nrc_rep_str(json_object_get(F->fig, "x"), "");
    char tail[256];
    snprintf(tail, sizeof tail, " Plotted: %zu of the %zu cells of the figure's groups (the others have no "
             "certificate that passed the check, or nothing certified to plot).%s%s", F->plotted, F->cells,
             *extra ? " " : "", extra);
    if (!strcmp(F->kind, "flip"))
        return nrc_sweep_strf(
            "Certified flip distance at %s points against %s. Certified (each point one trained network, "
            "its certificate checked by the independent checker): U, an upper bound on the norm of a "
            "perturbation delta = -p s z that flips the label of the point, median over the %s points of "
            "the network, bars from the smallest to the largest U; filled: nearly orthogonal data "
            "(certified eps_data <= 0.1 and gamma_z > 0), open: outside that regime. Predictions (lines, "
            "not certified; spec/MATH.md section 5): sqrt(d/n) and ||z||/n, mean over the seeds.%s",
            F->set, x, F->set, tail);
    if (!strcmp(F->kind, "robust"))
        return nrc_sweep_strf(
            "Robust networks exist. Certified, per trained network: x, the median over its training points "
            "of U (upper bound on the flip distance along -p z); y, the radius r (lower bound) such that the "
            "width-n reference network of spec/MATH.md section 7 fits the same data with every training "
            "point robust to perturbations of norm < r. Points above the line r = U: the reference network "
            "is provably more robust than the trained one is at most.%s", tail);
    if (!strcmp(F->kind, "kkt"))
        return nrc_sweep_strf(
            "Certified KKT residual against %s. Certified, per network: eps_rel, an upper bound on "
            "||theta - sum_i lambda_i h_i|| / ||theta|| (spec/CERTIFICATE.md, kkt), how far the network is "
            "from a KKT point of the max-margin problem; one colour per value of the series option (with "
            "and without the KKT polish of spec/POLISH.md), lines through the median per value of %s. Networks "
            "whose KKT claim is not applicable (not every training point fitted) are not plotted.%s",
            x, x, tail);
    return nrc_sweep_strf(
        "Where the network's own robustness lies, per %s point. Certified: U (x), an upper bound on the "
        "norm of a perturbation along -p z that flips the label, and D (y), a lower bound on the distance "
        "from the point to the decision boundary in any direction (D L <= p N(x), L a certified Lipschitz "
        "bound; spec/MATH.md section 8). The true minimal flip distance lies between D and U, so every "
        "point lies on or below the line D = U; the distance below it is the gap the certificate leaves "
        "open.%s", F->set, tail);
}

/* ---- drawing ------------------------------------------------------------------- */

static void remove_outputs(const rep_ctx *ctx, const char *name)
{
    static const char *const ext[] = {".png", ".pdf", ".caption", ".gp", ".dat", ".pred.dat"};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        char *p = nrc_sweep_strf("%s/%s%s", ctx->out, name, ext[i]);
        if (p)
            unlink(p);
        nrc_free(p);
    }
    for (int k = 0; k < MAX_SERIES; k++) {
        char *p = nrc_sweep_strf("%s/%s.s%d.dat", ctx->out, name, k);
        if (p)
            unlink(p);
        nrc_free(p);
    }
}

static int draw(rep_ctx *ctx, const char *name)
{
    char *script = nrc_sweep_strf("%s.gp", name), *log = nrc_sweep_strf("%s/%s.gnuplot.log", ctx->out, name);
    char *png = nrc_sweep_strf("%s/%s.png", ctx->out, name), *pdf = nrc_sweep_strf("%s/%s.pdf", ctx->out, name);
    char *argv[3] = {(char *)ctx->gnuplot, script, NULL};
    int rc = -1;
    if (script && log && png && pdf) {
        rc = nrc_sweep_spawn(argv, ctx->out, log, NULL, NULL);
        if (rc == 0 && (access(png, F_OK) != 0 || access(pdf, F_OK) != 0))
            rc = -1;
        if (rc != 0) {
            unsigned char *t = NULL;
            size_t l = 0;
            fprintf(stderr, "sweep: figure %s: gnuplot failed (exit %d):\n", name, rc);
            if (nrc_file_read_all(log, 1 << 16, &t, &l, NULL) == NRC_OK)
                fprintf(stderr, "%.*s\n", (int)l, (const char *)t);
            nrc_free(t);
        } else {
            unlink(log);
        }
    }
    nrc_free(script);
    nrc_free(log);
    nrc_free(png);
    nrc_free(pdf);
    return rc;
}

static nrc_status one_figure(rep_ctx *ctx, const json_t *fig, nrc_error *err)
{
    fig_t F = {ctx, fig, json_string_value(json_object_get(fig, "name")),
               json_string_value(json_object_get(fig, "kind")), nrc_rep_str(json_object_get(fig, "set"), "train"),
               NULL, NULL, 0, 0, 0, {{0}}};
    char *gbuf = NULL, *pbuf = NULL, *cap = NULL;
    size_t glen = 0, plen = 0;
    FILE *g = open_memstream(&gbuf, &glen), *pred = NULL;
    size_t ns = 0;
    nrc_status st = NRC_OK;

    remove_outputs(ctx, F.name);
    F.data = open_memstream(&F.data_buf, &F.data_len);
    if (!g || !F.data)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    if (!strcmp(F.kind, "flip")) {
        pred = open_memstream(&pbuf, &plen);
        if (!pred)
            return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
        data_flip(&F, pred);
        gp_flip(g, &F);
    } else if (!strcmp(F.kind, "robust")) {
        data_robust(&F);
        gp_robust(g, &F);
    } else if (!strcmp(F.kind, "kkt")) {
        ns = data_kkt(&F);
        gp_kkt(g, &F, ns);
    } else {
        data_lower(&F);
        gp_lower(g, &F);
    }
    gp_tail(g, F.name);
    fclose(g);
    fclose(F.data);
    if (pred)
        fclose(pred);
    cap = caption(&F);
    if (!cap)
        st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    if (st == NRC_OK)
        st = write_text(ctx, F.name, ".dat", F.data_buf, F.data_len, err);
    if (st == NRC_OK && pbuf)
        st = write_text(ctx, F.name, ".pred.dat", pbuf, plen, err);
    if (st == NRC_OK && ns)
        st = kkt_series_files(&F, ns, err);
    if (st == NRC_OK)
        st = write_text(ctx, F.name, ".gp", gbuf, glen, err);
    if (st == NRC_OK && F.plotted == 0) {
        fprintf(stderr, "sweep: figure %s: nothing certified to plot (%zu cells in its groups); not drawn\n", F.name,
                F.cells);
    } else if (st == NRC_OK && !ctx->gnuplot) {
        ctx->figure_errors++;
    } else if (st == NRC_OK && draw(ctx, F.name) != 0) {
        ctx->figure_errors++;
    } else if (st == NRC_OK) {
        st = write_text(ctx, F.name, ".caption", cap, strlen(cap), err);
        ctx->figures_drawn++;
    }
    free(gbuf);
    free(pbuf);
    free(F.data_buf);
    nrc_free(cap);
    return st;
}

nrc_status nrc_rep_figures(rep_ctx *ctx, nrc_error *err)
{
    size_t i;
    json_t *fig;
    json_array_foreach(ctx->plan->figures, i, fig) {
        nrc_status st = one_figure(ctx, fig, err);
        if (st != NRC_OK)
            return st;
    }
    return NRC_OK;
}
