/* The certificate writer and the summary (include/certify/nrc_certify.h,
 * spec/CERTIFICATE.md).  Members in the order of the spec, jansson with
 * JSON_PRESERVE_ORDER | JSON_INDENT(2), every claimed number as glibc's %a
 * rendering: the output is a pure function of the model, the options and
 * the tool version. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "nrc_alloc.h"
#include "nrc_certify.h"

#ifndef NRC_VERSION
#define NRC_VERSION "0.0.0"
#endif

static json_t *hex(double x)
{
    char buf[64];
    if (x == 0)
        x = 0.0;            /* no "-0x0p+0" */
    snprintf(buf, sizeof buf, "%a", x);
    return json_string(buf);
}

static json_t *enc(const double e[2])
{
    json_t *a = json_array();
    json_array_append_new(a, hex(e[0]));
    json_array_append_new(a, hex(e[1]));
    return a;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Informative statistics over the certified flips of one set (binary64). */
typedef struct {
    size_t certified, total;
    double med_rel, max_rel, med_ratio;
} set_stats;

static set_stats stats_for(const nrc_certify_result *C, int set, double *tmp, double *tmp2)
{
    set_stats s;
    size_t r, c = 0;
    memset(&s, 0, sizeof s);
    for (r = 0; r < C->nflips; r++) {
        const nrc_flip *f = &C->flips[r];
        if (f->set != set)
            continue;
        s.total++;
        if (f->status != NRC_FLIP_CERTIFIED)
            continue;
        s.certified++;
        tmp[c] = f->x_norm_lower > 0 ? f->delta_upper / f->x_norm_lower : INFINITY;
        tmp2[c] = f->delta_upper > 0 ? C->robust_radius / f->delta_upper : INFINITY;
        c++;
    }
    if (c) {
        qsort(tmp, c, sizeof(double), cmp_d);
        qsort(tmp2, c, sizeof(double), cmp_d);
        s.med_rel = tmp[c / 2];
        s.max_rel = tmp[c - 1];
        s.med_ratio = tmp2[c / 2];
    }
    return s;
}

static json_t *num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

nrc_status nrc_certify_to_json(const nrc_certify_result *C, char **out, size_t *len, nrc_error *err)
{
    json_t *root = json_object(), *o, *a;
    double *tmp = nrc_malloc_array(C->nflips + 1, sizeof(double));
    double *tmp2 = nrc_malloc_array(C->nflips + 1, sizeof(double));
    size_t r, j;
    char *s;
    set_stats st[2];
    if (!root || !tmp || !tmp2) {
        json_decref(root);
        nrc_free(tmp);
        nrc_free(tmp2);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (certificate)");
    }
    json_object_set_new(root, "format", json_string("nrc-certificate"));
    json_object_set_new(root, "version", json_integer(1));
    o = json_object();
    json_object_set_new(o, "name", json_string("nrc-certify"));
    json_object_set_new(o, "version", json_string(NRC_VERSION));
    json_object_set_new(o, "engine", json_string(C->engine));
    json_object_set_new(root, "tool", o);
    o = json_object();
    json_object_set_new(o, "sha256", json_string(C->sha256_hex));
    json_object_set_new(o, "n", json_integer((json_int_t)C->n));
    json_object_set_new(o, "d", json_integer((json_int_t)C->d));
    json_object_set_new(o, "k", json_integer((json_int_t)C->k));
    json_object_set_new(o, "m", json_integer((json_int_t)C->m));
    json_object_set_new(o, "bias", json_boolean(C->bias));
    json_object_set_new(o, "fixed_second_layer", json_boolean(C->fixed_v));
    json_object_set_new(root, "model", o);
    json_object_set_new(root, "semantics", json_string("exact-real-on-binary64"));
    o = json_object();
    json_object_set_new(o, "points", json_string(C->opt.points == NRC_POINTS_TRAIN ? "train"
                                                 : C->opt.points == NRC_POINTS_TEST ? "test" : "all"));
    if (C->opt.margin_dir) {
        char buf[96];
        snprintf(buf, sizeof buf, "margin:%s", C->opt.tau_text ? C->opt.tau_text : "0");
        json_object_set_new(o, "direction", json_string(buf));
    } else {
        json_object_set_new(o, "direction", json_string("all"));
    }
    json_object_set_new(root, "options", o);
    o = json_object();
    if (C->dir_idx) {
        a = json_array();
        for (r = 0; r < C->dir_len; r++)
            json_array_append_new(a, json_integer((json_int_t)C->dir_idx[r]));
        json_object_set_new(o, "indices", a);
    } else {
        json_object_set_new(o, "indices", json_string("all"));
    }
    json_object_set_new(root, "direction", o);
    o = json_object();
    json_object_set_new(o, "all_correct", json_boolean(C->all_correct));
    json_object_set_new(o, "min_margin", enc(C->min_margin));
    json_object_set_new(o, "normalized_margin", enc(C->normalized_margin));
    json_object_set_new(o, "theta_norm_sq", enc(C->theta_norm_sq));
    json_object_set_new(root, "fit", o);
    o = json_object();
    json_object_set_new(o, "R_min_sq", enc(C->R_min_sq));
    json_object_set_new(o, "R_max_sq", enc(C->R_max_sq));
    json_object_set_new(o, "rho", enc(C->rho));
    json_object_set_new(o, "eps_data", enc(C->eps_data));
    json_object_set_new(o, "gamma_z", enc(C->gamma_z));
    json_object_set_new(o, "z_norm_sq", enc(C->z_norm_sq));
    json_object_set_new(o, "n_pos", json_integer((json_int_t)C->n_pos));
    json_object_set_new(o, "n_neg", json_integer((json_int_t)C->n_neg));
    json_object_set_new(o, "regime", json_boolean(C->regime));
    json_object_set_new(root, "data", o);
    o = json_object();
    a = json_array();
    for (j = 0; j < C->k; j++)
        json_array_append_new(a, hex(C->neuron_norm_upper[j]));
    json_object_set_new(o, "neuron_norm_upper", a);
    json_object_set_new(o, "L_upper", hex(C->L_upper));
    json_object_set_new(root, "lipschitz", o);
    a = json_array();
    for (r = 0; r < C->nflips; r++) {
        const nrc_flip *f = &C->flips[r];
        json_t *e = json_object();
        int cert = f->status == NRC_FLIP_CERTIFIED;
        json_object_set_new(e, "set", json_string(f->set ? "test" : "train"));
        json_object_set_new(e, "index", json_integer((json_int_t)f->index));
        json_object_set_new(e, "sign", json_integer(f->sign >= 0 ? 1 : -1));
        json_object_set_new(e, "scale", cert ? hex(f->scale) : json_null());
        json_object_set_new(e, "delta_norm_upper", cert ? hex(f->delta_upper) : json_null());
        json_object_set_new(e, "x_norm_lower", hex(f->x_norm_lower));
        json_object_set_new(e, "dist_lower", cert ? hex(f->dist_lower) : json_null());
        json_object_set_new(e, "status", json_string(cert ? "certified"
                                                     : f->status == NRC_FLIP_NONE ? "none" : "undecided"));
        if (!cert)
            json_object_set_new(e, "reason", json_string(f->reason ? f->reason : "undecided"));
        json_array_append_new(a, e);
    }
    json_object_set_new(root, "flips", a);
    o = json_object();
    json_object_set_new(o, "status", json_string(C->kkt_certified ? "certified" : "not-applicable"));
    json_object_set_new(o, "variant", json_string(C->fixed_v ? "fixed-second-layer" : "full"));
    a = json_array();
    if (C->kkt_certified)
        for (r = 0; r < C->n; r++)
            json_array_append_new(a, hex(C->lambda[r]));
    json_object_set_new(o, "lambda", a);
    a = json_array();
    if (C->kkt_certified)
        for (r = 0; r < C->nkinks; r++) {
            json_t *p = json_array();
            json_array_append_new(p, json_integer((json_int_t)C->kinks[2 * r]));
            json_array_append_new(p, json_integer((json_int_t)C->kinks[2 * r + 1]));
            json_array_append_new(p, hex(C->kink_g[r]));
            json_array_append_new(a, p);
        }
    json_object_set_new(o, "kinks", a);
    if (C->kkt_certified) {
        /* eta: every listed pair has |a_ij| <= eta (spec/CERTIFICATE.md) */
        json_object_set_new(o, "kink_tolerance", hex(C->kink_tolerance));
        json_object_set_new(o, "eps_rel_upper", hex(C->eps_rel_upper));
        json_object_set_new(o, "eps_upper", hex(C->eps_upper));
        json_object_set_new(o, "delta_upper", hex(C->delta_upper));
        json_object_set_new(o, "balance_defect_upper", hex(C->balance_defect_upper));
    } else {
        json_object_set_new(o, "eps_rel_upper", json_null());
        json_object_set_new(o, "eps_upper", json_null());
        json_object_set_new(o, "delta_upper", json_null());
        json_object_set_new(o, "balance_defect_upper", json_null());
        json_object_set_new(o, "reason", json_string(C->kkt_reason ? C->kkt_reason : "not certified"));
    }
    json_object_set_new(root, "kkt", o);
    o = json_object();
    json_object_set_new(o, "status", json_string(C->robust_certified ? "certified" : "not-applicable"));
    json_object_set_new(o, "radius_lower", hex(C->robust_radius));
    json_object_set_new(root, "robust_reference", o);
    o = json_object();
    json_object_set_new(o, "valid", json_boolean(C->th_valid));
    json_object_set_new(o, "z_norm", num(C->th_z_norm));
    json_object_set_new(o, "z_norm_over_n", num(C->th_z_norm / (double)C->n));
    json_object_set_new(o, "bound_over_x_norm_median", num(C->th_bound_median));
    json_object_set_new(o, "bound_over_x_norm_max", num(C->th_bound_max));
    json_object_set_new(o, "note", json_string("spec/MATH.md section 5: rigorous only at exact KKT points with gamma_z > 0; informative here"));
    json_object_set_new(root, "theory", o);
    st[0] = stats_for(C, 0, tmp, tmp2);
    st[1] = stats_for(C, 1, tmp, tmp2);
    o = json_object();
    for (j = 0; j < 2; j++) {
        json_t *e = json_object();
        json_object_set_new(e, "certified", json_integer((json_int_t)st[j].certified));
        json_object_set_new(e, "total", json_integer((json_int_t)st[j].total));
        json_object_set_new(e, "median_delta_over_x", num(st[j].med_rel));
        json_object_set_new(e, "max_delta_over_x", num(st[j].max_rel));
        json_object_set_new(e, "median_radius_ratio", num(st[j].med_ratio));
        json_object_set_new(o, j ? "test" : "train", e);
    }
    json_object_set_new(root, "summary", o);
    nrc_free(tmp);
    nrc_free(tmp2);
    s = json_dumps(root, JSON_PRESERVE_ORDER | JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(root);
    if (!s)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (certificate text)");
    *len = strlen(s) + 1;
    *out = nrc_malloc(*len + 1);
    if (!*out) {
        free(s);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (certificate text)");
    }
    memcpy(*out, s, *len - 1);
    (*out)[*len - 1] = '\n';
    (*out)[*len] = '\0';
    free(s);
    return NRC_OK;
}

/* ---------------------------------------------------------------- summary */
typedef struct {
    char *buf;
    size_t len, cap;
    int failed;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int need;
    if (b->failed)
        return;
    va_start(ap, fmt);
    need = vsnprintf(b->buf ? b->buf + b->len : NULL, b->buf ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (need < 0) {
        b->failed = 1;
        return;
    }
    if (!b->buf || b->len + (size_t)need + 1 > b->cap) {
        size_t nc = (b->cap + (size_t)need + 1) * 2;
        char *nb = nrc_realloc(b->buf, nc);
        if (!nb) {
            b->failed = 1;
            return;
        }
        b->buf = nb;
        b->cap = nc;
        va_start(ap, fmt);
        vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)need;
}

nrc_status nrc_certify_summary(const nrc_certify_result *C, const char *model_name, char **out,
                            nrc_error *err)
{
    sbuf b = { NULL, 0, 0, 0 };
    double *tmp = nrc_malloc_array(C->nflips + 1, sizeof(double));
    double *tmp2 = nrc_malloc_array(C->nflips + 1, sizeof(double));
    double xmed = 0, tot = 0;
    set_stats st[2];
    size_t r, nund = 0, nnone = 0, j;
    int all;
    if (!tmp || !tmp2) {
        nrc_free(tmp);
        nrc_free(tmp2);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (summary)");
    }
    st[0] = stats_for(C, 0, tmp, tmp2);
    st[1] = stats_for(C, 1, tmp, tmp2);
    /* median ||x|| of training points, for the theory prediction */
    for (r = 0, j = 0; r < C->nflips; r++)
        if (C->flips[r].set == 0)
            tmp[j++] = C->flips[r].x_norm_lower;
    if (j) {
        qsort(tmp, j, sizeof(double), cmp_d);
        xmed = tmp[j / 2];
    }
    for (r = 0; r < C->nflips; r++) {
        nund += C->flips[r].status == NRC_FLIP_UNDECIDED;
        nnone += C->flips[r].status == NRC_FLIP_NONE;
    }
    all = nrc_certify_all_certified(C);
    sb_printf(&b, "model     %s: n=%zu d=%zu k=%zu m=%zu%s%s, engine %s\n", model_name,
              C->n, C->d, C->k, C->m, C->bias ? ", biases" : "",
              C->fixed_v ? ", fixed second layer" : "", C->engine);
    sb_printf(&b, "regime    %s: eps_data <= %.3g, gamma_z >= %.3g, rho <= %.4g, R_min^2 >= %.4g\n",
              C->regime ? "nearly orthogonal (paper's regime)" : "OUTSIDE the paper's regime",
              C->eps_data[1], C->gamma_z[0], C->rho[1], C->R_min_sq[0]);
    sb_printf(&b, "fit       %s; min margin in [%.6g, %.6g], normalized [%.4g, %.4g]\n",
              C->all_correct ? "every training point correctly classified" : "NOT all training points correct",
              C->min_margin[0], C->min_margin[1], C->normalized_margin[0], C->normalized_margin[1]);
    for (j = 0; j < 2; j++) {
        if (!st[j].total)
            continue;
        sb_printf(&b, "flips     %-5s %zu/%zu certified; ||delta||/||x||: median %.4g, max %.4g",
                  j ? "test" : "train", st[j].certified, st[j].total, st[j].med_rel, st[j].max_rel);
        if (xmed > 0)
            sb_printf(&b, " (theory: ||z||/n/||x|| = %.4g%s)", C->th_z_over_n / xmed,
                      C->th_valid ? "" : ", not applicable");
        sb_printf(&b, "\n");
    }
    if (C->th_valid)
        sb_printf(&b, "theory    rigorous KKT bound / ||x||: median %.4g, max %.4g (informative)\n",
                  C->th_bound_median, C->th_bound_max);
    if (C->robust_certified)
        sb_printf(&b, "robust    a width-n network fits the data robustly to radius %.4g; radius / ||delta||: median %.4g (train)\n",
                  C->robust_radius, st[0].med_ratio);
    else
        sb_printf(&b, "robust    reference network not applicable (R_min^2 <= rho)\n");
    if (C->kkt_certified && C->kink_tolerance > 0)
        sb_printf(&b, "kkt       eps_rel <= %.3g with subgradients in [0,1] at %zu pre-activations |a_ij| <= %.3g (kink tolerance; %zu exactly 0), eps <= %.3g, delta <= %.3g, balance defect <= %.3g: KKT with the eta-enlarged ReLU subdifferential, not an exact KKT point\n",
                  C->eps_rel_upper, C->nkinks, C->kink_tolerance, C->nkinks_exact,
                  C->eps_upper, C->delta_upper, C->balance_defect_upper);
    else if (C->kkt_certified)
        sb_printf(&b, "kkt       eps_rel <= %.3g, eps <= %.3g, delta <= %.3g, balance defect <= %.3g, %zu kinks (exact zeros)\n",
                  C->eps_rel_upper, C->eps_upper, C->delta_upper, C->balance_defect_upper, C->nkinks);
    else
        sb_printf(&b, "kkt       not applicable: %s\n", C->kkt_reason ? C->kkt_reason : "?");
    for (j = 0; j < NRC_PHASE_COUNT; j++)
        tot += C->seconds[j];
    sb_printf(&b, "time      %.3fs: forward %.3f, data %.3f, flips %.3f, kkt %.3f, other %.3f; exact arbiter: %zu pre-activations, %zu N(x), %zu flips\n",
              tot, C->seconds[NRC_PHASE_FORWARD], C->seconds[NRC_PHASE_DATA],
              C->seconds[NRC_PHASE_FLIPS], C->seconds[NRC_PHASE_KKT], C->seconds[NRC_PHASE_OTHER],
              C->arbiter_preact, C->arbiter_N, C->arbiter_flip);
    if (all)
        sb_printf(&b, "verdict   CERTIFIED in exact arithmetic on the stored doubles: every listed point flips within its delta bound, the fit, the KKT residual bounds%s and the robust reference; the theory numbers are predictions, not certificates.\n",
                  C->kink_tolerance > 0 ? " (subgradients from the kink-tolerance-enlarged ReLU subdifferential, not an exact KKT point)" : "");
    else
        sb_printf(&b, "verdict   PARTLY certified: %zu of %zu flips certified (%zu undecided, %zu with no flip found)%s%s%s; every number stated as certified holds exactly, the rest asserts nothing.\n",
                  st[0].certified + st[1].certified, C->nflips, nund, nnone,
                  C->all_correct ? "" : ", fit not all correct",
                  C->kkt_certified ? "" : ", KKT not certified",
                  C->robust_certified ? "" : ", no robust reference");
    nrc_free(tmp);
    nrc_free(tmp2);
    if (b.failed) {
        nrc_free(b.buf);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (summary)");
    }
    *out = b.buf;
    return NRC_OK;
}
