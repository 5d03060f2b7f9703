/* Engine selection (include/certify/nrc_engine.h). */
#include <string.h>
#include "nrc_engine.h"

nrc_status nrc_engine_init(nrc_engine *e, const char *name, int threads,
                           nrc_error *err)
{
    e->ops = NULL;
    e->state = NULL;
    e->threads = threads < 1 ? 1 : threads;
    if (!name || strcmp(name, "fast") == 0)
        return nrc_engine_fast_init(e, threads, err);
    if (strcmp(name, "mpfr") == 0)
        return nrc_engine_mpfr_init(e, threads, err);
    return nrc_error_set(err, NRC_ERR_USAGE, "unknown engine '%s' (expected fast or mpfr)", name);
}

void nrc_engine_clear(nrc_engine *e)
{
    if (e->ops && e->ops->clear)
        e->ops->clear(e);
    e->ops = NULL;
    e->state = NULL;
}
