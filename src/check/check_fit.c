/* The fit claims (spec/CERTIFICATE.md "fit"; spec/CHECK.md step 5):
 * all_correct (every q_i > 0), min_margin contains q_min, theta_norm_sq
 * (when present) contains ||theta||^2, and lo ||theta||^2 <= q_min <=
 * hi ||theta||^2 (normalized_margin, cross-multiplied). */
#include "nrc_check_claims.h"

nrc_status nrc_check_fit(const nrc_cert *C, nrc_cnet N, nrc_check_ws w,
                         nrc_check_report *rep, nrc_error *err)
{
    const nrc_cdy *const q = w.q, *const qmin = w.qmin, *const T = w.T_full;
    const size_t n = N.n;
    size_t i;
    nrc_cdy t;
    char s1[320];
    rep->fit = 0;
    if (C->all_correct) {
        /*@ loop invariant 0 <= i <= n;
            loop assigns i;
            loop variant n - i;
        */
        for (i = 0; i < n; i++)
            if (nrc_cdy_sgn(&q[i]) <= 0) {
                nrc_check_show(&q[i], s1, sizeof s1);
                return nrc_check_fail(rep, err, "fit.all_correct",
                                      "y_i N(x_i) = %s <= 0 at training point %zu", s1, i);
            }
        rep->fit++;
    }
    if (!nrc_check_enclosed(rep, err, "fit.min_margin", C->min_margin, qmin))
        return NRC_OK;
    rep->fit++;
    if (C->has_theta_norm_sq) {
        if (!nrc_check_enclosed(rep, err, "fit.theta_norm_sq", C->theta_norm_sq, T))
            return NRC_OK;
        rep->fit++;
    }
    /* lo ||theta||^2 <= q_min <= hi ||theta||^2 */
    nrc_cdy_init(&t);
    nrc_cdy_mul_d(&t, T, C->normalized_margin[0]);
    if (nrc_cdy_cmp(&t, qmin) > 0) {
        nrc_check_show(qmin, s1, sizeof s1);
        nrc_cdy_clear(&t);
        return nrc_check_fail(rep, err, "fit.normalized_margin",
                              "lower end times ||theta||^2 exceeds q_min = %s", s1);
    }
    nrc_cdy_mul_d(&t, T, C->normalized_margin[1]);
    if (nrc_cdy_cmp(&t, qmin) < 0) {
        nrc_check_show(qmin, s1, sizeof s1);
        nrc_cdy_clear(&t);
        return nrc_check_fail(rep, err, "fit.normalized_margin",
                              "upper end times ||theta||^2 is below q_min = %s", s1);
    }
    nrc_cdy_clear(&t);
    rep->fit++;
    return NRC_OK;
}
