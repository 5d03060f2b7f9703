/* The report of a check (include/check/nrc_check_ws.h): counts, and the
 * first false claim with the exact value computed. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "nrc_alloc.h"
#include "nrc_check_ws.h"

void nrc_check_report_start(nrc_check_report *rep, int lipschitz_present)
{
    size_t t;
    rep->valid = 1;
    /*@ loop invariant 0 <= t <= sizeof(rep->claim);
        loop assigns t, rep->claim[0 .. sizeof(rep->claim) - 1];
        loop variant sizeof(rep->claim) - t;
    */
    for (t = 0; t < sizeof rep->claim; t++)
        rep->claim[t] = '\0';
    rep->fit = rep->data = rep->lipschitz = rep->kkt = rep->robust = 0;
    rep->flips_train = rep->flips_test = rep->flips_other = 0;
    rep->lipschitz_present = lipschitz_present;
    rep->kink_tolerance = 0.0;
}

void nrc_check_show(const nrc_cdy *a, char *buf, size_t size)
{
    char *h = nrc_cdy_get_hex(a);
    double approx = nrc_cdy_get_d_approx(a);
    const char *tail;
    if (!h) {
        snprintf(buf, size, "~%.17g", approx);
        return;
    }
    if (strlen(h) > 200) {
        tail = strrchr(h, 'p');
        snprintf(buf, size, "%.80s...[%zu hex chars]...%s (~%.17g)", h, strlen(h),
                 tail ? tail : "", approx);
    } else {
        snprintf(buf, size, "%s (~%.17g)", h, approx);
    }
    nrc_free(h);
}

#ifndef __FRAMAC__
nrc_status nrc_check_fail(nrc_check_report *rep, nrc_error *err, const char *claim,
                          const char *fmt, ...)
{
    char body[NRC_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    rep->valid = 0;
    snprintf(rep->claim, sizeof rep->claim, "%s", claim);
    nrc_error_set(err, NRC_OK, "%s: %s", claim, body);
    return NRC_OK;
}
#endif

int nrc_check_enclosed(nrc_check_report *rep, nrc_error *err, const char *claim,
                       const double e[2], const nrc_cdy *v)
{
    char sv[320], sb[64];
    if (nrc_cdy_cmp_d(v, e[0]) < 0) {
        nrc_check_show(v, sv, sizeof sv);
        nrc_check_hex_format(e[0], sb, sizeof sb);
        nrc_check_fail(rep, err, claim, "lower end %s > exact value %s", sb, sv);
        return 0;
    }
    if (nrc_cdy_cmp_d(v, e[1]) > 0) {
        nrc_check_show(v, sv, sizeof sv);
        nrc_check_hex_format(e[1], sb, sizeof sb);
        nrc_check_fail(rep, err, claim, "upper end %s < exact value %s", sb, sv);
        return 0;
    }
    return 1;
}
