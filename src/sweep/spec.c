/* The sweep spec (spec/SWEEP.md): parse, validate, expand the grids into
 * cells, key each cell by the SHA-256 of its full option set; plan.json. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_sha256.h"
#include "nrc_sweep.h"

typedef enum { OPT_INT, OPT_REAL, OPT_WORD, OPT_FLAG, OPT_NOFLAG } opt_kind;

typedef struct {
    const char *name;    /* spec and CSV name */
    const char *flag;    /* command-line option */
    opt_kind kind;
    const char *def;     /* default, as a token ("true"/"false" for flags) */
    const char *words;   /* accepted words, '|'-separated; NULL = any string */
} opt_def;

/* Every option of bin/train (spec/TRAINING.md) except --threads, -o, --quiet,
 * which the runner sets.  Defaults are train's, passed explicitly, so the
 * key of a cell is its full option set. */
static const opt_def TRAIN_OPTS[] = {
    {"n", "-n", OPT_INT, "8", NULL},
    {"d", "-d", OPT_INT, "50000", NULL},
    {"k", "-k", OPT_INT, "16", NULL},
    {"m", "-m", OPT_INT, "10", NULL},
    {"data", "--data", OPT_WORD, "sphere", "sphere|gaussian"},
    {"labels", "--labels", OPT_WORD, "balanced", "balanced|random"},
    {"loss", "--loss", OPT_WORD, "logistic", "logistic|exp"},
    {"schedule", "--schedule", OPT_WORD, "normalized", "normalized|constant|loss"},
    {"lr", "--lr", OPT_REAL, "0.1", NULL},
    {"steps", "--steps", OPT_INT, "3000", NULL},
    {"init_scale", "--init-scale", OPT_REAL, "0.0001", NULL},
    {"bias", "--bias", OPT_FLAG, "false", NULL},
    {"fix_second_layer", "--fix-second-layer", OPT_FLAG, "false", NULL},
    {"polish", "--no-polish", OPT_NOFLAG, "true", NULL},
    {"polish_always", "--polish-always", OPT_FLAG, "false", NULL},
    {"seed", "--seed", OPT_INT, "1", NULL},
};
/* bin/certify's options that change the certificate (spec/CERTIFY.md). */
static const opt_def CERTIFY_OPTS[] = {
    {"points", "--points", OPT_WORD, "all", "train|test|all"},
    {"direction", "--direction", OPT_WORD, "all", NULL},
    {"engine", "--engine", OPT_WORD, "fast", "fast|mpfr"},
    {"kink_tol", "--kink-tol", OPT_REAL, "9.0949470177292824e-13", NULL},   /* 2^-40 */
};
#define N_TRAIN (sizeof TRAIN_OPTS / sizeof TRAIN_OPTS[0])
#define N_CERTIFY (sizeof CERTIFY_OPTS / sizeof CERTIFY_OPTS[0])
#define MAX_CELLS 1000000
static const char *const FIG_KINDS = "flip|robust|kkt|lower";

/* ---- small helpers -------------------------------------------------------- */

static int word_in(const char *w, const char *list)
{
    size_t n = strlen(w);
    for (const char *p = list; p; p = strchr(p, '|')) {
        if (*p == '|')
            p++;
        if (strncmp(p, w, n) == 0 && (p[n] == '|' || p[n] == 0))
            return 1;
    }
    return 0;
}

static int safe_name(const char *s)
{
    if (!*s || strlen(s) > 64)
        return 0;
    for (; *s; s++)
        if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') || ('0' <= *s && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

/* Shortest %.Ng that reads back to the same double. */
static void real_token(char *buf, size_t size, double x)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, size, "%.*g", p, x);
        if (strtod(buf, NULL) == x)
            return;
    }
}

/* The command-line token of one value (NULL for a flag that is off). */
static nrc_status value_token(const opt_def *o, const json_t *v, char *buf, size_t size,
                              const char *where, nrc_error *err)
{
    switch (o->kind) {
    case OPT_INT:
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return nrc_error_set(err, NRC_ERR_INPUT, "%s: expected a non-negative integer", where);
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
        return NRC_OK;
    case OPT_REAL:
        if (!json_is_number(v) || !isfinite(json_number_value(v)))
            return nrc_error_set(err, NRC_ERR_INPUT, "%s: expected a finite number", where);
        real_token(buf, size, json_number_value(v));
        return NRC_OK;
    case OPT_WORD:
        if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 200)
            return nrc_error_set(err, NRC_ERR_INPUT, "%s: expected a string", where);
        if (o->words && !word_in(json_string_value(v), o->words))
            return nrc_error_set(err, NRC_ERR_INPUT, "%s: \"%s\" is not one of %s", where,
                                 json_string_value(v), o->words);
        snprintf(buf, size, "%s", json_string_value(v));
        return NRC_OK;
    default:
        if (!json_is_boolean(v))
            return nrc_error_set(err, NRC_ERR_INPUT, "%s: expected true or false", where);
        snprintf(buf, size, "%s", json_is_true(v) ? "true" : "false");
        return NRC_OK;
    }
}

/* The JSON value of a default token. */
static json_t *default_value(const opt_def *o)
{
    switch (o->kind) {
    case OPT_INT: return json_integer(strtoll(o->def, NULL, 10));
    case OPT_REAL: return json_real(strtod(o->def, NULL));
    case OPT_WORD: return json_string(o->def);
    default: return json_boolean(strcmp(o->def, "true") == 0);
    }
}

/* An axis: a scalar, an array of scalars, or an integer range
 * {"from": a, "to": b, "step": s} / {"from": a, "to": b, "times": f}.
 * Returns a new array. */
static json_t *axis_values(const opt_def *o, json_t *v, const char *where, nrc_error *err)
{
    json_t *out = json_array();
    if (!out) {
        nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
        return NULL;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        if (json_array_size(v) == 0) {
            nrc_error_set(err, NRC_ERR_INPUT, "%s: an empty list", where);
            json_decref(out);
            return NULL;
        }
        json_array_foreach(v, i, e) json_array_append(out, e);
    } else if (json_is_object(v)) {
        json_t *f = json_object_get(v, "from"), *t = json_object_get(v, "to");
        json_t *st = json_object_get(v, "step"), *ti = json_object_get(v, "times");
        long long a, b, s = 1, m = 0;
        if (o->kind != OPT_INT || !json_is_integer(f) || !json_is_integer(t) ||
            (st && !json_is_integer(st)) || (ti && !json_is_integer(ti)) || (st && ti)) {
            nrc_error_set(err, NRC_ERR_INPUT, "%s: a range is {\"from\": int, \"to\": int, \"step\": int} "
                          "or {\"from\", \"to\", \"times\": int} of an integer option", where);
            json_decref(out);
            return NULL;
        }
        a = json_integer_value(f);
        b = json_integer_value(t);
        if (st)
            s = json_integer_value(st);
        if (ti)
            m = json_integer_value(ti);
        if (a < 0 || b < a || s < 1 || (ti && (m < 2 || a < 1)) || (!ti && (b - a) / s >= 100000)) {
            nrc_error_set(err, NRC_ERR_INPUT, "%s: range needs 0 <= from <= to, step >= 1 (times >= 2, from >= 1), "
                          "at most 100000 values", where);
            json_decref(out);
            return NULL;
        }
        for (long long x = a; x <= b; x = ti ? x * m : x + s) {
            json_array_append_new(out, json_integer(x));
            if (ti && x > b / m)
                break;
        }
    } else {
        json_array_append(out, v);
    }
    /* validate every value */
    {
        size_t i;
        json_t *e;
        char tok[256], w[640];
        json_array_foreach(out, i, e) {
            snprintf(w, sizeof w, "%s[%zu]", where, i);
            if (value_token(o, e, tok, sizeof tok, w, err) != NRC_OK) {
                json_decref(out);
                return NULL;
            }
        }
    }
    return out;
}

static const opt_def *find_opt(const opt_def *tab, size_t n, const char *name)
{
    char norm[128];
    size_t i;
    if (strlen(name) >= sizeof norm)
        return NULL;
    for (i = 0; name[i]; i++)
        norm[i] = name[i] == '-' ? '_' : name[i];
    norm[i] = 0;
    for (i = 0; i < n; i++)
        if (strcmp(tab[i].name, norm) == 0)
            return &tab[i];
    return NULL;
}

/* Merge defaults and grid options into one array of axes per option. */
static nrc_status collect_axes(const opt_def *tab, size_t n, json_t *defaults, json_t *grid,
                               json_t **axes, const char *where, nrc_error *err)
{
    json_t *srcs[2] = {defaults, grid};
    const char *key;
    json_t *val;
    char w[512];

    for (size_t i = 0; i < n; i++) {
        axes[i] = json_array();
        if (!axes[i])
            return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
        json_array_append_new(axes[i], default_value(&tab[i]));
    }
    for (int s = 0; s < 2; s++) {
        if (!srcs[s])
            continue;
        if (!json_is_object(srcs[s]))
            return nrc_error_set(err, NRC_ERR_INPUT, "%s: expected an object of options", where);
        json_object_foreach(srcs[s], key, val) {
            const opt_def *o = find_opt(tab, n, key);
            json_t *vals;
            snprintf(w, sizeof w, "%s.%s", where, key);
            if (!o)
                return nrc_error_set(err, NRC_ERR_INPUT, "%s: unknown option (spec/SWEEP.md lists them)", w);
            vals = axis_values(o, val, w, err);
            if (!vals)
                return NRC_ERR_INPUT;
            json_decref(axes[o - tab]);
            axes[o - tab] = vals;
        }
    }
    return NRC_OK;
}

/* ---- cells ------------------------------------------------------------------ */

static void cell_free(nrc_sweep_cell *c)
{
    for (size_t i = 0; i < c->n_train_args; i++)
        nrc_free(c->train_args[i]);
    for (size_t i = 0; i < c->n_certify_args; i++)
        nrc_free(c->certify_args[i]);
    nrc_free(c->train_args);
    nrc_free(c->certify_args);
    json_decref(c->options);
    json_decref(c->groups);
    memset(c, 0, sizeof *c);
}

void nrc_sweep_plan_clear(nrc_sweep_plan *plan)
{
    for (size_t i = 0; i < plan->n_cells; i++)
        cell_free(&plan->cells[i]);
    nrc_free(plan->cells);
    json_decref(plan->figures);
    nrc_free(plan->name);
    memset(plan, 0, sizeof *plan);
}

static int push_arg(char ***v, size_t *n, const char *s)
{
    char **t = nrc_realloc(*v, (*n + 1) * sizeof **v);
    if (!t)
        return -1;
    *v = t;
    t[*n] = nrc_sweep_strf("%s", s);
    if (!t[*n])
        return -1;
    (*n)++;
    return 0;
}

/* Arguments and options of one side (train or certify) for the chosen
 * value indices; appends the canonical text to *text. */
static int side_build(const opt_def *tab, size_t n, json_t **axes, const size_t *idx,
                      char ***args, size_t *nargs, json_t *opts, char **text)
{
    char tok[256];
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(axes[i], idx[i]);
        char *t;
        value_token(&tab[i], v, tok, sizeof tok, "", NULL);
        json_object_set(opts, tab[i].name, v);
        t = nrc_sweep_strf("%s %s=%s", *text, tab[i].name, tok);
        if (!t)
            return -1;
        nrc_free(*text);
        *text = t;
        if (tab[i].kind == OPT_FLAG || tab[i].kind == OPT_NOFLAG) {
            int on = json_is_true(v);
            if ((tab[i].kind == OPT_FLAG && on) || (tab[i].kind == OPT_NOFLAG && !on))
                if (push_arg(args, nargs, tab[i].flag) != 0)
                    return -1;
        } else if (push_arg(args, nargs, tab[i].flag) != 0 || push_arg(args, nargs, tok) != 0) {
            return -1;
        }
    }
    return 0;
}

static int make_cell(nrc_sweep_cell *c, json_t **taxes, const size_t *tidx,
                     json_t **caxes, const size_t *cidx)
{
    char *text = nrc_sweep_strf("nrc-sweep-cell 1 train");
    json_t *to = json_object(), *co = json_object();
    unsigned char h[NRC_SHA256_SIZE];
    int rc = -1;

    memset(c, 0, sizeof *c);
    c->options = json_object();
    c->groups = json_array();
    if (!text || !to || !co || !c->options || !c->groups)
        goto out;
    if (side_build(TRAIN_OPTS, N_TRAIN, taxes, tidx, &c->train_args, &c->n_train_args, to, &text) != 0)
        goto out;
    {
        char *t = nrc_sweep_strf("%s\ncertify", text);
        if (!t)
            goto out;
        nrc_free(text);
        text = t;
    }
    if (side_build(CERTIFY_OPTS, N_CERTIFY, caxes, cidx, &c->certify_args, &c->n_certify_args, co, &text) != 0)
        goto out;
    nrc_sha256(text, strlen(text), h);
    nrc_hex(h, NRC_SHA256_SIZE, c->key);
    json_object_set(c->options, "train", to);
    json_object_set(c->options, "certify", co);
    rc = 0;
out:
    json_decref(to);
    json_decref(co);
    nrc_free(text);
    return rc;
}

/* Add a cell to the plan, or merge its group into the equal cell already
 * there (same key). */
static nrc_status plan_add(nrc_sweep_plan *plan, nrc_sweep_cell *c, const char *group, nrc_error *err)
{
    for (size_t i = 0; i < plan->n_cells; i++) {
        if (strcmp(plan->cells[i].key, c->key) == 0) {
            size_t j;
            json_t *g;
            int have = 0;
            json_array_foreach(plan->cells[i].groups, j, g) have |= strcmp(json_string_value(g), group) == 0;
            if (!have)
                json_array_append_new(plan->cells[i].groups, json_string(group));
            cell_free(c);
            return NRC_OK;
        }
    }
    if (plan->n_cells >= MAX_CELLS) {
        cell_free(c);
        return nrc_error_set(err, NRC_ERR_INPUT, "more than %d cells", MAX_CELLS);
    }
    {
        nrc_sweep_cell *t = nrc_realloc(plan->cells, (plan->n_cells + 1) * sizeof *t);
        if (!t) {
            cell_free(c);
            return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
        }
        plan->cells = t;
    }
    json_array_append_new(c->groups, json_string(group));
    plan->cells[plan->n_cells++] = *c;
    return NRC_OK;
}

/* Odometer over the axes of both sides, last option fastest. */
static nrc_status expand_grid(nrc_sweep_plan *plan, json_t **taxes, json_t **caxes, const char *group,
                              nrc_error *err)
{
    size_t tidx[N_TRAIN] = {0}, cidx[N_CERTIFY] = {0};
    size_t total = 1;
    for (size_t i = 0; i < N_TRAIN; i++)
        total *= json_array_size(taxes[i]);
    for (size_t i = 0; i < N_CERTIFY; i++)
        total *= json_array_size(caxes[i]);
    if (total > MAX_CELLS)
        return nrc_error_set(err, NRC_ERR_INPUT, "group %s: %zu cells, more than %d", group, total, MAX_CELLS);
    for (size_t t = 0; t < total; t++) {
        nrc_sweep_cell c;
        nrc_status st;
        size_t r = t;
        for (size_t i = N_CERTIFY; i-- > 0;) {
            cidx[i] = r % json_array_size(caxes[i]);
            r /= json_array_size(caxes[i]);
        }
        for (size_t i = N_TRAIN; i-- > 0;) {
            tidx[i] = r % json_array_size(taxes[i]);
            r /= json_array_size(taxes[i]);
        }
        if (make_cell(&c, taxes, tidx, caxes, cidx) != 0) {
            cell_free(&c);
            return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
        }
        st = plan_add(plan, &c, group, err);
        if (st != NRC_OK)
            return st;
    }
    return NRC_OK;
}

static nrc_status load_grid(nrc_sweep_plan *plan, json_t *defaults, json_t *grid, size_t gi, nrc_error *err)
{
    json_t *taxes[N_TRAIN] = {0}, *caxes[N_CERTIFY] = {0};
    json_t *g = json_object_get(grid, "group");
    char where[128], gname[80];
    const char *key;
    json_t *val;
    nrc_status st;

    snprintf(gname, sizeof gname, "grid%zu", gi);
    snprintf(where, sizeof where, "grids[%zu]", gi);
    if (!json_is_object(grid))
        return nrc_error_set(err, NRC_ERR_INPUT, "%s: expected an object", where);
    json_object_foreach(grid, key, val)
        if (strcmp(key, "group") && strcmp(key, "train") && strcmp(key, "certify") && strcmp(key, "comment"))
            return nrc_error_set(err, NRC_ERR_INPUT, "%s.%s: unknown member", where, key);
    if (g) {
        if (!json_is_string(g) || !safe_name(json_string_value(g)))
            return nrc_error_set(err, NRC_ERR_INPUT, "%s.group: a name of letters, digits, '_', '-', '.'", where);
        snprintf(gname, sizeof gname, "%s", json_string_value(g));
    }
    snprintf(where, sizeof where, "grids[%zu].train", gi);
    st = collect_axes(TRAIN_OPTS, N_TRAIN, json_object_get(defaults, "train"), json_object_get(grid, "train"),
                      taxes, where, err);
    if (st == NRC_OK) {
        snprintf(where, sizeof where, "grids[%zu].certify", gi);
        st = collect_axes(CERTIFY_OPTS, N_CERTIFY, json_object_get(defaults, "certify"),
                          json_object_get(grid, "certify"), caxes, where, err);
    }
    if (st == NRC_OK)
        st = expand_grid(plan, taxes, caxes, gname, err);
    for (size_t i = 0; i < N_TRAIN; i++)
        json_decref(taxes[i]);
    for (size_t i = 0; i < N_CERTIFY; i++)
        json_decref(caxes[i]);
    return st;
}

/* Figures: validated here so that a bad figure fails before any cell runs. */
static nrc_status check_figures(json_t *figs, nrc_error *err)
{
    size_t i;
    json_t *f;
    if (!json_is_array(figs))
        return nrc_error_set(err, NRC_ERR_INPUT, "figures: expected an array");
    json_array_foreach(figs, i, f) {
        json_t *name = json_object_get(f, "name"), *kind = json_object_get(f, "kind");
        json_t *x = json_object_get(f, "x"), *set = json_object_get(f, "set"), *gr = json_object_get(f, "groups");
        json_t *series = json_object_get(f, "series");
        const char *key;
        json_t *val;
        if (!json_is_object(f))
            return nrc_error_set(err, NRC_ERR_INPUT, "figures[%zu]: expected an object", i);
        json_object_foreach(f, key, val)
            if (strcmp(key, "name") && strcmp(key, "kind") && strcmp(key, "x") && strcmp(key, "set") &&
                strcmp(key, "groups") && strcmp(key, "series") && strcmp(key, "title") && strcmp(key, "caption"))
                return nrc_error_set(err, NRC_ERR_INPUT, "figures[%zu].%s: unknown member", i, key);
        if (!json_is_string(name) || !safe_name(json_string_value(name)))
            return nrc_error_set(err, NRC_ERR_INPUT, "figures[%zu].name: a name of letters, digits, '_', '-', '.'", i);
        if (!json_is_string(kind) || !word_in(json_string_value(kind), FIG_KINDS))
            return nrc_error_set(err, NRC_ERR_INPUT, "figures[%zu].kind: one of %s", i, FIG_KINDS);
        if (!json_is_array(gr) || json_array_size(gr) == 0)
            return nrc_error_set(err, NRC_ERR_INPUT, "figures[%zu].groups: a non-empty array of group names", i);
        if (set && (!json_is_string(set) || !word_in(json_string_value(set), "train|test")))
            return nrc_error_set(err, NRC_ERR_INPUT, "figures[%zu].set: train or test", i);
        if (!strcmp(json_string_value(kind), "flip") || !strcmp(json_string_value(kind), "kkt")) {
            const opt_def *o = json_is_string(x) ? find_opt(TRAIN_OPTS, N_TRAIN, json_string_value(x)) : NULL;
            if (!o || (o->kind != OPT_INT && o->kind != OPT_REAL))
                return nrc_error_set(err, NRC_ERR_INPUT, "figures[%zu].x: a numeric train option (n, d, k, steps, lr, ...)", i);
        }
        if (series && (!json_is_string(series) || !find_opt(TRAIN_OPTS, N_TRAIN, json_string_value(series))))
            return nrc_error_set(err, NRC_ERR_INPUT, "figures[%zu].series: a train option", i);
        if ((json_object_get(f, "title") && !json_is_string(json_object_get(f, "title"))) ||
            (json_object_get(f, "caption") && !json_is_string(json_object_get(f, "caption"))))
            return nrc_error_set(err, NRC_ERR_INPUT, "figures[%zu]: title and caption are strings", i);
    }
    return NRC_OK;
}

static nrc_status spec_parse(json_t *root, nrc_sweep_plan *plan, nrc_error *err)
{
    json_t *fmt = json_object_get(root, "format"), *ver = json_object_get(root, "version");
    json_t *grids = json_object_get(root, "grids"), *defaults = json_object_get(root, "defaults");
    json_t *name = json_object_get(root, "name"), *figs = json_object_get(root, "figures");
    const char *key;
    json_t *val;
    nrc_status st;

    if (!json_is_object(root))
        return nrc_error_set(err, NRC_ERR_INPUT, "expected a JSON object");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "nrc-sweep") != 0)
        return nrc_error_set(err, NRC_ERR_INPUT, "format: expected \"nrc-sweep\"");
    if (!json_is_integer(ver) || json_integer_value(ver) != 1)
        return nrc_error_set(err, NRC_ERR_INPUT, "version: expected 1");
    json_object_foreach(root, key, val)
        if (strcmp(key, "format") && strcmp(key, "version") && strcmp(key, "name") && strcmp(key, "defaults") &&
            strcmp(key, "grids") && strcmp(key, "figures") && strcmp(key, "comment"))
            return nrc_error_set(err, NRC_ERR_INPUT, "%s: unknown member", key);
    if (name && !json_is_string(name))
        return nrc_error_set(err, NRC_ERR_INPUT, "name: expected a string");
    plan->name = nrc_sweep_strf("%s", name ? json_string_value(name) : "sweep");
    if (defaults) {
        if (!json_is_object(defaults))
            return nrc_error_set(err, NRC_ERR_INPUT, "defaults: expected an object");
        json_object_foreach(defaults, key, val)
            if (strcmp(key, "train") && strcmp(key, "certify"))
                return nrc_error_set(err, NRC_ERR_INPUT, "defaults.%s: unknown member", key);
    }
    if (!json_is_array(grids) || json_array_size(grids) == 0)
        return nrc_error_set(err, NRC_ERR_INPUT, "grids: expected a non-empty array");
    for (size_t i = 0; i < json_array_size(grids); i++) {
        st = load_grid(plan, defaults, json_array_get(grids, i), i, err);
        if (st != NRC_OK)
            return st;
    }
    plan->figures = figs ? json_incref(figs) : json_array();
    return check_figures(plan->figures, err);
}

nrc_status nrc_sweep_spec_load(const char *path, nrc_sweep_plan *plan, nrc_error *err)
{
    json_t *root = NULL;
    nrc_status st;

    memset(plan, 0, sizeof *plan);
    st = nrc_sweep_json_load(path, &root, err);
    if (st != NRC_OK)
        return st;
    st = spec_parse(root, plan, err);
    json_decref(root);
    if (st != NRC_OK) {
        nrc_error_prefix(err, path);
        nrc_sweep_plan_clear(plan);
    }
    return st;
}

/* ---- plan.json ------------------------------------------------------------ */

static json_t *args_json(char **a, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_string(a[i]));
    return arr;
}

nrc_status nrc_sweep_plan_write(const nrc_sweep_plan *plan, const char *dir, nrc_error *err)
{
    json_t *root = json_object(), *cells = json_array();
    char *path = nrc_sweep_strf("%s/plan.json", dir);
    nrc_status st;

    if (!root || !cells || !path) {
        json_decref(root);
        json_decref(cells);
        nrc_free(path);
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    }
    json_object_set_new(root, "format", json_string("nrc-sweep-plan"));
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "name", json_string(plan->name));
    for (size_t i = 0; i < plan->n_cells; i++) {
        const nrc_sweep_cell *c = &plan->cells[i];
        json_t *o = json_object();
        json_object_set_new(o, "key", json_string(c->key));
        json_object_set(o, "groups", c->groups);
        json_object_set(o, "options", c->options);
        json_object_set_new(o, "train_args", args_json(c->train_args, c->n_train_args));
        json_object_set_new(o, "certify_args", args_json(c->certify_args, c->n_certify_args));
        json_array_append_new(cells, o);
    }
    json_object_set_new(root, "cells", cells);
    json_object_set(root, "figures", plan->figures);
    st = nrc_sweep_json_write(path, root, err);
    json_decref(root);
    nrc_free(path);
    return st;
}

static int args_from_json(json_t *arr, char ***out, size_t *n)
{
    size_t i;
    json_t *e;
    if (!json_is_array(arr))
        return -1;
    json_array_foreach(arr, i, e) {
        if (!json_is_string(e) || push_arg(out, n, json_string_value(e)) != 0)
            return -1;
    }
    return 0;
}

nrc_status nrc_sweep_plan_read(const char *dir, nrc_sweep_plan *plan, nrc_error *err)
{
    char *path = nrc_sweep_strf("%s/plan.json", dir);
    json_t *root = NULL, *cells, *c;
    nrc_status st;
    size_t i;

    memset(plan, 0, sizeof *plan);
    if (!path)
        return nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
    st = nrc_sweep_json_load(path, &root, err);
    if (st != NRC_OK) {
        nrc_free(path);
        return st;
    }
    cells = json_object_get(root, "cells");
    if (!json_is_string(json_object_get(root, "format")) ||
        strcmp(json_string_value(json_object_get(root, "format")), "nrc-sweep-plan") != 0 || !json_is_array(cells))
        goto bad;
    plan->name = nrc_sweep_strf("%s", json_is_string(json_object_get(root, "name")) ?
                                json_string_value(json_object_get(root, "name")) : "sweep");
    plan->figures = json_incref(json_object_get(root, "figures"));
    if (!plan->figures || check_figures(plan->figures, err) != NRC_OK)
        goto bad;
    plan->cells = nrc_calloc(json_array_size(cells) ? json_array_size(cells) : 1, sizeof *plan->cells);
    if (!plan->cells) {
        st = nrc_error_set(err, NRC_ERR_SYSTEM, "out of memory");
        goto fail;
    }
    json_array_foreach(cells, i, c) {
        nrc_sweep_cell *x = &plan->cells[i];
        json_t *key = json_object_get(c, "key");
        plan->n_cells = i + 1;
        if (!json_is_string(key) || json_string_length(key) != NRC_SWEEP_KEY_HEX ||
            !json_is_array(json_object_get(c, "groups")) || !json_is_object(json_object_get(c, "options")) ||
            args_from_json(json_object_get(c, "train_args"), &x->train_args, &x->n_train_args) != 0 ||
            args_from_json(json_object_get(c, "certify_args"), &x->certify_args, &x->n_certify_args) != 0)
            goto bad;
        memcpy(x->key, json_string_value(key), NRC_SWEEP_KEY_HEX + 1);
        x->groups = json_incref(json_object_get(c, "groups"));
        x->options = json_incref(json_object_get(c, "options"));
    }
    json_decref(root);
    nrc_free(path);
    return NRC_OK;
bad:
    st = nrc_error_set(err, NRC_ERR_INPUT, "%s: not a plan written by sweep", path);
fail:
    json_decref(root);
    nrc_free(path);
    nrc_sweep_plan_clear(plan);
    return st;
}
