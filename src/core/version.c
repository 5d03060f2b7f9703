/* Version and commit of the build (include/core/nrc_cli.h). Kept alone in
 * this file: GNUmakefile passes -DNRC_COMMIT to it only, and rebuilds only
 * it when the commit changes. */
#include "nrc_cli.h"

#ifndef NRC_VERSION
#define NRC_VERSION "unknown"
#endif

const char *nrc_version(void)
{
    return NRC_VERSION;
}

const char *nrc_commit(void)
{
#ifdef NRC_COMMIT
    static const char commit[] = NRC_COMMIT;
    return commit[0] ? commit : (const char *)0;
#else
    return (const char *)0;
#endif
}
