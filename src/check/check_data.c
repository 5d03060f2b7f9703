/* The data claims (spec/CERTIFICATE.md "data"; spec/CHECK.md step 5):
 * R_min_sq, R_max_sq, rho, eps_data (lo R_min^2 <= (n - 1) rho <=
 * hi R_min^2), gamma_z, z_norm_sq, n_pos, n_neg, and regime ==
 * (eps_data.hi <= 0x1.999999999999ap-4 and gamma_z.lo > 0). */
#include "nrc_check_claims.h"

nrc_status nrc_check_data(const nrc_cert *C, nrc_cnet N, nrc_check_ws w,
                          nrc_check_report *rep, nrc_error *err)
{
    const double *const y = N.y;
    const size_t n = N.n;
    const double tenth = 0x1.999999999999ap-4;
    nrc_cdy t, u;
    uint64_t npos = 0, nneg = 0;
    size_t i;
    int regime;
    char s1[320];
    rep->data = 0;
    if (!nrc_check_enclosed(rep, err, "data.R_min_sq", C->R_min_sq, w.Rmin) ||
        !nrc_check_enclosed(rep, err, "data.R_max_sq", C->R_max_sq, w.Rmax) ||
        !nrc_check_enclosed(rep, err, "data.rho", C->rho, w.rho))
        return NRC_OK;
    rep->data += 3;
    /* lo R_min^2 <= (n - 1) rho <= hi R_min^2 */
    nrc_cdy_init(&t);
    nrc_cdy_init(&u);
    nrc_cdy_set_si(&u, (long)(n - 1));
    nrc_cdy_mul(&u, &u, w.rho);
    nrc_cdy_mul_d(&t, w.Rmin, C->eps_data[0]);
    if (nrc_cdy_cmp(&t, &u) > 0) {
        nrc_check_show(&u, s1, sizeof s1);
        nrc_check_fail(rep, err, "data.eps_data",
                       "lower end times R_min^2 exceeds (n - 1) rho = %s", s1);
        goto done;
    }
    nrc_cdy_mul_d(&t, w.Rmin, C->eps_data[1]);
    if (nrc_cdy_cmp(&t, &u) < 0) {
        nrc_check_show(&u, s1, sizeof s1);
        nrc_check_fail(rep, err, "data.eps_data",
                       "upper end times R_min^2 is below (n - 1) rho = %s", s1);
        goto done;
    }
    rep->data++;
    if (!nrc_check_enclosed(rep, err, "data.gamma_z", C->gamma_z, w.gz) ||
        !nrc_check_enclosed(rep, err, "data.z_norm_sq", C->z_norm_sq, w.zz))
        goto done;
    rep->data += 2;
    /*@ loop invariant 0 <= i <= n && npos + nneg == i;
        loop assigns i, npos, nneg;
        loop variant n - i;
    */
    for (i = 0; i < n; i++) {
        if (y[i] > 0)
            npos++;
        else
            nneg++;
    }
    if (npos != C->n_pos) {
        nrc_check_fail(rep, err, "data.n_pos", "%llu, but the model has %llu positive labels",
                       (unsigned long long)C->n_pos, (unsigned long long)npos);
        goto done;
    }
    if (nneg != C->n_neg) {
        nrc_check_fail(rep, err, "data.n_neg", "%llu, but the model has %llu negative labels",
                       (unsigned long long)C->n_neg, (unsigned long long)nneg);
        goto done;
    }
    rep->data += 2;
    regime = C->eps_data[1] <= tenth && C->gamma_z[0] > 0.0;
    if (regime != C->regime) {
        nrc_check_fail(rep, err, "data.regime",
                       "is %s, but eps_data.hi <= 0.1 and gamma_z.lo > 0 is %s",
                       C->regime ? "true" : "false", regime ? "true" : "false");
        goto done;
    }
    rep->data++;
done:
    nrc_cdy_clear(&t);
    nrc_cdy_clear(&u);
    return NRC_OK;
}
