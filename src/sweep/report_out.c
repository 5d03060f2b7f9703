/* The report's tables: cells.csv (every column), report.md (markdown),
 * tables.tex + report.tex (LaTeX: booktabs, threeparttable; compiles with
 * pdflatex as is).  Each file is built in memory and written atomically. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nrc_io.h"
#include "nrc_alloc.h"
#include "nrc_sweep.h"
#include "nrc_sweep_report.h"

static const char *const OUTCOME[4] = {"certified", "undecided", "failed", "not-run"};

static const char *outcome_of(const rep_row *r)
{
    return OUTCOME[r->state < 0 ? 3 : r->state];
}

/* Upper (up = 1) or lower bound with `digits` digits; "" (or dash) for NaN. */
static const char *num(char *b, size_t n, double x, int digits, int up, const char *none)
{
    if (isnan(x))
        snprintf(b, n, "%s", none);
    else
        nrc_sweep_fmt_dir(b, n, x, digits, up);
    return b;
}

static const char *plain(char *b, size_t n, double x, int digits, const char *none)
{
    if (isnan(x))
        snprintf(b, n, "%s", none);
    else
        snprintf(b, n, "%.*g", digits, x);
    return b;
}

/* Close the memory stream (which sets *buf and *len) and write its text. */
static nrc_status finish(FILE *f, char **buf, size_t *len, const char *dir, const char *name, nrc_error *err)
{
    char *path = nrc_sweep_strf("%s/%s", dir, name);
    nrc_status st;
    if (fclose(f) != 0 || !path) {
        free(*buf);
        nrc_free(path);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "%s/%s: out of memory", dir, name);
    }
    st = nrc_file_write_atomic(path, *buf, *len, err);
    free(*buf);
    nrc_free(path);
    return st;
}

static void groups_text(const rep_row *r, char *b, size_t n, const char *sep)
{
    size_t i, used = 0;
    json_t *g;
    b[0] = 0;
    json_array_foreach(r->cell->groups, i, g) {
        int w = snprintf(b + used, n - used, "%s%s", i ? sep : "", json_string_value(g));
        if (w < 0 || (size_t)w >= n - used)
            break;
        used += (size_t)w;
    }
}

/* ---- CSV ----------------------------------------------------------------- */

static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_options(FILE *f, const rep_row *r, const char *side, int header)
{
    const char *key;
    json_t *v;
    char b[256];
    json_object_foreach(json_object_get(r->cell->options, side), key, v) {
        fputc(',', f);
        if (header) {
            fputs(key, f);
        } else {
            nrc_rep_opt(r, side, key, b, sizeof b);
            csv_field(f, b);
        }
    }
}

static void csv_row(FILE *f, const rep_row *r)
{
    char b[9][64], g[512];
    static const char *const st[3] = {"train", "certify", "check"};
    groups_text(r, g, sizeof g, ";");
    fprintf(f, "%zu,%s,", r->index, r->cell->key);
    csv_field(f, g);
    fprintf(f, ",%s,%s", outcome_of(r), r->stage);
    for (int i = 0; i < 3; i++)
        r->exit[i] == -2 ? fprintf(f, ",") : fprintf(f, ",%d", r->exit[i]);
    fputc(',', f);
    csv_field(f, r->state == 0 ? "" : r->reason);
    csv_options(f, r, "train", 0);
    csv_options(f, r, "certify", 0);
    if (r->state == 0 || r->state == 1) {
        fprintf(f, ",%s,%d", num(b[0], 64, r->eps_data, 17, 1, ""), r->regime);
        for (int s = 0; s < 2; s++)
            fprintf(f, ",%zu,%zu", r->set[s].certified, r->set[s].total);
        fprintf(f, ",%s,%s,%s,%s,%s,%s,%s,%s,%s,%s", num(b[0], 64, r->set[0].med_rel, 17, 1, ""),
                num(b[1], 64, r->set[0].max_rel, 17, 1, ""), num(b[2], 64, r->set[1].med_rel, 17, 1, ""),
                num(b[3], 64, r->set[1].max_rel, 17, 1, ""), num(b[4], 64, r->set[0].med_u, 17, 1, ""),
                num(b[5], 64, r->set[1].med_u, 17, 1, ""), plain(b[6], 64, r->pred_sqrt, 17, ""),
                plain(b[7], 64, r->pred_z, 17, ""), num(b[8], 64, r->robust, 17, 0, ""),
                num(b[8] + 32, 32, r->eps_rel, 17, 1, ""));
    } else {
        fprintf(f, ",,,,,,,,,,,,,,,,");   /* the 16 certificate columns */
    }
    fputc(',', f);
    csv_field(f, r->polish);
    for (int i = 0; i < 3; i++)
        isnan(r->wall[i]) ? fprintf(f, ",") : fprintf(f, ",%.3f", r->wall[i]);
    for (int i = 0; i < 3; i++)
        isnan(r->cpu[i]) ? fprintf(f, ",") : fprintf(f, ",%.3f", r->cpu[i]);
    (void)st;
    fprintf(f, ",%s,%s\n", r->state <= 1 && r->state >= 0 ? r->cert_sha : "",
            r->state <= 1 && r->state >= 0 ? r->model_sha : "");
}

nrc_status nrc_rep_csv(rep_ctx *ctx, nrc_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    fprintf(f, "index,key,groups,outcome,stage,exit_train,exit_certify,exit_check,reason");
    if (ctx->n) {
        csv_options(f, &ctx->rows[0], "train", 1);
        csv_options(f, &ctx->rows[0], "certify", 1);
    }
    fprintf(f, ",eps_data_upper,regime,train_certified,train_total,test_certified,test_total,"
            "train_median_rel_upper,train_max_rel_upper,test_median_rel_upper,test_max_rel_upper,"
            "train_median_delta_upper,test_median_delta_upper,pred_sqrt_d_over_n,pred_z_norm_over_n,"
            "robust_radius_lower,eps_rel_upper,polish,train_wall_s,certify_wall_s,check_wall_s,"
            "train_cpu_s,certify_cpu_s,check_cpu_s,cert_sha256,model_sha256\n");
    for (size_t i = 0; i < ctx->n; i++)
        csv_row(f, &ctx->rows[i]);
    return finish(f, &buf, &len, ctx->out, "cells.csv", err);
}

/* ---- markdown ----------------------------------------------------------- */

static void md_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|' || *s == '*' || *s == '_' || *s == '`' || *s == '\\' || *s == '<' || *s == '[')
            fputc('\\', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
}

static void flips_text(char *b, size_t n, const rep_set *s)
{
    if (s->total == 0)
        snprintf(b, n, "-");
    else
        snprintf(b, n, "%zu/%zu", s->certified, s->total);
}

static void md_row(FILE *f, const rep_row *r)
{
    char o[7][64], b[9][64], g[512];
    static const char *const names[7] = {"n", "d", "k", "steps", "polish", "seed", "points"};
    for (int i = 0; i < 7; i++)
        nrc_rep_opt(r, i == 6 ? "certify" : "train", names[i], o[i], 64);
    groups_text(r, g, sizeof g, ", ");
    fprintf(f, "| %zu | ", r->index);
    md_escape(f, g);
    fprintf(f, " | %s | %s | %s | %s | %s | %s | %s |", o[0], o[1], o[2], o[3], o[4], o[5], outcome_of(r));
    if (r->state == 0 || r->state == 1) {
        flips_text(b[0], 64, &r->set[0]);
        flips_text(b[1], 64, &r->set[1]);
        fprintf(f, " %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | `%.12s` |\n",
                num(b[2], 64, r->eps_data, 4, 1, "-"), r->regime ? "in" : "out", b[0], b[1],
                num(b[3], 64, r->set[0].med_u, 4, 1, "-"), num(b[4], 64, r->set[0].med_rel, 4, 1, "-"),
                plain(b[5], 64, r->pred_sqrt, 4, "-"), plain(b[6], 64, r->pred_z, 4, "-"),
                num(b[7], 64, r->robust, 4, 0, "-"), num(b[8], 64, r->eps_rel, 3, 1, "-"), r->polish, r->cert_sha);
    } else {
        fprintf(f, " - | - | - | - | - | - | - | - | - | - | - | - |\n");
    }
}

/* The caption of a drawn figure (NAME.caption, written only when the figure
 * was drawn), as a string, or NULL. */
static char *read_caption(const rep_ctx *ctx, const char *name)
{
    char *path = nrc_sweep_strf("%s/%s.caption", ctx->out, name), *t = NULL;
    unsigned char *text = NULL;
    size_t len = 0;
    if (path && nrc_file_read_all(path, 1 << 16, &text, &len, NULL) == NRC_OK)
        t = nrc_sweep_strf("%.*s", (int)len, (const char *)text);
    nrc_free(text);
    nrc_free(path);
    return t;
}

static void md_figures(FILE *f, const rep_ctx *ctx)
{
    size_t i;
    json_t *fig;
    int k = 0;
    json_array_foreach(ctx->plan->figures, i, fig) {
        const char *name = json_string_value(json_object_get(fig, "name"));
        char *cap = read_caption(ctx, name);
        if (cap)
            fprintf(f, "![%s](%s.png)\n\n*Figure %d (%s.png, %s.pdf; data %s.dat).* %s\n\n", name, name, ++k, name,
                    name, name, cap);
        nrc_free(cap);
    }
    if (k == 0)
        fprintf(f, "No figure drawn.\n\n");
}

nrc_status nrc_rep_markdown(rep_ctx *ctx, const size_t counts[4], nrc_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    fprintf(f, "# Sweep %s\n\n", ctx->plan->name);
    fprintf(f, "%zu cells: %zu certified (every claim), %zu undecided (the check passed; some claims undecided), "
            "%zu failed (no valid certificate), %zu not run.\n\n", ctx->n, counts[0], counts[1], counts[2], counts[3]);
    fprintf(f, "Every number marked <= or >= is a certified bound read from a certificate that passed the "
            "independent check (`nrc-check CERT MODEL`) against the model's SHA-256, rounded outward when "
            "printed. sqrt(d/n) and \\|\\|z\\|\\|/n are predictions of the theory (spec/MATH.md section 5), "
            "not certified. cells.csv has every option and column.\n\n");
    fprintf(f, "## Figures\n\n");
    md_figures(f, ctx);
    fprintf(f, "## Cells\n\n");
    fprintf(f, "| # | groups | n | d | k | steps | polish | seed | outcome | eps_data <= | regime | train flips | "
            "test flips | median \\|\\|delta\\|\\| (train) <= | median \\|\\|delta\\|\\|/\\|\\|x\\|\\| (train) <= | "
            "sqrt(d/n) (prediction) | \\|\\|z\\|\\|/n (prediction) | robust radius >= | eps_rel <= | polish outcome | "
            "certificate SHA-256 |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < ctx->n; i++)
        md_row(f, &ctx->rows[i]);
    fprintf(f, "\n## Failed, undecided and missing cells\n\n");
    for (size_t i = 0, any = 0; i < ctx->n || !any; i++) {
        const rep_row *r;
        if (i >= ctx->n) {
            fprintf(f, "None.\n");
            break;
        }
        r = &ctx->rows[i];
        if (r->state == 0)
            continue;
        any = 1;
        fprintf(f, "- cell %zu (`%.16s`), %s: ", r->index, r->cell->key, outcome_of(r));
        md_escape(f, r->reason);
        fprintf(f, "\n");
    }
    fprintf(f, "\n## Re-checking a certificate\n\nFrom the sweep directory: "
            "`nrc-check cells/KEY/cert.json cells/KEY/model.bin` (or `certify --check`), KEY = the first 16 hex "
            "digits of the cell's key; exit 0 means every claim holds exactly.\n");
    return finish(f, &buf, &len, ctx->out, "report.md", err);
}

/* ---- LaTeX --------------------------------------------------------------- */

static void tex_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\\': fputs("\\textbackslash{}", f); break;
        case '~': fputs("\\textasciitilde{}", f); break;
        case '^': fputs("\\textasciicircum{}", f); break;
        case '_': case '%': case '&': case '#': case '$': case '{': case '}':
            fputc('\\', f);
            fputc(*s, f);
            break;
        case '<': fputs("\\textless{}", f); break;
        case '|': fputs("\\textbar{}", f); break;
        case '>': fputs("\\textgreater{}", f); break;
        default: fputc(*s, f);
        }
    }
}

static void tex_row(FILE *f, const rep_row *r)
{
    char o[6][64], b[8][64];
    static const char *const names[6] = {"n", "d", "k", "steps", "polish", "seed"};
    for (int i = 0; i < 6; i++)
        nrc_rep_opt(r, "train", names[i], o[i], 64);
    fprintf(f, "%zu & %s & %s & %s & %s & %s & %s & ", r->index, o[0], o[1], o[2], o[3],
            strcmp(o[4], "true") == 0 ? "yes" : "no", o[5]);
    if (r->state == 0 || r->state == 1) {
        flips_text(b[0], 64, &r->set[0]);
        flips_text(b[1], 64, &r->set[1]);
        fprintf(f, "%s%s & %s; %s & %s & %s & %s & %s & %s & \\texttt{%.8s}%s \\\\\n",
                num(b[2], 64, r->eps_data, 3, 1, "--"), r->regime ? "" : "$^{*}$", b[0], b[1],
                num(b[3], 64, r->set[0].med_u, 3, 1, "--"), plain(b[4], 64, r->pred_sqrt, 3, "--"),
                plain(b[5], 64, r->pred_z, 3, "--"), num(b[6], 64, r->robust, 3, 0, "--"),
                num(b[7], 64, r->eps_rel, 2, 1, "--"), r->cert_sha, r->state == 1 ? "$^{u}$" : "");
    } else {
        fprintf(f, "\\multicolumn{8}{l}{%s} \\\\\n", r->state < 0 ? "not run" : "failed (see notes)");
    }
}

static void tex_notes(FILE *f, const rep_ctx *ctx, const char *group)
{
    json_t *g = json_pack("[s]", group);
    fprintf(f, "\\begin{tablenotes}\\scriptsize\n"
            "\\item Certified (exact real arithmetic on the stored binary64 values; every certificate passed the "
            "independent checker against the model's SHA-256): $\\varepsilon_{\\mathrm{data}}$ (upper bound; "
            "$^{*}$ outside the nearly orthogonal regime), flips certified/total at training; test points, the "
            "median over the certified training points of the upper bound $U \\ge \\|\\delta\\|$, the robust "
            "reference radius $r$ (lower bound), the KKT residual $\\epsilon_{\\mathrm{rel}}$ (upper bound). "
            "Bounds are rounded outward. Predictions, not certified: $\\sqrt{d/n}$ and $\\|z\\|/n$ "
            "(spec/MATH.md section 5). $^{u}$: some claims undecided (they assert nothing).\n"
            "\\item Re-check a certificate: \\texttt{nrc-check cells/KEY/cert.json cells/KEY/model.bin} in the "
            "sweep directory, KEY the cell of its row listed below with the certificate's full SHA-256 (exit 0: "
            "every claim holds).\n");
    for (size_t i = 0; i < ctx->n; i++) {
        const rep_row *r = &ctx->rows[i];
        if (!nrc_rep_in_groups(r, g))
            continue;
        if (r->state == 0 || r->state == 1)
            fprintf(f, "\\item[%zu] cell \\texttt{%.16s}: certificate SHA-256\\\\ \\texttt{%s}\n", r->index,
                    r->cell->key, r->cert_sha);
        else {
            fprintf(f, "\\item[%zu] cell \\texttt{%.16s}: ", r->index, r->cell->key);
            tex_escape(f, r->reason);
            fprintf(f, "\n");
        }
    }
    fprintf(f, "\\end{tablenotes}\n");
    json_decref(g);
}

static void tex_table(FILE *f, const rep_ctx *ctx, const char *group)
{
    json_t *g = json_pack("[s]", group);
    fprintf(f, "\\begin{table}[htbp]\n\\centering\n\\begin{threeparttable}\n\\caption{Sweep \\texttt{");
    tex_escape(f, ctx->plan->name);
    fprintf(f, "}, group \\texttt{");
    tex_escape(f, group);
    fprintf(f, "}: certified flip distances, robust radius and KKT residual, against the predictions.}\n"
            "\\scriptsize\n\\setlength{\\tabcolsep}{3pt}\n"
            "\\begin{tabular}{rrrrrlrrlrrrrrl}\n\\toprule\n"
            "\\# & $n$ & $d$ & $k$ & steps & polish & seed & $\\varepsilon_{\\mathrm{data}} \\le$ & flips & "
            "med.\\ $\\|\\delta\\| \\le$ & $\\sqrt{d/n}$ & $\\|z\\|/n$ & $r \\ge$ & "
            "$\\epsilon_{\\mathrm{rel}} \\le$ & cert. \\\\\n\\midrule\n");
    for (size_t i = 0; i < ctx->n; i++)
        if (nrc_rep_in_groups(&ctx->rows[i], g))
            tex_row(f, &ctx->rows[i]);
    fprintf(f, "\\bottomrule\n\\end{tabular}\n");
    tex_notes(f, ctx, group);
    fprintf(f, "\\end{threeparttable}\n\\end{table}\n\n");
    json_decref(g);
}

/* The groups in order of first appearance. */
static json_t *all_groups(const rep_ctx *ctx)
{
    json_t *out = json_array();
    for (size_t i = 0; i < ctx->n; i++) {
        size_t j;
        json_t *g;
        json_array_foreach(ctx->rows[i].cell->groups, j, g) {
            json_t *one = json_pack("[O]", g);
            int have = 0;
            for (size_t l = 0; l < json_array_size(out); l++)
                have |= json_equal(json_array_get(out, l), g);
            if (!have)
                json_array_append(out, g);
            json_decref(one);
        }
    }
    return out;
}

nrc_status nrc_rep_latex(rep_ctx *ctx, const size_t counts[4], nrc_error *err)
{
    char *buf = NULL, *fbuf = NULL;
    size_t len = 0, flen = 0, i;
    FILE *f = open_memstream(&buf, &len), *ff;
    json_t *groups = all_groups(ctx), *g, *fig;
    nrc_status st;
    (void)counts;
    if (!f || !groups)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    fprintf(f, "%% Written by `sweep report` (spec/SWEEP.md). Needs booktabs and threeparttable.\n");
    json_array_foreach(groups, i, g) tex_table(f, ctx, json_string_value(g));
    json_decref(groups);
    st = finish(f, &buf, &len, ctx->out, "tables.tex", err);
    if (st != NRC_OK)
        return st;
    ff = open_memstream(&fbuf, &flen);
    if (!ff)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    fprintf(ff, "%% Figures of `sweep report`; the PDFs are beside this file.\n");
    json_array_foreach(ctx->plan->figures, i, fig) {
        const char *name = json_string_value(json_object_get(fig, "name"));
        char *cap = read_caption(ctx, name);
        if (cap) {
            fprintf(ff, "\\begin{figure}[htbp]\n\\centering\n\\includegraphics[width=0.85\\linewidth]{%s.pdf}\n"
                    "\\caption{", name);
            tex_escape(ff, cap);
            fprintf(ff, "}\n\\end{figure}\n\n");
        }
        nrc_free(cap);
    }
    st = finish(ff, &fbuf, &flen, ctx->out, "figures.tex", err);
    if (st != NRC_OK)
        return st;
    {
        static const char doc[] =
            "% A minimal document around the report's tables and figures: pdflatex report.tex\n"
            "\\documentclass{article}\n\\usepackage[margin=2cm]{geometry}\n"
            "\\usepackage{booktabs,threeparttable,graphicx}\n\\begin{document}\n"
            "\\input{tables.tex}\n\\clearpage\n\\input{figures.tex}\n\\end{document}\n";
        char *path = nrc_sweep_strf("%s/report.tex", ctx->out);
        if (!path)
            return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
        st = nrc_file_write_atomic(path, doc, sizeof doc - 1, err);
        nrc_free(path);
    }
    return st;
}
