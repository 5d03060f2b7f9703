/* The theory member (spec/CERTIFICATE.md "Members", theory: informative, never
 * checked): binary64 approximations of the prediction of spec/MATH.md section 5,
 * ||z|| / n, and the bound that holds at exact KKT points with gamma_z > 0,
 * per training point relative to ||x_i||. */
#include <math.h>
#include "nrc_alloc.h"
#include "cert_run.h"

static double mid(const double e[2]) { return 0.5 * e[0] + 0.5 * e[1]; }

/* Ascending insertion sort (n is moderate; a NaN stays where it is). */
static void sort_d(double *a, size_t len)
{
    size_t i, j;
    for (i = 1; i < len; i++)
        for (j = i; j > 0 && a[j - 1] > a[j]; j--) {
            double t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
}

/* The section 5 bound of every training point whose other class has a
 * positive margin sum, relative to ||x_i|| (bnd: n scratch); returns how
 * many. */
static size_t theory_bounds(const nrc_cert_run *R, double *bnd)
{
    const nrc_certify_result *C = R->C;
    const nrc_model *M = R->M;
    double zn = C->th_z_norm, gz = mid(C->gamma_z), rho = mid(C->rho), rmax = mid(C->R_max_sq);
    double Q[2] = { 0, 0 };
    size_t cnt[2] = { C->n_neg, C->n_pos }, i, nb = 0;
    if (R->b) {
        rho += 1.0;
        rmax += 1.0;
    }
    for (i = 0; i < R->n; i++)
        Q[M->y[i] > 0] += M->y[i] * (0.5 * R->Nlo[i] + 0.5 * R->Nhi[i]);
    for (i = 0; i < R->n; i++) {
        int other = M->y[i] > 0 ? 0 : 1;
        double q = M->y[i] * (0.5 * R->Nlo[i] + 0.5 * R->Nhi[i]);
        if (Q[other] > 0) {
            double t = (zn / gz) * (rho + q * (rmax + (double)cnt[other] * rho) / Q[other]);
            bnd[nb++] = t / sqrt(0.5 * R->xlo[i] + 0.5 * R->xhi[i]);
        }
    }
    return nb;
}

nrc_status nrc_cert_theory_compute(nrc_cert_run *R, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    double *bnd;
    size_t nb;
    C->th_z_norm = sqrt(0.5 * C->z_norm_sq[0] + 0.5 * C->z_norm_sq[1]);
    C->th_z_over_n = C->th_z_norm / (double)R->n;
    C->th_valid = mid(C->gamma_z) > 0 && C->all_correct;
    C->th_bound_median = C->th_bound_max = 0.0;
    if (!C->th_valid)
        return NRC_OK;
    bnd = nrc_malloc_array(R->n ? R->n : 1, sizeof(double));
    if (!bnd)
        return nrc_cert_oom(err, "theory");
    nb = theory_bounds(R, bnd);
    if (nb) {
        sort_d(bnd, nb);
        C->th_bound_median = bnd[nb / 2];
        C->th_bound_max = bnd[nb - 1];
    }
    nrc_free(bnd);
    return NRC_OK;
}

json_t *nrc_cert_theory_json(const nrc_certify_result *C)
{
    json_t *o = json_object();
    int bad = 0;
    nrc_json_put(o, "valid", json_boolean(C->th_valid), &bad);
    nrc_json_put(o, "z_norm", nrc_json_num(C->th_z_norm), &bad);
    nrc_json_put(o, "z_norm_over_n", nrc_json_num(C->th_z_norm / (double)C->n), &bad);
    nrc_json_put(o, "bound_over_x_norm_median", nrc_json_num(C->th_bound_median), &bad);
    nrc_json_put(o, "bound_over_x_norm_max", nrc_json_num(C->th_bound_max), &bad);
    nrc_json_put(o, "note", json_string("spec/MATH.md section 5: rigorous only at exact KKT "
                                        "points with gamma_z > 0; informative here"), &bad);
    return nrc_json_done(o, bad);
}
