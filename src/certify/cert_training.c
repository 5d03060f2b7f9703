/* The training record of a model (include/certify/nrc_certify.h
 * nrc_train_record): what train wrote into the model's metadata about the
 * network it trained and the polish (spec/TRAINING.md, spec/POLISH.md), for
 * the summary. Informative: binary64 values, never certified; whatever is
 * absent stays NaN, and metadata that is not train's gives no record. */
#include <math.h>
#include <string.h>
#include "cert_run.h"

/* A number member of o, or NaN. */
static double num_of(const json_t *o, const char *key)
{
    const json_t *v = o ? json_object_get(o, key) : NULL;
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The margins and the KKT residual of one network of the polish record. */
static void polish_side(const json_t *o, double *loss, double *q, double *nq, double *eps)
{
    *loss = num_of(o, "loss");
    *q = num_of(o, "min_margin");
    *nq = num_of(o, "normalized_margin");
    *eps = num_of(o, "eps_rel");
}

static void read_polish(nrc_train_record *T, const json_t *p)
{
    const json_t *outcome = json_object_get(p, "outcome");
    const char *s = json_is_string(outcome) ? json_string_value(outcome) : "unknown";
    T->polish = strcmp(s, "off") == 0 ? 0 : 1;
    snprintf(T->outcome, sizeof T->outcome, "%s", s);
    T->adopted = json_is_true(json_object_get(p, "adopted"));
    polish_side(json_object_get(p, "gd"), &T->gd_loss, &T->gd_min_margin,
                &T->gd_normalized_margin, &T->gd_eps_rel);
    polish_side(json_object_get(p, "polished"), &T->pol_loss, &T->pol_min_margin,
                &T->pol_normalized_margin, &T->pol_eps_rel);
}

nrc_status nrc_cert_training_read(nrc_cert_run *R, nrc_error *err)
{
    nrc_train_record *T = &R->C->train;
    const json_t *res, *pol;
    json_t *meta;
    (void)err;
    memset(T, 0, sizeof *T);
    T->polish = -1;
    T->steps = T->loss = T->log_loss = T->min_margin = T->normalized_margin = NAN;
    T->gd_loss = T->gd_min_margin = T->gd_normalized_margin = T->gd_eps_rel = NAN;
    T->pol_loss = T->pol_min_margin = T->pol_normalized_margin = T->pol_eps_rel = NAN;
    meta = R->M->meta ? json_loadb(R->M->meta, R->M->meta_len, 0, NULL) : NULL;
    res = json_object_get(meta, "result");
    if (json_is_object(res)) {
        T->present = 1;
        T->steps = num_of(res, "steps_done");
        T->loss = num_of(res, "loss");
        T->log_loss = num_of(res, "log_loss");
        T->min_margin = num_of(res, "min_margin");
        T->normalized_margin = num_of(res, "normalized_margin");
        pol = json_object_get(meta, "polish");
        if (json_is_object(pol))
            read_polish(T, pol);
    }
    json_decref(meta);
    return NRC_OK;
}
