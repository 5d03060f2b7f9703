/* The model section (spec/CHECK.md steps 3 and 4): the certificate is
 * about this model file (model.sha256) and states its sizes and flags
 * (model.n .. model.fixed_second_layer); kkt.variant, when given, is the
 * model's flag bit 1, whatever kkt.status says (an inconsistent
 * certificate, exit 3, even when its KKT claims are not applicable). */
#include "nrc_check_claims.h"

nrc_status nrc_check_model(const nrc_cert *C, const nrc_model *M, const unsigned char *sha,
                           nrc_check_report *rep, nrc_error *err)
{
    int fixed = (M->flags & NRC_FLAG_FIXED_V) != 0;
    char hex[65];
    size_t t;
    int same = 1;
    nrc_hex(sha, 32, hex);
    /* strcmp(hex, C->sha256) == 0, as hex is 64 digits and its NUL (a loop,
     * not memcmp: its contract reads unsigned char, a cast this file's
     * memory model does not follow) */
    /*@ loop invariant 0 <= t <= 65;
        loop assigns t, same;
        loop variant 65 - t;
    */
    for (t = 0; t < sizeof hex; t++)
        if (hex[t] != C->sha256[t])
            same = 0;
    if (!same)
        return nrc_check_fail(rep, err, "model.sha256",
                              "%s does not match MODEL (its SHA-256 is %s)", C->sha256, hex);
    if (C->n != M->n || C->d != M->d || C->k != M->k || C->m != M->m ||
        C->bias != ((M->flags & NRC_FLAG_BIAS) != 0) ||
        (C->has_fixed_second_layer && C->fixed_second_layer != fixed)) {
        rep->valid = 0;
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "model: n, d, k, m, bias, fixed_second_layer do not match the model file "
                             "(%llu, %llu, %llu, %llu, %d, %d)",
                             (unsigned long long)M->n, (unsigned long long)M->d,
                             (unsigned long long)M->k, (unsigned long long)M->m,
                             (M->flags & NRC_FLAG_BIAS) != 0, fixed);
    }
    /* kkt.variant absent: the model's flag bit 1 decides it */
    if (C->kkt_variant_given && C->kkt_fixed != fixed) {
        rep->valid = 0;
        return nrc_error_set(err, NRC_ERR_INPUT,
                             "kkt.variant: \"%s\" does not match the model's flag bit 1 (fixed second layer %s)",
                             C->kkt_fixed ? "fixed-second-layer" : "full",
                             fixed ? "set" : "not set");
    }
    return NRC_OK;
}
