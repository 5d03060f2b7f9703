/* The robust reference claim (spec/CERTIFICATE.md "What each member asserts", robust_reference,
 * spec/MATH.md section 7): when R_min^2 > rho, the width-n network of section 7
 * fits the data with every training point robust to perturbations of norm
 * < r, for any r with (R_min^2 - rho)^2 >= 4 r^2 R_max^2. */
#include <math.h>
#include "nrc_fast.h"
#include "fast_inline.h"
#include "cert_run.h"

nrc_status nrc_claim_robust_decide(nrc_cert_run *R, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    double num, den, r;
    (void)err;
    C->robust_certified = 0;
    C->robust_radius = 0.0;
    /* R_min^2 > rho, decided from the enclosures (an ambiguous case is
     * reported not-applicable, which asserts nothing) */
    if (!(C->R_min_sq[0] > C->rho[1]))
        return NRC_OK;
    /* r <= (Rmin_lo - rho_hi) / (2 sqrt_up(Rmax_hi)) gives
     * 4 r^2 R_max^2 <= (R_min^2 - rho)^2 */
    num = fi_sub_down(C->R_min_sq[0], C->rho[1]);
    den = fi_mul_up(2.0, nrc_fast_sqrt_up(C->R_max_sq[1]));
    if (!(num > 0) || !(den > 0) || !isfinite(den))
        return NRC_OK;
    r = nrc_fast_div_down(num, den);
    /* a quotient below the binary64 range may round down below 0; r = 0
     * is a valid (vacuous) radius, so the status does not depend on how an
     * engine's enclosures round (spec/CERTIFY.md "When the engines agree") */
    if (r < 0)
        r = 0.0;
    if (!(r >= 0) || !isfinite(r))
        return NRC_OK;
    C->robust_radius = r;
    C->robust_certified = 1;
    return NRC_OK;
}

json_t *nrc_claim_robust_json(const nrc_certify_result *C)
{
    json_t *o = json_object();
    int bad = 0;
    nrc_json_put(o, "status", json_string(C->robust_certified ? "certified" : "not-applicable"), &bad);
    nrc_json_put(o, "radius_lower", nrc_json_hex(C->robust_radius), &bad);
    return nrc_json_done(o, bad);
}
