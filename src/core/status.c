/* Error message helpers (include/core/nrc_status.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "nrc_status.h"

nrc_status nrc_error_set(nrc_error *err, nrc_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return status;
}

void nrc_error_prefix(nrc_error *err, const char *prefix)
{
    char tmp[NRC_ERROR_MSG_MAX];
    size_t plen;
    if (!err || !prefix)
        return;
    /* Truncation is acceptable for a message; done by hand to keep
     * -Wformat-truncation quiet. */
    memcpy(tmp, err->msg, sizeof tmp);
    tmp[sizeof tmp - 1] = '\0';
    plen = strlen(prefix);
    if (plen > sizeof err->msg - 3)
        plen = sizeof err->msg - 3;
    memcpy(err->msg, prefix, plen);
    memcpy(err->msg + plen, ": ", 2);
    plen += 2;
    {
        size_t rest = strlen(tmp);
        if (rest > sizeof err->msg - 1 - plen)
            rest = sizeof err->msg - 1 - plen;
        memcpy(err->msg + plen, tmp, rest);
        err->msg[plen + rest] = '\0';
    }
}
