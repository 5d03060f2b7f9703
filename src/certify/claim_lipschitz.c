/* The Lipschitz claim (spec/CERTIFICATE.md "What each member asserts", lipschitz, spec/CERTIFY.md
 * step 5, spec/MATH.md section 8): u_j >= ||w_j|| and L >= sum_j |v_j| u_j, so
 * |N(x) - N(x')| <= L ||x - x'||. */
#include <math.h>
#include "nrc_fast.h"
#include "fast_inline.h"
#include "cert_run.h"

/* u_j = sqrt_up(hi ||w_j||^2) (its square verified >= its argument by an
 * exact residual) and L = sum_j |v_j| u_j upward. */
static double lipschitz_bounds(nrc_cert_run *R)
{
    size_t j;
    double L = 0.0;
    for (j = 0; j < R->k; j++) {
        double u = nrc_fast_sqrt_up(R->whi[j]);
        R->C->neuron_norm_upper[j] = u;
        L = fi_add_up(L, fi_mul_up(fabs(R->M->v[j]), u));
    }
    return L;
}

nrc_status nrc_claim_lipschitz_decide(nrc_cert_run *R, nrc_error *err)
{
    nrc_certify_result *C = R->C;
    C->L_upper = lipschitz_bounds(R);
    if (!isfinite(C->L_upper) && !(C->refined & NRC_REFINED_THETA)) {
        /* the exact fallback: ||w_j||^2 exactly, rounded outward once */
        nrc_cert_refine_theta(R);
        C->L_upper = lipschitz_bounds(R);
    }
    if (!isfinite(C->L_upper))
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "the Lipschitz bound leaves the binary64 range: the certificate cannot state it");
    return NRC_OK;
}

json_t *nrc_claim_lipschitz_json(const nrc_certify_result *C)
{
    json_t *o = json_object(), *a = json_array();
    size_t j;
    int bad = 0;
    for (j = 0; j < C->k; j++)
        nrc_json_push(a, nrc_json_hex(C->neuron_norm_upper[j]), &bad);
    nrc_json_put(o, "neuron_norm_upper", a, &bad);
    nrc_json_put(o, "L_upper", nrc_json_hex(C->L_upper), &bad);
    return nrc_json_done(o, bad);
}
