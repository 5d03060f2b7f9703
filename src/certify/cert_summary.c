/* The summary: the certificate's informative "summary" member and the text
 * certify prints (include/certify/nrc_certify.h, spec/CERTIFY.md "The
 * summary"). Informative, never checked, and never claiming more than the
 * certificate does. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nrc_alloc.h"
#include "cert_run.h"

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Informative statistics over the certified flips of one set (binary64). */
typedef struct {
    size_t certified, total;
    double med_rel, max_rel, med_ratio;
    /* min_flip (only with --min-flip): points with both ends certified,
     * each claim's count, medians of U/D, U/U_paper, D/U_paper, max U/D */
    size_t mf_both, mf_upper, mf_lower;
    double mf_ud, mf_ud_max, mf_uu, mf_du;
} set_stats;

/* The median of v (c > 0 values, sorted in place), NAN when c = 0. */
static double median_of(double *v, size_t c);

/* tmp, tmp2: nflips + 1 scratch each. */
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

static double median_of(double *v, size_t c)
{
    if (!c)
        return NAN;
    qsort(v, c, sizeof(double), cmp_d);
    return c % 2 ? v[c / 2] : 0.5 * v[c / 2 - 1] + 0.5 * v[c / 2];
}

/* The min_flip statistics of one set (binary64, informative); tmp, tmp2:
 * nmf + 1 scratch each. */
static void mf_stats_for(const nrc_certify_result *C, int set, set_stats *s, double *tmp,
                         double *tmp2)
{
    size_t r, c = 0, c2 = 0;
    s->mf_ud_max = 0;
    for (r = 0; r < C->nmf; r++) {
        const nrc_mf_entry *E = &C->mf[r];
        if (E->set != set)
            continue;
        s->mf_upper += E->upper_ok;
        s->mf_lower += E->lower_ok;
        if (E->upper_ok && E->lower_ok && E->D > 0) {
            s->mf_both++;
            tmp[c++] = E->U / E->D;
            if (E->U / E->D > s->mf_ud_max)
                s->mf_ud_max = E->U / E->D;
        }
    }
    s->mf_ud = median_of(tmp, c);
    for (r = 0; r < C->nmf; r++) {
        const nrc_mf_entry *E = &C->mf[r];
        if (E->set == set && E->upper_ok && E->U_paper > 0)
            tmp2[c2++] = E->U / E->U_paper;
    }
    s->mf_uu = median_of(tmp2, c2);
    c2 = 0;
    for (r = 0; r < C->nmf; r++) {
        const nrc_mf_entry *E = &C->mf[r];
        if (E->set == set && E->lower_ok && E->U_paper > 0)
            tmp2[c2++] = E->D / E->U_paper;
    }
    s->mf_du = median_of(tmp2, c2);
}

/* Both sets' statistics; 0 when memory runs out. */
static int stats_both(const nrc_certify_result *C, set_stats st[2])
{
    double *tmp, *tmp2;
    void *ws;
    size_t cnt = (C->nflips > C->nmf ? C->nflips : C->nmf) + 1;
    const nrc_ws_entry tab[] = { NRC_WS(tmp, cnt, 0), NRC_WS(tmp2, cnt, 0) };
    if (nrc_ws_alloc(&ws, tab, sizeof tab / sizeof tab[0], "summary", NULL) != NRC_OK)
        return 0;
    st[0] = stats_for(C, 0, tmp, tmp2);
    st[1] = stats_for(C, 1, tmp, tmp2);
    mf_stats_for(C, 0, &st[0], tmp, tmp2);
    mf_stats_for(C, 1, &st[1], tmp, tmp2);
    nrc_free(ws);
    return 1;
}

json_t *nrc_cert_summary_json(const nrc_certify_result *C)
{
    json_t *o = json_object();
    set_stats st[2];
    size_t j;
    int bad = !stats_both(C, st);
    for (j = 0; j < 2 && !bad; j++) {
        json_t *e = json_object();
        nrc_json_put(e, "certified", json_integer((json_int_t)st[j].certified), &bad);
        nrc_json_put(e, "total", json_integer((json_int_t)st[j].total), &bad);
        nrc_json_put(e, "median_delta_over_x", nrc_json_num(st[j].med_rel), &bad);
        nrc_json_put(e, "max_delta_over_x", nrc_json_num(st[j].max_rel), &bad);
        nrc_json_put(e, "median_radius_ratio", nrc_json_num(st[j].med_ratio), &bad);
        if (C->opt.min_flip) {
            nrc_json_put(e, "min_flip_both_certified", json_integer((json_int_t)st[j].mf_both), &bad);
            nrc_json_put(e, "median_U_over_D", nrc_json_num(st[j].mf_ud), &bad);
            nrc_json_put(e, "max_U_over_D", nrc_json_num(st[j].mf_both ? st[j].mf_ud_max : NAN), &bad);
            nrc_json_put(e, "median_U_over_U_paper", nrc_json_num(st[j].mf_uu), &bad);
            nrc_json_put(e, "median_D_over_U_paper", nrc_json_num(st[j].mf_du), &bad);
        }
        nrc_json_put(o, j ? "test" : "train", e, &bad);
    }
    return nrc_json_done(o, bad);
}

/* ---------------------------------------------------------------- text */
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

/* The median of the lower bounds of ||x|| over the training points (for
 * the theory prediction), 0 when there is none; tmp: nflips + 1. */
static double median_train_norm(const nrc_certify_result *C, double *tmp)
{
    size_t r, j = 0;
    for (r = 0; r < C->nflips; r++)
        if (C->flips[r].set == 0)
            tmp[j++] = C->flips[r].x_norm_lower;
    if (!j)
        return 0.0;
    qsort(tmp, j, sizeof(double), cmp_d);
    return tmp[j / 2];
}

static void summary_head(sbuf *b, const nrc_certify_result *C, const char *model_name)
{
    sb_printf(b, "model     %s: n=%zu d=%zu k=%zu m=%zu%s%s, engine %s\n", model_name,
              C->n, C->d, C->k, C->m, C->bias ? ", biases" : "",
              C->fixed_v ? ", fixed second layer" : "", C->engine);
}

/* ", name v" with %.4g when v is a number (metadata may lack it). */
static void sb_num(sbuf *b, const char *name, double v)
{
    if (!isnan(v))
        sb_printf(b, ", %s %.4g", name, v);
}

/* The training record of the model's metadata: the file's network, and
 * for a polished one the network gradient descent made and the polished one
 * on separate lines (the polish rescales to min margin 1, which raises the
 * logistic loss: that is not a failed training). */
static void summary_training(sbuf *b, const nrc_certify_result *C)
{
    const nrc_train_record *T = &C->train;
    if (!T->present)
        return;
    if (T->polish == 1 && T->adopted) {
        sb_printf(b, "training  gradient descent, %.0f steps: min margin %.4g", T->steps,
                  T->gd_min_margin);
        sb_num(b, "normalized margin", T->gd_normalized_margin);
        sb_num(b, "eps_rel", T->gd_eps_rel);
        if (isnan(T->gd_loss))
            sb_printf(b, ", loss not recorded");
        sb_num(b, "loss", T->gd_loss);
        sb_printf(b, " (the model's metadata: binary64, not certified)\n");
        sb_printf(b, "polish    %s and adopted: the network in the file, rescaled to min margin %.4g",
                  T->outcome, T->pol_min_margin);
        sb_num(b, "normalized margin", T->pol_normalized_margin);
        sb_num(b, "eps_rel", T->pol_eps_rel);
        sb_num(b, "loss", isnan(T->pol_loss) ? T->loss : T->pol_loss);
        sb_printf(b, " (the loss at min margin 1, not a failed training; the model's metadata, not certified)\n");
        return;
    }
    sb_printf(b, "training  gradient descent, %.0f steps", T->steps);
    if (T->loss == 0 && !isnan(T->log_loss))
        sb_printf(b, ", loss 0 (below the binary64 range: log loss %.4g)", T->log_loss);
    else
        sb_num(b, "loss", T->loss);
    sb_num(b, "min margin", T->min_margin);
    sb_num(b, "normalized margin", T->normalized_margin);
    sb_printf(b, " (the model's metadata: binary64, not certified)\n");
    if (T->polish == 1)
        sb_printf(b, "polish    %s, not adopted: the network in the file is gradient descent's (the model's metadata)\n",
                  T->outcome);
}

static void summary_data_fit(sbuf *b, const nrc_certify_result *C)
{
    sb_printf(b, "regime    %s: eps_data <= %.3g, gamma_z >= %.3g, rho <= %.4g, R_min^2 >= %.4g\n",
              C->regime ? "nearly orthogonal (paper's regime)" : "OUTSIDE the paper's regime",
              C->eps_data[1], C->gamma_z[0], C->rho[1], C->R_min_sq[0]);
    sb_printf(b, "fit       %s; min margin in [%.6g, %.6g], normalized [%.4g, %.4g]\n",
              C->all_correct ? "every training point correctly classified" : "NOT all training points correct",
              C->min_margin[0], C->min_margin[1], C->normalized_margin[0], C->normalized_margin[1]);
}

/* What a flip entry that is not certified means, by its reason. */
static const char *reason_words(const nrc_flip *f)
{
    const char *r = f->reason ? f->reason : "";
    if (strcmp(r, "N(x) = 0") == 0)
        return "with N(x) = 0 exactly: no prediction to flip";
    if (f->status == NRC_FLIP_NONE)
        return "with no sign change along -p z (binary64 sweep): no flip along this direction, none claimed";
    if (strstr(r, "did not certify"))
        return "undecided: the sign change the sweep found did not certify at any tried scale";
    if (strstr(r, "binary64 range"))
        return "undecided: ||s z|| leaves the binary64 range";
    return NULL;
}

/* One line per (set, status, reason) of the entries that are not
 * certified, with their count, in the order they first occur. */
static void summary_reasons(sbuf *b, const nrc_certify_result *C, int set)
{
    size_t r, q;
    for (r = 0; r < C->nflips; r++) {
        const nrc_flip *f = &C->flips[r];
        const char *w;
        size_t cnt = 0;
        int seen = 0;
        if (f->set != set || f->status == NRC_FLIP_CERTIFIED)
            continue;
        for (q = 0; q < r && !seen; q++)
            seen = C->flips[q].set == set && C->flips[q].status == f->status &&
                   (C->flips[q].reason == f->reason ||
                    (C->flips[q].reason && f->reason && strcmp(C->flips[q].reason, f->reason) == 0));
        if (seen)
            continue;
        for (q = r; q < C->nflips; q++)
            cnt += C->flips[q].set == set && C->flips[q].status == f->status &&
                   (C->flips[q].reason == f->reason ||
                    (C->flips[q].reason && f->reason && strcmp(C->flips[q].reason, f->reason) == 0));
        w = reason_words(f);
        if (w)
            sb_printf(b, "          %zu %s point%s %s\n", cnt, set ? "test" : "training",
                      cnt == 1 ? "" : "s", w);
        else
            sb_printf(b, "          %zu %s point%s %s: %s\n", cnt, set ? "test" : "training",
                      cnt == 1 ? "" : "s", f->status == NRC_FLIP_NONE ? "none" : "undecided",
                      f->reason ? f->reason : "?");
    }
}

/* Per set the flips certified and the relative sizes; the theory's
 * prediction ||z|| / n / ||x|| is about training points (spec/MATH.md
 * section 5), so it stands beside the training points only. */
static void summary_flips(sbuf *b, const nrc_certify_result *C, const set_stats st[2], double xmed)
{
    size_t j;
    for (j = 0; j < 2; j++) {
        if (!st[j].total)
            continue;
        sb_printf(b, "flips     %-5s %zu/%zu certified", j ? "test" : "train", st[j].certified,
                  st[j].total);
        if (st[j].certified)
            sb_printf(b, "; ||delta||/||x||: median %.4g, max %.4g", st[j].med_rel, st[j].max_rel);
        if (j == 0 && xmed > 0)
            sb_printf(b, " (theory for training points: ||z||/n/||x|| = %.4g%s)",
                      C->th_z_over_n / xmed, C->th_valid ? "" : ", not applicable");
        sb_printf(b, "\n");
        summary_reasons(b, C, (int)j);
    }
    if (C->th_valid)
        sb_printf(b, "theory    training points: the bound at exact KKT points / ||x||: median %.4g, max %.4g (informative)\n",
                  C->th_bound_median, C->th_bound_max);
}

/* One line per set: how many points have both ends certified, how tight
 * the sandwich is (U/D), and how the worst case compares with the paper's
 * direction (U/U_paper, D/U_paper: U_paper is the flip entry's certified
 * bound along -p z); then the reasons of what is not certified. */
static void summary_minflip(sbuf *b, const nrc_certify_result *C, const set_stats st[2])
{
    size_t j, r;
    if (!C->opt.min_flip)
        return;
    for (j = 0; j < 2; j++) {
        size_t tot = 0, nzero = 0, nup = 0, nlow = 0;
        const char *wu = NULL, *wl = NULL;
        for (r = 0; r < C->nmf; r++) {
            const nrc_mf_entry *E = &C->mf[r];
            if (E->set != (int)j)
                continue;
            tot++;
            if (E->sign == 0) {
                nzero++;
                continue;
            }
            if (!E->upper_ok) {
                nup++;
                wu = E->upper_reason;
            }
            if (!E->lower_ok) {
                nlow++;
                wl = E->lower_reason;
            }
        }
        if (!tot)
            continue;
        sb_printf(b, "min-flip  %-5s %zu/%zu both ends certified (D <= dist(x) <= U, any direction)",
                  j ? "test" : "train", st[j].mf_both, tot);
        if (st[j].mf_both)
            sb_printf(b, "; U/D median %.4f, max %.4f", st[j].mf_ud, st[j].mf_ud_max);
        if (!isnan(st[j].mf_uu))
            sb_printf(b, "; U/U_paper median %.4f", st[j].mf_uu);
        if (!isnan(st[j].mf_du))
            sb_printf(b, "; D/U_paper median %.4f", st[j].mf_du);
        sb_printf(b, "\n");
        if (nzero)
            sb_printf(b, "          %zu %s point%s with N(x) = 0 exactly: no min-flip claims\n", nzero,
                      j ? "test" : "training", nzero == 1 ? "" : "s");
        if (nup)
            sb_printf(b, "          %zu %s point%s without an upper bound U (e.g. %s)\n", nup,
                      j ? "test" : "training", nup == 1 ? "" : "s", wu ? wu : "?");
        if (nlow)
            sb_printf(b, "          %zu %s point%s without a lower bound D (e.g. %s)\n", nlow,
                      j ? "test" : "training", nlow == 1 ? "" : "s", wl ? wl : "?");
    }
}

/* A certified KKT bound that says (almost) nothing: eps_rel = 1 holds for
 * every network (lambda = 0 gives r = theta). */
static int kkt_vacuous(const nrc_certify_result *C)
{
    return C->kkt_certified && C->eps_rel_upper >= 0.5;
}

static void summary_kkt_words(sbuf *b, const nrc_certify_result *C)
{
    if (!C->kkt_certified)
        return;
    if (C->eps_rel_upper >= 1)
        sb_printf(b, "          eps_rel <= %.3g is vacuous: lambda = 0 gives eps_rel = 1 for any network; nothing is shown about a KKT point\n",
                  C->eps_rel_upper);
    else if (kkt_vacuous(C))
        sb_printf(b, "          eps_rel <= %.3g is near 1 (lambda = 0 gives 1): the bound says little; the network is not shown to be near a KKT point\n",
                  C->eps_rel_upper);
    if (!C->regime)
        sb_printf(b, "          the data are outside the nearly orthogonal regime: the theorem that makes a KKT point non-robust (spec/MATH.md section 5) does not apply to them\n");
}

static void summary_robust_kkt(sbuf *b, const nrc_certify_result *C, const set_stats st[2])
{
    if (C->robust_certified)
        sb_printf(b, "robust    a width-n network fits the data robustly to radius %.4g; radius / ||delta||: median %.4g (train)\n",
                  C->robust_radius, st[0].med_ratio);
    else
        sb_printf(b, "robust    reference network not applicable (R_min^2 <= rho)\n");
    if (C->kkt_certified && C->kink_tolerance > 0)
        sb_printf(b, "kkt       eps_rel <= %.3g with subgradients in [0,1] at %zu pre-activations |a_ij| <= %.3g (kink tolerance; %zu exactly 0), eps <= %.3g, delta <= %.3g, balance defect <= %.3g: KKT with the eta-enlarged ReLU subdifferential, not an exact KKT point\n",
                  C->eps_rel_upper, C->nkinks, C->kink_tolerance, C->nkinks_exact,
                  C->eps_upper, C->delta_upper, C->balance_defect_upper);
    else if (C->kkt_certified)
        sb_printf(b, "kkt       eps_rel <= %.3g, eps <= %.3g, delta <= %.3g, balance defect <= %.3g, %zu kinks (exact zeros)\n",
                  C->eps_rel_upper, C->eps_upper, C->delta_upper, C->balance_defect_upper, C->nkinks);
    else
        sb_printf(b, "kkt       not applicable: %s\n", C->kkt_reason ? C->kkt_reason : "?");
    summary_kkt_words(b, C);
}

static void summary_time(sbuf *b, const nrc_certify_result *C)
{
    double tot = 0;
    size_t j;
    for (j = 0; j < NRC_PHASE_COUNT; j++)
        tot += C->seconds[j];
    sb_printf(b, "time      %.3fs: forward %.3f, data %.3f, flips %.3f, kkt %.3f, other %.3f",
              tot, C->seconds[NRC_PHASE_FORWARD], C->seconds[NRC_PHASE_DATA],
              C->seconds[NRC_PHASE_FLIPS], C->seconds[NRC_PHASE_KKT], C->seconds[NRC_PHASE_OTHER]);
    if (C->opt.min_flip)
        sb_printf(b, ", min-flip %.3f (%.3f per point)", C->seconds[NRC_PHASE_MINFLIP],
                  C->nmf ? C->seconds[NRC_PHASE_MINFLIP] / (double)C->nmf : 0.0);
    sb_printf(b, "; exact arbiter: %zu pre-activations, %zu N(x), %zu flips\n", C->arbiter_preact,
              C->arbiter_N, C->arbiter_flip);
}

/* Which quantities were decided on exact values because the engine's
 * enclosures left a verdict open (the exact fallback). */
static void summary_refined(sbuf *b, const nrc_certify_result *C)
{
    static const char *names[NRC_REFINED_COUNT] = {
        "||theta||^2", "min margin", "R_min^2", "R_max^2", "rho and eps_data", "gamma_z",
        "the KKT bounds", "the pre-activations of min-flip lower bounds"
    };
    const char *sep = "";
    int i;
    if (!C->refined)
        return;
    sb_printf(b, "exact     ");
    for (i = 0; i < NRC_REFINED_COUNT; i++)
        if (C->refined & (1u << i)) {
            sb_printf(b, "%s%s", sep, names[i]);
            sep = ", ";
        }
    sb_printf(b, ": the %s engine's enclosures left a verdict open; decided on the exact values (every engine reaches the same verdicts)\n",
              C->engine);
}

/* The qualifiers of "the KKT residual bounds" in the verdict. */
static void kkt_qualifiers(char *buf, size_t cap, const nrc_certify_result *C)
{
    const char *q[3];
    int nq = 0, i;
    size_t len = 0;
    buf[0] = '\0';
    if (!C->kkt_certified)
        return;
    if (kkt_vacuous(C))
        q[nq++] = "vacuous here, see kkt";
    else if (!C->regime)
        q[nq++] = "data outside the regime: no consequence for robustness, see kkt";
    if (C->kink_tolerance > 0)
        q[nq++] = "subgradients from the kink-tolerance-enlarged ReLU subdifferential, not an exact KKT point";
    for (i = 0; i < nq && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s%s", i ? "; " : " (", q[i],
                                i == nq - 1 ? ")" : "");
}

static void summary_verdict(sbuf *b, const nrc_certify_result *C, const set_stats st[2])
{
    size_t r, nund = 0, nnone = 0;
    char kq[256], mq[160] = "";
    kkt_qualifiers(kq, sizeof kq, C);
    for (r = 0; r < C->nflips; r++) {
        nund += C->flips[r].status == NRC_FLIP_UNDECIDED;
        nnone += C->flips[r].status == NRC_FLIP_NONE;
    }
    if (nrc_certify_all_certified(C)) {
        if (C->opt.min_flip)
            snprintf(mq, sizeof mq, ", its minimal adversarial distance in [D, U] in any direction");
        sb_printf(b, "verdict   CERTIFIED in exact arithmetic on the stored doubles: every listed point flips within its delta bound%s, the fit, the KKT residual bounds%s and the robust reference; the theory numbers are predictions, not certificates.\n",
                  mq, kq);
        return;
    }
    if (C->opt.min_flip)
        snprintf(mq, sizeof mq, ", min-flip both ends at %zu of %zu points (see min-flip)",
                 st[0].mf_both + st[1].mf_both, C->nmf);
    sb_printf(b, "verdict   PARTLY certified: %zu of %zu flips certified (%zu undecided, %zu with no flip found%s)%s%s%s%s%s; every number stated as certified holds exactly, the rest asserts nothing.\n",
              st[0].certified + st[1].certified, C->nflips, nund, nnone,
              nund + nnone ? ": reasons under flips" : "", mq,
              C->all_correct ? "" : ", fit not all correct",
              !C->kkt_certified ? ", KKT not certified" : kq[0] ? ", KKT bounds certified" : "",
              kq, C->robust_certified ? "" : ", no robust reference");
}

nrc_status nrc_certify_summary(const nrc_certify_result *C, const char *model_name, char **out,
                               nrc_error *err)
{
    sbuf b = { NULL, 0, 0, 0 };
    double *tmp, xmed;
    set_stats st[2];
    tmp = nrc_malloc_array(C->nflips + 1, sizeof(double));
    if (!tmp || !stats_both(C, st)) {
        nrc_free(tmp);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (summary)");
    }
    xmed = median_train_norm(C, tmp);
    nrc_free(tmp);
    summary_head(&b, C, model_name);
    summary_training(&b, C);
    summary_data_fit(&b, C);
    summary_flips(&b, C, st, xmed);
    summary_minflip(&b, C, st);
    summary_robust_kkt(&b, C, st);
    summary_time(&b, C);
    summary_refined(&b, C);
    summary_verdict(&b, C, st);
    if (b.failed) {
        nrc_free(b.buf);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory (summary)");
    }
    *out = b.buf;
    return NRC_OK;
}
