/* Placeholder until the checker lands: refuse rather than pretend. */
#include <stdio.h>
#include "nrc_check.h"

int nrc_check_cli(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "certify: error: --check is not implemented yet\n");
    return 5;
}
