/* The Lipschitz claims (spec/CERTIFICATE.md "lipschitz", an addition to
 * FORMATS.md; spec/CHECK.md step 5): for every neuron u_j >= 0 and
 * u_j^2 >= ||w_j||^2, and sum_j |v_j| u_j <= L_upper. Absent: nothing is
 * claimed (and the parser refuses every dist_lower). */
#include <stdio.h>
#include "nrc_check_claims.h"

nrc_status nrc_check_lipschitz(const nrc_cert *C, nrc_cert_view V, nrc_cnet N,
                               nrc_check_ws w, nrc_check_report *rep, nrc_error *err)
{
    const double *const v = N.v, *const nnu = V.nnu;
    const nrc_cdy *const ww = w.ww;
    const size_t k = N.k;
    nrc_cdy t, sum;
    size_t j;
    char name[64], s1[320];
    rep->lipschitz = 0;
    if (!nnu)
        return NRC_OK;
    nrc_cdy_init(&t);
    nrc_cdy_init(&sum);
    nrc_cdy_set_si(&sum, 0);
    /*@ loop invariant 0 <= j <= k && rep->lipschitz == j;
        loop assigns j, t, sum, name[0 .. 63], rep->lipschitz;
        loop variant k - j;
    */
    for (j = 0; j < k; j++) {
        double u = nnu[j];
        snprintf(name, sizeof name, "lipschitz.neuron_norm_upper[%zu]", j);
        if (!(u >= 0.0)) {
            nrc_check_fail(rep, err, name, "negative");
            goto done;
        }
        nrc_cdy_set_d(&t, u);
        nrc_cdy_mul(&t, &t, &t);
        if (nrc_cdy_cmp(&t, &ww[j]) < 0) {
            nrc_check_show(&ww[j], s1, sizeof s1);
            nrc_check_fail(rep, err, name, "u_j^2 < ||w_j||^2 = %s", s1);
            goto done;
        }
        rep->lipschitz++;
        nrc_cdy_set_d(&t, u);
        nrc_cdy_mul_d(&t, &t, v[j] < 0 ? -v[j] : v[j]);
        nrc_cdy_add(&sum, &sum, &t);
    }
    if (nrc_cdy_cmp_d(&sum, C->L_upper) > 0) {
        nrc_check_show(&sum, s1, sizeof s1);
        nrc_check_fail(rep, err, "lipschitz.L_upper", "below sum_j |v_j| u_j = %s", s1);
        goto done;
    }
    rep->lipschitz++;
done:
    nrc_cdy_clear(&t);
    nrc_cdy_clear(&sum);
    return NRC_OK;
}
