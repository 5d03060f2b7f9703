/* The claim registry of certify (spec/CERTIFY.md "How to add a claim"):
 * which claim families exist, in which order nrc_certify_run decides them,
 * and in which order the certificate lists its members
 * (spec/CERTIFICATE.md). A new claim family is a module with a decide step
 * and an emitter (src/certify/claim_*.c, prototypes in cert_run.h), its
 * members in nrc_certify_result, and one row in each table below. */
#include "cert_run.h"

/* Decision order: each step reads what the steps before it decided (the
 * direction needs the margins of fit; the flips need z from data and L from
 * lipschitz; min_flip needs the flips' entries and the u_j of lipschitz;
 * kkt needs the fit and the Gram midpoint of data). */
const nrc_cert_step nrc_cert_steps[] = {
    { "fit", NRC_PHASE_FORWARD, nrc_claim_fit_decide },
    { "direction", NRC_PHASE_DATA, nrc_claim_direction_decide },
    { "data", NRC_PHASE_DATA, nrc_claim_data_decide },
    { "lipschitz", NRC_PHASE_DATA, nrc_claim_lipschitz_decide },
    { "flips", NRC_PHASE_FLIPS, nrc_claim_flips_decide },
    { "min_flip", NRC_PHASE_MINFLIP, nrc_claim_minflip_decide },
    { "kkt", NRC_PHASE_KKT, nrc_claim_kkt_decide },
    { "robust_reference", NRC_PHASE_OTHER, nrc_claim_robust_decide },
    { "theory", NRC_PHASE_OTHER, nrc_cert_theory_compute },
    { "training record", NRC_PHASE_OTHER, nrc_cert_training_read },
};
const size_t nrc_cert_nsteps = sizeof nrc_cert_steps / sizeof nrc_cert_steps[0];

/* Certificate order (spec/CERTIFICATE.md "Members"). */
const nrc_cert_member nrc_cert_members[] = {
    { "format", nrc_cert_format_json, NULL },
    { "version", nrc_cert_version_json, NULL },
    { "tool", nrc_cert_tool_json, NULL },
    { "model", nrc_cert_model_json, NULL },
    { "semantics", nrc_cert_semantics_json, NULL },
    { "options", nrc_cert_options_json, NULL },
    { "direction", nrc_claim_direction_json, NULL },
    { "fit", nrc_claim_fit_json, NULL },
    { "data", nrc_claim_data_json, NULL },
    { "lipschitz", nrc_claim_lipschitz_json, NULL },
    { "flips", nrc_claim_flips_json, NULL },
    { "min_flip", nrc_claim_minflip_json, nrc_claim_minflip_present },
    { "kkt", nrc_claim_kkt_json, NULL },
    { "robust_reference", nrc_claim_robust_json, NULL },
    { "theory", nrc_cert_theory_json, NULL },
    { "summary", nrc_cert_summary_json, NULL },
};
const size_t nrc_cert_nmembers = sizeof nrc_cert_members / sizeof nrc_cert_members[0];
