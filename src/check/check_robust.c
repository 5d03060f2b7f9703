/* The robust reference claim (spec/CERTIFICATE.md "robust_reference",
 * MATH.md section 7; spec/CHECK.md step 5), when certified: r >= 0,
 * R_min^2 > rho and (R_min^2 - rho)^2 >= 4 r^2 R_max^2. */
#include "nrc_check_claims.h"

nrc_status nrc_check_robust(const nrc_cert *C, nrc_cnet N, nrc_check_ws w,
                            nrc_check_report *rep, nrc_error *err)
{
    double r = C->radius_lower;
    nrc_cdy t, u;
    char s1[320];
    (void)N; /* the sizes of w's parts, in the contract */
    rep->robust = 0;
    if (!(r >= 0.0))
        return nrc_check_fail(rep, err, "robust_reference.radius_lower", "negative radius");
    if (nrc_cdy_cmp(w.Rmin, w.rho) <= 0)
        return nrc_check_fail(rep, err, "robust_reference.status",
                              "\"certified\" requires R_min^2 > rho");
    nrc_cdy_init(&t);
    nrc_cdy_init(&u);
    /* (R_min^2 - rho)^2 >= 4 r^2 R_max^2 */
    nrc_cdy_sub(&t, w.Rmin, w.rho);
    nrc_cdy_mul(&t, &t, &t);
    nrc_cdy_set_d(&u, r);
    nrc_cdy_mul(&u, &u, &u);
    nrc_cdy_mul(&u, &u, w.Rmax);
    nrc_cdy_mul_d(&u, &u, 4.0);
    if (nrc_cdy_cmp(&t, &u) < 0) {
        nrc_check_show(&t, s1, sizeof s1);
        nrc_check_fail(rep, err, "robust_reference.radius_lower",
                       "4 r^2 R_max^2 exceeds (R_min^2 - rho)^2 = %s", s1);
    } else {
        rep->robust++;
    }
    nrc_cdy_clear(&t);
    nrc_cdy_clear(&u);
    return NRC_OK;
}
