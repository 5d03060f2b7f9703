/* The report's internal interface (src/sweep/report*.c): one row per cell,
 * and the writers of each output. */
#ifndef NRC_SWEEP_REPORT_H
#define NRC_SWEEP_REPORT_H
#include <stddef.h>
#include <jansson.h>
#include "nrc_status.h"
#include "nrc_sweep.h"

/* Certified flips of one set (train or test) of one certificate.  med_rel,
 * max_rel: upper bounds of ||delta|| / ||x|| (U / x_norm_lower rounded up);
 * med_u, min_u, max_u: of U; NaN when no flip is certified. */
typedef struct {
    size_t certified, total;
    double med_rel, max_rel, med_u, min_u, max_u;
} rep_set;

typedef struct {
    const nrc_sweep_cell *cell;
    size_t index;
    int state;                 /* -1 not run, 0 certified, 1 undecided, 2 failed */
    char reason[1024], stage[16], polish[64];
    char cert_sha[65], model_sha[65];
    int exit[3];               /* train, certify, check; -2 = not run */
    double wall[3], cpu[3];
    json_t *cert;              /* checked certificate (state 0 or 1) */
    double eps_data;           /* upper end of the enclosure */
    int regime;
    rep_set set[2];            /* train, test */
    double pred_sqrt, pred_z;  /* predictions sqrt(d/n), ||z||/n (binary64) */
    double robust;             /* certified robust radius (lower bound), NaN if none */
    double eps_rel;            /* certified eps_rel upper bound, NaN if none */
} rep_row;

typedef struct {
    const nrc_sweep_plan *plan;
    rep_row *rows;
    size_t n;
    char *out;                 /* DIR/report */
    const char *gnuplot;       /* NULL: not available */
    int figures_drawn, figure_errors;
} rep_ctx;

/* A hex member (C99 hexadecimal float string) as a double; NaN otherwise. */
double nrc_rep_hex(const json_t *v);
/* Median of v[0..n) (sorts v); for even n the mean of the middle two,
 * rounded up (up = 1) or down. NaN for n = 0. */
double nrc_rep_median(double *v, size_t n, int up);
/* A string member or def. */
const char *nrc_rep_str(const json_t *v, const char *def);
/* The value of a cell option (train or certify side) as text. */
void nrc_rep_opt(const rep_row *r, const char *side, const char *name, char *buf, size_t size);
/* Does the row belong to one of the groups of the JSON array? */
int nrc_rep_in_groups(const rep_row *r, const json_t *groups);

nrc_status nrc_rep_csv(rep_ctx *ctx, nrc_error *err);
nrc_status nrc_rep_markdown(rep_ctx *ctx, const size_t counts[4], nrc_error *err);
nrc_status nrc_rep_latex(rep_ctx *ctx, const size_t counts[4], nrc_error *err);
nrc_status nrc_rep_figures(rep_ctx *ctx, nrc_error *err);

#endif
